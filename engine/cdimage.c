/* lathe — CD image and CUE sheet (see cdimage.h). */
#include "cdimage.h"
#include "resample.h"
#include "trackfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cdimage_msf(size_t sectors, char out[16])
{
	unsigned m = (unsigned)(sectors / (60 * CD_FPS) % 1000), sec = (unsigned)(sectors / CD_FPS % 60), f = (unsigned)(sectors % CD_FPS);
	snprintf(out, 16, "%02u:%02u:%02u", m, sec, f);
}

static size_t to_sectors(const sequence *s, size_t frames) { return frames / s->cd_frame; }

int cdimage_check(const album *a, const sequence *s, int print, char *err, int errlen)
{
	int bad = 0;
	char line[700];
#define VIOLATION(...)                                                   \
	do {                                                             \
		snprintf(line, sizeof line, __VA_ARGS__);                \
		if (!bad++)                                              \
			snprintf(err, (size_t)errlen, "%s", line);       \
		if (print)                                               \
			fprintf(stderr, "lathe: %s\n", line);            \
	} while (0)
	if (a->n > ALBUM_MAX_TRACKS)
		VIOLATION("%s: %d tracks; a CD holds at most 99", a->path, a->n);
	for (int i = 0; i < s->n; i++) {
		size_t end = i + 1 < s->n ? s->t[i + 1].index00 : s->frames;
		size_t len = to_sectors(s, end - s->t[i].index01);
		if (len < CD_MIN_TRACK_FRAMES) {
			char msf[16];
			cdimage_msf(len, msf);
			VIOLATION("%s:%d: track %d '%s' is %s long; Red Book tracks are at least 4 s", a->path,
			          a->tracks[i].line, i + 1, a->tracks[i].title, msf);
		}
	}
	size_t total = to_sectors(s, s->frames) + CD_PREGAP_FRAMES;
	if (total > CD_MAX_FRAMES) {
		char msf[16];
		cdimage_msf(total, msf);
		VIOLATION("%s: the program is %s long with its 2-s pregap; a CD holds at most 79:57:00", a->path, msf);
	}
#undef VIOLATION
	return bad;
}

int cdimage_make(cdimage *c, const sequence *s, const float *same16, char *err, int errlen)
{
	memset(c, 0, sizeof *c);
	c->sectors = to_sectors(s, s->frames);
	size_t got;
	int reuse = same16 && s->rate == CD_RATE;
	c->lr = resample_stereo(reuse ? same16 : s->lr, s->frames, s->rate, CD_RATE, &got);
	if (!c->lr) {
		snprintf(err, (size_t)errlen, "out of memory converting the album to 44.1 kHz");
		return -1;
	}
	/* the timeline is a whole number of CD frames at its rate, so this is exact */
	c->samples = c->sectors * CD_FRAME;
	if (got < c->samples) {
		float *x = realloc(c->lr, c->samples * 2 * sizeof(float));
		if (!x) {
			free(c->lr);
			c->lr = NULL;
			snprintf(err, (size_t)errlen, "out of memory");
			return -1;
		}
		c->lr = x;
		memset(c->lr + 2 * got, 0, (c->samples - got) * 2 * sizeof(float));
	}
	if (!reuse && trackfile_dither(c->lr, c->samples, CD_RATE, 16)) {
		snprintf(err, (size_t)errlen, "out of memory");
		return -1;
	}
	c->n = s->n;
	for (int i = 0; i < s->n; i++) {
		c->index00[i] = to_sectors(s, s->t[i].index00);
		c->index01[i] = to_sectors(s, s->t[i].index01);
	}
	return 0;
}

void cdimage_free(cdimage *c)
{
	free(c->lr);
	memset(c, 0, sizeof *c);
}

int cdimage_write_wav(const cdimage *c, const char *path, char *err, int errlen)
{
	track_tags tg = { .title = "CD image", .number = 0, .total = c->n };
	return trackfile_write(path, c->lr, c->samples, CD_RATE, 16, &tg, err, errlen);
}

/* CUE strings are double-quoted with no escape: a '"' becomes a "'". */
static void put_str(FILE *f, const char *indent, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	fprintf(f, "%s%s \"", indent, key);
	for (const char *p = v; *p; p++)
		fputc(*p == '"' ? '\'' : (*p == '\n' || *p == '\r') ? ' ' : *p, f);
	fprintf(f, "\"\n");
}

int cdimage_write_cue(const cdimage *c, const album *a, const char *path, const char *wav_name, char *err, int errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (*a->genre)
		put_str(f, "", "REM GENRE", a->genre);
	if (*a->date)
		fprintf(f, "REM DATE %s\n", a->date);
	fprintf(f, "REM COMMENT \"lathe album; track 1's 2-s pregap is the disc's own (LBA -150)\"\n");
	if (*a->upc)
		fprintf(f, "CATALOG %s\n", a->upc);
	put_str(f, "", "PERFORMER", a->performer);
	put_str(f, "", "TITLE", a->title);
	fprintf(f, "FILE \"%s\" WAVE\n", wav_name); /* our own name: no quote in it */
	for (int i = 0; i < c->n; i++) {
		const album_track *t = &a->tracks[i];
		char msf[16];
		fprintf(f, "  TRACK %02d AUDIO\n", i + 1);
		put_str(f, "    ", "TITLE", t->title);
		put_str(f, "    ", "PERFORMER", t->performer);
		if (*t->isrc)
			fprintf(f, "    ISRC %s\n", t->isrc);
		if (c->index00[i] < c->index01[i]) {
			cdimage_msf(c->index00[i], msf);
			fprintf(f, "    INDEX 00 %s\n", msf);
		}
		cdimage_msf(c->index01[i], msf);
		fprintf(f, "    INDEX 01 %s\n", msf);
	}
	if (fclose(f)) {
		snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
