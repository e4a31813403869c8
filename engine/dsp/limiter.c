/* lathe — true-peak lookahead limiter (/limiter/...).
 *
 * THE PROMISE: for any input, the output's true peak (ideal reconstruction,
 * tests/support/truepeak.c) is at most ceiling + 0.05 dB and no output sample
 * exceeds the ceiling.  How it is kept:
 *
 *   drive -> [stage 1: main limiter] -> [band limit] -> [stage 2: safety limiter] -> sample clamp
 *
 * Both detectors see every tone up to 0.49 fs (oversample_new_band, passband 0.49 fs: an
 * oversampler flat only to 20 kHz left content between 20 kHz and Nyquist invisible, and
 * full-band noise came out +0.8 dB over under an ideal reconstruction).  A half-band
 * detector is still blind in its transition band around fs/2, and stage 1's gain
 * modulation puts new content there; the band limit (engine/dsp/bandlimit.h: linear phase,
 * flat to 0.48 fs, -80 dB from 0.495 fs, /limiter/band_limit, on by default; it fades in
 * only while stage 1 sees a peak within 1.5 dB of the ceiling, band_limit_mix, so below
 * that the output stays the input, bit exact) removes it before stage 2 looks, so stage 2 sees all that is left and its own gain changes (small:
 * it only takes off stage 1's residue) are what remains.  Measured against the ideal
 * reference (test_limiter, 13 signal families x 3 rates x 3 lookaheads x 2 ceilings): worst
 * +0.005 dB with the band limit; without it (the switch off) +0.08 dB on white noise
 * 20 dB over full scale and +0.5 dB on full-band noise.  Placed before stage 1 instead, the
 * modulation of stage 1 at 0.5 ms lookahead left +0.077 dB.
 *
 * Each stage is a lookahead peak limiter in the style of x42 dpl.lv2
 * (src/peaklim.cc) reduced to its provable core:
 *   1. detector: |x| oversampled (stage 1: 4x at 44.1/48 kHz, 2x at 88.2/96, 1x above; stage 2: 8x at every
 *      rate; both flat to 0.49 fs, images -50 / -80 dB), each high-rate sample refined by
 *      parabolic interpolation through its neighbours (vertex of the parabola
 *      through three points: Smith & Serra, "PARSHL", 1987, quadratic peak
 *      interpolation); at 8x a sine at 0.45 fs is sampled 17.8 times per period
 *      and its parabolic peak reads low by < 0.004 dB (0.05 dB at 4x);
 *      per base sample t the detector reports P[t] >= every reconstructed
 *      |x(tau)| for tau in [t-1, t+1];
 *   2. required gain r[t] = min(1, ceiling / P[t]);
 *   3. sliding minimum of r over the window W (the lookahead);
 *   4. release: a one-pole that follows the minimum down instantly and up
 *      with the release time (auto release: the smaller of a fast one-pole and
 *      a slow average: program-dependent, transients recover fast, sustained
 *      reduction slowly);
 *   5. two cascaded moving averages of lengths W1 + W2 - 1 = W: an S-shaped
 *      attack that starts W samples before the peak and is complete on it;
 *   6. the audio is delayed so that the sample x[t] is multiplied by the gain
 *      computed when r[t] was the OLDEST value in the window.
 * Proof that stage output never exceeds the ceiling at the detector's points:
 * every value averaged in step 5 is <= the minimum in step 3 of a window that
 * contains r[t]; averages of values <= r[t] are <= r[t]; release only ever
 * raises the follower towards the minimum, never above it.  So g[t] <= r[t]
 * and |g[t] x(tau)| <= ceiling for tau around t.  What the detector cannot see
 * (parabolic interpolation at 4x under-reads a 20 kHz sine by <= 0.05 dB; the
 * gain's own modulation spreads the spectrum a little) is caught by stage 2,
 * whose finer 8x detector under-reads by < 0.004 dB and whose gain changes are
 * tiny (it only ever removes stage 1's residue), and the last sample-exact
 * clamp guarantees the sample peak.
 *
 * Stage 1 aims MAIN_MARGIN_DB below the ceiling so stage 2 stays idle on
 * ordinary material.  Measured without stage 2 and the clamp (test_limiter's
 * signals): worst +0.03 dB over with release 1 ms / lookahead 0.5 ms, and +1.9 dB
 * while the lookahead is being changed (the window/delay relation jumps for one
 * window); with them: <= +0.003 dB everywhere.
 *
 * Hold (program dependent; issue 14): with a short lookahead a bass wave's crests are
 * further apart than the window, so between them the gain recovered and was pulled down
 * again at the next crest: the gain followed the waveform (100 Hz 6 dB over at the
 * defaults: THD+N -38.5 dB; 40 Hz -25 dB; SMPTE IMD 4.3 %).  Stage 1's window minimum
 * therefore also looks back, over a span of the low band's last half period when the low
 * band makes the peaks (bass_track: (l + r) / 2 through two one-poles at 200 Hz, the
 * interval between its zero crossings, counted when its peak is >= half the full-band
 * peak; up to a 20 Hz half period).  On a steady bass wave every window then holds a
 * crest, the minimum is constant and so is the gain: 100 and 40 Hz 6 dB over -> THD+N
 * -137 dB, SMPTE IMD 0.001 %, at every lookahead.  Dense full-band programme (no low-band
 * half period, or one that does not make the peaks) gets no hold, so loudness and the
 * release on transients are as before (loud music within 0.04 LU).  A fixed 13.5 ms hold
 * did the same for the sines but cost 1.4 LU on the loud master.  The promise is
 * untouched: a minimum over a longer window is still <= r[t].
 *
 * Release time T is defined as the time the gain takes to recover from 90 % to
 * 10 % of its reduction (linear gain; a one-pole with tau = T / ln 9).  Auto
 * release: the follower is the smaller of a one-pole with T/3 and a slow average
 * of the window minimum with 2 T, so a short burst recovers in about T/3..T and
 * sustained limiting in 2 T.
 *
 * Cost (callgrind, 48 kHz stereo, blocks of 256): the detectors interpolate a block
 * of high-rate samples at a time on four lanes (interp_peak4) and take each
 * interval's maximum with lane max + two shuffles; the moving averages multiply by
 * 1/len instead of dividing.  2209 -> 1659 instructions per frame with the
 * oversampler's own gains (oversample.c).  Then: a stage whose state is all ones and
 * whose block stays under the limit is passed in bulk (stage_idle_block, exact); the
 * required gains are computed on four lanes, the recursions run channel by channel
 * with their state in registers, and the delay line and gain are applied per block:
 * 1659 -> 1066 per frame standalone (with the AVX2 FIR in oversample.c), bit for bit
 * the same output.
 *
 * Latency is constant: the audio delay of stage 1 is always the one for the
 * longest lookahead (5 ms); a shorter lookahead delays the required gain by the
 * difference instead (so the window still ends on the sample being output).  The band
 * limit adds its M samples (168, whether on or off: when off it is a delay).
 * Bypass is the input (before drive) delayed by the same latency, exact.
 */
