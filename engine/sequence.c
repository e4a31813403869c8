/* lathe — an album's master (see sequence.h). */
#include "sequence.h"
#include "fileio.h"
#include "render.h"
#include "resample.h"
#include "meter/report.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int stopped(const seq_opts *o) { return o->stop && *o->stop; }

/* ---- the workers: one track at a time, off a shared counter ---- */

typedef struct {
	const album *a;
	sequence *s;
	const seq_opts *o;
	int pass;              /* 0: read the mixes too */
	double boost_db;       /* album loudness: added to every track's drive */
	pthread_mutex_t lock;
	int next, done, failed;
	char err[600];
} job;

/* The first failure wins: "ALBUM:LINE: why" (LINE: the track's [track N] header). */
static void job_fail(job *j, int i, const char *why, const char *file)
{
	char *m = g_strdup_printf("%s:%d: %s%s%s%s", j->a->path, j->a->tracks[i].line, why, file ? " '" : "",
	                          file ? file : "", file ? "'" : "");
	pthread_mutex_lock(&j->lock);
	if (!j->failed) {
		j->failed = 1;
		g_strlcpy(j->err, m, sizeof j->err);
	}
	pthread_mutex_unlock(&j->lock);
	g_free(m);
}

/* The mix as the chain gets it: at the album rate, trimmed. */
static int read_mix(job *j, int i)
{
	const album_track *t = &j->a->tracks[i];
	seq_track *st = &j->s->t[i];
	char why[512] = "";
	size_t frames;
	int rate;
	float *x = render_read_stereo(t->file, &frames, &rate, NULL, why, sizeof why);
	if (!x) {
		job_fail(j, i, why, NULL);
		return -1;
	}
	if (rate != j->s->rate) {
		size_t n2;
		float *y = resample_stereo(x, frames, rate, j->s->rate, &n2);
		free(x);
		if (!y) {
			job_fail(j, i, "cannot convert to the album rate:", t->file);
			return -1;
		}
		x = y;
		frames = n2;
	}
	size_t a = (size_t)llround(t->start * j->s->rate);
	size_t b = t->end >= 0 ? (size_t)llround(t->end * j->s->rate) : frames;
	if (b > frames)
		b = frames;
	if (a >= b) {
		job_fail(j, i, "start= lies beyond the end of", t->file);
		free(x);
		return -1;
	}
	memmove(x, x + 2 * a, (b - a) * 2 * sizeof(float));
	st->mix = x;
	st->length = b - a;
	return 0;
}

static void fade(float *x, size_t n, size_t len, int curve, int out)
{
	if (len > n)
		len = n;
	for (size_t k = 0; k < len; k++) {
		double g = album_fade_gain(curve, (k + 0.5) / (double)len);
		size_t f = out ? n - 1 - k : k;
		x[2 * f] *= (float)g;
		x[2 * f + 1] *= (float)g;
	}
}

static int render_track(job *j, int i)
{
	const album_track *t = &j->a->tracks[i];
	seq_track *st = &j->s->t[i];
	double t0 = now_s();
	if (j->pass == 0 && read_mix(j, i))
		return -1;
	lathe_params *p = params_new();
	float *out = malloc(st->length * 2 * sizeof(float));
	if (!p || !out) {
		params_free(p);
		free(out);
		job_fail(j, i, "out of memory rendering", t->file);
		return -1;
	}
	params_copy(p, t->chain);
	param_set(p, P_INPUT_GAIN, param_get(p, P_INPUT_GAIN) + (float)t->gain_db, NULL);
	char why[512] = "";
	if (j->a->loudness == LOUDNESS_TRACK &&
	    render_find_drive(p, j->s->rate, st->mix, st->length, j->a->target_lufs, why, sizeof why)) {
		job_fail(j, i, why, NULL);
		params_free(p);
		free(out);
		return -1;
	}
	if (j->boost_db > 0)
		param_set(p, P_LIM_GAIN, param_get(p, P_LIM_GAIN) + (float)j->boost_db, NULL);
	if (render_buffer(p, j->s->rate, st->mix, out, st->length, 0)) {
		job_fail(j, i, "cannot render", t->file);
		params_free(p);
		free(out);
		return -1;
	}
	st->drive_db = param_get(p, P_LIM_GAIN);
	st->input_gain_db = param_get(p, P_INPUT_GAIN);
	params_free(p);
	fade(out, st->length, (size_t)llround(t->fade_in * j->s->rate), t->fade_curve, 0);
	fade(out, st->length, (size_t)llround(t->fade_out * j->s->rate), t->fade_curve, 1);
	free(st->master);
	st->master = out;
	st->post_gain_db = 0;
	st->render_s = now_s() - t0;
	return 0;
}

