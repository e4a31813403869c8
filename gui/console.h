/* lathe — the console window: chain strip, section pages, meter bridge,
 * monitor, session bar, status bar, shortcuts.  gui_run() makes one per
 * GtkApplication; the GUI test drives the same object. */
#ifndef LATHE_GUI_CONSOLE_H
#define LATHE_GUI_CONSOLE_H

#include "gtk48.h"
#include "surface.h"
#include "control.h"
#include "meters.h"
#include "eqview.h"

#define CONSOLE_SECTIONS 8

typedef struct console {
	lathe_surface *surf;                 /* what it controls (owned): the local engine or a remote one */
	int link_shown;                      /* surface_link as last shown */
	GtkApplication *gapp;
	GtkWidget *window;                   /* owns this struct */
	GtkWidget *title, *subtitle;         /* session name (+ unsaved marker), its file */
	GtkWidget *hear, *hear_caption;      /* header: what the monitors play (Space's A/B), matched or not */
	gui_control *controls[P_COUNT];      /* one control per registry parameter */
	meter_bridge *meters;
	eq_view *eq;
	GtkWidget *stack;                    /* one page per chain section */
	GtkWidget *section_btn[CONSOLE_SECTIONS]; /* the chain strip's section selectors */
	GtkWidget *section_card[CONSOLE_SECTIONS];
	int section_bypass[CONSOLE_SECTIONS];/* registry id of each section's bypass */
	GtkWidget *eq_band_stack;            /* EQ: the selected band's controls */
	GtkWidget *eq_band_btn[EQ_BANDS];
	GtkWidget *snap_btn[4], *store_btn;
	GtkWidget *mb_band_title[MB_BANDS];  /* "BAND 2 · 120 Hz – 1.00 kHz": follow the crossovers */
	GtkWidget *img_band_title[IMG_BANDS];
	GtkWidget *st_jack, *st_rate, *st_dsp, *st_xruns, *st_latency, *st_osc, *st_msg, *st_fps;
	uint32_t params_gen;                 /* params_generation() at the last sync */
	gboolean hidden_stale;               /* controls off screen may lag the store (synced on map
	                                        and at most every HIDDEN_SYNC_US meanwhile) */
	gint64 hidden_sync_us;               /* when the off-screen controls were last synced */
	uint32_t saved_gen;                  /* params_generation() when the session was last saved/loaded */
	gboolean dirty_shown;                /* unsaved marker as shown */
	gint64 status_us;                    /* last status bar refresh */
	gint64 msg_until_us;                 /* status message expiry */
	gint64 fps_t0;                       /* frame-rate window start */
	int fps_frames;                      /* frames in that window */
	double fps;                          /* measured frames per second */
	uint64_t ticks;                      /* tick callbacks run */
	char session_path[1024];             /* file of the current session, "" if none */
	int snapshot;                        /* last recalled/stored snapshot 0..3, -1 none */
	GtkWidget *shortcuts;                /* F1 window, made on first use */
	/* the monitor section's reference player (issue 13) */
	GtkWidget *ref_choose, *ref_play, *ref_name, *ref_time, *ref_scale;
	gboolean ref_syncing;                /* the widgets are being set from the player's state */
	/* closing with unsaved changes (on_close_request) */
	GtkWidget *close_dialog;             /* Save / Discard / Cancel, while it is up */
	gboolean close_confirmed;            /* the next close-request closes */
	gboolean close_after_save;           /* a Save as… from that dialog closes when it saved */
	guint close_idle;                    /* the close that follows a dialog's answer, pending */
} console;

/* The console of the engine in this process (a local surface on app). */
console *console_new(GtkApplication *gapp, struct lathe_app *app);
/* The console of any surface; it takes surf and frees it with the window. */
console *console_new_surface(GtkApplication *gapp, lathe_surface *surf);
/* Single-key shortcuts (Space, B, M, D, S, F1); returns TRUE if handled. */
gboolean console_handle_key(console *c, guint keyval, GdkModifierType state);
/* Render the whole window with GTK's own renderer. */
GdkTexture *console_render(console *c);
int console_save_png(console *c, const char *path);
/* The Presets menu: factory and user presets with their descriptions, then "save as preset". */
GMenuModel *console_presets_menu(console *c);
/* Save the current state as the user preset NAME ($XDG_DATA_HOME/lathe/presets/NAME.lathe):
 * 0, or -1 with the reason in err; says which in the status bar. */
int console_save_preset(console *c, const char *name, const char *comment, char *err, int errlen);
/* Show a line in the status bar for a few seconds (errors in red). */
void console_message(console *c, const char *text, gboolean error);
/* The Reference… button's action without its dialog (tests): load path as the reference track. */
void console_ref_load(console *c, const char *path);

#endif
