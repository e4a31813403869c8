/* lathe — the monitor section (see monitor.h).
 *
 * Signal flow, per sample:
 *   program = w_master * master + w_input * input + w_ref * ref
 *     (w_k: crossfade weight of the selected source times its loudness-match
 *      gain times the platform-preview gain; sources crossfade in 20 ms)
 *   program' = M * program       M: 2x2 matrix = swap * (solo | mono) * polarity
 *   out = gain * (program' + w_cal * pink_band_noise)
 *     (gain: level, dim, calibration, mute)
 *   mon = bypass ? master : out  (crossfaded, bit-exact once the fade ends)
 * Every coefficient (weights, matrix entries, gain, bypass) is a linear ramp
 * from smooth.h, so no control clicks.  The master buffers are only read.
 *
 * Calibration signal: EBU Tech 3343 (2016, sec. 5) pink noise band-limited to
 * 500 Hz - 2 kHz at -23 LUFS, the same on both outputs.  Pink noise from
 * Paul Kellet's "economy" filter (three one-poles plus a direct path, within
 * 0.5 dB of -3 dB/octave over the band, musicdsp.org #76) on uniform white
 * noise (xorshift32, Marsaglia 2003), band-limited by 2nd-order Butterworth
 * high-pass at 500 Hz and low-pass at 2 kHz (RBJ cookbook).  The level is
 * set analytically in monitor_new: the K-weighted (BS.1770-4 Annex 1) power
 * of the filtered noise, sigma^2 * (1/pi) int_0^pi |H K|^2 dw, evaluated on a
 * frequency grid, gives the gain for -23 LUFS; test_monitor measures it with
 * libebur128. */
#include "monitor.h"
#include "biquad.h"
#include "smooth.h"
#include "dsp_util.h"

#include <complex.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MON_SOURCES 3          /* master, input, reference */
#define XFADE_MS 20.0f         /* source switch crossfade */
#define BYPASS_MS 10.0f
#define CAL_LUFS (-23.0)

struct monitor {
	double rate;
	unsigned max_block;
	int gain_samples;          /* ramp length for gains and the matrix (20 ms) */
	int xfade_samples;         /* ramp length for source switches (20 ms) */

	smooth w[MON_SOURCES];     /* per-source weight: selected x match x platform */
	smooth w_cal;              /* calibration noise weight (its calibrated gain, or 0) */
	smooth mat[4];             /* output matrix: L = m0 l + m1 r, R = m2 l + m3 r */
	smooth gain;               /* level x dim x calibration x (not mute), linear */
	smooth bypass;             /* 1 = monitors carry the master unchanged */

	_Atomic float match_input_db; /* from the analysis thread: brings the input to the master's loudness */
	_Atomic float match_ref_db;   /* same for the reference */
	_Atomic float platform_db;    /* gain the previewed platform applies to the master */

	/* calibration noise generator */
	uint32_t rng;              /* xorshift32 state, never 0 */
	float pink[3];             /* Kellet's three one-pole states */
	biquad_coef hp, lp;        /* 500 Hz high-pass, 2 kHz low-pass */
	biquad_state hp_s, lp_s;
	float cal_gain;            /* linear gain that puts the band noise at -23 LUFS */
	float *noise;              /* max_block samples of noise for the current block */
};

/* ---- calibration noise ---- */

static const double pink_pole[3] = { 0.99765, 0.96300, 0.57000 };
static const double pink_gain[3] = { 0.0990460, 0.2965164, 1.0526913 };
#define PINK_DIRECT 0.1848

/* BS.1770-4 Annex 1 K-weighting at 48 kHz (stage 1 shelf, stage 2 RLB high-pass). */
static const biquad_coef k_shelf = { 1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585 };
static const biquad_coef k_rlb = { 1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621 };

static double cal_noise_gain(const monitor *m)
{
	/* white noise uniform on [-1, 1): variance 1/3 */
	const int grid = 16384;
	double acc = 0;
	for (int i = 0; i < grid; i++) {
		double w = M_PI * (i + 0.5) / grid;
		double f = w * m->rate / (2 * M_PI);
		double complex z1 = cexp(-I * w);
		double complex hp = PINK_DIRECT;
		for (int k = 0; k < 3; k++)
			hp += pink_gain[k] / (1 - pink_pole[k] * z1);
		double h = cabs(hp) * biquad_mag(&m->hp, f, m->rate) * biquad_mag(&m->lp, f, m->rate);
		/* K-weighting depends on f only (its corners are far below the
		 * band's edges); beyond 24 kHz the band-pass has removed everything */
		double k = f < 24000 ? biquad_mag(&k_shelf, f, 48000) * biquad_mag(&k_rlb, f, 48000) : 1;
		acc += h * h * k * k;
	}
	double power = (1.0 / 3.0) * acc / grid;            /* per channel */
	double lufs = -0.691 + 10 * log10(2 * power);        /* both channels carry it */
	return pow(10, (CAL_LUFS - lufs) / 20);
}

