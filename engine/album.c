/* lathe — the album file (see album.h). */
#include "album.h"

#include <ctype.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(char *err, int errlen, const char *fname, int line, const char *fmt, ...)
{
	int n = snprintf(err, (size_t)errlen, "%s:%d: ", fname, line);
	if (n < 0 || n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, (size_t)(errlen - n), fmt, ap);
	va_end(ap);
}

/* ---- codes ---- */

/* GS1 General Specifications 7.9.1: from the right, digits in odd positions
 * (counting the check digit as position 1) weigh 1, the others 3; the sum is
 * a multiple of 10.  UPC-A is EAN-13 with a leading 0. */
int album_check_upc(const char *s, char out[14], char *err, int errlen)
{
	size_t n = strlen(s);
	if (n != 12 && n != 13) {
		snprintf(err, (size_t)errlen, "upc '%s': a UPC-A has 12 digits, an EAN-13 13", s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i])) {
			snprintf(err, (size_t)errlen, "upc '%s': digits only", s);
			return -1;
		}
	out[0] = '0';
	memcpy(out + 13 - n, s, n);
	out[13] = 0;
	int sum = 0;
	for (int i = 0; i < 12; i++)
		sum += (out[11 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	int check = (10 - sum % 10) % 10;
	if (check != out[12] - '0') {
		snprintf(err, (size_t)errlen, "upc '%s': check digit is %c, the code needs %d", s, out[12], check);
		return -1;
	}
	return 0;
}

/* ISO 3901: country code (2 letters), registrant (3 alphanumerics), year
 * (2 digits), designation (5 digits); written CC-XXX-YY-NNNNN, stored
 * (CUE, PQ, Vorbis ISRC) as the 12 characters. */
int album_check_isrc(const char *s, char out[13], char *err, int errlen)
{
	char c[13];
	int n = 0;
	size_t len = strlen(s);
	int hyphens = strchr(s, '-') != NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			/* hyphens only where the four fields meet */
			if (!(n == 2 || n == 5 || n == 7) || (i > 0 && s[i - 1] == '-'))
				goto bad;
			continue;
		}
		if (n == 12)
			goto bad;
		c[n++] = (char)toupper((unsigned char)s[i]);
	}
	if (n != 12 || (hyphens && (len != 15)))
		goto bad;
	for (int i = 0; i < 12; i++) {
		int ok = i < 2 ? isupper((unsigned char)c[i]) : i < 5 ? isalnum((unsigned char)c[i]) : isdigit((unsigned char)c[i]);
		if (!ok)
			goto bad;
	}
	memcpy(out, c, 12);
	out[12] = 0;
	return 0;
bad:
	snprintf(err, (size_t)errlen, "isrc '%s': not an ISRC (CC-XXX-YY-NNNNN: country, registrant, year, 5 digits)", s);
	return -1;
}

double album_fade_gain(int curve, double t)
{
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	switch (curve) {
	case FADE_LINEAR:
		return t;
	case FADE_SINE: /* equal power: sin^2 + cos^2 = 1, a crossfade of uncorrelated material keeps its power */
		return sin(t * M_PI / 2);
	case FADE_LOG: /* straight in dB from -60 dB to 0, then the last step to silence at t = 0 */
		return t <= 0 ? 0 : pow(10, -3 * (1 - t));
	default: /* FADE_SCURVE: raised cosine, no slope at either end */
		return 0.5 - 0.5 * cos(t * M_PI);
	}
}

/* ---- line numbers ----
 * Every group header and key line, "group\nkey" -> line, with the same
 * syntax GKeyFile accepts (comments '#', blank lines, [group], key=value). */
typedef struct {
	GHashTable *lines;
	int last_line;
} line_index;

static int index_text(line_index *ix, const char *text, size_t len, const char *fname, char *err, int errlen)
{
	ix->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *group = NULL;
	int line = 0;
	for (size_t pos = 0; pos < len;) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		char *l = g_strndup(text + pos, end - pos);
		pos = end + 1;
		g_strstrip(l);
		int bad = 0;
		if (!*l || *l == '#') {
		} else if (*l == '[') {
			size_t n = strlen(l);
			if (l[n - 1] != ']')
				bad = 1;
			else {
				g_free(group);
				group = g_strndup(l + 1, n - 2);
				if (g_hash_table_contains(ix->lines, group)) {
					fail(err, errlen, fname, line, "[%s] appears twice", group);
					g_free(l);
					g_free(group);
					return -1;
				}
				g_hash_table_insert(ix->lines, g_strdup(group), GINT_TO_POINTER(line));
			}
		} else {
			char *eq = strchr(l, '=');
			if (!eq || eq == l)
				bad = 1;
			else if (!group) {
				fail(err, errlen, fname, line, "a key before any [group]");
				g_free(l);
				return -1;
			} else {
				*eq = 0;
				g_strchomp(l);
				char *k = g_strdup_printf("%s\n%s", group, l);
				if (g_hash_table_contains(ix->lines, k)) {
					fail(err, errlen, fname, line, "'%s' appears twice in [%s]", l, group);
					g_free(k);
					g_free(l);
					g_free(group);
					return -1;
				}
				g_hash_table_insert(ix->lines, k, GINT_TO_POINTER(line));
			}
		}
		g_free(l);
		if (bad) {
			fail(err, errlen, fname, line, "not a key=value line, a [group] or a # comment");
			g_free(group);
			return -1;
		}
	}
	g_free(group);
	ix->last_line = line;
	return 0;
}

