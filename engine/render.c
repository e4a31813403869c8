/* Offline render.  Whole files are read into memory (a 10-minute stereo
 * track at 96 kHz is 460 MB as float... too much: we stream instead, in
 * blocks, and only --target-lufs reads the file twice).  Latency is removed by
 * dropping the first `latency` output frames and feeding as many zeros at the
 * end, so OUT lines up with IN sample for sample and has its length. */
#include "render.h"
#include "engine.h"
#include "fileio.h"
#include "meter/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 4096

static int format_for(const char *path, const char *bits, int in_sub, int *format, char *err, int errlen)
{
	const char *dot = strrchr(path, '.');
	int major;
	if (dot && !strcasecmp(dot, ".wav"))
		major = SF_FORMAT_WAV;
	else if (dot && !strcasecmp(dot, ".flac"))
		major = SF_FORMAT_FLAC;
	else if (dot && (!strcasecmp(dot, ".aiff") || !strcasecmp(dot, ".aif")))
		major = SF_FORMAT_AIFF;
	else {
		snprintf(err, errlen, "'%s': unsupported output type (use .wav, .flac or .aiff)", path);
		return -1;
	}
	int sub;
	if (!bits) {
		sub = (in_sub == SF_FORMAT_PCM_16 || in_sub == SF_FORMAT_PCM_24 || in_sub == SF_FORMAT_FLOAT) ? in_sub : SF_FORMAT_PCM_24;
	} else if (!strcmp(bits, "16"))
		sub = SF_FORMAT_PCM_16;
	else if (!strcmp(bits, "24"))
		sub = SF_FORMAT_PCM_24;
	else if (!strcmp(bits, "32f"))
		sub = SF_FORMAT_FLOAT;
	else {
		snprintf(err, errlen, "--bits %s: use 16, 24 or 32f", bits);
		return -1;
	}
	if (major == SF_FORMAT_FLAC && sub == SF_FORMAT_FLOAT) {
		if (bits) {
			snprintf(err, errlen, "'%s': FLAC cannot hold 32-bit float; use --bits 16 or 24", path);
			return -1;
		}
		sub = SF_FORMAT_PCM_24;
	}
	*format = major | sub;
	return 0;
}

static SNDFILE *open_input(const char *path, SF_INFO *info, struct stat *st, char *err, int errlen)
{
	return file_open_sound(path, info, 2, st, err, errlen);
}

/* Reads up to n frames as stereo; returns frames read. */
static sf_count_t read_stereo(SNDFILE *sf, int channels, float *buf, sf_count_t n)
{
	sf_count_t got = file_read_sound(sf, buf, n);
	if (channels == 1)
		for (sf_count_t i = got - 1; i >= 0; i--)
			buf[2 * i] = buf[2 * i + 1] = buf[i];
	return got;
}

static int stopped(const atomic_int *stop) { return stop && atomic_load(stop); }

/* The whole file from an open handle, as stereo; NULL with a reason. */
static float *read_all(SNDFILE *sf, const SF_INFO *info, const char *path, size_t *frames, const atomic_int *stop,
                       char *err, int errlen)
{
	float *buf = malloc((size_t)(info->frames > 0 ? info->frames : 1) * 2 * sizeof(float));
	if (!buf) {
		snprintf(err, errlen, "'%s': too long to hold in memory", path);
		return NULL;
	}
	size_t got = 0;
	while ((sf_count_t)got < info->frames && !stopped(stop)) {
		sf_count_t left = info->frames - (sf_count_t)got;
		sf_count_t k = read_stereo(sf, info->channels, buf + 2 * got, left < CHUNK ? left : CHUNK);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (stopped(stop)) {
		snprintf(err, errlen, "stopped");
		free(buf);
		return NULL;
	}
	*frames = got;
	return buf;
}

float *render_read_stereo(const char *path, size_t *frames, int *rate, int *subformat, char *err, int errlen)
{
	SF_INFO info;
	SNDFILE *sf = open_input(path, &info, NULL, err, errlen);
	if (!sf)
		return NULL;
	float *buf = read_all(sf, &info, path, frames, NULL, err, errlen);
	sf_close(sf);
	if (!buf)
		return NULL;
	*rate = info.samplerate;
	if (subformat)
		*subformat = info.format & SF_FORMAT_SUBMASK;
	return buf;
}

/* Feeds the engine in CHUNK pieces; calls sink(out, n) for the latency-aligned output. */
typedef int (*sink_fn)(void *user, const float *lr, size_t n);

static void deinterleave(const float *in, float *l, float *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		l[i] = in[2 * i];
		r[i] = in[2 * i + 1];
	}
}

