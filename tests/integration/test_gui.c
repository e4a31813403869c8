/* lathe — the console under Xvfb: it renders, its meters move with audio,
 * it shows changes made elsewhere within a frame, its shortcuts act.
 *
 * Runs itself under `xvfb-run -a` when there is no display.  The window is
 * rendered through GTK's own renderer (GSK_RENDERER=cairo), so what is
 * checked is what a user would see.  With LATHE_SCREENSHOT=FILE the
 * rendering test also writes the window there (docs/screenshot.png). */
#include <check.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../gui/console.h"
#include "../../gui/gui.h"
#include "../../engine/engine.h"
#include "../../engine/meter/analysis.h"
#include "../../sessions/sessions.h"
#include "tests/support/check_main.h"
#include "tests/support/gui_env.h"

/* ---- a little studio: store, bus, engine, a thread playing a "mix" ---- */

typedef struct {
	lathe_app app;
	engine *eng;
	GThread *player;
	atomic_int stop;
	GtkApplication *gapp;
	console *c;
	/* fake session actions */
	char saved[1024];
	int saves;
} studio;

/* A "mix": kick-like low thump, a chord and noise, level swelling at 0.4 Hz,
 * so peaks move from one second to the next.  Real time: 256 frames every
 * 5.33 ms, like a JACK period. */
static gpointer play(gpointer ud)
{
	studio *s = ud;
	enum { N = 256 };
	float il[N], ir[N], ol[N], or_[N], ml[N], mr[N];
	double t = 0, dt = 1.0 / 48000;
	uint32_t noise = 1;
	while (!atomic_load(&s->stop)) {
		for (int i = 0; i < N; i++, t += dt) {
			double swell = 0.25 + 0.2 * sin(2 * M_PI * 0.4 * t);
			double beat = fmod(t, 0.5);
			double kick = exp(-beat * 18) * sin(2 * M_PI * (50 + 80 * exp(-beat * 30)) * beat);
			double chord = sin(2 * M_PI * 220 * t) + 0.7 * sin(2 * M_PI * 277.2 * t) + 0.5 * sin(2 * M_PI * 329.6 * t);
			noise = noise * 1664525u + 1013904223u;
			double n = ((double)(noise >> 8) / 16777216.0 - 0.5) * 0.1;
			il[i] = (float)(swell * (0.8 * kick + 0.25 * chord + n));
			ir[i] = (float)(swell * (0.8 * kick + 0.22 * chord - n + 0.05 * sin(2 * M_PI * 440 * t)));
		}
		engine_process(s->eng, il, ir, NULL, NULL, ol, or_, ml, mr, N);
		g_usleep(5333);
	}
	return NULL;
}

static int fake_save(lathe_app *app, const char *name, char *err, int errlen)
{
	studio *s = (studio *)app; /* app is the first member */
	g_strlcpy(s->saved, name, sizeof s->saved);
	s->saves++;
	return 0;
}


static studio *studio_start(gboolean audio)
{
	studio *s = g_new0(studio, 1);
	params_init();
	s->app.params = params_new();
	s->app.bus = bus_new(1.0);
	s->app.osc_port = 7770;
	s->app.osc_bind = "127.0.0.1";
	s->app.actions.session_save = fake_save;
	gui_prepare(&s->app);
	ck_assert_ptr_nonnull(s->app.gui_meter);
	s->app.analysis = analysis_new(s->app.bus, s->app.params);
	ck_assert_ptr_nonnull(s->app.analysis);
	s->eng = engine_new(s->app.params, s->app.bus, 48000);
	ck_assert_ptr_nonnull(s->eng);
	if (audio)
		s->player = g_thread_new("player", play, s);
	s->gapp = gtk_application_new("org.lathe.ConsoleTest", G_APPLICATION_NON_UNIQUE);
	ck_assert(g_application_register(G_APPLICATION(s->gapp), NULL, NULL));
	s->c = console_new(s->gapp, &s->app);
	gtk_window_present(GTK_WINDOW(s->c->window));
	main_loop_ms(800);
	return s;
}

static void studio_stop(studio *s)
{
	atomic_store(&s->stop, 1);
	if (s->player)
		g_thread_join(s->player);
	gtk_window_destroy(GTK_WINDOW(s->c->window));
	main_loop_ms(50);
	g_object_unref(s->gapp);
	analysis_free(s->app.analysis);
	engine_free(s->eng);
	bus_free(s->app.bus);
	params_free(s->app.params);
	g_free(s);
}

