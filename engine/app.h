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

/* Actions filled in by the sessions module; each returns 0 or -1 with a one-line reason in err. */
typedef struct {
	int (*session_save)(lathe_app *app, const char *name, char *err, int errlen);
	int (*session_load)(lathe_app *app, const char *name, char *err, int errlen);
	int (*snapshot_store)(lathe_app *app, const char *name, char *err, int errlen);
	int (*snapshot_recall)(lathe_app *app, const char *name, char *err, int errlen);
	int (*undo)(lathe_app *app);
	int (*redo)(lathe_app *app);
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
