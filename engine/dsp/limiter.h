/* lathe — True-peak lookahead limiter (/limiter/...).
 *
 * Module contract (every module in engine/dsp follows it):
 *   limiter_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   limiter_update    RT: read this module's parameters once per block (smoothing starts here)
 *   limiter_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   limiter_latency   frames of delay, constant for the life of the object
 *   limiter_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_LIMITER_H
#define LATHE_LIMITER_H

#include "../params.h"

typedef struct limiter limiter;

limiter *limiter_new(double rate, unsigned max_block);
void limiter_free(limiter *s);
void limiter_update(limiter *s, const lathe_params *p);
void limiter_process(limiter *s, float *l, float *r, unsigned n);
unsigned limiter_latency(const limiter *s);
void limiter_reset(limiter *s);
/* Largest gain reduction over the last block, dB >= 0. */
float limiter_gr_db(const limiter *l);

#endif
