/* Multiband dynamics: bypass, flat sum at ratio 1, static curve (Giannoulis 2012 eq. 4),
 * attack/release time constants, solo/mute, link, mid/side, meters, band-count change. */
#include <check.h>
#include <fftw3.h> /* before complex.h: keeps fftwf_complex a float[2] */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/params.h"
#include "engine/dsp/multiband.h"
#include "engine/dsp/biquad.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

#define RATE 48000.0
#define BLOCK 256

/* All bands alike. */
static void set_all(lathe_params *p, const char *what, float v)
{
	char path[48];
	for (int b = 1; b <= MB_BANDS; b++) {
		snprintf(path, sizeof path, "/mb/%d/%s", b, what);
		set_param_path(p, path, v);
	}
}

static void run(multiband *m, const lathe_params *p, float *l, float *r, int n)
{
	for (int done = 0; done < n; done += BLOCK) {
		int k = n - done < BLOCK ? n - done : BLOCK;
		multiband_update(m, p);
		multiband_process(m, l + done, r + done, (unsigned)k);
	}
}

/* The static curve, written out from Giannoulis et al. eq. 4: output level y(x). */
static double curve(double x, double t, double ratio, double w)
{
	if (2 * (x - t) <= -w) /* with w = 0 the knee region is the single point x = t, where both sides agree */
		return x;
	if (2 * (x - t) >= w)
		return t + (x - t) / ratio;
	return x + (1 / ratio - 1) * (x - t + w / 2) * (x - t + w / 2) / (2 * w);
}

START_TEST(bypass_default_is_exact)
{
	lathe_params *p = params_fresh();
	multiband *m = multiband_new(RATE, 512);
	const int n = 9600;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	float *l0 = malloc(n * sizeof(float)), *r0 = malloc(n * sizeof(float));
	for (int i = 0; i < n; i++) {
		l0[i] = l[i] = (float)sin(i * 0.05) * 0.9f;
		r0[i] = r[i] = (float)cos(i * 0.013) * 0.7f;
	}
	ck_assert(param_get_bool(p, P_MB_BYPASS));
	set_param_path(p, "/mb/1/ratio", 10);
	run(m, p, l, r, n);
	ck_assert(memcmp(l, l0, n * sizeof(float)) == 0);
	ck_assert(memcmp(r, r0, n * sizeof(float)) == 0);
	/* on, then off again: exact once the 10 ms fade is over */
	set_param_path(p, "/mb/bypass", 0);
	run(m, p, l, r, n);
	ck_assert(memcmp(l, l0, n * sizeof(float)) != 0);
	set_param_path(p, "/mb/bypass", 1);
	memcpy(l, l0, n * sizeof(float));
	memcpy(r, r0, n * sizeof(float));
	run(m, p, l, r, n);
	ck_assert(memcmp(l + 960, l0 + 960, (n - 960) * sizeof(float)) == 0);
	ck_assert(memcmp(r + 960, r0 + 960, (n - 960) * sizeof(float)) == 0);
	float gr[MB_BANDS];
	multiband_gr_db(m, gr);
	for (int b = 0; b < MB_BANDS; b++)
		ck_assert(gr[b] == 0);
	ck_assert_uint_eq(multiband_latency(m), 0);
	free(l);
	free(r);
	free(l0);
	free(r0);
	multiband_free(m);
	params_free(p);
}
END_TEST

#define N_IR 32768

