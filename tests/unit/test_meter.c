/* lathe — the measuring point's short-window meters (RMS, correlation,
 * balance, peaks, overs), true peak at other rates, the platform table and
 * the spectrum, each against its formula. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/meter/measure.h"
#include "engine/meter/platforms.h"
#include "engine/meter/report.h"
#include "engine/meter/spectrum.h"
#include "engine/meter/truepeak.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"
#include "tests/support/truepeak.h"

#define RATE 48000

/* n stereo frames: left = al sin(w t), right = ar sin(w t + phase) */
static float *stereo_sine(size_t n, double hz, double al, double ar, double phase, int rate)
{
	float *x = malloc(n * 2 * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		double w = 2 * M_PI * hz * (double)i / rate;
		x[2 * i] = (float)(al * sin(w));
		x[2 * i + 1] = (float)(ar * sin(w + phase));
	}
	return x;
}

static measure *fed(const float *x, size_t n)
{
	measure *m = measure_new(RATE, 2, MEASURE_ALL);
	ck_assert_ptr_nonnull(m);
	measure_add(m, x, n, 2);
	return m;
}

#define NEAR(v, want, tol) \
	ck_assert_msg(fabs((double)(v) - (want)) <= (tol), "%s = %.4f, expected %.4f +- %g", #v, (double)(v), (double)(want), (double)(tol))

START_TEST(rms_of_a_sine)
{
	/* RMS of A sin = A / sqrt 2: 20 log10(0.5 / sqrt 2) = -9.031 dB */
	float *x = stereo_sine(RATE, 997, 0.5, 0.25, 0, RATE);
	measure *m = fed(x, RATE);
	NEAR(m->rms_db[0], 20 * log10(0.5 / sqrt(2)), 0.01);
	NEAR(m->rms_db[1], 20 * log10(0.25 / sqrt(2)), 0.01);
	measure_free(m);
	free(x);
}
END_TEST

START_TEST(correlation_and_balance)
{
	struct {
		double al, ar, phase, corr, bal;
	} c[] = {
		{ 0.5, 0.5, 0, 1, 0 },                       /* identical: +1, centred */
		{ 0.5, 0.5, M_PI, -1, 0 },                   /* inverted: -1 */
		{ 0.5, 0.5, M_PI / 2, 0, 0 },                /* quadrature: cos(90 deg) = 0 */
		{ 0.5, 0.5, M_PI / 3, 0.5, 0 },              /* cos(60 deg) = 0.5 */
		{ 0.5, 0.0, 0, 0, -1 },                      /* left only: balance -1, no correlation */
		{ 0.5, 0.25, 0, 1, (0.0625 - 0.25) / 0.3125 },/* right 6 dB down: (PR - PL) / (PR + PL) = -0.6 */
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		float *x = stereo_sine(RATE / 2, 1000, c[i].al, c[i].ar, c[i].phase, RATE);
		measure *m = fed(x, RATE / 2);
		NEAR(m->correlation, c[i].corr, 0.01);
		NEAR(m->balance, c[i].bal, 0.01);
		measure_free(m);
		free(x);
	}
}
END_TEST

START_TEST(correlation_min_gated)
{
	/* 1 s in phase, 1 s inverted, 1 s inverted at -70 dBFS (below the -60 dBFS gate) */
	size_t n = RATE;
	float *a = stereo_sine(n, 500, 0.5, 0.5, 0, RATE);
	float *b = stereo_sine(n, 500, 0.5, 0.5, M_PI, RATE);
	measure *m = measure_new(RATE, 2, MEASURE_ALL);
	measure_add(m, a, n, 2);
	NEAR(m->corr_min, 1, 0.001);
	measure_add(m, b, n, 2);
	NEAR(m->corr_min, -1, 0.001);
	measure_reset(m);
	for (size_t i = 0; i < 2 * n; i++)
		b[i] *= 3.16e-4f * 2; /* 0.5 -> -70 dBFS peak */
	measure_add(m, b, n, 2);
	NEAR(m->corr_min, 1, 0.001);
	measure_free(m);
	free(a);
	free(b);
}
END_TEST

START_TEST(peaks_hold_and_reset)
{
	float x[2 * 4800] = { 0 };
	x[2 * 100] = 0.5f;      /* left  -6.02 dBFS */
	x[2 * 200 + 1] = -0.25f; /* right -12.04 dBFS */
	measure *m = fed(x, 4800);
	measure_flush(m); /* the true peak comes truepeak_latency() (6656) samples late */
	float pk[2], tp[2];
	measure_take_period(m, pk, tp);
	NEAR(pk[0], 0.5, 1e-7);
	NEAR(pk[1], 0.25, 1e-7);
	/* a lone sample's true peak is the sample itself (interpolation never below it) */
	ck_assert(tp[0] >= 0.5f && tp[0] < 0.5f * 1.1f);
	measure_take_period(m, pk, tp);
	NEAR(pk[0], 0, 0); /* the period restarted */
	NEAR(measure_peak_max_db(m), 20 * log10(0.5), 0.001); /* the hold did not */
	measure_reset(m);
	NEAR(measure_peak_max_db(m), MEASURE_FLOOR_DB, 0);
	NEAR(measure_tp_max_db(m), MEASURE_FLOOR_DB, 0);
	measure_free(m);
}
END_TEST

START_TEST(true_peak_overs_counted_per_run)
{
	/* three 50 ms bursts of a 0 dBFS sine, 200 ms of silence between: three overs of -1 dBTP */
	size_t burst = RATE / 20, gap = RATE / 5, n = 3 * (burst + gap);
	float *x = calloc(2 * n, sizeof(float));
	for (int b = 0; b < 3; b++)
		for (size_t i = 0; i < burst; i++) {
			float v = (float)sin(2 * M_PI * 1000 * (double)i / RATE);
			x[2 * (b * (burst + gap) + i)] = x[2 * (b * (burst + gap) + i) + 1] = v;
		}
	measure *m = measure_new(RATE, 2, MEASURE_ALL);
	measure_set_ceiling_db(m, -1);
	for (size_t pos = 0; pos < n; pos += 256)
		measure_add(m, x + 2 * pos, n - pos < 256 ? n - pos : 256, 2);
	ck_assert_uint_eq(m->tp_overs, 3);
	measure_set_ceiling_db(m, 0.5f);
	measure_reset(m);
	measure_add(m, x, n, 2);
	ck_assert_uint_eq(m->tp_overs, 0);
	measure_free(m);
	free(x);
}
END_TEST

/* fs/4 at 0.5 FS and 45 degrees: samples at 0.354 (-9 dBFS), true peak -6.02 dBTP (Tech 3341 case 16 at any rate) */
static double tp_quarter(int rate)
{
	size_t n = (size_t)rate;
	float *x = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(M_PI / 2 * (double)i + M_PI / 4));
	truepeak *t = truepeak_new((unsigned)rate);
	float p = truepeak_process(t, x, (unsigned)n, 1);
	truepeak_free(t);
	free(x);
	return 20 * log10(p);
}

