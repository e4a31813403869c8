/* lathe — the console's Album window (issue 15, "In the console").
 *
 * Opens a *.lathe-album (album.h), shows its title, performer and UPC and
 * a table of its tracks (number, title, ISRC, mix file, gap or crossfade,
 * gain) with their QC figures.  "Render and check…" runs the real
 * `lathe album ALBUM OUTDIR --json OUTDIR/qc.json` as a child process (the
 * same binary), shows its progress lines and its one-line error, asks
 * before replacing an earlier delivery (then -y), and fills the QC columns
 * (integrated LUFS, true peak, LRA, PLR, codec preview) from the report.
 *
 * A selected track:
 *   Load           its chain (album_track.chain, read by album_load_chain,
 *                  the loader `lathe album` renders with) into the live
 *                  parameters; the monitor section is left as it is (what
 *                  a snapshot recall leaves: snapshot_param_recalled)
 *   Play / Stop    its mix file through the chain: the JACK client's input
 *                  player (lathe_jack_input_player), loaded off the GTK
 *                  thread at the engine's rate
 *   Save to album  the live chain as a session file beside the album
 *                  ("ALBUM-track-N.lathe") and that track's session= in the
 *                  album file (comments kept, written atomically), so
 *                  album_load reads the new chain back.
 *
 * The window is made on the first win.album (Ctrl+Shift+A, or the header's
 * "Album…" button) and lives as long as the console window. */
#ifndef LATHE_GUI_ALBUMWIN_H
#define LATHE_GUI_ALBUMWIN_H

#include "gtk48.h"
#include "console.h"
#include "../engine/album.h"
#include "../engine/app.h"

enum { AW_NUM, AW_TITLE, AW_ISRC, AW_FILE, AW_GAP, AW_GAIN, AW_LUFS, AW_TP, AW_LRA, AW_PLR, AW_CODEC, AW_COLS };

typedef struct albumwin {
	console *console;                    /* borrowed: the window belongs to it */
	lathe_app *app;
	GtkWidget *window;                   /* NULL once destroyed (callbacks still in flight see it) */
	GtkWidget *title, *details, *qc_summary;
	GtkWidget *list;                     /* GtkListBox, one row per track */
	GtkWidget *rows[ALBUM_MAX_TRACKS];
	GtkWidget *cells[ALBUM_MAX_TRACKS][AW_COLS];
	GtkSizeGroup *cols[AW_COLS];
	GtkWidget *open_btn, *render_btn, *load_btn, *play_btn, *stop_btn, *save_btn;
	GtkWidget *status;                   /* what the last track action did */
	GtkWidget *error;                    /* the render's one-line error */
	GtkWidget *log;                      /* GtkTextView: the render's output */
	GtkWidget *confirm;                  /* the "replace?" question while it is asked */
	album *album;
	char *outdir;                        /* of the last render */
	const char *lathe_exe;               /* the program run for renders: /proc/self/exe (tests: the lathe binary) */
	GSubprocess *proc;                   /* a render running */
	int proc_pending;                    /* its stdout, stderr and exit still to come */
	gboolean proc_replace;               /* it was started with -y */
	char *proc_error;                    /* its last "lathe: ..." line on stderr */
	int renders;                         /* renders finished (tests wait on it) */
	int render_ok;                       /* the last one succeeded */
	int loading;                         /* a Play load is under way */
	int playing;                         /* track index playing, -1 none */
	gint64 status_us;                    /* last transport refresh */
} albumwin;

/* Adds win.album (and its shortcut and header button) to the console. */
void albumwin_install(console *c);
/* The console's Album window, made on first use and presented. */
albumwin *albumwin_show(console *c);
/* Opens an album file: 0, or -1 with "FILE:LINE: reason" shown and in err. */
int albumwin_open_file(albumwin *w, const char *path, char *err, int errlen);
/* Starts `lathe album ALBUM OUTDIR --json OUTDIR/qc.json` (what the button
 * does once a folder is chosen); replace adds -y. */
void albumwin_render(albumwin *w, const char *outdir, gboolean replace);
/* Selects track i (0-based), as a click on its row does. */
void albumwin_select(albumwin *w, int i);

#endif
