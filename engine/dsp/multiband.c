/* lathe — multiband dynamics: up to 4 bands split by the LR4 crossover
 * (crossover.h), one feed-forward compressor per band and channel.
 *
 * Per band and channel, every sample (Giannoulis, Massberg, Reiss, "Digital
 * Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6) 2012):
 *   1. level x (dB).  peak: 20 log10 |x|.  rms: 10 log10 (2 ms), ms a one-pole
 *      mean square with a 20 ms time constant; the factor 2 is the AES17
 *      convention (a sine reads its peak level), so both detectors agree on
 *      sines and the threshold means the same thing in either.
 *   2. static curve, quadratic soft knee (eq. 4), threshold T, ratio R, knee W:
 *        2(x-T) <  -W:   y = x
 *        2|x-T| <=  W:   y = x + (1/R - 1)(x - T + W/2)^2 / (2W)
 *        2(x-T) >   W:   y = T + (x - T)/R
 *      instantaneous gain reduction g = x - y >= 0.
 *   3. stereo link: g_c += link * (max(g_0, g_1) - g_c).
 *   4. smooth branching detector in the log domain (eq. 17 applied to g, the
 *      paper's recommended "log domain" placement):
 *        G = g > G ? aA G + (1-aA) g : aR G + (1-aR) g,   a = exp(-1 / (tau fs))
 *      Attack and release are exactly one-pole in dB: after a step of the
 *      target gain reduction, G covers 1 - 1/e (63.2 %) of the change in
 *      tau = the attack (rising) or release (falling) setting.  That is the
 *      definition of the times here (tested); in rms mode the 20 ms mean
 *      square comes on top.
 *   5. gain = 10^((makeup - G) / 20), band outputs summed.
 * Steps 1 and 5 use fast_log2_4/fast_exp2_4 below instead of libm per sample.
 * Steps 1-3 and 5 run on four lanes across the chunk, the recursions (rms mean
 * square, step 4) on four lanes across the bands (compress_bands); the crossover
 * runs the low and high branches of both channels in four float lanes
 * (crossover_split2).  callgrind, instructions per stereo frame with 4 bands at
 * 48 kHz: 1919 -> 930 -> 770.
 *
 * Everything runs in chunks of XO_CHUNK samples: crossover glides and the
 * threshold/ratio/knee glides advance once per chunk; makeup, band bypass,
 * solo/mute and the module bypass ramp per sample.  Latency is 0 (IIR).
 */
#include "multiband.h"
#include "crossover.h"
#include "smooth.h"
#include "vec.h"
#include "dsp_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MB_CHUNK XO_CHUNK
#define RMS_TAU_S 0.020      /* mean-square time constant of the rms detector */
#define MIX_MS 10.0f         /* module bypass crossfade, and the fade through dry for a band-count change */
#define BAND_FADE_MS 10.0f   /* band bypass / solo / mute */
#define DB_PER_LOG2 6.02059991f   /* 20 log10(2) */
#define LOG2_PER_DB 0.166096405f  /* 1 / DB_PER_LOG2 */
#define TINY 1e-20f          /* keeps log2 finite on silence (-400 dB) and states off denormals */

/* log2 for x > 0 (normal floats).  x = 2^e m; m folded into [1/sqrt2, sqrt2);
 * log2 m = (2/ln 2) atanh(y), y = (m-1)/(m+1), |y| <= 0.1716, series to y^5.
 * Truncation <= (2/ln 2) y^7 / (7 (1 - y^2)) = 1.9e-6 (= 1.1e-5 dB); with float
 * rounding of the exponent sum the worst error measured over 1e-20..1e3 is
 * 3.4e-5 dB, far below the 0.01 dB asked of the static curve.
 * Four lanes (vec.h); branches become masks. */
static inline v4sf fast_log2_4(v4sf x)
{
	v4si u = (v4si)x;
	v4sf e = __builtin_convertvector(((u >> 23) & 0xff) - 127, v4sf);
	v4sf m = (v4sf)((u & 0x007fffff) | 0x3f800000);
	v4si hi = m > v4_set1(1.41421356f);
	m = v4_select(hi, m * 0.5f, m);
	e = v4_select(hi, e + 1.0f, e);
	v4sf y = (m - 1.0f) / (m + 1.0f), y2 = y * y;
	return e + y * (2.88539008f + y2 * (0.961796694f + y2 * 0.577078016f));
}

