/* lathe — session files: parse, validate, write (format in session_file.h). */
#include "session_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SESSION_MAX_BYTES (4 << 20) /* a full session with 4 snapshots is ~40 kB */

static void fail(char *err, int errlen, const char *fname, int line, const char *fmt, ...)
{
	if (!err || errlen <= 0)
		return;
	int n = snprintf(err, (size_t)errlen, "%s:%d: ", fname, line);
	if (n < 0 || n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, (size_t)(errlen - n), fmt, ap);
	va_end(ap);
}

/* GKeyFile's escapes: \s \n \t \r \\, and \; in lists.  GLib drops a value
 * with any other escape (and 2.74 warns when a second bad one follows), which
 * would load the file with that value silently emptied: refuse it instead. */
static const char *bad_escape(const char *raw, bool list)
{
	for (const char *p = raw; p && *p; p++) {
		if (*p != '\\')
			continue;
		if (!*++p)
			return "escape character at end of line";
		if (!strchr(list ? "sntr\\;" : "sntr\\", *p))
			return "invalid escape sequence";
	}
	return NULL;
}

/* snprintf cuts at a byte count; back up to the last whole UTF-8 character so
 * metadata that loads can always be saved and loaded again. */
static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	const char *end;
	if (!g_utf8_validate(dst, -1, &end))
		dst[end - dst] = 0;
}

/* What a non-regular file is, for the refusal; NULL for a regular file. */
static const char *file_kind(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return NULL;
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISDIR(st->st_mode))
		return "a folder";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "a special file";
}

/* ---- the line scanner: GKeyFile's syntax, with line numbers ----
 * Mirrors glib/gkeyfile.c: lines split at '\n' (a '\r' before it dropped),
 * leading blanks skipped, '#' comments, "[group]" (blanks allowed after ']'),
 * "key = value" with blanks around '=' ignored. */
typedef struct {
	GHashTable *group_line;  /* group name -> line of its header */
	GHashTable *key_line;    /* "group\nkey" -> line */
	int lines;               /* number of lines */
	int keys_below_session;  /* key lines outside [session] (checked against keys=) */
} scan_index;

static void scan_free(scan_index *s)
{
	if (s->group_line)
		g_hash_table_destroy(s->group_line);
	if (s->key_line)
		g_hash_table_destroy(s->key_line);
}

static int scan_line_of(const scan_index *s, const char *group, const char *key)
{
	char *k = g_strconcat(group, "\n", key, NULL);
	int line = GPOINTER_TO_INT(g_hash_table_lookup(s->key_line, k));
	g_free(k);
	return line ? line : GPOINTER_TO_INT(g_hash_table_lookup(s->group_line, group));
}

