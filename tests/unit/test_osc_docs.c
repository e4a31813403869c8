/* docs/osc.md is generated from the registry; these tests fail when the
 * committed file differs from what the generator prints now (the Open Stage
 * Control layout has its own validator: test_osc_layout.c).  Regenerate with
 *   LATHE_REGEN_OSC_DOCS=1 ./build/tests/test_osc_docs
 * (or `lathe params --osc-markdown > docs/osc.md`) and commit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "tests/support/generated.h"
#include "tests/support/check_main.h"

static char *generate(void (*fn)(FILE *), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fn(f);
	fclose(f);
	return buf;
}

START_TEST(markdown_up_to_date)
{
	gen_check_committed("docs/osc.md", osc_write_markdown);
}
END_TEST

/* Every parameter and every meter has a row in the markdown. */
START_TEST(markdown_lists_everything)
{
	size_t len;
	char *md = generate(osc_write_markdown, &len);
	for (int id = 0; id < params_count(); id++) {
		char row[80];
		snprintf(row, sizeof row, "| `%s` |", param_info_get(id)->path);
		ck_assert_msg(strstr(md, row), "docs/osc.md has no row for %s", param_info_get(id)->path);
	}
	for (int i = 0; i < osc_meter_count(); i++) {
		char row[80];
		snprintf(row, sizeof row, "| `%s` |", osc_meter_get(i)->path);
		ck_assert_msg(strstr(md, row), "docs/osc.md has no row for %s", osc_meter_get(i)->path);
	}
	for (int i = 0; i < osc_action_count(); i++) {
		char row[80];
		snprintf(row, sizeof row, "| `%s` |", osc_action_get(i)->path);
		ck_assert_msg(strstr(md, row), "docs/osc.md has no row for %s", osc_action_get(i)->path);
	}
	/* the default of /eq/1/freq as the registry has it */
	char row[120];
	snprintf(row, sizeof row, "| `/eq/1/freq` | f or i | Hz | 10 .. 22000 | log | 30 |");
	ck_assert_msg(strstr(md, row), "eq/1/freq row differs");
	free(md);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("osc_docs");
	TCase *t = suite_add_case(s, "generated", 60, NULL, NULL);
	tcase_add_test(t, markdown_lists_everything);
	tcase_add_test(t, markdown_up_to_date);
	return run_suite(s);
}
