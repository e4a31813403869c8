/* lathe — the 8-band analog-matched EQ.
 *
 * Every band is one analog prototype H(s) made digital by magnitude matching
 * (Martin Vicanek, "Matched Second Order Digital Filters", 2016): the poles
 * are the analog poles mapped by impulse invariance, z = exp(s T), which keeps
 * their frequency and damping exactly; the numerator is then chosen so that
 * |H(e^jw)|^2 equals the analog |H(jw)|^2 at chosen frequencies.  Unlike the
 * bilinear transform there is no frequency warping, so a bell at 16 kHz keeps
 * its analog width and shape right up to Nyquist ("no cramping").
 *
 * The magnitude of a second-order section is linear in three basis functions
 * of w (Vicanek eq. 8-10):
 *   phi1 = sin^2(w/2), phi0 = 1 - phi1, phi2 = 4 phi0 phi1,
 *   |A|^2 = A0 phi0 + A1 phi1 + A2 phi2,
 *   A0 = (1 + a1 + a2)^2, A1 = (1 - a1 + a2)^2, A2 = -4 a2,
 * and the same for the numerator with B0, B1, B2.  Choosing B0, B1, B2 fixes
 * |B|^2; the minimum-phase b0, b1, b2 follow in closed form (numerator_from_B).
 *
 * Prototypes (s normalised to the band frequency w0; A = 10^(gain/40), G = A^2):
 *   bell        (s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1)           RBJ cookbook analog form
 *   low shelf   A (s^2 + s sqrt(A)/Q + A) / (A s^2 + s sqrt(A)/Q + 1)
 *   high shelf  A (A s^2 + s sqrt(A)/Q + 1) / (s^2 + s sqrt(A)/Q + A)
 *   low cut     prod_k s^2 / (s^2 + s/Q_k + 1)     Butterworth order 2N, N = 1..4 sections,
 *   high cut    prod_k 1 / (s^2 + s/Q_k + 1)       Q_k = 1 / (2 sin((2k-1) pi / (4N)))
 *   notch       (s^2 + 1) / (s^2 + s/Q + 1)
 *   tilt        sqrt(G) (s + 1/sqrt(G)) / (s + sqrt(G))   first order: 0 dB at the pivot w0,
 *               -gain/2 dB far below, +gain/2 dB far above (the whole tilt spans `gain` dB)
 * Cuts ignore q and gain; notch ignores gain; tilt ignores q.
 *
 * Rate: below 88.2 kHz the bands run at twice the audio rate (oversample.c:
 * half-band up, sections designed for 2 fs, half-band down; flat within 0.001 dB
 * to 20 kHz).  A matched section can only follow its prototype while the
 * band's features stay well below its Nyquist; at 1x a 16 kHz notch or a 20 kHz
 * shelf was 2-5 dB off, at 2x every type stays within 0.25 dB to 20 kHz (the
 * fits also spend one condition on 20 kHz instead of the unheard Nyquist: fit6,
 * notch candidates).  Latency: the oversampler's round trip (73 frames at 44.1
 * and 48 kHz), 0 at 88.2/96 kHz.  When bypassed or no band acts the output is
 * the input delayed by that latency, bit for bit, with 10 ms crossfades; per
 * channel, so a left-only band leaves the right channel exact.
 *
 * Mid/side convention for the whole project:
 *   M = (L + R) / 2,  S = (L - R) / 2,  and back  L = M + S,  R = M - S.
 */
#include "eq.h"
#include "biquad.h"
#include "oversample.h"
#include "smooth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EQ_MAX_SECTIONS 4   /* 48 dB/oct = four second-order sections */
#define EQ_UPDATE_INTERVAL 16 /* samples between coefficient updates while a parameter glides */
#define EQ_FADE_MS 10.0f    /* bypass and band on/off/type-change crossfade */
#define EQ_PRIME_EXTRA 16   /* history beyond 2 x latency kept to prime the oversampler */

enum { DOM_LR, DOM_MS, DOM_ANY };

/* ---------------------------------------------------------------- design -- */

/* Impulse-invariant poles of the analog pair s^2 + s w0/q + w0^2 (Vicanek eq. 11-12):
 * a2 = exp(-2 zeta w0), a1 = -2 exp(-zeta w0) cos(sqrt(1 - zeta^2) w0), zeta = 1/(2q);
 * for zeta > 1 the poles are real and cos becomes cosh. */
static void matched_poles(double w0, double q, double *a1, double *a2)
{
	double zeta = 0.5 / q;
	double r = exp(-zeta * w0);
	if (zeta <= 1)
		*a1 = -2 * r * cos(sqrt(1 - zeta * zeta) * w0);
	else
		*a1 = -2 * r * cosh(sqrt(zeta * zeta - 1) * w0);
	*a2 = r * r;
}

typedef struct {
	double p0, p1, p2; /* phi0, phi1, phi2 at one frequency */
} phis;

static phis phis_at(double w)
{
	double s = sin(0.5 * w);
	phis f;
	f.p1 = s * s;
	f.p0 = 1 - f.p1;
	f.p2 = 4 * f.p0 * f.p1;
	return f;
}

/* Minimum-phase b0, b1, b2 whose |B|^2 has the coefficients B0, B1, B2
 * (Vicanek eq. 21-24): b0 + b1 + b2 = sqrt(B0), b0 - b1 + b2 = sqrt(B1), b0 b2 = -B2/4.
 * Negative intermediate values (only at extreme settings, from rounding) are clamped. */
static void numerator_from_B(biquad_coef *c, double B0, double B1, double B2)
{
	double s0 = sqrt(B0 > 0 ? B0 : 0), s1 = sqrt(B1 > 0 ? B1 : 0);
	double W = 0.5 * (s0 + s1);
	double d = W * W + B2;
	c->b0 = 0.5 * (W + sqrt(d > 0 ? d : 0));
	c->b1 = 0.5 * (s0 - s1);
	c->b2 = c->b0 > 0 ? -B2 / (4 * c->b0) : 0;
}

/* 1/H: the boost designs are the accurate ones (their peak is set by exactly
 * matched poles), a cut is the exact inverse of the boost (the RBJ bell and
 * shelves satisfy H(-g) = 1/H(g)), so cuts get the same accuracy. */
static void invert(biquad_coef *c)
{
	double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
	c->b0 = 1 / b0;
	c->b1 = a1 / b0;
	c->b2 = a2 / b0;
	c->a1 = b1 / b0;
	c->a2 = b2 / b0;
}

/* Analog second-order magnitude squared: H(s) = (n2 s^2 + n1 s + n0) / (d2 s^2 + d1 s + d0) at s = jw. */
typedef struct {
	double n0, n1, n2, d0, d1, d2;
} analog2;

static double analog2_mag2(const analog2 *h, double w)
{
	double nr = h->n0 - h->n2 * w * w, ni = h->n1 * w;
	double dr = h->d0 - h->d2 * w * w, di = h->d1 * w;
	return (nr * nr + ni * ni) / (dr * dr + di * di);
}

/* Matched section for a general analog biquad: poles matched, |H| matched
 * exactly at DC, at Nyquist and at wm (the band frequency). */
static void matched_3point(biquad_coef *c, const analog2 *h, double wm)
{
	double wp = sqrt(h->d0 / h->d2), qp = sqrt(h->d0 * h->d2) / h->d1;
	matched_poles(wp, qp, &c->a1, &c->a2);
	double A0 = (1 + c->a1 + c->a2) * (1 + c->a1 + c->a2);
	double A1 = (1 - c->a1 + c->a2) * (1 - c->a1 + c->a2);
	double A2 = -4 * c->a2;
	phis f = phis_at(wm);
	double B0 = A0 * analog2_mag2(h, 0);
	double B1 = A1 * analog2_mag2(h, M_PI);
	double Am = A0 * f.p0 + A1 * f.p1 + A2 * f.p2;
	double B2 = (analog2_mag2(h, wm) * Am - B0 * f.p0 - B1 * f.p1) / f.p2;
	numerator_from_B(c, B0, B1, B2);
}

