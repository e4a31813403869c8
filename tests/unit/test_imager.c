/* Stereo imager: transparency, width, per-band width, mono bass, balance law, bypass. */
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/params.h"
#include "engine/dsp/imager.h"
#include "engine/dsp/biquad.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

#define RATE 48000.0
#define BLOCK 256
#define N 24000       /* 0.5 s per run */
#define TAIL 4800     /* measured window: whole cycles of every test frequency */

static void run(imager *im, const lathe_params *p, float *l, float *r, int n)
{
	for (int done = 0; done < n; done += BLOCK) {
		int k = n - done < BLOCK ? n - done : BLOCK;
		imager_update(im, p);
		imager_process(im, l + done, r + done, (unsigned)k);
	}
}

/* Mid and side levels (dB) of the last TAIL samples. */
static void ms_levels(const float *l, const float *r, double *mid_db, double *side_db)
{
	static float m[TAIL], s[TAIL];
	for (int i = 0; i < TAIL; i++) {
		m[i] = 0.5f * (l[N - TAIL + i] + r[N - TAIL + i]);
		s[i] = 0.5f * (l[N - TAIL + i] - r[N - TAIL + i]);
	}
	*mid_db = rms_db(m, TAIL);
	*side_db = rms_db(s, TAIL);
}

/* A stereo test signal: mid amplitude am at fm, side amplitude as at fs. */
static void fill(float *l, float *r, double am, double fm, double as, double fs)
{
	for (int i = 0; i < N; i++) {
		double m = am * sin(2 * M_PI * fm * i / RATE), s = as * sin(2 * M_PI * fs * i / RATE + 0.7);
		l[i] = (float)(m + s);
		r[i] = (float)(m - s);
	}
}

static float L[N], R[N], L0[N], R0[N];

START_TEST(neutral_is_transparent)
{
	lathe_params *p = params_fresh();
	imager *im = imager_new(RATE, 512);
	for (int i = 0; i < N; i++) {
		L0[i] = L[i] = (float)(0.6 * sin(i * 0.031) + 0.1 * sin(i * 0.7));
		R0[i] = R[i] = (float)(0.4 * sin(i * 0.017 + 1));
	}
	ck_assert(!param_get_bool(p, P_IMG_BYPASS));
	run(im, p, L, R, N);
	ck_assert(memcmp(L, L0, sizeof L) == 0 && memcmp(R, R0, sizeof R) == 0);
	/* change everything, then back to neutral: transparent again once the fades end */
	set_param_path(p, "/imager/width", 40);
	set_param_path(p, "/imager/2/width", 170);
	set_param_path(p, "/imager/mono_below", 200);
	set_param_path(p, "/imager/balance", 30);
	run(im, p, L, R, N);
	set_param_path(p, "/imager/width", 100);
	set_param_path(p, "/imager/2/width", 100);
	set_param_path(p, "/imager/mono_below", 0);
	set_param_path(p, "/imager/balance", 0);
	memcpy(L, L0, sizeof L);
	memcpy(R, R0, sizeof R);
	run(im, p, L, R, N);
	double worst = 0;
	for (int i = 4800; i < N; i++)
		worst = fmax(worst, fmax(fabs(L[i] - L0[i]), fabs(R[i] - R0[i])));
	ck_assert_msg(worst < 1e-5, "not transparent after returning to neutral: %.2e", worst);
	ck_assert_uint_eq(imager_latency(im), 0);
	imager_free(im);
	params_free(p);
}
END_TEST

