/* lathe — the meter bridge (see meters.h). */
#include "meters.h"
#include "../engine/meter/platforms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Peak meter return: 20 dB in 1.7 s (IEC 60268-18 peak programme meter). */
#define FALL_DB_PER_S (20.0f / 1.7f)
#define HOLD_US (2 * G_USEC_PER_SEC)
/* A tick with no new block keeps the last one this long (large JACK periods). */
#define STALE_US (150 * 1000)
#define FLOOR_DB -70.0f
#define GR_RANGE_DB 12.0
/* Gain reduction is read like a hardware GR meter: attack at once, hold the
 * deepest reduction for GR_HOLD_US, then return at GR_FALL_DB_PER_S (slow, so
 * the eye and a screenshot see what the limiter did, not one block of it). */
#define GR_HOLD_US (G_USEC_PER_SEC * 3 / 4)
#define GR_FALL_DB_PER_S 6.0f
/* The limiter's GR history: GR_HIST_N columns of GR_COL_US each (4 s),
 * each the deepest reduction in its time; drawn under the bars. */
#define GR_COL_US (G_USEC_PER_SEC / 40)
#define GR_HIST_H 40.0
#define SLOW_US (G_USEC_PER_SEC / 15)
#define HIST_US (G_USEC_PER_SEC / 2)

static float lin_to_db(float x) { return x > 3.2e-4f ? 20.0f * log10f(x) : FLOOR_DB; }

double meter_deflection(double db)
{
	/* piecewise linear: -60..-30 -> 0..0.15, -30..-12 -> 0.15..0.45, -12..0 -> 0.45..0.93, 0..+3 -> 0.93..1 */
	static const double dbs[] = { -60, -30, -12, 0, 3 };
	static const double pos[] = { 0.0, 0.15, 0.45, 0.93, 1.0 };
	if (!(db > dbs[0]))
		return 0.0;
	for (int i = 1; i < 5; i++)
		if (db <= dbs[i])
			return pos[i - 1] + (pos[i] - pos[i - 1]) * (db - dbs[i - 1]) / (dbs[i] - dbs[i - 1]);
	return 1.0;
}

/* The peak meter's scales.  The bars are sample peaks in dBFS on every scale
 * (a peak is a peak); the marks are numbered relative to the scale's 0.
 *
 * dBFS: 0 = full scale, the expanded deflection above.
 * EBU +9 / EBU +18: the two scales of EBU Tech 3341 ("EBU Mode", 2016, §2.3):
 *   +9 shows -18 .. +9 LU, +18 shows -36 .. +18 LU, 0 LU = the R 128 target
 *   of -23 LUFS.  On a peak meter that 0 sits at -23 dBFS: Tech 3341's
 *   test signal 1 (a 1 kHz sine at -23.0 dBFS in both channels) reads
 *   -23.0 LUFS, so a steady sine peaking at the 0 mark is on target.
 *   Amber from 0 LU, red from +9 LU (Tech 3341 sets no colours: ours).
 * K-20 / K-14 / K-12: Bob Katz, "An Integrated Approach to Metering,
 *   Monitoring, and Leveling Practices", JAES 48(9), 2000: 0 = -20 / -14 /
 *   -12 dBFS, the scale runs to full scale (+20 / +14 / +12), green below
 *   0, amber 0 .. +4, red above +4.  Katz's meter is an averaging one with
 *   a peak bar; here only the peak bar is drawn, on his scale.  Marks every
 *   4 dB to -20 as in his figures; our floor is -60 dBFS as on the dBFS scale.
 * All linear in dB between lo and hi. */
static const meter_scale_def scales[METER_SCALES] = {
	[METER_SCALE_DBFS] = { "dBFS", "dBFS", 0, -60, 3, -3, -1, { 3, 0, -3, -6, -9, -12, -18, -24, -30, -40, -50, -60 }, 12 },
	[METER_SCALE_EBU9] = { "EBU +9", "LU", -23, -18, 9, 0, 9, { 9, 6, 3, 0, -3, -6, -9, -12, -15, -18 }, 10 },
	[METER_SCALE_EBU18] = { "EBU +18", "LU", -23, -36, 18, 0, 9, { 18, 12, 6, 0, -6, -12, -18, -24, -30, -36 }, 10 },
	/* K marks 4 dB apart near 0 (Katz's zones are 4 dB); a top mark 2 dB
	 * from the next would print over it, so K-14 skips +12 */
	[METER_SCALE_K20] = { "K-20", "K-20", -20, -40, 20, 0, 4, { 20, 16, 12, 8, 4, 0, -4, -8, -12, -20, -30, -40 }, 12 },
	[METER_SCALE_K14] = { "K-14", "K-14", -14, -46, 14, 0, 4, { 14, 8, 4, 0, -4, -8, -12, -20, -30, -40 }, 10 },
	[METER_SCALE_K12] = { "K-12", "K-12", -12, -48, 12, 0, 4, { 12, 8, 4, 0, -4, -8, -12, -20, -30, -40 }, 10 },
};

const meter_scale_def *meter_scale_get(int scale)
{
	return &scales[scale >= 0 && scale < METER_SCALES ? scale : METER_SCALE_DBFS];
}

double meter_scale_deflection(int scale, double dbfs)
{
	const meter_scale_def *d = meter_scale_get(scale);
	if (d == &scales[METER_SCALE_DBFS])
		return meter_deflection(dbfs);
	double x = (dbfs - d->ref_dbfs - d->lo) / (d->hi - d->lo);
	return !(x > 0) ? 0.0 : x < 1 ? x : 1.0;
}