/* Bell with G >= 1 (Vicanek section 4, "peaking EQ"): poles of Q_p = Q sqrt(G);
 * |H| = 1 at DC, |H| = G at w0 and d|H|^2/dw = 0 at w0, so the peak sits exactly
 * on w0 with exactly the analog height; the Nyquist gain is left free. */
static void design_bell_boost(biquad_coef *c, double w0, double q, double G)
{
	matched_poles(w0, q * sqrt(G), &c->a1, &c->a2);
	double A0 = (1 + c->a1 + c->a2) * (1 + c->a1 + c->a2);
	double A1 = (1 - c->a1 + c->a2) * (1 - c->a1 + c->a2);
	double A2 = -4 * c->a2;
	phis f = phis_at(w0);
	double G2 = G * G;
	double R1 = (A0 * f.p0 + A1 * f.p1 + A2 * f.p2) * G2;   /* |B(w0)|^2 */
	double R2 = (-A0 + A1 + 4 * (f.p0 - f.p1) * A2) * G2;   /* d|B|^2/dphi1 at w0 */
	double B0 = A0;
	double B2 = (R1 - R2 * f.p1 - B0) / (4 * f.p1 * f.p1);
	double B1 = R2 + B0 + 4 * (f.p1 - f.p0) * B2;
	numerator_from_B(c, B0, B1, B2);
}

/* Butterworth high pass section, double zero at DC (so the slope below the
 * corner is the analog one), scaled to the analog |H(w0)| = Q (Vicanek eq. 38). */
static void design_highpass(biquad_coef *c, double w0, double q)
{
	matched_poles(w0, q, &c->a1, &c->a2);
	double A0 = (1 + c->a1 + c->a2) * (1 + c->a1 + c->a2);
	double A1 = (1 - c->a1 + c->a2) * (1 - c->a1 + c->a2);
	double A2 = -4 * c->a2;
	phis f = phis_at(w0);
	double b0 = q * sqrt(A0 * f.p0 + A1 * f.p1 + A2 * f.p2) / (4 * f.p1);
	c->b0 = b0;
	c->b1 = -2 * b0;
	c->b2 = b0;
}

/* Notch: zeros exactly on the unit circle at w0 (so the centre is a true null),
 * matched poles, gain 1 at DC.  The one free scale cannot also match Nyquist. */
static void design_notch(biquad_coef *c, double w0, double q)
{
	matched_poles(w0, q, &c->a1, &c->a2);
	double cw = cos(w0);
	double k = (1 + c->a1 + c->a2) / (2 - 2 * cw);
	c->b0 = k;
	c->b1 = -2 * cw * k;
	c->b2 = k;
}

/* First-order tilt: H(z) = (b0 + b1 z^-1) / (1 + a1 z^-1) with |H|^2 =
 * (B0 phi0 + B1 phi1) / ((1 + a1)^2 phi0 + (1 - a1)^2 phi1), matched exactly at
 * DC, Nyquist and the pivot (three conditions, three unknowns).  With h0, h1, hp
 * the analog |H|^2 there, the pivot condition is a quadratic in a1 whose two
 * roots are reciprocal (u^2 and u^0 coefficients are equal); the stable one is |a1| < 1. */
static void design_tilt(biquad_coef *c, double w0, double gain_db)
{
	double sg = pow(10, gain_db / 40); /* sqrt(G) */
	analog2 h = { 1, sg, 0, sg, 1, 0 }; /* sqrt(G) (s + w0/sqrt(G)) / (s + w0 sqrt(G)), w0 = 1 */
	double h0 = analog2_mag2(&h, 0);
	double h1 = analog2_mag2(&h, M_PI / w0);
	double hp = analog2_mag2(&h, 1); /* = 1 */
	double p = phis_at(w0).p1;
	double qa = h0 * (1 - p) + h1 * p - hp;
	double qb = 2 * h0 * (1 - p) - 2 * h1 * p - 2 * hp + 4 * hp * p;
	double u = 0;
	if (qa != 0) {
		double disc = qb * qb - 4 * qa * qa;
		double sq = sqrt(disc > 0 ? disc : 0);
		double qq = -0.5 * (qb + (qb >= 0 ? sq : -sq));
		u = qq != 0 ? qa / qq : 0; /* the root of smaller magnitude */
	}
	double B0 = h0 * (1 + u) * (1 + u), B1 = h1 * (1 - u) * (1 - u);
	c->b0 = 0.5 * (sqrt(B0) + sqrt(B1));
	c->b1 = 0.5 * (sqrt(B0) - sqrt(B1));
	c->b2 = 0;
	c->a1 = u;
	c->a2 = 0;
}


/* n x n linear solve (n <= 4; Gaussian elimination, partial pivoting; m is
 * n rows of n + 1, the last column the right-hand side); returns 0 if singular. */
static int solve_n(int n, double m[][5], double x[])
{
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(m[r][c]) > fabs(m[piv][c]))
				piv = r;
		if (fabs(m[piv][c]) < 1e-300)
			return 0;
		for (int k = 0; k <= n; k++) {
			double t = m[c][k];
			m[c][k] = m[piv][k];
			m[piv][k] = t;
		}
		for (int r = 0; r < n; r++) {
			if (r == c)
				continue;
			double f = m[r][c] / m[c][c];
			for (int k = c; k <= n; k++)
				m[r][k] -= f * m[c][k];
		}
	}
	for (int c = 0; c < n; c++)
		x[c] = m[c][n] / m[c][c];
	return 1;
}

/* Turn a fitted denominator |A|^2 = phi0 + A1 phi1 + A2 phi2 (A0 = 1) and
 * numerator (B0, B1, B2) into a normalised stable section.  Returns 0 when the
 * fit is not a valid magnitude (negative somewhere, or poles on the circle);
 * the caller then keeps its pole-matched design. */
static int finish_fit(biquad_coef *c, double A1, double A2, double B0, double B1, double B2)
{
	/* |A|^2 must stay positive on [0, pi]: a quadratic in phi1, check ends and vertex */
	double qa = -4 * A2, qb = A1 - 1 + 4 * A2; /* |A|^2 = 1 + qb phi1 + qa phi1^2 */
	if (A1 <= 0 || 1 + qb + qa <= 0)
		return 0;
	if (qa > 0 && qb < 0 && -qb < 2 * qa && 1 - qb * qb / (4 * qa) <= 0)
		return 0;
	if (B0 < 0 || B1 < 0)
		return 0;
	biquad_coef den;
	numerator_from_B(&den, 1, A1, A2);
	if (!(den.b0 > 0) || fabs(den.b2) >= 0.999999 * den.b0 || !isfinite(den.b1))
		return 0;
	biquad_coef num;
	numerator_from_B(&num, B0, B1, B2);
	double k = 1 / den.b0;
	c->b0 = num.b0 * k;
	c->b1 = num.b1 * k;
	c->b2 = num.b2 * k;
	c->a1 = den.b1 * k;
	c->a2 = den.b2 * k;
	return isfinite(c->b0) && isfinite(c->b1) && isfinite(c->b2) && isfinite(c->a1) && isfinite(c->a2);
}

/* Magnitude fit with free poles: |H|^2 = (B . phi) / (A . phi) is linear in the
 * six coefficients, so matching the analog |H|^2 at DC, Nyquist and three
 * interior frequencies w[] is a linear problem (A0 = 1 fixes the scale; DC gives
 * B0 = h(0), Nyquist B1 = h(pi) A1; the interior points give a 3x3 system in
 * A1, A2, B2).  Where a prototype's poles or zeros lie near or beyond Nyquist
 * (shelves, cuts, wide bells above ~8 kHz) impulse-invariant poles cannot follow
 * it, while this fit spends its freedom on the audible band. */
