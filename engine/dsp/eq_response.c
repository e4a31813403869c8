/* lathe — the EQ's static response (see eq_response.h). */
#include "eq_response.h"
#include "eq_design.h"
#include "biquad.h"

#include <math.h>

double eq_band_response_db(const lathe_params *p, double rate, int band, double f)
{
	if (band < 0 || band >= EQ_BANDS || param_get_bool(p, P_EQ_BAND_BYPASS + band))
		return 0;
	biquad_coef sec[EQ_MAX_SECTIONS];
	eq_probes pt;
	double irate = rate * eq_factor(rate); /* the sections run at the internal rate */
	eq_probes_init(&pt, irate);
	int n = eq_design_band(sec, param_get_int(p, P_EQ_TYPE + band), param_get(p, P_EQ_FREQ + band),
	                    param_get(p, P_EQ_GAIN + band), param_get(p, P_EQ_Q + band),
	                    param_get_int(p, P_EQ_SLOPE + band), irate, &pt);
	double db = 0;
	for (int k = 0; k < n; k++) {
		double m = biquad_mag(&sec[k], f, irate);
		db += 20 * log10(m > 1e-15 ? m : 1e-15);
	}
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

/* The sections of band b at gain gain_db, designed at the internal rate irate. */
static int band_sections(const lathe_params *p, double rate, int band, double gain_db, biquad_coef sec[EQ_MAX_SECTIONS],
                         double *irate)
{
	eq_probes pt;
	*irate = rate * eq_factor(rate); /* the sections run at the internal rate */
	eq_probes_init(&pt, *irate);
	return eq_design_band(sec, param_get_int(p, P_EQ_TYPE + band), param_get(p, P_EQ_FREQ + band), gain_db,
	                      param_get(p, P_EQ_Q + band), param_get_int(p, P_EQ_SLOPE + band), *irate, &pt);
}

/* H(e^jw) of one section: (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), z = e^jw. */
static void section_cplx(const biquad_coef *c, double w, double *re, double *im)
{
	double c1 = cos(w), s1 = -sin(w), c2 = cos(2 * w), s2 = -sin(2 * w);
	double nr = c->b0 + c->b1 * c1 + c->b2 * c2, ni = c->b1 * s1 + c->b2 * s2;
	double dr = 1 + c->a1 * c1 + c->a2 * c2, di = c->a1 * s1 + c->a2 * s2;
	double d = dr * dr + di * di;
	*re = (nr * dr + ni * di) / d;
	*im = (ni * dr - nr * di) / d;
}

void eq_band_response_cplx(const lathe_params *p, double rate, int band, double f, double *re, double *im)
{
	*re = 1;
	*im = 0;
	if (band < 0 || band >= EQ_BANDS || param_get_bool(p, P_EQ_BAND_BYPASS + band))
		return;
	biquad_coef sec[EQ_MAX_SECTIONS];
	double irate;
	int n = band_sections(p, rate, band, param_get(p, P_EQ_GAIN + band), sec, &irate);
	double w = 2 * M_PI * f / irate;
	for (int k = 0; k < n; k++) {
		double sr, si, r = *re, i = *im;
		section_cplx(&sec[k], w, &sr, &si);
		*re = r * sr - i * si;
		*im = r * si + i * sr;
	}
}

void eq_response_cplx(const lathe_params *p, double rate, double f, double *re, double *im)
{
	*re = 1;
	*im = 0;
	if (param_get_bool(p, P_EQ_BYPASS))
		return;
	for (int b = 0; b < EQ_BANDS; b++) {
		double br, bi, r = *re, i = *im;
		eq_band_response_cplx(p, rate, b, f, &br, &bi);
		*re = r * br - i * bi;
		*im = r * bi + i * br;
	}
}

int eq_band_curve_db(const lathe_params *p, double rate, int band, double gain_db, const double *f, double *db, int n)
{
	if (band < 0 || band >= EQ_BANDS)
		return 0;
	int t = param_get_int(p, P_EQ_TYPE + band);
	int has_gain = t == EQ_BELL || t == EQ_LOW_SHELF || t == EQ_HIGH_SHELF || t == EQ_TILT;
	biquad_coef sec[EQ_MAX_SECTIONS];
	double irate;
	int ns = band_sections(p, rate, band, has_gain ? gain_db : param_get(p, P_EQ_GAIN + band), sec, &irate);
	for (int i = 0; i < n; i++) {
		double d = 0;
		for (int k = 0; k < ns; k++) {
			double m = biquad_mag(&sec[k], f[i], irate);
			d += 20 * log10(m > 1e-15 ? m : 1e-15);
		}
		db[i] = d;
	}
	return has_gain;
}
