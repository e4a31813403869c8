/* lathe — snapshots A-D and the crossfade that recalls them.
 *
 * A snapshot is a copy of every parameter value.  Recall glides every
 * continuous parameter from where it is to the stored value over
 * /snapshot/fade ms, along the parameter's own curve (geometric for log
 * parameters, so a frequency sweeps evenly in octaves), by param_set() from a
 * ~100 Hz timer; the RT thread's own smoothing (dsp/smooth.h) turns those
 * 10 ms steps into a click-free ramp.  Enums, toggles and integer-valued
 * parameters cannot glide: they switch when the fade ends.
 *
 * The monitor section (/monitor/...) and /snapshot/fade itself are not part of
 * a recall: they describe the listening room, not the master, and an A/B
 * comparison must never jump the monitor level.  They are still stored, so a
 * session file holds complete groups.
 *
 * Not RT code: runs on the main (GLib) thread.  Time is passed in (µs, any
 * monotonic origin) so tests can drive a fade exactly.
 */
#ifndef LATHE_SNAPSHOT_H
#define LATHE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include "engine/params.h"

#define SNAPSHOT_SLOTS 4 /* A, B, C, D */

typedef struct snapshot_bank {
	bool stored[SNAPSHOT_SLOTS];              /* slot holds a snapshot */
	float value[SNAPSHOT_SLOTS][P_COUNT];     /* the stored values, bit-exact copies of the store */
	int active;                               /* slot last stored or recalled, -1 for none */

	/* The fade in progress (fading == false: the fields below are stale). */
	bool fading;
	int fade_slot;                            /* slot being recalled */
	int64_t fade_start_us;                    /* time of snapshot_recall_begin */
	int64_t fade_len_us;                      /* duration; 0 = jump */
	float from[P_COUNT];                      /* values when the recall began */
	float to[P_COUNT];                        /* target values (copy: a store during the fade must not move it) */
	float written[P_COUNT];                   /* what the fade last wrote: a different value in the store
	                                             means a user took hold of that control, so the fade lets go */
	bool gliding[P_COUNT];                    /* parameter still follows the fade */
} snapshot_bank;

void snapshot_bank_init(snapshot_bank *b);

/* "A".."D" (either case) -> 0..3, anything else -1. */
int snapshot_slot(const char *name);
/* 0..3 -> "A".."D" */
const char *snapshot_name(int slot);

/* True for parameters a recall moves (everything but the monitor section and the fade time). */
bool snapshot_param_recalled(int id);
/* True for parameters that glide (continuous curves, not integer-stepped). */
bool snapshot_param_glides(int id);

/* Value of parameter id at fraction t (0..1) of the way from `from` to `to`,
 * on the parameter's curve: geometric for CURVE_LOG with positive ends,
 * linear otherwise.  Monotonic in t, exact at both ends. */
float snapshot_interpolate(int id, float from, float to, double t);

void snapshot_store(snapshot_bank *b, int slot, const lathe_params *p);

/* The slot whose recalled values are the live ones, bit for bit: the active
 * slot when it still matches, else the first stored slot that does, -1 for
 * none; the slot being recalled while a fade runs.  What the console lights,
 * so it stays true after an undo of a recall, a preset or a session load. */
int snapshot_live(const snapshot_bank *b, const lathe_params *p);

/* Begin recalling slot (which must be stored): with fade_ms <= 0 every value
 * is applied now.  Returns -1 when the slot is empty. */
int snapshot_recall_begin(snapshot_bank *b, int slot, lathe_params *p, float fade_ms, int64_t now_us);
/* Advance the fade to now_us; returns true while it continues.  At the end
 * every recalled parameter holds the stored bits exactly. */
bool snapshot_fade_step(snapshot_bank *b, lathe_params *p, int64_t now_us);

#endif