static void set_font(cairo_t *cr, double size, gboolean bold)
{
	cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/* Text anchored by its horizontal centre (align 0.5), left (0) or right (1). */
static void text_at(cairo_t *cr, double x, double y, double align, const char *s)
{
	cairo_text_extents_t e;
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - (e.x_advance * align), y);
	cairo_show_text(cr, s);
}

static void fmt_db(char *buf, int len, float db, int decimals)
{
	if (!(db > -69.9f))
		snprintf(buf, len, "-inf");
	else
		snprintf(buf, len, "%+.*f", decimals, db);
}

static void rgb(cairo_t *cr, unsigned hex) { cairo_set_source_rgb(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0); }

#define C_BG 0x14161a
#define C_PANEL 0x1b1e23
#define C_GRID 0x2a2e35
#define C_TEXT 0xd8dce3
#define C_DIM 0x7d8591
#define C_ACCENT 0x4fb3ff
#define C_OK 0x38c98a
#define C_WARN 0xf0b429
#define C_BAD 0xff5a52
#define C_GR 0xff8f3f

/* ---- peak bars ---- */

/* The trough is in the cached scale image (scale_image). */
static void draw_bar(cairo_t *cr, cairo_pattern_t *grad, int scale, double x, double y0, double w, double h,
                     float db, float hold, float tp)
{
	double d = meter_scale_deflection(scale, db);
	cairo_set_source(cr, grad);
	cairo_rectangle(cr, x, y0 + h * (1 - d), w, h * d);
	cairo_fill(cr);
	if (hold > FLOOR_DB + 1) {
		double hy = y0 + h * (1 - meter_scale_deflection(scale, hold));
		rgb(cr, hold > -1.0f ? C_BAD : C_TEXT);
		cairo_rectangle(cr, x, hy - 1, w, 2);
		cairo_fill(cr);
	}
	if (tp > FLOOR_DB + 1) { /* true peak: a hollow marker, so it reads as "inter-sample" */
		double ty = y0 + h * (1 - meter_scale_deflection(scale, tp));
		rgb(cr, C_WARN);
		cairo_set_line_width(cr, 1);
		cairo_rectangle(cr, x + 0.5, ty - 2.5, w - 1, 3);
		cairo_stroke(cr);
	}
}

/* Geometry of the peak section (draw_levels and scale_image agree on it). */
#define LV_TOP 40.0
#define LV_BW 16.0
#define LV_GAP 3.0
#define LV_X_IN 12.0
#define LV_X_SCALE (LV_X_IN + 2 * LV_BW + LV_GAP + 4)
#define LV_X_OUT (LV_X_SCALE + 30)
static double lv_bottom(int h) { return h - 20 - GR_HIST_H - 16; }

/* The colour zones of a scale as a gradient over the bar height: cool low,
 * green to the scale's warn mark, amber to its over mark, red above.  Hard
 * edges (two stops 0.1 % apart), so a zone starts where its mark is. */
static cairo_pattern_t *scale_gradient(int scale, double top, double bottom)
{
	const meter_scale_def *d = meter_scale_get(scale);
	double warn = meter_scale_deflection(scale, d->ref_dbfs + d->warn);
	double over = meter_scale_deflection(scale, d->ref_dbfs + d->over);
	double cool = meter_scale_deflection(scale, d->ref_dbfs + d->warn - 18);
	cairo_pattern_t *g = cairo_pattern_create_linear(0, bottom, 0, top);
	cairo_pattern_add_color_stop_rgb(g, 0.0, 0.16, 0.45, 0.62);
	cairo_pattern_add_color_stop_rgb(g, MIN(cool, warn), 0.22, 0.72, 0.60);
	cairo_pattern_add_color_stop_rgb(g, MAX(warn - 0.001, 0), 0.35, 0.80, 0.45);
	cairo_pattern_add_color_stop_rgb(g, warn, 0.94, 0.71, 0.16);
	cairo_pattern_add_color_stop_rgb(g, MAX(over - 0.001, warn), 0.94, 0.71, 0.16);
	cairo_pattern_add_color_stop_rgb(g, over, 1.0, 0.35, 0.32);
	cairo_pattern_add_color_stop_rgb(g, 1.0, 1.0, 0.35, 0.32);
	return g;
}

/* What does not move on the peak meter: the panel, the bar troughs, the
 * scale's marks and numbers, its reference mark (accent colour, across the
 * scale column and beside both bar pairs) and its unit. */
static cairo_surface_t *scale_image(int scale, int w, int h)
{
	const meter_scale_def *d = meter_scale_get(scale);
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(img);
	const double top = LV_TOP, bottom = lv_bottom(h), bh = bottom - top;
	rgb(cr, C_PANEL);
	cairo_paint(cr);
	rgb(cr, 0x0d0f12);
	for (int ch = 0; ch < 2; ch++) {
		cairo_rectangle(cr, LV_X_IN + ch * (LV_BW + LV_GAP), top, LV_BW, bh);
		cairo_rectangle(cr, LV_X_OUT + ch * (LV_BW + LV_GAP), top, LV_BW, bh);
	}
	cairo_fill(cr);
	const double xc = LV_X_SCALE + 13, x_right = LV_X_OUT + 2 * LV_BW + LV_GAP + 1;
	for (int i = 0; i < d->n_marks; i++) {
		double y = floor(top + bh * (1 - meter_scale_deflection(scale, d->ref_dbfs + d->marks[i])));
		gboolean ref = d->marks[i] == 0;
		char t[16];
		snprintf(t, sizeof t, d->marks[i] > 0 && scale != METER_SCALE_DBFS ? "+%d" : "%d", d->marks[i]);
		set_font(cr, 9.5, ref);
		rgb(cr, ref ? C_ACCENT : C_DIM);
		text_at(cr, xc, y + 3.5, 0.5, t);
		if (ref) {
			/* the reference: a 2 px accent line beside each bar pair, 4 px wide */
			cairo_rectangle(cr, LV_X_IN - 5, y - 0.5, 4, 2);
			cairo_rectangle(cr, x_right, y - 0.5, 4, 2);
		} else {
			rgb(cr, C_GRID);
			cairo_rectangle(cr, LV_X_IN - 4, y, 3, 1);
			cairo_rectangle(cr, x_right, y, 3, 1);
		}
		cairo_fill(cr);
	}
	set_font(cr, 8.5, TRUE);
	rgb(cr, C_ACCENT);
	text_at(cr, xc, bottom + 14, 0.5, d->unit);
	cairo_destroy(cr);
	return img;
}

