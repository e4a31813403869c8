/* lathe — the EQ display (see eqview.h). */
#include "eqview.h"
#include "../engine/dsp/eq.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define F_MIN 20.0
#define F_MAX 20000.0
#define DB_RANGE 20.0        /* curve: +-20 dB over the plot height */
#define SPEC_TOP 6.0         /* spectrum: +6 .. -90 dB over the plot height */
#define SPEC_BOTTOM -90.0
#define NODE_R 7.0
#define HIT_R 16.0
#define SPECTRUM_US (G_USEC_PER_SEC / 25)
#define PAD_L 34.0
#define PAD_R 10.0
#define PAD_T 8.0
#define PAD_B 18.0

static const char *const band_hex[EQ_BANDS] = { "#ff6b6b", "#ffa94d", "#ffd43b", "#8ce99a", "#3bc9db", "#4dabf7", "#9775fa", "#f783ac" };

void eq_band_color(int b, GdkRGBA *out) { gdk_rgba_parse(out, band_hex[b % EQ_BANDS]); }

/* The curve is the EQ module's own response (eq_response_db: the same
 * designs the audio runs through), so what is drawn is what is heard. */
double eq_view_response_db(const eq_view *v, double f)
{
	return eq_response_db(v->surf->params, v->rate > 0 ? v->rate : 48000.0, f);
}

/* ---- geometry ---- */

typedef struct { double x0, y0, w, h; } plot_rect;

static plot_rect plot_of(GtkWidget *w)
{
	plot_rect r = { PAD_L, PAD_T, gtk_widget_get_width(w) - PAD_L - PAD_R, gtk_widget_get_height(w) - PAD_T - PAD_B };
	return r;
}
static double x_of(const plot_rect *r, double f) { return r->x0 + r->w * log(f / F_MIN) / log(F_MAX / F_MIN); }
static double f_of(const plot_rect *r, double x) { return F_MIN * pow(F_MAX / F_MIN, (x - r->x0) / r->w); }
static double y_of(const plot_rect *r, double db) { return r->y0 + r->h * (0.5 - db / (2 * DB_RANGE)); }
static double ys_of(const plot_rect *r, double db) { return r->y0 + r->h * (SPEC_TOP - db) / (SPEC_TOP - SPEC_BOTTOM); }

static gboolean band_has_gain(int type) { return type == EQ_BELL || type == EQ_LOW_SHELF || type == EQ_HIGH_SHELF || type == EQ_TILT; }

static void node_pos(const eq_view *v, const plot_rect *r, int b, double *x, double *y)
{
	const lathe_params *p = v->surf->params;
	int type = param_get_int(p, P_EQ_TYPE + b);
	*x = x_of(r, param_get(p, P_EQ_FREQ + b));
	*y = y_of(r, band_has_gain(type) ? param_get(p, P_EQ_GAIN + b) : 0.0);
}

static int hit(const eq_view *v, double x, double y)
{
	plot_rect r = plot_of(v->area);
	int best = -1;
	double bd = HIT_R * HIT_R;
	for (int b = 0; b < EQ_BANDS; b++) {
		double nx, ny;
		node_pos(v, &r, b, &nx, &ny);
		double d = (nx - x) * (nx - x) + (ny - y) * (ny - y);
		if (d < bd) {
			bd = d;
			best = b;
		}
	}
	return best;
}

static void spectrum_path(cairo_t *cr, const plot_rect *r, const float *db)
{
	cairo_move_to(cr, r->x0, r->y0 + r->h);
	for (int i = 0; i < SPECTRUM_BINS; i++) {
		double x = r->x0 + r->w * i / (SPECTRUM_BINS - 1.0);
		double d = CLAMP(db[i], SPEC_BOTTOM, SPEC_TOP);
		cairo_line_to(cr, x, ys_of(r, d));
	}
	cairo_line_to(cr, r->x0 + r->w, r->y0 + r->h);
	cairo_close_path(cr);
}

static uint32_t eq_generation(const lathe_params *p);

