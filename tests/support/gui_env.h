/* lathe tests — what every test that runs the console in-process shares.
 * Include it once, from the test's main file (it defines a function). */
#ifndef LATHE_GUI_ENV_H
#define LATHE_GUI_ENV_H

#include <stdlib.h>

#include "gui_leaks.h"

/* What is drawn is what a user would see (GTK's cairo renderer on X11), with
 * no accessibility bus or settings daemon to wait for. */
static inline void gui_test_env(void)
{
	setenv("GSK_RENDERER", "cairo", 0);
	setenv("GDK_BACKEND", "x11", 0);
	setenv("GTK_A11Y", "none", 0);
	setenv("GSETTINGS_BACKEND", "memory", 0);
	setenv("NO_AT_BRIDGE", "1", 0);
}

#endif
