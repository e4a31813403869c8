/* lathe — the monitor section: each control against its formula, ramps
 * without clicks, the master never written, the EBU Tech 3343 calibration
 * noise at -23 LUFS measured by libebur128. */
#include <check.h>
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp/monitor.h"
#include "engine/params.h"
#include "tests/support/check_main.h"

#define RATE 48000
#define BLK 256
#define RAMP (RATE / 50) /* 20 ms */

typedef struct {
	monitor *m;
	lathe_params *p;
	float ml[BLK], mr[BLK], il[BLK], ir[BLK], rl[BLK], rr[BLK], ol[BLK], or_[BLK];
} rig;

/* Distinct constant (DC) signals per source and channel make every matrix
 * and gain identifiable from one output sample. */
static void rig_init(rig *r)
{
	params_init();
	r->p = params_new();
	r->m = monitor_new(RATE, BLK);
	ck_assert_ptr_nonnull(r->m);
	for (int i = 0; i < BLK; i++) {
		r->ml[i] = 0.5f;
		r->mr[i] = 0.25f;
		r->il[i] = -0.4f;
		r->ir[i] = 0.1f;
		r->rl[i] = 0.3f;
		r->rr[i] = -0.2f;
	}
}

static void rig_free(rig *r)
{
	monitor_free(r->m);
	params_free(r->p);
}

static void set(rig *r, int id, float v) { ck_assert_int_ge(param_set(r->p, id, v, NULL), 0); }

/* Run `blocks` blocks; leaves the last block's output in ol/or_. */
static void run(rig *r, int blocks)
{
	for (int b = 0; b < blocks; b++) {
		monitor_update(r->m, r->p);
		monitor_process(r->m, r->ml, r->mr, r->il, r->ir, r->rl, r->rr, r->ol, r->or_, BLK);
	}
}

#define SETTLE 8 /* blocks: 42 ms > every ramp */
#define EQF(a, b) ck_assert_msg(fabsf((a) - (b)) < 1e-5f, "%s = %.7f, expected %.7f", #a, (double)(a), (double)(b))

/* The monitor outputs are the master's, bit for bit. */
static void expect_master_out(const rig *r)
{
	for (int i = 0; i < BLK; i++) {
		ck_assert(r->ol[i] == r->ml[i]);
		ck_assert(r->or_[i] == r->mr[i]);
	}
}

START_TEST(defaults_pass_master_exactly)
{
	rig r;
	rig_init(&r);
	run(&r, SETTLE);
	expect_master_out(&r);
	rig_free(&r);
}
END_TEST

START_TEST(master_never_written)
{
	rig r;
	rig_init(&r);
	set(&r, P_MON_LEVEL, -10);
	set(&r, P_MON_MONO, 1);
	set(&r, P_MON_CAL_SIGNAL, 1);
	float cl[BLK], cr[BLK];
	memcpy(cl, r.ml, sizeof cl);
	memcpy(cr, r.mr, sizeof cr);
	run(&r, SETTLE);
	ck_assert(memcmp(cl, r.ml, sizeof cl) == 0);
	ck_assert(memcmp(cr, r.mr, sizeof cr) == 0);
	rig_free(&r);
}
END_TEST

START_TEST(source_switch_crossfades_20ms)
{
	rig r;
	rig_init(&r);
	run(&r, 2);
	set(&r, P_MON_SOURCE, MON_SRC_INPUT);
	/* a linear crossfade over RAMP samples: out = master + (input - master) * t / RAMP */
	float prev = r.ol[BLK - 1];
	int pos = 0;
	double maxstep = 0;
	for (int b = 0; b < SETTLE; b++) {
		run(&r, 1);
		for (int i = 0; i < BLK; i++, pos++) {
			double t = pos >= RAMP ? 1 : (double)pos / RAMP;
			double want = 0.5 + (-0.4 - 0.5) * t;
			ck_assert_msg(fabs(r.ol[i] - want) < 1e-4, "sample %d: %f, expected %f", pos, r.ol[i], want);
			double st = fabs(r.ol[i] - prev);
			maxstep = st > maxstep ? st : maxstep;
			prev = r.ol[i];
		}
	}
	/* the biggest step is one ramp increment, 0.9 / 960 */
	ck_assert_msg(maxstep <= 0.9 / RAMP * 1.01, "step %g", maxstep);
	EQF(r.ol[BLK - 1], -0.4f);
	EQF(r.or_[BLK - 1], 0.1f);
	set(&r, P_MON_SOURCE, MON_SRC_REFERENCE);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.3f);
	EQF(r.or_[0], -0.2f);
	rig_free(&r);
}
END_TEST

