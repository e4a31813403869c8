/* PLACEHOLDER: monitors play the master until the monitor section lands (issue 4). */
#include "monitor.h"
#include <stdlib.h>
#include <string.h>
struct monitor { int unused; };
monitor *monitor_new(double rate, unsigned max_block) { (void)rate; (void)max_block; return calloc(1, sizeof(monitor)); }
void monitor_free(monitor *m) { free(m); }
void monitor_update(monitor *m, const lathe_params *p) { (void)m; (void)p; }
void monitor_process(monitor *m, const float *master_l, const float *master_r, const float *input_l, const float *input_r,
                     const float *ref_l, const float *ref_r, float *mon_l, float *mon_r, unsigned n)
{ (void)m; (void)input_l; (void)input_r; (void)ref_l; (void)ref_r; memcpy(mon_l, master_l, n * sizeof(float)); memcpy(mon_r, master_r, n * sizeof(float)); }
void monitor_reset(monitor *m) { (void)m; }
void monitor_set_match(monitor *m, float input_db, float ref_db) { (void)m; (void)input_db; (void)ref_db; }
void monitor_set_platform_gain(monitor *m, float master_db) { (void)m; (void)master_db; }
