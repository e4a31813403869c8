/* lathe — oversampling by 1, 2, 4, 8 or 16: cascaded polyphase half-band FIR stages.
 *
 * One object serves ONE channel and holds independent state for the up and the
 * down direction, so a caller may use up only (true-peak detection) or up,
 * something nonlinear, then down (saturation).
 *
 * Filters (designed in oversample_new, documented in oversample.c and measured
 * by tests/unit/test_oversample.c):
 *   passband flat to 20 kHz at 44.1 kHz (and 21.7 kHz at 48 kHz) within 0.001 dB,
 *   stopband (images / aliases) >= 100 dB from 24.1 kHz (44.1 kHz) / 26.2 kHz (48 kHz),
 *   DC gain exactly 1 (every polyphase branch sums to 1).
 *
 * Latency:
 *   oversample_up_delay   delay of the up path, in samples at the HIGH rate (an integer);
 *                         input sample x[k] appears as out[factor*k + up_delay].
 *   oversample_latency    delay of up followed by down, in base-rate samples (an integer:
 *                         the down path pads at the high rate to make it so).
 *
 * RT: oversample_up/down/reset do no allocation, no locks, bounded loops. */
#ifndef LATHE_OVERSAMPLE_H
#define LATHE_OVERSAMPLE_H

typedef struct oversample oversample;

/* factor in {1, 2, 4, 8, 16}; blocks of up to max_block base-rate samples.  NULL on bad args. */
oversample *oversample_new(int factor, unsigned max_block);
void oversample_free(oversample *os);
/* n base-rate samples in, n * factor high-rate samples out (n <= max_block). */
void oversample_up(oversample *os, const float *in, float *out, unsigned n);
/* n * factor high-rate samples in, n base-rate samples out (n <= max_block). */
void oversample_down(oversample *os, const float *in, float *out, unsigned n);
int oversample_factor(const oversample *os);
unsigned oversample_up_delay(const oversample *os);
unsigned oversample_latency(const oversample *os);
void oversample_reset(oversample *os);

#endif
