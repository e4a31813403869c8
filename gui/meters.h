/* lathe — the meter bridge: peak and true-peak bars with hold, gain
 * reduction, loudness numbers, correlation and goniometer, loudness history,
 * the platform table.  Fed at display rate from the console's tick: the
 * meter ring (per-block peaks and gain reduction straight from the RT thread)
 * and the analysis snapshot (loudness, true peak, goniometer; may be absent).
 * All drawing is cairo in GtkDrawingAreas; per frame only the bars redraw,
 * the slower readouts at 15 Hz and 2 Hz. */
#ifndef LATHE_GUI_METERS_H
#define LATHE_GUI_METERS_H

#include "gtk48.h"
#include "surface.h"

#define GR_HIST_N 160            /* columns of the limiter's GR history (4 s) */

typedef struct meter_bridge {
	lathe_surface *surf;            /* where the meters come from (borrowed) */
	GtkWidget *levels;              /* peak/TP bars and gain reduction */
	GtkWidget *loudness;            /* M / S / I, LRA, PLR, TP max */
	GtkWidget *scope;               /* goniometer and correlation */
	GtkWidget *history;             /* short-term loudness over time, target line */
	GtkWidget *platforms;           /* what each streaming platform would do */

	/* peak ballistics (dB), per channel: [0] L, [1] R */
	float in_db[2], out_db[2];      /* bar height now: instant attack, IEC 60268-18 fall */
	float in_hold[2], out_hold[2];  /* hold line: the highest recent value */
	gint64 in_hold_us[2], out_hold_us[2]; /* when each hold was set */
	float in_max[2], out_max[2];    /* highest sample peak since reset (the numbers) */
	float last_in[2], last_out[2];  /* newest block peak, dB (kept if a tick sees no block) */
	float mb_gr[MB_BANDS], lim_gr;  /* gain reduction shown, dB >= 0 (meter_gr_ballistics) */
	gint64 mb_gr_us[MB_BANDS], lim_gr_us; /* when each was last pushed down (its hold began) */
	float gr_hist[GR_HIST_N];       /* limiter GR history: deepest per column, a ring */
	int gr_hist_pos, gr_hist_n;     /* next column to write, columns filled */
	float gr_col_max;               /* deepest reduction in the column being filled */
	gint64 gr_col_us;               /* when that column began */
	uint32_t overs;                 /* samples over the ceiling since reset (from the ring) */
	gint64 last_frame_us;           /* when the last meter frame arrived */
	gint64 last_us;                 /* previous tick */
	gint64 slow_us, hist_us;        /* last redraw of the 15 Hz and 2 Hz readouts */
	uint64_t frames;                /* meter frames drained, ever */

	gboolean have_snap;             /* analysis running and snapshot valid */
	meter_snapshot snap;            /* newest analysis snapshot */
	float gonio[2 * GONIO_POINTS];  /* (side, mid) pairs, newest last */
	int n_gonio;
	float gonio_gain;               /* goniometer auto-gain (display scale) */
	float *hist;                    /* HISTORY_LEN short-term values, oldest first */
	int n_hist;

	/* the peak meter's scale (/monitor/meter_scale): troughs, marks, numbers
	 * and unit drawn once into an image, and the bars' colour zones, redone
	 * only when the scale or the size changes */
	cairo_surface_t *scale_img;
	cairo_pattern_t *scale_grad;
	int scale_img_scale, scale_img_w, scale_img_h;
} meter_bridge;

meter_bridge *meter_bridge_new(lathe_surface *surf);
void meter_bridge_free(meter_bridge *m);
/* Drain the ring, read the analysis, queue redraws.  now_us: frame clock time. */
void meter_bridge_tick(meter_bridge *m, gint64 now_us);
/* Restart peak holds, maxima, overs and (when running) the analysis. */
void meter_bridge_reset(meter_bridge *m);

/* Gain-reduction ballistics, as a GR meter's: *shown follows a deeper
 * reduction gr (dB >= 0) at once, holds it, then returns slowly; *held_us is
 * when the hold began, dt the time since the last call (s).  TRUE if *shown moved. */
gboolean meter_gr_ballistics(float *shown, gint64 *held_us, float gr, float dt, gint64 now_us);

/* Meter scale: dBFS -> 0..1 of the bar height (expanded near full scale,
 * where mastering decisions are made). */
double meter_deflection(double db);

/* The peak meter's scales, in the order of /monitor/meter_scale's names.
 * The bars always show sample peaks in dBFS; a scale moves only the marks,
 * their numbers, the unit and the colour zones. */
enum { METER_SCALE_DBFS, METER_SCALE_EBU9, METER_SCALE_EBU18, METER_SCALE_K20, METER_SCALE_K14, METER_SCALE_K12,
       METER_SCALES };

typedef struct {
	const char *label;    /* the menu's name: "EBU +9" */
	const char *unit;     /* drawn under the scale: "dBFS", "LU", "K-20" */
	double ref_dbfs;      /* the scale's 0 mark, in dBFS (the reference, drawn apart) */
	double lo, hi;        /* range shown, relative to ref (dB); unused for dBFS */
	double warn, over;    /* colour zones, relative to ref: amber from warn, red from over */
	int marks[16];        /* numbered marks, relative to ref, top first */
	int n_marks;
} meter_scale_def;

const meter_scale_def *meter_scale_get(int scale); /* clamped to a valid scale */
/* dBFS -> 0..1 of the bar height on that scale. */
double meter_scale_deflection(int scale, double dbfs);

#endif
