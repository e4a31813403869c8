/* Snapshots: store/recall, fades along each parameter's curve, monotonic, enums at the end. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "sessions/snapshot.h"
#include "tests/support/check_main.h"

#define MS 1000

static uint32_t bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

START_TEST(names_and_slots)
{
	ck_assert_int_eq(snapshot_slot("A"), 0);
	ck_assert_int_eq(snapshot_slot("d"), 3);
	ck_assert_int_eq(snapshot_slot("E"), -1);
	ck_assert_int_eq(snapshot_slot("AB"), -1);
	ck_assert_int_eq(snapshot_slot(""), -1);
	ck_assert_int_eq(snapshot_slot(NULL), -1);
	ck_assert_str_eq(snapshot_name(2), "C");
}
END_TEST

START_TEST(interpolation_follows_the_curve)
{
	/* log: halfway from 100 Hz to 10 kHz is the geometric mean, 1 kHz */
	ck_assert_float_eq_tol(snapshot_interpolate(P_EQ_FREQ, 100, 10000, 0.5), 1000, 1e-2);
	ck_assert_float_eq_tol(snapshot_interpolate(P_EQ_FREQ, 100, 10000, 0.25), 100 * powf(100, 0.25f), 1e-2);
	/* dB: linear in dB */
	ck_assert_float_eq_tol(snapshot_interpolate(P_EQ_GAIN, -6, 6, 0.75), 3, 1e-6);
	/* ends exact */
	ck_assert_uint_eq(bits(snapshot_interpolate(P_EQ_FREQ, 123.4f, 5678.9f, 1)), bits(5678.9f));
	ck_assert_uint_eq(bits(snapshot_interpolate(P_EQ_FREQ, 123.4f, 5678.9f, 0)), bits(123.4f));
	ck_assert(snapshot_param_glides(P_EQ_FREQ));
	ck_assert(!snapshot_param_glides(P_EQ_TYPE));
	ck_assert(!snapshot_param_glides(P_MB_BANDS)); /* integer-valued */
	ck_assert(!snapshot_param_glides(P_EQ_BAND_BYPASS));
	ck_assert(!snapshot_param_recalled(P_MON_LEVEL));
	ck_assert(!snapshot_param_recalled(P_SNAPSHOT_FADE));
}
END_TEST

