/* lathe — session files (*.lathe): reading, validating and writing them.
 *
 * Format (GLib GKeyFile, UTF-8):
 *
 *   # lathe session                       <- comment lines are free text
 *   [session]
 *   format=1                              <- refused when missing, unknown or newer
 *   keys=412                              <- key lines below [session]; a file cut short is refused
 *                                            (optional: presets and hand-written files leave it out;
 *                                            delete it when you add or remove lines by hand)
 *   name=My master
 *   date=2026-11-25T08:00:00Z
 *   version=0.1
 *   comment=what this is for
 *   active=A                              <- snapshot last stored or recalled (optional)
 *   file=/path/x.lathe                    <- autosaves only: the session file the state came from
 *   [current]                             <- THE state: one key per registry path
 *   /input/gain=-1.5
 *   /eq/3/type=bell                       <- enums by name (an index is accepted when reading)
 *   /eq/3/bypass=off                      <- toggles on/off (1/0, true/false accepted)
 *   [A] ... [D]                           <- stored snapshots, same keys as [current]
 *   [connections]
 *   lathe:in_L=player:out_1;              <- our port = its peers (a GKeyFile string list)
 *
 * The current state lives in its own [current] group, not in the group of
 * the active snapshot: a snapshot is a frozen comparison point, the current
 * state is what you hear, and they differ the moment a control moves.
 * Floats are written with %.9g, which gives back the same float bits.
 * A group may leave parameters out: they take their defaults (presets list
 * only what they change).  [current] must be there.
 *
 * Reading refuses what is not a regular file (a FIFO would block the open,
 * /dev/zero never ends) before opening it, and reads at most 4 MB.  A UTF-8
 * byte order mark at the start is skipped (editors write one).  Values go
 * through param_parse_text, the parser --set and OSC strings use too.
 *
 * Reading is all or nothing: everything is parsed and validated into
 * temporary storage first; any error leaves the caller's state untouched and
 * gives "FILE:LINE: reason" (GKeyFile does not give line numbers, so the text
 * is scanned line by line as well).  Out-of-range values are refused, not
 * clamped: a session that cannot be reproduced exactly should not load.
 *
 * Saves are atomic: temporary file in the same folder, fsync, rename, then an
 * fsync of the folder (g_file_set_contents_full with DURABLE); on failure the
 * old file is left as it was.
 *
 * Not RT code.
 */
#ifndef LATHE_SESSION_FILE_H
#define LATHE_SESSION_FILE_H

#include <stddef.h>
#include "engine/params.h"
#include "snapshot.h"

#define SESSION_FORMAT 1
#define SESSION_EXT ".lathe"
#ifndef LATHE_VERSION
#define LATHE_VERSION "0.1"
#endif

/* What a session file says besides parameter values. */
typedef struct {
	char name[128];
	char comment[512];
	char date[64];
	char version[32];
	char file[1024];  /* autosaves only: the session file this state belongs to ("" none) */
} session_meta;

/* Load a session file into the store: all or nothing.  Returns 0, or -1 with
 * "FILE:LINE: reason" in err.  `connections` (may be NULL) receives the
 * [connections] text as "ours\ttheirs\n" lines (free with free(); NULL when
 * the file has none). */
int session_load_file(lathe_params *p, const char *path, char **connections, char *err, int errlen);
/* Save the store (as [current]) atomically.  connections may be NULL. */
int session_save_file(const lathe_params *p, const char *path, const char *connections, char *err, int errlen);

/* The whole file.  Every output may be NULL.  On success `current` holds the
 * file's state (defaults where it is silent) and `snaps` its snapshots
 * (fade state reset).  On error nothing is written to the outputs. */
int session_file_read(const char *path, lathe_params *current, snapshot_bank *snaps, session_meta *meta,
                      char **connections, char *err, int errlen);
/* Same from text in memory; `fname` names it in errors. */
int session_text_read(const char *text, size_t len, const char *fname, lathe_params *current,
                      snapshot_bank *snaps, session_meta *meta, char **connections, char *err, int errlen);
/* The text of a session file (g_free it).  snaps, meta and connections may be NULL. */
char *session_text_write(const lathe_params *current, const snapshot_bank *snaps, const session_meta *meta,
                         const char *connections, size_t *len);
int session_file_write(const char *path, const lathe_params *current, const snapshot_bank *snaps,
                       const session_meta *meta, const char *connections, char *err, int errlen);

/* A session name as given to /session/save and /session/load: not empty, no
 * '/', no "..", no leading '.', no control characters, at most 100 bytes.
 * Returns 0 or -1 with the reason in err. */
int session_name_check(const char *name, char *err, int errlen);
/* dir/name.lathe (".lathe" not doubled) for a checked name; g_free the result, NULL with err on a bad name. */
char *session_name_path(const char *dir, const char *name, char *err, int errlen);

#endif