static int fit5(biquad_coef *c, const analog2 *h, const double w[3])
{
	double h0 = analog2_mag2(h, 0), hpi = analog2_mag2(h, M_PI);
	double m[3][5], x[3];
	for (int i = 0; i < 3; i++) {
		phis f = phis_at(w[i]);
		double hi = analog2_mag2(h, w[i]);
		/* hi (phi0 + A1 phi1 + A2 phi2) = h0 phi0 + hpi A1 phi1 + B2 phi2 */
		m[i][0] = (hi - hpi) * f.p1;
		m[i][1] = hi * f.p2;
		m[i][2] = -f.p2;
		m[i][3] = (h0 - hi) * f.p0;
	}
	if (!solve_n(3, m, x))
		return 0;
	return finish_fit(c, x[0], x[1], h0, hpi * x[0], x[2]);
}

/* Magnitude fit matched at DC and four interior frequencies w[] (Nyquist left
 * free): unknowns A1, A2, B1, B2 (A0 = 1, B0 = h(0)), a 4x4 linear system.
 * When the EQ runs at twice the audio rate, everything between 20 kHz and the
 * internal Nyquist is never heard (the down-sampler removes it), so spending
 * the Nyquist condition on a point near 20 kHz instead follows prototypes that
 * still rise there (shelves with their poles above 10 kHz) much more closely. */
static int fit6(biquad_coef *c, const analog2 *h, const double w[4])
{
	double h0 = analog2_mag2(h, 0);
	double m[4][5], x[4];
	for (int i = 0; i < 4; i++) {
		phis f = phis_at(w[i]);
		double hi = analog2_mag2(h, w[i]);
		/* hi (phi0 + A1 phi1 + A2 phi2) = h0 phi0 + B1 phi1 + B2 phi2 */
		m[i][0] = hi * f.p1;
		m[i][1] = hi * f.p2;
		m[i][2] = -f.p1;
		m[i][3] = -f.p2;
		m[i][4] = (h0 - hi) * f.p0;
	}
	if (!solve_n(4, m, x))
		return 0;
	return finish_fit(c, x[0], x[1], h0, x[2], x[3]);
}

/* Same with a fixed numerator shape N (zeros fixed: the double zero at DC of a
 * high pass, the zeros on the circle of a notch) scaled by K: unknowns A1, A2, K,
 * matched at three frequencies w[]. */
static int fit_fixed_zeros(biquad_coef *c, const analog2 *h, double N0, double N1, double N2, const double w[3])
{
	double m[3][5], x[3];
	for (int i = 0; i < 3; i++) {
		phis f = phis_at(w[i]);
		double hi = analog2_mag2(h, w[i]);
		/* hi (phi0 + A1 phi1 + A2 phi2) = K (N0 phi0 + N1 phi1 + N2 phi2) */
		m[i][0] = hi * f.p1;
		m[i][1] = hi * f.p2;
		m[i][2] = -(N0 * f.p0 + N1 * f.p1 + N2 * f.p2);
		m[i][3] = -hi * f.p0;
	}
	if (!solve_n(3, m, x) || !(x[2] > 0))
		return 0;
	return finish_fit(c, x[0], x[1], x[2] * N0, x[2] * N1, x[2] * N2);
}

/* Interior fit points: w0 itself (the band is exact there) and one on each side,
 * `ratio` apart, the upper one kept below Nyquist. */
static void fit_points(double w[3], double w0, double ratio)
{
	w[0] = w0 / ratio;
	w[1] = w0;
	w[2] = w0 * ratio;
	if (w[2] > 0.5 * (w0 + M_PI))
		w[2] = 0.5 * (w0 + M_PI);
}

/* A prototype written with s normalised to w0, re-expressed in rad/sample: s -> s / w0. */
static analog2 analog2_at(double n0, double n1, double n2, double d0, double d1, double d2, double w0)
{
	analog2 h = { n0, n1 / w0, n2 / (w0 * w0), d0, d1 / w0, d2 / (w0 * w0) };
	return h;
}

/* Q of section k (0-based) of a Butterworth filter of order 2 * sections. */
static double butterworth_q(int sections, int k)
{
	return 1 / (2 * sin((2 * k + 1) * M_PI / (4 * sections)));
}

/* Where candidate designs are compared: EQ_PROBES log-spaced frequencies over
 * the audible band (20 Hz .. 20 kHz, or 0.45 fs at lower rates). */
#define EQ_PROBES 24
typedef struct {
	phis at[EQ_PROBES];
	double w[EQ_PROBES];
	double wtop; /* the highest probe (20 kHz, or 0.45 fs), rad/sample */
} probe_table;

static void probe_table_init(probe_table *pt, double fs)
{
	double top = 20000 < 0.45 * fs ? 20000 : 0.45 * fs;
	for (int i = 0; i < EQ_PROBES; i++) {
		double f = 20 * pow(top / 20, i / (double)(EQ_PROBES - 1));
		pt->w[i] = 2 * M_PI * f / fs;
		pt->at[i] = phis_at(pt->w[i]);
	}
	pt->wtop = pt->w[EQ_PROBES - 1];
}

/* Worst ratio (>= 1) between the section's |H|^2 and the analog one over the
 * probes; both floored at -60 dB, where a difference is inaudible. */
static double probe_error(const biquad_coef *c, const analog2 *h, const probe_table *pt)
{
	double B0 = (c->b0 + c->b1 + c->b2) * (c->b0 + c->b1 + c->b2);
	double B1 = (c->b0 - c->b1 + c->b2) * (c->b0 - c->b1 + c->b2);
	double B2 = -4 * c->b0 * c->b2;
	double A0 = (1 + c->a1 + c->a2) * (1 + c->a1 + c->a2);
	double A1 = (1 - c->a1 + c->a2) * (1 - c->a1 + c->a2);
	double A2 = -4 * c->a2;
	double worst = 1;
	for (int i = 0; i < EQ_PROBES; i++) {
		const phis *f = &pt->at[i];
		double num = B0 * f->p0 + B1 * f->p1 + B2 * f->p2, den = A0 * f->p0 + A1 * f->p1 + A2 * f->p2;
		double d = den > 0 ? num / den : 1e30, a = analog2_mag2(h, pt->w[i]);
		d = d > 1e-6 ? d : 1e-6;
		a = a > 1e-6 ? a : 1e-6;
		double r = d > a ? d / a : a / d;
		if (!(r < worst * 1e300))
			return 1e300;
		worst = r > worst ? r : worst;
	}
	return worst;
}

/* Keep the candidate that follows the prototype best over the probes. */
static void keep_better(biquad_coef *best, double *best_err, const biquad_coef *cand, const analog2 *h,
                        const probe_table *pt)
{
	double e = probe_error(cand, h, pt);
	if (e < *best_err) {
		*best = *cand;
		*best_err = e;
	}
}

/* The fit6 candidates: w0 and points around it, with the last one on the top
 * probe (20 kHz) so the fit holds up to the end of the audible band. */
static void try_fit6(biquad_coef *best, double *err, const analog2 *h, double w0, const probe_table *pt)
{
	double wt = pt->wtop, w[4];
	biquad_coef cand;
	if (w0 < 0.75 * wt) {
		static const double ratios[] = { 1.25, 1.5, 2, 3 };
		for (int i = 0; i < 4; i++) {
			double up = w0 * ratios[i];
			if (up > 0.5 * (w0 + wt))
				up = 0.5 * (w0 + wt);
			w[0] = w0 / ratios[i];
			w[1] = w0;
			w[2] = up;
			w[3] = wt;
			if (fit6(&cand, h, w))
				keep_better(best, err, &cand, h, pt);
		}
	} else {
		static const double ratios[] = { 1.25, 1.5, 2 };
		for (int i = 0; i < 3; i++) {
			double r = ratios[i];
			w[0] = w0 / (r * r);
			w[1] = w0 / r;
			w[2] = w0;
			w[3] = w0 < 0.97 * wt ? wt : 0.5 * (w0 + M_PI);
			if (fit6(&cand, h, w))
				keep_better(best, err, &cand, h, pt);
		}
	}
}

