/* OSC against a real `lathe headless` on a private jackd (dummy backend):
 * every parameter driven and read back, meters while a sine plays, feedback
 * (its latency reported), the allow list, 10,000 messages/s applied (xruns
 * reported), a client no one here wrote (the `osc` npm package under node),
 * and the hostile cases of issue 11 (a 3,000-deep bundle, a FIFO session).
 * Latencies, rates, xruns and CPU are printed, not asserted: on a loaded
 * machine they measure the load; every wait polls up to FX_DEADLINE_MS. */
#include <check.h>
#include <errno.h>
#include <jack/jack.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "tests/support/fixture.h"
#include "../unit/test_osc_client.h"
#include "tests/support/check_main.h"

static fixture fx;
static int osc_port_no;
static char lathe_name[64];
static int setup_ok;

static void suite_setup(void)
{
	memset(&fx, 0, sizeof fx);
	if (fx_jackd_start(&fx, 48000, 256) != 0) {
		fprintf(stderr, "test_osc_live: jackd did not start\n");
		return;
	}
	osc_port_no = fx_free_udp_port();
	snprintf(lathe_name, sizeof lathe_name, "lathe-osc-%d", (int)getpid());
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port_no);
	const char *args[] = { "--osc-port", port, "--meter-rate", "20", "--osc-allow", "127.0.0.1/32", NULL };
	if (fx_lathe_start(&fx, lathe_name, args) != 0) {
		fprintf(stderr, "test_osc_live: lathe did not start (log %s)\n", fx.log);
		return;
	}
	/* the OSC server answers once it is up */
	client *c = cl_new("127.0.0.1", osc_port_no);
	for (int t = 0; t < FX_DEADLINE_MS && !setup_ok; t += 100) {
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

#define REQUIRE_LATHE() ck_assert_msg(setup_ok, "lathe headless with OSC did not come up (log %s)", fx.log)

/* 1 when a message on path is in c's queue (nothing removed). */
static int queued(const client *c, const char *path)
{
	for (int k = 0; k < c->nq; k++)
		if (!strcmp(c->q[k].path, path))
			return 1;
	return 0;
}

START_TEST(every_parameter_through_the_process)
{
	REQUIRE_LATHE();
	client *c = cl_new("127.0.0.1", osc_port_no);
	for (int id = 0; id < params_count(); id++) {
		const param_info *pi = param_info_get(id);
		if (id == P_MON_CAL_SIGNAL)
			continue; /* leave the pink noise off for the meter test */
		float want = pi->min + 0.37f * (pi->max - pi->min);
		if (pi->step > 0)
			want = roundf(want / pi->step) * pi->step;
		cl_send(c, pi->path, Mf(want));
		cl_send(c, pi->path, M());
		rx_msg m;
		ck_assert_msg(cl_wait(c, pi->path, &m, FX_DEADLINE_MS), "no answer from %s", pi->path);
		ck_assert_msg(fabsf(m.f[0] - want) <= 1e-6f * fmaxf(1, fabsf(want)), "%s: %g, sent %g", pi->path, m.f[0], want);
		/* and back to the default for the tests that follow */
		cl_send(c, pi->path, Mf(pi->def));
	}
	cl_send(c, "/params", M());
	int n = 0, done = -1;
	for (int t = 0; t < FX_DEADLINE_MS && !queued(c, "/params/done"); t += 50)
		cl_pump(c, 50);
	for (int k = 0; k < c->nq; k++) {
		if (!strcmp(c->q[k].path, "/param")) {
			n++;
			int id = param_find(c->q[k].s[0]);
			ck_assert_int_ge(id, 0);
			ck_assert_float_eq(c->q[k].f[5], param_info_get(id)->def);
		}
		if (!strcmp(c->q[k].path, "/params/done"))
			done = c->q[k].i[0];
	}
	ck_assert_int_eq(n, P_COUNT);
	ck_assert_int_eq(done, P_COUNT);
	cl_free(c);
}
END_TEST

typedef struct {
	fx_client *jc;
	float *l, *r, *rl, *rr;
	size_t n;
	int rc;
} player;

static void *play_thread(void *arg)
{
	player *p = arg;
	p->rc = fx_client_run(p->jc, p->l, p->r, p->n, p->rl, p->rr, p->n);
	return NULL;
}

/* A 1 kHz sine at -12 dBFS peak into lathe: the input peak meter reads -12;
 * a dynamic EQ band at 1 kHz (threshold -40, ratio 20, range -6) sits on its
 * range, and /meter/eq/5/gain says so. */
START_TEST(meters_while_playing)
{
	REQUIRE_LATHE();
	char in_l[128], in_r[128], out_l[128], out_r[128];
	snprintf(in_l, sizeof in_l, "%s:in_L", lathe_name);
	snprintf(in_r, sizeof in_r, "%s:in_R", lathe_name);
	snprintf(out_l, sizeof out_l, "%s:out_L", lathe_name);
	snprintf(out_r, sizeof out_r, "%s:out_R", lathe_name);
	player p = { .n = 48000 * 4 };
	p.jc = fx_client_new("osc-player", in_l, in_r, out_l, out_r);
	ck_assert_ptr_nonnull(p.jc);
	p.l = malloc(p.n * sizeof(float));
	p.r = malloc(p.n * sizeof(float));
	p.rl = malloc(p.n * sizeof(float));
	p.rr = malloc(p.n * sizeof(float));
	float amp = powf(10, -12 / 20.0f);
	for (size_t i = 0; i < p.n; i++)
		p.l[i] = p.r[i] = amp * sinf(2 * (float)M_PI * 1000 * (float)i / 48000);
	client *c = cl_new("127.0.0.1", osc_port_no);
	cl_send(c, "/loudness/reset", M());
	ck_assert(cl_wait(c, "/done", NULL, FX_DEADLINE_MS));
	static const struct { const char *path; float v; } dyn[] = {
		{ "/eq/5/freq", 1000 }, { "/eq/5/q", 1 }, { "/eq/5/threshold", -40 }, { "/eq/5/ratio", 20 },
		{ "/eq/5/range", -6 }, { "/eq/5/attack", 1 }, { "/eq/5/dynamic", 1 },
	};
	for (size_t k = 0; k < sizeof dyn / sizeof dyn[0]; k++)
		cl_send(c, dyn[k].path, Mf(dyn[k].v));
	cl_send(c, "/subscribe", Mi(10));
	pthread_t th;
	pthread_create(&th, NULL, play_thread, &p);
	cl_pump(c, 1000);
	int d0 = c->datagrams;
	double t0 = now_s();
	cl_pump(c, 2000);
	double rate = (c->datagrams - d0) / (now_s() - t0);
	float peak = NAN, lufs_m = NAN, corr = NAN, npeak = NAN, eq_gain = NAN;
	for (int k = 0; k < c->nq; k++) {
		if (!strcmp(c->q[k].path, "/meter/in/peak"))
			peak = c->q[k].f[0];
		if (!strcmp(c->q[k].path, "/norm/meter/in/peak"))
			npeak = c->q[k].f[0];
		if (!strcmp(c->q[k].path, "/meter/in/lufs_m"))
			lufs_m = c->q[k].f[0];
		if (!strcmp(c->q[k].path, "/meter/in/correlation"))
			corr = c->q[k].f[0];
		if (!strcmp(c->q[k].path, "/meter/eq/5/gain"))
			eq_gain = c->q[k].f[0]; /* the latest */
	}
	pthread_join(th, NULL);
	/* BS.1770-4: a 0 dBFS 1 kHz sine in one channel reads -3.01 LUFS (the -0.691 offset cancels the
	 * K-filter's +0.69 dB at 1 kHz); two identical channels add 3.01 dB: a -12 dBFS stereo sine reads -12.0 LUFS */
	printf("live meters: %.1f datagrams/s while playing; in peak %.2f dBFS (norm %.3f), lufs_m %.2f, correlation %.2f, "
	       "dynamic EQ band 5 gain %.2f dB\n", rate, peak, npeak, lufs_m, corr, eq_gain);
	fflush(stdout);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_msg(!isnan(peak), "no /meter/in/peak while playing");
	ck_assert_float_eq_tol(peak, -12.0f, 0.3f);
	ck_assert_float_eq_tol(npeak, (peak + 70) / 76, 1e-4f);
	ck_assert_msg(!isnan(eq_gain), "no /meter/eq/5/gain while playing");
	ck_assert_float_eq_tol(eq_gain, -6.0f, 0.1f);
	for (size_t k = 0; k < sizeof dyn / sizeof dyn[0]; k++)
		cl_send(c, dyn[k].path, Mf(param_info_get(param_find(dyn[k].path))->def));
	if (!isnan(lufs_m))
		ck_assert_float_eq_tol(lufs_m, -12.0f, 0.3f);
	if (!isnan(corr))
		ck_assert_float_eq_tol(corr, 1.0f, 0.02f);
	/* at most one meter bundle per tick at 20 Hz (plus the odd feedback bundle); fewer when a
	 * steady sine leaves every meter unchanged for a tick (only changes are sent), or when
	 * a loaded machine delays the sender (a late tick is skipped, not made up).  The rate
	 * with moving meters is test_osc's meters_at_the_configured_rate. */
	ck_assert_double_gt(rate, 0);
	ck_assert_double_le(rate, 20 * 1.6);
	cl_send(c, "/unsubscribe", M());
	fx_client_free(p.jc);
	free(p.l);
	free(p.r);
	free(p.rl);
	free(p.rr);
	cl_free(c);
}
END_TEST


/* A music-like stereo signal: a kick (decaying 55 Hz with a pitch drop) every
 * 500 ms, a chord of three detuned saws swelling at 0.25 Hz, hi-hat noise
 * bursts every 125 ms, L and R mixed differently; peaks near -6 dBFS. */
static void music_like(float *l, float *r, size_t n, int rate)
{
	uint32_t seed = 12345;
	double ph[3] = { 0 }, kick_ph = 0;
	const double f[3] = { 220.0, 277.2, 329.6 };
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / rate;
		double tk = fmod(t, 0.5), th = fmod(t, 0.125);
		kick_ph += 2 * M_PI * (55 + 90 * exp(-tk * 30)) / rate;
		double kick = 0.45 * exp(-tk * 9) * sin(kick_ph);
		double chord[2] = { 0, 0 };
		for (int k = 0; k < 3; k++) {
			ph[k] += f[k] * (1 + 0.002 * k) / rate;
			double saw = 2 * (ph[k] - floor(ph[k])) - 1;
			chord[k % 2] += saw;
			chord[(k + 1) % 2] += 0.6 * saw;
		}
		double swell = 0.06 * (1.2 + sin(2 * M_PI * 0.25 * t));
		seed = seed * 1664525u + 1013904223u;
		double noise = ((double)(seed >> 8) / (1 << 24) - 0.5) * 0.25 * exp(-th * 60);
		l[i] = (float)(kick + swell * chord[0] + noise);
		r[i] = (float)(kick + swell * chord[1] - 0.7 * noise);
	}
}