/* Ratio 1: output is the crossover sum, an all-pass: |H| = 1 within 0.05 dB. */
START_TEST(ratio_one_is_flat)
{
	float *l = calloc(N_IR, sizeof(float)), *r = calloc(N_IR, sizeof(float));
	float *in = fftwf_alloc_real(N_IR);
	fftwf_complex *out = fftwf_alloc_complex(N_IR / 2 + 1);
	fftwf_plan plan = fftwf_plan_dft_r2c_1d(N_IR, in, out, FFTW_ESTIMATE);
	double worst_all = 0;
	for (int mode = 0; mode < 2; mode++)
		for (int bands = 1; bands <= 4; bands++) {
			lathe_params *p = params_fresh();
			set_param_path(p, "/mb/bypass", 0);
			set_param_path(p, "/mb/bands", (float)bands);
			set_param_path(p, "/mb/mode", (float)mode);
			set_param_path(p, "/mb/crossover/1", 90);
			set_param_path(p, "/mb/crossover/2", 1300);
			set_param_path(p, "/mb/crossover/3", 7000);
			set_all(p, "ratio", 1);
			set_all(p, "threshold", -60);
			multiband *m = multiband_new(RATE, 512);
			float pre[4800] = { 0 }, pre2[4800] = { 0 };
			run(m, p, pre, pre2, 4800); /* let the bypass fade end */
			memset(l, 0, N_IR * sizeof(float));
			memset(r, 0, N_IR * sizeof(float));
			l[0] = 1;
			r[0] = 0.5f;
			run(m, p, l, r, N_IR);
			double worst = 0;
			for (int ch = 0; ch < 2; ch++) {
				memcpy(in, ch ? r : l, N_IR * sizeof(float));
				fftwf_execute(plan);
				double ref = ch ? 0.5 : 1.0;
				for (int k = (int)(10.0 * N_IR / RATE); k < (int)(0.49 * N_IR); k++) {
					double mag = sqrt(out[k][0] * out[k][0] + out[k][1] * out[k][1]) / ref;
					double e = fabs(20 * log10(mag));
					worst = e > worst ? e : worst;
				}
			}
			ck_assert_msg(worst < 0.05, "mode %d bands %d: %.4f dB", mode, bands, worst);
			worst_all = worst > worst_all ? worst : worst_all;
			multiband_free(m);
			params_free(p);
		}
	printf("multiband: ratio 1, 1-4 bands, stereo and mid/side: sum ripple max %.2e dB\n", worst_all);
	fftwf_destroy_plan(plan);
	fftwf_free(in);
	fftwf_free(out);
	free(l);
	free(r);
}
END_TEST

/* Steady 1 kHz sines through a single band: measured gain against eq. 4. */
static double static_curve_case(int detector, float t, float ratio, float knee, float makeup, float att, float rel, int verbose)
{
	const int n = 28800, tail = 4800; /* 0.6 s, measure the last 0.1 s (100 whole cycles) */
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
	double worst = 0;
	for (double lev = -60; lev <= 0.01; lev += 2.5) {
		lathe_params *p = params_fresh();
		set_param_path(p, "/mb/bypass", 0);
		set_param_path(p, "/mb/bands", 1);
		set_param_path(p, "/mb/detector", (float)detector);
		set_param_path(p, "/mb/1/threshold", t);
		set_param_path(p, "/mb/1/ratio", ratio);
		set_param_path(p, "/mb/1/knee", knee);
		set_param_path(p, "/mb/1/makeup", makeup);
		set_param_path(p, "/mb/1/attack", att);
		set_param_path(p, "/mb/1/release", rel);
		multiband *m = multiband_new(RATE, 512);
		float sil_l[2400] = { 0 }, sil_r[2400] = { 0 };
		run(m, p, sil_l, sil_r, 2400); /* let the parameter glides from the defaults end in silence */
		double a = pow(10, lev / 20);
		for (int i = 0; i < n; i++)
			x[i] = l[i] = r[i] = (float)(a * sin(2 * M_PI * 1000 * i / RATE + 0.3));
		run(m, p, l, r, n);
		double got = rms_db(l + n - tail, tail) - rms_db(x + n - tail, tail);
		double want = curve(lev, t, ratio, knee) - lev + makeup;
		double e = fabs(got - want);
		if (verbose && e > 0.1)
			printf("  det %d T %.0f R %.1f W %.0f: x %.1f got %.3f want %.3f\n", detector, t, ratio, knee, lev, got, want);
		worst = e > worst ? e : worst;
		float gr[MB_BANDS];
		multiband_gr_db(m, gr);
		ck_assert_msg(fabs(gr[0] - (lev - curve(lev, t, ratio, knee))) < 0.3, "meter %.3f at %.1f dB, det %d T %.0f R %.1f W %.0f", gr[0], lev, detector, t, ratio, knee);
		multiband_free(m);
		params_free(p);
	}
	free(l);
	free(r);
	free(x);
	return worst;
}