/* 2^x for x in [-126, 126] (clamped).  x = i + f, i = round(x), |f| <= 1/2;
 * 2^f = e^(f ln2) by Taylor to degree 5: relative error <= (ln2/2)^6/720 e^(ln2/2)
 * = 3.4e-6 (3e-5 dB; measured worst over -100..100: 2.9e-5 dB).
 * 2^0 == 1 exactly (band gain 0 dB is exact). */
static inline v4sf fast_exp2_4(v4sf x)
{
	x = v4_min(v4_max(x, v4_set1(-126.0f)), v4_set1(126.0f));
	v4si i = __builtin_convertvector(x + 126.5f, v4si) - 126;
	v4sf f = x - __builtin_convertvector(i, v4sf);
	v4sf p = 1.0f + f * (0.693147181f + f * (0.240226507f + f * (0.0555041087f + f * (0.00961812911f + f * 0.00133335581f))));
	return p * (v4sf)((i + 127) << 23);
}

/* Gain reduction (dB, >= 0) of the static curve at level x; slope = 1 - 1/R.
 * The knee division runs on a safe denominator (masked out when knee == 0). */
static inline v4sf static_gr4(v4sf x, float thr, float slope, float knee)
{
	v4sf over = x - thr, two = over + over;
	v4sf t = over + 0.5f * knee;
	v4sf soft = slope * t * t / (2.0f * (knee > 0.0f ? knee : 1.0f));
	v4sf g = v4_select(two >= v4_set1(knee), slope * over, soft);
	return v4_select(two <= v4_set1(-knee), v4_set1(0.0f), g);
}

typedef struct {
	smooth thr;        /* threshold, dB (advanced per chunk) */
	smooth ratio;      /* ratio (advanced per chunk; slope = 1 - 1/ratio) */
	smooth knee;       /* knee width, dB (advanced per chunk) */
	smooth makeup;     /* makeup gain, dB (per sample) */
	smooth active;     /* 1 = compressing, 0 = band bypassed: scales the band's whole dB gain */
	smooth audible;    /* 1 = heard, 0 = muted (mute, or another band soloed): linear gain */
	float att, rel;    /* branching coefficients aA, aR = exp(-1 / (tau fs)) */
	float gr[2];       /* smoothed gain reduction G per channel, dB (the detector state) */
	float ms[2];       /* rms detector: mean square per channel */
	float gr_peak;     /* max active * G over the current block, for the meter */
} mb_band;

struct multiband {
	double rate;
	crossover xo;            /* the split; its band count is the one in use */
	mb_band band[MB_BANDS];
	float xo_hz[MB_XOVERS];  /* crossover targets as last read */
	int want_bands;          /* band count asked for; applied under a fade through dry */
	int mode;                /* MB_MODE_*: channels 0/1 carry L/R or M/S */
	int detector;            /* DET_* */
	int bypass;              /* /mb/bypass as last read */
	int cold;                /* state is stale (we were fully bypassed): clear before processing */
	smooth link;             /* stereo link 0..1 */
	smooth mix;              /* 0 = dry (bypassed or changing bands), 1 = processed */
	int mix_samples, band_fade_samples;
	int link_ramp, xo_ramp, param_ramp; /* registry smoothing times in samples */
	float rms_coef;          /* 1 - exp(-1 / (RMS_TAU_S fs)) */
	int wide;                /* the CPU has AVX2: steps 1-3 and 5 on eight lanes */
	float meter[MB_BANDS];   /* gain reduction of the last block, dB */
	/* chunk scratch; +4: the vector loops round k up to a multiple of 4 (x0/x1 stores too) */
	float dry[2][MB_CHUNK + 4];
	float bandbuf[2][MB_BANDS][MB_CHUNK + 4];
	struct {
		float lv[MB_BANDS][2][MB_CHUNK + 4]; /* per band and channel: detector input, then instantaneous, then smoothed gain reduction */
		float ln[MB_CHUNK + 4];
		float act[MB_BANDS][MB_CHUNK + 4], mk[MB_BANDS][MB_CHUNK + 4], aud[MB_BANDS][MB_CHUNK + 4];
		float zero[MB_CHUNK + 4]; /* input of the lanes of unused bands */
	} cs;
};

