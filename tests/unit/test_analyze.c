/* lathe — the analysis thread fed through the bus's audio tap in JACK-sized
 * blocks (EBU files and synthesized signals), its monitor gains and
 * /target/learn; the file report, `analyze_file` and its plot; and the
 * analysis cost per second of audio. */
#include <cairo.h>
#include <check.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/bus.h"
#include "engine/meter/analysis.h"
#include "engine/meter/measure.h"
#include "engine/meter/report.h"
#include "engine/params.h"
#include "tests/support/check_main.h"
#include "tests/support/ebu.h"

#define BLOCK 256

/* Under `make asan`: fontconfig (through cairo's toy text) keeps its caches
 * for the life of the process by design; not our leak. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig\n"; }

typedef struct {
	lathe_bus *bus;
	lathe_params *p;
	analysis *a;
	uint64_t written;
} rig;

static void rig_init(rig *r)
{
	params_init();
	r->p = params_new();
	r->bus = bus_new(2.0);
	ck_assert_ptr_nonnull(r->bus);
	r->a = analysis_new(r->bus, r->p);
	ck_assert_ptr_nonnull(r->a);
	r->written = 0;
}

static void rig_free(rig *r)
{
	analysis_free(r->a);
	bus_free(r->bus);
	params_free(r->p);
}

static void nap_ms(int ms)
{
	struct timespec t = { 0, ms * 1000000L };
	nanosleep(&t, NULL);
}

/* Like the engine: TAP_CHANNELS-frame blocks into the tap, waiting while it is full. */
static void push(rig *r, const float *tap, size_t frames)
{
	for (size_t pos = 0; pos < frames; pos += BLOCK) {
		size_t n = frames - pos < BLOCK ? frames - pos : BLOCK;
		size_t bytes = n * TAP_CHANNELS * sizeof(float);
		while (jack_ringbuffer_write_space(r->bus->tap) < bytes)
			nap_ms(2);
		jack_ringbuffer_write(r->bus->tap, (const char *)(tap + pos * TAP_CHANNELS), bytes);
	}
	r->written += frames;
}

/* Wait until a snapshot covers everything pushed (and one more publish). */
static void settle(rig *r, meter_snapshot *s)
{
	for (int i = 0; i < 2000; i++) {
		analysis_get(r->a, s);
		if (s->pos >= r->written)
			break;
		nap_ms(5);
	}
	ck_assert_uint_eq(s->pos, r->written);
	nap_ms(60);
	analysis_get(r->a, s);
}

/* A stereo file or signal into tap slots: input, master, reference. */
static float *tap_of(const float *in, const float *master, const float *ref, size_t frames)
{
	float *t = calloc(frames * TAP_CHANNELS, sizeof(float));
	for (size_t i = 0; i < frames; i++)
		for (int c = 0; c < 2; c++) {
			t[i * TAP_CHANNELS + c] = in ? in[2 * i + c] : 0;
			t[i * TAP_CHANNELS + 2 + c] = master ? master[2 * i + c] : 0;
			t[i * TAP_CHANNELS + 4 + c] = ref ? ref[2 * i + c] : 0;
		}
	return t;
}

static float *sine(size_t frames, double hz, double dbfs, int rate)
{
	float *x = malloc(frames * 2 * sizeof(float));
	double a = pow(10, dbfs / 20);
	for (size_t i = 0; i < frames; i++)
		x[2 * i] = x[2 * i + 1] = (float)(a * sin(2 * M_PI * hz * (double)i / rate));
	return x;
}


#define NEAR(v, want, tol, what) expect_near((v), (want), (tol), (what), 40)

