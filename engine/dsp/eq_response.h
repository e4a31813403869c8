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

#endif
