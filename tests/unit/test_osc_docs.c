/* docs/osc.md and osc/layouts/lathe-open-stage-control.json are generated
 * from the registry; these tests fail when the committed files differ from
 * what the generators print now.  Regenerate with
 *   LATHE_REGEN_OSC_DOCS=1 ./build/tests/test_osc_docs
 * (or `lathe params --osc-markdown > docs/osc.md`) and commit. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "tests/support/fixture.h"
#include "tests/support/check_main.h"

static char *generate(void (*fn)(FILE *), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fn(f);
	fclose(f);
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static void check_committed(const char *rel, void (*fn)(FILE *))
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", fx_src_dir(), rel);
	size_t glen, flen = 0;
	char *gen = generate(fn, &glen);
	if (getenv("LATHE_REGEN_OSC_DOCS")) {
		FILE *f = fopen(path, "wb");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fwrite(gen, 1, glen, f);
		fclose(f);
		printf("regenerated %s\n", path);
	}
	char *file = slurp(path, &flen);
	ck_assert_msg(file != NULL, "%s is missing: regenerate (LATHE_REGEN_OSC_DOCS=1 %s)", path, "test_osc_docs");
	if (flen != glen || memcmp(file, gen, glen)) {
		size_t k = 0;
		while (k < flen && k < glen && file[k] == gen[k])
			k++;
		size_t line = 1;
		for (size_t j = 0; j < k; j++)
			line += gen[j] == '\n';
		ck_abort_msg("%s is out of date (first difference at line %zu): regenerate with LATHE_REGEN_OSC_DOCS=1 and commit", rel, line);
	}
	free(gen);
	free(file);
}

START_TEST(markdown_up_to_date)
{
	check_committed("docs/osc.md", osc_write_markdown);
}
END_TEST

START_TEST(layout_up_to_date)
{
	check_committed("osc/layouts/lathe-open-stage-control.json", osc_write_open_stage_control);
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

/* Walk every widget of the layout, counting addresses. */
typedef struct {
	int param_widgets[P_COUNT];
	int meter_widgets[64];
	int tabs;
	int widgets;
} layout_count;

static void walk(JsonObject *o, layout_count *lc)
{
	const char *type = json_object_get_string_member(o, "type");
	if (!strcmp(type, "tab"))
		lc->tabs++;
	if (json_object_has_member(o, "address") && strcmp(type, "tab") && strcmp(type, "root")) {
		lc->widgets++;
		const char *addr = json_object_get_string_member(o, "address");
		ck_assert_msg(!strcmp(type, "fader") || !strcmp(type, "knob") || !strcmp(type, "toggle") ||
		              !strcmp(type, "dropdown") || !strcmp(type, "button"), "widget type %s", type);
		ck_assert(json_object_has_member(o, "id"));
		int id = param_find(addr);
		if (id >= 0) {
			const param_info *pi = param_info_get(id);
			lc->param_widgets[id]++;
			ck_assert_msg(json_object_has_member(o, "default"), "%s: no default", addr);
			ck_assert_double_eq_tol(json_object_get_double_member(o, "default"), pi->def, 1e-4 * (1 + fabs(pi->def)));
			if (!strcmp(type, "fader") || !strcmp(type, "knob")) {
				JsonObject *range = json_object_get_object_member(o, "range");
				ck_assert_double_eq_tol(json_object_get_double_member(range, "min"), pi->min, 1e-4);
				ck_assert_double_eq_tol(json_object_get_double_member(range, "max"), pi->max, 1e-4);
				ck_assert_int_ge(json_object_get_int_member(o, "decimals"), pi->step >= 1 ? 0 : 2);
				ck_assert(json_object_get_boolean_member(o, "logScale") == (pi->curve == CURVE_LOG));
			}
			if (!strcmp(type, "dropdown"))
				ck_assert_int_eq((int)json_object_get_size(json_object_get_object_member(o, "values")), pi->n_enums);
		}
		for (int i = 0; i < osc_meter_count(); i++)
			if (!strcmp(addr, osc_meter_get(i)->path)) {
				lc->meter_widgets[i]++;
				ck_assert_str_eq(type, "fader");
			}
	}
	const char *kids[] = { "tabs", "widgets" };
	for (int k = 0; k < 2; k++) {
		if (!json_object_has_member(o, kids[k]))
			continue;
		JsonArray *a = json_object_get_array_member(o, kids[k]);
		for (guint j = 0; j < json_array_get_length(a); j++)
			walk(json_array_get_object_element(a, j), lc);
	}
}

START_TEST(layout_is_an_open_stage_control_session)
{
	size_t len;
	char *js = generate(osc_write_open_stage_control, &len);
	JsonParser *p = json_parser_new();
	GError *e = NULL;
	ck_assert_msg(json_parser_load_from_data(p, js, (gssize)len, &e), "layout is not JSON: %s", e ? e->message : "");
	JsonObject *top = json_node_get_object(json_parser_get_root(p));
	ck_assert_str_eq(json_object_get_string_member(top, "type"), "session");
	ck_assert_str_eq(json_object_get_string_member(top, "createdWith"), "Open Stage Control");
	ck_assert(!strncmp(json_object_get_string_member(top, "version"), "1.", 2));
	JsonObject *root = json_object_get_object_member(top, "content");
	ck_assert_str_eq(json_object_get_string_member(root, "type"), "root");
	static layout_count lc;
	memset(&lc, 0, sizeof lc);
	walk(root, &lc);
	ck_assert_int_eq(lc.tabs, 6);
	for (int id = 0; id < P_COUNT; id++)
		ck_assert_msg(lc.param_widgets[id] == 1, "%s has %d widgets", param_info_get(id)->path, lc.param_widgets[id]);
	for (int i = 0; i < osc_meter_count(); i++)
		ck_assert_msg(lc.meter_widgets[i] == 1, "%s has %d widgets", osc_meter_get(i)->path, lc.meter_widgets[i]);
	printf("layout: %d tabs, %d widgets\n", lc.tabs, lc.widgets);
	g_object_unref(p);
	free(js);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("osc_docs");
	TCase *t = suite_add_case(s, "generated", 60, NULL, NULL);
	tcase_add_test(t, markdown_lists_everything);
	tcase_add_test(t, layout_is_an_open_stage_control_session);
	tcase_add_test(t, markdown_up_to_date);
	tcase_add_test(t, layout_up_to_date);
	return run_suite(s);
}
