/* Tests of the linear-phase EQ mode (eq_linear.c).
 *
 * The reference for the magnitude is the minimum-phase EQ itself, measured:
 * an impulse through eq_process (eq.c), transformed by FFTW here; the linear
 * FIR is measured the same way from eq_linear_process's output.  Nothing of
 * eq_linear.c's design (grid, window, partitions) is used by the test. */
#include <check.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "engine/engine.h"
#include "engine/render.h"
#include "engine/dsp/eq.h"
#include "engine/dsp/eq_linear.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

#define RATE 48000.0
#define BLOCK 256
#define NIR 131072 /* impulse responses this long: the longest FIR (32767) plus its latency, and room */

static const char *const res_names[] = { "low", "medium", "high", "max" };

/* A mastering-like curve: a gentle low cut, shelves and bells across the band. */
static void mastering_curve(lathe_params *p)
{
	set_param(p, P_EQ_TYPE + 0, EQ_LOW_CUT);
	set_param(p, P_EQ_FREQ + 0, 20);
	set_param(p, P_EQ_SLOPE + 0, 0); /* 12 dB/oct */
	set_param(p, P_EQ_TYPE + 1, EQ_LOW_SHELF);
	set_param(p, P_EQ_FREQ + 1, 90);
	set_param(p, P_EQ_GAIN + 1, 2.5f);
	set_param(p, P_EQ_GAIN + 2, -3);   /* bell 200 Hz */
	set_param(p, P_EQ_Q + 2, 1.5f);
	set_param(p, P_EQ_GAIN + 4, 1.5f); /* bell 1200 Hz */
	set_param(p, P_EQ_GAIN + 5, -2);   /* bell 3 kHz */
	set_param(p, P_EQ_Q + 5, 3);
	set_param(p, P_EQ_TYPE + 7, EQ_HIGH_SHELF);
	set_param(p, P_EQ_FREQ + 7, 10000);
	set_param(p, P_EQ_GAIN + 7, 2);
}

/* The impulse response of channel `out` to a unit impulse on channel `in` at frame 0. */
static void ir_linear_w(lathe_params *p, const float wi[2], const float wo[2], float *h, size_t n)
{
	eq *m = eq_new(RATE, BLOCK);
	eq_linear *s = eq_linear_new(p, RATE, BLOCK, eq_latency(m));
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(s);
	float l[BLOCK], r[BLOCK];
	for (size_t done = 0; done < n; done += BLOCK) {
		memset(l, 0, sizeof l);
		memset(r, 0, sizeof r);
		if (!done) {
			l[0] = wi[0];
			r[0] = wi[1];
		}
		eq_update(m, p);
		eq_linear_process(s, m, l, r, BLOCK);
		for (int i = 0; i < BLOCK; i++)
			h[done + i] = wo[0] * l[i] + wo[1] * r[i];
	}
	eq_linear_free(s);
	eq_free(m);
}

static void ir_minimum_w(lathe_params *p, const float wi[2], const float wo[2], float *h, size_t n)
{
	eq *m = eq_new(RATE, BLOCK);
	ck_assert_ptr_nonnull(m);
	float l[BLOCK], r[BLOCK];
	for (int i = 0; i < 200; i++) { /* let the parameters glide from the defaults to p */
		memset(l, 0, sizeof l);
		memset(r, 0, sizeof r);
		eq_update(m, p);
		eq_process(m, l, r, BLOCK);
	}
	for (size_t done = 0; done < n; done += BLOCK) {
		memset(l, 0, sizeof l);
		memset(r, 0, sizeof r);
		if (!done) {
			l[0] = wi[0];
			r[0] = wi[1];
		}
		eq_update(m, p);
		eq_process(m, l, r, BLOCK);
		for (int i = 0; i < BLOCK; i++)
			h[done + i] = wo[0] * l[i] + wo[1] * r[i];
	}
	eq_free(m);
}

static const float unit[2][2] = { { 1, 0 }, { 0, 1 } };
static void ir_linear(lathe_params *p, int in, int out, float *h, size_t n) { ir_linear_w(p, unit[in], unit[out], h, n); }
static void ir_minimum(lathe_params *p, int in, int out, float *h, size_t n) { ir_minimum_w(p, unit[in], unit[out], h, n); }

