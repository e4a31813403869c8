/* lathe — sessions: named session files, snapshots A-D, undo/redo, autosave,
 * factory presets and the NSM client, tied to the running app.
 *
 * Pieces (each its own file pair): session_file (format, load, save),
 * snapshot (bank and crossfade), undo (history), autosave (when to save),
 * presets (listing), nsm (protocol).  This file wires them to a lathe_app:
 *
 *   - app->actions: session_save/load (names inside the session folder),
 *     snapshot_store/recall ("A".."D"), undo, redo; ctx = this object.
 *     Actions may be called from any thread (the OSC server's included):
 *     every entry point takes the object's lock.  Nothing here is RT code.
 *   - timers on the GLib DEFAULT main context: a 50 ms watcher (undo polling,
 *     autosave every 250 ms, dirty state to NSM, change notification) and a
 *     10 ms (100 Hz) timer while a snapshot fade runs.  main must run a
 *     GMainLoop (headless) or GTK (console).
 *
 * Start-up state, decided by sessions_new():
 *   1. o->session_file: loaded (state, snapshots, connections); an error fails sessions_new;
 *   2. else with o->nsm: nothing until NSM's open (then <prefix>.lathe is loaded or created);
 *   3. else with o->autosave and an autosave file: restored (a broken autosave
 *      is reported on stderr and ignored: lathe starts at defaults).
 *   main must apply --set values AFTER sessions_new, or the load overwrites them.
 *
 * Autosave: $XDG_STATE_HOME/lathe/autosave.lathe (o->state_dir overrides the
 * folder) for the JACK client "lathe", autosave-NAME.lathe for another
 * client name; a running instance locks its own, and a second one that finds
 * it locked takes NAME-01, NAME-02, ... (never the first one's state or
 * connections).  Written within 2 s of any parameter change, snapshot store
 * or JACK connection change, and once more by sessions_free.  Under NSM it is
 * written to nsm-<client id>.lathe in the same folder and never restored
 * (NSM owns the state).
 */
#ifndef LATHE_SESSIONS_H
#define LATHE_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "engine/app.h"
#include "session_file.h"
#include "snapshot.h"
#include "undo.h"
#include "presets.h"
#include "nsm.h"

typedef struct sessions sessions;

typedef struct {
	const char *session_file; /* --session F, or NULL */
	const char *session_dir;  /* --session-dir D, NULL = $XDG_DATA_HOME/lathe/sessions */
	int autosave;             /* write the autosave (and restore it when no session file and no NSM) */
	const char *state_dir;    /* NULL = $XDG_STATE_HOME/lathe (tests point it elsewhere) */
	nsm_client *nsm;          /* NULL, or the NSM client from nsm_client_new (its open may be pending) */
} sessions_opts;

sessions *sessions_new(lathe_app *app, const sessions_opts *o, char *err, int errlen);
/* Stops the timers, writes a last autosave if anything changed since the last one. */
void sessions_free(sessions *s);

/* ---- for the console (paths from file dialogs; not used under NSM) ----
 * app->actions.session_save/load take NAMES only (OSC safety: no '/', no
 * "..").  A file dialog's path goes through these instead, with
 * s = app->actions.ctx. */
int sessions_open_path(sessions *s, const char *path, char *err, int errlen);
int sessions_save_path(sessions *s, const char *path, char *err, int errlen);
/* Save to the current session file (the NSM one under NSM); -1 when untitled. */
int sessions_save_current(sessions *s, char *err, int errlen);
/* Load a preset file: the state only (session file, snapshots, connections stay). */
int sessions_load_preset(sessions *s, const char *path, char *err, int errlen);

/* Snapshot of what the console shows.  Strings are copied into the struct. */
typedef struct {
	char name[128];          /* session name, "untitled" when none */
	char path[1024];         /* session file, "" when untitled */
	bool dirty;              /* changed since the session file was loaded or saved */
	bool stored[SNAPSHOT_SLOTS];
	int active_snapshot;     /* -1 none */
	bool fading;             /* a snapshot recall is gliding */
	int undo_steps, redo_steps;
	bool nsm;                /* under NSM: no file dialogs */
} sessions_state;
void sessions_get_state(sessions *s, sessions_state *out);
/* Recent session files, newest first (at most 10): copies, g_strfreev the result. */
char **sessions_recent(sessions *s);
const char *sessions_dir(const sessions *s);           /* named sessions folder */
const char *sessions_autosave_path(const sessions *s); /* NULL under NSM before its open */
/* "Restored the autosave autosave.lathe from 2026-12-01 22:47:13" when the
 * start-up state came from the autosave, else "": for the status bar. */
const char *sessions_restored_note(const sessions *s);
/* The NSM client given in sessions_opts (NULL when not under NSM): the console
 * installs its show/hide hooks with nsm_client_set_gui_hooks on it. */
nsm_client *sessions_nsm(const sessions *s);
/* Called on the main context after any change of sessions_state (title, buttons). */
void sessions_set_notify(sessions *s, void (*fn)(void *ctx), void *ctx);

/* What the 50 ms timer does, callable by tests with their own clock (µs). */
void sessions_tick(sessions *s, int64_t now_us);
/* Write the autosave now (0 or -1 with err). */
int sessions_autosave_now(sessions *s, char *err, int errlen);

#endif