static void *worker(void *u)
{
	job *j = u;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		int i = j->failed || stopped(j->o) ? j->a->n : j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->a->n)
			return NULL;
		if (render_track(j, i))
			return NULL;
		pthread_mutex_lock(&j->lock);
		j->done++;
		if (j->o->progress)
			file_say("lathe: [%d/%d] track %d '%s' rendered (%.1f s)%s\n", j->done, j->a->n, i + 1,
			        j->a->tracks[i].title, j->s->t[i].render_s, j->pass ? ", album level" : "");
		pthread_mutex_unlock(&j->lock);
	}
}

static int render_all(job *j, char *err, int errlen)
{
	int n = j->o->jobs < 1 ? 1 : j->o->jobs > j->a->n ? j->a->n : j->o->jobs;
	pthread_t th[64];
	if (n > 64)
		n = 64;
	j->next = j->done = 0;
	int started = 0;
	for (int k = 0; k < n; k++)
		if (pthread_create(&th[k], NULL, worker, j) == 0)
			started++;
	if (!started)
		worker(j); /* no threads to be had: render here */
	for (int k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	if (j->failed) {
		snprintf(err, (size_t)errlen, "%s", j->err);
		return -1;
	}
	if (stopped(j->o)) {
		snprintf(err, (size_t)errlen, "stopped");
		return -1;
	}
	return 0;
}

/* ---- layout ---- */

static size_t ceil_f(size_t x, size_t f) { return (x + f - 1) / f * f; }
static size_t round_f(double x, size_t f) { return (size_t)llround(x / (double)f) * f; }

static int plan(sequence *s, const album *a, char *err, int errlen)
{
	size_t F = s->cd_frame, prev_end = 0;
	for (int i = 0; i < a->n; i++) {
		const album_track *t = &a->tracks[i];
		seq_track *st = &s->t[i];
		if (i == 0) {
			st->start = 0;
		} else if (t->crossfade > 0) {
			size_t xf = (size_t)llround(t->crossfade * s->rate);
			const seq_track *pv = &s->t[i - 1];
			if (xf >= pv->length || prev_end < xf || prev_end - xf <= pv->index01) {
				snprintf(err, (size_t)errlen, "%s:%d: crossfade=%g s is longer than track %d", a->path, t->line,
				         t->crossfade, i);
				return -1;
			}
			st->start = (prev_end - xf) / F * F;
		} else {
			st->start = ceil_f(prev_end + (size_t)llround(t->gap * s->rate), F);
		}
		size_t off = round_f(t->index * s->rate, F);
		if (off >= st->length) {
			snprintf(err, (size_t)errlen, "%s:%d: index=%g s lies beyond the track's end", a->path, t->line, t->index);
			return -1;
		}
		st->index01 = st->start + off;
		st->index00 = st->index01;
		if (t->gap > 0) {
			size_t g = round_f(t->gap * s->rate, F), lo = ceil_f(prev_end, F);
			st->index00 = st->start >= lo + g ? st->start - g : lo;
		}
		if (i > 0 && st->index01 <= s->t[i - 1].index01) {
			snprintf(err, (size_t)errlen, "%s:%d: track %d would start before track %d", a->path, t->line, i + 1, i);
			return -1;
		}
		if (st->start + st->length > prev_end)
			prev_end = st->start + st->length;
	}
	s->frames = ceil_f(prev_end, F);
	for (int i = 0; i < a->n; i++)
		s->t[i].file_end = i + 1 < a->n ? s->t[i + 1].index01 : s->frames;
	return 0;
}

/* Crossfades: the previous track fades out and this one in over the
 * overlap, unless the track's own fade is at least as long. */
static void transitions(sequence *s, const album *a)
{
	for (int i = 1; i < a->n; i++) {
		seq_track *st = &s->t[i], *pv = &s->t[i - 1];
		if (a->tracks[i].crossfade <= 0 || pv->start + pv->length <= st->start)
			continue;
		size_t ov = pv->start + pv->length - st->start;
		if (a->tracks[i - 1].fade_out * s->rate < ov)
			fade(pv->master, pv->length, ov, a->tracks[i].fade_curve, 1);
		if (a->tracks[i].fade_in * s->rate < ov)
			fade(st->master, st->length, ov, a->tracks[i].fade_curve, 0);
	}
}

/* The album's one post-chain gain multiplies the sum, once per sample, so a
 * crossfade scales exactly as much as the rest (scaling each track before
 * summing would round differently where the two cancel). */
static void mixdown(sequence *s)
{
	memset(s->lr, 0, s->frames * 2 * sizeof(float));
	for (int i = 0; i < s->n; i++) {
		const seq_track *st = &s->t[i];
		float *d = s->lr + 2 * st->start;
		for (size_t k = 0; k < 2 * st->length; k++)
			d[k] += st->master[k];
	}
	float g = s->n ? (float)pow(10, s->t[0].post_gain_db / 20) : 1;
	if (g != 1)
		for (size_t k = 0; k < 2 * s->frames; k++)
			s->lr[k] *= g;
}

static double measure_timeline(const sequence *s)
{
	report_meter *m = report_new(s->rate, 2);
	if (!m)
		return NAN;
	report_add(m, s->lr, s->frames);
	loudness_report r;
	report_finish(m, &r);
	report_free(m);
	return r.integrated_lufs;
}

/* One pass: render, transitions, mixdown, measure. */
static int pass(job *j, sequence *s, const album *a, char *err, int errlen)
{
	if (render_all(j, err, errlen))
		return -1;
	if (j->pass == 0) {
		if (plan(s, a, err, errlen))
			return -1;
		s->lr = calloc(s->frames * 2, sizeof(float));
		if (!s->lr) {
			snprintf(err, (size_t)errlen, "out of memory: the album is too long to hold");
			return -1;
		}
	}
	transitions(s, a);
	mixdown(s);
	s->album_lufs = measure_timeline(s);
	j->pass++;
	return 0;
}

int sequence_render(sequence *s, const album *a, const seq_opts *o, char *err, int errlen)
{
	memset(s, 0, sizeof *s);
	s->n = a->n;
	s->t = calloc((size_t)a->n, sizeof *s->t);
	if (!s->t) {
		snprintf(err, (size_t)errlen, "out of memory");
		return -1;
	}
	s->rate = o->rate;
	if (!s->rate) {
		/* the first mix's rate, when a CD frame is a whole number of its samples */
		char why[512];
		size_t fr;
		int r = 0;
		float *x = render_read_stereo(a->tracks[0].file, &fr, &r, NULL, why, sizeof why);
		if (!x) {
			snprintf(err, (size_t)errlen, "%s:%d: %s", a->path, a->tracks[0].line, why);
			return -1;
		}
		free(x);
		s->rate = r % 75 == 0 ? r : 48000;
	}
	s->cd_frame = (size_t)s->rate / 75;
	double t0 = now_s();
	job j = { .a = a, .s = s, .o = o };
	pthread_mutex_init(&j.lock, NULL);
	int rc = pass(&j, s, a, err, errlen);
	if (rc == 0 && a->loudness == LOUDNESS_ALBUM && isfinite(s->album_lufs)) {
		double delta = a->target_lufs - s->album_lufs;
		if (delta > 0.05) {
			/* a boost: into every chain's drive (secant steps on the album's loudness) */
			double x0 = 0, y0 = s->album_lufs, x1 = delta;
			for (int it = 0; it < 4 && rc == 0; it++) {
				j.boost_db = x1;
				rc = pass(&j, s, a, err, errlen);
				double y1 = s->album_lufs;
				if (rc || fabs(y1 - a->target_lufs) < 0.05)
					break;
				double slope = (y1 - y0) / (x1 - x0);
				if (!isfinite(slope) || slope < 0.05)
					slope = 0.05;
				x0 = x1;
				y0 = y1;
				x1 = x1 + (a->target_lufs - y1) / slope;
				if (x1 > 24)
					x1 = 24;
			}
			delta = rc ? 0 : a->target_lufs - s->album_lufs;
		}
		/* a cut (or an overshoot of the boost): after the chain, one factor for all.  Again
		 * until it lands: the -70 LUFS absolute gate lets quiet blocks drop out as the level
		 * falls, so loudness is not exactly linear in gain. */
		int cut = rc == 0 && delta < 0;
		for (int it = 0; cut && it < 4; it++) {
			if (s->t[0].post_gain_db + delta > 0) /* never a boost after the limiter */
				delta = -s->t[0].post_gain_db;
			for (int i = 0; i < a->n; i++)
				s->t[i].post_gain_db += delta;
			mixdown(s);
			s->album_lufs = measure_timeline(s);
			delta = a->target_lufs - s->album_lufs;
			if (fabs(delta) < 0.01)
				break;
		}
	}
	pthread_mutex_destroy(&j.lock);
	/* the timeline holds the masters now: one copy of the album less in memory */
	for (int i = 0; i < a->n; i++) {
		free(s->t[i].master);
		s->t[i].master = NULL;
	}
	s->wall_s = now_s() - t0;
	return rc;
}

void sequence_free(sequence *s)
{
	for (int i = 0; s->t && i < s->n; i++) {
		free(s->t[i].mix);
		free(s->t[i].master);
	}
	free(s->t);
	free(s->lr);
	memset(s, 0, sizeof *s);
}