/* |H| in dB at bins 0..n/2 and, when ph is not NULL, the phase with a delay of d frames removed. */
static void spectrum_db(const float *h, size_t n, double *db, double *ph, double d)
{
	double *x = fftw_malloc(n * sizeof(double));
	fftw_complex *X = fftw_malloc((n / 2 + 1) * sizeof(fftw_complex));
	fftw_plan pl = fftw_plan_dft_r2c_1d((int)n, x, X, FFTW_ESTIMATE);
	for (size_t i = 0; i < n; i++)
		x[i] = h[i];
	fftw_execute(pl);
	for (size_t k = 0; k <= n / 2; k++) {
		double re = X[k][0], im = X[k][1];
		db[k] = 10 * log10(re * re + im * im + 1e-300);
		if (ph) {
			double w = 2 * M_PI * k / n * d; /* multiply by e^{+j w d} */
			double r2 = re * cos(w) - im * sin(w), i2 = re * sin(w) + im * cos(w);
			ph[k] = atan2(i2, r2);
		}
	}
	fftw_destroy_plan(pl);
	fftw_free(x);
	fftw_free(X);
}

/* The lowest frequency from which up to 20 kHz |lin - min| <= 0.1 dB, and the worst error from 30 Hz. */
static void compare(const double *lin, const double *min, size_t n, double *hold_hz, double *worst30)
{
	double df = RATE / n;
	size_t k20 = (size_t)(20000 / df), k30 = (size_t)ceil(30 / df), k = k20;
	*worst30 = 0;
	for (size_t i = k30; i <= k20; i++)
		*worst30 = fmax(*worst30, fabs(lin[i] - min[i]));
	while (k > 1 && fabs(lin[k - 1] - min[k - 1]) <= 0.1)
		k--;
	*hold_hz = k * df;
}

START_TEST(test_latency_values)
{
	const unsigned want[] = { 2559, 4607, 8703, 16895 };
	for (int r = 0; r < 4; r++) {
		ck_assert_uint_eq(eq_linear_res_latency(r), want[r]);
		ck_assert_uint_eq(eq_linear_res_latency(r), (eq_linear_taps(r) - 1) / 2 + EQL_PARTITION);
		printf("  %-6s %5u taps  latency %5u frames = %6.1f ms at 48 kHz\n", res_names[r], eq_linear_taps(r), want[r],
		       want[r] / 48.0);
	}
	/* the engine: minimum phase is today's latency; linear adds the FIR's and takes it away again */
	lathe_params *p = params_fresh();
	engine *e = engine_new(p, NULL, RATE);
	ck_assert_ptr_nonnull(e);
	uint32_t base = engine_latency(e);
	eq *m = eq_new(RATE, BLOCK);
	unsigned eql = eq_latency(m);
	eq_free(m);
	float *z = calloc(4 * 4096, sizeof(float));
	set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
	engine_process(e, z, z + 4096, NULL, NULL, z + 8192, z + 12288, NULL, NULL, 4096);
	ck_assert_uint_eq(engine_latency(e), base - eql + 8703);
	set_param(p, P_EQ_RESOLUTION, EQ_RES_LOW);
	for (int i = 0; i < 20; i++) /* leave the FIR's timeline, then change timelines: two fades */
		engine_process(e, z, z + 4096, NULL, NULL, z + 8192, z + 12288, NULL, NULL, 512);
	ck_assert_uint_eq(engine_latency(e), base - eql + 2559);
	set_param(p, P_EQ_PHASE, EQ_PHASE_MINIMUM);
	for (int i = 0; i < 20; i++)
		engine_process(e, z, z + 4096, NULL, NULL, z + 8192, z + 12288, NULL, NULL, 512);
	ck_assert_uint_eq(engine_latency(e), base);
	printf("  engine latency: minimum %u, linear high %u, low %u frames\n", base, base - eql + 8703, base - eql + 2559);
	free(z);
	engine_free(e);
	params_free(p);
}
END_TEST

