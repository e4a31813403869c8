/* lathe — the console's spectrum: FFTW3f real FFTs of a stereo pair,
 * Hann-windowed, 50 % overlap, power averaged over both channels and over
 * time, then smoothed into SPECTRUM_BINS log-spaced bins of about 1/3 octave
 * each.  Not for the RT thread (the analysis thread runs it). */
#ifndef LATHE_SPECTRUM_H
#define LATHE_SPECTRUM_H

#include <stddef.h>

#define SPECTRUM_FFT 8192       /* fixed whatever the rate: FFTW plans once, at new */
#define SPECTRUM_LO_HZ 20.0
#define SPECTRUM_HI_HZ 20000.0
#define SPECTRUM_FLOOR_DB (-150.0f)

typedef struct spectrum spectrum;

spectrum *spectrum_new(unsigned rate, int bins);
void spectrum_free(spectrum *s);
void spectrum_set_rate(spectrum *s, unsigned rate);
void spectrum_reset(spectrum *s);
/* Feed frames of a stereo pair: left at x[i * stride], right at x[i * stride + 1]. */
void spectrum_add(spectrum *s, const float *x, size_t frames, size_t stride);
/* dB per log bin (a full-scale sine reads 0 dB in its bin), plus
 * slope_db_oct * log2(f / 1 kHz) (0, 3 or 4.5 dB/oct tilt pink noise flat). */
void spectrum_get(const spectrum *s, float *out, float slope_db_oct);
/* Centre frequency of a log bin. */
double spectrum_bin_hz(const spectrum *s, int bin);

#endif
