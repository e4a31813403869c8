/* lathe — sessions wired to the app: actions, timers, autosave, NSM (see sessions.h). */
#include "sessions.h"
#include "autosave.h"
#include "engine/jack.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MS 50      /* undo polling: fine enough to separate two quick moves on different controls */
#define FADE_MS 10       /* snapshot fade steps: 100 Hz, the engine smooths in between */
#define RECENT_MAX 10

struct sessions {
	GRecMutex lock;              /* actions may come from the OSC thread; timers run on the main context */
	lathe_app *app;
	lathe_params *p;             /* app->params */
	char *session_dir;           /* named sessions live here */
	char *state_dir;             /* autosave and recent list */
	char *autosave_path;         /* NULL under NSM until its open names the client */
	int autosave_lock;           /* fd holding a lock on autosave_path + ".lock", -1 none */
	char restored_note[256];     /* "restored the autosave of lathe from ...", "" when not */
	char *recent_path;
	char *current_path;          /* session file in use, NULL when untitled */
	session_meta meta;           /* name and comment of the current session */
	snapshot_bank *snaps;        /* A-D and the fade */
	undo_history *undo;
	autosave_clock autosave;
	bool autosave_on;
	bool autosave_warned;        /* one stderr line per failure streak */
	uint32_t extra_changes;      /* snapshot stores: changes the store's generation does not count */
	uint32_t clean_counter;      /* change counter when the session file was last loaded or saved */
	/* The values at that moment, so that undo (or turning a knob back) to
	 * exactly the saved state reads as clean again although the counter
	 * moved on; clean_other is the part of the counter values do not show
	 * (snapshot stores, connections).  clean_known false: no such state
	 * (a restored autosave that differs from its file): dirty until saved. */
	uint32_t clean_bits[P_COUNT];
	uint32_t clean_other;
	bool clean_known;
	int64_t last_autosave_poll_us;
	guint watch_id, fade_id;
	nsm_client *nsm;
	GPtrArray *recent;           /* paths, newest first */
	sessions_state shown;        /* state at the last notify */
	void (*notify)(void *);
	void *notify_ctx;
	/* the status OSC reads (act_status): its own small lock, held for a copy
	 * only, so the OSC thread never waits on a save that holds `lock` */
	GMutex pub_lock;
	lathe_session_status pub;
	int64_t last_scan_us;        /* session folder listed at most every SCAN_US */
};

#define SCAN_US (2 * G_USEC_PER_SEC)

/* Everything the autosave holds: values, snapshot stores, JACK connections. */
static uint32_t change_counter(const sessions *s)
{
	return params_generation(s->p) + s->extra_changes + lathe_jack_connection_changes(s->app->jack);
}

static uint32_t other_changes(const sessions *s)
{
	return s->extra_changes + lathe_jack_connection_changes(s->app->jack);
}

/* The state now is what the session file holds (bits: the values as they
 * were written, taken before the write). */
static void mark_clean(sessions *s, uint32_t counter, const uint32_t *bits, uint32_t other)
{
	s->clean_counter = counter;
	memcpy(s->clean_bits, bits, sizeof s->clean_bits);
	s->clean_other = other;
	s->clean_known = true;
}

static void current_bits(const sessions *s, uint32_t *bits)
{
	for (int i = 0; i < P_COUNT; i++)
		bits[i] = atomic_load_explicit(&s->p->bits[i], memory_order_relaxed);
}

static void mark_clean_now(sessions *s)
{
	uint32_t bits[P_COUNT];
	current_bits(s, bits);
	mark_clean(s, change_counter(s), bits, other_changes(s));
}

/* Changed since the file was loaded or saved: the counter says nothing
 * moved, else the values and the rest are compared with the saved ones
 * (P_COUNT words, at most every WATCH_MS). */
