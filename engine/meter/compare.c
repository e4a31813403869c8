/* lathe — mix against master (see compare.h). */
#include "compare.h"
#include "report.h"
#include "spectrum.h"
#include "../render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINS 256
#define W 1400
#define PANEL_H 260
#define SPEC_H 300
#define ML 80.0
#define MR 40.0
#define MT 40.0
#define GAP 50.0

typedef struct {
	const char *path;
	float *lr;
	size_t frames;
	int rate;
	report_meter *rm;
	loudness_report r;
	double width_db;
	float spec[BINS];
} side;

static int load(side *s, const char *path, char *err, int errlen)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	s->lr = render_read_stereo(path, &s->frames, &s->rate, NULL, err, errlen);
	if (!s->lr)
		return -1;
	s->rm = report_new(s->rate, 2);
	if (!s->rm) {
		snprintf(err, (size_t)errlen, "cannot analyse '%s': %d Hz", path, s->rate);
		return -1;
	}
	report_add(s->rm, s->lr, s->frames);
	report_finish(s->rm, &s->r);
	double mm = 0, ss = 0;
	for (size_t i = 0; i < s->frames; i++) {
		double m = 0.5 * (s->lr[2 * i] + s->lr[2 * i + 1]), d = 0.5 * (s->lr[2 * i] - s->lr[2 * i + 1]);
		mm += m * m;
		ss += d * d;
	}
	s->width_db = mm > 0 && ss > 0 ? 10 * log10(ss / mm) : -120;
	/* The console's spectrum is a running average of a few seconds: read it
	 * every second and average those readings' power over the whole file. */
	spectrum *sp = spectrum_new((unsigned)s->rate, BINS);
	if (sp) {
		double acc[BINS] = { 0 };
		float now[BINS];
		int reads = 0;
		for (size_t pos = 0; pos < s->frames; pos += (size_t)s->rate) {
			size_t n = s->frames - pos < (size_t)s->rate ? s->frames - pos : (size_t)s->rate;
			spectrum_add(sp, s->lr + 2 * pos, n, 2);
			spectrum_get(sp, now, 0);
			for (int i = 0; i < BINS; i++)
				acc[i] += pow(10, now[i] / 10);
			reads++;
		}
		for (int i = 0; i < BINS; i++)
			s->spec[i] = reads ? (float)(10 * log10(acc[i] / reads + 1e-30)) : SPECTRUM_FLOOR_DB;
		spectrum_free(sp);
	}
	return 0;
}

static void drop(side *s)
{
	free(s->lr);
	report_free(s->rm);
}

static void label(cairo_t *cr, double x, double y, const char *t)
{
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, t);
}

/* One waveform panel: min/max per pixel column of both channels, full scale
 * the same for both files, and the short-term loudness on a -60..0 LUFS axis. */
static void waveform(cairo_t *cr, const side *s, double top, double seconds, const char *title)
{
	double w = W - ML - MR, mid = top + PANEL_H / 2.0;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, ML + 0.5, top + 0.5, w, PANEL_H);
	cairo_stroke(cr);
	label(cr, ML, top - 8, title);
	cairo_save(cr);
	cairo_rectangle(cr, ML, top, w, PANEL_H); /* a mix above full scale stays in its panel */
	cairo_clip(cr);
	cairo_set_source_rgb(cr, 0.35, 0.5, 0.8);
	size_t per = (size_t)ceil(seconds * s->rate / w);
	for (int x = 0; x < (int)w; x++) {
		size_t a = (size_t)x * per, b = a + per;
		if (a >= s->frames)
			break;
		if (b > s->frames)
			b = s->frames;
		float lo = 0, hi = 0;
		for (size_t i = 2 * a; i < 2 * b; i++) {
			lo = s->lr[i] < lo ? s->lr[i] : lo;
			hi = s->lr[i] > hi ? s->lr[i] : hi;
		}
		cairo_move_to(cr, ML + x + 0.5, mid - hi * PANEL_H / 2);
		cairo_line_to(cr, ML + x + 0.5, mid - lo * PANEL_H / 2 + 1);
	}
	cairo_stroke(cr);
	const float *st;
	size_t n = report_series(s->rm, NULL, &st, NULL);
	cairo_set_source_rgb(cr, 0.85, 0.2, 0.1);
	cairo_set_line_width(cr, 2);
	int pen = 0;
	for (size_t i = 0; i < n; i++) {
		double t = (i + 1.0) / REPORT_POINT_HZ, v = st[i];
		if (v < -60) {
			pen = 0;
			continue;
		}
		double x = ML + t / seconds * w, y = top + (-v / 60.0) * PANEL_H;
		if (pen)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen = 1;
	}
	cairo_stroke(cr);
	cairo_restore(cr);
	cairo_set_line_width(cr, 1);
	char b[160];
	snprintf(b, sizeof b, "%.1f LUFS integrated, %.1f dBTP, PLR %.1f dB  (red: short-term loudness, 0 to -60 LUFS)",
	         s->r.integrated_lufs, s->r.true_peak_dbtp, s->r.plr_db);
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	label(cr, ML + 260, top - 8, b);
}

