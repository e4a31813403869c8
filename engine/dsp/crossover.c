/* lathe — Linkwitz-Riley crossover; see crossover.h for the structure and its sources. */
#include "crossover.h"
#include "vec.h"

#include <math.h>
#include <string.h>

/* Butterworth sections (1/Q) of each half branch: LR4 squares B2, LR8 squares B4. */
static const double butterworth_k[2][XO_MAX_Q] = {
	{ 1.4142135623730951, 0 },                 /* B2: Q = 0.70711 */
	{ 1.8477590650225735, 0.76536686473017954 }, /* B4: Q = 0.54120, 1.30656 (1/Q = 2 cos(pi/8), 2 cos(3 pi/8)) */
};

/* Precision.  The recursion runs in float: the trapezoidal SVF's states are integrator
 * states of the size of the signal, and its low-frequency coefficients do not cancel
 * against each other the way a direct-form biquad's poles do (Simper 2013; Zavalishin
 * 2012, ch. 3), so single precision costs nothing audible: rounding (2^-24 relative per
 * operation) enters the states once per sample and leaves through the integrators'
 * time constant 1/g, a noise floor below -110 dBFS even at 20 Hz / 44.1 kHz
 * (g = 1.4e-3: 2^-24 * sqrt(1/g) = 1.6e-6).  The tests' bounds hold unchanged:
 * band sum flat within +-0.05 dB (test_crossover, tested far tighter), mono-below
 * side rejection > 40 dB at 20 Hz and 44.1 kHz (test_imager), the multiband's static
 * curve.  Coefficients are designed in double and rounded once (a relative error of
 * 6e-8 in g moves a crossover by 1e-5 Hz at 20 Hz).  Float lanes are twice as wide as
 * double lanes: the two channels' low and high branches share one instruction. */

/* One SVF step (Simper 2013): v1 = band pass, v2 = low pass; then
 *   low = v2,  high = x - k v1 - v2,  all pass = x - 2 k v1. */
static inline void svf_tick(const xo_svf_coef *c, xo_svf_state *s, float x, float *v1, float *v2)
{
	float v3 = x - s->ic2;
	float b = c->a1 * s->ic1 + c->a2 * v3;
	float l = s->ic2 + c->a2 * s->ic1 + c->a3 * v3;
	s->ic1 = 2 * b - s->ic1;
	s->ic2 = 2 * l - s->ic2;
	*v1 = b;
	*v2 = l;
}

/* The split's all-pass (product of its sections' all-passes) over a buffer in place. */
static void svf_allpass_run(const xo_svf_coef *c, xo_svf_state *s, int nq, float *x, unsigned n)
{
	for (int q = 0; q < nq; q++) {
		xo_svf_state st = s[q];
		float two_k = 2 * c[q].k;
		for (unsigned i = 0; i < n; i++) {
			float v1, v2;
			svf_tick(&c[q], &st, x[i], &v1, &v2);
			x[i] = x[i] - two_k * v1;
		}
		s[q] = st;
	}
}

/* Clamp into [XO_FMIN, fmax] and space neighbours by at least XO_MIN_RATIO:
 * first push upward from the lowest, then, if the top went past fmax, push
 * downward from the top.  n <= 3 frequencies within 20 Hz..0.45 fs always fit
 * (20 * 1.414^2 = 40 Hz). */
static void order_freqs(float *f, int n, float fmax)
{
	for (int i = 0; i < n; i++)
		f[i] = f[i] < XO_FMIN ? XO_FMIN : f[i] > fmax ? fmax : f[i];
	for (int i = 1; i < n; i++)
		if (f[i] < f[i - 1] * XO_MIN_RATIO)
			f[i] = f[i - 1] * XO_MIN_RATIO;
	if (n > 0 && f[n - 1] > fmax) {
		f[n - 1] = fmax;
		for (int i = n - 2; i >= 0; i--)
			if (f[i] > f[i + 1] / XO_MIN_RATIO)
				f[i] = f[i + 1] / XO_MIN_RATIO;
	}
}

