/* Tests of the EQ's dynamic bands (/eq/N/dynamic, threshold, range, ratio,
 * attack, release), measured on the processed signal only:
 *   - the static curve (band gain against the level of a tone at the band's
 *     frequency) within 0.2 dB of its formula, across the knee, cut and boost;
 *   - attack and release time constants within 10 %;
 *   - a steady tone in the middle of the range: no modulation products above
 *     -100 dBc (no zipper);
 *   - the band never moves past its range;
 *   - the console's live gain (eq_live_gain_db) agrees with the measured gain.
 * The references are written here, independently of eq_dynamic.c: the soft
 * knee of Giannoulis, Massberg and Reiss (JAES 2012, eq. 4), amplitudes by a
 * DFT over whole periods, spectra by FFTW with a 7-term Blackman-Harris window. */
#include <check.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "engine/dsp/eq.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

#ifndef RATE
#define RATE 48000.0
#endif
#define BLOCK 64
#define F0 1000.0     /* the band's frequency: 48 samples per period at 48 kHz */
#define KNEE_DB 6.0   /* the knee width the EQ documents (eq_dynamic.h) */

/* The expected offset of the band's gain for a tone of level x dB (peak):
 * the compressor's static curve y(x) with a soft knee of width W, and the
 * gain moves by x - y(x), signed by the range and never past it. */
static double expected_offset(double x, double t, double ratio, double range)
{
	double y;
	if (2 * (x - t) < -KNEE_DB)
		y = x;
	else if (2 * (x - t) > KNEE_DB)
		y = t + (x - t) / ratio;
	else
		y = x + (1 / ratio - 1) * (x - t + KNEE_DB / 2) * (x - t + KNEE_DB / 2) / (2 * KNEE_DB);
	double m = x - y;
	if (m > fabs(range))
		m = fabs(range);
	return range < 0 ? -m : m;
}

/* Amplitude of the F0 component of x[0..n), n a whole number of periods:
 * rectangular DFT, exact for a steady sine. */
static double amp_at(const float *x, int n, double f)
{
	double re = 0, im = 0;
	for (int i = 0; i < n; i++) {
		re += x[i] * cos(2 * M_PI * f * i / RATE);
		im += x[i] * sin(2 * M_PI * f * i / RATE);
	}
	return 2 * sqrt(re * re + im * im) / n;
}

typedef struct {
	lathe_params *p;
	eq *e;
	double phase; /* of the test tone, in samples */
} rig;

static void rig_open(rig *g, int band, float static_gain, float thr, float ratio, float range, float att, float rel)
{
	params_init();
	g->p = params_fresh();
	set_param(g->p, P_EQ_TYPE + band, EQ_BELL);
	set_param(g->p, P_EQ_FREQ + band, (float)F0);
	set_param(g->p, P_EQ_Q + band, 1.0f);
	set_param(g->p, P_EQ_GAIN + band, static_gain);
	set_param(g->p, P_EQ_DYNAMIC + band, 1);
	set_param(g->p, P_EQ_THRESHOLD + band, thr);
	set_param(g->p, P_EQ_RATIO + band, ratio);
	set_param(g->p, P_EQ_RANGE + band, range);
	set_param(g->p, P_EQ_ATTACK + band, att);
	set_param(g->p, P_EQ_RELEASE + band, rel);
	g->e = eq_new(RATE, BLOCK);
	ck_assert(g->e);
	g->phase = 0;
}

static void rig_close(rig *g)
{
	eq_free(g->e);
	params_free(g->p);
}

/* n samples (a multiple of BLOCK) of a sine of amplitude amp at F0 on both
 * channels through the EQ; the left output into out (may be NULL). */
static void rig_run(rig *g, double amp, float *out, int n)
{
	float l[BLOCK], r[BLOCK];
	for (int i = 0; i < n; i += BLOCK) {
		for (int k = 0; k < BLOCK; k++) {
			l[k] = r[k] = (float)(amp * sin(2 * M_PI * F0 * (g->phase + k) / RATE));
		}
		g->phase += BLOCK;
		if (g->phase >= RATE)
			g->phase -= RATE; /* F0 / RATE periods per sample: whole periods per second */
		eq_update(g->e, g->p);
		eq_process(g->e, l, r, BLOCK);
		if (out)
			memcpy(out + i, l, sizeof l);
	}
}

