/* lathe — the OSC server.
 *
 * Why not lo_server_new(): liblo 0.31 binds every interface, and --osc-bind
 * must mean what it says.  So the server owns a plain UDP socket bound to
 * ADDR:PORT, reads datagrams itself, drops those from sources outside the
 * allow list before any parsing, and hands the rest to liblo's parser with
 * lo_server_dispatch_data().  The lo_server exists for dispatch only: its own
 * socket (liblo insists on one) is a Unix datagram socket whose path is
 * unlinked at once (see dispatch_only_server), so nothing can reach it.
 * Replies leave through our socket, to the sender's address and port.
 *
 * The socket buffer is the queue: the thread drains at most DRAIN_BATCH
 * datagrams between timer checks, applies each set straight to the lock-free
 * store (a burst to one parameter costs one atomic store per message and the
 * RT thread only sees the latest), and the feedback poll at ~60 Hz sends only
 * the latest value of each parameter whose generation moved.
 *
 * One thread does everything (receive, feedback, meters, leases), so the
 * subscriber table and the dispatch context need no locks.
 */
#include "osc.h"
#include "osc_addr.h"
#include "osc_announce.h"
#include "osc_worker.h"
#include "engine/thread.h"
#include "engine/jack.h"

#include <arpa/inet.h>
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


#define OSC_DEFAULT_PORT 7770
#define MAX_ALLOW 32
#define MAX_LEASED 16            /* /subscribe clients at a time */
#define MAX_FEEDBACK 8           /* --osc-feedback clients */
#define MAX_SUBS (MAX_LEASED + MAX_FEEDBACK)
#define MAX_METERS 64
#define LEASE_DEFAULT_S 10.0
#define LEASE_MIN_S 1.0
#define LEASE_MAX_S 600.0
#define FEEDBACK_HZ 60.0         /* display rate: changes coalesce within one period */
#define DRAIN_BATCH 512          /* datagrams read between timer checks */
#define RX_MAX 65536             /* largest UDP payload */
#define BUNDLE_MTU 1400          /* feedback bundles fit one Ethernet frame */
#define MAX_REPLY_PORTS 16       /* hosts with a /reply/port at a time (least recently used replaced) */
#define RECONNECT_SILENCE_S 30.0 /* a permanent target's host heard again after this long: send it the state */
#define HEAVY_PER_S_N 10          /* /params lists and states sent per second, at most (heavy_allowed) */
#define HEAVY_BURST_N 20          /* ... and at once */
#define HEAVY_PER_S ((double)HEAVY_PER_S_N)
#define HEAVY_BURST ((double)HEAVY_BURST_N)
#define RCVBUF_BYTES (4 << 20)   /* asked for; the kernel caps it at net.core.rmem_max */
#define OSC_BUNDLE_DEPTH_MAX 8   /* bundles inside bundles; deeper is refused (docs/osc.md) */
#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x)

typedef struct {
	uint32_t net, mask;          /* host byte order */
} cidr4;

typedef struct {
	int used;
	int permanent;               /* --osc-feedback: never expires */
	struct sockaddr_in addr;
	struct in_addr local;        /* address its /subscribe reached: feedback leaves from it (INADDR_ANY: the kernel's choice) */
	double expires;              /* monotonic seconds, leased only */
	double heard;                /* last datagram from its host or state sent (permanent: reconnection) */
	float meter_sent[MAX_METERS]; /* last value sent to this subscriber; NaN = never */
	/* the scopes last sent to it (skipped when unchanged), and its history cursor */
	unsigned char spectrum_sent[2 * OSC_SPECTRUM_BANDS];
	unsigned char gonio_sent[2 * OSC_GONIO_POINTS];
	float gonio_peak_sent;
	int spectrum_valid, gonio_valid;
	uint64_t history_next;        /* absolute index of the next history point it needs */
	float player_sent[2][3];      /* /ref/state, /play/state last sent (NaN: never) */
} subscriber;

/* A bundle under construction: "#bundle", immediate time tag, then
 * (int32 size, message) elements (OSC 1.0 spec, "OSC Bundles"). */
typedef struct {
	char buf[8192];
	size_t len;
	size_t limit;
	int count;
} packer;

typedef struct {
	const char *path;
	int id;
} path_entry;

struct osc_server {
	lathe_app *app;
	lathe_params *params;
	int fd;                      /* our UDP socket, bound to --osc-bind:--osc-port */
	int port;
	int wake[2];                 /* pipe: a byte tells the thread to stop */
	lo_server lo;                /* liblo, used as a parser/dispatcher only */
	osc_worker *worker;          /* session save/load: file I/O off this thread */
	osc_announce *announce;      /* _osc._udp over Avahi, LAN binds only */
	pthread_t thread;
	int thread_started;

	cidr4 allow[MAX_ALLOW];
	int n_allow;

	subscriber subs[MAX_SUBS];
	uint32_t seen_gen[P_COUNT];  /* parameter generations already sent as feedback */
	uint32_t seen_generation;    /* store generation at the last feedback poll */

	path_entry by_path[P_COUNT]; /* registry paths sorted, for bsearch */
	char norm_path[P_COUNT][64]; /* "/norm" + path */
	char text_path[P_COUNT][64]; /* "/text" + path */

	/* run-time reply ports (/reply/port): replies to this host go to this port */
	struct { uint32_t ip; uint16_t port; double used; } reply_port[MAX_REPLY_PORTS];

	double meter_period;         /* seconds between meter bundles */
	_Atomic(osc_meter_source) meter_get; /* optional meter source (tests) */
	void *_Atomic meter_ctx;
	const osc_scope_source *_Atomic scope_get; /* optional scope source (tests) */
	void *_Atomic scope_ctx;
	lathe_session_status sess_sent; /* the session status subscribers have */
	int sess_valid;
	char version[64];            /* /pong's first argument */
	char registry_hash[17];      /* /pong's second: osc_registry_hash() */
	float gonio_buf[2 * GONIO_POINTS];
	float spec_buf[2][SPECTRUM_BINS];
	float hist_buf[OSC_HISTORY_CHUNK];

	/* the datagram being dispatched: handlers reply to src, from src_local */
	struct sockaddr_in src;
	struct in_addr src_local;
	in_port_t src_port;          /* the port src really came from (src's may be its /reply/port) */

	double heavy_tokens, heavy_refilled; /* heavy_allowed's bucket */

	char rx[RX_MAX];
	char tx[RX_MAX];
	packer pk;

	struct {
		_Atomic uint64_t packets, denied, malformed, messages, applied, errors, feedback_msgs, meter_bundles;
	} st;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void count(_Atomic uint64_t *c, uint64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }

/* ---- access ---- */

static int parse_cidr(const char *text, cidr4 *out)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", text);
	int bits = 32;
	char *slash = strchr(buf, '/');
	if (slash) {
		unsigned long b; /* digits only: "/ 8" and "/+8" are not prefixes */
		if (param_parse_count(slash + 1, 32, &b) < 0)
			return -1;
		bits = (int)b;
		*slash = 0;
	}
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	out->mask = bits ? 0xffffffffu << (32 - bits) : 0;
	out->net = ntohl(a.s_addr) & out->mask;
	return 0;
}

static int allowed(const osc_server *s, const struct sockaddr_in *from)
{
	uint32_t a = ntohl(from->sin_addr.s_addr);
	for (int i = 0; i < s->n_allow; i++)
		if ((a & s->allow[i].mask) == s->allow[i].net)
			return 1;
	return 0;
}

/* ---- sending ---- */

/* Sends from the local address `from` (INADDR_ANY: let routing pick).  Bound
 * to 0.0.0.0, routing would pick the outgoing interface's primary address,
 * not the one the request reached, and a client on a connect()ed UDP socket
 * drops datagrams from any other address: so the source is set per datagram
 * with IP_PKTINFO's ipi_spec_dst (ip(7)). */
static void send_raw(osc_server *s, const struct sockaddr_in *to, struct in_addr from, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union { char buf[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } ctl;
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = sizeof *to, .msg_iov = &iov, .msg_iovlen = 1 };
	if (from.s_addr != htonl(INADDR_ANY)) {
		memset(&ctl, 0, sizeof ctl);
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi = { .ipi_ifindex = 0, .ipi_spec_dst = from };
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	}
	/* never block the server on a slow or vanished client: a full socket buffer drops */
	(void)sendmsg(s->fd, &mh, MSG_DONTWAIT);
}

