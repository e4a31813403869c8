/* lathe — the table of modules (see modules.h). */
#include "modules.h"

#include <string.h>

#include "dsp/eq.h"
#include "dsp/multiband.h"
#include "dsp/imager.h"
#include "dsp/saturate.h"
#include "dsp/limiter.h"
#include "dsp/dither.h"
#include "dsp/monitor.h"

/* The ops of a module whose file pair has the usual NAME_new/free/update/process/
 * latency/reset: thin wrappers, so no function is called through a pointer of
 * another type (undefined in ISO C, C11 6.3.2.3p8). */
#define MODULE_LIFE(name)                                                                          \
	static void *name##_op_new(double rate, unsigned max_block) { return name##_new(rate, max_block); } \
	static void name##_op_free(void *s) { name##_free(s); }                                        \
	static void name##_op_update(void *s, const lathe_params *p) { name##_update(s, p); }          \
	static void name##_op_reset(void *s) { name##_reset(s); }
#define MODULE_OPS(name)                                                                           \
	MODULE_LIFE(name)                                                                              \
	static void name##_op_process(void *s, float *l, float *r, unsigned n) { name##_process(s, l, r, n); } \
	static unsigned name##_op_latency(const void *s) { return name##_latency(s); }                 \
	static const lathe_module_ops name##_ops = { name##_op_new, name##_op_free, name##_op_update,   \
	                                             name##_op_process, name##_op_latency, name##_op_reset };

MODULE_OPS(eq)
MODULE_OPS(multiband)
MODULE_OPS(imager)
MODULE_OPS(saturate)
MODULE_OPS(limiter)
MODULE_OPS(dither)
MODULE_LIFE(monitor)
static const lathe_module_ops monitor_ops = { monitor_op_new, monitor_op_free, monitor_op_update, NULL, NULL, monitor_op_reset };

#define NO_TRIM -1, -1

static const lathe_module modules[] = {
	{ "bypass", "Chain", "Pass the input to the master out untouched, delayed by the chain's latency.",
	  "master", 0, 0, LATHE_MOD_CONTROL, NULL, NO_TRIM },
	{ "input", "Input", "Trim the level of the mix before anything else touches it.",
	  "input_eq", 1, 0, LATHE_MOD_TRIM, NULL, P_INPUT_GAIN, P_INPUT_BYPASS },
	{ "eq", "EQ", "Eight bands of analog-matched EQ, each on stereo, mid, side, left or right. Drag the nodes or use the band controls.",
	  "input_eq", 2, 0, LATHE_MOD_DSP, &eq_ops, NO_TRIM },
	{ "mb", "Multiband", "Up to four bands of compression, split by Linkwitz-Riley crossovers. The meter bridge shows each band's gain reduction.",
	  "dynamics", 3, 1, LATHE_MOD_DSP, &multiband_ops, NO_TRIM },
	{ "imager", "Imager", "Stereo width per band, bass mono below a frequency, and balance.",
	  "imager_saturation", 4, 0, LATHE_MOD_DSP, &imager_ops, NO_TRIM },
	{ "saturate", "Saturation", "Tape, tube or clipper saturation, oversampled.",
	  "imager_saturation", 5, 0, LATHE_MOD_DSP, &saturate_ops, NO_TRIM },
	{ "limiter", "Limiter", "True-peak limiter: Drive pushes the level into it, Ceiling is the highest true peak that leaves. Watch LIM in the meter bridge.",
	  "limiter_output", 6, 1, LATHE_MOD_DSP, &limiter_ops, NO_TRIM },
	/* output trim before dither: dither must be the last thing that touches the word
	 * length (engine.h); the console shows Dither before Output all the same */
	{ "output", "Output", "Final trim of the master, after the limiter (it can lift peaks over the ceiling) and before dither, which stays last.",
	  "limiter_output", 8, 0, LATHE_MOD_TRIM, NULL, P_OUTPUT_GAIN, P_OUTPUT_BYPASS },
	{ "dither", "Dither", "Word-length reduction with TPDF dither and optional noise shaping; the last stage before the master out.",
	  "limiter_output", 7, 0, LATHE_MOD_DSP, &dither_ops, NO_TRIM },
	{ "monitor", "Monitor", "What the monitor outputs play: the master, the input or the reference, loudness-matched, with level, dim, solo and platform preview.",
	  "monitor", 0, 0, LATHE_MOD_MONITOR, &monitor_ops, NO_TRIM },
	{ "target", "Target", "The integrated loudness the limiter drive is learned for, or a platform's.",
	  "master", 0, 0, LATHE_MOD_CONTROL, NULL, NO_TRIM },
	{ "snapshot", "Snapshots", "Settings stored as snapshots A-D and recalled with a crossfade.",
	  "master", 0, 0, LATHE_MOD_CONTROL, NULL, NO_TRIM },
};

#define N_MODULES ((int)(sizeof modules / sizeof modules[0]))
_Static_assert(sizeof modules / sizeof modules[0] <= LATHE_MODULES_MAX, "raise LATHE_MODULES_MAX");

int lathe_module_count(void) { return N_MODULES; }

const lathe_module *lathe_module_get(int i) { return i >= 0 && i < N_MODULES ? &modules[i] : NULL; }

int lathe_module_index(const char *id)
{
	for (int i = 0; id && i < N_MODULES; i++)
		if (!strcmp(modules[i].id, id))
			return i;
	return -1;
}

const lathe_module *lathe_module_find(const char *id) { return lathe_module_get(lathe_module_index(id)); }

const lathe_module *lathe_module_console_page(int page)
{
	for (int i = 0; i < N_MODULES; i++)
		if (page > 0 && modules[i].console_page == page)
			return &modules[i];
	return NULL;
}
