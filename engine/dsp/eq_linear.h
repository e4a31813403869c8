/* lathe — linear-phase EQ mode (/eq/phase, /eq/resolution).
 *
 * In `minimum` mode (the default) this module only runs the minimum-phase EQ
 * (eq.c) in place: output and latency are today's, bit for bit.  In `linear`
 * mode the output is a symmetric FIR whose magnitude is the minimum-phase
 * EQ's (eq_band_response_db), run as uniformly partitioned FFT convolution.
 *
 *   resolution  taps    latency (frames) = (taps - 1) / 2 + EQL_PARTITION
 *   low          4095    2559
 *   medium       8191    4607
 *   high        16383    8703   (default)
 *   max         32767   16895
 *
 * Threads: a designer thread (non-RT) watches the parameter store, designs
 * the kernel for the current band settings and publishes it into one of two
 * preallocated slots; process() adopts it at a partition boundary with a
 * one-partition crossfade.  Changing /eq/phase or /eq/resolution changes the
 * latency: the output moves to the new timeline through crossfades (see
 * eq_linear.c), and eq_linear_latency() returns the new value at once.
 * Dynamic bands (/eq/N/dynamic) act at their static gain in linear mode:
 * the FIR is designed from the static response (eq_response.h); a level-
 * dependent linear-phase band would need a kernel per gain.
 *
 *   eq_linear_new      non-RT: everything allocated and planned; if /eq/phase
 *                      is linear, the first kernel is designed before it returns
 *   eq_linear_process  RT: runs `min` (the minimum-phase EQ) and the FIR; any n <= max_block
 *   eq_linear_latency  RT-safe: the EQ's current latency (min's in minimum mode)
 *   eq_linear_max_latency  the largest value eq_linear_latency can take
 *   eq_linear_reset    RT: clear the FIR state (after non-finite input)
 *   eq_linear_wait     non-RT, tests: wait until the kernel for the current
 *                      settings is designed and published (or timeout_ms)
 */
#ifndef LATHE_EQ_LINEAR_H
#define LATHE_EQ_LINEAR_H

#include "../params.h"
#include "eq.h"

#define EQL_PARTITION 512

typedef struct eq_linear eq_linear;

eq_linear *eq_linear_new(lathe_params *p, double rate, unsigned max_block, unsigned min_latency);
void eq_linear_free(eq_linear *s);
void eq_linear_process(eq_linear *s, eq *min, float *l, float *r, unsigned n);
unsigned eq_linear_latency(const eq_linear *s);
unsigned eq_linear_max_latency(const eq_linear *s);
void eq_linear_reset(eq_linear *s);
int eq_linear_wait(eq_linear *s, int timeout_ms);

/* Taps and latency (frames) of a resolution (EQ_RES_LOW..EQ_RES_MAX). */
unsigned eq_linear_taps(int res);
unsigned eq_linear_res_latency(int res);

#endif
