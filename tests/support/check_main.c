#include "tests/support/check_main.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

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

char *path_in(const char *dir, const char *fmt, ...)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ % 8];
	int n = snprintf(b, 512, "%s/", dir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b + n, (size_t)(512 - n), fmt, ap);
	va_end(ap);
	return b;
}

void gui_test_display(char **argv, const char *screen)
{
	if (!getenv("DISPLAY") && !getenv("LATHE_XVFB")) {
		/* no display: run again inside a private X server */
		setenv("LATHE_XVFB", "1", 1);
		char *opt = g_strdup_printf("-screen 0 %s", screen);
		char *args[] = { "xvfb-run", "-a", "-s", opt, argv[0], NULL };
		execvp("xvfb-run", args);
		perror("lathe: xvfb-run");
		exit(77);
	}
	setenv("GSK_RENDERER", "cairo", 0);
	setenv("GDK_BACKEND", "x11", 0);
	setenv("GTK_A11Y", "none", 0);
	setenv("GSETTINGS_BACKEND", "memory", 0);
	setenv("NO_AT_BRIDGE", "1", 0);
}

void main_loop_ms(int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_pending(NULL))
			g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
}

void expect_near(double v, double want, double tol, const char *what, int width)
{
	printf("  %-*s measured %8.3f expected %8.3f\n", width, what, v, want);
	ck_assert_msg(fabs(v - want) <= tol, "%s: %.3f, expected %.3f +- %g", what, v, want, tol);
}
