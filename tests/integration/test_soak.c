/* Soak: lathe under load for LATHE_SOAK_SECONDS (default 60 here; `make soak`
 * runs tests/soak.sh, which sets 600).
 *
 * A private jackd at 48 kHz / 64 frames (dummy backend); lathe under the RT
 * interposer (RTCHECK_SO, else rtcheck.so next to LATHE_BIN) with every module
 * active and the demo mix playing (--play-demo); the console under Xvfb when
 * the GUI is built (GSK_RENDERER=cairo; LATHE_SOAK_HEADLESS=1 forces
 * `lathe headless`); 1,000 OSC messages a second to random parameters from a
 * liblo client in this test; /snapshot/store and /snapshot/recall "A" every
 * 3 s and /session/save "soak" every 5 s.  A JACK client ("soakmon") listens
 * to out_L/R and monitor_L/R for the whole run: every sample must be finite.
 *
 * Pass criteria (printed as one line each); none of them depends on how
 * busy the machine is:
 *  - RT: the interposer's summary "rtcheck: N process cycles checked, 0 violations".
 *  - memory: VmRSS of lathe at minute 1 (at T/2 when T < 180: the console's
 *    caches still grow by a few MB in the first 20 s) and at the end
 *    differ by less than 1 MB (1024 kB).
 *  - audio: no NaN/Inf at any of the four outputs, the outputs are not silent
 *    in any 5-s window (10-s when T > 60), audio flowed (at least a tenth of
 *    real time: a survival check, not a measure).
 *  - OSC: no snapshot or session action answered /error; after the load,
 *    /ping and a /session/save are answered (within FX_DEADLINE_MS).
 *
 * Reported, not asserted (`make soak` is where to read them): xruns, lathe's
 * CPU, the /ping round trip, how many actions were answered during the load
 * (UDP: a loaded machine drops datagrams).  The dummy backend without realtime
 * scheduling has xruns of its own on a loaded machine, and the load changes
 * from minute to minute, so a baseline taken before the soak says little: with
 * LATHE_SOAK_CONTROL=1 (tests/soak.sh sets it) a control runs through the
 * same seconds, a second private jackd, also 48 kHz / 64 frames, with only the
 * demo player and a listener (no lathe), and the report sets the xruns the
 * soak server had (soakmon's xrun callback, which is server-wide; lathe's own
 * "lathe: xruns: N" lines beside it) against c + 3*sqrt(c) + 5, c being the
 * control's count (three standard deviations of a Poisson count, plus 5 for
 * one scheduling hiccup; with --no-realtime 1.5*c + 3*sqrt(c) + 10): what is
 * above that is reported as caused by lathe.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <lo/lo.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/demo.h"
#include "engine/params.h"
#include "tests/support/fixture.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : def;
}

/* ---------------- the listening client ---------------- */

typedef struct {
	jack_client_t *c;
	jack_port_t *in[4];
	_Atomic unsigned long xruns, cycles, nonfinite;
	_Atomic unsigned long frames;
	/* per-window energy of out_L and monitor_L (float bits), reset by the reader */
	double sum_out, sum_mon; /* written by RT thread only */
	_Atomic unsigned long win_frames;
	_Atomic int reset;
	float peak[4];
} monitor;

static int mon_xrun(void *arg)
{
	monitor *m = arg;
	atomic_fetch_add(&m->xruns, 1);
	return 0;
}

static int mon_process(jack_nframes_t nf, void *arg)
{
	monitor *m = arg;
	if (atomic_exchange(&m->reset, 0)) {
		m->sum_out = m->sum_mon = 0;
		atomic_store(&m->win_frames, 0);
	}
	unsigned long bad = 0;
	for (int p = 0; p < 4; p++) {
		const float *x = jack_port_get_buffer(m->in[p], nf);
		for (jack_nframes_t k = 0; k < nf; k++) {
			if (!isfinite(x[k]))
				bad++;
			else if (p == 0)
				m->sum_out += (double)x[k] * x[k];
			else if (p == 2)
				m->sum_mon += (double)x[k] * x[k];
			if (isfinite(x[k]) && fabsf(x[k]) > m->peak[p])
				m->peak[p] = fabsf(x[k]);
		}
	}
	if (bad)
		atomic_fetch_add(&m->nonfinite, bad);
	atomic_fetch_add(&m->win_frames, nf);
	atomic_fetch_add(&m->frames, nf);
	atomic_fetch_add(&m->cycles, 1);
	return 0;
}

