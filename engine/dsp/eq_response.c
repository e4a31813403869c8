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