multiband *multiband_new(double rate, unsigned max_block)
{
	(void)max_block; /* works in chunks of MB_CHUNK whatever the block */
	multiband *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	memset(m, 0, sizeof *m);
	m->rate = rate;
	m->mix_samples = smooth_samples(MIX_MS, rate);
	m->band_fade_samples = smooth_samples(BAND_FADE_MS, rate);
	params_init();
	m->link_ramp = smooth_samples(param_info_get(P_MB_LINK)->smooth_ms, rate);
	m->xo_ramp = smooth_samples(param_info_get(P_MB_XOVER)->smooth_ms, rate);
	m->param_ramp = smooth_samples(param_info_get(P_MB_THRESHOLD)->smooth_ms, rate);
	m->rms_coef = (float)(1.0 - exp(-1.0 / (RMS_TAU_S * rate)));
	m->wide = lathe_cpu_avx2();
	/* factory defaults until the first update */
	float hz[MB_XOVERS];
	for (int k = 0; k < MB_XOVERS; k++)
		hz[k] = m->xo_hz[k] = param_info_get(P_MB_XOVER + k)->def;
	m->want_bands = (int)param_info_get(P_MB_BANDS)->def;
	crossover_init(&m->xo, rate, m->want_bands, 4, hz);
	m->mode = (int)param_info_get(P_MB_MODE)->def;
	m->detector = (int)param_info_get(P_MB_DETECTOR)->def;
	m->bypass = param_info_get(P_MB_BYPASS)->def >= 0.5f;
	m->cold = 1;
	smooth_init(&m->mix, m->bypass ? 0.0f : 1.0f);
	smooth_init(&m->link, param_info_get(P_MB_LINK)->def * 0.01f);
	for (int b = 0; b < MB_BANDS; b++) {
		mb_band *bd = &m->band[b];
		smooth_init(&bd->thr, param_info_get(P_MB_THRESHOLD + b)->def);
		smooth_init(&bd->ratio, param_info_get(P_MB_RATIO + b)->def);
		smooth_init(&bd->knee, param_info_get(P_MB_KNEE + b)->def);
		smooth_init(&bd->makeup, param_info_get(P_MB_MAKEUP + b)->def);
		smooth_init(&bd->active, 1.0f);
		smooth_init(&bd->audible, 1.0f);
		bd->att = (float)exp(-1.0 / (param_info_get(P_MB_ATTACK + b)->def * 0.001 * rate));
		bd->rel = (float)exp(-1.0 / (param_info_get(P_MB_RELEASE + b)->def * 0.001 * rate));
	}
	return m;
}

void multiband_free(multiband *m) { free(m); }

unsigned multiband_latency(const multiband *m)
{
	(void)m;
	return 0;
}

static void clear_state(multiband *m)
{
	crossover_reset(&m->xo);
	for (int b = 0; b < MB_BANDS; b++) {
		m->band[b].gr[0] = m->band[b].gr[1] = 0;
		m->band[b].ms[0] = m->band[b].ms[1] = 0;
	}
}

void multiband_reset(multiband *m)
{
	clear_state(m);
	memset(m->meter, 0, sizeof m->meter);
}

void multiband_gr_db(const multiband *m, float gr[MB_BANDS])
{
	for (int b = 0; b < MB_BANDS; b++)
		gr[b] = m->meter[b];
}

/* Switch the signal basis of channels 0/1 between L/R and M/S without a
 * discontinuity: the crossover is linear, so its state converts exactly
 * (M = (L+R)/2, S = (L-R)/2; back L = M+S, R = M-S).  The detector states
 * are not linear in the signal: both channels take the larger gain reduction
 * (no sudden loss of control), and the mean squares keep the total energy
 * (E[M^2] + E[S^2] = (E[L^2] + E[R^2]) / 2). */