static const char *const mon_ports[4] = { "in_out_L", "in_out_R", "in_mon_L", "in_mon_R" };

static monitor *monitor_new(void)
{
	monitor *m = calloc(1, sizeof *m);
	jack_status_t st;
	m->c = jack_client_open("soakmon", JackNoStartServer, &st);
	if (!m->c) {
		free(m);
		return NULL;
	}
	for (int p = 0; p < 4; p++)
		m->in[p] = jack_port_register(m->c, mon_ports[p], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	/* two extra inputs named like lathe's, so the demo player can feed the baseline */
	jack_port_register(m->c, "in_L", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	jack_port_register(m->c, "in_R", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	jack_set_process_callback(m->c, mon_process, m);
	jack_set_xrun_callback(m->c, mon_xrun, m);
	if (jack_activate(m->c)) {
		jack_client_close(m->c);
		free(m);
		return NULL;
	}
	return m;
}

static void monitor_listen(monitor *m, const char *lathe)
{
	const char *src[4] = { "out_L", "out_R", "monitor_L", "monitor_R" };
	char a[128], b[128];
	for (int p = 0; p < 4; p++) {
		snprintf(a, sizeof a, "%s:%s", lathe, src[p]);
		snprintf(b, sizeof b, "%s:%s", jack_get_client_name(m->c), mon_ports[p]);
		jack_connect(m->c, a, b);
	}
}

static void monitor_free(monitor *m)
{
	if (!m)
		return;
	jack_client_close(m->c);
	free(m);
}

/* RMS in dBFS of out_L and monitor_L since the last call. */
static void monitor_window(monitor *m, double *out_db, double *mon_db)
{
	unsigned long n = atomic_load(&m->win_frames);
	double so = m->sum_out, sm = m->sum_mon;
	atomic_store(&m->reset, 1);
	*out_db = n ? 10 * log10(so / n + 1e-30) : -300;
	*mon_db = n ? 10 * log10(sm / n + 1e-30) : -300;
}

/* ---------------- OSC load ---------------- */

typedef struct {
	int port;
	double seconds;
	lo_server_thread st;
	_Atomic unsigned long sent, done, errors, action_errors, pongs;
	_Atomic int stop;
	char last_error[256];
} oscload;

static int on_reply(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *user)
{
	oscload *o = user;
	if (!strcmp(path, "/done")) {
		atomic_fetch_add(&o->done, 1);
	} else if (!strcmp(path, "/error")) {
		atomic_fetch_add(&o->errors, 1);
		if (argc >= 2 && types[0] == 's' && types[1] == 's') {
			const char *p = (const char *)argv[0], *why = (const char *)argv[1]; /* liblo: may be misaligned for lo_arg */
			if (!strncmp(p, "/session", 8) || !strncmp(p, "/snapshot", 9)) {
				atomic_fetch_add(&o->action_errors, 1);
				snprintf(o->last_error, sizeof o->last_error, "%s: %s", p, why);
			}
		}
	} else if (!strcmp(path, "/pong")) {
		atomic_fetch_add(&o->pongs, 1);
	}
	return 0;
}

static int osc_per_tick = 10; /* messages every 10 ms */

static void *osc_thread(void *arg)
{
	oscload *o = arg;
	char port[16];
	snprintf(port, sizeof port, "%d", o->port);
	lo_address to = lo_address_new("127.0.0.1", port);
	lo_server srv = lo_server_thread_get_server(o->st);
	int n = params_count();
	int *ids = malloc(n * sizeof *ids), k = 0;
	for (int i = 0; i < n; i++) {
		const param_info *pi = param_info_get(i);
		size_t l = strlen(pi->path);
		/* modules stay active: no bypass switches */
		if (l >= 6 && !strcmp(pi->path + l - 6, "bypass"))
			continue;
		ids[k++] = i;
	}
	unsigned seed = 12345;
	double t0 = now_s(), next_snap = 3, next_save = 5;
	int tick = 0, recall = 0;
	while (!atomic_load(&o->stop)) {
		double t = now_s() - t0;
		if (t >= o->seconds)
			break;
		/* 10 messages every 10 ms */
		for (int i = 0; i < osc_per_tick; i++) {
			const param_info *pi = param_info_get(ids[rand_r(&seed) % k]);
			float u = (float)rand_r(&seed) / (float)RAND_MAX;
			float v = pi->min + u * (pi->max - pi->min);
			if (pi->step >= 1)
				v = floorf(v + 0.5f);
			lo_send_from(to, srv, LO_TT_IMMEDIATE, pi->path, "f", v);
			atomic_fetch_add(&o->sent, 1);
		}
		if (t >= next_snap) {
			next_snap += 3;
			lo_send_from(to, srv, LO_TT_IMMEDIATE, recall ? "/snapshot/recall" : "/snapshot/store", "s", "A");
			recall = !recall;
		}
		if (t >= next_save) {
			next_save += 5;
			lo_send_from(to, srv, LO_TT_IMMEDIATE, "/session/save", "s", "soak");
		}
		tick++;
		/* absolute pacing: tick k at t0 + k * 10 ms */
		double wait = t0 + tick * 0.010 - now_s();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
	}
	free(ids);
	lo_address_free(to);
	return NULL;
}

/* /ping and wait for /pong; returns the round trip in seconds, or -1 after `limit` s. */
static double ping(oscload *o, double limit)
{
	char port[16];
	snprintf(port, sizeof port, "%d", o->port);
	lo_address to = lo_address_new("127.0.0.1", port);
	unsigned long p0 = atomic_load(&o->pongs);
	double t0 = now_s(), sent = t0;
	lo_send_from(to, lo_server_thread_get_server(o->st), LO_TT_IMMEDIATE, "/ping", "");
	while (now_s() - t0 < limit) {
		if (atomic_load(&o->pongs) > p0) {
			lo_address_free(to);
			return now_s() - t0;
		}
		/* UDP: the first one may come before the server is listening (its JACK
		 * ports appear first); ask again every 250 ms */
		if (now_s() - sent > 0.25) {
			sent = now_s();
			lo_send_from(to, lo_server_thread_get_server(o->st), LO_TT_IMMEDIATE, "/ping", "");
		}
		usleep(1000);
	}
	lo_address_free(to);
	return -1;
}

/* ---------------- lathe process ---------------- */

static long vm_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

static char rtcheck_so[1024];

static int find_rtcheck(void)
{
	const char *e = getenv("RTCHECK_SO");
	if (e && *e)
		snprintf(rtcheck_so, sizeof rtcheck_so, "%s", e);
	else {
		const char *b = fx_lathe_bin();
		const char *sl = strrchr(b, '/');
		snprintf(rtcheck_so, sizeof rtcheck_so, "%.*srtcheck.so", sl ? (int)(sl - b + 1) : 0, b);
	}
	return access(rtcheck_so, R_OK);
}

static int gui_built(void)
{
	if (getenv("LATHE_SOAK_HEADLESS") && atoi(getenv("LATHE_SOAK_HEADLESS")))
		return 0;
	char p[1024];
	snprintf(p, sizeof p, "%s/gui/gui.c", fx_src_dir());
	return access(p, R_OK) == 0;
}

static pid_t start_lathe(const char *mode, const char *name, int osc_port, const char *dir, const char *log)
{
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port);
	char sdir[600], state[600];
	snprintf(sdir, sizeof sdir, "%s/sessions", dir);
	snprintf(state, sizeof state, "%s/state", dir);
	mkdir(sdir, 0755);
	const char *argv[] = { fx_lathe_bin(), mode, "--jack-name", name, "--osc-port", port, "--session-dir", sdir,
		"--play-demo",
		"--set", "/mb/bypass=0", "--set", "/mb/bands=4", "--set", "/saturate/bypass=0", "--set", "/saturate/drive=6",
		"--set", "/dither/bypass=0", "--set", "/eq/1/type=low_cut", "--set", "/eq/2/gain=3", "--set", "/eq/6/gain=-2",
		"--set", "/imager/width=120", "--set", "/imager/mono_below=120", "--set", "/limiter/gain=6", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* a test killed by its timeout leaves no lathe behind */
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		setenv("LD_PRELOAD", rtcheck_so, 1);
		setenv("XDG_STATE_HOME", state, 1);
		setenv("GSK_RENDERER", "cairo", 1);
		setenv("GDK_BACKEND", "x11", 0);
		setenv("GTK_A11Y", "none", 0);
		setenv("GSETTINGS_BACKEND", "memory", 0);
		setenv("NO_AT_BRIDGE", "1", 0);
		setenv("LATHE_GUI_STATS", "1", 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int stop_lathe(pid_t pid)
{
	kill(pid, SIGTERM);
	int status = 0;
	for (int t = 0; t < FX_DEADLINE_MS; t += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static unsigned long lathe_logged_xruns(const char *log)
{
	FILE *f = fopen(log, "r");
	unsigned long v = 0;
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "lathe: xruns: ", 14))
			v = strtoul(line + 14, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int grep_line(const char *log, const char *prefix, char *out, size_t len)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, prefix)) {
			snprintf(out, len, "%s", line);
			out[strcspn(out, "\n")] = 0;
			found = 1;
		}
	if (f)
		fclose(f);
	return found;
}

static double cpu_seconds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[2048];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* fields after ") ": state(3) ... utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/* ---------------- the soak ---------------- */

/* A failed assertion exits the test process: stop what it started. */
/* Realtime scheduling when the system allows it (root, or rtprio in limits):
 * then the dummy backend keeps time and an xrun means a client was late.
 * LATHE_SOAK_REALTIME=0 forces --no-realtime. */
static int use_rt = -1;

static int rt_allowed(void)
{
	const char *e = getenv("LATHE_SOAK_REALTIME");
	if (e && *e)
		return atoi(e) != 0;
	return fx_realtime_allowed();
}

/* fx_jackd_start at 48 kHz / 64 frames, realtime when use_rt. */
static int soak_jackd_start(fixture *f, const char *name)
{
	/* a fixed name: JACK reclaims a dead registry entry only under its own name (fixture.h) */
	snprintf(f->server, sizeof f->server, "%s", name);
	f->realtime = use_rt;
	return fx_jackd_start(f, 48000, 64);
}

typedef struct {
	_Atomic int ready, stop, pass_ready;
	_Atomic unsigned long xruns;
} control;

/* In the control, a trivial client stands where lathe stands: in_L/R copied to out_L/R and monitor_L/R. */
typedef struct {
	jack_client_t *c;
	jack_port_t *p[6];
} passthru;

static int pass_process(jack_nframes_t nf, void *arg)
{
	passthru *t = arg;
	for (int ch = 0; ch < 2; ch++) {
		const float *in = jack_port_get_buffer(t->p[ch], nf);
		memcpy(jack_port_get_buffer(t->p[2 + ch], nf), in, nf * sizeof(float));
		memcpy(jack_port_get_buffer(t->p[4 + ch], nf), in, nf * sizeof(float));
	}
	return 0;
}

static int pass_main(control *c)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	passthru t;
	jack_status_t st;
	t.c = jack_client_open("ctlpass", JackNoStartServer, &st);
	if (!t.c)
		return 1;
	const char *names[6] = { "in_L", "in_R", "out_L", "out_R", "monitor_L", "monitor_R" };
	for (int i = 0; i < 6; i++)
		t.p[i] = jack_port_register(t.c, names[i], JACK_DEFAULT_AUDIO_TYPE, i < 2 ? JackPortIsInput : JackPortIsOutput, 0);
	jack_set_process_callback(t.c, pass_process, &t);
	if (jack_activate(t.c))
		return 1;
	char err[256];
	demo_player *demo = demo_player_new("ctlpass", err, sizeof err);
	if (!demo)
		return 1;
	atomic_store(&c->pass_ready, 1);
	while (!atomic_load(&c->stop) && getppid() != 1)
		usleep(100000);
	demo_player_free(demo);
	jack_client_close(t.c);
	return 0;
}

static int control_main(control *c)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	fixture cf;
	memset(&cf, 0, sizeof cf);
	if (soak_jackd_start(&cf, "lathe-soakctl")) {
		atomic_store(&c->ready, -1);
		return 1;
	}
	pid_t pp = fork();
	if (pp == 0)
		_exit(pass_main(c));
	for (int i = 0; i < 200 && !atomic_load(&c->pass_ready); i++)
		usleep(50000);
	monitor *cm = monitor_new();
	if (cm)
		monitor_listen(cm, "ctlpass");
	atomic_store(&c->ready, cm && atomic_load(&c->pass_ready) ? 1 : -1);
	while (cm && !atomic_load(&c->stop) && getppid() != 1) {
		atomic_store(&c->xruns, atomic_load(&cm->xruns));
		usleep(100000);
	}
	if (cm)
		atomic_store(&c->xruns, atomic_load(&cm->xruns));
	atomic_store(&c->stop, 1);
	waitpid(pp, NULL, 0);
	monitor_free(cm);
	fx_jackd_stop(&cf, SIGTERM);
	return 0;
}

static fixture fx;
static control *ctl;
static pid_t lathe_pid, ctl_pid;
static void cleanup(void)
{
	if (lathe_pid > 0)
		kill(lathe_pid, SIGKILL);
	fx_jackd_stop(&fx, SIGKILL);
	if (ctl_pid > 0 && ctl) {
		atomic_store(&ctl->stop, 1);
		waitpid(ctl_pid, NULL, 0);
	}
}

START_TEST(soak)
{
	int T = env_int("LATHE_SOAK_SECONDS", 60);
	osc_per_tick = env_int("LATHE_SOAK_OSC_PER_10MS", 10);
	int with_control = env_int("LATHE_SOAK_CONTROL", 0);
	int console = gui_built();
	use_rt = rt_allowed();
	ck_assert_msg(find_rtcheck() == 0, "the RT interposer %s is missing (make B=... %s)", rtcheck_so, rtcheck_so);
	printf("soak: %d s, jackd %s, %s, interposer %s%s\n", T, use_rt ? "-R (realtime)" : "--no-realtime", console ? "console under Xvfb" : "headless",
	       rtcheck_so, with_control ? ", with a control server" : "");

	atexit(cleanup);

	/* 1. the control: a second jackd with only the demo player and a listener, no lathe,
	 * running through the same seconds under the same machine load.  libjack joins one
	 * server per process, so the control lives in a child process. */
	ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(ctl != MAP_FAILED);
	memset(ctl, 0, sizeof *ctl);
	if (with_control) {
		ctl_pid = fork();
		if (ctl_pid == 0)
			_exit(control_main(ctl));
		for (int t = 0; t < FX_DEADLINE_MS && !atomic_load(&ctl->ready); t += 50)
			usleep(50000);
		ck_assert_msg(atomic_load(&ctl->ready) == 1, "the control server did not start");
	}
	memset(&fx, 0, sizeof fx);
	ck_assert_msg(soak_jackd_start(&fx, "lathe-soak") == 0, "jackd did not start (jack2 allows 8 servers at once: "
	              "leftover test servers?)");

	/* 2. lathe under the interposer, the demo playing, the console open */
	char dir[256], log[300];
	snprintf(dir, sizeof dir, "/tmp/lathe-soak-%d", (int)getpid());
	mkdir(dir, 0755);
	snprintf(log, sizeof log, "%s/lathe.log", dir);
	int osc_port = 20000 + getpid() % 20000;
	pid_t lathe = start_lathe(console ? "console" : "headless", "soak", osc_port, dir, log);
	ck_assert_int_gt(lathe, 0);
	lathe_pid = lathe;
	ck_assert_msg(fx_wait_port("soak:out_L", 2 * FX_DEADLINE_MS) == 0, "lathe did not come up; log %s", log);
	monitor *m = monitor_new();
	ck_assert_ptr_nonnull(m);
	monitor_listen(m, "soak");

	oscload o = { .port = osc_port, .seconds = T };
	o.st = lo_server_thread_new(NULL, NULL);
	ck_assert_ptr_nonnull(o.st);
	lo_server_thread_add_method(o.st, NULL, NULL, on_reply, &o);
	lo_server_thread_start(o.st);
	ck_assert_msg(ping(&o, FX_DEADLINE_MS / 1000.0) >= 0, "lathe does not answer /ping");

	sleep(2);
	double t0 = now_s();
	unsigned long x0 = atomic_load(&m->xruns), lx0 = lathe_logged_xruns(log), cx0 = atomic_load(&ctl->xruns);
	double cpu0 = cpu_seconds(lathe);
	pthread_t th;
	pthread_create(&th, NULL, osc_thread, &o);
	double ref_at = T >= 180 ? 60 : T / 2.0;
	long rss_ref = -1, rss_end = -1, rss_max = 0;
	int rms_fail = 0;
	for (int s = 1; s <= T; s++) {
		double wait = t0 + s - now_s();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		long rss = vm_kb(lathe, "VmRSS");
		ck_assert_msg(rss > 0, "lathe died at %d s; log %s", s, log);
		if (rss > rss_max)
			rss_max = rss;
		if (rss_ref < 0 && s >= ref_at)
			rss_ref = rss;
		rss_end = rss;
		if (s % (T > 60 ? 10 : 5) == 0 || s == T) {
			double odb, mdb;
			monitor_window(m, &odb, &mdb);
			if (odb < -60)
				rms_fail++;
			printf("  %4d s: RSS %ld kB, xruns %lu (lathe says %lu; control %lu), OSC sent %lu, /done %lu, out_L %.1f dBFS, "
			       "monitor_L %.1f dBFS, non-finite %lu\n",
			       s, rss, atomic_load(&m->xruns) - x0, lathe_logged_xruns(log) - lx0, atomic_load(&ctl->xruns) - cx0,
			       atomic_load(&o.sent),
			       atomic_load(&o.done), odb, mdb, atomic_load(&m->nonfinite));
			fflush(stdout);
		}
	}
	atomic_store(&o.stop, 1);
	pthread_join(th, NULL);
	double secs = now_s() - t0;
	double cpu = cpu_seconds(lathe) - cpu0;
	unsigned long xr = atomic_load(&m->xruns) - x0, lxr = lathe_logged_xruns(log) - lx0;
	unsigned long cx = atomic_load(&ctl->xruns) - cx0;
	double rtt = ping(&o, FX_DEADLINE_MS / 1000.0);
	/* the actions still work once the load is over: a save answered (UDP: resent every second) */
	unsigned long done_load = atomic_load(&o.done), done_end = done_load;
	{
		char port[16];
		snprintf(port, sizeof port, "%d", osc_port);
		lo_address to = lo_address_new("127.0.0.1", port);
		for (double t1 = now_s(), sent = 0; done_end == done_load && now_s() - t1 < FX_DEADLINE_MS / 1000.0; usleep(10000)) {
			if (now_s() - sent >= 1) {
				sent = now_s();
				lo_send_from(to, lo_server_thread_get_server(o.st), LO_TT_IMMEDIATE, "/session/save", "s", "soak-end");
			}
			done_end = atomic_load(&o.done);
		}
		lo_address_free(to);
	}
	long hwm = vm_kb(lathe, "VmHWM");
	unsigned long nonfinite = atomic_load(&m->nonfinite), frames = atomic_load(&m->frames);
	float pk[4];
	memcpy(pk, m->peak, sizeof pk);
	monitor_free(m);
	int rc = stop_lathe(lathe);
	lathe_pid = 0;
	lo_server_thread_stop(o.st);
	lo_server_thread_free(o.st);
	fx_jackd_stop(&fx, SIGTERM);
	if (with_control) {
		atomic_store(&ctl->stop, 1);
		waitpid(ctl_pid, NULL, 0);
		ctl_pid = 0;
	}

	char rt[512] = "", fps[512] = "";
	int have_rt = grep_line(log, "rtcheck:", rt, sizeof rt);
	grep_line(log, "console drew", fps, sizeof fps);
	unsigned long cycles = 0, viol = 1;
	if (have_rt)
		sscanf(strstr(rt, "rtcheck:"), "rtcheck: %lu process cycles checked, %lu violations", &cycles, &viol);
	double expect = cx, allow = use_rt ? expect + 3 * sqrt(expect) + 5 : 1.5 * expect + 3 * sqrt(expect) + 10;
	printf("soak result over %.0f s (%s):\n", secs, console ? "console" : "headless");
	printf("  OSC: %lu messages sent (%.0f/s), %lu /done for %d actions, %lu /error (%lu from actions), /ping after: %.1f ms, "
	       "a save after the load %s\n",
	       atomic_load(&o.sent), atomic_load(&o.sent) / secs, done_load, T / 3 + T / 5, atomic_load(&o.errors),
	       atomic_load(&o.action_errors), rtt * 1e3, done_end > done_load ? "answered" : "NOT answered");
	if (with_control)
		printf("  xruns: %lu during the soak (lathe's log: %lu); control server without lathe: %lu -> expected at most %.1f; "
		       "caused by lathe: %.0f (reported, not asserted)\n", xr, lxr, cx, allow, xr > allow ? xr - expect : 0.0);
	else
		printf("  xruns: %lu during the soak (lathe's log: %lu; reported, not asserted: make soak compares them with a "
		       "control server)\n", xr, lxr);
	printf("  RT: %s\n", have_rt ? rt : "(no rtcheck summary)");
	printf("  memory: VmRSS %ld kB at %.0f s, %ld kB at the end (growth %+ld kB), max %ld kB, VmHWM %ld kB\n", rss_ref,
	       ref_at, rss_end, rss_end - rss_ref, rss_max, hwm);
	printf("  audio: %lu frames x 4 ports checked, %lu non-finite samples, peaks out %.3f %.3f, monitor %.3f %.3f\n",
	       frames, nonfinite, pk[0], pk[1], pk[2], pk[3]);
	printf("  lathe CPU: %.1f%% of a core%s%s; exit status %d\n", 100 * cpu / secs, fps[0] ? "; " : "", fps, rc);
	fflush(stdout);

	ck_assert_msg(rc == 0, "lathe exited with %d; log %s", rc, log);
	ck_assert_msg(have_rt && viol == 0 && cycles > 1000, "RT rules: %s; log %s", rt, log);
	ck_assert_msg(rss_end - rss_ref < 1024, "RSS grew by %ld kB", rss_end - rss_ref);
	ck_assert_msg(nonfinite == 0, "%lu non-finite samples at the outputs", nonfinite);
	ck_assert_msg(frames > (unsigned long)(T * 48000 / 10), "soakmon saw only %lu frames", frames);
	ck_assert_msg(rms_fail == 0, "out_L was silent in %d 10-s windows", rms_fail);
	ck_assert_msg(rtt >= 0, "/ping not answered within %d s after the load", FX_DEADLINE_MS / 1000);
	ck_assert_msg(atomic_load(&o.action_errors) == 0, "snapshot/session actions failed: %s", o.last_error);
	ck_assert_msg(done_end > done_load, "/session/save not answered after the load");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
}
END_TEST

int main(int argc, char **argv)
{
	(void)argc;
#if defined(__SANITIZE_ADDRESS__)
	/* Under ASan the RT interposer cannot be preloaded (ASan's runtime must come
	 * first), and its slowness and quarantine make the xrun and RSS criteria
	 * meaningless: the soak belongs to the normal build (make check, make soak). */
	printf("soak: not run under AddressSanitizer (make check and make soak run it on the normal build)\n");
	return 0;
#endif
	if (gui_built() && !getenv("DISPLAY") && !getenv("LATHE_XVFB")) {
		/* the console needs an X server: run again inside a private one */
		setenv("LATHE_XVFB", "1", 1);
		char *args[] = { "xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", argv[0], NULL };
		execvp("xvfb-run", args);
		perror("lathe: xvfb-run");
		return 77;
	}
	params_init();
	int T = env_int("LATHE_SOAK_SECONDS", 60);
	Suite *s = suite_create("soak");
	TCase *tc = tcase_create("soak");
	tcase_set_timeout(tc, 2 * T + 300); /* a survival deadline: the soak itself runs T s by the clock */
	tcase_add_test(tc, soak);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
