/* lathe — the JACK client.
 *
 * Threads:
 *   JACK's RT thread     process(): hands the port buffers to engine_process().
 *   JACK's notify thread the other callbacks: they only set flags and counters.
 *   supervisor (ours)    opens the client, builds engines, tracks and restores
 *                        connections, notices a dead server and reconnects.
 * The RT thread reads the current engine through one atomic pointer; a new
 * engine (another sample rate) is published by the supervisor, which frees the
 * old one only after the RT thread has run a cycle with the new one.
 * Structure follows jack2's example-clients/latent_client.c for latency.
 */
#include "jack.h"
#include "xruns.h"
#include "engine.h"
#include "demo.h"
#include "thread.h"

#include <errno.h>
#include <inttypes.h>
#include <glib.h>
#include <jack/jack.h>
#include <jack/metadata.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { PORT_IN_L, PORT_IN_R, PORT_OUT_L, PORT_OUT_R, PORT_MON_L, PORT_MON_R, PORT_REF_L, PORT_REF_R, N_PORTS };

static const struct {
	const char *name, *pretty;
	int input;
} port_defs[N_PORTS] = {
	{ "in_L", "Mix in L", 1 },          { "in_R", "Mix in R", 1 },
	{ "out_L", "Master out L", 0 },     { "out_R", "Master out R", 0 },
	{ "monitor_L", "Monitor L", 0 },    { "monitor_R", "Monitor R", 0 },
	{ "ref_L", "Reference in L", 1 },   { "ref_R", "Reference in R", 1 },
};

struct lathe_jack {
	lathe_params *params;          /* borrowed */
	lathe_bus *bus;                /* borrowed */
	jack_opts opts;
	char want_name[64];            /* the name asked for */

	jack_client_t *client;         /* NULL while no server (supervisor only) */
	jack_port_t *port[N_PORTS];
	_Atomic(engine *) eng;         /* what process() runs; NULL = output silence */
	_Atomic uint64_t cycles;       /* process() calls, so the supervisor knows the RT side moved on */

	_Atomic int server_gone;       /* set by the shutdown callback */
	_Atomic int conn_dirty;        /* a connection changed: re-read them */
	_Atomic int ports_appeared;    /* another client's port was registered: a remembered peer may be back */
	pthread_mutex_t appeared_lock; /* guards appeared (notification thread and supervisor; never RT) */
	GString *appeared;             /* names of other clients' ports registered since the last restore, "name\n" */
	_Atomic int restore_pending;   /* lathe_jack_set_connections gave a list: restore it before reading back */
	_Atomic uint32_t conn_changes; /* bumped whenever the remembered set changes */
	_Atomic int latency_dirty;     /* ask JACK to recompute latencies */
	_Atomic uint32_t new_rate;     /* sample-rate callback's news (0 = none) */
	xruns xr;                      /* counted by on_xrun, said by the supervisor (xruns.h) */
	_Atomic int freewheel;         /* JACK's freewheel mode: process() has no deadline */
	player *ref;                   /* the reference file player, summed into the ref ports' signal */
	float *ref_mix[2];             /* RT scratch: ref ports + player, JACK_REF_MAX frames */
	player *in;                    /* the input file player (a mix through the chain), summed into in_L/in_R's */
	float *in_mix[2];              /* RT scratch: in ports + player, JACK_REF_MAX frames */
	_Atomic uint32_t bufsize;
	_Atomic int quit;

	pthread_t supervisor;
	pthread_mutex_t lock;          /* guards status and saved (never taken by RT) */
	jack_status status;
	char *saved;                   /* remembered connections, "ours\ttheirs\n" lines */
	demo_player *demo;             /* with opts.play_demo: the player, a client of the same server */
	uint64_t demo_seen;            /* its cycle count when last seen to move (demo_watch) */
	jack_nframes_t demo_frame;     /* the server's frame time then */
	struct timespec demo_time;     /* and the wall clock */
	int demo_reopens;              /* reopened because the server never ran it, this connection */
	int announced_down;            /* said "waiting for server" (1) or "rate refused" (2) already */
};

/* ---------- RT ---------- */

