/* lathe — the OSC address space beyond the registry, and the documents
 * generated from registry + meters + actions. */
#include "osc_addr.h"
#include "osc_layout.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "engine/params.h"
#include "engine/modules.h"
#include "engine/app.h"

/* ---- meters ---- */

/* Which snapshot field a meter reads. */
enum { M_PEAK, M_TRUE_PEAK, M_LUFS_M, M_LUFS_S, M_LUFS_I, M_LRA, M_PLR, M_CORRELATION, M_GR_BAND, M_GR_LIMITER, M_EQ_GAIN,
       M_BALANCE, M_TP_MAX, M_OVERS, M_PLAT_GAIN, M_PLAT_TP, M_PEAK_CH, M_TP_CH, M_RATE };

typedef struct {
	osc_meter_info info;
	int side;   /* 0 chain input, 1 master out, -1 gain reduction */
	int field;  /* M_* */
	int band;   /* multiband band (0-based) for M_GR_BAND, EQ band for M_EQ_GAIN, platform (PLAT_*) for M_PLAT_*,
	             * channel (0 left, 1 right) for M_PEAK_CH and M_TP_CH */
} meter_row;

/* Ranges: peaks from -70 (silence floor, as the analysis reports -inf loudness)
 * to +6 (over); loudness -70..0 LUFS (BS.1770-4 absolute gate is -70 LUFS);
 * LRA and PLR 0..30 LU/dB covers mastered and dynamic material (EBU Tech 3342);
 * gain reduction 0..24 dB.  Quanta follow display resolution: 0.1 dB, 0.01 correlation. */
#define SIDE_METERS(side, s) \
	{ { "/meter/" side "/peak", "/norm/meter/" side "/peak", side " sample peak", "dBFS", -70, 6, 0.1f }, s, M_PEAK, 0 }, \
	{ { "/meter/" side "/true_peak", "/norm/meter/" side "/true_peak", side " true peak", "dBTP", -70, 6, 0.1f }, s, M_TRUE_PEAK, 0 }, \
	{ { "/meter/" side "/lufs_m", "/norm/meter/" side "/lufs_m", side " momentary loudness", "LUFS", -70, 0, 0.1f }, s, M_LUFS_M, 0 }, \
	{ { "/meter/" side "/lufs_s", "/norm/meter/" side "/lufs_s", side " short-term loudness", "LUFS", -70, 0, 0.1f }, s, M_LUFS_S, 0 }, \
	{ { "/meter/" side "/lufs_i", "/norm/meter/" side "/lufs_i", side " integrated loudness", "LUFS", -70, 0, 0.1f }, s, M_LUFS_I, 0 }, \
	{ { "/meter/" side "/lra", "/norm/meter/" side "/lra", side " loudness range", "LU", 0, 30, 0.1f }, s, M_LRA, 0 }, \
	{ { "/meter/" side "/plr", "/norm/meter/" side "/plr", side " peak to loudness ratio", "dB", 0, 30, 0.1f }, s, M_PLR, 0 }, \
	{ { "/meter/" side "/correlation", "/norm/meter/" side "/correlation", side " correlation", "", -1, 1, 0.01f }, s, M_CORRELATION, 0 }, \
	{ { "/meter/" side "/balance", "/norm/meter/" side "/balance", side " balance (-1 all left, +1 all right)", "", -1, 1, 0.01f }, s, M_BALANCE, 0 }, \
	{ { "/meter/" side "/true_peak_max", "/norm/meter/" side "/true_peak_max", side " highest true peak since reset", "dBTP", -70, 6, 0.1f }, s, M_TP_MAX, 0 }

/* Per channel, for a console's L and R bars (the scalars above are the
 * louder channel, what a tablet's single fader shows). */
#define CHANNEL_METERS(side, s) \
	{ { "/meter/" side "/peak_l", "/norm/meter/" side "/peak_l", side " sample peak, left", "dBFS", -70, 6, 0.1f }, s, M_PEAK_CH, 0 }, \
	{ { "/meter/" side "/peak_r", "/norm/meter/" side "/peak_r", side " sample peak, right", "dBFS", -70, 6, 0.1f }, s, M_PEAK_CH, 1 }, \
	{ { "/meter/" side "/true_peak_l", "/norm/meter/" side "/true_peak_l", side " true peak, left", "dBTP", -70, 6, 0.1f }, s, M_TP_CH, 0 }, \
	{ { "/meter/" side "/true_peak_r", "/norm/meter/" side "/true_peak_r", side " true peak, right", "dBTP", -70, 6, 0.1f }, s, M_TP_CH, 1 }

