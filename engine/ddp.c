/* lathe — DDP 2.0 fileset (see ddp.h). */
#include "ddp.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DDPID_LEN 128
#define MS_LEN 128
#define PQ_LEN 64
#define PACK_LEN 18

/* Fixed-width ASCII fields, blank-padded, as every DDP record is. */
static void field(char *rec, int at, int width, const char *v)
{
	int n = (int)strlen(v);
	for (int i = 0; i < width; i++)
		rec[at + i] = i < n ? v[i] : ' ';
}

static void fieldnum(char *rec, int at, int width, size_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%0*zu", width, v);
	field(rec, at, width, b);
}

typedef struct {
	GString *md5;   /* CHECKSUM.MD5 lines */
	const char *dir;
	char *err;
	int errlen;
} writer;

static int put_file(writer *w, const char *name, const void *data, size_t len)
{
	char *path = g_build_filename(w->dir, name, NULL);
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		snprintf(w->err, (size_t)w->errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
	g_free(path);
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_MD5, data, len);
	g_string_append_printf(w->md5, "%s  %s\n", sum, name);
	g_free(sum);
	return ok ? 0 : -1;
}

static void msf_fields(char *rec, int at, size_t sectors)
{
	fieldnum(rec, at, 2, sectors / (60 * CD_FPS));
	fieldnum(rec, at + 2, 2, sectors / CD_FPS % 60);
	fieldnum(rec, at + 4, 2, sectors % CD_FPS);
}

static void pq_packet(GByteArray *pq, const char *trk, int idx, size_t abs_sector, const char *isrc, const char *upc)
{
	char r[PQ_LEN];
	memset(r, ' ', sizeof r);
	field(r, 0, 4, "VVVS");
	field(r, 4, 2, trk);
	fieldnum(r, 6, 2, (size_t)idx);
	field(r, 8, 2, "00");            /* hours: a CD has none */
	msf_fields(r, 10, abs_sector);
	field(r, 16, 2, "00");           /* control: 2-channel audio, no pre-emphasis, copy not permitted */
	field(r, 18, 2, "00");
	field(r, 20, 12, isrc ? isrc : "");
	field(r, 32, 13, upc ? upc : "");
	g_byte_array_append(pq, (const guint8 *)r, sizeof r);
}

static void ms_packet(GByteArray *ms, const char *dst, size_t length, size_t start, const char *sub, const char *cdm,
                      const char *dsi)
{
	char r[MS_LEN];
	memset(r, ' ', sizeof r);
	field(r, 0, 4, "VVVM");
	field(r, 4, 2, dst);
	fieldnum(r, 6, 8, 0);            /* DSP: each stream is its own file, from its start */
	fieldnum(r, 14, 8, length);      /* DSL: sectors of 2352 bytes for CD-DA, bytes for the others */
	fieldnum(r, 22, 8, start);       /* DSS: disc sector where the stream begins */
	field(r, 30, 8, sub);
	field(r, 38, 2, cdm);
	field(r, 40, 1, "0");            /* SSM: stored as a plain file */
	field(r, 41, 1, "0");            /* not scrambled */
	fieldnum(r, 71, 3, strlen(dsi));
	field(r, 74, 17, dsi);
	g_byte_array_append(ms, (const guint8 *)r, sizeof r);
}

/* ---- CD-TEXT ---- */

static uint16_t crc16_ccitt(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
	}
	return (uint16_t)~c;
}

typedef struct {
	GByteArray *out;
	int seq;
} packer;

static void pack(packer *k, uint8_t type, uint8_t track, uint8_t charpos, const uint8_t text[12])
{
	uint8_t p[PACK_LEN];
	p[0] = type;
	p[1] = track;
	p[2] = (uint8_t)k->seq++;
	p[3] = (uint8_t)(charpos > 15 ? 15 : charpos); /* block 0, single-byte characters */
	memcpy(p + 4, text, 12);
	uint16_t c = crc16_ccitt(p, 16);
	p[16] = (uint8_t)(c >> 8);
	p[17] = (uint8_t)c;
	g_byte_array_append(k->out, p, sizeof p);
}

/* One pack type: the album's string then every track's, NUL-terminated,
 * cut into 12-byte pieces.  Returns the number of packs. */
static int pack_strings(packer *k, uint8_t type, char **latin1, int n)
{
	GByteArray *s = g_byte_array_new();
	GArray *owner = g_array_new(FALSE, FALSE, sizeof(int)), *pos = g_array_new(FALSE, FALSE, sizeof(int));
	for (int t = 0; t <= n; t++) {
		size_t len = strlen(latin1[t]);
		for (size_t i = 0; i <= len; i++) {
			int ti = t, pi = (int)i;
			g_array_append_val(owner, ti);
			g_array_append_val(pos, pi);
		}
		g_byte_array_append(s, (const guint8 *)latin1[t], (guint)len + 1);
	}
	int packs = 0;
	for (guint at = 0; at < s->len; at += 12) {
		uint8_t text[12] = { 0 };
		memcpy(text, s->data + at, s->len - at < 12 ? s->len - at : 12);
		pack(k, type, (uint8_t)g_array_index(owner, int, at), (uint8_t)g_array_index(pos, int, at), text);
		packs++;
	}
	g_byte_array_free(s, TRUE);
	g_array_free(owner, TRUE);
	g_array_free(pos, TRUE);
	return packs;
}

