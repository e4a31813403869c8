/* lathe — true-peak meter per ITU-R BS.1770-4 Annex 2: oversample (4x at
 * 44.1/48 kHz, 2x at 88.2/96 kHz, none above), take the absolute maximum of
 * the oversampled signal.  Readings are max(true peak, sample peak) so a
 * filter that undershoots a sample never reads below the sample itself. */
#ifndef LATHE_TRUEPEAK_H
#define LATHE_TRUEPEAK_H

typedef struct truepeak truepeak;

truepeak *truepeak_new(unsigned rate);
void truepeak_free(truepeak *t);
/* Reconfigure for a new rate (not RT: may reallocate; state cleared). */
int truepeak_set_rate(truepeak *t, unsigned rate); /* 0, or -1 when out of memory */
/* Oversampling factor in use (1, 2 or 4). */
int truepeak_factor(const truepeak *t);
void truepeak_reset(truepeak *t);
/* Runs n samples of one channel; returns the highest true peak (linear) among them. */
float truepeak_process(truepeak *t, const float *x, unsigned n, unsigned stride);

#endif
