/* lathe tests — LeakSanitizer options of the GUI suites: include it in one
 * file of a test program only (it defines __asan_default_options). */
#ifndef LATHE_GUI_LEAKS_H
#define LATHE_GUI_LEAKS_H

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

#endif