/* The same signal under the ideal reconstruction: its abrupt start rings above 0.5 */
static double ideal_quarter(int rate)
{
	size_t n = (size_t)rate;
	float *x = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(M_PI / 2 * (double)i + M_PI / 4));
	double p = tp_ideal_dbtp(x, n);
	free(x);
	return p;
}

START_TEST(true_peak_rates)
{
	int rates[] = { 44100, 48000, 88200, 96000, 192000 };
	for (int i = 0; i < 5; i++) {
		truepeak *t = truepeak_new((unsigned)rates[i]);
		ck_assert_int_eq(truepeak_factor(t), 4);
		truepeak_free(t);
		double v = tp_quarter(rates[i]);
		printf("  true peak of fs/4 at 45 deg, %d Hz: %.4f dBTP (expected -6.02 +0.2/-0.4; the abrupt start rings to %.4f)\n",
		       rates[i], v, ideal_quarter(rates[i]));
		ck_assert(v <= -6.02 + 0.2 && v >= -6.02 - 0.4);
		NEAR(v, ideal_quarter(rates[i]), 0.05);
	}
}
END_TEST

/* The meter against the ideal reconstruction (tests/support/truepeak.c, no shared code):
 * within 0.05 dB on every family, at 44.1, 48 and 96 kHz.  Each signal is followed by
 * 0.1 s of silence and the meter is flushed (truepeak_flush), as a render's is. */