/* RGBA bytes of a rendering. */
static guchar *pixels(GdkTexture *t, int *w, int *h)
{
	*w = gdk_texture_get_width(t);
	*h = gdk_texture_get_height(t);
	guchar *px = g_malloc((size_t)*w * *h * 4);
	gdk_texture_download(t, px, (size_t)*w * 4);
	return px;
}

/* ---- tests ---- */

START_TEST(test_renders_a_console)
{
	studio *s = studio_start(TRUE);
	main_loop_ms(1500);
	GdkTexture *t = console_render(s->c);
	ck_assert_ptr_nonnull(t);
	int w, h;
	guchar *px = pixels(t, &w, &h);
	ck_assert_int_ge(w, 1280);
	ck_assert_int_ge(h, 720);
	/* not blank: luminance variance and a spread of colours */
	double sum = 0, sum2 = 0;
	GHashTable *colours = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int i = 0; i < w * h; i++) {
		guchar *p = px + 4 * i;
		double y = 0.2126 * p[2] + 0.7152 * p[1] + 0.0722 * p[0]; /* memory order B G R A (cairo) */
		sum += y;
		sum2 += y * y;
		g_hash_table_add(colours, GUINT_TO_POINTER((p[0] << 16) | (p[1] << 8) | p[2]));
	}
	double mean = sum / (w * h), var = sum2 / (w * h) - mean * mean;
	printf("render %dx%d: mean luminance %.1f, variance %.1f, %u colours\n", w, h, mean, var, g_hash_table_size(colours));
	ck_assert_double_gt(var, 100.0);
	ck_assert_uint_gt(g_hash_table_size(colours), 200);
	ck_assert_double_lt(mean, 90.0); /* a dark console */
	g_hash_table_destroy(colours);
	const char *shot = getenv("LATHE_SCREENSHOT");
	if (shot && *shot) {
		ck_assert(gdk_texture_save_to_png(t, shot));
		printf("screenshot written to %s\n", shot);
	}
	/* LATHE_SCREENSHOT_PAGES=DIR: every section page, for looking at */
	const char *pages = getenv("LATHE_SCREENSHOT_PAGES");
	for (int sec = 0; pages && sec < CONSOLE_SECTIONS; sec++) {
		gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->section_btn[sec]), TRUE);
		main_loop_ms(300);
		char path[512];
		snprintf(path, sizeof path, "%s/page%d.png", pages, sec);
		ck_assert_int_eq(console_save_png(s->c, path), 0);
	}
	g_free(px);
	g_object_unref(t);
	studio_stop(s);
}
END_TEST

/* A dynamic EQ band is drawn: its range as a shaded area in its colour (the
 * pixel halfway between its static gain and the end of its range is tinted
 * only while the band is dynamic), and the curve follows its live gain (the
 * band under the music's chord sits on the end of its range, and so does
 * the drawn curve).  LATHE_SCREENSHOT_DYN=FILE writes the console with it. */
