#include "biquad.h"
#include <math.h>

void biquad_run(const biquad_coef *c, biquad_state *s, float *x, unsigned n)
{
	double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
	double s1 = s->s1, s2 = s->s2;
	for (unsigned i = 0; i < n; i++) {
		double in = x[i];
		double y = b0 * in + s1;
		s1 = b1 * in - a1 * y + s2;
		s2 = b2 * in - a2 * y;
		x[i] = (float)y;
	}
	s->s1 = s1;
	s->s2 = s2;
}

void biquad_run2(const biquad_coef *c, biquad_state st[2], float *l, float *r, unsigned n)
{
	double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
	double l1 = st[0].s1, l2 = st[0].s2, r1 = st[1].s1, r2 = st[1].s2;
	for (unsigned i = 0; i < n; i++) {
		double xl = l[i], xr = r[i];
		double yl = b0 * xl + l1, yr = b0 * xr + r1;
		l1 = b1 * xl - a1 * yl + l2;
		r1 = b1 * xr - a1 * yr + r2;
		l2 = b2 * xl - a2 * yl;
		r2 = b2 * xr - a2 * yr;
		l[i] = (float)yl;
		r[i] = (float)yr;
	}
	st[0].s1 = l1;
	st[0].s2 = l2;
	st[1].s1 = r1;
	st[1].s2 = r2;
}

/* The EQ recomputes designs only every few samples; stepping the
 * coefficients there would leave a small step in the output at each update
 * (a zipper at fs/16); interpolating them removes it. */
void biquad_run_ramp(const biquad_coef *c0, const biquad_coef *c1, biquad_state *st, float *x, unsigned n)
{
	double inv = 1.0 / n;
	double db0 = (c1->b0 - c0->b0) * inv, db1 = (c1->b1 - c0->b1) * inv, db2 = (c1->b2 - c0->b2) * inv;
	double da1 = (c1->a1 - c0->a1) * inv, da2 = (c1->a2 - c0->a2) * inv;
	double b0 = c0->b0, b1 = c0->b1, b2 = c0->b2, a1 = c0->a1, a2 = c0->a2;
	double s1 = st->s1, s2 = st->s2;
	for (unsigned i = 0; i < n; i++) {
		b0 += db0;
		b1 += db1;
		b2 += db2;
		a1 += da1;
		a2 += da2;
		double in = x[i];
		double y = b0 * in + s1;
		s1 = b1 * in - a1 * y + s2;
		s2 = b2 * in - a2 * y;
		x[i] = (float)y;
	}
	st->s1 = s1;
	st->s2 = s2;
}

double biquad_mag(const biquad_coef *c, double f, double fs)
{
	double w = 2 * M_PI * f / fs;
	double cr = cos(w), ci = -sin(w), c2r = cos(2 * w), c2i = -sin(2 * w);
	double nr = c->b0 + c->b1 * cr + c->b2 * c2r, ni = c->b1 * ci + c->b2 * c2i;
	double dr = 1 + c->a1 * cr + c->a2 * c2r, di = c->a1 * ci + c->a2 * c2i;
	return sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

/* RBJ Audio EQ Cookbook: w0 = 2 pi f / fs, alpha = sin(w0) / (2 q). */
static void norm(biquad_coef *c, double b0, double b1, double b2, double a0, double a1, double a2)
{
	c->b0 = b0 / a0;
	c->b1 = b1 / a0;
	c->b2 = b2 / a0;
	c->a1 = a1 / a0;
	c->a2 = a2 / a0;
}

void biquad_lowpass(biquad_coef *c, double f, double q, double fs)
{
	double w = 2 * M_PI * f / fs, cw = cos(w), al = sin(w) / (2 * q);
	norm(c, (1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + al, -2 * cw, 1 - al);
}

void biquad_highpass(biquad_coef *c, double f, double q, double fs)
{
	double w = 2 * M_PI * f / fs, cw = cos(w), al = sin(w) / (2 * q);
	norm(c, (1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + al, -2 * cw, 1 - al);
}

void biquad_allpass(biquad_coef *c, double f, double q, double fs)
{
	double w = 2 * M_PI * f / fs, cw = cos(w), al = sin(w) / (2 * q);
	norm(c, 1 - al, -2 * cw, 1 + al, 1 + al, -2 * cw, 1 - al);
}

/* First order by bilinear transform with prewarping: K = tan(w0 / 2). */
void biquad_lowpass1(biquad_coef *c, double f, double fs)
{
	double k = tan(M_PI * f / fs);
	norm(c, k, k, 0, k + 1, k - 1, 0);
}

void biquad_highpass1(biquad_coef *c, double f, double fs)
{
	double k = tan(M_PI * f / fs);
	norm(c, 1, -1, 0, k + 1, k - 1, 0);
}