static void draw_levels(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	meter_bridge *m = ud;
	const double top = LV_TOP, bottom = lv_bottom(h), bh = bottom - top;
	const double bw = LV_BW, gap = LV_GAP;
	/* columns: IN L R | scale | OUT L R || GR 1..4 LIM */
	double x_in = LV_X_IN, x_scale = LV_X_SCALE, x_out = LV_X_OUT;
	double x_gr = x_out + 2 * bw + gap + 26;
	double grw = MIN(15.0, (w - x_gr - 10 - 4 * gap) / (MB_BANDS + 1));

	int scale = param_get_int(m->surf->params, P_MON_METER_SCALE);
	scale = scale >= 0 && scale < METER_SCALES ? scale : METER_SCALE_DBFS;
	if (!m->scale_img || m->scale_img_scale != scale || m->scale_img_w != w || m->scale_img_h != h) {
		if (m->scale_img)
			cairo_surface_destroy(m->scale_img);
		if (m->scale_grad)
			cairo_pattern_destroy(m->scale_grad);
		m->scale_img = scale_image(scale, w, h);
		m->scale_grad = scale_gradient(scale, top, bottom);
		m->scale_img_scale = scale;
		m->scale_img_w = w;
		m->scale_img_h = h;
	}
	cairo_set_source_surface(cr, m->scale_img, 0, 0);
	cairo_paint(cr);

	const meter_side *si = m->have_snap ? &m->snap.in : NULL, *so = m->have_snap ? &m->snap.out : NULL;
	for (int ch = 0; ch < 2; ch++) {
		draw_bar(cr, m->scale_grad, scale, x_in + ch * (bw + gap), top, bw, bh, m->in_db[ch], m->in_hold[ch], si ? si->tp_db[ch] : FLOOR_DB);
		draw_bar(cr, m->scale_grad, scale, x_out + ch * (bw + gap), top, bw, bh, m->out_db[ch], m->out_hold[ch], so ? so->tp_db[ch] : FLOOR_DB);
	}

	/* numbers over the bars: highest sample peak since reset, and true peak max */
	char t[32];
	set_font(cr, 10, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, x_in + bw + gap / 2, bottom + 14, 0.5, "IN");
	text_at(cr, x_out + bw + gap / 2, bottom + 14, 0.5, "OUT");
	set_font(cr, 11, TRUE);
	for (int side = 0; side < 2; side++) {
		const float *mx = side ? m->out_max : m->in_max;
		double x = side ? x_out : x_in;
		float pk = MAX(mx[0], mx[1]);
		fmt_db(t, sizeof t, pk, 1);
		rgb(cr, pk > -1.0f ? C_BAD : C_TEXT);
		text_at(cr, x + bw + gap / 2, 14, 0.5, t);
		const meter_side *ms = side ? so : si;
		set_font(cr, 9.5, FALSE);
		if (ms) {
			fmt_db(t, sizeof t, ms->tp_max_db, 1);
			rgb(cr, ms->tp_max_db > -1.0f ? C_BAD : C_WARN);
		} else {
			snprintf(t, sizeof t, "—");
			rgb(cr, C_DIM);
		}
		text_at(cr, x + bw + gap / 2, 28, 0.5, t);
		set_font(cr, 11, TRUE);
	}
	set_font(cr, 8.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, x_scale + 13, 14, 0.5, "PEAK");
	rgb(cr, C_WARN);
	text_at(cr, x_scale + 13, 28, 0.5, "TP");

	/* gain reduction: bars hang from the top, 0..-12 dB */
	int nb = (int)(param_get(m->surf->params, P_MB_BANDS) + 0.5f);
	gboolean mb_on = !param_get_bool(m->surf->params, P_MB_BYPASS);
	gboolean lim_on = !param_get_bool(m->surf->params, P_LIM_BYPASS);
	for (int b = 0; b <= MB_BANDS; b++) {
		double x = x_gr + b * (grw + gap) + (b == MB_BANDS ? 6 : 0);
		float gr = b < MB_BANDS ? m->mb_gr[b] : m->lim_gr;
		gboolean active = b < MB_BANDS ? (mb_on && b < nb) : lim_on;
		rgb(cr, 0x0d0f12);
		cairo_rectangle(cr, x, top, grw, bh);
		cairo_fill(cr);
		double d = MIN(gr, GR_RANGE_DB) / GR_RANGE_DB;
		rgb(cr, active ? C_GR : C_GRID);
		cairo_rectangle(cr, x, top, grw, bh * d);
		cairo_fill(cr);
		char lab[16];
		snprintf(lab, sizeof lab, b < MB_BANDS ? "%d" : "LIM", b + 1);
		set_font(cr, b < MB_BANDS ? 10 : 8.5, FALSE);
		rgb(cr, active ? C_DIM : C_GRID);
		text_at(cr, x + grw / 2, bottom + 14, 0.5, lab);
	}
	set_font(cr, 8.5, FALSE);
	rgb(cr, C_DIM);
	double grc = x_gr + (MB_BANDS + 1) * (grw + gap) / 2 + 3;
	text_at(cr, grc, 14, 0.5, "GAIN REDUCTION");
	set_font(cr, 11, TRUE);
	rgb(cr, m->lim_gr > 3 ? C_WARN : C_TEXT);
	snprintf(t, sizeof t, "LIM %.1f dB", m->lim_gr > 0.05f ? -m->lim_gr : 0.0f);
	text_at(cr, grc, 28, 0.5, t);
	for (int db = 3; db <= 12; db += 3) {
		double y = top + bh * db / GR_RANGE_DB;
		rgb(cr, C_GRID);
		cairo_rectangle(cr, x_gr - 5, y, 3, 1);
		cairo_fill(cr);
	}

	/* numbers per band and the limiter (held values) */
	set_font(cr, 8, FALSE);
	for (int b = 0; b <= MB_BANDS; b++) {
		double x = x_gr + b * (grw + gap) + (b == MB_BANDS ? 6 : 0);
		float gr = b < MB_BANDS ? m->mb_gr[b] : m->lim_gr;
		gboolean active = b < MB_BANDS ? (mb_on && b < nb) : lim_on;
		snprintf(t, sizeof t, gr >= 9.95f ? "%.0f" : "%.1f", gr);
		rgb(cr, active && gr >= 0.05f ? C_GR : C_GRID);
		text_at(cr, x + grw / 2, bottom + 26, 0.5, active ? t : "");
	}

	/* limiter GR over the last seconds, newest at the right, hanging from the top */
	double hx = 12, hw = w - 22, hy = h - GR_HIST_H - 4;
	rgb(cr, 0x0d0f12);
	cairo_rectangle(cr, hx, hy, hw, GR_HIST_H);
	cairo_fill(cr);
	rgb(cr, C_GRID);
	for (int db = 3; db < GR_RANGE_DB; db += 3) {
		cairo_rectangle(cr, hx, hy + GR_HIST_H * db / GR_RANGE_DB, hw, 1);
	}
	cairo_fill(cr);
	if (m->gr_hist_n > 1) {
		double dx = hw / (GR_HIST_N - 1);
		double x0 = hx + hw - (m->gr_hist_n - 1) * dx;
		cairo_move_to(cr, x0, hy);
		for (int i = 0; i < m->gr_hist_n; i++) {
			float g = m->gr_hist[(m->gr_hist_pos - m->gr_hist_n + i + GR_HIST_N) % GR_HIST_N];
			cairo_line_to(cr, x0 + i * dx, hy + GR_HIST_H * MIN(g, GR_RANGE_DB) / GR_RANGE_DB);
		}
		cairo_line_to(cr, hx + hw, hy);
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, 1.0, 0.56, 0.25, lim_on ? 0.75 : 0.25);
		cairo_fill(cr);
	}
	set_font(cr, 8, FALSE);
	rgb(cr, C_DIM);
	/* labels at the bottom: the reduction hangs from the top */
	text_at(cr, hx + 3, hy + GR_HIST_H - 3, 0, "LIM GR · last 4 s");
	text_at(cr, hx + hw - 3, hy + GR_HIST_H - 3, 1, "-12 dB");

	/* overs */
	if (m->overs) {
		rgb(cr, C_BAD);
		cairo_rectangle(cr, x_out, top - 8, 2 * bw + gap, 5);
		cairo_fill(cr);
	}
}

