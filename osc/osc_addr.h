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

/* The scopes, sent to subscribers beside the scalar meters (docs/osc.md,
 * "Scopes"); the codes are the wire format, decoders for clients included. */
#define OSC_SPECTRUM_BANDS SPECTRUM_BINS /* per side; log-spaced 20 Hz .. 20 kHz */
#define OSC_GONIO_POINTS 128             /* newest points, evenly decimated from GONIO_POINTS */
#define OSC_HISTORY_CHUNK 256            /* history points per message at most */
#define OSC_HISTORY_NONE (-32768)        /* a history point with no loudness (below -70 LUFS) */
/* Spectrum band: byte = round(2 * (dB + 120)), 0..255, so -120 .. +7.5 dB in 0.5 dB steps. */
unsigned char osc_spectrum_code(float db);
float osc_spectrum_db(unsigned char code);
/* History point: int16 = round(100 * LUFS), or OSC_HISTORY_NONE below -70 LUFS / not finite. */
int osc_history_code(float lufs);
float osc_history_lufs(int code); /* -INFINITY for OSC_HISTORY_NONE */

/* The registry hash /pong carries: FNV-1a 64 over the canonical text of the
 * registry (osc_registry_canonical), as 16 lowercase hex digits and a NUL. */
void osc_registry_hash(char out[17]);
/* The canonical text: per parameter in registry order one line
 * "path TAB curve TAB unit TAB min TAB max TAB step [TAB enum]... LF",
 * numbers printed with %.9g and '.' as decimal point.  Returns its length
 * (written up to len - 1 bytes and a NUL, like snprintf). */
size_t osc_registry_canonical(char *buf, size_t len);

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