/* Simper: g = tan(pi f / fs) (prewarped bilinear), a1 = 1 / (1 + g (g + k)), a2 = g a1, a3 = g a2. */
static void design(crossover *xo, int k)
{
	double g = tan(M_PI * xo->hz[k] / xo->rate);
	for (int q = 0; q < xo->nq; q++) {
		xo_svf_coef *c = &xo->coef[k][q];
		double k = butterworth_k[xo->nq - 1][q], a1 = 1 / (1 + g * (g + k)), a2 = g * a1;
		c->k = (float)k;
		c->a1 = (float)a1;
		c->a2 = (float)a2;
		c->a3 = (float)(g * a2);
	}
}

void crossover_reset(crossover *xo)
{
	memset(xo->first, 0, sizeof xo->first);
	memset(xo->lo, 0, sizeof xo->lo);
	memset(xo->hi, 0, sizeof xo->hi);
	memset(xo->comp, 0, sizeof xo->comp);
	memset(xo->ap, 0, sizeof xo->ap);
}

/* Jump to the targets (no glide) and design every split. */
static void settle(crossover *xo)
{
	order_freqs(xo->target_hz, xo->bands - 1, xo->fmax);
	for (int k = 0; k < XO_MAX_SPLITS; k++) {
		smooth_init(&xo->log2f[k], log2f(xo->target_hz[k]));
		xo->hz[k] = xo->target_hz[k];
		design(xo, k);
	}
}

void crossover_init(crossover *xo, double rate, int bands, int order, const float *hz)
{
	static const float defaults[XO_MAX_SPLITS] = { 120, 1000, 6000 };
	memset(xo, 0, sizeof *xo);
	xo->rate = rate;
	xo->nq = order >= 8 ? 2 : 1;
	xo->wide = lathe_cpu_avx2();
	xo->fmax = (float)(0.45 * rate);
	xo->bands = bands < 1 ? 1 : bands > XO_MAX_BANDS ? XO_MAX_BANDS : bands;
	for (int k = 0; k < XO_MAX_SPLITS; k++)
		xo->target_hz[k] = hz && k < xo->bands - 1 ? hz[k] : defaults[k];
	settle(xo);
	crossover_reset(xo);
}

void crossover_set_bands(crossover *xo, int bands)
{
	bands = bands < 1 ? 1 : bands > XO_MAX_BANDS ? XO_MAX_BANDS : bands;
	if (bands == xo->bands)
		return;
	xo->bands = bands;
	settle(xo);
	crossover_reset(xo);
}

void crossover_set_freqs(crossover *xo, const float *hz, int ramp_samples)
{
	int n = xo->bands - 1;
	float t[XO_MAX_SPLITS];
	for (int k = 0; k < n; k++)
		t[k] = hz[k];
	order_freqs(t, n, xo->fmax);
	for (int k = 0; k < n; k++) {
		if (t[k] == xo->target_hz[k])
			continue;
		xo->target_hz[k] = t[k];
		if (ramp_samples < 1) {
			smooth_init(&xo->log2f[k], log2f(t[k]));
			xo->hz[k] = t[k];
			design(xo, k);
		} else {
			/* Long jumps glide longer (ramp per 2 octaves): the sum's all-pass phase
			 * at a frequency turns by up to 360 degrees while a crossover passes it,
			 * and turning that faster than the sections' time constants swells the
			 * level (measured: 20 kHz -> 20 Hz in 30 ms, 100 Hz sine, +6.8 dB; in
			 * 150 ms, +1.9 dB; a 1-2 octave move in 30 ms, < 0.1 dB). */
			float octaves = fabsf(log2f(t[k]) - xo->log2f[k].cur);
			int ramp = octaves > 2.0f ? (int)(ramp_samples * 0.5f * octaves) : ramp_samples;
			smooth_set(&xo->log2f[k], log2f(t[k]), ramp);
		}
	}
}