START_TEST(test_dynamic_band_drawn)
{
	studio *s = studio_start(TRUE);
	lathe_params *p = s->app.params;
	const int b = 2; /* band 3 */
	param_set(p, P_EQ_FREQ + b, 220, NULL);
	param_set(p, P_EQ_Q + b, 1.4f, NULL);
	param_set(p, P_EQ_GAIN + b, 6, NULL);
	param_set(p, P_EQ_THRESHOLD + b, -60, NULL);
	param_set(p, P_EQ_RATIO + b, 20, NULL);
	param_set(p, P_EQ_RANGE + b, -12, NULL);
	param_set(p, P_EQ_ATTACK + b, 1, NULL);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->section_btn[1]), TRUE); /* the EQ page */
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->eq_band_btn[b]), TRUE);  /* band 3's controls */
	main_loop_ms(500);
	double px, py;
	/* inside the range at the band's frequency, away from its node (+6 dB) and from
	 * the curve at its live gain (-6 dB): at -3 dB, whatever the graph's height */
	eq_view_point(s->c->eq, 220, -3, &px, &py);
	graphene_rect_t bounds;
	ck_assert(gtk_widget_compute_bounds(s->c->eq->area, s->c->window, &bounds));
	int x = (int)(bounds.origin.x + px), y = (int)(bounds.origin.y + py);
	GdkTexture *t0 = console_render(s->c);
	int w, h;
	guchar *a = pixels(t0, &w, &h);
	param_set(p, P_EQ_DYNAMIC + b, 1, NULL);
	main_loop_ms(1500);
	GdkTexture *t1 = console_render(s->c);
	guchar *d = pixels(t1, &w, &h);
	ck_assert(x > 0 && x < w && y > 0 && y < h);
	GdkRGBA c;
	eq_band_color(b, &c);
	/* memory order B G R A: distance of the pixel's colour to the band colour, before and after */
	guchar *p0 = a + 4 * ((size_t)y * w + x), *p1 = d + 4 * ((size_t)y * w + x);
	double d0 = fabs(p0[2] - 255 * c.red) + fabs(p0[1] - 255 * c.green) + fabs(p0[0] - 255 * c.blue);
	double d1 = fabs(p1[2] - 255 * c.red) + fabs(p1[1] - 255 * c.green) + fabs(p1[0] - 255 * c.blue);
	double live = eq_view_live_gain(s->c->eq, b);
	printf("dynamic band drawn: pixel (%d, %d) rgb %d,%d,%d -> %d,%d,%d (distance to the band colour %.0f -> %.0f); "
	       "live gain drawn %.2f dB (static +6, range -12)\n",
	       x, y, p0[2], p0[1], p0[0], p1[2], p1[1], p1[0], d0, d1, live);
	ck_assert_msg(d1 < d0 - 40, "the range is not shaded in the band's colour");
	ck_assert_msg(fabs(live - (-6)) < 0.5, "the curve is drawn at %.2f dB, the band sits at -6", live);
	/* the drawn curve at the band's frequency: the live gain, not the static one */
	ck_assert_msg(fabs(eq_view_response_db(s->c->eq, 220) - 6) < 0.5, "static response moved");
	const char *shot = getenv("LATHE_SCREENSHOT_DYN");
	if (shot && *shot) {
		ck_assert(gdk_texture_save_to_png(t1, shot));
		printf("screenshot written to %s\n", shot);
	}
	g_free(a);
	g_free(d);
	g_object_unref(t0);
	g_object_unref(t1);
	studio_stop(s);
}
END_TEST

START_TEST(test_meters_move_with_audio)
{
	studio *s = studio_start(TRUE);
	graphene_rect_t r;
	ck_assert(gtk_widget_compute_bounds(s->c->meters->levels, s->c->window, &r));
	GdkTexture *a = console_render(s->c);
	uint64_t frames0 = s->c->meters->frames, ticks0 = s->c->ticks;
	/* at least a second, and until 150 meter frames and 20 ticks have come: a
	 * loaded machine may take longer, which is no defect (rates are printed) */
	gint64 t0 = g_get_monotonic_time();
	main_loop_ms(1000);
	while ((s->c->meters->frames - frames0 <= 150 || s->c->ticks - ticks0 <= 20) &&
	       g_get_monotonic_time() - t0 < 30 * G_USEC_PER_SEC)
		main_loop_ms(100);
	double secs = (g_get_monotonic_time() - t0) / 1e6;
	GdkTexture *b = console_render(s->c);
	uint64_t frames1 = s->c->meters->frames, ticks1 = s->c->ticks;
	int w, h;
	guchar *pa = pixels(a, &w, &h), *pb = pixels(b, &w, &h);
	int changed = 0, total = 0;
	for (int y = (int)r.origin.y; y < (int)(r.origin.y + r.size.height) && y < h; y++)
		for (int x = (int)r.origin.x; x < (int)(r.origin.x + r.size.width) && x < w; x++, total++)
			if (memcmp(pa + 4 * (y * w + x), pb + 4 * (y * w + x), 3))
				changed++;
	printf("meter area %dx%d: %d of %d pixels changed in %.1f s; %llu meter frames, %llu ticks (%.0f fps)\n",
	       (int)r.size.width, (int)r.size.height, changed, total, secs, (unsigned long long)(frames1 - frames0),
	       (unsigned long long)(ticks1 - ticks0), s->c->fps);
	/* 48000/256 = 187.5 blocks a second reach the GUI ring */
	ck_assert_uint_gt(frames1 - frames0, 150);
	ck_assert_int_gt(changed, 100);
	ck_assert_uint_gt(ticks1 - ticks0, 20);
	/* the output bars show the mix: its peaks swell between about -14 and -3 dBFS */
	ck_assert_float_gt(s->c->meters->out_max[0], -12.0f);
	ck_assert_float_lt(s->c->meters->out_max[0], 0.0f);
	g_free(pa);
	g_free(pb);
	g_object_unref(a);
	g_object_unref(b);
	studio_stop(s);
}
END_TEST

