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
/* The same with another band: passband 0..pass_edge (a fraction of the base rate, below 1/2),
 * images and aliases rejected by atten_db (20..160) from 1 - pass_edge; the first half-band
 * stage's length grows as 1 / (1/2 - pass_edge).  oversample_new is pass_edge 20/44.1,
 * 105 dB.  A true-peak detector that must see every tone up to 0.49 fs uses 0.49 (a stage
 * of 4.5 times the taps at 105 dB).  NULL on bad args. */
oversample *oversample_new_band(int factor, unsigned max_block, double pass_edge, double atten_db);
/* n base-rate samples in, n * factor high-rate samples out (n <= max_block). */
void oversample_up(oversample *os, const float *in, float *out, unsigned n);
/* n * factor high-rate samples in, n base-rate samples out (n <= max_block). */
void oversample_down(oversample *os, const float *in, float *out, unsigned n);
int oversample_factor(const oversample *os);
unsigned oversample_up_delay(const oversample *os);
unsigned oversample_latency(const oversample *os);
void oversample_reset(oversample *os);
/* Kaiser window w(r) = I0(beta sqrt(1 - r^2)) / I0(beta), |r| <= 1 (non-RT: filter design). */
double oversample_kaiser(double beta, double r);
/* The folded symmetric FIR kernel of the half-band stages, for other linear-phase FIRs
 * (engine/dsp/bandlimit.c): acc[t] += scale * sum_{j<k} g[j] (x[t - j] + x[t - (last - j)]),
 * t < n; x[-last..n) readable.  RT-safe. */
void oversample_fir_pairs(const float *g, int k, int last, const float *x, float *acc, float scale, unsigned n);

#endif