/* ---- loudness numbers ---- */

static void big_number(cairo_t *cr, double x, double y, const char *label, float v, gboolean valid, double size, unsigned colour)
{
	char t[32];
	set_font(cr, 9.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, x, y, 0.5, label);
	if (valid && v > -69.9f)
		snprintf(t, sizeof t, "%.1f", v);
	else
		snprintf(t, sizeof t, valid ? "-inf" : "—");
	set_font(cr, size, TRUE);
	rgb(cr, colour);
	text_at(cr, x, y + size + 2, 0.5, t);
}

static float target_lufs(const lathe_params *p)
{
	int plat = param_get_int(p, P_TARGET_PLATFORM);
	if (plat > 0 && plat < PLAT_COUNT) {
		const platform_info *pi = platform_get(plat);
		if (pi)
			return pi->target_lufs;
	}
	return param_get(p, P_TARGET_LUFS);
}

static void draw_loudness(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	meter_bridge *m = ud;
	rgb(cr, C_PANEL);
	cairo_paint(cr);
	gboolean ok = m->have_snap;
	const meter_side *o = &m->snap.out;
	float tgt = target_lufs(m->surf->params);
	double cw = w / 3.0;
	big_number(cr, cw * 0.5, 16, "MOMENTARY", o->lufs_m, ok, 24, C_TEXT);
	big_number(cr, cw * 1.5, 16, "SHORT-TERM", o->lufs_s, ok, 24, C_TEXT);
	unsigned ic = C_ACCENT;
	if (ok && o->lufs_i > -69.9f)
		ic = fabsf(o->lufs_i - tgt) <= 1.0f ? C_OK : (o->lufs_i > tgt ? C_WARN : C_ACCENT);
	big_number(cr, cw * 2.5, 16, "INTEGRATED", o->lufs_i, ok, 30, ic);
	char t[64];
	set_font(cr, 10, FALSE);
	rgb(cr, C_DIM);
	if (ok && o->lufs_i > -69.9f)
		snprintf(t, sizeof t, "%+.1f LU to target", o->lufs_i - tgt);
	else
		snprintf(t, sizeof t, "target %.0f LUFS", tgt);
	text_at(cr, cw * 2.5, 66, 0.5, t);
	text_at(cr, cw * 1.0, 66, 0.5, "LUFS · EBU R128");

	/* second row: range and crest */
	static const char *const names[] = { "LRA  LU", "PLR  dB", "TP MAX  dBTP", "INPUT  LUFS" };
	float vals[] = { o->lra, o->plr, o->tp_max_db, m->snap.in.lufs_i };
	double qw = w / 4.0;
	for (int i = 0; i < 4; i++) {
		double x = qw * (i + 0.5);
		set_font(cr, 9, FALSE);
		rgb(cr, C_DIM);
		text_at(cr, x, 90, 0.5, names[i]);
		if (ok && vals[i] > -69.9f)
			snprintf(t, sizeof t, i == 2 ? "%+.1f" : "%.1f", vals[i]);
		else
			snprintf(t, sizeof t, "—");
		set_font(cr, 16, TRUE);
		rgb(cr, (i == 2 && ok && vals[i] > -1.0f) ? C_BAD : C_TEXT);
		text_at(cr, x, 110, 0.5, t);
	}
	if (!ok) {
		set_font(cr, 9, FALSE);
		rgb(cr, C_DIM);
		text_at(cr, w / 2.0, h - 4, 0.5, "loudness analysis not running");
	}
}

