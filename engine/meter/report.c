/* lathe — file loudness report (see report.h). */
#include "report.h"
#include "measure.h"
#include "../engine.h"
#include "../fileio.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OVER_DBTP (-1.0f) /* delivery ceiling most platforms ask for */

/* Every rate lathe works at can be metered. */
_Static_assert(ENGINE_RATE_MIN >= 8000 && ENGINE_RATE_MAX <= MEASURE_MAX_RATE, "the engine's rates are the meters' rates");

struct report_meter {
	measure *m;
	int rate, channels;
	unsigned point_frames;    /* frames per series point (100 ms) */
	unsigned phase;           /* frames into the current point */
	float point_tp;           /* true peak (linear) of the current point */
	float *mom, *st, *tp;     /* the series */
	size_t n, cap;
	float *clean;             /* one point of frames with NaN and infinities made 0 */
	uint64_t samples, non_finite;
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
	rm->clean = malloc((size_t)rate / REPORT_POINT_HZ * (size_t)channels * sizeof(float));
	if (!rm->clean) {
		measure_free(rm->m);
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
	free(rm->clean);
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

/* x itself, or rm->clean with NaN and infinities as 0 when x holds any: one
 * NaN would stay in the true-peak filters' and libebur128's state and make
 * every later reading meaningless.  Those samples are counted (the report
 * says how many), and measured as silence. */
static const float *finite_piece(report_meter *rm, const float *x, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += !isfinite(x[i]);
	rm->samples += n;
	if (!bad)
		return x;
	rm->non_finite += bad;
	for (size_t i = 0; i < n; i++)
		rm->clean[i] = isfinite(x[i]) ? x[i] : 0.0f;
	return rm->clean;
}

void report_add(report_meter *rm, const float *x, size_t frames)
{
	while (frames > 0) {
		size_t k = rm->point_frames - rm->phase;
		if (k > frames)
			k = frames;
		measure_add(rm->m, finite_piece(rm, x, k * (size_t)rm->channels), k, (size_t)rm->channels);
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
	measure_flush(rm->m); /* the true peaks still in the meter's delay */
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
	r->samples = rm->samples;
	r->non_finite = rm->non_finite;
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
	fprintf(f, "  \"non_finite_samples\": %llu,\n", (unsigned long long)r->non_finite);
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
	if (r->non_finite)
		fprintf(f, "%-18s %8llu (NaN or infinite, measured as silence)\n", "non-finite", (unsigned long long)r->non_finite);
	fprintf(f, "%-18s %8.2f s, %d Hz, %d channel%s\n", "duration", r->duration_s, r->sample_rate, r->channels,
	        r->channels == 1 ? "" : "s");
	fprintf(f, "\n%-14s %9s %9s %16s\n", "platform", "target", "gain", "true peak after");
	for (int i = 0; i < r->n_platforms; i++) {
		const platform_result *p = &r->platforms[i];
		fprintf(f, "%-14s %4.0f LUFS %+6.1f dB %11.1f dBTP\n", p->name, p->target_lufs, p->gain_db, p->true_peak_after_dbtp);
	}
}

/* One stderr line when a file held samples that are not numbers: a file of
 * NaN otherwise reads as silence (-120 LUFS) without a word. */
void report_warn_non_finite(const loudness_report *r, const char *path)
{
	if (!r->non_finite)
		return;
	if (r->non_finite == r->samples)
		fprintf(stderr, "lathe: '%s' holds no finite sample (all %llu are NaN or infinite); measured as silence\n", path,
		        (unsigned long long)r->samples);
	else
		fprintf(stderr, "lathe: '%s': %llu of %llu samples are NaN or infinite; measured as silence\n", path,
		        (unsigned long long)r->non_finite, (unsigned long long)r->samples);
}

int analyze_file(const char *path, int json, const char *plot_png, char *err, int errlen)
{
	SF_INFO info;
	SNDFILE *sf = file_open_sound(path, &info, MEASURE_MAX_CH, NULL, err, errlen);
	if (!sf)
		return 1;
	report_meter *rm = report_new(info.samplerate, info.channels);
	const sf_count_t chunk = 8192;
	float *buf = malloc((size_t)chunk * (size_t)info.channels * sizeof(float));
	if (!rm || !buf) {
		snprintf(err, errlen, "out of memory");
		free(buf);
		report_free(rm);
		sf_close(sf);
		return 1;
	}
	sf_count_t got;
	while ((got = file_read_sound(sf, buf, chunk)) > 0)
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
	report_warn_non_finite(&r, path);
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
