/* lathe — session files: parse, validate, write (format in session_file.h). */
#include "session_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* Parse one value for parameter id, refusing (not clamping) what is out of
 * range.  Returns 0 with *out, or -1 with a reason. */
static int parse_value(int id, const char *raw, float *out, char *why, int whylen)
{
	const param_info *pi = param_info_get(id);
	char *t = strip_copy(raw);
	int rc = -1;
	if (!*t) {
		snprintf(why, (size_t)whylen, "empty value");
		goto done;
	}
	if (pi->curve == CURVE_ENUM) {
		for (int k = 0; k < pi->n_enums; k++)
			if (strcasecmp(pi->enums[k], t) == 0) {
				*out = (float)k;
				rc = 0;
				goto done;
			}
	}
	if (pi->curve == CURVE_TOGGLE) {
		static const char *const on[] = { "on", "true", "yes" }, *const off[] = { "off", "false", "no" };
		for (int k = 0; k < 3; k++) {
			if (!strcasecmp(t, on[k])) { *out = 1; rc = 0; goto done; }
			if (!strcasecmp(t, off[k])) { *out = 0; rc = 0; goto done; }
		}
	}
	char *end;
	errno = 0;
	double d = strtod(t, &end);
	if (end == t || *end) {
		if (pi->curve == CURVE_ENUM) {
			char names[256] = "";
			for (int k = 0; k < pi->n_enums; k++) {
				strncat(names, k ? ", " : "", sizeof names - strlen(names) - 1);
				strncat(names, pi->enums[k], sizeof names - strlen(names) - 1);
			}
			snprintf(why, (size_t)whylen, "'%s' is not one of: %s", t, names);
		} else if (pi->curve == CURVE_TOGGLE) {
			snprintf(why, (size_t)whylen, "'%s' is not on or off", t);
		} else {
			snprintf(why, (size_t)whylen, "'%s' is not a number", t);
		}
		goto done;
	}
	float f = (float)d;
	if (!isfinite(d) || !isfinite(f)) {
		snprintf(why, (size_t)whylen, "'%s' is not a finite number", t);
		goto done;
	}
	if (f < pi->min || f > pi->max) {
		snprintf(why, (size_t)whylen, "%s is out of range (%g to %g%s%s)", t, pi->min, pi->max, *pi->unit ? " " : "", pi->unit);
		goto done;
	}
	if ((pi->step > 0 || pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE) && f != floorf(f)) {
		snprintf(why, (size_t)whylen, "%s is not a whole number", t);
		goto done;
	}
	*out = f == 0.0f ? 0.0f : f; /* no negative zero */
	rc = 0;
done:
	g_free(t);
	return rc;
}

static void format_value(int id, float v, char *buf, size_t len)
{
	const param_info *pi = param_info_get(id);
	int k = (int)lrintf(v);
	if (pi->curve == CURVE_ENUM && k >= 0 && k < pi->n_enums && (float)k == v)
		snprintf(buf, len, "%s", pi->enums[k]);
	else if (pi->curve == CURVE_TOGGLE && (v == 0 || v == 1))
		snprintf(buf, len, "%s", v == 1 ? "on" : "off");
	else
		snprintf(buf, len, "%.9g", (double)v); /* 9 significant digits: every float round-trips */
}

static int group_snapshot_slot(const char *g)
{
	return snapshot_slot(g);
}

/* ---- reading ---- */

