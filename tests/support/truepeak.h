/* lathe tests — reference true-peak measurement: 16x oversampling (engine/dsp/oversample.c,
 * four half-band stages, >= 100 dB stopband, flat to 20 kHz at 44.1 kHz) and the largest
 * absolute high-rate sample.  At 16x the under-read of a sine is at most
 * 1 - cos(pi f / (16 fs)): 0.035 dB at 20 kHz / 44.1 kHz, far below BS.1770-4's 4x meter
 * (up to 0.6 dB).  Not real-time (allocates); for tests only. */
#ifndef LATHE_TEST_TRUEPEAK_H
#define LATHE_TEST_TRUEPEAK_H

#include <stddef.h>

/* True peak of one channel (n samples, any length) in dBTP; -INFINITY for silence.
 * The filter tail is flushed, so a peak in the last samples is counted. */
double tp16_dbtp(const float *x, size_t n);
/* Same, linear. */
double tp16_linear(const float *x, size_t n);

#endif
