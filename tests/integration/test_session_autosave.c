/* `lathe headless` without a JACK server: the autosave lands within 2 s of a
 * change, survives kill -9, and a start without --session restores it;
 * --session loads a file, and a broken one stops lathe with FILE:LINE. */
#include <check.h>
#include <glib.h>
#include <lo/lo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"
#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static char *tmpdir, *state_home, *data_home, *autosave;

static const char *lathe_bin(void)
{
	const char *b = getenv("LATHE_BIN");
	return b && *b ? b : "./lathe";
}

static void setup(void)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-autosave-XXXXXX", NULL);
	state_home = g_build_filename(tmpdir, "state", NULL);
	data_home = g_build_filename(tmpdir, "data", NULL);
	autosave = g_build_filename(state_home, "lathe", "autosave.lathe", NULL);
}

static void teardown(void)
{
	rm_tree(tmpdir);
	g_free(tmpdir);
	g_free(state_home);
	g_free(data_home);
	g_free(autosave);
}

/* Start lathe with args (NULL-terminated, after the binary); stderr to errfile. */
static pid_t spawn(const char *const *args, const char *errfile)
{
	pid_t pid = fork();
	if (pid == 0) {
		setenv("XDG_STATE_HOME", state_home, 1);
		setenv("XDG_DATA_HOME", data_home, 1);
		char server[64];
		snprintf(server, sizeof server, "lathe-none-%d", (int)getppid()); /* no server by that name: runs without JACK */
		setenv("JACK_DEFAULT_SERVER", server, 1);
		setenv("JACK_NO_START_SERVER", "1", 1);
		unsetenv("NSM_URL");
		if (errfile && !freopen(errfile, "w", stderr))
			_exit(127);
		const char *argv[32];
		int n = 0;
		argv[n++] = lathe_bin();
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid, int ms)
{
	for (int t = 0; t < ms; t += 10) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		g_usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Value of path in the autosave, or NAN when the file is missing or unreadable. */
static float autosaved(int id)
{
	lathe_params *p = params_new();
	char err[1024];
	float v = NAN;
	if (session_load_file(p, autosave, NULL, err, sizeof err) == 0)
		v = param_get(p, id);
	params_free(p);
	return v;
}

/* Poll until the autosave holds value for id; returns µs waited or -1 after ms. */
static gint64 wait_autosave(int id, float value, int ms)
{
	gint64 t0 = g_get_monotonic_time();
	while (g_get_monotonic_time() - t0 < ms * 1000) {
		if (autosaved(id) == value)
			return g_get_monotonic_time() - t0;
		g_usleep(10000);
	}
	return -1;
}

static int pongs;
static int on_pong(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	pongs++;
	return 0;
}

START_TEST(autosave_survives_kill_9_and_is_restored)
{
	/* 1. --no-osc and --set: the change is made at start-up; the autosave follows (within 2 s
	 * by the autosave clock, which test_session_app proves on simulated time: here the
	 * time is printed and the wait is a survival deadline of 10x, for a loaded machine) */
	const char *a1[] = { "headless", "--no-osc", "--set", "/eq/3/gain=4.5", NULL };
	gint64 t0 = g_get_monotonic_time();
	pid_t pid = spawn(a1, NULL);
	gint64 waited = wait_autosave(P_EQ_GAIN + 2, 4.5f, 60000);
	ck_assert_msg(waited >= 0, "no autosave with /eq/3/gain=4.5 within 60 s of starting");
	printf("autosave: on disk %.3f s after the process started (includes start-up)\n",
	       (g_get_monotonic_time() - t0) / 1e6);
	kill(pid, SIGKILL);
	ck_assert_int_eq(wait_exit(pid, 30000), 128 + SIGKILL);

	/* 2. restart without --session: the state comes back (the new autosave holds the old
	 *    change plus this run's --set) */
	const char *a2[] = { "headless", "--no-osc", "--set", "/input/gain=1", NULL };
	pid = spawn(a2, NULL);
	ck_assert_int_ge(wait_autosave(P_INPUT_GAIN, 1, 60000), 0);
	ck_assert_float_eq(autosaved(P_EQ_GAIN + 2), 4.5f);

	/* 3. with OSC: a change on disk before kill -9 is in the autosave after it (the
	 *    process is killed once the change landed, 2.0 s after it was sent at the
	 *    earliest; how long it took is printed) */
	kill(pid, SIGTERM);
	ck_assert_int_eq(wait_exit(pid, 30000), 0);
	int port = fx_free_udp_port();
	char ports[16];
	snprintf(ports, sizeof ports, "%d", port);
	const char *a3[] = { "headless", "--osc-port", ports, NULL };
	pid = spawn(a3, NULL);
	lo_server me = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	lo_server_add_method(me, "/pong", NULL, on_pong, NULL);
	lo_address to = lo_address_new("127.0.0.1", ports);
	for (int k = 0; k < 300 && !pongs; k++) {
		lo_send_from(to, me, LO_TT_IMMEDIATE, "/ping", "");
		lo_server_recv_noblock(me, 100);
	}
	ck_assert_msg(pongs > 0, "lathe headless did not answer /ping on port %d", port);
	ck_assert_float_eq(autosaved(P_EQ_GAIN + 2), 4.5f);
	lo_send_from(to, me, LO_TT_IMMEDIATE, "/limiter/ceiling", "f", -2.25f);
	gint64 t_change = g_get_monotonic_time();
	gint64 landed = wait_autosave(P_LIM_CEILING, -2.25f, 20000);
	gint64 left = 2000000 - (g_get_monotonic_time() - t_change);
	if (left > 0)
		g_usleep(left);
	kill(pid, SIGKILL);
	ck_assert_int_eq(wait_exit(pid, 30000), 128 + SIGKILL);
	printf("autosave: an OSC change was on disk %.3f s after it was sent; killed at %.1f s\n", landed / 1e6,
	       (g_get_monotonic_time() - t_change) / 1e6);
	ck_assert_int_ge(landed, 0);
	ck_assert_float_eq(autosaved(P_LIM_CEILING), -2.25f);
	lo_address_free(to);
	lo_server_free(me);
}
END_TEST

START_TEST(session_option_loads_and_refuses)
{
	char *good = g_build_filename(tmpdir, "good.lathe", NULL);
	ck_assert(g_file_set_contents(good, "[session]\nformat=1\n[current]\n/eq/2/gain=3\n/eq/2/type=low_shelf\n", -1, NULL));
	const char *a1[] = { "headless", "--no-osc", "--session", good, "--set", "/output/gain=-0.5", NULL };
	pid_t pid = spawn(a1, NULL);
	ck_assert_int_ge(wait_autosave(P_OUTPUT_GAIN, -0.5f, 60000), 0);
	ck_assert_float_eq(autosaved(P_EQ_GAIN + 1), 3);
	kill(pid, SIGTERM);
	ck_assert_int_eq(wait_exit(pid, 30000), 0);

	char *bad = g_build_filename(tmpdir, "bad.lathe", NULL);
	ck_assert(g_file_set_contents(bad, "[session]\nformat=1\n[current]\n\n/eq/2/gain=300\n", -1, NULL));
	char *errfile = g_build_filename(tmpdir, "stderr.txt", NULL);
	const char *a2[] = { "headless", "--no-osc", "--session", bad, NULL };
	pid = spawn(a2, errfile);
	ck_assert_int_eq(wait_exit(pid, 30000), 1);
	gchar *text = NULL;
	ck_assert(g_file_get_contents(errfile, &text, NULL, NULL));
	char want[1024];
	snprintf(want, sizeof want, "lathe: %s:5: bad value for /eq/2/gain: 300 is out of range", bad);
	ck_assert_msg(strstr(text, want) != NULL, "stderr was: %s", text);
	g_free(text);
	g_free(good);
	g_free(bad);
	g_free(errfile);
}
END_TEST

/* Without a JACK server nobody renames the second instance: the autosave's
 * lock does, so two "lathe"s never share a file. */
START_TEST(second_instance_without_jack_has_its_own_autosave)
{
	const char *a1[] = { "headless", "--no-osc", "--set", "/input/gain=3", NULL };
	pid_t first = spawn(a1, NULL);
	ck_assert_int_ge(wait_autosave(P_INPUT_GAIN, 3, 6000), 0);
	char *errfile = g_build_filename(tmpdir, "second.txt", NULL);
	const char *a2[] = { "headless", "--no-osc", "--set", "/eq/1/gain=2", NULL };
	pid_t second = spawn(a2, errfile);
	char *other = g_build_filename(state_home, "lathe", "autosave-lathe-01.lathe", NULL);
	lathe_params *p = params_new();
	char err[1024];
	int found = 0;
	for (int t = 0; t < 6000 && !found; t += 20) {
		found = session_load_file(p, other, NULL, err, sizeof err) == 0 && param_get(p, P_EQ_GAIN) == 2;
		if (!found)
			g_usleep(20000);
	}
	ck_assert_msg(found, "no autosave-lathe-01.lathe with the second instance's change within 6 s");
	ck_assert_msg(param_get(p, P_INPUT_GAIN) == 0, "the second instance took the first one's state (input gain %g)",
	              param_get(p, P_INPUT_GAIN));
	kill(second, SIGTERM);
	ck_assert_int_eq(wait_exit(second, 5000), 0);
	ck_assert_float_eq(autosaved(P_INPUT_GAIN), 3);
	ck_assert_float_eq(autosaved(P_EQ_GAIN), 0);
	gchar *text = NULL;
	ck_assert(g_file_get_contents(errfile, &text, NULL, NULL));
	ck_assert_msg(!strstr(text, "Restored"), "second instance: %s", text);
	g_free(text);
	/* the first one killed, a restart is the first again: its own state, and it says so */
	kill(first, SIGKILL);
	ck_assert_int_eq(wait_exit(first, 3000), 128 + SIGKILL);
	const char *a3[] = { "headless", "--no-osc", NULL };
	pid_t again = spawn(a3, errfile);
	for (int t = 0; t < 5000; t += 20) {
		text = NULL;
		if (g_file_get_contents(errfile, &text, NULL, NULL) && strstr(text, "Restored"))
			break;
		g_free(text);
		text = NULL;
		g_usleep(20000);
	}
	ck_assert_msg(text && strstr(text, "lathe: Restored the autosave autosave.lathe from 20"), "stderr: %s",
	              text ? text : "");
	g_free(text);
	kill(again, SIGTERM);
	ck_assert_int_eq(wait_exit(again, 5000), 0);
	params_free(p);
	g_free(other);
	g_free(errfile);
}
END_TEST

/* --session of something that is not a regular file: one line and exit 1 at
 * once, in the live modes and in render (a FIFO used to block the open with
 * SIGINT/SIGTERM blocked; /dev/zero used to be read to the end of memory). */
START_TEST(session_option_refuses_fifos_and_devices)
{
	char *fifo = g_build_filename(tmpdir, "fifo.lathe", NULL);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	char *errfile = g_build_filename(tmpdir, "stderr.txt", NULL);
	struct { const char *mode, *file, *why; } cases[] = {
		{ "headless", fifo, "a FIFO, not a regular file" },
		{ "headless", "/dev/zero", "a character device, not a regular file" },
		{ "render", fifo, "a FIFO, not a regular file" },
		{ "render", "/dev/zero", "a character device, not a regular file" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *live[] = { cases[i].mode, "--no-osc", "--session", cases[i].file, NULL };
		const char *render[] = { cases[i].mode, "/nonexistent-in.wav", "/tmp/never-written.wav", "--session", cases[i].file, NULL };
		pid_t pid = spawn(strcmp(cases[i].mode, "render") ? live : render, errfile);
		/* a refusal takes milliseconds; 10 s is a hang */
		int rc = wait_exit(pid, 10000);
		ck_assert_msg(rc == 1, "%s --session %s: exit %d (-1: still running after 10 s)", cases[i].mode, cases[i].file, rc);
		gchar *text = NULL;
		ck_assert(g_file_get_contents(errfile, &text, NULL, NULL));
		char want[512];
		snprintf(want, sizeof want, "lathe: %s: cannot read: %s\n", cases[i].file, cases[i].why);
		ck_assert_msg(!strcmp(text, want), "%s --session %s: stderr '%s', expected '%s'", cases[i].mode, cases[i].file,
		              text, want);
		g_free(text);
	}
	g_free(fifo);
	g_free(errfile);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_autosave");
	TCase *tc = suite_add_case(s, "headless", 300, setup, teardown);
	tcase_add_test(tc, autosave_survives_kill_9_and_is_restored);
	tcase_add_test(tc, session_option_loads_and_refuses);
	tcase_add_test(tc, session_option_refuses_fifos_and_devices);
	tcase_add_test(tc, second_instance_without_jack_has_its_own_autosave);
	return run_suite(s);
}
