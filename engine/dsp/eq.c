/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "eq.h"
#include <stdlib.h>
struct eq { int unused; };
eq *eq_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(eq)); }
void eq_free(eq *s) { free(s); }
void eq_update(eq *s, const lathe_params *p) { (void)s; (void)p; }
void eq_process(eq *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned eq_latency(const eq *s) { (void)s; return 0; }
void eq_reset(eq *s) { (void)s; }