static void send_msg(osc_server *s, const struct sockaddr_in *to, struct in_addr from, const char *path, lo_message m)
{
	size_t len = lo_message_length(m, path);
	if (len == 0 || len > sizeof s->tx)
		return;
	lo_message_serialise(m, path, s->tx, &len);
	send_raw(s, to, from, s->tx, len);
}

static void reply_float(osc_server *s, const char *path, float v)
{
	lo_message m = lo_message_new();
	lo_message_add_float(m, v);
	send_msg(s, &s->src, s->src_local, path, m);
	lo_message_free(m);
}

static void reply_error(osc_server *s, const char *path, const char *reason)
{
	lo_message m = lo_message_new();
	lo_message_add_string(m, path);
	lo_message_add_string(m, reason);
	send_msg(s, &s->src, s->src_local, "/error", m);
	lo_message_free(m);
	count(&s->st.errors, 1);
}

static void reply_done(osc_server *s, const char *path)
{
	lo_message m = lo_message_new();
	lo_message_add_string(m, path);
	send_msg(s, &s->src, s->src_local, "/done", m);
	lo_message_free(m);
}

static void put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static void pk_begin(packer *p, size_t limit)
{
	memcpy(p->buf, "#bundle\0", 8);
	put_be32(p->buf + 8, 0);
	put_be32(p->buf + 12, 1); /* time tag 1 = immediately */
	p->len = 16;
	p->limit = limit < sizeof p->buf ? limit : sizeof p->buf;
	p->count = 0;
}

/* Opens one message "path ,tags" with `payload` bytes of arguments after its
 * type tags: checks it fits, writes its size, the padded path and tags (all
 * zeroed first, so strings and blobs come padded), counts it, and returns
 * where the arguments go; NULL (nothing written) when it does not fit. */
static char *pk_open(packer *p, const char *path, const char *tags, size_t payload)
{
	size_t plen = (strlen(path) + 4) & ~(size_t)3; /* with NUL, padded to 4 */
	size_t tlen = (strlen(tags) + 4) & ~(size_t)3;
	size_t mlen = plen + tlen + payload;
	if (p->len + 4 + mlen > p->limit)
		return NULL;
	char *q = p->buf + p->len;
	put_be32(q, (uint32_t)mlen);
	memset(q + 4, 0, mlen);
	memcpy(q + 4, path, strlen(path));
	memcpy(q + 4 + plen, tags, strlen(tags));
	p->len += 4 + mlen;
	p->count++;
	return q + 4 + plen + tlen;
}

static void put_float(char *q, float v)
{
	union { float f; uint32_t u; } b = { .f = v };
	put_be32(q, b.u);
}

/* Append "path ,f value"; returns -1 (nothing written) when it does not fit. */
static int pk_add_float(packer *p, const char *path, float v)
{
	char *q = pk_open(p, path, ",f", 4);
	if (!q)
		return -1;
	put_float(q, v);
	return 0;
}

/* Append "path ,s text"; -1 (nothing written) when it does not fit. */
static int pk_add_string(packer *p, const char *path, const char *text)
{
	char *q = pk_open(p, path, ",s", (strlen(text) + 4) & ~(size_t)3);
	if (!q)
		return -1;
	memcpy(q, text, strlen(text));
	return 0;
}

/* Append "path ,f..f" with n floats (n <= 64); -1 (nothing written) when it does not fit. */
static int pk_add_floats(packer *p, const char *path, const float *v, int n)
{
	char tags[66] = ",";
	if (n < 0 || n > 64)
		return -1;
	memset(tags + 1, 'f', (size_t)n);
	char *q = pk_open(p, path, tags, 4 * (size_t)n);
	if (!q)
		return -1;
	for (int i = 0; i < n; i++, q += 4)
		put_float(q, v[i]);
	return 0;
}

_Static_assert(LATHE_SESSION_NAMES <= 64, "/session/list goes out as one message of at most 64 strings");

/* Append "path ,s...s" with n strings (n may be 0: ","; n <= 64); -1 when it does not fit. */
static int pk_add_strings(packer *p, const char *path, int n, const char (*text)[64])
{
	char tags[66] = ",";
	if (n < 0 || n > 64)
		return -1;
	memset(tags + 1, 's', (size_t)n);
	size_t payload = 0;
	for (int i = 0; i < n; i++)
		payload += (strlen(text[i]) + 4) & ~(size_t)3;
	char *q = pk_open(p, path, tags, payload);
	if (!q)
		return -1;
	for (int i = 0; i < n; i++) {
		memcpy(q, text[i], strlen(text[i]));
		q += (strlen(text[i]) + 4) & ~(size_t)3;
	}
	return 0;
}

/* Append "path ,[f|i]b [number] blob" (pre: 0, 'f' or 'i' with its 32 bits);
 * -1 (nothing written) when it does not fit. */
static int pk_add_blob(packer *p, const char *path, char pre, uint32_t pre_bits, const void *data, size_t n)
{
	char tags[4] = { ',', pre ? pre : 'b', pre ? 'b' : 0, 0 };
	char *q = pk_open(p, path, tags, (pre ? 4 : 0) + 4 + ((n + 3) & ~(size_t)3));
	if (!q)
		return -1;
	if (pre) {
		put_be32(q, pre_bits);
		q += 4;
	}
	put_be32(q, (uint32_t)n);
	memcpy(q + 4, data, n);
	return 0;
}

static void send_to_subscribers(osc_server *s, const void *data, size_t len)
{
	for (int i = 0; i < MAX_SUBS; i++)
		if (s->subs[i].used)
			send_raw(s, &s->subs[i].addr, s->subs[i].local, data, len);
}

static int n_subscribers(const osc_server *s)
{
	int n = 0;
	for (int i = 0; i < MAX_SUBS; i++)
		n += s->subs[i].used;
	return n;
}

/* ---- feedback ---- */

/* Sends the bundle under construction to one subscriber (or, with NULL, to
 * every subscriber) and starts the next. */
static void flush_feedback(osc_server *s, subscriber *to)
{
	if (s->pk.count == 0)
		return;
	if (to)
		send_raw(s, &to->addr, to->local, s->pk.buf, s->pk.len);
	else
		send_to_subscribers(s, s->pk.buf, s->pk.len);
	count(&s->st.feedback_msgs, (uint64_t)s->pk.count * (uint64_t)(to ? 1 : n_subscribers(s)));
	pk_begin(&s->pk, BUNDLE_MTU);
}

/* One parameter's feedback: its value (f, natural units), its /norm twin (f,
 * 0..1) and its /text twin (s, param_format: "-1.0 dB", "bell", "on"), all
 * three in one bundle, so a bundle of BUNDLE_MTU bytes never splits them. */
static void add_param_feedback(osc_server *s, int id, subscriber *to)
{
	float v = param_get(s->params, id);
	char text[64];
	param_format(id, v, text, sizeof text);
	for (int tries = 0; tries < 2; tries++) {
		size_t mark = s->pk.len;
		int mark_count = s->pk.count;
		if (pk_add_float(&s->pk, param_info_get(id)->path, v) == 0 &&
		    pk_add_float(&s->pk, s->norm_path[id], param_to_norm(id, v)) == 0 &&
		    pk_add_string(&s->pk, s->text_path[id], text) == 0)
			return;
		/* undo a half-added triple, flush, retry in an empty bundle */
		s->pk.len = mark;
		s->pk.count = mark_count;
		flush_feedback(s, to);
	}
}

/* ---- session status (docs/osc.md "Session status") ---- */

static int get_session_status(osc_server *s, lathe_session_status *st)
{
	memset(st, 0, sizeof *st);
	int (*fn)(lathe_app *, lathe_session_status *) = s->app->actions.status;
	return fn && fn(s->app, st) == 0 ? 0 : -1;
}

/* The status messages into s->pk (flushing to `to` / everyone when full):
 * /session/name s, /session/dirty f, /snapshot/active s, /snapshot/stored s,
 * /undo/steps f, /redo/steps f, /session/list s... */