/* A file player summed into a pair of input ports' signal: into a copy in
 * mix (JACK's input buffers may be shared and are never written), which *l
 * and *r then point at.  Untouched while the player is stopped. */
static void sum_player(player *p, float *mix[2], float **l, float **r, jack_nframes_t n, const engine *e)
{
	if (!e || !player_playing(p) || n > JACK_REF_MAX)
		return;
	memcpy(mix[0], *l, n * sizeof(float));
	memcpy(mix[1], *r, n * sizeof(float));
	player_process(p, mix[0], mix[1], n, (uint32_t)engine_rate(e));
	*l = mix[0];
	*r = mix[1];
}

static int on_process(jack_nframes_t n, void *arg)
{
	lathe_jack *j = arg;
	engine_flush_denormals();
	float *b[N_PORTS];
	for (int i = 0; i < N_PORTS; i++)
		b[i] = jack_port_get_buffer(j->port[i], n);
	engine *e = atomic_load_explicit(&j->eng, memory_order_acquire);
	/* Freewheeling, process() runs on a non-RT thread as fast as the graph
	 * allows (jack.h, jack_set_freewheel): the analysis thread would fall
	 * behind and drop frames, so wait for it (bounded: a stuck analysis must
	 * not hang the server).  In real time this branch is never taken. */
	if (atomic_load_explicit(&j->freewheel, memory_order_relaxed))
		bus_wait_tap_room(j->bus, n, 2000);
	float *in_l = b[PORT_IN_L], *in_r = b[PORT_IN_R], *ref_l = b[PORT_REF_L], *ref_r = b[PORT_REF_R];
	sum_player(j->in, j->in_mix, &in_l, &in_r, n, e);
	sum_player(j->ref, j->ref_mix, &ref_l, &ref_r, n, e);
	if (e)
		engine_process(e, in_l, in_r, ref_l, ref_r, b[PORT_OUT_L], b[PORT_OUT_R], b[PORT_MON_L], b[PORT_MON_R], n);
	else
		for (int i = PORT_OUT_L; i <= PORT_MON_R; i++)
			memset(b[i], 0, n * sizeof(float));
#ifdef LATHE_RT_PLANT_MALLOC
	/* `make rtcheck` builds this on purpose to show the interposer catches it. */
	void *volatile planted = malloc(16);
	free(planted);
#endif
	atomic_fetch_add_explicit(&j->cycles, 1, memory_order_release);
	return 0;
}

/* ---------- notification callbacks: flags only ---------- */

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	lathe_jack *j = arg;
	(void)code;
	(void)reason;
	atomic_store(&j->server_gone, 1);
}

/* An xrun is a missed deadline; freewheeling there is none (jack2 reports
 * one at the switch into and out of it), so those are not counted. */
static int on_xrun(void *arg)
{
	lathe_jack *j = arg;
	if (!atomic_load(&j->freewheel))
		xruns_count(&j->xr);
	return 0;
}

static void on_freewheel(int starting, void *arg)
{
	lathe_jack *j = arg;
	atomic_store(&j->freewheel, starting);
}

static int on_bufsize(jack_nframes_t n, void *arg)
{
	lathe_jack *j = arg;
	atomic_store(&j->bufsize, n);
	atomic_store(&j->latency_dirty, 1);
	return 0;
}

static int on_srate(jack_nframes_t rate, void *arg)
{
	lathe_jack *j = arg;
	atomic_store(&j->new_rate, rate);
	return 0;
}

static void on_connect(jack_port_id_t a, jack_port_id_t b, int connect, void *arg)
{
	lathe_jack *j = arg;
	(void)a;
	(void)b;
	(void)connect;
	atomic_store(&j->conn_dirty, 1);
}

/* Only other clients' ports count: JACK2 announces our own at activation,
 * and a restore for those would undo a disconnection made since. */
static void on_port_registration(jack_port_id_t id, int registered, void *arg)
{
	lathe_jack *j = arg;
	jack_port_t *port = registered && j->client ? jack_port_by_id(j->client, id) : NULL;
	if (!port || jack_port_is_mine(j->client, port))
		return;
	pthread_mutex_lock(&j->appeared_lock);
	g_string_append_printf(j->appeared, "%s\n", jack_port_name(port));
	pthread_mutex_unlock(&j->appeared_lock);
	atomic_store(&j->ports_appeared, 1);
}