/* Per streaming platform (platforms.c): the gain it would apply to the master
 * as measured so far, and the master's true peak after that gain.  Ranges:
 * gains of real masters lie within +-30 dB of any target (-14 LUFS +- 30). */
#define PLATFORM_METERS(id, idx) \
	{ { "/meter/platform/" id "/gain", "/norm/meter/platform/" id "/gain", id " gain to its target", "dB", -30, 30, 0.1f }, -1, M_PLAT_GAIN, idx }, \
	{ { "/meter/platform/" id "/true_peak", "/norm/meter/platform/" id "/true_peak", id " true peak after its gain", "dBTP", -70, 30, 0.1f }, -1, M_PLAT_TP, idx }

static const meter_row meters[] = {
	SIDE_METERS("in", 0),
	SIDE_METERS("out", 1),
	{ { "/meter/gr/1", "/norm/meter/gr/1", "multiband band 1 gain reduction", "dB", 0, 24, 0.1f }, -1, M_GR_BAND, 0 },
	{ { "/meter/gr/2", "/norm/meter/gr/2", "multiband band 2 gain reduction", "dB", 0, 24, 0.1f }, -1, M_GR_BAND, 1 },
	{ { "/meter/gr/3", "/norm/meter/gr/3", "multiband band 3 gain reduction", "dB", 0, 24, 0.1f }, -1, M_GR_BAND, 2 },
	{ { "/meter/gr/4", "/norm/meter/gr/4", "multiband band 4 gain reduction", "dB", 0, 24, 0.1f }, -1, M_GR_BAND, 3 },
	{ { "/meter/gr/limiter", "/norm/meter/gr/limiter", "limiter gain reduction", "dB", 0, 24, 0.1f }, -1, M_GR_LIMITER, 0 },
	/* live gain of each EQ band: static gain (+-18) plus a dynamic band's offset (+-18) */
#define EQ_GAIN_METER(n) { { "/meter/eq/" #n "/gain", "/norm/meter/eq/" #n "/gain", "EQ band " #n " live gain", "dB", -36, 36, 0.1f }, -1, M_EQ_GAIN, n - 1 }
	EQ_GAIN_METER(1), EQ_GAIN_METER(2), EQ_GAIN_METER(3), EQ_GAIN_METER(4),
	EQ_GAIN_METER(5), EQ_GAIN_METER(6), EQ_GAIN_METER(7), EQ_GAIN_METER(8),
#undef EQ_GAIN_METER
	{ { "/meter/out/overs", "/norm/meter/out/overs", "out samples above the limiter ceiling since reset", "", 0, 1e6f, 1 }, 1, M_OVERS, 0 },
	PLATFORM_METERS("spotify", PLAT_SPOTIFY),
	PLATFORM_METERS("apple_music", PLAT_APPLE),
	PLATFORM_METERS("youtube", PLAT_YOUTUBE),
	PLATFORM_METERS("amazon", PLAT_AMAZON),
	PLATFORM_METERS("tidal", PLAT_TIDAL),
	PLATFORM_METERS("deezer", PLAT_DEEZER),
	CHANNEL_METERS("in", 0),
	CHANNEL_METERS("out", 1),
	/* the engine's sample rate (JACK's, follows a rate change): a remote
	 * console draws the EQ curve at it (bilinear warping near Nyquist) */
	{ { "/meter/rate", "/norm/meter/rate", "engine sample rate", "Hz", 0, 768000, 1 }, -1, M_RATE, 0 },
};
_Static_assert(PLAT_COUNT == 7, "the /meter/platform rows assume six platforms");
_Static_assert(EQ_BANDS == 8, "the /meter/eq rows assume eight EQ bands");
_Static_assert(MB_BANDS == 4, "the /meter/gr rows assume four multiband bands");