static void add_session_status(osc_server *s, const lathe_session_status *st, subscriber *to, int as_reply)
{
	char active[2] = { 0, 0 }, stored[8] = "";
	if (st->active_snapshot >= 0 && st->active_snapshot < 26)
		active[0] = (char)('A' + st->active_snapshot);
	for (int k = 0, n = 0; k < 26 && n < 7; k++)
		if (st->stored & (1u << k))
			stored[n++] = (char)('A' + k);
	for (int step = 0; step < 7; step++) {
		for (int tries = 0; tries < 2; tries++) {
			int rc = 0;
			switch (step) {
			case 0: rc = pk_add_string(&s->pk, "/session/name", st->name); break;
			case 1: rc = pk_add_float(&s->pk, "/session/dirty", st->dirty ? 1.0f : 0.0f); break;
			case 2: rc = pk_add_string(&s->pk, "/snapshot/active", active); break;
			case 3: rc = pk_add_string(&s->pk, "/snapshot/stored", stored); break;
			case 4: rc = pk_add_float(&s->pk, "/undo/steps", (float)st->undo_steps); break;
			case 5: rc = pk_add_float(&s->pk, "/redo/steps", (float)st->redo_steps); break;
			default: rc = pk_add_strings(&s->pk, "/session/list", st->n_names, st->names); break;
			}
			if (rc == 0)
				break;
			if (as_reply)
				send_raw(s, &s->src, s->src_local, s->pk.buf, s->pk.len);
			else
				flush_feedback(s, to);
			pk_begin(&s->pk, BUNDLE_MTU);
		}
	}
}

/* The whole state to one subscriber: what a client needs when it connects
 * (issue 12), every parameter's triple in bundles of at most BUNDLE_MTU bytes. */
static void send_state(osc_server *s, subscriber *to)
{
	pk_begin(&s->pk, BUNDLE_MTU);
	for (int id = 0; id < P_COUNT; id++)
		add_param_feedback(s, id, to);
	lathe_session_status st;
	if (get_session_status(s, &st) == 0)
		add_session_status(s, &st, to, 0);
	flush_feedback(s, to);
	to->heard = now_s();
}

/* Send every parameter whose generation moved since the last poll: whoever
 * changed it (console, session, another client, this one).  Reading the store
 * generation first means a change racing with the scan is seen next time. */
static void poll_params(osc_server *s)
{
	uint32_t g = params_generation(s->params);
	if (g == s->seen_generation)
		return;
	s->seen_generation = g;
	int subscribed = n_subscribers(s) > 0;
	pk_begin(&s->pk, BUNDLE_MTU);
	for (int id = 0; id < P_COUNT; id++) {
		uint32_t gen = param_gen(s->params, id);
		if (gen == s->seen_gen[id])
			continue;
		s->seen_gen[id] = gen;
		if (subscribed)
			add_param_feedback(s, id, NULL);
	}
	flush_feedback(s, NULL);
}

/* The session status moved (a save, a load, a snapshot, an undo, a new file
 * in the folder): everyone gets all of it, in one bundle. */
static void poll_session(osc_server *s)
{
	lathe_session_status st;
	if (get_session_status(s, &st) != 0)
		return;
	if (s->sess_valid && !memcmp(&st, &s->sess_sent, sizeof st))
		return;
	s->sess_sent = st;
	s->sess_valid = 1;
	if (!n_subscribers(s))
		return;
	pk_begin(&s->pk, BUNDLE_MTU);
	add_session_status(s, &st, NULL, 0);
	flush_feedback(s, NULL);
}

static void expire_leases(osc_server *s, double now)
{
	for (int i = 0; i < MAX_SUBS; i++)
		if (s->subs[i].used && !s->subs[i].permanent && now >= s->subs[i].expires)
			s->subs[i].used = 0;
}

/* ---- meters ---- */

static int get_meters(osc_server *s, meter_snapshot *snap)
{
	osc_meter_source get = atomic_load(&s->meter_get);
	if (get) {
		get(atomic_load(&s->meter_ctx), snap);
		return 1;
	}
	if (s->app->analysis) {
		analysis_get(s->app->analysis, snap);
		return 1;
	}
	return 0;
}

static void scope_spectrum(osc_server *s, float pre[SPECTRUM_BINS], float post[SPECTRUM_BINS])
{
	const osc_scope_source *src = atomic_load(&s->scope_get);
	if (src && src->spectrum)
		src->spectrum(atomic_load(&s->scope_ctx), pre, post);
	else if (s->app->analysis)
		analysis_spectrum(s->app->analysis, pre, post);
	else
		for (int i = 0; i < SPECTRUM_BINS; i++)
			pre[i] = post[i] = -INFINITY;
}

static int scope_gonio(osc_server *s, float *xy, int max)
{
	const osc_scope_source *src = atomic_load(&s->scope_get);
	if (src && src->gonio)
		return src->gonio(atomic_load(&s->scope_ctx), xy, max);
	return s->app->analysis ? analysis_gonio(s->app->analysis, xy, max) : 0;
}

static int scope_history(osc_server *s, uint64_t first, float *lufs, int max, uint64_t *first_out)
{
	const osc_scope_source *src = atomic_load(&s->scope_get);
	*first_out = first;
	if (src && src->history)
		return src->history(atomic_load(&s->scope_ctx), first, lufs, max, first_out);
	return s->app->analysis ? analysis_history_from(s->app->analysis, first, lufs, max, first_out) : 0;
}

/* The file players (engine/player.h): the reference (--ref) and the input (--play). */
static player *player_of(osc_server *s, int which)
{
	if (!s->app->jack)
		return NULL;
	return which ? lathe_jack_input_player(s->app->jack) : lathe_jack_ref_player(s->app->jack);
}

static void player_state(player *p, float out[3])
{
	out[0] = p && player_playing(p) ? 1.0f : 0.0f;
	out[1] = p ? roundf((float)player_position(p) * 10.0f) / 10.0f : 0.0f; /* 0.1 s: a transport display */
	out[2] = p ? (float)player_length(p) : 0.0f;
}

/* A meter message into the subscriber's bundles: a full bundle (BUNDLE_MTU,
 * one Ethernet frame, never fragmented) goes out and the next one starts. */
static void meter_flush(osc_server *s, subscriber *sub)
{
	if (!s->pk.count)
		return;
	send_raw(s, &sub->addr, sub->local, s->pk.buf, s->pk.len);
	count(&s->st.meter_bundles, 1);
	pk_begin(&s->pk, BUNDLE_MTU);
}

static void meter_blob(osc_server *s, subscriber *sub, const char *path, char pre, uint32_t bits, const void *d, size_t n)
{
	if (pk_add_blob(&s->pk, path, pre, bits, d, n) != 0) {
		meter_flush(s, sub);
		pk_add_blob(&s->pk, path, pre, bits, d, n);
	}
}

/* Per subscriber per tick: the scalar meters that moved by at least their
 * resolution since its last bundle, the spectrum and goniometer when they
 * changed, and the history points it has not had yet; in bundles of at most
 * BUNDLE_MTU bytes (docs/osc.md "Meters" and "Scopes"). */