typedef struct {
	engine *e;
	uint32_t skip;     /* output frames still to drop (the latency) */
	float l[CHUNK], r[CHUNK], ol[CHUNK], or_[CHUNK], inter[2 * CHUNK];
} runner;

static int run_chunk(runner *ru, const float *inter, size_t n, sink_fn sink, void *user)
{
	deinterleave(inter, ru->l, ru->r, n);
	engine_process(ru->e, ru->l, ru->r, NULL, NULL, ru->ol, ru->or_, NULL, NULL, (uint32_t)n);
	size_t start = 0;
	if (ru->skip) {
		start = ru->skip < n ? ru->skip : n;
		ru->skip -= (uint32_t)start;
	}
	size_t m = n - start;
	for (size_t i = 0; i < m; i++) {
		ru->inter[2 * i] = ru->ol[start + i];
		ru->inter[2 * i + 1] = ru->or_[start + i];
	}
	return m ? sink(user, ru->inter, m) : 0;
}

/* Progress on a terminal: one line on stderr, rewritten ("\r", then ESC [K
 * to clear what a longer line left), at most 10 times a second; cleared at
 * the end so the summary starts on a clean line.  pass > 0: a pass of the
 * --target-lufs search (at most `passes` of them), 0: the render itself. */
typedef struct {
	int on;
	int pass, passes;
	int rate;
	double t0, last;         /* this pass's start, the last print (monotonic s) */
	int shown;               /* a line is on the terminal */
} progress;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress_start(progress *pg)
{
	if (pg && pg->on)
		pg->t0 = pg->last = now_s();
}

static void progress_show(progress *pg, size_t done, size_t total)
{
	if (!pg || !pg->on || !total)
		return;
	double t = now_s(), el = t - pg->t0;
	if (t - pg->last < 0.1 && done < total)
		return;
	pg->last = t;
	pg->shown = 1;
	double speed = el > 0 ? (double)done / pg->rate / el : 0; /* seconds of audio per second */
	double left = speed > 0 ? (double)(total - done) / pg->rate / speed : 0;
	if (pg->pass)
		fprintf(stderr, "\rlathe: finding the drive, pass %d (at most %d): %3d%%, %.0fx real time, %.0f s left in this pass\033[K",
		        pg->pass, pg->passes, (int)(100.0 * done / total), speed, left);
	else
		fprintf(stderr, "\rlathe: rendering %3d%%, %.0fx real time, %.0f s left\033[K", (int)(100.0 * done / total),
		        speed, left);
	fflush(stderr);
}