/* Bytes per subscriber at --meter-rate 20 with music playing, in total and by
 * address group, for two subscribers at once (a second console and a tablet):
 * printed for docs/osc.md, not asserted beyond "each gets everything". */
START_TEST(meter_bandwidth_with_music)
{
	REQUIRE_LATHE();
	char in_l[128], in_r[128], out_l[128], out_r[128];
	snprintf(in_l, sizeof in_l, "%s:in_L", lathe_name);
	snprintf(in_r, sizeof in_r, "%s:in_R", lathe_name);
	snprintf(out_l, sizeof out_l, "%s:out_L", lathe_name);
	snprintf(out_r, sizeof out_r, "%s:out_R", lathe_name);
	player p = { .n = 48000 * 9 };
	p.jc = fx_client_new("osc-music", in_l, in_r, out_l, out_r);
	ck_assert_ptr_nonnull(p.jc);
	p.l = malloc(p.n * sizeof(float));
	p.r = malloc(p.n * sizeof(float));
	p.rl = malloc(p.n * sizeof(float));
	p.rr = malloc(p.n * sizeof(float));
	music_like(p.l, p.r, p.n, 48000);
	/* the multiband and limiter working, so gain reduction moves too */
	client *c[2] = { cl_new("127.0.0.1", osc_port_no), cl_new("127.0.0.1", osc_port_no) };
	cl_send(c[0], "/mb/bypass", Mf(0));
	cl_send(c[0], "/mb/1/threshold", Mf(-30));
	cl_send(c[0], "/limiter/gain", Mf(6));
	for (int k = 0; k < 2; k++)
		cl_send(c[k], "/subscribe", Mi(60));
	pthread_t th;
	pthread_create(&th, NULL, play_thread, &p);
	/* the state and the history backlog first, then the steady stream; both
	 * sockets read in short turns, so neither keeps a backlog in its buffer */
	for (double tw = now_s(); now_s() - tw < 1.5;)
		for (int k = 0; k < 2; k++)
			cl_pump(c[k], 10);
	size_t b0[2];
	int d0[2];
	for (int k = 0; k < 2; k++) {
		b0[k] = c[k]->bytes;
		d0[k] = c[k]->datagrams;
		c[k]->nq = 0;
	}
	double t0 = now_s();
	/* both sockets at once: pump each for short slices */
	while (now_s() - t0 < 5.0)
		for (int k = 0; k < 2; k++)
			cl_pump(c[k], 10);
	double secs = now_s() - t0;
	pthread_join(th, NULL);
	ck_assert_int_eq(p.rc, 0);
	for (int k = 0; k < 2; k++) {
		size_t bytes = c[k]->bytes - b0[k];
		int spectra = 0, gonios = 0, hist = 0, scalars = 0, grs = 0;
		for (int q = 0; q < c[k]->nq; q++) {
			const char *a = c[k]->q[q].path;
			spectra += !strcmp(a, "/meter/spectrum");
			gonios += !strcmp(a, "/meter/gonio");
			hist += !strcmp(a, "/meter/history");
			scalars += !strncmp(a, "/meter/", 7) || !strncmp(a, "/norm/meter/", 12);
			grs += !strcmp(a, "/meter/gr/1");
		}
		scalars -= spectra + gonios + hist;
		double ticks = secs * 20;
		printf("meter bandwidth, subscriber %d of 2, music at --meter-rate 20: %.0f B/tick, %.1f kB/s "
		       "(%d datagrams in %.2f s: %.1f/s; per tick %.1f scalar messages, spectrum %.2f, gonio %.2f, history %.2f; "
		       "/meter/gr/1 %d times)\n",
		       k + 1, bytes / ticks, bytes / secs / 1000.0, c[k]->datagrams - d0[k], secs,
		       (c[k]->datagrams - d0[k]) / secs, scalars / ticks, spectra / ticks, gonios / ticks, hist / ticks, grs);
		fflush(stdout);
		ck_assert_int_gt(spectra, 0);
		ck_assert_int_gt(gonios, 0);
		ck_assert_int_gt(hist, 0);
		(void)grs;
	}
	for (int k = 0; k < 2; k++) {
		cl_send(c[k], "/unsubscribe", M());
		cl_free(c[k]);
	}
	client *z = cl_new("127.0.0.1", osc_port_no);
	cl_send(z, "/mb/1/threshold", Mf(param_info_get(param_find("/mb/1/threshold"))->def));
	cl_send(z, "/limiter/gain", Mf(0));
	cl_send(z, "/mb/bypass", Mf(1));
	cl_free(z);
	fx_client_free(p.jc);
	free(p.l);
	free(p.r);
	free(p.rl);
	free(p.rr);
}
END_TEST