/* Our inputs' latency plus the chain's goes to our outputs, and the other
 * way round for playback latency (jack2 example-clients/latent_client.c). */
static void on_latency(jack_latency_callback_mode_t mode, void *arg)
{
	lathe_jack *j = arg;
	engine *e = atomic_load(&j->eng);
	jack_nframes_t lat = e ? engine_latency(e) : 0;
	jack_latency_range_t range;
	if (mode == JackCaptureLatency) {
		for (int c = 0; c < 2; c++) {
			jack_port_get_latency_range(j->port[PORT_IN_L + c], mode, &range);
			range.min += lat;
			range.max += lat;
			jack_port_set_latency_range(j->port[PORT_OUT_L + c], mode, &range);
			jack_port_set_latency_range(j->port[PORT_MON_L + c], mode, &range);
		}
	} else {
		for (int c = 0; c < 2; c++) {
			jack_port_get_latency_range(j->port[PORT_OUT_L + c], mode, &range);
			range.min += lat;
			range.max += lat;
			jack_port_set_latency_range(j->port[PORT_IN_L + c], mode, &range);
			jack_port_get_latency_range(j->port[PORT_MON_L + c], mode, &range);
			jack_port_set_latency_range(j->port[PORT_REF_L + c], mode, &range);
		}
	}
}

/* ---------- supervisor ---------- */

static void say(lathe_jack *j, const char *fmt, const char *arg)
{
	if (!j->opts.verbose)
		return;
	fprintf(stderr, "lathe: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
}

static int port_exists(jack_client_t *c, const char *name) { return jack_port_by_name(c, name) != NULL; }

/* The same connections, whatever their order: "a\tb\n" lines as a set. */
static int same_connections(const char *a, const char *b)
{
	gchar **la = g_strsplit(a ? a : "", "\n", -1), **lb = g_strsplit(b ? b : "", "\n", -1);
	GHashTable *in_a = g_hash_table_new(g_str_hash, g_str_equal), *in_b = g_hash_table_new(g_str_hash, g_str_equal);
	for (int i = 0; la[i]; i++)
		if (*la[i])
			g_hash_table_add(in_a, la[i]);
	for (int i = 0; lb[i]; i++)
		if (*lb[i])
			g_hash_table_add(in_b, lb[i]);
	int same = g_hash_table_size(in_a) == g_hash_table_size(in_b);
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, in_a);
	while (same && g_hash_table_iter_next(&it, &k, NULL))
		same = g_hash_table_contains(in_b, k);
	g_hash_table_destroy(in_a);
	g_hash_table_destroy(in_b);
	g_strfreev(la);
	g_strfreev(lb);
	return same;
}

/* Replaces the remembered connections (lock held); a different set is a
 * change the sessions' autosave sees through lathe_jack_connection_changes. */
static void replace_saved(lathe_jack *j, char *list)
{
	if (!same_connections(j->saved, list))
		atomic_fetch_add_explicit(&j->conn_changes, 1, memory_order_release);
	free(j->saved);
	j->saved = list;
}

/* Current connections of our ports, plus remembered ones whose other end is
 * gone for now (a player that quit comes back to the same patch). */
static void refresh_saved(lathe_jack *j)
{
	GString *out = g_string_new(NULL);
	for (int i = 0; i < N_PORTS; i++) {
		const char **conns = jack_port_get_all_connections(j->client, j->port[i]);
		for (int k = 0; conns && conns[k]; k++)
			g_string_append_printf(out, "%s\t%s\n", port_defs[i].name, conns[k]);
		if (conns)
			jack_free(conns);
	}
	/* Remembered entries whose other end does not exist right now are
	 * kept.  The server is asked without j->lock held (status readers wait
	 * on it); a list set meanwhile (a session loaded) wins: it is restored
	 * first and read back then, or its entries not connected yet would go. */
	pthread_mutex_lock(&j->lock);
	gchar **lines = g_strsplit(j->saved ? j->saved : "", "\n", -1);
	pthread_mutex_unlock(&j->lock);
	for (int i = 0; lines[i]; i++) {
		char *tab = strchr(lines[i], '\t');
		if (tab && !port_exists(j->client, tab + 1))
			g_string_append_printf(out, "%s\n", lines[i]);
	}
	g_strfreev(lines);
	char *list = g_string_free(out, FALSE);
	pthread_mutex_lock(&j->lock);
	if (!atomic_load(&j->restore_pending))
		replace_saved(j, strdup(list));
	pthread_mutex_unlock(&j->lock);
	g_free(list);
}

