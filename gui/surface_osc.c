/* lathe — the surface of an engine elsewhere, over OSC (surface.h; the
 * formats are docs/osc.md's).  `lathe console --remote HOST[:PORT]`.
 *
 * One client thread owns the liblo socket: it pings every PING_US, checks
 * the /pong (lathe's version and the registry hash, osc_registry_hash: a
 * mismatch is refused), reads every value with /params, subscribes (lease
 * LEASE_S, renewed every RENEW_US) and applies what arrives: parameter
 * values into the mirror store (lock-free, params.h), meters and scopes
 * into a snapshot under `lock`.  The GUI thread only queues what it sends
 * (`out`); the thread sends it within POLL_MS.  No datagram for GONE_US:
 * the engine is gone; the next /pong re-reads everything.
 *
 * Our own change comes back as feedback: a value for a parameter the
 * console set less than ECHO_US ago is held back, and applied after that if
 * it still differs (another client's change is late by at most ECHO_US, a
 * knob being dragged does not jump back to the previous step). */
#include "surface.h"
#include "trace.h"
#include "../osc/osc_addr.h"
#include "../engine/meter/platforms.h"
#include "../sessions/session_file.h"

#include <glib.h>
#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#ifndef LATHE_VERSION
#define LATHE_VERSION "0.1"
#endif

#define POLL_MS 5
#define PING_US (500 * 1000)
#define GONE_US (2 * 1000 * 1000)
#define LEASE_S 60
#define RENEW_US (20 * 1000 * 1000)
/* No meter bundle for this long while subscribed: the engine may have been
 * restarted faster than GONE_US (it forgot us) or the meters are simply
 * still; subscribing again costs the whole state (14 kB), so not more often. */
#define QUIET_RENEW_US (5 * 1000 * 1000)
#define PARAMS_RETRY_US (2 * 1000 * 1000)
#define ECHO_US (300 * 1000)
#define FRAME_REPEAT_US (50 * 1000) /* without a new bundle the meters repeat the last (values sent only when they move) */
#define MAX_MSGS 16
#define RECENT_MAX 10

typedef struct { char text[300]; int error; } note;

typedef struct {
	lathe_surface pub;
	char host[64];
	int port;
	lo_address to;
	lo_server srv;
	GThread *thread;
	atomic_int quit;
	atomic_int link;
	GAsyncQueue *out;                /* lo_message with its path in "path" data: see queue_msg */

	/* client thread only */
	gint64 last_rx_us, last_ping_us, last_sub_us, params_sent_us;
	gint64 last_bundle_us;           /* the last meter bundle */
	int n_params, synced;
	atomic_int learn_pending;        /* /target/learn sent, its answer not seen */
	float held[P_COUNT];             /* feedback held back (ECHO_US), NAN none */
	_Atomic int64_t local_us[P_COUNT]; /* when the console last set each parameter (GUI thread writes) */
	uint64_t hist_next;              /* next history index expected */

	GMutex lock;                     /* everything below */
	meter_snapshot snap;
	int have_meters;
	int per_channel[2];              /* the engine sends per-channel peaks for in, out (side_field) */
	uint64_t bundles, bundles_read;
	gint64 frame_us;                 /* when read_frame last gave a frame */
	uint32_t overs_given;            /* /meter/out/overs (since reset) as far as frames carried it */
	float spectrum_pre[SPECTRUM_BINS], spectrum_post[SPECTRUM_BINS];
	int have_spectrum;
	float gonio[2 * OSC_GONIO_POINTS];
	int n_gonio;
	float *hist;                     /* HISTORY_LEN points, oldest first */
	int n_hist;
	note notes[MAX_MSGS];
	int n_notes;
	char why[400];                   /* the mismatch, or "" */
	char engine_version[32];
	char session[128];               /* the session last loaded or saved from here */
	char snapshot_pending[8];        /* snapshot asked for, until its /done */
	int active_snapshot;
	int stored[4];                   /* snapshots stored (/snapshot/stored, or seen stored from here) */
	int have_status;                 /* the engine sends its session status (docs/osc.md "Session status") */
	int dirty, undo_steps, redo_steps;
	char **list;                     /* /session/list: the engine's session folder, newest first */
	uint64_t rate_rx;                /* GUI thread: rx at rate_us, for the status bar's kB/s */
	gint64 rate_us;
	double rx_kbps;
	char *recent[RECENT_MAX];        /* names loaded or saved from here, newest first */
	float ref_st[3];                 /* /monitor/ref/state: playing, position, length */
	int have_ref;
	char ref_name[256];              /* the reference name last loaded from here */
	atomic_uint_fast64_t rx, tx;     /* bytes */
} osc_mirror;

static osc_mirror *M(lathe_surface *s) { return (osc_mirror *)s; }

/* ---- the GUI side: queue, the thread sends ---- */

typedef struct { char path[96]; lo_message msg; } out_msg;

static void queue_msg(osc_mirror *m, const char *path, lo_message msg)
{
	out_msg *o = g_new0(out_msg, 1);
	g_strlcpy(o->path, path, sizeof o->path);
	o->msg = msg;
	g_async_queue_push(m->out, o);
}

static void queue_plain(osc_mirror *m, const char *path)
{
	queue_msg(m, path, lo_message_new());
}

