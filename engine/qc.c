/* lathe — album quality control (see qc.h). */
#include "qc.h"
#include "resample.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SILENCE_LIN 3.1622776e-5 /* -90 dBFS */

static void measure_buf(const float *lr, size_t frames, int rate, loudness_report *out)
{
	memset(out, 0, sizeof *out);
	report_meter *m = report_new(rate, 2);
	if (!m)
		return;
	report_add(m, lr, frames);
	report_finish(m, out);
	report_free(m);
}

/* Side-to-mid energy (dB): how wide the picture is; -inf for mono reads -120. */
static double width_db(const float *lr, size_t frames)
{
	double mm = 0, ss = 0;
	for (size_t i = 0; i < frames; i++) {
		double m = 0.5 * (lr[2 * i] + lr[2 * i + 1]), s = 0.5 * (lr[2 * i] - lr[2 * i + 1]);
		mm += m * m;
		ss += s * s;
	}
	return mm > 0 && ss > 0 ? 10 * log10(ss / mm) : -120;
}

static double mono_loss(const float *lr, size_t frames, int rate, double stereo_lufs)
{
	float *m = malloc(frames * 2 * sizeof(float));
	if (!m)
		return 0;
	for (size_t i = 0; i < frames; i++)
		m[2 * i] = m[2 * i + 1] = 0.5f * (lr[2 * i] + lr[2 * i + 1]);
	loudness_report r;
	measure_buf(m, frames, rate, &r);
	free(m);
	return r.integrated_lufs - stereo_lufs;
}

static void samples_qc(qc_track *t, const float *lr, size_t frames, int rate, int bits)
{
	/* full scale = the largest code of the word (float files: 1.0) */
	double fs = bits >= 32 ? 1.0 : ((double)(1 << (bits - 1)) - 1) / (double)(1 << (bits - 1));
	double sum[2] = { 0, 0 };
	int run[2] = { 0, 0 };
	size_t first = frames, last = 0;
	for (size_t i = 0; i < frames; i++) {
		for (int c = 0; c < 2; c++) {
			double v = lr[2 * i + c];
			sum[c] += v;
			if (fabs(v) >= fs) {
				if (++run[c] == 3)
					t->clip_runs++;
			} else
				run[c] = 0;
			if (fabs(v) > SILENCE_LIN) {
				if (first == frames)
					first = i;
				last = i;
			}
		}
	}
	for (int c = 0; c < 2; c++) {
		double mean = frames ? fabs(sum[c] / (double)frames) : 0;
		t->dc_dbfs[c] = mean > 1e-6 ? 20 * log10(mean) : -120;
	}
	t->head_silence_s = (double)first / rate;
	t->tail_silence_s = first == frames ? 0 : (double)(frames - 1 - last) / rate;
}

/* Encode, decode, measure: what a listener's decoder would put out. */
static void codec_preview(qc_codec *c, int which, const float *lr, size_t frames, int rate, const char *tmpdir)
{
	c->name = which == QC_MP3 ? "mp3 320k" : "opus 160k";
	const float *x = lr;
	float *conv = NULL;
	int crate = rate;
	if (which == QC_OPUS && rate != 48000) {
		size_t n2;
		conv = resample_stereo(lr, frames, rate, 48000, &n2);
		if (!conv)
			return;
		x = conv;
		frames = n2;
		crate = 48000;
	}
	char *path = g_strdup_printf("%s/codec-%d-%p.tmp", tmpdir, which, (void *)c);
	SF_INFO info = { .samplerate = crate, .channels = 2,
		         .format = which == QC_MP3 ? SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III : SF_FORMAT_OGG | SF_FORMAT_OPUS };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (sf) {
		/* libsndfile: MP3 level 0 is 320 kbps; Opus maps 0..1 onto 256..6 kbps per channel, so
		 * 80 kbps per channel (160 kbps stereo) is (256 - 80) / 250 */
		int mode = SF_BITRATE_MODE_CONSTANT;
		double level = which == QC_MP3 ? 0.0 : (256.0 - 80.0) / 250.0;
		sf_command(sf, SFC_SET_BITRATE_MODE, &mode, sizeof mode);
		sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
		int ok = sf_writef_float(sf, x, (sf_count_t)frames) == (sf_count_t)frames;
		sf_close(sf);
		memset(&info, 0, sizeof info);
		sf = ok ? sf_open(path, SFM_READ, &info) : NULL;
	}
	if (sf) {
		float *y = malloc((size_t)(info.frames + 1) * 2 * sizeof(float));
		sf_count_t got = y && info.channels == 2 ? sf_readf_float(sf, y, info.frames) : 0;
		sf_close(sf);
		if (got > 0) {
			loudness_report r;
			measure_buf(y, (size_t)got, info.samplerate, &r);
			c->ok = 1;
			c->true_peak_dbtp = r.true_peak_dbtp;
			for (sf_count_t i = 0; i < 2 * got; i++)
				if (fabsf(y[i]) > 1.0f)
					c->overs++;
			/* the decode must stay below 0 dBFS between samples too: lower by the true peak's excess */
			c->headroom_db = c->overs || r.true_peak_dbtp > 0 ? (r.true_peak_dbtp > 0 ? r.true_peak_dbtp : 0.1) : 0;
		}
		free(y);
	}
	unlink(path);
	g_free(path);
	free(conv);
}

