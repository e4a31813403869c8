/* lathe — saturation and clipper (/saturate/...), oversampled and anti-aliased.
 *
 * Signal path, per channel:
 *   x -> up (2x/4x/8x, engine/dsp/oversample.c) -> pre-emphasis (3 taps) -> at the high rate:
 *        wet = ADAA[f](drive * u), dry = the same kernel applied to u, v = dry + mix (wet - dry),
 *        -> short linear-phase FIR that flattens the ADAA kernel's droop -> pad (integer delay)
 *     -> down -> crossfade between oversampling settings -> DC blocker -> output gain
 *     -> bypass crossfade with the input delayed by the latency.
 *
 * Anti-aliasing is two-fold.  Oversampling moves the harmonics up to the high rate's
 * Nyquist before anything folds, and the half-band down-sampler removes what lies above
 * the base band (>= 100 dB).  But a clipper's harmonics never end: those above the
 * high-rate Nyquist fold back anyway (a clipped 10 kHz sine's 21st harmonic folds from
 * 210 kHz to 18 kHz at 4x/48 kHz).  Antiderivative anti-aliasing (ADAA) removes most of
 * that: the output is the nonlinearity applied to the linearly interpolated input and
 * convolved with a B-spline kernel before sampling, whose response has zeros exactly
 * where the folding components come from (Parker, Zavalishin, Le Bivic, "Reducing the
 * aliasing of nonlinear waveshaping using continuous-time convolution", DAFx-16;
 * Bilbao, Esqueda, Parker, Valimaki, "Antiderivative antialiasing for memoryless
 * nonlinearities", IEEE SPL 24(7), 2017):
 *   first order (smooth curves: tape, tube), F1' = f, kernel a rectangle (sinc):
 *     y[m] = (F1(x[m]) - F1(x[m-1])) / (x[m] - x[m-1])
 *   second order (clippers at 4x and 8x: their harmonics fall only as 1/h^2), F2'' = f,
 *   kernel a triangle (sinc^2):
 *     y[m] = 2 / (x[m] - x[m-2]) * (D(x[m], x[m-1]) - D(x[m-1], x[m-2])),
 *     D(a, b) = (F2(a) - F2(b)) / (a - b)
 * with the ill-conditioned cases (nearly equal inputs) handled as in Bilbao et al. sec. III.
 * F is evaluated in double: F2(x) ~ 100 while differences of 1e-4 must stay precise.
 * On a linear segment ADAA1 is the two-point mean (delay 1/2 high-rate sample, response
 * cos(w/2)) and ADAA2 the three-point mean (delay 1, response (1 + 2 cos w)/3).  The dry
 * part of the mix goes through the same mean, so dry and wet stay aligned.
 * That droop has two parts, and a driven curve sees only one of them: the kernel averages
 * f(x~(t)) in continuous time (response sinc(w/2), sinc^2(w/2) on whatever f makes), and x~,
 * the linear interpolation of the samples, droops further (together cos(w/2),
 * (1 + 2 cos w)/3 on a linear segment).  One FIR after the curve, fitted to the linear
 * response, over-corrected a strongly bent waveform, whose flat tops do not droop: a -6 dBFS
 * sine at +12 dB drive came out +0.18 dB (tape/tube) and +0.67 dB (clippers) above the
 * static curve at 16 kHz / 44.1 kHz at 4x.  So the correction is split:
 *   - a pre-emphasis [-c, 1 + 2c, -c] (delay 1) before the drive makes the interpolated input
 *     follow the band-limited one: fitted so pre x linear response = continuous kernel;
 *   - a flattening FIR after the mix undoes the continuous kernel:
 *     order 1: [-b, 1/2 + b, 1/2 + b, -b] (delay 3/2),  order 2: [-a, 1 + 2a, -a] (delay 1);
 * each coefficient chosen at creation to minimise the largest deviation to 20 kHz.  The
 * fundamental is now within 0.016 dB of the static curve to 16 kHz for every curve and setting
 * (test_saturate), the linear response flat as before, the worst alias -88.3 dBc at 44.1 kHz
 * (was -92.0) and -91.9 dBc at 48 kHz (was -86.3).  Total delay exactly 3 high-rate samples
 * for both orders.
 *
 * Transfer functions (unity slope at 0, so low levels pass unchanged):
 *   tape       f(x) = x / sqrt(1 + x^2): the algebraic sigmoid, smooth and symmetric (odd
 *              harmonics only, falling off fast); F1(x) = sqrt(1 + x^2) - 1, computed as
 *              x^2 / (sqrt(1 + x^2) + 1) to avoid cancellation.
 *   tube       f(x) = (s(x + b) - s(b)) / s'(b), s the sigmoid above, bias b = TUBE_BIAS:
 *              asymmetric (softer on one polarity), so even harmonics appear, as in a
 *              single-ended triode stage (Pakarinen & Yeh, "A review of digital techniques
 *              for modeling vacuum-tube guitar amplifiers", CMJ 33(2), 2009, sec. 3.1: static
 *              asymmetric waveshapers).  f(0) = 0 and f'(0) = 1; the program-dependent DC
 *              that asymmetry makes is removed by the DC blocker.
 *              F1(x) = (sqrt(1 + (x+b)^2) - sqrt(1 + b^2) - s(b) x) / s'(b).
 *   soft_clip  cubic soft clipper f(x) = x - 4 x^3 / 27 for |x| <= 3/2, sign(x) beyond
 *              (J. O. Smith, "Physical Audio Signal Processing", 'Cubic Soft Clipper',
 *              scaled for unity slope at 0 and f = 1, f' = 0 at the knee 3/2).
 *              F1 = x^2/2 - x^4/27, F2 = x^3/6 - x^5/135 inside;
 *              F1 = |x| - 9/16, F2 = sign(x) (x^2/2 - 9|x|/16 + 9/40) outside.
 *   hard_clip  f(x) = max(-1, min(1, x)); F1 = x^2/2, F2 = x^3/6 inside;
 *              F1 = |x| - 1/2, F2 = sign(x) (x^2/2 - |x|/2 + 1/6) outside.
 *
 * Constant latency: each oversampling setting is padded at its high rate (before the
 * down-sampler) to the same total, the 8x round trip plus one sample (the 8x path's 3
 * high-rate samples of pre-emphasis, kernel and FIR fit in it); that is what
 * saturate_latency reports, bypassed or not, and every path is an exact integer delay in
 * its linear region.  Changing the setting crossfades (FADE_MS) from the old path to the
 * new one; the new path is first primed with the recent input so its filters are warm (no
 * onset transient).  Changing the type crossfades between the two curves at the high rate.
 * While bypassed (the default) the paths do not run at all; leaving bypass primes the path
 * the same way before the 10 ms fade from the delayed input to the processed signal.
 *
 * DC blocker: y[n] = x[n] - x[n-1] + R y[n-1], R = 1 - 2 pi fc / fs, fc = DC_HZ (a one-pole,
 * one-zero highpass; -0.04 dB at 20 Hz).
 */