void crossover_advance(crossover *xo, unsigned k)
{
	int n = xo->bands - 1, moved = 0;
	float f[XO_MAX_SPLITS];
	for (int i = 0; i < n; i++) {
		if (smooth_active(&xo->log2f[i])) {
			float v = smooth_skip(&xo->log2f[i], (int)k);
			/* at the end of the glide use the target exactly, not exp2(log2(target)) */
			f[i] = smooth_active(&xo->log2f[i]) ? exp2f(v) : xo->target_hz[i];
			moved = 1;
		} else {
			f[i] = xo->hz[i];
		}
	}
	if (!moved)
		return;
	/* glides started at different times can cross: keep the current set ordered too */
	order_freqs(f, n, xo->fmax);
	for (int i = 0; i < n; i++)
		if (f[i] != xo->hz[i]) {
			xo->hz[i] = f[i];
			design(xo, i);
		}
}

/* ---- four float lanes (vec.h): GCC/Clang vector extension, SSE2 / NEON ----
 * Each lane does the operations of svf_tick/svf_allpass_run/crossover_split in the same
 * order, so each lane gives bit for bit what the one-channel path gives. */
typedef struct {
	v4sf a1, a2, a3, k;
} svf4_coef;

static inline svf4_coef coef4(const xo_svf_coef *c)
{
	svf4_coef v = { v4_set1(c->a1), v4_set1(c->a2), v4_set1(c->a3), v4_set1(c->k) };
	return v;
}

static inline v4sf svf_tick4(const svf4_coef *c, v4sf *ic1, v4sf *ic2, v4sf x, v4sf *v1)
{
	v4sf v3 = x - *ic2;
	v4sf b = c->a1 * *ic1 + c->a2 * v3;
	v4sf l = *ic2 + c->a2 * *ic1 + c->a3 * v3;
	*ic1 = 2 * b - *ic1;
	*ic2 = 2 * l - *ic2;
	*v1 = b;
	return l;
}

/* lanes {s0, s1, s2, s3} */
static inline void load4(const xo_svf_state *s0, const xo_svf_state *s1, const xo_svf_state *s2, const xo_svf_state *s3, v4sf *ic1,
                         v4sf *ic2)
{
	*ic1 = (v4sf){ s0->ic1, s1->ic1, s2->ic1, s3->ic1 };
	*ic2 = (v4sf){ s0->ic2, s1->ic2, s2->ic2, s3->ic2 };
}

static inline void store4(xo_svf_state *s0, xo_svf_state *s1, xo_svf_state *s2, xo_svf_state *s3, v4sf ic1, v4sf ic2)
{
	s0->ic1 = ic1[0], s0->ic2 = ic2[0];
	s1->ic1 = ic1[1], s1->ic2 = ic2[1];
	s2->ic1 = ic1[2], s2->ic2 = ic2[2];
	s3->ic1 = ic1[3], s3->ic2 = ic2[3];
}

/* All-pass of one split (nq sections) on up to four buffers at once, each with its own
 * states (st[lane][q]).  lanes 2: buffers 0 and 1 ride in lanes 2 and 3 as well, on
 * scratch state, and only lanes 0 and 1 are written back. */