static char *to_latin1(const char *utf8)
{
	char *s = g_convert_with_fallback(utf8, -1, "ISO-8859-1", "UTF-8", "?", NULL, NULL, NULL);
	return s ? s : g_strdup("");
}

static GByteArray *cdtext(const album *a)
{
	packer k = { g_byte_array_new(), 0 };
	int n = a->n;
	char **title = g_new0(char *, n + 2), **perf = g_new0(char *, n + 2);
	title[0] = to_latin1(a->title);
	perf[0] = to_latin1(a->performer);
	for (int i = 0; i < n; i++) {
		title[i + 1] = to_latin1(a->tracks[i].title);
		perf[i + 1] = to_latin1(a->tracks[i].performer);
	}
	int n80 = pack_strings(&k, 0x80, title, n);
	int n81 = pack_strings(&k, 0x81, perf, n);
	/* size information: 36 bytes over three 0x8f packs */
	uint8_t info[36] = { 0 };
	info[0] = 0x00;                 /* ISO 8859-1 */
	info[1] = 1;                    /* first track */
	info[2] = (uint8_t)n;           /* last track */
	info[3] = 0x00;                 /* no copyright assertion */
	info[4 + 0x0] = (uint8_t)n80;
	info[4 + 0x1] = (uint8_t)n81;
	info[4 + 0xf] = 3;
	info[20] = (uint8_t)(k.seq + 3 - 1); /* last sequence number of block 0 */
	info[28] = 0x09;                /* block 0: English */
	for (int i = 0; i < 3; i++)
		pack(&k, 0x8f, (uint8_t)i, 0, info + 12 * i);
	g_strfreev(title);
	g_strfreev(perf);
	return k.out;
}

int ddp_write(const char *dir, const album *a, const cdimage *c, char *err, int errlen)
{
	writer w = { g_string_new(""), dir, err, errlen };
	int rc = 0;

	/* IMAGE.DAT: big-endian 16-bit words from the image's grid values */
	size_t bytes = c->samples * 4;
	uint8_t *img = malloc(bytes ? bytes : 1);
	if (!img) {
		snprintf(err, (size_t)errlen, "out of memory");
		g_string_free(w.md5, TRUE);
		return -1;
	}
	for (size_t i = 0; i < 2 * c->samples; i++) {
		long v = lrint((double)c->lr[i] * 32768.0);
		v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
		img[2 * i] = (uint8_t)((uint16_t)v >> 8);
		img[2 * i + 1] = (uint8_t)v;
	}

	GByteArray *pq = g_byte_array_new();
	pq_packet(pq, "01", 0, 0, NULL, a->upc);
	for (int i = 0; i < c->n; i++) {
		char trk[12];
		snprintf(trk, sizeof trk, "%02d", i + 1);
		if (i > 0 && c->index00[i] < c->index01[i])
			pq_packet(pq, trk, 0, CD_PREGAP_FRAMES + c->index00[i], NULL, NULL);
		pq_packet(pq, trk, 1, CD_PREGAP_FRAMES + c->index01[i], a->tracks[i].isrc, NULL);
	}
	pq_packet(pq, "AA", 1, CD_PREGAP_FRAMES + c->sectors, NULL, NULL);
	GByteArray *text = cdtext(a);

	GByteArray *ms = g_byte_array_new();
	ms_packet(ms, "D0", c->sectors, CD_PREGAP_FRAMES, "", "DA", "IMAGE.DAT");
	ms_packet(ms, "S0", pq->len, 0, "PQ DESCR", "", "PQDESCR");
	ms_packet(ms, "S0", text->len, 0, "CDTEXT", "", "CDTEXT.BIN");

	char id[DDPID_LEN];
	memset(id, ' ', sizeof id);
	field(id, 0, 8, "DDP 2.00");
	field(id, 8, 13, a->upc);
	char *mid = g_utf8_strup(a->title, -1);
	char *mid1 = to_latin1(mid);
	field(id, 38, 48, mid1);        /* master ID: the album title */
	g_free(mid);
	g_free(mid1);
	field(id, 87, 2, "CD");

	rc = put_file(&w, "DDPID", id, sizeof id) || put_file(&w, "DDPMS", ms->data, ms->len) ||
	     put_file(&w, "PQDESCR", pq->data, pq->len) || put_file(&w, "CDTEXT.BIN", text->data, text->len) ||
	     put_file(&w, "IMAGE.DAT", img, bytes);
	if (!rc) {
		char *path = g_build_filename(dir, "CHECKSUM.MD5", NULL);
		GError *ge = NULL;
		if (!g_file_set_contents(path, w.md5->str, (gssize)w.md5->len, &ge)) {
			snprintf(err, (size_t)errlen, "%s", ge->message);
			g_error_free(ge);
			rc = -1;
		}
		g_free(path);
	}
	free(img);
	g_byte_array_free(pq, TRUE);
	g_byte_array_free(text, TRUE);
	g_byte_array_free(ms, TRUE);
	g_string_free(w.md5, TRUE);
	return rc ? -1 : 0;
}
