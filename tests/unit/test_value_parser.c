/* One value parser: the same text gets the same verdict from a session file,
 * from --set and from an OSC string.  The expected verdicts are a table
 * written by hand (what a person would call the number, or not), not
 * derived from the parser; each row goes through the three real entry
 * points: session_text_read, param_set_assignment (what main does with
 * --set) and a real OSC server on loopback. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/app.h"
#include "engine/bus.h"
#include "engine/params.h"
#include "osc/osc.h"
#include "sessions/session_file.h"

#include "test_osc_client.h"
#include "tests/support/check_main.h"

enum { ACCEPT, REFUSE, OUT_OF_RANGE };

static const struct {
	const char *path, *text;
	int verdict;
	float value; /* ACCEPT: the value; OUT_OF_RANGE: where OSC clamps it */
} rows[] = {
	{ "/input/gain", "1.5", ACCEPT, 1.5f },
	{ "/input/gain", "  -3  ", ACCEPT, -3 },
	{ "/input/gain", "+3", ACCEPT, 3 },
	{ "/input/gain", ".5", ACCEPT, 0.5f },
	{ "/input/gain", "5.", ACCEPT, 5 },
	{ "/input/gain", "1e1", ACCEPT, 10 },
	{ "/input/gain", "-2.5E-1", ACCEPT, -0.25f },
	{ "/input/gain", "0x4", REFUSE, 0 },
	{ "/input/gain", "0X1P2", REFUSE, 0 },
	{ "/input/gain", "nan", REFUSE, 0 },
	{ "/input/gain", "-inf", REFUSE, 0 },
	{ "/input/gain", "Infinity", REFUSE, 0 },
	{ "/input/gain", "1e999", REFUSE, 0 },
	{ "/input/gain", "1,5", REFUSE, 0 },
	{ "/input/gain", "", REFUSE, 0 },
	{ "/input/gain", "   ", REFUSE, 0 },
	{ "/input/gain", "abc", REFUSE, 0 },
	{ "/input/gain", "1e", REFUSE, 0 },
	{ "/input/gain", "--1", REFUSE, 0 },
	{ "/input/gain", "1 2", REFUSE, 0 },
	{ "/input/gain", "3dB", REFUSE, 0 },
	{ "/input/gain", ".", REFUSE, 0 },
	{ "/input/gain", "25", OUT_OF_RANGE, 24 },
	{ "/input/gain", "-1e30", OUT_OF_RANGE, -24 },
	{ "/eq/3/freq", "22001", OUT_OF_RANGE, 22000 },
	{ "/eq/3/freq", "4321.5", ACCEPT, 4321.5f },
	{ "/eq/3/type", "high_shelf", ACCEPT, 2 },
	{ "/eq/3/type", "HIGH_SHELF", ACCEPT, 2 },
	{ "/eq/3/type", "3", ACCEPT, 3 },
	{ "/eq/3/type", "7", OUT_OF_RANGE, 6 },
	{ "/eq/3/type", "2.5", REFUSE, 0 },
	{ "/eq/3/type", "wobble", REFUSE, 0 },
	{ "/eq/3/type", "0x2", REFUSE, 0 },
	{ "/eq/3/slope", "24", ACCEPT, 1 }, /* a name that looks like a number is the name */
	{ "/eq/3/slope", "3", ACCEPT, 3 },
	{ "/eq/3/bypass", "on", ACCEPT, 1 },
	{ "/eq/3/bypass", "Yes", ACCEPT, 1 },
	{ "/eq/3/bypass", "false", ACCEPT, 0 },
	{ "/eq/3/bypass", "1", ACCEPT, 1 },
	{ "/eq/3/bypass", "0.5", REFUSE, 0 },
	{ "/eq/3/bypass", "maybe", REFUSE, 0 },
	{ "/eq/3/bypass", "2", OUT_OF_RANGE, 1 },
	{ "/mb/bands", "2", ACCEPT, 2 },
	{ "/mb/bands", "2.0", ACCEPT, 2 },
	{ "/mb/bands", "2.5", REFUSE, 0 },
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

/* A value the row does not expect, so "nothing stored" shows. */
static float before_value(int r)
{
	const param_info *pi = param_info_get(param_find(rows[r].path));
	return rows[r].value == pi->min ? pi->max : pi->min;
}

START_TEST(session_file_path)
{
	params_init();
	for (int r = 0; r < NROWS; r++) {
		int id = param_find(rows[r].path);
		char *text = g_strdup_printf("[session]\nformat=1\n[current]\n%s=%s\n", rows[r].path, rows[r].text);
		lathe_params *p = params_new();
		param_set(p, id, before_value(r), NULL);
		char err[1024] = "";
		int rc = session_text_read(text, strlen(text), "t.lathe", p, NULL, NULL, NULL, err, sizeof err);
		if (rows[r].verdict == ACCEPT) {
			ck_assert_msg(rc == 0, "session %s=%s refused: %s", rows[r].path, rows[r].text, err);
			ck_assert_msg(param_get(p, id) == rows[r].value, "session %s=%s gave %g, expected %g", rows[r].path,
			              rows[r].text, param_get(p, id), rows[r].value);
		} else {
			ck_assert_msg(rc == -1, "session %s=%s accepted (%g)", rows[r].path, rows[r].text, param_get(p, id));
			ck_assert_msg(strstr(err, "t.lathe:4: bad value for "), "session %s=%s: %s", rows[r].path, rows[r].text, err);
			ck_assert_float_eq(param_get(p, id), before_value(r));
		}
		params_free(p);
		g_free(text);
	}
}
END_TEST

START_TEST(set_option_path)
{
	for (int r = 0; r < NROWS; r++) {
		int id = param_find(rows[r].path);
		char *arg = g_strdup_printf("%s=%s", rows[r].path, rows[r].text);
		lathe_params *p = params_new();
		param_set(p, id, before_value(r), NULL);
		char err[1024] = "";
		int rc = param_set_assignment(p, arg, err, sizeof err);
		if (rows[r].verdict == ACCEPT) {
			ck_assert_msg(rc == PARAM_OK, "--set %s refused: %s", arg, err);
			ck_assert_msg(param_get(p, id) == rows[r].value, "--set %s gave %g, expected %g", arg, param_get(p, id),
			              rows[r].value);
		} else {
			/* out of range is refused on the command line, as in a session file */
			ck_assert_msg(rc < 0, "--set %s accepted (%g)", arg, param_get(p, id));
			char want[256];
			snprintf(want, sizeof want, "--set %s: bad value: ", rows[r].path);
			ck_assert_msg(strstr(err, want) == err, "--set %s: '%s'", arg, err);
			ck_assert_float_eq(param_get(p, id), before_value(r));
		}
		params_free(p);
		g_free(arg);
	}
}
END_TEST

/* Sends PATH TEXT (an OSC string), then /ping; everything up to the /pong is
 * the answer.  Returns the /error reason for path, or NULL when none came. */
static const char *osc_answer(client *c, const char *path, const char *text)
{
	static char reason[256];
	cl_send(c, path, Ms(text));
	cl_send(c, "/ping", M());
	int pong = 0;
	for (int t = 0; t < 100 && !pong; t++) {
		cl_pump(c, 20);
		for (int k = 0; k < c->nq; k++)
			pong |= !strcmp(c->q[k].path, "/pong");
	}
	ck_assert_msg(pong, "no /pong after %s '%s'", path, text);
	const char *got = NULL;
	for (int k = 0; k < c->nq; k++)
		if (!strcmp(c->q[k].path, "/error") && !strcmp(c->q[k].s[0], path)) {
			snprintf(reason, sizeof reason, "%s", c->q[k].s[1]);
			got = reason;
		}
	c->nq = 0;
	return got;
}

START_TEST(osc_string_path)
{
	lathe_app app = { 0 };
	app.params = params_new();
	app.bus = bus_new(0.05);
	osc_opts o = { .port = 0, .bind = "127.0.0.1" };
	char err[256] = "";
	osc_server *osc = osc_new(&app, &o, err, sizeof err);
	ck_assert_msg(osc != NULL, "osc_new: %s", err);
	client *c = cl_new("127.0.0.1", osc_port(osc));
	for (int r = 0; r < NROWS; r++) {
		int id = param_find(rows[r].path);
		param_set(app.params, id, before_value(r), NULL);
		const char *why = osc_answer(c, rows[r].path, rows[r].text);
		float now = param_get(app.params, id);
		switch (rows[r].verdict) {
		case ACCEPT:
			ck_assert_msg(!why, "OSC %s '%s' refused: %s", rows[r].path, rows[r].text, why);
			ck_assert_msg(now == rows[r].value, "OSC %s '%s' gave %g, expected %g", rows[r].path, rows[r].text, now,
			              rows[r].value);
			break;
		case OUT_OF_RANGE: /* OSC clamps and says so (DESIGN.md, OSC) */
			ck_assert_msg(why && strstr(why, "clamped"), "OSC %s '%s': %s", rows[r].path, rows[r].text, why ? why : "no /error");
			ck_assert_msg(now == rows[r].value, "OSC %s '%s' gave %g, expected %g clamped", rows[r].path, rows[r].text,
			              now, rows[r].value);
			break;
		default:
			ck_assert_msg(why && !strstr(why, "clamped"), "OSC %s '%s' accepted (%g)", rows[r].path, rows[r].text, now);
			ck_assert_float_eq(now, before_value(r));
		}
	}
	cl_free(c);
	osc_free(osc);
	bus_free(app.bus);
	params_free(app.params);
}
END_TEST

/* --osc-allow and --osc-feedback numbers: digits only. */
START_TEST(osc_option_numbers)
{
	lathe_app app = { 0 };
	app.params = params_new();
	app.bus = bus_new(0.05);
	const char *bad_allow[] = { "10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/8 ", "10.0.0.0/0x8", "10.0.0.0/33", "10.0.0.0/",
		                    "10.0.0.0/-0", NULL };
	for (int i = 0; bad_allow[i]; i++) {
		osc_opts o = { .port = 0, .bind = "127.0.0.1", .allow = &bad_allow[i], .n_allow = 1 };
		char err[256] = "";
		osc_server *s = osc_new(&app, &o, err, sizeof err);
		ck_assert_msg(s == NULL, "--osc-allow '%s' accepted", bad_allow[i]);
		ck_assert_msg(strstr(err, "--osc-allow") && strstr(err, bad_allow[i]), "%s", err);
	}
	const char *bad_fb[] = { "127.0.0.1: 9000", "127.0.0.1:+9000", "127.0.0.1:0x2328", "127.0.0.1:65536", NULL };
	for (int i = 0; bad_fb[i]; i++) {
		osc_opts o = { .port = 0, .bind = "127.0.0.1", .feedback = &bad_fb[i], .n_feedback = 1 };
		char err[256] = "";
		osc_server *s = osc_new(&app, &o, err, sizeof err);
		ck_assert_msg(s == NULL, "--osc-feedback '%s' accepted", bad_fb[i]);
	}
	const char *good[] = { "10.0.0.0/8", "192.168.1.5", "0.0.0.0/0" };
	const char *fb[] = { "127.0.0.1:9000" };
	osc_opts o = { .port = 0, .bind = "127.0.0.1", .allow = good, .n_allow = 3, .feedback = fb, .n_feedback = 1 };
	char err[256] = "";
	osc_server *s = osc_new(&app, &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	osc_free(s);
	bus_free(app.bus);
	params_free(app.params);
}
END_TEST

/* Names: each forbidden character is named as itself. */
START_TEST(name_reasons)
{
	char err[256];
	ck_assert_int_eq(session_name_check("a\\b", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "'\\'") && !strstr(err, "'/'"), "%s", err);
	ck_assert_int_eq(session_name_check("a/b", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "'/'") && !strstr(err, "'\\'"), "%s", err);

	lathe_app app = { 0 };
	app.params = params_new();
	app.bus = bus_new(0.05);
	osc_opts o = { .port = 0, .bind = "127.0.0.1" };
	osc_server *osc = osc_new(&app, &o, err, sizeof err);
	ck_assert_ptr_nonnull(osc);
	client *c = cl_new("127.0.0.1", osc_port(osc));
	const char *why = osc_answer(c, "/session/save", "a\\b");
	ck_assert_msg(why && strstr(why, "'\\' is not allowed"), "%s", why ? why : "no /error");
	why = osc_answer(c, "/session/load", "a/b");
	ck_assert_msg(why && strstr(why, "'/' is not allowed"), "%s", why ? why : "no /error");
	cl_free(c);
	osc_free(osc);
	bus_free(app.bus);
	params_free(app.params);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("value_parser");
	TCase *tc = suite_add_case(s, "three paths", 60, NULL, NULL);
	tcase_add_test(tc, session_file_path);
	tcase_add_test(tc, set_option_path);
	tcase_add_test(tc, osc_string_path);
	tcase_add_test(tc, osc_option_numbers);
	tcase_add_test(tc, name_reasons);
	return run_suite(s);
}