static void allpass_lanes(const xo_svf_coef *c, int nq, xo_svf_state *const st[4], float *const x[4], int lanes, unsigned n)
{
	xo_svf_state dummy[XO_MAX_Q] = { 0 };
	xo_svf_state *s2 = lanes > 2 ? st[2] : dummy, *s3 = lanes > 2 ? st[3] : dummy;
	float *x0 = x[0], *x1 = x[1], *x2 = lanes > 2 ? x[2] : x[0], *x3 = lanes > 2 ? x[3] : x[1];
	for (int q = 0; q < nq; q++) {
		svf4_coef cv = coef4(&c[q]);
		v4sf ic1, ic2, two_k = 2 * cv.k;
		load4(&st[0][q], &st[1][q], &s2[q], &s3[q], &ic1, &ic2);
		if (lanes > 2)
			for (unsigned i = 0; i < n; i++) {
				v4sf v = { x0[i], x1[i], x2[i], x3[i] }, b;
				svf_tick4(&cv, &ic1, &ic2, v, &b);
				v4sf y = v - two_k * b;
				x0[i] = y[0], x1[i] = y[1], x2[i] = y[2], x3[i] = y[3];
			}
		else
			for (unsigned i = 0; i < n; i++) {
				v4sf v = { x0[i], x1[i], x0[i], x1[i] }, b;
				svf_tick4(&cv, &ic1, &ic2, v, &b);
				v4sf y = v - two_k * b;
				x0[i] = y[0], x1[i] = y[1];
			}
		store4(&st[0][q], &st[1][q], &s2[q], &s3[q], ic1, ic2);
	}
}

/* The per-sample loop of one split on one channel; ns a constant at each call (2 = LR4,
 * 4 = LR8) so that the sections unroll and every state stays in a register.  Lanes after the
 * first section: {low, high, ap, -}.  With with_ap, lane 2 carries the buffer ap through the
 * split's all-pass AP(f) at the same time, one all-pass section per section of the branches
 * (their coefficients are the same): LR4 section 1 = AP(c0); LR8 sections 1, 2 = AP(c1),
 * AP(c0), section 3 passes it through.  Its states are a1/a2 lane 2 of each stage.
 * With with_cmp (LR4 only), lane 3 carries the buffer cmp through AP(f) the same way: the
 * phase compensation of the band just below this split. */
static inline __attribute__((always_inline)) void split1_run(const xo_svf_coef *c0, const svf4_coef *cv, xo_svf_state *f, v4sf *s1,
                                                             v4sf *s2, float *rest, float *lo, float *ap, float *cmp, unsigned n,
                                                             const int ns, const int with_ap, const int with_cmp)
{
	xo_svf_state fs = *f;
	v4sf a1[XO_MAX_STAGES], a2[XO_MAX_STAGES];
	for (int st = 1; st < ns; st++)
		a1[st] = s1[st], a2[st] = s2[st];
	for (unsigned i = 0; i < n; i++) {
		float x1 = rest[i], b, l;
		svf_tick(c0, &fs, x1, &b, &l);
		float h = x1 - c0->k * b - l, m = with_ap ? ap[i] : l;
		v4sf v = { l, h, m, with_cmp ? cmp[i] : with_ap ? m : h }, b4;
		/* the Butterworth filter twice: sections 0, (1,) 0, (1) */
		for (int st = 1; st < ns; st++) {
			v4sf l4 = svf_tick4(&cv[st], &a1[st], &a2[st], v, &b4);
			if (with_ap || with_cmp) {
				v4sf t = __builtin_shufflevector(l4, v - cv[st].k * b4 - l4, 0, 5, 2, 3);
				v4sf y = (ns == 2 || st < 3) ? v - 2 * cv[st].k * b4 : v;
				v = __builtin_shufflevector(t, y, 0, 1, 6, 7);
			} else {
				v = __builtin_shufflevector(l4, v - cv[st].k * b4 - l4, 0, 5, 2, 7);
			}
		}
		lo[i] = v[0];
		rest[i] = v[1];
		if (with_ap)
			ap[i] = v[2];
		if (with_cmp)
			cmp[i] = v[3];
	}
	*f = fs;
	for (int st = 1; st < ns; st++)
		s1[st] = a1[st], s2[st] = a2[st];
}