/* Magnitude of the FIR against the minimum-phase EQ's, per resolution; group delay. */
START_TEST(test_magnitude_and_phase)
{
	lathe_params *p = params_fresh();
	mastering_curve(p);
	float *hm = calloc(NIR, sizeof(float)), *hl = calloc(NIR, sizeof(float));
	double *dm = calloc(NIR / 2 + 1, sizeof(double)), *dl = calloc(NIR / 2 + 1, sizeof(double));
	double *ph = calloc(NIR / 2 + 1, sizeof(double));
	ir_minimum(p, 0, 0, hm, NIR);
	spectrum_db(hm, NIR, dm, NULL, 0);
	set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
	const double hold_max[] = { 120, 80, 30, 30 }; /* the spec: 30 Hz at high and max */
	for (int r = 0; r < 4; r++) {
		set_param(p, P_EQ_RESOLUTION, r);
		ir_linear(p, 0, 0, hl, NIR);
		unsigned L = eq_linear_res_latency(r), T = eq_linear_taps(r), c = (T - 1) / 2;
		/* the FIR sits at L - c .. L + c, nothing outside */
		double outside = 0, asym = 0, peak = 0;
		for (size_t i = 0; i < NIR; i++)
			if (i + c < L || i > L + c)
				outside = fmax(outside, fabs(hl[i]));
		for (unsigned k = 0; k <= c; k++) {
			asym = fmax(asym, fabs(hl[L - k] - hl[L + k]));
			peak = fmax(peak, fabs(hl[L - k]));
		}
		spectrum_db(hl, NIR, dl, ph, L);
		double hold, worst;
		compare(dl, dm, NIR, &hold, &worst);
		/* linear phase: with the delay L removed the phase is 0 or pi; its slope
		 * (group delay minus L) from 20 Hz to 20 kHz */
		double gd = 0, df = RATE / NIR;
		for (size_t k = (size_t)(20 / df); k < (size_t)(20000 / df); k++) {
			double a = ph[k], b = ph[k + 1];
			double e = fmin(fabs(a), M_PI - fabs(a)); /* distance to 0 or pi */
			double d = remainder(b - a, M_PI);       /* phase step mod pi (a sign flip at a zero is not delay) */
			gd = fmax(gd, fabs(d) / (2 * M_PI * df / RATE));
			(void)e;
		}
		printf("  %-6s within 0.1 dB from %6.1f Hz to 20 kHz; worst 30 Hz-20 kHz %.3f dB; "
		       "asymmetry %.2g (peak %.3f), outside the taps %.2g, group delay L %u +- %.2g frames\n",
		       res_names[r], hold, worst, asym, peak, outside, L, gd);
		ck_assert_double_le(hold, hold_max[r]);
		if (r >= EQ_RES_HIGH)
			ck_assert_double_le(worst, 0.1);
		ck_assert_double_le(asym, 1e-6 * peak);
		ck_assert_double_le(outside, 1e-9);
		ck_assert_double_le(gd, 0.5);
	}
	free(hm);
	free(hl);
	free(dm);
	free(dl);
	free(ph);
	params_free(p);
}
END_TEST

/* Bands on mid, side, left and right: each path of the FIR against the
 * minimum-phase EQ's, in the band's own domain (M = (L+R)/2, S = (L-R)/2 for
 * mid and side bands, L and R for left and right), where the EQ is diagonal:
 * the paths between M and S (L and R) must be silent in both. */