static void send_meters(osc_server *s)
{
	if (!n_subscribers(s))
		return;
	meter_snapshot snap;
	memset(&snap, 0, sizeof snap);
	if (!get_meters(s, &snap))
		return;
	int nm = osc_meter_count();
	float val[MAX_METERS];
	for (int i = 0; i < nm; i++)
		val[i] = osc_meter_value(i, &snap);

	/* the scopes, encoded once for everyone */
	unsigned char spec[2 * OSC_SPECTRUM_BANDS];
	scope_spectrum(s, s->spec_buf[0], s->spec_buf[1]);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < OSC_SPECTRUM_BANDS; i++)
			spec[k * OSC_SPECTRUM_BANDS + i] = osc_spectrum_code(s->spec_buf[k][i]);
	/* goniometer: the newest GONIO_POINTS (side, mid) pairs decimated evenly to
	 * OSC_GONIO_POINTS, int8 scaled so that 127 is the largest |coordinate| (peak) */
	int ng = scope_gonio(s, s->gonio_buf, GONIO_POINTS);
	int np = ng < OSC_GONIO_POINTS ? ng : OSC_GONIO_POINTS;
	signed char gon[2 * OSC_GONIO_POINTS];
	float peak = 0;
	for (int i = 0; i < np; i++) {
		int j = (int)((long)i * ng / np); /* evenly over all ng, oldest first */
		for (int c = 0; c < 2; c++) {
			float v = fabsf(s->gonio_buf[2 * j + c]);
			if (v > peak && isfinite(v))
				peak = v;
		}
	}
	for (int i = 0; i < np; i++) {
		int j = (int)((long)i * ng / np);
		for (int c = 0; c < 2; c++) {
			float v = s->gonio_buf[2 * j + c];
			float q = peak > 0 && isfinite(v) ? roundf(v / peak * 127.0f) : 0;
			gon[2 * i + c] = (signed char)(q > 127 ? 127 : q < -127 ? -127 : q);
		}
	}
	union { float f; uint32_t u; } pb = { .f = peak };

	for (int k = 0; k < MAX_SUBS; k++) {
		subscriber *sub = &s->subs[k];
		if (!sub->used)
			continue;
		pk_begin(&s->pk, BUNDLE_MTU);
		for (int i = 0; i < nm; i++) {
			const osc_meter_info *m = osc_meter_get(i);
			if (!isnan(sub->meter_sent[i]) && fabsf(val[i] - sub->meter_sent[i]) < m->quantum)
				continue;
			/* value and /norm twin always in one bundle */
			for (int tries = 0; tries < 2; tries++) {
				size_t mark = s->pk.len;
				int mark_count = s->pk.count;
				if (pk_add_float(&s->pk, m->path, val[i]) == 0 &&
				    pk_add_float(&s->pk, m->norm, osc_meter_norm(i, val[i])) == 0)
					break;
				s->pk.len = mark;
				s->pk.count = mark_count;
				meter_flush(s, sub);
			}
			sub->meter_sent[i] = val[i];
		}
		if (!sub->spectrum_valid || memcmp(sub->spectrum_sent, spec, sizeof spec) != 0) {
			meter_blob(s, sub, "/meter/spectrum", 0, 0, spec, sizeof spec);
			memcpy(sub->spectrum_sent, spec, sizeof spec);
			sub->spectrum_valid = 1;
		}
		if (!sub->gonio_valid || sub->gonio_peak_sent != peak || memcmp(sub->gonio_sent, gon, 2 * (size_t)np) != 0) {
			meter_blob(s, sub, "/meter/gonio", 'f', pb.u, gon, 2 * (size_t)np);
			memcpy(sub->gonio_sent, gon, 2 * (size_t)np);
			sub->gonio_peak_sent = peak;
			sub->gonio_valid = 1;
		}
		for (int w = 0; w < 2; w++) {
			player *pl = player_of(s, w);
			if (!pl)
				continue;
			float st[3];
			player_state(pl, st);
			if (!memcmp(st, sub->player_sent[w], sizeof st))
				continue;
			/* "/monitor/ref/state fff": three floats, a blob-less message of its own */
			if (pk_add_floats(&s->pk, w ? "/play/state" : "/monitor/ref/state", st, 3) != 0) {
				meter_flush(s, sub);
				pk_add_floats(&s->pk, w ? "/play/state" : "/monitor/ref/state", st, 3);
			}
			memcpy(sub->player_sent[w], st, sizeof st);
		}
		uint64_t first;
		int nh = scope_history(s, sub->history_next, s->hist_buf, OSC_HISTORY_CHUNK, &first);
		if (nh > 0) {
			unsigned char h[2 * OSC_HISTORY_CHUNK];
			for (int i = 0; i < nh; i++) {
				int c = osc_history_code(s->hist_buf[i]);
				h[2 * i] = (unsigned char)((unsigned)c >> 8);
				h[2 * i + 1] = (unsigned char)c;
			}
			meter_blob(s, sub, "/meter/history", 'i', (uint32_t)first, h, 2 * (size_t)nh);
			sub->history_next = first + (uint64_t)nh;
		}
		meter_flush(s, sub);
	}
}

/* ---- handlers ---- */

static int find_param(const osc_server *s, const char *path)
{
	int lo = 0, hi = P_COUNT - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(path, s->by_path[mid].path);
		if (c == 0)
			return s->by_path[mid].id;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static int is_number_type(char t) { return t == 'f' || t == 'd' || t == 'i' || t == 'h'; }

/* A number argument as float; a finite double beyond float range saturates
 * (then clamps to the parameter's range) instead of becoming Inf.  liblo's
 * lo_arg pointers are only 4-byte aligned inside the packet, so the union is
 * never dereferenced for 8-byte types: memcpy reads it whatever the alignment. */
static float number_arg(char t, lo_arg *a)
{
	switch (t) {
	case 'f': { float v; memcpy(&v, a, sizeof v); return v; }
	case 'i': { int32_t v; memcpy(&v, a, sizeof v); return (float)v; }
	case 'h': { int64_t v; memcpy(&v, a, sizeof v); return (float)v; }
	case 'd': {
		double v;
		memcpy(&v, a, sizeof v);
		if (isfinite(v) && fabs(v) > FLT_MAX)
			return v > 0 ? FLT_MAX : -FLT_MAX;
		return (float)v;
	}
	}
	return NAN;
}

static void enum_names(const param_info *pi, char *buf, size_t len)
{
	buf[0] = 0;
	for (int k = 0; k < pi->n_enums; k++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", k ? ", " : "", pi->enums[k]);
	}
}

static void handle_param(osc_server *s, const char *path, int id, int norm, const char *types, lo_arg **argv, int argc)
{
	const param_info *pi = param_info_get(id);
	if (norm == 2) { /* /text twin: read only */
		if (argc != 0) {
			reply_error(s, path, "read only: set the value on the address without /text (a string works there)");
			return;
		}
		char text[64];
		param_format(id, param_get(s->params, id), text, sizeof text);
		lo_message m = lo_message_new();
		lo_message_add_string(m, text);
		send_msg(s, &s->src, s->src_local, path, m);
		lo_message_free(m);
		return;
	}
	if (argc == 0) {
		float v = param_get(s->params, id);
		reply_float(s, path, norm ? param_to_norm(id, v) : v);
		return;
	}
	if (argc > 1) {
		reply_error(s, path, "expected one value (or none to query)");
		return;
	}
	char t = types[0];
	char reason[300];
	float applied = 0;
	int rc;
	if (norm) {
		if (!is_number_type(t)) {
			reply_error(s, path, "wrong type: expected one number 0..1");
			return;
		}
		float n = number_arg(t, argv[0]);
		if (!isfinite(n)) {
			reply_error(s, path, param_strerror(PARAM_NOT_FINITE));
			return;
		}
		int clamped = n < 0 || n > 1;
		n = n < 0 ? 0 : n > 1 ? 1 : n;
		param_set(s->params, id, param_from_norm(id, n), &applied);
		count(&s->st.applied, 1);
		if (clamped) {
			snprintf(reason, sizeof reason, "out of range 0..1, clamped to %g", param_to_norm(id, applied));
			reply_error(s, path, reason);
			reply_float(s, path, param_to_norm(id, applied));
		}
		return;
	}
	if (is_number_type(t)) {
		rc = param_set(s->params, id, number_arg(t, argv[0]), &applied);
	} else if (t == 'T' || t == 'F') {
		if (pi->curve != CURVE_TOGGLE) {
			reply_error(s, path, "wrong type: T/F only for toggles, expected one number");
			return;
		}
		rc = param_set(s->params, id, t == 'T' ? 1.0f : 0.0f, &applied);
	} else if (t == 's' || t == 'S') {
		rc = param_set_text(s->params, id, (const char *)argv[0], &applied);
	} else {
		snprintf(reason, sizeof reason, "wrong type '%c': expected one number%s", t,
			pi->curve == CURVE_ENUM ? " or name" : "");
		reply_error(s, path, reason);
		return;
	}
	if (rc == PARAM_BAD_NAME) {
		if (pi->curve == CURVE_ENUM) {
			char names[200];
			enum_names(pi, names, sizeof names);
			snprintf(reason, sizeof reason, "not a number or a known name (one of: %s)", names);
		} else {
			snprintf(reason, sizeof reason, "%s", param_strerror(rc));
		}
		reply_error(s, path, reason);
		return;
	}
	if (rc < 0) {
		reply_error(s, path, param_strerror(rc));
		return;
	}
	count(&s->st.applied, 1);
	if (rc == PARAM_CLAMPED) {
		snprintf(reason, sizeof reason, "out of range %g..%g, clamped to %g", pi->min, pi->max, applied);
		reply_error(s, path, reason);
		reply_float(s, path, applied);
	}
}

/* /params (150 replies) and the state on /subscribe (11 datagrams of 1,400
 * bytes) answer a 12-byte request with ~10 kB: one 64 kB datagram of 4,093
 * /params made 602,435 replies (45 MB) and kept this thread from everyone
 * else for 34 s.  A token bucket caps these large answers for the whole
 * server (HEAVY_PER_S a second, HEAVY_BURST at once); the rest is 1:1. */
static int heavy_allowed(osc_server *s)
{
	double now = now_s();
	s->heavy_tokens += (now - s->heavy_refilled) * HEAVY_PER_S;
	if (s->heavy_tokens > HEAVY_BURST)
		s->heavy_tokens = HEAVY_BURST;
	s->heavy_refilled = now;
	if (s->heavy_tokens < 1)
		return 0;
	s->heavy_tokens -= 1;
	return 1;
}

#define HEAVY_REFUSED "too many /params and /subscribe at once (at most " TEXT_OF(HEAVY_BURST_N) ", then " TEXT_OF(HEAVY_PER_S_N) " a second)"

static void handle_params_list(osc_server *s)
{
	if (!heavy_allowed(s)) {
		reply_error(s, "/params", HEAVY_REFUSED);
		return;
	}
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		lo_message m = lo_message_new();
		lo_message_add_string(m, pi->path);
		lo_message_add_string(m, pi->unit);
		lo_message_add_float(m, pi->min);
		lo_message_add_float(m, pi->max);
		lo_message_add_float(m, pi->def);
		lo_message_add_float(m, param_get(s->params, id));
		/* appended after the six of the first version, so its readers still work:
		 * step (0: continuous), curve name, then the enum names in index order */
		lo_message_add_float(m, pi->step);
		lo_message_add_string(m, param_curve_name(pi->curve));
		for (int k = 0; k < pi->n_enums; k++)
			lo_message_add_string(m, pi->enums[k]);
		send_msg(s, &s->src, s->src_local, "/param", m);
		lo_message_free(m);
	}
	lo_message m = lo_message_new();
	lo_message_add_int32(m, P_COUNT);
	send_msg(s, &s->src, s->src_local, "/params/done", m);
	lo_message_free(m);
}