/* The same for both channels: lanes {low0, low1, high0, high1}. */
static inline __attribute__((always_inline)) void split2_run(const svf4_coef *c, v4sf *f1p, v4sf *f2p, v4sf *s1, v4sf *s2, float *rest0,
                                                             float *rest1, float *lo0, float *lo1, unsigned n, const int ns)
{
	v4sf f1 = *f1p, f2 = *f2p, a1[XO_MAX_STAGES], a2[XO_MAX_STAGES];
	for (int st = 1; st < ns; st++)
		a1[st] = s1[st], a2[st] = s2[st];
	for (unsigned i = 0; i < n; i++) {
		v4sf x = { rest0[i], rest1[i], rest0[i], rest1[i] }, b;
		v4sf l = svf_tick4(&c[0], &f1, &f2, x, &b);
		v4sf v = __builtin_shufflevector(l, x - c[0].k * b - l, 0, 1, 6, 7);
		for (int st = 1; st < ns; st++) {
			l = svf_tick4(&c[st], &a1[st], &a2[st], v, &b);
			v = __builtin_shufflevector(l, v - c[st].k * b - l, 0, 1, 6, 7);
		}
		lo0[i] = v[0], lo1[i] = v[1], rest0[i] = v[2], rest1[i] = v[3];
	}
	*f1p = f1, *f2p = f2;
	for (int st = 1; st < ns; st++)
		s1[st] = a1[st], s2[st] = a2[st];
}

/* One channel.  The first section is shared by the low and the high branch; then each
 * branch runs through the Butterworth sections again (low: LP outputs, high: HP outputs).
 * With ap, that buffer goes through the all-pass of each split on the way (lane 2). */
static inline __attribute__((always_inline)) void split_one(crossover *xo, int ch, const float *x, float *const band[], float *ap,
                                                            unsigned n, const int with_ap)
{
	int nb = xo->bands;
	if (nb == 1) {
		if (band[0] != x)
			memcpy(band[0], x, n * sizeof(float));
		return;
	}
	/* "rest" (what is above the splits done so far) lives in the top band's buffer;
	 * after the last split it is the top band. */
	float *rest = band[nb - 1];
	if (rest != x)
		memcpy(rest, x, n * sizeof(float));
	int nq = xo->nq, ns = 2 * nq;
	for (int k = 0; k < nb - 1; k++) {
		float *lo = band[k];
		const xo_svf_coef *c = xo->coef[k];
		xo_svf_state *sl = xo->lo[ch][k], *sh = xo->hi[ch][k], *sa = xo->ap[ch][k], scratch = { 0, 0 };
		/* LR4: the band just below rides in lane 3 through this split's all-pass AP(f_k)
		 * (its phase compensation); the bands below that get AP(f_k) after the loop.  A
		 * band meets AP(f_1), AP(f_2), ... in that order either way. */
		int cmp = nq == 1 && k > 0;
		xo_svf_state *scmp = cmp ? &xo->comp[ch][k - 1][k][0] : &scratch;
		/* lanes {low, high, all-pass, compensation}; the all-pass lane of stage st is section
		 * st % nq (LR8: stage 3 passes it through, on scratch state) */
		svf4_coef cv[XO_MAX_STAGES];
		v4sf s1[XO_MAX_STAGES], s2[XO_MAX_STAGES];
		for (int st = 1; st < ns; st++) {
			xo_svf_state *sap = with_ap && (ns == 2 || st < 3) ? &sa[st % nq] : &scratch;
			cv[st] = coef4(&c[st % nq]);
			load4(&sl[st - 1], &sh[st - 1], sap, ns == 2 ? scmp : &scratch, &s1[st], &s2[st]);
		}
		if (ns == 2 && cmp)
			split1_run(&c[0], cv, &xo->first[ch][k], s1, s2, rest, lo, ap, band[k - 1], n, 2, with_ap, 1);
		else if (ns == 2)
			split1_run(&c[0], cv, &xo->first[ch][k], s1, s2, rest, lo, ap, NULL, n, 2, with_ap, 0);
		else
			split1_run(&c[0], cv, &xo->first[ch][k], s1, s2, rest, lo, ap, NULL, n, 4, with_ap, 0);
		for (int st = 1; st < ns; st++) {
			xo_svf_state *sap = with_ap && (ns == 2 || st < 3) ? &sa[st % nq] : &scratch;
			store4(&sl[st - 1], &sh[st - 1], sap, ns == 2 ? scmp : &scratch, s1[st], s2[st]);
		}
		/* phase compensation: the bands below split k (but the one that rode along) go through AP(f_k) */
		for (int j = 0; j < k - cmp; j++)
			svf_allpass_run(xo->coef[k], xo->comp[ch][j][k], nq, band[j], n);
	}
}

