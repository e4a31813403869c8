/* `lathe demo` as a new user meets it: no JACK server running, and a sound
 * card that JACK's ALSA backend cannot open (busy, or no playback device;
 * LATHE_DEMO_CARD points the card probe at /dev/null, which exists and is no
 * card).  The demo must still start its private server on the dummy backend,
 * say so in one line, play through the console, and take its server with it
 * when it quits.  Other JACK clients (jack_lsp here; a DAW, qjackctl) must be
 * able to join that server.  The console runs under Xvfb at 1366x768. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int log_has(const char *log, const char *what)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return 0;
	char line[1024];
	int found = 0;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static int demo_server_up(void)
{
	return system("JACK_DEFAULT_SERVER=lathe-server jack_lsp 2>/dev/null | grep -q '^lathe:out_L$'") == 0;
}

START_TEST(demo_falls_back_to_the_dummy_backend)
{
	char log[128], home[128];
	snprintf(log, sizeof log, "/tmp/lathe-demo-test-%d.log", (int)getpid());
	snprintf(home, sizeof home, "/tmp/lathe-demo-test-%d-home", (int)getpid());
	mkdir(home, 0700);
	if (demo_server_up()) {
		printf("  a 'lathe-server' JACK server runs already (someone's demo): not tested\n");
		return;
	}
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		char server[64];
		snprintf(server, sizeof server, "lathe-no-server-%d", (int)getppid());
		setenv("JACK_DEFAULT_SERVER", server, 1); /* no server of that name: demo starts its own */
		setenv("LATHE_DEMO_CARD", "/dev/null", 1);
		setenv("XDG_STATE_HOME", home, 1);
		setenv("XDG_DATA_HOME", home, 1);
		setenv("XDG_CONFIG_HOME", home, 1);
		setenv("GSETTINGS_BACKEND", "memory", 1);
		setenv("GTK_A11Y", "none", 1);
		setenv("NO_AT_BRIDGE", "1", 1);
		setenv("GDK_BACKEND", "x11", 1);
		setenv("GSK_RENDERER", "cairo", 1);
		unsetenv("DISPLAY");
		execlp("xvfb-run", "xvfb-run", "-a", "-s", "-screen 0 1366x768x24", fx_lathe_bin(), "demo", (char *)NULL);
		_exit(127);
	}
	int up = 0, player = 0;
	for (double t0 = now_s(); !(up && player) && now_s() - t0 < 60; usleep(200000)) {
		up = log_has(log, "started a private JACK server") && demo_server_up();
		/* the demo player (client lathe-demo) plays into lathe's input on the same server */
		player = up && system("JACK_DEFAULT_SERVER=lathe-server jack_lsp -c 2>/dev/null | "
				      "grep -A3 '^lathe-demo:out_L$' | grep -q '^ *lathe:in_L$'") == 0;
	}
	int said = log_has(log, "using the dummy backend");
	kill(-pid, SIGTERM);
	int st = 0;
	double t1 = now_s();
	while (waitpid(pid, &st, WNOHANG) == 0 && now_s() - t1 < 20)
		usleep(100000);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	/* the server's process itself, not only its answer: stopped with the whole
	 * xvfb-run group, the console exits inside GTK when its X server goes, and
	 * its private jackd was left running (in the suite's own /dev/shm, where
	 * jack_lsp from here could not see it) */
	int jackd_pid = 0;
	FILE *lf = fopen(log, "r");
	char line[512];
	while (lf && fgets(line, sizeof line, lf)) {
		const char *at = strstr(line, "started a private JACK server");
		if (at && strstr(at, "(pid "))
			jackd_pid = atoi(strstr(at, "(pid ") + 5);
	}
	if (lf)
		fclose(lf);
	int gone = 0;
	for (double t2 = now_s(); !gone && now_s() - t2 < 10; usleep(200000))
		gone = !demo_server_up() && (jackd_pid <= 0 || (kill(jackd_pid, 0) != 0 && errno == ESRCH));
	printf("lathe demo's private jackd (pid %d) %s after the stop\n", jackd_pid, gone ? "gone" : "still running");
	if (!gone && jackd_pid > 0)
		kill(jackd_pid, SIGKILL);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "cat %s", log);
	if (!up || !said || !player)
		ck_assert(system(cmd) == 0);
	rm_tree(home);
	unlink(log);
	ck_assert_msg(up, "lathe demo did not bring up a private server with lathe's ports when ALSA cannot be opened");
	ck_assert_msg(said, "lathe demo did not say that it fell back to the dummy backend");
	ck_assert_msg(player, "the demo player is not on the private server");
	ck_assert_msg(jackd_pid > 0, "lathe demo did not say which process its private server is");
	ck_assert_msg(gone, "the private JACK server outlived lathe demo");
}
END_TEST

/* `lathe headless` before any server runs: it waits, and says for which
 * server and how to start one, rather than a bare "no server". */
START_TEST(headless_names_the_server_it_waits_for)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
	         "JACK_DEFAULT_SERVER=lathe-absent-%d XDG_STATE_HOME=/tmp/lathe-absent-%d XDG_DATA_HOME=/tmp/lathe-absent-%d "
	         "timeout -s TERM 3 '%s' headless --no-osc 2>&1; rm -rf /tmp/lathe-absent-%d",
	         (int)getpid(), (int)getpid(), (int)getpid(), fx_lathe_bin(), (int)getpid());
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512], want[128], how[128];
	snprintf(want, sizeof want, "no JACK server 'lathe-absent-%d' running; waiting", (int)getpid());
	snprintf(how, sizeof how, "jackd -n lathe-absent-%d -d alsa", (int)getpid());
	int said = 0;
	while (fgets(line, sizeof line, p))
		said |= strstr(line, want) && strstr(line, how);
	pclose(p);
	ck_assert_msg(said, "headless without a server does not name the server it waits for and how to start it");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("demo");
	TCase *t = suite_add_case(s, "demo", 120, NULL, NULL);
	tcase_add_test(t, demo_falls_back_to_the_dummy_backend);
	tcase_add_test(t, headless_names_the_server_it_waits_for);
	return run_suite(s);
}
