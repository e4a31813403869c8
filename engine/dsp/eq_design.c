/* lathe — the EQ's band designs: analog-matched second-order sections.
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
 */
#include "eq_design.h"
#include "dsp_util.h"
#include "../params.h"

#include <math.h>

/* short local names for the shared types */
typedef eq_phis phis;
typedef eq_probes probe_table;


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
	double sg = db_to_lin_d(gain_db / 2); /* sqrt(G) */
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

/* The probe frequencies (see eq_design.h) for rate fs. */
void eq_probes_init(probe_table *pt, double fs)
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
int eq_design_band(biquad_coef sec[EQ_MAX_SECTIONS], int type, double f, double gain_db, double q,
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
		double G = db_to_lin_d(g), A = sqrt(G);
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
			double A = db_to_lin_d(g / 2), sa = sqrt(A);
			h = analog2_at(A * A, A * sa / q, A, 1, sa / q, A, w0);
		} else { /* the CUT (A < 1): poles at sqrt(A) w0, below w0 */
			double A = db_to_lin_d(-g / 2), sa = sqrt(A);
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

/* Internal rate: below 88.2 kHz the sections run at twice the audio rate.
 * Matched sections follow their analog prototype closely only while the band's
 * features stay well below Nyquist; at 2x, 20 kHz sits at 0.23 of the internal
 * rate (0.45 pi rad/sample), where every design above stays within 0.25 dB
 * (measured by tests/unit/test_eq.c); at 88.2 and 96 kHz it already does at 1x. */
int eq_factor(double rate) { return rate < 88000 ? 2 : 1; }