static void switch_mode(multiband *m, int mode)
{
	if (mode == MB_MODE_MID_SIDE)
		crossover_remix_state(&m->xo, 0.5, 0.5, 0.5, -0.5);
	else
		crossover_remix_state(&m->xo, 1, 1, 1, -1);
	for (int b = 0; b < MB_BANDS; b++) {
		mb_band *bd = &m->band[b];
		float g = fmaxf(bd->gr[0], bd->gr[1]);
		bd->gr[0] = bd->gr[1] = g;
		float e = bd->ms[0] + bd->ms[1];
		bd->ms[0] = bd->ms[1] = mode == MB_MODE_MID_SIDE ? 0.25f * e : e;
	}
	m->mode = mode;
}

void multiband_update(multiband *m, const lathe_params *p)
{
	m->bypass = param_get_bool(p, P_MB_BYPASS);
	m->want_bands = param_get_int(p, P_MB_BANDS);
	int mode = param_get_int(p, P_MB_MODE);
	if (mode != m->mode)
		switch_mode(m, mode);
	m->detector = param_get_int(p, P_MB_DETECTOR);
	smooth_set(&m->link, param_get(p, P_MB_LINK) * 0.01f, m->link_ramp);

	for (int k = 0; k < MB_XOVERS; k++)
		m->xo_hz[k] = param_get(p, P_MB_XOVER + k);
	crossover_set_freqs(&m->xo, m->xo_hz, m->xo_ramp);

	int bands = m->xo.bands, any_solo = 0;
	for (int b = 0; b < bands; b++)
		any_solo |= param_get_bool(p, P_MB_SOLO + b);
	int ramp = m->param_ramp;
	for (int b = 0; b < MB_BANDS; b++) {
		mb_band *bd = &m->band[b];
		smooth_set(&bd->thr, param_get(p, P_MB_THRESHOLD + b), ramp);
		smooth_set(&bd->ratio, param_get(p, P_MB_RATIO + b), ramp);
		smooth_set(&bd->knee, param_get(p, P_MB_KNEE + b), ramp);
		smooth_set(&bd->makeup, param_get(p, P_MB_MAKEUP + b), ramp);
		smooth_set(&bd->active, param_get_bool(p, P_MB_BAND_BYPASS + b) ? 0.0f : 1.0f, m->band_fade_samples);
		/* mute always wins; with any band soloed only soloed bands are heard */
		int heard = !param_get_bool(p, P_MB_MUTE + b) && (!any_solo || param_get_bool(p, P_MB_SOLO + b));
		smooth_set(&bd->audible, heard ? 1.0f : 0.0f, m->band_fade_samples);
		/* per block, not per sample: time constants need no glide */
		bd->att = (float)exp(-1.0 / (param_get(p, P_MB_ATTACK + b) * 0.001 * m->rate));
		bd->rel = (float)exp(-1.0 / (param_get(p, P_MB_RELEASE + b) * 0.001 * m->rate));
	}
	/* processed while neither bypassed nor waiting to change the band count */
	smooth_set(&m->mix, (!m->bypass && m->want_bands == m->xo.bands) ? 1.0f : 0.0f, m->mix_samples);
}

/* A smoother's next k values into dst (a constant fill while it is steady). */
static void smooth_fill(smooth *sm, float *dst, unsigned k)
{
	if (!smooth_active(sm)) {
		for (unsigned i = 0; i < k; i++)
			dst[i] = sm->cur;
		return;
	}
	for (unsigned i = 0; i < k; i++)
		dst[i] = smooth_next(sm);
}

#if LATHE_HAVE_AVX2_PATH
/* Steps 1-3 and 5 on eight lanes where the CPU has AVX2 (chosen at creation by
 * lathe_cpu_avx2(), vec.h): channel 0's four samples in lanes 0-3, channel 1's in lanes 4-7,
 * so the stereo link's max(g0, g1) is a max with the halves swapped.  Lane for lane the
 * operations of fast_log2_4, fast_exp2_4 and static_gr4 (no FMA in the avx2 target; the
 * division and the conversions are IEEE): the same results as the four-lane path. */
