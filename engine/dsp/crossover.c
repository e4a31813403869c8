/* lathe — Linkwitz-Riley crossover; see crossover.h for the structure and its sources. */
#include "crossover.h"

#include <math.h>
#include <string.h>

/* Butterworth sections (1/Q) of each half branch: LR4 squares B2, LR8 squares B4. */
static const double butterworth_k[2][XO_MAX_Q] = {
	{ 1.4142135623730951, 0 },                 /* B2: Q = 0.70711 */
	{ 1.8477590650225735, 0.76536686473017954 }, /* B4: Q = 0.54120, 1.30656 (1/Q = 2 cos(pi/8), 2 cos(3 pi/8)) */
};

/* One SVF step (Simper 2013): v1 = band pass, v2 = low pass; then
 *   low = v2,  high = x - k v1 - v2,  all pass = x - 2 k v1. */
static inline void svf_tick(const xo_svf_coef *c, xo_svf_state *s, double x, double *v1, double *v2)
{
	double v3 = x - s->ic2;
	double b = c->a1 * s->ic1 + c->a2 * v3;
	double l = s->ic2 + c->a2 * s->ic1 + c->a3 * v3;
	s->ic1 = 2 * b - s->ic1;
	s->ic2 = 2 * l - s->ic2;
	*v1 = b;
	*v2 = l;
}

