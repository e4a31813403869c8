/* lathe — the parameter registry and its lock-free store.
 *
 * Every parameter exists once, as a row of the static table in params.c.
 * Rows with a count (the 8 EQ bands, the 4 multiband bands, ...) expand to
 * one parameter per instance; ids are compile-time constants below so the
 * engine indexes the store directly: P_EQ_FREQ + band (band counted from 0).
 *
 * The store holds each value as an atomic 32-bit float plus a generation
 * counter per parameter (and one for the whole store).  Writers (GUI, OSC,
 * sessions) call param_set(); the RT thread only loads.  No locks anywhere.
 */
#ifndef LATHE_PARAMS_H
#define LATHE_PARAMS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>

#define EQ_BANDS 8
#define MB_BANDS 4
#define MB_XOVERS (MB_BANDS - 1)
#define IMG_BANDS 3
#define IMG_XOVERS (IMG_BANDS - 1)

typedef enum {
	CURVE_LIN,    /* linear between min and max */
	CURVE_LOG,    /* logarithmic (frequency, time, ratio, Q) */
	CURVE_DB,     /* decibels, linear in dB */
	CURVE_ENUM,   /* index into enum names; stored as a float index */
	CURVE_TOGGLE, /* 0 or 1 */
} param_curve;

/* Parameter ids.  The order must match the rows in params.c (checked at init). */
enum {
	P_BYPASS,
	P_INPUT_BYPASS, P_INPUT_GAIN,
	P_EQ_BYPASS,
	P_EQ_TYPE,
	P_EQ_FREQ = P_EQ_TYPE + EQ_BANDS,
	P_EQ_GAIN = P_EQ_FREQ + EQ_BANDS,
	P_EQ_Q = P_EQ_GAIN + EQ_BANDS,
	P_EQ_SLOPE = P_EQ_Q + EQ_BANDS,
	P_EQ_CHANNEL = P_EQ_SLOPE + EQ_BANDS,
	P_EQ_BAND_BYPASS = P_EQ_CHANNEL + EQ_BANDS,
	P_EQ_DYNAMIC = P_EQ_BAND_BYPASS + EQ_BANDS,
	P_EQ_THRESHOLD = P_EQ_DYNAMIC + EQ_BANDS,
	P_EQ_RANGE = P_EQ_THRESHOLD + EQ_BANDS,
	P_EQ_RATIO = P_EQ_RANGE + EQ_BANDS,
	P_EQ_ATTACK = P_EQ_RATIO + EQ_BANDS,
	P_EQ_RELEASE = P_EQ_ATTACK + EQ_BANDS,
	P_EQ_PHASE = P_EQ_RELEASE + EQ_BANDS, P_EQ_RESOLUTION, /* eq_linear.c */
	P_MB_BYPASS,
	P_MB_BANDS,
	P_MB_XOVER,
	P_MB_THRESHOLD = P_MB_XOVER + MB_XOVERS,
	P_MB_RATIO = P_MB_THRESHOLD + MB_BANDS,
	P_MB_KNEE = P_MB_RATIO + MB_BANDS,
	P_MB_ATTACK = P_MB_KNEE + MB_BANDS,
	P_MB_RELEASE = P_MB_ATTACK + MB_BANDS,
	P_MB_MAKEUP = P_MB_RELEASE + MB_BANDS,
	P_MB_BAND_BYPASS = P_MB_MAKEUP + MB_BANDS,
	P_MB_SOLO = P_MB_BAND_BYPASS + MB_BANDS,
	P_MB_MUTE = P_MB_SOLO + MB_BANDS,
	P_MB_LINK = P_MB_MUTE + MB_BANDS,
	P_MB_MODE,
	P_MB_DETECTOR,
	P_IMG_BYPASS,
	P_IMG_WIDTH,
	P_IMG_XOVER,
	P_IMG_BAND_WIDTH = P_IMG_XOVER + IMG_XOVERS,
	P_IMG_MONO_BELOW = P_IMG_BAND_WIDTH + IMG_BANDS,
	P_IMG_BALANCE,
	P_SAT_BYPASS,
	P_SAT_DRIVE,
	P_SAT_TYPE,
	P_SAT_MIX,
	P_SAT_OUTPUT,
	P_SAT_OVERSAMPLING,
	P_LIM_BYPASS,
	P_LIM_GAIN,
	P_LIM_CEILING,
	P_LIM_RELEASE,
	P_LIM_AUTO_RELEASE,
	P_LIM_LOOKAHEAD,
	P_LIM_LINK,
	P_LIM_TRUE_PEAK,
	P_LIM_BAND_LIMIT,
	P_DITHER_BYPASS,
	P_DITHER_BITS,
	P_DITHER_SHAPE,
	P_OUTPUT_BYPASS,
	P_OUTPUT_GAIN,
	P_MON_BYPASS,
	P_MON_SOURCE,
	P_MON_MATCH,
	P_MON_LEVEL,
	P_MON_DIM,
	P_MON_DIM_LEVEL,
	P_MON_MUTE,
	P_MON_MONO,
	P_MON_SWAP,
	P_MON_SOLO,
	P_MON_POLARITY,
	P_MON_PLATFORM,
	P_MON_METER_SCALE,
	P_MON_CALIBRATION,
	P_MON_CAL_SIGNAL,
	P_TARGET_LUFS,
	P_TARGET_PLATFORM,
	P_SNAPSHOT_FADE,
	P_COUNT
};