START_TEST(fade_is_monotonic_on_the_curve_and_switches_enums_at_the_end)
{
	lathe_params *p = params_new();
	snapshot_bank *b = g_new(snapshot_bank, 1);
	snapshot_bank_init(b);
	/* A */
	param_set(p, P_EQ_FREQ, 100, NULL);
	param_set(p, P_EQ_GAIN, -6, NULL);
	param_set(p, P_IMG_WIDTH, 150, NULL);
	param_set(p, P_EQ_TYPE, EQ_BELL, NULL);
	param_set(p, P_MB_BANDS, 2, NULL);
	param_set(p, P_MON_LEVEL, -10, NULL);
	snapshot_store(b, 0, p);
	/* B = where we are */
	param_set(p, P_EQ_FREQ, 10000, NULL);
	param_set(p, P_EQ_GAIN, 6, NULL);
	param_set(p, P_IMG_WIDTH, 50, NULL);
	param_set(p, P_EQ_TYPE, EQ_HIGH_SHELF, NULL);
	param_set(p, P_MB_BANDS, 4, NULL);
	param_set(p, P_MON_LEVEL, -30, NULL);
	const float fade_ms = 500;
	int64_t t0 = 5000000;
	ck_assert_int_eq(snapshot_recall_begin(b, 0, p, fade_ms, t0), 0);
	float prev_f = param_get(p, P_EQ_FREQ), prev_g = param_get(p, P_EQ_GAIN), prev_w = param_get(p, P_IMG_WIDTH);
	double max_ratio_err = 0, max_gain_step = 0;
	int steps = 0;
	/* a 10 ms timer: 50 steps */
	for (int64_t t = t0 + 10 * MS; snapshot_fade_step(b, p, t); t += 10 * MS) {
		steps++;
		float f = param_get(p, P_EQ_FREQ), g = param_get(p, P_EQ_GAIN), w = param_get(p, P_IMG_WIDTH);
		ck_assert(f <= prev_f && g <= prev_g && w >= prev_w); /* monotonic toward A */
		/* equal ratios per step on the log curve: (100/10000)^(10/500) */
		double want = pow(100.0 / 10000.0, 10.0 / fade_ms);
		max_ratio_err = fmax(max_ratio_err, fabs(f / prev_f - want));
		max_gain_step = fmax(max_gain_step, prev_g - g);
		/* discrete parameters wait for the end; the monitor is never touched */
		ck_assert_int_eq(param_get_int(p, P_EQ_TYPE), EQ_HIGH_SHELF);
		ck_assert_int_eq(param_get_int(p, P_MB_BANDS), 4);
		ck_assert_float_eq(param_get(p, P_MON_LEVEL), -30);
		prev_f = f, prev_g = g, prev_w = w;
	}
	printf("snapshot fade 500 ms: %d steps, max log-ratio error %.3g, max gain step %.4f dB\n", steps, max_ratio_err,
	       max_gain_step);
	ck_assert_int_eq(steps, 49);
	ck_assert_msg(max_ratio_err < 1e-4, "ratio error %g", max_ratio_err);
	/* 12 dB over 500 ms in 10 ms steps: 0.24 dB per step at most */
	ck_assert_msg(max_gain_step <= 0.24 + 1e-4, "gain step %g dB", max_gain_step);
	ck_assert_uint_eq(bits(param_get(p, P_EQ_FREQ)), bits(100));
	ck_assert_uint_eq(bits(param_get(p, P_EQ_GAIN)), bits(-6));
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE), EQ_BELL);
	ck_assert_int_eq(param_get_int(p, P_MB_BANDS), 2);
	ck_assert_float_eq(param_get(p, P_MON_LEVEL), -30);
	for (int i = 0; i < P_COUNT; i++)
		if (snapshot_param_recalled(i))
			ck_assert_uint_eq(bits(param_get(p, i)), bits(b->value[0][i]));
	ck_assert_int_eq(b->active, 0);
	g_free(b);
	params_free(p);
}
END_TEST

START_TEST(user_move_during_fade_wins_and_zero_fade_jumps)
{
	lathe_params *p = params_new();
	snapshot_bank *b = g_new(snapshot_bank, 1);
	snapshot_bank_init(b);
	ck_assert_int_eq(snapshot_recall_begin(b, 1, p, 100, 0), -1); /* empty slot */
	param_set(p, P_INPUT_GAIN, -12, NULL);
	param_set(p, P_OUTPUT_GAIN, -12, NULL);
	snapshot_store(b, 1, p);
	param_set(p, P_INPUT_GAIN, 12, NULL);
	param_set(p, P_OUTPUT_GAIN, 12, NULL);
	snapshot_recall_begin(b, 1, p, 1000, 0);
	ck_assert(snapshot_fade_step(b, p, 100 * MS));
	param_set(p, P_INPUT_GAIN, 3, NULL); /* a user grabs the input fader */
	for (int64_t t = 110 * MS; snapshot_fade_step(b, p, t); t += 10 * MS)
		ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 3);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 3);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -12);
	/* fade 0: at once */
	param_set(p, P_OUTPUT_GAIN, 5, NULL);
	snapshot_recall_begin(b, 1, p, 0, 0);
	ck_assert(!b->fading);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -12);
	g_free(b);
	params_free(p);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("snapshot");
	TCase *tc = suite_add_case(s, "snapshot", 60, NULL, NULL);
	tcase_add_test(tc, names_and_slots);
	tcase_add_test(tc, interpolation_follows_the_curve);
	tcase_add_test(tc, fade_is_monotonic_on_the_curve_and_switches_enums_at_the_end);
	tcase_add_test(tc, user_move_during_fade_wins_and_zero_fade_jumps);
	return run_suite(s);
}