static void queue_str(osc_mirror *m, const char *path, const char *arg)
{
	lo_message msg = lo_message_new();
	lo_message_add_string(msg, arg);
	queue_msg(m, path, msg);
}

static void add_note(osc_mirror *m, int error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void add_note(osc_mirror *m, int error, const char *fmt, ...)
{
	g_mutex_lock(&m->lock);
	if (m->n_notes == MAX_MSGS) {
		memmove(m->notes, m->notes + 1, (MAX_MSGS - 1) * sizeof *m->notes);
		m->n_notes--;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->notes[m->n_notes].text, sizeof m->notes[m->n_notes].text, fmt, ap);
	va_end(ap);
	m->notes[m->n_notes++].error = error;
	g_mutex_unlock(&m->lock);
}

/* ---- the client thread ---- */

static gint64 now_us(void) { return g_get_monotonic_time(); }

static void send_now(osc_mirror *m, const char *path, lo_message msg)
{
	if (lo_send_message_from(m->to, m->srv, path, msg) >= 0)
		atomic_fetch_add(&m->tx, lo_message_length(msg, path));
}

static void send_plain(osc_mirror *m, const char *path)
{
	lo_message msg = lo_message_new();
	send_now(m, path, msg);
	lo_message_free(msg);
}

static void set_link(osc_mirror *m, int link)
{
	if (atomic_exchange(&m->link, link) != link)
		gui_trace("link %d", link);
}

static void refuse(osc_mirror *m, const char *why)
{
	g_mutex_lock(&m->lock);
	g_strlcpy(m->why, why, sizeof m->why);
	g_mutex_unlock(&m->lock);
	if (atomic_load(&m->link) != SURFACE_MISMATCH)
		fprintf(stderr, "lathe: %s\n", why);
	set_link(m, SURFACE_MISMATCH);
}

/* liblo's arguments point into the packet, 4-byte aligned only, while the
 * lo_arg union wants 8 (UBSan says so): read them by copy or as bytes. */
static const char *S(lo_arg *a) { return (const char *)a; }
static float F(lo_arg *a)
{
	float f;
	memcpy(&f, a, sizeof f);
	return f;
}
static int32_t I(lo_arg *a)
{
	int32_t i;
	memcpy(&i, a, sizeof i);
	return i;
}

static float arg_float(char t, lo_arg *a)
{
	switch (t) {
	case 'f': return F(a);
	case 'd': { double d; memcpy(&d, a, sizeof d); return (float)d; }
	case 'i': return (float)I(a);
	case 'h': { int64_t h; memcpy(&h, a, sizeof h); return (float)h; }
	case 'T': return 1.0f;
	case 'F': return 0.0f;
	default: return NAN;
	}
}

static void on_pong(osc_mirror *m, const char *types, lo_arg **argv, int argc)
{
	char mine[17], why[400];
	osc_registry_hash(mine);
	if (argc < 2 || types[0] != 's' || types[1] != 's') {
		snprintf(why, sizeof why, "the engine at %s:%d does not say its version and registry hash (a lathe older than this console): refused",
		         m->host, m->port);
		refuse(m, why);
		return;
	}
	g_mutex_lock(&m->lock);
	g_strlcpy(m->engine_version, S(argv[0]), sizeof m->engine_version);
	g_mutex_unlock(&m->lock);
	if (strcmp(S(argv[0]), LATHE_VERSION) || strcmp(S(argv[1]), mine)) {
		snprintf(why, sizeof why, "the engine at %s:%d is lathe %.31s with registry %.31s, this console is lathe %s with registry %s: refused",
		         m->host, m->port, S(argv[0]), S(argv[1]), LATHE_VERSION, mine);
		refuse(m, why);
		return;
	}
	if (atomic_load(&m->link) == SURFACE_MISMATCH)
		return; /* refused once: a fake that changes its answer is still refused */
	if (!m->synced && now_us() - m->params_sent_us >= PARAMS_RETRY_US) {
		m->n_params = 0;
		m->params_sent_us = now_us();
		send_plain(m, "/params");
	}
}

/* A parameter value: into the mirror, unless it is the echo of our own change. */
static void on_value(osc_mirror *m, int id, float v)
{
	if (!isfinite(v))
		return;
	if (now_us() - atomic_load(&m->local_us[id]) < ECHO_US) {
		m->held[id] = v;
		return;
	}
	m->held[id] = NAN;
	if (param_set(m->pub.params, id, v, NULL) == 0 && gui_trace_on())
		gui_trace("mirror %s %g", param_info_get(id)->path, v);
}

static void release_held(osc_mirror *m)
{
	gint64 now = now_us();
	for (int id = 0; id < P_COUNT; id++)
		if (!isnan(m->held[id]) && now - atomic_load(&m->local_us[id]) >= ECHO_US) {
			if (m->held[id] != param_get(m->pub.params, id))
				param_set(m->pub.params, id, m->held[id], NULL);
			m->held[id] = NAN;
		}
}

static void on_done(osc_mirror *m, const char *what)
{
	if (!strcmp(what, "/session/load") || !strcmp(what, "/session/save")) {
		add_note(m, 0, "%s %s on the engine", what[9] == 'l' ? "opened session" : "saved session", m->session);
	} else if (!strcmp(what, "/snapshot/recall") || !strcmp(what, "/snapshot/store")) {
		g_mutex_lock(&m->lock);
		if (m->snapshot_pending[0] >= 'A' && m->snapshot_pending[0] <= 'D') {
			m->active_snapshot = m->snapshot_pending[0] - 'A';
			if (what[10] == 's')
				m->stored[m->active_snapshot] = 1;
		}
		char name[8];
		g_strlcpy(name, m->snapshot_pending, sizeof name);
		m->snapshot_pending[0] = 0;
		g_mutex_unlock(&m->lock);
		add_note(m, 0, what[10] == 'r' ? "recalled snapshot %s" : "stored the current settings as snapshot %s", name);
	} else if (!strcmp(what, "/undo") || !strcmp(what, "/redo")) {
		add_note(m, 0, "%s", what[1] == 'u' ? "undone" : "redone");
	} else if (!strcmp(what, "/monitor/ref/load")) {
		g_mutex_lock(&m->lock);
		char name[256];
		g_strlcpy(name, m->ref_name, sizeof name);
		g_mutex_unlock(&m->lock);
		add_note(m, 0, "reference: %s loaded on the engine", name);
	} else if (!strncmp(what, "/monitor/ref/", 13)) {
		/* play, stop, position: the state feedback shows them */
	} else if (!strcmp(what, "/loudness/reset")) {
		/* asked by the console itself (Reset, Learn): nothing to say */
	} else if (strcmp(what, "/reply/port")) {
		add_note(m, 0, "engine: %s done", what);
	}
}

/* Meters: the scalar ones into the snapshot by name, scopes decoded
 * (docs/osc.md, "Meters" and "Scopes"). */
/* The scalar peak and true peak are the louder channel (for tablets); an
 * engine that sends /meter/SIDE/peak_l, _r (and true_peak_l, _r) gives each
 * bar its own: from the first of those on the scalars are ignored, since a
 * scalar that moved while one channel did not would overwrite that channel.
 * `per_ch` keeps that per side; an older engine only sends the scalars. */
static int side_field(meter_side *sd, int *per_ch, const char *name, float v)
{
	if (!strcmp(name, "peak")) {
		if (!*per_ch)
			sd->peak_db[0] = sd->peak_db[1] = v;
	} else if (!strcmp(name, "true_peak")) {
		if (!*per_ch)
			sd->tp_db[0] = sd->tp_db[1] = v;
	} else if (!strcmp(name, "peak_l") || !strcmp(name, "peak_r")) {
		*per_ch = 1;
		sd->peak_db[name[5] == 'r'] = v;
	} else if (!strcmp(name, "true_peak_l") || !strcmp(name, "true_peak_r")) {
		*per_ch = 1;
		sd->tp_db[name[10] == 'r'] = v;
	}
	else if (!strcmp(name, "true_peak_max"))
		sd->tp_max_db = v;
	else if (!strcmp(name, "lufs_m"))
		sd->lufs_m = v, sd->max_m = MAX(sd->max_m, v);
	else if (!strcmp(name, "lufs_s"))
		sd->lufs_s = v, sd->max_s = MAX(sd->max_s, v);
	else if (!strcmp(name, "lufs_i"))
		sd->lufs_i = v;
	else if (!strcmp(name, "lra"))
		sd->lra = v;
	else if (!strcmp(name, "plr"))
		sd->plr = v;
	else if (!strcmp(name, "correlation"))
		sd->correlation = v;
	else if (!strcmp(name, "balance"))
		sd->balance = v;
	else if (!strcmp(name, "overs"))
		sd->overs = (uint32_t)(v > 0 ? v : 0);
	else
		return 0;
	return 1;
}

static void on_meter(osc_mirror *m, const char *path, const char *types, lo_arg **argv, int argc)
{
	const char *rest = path + 7; /* after "/meter/" */
	g_mutex_lock(&m->lock);
	m->have_meters = 1;
	if (!strcmp(rest, "spectrum") && argc == 1 && types[0] == 'b') {
		int n = lo_blob_datasize((lo_blob)argv[0]);
		const unsigned char *d = lo_blob_dataptr((lo_blob)argv[0]);
		if (n == 2 * SPECTRUM_BINS) {
			for (int k = 0; k < SPECTRUM_BINS; k++) {
				m->spectrum_pre[k] = osc_spectrum_db(d[k]);
				m->spectrum_post[k] = osc_spectrum_db(d[SPECTRUM_BINS + k]);
			}
			m->have_spectrum = 1;
		}
	} else if (!strcmp(rest, "gonio") && argc == 2 && types[0] == 'f' && types[1] == 'b') {
		float peak = F(argv[0]);
		int n = lo_blob_datasize((lo_blob)argv[1]) / 2;
		const signed char *d = lo_blob_dataptr((lo_blob)argv[1]);
		n = MIN(n, OSC_GONIO_POINTS);
		for (int i = 0; i < 2 * n; i++)
			m->gonio[i] = d[i] / 127.0f * peak;
		m->n_gonio = n;
	} else if (!strcmp(rest, "history") && argc == 2 && types[0] == 'i' && types[1] == 'b') {
		uint64_t first = (uint32_t)I(argv[0]);
		int n = lo_blob_datasize((lo_blob)argv[1]) / 2;
		const unsigned char *d = lo_blob_dataptr((lo_blob)argv[1]);
		if (first < m->hist_next) /* a new engine (restarted) or a new subscription: start over */
			m->n_hist = 0;
		for (int i = 0; i < n; i++) {
			int code = (int16_t)(d[2 * i] << 8 | d[2 * i + 1]);
			if (m->n_hist == HISTORY_LEN) {
				memmove(m->hist, m->hist + 1, (HISTORY_LEN - 1) * sizeof *m->hist);
				m->n_hist--;
			}
			m->hist[m->n_hist++] = osc_history_lufs(code);
		}
		m->hist_next = first + (uint64_t)n;
	} else if (argc == 1) {
		float v = arg_float(types[0], argv[0]);
		if (!strncmp(rest, "in/", 3))
			side_field(&m->snap.in, &m->per_channel[0], rest + 3, v);
		else if (!strncmp(rest, "out/", 4))
			side_field(&m->snap.out, &m->per_channel[1], rest + 4, v);
		else if (!strcmp(rest, "rate")) /* the engine's sample rate: the EQ curve is drawn at it */
			m->snap.rate = v >= 1000 && v <= 768000 ? (uint32_t)lrintf(v) : 0;
		else if (!strcmp(rest, "gr/limiter"))
			m->snap.lim_gr_db = v;
		else if (!strncmp(rest, "gr/", 3)) {
			int b = atoi(rest + 3);
			if (b >= 1 && b <= MB_BANDS)
				m->snap.mb_gr_db[b - 1] = v;
		} else if (!strncmp(rest, "eq/", 3)) { /* /meter/eq/N/gain: a band's live gain (dynamic EQ) */
			int b = atoi(rest + 3);
			if (b >= 1 && b <= EQ_BANDS && g_str_has_suffix(rest, "/gain"))
				m->snap.eq_gain_db[b - 1] = v;
		} else if (!strncmp(rest, "platform/", 9)) {
			for (int p = 1; p < PLAT_COUNT; p++) {
				const char *pid = platform_get(p)->id;
				size_t l = strlen(pid);
				if (!strncmp(rest + 9, pid, l) && rest[9 + l] == '/') {
					if (!strcmp(rest + 10 + l, "gain"))
						m->snap.platform_gain_db[p] = v;
					else if (!strcmp(rest + 10 + l, "true_peak"))
						m->snap.platform_tp_after[p] = v;
				}
			}
		}
	}
	g_mutex_unlock(&m->lock);
}

/* /target/learn's answer is the drive it set: then the integrated loudness
 * measured at the old drive starts again, as the local console does. */
static void learn_answered(osc_mirror *m, float drive)
{
	if (!atomic_exchange(&m->learn_pending, 0))
		return;
	send_plain(m, "/loudness/reset");
	add_note(m, 0, "Learn: limiter drive set to %.1f dB; loudness measured again from now", drive);
}

/* The session as the engine says it (docs/osc.md "Session status"); 1 if path was one of it. */
static int on_session_status(osc_mirror *m, const char *path, const char *types, lo_arg **argv, int argc)
{
	int str = argc >= 1 && types[0] == 's', num = argc == 1 && (types[0] == 'f' || types[0] == 'i');
	float v = num ? arg_float(types[0], argv[0]) : 0;
	int known = 1;
	g_mutex_lock(&m->lock);
	if (!strcmp(path, "/session/name") && str)
		g_strlcpy(m->session, strcmp(S(argv[0]), "untitled") ? S(argv[0]) : "", sizeof m->session);
	else if (!strcmp(path, "/session/dirty") && num)
		m->dirty = v >= 0.5f;
	else if (!strcmp(path, "/snapshot/active") && str)
		m->active_snapshot = S(argv[0])[0] >= 'A' && S(argv[0])[0] <= 'D' ? S(argv[0])[0] - 'A' : -1;
	else if (!strcmp(path, "/snapshot/stored") && str) {
		for (int i = 0; i < 4; i++)
			m->stored[i] = strchr(S(argv[0]), 'A' + i) != NULL;
	} else if (!strcmp(path, "/undo/steps") && num)
		m->undo_steps = (int)v;
	else if (!strcmp(path, "/redo/steps") && num)
		m->redo_steps = (int)v;
	else if (!strcmp(path, "/session/list")) {
		g_strfreev(m->list);
		m->list = g_new0(char *, argc + 1);
		int n = 0;
		for (int i = 0; i < argc; i++)
			if (types[i] == 's')
				m->list[n++] = g_strdup(S(argv[i]));
	} else
		known = 0;
	if (known)
		m->have_status = 1;
	g_mutex_unlock(&m->lock);
	return known;
}

static int on_message(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *ud)
{
	osc_mirror *m = ud;
	int link = atomic_load(&m->link);
	m->last_rx_us = now_us();
	if (link == SURFACE_GONE)
		set_link(m, SURFACE_CONNECTING); /* back: read everything again */
	if (!strcmp(path, "/pong")) {
		on_pong(m, types, argv, argc);
		return 0;
	}
	if (link == SURFACE_MISMATCH)
		return 0;
	if (!strncmp(path, "/meter/", 7)) {
		on_meter(m, path, types, argv, argc);
		return 0;
	}
	if (!strncmp(path, "/norm/", 6) || !strncmp(path, "/text/", 6))
		return 0; /* the twins of a value we get anyway */
	if (!strcmp(path, "/param") && argc >= 8 && types[0] == 's' && types[5] == 'f') {
		int id = param_find(S(argv[0]));
		if (id < 0) {
			char why[400];
			snprintf(why, sizeof why, "the engine at %s:%d has a parameter this console does not know (%.64s): refused", m->host,
			         m->port, S(argv[0]));
			refuse(m, why);
			return 0;
		}
		m->n_params++;
		on_value(m, id, F(argv[5]));
		return 0;
	}
	if (!strcmp(path, "/params/done")) {
		if (argc == 1 && types[0] == 'i' && I(argv[0]) == params_count() && m->n_params == params_count()) {
			m->synced = 1;
			lo_message s = lo_message_new();
			lo_message_add_int32(s, LEASE_S);
			send_now(m, "/subscribe", s);
			lo_message_free(s);
			m->last_sub_us = now_us();
			set_link(m, SURFACE_CONNECTED);
		} else {
			m->params_sent_us = 0; /* lost some: ask again with the next /pong */
		}
		return 0;
	}
	if ((!strncmp(path, "/session/", 9) || !strncmp(path, "/snapshot/", 10) || !strncmp(path, "/undo/", 6) ||
	     !strncmp(path, "/redo/", 6)) &&
	    on_session_status(m, path, types, argv, argc))
		return 0;
	if (!strcmp(path, "/monitor/ref/state") && argc == 3 && !strcmp(types, "fff")) {
		g_mutex_lock(&m->lock);
		for (int k = 0; k < 3; k++)
			m->ref_st[k] = F(argv[k]);
		m->have_ref = 1;
		g_mutex_unlock(&m->lock);
		return 0;
	}
	if (!strcmp(path, "/done") && argc == 1 && types[0] == 's') {
		on_done(m, S(argv[0]));
		return 0;
	}
	if (!strcmp(path, "/error") && argc == 2 && types[0] == 's' && types[1] == 's') {
		if (!strcmp(S(argv[0]), "/snapshot/recall") || !strcmp(S(argv[0]), "/snapshot/store")) {
			g_mutex_lock(&m->lock);
			m->snapshot_pending[0] = 0;
			g_mutex_unlock(&m->lock);
		}
		if (!strcmp(S(argv[0]), "/target/learn")) {
			atomic_store(&m->learn_pending, 0);
			add_note(m, 1, "Learn: %s", S(argv[1]));
			return 0;
		}
		add_note(m, 1, "%s: %s", S(argv[0]), S(argv[1]));
		return 0;
	}
	int id = param_find(path);
	if (id >= 0 && argc == 1) {
		on_value(m, id, arg_float(types[0], argv[0]));
		if (id == P_LIM_GAIN)
			learn_answered(m, arg_float(types[0], argv[0]));
	}
	return 0;
}

static void on_liblo_error(int num, const char *msg, const char *where)
{
	(void)num, (void)msg, (void)where; /* a bad datagram is dropped; the console keeps going */
}

static gpointer client_thread(gpointer ud)
{
	osc_mirror *m = ud;
	while (!atomic_load(&m->quit)) {
		int n;
		while ((n = lo_server_recv_noblock(m->srv, POLL_MS)) > 0)
			atomic_fetch_add(&m->rx, (uint64_t)n);
		out_msg *o;
		while ((o = g_async_queue_try_pop(m->out))) {
			if (atomic_load(&m->link) != SURFACE_MISMATCH)
				send_now(m, o->path, o->msg);
			lo_message_free(o->msg);
			g_free(o);
		}
		release_held(m);
		gint64 now = now_us();
		int link = atomic_load(&m->link);
		if (now - m->last_ping_us >= PING_US && link != SURFACE_MISMATCH) {
			m->last_ping_us = now;
			send_plain(m, "/ping");
		}
		if (link == SURFACE_CONNECTED && now - m->last_rx_us > GONE_US) {
			set_link(m, SURFACE_GONE);
			m->synced = 0;
			m->params_sent_us = 0;
			g_mutex_lock(&m->lock);
			m->have_meters = 0;
			m->per_channel[0] = m->per_channel[1] = 0; /* whoever answers next may be an older engine */
			m->snap.rate = 0;
			g_mutex_unlock(&m->lock);
		} else if (link == SURFACE_CONNECTING && m->synced) {
			m->synced = 0; /* it came back: read everything again */
			m->params_sent_us = 0;
		} else if (link == SURFACE_CONNECTED &&
		           (now - m->last_sub_us >= RENEW_US ||
		            (now - m->last_bundle_us >= QUIET_RENEW_US && now - m->last_sub_us >= QUIET_RENEW_US))) {
			lo_message s = lo_message_new();
			lo_message_add_int32(s, LEASE_S);
			send_now(m, "/subscribe", s);
			lo_message_free(s);
			m->last_sub_us = now;
		}
	}
	if (atomic_load(&m->link) == SURFACE_CONNECTED) {
		send_plain(m, "/unsubscribe");
		gui_trace("unsubscribed");
	}
	return NULL;
}

/* ---- the surface ---- */

static int o_set(lathe_surface *s, int id, float v)
{
	osc_mirror *m = M(s);
	float applied;
	int rc = param_set(s->params, id, v, &applied);
	if (rc < 0)
		return rc;
	atomic_store(&m->local_us[id], now_us());
	lo_message msg = lo_message_new();
	lo_message_add_float(msg, applied);
	queue_msg(m, param_info_get(id)->path, msg);
	return rc;
}

static int o_read_frame(lathe_surface *s, meter_frame *f)
{
	osc_mirror *m = M(s);
	gint64 now = now_us();
	int got = 0;
	g_mutex_lock(&m->lock);
	if (m->have_meters && atomic_load(&m->link) == SURFACE_CONNECTED &&
	    (m->bundles != m->bundles_read || now - m->frame_us >= FRAME_REPEAT_US)) {
		m->bundles_read = m->bundles;
		m->frame_us = now;
		memset(f, 0, sizeof *f);
		for (int ch = 0; ch < 2; ch++) {
			f->in_peak[ch] = powf(10.0f, m->snap.in.peak_db[ch] / 20.0f);
			f->out_peak[ch] = powf(10.0f, m->snap.out.peak_db[ch] / 20.0f);
		}
		for (int b = 0; b < MB_BANDS; b++)
			f->mb_gr[b] = m->snap.mb_gr_db[b];
		f->lim_gr = m->snap.lim_gr_db;
		/* frames carry overs per block, the engine sends the count since reset */
		uint32_t overs = m->snap.out.overs;
		f->overs = overs >= m->overs_given ? overs - m->overs_given : overs;
		m->overs_given = overs;
		got = 1;
	}
	g_mutex_unlock(&m->lock);
	return got;
}

static int o_analysis(lathe_surface *s, meter_snapshot *out)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	int have = m->have_meters;
	if (have)
		*out = m->snap;
	g_mutex_unlock(&m->lock);
	return have;
}

