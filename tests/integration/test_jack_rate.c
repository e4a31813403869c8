/* The JACK client and the supported rates (engine.h): a real jackd (dummy
 * backend) at a rate outside 22050-192000 Hz is refused at start-up with one
 * line naming the rate, status 1; at both ends of the range lathe joins and
 * says the rate it runs at. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static char *home;

static void setup(void) { home = g_dir_make_tmp("lathe-rate-XXXXXX", NULL); }

static void teardown(void)
{
	rm_tree(home);
	g_free(home);
}

/* lathe headless against a server at rate: its exit status, or -1 once it
 * says it joined (then it is stopped); its stderr in *err. */
static int run_at(int rate, char **err)
{
	fixture f;
	memset(&f, 0, sizeof f);
	/* a name of this suite's own: a shared lathe-test-N may be another suite's
	 * server at 48 kHz by the time lathe looks for it (suites run side by side) */
	snprintf(f.server, sizeof f.server, "lathe-rate-test");
	ck_assert_int_eq(fx_jackd_start(&f, rate, 1024), 0);
	char log[512];
	snprintf(log, sizeof log, "%s/err.txt", home);
	unlink(log); /* not the last run's words */
	/* Check's runner has SIGTERM/SIGINT handlers that kill the whole process
	 * group: the child must not run them before its exec */
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
		setenv("XDG_STATE_HOME", home, 1);
		setenv("XDG_DATA_HOME", home, 1);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execl(fx_lathe_bin(), fx_lathe_bin(), "headless", "--no-osc", "--jack-name", "lathe-rate", (char *)NULL);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	int st = 0, status = -1;
	for (int t = 0; t < 2000; t++) { /* 20 s: a refusal takes a fraction of one */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		char *text = NULL;
		int joined = g_file_get_contents(log, &text, NULL, NULL) && strstr(text, "JACK connected");
		g_free(text);
		if (joined)
			break;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (status < 0) { /* still running: stop it */
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	fx_jackd_stop(&f, SIGTERM);
	g_file_get_contents(log, err, NULL, NULL);
	return status;
}

static void expect_refused(int rate)
{
	char *err = NULL, want[64];
	int status = run_at(rate, &err);
	printf("  jackd at %6d Hz: status %d: %s", rate, status, err);
	snprintf(want, sizeof want, "runs at %d Hz", rate);
	ck_assert_int_eq(status, 1);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
	ck_assert_msg(strstr(err, want) && strstr(err, "22050-192000 Hz"), "the refusal names the rate and the range: %s", err);
	g_free(err);
}

START_TEST(rates_outside_are_refused)
{
	expect_refused(16000);
	expect_refused(384000);
}
END_TEST

START_TEST(both_ends_of_the_range_run)
{
	const int rates[] = { 22050, 192000 };
	for (int k = 0; k < 2; k++) {
		char *err = NULL, want[64];
		int status = run_at(rates[k], &err);
		printf("  jackd at %6d Hz: %s", rates[k], err);
		snprintf(want, sizeof want, "at %d Hz", rates[k]);
		ck_assert_msg(status < 0, "lathe ended (status %d) at %d Hz: %s", status, rates[k], err);
		ck_assert_msg(strstr(err, "JACK connected") && strstr(err, want), "joined at %d Hz: %s", rates[k], err);
		g_free(err);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jack_rate");
	TCase *tc = suite_add_case(s, "rate", 120, setup, teardown);
	tcase_add_test(tc, rates_outside_are_refused);
	tcase_add_test(tc, both_ends_of_the_range_run);
	return run_suite(s);
}