START_TEST(width_zero_is_mono)
{
	lathe_params *p = params_fresh();
	imager *im = imager_new(RATE, 512);
	set_param_path(p, "/imager/width", 0);
	fill(L, R, 0.3, 440, 0.3, 1234);
	run(im, p, L, R, N);
	for (int i = 1200; i < N; i++)
		ck_assert_msg(L[i] == R[i], "sample %d: %g != %g", i, L[i], R[i]);
	/* overall 100 but every band 0: the filtered path, also mono */
	imager_free(im);
	params_free(p);
	p = params_fresh();
	im = imager_new(RATE, 512);
	for (int b = 1; b <= 3; b++) {
		char path[32];
		snprintf(path, sizeof path, "/imager/%d/width", b);
		set_param_path(p, path, 0);
	}
	fill(L, R, 0.3, 440, 0.3, 1234);
	run(im, p, L, R, N);
	double worst = 0;
	for (int i = 4800; i < N; i++)
		worst = fmax(worst, fabs(L[i] - R[i]));
	ck_assert_msg(worst < 1e-6, "band widths 0: |L-R| up to %.2e", worst);
	imager_free(im);
	params_free(p);
}
END_TEST

/* Width w: side * w/100, mid untouched (direct path: no filters). */
START_TEST(width_scales_side)
{
	static const float widths[] = { 25, 150, 200 };
	for (size_t k = 0; k < 3; k++) {
		lathe_params *p = params_fresh();
		imager *im = imager_new(RATE, 512);
		set_param_path(p, "/imager/width", widths[k]);
		fill(L, R, 0.3, 440, 0.2, 1234);
		memcpy(L0, L, sizeof L);
		memcpy(R0, R, sizeof R);
		run(im, p, L, R, N);
		double worst = 0, w = widths[k] / 100.0;
		for (int i = 1200; i < N; i++) {
			double m0 = 0.5 * (L0[i] + R0[i]), s0 = 0.5 * (L0[i] - R0[i]);
			worst = fmax(worst, fabs(L[i] - (m0 + w * s0)));
			worst = fmax(worst, fabs(R[i] - (m0 - w * s0)));
		}
		ck_assert_msg(worst < 1e-6, "width %.0f: error %.2e", widths[k], worst);
		imager_free(im);
		params_free(p);
	}
}
END_TEST

static double complex section_h(const biquad_coef *c, double f)
{
	double complex z1 = cexp(-I * 2 * M_PI * f / RATE);
	return (c->b0 + c->b1 * z1 + c->b2 * z1 * z1) / (1 + c->a1 * z1 + c->a2 * z1 * z1);
}

/* Band b of the 3-band LR4 split at f1, f2 (see crossover.h). */
static double complex band_h(int b, double f1, double f2, double f)
{
	biquad_coef lp1, hp1, lp2, hp2, ap2;
	biquad_lowpass(&lp1, f1, M_SQRT1_2, RATE);
	biquad_highpass(&hp1, f1, M_SQRT1_2, RATE);
	biquad_lowpass(&lp2, f2, M_SQRT1_2, RATE);
	biquad_highpass(&hp2, f2, M_SQRT1_2, RATE);
	biquad_allpass(&ap2, f2, M_SQRT1_2, RATE);
	double complex h1 = section_h(&lp1, f), g1 = section_h(&hp1, f), h2 = section_h(&lp2, f), g2 = section_h(&hp2, f);
	if (b == 0)
		return h1 * h1 * section_h(&ap2, f);
	if (b == 1)
		return g1 * g1 * h2 * h2;
	return g1 * g1 * g2 * g2;
}

