/* lathe — entry points of the console (see gui.h). */
#include "gui.h"
#include "console.h"

#include <glib-unix.h>
#include <signal.h>
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
	gint64 started_us;        /* when the window was made (LATHE_GUI_STATS) */
	gint64 ended_us;          /* when it went away */
	uint64_t frames;          /* frames it drew */
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

static void on_window_destroy(GtkWidget *w, gpointer ud)
{
	run_state *r = ud;
	r->frames = r->console->ticks;
	r->ended_us = g_get_monotonic_time();
	r->console = NULL;
}

static void on_activate(GtkApplication *gapp, gpointer ud)
{
	run_state *r = ud;
	if (r->console) {
		gtk_window_present(GTK_WINDOW(r->console->window));
		return;
	}
	r->console = console_new(gapp, r->app);
	g_signal_connect(r->console->window, "destroy", G_CALLBACK(on_window_destroy), r);
	gtk_window_present(GTK_WINDOW(r->console->window));
	if (r->screenshot) {
		const char *d = getenv("LATHE_SCREENSHOT_DELAY");
		double secs = d ? atof(d) : 3.0;
		g_timeout_add((guint)(1000 * (secs > 0 ? secs : 3.0)), take_screenshot, r);
	}
	r->started_us = g_get_monotonic_time();
}

/* SIGINT/SIGTERM end the console the way closing the window does, so main
 * can shut JACK and the rest down in order. */
static gboolean on_signal(gpointer ud)
{
	g_application_quit(G_APPLICATION(ud));
	return G_SOURCE_CONTINUE;
}

int gui_run(lathe_app *app, int argc, char **argv)
{
	gui_prepare(app);
	run_state r = { .app = app, .screenshot = getenv("LATHE_SCREENSHOT") };
	if (r.screenshot && !*r.screenshot)
		r.screenshot = NULL;
	GtkApplication *gapp = gtk_application_new("org.lathe.Console", G_APPLICATION_NON_UNIQUE);
	g_signal_connect(gapp, "activate", G_CALLBACK(on_activate), &r);
	guint sigint = g_unix_signal_add(SIGINT, on_signal, gapp), sigterm = g_unix_signal_add(SIGTERM, on_signal, gapp);
	/* lathe's own options are main.c's business: GApplication sees only the program name */
	char *args[] = { argc > 0 ? argv[0] : "lathe", NULL };
	int st = g_application_run(G_APPLICATION(gapp), 1, args);
	g_source_remove(sigint);
	g_source_remove(sigterm);
	if (r.console)
		on_window_destroy(NULL, &r);
	if (getenv("LATHE_GUI_STATS") && r.started_us) {
		double secs = (r.ended_us - r.started_us) / 1e6;
		fprintf(stderr, "lathe: console drew %llu frames in %.1f s (%.1f fps)\n", (unsigned long long)r.frames, secs,
		        secs > 0 ? r.frames / secs : 0.0);
	}
	g_object_unref(gapp);
	return st ? st : r.status;
}