enum { TPF_NOISE, TPF_TONES, TPF_ONSETS, TPF_SQUARES, TPF_IMPULSES, TPF_CLIPPED, TPF_COUNT };
static const char *const tpf_names[TPF_COUNT] = {
	"full-band white noise", "tones 0.1..0.49 fs at 7 phases", "tone onsets 0.45..0.49 fs",
	"squares 0.004..0.47 fs (naive)", "impulses and doublets", "clipped noise programme",
};

static size_t tpf_signal(int which, float *x, size_t n, double fs, int variant)
{
	xorshift32 g = { 0xabcdu + (unsigned)variant };
	size_t len = n - (size_t)(0.1 * fs);
	memset(x, 0, n * sizeof(float));
	switch (which) {
	case TPF_NOISE:
		for (size_t i = 0; i < len; i++)
			x[i] = 0.5f * xorshift_uniform(&g);
		break;
	case TPF_TONES: {
		double f = (0.1 + 0.39 * (variant % 7) / 6.0), ph = 0.3 + variant * 0.7;
		for (size_t i = 0; i < len; i++) {
			double d = (double)(i < len - 1 - i ? i : len - 1 - i), w = d >= 2000 ? 1 : 0.5 - 0.5 * cos(M_PI * d / 2000);
			x[i] = (float)(0.5 * w * sin(2 * M_PI * f * (double)i + ph));
		}
		break;
	}
	case TPF_ONSETS: {
		double f = 0.45 + 0.02 * (variant % 3);
		for (size_t i = 0; i < len; i++)
			x[i] = (i % 4800) < 2400 ? (float)(0.5 * cos(2 * M_PI * f * (double)(i % 4800) + variant)) : 0;
		break;
	}
	case TPF_SQUARES: {
		/* the sign of a sine: every harmonic aliased, the worst case of a hard clipper */
		static const double fr[7] = { 0.004, 0.0371, 0.11, 0.2317, 0.31, 0.4302, 0.47 };
		for (size_t i = 0; i < len; i++)
			x[i] = sin(2 * M_PI * fr[variant % 7] * (double)i + 0.2 + variant) >= 0 ? 0.5f : -0.5f;
		break;
	}
	case TPF_IMPULSES:
		for (size_t i = 1000, k = 0; i + 3 < len; i += 997, k++) {
			x[i] = 0.5f;
			if (k % 3 == 1)
				x[i + 1] = -0.5f;
			if (k % 3 == 2)
				x[i + 1] = 0.5f, x[i + 2] = -0.5f;
		}
		break;
	default: {
		float lp = 0;
		for (size_t i = 0; i < len; i++) {
			lp += 0.3f * (xorshift_uniform(&g) - lp);
			float a = 3 * lp + 0.3f * xorshift_uniform(&g);
			x[i] = a > 0.7f ? 0.7f : a < -0.7f ? -0.7f : a;
		}
		break;
	}
	}
	return n;
}

START_TEST(true_peak_vs_ideal)
{
	const int which = _i;
	const double rates[] = { 44100, 48000, 96000 };
	double worst = 0, lo = 0, hi = 0;
	for (int ri = 0; ri < 3; ri++) {
		size_t n = (size_t)(0.6 * rates[ri]);
		float *x = malloc(n * sizeof(float));
		for (int v = 0; v < 7; v++) {
			tpf_signal(which, x, n, rates[ri], v);
			truepeak *t = truepeak_new((unsigned)rates[ri]);
			float p = 0;
			/* blocks of 1..997 samples: the reading does not depend on them */
			for (size_t pos = 0, k = 1; pos < n; pos += k, k = k * 7 % 997 + 1) {
				k = n - pos < k ? n - pos : k;
				float q = truepeak_process(t, x + pos, (unsigned)k, 1);
				p = q > p ? q : p;
			}
			float q = truepeak_flush(t);
			p = q > p ? q : p;
			truepeak_free(t);
			double err = 20 * log10(p / tp_ideal_linear(x, n));
			lo = fmin(lo, err);
			hi = fmax(hi, err);
			worst = fmax(worst, fabs(err));
		}
		free(x);
	}
	printf("  true peak vs ideal, %-32s: meter - ideal %+.4f .. %+.4f dB\n", tpf_names[which], lo, hi);
	fflush(stdout);
	/* the goal of issue 14 on every family (the 8x half-band meter before: noise -0.311,
	 * onsets -0.116, clipped -0.112..+0.069 dB) */
	ck_assert_msg(worst <= 0.05, "%s: meter %.4f dB from the ideal reconstruction", tpf_names[which], worst);
}
END_TEST