void crossover_split(crossover *xo, int ch, const float *x, float *const band[], unsigned n)
{
	split_one(xo, ch, x, band, NULL, n, 0);
}

void crossover_split_allpass(crossover *xo, int ch, const float *x, float *const band[], float *ap, unsigned n)
{
	split_one(xo, ch, x, band, ap, n, 1);
}

/* Both channels: lanes {low 0, low 1, high 0, high 1} after each split's first section,
 * which runs on {x0, x1, x0, x1} (lanes 2 and 3 repeat lanes 0 and 1: one instruction
 * either way, and the vector needs no rebuilding).  Then the phase compensation, split by
 * split: AP(f_j) on the low bands of both channels below it (up to four lanes); a band
 * meets its all-passes in the same order as in crossover_split. */
#if LATHE_HAVE_AVX2_PATH
/* LR4 on CPUs with AVX2 (chosen per call by xo->wide, set from lathe_cpu_avx2() at init):
 * each split's first section runs on eight lanes {x0, x1, x0, x1, c0, c1, c2, c3}, where
 * c0/c1 are the low band just below (band k-1, both channels) and c2/c3 the one below that
 * (band k-2), taken through this split's all-pass AP(f_k) (their phase compensation; with
 * LR4 it is one section with the split's coefficients).  That replaces the separate
 * compensation passes (allpass_lanes), whose one recursion per pass waited on its own
 * latency.  A band meets AP(f_1), AP(f_2), ... in that order, and every lane does the
 * operations of split2_run/allpass_lanes: bit for bit the same output. */
AVX2_INLINE void split2_lr4_wide_run(const xo_svf_coef *c, v8sf *f1p, v8sf *f2p, v4sf *p1p, v4sf *p2p, float *rest0, float *rest1,
                                     float *lo0, float *lo1, float *const cb[4], unsigned n, const int nc)
{
	const v8sf a1 = v8_set1(c->a1), a2 = v8_set1(c->a2), a3 = v8_set1(c->a3), k8 = v8_set1(c->k), two_k = 2 * k8;
	const svf4_coef c4 = coef4(c);
	v8sf f1 = *f1p, f2 = *f2p;
	v4sf p1 = *p1p, p2 = *p2p;
	float *q0 = cb[0], *q1 = cb[1], *q2 = cb[2], *q3 = cb[3];
	for (unsigned i = 0; i < n; i++) {
		float r0 = rest0[i], r1 = rest1[i];
		v8sf x = { r0, r1, r0, r1, nc > 0 ? q0[i] : 0, nc > 0 ? q1[i] : 0, nc > 1 ? q2[i] : 0, nc > 1 ? q3[i] : 0 };
		/* svf_tick4's operations on eight lanes */
		v8sf v3 = x - f2;
		v8sf b = a1 * f1 + a2 * v3;
		v8sf l = f2 + a2 * f1 + a3 * v3;
		f1 = 2 * b - f1;
		f2 = 2 * l - f2;
		v8sf h = x - k8 * b - l;
		v4sf v = __builtin_shufflevector(l, h, 0, 1, 10, 11), b4;
		v4sf l4 = svf_tick4(&c4, &p1, &p2, v, &b4);
		v = __builtin_shufflevector(l4, v - c4.k * b4 - l4, 0, 1, 6, 7);
		lo0[i] = v[0], lo1[i] = v[1], rest0[i] = v[2], rest1[i] = v[3];
		if (nc > 0) {
			v8sf y = x - two_k * b;
			q0[i] = y[4], q1[i] = y[5];
			if (nc > 1)
				q2[i] = y[6], q3[i] = y[7];
		}
	}
	*f1p = f1, *f2p = f2, *p1p = p1, *p2p = p2;
}