/* Blocks of a 1 kHz sine at `dbfs` (0 = silence) straight through the engine,
 * from this thread: what the meters see does not depend on the machine's load. */
static void feed(studio *s, double dbfs, int blocks)
{
	enum { N = 256 };
	static double t;
	float l[N], r[N], ol[N], or_[N], ml[N], mr[N];
	double a = dbfs < 0 ? pow(10, dbfs / 20) : 0;
	for (int b = 0; b < blocks; b++) {
		for (int i = 0; i < N; i++, t += 1.0 / 48000)
			l[i] = r[i] = (float)(a * sin(2 * M_PI * 1000 * t));
		engine_process(s->eng, l, r, NULL, NULL, ol, or_, ml, mr, N);
	}
}

/* A GR meter holds: a -3 dBFS sine driven 20 dB into a -1 dBTP ceiling needs
 * 20 - 3 + 1 = 18 dB of reduction; the LIM readout shows it, and keeps
 * showing it for a moment after the music stops (a screenshot then still
 * says what the limiter did), then returns to rest. */
START_TEST(test_gain_reduction_holds)
{
	studio *s = studio_start(FALSE);
	param_set(s->app.params, P_LIM_GAIN, 20.0f, NULL);
	main_loop_ms(100);
	for (int i = 0; i < 40; i++) { /* ~2 s of sine, a frame after every 10 blocks */
		feed(s, -3.0, 10);
		main_loop_ms(20);
	}
	float driven = s->c->meters->lim_gr;
	/* the reduction the peaks say: input peak + drive - output peak */
	float want = s->c->meters->in_max[0] + 20.0f - s->c->meters->out_max[0];
	gint64 t_driven = g_get_monotonic_time();
	feed(s, 0, 200); /* 1 s of silence: the limiter lets go */
	main_loop_ms(150);
	float held = s->c->meters->lim_gr;
	/* on a loaded machine the silence takes a while to compute: what the hold
	 * (0.75 s) and the return (6 dB/s) allow after that long, with a frame's slack */
	double late = (g_get_monotonic_time() - t_driven) / 1e6 - 0.75 - 0.1;
	float floor_db = (float)(driven - 6.0 * (late > 0 ? late : 0) - 1.0);
	for (int i = 0; i < 50; i++) {
		feed(s, 0, 10);
		main_loop_ms(100);
	}
	float rest = s->c->meters->lim_gr;
	printf("LIM readout: %.1f dB driven (peaks say %.1f), %.1f dB just after, %.1f dB 5 s later; %d history columns\n",
	       driven, want, held, rest, s->c->meters->gr_hist_n);
	ck_assert_float_eq_tol(want, 18.0f, 0.5f);
	ck_assert_float_eq_tol(driven, want, 3.0f); /* the hold may have begun its return by the look */
	ck_assert_float_gt(held, MAX(floor_db, 3.0f)); /* a per-block readout would say about 0 here */
	ck_assert_float_lt(rest, 1.0f);
	ck_assert_int_gt(s->c->meters->gr_hist_n, 40);
	studio_stop(s);
}
END_TEST

/* Learn sets the drive for the target and measures again from there: a few
 * seconds later "LU to target" is about 0, not the old average. */
START_TEST(test_learn_lands_on_target)
{
	studio *s = studio_start(TRUE);
	main_loop_ms(4000);
	meter_snapshot a;
	analysis_get(s->app.analysis, &a);
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "learn", NULL);
	float drive = param_get(s->app.params, P_LIM_GAIN);
	main_loop_ms(5000);
	meter_snapshot b;
	analysis_get(s->app.analysis, &b);
	printf("Learn: %.1f LUFS before, drive %.1f dB, %.1f LUFS after (target %.0f)\n", a.out.lufs_i, drive, b.out.lufs_i,
	       param_get(s->app.params, P_TARGET_LUFS));
	ck_assert_float_gt(drive, 0.5f);
	ck_assert_float_eq_tol(b.out.lufs_i, param_get(s->app.params, P_TARGET_LUFS), 1.5f);
	studio_stop(s);
}
END_TEST

