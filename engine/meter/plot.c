/* lathe — `lathe analyze --plot PNG`: loudness over time (cairo).
 * Momentary (thin) and short-term (thick) loudness at 10 Hz, the integrated
 * loudness (dashed), the platforms' targets (dotted, labelled on the right),
 * and red marks along the top wherever the true peak passed -1 dBTP. */
#include "report.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 1400
#define H 620
#define ML 80.0   /* margins: left (y labels) */
#define MR 270.0  /* right (target labels) */
#define MT 60.0
#define MB 60.0

typedef struct {
	double t0, t1, y0, y1; /* data ranges: seconds, LUFS (y0 bottom) */
} frame;

static double px(const frame *f, double t) { return ML + (t - f->t0) / (f->t1 - f->t0) * (W - ML - MR); }
static double py(const frame *f, double v)
{
	if (v < f->y0)
		v = f->y0;
	if (v > f->y1)
		v = f->y1;
	return H - MB - (v - f->y0) / (f->y1 - f->y0) * (H - MT - MB);
}

static void text(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t e;
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.width * align, y);
	cairo_show_text(cr, s);
}

static void series(cairo_t *cr, const frame *f, const float *v, size_t n, double dt)
{
	int pen = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] <= f->y0 - 20) { /* silence: lift the pen */
			pen = 0;
			continue;
		}
		double x = px(f, (i + 1) * dt), y = py(f, v[i]);
		if (pen)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen = 1;
	}
	cairo_stroke(cr);
}

