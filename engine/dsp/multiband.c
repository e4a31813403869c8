/* PLACEHOLDER pass-through until the real module lands (issue 3). */
#include "multiband.h"
#include <stdlib.h>
struct multiband { int unused; };
multiband *multiband_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(multiband)); }
void multiband_free(multiband *s) { free(s); }
void multiband_update(multiband *s, const lathe_params *p) { (void)s; (void)p; }
void multiband_process(multiband *s, float *l, float *r, unsigned n) { (void)s; (void)l; (void)r; (void)n; }
unsigned multiband_latency(const multiband *s) { (void)s; return 0; }
void multiband_reset(multiband *s) { (void)s; }
void multiband_gr_db(const multiband *m, float gr[MB_BANDS]) { (void)m; for (int i = 0; i < MB_BANDS; i++) gr[i] = 0; }