static subscriber *find_sub(osc_server *s, const struct sockaddr_in *a)
{
	for (int i = 0; i < MAX_SUBS; i++)
		if (s->subs[i].used && s->subs[i].addr.sin_addr.s_addr == a->sin_addr.s_addr &&
		    s->subs[i].addr.sin_port == a->sin_port)
			return &s->subs[i];
	return NULL;
}

static void reset_meter_memory(subscriber *sub)
{
	for (int i = 0; i < MAX_METERS; i++)
		sub->meter_sent[i] = NAN;
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 3; k++)
			sub->player_sent[w][k] = NAN;
}

static void handle_subscribe(osc_server *s, const char *path, const char *types, lo_arg **argv, int argc)
{
	double lease = LEASE_DEFAULT_S;
	if (argc > 1 || (argc == 1 && !is_number_type(types[0]))) {
		reply_error(s, path, "expected no argument or one number (lease in seconds)");
		return;
	}
	if (argc == 1) {
		lease = number_arg(types[0], argv[0]);
		if (!isfinite(lease)) {
			reply_error(s, path, param_strerror(PARAM_NOT_FINITE));
			return;
		}
		lease = lease < LEASE_MIN_S ? LEASE_MIN_S : lease > LEASE_MAX_S ? LEASE_MAX_S : lease;
	}
	subscriber *sub = find_sub(s, &s->src);
	if (!sub) {
		int leased = 0;
		for (int i = 0; i < MAX_SUBS; i++)
			leased += s->subs[i].used && !s->subs[i].permanent;
		for (int i = 0; i < MAX_SUBS && !sub && leased < MAX_LEASED; i++)
			if (!s->subs[i].used)
				sub = &s->subs[i];
		if (!sub) {
			reply_error(s, path, "too many subscribers (16)");
			return;
		}
		memset(sub, 0, sizeof *sub);
		sub->addr = s->src;
		sub->used = 1;
		reset_meter_memory(sub);
	}
	sub->local = s->src_local; /* the latest /subscribe says where the client listens for us */
	if (!sub->permanent)
		sub->expires = now_s() + lease;
	if (!heavy_allowed(s)) {
		reply_error(s, path, "subscribed, but the state was not sent: " HEAVY_REFUSED);
		return;
	}
	send_state(s, sub);
	/* a host with a permanent target that subscribes is (re)connecting: its target too */
	for (int i = MAX_LEASED; i < MAX_SUBS; i++)
		if (s->subs[i].used && &s->subs[i] != sub && s->subs[i].addr.sin_addr.s_addr == s->src.sin_addr.s_addr)
			send_state(s, &s->subs[i]);
}

static void handle_unsubscribe(osc_server *s)
{
	subscriber *sub = find_sub(s, &s->src);
	if (sub && !sub->permanent)
		sub->used = 0;
}

/* Session and snapshot names live inside their folder: no paths. */
static const char *bad_name(const char *name)
{
	if (!*name)
		return "empty name";
	if (strchr(name, '/'))
		return "a name, not a path: '/' is not allowed";
	if (strchr(name, '\\'))
		return "a name, not a path: '\\' is not allowed";
	if (strstr(name, ".."))
		return "a name, not a path: '..' is not allowed";
	if (strlen(name) > 200)
		return "name too long";
	return NULL;
}

typedef int (*name_action)(lathe_app *, const char *, char *, int);

/* Who asked for a job on the worker, and where its answer goes. */
typedef struct {
	char path[32];
	struct sockaddr_in to;
	struct in_addr from;
} job_tag;

/* A named action; `blocking` ones (they open, write, fsync files) run on the
 * worker so this thread keeps serving, and answer when they finish (finish_job). */
static void handle_named(osc_server *s, const char *path, name_action fn, int blocking, const char *types, int argc,
                         lo_arg **argv)
{
	if (argc != 1 || (types[0] != 's' && types[0] != 'S')) {
		reply_error(s, path, "expected one string (a name)");
		return;
	}
	const char *name = (const char *)argv[0];
	const char *why = bad_name(name);
	if (why) {
		reply_error(s, path, why);
		return;
	}
	if (!fn) {
		reply_error(s, path, "not available");
		return;
	}
	if (blocking) {
		job_tag tag = { .to = s->src, .from = s->src_local };
		snprintf(tag.path, sizeof tag.path, "%s", path);
		if (osc_worker_submit(s->worker, fn, name, &tag, sizeof tag) != 0)
			reply_error(s, path, "busy: the previous file job (session save or load, reference load) has not finished");
		return;
	}
	char err[256] = "failed";
	if (fn(s->app, name, err, sizeof err) != 0) {
		reply_error(s, path, err);
		return;
	}
	reply_done(s, path);
}

/* A job of the worker finished: answer whoever asked. */
static void finish_job(osc_server *s)
{
	osc_worker_result r;
	if (!osc_worker_take(s->worker, &r))
		return;
	job_tag tag;
	memcpy(&tag, r.tag, sizeof tag);
	s->src = tag.to;
	s->src_local = tag.from;
	if (r.rc != 0)
		reply_error(s, tag.path, r.err);
	else
		reply_done(s, tag.path);
}

/* Actions without arguments; one number is a button press (0 = release, ignored). */
static int trigger(osc_server *s, const char *path, const char *types, int argc, lo_arg **argv)
{
	if (argc == 0)
		return 1;
	if (argc == 1 && is_number_type(types[0]))
		return number_arg(types[0], argv[0]) != 0;
	if (argc == 1 && types[0] == 'T')
		return 1;
	if (argc == 1 && types[0] == 'F')
		return 0;
	reply_error(s, path, "expected no argument");
	return 0;
}

static void handle_learn(osc_server *s, const char *path)
{
	if (!s->app->analysis) {
		reply_error(s, path, "not available");
		return;
	}
	float drive = analysis_learn_drive(s->app->analysis);
	if (!isfinite(drive)) {
		reply_error(s, path, "not enough loudness measured yet");
		return;
	}
	float applied;
	param_set(s->params, P_LIM_GAIN, drive, &applied);
	count(&s->st.applied, 1);
	reply_float(s, param_info_get(P_LIM_GAIN)->path, applied);
}

/* ---- reply ports ---- */

/* The port replies to this host go to (/reply/port), or 0 for the sender's own. */
static int reply_port_find(const osc_server *s, uint32_t ip)
{
	for (int i = 0; i < MAX_REPLY_PORTS; i++)
		if (s->reply_port[i].port && s->reply_port[i].ip == ip)
			return i;
	return -1;
}

/* /reply/port i: from now on, replies and subscriptions of the sender's host
 * go to this port (0: back to the sender's own), for apps whose send and
 * receive ports differ (TouchOSC).  Ardour calls it /set_surface/port. */