#include "limiter.h"
#include "bandlimit.h"
#include "oversample.h"
#include "smooth.h"
#include "vec.h"
#include "dsp_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LIM_CH 2
#define MAX_LOOKAHEAD_MS 5.0
#define DET_PASS_EDGE 0.49           /* detectors see every tone up to 0.49 fs (oversample_new_band) */
#define MAIN_DET_ATTEN_DB 50.0       /* images at -50 dB: the main detector reads within 0.03 dB */
#define SAFETY_DET_ATTEN_DB 80.0     /* ... the safety detector within 0.001 dB */
#define SAFETY_FACTOR 8              /* at every rate: content up to 0.45 fs is read within 0.004 dB */
#define SAFETY_WINDOW_MS 1.0
#define SAFETY_RELEASE_MS 10.0
#define MAIN_MARGIN_DB 0.02
#define SAFETY_MARGIN 0.9999f        /* stage 2 aims 0.0009 dB under the ceiling */
#define BYPASS_FADE_MS 10.0
#define BL_ENGAGE_DB 1.5             /* the band limit fades in when a peak comes within 1.5 dB of the ceiling */
#define BL_HOLD_MS 100.0             /* ... and stays in 100 ms after the last one */
#define HOLD_MAX_MS 26.0             /* the longest hold span: a 20 Hz half period (see "Hold" above) */
#define BASS_LP_HZ 200.0             /* the bass tracker's two one-pole low-passes */
#define BASS_SHARE 0.5f              /* a half period holds when its low band peak is >= half the peak */
#define AUTO_FAST_DIV 3.0            /* auto release: transients recover in release / 3 */
#define AUTO_SLOW_MUL 2.0            /* ... sustained reduction in 2 x release */

/* Sliding minimum over a window (monotonic deque, Lemire 2006): amortised O(1). */
typedef struct {
	float *val;          /* increasing values from front to back */
	unsigned *pos;       /* sample counter at which each value entered */
	unsigned mask;       /* capacity - 1 (capacity a power of two > window) */
	unsigned head, tail; /* front index, one past the back (both wrap by mask) */
} minq;

/* Moving average over the last `len` values (ring of past values, running sum in double
 * so rounding does not drift over hours). */
typedef struct {
	float *ring;
	unsigned mask, pos, len;
	double sum;
	double inv_len;      /* 1 / len: a multiply per sample, not a division (<= 1 ulp of double apart) */
} boxcar;

/* Oversampled peak detector for one channel. */
typedef struct {
	oversample *os;
	float *hi;           /* |high-rate block|, after the last two |samples| of the previous block */
	float *vpk;          /* interpolated peak at each high-rate sample of the block */
	float q1, q2;        /* interval peaks of the previous two base samples */
	float *abs_ring;     /* |x| delayed by `delay` for the true_peak=off path */
	unsigned abs_mask, abs_pos;
	int wide;            /* the CPU has AVX2: eight-lane interpolation */
} detector;

/* One gain computer per channel. */
typedef struct {
	float *req_ring;     /* required gains, delayed by (max window - window) in stage 1 */
	unsigned req_mask, req_pos;
	minq min;
	float env;           /* release follower, <= the window minimum */
	float env_slow;      /* auto release: slow average of the window minimum */
	boxcar avg1, avg2;
	int idle;            /* every value in the state is exactly 1 (set by stage_idle_block) */
} gain_computer;

/* The bass tracker (stage 1's program-dependent hold): the half period of the low band of
 * the linked input, measured between its zero crossings, when that band makes the peaks. */
typedef struct {
	float coef;          /* one-pole coefficient at BASS_LP_HZ */
	float lp1, lp2;      /* the two low-passes of (l + r) / 2 */
	unsigned since;      /* samples since the low band last crossed zero */
	float lf_peak;       /* |low band| peak since then */
	float fb_peak;       /* max(|l|, |r|) peak since then */
	unsigned span;       /* hold span from the last half period (0: none) */
	unsigned span_max;
} bass_tracker;

/* One limiter stage (both channels). */
typedef struct {
	int factor;          /* detector oversampling */
	unsigned det_delay;  /* base samples between x[t] entering and P[t] being known */
	unsigned win_max;    /* largest window (samples) */
	unsigned win;        /* current window */
	unsigned hold_span;  /* largest hold span (samples); 0: no hold (the safety stage) */
	bass_tracker bass;   /* the current hold span, from the input's low band */
	unsigned sig_delay;  /* audio delay: win_max - 1 + det_delay */
	float rel_coef;      /* one-pole coefficient of the release (fast one with auto) */
	float slow_coef;     /* auto release slow average coefficient, 0 when auto is off */
	detector det[LIM_CH];
	gain_computer gc[LIM_CH];
	float *sig_ring[LIM_CH];
	unsigned sig_mask, sig_pos;
	float *peak[LIM_CH]; /* detector output for the block */
	float *gbuf[LIM_CH]; /* required gain, then the gain, for each sample of the block */
	unsigned counter;    /* samples processed (minq positions) */
	int mirror;          /* gc[1] is gc[0] (same state, value for value); its storage is stale */
} lim_stage;