static int o_gonio(lathe_surface *s, float *xy, int max)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	int n = MIN(max, m->n_gonio);
	memcpy(xy, m->gonio + 2 * (m->n_gonio - n), 2 * n * sizeof *xy);
	g_mutex_unlock(&m->lock);
	return n;
}

static int o_history(lathe_surface *s, float *lufs, int max)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	int n = MIN(max, m->n_hist);
	memcpy(lufs, m->hist + (m->n_hist - n), n * sizeof *lufs);
	g_mutex_unlock(&m->lock);
	return n;
}

static int o_spectrum(lathe_surface *s, float *pre, float *post)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	int have = m->have_spectrum && m->have_meters;
	if (have) {
		memcpy(pre, m->spectrum_pre, sizeof m->spectrum_pre);
		memcpy(post, m->spectrum_post, sizeof m->spectrum_post);
	}
	g_mutex_unlock(&m->lock);
	return have;
}

static void o_loudness_reset(lathe_surface *s) { queue_plain(M(s), "/loudness/reset"); }

static int o_learn(lathe_surface *s, float *drive, char *err, int errlen)
{
	atomic_store(&M(s)->learn_pending, 1);
	queue_plain(M(s), "/target/learn");
	return SURFACE_SENT;
}

/* A remote engine's sessions are names in its session folder (OSC never
 * takes paths): the file name without folder and .lathe. */
