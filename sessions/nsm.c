/* lathe — New Session Manager client (see nsm.h). */
#include "nsm.h"

#include <glib.h>
#include <glib-unix.h>
#include <lo/lo.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* liblo hands out arguments that are not aligned for the lo_arg union
 * (UBSan flags a member access): read them through char pointers. */
static const char *lo_str(lo_arg *a) { return (const char *)a; }

struct nsm_client {
	lo_server server;          /* our UDP port: the server replies and sends commands here */
	lo_address nsm;            /* the server (NSM_URL) */
	bool announced;            /* its /reply to /nsm/server/announce came */
	char *server_name;         /* from that reply */
	char *error;               /* last /error text, "" when none */

	bool open_pending;         /* /nsm/client/open arrived, not yet answered (no hooks yet) */
	bool opened;               /* an open has been received */
	char *path, *display_name, *client_id;

	nsm_hooks hooks;
	void (*show)(void *), (*hide)(void *);
	void *gui_ctx;
	int dirty;                 /* last state reported: -1 none yet, 0 clean, 1 dirty */
	guint watch;               /* GLib source id of the socket watch, 0 when not attached */
};

static void send_reply(nsm_client *n, const char *path, const char *msg)
{
	lo_send_from(n->nsm, n->server, LO_TT_IMMEDIATE, "/reply", "ss", path, msg);
}

static void send_error(nsm_client *n, const char *path, int code, const char *msg)
{
	lo_send_from(n->nsm, n->server, LO_TT_IMMEDIATE, "/error", "sis", path, code, msg);
}

/* Answer a pending open through the hooks. */
static void dispatch_open(nsm_client *n)
{
	if (!n->open_pending || !n->hooks.open)
		return;
	n->open_pending = false;
	char err[512] = "";
	if (n->hooks.open(n->hooks.ctx, n->path, n->display_name, n->client_id, err, sizeof err) == 0) {
		send_reply(n, "/nsm/client/open", "opened");
		n->dirty = -1;
		nsm_client_set_dirty(n, false);
	} else {
		send_error(n, "/nsm/client/open", NSM_ERR_BAD_PROJECT, err[0] ? err : "cannot open");
	}
}

static int on_open(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	g_free(n->path);
	g_free(n->display_name);
	g_free(n->client_id);
	n->path = g_strdup(lo_str(argv[0]));
	n->display_name = g_strdup(lo_str(argv[1]));
	n->client_id = g_strdup(lo_str(argv[2]));
	n->opened = true;
	n->open_pending = true;
	dispatch_open(n);
	return 0;
}

static int on_save(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	char err[512] = "";
	if (!n->hooks.save) {
		send_error(n, "/nsm/client/save", NSM_ERR_GENERAL, "no session open");
	} else if (n->hooks.save(n->hooks.ctx, err, sizeof err) == 0) {
		send_reply(n, "/nsm/client/save", "saved");
		nsm_client_set_dirty(n, false);
	} else {
		send_error(n, "/nsm/client/save", NSM_ERR_GENERAL, err[0] ? err : "cannot save");
	}
	return 0;
}

static int on_show(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	if (n->show) {
		n->show(n->gui_ctx);
		nsm_client_gui_state(n, true);
	} else {
		nsm_client_gui_state(n, false); /* headless: there is nothing to show */
	}
	return 0;
}

static int on_hide(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	if (n->hide)
		n->hide(n->gui_ctx);
	nsm_client_gui_state(n, false);
	return 0;
}

static int on_reply(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	if (argc >= 1 && types[0] == 's' && !strcmp(lo_str(argv[0]), "/nsm/server/announce")) {
		n->announced = true;
		g_free(n->server_name);
		n->server_name = g_strdup(argc >= 3 && types[2] == 's' ? lo_str(argv[2]) : "");
	}
	return 0;
}

static int on_error(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_client *n = ud;
	if (argc >= 3 && types[2] == 's') {
		g_free(n->error);
		n->error = g_strdup_printf("%s: %s", types[0] == 's' ? lo_str(argv[0]) : "?", lo_str(argv[2]));
	}
	return 0;
}

/* Requests the server may send that need no action. */
static int on_ignore(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	return 0;
}

static void lo_err(int num, const char *msg, const char *where)
{
	(void)num, (void)msg, (void)where; /* liblo reports bad packets here; nothing to do */
}

