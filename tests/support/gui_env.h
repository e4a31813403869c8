/* lathe tests — what every test that runs the console in-process shares.
 * Include it once, from the test's main file (it defines a function). */
#ifndef LATHE_GUI_ENV_H
#define LATHE_GUI_ENV_H

#include <stdlib.h>

/* GTK, fontconfig and friends keep caches for the life of the process: under
 * `make asan` LeakSanitizer would report them, not anything of ours. */
#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define LATHE_ASAN 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define LATHE_ASAN 1
#endif
#ifdef LATHE_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
#endif

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