/* ---- goniometer and correlation ---- */

static void draw_scope(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	meter_bridge *m = ud;
	rgb(cr, C_PANEL);
	cairo_paint(cr);
	double s = MIN(h - 8.0, w * 0.55), x0 = 6, y0 = 4;
	double cx = x0 + s / 2, cy = y0 + s / 2, r = s / 2 - 2;
	rgb(cr, 0x0d0f12);
	cairo_rectangle(cr, x0, y0, s, s);
	cairo_fill(cr);
	/* axes: M vertical, S horizontal, and L/R at 45 degrees */
	rgb(cr, C_GRID);
	cairo_set_line_width(cr, 1);
	cairo_move_to(cr, cx, y0 + 2); cairo_line_to(cr, cx, y0 + s - 2);
	cairo_move_to(cr, x0 + 2, cy); cairo_line_to(cr, x0 + s - 2, cy);
	cairo_move_to(cr, cx - r * 0.7, cy - r * 0.7); cairo_line_to(cr, cx + r * 0.7, cy + r * 0.7);
	cairo_move_to(cr, cx + r * 0.7, cy - r * 0.7); cairo_line_to(cr, cx - r * 0.7, cy + r * 0.7);
	cairo_stroke(cr);
	set_font(cr, 9, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, cx, y0 + 11, 0.5, "M");
	text_at(cr, cx - r * 0.7 - 2, cy - r * 0.7 + 10, 0.5, "L");
	text_at(cr, cx + r * 0.7 + 2, cy - r * 0.7 + 10, 0.5, "R");
	text_at(cr, x0 + s - 8, cy - 3, 0.5, "S");
	if (m->n_gonio > 0) {
		/* auto-gain (m->gonio_gain) so quiet and loud masters fill the scope alike */
		cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, 0.55);
		double gg = m->gonio_gain;
		for (int i = 0; i < m->n_gonio; i++) {
			double sx = m->gonio[2 * i] * gg, my = m->gonio[2 * i + 1] * gg;
			double px = cx + CLAMP(sx, -1.0, 1.0) * r, py = cy - CLAMP(my, -1.0, 1.0) * r;
			cairo_rectangle(cr, px, py, 1.5, 1.5);
		}
		cairo_fill(cr);
	} else {
		text_at(cr, cx, cy + r * 0.5, 0.5, "no analysis");
	}

	/* correlation: -1 .. +1, green right of zero, red left */
	double bx = x0 + s + 14, bw = w - bx - 10, by = 26, bh = 14;
	set_font(cr, 9.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, bx, 14, 0, "CORRELATION");
	rgb(cr, 0x0d0f12);
	cairo_rectangle(cr, bx, by, bw, bh);
	cairo_fill(cr);
	rgb(cr, C_GRID);
	cairo_rectangle(cr, bx + bw / 2, by - 2, 1, bh + 4);
	cairo_fill(cr);
	char t[32];
	if (m->have_snap) {
		float c = CLAMP(m->snap.out.correlation, -1.0f, 1.0f);
		double px = bx + bw * (c + 1) / 2;
		rgb(cr, c < 0 ? C_BAD : c < 0.3f ? C_WARN : C_OK);
		cairo_rectangle(cr, MIN(px, bx + bw / 2), by + 2, fabs(px - (bx + bw / 2)), bh - 4);
		cairo_fill(cr);
		cairo_rectangle(cr, px - 1.5, by - 2, 3, bh + 4);
		cairo_fill(cr);
		snprintf(t, sizeof t, "%+.2f", c);
	} else {
		snprintf(t, sizeof t, "—");
	}
	set_font(cr, 8.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, bx, by + bh + 12, 0, "-1");
	text_at(cr, bx + bw / 2, by + bh + 12, 0.5, "0");
	text_at(cr, bx + bw, by + bh + 12, 1, "+1");
	set_font(cr, 18, TRUE);
	rgb(cr, C_TEXT);
	text_at(cr, bx + bw / 2, by + bh + 36, 0.5, t);

	/* balance */
	double yb = by + bh + 62;
	set_font(cr, 9.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, bx, yb, 0, "BALANCE");
	rgb(cr, 0x0d0f12);
	cairo_rectangle(cr, bx, yb + 6, bw, 8);
	cairo_fill(cr);
	if (m->have_snap) {
		float b = CLAMP(m->snap.out.balance, -1.0f, 1.0f);
		rgb(cr, C_ACCENT);
		cairo_rectangle(cr, bx + bw * (b + 1) / 2 - 2, yb + 4, 4, 12);
		cairo_fill(cr);
	}
	rgb(cr, C_GRID);
	cairo_rectangle(cr, bx + bw / 2, yb + 4, 1, 12);
	cairo_fill(cr);
	set_font(cr, 8.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, bx, yb + 28, 0, "L");
	text_at(cr, bx + bw, yb + 28, 1, "R");
}