static bool is_dirty(const sessions *s)
{
	if (change_counter(s) == s->clean_counter)
		return false;
	if (!s->clean_known || other_changes(s) != s->clean_other)
		return true;
	for (int i = 0; i < P_COUNT; i++)
		if (atomic_load_explicit(&s->p->bits[i], memory_order_relaxed) != s->clean_bits[i])
			return true;
	return false;
}

/* ---- recent list ---- */

static void recent_load(sessions *s)
{
	gchar *text = NULL;
	if (!g_file_get_contents(s->recent_path, &text, NULL, NULL))
		return;
	gchar **lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] && s->recent->len < RECENT_MAX; i++)
		if (lines[i][0] == '/')
			g_ptr_array_add(s->recent, g_strdup(lines[i]));
	g_strfreev(lines);
	g_free(text);
}

static void recent_add(sessions *s, const char *path)
{
	for (guint i = 0; i < s->recent->len; i++)
		if (!strcmp(s->recent->pdata[i], path)) {
			g_ptr_array_remove_index(s->recent, i);
			break;
		}
	g_ptr_array_insert(s->recent, 0, g_strdup(path));
	while (s->recent->len > RECENT_MAX)
		g_ptr_array_remove_index(s->recent, s->recent->len - 1);
	GString *t = g_string_new(NULL);
	for (guint i = 0; i < s->recent->len; i++)
		g_string_append_printf(t, "%s\n", (char *)s->recent->pdata[i]);
	if (g_mkdir_with_parents(s->state_dir, 0755) == 0)
		g_file_set_contents(s->recent_path, t->str, (gssize)t->len, NULL);
	g_string_free(t, TRUE);
}

/* ---- helpers ---- */

static char *absolute(const char *path)
{
	return g_canonicalize_filename(path, NULL); /* relative to the working directory */
}

/* "/x/My master.lathe" -> "My master" */
static void name_from_path(char *name, size_t len, const char *path)
{
	char *base = g_path_get_basename(path);
	if (g_str_has_suffix(base, SESSION_EXT) && strlen(base) > strlen(SESSION_EXT))
		base[strlen(base) - strlen(SESSION_EXT)] = 0;
	snprintf(name, len, "%s", base);
	g_free(base);
}

static void set_current(sessions *s, const char *path, const session_meta *m)
{
	g_free(s->current_path);
	s->current_path = path ? absolute(path) : NULL;
	if (m)
		snprintf(s->meta.comment, sizeof s->meta.comment, "%s", m->comment);
	if (s->current_path) {
		name_from_path(s->meta.name, sizeof s->meta.name, s->current_path);
	} else {
		snprintf(s->meta.name, sizeof s->meta.name, "untitled");
	}
}

static char *current_connections(sessions *s)
{
	return s->app->jack ? lathe_jack_connections(s->app->jack) : NULL;
}

static void stop_fade(sessions *s)
{
	if (s->fade_id) {
		g_source_remove(s->fade_id);
		s->fade_id = 0;
	}
	s->snaps->fading = false;
}

/* Write the full state (snapshots, connections) to path. */
static int write_session(sessions *s, const char *path, bool autosave, char *err, int errlen)
{
	session_meta m = s->meta;
	m.file[0] = 0;
	if (autosave && s->current_path)
		snprintf(m.file, sizeof m.file, "%s", s->current_path);
	char *conns = current_connections(s);
	int rc = session_file_write(path, s->p, s->snaps, &m, conns, err, errlen);
	free(conns);
	return rc;
}

static int do_autosave(sessions *s, char *err, int errlen)
{
	if (!s->autosave_path) {
		snprintf(err, (size_t)errlen, "no autosave before NSM has opened the session");
		return -1;
	}
	if (g_mkdir_with_parents(s->state_dir, 0755) < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot create: %s", s->state_dir, g_strerror(errno));
		return -1;
	}
	uint32_t counter = change_counter(s);
	if (write_session(s, s->autosave_path, true, err, errlen) < 0)
		return -1;
	autosave_done(&s->autosave, counter);
	return 0;
}

