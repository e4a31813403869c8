/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "limiter.h"
#include <stdlib.h>
struct limiter { int unused; };
limiter *limiter_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(limiter)); }
void limiter_free(limiter *s) { free(s); }
void limiter_update(limiter *s, const lathe_params *p) { (void)s; (void)p; }
void limiter_process(limiter *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned limiter_latency(const limiter *s) { (void)s; return 0; }
void limiter_reset(limiter *s) { (void)s; }
float limiter_gr_db(const limiter *l) { (void)l; return 0; }