START_TEST(test_channels)
{
	const int chans[] = { CH_MID, CH_SIDE, CH_LEFT, CH_RIGHT };
	const char *names[] = { "mid", "side", "left", "right" };
	/* injected (L, R) for a unit M or S, and the projections that read M and S back */
	const float ms_in[2][2] = { { 1, 1 }, { 1, -1 } }, ms_out[2][2] = { { 0.5f, 0.5f }, { 0.5f, -0.5f } };
	float *hm = calloc(NIR, sizeof(float)), *hl = calloc(NIR, sizeof(float));
	double *dm = calloc(NIR / 2 + 1, sizeof(double)), *dl = calloc(NIR / 2 + 1, sizeof(double));
	for (int ci = 0; ci < 4; ci++) {
		lathe_params *p = params_fresh();
		set_param(p, P_EQ_GAIN + 3, 6); /* bell 500 Hz */
		set_param(p, P_EQ_CHANNEL + 3, chans[ci]);
		set_param(p, P_EQ_GAIN + 6, -4); /* bell 8 kHz, stereo */
		int ms = chans[ci] == CH_MID || chans[ci] == CH_SIDE;
		for (int in = 0; in < 2; in++)
			for (int out = 0; out < 2; out++) {
				const float *wi = ms ? ms_in[in] : unit[in], *wo = ms ? ms_out[out] : unit[out];
				set_param(p, P_EQ_PHASE, EQ_PHASE_MINIMUM);
				ir_minimum_w(p, wi, wo, hm, NIR / 2);
				set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
				ir_linear_w(p, wi, wo, hl, NIR / 2);
				double em = 0, el = 0;
				for (size_t i = 0; i < NIR / 2; i++) {
					em += (double)hm[i] * hm[i];
					el += (double)hl[i] * hl[i];
				}
				if (in != out) { /* across domains: nothing, in either mode */
					printf("  band on %-5s %c->%c: energy minimum %.2g, linear %.2g\n", names[ci],
					       (ms ? "MS" : "LR")[in], (ms ? "MS" : "LR")[out], em, el);
					ck_assert_double_le(em, 1e-10);
					ck_assert_double_le(el, 1e-10);
					continue;
				}
				spectrum_db(hm, NIR / 2, dm, NULL, 0);
				spectrum_db(hl, NIR / 2, dl, NULL, 0);
				double hold, worst;
				compare(dl, dm, NIR / 2, &hold, &worst);
				printf("  band on %-5s %c->%c: within 0.1 dB from %.1f Hz, worst 30 Hz-20 kHz %.3f dB\n", names[ci],
				       (ms ? "MS" : "LR")[in], (ms ? "MS" : "LR")[out], hold, worst);
				ck_assert_double_le(worst, 0.1);
			}
		params_free(p);
	}
	free(hm);
	free(hl);
	free(dm);
	free(dl);
}
END_TEST

/* Minimum phase (the default) through eq_linear is eq.c's output, bit for bit, and its latency. */
START_TEST(test_minimum_is_bit_exact)
{
	lathe_params *p = params_fresh();
	mastering_curve(p);
	eq *a = eq_new(RATE, BLOCK), *b = eq_new(RATE, BLOCK);
	eq_linear *s = eq_linear_new(p, RATE, BLOCK, eq_latency(b));
	ck_assert_uint_eq(eq_linear_latency(s), eq_latency(b));
	xorshift32 rng = { 12345 };
	float l1[BLOCK], r1[BLOCK], l2[BLOCK], r2[BLOCK];
	for (int blk = 0; blk < 400; blk++) {
		if (blk == 200)
			set_param(p, P_EQ_GAIN + 2, 4);
		unsigned n = 1 + (unsigned)(blk * 37) % BLOCK; /* any block size */
		for (unsigned i = 0; i < n; i++) {
			l1[i] = l2[i] = 0.5f * xorshift_uniform(&rng);
			r1[i] = r2[i] = 0.5f * xorshift_uniform(&rng);
		}
		eq_update(a, p);
		eq_process(a, l1, r1, n);
		eq_update(b, p);
		eq_linear_process(s, b, l2, r2, n);
		ck_assert_mem_eq(l1, l2, n * sizeof(float));
		ck_assert_mem_eq(r1, r2, n * sizeof(float));
	}
	ck_assert_uint_eq(eq_linear_latency(s), eq_latency(b));
	eq_linear_free(s);
	eq_free(a);
	eq_free(b);
	params_free(p);
}
END_TEST

/* Largest |second difference| of x[a..b): a click shows up here, a smooth level change does not. */
static double max_d2(const float *x, size_t a, size_t b)
{
	double m = 0;
	size_t at = 0;
	for (size_t i = a + 1; i + 1 < b; i++) {
		double d = fabs((double)x[i + 1] - 2.0 * x[i] + x[i - 1]);
		if (d > m) {
			m = d;
			at = i;
		}
	}
	printf("  largest second difference at frame %zu\n", at);
	return m;
}

/* Moving a band in linear mode, and switching modes, never clicks: a 150 Hz
 * sine's second difference never exceeds what a clean sine of the loudest
 * level reached would have (A w^2), plus 10 %.  After each change the level
 * is the new setting's. */
