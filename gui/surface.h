/* lathe — what the console controls, behind one interface (issue 17).
 *
 * A console page reads values, meters and status and runs actions only
 * through a lathe_surface.  Two implementations:
 *   surface_local.c  the engine in this process: its parameter store, its
 *                    meter ring, its analysis thread, the sessions module;
 *   surface_osc.c    an engine elsewhere, over OSC: a mirror store kept up to
 *                    date by /subscribe feedback, meters from /meter bundles,
 *                    actions sent as OSC messages (`lathe console --remote`).
 * If a page needs something only one of them has, this interface grows; the
 * pages never reach into the engine or the sessions module themselves.
 *
 * Values: `params` is a registry store (engine/params.h) the console reads
 * with param_get/param_gen/params_generation like any store; it is the
 * engine's own store locally and the mirror remotely (written by the OSC
 * thread: the store is lock-free, see params.h).  Writes go through
 * surface_set so that the remote one also reaches the engine.
 * Every call is made on the GTK main thread.
 */
#ifndef LATHE_GUI_SURFACE_H
#define LATHE_GUI_SURFACE_H

#include "../engine/params.h"
#include "../engine/bus.h"
#include "../engine/meter/analysis.h"

typedef struct lathe_surface lathe_surface;

/* What the console's link to its engine is doing. */
typedef enum {
	SURFACE_LOCAL,      /* the engine runs in this process */
	SURFACE_CONNECTING, /* remote: asked, no answer yet */
	SURFACE_CONNECTED,  /* remote: handshake done, state read, subscribed */
	SURFACE_GONE,       /* remote: no answer for SURFACE_GONE_MS; retrying */
	SURFACE_MISMATCH,   /* remote: another lathe version or registry; refused */
} surface_link;

/* The session as the title bar and the snapshot buttons show it. */
typedef struct {
	char name[128];          /* session name, "untitled" when none */
	char path[1024];         /* session file, "" when untitled */
	int dirty;               /* changed since loaded or saved */
	int stored[4];           /* snapshots A-D hold something */
	int active_snapshot;     /* -1 none */
	int undo_steps, redo_steps;
	int nsm;                 /* under NSM: no file dialogs */
} surface_session;

/* The status bar's left side. */
typedef struct {
	surface_link link;
	char engine[480];        /* "● JACK lathe", "● remote 10.0.0.2:7770", "● engine gone — ..." */
	const char *engine_class;/* "ok", "bad", "warn" or NULL */
	int have_jack;           /* the numbers below are known */
	int jack_connected;
	uint32_t rate, buffer_size, latency, xruns;
	float dsp_load;
	char osc[160];           /* "OSC udp://127.0.0.1:7770 · this computer only" */
	const char *osc_class;
} surface_status;

/* The reference player's transport (issue 13; engine/player.h). */
typedef struct {
	int loaded;              /* a file is loaded (length > 0) */
	int playing;
	double position, length; /* seconds (remote: position to 0.1 s) */
	char name[256];          /* the file's name without its folder; remote: the name last loaded from here, or "" */
} surface_ref;

/* What an implementation can do (bits of lathe_surface.caps). */
enum {
	SURFACE_CAN_LOAD = 1 << 0,      /* session open (and Open Recent) */
	SURFACE_CAN_SAVE = 1 << 1,
	SURFACE_CAN_SNAP_STORE = 1 << 2,
	SURFACE_CAN_SNAP_RECALL = 1 << 3,
	SURFACE_CAN_UNDO = 1 << 4,
	SURFACE_CAN_PRESETS = 1 << 5,   /* load a preset file */
	SURFACE_CAN_FILES = 1 << 6,     /* paths on this computer (file dialogs); else names in the session folder */
	SURFACE_HAS_SESSIONS = 1 << 7,  /* session_state reports the session (else the console keeps its own record) */
	SURFACE_CAN_ALBUM = 1 << 8,     /* the Album window (needs the local engine) */
};