static int line_of(const line_index *ix, const char *group, const char *key)
{
	if (key) {
		char *k = g_strdup_printf("%s\n%s", group, key);
		int l = GPOINTER_TO_INT(g_hash_table_lookup(ix->lines, k));
		g_free(k);
		if (l)
			return l;
	}
	int l = GPOINTER_TO_INT(g_hash_table_lookup(ix->lines, group));
	return l ? l : 1;
}

/* ---- values ---- */

typedef struct {
	GKeyFile *kf;
	line_index ix;
	const char *fname;
	char *dir;
	char *err;
	int errlen;
} parser;

static char *get_str(parser *P, const char *g, const char *k)
{
	char *v = g_key_file_get_string(P->kf, g, k, NULL);
	return v ? v : g_strdup("");
}

/* A number in [lo, hi]; absent: def.  -1 on error (err filled). */
static int get_num(parser *P, const char *g, const char *k, double lo, double hi, double def, double *out)
{
	char *v = g_key_file_get_value(P->kf, g, k, NULL);
	if (!v) {
		*out = def;
		return 0;
	}
	char *end;
	double x = g_ascii_strtod(v, &end);
	while (*end == ' ')
		end++;
	int ok = end != v && !*end && isfinite(x);
	if (!ok || x < lo || x > hi) {
		if (!ok)
			fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, k), "%s=%s: not a number", k, v);
		else
			fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, k), "%s=%s: out of range %g..%g", k, v, lo, hi);
		g_free(v);
		return -1;
	}
	g_free(v);
	*out = x;
	return 0;
}

/* A path relative to the album's folder. */
static char *resolve(parser *P, const char *v)
{
	return g_path_is_absolute(v) ? g_strdup(v) : g_build_filename(P->dir, v, NULL);
}

static int check_keys(parser *P, const char *g, const char *const *allowed)
{
	gsize n;
	char **keys = g_key_file_get_keys(P->kf, g, &n, NULL);
	for (gsize i = 0; i < n; i++) {
		int ok = 0;
		for (int j = 0; allowed[j] && !ok; j++)
			ok = !strcmp(keys[i], allowed[j]);
		if (!ok) {
			fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, keys[i]), "unknown key '%s' in [%s]", keys[i], g);
			g_strfreev(keys);
			return -1;
		}
	}
	g_strfreev(keys);
	return 0;
}

static const char *const album_keys[] = { "format", "title", "performer", "upc", "genre", "date", "session",
	                                      "loudness", "target_lufs", NULL };
static const char *const track_keys[] = { "file", "title", "performer", "isrc", "session", "snapshot", "gain_db",
	                                      "start", "end", "fade_in", "fade_out", "fade_curve", "gap",
	                                      "crossfade", "index", NULL };

static int parse_album_group(parser *P, album *a, album_chain_fn load)
{
	const char *g = "album";
	if (!g_key_file_has_group(P->kf, g)) {
		fail(P->err, P->errlen, P->fname, 1, "not a lathe album: no [album] group");
		return -1;
	}
	if (check_keys(P, g, album_keys))
		return -1;
	char *f = g_key_file_get_value(P->kf, g, "format", NULL);
	if (!f) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, NULL), "not a lathe album: no format= in [album]");
		return -1;
	}
	char *end;
	long fmt = strtol(f, &end, 10);
	if (*end || end == f || fmt < 1 || fmt > ALBUM_FORMAT) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "format"), "format=%s: this lathe reads format %d", f,
		     ALBUM_FORMAT);
		g_free(f);
		return -1;
	}
	g_free(f);
	a->title = get_str(P, g, "title");
	a->performer = get_str(P, g, "performer");
	a->genre = get_str(P, g, "genre");
	a->date = get_str(P, g, "date");
	char *upc = get_str(P, g, "upc");
	char code[14] = "", why[200];
	if (*upc && album_check_upc(upc, code, why, sizeof why)) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "upc"), "%s", why);
		g_free(upc);
		return -1;
	}
	g_free(upc);
	a->upc = g_strdup(code);
	char *s = g_key_file_get_string(P->kf, g, "session", NULL);
	if (s) {
		a->session = resolve(P, s);
		g_free(s);
	}
	char *l = get_str(P, g, "loudness");
	if (!*l)
		a->loudness = LOUDNESS_NONE;
	else if (!strcmp(l, "track"))
		a->loudness = LOUDNESS_TRACK;
	else if (!strcmp(l, "album"))
		a->loudness = LOUDNESS_ALBUM;
	else {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "loudness"), "loudness=%s: use album or track", l);
		g_free(l);
		return -1;
	}
	g_free(l);
	if (get_num(P, g, "target_lufs", -70, 0, NAN, &a->target_lufs))
		return -1;
	if (a->loudness != LOUDNESS_NONE && isnan(a->target_lufs)) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "loudness"), "loudness= needs target_lufs=");
		return -1;
	}
	(void)load;
	return 0;
}