#include "saturate.h"
#include "oversample.h"
#include "smooth.h"
#include "vec.h"
#include "dsp_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SAT_CH 2
#define N_PATHS 3            /* 2x, 4x, 8x, as OS_2X..OS_8X */
#define FADE_MS 20.0
#define BYPASS_FADE_MS 10.0
#define TUBE_BIAS 0.3
/* s'(b) = (1 + b^2)^-3/2, s(b) and sqrt(1 + b^2) - 1 at b = TUBE_BIAS (literals: no libm per sample;
 * test_saturate checks them against the formulas) */
#define TUBE_SLOPE 0.8787397112120654
#define TUBE_SIG_B 0.2873478855663454
#define TUBE_INT_B 0.04403065089105501
#define DC_HZ 2.0
#define ADAA_EPS 1e-5
#define HI_FRONT 4               /* history slots in front of the high-rate buffers */

/* Per channel state of the high-rate part of a path. */
typedef struct {
	double x1, x2;              /* driven input at m-1, m-2 (ADAA) */
	float u1, u2;               /* undriven input at m-1, m-2 (dry means) */
	float e1, e2;               /* up-sampled input before the pre-emphasis, at m-1, m-2 */
	float hist_cur[3];          /* v[m-1], v[m-2], v[m-3] of the current curve (flattening FIR) */
	float hist_old[3];          /* ... of the curve fading out */
	float *pad_ring;            /* high-rate delay to the common latency */
	unsigned pad_pos;
} hr_state;

typedef struct {
	oversample *os[SAT_CH];
	hr_state st[SAT_CH];
	unsigned pad;               /* high-rate samples of padding */
	unsigned pad_mask;
	int factor;                 /* 2, 4, 8 */
	float comp1_b;              /* flattening FIR coefficient after ADAA1 */
	float comp2_a;              /* ... after ADAA2 */
	float pre1_c, pre2_c;       /* pre-emphasis coefficient before ADAA1, ADAA2 */
} os_path;

struct saturate {
	double rate;
	unsigned max_block;
	os_path path[N_PATHS];
	int cur;                    /* path in use */
	int next;                   /* path fading in, -1 when none */
	smooth path_fade;           /* 0 -> 1 from cur to next */
	int type, old_type;         /* curve in use; the one fading out */
	smooth type_fade;           /* 0 -> 1 from old_type to type */
	smooth drive, mix, out_gain, bypass_mix;
	int ramp, fade_len, bypass_len;
	int bypass_target;
	int fresh;                  /* no audio since new/reset: first update jumps */
	int cold;                   /* bypassed: the paths are not run (their state is stale) */
	float *hi;                  /* high-rate block, max_block * 8, after HI_FRONT free slots */
	float *hi_mem;              /* allocation behind hi */
	float *x_hr, *s_hr, *v_hr;  /* fast path (smooth_block): biased driven input, sqrt(1 + x^2), mix;
	                             * each after HI_FRONT slots of history */
	float *drive_hr, *mix_hr;   /* drive and mix per high-rate sample */
	float *out_a[SAT_CH], *out_b[SAT_CH]; /* base-rate results of the current / next path */
	float *drive_buf, *mix_buf, *tfade_buf;
	float *in_ring[SAT_CH];     /* recent input: bypass delay and path priming */
	unsigned in_mask, in_pos;
	unsigned latency;           /* the 8x round trip */
	unsigned prime_len;         /* samples of history replayed into a path before it fades in */
	double dc_r;                /* DC blocker pole */
	double dc_x1[SAT_CH], dc_y1[SAT_CH];
};