/* 1 when list ("a\nb\n") holds name as one whole line. */
static int has_line(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

/* Make the remembered connections whose two ends exist; with only set (a
 * "name\n" list), just those whose other end is one of its ports: a peer
 * that came back gets its patch, and a disconnection made meanwhile
 * elsewhere is not undone. */
static void restore_saved(lathe_jack *j, const char *only)
{
	pthread_mutex_lock(&j->lock);
	char *copy = j->saved ? strdup(j->saved) : NULL;
	pthread_mutex_unlock(&j->lock);
	if (!copy)
		return;
	const char *me = jack_get_client_name(j->client);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		const char *theirs = tab + 1;
		int idx = -1;
		for (int i = 0; i < N_PORTS; i++)
			if (!strcmp(port_defs[i].name, line))
				idx = i;
		if (idx < 0 || !port_exists(j->client, theirs) || (only && !has_line(only, theirs)))
			continue;
		char ours[160];
		snprintf(ours, sizeof ours, "%s:%s", me, line);
		if (jack_port_connected_to(j->port[idx], theirs))
			continue;
		if (port_defs[idx].input)
			jack_connect(j->client, theirs, ours);
		else
			jack_connect(j->client, ours, theirs);
	}
	free(copy);
}

/* Restore for the other clients' ports registered since the last call. */
static void restore_appeared(lathe_jack *j)
{
	pthread_mutex_lock(&j->appeared_lock);
	char *only = g_strdup(j->appeared->str);
	g_string_truncate(j->appeared, 0);
	pthread_mutex_unlock(&j->appeared_lock);
	restore_saved(j, only);
	g_free(only);
}

static void connect_system(lathe_jack *j)
{
	const char **ports = jack_get_ports(j->client, NULL, JACK_DEFAULT_AUDIO_TYPE, JackPortIsPhysical | JackPortIsInput);
	for (int c = 0; ports && c < 2 && ports[c]; c++)
		jack_connect(j->client, jack_port_name(j->port[PORT_MON_L + c]), ports[c]);
	if (ports)
		jack_free((void *)ports);
}

/* Publish a new engine and free the old one once the RT thread has moved on. */
static void swap_engine(lathe_jack *j, engine *ne)
{
	engine *old = atomic_exchange_explicit(&j->eng, ne, memory_order_acq_rel);
	if (!old)
		return;
	uint64_t c0 = atomic_load(&j->cycles);
	for (int t = 0; t < 200 && atomic_load(&j->cycles) < c0 + 2 && j->client; t++)
		usleep(5000);
	engine_free(old);
}

static void set_status(lathe_jack *j)
{
	pthread_mutex_lock(&j->lock);
	j->status.connected = j->client != NULL;
	if (j->client) {
		j->status.rate = jack_get_sample_rate(j->client);
		j->status.buffer_size = jack_get_buffer_size(j->client);
		j->status.dsp_load = jack_cpu_load(j->client);
		snprintf(j->status.client_name, sizeof j->status.client_name, "%s", jack_get_client_name(j->client));
	}
	engine *e = atomic_load(&j->eng);
	j->status.latency = e ? engine_latency(e) : 0;
	j->status.xruns = xruns_total(&j->xr);
	j->status.xruns_recent = xruns_recent(&j->xr);
	pthread_mutex_unlock(&j->lock);
}

static void close_client(lathe_jack *j)
{
	/* the player lives and dies with lathe's own connection to the server */
	demo_player_free(j->demo);
	j->demo = NULL;
	if (!j->client)
		return;
	jack_client_close(j->client);
	j->client = NULL;
	memset(j->port, 0, sizeof j->port);
	set_status(j);
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) * 1e-9;
}

