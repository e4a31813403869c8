/* lathe — true-peak meter per ITU-R BS.1770-4 Annex 2, tighter than the standard asks:
 * oversample 8x at every rate with an interpolator flat to 0.495 fs, take the absolute
 * maximum of the oversampled signal, each local maximum refined by the vertex of the
 * parabola through it and its neighbours.  Within 0.05 dB of an ideal reconstruction for
 * every tone up to 0.49 fs and for full-band noise (test_meter against
 * tests/support/truepeak.c); Tech 3341 cases 15-23 in test_loudness.  Readings are
 * max(true peak, sample peak) so a filter that undershoots a sample never reads below the
 * sample itself.  Not for the RT thread's inner loop (about 200 multiplies per sample),
 * but RT-safe (no allocation after truepeak_new). */
#ifndef LATHE_TRUEPEAK_H
#define LATHE_TRUEPEAK_H

typedef struct truepeak truepeak;

truepeak *truepeak_new(unsigned rate);
void truepeak_free(truepeak *t);
/* Reconfigure for a new rate (not RT: may reallocate; state cleared). */
int truepeak_set_rate(truepeak *t, unsigned rate); /* 0, or -1 when out of memory */
/* Oversampling factor in use (8). */
int truepeak_factor(const truepeak *t);
void truepeak_reset(truepeak *t);
/* Runs n samples of one channel; returns the highest true peak (linear) among them. */
float truepeak_process(truepeak *t, const float *x, unsigned n, unsigned stride);

#endif