/* ---- transfer functions and antiderivatives ---- */
static inline double sig(double x) { return x / sqrt(1 + x * x); }
static inline double sig_int(double x) { return x * x / (sqrt(1 + x * x) + 1); } /* sqrt(1+x^2) - 1 */

static inline double curve_f(int type, double x)
{
	switch (type) {
	case SAT_TAPE:
		return sig(x);
	case SAT_TUBE:
		return (sig(x + TUBE_BIAS) - TUBE_SIG_B) * (1.0 / TUBE_SLOPE);
	case SAT_SOFT_CLIP:
		return x > 1.5 ? 1 : x < -1.5 ? -1 : x - (4.0 / 27.0) * x * x * x;
	default:
		return x > 1 ? 1 : x < -1 ? -1 : x;
	}
}

static inline double curve_F(int type, double x)
{
	switch (type) {
	case SAT_TAPE:
		return sig_int(x);
	case SAT_TUBE:
		return (sig_int(x + TUBE_BIAS) - TUBE_INT_B - TUBE_SIG_B * x) * (1.0 / TUBE_SLOPE);
	case SAT_SOFT_CLIP: {
		double a = fabs(x);
		return a > 1.5 ? a - 9.0 / 16.0 : 0.5 * x * x - x * x * x * x / 27.0;
	}
	default: {
		double a = fabs(x);
		return a > 1 ? a - 0.5 : 0.5 * x * x;
	}
	}
}

/* Second antiderivatives (only the clippers use second order). */
static inline double curve_F2(int type, double x)
{
	double a = fabs(x), sg = x < 0 ? -1 : 1;
	if (type == SAT_SOFT_CLIP)
		return a > 1.5 ? sg * (0.5 * a * a - (9.0 / 16.0) * a + 9.0 / 40.0)
		               : x * x * x / 6.0 - x * x * x * x * x / 135.0;
	return a > 1 ? sg * (0.5 * a * a - 0.5 * a + 1.0 / 6.0) : x * x * x / 6.0;
}

/* ADAA order of a curve in a path: 2 for the clippers, except at 2x, where the ADAA2 kernel's
 * droop (-5.9 dB at 20 kHz / 48 kHz) is too deep for a short FIR to flatten. */
static inline int curve_order(int factor, int type)
{
	return factor > 2 && (type == SAT_SOFT_CLIP || type == SAT_HARD_CLIP) ? 2 : 1;
}

/* ADAA1 between the previous and the current input. */
static inline double adaa1(int type, double x, double xp)
{
	double d = x - xp;
	if (fabs(d) > ADAA_EPS)
		return (curve_F(type, x) - curve_F(type, xp)) / d;
	return curve_f(type, 0.5 * (x + xp));
}

/* Divided difference (F2(a) - F2(b)) / (a - b).  Where a and b lie on the same polynomial
 * piece it is expanded analytically: no cancellation between two large F2 values (F2 ~ x^2/2
 * reaches 100 at +18 dB into the clipper while a - b may be 1e-5).  Across a knee the values
 * are small and the plain quotient is exact enough; F1 at the midpoint when a ~ b. */
static inline double adaa2_d(int type, double a, double b)
{
	const double knee = type == SAT_SOFT_CLIP ? 1.5 : 1.0;
	if (fabs(a) <= knee && fabs(b) <= knee) {
		double lin = (a * a + a * b + b * b) / 6.0;
		if (type == SAT_SOFT_CLIP) {
			double a2 = a * a, b2 = b * b;
			lin -= (a2 * a2 + a2 * a * b + a2 * b2 + a * b * b2 + b2 * b2) / 135.0;
		}
		return lin;
	}
	const double off = type == SAT_SOFT_CLIP ? 9.0 / 16.0 : 0.5; /* F2 = x^2/2 - off x + c beyond */
	if (a > knee && b > knee)
		return 0.5 * (a + b) - off;
	if (a < -knee && b < -knee)
		return -0.5 * (a + b) - off;
	double d = a - b;
	if (fabs(d) > ADAA_EPS)
		return (curve_F2(type, a) - curve_F2(type, b)) / d;
	return curve_F(type, 0.5 * (a + b));
}

/* ADAA2 over x0 = x[m], x1 = x[m-1], x2 = x[m-2] (Bilbao et al. 2017, eqs. 13 and 16). */
static inline double adaa2(int type, double x0, double x1, double x2)
{
	double d02 = x0 - x2;
	if (fabs(d02) > ADAA_EPS)
		return 2.0 / d02 * (adaa2_d(type, x0, x1) - adaa2_d(type, x1, x2));
	double xb = 0.5 * (x0 + x2), delta = xb - x1;
	if (fabs(delta) > ADAA_EPS)
		return 2.0 / delta * (curve_F(type, xb) + (curve_F2(type, x1) - curve_F2(type, xb)) / delta);
	return curve_f(type, 0.5 * (xb + x1));
}