/* One track's figures (a worker's unit: tracks are measured in parallel). */
typedef struct {
	qc_report *q;
	const sequence *s;
	const float *lr;
	int codecs;
	const char *tmpdir;
	pthread_mutex_t lock;
	int next;
} qc_job;

static void measure_track(qc_job *j, int i)
{
	const sequence *s = j->s;
	qc_track *t = &j->q->t[i];
	const seq_track *st = &s->t[i];
	const float *x = j->lr + 2 * st->index01;
	size_t n = st->file_end - st->index01;
	measure_buf(x, n, s->rate, &t->r);
	t->mono_loss_lu = mono_loss(x, n, s->rate, t->r.integrated_lufs);
	samples_qc(t, x, n, s->rate, j->q->bits);
	t->start_s = (double)st->index01 / s->rate;
	t->length_s = (double)n / s->rate;
	if (i > 0) {
		const seq_track *pv = &s->t[i - 1];
		t->gap_s = ((double)st->start - (double)(pv->start + pv->length)) / s->rate;
	}
	measure_buf(st->mix, st->length, s->rate, &t->mix);
	t->mix_width_db = width_db(st->mix, st->length);
	t->width_db = width_db(x, n);
	for (int c = 0; j->codecs && c < QC_CODECS; c++)
		codec_preview(&t->codec[c], c, x, n, s->rate, j->tmpdir);
}

static void *qc_worker(void *u)
{
	qc_job *j = u;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		int i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i > j->q->n)
			return NULL;
		if (i == j->q->n) /* the whole album is one more unit of work */
			measure_buf(j->lr, j->s->frames, j->s->rate, &j->q->album);
		else
			measure_track(j, i);
	}
}

int qc_measure(qc_report *q, const album *a, const sequence *s, const float *lr, int bits, int codecs, int jobs,
               const char *tmpdir, char *err, int errlen)
{
	memset(q, 0, sizeof *q);
	q->n = a->n;
	q->bits = bits;
	q->rate = s->rate;
	q->t = calloc((size_t)a->n, sizeof *q->t);
	if (!q->t) {
		snprintf(err, (size_t)errlen, "out of memory");
		return -1;
	}
	qc_job j = { .q = q, .s = s, .lr = lr, .codecs = codecs, .tmpdir = tmpdir };
	pthread_mutex_init(&j.lock, NULL);
	pthread_t th[64];
	int n = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs, started = 0;
	for (int k = 0; k < n; k++)
		if (pthread_create(&th[k], NULL, qc_worker, &j) == 0)
			started++;
	if (!started)
		qc_worker(&j);
	for (int k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&j.lock);
	double lo = 1e9, hi = -1e9, tp_max = -120;
	for (int i = 0; i < a->n; i++) {
		qc_track *t = &q->t[i];
		int clips = 0;
		for (int c = 0; c < QC_CODECS; c++)
			clips |= t->codec[c].headroom_db > 0;
		q->flagged += clips;
		if (t->r.integrated_lufs > -70) {
			lo = fmin(lo, t->r.integrated_lufs);
			hi = fmax(hi, t->r.integrated_lufs);
		}
		tp_max = fmax(tp_max, t->r.true_peak_dbtp);
	}
	q->spread_lu = hi >= lo ? hi - lo : 0;
	for (int p = 1; p < PLAT_COUNT && p - 1 < REPORT_PLATFORMS; p++) {
		const platform_info *pi = platform_get(p);
		float after;
		q->plat[p - 1].name = pi->name;
		q->plat[p - 1].album_gain_db = platform_gain_db(pi, (float)q->album.integrated_lufs, (float)tp_max, &after);
		q->plat[p - 1].album_tp_after = after;
	}
	return 0;
}

