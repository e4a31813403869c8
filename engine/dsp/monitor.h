/* lathe — the monitor section (/monitor/...): what the studio converters play.
 * It never changes the master out: it reads master, input and reference and
 * writes only the monitor buffers. */
#ifndef LATHE_MONITOR_H
#define LATHE_MONITOR_H

#include "../params.h"

typedef struct monitor monitor;

monitor *monitor_new(double rate, unsigned max_block);
void monitor_free(monitor *m);
void monitor_update(monitor *m, const lathe_params *p);
/* master: the master out; input: the chain input delayed to line up with the
 * master; ref: the reference input.  Writes mon_l/mon_r. */
void monitor_process(monitor *m, const float *master_l, const float *master_r,
                     const float *input_l, const float *input_r,
                     const float *ref_l, const float *ref_r,
                     float *mon_l, float *mon_r, unsigned n);
void monitor_reset(monitor *m);
/* Loudness-match and platform gains, set from the analysis thread (atomic, any thread):
 * dB to apply to the input and to the reference so they match the master, and
 * the gain a platform preview applies to the master. */
void monitor_set_match(monitor *m, float input_db, float ref_db);
void monitor_set_platform_gain(monitor *m, float master_db);

#endif