/* One high-rate sample of one curve: ADAA, dry/wet mix, flattening FIR (updates hist). */
static inline float curve_sample(const os_path *p, int type, const hr_state *st, double x0, float u0,
                                 float mix, float *hist)
{
	float v, y;
	if (curve_order(p->factor, type) == 1) {
		float dry = 0.5f * (u0 + st->u1);
		v = dry + mix * ((float)adaa1(type, x0, st->x1) - dry);
		const float b = p->comp1_b;
		y = -b * (v + hist[2]) + (0.5f + b) * (hist[0] + hist[1]);
	} else {
		float dry = (u0 + st->u1 + st->u2) * (1.0f / 3.0f);
		v = dry + mix * ((float)adaa2(type, x0, st->x1, st->x2) - dry);
		const float a = p->comp2_a;
		y = -a * (v + hist[1]) + (1 + 2 * a) * hist[0];
	}
	hist[2] = hist[1];
	hist[1] = hist[0];
	hist[0] = v;
	return y;
}

/* ---- paths ---- */

static int path_alloc(os_path *p, int factor, unsigned max_block)
{
	p->factor = factor;
	for (int c = 0; c < SAT_CH; c++) {
		p->os[c] = oversample_new(factor, max_block);
		if (!p->os[c])
			return -1;
	}
	return 0;
}

static void path_reset(os_path *p)
{
	for (int c = 0; c < SAT_CH; c++) {
		hr_state *st = &p->st[c];
		oversample_reset(p->os[c]);
		memset(st->pad_ring, 0, (p->pad_mask + 1) * sizeof(float));
		st->pad_pos = 0;
		st->x1 = st->x2 = 0;
		st->u1 = st->u2 = 0;
		st->e1 = st->e2 = 0;
		memset(st->hist_cur, 0, sizeof st->hist_cur);
		memset(st->hist_old, 0, sizeof st->hist_old);
	}
}

/* Fast path for the two sigmoids (tape, tube) when no curve fade runs: the whole high-rate
 * block on vector lanes, in float.
 *
 * ADAA1 of s(y) = y / sqrt(1 + y^2), whose antiderivative is S(y) = sqrt(1 + y^2), needs no
 * division by x[m] - x[m-1] at all: with y = x + beta,
 *   (S(y) - S(yp)) / (y - yp) = (y^2 - yp^2) / ((y - yp) (S(y) + S(yp))) = (y + yp) / (S(y) + S(yp)),
 * exact algebra, with the right limit s(y) as yp -> y (no ill-conditioned case, no ADAA_EPS branch).
 * Tape is beta = 0; tube is (that - s(beta)) / s'(beta) (its F1 above, differenced the same way).
 * S is computed once per sample and reused for the next one.
 * Error bound (float, eps = 2^-24): |y| / S(y) <= 1 and S + Sp >= 2, so the rounding of y, yp,
 * y + yp (<= eps (|y| + |yp|) absolute), the two square roots and the sum (<= 2.5 eps relative)
 * and the division (eps) give <= 4.5 eps absolute on a result of magnitude <= 1, times
 * 1 / s'(beta) = 1.14 for tube, plus eps |s(beta)|: < 6 eps = 3.6e-7 (-129 dB) from the exact
 * ADAA1 value, where the double version came within 1 eps after its final rounding to float
 * plus its own cancellation error (up to ~1e-11 / ADAA_EPS = 1e-6 near the EPS switch).
 * Every loop below is branch-free over arrays; gcc vectorises them (sqrtps, divps with
 * -fno-math-errno). */
LATHE_WIDE static void sigmoid_block(saturate *s, const os_path *p, hr_state *st, int type, float *u, unsigned m)
{
	const float beta = type == SAT_TUBE ? (float)TUBE_BIAS : 0.0f;
	const float off = type == SAT_TUBE ? (float)TUBE_SIG_B : 0.0f;
	const float scale = type == SAT_TUBE ? (float)(1.0 / TUBE_SLOPE) : 1.0f;
	float *restrict y = s->x_hr, *restrict sq = s->s_hr, *restrict v = s->v_hr;
	const float *restrict dr = s->drive_hr, *restrict mx = s->mix_hr;
	u[-1] = st->u1;
	y[-1] = (float)st->x1 + beta;
	sq[-1] = sqrtf(1 + y[-1] * y[-1]);
	v[-1] = st->hist_cur[0];
	v[-2] = st->hist_cur[1];
	v[-3] = st->hist_cur[2];
	for (unsigned j = 0; j < m; j++) {
		float yj = dr[j] * u[j] + beta;
		y[j] = yj;
		sq[j] = sqrtf(1 + yj * yj);
	}
	const float *y1 = y - 1, *sq1 = sq - 1, *u1 = u - 1;   /* the samples before */
	for (unsigned j = 0; j < m; j++) {
		float wet = scale * ((y[j] + y1[j]) / (sq[j] + sq1[j]) - off);
		float dry = 0.5f * (u[j] + u1[j]);
		v[j] = dry + mx[j] * (wet - dry);
	}
	/* state as the scalar path leaves it (m >= 2) */
	st->x1 = (double)dr[m - 1] * u[m - 1];
	st->x2 = (double)dr[m - 2] * u[m - 2];
	st->u1 = u[m - 1];
	st->u2 = u[m - 2];
	st->hist_cur[0] = v[m - 1];
	st->hist_cur[1] = v[m - 2];
	st->hist_cur[2] = v[m - 3];
	const float b = p->comp1_b, c = 0.5f + p->comp1_b;
	const float *v1 = v - 1, *v2 = v - 2, *v3 = v - 3;
	for (unsigned j = 0; j < m; j++)   /* the flattening FIR, written over u (consumed above) */
		u[j] = -b * (v[j] + v3[j]) + c * (v1[j] + v2[j]);
}

