/* OSC test client shared by the OSC suites: plain UDP sockets (so a client
 * can bind 127.0.0.2), messages encoded and decoded by liblo, bundles
 * flattened.  Header-only (static inline) so each test binary stays one file. */
#ifndef LATHE_TEST_OSC_CLIENT_H
#define LATHE_TEST_OSC_CLIENT_H

#include <arpa/inet.h>
#include <check.h>
#include <lo/lo.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- a small liblo-based client on a plain socket (so it can bind 127.0.0.2) ---- */

typedef struct {
	char path[128];
	char types[32];
	int argc;
	float f[8];
	int32_t i[8];
	char s[12][160]; /* strings in order (a /param carries up to 9: path, unit, curve, enum names) */
	double t; /* arrival, monotonic seconds */
	unsigned char b[528]; /* the first blob argument (the scopes are at most 512 bytes) */
	int blen;             /* its size; -1 when none */
} rx_msg;

#define RXQ 4096
typedef struct {
	int fd;
	struct sockaddr_in srv;
	rx_msg *q; /* decoded, not yet consumed */
	int nq;
	int datagrams; /* datagrams received (bundles count once) */
	size_t bytes;  /* UDP payload bytes received */
} client;

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static inline client *cl_new(const char *ip, int port)
{
	client *c = calloc(1, sizeof *c);
	c->q = calloc(RXQ, sizeof *c->q);
	c->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(c->fd, 0);
	int big = 1 << 21;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, ip, &a.sin_addr);
	ck_assert_int_eq(bind(c->fd, (struct sockaddr *)&a, sizeof a), 0);
	c->srv.sin_family = AF_INET;
	c->srv.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &c->srv.sin_addr);
	return c;
}

static inline void cl_free(client *c)
{
	close(c->fd);
	free(c->q);
	free(c);
}

static inline void cl_send_raw(client *c, const void *data, size_t n)
{
	ck_assert_int_eq((int)sendto(c->fd, data, n, 0, (struct sockaddr *)&c->srv, sizeof c->srv), (int)n);
}

static inline void cl_send(client *c, const char *path, lo_message m)
{
	size_t n;
	void *d = lo_message_serialise(m, path, NULL, &n);
	cl_send_raw(c, d, n);
	free(d);
	lo_message_free(m);
}

static inline lo_message M(void) { return lo_message_new(); }
static inline lo_message Mf(float v) { lo_message m = lo_message_new(); lo_message_add_float(m, v); return m; }
static inline lo_message Mi(int v) { lo_message m = lo_message_new(); lo_message_add_int32(m, v); return m; }
static inline lo_message Mtf(int on)
{
	lo_message m = lo_message_new();
	if (on)
		lo_message_add_true(m);
	else
		lo_message_add_false(m);
	return m;
}
static inline lo_message Ms(const char *v) { lo_message m = lo_message_new(); lo_message_add_string(m, v); return m; }

static inline void decode_one(client *c, const char *data, size_t n, double t)
{
	if (n >= 8 && !memcmp(data, "#bundle", 8)) {
		size_t pos = 16;
		while (pos + 4 <= n) {
			uint32_t len = ntohl(*(const uint32_t *)(data + pos));
			pos += 4;
			if (len > n - pos)
				break;
			decode_one(c, data + pos, len, t);
			pos += len;
		}
		return;
	}
	int res;
	lo_message m = lo_message_deserialise((void *)data, n, &res);
	if (!m || c->nq >= RXQ) {
		if (m)
			lo_message_free(m);
		return;
	}
	rx_msg *r = &c->q[c->nq++];
	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s", data);
	const char *types = lo_message_get_types(m);
	snprintf(r->types, sizeof r->types, "%s", types);
	r->argc = lo_message_get_argc(m);
	lo_arg **argv = lo_message_get_argv(m);
	int ns = 0;
	r->blen = -1;
	for (int k = 0; k < r->argc && k < 31; k++) {
		if (types[k] == 'b' && r->blen < 0) {
			int bl = lo_blob_datasize((lo_blob)argv[k]);
			r->blen = bl < (int)sizeof r->b ? bl : (int)sizeof r->b;
			memcpy(r->b, lo_blob_dataptr((lo_blob)argv[k]), (size_t)r->blen);
		}
		/* lo_arg is only 4-byte aligned in the packet: copy, don't dereference the union */
		if (types[k] == 'f' && k < 8)
			memcpy(&r->f[k], argv[k], sizeof(float));
		if (types[k] == 'i' && k < 8)
			memcpy(&r->i[k], argv[k], sizeof(int32_t));
		if (types[k] == 's' && ns < 12)
			snprintf(r->s[ns++], sizeof r->s[0], "%s", (const char *)argv[k]);
	}
	r->t = t;
	lo_message_free(m);
}

/* Reads what arrives within ms into the queue. */
static inline void cl_pump(client *c, int ms)
{
	double end = now_s() + ms / 1000.0;
	static char buf[65536];
	for (;;) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, left > 0 ? left : 0) <= 0)
			return;
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n > 0) {
			c->datagrams++;
			c->bytes += (size_t)n;
			decode_one(c, buf, (size_t)n, now_s());
		}
	}
}

/* Waits for the first message on path (removing it and everything before it). */
static inline int cl_wait(client *c, const char *path, rx_msg *out, int ms)
{
	double end = now_s() + ms / 1000.0;
	for (;;) {
		for (int k = 0; k < c->nq; k++) {
			if (!strcmp(c->q[k].path, path)) {
				if (out)
					*out = c->q[k];
				memmove(c->q, c->q + k + 1, (size_t)(c->nq - k - 1) * sizeof *c->q);
				c->nq -= k + 1;
				return 1;
			}
		}
		c->nq = 0;
		int left = (int)((end - now_s()) * 1000);
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, left) <= 0)
			return 0;
		static char buf[65536];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n > 0) {
			c->datagrams++;
			c->bytes += (size_t)n;
			decode_one(c, buf, (size_t)n, now_s());
		}
	}
}

static inline void cl_drain(client *c)
{
	cl_pump(c, 50);
	c->nq = 0;
}

#endif
