/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "saturate.h"
#include <stdlib.h>
struct saturate { int unused; };
saturate *saturate_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(saturate)); }
void saturate_free(saturate *s) { free(s); }
void saturate_update(saturate *s, const lathe_params *p) { (void)s; (void)p; }
void saturate_process(saturate *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned saturate_latency(const saturate *s) { (void)s; return 0; }
void saturate_reset(saturate *s) { (void)s; }