/* What one band's curve depends on (the whole EQ's bypass included). */
static uint32_t band_generation(const lathe_params *p, int b)
{
	return param_gen(p, P_EQ_BYPASS) + param_gen(p, P_EQ_TYPE + b) + param_gen(p, P_EQ_FREQ + b) +
	       param_gen(p, P_EQ_GAIN + b) + param_gen(p, P_EQ_Q + b) + param_gen(p, P_EQ_SLOPE + b) +
	       param_gen(p, P_EQ_BAND_BYPASS + b) + param_gen(p, P_EQ_DYNAMIC + b) + param_gen(p, P_EQ_RANGE + b);
}

/* Each band's response costs a filter design per point, so only the bands
 * whose parameters moved are computed again, and at most
 * CURVE_BANDS_PER_FRAME of them per frame: a knob being turned (one band)
 * follows every frame, while a burst that moves every band (OSC, snapshots)
 * is drawn over a few frames instead of stalling one.  The whole EQ is the
 * bands' sum (eq_response_db is that sum, 0 when the EQ is bypassed). */
#define CURVE_BANDS_PER_FRAME 2

/* The frequencies of the curve's points. */
static void curve_freqs(const eq_view *v, const plot_rect *r, double *f)
{
	for (int i = 0; i < v->curve_n; i++)
		f[i] = f_of(r, r->x0 + i * EQ_CURVE_STEP);
}

/* Band b's range curve (when `range` is set) and its live curve at
 * v->live_gain[b], if it is a dynamic band; one design per curve
 * (eq_band_curve_db), so a moving band can follow every frame. */
static void band_dynamic_curves(eq_view *v, const plot_rect *r, int b, gboolean off, gboolean range)
{
	const lathe_params *p = v->surf->params;
	double rate = v->rate > 0 ? v->rate : 48000.0;
	double f[EQ_CURVE_MAX], db[EQ_CURVE_MAX];
	gboolean was = v->dyn[b];
	v->dyn[b] = !off && param_get_bool(p, P_EQ_DYNAMIC + b);
	if (!v->dyn[b])
		return;
	if (!was)
		v->live_gain[b] = param_get(p, P_EQ_GAIN + b); /* until the first live reading */
	curve_freqs(v, r, f);
	if (range) {
		float g = param_get(p, P_EQ_GAIN + b) + param_get(p, P_EQ_RANGE + b);
		if (!eq_band_curve_db(p, rate, b, g, f, db, v->curve_n)) {
			v->dyn[b] = FALSE; /* a cut or notch: no gain to move */
			return;
		}
		for (int i = 0; i < v->curve_n; i++)
			v->range_curve[b][i] = (float)db[i];
	}
	eq_band_curve_db(p, rate, b, v->live_gain[b], f, v->live_db[b], v->curve_n);
}

/* The whole EQ: static bands at their settings, dynamic ones at their live gain. */
static void sum_curve(eq_view *v)
{
	for (int i = 0; i < v->curve_n; i++) {
		double db = 0;
		for (int b = 0; b < EQ_BANDS; b++)
			db += v->dyn[b] ? v->live_db[b][i] : v->band_db[b][i];
		v->curve[i] = (float)db;
	}
}