/* ---- loudness history ---- */

#define HIST_TOP_LUFS -4.0
#define HIST_BOTTOM_LUFS -40.0

static void draw_history(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	meter_bridge *m = ud;
	rgb(cr, C_PANEL);
	cairo_paint(cr);
	const double left = 34, right = w - 8, top = 20, bottom = h - 18;
	const double pw = right - left, ph = bottom - top;
	set_font(cr, 9.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, left, 13, 0, "SHORT-TERM LUFS");
	rgb(cr, 0x0d0f12);
	cairo_rectangle(cr, left, top, pw, ph);
	cairo_fill(cr);
	set_font(cr, 8.5, FALSE);
	for (int l = -8; l >= -40; l -= 8) {
		double y = top + ph * (HIST_TOP_LUFS - l) / (HIST_TOP_LUFS - HIST_BOTTOM_LUFS);
		rgb(cr, C_GRID);
		cairo_rectangle(cr, left, y, pw, 1);
		cairo_fill(cr);
		char t[16];
		snprintf(t, sizeof t, "%d", l);
		rgb(cr, C_DIM);
		text_at(cr, left - 4, y + 3, 1, t);
	}
	/* the window grows with the data: 1 minute, 5 minutes, then 30 (10 Hz) */
	int span = m->n_hist <= 600 ? 600 : m->n_hist <= 3000 ? 3000 : HISTORY_LEN;
	int n = MIN(m->n_hist, span);
	int first = m->n_hist - n;
	if (n > 1) {
		double dx = pw / (span - 1);
		/* newest at the right edge ("now") */
		double x0 = right - (n - 1) * dx;
		cairo_move_to(cr, x0, bottom);
		/* one point per pixel column at most */
		int stride = MAX(1, (int)(1.0 / dx));
		for (int i = 0; i < n; i += stride) {
			float v = m->hist[first + i];
			double y = top + ph * (HIST_TOP_LUFS - CLAMP(v, HIST_BOTTOM_LUFS, HIST_TOP_LUFS)) / (HIST_TOP_LUFS - HIST_BOTTOM_LUFS);
			cairo_line_to(cr, x0 + i * dx, y);
		}
		cairo_line_to(cr, right, bottom);
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, 0.28);
		cairo_fill_preserve(cr);
		cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, 0.9);
		cairo_set_line_width(cr, 1.2);
		cairo_stroke(cr);
	} else {
		rgb(cr, C_DIM);
		set_font(cr, 10, FALSE);
		text_at(cr, left + pw / 2, top + ph / 2, 0.5, m->have_snap ? "collecting…" : "loudness analysis not running");
	}
	float tgt = target_lufs(m->surf->params);
	double ty = top + ph * (HIST_TOP_LUFS - tgt) / (HIST_TOP_LUFS - HIST_BOTTOM_LUFS);
	double dash[] = { 5, 4 };
	cairo_set_dash(cr, dash, 2, 0);
	rgb(cr, C_OK);
	cairo_set_line_width(cr, 1.2);
	cairo_move_to(cr, left, ty);
	cairo_line_to(cr, right, ty);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	char t[32];
	snprintf(t, sizeof t, "target %.0f", tgt);
	set_font(cr, 9, FALSE);
	/* the label sits right, where the newest loudness is drawn: on the side of
	 * the line that curve is not on (above it, the curve's edge ran through
	 * the text whenever the master played 1-3 LU over its target) */
	gboolean louder = n > 0 && m->hist[m->n_hist - 1] > tgt;
	text_at(cr, right - 4, louder ? ty + 12 : ty - 4, 1, t);
	rgb(cr, C_DIM);
	text_at(cr, left, h - 4, 0, span == 600 ? "-1 min" : span == 3000 ? "-5 min" : "-30 min");
	text_at(cr, right, h - 4, 1, "now");
}

/* ---- platforms ---- */

