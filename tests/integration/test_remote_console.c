/* `lathe console --remote 127.0.0.1:PORT` (issue 17) against a real
 * `lathe headless` on a private dummy jackd, over real UDP, the console
 * under Xvfb as a separate process.  The console runs with
 * LATHE_CONSOLE_TRACE=1 (gui/trace.h): it says on stdout what it shows and
 * takes commands on stdin (gui.c: set, action, shot, meters, traffic, quit);
 * a third OSC client (a "tablet", tests/unit/test_osc_client.h) watches and
 * changes the engine beside it.
 *
 * Checks: the console's meters are the engine's /meter values; a third
 * client's change appears in the console; a console change reaches the
 * engine; two consoles and a tablet at once; Open Recent, snapshot and undo
 * as OSC actions; a mismatched engine (a fake answering /pong with another
 * registry hash) refused with one line; the engine killed (the console says
 * so, keeps its window) and restarted (re-synchronised).  Delays and
 * bandwidth are printed, never asserted.  Screenshots go to /tmp. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "tests/support/fixture.h"
#include "../unit/test_osc_client.h"
#include "tests/support/check_main.h"

static fixture fx;
static int osc_port_no;
static char lathe_name[64];
static char home[128];
static int setup_ok;

static int engine_up(void)
{
	client *c = cl_new("127.0.0.1", osc_port_no);
	int ok = 0;
	for (int t = 0; t < FX_DEADLINE_MS && !ok; t += 100) {
		cl_send(c, "/ping", M());
		ok = cl_wait(c, "/pong", NULL, 100);
	}
	cl_free(c);
	return ok;
}

static int start_engine(const char *set)
{
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port_no);
	char *sdir = g_strdup_printf("%s/sessions", home);
	g_mkdir_with_parents(sdir, 0755);
	const char *args[] = { "--osc-port", port, "--meter-rate", "20", "--play-demo", "--session-dir", sdir, "--set", set, NULL };
	snprintf(fx.home, sizeof fx.home, "%s", home);
	int rc = fx_lathe_start(&fx, lathe_name, args);
	g_free(sdir);
	return rc == 0 && engine_up();
}

static void suite_setup(void)
{
	memset(&fx, 0, sizeof fx);
	snprintf(home, sizeof home, "/tmp/lathe-remote-%d", (int)getpid());
	g_mkdir_with_parents(home, 0755);
	/* 44.1 kHz, not the console's fallback of 48: the EQ curve must be drawn at the engine's rate */
	if (fx_jackd_start(&fx, 44100, 256) != 0) {
		fprintf(stderr, "test_remote_console: jackd did not start\n");
		return;
	}
	osc_port_no = fx_free_udp_port();
	snprintf(lathe_name, sizeof lathe_name, "lathe-rc-%d", (int)getpid());
	setup_ok = start_engine("/monitor/level=-3.5");
	if (!setup_ok)
		fprintf(stderr, "test_remote_console: lathe did not start (log %s)\n", fx.log);
}

static void suite_teardown(void)
{
	if (fx.lathe > 0)
		fx_lathe_stop(&fx);
	if (fx.jackd > 0)
		fx_jackd_stop(&fx, SIGTERM);
	rm_tree(home);
}

#define REQUIRE_LATHE() ck_assert_msg(setup_ok, "lathe headless did not come up (log %s)", fx.log)

/* ---- a console in its own process ---- */

typedef struct {
	GPid pid;
	int in, out, err;
	GString *o, *e; /* everything it said on stdout, stderr */
	int status;     /* exit status once reaped, -1 before */
} rcon;

static rcon *rc_spawn(char **argv)
{
	rcon *c = g_new0(rcon, 1);
	c->status = -1;
	char **env = g_get_environ();
	env = g_environ_setenv(env, "LATHE_CONSOLE_TRACE", "1", TRUE);
	env = g_environ_setenv(env, "XDG_DATA_HOME", home, TRUE);
	env = g_environ_setenv(env, "XDG_STATE_HOME", home, TRUE);
	env = g_environ_setenv(env, "GSK_RENDERER", "cairo", TRUE);
	env = g_environ_setenv(env, "GDK_BACKEND", "x11", TRUE);
	env = g_environ_setenv(env, "GTK_A11Y", "none", TRUE);
	env = g_environ_setenv(env, "GSETTINGS_BACKEND", "memory", TRUE);
	env = g_environ_setenv(env, "NO_AT_BRIDGE", "1", TRUE);
	/* under make asan: GTK and fontconfig keep caches for the process's life (gui_leaks.h) */
	env = g_environ_setenv(env, "ASAN_OPTIONS", "detect_leaks=0", FALSE);
	GError *err = NULL;
	gboolean ok = g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &c->pid, &c->in, &c->out,
	                                       &c->err, &err);
	g_strfreev(env);
	ck_assert_msg(ok, "cannot start the console: %s", err ? err->message : "?");
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	c->o = g_string_new("");
	c->e = g_string_new("");
	return c;
}

static rcon *rc_start(int port)
{
	char target[64];
	snprintf(target, sizeof target, "127.0.0.1:%d", port);
	char *argv[] = { (char *)fx_lathe_bin(), "console", "--remote", target, NULL };
	return rc_spawn(argv);
}

static void rc_pump(rcon *c, int ms)
{
	struct pollfd p[2] = { { .fd = c->out, .events = POLLIN }, { .fd = c->err, .events = POLLIN } };
	if (poll(p, 2, ms) <= 0)
		return;
	char buf[65536];
	ssize_t n;
	while ((n = read(c->out, buf, sizeof buf)) > 0)
		g_string_append_len(c->o, buf, n);
	while ((n = read(c->err, buf, sizeof buf)) > 0)
		g_string_append_len(c->e, buf, n);
}

