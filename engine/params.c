/* lathe — the parameter registry: the one table every other part is generated from. */
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <float.h>
#include <glib.h>

static const char *const eq_types[] = { "bell", "low_shelf", "high_shelf", "low_cut", "high_cut", "notch", "tilt", NULL };
static const char *const eq_slopes[] = { "12", "24", "36", "48", NULL };
static const char *const channels[] = { "stereo", "mid", "side", "left", "right", NULL };
static const char *const eq_phases[] = { "minimum", "linear", NULL };
static const char *const eq_resolutions[] = { "low", "medium", "high", "max", NULL };
static const char *const mb_modes[] = { "stereo", "mid_side", NULL };
static const char *const detectors[] = { "peak", "rms", NULL };
static const char *const sat_types[] = { "tape", "tube", "soft_clip", "hard_clip", NULL };
static const char *const os_factors[] = { "2x", "4x", "8x", NULL };
static const char *const dither_bits[] = { "16", "20", "24", NULL };
static const char *const dither_shapes[] = { "none", "lipshitz", "f_weighted", NULL };
static const char *const mon_sources[] = { "master", "input", "reference", NULL };
static const char *const solos[] = { "off", "mid", "side", "left", "right", NULL };
static const char *const polarities[] = { "normal", "left", "right", "both", NULL };
static const char *const mon_platforms[] = { "off", "spotify", "apple_music", "youtube", "amazon", "tidal", "deezer", NULL };
/* Peak meter scales (gui/meters.c draws them): display only, the engine ignores it. */
static const char *const meter_scales[] = { "dbfs", "ebu9", "ebu18", "k20", "k14", "k12", NULL };
static const char *const target_platforms[] = { "custom", "spotify", "apple_music", "youtube", "amazon", "tidal", "deezer", NULL };

/* One row of the table.  `path` and `label` may hold one %d, replaced by the
 * instance number (1-based) when count > 1.  `defs` gives per-instance
 * defaults where they differ (frequencies of the EQ bands, crossovers). */
typedef struct {
	int id;
	const char *path, *label, *unit;
	float min, max, def;
	param_curve curve;
	const char *const *enums;
	float smooth_ms;
	int count;
	float step;
	const float *defs;
	const char *help;
} param_row;

#define TOG(id, path, label, def, help) { id, path, label, "", 0, 1, def, CURVE_TOGGLE, NULL, 0, 1, 1, NULL, help }
#define TOGN(id, path, label, def, n, help) { id, path, label, "", 0, 1, def, CURVE_TOGGLE, NULL, 0, n, 1, NULL, help }
#define ENUM(id, path, label, names, def, n, help) { id, path, label, "", 0, (float)(sizeof(names) / sizeof(names[0]) - 2), def, CURVE_ENUM, names, 0, n, 1, NULL, help }

static const float eq_freq_defs[EQ_BANDS] = { 30, 80, 200, 500, 1200, 3000, 8000, 16000 };
static const float eq_type_defs[EQ_BANDS] = { EQ_BELL, EQ_BELL, EQ_BELL, EQ_BELL, EQ_BELL, EQ_BELL, EQ_BELL, EQ_BELL };
static const float mb_xover_defs[MB_XOVERS] = { 120, 1000, 6000 };
static const float img_xover_defs[IMG_XOVERS] = { 250, 3000 };

