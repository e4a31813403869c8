/* The console's Album window under Xvfb (a 1366x768 screen, the smallest
 * the console is made for): it opens a generated two-track album and shows
 * its rows; Load puts a track's chain into the live parameters (checked
 * against the values written into the track's session file here, not
 * against what the loader read); Save to album writes a session that
 * album_load reads back equal to the live state, and keeps the album file's
 * comments; "Render and check" runs the real `lathe album`, fills the QC
 * columns from its report, shows its one-line error and asks before
 * replacing; Play makes a real lathe engine on a private jackd play the
 * track's mix (recorded at lathe:out_L/R: the level of the sine written
 * into the file, converted from 44.1 to 48 kHz, through the neutral chain).
 *
 * With LATHE_SCREENSHOT=FILE the window (an album open, after a render) is
 * written there. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../gui/albumwin.h"
#include "../../gui/gui.h"
#include "../../engine/jack.h"
#include "../../engine/meter/analysis.h"
#include "../../sessions/album_cli.h"
#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

#include "tests/support/gui_leaks.h"

static char dir[128];

#define in_dir(...) path_in(dir, __VA_ARGS__)

static void put_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A steady sine on both channels, 44.1 kHz float: its RMS is amp / sqrt 2. */
static void put_sine(const char *p, double f, double amp, double seconds)
{
	SF_INFO info = { .samplerate = 44100, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	int n = (int)(seconds * 44100);
	float *x = malloc(sizeof(float) * 2 * (size_t)n);
	for (int i = 0; i < n; i++)
		x[2 * i] = x[2 * i + 1] = (float)(amp * sin(2 * M_PI * f * i / 44100.0));
	sf_writef_float(sf, x, n);
	sf_close(sf);
	free(x);
}

#define SINE_AMP 0.25

static void make_album(void)
{
	snprintf(dir, sizeof dir, "/tmp/lathe-albumwin-%d", (int)getpid());
	mkdir(dir, 0755);
	put_sine(in_dir("one.wav"), 220, SINE_AMP, 5.0);
	put_sine(in_dir("two.wav"), 330, 0.2, 5.0);
	put_text(in_dir("t2.lathe"), "[session]\nformat=1\n[current]\n/eq/3/gain=2.5\n/limiter/ceiling=-1.5\n"
	                             "/imager/width=80\n/monitor/level=-20\n");
	put_text(in_dir("test.lathe-album"),
	         "# a test album: comments survive a save\n[album]\nformat=1\ntitle=Test Pressing\nperformer=The Testers\n"
	         "upc=036000291452\n\n[track 1]\n# the opener\nfile=one.wav\ntitle=Opener\nisrc=GB-XYZ-26-00001\n\n"
	         "[track 2]\nfile=two.wav\ntitle=Closer\nisrc=GBXYZ2600002\nsession=t2.lathe\ngap=1.5\ngain_db=-1\n");
}


typedef struct {
	lathe_app app;
	fixture fx;
	GtkApplication *gapp;
	console *c;
	albumwin *w;
} studio;

static studio *studio_start(gboolean jack)
{
	studio *s = g_new0(studio, 1);
	make_album();
	params_init();
	s->app.params = params_new();
	s->app.bus = bus_new(1.0);
	gui_prepare(&s->app);
	s->app.analysis = analysis_new(s->app.bus, s->app.params);
	if (jack) {
		ck_assert_int_eq(fx_jackd_start(&s->fx, 48000, 256), 0);
		jack_opts jo = { .name = "awt" };
		s->app.jack = lathe_jack_new(s->app.params, s->app.bus, &jo);
		ck_assert_ptr_nonnull(s->app.jack);
		for (int t = 0; t < 100 && !lathe_jack_rate(s->app.jack); t++)
			g_usleep(50000);
		ck_assert_uint_eq(lathe_jack_rate(s->app.jack), 48000);
	}
	s->gapp = gtk_application_new("org.lathe.AlbumTest", G_APPLICATION_NON_UNIQUE);
	ck_assert(g_application_register(G_APPLICATION(s->gapp), NULL, NULL));
	s->c = console_new(s->gapp, &s->app);
	gtk_window_present(GTK_WINDOW(s->c->window));
	main_loop_ms(300);
	/* the console's action opens the window */
	g_action_group_activate_action(G_ACTION_GROUP(s->c->window), "album", NULL);
	main_loop_ms(300);
	s->w = g_object_get_data(G_OBJECT(s->c->window), "albumwin");
	ck_assert_ptr_nonnull(s->w);
	ck_assert(gtk_widget_get_visible(s->w->window));
	s->w->lathe_exe = fx_lathe_bin();
	char err[1024];
	ck_assert_msg(albumwin_open_file(s->w, in_dir("test.lathe-album"), err, sizeof err) == 0, "%s", err);
	main_loop_ms(300);
	return s;
}

static void studio_stop(studio *s)
{
	gtk_window_destroy(GTK_WINDOW(s->c->window));
	main_loop_ms(100);
	g_object_unref(s->gapp);
	if (s->app.jack) {
		lathe_jack_free(s->app.jack);
		fx_jackd_stop(&s->fx, SIGTERM);
	}
	analysis_free(s->app.analysis);
	bus_free(s->app.bus);
	params_free(s->app.params);
	rm_tree(dir);
	g_free(s);
}

static const char *text_of(GtkWidget *l) { return gtk_label_get_text(GTK_LABEL(l)); }

static void click(GtkWidget *b)
{
	ck_assert(gtk_widget_get_sensitive(b));
	g_signal_emit_by_name(b, "clicked");
	main_loop_ms(50);
}

/* ---- tests ---- */

START_TEST(shows_the_album_and_fits_the_screen)
{
	studio *s = studio_start(FALSE);
	albumwin *w = s->w;
	ck_assert_str_eq(text_of(w->title), "Test Pressing");
	ck_assert_ptr_nonnull(strstr(text_of(w->details), "The Testers"));
	ck_assert_ptr_nonnull(strstr(text_of(w->details), "0036000291452")); /* UPC-A as EAN-13 */
	ck_assert_ptr_nonnull(w->rows[0]);
	ck_assert_ptr_nonnull(w->rows[1]);
	ck_assert_ptr_null(w->rows[2]);
	ck_assert_str_eq(text_of(w->cells[0][AW_NUM]), "1");
	ck_assert_str_eq(text_of(w->cells[0][AW_TITLE]), "Opener");
	ck_assert_str_eq(text_of(w->cells[1][AW_TITLE]), "Closer");
	ck_assert_str_eq(text_of(w->cells[1][AW_ISRC]), "GB-XYZ-26-00002");
	ck_assert_str_eq(text_of(w->cells[0][AW_FILE]), "one.wav");
	ck_assert_str_eq(text_of(w->cells[1][AW_GAP]), "gap 1.5 s");
	ck_assert_str_eq(text_of(w->cells[1][AW_GAIN]), "-1.0 dB");
	/* nothing selected: the track actions wait for a row */
	ck_assert(!gtk_widget_get_sensitive(w->load_btn));
	albumwin_select(w, 1);
	ck_assert(gtk_widget_get_sensitive(w->load_btn));
	ck_assert(!gtk_widget_get_sensitive(w->play_btn)); /* no JACK here */
	/* it fits a 1366x768 screen: its smallest size, and the size it opens at */
	int minw, minh, natw, nath;
	gtk_widget_measure(w->window, GTK_ORIENTATION_HORIZONTAL, -1, &minw, &natw, NULL, NULL);
	gtk_widget_measure(w->window, GTK_ORIENTATION_VERTICAL, minw, &minh, &nath, NULL, NULL);
	int aw = gtk_widget_get_width(w->window), ah = gtk_widget_get_height(w->window);
	printf("album window: minimum %dx%d, open at %dx%d\n", minw, minh, aw, ah);
	fflush(stdout);
	ck_assert_int_le(minw, 1366);
	ck_assert_int_le(minh, 768);
	ck_assert_int_le(aw, 1366);
	ck_assert_int_le(ah, 740);
	/* and the console (Album... in its sessions menu) still fits that screen */
	printf("console: open at %dx%d\n", gtk_widget_get_width(s->c->window), gtk_widget_get_height(s->c->window));
	ck_assert_int_le(gtk_widget_get_width(s->c->window), 1366);
	studio_stop(s);
}
END_TEST

START_TEST(load_puts_the_tracks_chain_live)
{
	studio *s = studio_start(FALSE);
	lathe_params *p = s->app.params;
	float monitor = param_get(p, P_MON_LEVEL);
	param_set(p, P_SAT_DRIVE, 4.0f, NULL); /* not in the track's session: Load brings it back to the default */
	albumwin_select(s->w, 1);
	click(s->w->load_btn);
	ck_assert_float_eq_tol(param_get(p, param_find("/eq/3/gain")), 2.5f, 1e-6);
	ck_assert_float_eq_tol(param_get(p, P_LIM_CEILING), -1.5f, 1e-6);
	ck_assert_float_eq_tol(param_get(p, P_IMG_WIDTH), 80.0f, 1e-6);
	ck_assert_float_eq(param_get(p, P_SAT_DRIVE), param_info_get(P_SAT_DRIVE)->def);
	/* the monitor is the room's, not the track's */
	ck_assert_float_eq(param_get(p, P_MON_LEVEL), monitor);
	/* track 1 has no session: the defaults */
	albumwin_select(s->w, 0);
	click(s->w->load_btn);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), param_info_get(P_LIM_CEILING)->def);
	ck_assert_float_eq(param_get(p, param_find("/eq/3/gain")), 0.0f);
	studio_stop(s);
}
END_TEST