static inline float noise_next(monitor *m)
{
	uint32_t x = m->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	m->rng = x;
	float white = (float)((int32_t)x) * (1.0f / 2147483648.0f);
	float p = (float)PINK_DIRECT * white;
	for (int k = 0; k < 3; k++) {
		m->pink[k] = (float)pink_pole[k] * m->pink[k] + (float)pink_gain[k] * white;
		p += m->pink[k];
	}
	return biquad_tick(&m->lp, &m->lp_s, biquad_tick(&m->hp, &m->hp_s, p));
}

/* ---- life cycle ---- */

monitor *monitor_new(double rate, unsigned max_block)
{
	monitor *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->rate = rate;
	if (max_block == 0)
		max_block = 1;
	m->max_block = max_block;
	m->noise = calloc(max_block, sizeof(float));
	if (!m->noise) {
		free(m);
		return NULL;
	}
	m->gain_samples = smooth_samples(20, rate);
	m->xfade_samples = smooth_samples(XFADE_MS, rate);
	biquad_highpass(&m->hp, 500, M_SQRT1_2, rate);
	biquad_lowpass(&m->lp, 2000, M_SQRT1_2, rate);
	m->cal_gain = (float)cal_noise_gain(m);
	atomic_init(&m->match_input_db, 0.0f);
	atomic_init(&m->match_ref_db, 0.0f);
	atomic_init(&m->platform_db, 0.0f);
	monitor_reset(m);
	return m;
}

void monitor_free(monitor *m)
{
	if (!m)
		return;
	free(m->noise);
	free(m);
}

void monitor_reset(monitor *m)
{
	/* factory state: master, unity, identity matrix */
	for (int k = 0; k < MON_SOURCES; k++)
		smooth_init(&m->w[k], k == 0 ? 1.0f : 0.0f);
	smooth_init(&m->w_cal, 0);
	smooth_init(&m->mat[0], 1);
	smooth_init(&m->mat[1], 0);
	smooth_init(&m->mat[2], 0);
	smooth_init(&m->mat[3], 1);
	smooth_init(&m->gain, 1);
	smooth_init(&m->bypass, 0);
	m->rng = 0x9E3779B9u;
	memset(m->pink, 0, sizeof m->pink);
	memset(&m->hp_s, 0, sizeof m->hp_s);
	memset(&m->lp_s, 0, sizeof m->lp_s);
}

static float clamp_db(float db)
{
	if (!(db == db)) /* NaN */
		return 0;
	return db < -40 ? -40 : db > 40 ? 40 : db;
}


void monitor_set_match(monitor *m, float input_db, float ref_db)
{
	atomic_store_explicit(&m->match_input_db, clamp_db(input_db), memory_order_relaxed);
	atomic_store_explicit(&m->match_ref_db, clamp_db(ref_db), memory_order_relaxed);
}

void monitor_set_platform_gain(monitor *m, float master_db)
{
	atomic_store_explicit(&m->platform_db, clamp_db(master_db), memory_order_relaxed);
}

/* ---- control ---- */

void monitor_update(monitor *m, const lathe_params *p)
{
	int source = param_get_int(p, P_MON_SOURCE);
	int match = param_get_bool(p, P_MON_MATCH);
	int cal = param_get_bool(p, P_MON_CAL_SIGNAL);
	float platform = param_get_int(p, P_MON_PLATFORM) != PLAT_NONE
	                     ? atomic_load_explicit(&m->platform_db, memory_order_relaxed) : 0.0f;
	float match_db[MON_SOURCES] = { 0, 0, 0 };
	if (match) {
		match_db[MON_SRC_INPUT] = atomic_load_explicit(&m->match_input_db, memory_order_relaxed);
		match_db[MON_SRC_REFERENCE] = atomic_load_explicit(&m->match_ref_db, memory_order_relaxed);
	}
	for (int k = 0; k < MON_SOURCES; k++) {
		float target = (!cal && k == source) ? db_to_lin(match_db[k] + platform) : 0.0f;
		smooth_set(&m->w[k], target, m->xfade_samples);
	}
	smooth_set(&m->w_cal, cal ? m->cal_gain : 0.0f, m->xfade_samples);

	/* matrix = swap * (solo or mono) * polarity */
	float pl = 1, pr = 1;
	switch (param_get_int(p, P_MON_POLARITY)) {
	case POL_LEFT: pl = -1; break;
	case POL_RIGHT: pr = -1; break;
	case POL_BOTH: pl = pr = -1; break;
	default: break;
	}
	float s[4] = { 1, 0, 0, 1 }; /* rows: out L, out R; columns: in l, in r */
	switch (param_get_int(p, P_MON_SOLO)) {
	case SOLO_MID: s[0] = s[1] = s[2] = s[3] = 0.5f; break;           /* (l + r) / 2 on both */
	case SOLO_SIDE: s[0] = s[2] = 0.5f; s[1] = s[3] = -0.5f; break;   /* (l - r) / 2 on both */
	case SOLO_LEFT: s[0] = s[2] = 1; s[1] = s[3] = 0; break;          /* l on both */
	case SOLO_RIGHT: s[0] = s[2] = 0; s[1] = s[3] = 1; break;         /* r on both */
	default:
		if (param_get_bool(p, P_MON_MONO))
			s[0] = s[1] = s[2] = s[3] = 0.5f;
		break;
	}
	float mt[4] = { s[0] * pl, s[1] * pr, s[2] * pl, s[3] * pr };
	if (param_get_bool(p, P_MON_SWAP)) {
		float t0 = mt[0], t1 = mt[1];
		mt[0] = mt[2];
		mt[1] = mt[3];
		mt[2] = t0;
		mt[3] = t1;
	}
	for (int i = 0; i < 4; i++)
		smooth_set(&m->mat[i], mt[i], m->gain_samples);

	float g_db = param_get(p, P_MON_LEVEL) + param_get(p, P_MON_CALIBRATION);
	if (param_get_bool(p, P_MON_DIM))
		g_db += param_get(p, P_MON_DIM_LEVEL);
	smooth_set(&m->gain, param_get_bool(p, P_MON_MUTE) ? 0.0f : db_to_lin(g_db), m->gain_samples);
	smooth_set(&m->bypass, param_get_bool(p, P_MON_BYPASS) ? 1.0f : 0.0f, smooth_samples(BYPASS_MS, m->rate));
}

