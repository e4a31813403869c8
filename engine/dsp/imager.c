/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "imager.h"
#include <stdlib.h>
struct imager { int unused; };
imager *imager_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(imager)); }
void imager_free(imager *s) { free(s); }
void imager_update(imager *s, const lathe_params *p) { (void)s; (void)p; }
void imager_process(imager *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned imager_latency(const imager *s) { (void)s; return 0; }
void imager_reset(imager *s) { (void)s; }
