/* lathe — the one Linkwitz-Riley crossover: N bands (1..4), 24 dB/octave,
 * all-pass compensated so the sum of the bands is an all-pass (flat).
 * Used by the multiband dynamics (up to 4 bands) and the imager (3 width
 * bands, and a 2-band split for mono bass).
 *
 * LR4 (Linkwitz, "Active crossover networks for noncoincident drivers",
 * JAES 1976): low = LP2^2, high = HP2^2 with 2nd-order Butterworth sections
 * (Q = 1/sqrt2).  Then
 *     LP2^2 + HP2^2 = (1 + s^4) / (s^2 + sqrt2 s + 1)^2 = (s^2 - sqrt2 s + 1) / (s^2 + sqrt2 s + 1)
 * which is the 2nd-order all-pass AP2 with the same f0 and Q = 1/sqrt2.  The
 * bilinear transform (prewarped at f0) preserves that identity, so in the
 * digital domain too LP4(f) + HP4(f) = AP2(f), exactly up to rounding.
 *
 * More than 2 bands: the tree of D'Appolito ("Testing Loudspeakers", 1998)
 * and Linkwitz (linkwitzlab.com, "crossovers"): split at the lowest
 * frequency; the low output then runs through the all-pass AP2 of every
 * higher crossover, so that each branch carries the same phase:
 *     band0 = LP4(f1) AP(f2) AP(f3)
 *     band1 = HP4(f1) LP4(f2) AP(f3)
 *     band2 = HP4(f1) HP4(f2) LP4(f3)
 *     band3 = HP4(f1) HP4(f2) HP4(f3)
 *     sum   = AP(f1) AP(f2) AP(f3)            (|sum| = 1 at every frequency)
 * crossover_allpass() runs a signal through that same product, for a path
 * that is not split but must stay in phase with one that is (the imager's mid).
 *
 * Frequencies glide on a log scale (linear ramp of log2 f) and coefficients
 * are recomputed every XO_CHUNK samples during a glide; they are kept ordered
 * with f[k+1] >= XO_MIN_RATIO * f[k], inside [XO_FMIN, 0.45 fs].
 *
 * The struct holds no pointers: owners embed it.  RT-safe: nothing here
 * allocates.  Usage per block, in chunks of at most XO_CHUNK samples:
 *     crossover_advance(xo, k);  then crossover_split() / crossover_allpass()
 *     for each channel on those k samples.
 */
#ifndef LATHE_CROSSOVER_H
#define LATHE_CROSSOVER_H

#include "biquad.h"
#include "smooth.h"

#define XO_MAX_BANDS 4
#define XO_MAX_SPLITS (XO_MAX_BANDS - 1)
#define XO_CHANNELS 2
#define XO_CHUNK 32          /* samples between coefficient updates during a glide */
#define XO_MIN_RATIO 1.41421356f /* half an octave between neighbouring crossovers */
#define XO_FMIN 20.0f

typedef struct {
	double rate;
	int bands;                          /* active band count, 1..XO_MAX_BANDS (splits = bands - 1) */
	float fmax;                         /* highest crossover: 0.45 fs (bilinear warping grows fast above) */
	float target_hz[XO_MAX_SPLITS];     /* where the glide ends, ordered; used exactly once it has */
	smooth log2f[XO_MAX_SPLITS];        /* current log2(frequency), ramping linearly toward log2(target) */
	float hz[XO_MAX_SPLITS];            /* frequency the coefficients were computed for */
	biquad_coef lp[XO_MAX_SPLITS];      /* Butterworth low pass, Q = 1/sqrt2: run twice = LR4 low */
	biquad_coef hp[XO_MAX_SPLITS];      /* Butterworth high pass, Q = 1/sqrt2: run twice = LR4 high */
	biquad_coef ap[XO_MAX_SPLITS];      /* 2nd-order all pass, Q = 1/sqrt2 = LP4 + HP4 */
	/* state, per channel: */
	biquad_state lp_st[XO_CHANNELS][XO_MAX_SPLITS][2];  /* the two LP sections of each split */
	biquad_state hp_st[XO_CHANNELS][XO_MAX_SPLITS][2];  /* the two HP sections of each split */
	biquad_state comp_st[XO_CHANNELS][XO_MAX_SPLITS][XO_MAX_SPLITS]; /* [band][split]: phase compensation of band's low output by the higher splits */
	biquad_state ap_st[XO_CHANNELS][XO_MAX_SPLITS];     /* crossover_allpass() path */
} crossover;

/* Non-RT or RT: set rate, band count and frequencies at once (no glide), clear state.
 * hz holds bands - 1 frequencies (any order; they are sorted and spaced). */
void crossover_init(crossover *xo, double rate, int bands, const float *hz);
/* New band count: a structural change, state is cleared (owners fade around it). */
void crossover_set_bands(crossover *xo, int bands);
/* New target frequencies (bands - 1 of them, clamped and ordered), reached
 * after ramp_samples along a log-frequency line.  Same targets: no restart. */
void crossover_set_freqs(crossover *xo, const float *hz, int ramp_samples);
/* Move the glide on by k samples (k <= XO_CHUNK while gliding) and recompute
 * coefficients if it moved.  Call once per chunk, before the channels run. */
void crossover_advance(crossover *xo, unsigned k);
static inline int crossover_gliding(const crossover *xo)
{
	for (int i = 0; i < xo->bands - 1; i++)
		if (smooth_active(&xo->log2f[i]))
			return 1;
	return 0;
}
/* Split channel ch's n samples into xo->bands band buffers (band[b][0..n)).
 * x may alias band[0]. */
void crossover_split(crossover *xo, int ch, const float *x, float *const band[], unsigned n);
/* x through the sum's all-pass AP(f1)...AP(f_{bands-1}) in place (own state per channel). */
void crossover_allpass(crossover *xo, int ch, float *x, unsigned n);
/* Clear all filter state. */
void crossover_reset(crossover *xo);
/* Replace the state of channels 0/1 by a linear mix (c0 = a c0 + b c1, c1 = c c0 + d c1):
 * the filters are linear, so converting L/R state to M/S state this way makes
 * the switch of a signal basis seamless. */
void crossover_remix_state(crossover *xo, double a, double b, double c, double d);
/* Current frequency of split k (0-based). */
static inline float crossover_freq(const crossover *xo, int k) { return xo->hz[k]; }

#endif