static int any_active(const monitor *m)
{
	int a = smooth_active(&m->w_cal) || smooth_active(&m->gain);
	for (int k = 0; k < MON_SOURCES; k++)
		a |= smooth_active(&m->w[k]);
	for (int i = 0; i < 4; i++)
		a |= smooth_active(&m->mat[i]);
	return a;
}

static void process_chunk(monitor *m, const float *master_l, const float *master_r,
                          const float *input_l, const float *input_r,
                          const float *ref_l, const float *ref_r,
                          float *mon_l, float *mon_r, unsigned n)
{
	/* bypassed and steady: the master, bit for bit */
	if (!smooth_active(&m->bypass) && m->bypass.cur == 1.0f) {
		memcpy(mon_l, master_l, n * sizeof(float));
		memcpy(mon_r, master_r, n * sizeof(float));
		return;
	}
	int cal = smooth_active(&m->w_cal) || m->w_cal.cur != 0.0f;
	if (cal)
		for (unsigned i = 0; i < n; i++)
			m->noise[i] = noise_next(m);

	if (!any_active(m)) {
		/* steady coefficients: a plain loop the compiler vectorises */
		const float wm = m->w[0].cur, wi = m->w[1].cur, wr = m->w[2].cur, wc = m->w_cal.cur;
		const float g = m->gain.cur;
		const float a = m->mat[0].cur * g, b = m->mat[1].cur * g, c = m->mat[2].cur * g, d = m->mat[3].cur * g;
		const float gc = wc * g;
		for (unsigned i = 0; i < n; i++) {
			float l = wm * master_l[i] + wi * input_l[i] + wr * ref_l[i];
			float r = wm * master_r[i] + wi * input_r[i] + wr * ref_r[i];
			float nz = cal ? gc * m->noise[i] : 0.0f;
			mon_l[i] = a * l + b * r + nz;
			mon_r[i] = c * l + d * r + nz;
		}
	} else {
		for (unsigned i = 0; i < n; i++) {
			float wm = smooth_next(&m->w[0]), wi = smooth_next(&m->w[1]), wr = smooth_next(&m->w[2]);
			float wc = smooth_next(&m->w_cal);
			float a = smooth_next(&m->mat[0]), b = smooth_next(&m->mat[1]);
			float c = smooth_next(&m->mat[2]), d = smooth_next(&m->mat[3]);
			float g = smooth_next(&m->gain);
			float l = wm * master_l[i] + wi * input_l[i] + wr * ref_l[i];
			float r = wm * master_r[i] + wi * input_r[i] + wr * ref_r[i];
			float nz = cal ? wc * m->noise[i] : 0.0f;
			mon_l[i] = g * (a * l + b * r + nz);
			mon_r[i] = g * (c * l + d * r + nz);
		}
	}

	/* bypass crossfade towards the master (or steady off: nothing to do) */
	if (smooth_active(&m->bypass) || m->bypass.cur != 0.0f) {
		for (unsigned i = 0; i < n; i++) {
			float x = smooth_next(&m->bypass);
			mon_l[i] = dsp_mix_in(mon_l[i], master_l[i], x);
			mon_r[i] = dsp_mix_in(mon_r[i], master_r[i], x);
		}
	}
}

void monitor_process(monitor *m, const float *master_l, const float *master_r,
                     const float *input_l, const float *input_r,
                     const float *ref_l, const float *ref_r,
                     float *mon_l, float *mon_r, unsigned n)
{
	/* the noise scratch holds max_block samples: longer calls go in pieces */
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < m->max_block ? n - done : m->max_block;
		process_chunk(m, master_l + done, master_r + done, input_l + done, input_r + done,
		              ref_l + done, ref_r + done, mon_l + done, mon_r + done, k);
		done += k;
	}
}
