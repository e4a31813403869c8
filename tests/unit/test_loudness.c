/* lathe — loudness conformance: EBU Tech 3341 (V4) and Tech 3342 on the
 * measuring point shared by the analysis thread and `lathe analyze`.
 * Synthesized cases (stereo 1 kHz sines, level x dBFS = peak 10^(x/20)) and
 * the official EBU files (../shared/ebu-loudness-test-set beside the clone),
 * the latter fed in one piece and in 256-frame JACK-sized blocks.
 * Tolerances: +-0.1 LU; true peak +0.2/-0.4 dB; LRA +-1 LU. */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/meter/measure.h"
#include "tests/support/check_main.h"
#include "tests/support/ebu.h"

#define RATE 48000

/* ---- synthesis: a list of (seconds, dBFS) segments; -inf dBFS = silence ---- */
typedef struct {
	double sec, dbfs;
} seg;

static float *synth(const seg *s, int n, size_t *frames)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += (size_t)llround(s[i].sec * RATE);
	float *x = calloc(total * 2, sizeof(float));
	size_t pos = 0;
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)llround(s[i].sec * RATE);
		double a = isfinite(s[i].dbfs) ? pow(10, s[i].dbfs / 20) : 0;
		for (size_t k = 0; k < len; k++, pos++) {
			/* phase runs continuously, like a generator switched in level */
			float v = (float)(a * sin(2 * M_PI * 1000.0 * (double)pos / RATE));
			x[2 * pos] = x[2 * pos + 1] = v;
		}
	}
	*frames = total;
	return x;
}

static measure *run_whole(const float *x, size_t frames)
{
	measure *m = measure_new(RATE, 2, MEASURE_LOUDNESS); /* loudness only: keeps the suite fast */
	ck_assert_ptr_nonnull(m);
	measure_add(m, x, frames, 2);
	return m;
}

#define NEAR(v, want, tol, what) expect_near((v), (want), (tol), (what), 28)

/* Synthesizes the segments and measures them whole: I (and M and S when ms)
 * must be want +-0.1. */
static void synth_case(const seg *s, int nseg, double want, int ms, const char *name)
{
	size_t n;
	float *x = synth(s, nseg, &n);
	measure *m = run_whole(x, n);
	char what[64];
	if (ms) {
		snprintf(what, sizeof what, "%s M", name);
		NEAR(m->lufs_m, want, 0.1, what);
		snprintf(what, sizeof what, "%s S", name);
		NEAR(m->lufs_s, want, 0.1, what);
	}
	snprintf(what, sizeof what, "%s I", name);
	NEAR(measure_integrated(m), want, 0.1, what);
	measure_free(m);
	free(x);
}

START_TEST(t3341_case1) { synth_case((seg[]){ { 20, -23 } }, 1, -23, 1, "3341 case 1"); }
END_TEST
START_TEST(t3341_case2) { synth_case((seg[]){ { 20, -33 } }, 1, -33, 1, "3341 case 2"); }
END_TEST
START_TEST(t3341_case3) { synth_case((seg[]){ { 10, -36 }, { 60, -23 }, { 10, -36 } }, 3, -23, 0, "3341 case 3"); }
END_TEST
START_TEST(t3341_case4) { synth_case((seg[]){ { 10, -72 }, { 10, -36 }, { 60, -23 }, { 10, -36 }, { 10, -72 } }, 5, -23, 0, "3341 case 4"); }
END_TEST
START_TEST(t3341_case5) { synth_case((seg[]){ { 20, -26 }, { 20.1, -20 }, { 20, -26 } }, 3, -23, 0, "3341 case 5"); }
END_TEST

/* Feed in pieces of `piece` frames; after each, from time `from` on, the
 * reading must stay within tol of want.  Returns the worst deviation. */
static double worst_after(const float *x, size_t n, size_t piece, double from, int shortterm, double want)
{
	measure *m = measure_new(RATE, 2, MEASURE_LOUDNESS);
	double worst = 0;
	for (size_t pos = 0; pos < n; pos += piece) {
		size_t k = n - pos < piece ? n - pos : piece;
		measure_add(m, x + 2 * pos, k, 2);
		if ((double)(pos + k) / RATE >= from) {
			double d = (shortterm ? m->lufs_s : m->lufs_m) - want;
			if (fabs(d) > fabs(worst))
				worst = d;
		}
	}
	measure_free(m);
	return worst;
}