static void autosave_quietly(sessions *s)
{
	if (!s->autosave_on || !s->autosave_path)
		return;
	char err[1024];
	if (do_autosave(s, err, sizeof err) < 0) {
		if (!s->autosave_warned)
			fprintf(stderr, "lathe: autosave: %s\n", err);
		s->autosave_warned = true;
	} else {
		s->autosave_warned = false;
	}
}

/* ---- whose autosave ----
 * One autosave per instance, keyed by the JACK client name: "lathe" keeps
 * autosave.lathe, another name NAME autosave-NAME.lathe (the name escaped
 * for a file name).  A running instance holds a POSIX record lock on
 * "<autosave>.lock" (fcntl F_SETLK: released by the kernel when the process
 * dies, kill -9 included; owned per process, so one process may open its own
 * again).  A second instance whose key is locked takes the next free one the
 * way JACK names a second client (NAME-01, NAME-02, ...), so it neither
 * restores nor overwrites the first one's state and connections. */
static char *autosave_file(const sessions *s, const char *key)
{
	if (!strcmp(key, "lathe"))
		return g_build_filename(s->state_dir, "autosave.lathe", NULL);
	char *esc = g_uri_escape_string(key, NULL, FALSE); /* "a/b" cannot leave the folder */
	char *base = g_strdup_printf("autosave-%s.lathe", esc);
	char *path = g_build_filename(s->state_dir, base, NULL);
	g_free(base);
	g_free(esc);
	return path;
}

/* 1 when this process holds the lock on path.lock now, 0 when another does,
 * -1 when there is no lock to take (the folder cannot be written). */
static int lock_autosave(sessions *s, const char *path)
{
	char *lock = g_strconcat(path, ".lock", NULL);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	g_free(lock);
	if (fd < 0)
		return -1;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int busy = errno == EACCES || errno == EAGAIN;
		close(fd);
		return busy ? 0 : -1;
	}
	s->autosave_lock = fd;
	return 1;
}

static void take_autosave(sessions *s, const char *name)
{
	g_mkdir_with_parents(s->state_dir, 0755);
	for (int k = 0; k < 100; k++) {
		char *key = k ? g_strdup_printf("%s-%02d", name, k) : g_strdup(name);
		char *path = autosave_file(s, key);
		int got = lock_autosave(s, path);
		g_free(key);
		if (got != 0) { /* ours, or no locking here: then as before, by name */
			s->autosave_path = path;
			return;
		}
		g_free(path);
	}
	s->autosave_on = false; /* 100 instances of one name: let them not fight over a file */
}

static void release_autosave(sessions *s)
{
	if (s->autosave_lock >= 0)
		close(s->autosave_lock); /* the lock goes with it */
	s->autosave_lock = -1;
}

/* Load a whole session file (state, snapshots, connections), all or nothing. */
static int open_path(sessions *s, const char *path, char *err, int errlen)
{
	lathe_params *tmp = params_new();
	snapshot_bank *snaps = g_new(snapshot_bank, 1);
	session_meta m;
	char *conns = NULL;
	int rc = session_file_read(path, tmp, snaps, &m, &conns, err, errlen);
	if (rc == 0) {
		stop_fade(s);
		undo_poll(s->undo, s->p, g_get_monotonic_time());
		undo_commit(s->undo); /* the load is its own step, not merged with a move before it */
		params_copy(s->p, tmp);
		*s->snaps = *snaps;
		s->extra_changes++;
		if (conns && s->app->jack)
			lathe_jack_set_connections(s->app->jack, conns);
		set_current(s, path, &m);
		mark_clean_now(s);
		recent_add(s, s->current_path);
		autosave_quietly(s);
	}
	free(conns);
	g_free(snaps);
	params_free(tmp);
	return rc;
}