__attribute__((target("avx2"))) static void split2_lr4_wide(crossover *xo, float *const band0[], float *const band1[], unsigned n)
{
	int nb = xo->bands;
	float *rest0 = band0[nb - 1], *rest1 = band1[nb - 1];
	for (int k = 0; k < nb - 1; k++) {
		xo_svf_state zero = { 0, 0 }, scratch;
		int nc = k < 2 ? k : 2;
		xo_svf_state *s0 = nc > 0 ? &xo->comp[0][k - 1][k][0] : &zero, *s1 = nc > 0 ? &xo->comp[1][k - 1][k][0] : &zero;
		xo_svf_state *s2 = nc > 1 ? &xo->comp[0][k - 2][k][0] : &zero, *s3 = nc > 1 ? &xo->comp[1][k - 2][k][0] : &zero;
		const xo_svf_state *fa = &xo->first[0][k], *fb = &xo->first[1][k];
		v8sf f1 = { fa->ic1, fb->ic1, fa->ic1, fb->ic1, s0->ic1, s1->ic1, s2->ic1, s3->ic1 };
		v8sf f2 = { fa->ic2, fb->ic2, fa->ic2, fb->ic2, s0->ic2, s1->ic2, s2->ic2, s3->ic2 };
		v4sf p1, p2;
		load4(&xo->lo[0][k][0], &xo->lo[1][k][0], &xo->hi[0][k][0], &xo->hi[1][k][0], &p1, &p2);
		float *const cb[4] = { nc > 0 ? band0[k - 1] : NULL, nc > 0 ? band1[k - 1] : NULL, nc > 1 ? band0[k - 2] : NULL,
		                       nc > 1 ? band1[k - 2] : NULL };
		if (nc == 0)
			split2_lr4_wide_run(&xo->coef[k][0], &f1, &f2, &p1, &p2, rest0, rest1, band0[k], band1[k], cb, n, 0);
		else if (nc == 1)
			split2_lr4_wide_run(&xo->coef[k][0], &f1, &f2, &p1, &p2, rest0, rest1, band0[k], band1[k], cb, n, 1);
		else
			split2_lr4_wide_run(&xo->coef[k][0], &f1, &f2, &p1, &p2, rest0, rest1, band0[k], band1[k], cb, n, 2);
		xo->first[0][k] = (xo_svf_state){ f1[0], f2[0] };
		xo->first[1][k] = (xo_svf_state){ f1[1], f2[1] };
		if (nc > 0)
			*s0 = (xo_svf_state){ f1[4], f2[4] }, *s1 = (xo_svf_state){ f1[5], f2[5] };
		if (nc > 1)
			*s2 = (xo_svf_state){ f1[6], f2[6] }, *s3 = (xo_svf_state){ f1[7], f2[7] };
		store4(&xo->lo[0][k][0], &xo->lo[1][k][0], &xo->hi[0][k][0], &xo->hi[1][k][0], p1, p2);
		(void)scratch;
	}
}
#endif

