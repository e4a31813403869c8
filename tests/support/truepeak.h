/* lathe tests — the reference true-peak measurement: an ideal band-limited reconstruction
 * written for the tests, sharing no code or filter with lathe (engine/dsp/oversample.c,
 * engine/meter/truepeak.c).
 *
 * The signal is taken as zero outside [0, n) (a converter fed silence before and after) and
 * reconstructed by y(t) = sum_k x[k] s(t - k), s a Kaiser-windowed sinc with its cutoff at
 * fs/2 and 2 x 2048 samples of support (flat within 1e-7 dB to 0.4988 fs, images below
 * -150 dB: effectively the ideal sinc interpolator of Shannon's theorem for every tone up
 * to 0.4988 fs).  It is evaluated on a 16x grid by FFT convolution in double precision
 * (overlap-add, FFTW), over the whole support, so ringing before the first and after the
 * last sample is counted; every local maximum of |y| on the grid is refined by the vertex
 * of the parabola through it and its neighbours (at 16x a sine at 0.49 fs is sampled
 * every 0.19 rad: the vertex is within 1e-4 dB of the crest, where the bare grid can
 * read 0.04 dB low).  test_oversample validates it against analytic peaks (sines at
 * known inter-sample phases up to 0.49 fs, an impulse) to 0.005 dB.
 *
 * Not real-time (allocates, plans FFTs): for tests only.  Not thread-safe (the kernel's
 * spectrum and the plans are kept between calls). */
#ifndef LATHE_TEST_TRUEPEAK_H
#define LATHE_TEST_TRUEPEAK_H

#include <stddef.h>

/* True peak (linear) of one channel: n samples x[0], x[stride], ...; 0 for silence. */
double tp_ideal_linear_stride(const float *x, size_t n, size_t stride);
/* The same for a contiguous channel. */
double tp_ideal_linear(const float *x, size_t n);
/* The same in dBTP; -INFINITY for silence. */
double tp_ideal_dbtp(const float *x, size_t n);

#endif