/* Half-gain band edges of an RBJ bell (or the -3 dB edges of a notch) relative to
 * w0: Omega = sqrt(1 + 1/(4 Q^2)) -+ 1/(2 Q), geometric mirror images. */
static void edge_points(double w[3], double w0, double q)
{
	double k = 0.5 / q, r = sqrt(1 + k * k) + k;
	fit_points(w, w0, r);
}

/* All sections of one band; returns how many (0 = the band is exactly identity,
 * which is how bands at 0 dB are skipped bit-transparently).
 * Each section has two or three candidate designs, all exact at w0: Vicanek's
 * pole-matched one (best for resonant, low-frequency sections, where the poles
 * alone set the shape) and the free-pole magnitude fits (best where the
 * prototype reaches up to or past Nyquist); the one closest to the analog
 * magnitude over the probe frequencies is used. */
static int design_band(biquad_coef sec[EQ_MAX_SECTIONS], int type, double f, double gain_db, double q,
                       int slope, double fs, const probe_table *pt)
{
	if (f > 0.499 * fs) /* above Nyquist (22 kHz at 32 kHz) the band sits at the edge */
		f = 0.499 * fs;
	if (f < 1)
		f = 1;
	if (q < 0.01)
		q = 0.01;
	double w0 = 2 * M_PI * f / fs;
	double g = fabs(gain_db);
	int cut = gain_db < 0;
	double w[3], err = 1e301;
	biquad_coef cand;
	switch (type) {
	case EQ_BELL: {
		if (gain_db == 0)
			return 0;
		double G = pow(10, g / 20), A = sqrt(G);
		analog2 h = analog2_at(1, A / q, 1, 1, 1 / (A * q), 1, w0);
		design_bell_boost(&sec[0], w0, q, G);
		err = probe_error(&sec[0], &h, pt);
		matched_3point(&cand, &h, w0);
		keep_better(&sec[0], &err, &cand, &h, pt);
		edge_points(w, w0, q);
		if (fit5(&cand, &h, w))
			keep_better(&sec[0], &err, &cand, &h, pt);
		static const double ratios[] = { 1.5, 2, 3 };
		for (int i = 0; i < 3; i++) {
			fit_points(w, w0, ratios[i]);
			if (fit5(&cand, &h, w))
				keep_better(&sec[0], &err, &cand, &h, pt);
		}
		break;
	}
	case EQ_LOW_SHELF:
	case EQ_HIGH_SHELF: {
		if (gain_db == 0)
			return 0;
		analog2 h;
		if (type == EQ_LOW_SHELF) { /* the boost: poles at w0/sqrt(A), below w0 */
			double A = pow(10, g / 40), sa = sqrt(A);
			h = analog2_at(A * A, A * sa / q, A, 1, sa / q, A, w0);
		} else { /* the CUT (A < 1): poles at sqrt(A) w0, below w0 */
			double A = pow(10, -g / 40), sa = sqrt(A);
			h = analog2_at(A, A * sa / q, A * A, A, sa / q, 1, w0);
			cut = !cut;
		}
		matched_3point(&sec[0], &h, w0);
		err = probe_error(&sec[0], &h, pt);
		static const double ratios[] = { 1.25, 1.5, 2, 3, 4 };
		for (int i = 0; i < 5; i++) {
			fit_points(w, w0, ratios[i]);
			if (fit5(&cand, &h, w))
				keep_better(&sec[0], &err, &cand, &h, pt);
		}
		try_fit6(&sec[0], &err, &h, w0, pt);
		break;
	}
	case EQ_LOW_CUT: {
		int n = slope < 0 ? 1 : slope > 3 ? 4 : slope + 1;
		for (int k = 0; k < n; k++) { /* low Q first: less internal gain */
			double qk = butterworth_q(n, n - 1 - k);
			analog2 h = analog2_at(0, 0, 1, 1, 1 / qk, 1, w0);
			design_highpass(&sec[k], w0, qk);
			err = probe_error(&sec[k], &h, pt);
			fit_points(w, w0, 2);
			if (fit_fixed_zeros(&cand, &h, 0, 16, -4, w)) /* (1 - z^-1)^2 */
				keep_better(&sec[k], &err, &cand, &h, pt);
		}
		return n;
	}
	case EQ_HIGH_CUT: {
		int n = slope < 0 ? 1 : slope > 3 ? 4 : slope + 1;
		for (int k = 0; k < n; k++) {
			analog2 h = analog2_at(1, 0, 0, 1, 1 / butterworth_q(n, n - 1 - k), 1, w0);
			matched_3point(&sec[k], &h, w0);
			err = probe_error(&sec[k], &h, pt);
			static const double ratios[] = { 1.25, 1.5, 2, 3, 4 };
			for (int i = 0; i < 5; i++) {
				fit_points(w, w0, ratios[i]);
				if (fit5(&cand, &h, w))
					keep_better(&sec[k], &err, &cand, &h, pt);
			}
		}
		return n;
	}
	case EQ_NOTCH: {
		double c = cos(w0);
		analog2 h = analog2_at(1, 0, 1, 1, 1 / q, 1, w0);
		design_notch(&sec[0], w0, q);
		err = probe_error(&sec[0], &h, pt);
		double ww[3];
		edge_points(ww, w0, q);
		w[0] = ww[0]; /* the null itself cannot be a fit point: both edges and one above */
		w[1] = ww[2];
		w[2] = 0.5 * (ww[2] + M_PI);
		if (fit_fixed_zeros(&cand, &h, (2 - 2 * c) * (2 - 2 * c), (2 + 2 * c) * (2 + 2 * c), -4, w))
			keep_better(&sec[0], &err, &cand, &h, pt);
		/* wide notches high up: the last point on the top probe (20 kHz), see fit6 */
		static const double ratios[] = { 1.5, 2, 4, 8 };
		for (int i = 0; i < 4; i++) {
			double wt = pt->wtop;
			w[0] = w0 / ratios[i];
			w[1] = w0 * ratios[i] < wt ? w0 * ratios[i] : w0 < 0.97 * wt ? 0.5 * (w0 + wt) : w0 / sqrt(ratios[i]);
			w[2] = w0 < 0.97 * wt ? wt : 0.5 * (w0 + M_PI);
			if (fit_fixed_zeros(&cand, &h, (2 - 2 * c) * (2 - 2 * c), (2 + 2 * c) * (2 + 2 * c), -4, w))
				keep_better(&sec[0], &err, &cand, &h, pt);
		}
		return 1;
	}
	case EQ_TILT: {
		if (gain_db == 0)
			return 0;
		double sg = pow(10, gain_db / 40);
		analog2 h = analog2_at(1, sg, 0, sg, 1, 0, w0);
		design_tilt(&sec[0], w0, gain_db);
		err = probe_error(&sec[0], &h, pt);
		fit_points(w, w0, 2);
		if (fit5(&cand, &h, w))
			keep_better(&sec[0], &err, &cand, &h, pt);
		return 1;
	}
	default:
		return 0;
	}
	if (cut)
		invert(&sec[0]);
	return 1;
}

/* ---------------------------------------------------------------- the module -- */