struct limiter {
	double rate;
	unsigned max_block;
	lim_stage main, safety;
	smooth drive;        /* linear input gain */
	smooth ceiling;      /* linear ceiling */
	smooth bypass_mix;   /* 0 = limited, 1 = delayed input */
	int drive_ramp, bypass_ramp;
	float link;          /* 0..1 */
	int true_peak;
	int band_limit;      /* /limiter/band_limit: the input low-passed from 0.48 fs (else only delayed) */
	bandlimit *bl[LIM_CH];
	float *bl_mix;       /* per sample of the block: how much of the band limit is in (0..1) */
	float bl_cur;        /* the mix now */
	float bl_step;       /* mix change per sample: a fade of half the longest window */
	unsigned bl_hold;    /* samples the band limit stays in after stage 1 last saw a peak near the ceiling */
	unsigned bl_hold_len;
	float *dry_ring[LIM_CH]; /* input before drive, for bypass */
	unsigned dry_mask, dry_pos, latency;
	float *work[LIM_CH];
	float min_gain;      /* smallest total gain in the last block */
	int fresh;           /* no audio since new/reset: the next update jumps, no ramps */
};


/* ---- sliding minimum ---- */
static int minq_alloc(minq *q, unsigned window_max)
{
	unsigned cap = pow2_above(window_max + 1);
	q->val = calloc(cap, sizeof(float));
	q->pos = calloc(cap, sizeof(unsigned));
	q->mask = cap - 1;
	return (q->val && q->pos) ? 0 : -1;
}

static void minq_reset(minq *q) { q->head = q->tail = 0; }

/* Push v at sample `now`; return the minimum over the `win` samples ending at now. */
static inline float minq_push(minq *q, float v, unsigned now, unsigned win)
{
	while (q->tail != q->head && q->val[(q->tail - 1) & q->mask] >= v)
		q->tail--;
	q->val[q->tail & q->mask] = v;
	q->pos[q->tail & q->mask] = now;
	q->tail++;
	while (now - q->pos[q->head & q->mask] >= win)
		q->head++;
	return q->val[q->head & q->mask];
}

/* ---- moving average ---- */
static int boxcar_alloc(boxcar *b, unsigned len_max)
{
	unsigned cap = pow2_above(len_max);
	b->ring = calloc(cap, sizeof(float));
	b->mask = cap - 1;
	return b->ring ? 0 : -1;
}

static void boxcar_fill(boxcar *b, float v)
{
	for (unsigned i = 0; i <= b->mask; i++)
		b->ring[i] = v;
	b->sum = (double)v * b->len;
	b->inv_len = 1.0 / b->len;
}

/* Change the length: recompute the sum of the last len values (bounded by the ring size). */
static void boxcar_set_len(boxcar *b, unsigned len)
{
	if (len == b->len)
		return;
	b->len = len;
	b->inv_len = 1.0 / len;
	double s = 0;
	for (unsigned j = 1; j <= len; j++)
		s += b->ring[(b->pos - j) & b->mask];
	b->sum = s;
}

static inline float boxcar_push(boxcar *b, float v)
{
	b->sum += (double)v - b->ring[(b->pos - b->len) & b->mask];
	b->ring[b->pos & b->mask] = v;
	b->pos++;
	return (float)(b->sum * b->inv_len);
}

/* ---- detector ---- */

/* Peak of the parabola through (-1, a), (0, b), (1, c) of |x| values a, b, c >= 0, four
 * consecutive high-rate samples at a time: when b is a local maximum the vertex
 * b + (a-c)^2 / (8 (2b - a - c)), else b.  The correction is at most (2b-a-c)/8 <= b/4.
 * Written with masks (vec.h): the division runs on every lane with a safe denominator
 * and is discarded where b is not a peak, so there is no branch. */
static inline v4sf interp_peak4(v4sf a, v4sf b, v4sf c)
{
	const v4sf tiny = v4_set1(1e-30f), one = v4_set1(1.0f);
	v4sf den = (b + b) - a - c;
	v4sf d = a - c;
	v4si peak = (b >= a) & (b >= c) & (den > tiny);
	v4sf corr = d * d / (v4_set1(8.0f) * v4_select(peak, den, one));
	return b + (v4sf)((v4si)corr & peak);
}

static int detector_alloc(detector *d, int factor, double atten, unsigned max_block, unsigned delay)
{
	d->os = oversample_new_band(factor, max_block, DET_PASS_EDGE, atten);
	d->wide = lathe_cpu_avx2();
	d->hi = calloc((size_t)max_block * (unsigned)factor + 2 + 4, sizeof(float)); /* +4: slack for the 4-lane loop */
	d->vpk = calloc((size_t)max_block * (unsigned)factor + 4, sizeof(float));
	unsigned cap = pow2_above(delay + 1);
	d->abs_ring = calloc(cap, sizeof(float));
	d->abs_mask = cap - 1;
	return (d->os && d->hi && d->vpk && d->abs_ring) ? 0 : -1;
}

static void detector_reset(detector *d)
{
	oversample_reset(d->os);
	d->hi[0] = d->hi[1] = 0;
	d->q1 = d->q2 = 0;
	memset(d->abs_ring, 0, (d->abs_mask + 1) * sizeof(float));
	d->abs_pos = 0;
}

/* The interpolated peaks of m high-rate samples hb[0..m+2) into v[0..m) (+3 lanes of slack
 * past m in both buffers, never used). */
static void interp_block(const float *hb, float *v, unsigned m)
{
	for (unsigned j = 0; j < m; j += 4)
		v4_store(v + j, interp_peak4(v4_load(hb + j), v4_load(hb + j + 1), v4_load(hb + j + 2)));
}

#if LATHE_HAVE_AVX2_PATH
/* The same on eight lanes (AVX2; chosen at run time by lathe_cpu_avx2(), vec.h): the lane
 * arithmetic of interp_peak4 (compare, select, divide: IEEE), so the same result. */
