/* lathe tests — helpers the DSP unit tests share: parameters, test signals, level
 * measurement, timing. */
#ifndef LATHE_TEST_DSP_TESTUTIL_H
#define LATHE_TEST_DSP_TESTUTIL_H

#include <stddef.h>
#include <time.h>

#include "engine/params.h"

/* A fresh parameter set at its defaults (params_init() first); asserts it was made. */
lathe_params *params_fresh(void);
/* Sets parameter id to v; asserts param_set() did not fail. */
void set_param(lathe_params *p, int id, float v);
/* The same by OSC path; asserts the path names a parameter. */
void set_param_path(lathe_params *p, const char *path, float v);

/* Deterministic noise (xorshift32), uniform in [-1, 1). */
typedef struct { unsigned s; } xorshift32;
float xorshift_uniform(xorshift32 *r);

/* A new buffer (malloc, asserted) of n samples of amp * sin(2 pi f i / rate). */
float *sine_alloc(size_t n, double amp, double f, double rate);

/* Harmonic amplitude (linear, re a unit sine) at f of x[0..n) by a Hann-windowed DFT. */
double tone_amp(const float *x, size_t n, double f, double fs);
/* RMS level of x[0..n) in dB (10 log10 of the mean square, + 1e-30). */
double rms_db(const float *x, int n);

/* Seconds from a to b. */
double seconds_between(const struct timespec *a, const struct timespec *b);

#endif
