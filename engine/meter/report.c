/* lathe — file loudness report (see report.h). */
#include "report.h"
#include "measure.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OVER_DBTP (-1.0f) /* delivery ceiling most platforms ask for */

struct report_meter {
	measure *m;
	int rate, channels;
	unsigned point_frames;    /* frames per series point (100 ms) */
	unsigned phase;           /* frames into the current point */
	float point_tp;           /* true peak (linear) of the current point */
	float *mom, *st, *tp;     /* the series */
	size_t n, cap;
};

report_meter *report_new(int rate, int channels)
{
	if (rate < 8000 || rate > MEASURE_MAX_RATE || channels < 1 || channels > MEASURE_MAX_CH)
		return NULL;
	report_meter *rm = calloc(1, sizeof *rm);
	if (!rm)
		return NULL;
	rm->m = measure_new((unsigned)rate, (unsigned)channels, MEASURE_ALL);
	if (!rm->m) {
		free(rm);
		return NULL;
	}
	measure_set_ceiling_db(rm->m, OVER_DBTP);
	rm->rate = rate;
	rm->channels = channels;
	rm->point_frames = (unsigned)rate / REPORT_POINT_HZ;
	return rm;
}

void report_free(report_meter *rm)
{
	if (!rm)
		return;
	measure_free(rm->m);
	free(rm->mom);
	free(rm->st);
	free(rm->tp);
	free(rm);
}

static void push_point(report_meter *rm)
{
	if (rm->n == rm->cap) {
		size_t cap = rm->cap ? rm->cap * 2 : 4096;
		float *a = realloc(rm->mom, cap * sizeof(float));
		if (a)
			rm->mom = a;
		float *b = realloc(rm->st, cap * sizeof(float));
		if (b)
			rm->st = b;
		float *c = realloc(rm->tp, cap * sizeof(float));
		if (c)
			rm->tp = c;
		if (!a || !b || !c)
			return; /* out of memory: the series stops growing, the numbers stay right */
		rm->cap = cap;
	}
	float tp[MEASURE_MAX_CH];
	measure_take_period(rm->m, NULL, tp);
	float mx = 0;
	for (int c = 0; c < rm->channels; c++)
		mx = tp[c] > mx ? tp[c] : mx;
	rm->mom[rm->n] = rm->m->lufs_m;
	rm->st[rm->n] = rm->m->lufs_s;
	rm->tp[rm->n] = measure_db(mx);
	rm->n++;
}

void report_add(report_meter *rm, const float *x, size_t frames)
{
	while (frames > 0) {
		size_t k = rm->point_frames - rm->phase;
		if (k > frames)
			k = frames;
		measure_add(rm->m, x, k, (size_t)rm->channels);
		rm->phase += (unsigned)k;
		x += k * (size_t)rm->channels;
		frames -= k;
		if (rm->phase == rm->point_frames) {
			rm->phase = 0;
			push_point(rm);
		}
	}
}

size_t report_series(const report_meter *rm, const float **momentary, const float **short_term, const float **true_peak)
{
	if (momentary)
		*momentary = rm->mom;
	if (short_term)
		*short_term = rm->st;
	if (true_peak)
		*true_peak = rm->tp;
	return rm->n;
}

void report_finish(report_meter *rm, loudness_report *r)
{
	memset(r, 0, sizeof *r);
	const measure *m = rm->m;
	r->integrated_lufs = measure_integrated(m);
	r->loudness_range_lu = measure_lra(m);
	r->true_peak_dbtp = measure_tp_max_db(m);
	r->sample_peak_dbfs = measure_peak_max_db(m);
	r->max_momentary_lufs = m->max_m;
	r->max_short_term_lufs = m->max_s;
	r->plr_db = r->integrated_lufs > -70 ? r->true_peak_dbtp - r->integrated_lufs : 0;
	r->correlation_min = m->corr_min;
	r->duration_s = (double)m->frames / rm->rate;
	r->sample_rate = rm->rate;
	r->channels = rm->channels;
	r->tp_overs = m->tp_overs;
	r->n_platforms = REPORT_PLATFORMS;
	for (int p = 1; p < PLAT_COUNT; p++) {
		const platform_info *pi = platform_get(p);
		platform_result *o = &r->platforms[p - 1];
		float after;
		o->name = pi->name;
		o->id = pi->id;
		o->target_lufs = pi->target_lufs;
		o->gain_db = platform_gain_db(pi, (float)r->integrated_lufs, (float)r->true_peak_dbtp, &after);
		o->true_peak_after_dbtp = after;
	}
}

/* Written by hand rather than with json-glib: its generator prints doubles
 * with 17 significant digits (-8.5899999999999999); two decimals are what
 * the meters are good for.  Every string is one of our constant ASCII names,
 * so no escaping is needed. */
/* A number for JSON: fixed decimals with a '.' whatever the locale (GTK sets one). */
static const char *J(char *buf, double v, int decimals)
{
	char fmt[8];
	snprintf(fmt, sizeof fmt, "%%.%df", decimals);
	return g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, fmt, v);
}