static void spectra(cairo_t *cr, const side *a, const side *b, double top)
{
	double w = W - ML - MR, lo = -100, hi = 0;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, ML + 0.5, top + 0.5, w, SPEC_H);
	cairo_stroke(cr);
	label(cr, ML, top - 8, "long-term spectrum, 20 Hz - 20 kHz (blue: mix, red: master; 10 dB grid)");
	cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
	for (double v = lo; v <= hi; v += 10) {
		double y = top + (hi - v) / (hi - lo) * SPEC_H;
		cairo_move_to(cr, ML, floor(y) + 0.5);
		cairo_line_to(cr, ML + w, floor(y) + 0.5);
	}
	cairo_stroke(cr);
	const side *s[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		cairo_set_source_rgb(cr, k ? 0.85 : 0.2, 0.2, k ? 0.1 : 0.8);
		cairo_set_line_width(cr, 2);
		for (int i = 0; i < BINS; i++) {
			double v = s[k]->spec[i] < lo ? lo : s[k]->spec[i] > hi ? hi : s[k]->spec[i];
			double x = ML + (double)i / (BINS - 1) * w, y = top + (hi - v) / (hi - lo) * SPEC_H;
			if (i)
				cairo_line_to(cr, x, y);
			else
				cairo_move_to(cr, x, y);
		}
		cairo_stroke(cr);
	}
	cairo_set_line_width(cr, 1);
}

static int plot(const side *a, const side *b, const char *png, char *err, int errlen)
{
	int h = (int)(MT + 2 * (PANEL_H + GAP) + SPEC_H + 30);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, h);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 13);
	cairo_set_line_width(cr, 1);
	double seconds = fmax(a->r.duration_s, b->r.duration_s);
	if (seconds <= 0)
		seconds = 1;
	waveform(cr, a, MT, seconds, "mix");
	waveform(cr, b, MT + PANEL_H + GAP, seconds, "master");
	spectra(cr, a, b, MT + 2 * (PANEL_H + GAP));
	cairo_destroy(cr);
	cairo_status_t st = cairo_surface_write_to_png(s, png);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, (size_t)errlen, "cannot write '%s': %s", png, cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

int analyze_compare(const char *mix, const char *master, int json, const char *plot_png, char *err, int errlen)
{
	side a, b;
	if (load(&a, mix, err, errlen)) {
		drop(&a);
		return 1;
	}
	if (load(&b, master, err, errlen)) {
		drop(&a);
		drop(&b);
		return 1;
	}
	double gain = b.r.integrated_lufs - a.r.integrated_lufs, plr = b.r.plr_db - a.r.plr_db,
	       width = b.width_db - a.width_db;
	if (json) {
		printf("{\n\"mix\": ");
		report_json(&a.r, stdout);
		printf(",\n\"master\": ");
		report_json(&b.r, stdout);
		printf(",\n\"loudness_gain_lu\": %.2f,\n\"plr_change_db\": %.2f,\n\"width_change_db\": %.2f\n}\n", gain, plr, width);
	} else {
		printf("%-18s %12s %12s %10s\n", "", "mix", "master", "change");
		printf("%-18s %7.1f LUFS %7.1f LUFS %+7.1f LU\n", "integrated", a.r.integrated_lufs, b.r.integrated_lufs, gain);
		printf("%-18s %9.1f LU %9.1f LU %+7.1f LU\n", "loudness range", a.r.loudness_range_lu, b.r.loudness_range_lu,
		       b.r.loudness_range_lu - a.r.loudness_range_lu);
		printf("%-18s %7.1f dBTP %7.1f dBTP %+7.1f dB\n", "true peak", a.r.true_peak_dbtp, b.r.true_peak_dbtp,
		       b.r.true_peak_dbtp - a.r.true_peak_dbtp);
		printf("%-18s %9.1f dB %9.1f dB %+7.1f dB\n", "PLR", a.r.plr_db, b.r.plr_db, plr);
		printf("%-18s %9.1f dB %9.1f dB %+7.1f dB\n", "width (S/M)", a.width_db, b.width_db, width);
	}
	int rc = 0;
	if (plot_png && plot(&a, &b, plot_png, err, errlen))
		rc = 1;
	drop(&a);
	drop(&b);
	return rc;
}