static void session_name(const char *path, char *out, int len)
{
	char *base = g_path_get_basename(path);
	if (g_str_has_suffix(base, ".lathe"))
		base[strlen(base) - 6] = 0;
	g_strlcpy(out, base, len);
	g_free(base);
}

static void remember(osc_mirror *m, const char *name)
{
	g_mutex_lock(&m->lock);
	g_strlcpy(m->session, name, sizeof m->session);
	int i;
	for (i = 0; i < RECENT_MAX && m->recent[i] && strcmp(m->recent[i], name); i++)
		;
	if (i == RECENT_MAX)
		i = RECENT_MAX - 1;
	g_free(m->recent[i]);
	memmove(m->recent + 1, m->recent, i * sizeof *m->recent);
	m->recent[0] = g_strdup(name);
	g_mutex_unlock(&m->lock);
}

static int o_open(lathe_surface *s, const char *path, char *err, int errlen)
{
	char name[128];
	session_name(path, name, sizeof name);
	remember(M(s), name);
	queue_str(M(s), "/session/load", name);
	return SURFACE_SENT;
}

static int o_save(lathe_surface *s, const char *path, char *err, int errlen)
{
	char name[128];
	session_name(path, name, sizeof name);
	remember(M(s), name);
	queue_str(M(s), "/session/save", name);
	return SURFACE_SENT;
}