START_TEST(static_curve)
{
	static const float cases[][4] = { { -20, 4, 0, 0 }, { -30, 2, 12, 3 }, { -10, 20, 24, 0 }, { -40, 1.5f, 6, -2 }, { -24, 8, 3, 6 } };
	double worst[2] = { 0, 0 };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		/* rms detector: default times */
		double e = static_curve_case(DET_RMS, cases[c][0], cases[c][1], cases[c][2], cases[c][3], 10, 150, 1);
		ck_assert_msg(e < 0.2, "rms case %zu: worst %.3f dB", c, e);
		worst[1] = e > worst[1] ? e : worst[1];
		/* peak detector: fast attack, slow release so the per-cycle ripple is small */
		e = static_curve_case(DET_PEAK, cases[c][0], cases[c][1], cases[c][2], cases[c][3], 0.5f, 1000, 1);
		ck_assert_msg(e < 0.2, "peak case %zu: worst %.3f dB", c, e);
		worst[0] = e > worst[0] ? e : worst[0];
	}
	printf("multiband: static curve vs Giannoulis eq. 4, 5 settings x 25 levels (-60..0 dB): worst %.3f dB (rms), %.3f dB (peak)\n",
	       worst[1], worst[0]);
}
END_TEST

/* Attack/release: DC steps into one band, peak detector, so the instantaneous
 * gain reduction steps exactly.  Definition (see multiband.c): the time for the
 * gain reduction in dB to cover 1 - 1/e of its change. */
static void timing_case(float att_ms, float rel_ms, double *att_err, double *rel_err)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/bands", 1);
	set_param_path(p, "/mb/detector", DET_PEAK);
	set_param_path(p, "/mb/1/threshold", -20);
	set_param_path(p, "/mb/1/ratio", 4);
	set_param_path(p, "/mb/1/knee", 0);
	set_param_path(p, "/mb/1/attack", att_ms);
	set_param_path(p, "/mb/1/release", rel_ms);
	multiband *m = multiband_new(RATE, 512);
	const int pre = 9600, on = (int)(att_ms * 1e-3 * RATE * 12) + 4800, off = (int)(rel_ms * 1e-3 * RATE * 6) + 4800;
	const int n = pre + on + off;
	const float lo = 0.01f, hi = 0.5f; /* -40 dB (below threshold), -6.02 dB */
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	for (int i = 0; i < n; i++)
		l[i] = r[i] = (i >= pre && i < pre + on) ? hi : lo;
	run(m, p, l, r, n);
	double g_final = (20 * log10(hi) + 20) * 0.75; /* (x - T)(1 - 1/R) */
	double g_on = -20 * log10(l[pre + on - 1] / hi);
	ck_assert_msg(fabs(g_on - g_final) < 0.01, "settled gain reduction %.4f, expected %.4f", g_on, g_final);
	int ta = -1, tr = -1;
	for (int i = pre; i < pre + on; i++)
		if (-20 * log10(l[i] / hi) >= (1 - exp(-1)) * g_final) {
			ta = i - pre + 1; /* samples of smoothing applied (the first sample already moved once) */
			break;
		}
	for (int i = pre + on; i < n; i++)
		if (-20 * log10(l[i] / lo) <= exp(-1) * g_on) {
			tr = i - (pre + on) + 1;
			break;
		}
	ck_assert(ta > 0 && tr > 0);
	*att_err = (ta / RATE * 1e3 - att_ms) / att_ms;
	*rel_err = (tr / RATE * 1e3 - rel_ms) / rel_ms;
	printf("multiband: attack %.1f ms measured %.3f ms (%+.2f%%), release %.0f ms measured %.2f ms (%+.2f%%)\n", att_ms,
	       ta / RATE * 1e3, *att_err * 100, rel_ms, tr / RATE * 1e3, *rel_err * 100);
	free(l);
	free(r);
	multiband_free(m);
	params_free(p);
}

