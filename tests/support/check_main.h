/* lathe tests — the Check main() every suite shares. */
#ifndef LATHE_CHECK_MAIN_H
#define LATHE_CHECK_MAIN_H

#include <check.h>

/* Adds a test case NAME to s: timeout in seconds (0 keeps Check's default)
 * and a checked fixture when setup or teardown is not NULL. */
TCase *suite_add_case(Suite *s, const char *name, double timeout, SFun setup, SFun teardown);
/* Runs every test of s (CK_NORMAL) and frees it; the exit status of main:
 * 0 when all passed, else 1. */
int run_suite(Suite *s);

/* Prints "  WHAT measured V expected WANT" (WHAT in a column of width) and
 * asserts |v - want| <= tol. */
void expect_near(double v, double want, double tol, const char *what, int width);

/* Removes the folder and everything in it (rm -rf); says so on stderr when it cannot. */
void rm_tree(const char *dir);

/* "DIR/" followed by the printf-formatted rest, in one of 8 rotating static
 * buffers of 512 bytes (so a few can be used in one call). */
char *path_in(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* GUI tests: without a display, runs argv again inside `xvfb-run -a` with a
 * screen of `screen` ("1920x1080x24") and does not return (77, skipped, when
 * xvfb-run is missing); then sets GTK up for rendering offscreen the same
 * way every time (cairo renderer, X11, no accessibility bus, settings in memory). */
void gui_test_display(char **argv, const char *screen);
/* Runs the default main context for ms milliseconds (GTK events, async callbacks). */
void main_loop_ms(int ms);

#endif