AVX2_INLINE v8sf fast_log2_8(v8sf x)
{
	v8si u = (v8si)x;
	v8sf e = __builtin_convertvector(((u >> 23) & 0xff) - 127, v8sf);
	v8sf m = (v8sf)((u & 0x007fffff) | 0x3f800000);
	v8si hi = m > v8_set1(1.41421356f);
	m = V8_SEL(hi, m * 0.5f, m);
	e = V8_SEL(hi, e + 1.0f, e);
	v8sf y = (m - 1.0f) / (m + 1.0f), y2 = y * y;
	return e + y * (2.88539008f + y2 * (0.961796694f + y2 * 0.577078016f));
}

AVX2_INLINE v8sf fast_exp2_8(v8sf x)
{
	x = v8_min(v8_max(x, v8_set1(-126.0f)), v8_set1(126.0f));
	v8si i = __builtin_convertvector(x + 126.5f, v8si) - 126;
	v8sf f = x - __builtin_convertvector(i, v8sf);
	v8sf p = 1.0f + f * (0.693147181f + f * (0.240226507f + f * (0.0555041087f + f * (0.00961812911f + f * 0.00133335581f))));
	return p * (v8sf)((i + 127) << 23);
}

AVX2_INLINE v8sf static_gr8(v8sf x, float thr, float slope, float knee)
{
	v8sf over = x - thr, two = over + over;
	v8sf t = over + 0.5f * knee;
	v8sf soft = slope * t * t / (2.0f * (knee > 0.0f ? knee : 1.0f));
	v8sf g = V8_SEL(two >= v8_set1(knee), slope * over, soft);
	return V8_SEL(two <= v8_set1(-knee), v8_set1(0.0f), g);
}

/* steps 1-3 of one band: detector input (lv0/lv1) -> linked instantaneous gain reduction */
__attribute__((target("avx2"))) static void levels8(float *lv0, float *lv1, const float *ln, unsigned k, float lscale, float thr,
                                                    float slope, float knee)
{
	for (unsigned i = 0; i < k; i += 4) {
		v8sf g = static_gr8(lscale * fast_log2_8(v8_cat(lv0 + i, lv1 + i)), thr, slope, knee);
		v8sf gmax = v8_max(g, v8_swap(g)), l8 = v8_cat(ln + i, ln + i);
		v8_split(g + l8 * (gmax - g), lv0 + i, lv1 + i);
	}
}

/* step 5 of one band: gains applied to x0/x1; returns the meter's peak (at least peak_in) */
__attribute__((target("avx2"))) static float gains8(float *x0, float *x1, const float *lv0, const float *lv1, const float *act,
                                                    const float *mk, const float *aud, unsigned k, float peak_in)
{
	v8sf peak8 = v8_set1(peak_in);
	for (unsigned i = 0; i < k; i += 4) {
		v8sf a = v8_cat(act + i, act + i), mk8 = v8_cat(mk + i, mk + i), au = v8_cat(aud + i, aud + i);
		v8sf s = v8_cat(lv0 + i, lv1 + i);
		v8sf gmaxs = a * v8_max(s, v8_swap(s));
		if (i + 4 > k) /* the tail's unused lanes must not reach the meter */
			for (unsigned j = k - i; j < 4; j++)
				gmaxs[j] = gmaxs[j + 4] = 0.0f;
		peak8 = v8_max(peak8, gmaxs);
		v8_split(v8_cat(x0 + i, x1 + i) * (au * fast_exp2_8(a * (mk8 - s) * LOG2_PER_DB)), x0 + i, x1 + i);
	}
	float peak = peak8[0];
	for (int j = 1; j < 8; j++)
		peak = peak8[j] > peak ? peak8[j] : peak;
	return peak;
}
#endif

