/* lathe — the EQ display: input and output spectra behind the EQ's response
 * curve, one node per band.  Drag a node for frequency (across) and gain
 * (up/down), Shift for fine; scroll over it for Q; double-click (or
 * Ctrl+click) resets the band.  Writes go through param_set like every other
 * control; what is drawn is always what the store holds. */
#ifndef LATHE_GUI_EQVIEW_H
#define LATHE_GUI_EQVIEW_H

#include "gtk48.h"
#include "../engine/app.h"
#include "../engine/meter/analysis.h"

#define EQ_CURVE_MAX 2048
#define EQ_CURVE_STEP 2

typedef struct eq_view {
	lathe_app *app;                  /* borrowed */
	GtkWidget *area;                 /* the GtkDrawingArea; owns this struct */
	float pre[SPECTRUM_BINS];        /* chain-input spectrum, dB per log bin */
	float post[SPECTRUM_BINS];       /* master spectrum */
	gboolean have_spectrum;
	uint32_t eq_gen;                 /* sum of the EQ parameters' generations at the last draw */
	gint64 spectrum_us;              /* last spectrum read */
	int drag_band;                   /* band being dragged, -1 none */
	float drag_freq, drag_gain;      /* its frequency and gain when the drag began */
	double drag_last_x, drag_last_y; /* last drag offsets (Shift makes the rest fine) */
	double pointer_x, pointer_y;     /* last pointer position, for the wheel */
	int hover_band;                  /* node under the pointer, -1 none */
	void (*on_select)(int band, void *ud); /* a node was grabbed: show that band's controls */
	void *select_ud;
	double rate;                     /* sample rate the curve is drawn for (the engine's) */
	/* The curves, computed only when the EQ changed or the plot was resized:
	 * one point every EQ_CURVE_STEP pixels, dB. */
	int curve_n;                     /* points in use */
	double curve_w;                  /* plot width they were computed for */
	uint32_t curve_gen;              /* eq generation they were computed for */
	double curve_rate;               /* sample rate they were computed for */
	uint32_t band_gen[EQ_BANDS];     /* each band's generation its curve was computed for */
	gboolean curve_pending;          /* some bands still show older values (see update_curves) */
	int band_next;                   /* where the next frame starts looking for a stale band */
	double band_db[EQ_BANDS][EQ_CURVE_MAX]; /* band_curve unrounded, summed into curve */
	float curve[EQ_CURVE_MAX];       /* the whole EQ */
	float band_curve[EQ_BANDS][EQ_CURVE_MAX]; /* each band alone (0 when bypassed) */
	/* Dynamic bands: the range (the band alone at static + range) drawn as a
	 * shaded area against its static curve, and the band at its live gain
	 * (from the analysis snapshot, /meter/eq/N/gain) in the whole curve. */
	gboolean dyn[EQ_BANDS];          /* band b is dynamic (and on, and has a gain) in the curves */
	float range_curve[EQ_BANDS][EQ_CURVE_MAX]; /* band b alone at static + range, dB */
	double live_db[EQ_BANDS][EQ_CURVE_MAX];    /* band b alone at its live gain, dB */
	float live_gain[EQ_BANDS];       /* the live gain live_db was computed for */
	gint64 live_us;                  /* last live-gain read */
} eq_view;

eq_view *eq_view_new(lathe_app *app);
/* Redraw when the EQ changed or a new spectrum is due (25 Hz). */
void eq_view_tick(eq_view *v, gint64 now_us);
/* Colour of band b (0-based), shared with the band columns. */
void eq_band_color(int b, GdkRGBA *out);
/* Response of the EQ in dB at f (what the curve draws). */
double eq_view_response_db(const eq_view *v, double f);
/* Where frequency f (Hz) and level db sit in the widget (for tests). */
void eq_view_point(const eq_view *v, double f, double db, double *x, double *y);
/* The live gain band b is drawn at, dB; NAN when the band is not drawn as dynamic. */
double eq_view_live_gain(const eq_view *v, int b);

#endif