/* Static curve: the band's measured gain at F0 for tone levels across the
 * threshold and knee, against expected_offset. */
static double static_curve_worst(float static_gain, float thr, float ratio, float range)
{
	double worst = 0;
	int n = 4800; /* 100 ms: the measurement, after 300 ms of settling */
	float *out = malloc(sizeof(float) * (size_t)n);
	for (double lvl = thr - 12; lvl <= thr + 30; lvl += 1.0) {
		rig g;
		rig_open(&g, 2, static_gain, thr, ratio, range, 2, 20);
		double amp = pow(10, lvl / 20);
		rig_run(&g, amp, NULL, 14400);
		rig_run(&g, amp, out, n);
		double got = 20 * log10(amp_at(out, n, F0) / amp);
		double want = static_gain + expected_offset(lvl, thr, ratio, range);
		double err = fabs(got - want);
		worst = err > worst ? err : worst;
		ck_assert_msg(err < 0.2, "level %.1f dB: gain %.4f dB, the curve says %.4f", lvl, got, want);
		float live[EQ_BANDS];
		eq_live_gain_db(g.e, live);
		ck_assert_msg(fabs(live[2] - got) < 0.05, "live gain %.3f dB, measured %.3f dB", live[2], got);
		rig_close(&g);
	}
	free(out);
	return worst;
}

START_TEST(test_static_curve)
{
	double cut = static_curve_worst(0, -30, 4, -12);
	double boost = static_curve_worst(-3, -30, 3, 9);
	printf("eq dynamic: static curve (threshold -30 dB, knee 6 dB, levels -42..0 dB): worst error %.4f dB (cut, "
	       "ratio 4, range -12), %.4f dB (boost, ratio 3, range +9, static -3)\n", cut, boost);
}
END_TEST

/* Gain trajectory after a level step, in dB, every 96 samples (two periods). */
#define WIN 96
static void gain_track(float static_gain, float range, double from_db, double to_db, float att, float rel,
                       double *tau_ms)
{
	rig g;
	rig_open(&g, 4, static_gain, -40, 2, range, att, rel);
	double a0 = pow(10, from_db / 20), a1 = pow(10, to_db / 20);
	rig_run(&g, a0, NULL, 48000); /* settle at the first level */
	int n = 48000 * 2;
	float *out = malloc(sizeof(float) * (size_t)n);
	rig_run(&g, a1, out, n);
	int nw = n / WIN;
	double *gdb = malloc(sizeof(double) * (size_t)nw);
	for (int w = 0; w < nw; w++)
		gdb[w] = 20 * log10(amp_at(out + w * WIN, WIN, F0) / a1);
	/* from and to: the offsets the curve gives at both levels (both above the knee,
	 * inside the range: the gain is linear in the envelope, which is exponential) */
	double g0 = static_gain + expected_offset(from_db, -40, 2, range);
	double g1 = static_gain + expected_offset(to_db, -40, 2, range);
	/* the first two windows (192 samples) still hold the old level, the EQ's
	 * latency (73 frames) back; from then on the new level through the gain */
	double t10 = -1, t90 = -1, fprev = 0;
	for (int w = 2; w < nw; w++) {
		double frac = (gdb[w] - g0) / (g1 - g0);
		double t = (w + 0.5) * WIN / RATE; /* window centre */
		/* the crossing, linearly interpolated between window centres (2 ms apart) */
		if (t10 < 0 && frac >= 0.1 && w > 2)
			t10 = t - (frac - 0.1) / (frac - fprev) * WIN / RATE;
		if (t90 < 0 && frac >= 0.9 && w > 2)
			t90 = t - (frac - 0.9) / (frac - fprev) * WIN / RATE;
		fprev = frac;
	}
	ck_assert_msg(t10 >= 0 && t90 > t10, "no step found (%.3f .. %.3f dB)", g0, g1);
	*tau_ms = 1000 * (t90 - t10) / log(9.0);
	ck_assert_msg(fabs(gdb[nw - 1] - g1) < 0.05, "settled at %.3f dB, expected %.3f", gdb[nw - 1], g1);
	free(gdb);
	free(out);
	rig_close(&g);
}