static void rc_say(rcon *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rc_say(rcon *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	ck_assert_int_eq(write(c->in, line, (size_t)n), n);
}

/* Waits for a trace line starting with `what` at or after offset *from of
 * stdout; returns a copy of that line (g_free) and moves *from past it. */
static char *rc_wait(rcon *c, const char *what, size_t *from, int ms)
{
	char key[300];
	snprintf(key, sizeof key, "lathe-trace: %s", what);
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	size_t start = from ? *from : 0;
	for (;;) {
		const char *hit = c->o->len > start ? strstr(c->o->str + start, key) : NULL;
		if (hit) {
			const char *eol = strchr(hit, '\n');
			if (eol) {
				if (from)
					*from = (size_t)(eol + 1 - c->o->str);
				return g_strndup(hit, (size_t)(eol - hit));
			}
		}
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		if (left <= 0)
			return NULL;
		rc_pump(c, left > 100 ? 100 : (int)left);
	}
}

static gint64 line_t(const char *line)
{
	const char *t = line ? strstr(line, " t=") : NULL;
	return t ? g_ascii_strtoll(t + 3, NULL, 10) : 0;
}

static int rc_alive(rcon *c)
{
	if (c->status >= 0)
		return 0;
	int st;
	if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
		c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		return 0;
	}
	return 1;
}

static int rc_stop(rcon *c)
{
	if (rc_alive(c)) {
		rc_say(c, "quit");
		gint64 end = g_get_monotonic_time() + (gint64)FX_DEADLINE_MS * 1000;
		while (rc_alive(c) && g_get_monotonic_time() < end) {
			rc_pump(c, 50);
			usleep(10 * 1000); /* at end of file poll returns at once */
		}
		if (rc_alive(c)) {
			fprintf(stderr, "console %d did not quit; its last words:\n%s\n%s\n", (int)c->pid,
			        c->o->len > 2000 ? c->o->str + c->o->len - 2000 : c->o->str, c->e->str);
			if (getenv("LATHE_TEST_GDB")) {
				char *cmd = g_strdup_printf("gdb -p %d -batch -ex 'thread apply all bt 12' 2>&1 | grep -v '^\\[' | tail -80", (int)c->pid);
				if (system(cmd) != 0)
					fprintf(stderr, "gdb failed\n");
				g_free(cmd);
			}
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
			c->status = 137;
		}
	}
	rc_pump(c, 0);
	int st = c->status;
	close(c->in);
	close(c->out);
	close(c->err);
	g_spawn_close_pid(c->pid);
	g_string_free(c->o, TRUE);
	g_string_free(c->e, TRUE);
	g_free(c);
	return st;
}