typedef struct {
	/* applied discrete settings (what the sections implement) */
	int type, slope, channel;
	/* discrete settings asked for; differing from the applied ones means the band
	 * is ducking (mix gliding to 0) so the switch happens while it is silent */
	int want_type, want_slope, want_channel;
	int want_on;            /* !band bypass */
	smooth oct_freq;        /* frequency, smoothed in octaves so sweeps sound even */
	smooth gain_db;         /* gain in dB (linear in dB = even loudness glide) */
	smooth oct_q;           /* Q, smoothed in octaves */
	smooth mix;             /* 0 = band out, 1 = band in; per-sample crossfade */
	int dirty;              /* coefficients must be recomputed at the next chunk */
	int nsec;               /* sections in use; 0 = identity, the band is skipped */
	int idle;               /* state did not follow the signal: clear it before the next use */
	int st_domain;          /* DOM_LR or DOM_MS: the basis a stereo band's state is in */
	int jump;               /* next design applies at once (after a switch while silent) */
	biquad_coef sec[EQ_MAX_SECTIONS];    /* coefficients in effect (at the end of the last chunk) */
	biquad_coef tgt[EQ_MAX_SECTIONS];    /* during a glide: coefficients at the end of this chunk */
	int nrun;               /* sections to run in this chunk (max of before/after a glide step) */
	int interp;             /* this chunk moves sec -> tgt linearly, sample by sample */
	biquad_state st[EQ_MAX_SECTIONS][2]; /* [section][0 = L or M, 1 = R or S] */
} eq_band;

struct eq {
	double rate;         /* the audio rate */
	int factor;          /* 2 below 88.2 kHz (the bands run at 2 rate), else 1 */
	double irate;        /* rate * factor: where the sections are designed and run */
	unsigned max_block;  /* audio-rate frames per call */
	unsigned lat;        /* oversampler round trip, audio-rate frames (0 at factor 1) */
	int interval;        /* internal samples between coefficient updates while gliding */
	int ramp_samples;    /* glide time of freq/gain/q (the registry's smooth_ms), internal samples */
	int fade_samples;    /* band on/off/type-change crossfade, internal samples */
	int out_fade;        /* wet/dry crossfade at the output, audio-rate samples */
	smooth mix[2];       /* output crossfade per channel, audio rate: 0 = delayed input, 1 = the bands */
	int running[2];      /* the wet path (oversampler, bands) ran for this channel in the last block */
	unsigned warm[2];    /* after a resume: audio-rate samples the wet path runs unheard first */
	int fresh;           /* no update yet: the first parameters apply at once, without glides */
	eq_band band[EQ_BANDS];
	probe_table probes;  /* where candidate designs are compared, for irate */
	oversample *os[2];   /* L and R (factor 2 only): up, bands, down */
	float *work[2];      /* L/R at irate, factor * max_block each */
	float *hist[2];      /* input history (hist_len) followed by the block: the delay line of the dry path */
	unsigned hist_len;   /* 2 lat + EQ_PRIME_EXTRA: enough past input to prime the oversampler */
	float *dry[2];       /* the delayed input of this block, max_block each */
	float *band_dry[2];  /* input copy of one band during its crossfade, factor * max_block */
	struct cascade_op_s *ops; /* EQ_BANDS * EQ_MAX_SECTIONS: the steady path's section list */
	void *lanes_buf;     /* factor * max_block v2d: the steady path's L/R samples between section groups */
};

/* Internal rate: below 88.2 kHz the sections run at twice the audio rate.
 * Matched sections follow their analog prototype closely only while the band's
 * features stay well below Nyquist; at 2x, 20 kHz sits at 0.23 of the internal
 * rate (0.45 pi rad/sample), where every design below stays within 0.25 dB
 * (measured by tests/unit/test_eq.c); at 88.2 and 96 kHz it already does at 1x. */
static int eq_factor(double rate) { return rate < 88000 ? 2 : 1; }

static void *ops_alloc(void);

static float *alloc_touched(unsigned n)
{
	float *p = calloc(n ? n : 1, sizeof(float));
	if (p)
		memset(p, 0, (n ? n : 1) * sizeof(float));
	return p;
}

eq *eq_new(double rate, unsigned max_block)
{
	if (max_block == 0)
		return NULL;
	eq *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	s->rate = rate;
	s->factor = eq_factor(rate);
	s->irate = rate * s->factor;
	s->max_block = max_block;
	s->interval = EQ_UPDATE_INTERVAL * s->factor;
	const param_info *pi = param_info_get(P_EQ_FREQ);
	s->ramp_samples = smooth_samples(pi && pi->smooth_ms > 0 ? pi->smooth_ms : 30, s->irate);
	s->fade_samples = smooth_samples(EQ_FADE_MS, s->irate);
	s->out_fade = smooth_samples(EQ_FADE_MS, rate);
	unsigned nw = max_block * (unsigned)s->factor;
	int ok = 1;
	for (int c = 0; c < 2; c++) {
		if (s->factor > 1) {
			s->os[c] = oversample_new(s->factor, max_block);
			ok = ok && s->os[c];
		}
	}
	if (ok && s->factor > 1)
		s->lat = oversample_latency(s->os[0]);
	s->hist_len = s->factor > 1 ? 2 * s->lat + EQ_PRIME_EXTRA : 0;
	for (int c = 0; c < 2 && ok; c++) {
		s->work[c] = alloc_touched(nw);
		s->hist[c] = alloc_touched(s->hist_len + max_block);
		s->dry[c] = alloc_touched(max_block);
		s->band_dry[c] = alloc_touched(nw);
		ok = s->work[c] && s->hist[c] && s->dry[c] && s->band_dry[c];
	}
	if (ok)
		ok = (s->ops = ops_alloc()) != NULL;
	if (ok) {   /* calloc: 16-byte aligned, and touched here, not in the RT thread */
		s->lanes_buf = calloc(nw, 2 * sizeof(double));
		ok = s->lanes_buf != NULL;
		if (ok)
			memset(s->lanes_buf, 0, nw * 2 * sizeof(double));
	}
	if (!ok) {
		eq_free(s);
		return NULL;
	}
	/* touch the oversampler's buffers too (they are calloc'ed; run them once) */
	if (s->factor > 1)
		for (int c = 0; c < 2; c++) {
			oversample_up(s->os[c], s->dry[c], s->work[c], max_block);
			oversample_down(s->os[c], s->work[c], s->dry[c], max_block);
			oversample_reset(s->os[c]);
			memset(s->work[c], 0, nw * sizeof(float));
			memset(s->dry[c], 0, max_block * sizeof(float));
		}
	smooth_init(&s->mix[0], 0);
	smooth_init(&s->mix[1], 0);
	s->fresh = 1;
	probe_table_init(&s->probes, s->irate);
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		const param_info *fi = param_info_get(P_EQ_FREQ + b), *qi = param_info_get(P_EQ_Q + b);
		bd->type = bd->want_type = EQ_BELL;
		bd->want_on = 1;
		smooth_init(&bd->oct_freq, log2f(fi ? fi->def : 1000));
		smooth_init(&bd->gain_db, 0);
		smooth_init(&bd->oct_q, log2f(qi ? qi->def : 0.707f));
		smooth_init(&bd->mix, 1);
		bd->dirty = 1;
		bd->idle = 1;
	}
	return s;
}

void eq_free(eq *s)
{
	if (!s)
		return;
	for (int c = 0; c < 2; c++) {
		oversample_free(s->os[c]);
		free(s->work[c]);
		free(s->hist[c]);
		free(s->dry[c]);
		free(s->band_dry[c]);
	}
	free(s->ops);
	free(s->lanes_buf);
	free(s);
}

/* Constant: the oversampler's round trip at factor 2, 0 at factor 1; the dry
 * path (neutral or bypassed) is delayed by the same amount. */
unsigned eq_latency(const eq *s) { return s->lat; }