/* The reading comes truepeak_latency() samples late whatever the block sizes, and the
 * flush reads what is still inside. */
START_TEST(true_peak_latency_constant)
{
	const unsigned sizes[] = { 1, 7, 64, 256, 1000, 2560, 3001, 8192 };
	const size_t n = 40000, at = 5003;
	float *x = calloc(n, sizeof(float));
	x[at] = 0.5f;
	for (int s = 0; s < 8; s++) {
		truepeak *t = truepeak_new(48000);
		unsigned lat = truepeak_latency(t);
		ck_assert_uint_eq(lat, 6656);
		size_t seen = (size_t)-1;
		for (size_t pos = 0; pos < n; pos += sizes[s]) {
			unsigned k = (unsigned)(n - pos < sizes[s] ? n - pos : sizes[s]);
			float p = truepeak_process(t, x + pos, k, 1);
			if (p > 0.48f) {
				ck_assert_msg(seen == (size_t)-1, "the impulse read twice (block %u)", sizes[s]);
				seen = pos;
				NEAR(p, 0.5, 1e-5);
				ck_assert_msg(at + lat >= pos && at + lat < pos + k, "block %u: read at %zu..%zu, due at %zu", sizes[s], pos, pos + k, at + lat);
			}
		}
		ck_assert(seen != (size_t)-1);
		ck_assert(truepeak_flush(t) < 1e-6f);
		truepeak_free(t);
	}
	/* a peak in the last sample of a stream is read by the flush only */
	truepeak *t = truepeak_new(44100);
	float y[1000] = { 0 };
	y[999] = -0.8f;
	ck_assert(truepeak_process(t, y, 1000, 1) == 0);
	NEAR(truepeak_flush(t), 0.8, 1e-5);
	truepeak_free(t);
	free(x);
}
END_TEST

/* A file's report counts a peak in its last sample (report_finish flushes the meter's
 * delay): a doublet at the very end, whose inter-sample peak the ideal reconstruction gives. */
START_TEST(report_reads_the_last_peak)
{
	const size_t n = RATE;
	float *x = calloc(2 * n, sizeof(float));
	x[2 * (n - 2)] = 0.6f;
	x[2 * (n - 1)] = 0.6f;
	x[2 * (n - 1) + 1] = -0.3f;
	float left[2] = { 0.6f, 0.6f };
	double want = 20 * log10(tp_ideal_linear(left, 2));
	report_meter *rm = report_new(RATE, 2);
	ck_assert_ptr_nonnull(rm);
	report_add(rm, x, n);
	loudness_report r;
	report_finish(rm, &r);
	printf("  report of a file ending in a doublet: true peak %.4f dBTP, ideal %.4f\n", r.true_peak_dbtp, want);
	NEAR(r.true_peak_dbtp, want, 0.05);
	report_free(rm);
	free(x);
}
END_TEST