/* Connected: the link says so (gui/surface.h: SURFACE_CONNECTED = 2). */
static void rc_connected(rcon *c, size_t *from)
{
	char *l = rc_wait(c, "link 2", from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console did not connect; it said:\n%s\n%s", c->o->str, c->e->str);
	g_free(l);
}

/* A screenshot to look at; 1 when written.  Only the first test insists:
 * the others take theirs as a record (a slow sanitized render may miss it). */
static int rc_shot(rcon *c, const char *file)
{
	size_t from = c->o->len;
	rc_say(c, "shot %s", file);
	char *l = rc_wait(c, "shot ", &from, FX_DEADLINE_MS);
	int ok = l && strstr(l, " ok");
	printf("  screenshot %s%s\n", file, ok ? "" : ": not written");
	g_free(l);
	return ok;
}

/* The value of the engine's parameter, asked by a client of its own. */
static float engine_value(const char *path)
{
	client *q = cl_new("127.0.0.1", osc_port_no);
	rx_msg r;
	float v = NAN;
	for (int k = 0; k < 20 && isnan(v); k++) {
		cl_send(q, path, M());
		if (cl_wait(q, path, &r, 250))
			v = r.f[0];
	}
	cl_free(q);
	return v;
}

static int cmp_gint64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

static void print_delays(const char *what, gint64 *d, int n)
{
	if (n == 0) {
		printf("  %s: no samples\n", what);
		return;
	}
	qsort(d, (size_t)n, sizeof *d, cmp_gint64);
	printf("  %s: median %.1f ms, max %.1f ms (%d changes)\n", what, d[n / 2] / 1000.0, d[n - 1] / 1000.0, n);
}

/* ---- the checks ---- */

START_TEST(shows_engine_state_and_its_meters)
{
	REQUIRE_LATHE();
	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	/* the engine was started with /monitor/level -3.5: the console shows it */
	char *l = rc_wait(c, "shown /monitor/level -3.5", NULL, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console does not show the engine's /monitor/level");
	g_free(l);
	/* meters: what the console's meter bridge draws against the engine's /meter as a tablet gets it */
	client *t = cl_new("127.0.0.1", osc_port_no);
	cl_send(t, "/subscribe", Mi(30));
	float lufs_i = NAN, tp_max = NAN;
	gint64 end = g_get_monotonic_time() + 4 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		cl_pump(t, 50);
		for (int k = 0; k < t->nq; k++) {
			if (!strcmp(t->q[k].path, "/meter/out/lufs_i"))
				lufs_i = t->q[k].f[0];
			if (!strcmp(t->q[k].path, "/meter/out/true_peak_max"))
				tp_max = t->q[k].f[0];
		}
		t->nq = 0;
		rc_pump(c, 0);
	}
	size_t mfrom = c->o->len;
	rc_say(c, "meters");
	l = rc_wait(c, "meters ", &mfrom, FX_DEADLINE_MS);
	ck_assert(l);
	float c_lufs_i = NAN, c_tp = NAN;
	int have = 0;
	sscanf(strstr(l, "have="), "have=%d", &have);
	sscanf(strstr(l, "out_lufs_i="), "out_lufs_i=%f", &c_lufs_i);
	sscanf(strstr(l, "out_tp_max="), "out_tp_max=%f", &c_tp);
	printf("  meters: engine /meter/out/lufs_i %.2f, true_peak_max %.2f; console %.2f, %.2f\n", lufs_i, tp_max, c_lufs_i, c_tp);
	ck_assert_int_eq(have, 1);
	ck_assert_msg(lufs_i > -60 && tp_max > -60, "the engine's meters do not move (demo not playing?)");
	/* the integrated loudness moves by less than 0.1 LU in a meter period after seconds of music */
	ck_assert_float_eq_tol(c_lufs_i, lufs_i, 0.25f);
	ck_assert_float_eq_tol(c_tp, tp_max, 0.25f);
	g_free(l);
	cl_free(t);
	ck_assert(rc_shot(c, "/tmp/lathe-remote-console.png"));
	/* closing the window ends the subscription at once (not when the lease runs out) */
	size_t qfrom = c->o->len;
	rc_say(c, "quit");
	l = rc_wait(c, "unsubscribed", &qfrom, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console left without /unsubscribe");
	g_free(l);
	ck_assert_int_eq(rc_stop(c), 0);
}
END_TEST

/* A 3 s stereo sine at 44.1 kHz (the engine converts it to JACK's 48 kHz). */
static void write_ref(const char *path)
{
	SF_INFO info = { .samplerate = 44100, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	ck_assert_msg(sf, "cannot write %s", path);
	static float buf[2 * 44100 * 3];
	for (int i = 0; i < 44100 * 3; i++)
		buf[2 * i] = buf[2 * i + 1] = 0.1f * sinf(2 * (float)M_PI * 330 * i / 44100);
	ck_assert_int_eq((int)sf_writef_float(sf, buf, 44100 * 3), 44100 * 3);
	sf_close(sf);
}

/* The engine's reference player as /monitor/ref/state reports it to a tablet. */
static int engine_ref(float st[3])
{
	client *q = cl_new("127.0.0.1", osc_port_no);
	rx_msg r;
	int got = 0;
	for (int k = 0; k < 20 && !got; k++) {
		cl_send(q, "/monitor/ref/state", M());
		got = cl_wait(q, "/monitor/ref/state", &r, 250);
	}
	if (got)
		memcpy(st, r.f, 3 * sizeof *st);
	cl_free(q);
	return got;
}

/* The seconds of "time=M:SS / M:SS" in a "ref shown" trace line, -1 none. */
static int shown_secs(const char *line)
{
	const char *t = line ? strstr(line, "time=") : NULL;
	int mm, ss;
	return t && sscanf(t, "time=%d:%d", &mm, &ss) == 2 ? mm * 60 + ss : -1;
}

/* Issue 13 on a remote console: the Reference… action sends only the file's
 * name (the file is in the engine's session folder), the transport shows the
 * file and its position moving while it plays, Stop reaches the engine, and
 * a tablet's /monitor/ref/play shows in the console. */
START_TEST(remote_console_reference_transport)
{
	REQUIRE_LATHE();
	char *wav = g_strdup_printf("%s/sessions/ref-remote.wav", home);
	write_ref(wav);
	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	rc_say(c, "action ref-load %s", wav);
	char *l = rc_wait(c, "ref shown playing=0 time=0:00 / 0:03 name=ref-remote.wav", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the remote console does not show the loaded reference; it said:\n%s", c->o->str);
	g_free(l);
	rc_say(c, "action ref-play 1");
	l = rc_wait(c, "ref shown playing=1", &from, FX_DEADLINE_MS);
	ck_assert(l);
	int s0 = shown_secs(l);
	g_free(l);
	int s1 = s0;
	for (int k = 0; k < 10 && s1 == s0; k++) {
		l = rc_wait(c, "ref shown playing=1", &from, FX_DEADLINE_MS);
		s1 = shown_secs(l);
		g_free(l);
	}
	printf("  remote reference: shown at %d s, then %d s\n", s0, s1);
	ck_assert_int_ne(s1, s0);
	float st[3];
	ck_assert(engine_ref(st));
	ck_assert_float_eq(st[0], 1.0f);
	ck_assert_float_eq_tol(st[2], 3.0f, 0.01f);
	ck_assert(rc_shot(c, "/tmp/lathe-remote-reference.png"));
	rc_say(c, "action ref-play 0");
	l = rc_wait(c, "ref shown playing=0", &from, FX_DEADLINE_MS);
	ck_assert(l);
	g_free(l);
	ck_assert(engine_ref(st));
	ck_assert_float_eq(st[0], 0.0f);
	/* a tablet starts it: the console follows */
	client *t = cl_new("127.0.0.1", osc_port_no);
	cl_send(t, "/monitor/ref/play", M());
	l = rc_wait(c, "ref shown playing=1", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "a tablet's /monitor/ref/play does not show in the console");
	g_free(l);
	cl_send(t, "/monitor/ref/stop", M());
	cl_free(t);
	ck_assert_int_eq(rc_stop(c), 0);
	unlink(wav);
	g_free(wav);
}
END_TEST

/* Issue 13 in the console of a local engine (`lathe console --ref FILE` on
 * the dummy jackd, under Xvfb): the transport shows the file, its position
 * moves while it plays, a seek lands, the Reference… action loads another
 * file (any path: it is this computer's). */
START_TEST(local_console_reference_transport)
{
	REQUIRE_LATHE();
	char *wav = g_strdup_printf("%s/ref-local.wav", home), *wav2 = g_strdup_printf("%s/other.wav", home);
	write_ref(wav);
	write_ref(wav2);
	char jname[64];
	snprintf(jname, sizeof jname, "lathe-rcl-%d", (int)getpid());
	char *argv[] = { (char *)fx_lathe_bin(), "console", "--no-osc", "--jack-name", jname, "--ref", wav, NULL };
	rcon *c = rc_spawn(argv);
	size_t from = 0;
	char *l = rc_wait(c, "ref shown playing=1", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console does not show the reference playing; it said:\n%s\n%s", c->o->str, c->e->str);
	ck_assert_ptr_nonnull(strstr(l, "name=ref-local.wav"));
	ck_assert_ptr_nonnull(strstr(l, "/ 0:03"));
	int s0 = shown_secs(l), s1 = s0;
	g_free(l);
	for (int k = 0; k < 10 && s1 == s0; k++) {
		l = rc_wait(c, "ref shown playing=1", &from, FX_DEADLINE_MS);
		s1 = shown_secs(l);
		g_free(l);
	}
	printf("  local reference: shown at %d s, then %d s\n", s0, s1);
	ck_assert_int_ne(s1, s0);
	rc_say(c, "action ref-play 0");
	l = rc_wait(c, "ref shown playing=0", &from, FX_DEADLINE_MS);
	ck_assert(l);
	int stopped_at = shown_secs(l);
	g_free(l);
	/* a seek to another second than where it stopped (the trace says changes only) */
	int to = stopped_at == 2 ? 0 : 2;
	char want[64];
	snprintf(want, sizeof want, "ref shown playing=0 time=0:%02d", to);
	rc_say(c, "action ref-seek %d.5", to);
	l = rc_wait(c, want, &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "stopped at %d s, a seek to %d.5 s does not show 0:%02d", stopped_at, to, to);
	g_free(l);
	rc_say(c, "action ref-load %s", wav2);
	l = rc_wait(c, "ref shown playing=0 time=0:00 / 0:03 name=other.wav", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console does not show the file loaded with Reference…; it said:\n%s", c->o->str);
	g_free(l);
	rc_say(c, "action ref-play 1");
	g_free(rc_wait(c, "ref shown playing=1 time=0:01", &from, FX_DEADLINE_MS));
	ck_assert(rc_shot(c, "/tmp/lathe-local-reference.png"));
	ck_assert_int_eq(rc_stop(c), 0);
	unlink(wav);
	unlink(wav2);
	g_free(wav);
	g_free(wav2);
}
END_TEST

/* The meter bridge's L and R bars from per-channel meters (/meter/SIDE/peak_l, _r,
 * true_peak_l, _r), not one value for both; the EQ curve at the engine's rate
 * (/meter/rate).  The reference is what the engine is made to do: /imager/balance
 * 100 silences the master's left channel (imager.c's law: far side x (1 - b)),
 * the chain input keeps the demo's two channels. */
static int meters_ch(rcon *c, float *in_pk, float *in_tp, float *out_pk, float *out_tp, float *eq_rate)
{
	size_t from = c->o->len;
	rc_say(c, "meters");
	char *l = rc_wait(c, "meters-ch ", &from, FX_DEADLINE_MS);
	if (!l)
		return 0;
	int n = sscanf(strstr(l, "in_peak="), "in_peak=%f,%f in_tp=%f,%f out_peak=%f,%f out_tp=%f,%f eq_rate=%f", &in_pk[0], &in_pk[1],
	               &in_tp[0], &in_tp[1], &out_pk[0], &out_pk[1], &out_tp[0], &out_tp[1], eq_rate);
	printf("  console: in peak %.1f,%.1f tp %.1f,%.1f; out peak %.1f,%.1f tp %.1f,%.1f; EQ curve at %.0f Hz\n", in_pk[0], in_pk[1],
	       in_tp[0], in_tp[1], out_pk[0], out_pk[1], out_tp[0], out_tp[1], *eq_rate);
	g_free(l);
	return n == 9;
}

START_TEST(per_channel_peaks_and_engine_rate)
{
	REQUIRE_LATHE();
	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	client *t = cl_new("127.0.0.1", osc_port_no);
	cl_send(t, "/imager/balance", Mf(100));
	/* the tablet sees the same per-channel meters the console decodes */
	cl_send(t, "/subscribe", Mi(30));
	float tab_l = NAN, tab_r = NAN, tab_rate = NAN;
	gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		cl_pump(t, 50);
		for (int k = 0; k < t->nq; k++) {
			if (!strcmp(t->q[k].path, "/meter/out/peak_l"))
				tab_l = t->q[k].f[0];
			if (!strcmp(t->q[k].path, "/meter/out/peak_r"))
				tab_r = t->q[k].f[0];
			if (!strcmp(t->q[k].path, "/meter/rate"))
				tab_rate = t->q[k].f[0];
		}
		t->nq = 0;
		rc_pump(c, 0);
	}
	printf("  tablet: /meter/out/peak_l %.1f, peak_r %.1f, /meter/rate %.0f\n", tab_l, tab_r, tab_rate);
	float in_pk[2], in_tp[2], out_pk[2], out_tp[2], eq_rate = 0;
	int ok = 0;
	/* peaks are per meter period: a quiet moment of the demo can put R low too; a few tries */
	for (int k = 0; k < 10 && !ok; k++) {
		ck_assert(meters_ch(c, in_pk, in_tp, out_pk, out_tp, &eq_rate));
		ok = out_pk[0] <= -69.9f && out_tp[0] <= -69.9f && out_pk[1] > -60 && out_tp[1] > -60 && in_pk[0] > -60 && in_pk[1] > -60;
		if (!ok)
			rc_pump(c, 300);
	}
	cl_send(t, "/imager/balance", Mf(0));
	cl_free(t);
	ck_assert_float_eq(tab_rate, 44100);
	ck_assert_float_eq_tol(tab_l, -70, 0.01f);
	ck_assert_msg(tab_r > -60, "the engine's master R does not move");
	ck_assert_msg(ok, "the console's bars: out L %.1f/%.1f (want the floor, -70), out R %.1f/%.1f, in %.1f/%.1f (want the music)",
	              out_pk[0], out_tp[0], out_pk[1], out_tp[1], in_pk[0], in_pk[1]);
	ck_assert_float_eq(eq_rate, 44100);
	size_t qfrom = c->o->len;
	rc_say(c, "quit");
	char *l = rc_wait(c, "unsubscribed", &qfrom, FX_DEADLINE_MS);
	g_free(l);
	ck_assert_int_eq(rc_stop(c), 0);
}
END_TEST

START_TEST(third_client_change_appears_and_console_change_reaches_engine)
{
	REQUIRE_LATHE();
	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	g_free(rc_wait(c, "shown /monitor/level", NULL, FX_DEADLINE_MS));
	client *t = cl_new("127.0.0.1", osc_port_no);
	/* a third client's change: to the mirror, and to the knob on screen */
	gint64 d_mirror[20], d_shown[20];
	int n_m = 0, n_s = 0;
	for (int k = 0; k < 20; k++) {
		float v = -10.0f + 0.5f * k;
		char want[80];
		size_t at = c->o->len;
		gint64 t0 = g_get_monotonic_time();
		cl_send(t, "/monitor/level", Mf(v));
		snprintf(want, sizeof want, "mirror /monitor/level %g ", v);
		size_t f1 = at, f2 = at;
		char *lm = rc_wait(c, want, &f1, FX_DEADLINE_MS);
		snprintf(want, sizeof want, "shown /monitor/level %g ", v);
		char *ls = rc_wait(c, want, &f2, FX_DEADLINE_MS);
		ck_assert_msg(ls, "the console did not show /monitor/level %g", v);
		if (lm)
			d_mirror[n_m++] = line_t(lm) - t0;
		d_shown[n_s++] = line_t(ls) - t0;
		g_free(lm);
		g_free(ls);
		usleep(50 * 1000);
	}
	print_delays("third client -> console's mirror", d_mirror, n_m);
	print_delays("third client -> console's knob", d_shown, n_s);

	/* the console's own change: through its control, to the engine */
	cl_send(t, "/subscribe", Mi(30));
	cl_pump(t, 500);
	t->nq = 0;
	gint64 d_eng[10];
	int n_e = 0;
	for (int k = 0; k < 10; k++) {
		float v = 1.0f + 0.5f * k;
		size_t at = c->o->len;
		rc_say(c, "set /eq/1/gain %g", v);
		char *ls = rc_wait(c, "set /eq/1/gain", &at, FX_DEADLINE_MS);
		ck_assert(ls);
		rx_msg r;
		int got = 0;
		while (!got && cl_wait(t, "/eq/1/gain", &r, 2000))
			got = fabsf(r.f[0] - v) < 1e-3f;
		ck_assert_msg(got, "the engine's feedback never said /eq/1/gain %g", v);
		d_eng[n_e++] = (gint64)(r.t * 1e6) - line_t(ls);
		g_free(ls);
		usleep(50 * 1000);
	}
	print_delays("console -> engine -> tablet feedback", d_eng, n_e);
	ck_assert_float_eq_tol(engine_value("/eq/1/gain"), 5.5f, 1e-3f);

	/* bandwidth, steady state: 10 s of meters and the scopes while the demo plays */
	size_t at = c->o->len;
	rc_say(c, "traffic");
	char *a = rc_wait(c, "traffic ", &at, FX_DEADLINE_MS);
	sleep(10);
	rc_say(c, "traffic");
	char *b = rc_wait(c, "traffic ", &at, FX_DEADLINE_MS);
	ck_assert(a && b);
	unsigned long long rx0, tx0, rx1, tx1;
	sscanf(strstr(a, "rx="), "rx=%llu tx=%llu", &rx0, &tx0);
	sscanf(strstr(b, "rx="), "rx=%llu tx=%llu", &rx1, &tx1);
	double secs = (line_t(b) - line_t(a)) / 1e6;
	printf("  bandwidth per console at 20 Hz meters: %.1f kB/s from the engine, %.2f kB/s to it (%.1f s)\n",
	       (rx1 - rx0) / secs / 1000, (tx1 - tx0) / secs / 1000, secs);
	g_free(a);
	g_free(b);
	cl_free(t);
	ck_assert_int_eq(rc_stop(c), 0);
}
END_TEST

START_TEST(two_consoles_and_a_tablet)
{
	REQUIRE_LATHE();
	rcon *c1 = rc_start(osc_port_no), *c2 = rc_start(osc_port_no);
	size_t f1 = 0, f2 = 0;
	rc_connected(c1, &f1);
	rc_connected(c2, &f2);
	client *t = cl_new("127.0.0.1", osc_port_no);
	cl_send(t, "/subscribe", Mi(30));
	cl_pump(t, 500);
	t->nq = 0;
	/* console 1 turns the level: console 2 and the tablet follow */
	size_t at2 = c2->o->len;
	rc_say(c1, "set /monitor/level -6.5");
	char *l = rc_wait(c2, "shown /monitor/level -6.5", &at2, FX_DEADLINE_MS);
	ck_assert_msg(l, "console 2 did not follow console 1");
	g_free(l);
	rx_msg r;
	int got = 0;
	while (!got && cl_wait(t, "/monitor/level", &r, 3000))
		got = fabsf(r.f[0] + 6.5f) < 1e-3f;
	ck_assert_msg(got, "the tablet did not get console 1's change");
	/* the tablet turns it: both consoles follow */
	size_t at1 = c1->o->len;
	at2 = c2->o->len;
	cl_send(t, "/monitor/level", Mf(-2.0f));
	l = rc_wait(c1, "shown /monitor/level -2 ", &at1, FX_DEADLINE_MS);
	ck_assert_msg(l, "console 1 did not follow the tablet");
	g_free(l);
	l = rc_wait(c2, "shown /monitor/level -2 ", &at2, FX_DEADLINE_MS);
	ck_assert_msg(l, "console 2 did not follow the tablet");
	g_free(l);
	rc_shot(c2, "/tmp/lathe-remote-console-2.png");
	cl_free(t);
	ck_assert_int_eq(rc_stop(c1), 0);
	ck_assert_int_eq(rc_stop(c2), 0);
}
END_TEST

START_TEST(session_snapshot_and_undo_actions)
{
	REQUIRE_LATHE();
	client *t = cl_new("127.0.0.1", osc_port_no);
	rx_msg r;
	/* a session saved on the engine with /eq/2/gain 3; then changed */
	cl_send(t, "/eq/2/gain", Mf(3.0f));
	cl_send(t, "/session/save", Ms("song1"));
	ck_assert_msg(cl_wait(t, "/done", &r, FX_DEADLINE_MS), "the engine did not save song1");
	cl_send(t, "/eq/2/gain", Mf(-4.0f));
	ck_assert_float_eq_tol(engine_value("/eq/2/gain"), -4.0f, 1e-3f);

	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	/* Open Recent with a name: the engine loads its session */
	size_t at = c->o->len;
	rc_say(c, "action open-recent song1");
	char *l = rc_wait(c, "message ok opened session song1", &at, FX_DEADLINE_MS);
	ck_assert_msg(l, "no confirmation of the load; the console said:\n%s", c->o->str + from);
	g_free(l);
	ck_assert_float_eq_tol(engine_value("/eq/2/gain"), 3.0f, 1e-3f);
	l = rc_wait(c, "shown /eq/2/gain 3 ", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console does not show the loaded session's /eq/2/gain");
	g_free(l);
	/* the engine's session status names it in the title */
	l = rc_wait(c, "title song1", NULL, FX_DEADLINE_MS);
	ck_assert_msg(l, "the title does not name the engine's session");
	g_free(l);

	/* snapshot A stored by the tablet, recalled from the console */
	cl_send(t, "/snapshot/fade", Mf(0.0f));
	cl_send(t, "/eq/2/gain", Mf(5.0f));
	cl_send(t, "/snapshot/store", Ms("A"));
	ck_assert(cl_wait(t, "/done", &r, FX_DEADLINE_MS));
	cl_send(t, "/eq/2/gain", Mf(0.0f));
	usleep(200 * 1000);
	at = c->o->len;
	rc_say(c, "action snapshot A");
	l = rc_wait(c, "message ok recalled snapshot A", &at, FX_DEADLINE_MS);
	ck_assert_msg(l, "no confirmation of the recall");
	g_free(l);
	float v = NAN;
	for (int k = 0; k < 40 && !(fabsf(v - 5.0f) < 1e-3f); k++) {
		v = engine_value("/eq/2/gain");
		usleep(50 * 1000);
	}
	ck_assert_float_eq_tol(v, 5.0f, 1e-3f);
	l = rc_wait(c, "title song1 •", NULL, FX_DEADLINE_MS); /* changed since the load: the engine says dirty */
	ck_assert_msg(l, "the title does not mark the engine's unsaved change");
	g_free(l);

	/* undo from the console: the engine answers */
	at = c->o->len;
	rc_say(c, "action undo");
	l = rc_wait(c, "message ", &at, FX_DEADLINE_MS);
	ck_assert_msg(l && (strstr(l, "undone") || strstr(l, "/undo")), "undo unanswered: %s", l ? l : "(nothing)");
	printf("  undo from the console: %s\n", strstr(l, "message "));
	g_free(l);

	/* Learn runs on the engine (the demo has played for seconds): its drive comes back */
	at = c->o->len;
	rc_say(c, "action learn");
	l = rc_wait(c, "message ", &at, FX_DEADLINE_MS);
	ck_assert_msg(l && strstr(l, "Learn: limiter drive set to"), "Learn unanswered: %s", l ? l : "(nothing)");
	printf("  learn from the console: %s\n", strstr(l, "Learn"));
	g_free(l);

	/* a preset is a file on the console's computer: its values go to the engine */
	char *preset = g_build_filename(fx_src_dir(), "sessions", "presets", "loud_modern.lathe", NULL);
	rc_say(c, "action load-preset %s", preset);
	g_free(preset);
	v = NAN;
	for (int k = 0; k < 40 && !(fabsf(v + 8.0f) < 1e-3f); k++) {
		usleep(50 * 1000);
		v = engine_value("/target/lufs");
	}
	ck_assert_float_eq_tol(v, -8.0f, 1e-3f);

	/* closing a remote console never asks about the engine's unsaved state
	 * (it stays on the engine, autosaved there): Ctrl+Q's action closes at once */
	l = rc_wait(c, "title song1 •", NULL, FX_DEADLINE_MS);
	ck_assert_msg(l, "the engine's session is not marked unsaved before the close");
	g_free(l);
	rc_say(c, "action quit");
	gint64 end = g_get_monotonic_time() + (gint64)FX_DEADLINE_MS * 1000;
	while (rc_alive(c) && g_get_monotonic_time() < end) {
		rc_pump(c, 50);
		usleep(10 * 1000);
	}
	ck_assert_msg(!rc_alive(c), "the remote console did not close on win.quit");
	rc_pump(c, 0);
	ck_assert_msg(!strstr(c->o->str, "close-dialog"), "a remote console asked about saving on close");
	cl_free(t);
	ck_assert_int_eq(rc_stop(c), 0);
}
END_TEST

/* The architecture test of issue 17: the console's pages reach the running
 * engine only through gui/surface.h.  They may use the registry
 * (params.h), the module table (modules.h) and pure functions of values (the EQ's response, dsp/eq.h; the
 * platform table, meter/platforms.h), never the engine's objects (app, JACK
 * client, bus, analysis thread, player) or the sessions module: those are
 * surface_local.c's (and the local-only Album window's, albumwin.c). */
START_TEST(pages_include_no_engine_or_sessions_header)
{
	static const char *const pages[] = { "gui/console.c", "gui/console.h", "gui/control.c", "gui/control.h", "gui/meters.c",
		                             "gui/meters.h", "gui/eqview.c", "gui/eqview.h" };
	static const char *const allowed[] = { "engine/params.h\"", "engine/modules.h\"", "engine/dsp/eq.h\"", "engine/meter/platforms.h\"" };
	for (unsigned i = 0; i < G_N_ELEMENTS(pages); i++) {
		char *path = g_build_filename(fx_src_dir(), pages[i], NULL), *text = NULL;
		ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
		char **lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l; l++) {
			if (strncmp(*l, "#include", 8))
				continue;
			int ok = !strstr(*l, "engine/");
			for (unsigned k = 0; k < G_N_ELEMENTS(allowed) && !ok; k++)
				ok = strstr(*l, allowed[k]) != NULL;
			ck_assert_msg(ok, "%s reaches into the engine: %s", pages[i], *l);
			ck_assert_msg(!strstr(*l, "sessions/"), "%s reaches into the sessions module: %s", pages[i], *l);
		}
		g_strfreev(lines);
		g_free(text);
		g_free(path);
	}
}
END_TEST

/* A fake engine: answers /ping with another registry hash. */
static gpointer fake_engine(gpointer ud)
{
	int *port_and_stop = ud;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port_and_stop[0]) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	while (!__atomic_load_n(&port_and_stop[1], __ATOMIC_SEQ_CST)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		char buf[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n > 0 && !strcmp(buf, "/ping")) {
			lo_message m = lo_message_new();
			lo_message_add_string(m, "0.1");
			lo_message_add_string(m, "0123456789abcdef");
			size_t len = 0;
			void *data = lo_message_serialise(m, "/pong", NULL, &len);
			sendto(fd, data, len, 0, (struct sockaddr *)&from, fl);
			free(data);
			lo_message_free(m);
		}
	}
	close(fd);
	return NULL;
}

/* An engine from before the per-channel meters and /meter/rate (same version
 * and registry): it answers /ping and /params and, once subscribed, sends
 * only the scalar peaks, the louder channel.  The console must then show that
 * value on both bars, and draw its EQ curve at its fallback, 48 kHz. */
typedef struct { int port; int stop; int subscribed; } old_engine_state;

static void old_send(int fd, const struct sockaddr_in *to, const char *path, lo_message m)
{
	size_t len = 0;
	void *data = lo_message_serialise(m, path, NULL, &len);
	sendto(fd, data, len, 0, (const struct sockaddr *)to, sizeof *to);
	free(data);
	lo_message_free(m);
}

static gpointer old_engine(gpointer ud)
{
	old_engine_state *st = ud;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)st->port) }, sub;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	char hash[17];
	osc_registry_hash(hash);
	gint64 next = 0;
	while (!__atomic_load_n(&st->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) > 0) {
			char buf[2048];
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
			if (n <= 0)
				continue;
			buf[n] = 0;
			if (!strcmp(buf, "/ping")) {
				lo_message m = lo_message_new();
				lo_message_add_string(m, "0.1");
				lo_message_add_string(m, hash);
				old_send(fd, &from, "/pong", m);
			} else if (!strcmp(buf, "/params")) {
				for (int id = 0; id < params_count(); id++) {
					const param_info *pi = param_info_get(id);
					lo_message m = lo_message_new();
					lo_message_add_string(m, pi->path);
					lo_message_add_string(m, pi->unit ? pi->unit : "");
					lo_message_add_float(m, pi->min);
					lo_message_add_float(m, pi->max);
					lo_message_add_float(m, pi->def);
					lo_message_add_float(m, pi->def);
					lo_message_add_float(m, 0);
					lo_message_add_string(m, "lin");
					old_send(fd, &from, "/param", m);
					if (id % 50 == 49)
						g_usleep(2000); /* the console's socket buffer */
				}
				old_send(fd, &from, "/params/done", Mi(params_count()));
			} else if (!strcmp(buf, "/subscribe")) {
				sub = from;
				__atomic_store_n(&st->subscribed, 1, __ATOMIC_SEQ_CST);
			}
		}
		if (__atomic_load_n(&st->subscribed, __ATOMIC_SEQ_CST) && g_get_monotonic_time() >= next) {
			next = g_get_monotonic_time() + 50000; /* 20 Hz */
			static const struct { const char *path; float v; } scal[] = {
				{ "/meter/in/peak", -12 }, { "/meter/in/true_peak", -11 }, { "/meter/out/peak", -6 },
				{ "/meter/out/true_peak", -5 }, { "/meter/out/lufs_i", -14 },
			};
			lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
			for (size_t k = 0; k < sizeof scal / sizeof scal[0]; k++)
				lo_bundle_add_message(b, scal[k].path, Mf(scal[k].v));
			size_t len = 0;
			void *data = lo_bundle_serialise(b, NULL, &len);
			sendto(fd, data, len, 0, (struct sockaddr *)&sub, sizeof sub);
			free(data);
			lo_bundle_free_recursive(b);
		}
	}
	close(fd);
	return NULL;
}