static void handle_reply_port(osc_server *s, const char *path, const char *types, int argc, lo_arg **argv)
{
	if (argc != 1 || !is_number_type(types[0])) {
		reply_error(s, path, "expected one number (a UDP port, 0 to reply to the sending port)");
		return;
	}
	float f = number_arg(types[0], argv[0]);
	if (!(f >= 0 && f <= 65535) || f != floorf(f)) {
		reply_error(s, path, "expected a UDP port 1..65535, or 0 to reply to the sending port");
		return;
	}
	uint32_t ip = s->src.sin_addr.s_addr;
	int i = reply_port_find(s, ip);
	if (f == 0) {
		if (i >= 0)
			s->reply_port[i].port = 0;
		s->src.sin_port = s->src_port;
		reply_done(s, path);
		return;
	}
	if (i < 0) { /* a free slot, else the least recently used */
		i = 0;
		for (int k = 0; k < MAX_REPLY_PORTS; k++) {
			if (!s->reply_port[k].port) {
				i = k;
				break;
			}
			if (s->reply_port[k].used < s->reply_port[i].used)
				i = k;
		}
	}
	s->reply_port[i].ip = ip;
	s->reply_port[i].port = htons((uint16_t)f);
	s->reply_port[i].used = now_s();
	s->src.sin_port = s->reply_port[i].port;
	reply_done(s, path);
}

/* ---- address patterns ---- */

/* OSC 1.0 "OSC Message Dispatching and Pattern Matching": an address with
 * ? * [] {} reaches every parameter address (and /norm, /text twin) it
 * matches, each handled as if sent to it.  liblo's lo_pattern_match does the
 * matching; replies name the matched addresses. */
static int handle_pattern(osc_server *s, const char *pattern, const char *types, lo_arg **argv, int argc)
{
	int matched = 0;
	for (int id = 0; id < P_COUNT; id++) {
		const char *paths[3] = { param_info_get(id)->path, s->norm_path[id], s->text_path[id] };
		for (int k = 0; k < 3; k++)
			if (lo_pattern_match(paths[k], pattern)) {
				handle_param(s, paths[k], id, k, types, argv, argc);
				matched++;
			}
	}
	return matched;
}

/* ---- the file players ---- */

/* "/monitor/ref/load s" (issue 13), on the worker: over OSC only a name
 * inside the session folder, confined as /session/load's names are
 * (bad_name), and opened by file_open_sound (engine/fileio.h), which
 * refuses a FIFO or a device without blocking; decoding and resampling a
 * long file takes a second or more, so it never runs on the server thread.
 * The folder is --session-dir, else the sessions module's default
 * (sessions/sessions.c: $XDG_DATA_HOME/lathe/sessions). */
static int ref_load_job(lathe_app *app, const char *name, char *err, int errlen)
{
	player *p = app->jack ? lathe_jack_ref_player(app->jack) : NULL;
	if (!p) {
		snprintf(err, (size_t)errlen, "not available (no JACK engine)");
		return -1;
	}
	char *dir = app->session_dir ? g_strdup(app->session_dir)
	                             : g_build_filename(g_get_user_data_dir(), "lathe", "sessions", NULL);
	char *file = g_build_filename(dir, name, NULL);
	int rc = player_load(p, file, lathe_jack_rate(app->jack), err, errlen);
	g_free(file);
	g_free(dir);
	return rc;
}

/* "/monitor/ref/..." (which 0) or "/play/..." (which 1): play, stop,
 * position f (the input player: seek f), loop f, state; the reference's
 * position with no argument answers "/monitor/ref/position f". */
static int handle_player(osc_server *s, const char *path, int which, const char *types, int argc, lo_arg **argv)
{
	const char *verb = path + (which ? 6 : 13);
	if (!which && !strcmp(verb, "position") && argc == 0) {
		player *p = player_of(s, which);
		if (!p)
			reply_error(s, path, "not available (no JACK engine)");
		else
			reply_float(s, path, (float)player_position(p));
		return 1;
	}
	if (!which && !strcmp(verb, "position"))
		verb = "seek";
	else if (!which && !strcmp(verb, "seek"))
		return 0;
	if (strcmp(verb, "play") && strcmp(verb, "stop") && strcmp(verb, "seek") && strcmp(verb, "loop") && strcmp(verb, "state"))
		return 0;
	player *p = player_of(s, which);
	if (!p) {
		reply_error(s, path, "not available (no JACK engine)");
		return 1;
	}
	if (!strcmp(verb, "play") || !strcmp(verb, "stop")) {
		if (!trigger(s, path, types, argc, argv))
			return 1;
		if (verb[1] == 'l' && player_length(p) <= 0) {
			reply_error(s, path, which ? "no file loaded (lathe --play FILE)" : "no file loaded (lathe --ref FILE, /monitor/ref/load)");
			return 1;
		}
		player_play(p, verb[1] == 'l');
		reply_done(s, path);
	} else if (!strcmp(verb, "seek") || !strcmp(verb, "loop")) {
		if (argc != 1 || !is_number_type(types[0])) {
			reply_error(s, path, verb[0] == 's' ? "expected one number (seconds)" : "expected one number (1 loop, 0 once)");
			return 1;
		}
		float v = number_arg(types[0], argv[0]);
		if (!isfinite(v)) {
			reply_error(s, path, param_strerror(PARAM_NOT_FINITE));
			return 1;
		}
		if (verb[0] == 's')
			player_seek(p, v < 0 ? 0 : v);
		else
			player_set_loop(p, v != 0);
		reply_done(s, path);
	} else {
		float st[3];
		player_state(p, st);
		lo_message m = lo_message_new();
		for (int k = 0; k < 3; k++)
			lo_message_add_float(m, st[k]);
		send_msg(s, &s->src, s->src_local, path, m);
		lo_message_free(m);
	}
	return 1;
}

static int on_message(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *user)
{
	osc_server *s = user;
	lathe_actions *act = &s->app->actions;
	count(&s->st.messages, 1);
	if (!types)
		types = "";

	int id = find_param(s, path);
	if (id >= 0) {
		handle_param(s, path, id, 0, types, argv, argc);
		return 0;
	}
	if (!strncmp(path, "/norm/", 6) && (id = find_param(s, path + 5)) >= 0) {
		handle_param(s, path, id, 1, types, argv, argc);
		return 0;
	}
	if (!strncmp(path, "/text/", 6) && (id = find_param(s, path + 5)) >= 0) {
		handle_param(s, path, id, 2, types, argv, argc);
		return 0;
	}
	if (strpbrk(path, "*?[{")) {
		if (handle_pattern(s, path, types, argv, argc) == 0)
			reply_error(s, path, "no parameter address matches the pattern");
		return 0;
	}
	if (!strcmp(path, "/ping")) {
		lo_message m = lo_message_new();
		lo_message_add_string(m, s->version);
		lo_message_add_string(m, s->registry_hash);
		send_msg(s, &s->src, s->src_local, "/pong", m);
		lo_message_free(m);
	} else if (!strcmp(path, "/params")) {
		handle_params_list(s);
	} else if (!strcmp(path, "/session/state")) {
		lathe_session_status st;
		if (get_session_status(s, &st) != 0) {
			reply_error(s, path, "not available");
		} else {
			pk_begin(&s->pk, BUNDLE_MTU);
			add_session_status(s, &st, NULL, 1);
			send_raw(s, &s->src, s->src_local, s->pk.buf, s->pk.len);
		}
	} else if (!strcmp(path, "/subscribe")) {
		handle_subscribe(s, path, types, argv, argc);
	} else if (!strcmp(path, "/reply/port") || !strcmp(path, "/set_surface/port")) {
		handle_reply_port(s, path, types, argc, argv);
	} else if (!strcmp(path, "/unsubscribe")) {
		handle_unsubscribe(s);
	} else if (!strcmp(path, "/session/save")) {
		handle_named(s, path, act->session_save, 1, types, argc, argv);
	} else if (!strcmp(path, "/session/load")) {
		handle_named(s, path, act->session_load, 1, types, argc, argv);
	} else if (!strcmp(path, "/snapshot/store")) {
		handle_named(s, path, act->snapshot_store, 0, types, argc, argv);
	} else if (!strcmp(path, "/snapshot/recall")) {
		handle_named(s, path, act->snapshot_recall, 0, types, argc, argv);
	} else if (!strcmp(path, "/undo") || !strcmp(path, "/redo")) {
		if (!trigger(s, path, types, argc, argv))
			return 0;
		int (*fn)(lathe_app *) = path[1] == 'u' ? act->undo : act->redo;
		if (!fn)
			reply_error(s, path, "not available");
		else if (fn(s->app) != 0)
			reply_error(s, path, path[1] == 'u' ? "nothing to undo" : "nothing to redo");
		else
			reply_done(s, path);
	} else if (!strcmp(path, "/loudness/reset")) {
		if (!trigger(s, path, types, argc, argv))
			return 0;
		if (!s->app->bus) {
			reply_error(s, path, "not available");
		} else {
			atomic_fetch_add(&s->app->bus->reset_requests, 1);
			reply_done(s, path);
		}
	} else if (!strcmp(path, "/monitor/ref/load")) {
		handle_named(s, path, s->app->jack ? ref_load_job : NULL, 1, types, argc, argv);
	} else if (!strncmp(path, "/monitor/ref/", 13) && handle_player(s, path, 0, types, argc, argv)) {
		/* handled */
	} else if (!strncmp(path, "/play/", 6) && handle_player(s, path, 1, types, argc, argv)) {
		/* handled */
	} else if (!strcmp(path, "/target/learn")) {
		if (trigger(s, path, types, argc, argv))
			handle_learn(s, path);
	} else {
		reply_error(s, path, "unknown address");
	}
	return 0;
}

