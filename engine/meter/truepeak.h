/* lathe — true-peak meter per ITU-R BS.1770-4 Annex 2, tighter than the standard asks:
 * oversample 4x at every rate with a Kaiser-windowed sinc flat to 0.499 fs (FFT
 * overlap-save), then refine every crest of the 4x signal at 8x by a short half-sample
 * interpolator and the vertex of a parabola.  Within 0.05 dB of an ideal reconstruction
 * for full-band noise, tones and onsets up to 0.49 fs, squares, impulses and clipped
 * programme (test_meter against tests/support/truepeak.c); Tech 3341 cases 15-23 in
 * test_loudness.  Readings are max(true peak, sample peak) so a filter that undershoots a
 * sample never reads below the sample itself.
 *
 * The reading is late by a constant truepeak_latency() samples (6656: 151 ms at 44.1 kHz, 139 ms at 48 kHz),
 * whatever the block sizes fed; truepeak_flush() reads what is still inside at the end of
 * a stream.  Not for the RT thread's inner loop (one FFT block every 5120 samples), but
 * RT-safe after truepeak_new (no allocation, lock or I/O in process/flush). */
#ifndef LATHE_TRUEPEAK_H
#define LATHE_TRUEPEAK_H

typedef struct truepeak truepeak;

truepeak *truepeak_new(unsigned rate);
void truepeak_free(truepeak *t);
/* Reconfigure for a new rate (the filter is relative to the rate: state cleared). */
int truepeak_set_rate(truepeak *t, unsigned rate); /* 0, or -1 when out of memory */
/* Oversampling factor of the FFT interpolator (4; crests are refined to 8x). */
int truepeak_factor(const truepeak *t);
/* Delay of the reading in samples (constant). */
unsigned truepeak_latency(const truepeak *t);
void truepeak_reset(truepeak *t);
/* Runs n samples of one channel; returns the highest true peak (linear) among the samples
 * truepeak_latency() earlier than these (their own peaks come out in later calls). */
float truepeak_process(truepeak *t, const float *x, unsigned n, unsigned stride);
/* End of stream: the highest true peak among the samples not yet read (feeds
 * truepeak_latency() zeros: the ringing after the last sample counts too). */
float truepeak_flush(truepeak *t);

#endif