static void progress_end(progress *pg)
{
	if (pg && pg->shown) {
		pg->shown = 0;
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

/* The whole stream: source(frames) then latency zeros. */
static int run_stream(lathe_params *p, int rate, int (*source)(void *, float *, size_t), void *src_user,
                      sink_fn sink, void *sink_user, size_t total, progress *pg, const atomic_int *stop)
{
	runner *ru = calloc(1, sizeof *ru);
	if (!ru)
		return -1;
	ru->e = engine_new(p, NULL, rate);
	if (!ru->e) {
		free(ru);
		return -1;
	}
	engine_flush_denormals();
	uint32_t lat = engine_latency(ru->e);
	ru->skip = lat;
	float *in = malloc(2 * CHUNK * sizeof(float));
	size_t done = 0;
	int rc = in ? 0 : -1;
	progress_start(pg);
	while (rc == 0) {
		if (stopped(stop)) { /* a block of 4096 frames takes well under a millisecond */
			rc = -1;
			break;
		}
		int k = source(src_user, in, CHUNK);
		if (k < 0) {
			rc = -1;
			break;
		}
		if (k == 0)
			break;
		if (run_chunk(ru, in, (size_t)k, sink, sink_user)) {
			rc = -1;
			break;
		}
		done += (size_t)k;
		progress_show(pg, done < total ? done : total, total);
	}
	/* flush the latency with silence */
	if (in)
		memset(in, 0, 2 * CHUNK * sizeof(float));
	for (uint32_t left = lat; rc == 0 && left > 0;) {
		uint32_t k = left < CHUNK ? left : CHUNK;
		if (run_chunk(ru, in, k, sink, sink_user))
			rc = -1;
		left -= k;
	}
	free(in);
	engine_free(ru->e);
	free(ru);
	return rc;
}

/* ---- sources and sinks ---- */

typedef struct {
	const float *buf;
	size_t frames, pos;
} mem_src;

static int mem_source(void *u, float *out, size_t max)
{
	mem_src *m = u;
	size_t k = m->frames - m->pos < max ? m->frames - m->pos : max;
	memcpy(out, m->buf + 2 * m->pos, k * 2 * sizeof(float));
	m->pos += k;
	return (int)k;
}

typedef struct {
	float *buf;
	size_t pos;
} mem_sink_t;

static int mem_sink(void *u, const float *lr, size_t n)
{
	mem_sink_t *m = u;
	memcpy(m->buf + 2 * m->pos, lr, n * 2 * sizeof(float));
	m->pos += n;
	return 0;
}

int render_buffer(lathe_params *p, int rate, const float *in, float *out, size_t frames, const atomic_int *stop)
{
	mem_src s = { in, frames, 0 };
	mem_sink_t k = { out, 0 };
	return run_stream(p, rate, mem_source, &s, mem_sink, &k, frames, NULL, stop);
}

/* The input, streamed from the file or from memory (--target-lufs read it
 * whole), metered on the way when a report is asked for. */
typedef struct {
	SNDFILE *sf;             /* NULL: from mem */
	int channels;
	mem_src mem;
	report_meter *meter;     /* input report, may be NULL */
} in_src;

static int in_source(void *u, float *out, size_t max)
{
	in_src *f = u;
	int k = f->sf ? (int)read_stereo(f->sf, f->channels, out, (sf_count_t)max) : mem_source(&f->mem, out, max);
	if (k > 0 && f->meter)
		report_add(f->meter, out, (size_t)k);
	return k < 0 ? -1 : k;
}

typedef struct {
	SNDFILE *sf;
	int sub;                 /* output subformat */
	int *ibuf;               /* integer conversion buffer */
	report_meter *meter;     /* output report, may be NULL */
} file_sink_t;

/* Float to PCM by our own rounding: libsndfile scales float writes by 0x7FFF
 * but reads by 1/0x8000, so a read-write round trip would not be bit-exact.
 * We scale by 2^(bits-1) both ways: /bypass renders are identical to IN. */
static int file_sink(void *u, const float *lr, size_t n)
{
	file_sink_t *f = u;
	if (f->meter)
		report_add(f->meter, lr, n);
	if (f->sub == SF_FORMAT_FLOAT)
		return sf_writef_float(f->sf, lr, (sf_count_t)n) == (sf_count_t)n ? 0 : -1;
	render_to_pcm(lr, f->ibuf, 2 * n, f->sub == SF_FORMAT_PCM_16 ? 16 : 24);
	return sf_writef_int(f->sf, f->ibuf, (sf_count_t)n) == (sf_count_t)n ? 0 : -1;
}

void render_to_pcm(const float *x, int *iv, size_t samples, int bits)
{
	double scale = (double)(1 << (bits - 1)), maxv = scale - 1;
	int shift = 32 - bits;
	for (size_t i = 0; i < samples; i++) {
		double v = nearbyint((double)x[i] * scale);
		v = v > maxv ? maxv : v < -scale ? -scale : v;
		iv[i] = (int)v * (1 << shift);
	}
}

/* Integrated loudness of the chain's output over a whole buffer. */
static int measure_output(lathe_params *p, int rate, const float *in, size_t frames, float *scratch, loudness_report *rep,
                          progress *pg, const atomic_int *stop)
{
	mem_src s = { in, frames, 0 };
	mem_sink_t k = { scratch, 0 };
	if (pg)
		pg->pass++;
	if (run_stream(p, rate, mem_source, &s, mem_sink, &k, frames, pg, stop))
		return -1;
	report_meter *m = report_new(rate, 2);
	if (!m)
		return -1;
	report_add(m, scratch, frames);
	report_finish(m, rep);
	report_free(m);
	return 0;
}

/* --target-lufs: set the drive so the output lands on the target.  The
 * limiter makes loudness a nonlinear function of drive, so iterate: start
 * from the linear estimate, then secant steps until within 0.05 LU. */
#define SEARCH_PASSES 10 /* the first measurement, at most 8 secant steps, the check of the best */

static int find_drive(lathe_params *p, int rate, const float *in, size_t frames, double target, progress *pg,
                      const atomic_int *stop, char *err, int errlen)
{
	float *scratch = malloc(frames * 2 * sizeof(float));
	if (!scratch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	loudness_report rep;
	/* the drive is the limiter's gain for boosts and the input trim for cuts */
	float base_in = param_get(p, P_INPUT_GAIN), base_lim = param_get(p, P_LIM_GAIN);
	double x0 = 0, y0, x1, y1;
	if (measure_output(p, rate, in, frames, scratch, &rep, pg, stop)) {
		free(scratch);
		snprintf(err, errlen, stopped(stop) ? "stopped" : "cannot measure the input");
		return -1;
	}
	y0 = rep.integrated_lufs;
	if (!isfinite(y0) || y0 < -70) {
		free(scratch);
		snprintf(err, errlen, "'%s' is silent: no loudness to aim from", "input");
		return -1;
	}
	x1 = target - y0;
	double best_x = 0, best_err = fabs(y0 - target);
	for (int it = 0; it < 8; it++) {
		double lim = x1 > 0 ? x1 : 0, trim = x1 < 0 ? x1 : 0;
		if (lim > 24)
			lim = 24;
		param_set(p, P_LIM_GAIN, (float)(base_lim + lim), NULL);
		param_set(p, P_INPUT_GAIN, (float)(base_in + trim), NULL);
		if (measure_output(p, rate, in, frames, scratch, &rep, pg, stop)) {
			free(scratch);
			snprintf(err, errlen, stopped(stop) ? "stopped" : "cannot measure the output");
			return -1;
		}
		y1 = rep.integrated_lufs;
		if (fabs(y1 - target) < best_err) {
			best_err = fabs(y1 - target);
			best_x = x1;
		}
		if (fabs(y1 - target) < 0.05)
			break;
		double slope = (y1 - y0) / (x1 - x0);
		if (!isfinite(slope) || slope < 0.05)
			slope = 0.05; /* deep limiting: loudness barely moves with drive */
		x0 = x1;
		y0 = y1;
		x1 = x1 + (target - y1) / slope;
		if (x1 > 24 + 12)
			x1 = 36;
	}
	double lim = best_x > 0 ? best_x : 0, trim = best_x < 0 ? best_x : 0;
	param_set(p, P_LIM_GAIN, (float)(base_lim + (lim > 24 ? 24 : lim)), NULL);
	param_set(p, P_INPUT_GAIN, (float)(base_in + trim), NULL);
	if (measure_output(p, rate, in, frames, scratch, &rep, pg, stop)) {
		free(scratch);
		snprintf(err, errlen, stopped(stop) ? "stopped" : "cannot measure the output");
		return -1;
	}
	free(scratch);
	progress_end(pg);
	if (fabs(rep.integrated_lufs - target) > 0.3 || lim > 12)
		fprintf(stderr, "lathe: %.1f LUFS cannot be reached under the ceiling without more than 12 dB of limiting; "
		                "rendering the closest: %.1f LUFS (drive %.1f dB)\n",
		        target, rep.integrated_lufs, lim);
	return 0;
}

int render_find_drive(lathe_params *p, int rate, const float *in, size_t frames, double target, char *err, int errlen)
{
	return find_drive(p, rate, in, frames, target, NULL, NULL, err, errlen);
}

/* ---- outputs written beside their final name ---- */

/* NAME.tmp-PID, created here (O_EXCL: never through a link someone left
 * there), renamed over NAME only when complete. */
typedef struct {
	const char *final;
	char *tmp;               /* NULL once renamed or removed */
	int fd;                  /* -1 once closed */
} staged;

static int stage_open(staged *s, const char *path, char *err, int errlen)
{
	s->final = path;
	size_t n = strlen(path) + 32;
	s->tmp = malloc(n);
	if (!s->tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(s->tmp, n, "%s.tmp-%d", path, (int)getpid());
	s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		free(s->tmp);
		s->tmp = NULL;
		return -1;
	}
	return 0;
}

/* On disk before the rename: a crash right after it must not leave an empty OUT. */
static int stage_finish(staged *s, char *err, int errlen)
{
	int rc = fsync(s->fd);
	if (close(s->fd))
		rc = -1;
	s->fd = -1;
	if (rc)
		snprintf(err, errlen, "cannot write '%s': %s", s->final, strerror(errno));
	return rc;
}

static int stage_commit(staged *s, char *err, int errlen)
{
	if (rename(s->tmp, s->final)) {
		snprintf(err, errlen, "cannot write '%s': %s", s->final, strerror(errno));
		return -1;
	}
	free(s->tmp);
	s->tmp = NULL;
	return 0;
}

/* Whatever was not committed goes. */
static void stage_discard(staged *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->tmp)
		unlink(s->tmp);
	free(s->tmp);
	s->tmp = NULL;
}

/* OUT and the report: never the input, never each other, replaced only with -y. */
static int check_outputs(const render_opts *o, const struct stat *in_st, char *err, int errlen)
{
	if (file_check_output(o->out, "OUT", in_st, o->overwrite, err, errlen))
		return -1;
	if (!o->json)
		return 0;
	if (file_same(o->json, o->out)) {
		snprintf(err, errlen, "report '%s' is the same file as OUT '%s'", o->json, o->out);
		return -1;
	}
	return file_check_output(o->json, "report", in_st, o->overwrite, err, errlen);
}

static int write_report(staged *s, const char *in_path, report_meter *in_meter, report_meter *out_meter, lathe_params *p,
                        char *err, int errlen)
{
	FILE *jf = fdopen(s->fd, "w");
	if (!jf) {
		snprintf(err, errlen, "cannot write report '%s': %s", s->final, strerror(errno));
		return -1;
	}
	loudness_report ri, ro;
	report_finish(in_meter, &ri);
	report_finish(out_meter, &ro);
	report_warn_non_finite(&ri, in_path); /* the chain put out silence for those blocks */
	fprintf(jf, "{\n\"input\": ");
	report_json(&ri, jf);
	fprintf(jf, ",\n\"output\": ");
	report_json(&ro, jf);
	fprintf(jf, ",\n\"limiter_gain_db\": %.2f,\n\"input_gain_db\": %.2f\n}\n", param_get(p, P_LIM_GAIN),
	        param_get(p, P_INPUT_GAIN));
	int rc = fflush(jf) || ferror(jf) || fsync(s->fd) ? -1 : 0;
	if (rc)
		snprintf(err, errlen, "cannot write report '%s': %s", s->final, strerror(errno));
	if (fclose(jf) && !rc) {
		snprintf(err, errlen, "cannot write report '%s': %s", s->final, strerror(errno));
		rc = -1;
	}
	s->fd = -1; /* fclose closed it */
	return rc;
}

/* Dither at OUT's word length unless the user said otherwise (render.h);
 * the line that says which goes into *said. */
static void choose_dither(lathe_params *p, const render_opts *o, int sub, char *said, size_t len)
{
	int bits = sub == SF_FORMAT_PCM_16 ? 16 : sub == SF_FORMAT_PCM_24 ? 24 : 0;
	if (o->dither == RENDER_DITHER_OFF)
		param_set(p, P_DITHER_BYPASS, 1, NULL);
	else if (o->dither == RENDER_DITHER_AUTO && bits) {
		param_set(p, P_DITHER_BYPASS, 0, NULL);
		if (!o->dither_bits_set)
			param_set_text(p, P_DITHER_BITS, bits == 16 ? "16" : "24", NULL);
	}
	if (param_get_bool(p, P_BYPASS)) {
		snprintf(said, len, "lathe: not dithered (/bypass 1: the whole chain is bypassed)");
		return;
	}
	if (param_get_bool(p, P_DITHER_BYPASS)) {
		snprintf(said, len, "lathe: not dithered (%s)",
		         o->dither == RENDER_DITHER_OFF ? "--no-dither"
		         : o->dither == RENDER_DITHER_AS_SET ? "/dither/bypass 1"
		                                             : "32-bit float output");
		return;
	}
	static const char *const shapes[] = { "", ", Lipshitz noise shaping", ", F-weighted noise shaping" };
	static const char *const words[] = { "16", "20", "24" }; /* /dither/bits, params.c */
	int shape = param_get_int(p, P_DITHER_SHAPE), word = param_get_int(p, P_DITHER_BITS);
	snprintf(said, len, "lathe: dithered to %s bits (TPDF%s)%s", word >= 0 && word < 3 ? words[word] : "?",
	         shape >= 0 && shape < 3 ? shapes[shape] : "", bits ? "" : " into 32-bit float");
}

int render_file(lathe_params *p, const render_opts *o, char *err, int errlen)
{
	SF_INFO info;
	struct stat in_st;
	SNDFILE *in = open_input(o->in, &info, &in_st, err, errlen);
	if (!in)
		return -1;
	staged out = { .fd = -1 }, rep = { .fd = -1 };
	float *all = NULL;
	size_t frames = 0;
	report_meter *in_meter = NULL, *out_meter = NULL;
	SNDFILE *osf = NULL;
	file_sink_t fs = { 0 };
	int format, rc = -1;
	char dither_said[160];
	progress pg = { .on = o->progress, .rate = info.samplerate, .passes = SEARCH_PASSES };
	float base_in = param_get(p, P_INPUT_GAIN), base_lim = param_get(p, P_LIM_GAIN);
	if (format_for(o->out, o->bits, info.format & SF_FORMAT_SUBMASK, &format, err, errlen) ||
	    check_outputs(o, &in_st, err, errlen))
		goto done;
	/* before the drive search: it measures the chain as it will render */
	choose_dither(p, o, format & SF_FORMAT_SUBMASK, dither_said, sizeof dither_said);
	if (o->has_target) {
		if (!(all = read_all(in, &info, o->in, &frames, o->stop, err, errlen)) ||
		    find_drive(p, info.samplerate, all, frames, o->target_lufs, &pg, o->stop, err, errlen))
			goto done;
	}
	pg.pass = 0;
	if (stage_open(&out, o->out, err, errlen) || (o->json && stage_open(&rep, o->json, err, errlen)))
		goto done;
	SF_INFO oinfo = { .samplerate = info.samplerate, .channels = 2, .format = format };
	if (!(osf = sf_open_fd(out.fd, SFM_WRITE, &oinfo, 0))) {
		snprintf(err, errlen, "cannot write '%s': %s", o->out, sf_strerror(NULL));
		goto done;
	}
	/* the output is always metered: the summary line */
	if (!(out_meter = report_new(info.samplerate, 2)) || (o->json && !(in_meter = report_new(info.samplerate, 2)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	fs = (file_sink_t){ osf, format & SF_FORMAT_SUBMASK, malloc(2 * CHUNK * sizeof(int)), out_meter };
	in_src src = { all ? NULL : in, info.channels, { all, frames, 0 }, in_meter };
	int ran = fs.ibuf ? run_stream(p, info.samplerate, in_source, &src, file_sink, &fs,
	                               (size_t)(info.frames > 0 ? info.frames : 0), &pg, o->stop)
	                  : -1;
	progress_end(&pg);
	if (ran && !stopped(o->stop)) {
		snprintf(err, errlen, "cannot write '%s': %s", o->out, sf_strerror(osf));
		goto done;
	}
	int closed = sf_close(osf);
	osf = NULL;
	if (stopped(o->stop)) {
		snprintf(err, errlen, "stopped; nothing written");
		goto done;
	}
	if (closed) {
		snprintf(err, errlen, "cannot write '%s': %s", o->out, sf_error_number(closed));
		goto done;
	}
	if (stage_finish(&out, err, errlen) || (o->json && write_report(&rep, o->in, in_meter, out_meter, p, err, errlen)))
		goto done;
	if (stage_commit(&out, err, errlen) || (o->json && stage_commit(&rep, err, errlen)))
		goto done;
	if (o->say) {
		loudness_report r;
		report_finish(out_meter, &r);
		double lim = param_get(p, P_LIM_GAIN) - base_lim, trim = param_get(p, P_INPUT_GAIN) - base_in;
		fprintf(o->say, "%s\n", dither_said);
		fprintf(o->say, "lathe: wrote '%s': ", o->out);
		if (isfinite(r.integrated_lufs) && r.integrated_lufs >= -70)
			fprintf(o->say, "%.1f LUFS integrated", r.integrated_lufs);
		else /* BS.1770's absolute gate: nothing above -70 LUFS in a 400 ms block */
			fprintf(o->say, "below -70 LUFS integrated (silent, or shorter than 0.4 s)");
		fprintf(o->say, ", %.1f dBTP true peak, LRA %.1f LU", r.true_peak_dbtp, r.loudness_range_lu);
		if (o->has_target)
			fprintf(o->say, ", drive %+.1f dB (limiter %+.1f dB, input %+.1f dB) for %.1f LUFS", lim + trim, lim, trim,
			        o->target_lufs);
		fprintf(o->say, "\n");
		fflush(o->say);
	}
	rc = 0;
done:
	progress_end(&pg);
	if (osf)
		sf_close(osf);
	free(fs.ibuf);
	stage_discard(&out);
	stage_discard(&rep);
	report_free(in_meter);
	report_free(out_meter);
	free(all);
	sf_close(in);
	return rc;
}