static int parse_track(parser *P, album *a, int num, album_chain_fn load)
{
	char g[32];
	snprintf(g, sizeof g, "track %d", num);
	album_track *t = &a->tracks[num - 1];
	t->line = line_of(&P->ix, g, NULL);
	t->end = -1;
	if (check_keys(P, g, track_keys))
		return -1;
	char *file = g_key_file_get_string(P->kf, g, "file", NULL);
	if (!file || !*file) {
		fail(P->err, P->errlen, P->fname, t->line, "[%s] has no file=", g);
		g_free(file);
		return -1;
	}
	t->file = resolve(P, file);
	g_free(file);
	t->title = get_str(P, g, "title");
	if (!*t->title) {
		g_free(t->title);
		t->title = g_strdup_printf("Track %d", num);
	}
	t->performer = get_str(P, g, "performer");
	if (!*t->performer) {
		g_free(t->performer);
		t->performer = g_strdup(a->performer);
	}
	char *isrc = get_str(P, g, "isrc"), code[13] = "", why[200];
	if (*isrc && album_check_isrc(isrc, code, why, sizeof why)) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "isrc"), "%s", why);
		g_free(isrc);
		return -1;
	}
	g_free(isrc);
	t->isrc = g_strdup(code);
	if (get_num(P, g, "gain_db", -40, 24, 0, &t->gain_db) || get_num(P, g, "start", 0, 36000, 0, &t->start) ||
	    get_num(P, g, "end", 0, 36000, -1, &t->end) || get_num(P, g, "fade_in", 0, 600, 0, &t->fade_in) ||
	    get_num(P, g, "fade_out", 0, 600, 0, &t->fade_out) || get_num(P, g, "gap", 0, 600, 0, &t->gap) ||
	    get_num(P, g, "crossfade", 0, 600, 0, &t->crossfade) || get_num(P, g, "index", 0, 600, 0, &t->index))
		return -1;
	if (t->end >= 0 && t->end <= t->start) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "end"), "end=%g is not after start=%g", t->end, t->start);
		return -1;
	}
	if (g_key_file_has_key(P->kf, g, "gap", NULL) && g_key_file_has_key(P->kf, g, "crossfade", NULL)) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "crossfade"), "a track has a gap or a crossfade, not both");
		return -1;
	}
	if (num == 1 && (t->crossfade > 0 || t->gap > 0)) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, t->gap > 0 ? "gap" : "crossfade"),
		     "the first track has no previous track to %s (its 2-s pregap is always there)",
		     t->gap > 0 ? "leave a gap after" : "overlap");
		return -1;
	}
	if (t->crossfade > 0 && t->index > t->crossfade) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "index"),
		     "index=%g falls after the crossfade of %g s (a segue's index lies inside the overlap)", t->index, t->crossfade);
		return -1;
	}
	static const char *const curves[] = { "linear", "sine", "log", "scurve", NULL };
	char *c = get_str(P, g, "fade_curve");
	t->fade_curve = FADE_SINE;
	if (*c) {
		t->fade_curve = -1;
		for (int i = 0; curves[i]; i++)
			if (!strcmp(c, curves[i]))
				t->fade_curve = i;
		if (t->fade_curve < 0) {
			fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "fade_curve"),
			     "fade_curve=%s: use linear, sine, log or scurve", c);
			g_free(c);
			return -1;
		}
	}
	g_free(c);
	char *session = g_key_file_get_string(P->kf, g, "session", NULL);
	char *snap = g_key_file_get_string(P->kf, g, "snapshot", NULL);
	int rc = 0;
	if (session && snap) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "snapshot"), "a track has its own session= or a snapshot= of the album's, not both");
		rc = -1;
	} else if (snap && !a->session) {
		fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, "snapshot"), "snapshot=%s: the album has no session=", snap);
		rc = -1;
	} else {
		char *path = session ? resolve(P, session) : a->session ? g_strdup(a->session) : NULL;
		t->chain = params_new();
		if (!t->chain) {
			fail(P->err, P->errlen, P->fname, t->line, "out of memory");
			rc = -1;
		} else if ((path || snap) && load && load(t->chain, path, snap, why, sizeof why)) {
			const char *key = snap ? "snapshot" : session ? "session" : NULL;
			if (key)
				fail(P->err, P->errlen, P->fname, line_of(&P->ix, g, key), "%s", why);
			else
				fail(P->err, P->errlen, P->fname, line_of(&P->ix, "album", "session"), "%s", why);
			rc = -1;
		}
		g_free(path);
	}
	g_free(session);
	g_free(snap);
	return rc;
}

