/* lathe — the console's trace for tests (LATHE_CONSOLE_TRACE=1): one line
 * per event on stdout, "lathe-trace: WHAT ... t=MONOTONIC_US", so a test in
 * another process can time what the console shows against what it sent
 * (both clocks are CLOCK_MONOTONIC, g_get_monotonic_time).  Off, it costs a
 * branch. */
#ifndef LATHE_GUI_TRACE_H
#define LATHE_GUI_TRACE_H

#include <glib.h>

int gui_trace_on(void);
void gui_trace(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif
