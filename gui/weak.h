/* lathe — the console's optional links.  The analysis thread, the JACK
 * client and the EQ's response function are built by other parts of lathe;
 * the console only calls them when they are there: app->analysis and
 * app->jack are non-NULL only if whoever created them linked them, and
 * eq_response_db is tested for NULL before use (a local analog-prototype
 * curve stands in).  Weak references keep the console buildable and testable
 * on its own (a unit test of the GUI needs no JACK server). */
#ifndef LATHE_GUI_WEAK_H
#define LATHE_GUI_WEAK_H

#include "../engine/meter/analysis.h"
#include "../engine/meter/platforms.h"
#include "../engine/jack.h"
#include "../engine/dsp/eq.h"

double eq_response_db(const lathe_params *p, double rate, double f);

#pragma weak analysis_get
#pragma weak analysis_reset
#pragma weak analysis_spectrum
#pragma weak analysis_gonio
#pragma weak analysis_history
#pragma weak lathe_jack_status
#pragma weak platform_get
#pragma weak eq_response_db

#endif