void eq_reset(eq *s)
{
	for (int b = 0; b < EQ_BANDS; b++)
		s->band[b].idle = 1;
	/* the wet path restarts (primed from the history) at the next block */
	s->running[0] = s->running[1] = 0;
	for (int c = 0; c < 2; c++)
		memset(s->hist[c], 0, (s->hist_len + s->max_block) * sizeof(float));
}

static void apply_discrete(eq_band *bd)
{
	bd->type = bd->want_type;
	bd->slope = bd->want_slope;
	bd->channel = bd->want_channel;
	bd->dirty = 1;
	bd->idle = 1;
	bd->jump = 1;
}

/* Does this band change the signal at its target settings (or on its way there)?
 * Bells, shelves and tilt at 0 dB are exactly identity (design_band gives no section). */
static int band_audible(const eq_band *bd)
{
	if (smooth_active(&bd->mix) || smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) ||
	    smooth_active(&bd->oct_q))
		return 1;
	if (!bd->want_on)
		return 0;
	switch (bd->want_type) {
	case EQ_LOW_CUT:
	case EQ_HIGH_CUT:
	case EQ_NOTCH:
		return 1;
	default:
		return bd->gain_db.target != 0.0f;
	}
}

void eq_update(eq *s, const lathe_params *p)
{
	int on = !param_get_bool(p, P_EQ_BYPASS);
	/* fully out (bypassed or neutral), nothing is heard from the bands; and before
	 * the first block there is nothing to glide from: settings jump */
	int parked = s->fresh || (!smooth_active(&s->mix[0]) && s->mix[0].cur == 0.0f &&
	                          !smooth_active(&s->mix[1]) && s->mix[1].cur == 0.0f);
	int ramp = parked ? 0 : s->ramp_samples;
	int fade = parked ? 0 : s->fade_samples;
	int audible[2] = { 0, 0 };
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		float f = param_get(p, P_EQ_FREQ + b), q = param_get(p, P_EQ_Q + b);
		smooth_set(&bd->oct_freq, log2f(f > 1 ? f : 1), ramp);
		smooth_set(&bd->gain_db, param_get(p, P_EQ_GAIN + b), ramp);
		smooth_set(&bd->oct_q, log2f(q > 0.01f ? q : 0.01f), ramp);
		bd->want_type = param_get_int(p, P_EQ_TYPE + b);
		bd->want_slope = param_get_int(p, P_EQ_SLOPE + b);
		bd->want_channel = param_get_int(p, P_EQ_CHANNEL + b);
		bd->want_on = !param_get_bool(p, P_EQ_BAND_BYPASS + b);
		int change = bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel;
		if (change && (fade == 0 || (!smooth_active(&bd->mix) && bd->mix.cur == 0.0f))) {
			apply_discrete(bd); /* silent now: switch at once */
			change = 0;
		}
		smooth_set(&bd->mix, change ? 0.0f : (bd->want_on ? 1.0f : 0.0f), fade);
		if (band_audible(bd)) {
			/* a left (right) band, before and after a channel switch, leaves the
			 * other channel alone: that one stays on the exact dry path */
			int c0 = bd->channel, c1 = bd->want_channel;
			audible[0] |= c0 != CH_RIGHT || c1 != CH_RIGHT;
			audible[1] |= c0 != CH_LEFT || c1 != CH_LEFT;
		}
	}
	/* The output crossfades between the bands (wet) and the input delayed by the
	 * latency (dry).  Dry whenever bypassed or no band acts: then the signal
	 * passes bit-exact, without the oversampler's (tiny) passband ripple and the
	 * roll-off it has between 20 kHz and the audio Nyquist. */
	for (int c = 0; c < 2; c++)
		smooth_set(&s->mix[c], on && audible[c] ? 1.0f : 0.0f, s->fresh ? 0 : s->out_fade);
	s->fresh = 0;
}

/* M = (L + R) / 2, S = (L - R) / 2 (in place: l becomes M, r becomes S). */
static void to_ms(float *l, float *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		float m = 0.5f * (l[i] + r[i]), sd = 0.5f * (l[i] - r[i]);
		l[i] = m;
		r[i] = sd;
	}
}

/* L = M + S, R = M - S. */
static void to_lr(float *m, float *sd, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		float l = m[i] + sd[i], r = m[i] - sd[i];
		m[i] = l;
		sd[i] = r;
	}
}

/* A stereo band applies the same linear filter to both channels, so its state
 * transforms between L/R and M/S exactly like the signals do. */
static void state_to_domain(eq_band *bd, int dom)
{
	if (bd->st_domain == dom)
		return;
	for (int k = 0; k < EQ_MAX_SECTIONS; k++) {
		biquad_state *a = &bd->st[k][0], *c = &bd->st[k][1];
		double s1a = a->s1, s2a = a->s2, s1c = c->s1, s2c = c->s2;
		double h = dom == DOM_MS ? 0.5 : 1.0;
		a->s1 = h * (s1a + s1c);
		a->s2 = h * (s2a + s2c);
		c->s1 = h * (s1a - s1c);
		c->s2 = h * (s2a - s2c);
	}
	bd->st_domain = dom;
}

static int band_domain(int channel)
{
	switch (channel) {
	case CH_MID:
	case CH_SIDE:
		return DOM_MS;
	case CH_LEFT:
	case CH_RIGHT:
		return DOM_LR;
	default:
		return DOM_ANY;
	}
}

static int band_ramping(const eq_band *bd)
{
	return smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) || smooth_active(&bd->oct_q);
}


/* Run one band's sections on x0 (and x1 when both), crossfading with its input
 * while its mix glides.  Both channels share the mix ramp. */
static void band_run(eq *s, eq_band *bd, float *x0, float *x1, int ch0, unsigned n)
{
	int fading = smooth_active(&bd->mix) || bd->mix.cur != 1.0f;
	if (fading) {
		if (x0)
			memcpy(s->band_dry[0], x0, n * sizeof(float));
		if (x1)
			memcpy(s->band_dry[1], x1, n * sizeof(float));
	}
	for (int k = 0; k < bd->nrun; k++) {
		if (bd->interp) {
			biquad_run_ramp(&bd->sec[k], &bd->tgt[k], &bd->st[k][x1 ? 0 : ch0], x0, n);
			if (x1)
				biquad_run_ramp(&bd->sec[k], &bd->tgt[k], &bd->st[k][1], x1, n);
		} else if (x0 && x1) {
			biquad_run2(&bd->sec[k], bd->st[k], x0, x1, n);
		} else {
			biquad_run(&bd->sec[k], &bd->st[k][ch0], x0, n);
		}
	}
	if (!fading)
		return;
	for (unsigned i = 0; i < n; i++) {
		float m = smooth_next(&bd->mix);
		x0[i] = s->band_dry[0][i] + m * (x0[i] - s->band_dry[0][i]);
		if (x1)
			x1[i] = s->band_dry[1][i] + m * (x1[i] - s->band_dry[1][i]);
	}
}