START_TEST(test_attack_release)
{
	/* threshold -40, ratio 2: -20 dB gives an offset of 10 dB, -10 dB gives 15 dB */
	const float att = 20, rel = 200;
	double ta, tr, tab, trb;
	gain_track(0, -18, -20, -10, att, rel, &ta);
	gain_track(0, -18, -10, -20, att, rel, &tr);
	gain_track(-6, 18, -20, -10, att, rel, &tab);
	gain_track(-6, 18, -10, -20, att, rel, &trb);
	double ea = 100 * (ta / att - 1), er = 100 * (tr / rel - 1), eab = 100 * (tab / att - 1), erb = 100 * (trb / rel - 1);
	printf("eq dynamic: time constants from the 10-90 %% gain rise (attack %.0f ms, release %.0f ms): cut %.2f / %.2f ms "
	       "(%+.1f / %+.1f %%), boost %.2f / %.2f ms (%+.1f / %+.1f %%)\n",
	       att, rel, ta, tr, ea, er, tab, trb, eab, erb);
	ck_assert_msg(fabs(ea) < 10 && fabs(er) < 10 && fabs(eab) < 10 && fabs(erb) < 10, "time constants off by more than 10 %%");
}
END_TEST

/* 7-term Blackman-Harris window: side lobes below -180 dB, main lobe +-7 bins. */
static double bh7(int i, int n)
{
	static const double a[7] = { 0.27105140069342, 0.43329793923448, 0.21812299954311, 0.06592544638803,
	                             0.01081174209837, 0.00077658482522, 0.00001388721735 };
	double x = 2 * M_PI * i / n, w = 0;
	for (int k = 0; k < 7; k++)
		w += (k % 2 ? -a[k] : a[k]) * cos(k * x);
	return w;
}

/* Highest spectral line of out[0..n) outside the tone's main lobe, dB re the tone. */
static double worst_product_dbc(const float *out, int n)
{
	double *in = fftw_alloc_real((size_t)n);
	fftw_complex *spec = fftw_alloc_complex((size_t)n / 2 + 1);
	fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, spec, FFTW_ESTIMATE);
	for (int i = 0; i < n; i++)
		in[i] = out[i] * bh7(i, n);
	fftw_execute(plan);
	int k0 = (int)lround(F0 * n / RATE);
	double tone = hypot(spec[k0][0], spec[k0][1]), worst = 0;
	for (int k = 1; k <= n / 2; k++) {
		if (abs(k - k0) <= 8)
			continue;
		double m = hypot(spec[k][0], spec[k][1]);
		worst = m > worst ? m : worst;
	}
	fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(spec);
	return 20 * log10(worst / tone + 1e-30);
}

START_TEST(test_no_zipper)
{
	/* threshold -40, ratio 2, range -12: a -28 dB tone sits at an offset of -6 dB,
	 * the middle of the range */
	int n = 48000;
	float *out = malloc(sizeof(float) * (size_t)n);
	rig g;
	rig_open(&g, 1, 0, -40, 2, -12, 10, 150);
	double amp = pow(10, -28 / 20.0);
	rig_run(&g, amp, NULL, 48000);
	rig_run(&g, amp, out, n);
	double dyn = worst_product_dbc(out, n);
	double got = 20 * log10(amp_at(out, n, F0) / amp);
	rig_close(&g);
	/* the floor of the measurement: the same band static at that gain */
	params_init();
	lathe_params *p = params_fresh();
	set_param(p, P_EQ_FREQ + 1, (float)F0);
	set_param(p, P_EQ_Q + 1, 1);
	set_param(p, P_EQ_GAIN + 1, -6);
	rig s = { p, eq_new(RATE, BLOCK), 0 };
	rig_run(&s, amp, NULL, 48000);
	rig_run(&s, amp, out, n);
	double stat = worst_product_dbc(out, n);
	rig_close(&s);
	free(out);
	printf("eq dynamic: steady -28 dB tone at an offset of %.3f dB (middle of a -12 dB range): highest other line "
	       "%.1f dBc (the static band at -6 dB: %.1f dBc)\n", got, dyn, stat);
	ck_assert_msg(fabs(got + 6) < 0.2, "offset %.3f dB, expected -6", got);
	ck_assert_msg(dyn < -100, "modulation products at %.1f dBc", dyn);
}
END_TEST

