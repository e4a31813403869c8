/* lathe — Multiband dynamics (/mb/...): up to 4 bands split by Linkwitz-Riley 24 dB/oct crossovers.
 *
 * Module contract (every module in engine/dsp follows it):
 *   multiband_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   multiband_update    RT: read this module's parameters once per block (smoothing starts here)
 *   multiband_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   multiband_latency   frames of delay, constant for the life of the object
 *   multiband_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_MULTIBAND_H
#define LATHE_MULTIBAND_H

#include "../params.h"

typedef struct multiband multiband;

multiband *multiband_new(double rate, unsigned max_block);
void multiband_free(multiband *s);
void multiband_update(multiband *s, const lathe_params *p);
void multiband_process(multiband *s, float *l, float *r, unsigned n);
unsigned multiband_latency(const multiband *s);
void multiband_reset(multiband *s);
/* Gain reduction of each band over the last block, dB >= 0. */
void multiband_gr_db(const multiband *m, float gr[MB_BANDS]);

#endif
