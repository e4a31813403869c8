/* The Open Stage Control layout against a running `lathe headless` (private
 * jackd, dummy backend): every address a widget of
 * osc/layouts/lathe-open-stage-control.json sends to or listens on is one
 * lathe serves, and what lathe sends back on it has the type the widget
 * expects.  The truth here is the live server: its /params reply, its meter
 * stream after /subscribe, and its answers, never the registry tables. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/fixture.h"
#include "tests/support/generated.h"
#include "../unit/test_osc_client.h"
#include "tests/support/check_main.h"

#define LAYOUT "osc/layouts/lathe-open-stage-control.json"
/* Generous: a loaded machine delays replies, the checks wait until seen. */
#define PATIENCE_MS 5000

static fixture fx;
static int osc_port_no;
static int setup_ok;

static void suite_setup(void)
{
	memset(&fx, 0, sizeof fx);
	if (fx_jackd_start(&fx, 48000, 256) != 0)
		return;
	osc_port_no = fx_free_udp_port();
	char name[64], port[16];
	snprintf(name, sizeof name, "lathe-layout-%d", (int)getpid());
	snprintf(port, sizeof port, "%d", osc_port_no);
	const char *args[] = { "--osc-port", port, NULL };
	if (fx_lathe_start(&fx, name, args) != 0)
		return;
	client *c = cl_new("127.0.0.1", osc_port_no);
	for (int i = 0; i < 50 && !setup_ok; i++) {
		cl_send(c, "/ping", M());
		setup_ok = cl_wait(c, "/pong", NULL, 100);
	}
	cl_free(c);
}

static void suite_teardown(void)
{
	if (fx.lathe > 0)
		fx_lathe_stop(&fx);
	if (fx.jackd > 0)
		fx_jackd_stop(&fx, SIGTERM);
}

/* ---- the layout's addresses ---- */

typedef struct {
	char addr[128];
	char type[32];   /* widget type */
	char tags[8];    /* typeTags */
} layout_addr;

typedef struct {
	layout_addr a[1024];
	int n;
} addr_list;

static void collect(JsonObject *o, addr_list *l)
{
	const char *type = json_object_get_string_member_with_default(o, "type", "");
	const char *addr = json_object_get_string_member_with_default(o, "address", NULL);
	if (addr && strcmp(type, "panel") && strcmp(type, "tab") && strcmp(type, "root") && l->n < 1024) {
		layout_addr *a = &l->a[l->n++];
		snprintf(a->addr, sizeof a->addr, "%s", addr);
		snprintf(a->type, sizeof a->type, "%s", type);
		snprintf(a->tags, sizeof a->tags, "%s", json_object_get_string_member_with_default(o, "typeTags", ""));
	}
	const char *kids[] = { "tabs", "widgets" };
	for (int k = 0; k < 2; k++) {
		if (!json_object_has_member(o, kids[k]))
			continue;
		JsonArray *arr = json_object_get_array_member(o, kids[k]);
		for (guint j = 0; j < json_array_get_length(arr); j++)
			collect(json_array_get_object_element(arr, j), l);
	}
}

/* ---- what lathe says ---- */


static int in_set(GHashTable *s, const char *k) { return g_hash_table_contains(s, k); }

/* /params: one /param ssffff per parameter, then /params/done i. */
static GHashTable *lathe_params(client *c)
{
	GHashTable *s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cl_drain(c);
	cl_send(c, "/params", M());
	int done = 0;
	double end = now_s() + PATIENCE_MS / 1000.0;
	while (!done && now_s() < end) {
		cl_pump(c, 50);
		for (int k = 0; k < c->nq; k++) {
			if (!strcmp(c->q[k].path, "/param") && c->q[k].argc >= 1)
				g_hash_table_add(s, g_strdup(c->q[k].s[0]));
			done |= !strcmp(c->q[k].path, "/params/done");
		}
		c->nq = 0;
	}
	ck_assert_msg(done, "no /params/done from lathe");
	return s;
}

/* Collects every address lathe sends to a subscriber until each of `want`
 * has come (the first meter bundle after /subscribe carries every meter). */