/* ---- the thread ---- */

static uint32_t get_be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* Checks a datagram's bundle framing before liblo sees it; NULL when it is a
 * message (liblo's parser checks those) or a well-formed bundle, else why not.
 * OSC 1.0, "OSC Bundles": "#bundle\0", an 8-byte time tag, then elements,
 * each an int32 size (a multiple of 4) and that many bytes, a message or a
 * bundle.  liblo 0.31 dispatches a nested bundle by calling itself
 * (lo_server_dispatch_data, src/server.c) with no depth limit: ~3,000 levels in
 * one 60 kB datagram overflowed this thread's stack.  So the walk here is a
 * loop with an explicit stack of at most OSC_BUNDLE_DEPTH_MAX bundle ends, and
 * it also refuses element sizes that lie (zero, unaligned, past the end),
 * which liblo's lo_validate_bundle lets through in part (a zero size at the
 * end makes it strcmp past the datagram). */
static const char *bundle_check(const char *p, size_t n)
{
	if (n < 8 || memcmp(p, "#bundle", 8) != 0)
		return NULL;
	size_t end[OSC_BUNDLE_DEPTH_MAX];
	int depth = 0;
	size_t pos = 0, lim = n;
	for (;;) {
		/* a bundle starts at pos and ends at lim */
		if (depth == OSC_BUNDLE_DEPTH_MAX)
			return "bundles nested deeper than " TEXT_OF(OSC_BUNDLE_DEPTH_MAX) " levels";
		if (lim - pos < 16)
			return "bundle shorter than its header (16 bytes)";
		end[depth++] = lim;
		pos += 16;
		for (;;) {
			size_t e = end[depth - 1];
			if (pos == e) {
				if (--depth == 0)
					return NULL;
				continue;
			}
			if (e - pos < 4)
				return "bundle ends inside an element size";
			uint32_t size = get_be32(p + pos);
			pos += 4;
			if (size == 0 || size % 4 != 0)
				return "bundle element size not a positive multiple of 4";
			if (size > e - pos)
				return "bundle element size beyond the end of its bundle";
			if (p[pos] == '#') {
				if (size < 8 || memcmp(p + pos, "#bundle", 8) != 0)
					return "bundle element neither a message nor a bundle";
				lim = pos + size;
				break; /* into the inner bundle */
			}
			pos += size;
		}
	}
}

/* The address a datagram reached (IP_PKTINFO's ipi_spec_dst: the local
 * address, also for a broadcast), or INADDR_ANY when the kernel did not say. */
static struct in_addr reached_address(struct msghdr *mh)
{
	struct in_addr a = { .s_addr = htonl(INADDR_ANY) };
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			a = pi.ipi_spec_dst;
		}
	return a;
}

/* A datagram came from host a.  A permanent target on that host not heard
 * from for RECONNECT_SILENCE_S (an app reopened, a tablet woken) gets the
 * whole state: UDP has no connection to tell us it came back. */
static void heard_from(osc_server *s, struct in_addr a)
{
	double now = now_s();
	for (int i = MAX_LEASED; i < MAX_SUBS; i++) {
		subscriber *sub = &s->subs[i];
		if (!sub->used || sub->addr.sin_addr.s_addr != a.s_addr)
			continue;
		if (now - sub->heard > RECONNECT_SILENCE_S)
			send_state(s, sub);
		sub->heard = now;
	}
}

static void receive_batch(osc_server *s)
{
	for (int i = 0; i < DRAIN_BATCH; i++) {
		struct sockaddr_in from;
		struct iovec iov = { .iov_base = s->rx, .iov_len = sizeof s->rx };
		union { char buf[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } ctl;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
		                     .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
		ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return; /* EAGAIN: drained (or a transient error) */
		if (mh.msg_namelen < sizeof from || from.sin_family != AF_INET || !allowed(s, &from)) {
			count(&s->st.denied, 1);
			continue;
		}
		count(&s->st.packets, 1);
		if (n == 0 || (size_t)n > sizeof s->rx) { /* empty or truncated */
			count(&s->st.malformed, 1);
			continue;
		}
		s->src = from;
		s->src_port = from.sin_port;
		s->src_local = reached_address(&mh);
		int rp = reply_port_find(s, from.sin_addr.s_addr);
		if (rp >= 0) {
			s->src.sin_port = s->reply_port[rp].port;
			s->reply_port[rp].used = now_s();
		}
		const char *why = bundle_check(s->rx, (size_t)n);
		if (why) {
			count(&s->st.malformed, 1);
			reply_error(s, "#bundle", why);
			continue;
		}
		if (lo_server_dispatch_data(s->lo, s->rx, (size_t)n) < 0) {
			count(&s->st.malformed, 1);
			reply_error(s, "", "malformed OSC packet");
		}
		heard_from(s, from.sin_addr);
	}
}

static void *server_thread(void *arg)
{
	osc_server *s = arg;
	double feedback_period = 1.0 / FEEDBACK_HZ;
	double now = now_s();
	double next_feedback = now + feedback_period;
	double next_meter = now + s->meter_period;
	/* --osc-feedback targets get the whole state at start-up (issue 12) */
	for (int i = MAX_LEASED; i < MAX_SUBS; i++)
		if (s->subs[i].used)
			send_state(s, &s->subs[i]);
	for (;;) {
		now = now_s();
		double next = next_feedback < next_meter ? next_feedback : next_meter;
		int timeout_ms = (int)ceil((next - now) * 1000.0);
		if (timeout_ms < 0)
			timeout_ms = 0;
		struct pollfd pfd[3] = { { .fd = s->fd, .events = POLLIN }, { .fd = s->wake[0], .events = POLLIN },
		                         { .fd = osc_worker_fd(s->worker), .events = POLLIN } };
		int r = poll(pfd, 3, timeout_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && pfd[1].revents)
			break;
		if (r > 0 && pfd[0].revents)
			receive_batch(s);
		if (r > 0 && pfd[2].revents)
			finish_job(s);
		now = now_s();
		if (now >= next_feedback) {
			expire_leases(s, now);
			poll_params(s);
			poll_session(s);
			next_feedback += feedback_period;
			if (next_feedback < now) /* fell behind (suspend, load): don't burst to catch up */
				next_feedback = now + feedback_period;
		}
		if (now >= next_meter) {
			send_meters(s);
			next_meter += s->meter_period;
			if (next_meter < now)
				next_meter = now + s->meter_period;
		}
	}
	return NULL;
}

/* ---- setup ---- */

static int resolve_ipv4(const char *host, int port, struct sockaddr_in *out)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return -1;
	memcpy(out, res->ai_addr, sizeof *out);
	out->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const path_entry *)a)->path, ((const path_entry *)b)->path);
}

static void lo_error_quiet(int num, const char *msg, const char *where)
{
	/* malformed packets are counted and answered by receive_batch; stay quiet */
}

/* liblo needs a socket behind every lo_server.  A UDP one would bind every
 * interface, and liblo 0.31 also makes the last UDP server's socket the one
 * lo_send() uses process-wide (lo_client_sockets), which would tangle with
 * the NSM client.  A Unix datagram socket whose path is unlinked at once
 * touches neither and can receive nothing: liblo is our parser only. */