/* The split's all-pass (product of its sections' all-passes) over a buffer in place. */
static void svf_allpass_run(const xo_svf_coef *c, xo_svf_state *s, int nq, float *x, unsigned n)
{
	for (int q = 0; q < nq; q++)
		for (unsigned i = 0; i < n; i++) {
			double v1, v2;
			svf_tick(&c[q], &s[q], x[i], &v1, &v2);
			x[i] = (float)(x[i] - 2 * c[q].k * v1);
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
		c->k = butterworth_k[xo->nq - 1][q];
		c->a1 = 1 / (1 + g * (g + c->k));
		c->a2 = g * c->a1;
		c->a3 = g * c->a2;
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

/* ---- both channels at once: channel 0 and 1 in the two lanes of a vector ----
 * Same arithmetic, operation for operation, as svf_tick/svf_allpass_run/crossover_split
 * (each lane gives bit for bit what the one-channel path gives), but the two channels'
 * recursions share each instruction (SSE2 / NEON double lanes; GCC/Clang vector
 * extension, as in eq.c).  Half the instructions of two one-channel passes. */
typedef double v2d __attribute__((vector_size(16)));

typedef struct {
	v2d a1, a2, a3, k;
} svf2_coef;

static inline v2d dup2(double x) { return (v2d){ x, x }; }

static inline svf2_coef coef2(const xo_svf_coef *c)
{
	svf2_coef v = { dup2(c->a1), dup2(c->a2), dup2(c->a3), dup2(c->k) };
	return v;
}

static inline v2d svf_tick2(const svf2_coef *c, v2d *ic1, v2d *ic2, v2d x, v2d *v1)
{
	v2d v3 = x - *ic2;
	v2d b = c->a1 * *ic1 + c->a2 * v3;
	v2d l = *ic2 + c->a2 * *ic1 + c->a3 * v3;
	*ic1 = 2 * b - *ic1;
	*ic2 = 2 * l - *ic2;
	*v1 = b;
	return l;
}

static inline void load2(const xo_svf_state *s0, const xo_svf_state *s1, v2d *ic1, v2d *ic2)
{
	*ic1 = (v2d){ s0->ic1, s1->ic1 };
	*ic2 = (v2d){ s0->ic2, s1->ic2 };
}

static inline void store2(xo_svf_state *s0, xo_svf_state *s1, v2d ic1, v2d ic2)
{
	s0->ic1 = ic1[0];
	s0->ic2 = ic2[0];
	s1->ic1 = ic1[1];
	s1->ic2 = ic2[1];
}

static void svf_allpass_run2(const xo_svf_coef *c, xo_svf_state *s0, xo_svf_state *s1, int nq, float *x0, float *x1, unsigned n)
{
	for (int q = 0; q < nq; q++) {
		svf2_coef cv = coef2(&c[q]);
		v2d ic1, ic2, two_k = 2 * cv.k;
		load2(&s0[q], &s1[q], &ic1, &ic2);
		for (unsigned i = 0; i < n; i++) {
			v2d x = { x0[i], x1[i] }, b;
			svf_tick2(&cv, &ic1, &ic2, x, &b);
			v2d y = x - two_k * b;
			x0[i] = (float)y[0];
			x1[i] = (float)y[1];
		}
		store2(&s0[q], &s1[q], ic1, ic2);
	}
}

/* One channel.  After the first section (shared by the low and the high branch) the low and
 * the high branch run through sections with the same coefficients: they share one vector,
 * low in lane 0, high in lane 1 (same arithmetic per lane as svf_tick, bit for bit). */
void crossover_split(crossover *xo, int ch, const float *x, float *const band[], unsigned n)
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
		xo_svf_state *s1 = &xo->first[ch][k], *sl = xo->lo[ch][k], *sh = xo->hi[ch][k];
		svf2_coef cv[XO_MAX_STAGES];
		v2d ic1[XO_MAX_STAGES], ic2[XO_MAX_STAGES];
		for (int st = 1; st < ns; st++) {
			cv[st] = coef2(&c[st % nq]);
			load2(&sl[st - 1], &sh[st - 1], &ic1[st], &ic2[st]);
		}
		xo_svf_state f = *s1;
		for (unsigned i = 0; i < n; i++) {
			double x1 = rest[i], b, l;
			svf_tick(&c[0], &f, x1, &b, &l);
			v2d v = { l, x1 - c[0].k * b - l };   /* low, high */
			/* the Butterworth filter twice: sections 0, (1,) 0, (1) */
			for (int st = 1; st < ns; st++) {
				v2d b2, l2 = svf_tick2(&cv[st], &ic1[st], &ic2[st], v, &b2);
				v2d h2 = v - cv[st].k * b2 - l2;
				v = __builtin_shufflevector(l2, h2, 0, 3);
			}
			lo[i] = (float)v[0];
			rest[i] = (float)v[1];
		}
		*s1 = f;
		for (int st = 1; st < ns; st++)
			store2(&sl[st - 1], &sh[st - 1], ic1[st], ic2[st]);
		/* phase compensation: the other branches go through the splits above k */
		for (int j = k + 1; j < nb - 1; j++)
			svf_allpass_run(xo->coef[j], xo->comp[ch][k][j], nq, lo, n);
	}
}

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
	for (int k = 0; k < nb - 1; k++) {
		float *lo0 = band0[k], *lo1 = band1[k];
		svf2_coef c[XO_MAX_STAGES];
		for (int st = 0; st < ns; st++)
			c[st] = coef2(&xo->coef[k][st % nq]);
		v2d f1, f2, l1[XO_MAX_STAGES], l2[XO_MAX_STAGES], h1[XO_MAX_STAGES], h2[XO_MAX_STAGES];
		load2(&xo->first[0][k], &xo->first[1][k], &f1, &f2);
		for (int st = 1; st < ns; st++) {
			load2(&xo->lo[0][k][st - 1], &xo->lo[1][k][st - 1], &l1[st], &l2[st]);
			load2(&xo->hi[0][k][st - 1], &xo->hi[1][k][st - 1], &h1[st], &h2[st]);
		}
		if (ns == 2) {   /* LR4 (the multiband): the same steps with every state in a register */
			v2d pl1 = l1[1], pl2 = l2[1], ph1 = h1[1], ph2 = h2[1];
			for (unsigned i = 0; i < n; i++) {
				v2d x = { rest0[i], rest1[i] }, b;
				v2d l = svf_tick2(&c[0], &f1, &f2, x, &b);
				v2d lo_v = l, hi_v = x - c[0].k * b - l;
				lo_v = svf_tick2(&c[1], &pl1, &pl2, lo_v, &b);
				l = svf_tick2(&c[1], &ph1, &ph2, hi_v, &b);
				hi_v = hi_v - c[1].k * b - l;
				lo0[i] = (float)lo_v[0];
				lo1[i] = (float)lo_v[1];
				rest0[i] = (float)hi_v[0];
				rest1[i] = (float)hi_v[1];
			}
			l1[1] = pl1, l2[1] = pl2, h1[1] = ph1, h2[1] = ph2;
		} else {
			for (unsigned i = 0; i < n; i++) {
				v2d x = { rest0[i], rest1[i] }, b;
				v2d l = svf_tick2(&c[0], &f1, &f2, x, &b);
				v2d lo_v = l, hi_v = x - c[0].k * b - l;
				for (int st = 1; st < ns; st++) {
					lo_v = svf_tick2(&c[st], &l1[st], &l2[st], lo_v, &b);
					l = svf_tick2(&c[st], &h1[st], &h2[st], hi_v, &b);
					hi_v = hi_v - c[st].k * b - l;
				}
				lo0[i] = (float)lo_v[0];
				lo1[i] = (float)lo_v[1];
				rest0[i] = (float)hi_v[0];
				rest1[i] = (float)hi_v[1];
			}
		}
		store2(&xo->first[0][k], &xo->first[1][k], f1, f2);
		for (int st = 1; st < ns; st++) {
			store2(&xo->lo[0][k][st - 1], &xo->lo[1][k][st - 1], l1[st], l2[st]);
			store2(&xo->hi[0][k][st - 1], &xo->hi[1][k][st - 1], h1[st], h2[st]);
		}
		for (int j = k + 1; j < nb - 1; j++)
			svf_allpass_run2(xo->coef[j], xo->comp[0][k][j], xo->comp[1][k][j], nq, lo0, lo1, n);
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
		s0[i].ic1 = a * u.ic1 + b * v.ic1;
		s0[i].ic2 = a * u.ic2 + b * v.ic2;
		s1[i].ic1 = c * u.ic1 + d * v.ic1;
		s1[i].ic2 = c * u.ic2 + d * v.ic2;
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