START_TEST(older_engine_scalar_peaks_on_both_bars)
{
	old_engine_state st = { .port = fx_free_udp_port() };
	GThread *th = g_thread_new("old", old_engine, &st);
	rcon *c = rc_start(st.port);
	size_t from = 0;
	rc_connected(c, &from);
	float in_pk[2] = { 0 }, in_tp[2] = { 0 }, out_pk[2] = { 0 }, out_tp[2] = { 0 }, eq_rate = 0;
	int ok = 0;
	for (int k = 0; k < 10 && !ok; k++) {
		ck_assert(meters_ch(c, in_pk, in_tp, out_pk, out_tp, &eq_rate));
		ok = in_pk[0] == -12 && in_pk[1] == -12 && in_tp[0] == -11 && in_tp[1] == -11 && out_pk[0] == -6 && out_pk[1] == -6 &&
		     out_tp[0] == -5 && out_tp[1] == -5;
		if (!ok)
			rc_pump(c, 200);
	}
	ck_assert_msg(ok, "an older engine's scalar peaks: console in %.1f,%.1f tp %.1f,%.1f out %.1f,%.1f tp %.1f,%.1f (want -12, -11, -6, -5 on both)",
	              in_pk[0], in_pk[1], in_tp[0], in_tp[1], out_pk[0], out_pk[1], out_tp[0], out_tp[1]);
	ck_assert_float_eq(eq_rate, 48000);
	size_t qfrom = c->o->len;
	rc_say(c, "quit");
	g_free(rc_wait(c, "unsubscribed", &qfrom, FX_DEADLINE_MS));
	rc_stop(c);
	__atomic_store_n(&st.stop, 1, __ATOMIC_SEQ_CST);
	g_thread_join(th);
}
END_TEST

