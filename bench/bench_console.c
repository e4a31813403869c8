/* lathe bench — the console's CPU and frame rate, idle and under 1,000 OSC
 * messages a second (issue 13).
 *
 * Real parts: a private X server (Xvfb 1366x768x24, the laptop screen of
 * issue 13), a private jackd (dummy backend, 48 kHz / 256 frames), and
 * `lathe console --play-demo` with every module active, drawing with GTK's
 * cairo renderer as the tests do.  CPU is the console process's utime+stime
 * from /proc/PID/stat (all its threads: GUI, engine, analysis, OSC) over
 * each window, as a share of one core.  Frames per second come from the
 * console itself: with LATHE_FPS_LOG it prints, once a second, the frames
 * its GdkFrameClock tick ran and a CLOCK_MONOTONIC stamp; the seconds that
 * fall inside a window are summed.
 *
 * Windows: idle (the demo playing, no OSC), then OSC (10 parameter changes
 * every 10 ms to random non-bypass parameters, from a UDP client), each
 * LATHE_BENCH_CONSOLE_SECONDS (default 20) after 5 s to settle; then the
 * same two windows for `lathe headless` with the same settings, so that the
 * GUI's share is the difference.
 *
 * Figures are printed, never asserted (the machine is shared). */
#include <errno.h>
#include <fcntl.h>
#include <lo/lo.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../engine/params.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	if (s > 0)
		usleep((useconds_t)(s * 1e6));
}

/* A child with stdout/stderr to LOG (or /dev/null), killed when we die. */
static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Xvfb of GEOMETRY on the first free display (-displayfd); sets DISPLAY. */
static pid_t xvfb_start(const char *geometry)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		char fd[16];
		snprintf(fd, sizeof fd, "%d", fds[1]);
		execlp("Xvfb", "Xvfb", "-displayfd", fd, "-screen", "0", geometry, "-nolisten", "tcp", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[32] = "";
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof buf - 1 && (r = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0) {
		n += r;
		if (strchr(buf, '\n'))
			break;
	}
	close(fds[0]);
	if (n <= 0) {
		stop_child(pid);
		return -1;
	}
	char disp[40];
	snprintf(disp, sizeof disp, ":%d", atoi(buf));
	setenv("DISPLAY", disp, 1);
	return pid;
}

/* utime + stime of PID in seconds (fields 14 and 15 of /proc/PID/stat, proc(5)). */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return -1;
	unsigned long ut = 0, st = 0;
	/* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Frames the console reported for the seconds that ended within [t0, t1]
 * ("lathe: fps N frames in S s at T" lines in LOG); fps = frames / seconds. */
static double log_fps(const char *log, double t0, double t1, int *frames_out, double *secs_out)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return 0;
	char line[512];
	int frames = 0;
	double secs = 0;
	while (fgets(line, sizeof line, f)) {
		int n;
		double s, at;
		if (sscanf(line, "lathe: fps %d frames in %lf s at %lf", &n, &s, &at) == 3 && at - s >= t0 && at <= t1) {
			frames += n;
			secs += s;
		}
	}
	fclose(f);
	if (frames_out)
		*frames_out = frames;
	if (secs_out)
		*secs_out = secs;
	return secs > 0 ? frames / secs : 0;
}

/* ---- the OSC client: 10 messages every 10 ms ---- */

typedef struct {
	int port;
	double seconds;
	_Atomic unsigned long sent;
} oscload;