static void start_demo(lathe_jack *j)
{
	char err[160];
	j->demo = demo_player_new(jack_get_client_name(j->client), err, sizeof err);
	if (!j->demo)
		fprintf(stderr, "lathe: %s\n", err);
	j->demo_seen = 0;
	j->demo_frame = jack_last_frame_time(j->client);
	clock_gettime(CLOCK_MONOTONIC, &j->demo_time);
}

/* The demo player's client, triggered by the server every cycle, may never
 * run: libjack (jack2 1.9.21) keeps ONE table of wait objects per process,
 * indexed by client slot (JackLibGlobals::fSynchroTable).  A second client
 * of the process that opens while a slot is being reused (a short-lived
 * client such as jack_lsp just closed; lathe's own client has not yet read
 * the asynchronous kRemoveClient for it) finds the slot "Already connected"
 * (JackLinuxFutex::Connect) to the old client's futex, or has it
 * disconnected under it by that late notification, and then waits where the
 * server never signals.  jackd says "client = lt-demo was not finished,
 * state = Triggered" every cycle, and as lathe's inputs wait for the demo,
 * lathe and everything after it stop too (tests/integration/test_faults.c,
 * demo_survives_server_restarts: 9 runs in 77 under load; the stuck lathe
 * had /dev/shm/jack_sem.*_fx-probe "(deleted)" mapped and lt-demo's not at
 * all).  lathe's own
 * client is always the first of the process (close_client closes the demo
 * first), so only the demo's needs watching.  Its cycle count standing
 * still over 2 s of server cycles and 2 s of wall clock (the server ran, and
 * a merely starved thread would have had its turn) means it is stuck:
 * close it (that disconnects its slot) and open it again. */
static void demo_watch(lathe_jack *j, const struct timespec *now)
{
	if (!j->demo) {
		/* one that could not be set up (its ports refused: seen once in
		 * the same churn) is tried again, as often and as bounded */
		if (j->opts.play_demo && j->demo_reopens < 10 && since(&j->demo_time, now) >= 2.0) {
			j->demo_reopens++;
			start_demo(j);
		}
		return;
	}
	uint64_t c = demo_player_cycles(j->demo);
	jack_nframes_t f = jack_last_frame_time(j->client);
	if (c != j->demo_seen) {
		j->demo_seen = c;
		j->demo_frame = f;
		j->demo_time = *now;
		return;
	}
	if ((jack_nframes_t)(f - j->demo_frame) < 2 * jack_get_sample_rate(j->client) || since(&j->demo_time, now) < 2.0 ||
	    j->demo_reopens >= 10)
		return;
	j->demo_reopens++;
	char msg[64];
	snprintf(msg, sizeof msg, "%" PRIu64 " cycles", c);
	say(j, "the server stopped running the demo player's client (after %s); reopening it", msg);
	demo_player_free(j->demo);
	j->demo = NULL;
	start_demo(j);
}