static void update_curves(eq_view *v, const plot_rect *r)
{
	uint32_t g = eq_generation(v->surf->params);
	double rate = v->rate > 0 ? v->rate : 48000.0;
	gboolean all = r->w != v->curve_w || rate != v->curve_rate || !v->curve_n;
	if (g == v->curve_gen && !all && !v->curve_pending)
		return;
	v->curve_gen = g;
	v->curve_w = r->w;
	v->curve_rate = rate;
	v->curve_n = MIN(EQ_CURVE_MAX, (int)(r->w / EQ_CURVE_STEP) + 1);
	gboolean eq_off = param_get_bool(v->surf->params, P_EQ_BYPASS);
	int budget = all ? EQ_BANDS : CURVE_BANDS_PER_FRAME;
	v->curve_pending = FALSE;
	/* the round starts where the last one stopped; band_next moves below, so
	 * the start is kept apart (taking band_next + k skipped bands: band 8's
	 * curve was never drawn) */
	int start = v->band_next;
	for (int k = 0; k < EQ_BANDS; k++) {
		int b = (start + k) % EQ_BANDS;
		uint32_t bg = band_generation(v->surf->params, b);
		if (!all && bg == v->band_gen[b])
			continue;
		if (!budget) {
			v->curve_pending = TRUE;
			continue;
		}
		budget--;
		v->band_next = (b + 1) % EQ_BANDS;
		v->band_gen[b] = bg;
		gboolean off = eq_off || param_get_bool(v->surf->params, P_EQ_BAND_BYPASS + b);
		double fs[EQ_CURVE_MAX];
		curve_freqs(v, r, fs);
		if (off)
			memset(v->band_db[b], 0, sizeof v->band_db[b]);
		else /* one design for all the points (one per point cost 72 % of a core under OSC: bench_console) */
			eq_band_curve_db(v->surf->params, rate, b, param_get(v->surf->params, P_EQ_GAIN + b), fs, v->band_db[b], v->curve_n);
		for (int i = 0; i < v->curve_n; i++)
			v->band_curve[b][i] = (float)v->band_db[b][i];
		band_dynamic_curves(v, r, b, off, TRUE);
	}
	sum_curve(v);
}

