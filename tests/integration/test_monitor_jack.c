/* Integration: the monitor section through real JACK ports.
 *
 * A private jackd (dummy, 48 kHz, 256 frames) and one real `lathe headless`
 * with OSC; a probe client plays known signals into lathe:in_L/R and
 * lathe:ref_L/R and records lathe:monitor_L/R and lathe:out_L/R in the same
 * cycles.  For every /monitor/... control:
 *   - monitor_L/R are checked sample for sample against what the control
 *     should make of the master recorded in the same cycles (or of the input
 *     or reference that was played), and their levels are printed;
 *   - out_L/R are compared with a baseline recorded with the monitor at its
 *     defaults: per-channel levels within 0.01 dB and, the signals being
 *     periodic, the waveform equal once the loop phases are lined up.
 * Loudness (calibration signal, loudness match) is measured here with
 * libebur128; the platform preview is compared with `lathe analyze --json`
 * on the recorded master.
 *
 * Every take is recorded with the server in freewheel (fx_freewheel): each
 * cycle runs only when the last one is complete, so no xrun of a loaded
 * machine can touch a take, and a take starts PROBE_FLUSH cycles into the
 * freewheel, when whatever the real-time cycles before it did (a late cycle,
 * a 20 ms ramp after a change) has left the chain.  The same jackd, ports and
 * lathe as in real time; only the clock differs.  What lathe publishes from
 * its other threads at wall-clock rate (the platform gain) is polled.
 *
 * One jackd and one lathe serve the whole suite (unchecked fixture); every
 * test puts the monitor and the limiter drive back to their defaults first. */
#include <check.h>
#include <ebur128.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/fixture.h"
#include "tests/unit/test_osc_client.h"
#include "tests/support/check_main.h"

#define RATE 48000
#define PERIOD 256
#define NAME "lmon"

static fixture fx;
static int osc_port;

/* ---- signals ---- */

/* Steady, L and R different: 500 Hz at -14 dBFS left, 1200 Hz at -20 dBFS
 * right.  Both periods divide the 4800-frame loop (and 480 frames). */
#define S1_LEN 4800
#define S1_FL 500.0
#define S1_FR 1200.0
#define S1_DBL (-14.0)
#define S1_DBR (-20.0)

/* Loops of white noise (uniform): long enough to find a latency without ambiguity. */
#define NOISE_LEN 24000

typedef struct {
	float *ch[4]; /* in_L, in_R, ref_L, ref_R */
	size_t len[4];
} sigbank;

static float *tone(double f, double db, size_t len)
{
	float *x = malloc(len * sizeof(float));
	double a = pow(10, db / 20);
	for (size_t i = 0; i < len; i++)
		x[i] = (float)(a * sin(2 * M_PI * f * (double)i / RATE));
	return x;
}

static float *noise(uint32_t seed, double peak, size_t len)
{
	float *x = malloc(len * sizeof(float));
	uint32_t s = seed ? seed : 1;
	for (size_t i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		x[i] = (float)(peak * ((double)(int32_t)s / 2147483648.0));
	}
	return x;
}

static void sig_free(sigbank *s)
{
	for (int c = 0; c < 4; c++)
		free(s->ch[c]);
	memset(s, 0, sizeof *s);
}

/* Four loops of noise, NOISE_LEN frames each (in_L, in_R, ref_L, ref_R). */
static sigbank sig_noise(const uint32_t seed[4], const double peak[4])
{
	sigbank s;
	for (int c = 0; c < 4; c++) {
		s.ch[c] = noise(seed[c], peak[c], NOISE_LEN);
		s.len[c] = NOISE_LEN;
	}
	return s;
}

/* The main test signal S1, with a noise reference (ref L and R different). */
static sigbank sig_s1(void)
{
	sigbank s;
	s.ch[0] = tone(S1_FL, S1_DBL, S1_LEN);
	s.ch[1] = tone(S1_FR, S1_DBR, S1_LEN);
	s.ch[2] = noise(0xA5A5A5A5u, 0.05, NOISE_LEN);
	s.ch[3] = noise(0x12345678u, 0.03, NOISE_LEN);
	s.len[0] = s.len[1] = S1_LEN;
	s.len[2] = s.len[3] = NOISE_LEN;
	return s;
}

/* ---- the probe: plays four ports, records four, cycle by cycle ---- */

enum { R_OUT_L, R_OUT_R, R_MON_L, R_MON_R };

typedef struct {
	jack_client_t *c;
	jack_port_t *po[4], *pi[4];
	sigbank sig;
	uint64_t played;           /* frames played since activation (RT thread only) */
	float *rec[4];
	size_t n, rpos;
	uint64_t rec_start;        /* absolute frame of rec[.][0] */
	_Atomic int state;         /* 0 idle, 1 armed, 2 recording, 3 done */
	_Atomic int freewheeling;  /* the server's state (fx_freewheel_watch) */
	unsigned fw_cycles;        /* cycles since the freewheel began (RT thread only) */
} probe;

/* Cycles of freewheel before a take starts: 0.5 s of audio, longer than the
 * chain's latency plus the probe's round trip and than any ramp or smoothing. */