/* m samples into the pad ring at pos, then the m samples from pos - pad back into x (in place:
 * the ring holds pad + m samples, so nothing is overwritten before it is read). */
static void pad_delay(float *ring, unsigned mask, unsigned pos, unsigned pad, float *x, unsigned m)
{
	unsigned w = pos & mask, first = mask + 1 - w < m ? mask + 1 - w : m;
	memcpy(ring + w, x, first * sizeof(float));
	memcpy(ring, x + first, (m - first) * sizeof(float));
	unsigned r = (pos - pad) & mask;
	first = mask + 1 - r < m ? mask + 1 - r : m;
	memcpy(x, ring + r, first * sizeof(float));
	memcpy(x + first, ring, (m - first) * sizeof(float));
}

/* The pre-emphasis [-c, 1 + 2c, -c] (delay 1) on m >= 2 high-rate samples, in place: from
 * the end backwards, so each output overwrites an input no later output reads; u[-2], u[-1]
 * (the HI_FRONT slots) hold the previous block's last two inputs.  Vectorised by gcc. */
LATHE_WIDE static void pre_emphasis(hr_state *st, float c, float *u, unsigned m)
{
	const float k = 1 + 2 * c;
	u[-2] = st->e2;
	u[-1] = st->e1;
	st->e2 = u[m - 2];
	st->e1 = u[m - 1];
	for (int j = (int)m - 1; j >= 0; j--)
		u[j] = k * u[j - 1] - c * (u[j] + u[j - 2]);
}

/* Run one path on one channel: in (base rate) -> out (base rate). */
static void path_run(saturate *s, os_path *p, int c, const float *in, float *out, unsigned n, int fading_type)
{
	oversample *os = p->os[c];
	hr_state *st = &p->st[c];
	const int f = oversample_factor(os);
	float *hi = s->hi;
	oversample_up(os, in, hi, n);
	const int type = s->type, old = s->old_type;
	pre_emphasis(st, curve_order(f, type) == 1 ? p->pre1_c : p->pre2_c, hi, n * (unsigned)f);
	const unsigned pad = p->pad, mask = p->pad_mask;
	if (!fading_type && (type == SAT_TAPE || type == SAT_TUBE)) {
		sigmoid_block(s, p, st, type, hi, n * (unsigned)f);
		pad_delay(st->pad_ring, mask, st->pad_pos, pad, hi, n * (unsigned)f);
		st->pad_pos += n * (unsigned)f;
		oversample_down(os, hi, out, n);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const double drive = s->drive_buf[i];
		const float mix = s->mix_buf[i];
		const float tf = s->tfade_buf[i];
		float *h = hi + (size_t)i * (unsigned)f;
		for (int k = 0; k < f; k++) {
			float u = h[k];
			double x = drive * u;
			float y = curve_sample(p, type, st, x, u, mix, st->hist_cur);
			if (fading_type) {
				float yo = curve_sample(p, old, st, x, u, mix, st->hist_old);
				y = yo + tf * (y - yo);
			}
			st->x2 = st->x1;
			st->x1 = x;
			st->u2 = st->u1;
			st->u1 = u;
			st->pad_ring[st->pad_pos & mask] = y;
			h[k] = st->pad_ring[(st->pad_pos - pad) & mask];
			st->pad_pos++;
		}
	}
	oversample_down(os, hi, out, n);
}

static void path_run_stereo(saturate *s, os_path *p, float *const in[SAT_CH], float *const out[SAT_CH],
                            unsigned n, int fading_type)
{
	/* drive and mix per high-rate sample, for the fast path (f >= 2) */
	const unsigned f = (unsigned)p->factor;
	if (f % 4 == 0) /* 4x, 8x: whole vectors of one value (gcc leaves the generic loop scalar) */
		for (unsigned i = 0; i < n; i++)
			for (unsigned k = 0; k < f; k += 4) {
				v4_store(s->drive_hr + i * f + k, v4_set1(s->drive_buf[i]));
				v4_store(s->mix_hr + i * f + k, v4_set1(s->mix_buf[i]));
			}
	else
		for (unsigned i = 0; i < n; i++)
			for (unsigned k = 0; k < f; k++) {
				s->drive_hr[i * f + k] = s->drive_buf[i];
				s->mix_hr[i * f + k] = s->mix_buf[i];
			}
	for (int c = 0; c < SAT_CH; c++)
		path_run(s, p, c, in[c], out[c], n, fading_type);
}

/* Bring a path's filters to the state they would have had if it had been running: reset it and
 * replay the last prime_len input samples through it (output discarded).  Bounded work. */