static void draw_platforms(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer ud)
{
	meter_bridge *m = ud;
	rgb(cr, C_PANEL);
	cairo_paint(cr);
	double c0 = 10, c1 = w * 0.42, c2 = w * 0.66, c3 = w - 10;
	set_font(cr, 9.5, FALSE);
	rgb(cr, C_DIM);
	text_at(cr, c0, 13, 0, "STREAMING PLATFORMS");
	set_font(cr, 8.5, FALSE);
	text_at(cr, c1, 28, 1, "TARGET");
	text_at(cr, c2, 28, 1, "GAIN");
	text_at(cr, c3, 28, 1, "TP AFTER");
	int preview = param_get_int(m->surf->params, P_MON_PLATFORM);
	int target = param_get_int(m->surf->params, P_TARGET_PLATFORM);
	double rh = MIN(18.0, (h - 36) / (double)(PLAT_COUNT - 1));
	for (int i = 1; i < PLAT_COUNT; i++) {
		double y = 36 + (i - 1) * rh;
		if (i == preview || i == target) {
			cairo_set_source_rgba(cr, 0.31, 0.70, 1.0, i == preview ? 0.18 : 0.09);
			cairo_rectangle(cr, 4, y, w - 8, rh - 1);
			cairo_fill(cr);
		}
		char t[32];
		const platform_info *pi = platform_get(i);
		set_font(cr, 10.5, FALSE);
		rgb(cr, C_TEXT);
		text_at(cr, c0, y + rh - 5, 0, pi ? pi->name : "?");
		if (pi)
			snprintf(t, sizeof t, "%.0f", pi->target_lufs);
		else
			snprintf(t, sizeof t, "—");
		rgb(cr, C_DIM);
		text_at(cr, c1, y + rh - 5, 1, t);
		gboolean ok = m->have_snap && m->snap.out.lufs_i > -69.9f;
		float g = m->snap.platform_gain_db[i], tpa = m->snap.platform_tp_after[i];
		set_font(cr, 10.5, TRUE);
		if (ok) {
			snprintf(t, sizeof t, "%+.1f dB", g);
			rgb(cr, g < -0.05f ? C_WARN : C_OK);
		} else {
			snprintf(t, sizeof t, "—");
			rgb(cr, C_DIM);
		}
		text_at(cr, c2, y + rh - 5, 1, t);
		if (ok) {
			snprintf(t, sizeof t, "%+.1f", tpa);
			rgb(cr, tpa > -1.0f ? C_BAD : C_TEXT);
		} else {
			rgb(cr, C_DIM);
		}
		text_at(cr, c3, y + rh - 5, 1, t);
	}
}

static void on_reset_click(GtkGestureClick *g, int n, double x, double y, gpointer ud)
{
	if (n == 2)
		meter_bridge_reset(ud);
}

static GtkWidget *area(meter_bridge *m, int w, int h, GtkDrawingAreaDrawFunc fn, const char *name, const char *tip)
{
	GtkWidget *a = g_object_new(GTK_TYPE_DRAWING_AREA, "accessible-role", GTK_ACCESSIBLE_ROLE_IMG, NULL);
	gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(a), w);
	gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(a), h);
	gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(a), fn, m, NULL);
	gtk_accessible_update_property(GTK_ACCESSIBLE(a), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
	gtk_widget_set_tooltip_text(a, tip);
	gtk_widget_add_css_class(a, "meter");
	GtkGesture *click = gtk_gesture_click_new();
	g_signal_connect(click, "pressed", G_CALLBACK(on_reset_click), m);
	gtk_widget_add_controller(a, GTK_EVENT_CONTROLLER(click));
	return a;
}

meter_bridge *meter_bridge_new(lathe_surface *surf)
{
	meter_bridge *m = g_new0(meter_bridge, 1);
	m->surf = surf;
	m->hist = g_new0(float, HISTORY_LEN);
	for (int ch = 0; ch < 2; ch++) {
		m->in_db[ch] = m->out_db[ch] = m->in_hold[ch] = m->out_hold[ch] = FLOOR_DB;
		m->in_max[ch] = m->out_max[ch] = m->last_in[ch] = m->last_out[ch] = FLOOR_DB;
	}
	m->levels = area(m, 330, 270, draw_levels, "Peak, true peak and gain reduction meters",
	                 "Peak bars with 2 s hold; amber marks are true peaks.\nNumbers: highest sample peak and true peak since reset (dBFS).\nScale: Monitor › Meter scale (dBFS, EBU +9/+18, K-20/14/12); the blue mark is its 0.\nDouble-click to reset.");
	m->loudness = area(m, 330, 122, draw_loudness, "Loudness (LUFS)",
	                   "EBU R128 loudness of the master: momentary (400 ms), short-term (3 s), integrated.\nDouble-click to reset.");
	m->scope = area(m, 330, 150, draw_scope, "Goniometer and correlation",
	                "Goniometer (mid up, side across) and phase correlation of the master.");
	m->history = area(m, 170, 150, draw_history, "Loudness history",
	                  "Short-term loudness of the master over the last minute (then 5, then 30 minutes); dashed: the target.");
	m->platforms = area(m, 300, 150, draw_platforms, "Streaming platforms",
	                    "Gain each platform's loudness normalisation would apply to this master, and the true peak after it.");
	return m;
}

void meter_bridge_free(meter_bridge *m)
{
	if (!m)
		return;
	g_free(m->hist);
	if (m->scale_img)
		cairo_surface_destroy(m->scale_img);
	if (m->scale_grad)
		cairo_pattern_destroy(m->scale_grad);
	g_free(m);
}

void meter_bridge_reset(meter_bridge *m)
{
	for (int ch = 0; ch < 2; ch++)
		m->in_max[ch] = m->out_max[ch] = m->in_hold[ch] = m->out_hold[ch] = FLOOR_DB;
	m->overs = 0;
	m->surf->ops->loudness_reset(m->surf);
	gtk_widget_queue_draw(m->levels);
	gtk_widget_queue_draw(m->loudness);
}