#define PROBE_FLUSH (RATE / 2 / PERIOD)

typedef struct {
	float *x[4];               /* out_L, out_R, monitor_L, monitor_R */
	size_t n;
	uint64_t start;            /* absolute frame (of the played loops) of x[.][0] */
} take;

static probe *cur_probe;

static int probe_process(jack_nframes_t nf, void *arg)
{
	probe *p = arg;
	float *o[4], *in[4];
	for (int c = 0; c < 4; c++) {
		o[c] = jack_port_get_buffer(p->po[c], nf);
		in[c] = jack_port_get_buffer(p->pi[c], nf);
	}
	for (int c = 0; c < 4; c++) {
		size_t len = p->sig.len[c];
		size_t pos = (size_t)(p->played % len);
		for (jack_nframes_t k = 0; k < nf; k++) {
			o[c][k] = p->sig.ch[c][pos];
			if (++pos == len)
				pos = 0;
		}
	}
	p->fw_cycles = atomic_load(&p->freewheeling) ? p->fw_cycles + 1 : 0;
	int st = atomic_load(&p->state);
	if (st == 1 && p->fw_cycles > PROBE_FLUSH) {
		p->rec_start = p->played;
		p->rpos = 0;
		st = 2;
	}
	if (st == 2) {
		size_t k = p->n - p->rpos < nf ? p->n - p->rpos : nf;
		for (int c = 0; c < 4; c++)
			memcpy(p->rec[c] + p->rpos, in[c], k * sizeof(float));
		p->rpos += k;
		if (p->rpos >= p->n)
			st = 3;
		atomic_store(&p->state, st);
	}
	p->played += nf;
	return 0;
}

static void probe_free(probe *p)
{
	if (!p)
		return;
	if (p->c)
		jack_client_close(p->c);
	sig_free(&p->sig);
	free(p);
}