static void path_prime(saturate *s, os_path *p)
{
	path_reset(p);
	/* constant parameters over the replay: the current ones */
	for (unsigned i = 0; i < s->max_block; i++) {
		s->drive_buf[i] = s->drive.cur;
		s->mix_buf[i] = s->mix.cur;
		s->tfade_buf[i] = 1;
	}
	unsigned start = s->in_pos - s->prime_len;
	for (unsigned done = 0; done < s->prime_len;) {
		unsigned len = s->prime_len - done < s->max_block ? s->prime_len - done : s->max_block;
		for (int c = 0; c < SAT_CH; c++)
			for (unsigned i = 0; i < len; i++)
				s->out_a[c][i] = s->in_ring[c][(start + done + i) & s->in_mask];
		/* out_b is scratch here; process in place from out_a */
		path_run_stereo(s, p, s->out_a, s->out_b, len, 0);
		done += len;
	}
}

/* The two filters around the kernel, fitted apart (kind):
 *   FIT_POST1/2: the continuous-time kernel (sinc(w/2) for ADAA1, sinc^2(w/2) for ADAA2, what
 *     the averaging does to f(x(t)) whatever f is) times the flattening FIR, to 1;
 *   FIT_PRE1/2: the pre-emphasis times the kernel's response on a linear segment
 *     (cos(w/2), (1 + 2 cos w) / 3: the linearly interpolated input droops further) to the
 *     continuous-time kernel, so the driven signal the curve sees is the band-limited input,
 *     not its linear interpolation.
 * Largest deviation (dB) 0..20 kHz (non-RT). */
enum { FIT_POST1, FIT_POST2, FIT_PRE1, FIT_PRE2 };

static double sinc_half(double w) { return w > 0 ? sin(w / 2) / (w / 2) : 1; }

static double flatness_db(int kind, double coef, unsigned factor, double rate)
{
	double worst = 0, top = fmin(20000.0, 0.45 * rate);
	for (int i = 0; i <= 64; i++) {
		double w = 2 * M_PI * top * i / 64 / (factor * rate), sh = sinc_half(w), g;
		switch (kind) {
		case FIT_POST1: g = sh * ((1 + 2 * coef) * cos(w / 2) - 2 * coef * cos(1.5 * w)); break;
		case FIT_POST2: g = sh * sh * (1 + 2 * coef * (1 - cos(w))); break;
		case FIT_PRE1: g = (1 + 2 * coef * (1 - cos(w))) * cos(w / 2) / sh; break;
		default: g = (1 + 2 * coef * (1 - cos(w))) * (1 + 2 * cos(w)) / 3 / (sh * sh); break;
		}
		worst = fmax(worst, fabs(20 * log10(g)));
	}
	return worst;
}

/* The flattening coefficient that minimises the largest deviation to 20 kHz (grid search,
 * non-RT; the answer is about 1/8 for order 1 and 1/3 for order 2 at small w). */
static double flattening_coef(int kind, unsigned factor, double rate)
{
	double best = 0, best_err = 1e9;
	for (int i = 0; i <= 200; i++) {             /* coarse: 0 .. 1 by 0.005 */
		double c = i * 0.005;
		double e = flatness_db(kind, c, factor, rate);
		if (e < best_err) {
			best_err = e;
			best = c;
		}
	}
	double centre = best;
	for (int i = -50; i <= 50; i++) {            /* fine: +-0.005 by 0.0001 */
		double c = centre + i * 0.0001;
		double e = c >= 0 ? flatness_db(kind, c, factor, rate) : 1e9;
		if (e < best_err) {
			best_err = e;
			best = c;
		}
	}
	return best;
}

/* A high-rate buffer with HI_FRONT history slots in front (freed with hr_free). */
static float *hr_alloc(unsigned max_block)
{
	float *b = calloc((size_t)max_block * 8 + HI_FRONT, sizeof(float));
	return b ? b + HI_FRONT : NULL;
}

static void hr_free(float *b) { free(b ? b - HI_FRONT : NULL); }