void qc_free(qc_report *q)
{
	free(q->t);
	memset(q, 0, sizeof *q);
}

/* ---- output ---- */

static const char *num(char *b, double v, int dec)
{
	char fmt[8];
	snprintf(fmt, sizeof fmt, "%%.%df", dec);
	return g_ascii_formatd(b, G_ASCII_DTOSTR_BUF_SIZE, fmt, isfinite(v) ? v : -120);
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void qc_json(const qc_report *q, const album *a, FILE *f)
{
	char b[6][G_ASCII_DTOSTR_BUF_SIZE];
	fprintf(f, "{\n\"album\": {\n  \"title\": ");
	jstr(f, a->title);
	fprintf(f, ",\n  \"performer\": ");
	jstr(f, a->performer);
	fprintf(f, ",\n  \"upc\": \"%s\",\n  \"tracks\": %d,\n  \"sample_rate\": %d,\n  \"bits\": %d,\n", a->upc, q->n,
	        q->rate, q->bits);
	fprintf(f, "  \"loudness_mode\": \"%s\",\n",
	        a->loudness == LOUDNESS_ALBUM ? "album" : a->loudness == LOUDNESS_TRACK ? "track" : "none");
	fprintf(f, "  \"spread_lu\": %s,\n  \"codec_flagged_tracks\": %d,\n  \"report\": ", num(b[0], q->spread_lu, 2),
	        q->flagged);
	report_json(&q->album, f);
	fprintf(f, ",\n  \"album_normalisation\": [\n");
	for (int p = 0; p < REPORT_PLATFORMS; p++)
		fprintf(f, "    { \"name\": \"%s\", \"gain_db\": %s, \"true_peak_after_dbtp\": %s }%s\n", q->plat[p].name,
		        num(b[0], q->plat[p].album_gain_db, 2), num(b[1], q->plat[p].album_tp_after, 2),
		        p + 1 < REPORT_PLATFORMS ? "," : "");
	fprintf(f, "  ]\n},\n\"tracks\": [\n");
	for (int i = 0; i < q->n; i++) {
		const qc_track *t = &q->t[i];
		fprintf(f, "{\n  \"number\": %d,\n  \"title\": ", i + 1);
		jstr(f, a->tracks[i].title);
		fprintf(f, ",\n  \"isrc\": \"%s\",\n", a->tracks[i].isrc);
		fprintf(f, "  \"start_s\": %s,\n  \"length_s\": %s,\n  \"gap_s\": %s,\n", num(b[0], t->start_s, 3),
		        num(b[1], t->length_s, 3), num(b[2], t->gap_s, 3));
		fprintf(f, "  \"mono_loss_lu\": %s,\n  \"dc_offset_dbfs\": [%s, %s],\n  \"clip_runs\": %lu,\n",
		        num(b[0], t->mono_loss_lu, 2), num(b[1], t->dc_dbfs[0], 1), num(b[2], t->dc_dbfs[1], 1), t->clip_runs);
		fprintf(f, "  \"head_silence_s\": %s,\n  \"tail_silence_s\": %s,\n", num(b[0], t->head_silence_s, 3),
		        num(b[1], t->tail_silence_s, 3));
		fprintf(f, "  \"codec_preview\": [");
		for (int c = 0; c < QC_CODECS; c++) {
			const qc_codec *k = &t->codec[c];
			if (!k->name)
				continue;
			fprintf(f, "%s\n    { \"codec\": \"%s\", \"ok\": %s, \"true_peak_dbtp\": %s, \"overs\": %lu, \"clips\": %s, \"headroom_needed_db\": %s }",
			        c ? "," : "", k->name, k->ok ? "true" : "false", num(b[0], k->true_peak_dbtp, 2), k->overs,
			        k->headroom_db > 0 ? "true" : "false", num(b[1], k->headroom_db, 2));
		}
		fprintf(f, "\n  ],\n  \"mix_vs_master\": { \"loudness_gain_lu\": %s, \"plr_change_db\": %s, \"width_change_db\": %s, \"mix_integrated_lufs\": %s, \"mix_plr_db\": %s },\n",
		        num(b[0], t->r.integrated_lufs - t->mix.integrated_lufs, 2), num(b[1], t->r.plr_db - t->mix.plr_db, 2),
		        num(b[2], t->width_db - t->mix_width_db, 2), num(b[3], t->mix.integrated_lufs, 2),
		        num(b[4], t->mix.plr_db, 2));
		fprintf(f, "  \"report\": ");
		report_json(&t->r, f);
		fprintf(f, "\n}%s\n", i + 1 < q->n ? "," : "");
	}
	fprintf(f, "]\n}\n");
}

void qc_print(const qc_report *q, const album *a, FILE *f)
{
	fprintf(f, "%-3s %-22s %8s %7s %5s %6s %7s %6s %5s %5s %6s %6s %7s %9s %9s\n", "#", "title", "start", "length", "LUFS",
	        "LRA", "dBTP", "PLR", "corr", "mono", "clips", "gap", "mix+LU", "mp3 dBTP", "opus dBTP");
	for (int i = 0; i < q->n; i++) {
		const qc_track *t = &q->t[i];
		char st[16];
		snprintf(st, sizeof st, "%d:%05.2f", (int)(t->start_s / 60), fmod(t->start_s, 60));
		fprintf(f, "%-3d %-22.22s %8s %7.2f %5.1f %6.1f %7.2f %6.1f %5.2f %5.1f %6lu %+6.2f %+7.1f", i + 1,
		        a->tracks[i].title, st, t->length_s, t->r.integrated_lufs, t->r.loudness_range_lu, t->r.true_peak_dbtp,
		        t->r.plr_db, t->r.correlation_min, t->mono_loss_lu, t->clip_runs, t->gap_s,
		        t->r.integrated_lufs - t->mix.integrated_lufs);
		for (int c = 0; c < QC_CODECS; c++)
			if (t->codec[c].ok)
				fprintf(f, " %8.2f%s", t->codec[c].true_peak_dbtp, t->codec[c].headroom_db > 0 ? "!" : " ");
			else
				fprintf(f, " %9s", "-");
		fputc('\n', f);
	}
	fprintf(f, "album: %.1f LUFS integrated, LRA %.1f LU, true peak %.2f dBTP, spread between tracks %.1f LU\n",
	        q->album.integrated_lufs, q->album.loudness_range_lu, q->album.true_peak_dbtp, q->spread_lu);
	for (int i = 0; i < q->n; i++)
		for (int c = 0; c < QC_CODECS; c++)
			if (q->t[i].codec[c].headroom_db > 0)
				fprintf(f, "warning: track %d '%s' clips after %s encoding (%lu samples over, %.2f dBTP): lower it by %.2f dB\n",
				        i + 1, a->tracks[i].title, q->t[i].codec[c].name, q->t[i].codec[c].overs,
				        q->t[i].codec[c].true_peak_dbtp, q->t[i].codec[c].headroom_db);
	fprintf(f, "%-14s %12s %12s\n", "platform", "album gain", "TP after");
	for (int p = 0; p < REPORT_PLATFORMS; p++)
		fprintf(f, "%-14s %+9.1f dB %9.1f dBTP\n", q->plat[p].name, q->plat[p].album_gain_db, q->plat[p].album_tp_after);
}