__attribute__((target("avx2"))) static void interp_block8(const float *hb, float *v, unsigned m)
{
	const v8sf tiny = { 1e-30f, 1e-30f, 1e-30f, 1e-30f, 1e-30f, 1e-30f, 1e-30f, 1e-30f };
	const v8sf one = { 1, 1, 1, 1, 1, 1, 1, 1 }, eight = { 8, 8, 8, 8, 8, 8, 8, 8 };
	unsigned j = 0;
	for (; j + 8 <= m; j += 8) {
		v8sf a, b, c;
		memcpy(&a, hb + j, sizeof a);
		memcpy(&b, hb + j + 1, sizeof b);
		memcpy(&c, hb + j + 2, sizeof c);
		v8sf den = (b + b) - a - c;
		v8sf d = a - c;
		v8si peak = (b >= a) & (b >= c) & (den > tiny);
		v8sf corr = d * d / (eight * V8_SEL(peak, den, one));
		v8sf r = b + (v8sf)((v8si)corr & peak);
		memcpy(v + j, &r, sizeof r);
	}
	for (; j < m; j += 4)
		v4_store(v + j, interp_peak4(v4_load(hb + j), v4_load(hb + j + 1), v4_load(hb + j + 2)));
}
#endif

/* peak[i] covers the reconstructed signal around x[i - delay] (see the header comment). */
LATHE_WIDE static void detector_run(detector *d, const float *x, float *peak, unsigned n, unsigned delay, int true_peak)
{
	const unsigned f = (unsigned)oversample_factor(d->os);
	const unsigned m = n * f;
	float *hb = d->hi, *v = d->vpk;
	/* hb[0], hb[1]: the last two |samples| of the previous block (the parabola's left points) */
	oversample_up(d->os, x, hb + 2, n);
	for (unsigned j = 2; j < m + 2; j++)
		hb[j] = fabsf(hb[j]);
#if LATHE_HAVE_AVX2_PATH
	if (d->wide)
		interp_block8(hb, v, m);
	else
#endif
		interp_block(hb, v, m);
	hb[0] = hb[m];
	hb[1] = hb[m + 1];
	float q1 = d->q1, q2 = d->q2;
	for (unsigned i = 0; i < n; i++) {
		const float *vi = v + (size_t)i * f;
		float q = 0;
		if (f >= 4) { /* max of the interval's f interpolated peaks: lanes, then across them */
			v4sf a = v4_load(vi);
			for (unsigned k = 4; k < f; k += 4)
				a = v4_max(a, v4_load(vi + k));
			a = v4_max(a, __builtin_shufflevector(a, a, 2, 3, 0, 1));
			a = v4_max(a, __builtin_shufflevector(a, a, 1, 0, 3, 2));
			q = a[0];
		} else {
			for (unsigned k = 0; k < f; k++)
				q = vi[k] > q ? vi[k] : q;
		}
		float mx = q > q1 ? q : q1;
		mx = mx > q2 ? mx : q2;
		q2 = q1;
		q1 = q;
		peak[i] = mx;
	}
	d->q1 = q1;
	d->q2 = q2;
	/* the plain sample peak, delayed the same so both paths line up; with true peak on only
	 * the ring's last (capacity) samples are kept, so a switch finds it as if it had run */
	if (!true_peak) {
		for (unsigned i = 0; i < n; i++) {
			d->abs_ring[d->abs_pos & d->abs_mask] = fabsf(x[i]);
			peak[i] = d->abs_ring[(d->abs_pos - delay) & d->abs_mask];
			d->abs_pos++;
		}
	} else {
		unsigned keep = n < d->abs_mask + 1 ? n : d->abs_mask + 1;
		for (unsigned i = n - keep; i < n; i++)
			d->abs_ring[(d->abs_pos + i) & d->abs_mask] = fabsf(x[i]);
		d->abs_pos += n;
	}
}

/* ---- stage ---- */
static int stage_alloc(lim_stage *st, int factor, double atten, unsigned win_max, unsigned hold_span,
                       unsigned max_block)
{
	st->factor = factor;
	st->hold_span = hold_span;
	oversample *probe = oversample_new_band(factor, 1, DET_PASS_EDGE, atten);
	if (!probe)
		return -1;
	/* +1: the parabola is centred one high-rate sample behind the newest one */
	st->det_delay = (oversample_up_delay(probe) + 1 + (unsigned)factor - 1) / (unsigned)factor;
	oversample_free(probe);
	st->win_max = win_max;
	st->win = win_max;
	st->sig_delay = win_max - 1 + st->det_delay;
	unsigned sig_cap = pow2_above(st->sig_delay + max_block + 1);   /* a block in, then a block out */
	st->sig_mask = sig_cap - 1;
	for (int c = 0; c < LIM_CH; c++) {
		gain_computer *g = &st->gc[c];
		if (detector_alloc(&st->det[c], factor, atten, max_block, st->det_delay) < 0)
			return -1;
		unsigned rc = pow2_above(win_max + 1);
		g->req_ring = calloc(rc, sizeof(float));
		g->req_mask = rc - 1;
		if (!g->req_ring || minq_alloc(&g->min, win_max + hold_span) < 0 ||
		    boxcar_alloc(&g->avg1, win_max + 1) < 0 || boxcar_alloc(&g->avg2, win_max + 1) < 0)
			return -1;
		st->sig_ring[c] = calloc(sig_cap, sizeof(float));
		st->peak[c] = calloc(max_block, sizeof(float));
		st->gbuf[c] = calloc(max_block, sizeof(float));
		if (!st->sig_ring[c] || !st->peak[c] || !st->gbuf[c])
			return -1;
	}
	return 0;
}

static void stage_free(lim_stage *st)
{
	for (int c = 0; c < LIM_CH; c++) {
		detector *d = &st->det[c];
		gain_computer *g = &st->gc[c];
		oversample_free(d->os);
		free(d->hi);
		free(d->vpk);
		free(d->abs_ring);
		free(g->req_ring);
		free(g->min.val);
		free(g->min.pos);
		free(g->avg1.ring);
		free(g->avg2.ring);
		free(st->sig_ring[c]);
		free(st->peak[c]);
		free(st->gbuf[c]);
	}
}

