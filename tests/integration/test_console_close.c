/* lathe — issue 13's last console items under Xvfb: the peak meter's scales
 * (dBFS, EBU +9 / +18, K-20 / K-14 / K-12) and closing with unsaved changes
 * (Save / Discard / Cancel; the unsaved marker clears when undo returns to
 * the saved state).
 *
 * The scale references are written here from the standards, not read from
 * gui/meters.c: EBU Tech 3341 §2.3 (+9 scale -18..+9 LU, +18 scale -36..+18 LU,
 * 0 LU = -23 LUFS, which a 1 kHz stereo sine at -23 dBFS reads: Tech 3341
 * test signal 1), Katz 2000 (K-N: 0 = -N dBFS, scale to full scale, amber
 * from 0 to +4).  What the test takes from lathe's own choices is said where
 * it does: the peak section's geometry (bars from y = 40 to h - 76, the
 * left bars at x = 12, the meter floor -60 dBFS on every linear scale, the
 * dBFS deflection law documented in meters.h: 0 dBFS at 93 % of the height).
 * LATHE_SCREENSHOT_K14=FILE writes the console at K-14 (default
 * /tmp/lathe-k14.png) to look at. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../gui/console.h"
#include "../../gui/gui.h"
#include "../../engine/engine.h"
#include "../../sessions/sessions.h"
#include "tests/support/check_main.h"
#include "tests/support/gui_env.h"

/* ---- a console on a real sessions module ---- */

typedef struct {
	lathe_app app;
	char dir[64];
	sessions *ss;
	GtkApplication *gapp;
	console *c;
	gboolean destroyed;
} rig;

static void on_destroy(GtkWidget *w, gpointer ud) { ((rig *)ud)->destroyed = TRUE; }

static void rig_console(rig *r)
{
	r->destroyed = FALSE;
	r->c = console_new(r->gapp, &r->app);
	g_signal_connect(r->c->window, "destroy", G_CALLBACK(on_destroy), r);
	gtk_window_present(GTK_WINDOW(r->c->window));
	main_loop_ms(600);
}

static rig *rig_start(void)
{
	rig *r = g_new0(rig, 1);
	params_init();
	r->app.params = params_new();
	r->app.bus = bus_new(0.2);
	g_strlcpy(r->dir, "/tmp/lathe-close-XXXXXX", sizeof r->dir);
	ck_assert_ptr_nonnull(g_mkdtemp(r->dir));
	setenv("XDG_DATA_HOME", r->dir, 1);
	sessions_opts so = { .session_dir = r->dir, .autosave = 0, .state_dir = r->dir };
	char err[256];
	r->ss = sessions_new(&r->app, &so, err, sizeof err);
	ck_assert_msg(r->ss != NULL, "%s", err);
	r->gapp = gtk_application_new("org.lathe.CloseTest", G_APPLICATION_NON_UNIQUE);
	ck_assert(g_application_register(G_APPLICATION(r->gapp), NULL, NULL));
	rig_console(r);
	return r;
}

static void rig_stop(rig *r)
{
	if (!r->destroyed)
		gtk_window_destroy(GTK_WINDOW(r->c->window));
	main_loop_ms(50);
	sessions_free(r->ss);
	g_object_unref(r->gapp);
	bus_free(r->app.bus);
	params_free(r->app.params);
	rm_tree(r->dir);
	g_free(r);
}

static gboolean unsaved_shown(rig *r) { return strstr(gtk_window_get_title(GTK_WINDOW(r->c->window)), "•") != NULL; }

/* The visible message dialog, found the way a user sees it: among the toplevels. */
static GtkWidget *find_dialog(void)
{
	GListModel *tl = gtk_window_get_toplevels();
	GtkWidget *found = NULL;
	for (guint i = 0; i < g_list_model_get_n_items(tl); i++) {
		GtkWidget *w = g_list_model_get_item(tl, i);
		if (GTK_IS_MESSAGE_DIALOG(w) && gtk_widget_get_visible(w))
			found = w;
		g_object_unref(w);
	}
	return found;
}

/* The value of PATH in the [current] group of a session file, read with GLib's
 * key file parser (not lathe's reader). */
