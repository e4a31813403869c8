/* lathe — the detector and gain computer of one dynamic EQ band (see eq_dynamic.h). */
#include "eq_dynamic.h"

#include <math.h>
#include <string.h>

void eq_dyn_reset(eq_dyn *d)
{
	memset(d->st, 0, sizeof d->st);
	d->yprev[0] = d->yprev[1] = 0;
	d->env_db = EQ_DYN_FLOOR_DB;
	d->delta_db = 0;
}

/* RBJ cookbook band-pass with 0 dB peak gain (bilinear, the centre exactly at
 * w0): b = (alpha, 0, -alpha) / (1 + alpha), a = (-2 cos w0, 1 - alpha) / (1 + alpha),
 * alpha = sin(w0) / (2 q). */
void eq_dyn_tune(eq_dyn *d, double f, double q, double fs)
{
	if (f == d->f && q == d->q && fs == d->fs)
		return;
	d->f = f;
	d->q = q;
	d->fs = fs;
	if (f > 0.45 * fs)
		f = 0.45 * fs;
	if (f < 1)
		f = 1;
	if (q < 0.01)
		q = 0.01;
	double w0 = 2 * M_PI * f / fs, sw = sin(w0), alpha = sw / (2 * q), a0 = 1 + alpha;
	d->bp.b0 = alpha / a0;
	d->bp.b1 = 0;
	d->bp.b2 = -alpha / a0;
	d->bp.a1 = -2 * cos(w0) / a0;
	d->bp.a2 = (1 - alpha) / a0;
	double sh = sin(0.5 * w0);
	d->s2h = sh * sh;
	d->inv_sin2 = 1 / (sw * sw);
}

void eq_dyn_to_domain(eq_dyn *d, int ms)
{
	if (d->ms == ms)
		return;
	/* to M/S: M = (L + R) / 2, S = (L - R) / 2; back: L = M + S, R = M - S */
	double h = ms ? 0.5 : 1.0;
	biquad_state a = d->st[0], c = d->st[1];
	d->st[0].s1 = h * (a.s1 + c.s1);
	d->st[0].s2 = h * (a.s2 + c.s2);
	d->st[1].s1 = h * (a.s1 - c.s1);
	d->st[1].s2 = h * (a.s2 - c.s2);
	double y0 = d->yprev[0], y1 = d->yprev[1];
	d->yprev[0] = h * (y0 + y1);
	d->yprev[1] = h * (y0 - y1);
	d->ms = ms;
}

/* The envelope of a band-passed signal from two consecutive outputs: for
 * y[n] = A sin(t), y[n-1] = A sin(t - w0),
 *   y[n]^2 + y[n-1]^2 - 2 cos(w0) y[n] y[n-1] = A^2 sin^2(w0)
 * (sin^2 a + sin^2 b - 2 cos(a - b) sin a sin b = sin^2(a - b)), the same at
 * every sample: a steady tone at the band frequency gives a constant
 * level, without the 2 f ripple of a squared signal, so the gain it sets does
 * not modulate (no zipper).  The left side is (y - y')^2 + 4 sin^2(w0/2) y y',
 * which keeps its precision for low w0, and is never negative (it equals
 * (y - y' cos w0)^2 + (y' sin w0)^2). */
double eq_dyn_detect(eq_dyn *d, const float *x0, const float *x1, unsigned n, int ms)
{
	const biquad_coef *c = &d->bp;
	const float *x[2] = { x0, x1 };
	int nch = x1 ? 2 : 1;
	double e[2] = { 0, 0 }, ya[2] = { d->yprev[0], d->yprev[1] };
	biquad_state st[2] = { d->st[0], d->st[1] };
	for (unsigned i = 0; i < n; i++) {
		double y[2] = { 0, 0 };
		for (int ch = 0; ch < nch; ch++) {
			double in = x[ch][i];
			y[ch] = c->b0 * in + st[ch].s1;
			st[ch].s1 = c->b1 * in - c->a1 * y[ch] + st[ch].s2;
			st[ch].s2 = c->b2 * in - c->a2 * y[ch];
		}
		double u[2] = { y[0], y[1] }, up[2] = { ya[0], ya[1] };
		if (nch > 1 && ms) { /* the louder of L = M + S and R = M - S */
			u[0] = y[0] + y[1];
			u[1] = y[0] - y[1];
			up[0] = ya[0] + ya[1];
			up[1] = ya[0] - ya[1];
		}
		for (int ch = 0; ch < nch; ch++) {
			double dd = u[ch] - up[ch];
			e[ch] += dd * dd + 4 * d->s2h * u[ch] * up[ch];
		}
		ya[0] = y[0];
		ya[1] = y[1];
	}
	for (int ch = 0; ch < nch; ch++) {
		d->st[ch] = st[ch];
		d->yprev[ch] = ya[ch];
	}
	double em = (e[0] > e[1] ? e[0] : e[1]) * d->inv_sin2 / (n ? n : 1);
	const double floor = 1e-14; /* EQ_DYN_FLOOR_DB as power */
	return em > floor ? 10 * log10(em) : EQ_DYN_FLOOR_DB;
}

double eq_dyn_curve(double x, double t, double ratio)
{
	double w = EQ_DYN_KNEE_DB, k = 1 - 1 / (ratio > 1 ? ratio : 1), o = x - t;
	if (2 * o <= -w)
		return 0;
	if (2 * o >= w)
		return k * o;
	double u = o + 0.5 * w;
	return k * u * u / (2 * w);
}

double eq_dyn_step(eq_dyn *d, double level_db, double threshold_db, double ratio, double range_db,
                   double attack_ms, double release_ms, unsigned n, double fs)
{
	double ms = level_db > d->env_db ? attack_ms : release_ms;
	/* a one-pole sampled every n samples: exactly exp(-t / tau) at the chunk boundaries */
	double a = exp(-(double)n / (0.001 * (ms > 0.01 ? ms : 0.01) * fs));
	d->env_db = level_db + a * (d->env_db - level_db);
	double m = eq_dyn_curve(d->env_db, threshold_db, ratio);
	double lim = fabs(range_db);
	if (m > lim)
		m = lim; /* the range holds exactly */
	d->delta_db = range_db < 0 ? -m : m;
	return d->delta_db;
}