static int scan_text(const char *text, size_t len, const char *fname, scan_index *s, char *err, int errlen)
{
	s->group_line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->key_line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->lines = 0;
	s->keys_below_session = 0;
	if (len == 0) {
		fail(err, errlen, fname, 1, "empty file, not a lathe session");
		return -1;
	}
	char *group = NULL;
	size_t pos = 0;
	int line = 0, rc = 0;
	while (pos < len && rc == 0) {
		line++;
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + 1;
		if (memchr(start, 0, n)) {
			fail(err, errlen, fname, line, "NUL byte: not a text file");
			rc = -1;
			break;
		}
		if (!g_utf8_validate(start, (gssize)n, NULL)) {
			fail(err, errlen, fname, line, "not UTF-8 text");
			rc = -1;
			break;
		}
		if (!nl) {
			fail(err, errlen, fname, line, "file ends in the middle of a line (truncated?)");
			rc = -1;
			break;
		}
		if (n > 0 && start[n - 1] == '\r')
			n--;
		char *l = g_strndup(start, n);
		char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#') {
			/* blank or comment */
		} else if (*p == '[') {
			char *close = strchr(p, ']');
			char *after = close ? close + 1 : NULL;
			while (after && (*after == ' ' || *after == '\t'))
				after++;
			if (!close || *after) {
				fail(err, errlen, fname, line, "bad group header (expected [name])");
				rc = -1;
			} else {
				*close = 0;
				const char *name = p + 1;
				bool ok = *name != 0;
				for (const char *c = name; *c; c++)
					if (*c == '[' || (unsigned char)*c < 0x20 || *c == 0x7f)
						ok = false;
				gpointer first;
				if (!ok) {
					fail(err, errlen, fname, line, "bad group name '[%s]'", name);
					rc = -1;
				} else if ((first = g_hash_table_lookup(s->group_line, name))) {
					fail(err, errlen, fname, line, "group [%s] appears twice (first on line %d)", name, GPOINTER_TO_INT(first));
					rc = -1;
				} else {
					g_free(group);
					group = g_strdup(name);
					g_hash_table_insert(s->group_line, g_strdup(name), GINT_TO_POINTER(line));
				}
			}
		} else {
			char *eq = strchr(p, '=');
			if (!eq) {
				fail(err, errlen, fname, line, "not a key=value line, a [group] or a # comment");
				rc = -1;
			} else {
				char *ke = eq;
				while (ke > p && (ke[-1] == ' ' || ke[-1] == '\t'))
					ke--;
				*ke = 0;
				gpointer first;
				if (!*p) {
					fail(err, errlen, fname, line, "empty key before '='");
					rc = -1;
				} else if (strpbrk(p, "[]")) {
					fail(err, errlen, fname, line, "bad key name '%s'", p);
					rc = -1;
				} else if (!group) {
					fail(err, errlen, fname, line, "key '%s' before any [group]", p);
					rc = -1;
				} else {
					char *k = g_strconcat(group, "\n", p, NULL);
					if ((first = g_hash_table_lookup(s->key_line, k))) {
						fail(err, errlen, fname, line, "key '%s' appears twice in [%s] (first on line %d)", p, group,
						     GPOINTER_TO_INT(first));
						g_free(k);
						rc = -1;
					} else {
						g_hash_table_insert(s->key_line, k, GINT_TO_POINTER(line));
						if (strcmp(group, "session") != 0)
							s->keys_below_session++;
					}
				}
			}
		}
		g_free(l);
	}
	g_free(group);
	s->lines = line;
	return rc;
}

/* ---- values ---- */

static char *strip_copy(const char *s)
{
	return g_strstrip(g_strdup(s ? s : ""));
}

static void format_value(int id, float v, char *buf, size_t len)
{
	const param_info *pi = param_info_get(id);
	int k = (int)lrintf(v);
	if (pi->curve == CURVE_ENUM && k >= 0 && k < pi->n_enums && (float)k == v)
		snprintf(buf, len, "%s", pi->enums[k]);
	else if (pi->curve == CURVE_TOGGLE && (v == 0 || v == 1))
		snprintf(buf, len, "%s", v == 1 ? "on" : "off");
	else /* 9 significant digits: every float round-trips; '.' whatever the locale (GTK sets LC_NUMERIC) */
		g_ascii_formatd(buf, (gint)len, "%.9g", (double)v);
}

/* ---- reading ---- */

/* A file being read: what is parsed so far, held apart from the caller's
 * state until everything is valid. */
typedef struct {
	const char *fname;
	const scan_index *sc;
	GKeyFile *kf;
	lathe_params *cur;
	snapshot_bank *snaps;
	session_meta meta;
	GString *conns;
	bool have_conns;
	int keys_line;  /* line of keys= (0: none), checked once every group is valid */
	long keys;
	char *err;
	int errlen;
} reader;

/* The raw value of a key, refused when GLib would silently empty it. */
static char *raw_value(reader *r, const char *grp, const char *key, bool list)
{
	char *raw = g_key_file_get_value(r->kf, grp, key, NULL);
	const char *bad = bad_escape(raw, list);
	if (bad) {
		fail(r->err, r->errlen, r->fname, scan_line_of(r->sc, grp, key), "bad value for %s: %s", key, bad);
		g_free(raw);
		return NULL;
	}
	return raw;
}

/* format= first: a newer file with new groups must say "newer", not "unknown group". */
static int read_format(reader *r)
{
	char *raw = g_key_file_get_value(r->kf, "session", "format", NULL);
	int line = scan_line_of(r->sc, "session", "format");
	if (!raw) {
		fail(r->err, r->errlen, r->fname, line, "not a lathe session: no format= in [session]");
		return -1;
	}
	char *f = strip_copy(raw);
	g_free(raw);
	unsigned long v = 0;
	int rc = -1;
	bool all_digits = *f && strspn(f, "0123456789") == strlen(f);
	if (!all_digits)
		fail(r->err, r->errlen, r->fname, line, "format '%s' is not a number", f);
	else if (param_parse_count(f, INT_MAX, &v) < 0 || v > SESSION_FORMAT) /* the text, not a saturated number */
		fail(r->err, r->errlen, r->fname, line,
		     "session format %s is newer than this lathe reads (format %d): update lathe", f, SESSION_FORMAT);
	else if (v < 1)
		fail(r->err, r->errlen, r->fname, line, "unknown session format %s", f);
	else
		rc = 0;
	g_free(f);
	return rc;
}

