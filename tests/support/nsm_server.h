/* lathe tests — a small NSM server written with liblo (Debian has no nsmd):
 * it records every message it gets, for the tests to look for and answer. */
#ifndef LATHE_NSM_SERVER_H
#define LATHE_NSM_SERVER_H

#include <lo/lo.h>

#define NSM_SERVER_MAX_MSGS 256

typedef struct {
	char path[64];
	char types[16];
	char s[6][512];   /* string arguments by position */
	int i[6];         /* int arguments by position */
	char *src_url;    /* who sent it */
} nsm_msg;

typedef struct {
	lo_server lo;     /* UDP, any port: answer with lo_send_from(addr, lo, ...) */
	char *url;        /* its URL, for NSM_URL */
	nsm_msg got[NSM_SERVER_MAX_MSGS];
	int n_got;
} nsm_server;

/* NULL when liblo cannot open a port. */
nsm_server *nsm_server_new(void);
void nsm_server_free(nsm_server *ns);
/* Runs the default GLib main context and receives messages for ms. */
void nsm_server_pump(nsm_server *ns, int ms);
/* Index of the first message with this path (and first string argument,
 * unless arg0 is NULL) at or after from, or -1. */
int nsm_server_find(const nsm_server *ns, const char *path, const char *arg0, int from);
/* The same, pumping for up to ms until it comes. */
int nsm_server_wait(nsm_server *ns, const char *path, const char *arg0, int from, int ms);

#endif