/* Window split into the two moving averages: w1 + w2 - 1 = win. */
static void stage_set_window(lim_stage *st, unsigned win)
{
	if (win < 2)
		win = 2;
	if (win > st->win_max)
		win = st->win_max;
	st->win = win;
	unsigned w1 = (win + 1) / 2, w2 = win + 1 - w1;
	for (int c = 0; c < LIM_CH; c++) {
		boxcar_set_len(&st->gc[c].avg1, w1);
		boxcar_set_len(&st->gc[c].avg2, w2);
	}
}

static void stage_reset(lim_stage *st)
{
	unsigned w1 = (st->win + 1) / 2, w2 = st->win + 1 - w1;
	for (int c = 0; c < LIM_CH; c++) {
		gain_computer *g = &st->gc[c];
		detector_reset(&st->det[c]);
		for (unsigned i = 0; i <= g->req_mask; i++)
			g->req_ring[i] = 1;
		g->req_pos = 0;
		minq_reset(&g->min);
		g->env = g->env_slow = 1;
		g->idle = 0;
		g->avg1.len = w1;
		g->avg2.len = w2;
		g->avg1.pos = g->avg2.pos = 0;
		boxcar_fill(&g->avg1, 1);
		boxcar_fill(&g->avg2, 1);
		memset(st->sig_ring[c], 0, (st->sig_mask + 1) * sizeof(float));
	}
	st->sig_pos = 0;
	st->counter = 0;
	st->mirror = 1;
	st->bass.lp1 = st->bass.lp2 = st->bass.lf_peak = st->bass.fb_peak = 0;
	st->bass.since = 0;
	st->bass.span = 0;   /* both gain computers were just set to the same state */
}

/* Release time T is defined as the time the gain takes to recover from 90 % to 10 % of its
 * reduction (linear gain): for a one-pole, T = tau ln 9. */
static float release_coef(double release_ms, double rate)
{
	double tau = release_ms * 0.001 / log(9.0);
	return (float)(1.0 - exp(-1.0 / (tau * rate)));
}

/* Is every value of the gain computer's state exactly 1?  (The window minimum's deque is
 * increasing and holds gains <= 1: all ones when its front is 1.) */
static int gc_all_ones(const gain_computer *g, float slow)
{
	if (g->env != 1.0f || (slow > 0 && g->env_slow != 1.0f) || g->min.head == g->min.tail ||
	    g->min.val[g->min.head & g->min.mask] != 1.0f)
		return 0;
	if (g->idle)   /* the rings were all ones at the last idle block and stayed so */
		return 1;
	for (unsigned j = 1; j <= g->avg1.len; j++)
		if (g->avg1.ring[(g->avg1.pos - j) & g->avg1.mask] != 1.0f)
			return 0;
	for (unsigned j = 1; j <= g->avg2.len; j++)
		if (g->avg2.ring[(g->avg2.pos - j) & g->avg2.mask] != 1.0f)
			return 0;
	return 1;
}

static void ring_fill_ones(float *ring, unsigned mask, unsigned pos, unsigned n)
{
	if (n > mask + 1)
		n = mask + 1;
	for (unsigned i = 0; i < n; i++)
		ring[(pos + i) & mask] = 1.0f;
}

/* The idle shortcut.  When the state is all ones and every required gain of the block is 1
 * (no peak above the limit; the delayed required gains are this block's own when the
 * window is the longest), the per-sample recursion would compute exactly: the deque keeps
 * one entry 1, the follower stays at 1 (1 + (1 - 1) rel), the averages of ones are 1 (their
 * running sums are set to exactly len), the gain is 1 and the output is the delayed input.
 * That is done here in bulk: the result is the same to the bit (the sums only lose rounding
 * drift).  The safety stage is idle on ordinary material, the main stage whenever nothing
 * reaches the ceiling.  Returns 1 when the block was handled. */
static int stage_idle_block(lim_stage *st, float *const ch[LIM_CH], unsigned n, const float *ceil_buf,
                            float ceil_scale)
{
	if (st->win != st->win_max)
		return 0;
	for (int c = 0; c < LIM_CH; c++)
		if (!gc_all_ones(&st->gc[st->mirror ? 0 : c], st->slow_coef))
			return 0;
	/* pk[c] = max(p_c, link * pm) <= max(pl, pr) (link <= 1): both <= the limit suffices and is
	 * needed (link = 1) */
	int over = 0;
	for (unsigned i = 0; i < n; i++) {
		float lim = ceil_buf[i] * ceil_scale;
		over |= (st->peak[0][i] > lim) | (st->peak[1][i] > lim);
	}
	if (over) {
		st->gc[0].idle = st->gc[1].idle = 0;
		return 0;
	}
	const unsigned now = st->counter + n - 1;
	for (int c = 0; c < LIM_CH; c++) {
		gain_computer *g = &st->gc[c];
		ring_fill_ones(g->req_ring, g->req_mask, g->req_pos, n);
		g->req_pos += n;
		g->min.head = 0;
		g->min.tail = 1;
		g->min.val[0] = 1.0f;
		g->min.pos[0] = now;
		boxcar *b[2] = { &g->avg1, &g->avg2 };
		for (int k = 0; k < 2; k++) {
			ring_fill_ones(b[k]->ring, b[k]->mask, b[k]->pos, n);
			b[k]->pos += n;
			b[k]->sum = (double)b[k]->len;
		}
		g->idle = 1;
		/* the delay line: in, then out (its capacity exceeds the delay; in pieces of one
		 * capacity so nothing is overwritten before it is read) */
		float *ring = st->sig_ring[c];
		unsigned pos = st->sig_pos;
		for (unsigned i = 0; i < n; i++, pos++) {
			ring[pos & st->sig_mask] = ch[c][i];
			ch[c][i] = ring[(pos - st->sig_delay) & st->sig_mask];
		}
	}
	st->counter += n;
	st->sig_pos += n;
	return 1;
}

