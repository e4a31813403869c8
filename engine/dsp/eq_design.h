/* lathe — the EQ's band designs (non-RT numerics, also called from the RT
 * thread while a parameter glides: bounded work, no allocation).
 *
 * eq_design_band gives the second-order sections of one band: analog
 * prototypes made digital by magnitude matching (see eq_design.c), the
 * candidate closest to the prototype over the probe frequencies kept. */
#ifndef LATHE_EQ_DESIGN_H
#define LATHE_EQ_DESIGN_H

#include "biquad.h"

#define EQ_MAX_SECTIONS 4   /* 48 dB/oct = four second-order sections */
#define EQ_PROBES 24        /* frequencies where candidate designs are compared */

/* Vicanek's basis functions at one frequency w (rad/sample). */
typedef struct {
	double p0, p1, p2; /* phi0, phi1, phi2 */
} eq_phis;

/* Where candidate designs are compared: EQ_PROBES log-spaced frequencies over
 * the audible band (20 Hz .. 20 kHz, or 0.45 fs at lower rates). */
typedef struct {
	eq_phis at[EQ_PROBES];
	double w[EQ_PROBES];
	double wtop; /* the highest probe (20 kHz, or 0.45 fs), rad/sample */
} eq_probes;

void eq_probes_init(eq_probes *pt, double fs);

/* All sections of one band at rate fs (the internal rate); returns how many
 * (0 = the band is exactly identity: bells, shelves and tilt at 0 dB). */
int eq_design_band(biquad_coef sec[EQ_MAX_SECTIONS], int type, double f, double gain_db, double q, int slope,
                   double fs, const eq_probes *pt);

/* Internal rate factor: 2 below 88.2 kHz (the bands run at twice the audio rate), else 1. */
int eq_factor(double rate);

#endif
