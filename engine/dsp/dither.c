/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "dither.h"
#include <stdlib.h>
struct dither { int unused; };
dither *dither_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(dither)); }
void dither_free(dither *s) { free(s); }
void dither_update(dither *s, const lathe_params *p) { (void)s; (void)p; }
void dither_process(dither *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned dither_latency(const dither *s) { (void)s; return 0; }
void dither_reset(dither *s) { (void)s; }