START_TEST(mismatched_engine_refused)
{
	int ps[2] = { fx_free_udp_port(), 0 };
	GThread *th = g_thread_new("fake", fake_engine, ps);
	rcon *c = rc_start(ps[0]);
	char *l = rc_wait(c, "link 4", NULL, FX_DEADLINE_MS); /* SURFACE_MISMATCH */
	ck_assert_msg(l, "the console did not refuse the fake engine:\n%s", c->o->str);
	g_free(l);
	l = rc_wait(c, "dialog the engine at", NULL, FX_DEADLINE_MS);
	ck_assert_msg(l, "no dialog for the refusal");
	g_free(l);
	sleep(2); /* pings keep coming: still one line */
	rc_pump(c, 100);
	rc_shot(c, "/tmp/lathe-remote-mismatch.png");
	char *err = g_strdup(c->e->str);
	int st = rc_stop(c);
	__atomic_store_n(&ps[1], 1, __ATOMIC_SEQ_CST);
	g_thread_join(th);
	printf("  refused: %s", err);
	int lines = 0;
	for (const char *p = err; (p = strstr(p, "lathe: ")); p++)
		lines++;
	ck_assert_msg(strstr(err, "registry 0123456789abcdef") && strstr(err, "refused"), "no clear refusal on stderr: %s", err);
	ck_assert_int_eq(lines, 1);
	ck_assert_int_eq(st, 1);
	g_free(err);
}
END_TEST

