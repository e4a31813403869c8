/* The chain framework: non-finite input, bypass, constant latency, block sizes. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/params.h"
#include "tests/support/check_main.h"

#define RATE 48000

static lathe_params *p;
static engine *e;

static void setup(void)
{
	engine_flush_denormals();
	p = params_new();
	e = engine_new(p, NULL, RATE);
	ck_assert_ptr_nonnull(e);
}

static void teardown(void)
{
	engine_free(e);
	params_free(p);
}

static void run(engine *en, const float *l, const float *r, float *ol, float *or_, size_t n, unsigned block)
{
	for (size_t i = 0; i < n; i += block) {
		unsigned k = n - i < block ? (unsigned)(n - i) : block;
		engine_process(en, l + i, r + i, NULL, NULL, ol + i, or_ + i, NULL, NULL, k);
	}
}

START_TEST(nan_input_is_silenced_and_does_not_poison)
{
	size_t n = 48000;
	float *l = calloc(n, sizeof(float)), *r = calloc(n, sizeof(float));
	float *ol = calloc(n, sizeof(float)), *or_ = calloc(n, sizeof(float));
	for (size_t i = 0; i < n; i++)
		l[i] = r[i] = (float)(0.1 * sin(2 * M_PI * 997 * i / RATE));
	/* poison one block in the middle with NaN, one with Inf, one with denormals */
	l[10000] = NAN;
	r[20000] = INFINITY;
	for (size_t i = 30000; i < 30256; i++)
		l[i] = 1e-40f;
	run(e, l, r, ol, or_, n, 256);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(isfinite(ol[i]) && isfinite(or_[i]), "non-finite output at %zu", i);
	/* the block holding the NaN is silent */
	size_t blk = 10000 / 256 * 256;
	for (size_t i = blk; i < blk + 256; i++)
		ck_assert_float_eq(ol[i], 0);
	/* and the chain recovers: the last quarter second is the tone again */
	double s = 0;
	for (size_t i = n - 12000; i < n; i++)
		s += (double)ol[i] * ol[i];
	double db = 20 * log10(sqrt(s / 12000) * sqrt(2.0));
	ck_assert_msg(fabs(db + 20) < 0.1, "after NaN the tone is at %.2f dB", db);
	free(l);
	free(r);
	free(ol);
	free(or_);
}
END_TEST

/* Index of the largest |x|. */
static size_t argmax(const float *x, size_t n)
{
	size_t k = 0;
	for (size_t i = 1; i < n; i++)
		if (fabsf(x[i]) > fabsf(x[k]))
			k = i;
	return k;
}

START_TEST(latency_constant_whatever_is_bypassed)
{
	const int bypasses[] = { P_BYPASS, P_EQ_BYPASS, P_MB_BYPASS, P_IMG_BYPASS, P_SAT_BYPASS, P_LIM_BYPASS, P_DITHER_BYPASS };
	uint32_t lat = engine_latency(e);
	size_t n = lat + 4096;
	float *l = calloc(n, sizeof(float)), *ol = calloc(n, sizeof(float)), *or_ = calloc(n, sizeof(float));
	l[100] = 0.5f;
	for (size_t k = 0; k < sizeof bypasses / sizeof bypasses[0]; k++) {
		for (int on = 0; on < 2; on++) {
			params_reset(p);
			param_set(p, bypasses[k], (float)on, NULL);
			engine *en = engine_new(p, NULL, RATE);
			ck_assert_uint_eq(engine_latency(en), lat);
			run(en, l, l, ol, or_, n, 256);
			size_t at = argmax(ol, n);
			ck_assert_msg(at == 100 + lat, "%s=%d: impulse at %zu, expected %u", param_info_get(bypasses[k])->path, on, at, 100 + lat);
			engine_free(en);
		}
	}
	free(l);
	free(ol);
	free(or_);
}
END_TEST

START_TEST(bypass_is_exact_after_its_fade)
{
	param_set(p, P_BYPASS, 1, NULL);
	param_set(p, P_LIM_GAIN, 12, NULL); /* the chain would change the signal a lot */
	engine *en = engine_new(p, NULL, RATE);
	uint32_t lat = engine_latency(en);
	size_t n = 24000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	float *ol = malloc(n * sizeof(float)), *or_ = malloc(n * sizeof(float));
	unsigned s = 7;
	for (size_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		l[i] = (float)(s >> 8) / 16777216.0f * 1.8f - 0.9f;
		r[i] = -l[i] * 0.5f;
	}
	run(en, l, r, ol, or_, n, 100);
	for (size_t i = lat; i < n; i++) {
		ck_assert_msg(ol[i] == l[i - lat] && or_[i] == r[i - lat], "not bit-exact at %zu", i);
	}
	engine_free(en);
	free(l);
	free(r);
	free(ol);
	free(or_);
}
END_TEST

START_TEST(block_size_does_not_change_the_result)
{
	param_set(p, P_LIM_GAIN, 6, NULL);
	param_set(p, P_EQ_GAIN + 2, 4, NULL);
	size_t n = 20000;
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float)), *c = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		l[i] = r[i] = (float)(0.7 * sin(2 * M_PI * 440 * i / RATE));
	engine *e1 = engine_new(p, NULL, RATE), *e2 = engine_new(p, NULL, RATE);
	/* 512-frame blocks vs. 1024 (cut into 512s inside): the same sub-blocks, the same output */
	run(e1, l, r, a, c, n, 512);
	run(e2, l, r, b, c, n, 1024);
	ck_assert_int_eq(memcmp(a, b, n * sizeof(float)), 0);
	engine_free(e1);
	engine_free(e2);
	free(l);
	free(r);
	free(a);
	free(b);
	free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = suite_add_case(s, "engine", 60, setup, teardown);
	tcase_add_test(tc, nan_input_is_silenced_and_does_not_poison);
	tcase_add_test(tc, latency_constant_whatever_is_bypassed);
	tcase_add_test(tc, bypass_is_exact_after_its_fade);
	tcase_add_test(tc, block_size_does_not_change_the_result);
	return run_suite(s);
}