/* step 5 of one band on four lanes: gains applied to x0/x1; returns the meter's peak */
static float gains4(float *x0, float *x1, const float *lv0, const float *lv1, const float *act, const float *mk, const float *aud,
                    unsigned k, float peak_in)
{
	v4sf peak4 = v4_set1(peak_in);
	for (unsigned i = 0; i < k; i += 4) {
		v4sf a = v4_load(act + i), mk4 = v4_load(mk + i), au = v4_load(aud + i);
		v4sf s0 = v4_load(lv0 + i), s1 = v4_load(lv1 + i);
		v4sf gmaxs = a * v4_max(s0, s1);
		if (i + 4 > k) /* the tail's unused lanes must not reach the meter */
			for (unsigned j = k - i; j < 4; j++)
				gmaxs[j] = 0.0f;
		peak4 = v4_max(peak4, gmaxs);
		v4sf y0 = v4_load(x0 + i) * (au * fast_exp2_4(a * (mk4 - s0) * LOG2_PER_DB));
		v4sf y1 = v4_load(x1 + i) * (au * fast_exp2_4(a * (mk4 - s1) * LOG2_PER_DB));
		v4_store(x0 + i, y0);
		v4_store(x1 + i, y1);
	}
	float peak = peak4[0];
	for (int j = 1; j < 4; j++)
		peak = peak4[j] > peak ? peak4[j] : peak;
	return peak;
}

/* 4x4 transpose: rows r[b] = band b's samples i..i+3  <->  columns c[j] = sample i+j of bands 0..3 */
static inline void transpose4(v4sf r0, v4sf r1, v4sf r2, v4sf r3, v4sf c[4])
{
	v4sf t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
	v4sf t2 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
	c[0] = __builtin_shufflevector(t0, t1, 0, 1, 4, 5);
	c[1] = __builtin_shufflevector(t0, t1, 2, 3, 6, 7);
	c[2] = __builtin_shufflevector(t2, t3, 0, 1, 4, 5);
	c[3] = __builtin_shufflevector(t2, t3, 2, 3, 6, 7);
}

/* All bands on k <= MB_CHUNK samples of both channels, in place (x[ch][b]).  Steps 1-3 and 5
 * run per band on four lanes across the chunk.  The recursions (the rms mean square of
 * step 1 and the branching smoother of step 4) are independent across bands: they run on
 * four lanes across the bands, one sample after the other, four samples at a time through a
 * 4x4 transpose; each lane does the operations of the one-band recursion in the same order
 * (bit for bit the same result).  The chunk arrays have MB_CHUNK + 4 slots: a tail of k % 4
 * samples is computed on a whole vector whose extra lanes are never used. */