static double file_value(const char *file, const char *path)
{
	GKeyFile *kf = g_key_file_new();
	double v = NAN;
	if (g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, NULL)) {
		char *s = g_key_file_get_value(kf, "current", path, NULL);
		if (s)
			v = g_ascii_strtod(s, NULL);
		g_free(s);
	}
	g_key_file_free(kf);
	return v;
}

/* ---- the meter scales ---- */

/* The drawing area's content as drawn now: its own snapshot (the draw
 * function at the area's size), rendered by the window's renderer. */
static guchar *render_widget(console *c, GtkWidget *w, int *width, int *height)
{
	*width = gtk_widget_get_width(w);
	*height = gtk_widget_get_height(w);
	GtkSnapshot *s = gtk_snapshot_new();
	GTK_WIDGET_GET_CLASS(w)->snapshot(w, s);
	GskRenderNode *node = gtk_snapshot_free_to_node(s);
	ck_assert_ptr_nonnull(node);
	GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(c->window));
	GdkTexture *t = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, *width, *height));
	gsk_render_node_unref(node);
	guchar *px = g_malloc((size_t)*width * *height * 4);
	gdk_texture_download(t, px, (size_t)*width * 4);
	g_object_unref(t);
	return px;
}

/* cairo's memory order: B G R A */
static unsigned px_rgb(const guchar *px, int w, int x, int y)
{
	const guchar *p = px + 4 * ((size_t)y * w + x);
	return ((unsigned)p[2] << 16) | ((unsigned)p[1] << 8) | p[0];
}

static int near_rgb(unsigned a, unsigned b, int tol)
{
	for (int sh = 0; sh <= 16; sh += 8)
		if (abs((int)((a >> sh) & 255) - (int)((b >> sh) & 255)) > tol)
			return 0;
	return 1;
}

/* Each scale from its definition: top and bottom of the bar in dBFS and the
 * 0 mark.  Linear scales: lo..hi relative to the 0 mark; the floor -60 dBFS
 * is lathe's choice for the K scales (Katz fixes the top, not the floor). */
static const struct {
	const char *name;
	double ref_dbfs, lo_dbfs, hi_dbfs;   /* hi_dbfs = 0 for dbfs: not linear */
	double amber_dbfs;                   /* a level inside the amber zone (NAN: none tested) */
} defs[] = {
	{ "dbfs", 0, 0, 0, NAN },
	{ "ebu9", -23, -23 - 18, -23 + 9, -23 + 1 },
	{ "ebu18", -23, -23 - 36, -23 + 18, -23 + 1 },
	{ "k20", -20, -60, 0, -20 + 2 },
	{ "k14", -14, -60, 0, -14 + 2 },
	{ "k12", -12, -60, 0, -12 + 2 },
};

/* dBFS -> fraction of the bar height, from the definitions above; the dBFS
 * scale only at two points of meters.h's law (0 dBFS 0.93, -12 dBFS 0.45). */
static double frac(int s, double dbfs)
{
	if (s == 0)
		return dbfs == 0 ? 0.93 : dbfs == -12 ? 0.45 : NAN;
	return (dbfs - defs[s].lo_dbfs) / (defs[s].hi_dbfs - defs[s].lo_dbfs);
}

#define ACCENT 0x4fb3ff
#define AMBER 0xf0b529   /* 0.94, 0.71, 0.16 */
#define GREEN 0x59cc73   /* 0.35, 0.80, 0.45 */

