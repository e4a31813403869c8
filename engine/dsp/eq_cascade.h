/* lathe — the EQ's steady path: every section of every band in one pass per
 * group of sections, both channels in the two lanes of a vector.
 *
 * The module (eq.c) lists the sections in chain order with eq_cascade_add,
 * then eq_cascade_run filters the block and writes the states back into the
 * bands.  Used only while nothing glides or fades: the coefficients are
 * constant over the block. */
#ifndef LATHE_EQ_CASCADE_H
#define LATHE_EQ_CASCADE_H

#include "biquad.h"

typedef struct eq_cascade eq_cascade;

/* Which lanes a section filters: both (a stereo band), or only lane 0 (L or
 * M) or lane 1 (R or S); the other lane gets identity coefficients. */
enum { EQ_LANES_BOTH, EQ_LANE_0, EQ_LANE_1 };
/* Domain change before a section: none, L/R -> M/S, M/S -> L/R. */
enum { EQ_PRE_NONE, EQ_PRE_TO_MS, EQ_PRE_TO_LR };

/* Non-RT: room for max_ops sections and blocks of max_frames samples. */
eq_cascade *eq_cascade_new(unsigned max_ops, unsigned max_frames);
void eq_cascade_free(eq_cascade *c);
/* RT: start a new list. */
void eq_cascade_begin(eq_cascade *c);
/* RT: append one section; st is the band's state pair for this section
 * ([0] lane 0, [1] lane 1; a one-lane section uses only its own).  The
 * coefficients are copied; st is read now and written by eq_cascade_run. */
void eq_cascade_add(eq_cascade *c, const biquad_coef *sec, biquad_state st[2], int lanes, int pre);
/* RT: run the list over n samples in place (l, r in L/R); end_ms: the list
 * leaves the signal in M/S, convert back to L/R at the end. */
void eq_cascade_run(eq_cascade *c, float *l, float *r, unsigned n, int end_ms);

#endif
