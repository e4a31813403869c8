/* lathe — Linkwitz-Riley crossover; see crossover.h for the structure and its sources. */
#include "crossover.h"

#include <math.h>
#include <string.h>

/* Butterworth Q of each of the two cascaded sections of an LR4 branch. */
#define LR_Q 0.70710678118654752

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

static void design(crossover *xo, int k)
{
	double f = xo->hz[k];
	biquad_lowpass(&xo->lp[k], f, LR_Q, xo->rate);
	biquad_highpass(&xo->hp[k], f, LR_Q, xo->rate);
	biquad_allpass(&xo->ap[k], f, LR_Q, xo->rate);
}

void crossover_reset(crossover *xo)
{
	memset(xo->lp_st, 0, sizeof xo->lp_st);
	memset(xo->hp_st, 0, sizeof xo->hp_st);
	memset(xo->comp_st, 0, sizeof xo->comp_st);
	memset(xo->ap_st, 0, sizeof xo->ap_st);
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

void crossover_init(crossover *xo, double rate, int bands, const float *hz)
{
	static const float defaults[XO_MAX_SPLITS] = { 120, 1000, 6000 };
	memset(xo, 0, sizeof *xo);
	xo->rate = rate;
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
			smooth_set(&xo->log2f[k], log2f(t[k]), ramp_samples);
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
	for (int k = 0; k < nb - 1; k++) {
		float *lo = band[k];
		memcpy(lo, rest, n * sizeof(float));
		biquad_run(&xo->lp[k], &xo->lp_st[ch][k][0], lo, n);
		biquad_run(&xo->lp[k], &xo->lp_st[ch][k][1], lo, n);
		biquad_run(&xo->hp[k], &xo->hp_st[ch][k][0], rest, n);
		biquad_run(&xo->hp[k], &xo->hp_st[ch][k][1], rest, n);
		/* phase compensation: the other branches go through the splits above k */
		for (int j = k + 1; j < nb - 1; j++)
			biquad_run(&xo->ap[j], &xo->comp_st[ch][k][j], lo, n);
	}
}

void crossover_allpass(crossover *xo, int ch, float *x, unsigned n)
{
	for (int k = 0; k < xo->bands - 1; k++)
		biquad_run(&xo->ap[k], &xo->ap_st[ch][k], x, n);
}

static void remix(biquad_state *s0, biquad_state *s1, double a, double b, double c, double d)
{
	biquad_state u = *s0, v = *s1;
	s0->s1 = a * u.s1 + b * v.s1;
	s0->s2 = a * u.s2 + b * v.s2;
	s1->s1 = c * u.s1 + d * v.s1;
	s1->s2 = c * u.s2 + d * v.s2;
}

void crossover_remix_state(crossover *xo, double a, double b, double c, double d)
{
	for (int k = 0; k < XO_MAX_SPLITS; k++) {
		for (int i = 0; i < 2; i++) {
			remix(&xo->lp_st[0][k][i], &xo->lp_st[1][k][i], a, b, c, d);
			remix(&xo->hp_st[0][k][i], &xo->hp_st[1][k][i], a, b, c, d);
		}
		for (int j = 0; j < XO_MAX_SPLITS; j++)
			remix(&xo->comp_st[0][k][j], &xo->comp_st[1][k][j], a, b, c, d);
		remix(&xo->ap_st[0][k], &xo->ap_st[1][k], a, b, c, d);
	}
}