/* hi_s seconds at -20 and lo_s at -30 dBFS, reps times, fed in 256-frame
 * blocks: S (shortterm) or M must read -23 from time `from` on. */
static void alternating_case(double hi_s, double lo_s, int reps, double from, int shortterm, const char *name)
{
	seg s[50];
	for (int i = 0; i < reps; i++) {
		s[2 * i] = (seg){ hi_s, -20 };
		s[2 * i + 1] = (seg){ lo_s, -30 };
	}
	size_t n;
	float *x = synth(s, 2 * reps, &n);
	double w = worst_after(x, n, 256, from, shortterm, -23);
	NEAR(-23 + w, -23, 0.1, name);
	free(x);
}

/* 1.34 s at -20 and 1.66 s at -30 dBFS, five times: S = -23 after 3 s */
START_TEST(t3341_case9) { alternating_case(1.34, 1.66, 5, 3.05, 1, "3341 case 9 S worst after 3 s"); }
END_TEST

/* 0.18 s at -20 and 0.22 s at -30 dBFS, 25 times: M = -23 after 1 s */
START_TEST(t3341_case12_synth) { alternating_case(0.18, 0.22, 25, 1.0, 0, "3341 case 12 M worst after 1 s"); }
END_TEST

/* Cases 11 and 14: 20 tones at -38 .. -19 dBFS, each after silence; the
 * maximum short-term (3 s tones) or momentary (0.4 s tones) reading in each
 * tone's segment must equal the tone's level. */
static void tone_ladder(double tone_s, int shortterm, const char *name)
{
	seg s[40];
	for (int i = 0; i < 20; i++) {
		s[2 * i] = (seg){ 1.0 + 0.15 * (i % 4), -INFINITY };
		s[2 * i + 1] = (seg){ tone_s, -38 + i };
	}
	size_t n;
	float *x = synth(s, 40, &n);
	measure *m = measure_new(RATE, 2, MEASURE_LOUDNESS);
	size_t pos = 0;
	double worst = 0;
	for (int i = 0; i < 20; i++) {
		size_t end = pos + (size_t)llround((s[2 * i].sec + tone_s) * RATE);
		double mx = -200;
		for (; pos < end; pos += 240) {
			size_t k = end - pos < 240 ? end - pos : 240;
			measure_add(m, x + 2 * pos, k, 2);
			double v = shortterm ? m->lufs_s : m->lufs_m;
			mx = v > mx ? v : mx;
		}
		pos = end;
		if (fabs(mx - (-38 + i)) > fabs(worst))
			worst = mx - (-38 + i);
	}
	char what[64];
	snprintf(what, sizeof what, "%s worst error", name);
	NEAR(worst, 0, 0.1, what);
	measure_free(m);
	free(x);
}

START_TEST(t3341_case11) { tone_ladder(3.0, 1, "3341 case 11 S ladder"); }
END_TEST
START_TEST(t3341_case14) { tone_ladder(0.4, 0, "3341 case 14 M ladder"); }
END_TEST

/* ---- Tech 3342 LRA ---- */
static void lra_case(const double *levels, int n, double want, const char *name)
{
	seg s[8];
	for (int i = 0; i < n; i++)
		s[i] = (seg){ 20, levels[i] };
	size_t frames;
	float *x = synth(s, n, &frames);
	measure *m = measure_new(RATE, 2, MEASURE_LOUDNESS);
	for (size_t pos = 0; pos < frames; pos += 256)
		measure_add(m, x + 2 * pos, frames - pos < 256 ? frames - pos : 256, 2);
	NEAR(measure_lra(m), want, 1.0, name);
	measure_free(m);
	free(x);
}

START_TEST(t3342_case1) { lra_case((double[]){ -20, -30 }, 2, 10, "3342 case 1 LRA"); }
END_TEST
START_TEST(t3342_case2) { lra_case((double[]){ -20, -15 }, 2, 5, "3342 case 2 LRA"); }
END_TEST
START_TEST(t3342_case3) { lra_case((double[]){ -40, -20 }, 2, 20, "3342 case 3 LRA"); }
END_TEST
START_TEST(t3342_case4) { lra_case((double[]){ -50, -35, -20, -35, -50 }, 5, 15, "3342 case 4 LRA"); }
END_TEST

/* ---- the official files ---- */