/* EBU files through the thread, on both the input and the master side; a reset between files. */
START_TEST(ebu_files_through_the_tap)
{
	rig r;
	rig_init(&r);
	struct {
		const char *file;
		int kind; /* 0 max S, 1 max M, 2 true peak */
		double want;
	} c[] = {
		{ "seq-3341-10-1-24bit.wav", 0, -23 },
		{ "seq-3341-13-20-24bit.wav", 1, -23 },
		{ "seq-3341-19-24bit.wav.wav", 2, 3 },
		{ "seq-3341-22-24bit.wav.wav", 2, 0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		atomic_fetch_add(&r.bus->reset_requests, 1);
		nap_ms(30);
		size_t n;
		float *x = ebu_load(c[i].file, &n, 0);
		float *t = tap_of(x, x, NULL, n);
		push(&r, t, n);
		meter_snapshot s;
		settle(&r, &s);
		char what[96];
		snprintf(what, sizeof what, "thread: %s", c[i].file + 4);
		const meter_side *sides[2] = { &s.in, &s.out };
		for (int k = 0; k < 2; k++) {
			double v = c[i].kind == 0 ? sides[k]->max_s : c[i].kind == 1 ? sides[k]->max_m : sides[k]->tp_max_db;
			if (c[i].kind == 2) {
				printf("  %-40s measured %8.3f expected %8.3f\n", what, v, c[i].want);
				ck_assert(v <= c[i].want + 0.2 && v >= c[i].want - 0.4);
			} else {
				NEAR(v, c[i].want, 0.1, what);
			}
		}
		free(t);
		free(x);
	}
	rig_free(&r);
}
END_TEST

/* Master at -20 dBFS (1 kHz: -20 LUFS), input at -26, reference at -30:
 * match gains +6 and +10; Spotify would raise the master by 6 (TP -20 + 6 <=
 * -1), Apple by 4; /target/learn onto -14 asks for +6 dB of drive. */
START_TEST(match_platform_learn)
{
	rig r;
	rig_init(&r);
	param_set(r.p, P_MON_PLATFORM, PLAT_SPOTIFY, NULL);
	size_t n = 48000 * 20;
	float *m = sine(n, 1000, -20, 48000), *in = sine(n, 1000, -26, 48000), *ref = sine(n, 1000, -30, 48000);
	float *t = tap_of(in, m, ref, n);
	push(&r, t, n);
	meter_snapshot s;
	settle(&r, &s);
	NEAR(s.out.lufs_i, -20, 0.1, "master integrated");
	NEAR(s.out.lufs_s, -20, 0.1, "master short-term");
	NEAR(s.in.lufs_s, -26, 0.1, "input short-term");
	NEAR(s.ref_lufs_s, -30, 0.1, "reference short-term");
	NEAR(atomic_load(&r.bus->match_input_db), 6, 0.1, "bus match_input_db");
	NEAR(atomic_load(&r.bus->match_ref_db), 10, 0.1, "bus match_ref_db");
	NEAR(atomic_load(&r.bus->platform_db), 6, 0.1, "bus platform_db (Spotify)");
	NEAR(s.platform_gain_db[PLAT_APPLE], 4, 0.1, "snapshot Apple gain");
	NEAR(s.platform_gain_db[PLAT_YOUTUBE], 0, 0, "snapshot YouTube gain");
	NEAR(s.platform_tp_after[PLAT_SPOTIFY], -14, 0.1, "snapshot Spotify TP after");
	NEAR(s.out.rms_db[0], -23.01, 0.02, "master RMS");
	NEAR(s.out.correlation, 1, 0.001, "master correlation");
	NEAR(s.out.plr, 0, 0.1, "master PLR (sine: TP = I)");
	NEAR(analysis_learn_drive(r.a), 6, 0.1, "learn drive, target -14");
	param_set(r.p, P_TARGET_PLATFORM, PLAT_APPLE, NULL);
	NEAR(analysis_learn_drive(r.a), 4, 0.1, "learn drive, target Apple -16");
	param_set(r.p, P_LIM_GAIN, 3, NULL);
	NEAR(analysis_learn_drive(r.a), 7, 0.1, "learn drive from 3 dB, Apple");

	/* history: 10 Hz of the master's short-term */
	static float h[HISTORY_LEN];
	int hn = analysis_history(r.a, h, HISTORY_LEN);
	NEAR(hn, 200, 1, "history points for 20 s");
	NEAR(h[hn - 1], -20, 0.1, "newest history point");
	/* goniometer: L = R is all mid */
	float xy[2 * GONIO_POINTS];
	int gn = analysis_gonio(r.a, xy, GONIO_POINTS);
	ck_assert_int_eq(gn, GONIO_POINTS);
	double side = 0, mid = 0;
	for (int i = 0; i < gn; i++) {
		side = fmax(side, fabs(xy[2 * i]));
		mid = fmax(mid, fabs(xy[2 * i + 1]));
	}
	ck_assert(side < 1e-6);
	NEAR(mid, 0.1 * M_SQRT2, 0.002, "goniometer mid extent");
	/* spectra: the master's 1 kHz bin at -20 dB, the input's at -26 */
	float pre[SPECTRUM_BINS], post[SPECTRUM_BINS];
	analysis_spectrum(r.a, pre, post);
	int k = (int)lround(log(1000 / 20.0) / log(1000.0) * (SPECTRUM_BINS - 1));
	NEAR(post[k], -20, 1.5, "master spectrum at 1 kHz");
	NEAR(pre[k], -26, 1.5, "input spectrum at 1 kHz");

	/* /loudness/reset: integrated and maxima restart */
	atomic_fetch_add(&r.bus->reset_requests, 1);
	nap_ms(100);
	analysis_get(r.a, &s);
	ck_assert(s.out.lufs_i <= -70 && s.out.max_m <= -70 && s.out.tp_max_db <= -100);
	ck_assert(isnan(analysis_learn_drive(r.a)));
	free(t);
	free(m);
	free(in);
	free(ref);
	rig_free(&r);
}
END_TEST

START_TEST(rate_change)
{
	rig r;
	rig_init(&r);
	analysis_set_rate(r.a, 96000);
	nap_ms(50);
	size_t n = 96000 * 4;
	float *m = sine(n, 1000, -18, 96000);
	float *t = tap_of(m, m, NULL, n);
	push(&r, t, n);
	meter_snapshot s;
	settle(&r, &s);
	ck_assert_uint_eq(s.rate, 96000);
	NEAR(s.out.lufs_s, -18, 0.1, "96 kHz short-term");
	NEAR(s.out.tp_max_db, -18, 0.1, "96 kHz true peak");
	free(t);
	free(m);
	rig_free(&r);
}
END_TEST

/* Analysis cost: CPU time of the thread for 60 s of stereo audio (input,
 * master and reference all carrying signal). */
START_TEST(analysis_cost)
{
	rig r;
	rig_init(&r);
	size_t n = 48000 * 60;
	float *t = malloc(n * TAP_CHANNELS * sizeof(float));
	uint32_t x = 1;
	for (size_t i = 0; i < n * TAP_CHANNELS; i++) {
		x = x * 1664525u + 1013904223u;
		t[i] = ((float)(x >> 9) / 8388608.0f - 1.0f) * 0.3f;
	}
	double c0 = analysis_cpu_seconds(r.a);
	push(&r, t, n);
	meter_snapshot s;
	settle(&r, &s);
	double c1 = analysis_cpu_seconds(r.a);
	double per_s = (c1 - c0) / 60.0;
	printf("  analysis cost: %.2f s CPU for 60 s of audio = %.1f ms per second of audio (%.2f %% of one core)\n",
	       c1 - c0, per_s * 1000, per_s * 100);
	ck_assert(c1 > c0);
	/* it must keep up with real time with room to spare, even on a loaded machine */
	ck_assert_msg(per_s < 0.25, "analysis takes %.0f ms per second of audio", per_s * 1000);
	free(t);
	rig_free(&r);
}
END_TEST

/* ---- the file report ---- */

static void write_wav(const char *path, const float *x, size_t frames, int rate, int channels)
{
	SF_INFO info = { .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(f);
	sf_writef_float(f, x, (sf_count_t)frames);
	sf_close(f);
}

START_TEST(report_numbers_and_json)
{
	/* 10 s of 1 kHz at -23 dBFS, stereo */
	size_t n = 480000;
	float *x = sine(n, 1000, -23, 48000);
	report_meter *rm = report_new(48000, 2);
	for (size_t pos = 0; pos < n; pos += 1000)
		report_add(rm, x + 2 * pos, n - pos < 1000 ? n - pos : 1000);
	loudness_report r;
	report_finish(rm, &r);
	NEAR(r.integrated_lufs, -23, 0.1, "report integrated");
	NEAR(r.true_peak_dbtp, -23, 0.1, "report true peak");
	NEAR(r.sample_peak_dbfs, -23, 0.01, "report sample peak");
	NEAR(r.max_momentary_lufs, -23, 0.1, "report max momentary");
	NEAR(r.max_short_term_lufs, -23, 0.1, "report max short-term");
	NEAR(r.plr_db, 0, 0.1, "report PLR");
	NEAR(r.loudness_range_lu, 0, 0.1, "report LRA");
	NEAR(r.correlation_min, 1, 0.001, "report correlation min");
	NEAR(r.duration_s, 10, 1e-9, "report duration");
	ck_assert_int_eq(r.sample_rate, 48000);
	ck_assert_int_eq(r.channels, 2);
	ck_assert_int_eq(r.n_platforms, 6);
	ck_assert_str_eq(r.platforms[0].name, "Spotify");
	NEAR(r.platforms[0].gain_db, 9, 0.1, "Spotify gain (+9, TP after -14)");
	NEAR(r.platforms[1].gain_db, 7, 0.1, "Apple Music gain");
	NEAR(r.platforms[2].gain_db, 0, 0, "YouTube gain (down only)");
	const float *mom, *st, *tp;
	ck_assert_uint_eq(report_series(rm, &mom, &st, &tp), 100);
	NEAR(st[99], -23, 0.1, "series short-term at 10 s");

	/* JSON: parses, has every DESIGN.md key */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_json(&r, f);
	fclose(f);
	JsonParser *jp = json_parser_new();
	ck_assert_msg(json_parser_load_from_data(jp, buf, (gssize)len, NULL), "bad JSON: %s", buf);
	JsonObject *o = json_node_get_object(json_parser_get_root(jp));
	const char *keys[] = { "integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs",
	                       "max_momentary_lufs", "max_short_term_lufs", "plr_db", "correlation_min",
	                       "duration_s", "sample_rate", "channels", "platforms" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(json_object_has_member(o, keys[i]), "JSON lacks %s", keys[i]);
	NEAR(json_object_get_double_member(o, "integrated_lufs"), -23, 0.1, "JSON integrated_lufs");
	JsonArray *pl = json_object_get_array_member(o, "platforms");
	ck_assert_int_eq(json_array_get_length(pl), 6);
	JsonObject *p0 = json_array_get_object_element(pl, 0);
	ck_assert_str_eq(json_object_get_string_member(p0, "name"), "Spotify");
	NEAR(json_object_get_double_member(p0, "target_lufs"), -14, 0, "JSON Spotify target");
	ck_assert(json_object_has_member(p0, "gain_db") && json_object_has_member(p0, "true_peak_after_dbtp"));
	g_object_unref(jp);
	free(buf);

	/* the table names every platform */
	f = open_memstream(&buf, &len);
	report_print(&r, f);
	fclose(f);
	ck_assert(strstr(buf, "integrated") && strstr(buf, "Deezer") && strstr(buf, "-23.0 LUFS"));
	free(buf);
	report_free(rm);
	free(x);
}
END_TEST

START_TEST(analyze_file_and_plot)
{
	char dir[] = "/tmp/lathe-analyze-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char wav[256], png[256], err[256];
	snprintf(wav, sizeof wav, "%s/tone.wav", dir);
	snprintf(png, sizeof png, "%s/plot.png", dir);
	/* 30 s: quiet, loud with peaks over -1 dBTP, quiet */
	size_t n = 48000 * 30;
	float *x = sine(n, 440, -30, 48000);
	for (size_t i = 48000 * 10; i < 48000 * 20; i++)
		x[2 * i] = x[2 * i + 1] = x[2 * i] * 31.0f; /* ~ -0.2 dBFS */
	write_wav(wav, x, n, 48000, 2);
	ck_assert_int_eq(analyze_file(wav, 1, png, err, sizeof err), 0);
	cairo_surface_t *s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	ck_assert_int_eq(cairo_image_surface_get_width(s), 1400);
	ck_assert_int_eq(cairo_image_surface_get_height(s), 620);
	/* red over marks exist (the loud part), and the short-term curve's blue */
	unsigned char *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s), red = 0, blue = 0;
	for (int y = 0; y < 620; y++)
		for (int xx = 0; xx < 1400; xx++) {
			unsigned char *px = d + y * stride + xx * 4; /* B G R x */
			red += px[2] > 200 && px[1] < 60 && px[0] < 60;
			blue += px[0] > 140 && px[2] < 40 && px[1] < 90;
		}
	ck_assert_msg(red > 50 && blue > 500, "red %d blue %d", red, blue);
	cairo_surface_destroy(s);
	/* a mono file */
	float *mono = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		mono[i] = x[2 * i];
	write_wav(wav, mono, n, 48000, 1);
	ck_assert_int_eq(analyze_file(wav, 0, NULL, err, sizeof err), 0);
	/* errors: one line naming the file */
	ck_assert_int_eq(analyze_file("/nonexistent/x.wav", 0, NULL, err, sizeof err), 1);
	ck_assert_str_eq(err, "cannot open '/nonexistent/x.wav': No such file or directory");
	FILE *f = fopen(wav, "w");
	fputs("not audio", f);
	fclose(f);
	ck_assert_int_eq(analyze_file(wav, 0, NULL, err, sizeof err), 1);
	ck_assert_msg(strncmp(err, "cannot open '", 13) == 0 && !strchr(err, '\n'), "%s", err);
	unlink(wav);
	unlink(png);
	rmdir(dir);
	free(x);
	free(mono);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analyze");
	TCase *th = suite_add_case(s, "thread", 60, NULL, NULL);
	tcase_add_test(th, ebu_files_through_the_tap);
	tcase_add_test(th, match_platform_learn);
	tcase_add_test(th, rate_change);
	tcase_add_test(th, analysis_cost);
	TCase *rp = suite_add_case(s, "report", 60, NULL, NULL);
	tcase_add_test(rp, report_numbers_and_json);
	tcase_add_test(rp, analyze_file_and_plot);
	return run_suite(s);
}