static int save_path(sessions *s, const char *path, char *err, int errlen)
{
	char *abs = absolute(path);
	char *dir = g_path_get_dirname(abs);
	/* Create the folder of a named session; a failure shows up as the save's own error. */
	g_mkdir_with_parents(dir, 0755);
	g_free(dir);
	uint32_t counter = change_counter(s), other = other_changes(s);
	uint32_t bits[P_COUNT];
	current_bits(s, bits);
	session_meta m = s->meta;
	m.file[0] = 0;
	name_from_path(m.name, sizeof m.name, abs);
	char *conns = current_connections(s);
	int rc = session_file_write(abs, s->p, s->snaps, &m, conns, err, errlen);
	free(conns);
	if (rc == 0) {
		/* Only a save that worked moves the session to the new file. */
		set_current(s, abs, NULL);
		mark_clean(s, counter, bits, other);
		recent_add(s, s->current_path);
		autosave_quietly(s);
	}
	g_free(abs);
	return rc;
}

/* ---- actions (lathe_actions) ---- */

static sessions *from_app(lathe_app *app)
{
	return app->actions.ctx;
}

static int act_session_save(lathe_app *app, const char *name, char *err, int errlen)
{
	sessions *s = from_app(app);
	g_rec_mutex_lock(&s->lock);
	int rc;
	if (!name || !*name) {
		if (s->current_path) {
			rc = save_path(s, s->current_path, err, errlen);
		} else {
			snprintf(err, (size_t)errlen, "no session file yet: save under a name");
			rc = -1;
		}
	} else {
		char *path = session_name_path(s->session_dir, name, err, errlen);
		rc = path ? save_path(s, path, err, errlen) : -1;
		g_free(path);
	}
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

static int act_session_load(lathe_app *app, const char *name, char *err, int errlen)
{
	sessions *s = from_app(app);
	g_rec_mutex_lock(&s->lock);
	char *path = session_name_path(s->session_dir, name, err, errlen);
	int rc = path ? open_path(s, path, err, errlen) : -1;
	g_free(path);
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

static int act_snapshot_store(lathe_app *app, const char *name, char *err, int errlen)
{
	sessions *s = from_app(app);
	int slot = snapshot_slot(name);
	if (slot < 0) {
		snprintf(err, (size_t)errlen, "snapshot '%s': expected A, B, C or D", name ? name : "");
		return -1;
	}
	g_rec_mutex_lock(&s->lock);
	snapshot_store(s->snaps, slot, s->p);
	s->extra_changes++;
	g_rec_mutex_unlock(&s->lock);
	return 0;
}

static gboolean fade_tick(gpointer ud)
{
	sessions *s = ud;
	g_rec_mutex_lock(&s->lock);
	/* A recall from the OSC thread may have replaced this timer while it was being dispatched. */
	GSource *me = g_main_current_source();
	if (!me || g_source_get_id(me) != s->fade_id) {
		g_rec_mutex_unlock(&s->lock);
		return G_SOURCE_REMOVE;
	}
	bool more = snapshot_fade_step(s->snaps, s->p, g_get_monotonic_time());
	if (!more)
		s->fade_id = 0;
	g_rec_mutex_unlock(&s->lock);
	return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static int act_snapshot_recall(lathe_app *app, const char *name, char *err, int errlen)
{
	sessions *s = from_app(app);
	int slot = snapshot_slot(name);
	if (slot < 0) {
		snprintf(err, (size_t)errlen, "snapshot '%s': expected A, B, C or D", name ? name : "");
		return -1;
	}
	g_rec_mutex_lock(&s->lock);
	int rc = 0;
	if (!s->snaps->stored[slot]) {
		snprintf(err, (size_t)errlen, "snapshot %s is empty: store it first", snapshot_name(slot));
		rc = -1;
	} else {
		stop_fade(s);
		int64_t now = g_get_monotonic_time();
		undo_poll(s->undo, s->p, now);
		undo_commit(s->undo); /* the recall becomes one step of its own when the fade ends */
		snapshot_recall_begin(s->snaps, slot, s->p, param_get(s->p, P_SNAPSHOT_FADE), now);
		s->extra_changes++;
		if (s->snaps->fading)
			s->fade_id = g_timeout_add(FADE_MS, fade_tick, s);
	}
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

static int act_undo(lathe_app *app)
{
	sessions *s = from_app(app);
	g_rec_mutex_lock(&s->lock);
	stop_fade(s);
	int rc = undo_undo(s->undo, s->p, g_get_monotonic_time());
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

static int act_redo(lathe_app *app)
{
	sessions *s = from_app(app);
	g_rec_mutex_lock(&s->lock);
	stop_fade(s);
	int rc = undo_redo(s->undo, s->p, g_get_monotonic_time());
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

/* ---- NSM hooks ---- */

static int nsm_open(void *ctx, const char *prefix, const char *display_name, const char *client_id, char *err,
                    int errlen)
{
	sessions *s = ctx;
	g_rec_mutex_lock(&s->lock);
	char *path = g_strconcat(prefix, SESSION_EXT, NULL);
	/* Autosave per NSM client, never restored by a plain start. */
	char *esc = g_uri_escape_string(client_id, NULL, FALSE);
	char *base = g_strdup_printf("nsm-%s.lathe", esc);
	g_free(s->autosave_path);
	s->autosave_path = g_build_filename(s->state_dir, base, NULL);
	g_free(base);
	g_free(esc);
	int rc;
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		rc = open_path(s, path, err, errlen);
	} else {
		/* A new NSM session starts from the factory state. */
		stop_fade(s);
		params_reset(s->p);
		snapshot_bank_init(s->snaps);
		s->meta.comment[0] = 0;
		rc = save_path(s, path, err, errlen);
	}
	g_free(path);
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

static int nsm_save(void *ctx, char *err, int errlen)
{
	return sessions_save_current(ctx, err, errlen);
}

/* ---- the watcher ---- */

static void state_of(sessions *s, sessions_state *o)
{
	memset(o, 0, sizeof *o);
	snprintf(o->name, sizeof o->name, "%s", s->meta.name);
	snprintf(o->path, sizeof o->path, "%s", s->current_path ? s->current_path : "");
	o->dirty = is_dirty(s);
	for (int i = 0; i < SNAPSHOT_SLOTS; i++)
		o->stored[i] = s->snaps->stored[i];
	o->active_snapshot = snapshot_live(s->snaps, s->p);
	o->fading = s->snaps->fading;
	o->undo_steps = undo_can_undo(s->undo);
	o->redo_steps = undo_can_redo(s->undo);
	o->nsm = s->nsm != NULL;
}

typedef struct {
	char name[64];
	gint64 mtime;
} listed;

static int newest_first(const void *a, const void *b)
{
	const listed *x = a, *y = b;
	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* The names (without .lathe) of the sessions in the folder, newest first. */
static int list_folder(const char *dir, char (*names)[64], int max)
{
	GDir *d = dir ? g_dir_open(dir, 0, NULL) : NULL;
	if (!d)
		return 0;
	GArray *all = g_array_new(FALSE, FALSE, sizeof(listed));
	const char *e;
	while ((e = g_dir_read_name(d))) {
		size_t l = strlen(e);
		if (l <= 6 || l - 6 >= 64 || strcmp(e + l - 6, ".lathe"))
			continue;
		listed it = { .mtime = 0 };
		memcpy(it.name, e, l - 6);
		char *path = g_build_filename(dir, e, NULL);
		GStatBuf st;
		if (g_stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			it.mtime = (gint64)st.st_mtime;
			g_array_append_val(all, it);
		}
		g_free(path);
	}
	g_dir_close(d);
	if (all->len) /* qsort of an empty GArray: its data is NULL, undefined for qsort (UBSan under make asan) */
		qsort(all->data, all->len, sizeof(listed), newest_first);
	int n = (int)all->len < max ? (int)all->len : max;
	for (int i = 0; i < n; i++)
		memcpy(names[i], g_array_index(all, listed, i).name, 64);
	g_array_free(all, TRUE);
	return n;
}

static void publish(sessions *s, const sessions_state *st, int64_t now_us)
{
	lathe_session_status p;
	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "%s", st->name);
	p.dirty = st->dirty;
	p.active_snapshot = st->active_snapshot;
	for (int i = 0; i < SNAPSHOT_SLOTS; i++)
		p.stored |= st->stored[i] ? 1u << i : 0;
	p.undo_steps = st->undo_steps;
	p.redo_steps = st->redo_steps;
	int scan = now_us - s->last_scan_us >= SCAN_US || now_us < s->last_scan_us;
	if (scan) {
		s->last_scan_us = now_us;
		p.n_names = list_folder(s->session_dir, p.names, LATHE_SESSION_NAMES);
	}
	g_mutex_lock(&s->pub_lock);
	if (!scan) {
		p.n_names = s->pub.n_names;
		memcpy(p.names, s->pub.names, sizeof p.names);
	}
	s->pub = p;
	g_mutex_unlock(&s->pub_lock);
}

static int act_status(lathe_app *app, lathe_session_status *out)
{
	sessions *s = from_app(app);
	if (!s)
		return -1;
	g_mutex_lock(&s->pub_lock);
	*out = s->pub;
	g_mutex_unlock(&s->pub_lock);
	return 0;
}

void sessions_tick(sessions *s, int64_t now_us)
{
	g_rec_mutex_lock(&s->lock);
	/* During a fade the store moves every 10 ms; the whole recall is recorded as one step after it ends. */
	if (!s->snaps->fading)
		undo_poll(s->undo, s->p, now_us);
	if (now_us - s->last_autosave_poll_us >= AUTOSAVE_POLL_US) {
		s->last_autosave_poll_us = now_us;
		if (s->autosave_on && autosave_poll(&s->autosave, change_counter(s), now_us))
			autosave_quietly(s);
	}
	sessions_state st;
	state_of(s, &st);
	if (s->nsm && s->current_path)
		nsm_client_set_dirty(s->nsm, st.dirty);
	bool changed = memcmp(&st, &s->shown, sizeof st) != 0;
	s->shown = st;
	publish(s, &st, now_us);
	void (*fn)(void *) = s->notify;
	void *ctx = s->notify_ctx;
	g_rec_mutex_unlock(&s->lock);
	if (changed && fn)
		fn(ctx);
}

static gboolean watch_tick(gpointer ud)
{
	sessions_tick(ud, g_get_monotonic_time());
	return G_SOURCE_CONTINUE;
}

/* ---- life cycle ---- */

/* "restored the autosave of lathe-01 from 2026-12-01 22:47:13" (local time),
 * for the console's status bar and one line on stderr. */
static void note_restored(sessions *s, const session_meta *m)
{
	char *base = g_path_get_basename(s->autosave_path);
	GDateTime *utc = m->date[0] ? g_date_time_new_from_iso8601(m->date, NULL) : NULL;
	GDateTime *local = utc ? g_date_time_to_local(utc) : NULL;
	char *when = local ? g_date_time_format(local, "%Y-%m-%d %H:%M:%S") : g_strdup("an unknown time");
	snprintf(s->restored_note, sizeof s->restored_note, "Restored the autosave %s from %s", base, when);
	fprintf(stderr, "lathe: %s\n", s->restored_note);
	g_free(when);
	if (local)
		g_date_time_unref(local);
	if (utc)
		g_date_time_unref(utc);
	g_free(base);
}


sessions *sessions_new(lathe_app *app, const sessions_opts *o, char *err, int errlen)
{
	params_init();
	sessions *s = g_new0(sessions, 1);
	g_rec_mutex_init(&s->lock);
	s->app = app;
	s->p = app->params;
	s->session_dir = o->session_dir ? g_strdup(o->session_dir)
	                                : g_build_filename(g_get_user_data_dir(), "lathe", "sessions", NULL);
	s->state_dir = o->state_dir ? g_strdup(o->state_dir) : g_build_filename(g_get_user_state_dir(), "lathe", NULL);
	s->autosave_lock = -1;
	s->recent_path = g_build_filename(s->state_dir, "recent", NULL);
	s->recent = g_ptr_array_new_with_free_func(g_free);
	s->snaps = g_new(snapshot_bank, 1);
	snapshot_bank_init(s->snaps);
	s->undo = undo_new(s->p);
	s->autosave_on = o->autosave != 0;
	s->nsm = o->nsm;
	set_current(s, NULL, NULL);
	recent_load(s);
	if (s->autosave_on && !o->nsm) {
		char name[64] = "lathe";
		if (app->jack)
			lathe_jack_client_name(app->jack, name, sizeof name);
		take_autosave(s, name);
	}

	bool restored = false; /* the state is what the autosave file holds */
	if (o->session_file) {
		if (open_path(s, o->session_file, err, errlen) < 0) {
			sessions_free(s);
			return NULL;
		}
	} else if (s->autosave_path && s->autosave_on && g_file_test(s->autosave_path, G_FILE_TEST_EXISTS)) {
		lathe_params *tmp = params_new();
		snapshot_bank *snaps = g_new(snapshot_bank, 1);
		session_meta m;
		char *conns = NULL;
		char why[1024];
		if (session_file_read(s->autosave_path, tmp, snaps, &m, &conns, why, sizeof why) == 0) {
			restored = true;
			note_restored(s, &m);
			params_copy(s->p, tmp);
			*s->snaps = *snaps;
			if (conns && app->jack)
				lathe_jack_set_connections(app->jack, conns);
			set_current(s, m.file[0] ? m.file : NULL, &m);
			/* Clean only if the restored state is exactly what its session file holds. */
			bool clean = false;
			if (s->current_path) {
				lathe_params *file = params_new();
				if (session_file_read(s->current_path, file, NULL, NULL, NULL, why, sizeof why) == 0)
					clean = !memcmp(file->bits, s->p->bits, sizeof file->bits);
				params_free(file);
			}
			mark_clean_now(s);
			if (!clean) {
				s->clean_counter--;
				s->clean_known = false;
			}
		} else {
			fprintf(stderr, "lathe: autosave ignored: %s\n", why);
			mark_clean_now(s);
		}
		free(conns);
		g_free(snaps);
		params_free(tmp);
	} else {
		mark_clean_now(s);
	}
	undo_clear(s->undo, s->p); /* the start-up state is not an undoable step */
	autosave_clock_init(&s->autosave, change_counter(s));
	if (!restored)
		s->autosave.saved--; /* the autosave does not hold this start-up state yet: write it at the first poll */
	state_of(s, &s->shown);
	g_mutex_init(&s->pub_lock);
	s->last_scan_us = INT64_MIN / 2;
	publish(s, &s->shown, g_get_monotonic_time());

	app->actions = (lathe_actions){
		.status = act_status,
		.session_save = act_session_save,
		.session_load = act_session_load,
		.snapshot_store = act_snapshot_store,
		.snapshot_recall = act_snapshot_recall,
		.undo = act_undo,
		.redo = act_redo,
		.ctx = s,
	};
	if (s->nsm) {
		nsm_hooks h = { nsm_open, nsm_save, s };
		nsm_client_set_hooks(s->nsm, &h); /* answers an open that is already waiting */
		nsm_client_attach(s->nsm);
	}
	s->watch_id = g_timeout_add(WATCH_MS, watch_tick, s);
	return s;
}

void sessions_free(sessions *s)
{
	if (!s)
		return;
	g_rec_mutex_lock(&s->lock);
	if (s->watch_id)
		g_source_remove(s->watch_id);
	stop_fade(s);
	if (s->autosave_on && s->autosave.saved != change_counter(s))
		autosave_quietly(s);
	if (s->nsm) {
		nsm_hooks none = { 0 };
		nsm_client_set_hooks(s->nsm, &none);
	}
	if (s->app && s->app->actions.ctx == s)
		memset(&s->app->actions, 0, sizeof s->app->actions);
	g_rec_mutex_unlock(&s->lock);
	undo_free(s->undo);
	g_free(s->snaps);
	g_ptr_array_unref(s->recent);
	g_free(s->session_dir);
	g_free(s->state_dir);
	release_autosave(s);
	g_free(s->autosave_path);
	g_free(s->recent_path);
	g_free(s->current_path);
	g_rec_mutex_clear(&s->lock);
	g_mutex_clear(&s->pub_lock);
	g_free(s);
}

/* ---- console API ---- */

int sessions_open_path(sessions *s, const char *path, char *err, int errlen)
{
	g_rec_mutex_lock(&s->lock);
	int rc = open_path(s, path, err, errlen);
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

int sessions_save_path(sessions *s, const char *path, char *err, int errlen)
{
	g_rec_mutex_lock(&s->lock);
	int rc = save_path(s, path, err, errlen);
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

int sessions_save_current(sessions *s, char *err, int errlen)
{
	g_rec_mutex_lock(&s->lock);
	int rc;
	if (s->current_path) {
		char *path = g_strdup(s->current_path);
		rc = save_path(s, path, err, errlen);
		g_free(path);
	} else {
		snprintf(err, (size_t)errlen, "no session file yet: save under a name");
		rc = -1;
	}
	g_rec_mutex_unlock(&s->lock);
	return rc;
}

int sessions_load_preset(sessions *s, const char *path, char *err, int errlen)
{
	lathe_params *tmp = params_new();
	int rc = session_file_read(path, tmp, NULL, NULL, NULL, err, errlen);
	if (rc == 0) {
		g_rec_mutex_lock(&s->lock);
		stop_fade(s);
		undo_poll(s->undo, s->p, g_get_monotonic_time());
		undo_commit(s->undo);
		params_copy(s->p, tmp);
		g_rec_mutex_unlock(&s->lock);
	}
	params_free(tmp);
	return rc;
}

void sessions_get_state(sessions *s, sessions_state *out)
{
	g_rec_mutex_lock(&s->lock);
	state_of(s, out);
	g_rec_mutex_unlock(&s->lock);
}

char **sessions_recent(sessions *s)
{
	g_rec_mutex_lock(&s->lock);
	char **v = g_new0(char *, s->recent->len + 1);
	for (guint i = 0; i < s->recent->len; i++)
		v[i] = g_strdup(s->recent->pdata[i]);
	g_rec_mutex_unlock(&s->lock);
	return v;
}

const char *sessions_dir(const sessions *s) { return s->session_dir; }
nsm_client *sessions_nsm(const sessions *s) { return s->nsm; }
const char *sessions_autosave_path(const sessions *s) { return s->autosave_path; }
const char *sessions_restored_note(const sessions *s) { return s->restored_note; }

void sessions_set_notify(sessions *s, void (*fn)(void *ctx), void *ctx)
{
	g_rec_mutex_lock(&s->lock);
	s->notify = fn;
	s->notify_ctx = ctx;
	g_rec_mutex_unlock(&s->lock);
}

int sessions_autosave_now(sessions *s, char *err, int errlen)
{
	g_rec_mutex_lock(&s->lock);
	int rc = do_autosave(s, err, errlen);
	g_rec_mutex_unlock(&s->lock);
	return rc;
}