START_TEST(test_moving_band_no_click)
{
	lathe_params *p = params_fresh();
	set_param(p, P_EQ_FREQ + 2, 150);
	set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
	set_param(p, P_EQ_RESOLUTION, EQ_RES_LOW);
	eq *m = eq_new(RATE, BLOCK);
	eq_linear *s = eq_linear_new(p, RATE, BLOCK, eq_latency(m));
	const double f = 150, w = 2 * M_PI * f / RATE;
	enum { nseg = 8 };
	const size_t seg = 24064, N = seg * nseg;
	float *out = calloc(N, sizeof(float)), *outr = calloc(N, sizeof(float));
	const float gains[nseg] = { 0, 6, -6, 3, 3, -9, -9, 0 };
	const int phases[nseg] = { 1, 1, 1, 1, 0, 0, 1, 1 }; /* a switch to minimum and back to linear */
	float l[BLOCK], r[BLOCK];
	size_t t = 0;
	double amax = 0;
	for (size_t sg = 0; sg < nseg; sg++) {
		set_param(p, P_EQ_GAIN + 2, gains[sg]);
		set_param(p, P_EQ_PHASE, phases[sg]);
		ck_assert_int_eq(eq_linear_wait(s, 5000), 0);
		amax = fmax(amax, 0.25 * pow(10, gains[sg] / 20));
		for (size_t done = 0; done < seg; done += BLOCK, t += BLOCK) {
			for (int i = 0; i < BLOCK; i++)
				l[i] = r[i] = (float)(0.25 * sin(w * (double)(t + i)));
			eq_update(m, p);
			eq_linear_process(s, m, l, r, BLOCK);
			memcpy(out + t, l, sizeof l);
			memcpy(outr + t, r, sizeof r);
		}
		/* settled on the new level by the segment's end (fades and priming are < 0.2 s) */
		double a = tone_amp(out + t - 4800, 4800, f, RATE);
		double want = 0.25 * pow(10, gains[sg] / 20);
		printf("  segment %zu (%s, %+5.1f dB): level %.4f, want %.4f (%+.3f dB)\n", sg, phases[sg] ? "linear" : "minimum",
		       gains[sg], a, want, 20 * log10(a / want));
		ck_assert_double_le(fabs(20 * log10(a / want)), 0.1); /* low resolution holds 0.1 dB from 46 Hz */
	}
	for (size_t sg = 1; sg < nseg; sg++)
		printf("  segment %zu: max |second difference| %.3g\n", sg, max_d2(out, sg * seg, (sg + 1) * seg));
	double d2 = max_d2(out, seg, N), /* the first segment holds the sine's own onset */ clean = amax * (2 - 2 * cos(w));
	printf("  max |second difference| %.3g, a clean sine at the loudest level %.3g (ratio %.3f)\n", d2, clean,
	       d2 / clean);
	ck_assert_double_le(d2, 1.1 * clean);
	ck_assert_mem_eq(out, outr, N * sizeof(float));
	eq_linear_free(s);
	eq_free(m);
	free(out);
	free(outr);
	params_free(p);
}
END_TEST

/* /bypass on (the output is the input delayed by the chain's latency): a
 * change of /eq/phase moves that delay too, crossfaded, without a click. */