/* Whatever the signal (silence, a loud tone, bursts of noise), the live gain
 * stays within [static + range, static] (cut) or [static, static + range]
 * (boost), and a tone far above the threshold gets exactly the range. */
static void range_case(float static_gain, float range)
{
	rig g;
	rig_open(&g, 5, static_gain, -50, 20, range, 0.5f, 5);
	xorshift32 rnd = { 12345 };
	float l[BLOCK], r[BLOCK];
	double lo = static_gain + (range < 0 ? range : 0), hi = static_gain + (range > 0 ? range : 0);
	double seen_lo = 1e9, seen_hi = -1e9;
	for (int blk = 0; blk < 6000; blk++) {
		int seg = blk / 200;
		for (int k = 0; k < BLOCK; k++) {
			double t = (blk * BLOCK + k) / RATE;
			float v = seg % 3 == 0 ? 0.0f
			          : seg % 3 == 1 ? (float)(0.99 * sin(2 * M_PI * F0 * t))
			                         : xorshift_uniform(&rnd) * (seg % 2 ? 1.0f : 0.05f);
			l[k] = v;
			r[k] = seg % 4 == 3 ? -v : v;
		}
		eq_update(g.e, g.p);
		eq_process(g.e, l, r, BLOCK);
		float live[EQ_BANDS];
		eq_live_gain_db(g.e, live);
		seen_lo = live[5] < seen_lo ? live[5] : seen_lo;
		seen_hi = live[5] > seen_hi ? live[5] : seen_hi;
		ck_assert_msg(live[5] >= lo - 1e-4 && live[5] <= hi + 1e-4, "block %d: live gain %.5f dB outside [%.2f, %.2f]",
		              blk, live[5], lo, hi);
	}
	/* a 0 dBFS tone, 50 dB above the threshold at ratio 20: the gain sits on the range */
	int n = 4800;
	float *out = malloc(sizeof(float) * (size_t)n);
	rig_run(&g, 1.0, NULL, 9600);
	rig_run(&g, 1.0, out, n);
	double got = 20 * log10(amp_at(out, n, F0));
	printf("eq dynamic: range %+.0f dB on a %+.0f dB band: live gain seen %.4f .. %.4f dB; 0 dBFS tone: %.4f dB\n",
	       range, static_gain, seen_lo, seen_hi, got);
	ck_assert_msg(fabs(got - (static_gain + range)) < 0.01, "gain %.4f dB, range end %.4f", got, static_gain + range);
	free(out);
	rig_close(&g);
}

START_TEST(test_range_held)
{
	range_case(0, -9);
	range_case(4, 6);
}
END_TEST

/* A dynamic band on mid, side, left or right leaves the other signal alone
 * and detects only its own: a tone on the left only moves a left band, not a
 * right one. */
START_TEST(test_detector_channel)
{
	for (int ch = CH_LEFT; ch <= CH_RIGHT; ch++) {
		params_init();
		lathe_params *p = params_fresh();
		set_param(p, P_EQ_FREQ + 3, (float)F0);
		set_param(p, P_EQ_Q + 3, 1);
		set_param(p, P_EQ_CHANNEL + 3, (float)ch);
		set_param(p, P_EQ_DYNAMIC + 3, 1);
		set_param(p, P_EQ_THRESHOLD + 3, -40);
		set_param(p, P_EQ_RANGE + 3, -10);
		set_param(p, P_EQ_RATIO + 3, 20);
		eq *e = eq_new(RATE, BLOCK);
		float l[BLOCK], r[BLOCK];
		for (int blk = 0; blk < 1500; blk++) {
			for (int k = 0; k < BLOCK; k++) {
				l[k] = (float)(0.5 * sin(2 * M_PI * F0 * (blk * BLOCK + k) / RATE));
				r[k] = 0;
			}
			eq_update(e, p);
			eq_process(e, l, r, BLOCK);
		}
		float live[EQ_BANDS];
		eq_live_gain_db(e, live);
		if (ch == CH_LEFT)
			ck_assert_msg(fabs(live[3] + 10) < 0.01, "left band on a left tone: %.3f dB", live[3]);
		else
			ck_assert_msg(fabs(live[3]) < 0.01, "right band on a left tone: %.3f dB", live[3]);
		eq_free(e);
		params_free(p);
	}
}
END_TEST