START_TEST(test_scales_draw_their_marks)
{
	rig *r = rig_start();
	GtkWidget *lv = r->c->meters->levels;
	int w, h;
	for (int s = 0; s < (int)G_N_ELEMENTS(defs); s++) {
		ck_assert_int_eq(param_set_text(r->app.params, param_find("/monitor/meter_scale"), defs[s].name, NULL), 0);
		main_loop_ms(150);
		guchar *px = render_widget(r->c, lv, &w, &h);
		double top = 40, bottom = h - 76, bh = bottom - top;
		int y = (int)floor(top + bh * (1 - frac(s, defs[s].ref_dbfs)));
		/* the reference mark: accent colour left of the IN bars (x 7..10), 2 px high */
		unsigned at = px_rgb(px, w, 9, y), above = px_rgb(px, w, 9, y - 4), below = px_rgb(px, w, 9, y + 5);
		printf("%-6s 0 mark at %.0f dBFS: row %d of %d, pixel #%06x (above #%06x, below #%06x)\n", defs[s].name,
		       defs[s].ref_dbfs, y, h, at, above, below);
		ck_assert_msg(near_rgb(at, ACCENT, 8) || near_rgb(px_rgb(px, w, 9, y + 1), ACCENT, 8),
		              "%s: no reference mark at row %d", defs[s].name, y);
		ck_assert(!near_rgb(above, ACCENT, 40) && !near_rgb(below, ACCENT, 40));
		g_free(px);

		/* colour zones: a bar at a level inside the scale's amber zone is amber;
		 * the same level on the dBFS scale (-12 dBFS) is green there */
		if (!isnan(defs[s].amber_dbfs)) {
			meter_bridge *m = r->c->meters;
			float lvl = (float)defs[s].amber_dbfs;
			m->out_db[0] = m->out_db[1] = lvl;
			gtk_widget_queue_draw(lv);
			px = render_widget(r->c, lv, &w, &h); /* drawn now, before a tick moves the bar */
			int yb = (int)ceil(top + bh * (1 - frac(s, lvl - 0.5)));
			unsigned c = px_rgb(px, w, 12 + 2 * 16 + 3 + 4 + 30 + 8, yb); /* OUT L's centre */
			printf("       bar at %.0f dBFS: pixel #%06x at row %d\n", lvl, c, yb);
			ck_assert_msg(near_rgb(c, AMBER, 12), "%s: bar at %.0f dBFS not amber (#%06x)", defs[s].name, lvl, c);
			g_free(px);
		}
	}
	/* the dBFS scale: -12 dBFS (amber on K-14) is green */
	ck_assert_int_eq(param_set_text(r->app.params, param_find("/monitor/meter_scale"), "dbfs", NULL), 0);
	main_loop_ms(100);
	meter_bridge *m = r->c->meters;
	m->out_db[0] = m->out_db[1] = -12;
	gtk_widget_queue_draw(lv);
	guchar *px = render_widget(r->c, lv, &w, &h);
	int yb = (int)ceil(40 + (h - 116) * (1 - 0.45)) + 2;
	unsigned c = px_rgb(px, w, 89, yb);
	printf("dbfs   bar at -12 dBFS: pixel #%06x at row %d\n", c, yb);
	ck_assert_msg(!near_rgb(c, AMBER, 40), "-12 dBFS on the dBFS scale is amber (#%06x)", c);
	g_free(px);

	/* cost of a frame of the peak meter (no assertion: timing is reported only):
	 * the scale cached, and rebuilt every frame (the scale switched each time) */
	for (int rebuild = 0; rebuild < 2; rebuild++) {
		enum { FRAMES = 300 };
		gint64 t0 = g_get_monotonic_time();
		for (int i = 0; i < FRAMES; i++) {
			if (rebuild)
				param_set(r->app.params, param_find("/monitor/meter_scale"), i & 1 ? 3 : 4, NULL);
			m->out_db[0] = m->out_db[1] = -20.0f + (i % 10);
			gtk_widget_queue_draw(lv);
			GtkSnapshot *sn = gtk_snapshot_new();
			GTK_WIDGET_GET_CLASS(lv)->snapshot(lv, sn);
			GskRenderNode *node = gtk_snapshot_free_to_node(sn);
			GdkTexture *t = gsk_renderer_render_texture(gtk_native_get_renderer(GTK_NATIVE(r->c->window)), node,
			                                            &GRAPHENE_RECT_INIT(0, 0, w, h));
			g_object_unref(t);
			gsk_render_node_unref(node);
		}
		printf("peak meter frame (%dx%d, draw + render): %.1f us with the scale %s\n", w, h,
		       (g_get_monotonic_time() - t0) / (double)FRAMES, rebuild ? "redrawn every frame" : "cached");
	}

	/* K-14, the whole console, to look at */
	ck_assert_int_eq(param_set_text(r->app.params, param_find("/monitor/meter_scale"), "k14", NULL), 0);
	main_loop_ms(300);
	const char *shot = getenv("LATHE_SCREENSHOT_K14");
	shot = shot && *shot ? shot : "/tmp/lathe-k14.png";
	ck_assert_int_eq(console_save_png(r->c, shot), 0);
	printf("console at K-14 written to %s\n", shot);
	rig_stop(r);
}
END_TEST