/* Run one stage in place on l/r; ceiling per sample in ceil_buf; returns the block's min gain. */
/* One channel's gain computer over a block: required gains in gb, replaced by the gains. */
static void gc_run(gain_computer *g, float *gb, unsigned n, unsigned req_delay, unsigned win, float rel, float slow, unsigned counter)
{
	float e = g->env, es = g->env_slow;
	unsigned rpos = g->req_pos;
	for (unsigned j = 0; j < n; j++) {
		g->req_ring[rpos & g->req_mask] = gb[j];
		float r = g->req_ring[(rpos - req_delay) & g->req_mask];
		rpos++;
		float target = minq_push(&g->min, r, counter + j, win);
		/* release follower: down at once, up with the release; snap when within float noise */
		e = target < e ? target : e + (target - e) * rel;
		if (target - e < 1e-7f)
			e = target;
		float ee = e;
		if (slow > 0) {
			es = es + (target - es) * slow;
			if (fabsf(target - es) < 1e-7f)
				es = target;
			ee = es < e ? es : e;
		}
		float gain = boxcar_push(&g->avg2, boxcar_push(&g->avg1, ee));
		/* the averages of values <= 1 can exceed 1 only by rounding */
		gb[j] = gain > 1.0f ? 1.0f : gain;
	}
	g->env = e;
	g->env_slow = es;
	g->req_pos = rpos;
}

static void boxcar_copy(boxcar *d, const boxcar *s)
{
	memcpy(d->ring, s->ring, (s->mask + 1) * sizeof(float));
	d->pos = s->pos, d->len = s->len, d->sum = s->sum, d->inv_len = s->inv_len;
}

/* dst's state := src's, value for value (same capacities: both allocated alike); RT-safe. */
static void gc_copy(gain_computer *d, const gain_computer *s)
{
	memcpy(d->req_ring, s->req_ring, (s->req_mask + 1) * sizeof(float));
	d->req_pos = s->req_pos;
	memcpy(d->min.val, s->min.val, (s->min.mask + 1) * sizeof(float));
	memcpy(d->min.pos, s->min.pos, (s->min.mask + 1) * sizeof(unsigned));
	d->min.head = s->min.head, d->min.tail = s->min.tail;
	d->env = s->env, d->env_slow = s->env_slow;
	boxcar_copy(&d->avg1, &s->avg1);
	boxcar_copy(&d->avg2, &s->avg2);
	d->idle = s->idle;
}

/* Runs the tracker over a block of the stage's input; returns the hold span for the block.
 * A half period counts when it is no longer than span_max and the low band's peak in it is
 * at least BASS_SHARE of the full-band peak (the bass makes the peaks); the span is then
 * the half period + 1/8 + 4 samples, so the window always holds the last crest. */
static unsigned bass_track(bass_tracker *b, float *const ch[LIM_CH], unsigned n)
{
	float lp1 = b->lp1, lp2 = b->lp2, lf_peak = b->lf_peak, fb_peak = b->fb_peak;
	const float k = b->coef;
	unsigned since = b->since, span = b->span;
	for (unsigned i = 0; i < n; i++) {
		float l = ch[0][i], r = ch[1][i];
		float prev = lp2;
		lp1 += k * (0.5f * (l + r) - lp1);
		lp2 += k * (lp1 - lp2);
		since++;
		float al = fabsf(lp2), af = fabsf(l) > fabsf(r) ? fabsf(l) : fabsf(r);
		lf_peak = al > lf_peak ? al : lf_peak;
		fb_peak = af > fb_peak ? af : fb_peak;
		if ((prev < 0) != (lp2 < 0)) {
			span = since <= b->span_max && lf_peak >= BASS_SHARE * fb_peak ? since + since / 8 + 4 : 0;
			since = 0;
			lf_peak = fb_peak = 0;
		} else if (since > b->span_max) {
			span = 0;   /* no crossing for longer than the longest hold: not a bass wave */
		}
	}
	b->lp1 = lp1, b->lp2 = lp2, b->lf_peak = lf_peak, b->fb_peak = fb_peak;
	b->since = since > b->span_max + 1 ? b->span_max + 1 : since;
	b->span = span;
	return span;
}