/* An action's result: done now, refused now (reason in err), or sent (the
 * answer arrives later as a message, see surface_take_message). */
enum { SURFACE_FAILED = -1, SURFACE_DONE = 0, SURFACE_SENT = 1 };

typedef struct {
	int (*set)(lathe_surface *s, int id, float value); /* param_set's result: 0, or < 0 refused (NaN) */
	/* meters */
	int (*read_frame)(lathe_surface *s, meter_frame *out);  /* oldest unread per-block frame: 1, or 0 */
	int (*analysis)(lathe_surface *s, meter_snapshot *out); /* 1 and the newest snapshot, or 0 (none running) */
	int (*gonio)(lathe_surface *s, float *xy, int max_points);
	int (*history)(lathe_surface *s, float *lufs, int max);
	int (*spectrum)(lathe_surface *s, float *pre, float *post); /* 1 when there is one */
	void (*loudness_reset)(lathe_surface *s);
	/* actions */
	int (*learn)(lathe_surface *s, float *drive, char *err, int errlen);
	int (*session_open)(lathe_surface *s, const char *path, char *err, int errlen);
	int (*session_save)(lathe_surface *s, const char *path, char *err, int errlen);
	int (*session_state)(lathe_surface *s, surface_session *out); /* 1 if known */
	char **(*recent)(lathe_surface *s);                           /* g_strfreev; NULL none */
	int (*load_preset)(lathe_surface *s, const char *path, char *err, int errlen);
	int (*snapshot)(lathe_surface *s, const char *name, int store, char *err, int errlen);
	int (*undo)(lathe_surface *s, int redo);
	const char *(*restored_note)(lathe_surface *s);
	/* the reference player: load a file (remote: only its name is sent, and
	 * the file must be in the engine's session folder), play/stop, seek */
	int (*ref_load)(lathe_surface *s, const char *path, char *err, int errlen);
	int (*ref_play)(lathe_surface *s, int on, char *err, int errlen);
	void (*ref_seek)(lathe_surface *s, double seconds);
	int (*ref_state)(lathe_surface *s, surface_ref *out); /* 1 if known */
	/* status, and the answers of actions that were sent */
	void (*status)(lathe_surface *s, surface_status *out);
	int (*take_message)(lathe_surface *s, char *text, int len, int *error);
	void (*free)(lathe_surface *s);
} surface_ops;

struct lathe_surface {
	const surface_ops *ops;
	lathe_params *params;     /* the values the console shows (engine store or mirror) */
	unsigned caps;            /* SURFACE_CAN_* */
	const char *session_dir;  /* for file dialogs, or NULL */
	const char *session_file; /* --session, or NULL */
	struct lathe_app *local;  /* the local engine (the Album window); NULL when remote */
	void *state;              /* the implementation's */
};

/* The engine in this process (engine/app.h); app outlives the surface. */
struct lathe_app;
lathe_surface *surface_local_new(struct lathe_app *app);

/* An engine reached over OSC at host:port (UDP): starts the client thread,
 * returns at once (status CONNECTING).  NULL with the reason in err for a
 * host that does not resolve. */
lathe_surface *surface_osc_new(const char *host, int port, char *err, int errlen);
/* Remote only: bytes received / sent so far (for the bandwidth report). */
void surface_osc_traffic(lathe_surface *s, uint64_t *rx, uint64_t *tx);

void surface_free(lathe_surface *s);

static inline int surface_set(lathe_surface *s, int id, float v) { return s->ops->set(s, id, v); }

/* Presets, the same for both: files on this computer (sessions/presets.h). */
typedef struct { char *name, *comment, *path; } surface_preset;
int surface_presets(surface_preset **out);          /* count; surface_presets_free(list, n) */
void surface_presets_free(surface_preset *list, int n);
/* Write the values shown now as preset file DIR/NAME.lathe; 0 or -1 with err. */
int surface_save_preset(lathe_surface *s, const char *dir, const char *name, const char *comment, char **path,
                        char *err, int errlen);

#endif
