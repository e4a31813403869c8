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
/* RT: each band's gain now, dB: the static gain (as it glides), plus a
 * dynamic band's offset; 0 for bands without a gain (cuts, notch) or off. */
void eq_live_gain_db(const eq *s, float out[EQ_BANDS]);

/* The static response (eq_response_db, eq_band_response_db): eq_response.h. */
#include "eq_response.h"

#endif
