/* lathe — New Session Manager client (NSM API 1.1, https://new-session-manager.jackaudio.org/api/).
 *
 * With NSM_URL set, lathe is an NSM client:
 *   1. nsm_client_new() sends /nsm/server/announce with capabilities
 *      ":switch:dirty:optional-gui:" from its own UDP port;
 *   2. the server answers /reply and sends /nsm/client/open (path prefix,
 *      display name, client id).  main waits for it (nsm_client_wait_open)
 *      *before* opening JACK, because the client id is the JACK client name;
 *   3. the sessions module installs hooks (nsm_client_set_hooks): open loads
 *      <prefix>.lathe (or creates it), save writes it; the pending open is
 *      answered as soon as the hooks are in place;
 *   4. dirty/clean changes are reported with /nsm/client/is_dirty and
 *      /nsm/client/is_clean; /nsm/client/show_optional_gui and
 *      hide_optional_gui call the console's hooks and are answered with
 *      /nsm/client/gui_is_shown or gui_is_hidden.
 * Messages are handled on the GLib default main context (nsm_client_attach)
 * or by nsm_client_poll; never on another thread.  SIGTERM (how NSM stops a
 * client) is main's: it quits at once.
 *
 * Not RT code.
 */
#ifndef LATHE_NSM_H
#define LATHE_NSM_H

#include <stdbool.h>

#define NSM_CAPABILITIES ":switch:dirty:optional-gui:"

/* NSM error codes (API 1.1) used in /error replies. */
enum { NSM_ERR_GENERAL = -1, NSM_ERR_NO_SUCH_FILE = -5, NSM_ERR_BAD_PROJECT = -9, NSM_ERR_CREATE_FAILED = -10 };

typedef struct nsm_client nsm_client;

typedef struct {
	/* Open (or create) the session at path_prefix (+ an extension of the client's choice).
	 * Return 0, or -1 with a reason in err. */
	int (*open)(void *ctx, const char *path_prefix, const char *display_name, const char *client_id,
	            char *err, int errlen);
	int (*save)(void *ctx, char *err, int errlen);
	void *ctx;
} nsm_hooks;

/* Announce to the server at url (NSM_URL).  app_name is the pretty name
 * ("lathe"), exe the executable name (argv[0]'s base name).  NULL with err on failure. */
nsm_client *nsm_client_new(const char *url, const char *app_name, const char *exe, char *err, int errlen);
void nsm_client_free(nsm_client *n);

/* Handle what has arrived, waiting up to timeout_ms for the first message.  Returns messages handled. */
int nsm_client_poll(nsm_client *n, int timeout_ms);
/* Block (handling messages) until /nsm/client/open has arrived, or timeout_ms.  0 when it has. */
int nsm_client_wait_open(nsm_client *n, int timeout_ms);
/* Handle messages from the GLib default main context (a watch on the socket). */
void nsm_client_attach(nsm_client *n);

void nsm_client_set_hooks(nsm_client *n, const nsm_hooks *h);
/* The console: called on show_optional_gui / hide_optional_gui.  Without
 * them (headless) a show request is answered with gui_is_hidden. */
void nsm_client_set_gui_hooks(nsm_client *n, void (*show)(void *), void (*hide)(void *), void *ctx);
/* Tell the server the GUI was shown or hidden by the user. */
void nsm_client_gui_state(nsm_client *n, bool shown);
/* Report dirty/clean; sends only when it changes. */
void nsm_client_set_dirty(nsm_client *n, bool dirty);

bool nsm_client_announced(const nsm_client *n);      /* /reply to the announce arrived */
const char *nsm_client_id(const nsm_client *n);       /* NULL until open; use as the JACK client name */
const char *nsm_client_path(const nsm_client *n);     /* path prefix of the open session, or NULL */
const char *nsm_client_display_name(const nsm_client *n);
const char *nsm_client_server_name(const nsm_client *n);
const char *nsm_client_error(const nsm_client *n);    /* last /error from the server, or "" */

#endif