static const param_row rows[] = {
	TOG(P_BYPASS, "/bypass", "Bypass all", 0, "Pass the input to the master out untouched (latency kept)"),

	TOG(P_INPUT_BYPASS, "/input/bypass", "Input bypass", 0, "Bypass the input trim"),
	{ P_INPUT_GAIN, "/input/gain", "Input gain", "dB", -24, 24, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Trim before the chain" },

	TOG(P_EQ_BYPASS, "/eq/bypass", "EQ bypass", 0, "Bypass the whole EQ"),
	{ P_EQ_TYPE, "/eq/%d/type", "EQ %d type", "", 0, 6, 0, CURVE_ENUM, eq_types, 0, EQ_BANDS, 1, eq_type_defs, "Filter shape of the band" },
	{ P_EQ_FREQ, "/eq/%d/freq", "EQ %d frequency", "Hz", 10, 22000, 1000, CURVE_LOG, NULL, 30, EQ_BANDS, 0, eq_freq_defs, "Centre or corner frequency" },
	{ P_EQ_GAIN, "/eq/%d/gain", "EQ %d gain", "dB", -18, 18, 0, CURVE_DB, NULL, 30, EQ_BANDS, 0, NULL, "Boost or cut (bell, shelves, tilt)" },
	{ P_EQ_Q, "/eq/%d/q", "EQ %d Q", "", 0.1f, 18, 0.707f, CURVE_LOG, NULL, 30, EQ_BANDS, 0, NULL, "Bandwidth: higher is narrower" },
	ENUM(P_EQ_SLOPE, "/eq/%d/slope", "EQ %d slope", eq_slopes, 0, EQ_BANDS, "Slope of low and high cuts in dB/octave"),
	ENUM(P_EQ_CHANNEL, "/eq/%d/channel", "EQ %d channel", channels, 0, EQ_BANDS, "Which signal the band acts on"),
	TOGN(P_EQ_BAND_BYPASS, "/eq/%d/bypass", "EQ %d bypass", 0, EQ_BANDS, "Bypass this band"),
	/* dynamic bands (engine/dsp/eq.c): the band's gain moves from its static gain by up to `range` as its own band-passed level rises above threshold */
	TOGN(P_EQ_DYNAMIC, "/eq/%d/dynamic", "EQ %d dynamic", 0, EQ_BANDS, "Let the band's level at its frequency move its gain"),
	{ P_EQ_THRESHOLD, "/eq/%d/threshold", "EQ %d threshold", "dB", -60, 0, -24, CURVE_DB, NULL, 20, EQ_BANDS, 0, NULL, "Band level (peak, dBFS) where the gain starts to move" },
	{ P_EQ_RANGE, "/eq/%d/range", "EQ %d range", "dB", -18, 18, -6, CURVE_DB, NULL, 20, EQ_BANDS, 0, NULL, "How far the gain may move from its static gain: negative cuts, positive boosts" },
	{ P_EQ_RATIO, "/eq/%d/ratio", "EQ %d ratio", ":1", 1, 20, 2, CURVE_LOG, NULL, 20, EQ_BANDS, 0, NULL, "dB of level above threshold per dB of level the gain lets through" },
	{ P_EQ_ATTACK, "/eq/%d/attack", "EQ %d attack", "ms", 0.5f, 200, 10, CURVE_LOG, NULL, 0, EQ_BANDS, 0, NULL, "Time constant of the detector as the level rises" },
	{ P_EQ_RELEASE, "/eq/%d/release", "EQ %d release", "ms", 5, 2000, 150, CURVE_LOG, NULL, 0, EQ_BANDS, 0, NULL, "Time constant of the detector as the level falls" },
	ENUM(P_EQ_PHASE, "/eq/phase", "EQ phase", eq_phases, 0, 1, "Minimum phase (no added latency) or linear phase (FIR, adds the resolution's latency)"),
	ENUM(P_EQ_RESOLUTION, "/eq/resolution", "EQ linear resolution", eq_resolutions, 2, 1, "Linear-phase FIR length: low 4095, medium 8191, high 16383, max 32767 taps (longer holds lower, adds latency)"),

	TOG(P_MB_BYPASS, "/mb/bypass", "Multiband bypass", 1, "Bypass the multiband dynamics"),
	{ P_MB_BANDS, "/mb/bands", "Bands", "", 1, 4, 3, CURVE_LIN, NULL, 0, 1, 1, NULL, "Number of bands (1 = single-band glue compressor)" },
	{ P_MB_XOVER, "/mb/crossover/%d", "Crossover %d", "Hz", 20, 20000, 1000, CURVE_LOG, NULL, 30, MB_XOVERS, 0, mb_xover_defs, "Linkwitz-Riley 24 dB/oct crossover frequency" },
	{ P_MB_THRESHOLD, "/mb/%d/threshold", "Band %d threshold", "dB", -60, 0, -18, CURVE_DB, NULL, 20, MB_BANDS, 0, NULL, "Level where compression starts" },
	{ P_MB_RATIO, "/mb/%d/ratio", "Band %d ratio", ":1", 1, 20, 2, CURVE_LOG, NULL, 20, MB_BANDS, 0, NULL, "Compression ratio" },
	{ P_MB_KNEE, "/mb/%d/knee", "Band %d knee", "dB", 0, 24, 6, CURVE_LIN, NULL, 20, MB_BANDS, 0, NULL, "Soft knee width" },
	{ P_MB_ATTACK, "/mb/%d/attack", "Band %d attack", "ms", 0.1f, 200, 10, CURVE_LOG, NULL, 0, MB_BANDS, 0, NULL, "Attack time" },
	{ P_MB_RELEASE, "/mb/%d/release", "Band %d release", "ms", 5, 2000, 150, CURVE_LOG, NULL, 0, MB_BANDS, 0, NULL, "Release time" },
	{ P_MB_MAKEUP, "/mb/%d/makeup", "Band %d makeup", "dB", -12, 24, 0, CURVE_DB, NULL, 20, MB_BANDS, 0, NULL, "Gain after compression" },
	TOGN(P_MB_BAND_BYPASS, "/mb/%d/bypass", "Band %d bypass", 0, MB_BANDS, "No compression in this band"),
	TOGN(P_MB_SOLO, "/mb/%d/solo", "Band %d solo", 0, MB_BANDS, "Hear only soloed bands"),
	TOGN(P_MB_MUTE, "/mb/%d/mute", "Band %d mute", 0, MB_BANDS, "Silence this band"),
	{ P_MB_LINK, "/mb/link", "Stereo link", "%", 0, 100, 100, CURVE_LIN, NULL, 20, 1, 0, NULL, "How much the two channels share one gain" },
	ENUM(P_MB_MODE, "/mb/mode", "Mode", mb_modes, 0, 1, "Compress left/right or mid/side"),
	ENUM(P_MB_DETECTOR, "/mb/detector", "Detector", detectors, 1, 1, "Level detector"),

	TOG(P_IMG_BYPASS, "/imager/bypass", "Imager bypass", 0, "Bypass the stereo imager"),
	{ P_IMG_WIDTH, "/imager/width", "Width", "%", 0, 200, 100, CURVE_LIN, NULL, 20, 1, 0, NULL, "Overall stereo width (100 = unchanged)" },
	{ P_IMG_XOVER, "/imager/crossover/%d", "Imager crossover %d", "Hz", 20, 20000, 1000, CURVE_LOG, NULL, 30, IMG_XOVERS, 0, img_xover_defs, "Split between imager bands" },
	{ P_IMG_BAND_WIDTH, "/imager/%d/width", "Band %d width", "%", 0, 200, 100, CURVE_LIN, NULL, 20, IMG_BANDS, 0, NULL, "Stereo width of this band" },
	{ P_IMG_MONO_BELOW, "/imager/mono_below", "Mono below", "Hz", 0, 500, 0, CURVE_LIN, NULL, 30, 1, 0, NULL, "Bass below this is summed to mono (0 = off)" },
	{ P_IMG_BALANCE, "/imager/balance", "Balance", "%", -100, 100, 0, CURVE_LIN, NULL, 20, 1, 0, NULL, "Left/right balance" },

	TOG(P_SAT_BYPASS, "/saturate/bypass", "Saturation bypass", 1, "Bypass saturation and clipper"),
	{ P_SAT_DRIVE, "/saturate/drive", "Drive", "dB", 0, 24, 3, CURVE_DB, NULL, 20, 1, 0, NULL, "Gain into the saturator" },
	ENUM(P_SAT_TYPE, "/saturate/type", "Type", sat_types, 0, 1, "Saturation curve"),
	{ P_SAT_MIX, "/saturate/mix", "Mix", "%", 0, 100, 100, CURVE_LIN, NULL, 20, 1, 0, NULL, "Wet/dry mix" },
	{ P_SAT_OUTPUT, "/saturate/output", "Output", "dB", -24, 6, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Level after saturation" },
	ENUM(P_SAT_OVERSAMPLING, "/saturate/oversampling", "Oversampling", os_factors, 1, 1, "Oversampling factor"),

	TOG(P_LIM_BYPASS, "/limiter/bypass", "Limiter bypass", 0, "Bypass the true-peak limiter"),
	{ P_LIM_GAIN, "/limiter/gain", "Drive", "dB", 0, 24, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Gain into the limiter" },
	{ P_LIM_CEILING, "/limiter/ceiling", "Ceiling", "dBTP", -12, 0, -1, CURVE_DB, NULL, 20, 1, 0, NULL, "Highest true peak at the output" },
	{ P_LIM_RELEASE, "/limiter/release", "Release", "ms", 1, 1000, 100, CURVE_LOG, NULL, 0, 1, 0, NULL, "Release time" },
	TOG(P_LIM_AUTO_RELEASE, "/limiter/auto_release", "Auto release", 1, "Program-dependent release"),
	{ P_LIM_LOOKAHEAD, "/limiter/lookahead", "Lookahead", "ms", 0.5f, 5, 1.5f, CURVE_LIN, NULL, 0, 1, 0, NULL, "Lookahead time" },
	{ P_LIM_LINK, "/limiter/link", "Stereo link", "%", 0, 100, 100, CURVE_LIN, NULL, 20, 1, 0, NULL, "How much the channels share one gain" },
	TOG(P_LIM_TRUE_PEAK, "/limiter/true_peak", "True peak", 1, "Limit inter-sample peaks (oversampled detector)"),
	TOG(P_LIM_BAND_LIMIT, "/limiter/band_limit", "Band limit", 1, "Linear-phase low-pass from 0.48 fs (21.2 kHz at 44.1 kHz) so the true-peak detector sees everything"),

	TOG(P_DITHER_BYPASS, "/dither/bypass", "Dither bypass", 1, "Bypass dither"),
	ENUM(P_DITHER_BITS, "/dither/bits", "Bits", dither_bits, 0, 1, "Target word length"),
	ENUM(P_DITHER_SHAPE, "/dither/shape", "Noise shaping", dither_shapes, 0, 1, "TPDF only, or noise shaped"),

	TOG(P_OUTPUT_BYPASS, "/output/bypass", "Output bypass", 0, "Bypass the output trim"),
	{ P_OUTPUT_GAIN, "/output/gain", "Output gain", "dB", -24, 24, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Trim after the chain (before dither)" },

	TOG(P_MON_BYPASS, "/monitor/bypass", "Monitor bypass", 0, "Monitor outputs carry the master unchanged"),
	ENUM(P_MON_SOURCE, "/monitor/source", "Source", mon_sources, 0, 1, "What the monitors play"),
	TOG(P_MON_MATCH, "/monitor/match", "Loudness match", 1, "Match input or reference to the master's loudness"),
	{ P_MON_LEVEL, "/monitor/level", "Monitor level", "dB", -80, 12, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Monitor volume" },
	TOG(P_MON_DIM, "/monitor/dim", "Dim", 0, "Lower the monitors by the dim level"),
	{ P_MON_DIM_LEVEL, "/monitor/dim_level", "Dim level", "dB", -40, 0, -20, CURVE_DB, NULL, 20, 1, 0, NULL, "How much dim lowers" },
	TOG(P_MON_MUTE, "/monitor/mute", "Mute", 0, "Silence the monitors"),
	TOG(P_MON_MONO, "/monitor/mono", "Mono", 0, "Sum the monitors to mono"),
	TOG(P_MON_SWAP, "/monitor/swap", "Swap L/R", 0, "Swap left and right"),
	ENUM(P_MON_SOLO, "/monitor/solo", "Solo", solos, 0, 1, "Hear mid, side, left or right alone"),
	ENUM(P_MON_POLARITY, "/monitor/polarity", "Polarity", polarities, 0, 1, "Invert the polarity of a channel"),
	ENUM(P_MON_PLATFORM, "/monitor/platform", "Platform preview", mon_platforms, 0, 1, "Play the master at the level this platform would"),
	ENUM(P_MON_METER_SCALE, "/monitor/meter_scale", "Meter scale", meter_scales, 0, 1, "Scale of the peak meters: dBFS, EBU +9 / +18 (0 = -23 dBFS, a -23 LUFS sine), K-20 / K-14 / K-12 (0 = -20 / -14 / -12 dBFS)"),
	{ P_MON_CALIBRATION, "/monitor/calibration", "Calibration", "dB", -20, 20, 0, CURVE_DB, NULL, 20, 1, 0, NULL, "Offset for the converters" },
	TOG(P_MON_CAL_SIGNAL, "/monitor/cal_signal", "Calibration signal", 0, "Pink noise 500 Hz-2 kHz at -23 LUFS on the monitors"),

	{ P_TARGET_LUFS, "/target/lufs", "Target loudness", "LUFS", -30, -5, -14, CURVE_LIN, NULL, 0, 1, 0, NULL, "Integrated loudness to aim for" },
	ENUM(P_TARGET_PLATFORM, "/target/platform", "Target platform", target_platforms, 0, 1, "Take the target from a platform"),
	{ P_SNAPSHOT_FADE, "/snapshot/fade", "Snapshot fade", "ms", 0, 5000, 500, CURVE_LIN, NULL, 0, 1, 0, NULL, "Crossfade time when recalling a snapshot" },
};

static param_info registry[P_COUNT];
static int initialised;

void params_init(void)
{
	if (initialised)
		return;
	int next = 0;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const param_row *row = &rows[r];
		if (row->id != next) {
			fprintf(stderr, "lathe: internal error: registry row %s has id %d, expected %d\n", row->path, row->id, next);
			abort();
		}
		for (int i = 0; i < row->count; i++) {
			param_info *pi = &registry[next++];
			if (row->count > 1) {
				snprintf(pi->path, sizeof pi->path, row->path, i + 1);
				snprintf(pi->label, sizeof pi->label, row->label, i + 1);
				pi->instance = i + 1;
			} else {
				snprintf(pi->path, sizeof pi->path, "%s", row->path);
				snprintf(pi->label, sizeof pi->label, "%s", row->label);
			}
			pi->unit = row->unit;
			pi->min = row->min;
			pi->max = row->max;
			pi->def = row->defs ? row->defs[i] : row->def;
			pi->step = row->step;
			pi->curve = row->curve;
			pi->enums = row->enums;
			pi->n_enums = 0;
			if (row->enums)
				while (row->enums[pi->n_enums])
					pi->n_enums++;
			pi->smooth_ms = row->smooth_ms;
			pi->help = row->help;
			/* module: "/eq/3/freq" -> "eq" (a static string per row is enough: point into a table) */
			static char modules[P_COUNT][16];
			const char *s = pi->path + 1;
			size_t k = strcspn(s, "/");
			if (k >= sizeof modules[0])
				k = sizeof modules[0] - 1;
			memcpy(modules[next - 1], s, k);
			modules[next - 1][k] = 0;
			pi->module = modules[next - 1];
		}
	}
	if (next != P_COUNT) {
		fprintf(stderr, "lathe: internal error: registry has %d parameters, expected %d\n", next, P_COUNT);
		abort();
	}
	initialised = 1;
}

int params_count(void) { return P_COUNT; }

const param_info *param_info_get(int id)
{
	if (id < 0 || id >= P_COUNT)
		return NULL;
	params_init();
	return &registry[id];
}

int param_find(const char *path)
{
	params_init();
	if (!path)
		return -1;
	for (int i = 0; i < P_COUNT; i++)
		if (strcmp(registry[i].path, path) == 0)
			return i;
	return -1;
}

static inline void store_bits(lathe_params *p, int id, float v)
{
	union { uint32_t u; float f; } b = { .f = v };
	uint32_t old = atomic_exchange_explicit(&p->bits[id], b.u, memory_order_release);
	if (old != b.u) {
		atomic_fetch_add_explicit(&p->gen[id], 1, memory_order_release);
		atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
	}
}

void params_reset(lathe_params *p)
{
	params_init();
	for (int i = 0; i < P_COUNT; i++)
		store_bits(p, i, registry[i].def);
}

lathe_params *params_new(void)
{
	lathe_params *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	params_reset(p);
	return p;
}

void params_free(lathe_params *p) { free(p); }

void params_copy(lathe_params *dst, const lathe_params *src)
{
	for (int i = 0; i < P_COUNT; i++)
		store_bits(dst, i, param_get(src, i));
}

int param_set(lathe_params *p, int id, float value, float *applied)
{
	if (id < 0 || id >= P_COUNT)
		return PARAM_BAD_ID;
	if (!isfinite(value))
		return PARAM_NOT_FINITE;
	const param_info *pi = param_info_get(id);
	float v = value;
	int rc = PARAM_OK;
	if (pi->step > 0)
		v = roundf(v / pi->step) * pi->step;
	if (v < pi->min) { v = pi->min; rc = PARAM_CLAMPED; }
	if (v > pi->max) { v = pi->max; rc = PARAM_CLAMPED; }
	if (v == 0.0f)
		v = 0.0f; /* no negative zero: it would compare unequal in bits */
	store_bits(p, id, v);
	if (applied)
		*applied = v;
	return rc;
}

static int enum_index(const param_info *pi, const char *text)
{
	for (int i = 0; i < pi->n_enums; i++)
		if (strcasecmp(pi->enums[i], text) == 0)
			return i;
	return -1;
}

static void enum_list(const param_info *pi, char *names, size_t len)
{
	names[0] = 0;
	for (int k = 0; k < pi->n_enums; k++) {
		strncat(names, k ? ", " : "", len - strlen(names) - 1);
		strncat(names, pi->enums[k], len - strlen(names) - 1);
	}
}

static int digits(const char *s)
{
	int n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int param_parse_number(const char *text, double *out)
{
	const char *s = text;
	if (*s == '+' || *s == '-')
		s++;
	int whole = digits(s);
	s += whole;
	int frac = 0;
	if (*s == '.') {
		frac = digits(s + 1);
		s += 1 + frac;
	}
	if (!whole && !frac)
		return -1;
	if (*s == 'e' || *s == 'E') {
		const char *e = s + 1;
		if (*e == '+' || *e == '-')
			e++;
		int n = digits(e);
		if (!n)
			return -1;
		s = e + n;
	}
	if (*s)
		return -1;
	/* The syntax is checked above; g_ascii_strtod only converts (correctly
	 * rounded, C locale whatever LC_NUMERIC the console's GTK has set). */
	*out = g_ascii_strtod(text, NULL);
	return 0;
}

int param_parse_count(const char *text, unsigned long max, unsigned long *out)
{
	int n = digits(text);
	if (!n || text[n])
		return -1;
	unsigned long v = 0;
	for (int i = 0; i < n; i++) {
		unsigned d = (unsigned)(text[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "nan", "-inf", "Infinity": what strtod would turn into a non-finite value. */
static int non_finite_word(const char *t)
{
	if (*t == '+' || *t == '-')
		t++;
	return !strcasecmp(t, "nan") || !strcasecmp(t, "inf") || !strcasecmp(t, "infinity");
}

#define WHY(...) (why && whylen > 0 ? (void)snprintf(why, (size_t)whylen, __VA_ARGS__) : (void)0)

static int parse_shown(const param_info *pi, const char *t, const char *shown, float *value, char *why, int whylen)
{
	if (!*t) {
		WHY("empty value");
		return PARAM_EMPTY;
	}
	if (pi->curve == CURVE_ENUM) {
		int k = enum_index(pi, t);
		if (k >= 0) {
			*value = (float)k;
			return PARAM_OK;
		}
	}
	if (pi->curve == CURVE_TOGGLE) {
		static const char *const on[] = { "on", "true", "yes" }, *const off[] = { "off", "false", "no" };
		for (int k = 0; k < 3; k++) {
			if (!strcasecmp(t, on[k]) || !strcasecmp(t, off[k])) {
				*value = !strcasecmp(t, on[k]) ? 1.0f : 0.0f;
				return PARAM_OK;
			}
		}
	}
	double d;
	if (param_parse_number(t, &d) < 0) {
		if (non_finite_word(t)) {
			WHY("'%s' is not a finite number", shown);
			return PARAM_NOT_FINITE;
		}
		if (pi->curve == CURVE_ENUM) {
			char names[256];
			enum_list(pi, names, sizeof names);
			WHY("'%s' is not one of: %s", shown, names);
		} else if (pi->curve == CURVE_TOGGLE) {
			WHY("'%s' is not on or off", shown);
		} else {
			WHY("'%s' is not a number", shown);
		}
		return PARAM_BAD_NAME;
	}
	if (!isfinite(d)) { /* 1e999: a number, but none a double (or float) can hold */
		WHY("'%s' is not a finite number (too large)", shown);
		return PARAM_NOT_FINITE;
	}
	/* Range on the float the store will hold: "0.100000001" is how 0.1f is
	 * written, and is in range although the double is below 0.1f. */
	float f = d > FLT_MAX ? INFINITY : d < -FLT_MAX ? -INFINITY : (float)d;
	if (f < pi->min || f > pi->max) {
		WHY("%s is out of range (%g to %g%s%s)", shown, pi->min, pi->max, *pi->unit ? " " : "", pi->unit);
		*value = f < pi->min ? pi->min : pi->max;
		return PARAM_CLAMPED;
	}
	if ((pi->step > 0 || pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE) && f != floorf(f)) {
		WHY("%s is not a whole number", shown);
		return PARAM_NOT_WHOLE;
	}
	*value = f == 0.0f ? 0.0f : f; /* no negative zero */
	return PARAM_OK;
}

static int parse_trimmed(const param_info *pi, const char *text, float *value, char *why, int whylen)
{
	/* the reason quotes the text, but not a megabyte of it (cut before a
	 * UTF-8 continuation byte, so no character is split) */
	size_t cut = 32;
	char *shown = NULL;
	if (strlen(text) > 40) {
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;
		shown = g_strdup_printf("%.*s...", (int)cut, text);
	}
	int rc = parse_shown(pi, text, shown ? shown : text, value, why, whylen);
	g_free(shown);
	return rc;
}

int param_parse_text(int id, const char *text, float *value, char *why, int whylen)
{
	const param_info *pi = param_info_get(id);
	if (!pi) {
		WHY("unknown parameter");
		return PARAM_BAD_ID;
	}
	/* the blanks GKeyFile strips around a value, for --set and OSC strings too */
	const char *a = text ? text : "";
	while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
		a++;
	size_t n = strlen(a);
	while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\n' || a[n - 1] == '\r'))
		n--;
	char *t = g_strndup(a, n);
	int rc = parse_trimmed(pi, t, value, why, whylen);
	g_free(t);
	return rc;
}

int param_set_text(lathe_params *p, int id, const char *text, float *applied)
{
	float v;
	int rc = param_parse_text(id, text, &v, NULL, 0);
	if (rc < 0)
		return rc;
	param_set(p, id, v, applied);
	return rc;
}

const char *param_strerror(int code)
{
	switch (code) {
	case PARAM_OK: return "ok";
	case PARAM_CLAMPED: return "out of range, clamped";
	case PARAM_BAD_ID: return "unknown parameter";
	case PARAM_NOT_FINITE: return "value is not a finite number";
	case PARAM_BAD_NAME: return "not a number or a known name";
	case PARAM_NOT_WHOLE: return "not a whole number";
	case PARAM_EMPTY: return "empty value";
	case PARAM_OUT_OF_RANGE: return "out of range";
	}
	return "error";
}

int param_set_assignment(lathe_params *p, const char *assignment, char *err, int errlen)
{
	const char *eq = strchr(assignment, '=');
	if (!eq) {
		snprintf(err, errlen, "--set %.64s%s: expected PATH=VALUE", assignment, strlen(assignment) > 64 ? "..." : "");
		return PARAM_BAD_NAME;
	}
	char *path = g_strndup(assignment, (size_t)(eq - assignment));
	int id = param_find(path);
	if (id < 0) {
		snprintf(err, errlen, "--set %.64s%s: unknown parameter path (see 'lathe params')", path, strlen(path) > 64 ? "..." : "");
		g_free(path);
		return PARAM_BAD_ID;
	}
	char why[320];
	float v;
	int rc = param_parse_text(id, eq + 1, &v, why, sizeof why);
	if (rc != PARAM_OK) {
		/* out of range is refused as a session file refuses it: a command
		 * line that cannot be done exactly should not run */
		snprintf(err, errlen, "--set %s: bad value: %s", path, why); /* why quotes the value */
		g_free(path);
		return rc == PARAM_CLAMPED ? PARAM_OUT_OF_RANGE : rc;
	}
	g_free(path);
	param_set(p, id, v, NULL);
	return PARAM_OK;
}

float param_to_norm(int id, float v)
{
	const param_info *pi = param_info_get(id);
	if (!pi || pi->max <= pi->min)
		return 0;
	float n;
	if (pi->curve == CURVE_LOG && pi->min > 0)
		n = logf(v / pi->min) / logf(pi->max / pi->min);
	else
		n = (v - pi->min) / (pi->max - pi->min);
	return n < 0 ? 0 : n > 1 ? 1 : n;
}

float param_from_norm(int id, float n)
{
	const param_info *pi = param_info_get(id);
	if (!pi)
		return 0;
	if (!(n >= 0))
		n = 0;
	if (n > 1)
		n = 1;
	if (pi->curve == CURVE_LOG && pi->min > 0)
		return pi->min * powf(pi->max / pi->min, n);
	return pi->min + n * (pi->max - pi->min);
}

void param_format(int id, float v, char *buf, int len)
{
	const param_info *pi = param_info_get(id);
	if (!pi) {
		snprintf(buf, len, "?");
		return;
	}
	switch (pi->curve) {
	case CURVE_ENUM: {
		int k = (int)(v + 0.5f);
		snprintf(buf, len, "%s", (k >= 0 && k < pi->n_enums) ? pi->enums[k] : "?");
		return;
	}
	case CURVE_TOGGLE:
		snprintf(buf, len, "%s", v >= 0.5f ? "on" : "off");
		return;
	default:
		break;
	}
	if (pi->step >= 1)
		snprintf(buf, len, "%d%s%s", (int)v, *pi->unit ? " " : "", pi->unit);
	else if (!strcmp(pi->unit, "Hz") && v >= 1000)
		snprintf(buf, len, "%.2f kHz", v / 1000);
	else if (fabsf(v) >= 100)
		snprintf(buf, len, "%.0f%s%s", v, *pi->unit ? " " : "", pi->unit);
	else
		snprintf(buf, len, "%.2f%s%s", v, *pi->unit ? " " : "", pi->unit);
}