/* The ballistics alone: attack at once, hold, then a slow return. */
START_TEST(test_gr_ballistics)
{
	float shown = 0;
	gint64 held = 0, t = 1000000;
	ck_assert(meter_gr_ballistics(&shown, &held, 10.0f, 0.016f, t));
	ck_assert_float_eq(shown, 10.0f); /* instant attack */
	float after_half_s = 0, after_2s = 0;
	for (int i = 1; i <= 400; i++) { /* 60 fps, the limiter lets go completely */
		meter_gr_ballistics(&shown, &held, 0.0f, 1.0f / 60, t + i * G_USEC_PER_SEC / 60);
		if (i == 30)
			after_half_s = shown;
		if (i == 120)
			after_2s = shown;
	}
	ck_assert_float_eq(after_half_s, 10.0f);   /* held */
	ck_assert_float_lt(after_2s, 10.0f);       /* returning... */
	ck_assert_float_gt(after_2s, 2.0f);        /* ...slowly */
	ck_assert_float_eq(shown, 0.0f);           /* and back at rest */
}
END_TEST

typedef struct { lathe_params *p; } setter_args;

static gpointer set_from_thread(gpointer ud)
{
	lathe_params *p = ud;
	param_set(p, P_LIM_CEILING, -3.5f, NULL);
	param_set(p, P_EQ_GAIN + 2, 6.0f, NULL);
	param_set_text(p, P_EQ_TYPE + 1, "high_shelf", NULL);
	param_set(p, P_MON_MONO, 1, NULL);
	return NULL;
}

START_TEST(test_outside_changes_show_within_a_frame)
{
	studio *s = studio_start(FALSE);
	gui_control *ceil = s->c->controls[P_LIM_CEILING];
	ck_assert_ptr_nonnull(ceil);
	char txt[48];
	gui_control_text(ceil, txt, sizeof txt);
	ck_assert_str_eq(txt, "-1.00 dBTP");
	uint64_t t0 = s->c->ticks;
	g_thread_join(g_thread_new("osc", set_from_thread, s->app.params));
	uint64_t seen = 0;
	for (int i = 0; i < 200 && !seen; i++) {
		g_main_context_iteration(NULL, TRUE);
		gui_control_text(ceil, txt, sizeof txt);
		if (!strcmp(txt, "-3.50 dBTP"))
			seen = s->c->ticks;
	}
	printf("shown after %llu tick(s)\n", (unsigned long long)(seen - t0));
	ck_assert_uint_gt(seen, 0);
	ck_assert_uint_le(seen - t0, 2);
	/* every kind of control shows it: value field, menu, switch */
	ck_assert_str_eq(gtk_editable_get_text(GTK_EDITABLE(ceil->entry)), "-3.50 dBTP");
	ck_assert_str_eq(gtk_editable_get_text(GTK_EDITABLE(s->c->controls[P_EQ_GAIN + 2]->entry)), "6.00 dB");
	ck_assert_uint_eq(gtk_drop_down_get_selected(GTK_DROP_DOWN(s->c->controls[P_EQ_TYPE + 1]->dropdown)), EQ_HIGH_SHELF);
	ck_assert(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(s->c->controls[P_MON_MONO]->toggle)));
	/* showing a value never writes it back: the store stays still */
	uint32_t g = params_generation(s->app.params);
	main_loop_ms(300);
	ck_assert_uint_eq(params_generation(s->app.params), g);
	studio_stop(s);
}
END_TEST