static float stage_run(lim_stage *st, float *const ch[LIM_CH], unsigned n, const float *ceil_buf,
                       float ceil_scale, float link, int true_peak)
{
	for (int c = 0; c < LIM_CH; c++)
		detector_run(&st->det[c], ch[c], st->peak[c], n, st->det_delay, true_peak);
	if (stage_idle_block(st, ch, n, ceil_buf, ceil_scale))
		return 1.0f;
	st->gc[0].idle = st->gc[1].idle = 0;
	const unsigned req_delay = st->win_max - st->win;
	const unsigned win = st->win;
	const float rel = st->rel_coef, slow = st->slow_coef;
	float *pk0 = st->peak[0], *pk1 = st->peak[1], *rq0 = st->gbuf[0], *rq1 = st->gbuf[1];
	/* 1. required gains, four samples at a time: the linked peak pk = max(p, link max(pl, pr)),
	 * req = pk > lim ? lim / pk : 1 (the division on a safe denominator, then selected) */
	unsigned i = 0;
	const v4sf one = v4_set1(1.0f), lk = v4_set1(link), cs = v4_set1(ceil_scale);
	for (; i + 4 <= n; i += 4) {
		v4sf pl = v4_load(pk0 + i), pr = v4_load(pk1 + i), lim = v4_load(ceil_buf + i) * cs;
		v4sf lp = lk * v4_max(pl, pr);
		v4sf a = v4_max(pl, lp), b = v4_max(pr, lp);
		v4si oa = a > lim, ob = b > lim;
		v4_store(rq0 + i, v4_select(oa, lim / v4_select(oa, a, one), one));
		v4_store(rq1 + i, v4_select(ob, lim / v4_select(ob, b, one), one));
	}
	for (; i < n; i++) {
		float pl = pk0[i], pr = pk1[i];
		float pm = pl > pr ? pl : pr;
		float lim = ceil_buf[i] * ceil_scale;
		float a = pl > link * pm ? pl : link * pm, b = pr > link * pm ? pr : link * pm;
		rq0[i] = a > lim ? lim / a : 1.0f;
		rq1[i] = b > lim ? lim / b : 1.0f;
	}
	/* 2. the recursions, channel by channel (state in registers): window minimum, release,
	 * the two moving averages; the gain replaces the required gain in gbuf.  With the
	 * channels linked (link 100 %, the default) both get the same required gains, and from
	 * the same state (after a reset) the same gains: while that holds, channel 1's gain
	 * computer is channel 0's (st->mirror) and runs once.  The first block whose required
	 * gains differ copies the state over and both run from then on (exact either way). */
	if (st->mirror && memcmp(st->gbuf[0], st->gbuf[1], n * sizeof(float)) != 0) {
		gc_copy(&st->gc[1], &st->gc[0]);
		st->mirror = 0;
	}
	const unsigned span = st->hold_span ? bass_track(&st->bass, ch, n) : 0;
	const unsigned mwin = span > win ? span : win;
	gc_run(&st->gc[0], st->gbuf[0], n, req_delay, mwin, rel, slow, st->counter);
	if (st->mirror)
		memcpy(st->gbuf[1], st->gbuf[0], n * sizeof(float));
	else
		gc_run(&st->gc[1], st->gbuf[1], n, req_delay, mwin, rel, slow, st->counter);
	st->counter += n;
	/* 3. the delay line (a block in, then the delayed block out: the ring holds both) times
	 * the gain, and the block's smallest gain */
	v4sf mg = one;
	for (int c = 0; c < LIM_CH; c++) {
		float *ring = st->sig_ring[c], *x = ch[c], *gb = st->gbuf[c];
		const unsigned cap = st->sig_mask + 1;
		unsigned w = st->sig_pos & st->sig_mask, first = cap - w < n ? cap - w : n;
		memcpy(ring + w, x, first * sizeof(float));
		memcpy(ring, x + first, (n - first) * sizeof(float));
		unsigned r = (st->sig_pos - st->sig_delay) & st->sig_mask;
		first = cap - r < n ? cap - r : n;
		for (unsigned j = 0; j < first; j++)
			x[j] = ring[r + j] * gb[j];
		for (unsigned j = first; j < n; j++)
			x[j] = ring[j - first] * gb[j];
		unsigned j = 0;
		for (; j + 4 <= n; j += 4)
			mg = v4_min(mg, v4_load(gb + j));
		for (; j < n; j++)
			mg[0] = gb[j] < mg[0] ? gb[j] : mg[0];
	}
	st->sig_pos += n;
	float min_gain = mg[0];
	for (int k = 1; k < 4; k++)
		min_gain = mg[k] < min_gain ? mg[k] : min_gain;
	return min_gain;
}

/* ---- the module ---- */

limiter *limiter_new(double rate, unsigned max_block)
{
	if (rate <= 0 || max_block == 0)
		return NULL;
	limiter *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->rate = rate;
	l->max_block = max_block;
	int f1 = rate < 64000 ? 4 : rate < 128000 ? 2 : 1;
	unsigned win_max = (unsigned)ceil(MAX_LOOKAHEAD_MS * 0.001 * rate);
	unsigned win_safe = (unsigned)lround(SAFETY_WINDOW_MS * 0.001 * rate);
	unsigned hold_span = (unsigned)lround(HOLD_MAX_MS * 0.001 * rate * 1.2) + 4;
	if (stage_alloc(&l->main, f1, MAIN_DET_ATTEN_DB, win_max, hold_span, max_block) < 0 ||
	    stage_alloc(&l->safety, SAFETY_FACTOR, SAFETY_DET_ATTEN_DB, win_safe < 2 ? 2 : win_safe, 0, max_block) < 0) {
		limiter_free(l);
		return NULL;
	}
	for (int c = 0; c < LIM_CH; c++)
		if (!(l->bl[c] = bandlimit_new(max_block))) {
			limiter_free(l);
			return NULL;
		}
	if (!(l->bl_mix = calloc(max_block, sizeof(float)))) {
		limiter_free(l);
		return NULL;
	}
	l->bl_step = 2.0f / (float)win_max;
	l->bl_hold_len = (unsigned)lround(BL_HOLD_MS * 0.001 * rate);
	l->main.bass.coef = (float)(1.0 - exp(-2 * M_PI * BASS_LP_HZ / rate));
	l->main.bass.span_max = (unsigned)lround(HOLD_MAX_MS * 0.001 * rate);
	l->latency = bandlimit_delay(l->bl[0]) + l->main.sig_delay + l->safety.sig_delay;
	/* a whole block is written before the block is read back: room for both */
	unsigned cap = pow2_above(l->latency + max_block);
	l->dry_mask = cap - 1;
	for (int c = 0; c < LIM_CH; c++) {
		l->dry_ring[c] = calloc(cap, sizeof(float));
		l->work[c] = calloc(max_block, sizeof(float));
		if (!l->dry_ring[c] || !l->work[c]) {
			limiter_free(l);
			return NULL;
		}
	}
	l->drive_ramp = smooth_samples(20, rate);
	l->bypass_ramp = smooth_samples((float)BYPASS_FADE_MS, rate);
	smooth_init(&l->drive, 1);
	smooth_init(&l->ceiling, db_to_lin(-1));
	smooth_init(&l->bypass_mix, 0);
	l->link = 1;
	l->true_peak = 1;
	l->band_limit = 1;
	stage_set_window(&l->main, (unsigned)lround(1.5e-3 * rate));
	stage_set_window(&l->safety, l->safety.win_max);
	l->main.rel_coef = release_coef(100, rate);
	l->safety.rel_coef = release_coef(SAFETY_RELEASE_MS, rate);
	limiter_reset(l);
	return l;
}

void limiter_free(limiter *l)
{
	if (!l)
		return;
	stage_free(&l->main);
	stage_free(&l->safety);
	free(l->bl_mix);
	for (int c = 0; c < LIM_CH; c++) {
		bandlimit_free(l->bl[c]);
		free(l->dry_ring[c]);
		free(l->work[c]);
	}
	free(l);
}

