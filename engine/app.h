/* lathe — what the front ends (console, OSC, sessions) share: the parameter
 * store, the meter bus, the JACK client, the analysis thread, and the actions
 * that the sessions module provides.  Dependencies point one way: gui, osc and
 * sessions include this; the engine knows none of them. */
#ifndef LATHE_APP_H
#define LATHE_APP_H

#include "params.h"
#include "bus.h"

struct lathe_jack;
struct analysis;

typedef struct lathe_app lathe_app;

/* What a remote console shows of the session (OSC /session/state), as the
 * sessions module last published it (every 50 ms; the folder every 2 s). */
#define LATHE_SESSION_NAMES 32
typedef struct {
	char name[128];          /* current session, "untitled" when none */
	int dirty;               /* changed since loaded or saved */
	int active_snapshot;     /* 0 = A .. 3 = D whose values are the live ones, -1 none */
	unsigned stored;         /* bit k: snapshot slot k holds a snapshot */
	int undo_steps, redo_steps;
	int n_names;
	char names[LATHE_SESSION_NAMES][64]; /* sessions in the session folder, newest first */
} lathe_session_status;

/* Actions filled in by the sessions module; each returns 0 or -1 with a one-line reason in err. */
typedef struct {
	int (*session_save)(lathe_app *app, const char *name, char *err, int errlen);
	int (*session_load)(lathe_app *app, const char *name, char *err, int errlen);
	int (*snapshot_store)(lathe_app *app, const char *name, char *err, int errlen);
	int (*snapshot_recall)(lathe_app *app, const char *name, char *err, int errlen);
	int (*undo)(lathe_app *app);
	int (*redo)(lathe_app *app);
	/* A copy of the latest published status; never waits on a file (0, or -1 when none yet). */
	int (*status)(lathe_app *app, lathe_session_status *out);
	void *ctx; /* the sessions module's state */
} lathe_actions;

struct lathe_app {
	lathe_params *params;
	lathe_bus *bus;
	struct lathe_jack *jack;        /* NULL when JACK is not used */
	struct analysis *analysis;      /* NULL when not running */
	lathe_actions actions;
	const char *session_file;       /* --session */
	const char *session_dir;        /* --session-dir */
	/* OSC endpoint, for the console's status bar */
	int osc_port;                   /* 0 = off */
	const char *osc_bind;
	int osc_lan;                    /* bound to a non-loopback address */
	jack_ringbuffer_t *gui_meter;   /* the console's meter ring (gui_prepare, before activation) */
};

#endif
