#include "tests/support/check_main.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

TCase *suite_add_case(Suite *s, const char *name, double timeout, SFun setup, SFun teardown)
{
	TCase *tc = tcase_create(name);
	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

void rm_tree(const char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	g_free(cmd);
}

void expect_near(double v, double want, double tol, const char *what, int width)
{
	printf("  %-*s measured %8.3f expected %8.3f\n", width, what, v, want);
	ck_assert_msg(fabs(v - want) <= tol, "%s: %.3f, expected %.3f +- %g", what, v, want, tol);
}
