/* Tests of TPDF dither and noise shaping against the analytic expectations. */
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "engine/dsp/dither.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

#define BLOCK 512

static lathe_params *dither_params(int bits_enum, int shape)
{
	params_init();
	lathe_params *p = params_new();
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(param_set(p, P_DITHER_BYPASS, 0, NULL), PARAM_OK);
	ck_assert_int_eq(param_set(p, P_DITHER_BITS, (float)bits_enum, NULL), PARAM_OK);
	ck_assert_int_eq(param_set(p, P_DITHER_SHAPE, (float)shape, NULL), PARAM_OK);
	return p;
}

/* Run both channels through a dither in blocks (update once per block, like the engine). */
static void run(dither *d, const lathe_params *p, float *l, float *r, size_t n)
{
	for (size_t i = 0; i < n; i += BLOCK) {
		unsigned k = (unsigned)(n - i < BLOCK ? n - i : BLOCK);
		dither_update(d, p);
		dither_process(d, l + i, r + i, k);
	}
}

/* Single DFT coefficient at f (need not be a bin), rotating phasor in double. */
static double complex dft_at(const float *x, size_t n, double f, double rate)
{
	double complex acc = 0, ph = 1, rot = cexp(-I * 2 * M_PI * f / rate);
	for (size_t i = 0; i < n; i++) {
		acc += x[i] * ph;
		ph *= rot;
		if ((i & 1023) == 1023)
			ph /= cabs(ph); /* keep the phasor on the unit circle */
	}
	return acc;
}

/* Sine amplitude at f: 2 |X(f)| / n (f an integer number of cycles in n). */
static double amplitude_at(const float *x, size_t n, double f, double rate) { return 2 * cabs(dft_at(x, n, f, rate)) / (double)n; }

/* Power at f averaged over `seg` one-second segments (a Welch estimate without
 * window: f in integer Hz is an exact bin of a one-second segment). */
static double seg_power(const float *x, int seg, double f, double rate)
{
	size_t len = (size_t)rate;
	double s = 0;
	for (int k = 0; k < seg; k++) {
		double complex c = dft_at(x + (size_t)k * len, len, f, rate);
		s += creal(c) * creal(c) + cimag(c) * cimag(c);
	}
	return s / seg;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of the segment-averaged power over 101 integer frequencies between
 * 5 and 15 kHz that are not harmonics of 997 Hz. */
static double median_noise_power(const float *x, int seg, double rate)
{
	double v[101];
	for (int i = 0; i < 101; i++) {
		double f = 5003 + 97 * i;
		v[i] = seg_power(x, seg, f, rate);
	}
	qsort(v, 101, sizeof v[0], cmp_double);
	return v[50];
}

static double db(double x) { return 10 * log10(x); }

/* Mean square of y - x over n samples: the power of what the dither added. */
static double error_power(const float *y, const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double e = (double)y[i] - (double)x[i];
		s += e * e;
	}
	return s / (double)n;
}

#define RATE 44100.0
#define SECONDS 10
#define TONE_F 997.0

/* -100 dBFS (peak) 997 Hz is 0.33 LSB at 16 bits: below the quantiser's step. */
START_TEST(test_tone_survives_tpdf)
{
	size_t n = (size_t)RATE * SECONDS;
	double amp = pow(10, -100 / 20.0);
	float *l = sine_alloc(n, amp, TONE_F, RATE), *r = sine_alloc(n, amp, TONE_F, RATE);
	lathe_params *p = dither_params(DITHER_16, SHAPE_NONE);
	dither *d = dither_new(RATE, BLOCK);
	run(d, p, l, r, n);
	double a = amplitude_at(l, n, TONE_F, RATE);
	double err = 20 * log10(a / amp);
	/* noise: total error power q^2/4 -> each DFT quadrature has std sigma sqrt(2/n):
	 * sigma = 2^-15 / 2, n = 441000: 1.6e-7 against 1e-5, i.e. 0.14 dB; 0.5 dB is 3.5 sigma */
	printf("dither: -100 dBFS 997 Hz through 16-bit TPDF: measured %.3f dBFS, error %+.3f dB\n", 20 * log10(a), err);
	ck_assert_msg(fabs(err) <= 0.5, "tone came out at %.3f dB from its level", err);

	/* no harmonics: 2f and 3f not above the median noise bin by more than 6 dB.
	 * Averaging 10 one-second segments makes each bin a chi-square with 20 degrees
	 * of freedom (std 1.4 dB); a noise bin exceeds the median (~0.97 mean) by 6 dB
	 * with probability < 1e-6, while a real harmonic of an undithered quantiser
	 * stands 20-40 dB out (shown below). */
	double noise = median_noise_power(l, SECONDS, RATE);
	for (int h = 2; h <= 3; h++) {
		double ph = seg_power(l, SECONDS, h * TONE_F, RATE);
		printf("dither: harmonic %d at %+.2f dB relative to the median noise bin\n", h, db(ph / noise));
		ck_assert_msg(db(ph / noise) <= 6, "harmonic %d stands %.1f dB above the noise", h, db(ph / noise));
	}
	free(l);
	free(r);
	dither_free(d);
	params_free(p);
}
END_TEST