static int read_session_key(reader *r, const char *key)
{
	int line = scan_line_of(r->sc, "session", key);
	char *raw = raw_value(r, "session", key, false);
	if (!raw)
		return -1;
	g_free(raw);
	char *sval = g_key_file_get_string(r->kf, "session", key, NULL);
	char *v = strip_copy(sval);
	g_free(sval);
	int rc = 0;
	unsigned long n;
	if (!strcmp(key, "format")) {
		/* read_format */
	} else if (!strcmp(key, "keys")) {
		if (param_parse_count(v, INT_MAX, &n) < 0) {
			fail(r->err, r->errlen, r->fname, line, "keys '%s' is not a count", v);
			rc = -1;
		}
		r->keys = (long)n;
		r->keys_line = line;
	} else if (!strcmp(key, "name")) {
		copy_text(r->meta.name, sizeof r->meta.name, v);
	} else if (!strcmp(key, "comment")) {
		copy_text(r->meta.comment, sizeof r->meta.comment, v);
	} else if (!strcmp(key, "date")) {
		copy_text(r->meta.date, sizeof r->meta.date, v);
	} else if (!strcmp(key, "version")) {
		copy_text(r->meta.version, sizeof r->meta.version, v);
	} else if (!strcmp(key, "file")) {
		copy_text(r->meta.file, sizeof r->meta.file, v);
	} else if (!strcmp(key, "active")) {
		int a = *v ? snapshot_slot(v) : -1;
		if (*v && a < 0) {
			fail(r->err, r->errlen, r->fname, line, "active '%s' is not a snapshot (A to D)", v);
			rc = -1;
		}
		r->snaps->active = a;
	} else {
		fail(r->err, r->errlen, r->fname, line, "unknown key '%s' in [session]", key);
		rc = -1;
	}
	g_free(v);
	return rc;
}

/* [current] (slot -1) or a snapshot: registry paths, values through the one
 * parser (param_parse_text), out of range refused: a session that cannot be
 * reproduced exactly should not load. */
static int read_value_key(reader *r, const char *grp, int slot, const char *key)
{
	int line = scan_line_of(r->sc, grp, key);
	int id = param_find(key);
	if (id < 0) {
		fail(r->err, r->errlen, r->fname, line, "unknown parameter path '%s' in [%s] (see 'lathe params')", key, grp);
		return -1;
	}
	char *raw = g_key_file_get_value(r->kf, grp, key, NULL);
	char why[320];
	float v;
	int rc = param_parse_text(id, raw, &v, why, sizeof why);
	g_free(raw);
	if (rc != PARAM_OK) {
		fail(r->err, r->errlen, r->fname, line, "bad value for %s: %s", key, why);
		return -1;
	}
	if (slot < 0)
		param_set(r->cur, id, v, NULL);
	else
		r->snaps->value[slot][id] = v;
	return 0;
}

static int read_connection_key(reader *r, const char *key)
{
	char *raw = raw_value(r, "connections", key, true);
	if (!raw)
		return -1;
	g_free(raw);
	gsize n = 0;
	gchar **peers = g_key_file_get_string_list(r->kf, "connections", key, &n, NULL);
	for (gsize i = 0; peers && i < n; i++) {
		char *peer = strip_copy(peers[i]);
		if (*peer)
			g_string_append_printf(r->conns, "%s\t%s\n", key, peer);
		g_free(peer);
	}
	g_strfreev(peers);
	return 0;
}

static int read_group(reader *r, const char *grp)
{
	int slot = snapshot_slot(grp);
	bool session = !strcmp(grp, "session"), current = !strcmp(grp, "current"),
	     connections = !strcmp(grp, "connections");
	if (!session && !current && !connections && slot < 0) {
		fail(r->err, r->errlen, r->fname, scan_line_of(r->sc, grp, ""),
		     "unknown group [%s] (expected [session], [current], [A] to [D], [connections])", grp);
		return -1;
	}
	if (slot >= 0) {
		/* A snapshot group starts from the defaults like [current]. */
		for (int i = 0; i < P_COUNT; i++)
			r->snaps->value[slot][i] = param_info_get(i)->def;
		r->snaps->stored[slot] = true;
	}
	r->have_conns |= connections;
	gchar **keys = g_key_file_get_keys(r->kf, grp, NULL, NULL);
	int rc = 0;
	for (int k = 0; rc == 0 && keys && keys[k]; k++) {
		if (session)
			rc = read_session_key(r, keys[k]);
		else if (connections)
			rc = read_connection_key(r, keys[k]);
		else
			rc = read_value_key(r, grp, current ? -1 : slot, keys[k]);
	}
	g_strfreev(keys);
	return rc;
}