START_TEST(match_gains)
{
	rig r;
	rig_init(&r);
	monitor_set_match(r.m, 6, -3);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f); /* master: match never applies */
	set(&r, P_MON_SOURCE, MON_SRC_INPUT);
	run(&r, SETTLE);
	EQF(r.ol[0], -0.4f * powf(10, 6 / 20.f));
	EQF(r.or_[0], 0.1f * powf(10, 6 / 20.f));
	set(&r, P_MON_SOURCE, MON_SRC_REFERENCE);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.3f * powf(10, -3 / 20.f));
	set(&r, P_MON_MATCH, 0);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.3f);
	/* a NaN from anywhere must not poison the output */
	set(&r, P_MON_MATCH, 1);
	monitor_set_match(r.m, NAN, NAN);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.3f);
	rig_free(&r);
}
END_TEST

START_TEST(level_dim_mute_calibration)
{
	rig r;
	rig_init(&r);
	set(&r, P_MON_LEVEL, -6);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f * powf(10, -6 / 20.f));
	set(&r, P_MON_DIM, 1); /* default dim level -20 */
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f * powf(10, -26 / 20.f));
	set(&r, P_MON_DIM_LEVEL, -10);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f * powf(10, -16 / 20.f));
	set(&r, P_MON_DIM, 0);
	set(&r, P_MON_CALIBRATION, 3);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f * powf(10, -3 / 20.f));
	set(&r, P_MON_MUTE, 1);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.0f);
	EQF(r.or_[0], 0.0f);
	rig_free(&r);
}
END_TEST

START_TEST(gain_change_is_a_ramp)
{
	rig r;
	rig_init(&r);
	run(&r, 2);
	set(&r, P_MON_LEVEL, -20);
	float prev = r.ol[BLK - 1];
	double maxstep = 0;
	for (int b = 0; b < SETTLE; b++) {
		run(&r, 1);
		for (int i = 0; i < BLK; i++) {
			double st = fabs(r.ol[i] - prev);
			maxstep = st > maxstep ? st : maxstep;
			prev = r.ol[i];
		}
	}
	/* 0.5 * (1 - 0.1) spread over 20 ms */
	double want = 0.5 * (1 - 0.1) / RAMP;
	ck_assert_msg(maxstep <= want * 1.01, "largest step %g, ramp step %g", maxstep, want);
	EQF(r.ol[0], 0.05f);
	rig_free(&r);
}
END_TEST

START_TEST(matrix_controls)
{
	rig r;
	rig_init(&r);
	const float l = 0.5f, rr = 0.25f;
	set(&r, P_MON_MONO, 1);
	run(&r, SETTLE);
	EQF(r.ol[0], (l + rr) / 2);
	EQF(r.or_[0], (l + rr) / 2);
	set(&r, P_MON_MONO, 0);
	set(&r, P_MON_SWAP, 1);
	run(&r, SETTLE);
	EQF(r.ol[0], rr);
	EQF(r.or_[0], l);
	set(&r, P_MON_SWAP, 0);
	set(&r, P_MON_SOLO, SOLO_MID);
	run(&r, SETTLE);
	EQF(r.ol[0], (l + rr) / 2);
	EQF(r.or_[0], (l + rr) / 2);
	set(&r, P_MON_SOLO, SOLO_SIDE);
	run(&r, SETTLE);
	EQF(r.ol[0], (l - rr) / 2);
	EQF(r.or_[0], (l - rr) / 2);
	set(&r, P_MON_SOLO, SOLO_LEFT);
	run(&r, SETTLE);
	EQF(r.ol[0], l);
	EQF(r.or_[0], l);
	set(&r, P_MON_SOLO, SOLO_RIGHT);
	run(&r, SETTLE);
	EQF(r.ol[0], rr);
	EQF(r.or_[0], rr);
	set(&r, P_MON_SOLO, SOLO_OFF);
	set(&r, P_MON_POLARITY, POL_LEFT);
	run(&r, SETTLE);
	EQF(r.ol[0], -l);
	EQF(r.or_[0], rr);
	set(&r, P_MON_POLARITY, POL_RIGHT);
	run(&r, SETTLE);
	EQF(r.ol[0], l);
	EQF(r.or_[0], -rr);
	set(&r, P_MON_POLARITY, POL_BOTH);
	run(&r, SETTLE);
	EQF(r.ol[0], -l);
	EQF(r.or_[0], -rr);
	/* polarity then side solo: (-l - r)/2 */
	set(&r, P_MON_POLARITY, POL_LEFT);
	set(&r, P_MON_SOLO, SOLO_SIDE);
	run(&r, SETTLE);
	EQF(r.ol[0], (-l - rr) / 2);
	rig_free(&r);
}
END_TEST

