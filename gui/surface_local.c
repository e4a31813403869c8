/* lathe — the surface of the engine in this process (surface.h): today's
 * parameter store, the console's meter ring, the analysis thread, the
 * sessions module and the JACK client's status, each as it was used by the
 * console directly before issue 17. */
#include "surface.h"
#include "../engine/app.h"
#include "../engine/jack.h"
#include "../engine/player.h"
#include "../sessions/sessions.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static lathe_app *app_of(lathe_surface *s) { return s->local; }

/* The sessions module's object when it provides the actions (its ctx); NULL
 * with other providers (tests), which get the plain actions. */
static sessions *sess(lathe_surface *s)
{
	lathe_app *a = app_of(s);
	return a->actions.session_save && a->actions.ctx ? a->actions.ctx : NULL;
}

static int l_set(lathe_surface *s, int id, float v) { return param_set(s->params, id, v, NULL); }

static int l_read_frame(lathe_surface *s, meter_frame *out)
{
	return app_of(s)->gui_meter ? bus_read(app_of(s)->gui_meter, out) : 0;
}

static int l_analysis(lathe_surface *s, meter_snapshot *out)
{
	if (!app_of(s)->analysis)
		return 0;
	analysis_get(app_of(s)->analysis, out);
	return 1;
}

static int l_gonio(lathe_surface *s, float *xy, int max)
{
	return app_of(s)->analysis ? analysis_gonio(app_of(s)->analysis, xy, max) : 0;
}

static int l_history(lathe_surface *s, float *lufs, int max)
{
	return app_of(s)->analysis ? analysis_history(app_of(s)->analysis, lufs, max) : 0;
}

static int l_spectrum(lathe_surface *s, float *pre, float *post)
{
	if (!app_of(s)->analysis)
		return 0;
	analysis_spectrum(app_of(s)->analysis, pre, post);
	return 1;
}

static void l_loudness_reset(lathe_surface *s)
{
	if (app_of(s)->analysis)
		analysis_reset(app_of(s)->analysis);
}

static int l_learn(lathe_surface *s, float *drive, char *err, int errlen)
{
	float d = app_of(s)->analysis ? analysis_learn_drive(app_of(s)->analysis) : NAN;
	if (isnan(d)) {
		snprintf(err, errlen, "play some of the song first (no integrated loudness yet)");
		return SURFACE_FAILED;
	}
	param_set(s->params, P_LIM_GAIN, d, NULL);
	*drive = d;
	return SURFACE_DONE;
}

static int l_open(lathe_surface *s, const char *path, char *err, int errlen)
{
	if (sess(s))
		return sessions_open_path(sess(s), path, err, errlen);
	if (app_of(s)->actions.session_load)
		return app_of(s)->actions.session_load(app_of(s), path, err, errlen);
	snprintf(err, errlen, "sessions are not available");
	return SURFACE_FAILED;
}

static int l_save(lathe_surface *s, const char *path, char *err, int errlen)
{
	if (sess(s))
		return sessions_save_path(sess(s), path, err, errlen);
	if (app_of(s)->actions.session_save)
		return app_of(s)->actions.session_save(app_of(s), path, err, errlen);
	snprintf(err, errlen, "sessions are not available");
	return SURFACE_FAILED;
}

static int l_state(lathe_surface *s, surface_session *out)
{
	if (!sess(s))
		return 0;
	sessions_state st;
	memset(&st, 0, sizeof st);
	sessions_get_state(sess(s), &st);
	memset(out, 0, sizeof *out);
	g_strlcpy(out->name, st.name, sizeof out->name);
	g_strlcpy(out->path, st.path, sizeof out->path);
	out->dirty = st.dirty;
	for (int i = 0; i < 4 && i < SNAPSHOT_SLOTS; i++)
		out->stored[i] = st.stored[i];
	out->active_snapshot = st.active_snapshot;
	out->undo_steps = st.undo_steps;
	out->redo_steps = st.redo_steps;
	out->nsm = st.nsm;
	return 1;
}

static char **l_recent(lathe_surface *s) { return sess(s) ? sessions_recent(sess(s)) : NULL; }

