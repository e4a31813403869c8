/* lathe — entry points of the console (see gui.h). */
#include "gui.h"
#include "console.h"
#include "trace.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gui_prepare(lathe_app *app)
{
	if (app && app->bus && !app->gui_meter)
		app->gui_meter = bus_add_meter_consumer(app->bus);
}

/* What gui_run's callbacks share (lives on gui_run's stack). */
typedef struct {
	lathe_surface *surf;      /* handed to the console when its window is made */
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

/* ---- the test driver (LATHE_CONSOLE_TRACE=1): commands on stdin, one a line ----
 *   set PATH VALUE        turn that control (as the user would: control -> surface)
 *   key NAME              a single-key shortcut (gdk key name: "d", "space")
 *   action NAME [STRING]  a window action ("open-recent song1", "snapshot A", "undo")
 *   shot FILE             write the window as PNG, answer "shot FILE"
 *   meters                answer what the meter bridge draws now
 *   traffic               answer the bytes a remote console received and sent
 *   quit
 * Answers and events go out as trace lines (trace.h). */
static void print_meters(console *c)
{
	const meter_snapshot *s = &c->meters->snap;
	gui_trace("meters have=%d out_lufs_i=%.2f out_lufs_s=%.2f out_tp_max=%.2f out_lra=%.2f in_lufs_i=%.2f corr=%.3f lim_gr=%.2f",
	          c->meters->have_snap, s->out.lufs_i, s->out.lufs_s, s->out.tp_max_db, s->out.lra, s->in.lufs_i,
	          s->out.correlation, c->meters->lim_gr);
	/* per channel as the bars get them, and the rate the EQ curve is drawn at */
	gui_trace("meters-ch in_peak=%.2f,%.2f in_tp=%.2f,%.2f out_peak=%.2f,%.2f out_tp=%.2f,%.2f eq_rate=%.0f", s->in.peak_db[0],
	          s->in.peak_db[1], s->in.tp_db[0], s->in.tp_db[1], s->out.peak_db[0], s->out.peak_db[1], s->out.tp_db[0],
	          s->out.tp_db[1], c->eq->rate);
}

static gboolean on_command(GIOChannel *ch, GIOCondition cond, gpointer ud)
{
	run_state *r = ud;
	char *line = NULL;
	gsize len = 0;
	GIOStatus st = g_io_channel_read_line(ch, &line, &len, NULL, NULL);
	if (st == G_IO_STATUS_EOF || st == G_IO_STATUS_ERROR) {
		g_free(line);
		return G_SOURCE_REMOVE;
	}
	console *c = r->console;
	g_strstrip(line);
	char **w = g_strsplit(line, " ", 3);
	int n = (int)g_strv_length(w);
	if (!c || n == 0) {
		/* nothing to drive yet */
	} else if (!strcmp(w[0], "set") && n == 3) {
		int id = param_find(w[1]);
		if (id >= 0 && c->controls[id]) {
			gui_trace("set %s %s", w[1], w[2]);
			gui_control_set(c->controls[id], (float)g_ascii_strtod(w[2], NULL));
		} else {
			gui_trace("no-control %s", w[1]);
		}
	} else if (!strcmp(w[0], "key") && n == 2) {
		console_handle_key(c, gdk_keyval_from_name(w[1]), 0);
	} else if (!strcmp(w[0], "action") && n >= 2) {
		g_action_group_activate_action(G_ACTION_GROUP(c->window), w[1], n == 3 ? g_variant_new_string(w[2]) : NULL);
	} else if (!strcmp(w[0], "shot") && n == 2) {
		gui_trace("shot %s %s", w[1], console_save_png(c, w[1]) == 0 ? "ok" : "failed");
	} else if (!strcmp(w[0], "meters")) {
		print_meters(c);
	} else if (!strcmp(w[0], "traffic")) {
		uint64_t rx = 0, tx = 0;
		if (!c->surf->local)
			surface_osc_traffic(c->surf, &rx, &tx);
		gui_trace("traffic rx=%llu tx=%llu", (unsigned long long)rx, (unsigned long long)tx);
	} else if (!strcmp(w[0], "quit")) {
		g_application_quit(G_APPLICATION(c->gapp));
	}
	g_strfreev(w);
	g_free(line);
	return G_SOURCE_CONTINUE;
}

static void on_activate(GtkApplication *gapp, gpointer ud)
{
	run_state *r = ud;
	if (r->console) {
		gtk_window_present(GTK_WINDOW(r->console->window));
		return;
	}
	r->console = console_new_surface(gapp, r->surf);
	r->surf = NULL; /* the console owns it now */
	g_signal_connect(r->console->window, "destroy", G_CALLBACK(on_window_destroy), r);
	gtk_window_present(GTK_WINDOW(r->console->window));
	if (r->screenshot) {
		const char *d = getenv("LATHE_SCREENSHOT_DELAY");
		double secs = d ? atof(d) : 3.0;
		g_timeout_add((guint)(1000 * (secs > 0 ? secs : 3.0)), take_screenshot, r);
	}
	r->started_us = g_get_monotonic_time();
	if (gui_trace_on()) {
		GIOChannel *ch = g_io_channel_unix_new(0);
		g_io_add_watch(ch, G_IO_IN | G_IO_HUP | G_IO_ERR, on_command, r);
		g_io_channel_unref(ch);
		gui_trace("window");
	}
}

/* SIGINT/SIGTERM end the console the way closing the window does, so main
 * can shut JACK and the rest down in order. */
static gboolean on_signal(gpointer ud)
{
	g_application_quit(G_APPLICATION(ud));
	return G_SOURCE_CONTINUE;
}

/* The console of surf, until its window closes (gui_run, gui_run_remote). */
static int run_console(lathe_surface *surf, int argc, char **argv, int *link_at_end)
{
	run_state r = { .surf = surf, .screenshot = getenv("LATHE_SCREENSHOT") };
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
	if (link_at_end && r.console) {
		surface_status ss;
		r.console->surf->ops->status(r.console->surf, &ss);
		*link_at_end = ss.link;
	}
	if (r.console) {
		if (getenv("LATHE_GUI_STATS") && r.console->surf->local == NULL) {
			uint64_t rx, tx;
			surface_osc_traffic(r.console->surf, &rx, &tx);
			double secs = (g_get_monotonic_time() - r.started_us) / 1e6;
			fprintf(stderr, "lathe: remote console received %llu bytes, sent %llu in %.1f s (%.1f kB/s in, %.2f kB/s out)\n",
			        (unsigned long long)rx, (unsigned long long)tx, secs, secs > 0 ? rx / secs / 1000 : 0.0,
			        secs > 0 ? tx / secs / 1000 : 0.0);
		}
		if (!r.console->surf->local)
			/* a remote console says goodbye (/unsubscribe, surface_osc.c) rather than leave the
			 * engine feeding a closed port until the lease ends */
			gtk_window_destroy(GTK_WINDOW(r.console->window));
		else
			on_window_destroy(NULL, &r);
	}
	if (getenv("LATHE_GUI_STATS") && r.started_us) {
		double secs = (r.ended_us - r.started_us) / 1e6;
		fprintf(stderr, "lathe: console drew %llu frames in %.1f s (%.1f fps)\n", (unsigned long long)r.frames, secs,
		        secs > 0 ? r.frames / secs : 0.0);
	}
	g_object_unref(gapp);
	surface_free(r.surf); /* never shown (no activation) */
	return st ? st : r.status;
}

int gui_run(lathe_app *app, int argc, char **argv)
{
	gui_prepare(app);
	return run_console(surface_local_new(app), argc, argv, NULL);
}

/* --remote HOST[:PORT], checked when it is parsed. */
static char remote_host[64];
static int remote_port;

gboolean gui_remote_option(const char *name, const char *value, gpointer data, GError **error)
{
	const char *colon = strrchr(value, ':');
	size_t hl = colon ? (size_t)(colon - value) : strlen(value);
	long port = 7770;
	if (colon) {
		char *end = NULL;
		port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || port < 1 || port > 65535)
			port = -1;
	}
	if (!hl || hl >= sizeof remote_host || port < 0) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--remote '%s': takes HOST or HOST:PORT (PORT 1 to 65535)", value);
		return FALSE;
	}
	memcpy(remote_host, value, hl);
	remote_host[hl] = 0;
	remote_port = (int)port;
	return TRUE;
}

int gui_remote_wanted(void) { return remote_port > 0; }

int gui_run_remote(const char *argv0)
{
	char err[256];
	lathe_surface *s = surface_osc_new(remote_host, remote_port, err, sizeof err);
	if (!s) {
		fprintf(stderr, "lathe: %s\n", err);
		return 1;
	}
	char *args[] = { (char *)argv0, NULL };
	int link = SURFACE_CONNECTING;
	int st = run_console(s, 1, args, &link);
	return st ? st : link == SURFACE_MISMATCH ? 1 : 0;
}