typedef enum { WANT_MAX_S, WANT_MAX_M, WANT_TP, WANT_M_STEADY } want_kind;

static void official(const char *file, want_kind kind, double want)
{
	size_t n;
	float *x = ebu_load(file, &n, RATE);
	for (int blocks = 0; blocks < 2; blocks++) {
		measure *m = measure_new(RATE, 2, kind == WANT_TP ? MEASURE_ALL : MEASURE_LOUDNESS);
		double worst = 0;
		size_t piece = blocks ? 256 : n;
		for (size_t pos = 0; pos < n; pos += piece) {
			size_t k = n - pos < piece ? n - pos : piece;
			measure_add(m, x + 2 * pos, k, 2);
			if (kind == WANT_M_STEADY && (double)(pos + k) / RATE >= 1.0 && fabs(m->lufs_m - want) > fabs(worst))
				worst = m->lufs_m - want;
		}
		char what[96];
		snprintf(what, sizeof what, "%s %s", file + 4, blocks ? "(256)" : "(whole)");
		switch (kind) {
		case WANT_MAX_S: NEAR(m->max_s, want, 0.1, what); break;
		case WANT_MAX_M: NEAR(m->max_m, want, 0.1, what); break;
		case WANT_M_STEADY:
			if (blocks)
				NEAR(want + worst, want, 0.1, what);
			break;
		case WANT_TP: {
			measure_flush(m); /* as a render does: the meter's delay read out */
			double tp = measure_tp_max_db(m);
			printf("  %-28s measured %8.3f expected %8.3f\n", what, tp, want);
			ck_assert_msg(tp <= want + 0.2 && tp >= want - 0.4, "%s: true peak %.3f, expected %.1f +0.2/-0.4", what, tp, want);
			break;
		}
		}
		measure_free(m);
	}
	free(x);
}

START_TEST(t3341_case10) { official("seq-3341-10-1-24bit.wav", WANT_MAX_S, -23); official("seq-3341-10-20-24bit.wav", WANT_MAX_S, -23); }
END_TEST
START_TEST(t3341_case12_file) { official("seq-3341-12-24bit.wav", WANT_M_STEADY, -23); }
END_TEST
START_TEST(t3341_case13)
{
	official("seq-3341-13-1-24bit.wav", WANT_MAX_M, -23);
	official("seq-3341-13-10-24bit.wav", WANT_MAX_M, -23);
	official("seq-3341-13-20-24bit.wav", WANT_MAX_M, -23);
}
END_TEST
START_TEST(t3341_truepeak)
{
	official("seq-3341-15-24bit.wav.wav", WANT_TP, -6);
	official("seq-3341-16-24bit.wav.wav", WANT_TP, -6);
	official("seq-3341-17-24bit.wav.wav", WANT_TP, -6);
	official("seq-3341-18-24bit.wav.wav", WANT_TP, -6);
	official("seq-3341-19-24bit.wav.wav", WANT_TP, 3);
	official("seq-3341-20-24bit.wav.wav", WANT_TP, 0);
	official("seq-3341-21-24bit.wav.wav", WANT_TP, 0);
	official("seq-3341-22-24bit.wav.wav", WANT_TP, 0);
	official("seq-3341-23-24bit.wav.wav", WANT_TP, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loudness");
	TCase *syn = suite_add_case(s, "tech3341_synth", 60, NULL, NULL);
	tcase_add_test(syn, t3341_case1);
	tcase_add_test(syn, t3341_case2);
	tcase_add_test(syn, t3341_case3);
	tcase_add_test(syn, t3341_case4);
	tcase_add_test(syn, t3341_case5);
	tcase_add_test(syn, t3341_case9);
	tcase_add_test(syn, t3341_case11);
	tcase_add_test(syn, t3341_case12_synth);
	tcase_add_test(syn, t3341_case14);
	TCase *lra = suite_add_case(s, "tech3342", 60, NULL, NULL);
	tcase_add_test(lra, t3342_case1);
	tcase_add_test(lra, t3342_case2);
	tcase_add_test(lra, t3342_case3);
	tcase_add_test(lra, t3342_case4);
	TCase *files = suite_add_case(s, "ebu_files", 60, NULL, NULL);
	tcase_add_test(files, t3341_case10);
	tcase_add_test(files, t3341_case12_file);
	tcase_add_test(files, t3341_case13);
	tcase_add_test(files, t3341_truepeak);
	return run_suite(s);
}