nsm_client *nsm_client_new(const char *url, const char *app_name, const char *exe, char *err, int errlen)
{
	if (!url || !*url) {
		snprintf(err, (size_t)errlen, "NSM_URL is empty");
		return NULL;
	}
	nsm_client *n = g_new0(nsm_client, 1);
	n->dirty = -1;
	n->error = g_strdup("");
	n->nsm = lo_address_new_from_url(url);
	if (!n->nsm) {
		snprintf(err, (size_t)errlen, "NSM_URL '%s' is not an OSC URL", url);
		g_free(n->error);
		g_free(n);
		return NULL;
	}
	/* Same protocol as the server (NSM uses UDP); any free port. */
	n->server = lo_server_new_with_proto(NULL, lo_address_get_protocol(n->nsm), lo_err);
	if (!n->server) {
		snprintf(err, (size_t)errlen, "cannot open an OSC port for NSM");
		lo_address_free(n->nsm);
		g_free(n->error);
		g_free(n);
		return NULL;
	}
	lo_server_add_method(n->server, "/nsm/client/open", "sss", on_open, n);
	lo_server_add_method(n->server, "/nsm/client/save", "", on_save, n);
	lo_server_add_method(n->server, "/nsm/client/show_optional_gui", "", on_show, n);
	lo_server_add_method(n->server, "/nsm/client/hide_optional_gui", "", on_hide, n);
	lo_server_add_method(n->server, "/nsm/client/session_is_loaded", NULL, on_ignore, n);
	lo_server_add_method(n->server, "/reply", NULL, on_reply, n);
	lo_server_add_method(n->server, "/error", NULL, on_error, n);
	/* API 1.1: application name, capabilities, executable, major, minor, pid. */
	if (lo_send_from(n->nsm, n->server, LO_TT_IMMEDIATE, "/nsm/server/announce", "sssiii", app_name,
	                 NSM_CAPABILITIES, exe, 1, 1, (int)getpid()) < 0) {
		snprintf(err, (size_t)errlen, "cannot send the announce to NSM at %s: %s", url, lo_address_errstr(n->nsm));
		nsm_client_free(n);
		return NULL;
	}
	return n;
}

void nsm_client_free(nsm_client *n)
{
	if (!n)
		return;
	if (n->watch)
		g_source_remove(n->watch);
	lo_server_free(n->server);
	lo_address_free(n->nsm);
	g_free(n->server_name);
	g_free(n->error);
	g_free(n->path);
	g_free(n->display_name);
	g_free(n->client_id);
	g_free(n);
}

int nsm_client_poll(nsm_client *n, int timeout_ms)
{
	int handled = 0;
	while (lo_server_recv_noblock(n->server, handled ? 0 : timeout_ms) > 0)
		handled++;
	return handled;
}

int nsm_client_wait_open(nsm_client *n, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (!n->opened) {
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		if (left <= 0)
			return -1;
		nsm_client_poll(n, left > 100 ? 100 : (int)left);
	}
	return 0;
}

static gboolean on_socket(gint fd, GIOCondition cond, gpointer ud)
{
	nsm_client_poll(ud, 0);
	return G_SOURCE_CONTINUE;
}

void nsm_client_attach(nsm_client *n)
{
	if (!n->watch)
		n->watch = g_unix_fd_add(lo_server_get_socket_fd(n->server), G_IO_IN, on_socket, n);
}

void nsm_client_set_hooks(nsm_client *n, const nsm_hooks *h)
{
	n->hooks = *h;
	dispatch_open(n);
}

void nsm_client_set_gui_hooks(nsm_client *n, void (*show)(void *), void (*hide)(void *), void *ctx)
{
	n->show = show;
	n->hide = hide;
	n->gui_ctx = ctx;
}

void nsm_client_gui_state(nsm_client *n, bool shown)
{
	lo_send_from(n->nsm, n->server, LO_TT_IMMEDIATE, shown ? "/nsm/client/gui_is_shown" : "/nsm/client/gui_is_hidden",
	             "");
}

void nsm_client_set_dirty(nsm_client *n, bool dirty)
{
	if (n->dirty == (int)dirty)
		return;
	n->dirty = dirty;
	lo_send_from(n->nsm, n->server, LO_TT_IMMEDIATE, dirty ? "/nsm/client/is_dirty" : "/nsm/client/is_clean", "");
}

bool nsm_client_announced(const nsm_client *n) { return n->announced; }
const char *nsm_client_id(const nsm_client *n) { return n->client_id; }
const char *nsm_client_path(const nsm_client *n) { return n->path; }
const char *nsm_client_display_name(const nsm_client *n) { return n->display_name; }
const char *nsm_client_server_name(const nsm_client *n) { return n->server_name ? n->server_name : ""; }
const char *nsm_client_error(const nsm_client *n) { return n->error; }