START_TEST(attack_release_times)
{
	static const float cases[][2] = { { 1, 20 }, { 10, 150 }, { 50, 500 }, { 200, 2000 }, { 0.5f, 5 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		double ea, er;
		timing_case(cases[c][0], cases[c][1], &ea, &er);
		ck_assert_msg(fabs(ea) < 0.10, "attack %.1f ms off by %.1f%%", cases[c][0], ea * 100);
		ck_assert_msg(fabs(er) < 0.10, "release %.0f ms off by %.1f%%", cases[c][1], er * 100);
	}
}
END_TEST

/* Complex response of one section at f. */
static double complex section_h(const biquad_coef *c, double f)
{
	double complex z1 = cexp(-I * 2 * M_PI * f / RATE);
	return (c->b0 + c->b1 * z1 + c->b2 * z1 * z1) / (1 + c->a1 * z1 + c->a2 * z1 * z1);
}

/* Analytic response of band `band` of an n-band LR4 tree (see crossover.h). */
static double complex band_h(int band, int n, const double *fx, double f)
{
	double complex h = 1;
	for (int s = 0; s < n - 1; s++) {
		biquad_coef c;
		if (s < band) {
			biquad_highpass(&c, fx[s], M_SQRT1_2, RATE);
			h *= section_h(&c, f) * section_h(&c, f);
		} else if (s == band) {
			biquad_lowpass(&c, fx[s], M_SQRT1_2, RATE);
			h *= section_h(&c, f) * section_h(&c, f);
		} else {
			biquad_allpass(&c, fx[s], M_SQRT1_2, RATE);
			h *= section_h(&c, f);
		}
	}
	return h;
}

/* Steady sine of level in_db at f through `bands` bands (all with the same
 * settings, equal channels): each band is reduced by the static curve at its
 * own level; the output is the complex sum of the bands. */
static double expected_gain_db(int bands, const double *fx, double f, double in_db, double t, double ratio, double w)
{
	double complex h = 0;
	for (int b = 0; b < bands; b++) {
		double complex hb = band_h(b, bands, fx, f);
		double lev = in_db + 20 * log10(cabs(hb));
		h += hb * pow(10, (curve(lev, t, ratio, w) - lev) / 20);
	}
	return 20 * log10(cabs(h));
}

/* Level (dB) of a 4800-sample-window steady sine at f through the module. */
static double sine_gain_db(multiband *m, const lathe_params *p, double f)
{
	const int n = 24000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
	for (int i = 0; i < n; i++)
		x[i] = l[i] = r[i] = (float)(0.25 * sin(2 * M_PI * f * i / RATE));
	run(m, p, l, r, n);
	double g = rms_db(l + n - 4800, 4800) - rms_db(x + n - 4800, 4800);
	free(l);
	free(r);
	free(x);
	return g;
}

START_TEST(solo_and_mute)
{
	const double fx[3] = { 120, 1000, 6000 };
	const double freqs[] = { 60, 350, 2500, 12000 };
	/* audible sets: solo 2; solo 2+3; mute 2; mute 2 + solo 2 (mute wins) + solo 4 */
	struct { int solo[4], mute[4]; } cases[] = {
		{ { 0, 1, 0, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 1, 1, 0 }, { 0, 0, 0, 0 } },
		{ { 0, 0, 0, 0 }, { 0, 1, 0, 0 } },
		{ { 0, 1, 0, 1 }, { 0, 1, 0, 0 } },
	};
	double worst = 0;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		lathe_params *p = params_fresh();
		set_param_path(p, "/mb/bypass", 0);
		set_param_path(p, "/mb/bands", 4);
		set_all(p, "ratio", 1);
		char path[32];
		for (int b = 0; b < 4; b++) {
			snprintf(path, sizeof path, "/mb/%d/solo", b + 1);
			set_param_path(p, path, (float)cases[c].solo[b]);
			snprintf(path, sizeof path, "/mb/%d/mute", b + 1);
			set_param_path(p, path, (float)cases[c].mute[b]);
		}
		multiband *m = multiband_new(RATE, 512);
		int any_solo = 0;
		for (int b = 0; b < 4; b++)
			any_solo |= cases[c].solo[b];
		for (size_t k = 0; k < sizeof freqs / sizeof freqs[0]; k++) {
			double complex h = 0;
			for (int b = 0; b < 4; b++)
				if (!cases[c].mute[b] && (!any_solo || cases[c].solo[b]))
					h += band_h(b, 4, fx, freqs[k]);
			double want = 20 * log10(cabs(h) + 1e-12), got = sine_gain_db(m, p, freqs[k]);
			if (want < -70) {
				ck_assert_msg(got < -65, "case %zu at %.0f Hz: %.2f dB, expected %.2f", c, freqs[k], got, want);
				continue;
			}
			ck_assert_msg(fabs(got - want) < 0.1, "case %zu at %.0f Hz: %.3f dB, expected %.3f", c, freqs[k], got, want);
			worst = fmax(worst, fabs(got - want));
		}
		multiband_free(m);
		params_free(p);
	}
	printf("multiband: solo/mute against the analytic band sums: worst %.4f dB\n", worst);
}
END_TEST