static int l_load_preset(lathe_surface *s, const char *path, char *err, int errlen)
{
	if (!sess(s)) {
		snprintf(err, errlen, "sessions are not available");
		return SURFACE_FAILED;
	}
	return sessions_load_preset(sess(s), path, err, errlen);
}

static int l_snapshot(lathe_surface *s, const char *name, int store, char *err, int errlen)
{
	lathe_app *a = app_of(s);
	int (*fn)(lathe_app *, const char *, char *, int) = store ? a->actions.snapshot_store : a->actions.snapshot_recall;
	if (!fn) {
		snprintf(err, errlen, "snapshots are not available");
		return SURFACE_FAILED;
	}
	return fn(a, name, err, errlen) < 0 ? SURFACE_FAILED : SURFACE_DONE;
}

static int l_undo(lathe_surface *s, int redo)
{
	lathe_app *a = app_of(s);
	int (*fn)(lathe_app *) = redo ? a->actions.redo : a->actions.undo;
	return fn && fn(a) == 0 ? SURFACE_DONE : SURFACE_FAILED;
}

static const char *l_restored(lathe_surface *s) { return sess(s) ? sessions_restored_note(sess(s)) : ""; }

static void l_status(lathe_surface *s, surface_status *out)
{
	lathe_app *a = app_of(s);
	memset(out, 0, sizeof *out);
	out->link = SURFACE_LOCAL;
	if (a->jack) {
		jack_status js;
		lathe_jack_status(a->jack, &js);
		out->have_jack = 1;
		out->jack_connected = js.connected;
		out->rate = js.rate;
		out->buffer_size = js.buffer_size;
		out->latency = js.latency;
		out->xruns = js.xruns;
		out->dsp_load = js.dsp_load;
		if (js.connected) {
			snprintf(out->engine, sizeof out->engine, "● JACK %s", js.client_name[0] ? js.client_name : "connected");
			out->engine_class = "ok";
		} else {
			snprintf(out->engine, sizeof out->engine, "● JACK not running — reconnecting%s",
			         js.reconnects ? " (was connected)" : "");
			out->engine_class = "bad";
		}
	} else {
		snprintf(out->engine, sizeof out->engine, "○ JACK not used");
		out->engine_class = "warn";
	}
	if (a->osc_port > 0) {
		snprintf(out->osc, sizeof out->osc, "OSC udp://%s:%d · %s", a->osc_bind ? a->osc_bind : "127.0.0.1", a->osc_port,
		         a->osc_lan ? "OPEN TO THE LAN" : "this computer only");
		out->osc_class = a->osc_lan ? "warn" : NULL;
	} else {
		snprintf(out->osc, sizeof out->osc, "OSC off");
	}
}

/* The reference player.  A load decodes and resamples the whole file
 * (player_load: a 4-minute track is a few hundred ms), so it runs on a
 * thread of its own and says when it is done through take_message. */
typedef struct {
	GMutex lock;
	GThread *loader;         /* GTK thread only */
	int loading;             /* under lock */
	int have_note, note_error;
	char note[400];
	char *path;              /* the file being loaded (the loader's) */
} local_state;

static local_state *LS(lathe_surface *s) { return s->state; }

static player *ref_player(lathe_surface *s)
{
	lathe_app *a = app_of(s);
	return a->jack ? lathe_jack_ref_player(a->jack) : NULL;
}

static gpointer ref_loader(gpointer ud)
{
	lathe_surface *s = ud;
	local_state *ls = LS(s);
	char err[300] = "failed";
	int rc = player_load(ref_player(s), ls->path, lathe_jack_rate(app_of(s)->jack), err, sizeof err);
	char *base = g_path_get_basename(ls->path);
	g_mutex_lock(&ls->lock);
	if (rc == 0)
		snprintf(ls->note, sizeof ls->note, "reference: %s loaded", base);
	else
		snprintf(ls->note, sizeof ls->note, "reference: %s", err);
	ls->note_error = rc != 0;
	ls->have_note = 1;
	ls->loading = 0;
	g_mutex_unlock(&ls->lock);
	g_free(base);
	return NULL;
}