static void draw(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	eq_view *v = ud;
	const lathe_params *p = v->surf->params;
	plot_rect r = plot_of(GTK_WIDGET(a));
	cairo_set_source_rgb(cr, 0.075, 0.082, 0.098);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0.05, 0.055, 0.065);
	cairo_rectangle(cr, r.x0, r.y0, r.w, r.h);
	cairo_fill(cr);

	/* grid */
	cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 9.5);
	static const double fl[] = { 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000 };
	static const char *const fn[] = { "20", "50", "100", "200", "500", "1k", "2k", "5k", "10k", "20k" };
	for (unsigned i = 0; i < G_N_ELEMENTS(fl); i++) {
		double x = floor(x_of(&r, fl[i])) + 0.5;
		cairo_set_source_rgb(cr, 0.16, 0.17, 0.20);
		cairo_rectangle(cr, x, r.y0, 1, r.h);
		cairo_fill(cr);
		cairo_text_extents_t e;
		cairo_text_extents(cr, fn[i], &e);
		cairo_set_source_rgb(cr, 0.49, 0.52, 0.57);
		double tx = CLAMP(x - e.x_advance / 2, r.x0, r.x0 + r.w - e.x_advance);
		cairo_move_to(cr, tx, h - 5);
		cairo_show_text(cr, fn[i]);
	}
	for (int db = -18; db <= 18; db += 6) {
		double y = floor(y_of(&r, db)) + 0.5;
		cairo_set_source_rgb(cr, db == 0 ? 0.28 : 0.16, db == 0 ? 0.30 : 0.17, db == 0 ? 0.34 : 0.20);
		cairo_rectangle(cr, r.x0, y, r.w, 1);
		cairo_fill(cr);
		char t[8];
		snprintf(t, sizeof t, "%+d", db);
		cairo_set_source_rgb(cr, 0.49, 0.52, 0.57);
		cairo_text_extents_t e;
		cairo_text_extents(cr, db ? t : "0", &e);
		cairo_move_to(cr, r.x0 - 5 - e.x_advance, y + 3.5);
		cairo_show_text(cr, db ? t : "0");
	}

	/* spectra: input as a grey fill, output as a blue one */
	if (v->have_spectrum) {
		spectrum_path(cr, &r, v->pre);
		cairo_set_source_rgba(cr, 0.55, 0.58, 0.64, 0.22);
		cairo_fill(cr);
		spectrum_path(cr, &r, v->post);
		cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, 0.22);
		cairo_fill_preserve(cr);
		cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, 0.45);
		cairo_set_line_width(cr, 1);
		cairo_stroke(cr);
	}

	/* each band's own shape, faint, in its colour; then the sum */
	update_curves(v, &r);
	gboolean off = param_get_bool(p, P_EQ_BYPASS) || param_get_bool(p, P_BYPASS);
	double y0 = y_of(&r, 0);
	for (int b = 0; b < EQ_BANDS && !off; b++) {
		double peak = 0;
		for (int i = 0; i < v->curve_n; i++)
			peak = MAX(peak, fabs(v->band_curve[b][i]));
		if (peak < 0.05)
			continue;
		GdkRGBA c;
		eq_band_color(b, &c);
		cairo_move_to(cr, r.x0, y0);
		for (int i = 0; i < v->curve_n; i++)
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y_of(&r, CLAMP(v->band_curve[b][i], -DB_RANGE - 2, DB_RANGE + 2)));
		cairo_line_to(cr, r.x0 + (v->curve_n - 1) * EQ_CURVE_STEP, y0);
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, c.red, c.green, c.blue, 0.16);
		cairo_fill(cr);
	}
	/* dynamic bands: the range as a shaded area between the band's static
	 * curve and its curve at static + range, edged in the band's colour,
	 * and the band alone at its live gain as a line in its colour */
	for (int b = 0; b < EQ_BANDS && !off; b++) {
		if (!v->dyn[b] || v->curve_n < 2)
			continue;
		GdkRGBA c;
		eq_band_color(b, &c);
		for (int i = 0; i < v->curve_n; i++)
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y_of(&r, CLAMP(v->band_curve[b][i], -DB_RANGE - 2, DB_RANGE + 2)));
		for (int i = v->curve_n - 1; i >= 0; i--)
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y_of(&r, CLAMP(v->range_curve[b][i], -DB_RANGE - 2, DB_RANGE + 2)));
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, c.red, c.green, c.blue, 0.30);
		cairo_fill(cr);
		cairo_set_line_width(cr, 1);
		static const double dash[] = { 4, 3 };
		cairo_set_dash(cr, dash, 2, 0);
		for (int i = 0; i < v->curve_n; i++)
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y_of(&r, CLAMP(v->range_curve[b][i], -DB_RANGE - 2, DB_RANGE + 2)));
		cairo_set_source_rgba(cr, c.red, c.green, c.blue, 0.8);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_width(cr, 1.6);
		for (int i = 0; i < v->curve_n; i++)
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y_of(&r, CLAMP(v->live_db[b][i], -DB_RANGE - 2, DB_RANGE + 2)));
		gdk_cairo_set_source_rgba(cr, &c);
		cairo_stroke(cr);
		/* where the band's gain is now: a ring on its frequency, tied to the node */
		double nx, ny, ly = y_of(&r, CLAMP(v->live_gain[b], -DB_RANGE, DB_RANGE));
		node_pos(v, &r, b, &nx, &ny);
		cairo_set_line_width(cr, 1);
		cairo_move_to(cr, nx, ny);
		cairo_line_to(cr, nx, ly);
		cairo_set_source_rgba(cr, c.red, c.green, c.blue, 0.7);
		cairo_stroke(cr);
		cairo_set_line_width(cr, 1.8);
		cairo_arc(cr, nx, ly, NODE_R - 2, 0, 2 * G_PI);
		gdk_cairo_set_source_rgba(cr, &c);
		cairo_stroke(cr);
	}
	cairo_set_line_width(cr, 2.2);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (int i = 0; i < v->curve_n; i++) {
		double y = y_of(&r, CLAMP(v->curve[i], -DB_RANGE - 2, DB_RANGE + 2));
		if (i == 0)
			cairo_move_to(cr, r.x0, y);
		else
			cairo_line_to(cr, r.x0 + i * EQ_CURVE_STEP, y);
	}
	if (off)
		cairo_set_source_rgba(cr, 0.6, 0.6, 0.6, 0.5);
	else
		cairo_set_source_rgb(cr, 0.95, 0.96, 0.98);
	cairo_stroke(cr);

	/* nodes */
	cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 9.5);
	for (int b = 0; b < EQ_BANDS; b++) {
		double nx, ny;
		node_pos(v, &r, b, &nx, &ny);
		GdkRGBA c;
		eq_band_color(b, &c);
		gboolean byp = param_get_bool(p, P_EQ_BAND_BYPASS + b);
		double rad = (b == v->hover_band || b == v->drag_band) ? NODE_R + 2 : NODE_R;
		cairo_arc(cr, nx, ny, rad, 0, 2 * G_PI);
		if (byp) {
			cairo_set_source_rgba(cr, c.red, c.green, c.blue, 0.6);
			cairo_set_line_width(cr, 1.5);
			cairo_stroke(cr);
		} else {
			gdk_cairo_set_source_rgba(cr, &c);
			cairo_fill(cr);
		}
		char t[16];
		snprintf(t, sizeof t, "%d", b + 1);
		cairo_text_extents_t e;
		cairo_text_extents(cr, t, &e);
		cairo_set_source_rgb(cr, byp ? c.red : 0.05, byp ? c.green : 0.05, byp ? c.blue : 0.06);
		cairo_move_to(cr, nx - e.x_advance / 2, ny + 3.5);
		cairo_show_text(cr, t);
	}
	/* the band being dragged or hovered: its values */
	int sb = v->drag_band >= 0 ? v->drag_band : v->hover_band;
	if (sb >= 0) {
		char f[24], g[24], q[24], t[96];
		param_format(P_EQ_FREQ + sb, param_get(p, P_EQ_FREQ + sb), f, sizeof f);
		param_format(P_EQ_GAIN + sb, param_get(p, P_EQ_GAIN + sb), g, sizeof g);
		param_format(P_EQ_Q + sb, param_get(p, P_EQ_Q + sb), q, sizeof q);
		snprintf(t, sizeof t, "Band %d   %s   %s   Q %s", sb + 1, f, g, q);
		cairo_set_source_rgb(cr, 0.92, 0.93, 0.95);
		cairo_move_to(cr, r.x0 + 8, r.y0 + 16);
		cairo_show_text(cr, t);
	} else {
		cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_source_rgb(cr, 0.49, 0.52, 0.57);
		cairo_move_to(cr, r.x0 + 8, r.y0 + 16);
		cairo_show_text(cr, v->have_spectrum ? "drag a node: frequency and gain · wheel: Q · double-click: reset   (grey: input, blue: output spectrum)"
		                                     : "drag a node: frequency and gain · wheel: Q · double-click: reset");
	}
}

