/* The registry: one table, consistent, and the store's promises. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/params.h"
#include "tests/support/check_main.h"

START_TEST(paths_unique_and_well_formed)
{
	params_init();
	for (int i = 0; i < params_count(); i++) {
		const param_info *a = param_info_get(i);
		ck_assert_msg(a->path[0] == '/', "%s must start with /", a->path);
		for (const char *c = a->path; *c; c++)
			ck_assert_msg((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '/' || *c == '_',
			              "%s: lower case, digits, / and _ only", a->path);
		ck_assert_int_eq(param_find(a->path), i);
		for (int k = i + 1; k < params_count(); k++)
			ck_assert_str_ne(a->path, param_info_get(k)->path);
		ck_assert_msg(a->label[0], "%s has no label", a->path);
	}
}
END_TEST

START_TEST(ranges_and_defaults_valid)
{
	for (int i = 0; i < params_count(); i++) {
		const param_info *a = param_info_get(i);
		ck_assert_msg(a->min < a->max, "%s: min %g >= max %g", a->path, a->min, a->max);
		ck_assert_msg(a->def >= a->min && a->def <= a->max, "%s: default %g outside [%g, %g]", a->path, a->def, a->min, a->max);
		if (a->curve == CURVE_LOG)
			ck_assert_msg(a->min > 0, "%s: log curve needs min > 0", a->path);
		if (a->curve == CURVE_ENUM) {
			ck_assert_msg(a->n_enums >= 2, "%s: enum with %d names", a->path, a->n_enums);
			ck_assert_msg(a->max == a->n_enums - 1, "%s: enum max %g for %d names", a->path, a->max, a->n_enums);
		}
	}
}
END_TEST

START_TEST(every_module_has_bypass)
{
	for (int i = 0; i < params_count(); i++) {
		const param_info *a = param_info_get(i);
		if (!strcmp(a->module, "target") || !strcmp(a->module, "snapshot") || !strcmp(a->module, "bypass"))
			continue;
		char path[64];
		snprintf(path, sizeof path, "/%s/bypass", a->module);
		ck_assert_msg(param_find(path) >= 0, "module %s has no %s", a->module, path);
	}
	ck_assert_int_ge(param_find("/bypass"), 0);
}
END_TEST

START_TEST(store_starts_at_defaults)
{
	lathe_params *p = params_new();
	for (int i = 0; i < params_count(); i++)
		ck_assert_float_eq(param_get(p, i), param_info_get(i)->def);
	params_free(p);
}
END_TEST

START_TEST(set_clamps_and_refuses_non_finite)
{
	lathe_params *p = params_new();
	int id = param_find("/limiter/ceiling");
	float got;
	ck_assert_int_eq(param_set(p, id, -3.5f, &got), PARAM_OK);
	ck_assert_float_eq(got, -3.5f);
	ck_assert_int_eq(param_set(p, id, 5, &got), PARAM_CLAMPED);
	ck_assert_float_eq(got, 0);
	ck_assert_float_eq(param_get(p, id), 0);
	ck_assert_int_eq(param_set(p, id, -100, &got), PARAM_CLAMPED);
	ck_assert_float_eq(param_get(p, id), -12);
	uint32_t g = param_gen(p, id);
	ck_assert_int_eq(param_set(p, id, NAN, NULL), PARAM_NOT_FINITE);
	ck_assert_int_eq(param_set(p, id, INFINITY, NULL), PARAM_NOT_FINITE);
	ck_assert_int_eq(param_set(p, id, -INFINITY, NULL), PARAM_NOT_FINITE);
	ck_assert_float_eq(param_get(p, id), -12);
	ck_assert_uint_eq(param_gen(p, id), g);
	ck_assert_int_eq(param_set(p, -1, 0, NULL), PARAM_BAD_ID);
	ck_assert_int_eq(param_set(p, P_COUNT, 0, NULL), PARAM_BAD_ID);
	params_free(p);
}
END_TEST

START_TEST(enums_by_name_or_index)
{
	lathe_params *p = params_new();
	int id = param_find("/eq/3/type");
	ck_assert_int_ge(id, 0);
	ck_assert_int_eq(param_set_text(p, id, "high_shelf", NULL), PARAM_OK);
	ck_assert_int_eq(param_get_int(p, id), EQ_HIGH_SHELF);
	ck_assert_int_eq(param_set_text(p, id, "3", NULL), PARAM_OK);
	ck_assert_int_eq(param_get_int(p, id), EQ_LOW_CUT);
	ck_assert_int_lt(param_set_text(p, id, "wobble", NULL), 0);
	ck_assert_int_eq(param_get_int(p, id), EQ_LOW_CUT);
	char err[200];
	ck_assert_int_eq(param_set_assignment(p, "/eq/3/type=bell", err, sizeof err), PARAM_OK);
	ck_assert_int_eq(param_get_int(p, id), EQ_BELL);
	ck_assert_int_lt(param_set_assignment(p, "/eq/3/type=wobble", err, sizeof err), 0);
	ck_assert_msg(strstr(err, "bell") && strstr(err, "/eq/3/type"), "error lists the names: %s", err);
	ck_assert_int_lt(param_set_assignment(p, "/eq/9/type=bell", err, sizeof err), 0);
	ck_assert_msg(strstr(err, "unknown parameter path"), "%s", err);
	ck_assert_int_lt(param_set_assignment(p, "/limiter/ceiling=nan", err, sizeof err), 0);
	ck_assert_int_lt(param_set_assignment(p, "/limiter/ceiling", err, sizeof err), 0);
	ck_assert_int_eq(param_set_assignment(p, "/monitor/dim=on", err, sizeof err), PARAM_OK);
	ck_assert(param_get_bool(p, P_MON_DIM));
	params_free(p);
}
END_TEST

START_TEST(integers_round)
{
	lathe_params *p = params_new();
	float got;
	param_set(p, P_MB_BANDS, 2.4f, &got);
	ck_assert_float_eq(got, 2);
	param_set(p, P_MB_BANDS, 2.6f, &got);
	ck_assert_float_eq(got, 3);
	params_free(p);
}
END_TEST

START_TEST(norm_round_trip_along_curve)
{
	for (int i = 0; i < params_count(); i++) {
		const param_info *a = param_info_get(i);
		if (a->step > 0)
			continue;
		for (float n = 0; n <= 1.0001f; n += 0.125f) {
			float v = param_from_norm(i, n);
			ck_assert_msg(v >= a->min - 1e-4f * fabsf(a->min) && v <= a->max + 1e-4f * fabsf(a->max), "%s", a->path);
			ck_assert_msg(fabsf(param_to_norm(i, v) - n) < 1e-4f, "%s: norm %g -> %g -> %g", a->path, n, v, param_to_norm(i, v));
		}
	}
	/* log: the middle of 10 Hz .. 22 kHz is the geometric mean */
	int f = param_find("/eq/1/freq");
	ck_assert_double_eq_tol(param_from_norm(f, 0.5f), sqrt(10.0 * 22000.0), 0.05);
}
END_TEST

START_TEST(generation_counts_changes_only)
{
	lathe_params *p = params_new();
	uint32_t g0 = params_generation(p), gi = param_gen(p, P_INPUT_GAIN);
	param_set(p, P_INPUT_GAIN, 0, NULL); /* same value: no change */
	ck_assert_uint_eq(params_generation(p), g0);
	param_set(p, P_INPUT_GAIN, 1, NULL);
	ck_assert_uint_eq(param_gen(p, P_INPUT_GAIN), gi + 1);
	ck_assert_uint_eq(params_generation(p), g0 + 1);
	params_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("params");
	TCase *tc = suite_add_case(s, "registry", 0, NULL, NULL);
	tcase_add_test(tc, paths_unique_and_well_formed);
	tcase_add_test(tc, ranges_and_defaults_valid);
	tcase_add_test(tc, every_module_has_bypass);
	tcase_add_test(tc, store_starts_at_defaults);
	tcase_add_test(tc, set_clamps_and_refuses_non_finite);
	tcase_add_test(tc, enums_by_name_or_index);
	tcase_add_test(tc, integers_round);
	tcase_add_test(tc, norm_round_trip_along_curve);
	tcase_add_test(tc, generation_counts_changes_only);
	return run_suite(s);
}