/* Takes ownership of the signals; connects and lets the chain settle. */
static probe *probe_new(sigbank sig)
{
	probe *p = calloc(1, sizeof *p);
	p->sig = sig;
	jack_status_t st;
	p->c = jack_client_open("monprobe", JackNoStartServer, &st);
	ck_assert_msg(p->c != NULL, "cannot open the probe client (status 0x%x)", (unsigned)st);
	static const char *const on[4] = { "play_L", "play_R", "pref_L", "pref_R" };
	static const char *const inn[4] = { "out_L", "out_R", "mon_L", "mon_R" };
	for (int c = 0; c < 4; c++) {
		p->po[c] = jack_port_register(p->c, on[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
		p->pi[c] = jack_port_register(p->c, inn[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
		ck_assert(p->po[c] && p->pi[c]);
	}
	jack_set_process_callback(p->c, probe_process, p);
	fx_freewheel_watch(p->c, &p->freewheeling);
	ck_assert_int_eq(jack_activate(p->c), 0);
	cur_probe = p;
	static const char *const lo[4] = { NAME ":in_L", NAME ":in_R", NAME ":ref_L", NAME ":ref_R" };
	static const char *const li[4] = { NAME ":out_L", NAME ":out_R", NAME ":monitor_L", NAME ":monitor_R" };
	/* EEXIST: lathe restores the connections of a client it saw before (an
	 * earlier test's probe of the same name) and may have been first */
	for (int c = 0; c < 4; c++) {
		int r = jack_connect(p->c, jack_port_name(p->po[c]), lo[c]);
		ck_assert_msg(r == 0 || r == EEXIST, "cannot connect to %s (%d)", lo[c], r);
		r = jack_connect(p->c, li[c], jack_port_name(p->pi[c]));
		ck_assert_msg(r == 0 || r == EEXIST, "cannot connect from %s (%d)", li[c], r);
	}
	return p;
}

static take record(probe *p, size_t n)
{
	take t;
	t.n = n;
	for (int c = 0; c < 4; c++) {
		t.x[c] = calloc(n, sizeof(float));
		p->rec[c] = t.x[c];
	}
	p->n = n;
	ck_assert_msg(fx_freewheel(p->c, &p->freewheeling, 1) == 0, "the server does not freewheel");
	atomic_store(&p->state, 1);
	/* a survival deadline: freewheel runs much faster than real time */
	int limit = (int)(10000.0 * n / RATE) + FX_DEADLINE_MS;
	for (int ms = 0; ms < limit && atomic_load(&p->state) != 3; ms += 2)
		sleep_ms(2);
	int done = atomic_load(&p->state) == 3;
	atomic_store(&p->state, 0);
	ck_assert_msg(fx_freewheel(p->c, &p->freewheeling, 0) == 0, "the server does not leave freewheel");
	ck_assert_msg(done, "recording of %zu frames did not finish", n);
	t.start = p->rec_start;
	return t;
}

static void take_free(take *t)
{
	for (int c = 0; c < 4; c++)
		free(t->x[c]);
	memset(t, 0, sizeof *t);
}

/* ---- OSC ---- */

static client *osc;

static void osc_open(void)
{
	osc = cl_new("127.0.0.1", osc_port);
}

/* Sends a value, then queries it: the reply proves every earlier message was applied. */
static float set_sync(const char *path, lo_message m)
{
	cl_send(osc, path, m);
	cl_send(osc, path, M());
	rx_msg r;
	ck_assert_msg(cl_wait(osc, path, &r, FX_DEADLINE_MS), "no reply to %s", path);
	return r.types[0] == 'f' ? r.f[0] : NAN;
}

static void setf(const char *path, float v)
{
	float got = set_sync(path, Mf(v));
	ck_assert_msg(fabsf(got - v) < 1e-4f, "%s: set %g, reads %g", path, v, got);
}

static void sets(const char *path, const char *name)
{
	set_sync(path, Ms(name));
}

/* Monitor controls and limiter drive at their defaults (whatever a failed test left). */
static void defaults(void)
{
	static const char *const zero[] = { "/monitor/bypass", "/monitor/level", "/monitor/dim", "/monitor/mute",
		"/monitor/mono", "/monitor/swap", "/monitor/calibration", "/monitor/cal_signal", "/limiter/gain" };
	for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
		cl_send(osc, zero[i], Mf(0));
	cl_send(osc, "/monitor/dim_level", Mf(-20));
	cl_send(osc, "/monitor/match", Mf(1));
	cl_send(osc, "/monitor/source", Ms("master"));
	cl_send(osc, "/monitor/solo", Ms("off"));
	cl_send(osc, "/monitor/polarity", Ms("normal"));
	sets("/monitor/platform", "off");
}

/* ---- measures ---- */

static double db(double lin) { return lin > 0 ? 20 * log10(lin) : -INFINITY; }

/* Level re a full-scale sine (RMS x sqrt 2), as fx_sine_db. */
static double level_db(const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return db(sqrt(2 * s / (double)n));
}

/* Amplitude (dBFS peak) of the component at f: one DFT bin over n frames (whole periods). */
static double tone_db(const float *x, size_t n, double f)
{
	double re = 0, im = 0;
	for (size_t i = 0; i < n; i++) {
		double w = 2 * M_PI * f * (double)i / RATE;
		re += x[i] * cos(w);
		im -= x[i] * sin(w);
	}
	return db(2 * sqrt(re * re + im * im) / (double)n);
}

static double max_abs(const float *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fabs(x[i]) > m ? fabs(x[i]) : m;
	return m;
}

/* Largest |mon - (a*outL + b*outR)| (mon_L) and |mon - (c*outL + d*outR)| (mon_R). */
static double matrix_err(const take *t, double a, double b, double c, double d)
{
	double e = 0;
	for (size_t i = 0; i < t->n; i++) {
		double l = t->x[R_OUT_L][i], r = t->x[R_OUT_R][i];
		double el = fabs(t->x[R_MON_L][i] - (a * l + b * r));
		double er = fabs(t->x[R_MON_R][i] - (c * l + d * r));
		e = el > e ? el : e;
		e = er > e ? er : e;
	}
	return e;
}

/* The master of t equals the master of the baseline b: levels within 0.01 dB
 * and, after lining up the loop phase (loop len), the waveform within tol. */
static void master_unchanged(const char *what, const take *b, const take *t, size_t len, double tol)
{
	ck_assert(t->n == b->n && b->n > len);
	size_t shift = (size_t)((b->start + len - t->start % len) % len);
	/* levels over the same stretch of the loop: b[0, n - shift) and t[shift, n) */
	size_t m = t->n - shift;
	double dl = level_db(t->x[R_OUT_L] + shift, m) - level_db(b->x[R_OUT_L], m);
	double dr = level_db(t->x[R_OUT_R] + shift, m) - level_db(b->x[R_OUT_R], m);
	double e = 0;
	size_t at = 0, bad = 0, first = 0;
	for (size_t i = 0; i + shift < t->n; i++) {
		for (int c = 0; c < 2; c++) {
			double d = fabs((double)b->x[c][i] - t->x[c][i + shift]);
			if (d > tol && !bad++)
				first = i + shift;
			if (d > e) {
				e = d;
				at = i + shift;
			}
		}
	}
	if (bad)
		printf("    %s: %zu samples differ, first at frame %zu, largest at %zu (take of %zu from %llu)\n", what, bad, first,
		       at, t->n, (unsigned long long)t->start);
	printf("    %-26s out_L/R vs baseline: %+.4f / %+.4f dB, waveform max |diff| %.2e\n", what, dl, dr, e);
	ck_assert_msg(fabs(dl) < 0.01 && fabs(dr) < 0.01, "%s: master level changed by %+.4f / %+.4f dB", what, dl, dr);
	ck_assert_msg(e < tol, "%s: master waveform changed (max |diff| %.3g)", what, e);
}

/* Lag (frames) of y behind the looped signal x (loop len) played from `start`:
 * the largest cross-correlation over 0..maxlag, on the first w frames of y. */
static size_t find_lag(const float *y, const float *x, size_t len, uint64_t start, size_t w, size_t maxlag)
{
	double best = -1;
	size_t arg = 0;
	for (size_t d = 0; d < maxlag; d++) {
		double s = 0;
		for (size_t i = 0; i < w; i++)
			s += (double)y[i] * x[(size_t)((start + len * 4 + i - d) % len)];
		if (fabs(s) > best) {
			best = fabs(s);
			arg = d;
		}
	}
	return arg;
}

/* Largest |y[i] - g * x[start + i - lag]| over the take. */
static double follow_err(const float *y, size_t n, const float *x, size_t len, uint64_t start, size_t lag, double g)
{
	double e = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs(y[i] - g * x[(size_t)((start + len * 4 + i - lag) % len)]);
		e = d > e ? d : e;
	}
	return e;
}

/* Level (as level_db) of the looped x as it sounds lag frames late over a take of n frames from start. */
static double delayed_level_db(const float *x, size_t len, uint64_t start, size_t lag, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double v = x[(size_t)((start + len * 4 + i - lag) % len)];
		s += v * v;
	}
	return db(sqrt(2 * s / (double)n));
}

/* Loudness of a stereo pair with libebur128: integrated and last short-term (3 s). */
static void loudness(const float *l, const float *r, size_t n, double *lufs_i, double *lufs_s)
{
	ebur128_state *st = ebur128_init(2, RATE, EBUR128_MODE_I | EBUR128_MODE_S);
	ck_assert_ptr_nonnull(st);
	float *il = malloc(2 * n * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		il[2 * i] = l[i];
		il[2 * i + 1] = r[i];
	}
	ebur128_add_frames_float(st, il, n);
	ck_assert_int_eq(ebur128_loudness_global(st, lufs_i), EBUR128_SUCCESS);
	ck_assert_int_eq(ebur128_loudness_shortterm(st, lufs_s), EBUR128_SUCCESS);
	ebur128_destroy(&st);
	free(il);
}

/* ---- fixture ---- */

static void suite_setup(void)
{
	memset(&fx, 0, sizeof fx);
	if (fx_jackd_start(&fx, RATE, PERIOD) != 0) {
		fprintf(stderr, "test_monitor_jack: jackd did not start\n");
		exit(1);
	}
	osc_port = 20000 + (int)(getpid() % 20000);
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port);
	const char *const args[] = { "--osc-port", port, NULL };
	if (fx_lathe_start(&fx, NAME, args) != 0) {
		fprintf(stderr, "test_monitor_jack: lathe did not start (log %s)\n", fx.log);
		fx_jackd_stop(&fx, SIGTERM);
		exit(1);
	}
}

static void suite_teardown(void)
{
	fx_lathe_stop(&fx);
	fx_jackd_stop(&fx, SIGTERM);
}

static void setup(void)
{
	cur_probe = NULL;
	osc_open();
	int up = 0;
	for (int t = 0; t < FX_DEADLINE_MS && !up; t += 100) {
		cl_send(osc, "/ping", M());
		up = cl_wait(osc, "/pong", NULL, 100);
	}
	ck_assert_msg(up, "lathe's OSC server does not answer on port %d (log %s)", osc_port, fx.log);
	defaults();
}

static void teardown(void)
{
	probe_free(cur_probe);
	cur_probe = NULL;
	if (osc) {
		defaults();
		cl_free(osc);
		osc = NULL;
	}
}

/* ---- the controls that act on the master's two channels ---- */

#define N1 24000 /* 0.5 s: whole periods of both tones, longer than the 4800-frame loop */

typedef struct {
	const char *name;
	const char *path[3];    /* up to three settings */
	const char *sval[3];    /* enum name, or NULL: fval */
	float fval[3];
	double m[4];            /* mon_L = m0 outL + m1 outR, mon_R = m2 outL + m3 outR */
} mcase;

static void run_case(probe *p, const take *base, const mcase *k)
{
	for (int i = 0; i < 3 && k->path[i]; i++) {
		if (k->sval[i])
			sets(k->path[i], k->sval[i]);
		else
			setf(k->path[i], k->fval[i]);
	}
	take t = record(p, N1);
	double e = matrix_err(&t, k->m[0], k->m[1], k->m[2], k->m[3]);
	const float *ml = t.x[R_MON_L], *mr = t.x[R_MON_R];
	printf("  %s\n", k->name);
	printf("    monitor L: %7.2f dB (500 Hz %7.2f, 1200 Hz %7.2f)  R: %7.2f dB (500 Hz %7.2f, 1200 Hz %7.2f)\n",
	       level_db(ml, t.n), tone_db(ml, t.n, S1_FL), tone_db(ml, t.n, S1_FR),
	       level_db(mr, t.n), tone_db(mr, t.n, S1_FL), tone_db(mr, t.n, S1_FR));
	printf("    expected [%g %g; %g %g] x master: max |error| %.2e\n", k->m[0], k->m[1], k->m[2], k->m[3], e);
	ck_assert_msg(e < 2e-5, "%s: monitor differs from [%g %g; %g %g] x master by %.3g", k->name,
	              k->m[0], k->m[1], k->m[2], k->m[3], e);
	master_unchanged(k->name, base, &t, S1_LEN, 2e-5);
	take_free(&t);
	defaults();
}

static take baseline(probe *p, const char *what)
{
	take b = record(p, N1);
	double err = matrix_err(&b, 1, 0, 0, 1);
	printf("  baseline (%s): out L %.3f dB R %.3f dB; monitor L %.3f dB R %.3f dB, monitor == master within %.1e\n",
	       what, level_db(b.x[R_OUT_L], b.n), level_db(b.x[R_OUT_R], b.n),
	       level_db(b.x[R_MON_L], b.n), level_db(b.x[R_MON_R], b.n), err);
	ck_assert_msg(err == 0, "with monitor defaults the monitor is not the master bit for bit (%.3g)", err);
	return b;
}

#define G(db) pow(10, (db) / 20.0)

START_TEST(gain_controls)
{
	probe *p = probe_new(sig_s1());
	take base = baseline(p, "S1: 500 Hz -14 dBFS L, 1200 Hz -20 dBFS R");
	/* the chain is neutral below the ceiling: the master carries S1 as played */
	ck_assert(fabs(tone_db(base.x[R_OUT_L], base.n, S1_FL) - S1_DBL) < 0.05);
	ck_assert(fabs(tone_db(base.x[R_OUT_R], base.n, S1_FR) - S1_DBR) < 0.05);
	const mcase cases[] = {
		{ "level -6 dB", { "/monitor/level" }, { NULL }, { -6 }, { G(-6), 0, 0, G(-6) } },
		{ "level +4.5 dB", { "/monitor/level" }, { NULL }, { 4.5f }, { G(4.5), 0, 0, G(4.5) } },
		{ "dim (dim_level -20 dB)", { "/monitor/dim" }, { NULL }, { 1 }, { G(-20), 0, 0, G(-20) } },
		{ "dim, dim_level -12 dB", { "/monitor/dim_level", "/monitor/dim" }, { NULL, NULL }, { -12, 1 }, { G(-12), 0, 0, G(-12) } },
		{ "dim_level -12 dB, dim off", { "/monitor/dim_level" }, { NULL }, { -12 }, { 1, 0, 0, 1 } },
		{ "level -6 + dim -12", { "/monitor/level", "/monitor/dim_level", "/monitor/dim" }, { NULL, NULL, NULL }, { -6, -12, 1 }, { G(-18), 0, 0, G(-18) } },
		{ "mute", { "/monitor/mute" }, { NULL }, { 1 }, { 0, 0, 0, 0 } },
		{ "calibration -3.5 dB", { "/monitor/calibration" }, { NULL }, { -3.5f }, { G(-3.5), 0, 0, G(-3.5) } },
		{ "calibration +6 dB, level -6 dB", { "/monitor/calibration", "/monitor/level" }, { NULL, NULL }, { 6, -6 }, { 1, 0, 0, 1 } },
		{ "bypass (with level -6, mute)", { "/monitor/level", "/monitor/mute", "/monitor/bypass" }, { NULL, NULL, NULL }, { -6, 1, 1 }, { 1, 0, 0, 1 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_case(p, &base, &cases[i]);
	/* mute is silence, not merely quiet */
	setf("/monitor/mute", 1);
	take t = record(p, N1);
	double pk = fmax(max_abs(t.x[R_MON_L], t.n), max_abs(t.x[R_MON_R], t.n));
	printf("  mute: monitor peak %.3g (%.1f dBFS)\n", pk, db(pk));
	ck_assert_msg(pk == 0, "mute leaves %.3g on the monitors", pk);
	master_unchanged("mute", &base, &t, S1_LEN, 2e-5);
	take_free(&t);
	take_free(&base);
}
END_TEST

START_TEST(matrix_controls)
{
	probe *p = probe_new(sig_s1());
	take base = baseline(p, "S1");
	const mcase cases[] = {
		{ "mono: (L+R)/2 on both", { "/monitor/mono" }, { NULL }, { 1 }, { 0.5, 0.5, 0.5, 0.5 } },
		{ "swap", { "/monitor/swap" }, { NULL }, { 1 }, { 0, 1, 1, 0 } },
		{ "solo mid: (L+R)/2 on both", { "/monitor/solo" }, { "mid" }, { 0 }, { 0.5, 0.5, 0.5, 0.5 } },
		{ "solo side: (L-R)/2 on both", { "/monitor/solo" }, { "side" }, { 0 }, { 0.5, -0.5, 0.5, -0.5 } },
		{ "solo left: L on both", { "/monitor/solo" }, { "left" }, { 0 }, { 1, 0, 1, 0 } },
		{ "solo right: R on both", { "/monitor/solo" }, { "right" }, { 0 }, { 0, 1, 0, 1 } },
		{ "polarity left", { "/monitor/polarity" }, { "left" }, { 0 }, { -1, 0, 0, 1 } },
		{ "polarity right", { "/monitor/polarity" }, { "right" }, { 0 }, { 1, 0, 0, -1 } },
		{ "polarity both", { "/monitor/polarity" }, { "both" }, { 0 }, { -1, 0, 0, -1 } },
		{ "swap + polarity left", { "/monitor/swap", "/monitor/polarity" }, { NULL, "left" }, { 1, 0 }, { 0, 1, -1, 0 } },
		{ "mono + level -6 dB", { "/monitor/mono", "/monitor/level" }, { NULL, NULL }, { 1, -6 }, { G(-6) / 2, G(-6) / 2, G(-6) / 2, G(-6) / 2 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_case(p, &base, &cases[i]);
	take_free(&base);
}
END_TEST

/* source=input: the limiter drive makes the master 8 dB louder than the
 * input; the monitor carries the input as played, lined up with the master. */
START_TEST(source_input)
{
	probe *p = probe_new(sig_noise((const uint32_t[]){ 0x1111u, 0x2222u, 0x3333u, 0x4444u }, (const double[]){ 0.1, 0.08, 0.05, 0.05 }));
	setf("/monitor/match", 0);
	setf("/limiter/gain", 8);
	size_t n = NOISE_LEN + 12000;
	take base = record(p, n);
	setf("/monitor/source", 1);
	take t = record(p, n);
	const float *const *x = (const float *const *)p->sig.ch;
	size_t lag_out = find_lag(t.x[R_OUT_L], x[0], NOISE_LEN, t.start, 4096, 8192);
	size_t lag_mon = find_lag(t.x[R_MON_L], x[0], NOISE_LEN, t.start, 4096, 8192);
	int lat = fx_logged_latency(&fx, 1);
	/* the input over the very stretch the take heard */
	double in_l = delayed_level_db(x[0], NOISE_LEN, t.start, lag_mon, n);
	double in_r = delayed_level_db(x[1], NOISE_LEN, t.start, lag_mon, n);
	printf("  source=input, match off, limiter drive +8 dB (white noise loops)\n");
	printf("    input played L %.3f dB R %.3f dB; master L %.3f dB R %.3f dB; monitor L %.3f dB R %.3f dB\n",
	       in_l, in_r, level_db(t.x[R_OUT_L], n), level_db(t.x[R_OUT_R], n),
	       level_db(t.x[R_MON_L], n), level_db(t.x[R_MON_R], n));
	printf("    lag behind the played input: master %zu frames, monitor %zu frames (chain latency %d frames + %d for the probe's round trip)\n",
	       lag_out, lag_mon, lat, (int)lag_out - lat);
	double eo = follow_err(t.x[R_OUT_L], n, x[0], NOISE_LEN, t.start, lag_out, G(8));
	double el = follow_err(t.x[R_MON_L], n, x[0], NOISE_LEN, t.start, lag_mon, 1);
	double er = follow_err(t.x[R_MON_R], n, x[1], NOISE_LEN, t.start, lag_mon, 1);
	printf("    monitor vs input delayed %zu: max |diff| L %.2e R %.2e; master vs input x +8 dB: %.2e\n", lag_mon, el, er, eo);
	ck_assert_msg(fabs(level_db(t.x[R_OUT_L], n) - in_l - 8) < 0.1, "master is not 8 dB above the input");
	ck_assert_msg(fabs(level_db(t.x[R_MON_L], n) - in_l) < 0.01 && fabs(level_db(t.x[R_MON_R], n) - in_r) < 0.01,
	              "monitor level is not the input's");
	ck_assert_msg(lag_mon == lag_out, "monitor (input) lags %zu frames, master %zu: not lined up", lag_mon, lag_out);
	ck_assert_msg(el < 1e-6 && er < 1e-6, "monitor is not the input sample for sample (%.3g / %.3g)", el, er);
	master_unchanged("source=input", &base, &t, NOISE_LEN, 2e-5);
	take_free(&t);

	/* source=reference: the reference as played (not delayed: it does not go through the chain) */
	setf("/monitor/source", 2);
	t = record(p, n);
	size_t lag_ref = find_lag(t.x[R_MON_L], x[2], NOISE_LEN, t.start, 4096, 8192);
	el = follow_err(t.x[R_MON_L], n, x[2], NOISE_LEN, t.start, lag_ref, 1);
	er = follow_err(t.x[R_MON_R], n, x[3], NOISE_LEN, t.start, lag_ref, 1);
	printf("  source=reference, match off\n");
	printf("    reference played L %.3f dB R %.3f dB; monitor L %.3f dB R %.3f dB; lag %zu frames; max |diff| L %.2e R %.2e\n",
	       delayed_level_db(x[2], NOISE_LEN, t.start, lag_ref, n), delayed_level_db(x[3], NOISE_LEN, t.start, lag_ref, n), level_db(t.x[R_MON_L], n), level_db(t.x[R_MON_R], n),
	       lag_ref, el, er);
	ck_assert_msg(el < 1e-6 && er < 1e-6, "monitor is not the reference sample for sample (%.3g / %.3g)", el, er);
	ck_assert_msg(lag_ref < (size_t)lag_out, "reference lags %zu frames, the chain %zu", lag_ref, lag_out);
	master_unchanged("source=reference", &base, &t, NOISE_LEN, 2e-5);
	take_free(&t);
	take_free(&base);
}
END_TEST

/* The calibration signal: band-limited pink noise at -23 LUFS on the monitors,
 * measured here with libebur128. */
START_TEST(calibration_signal)
{
	probe *p = probe_new(sig_s1());
	take base = baseline(p, "S1");
	setf("/monitor/cal_signal", 1);
	size_t n = 3 * RATE;
	take t = record(p, n);
	double li, ls;
	loudness(t.x[R_MON_L], t.x[R_MON_R], n, &li, &ls);
	double corr = 0, ll = 0, rr = 0;
	for (size_t i = 0; i < n; i++) {
		corr += (double)t.x[R_MON_L][i] * t.x[R_MON_R][i];
		ll += (double)t.x[R_MON_L][i] * t.x[R_MON_L][i];
		rr += (double)t.x[R_MON_R][i] * t.x[R_MON_R][i];
	}
	printf("  cal_signal: monitor %.2f LUFS integrated, %.2f LUFS short-term (3 s); L/R correlation %.4f; "
	       "program's 1200 Hz tone on R %.1f dB\n", li, ls, corr / sqrt(ll * rr), tone_db(t.x[R_MON_R], n, S1_FR));
	ck_assert_msg(fabs(li + 23) < 0.5 && fabs(ls + 23) < 0.5, "calibration signal at %.2f / %.2f LUFS, want -23 +-0.5", li, ls);
	/* the 1200 Hz tone of the program's right channel is gone (the noise alone has ~-60 dB per bin) */
	ck_assert_msg(tone_db(t.x[R_MON_R], n, S1_FR) < -40, "the program is still on the monitors");
	take b2 = record(p, N1);
	master_unchanged("cal_signal", &base, &b2, S1_LEN, 2e-5);
	take_free(&b2);
	/* the calibration offset shifts it */
	setf("/monitor/calibration", -6);
	take t2 = record(p, n);
	double li2, ls2;
	loudness(t2.x[R_MON_L], t2.x[R_MON_R], n, &li2, &ls2);
	printf("  cal_signal + calibration -6 dB: %.2f LUFS integrated (%.2f LU lower)\n", li2, li - li2);
	/* two different 3 s stretches of noise: allow for their own spread (about 0.1 LU) */
	ck_assert_msg(fabs(li - li2 - 6) < 0.3, "calibration -6 dB moved the signal by %.2f LU", li - li2);
	take_free(&t2);
	take_free(&t);
	take_free(&base);
}
END_TEST

/* Write a stereo take's master to a float WAV. */
static void write_wav(const char *path, const float *l, const float *r, size_t n)
{
	SF_INFO info = { .samplerate = RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(f);
	float *il = malloc(2 * n * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		il[2 * i] = l[i];
		il[2 * i + 1] = r[i];
	}
	ck_assert_int_eq((int)sf_writef_float(f, il, (sf_count_t)n), (int)n);
	sf_close(f);
	free(il);
}

/* gain_db of platform id in `lathe analyze --json` output. */
static double json_platform_gain(const char *json, const char *id)
{
	char key[64];
	snprintf(key, sizeof key, "\"id\": \"%s\"", id);
	const char *p = strstr(json, key);
	ck_assert_msg(p != NULL, "no platform %s in:\n%s", id, json);
	p = strstr(p, "\"gain_db\":");
	ck_assert_ptr_nonnull(p);
	return atof(p + strlen("\"gain_db\":"));
}

static double json_number(const char *json, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(json, k);
	ck_assert_msg(p != NULL, "no %s in:\n%s", key, json);
	return atof(p + strlen(k));
}

/* Platform preview: the monitor plays the master at the level the platform
 * would, i.e. shifted by the gain `lathe analyze` reports for the master. */
START_TEST(platform_preview)
{
	sigbank s = sig_s1();
	free(s.ch[0]);
	free(s.ch[1]);
	s.ch[0] = tone(S1_FL, -6, S1_LEN);   /* loud: every platform turns it down */
	s.ch[1] = tone(S1_FR, -8, S1_LEN);
	probe *p = probe_new(s);
	sleep_ms(600);
	/* the integrated loudness lathe previews from starts now, on the steady signal */
	cl_send(osc, "/loudness/reset", M());
	ck_assert(cl_wait(osc, "/done", NULL, FX_DEADLINE_MS));
	sleep_ms(1500);
	size_t n = RATE;
	take base = record(p, n);
	char wav[128];
	snprintf(wav, sizeof wav, "/tmp/lathe-test-%d-master.wav", (int)getpid());
	write_wav(wav, base.x[R_OUT_L], base.x[R_OUT_R], n);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "%s analyze %s --json", fx_lathe_bin(), wav);
	char *json = fx_run(cmd);
	unlink(wav);
	double il = json_number(json, "integrated_lufs");
	printf("  platform preview: master %.2f LUFS integrated (lathe analyze of the recorded master)\n", il);
	static const char *const ids[] = { "youtube", "apple_music", "deezer" };
	for (int k = 0; k < 3; k++) {
		double want = json_platform_gain(json, ids[k]);
		sets("/monitor/platform", ids[k]);
		/* the gain is published from the analysis thread every 50 ms (wall clock),
		 * then ramped in 20 ms: take again until a take has it (a survival deadline) */
		take t = { 0 };
		double g = 0, e = INFINITY, t0 = now_s();
		int takes = 0;
		do {
			take_free(&t);
			sleep_ms(takes ? 100 : 200);
			t = record(p, n);
			takes++;
			/* least-squares gain monitor / master, and how well it explains the monitor */
			double xy = 0, xx = 0;
			for (int c = 0; c < 2; c++)
				for (size_t i = 0; i < t.n; i++) {
					xy += (double)t.x[R_MON_L + c][i] * t.x[R_OUT_L + c][i];
					xx += (double)t.x[R_OUT_L + c][i] * t.x[R_OUT_L + c][i];
				}
			g = xy / xx;
			e = matrix_err(&t, g, 0, 0, g);
		} while ((fabs(db(g) - want) >= 0.1 || e >= 2e-5) && now_s() - t0 < FX_DEADLINE_MS / 1000.0);
		double ml = level_db(t.x[R_MON_L], t.n) - level_db(t.x[R_OUT_L], t.n);
		double mr = level_db(t.x[R_MON_R], t.n) - level_db(t.x[R_OUT_R], t.n);
		printf("    %-12s analyze gain %+.2f dB; monitor vs master %+.3f dB (L %+.3f, R %+.3f), max |mon - g master| %.1e"
		       " (take %d)\n", ids[k], want, db(g), ml, mr, e, takes);
		ck_assert_msg(fabs(db(g) - want) < 0.1, "%s: monitor at %+.3f dB from the master, analyze says %+.2f dB", ids[k], db(g), want);
		ck_assert_msg(e < 2e-5, "%s: the monitor is not a plain gain of the master", ids[k]);
		master_unchanged(ids[k], &base, &t, S1_LEN, 2e-5);
		take_free(&t);
	}
	free(json);
	take_free(&base);
}
END_TEST

/* Loudness match: the master ~6 dB louder than the input; source=input with
 * match on brings the input to the master's loudness within 0.5 LU. */
START_TEST(loudness_match)
{
	probe *p = probe_new(sig_noise((const uint32_t[]){ 0x5151u, 0x6262u, 0x7373u, 0x8484u }, (const double[]){ 0.1, 0.1, 0.02, 0.02 }));
	setf("/limiter/gain", 6);
	setf("/monitor/match", 1);
	setf("/monitor/source", 1);
	/* the match glides with a 3 s time constant behind a 3 s short-term window */
	sleep_ms(12000);
	size_t n = 3 * RATE;
	take ti = record(p, n);
	setf("/monitor/source", 0);
	take tm = record(p, n);
	double in_i, in_s, out_i, out_s, mi_i, mi_s, mm_i, mm_s;
	float *pl = malloc(n * sizeof(float)), *pr = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		pl[i] = p->sig.ch[0][i % NOISE_LEN];
		pr[i] = p->sig.ch[1][i % NOISE_LEN];
	}
	loudness(pl, pr, n, &in_i, &in_s);
	loudness(ti.x[R_OUT_L], ti.x[R_OUT_R], n, &out_i, &out_s);
	loudness(ti.x[R_MON_L], ti.x[R_MON_R], n, &mi_i, &mi_s);
	loudness(tm.x[R_MON_L], tm.x[R_MON_R], n, &mm_i, &mm_s);
	printf("  loudness match (limiter drive +6 dB, white noise)\n");
	printf("    input played %.2f LUFS short-term; master %.2f LUFS (%.2f LU louder)\n", in_s, out_s, out_s - in_s);
	printf("    monitor, source=input + match: %.2f LUFS short-term (%.2f integrated): applied %+.2f dB\n", mi_s, mi_i, mi_s - in_s);
	printf("    monitor, source=master:        %.2f LUFS short-term (%.2f integrated)\n", mm_s, mm_i);
	printf("    difference input(matched) - master on the monitor: %+.3f LU\n", mi_s - mm_s);
	ck_assert_msg(out_s - in_s > 5, "the master is only %.2f LU louder than the input", out_s - in_s);
	ck_assert_msg(fabs(mi_s - mm_s) < 0.5, "matched input %.2f LUFS vs master %.2f LUFS: %.2f LU apart", mi_s, mm_s, mi_s - mm_s);
	/* the master itself never moved: the monitor in source=master is the master */
	ck_assert(matrix_err(&tm, 1, 0, 0, 1) == 0);
	double o2_i, o2_s;
	loudness(tm.x[R_OUT_L], tm.x[R_OUT_R], n, &o2_i, &o2_s);
	printf("    master while the monitor played the input %.3f LUFS, while it played the master %.3f LUFS\n", out_s, o2_s);
	ck_assert(fabs(out_s - o2_s) < 0.01);
	free(pl);
	free(pr);
	take_free(&ti);
	take_free(&tm);
}
END_TEST

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	Suite *s = suite_create("monitor_jack");
	TCase *tc = suite_add_case(s, "monitor_jack", 60, setup, teardown);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, gain_controls);
	tcase_add_test(tc, matrix_controls);
	tcase_add_test(tc, source_input);
	tcase_add_test(tc, calibration_signal);
	tcase_add_test(tc, platform_preview);
	tcase_add_test(tc, loudness_match);
	return run_suite(s);
}