#define N_METERS ((int)(sizeof meters / sizeof meters[0]))

int osc_meter_count(void) { return N_METERS; }

const osc_meter_info *osc_meter_get(int i)
{
	return (i >= 0 && i < N_METERS) ? &meters[i].info : NULL;
}

static float max2(const float v[2]) { return v[0] > v[1] ? v[0] : v[1]; }

float osc_meter_value(int i, const meter_snapshot *snap)
{
	if (i < 0 || i >= N_METERS)
		return 0;
	const meter_row *m = &meters[i];
	const meter_side *side = m->side == 1 ? &snap->out : &snap->in;
	float v;
	switch (m->field) {
	case M_PEAK: v = max2(side->peak_db); break;
	case M_TRUE_PEAK: v = max2(side->tp_db); break;
	case M_LUFS_M: v = side->lufs_m; break;
	case M_LUFS_S: v = side->lufs_s; break;
	case M_LUFS_I: v = side->lufs_i; break;
	case M_LRA: v = side->lra; break;
	case M_PLR: v = side->plr; break;
	case M_CORRELATION: v = side->correlation; break;
	case M_GR_BAND: v = snap->mb_gr_db[m->band]; break;
	case M_EQ_GAIN: v = snap->eq_gain_db[m->band]; break;
	case M_BALANCE: v = side->balance; break;
	case M_TP_MAX: v = side->tp_max_db; break;
	case M_OVERS: v = (float)side->overs; break;
	case M_PLAT_GAIN: v = snap->platform_gain_db[m->band]; break;
	case M_PLAT_TP: v = snap->platform_tp_after[m->band]; break;
	case M_PEAK_CH: v = side->peak_db[m->band]; break;
	case M_TP_CH: v = side->tp_db[m->band]; break;
	case M_RATE: v = (float)snap->rate; break;
	default: v = snap->lim_gr_db; break;
	}
	/* -inf (silence) and NaN (not measured yet) are sent as the floor: a
	 * client fader cannot show either, and OSC clients differ in decoding them. */
	if (!(v >= m->info.min))
		v = m->info.min;
	if (isinf(v))
		v = m->info.max;
	return v;
}

float osc_meter_norm(int i, float v)
{
	const osc_meter_info *m = osc_meter_get(i);
	if (!m)
		return 0;
	float n = (v - m->min) / (m->max - m->min);
	return n < 0 ? 0 : n > 1 ? 1 : n;
}

/* ---- scopes ---- */

unsigned char osc_spectrum_code(float db)
{
	if (!(db > -120.0f))
		return 0;
	float c = roundf(2.0f * (db + 120.0f));
	return c > 255.0f ? 255 : (unsigned char)c;
}

float osc_spectrum_db(unsigned char code) { return code * 0.5f - 120.0f; }

int osc_history_code(float lufs)
{
	if (!(lufs >= -70.0f) || !isfinite(lufs))
		return OSC_HISTORY_NONE;
	float c = roundf(lufs * 100.0f);
	return c > 32767.0f ? 32767 : (int)c;
}

float osc_history_lufs(int code) { return code == OSC_HISTORY_NONE ? -INFINITY : code * 0.01f; }

/* ---- the registry hash ---- */

static size_t put_text(char *buf, size_t len, size_t at, const char *text)
{
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i++, at++)
		if (at + 1 < len)
			buf[at] = text[i];
	if (len)
		buf[at + 1 < len ? at : len - 1] = 0;
	return at;
}

static void fmt_num9(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.9g", v);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
}

size_t osc_registry_canonical(char *buf, size_t len)
{
	size_t at = 0;
	if (len)
		buf[0] = 0;
	for (int id = 0; id < params_count(); id++) {
		const param_info *pi = param_info_get(id);
		char num[3][40];
		fmt_num9(num[0], sizeof num[0], pi->min);
		fmt_num9(num[1], sizeof num[1], pi->max);
		fmt_num9(num[2], sizeof num[2], pi->step);
		at = put_text(buf, len, at, pi->path);
		at = put_text(buf, len, at, "\t");
		at = put_text(buf, len, at, param_curve_name(pi->curve));
		at = put_text(buf, len, at, "\t");
		at = put_text(buf, len, at, pi->unit);
		for (int k = 0; k < 3; k++) {
			at = put_text(buf, len, at, "\t");
			at = put_text(buf, len, at, num[k]);
		}
		for (int k = 0; k < pi->n_enums; k++) {
			at = put_text(buf, len, at, "\t");
			at = put_text(buf, len, at, pi->enums[k]);
		}
		at = put_text(buf, len, at, "\n");
	}
	return at;
}