START_TEST(platform_table)
{
	const char *ids[] = { NULL, "spotify", "apple_music", "youtube", "amazon", "tidal", "deezer" };
	const float targets[] = { 0, -14, -16, -14, -14, -14, -15 };
	for (int p = 1; p < PLAT_COUNT; p++) {
		ck_assert_str_eq(platform_get(p)->id, ids[p]);
		NEAR(platform_get(p)->target_lufs, targets[p], 0);
	}
	ck_assert_ptr_null(platform_get(PLAT_COUNT));
	float after;
	/* loud master (I -8, TP 0): every platform turns it down to its target */
	for (int p = 1; p < PLAT_COUNT; p++) {
		NEAR(platform_gain_db(platform_get(p), -8, 0, &after), targets[p] + 8, 1e-5);
		NEAR(after, targets[p] + 8, 1e-5);
	}
	/* quiet master with headroom (I -20, TP -10): Spotify +6, Apple +4, the rest leave it */
	NEAR(platform_gain_db(platform_get(PLAT_SPOTIFY), -20, -10, &after), 6, 1e-5);
	NEAR(after, -4, 1e-5);
	NEAR(platform_gain_db(platform_get(PLAT_APPLE), -20, -10, &after), 4, 1e-5);
	for (int p = PLAT_YOUTUBE; p < PLAT_COUNT; p++) {
		NEAR(platform_gain_db(platform_get(p), -20, -10, &after), 0, 0);
		NEAR(after, -10, 0);
	}
	/* quiet but peaky (I -20, TP -3): up only until -1 dBTP */
	NEAR(platform_gain_db(platform_get(PLAT_SPOTIFY), -20, -3, &after), 2, 1e-5);
	NEAR(after, -1, 1e-5);
	NEAR(platform_gain_db(platform_get(PLAT_APPLE), -20, -3, &after), 2, 1e-5);
	/* quiet with peaks already above -1 dBTP: never turned down for it */
	NEAR(platform_gain_db(platform_get(PLAT_SPOTIFY), -17, -0.5f, &after), 0, 0);
	/* silence: nothing */
	NEAR(platform_gain_db(platform_get(PLAT_SPOTIFY), MEASURE_FLOOR_DB, MEASURE_FLOOR_DB, &after), 0, 0);
}
END_TEST

START_TEST(spectrum_reads_a_sine)
{
	spectrum *s = spectrum_new(RATE, 256);
	float out[256];
	double freqs[] = { 1000, 100, 40, 8000 };
	for (int f = 0; f < 4; f++) {
		spectrum_reset(s);
		float *x = stereo_sine(RATE * 2, freqs[f], 0.1, 0.1, 0, RATE); /* -20 dBFS */
		spectrum_add(s, x, RATE * 2, 2);
		free(x);
		spectrum_get(s, out, 0);
		int best = 0;
		for (int b = 0; b < 256; b++)
			if (out[b] > out[best])
				best = b;
		double hz = spectrum_bin_hz(s, best);
		printf("  spectrum: %.0f Hz sine at -20 dBFS peaks at %.1f Hz, %.2f dB\n", freqs[f], hz, out[best]);
		/* 1/3-octave smoothing: every log bin whose band (+-1/6 octave) holds
		 * the sine reads its full power, so the peak is within 1/6 octave */
		ck_assert(fabs(log2(hz / freqs[f])) < 1.0 / 6 + 0.03);
		NEAR(out[best], -20, 1.5);
		int near = (int)lround(log(freqs[f] / 20.0) / log(1000.0) * 255);
		NEAR(out[near], -20, 1.5);
		/* two octaves away it is far down */
		int far = best + 256 * 2 / 10 < 256 ? best + 256 * 2 / 10 : best - 256 * 2 / 10;
		ck_assert(out[far] < -60);
		/* the slope tilts around 1 kHz: +3 dB/oct adds 3 log2(f/1k) */
		float tilt[256];
		spectrum_get(s, tilt, 3);
		NEAR(tilt[best] - out[best], 3 * log2(hz / 1000), 0.01);
	}
	spectrum_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("meter");
	TCase *tc = suite_add_case(s, "meter", 60, NULL, NULL);
	tcase_add_test(tc, rms_of_a_sine);
	tcase_add_test(tc, correlation_and_balance);
	tcase_add_test(tc, correlation_min_gated);
	tcase_add_test(tc, peaks_hold_and_reset);
	tcase_add_test(tc, true_peak_overs_counted_per_run);
	tcase_add_test(tc, true_peak_rates);
	tcase_add_loop_test(tc, true_peak_vs_ideal, 0, TPF_COUNT);
	tcase_add_test(tc, true_peak_latency_constant);
	tcase_add_test(tc, report_reads_the_last_peak);
	tcase_add_test(tc, platform_table);
	tcase_add_test(tc, spectrum_reads_a_sine);
	return run_suite(s);
}