START_TEST(platform_preview)
{
	rig r;
	rig_init(&r);
	monitor_set_platform_gain(r.m, -5);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f); /* preview off: ignored */
	set(&r, P_MON_PLATFORM, PLAT_SPOTIFY);
	run(&r, SETTLE);
	EQF(r.ol[0], 0.5f * powf(10, -5 / 20.f));
	EQF(r.or_[0], 0.25f * powf(10, -5 / 20.f));
	rig_free(&r);
}
END_TEST

START_TEST(bypass_is_exact)
{
	rig r;
	rig_init(&r);
	set(&r, P_MON_LEVEL, -20);
	set(&r, P_MON_SWAP, 1);
	set(&r, P_MON_SOURCE, MON_SRC_INPUT);
	set(&r, P_MON_BYPASS, 1);
	run(&r, SETTLE);
	expect_master_out(&r);
	rig_free(&r);
}
END_TEST

static double cal_lufs(int rate, double *band_ratio)
{
	params_init();
	lathe_params *p = params_new();
	monitor *m = monitor_new(rate, BLK);
	param_set(p, P_MON_CAL_SIGNAL, 1, NULL);
	float z[BLK] = { 0 }, ol[BLK], orr[BLK], lr[2 * BLK];
	ebur128_state *st = ebur128_init(2, rate, EBUR128_MODE_I);
	int blocks = (int)(10.0 * rate / BLK);
	/* band check: the share of the power that passes a 150 Hz one-pole
	 * low-pass (well below the band) */
	double tot = 0, low = 0, lp = 0, a = exp(-2 * M_PI * 150.0 / rate);
	for (int b = 0; b < blocks; b++) {
		monitor_update(m, p);
		monitor_process(m, z, z, z, z, z, z, ol, orr, BLK);
		for (int i = 0; i < BLK; i++) {
			lr[2 * i] = ol[i];
			lr[2 * i + 1] = orr[i];
			if (b > 10) {
				lp = a * lp + (1 - a) * ol[i];
				tot += (double)ol[i] * ol[i];
				low += lp * lp;
			}
		}
		if (b > 10) /* past the 20 ms fade-in */
			ebur128_add_frames_float(st, lr, BLK);
	}
	double v;
	ebur128_loudness_global(st, &v);
	ebur128_destroy(&st);
	monitor_free(m);
	params_free(p);
	*band_ratio = 10 * log10(low / tot);
	return v;
}

START_TEST(cal_signal_at_minus_23_lufs)
{
	int rates[] = { 44100, 48000, 96000 };
	for (int i = 0; i < 3; i++) {
		double ratio;
		double v = cal_lufs(rates[i], &ratio);
		printf("  calibration noise at %d Hz: %.3f LUFS (expected -23.0 +- 0.1); below-150 Hz share %.1f dB\n", rates[i], v, ratio);
		ck_assert_msg(fabs(v + 23) <= 0.1, "cal noise %.3f LUFS at %d", v, rates[i]);
		/* a one-pole at 150 Hz is >= 10.5 dB down from 500 Hz up: only a
		 * band-limited noise stays below -9 dB */
		ck_assert_msg(ratio < -9, "not band-limited: %.1f dB", ratio);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = suite_add_case(s, "monitor", 60, NULL, NULL);
	tcase_add_test(tc, defaults_pass_master_exactly);
	tcase_add_test(tc, master_never_written);
	tcase_add_test(tc, source_switch_crossfades_20ms);
	tcase_add_test(tc, match_gains);
	tcase_add_test(tc, level_dim_mute_calibration);
	tcase_add_test(tc, gain_change_is_a_ramp);
	tcase_add_test(tc, matrix_controls);
	tcase_add_test(tc, platform_preview);
	tcase_add_test(tc, bypass_is_exact);
	tcase_add_test(tc, cal_signal_at_minus_23_lufs);
	return run_suite(s);
}