int report_plot_png(const report_meter *rm, const loudness_report *r, const char *title, const char *png,
                    char *err, int errlen)
{
	const float *mom, *st, *tp;
	size_t n = report_series(rm, &mom, &st, &tp);
	const double dt = 1.0 / REPORT_POINT_HZ;
	frame f = { 0, r->duration_s > 1 ? r->duration_s : 1, 0, 0 };
	double top = r->max_momentary_lufs > -70 ? r->max_momentary_lufs : -20;
	f.y1 = ceil((top + 2) / 5) * 5;
	if (f.y1 < -10)
		f.y1 = -10;
	/* Bottom: 5 LU under the quietest short-term reading (silence aside), so a
	 * loud, dense master is not squeezed into the top fifth; 20 to 50 LU tall. */
	double low = f.y1;
	for (size_t i = 0; i < n; i++)
		if (st[i] > -70 && st[i] < low)
			low = st[i];
	f.y0 = floor((low - 5) / 5) * 5;
	if (f.y0 > f.y1 - 20)
		f.y0 = f.y1 - 20;
	if (f.y0 < f.y1 - 50)
		f.y0 = f.y1 - 50;

	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 13);

	/* grid and y axis: every 5 LU */
	cairo_set_line_width(cr, 1);
	for (double v = f.y0; v <= f.y1 + 1e-9; v += 5) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, ML, floor(py(&f, v)) + 0.5);
		cairo_line_to(cr, W - MR, floor(py(&f, v)) + 0.5);
		cairo_stroke(cr);
		char b[16];
		snprintf(b, sizeof b, "%.0f", v);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		text(cr, ML - 8, py(&f, v) + 4, b, 1);
	}
	/* x axis: a tick step giving about ten ticks */
	static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600 };
	double step = steps[0];
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		step = steps[i];
		if ((f.t1 - f.t0) / step <= 12)
			break;
	}
	for (double t = 0; t <= f.t1 + 1e-9; t += step) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, floor(px(&f, t)) + 0.5, MT);
		cairo_line_to(cr, floor(px(&f, t)) + 0.5, H - MB);
		cairo_stroke(cr);
		char b[24];
		snprintf(b, sizeof b, "%d:%02d", (int)t / 60, (int)t % 60);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		text(cr, px(&f, t), H - MB + 18, b, 0.5);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, ML + 0.5, MT + 0.5, W - ML - MR, H - MT - MB);
	cairo_stroke(cr);
	text(cr, ML + (W - ML - MR) / 2, H - 14, "time (min:s)", 0.5);
	cairo_save(cr);
	cairo_translate(cr, 22, MT + (H - MT - MB) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text(cr, 0, 0, "loudness (LUFS)", 0.5);
	cairo_restore(cr);

	/* platform targets, one dotted line per distinct target; labels go in
	 * the right margin, pushed apart where targets are 1 LU apart */
	double dots[] = { 2, 4 };
	char labels[PLAT_COUNT + 1][160];
	double label_y[PLAT_COUNT + 1];
	double label_rgb[PLAT_COUNT + 1][3];
	int nl = 0;
	for (int i = 0; i < r->n_platforms; i++) {
		int first = 1;
		for (int j = 0; j < i; j++)
			if (r->platforms[j].target_lufs == r->platforms[i].target_lufs)
				first = 0;
		if (!first)
			continue;
		int len = snprintf(labels[nl], sizeof labels[nl], "%.0f", r->platforms[i].target_lufs);
		for (int j = i; j < r->n_platforms; j++)
			if (r->platforms[j].target_lufs == r->platforms[i].target_lufs)
				len += snprintf(labels[nl] + len, sizeof labels[nl] - (size_t)len, " %s", r->platforms[j].name);
		double y = floor(py(&f, r->platforms[i].target_lufs)) + 0.5;
		cairo_set_source_rgb(cr, 0.45, 0.3, 0.6);
		cairo_set_line_width(cr, 1);
		cairo_set_dash(cr, dots, 2, 0);
		cairo_move_to(cr, ML, y);
		cairo_line_to(cr, W - MR, y);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		label_y[nl] = y + 4;
		label_rgb[nl][0] = 0.45, label_rgb[nl][1] = 0.3, label_rgb[nl][2] = 0.6;
		nl++;
	}
	if (r->integrated_lufs > -70) {
		snprintf(labels[nl], sizeof labels[nl], "I %.1f LUFS", r->integrated_lufs);
		label_y[nl] = py(&f, r->integrated_lufs) + 4;
		label_rgb[nl][0] = 0.1, label_rgb[nl][1] = 0.6, label_rgb[nl][2] = 0.2;
		nl++;
	}
	/* sort by height, then keep 14 px between neighbours */
	for (int i = 1; i < nl; i++)
		for (int j = i; j > 0 && label_y[j] < label_y[j - 1]; j--) {
			char tmp[160];
			double ty = label_y[j], tc[3] = { label_rgb[j][0], label_rgb[j][1], label_rgb[j][2] };
			memcpy(tmp, labels[j], sizeof tmp);
			memcpy(labels[j], labels[j - 1], sizeof tmp);
			memcpy(labels[j - 1], tmp, sizeof tmp);
			label_y[j] = label_y[j - 1];
			label_y[j - 1] = ty;
			memcpy(label_rgb[j], label_rgb[j - 1], sizeof tc);
			memcpy(label_rgb[j - 1], tc, sizeof tc);
		}
	for (int i = 1; i < nl; i++)
		if (label_y[i] < label_y[i - 1] + 14)
			label_y[i] = label_y[i - 1] + 14;
	cairo_set_font_size(cr, 12);
	for (int i = 0; i < nl; i++) {
		cairo_set_source_rgb(cr, label_rgb[i][0], label_rgb[i][1], label_rgb[i][2]);
		text(cr, W - MR + 6, label_y[i], labels[i], 0);
	}
	cairo_set_font_size(cr, 13);

	/* the loudness curves */
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_source_rgb(cr, 0.55, 0.75, 0.95);
	cairo_set_line_width(cr, 1);
	series(cr, &f, mom, n, dt);
	cairo_set_source_rgb(cr, 0.05, 0.25, 0.65);
	cairo_set_line_width(cr, 2.2);
	series(cr, &f, st, n, dt);

	/* integrated */
	if (r->integrated_lufs > -70) {
		double dash[] = { 8, 4.8 };
		cairo_set_source_rgb(cr, 0.1, 0.6, 0.2);
		cairo_set_line_width(cr, 2);
		cairo_set_dash(cr, dash, 2, 0);
		cairo_move_to(cr, ML, py(&f, r->integrated_lufs));
		cairo_line_to(cr, W - MR, py(&f, r->integrated_lufs));
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
	}

	/* true-peak overs: red marks along the top edge */
	cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
	cairo_set_line_width(cr, 2);
	for (size_t i = 0; i < n; i++)
		if (tp[i] > -1.0f) {
			double x = px(&f, (i + 0.5) * dt);
			cairo_move_to(cr, x, MT + 1);
			cairo_line_to(cr, x, MT + 12);
		}
	cairo_stroke(cr);

	/* title and legend */
	char t[512];
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_font_size(cr, 16);
	snprintf(t, sizeof t, "%s   I %.1f LUFS   LRA %.1f LU   TP %.1f dBTP   PLR %.1f dB", title, r->integrated_lufs,
	         r->loudness_range_lu, r->true_peak_dbtp, r->plr_db);
	text(cr, ML, 28, t, 0);
	cairo_set_font_size(cr, 12);
	struct {
		double rgb[3];
		double w, dash;
		const char *name;
	} legend[] = {
		{ { 0.55, 0.75, 0.95 }, 1, 0, "momentary" },
		{ { 0.05, 0.25, 0.65 }, 2.2, 0, "short-term" },
		{ { 0.1, 0.6, 0.2 }, 2, 8, "integrated" },
		{ { 0.45, 0.3, 0.6 }, 1, 3, "platform targets" },
		{ { 0.85, 0.1, 0.1 }, 2, 0, "true peak > -1 dBTP" },
	};
	/* the legend in one row between the title and the plot, never over the data */
	double lx = ML, ly = MT - 12;
	for (int i = 0; i < 5; i++) {
		cairo_set_source_rgb(cr, legend[i].rgb[0], legend[i].rgb[1], legend[i].rgb[2]);
		cairo_set_line_width(cr, legend[i].w);
		double d[2] = { legend[i].dash, legend[i].dash * 0.6 };
		cairo_set_dash(cr, d, legend[i].dash > 0 ? 2 : 0, 0);
		cairo_move_to(cr, lx, ly - 4);
		cairo_line_to(cr, lx + 28, ly - 4);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, lx + 36, ly, legend[i].name, 0);
		cairo_text_extents_t e;
		cairo_text_extents(cr, legend[i].name, &e);
		lx += 36 + e.x_advance + 24;
	}

	cairo_destroy(cr);
	cairo_surface_flush(s);
	cairo_status_t st_ = cairo_surface_write_to_png(s, png);
	cairo_surface_destroy(s);
	if (st_ != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cannot write '%s': %s", png, cairo_status_to_string(st_));
		return -1;
	}
	return 0;
}
