/* lathe — the OSC server (liblo 0.31, UDP only).
 *
 * Every registry path is an address; /norm + path takes 0..1 along the
 * parameter's curve; a message without arguments is a query.  Subscribers
 * get feedback of every change and the meters as one bundle per tick.
 * The server runs on its own thread and reaches the engine only through the
 * parameter store, the analysis snapshot, the bus and app->actions.
 * The address space (meters, actions) and the generated docs live in
 * osc_addr.h; docs/osc.md is what osc_write_markdown() prints.
 */
#ifndef LATHE_OSC_H
#define LATHE_OSC_H

#include <stdint.h>
#include "engine/app.h"
#include "engine/meter/analysis.h"

typedef struct {
	int port;               /* UDP port; 0 picks a free one (see osc_port) */
	const char *bind;       /* address to bind, default "127.0.0.1" */
	const char **allow;     /* CIDRs ("10.0.0.0/8", "127.0.0.1/32", "192.168.1.5") served */
	int n_allow;            /* 0: loopback, plus the private ranges when a non-loopback address is bound */
	const char **feedback;  /* "HOST:PORT" permanent feedback clients */
	int n_feedback;
	double meter_rate;      /* meter bundles per second to subscribers; <= 0: 20 Hz */
	const char *version;    /* lathe's version, answered by /ping; NULL: "unknown" */
} osc_opts;

typedef struct osc_server osc_server;

/* Binds the socket and starts the server thread; NULL with a one-line reason in err. */
osc_server *osc_new(lathe_app *app, const osc_opts *o, char *err, int errlen);
/* Stops the thread, closes the socket. */
void osc_free(osc_server *s);

/* The port actually bound (useful with port 0). */
int osc_port(const osc_server *s);

/* Counters since start (read from any thread; relaxed). */
typedef struct {
	uint64_t packets;       /* datagrams received from allowed sources */
	uint64_t denied;        /* datagrams dropped: source outside the allow list */
	uint64_t malformed;     /* datagrams liblo refused to parse */
	uint64_t messages;      /* OSC messages handled (bundle contents counted one by one) */
	uint64_t applied;       /* parameter values stored (set or /norm set) */
	uint64_t errors;        /* /error replies sent */
	uint64_t feedback_msgs; /* parameter feedback messages sent (all subscribers) */
	uint64_t meter_bundles; /* meter bundles sent (all subscribers) */
} osc_stats;
void osc_get_stats(const osc_server *s, osc_stats *out);

/* Where meter values come from.  Default: analysis_get(app->analysis) when
 * app->analysis is set.  Tests (and the offline fixture) can plug a source;
 * get is called on the server thread once per meter tick. */
typedef void (*osc_meter_source)(void *ctx, meter_snapshot *out);
void osc_set_meter_source(osc_server *s, osc_meter_source get, void *ctx);

/* Where the scopes come from (docs/osc.md "Scopes").  Default: the analysis
 * thread (analysis_spectrum, analysis_gonio, analysis_history_from) when
 * app->analysis is set.  Same signatures as those; called on the server
 * thread once per meter tick and subscriber.  The struct must outlive the server. */
typedef struct {
	void (*spectrum)(void *ctx, float pre[SPECTRUM_BINS], float post[SPECTRUM_BINS]);
	int (*gonio)(void *ctx, float *xy, int max_points);
	int (*history)(void *ctx, uint64_t first, float *lufs, int max, uint64_t *first_out);
} osc_scope_source;
void osc_set_scope_source(osc_server *s, const osc_scope_source *src, void *ctx);

#endif
