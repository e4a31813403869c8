#include "tests/support/dsp_testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

lathe_params *params_fresh(void)
{
	params_init();
	lathe_params *p = params_new();
	ck_assert_ptr_nonnull(p);
	return p;
}

void set_param(lathe_params *p, int id, float v)
{
	ck_assert_int_ge(param_set(p, id, v, NULL), 0);
}

void set_param_path(lathe_params *p, const char *path, float v)
{
	int id = param_find(path);
	ck_assert_msg(id >= 0, "no parameter %s", path);
	set_param(p, id, v);
}

float xorshift_uniform(xorshift32 *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 17;
	r->s ^= r->s << 5;
	return (float)((double)r->s / 2147483648.0 - 1.0);
}

float *sine_alloc(size_t n, double amp, double f, double rate)
{
	float *x = malloc(n * sizeof *x);
	ck_assert_ptr_nonnull(x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(amp * sin(2 * M_PI * f * (double)i / rate));
	return x;
}

double tone_amp(const float *x, size_t n, double f, double fs)
{
	double re = 0, im = 0, wsum = 0;
	for (size_t i = 0; i < n; i++) {
		double w = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n);
		re += w * x[i] * cos(2 * M_PI * f * (double)i / fs);
		im += w * x[i] * sin(2 * M_PI * f * (double)i / fs);
		wsum += w;
	}
	return 2 * sqrt(re * re + im * im) / wsum;
}

double rms_db(const float *x, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return 10 * log10(s / n + 1e-30);
}

double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}
