/* lathe — TPDF dither with optional noise shaping (/dither/...).
 *
 * Module contract (every module in engine/dsp follows it):
 *   dither_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   dither_update    RT: read this module's parameters once per block (smoothing starts here)
 *   dither_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   dither_latency   frames of delay, constant for the life of the object
 *   dither_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_DITHER_H
#define LATHE_DITHER_H

#include "../params.h"

typedef struct dither dither;

dither *dither_new(double rate, unsigned max_block);
void dither_free(dither *s);
void dither_update(dither *s, const lathe_params *p);
void dither_process(dither *s, float *l, float *r, unsigned n);
unsigned dither_latency(const dither *s);
void dither_reset(dither *s);

#endif