static int l_ref_load(lathe_surface *s, const char *path, char *err, int errlen)
{
	local_state *ls = LS(s);
	if (!ref_player(s)) {
		snprintf(err, errlen, "the reference player needs JACK");
		return SURFACE_FAILED;
	}
	g_mutex_lock(&ls->lock);
	int busy = ls->loading;
	g_mutex_unlock(&ls->lock);
	if (busy) {
		snprintf(err, errlen, "a reference file is still loading");
		return SURFACE_FAILED;
	}
	if (ls->loader)
		g_thread_join(ls->loader);
	g_free(ls->path);
	ls->path = g_strdup(path);
	ls->loading = 1;
	ls->loader = g_thread_new("lathe-ref-load", ref_loader, s);
	return SURFACE_SENT;
}

static int l_ref_play(lathe_surface *s, int on, char *err, int errlen)
{
	player *p = ref_player(s);
	if (!p || (on && player_length(p) <= 0)) {
		snprintf(err, errlen, p ? "no reference file loaded: choose one with Reference…" : "the reference player needs JACK");
		return SURFACE_FAILED;
	}
	player_play(p, on);
	return SURFACE_DONE;
}

static void l_ref_seek(lathe_surface *s, double sec)
{
	if (ref_player(s))
		player_seek(ref_player(s), sec);
}

static int l_ref_state(lathe_surface *s, surface_ref *out)
{
	memset(out, 0, sizeof *out);
	player *p = ref_player(s);
	if (!p)
		return 0;
	out->length = player_length(p);
	out->loaded = out->length > 0;
	out->playing = player_playing(p);
	out->position = player_position(p);
	char path[1024];
	player_path(p, path, sizeof path);
	char *base = path[0] ? g_path_get_basename(path) : g_strdup("");
	g_strlcpy(out->name, base, sizeof out->name);
	g_free(base);
	return 1;
}

static int l_take_message(lathe_surface *s, char *text, int len, int *error)
{
	local_state *ls = LS(s);
	g_mutex_lock(&ls->lock);
	int got = ls->have_note;
	if (got) {
		g_strlcpy(text, ls->note, len);
		*error = ls->note_error;
		ls->have_note = 0;
	}
	g_mutex_unlock(&ls->lock);
	return got;
}

static void l_free(lathe_surface *s)
{
	local_state *ls = LS(s);
	if (ls->loader)
		g_thread_join(ls->loader);
	g_free(ls->path);
	g_mutex_clear(&ls->lock);
	g_free(ls);
	g_free(s);
}

static const surface_ops local_ops = {
	.set = l_set,
	.read_frame = l_read_frame,
	.analysis = l_analysis,
	.gonio = l_gonio,
	.history = l_history,
	.spectrum = l_spectrum,
	.loudness_reset = l_loudness_reset,
	.learn = l_learn,
	.session_open = l_open,
	.session_save = l_save,
	.session_state = l_state,
	.recent = l_recent,
	.load_preset = l_load_preset,
	.snapshot = l_snapshot,
	.undo = l_undo,
	.restored_note = l_restored,
	.ref_load = l_ref_load,
	.ref_play = l_ref_play,
	.ref_seek = l_ref_seek,
	.ref_state = l_ref_state,
	.status = l_status,
	.take_message = l_take_message,
	.free = l_free,
};

lathe_surface *surface_local_new(lathe_app *app)
{
	lathe_surface *s = g_new0(lathe_surface, 1);
	s->ops = &local_ops;
	s->params = app->params;
	s->local = app;
	local_state *ls = g_new0(local_state, 1);
	g_mutex_init(&ls->lock);
	s->state = ls;
	s->session_dir = app->session_dir;
	s->session_file = app->session_file;
	const lathe_actions *a = &app->actions;
	s->caps = SURFACE_CAN_FILES | SURFACE_CAN_ALBUM | (a->session_load ? SURFACE_CAN_LOAD : 0) |
	          (a->session_save ? SURFACE_CAN_SAVE : 0) | (a->snapshot_store ? SURFACE_CAN_SNAP_STORE : 0) |
	          (a->snapshot_recall ? SURFACE_CAN_SNAP_RECALL : 0) | (a->undo ? SURFACE_CAN_UNDO : 0) |
	          (a->session_save && a->ctx ? SURFACE_HAS_SESSIONS | SURFACE_CAN_PRESETS : 0);
	return s;
}
