/* lathe — Stereo imager (/imager/...): width overall and per band, mono bass, balance.
 *
 * Module contract (every module in engine/dsp follows it):
 *   imager_new       non-RT: allocates everything for this rate and blocks of up to max_block frames
 *   imager_update    RT: read this module's parameters once per block (smoothing starts here)
 *   imager_process   RT: process n <= max_block frames in place; handles its own /bypass and
 *                 keeps its latency constant whatever is bypassed
 *   imager_latency   frames of delay, constant for the life of the object
 *   imager_reset     RT: clear filter/envelope state (after non-finite input)
 */
#ifndef LATHE_IMAGER_H
#define LATHE_IMAGER_H

#include "../params.h"

typedef struct imager imager;

imager *imager_new(double rate, unsigned max_block);
void imager_free(imager *s);
void imager_update(imager *s, const lathe_params *p);
void imager_process(imager *s, float *l, float *r, unsigned n);
unsigned imager_latency(const imager *s);
void imager_reset(imager *s);

#endif
