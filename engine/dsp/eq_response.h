/* lathe — the EQ's static response, for the console's curve and for designs
 * built from it (the linear-phase mode): pure, non-RT functions of the
 * parameter values, computed from the very coefficients the RT path uses (at
 * the settled values; a dynamic band at its static gain unless told). */
#ifndef LATHE_EQ_RESPONSE_H
#define LATHE_EQ_RESPONSE_H

#include "../params.h"

/* Magnitude in dB at frequency f (Hz) for sample rate `rate`.
 * eq_response_db: all bands in series, 0 when /eq/bypass is on; bands on mid,
 * side, left or right are included as if they acted on the whole signal.
 * eq_band_response_db: one band (0-based), 0 when that band is bypassed. */
double eq_response_db(const lathe_params *p, double rate, double f);
double eq_band_response_db(const lathe_params *p, double rate, int band, double f);

/* The same as a complex frequency response H(e^jw) (real and imaginary part),
 * for designs built from the EQ's response (a linear-phase FIR): 1 when
 * bypassed.  eq_response_cplx is the product over all bands. */
void eq_band_response_cplx(const lathe_params *p, double rate, int band, double f, double *re, double *im);
void eq_response_cplx(const lathe_params *p, double rate, double f, double *re, double *im);

/* One band's magnitude in dB at the n frequencies f[] (Hz), with its gain set
 * to gain_db instead of /eq/N/gain (a dynamic band at its live gain, or at the
 * end of its range), designed once for all n points; the band's bypass is
 * ignored (the caller decides what to draw).  Returns 0 when the band's type
 * has no gain (cuts, notch: then the curve is the static one). */
int eq_band_curve_db(const lathe_params *p, double rate, int band, double gain_db, const double *f, double *db,
                     int n);

#endif