void osc_registry_hash(char out[17])
{
	size_t len = osc_registry_canonical(NULL, 0) + 1;
	char *text = malloc(len);
	uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis (Fowler, Noll, Vo; draft-eastlake-fnv) */
	if (text) {
		size_t n = osc_registry_canonical(text, len);
		for (size_t i = 0; i < n; i++) {
			h ^= (unsigned char)text[i];
			h *= 1099511628211ull; /* FNV 64-bit prime */
		}
		free(text);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- actions ---- */

static const osc_action_info actions[] = {
	{ "/ping", "", "/pong ss (version, registry hash)", "Who is there: lathe's version and the hash of its parameter registry (see Remote consoles)" },
	{ "/params", "", "/param per parameter (path, unit, min, max, default, value, step, curve, enum names), then /params/done i (count)", "List every parameter with its current value" },
	{ "/subscribe", "[i|f]", "the whole state (every value, /norm and /text twin), then feedback and meters", "Feedback of every parameter change and meter bundles to the sender (or its /reply/port), for a lease in seconds (default 10, at most 600); renew before it ends" },
	{ "/reply/port", "i", "/done s, on the new port", "Replies and feedback for the sender's host go to this port from now on (0: back to the sending port); for apps whose send and receive ports differ (TouchOSC). `/set_surface/port` (Ardour's name) does the same" },
	{ "/unsubscribe", "", "nothing", "End the sender's subscription" },
	{ "/session/save", "s", "/done s (path) or /error", "Save the session under a name in the session folder (no '/' or '..'); runs beside the server, which keeps serving; /error busy while another save or load runs" },
	{ "/session/load", "s", "/done s or /error", "Load a named session from the session folder; runs beside the server, like /session/save" },
	{ "/snapshot/store", "s", "/done s or /error", "Store the current settings as a snapshot (A, B, ...)" },
	{ "/snapshot/recall", "s", "/done s or /error", "Recall a snapshot (crossfaded over /snapshot/fade)" },
	{ "/session/state", "", "one bundle: /session/name s, /session/dirty f, /snapshot/active s, /snapshot/stored s, /undo/steps f, /redo/steps f, /session/list s... (see Session status)", "What the console shows of the session; subscribers get it with the state and again whenever any of it changes" },
	{ "/undo", "", "/done s or /error", "Undo the last change" },
	{ "/redo", "", "/done s or /error", "Redo" },
	{ "/loudness/reset", "", "/done s or /error", "Restart integrated loudness, LRA, maxima and overs" },
	{ "/monitor/ref/load", "s", "/done s or /error", "Load this file of the session folder (a name, not a path; `--session-dir`) as the reference; decoded and converted to JACK's rate off the server thread, answered when done. `--ref FILE` and the console's Reference button take any path" },
	{ "/monitor/ref/play", "", "/done s or /error", "Play the reference file into the reference path (summed with the ref ports; loops unless `/monitor/ref/loop 0`)" },
	{ "/monitor/ref/stop", "", "/done s or /error", "Stop the reference file" },
	{ "/monitor/ref/position", "f", "/done s or /error; without an argument /monitor/ref/position f", "Move the reference file to this second; without an argument: where it is" },
	{ "/monitor/ref/loop", "f", "/done s or /error", "1: the reference file loops (the default), 0: plays once" },
	{ "/monitor/ref/state", "", "/monitor/ref/state fff (playing 1/0, position s, length s)", "Where the reference file is; subscribers get it with the meters whenever it changes (position in 0.1 s)" },
	{ "/play/play", "", "/done s or /error", "Play the input file (`--play FILE`, the album window's track) through the chain; `/play/stop`, `/play/seek f` (seconds), `/play/loop f` and `/play/state` as for `/monitor/ref`" },
	{ "/target/learn", "", "/limiter/gain f (the drive set) or /error", "Set the limiter drive so the master's integrated loudness meets /target/lufs" },
};

int osc_action_count(void) { return (int)(sizeof actions / sizeof actions[0]); }

const osc_action_info *osc_action_get(int i)
{
	return (i >= 0 && i < osc_action_count()) ? &actions[i] : NULL;
}

/* ---- documents ---- */

/* Measured by bench/osc_bandwidth (make bench): update it with the bench's line. */
#define OSC_BANDWIDTH_NOTE \
	"Bandwidth per subscriber at `--meter-rate 20` with a music-like signal playing (kick, chord and hi-hat, the multiband " \
	"and limiter working; `meter_bandwidth_with_music` in tests/integration/test_osc_live.c prints it): **1,923 bytes a tick, " \
	"38.5 kB/s**, 38 datagrams a second, the same for each of two subscribers at once. Of a tick: 36.7 scalar meter messages " \
	"(value and `/norm` twin), the spectrum 0.57 times (the analysis renews it about 12 times a second), the goniometer once, a " \
	"history point every other tick. The per-channel peaks and true peaks (`peak_l`, `_r`, `true_peak_l`, `_r`, for a console's " \
	"L and R bars) move nearly every tick: without them it was 1,428 bytes, 28.6 kB/s. The delay from a " \
	"change on the engine to a subscriber is one feedback period at most (about 17 ms) plus the network: 7 to 9 ms on average, " \
	"12 to 27 ms at worst over 30 changes on a loaded 2-core machine (`feedback_latency_and_access`, same file)."

/* Numbers printed with "." whatever LC_NUMERIC says (the console sets the locale). */
static void fmt_num(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.6g", v);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
}

static const char *curve_name(param_curve c)
{
	switch (c) {
	case CURVE_LIN: return "linear";
	case CURVE_LOG: return "log";
	case CURVE_DB: return "dB";
	case CURVE_ENUM: return "enum";
	case CURVE_TOGGLE: return "toggle";
	}
	return "?";
}

void osc_write_markdown(FILE *f)
{
	int n = params_count();
	fprintf(f, "# lathe OSC reference\n\n");
	fprintf(f, "<!-- Generated from the parameter registry and the meter list by osc_write_markdown() (osc/osc_addr.c);\n"
	           "     do not edit: regenerate with `lathe params --osc-markdown > docs/osc.md`. -->\n\n");
	fprintf(f, "UDP on `--osc-port` (default 7770), bound to `--osc-bind` (default 127.0.0.1) only.\n"
	           "Only senders inside `--osc-allow CIDR` (repeatable) are served; the default is loopback\n"
	           "(127.0.0.0/8), plus 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 when a non-loopback\n"
	           "address is bound. Other packets are dropped unanswered. Replies go to the sender's address and port,\n"
	           "from the address the request reached (so a client on a connected UDP socket hears them when lathe\n"
	           "is bound to 0.0.0.0).\n\n"
	           "Bundles may hold bundles, at most 8 levels deep. A datagram with deeper nesting, or whose bundle\n"
	           "element sizes do not add up (zero, not a multiple of 4, past the end), is refused whole, before any\n"
	           "of it is applied, with `/error ss` (`#bundle`, reason).\n\n"
	           "Bound to a non-loopback address (a LAN address or 0.0.0.0), lathe announces itself over Avahi as\n"
	           "`_osc._udp` (`lathe on HOST`), so OSC apps list it; with no Avahi daemon it says so in one line and serves on.\n\n");
	fprintf(f, "## Modules\n\n"
	           "Every parameter address starts with its module's prefix. The chain runs the modules in this\n"
	           "order (from the module table, `engine/modules.c`); the page is the Open Stage Control page\n"
	           "the module sits on.\n\n"
	           "| Prefix | Module | Page | What it does |\n| --- | --- | --- | --- |\n");
	for (int i = 0; i < lathe_module_count(); i++) {
		const lathe_module *m = lathe_module_get(i);
		const char *page = osc_layout_tab_label(osc_layout_tab_index(m->osc_tab));
		fprintf(f, "| `/%s` | %s | %s | %s |\n", m->id, m->title, page ? page : "?", m->about);
	}
	fprintf(f, "\n");
	fprintf(f, "## Parameters\n\n"
	           "Each address takes one value in natural units: a float or an int; `T`/`F` for toggles;\n"
	           "for enums the index or the name as a string (`s`). Integer and enum values are rounded.\n"
	           "A message without arguments is a query: the current value comes back on the same address (`f`).\n"
	           "`/norm` + address (e.g. `/norm/eq/3/freq`) takes and answers 0..1 along the parameter's curve\n"
	           "(log for frequencies, times, ratios and Q; linear otherwise).\n"
	           "`/text` + address (e.g. `/text/limiter/ceiling`) answers the value as the console shows it, a string\n"
	           "with its unit (`s`, `-1.00 dBTP`; enums by name, `high_shelf`; toggles `on`/`off`); it is read only.\n\n"
	           "OSC 1.0 address patterns reach every parameter address they match, each handled as if sent to it:\n"
	           "`/eq/*/gain 3` sets the eight EQ gains, `/mb/[1-4]/ratio`, `/eq/{2,5}/freq`, `/norm/eq/?/q` likewise;\n"
	           "a query pattern answers on every matched address. A pattern that matches nothing gets `/error`.\n\n"
	           "The large answers, a `/params` list and the state sent on `/subscribe`, are capped at 20 at once and\n"
	           "10 a second for the whole server; beyond that `/params` gets `/error` and `/subscribe` subscribes but\n"
	           "answers `/error` instead of the state.\n\n"
	           "Bad input is answered with `/error ss` (address, reason): unknown address, wrong type or count,\n"
	           "NaN/Inf (value unchanged). Out of range is clamped, answered with `/error`, and the clamped\n"
	           "value is sent back on the address.\n\n");
	fprintf(f, "%d parameters.\n\n", n);
	fprintf(f, "| Address | Type | Unit | Range | Curve | Default | Description |\n");
	fprintf(f, "| --- | --- | --- | --- | --- | --- | --- |\n");
	for (int id = 0; id < n; id++) {
		const param_info *pi = param_info_get(id);
		char lo[32], hi[32], def[64], range[256];
		const char *type = "f";
		fmt_num(lo, sizeof lo, pi->min);
		fmt_num(hi, sizeof hi, pi->max);
		if (pi->curve == CURVE_ENUM) {
			type = "f, i or s";
			range[0] = 0;
			for (int k = 0; k < pi->n_enums; k++) {
				size_t l = strlen(range);
				snprintf(range + l, sizeof range - l, "%s%d `%s`", k ? ", " : "", k, pi->enums[k]);
			}
			int d = (int)(pi->def + 0.5f);
			snprintf(def, sizeof def, "`%s`", (d >= 0 && d < pi->n_enums) ? pi->enums[d] : "?");
		} else if (pi->curve == CURVE_TOGGLE) {
			type = "f, i or T/F";
			snprintf(range, sizeof range, "0 off, 1 on");
			snprintf(def, sizeof def, "%s", pi->def >= 0.5f ? "1 (on)" : "0 (off)");
		} else {
			type = pi->step >= 1 ? "f or i (integer)" : "f or i";
			snprintf(range, sizeof range, "%s .. %s", lo, hi);
			fmt_num(def, sizeof def, pi->def);
		}
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s |\n", pi->path, type, *pi->unit ? pi->unit : "-",
			range, curve_name(pi->curve), def, pi->help ? pi->help : "");
	}
	fprintf(f, "\n## Feedback\n\n"
	           "Two ways to get feedback; both bring the whole state first, then every change:\n\n"
	           "- `/subscribe [i lease_s]` from the client: the sender's address and port (or the port it named with\n"
	           "  `/reply/port`) is fed for the lease (default 10 s, at most 600 s; at most 16 clients). Send `/subscribe`\n"
	           "  again before the lease ends to keep it (the Open Stage Control layout renews by itself); `/unsubscribe` ends it.\n"
	           "- `--osc-feedback HOST:PORT` on lathe's command line: a permanent target, for apps that cannot renew. It\n"
	           "  gets the whole state at start-up, when its host sends `/subscribe` (from any port), and when its host is\n"
	           "  heard again after 30 s of silence (an app reopened, a tablet woken).\n\n"
	           "The whole state is every parameter's value, `/norm` and `/text` twin, in bundles of at most 1,400 bytes\n"
	           "(one datagram each). After it, every parameter change, whoever made it (console,\n"
	           "session, snapshot, another client), goes to every subscriber the same way, at most about 60 times a\n"
	           "second: only the latest value of a parameter that changed in between. The three messages of one\n"
	           "parameter always travel in one bundle.\n\n"
	           "| What changed | Address | Type | Value |\n| --- | --- | --- | --- |\n"
	           "| any parameter | the parameter's address | `f` | natural units; enums: the index (`0.0`, `1.0`, ...); toggles: `1.0` on, `0.0` off |\n"
	           "| any parameter | `/norm` + address | `f` | 0..1 along the curve (a toggle: `0.0`/`1.0`; an enum: index / (count - 1)) |\n"
	           "| any parameter | `/text` + address | `s` | the console's text: `-1.00 dBTP`, `high_shelf`, `on` / `off` |\n\n"
	           "A toggle or enum is always sent back as a float (`f`), whatever type set it (`i`, `T`/`F`, `s`):\n"
	           "a button whose `on` is 1 and `off` is 0 matches it numerically; `typeTags \"i\"` on the way in is fine.\n\n");
	fprintf(f, "## Meters\n\n"
	           "Sent to subscribers as one bundle per tick at `--meter-rate` (default 20 Hz); only values that\n"
	           "changed by at least the resolution since the last bundle to that subscriber. Each meter also has a\n"
	           "`/norm` twin (`/norm/meter/...`, 0..1 over the range, for faders). Silence (-inf) is sent as the\n"
	           "range's minimum.\n\n");
	fprintf(f, "| Address | Type | Unit | Range | Resolution | Description |\n");
	fprintf(f, "| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < osc_meter_count(); i++) {
		const osc_meter_info *m = osc_meter_get(i);
		char lo[32], hi[32], q[32];
		fmt_num(lo, sizeof lo, m->min);
		fmt_num(hi, sizeof hi, m->max);
		fmt_num(q, sizeof q, m->quantum);
		fprintf(f, "| `%s` | f | %s | %s .. %s | %s | %s |\n", m->path, *m->unit ? m->unit : "-", lo, hi, q, m->label);
	}
	fprintf(f, "\n## Scopes\n\n"
	           "Beside the scalar meters, in the same bundles and at the same rate, each subscriber gets what the\n"
	           "console draws. Blobs (`b`) are OSC 1.0 blobs: an int32 size, the bytes, padding to 4.\n\n"
	           "| Address | Type | Sent | Contents |\n| --- | --- | --- | --- |\n"
	           "| `/meter/spectrum` | b | when a band changed by 0.5 dB | %d bytes: %d bands of the chain input, then %d of the master out; band k (0-based) "
	           "centred on 20 * 1000^(k / %d) Hz (log-spaced 20 Hz .. 20 kHz, about 1/3 octave smoothing, the console's tilt applied); "
	           "byte c is c / 2 - 120 dB (0 = -120 dB or below, 255 = +7.5 dB; a full-scale sine reads 0 dB in its band) |\n"
	           "| `/meter/gonio` | fb | when it changed | f: peak, the largest coordinate (linear, 1.0 = full scale); b: up to %d (side, mid) pairs of int8, "
	           "oldest first, coordinate = byte / 127 * peak; side = (L - R) / sqrt 2 (horizontal), mid = (L + R) / sqrt 2 (vertical), "
	           "decimated evenly from the newest %d points (about 12 kHz, %.0f ms of audio) |\n"
	           "| `/meter/history` | ib | new points only | i: the index of the first point (point n is the master's short-term loudness at n * 100 ms "
	           "after the engine started); b: up to %d points, int16 big-endian, LUFS * 100 (-1400 = -14.00 LUFS), -32768 = no loudness "
	           "(below -70 LUFS). A new subscriber first gets the %d minutes kept, %d points a tick; a gap in the indices means points it will never get |\n\n",
		2 * OSC_SPECTRUM_BANDS, OSC_SPECTRUM_BANDS, OSC_SPECTRUM_BANDS, OSC_SPECTRUM_BANDS - 1, OSC_GONIO_POINTS, GONIO_POINTS,
		GONIO_POINTS * 1000.0 / 12000.0, OSC_HISTORY_CHUNK, HISTORY_LEN / 600, OSC_HISTORY_CHUNK);
	fprintf(f, "Every meter bundle is at most 1,400 bytes (one Ethernet frame, never fragmented); a tick that needs more sends several. "
	           "The platform table is the `/meter/platform/...` rows above (gain each platform would apply to the master, and the "
	           "master's true peak after it), gain reduction of every multiband band and the limiter the `/meter/gr/...` rows.\n\n");
	fprintf(f, "%s\n\n", OSC_BANDWIDTH_NOTE);
	fprintf(f, "## Session status\n\n"
	           "Subscribers get these with the whole state and, in one bundle, whenever any of them changes (checked at the\n"
	           "feedback rate; the folder is listed every 2 s); `/session/state` asks for them.\n\n"
	           "| Address | Type | Value |\n| --- | --- | --- |\n"
	           "| `/session/name` | s | the current session's name, `untitled` when none |\n"
	           "| `/session/dirty` | f | 1.0 when changed since it was loaded or saved, else 0.0 |\n"
	           "| `/snapshot/active` | s | the snapshot (`A` .. `D`) whose values are the live ones, `\"\"` when none (the lit button) |\n"
	           "| `/snapshot/stored` | s | the slots holding a snapshot, in order (`ABD`) |\n"
	           "| `/undo/steps` | f | undo steps available (0: nothing to undo) |\n"
	           "| `/redo/steps` | f | redo steps available |\n"
	           "| `/session/list` | s... | the names of the sessions in the session folder (what `/session/load` takes), newest first, at most %d |\n\n",
	           LATHE_SESSION_NAMES);
	fprintf(f, "## Remote consoles\n\n"
	           "`lathe console --remote HOST[:PORT]` is the console with no local engine: it sends `/ping` and compares the answer,\n"
	           "`/pong ss` (lathe's version, the registry hash), with its own, and refuses a mismatch; then `/params`, `/subscribe`\n"
	           "(renewed before the lease ends) and every action below. The registry hash is FNV-1a 64 (offset basis\n"
	           "14695981039346656037, prime 1099511628211) over the registry's canonical text, printed as 16 lowercase hex digits:\n"
	           "one line per parameter in registry order (the order of `/params`), `path TAB curve TAB unit TAB min TAB max TAB step`,\n"
	           "then `TAB name` per enum name in index order, then LF; numbers printed as C's `%%.9g` of the float value (as `/param` sends\n"
	           "it), with `.` as decimal point; curves `linear`, `log`, `dB`, `enum`, `toggle`. A client can compute it from a `/params`\n"
	           "answer.\n\n");
	fprintf(f, "\n## Actions and queries\n\n"
	           "Actions without arguments also accept one number (a button press): nonzero triggers, 0 is ignored.\n\n");
	fprintf(f, "| Address | Arguments | Reply | Description |\n");
	fprintf(f, "| --- | --- | --- | --- |\n");
	for (int i = 0; i < osc_action_count(); i++) {
		const osc_action_info *a = osc_action_get(i);
		fprintf(f, "| `%s` | %s | %s | %s |\n", a->path, *a->types ? a->types : "-", a->reply, a->help);
	}
	fprintf(f, "\n## Replies\n\n"
	           "| Address | Type | Meaning |\n| --- | --- | --- |\n"
	           "| `/error` | ss | address, reason |\n"
	           "| `/done` | s | the action's address: it succeeded |\n"
	           "| `/pong` | ss | answer to `/ping`: lathe's version (`0.1`), the registry hash (16 hex digits, see Remote consoles) |\n"
	           "| `/param` | ssfffffs[s...] | path, unit, min, max, default, value, step (0: continuous), curve (`linear`, `log`, `dB`, `enum`, `toggle`), then the enum names in index order (answer to `/params`) |\n"
	           "| `/params/done` | i | number of `/param` messages sent |\n");
	osc_layout_write_markdown(f);
}