static void *osc_thread(void *arg)
{
	oscload *o = arg;
	char port[16];
	snprintf(port, sizeof port, "%d", o->port);
	lo_address to = lo_address_new("127.0.0.1", port);
	int n = params_count(), k = 0;
	int *ids = malloc(n * sizeof *ids);
	for (int i = 0; i < n; i++) {
		const param_info *pi = param_info_get(i);
		size_t l = strlen(pi->path);
		if (l >= 6 && !strcmp(pi->path + l - 6, "bypass")) /* modules stay active */
			continue;
		ids[k++] = i;
	}
	unsigned seed = 12345;
	double t0 = now_s();
	for (int tick = 1; now_s() - t0 < o->seconds; tick++) {
		for (int i = 0; i < 10; i++) {
			const param_info *pi = param_info_get(ids[rand_r(&seed) % k]);
			float u = (float)rand_r(&seed) / (float)RAND_MAX;
			float v = pi->min + u * (pi->max - pi->min);
			if (pi->step >= 1)
				v = floorf(v + 0.5f);
			lo_send(to, pi->path, "f", v);
			atomic_fetch_add(&o->sent, 1);
		}
		sleep_s(t0 + tick * 0.010 - now_s()); /* absolute pacing */
	}
	free(ids);
	lo_address_free(to);
	return NULL;
}

typedef struct {
	double cpu_pct, fps, secs, logged; /* logged: the whole seconds of frames inside the window */
	int frames;
} window_result;

static window_result measure_window(pid_t lathe, const char *log, double secs)
{
	window_result w = { 0 };
	double t0 = now_s(), c0 = proc_cpu_s(lathe);
	sleep_s(secs);
	double t1 = now_s(), c1 = proc_cpu_s(lathe);
	sleep_s(1.2); /* the second that ends after t1 is not counted; let the last inside one be logged */
	w.secs = t1 - t0;
	w.cpu_pct = c0 >= 0 && c1 >= 0 ? 100.0 * (c1 - c0) / w.secs : -1;
	w.fps = log_fps(log, t0, t1, &w.frames, &w.logged);
	return w;
}