static void ballistics(float *disp, float *hold, gint64 *hold_us, float target, float dt, gint64 now)
{
	float fallen = *disp - FALL_DB_PER_S * dt;
	*disp = target > fallen ? target : MAX(fallen, FLOOR_DB);
	if (target >= *hold) {
		*hold = target;
		*hold_us = now;
	} else if (now - *hold_us > HOLD_US) {
		*hold = MAX(*hold - 3 * FALL_DB_PER_S * dt, *disp);
	}
}

gboolean meter_gr_ballistics(float *shown, gint64 *held_us, float gr, float dt, gint64 now)
{
	float was = *shown;
	if (gr >= *shown) {
		*shown = gr;
		*held_us = now;
	} else if (now - *held_us > GR_HOLD_US) {
		*shown = MAX(gr, *shown - GR_FALL_DB_PER_S * dt);
	}
	return *shown != was;
}

void meter_bridge_tick(meter_bridge *m, gint64 now)
{
	float dt = m->last_us ? (float)(now - m->last_us) * 1e-6f : 0.0f;
	dt = CLAMP(dt, 0.0f, 0.25f);
	m->last_us = now;

	/* drain the ring: the loudest block since the last frame wins */
	float in_pk[2] = { 0, 0 }, out_pk[2] = { 0, 0 }, mb[MB_BANDS] = { 0 }, lim = 0;
	int got = 0;
	gboolean moved = FALSE;
	meter_frame f;
	while (m->surf->ops->read_frame(m->surf, &f)) {
		for (int ch = 0; ch < 2; ch++) {
			in_pk[ch] = MAX(in_pk[ch], f.in_peak[ch]);
			out_pk[ch] = MAX(out_pk[ch], f.out_peak[ch]);
		}
		for (int b = 0; b < MB_BANDS; b++)
			mb[b] = MAX(mb[b], f.mb_gr[b]);
		lim = MAX(lim, f.lim_gr);
		m->overs += f.overs;
		got++;
	}
	m->frames += got;
	if (got) {
		m->last_frame_us = now;
		for (int ch = 0; ch < 2; ch++) {
			m->last_in[ch] = lin_to_db(in_pk[ch]);
			m->last_out[ch] = lin_to_db(out_pk[ch]);
			m->in_max[ch] = MAX(m->in_max[ch], m->last_in[ch]);
			m->out_max[ch] = MAX(m->out_max[ch], m->last_out[ch]);
		}
	} else if (now - m->last_frame_us > STALE_US) {
		for (int ch = 0; ch < 2; ch++)
			m->last_in[ch] = m->last_out[ch] = FLOOR_DB;
	}
	/* no block this tick: the reduction is what the last one said, held as usual */
	for (int b = 0; b < MB_BANDS; b++)
		moved |= meter_gr_ballistics(&m->mb_gr[b], &m->mb_gr_us[b], mb[b], dt, now);
	moved |= meter_gr_ballistics(&m->lim_gr, &m->lim_gr_us, lim, dt, now);
	m->gr_col_max = MAX(m->gr_col_max, lim);
	if (now - m->gr_col_us >= GR_COL_US) {
		/* a long frame (window hidden) leaves a gap of one column, not a jump in time */
		m->gr_col_us = now;
		m->gr_hist[m->gr_hist_pos] = m->gr_col_max;
		m->gr_hist_pos = (m->gr_hist_pos + 1) % GR_HIST_N;
		m->gr_hist_n = MIN(m->gr_hist_n + 1, GR_HIST_N);
		m->gr_col_max = 0;
		moved = TRUE;
	}
	for (int ch = 0; ch < 2; ch++) {
		float before = m->in_db[ch] + m->out_db[ch] + m->in_hold[ch] + m->out_hold[ch];
		ballistics(&m->in_db[ch], &m->in_hold[ch], &m->in_hold_us[ch], m->last_in[ch], dt, now);
		ballistics(&m->out_db[ch], &m->out_hold[ch], &m->out_hold_us[ch], m->last_out[ch], dt, now);
		if (before != m->in_db[ch] + m->out_db[ch] + m->in_hold[ch] + m->out_hold[ch])
			moved = TRUE;
	}
	if (m->scale_img && param_get_int(m->surf->params, P_MON_METER_SCALE) != m->scale_img_scale)
		moved = TRUE; /* a new scale shows at once, with or without audio */
	if (moved || got)
		gtk_widget_queue_draw(m->levels);

	if (now - m->slow_us >= SLOW_US) {
		m->slow_us = now;
		m->have_snap = m->surf->ops->analysis(m->surf, &m->snap);
		if (m->have_snap) {
			m->n_gonio = m->surf->ops->gonio(m->surf, m->gonio, GONIO_POINTS);
			/* scope auto-gain: the largest point lands at 80 % of the radius;
			 * rises at once, relaxes by ~3 dB per second (at 15 Hz) */
			float big = 0;
			for (int i = 0; i < 2 * m->n_gonio; i++)
				big = MAX(big, fabsf(m->gonio[i]));
			float want = 0.8f / MAX(big, 0.01f);
			m->gonio_gain = (want < m->gonio_gain || m->gonio_gain <= 0) ? want : MIN(want, m->gonio_gain * 1.023f);
		}
		gtk_widget_queue_draw(m->loudness);
		gtk_widget_queue_draw(m->scope);
	}
	if (now - m->hist_us >= HIST_US) {
		m->hist_us = now;
		m->n_hist = m->surf->ops->history(m->surf, m->hist, HISTORY_LEN);
		gtk_widget_queue_draw(m->history);
		gtk_widget_queue_draw(m->platforms);
	}
}
