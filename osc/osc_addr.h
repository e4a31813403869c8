/* lathe — the OSC address space beyond the registry: the meters streamed to
 * subscribers, the actions, and the two documents generated from both
 * (docs/osc.md and the Open Stage Control layout).  Parameter addresses are
 * never listed here: they come from params_count()/param_info_get(). */
#ifndef LATHE_OSC_ADDR_H
#define LATHE_OSC_ADDR_H

#include <stdio.h>
#include "engine/meter/analysis.h"

/* Meter addresses: /meter/in/..., /meter/out/..., /meter/gr/... */
typedef struct {
	const char *path;     /* "/meter/in/peak" */
	const char *norm;     /* "/norm/meter/in/peak": the same value mapped to 0..1 over [min, max] */
	const char *label;
	const char *unit;     /* "dBFS", "dBTP", "LUFS", "LU", "dB", "" */
	float min, max;       /* fader range; values below min are sent as min (silence, -inf) */
	float quantum;        /* change smaller than this is not sent again (display resolution) */
} osc_meter_info;

int osc_meter_count(void);
const osc_meter_info *osc_meter_get(int i);
/* The meter's value from a snapshot, finite and floored at min. */
float osc_meter_value(int i, const meter_snapshot *snap);
/* 0..1 over the meter's range. */
float osc_meter_norm(int i, float value);

/* Actions and queries that are not parameters. */
typedef struct {
	const char *path;
	const char *types;    /* OSC type tags accepted ("" none, "s", "[i]" optional) */
	const char *reply;    /* what comes back to the sender */
	const char *help;
} osc_action_info;

int osc_action_count(void);
const osc_action_info *osc_action_get(int i);

/* docs/osc.md: every address with type, unit, range and default. */
void osc_write_markdown(FILE *f);
/* osc/layouts/lathe-open-stage-control.json is written by osc_layout.h. */

#endif