void limiter_update(limiter *l, const lathe_params *p)
{
	/* before any audio there is nothing to glide from: start at the values */
	int ramp = l->fresh ? 0 : l->drive_ramp, bramp = l->fresh ? 0 : l->bypass_ramp;
	l->fresh = 0;
	smooth_set(&l->drive, db_to_lin(param_get(p, P_LIM_GAIN)), ramp);
	smooth_set(&l->ceiling, db_to_lin(param_get(p, P_LIM_CEILING)), ramp);
	smooth_set(&l->bypass_mix, param_get_bool(p, P_LIM_BYPASS) ? 1.0f : 0.0f, bramp);
	l->link = param_get(p, P_LIM_LINK) * 0.01f;
	l->true_peak = param_get_bool(p, P_LIM_TRUE_PEAK);
	l->band_limit = param_get_bool(p, P_LIM_BAND_LIMIT);
	stage_set_window(&l->main, (unsigned)lround(param_get(p, P_LIM_LOOKAHEAD) * 0.001 * l->rate));
	double rel = param_get(p, P_LIM_RELEASE);
	if (param_get_bool(p, P_LIM_AUTO_RELEASE)) {
		l->main.rel_coef = release_coef(rel / AUTO_FAST_DIV, l->rate);
		l->main.slow_coef = release_coef(rel * AUTO_SLOW_MUL, l->rate);
	} else {
		l->main.rel_coef = release_coef(rel, l->rate);
		l->main.slow_coef = 0;
	}
}

/* The band limit's mix for the block.  Stage 1's detector output peak[i] is about the input
 * that leaves stage 1 win_max - 1 samples later (sig_delay - det_delay), so a fade starting
 * at i and lasting win_max / 2 samples is complete before that input reaches the band limit.
 * Engaged while any detected peak is above BL_ENGAGE_DB under the ceiling (held BL_HOLD_MS);
 * below that, content the detectors cannot see (at most +0.6 dB on full-band noise) cannot
 * reach the ceiling, and the output is the input, exactly (DESIGN: defaults are neutral). */
static void band_limit_mix(limiter *l, const float *ceil_buf, unsigned n)
{
	const float *p0 = l->main.peak[0], *p1 = l->main.peak[1];
	const float k = (float)db_to_lin_d(-BL_ENGAGE_DB);
	float m = l->bl_cur;
	unsigned hold = l->bl_hold;
	for (unsigned i = 0; i < n; i++) {
		float pk = p0[i] > p1[i] ? p0[i] : p1[i];
		if (l->band_limit && pk > k * ceil_buf[i])
			hold = l->bl_hold_len;
		float target = hold > 0 ? 1.0f : 0.0f;
		hold -= hold > 0;
		m = target > m ? fminf(target, m + l->bl_step) : fmaxf(target, m - l->bl_step);
		l->bl_mix[i] = m;
	}
	l->bl_cur = m;
	l->bl_hold = hold;
}

void limiter_process(limiter *l, float *left, float *right, unsigned n)
{
	float *io[LIM_CH] = { left, right };
	float *ceil_buf = l->work[0];   /* per-sample ceiling */
	float *drive_buf = l->work[1];  /* per-sample drive */
	/* dry (bypass) path: the input before drive, delayed by the latency */
	for (int c = 0; c < LIM_CH; c++) {
		float *ring = l->dry_ring[c];
		unsigned pos = l->dry_pos;
		for (unsigned i = 0; i < n; i++, pos++)
			ring[pos & l->dry_mask] = io[c][i];
	}
	for (unsigned i = 0; i < n; i++) {
		ceil_buf[i] = smooth_next(&l->ceiling);
		drive_buf[i] = smooth_next(&l->drive);
	}
	/* drive: in place (the dry copy is already taken) */
	for (int c = 0; c < LIM_CH; c++)
		for (unsigned i = 0; i < n; i++)
			io[c][i] *= drive_buf[i];
	float g1 = stage_run(&l->main, io, n, ceil_buf, (float)db_to_lin_d(-MAIN_MARGIN_DB), l->link, l->true_peak);
	band_limit_mix(l, ceil_buf, n);
	for (int c = 0; c < LIM_CH; c++)
		bandlimit_process(l->bl[c], io[c], n, l->bl_mix);
	float g2 = stage_run(&l->safety, io, n, ceil_buf, SAFETY_MARGIN, l->link, l->true_peak);
	l->min_gain = g1 * g2;
	/* the last word: no sample above the ceiling, whatever happened above */
	for (int c = 0; c < LIM_CH; c++)
		for (unsigned i = 0; i < n; i++) {
			float v = io[c][i], m = ceil_buf[i];
			io[c][i] = v > m ? m : v < -m ? -m : v;
		}
	/* bypass: crossfade to the delayed input; exact once the fade is over */
	unsigned rd = l->dry_pos - l->latency;
	if (!smooth_active(&l->bypass_mix) && l->bypass_mix.cur == 1.0f) {
		for (int c = 0; c < LIM_CH; c++)
			for (unsigned i = 0; i < n; i++)
				io[c][i] = l->dry_ring[c][(rd + i) & l->dry_mask];
	} else if (smooth_active(&l->bypass_mix) || l->bypass_mix.cur != 0.0f) {
		for (unsigned i = 0; i < n; i++) {
			float m = smooth_next(&l->bypass_mix);
			for (int c = 0; c < LIM_CH; c++) {
				float d = l->dry_ring[c][(rd + i) & l->dry_mask];
				io[c][i] = dsp_mix_in(io[c][i], d, m);
			}
		}
	}
	l->dry_pos += n;
}

unsigned limiter_latency(const limiter *l) { return l->latency; }

void limiter_reset(limiter *l)
{
	stage_reset(&l->main);
	stage_reset(&l->safety);
	for (int c = 0; c < LIM_CH; c++) {
		bandlimit_reset(l->bl[c]);
		memset(l->dry_ring[c], 0, (l->dry_mask + 1) * sizeof(float));
	}
	l->dry_pos = 0;
	l->bl_cur = 0;
	l->bl_hold = 0;
	l->min_gain = 1;
	l->fresh = 1;
}

float limiter_gr_db(const limiter *l)
{
	return l->min_gain < 1.0f ? -20.0f * log10f(l->min_gain) : 0.0f;
}