/* Without dither the same tone rounds to silence, and a slightly louder one
 * (1.5 LSB) to a distorted square-ish wave with strong odd harmonics. */
START_TEST(test_undithered_quantiser_erases_and_distorts)
{
	size_t n = (size_t)RATE * SECONDS;
	double q = ldexp(1, -15);
	float *x = sine_alloc(n, pow(10, -100 / 20.0), TONE_F, RATE);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(q * nearbyint(x[i] / q));
	double a = amplitude_at(x, n, TONE_F, RATE);
	printf("dither: -100 dBFS 997 Hz rounded to 16 bits without dither: amplitude %g (erased)\n", a);
	ck_assert(a == 0);
	free(x);

	x = sine_alloc(n, 1.5 * q, TONE_F, RATE);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(q * nearbyint(x[i] / q));
	double noise = median_noise_power(x, SECONDS, RATE);
	double h3 = seg_power(x, SECONDS, 3 * TONE_F, RATE);
	printf("dither: undithered 1.5 LSB tone: 3rd harmonic %+.1f dB above the median bin\n", db(h3 / noise));
	ck_assert(db(h3 / noise) > 20);
	free(x);
}
END_TEST

/* Total error power of TPDF dither: rounding q^2/12 + dither (2 uniform of
 * variance q^2/12 each) = q^2/4, independent of the signal. */
START_TEST(test_tpdf_noise_power)
{
	static const int bits_enum[] = { DITHER_16, DITHER_20, DITHER_24 };
	static const int bits[] = { 16, 20, 24 };
	size_t n = (size_t)RATE * 4;
	for (int b = 0; b < 3; b++) {
		float *l = sine_alloc(n, 0.1, 1001, RATE), *r = sine_alloc(n, 0.3, 313, RATE);
		float *l0 = sine_alloc(n, 0.1, 1001, RATE);
		lathe_params *p = dither_params(bits_enum[b], SHAPE_NONE);
		dither *d = dither_new(RATE, BLOCK);
		run(d, p, l, r, n);
		double q = ldexp(1, -(bits[b] - 1));
		double measured = db(error_power(l, l0, n)), expect = db(q * q / 4);
		printf("dither: %d-bit TPDF error power %.3f dBFS (analytic q^2/4 = %.3f dBFS; rounding alone q^2/12 = %.3f)\n",
		       bits[b], measured, expect, db(q * q / 12));
		/* 176400 samples: the estimate's relative std is ~0.3 %, i.e. 0.01 dB */
		ck_assert_msg(fabs(measured - expect) <= 0.1, "%d bits: %.3f vs %.3f dB", bits[b], measured, expect);
		free(l);
		free(r);
		free(l0);
		dither_free(d);
		params_free(p);
	}
}
END_TEST

/* Every output sample is k * 2^-(bits-1), k an integer in the word's range. */
START_TEST(test_output_on_the_grid)
{
	static const int bits_enum[] = { DITHER_16, DITHER_20, DITHER_24 };
	static const int bits[] = { 16, 20, 24 };
	size_t n = 48000;
	for (int b = 0; b < 3; b++)
		for (int sh = SHAPE_NONE; sh <= SHAPE_F_WEIGHTED; sh++) {
			float *l = sine_alloc(n, 1.2, 441, 48000), *r = sine_alloc(n, 0.01, 5000, 48000); /* l clips */
			lathe_params *p = dither_params(bits_enum[b], sh);
			dither *d = dither_new(48000, BLOCK);
			run(d, p, l, r, n);
			double scale = ldexp(1, bits[b] - 1);
			for (size_t i = 0; i < n; i++)
				for (int c = 0; c < 2; c++) {
					double k = (double)(c ? r[i] : l[i]) * scale;
					ck_assert_msg(k == floor(k), "%d bits shape %d: sample %zu = %.9g is off the grid", bits[b], sh, i, k);
					ck_assert(k >= -scale && k <= scale - 1);
				}
			free(l);
			free(r);
			dither_free(d);
			params_free(p);
		}
}
END_TEST

START_TEST(test_bypass_exact)
{
	params_init();
	lathe_params *p = params_new(); /* default: dither bypassed */
	ck_assert(param_get_bool(p, P_DITHER_BYPASS));
	size_t n = 10000;
	float *l = sine_alloc(n, 0.5, 123.4, 48000), *r = sine_alloc(n, 0.25, 321, 48000);
	float *l0 = sine_alloc(n, 0.5, 123.4, 48000), *r0 = sine_alloc(n, 0.25, 321, 48000);
	dither *d = dither_new(48000, BLOCK);
	ck_assert_uint_eq(dither_latency(d), 0);
	run(d, p, l, r, n);
	ck_assert(memcmp(l, l0, n * sizeof *l) == 0 && memcmp(r, r0, n * sizeof *r) == 0);
	free(l);
	free(r);
	free(l0);
	free(r0);
	dither_free(d);
	params_free(p);
}
END_TEST

