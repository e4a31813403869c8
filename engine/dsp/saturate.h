/* lathe — Saturation and clipper (/saturate/...), oversampled.
 *
 * Module contract (every module in engine/dsp follows it):
 *   saturate_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   saturate_update    RT: read this module's parameters once per block (smoothing starts here)
 *   saturate_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   saturate_latency   frames of delay, constant for the life of the object
 *   saturate_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_SATURATE_H
#define LATHE_SATURATE_H

#include "../params.h"

typedef struct saturate saturate;

saturate *saturate_new(double rate, unsigned max_block);
void saturate_free(saturate *s);
void saturate_update(saturate *s, const lathe_params *p);
void saturate_process(saturate *s, float *l, float *r, unsigned n);
unsigned saturate_latency(const saturate *s);
void saturate_reset(saturate *s);

#endif