/* The engine's reference player: OSC takes no paths, so only the file's
 * name goes, and the file must be in the engine's session folder (docs/osc.md,
 * /monitor/ref/load). */
static int o_ref_load(lathe_surface *s, const char *path, char *err, int errlen)
{
	osc_mirror *m = M(s);
	char *base = g_path_get_basename(path);
	g_mutex_lock(&m->lock);
	g_strlcpy(m->ref_name, base, sizeof m->ref_name);
	g_mutex_unlock(&m->lock);
	queue_str(m, "/monitor/ref/load", base);
	g_free(base);
	return SURFACE_SENT;
}

static int o_ref_play(lathe_surface *s, int on, char *err, int errlen)
{
	queue_plain(M(s), on ? "/monitor/ref/play" : "/monitor/ref/stop");
	return SURFACE_SENT;
}

static void o_ref_seek(lathe_surface *s, double sec)
{
	lo_message msg = lo_message_new();
	lo_message_add_float(msg, (float)sec);
	queue_msg(M(s), "/monitor/ref/position", msg);
}

static int o_ref_state(lathe_surface *s, surface_ref *out)
{
	osc_mirror *m = M(s);
	memset(out, 0, sizeof *out);
	g_mutex_lock(&m->lock);
	int have = m->have_ref;
	out->playing = m->ref_st[0] != 0;
	out->position = m->ref_st[1];
	out->length = m->ref_st[2];
	out->loaded = out->length > 0;
	g_strlcpy(out->name, m->ref_name, sizeof out->name);
	g_mutex_unlock(&m->lock);
	return have;
}