static void compress_bands(multiband *m, float *const x[2][MB_BANDS], int bands, unsigned k, const float *thr, const float *slope,
                           const float *knee)
{
	float *ln = m->cs.ln;
	smooth link = m->link; /* every band walks the same ramp; the module advances the real one after the bands */
	smooth_fill(&link, ln, k);
	for (int b = 0; b < bands; b++) {
		smooth_fill(&m->band[b].active, m->cs.act[b], k);
		smooth_fill(&m->band[b].makeup, m->cs.mk[b], k);
		smooth_fill(&m->band[b].audible, m->cs.aud[b], k);
	}
	/* lanes of bands beyond `bands` read zeros and are never stored back */
	const float *in[2][MB_BANDS];
	float *lv[2][MB_BANDS];
	float scratch[2][MB_BANDS][MB_CHUNK + 4];
	for (int c = 0; c < 2; c++)
		for (int b = 0; b < MB_BANDS; b++) {
			in[c][b] = b < bands ? x[c][b] : m->cs.zero;
			lv[c][b] = b < bands ? m->cs.lv[b][c] : scratch[c][b];
		}
	v4sf ms[2], gs[2], att = v4_set1(0.0f), rel = v4_set1(0.0f);
	for (int c = 0; c < 2; c++)
		ms[c] = gs[c] = v4_set1(0.0f);
	for (int b = 0; b < bands; b++) {
		for (int c = 0; c < 2; c++) {
			ms[c][b] = m->band[b].ms[c];
			gs[c][b] = m->band[b].gr[c];
		}
		att[b] = m->band[b].att;
		rel[b] = m->band[b].rel;
	}
	/* 1. what the level is taken of: the mean square (rms, a recursion) or |x| */
	if (m->detector == DET_RMS) {
		const v4sf rc = v4_set1(m->rms_coef);
		for (unsigned i = 0; i < k; i += 4) {
			unsigned jn = k - i < 4 ? k - i : 4;
			for (int c = 0; c < 2; c++) {
				v4sf col[4], out[4];
				transpose4(v4_load(in[c][0] + i), v4_load(in[c][1] + i), v4_load(in[c][2] + i), v4_load(in[c][3] + i), col);
				v4sf s = ms[c];
				for (unsigned j = 0; j < 4; j++) {
					if (j < jn)
						s += rc * (col[j] * col[j] + TINY - s);
					out[j] = 2.0f * s;
				}
				ms[c] = s;
				transpose4(out[0], out[1], out[2], out[3], col);
				for (int b = 0; b < MB_BANDS; b++)
					v4_store(lv[c][b] + i, col[b]);
			}
		}
	} else {
		for (int b = 0; b < bands; b++)
			for (int c = 0; c < 2; c++)
				for (unsigned i = 0; i < k; i++)
					lv[c][b][i] = fabsf(x[c][b][i]) + TINY;
	}
	const float lscale = m->detector == DET_RMS ? 0.5f * DB_PER_LOG2 : DB_PER_LOG2;
	/* 1-3. level in dB, static curve, stereo link: lv becomes the instantaneous g0/g1 */
	for (int b = 0; b < bands; b++) {
		float *lv0 = lv[0][b], *lv1 = lv[1][b];
#if LATHE_HAVE_AVX2_PATH
		if (m->wide) {
			levels8(lv0, lv1, ln, k, lscale, thr[b], slope[b], knee[b]);
			continue;
		}
#endif
		for (unsigned i = 0; i < k; i += 4) {
			v4sf g0 = static_gr4(lscale * fast_log2_4(v4_load(lv0 + i)), thr[b], slope[b], knee[b]);
			v4sf g1 = static_gr4(lscale * fast_log2_4(v4_load(lv1 + i)), thr[b], slope[b], knee[b]);
			v4sf gmax = v4_max(g0, g1), l4 = v4_load(ln + i);
			v4_store(lv0 + i, g0 + l4 * (gmax - g0));
			v4_store(lv1 + i, g1 + l4 * (gmax - g1));
		}
	}
	if (bands < MB_BANDS) /* the unused lanes: finite values, never stored back */
		for (int c = 0; c < 2; c++)
			for (int b = bands; b < MB_BANDS; b++)
				memset(lv[c][b], 0, (MB_CHUNK + 4) * sizeof(float));
	/* 4. the branching smoother: a recursion, sample by sample, the bands in four lanes */
	for (unsigned i = 0; i < k; i += 4) {
		unsigned jn = k - i < 4 ? k - i : 4;
		for (int c = 0; c < 2; c++) {
			v4sf col[4], out[4];
			transpose4(v4_load(lv[c][0] + i), v4_load(lv[c][1] + i), v4_load(lv[c][2] + i), v4_load(lv[c][3] + i), col);
			v4sf g = gs[c];
			for (unsigned j = 0; j < 4; j++) {
				if (j < jn) {
					v4sf gi = col[j];
					g = gi + v4_select(gi > g, att, rel) * (g - gi);
				}
				out[j] = g;
			}
			gs[c] = g;
			transpose4(out[0], out[1], out[2], out[3], col);
			for (int b = 0; b < MB_BANDS; b++)
				v4_store(lv[c][b] + i, col[b]);
		}
	}
	/* 5. gains, and the meter's peak */
	for (int b = 0; b < bands; b++) {
		mb_band *bd = &m->band[b];
		float *lv0 = lv[0][b], *lv1 = lv[1][b], *x0 = x[0][b], *x1 = x[1][b];
		const float *act = m->cs.act[b], *mk = m->cs.mk[b], *aud = m->cs.aud[b];
		float peak;
#if LATHE_HAVE_AVX2_PATH
		if (m->wide)
			peak = gains8(x0, x1, lv0, lv1, act, mk, aud, k, bd->gr_peak);
		else
#endif
			peak = gains4(x0, x1, lv0, lv1, act, mk, aud, k, bd->gr_peak);
		/* the gain reduction decays geometrically toward 0 in silence: stop it short of denormals */
		for (int c = 0; c < 2; c++) {
			bd->gr[c] = gs[c][b] < 1e-9f ? 0.0f : gs[c][b];
			if (m->detector == DET_RMS)
				bd->ms[c] = ms[c][b];
		}
		bd->gr_peak = peak;
	}
}