static lo_server dispatch_only_server(void)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (!dir || !*dir || strlen(dir) > 60)
		dir = "/tmp";
	static _Atomic unsigned serial;
	for (int attempt = 0; attempt < 16; attempt++) {
		char path[108];
		snprintf(path, sizeof path, "%s/lathe-osc-%d-%u", dir, (int)getpid(), atomic_fetch_add(&serial, 1));
		lo_server lo = lo_server_new_with_proto(path, LO_UNIX, lo_error_quiet);
		if (lo) {
			unlink(path);
			return lo;
		}
	}
	return NULL;
}

int osc_port(const osc_server *s) { return s->port; }

void osc_get_stats(const osc_server *s, osc_stats *o)
{
	osc_server *m = (osc_server *)s;
	o->packets = atomic_load_explicit(&m->st.packets, memory_order_relaxed);
	o->denied = atomic_load_explicit(&m->st.denied, memory_order_relaxed);
	o->malformed = atomic_load_explicit(&m->st.malformed, memory_order_relaxed);
	o->messages = atomic_load_explicit(&m->st.messages, memory_order_relaxed);
	o->applied = atomic_load_explicit(&m->st.applied, memory_order_relaxed);
	o->errors = atomic_load_explicit(&m->st.errors, memory_order_relaxed);
	o->feedback_msgs = atomic_load_explicit(&m->st.feedback_msgs, memory_order_relaxed);
	o->meter_bundles = atomic_load_explicit(&m->st.meter_bundles, memory_order_relaxed);
}

void osc_set_meter_source(osc_server *s, osc_meter_source get, void *ctx)
{
	atomic_store(&s->meter_ctx, ctx);
	atomic_store(&s->meter_get, get);
}

void osc_set_scope_source(osc_server *s, const osc_scope_source *src, void *ctx)
{
	atomic_store(&s->scope_ctx, ctx);
	atomic_store(&s->scope_get, src);
}

void osc_free(osc_server *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		char c = 'q';
		if (write(s->wake[1], &c, 1) != 1) { /* pipe full cannot happen: one byte, once */ }
		pthread_join(s->thread, NULL);
	}
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	osc_announce_free(s->announce);
	/* a save or load stuck on a file that never opens must not keep lathe from quitting */
	osc_worker_free(s->worker, 1000);
	if (s->fd >= 0)
		close(s->fd);
	if (s->lo)
		lo_server_free(s->lo);
	free(s);
}

osc_server *osc_new(lathe_app *app, const osc_opts *o, char *err, int errlen)
{
	osc_opts defaults = { .port = OSC_DEFAULT_PORT };
	if (!o)
		o = &defaults;
	if (!app || !app->params) {
		snprintf(err, errlen, "OSC: no parameter store");
		return NULL;
	}
	params_init();
	if (osc_meter_count() > MAX_METERS) {
		snprintf(err, errlen, "OSC: internal error: more meters than MAX_METERS");
		return NULL;
	}
	osc_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "OSC: out of memory");
		return NULL;
	}
	s->app = app;
	s->params = app->params;
	s->fd = s->wake[0] = s->wake[1] = -1;
	double rate = o->meter_rate > 0 ? o->meter_rate : 20.0;
	rate = rate < 0.5 ? 0.5 : rate > 100 ? 100 : rate;
	s->meter_period = 1.0 / rate;
	s->heavy_tokens = HEAVY_BURST;
	s->heavy_refilled = now_s();
	snprintf(s->version, sizeof s->version, "%s", o->version && *o->version ? o->version : "unknown");
	osc_registry_hash(s->registry_hash);

	/* the bound address */
	const char *bind_addr = o->bind && *o->bind ? o->bind : "127.0.0.1";
	struct sockaddr_in local;
	if (resolve_ipv4(bind_addr, o->port, &local) != 0) {
		snprintf(err, errlen, "--osc-bind %s: not an IPv4 address or known host", bind_addr);
		goto fail;
	}
	int lan = (ntohl(local.sin_addr.s_addr) >> 24) != 127;

	/* who is served */
	if (o->n_allow > 0) {
		for (int i = 0; i < o->n_allow; i++) {
			if (s->n_allow >= MAX_ALLOW) {
				snprintf(err, errlen, "--osc-allow: at most %d ranges", MAX_ALLOW);
				goto fail;
			}
			if (parse_cidr(o->allow[i], &s->allow[s->n_allow]) != 0) {
				snprintf(err, errlen, "--osc-allow %s: expected an IPv4 address or CIDR (e.g. 192.168.1.0/24)", o->allow[i]);
				goto fail;
			}
			s->n_allow++;
		}
	} else {
		static const char *const loopback[] = { "127.0.0.0/8" };
		static const char *const private_ranges[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16" };
		parse_cidr(loopback[0], &s->allow[s->n_allow++]);
		if (lan)
			for (int i = 0; i < 3; i++)
				parse_cidr(private_ranges[i], &s->allow[s->n_allow++]);
	}

	/* permanent feedback clients */
	if (o->n_feedback > MAX_FEEDBACK) {
		snprintf(err, errlen, "--osc-feedback: at most %d clients", MAX_FEEDBACK);
		goto fail;
	}
	for (int i = 0; i < o->n_feedback; i++) {
		char host[256];
		snprintf(host, sizeof host, "%s", o->feedback[i]);
		char *colon = strrchr(host, ':');
		unsigned long port = 0;
		if (!colon || param_parse_count(colon + 1, 65535, &port) < 0 || port < 1) {
			snprintf(err, errlen, "--osc-feedback %s: expected HOST:PORT", o->feedback[i]);
			goto fail;
		}
		*colon = 0;
		subscriber *sub = &s->subs[MAX_LEASED + i];
		if (resolve_ipv4(host, (int)port, &sub->addr) != 0) {
			snprintf(err, errlen, "--osc-feedback %s: unknown host '%s'", o->feedback[i], host);
			goto fail;
		}
		sub->used = 1;
		sub->permanent = 1;
		reset_meter_memory(sub);
	}

	/* the address table, generated from the registry */
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		s->by_path[id].path = pi->path;
		s->by_path[id].id = id;
		snprintf(s->norm_path[id], sizeof s->norm_path[id], "/norm%s", pi->path);
		snprintf(s->text_path[id], sizeof s->text_path[id], "/text%s", pi->path);
		s->seen_gen[id] = param_gen(s->params, id);
	}
	qsort(s->by_path, P_COUNT, sizeof s->by_path[0], cmp_path);
	s->seen_generation = params_generation(s->params);

	/* our socket */
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "OSC: socket: %s", strerror(errno));
		goto fail;
	}
	int rcvbuf = RCVBUF_BYTES;
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	int on = 1; /* the address each datagram reached, for the reply's source (send_raw) */
	(void)setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
	if (bind(s->fd, (struct sockaddr *)&local, sizeof local) != 0) {
		snprintf(err, errlen, "--osc-port %d on %s: %s", o->port, bind_addr, strerror(errno));
		goto fail;
	}
	struct sockaddr_in bound;
	socklen_t blen = sizeof bound;
	getsockname(s->fd, (struct sockaddr *)&bound, &blen);
	s->port = ntohs(bound.sin_port);

	/* liblo as parser and dispatcher */
	s->lo = dispatch_only_server();
	if (!s->lo) {
		snprintf(err, errlen, "OSC: liblo could not create its dispatcher");
		goto fail;
	}
	/* No scheduling of time-tagged bundles: dispatch everything now, so a
	 * bundle stamped in the future cannot grow liblo's queue without bound. */
	lo_server_enable_queue(s->lo, 0, 1);
	lo_server_add_method(s->lo, NULL, NULL, on_message, s);

	s->worker = osc_worker_new(app);
	if (!s->worker) {
		snprintf(err, errlen, "OSC: cannot start the worker thread");
		goto fail;
	}
	if (pipe2(s->wake, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "OSC: pipe: %s", strerror(errno));
		goto fail;
	}
	if (lathe_thread_start(&s->thread, server_thread, s) != 0) {
		snprintf(err, errlen, "OSC: cannot start the server thread");
		goto fail;
	}
	s->thread_started = 1;

	/* discovery only where the LAN can reach us; its failure is a line, never fatal */
	if (lan)
		s->announce = osc_announce_new(local.sin_addr, s->port);
	app->osc_port = s->port;
	app->osc_bind = bind_addr;
	app->osc_lan = lan;
	return s;
fail:
	osc_free(s);
	return NULL;
}
