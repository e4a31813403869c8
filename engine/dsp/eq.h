/* lathe — The 8-band analog-matched EQ (/eq/...): stereo, mid, side, left or right per band.
 *
 * Module contract (every module in engine/dsp follows it):
 *   eq_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   eq_update    RT: read this module's parameters once per block (smoothing starts here)
 *   eq_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   eq_latency   frames of delay, constant for the life of the object
 *   eq_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_EQ_H
#define LATHE_EQ_H

#include "../params.h"

typedef struct eq eq;

eq *eq_new(double rate, unsigned max_block);
void eq_free(eq *s);
void eq_update(eq *s, const lathe_params *p);
void eq_process(eq *s, float *l, float *r, unsigned n);
unsigned eq_latency(const eq *s);
void eq_reset(eq *s);

/* Non-RT, pure functions of the parameter values (the console draws them):
 * magnitude in dB at frequency f (Hz) for sample rate `rate`, computed from the
 * very coefficients the RT path uses (at the settled values).
 * eq_response_db: all bands in series, 0 when /eq/bypass is on; bands on mid,
 * side, left or right are included as if they acted on the whole signal.
 * eq_band_response_db: one band (0-based), 0 when that band is bypassed. */
double eq_response_db(const lathe_params *p, double rate, double f);
double eq_band_response_db(const lathe_params *p, double rate, int band, double f);
/* eq_band_response_db at n frequencies f[] into db[] (one design for all). */
void eq_band_response_curve(const lathe_params *p, double rate, int band, const double *f, double *db, int n);

#endif