/* ---- closing ---- */

START_TEST(test_close_asks_when_unsaved)
{
	rig *r = rig_start();
	char err[256];
	char *file = g_build_filename(r->dir, "song.lathe", NULL);
	ck_assert_int_eq(sessions_save_path(r->ss, file, err, sizeof err), 0);
	main_loop_ms(700);
	ck_assert(!unsaved_shown(r));

	/* undo back to the saved state clears the marker; redo brings it back */
	gui_control_set(r->c->controls[P_LIM_CEILING], -2.0f);
	main_loop_ms(700);
	ck_assert(unsaved_shown(r));
	g_action_group_activate_action(G_ACTION_GROUP(r->c->window), "undo", NULL);
	main_loop_ms(700);
	ck_assert_float_eq(param_get(r->app.params, P_LIM_CEILING), -1.0f);
	ck_assert_msg(!unsaved_shown(r), "title after undo to the saved state: %s", gtk_window_get_title(GTK_WINDOW(r->c->window)));
	g_action_group_activate_action(G_ACTION_GROUP(r->c->window), "redo", NULL);
	main_loop_ms(700);
	ck_assert(unsaved_shown(r));

	/* close with unsaved changes: the dialog, the window stays; Cancel keeps it */
	gtk_window_close(GTK_WINDOW(r->c->window));
	main_loop_ms(200);
	GtkWidget *d = find_dialog();
	ck_assert_msg(d != NULL, "no dialog on close with unsaved changes");
	ck_assert(!r->destroyed);
	printf("dialog: %s\n", gtk_window_get_title(GTK_WINDOW(d)));
	gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
	main_loop_ms(200);
	ck_assert(!r->destroyed);
	ck_assert_ptr_null(find_dialog());

	/* Ctrl+Q's action asks the same; Save writes the file, then closes */
	ck_assert_double_eq(file_value(file, "/limiter/ceiling"), -1.0);
	g_action_group_activate_action(G_ACTION_GROUP(r->c->window), "quit", NULL);
	main_loop_ms(200);
	d = find_dialog();
	ck_assert_ptr_nonnull(d);
	gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_ACCEPT);
	main_loop_ms(300);
	ck_assert(r->destroyed);
	printf("after Save: %s holds /limiter/ceiling=%g\n", file, file_value(file, "/limiter/ceiling"));
	ck_assert_double_eq(file_value(file, "/limiter/ceiling"), -2.0);

	/* a new console on the same (now saved) state closes without asking */
	rig_console(r);
	ck_assert(!unsaved_shown(r));
	gtk_window_close(GTK_WINDOW(r->c->window));
	main_loop_ms(200);
	ck_assert_ptr_null(find_dialog());
	ck_assert(r->destroyed);

	/* Discard closes and leaves the file as it was */
	rig_console(r);
	gui_control_set(r->c->controls[P_LIM_CEILING], -5.0f);
	main_loop_ms(700);
	ck_assert(unsaved_shown(r));
	gtk_window_close(GTK_WINDOW(r->c->window));
	main_loop_ms(200);
	d = find_dialog();
	ck_assert_ptr_nonnull(d);
	gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_REJECT);
	main_loop_ms(200);
	ck_assert(r->destroyed);
	ck_assert_double_eq(file_value(file, "/limiter/ceiling"), -2.0);
	g_free(file);
	rig_stop(r);
}
END_TEST

int main(int argc, char **argv)
{
	gui_test_display(argv, "1920x1080x24");
	Suite *s = suite_create("console_close");
	TCase *tc = suite_add_case(s, "console", 60, NULL, NULL);
	tcase_add_test(tc, test_scales_draw_their_marks);
	tcase_add_test(tc, test_close_asks_when_unsaved);
	return run_suite(s);
}