static int o_state(lathe_surface *s, surface_session *out)
{
	osc_mirror *m = M(s);
	memset(out, 0, sizeof *out);
	g_mutex_lock(&m->lock);
	g_strlcpy(out->name, m->session[0] ? m->session : "untitled", sizeof out->name);
	g_strlcpy(out->path, m->session, sizeof out->path); /* a name in the engine's session folder */
	out->nsm = 1; /* as under NSM: no file dialogs, the files are the engine's */
	out->active_snapshot = m->active_snapshot;
	memcpy(out->stored, m->stored, sizeof out->stored);
	out->dirty = m->dirty;
	/* an engine without session status: undo stays enabled, its /error says when there is nothing */
	out->undo_steps = m->have_status ? m->undo_steps : 1;
	out->redo_steps = m->have_status ? m->redo_steps : 1;
	g_mutex_unlock(&m->lock);
	return 1;
}

static char **o_recent(lathe_surface *s)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	char **v;
	if (m->list) { /* the engine's folder, newest first */
		v = g_strdupv(m->list);
	} else {
		v = g_new0(char *, RECENT_MAX + 1);
		for (int i = 0; i < RECENT_MAX && m->recent[i]; i++)
			v[i] = g_strdup(m->recent[i]);
	}
	g_mutex_unlock(&m->lock);
	return v;
}

