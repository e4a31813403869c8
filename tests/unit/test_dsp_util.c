/* The shared DSP helpers (engine/dsp/dsp_util.h) against analytic values, and the
 * dB formula against a long-double reference and the formulas it replaced. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp/dsp_util.h"
#include "tests/support/check_main.h"

/* Distance in floats between a and b (ulps; same sign assumed, as gains are). */
static long ulps(float a, float b)
{
	int32_t ia, ib;
	memcpy(&ia, &a, sizeof ia);
	memcpy(&ib, &b, sizeof ib);
	return labs((long)ia - (long)ib);
}

START_TEST(db_to_lin_analytic)
{
	/* 20 log10(2) = 6.0205999132796... dB */
	ck_assert_double_eq_tol(db_to_lin(-6.0206f), 0.5, 1e-6);
	ck_assert_double_eq_tol(db_to_lin_d(-6.020599913279624), 0.5, 1e-15);
	ck_assert_double_eq_tol(db_to_lin_d(6.020599913279624), 2.0, 1e-15);
	ck_assert(db_to_lin(0) == 1.0f);
	ck_assert(db_to_lin(20) == 10.0f);
	ck_assert(db_to_lin(-20) == 0.1f);   /* the float nearest 1/10 */
	ck_assert(db_to_lin(40) == 100.0f);
	ck_assert_double_eq_tol(db_to_lin_d(-120), 1e-6, 1e-21);
	ck_assert(db_to_lin(-INFINITY) == 0.0f);
	/* float in, double out: db_to_lin(x) is exactly db_to_lin_d(x) rounded once */
	for (float db = -90; db <= 40; db += 0.37f)
		ck_assert(db_to_lin(db) == (float)db_to_lin_d(db));
}
END_TEST

START_TEST(lin_to_db_analytic)
{
	ck_assert_double_eq_tol(lin_to_db(0.5), -6.020599913279624, 1e-12);
	ck_assert_double_eq_tol(lin_to_db(10), 20.0, 1e-12);
	ck_assert(lin_to_db(1) == 0.0);
	ck_assert(isinf(lin_to_db(0)) && lin_to_db(0) < 0);
	for (double db = -100; db <= 30; db += 0.5)
		ck_assert_double_eq_tol(lin_to_db(db_to_lin_d(db)), db, 1e-12);
}
END_TEST

/* Over every 256th float from -80 to +40 dB (the registry's gain ranges): within one
 * ulp of 10^(dB/20) in long double, and how far the replaced single-precision
 * formulas were from it (printed; the engine/monitor and saturation had them). */
START_TEST(db_to_lin_accuracy_and_the_old_formulas)
{
	long n = 0, worst = 0, old_a_diff = 0, old_b_diff = 0, old_a_max = 0, old_b_max = 0;
	int k = 0;
	for (float db = -80; db <= 40; db = nextafterf(db, 100), k++) {
		if (k & 0xff)
			continue;
		n++;
		float ref = (float)powl(10.0L, (long double)db / 20.0L);
		float v = db_to_lin(db);
		long u = ulps(v, ref);
		worst = u > worst ? u : worst;
		long a = ulps(powf(10.0f, db * 0.05f), v), b = ulps(powf(10.0f, db / 20.0f), v);
		old_a_diff += a > 0;
		old_b_diff += b > 0;
		old_a_max = a > old_a_max ? a : old_a_max;
		old_b_max = b > old_b_max ? b : old_b_max;
	}
	printf("  db_to_lin over %ld values in [-80, 40] dB: at most %ld ulp from long double 10^(dB/20)\n", n, worst);
	printf("  old powf(10, dB*0.05f) (engine, monitor): differs in %ld (%.2f%%), by at most %ld ulp\n", old_a_diff,
	       100.0 * old_a_diff / n, old_a_max);
	printf("  old powf(10, dB/20) (saturation): differs in %ld (%.2f%%), by at most %ld ulp\n", old_b_diff,
	       100.0 * old_b_diff / n, old_b_max);
	ck_assert_int_le(worst, 1);
	ck_assert_int_le(old_a_max, 16);
}
END_TEST

START_TEST(pow2_above_values)
{
	ck_assert_uint_eq(pow2_above(0), 1);
	ck_assert_uint_eq(pow2_above(1), 2);
	ck_assert_uint_eq(pow2_above(2), 4);
	ck_assert_uint_eq(pow2_above(3), 4);
	ck_assert_uint_eq(pow2_above(4), 8);
	ck_assert_uint_eq(pow2_above(1023), 1024);
	ck_assert_uint_eq(pow2_above(1024), 2048);
	for (unsigned n = 0; n < 100000; n += 7) {
		unsigned p = pow2_above(n);
		ck_assert(p > n && (p & (p - 1)) == 0 && p / 2 <= n);
	}
}
END_TEST

START_TEST(alloc_zeroed_and_aligned)
{
	const size_t sizes[] = { 0, 1, 3, 17, 512, 4096 * 3 + 5 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		float *p = dsp_alloc_floats(sizes[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 64, 0);
		for (size_t k = 0; k < (sizes[i] ? sizes[i] : 1); k++)
			ck_assert(p[k] == 0.0f);
		free(p);
	}
	unsigned char *b = dsp_calloc(100);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq((uintptr_t)b % 64, 0);
	for (int k = 0; k < 100; k++)
		ck_assert_uint_eq(b[k], 0);
	free(b);
	ck_assert_ptr_null(dsp_alloc_floats(SIZE_MAX / 2));
}
END_TEST

START_TEST(mix_in_ends)
{
	unsigned s = 1;
	for (int i = 0; i < 10000; i++) {
		s = s * 1664525u + 1013904223u;
		float x = (float)(s >> 8) / 8388608.0f - 1.0f;
		s = s * 1664525u + 1013904223u;
		float t = (float)(s >> 8) / 8388608.0f - 1.0f;
		ck_assert(dsp_mix_in(x, t, 0.0f) == x);
		ck_assert_float_eq_tol(dsp_mix_in(x, t, 1.0f), t, 2.5e-7f);
		ck_assert_float_eq_tol(dsp_mix_in(x, t, 0.25f), 0.75 * x + 0.25 * t, 5e-7f);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dsp_util");
	TCase *tc = suite_add_case(s, "helpers", 60, NULL, NULL);
	tcase_add_test(tc, db_to_lin_analytic);
	tcase_add_test(tc, lin_to_db_analytic);
	tcase_add_test(tc, db_to_lin_accuracy_and_the_old_formulas);
	tcase_add_test(tc, pow2_above_values);
	tcase_add_test(tc, alloc_zeroed_and_aligned);
	tcase_add_test(tc, mix_in_ends);
	return run_suite(s);
}