void crossover_split2(crossover *xo, const float *x0, const float *x1, float *const band0[], float *const band1[], unsigned n)
{
	int nb = xo->bands;
	if (nb == 1) {
		if (band0[0] != x0)
			memcpy(band0[0], x0, n * sizeof(float));
		if (band1[0] != x1)
			memcpy(band1[0], x1, n * sizeof(float));
		return;
	}
	float *rest0 = band0[nb - 1], *rest1 = band1[nb - 1];
	if (rest0 != x0)
		memcpy(rest0, x0, n * sizeof(float));
	if (rest1 != x1)
		memcpy(rest1, x1, n * sizeof(float));
	int nq = xo->nq, ns = 2 * nq;
#if LATHE_HAVE_AVX2_PATH
	if (nq == 1 && xo->wide) {
		split2_lr4_wide(xo, band0, band1, n);
		return;
	}
#endif
	for (int k = 0; k < nb - 1; k++) {
		float *lo0 = band0[k], *lo1 = band1[k];
		svf4_coef c[XO_MAX_STAGES];
		for (int st = 0; st < ns; st++)
			c[st] = coef4(&xo->coef[k][st % nq]);
		v4sf f1, f2, s1[XO_MAX_STAGES], s2[XO_MAX_STAGES];
		load4(&xo->first[0][k], &xo->first[1][k], &xo->first[0][k], &xo->first[1][k], &f1, &f2);
		for (int st = 1; st < ns; st++)
			load4(&xo->lo[0][k][st - 1], &xo->lo[1][k][st - 1], &xo->hi[0][k][st - 1], &xo->hi[1][k][st - 1], &s1[st], &s2[st]);
		if (ns == 2)   /* LR4 (the multiband) */
			split2_run(c, &f1, &f2, s1, s2, rest0, rest1, lo0, lo1, n, 2);
		else
			split2_run(c, &f1, &f2, s1, s2, rest0, rest1, lo0, lo1, n, 4);
		xo_svf_state scratch;
		store4(&xo->first[0][k], &xo->first[1][k], &scratch, &scratch, f1, f2);
		for (int st = 1; st < ns; st++)
			store4(&xo->lo[0][k][st - 1], &xo->lo[1][k][st - 1], &xo->hi[0][k][st - 1], &xo->hi[1][k][st - 1], s1[st], s2[st]);
	}
	/* AP(f_j) for the bands below split j (j >= 1), in increasing j: two bands x two channels per pass */
	for (int j = 1; j < nb - 1; j++)
		for (int k0 = 0; k0 < j; k0 += 2) {
			int two = k0 + 1 < j;
			xo_svf_state *const st[4] = { xo->comp[0][k0][j], xo->comp[1][k0][j], two ? xo->comp[0][k0 + 1][j] : NULL,
			                              two ? xo->comp[1][k0 + 1][j] : NULL };
			float *const bx[4] = { band0[k0], band1[k0], two ? band0[k0 + 1] : NULL, two ? band1[k0 + 1] : NULL };
			allpass_lanes(xo->coef[j], nq, st, bx, two ? 4 : 2, n);
		}
}

void crossover_allpass(crossover *xo, int ch, float *x, unsigned n)
{
	for (int k = 0; k < xo->bands - 1; k++)
		svf_allpass_run(xo->coef[k], xo->ap[ch][k], xo->nq, x, n);
}

/* Channel 0 and channel 1 halves of one state array, `count` sections each. */
static void remix(xo_svf_state *s0, xo_svf_state *s1, size_t count, double a, double b, double c, double d)
{
	for (size_t i = 0; i < count; i++) {
		xo_svf_state u = s0[i], v = s1[i];
		s0[i].ic1 = (float)(a * u.ic1 + b * v.ic1);
		s0[i].ic2 = (float)(a * u.ic2 + b * v.ic2);
		s1[i].ic1 = (float)(c * u.ic1 + d * v.ic1);
		s1[i].ic2 = (float)(c * u.ic2 + d * v.ic2);
	}
}

#define REMIX(arr) remix((xo_svf_state *)xo->arr[0], (xo_svf_state *)xo->arr[1], sizeof xo->arr[0] / sizeof(xo_svf_state), a, b, c, d)

void crossover_remix_state(crossover *xo, double a, double b, double c, double d)
{
	REMIX(first);
	REMIX(lo);
	REMIX(hi);
	REMIX(comp);
	REMIX(ap);
}