/* One chunk over which every band's coefficients are constant. */
static void process_chunk(eq *s, float *l, float *r, unsigned n)
{
	int dom = DOM_LR;
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		/* the duck reached silence: switch type/slope/channel now */
		if (!smooth_active(&bd->mix) && bd->mix.cur == 0.0f &&
		    (bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel)) {
			apply_discrete(bd);
			smooth_set(&bd->mix, bd->want_on ? 1.0f : 0.0f, s->fade_samples);
		}
		int ramping = band_ramping(bd);
		bd->interp = 0;
		if (ramping || bd->dirty) {
			/* design for the values at the END of this chunk, glide there within it */
			smooth_skip(&bd->oct_freq, (int)n);
			smooth_skip(&bd->gain_db, (int)n);
			smooth_skip(&bd->oct_q, (int)n);
			int nt = design_band(bd->tgt, bd->type, exp2(bd->oct_freq.cur), bd->gain_db.cur, exp2(bd->oct_q.cur),
			                     bd->slope, s->irate, &s->probes);
			if (bd->jump || bd->idle) {
				memcpy(bd->sec, bd->tgt, sizeof bd->sec);
				bd->nsec = bd->nrun = nt;
				bd->idle = 1;
			} else {
				/* a band at 0 dB has no sections: glide from/to identity */
				for (int k = bd->nsec; k < nt; k++) {
					biquad_identity(&bd->sec[k]);
					memset(bd->st[k], 0, sizeof bd->st[k]);
				}
				for (int k = nt; k < bd->nsec; k++)
					biquad_identity(&bd->tgt[k]);
				bd->nrun = nt > bd->nsec ? nt : bd->nsec;
				bd->interp = 1;
				bd->nsec = nt;
			}
			bd->jump = 0;
			bd->dirty = smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) || smooth_active(&bd->oct_q);
		} else {
			bd->nrun = bd->nsec;
		}

		int silent = !smooth_active(&bd->mix) && bd->mix.cur == 0.0f;
		if (bd->nrun == 0 || silent) {
			smooth_skip(&bd->mix, (int)n);
			bd->idle = 1;
			if (bd->interp)
				memcpy(bd->sec, bd->tgt, sizeof bd->sec);
			bd->interp = 0;
			continue;
		}
		int need = band_domain(bd->channel);
		if (need != DOM_ANY && need != dom) {
			if (need == DOM_MS)
				to_ms(l, r, n);
			else
				to_lr(l, r, n);
			dom = need;
		}
		if (bd->idle) {
			memset(bd->st, 0, sizeof bd->st);
			bd->st_domain = dom;
			bd->idle = 0;
		}
		switch (bd->channel) {
		case CH_MID:
		case CH_LEFT:
			band_run(s, bd, l, NULL, 0, n);
			break;
		case CH_SIDE:
		case CH_RIGHT:
			band_run(s, bd, r, NULL, 1, n);
			break;
		default:
			state_to_domain(bd, dom);
			band_run(s, bd, l, r, 0, n);
			break;
		}
		if (bd->interp)
			memcpy(bd->sec, bd->tgt, sizeof bd->sec);
	}
	if (dom == DOM_MS)
		to_lr(l, r, n);
}

/* ---- steady state: all sections of all bands, sample by sample ----
 *
 * With nothing gliding or fading, every active section runs in one loop over
 * the samples, both channels in the two lanes of a vector (GCC/Clang vector
 * extension): a mono band (mid, side, left, right) has identity coefficients
 * in its other lane, which pass that lane exactly (y = 1 x + 0).  Running the
 * cascade per sample rather than per section lets the CPU overlap the sections'
 * recursions (each is a ~12-cycle dependency chain per sample, but they are
 * independent of each other), which section-by-section loops cannot. */
typedef double v2d __attribute__((vector_size(16)));

enum { PRE_NONE, PRE_TO_MS, PRE_TO_LR };

typedef struct cascade_op_s {
	v2d b0, b1, b2, a1, a2, s1, s2;
	int pre;            /* domain change before this section */
	biquad_state *st[2]; /* where the lanes' state lives in the band */
} cascade_op;

/* calloc: zeroed and touched; glibc's 16-byte alignment suits the vectors */
static void *ops_alloc(void)
{
	size_t n = EQ_BANDS * EQ_MAX_SECTIONS;
	cascade_op *o = calloc(n, sizeof *o);
	if (o)
		memset(o, 0, n * sizeof *o);
	return o;
}

static v2d lanes(double x0, double x1)
{
	v2d v = { x0, x1 };
	return v;
}

/* Can this chunk take the steady path?  Every band settled: no glide, no fade,
 * no pending switch, state already live (not idle). */
static int steady(const eq *s)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		const eq_band *bd = &s->band[b];
		if (band_ramping(bd) || bd->dirty || smooth_active(&bd->mix) ||
		    bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel)
			return 0;
		if (bd->nsec > 0 && bd->mix.cur != 0.0f && (bd->mix.cur != 1.0f || bd->idle))
			return 0;
	}
	return 1;
}

#define CASCADE_GROUP 4   /* sections per pass: 4 x 2 state vectors stay in SSE registers */

/* One TDF-II section step on both lanes (the per-section arithmetic of the steady path). */
#define SECTION_STEP(o, x, s1, s2)                         \
	do {                                                   \
		v2d y_ = (o)->b0 * (x) + (s1);                     \
		(s1) = (o)->b1 * (x) - (o)->a1 * y_ + (s2);        \
		(s2) = (o)->b2 * (x) - (o)->a2 * y_;               \
		(x) = y_;                                          \
	} while (0)

/* g (1..CASCADE_GROUP) consecutive sections over the block xb, in place. */
static void cascade_group(cascade_op *o, int g, v2d *xb, unsigned n)
{
	v2d p1 = o[0].s1, p2 = o[0].s2, q1 = { 0, 0 }, q2 = q1, r1 = q1, r2 = q1, t1 = q1, t2 = q1;
	switch (g) {
	case 1:
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			xb[i] = x;
		}
		break;
	case 2:
		q1 = o[1].s1, q2 = o[1].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			xb[i] = x;
		}
		break;
	case 3:
		q1 = o[1].s1, q2 = o[1].s2, r1 = o[2].s1, r2 = o[2].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			SECTION_STEP(&o[2], x, r1, r2);
			xb[i] = x;
		}
		break;
	default:
		q1 = o[1].s1, q2 = o[1].s2, r1 = o[2].s1, r2 = o[2].s2, t1 = o[3].s1, t2 = o[3].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			SECTION_STEP(&o[2], x, r1, r2);
			SECTION_STEP(&o[3], x, t1, t2);
			xb[i] = x;
		}
		break;
	}
	o[0].s1 = p1, o[0].s2 = p2;
	if (g > 1)
		o[1].s1 = q1, o[1].s2 = q2;
	if (g > 2)
		o[2].s1 = r1, o[2].s2 = r2;
	if (g > 3)
		o[3].s1 = t1, o[3].s2 = t2;
}

