/* lathe — per-track delivery files (see trackfile.h). */
#include "trackfile.h"
#include "render.h"
#include "dsp/dither.h"

#include <FLAC/metadata.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BLOCK 4096

int trackfile_dither(float *lr, size_t frames, int rate, int bits)
{
	lathe_params *p = params_new();
	dither *d = dither_new(rate, BLOCK);
	float *l = malloc(BLOCK * sizeof(float)), *r = malloc(BLOCK * sizeof(float));
	if (!p || !d || !l || !r) {
		params_free(p);
		dither_free(d);
		free(l);
		free(r);
		return -1;
	}
	char bits_s[8];
	snprintf(bits_s, sizeof bits_s, "%d", bits);
	param_set(p, P_DITHER_BYPASS, 0, NULL);
	param_set_text(p, P_DITHER_BITS, bits_s, NULL);
	dither_update(d, p);
	for (size_t pos = 0; pos < frames; pos += BLOCK) {
		unsigned n = (unsigned)(frames - pos < BLOCK ? frames - pos : BLOCK);
		for (unsigned i = 0; i < n; i++) {
			l[i] = lr[2 * (pos + i)];
			r[i] = lr[2 * (pos + i) + 1];
		}
		dither_process(d, l, r, n);
		for (unsigned i = 0; i < n; i++) {
			lr[2 * (pos + i)] = l[i];
			lr[2 * (pos + i) + 1] = r[i];
		}
	}
	params_free(p);
	dither_free(d);
	free(l);
	free(r);
	return 0;
}

static const char *nz(const char *s) { return s && *s ? s : NULL; }

static int flac_extra_tags(const char *path, const track_tags *tg, char *err, int errlen)
{
	FLAC__Metadata_Chain *ch = FLAC__metadata_chain_new();
	if (!ch || !FLAC__metadata_chain_read(ch, path)) {
		snprintf(err, (size_t)errlen, "cannot tag '%s': %s", path,
		         ch ? FLAC__Metadata_ChainStatusString[FLAC__metadata_chain_status(ch)] : "out of memory");
		if (ch)
			FLAC__metadata_chain_delete(ch);
		return -1;
	}
	FLAC__Metadata_Iterator *it = FLAC__metadata_iterator_new();
	FLAC__metadata_iterator_init(it, ch);
	FLAC__StreamMetadata *vc = NULL;
	do {
		if (FLAC__metadata_iterator_get_block_type(it) == FLAC__METADATA_TYPE_VORBIS_COMMENT)
			vc = FLAC__metadata_iterator_get_block(it);
	} while (!vc && FLAC__metadata_iterator_next(it));
	if (!vc) {
		vc = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
		FLAC__metadata_iterator_insert_block_after(it, vc);
	}
	char total[16];
	snprintf(total, sizeof total, "%d", tg->total);
	const char *names[] = { "TRACKTOTAL", "ISRC" }, *values[] = { total, nz(tg->isrc) };
	int ok = 1;
	for (int i = 0; i < 2; i++) {
		FLAC__StreamMetadata_VorbisComment_Entry e;
		if (!values[i])
			continue;
		ok = ok && FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&e, names[i], values[i]) &&
		     FLAC__metadata_object_vorbiscomment_append_comment(vc, e, false);
	}
	FLAC__metadata_chain_sort_padding(ch);
	ok = ok && FLAC__metadata_chain_write(ch, true, false);
	if (!ok)
		snprintf(err, (size_t)errlen, "cannot tag '%s': %s", path,
		         FLAC__Metadata_ChainStatusString[FLAC__metadata_chain_status(ch)]);
	FLAC__metadata_iterator_delete(it);
	FLAC__metadata_chain_delete(ch);
	return ok ? 0 : -1;
}

/* EBU Tech 3285 v2: loudness in 0.01 LU/LUFS/dBTP units, 0x7fff = unknown. */
static int16_t centi(double v) { return isfinite(v) && v > -327 ? (int16_t)lrint(v * 100) : 0x7fff; }

