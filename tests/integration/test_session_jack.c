/* Autosave and JACK, with a real private jackd and real `lathe headless`
 * processes: a connection made by someone else (jack_connect) is a change
 * that reaches the autosave and comes back after kill -9; a second instance
 * (JACK names it lathe-01) starts from its own state, not the first one's,
 * and leaves the first one's autosave alone. */
#include <check.h>
#include <glib.h>
#include <lo/lo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"
#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static fixture fx, fx2; /* fx2: a second lathe on fx's server, in fx's home */

static void setup(void)
{
	params_init();
	memset(&fx, 0, sizeof fx);
	memset(&fx2, 0, sizeof fx2);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
}

static void teardown(void)
{
	fx_lathe_stop(&fx2);
	fx_lathe_stop(&fx);
	fx_jackd_stop(&fx, SIGTERM);
	if (fx.home[0])
		rm_tree(fx.home);
}

static char *state_file(const char *base)
{
	return g_strdup_printf("%s/state/lathe/%s", fx.home, base);
}

/* The autosave's [connections] ("ours\ttheirs\n" lines) and one value; 0 when it loads. */
static int autosaved(const char *path, int id, float *value, char **conns)
{
	lathe_params *p = params_new();
	char err[1024];
	*conns = NULL;
	int rc = session_load_file(p, path, conns, err, sizeof err);
	if (rc == 0 && value)
		*value = param_get(p, id);
	params_free(p);
	return rc;
}

/* Polls until the autosave at path holds (or, with want = 0, lacks) the line
 * "ours\ttheirs" in [connections]; 1 when it did within ms. */
static int wait_connection(const char *path, const char *line, int want, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		char *conns = NULL;
		if (autosaved(path, 0, NULL, &conns) == 0) {
			int has = conns && strstr(conns, line) != NULL;
			free(conns);
			if (has == want)
				return 1;
		}
		g_usleep(50000);
	}
	return 0;
}

static int wait_value(const char *path, int id, float want, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		char *conns = NULL;
		float v = NAN;
		if (autosaved(path, id, &v, &conns) == 0 && v == want) {
			free(conns);
			return 1;
		}
		free(conns);
		g_usleep(50000);
	}
	return 0;
}

/* 1 when `jack_lsp -c` lists theirs under ours. */
static int connected(const char *ours, const char *theirs)
{
	char *cmd = g_strdup_printf("jack_lsp -c %s 2>/dev/null", ours);
	char *out = fx_run(cmd);
	int yes = out && strstr(out, theirs) != NULL;
	free(out);
	g_free(cmd);
	return yes;
}

static int wait_connected(const char *ours, const char *theirs, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		if (connected(ours, theirs))
			return 1;
		g_usleep(50000);
	}
	return 0;
}

static void kill_9(fixture *f)
{
	kill(f->lathe, SIGKILL);
	waitpid(f->lathe, NULL, 0);
	f->lathe = 0;
}

static const char *const no_osc[] = { "--no-osc", NULL };

START_TEST(connection_change_alone_is_autosaved)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lathe", no_osc), 0);
	char *autosave = state_file("autosave.lathe");
	/* the start-up state is written at the first poll: from then on only the connection changes */
	ck_assert_msg(wait_connection(autosave, "out_L\tsystem:playback_1", 0, 6000), "no autosave after start-up");
	char *out = fx_run("jack_connect lathe:out_L system:playback_1 && echo ok");
	ck_assert_msg(out && strstr(out, "ok"), "jack_connect failed: %s", out ? out : "");
	free(out);
	gint64 t0 = g_get_monotonic_time();
	ck_assert_msg(wait_connection(autosave, "out_L\tsystem:playback_1", 1, 6000),
	              "a connection made with jack_connect did not reach the autosave within 6 s");
	printf("connection in the autosave %.3f s after jack_connect\n", (g_get_monotonic_time() - t0) / 1e6);

	/* kill -9 and a plain restart: the connection comes back */
	kill_9(&fx);
	ck_assert(!connected("system:playback_1", "lathe:out_L"));
	ck_assert_int_eq(fx_lathe_start(&fx, "lathe", no_osc), 0);
	ck_assert_msg(wait_connected("lathe:out_L", "system:playback_1", 5000), "connection not restored after kill -9");
	gchar *log = NULL;
	ck_assert(g_file_get_contents(fx.log, &log, NULL, NULL));
	ck_assert_msg(strstr(log, "lathe: Restored the autosave autosave.lathe from 20"), "log: %s", log);
	g_free(log);

	/* a disconnection is a change too */
	out = fx_run("jack_disconnect lathe:out_L system:playback_1 && echo ok");
	ck_assert_msg(out && strstr(out, "ok"), "jack_disconnect failed: %s", out ? out : "");
	free(out);
	if (!wait_connection(autosave, "out_L\tsystem:playback_1", 0, 6000)) {
		gchar *t = NULL, *l = NULL;
		g_file_get_contents(autosave, &t, NULL, NULL);
		g_file_get_contents(fx.log, &l, NULL, NULL);
		char *c = fx_run("jack_lsp -c");
		ck_abort_msg("a disconnection was not autosaved:\n%s\nlog: %s\nports: %s", t ? strstr(t, "[conn") : "(none)", l, c);
	}
	kill_9(&fx);
	ck_assert_int_eq(fx_lathe_start(&fx, "lathe", no_osc), 0);
	/* restoring takes one supervisor round; 1.5 s without the connection is the verdict */
	ck_assert_msg(!wait_connected("lathe:out_L", "system:playback_1", 1500), "a removed connection came back");
	g_free(autosave);
}
END_TEST

