/* lathe — snapshots A-D and their crossfaded recall (see snapshot.h). */
#include "snapshot.h"

#include <math.h>
#include <string.h>

static const char *const slot_names[SNAPSHOT_SLOTS] = { "A", "B", "C", "D" };

static uint32_t float_bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

void snapshot_bank_init(snapshot_bank *b)
{
	memset(b, 0, sizeof *b);
	b->active = -1;
}

int snapshot_slot(const char *name)
{
	if (!name || !name[0] || name[1])
		return -1;
	char c = name[0];
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c < 'A' || c >= 'A' + SNAPSHOT_SLOTS)
		return -1;
	return c - 'A';
}

const char *snapshot_name(int slot)
{
	return (slot >= 0 && slot < SNAPSHOT_SLOTS) ? slot_names[slot] : "?";
}

bool snapshot_param_recalled(int id)
{
	if (id < 0 || id >= P_COUNT)
		return false;
	if (id >= P_MON_BYPASS && id <= P_MON_CAL_SIGNAL)
		return false;
	return id != P_SNAPSHOT_FADE;
}

bool snapshot_param_glides(int id)
{
	const param_info *pi = param_info_get(id);
	if (!pi || pi->step > 0)
		return false;
	return pi->curve == CURVE_LIN || pi->curve == CURVE_LOG || pi->curve == CURVE_DB;
}

float snapshot_interpolate(int id, float from, float to, double t)
{
	if (!(t > 0))
		return from;
	if (t >= 1)
		return to;
	const param_info *pi = param_info_get(id);
	double v;
	if (pi && pi->curve == CURVE_LOG && from > 0 && to > 0)
		/* Equal steps in log(value): a frequency moves by equal musical intervals per step. */
		v = from * pow((double)to / from, t);
	else
		v = from + ((double)to - from) * t;
	/* Keep inside [from, to] even after rounding so the path stays monotonic. */
	float lo = from < to ? from : to, hi = from < to ? to : from;
	float f = (float)v;
	return f < lo ? lo : f > hi ? hi : f;
}

void snapshot_store(snapshot_bank *b, int slot, const lathe_params *p)
{
	if (slot < 0 || slot >= SNAPSHOT_SLOTS)
		return;
	for (int i = 0; i < P_COUNT; i++)
		b->value[slot][i] = param_get(p, i);
	b->stored[slot] = true;
	b->active = slot;
}

static bool slot_is_live(const snapshot_bank *b, int slot, const lathe_params *p)
{
	if (slot < 0 || slot >= SNAPSHOT_SLOTS || !b->stored[slot])
		return false;
	for (int i = 0; i < P_COUNT; i++)
		if (snapshot_param_recalled(i) && param_get(p, i) != b->value[slot][i])
			return false;
	return true;
}

int snapshot_live(const snapshot_bank *b, const lathe_params *p)
{
	if (b->fading)
		return b->fade_slot;
	if (slot_is_live(b, b->active, p))
		return b->active;
	for (int slot = 0; slot < SNAPSHOT_SLOTS; slot++)
		if (slot_is_live(b, slot, p))
			return slot;
	return -1;
}

/* End of the fade: every recalled parameter still owned by the fade gets the stored bits. */
static void fade_finish(snapshot_bank *b, lathe_params *p)
{
	for (int i = 0; i < P_COUNT; i++) {
		if (!b->gliding[i])
			continue;
		param_set(p, i, b->to[i], NULL);
		b->gliding[i] = false;
	}
	b->fading = false;
}

int snapshot_recall_begin(snapshot_bank *b, int slot, lathe_params *p, float fade_ms, int64_t now_us)
{
	if (slot < 0 || slot >= SNAPSHOT_SLOTS || !b->stored[slot])
		return -1;
	b->fade_slot = slot;
	b->fade_start_us = now_us;
	b->fade_len_us = (fade_ms > 0 && isfinite(fade_ms)) ? (int64_t)(fade_ms * 1000.0f) : 0;
	for (int i = 0; i < P_COUNT; i++) {
		b->from[i] = param_get(p, i);
		b->to[i] = b->value[slot][i];
		b->written[i] = b->from[i];
		b->gliding[i] = snapshot_param_recalled(i) && float_bits(b->from[i]) != float_bits(b->to[i]);
	}
	b->active = slot;
	b->fading = true;
	if (b->fade_len_us <= 0)
		fade_finish(b, p);
	return 0;
}

bool snapshot_fade_step(snapshot_bank *b, lathe_params *p, int64_t now_us)
{
	if (!b->fading)
		return false;
	double t = (double)(now_us - b->fade_start_us) / (double)b->fade_len_us;
	if (t >= 1) {
		/* Let go of parameters a user moved during the fade before finishing. */
		for (int i = 0; i < P_COUNT; i++)
			if (b->gliding[i] && snapshot_param_glides(i) &&
			    float_bits(param_get(p, i)) != float_bits(b->written[i]))
				b->gliding[i] = false;
		fade_finish(b, p);
		return false;
	}
	for (int i = 0; i < P_COUNT; i++) {
		if (!b->gliding[i] || !snapshot_param_glides(i))
			continue; /* enums and toggles wait for the end */
		if (float_bits(param_get(p, i)) != float_bits(b->written[i])) {
			b->gliding[i] = false; /* someone else moved it: theirs wins */
			continue;
		}
		float v = snapshot_interpolate(i, b->from[i], b->to[i], t);
		param_set(p, i, v, &b->written[i]);
	}
	return true;
}