saturate *saturate_new(double rate, unsigned max_block)
{
	if (rate <= 0 || max_block == 0)
		return NULL;
	saturate *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->rate = rate;
	s->max_block = max_block;
	for (int k = 0; k < N_PATHS; k++)
		if (path_alloc(&s->path[k], 2 << k, max_block) < 0)
			goto fail;
	/* every path: round trip L_F + (3 + pad_F) / F base samples == latency (integer) */
	s->latency = oversample_latency(s->path[N_PATHS - 1].os[0]) + 1;
	for (int k = 0; k < N_PATHS; k++) {
		os_path *p = &s->path[k];
		unsigned f = 2u << k;
		p->pad = f * (s->latency - oversample_latency(p->os[0])) - 3;
		unsigned cap = pow2_above(p->pad + max_block * f + 1);   /* pad + a block: see pad_delay */
		p->pad_mask = cap - 1;
		for (int c = 0; c < SAT_CH; c++)
			if (!(p->st[c].pad_ring = calloc(cap, sizeof(float))))
				goto fail;
		p->comp1_b = (float)flattening_coef(FIT_POST1, f, rate);
		p->comp2_a = (float)flattening_coef(FIT_POST2, f, rate);
		p->pre1_c = (float)flattening_coef(FIT_PRE1, f, rate);
		p->pre2_c = (float)flattening_coef(FIT_PRE2, f, rate);
	}
	/* the chain's memory is about twice its latency (up and down FIRs) */
	s->prime_len = 2 * s->latency + 16;
	unsigned cap = pow2_above((s->latency > s->prime_len ? s->latency : s->prime_len) + max_block);
	s->in_mask = cap - 1;
	s->hi_mem = calloc((size_t)max_block * 8 + HI_FRONT, sizeof(float));
	s->hi = s->hi_mem ? s->hi_mem + HI_FRONT : NULL;
	s->x_hr = hr_alloc(max_block);
	s->s_hr = hr_alloc(max_block);
	s->v_hr = hr_alloc(max_block);
	s->drive_hr = calloc((size_t)max_block * 8, sizeof(float));
	s->mix_hr = calloc((size_t)max_block * 8, sizeof(float));
	if (!s->x_hr || !s->s_hr || !s->v_hr || !s->drive_hr || !s->mix_hr)
		goto fail;
	s->drive_buf = calloc(max_block, sizeof(float));
	s->mix_buf = calloc(max_block, sizeof(float));
	s->tfade_buf = calloc(max_block, sizeof(float));
	if (!s->hi || !s->drive_buf || !s->mix_buf || !s->tfade_buf)
		goto fail;
	for (int c = 0; c < SAT_CH; c++) {
		s->in_ring[c] = calloc(cap, sizeof(float));
		s->out_a[c] = calloc(max_block, sizeof(float));
		s->out_b[c] = calloc(max_block, sizeof(float));
		if (!s->in_ring[c] || !s->out_a[c] || !s->out_b[c])
			goto fail;
	}
	s->ramp = smooth_samples(20, rate);
	s->fade_len = smooth_samples((float)FADE_MS, rate);
	s->bypass_len = smooth_samples((float)BYPASS_FADE_MS, rate);
	s->dc_r = 1 - 2 * M_PI * DC_HZ / rate;
	s->cur = OS_4X;
	s->next = -1;
	s->type = s->old_type = SAT_TAPE;
	smooth_init(&s->drive, 1);
	smooth_init(&s->mix, 1);
	smooth_init(&s->out_gain, 1);
	smooth_init(&s->bypass_mix, 1);
	smooth_init(&s->path_fade, 0);
	smooth_init(&s->type_fade, 1);
	s->bypass_target = 1;
	saturate_reset(s);
	return s;
fail:
	saturate_free(s);
	return NULL;
}

void saturate_free(saturate *s)
{
	if (!s)
		return;
	for (int k = 0; k < N_PATHS; k++)
		for (int c = 0; c < SAT_CH; c++) {
			oversample_free(s->path[k].os[c]);
			free(s->path[k].st[c].pad_ring);
		}
	for (int c = 0; c < SAT_CH; c++) {
		free(s->in_ring[c]);
		free(s->out_a[c]);
		free(s->out_b[c]);
	}
	free(s->hi_mem);
	hr_free(s->x_hr);
	hr_free(s->s_hr);
	hr_free(s->v_hr);
	free(s->drive_hr);
	free(s->mix_hr);
	free(s->drive_buf);
	free(s->mix_buf);
	free(s->tfade_buf);
	free(s);
}


void saturate_update(saturate *s, const lathe_params *p)
{
	int jump = s->fresh;
	s->fresh = 0;
	int ramp = jump ? 0 : s->ramp;
	smooth_set(&s->drive, db_to_lin(param_get(p, P_SAT_DRIVE)), ramp);
	smooth_set(&s->mix, param_get(p, P_SAT_MIX) * 0.01f, ramp);
	smooth_set(&s->out_gain, db_to_lin(param_get(p, P_SAT_OUTPUT)), ramp);
	smooth_set(&s->bypass_mix, param_get_bool(p, P_SAT_BYPASS) ? 1.0f : 0.0f, jump ? 0 : s->bypass_len);
	int type = param_get_int(p, P_SAT_TYPE);
	if (type < SAT_TAPE || type > SAT_HARD_CLIP)
		type = SAT_HARD_CLIP;
	if (type != s->type && !smooth_active(&s->type_fade)) {
		jump = jump || s->cold;
		s->old_type = jump ? type : s->type;
		s->type = type;
		/* the old curve continues from its history; the new one starts from the same (its
		 * weight is ~0 while the three samples of history differ) */
		for (int k = 0; k < N_PATHS; k++)
			for (int c = 0; c < SAT_CH; c++)
				memcpy(s->path[k].st[c].hist_old, s->path[k].st[c].hist_cur, sizeof s->path[k].st[c].hist_old);
		smooth_init(&s->type_fade, jump ? 1.0f : 0.0f);
		smooth_set(&s->type_fade, 1.0f, jump ? 0 : s->fade_len);
	}
	int os = param_get_int(p, P_SAT_OVERSAMPLING);
	if (os < OS_2X || os > OS_8X)
		os = OS_8X;
	/* The 2x setting runs at 4x, for every curve (issue 14): at 2x every curve aliases above
	 * -70 dBc below 20 kHz (test_saturate, 10 kHz at +12 dB drive, 48 kHz: hard_clip -55,
	 * tube -60, soft_clip -68, tape -70.5 dBc; hard_clip -44 dBc at 44.1 kHz); at 4x the
	 * worst is -86 dBc.  The 2x path stays allocated (the registry's enum is unchanged, so
	 * sessions that name 2x still load) but is never run. */
	if (os < OS_4X)
		os = OS_4X;
	if (os != s->cur && s->next < 0) {
		if (jump || s->cold) {   /* nothing audible to fade; a cold path is primed when it warms */
			s->cur = os;
		} else {
			s->next = os;   /* primed and faded in by saturate_process */
			smooth_init(&s->path_fade, 0);
			smooth_set(&s->path_fade, 1, s->fade_len);
			path_prime(s, &s->path[os]);
		}
	}
}

