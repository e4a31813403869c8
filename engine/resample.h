/* lathe — sample-rate conversion of whole stereo buffers, by libsoxr (the
 * SoX resampler: linear phase, VHQ = 175 dB image rejection, passband to
 * 95 % of Nyquist), for an album's mixes at another rate than the album, the
 * 44.1 kHz CD image, and Opus (48 kHz only) in the codec preview.  Not RT. */
#ifndef LATHE_RESAMPLE_H
#define LATHE_RESAMPLE_H

#include <stddef.h>

/* Interleaved stereo float at `from` Hz to `to` Hz.  Returns a malloc'd
 * buffer of exactly round(frames * to / from) frames (soxr's own delay is
 * removed, so time 0 stays time 0), or NULL. */
float *resample_stereo(const float *in, size_t frames, int from, int to, size_t *out_frames);

#endif