/* Last: it replaces the engine. */
START_TEST(engine_killed_and_restarted)
{
	REQUIRE_LATHE();
	rcon *c = rc_start(osc_port_no);
	size_t from = 0;
	rc_connected(c, &from);
	gint64 t0 = g_get_monotonic_time();
	kill(fx.lathe, SIGKILL);
	waitpid(fx.lathe, NULL, 0);
	fx.lathe = 0;
	char *l = rc_wait(c, "link 3", &from, FX_DEADLINE_MS); /* SURFACE_GONE */
	ck_assert_msg(l, "the console did not notice the engine was gone");
	printf("  engine killed: the console said so after %.1f s\n", (line_t(l) - t0) / 1e6);
	g_free(l);
	l = rc_wait(c, "message error the engine is gone", NULL, FX_DEADLINE_MS);
	ck_assert(l);
	g_free(l);
	ck_assert_msg(rc_alive(c), "the console went away with the engine");
	rc_shot(c, "/tmp/lathe-remote-gone.png");
	/* back, with another level: the console reads everything again */
	gint64 t1 = g_get_monotonic_time();
	ck_assert_msg(start_engine("/monitor/level=-9"), "lathe did not restart (log %s)", fx.log);
	l = rc_wait(c, "link 2", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console did not reconnect");
	printf("  engine restarted: re-synchronised %.1f s after the restart began\n", (line_t(l) - t1) / 1e6);
	g_free(l);
	l = rc_wait(c, "shown /monitor/level -9 ", &from, FX_DEADLINE_MS);
	ck_assert_msg(l, "the console does not show the new engine's /monitor/level");
	g_free(l);
	l = rc_wait(c, "message ok the engine is back", NULL, FX_DEADLINE_MS);
	ck_assert(l);
	g_free(l);
	/* and it still works both ways */
	rc_say(c, "set /eq/4/gain 2.5");
	float v = NAN;
	for (int k = 0; k < 40 && !(fabsf(v - 2.5f) < 1e-3f); k++) {
		v = engine_value("/eq/4/gain");
		usleep(50 * 1000);
	}
	ck_assert_float_eq_tol(v, 2.5f, 1e-3f);
	rc_shot(c, "/tmp/lathe-remote-back.png");
	ck_assert_int_eq(rc_stop(c), 0);
	fx_lathe_stop(&fx);
}
END_TEST

int main(int argc, char **argv)
{
	gui_test_display(argv, "1366x768x24");
	params_init();
	Suite *s = suite_create("remote_console");
	TCase *t = suite_add_case(s, "remote", 180, NULL, NULL);
	tcase_add_unchecked_fixture(t, suite_setup, suite_teardown);
	tcase_add_test(t, pages_include_no_engine_or_sessions_header);
	tcase_add_test(t, shows_engine_state_and_its_meters);
	tcase_add_test(t, per_channel_peaks_and_engine_rate);
	tcase_add_test(t, third_client_change_appears_and_console_change_reaches_engine);
	tcase_add_test(t, two_consoles_and_a_tablet);
	tcase_add_test(t, session_snapshot_and_undo_actions);
	tcase_add_test(t, remote_console_reference_transport);
	tcase_add_test(t, local_console_reference_transport);
	tcase_add_test(t, mismatched_engine_refused);
	tcase_add_test(t, older_engine_scalar_peaks_on_both_bars);
	tcase_add_test(t, engine_killed_and_restarted);
	return run_suite(s);
}