/* Per-band widths: side level = |sum w_b H_b(f)| (analytic), mid level unchanged (all-pass). */
START_TEST(band_widths)
{
	const double w[3] = { 1.5, 1.0, 0.3 }, f1 = 250, f2 = 3000;
	static const double freqs[] = { 100, 250, 1000, 3000, 10000 };
	double worst = 0;
	for (size_t k = 0; k < sizeof freqs / sizeof freqs[0]; k++) {
		lathe_params *p = params_fresh();
		imager *im = imager_new(RATE, 512);
		set_param_path(p, "/imager/1/width", (float)(w[0] * 100));
		set_param_path(p, "/imager/2/width", (float)(w[1] * 100));
		set_param_path(p, "/imager/3/width", (float)(w[2] * 100));
		fill(L, R, 0.25, freqs[k], 0.25, freqs[k]);
		run(im, p, L, R, N);
		double mid, side;
		ms_levels(L, R, &mid, &side);
		double complex h = 0;
		for (int b = 0; b < 3; b++)
			h += w[b] * band_h(b, f1, f2, freqs[k]);
		double in_db = 20 * log10(0.25) - 3.0103, want = 20 * log10(cabs(h));
		ck_assert_msg(fabs(side - in_db - want) < 0.05, "%.0f Hz: side %.3f dB, expected %.3f", freqs[k], side - in_db, want);
		ck_assert_msg(fabs(mid - in_db) < 0.01, "%.0f Hz: mid changed by %.3f dB", freqs[k], mid - in_db);
		worst = fmax(worst, fabs(side - in_db - want));
		imager_free(im);
		params_free(p);
	}
	printf("imager: band widths 150/100/30 %%: side level vs analytic LR4 sum, worst %.2e dB\n", worst);
}
END_TEST

/* mono_below 150 Hz: side at 50 Hz gone (> 40 dB), side at 2 kHz and mid at 50 Hz unchanged. */
START_TEST(mono_bass)
{
	struct { double fm, am, fs, as; } cases[] = { { 1000, 0.0, 50, 0.5 }, { 1000, 0.0, 2000, 0.5 }, { 50, 0.5, 1000, 0.0 } };
	double res[3];
	for (int c = 0; c < 3; c++) {
		lathe_params *p = params_fresh();
		imager *im = imager_new(RATE, 512);
		set_param_path(p, "/imager/mono_below", 150);
		fill(L, R, cases[c].am, cases[c].fm, cases[c].as, cases[c].fs);
		run(im, p, L, R, N);
		double mid, side;
		ms_levels(L, R, &mid, &side);
		double ref = 20 * log10(0.5) - 3.0103;
		res[c] = (c < 2 ? side : mid) - ref;
		imager_free(im);
		params_free(p);
	}
	printf("imager: mono_below 150 Hz: side 50 Hz %.2f dB, side 2 kHz %+.2e dB, mid 50 Hz %+.2e dB\n", res[0], res[1], res[2]);
	ck_assert_msg(res[0] < -40, "side at 50 Hz only %.2f dB down", res[0]);
	ck_assert_msg(fabs(res[1]) < 0.1, "side at 2 kHz changed by %.3f dB", res[1]);
	ck_assert_msg(fabs(res[2]) < 0.05, "mid at 50 Hz changed by %.3f dB", res[2]);
}
END_TEST

/* Balance law: gain_L = 1 - max(b, 0), gain_R = 1 + min(b, 0), b = balance/100. */
START_TEST(balance_law)
{
	static const float bal[] = { 50, -50, 100, -100, 25 };
	for (size_t k = 0; k < sizeof bal / sizeof bal[0]; k++) {
		lathe_params *p = params_fresh();
		imager *im = imager_new(RATE, 512);
		set_param_path(p, "/imager/balance", bal[k]);
		fill(L, R, 0.3, 440, 0.2, 1234);
		memcpy(L0, L, sizeof L);
		memcpy(R0, R, sizeof R);
		run(im, p, L, R, N);
		double b = bal[k] / 100.0, gl = 1 - fmax(b, 0), gr = 1 + fmin(b, 0), worst = 0;
		for (int i = 1200; i < N; i++) {
			worst = fmax(worst, fabs(L[i] - gl * L0[i]));
			worst = fmax(worst, fabs(R[i] - gr * R0[i]));
		}
		ck_assert_msg(worst < 1e-6, "balance %.0f: error %.2e", bal[k], worst);
		imager_free(im);
		params_free(p);
	}
}
END_TEST

