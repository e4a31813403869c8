/* lathe — the table of modules (issue 16): one row per registry prefix, in chain order.
 *
 * Everything that used to list the modules by hand reads this table: the engine
 * (create, update, process, latency, reset, free: engine.c loops over the rows),
 * the console (its chain strip: title, the line under it, page order), the Open
 * Stage Control layout (which page a module goes to, its title), docs/osc.md (the
 * module list) and the bench.  Adding a module is its file pair, its registry rows
 * (engine/params.c), its test, and one row in modules.c.
 * tests/unit/test_modules.c checks the table against the registry and the engine. */
#ifndef LATHE_MODULES_H
#define LATHE_MODULES_H

#include "params.h"

/* Upper bound on rows (engine.c keeps one state pointer per row). */
#define LATHE_MODULES_MAX 16

typedef enum {
	LATHE_MOD_CONTROL, /* registry rows only, no audio stage (/bypass, /target, /snapshot) */
	LATHE_MOD_TRIM,    /* a gain the engine ramps itself: gain_param in dB unless bypass_param */
	LATHE_MOD_DSP,     /* a stage of the chain with ops (all of them set) */
	LATHE_MOD_MONITOR, /* after the master out, on the monitor outputs: ops without process/latency
	                      (monitor_process takes the master, input and reference; engine.c calls it) */
} lathe_module_kind;

/* A stage's life cycle, the signatures every module's file pair already has
 * (NAME_new(rate, max_block), NAME_update(s, params), NAME_process(s, l, r, n)...).
 * new/free/update are non-RT or once per block; process, reset are RT. */
typedef struct {
	void *(*create)(double rate, unsigned max_block);
	void (*destroy)(void *s);
	void (*update)(void *s, const lathe_params *p);
	void (*process)(void *s, float *l, float *r, unsigned n);
	unsigned (*latency)(const void *s); /* frames, constant for the life of the state */
	void (*reset)(void *s);
} lathe_module_ops;

typedef struct {
	const char *id;       /* the registry prefix: "/eq/3/freq" belongs to "eq" (param_info.module) */
	const char *title;    /* console strip and layout panel name */
	const char *about;    /* one line for whoever sees it the first time (console, docs) */
	const char *osc_tab;  /* id of the Open Stage Control page it sits on (osc_layout.c's pages) */
	int console_page;     /* 1-based place in the console's chain strip; 0 = no page there */
	int meters;           /* 1 = its gain reduction is metered (meter bridge, /meter/gr/...) */
	lathe_module_kind kind;
	const lathe_module_ops *ops; /* LATHE_MOD_DSP and LATHE_MOD_MONITOR; NULL otherwise */
	int gain_param, bypass_param; /* LATHE_MOD_TRIM: registry ids; -1 otherwise */
} lathe_module;

/* Rows in chain order (the order engine_process runs them); the CONTROL rows
 * sit where their effect is (the global bypass first, target and snapshots last). */
int lathe_module_count(void);
const lathe_module *lathe_module_get(int i); /* NULL out of range */
const lathe_module *lathe_module_find(const char *id); /* NULL when no row has it */
int lathe_module_index(const char *id);      /* -1 when no row has it */
/* The row on console page `page` (1-based), NULL when none. */
const lathe_module *lathe_module_console_page(int page);

#endif