album *album_parse(const char *text, size_t len, const char *path, album_chain_fn load, char *err, int errlen)
{
	parser P = { .fname = path, .err = err, .errlen = errlen };
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		fail(err, errlen, path, 1, "not UTF-8 text");
		return NULL;
	}
	if (memchr(text, 0, len)) {
		fail(err, errlen, path, 1, "NUL byte: not a text file");
		return NULL;
	}
	if (index_text(&P.ix, text, len, path, err, errlen)) {
		g_hash_table_destroy(P.ix.lines);
		return NULL;
	}
	album *a = calloc(1, sizeof *a);
	P.kf = g_key_file_new();
	P.dir = g_path_get_dirname(path);
	a->path = g_strdup(path);
	GError *ge = NULL;
	if (!g_key_file_load_from_data(P.kf, text, len, G_KEY_FILE_NONE, &ge)) {
		/* the scan above accepts what GKeyFile does, so this is rare (bad escapes) */
		fail(err, errlen, path, 1, "%s", ge->message);
		g_error_free(ge);
		goto bad;
	}
	if (parse_album_group(&P, a, load))
		goto bad;
	/* groups: [album] and [track 1..N] in order, nothing else */
	gsize ng;
	char **groups = g_key_file_get_groups(P.kf, &ng);
	int ntracks = 0;
	for (gsize i = 0; i < ng; i++) {
		if (!strcmp(groups[i], "album"))
			continue;
		int num;
		char tail;
		if (sscanf(groups[i], "track %d%c", &num, &tail) != 1 || num != ntracks + 1) {
			fail(err, errlen, path, line_of(&P.ix, groups[i], NULL),
			     sscanf(groups[i], "track %d%c", &num, &tail) == 1 ? "[%s]: tracks are numbered 1, 2, 3... in order (expected [track %d])"
			                                                  : "unknown group [%s] (expected [track %d])",
			     groups[i], ntracks + 1);
			g_strfreev(groups);
			goto bad;
		}
		ntracks++;
	}
	g_strfreev(groups);
	if (ntracks == 0) {
		fail(err, errlen, path, P.ix.last_line, "the album has no [track 1]");
		goto bad;
	}
	if (ntracks > ALBUM_MAX_TRACKS) {
		fail(err, errlen, path, line_of(&P.ix, "track 100", NULL), "%d tracks: a CD holds at most %d", ntracks,
		     ALBUM_MAX_TRACKS);
		goto bad;
	}
	a->tracks = calloc((size_t)ntracks, sizeof *a->tracks);
	a->n = ntracks;
	for (int i = 1; i <= ntracks; i++)
		if (parse_track(&P, a, i, load))
			goto bad;
	g_key_file_free(P.kf);
	g_hash_table_destroy(P.ix.lines);
	g_free(P.dir);
	return a;
bad:
	g_key_file_free(P.kf);
	g_hash_table_destroy(P.ix.lines);
	g_free(P.dir);
	album_free(a);
	return NULL;
}

album *album_load(const char *path, album_chain_fn load, char *err, int errlen)
{
	char *text;
	gsize len;
	GError *ge = NULL;
	if (!g_file_get_contents(path, &text, &len, &ge)) {
		snprintf(err, (size_t)errlen, "cannot read '%s': %s", path, ge->message);
		g_error_free(ge);
		return NULL;
	}
	album *a = album_parse(text, len, path, load, err, errlen);
	g_free(text);
	return a;
}

void album_free(album *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n; i++) {
		album_track *t = &a->tracks[i];
		g_free(t->file);
		g_free(t->title);
		g_free(t->performer);
		g_free(t->isrc);
		params_free(t->chain);
	}
	free(a->tracks);
	g_free(a->path);
	g_free(a->title);
	g_free(a->performer);
	g_free(a->upc);
	g_free(a->genre);
	g_free(a->date);
	g_free(a->session);
	free(a);
}