/* Everything but the text's syntax (scan_text has seen it): groups, keys, values. */
static int read_keyfile(reader *r, const char *text, size_t len)
{
	GError *ge = NULL;
	if (!g_key_file_load_from_data(r->kf, text, len, G_KEY_FILE_NONE, &ge)) {
		fail(r->err, r->errlen, r->fname, 1, "does not parse: %s", ge->message);
		g_error_free(ge);
		return -1;
	}
	if (!g_key_file_has_group(r->kf, "session")) {
		fail(r->err, r->errlen, r->fname, 1, "not a lathe session: no [session] group");
		return -1;
	}
	if (read_format(r) < 0)
		return -1;
	gchar **groups = g_key_file_get_groups(r->kf, NULL);
	int rc = 0;
	for (int g = 0; rc == 0 && groups[g]; g++)
		rc = read_group(r, groups[g]);
	g_strfreev(groups);
	if (rc < 0)
		return -1;
	if (!g_key_file_has_group(r->kf, "current")) {
		fail(r->err, r->errlen, r->fname, r->sc->lines, "no [current] group (file truncated?)");
		return -1;
	}
	/* Last: a wrong line (an unknown path, a bad value) is named as itself,
	 * not as the count it also puts off. */
	if (r->keys_line && r->keys != r->sc->keys_below_session) {
		fail(r->err, r->errlen, r->fname, r->sc->lines,
		     "file holds %d keys below [session], keys= on line %d says %ld (truncated or edited?)",
		     r->sc->keys_below_session, r->keys_line, r->keys);
		return -1;
	}
	return 0;
}

int session_text_read(const char *text, size_t len, const char *fname, lathe_params *current,
                      snapshot_bank *snaps, session_meta *meta, char **connections, char *err, int errlen)
{
	params_init();
	if (len > SESSION_MAX_BYTES) {
		fail(err, errlen, fname, 1, "file is %zu bytes, too large to be a lathe session", len);
		return -1;
	}
	/* A UTF-8 byte order mark, as some editors write: not part of the first line. */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	scan_index sc = { 0 };
	reader r = { .fname = fname, .sc = &sc, .err = err, .errlen = errlen };
	int rc = scan_text(text, len, fname, &sc, err, errlen);
	if (rc == 0) {
		r.kf = g_key_file_new();
		r.cur = params_new();
		r.snaps = g_new0(snapshot_bank, 1);
		snapshot_bank_init(r.snaps);
		r.conns = g_string_new(NULL);
		rc = r.cur ? read_keyfile(&r, text, len) : -1;
		if (!r.cur)
			fail(err, errlen, fname, 1, "out of memory");
	}
	if (rc == 0) { /* everything valid: hand it over */
		if (current)
			params_copy(current, r.cur);
		if (snaps) {
			*snaps = *r.snaps;
			snaps->fading = false;
		}
		if (meta)
			*meta = r.meta;
		if (connections)
			*connections = r.have_conns ? strdup(r.conns->str) : NULL;
	}
	if (r.kf)
		g_key_file_free(r.kf);
	params_free(r.cur);
	g_free(r.snaps);
	if (r.conns)
		g_string_free(r.conns, TRUE);
	scan_free(&sc);
	return rc;
}

/* Reads at most max bytes of a regular file, never blocking: a FIFO, a
 * device or a folder is refused by its type before anything is read (stat),
 * and opened with O_NONBLOCK so one swapped in meanwhile cannot block the
 * open either; fstat checks what was opened.  A file that grows past max
 * while being read is refused as too large. */