static float osc_query(int port, const char *path)
{
	lo_server me = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	char ports[16];
	snprintf(ports, sizeof ports, "%d", port);
	lo_address to = lo_address_new("127.0.0.1", ports);
	float v = NAN;
	for (int k = 0; k < 100 && isnan(v); k++) {
		lo_send_from(to, me, LO_TT_IMMEDIATE, path, "");
		char buf[512];
		if (lo_server_wait(me, 100) <= 0)
			continue;
		ssize_t n = recv(lo_server_get_socket_fd(me), buf, sizeof buf, 0);
		int res;
		lo_message m = n > 0 ? lo_message_deserialise(buf, (size_t)n, &res) : NULL;
		if (m && !strcmp(buf, path) && lo_message_get_argc(m) == 1 && lo_message_get_types(m)[0] == 'f')
			memcpy(&v, lo_message_get_argv(m)[0], sizeof v);
		if (m)
			lo_message_free(m);
	}
	lo_address_free(to);
	lo_server_free(me);
	return v;
}

START_TEST(second_instance_keeps_to_its_own_autosave)
{
	/* the first lathe: a change and connections to the system ports, autosaved */
	const char *a1[] = { "--no-osc", "--connect", "--set", "/input/gain=3", NULL };
	ck_assert_int_eq(fx_lathe_start(&fx, "lathe", a1), 0);
	char *first = state_file("autosave.lathe");
	ck_assert(wait_value(first, P_INPUT_GAIN, 3, 6000));
	if (!wait_connection(first, "monitor_L\tsystem:playback_1", 1, 6000)) {
		gchar *t = NULL;
		g_file_get_contents(first, &t, NULL, NULL);
		ck_abort_msg("the first autosave lacks its --connect connections:\n%s", t ? t : "(none)");
	}

	/* the second, asking for the same name: JACK calls it lathe-01 */
	fx2 = fx;
	fx2.lathe = 0;
	int port = fx_free_udp_port();
	char ports[16];
	snprintf(ports, sizeof ports, "%d", port);
	const char *a2[] = { "--osc-port", ports, NULL };
	ck_assert_int_eq(fx_lathe_start(&fx2, "lathe", a2), 0);
	ck_assert_int_eq(fx_wait_port("lathe-01:out_L", 5000), 0);
	char *second = state_file("autosave-lathe-01.lathe");
	ck_assert_msg(wait_value(second, P_INPUT_GAIN, 0, 6000), "the second instance has no autosave of its own");
	/* its state is its own: factory input gain, no feed into the first one's playback ports */
	ck_assert_float_eq(osc_query(port, "/input/gain"), 0);
	ck_assert_msg(!wait_connected("lathe-01:monitor_L", "system:playback_1", 1500),
	              "the second instance took the first one's connections");
	char *conns = NULL;
	ck_assert_int_eq(autosaved(second, 0, NULL, &conns), 0);
	ck_assert_msg(!conns || !strstr(conns, "system:"), "second autosave: %s", conns);
	free(conns);

	/* a change in the second and its exit leave the first one's autosave as it was */
	lo_address to = lo_address_new("127.0.0.1", ports);
	lo_send(to, "/input/gain", "f", -2.0f);
	lo_address_free(to);
	ck_assert(wait_value(second, P_INPUT_GAIN, -2, 6000));
	ck_assert_int_eq(fx_lathe_stop(&fx2), 0);
	float v = NAN;
	ck_assert_int_eq(autosaved(first, P_INPUT_GAIN, &v, &conns), 0);
	ck_assert_float_eq(v, 3);
	ck_assert_msg(conns && strstr(conns, "monitor_L\tsystem:playback_1"), "first autosave: %s", conns ? conns : "");
	free(conns);
	g_free(first);
	g_free(second);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_jack");
	TCase *tc = suite_add_case(s, "jack", 90, setup, teardown);
	tcase_add_test(tc, connection_change_alone_is_autosaved);
	tcase_add_test(tc, second_instance_keeps_to_its_own_autosave);
	return run_suite(s);
}