START_TEST(test_controls_write_through_the_registry)
{
	studio *s = studio_start(FALSE);
	/* every parameter in the registry has exactly one control */
	for (int id = 0; id < P_COUNT; id++) {
		if (!s->c->controls[id])
			ck_abort_msg("no control for %s", param_info_get(id)->path);
		ck_assert_int_eq(s->c->controls[id]->id, id);
	}
	gui_control *g = s->c->controls[P_INPUT_GAIN];
	uint32_t gen = params_generation(s->app.params);
	gui_control_set(g, 30.0f); /* out of range: clamped to +24 dB */
	ck_assert_float_eq(param_get(s->app.params, P_INPUT_GAIN), 24.0f);
	ck_assert_uint_eq(params_generation(s->app.params), gen + 1);
	main_loop_ms(200);
	ck_assert_uint_eq(params_generation(s->app.params), gen + 1);
	ck_assert_str_eq(gtk_editable_get_text(GTK_EDITABLE(g->entry)), "24.00 dB");
	/* typing a value: "2.5k" into a frequency field */
	gui_control *f = s->c->controls[P_EQ_FREQ + 4];
	gtk_editable_set_text(GTK_EDITABLE(f->entry), "2.5k");
	g_signal_emit_by_name(f->entry, "activate");
	ck_assert_float_eq_tol(param_get(s->app.params, P_EQ_FREQ + 4), 2500.0f, 0.01f);
	/* a menu and a switch write their parameter */
	gtk_drop_down_set_selected(GTK_DROP_DOWN(s->c->controls[P_SAT_TYPE]->dropdown), SAT_HARD_CLIP);
	ck_assert_int_eq(param_get_int(s->app.params, P_SAT_TYPE), SAT_HARD_CLIP);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->controls[P_MON_DIM]->toggle), TRUE);
	ck_assert(param_get_bool(s->app.params, P_MON_DIM));
	/* the EQ curve follows the store: a +6 dB bell at 1 kHz reads +6 dB there */
	param_set(s->app.params, P_EQ_TYPE + 4, EQ_BELL, NULL);
	param_set(s->app.params, P_EQ_FREQ + 4, 1000, NULL);
	param_set(s->app.params, P_EQ_GAIN + 4, 6, NULL);
	ck_assert_double_eq_tol(eq_view_response_db(s->c->eq, 1000.0), 6.0, 0.05);
	ck_assert_double_eq_tol(eq_view_response_db(s->c->eq, 50.0), 0.0, 0.1);
	studio_stop(s);
}
END_TEST

START_TEST(test_shortcuts)
{
	studio *s = studio_start(FALSE);
	lathe_params *p = s->app.params;
	ck_assert(!param_get_bool(p, P_BYPASS));
	ck_assert(console_handle_key(s->c, GDK_KEY_b, 0));
	ck_assert(param_get_bool(p, P_BYPASS));
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "bypass", NULL);
	ck_assert(!param_get_bool(p, P_BYPASS));
	/* Space: A/B between master and input; loudness match stays on */
	ck_assert_str_eq(gtk_label_get_text(GTK_LABEL(s->c->hear)), "MASTER");
	ck_assert(console_handle_key(s->c, GDK_KEY_space, 0));
	ck_assert_int_eq(param_get_int(p, P_MON_SOURCE), MON_SRC_INPUT);
	ck_assert(param_get_bool(p, P_MON_MATCH));
	/* the header says what Space switched to, within a frame or two */
	main_loop_ms(100);
	ck_assert_str_eq(gtk_label_get_text(GTK_LABEL(s->c->hear)), "INPUT");
	ck_assert_ptr_nonnull(strstr(gtk_label_get_text(GTK_LABEL(s->c->hear_caption)), "MATCHED"));
	ck_assert(console_handle_key(s->c, GDK_KEY_space, 0));
	ck_assert_int_eq(param_get_int(p, P_MON_SOURCE), MON_SRC_MASTER);
	ck_assert(console_handle_key(s->c, GDK_KEY_m, 0));
	ck_assert(param_get_bool(p, P_MON_MONO));
	ck_assert(console_handle_key(s->c, GDK_KEY_D, GDK_SHIFT_MASK));
	ck_assert(param_get_bool(p, P_MON_DIM));
	ck_assert(console_handle_key(s->c, GDK_KEY_s, 0));
	ck_assert_int_eq(param_get_int(p, P_MON_SOLO), SOLO_SIDE);
	ck_assert(console_handle_key(s->c, GDK_KEY_s, 0));
	ck_assert_int_eq(param_get_int(p, P_MON_SOLO), SOLO_OFF);
	/* F1: the shortcuts window */
	ck_assert(console_handle_key(s->c, GDK_KEY_F1, 0));
	main_loop_ms(100);
	ck_assert_ptr_nonnull(s->c->shortcuts);
	ck_assert(gtk_widget_get_visible(s->c->shortcuts));
	gtk_window_close(GTK_WINDOW(s->c->shortcuts));
	/* Ctrl+B is not the bypass */
	ck_assert(!console_handle_key(s->c, GDK_KEY_b, GDK_CONTROL_MASK));
	ck_assert(!param_get_bool(p, P_BYPASS));
	/* the header's bypass button follows within a frame */
	param_set(p, P_BYPASS, 1, NULL);
	main_loop_ms(100);
	ck_assert(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(s->c->controls[P_BYPASS]->toggle)));
	/* Ctrl+S is bound to save; with no session file save goes through a file dialog,
	 * with one it saves there and clears the unsaved marker */
	char **acc = gtk_application_get_accels_for_action(s->gapp, "win.save");
	ck_assert_str_eq(acc[0], "<Control>s");
	g_strfreev(acc);
	g_strlcpy(s->c->session_path, "/tmp/lathe-gui-test.lathe", sizeof s->c->session_path);
	main_loop_ms(50);
	ck_assert_ptr_nonnull(strstr(gtk_window_get_title(GTK_WINDOW(s->c->window)), "•"));
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "save", NULL);
	ck_assert_int_eq(s->saves, 1);
	ck_assert_str_eq(s->saved, "/tmp/lathe-gui-test.lathe");
	ck_assert_ptr_null(strstr(gtk_window_get_title(GTK_WINDOW(s->c->window)), "•"));
	/* actions the sessions module does not provide are insensitive */
	ck_assert(!g_action_group_get_action_enabled(G_ACTION_GROUP(s->c->window), "undo"));
	ck_assert(g_action_group_get_action_enabled(G_ACTION_GROUP(s->c->window), "save"));
	studio_stop(s);
}
END_TEST