static gboolean fine(GtkEventController *ec)
{
	return (gtk_event_controller_get_current_event_state(ec) & GDK_SHIFT_MASK) != 0;
}

static void on_drag_begin(GtkGestureDrag *g, double x, double y, gpointer ud)
{
	eq_view *v = ud;
	v->drag_band = hit(v, x, y);
	if (v->drag_band < 0) {
		gtk_gesture_set_state(GTK_GESTURE(g), GTK_EVENT_SEQUENCE_DENIED);
		return;
	}
	v->drag_freq = param_get(v->surf->params, P_EQ_FREQ + v->drag_band);
	v->drag_gain = param_get(v->surf->params, P_EQ_GAIN + v->drag_band);
	if (v->on_select)
		v->on_select(v->drag_band, v->select_ud);
	v->drag_last_x = v->drag_last_y = 0;
	gtk_widget_grab_focus(v->area);
}

static void on_drag_update(GtkGestureDrag *g, double dx, double dy, gpointer ud)
{
	eq_view *v = ud;
	if (v->drag_band < 0)
		return;
	plot_rect r = plot_of(v->area);
	double s = fine(GTK_EVENT_CONTROLLER(g)) ? 0.1 : 1.0;
	double ddx = (dx - v->drag_last_x) * s, ddy = (dy - v->drag_last_y) * s;
	v->drag_last_x = dx;
	v->drag_last_y = dy;
	v->drag_freq = (float)(v->drag_freq * pow(F_MAX / F_MIN, ddx / r.w));
	v->drag_gain = (float)(v->drag_gain - ddy * 2 * DB_RANGE / r.h);
	surface_set(v->surf, P_EQ_FREQ + v->drag_band, v->drag_freq);
	if (band_has_gain(param_get_int(v->surf->params, P_EQ_TYPE + v->drag_band)))
		surface_set(v->surf, P_EQ_GAIN + v->drag_band, v->drag_gain);
	/* keep the drag state inside the range so reversing the drag responds at once */
	v->drag_freq = param_get(v->surf->params, P_EQ_FREQ + v->drag_band);
	v->drag_gain = CLAMP(v->drag_gain, -18.0f, 18.0f);
	gtk_widget_queue_draw(v->area);
}

