/* lathe — the detector and gain computer of one dynamic EQ band.
 *
 * The band listens to itself: its input, band-passed at the band's frequency
 * and Q, on the band's channel (both channels of a stereo band, the louder
 * one counts).  Its level (in dB, a sine of amplitude A reads 20 log10 A)
 * drives an attack/release one-pole in the dB domain, then a soft-knee
 * static curve; the result moves the band's gain from its static gain by at
 * most `range` dB (negative: cut as the level rises, positive: boost).
 * eq.c calls it once per control chunk (EQ_UPDATE_INTERVAL samples) and
 * redesigns the band's sections for the new gain, gliding the coefficients
 * linearly across the next chunk.  All RT-safe: no allocation, bounded work. */
#ifndef LATHE_EQ_DYNAMIC_H
#define LATHE_EQ_DYNAMIC_H

#include "biquad.h"

#define EQ_DYN_KNEE_DB 6.0      /* soft knee width, dB, centred on the threshold */
#define EQ_DYN_FLOOR_DB (-140.0) /* the detector's floor (silence) */

typedef struct {
	biquad_coef bp;        /* the detector's band-pass, 0 dB at the band frequency */
	double s2h;            /* sin^2(w0 / 2), w0 = the band-pass centre in rad/sample */
	double inv_sin2;       /* 1 / sin^2(w0) */
	double f, q, fs;       /* what bp was designed for (redesigned only when they change) */
	biquad_state st[2];    /* band-pass state per channel, in the domain of the band's signal */
	double yprev[2];       /* band-pass output one sample back, per channel */
	int ms;                /* st and yprev of a stereo band hold M/S (1) or L/R (0) */
	double env_db;         /* the detector envelope after attack/release, dB */
	double delta_db;       /* the band's gain offset from its static gain, dB, within range */
} eq_dyn;

/* Clear state: the envelope at the floor, no offset. */
void eq_dyn_reset(eq_dyn *d);
/* Band-pass at f (Hz) with quality q for rate fs; a no-op when unchanged. */
void eq_dyn_tune(eq_dyn *d, double f, double q, double fs);
/* A stereo band's signal changed basis (L/R <-> M/S): the band-pass is linear,
 * so its state transforms like the signal does. */
void eq_dyn_to_domain(eq_dyn *d, int ms);
/* Level of n samples of the band's input, dB: x1 NULL for a one-channel band;
 * for two channels in M/S (ms = 1) the level is that of the louder of L and R. */
double eq_dyn_detect(eq_dyn *d, const float *x0, const float *x1, unsigned n, int ms);
/* Amount (dB >= 0) the static curve moves the gain at envelope level env_db:
 * Giannoulis, Massberg and Reiss, "Digital Dynamic Range Compressor Design -
 * A Tutorial and Analysis", JAES 60(6), 2012, eq. 4 (soft knee of width W):
 * 0 below T - W/2, (1 - 1/R)(x - T + W/2)^2 / (2W) across the knee,
 * (1 - 1/R)(x - T) above T + W/2. */
double eq_dyn_curve(double env_db, double threshold_db, double ratio);
/* One control step of n samples at rate fs with level level_db: the envelope
 * follows with attack_ms (rising) or release_ms (falling), and delta_db
 * becomes the curve's amount, signed and clamped to range_db.  Returns delta_db. */
double eq_dyn_step(eq_dyn *d, double level_db, double threshold_db, double ratio, double range_db,
                   double attack_ms, double release_ms, unsigned n, double fs);

#endif