int session_text_read(const char *text, size_t len, const char *fname, lathe_params *current,
                      snapshot_bank *snaps, session_meta *meta, char **connections, char *err, int errlen)
{
	params_init();
	if (len > SESSION_MAX_BYTES) {
		fail(err, errlen, fname, 1, "file is %zu bytes, too large to be a lathe session", len);
		return -1;
	}
	scan_index sc = { 0 };
	if (scan_text(text, len, fname, &sc, err, errlen) < 0) {
		scan_free(&sc);
		return -1;
	}
	int rc = -1;
	GKeyFile *kf = g_key_file_new();
	GError *ge = NULL;
	gchar **groups = NULL;
	lathe_params *tmp_cur = params_new();
	snapshot_bank *tmp_snaps = g_new0(snapshot_bank, 1);
	session_meta tmp_meta = { 0 };
	GString *conns = g_string_new(NULL);
	bool have_conns = false;
	char why[320];

	if (!tmp_cur || !g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &ge)) {
		fail(err, errlen, fname, 1, "does not parse: %s", ge ? ge->message : "out of memory");
		goto out;
	}
	if (!g_key_file_has_group(kf, "session")) {
		fail(err, errlen, fname, 1, "not a lathe session: no [session] group");
		goto out;
	}
	/* The format first: a newer file with new groups must say "newer", not "unknown group". */
	{
		char *fmt = g_key_file_get_value(kf, "session", "format", NULL);
		int line = scan_line_of(&sc, "session", "format");
		if (!fmt) {
			fail(err, errlen, fname, line, "not a lathe session: no format= in [session]");
			goto out;
		}
		char *f = strip_copy(fmt), *end;
		g_free(fmt);
		long v = strtol(f, &end, 10);
		if (end == f || *end) {
			fail(err, errlen, fname, line, "format '%s' is not a number", f);
			g_free(f);
			goto out;
		}
		g_free(f);
		if (v > SESSION_FORMAT) {
			fail(err, errlen, fname, line, "session format %ld is newer than this lathe reads (format %d): update lathe",
			     v, SESSION_FORMAT);
			goto out;
		}
		if (v < 1) {
			fail(err, errlen, fname, line, "unknown session format %ld", v);
			goto out;
		}
	}
	snapshot_bank_init(tmp_snaps);
	groups = g_key_file_get_groups(kf, NULL);
	for (int g = 0; groups[g]; g++) {
		const char *grp = groups[g];
		gchar **keys = g_key_file_get_keys(kf, grp, NULL, NULL);
		int slot = group_snapshot_slot(grp);
		bool is_current = !strcmp(grp, "current");
		if (!strcmp(grp, "session")) {
			for (int k = 0; keys && keys[k]; k++) {
				const char *key = keys[k];
				int line = scan_line_of(&sc, grp, key);
				char *raw = g_key_file_get_value(kf, grp, key, NULL);
				const char *why = bad_escape(raw, false);
				g_free(raw);
				if (why) {
					fail(err, errlen, fname, line, "bad value for %s: %s", key, why);
					g_strfreev(keys);
					goto out;
				}
				char *sval = g_key_file_get_string(kf, grp, key, NULL);
				char *v = strip_copy(sval);
				g_free(sval);
				int bad = 0;
				if (!strcmp(key, "format")) {
				} else if (!strcmp(key, "keys")) {
					char *end;
					long n = strtol(v, &end, 10);
					if (end == v || *end || n < 0) {
						fail(err, errlen, fname, line, "keys '%s' is not a count", v);
						bad = 1;
					} else if (n != sc.keys_below_session) {
						fail(err, errlen, fname, sc.lines,
						     "file holds %d keys below [session], keys= on line %d says %ld (truncated or edited?)",
						     sc.keys_below_session, line, n);
						bad = 1;
					}
				} else if (!strcmp(key, "name")) {
					copy_text(tmp_meta.name, sizeof tmp_meta.name, v);
				} else if (!strcmp(key, "comment")) {
					copy_text(tmp_meta.comment, sizeof tmp_meta.comment, v);
				} else if (!strcmp(key, "date")) {
					copy_text(tmp_meta.date, sizeof tmp_meta.date, v);
				} else if (!strcmp(key, "version")) {
					copy_text(tmp_meta.version, sizeof tmp_meta.version, v);
				} else if (!strcmp(key, "file")) {
					copy_text(tmp_meta.file, sizeof tmp_meta.file, v);
				} else if (!strcmp(key, "active")) {
					int a = *v ? snapshot_slot(v) : -1;
					if (*v && a < 0) {
						fail(err, errlen, fname, line, "active '%s' is not a snapshot (A to D)", v);
						bad = 1;
					}
					tmp_snaps->active = a;
				} else {
					fail(err, errlen, fname, line, "unknown key '%s' in [session]", key);
					bad = 1;
				}
				g_free(v);
				if (bad) {
					g_strfreev(keys);
					goto out;
				}
			}
		} else if (is_current || slot >= 0) {
			if (slot >= 0) {
				/* A snapshot group starts from the defaults like [current]. */
				for (int i = 0; i < P_COUNT; i++)
					tmp_snaps->value[slot][i] = param_info_get(i)->def;
				tmp_snaps->stored[slot] = true;
			}
			for (int k = 0; keys && keys[k]; k++) {
				const char *key = keys[k];
				int line = scan_line_of(&sc, grp, key);
				int id = param_find(key);
				if (id < 0) {
					fail(err, errlen, fname, line, "unknown parameter path '%s' in [%s] (see 'lathe params')", key, grp);
					g_strfreev(keys);
					goto out;
				}
				char *raw = g_key_file_get_value(kf, grp, key, NULL);
				float v;
				int r = parse_value(id, raw, &v, why, sizeof why);
				g_free(raw);
				if (r < 0) {
					fail(err, errlen, fname, line, "bad value for %s: %s", key, why);
					g_strfreev(keys);
					goto out;
				}
				if (is_current)
					param_set(tmp_cur, id, v, NULL);
				else
					tmp_snaps->value[slot][id] = v;
			}
		} else if (!strcmp(grp, "connections")) {
			have_conns = true;
			for (int k = 0; keys && keys[k]; k++) {
				gsize n = 0;
				char *raw = g_key_file_get_value(kf, grp, keys[k], NULL);
				const char *why = bad_escape(raw, true);
				g_free(raw);
				if (why) {
					fail(err, errlen, fname, scan_line_of(&sc, grp, keys[k]), "bad value for %s: %s", keys[k], why);
					g_strfreev(keys);
					goto out;
				}
				gchar **peers = g_key_file_get_string_list(kf, grp, keys[k], &n, NULL);
				for (gsize i = 0; peers && i < n; i++) {
					char *peer = strip_copy(peers[i]);
					if (*peer)
						g_string_append_printf(conns, "%s\t%s\n", keys[k], peer);
					g_free(peer);
				}
				g_strfreev(peers);
			}
		} else {
			fail(err, errlen, fname, scan_line_of(&sc, grp, ""),
			     "unknown group [%s] (expected [session], [current], [A] to [D], [connections])", grp);
			g_strfreev(keys);
			goto out;
		}
		g_strfreev(keys);
	}
	if (!g_key_file_has_group(kf, "current")) {
		fail(err, errlen, fname, sc.lines, "no [current] group (file truncated?)");
		goto out;
	}
	/* Everything valid: hand it over. */
	if (current)
		params_copy(current, tmp_cur);
	if (snaps) {
		*snaps = *tmp_snaps;
		snaps->fading = false;
	}
	if (meta)
		*meta = tmp_meta;
	if (connections)
		*connections = have_conns ? strdup(conns->str) : NULL;
	rc = 0;
out:
	if (ge)
		g_error_free(ge);
	g_strfreev(groups);
	g_key_file_free(kf);
	params_free(tmp_cur);
	g_free(tmp_snaps);
	g_string_free(conns, TRUE);
	scan_free(&sc);
	return rc;
}

int session_file_read(const char *path, lathe_params *current, snapshot_bank *snaps, session_meta *meta,
                      char **connections, char *err, int errlen)
{
	gchar *text = NULL;
	gsize len = 0;
	GError *ge = NULL;
	if (!g_file_get_contents(path, &text, &len, &ge)) {
		snprintf(err, (size_t)errlen, "%s: cannot read: %s", path, ge->message);
		g_error_free(ge);
		return -1;
	}
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
	else if (strchr(name, '/') || strchr(name, '\\'))
		why = "a session name may not contain '/' or '\\' (names only, no paths)";
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