void multiband_process(multiband *m, float *l, float *r, unsigned n)
{
	if (!smooth_active(&m->mix) && m->mix.cur == 0.0f) {
		/* fully dry: output is the input, untouched.  A pending band count is applied here. */
		if (m->want_bands != m->xo.bands) {
			crossover_set_bands(&m->xo, m->want_bands);
			crossover_set_freqs(&m->xo, m->xo_hz, 0);
			m->cold = 1;
			if (!m->bypass)
				smooth_set(&m->mix, 1.0f, m->mix_samples);
		}
		if (!smooth_active(&m->mix)) {
			m->cold = 1;
			memset(m->meter, 0, sizeof m->meter);
			return;
		}
	}
	if (m->cold) {
		clear_state(m);
		m->cold = 0;
	}
	int bands = m->xo.bands, ms = m->mode == MB_MODE_MID_SIDE;
	for (int b = 0; b < MB_BANDS; b++)
		m->band[b].gr_peak = 0;

	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < MB_CHUNK ? n - done : MB_CHUNK;
		float *cl = l + done, *cr = r + done;
		float *c0 = m->dry[0], *c1 = m->dry[1];
		crossover_advance(&m->xo, k);
		/* channels 0/1: L/R or M/S (the dry copy is rebuilt below for the mix) */
		if (ms)
			for (unsigned i = 0; i < k; i++) {
				c0[i] = 0.5f * (cl[i] + cr[i]);
				c1[i] = 0.5f * (cl[i] - cr[i]);
			}
		else {
			memcpy(c0, cl, k * sizeof(float));
			memcpy(c1, cr, k * sizeof(float));
		}
		float *b0[MB_BANDS], *b1[MB_BANDS];
		for (int b = 0; b < MB_BANDS; b++) {
			b0[b] = m->bandbuf[0][b];
			b1[b] = m->bandbuf[1][b];
		}
		crossover_split2(&m->xo, c0, c1, b0, b1, k);
		float thr[MB_BANDS], slope[MB_BANDS], knee[MB_BANDS];
		for (int b = 0; b < bands; b++) {
			mb_band *bd = &m->band[b];
			thr[b] = smooth_skip(&bd->thr, (int)k);
			slope[b] = 1.0f - 1.0f / smooth_skip(&bd->ratio, (int)k);
			knee[b] = smooth_skip(&bd->knee, (int)k);
		}
		float *const bx[2][MB_BANDS] = { { b0[0], b0[1], b0[2], b0[3] }, { b1[0], b1[1], b1[2], b1[3] } };
		compress_bands(m, bx, bands, k, thr, slope, knee);
		for (int b = bands; b < MB_BANDS; b++) {
			/* unused bands: their ramps still move so a later band count finds them settled */
			smooth_skip(&m->band[b].thr, (int)k);
			smooth_skip(&m->band[b].ratio, (int)k);
			smooth_skip(&m->band[b].knee, (int)k);
			smooth_skip(&m->band[b].makeup, (int)k);
			smooth_skip(&m->band[b].active, (int)k);
			smooth_skip(&m->band[b].audible, (int)k);
		}
		smooth_skip(&m->link, (int)k);
		/* sum the bands, back to L/R, mix with the dry input */
		int full_wet = !smooth_active(&m->mix) && m->mix.cur == 1.0f;
		for (unsigned i = 0; i < k; i++) {
			float s0 = b0[0][i], s1 = b1[0][i];
			for (int b = 1; b < bands; b++) {
				s0 += b0[b][i];
				s1 += b1[b][i];
			}
			float wl = ms ? s0 + s1 : s0, wr = ms ? s0 - s1 : s1;
			if (full_wet) {
				cl[i] = wl;
				cr[i] = wr;
			} else {
				float mx = smooth_next(&m->mix);
				cl[i] = dsp_mix_in(cl[i], wl, mx);
				cr[i] = dsp_mix_in(cr[i], wr, mx);
			}
		}
		done += k;
	}
	for (int b = 0; b < MB_BANDS; b++)
		m->meter[b] = b < bands ? m->band[b].gr_peak : 0.0f;
}