int main(void)
{
	const char *bin = getenv("LATHE_BIN") ? getenv("LATHE_BIN") : "./lathe";
	const char *e = getenv("LATHE_BENCH_CONSOLE_SECONDS");
	double T = e ? atof(e) : 20;
	if (T <= 0)
		T = 20;
	params_init();

	char dir[] = "/tmp/lathe-bench-console-XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "lathe: bench_console: cannot make a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	char log[128], jlog[128], sdir[128], cmd[256];
	snprintf(log, sizeof log, "%s/console.log", dir);
	snprintf(jlog, sizeof jlog, "%s/jackd.log", dir);
	snprintf(sdir, sizeof sdir, "%s/sessions", dir);
	mkdir(sdir, 0755);

	pid_t xvfb = xvfb_start("1366x768x24");
	if (xvfb < 0) {
		fprintf(stderr, "lathe: bench_console: Xvfb did not start (apt-get install xvfb)\n");
		return 1;
	}
	char server[64];
	snprintf(server, sizeof server, "lathe-bench-console-%d", (int)getpid());
	setenv("JACK_DEFAULT_SERVER", server, 1);
	setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
	const char *jargv[] = { "jackd", "--no-realtime", "-n", server, "-d", "dummy", "-r", "48000", "-p", "256", NULL };
	pid_t jackd = spawn(jargv, jlog);
	int rc = 1;
	pid_t lathe = -1;
	if (system("jack_wait -w -t 10 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "lathe: bench_console: the private jackd did not start (see %s)\n", jlog);
		goto out;
	}

	char port[16];
	int osc_port = 20000 + getpid() % 20000;
	snprintf(port, sizeof port, "%d", osc_port);
	setenv("XDG_STATE_HOME", dir, 1);
	setenv("XDG_DATA_HOME", dir, 1);
	setenv("GSK_RENDERER", "cairo", 1);
	setenv("GDK_BACKEND", "x11", 1);
	setenv("GTK_A11Y", "none", 1);
	setenv("GSETTINGS_BACKEND", "memory", 1);
	setenv("NO_AT_BRIDGE", "1", 1);
	setenv("LATHE_FPS_LOG", "1", 1);
	/* every module active, as in the soak (tests/integration/test_soak.c) */
	const char *largv[] = { bin, "console", "--jack-name", "benchc", "--osc-port", port, "--session-dir", sdir,
		"--play-demo",
		"--set", "/mb/bypass=0", "--set", "/mb/bands=4", "--set", "/saturate/bypass=0", "--set", "/saturate/drive=6",
		"--set", "/dither/bypass=0", "--set", "/eq/1/type=low_cut", "--set", "/eq/2/gain=3", "--set", "/eq/6/gain=-2",
		"--set", "/imager/width=120", "--set", "/imager/mono_below=120", "--set", "/limiter/gain=6", NULL };
	lathe = spawn(largv, log);
	/* up when its first second of frames is logged */
	double t_start = now_s();
	while (log_fps(log, 0, 1e12, NULL, NULL) <= 0) {
		if (now_s() - t_start > 30 || waitpid(lathe, NULL, WNOHANG) == lathe) {
			fprintf(stderr, "lathe: bench_console: the console did not start drawing within 30 s (see %s)\n", log);
			snprintf(cmd, sizeof cmd, "tail -5 %s >&2", log);
			if (system(cmd)) {}
			goto out;
		}
		sleep_s(0.2);
	}
	sleep_s(5); /* settle: meters filled, caches warm */

	char load[64] = "";
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (!fgets(load, sizeof load, lf))
			load[0] = 0;
		fclose(lf);
		load[strcspn(load, "\n")] = 0;
	}
	printf("console: Xvfb 1366x768x24, cairo renderer, demo playing, every module active, %.0f s per window, %ld cores, load %s\n",
	       T, sysconf(_SC_NPROCESSORS_ONLN), load);
	window_result idle = measure_window(lathe, log, T);
	printf("console idle: %.1f %% of a core over %.1f s, %.1f fps (%d frames in %.1f s)\n", idle.cpu_pct, idle.secs, idle.fps, idle.frames, idle.logged);
	fflush(stdout);

	oscload o = { .port = osc_port, .seconds = T + 1.2 };
	pthread_t th;
	pthread_create(&th, NULL, osc_thread, &o);
	sleep_s(1); /* the traffic running */
	window_result busy = measure_window(lathe, log, T - 1);
	pthread_join(th, NULL);
	printf("console under %.0f OSC messages/s: %.1f %% of a core over %.1f s, %.1f fps (%d frames in %.1f s)\n",
	       atomic_load(&o.sent) / o.seconds, busy.cpu_pct, busy.secs, busy.fps, busy.frames, busy.logged);
	if (waitpid(lathe, NULL, WNOHANG) == lathe) {
		fprintf(stderr, "lathe: bench_console: the console died during the bench (see %s)\n", log);
		lathe = -1;
		goto out;
	}
	fflush(stdout);
	stop_child(lathe);

	/* The same engine, OSC server and settings without the GUI: what of the
	 * console's figure is the window's. */
	largv[1] = "headless";
	lathe = spawn(largv, log);
	sleep_s(5);
	if (waitpid(lathe, NULL, WNOHANG) == lathe) {
		fprintf(stderr, "lathe: bench_console: lathe headless did not start (see %s)\n", log);
		lathe = -1;
		goto out;
	}
	window_result hidle = measure_window(lathe, log, T);
	oscload ho = { .port = osc_port, .seconds = T + 1.2 };
	pthread_create(&th, NULL, osc_thread, &ho);
	sleep_s(1);
	window_result hbusy = measure_window(lathe, log, T - 1);
	pthread_join(th, NULL);
	printf("headless (no GUI), same settings: idle %.1f %% of a core, under %.0f OSC messages/s %.1f %%\n", hidle.cpu_pct,
	       atomic_load(&ho.sent) / ho.seconds, hbusy.cpu_pct);
	printf("console's GUI share: idle %.1f %%, under OSC %.1f %% of a core\n", idle.cpu_pct - hidle.cpu_pct,
	       busy.cpu_pct - hbusy.cpu_pct);
	rc = 0;
out:
	stop_child(lathe);
	stop_child(jackd);
	stop_child(xvfb);
	if (rc == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd)) {}
	}
	return rc;
}
