/* lathe — factory presets: session files in sessions/presets/ (source tree)
 * and $(PREFIX)/share/lathe/presets (installed by make install).
 *
 * A preset is an ordinary session file; loading one replaces the current
 * state (one undo step) and keeps the session name, snapshots and
 * connections.  Not RT code.
 */
#ifndef LATHE_PRESETS_H
#define LATHE_PRESETS_H

#ifndef LATHE_PRESET_DIR
#define LATHE_PRESET_DIR "/usr/local/share/lathe/presets" /* $(PREFIX)/share/lathe/presets for the default PREFIX */
#endif

typedef struct {
	char *name;    /* file name without .lathe: "streaming" */
	char *path;    /* full path */
	char *comment; /* [session] comment=: what it is for */
} preset_info;

/* Folders searched, first wins for a name: $LATHE_PRESETS, $LATHE_SRC/sessions/presets,
 * sessions/presets next to the running executable (a build in the source tree),
 * EXE_DIR/../share/lathe/presets, each XDG data dir's lathe/presets, LATHE_PRESET_DIR.
 * NULL-terminated, g_strfreev it. */
char **presets_dirs(void);
/* The presets in dirs (NULL = presets_dirs()), sorted by name, one per name.
 * Returns the count; *out gets an array to free with presets_free. */
int presets_list(char **dirs, preset_info **out);
void presets_free(preset_info *list, int n);
/* Path of the preset called name (g_free it), or NULL. */
char *presets_find(char **dirs, const char *name);

#endif
