/* lathe — entry points of the console (see gui.h). */
#include "gui.h"
#include "console.h"

#include <stdio.h>
#include <stdlib.h>

void gui_prepare(lathe_app *app)
{
	if (app && app->bus && !app->gui_meter)
		app->gui_meter = bus_add_meter_consumer(app->bus);
}

/* What gui_run's callbacks share (lives on gui_run's stack). */
typedef struct {
	lathe_app *app;
	console *console;
	const char *screenshot;   /* LATHE_SCREENSHOT: write the window here, then quit */
	int status;
} run_state;

static gboolean take_screenshot(gpointer ud)
{
	run_state *r = ud;
	if (console_save_png(r->console, r->screenshot) < 0) {
		fprintf(stderr, "lathe: cannot write the screenshot %s\n", r->screenshot);
		r->status = 1;
	}
	g_application_quit(G_APPLICATION(r->console->gapp));
	return G_SOURCE_REMOVE;
}

static void on_activate(GtkApplication *gapp, gpointer ud)
{
	run_state *r = ud;
	if (r->console) {
		gtk_window_present(GTK_WINDOW(r->console->window));
		return;
	}
	r->console = console_new(gapp, r->app);
	gtk_window_present(GTK_WINDOW(r->console->window));
	if (r->screenshot)
		g_timeout_add(3000, take_screenshot, r);
}

int gui_run(lathe_app *app, int argc, char **argv)
{
	gui_prepare(app);
	run_state r = { .app = app, .screenshot = getenv("LATHE_SCREENSHOT") };
	if (r.screenshot && !*r.screenshot)
		r.screenshot = NULL;
	GtkApplication *gapp = gtk_application_new("org.lathe.Console", G_APPLICATION_NON_UNIQUE);
	g_signal_connect(gapp, "activate", G_CALLBACK(on_activate), &r);
	/* lathe's own options are main.c's business: GApplication sees only the program name */
	char *args[] = { argc > 0 ? argv[0] : "lathe", NULL };
	int st = g_application_run(G_APPLICATION(gapp), 1, args);
	g_object_unref(gapp);
	return st ? st : r.status;
}