void report_json(const loudness_report *r, FILE *f)
{
	char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE], b3[G_ASCII_DTOSTR_BUF_SIZE];
	fprintf(f, "{\n");
	fprintf(f, "  \"integrated_lufs\": %s,\n", J(b1, r->integrated_lufs, 2));
	fprintf(f, "  \"loudness_range_lu\": %s,\n", J(b1, r->loudness_range_lu, 2));
	fprintf(f, "  \"true_peak_dbtp\": %s,\n", J(b1, r->true_peak_dbtp, 2));
	fprintf(f, "  \"sample_peak_dbfs\": %s,\n", J(b1, r->sample_peak_dbfs, 2));
	fprintf(f, "  \"max_momentary_lufs\": %s,\n", J(b1, r->max_momentary_lufs, 2));
	fprintf(f, "  \"max_short_term_lufs\": %s,\n", J(b1, r->max_short_term_lufs, 2));
	fprintf(f, "  \"plr_db\": %s,\n", J(b1, r->plr_db, 2));
	fprintf(f, "  \"correlation_min\": %s,\n", J(b1, r->correlation_min, 2));
	fprintf(f, "  \"duration_s\": %s,\n", J(b1, r->duration_s, 3));
	fprintf(f, "  \"sample_rate\": %d,\n", r->sample_rate);
	fprintf(f, "  \"channels\": %d,\n", r->channels);
	fprintf(f, "  \"true_peak_overs\": %u,\n", r->tp_overs);
	fprintf(f, "  \"platforms\": [\n");
	for (int i = 0; i < r->n_platforms; i++) {
		const platform_result *p = &r->platforms[i];
		fprintf(f, "    { \"name\": \"%s\", \"id\": \"%s\", \"target_lufs\": %s, \"gain_db\": %s, \"true_peak_after_dbtp\": %s }%s\n",
		        p->name, p->id, J(b1, p->target_lufs, 1), J(b2, p->gain_db, 2), J(b3, p->true_peak_after_dbtp, 2), i + 1 < r->n_platforms ? "," : "");
	}
	fprintf(f, "  ]\n}");
}

void report_print(const loudness_report *r, FILE *f)
{
	fprintf(f, "%-18s %8.1f LUFS\n", "integrated", r->integrated_lufs);
	fprintf(f, "%-18s %8.1f LU\n", "loudness range", r->loudness_range_lu);
	fprintf(f, "%-18s %8.1f dBTP\n", "true peak", r->true_peak_dbtp);
	fprintf(f, "%-18s %8.1f dBFS\n", "sample peak", r->sample_peak_dbfs);
	fprintf(f, "%-18s %8.1f LUFS\n", "max momentary", r->max_momentary_lufs);
	fprintf(f, "%-18s %8.1f LUFS\n", "max short-term", r->max_short_term_lufs);
	fprintf(f, "%-18s %8.1f dB\n", "PLR", r->plr_db);
	fprintf(f, "%-18s %8.2f\n", "correlation min", r->correlation_min);
	fprintf(f, "%-18s %8u (above -1 dBTP)\n", "true-peak overs", r->tp_overs);
	fprintf(f, "%-18s %8.2f s, %d Hz, %d channel%s\n", "duration", r->duration_s, r->sample_rate, r->channels,
	        r->channels == 1 ? "" : "s");
	fprintf(f, "\n%-14s %9s %9s %16s\n", "platform", "target", "gain", "true peak after");
	for (int i = 0; i < r->n_platforms; i++) {
		const platform_result *p = &r->platforms[i];
		fprintf(f, "%-14s %4.0f LUFS %+6.1f dB %11.1f dBTP\n", p->name, p->target_lufs, p->gain_db, p->true_peak_after_dbtp);
	}
}

int analyze_file(const char *path, int json, const char *plot_png, char *err, int errlen)
{
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return 1;
	}
	SF_INFO info;
	memset(&info, 0, sizeof info);
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		snprintf(err, errlen, "cannot open '%s': %s", path, sf_strerror(NULL));
		return 1;
	}
	report_meter *rm = report_new(info.samplerate, info.channels);
	if (!rm) {
		snprintf(err, errlen, "cannot analyse '%s': %d Hz, %d channels (8000-192000 Hz, 1-8 channels)", path,
		         info.samplerate, info.channels);
		sf_close(sf);
		return 1;
	}
	const sf_count_t chunk = 8192;
	float *buf = malloc((size_t)chunk * (size_t)info.channels * sizeof(float));
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		report_free(rm);
		sf_close(sf);
		return 1;
	}
	sf_count_t got;
	while ((got = sf_readf_float(sf, buf, chunk)) > 0)
		report_add(rm, buf, (size_t)got);
	int bad = sf_error(sf);
	if (bad)
		snprintf(err, errlen, "cannot read '%s': %s", path, sf_strerror(sf));
	free(buf);
	sf_close(sf);
	if (bad) {
		report_free(rm);
		return 1;
	}
	loudness_report r;
	report_finish(rm, &r);
	if (json) {
		report_json(&r, stdout);
		fputc('\n', stdout);
	} else {
		printf("%-18s %s\n", "file", path);
		report_print(&r, stdout);
	}
	int rc = 0;
	if (plot_png) {
		const char *base = strrchr(path, '/');
		if (report_plot_png(rm, &r, base ? base + 1 : path, plot_png, err, errlen) < 0)
			rc = 1;
	}
	report_free(rm);
	return rc;
}