static int read_regular(const char *path, size_t max, char **text, size_t *len, char *err, int errlen)
{
	struct stat st;
	const char *kind = NULL;
	int fd = -1;
	if (stat(path, &st) == 0 && (kind = file_kind(&st)) == NULL) {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0)
			kind = file_kind(&st);
	}
	if (kind || fd < 0) {
		if (kind)
			snprintf(err, (size_t)errlen, "%s: cannot read: %s, not a regular file", path, kind);
		else
			snprintf(err, (size_t)errlen, "%s: cannot read: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((uintmax_t)st.st_size > max) {
		snprintf(err, (size_t)errlen, "%s: %jd bytes, too large to be a lathe session (at most %zu)", path,
		         (intmax_t)st.st_size, max);
		close(fd);
		return -1;
	}
	/* the size fstat gave, grown (up to max + 1, to see a file that grew) only if it lied */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = g_malloc(cap);
	ssize_t got = 0;
	while (n <= max) {
		if (n == cap) {
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = g_realloc(buf, cap);
		}
		if ((got = read(fd, buf + n, cap - n)) <= 0)
			break;
		n += (size_t)got;
	}
	int e = errno;
	close(fd);
	if (got < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot read: %s", path, g_strerror(e));
		g_free(buf);
		return -1;
	}
	if (n > max) {
		snprintf(err, (size_t)errlen, "%s: more than %zu bytes, too large to be a lathe session", path, max);
		g_free(buf);
		return -1;
	}
	buf = g_realloc(buf, n + 1);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

int session_file_read(const char *path, lathe_params *current, snapshot_bank *snaps, session_meta *meta,
                      char **connections, char *err, int errlen)
{
	char *text = NULL;
	size_t len = 0;
	if (read_regular(path, SESSION_MAX_BYTES, &text, &len, err, errlen) < 0)
		return -1;
	int rc = session_text_read(text, len, path, current, snaps, meta, connections, err, errlen);
	g_free(text);
	return rc;
}

int session_load_file(lathe_params *p, const char *path, char **connections, char *err, int errlen)
{
	return session_file_read(path, p, NULL, NULL, connections, err, errlen);
}

/* ---- writing ---- */

/* GKeyFile accepts a key that is not empty, has no '=', '[', ']' or line
 * break, and neither starts nor ends with a blank; other port names are skipped. */
static bool usable_key(const char *k)
{
	size_t n = strlen(k);
	if (!n || k[0] == ' ' || k[0] == '\t' || k[0] == '#' || k[n - 1] == ' ' || k[n - 1] == '\t')
		return false;
	return !strpbrk(k, "=[]\n\r") && g_utf8_validate(k, -1, NULL);
}

char *session_text_write(const lathe_params *current, const snapshot_bank *snaps, const session_meta *meta,
                         const char *connections, size_t *len)
{
	params_init();
	GKeyFile *kf = g_key_file_new();
	char buf[64];

	/* [connections]: group peers by our port, keeping first-seen order. */
	GPtrArray *ours = g_ptr_array_new_with_free_func(g_free);
	GHashTable *peers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
	if (connections) {
		gchar **lines = g_strsplit(connections, "\n", -1);
		for (int i = 0; lines[i]; i++) {
			char *tab = strchr(lines[i], '\t');
			if (!tab)
				continue;
			*tab = 0;
			char *a = strip_copy(lines[i]), *b = strip_copy(tab + 1);
			if (*b && usable_key(a) && g_utf8_validate(b, -1, NULL)) {
				GPtrArray *list = g_hash_table_lookup(peers, a);
				if (!list) {
					list = g_ptr_array_new_with_free_func(g_free);
					g_hash_table_insert(peers, g_strdup(a), list);
					g_ptr_array_add(ours, g_strdup(a));
				}
				g_ptr_array_add(list, g_strdup(b));
			}
			g_free(a);
			g_free(b);
		}
		g_strfreev(lines);
	}
	int nsnaps = 0;
	for (int s = 0; snaps && s < SNAPSHOT_SLOTS; s++)
		nsnaps += snaps->stored[s];

	g_key_file_set_comment(kf, NULL, NULL,
	                       " lathe session (GLib key file). [current] is the state; [A]-[D] are snapshots;\n"
	                       " values in natural units, enums by name. See 'lathe params' for every path.",
	                       NULL);
	g_key_file_set_integer(kf, "session", "format", SESSION_FORMAT);
	g_key_file_set_integer(kf, "session", "keys", P_COUNT * (1 + nsnaps) + (int)ours->len);
	g_key_file_set_string(kf, "session", "name", meta && meta->name[0] ? meta->name : "untitled");
	GDateTime *now = g_date_time_new_now_utc();
	gchar *date = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_key_file_set_string(kf, "session", "date", date);
	g_free(date);
	g_date_time_unref(now);
	g_key_file_set_string(kf, "session", "version", LATHE_VERSION);
	g_key_file_set_string(kf, "session", "comment", meta ? meta->comment : "");
	if (snaps && snaps->active >= 0)
		g_key_file_set_string(kf, "session", "active", snapshot_name(snaps->active));
	if (meta && meta->file[0])
		g_key_file_set_string(kf, "session", "file", meta->file);

	for (int i = 0; i < P_COUNT; i++) {
		format_value(i, param_get(current, i), buf, sizeof buf);
		g_key_file_set_value(kf, "current", param_info_get(i)->path, buf);
	}
	for (int s = 0; snaps && s < SNAPSHOT_SLOTS; s++) {
		if (!snaps->stored[s])
			continue;
		for (int i = 0; i < P_COUNT; i++) {
			format_value(i, snaps->value[s][i], buf, sizeof buf);
			g_key_file_set_value(kf, snapshot_name(s), param_info_get(i)->path, buf);
		}
	}
	if (ours->len) {
		for (guint i = 0; i < ours->len; i++) {
			GPtrArray *list = g_hash_table_lookup(peers, ours->pdata[i]);
			g_key_file_set_string_list(kf, "connections", ours->pdata[i], (const gchar *const *)list->pdata, list->len);
		}
	} else {
		g_key_file_set_comment(kf, "connections", NULL, " none", NULL);
	}
	gsize n = 0;
	char *text = g_key_file_to_data(kf, &n, NULL);
	if (len)
		*len = n;
	g_ptr_array_unref(ours);
	g_hash_table_destroy(peers);
	g_key_file_free(kf);
	return text;
}

int session_file_write(const char *path, const lathe_params *current, const snapshot_bank *snaps,
                       const session_meta *meta, const char *connections, char *err, int errlen)
{
	size_t len = 0;
	char *text = session_text_write(current, snaps, meta, connections, &len);
	GError *ge = NULL;
	/* CONSISTENT: write a temporary file in the same folder and rename it over
	 * the target; DURABLE: fsync it first, so a crash leaves the old or the new
	 * file, never a torn one. */
	gboolean ok = g_file_set_contents_full(path, text, (gssize)len,
	                                       G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644, &ge);
	g_free(text);
	if (!ok) {
		snprintf(err, (size_t)errlen, "%s: cannot save: %s", path, ge ? ge->message : "error");
		if (ge)
			g_error_free(ge);
		return -1;
	}
	/* The rename itself is durable only once the folder is synced. */
	char *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	g_free(dir);
	return 0;
}

int session_save_file(const lathe_params *p, const char *path, const char *connections, char *err, int errlen)
{
	return session_file_write(path, p, NULL, NULL, connections, err, errlen);
}

/* ---- names ---- */

int session_name_check(const char *name, char *err, int errlen)
{
	const char *why = NULL;
	if (!name || !*name)
		why = "empty session name";
	else if (strlen(name) > 100)
		why = "session name longer than 100 bytes";
	else if (strchr(name, '/'))
		why = "a session name may not contain '/' (names only, no paths)";
	else if (strchr(name, '\\'))
		why = "a session name may not contain '\\' (names only, no paths)";
	else if (strstr(name, ".."))
		why = "a session name may not contain '..'";
	else if (name[0] == '.')
		why = "a session name may not start with '.'";
	else if (!g_utf8_validate(name, -1, NULL))
		why = "session name is not UTF-8";
	else
		for (const char *c = name; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				why = "session name contains a control character";
	if (why) {
		snprintf(err, (size_t)errlen, "'%s': %s", name ? name : "", why);
		return -1;
	}
	return 0;
}

char *session_name_path(const char *dir, const char *name, char *err, int errlen)
{
	if (session_name_check(name, err, errlen) < 0)
		return NULL;
	size_t n = strlen(name), e = strlen(SESSION_EXT);
	char *base = (n > e && !strcmp(name + n - e, SESSION_EXT)) ? g_strndup(name, n - e)
	                                                          : g_strdup(name);
	if (!*base) {
		snprintf(err, (size_t)errlen, "'%s': empty session name", name);
		g_free(base);
		return NULL;
	}
	char *file = g_strconcat(base, SESSION_EXT, NULL);
	char *path = g_build_filename(dir, file, NULL);
	g_free(file);
	g_free(base);
	return path;
}