/* |1 - sum h_k e^{-jwk}|^2: the noise transfer of the error feedback. */
static double ntf_power(const double *h, int taps, double f, double rate)
{
	double complex z = 1;
	for (int k = 0; k < taps; k++)
		z -= h[k] * cexp(-I * 2 * M_PI * f * (k + 1) / rate);
	return creal(z) * creal(z) + cimag(z) * cimag(z);
}

/* Shaped error power is (q^2/4) * sum of the squared NTF taps (the error
 * sequence stays white, q^2/4), and its spectrum follows |NTF|^2. */
START_TEST(test_noise_shaping)
{
	static const double lip[] = { 2.033, -2.165, 1.959, -1.590, 0.6149 };
	static const double fwe[] = { 2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847 };
	const double *hs[] = { lip, fwe };
	int taps[] = { 5, 9 };
	size_t n = (size_t)RATE * SECONDS;
	double q = ldexp(1, -15);
	for (int s = 0; s < 2; s++) {
		float *l = sine_alloc(n, 0.1, 1001, RATE), *r = sine_alloc(n, 0.1, 1001, RATE), *l0 = sine_alloc(n, 0.1, 1001, RATE);
		lathe_params *p = dither_params(DITHER_16, s ? SHAPE_F_WEIGHTED : SHAPE_LIPSHITZ);
		dither *d = dither_new(RATE, BLOCK);
		run(d, p, l, r, n);
		double sum2 = 1, pw = 0;
		for (int k = 0; k < taps[s]; k++)
			sum2 += hs[s][k] * hs[s][k];
		float *e = malloc(n * sizeof *e);
		for (size_t i = 0; i < n; i++) {
			double v = (double)l[i] - (double)l0[i];
			e[i] = (float)(v / q); /* in LSB */
			pw += v * v;
		}
		double measured = db(pw / (double)n), expect = db(q * q / 4 * sum2);
		printf("dither: %s error power %.3f dBFS (analytic %.3f dBFS)\n", s ? "f_weighted" : "lipshitz", measured, expect);
		ck_assert_msg(fabs(measured - expect) <= 0.2, "shaped power %.3f vs %.3f", measured, expect);
		/* spectrum: segment-averaged power at a few frequencies versus the white
		 * q^2/4 (in LSB: 1/4 per sample, so n/4 per one-second bin) times |NTF|^2;
		 * 10 segments x 21 neighbouring bins = 420 degrees of freedom: std 0.2 dB,
		 * so 1 dB is a 5-sigma bound */
		static const double fc[] = { 300, 3500, 12000, 19000 };
		for (int k = 0; k < 4; k++) {
			double acc = 0, want = 0;
			for (int j = -10; j <= 10; j++) {
				acc += seg_power(e, SECONDS, fc[k] + j, RATE);
				want += RATE / 4 * ntf_power(hs[s], taps[s], fc[k] + j, RATE);
			}
			printf("dither: %s noise at %5.0f Hz %+.2f dB re TPDF (analytic %+.2f dB)\n", s ? "f_weighted" : "lipshitz",
			       fc[k], db(acc / (21 * RATE / 4)), db(want / (21 * RATE / 4)));
			ck_assert_msg(fabs(db(acc / want)) <= 1, "%s at %g Hz: %.2f dB off |NTF|^2", s ? "f_weighted" : "lipshitz", fc[k],
			              db(acc / want));
		}
		free(e);
		free(l);
		free(r);
		free(l0);
		dither_free(d);
		params_free(p);
	}
}
END_TEST

/* At 96 kHz the shaping curves do not fit: plain TPDF, error power q^2/4. */
START_TEST(test_shaping_falls_back_at_other_rates)
{
	double rate = 96000;
	size_t n = (size_t)rate * 2;
	float *l = sine_alloc(n, 0.1, 1001, rate), *r = sine_alloc(n, 0.1, 1001, rate), *l0 = sine_alloc(n, 0.1, 1001, rate);
	lathe_params *p = dither_params(DITHER_16, SHAPE_F_WEIGHTED);
	dither *d = dither_new(rate, BLOCK);
	run(d, p, l, r, n);
	double q = ldexp(1, -15), pe = error_power(l, l0, n);
	printf("dither: 96 kHz f_weighted -> TPDF: error power %.3f dBFS (q^2/4 = %.3f)\n", db(pe), db(q * q / 4));
	ck_assert(fabs(db(pe) - db(q * q / 4)) <= 0.1);
	free(l);
	free(r);
	free(l0);
	dither_free(d);
	params_free(p);
}
END_TEST

Suite *dither_suite(void)
{
	Suite *s = suite_create("dither");
	TCase *tc = suite_add_case(s, "dither", 60, NULL, NULL);
	tcase_add_test(tc, test_tone_survives_tpdf);
	tcase_add_test(tc, test_undithered_quantiser_erases_and_distorts);
	tcase_add_test(tc, test_tpdf_noise_power);
	tcase_add_test(tc, test_output_on_the_grid);
	tcase_add_test(tc, test_bypass_exact);
	tcase_add_test(tc, test_noise_shaping);
	tcase_add_test(tc, test_shaping_falls_back_at_other_rates);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* Check forks: unflushed lines of a failing test would be lost */
	return run_suite(dither_suite());
}