START_TEST(bypass_is_exact)
{
	lathe_params *p = params_fresh();
	imager *im = imager_new(RATE, 512);
	set_param_path(p, "/imager/width", 0);
	set_param_path(p, "/imager/mono_below", 300);
	set_param_path(p, "/imager/bypass", 1);
	fill(L, R, 0.3, 440, 0.2, 1234);
	memcpy(L0, L, sizeof L);
	memcpy(R0, R, sizeof R);
	run(im, p, L, R, N);
	/* the module starts processing (factory default): exact once the 10 ms fade is over */
	ck_assert(memcmp(L + 480, L0 + 480, (N - 480) * sizeof(float)) == 0);
	ck_assert(memcmp(R + 480, R0 + 480, (N - 480) * sizeof(float)) == 0);
	/* on, then off again */
	set_param_path(p, "/imager/bypass", 0);
	run(im, p, L, R, N);
	set_param_path(p, "/imager/bypass", 1);
	memcpy(L, L0, sizeof L);
	memcpy(R, R0, sizeof R);
	run(im, p, L, R, N);
	ck_assert(memcmp(L + 960, L0 + 960, (N - 960) * sizeof(float)) == 0);
	imager_free(im);
	params_free(p);
}
END_TEST

/* Turning mono bass on and off, and moving crossovers, while a sine plays: no step beyond the sine's own. */
START_TEST(changes_do_not_click)
{
	lathe_params *p = params_fresh();
	imager *im = imager_new(RATE, 512);
	fill(L, R, 0.3, 300, 0.3, 80);
	for (int done = 0, step = 0; done < N; done += BLOCK, step++) {
		if (step == 10)
			set_param_path(p, "/imager/mono_below", 120);
		if (step == 30)
			set_param_path(p, "/imager/mono_below", 60);
		if (step == 50)
			set_param_path(p, "/imager/2/width", 180);
		if (step == 60)
			set_param_path(p, "/imager/crossover/1", 150);
		if (step == 80)
			set_param_path(p, "/imager/mono_below", 0);
		imager_update(im, p);
		imager_process(im, L + done, R + done, (unsigned)(N - done < BLOCK ? N - done : BLOCK));
	}
	double max_step = 0, bound = 0.6 * 2 * M_PI * 300 / RATE + 0.6 * 2 * M_PI * 80 / RATE;
	for (int i = 1; i < N; i++)
		max_step = fmax(max_step, fmax(fabs(L[i] - L[i - 1]), fabs(R[i] - R[i - 1])));
	printf("imager: mono/width/crossover changes: largest sample step %.4f (bound from the input %.4f)\n", max_step, bound);
	ck_assert(max_step < bound);
	imager_free(im);
	params_free(p);
}
END_TEST

START_TEST(real_time_factor)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/imager/width", 120);
	set_param_path(p, "/imager/1/width", 80);
	set_param_path(p, "/imager/3/width", 140);
	set_param_path(p, "/imager/mono_below", 120);
	set_param_path(p, "/imager/balance", 10);
	imager *im = imager_new(RATE, 512);
	fill(L, R, 0.3, 440, 0.2, 1234);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int rep = 0; rep < 4; rep++)
		run(im, p, L, R, N);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = seconds_between(&t0, &t1);
	printf("imager: 3 band widths + mono bass + balance: real-time factor %.0fx at 48 kHz (%.1f ns/frame)\n",
	       4 * N / RATE / s, s / (4 * N) * 1e9);
	imager_free(im);
	params_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imager");
	TCase *tc = suite_add_case(s, "core", 60, NULL, NULL);
	tcase_add_test(tc, neutral_is_transparent);
	tcase_add_test(tc, width_zero_is_mono);
	tcase_add_test(tc, width_scales_side);
	tcase_add_test(tc, band_widths);
	tcase_add_test(tc, mono_bass);
	tcase_add_test(tc, balance_law);
	tcase_add_test(tc, bypass_is_exact);
	tcase_add_test(tc, changes_do_not_click);
	tcase_add_test(tc, real_time_factor);
	return run_suite(s);
}
