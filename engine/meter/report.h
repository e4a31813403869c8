/* lathe — loudness and peak report of a file (`lathe analyze`, render's
 * --json report).  Measures with the same `measure` as the live analysis
 * thread, so the console and a file agree.  Not for the RT thread. */
#ifndef LATHE_REPORT_H
#define LATHE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "platforms.h"

#define REPORT_PLATFORMS (PLAT_COUNT - 1)
#define REPORT_POINT_HZ 10 /* loudness-over-time series: one point per 100 ms */

typedef struct {
	const char *name;           /* "Spotify" */
	const char *id;             /* "spotify" */
	double target_lufs;
	double gain_db;             /* what the platform would apply */
	double true_peak_after_dbtp;
} platform_result;

/* The DESIGN.md report keys.  Silence reads -120 (never -inf: JSON has no
 * infinities). */
typedef struct {
	double integrated_lufs;
	double loudness_range_lu;
	double true_peak_dbtp;      /* max of true peak (BS.1770-4 Annex 2) and sample peak */
	double sample_peak_dbfs;
	double max_momentary_lufs;
	double max_short_term_lufs;
	double plr_db;              /* true_peak_dbtp - integrated_lufs (EBU R 128 s1) */
	double correlation_min;     /* lowest 300 ms correlation where both channels are above -60 dBFS; 1 if none (and for mono) */
	double duration_s;
	int sample_rate;
	int channels;
	unsigned tp_overs;          /* runs of true peak above -1 dBTP */
	uint64_t samples;           /* samples fed (frames x channels) */
	uint64_t non_finite;        /* of them NaN or infinite: measured as 0 (key non_finite_samples) */
	int n_platforms;
	platform_result platforms[REPORT_PLATFORMS];
} loudness_report;

typedef struct report_meter report_meter;

/* rate 8000..192000, channels 1..8 (BS.1770 channel order: L R C LFE Ls Rs); NULL otherwise. */
report_meter *report_new(int rate, int channels);
void report_free(report_meter *rm);
void report_add(report_meter *rm, const float *interleaved, size_t frames);
/* Fill *out from everything added so far (may be called again after more report_add). */
void report_finish(report_meter *rm, loudness_report *out);
/* The loudness series (REPORT_POINT_HZ points per second): momentary,
 * short-term and true peak (dBTP, highest of the 100 ms) per point. */
size_t report_series(const report_meter *rm, const float **momentary, const float **short_term, const float **true_peak);

/* "lathe: 'PATH' holds no finite sample ..." (or how many are not) on
 * stderr when r->non_finite; nothing otherwise. */
void report_warn_non_finite(const loudness_report *r, const char *path);

/* One JSON object with the report keys, no trailing newline. */
void report_json(const loudness_report *r, FILE *f);
/* Aligned human table, platform table included. */
void report_print(const loudness_report *r, FILE *f);

/* `lathe analyze FILE [--json] [--plot PNG]`: 0, or 1 with a one-line reason in err. */
int analyze_file(const char *path, int json, const char *plot_png, char *err, int errlen);

/* The loudness-over-time picture (plot.c): 0, or -1 with a reason in err. */
int report_plot_png(const report_meter *rm, const loudness_report *r, const char *title, const char *png,
                    char *err, int errlen);

#endif