START_TEST(save_to_album_reads_back_equal)
{
	studio *s = studio_start(FALSE);
	lathe_params *p = s->app.params;
	albumwin_select(s->w, 1);
	click(s->w->load_btn);
	param_set(p, param_find("/eq/3/gain"), 4.0f, NULL);
	param_set(p, P_SAT_DRIVE, 3.0f, NULL);
	param_set(p, P_SAT_BYPASS, 0.0f, NULL);
	albumwin_select(s->w, 0);
	click(s->w->save_btn);
	ck_assert_msg(access(in_dir("test-track-1.lathe"), F_OK) == 0, "no session written: %s", text_of(s->w->status));
	/* the album file names it, its comments are still there */
	char *text = NULL;
	ck_assert(g_file_get_contents(in_dir("test.lathe-album"), &text, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(text, "session=test-track-1.lathe"));
	ck_assert_ptr_nonnull(strstr(text, "# a test album: comments survive a save"));
	ck_assert_ptr_nonnull(strstr(text, "# the opener"));
	g_free(text);
	/* album_load, as `lathe album` calls it, reads back the live state bit for bit */
	char err[1024];
	album *a = album_load(in_dir("test.lathe-album"), album_load_chain, err, sizeof err);
	ck_assert_msg(a != NULL, "%s", err);
	int differ = 0;
	for (int id = 0; id < P_COUNT; id++) {
		float x = param_get(a->tracks[0].chain, id), y = param_get(p, id);
		if (memcmp(&x, &y, sizeof x)) {
			printf("  %s: album %g, live %g\n", param_info_get(id)->path, x, y);
			differ++;
		}
	}
	ck_assert_int_eq(differ, 0);
	ck_assert_float_eq(param_get(a->tracks[0].chain, P_SAT_DRIVE), 3.0f);
	/* track 2 keeps its own session */
	ck_assert_float_eq_tol(param_get(a->tracks[1].chain, P_LIM_CEILING), -1.5f, 1e-6);
	album_free(a);
	/* the window shows the album as read back, selection kept */
	ck_assert_ptr_nonnull(s->w->rows[1]);
	ck_assert(gtk_list_box_row_is_selected(GTK_LIST_BOX_ROW(s->w->rows[0])));
	studio_stop(s);
}
END_TEST

static double json_track_lufs(const char *json, int track)
{
	/* "number": N ... "integrated_lufs": V, the first after it (the track's own report) */
	char *text = NULL;
	ck_assert(g_file_get_contents(json, &text, NULL, NULL));
	char key[32];
	snprintf(key, sizeof key, "\"number\": %d,", track);
	char *at = strstr(text, key);
	ck_assert_ptr_nonnull(at);
	at = strstr(at, "\"integrated_lufs\": ");
	ck_assert_ptr_nonnull(at);
	double v = g_ascii_strtod(at + strlen("\"integrated_lufs\": "), NULL);
	g_free(text);
	return v;
}

START_TEST(render_and_check_fills_the_qc_columns)
{
	studio *s = studio_start(FALSE);
	albumwin *w = s->w;
	char *out = in_dir("delivery");
	albumwin_render(w, out, FALSE);
	ck_assert_ptr_nonnull(w->proc);
	ck_assert_str_eq(gtk_button_get_label(GTK_BUTTON(w->render_btn)), "Stop render");
	gint64 t0 = g_get_monotonic_time();
	while (w->renders < 1 && g_get_monotonic_time() - t0 < 150 * G_USEC_PER_SEC)
		main_loop_ms(100);
	ck_assert_int_eq(w->renders, 1);
	GtkTextBuffer *buf = gtk_text_view_get_buffer(GTK_TEXT_VIEW(w->log));
	GtkTextIter a, b;
	gtk_text_buffer_get_bounds(buf, &a, &b);
	char *log = gtk_text_buffer_get_text(buf, &a, &b, FALSE);
	ck_assert_msg(w->render_ok, "render failed: %s\n%s", text_of(w->error), log);
	ck_assert_msg(strstr(log, "lathe: [1/2] track") != NULL, "no progress lines in:\n%s", log); /* through the pipe */
	ck_assert_ptr_nonnull(strstr(log, "rendered 2 tracks"));   /* its summary on stdout */
	g_free(log);
	char *json = in_dir("delivery/qc.json");
	for (int t = 0; t < 2; t++) {
		char want[16];
		snprintf(want, sizeof want, "%.1f", json_track_lufs(json, t + 1));
		printf("track %d: LUFS %s, dBTP %s, LRA %s, PLR %s, codec %s\n", t + 1, text_of(w->cells[t][AW_LUFS]),
		       text_of(w->cells[t][AW_TP]), text_of(w->cells[t][AW_LRA]), text_of(w->cells[t][AW_PLR]),
		       text_of(w->cells[t][AW_CODEC]));
		ck_assert_str_eq(text_of(w->cells[t][AW_LUFS]), want);
		ck_assert_double_lt(g_ascii_strtod(text_of(w->cells[t][AW_TP]), NULL), -0.9); /* the limiter's -1 dBTP */
		ck_assert_str_ne(text_of(w->cells[t][AW_PLR]), "");
		ck_assert_str_ne(text_of(w->cells[t][AW_CODEC]), "");
	}
	ck_assert_ptr_nonnull(strstr(text_of(w->qc_summary), "LUFS"));
	if (getenv("LATHE_SCREENSHOT") && *getenv("LATHE_SCREENSHOT")) {
		albumwin_select(w, 1);
		main_loop_ms(500);
		/* console_render draws any window through GTK's renderer; it reads only ->window */
		console shot = { .window = w->window };
		ck_assert_int_eq(console_save_png(&shot, getenv("LATHE_SCREENSHOT")), 0);
		printf("screenshot written to %s\n", getenv("LATHE_SCREENSHOT"));
	}

	/* again into the same folder: lathe album refuses without -y, the window asks */
	albumwin_render(w, out, FALSE);
	while (w->renders < 2 && g_get_monotonic_time() - t0 < 200 * G_USEC_PER_SEC)
		main_loop_ms(100);
	ck_assert_int_eq(w->renders, 2);
	ck_assert(!w->render_ok);
	ck_assert_ptr_nonnull(w->confirm);
	ck_assert_ptr_nonnull(strstr(w->proc_error, "use -y"));
	gtk_dialog_response(GTK_DIALOG(w->confirm), GTK_RESPONSE_ACCEPT);
	ck_assert_ptr_null(w->confirm);
	ck_assert_ptr_nonnull(w->proc); /* started again, with -y */
	while (w->renders < 3 && g_get_monotonic_time() - t0 < 300 * G_USEC_PER_SEC)
		main_loop_ms(100);
	ck_assert_int_eq(w->renders, 3);
	ck_assert_msg(w->render_ok, "render with -y failed: %s", text_of(w->error));

	/* a failure shows lathe's one-line error */
	albumwin_render(w, "/dev/null/nowhere", FALSE);
	while (w->renders < 4 && g_get_monotonic_time() - t0 < 320 * G_USEC_PER_SEC)
		main_loop_ms(50);
	ck_assert(!w->render_ok);
	printf("error shown: %s\n", text_of(w->error));
	ck_assert(g_str_has_prefix(text_of(w->error), "lathe: "));
	ck_assert_ptr_null(w->confirm);
	studio_stop(s);
}
END_TEST

/* RMS in dB (re full scale) of x[a..b) */
static double rms_db_of(const float *x, size_t a, size_t b)
{
	double ss = 0;
	for (size_t i = a; i < b; i++)
		ss += (double)x[i] * x[i];
	return 10 * log10(ss / (double)(b - a) + 1e-30);
}

static const float silence[1] = { 0 };

START_TEST(play_runs_the_mix_through_the_engine)
{
	studio *s = studio_start(TRUE);
	albumwin *w = s->w;
	fx_client *rec = fx_client_new("awrec", NULL, NULL, "awt:out_L", "awt:out_R");
	ck_assert_ptr_nonnull(rec);
	const size_t n = 48000 * 3;
	float *l = calloc(n, sizeof(float)), *r = calloc(n, sizeof(float));
	/* nothing plays into lathe: it is silent */
	ck_assert_int_eq(fx_client_run(rec, silence, silence, 1, l, r, 24000), 0);
	double before = rms_db_of(l, 0, 24000);
	printf("before Play: %.1f dBFS\n", before);
	ck_assert_double_lt(before, -120);
	albumwin_select(w, 0);
	click(w->play_btn);
	player *p = lathe_jack_input_player(s->app.jack);
	gint64 t0 = g_get_monotonic_time();
	while (!player_playing(p) && g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC)
		main_loop_ms(20);
	ck_assert_msg(player_playing(p), "not playing: %s", text_of(w->status));
	ck_assert(gtk_widget_get_sensitive(w->stop_btn));
	ck_assert_int_eq(fx_client_run(rec, silence, silence, 1, l, r, n), 0);
	/* the file's sine, -15.1 dBFS RMS (0.25 / sqrt 2), through the neutral chain */
	double want = 20 * log10(SINE_AMP / sqrt(2)), got_l = rms_db_of(l, 48000, n), got_r = rms_db_of(r, 48000, n);
	printf("playing: out_L %.2f dBFS, out_R %.2f dBFS (the file: %.2f dBFS)\n", got_l, got_r, want);
	ck_assert_double_lt(fabs(got_l - want), 0.5);
	ck_assert_double_lt(fabs(got_r - want), 0.5);
	main_loop_ms(300);
	ck_assert_ptr_nonnull(strstr(text_of(w->status), "playing track 1"));
	click(w->stop_btn);
	ck_assert(!player_playing(p));
	ck_assert_int_eq(fx_client_run(rec, silence, silence, 1, l, r, 24000), 0);
	double after = rms_db_of(l, 12000, 24000);
	printf("after Stop: %.1f dBFS\n", after);
	ck_assert_double_lt(after, -120);
	fx_client_free(rec);
	free(l);
	free(r);
	studio_stop(s);
}
END_TEST

int main(int argc, char **argv)
{
	gui_test_display(argv, "1366x768x24"); /* the smallest screen the console is made for */
	/* the console would restore autosaves and read recent files from the user's folders */
	char home[128];
	snprintf(home, sizeof home, "/tmp/lathe-albumwin-home-%d", (int)getpid());
	setenv("XDG_STATE_HOME", home, 1);
	setenv("XDG_DATA_HOME", home, 1);

	Suite *s = suite_create("album_window");
	TCase *tc = suite_add_case(s, "window", 60, NULL, NULL);
	tcase_add_test(tc, shows_the_album_and_fits_the_screen);
	tcase_add_test(tc, load_puts_the_tracks_chain_live);
	tcase_add_test(tc, save_to_album_reads_back_equal);
	TCase *tr = suite_add_case(s, "render", 360, NULL, NULL);
	tcase_add_test(tr, render_and_check_fills_the_qc_columns);
	TCase *tp = suite_add_case(s, "play", 90, NULL, NULL);
	tcase_add_test(tp, play_runs_the_mix_through_the_engine);
	int rc = run_suite(s);
	rm_tree(home);
	return rc;
}