/* A dynamic band among static ones, across domains: band 1 a stereo low cut
 * at 20 Hz, band 2 dynamic on mid at F0, band 3 a +6 dB bell on side at
 * 5 kHz, band 4 a stereo high cut at 20 kHz.  A mid tone at F0 and a side
 * tone at 5 kHz: the mid tone gets the dynamic band's offset, the side tone
 * the side bell's +6 dB (the cuts are within 0.02 dB of 0 there). */
START_TEST(test_among_static_bands)
{
	params_init();
	lathe_params *p = params_fresh();
	set_param(p, P_EQ_TYPE + 0, EQ_LOW_CUT);
	set_param(p, P_EQ_FREQ + 0, 20);
	set_param(p, P_EQ_FREQ + 1, (float)F0);
	set_param(p, P_EQ_Q + 1, 1);
	set_param(p, P_EQ_CHANNEL + 1, CH_MID);
	set_param(p, P_EQ_DYNAMIC + 1, 1);
	set_param(p, P_EQ_THRESHOLD + 1, -40);
	set_param(p, P_EQ_RATIO + 1, 2);
	set_param(p, P_EQ_RANGE + 1, -12);
	set_param(p, P_EQ_FREQ + 2, 5000);
	set_param(p, P_EQ_Q + 2, 2);
	set_param(p, P_EQ_GAIN + 2, 6);
	set_param(p, P_EQ_CHANNEL + 2, CH_SIDE);
	set_param(p, P_EQ_TYPE + 3, EQ_HIGH_CUT);
	set_param(p, P_EQ_FREQ + 3, 20000);
	eq *e = eq_new(RATE, BLOCK);
	int n = 4800, total = 48000 + n;
	float *m = malloc(sizeof(float) * (size_t)n), *sd = malloc(sizeof(float) * (size_t)n);
	double am = pow(10, -28 / 20.0), as = 0.05;
	float l[BLOCK], r[BLOCK];
	for (int i = 0; i < total; i += BLOCK) {
		for (int k = 0; k < BLOCK; k++) {
			double t = (i + k) / RATE, mid = am * sin(2 * M_PI * F0 * t), side = as * sin(2 * M_PI * 5000 * t);
			l[k] = (float)(mid + side);
			r[k] = (float)(mid - side);
		}
		eq_update(e, p);
		eq_process(e, l, r, BLOCK);
		if (i >= total - n)
			for (int k = 0; k < BLOCK; k++) {
				m[i - (total - n) + k] = 0.5f * (l[k] + r[k]);
				sd[i - (total - n) + k] = 0.5f * (l[k] - r[k]);
			}
	}
	double gm = 20 * log10(amp_at(m, n, F0) / am), gs = 20 * log10(amp_at(sd, n, 5000) / as);
	double want = expected_offset(-28, -40, 2, -12);
	printf("eq dynamic: among static bands (M/S): mid tone %.4f dB (curve %.4f), side tone %.4f dB (bell +6)\n", gm, want,
	       gs);
	ck_assert_msg(fabs(gm - want) < 0.05, "mid %.4f dB, expected %.4f", gm, want);
	ck_assert_msg(fabs(gs - 6) < 0.05, "side %.4f dB, expected +6", gs);
	free(m);
	free(sd);
	eq_free(e);
	params_free(p);
}
END_TEST

Suite *eq_dynamic_suite(void)
{
	Suite *s = suite_create("eq_dynamic");
	TCase *tc = suite_add_case(s, "dynamic", 120, NULL, NULL);
	tcase_add_test(tc, test_static_curve);
	tcase_add_test(tc, test_attack_release);
	tcase_add_test(tc, test_no_zipper);
	tcase_add_test(tc, test_range_held);
	tcase_add_test(tc, test_detector_channel);
	tcase_add_test(tc, test_among_static_bands);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	return run_suite(eq_dynamic_suite());
}