/* The reference player's transport over OSC (a remote console has no file
 * dialog and no local engine): a second lathe with --ref FILE, a 3 s file
 * written here; /monitor/ref/state, /monitor/ref/play, /monitor/ref/position,
 * /monitor/ref/stop, and the state
 * pushed to a subscriber while it plays. */
START_TEST(reference_transport)
{
	REQUIRE_LATHE();
	char wav[256];
	snprintf(wav, sizeof wav, "/tmp/lathe-osc-ref-%d.wav", (int)getpid());
	SF_INFO info = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *sf = sf_open(wav, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	static float buf[2 * 48000 * 3];
	for (int i = 0; i < 48000 * 3; i++)
		buf[2 * i] = buf[2 * i + 1] = 0.1f * sinf(2 * (float)M_PI * 440 * i / 48000);
	ck_assert_int_eq((int)sf_writef_float(sf, buf, 48000 * 3), 48000 * 3);
	sf_close(sf);
	fixture f2;
	memset(&f2, 0, sizeof f2);
	snprintf(f2.server, sizeof f2.server, "%s", fx.server);
	f2.jackd = fx.jackd;
	int port = fx_free_udp_port();
	char ports[16], name[64];
	snprintf(ports, sizeof ports, "%d", port);
	snprintf(name, sizeof name, "lathe-ref-%d", (int)getpid());
	const char *args[] = { "--osc-port", ports, "--ref", wav, NULL };
	ck_assert_msg(fx_lathe_start(&f2, name, args) == 0, "lathe --ref did not start (log %s)", f2.log);
	client *c = cl_new("127.0.0.1", port);
	rx_msg m;
	int up = 0;
	for (int t = 0; t < FX_DEADLINE_MS && !up; t += 100) {
		cl_send(c, "/monitor/ref/state", M());
		up = cl_wait(c, "/monitor/ref/state", &m, 100);
	}
	ck_assert(up);
	ck_assert_str_eq(m.types, "fff");
	ck_assert_float_eq_tol(m.f[2], 3.0f, 0.01f); /* length */
	cl_send(c, "/subscribe", Mi(30));
	cl_send(c, "/monitor/ref/position", Mf(1.0f));
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	cl_send(c, "/monitor/ref/play", M());
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	ck_assert_str_eq(m.s[0], "/monitor/ref/play");
	/* pushed with the meters: playing, and the position moving from 1 s */
	float first = -1, last = -1;
	double end = now_s() + 5;
	while (now_s() < end && !(first >= 0 && last > first + 0.25f)) {
		if (cl_wait(c, "/monitor/ref/state", &m, 500) && m.f[0] == 1.0f) {
			if (first < 0)
				first = m.f[1];
			last = m.f[1];
		}
	}
	printf("reference over OSC: playing from %.1f s to %.1f s\n", first, last);
	ck_assert_float_ge(first, 0.9f);
	ck_assert_float_gt(last, first);
	cl_send(c, "/monitor/ref/stop", M());
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	cl_send(c, "/monitor/ref/state", M());
	int stopped = 0;
	for (int k = 0; k < 20 && !stopped; k++)
		if (cl_wait(c, "/monitor/ref/state", &m, 500))
			stopped = m.f[0] == 0.0f;
	ck_assert(stopped);
	cl_free(c);
	fx_lathe_stop(&f2);
	unlink(wav);
}
END_TEST

/* Issue 13: /monitor/ref/load takes a name inside the session folder (the
 * fixture's XDG_DATA_HOME/lathe/sessions), on the worker thread: a WAV there
 * loads and plays; a path (absolute, or with '..') is refused with /error;
 * a FIFO there is refused without blocking /ping. */
START_TEST(monitor_ref_load_confined_to_the_session_folder)
{
	REQUIRE_LATHE();
	char dir[300], wav[400], fifo[400], cmd[400];
	snprintf(dir, sizeof dir, "%s/data/lathe/sessions", fx.home);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(wav, sizeof wav, "%s/ref-2s.wav", dir);
	SF_INFO info = { .samplerate = 44100, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	SNDFILE *sf = sf_open(wav, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	static float buf[44100 * 2];
	for (int i = 0; i < 44100 * 2; i++)
		buf[i] = 0.1f * sinf(2 * (float)M_PI * 1000 * i / 44100);
	ck_assert_int_eq((int)sf_writef_float(sf, buf, 44100 * 2), 44100 * 2);
	sf_close(sf);
	client *c = cl_new("127.0.0.1", osc_port_no);
	rx_msg m;
	/* outside the folder: refused before any file is touched */
	const char *outside[] = { "/tmp/ref.wav", "..", "sub/../../x.wav" };
	for (int k = 0; k < 3; k++) {
		cl_send(c, "/monitor/ref/load", Ms(outside[k]));
		ck_assert_msg(cl_wait(c, "/error", &m, FX_DEADLINE_MS), "no /error for '%s'", outside[k]);
		ck_assert_str_eq(m.s[0], "/monitor/ref/load");
		printf("ref load '%s': /error '%s'\n", outside[k], m.s[1]);
	}
	/* not there: /error naming the file */
	cl_send(c, "/monitor/ref/load", Ms("missing.wav"));
	ck_assert(cl_wait(c, "/error", &m, FX_DEADLINE_MS));
	ck_assert_ptr_nonnull(strstr(m.s[1], "missing.wav"));
	/* a name in the folder: loaded (44.1 kHz converted to the server's rate), then it plays */
	cl_send(c, "/monitor/ref/load", Ms("ref-2s.wav"));
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	ck_assert_str_eq(m.s[0], "/monitor/ref/load");
	cl_send(c, "/monitor/ref/state", M());
	ck_assert(cl_wait(c, "/monitor/ref/state", &m, FX_DEADLINE_MS));
	ck_assert_float_eq_tol(m.f[2], 2.0f, 0.01f);
	cl_send(c, "/monitor/ref/position", Mf(0.5f));
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	cl_send(c, "/monitor/ref/play", M());
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	sleep_ms(400);
	cl_send(c, "/monitor/ref/position", M());
	ck_assert(cl_wait(c, "/monitor/ref/position", &m, FX_DEADLINE_MS));
	printf("ref load: playing, at %.2f s after seeking to 0.5 s and 400 ms\n", m.f[0]);
	ck_assert_float_gt(m.f[0], 0.6f);
	ck_assert_float_lt(m.f[0], 2.0f);
	cl_send(c, "/monitor/ref/stop", M());
	ck_assert(cl_wait(c, "/done", &m, FX_DEADLINE_MS));
	/* a FIFO in the folder: /error, and /ping answered meanwhile */
	snprintf(fifo, sizeof fifo, "%s/fifo.wav", dir);
	unlink(fifo);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	cl_send(c, "/monitor/ref/load", Ms("fifo.wav"));
	double t0 = now_s();
	cl_send(c, "/ping", M());
	int pong = 0, err = 0;
	double pong_ms = -1;
	memset(&m, 0, sizeof m);
	for (int round = 0; round < 2 && !(pong && err); round++) {
		cl_pump(c, 2000);
		for (int k = 0; k < c->nq; k++) {
			if (!pong && !strcmp(c->q[k].path, "/pong")) {
				pong = 1;
				pong_ms = (c->q[k].t - t0) * 1000;
			}
			if (!err && !strcmp(c->q[k].path, "/error")) {
				err = 1;
				m = c->q[k];
			}
		}
		c->nq = 0;
		if (!round) {
			int w = open(fifo, O_WRONLY | O_NONBLOCK);
			if (w >= 0)
				close(w);
		}
	}
	printf("ref load of a FIFO: /pong after %.0f ms, /error '%s'\n", pong_ms, err ? m.s[1] : "(none)");
	ck_assert_msg(pong, "the OSC thread is blocked by /monitor/ref/load of a FIFO");
	ck_assert_msg(err, "no /error for /monitor/ref/load of a FIFO");
	ck_assert_str_eq(m.s[0], "/monitor/ref/load");
	/* the loaded file stays: a failed load keeps what plays */
	cl_send(c, "/monitor/ref/state", M());
	ck_assert(cl_wait(c, "/monitor/ref/state", &m, FX_DEADLINE_MS));
	ck_assert_float_eq_tol(m.f[2], 2.0f, 0.01f);
	unlink(fifo);
	unlink(wav);
	cl_free(c);
}
END_TEST

START_TEST(feedback_latency_and_access)
{
	REQUIRE_LATHE();
	client *a = cl_new("127.0.0.1", osc_port_no);
	client *b = cl_new("127.0.0.1", osc_port_no);
	cl_send(b, "/subscribe", M());
	cl_send(b, "/ping", M());
	ck_assert(cl_wait(b, "/pong", NULL, FX_DEADLINE_MS));
	double sum = 0, worst = 0;
	int rounds = 30;
	for (int k = 0; k < rounds; k++) {
		float v = -10.0f + 0.25f * k;
		double t0 = now_s();
		cl_send(a, "/output/gain", Mf(v));
		rx_msg m;
		ck_assert(cl_wait(b, "/output/gain", &m, FX_DEADLINE_MS));
		ck_assert_float_eq(m.f[0], v);
		double ms = (m.t - t0) * 1000;
		sum += ms;
		worst = ms > worst ? ms : worst;
		sleep_ms(5 + k % 11);
	}
	printf("live feedback latency: mean %.1f ms, max %.1f ms over %d sets (reported, not asserted)\n", sum / rounds,
	       worst, rounds);
	fflush(stdout);
	/* every round's feedback arrived (within 2 s); the latency is reported, not asserted (load) */
	cl_send(a, "/output/gain", Mf(0));
	cl_send(b, "/unsubscribe", M());
	/* 127.0.0.2 is loopback but outside --osc-allow 127.0.0.1/32: dropped.  lathe reads
	 * its one socket in order: once a's query, sent after, is answered, o's were read */
	client *o = cl_new("127.0.0.2", osc_port_no);
	cl_send(o, "/ping", M());
	cl_send(o, "/input/gain", Mf(5));
	cl_send(a, "/input/gain", M());
	rx_msg m;
	ck_assert(cl_wait(a, "/input/gain", &m, FX_DEADLINE_MS));
	ck_assert(!cl_wait(o, "/pong", NULL, 300));
	ck_assert_float_eq(m.f[0], 0.0f);
	cl_free(o);
	cl_free(a);
	cl_free(b);
}
END_TEST

static atomic_int xruns;
static int on_xrun(void *arg) { atomic_fetch_add(&xruns, 1); return 0; }

static int xruns_during(client **c, int nc, int rate, double secs, int *applied_ok)
{
	char msg[8][64];
	size_t mlen[8];
	for (int v = 0; v < 8; v++) {
		lo_message m = Mf(-1.0f - 0.5f * v);
		mlen[v] = sizeof msg[v];
		lo_message_serialise(m, "/eq/4/gain", msg[v], &mlen[v]);
		lo_message_free(m);
	}
	int x0 = atomic_load(&xruns);
	int total = (int)(rate * secs), sent = 0;
	double t0 = now_s();
	while (sent < total) {
		double due = t0 + sent / (double)(rate > 0 ? rate : 1);
		while (now_s() < due)
			sleep_ms(1);
		for (int j = 0; j < rate / 1000 && sent < total; j++, sent++)
			sendto(c[sent % nc]->fd, msg[(sent / nc) % 8], mlen[(sent / nc) % 8], 0, (struct sockaddr *)&c[0]->srv, sizeof c[0]->srv);
	}
	if (rate == 0)
		sleep_ms((int)(secs * 1000));
	sleep_ms(100);
	if (applied_ok)
		*applied_ok = sent;
	return atomic_load(&xruns) - x0;
}

/* CPU seconds (user + system) the lathe process has used. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NAN;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* fields after the command: state(3) ... utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

START_TEST(ten_thousand_per_second)
{
	REQUIRE_LATHE();
	jack_status_t st;
	jack_client_t *jc = jack_client_open("osc-xrun-watch", JackNoStartServer, &st);
	ck_assert_ptr_nonnull(jc);
	jack_set_xrun_callback(jc, on_xrun, NULL);
	ck_assert_int_eq(jack_activate(jc), 0);
	client *c[4];
	for (int k = 0; k < 4; k++)
		c[k] = cl_new("127.0.0.1", osc_port_no);
	int baseline = xruns_during(c, 4, 0, 2.0, NULL);
	int sent = 0;
	double cpu0 = cpu_seconds(fx.lathe);
	double t0 = now_s();
	int load = xruns_during(c, 4, 10000, 2.0, &sent);
	double secs = now_s() - t0 - 0.1;
	double cpu = (cpu_seconds(fx.lathe) - cpu0) / (secs + 0.1) * 100;
	/* the last value of each cycle landed: the process applied the stream */
	cl_send(c[0], "/eq/4/gain", M());
	rx_msg m;
	ck_assert(cl_wait(c[0], "/eq/4/gain", &m, FX_DEADLINE_MS));
	int last = ((sent - 1) / 4) % 8;
	/* jackd runs --no-realtime on a shared machine: xruns happen with no OSC at all (the
	 * baseline), and CPU is the machine's as much as lathe's: reported, not asserted
	 * (make soak and make bench measure them) */
	printf("live throughput: %d msgs in %.2f s (%.0f msgs/s) from 4 clients; lathe CPU %.1f%% of one core (whole process);"
	       " xruns %d (baseline %d in 2 s idle; reported, not asserted); /eq/4/gain %.2f (the last sent: %.2f)\n",
		sent, secs, sent / secs, cpu, load, baseline, m.f[0], -1.0f - 0.5f * last);
	fflush(stdout);
	/* a value of the stream was applied (the last one unless a loaded machine's socket
	 * buffer dropped the end of it) */
	int of_stream = 0;
	for (int v = 0; v < 8; v++)
		of_stream |= m.f[0] == -1.0f - 0.5f * v;
	ck_assert_msg(of_stream, "/eq/4/gain reads %g, no value of the stream", m.f[0]);
	cl_send(c[0], "/eq/4/gain", Mf(0));
	for (int k = 0; k < 4; k++)
		cl_free(c[k]);
	jack_deactivate(jc);
	jack_client_close(jc);
}
END_TEST

/* Runs `node SCRIPT PORT` in tests/node (installing the osc package once);
 * its stdout goes to out.  0 when node is not installed (the caller skips). */
static int run_node(const char *script, char *out, size_t outlen, int *ok)
{
	if (system("node --version >/dev/null 2>&1") != 0)
		return 0;
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "cd '%s/tests/node' && (test -d node_modules/osc || npm install --no-audit --no-fund >/dev/null 2>&1)",
		fx_src_dir());
	ck_assert_msg(system(cmd) == 0, "npm install in tests/node failed (the osc package is needed)");
	snprintf(cmd, sizeof cmd, "cd '%s/tests/node' && node %s %d %d", fx_src_dir(), script, osc_port_no, osc_meter_count());
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	int rc = pclose(p);
	*ok = WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
	return 1;
}

/* "Every parameter can be driven and every meter watched from a client that no one here wrote." */
START_TEST(node_osc_package_client)
{
	REQUIRE_LATHE();
	static char out[8192];
	int ok;
	if (!run_node("osc_client.js", out, sizeof out, &ok)) {
		printf("test_osc_live: SKIP node_osc_package_client: node is not installed\n");
		return;
	}
	printf("node osc client: %s", out);
	ck_assert_msg(ok, "node client failed: %s", out);
	for (int i = 0; i < osc_meter_count(); i++) {
		char q[80];
		snprintf(q, sizeof q, "\"%s\"", osc_meter_get(i)->path);
		ck_assert_msg(strstr(out, q), "the node client never saw %s", osc_meter_get(i)->path);
	}
	char want[64];
	snprintf(want, sizeof want, "\"set_ok\":%d", P_COUNT);
	ck_assert_msg(strstr(out, want), "not every parameter was driven: %s", out);
}
END_TEST

/* Issue 12, as Open Stage Control: the osc package on ONE socket gets the
 * whole state within 1 s of /subscribe, follows another client's change and
 * keeps feedback past the lease by renewing it itself. */
START_TEST(one_socket_surface_gets_state_and_keeps_it)
{
	REQUIRE_LATHE();
	static char out[8192];
	int ok;
	if (!run_node("osc_surface.js", out, sizeof out, &ok)) {
		printf("test_osc_live: SKIP one_socket_surface_gets_state_and_keeps_it: node is not installed\n");
		return;
	}
	printf("node one-socket surface: %s", out);
	ck_assert_msg(ok, "one-socket surface failed: %s", out);
}
END_TEST

/* Issue 11: one datagram of 3,000 nested bundles (60 kB) killed a running
 * lathe (stack overflow in liblo's recursive dispatch).  Built here by hand
 * from OSC 1.0's bundle framing; lathe must answer /error and then /ping. */
START_TEST(deep_bundle_datagram_survived)
{
	REQUIRE_LATHE();
	client *c = cl_new("127.0.0.1", osc_port_no);
	static char pkt[65536];
	const char inner[] = "/ping\0\0\0,\0\0\0";
	size_t n = sizeof inner - 1, depth = 3000, len = depth * 20 + n;
	ck_assert_uint_le(len, 65507);
	memcpy(pkt + len - n, inner, n);
	size_t pos = len - n, elem = n;
	for (size_t k = 0; k < depth; k++) {
		pos -= 20;
		memcpy(pkt + pos, "#bundle\0\0\0\0\0\0\0\0\1", 16);
		uint32_t be = htonl((uint32_t)elem);
		memcpy(pkt + pos + 16, &be, 4);
		elem += 20;
	}
	cl_send_raw(c, pkt, len);
	rx_msg m;
	ck_assert_msg(cl_wait(c, "/error", &m, 3000), "no /error for %zu nested bundles", depth);
	printf("live deep bundle: %zu levels in %zu bytes: /error '%s'\n", depth, len, m.s[1]);
	cl_send(c, "/ping", M());
	ck_assert_msg(cl_wait(c, "/pong", NULL, 3000), "lathe does not answer /ping after %zu nested bundles", depth);
	ck_assert_int_eq(kill(fx.lathe, 0), 0);
	cl_free(c);
}
END_TEST

/* Issue 11: /session/load of a FIFO in the session folder blocked the OSC
 * thread in open() until a writer came: no client was served.  The server
 * must keep answering, and the load must end in /error once the FIFO gives
 * EOF (or at once, when the session reader refuses non-regular files). */
START_TEST(session_load_of_a_fifo_does_not_block)
{
	REQUIRE_LATHE();
	char dir[300], fifo[400];
	snprintf(dir, sizeof dir, "%s/data/lathe/sessions", fx.home);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(fifo, sizeof fifo, "%s/fifo.lathe", dir);
	unlink(fifo);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	client *c = cl_new("127.0.0.1", osc_port_no);
	cl_send(c, "/session/load", Ms("fifo"));
	sleep_ms(200);
	double t0 = now_s();
	cl_send(c, "/ping", M());
	/* the refusal (/error) may come before or after the /pong: keep both */
	int pong = 0, err = 0;
	rx_msg m;
	memset(&m, 0, sizeof m);
	double pong_ms = -1;
	for (int round = 0; round < 2; round++) {
		cl_pump(c, round ? 3000 : 2000);
		for (int k = 0; k < c->nq; k++) {
			if (!pong && !strcmp(c->q[k].path, "/pong")) {
				pong = 1;
				pong_ms = (c->q[k].t - t0) * 1000;
			}
			if (!err && !strcmp(c->q[k].path, "/error")) {
				err = 1;
				m = c->q[k];
			}
		}
		c->nq = 0;
		if (!round) {
			printf("live FIFO load: /pong %s after %.0f ms\n", pong ? "came" : "did not come", pong_ms);
			/* let a reader still blocked in open() go: a writer that opens and closes gives it EOF */
			int w = open(fifo, O_WRONLY | O_NONBLOCK);
			if (w >= 0)
				close(w);
		}
		if (pong && err)
			break;
	}
	ck_assert_msg(pong, "the OSC thread is blocked by /session/load of a FIFO");
	ck_assert_msg(err, "no /error for /session/load of a FIFO");
	printf("live FIFO load: /error '%s' '%s'\n", m.s[0], m.s[1]);
	ck_assert_str_eq(m.s[0], "/session/load");
	unlink(fifo);
	cl_free(c);
}
END_TEST

/* Issue 12, as TouchOSC: sends from one port, listens on another, named with
 * /reply/port; the whole state arrives there within 1 s of /subscribe, and
 * a change by another client follows. */
START_TEST(two_port_surface_gets_state)
{
	REQUIRE_LATHE();
	client *tx = cl_new("127.0.0.1", osc_port_no), *rx = cl_new("127.0.0.1", osc_port_no);
	client *other = cl_new("127.0.0.1", osc_port_no);
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	getsockname(rx->fd, (struct sockaddr *)&me, &len);
	cl_send(tx, "/reply/port", Mi(ntohs(me.sin_port)));
	ck_assert(cl_wait(rx, "/done", NULL, 2000));
	double t0 = now_s();
	cl_send(tx, "/subscribe", Mi(5));
	cl_pump(rx, 1000);
	int n = 0;
	double last = 0;
	for (int id = 0; id < P_COUNT; id++) {
		const char *path = param_info_get(id)->path;
		char text[80];
		snprintf(text, sizeof text, "/text%s", path);
		int got = 0;
		for (int k = 0; k < rx->nq; k++)
			if (!strcmp(rx->q[k].path, path) || !strcmp(rx->q[k].path, text)) {
				got++;
				last = rx->q[k].t > last ? rx->q[k].t : last;
			}
		n += got >= 2;
	}
	printf("live two-port surface: %d of %d parameters (value and text) on the reply port, complete %.1f ms after /subscribe\n",
		n, P_COUNT, (last - t0) * 1000);
	ck_assert_int_eq(n, P_COUNT);
	cl_drain(rx);
	cl_send(other, "/imager/width", Mf(120));
	rx_msg m;
	ck_assert(cl_wait(rx, "/imager/width", &m, 2000));
	ck_assert_float_eq(m.f[0], 120);
	cl_send(other, "/imager/width", Mf(param_info_get(P_IMG_WIDTH)->def));
	cl_send(tx, "/unsubscribe", M());
	cl_send(tx, "/reply/port", Mi(0));
	cl_free(tx);
	cl_free(rx);
	cl_free(other);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("osc_live");
	TCase *t = suite_add_case(s, "headless", 90, NULL, NULL);
	tcase_add_unchecked_fixture(t, suite_setup, suite_teardown);
	tcase_add_test(t, every_parameter_through_the_process);
	tcase_add_test(t, meters_while_playing);
	tcase_add_test(t, feedback_latency_and_access);
	tcase_add_test(t, meter_bandwidth_with_music);
	tcase_add_test(t, reference_transport);
	tcase_add_test(t, ten_thousand_per_second);
	tcase_add_test(t, node_osc_package_client);
	tcase_add_test(t, one_socket_surface_gets_state_and_keeps_it);
	tcase_add_test(t, deep_bundle_datagram_survived);
	tcase_add_test(t, session_load_of_a_fifo_does_not_block);
	tcase_add_test(t, monitor_ref_load_confined_to_the_session_folder);
	/* last: /reply/port is per host, and every client here is 127.0.0.1 */
	tcase_add_test(t, two_port_surface_gets_state);
	return run_suite(s);
}
