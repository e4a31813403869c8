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

#endif