static void process_steady(eq *s, float *l, float *r, unsigned n)
{
	cascade_op *ops = s->ops;
	int nops = 0, dom = DOM_LR;
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		if (bd->nsec == 0 || bd->mix.cur == 0.0f)
			continue;
		int need = band_domain(bd->channel), pre = PRE_NONE;
		if (need != DOM_ANY && need != dom) {
			pre = need == DOM_MS ? PRE_TO_MS : PRE_TO_LR;
			dom = need;
		}
		if (need == DOM_ANY)
			state_to_domain(bd, dom);
		int lane = bd->channel == CH_SIDE || bd->channel == CH_RIGHT ? 1 : 0;
		int both = need == DOM_ANY;
		for (int k = 0; k < bd->nsec; k++) {
			cascade_op *o = &ops[nops++];
			const biquad_coef *c = &bd->sec[k];
			biquad_coef id;
			biquad_identity(&id);
			const biquad_coef *c0 = both || lane == 0 ? c : &id, *c1 = both || lane == 1 ? c : &id;
			o->b0 = lanes(c0->b0, c1->b0);
			o->b1 = lanes(c0->b1, c1->b1);
			o->b2 = lanes(c0->b2, c1->b2);
			o->a1 = lanes(c0->a1, c1->a1);
			o->a2 = lanes(c0->a2, c1->a2);
			/* a mono band keeps its state in st[k][its channel]; the identity lane's is 0 */
			o->st[0] = both || lane == 0 ? &bd->st[k][both ? 0 : lane] : NULL;
			o->st[1] = both || lane == 1 ? &bd->st[k][both ? 1 : lane] : NULL;
			o->s1 = lanes(o->st[0] ? o->st[0]->s1 : 0, o->st[1] ? o->st[1]->s1 : 0);
			o->s2 = lanes(o->st[0] ? o->st[0]->s2 : 0, o->st[1] ? o->st[1]->s2 : 0);
			o->pre = k == 0 ? pre : PRE_NONE;
		}
	}
	const v2d half = { 0.5, 0.5 };
	v2d *xb = s->lanes_buf;
	for (unsigned i = 0; i < n; i++)
		xb[i] = (v2d){ l[i], r[i] };
	/* Groups of up to CASCADE_GROUP sections per pass over the block, their states in
	 * registers; a domain change starts a new group.  Each sample meets the same operations
	 * in the same order as a per-sample walk of the whole list (bit for bit), with no
	 * per-section branch or state load/store. */
	for (int k = 0; k < nops;) {
		if (ops[k].pre) {
			const int to_ms = ops[k].pre == PRE_TO_MS; /* M = (L + R) / 2, S = (L - R) / 2; back: L = M + S, R = M - S */
			for (unsigned i = 0; i < n; i++) {
				v2d x = xb[i];
				x = (v2d){ x[0] + x[1], x[0] - x[1] };
				xb[i] = to_ms ? half * x : x;
			}
		}
		int g = 1;
		while (g < CASCADE_GROUP && k + g < nops && !ops[k + g].pre)
			g++;
		cascade_group(&ops[k], g, xb, n);
		k += g;
	}
	for (unsigned i = 0; i < n; i++) {
		v2d x = xb[i];
		if (dom == DOM_MS)
			x = (v2d){ x[0] + x[1], x[0] - x[1] };
		l[i] = (float)x[0];
		r[i] = (float)x[1];
	}
	for (int k = 0; k < nops; k++)
		for (int c = 0; c < 2; c++)
			if (ops[k].st[c]) {
				ops[k].st[c]->s1 = ops[k].s1[c];
				ops[k].st[c]->s2 = ops[k].s2[c];
			}
}

static void process_bands(eq *s, float *l, float *r, unsigned n)
{
	int any_ramp = 0;
	for (int b = 0; b < EQ_BANDS; b++)
		any_ramp |= band_ramping(&s->band[b]);
	if (!any_ramp) {
		if (steady(s))
			process_steady(s, l, r, n);
		else
			process_chunk(s, l, r, n);
		return;
	}
	/* gliding: coefficients from the smoothed values every s->interval samples */
	unsigned iv = (unsigned)s->interval;
	for (unsigned i = 0; i < n; i += iv) {
		unsigned k = n - i < iv ? n - i : iv;
		process_chunk(s, l + i, r + i, k);
	}
}

/* Start channel c's wet path again after it was off: band states from silence
 * (they fade in with s->mix), the oversampler's histories refilled from the
 * last hist_len input samples so its output is right from the first sample. */
static void wet_resume(eq *s, int c)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		/* a band on the other channel alone kept running: its state is live */
		int ch = s->band[b].channel;
		if (!((ch == CH_LEFT && c == 1) || (ch == CH_RIGHT && c == 0)))
			s->band[b].idle = 1;
	}
	/* The down-sampler's taps span ~lat samples: until they hold only signal
	 * that went through the (restarted) bands, its output mixes the primed
	 * history with the bands' onset; the centre tap alone makes that a step.
	 * So the wet path runs unheard for lat + 1 samples before the crossfade
	 * starts; the bands' own zero-state onset decays meanwhile too. */
	s->warm[c] = s->lat ? s->lat + 1 : 0;
	if (s->factor == 1)
		return;
	oversample_reset(s->os[c]);
	for (unsigned i = 0; i < s->hist_len; i += s->max_block) {
		unsigned k = s->hist_len - i < s->max_block ? s->hist_len - i : s->max_block;
		oversample_up(s->os[c], s->hist[c] + i, s->work[c], k);
		oversample_down(s->os[c], s->work[c], s->dry[c], k);
	}
}

void eq_process(eq *s, float *l, float *r, unsigned n)
{
	if (n == 0)
		return;
	float *io[2] = { l, r };
	unsigned H = s->hist_len, ni = n * (unsigned)s->factor;
	int wet[2];
	for (int c = 0; c < 2; c++) {
		memcpy(s->hist[c] + H, io[c], n * sizeof(float));
		wet[c] = smooth_active(&s->mix[c]) || s->mix[c].cur != 0.0f;
		if (wet[c] && !s->running[c])
			wet_resume(s, c); /* uses s->dry as scratch: before it is filled */
		s->running[c] = wet[c];
		/* dry path: the input delayed by s->lat (hist is the delay line) */
		memcpy(s->dry[c], s->hist[c] + H - s->lat, n * sizeof(float));
		if (wet[c]) {
			if (s->factor > 1)
				oversample_up(s->os[c], io[c], s->work[c], n);
			else
				memcpy(s->work[c], io[c], n * sizeof(float));
		}
	}
	/* A channel off the wet path is not used by any band (only left or right
	 * bands run, on the other channel): its work buffer is never read. */
	if (wet[0] || wet[1])
		process_bands(s, s->work[0], s->work[1], ni);
	for (int c = 0; c < 2; c++) {
		float *x = io[c], *d = s->dry[c];
		if (!wet[c]) {
			memcpy(x, d, n * sizeof(float));
		} else {
			if (s->factor > 1)
				oversample_down(s->os[c], s->work[c], x, n);
			else
				memcpy(x, s->work[c], n * sizeof(float));
			unsigned w = s->warm[c] < n ? s->warm[c] : n;
			s->warm[c] -= w;
			if (w)
				memcpy(x, d, w * sizeof(float));
			if (smooth_active(&s->mix[c]))
				for (unsigned i = w; i < n; i++) {
					float m = smooth_next(&s->mix[c]);
					x[i] = d[i] + m * (x[i] - d[i]);
				}
		}
		if (H)
			memmove(s->hist[c], s->hist[c] + n, H * sizeof(float));
	}
}

/* ---------------------------------------------------------------- response -- */

/* The band is designed once for all n points: a design (fit and probe
 * error, above) costs hundreds of times one biquad_mag, and the console asks
 * for ~470 points per band (bench/bench_console.c: 72 % of a core under
 * 1,000 OSC messages a second when it designed per point). */
void eq_band_response_curve(const lathe_params *p, double rate, int band, const double *f, double *db, int n)
{
	for (int i = 0; i < n; i++)
		db[i] = 0;
	if (band < 0 || band >= EQ_BANDS || param_get_bool(p, P_EQ_BAND_BYPASS + band))
		return;
	biquad_coef sec[EQ_MAX_SECTIONS];
	probe_table pt;
	double irate = rate * eq_factor(rate); /* the sections run at the internal rate */
	probe_table_init(&pt, irate);
	int ns = design_band(sec, param_get_int(p, P_EQ_TYPE + band), param_get(p, P_EQ_FREQ + band),
	                     param_get(p, P_EQ_GAIN + band), param_get(p, P_EQ_Q + band),
	                     param_get_int(p, P_EQ_SLOPE + band), irate, &pt);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < ns; k++) {
			double m = biquad_mag(&sec[k], f[i], irate);
			db[i] += 20 * log10(m > 1e-15 ? m : 1e-15);
		}
}

double eq_band_response_db(const lathe_params *p, double rate, int band, double f)
{
	double db;
	eq_band_response_curve(p, rate, band, &f, &db, 1);
	return db;
}

double eq_response_db(const lathe_params *p, double rate, double f)
{
	if (param_get_bool(p, P_EQ_BYPASS))
		return 0;
	double db = 0;
	for (int b = 0; b < EQ_BANDS; b++)
		db += eq_band_response_db(p, rate, b, f);
	return db;
}