/* Enum values that the engine switches on (indices into the enum names). */
enum { EQ_BELL, EQ_LOW_SHELF, EQ_HIGH_SHELF, EQ_LOW_CUT, EQ_HIGH_CUT, EQ_NOTCH, EQ_TILT };
enum { EQ_PHASE_MINIMUM, EQ_PHASE_LINEAR };
enum { EQ_RES_LOW, EQ_RES_MEDIUM, EQ_RES_HIGH, EQ_RES_MAX };
enum { CH_STEREO, CH_MID, CH_SIDE, CH_LEFT, CH_RIGHT };
enum { MB_MODE_STEREO, MB_MODE_MID_SIDE };
enum { DET_PEAK, DET_RMS };
enum { SAT_TAPE, SAT_TUBE, SAT_SOFT_CLIP, SAT_HARD_CLIP };
enum { OS_2X, OS_4X, OS_8X };
enum { DITHER_16, DITHER_20, DITHER_24 };
enum { SHAPE_NONE, SHAPE_LIPSHITZ, SHAPE_F_WEIGHTED };
enum { MON_SRC_MASTER, MON_SRC_INPUT, MON_SRC_REFERENCE };
enum { SOLO_OFF, SOLO_MID, SOLO_SIDE, SOLO_LEFT, SOLO_RIGHT };
enum { POL_NORMAL, POL_LEFT, POL_RIGHT, POL_BOTH };
/* Platforms: index 0 is "off" (monitor) or "custom" (target). */
enum { PLAT_NONE, PLAT_SPOTIFY, PLAT_APPLE, PLAT_YOUTUBE, PLAT_AMAZON, PLAT_TIDAL, PLAT_DEEZER, PLAT_COUNT };

typedef struct {
	char path[48];           /* OSC address and session key, e.g. "/eq/3/freq" */
	char label[40];          /* human label, e.g. "EQ 3 Frequency" */
	const char *unit;        /* "dB", "Hz", "ms", "%", ":1", "" */
	const char *module;      /* first path component: "eq", "mb", ... (GUI section) */
	float min, max, def;
	float step;              /* 0 continuous, 1 integer-valued */
	param_curve curve;
	const char *const *enums; /* NULL-terminated names for CURVE_ENUM */
	int n_enums;
	float smooth_ms;         /* time the RT thread takes to glide to a new value */
	const char *help;        /* one sentence for tooltips and docs */
	int instance;            /* 1-based band/crossover number, 0 when not numbered */
} param_info;

/* Build the expanded registry (idempotent, not thread-safe: call once at start-up).
 * Aborts on an inconsistent table: that is a programming error. */
void params_init(void);
int params_count(void);
const param_info *param_info_get(int id);
/* Id for a path, or -1. */
int param_find(const char *path);

/* ---- the store ---- */
typedef struct lathe_params {
	_Atomic uint32_t bits[P_COUNT];   /* float bits of each value */
	_Atomic uint32_t gen[P_COUNT];    /* bumped on every change */
	_Atomic uint32_t generation;      /* bumped on any change */
} lathe_params;

/* Results of param_set and of the text parser. */
enum { PARAM_OK = 0, PARAM_CLAMPED = 1, PARAM_BAD_ID = -1, PARAM_NOT_FINITE = -2, PARAM_BAD_NAME = -3,
       PARAM_NOT_WHOLE = -4, PARAM_EMPTY = -5,
       PARAM_OUT_OF_RANGE = -6 /* refused, not clamped (session files, --set) */ };