static void on_drag_end(GtkGestureDrag *g, double dx, double dy, gpointer ud)
{
	eq_view *v = ud;
	v->drag_band = -1;
	gtk_widget_queue_draw(v->area);
}

static void reset_band(eq_view *v, int b)
{
	int ids[] = { P_EQ_FREQ + b, P_EQ_GAIN + b, P_EQ_Q + b };
	for (unsigned i = 0; i < G_N_ELEMENTS(ids); i++)
		surface_set(v->surf, ids[i], param_info_get(ids[i])->def);
}

static void on_click(GtkGestureClick *g, int n, double x, double y, gpointer ud)
{
	eq_view *v = ud;
	GdkModifierType st = gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(g));
	int b = hit(v, x, y);
	if (b >= 0 && (n == 2 || (st & GDK_CONTROL_MASK)))
		reset_band(v, b);
}

static void on_motion(GtkEventControllerMotion *m, double x, double y, gpointer ud)
{
	eq_view *v = ud;
	v->pointer_x = x;
	v->pointer_y = y;
	int b = hit(v, x, y);
	if (b != v->hover_band) {
		v->hover_band = b;
		gtk_widget_queue_draw(v->area);
	}
}

static void on_leave(GtkEventControllerMotion *m, gpointer ud)
{
	eq_view *v = ud;
	v->hover_band = -1;
	gtk_widget_queue_draw(v->area);
}

static gboolean on_scroll(GtkEventControllerScroll *s, double dx, double dy, gpointer ud)
{
	eq_view *v = ud;
	int b = v->hover_band >= 0 ? v->hover_band : hit(v, v->pointer_x, v->pointer_y);
	if (b < 0 || dy == 0)
		return FALSE;
	/* a sixth of an octave in Q per notch (Shift: a sixtieth) */
	double step = (fine(GTK_EVENT_CONTROLLER(s)) ? 1.0 / 60 : 1.0 / 6) * (dy < 0 ? 1 : -1);
	float q = param_get(v->surf->params, P_EQ_Q + b);
	surface_set(v->surf, P_EQ_Q + b, (float)(q * pow(2.0, step)));
	gtk_widget_queue_draw(v->area);
	return TRUE;
}

static uint32_t eq_generation(const lathe_params *p)
{
	uint32_t g = param_gen(p, P_EQ_BYPASS) + param_gen(p, P_BYPASS);
	for (int id = P_EQ_TYPE; id < P_EQ_BAND_BYPASS + EQ_BANDS; id++)
		g += param_gen(p, id);
	for (int b = 0; b < EQ_BANDS; b++) /* what the range shading depends on */
		g += param_gen(p, P_EQ_DYNAMIC + b) + param_gen(p, P_EQ_RANGE + b);
	return g;
}

