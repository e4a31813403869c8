/* SIGINT/SIGTERM end lathe at any moment: during every start-up step of
 * `lathe headless` (sent 0, 20, 50, 100, 200 and 500 ms after the spawn,
 * while it loads a session that blocks, waits for an NSM server that never
 * answers, polls for a JACK server that is not there), and during a render
 * (which then exits non-zero and leaves neither OUT nor OUT.tmp-PID).
 *
 * No timing is judged tightly: the steps tried here block for 10 s or for
 * ever, so an exit within STOP_LIMIT_S (several times what lathe needs, about
 * 0.5 s) can only mean the stop was honoured; the times are printed. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

#define STOP_LIMIT_S 3.0

static char *dir;

static void setup(void) { dir = g_dir_make_tmp("lathe-stop-XXXXXX", NULL); }

static void teardown(void)
{
	rm_tree(dir);
	g_free(dir);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void nap_ms(double ms)
{
	struct timespec t = { (time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6) };
	nanosleep(&t, NULL);
}

/* Spawns lathe with argv (NULL-terminated, argv[0] is replaced by the
 * binary), stderr to DIR/err.txt; returns the pid. */
static pid_t spawn(const char **argv, const char *const *env)
{
	/* Check's runner has its own SIGTERM/SIGINT handlers (they kill the test's
	 * process group): the child must not run them if the signal comes before
	 * its exec, so they are blocked across the fork and reset in the child. */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		char errpath[512];
		snprintf(errpath, sizeof errpath, "%s/err.txt", dir);
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644), nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(fd, 2);
		for (int i = 0; env && env[i]; i += 2)
			setenv(env[i], env[i + 1], 1);
		argv[0] = fx_lathe_bin();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Waits up to limit seconds; returns the seconds it took (INFINITY: killed with SIGKILL). */
static double wait_exit(pid_t pid, double limit, int *status)
{
	double t0 = now_s();
	while (now_s() - t0 < limit) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return now_s() - t0;
		nap_ms(1);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return INFINITY;
}

/* A clean end: exit 0 (stopped as asked) or 1 (a start-up step refused, e.g.
 * a session that is a FIFO), or the stop signal itself (before lathe took it
 * over, or a start-up step that could not finish); never a crash. */
static int stopped_cleanly(int st, int sig)
{
	return (WIFEXITED(st) && WEXITSTATUS(st) <= 1) || (WIFSIGNALED(st) && WTERMSIG(st) == sig);
}

