/* lathe — undo and redo of parameter changes (see undo.h). */
#include "undo.h"
#include "snapshot.h"

#include <glib.h>
#include <string.h>

static uint32_t float_bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

bool undo_param_recorded(int id)
{
	/* Same set a snapshot recall moves, plus the fade time (a setting the user makes deliberately). */
	return snapshot_param_recalled(id) || id == P_SNAPSHOT_FADE;
}

static undo_step *step_at(undo_history *u, int k)
{
	return &u->steps[(u->first + k) % UNDO_MAX_STEPS];
}

static void take_baseline(undo_history *u, const lathe_params *p)
{
	u->seen_generation = params_generation(p);
	for (int i = 0; i < P_COUNT; i++)
		u->seen[i] = param_get(p, i);
	u->open = false;
	memset(u->touched, 0, sizeof u->touched);
}

undo_history *undo_new(const lathe_params *p)
{
	undo_history *u = g_new0(undo_history, 1);
	take_baseline(u, p);
	return u;
}

void undo_clear(undo_history *u, const lathe_params *p)
{
	for (int k = 0; k < u->count; k++) {
		undo_step *s = step_at(u, k);
		g_free(s->changes);
		s->changes = NULL;
		s->n = 0;
	}
	u->first = u->count = u->done = 0;
	take_baseline(u, p);
}

void undo_free(undo_history *u)
{
	if (!u)
		return;
	for (int k = 0; k < u->count; k++)
		g_free(step_at(u, k)->changes);
	g_free(u);
}

void undo_commit(undo_history *u)
{
	if (!u->open)
		return;
	u->open = false;
	int n = 0;
	for (int i = 0; i < P_COUNT; i++)
		if (u->touched[i] && float_bits(u->before[i]) != float_bits(u->seen[i]))
			n++;
	if (n == 0) {
		/* Moved and came back: nothing to undo. */
		memset(u->touched, 0, sizeof u->touched);
		return;
	}
	undo_change *c = g_new(undo_change, n);
	n = 0;
	for (int i = 0; i < P_COUNT; i++) {
		if (u->touched[i] && float_bits(u->before[i]) != float_bits(u->seen[i]))
			c[n++] = (undo_change){ i, u->before[i], u->seen[i] };
		u->touched[i] = false;
	}
	/* A new step drops whatever could have been redone. */
	for (int k = u->done; k < u->count; k++) {
		undo_step *s = step_at(u, k);
		g_free(s->changes);
		s->changes = NULL;
		s->n = 0;
	}
	u->count = u->done;
	if (u->count == UNDO_MAX_STEPS) {
		undo_step *oldest = step_at(u, 0);
		g_free(oldest->changes);
		oldest->changes = NULL;
		u->first = (u->first + 1) % UNDO_MAX_STEPS;
		u->count--;
	}
	undo_step *s = step_at(u, u->count);
	s->changes = c;
	s->n = n;
	u->count++;
	u->done = u->count;
}

void undo_poll(undo_history *u, const lathe_params *p, int64_t now_us)
{
	uint32_t gen = params_generation(p);
	if (u->open && now_us - u->last_change_us > UNDO_GROUP_US)
		undo_commit(u);
	if (gen == u->seen_generation)
		return;
	u->seen_generation = gen;
	bool changed[P_COUNT];
	bool any = false, outside_open_step = false;
	for (int i = 0; i < P_COUNT; i++) {
		float v = param_get(p, i);
		changed[i] = undo_param_recorded(i) && float_bits(v) != float_bits(u->seen[i]);
		if (changed[i]) {
			any = true;
			if (!u->touched[i])
				outside_open_step = true;
		} else if (!undo_param_recorded(i)) {
			u->seen[i] = v; /* follow unrecorded parameters silently */
		}
	}
	if (!any)
		return;
	if (u->open && outside_open_step)
		undo_commit(u);
	if (!u->open) {
		u->open = true;
		memset(u->touched, 0, sizeof u->touched);
	}
	for (int i = 0; i < P_COUNT; i++) {
		if (!changed[i])
			continue;
		if (!u->touched[i]) {
			u->touched[i] = true;
			u->before[i] = u->seen[i];
		}
		u->seen[i] = param_get(p, i);
	}
	u->last_change_us = now_us;
}

void undo_resync(undo_history *u, const lathe_params *p)
{
	undo_commit(u);
	take_baseline(u, p);
}

static void apply(undo_history *u, lathe_params *p, const undo_step *s, bool redo)
{
	for (int k = 0; k < s->n; k++) {
		float v = redo ? s->changes[k].after : s->changes[k].before;
		float applied = v;
		param_set(p, s->changes[k].id, v, &applied);
		/* Seen = what we wrote: the next poll finds no change of ours to record.
		 * seen_generation stays stale so that poll still scans for others' changes. */
		u->seen[s->changes[k].id] = applied;
	}
}

int undo_undo(undo_history *u, lathe_params *p, int64_t now_us)
{
	undo_poll(u, p, now_us); /* catch up with changes the timer has not seen yet */
	undo_commit(u);
	if (u->done == 0)
		return -1;
	u->done--;
	apply(u, p, step_at(u, u->done), false);
	return 0;
}

int undo_redo(undo_history *u, lathe_params *p, int64_t now_us)
{
	undo_poll(u, p, now_us);
	undo_commit(u);
	if (u->done == u->count)
		return -1;
	apply(u, p, step_at(u, u->done), true);
	u->done++;
	return 0;
}

int undo_can_undo(const undo_history *u)
{
	return u->done + (u->open ? 1 : 0);
}

int undo_can_redo(const undo_history *u)
{
	return u->open ? 0 : u->count - u->done;
}
