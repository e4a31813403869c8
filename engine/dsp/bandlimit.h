/* lathe — a steep linear-phase low-pass just below Nyquist, between the true-peak
 * limiter's two stages (engine/dsp/limiter.c, /limiter/band_limit).
 *
 * Why: an oversampled true-peak detector is a half-band interpolator, blind in its
 * transition band around fs/2 (the limiter's: flat to 0.49 fs, -6 dB at 0.5 fs).  Content
 * there (in the input, and put there by the first stage's gain modulation) is what made
 * full-band noise come out +0.5 dB over the ceiling under an ideal reconstruction
 * (tests/support/truepeak.c).  This filter removes it before the last detector looks: flat within 0.001 dB to 0.48 fs (21.2 kHz at 44.1 kHz, 23.0 kHz at 48 kHz),
 * >= 80 dB down from 0.495 fs.  Kaiser-windowed sinc (Oppenheim & Schafer, 3rd ed.,
 * eq. 7.62-7.63), odd length 2M + 1, integer delay M.
 *
 * One object per channel.  Where the mix is 0 (the limiter engages the filter only near the
 * ceiling) or the filter is switched off, the signal is delayed by the same M samples,
 * exactly (latency constant).  RT: bandlimit_process does no allocation, bounded loops. */
#ifndef LATHE_BANDLIMIT_H
#define LATHE_BANDLIMIT_H

typedef struct bandlimit bandlimit;

bandlimit *bandlimit_new(unsigned max_block);
void bandlimit_free(bandlimit *b);
/* In place, n <= max_block samples: delayed input + mix[t] (filtered - delayed input), mix
 * in 0..1 per sample; mix NULL or all zeros: the delay only, exact (and the FIR skipped). */
void bandlimit_process(bandlimit *b, float *x, unsigned n, const float *mix);
unsigned bandlimit_delay(const bandlimit *b);
void bandlimit_reset(bandlimit *b);

#endif