static GHashTable *lathe_stream(client *c, const addr_list *want)
{
	GHashTable *s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cl_drain(c);
	cl_send(c, "/subscribe", Mi(30));
	double end = now_s() + PATIENCE_MS / 1000.0;
	for (;;) {
		cl_pump(c, 50);
		for (int k = 0; k < c->nq; k++)
			if (!strncmp(c->q[k].path, "/meter/", 7)) {
				/* the scopes (docs/osc.md "Scopes") are blobs for remote consoles, not layout widgets */
				static const char *const scopes[][2] = { { "/meter/spectrum", "b" }, { "/meter/gonio", "fb" }, { "/meter/history", "ib" } };
				const char *want_types = "f";
				for (size_t q = 0; q < sizeof scopes / sizeof scopes[0]; q++)
					if (!strcmp(c->q[k].path, scopes[q][0]))
						want_types = scopes[q][1];
				ck_assert_msg(!strcmp(c->q[k].types, want_types), "%s arrives as '%s', not '%s'", c->q[k].path, c->q[k].types, want_types);
				g_hash_table_add(s, g_strdup(c->q[k].path));
			}
		c->nq = 0;
		int missing = 0;
		for (int i = 0; i < want->n; i++)
			missing += !strncmp(want->a[i].addr, "/meter/", 7) && !in_set(s, want->a[i].addr);
		if (!missing || now_s() > end)
			break;
	}
	cl_send(c, "/unsubscribe", M());
	return s;
}

START_TEST(every_layout_address_is_served_by_lathe)
{
	ck_assert_msg(setup_ok, "lathe headless did not come up (log %s)", fx.log);
	size_t len;
	char *js = gen_read_repo_file(LAYOUT, &len);
	ck_assert_msg(js != NULL, "%s missing", LAYOUT);
	JsonParser *p = json_parser_new();
	ck_assert(json_parser_load_from_data(p, js, (gssize)len, NULL));
	static addr_list l;
	l.n = 0;
	collect(json_object_get_object_member(json_node_get_object(json_parser_get_root(p)), "content"), &l);
	ck_assert_int_gt(l.n, 100);

	client *c = cl_new("127.0.0.1", osc_port_no);
	GHashTable *params = lathe_params(c);
	GHashTable *meters = lathe_stream(c, &l);
	int n_param = 0, n_meter = 0, n_action = 0;
	for (int i = 0; i < l.n; i++) {
		const layout_addr *a = &l.a[i];
		if (in_set(params, a->addr)) {
			/* a query: lathe answers with the value, one float, as it sends feedback */
			cl_drain(c);
			cl_send(c, a->addr, M());
			rx_msg r;
			ck_assert_msg(cl_wait(c, a->addr, &r, PATIENCE_MS), "%s (%s): no answer", a->addr, a->type);
			ck_assert_msg(!strcmp(r.types, "f"), "%s answers '%s'", a->addr, r.types);
			n_param++;
		} else if (!strncmp(a->addr, "/meter/", 7)) {
			ck_assert_msg(in_set(meters, a->addr), "%s (%s): lathe sends no such meter", a->addr, a->type);
			ck_assert_msg(!strcmp(a->type, "fader") || !strcmp(a->type, "text"), "%s on a %s", a->addr, a->type);
			n_meter++;
		} else if (!strcmp(a->addr, "/done") || !strcmp(a->addr, "/error")) {
			ck_assert_str_eq(a->type, "text");
		} else {
			/* an action: sent the way that does nothing (a 0 press is ignored; a
			 * named action without its name is refused) but is never unknown */
			cl_drain(c);
			cl_send(c, a->addr, strcmp(a->tags, "s") ? Mi(0) : M());
			cl_pump(c, 200);
			for (int k = 0; k < c->nq; k++)
				if (!strcmp(c->q[k].path, "/error") && c->q[k].argc == 2 && !strcmp(c->q[k].s[0], a->addr))
					ck_assert_msg(strcmp(c->q[k].s[1], "unknown address"), "%s (%s): lathe does not know it", a->addr, a->type);
			n_action++;
		}
	}
	/* the replies shown on /done and /error are what lathe sends: one string, two strings */
	cl_drain(c);
	cl_send(c, "/loudness/reset", Mi(1));
	rx_msg r;
	ck_assert_msg(cl_wait(c, "/done", &r, PATIENCE_MS) && !strcmp(r.types, "s"), "/done s after /loudness/reset");
	cl_send(c, "/snapshot/recall", M());
	ck_assert_msg(cl_wait(c, "/error", &r, PATIENCE_MS) && !strcmp(r.types, "ss"), "/error ss");
	printf("layout against lathe: %d parameter, %d meter, %d action widgets served\n", n_param, n_meter, n_action);
	g_hash_table_destroy(params);
	g_hash_table_destroy(meters);
	cl_free(c);
	g_object_unref(p);
	free(js);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("osc_layout_live");
	TCase *t = suite_add_case(s, "lathe", 120, NULL, NULL);
	tcase_add_unchecked_fixture(t, suite_setup, suite_teardown);
	tcase_add_test(t, every_layout_address_is_served_by_lathe);
	return run_suite(s);
}