void params_reset(lathe_params *p);              /* every value to its default */
lathe_params *params_new(void);                   /* allocated, at defaults */
void params_free(lathe_params *p);

static inline float param_get(const lathe_params *p, int id)
{
	union { uint32_t u; float f; } v;
	v.u = atomic_load_explicit(&((lathe_params *)p)->bits[id], memory_order_relaxed);
	return v.f;
}
static inline uint32_t param_gen(const lathe_params *p, int id)
{
	return atomic_load_explicit(&((lathe_params *)p)->gen[id], memory_order_acquire);
}
static inline uint32_t params_generation(const lathe_params *p)
{
	return atomic_load_explicit(&((lathe_params *)p)->generation, memory_order_acquire);
}
static inline int param_get_int(const lathe_params *p, int id) { return (int)(param_get(p, id) + 0.5f); }
static inline bool param_get_bool(const lathe_params *p, int id) { return param_get(p, id) >= 0.5f; }

/* Clamp to range (integers and enums rounded), refuse NaN/Inf.  The value
 * actually stored goes to *applied when not NULL.  Returns PARAM_OK,
 * PARAM_CLAMPED (stored, but clamped), or a negative error (nothing stored). */
int param_set(lathe_params *p, int id, float value, float *applied);
/* THE value parser: session files, --set and OSC strings all go through it,
 * so they cannot disagree on what a value is.  Blanks around the text are
 * ignored.  Accepted: a decimal number (param_parse_number), for enums a
 * name (any case) or an index, for toggles on/off, true/false, yes/no or 0/1.
 * Returns PARAM_OK with *value; PARAM_CLAMPED with *value clamped to the
 * range (the text was a valid number outside it); or a negative error:
 * PARAM_EMPTY, PARAM_BAD_NAME (not a number nor a name), PARAM_NOT_FINITE
 * (nan, inf), PARAM_NOT_WHOLE (2.5 for an integer, enum or toggle),
 * PARAM_BAD_ID.  why (may be NULL) receives the reason for anything but
 * PARAM_OK, naming the text: "'0x4' is not a number",
 * "22001 is out of range (10 to 22000 Hz)". */
int param_parse_text(int id, const char *text, float *value, char *why, int whylen);
/* param_parse_text, then param_set: out of range is clamped and PARAM_CLAMPED
 * returned (what OSC does); errors store nothing. */
int param_set_text(lathe_params *p, int id, const char *text, float *applied);
/* "PATH=VALUE" as given to --set: refused (not clamped) unless the value is
 * valid and in range, as in a session file.  On error returns <0 and writes a
 * one-line reason (without "lathe: ") into err. */
int param_set_assignment(lathe_params *p, const char *assignment, char *err, int errlen);

/* Strict number syntax for every text lathe reads (values, session counts,
 * CIDR prefixes, ports): what strtod/strtol accept besides is refused (hex
 * "0x4", blanks, "+" on a count, "1e", locale commas).
 * param_parse_number: [+-] digits [. digits] [(e|E) [+-] digits], or a
 * number starting or ending with the point (".5", "5."); 0 with *out
 * (+-HUGE_VAL when it overflows a double), -1 when the text is not one.
 * Locale-independent: "1.5" is one and a half under any LC_NUMERIC. */
int param_parse_number(const char *text, double *out);
/* Decimal digits only, at most max: 0 with *out, -1 otherwise (also on overflow). */
int param_parse_count(const char *text, unsigned long max, unsigned long *out);
/* Human reason for a negative param_set result. */
const char *param_strerror(int code);

/* Normalised 0..1 along the parameter's curve (for faders and /norm). */
float param_to_norm(int id, float value);
float param_from_norm(int id, float norm);

/* Value as text in natural units ("-1.0 dB", "bell", "on"). */
void param_format(int id, float value, char *buf, int len);

/* Copy every value (bit-exact) from src to dst, bumping generations only where it changed. */
void params_copy(lathe_params *dst, const lathe_params *src);



#include <stdio.h>
/* `lathe params`: the registry as an aligned table, JSON (a list of objects
 * with path label unit min max default curve [enum]) or a Markdown table. */
void params_write_text(FILE *f);
int params_write_json(FILE *f);
void params_write_markdown(FILE *f);
const char *param_curve_name(param_curve c);
#endif