static int open_client(lathe_jack *j)
{
	jack_status_t st;
	jack_client_t *c = jack_client_open(j->want_name, JackNoStartServer, &st);
	if (!c)
		return -1;
	uint32_t rate = jack_get_sample_rate(c);
	if (!engine_rate_supported(rate)) {
		/* refused before any port shows, said once (start-up says it, or the supervisor), then polled for a server at a rate lathe works at */
		pthread_mutex_lock(&j->lock);
		j->status.refused_rate = rate;
		pthread_mutex_unlock(&j->lock);
		jack_client_close(c);
		return -2;
	}
	pthread_mutex_lock(&j->lock);
	j->status.refused_rate = 0;
	pthread_mutex_unlock(&j->lock);
	j->client = c;
	/* The engine first, the ports last before activating: a port is seen by
	 * others the moment it is registered, and jackd refuses connections to
	 * an inactive client's ports ("Cannot connect ports owned by inactive
	 * clients", jackd's log of a soak whose monitor heard silence for 60 s
	 * under load); building the engine in that window made it long. */
	engine *cur = atomic_load(&j->eng);
	if (!cur || engine_rate(cur) != rate) {
		engine *ne = engine_new(j->params, j->bus, rate);
		if (!ne) {
			fprintf(stderr, "lathe: out of memory building the engine at %u Hz\n", rate);
			jack_client_close(c);
			j->client = NULL;
			return -1;
		}
		engine *old = atomic_exchange(&j->eng, ne);
		engine_free(old); /* not active yet: nobody runs it */
	}
	if (j->opts.on_rate)
		j->opts.on_rate(rate, j->opts.user);
	for (int i = 0; i < N_PORTS; i++) {
		j->port[i] = jack_port_register(c, port_defs[i].name, JACK_DEFAULT_AUDIO_TYPE,
		                                port_defs[i].input ? JackPortIsInput : JackPortIsOutput, 0);
		if (!j->port[i]) {
			fprintf(stderr, "lathe: JACK: cannot register port %s\n", port_defs[i].name);
			jack_client_close(c);
			j->client = NULL;
			return -1;
		}
	}
	atomic_store(&j->bufsize, jack_get_buffer_size(c));
	atomic_store(&j->new_rate, 0);
	atomic_store(&j->server_gone, 0);
	jack_set_process_callback(c, on_process, j);
	jack_set_xrun_callback(c, on_xrun, j);
	jack_set_freewheel_callback(c, on_freewheel, j);
	jack_set_buffer_size_callback(c, on_bufsize, j);
	jack_set_sample_rate_callback(c, on_srate, j);
	jack_set_port_connect_callback(c, on_connect, j);
	jack_set_port_registration_callback(c, on_port_registration, j);
	jack_set_latency_callback(c, on_latency, j);
	jack_on_info_shutdown(c, on_shutdown, j);
	if (jack_activate(c)) {
		fprintf(stderr, "lathe: JACK: cannot activate client %s\n", j->want_name);
		jack_client_close(c);
		j->client = NULL;
		return -1;
	}
	/* pretty names after activation: each is a round trip to the server */
	for (int i = 0; i < N_PORTS; i++)
		jack_set_property(c, jack_port_uuid(j->port[i]), JACK_METADATA_PRETTY_NAME, port_defs[i].pretty, "text/plain");
	restore_saved(j, NULL);
	if (j->opts.connect_system)
		connect_system(j);
	j->demo_reopens = 0;
	if (j->opts.play_demo)
		start_demo(j);
	/* read back once things settle (the supervisor, 300 ms on), not now: a
	 * player that registers its ports between the restore above and a read
	 * here would be found unconnected and its connections forgotten */
	atomic_store(&j->conn_dirty, 1);
	set_status(j);
	return 0;
}