/* A loud sine in band 3 of 4: only band 3 reduces gain, by the static curve of its band level. */
START_TEST(per_band_meter)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/bands", 4);
	set_all(p, "threshold", -20);
	set_all(p, "ratio", 4);
	set_all(p, "knee", 0);
	multiband *m = multiband_new(RATE, 512);
	const double fx[3] = { 120, 1000, 6000 }, f = 2500;
	double in_db = 20 * log10(0.25), band_db = in_db + 20 * log10(cabs(band_h(2, 4, fx, f)));
	double want = (band_db + 20) * 0.75;
	double got_gain = sine_gain_db(m, p, f);
	float gr[MB_BANDS];
	multiband_gr_db(m, gr);
	printf("multiband: 2.5 kHz at %.2f dB in band 3: meter %.3f %.3f %.3f %.3f dB (expected band 3: %.3f), level change %.3f dB\n",
	       band_db, gr[0], gr[1], gr[2], gr[3], want, got_gain);
	ck_assert(fabs(gr[2] - want) < 0.2);
	ck_assert(gr[0] < 0.01 && gr[1] < 0.01 && gr[3] < 0.01);
	double want_gain = expected_gain_db(4, fx, f, in_db, -20, 4, 0);
	ck_assert_msg(fabs(got_gain - want_gain) < 0.1, "level change %.3f, expected %.3f", got_gain, want_gain);
	multiband_free(m);
	params_free(p);
}
END_TEST

/* Link: left loud, right quiet.  Link 0: right untouched; link 100: right gets left's reduction.
 * Mid/side: a side-only signal stays side-only and is compressed by its own level. */
START_TEST(link_and_mid_side)
{
	const int n = 24000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	for (int link = 0; link <= 100; link += 100) {
		lathe_params *p = params_fresh();
		set_param_path(p, "/mb/bypass", 0);
		set_param_path(p, "/mb/bands", 1);
		set_param_path(p, "/mb/link", (float)link);
		set_param_path(p, "/mb/1/threshold", -20);
		set_param_path(p, "/mb/1/ratio", 4);
		set_param_path(p, "/mb/1/knee", 0);
		multiband *m = multiband_new(RATE, 512);
		for (int i = 0; i < n; i++) {
			l[i] = (float)(0.5 * sin(2 * M_PI * 1000 * i / RATE));
			r[i] = (float)(0.01 * sin(2 * M_PI * 1000 * i / RATE));
		}
		run(m, p, l, r, n);
		double gl = rms_db(l + n - 4800, 4800) - (20 * log10(0.5) - 3.0103);
		double gr_ = rms_db(r + n - 4800, 4800) - (20 * log10(0.01) - 3.0103);
		double want_l = -(20 * log10(0.5) + 20) * 0.75;
		ck_assert_msg(fabs(gl - want_l) < 0.2, "link %d left %.3f want %.3f", link, gl, want_l);
		ck_assert_msg(fabs(gr_ - (link ? want_l : 0)) < 0.2, "link %d right %.3f", link, gr_);
		multiband_free(m);
		params_free(p);
	}
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/bands", 3);
	set_param_path(p, "/mb/mode", MB_MODE_MID_SIDE);
	set_param_path(p, "/mb/link", 0);
	set_all(p, "threshold", -20);
	set_all(p, "ratio", 4);
	set_all(p, "knee", 0);
	multiband *m = multiband_new(RATE, 512);
	for (int i = 0; i < n; i++) {
		l[i] = (float)(0.5 * sin(2 * M_PI * 400 * i / RATE));
		r[i] = -l[i];
	}
	run(m, p, l, r, n);
	double worst = 0;
	for (int i = 0; i < n; i++)
		worst = fmax(worst, fabs(l[i] + r[i]));
	ck_assert_msg(worst < 1e-6, "mid leaked: %.2e", worst);
	/* S = 0.5 sin at 400 Hz in bands 1-3 of 120/1000 Hz: each band compressed by the curve at its own level */
	const double fx[3] = { 120, 1000, 6000 };
	double want = expected_gain_db(3, fx, 400, 20 * log10(0.5), -20, 4, 0);
	double got = rms_db(l + n - 4800, 4800) - (20 * log10(0.5) - 3.0103);
	printf("multiband: mid/side, side-only 400 Hz: gain %.3f dB, expected %.3f dB\n", got, want);
	ck_assert_msg(fabs(got - want) < 0.1, "side gain %.3f want %.3f", got, want);
	multiband_free(m);
	params_free(p);
	free(l);
	free(r);
}
END_TEST

