/* engine/xruns: lines bounded whatever the xrun rate, the window's count
 * right.  A simulated clock (the poll's `now`) and the test's own record of
 * when each xrun happened: the reference is a plain count over that record. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "engine/xruns.h"
#include "tests/support/check_main.h"

START_TEST(first_at_once_then_one_line_per_5_s)
{
	xruns x;
	memset(&x, 0, sizeof x);
	char line[96];
	double t = 100.0;
	/* quiet: nothing said */
	for (int i = 0; i < 40; i++, t += 0.05)
		ck_assert_int_eq(xruns_poll(&x, t, line, sizeof line), 0);
	/* the first xrun is said at the next poll */
	xruns_count(&x);
	ck_assert_int_eq(xruns_poll(&x, t, line, sizeof line), 1);
	ck_assert_str_eq(line, "lathe: xruns: 1 (1 in the last 10 s)");
	/* 60 s of 50 xruns a second, polled every 50 ms (the supervisor's pace) */
	static double when[4000];
	int n = 0, lines = 0;
	when[n++] = t;
	double start = t;
	for (int i = 0; i < 1200; i++) {
		t += 0.05;
		for (int k = 0; k < 2 + (i % 2); k++) { /* 2 or 3 per poll: 50 a second */
			xruns_count(&x);
			when[n++] = t;
		}
		if (xruns_poll(&x, t, line, sizeof line)) {
			lines++;
			unsigned total, recent;
			ck_assert_int_eq(sscanf(line, "lathe: xruns: %u (%u in the last 10 s)", &total, &recent), 2);
			ck_assert_uint_eq(total, (unsigned)n);
			/* the reference: xruns within the last 10 s by the record, to the second the window keeps */
			int lo = 0, hi = 0;
			for (int k = 0; k < n; k++) {
				lo += when[k] > t - 10;
				hi += when[k] > t - 11;
			}
			ck_assert_msg((int)recent >= lo && (int)recent <= hi, "%u in the window, the record says %d..%d", recent, lo, hi);
		}
	}
	printf("%d xruns in %.0f s: %d lines after the first (at most %d)\n", n, t - start, lines, (int)((t - start) / 5));
	ck_assert_int_le(lines, (int)((t - start) / 5));
	ck_assert_int_ge(lines, (int)((t - start) / 5) - 1);
	/* the end: the ones since the last line, said once, 'in all' */
	xruns_count(&x);
	n++;
	ck_assert_int_eq(xruns_final(&x, t + 0.01, line, sizeof line), 1);
	unsigned total;
	ck_assert_int_eq(sscanf(line, "lathe: xruns: %u in all", &total), 1);
	ck_assert_uint_eq(total, (unsigned)n);
	ck_assert_int_eq(xruns_final(&x, t + 0.02, line, sizeof line), 0);
	/* 20 s of quiet: the window empties */
	for (int i = 0; i < 400; i++, t += 0.05)
		ck_assert_int_eq(xruns_poll(&x, t, line, sizeof line), 0);
	ck_assert_uint_eq(xruns_recent(&x), 0);
	/* a new xrun after the quiet is said at once */
	xruns_count(&x);
	ck_assert_int_eq(xruns_poll(&x, t, line, sizeof line), 1);
	ck_assert_msg(strstr(line, "(1 in the last 10 s)"), "%s", line);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xruns");
	TCase *tc = suite_add_case(s, "xruns", 10, NULL, NULL);
	tcase_add_test(tc, first_at_once_then_one_line_per_5_s);
	return run_suite(s);
}
