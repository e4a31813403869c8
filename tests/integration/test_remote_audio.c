/* Audio between machines with the bridges JACK users already run (issue 17),
 * on one machine: two private jackd servers, "rack" (lathe headless) and
 * "desk" (where the converters would be), dummy backends, and
 *   - zita-njbridge: zita-j2n on rack sends lathe:monitor_L/R over UDP on
 *     127.0.0.1 to zita-n2j on desk (each server keeps its own clock; n2j
 *     resamples);
 *   - netjack2: desk is the master (dummy backend + the netmanager internal
 *     client, as the machine with the sound card would be), rack a
 *     `jackd -d net` slave clocked by it; lathe:monitor_L/R go to rack's
 *     system:playback_1/2 and come out of desk's <slave>:from_slave_1/2.
 * A 1 kHz tone at -20 dBFS played into lathe on rack must arrive on desk at
 * -20 dBFS +- 0.5 dB (the factory chain leaves it unchanged).  Each bridge's
 * latency is measured: a windowed 2 kHz burst played into lathe on rack,
 * found on desk by cross-correlation, both ends stamped with their server's
 * jack_frames_to_time (JACK2 uses one monotonic clock for every server on a
 * machine), minus lathe's own reported latency; printed, never asserted.
 * netjack2 is measured at its default network latency (-l 5) and at -l 2.
 * "The whole mix in, master out" (docs/remote.md) is measured too: the desk
 * plays the tone and the bursts into the bridge to the rack, lathe:in_L/R
 * take them there, lathe:out_L/R go back over the other direction and the
 * desk records them (player and recorder one client on desk: one clock); the
 * round trip's latency and level are printed the same way.
 * Under load a bridge may take a while to lock or resynchronise: levels are
 * read in windows until one is right (FX_DEADLINE_MS), and the readings are
 * printed when none is.  A bridge that is not installed is skipped with a
 * line saying so. */
#include <check.h>
#include <errno.h>
#include <jack/jack.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/fixture.h"
#include "tests/support/check_main.h"

#define RATE 48000
#define PERIOD 256
#define REC_SECONDS 120
#define BURST_N 480        /* 10 ms */
#define TONE_DB (-20.0)
#define BURST_DB (-6.0)

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int have_tool(const char *name)
{
	const char *path = getenv("PATH");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path ? path : "/usr/bin:/bin");
	for (char *d = strtok(dir, ":"); d; d = strtok(NULL, ":")) {
		char f[4200];
		snprintf(f, sizeof f, "%s/%s", d, name);
		if (access(f, X_OK) == 0)
			return 1;
	}
	return 0;
}

static int have_jack_module(const char *so)
{
	char f[256];
	snprintf(f, sizeof f, "/usr/lib/x86_64-linux-gnu/jack/%s.so", so);
	if (access(f, R_OK) == 0)
		return 1;
	snprintf(f, sizeof f, "/usr/lib/jack/%s.so", so);
	return access(f, R_OK) == 0;
}

/* Every process this test starts, stopped at exit (a failed assertion exits
 * the test's process without reaching the rig's cleanup). */
static pid_t started[16];
static int n_started;

static void stop_all(void)
{
	for (int i = n_started - 1; i >= 0; i--)
		if (started[i] > 0) {
			kill(started[i], SIGTERM);
			waitpid(started[i], NULL, 0);
		}
	n_started = 0;
}

static void remember(pid_t pid)
{
	if (pid > 0 && n_started < 16)
		started[n_started++] = pid;
	static int hooked;
	if (!hooked) {
		hooked = 1;
		atexit(stop_all);
	}
}

/* fork + exec with stdout/stderr into log; the child's pid. */
static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* a group of its own: a signal meant for its group never reaches this test */
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	remember(pid);
	return pid;
}

static void stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	for (int i = 0; i < n_started; i++)
		if (started[i] == *pid)
			started[i] = 0;
	kill(*pid, SIGTERM);
	for (int t = 0; t < 5000; t += 20) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		msleep(20);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

static jack_client_t *open_on(const char *server, const char *name)
{
	jack_status_t st;
	return jack_client_open(name, JackNoStartServer | JackServerName, &st, server);
}

/* Polls until the server answers (up to FX_DEADLINE_MS); 0 when it does.
 * Asked by jack_wait in a process of its own: this one may hold a client on
 * the other server (see recorder). */