/* Band bypass: no compression, no makeup, output == input (one band: no filters). */
START_TEST(band_bypass)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/bands", 1);
	set_param_path(p, "/mb/1/threshold", -40);
	set_param_path(p, "/mb/1/ratio", 10);
	set_param_path(p, "/mb/1/makeup", 6);
	set_param_path(p, "/mb/1/bypass", 1);
	multiband *m = multiband_new(RATE, 512);
	const int n = 4800;
	float l[4800], r[4800], x[4800];
	for (int i = 0; i < n; i++)
		x[i] = l[i] = r[i] = (float)(0.7 * sin(i * 0.1));
	run(m, p, l, r, n);
	for (int i = 960; i < n; i++)
		ck_assert_msg(l[i] == x[i] && r[i] == x[i], "sample %d: %g vs %g", i, l[i], x[i]);
	multiband_free(m);
	params_free(p);
}
END_TEST

/* Changing the band count and the mode while a sine plays: no step in the output
 * larger than the sine's own largest step (the fade goes through the dry input). */
START_TEST(structure_changes_do_not_click)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/link", 30);
	set_all(p, "threshold", 0); /* no gain reduction: what is tested is the structure, not the dynamics */
	multiband *m = multiband_new(RATE, 512);
	const int n = 48000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	const double f = 700, a = 0.5;
	for (int i = 0; i < n; i++) {
		l[i] = (float)(a * sin(2 * M_PI * f * i / RATE));
		r[i] = (float)(0.6 * a * sin(2 * M_PI * f * i / RATE + 1));
	}
	for (int done = 0, step = 0; done < n; done += BLOCK, step++) {
		if (step == 40)
			set_param_path(p, "/mb/bands", 4);
		if (step == 80)
			set_param_path(p, "/mb/mode", MB_MODE_MID_SIDE);
		if (step == 120)
			set_param_path(p, "/mb/bands", 2);
		if (step == 150)
			set_param_path(p, "/mb/crossover/1", 3000);
		multiband_update(m, p);
		multiband_process(m, l + done, r + done, (unsigned)(n - done < BLOCK ? n - done : BLOCK));
	}
	double max_step = 0, bound = a * 2 * M_PI * f / RATE;
	for (int i = 4800; i < n; i++)
		max_step = fmax(max_step, fmax(fabs(l[i] - l[i - 1]), fabs(r[i] - r[i - 1])));
	printf("multiband: band count / mode / crossover changes: largest sample step %.4f (sine's own %.4f)\n", max_step, bound);
	/* a crossover passing the sine turns its phase, briefly raising its frequency a little */
	ck_assert(max_step < 1.10 * bound);
	free(l);
	free(r);
	multiband_free(m);
	params_free(p);
}
END_TEST

START_TEST(real_time_factor)
{
	lathe_params *p = params_fresh();
	set_param_path(p, "/mb/bypass", 0);
	set_param_path(p, "/mb/bands", 4);
	set_all(p, "threshold", -30);
	const int n = 96000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	for (int det = 0; det < 2; det++) {
		set_param_path(p, "/mb/detector", (float)det);
		multiband *m = multiband_new(RATE, 512);
		unsigned seed = 7;
		for (int i = 0; i < n; i++) {
			seed = seed * 1664525u + 1013904223u;
			l[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
			r[i] = 0.5f * l[i] + (float)(0.2 * sin(i * 0.01));
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		run(m, p, l, r, n);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s = seconds_between(&t0, &t1);
		printf("multiband: 4 bands, %s detector: real-time factor %.0fx at 48 kHz (%.1f ns/frame)\n", det ? "rms" : "peak",
		       n / RATE / s, s / n * 1e9);
		multiband_free(m);
	}
	free(l);
	free(r);
	params_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multiband");
	TCase *tc = suite_add_case(s, "core", 60, NULL, NULL);
	tcase_add_test(tc, bypass_default_is_exact);
	tcase_add_test(tc, ratio_one_is_flat);
	tcase_add_test(tc, static_curve);
	tcase_add_test(tc, attack_release_times);
	tcase_add_test(tc, solo_and_mute);
	tcase_add_test(tc, per_band_meter);
	tcase_add_test(tc, link_and_mid_side);
	tcase_add_test(tc, band_bypass);
	tcase_add_test(tc, structure_changes_do_not_click);
	tcase_add_test(tc, real_time_factor);
	return run_suite(s);
}