START_TEST(test_bypass_follows_latency_without_click)
{
	lathe_params *p = params_fresh();
	set_param(p, P_BYPASS, 1);
	engine *e = engine_new(p, NULL, RATE);
	ck_assert_ptr_nonnull(e);
	const double f = 150, w = 2 * M_PI * f / RATE, amp = 0.25;
	const size_t N = 48000 * 3;
	float *in = malloc(N * sizeof(float)), *ol = malloc(N * sizeof(float)), *orr = malloc(N * sizeof(float));
	for (size_t i = 0; i < N; i++)
		in[i] = (float)(amp * sin(w * (double)i));
	uint32_t lat[3] = { 0, 0, 0 };
	const size_t blk = 240; /* divides the second */
	for (size_t done = 0; done < N; done += blk) {
		if (done == 48000)
			set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
		if (done == 96000)
			set_param(p, P_EQ_PHASE, EQ_PHASE_MINIMUM);
		engine_process(e, in + done, in + done, NULL, NULL, ol + done, orr + done, NULL, NULL, blk);
		if ((done + blk) % 48000 == 0)
			lat[(done + blk) / 48000 - 1] = engine_latency(e);
	}
	/* from 0.5 s: the sine's own onset has passed through the longest delay */
	double d2 = max_d2(ol, 24000, N), clean = amp * (2 - 2 * cos(w));
	printf("  /bypass on, latency %u -> %u -> %u frames: max |second difference| %.3g, clean sine %.3g (ratio %.3f)\n",
	       lat[0], lat[1], lat[2], d2, clean, d2 / clean);
	ck_assert_uint_ne(lat[0], lat[1]);
	ck_assert_uint_eq(lat[0], lat[2]);
	/* a 20 ms linear crossfade between two phases of the sine adds up to
	 * 2 g' |b' - a'| <= 2 (1/960) (2 A w) = 0.21 of a clean sine's; the jump
	 * it replaces would be up to 2 A, some 5000 times a clean sine's */
	ck_assert_double_le(d2, 1.3 * clean);
	/* and once settled it is the input delayed by the latency, exactly */
	for (size_t i = N - 4800; i < N; i++)
		ck_assert_float_eq(ol[i], in[i - lat[2]]);
	free(in);
	free(ol);
	free(orr);
	engine_free(e);
	params_free(p);
}
END_TEST

/* render in linear mode: the output is aligned with the input, sample for sample. */
START_TEST(test_render_aligned)
{
	lathe_params *p = params_fresh();
	set_param(p, P_EQ_PHASE, EQ_PHASE_LINEAR);
	set_param(p, P_EQ_GAIN + 3, 3);
	const size_t n = 48000, at = 12345;
	float *in = calloc(2 * n, sizeof(float)), *out = calloc(2 * n, sizeof(float));
	in[2 * at] = in[2 * at + 1] = 0.25f;
	ck_assert_int_eq(render_buffer(p, 48000, in, out, n, NULL), 0);
	size_t best = 0;
	for (size_t i = 0; i < n; i++)
		if (fabsf(out[2 * i]) > fabsf(out[2 * best]))
			best = i;
	printf("  impulse in at %zu, out peak at %zu (%.4f): offset %ld frames\n", at, best, out[2 * best],
	       (long)best - (long)at);
	ck_assert_uint_eq(best, at);
	/* and symmetric about it */
	for (size_t k = 1; k < 4000; k++)
		ck_assert_float_eq_tol(out[2 * (at - k)], out[2 * (at + k)], 1e-6f);
	free(in);
	free(out);
	params_free(p);
}
END_TEST

/* lathe album builds an engine per track on every core at once; each engine plans
 * FFTs (the linear-phase EQ in float and double), and FFTW's planner is not
 * thread-safe by itself: two plans made at once corrupted the heap (lathe album
 * aborted with "double free" in 3 of 5 runs of two tracks). */
static void *build_engines(void *arg)
{
	lathe_params *p = arg;
	for (int i = 0; i < 12; i++) {
		engine *e = engine_new(p, NULL, 48000);
		if (!e)
			return (void *)1;
		engine_free(e);
	}
	return NULL;
}

START_TEST(test_engines_built_in_parallel)
{
	enum { N = 4 };
	lathe_params *p[N];
	pthread_t th[N];
	for (int k = 0; k < N; k++) {
		p[k] = params_fresh();
		set_param(p[k], P_EQ_PHASE, EQ_PHASE_LINEAR);
		ck_assert_int_eq(pthread_create(&th[k], NULL, build_engines, p[k]), 0);
	}
	int failed = 0;
	for (int k = 0; k < N; k++) {
		void *r;
		pthread_join(th[k], &r);
		failed += r != NULL;
		params_free(p[k]);
	}
	ck_assert_int_eq(failed, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eq_linear");
	TCase *tc = suite_add_case(s, "eq_linear", 300, NULL, NULL);
	tcase_add_test(tc, test_latency_values);
	tcase_add_test(tc, test_minimum_is_bit_exact);
	tcase_add_test(tc, test_magnitude_and_phase);
	tcase_add_test(tc, test_channels);
	tcase_add_test(tc, test_moving_band_no_click);
	tcase_add_test(tc, test_render_aligned);
	tcase_add_test(tc, test_bypass_follows_latency_without_click);
	tcase_add_test(tc, test_engines_built_in_parallel);
	return run_suite(s);
}
