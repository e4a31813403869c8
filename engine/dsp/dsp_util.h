/* lathe — the small helpers every DSP module needs, in one place (issue 16).
 *
 * dB to linear has ONE formula here, 10^(dB/20) evaluated in double and rounded
 * once to float: the definition of the decibel for amplitude (IEC 60027-3), with
 * glibc's pow correctly rounded in practice (< 1 ulp, glibc manual "Errors in
 * Math Functions"), so the float result is the nearest float or its neighbour.
 * Before this file the engine, saturation and monitor used powf(10, dB/20 or
 * dB*0.05f) in single precision and the limiter this formula.  Measured when they
 * were replaced: over 8.7M float dB values in [-80, 40] the old ones differed in
 * 1.4-1.5% of values, by at most 6 ulp (tests/unit/test_dsp_util.c prints it);
 * the factory presets render bit-identical; a trim on one of the differing values
 * changed a full-chain render (12 s pink noise, 48 kHz) by at most 3 LSB at 24 bit
 * (input +23.97 dB into the limiter) and 0.5 LSB (output -0.63 dB).
 * Callers evaluate it per block or at set-up, never per sample. */
#ifndef LATHE_DSP_UTIL_H
#define LATHE_DSP_UTIL_H

#include <stddef.h>

/* 10^(db/20) in double. */
double db_to_lin_d(double db);
/* The same rounded to float (db widened exactly, so db_to_lin(x) == (float)db_to_lin_d(x)). */
float db_to_lin(float db);
/* 20 log10(x); -inf for 0, NaN for negative x (as log10). */
double lin_to_db(double x);

/* Smallest power of two strictly above n (ring sizes: a ring of n + 1 slots or more
 * whose index wraps with & (cap - 1)).  pow2_above(0) = 1, pow2_above(4) = 8. */
unsigned pow2_above(unsigned n);

/* Non-RT.  n zeroed floats (at least one), 64-byte aligned (a cache line, and AVX's
 * 32 bytes), every page written once here so the RT thread never takes the first-touch
 * page fault that calloc's untouched pages would cost it.  free() releases it.
 * NULL when out of memory. */
float *dsp_alloc_floats(size_t n);
/* Non-RT.  n bytes zeroed and touched the same way (structs). */
void *dsp_calloc(size_t n);

/* The bypass / wet-dry crossfade of every module: x moved a fraction m towards
 * target, x + m (target - x), the form each module had written out.  m = 0 keeps x
 * exactly; m = 1 gives target only to rounding (x + (target - x) rounds twice), so
 * the callers copy the target outright once a fade to 1 is over.  RT. */
static inline float dsp_mix_in(float x, float target, float m) { return x + m * (target - x); }

/* Makes FFTW's planner thread-safe (once per process); call before any fftwf_plan_* or
 * fftwf_destroy_plan. Not for the RT thread (it plans nothing). */
void dsp_fftw_thread_safe(void);

#endif
