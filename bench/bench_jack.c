/* make bench (after bench_chain): JACK DSP load and memory of `lathe headless`.
 *
 * A private jackd at 48 kHz / 64 frames (dummy backend; realtime scheduling
 * when the system allows it, else --no-realtime), then:
 *  1. baseline: only a demo player (and this sampler), no lathe;
 *  2. lathe headless with every module active and the demo playing
 *     (--play-demo), for LATHE_BENCH_JACK_SECONDS (default 60);
 *  3. lathe headless with every module active and silence at the inputs.
 * jack_cpu_load() is sampled once a second (after 3 s to settle); lathe's CPU
 * comes from /proc/PID/stat, its memory from /proc/PID/status (VmHWM, and RSS
 * split into anonymous, file-backed and shared memory: JACK's shared segment
 * is mapped and locked by libjack in every client and shows up as RssShmem).
 */
#include <fcntl.h>
#include <jack/jack.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/demo.h"

static const char *server;
static int realtime;

static void quiet(const char *m) { (void)m; }

static jack_client_t *open_client(const char *name)
{
	jack_status_t st;
	return jack_client_open(name, JackNoStartServer | JackServerName, &st, server);
}

static pid_t start_jackd(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		if (realtime)
			execlp("jackd", "jackd", "-R", "-P", "70", "-n", server, "-d", "dummy", "-r", "48000", "-p", "64", (char *)NULL);
		else
			execlp("jackd", "jackd", "--no-realtime", "-n", server, "-d", "dummy", "-r", "48000", "-p", "64", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		jack_client_t *c = open_client("bench-probe");
		if (c) {
			jack_client_close(c);
			return pid;
		}
		usleep(100000);
	}
	return -1;
}

static int can_realtime(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sched_param sp = { .sched_priority = 10 };
		_exit(sched_setscheduler(0, SCHED_FIFO, &sp) == 0 ? 0 : 1);
	}
	int st = 1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static pid_t start_lathe(int demo)
{
	static const char *const sets[] = {
		"/eq/1/type=low_cut", "/eq/1/freq=25", "/eq/1/slope=24", "/eq/2/gain=2", "/eq/3/gain=-1.5", "/eq/4/gain=1",
		"/eq/5/gain=-2", "/eq/6/gain=1.5", "/eq/7/type=high_shelf", "/eq/7/gain=2", "/eq/8/channel=side", "/eq/8/gain=1",
		"/mb/bypass=0", "/mb/bands=4", "/mb/1/threshold=-24", "/mb/2/threshold=-24", "/mb/3/threshold=-24", "/mb/4/threshold=-24",
		"/imager/width=115", "/imager/2/width=130", "/imager/mono_below=120",
		"/saturate/bypass=0", "/saturate/drive=6", "/saturate/oversampling=4x",
		"/limiter/gain=8", "/dither/bypass=0", "/dither/shape=lipshitz",
	};
	const char *bin = getenv("LATHE_BIN");
	if (!bin || !*bin)
		bin = "./lathe";
	const char *argv[96];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "headless";
	argv[n++] = "--jack-name";
	argv[n++] = "lathe-bench";
	argv[n++] = "--no-osc";
	if (demo)
		argv[n++] = "--play-demo";
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		argv[n++] = "--set";
		argv[n++] = sets[i];
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		char state[64];
		snprintf(state, sizeof state, "/tmp/lathe-bench-state-%d", (int)getppid());
		setenv("XDG_STATE_HOME", state, 1);
		setenv("JACK_DEFAULT_SERVER", server, 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(30000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static double cpu_seconds(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = atol(line + kl + 1);
	if (f)
		fclose(f);
	return v;
}

static int wait_port(jack_client_t *c, const char *port)
{
	for (int i = 0; i < 100; i++) {
		if (jack_port_by_name(c, port))
			return 0;
		usleep(100000);
	}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Samples jack_cpu_load once a second for `secs`; mean and max in percent; lathe's CPU share. */
static void sample(jack_client_t *c, int secs, pid_t lathe, double *mean, double *max, double *cpu)
{
	sleep(3);
	double sum = 0, mx = 0, c0 = lathe > 0 ? cpu_seconds(lathe) : 0, t0 = now_s();
	for (int i = 0; i < secs; i++) {
		sleep(1);
		double l = jack_cpu_load(c);
		sum += l;
		if (l > mx)
			mx = l;
	}
	*mean = sum / secs;
	*max = mx;
	*cpu = lathe > 0 ? 100 * (cpu_seconds(lathe) - c0) / (now_s() - t0) : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int secs = getenv("LATHE_BENCH_JACK_SECONDS") ? atoi(getenv("LATHE_BENCH_JACK_SECONDS")) : 60;
	if (secs < 5)
		secs = 5;
	static char name[64];
	snprintf(name, sizeof name, "lathe-bench"); /* fixed: see tests/support/fixture.h on JACK's registry */
	server = name;
	setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
	jack_set_error_function(quiet);
	jack_set_info_function(quiet);
	realtime = can_realtime();
	pid_t jackd = start_jackd();
	if (jackd < 0) {
		fprintf(stderr, "bench_jack: jackd did not start (jack2 allows 8 servers at once)\n");
		return 1;
	}
	jack_client_t *c = open_client("bench-sampler");
	jack_activate(c);
	printf("jack: private dummy jackd, 48 kHz, 64 frames, %s\n", realtime ? "realtime (-R -P 70)" : "--no-realtime");

	/* 1. baseline */
	setenv("JACK_DEFAULT_SERVER", server, 1);
	char err[200];
	demo_player *d = demo_player_new("nobody", err, sizeof err);
	double bm, bx, bc;
	sample(c, secs / 4 > 10 ? secs / 4 : 10, 0, &bm, &bx, &bc);
	demo_player_free(d);
	printf("jack: DSP load without lathe (demo player only): mean %.2f%%, max %.2f%%\n", bm, bx);

	/* 2. lathe, every module active, the demo playing */
	pid_t l = start_lathe(1);
	if (wait_port(c, "lathe-bench:out_L")) {
		fprintf(stderr, "bench_jack: lathe did not come up\n");
		stop(l);
		stop(jackd);
		return 1;
	}
	double lm, lx, lc;
	sample(c, secs, l, &lm, &lx, &lc);
	long hwm = status_kb(l, "VmHWM"), rss = status_kb(l, "VmRSS"), an = status_kb(l, "RssAnon"),
	     fi = status_kb(l, "RssFile"), sh = status_kb(l, "RssShmem");
	stop(l);
	printf("jack: DSP load with lathe (every module active, demo playing, %d s): mean %.2f%%, max %.2f%% "
	       "(lathe's share of the mean: %.2f%%)\n", secs, lm, lx, lm - bm);
	printf("jack: lathe headless CPU with audio: %.1f%% of a core (RT thread, analysis, supervisor)\n", lc);

	/* 3. silence at the inputs */
	l = start_lathe(0);
	double sm = 0, sx = 0, sc = 0;
	if (wait_port(c, "lathe-bench:out_L") == 0)
		sample(c, secs / 4 > 10 ? secs / 4 : 10, l, &sm, &sx, &sc);
	stop(l);
	printf("jack: lathe headless CPU with silence in: %.1f%% of a core (DSP load mean %.2f%%, max %.2f%%)\n", sc, sm, sx);
	printf("memory: lathe headless VmHWM %ld kB, VmRSS %ld kB = anonymous %ld + file %ld + shared %ld kB "
	       "(own memory without JACK's shared segment: %ld kB)\n", hwm, rss, an, fi, sh, an + fi);
	jack_client_close(c);
	stop(jackd);
	return 0;
}
