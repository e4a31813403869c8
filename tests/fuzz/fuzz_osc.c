/* lathe — fuzz harness for the OSC server: registry paths, /norm twins,
 * actions and argument handling, through liblo's parser.
 *
 * The server exposes no dispatch entry point (osc.h: osc_new starts a thread
 * on its own UDP socket, and its dispatcher is static), so the harness runs
 * the real thing: one in-process server on 127.0.0.1, port 0, with an app of
 * params_new() + bus_new(1.0) and stub actions, and sends each input to it as
 * ONE UDP datagram over loopback.  Then it sends /unsubscribe (so a
 * /subscribe in the input does not outlive it) and a sync message to an
 * address nobody else uses, /fuzzsync/<nonce>; the server answers it with
 * /error (unknown address) only after everything before it was dispatched
 * (one thread, datagrams in order), so when that reply is back the input has
 * been fully processed.  (/ping would do the same, but an input may hold its
 * own /ping, and a /pong does not say which one it answers.)  A sync lost to
 * a full receive buffer (an input full of /params) is sent again with a new
 * nonce.
 *
 * After each input: every parameter finite, in range, whole where it must
 * be; the server still answering.  Then the store goes back to defaults so
 * every input starts from the same state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/app.h"
#include "engine/bus.h"
#include "engine/params.h"
#include "osc/osc.h"
#include "tests/fuzz/fuzz_common.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define OSC_FZ_SYNC_TIMEOUT_MS 10000 /* the server must answer within this, whatever the input */
#define OSC_FZ_RESYNC_MS 200         /* a sync reply not back by then is sent again */

static struct {
	lathe_app app;
	osc_server *server;
	int fd;                          /* our UDP socket, connected to the server */
	uint64_t nonce;
	char rx[65536];
} osc_fz;

/* Stub actions: enough behaviour to reach both the /done and the /error replies. */
static int osc_fz_named(lathe_app *app, const char *name, char *err, int errlen)
{
	if (name[0] == 'A' || name[0] == 'a')
		return 0;
	snprintf(err, (size_t)errlen, "no such name '%s'", name);
	return -1;
}
static int osc_fz_undo(lathe_app *app) { return 0; }
static int osc_fz_redo(lathe_app *app) { return -1; }

static void osc_fz_start(void)
{
	params_init();
	osc_fz.app.params = params_new();
	osc_fz.app.bus = bus_new(1.0);
	if (!osc_fz.app.params || !osc_fz.app.bus)
		fuzz_fail("cannot make the app");
	osc_fz.app.actions.session_save = osc_fz_named;
	osc_fz.app.actions.session_load = osc_fz_named;
	osc_fz.app.actions.snapshot_store = osc_fz_named;
	osc_fz.app.actions.snapshot_recall = osc_fz_named;
	osc_fz.app.actions.undo = osc_fz_undo;
	osc_fz.app.actions.redo = osc_fz_redo;
	osc_opts o = { .port = 0, .bind = "127.0.0.1" };
	char err[256];
	osc_fz.server = osc_new(&osc_fz.app, &o, err, sizeof err);
	if (!osc_fz.server)
		fuzz_fail("osc_new: %s", err);

	osc_fz.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in srv = me;
	srv.sin_port = htons((uint16_t)osc_port(osc_fz.server));
	int big = 4 << 20;
	(void)setsockopt(osc_fz.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (osc_fz.fd < 0 || bind(osc_fz.fd, (struct sockaddr *)&me, sizeof me) != 0 ||
	    connect(osc_fz.fd, (struct sockaddr *)&srv, sizeof srv) != 0)
		fuzz_fail("client socket: %s", strerror(errno));
	/* Nonces nobody can guess from a stored input, so a replayed corpus file
	 * that happens to hold a /fuzzsync address cannot end the wait early. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	osc_fz.nonce = ((uint64_t)ts.tv_nsec << 20) ^ ((uint64_t)ts.tv_sec << 40) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15u;
}

/* An OSC message without arguments: padded address, then ",\0\0\0". */
static size_t osc_fz_message(char *buf, const char *path)
{
	size_t n = strlen(path);
	size_t padded = (n + 4) & ~(size_t)3;
	memset(buf, 0, padded + 4);
	memcpy(buf, path, n);
	buf[padded] = ',';
	return padded + 4;
}

static void osc_fz_send(const void *data, size_t len)
{
	if (send(osc_fz.fd, data, len, 0) < 0 && errno != EMSGSIZE)
		fuzz_fail("send to the OSC server: %s", strerror(errno));
}

static double osc_fz_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* Send a sync message and wait for its reply (resending if it got lost). */
static void osc_fz_sync(void)
{
	char msg[64];
	uint64_t first = osc_fz.nonce + 1;
	double start = osc_fz_ms(), sent = 0;
	for (;;) {
		double now = osc_fz_ms();
		if (now - start > OSC_FZ_SYNC_TIMEOUT_MS)
			fuzz_fail("the OSC server did not answer for %d ms", OSC_FZ_SYNC_TIMEOUT_MS);
		if (sent == 0 || now - sent > OSC_FZ_RESYNC_MS) {
			char path[48];
			snprintf(path, sizeof path, "/fuzzsync/%016llx", (unsigned long long)++osc_fz.nonce);
			osc_fz_send(msg, osc_fz_message(msg, path));
			sent = now;
		}
		struct pollfd pfd = { .fd = osc_fz.fd, .events = POLLIN };
		if (poll(&pfd, 1, OSC_FZ_RESYNC_MS / 4) <= 0)
			continue;
		ssize_t n;
		while ((n = recv(osc_fz.fd, osc_fz.rx, sizeof osc_fz.rx - 1, MSG_DONTWAIT)) >= 0) {
			/* "/error\0\0,ss\0" then the address: look for "/fuzzsync/" + one of our nonces */
			const char *p = osc_fz.rx, *end = osc_fz.rx + n;
			while ((p = memmem(p, (size_t)(end - p), "/fuzzsync/", 10)) && end - p >= 27) {
				unsigned long long got;
				char tail;
				char hex[17];
				memcpy(hex, p + 10, 16);
				hex[16] = 0;
				if (p[26] == 0 && sscanf(hex, "%16llx%c", &got, &tail) == 1 &&
				    got >= first && got <= osc_fz.nonce)
					return;
				p++;
			}
		}
	}
}

static void osc_fz_check_params(void)
{
	const lathe_params *p = osc_fz.app.params;
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		float v = param_get(p, id);
		if (!isfinite(v))
			fuzz_fail("OSC: %s = %g is not finite", pi->path, v);
		if (v < pi->min || v > pi->max)
			fuzz_fail("OSC: %s = %g is outside %g..%g", pi->path, v, pi->min, pi->max);
		if ((pi->step >= 1 || pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE) && v != floorf(v))
			fuzz_fail("OSC: %s = %g is not a whole number", pi->path, v);
	}
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);
int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	if (!osc_fz.server)
		osc_fz_start();
	osc_fz_send(data, size);
	char msg[32];
	osc_fz_send(msg, osc_fz_message(msg, "/unsubscribe"));
	osc_fz_sync();
	osc_fz_check_params();
	params_reset(osc_fz.app.params);
	return 0;
}