static void *supervise(void *arg)
{
	lathe_jack *j = arg;
	struct timespec last_try = { 0, 0 }, conn_changed = { 0, 0 };
	char xline[96];
	int first = j->client == NULL, conn_pending = 0;
	while (!atomic_load(&j->quit)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double since_try = (now.tv_sec - last_try.tv_sec) + (now.tv_nsec - last_try.tv_nsec) * 1e-9;

		if (j->client && atomic_load(&j->server_gone)) {
			say(j, "%s", "JACK server gone; waiting for it to return");
			close_client(j);
			j->announced_down = 1;
		}
		if (!j->client && since_try >= 0.25) {
			last_try = now;
			int opened = open_client(j);
			if (opened == 0) {
				if (!first) {
					pthread_mutex_lock(&j->lock);
					j->status.reconnects++;
					pthread_mutex_unlock(&j->lock);
				}
				char msg[160];
				snprintf(msg, sizeof msg, "%s at %u Hz, %u frames, latency %u frames", jack_get_client_name(j->client),
				         jack_get_sample_rate(j->client), jack_get_buffer_size(j->client), j->status.latency);
				say(j, first ? "JACK connected as %s" : "JACK reconnected as %s", msg);
				first = 0;
				j->announced_down = 0;
			} else if (opened == -2 && j->announced_down != 2) {
				char msg[160];
				snprintf(msg, sizeof msg, "the JACK server runs at %u Hz; lathe works at " ENGINE_RATE_RANGE, j->status.refused_rate);
				say(j, "%s; waiting for a server at one of those rates", msg);
				j->announced_down = 2;
			} else if (opened == -1 && !j->announced_down) {
				/* name the server (JACK_DEFAULT_SERVER, else "default") and how to start one */
				const char *srv = getenv("JACK_DEFAULT_SERVER");
				char msg[256];
				snprintf(msg, sizeof msg,
				         "no JACK server '%s' running; waiting for one (start it with 'jackd%s%s -d alsa', "
				         "or qjackctl; 'lathe demo' starts its own)",
				         srv && *srv ? srv : "default", srv && *srv ? " -n " : "", srv && *srv ? srv : "");
				say(j, "%s", msg);
				j->announced_down = 1;
			}
		}
		if (j->client && atomic_exchange(&j->restore_pending, 0)) {
			restore_saved(j, NULL);
			conn_pending = 1; /* read back once the connections made have settled */
			conn_changed = now;
		}
		if (j->client) {
			uint32_t r = atomic_exchange(&j->new_rate, 0);
			engine *cur = atomic_load(&j->eng);
			if (r && !engine_rate_supported(r)) {
				/* the server changed to a rate lathe does not work at: silence, said once, until it changes back */
				char msg[160];
				snprintf(msg, sizeof msg, "the JACK server now runs at %u Hz; lathe works at " ENGINE_RATE_RANGE, r);
				say(j, "%s: output is silent", msg);
				swap_engine(j, NULL);
				pthread_mutex_lock(&j->lock);
				j->status.refused_rate = r;
				pthread_mutex_unlock(&j->lock);
			} else if (r && (!cur || engine_rate(cur) != r)) {
				engine *ne = engine_new(j->params, j->bus, r);
				if (ne) {
					swap_engine(j, ne);
					if (j->opts.on_rate)
						j->opts.on_rate(r, j->opts.user);
					atomic_store(&j->latency_dirty, 1);
				}
			}
			if (cur && engine_latency(cur) != j->status.latency) { /* /eq/phase changed it */
				set_status(j);
				atomic_store(&j->latency_dirty, 1);
			}
			if (atomic_exchange(&j->latency_dirty, 0))
				jack_recompute_total_latencies(j->client);
			/* Re-read connections once they have been quiet for 300 ms: a client
			 * that quits first loses its connections, then its ports; reading in
			 * between would forget connections we should restore when it returns. */
			if (atomic_exchange(&j->conn_dirty, 0)) {
				conn_pending = 1;
				conn_changed = now;
			}
			double since_conn = (now.tv_sec - conn_changed.tv_sec) + (now.tv_nsec - conn_changed.tv_nsec) * 1e-9;
			if (conn_pending && since_conn >= 0.3) {
				if (atomic_exchange(&j->ports_appeared, 0)) {
					/* a player came back while the change settled (a server
					 * restart: lathe rejoined, then the player did): its
					 * remembered connections are made first, or the read-back
					 * would find its ports unconnected and forget them */
					restore_appeared(j);
					conn_changed = now;
				} else {
					conn_pending = 0;
					refresh_saved(j);
				}
			}
			/* A port appeared (a player came back): make the remembered
			 * connections it ends.  Only then, and not while a change is
			 * settling: a disconnection someone made is read and forgotten,
			 * never undone by a restore. */
			if (!conn_pending && atomic_exchange(&j->ports_appeared, 0))
				restore_appeared(j);
			demo_watch(j, &now);
			if (xruns_poll(&j->xr, now.tv_sec + now.tv_nsec * 1e-9, xline, sizeof xline) && j->opts.verbose)
				fprintf(stderr, "%s\n", xline);
			set_status(j);
		}
		usleep(50000);
	}
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (xruns_final(&j->xr, end.tv_sec + end.tv_nsec * 1e-9, xline, sizeof xline) && j->opts.verbose)
		fprintf(stderr, "%s\n", xline);
	return NULL;
}

/* libjack prints a paragraph for every failed open while we poll for a
 * server; lathe says it once, in its own words.  LATHE_JACK_DEBUG=1 lets
 * libjack speak (with `jackd -v`, its jack_log lines too: how demo_watch's
 * cause was found; tests/support/fixture.c starts jackd -v then). */