/* A preset is a file on this computer: read it here, send the values that differ. */
static int o_load_preset(lathe_surface *s, const char *path, char *err, int errlen)
{
	lathe_params *p = params_new();
	int rc = session_file_read(path, p, NULL, NULL, NULL, err, errlen);
	if (rc == 0)
		for (int id = 0; id < params_count(); id++)
			if (param_get(p, id) != param_get(s->params, id))
				o_set(s, id, param_get(p, id));
	params_free(p);
	return rc < 0 ? SURFACE_FAILED : SURFACE_DONE;
}

static int o_snapshot(lathe_surface *s, const char *name, int store, char *err, int errlen)
{
	osc_mirror *m = M(s);
	g_mutex_lock(&m->lock);
	g_strlcpy(m->snapshot_pending, name, sizeof m->snapshot_pending);
	g_mutex_unlock(&m->lock);
	queue_str(m, store ? "/snapshot/store" : "/snapshot/recall", name);
	return SURFACE_SENT;
}

static int o_undo(lathe_surface *s, int redo)
{
	queue_plain(M(s), redo ? "/redo" : "/undo");
	return SURFACE_SENT;
}

static const char *o_restored(lathe_surface *s) { return ""; }

static void o_status(lathe_surface *s, surface_status *out)
{
	osc_mirror *m = M(s);
	memset(out, 0, sizeof *out);
	out->link = atomic_load(&m->link);
	g_mutex_lock(&m->lock);
	out->rate = m->snap.rate; /* /meter/rate; 0 until it came (have_jack stays 0: no JACK here) */
	switch (out->link) {
	case SURFACE_CONNECTED:
		snprintf(out->engine, sizeof out->engine, "● remote lathe %s at %s:%d", m->engine_version, m->host, m->port);
		out->engine_class = "ok";
		break;
	case SURFACE_GONE:
		snprintf(out->engine, sizeof out->engine, "● engine at %s:%d gone — reconnecting", m->host, m->port);
		out->engine_class = "bad";
		break;
	case SURFACE_MISMATCH:
		snprintf(out->engine, sizeof out->engine, "%s", m->why);
		out->engine_class = "bad";
		break;
	default:
		snprintf(out->engine, sizeof out->engine, "○ connecting to %s:%d…", m->host, m->port);
		out->engine_class = "warn";
	}
	g_mutex_unlock(&m->lock);
	uint64_t rx = atomic_load(&m->rx);
	gint64 now = now_us();
	if (!m->rate_us || now - m->rate_us >= G_USEC_PER_SEC) {
		if (m->rate_us)
			m->rx_kbps = (double)(rx - m->rate_rx) / 1000.0 / ((now - m->rate_us) / 1e6);
		m->rate_rx = rx;
		m->rate_us = now;
	}
	snprintf(out->osc, sizeof out->osc, "OSC client of udp://%s:%d · %.1f kB/s in", m->host, m->port, m->rx_kbps);
}