void saturate_process(saturate *s, float *l, float *r, unsigned n)
{
	float *io[SAT_CH] = { l, r };
	/* Bypassed (the default): only the delay runs.  Leaving bypass, the path is first primed
	 * with the recent input (before this block) so the fade-in starts from warm filters. */
	int need_wet = smooth_active(&s->bypass_mix) || s->bypass_mix.cur != 1.0f;
	if (need_wet && s->cold) {
		path_prime(s, &s->path[s->cur]);
		for (int c = 0; c < SAT_CH; c++)
			s->dc_x1[c] = s->dc_y1[c] = 0;
		s->cold = 0;
	}
	if (!need_wet) {
		s->cold = 1;
		smooth_skip(&s->drive, (int)n);
		smooth_skip(&s->mix, (int)n);
		smooth_skip(&s->out_gain, (int)n);
		smooth_skip(&s->type_fade, (int)n);
		unsigned rd = s->in_pos - s->latency;
		for (int c = 0; c < SAT_CH; c++) {
			unsigned pos = s->in_pos;
			for (unsigned i = 0; i < n; i++, pos++) {
				s->in_ring[c][pos & s->in_mask] = io[c][i];
				io[c][i] = s->in_ring[c][(rd + i) & s->in_mask];
			}
		}
		s->in_pos += n;
		return;
	}
	/* input history: bypass delay and priming */
	for (int c = 0; c < SAT_CH; c++) {
		unsigned pos = s->in_pos;
		for (unsigned i = 0; i < n; i++, pos++)
			s->in_ring[c][pos & s->in_mask] = io[c][i];
	}
	s->in_pos += n;

	for (unsigned i = 0; i < n; i++) {
		s->drive_buf[i] = smooth_next(&s->drive);
		s->mix_buf[i] = smooth_next(&s->mix);
		s->tfade_buf[i] = smooth_next(&s->type_fade);
	}
	int fading_type = s->tfade_buf[0] < 1.0f || smooth_active(&s->type_fade);
	path_run_stereo(s, &s->path[s->cur], io, s->out_a, n, fading_type);
	if (s->next >= 0) {
		path_run_stereo(s, &s->path[s->next], io, s->out_b, n, fading_type);
		for (unsigned i = 0; i < n; i++) {
			float a = smooth_next(&s->path_fade);
			for (int c = 0; c < SAT_CH; c++)
				s->out_a[c][i] += a * (s->out_b[c][i] - s->out_a[c][i]);
		}
		if (!smooth_active(&s->path_fade)) {
			s->cur = s->next;
			s->next = -1;
		}
	}
	/* DC blocker and output gain */
	for (unsigned i = 0; i < n; i++) {
		float g = smooth_next(&s->out_gain);
		for (int c = 0; c < SAT_CH; c++) {
			double x = s->out_a[c][i];
			double y = x - s->dc_x1[c] + s->dc_r * s->dc_y1[c];
			s->dc_x1[c] = x;
			s->dc_y1[c] = y;
			s->out_a[c][i] = (float)y * g;
		}
	}
	for (int c = 0; c < SAT_CH; c++)
		if (fabs(s->dc_y1[c]) < 1e-30)   /* silence: no endless denormal tail */
			s->dc_y1[c] = 0;
	/* bypass: the input delayed by the latency; exact once the fade is over */
	unsigned rd = s->in_pos - n - s->latency;
	if (!smooth_active(&s->bypass_mix) && s->bypass_mix.cur == 1.0f) {
		for (int c = 0; c < SAT_CH; c++)
			for (unsigned i = 0; i < n; i++)
				io[c][i] = s->in_ring[c][(rd + i) & s->in_mask];
	} else {
		for (unsigned i = 0; i < n; i++) {
			float m = smooth_next(&s->bypass_mix);
			for (int c = 0; c < SAT_CH; c++) {
				float d = s->in_ring[c][(rd + i) & s->in_mask];
				io[c][i] = dsp_mix_in(s->out_a[c][i], d, m);
			}
		}
	}
}

unsigned saturate_latency(const saturate *s) { return s->latency; }

void saturate_reset(saturate *s)
{
	for (int k = 0; k < N_PATHS; k++)
		path_reset(&s->path[k]);
	for (int c = 0; c < SAT_CH; c++) {
		memset(s->in_ring[c], 0, (s->in_mask + 1) * sizeof(float));
		s->dc_x1[c] = s->dc_y1[c] = 0;
	}
	s->in_pos = 0;
	if (s->next >= 0) {
		s->cur = s->next;
		s->next = -1;
	}
	smooth_init(&s->path_fade, 0);
	smooth_init(&s->type_fade, 1);
	s->old_type = s->type;
	s->fresh = 1;
	s->cold = 0;
}