static void set_bext(SNDFILE *sf, int rate, int bits, const track_tags *tg)
{
	SF_BROADCAST_INFO b;
	memset(&b, 0, sizeof b);
	snprintf(b.description, sizeof b.description, "%s%s%s%s%s", tg->title ? tg->title : "",
	         nz(tg->artist) ? " / " : "", nz(tg->artist) ? tg->artist : "", nz(tg->isrc) ? " ISRC=" : "",
	         nz(tg->isrc) ? tg->isrc : "");
	snprintf(b.originator, sizeof b.originator, "lathe");
	snprintf(b.originator_reference, sizeof b.originator_reference, "%s", nz(tg->isrc) ? tg->isrc : "");
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char d[16], t[16];
	strftime(d, sizeof d, "%Y-%m-%d", &tm);
	strftime(t, sizeof t, "%H:%M:%S", &tm);
	memcpy(b.origination_date, d, 10);
	memcpy(b.origination_time, t, 8);
	b.time_reference_low = (uint32_t)(tg->time_reference & 0xffffffffu);
	b.time_reference_high = (uint32_t)((uint64_t)tg->time_reference >> 32);
	b.version = 2;
	const loudness_report *l = tg->loud;
	b.loudness_value = l ? centi(l->integrated_lufs) : 0x7fff;
	b.loudness_range = l ? centi(l->loudness_range_lu) : 0x7fff;
	b.max_true_peak_level = l ? centi(l->true_peak_dbtp) : 0x7fff;
	b.max_momentary_loudness = l ? centi(l->max_momentary_lufs) : 0x7fff;
	b.max_shortterm_loudness = l ? centi(l->max_short_term_lufs) : 0x7fff;
	int n = snprintf(b.coding_history, sizeof b.coding_history, "A=PCM,F=%d,W=%d,M=stereo,T=lathe album\r\n", rate,
	                 bits == 32 ? 32 : bits);
	b.coding_history_size = (uint32_t)n;
	sf_command(sf, SFC_SET_BROADCAST_INFO, &b, sizeof b);
}

int trackfile_write(const char *path, const float *lr, size_t frames, int rate, int bits, const track_tags *tg,
                    char *err, int errlen)
{
	const char *dot = strrchr(path, '.');
	int flac = dot && !strcasecmp(dot, ".flac");
	int sub = bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
	if (flac && sub == SF_FORMAT_FLOAT) {
		snprintf(err, (size_t)errlen, "'%s': FLAC cannot hold 32-bit float; use --bits 16 or 24", path);
		return -1;
	}
	SF_INFO info = { .samplerate = rate, .channels = 2, .format = (flac ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | sub };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, sf_strerror(NULL));
		return -1;
	}
	char num[16];
	snprintf(num, sizeof num, "%d", tg->number);
	const struct { int id; const char *v; } str[] = {
		{ SF_STR_TITLE, tg->title }, { SF_STR_ARTIST, tg->artist }, { SF_STR_ALBUM, tg->album },
		{ SF_STR_DATE, tg->date },   { SF_STR_GENRE, tg->genre },   { SF_STR_TRACKNUMBER, num },
		{ SF_STR_SOFTWARE, "lathe" },
	};
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		if (nz(str[i].v))
			sf_set_string(sf, str[i].id, str[i].v);
	if (!flac)
		set_bext(sf, rate, bits, tg);
	int rc = 0;
	if (sub == SF_FORMAT_FLOAT) {
		rc = sf_writef_float(sf, lr, (sf_count_t)frames) == (sf_count_t)frames ? 0 : -1;
	} else {
		int *iv = malloc(BLOCK * 2 * sizeof(int));
		for (size_t pos = 0; rc == 0 && pos < frames; pos += BLOCK) {
			size_t n = frames - pos < BLOCK ? frames - pos : BLOCK;
			render_to_pcm(lr + 2 * pos, iv, 2 * n, bits);
			if (sf_writef_int(sf, iv, (sf_count_t)n) != (sf_count_t)n)
				rc = -1;
		}
		free(iv);
	}
	if (sf_close(sf) || rc) {
		snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return flac ? flac_extra_tags(path, tg, err, errlen) : 0;
}
