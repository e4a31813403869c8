/* lathe — undo and redo of parameter changes.
 *
 * The history does not hook into the setters: it watches the store.  A poll
 * (every ~50 ms from a GLib timeout) compares each parameter with the value
 * it saw last, so changes from the console, OSC, a session load or a
 * snapshot recall are all seen the same way.  Changes are grouped into one
 * step while they keep coming within UNDO_GROUP_US of each other and touch
 * only parameters the open step already holds: a fader drag or a burst of
 * OSC messages on one control is one step; a load (many parameters in one
 * poll) is one step; touching a different control starts a new step.
 *
 * The monitor section is not recorded (see snapshot_param_recalled: undo
 * must never bring back a monitor level you just turned down).
 *
 * Undo writes the old values and updates what the watcher has seen to them,
 * so it does not record itself.  Not RT code; time is passed in (µs).
 */
#ifndef LATHE_UNDO_H
#define LATHE_UNDO_H

#include <stdbool.h>
#include <stdint.h>
#include "engine/params.h"

#define UNDO_MAX_STEPS 256          /* oldest steps are forgotten beyond this */
#define UNDO_GROUP_US 500000        /* changes closer than this merge into one step */

typedef struct {
	int id;
	float before, after;
} undo_change;

typedef struct {
	undo_change *changes;  /* g_malloc'd */
	int n;
} undo_step;

typedef struct undo_history {
	float seen[P_COUNT];         /* each value as of the last poll (what "before" is taken from) */
	uint32_t seen_generation;    /* store generation at the last poll; equal = nothing to scan */
	undo_step steps[UNDO_MAX_STEPS]; /* ring of recorded steps */
	int first;                   /* ring index of the oldest step */
	int count;                   /* steps recorded */
	int done;                    /* steps currently applied: [0, done) can be undone, [done, count) redone */

	/* The open (not yet recorded) step. */
	bool open;
	bool touched[P_COUNT];       /* parameter belongs to the open step */
	float before[P_COUNT];       /* its value when the open step first touched it */
	int64_t last_change_us;      /* time of the latest change in the open step */
} undo_history;

undo_history *undo_new(const lathe_params *p);
void undo_free(undo_history *u);
/* Forget everything and take the store as it is now as the baseline. */
void undo_clear(undo_history *u, const lathe_params *p);
/* Look at the store; record or extend steps. */
void undo_poll(undo_history *u, const lathe_params *p, int64_t now_us);
/* Close the open step now (before an undo, or before a snapshot recall). */
void undo_commit(undo_history *u);
/* Take the store as seen without recording (after something that must not be a step). */
void undo_resync(undo_history *u, const lathe_params *p);
/* Return 0 when a step was undone/redone, -1 when there was none. */
int undo_undo(undo_history *u, lathe_params *p, int64_t now_us);
int undo_redo(undo_history *u, lathe_params *p, int64_t now_us);
int undo_can_undo(const undo_history *u);  /* steps available (the open one counts) */
int undo_can_redo(const undo_history *u);
bool undo_param_recorded(int id);

#endif