eq_view *eq_view_new(lathe_surface *surf)
{
	eq_view *v = g_new0(eq_view, 1);
	v->surf = surf;
	v->drag_band = v->hover_band = -1;
	v->rate = 48000.0;
	v->area = g_object_new(GTK_TYPE_DRAWING_AREA, "accessible-role", GTK_ACCESSIBLE_ROLE_IMG, NULL);
	g_object_set_data_full(G_OBJECT(v->area), "eq-view", v, g_free);
	gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(v->area), 140); /* both band rows fit under it at 1366x768; it grows where there is room */
	gtk_widget_set_hexpand(v->area, TRUE);
	gtk_widget_set_vexpand(v->area, TRUE);
	gtk_widget_set_focusable(v->area, TRUE);
	gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(v->area), draw, v, NULL);
	gtk_accessible_update_property(GTK_ACCESSIBLE(v->area), GTK_ACCESSIBLE_PROPERTY_LABEL,
	                               "EQ curve over the input and output spectrum", -1);
	gtk_widget_set_tooltip_text(v->area, "Drag a band's node for frequency and gain (Shift: fine), scroll over it for Q, "
	                                     "double-click to reset it.\nGrey: input spectrum; blue: output spectrum.");

	GtkGesture *drag = gtk_gesture_drag_new();
	g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), v);
	g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), v);
	g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), v);
	gtk_widget_add_controller(v->area, GTK_EVENT_CONTROLLER(drag));
	GtkGesture *click = gtk_gesture_click_new();
	g_signal_connect(click, "pressed", G_CALLBACK(on_click), v);
	gtk_widget_add_controller(v->area, GTK_EVENT_CONTROLLER(click));
	GtkEventController *motion = gtk_event_controller_motion_new();
	g_signal_connect(motion, "motion", G_CALLBACK(on_motion), v);
	g_signal_connect(motion, "leave", G_CALLBACK(on_leave), v);
	gtk_widget_add_controller(v->area, motion);
	GtkEventController *scroll = gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
	g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), v);
	gtk_widget_add_controller(v->area, scroll);
	return v;
}

void eq_view_tick(eq_view *v, gint64 now)
{
	gboolean dirty = FALSE;
	/* While the spectrum is shown the view is redrawn at its rate anyway,
	 * and the draw picks up the curve's changes (update_curves): a change
	 * need not redraw the whole graph in every frame as well.  Under 1,000
	 * OSC changes a second it did, 60 times a second instead of 25
	 * (bench/bench_console.c).  A drag on the graph still redraws at once
	 * (on_drag_update). */
	gboolean mapped = gtk_widget_get_mapped(v->area);
	gboolean spectrum = mapped && v->have_spectrum;
	uint32_t g = eq_generation(v->surf->params);
	if (g != v->eq_gen) {
		v->eq_gen = g;
		dirty = !spectrum;
	}
	if (mapped && now - v->spectrum_us >= SPECTRUM_US && v->surf->ops->spectrum(v->surf, v->pre, v->post)) {
		v->spectrum_us = now;
		v->have_spectrum = TRUE;
		dirty = TRUE;
	}
	if (v->curve_pending && !spectrum)
		dirty = TRUE; /* bands left over from the last frame (update_curves) */
	/* dynamic bands: follow the live gains (the analysis snapshot, 25 Hz) */
	gboolean any_dyn = FALSE;
	for (int b = 0; b < EQ_BANDS; b++)
		any_dyn |= v->dyn[b];
	meter_snapshot snap;
	if (any_dyn && now - v->live_us >= SPECTRUM_US && v->curve_n > 0 && gtk_widget_get_mapped(v->area) &&
	    v->surf->ops->analysis(v->surf, &snap)) {
		v->live_us = now;
		plot_rect r = plot_of(v->area);
		gboolean moved = FALSE;
		for (int b = 0; b < EQ_BANDS; b++) {
			float g = snap.eq_gain_db[b];
			if (!v->dyn[b] || !isfinite(g) || fabsf(g - v->live_gain[b]) < 0.05f)
				continue;
			v->live_gain[b] = g;
			band_dynamic_curves(v, &r, b, FALSE, FALSE);
			moved = TRUE;
		}
		if (moved) {
			sum_curve(v);
			dirty = TRUE;
		}
	}
	if (dirty)
		gtk_widget_queue_draw(v->area);
}

void eq_view_point(const eq_view *v, double f, double db, double *x, double *y)
{
	plot_rect r = plot_of(v->area);
	*x = x_of(&r, f);
	*y = y_of(&r, db);
}

double eq_view_live_gain(const eq_view *v, int b)
{
	return b >= 0 && b < EQ_BANDS && v->dyn[b] ? v->live_gain[b] : NAN;
}