static int o_take_message(lathe_surface *s, char *text, int len, int *error)
{
	osc_mirror *m = M(s);
	int got = 0;
	g_mutex_lock(&m->lock);
	if (m->n_notes) {
		g_strlcpy(text, m->notes[0].text, len);
		*error = m->notes[0].error;
		memmove(m->notes, m->notes + 1, (m->n_notes - 1) * sizeof *m->notes);
		m->n_notes--;
		got = 1;
	}
	g_mutex_unlock(&m->lock);
	return got;
}

static void o_free(lathe_surface *s)
{
	osc_mirror *m = M(s);
	atomic_store(&m->quit, 1);
	g_thread_join(m->thread);
	out_msg *o;
	while ((o = g_async_queue_try_pop(m->out))) {
		lo_message_free(o->msg);
		g_free(o);
	}
	g_async_queue_unref(m->out);
	lo_server_free(m->srv);
	lo_address_free(m->to);
	for (int i = 0; i < RECENT_MAX; i++)
		g_free(m->recent[i]);
	g_free(m->hist);
	g_strfreev(m->list);
	g_mutex_clear(&m->lock);
	params_free(s->params);
	g_free(m);
}

static const surface_ops osc_ops = {
	.set = o_set,
	.read_frame = o_read_frame,
	.analysis = o_analysis,
	.gonio = o_gonio,
	.history = o_history,
	.spectrum = o_spectrum,
	.loudness_reset = o_loudness_reset,
	.learn = o_learn,
	.session_open = o_open,
	.session_save = o_save,
	.session_state = o_state,
	.recent = o_recent,
	.load_preset = o_load_preset,
	.snapshot = o_snapshot,
	.undo = o_undo,
	.restored_note = o_restored,
	.ref_load = o_ref_load,
	.ref_play = o_ref_play,
	.ref_seek = o_ref_seek,
	.ref_state = o_ref_state,
	.status = o_status,
	.take_message = o_take_message,
	.free = o_free,
};

/* Bundles: one per meter tick; their end counts a meter frame. */
static int on_bundle_start(lo_timetag t, void *ud) { return 0; }
static int on_bundle_end(void *ud)
{
	osc_mirror *m = ud;
	m->last_bundle_us = now_us();
	g_mutex_lock(&m->lock);
	m->bundles++;
	g_mutex_unlock(&m->lock);
	return 0;
}

lathe_surface *surface_osc_new(const char *host, int port, char *err, int errlen)
{
	params_init();
	char ports[16];
	snprintf(ports, sizeof ports, "%d", port);
	/* liblo resolves when it first sends: ask now, so a wrong name is one line at start */
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	int gai = getaddrinfo(host, ports, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "--remote %s:%d: %s", host, port, gai_strerror(gai));
		return NULL;
	}
	freeaddrinfo(ai);
	lo_address to = lo_address_new(host, ports);
	if (!to) {
		snprintf(err, errlen, "cannot reach %s:%d", host, port);
		return NULL;
	}
	lo_server srv = lo_server_new_with_proto(NULL, LO_UDP, on_liblo_error);
	if (!srv) {
		lo_address_free(to);
		snprintf(err, errlen, "cannot open a UDP socket for the engine at %s:%d", host, port);
		return NULL;
	}
	osc_mirror *m = g_new0(osc_mirror, 1);
	m->pub.ops = &osc_ops;
	m->pub.params = params_new();
	m->pub.caps = SURFACE_CAN_LOAD | SURFACE_CAN_SAVE | SURFACE_CAN_SNAP_STORE | SURFACE_CAN_SNAP_RECALL | SURFACE_CAN_UNDO |
	              SURFACE_CAN_PRESETS | SURFACE_HAS_SESSIONS;
	m->pub.state = m;
	g_strlcpy(m->host, host, sizeof m->host);
	m->port = port;
	m->to = to;
	m->srv = srv;
	m->out = g_async_queue_new();
	m->hist = g_new0(float, HISTORY_LEN);
	m->active_snapshot = -1;
	for (int id = 0; id < P_COUNT; id++) {
		m->held[id] = NAN;
		atomic_init(&m->local_us[id], INT64_MIN / 2);
	}
	for (int b = 0; b < EQ_BANDS; b++)
		m->snap.eq_gain_db[b] = NAN; /* no live gain until the engine sends one */
	/* silence until the first bundle says otherwise */
	meter_side *sides[2] = { &m->snap.in, &m->snap.out };
	for (int i = 0; i < 2; i++) {
		meter_side *sd = sides[i];
		sd->peak_db[0] = sd->peak_db[1] = sd->tp_db[0] = sd->tp_db[1] = sd->tp_max_db = -70.0f;
		sd->lufs_m = sd->lufs_s = sd->lufs_i = sd->max_m = sd->max_s = -70.0f;
	}
	g_mutex_init(&m->lock);
	atomic_init(&m->link, SURFACE_CONNECTING);
	lo_server_add_method(srv, NULL, NULL, on_message, m);
	lo_server_add_bundle_handlers(srv, on_bundle_start, on_bundle_end, m);
	m->thread = g_thread_new("lathe-remote", client_thread, m);
	return &m->pub;
}

void surface_osc_traffic(lathe_surface *s, uint64_t *rx, uint64_t *tx)
{
	*rx = atomic_load(&M(s)->rx);
	*tx = atomic_load(&M(s)->tx);
}