static void stop_during_startup(const char *what, const char **argv, const char *const *env)
{
	static const int delays_ms[] = { 0, 20, 50, 100, 200, 500 };
	for (size_t k = 0; k < sizeof delays_ms / sizeof delays_ms[0]; k++) {
		for (int s = 0; s < 2; s++) {
			int sig = s ? SIGINT : SIGTERM, st = 0;
			pid_t pid = spawn(argv, env);
			nap_ms(delays_ms[k]);
			kill(pid, sig);
			double took = wait_exit(pid, STOP_LIMIT_S, &st);
			printf("  %-40s %s at %3d ms: ended after %4.0f ms (%s %d)\n", what, sig == SIGINT ? "SIGINT " : "SIGTERM",
			       delays_ms[k], took * 1000, WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			fflush(stdout);
			ck_assert_msg(isfinite(took), "%s: %s %d ms after the start did not end lathe within %.0f s", what,
			              sig == SIGINT ? "SIGINT" : "SIGTERM", delays_ms[k], STOP_LIMIT_S);
			ck_assert_msg(stopped_cleanly(st, sig), "%s: status %d", what, st);
		}
	}
}

START_TEST(stop_while_a_session_file_blocks)
{
	/* a FIFO nobody writes to: open(2) of it blocks (unless lathe refuses it) */
	char *fifo = g_build_filename(dir, "blocks.lathe", NULL);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	char *state = g_build_filename(dir, "state", NULL);
	const char *env[] = { "XDG_STATE_HOME", state, "XDG_DATA_HOME", state, "JACK_DEFAULT_SERVER", "lathe-stop-none", NULL };
	const char *argv[] = { "lathe", "headless", "--no-osc", "--session", fifo, NULL };
	stop_during_startup("--session FIFO", argv, env);
	g_free(fifo);
	g_free(state);
}
END_TEST

START_TEST(stop_while_waiting_for_nsm)
{
	/* NSM_URL names a UDP port nobody answers on: lathe waits 10 s for /nsm/client/open */
	char *state = g_build_filename(dir, "state", NULL);
	const char *env[] = { "XDG_STATE_HOME", state, "XDG_DATA_HOME", state, "NSM_URL", "osc.udp://127.0.0.1:9/",
		                  "JACK_DEFAULT_SERVER", "lathe-stop-none", NULL };
	const char *argv[] = { "lathe", "headless", "--no-osc", NULL };
	stop_during_startup("NSM server that never answers", argv, env);
	g_free(state);
}
END_TEST

START_TEST(stop_while_polling_for_jack)
{
	char *state = g_build_filename(dir, "state", NULL);
	const char *env[] = { "XDG_STATE_HOME", state, "XDG_DATA_HOME", state, "JACK_DEFAULT_SERVER", "lathe-stop-none", NULL };
	const char *argv[] = { "lathe", "headless", "--no-osc", NULL };
	stop_during_startup("no JACK server", argv, env);
	g_free(state);
}
END_TEST

/* 120 s of stereo noise at 48 kHz, 16 bit: long enough that a render is still running when the signal comes. */
static char *long_input(void)
{
	char *in = g_build_filename(dir, "long.wav", NULL);
	SF_INFO info = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	SNDFILE *sf = sf_open(in, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	short buf[2 * 4800];
	unsigned s = 7;
	for (int block = 0; block < 1200; block++) {
		for (int i = 0; i < 2 * 4800; i++)
			buf[i] = (short)((int)((s = s * 1664525u + 1013904223u) >> 20) - 2048);
		sf_writef_short(sf, buf, 4800);
	}
	sf_close(sf);
	return in;
}

static int tmp_files(void)
{
	int n = 0;
	GDir *d = g_dir_open(dir, 0, NULL);
	for (const char *name; (name = g_dir_read_name(d));)
		n += strstr(name, ".tmp-") != NULL;
	g_dir_close(d);
	return n;
}

static void stop_render(int sig, int with_target, int with_report)
{
	char *in = long_input(), *out = g_build_filename(dir, "out.wav", NULL), *rep = g_build_filename(dir, "r.json", NULL);
	char report_opt[600];
	snprintf(report_opt, sizeof report_opt, "--json=%s", rep);
	const char *argv[10] = { "lathe", "render", in, out };
	int a = 4;
	if (with_target) {
		argv[a++] = "--target-lufs";
		argv[a++] = "-14";
	}
	if (with_report)
		argv[a++] = report_opt;
	argv[a] = NULL;
	pid_t pid = spawn(argv, NULL);
	/* plain: wait until the temporary OUT is there, so the signal comes mid-write;
	 * --target-lufs: 300 ms in, while it measures (before any file is made) */
	char tmp[700];
	snprintf(tmp, sizeof tmp, "%s.tmp-%d", out, (int)pid);
	double t0 = now_s();
	if (with_target)
		nap_ms(300);
	else
		while (access(tmp, F_OK) != 0 && now_s() - t0 < 30)
			nap_ms(1);
	int st = 0;
	kill(pid, sig);
	double took = wait_exit(pid, 30, &st);
	char *errpath = g_build_filename(dir, "err.txt", NULL), *err = NULL;
	g_file_get_contents(errpath, &err, NULL, NULL);
	printf("  render%s%s, %s after %.0f ms: ended after %.0f ms (%s %d): %s", with_target ? " --target-lufs" : "",
	       with_report ? " --json" : "", sig == SIGINT ? "SIGINT" : "SIGTERM", (now_s() - t0 - took) * 1000, took * 1000,
	       WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), err ? err : "\n");
	fflush(stdout);
	ck_assert_msg(took < STOP_LIMIT_S, "the render went on for %.1f s after the signal", took);
	ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 0), "a stopped render exited 0");
	ck_assert_msg(!WIFSIGNALED(st) || WTERMSIG(st) == sig, "died of signal %d", WTERMSIG(st));
	ck_assert_msg(access(out, F_OK) != 0, "a stopped render left OUT");
	ck_assert_msg(access(rep, F_OK) != 0, "a stopped render left the report");
	ck_assert_int_eq(tmp_files(), 0);
	g_free(err);
	g_free(errpath);
	g_free(in);
	g_free(out);
	g_free(rep);
}

START_TEST(sigint_stops_a_render) { stop_render(SIGINT, 0, 1); }
END_TEST

START_TEST(sigterm_stops_a_render) { stop_render(SIGTERM, 0, 0); }
END_TEST

START_TEST(sigint_stops_a_render_aiming_at_a_loudness) { stop_render(SIGINT, 1, 0); }
END_TEST

int main(void)
{
	Suite *s = suite_create("stop");
	TCase *tc = suite_add_case(s, "startup", 120, setup, teardown);
	tcase_add_test(tc, stop_while_a_session_file_blocks);
	tcase_add_test(tc, stop_while_waiting_for_nsm);
	tcase_add_test(tc, stop_while_polling_for_jack);
	TCase *tr = suite_add_case(s, "render", 120, setup, teardown);
	tcase_add_test(tr, sigint_stops_a_render);
	tcase_add_test(tr, sigterm_stops_a_render);
	tcase_add_test(tr, sigint_stops_a_render_aiming_at_a_loudness);
	return run_suite(s);
}