static int wait_server(const char *server, pid_t pid)
{
	for (int t = 0; t < FX_DEADLINE_MS; t += 200) {
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		pid_t w = fork();
		if (w == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execlp("jack_wait", "jack_wait", "-s", server, "-w", "-t", "1", (char *)NULL);
			_exit(127);
		}
		int st = 0;
		waitpid(w, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return 0;
		msleep(200);
	}
	return -1;
}

static pid_t start_dummy(const char *server, const char *log)
{
	char rate[16], period[16];
	snprintf(rate, sizeof rate, "%d", RATE);
	snprintf(period, sizeof period, "%d", PERIOD);
	const char *argv[] = { "jackd", "--no-realtime", "-n", server, "-d", "dummy", "-r", rate, "-p", period, NULL };
	pid_t pid = spawn(argv, log);
	if (wait_server(server, pid) != 0) {
		stop(&pid);
		return -1;
	}
	return pid;
}

/* ---- the two in-process ends: a player on rack, a recorder on desk ---- */

enum { PLAY_SILENCE, PLAY_TONE, PLAY_BURST };

/* The player: in this process on rack (monitor out to the desk), or in the
 * recorder's process on desk (the whole mix in, master out: see recorder). */
typedef struct {
	jack_client_t *c;
	jack_port_t *port[2];
	_Atomic int mode;
	_Atomic int burst_go;        /* set by the test: the next cycle starts a burst */
	_Atomic int64_t burst_us;    /* jack_frames_to_time of the burst's first frame */
	int burst_pos;
	uint64_t tone_pos;
} end;

/* The recorder, on desk, in a child process forked before this process
 * touches libjack: JACK2's client library serves one server per process (its
 * globals map one server's shared memory), so one process cannot hold a
 * client on rack and one on desk.  What it records lands in this shared
 * mapping (made before the fork, so its pointers hold in both). */
enum { REC_WAIT, REC_GO, REC_RUNNING, REC_FAILED, REC_STOP };
typedef struct {
	_Atomic int state;
	char server[64];
	char src_client[64];         /* connect this client's first two outputs ... */
	char src[2][128];            /* ... or these ports, when src_client is "" */
	char why[512];
	size_t cap;
	_Atomic size_t len;
	float *rec[2];
	int64_t *cycle_us;           /* per recorded cycle: time of its first frame */
	jack_port_t *port[2];        /* the child's */
	jack_client_t *c;
	/* The round trip: the desk plays the mix into the bridge to the rack and
	 * records the master that comes back, with one client (so the burst's
	 * start and its arrival are stamped in the same cycle count). */
	int plays;
	char dst[2][128];            /* recorder:out_1/2 -> these (the bridge to the rack) */
	end out;                     /* the player's state; its ports and client are the child's */
} recorder;

static float burst[BURST_N];

static int play_process(jack_nframes_t n, void *arg)
{
	end *e = arg;
	float *out[2] = { jack_port_get_buffer(e->port[0], n), jack_port_get_buffer(e->port[1], n) };
	int mode = atomic_load(&e->mode);
	if (atomic_exchange(&e->burst_go, 0)) {
		atomic_store(&e->burst_us, (int64_t)jack_frames_to_time(e->c, jack_last_frame_time(e->c)));
		e->burst_pos = 0;
		atomic_store(&e->mode, mode = PLAY_BURST);
	}
	double amp = pow(10, TONE_DB / 20);
	for (jack_nframes_t i = 0; i < n; i++) {
		float v = 0;
		if (mode == PLAY_TONE) {
			v = (float)(amp * sin(2 * M_PI * 1000.0 * (double)(e->tone_pos % RATE) / RATE));
			e->tone_pos++;
		} else if (mode == PLAY_BURST && e->burst_pos < BURST_N) {
			v = burst[e->burst_pos++];
		}
		out[0][i] = out[1][i] = v;
	}
	return 0;
}

static int rec_process(jack_nframes_t n, void *arg)
{
	recorder *e = arg;
	if (e->plays)
		play_process(n, &e->out);
	size_t len = atomic_load(&e->len);
	if (len + n > e->cap || n != PERIOD)
		return 0;
	const float *in[2] = { jack_port_get_buffer(e->port[0], n), jack_port_get_buffer(e->port[1], n) };
	memcpy(e->rec[0] + len, in[0], n * sizeof(float));
	memcpy(e->rec[1] + len, in[1], n * sizeof(float));
	e->cycle_us[len / PERIOD] = (int64_t)jack_frames_to_time(e->c, jack_last_frame_time(e->c));
	atomic_store(&e->len, len + n);
	return 0;
}

static jack_client_t *open_on(const char *server, const char *name);
static int connect_ports(jack_client_t *c, const char *a, const char *b);
static int find_port(jack_client_t *c, const char *client, unsigned long flags, int k, char *out, size_t len);

static void recorder_child(recorder *r)
{
	while (atomic_load(&r->state) == REC_WAIT)
		msleep(10);
	if (atomic_load(&r->state) != REC_GO)
		_exit(0);
	r->c = open_on(r->server, "recorder");
	if (!r->c) {
		snprintf(r->why, sizeof r->why, "cannot join %s", r->server);
		atomic_store(&r->state, REC_FAILED);
		_exit(1);
	}
	for (int k = 0; k < 2; k++) {
		char pn[16];
		snprintf(pn, sizeof pn, "in_%d", k + 1);
		r->port[k] = jack_port_register(r->c, pn, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	}
	if (r->plays) {
		for (int k = 0; k < 2; k++) {
			char pn[16];
			snprintf(pn, sizeof pn, "out_%d", k + 1);
			r->out.port[k] = jack_port_register(r->c, pn, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		}
		r->out.c = r->c;
	}
	jack_set_process_callback(r->c, rec_process, r);
	if (jack_activate(r->c) != 0) {
		snprintf(r->why, sizeof r->why, "cannot activate on %s", r->server);
		atomic_store(&r->state, REC_FAILED);
		_exit(1);
	}
	for (int k = 0; k < 2; k++) {
		char src[160], dst[32];
		if (r->src_client[0]) {
			if (find_port(r->c, r->src_client, JackPortIsOutput, k, src, sizeof src) != 0) {
				snprintf(r->why, sizeof r->why, "no output %d of %s on %s", k + 1, r->src_client, r->server);
				atomic_store(&r->state, REC_FAILED);
				_exit(1);
			}
		} else {
			snprintf(src, sizeof src, "%s", r->src[k]);
		}
		snprintf(dst, sizeof dst, "recorder:in_%d", k + 1);
		if (connect_ports(r->c, src, dst) != 0) {
			snprintf(r->why, sizeof r->why, "cannot connect %s -> %s on %s", src, dst, r->server);
			atomic_store(&r->state, REC_FAILED);
			_exit(1);
		}
	}
	for (int k = 0; r->plays && k < 2; k++) {
		char src[32];
		snprintf(src, sizeof src, "recorder:out_%d", k + 1);
		if (connect_ports(r->c, src, r->dst[k]) != 0) {
			snprintf(r->why, sizeof r->why, "cannot connect %s -> %s on %s", src, r->dst[k], r->server);
			atomic_store(&r->state, REC_FAILED);
			_exit(1);
		}
	}
	atomic_store(&r->state, REC_RUNNING);
	while (atomic_load(&r->state) == REC_RUNNING)
		msleep(20);
	signal(SIGTERM, SIG_IGN); /* see rig_free */
	jack_client_close(r->c);
	_exit(0);
}

/* Forks the recorder (call before anything in this process uses libjack). */
static recorder *recorder_fork(pid_t *pid)
{
	size_t cap = (size_t)REC_SECONDS * RATE;
	size_t bytes = sizeof(recorder) + 2 * cap * sizeof(float) + (cap / PERIOD + 1) * sizeof(int64_t) + 64;
	char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	recorder *r = (recorder *)m;
	memset(r, 0, sizeof *r);
	r->cap = cap;
	r->rec[0] = (float *)(m + ((sizeof(recorder) + 63) & ~(size_t)63));
	r->rec[1] = r->rec[0] + cap;
	r->cycle_us = (int64_t *)(r->rec[1] + cap);
	*pid = fork();
	if (*pid == 0) {
		setpgid(0, 0);  /* libjack's signals to its group stay in it */
		n_started = 0;  /* the parent's processes are the parent's to stop */
		recorder_child(r);
	}
	remember(*pid);
	return r;
}

/* Starts recording on server from src_client's outputs (or the ports src0,
 * src1); 0 once connected, else -1 with the reason in r->why. */
static int recorder_start(recorder *r, const char *server, const char *src_client, const char *src0, const char *src1)
{
	snprintf(r->server, sizeof r->server, "%s", server);
	snprintf(r->src_client, sizeof r->src_client, "%s", src_client ? src_client : "");
	snprintf(r->src[0], sizeof r->src[0], "%s", src0 ? src0 : "");
	snprintf(r->src[1], sizeof r->src[1], "%s", src1 ? src1 : "");
	atomic_store(&r->state, REC_GO);
	for (int t = 0; t < 2 * FX_DEADLINE_MS; t += 20) {
		int st = atomic_load(&r->state);
		if (st == REC_RUNNING)
			return 0;
		if (st == REC_FAILED)
			return -1;
		msleep(20);
	}
	snprintf(r->why, sizeof r->why, "the recorder did not connect in time");
	return -1;
}

/* The round trip: the recorder also plays, from recorder:out_1/2 into dst0, dst1. */
static int recorder_start_loop(recorder *r, const char *server, const char *src_client, const char *src0, const char *src1,
                               const char *dst0, const char *dst1)
{
	r->plays = 1;
	snprintf(r->dst[0], sizeof r->dst[0], "%s", dst0);
	snprintf(r->dst[1], sizeof r->dst[1], "%s", dst1);
	return recorder_start(r, server, src_client, src0, src1);
}

static end *end_new(const char *server, const char *name)
{
	end *e = calloc(1, sizeof *e);
	e->c = open_on(server, name);
	if (!e->c) {
		free(e);
		return NULL;
	}
	for (int k = 0; k < 2; k++) {
		char pn[16];
		snprintf(pn, sizeof pn, "out_%d", k + 1);
		e->port[k] = jack_port_register(e->c, pn, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	}
	jack_set_process_callback(e->c, play_process, e);
	if (jack_activate(e->c) != 0) {
		jack_client_close(e->c);
		free(e);
		return NULL;
	}
	return e;
}

static void end_free(end *e)
{
	if (!e)
		return;
	jack_client_close(e->c);
	free(e);
}

/* Connects a -> b on the client's server, retrying while the port appears. */
static int connect_ports(jack_client_t *c, const char *a, const char *b)
{
	for (int t = 0; t < FX_DEADLINE_MS; t += 50) {
		int rc = jack_connect(c, a, b);
		if (rc == 0 || rc == EEXIST)
			return 0;
		msleep(50);
	}
	return -1;
}

/* The first port of `client` with the given direction, index k (sorted). */
static int find_port(jack_client_t *c, const char *client, unsigned long flags, int k, char *out, size_t len)
{
	char pat[128];
	snprintf(pat, sizeof pat, "^%s:", client);
	for (int t = 0; t < FX_DEADLINE_MS; t += 50) {
		const char **ports = jack_get_ports(c, pat, JACK_DEFAULT_AUDIO_TYPE, flags);
		int n = 0;
		while (ports && ports[n])
			n++;
		if (n > k) {
			snprintf(out, len, "%s", ports[k]);
			jack_free(ports);
			return 0;
		}
		if (ports)
			jack_free(ports);
		msleep(50);
	}
	return -1;
}

static int cmp_double(const void *a, const void *b);

/* dB of a 1 kHz sine relative to a full-scale one over x[a..b): the median
 * of its RMS over 10 ms blocks (ten whole periods each), so a block the
 * bridge lost under load (a dropout, counted in *lost: 6 dB or more below
 * the median) does not pull the level down. */
static double sine_db(const float *x, size_t a, size_t b, int *lost)
{
	enum { BLK = RATE / 100 };
	double lv[RATE / BLK * 4];
	int n = 0;
	for (size_t k = a; k + BLK <= b && n < (int)(sizeof lv / sizeof lv[0]); k += BLK) {
		double s = 0;
		for (size_t i = k; i < k + BLK; i++)
			s += (double)x[i] * x[i];
		lv[n++] = 20 * log10(sqrt(s / BLK) * M_SQRT2 + 1e-30);
	}
	if (!n)
		return -300;
	qsort(lv, (size_t)n, sizeof lv[0], cmp_double);
	double med = lv[n / 2];
	if (lost) {
		*lost = 0;
		for (int i = 0; i < n; i++)
			*lost += lv[i] < med - 6;
	}
	return med;
}

/* Plays the tone and reads 0.5 s windows on desk until both channels are
 * within 0.5 dB of TONE_DB (the bridge locked); 0 and the levels, or -1. */
static int tone_level(end *play, recorder *rec, const char *what, double *l_db, double *r_db)
{
	atomic_store(&play->mode, PLAY_TONE);
	size_t win = RATE / 2;
	double end_t = mono_s() + FX_DEADLINE_MS / 1000.0;
	int windows = 0;
	char seen[1024] = "";
	while (mono_s() < end_t) {
		size_t start = atomic_load(&rec->len);
		while (atomic_load(&rec->len) < start + win && mono_s() < end_t)
			msleep(20);
		if (atomic_load(&rec->len) < start + win)
			break;
		int lost_l = 0, lost_r = 0;
		*l_db = sine_db(rec->rec[0], start, start + win, &lost_l);
		*r_db = sine_db(rec->rec[1], start, start + win, &lost_r);
		windows++;
		size_t sl = strlen(seen);
		if (sl < sizeof seen - 40)
			snprintf(seen + sl, sizeof seen - sl, " %.2f/%.2f", *l_db, *r_db);
		if (fabs(*l_db - TONE_DB) <= 0.5 && fabs(*r_db - TONE_DB) <= 0.5) {
			printf("%s: tone on desk %.3f / %.3f dBFS (median of 10 ms blocks; %d / %d of %d blocks 6 dB below it: the tone still in transit, or dropouts) after %d window(s) of 0.5 s\n",
			       what, *l_db, *r_db, lost_l, lost_r, (int)(win / (RATE / 100)), windows);
			return 0;
		}
	}
	printf("%s: the tone never arrived at -20 dBFS +- 0.5 dB; windows (L/R dBFS):%s\n", what, seen);
	return -1;
}

/* Bursts into lathe on rack, found on desk: the latency in frames of each
 * (rack cycle start of the burst -> its position in desk's recording). */
static int burst_latency(end *play, recorder *rec, int want, double *frames, int *tried)
{
	int got = 0, r = 0;
	/* until `want` are found or FX_DEADLINE_MS: on a loaded machine the dummy
	 * servers' clocks stumble and zita-n2j resynchronises (silence) for a while */
	for (double end_t = mono_s() + FX_DEADLINE_MS / 1000.0; got < want && mono_s() < end_t; r++) {
		atomic_store(&play->mode, PLAY_SILENCE);
		msleep(300);
		size_t from = atomic_load(&rec->len);
		atomic_store(&play->burst_go, 1);
		msleep(700); /* far more than any bridge's latency */
		atomic_store(&play->mode, PLAY_SILENCE);
		size_t to = atomic_load(&rec->len);
		int64_t t_send = atomic_load(&play->burst_us);
		if (to < from + BURST_N || t_send == 0)
			continue;
		/* cross-correlate the left channel with the burst */
		double best = 0;
		size_t at = 0;
		for (size_t k = from; k + BURST_N <= to; k++) {
			double s = 0;
			for (int j = 0; j < BURST_N; j++)
				s += (double)rec->rec[0][k + j] * burst[j];
			if (s > best) {
				best = s;
				at = k;
			}
		}
		double energy = 0;
		for (int j = 0; j < BURST_N; j++)
			energy += (double)burst[j] * burst[j];
		if (getenv("LATHE_DEBUG_BURSTS"))
			printf("burst %d: correlation %.3f of its energy at %zu (window %zu..%zu)\n", r, best / energy, at, from, to);
		if (best < 0.5 * energy) /* not found at its level (lost under load): try again */
			continue;
		double t_recv = (double)rec->cycle_us[at / PERIOD] + (double)(at % PERIOD) * 1e6 / RATE;
		frames[got++] = (t_recv - (double)t_send) * RATE / 1e6;
	}
	*tried = r;
	return got;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* What both tests share: lathe on rack, the ends, the measurement. */
typedef struct {
	char rack[64], desk[64];
	pid_t rack_jackd, desk_jackd, bridge[4];
	fixture fx;              /* lathe on rack */
	char log[256];
	end *play;
	recorder *rec;
	pid_t rec_pid;
} rig;

static void rig_names(rig *r, const char *bridge)
{
	memset(r, 0, sizeof *r);
	snprintf(r->rack, sizeof r->rack, "rack-%d", (int)getpid());
	snprintf(r->desk, sizeof r->desk, "desk-%d", (int)getpid());
	snprintf(r->log, sizeof r->log, "/tmp/lathe-remote-audio-%s-%d.log", bridge, (int)getpid());
	unlink(r->log);
	r->rec = recorder_fork(&r->rec_pid);
	ck_assert_ptr_nonnull(r->rec);
}

/* lathe on rack; the player on rack feeds its in_L/R when `feed` (else the
 * bridge from the desk does, connected by the test). */
static int rig_lathe(rig *r, int feed)
{
	setenv("JACK_DEFAULT_SERVER", r->rack, 1);
	snprintf(r->fx.server, sizeof r->fx.server, "%s", r->rack);
	r->fx.jackd = r->rack_jackd; /* so fx_lathe_start waits for its ports (the pid is stopped by rig_free) */
	char name[64];
	snprintf(name, sizeof name, "lathe-%d", (int)getpid());
	const char *args[] = { "--no-osc", NULL };
	if (fx_lathe_start(&r->fx, name, args) != 0)
		return -1;
	r->play = end_new(r->rack, "player");
	if (!r->play)
		return -1;
	char a[128], b[128];
	for (int k = 0; feed && k < 2; k++) {
		snprintf(a, sizeof a, "player:out_%d", k + 1);
		snprintf(b, sizeof b, "%s:in_%s", name, k ? "R" : "L");
		if (connect_ports(r->play->c, a, b) != 0)
			return -1;
	}
	return 0;
}

static void rig_free(rig *r)
{
	/* libjack (1.9.21) sends its own process SIGTERM when a server it once
	 * joined goes away, even with every client closed: this process and the
	 * recorder ignore it while the servers stop */
	signal(SIGTERM, SIG_IGN);
	end_free(r->play);
	if (r->rec) {
		atomic_store(&r->rec->state, REC_STOP);
		for (int t = 0; t < 2000 && r->rec_pid > 0; t += 20) {
			if (waitpid(r->rec_pid, NULL, WNOHANG) == r->rec_pid) {
				for (int i = 0; i < n_started; i++)
					if (started[i] == r->rec_pid)
						started[i] = 0;
				r->rec_pid = 0;
			}
			msleep(20);
		}
		stop(&r->rec_pid);
	}
	if (r->fx.lathe > 0)
		fx_lathe_stop(&r->fx);
	for (int k = 0; k < 4; k++)
		stop(&r->bridge[k]);
	stop(&r->rack_jackd);
	stop(&r->desk_jackd);
}

/* path: what the latency spans, for the line printed */
static void measure(rig *r, end *play, const char *what, const char *path)
{
	double l, rr;
	int level_ok = tone_level(play, r->rec, what, &l, &rr) == 0;
	double frames[9];
	int tried = 0;
	int n = burst_latency(play, r->rec, 9, frames, &tried);
	int lathe_frames = fx_logged_latency(&r->fx, 0);
	if (n > 0) {
		qsort(frames, (size_t)n, sizeof frames[0], cmp_double);
		double med = frames[n / 2];
		printf("%s latency, %s: median %.0f frames (%.2f ms) over %d bursts (%d sent), range %.0f..%.0f; "
		       "lathe's chain %d frames (its log), so the bridge adds %.0f frames (%.2f ms) at %d Hz, %d-frame periods (printed, not asserted)\n",
		       what, path, med, med * 1000 / RATE, n, tried, frames[0], frames[n - 1], lathe_frames, med - lathe_frames,
		       (med - lathe_frames) * 1000 / RATE, RATE, PERIOD);
		/* each burst: under load a net slave's frame clock jumps for a cycle or a
		 * zita-n2j resynchronises, and single readings stray; the median does not */
		printf("%s bursts (frames):", what);
		for (int k = 0; k < n; k++)
			printf(" %.0f", frames[k]);
		printf("\n");
	} else {
		printf("%s latency: no burst found on desk (the bridge dropped them)\n", what);
	}
	fflush(stdout);
	ck_assert_msg(level_ok, "%s: the -20 dBFS tone did not arrive at -20 dBFS +- 0.5 dB (see the windows above; logs %s, %s)",
	              what, r->log, r->fx.log);
}

START_TEST(zita_njbridge_monitor_to_desk)
{
	if (!have_tool("zita-j2n") || !have_tool("zita-n2j")) {
		printf("zita-njbridge: skipped: zita-j2n / zita-n2j not installed (apt-get install zita-njbridge)\n");
		return;
	}
	rig r;
	rig_names(&r, "zita");
	r.rack_jackd = start_dummy(r.rack, r.log);
	r.desk_jackd = start_dummy(r.desk, r.log);
	ck_assert_msg(r.rack_jackd > 0 && r.desk_jackd > 0, "the rack and desk servers did not start (log %s)", r.log);
	ck_assert_msg(rig_lathe(&r, 1) == 0, "lathe on rack did not start or connect (log %s)", r.fx.log);
	/* a free UDP port for the bridge: ours for the test's lifetime is good enough on loopback */
	char port[16];
	snprintf(port, sizeof port, "%d", 30000 + (int)(getpid() % 20000));
	const char *rx[] = { "stdbuf", "-oL", "zita-n2j", "--info", "--jserv", r.desk, "--jname", "n2j", "127.0.0.1", port, NULL };
	const char *tx[] = { "zita-j2n", "--jserv", r.rack, "--jname", "j2n", "127.0.0.1", port, NULL };
	r.bridge[0] = spawn(rx, r.log);
	r.bridge[1] = spawn(tx, r.log);
	char a[128], b[128];
	for (int k = 0; k < 2; k++) {
		/* rack: lathe:monitor_L/R -> j2n's inputs */
		ck_assert_msg(find_port(r.play->c, "j2n", JackPortIsInput, k, b, sizeof b) == 0, "no zita-j2n input on rack (log %s)", r.log);
		snprintf(a, sizeof a, "%s:monitor_%s", r.fx.lathe_name, k ? "R" : "L");
		ck_assert_int_eq(connect_ports(r.play->c, a, b), 0);
	}
	/* desk: n2j's outputs -> the recorder (where the converters would be) */
	ck_assert_msg(recorder_start(r.rec, r.desk, "n2j", NULL, NULL) == 0, "desk: %s (log %s)", r.rec->why, r.log);
	measure(&r, r.play, "zita-njbridge", "rack (into lathe) to desk");
	rig_free(&r);
}
END_TEST

/* netjack2: desk the master, rack a `jackd -d net` slave with `-l latency`
 * cycles of network latency (5 is netjack2's default).  round_trip: the desk
 * plays into rack's lathe:in_L/R (to_slave -> system:capture) and records
 * lathe:out_L/R (system:playback -> from_slave); else the rack's player
 * feeds lathe and the desk records lathe:monitor_L/R. */
static void netjack2(const char *latency, int round_trip)
{
	if (!have_tool("jack_load") || !have_jack_module("netmanager") || !have_jack_module("jack_net")) {
		printf("netjack2: skipped: jack_load, netmanager.so or jack_net.so not installed (jackd2)\n");
		return;
	}
	rig r;
	rig_names(&r, "netjack2");
	/* desk: the master (it has the converters' clock), rack: a net slave */
	r.desk_jackd = start_dummy(r.desk, r.log);
	ck_assert_msg(r.desk_jackd > 0, "the desk server did not start (log %s)", r.log);
	char port[16], init[64];
	snprintf(port, sizeof port, "%d", 20000 + (int)(getpid() % 9000));
	snprintf(init, sizeof init, "-a 127.0.0.1 -p %s", port);
	const char *load[] = { "jack_load", "-s", r.desk, "-i", init, "netmanager", "netmanager", NULL };
	pid_t lp = spawn(load, r.log);
	int st = 0;
	waitpid(lp, &st, 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "jack_load netmanager failed (log %s)", r.log);
	char slave[64];
	snprintf(slave, sizeof slave, "rack%d", (int)getpid());
	const char *rack[] = { "jackd", "--no-realtime", "-n", r.rack, "-d", "net", "-a", "127.0.0.1", "-p", port,
	                       "-n", slave, "-C", "2", "-P", "2", "-l", latency, NULL };
	r.rack_jackd = spawn(rack, r.log);
	ck_assert_msg(wait_server(r.rack, r.rack_jackd) == 0, "the rack net slave did not start or find its master (log %s)", r.log);
	ck_assert_msg(rig_lathe(&r, !round_trip) == 0, "lathe on rack did not start or connect (log %s)", r.fx.log);
	char a[128], b[128], what[64];
	for (int k = 0; k < 2; k++) {
		/* rack: lathe:monitor_L/R (or out_L/R) -> system:playback_1/2 (the net slave's outputs) */
		snprintf(a, sizeof a, "%s:%s_%s", r.fx.lathe_name, round_trip ? "out" : "monitor", k ? "R" : "L");
		snprintf(b, sizeof b, "system:playback_%d", k + 1);
		ck_assert_int_eq(connect_ports(r.play->c, a, b), 0);
		if (round_trip) { /* rack: system:capture_1/2 (from the desk) -> lathe:in_L/R */
			snprintf(a, sizeof a, "system:capture_%d", k + 1);
			snprintf(b, sizeof b, "%s:in_%s", r.fx.lathe_name, k ? "R" : "L");
			ck_assert_int_eq(connect_ports(r.play->c, a, b), 0);
		}
	}
	/* desk: <slave>:from_slave_1/2 -> the recorder (where the converters are) */
	snprintf(a, sizeof a, "%s:from_slave_1", slave);
	snprintf(b, sizeof b, "%s:from_slave_2", slave);
	snprintf(what, sizeof what, "netjack2 -l %s%s", latency, round_trip ? " round trip" : "");
	if (round_trip) {
		char d0[128], d1[128];
		snprintf(d0, sizeof d0, "%s:to_slave_1", slave);
		snprintf(d1, sizeof d1, "%s:to_slave_2", slave);
		ck_assert_msg(recorder_start_loop(r.rec, r.desk, NULL, a, b, d0, d1) == 0, "desk: %s (log %s)", r.rec->why, r.log);
		measure(&r, &r.rec->out, what, "desk into lathe:in on rack, lathe:out back to desk");
	} else {
		ck_assert_msg(recorder_start(r.rec, r.desk, NULL, a, b) == 0, "desk: %s (log %s)", r.rec->why, r.log);
		measure(&r, r.play, what, "rack (into lathe) to desk");
	}
	rig_free(&r);
}

START_TEST(netjack2_monitor_to_desk) { netjack2("5", 0); }
END_TEST

/* docs/remote.md: a shorter network latency for a quiet wired LAN */
START_TEST(netjack2_monitor_to_desk_l2) { netjack2("2", 0); }
END_TEST

START_TEST(netjack2_whole_mix_round_trip) { netjack2("5", 1); }
END_TEST

/* zita-njbridge both ways: desk j2n -> rack n2j -> lathe:in_L/R, lathe:out_L/R
 * -> rack j2n -> desk n2j; the desk plays and records (one client). */
START_TEST(zita_njbridge_whole_mix_round_trip)
{
	if (!have_tool("zita-j2n") || !have_tool("zita-n2j")) {
		printf("zita-njbridge: skipped: zita-j2n / zita-n2j not installed (apt-get install zita-njbridge)\n");
		return;
	}
	rig r;
	rig_names(&r, "zita-rt");
	r.rack_jackd = start_dummy(r.rack, r.log);
	r.desk_jackd = start_dummy(r.desk, r.log);
	ck_assert_msg(r.rack_jackd > 0 && r.desk_jackd > 0, "the rack and desk servers did not start (log %s)", r.log);
	ck_assert_msg(rig_lathe(&r, 0) == 0, "lathe on rack did not start (log %s)", r.fx.log);
	char to_rack[16], to_desk[16];
	snprintf(to_rack, sizeof to_rack, "%d", 30000 + (int)(getpid() % 20000));
	snprintf(to_desk, sizeof to_desk, "%d", 30000 + (int)((getpid() + 1) % 20000));
	const char *rack_rx[] = { "stdbuf", "-oL", "zita-n2j", "--info", "--jserv", r.rack, "--jname", "fromdesk", "127.0.0.1", to_rack, NULL };
	const char *desk_tx[] = { "zita-j2n", "--jserv", r.desk, "--jname", "torack", "127.0.0.1", to_rack, NULL };
	const char *desk_rx[] = { "stdbuf", "-oL", "zita-n2j", "--info", "--jserv", r.desk, "--jname", "fromrack", "127.0.0.1", to_desk, NULL };
	const char *rack_tx[] = { "zita-j2n", "--jserv", r.rack, "--jname", "todesk", "127.0.0.1", to_desk, NULL };
	r.bridge[0] = spawn(rack_rx, r.log);
	r.bridge[1] = spawn(desk_tx, r.log);
	r.bridge[2] = spawn(desk_rx, r.log);
	r.bridge[3] = spawn(rack_tx, r.log);
	char a[128], b[128];
	for (int k = 0; k < 2; k++) {
		/* rack: fromdesk:out_1/2 -> lathe:in_L/R, lathe:out_L/R -> todesk:in_1/2 */
		ck_assert_msg(find_port(r.play->c, "fromdesk", JackPortIsOutput, k, a, sizeof a) == 0, "no zita-n2j output on rack (log %s)", r.log);
		snprintf(b, sizeof b, "%s:in_%s", r.fx.lathe_name, k ? "R" : "L");
		ck_assert_int_eq(connect_ports(r.play->c, a, b), 0);
		ck_assert_msg(find_port(r.play->c, "todesk", JackPortIsInput, k, b, sizeof b) == 0, "no zita-j2n input on rack (log %s)", r.log);
		snprintf(a, sizeof a, "%s:out_%s", r.fx.lathe_name, k ? "R" : "L");
		ck_assert_int_eq(connect_ports(r.play->c, a, b), 0);
	}
	/* desk: recorder:out_1/2 -> torack:in_1/2, fromrack:out_1/2 -> recorder:in_1/2 */
	ck_assert_msg(recorder_start_loop(r.rec, r.desk, "fromrack", NULL, NULL, "torack:in_1", "torack:in_2") == 0, "desk: %s (log %s)",
	              r.rec->why, r.log);
	measure(&r, &r.rec->out, "zita-njbridge round trip", "desk into lathe:in on rack, lathe:out back to desk");
	rig_free(&r);
}
END_TEST

int main(void)
{
	/* the burst: 10 ms of 2 kHz under a Hann window at -6 dBFS peak */
	for (int j = 0; j < BURST_N; j++)
		burst[j] = (float)(pow(10, BURST_DB / 20) * 0.5 * (1 - cos(2 * M_PI * j / (BURST_N - 1))) *
		                   sin(2 * M_PI * 2000.0 * j / RATE));
	Suite *s = suite_create("remote_audio");
	TCase *t = suite_add_case(s, "bridges", 180, NULL, NULL);
	tcase_add_test(t, zita_njbridge_monitor_to_desk);
	tcase_add_test(t, netjack2_monitor_to_desk);
	tcase_add_test(t, netjack2_monitor_to_desk_l2);
	tcase_add_test(t, zita_njbridge_whole_mix_round_trip);
	tcase_add_test(t, netjack2_whole_mix_round_trip);
	return run_suite(s);
}