static void jack_quiet(const char *msg)
{
	if (getenv("LATHE_JACK_DEBUG"))
		fprintf(stderr, "libjack: %s\n", msg);
}

void lathe_jack_quiet(void)
{
	jack_set_error_function(jack_quiet);
	jack_set_info_function(jack_quiet);
}

static void free_players(lathe_jack *j)
{
	player_free(j->ref);
	player_free(j->in);
	for (int c = 0; c < 2; c++) {
		free(j->ref_mix[c]);
		free(j->in_mix[c]);
	}
}

lathe_jack *lathe_jack_new(lathe_params *params, lathe_bus *bus, const jack_opts *opts)
{
	if (!params || !opts)
		return NULL;
	lathe_jack *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->params = params;
	j->bus = bus;
	j->opts = *opts;
	j->ref = player_new();
	j->in = player_new();
	for (int c = 0; c < 2; c++) {
		j->ref_mix[c] = calloc(JACK_REF_MAX, sizeof(float));
		j->in_mix[c] = calloc(JACK_REF_MAX, sizeof(float));
	}
	if (!j->ref || !j->in || !j->ref_mix[0] || !j->ref_mix[1] || !j->in_mix[0] || !j->in_mix[1]) {
		free_players(j);
		free(j);
		return NULL;
	}
	snprintf(j->want_name, sizeof j->want_name, "%s", opts->name && *opts->name ? opts->name : "lathe");
	j->opts.name = j->want_name;
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->appeared_lock, NULL);
	j->appeared = g_string_new(NULL);
	lathe_jack_quiet();
	/* Try once synchronously so a caller sees the ports right away when a server runs. */
	int opened = open_client(j);
	if (opened == -2)
		j->announced_down = 2; /* the caller says it (status.refused_rate), once */
	if (opened == 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s at %u Hz, %u frames, latency %u frames", jack_get_client_name(j->client),
		         jack_get_sample_rate(j->client), jack_get_buffer_size(j->client), j->status.latency);
		say(j, "JACK connected as %s", msg);
	}
	if (lathe_thread_start(&j->supervisor, supervise, j)) {
		close_client(j);
		free_players(j);
		free(j);
		return NULL;
	}
	return j;
}

void lathe_jack_free(lathe_jack *j)
{
	if (!j)
		return;
	atomic_store(&j->quit, 1);
	pthread_join(j->supervisor, NULL);
	close_client(j);
	engine_free(atomic_load(&j->eng));
	free_players(j);
	free(j->saved);
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->appeared_lock);
	g_string_free(j->appeared, TRUE);
	free(j);
}

void lathe_jack_status(lathe_jack *j, jack_status *out)
{
	pthread_mutex_lock(&j->lock);
	*out = j->status;
	pthread_mutex_unlock(&j->lock);
}

char *lathe_jack_connections(lathe_jack *j)
{
	pthread_mutex_lock(&j->lock);
	char *s = strdup(j->saved ? j->saved : "");
	pthread_mutex_unlock(&j->lock);
	return s;
}

void lathe_jack_set_connections(lathe_jack *j, const char *list)
{
	pthread_mutex_lock(&j->lock);
	replace_saved(j, strdup(list ? list : ""));
	atomic_store(&j->restore_pending, 1);
	pthread_mutex_unlock(&j->lock);
	/* the supervisor restores them on its next round (50 ms) */
}

void lathe_jack_client_name(lathe_jack *j, char *buf, size_t len)
{
	pthread_mutex_lock(&j->lock);
	snprintf(buf, len, "%s", j->status.connected && j->status.client_name[0] ? j->status.client_name : j->want_name);
	pthread_mutex_unlock(&j->lock);
}

uint32_t lathe_jack_connection_changes(lathe_jack *j)
{
	return j ? atomic_load_explicit(&j->conn_changes, memory_order_acquire) : 0;
}

player *lathe_jack_ref_player(lathe_jack *j) { return j->ref; }

player *lathe_jack_input_player(lathe_jack *j) { return j->in; }

uint32_t lathe_jack_rate(lathe_jack *j)
{
	engine *e = atomic_load(&j->eng);
	return e ? (uint32_t)engine_rate(e) : 0;
}
