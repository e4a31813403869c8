/* lathe — the console's trace for tests (trace.h). */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int gui_trace_on(void)
{
	static int on = -1;
	if (on < 0)
		on = getenv("LATHE_CONSOLE_TRACE") && *getenv("LATHE_CONSOLE_TRACE") == '1';
	return on;
}

void gui_trace(const char *fmt, ...)
{
	if (!gui_trace_on())
		return;
	/* one write per line: the GTK thread and the OSC client thread both trace */
	char line[1024];
	int p = snprintf(line, sizeof line, "lathe-trace: ");
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + p, sizeof line - p - 40, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = p + (n > (int)sizeof line - p - 41 ? (int)sizeof line - p - 41 : n);
	n += snprintf(line + n, sizeof line - n, " t=%lld\n", (long long)g_get_monotonic_time());
	fwrite(line, 1, (size_t)n, stdout);
	fflush(stdout);
}