/* With the real sessions module: the title marks unsaved changes, snapshot
 * buttons show which slots hold something, undo becomes available. */
START_TEST(test_sessions_wired)
{
	studio *s = g_new0(studio, 1);
	params_init();
	s->app.params = params_new();
	s->app.bus = bus_new(0.2);
	char dir[] = "/tmp/lathe-gui-XXXXXX";
	ck_assert_ptr_nonnull(g_mkdtemp(dir));
	setenv("XDG_DATA_HOME", dir, 1); /* user presets go here, not to the user's folder */
	sessions_opts so = { .session_dir = dir, .autosave = 0, .state_dir = dir };
	char err[256];
	sessions *ss = sessions_new(&s->app, &so, err, sizeof err);
	ck_assert_msg(ss != NULL, "%s", err);
	s->gapp = gtk_application_new("org.lathe.ConsoleTest", G_APPLICATION_NON_UNIQUE);
	ck_assert(g_application_register(G_APPLICATION(s->gapp), NULL, NULL));
	s->c = console_new(s->gapp, &s->app);
	gtk_window_present(GTK_WINDOW(s->c->window));
	main_loop_ms(700);
	ck_assert_ptr_null(strstr(gtk_window_get_title(GTK_WINDOW(s->c->window)), "•"));
	ck_assert(!gtk_widget_has_css_class(s->c->snap_btn[0], "stored"));
	/* a change marks the session unsaved */
	gui_control_set(s->c->controls[P_LIM_CEILING], -2.0f);
	main_loop_ms(700);
	ck_assert_ptr_nonnull(strstr(gtk_window_get_title(GTK_WINDOW(s->c->window)), "•"));
	/* store mode + A stores; the button shows it holds a snapshot and is current */
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->store_btn), TRUE);
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "snapshot", g_variant_new_string("A"));
	ck_assert(!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(s->c->store_btn)));
	main_loop_ms(700);
	sessions_state st;
	sessions_get_state(ss, &st);
	ck_assert(st.stored[0]);
	ck_assert(gtk_widget_has_css_class(s->c->snap_btn[0], "stored"));
	ck_assert(gtk_widget_has_css_class(s->c->snap_btn[0], "current"));
	/* the lit snapshot is the one whose values are live: B stored at -3, key 1 recalls A,
	 * undo of that recall brings B's values back and lights B; a change lights none */
	gui_control_set(s->c->controls[P_LIM_CEILING], -3.0f);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->c->store_btn), TRUE);
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "snapshot", g_variant_new_string("B"));
	ck_assert(console_handle_key(s->c, GDK_KEY_1, 0));
	main_loop_ms(700);
	ck_assert_float_eq(param_get(s->app.params, P_LIM_CEILING), -2.0f);
	ck_assert(gtk_widget_has_css_class(s->c->snap_btn[0], "current"));
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "undo", NULL);
	main_loop_ms(700);
	ck_assert_float_eq(param_get(s->app.params, P_LIM_CEILING), -3.0f);
	ck_assert(!gtk_widget_has_css_class(s->c->snap_btn[0], "current"));
	ck_assert(gtk_widget_has_css_class(s->c->snap_btn[1], "current"));
	gui_control_set(s->c->controls[P_LIM_CEILING], -4.0f);
	main_loop_ms(700);
	for (int i = 0; i < 4; i++)
		ck_assert(!gtk_widget_has_css_class(s->c->snap_btn[i], "current"));
	/* recall of an empty slot is refused with a message, nothing changes */
	float before = param_get(s->app.params, P_LIM_CEILING);
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "snapshot", g_variant_new_string("C"));
	ck_assert_float_eq(param_get(s->app.params, P_LIM_CEILING), before);
	ck_assert_ptr_nonnull(strstr(gtk_label_get_text(GTK_LABEL(s->c->st_msg)), "empty"));
	/* presets menu: names as they are (GTK would eat one underscore), a description each,
	 * and the current sound saved as the user's own preset, listed apart */
	char err2[256];
	ck_assert_int_eq(console_save_preset(s->c, "my_test_preset", "a test of saving", err2, sizeof err2), 0);
	GMenuModel *pm = console_presets_menu(s->c);
	GString *labels = g_string_new("");
	for (int sec = 0; sec < g_menu_model_get_n_items(pm); sec++) {
		char *title = NULL;
		g_menu_model_get_item_attribute(pm, sec, G_MENU_ATTRIBUTE_LABEL, "s", &title);
		g_string_append_printf(labels, "[%s]\n", title ? title : "");
		g_free(title);
		GMenuModel *items = g_menu_model_get_item_link(pm, sec, G_MENU_LINK_SECTION);
		for (int i = 0; items && i < g_menu_model_get_n_items(items); i++) {
			char *l = NULL;
			g_menu_model_get_item_attribute(items, i, G_MENU_ATTRIBUTE_LABEL, "s", &l);
			g_string_append_printf(labels, "%s\n", l);
			g_free(l);
		}
		if (items)
			g_object_unref(items);
	}
	g_object_unref(pm);
	printf("presets menu:\n%s", labels->str);
	ck_assert_ptr_nonnull(strstr(labels->str, "apple__music\nApple Music: -16 LUFS"));
	ck_assert_ptr_nonnull(strstr(labels->str, "[Your presets]\nmy__test__preset\na test of saving"));
	g_string_free(labels, TRUE);
	/* the Presets menu's action loads a factory preset: the streaming one turns the multiband on */
	char *preset = g_build_filename(getenv("LATHE_SRC") ? getenv("LATHE_SRC") : ".", "sessions", "presets", "streaming.lathe", NULL);
	ck_assert(param_get_bool(s->app.params, P_MB_BYPASS));
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "load-preset", g_variant_new_string(preset));
	main_loop_ms(300);
	ck_assert_msg(!param_get_bool(s->app.params, P_MB_BYPASS), "streaming preset did not load: %s",
	              gtk_label_get_text(GTK_LABEL(s->c->st_msg)));
	ck_assert_float_eq(param_get(s->app.params, P_TARGET_LUFS), -14.0f);
	ck_assert_ptr_nonnull(strstr(gtk_label_get_text(GTK_LABEL(s->c->st_msg)), "streaming"));
	g_free(preset);
	gtk_window_destroy(GTK_WINDOW(s->c->window));
	main_loop_ms(50);
	sessions_free(ss);
	g_object_unref(s->gapp);
	bus_free(s->app.bus);
	params_free(s->app.params);
	g_free(s);
}
END_TEST

int main(int argc, char **argv)
{
	gui_test_display(argv, "1920x1080x24");

	Suite *s = suite_create("gui");
	TCase *tc = suite_add_case(s, "console", 60, NULL, NULL);
	tcase_add_test(tc, test_renders_a_console);
	tcase_add_test(tc, test_meters_move_with_audio);
	tcase_add_test(tc, test_dynamic_band_drawn);
	tcase_add_test(tc, test_gain_reduction_holds);
	tcase_add_test(tc, test_gr_ballistics);
	tcase_add_test(tc, test_learn_lands_on_target);
	tcase_add_test(tc, test_outside_changes_show_within_a_frame);
	tcase_add_test(tc, test_controls_write_through_the_registry);
	tcase_add_test(tc, test_shortcuts);
	tcase_add_test(tc, test_sessions_wired);
	return run_suite(s);
}
