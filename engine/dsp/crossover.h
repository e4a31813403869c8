/* lathe — the one Linkwitz-Riley crossover: N bands (1..4), 24 (or 48) dB/octave,
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
 * LR8 (order 8, for the imager's mono bass, where 24 dB/oct is not steep
 * enough): low = B4^-2, high = s^8 B4^-2 with the 4th-order Butterworth
 * B4 = D1 D2 (Q1 = 0.5412, Q2 = 1.3066); since B4(s) B4(-s) = 1 + s^8 the
 * sum is B4(-s)/B4(s) = AP(Q1) AP(Q2), again an all-pass.
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
 * Sections: the trapezoidal-integrated state variable filter (Simper,
 * "Linear Trap Integrated SVF", Cytomic 2013; Zavalishin, "The Art of VA
 * Filter Design", 2012), not the shared TDF-II biquad.  Its transfer functions
 * are exactly the bilinear-transformed (prewarped) prototypes, the same as the
 * RBJ designs in biquad.c (the tests compare against those), but its states
 * are integrator states that stay meaningful when the coefficients move.
 * Measured, a 20 kHz -> 20 Hz glide in 30 ms with a 100 Hz sine through the
 * band sum: TDF-II sections overshoot by +12 dB, the SVF by +6.8 dB, and the
 * SVF with the stretched glide of crossover_set_freqs (150 ms for those 10
 * octaves) by +1.65 dB (test_crossover).  One SVF per split also yields
 * low, high and all-pass outputs of the same section, so an LR4 split costs
 * three SVFs (shared first section, then low and high second sections).
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

#include "smooth.h"

#define XO_MAX_BANDS 4
#define XO_MAX_SPLITS (XO_MAX_BANDS - 1)
#define XO_CHANNELS 2
#define XO_CHUNK 32          /* samples between coefficient updates during a glide */
#define XO_MIN_RATIO 1.41421356f /* half an octave between neighbouring crossovers */
#define XO_FMIN 20.0f

#define XO_MAX_Q 2                   /* distinct Butterworth sections per branch: 1 (LR4), 2 (LR8) */
#define XO_MAX_STAGES (2 * XO_MAX_Q) /* sections per branch: the Butterworth filter squared */

/* One trapezoidal SVF section (Simper's a1, a2, a3 for g = tan(pi f / fs), and k = 1/Q).
 * Single precision: coefficients are designed in double and rounded once; the
 * recursion runs in float (see crossover.c for why that is accurate enough). */
typedef struct {
	float a1, a2, a3, k;
} xo_svf_coef;

typedef struct {
	float ic1, ic2; /* the two integrators' equivalent currents (Simper's ic1eq, ic2eq) */
} xo_svf_state;

typedef struct {
	double rate;
	int bands;                          /* active band count, 1..XO_MAX_BANDS (splits = bands - 1) */
	int nq;                             /* Butterworth sections per half branch: 1 = LR4, 2 = LR8 */
	int wide;                           /* the CPU has AVX2: crossover_split2 uses eight lanes (LR4) */
	float fmax;                         /* highest crossover: 0.45 fs (bilinear warping grows fast above) */
	float target_hz[XO_MAX_SPLITS];     /* where the glide ends, ordered; used exactly once it has */
	smooth log2f[XO_MAX_SPLITS];        /* current log2(frequency), ramping linearly toward log2(target) */
	float hz[XO_MAX_SPLITS];            /* frequency the coefficients were computed for */
	xo_svf_coef coef[XO_MAX_SPLITS][XO_MAX_Q]; /* per split, the Butterworth sections: LP, HP and AP outputs */
	/* state, per channel: */
	xo_svf_state first[XO_CHANNELS][XO_MAX_SPLITS];  /* first section of each split, shared by LP and HP */
	xo_svf_state lo[XO_CHANNELS][XO_MAX_SPLITS][XO_MAX_STAGES - 1]; /* the other LP sections (LP^2 = LR low) */
	xo_svf_state hi[XO_CHANNELS][XO_MAX_SPLITS][XO_MAX_STAGES - 1]; /* the other HP sections (HP^2 = LR high) */
	xo_svf_state comp[XO_CHANNELS][XO_MAX_SPLITS][XO_MAX_SPLITS][XO_MAX_Q]; /* [band][split]: all-pass phase compensation of a band's low output by the higher splits */
	xo_svf_state ap[XO_CHANNELS][XO_MAX_SPLITS][XO_MAX_Q]; /* crossover_allpass() path */
} crossover;

/* Non-RT or RT: set rate, band count, order (4 = LR4, 24 dB/oct; 8 = LR8,
 * 48 dB/oct) and frequencies at once (no glide), clear state.  hz holds
 * bands - 1 frequencies (any order; they are clamped, ordered and spaced). */
void crossover_init(crossover *xo, double rate, int bands, int order, const float *hz);
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
/* crossover_split, and ap (n samples, in place) through the sum's all-pass of channel ch
 * (crossover_allpass) at the same time: it rides in a spare vector lane of the split.  The
 * same filters as crossover_split then crossover_allpass; the all-pass sections of an LR8
 * split run in the other order (c1, c0), so the all-pass output may differ by rounding. */
void crossover_split_allpass(crossover *xo, int ch, const float *x, float *const band[], float *ap, unsigned n);
/* crossover_split for channels 0 and 1 at once (four float lanes: low and high branch of
 * both channels): the same result, bit for bit, as crossover_split(xo, 0, x0, band0, n) then crossover_split(xo, 1, x1, band1, n),
 * at about half the cost. */
void crossover_split2(crossover *xo, const float *x0, const float *x1, float *const band0[], float *const band1[], unsigned n);
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
