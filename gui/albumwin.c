/* lathe — the Album window (see albumwin.h). */
#include "albumwin.h"
#include "../engine/jack.h"
#include "../sessions/album_cli.h"
#include "../sessions/session_file.h"
#include "../sessions/snapshot.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char css[] =
	".album { padding: 10px 14px; }\n"
	".album-title { font-size: 18px; font-weight: bold; color: #ffffff; }\n"
	".album-details { font-size: 11px; color: #9aa1ac; }\n"
	".album-head { font-size: 10px; font-weight: bold; color: #7d8591; padding: 2px 6px; }\n"
	".album-list { background: #14171b; border: 1px solid #262a31; }\n"
	".album-list row { padding: 3px 6px; }\n"
	".album-list row:selected { background: #1d3a5c; }\n"
	".album-cell { font-size: 12px; font-feature-settings: 'tnum'; }\n"
	".album-log { font-family: monospace; font-size: 10px; background: #0b0d10; color: #aeb4be; }\n"
	".album-warn { color: #f0b429; } .album-bad { color: #ff5a52; } .album-ok { color: #38c98a; }\n";

static const struct {
	const char *head;
	int chars;        /* fixed width of the column, characters */
	float xalign;
	PangoEllipsizeMode ellipsize;
} columns[AW_COLS] = {
	[AW_NUM] = { "#", 3, 1, PANGO_ELLIPSIZE_NONE },
	[AW_TITLE] = { "TITLE", 22, 0, PANGO_ELLIPSIZE_END },
	[AW_ISRC] = { "ISRC", 15, 0, PANGO_ELLIPSIZE_NONE },
	[AW_FILE] = { "MIX FILE", 20, 0, PANGO_ELLIPSIZE_MIDDLE },
	[AW_GAP] = { "GAP / XFADE", 11, 0, PANGO_ELLIPSIZE_NONE },
	[AW_GAIN] = { "GAIN", 8, 1, PANGO_ELLIPSIZE_NONE },
	[AW_LUFS] = { "LUFS", 6, 1, PANGO_ELLIPSIZE_NONE },
	[AW_TP] = { "dBTP", 6, 1, PANGO_ELLIPSIZE_NONE },
	[AW_LRA] = { "LRA", 5, 1, PANGO_ELLIPSIZE_NONE },
	[AW_PLR] = { "PLR", 5, 1, PANGO_ELLIPSIZE_NONE },
	[AW_CODEC] = { "CODEC PREVIEW", 20, 0, PANGO_ELLIPSIZE_END },
};

/* ---- lifetime: the struct outlives the window while a child or a load still reports ---- */

static void albumwin_clear(gpointer p)
{
	albumwin *w = p;
	album_free(w->album);
	g_free(w->outdir);
	g_free(w->proc_error);
	for (int k = 0; k < AW_COLS; k++)
		g_clear_object(&w->cols[k]);
}

static albumwin *aw_ref(albumwin *w) { return g_rc_box_acquire(w); }
static void aw_unref(albumwin *w) { g_rc_box_release_full(w, albumwin_clear); }
static void aw_unref_closure(gpointer w, GClosure *c) { aw_unref(w); }

/* ---- small helpers ---- */

static void set_class(GtkWidget *l, const char *cls)
{
	static const char *const all[] = { "album-warn", "album-bad", "album-ok" };
	for (unsigned i = 0; i < G_N_ELEMENTS(all); i++)
		gtk_widget_remove_css_class(l, all[i]);
	if (cls)
		gtk_widget_add_css_class(l, cls);
}

static void say(albumwin *w, const char *text, const char *cls)
{
	gtk_label_set_text(GTK_LABEL(w->status), text);
	set_class(w->status, cls);
}

static int selected(albumwin *w)
{
	GtkListBoxRow *r = gtk_list_box_get_selected_row(GTK_LIST_BOX(w->list));
	return r && w->album ? gtk_list_box_row_get_index(r) : -1;
}

static void update_buttons(albumwin *w)
{
	int i = selected(w);
	player *p = w->app->jack ? lathe_jack_input_player(w->app->jack) : NULL;
	gtk_widget_set_sensitive(w->load_btn, i >= 0);
	gtk_widget_set_sensitive(w->save_btn, i >= 0);
	gtk_widget_set_sensitive(w->play_btn, i >= 0 && p && !w->loading);
	gtk_widget_set_sensitive(w->stop_btn, p && player_playing(p));
	gtk_widget_set_sensitive(w->render_btn, w->album != NULL);
	gtk_button_set_label(GTK_BUTTON(w->render_btn), w->proc ? "Stop render" : "Render and check…");
}

static GtkWidget *cell(albumwin *w, int col, const char *text, const char *cls)
{
	GtkWidget *l = gtk_label_new(text);
	gtk_widget_add_css_class(l, cls);
	gtk_label_set_xalign(GTK_LABEL(l), columns[col].xalign);
	gtk_label_set_width_chars(GTK_LABEL(l), columns[col].chars);
	gtk_label_set_max_width_chars(GTK_LABEL(l), columns[col].chars);
	gtk_label_set_ellipsize(GTK_LABEL(l), columns[col].ellipsize);
	gtk_label_set_single_line_mode(GTK_LABEL(l), TRUE);
	gtk_size_group_add_widget(w->cols[col], l);
	return l;
}

static GtkWidget *row_box(void) { return gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10); }

/* ---- the album on screen ---- */

static void show_album(albumwin *w)
{
	const album *a = w->album;
	GtkWidget *r;
	while ((r = gtk_widget_get_first_child(w->list)))
		gtk_list_box_remove(GTK_LIST_BOX(w->list), r);
	memset(w->rows, 0, sizeof w->rows);
	memset(w->cells, 0, sizeof w->cells);
	gtk_label_set_text(GTK_LABEL(w->qc_summary), "");
	if (!a) {
		gtk_label_set_text(GTK_LABEL(w->title), "No album open");
		gtk_label_set_text(GTK_LABEL(w->details), "Open a *.lathe-album file (Open album…)");
		update_buttons(w);
		return;
	}
	gtk_label_set_text(GTK_LABEL(w->title), a->title[0] ? a->title : "(untitled album)");
	char loud[64] = "levels as set";
	if (a->loudness != LOUDNESS_NONE)
		snprintf(loud, sizeof loud, "%s normalisation to %.1f LUFS", a->loudness == LOUDNESS_ALBUM ? "album" : "track",
		         a->target_lufs);
	char *d = g_strdup_printf("%s  ·  UPC/EAN %s  ·  %d track%s  ·  %s  ·  %s", a->performer[0] ? a->performer : "(no performer)",
	                          a->upc[0] ? a->upc : "none", a->n, a->n == 1 ? "" : "s", loud, a->path);
	gtk_label_set_text(GTK_LABEL(w->details), d);
	g_free(d);
	for (int i = 0; i < a->n; i++) {
		const album_track *t = &a->tracks[i];
		GtkWidget *box = row_box();
		char num[16], isrc[20] = "—", gap[48] = "—", gain[48];
		snprintf(num, sizeof num, "%d", i + 1);
		if (strlen(t->isrc) == 12)
			snprintf(isrc, sizeof isrc, "%.2s-%.3s-%.2s-%.5s", t->isrc, t->isrc + 2, t->isrc + 5, t->isrc + 7);
		if (t->crossfade > 0)
			snprintf(gap, sizeof gap, "xfade %.1f s", t->crossfade);
		else if (t->gap > 0)
			snprintf(gap, sizeof gap, "gap %.1f s", t->gap);
		snprintf(gain, sizeof gain, "%+.1f dB", t->gain_db);
		char *file = g_path_get_basename(t->file);
		const char *text[AW_COLS] = { num, t->title, isrc, file, gap, gain, "", "", "", "", "" };
		for (int k = 0; k < AW_COLS; k++) {
			w->cells[i][k] = cell(w, k, text[k], "album-cell");
			gtk_box_append(GTK_BOX(box), w->cells[i][k]);
		}
		gtk_widget_set_tooltip_text(w->cells[i][AW_FILE], t->file);
		g_free(file);
		gtk_list_box_append(GTK_LIST_BOX(w->list), box);
		w->rows[i] = gtk_widget_get_parent(box);
	}
	update_buttons(w);
}

int albumwin_open_file(albumwin *w, const char *path, char *err, int errlen)
{
	album *a = album_load(path, album_load_chain, err, errlen);
	if (!a) {
		say(w, err, "album-bad");
		return -1;
	}
	album_free(w->album);
	w->album = a;
	show_album(w);
	char *msg = g_strdup_printf("opened %s", path);
	say(w, msg, NULL);
	g_free(msg);
	return 0;
}

void albumwin_select(albumwin *w, int i)
{
	if (w->album && i >= 0 && i < w->album->n && w->rows[i])
		gtk_list_box_select_row(GTK_LIST_BOX(w->list), GTK_LIST_BOX_ROW(w->rows[i]));
}

/* What a file chooser's answer chose (g_free it), or NULL; the chooser and
 * the reference it held on w are let go. */
static char *chosen_path(GtkNativeDialog *d, int response, albumwin *w)
{
	char *path = NULL;
	if (response == GTK_RESPONSE_ACCEPT && w->window) {
		GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		path = f ? g_file_get_path(f) : NULL;
		if (f)
			g_object_unref(f);
	}
	g_object_unref(d);
	aw_unref(w);
	return path;
}

static void on_open_response(GtkNativeDialog *d, int response, gpointer ud)
{
	albumwin *w = ud;
	char *path = chosen_path(d, response, w); /* NULL unless the window (and its reference on w) is there */
	char err[1024];
	if (path)
		albumwin_open_file(w, path, err, sizeof err);
	g_free(path);
}

static void on_open(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	GtkFileChooserNative *d = gtk_file_chooser_native_new("Open album", GTK_WINDOW(w->window), GTK_FILE_CHOOSER_ACTION_OPEN,
	                                                      "_Open", "_Cancel");
	GtkFileFilter *flt = gtk_file_filter_new();
	gtk_file_filter_set_name(flt, "lathe albums (*" ALBUM_EXT ")");
	gtk_file_filter_add_pattern(flt, "*" ALBUM_EXT);
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), flt);
	g_object_unref(flt);
	g_signal_connect(d, "response", G_CALLBACK(on_open_response), aw_ref(w));
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

/* ---- Load, Play, Stop, Save to album ---- */

static void on_load(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	int i = selected(w);
	if (i < 0)
		return;
	const lathe_params *chain = w->album->tracks[i].chain;
	for (int id = 0; id < P_COUNT; id++)
		if (snapshot_param_recalled(id))
			param_set(w->app->params, id, param_get(chain, id), NULL);
	char *msg = g_strdup_printf("track %d '%s': its chain is live", i + 1, w->album->tracks[i].title);
	say(w, msg, "album-ok");
	g_free(msg);
}

typedef struct {
	albumwin *w;
	player *p;
	char *file;
	uint32_t rate;
	int track;
	char err[512];
} play_job;

static void play_load_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	play_job *j = data;
	g_task_return_int(task, player_load(j->p, j->file, j->rate, j->err, sizeof j->err));
}

static void play_job_free(gpointer data)
{
	play_job *j = data;
	g_free(j->file);
	aw_unref(j->w);
	g_free(j);
}

static void on_play_loaded(GObject *src, GAsyncResult *res, gpointer ud)
{
	play_job *j = g_task_get_task_data(G_TASK(res));
	albumwin *w = j->w;
	int rc = (int)g_task_propagate_int(G_TASK(res), NULL);
	w->loading = 0;
	if (!w->window)
		return;
	if (rc) {
		say(w, j->err, "album-bad");
	} else {
		player_set_loop(j->p, 0);
		player_seek(j->p, 0);
		player_play(j->p, 1);
		w->playing = j->track;
		char *msg = g_strdup_printf("playing track %d through the chain (%.1f s)", j->track + 1, player_length(j->p));
		say(w, msg, "album-ok");
		g_free(msg);
	}
	update_buttons(w);
}

static void on_play(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	int i = selected(w);
	uint32_t rate = w->app->jack ? lathe_jack_rate(w->app->jack) : 0;
	if (i < 0 || w->loading)
		return;
	if (!rate) {
		say(w, "Play: no JACK engine running", "album-bad");
		return;
	}
	play_job *j = g_new0(play_job, 1);
	j->w = aw_ref(w);
	j->p = lathe_jack_input_player(w->app->jack);
	j->file = g_strdup(w->album->tracks[i].file);
	j->rate = rate;
	j->track = i;
	player_play(j->p, 0);
	w->loading = 1;
	say(w, "loading the mix…", NULL);
	update_buttons(w);
	GTask *t = g_task_new(NULL, NULL, on_play_loaded, NULL);
	g_task_set_task_data(t, j, play_job_free);
	g_task_run_in_thread(t, play_load_thread);
	g_object_unref(t);
}

static void on_stop(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	if (w->app->jack)
		player_play(lathe_jack_input_player(w->app->jack), 0);
	w->playing = -1;
	say(w, "stopped", NULL);
	update_buttons(w);
}

/* The live chain as ALBUMDIR/ALBUM-track-N.lathe, and track N's session= pointing at it. */
static int save_track(albumwin *w, int i, char *err, int errlen)
{
	const album *a = w->album;
	char *dir = g_path_get_dirname(a->path), *base = g_path_get_basename(a->path);
	if (g_str_has_suffix(base, ALBUM_EXT))
		base[strlen(base) - strlen(ALBUM_EXT)] = 0;
	char *name = g_strdup_printf("%s-track-%d" SESSION_EXT, base, i + 1);
	char *spath = g_build_filename(dir, name, NULL);
	session_meta meta = { 0 };
	snprintf(meta.name, sizeof meta.name, "%s — %d %s", a->title, i + 1, a->tracks[i].title);
	snprintf(meta.comment, sizeof meta.comment, "track %d of %s, saved from the console's Album window", i + 1, a->path);
	GDateTime *now = g_date_time_new_now_utc();
	char *date = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_strlcpy(meta.date, date, sizeof meta.date);
	g_free(date);
	g_date_time_unref(now);
	g_strlcpy(meta.version, LATHE_VERSION, sizeof meta.version);
	int rc = session_file_write(spath, w->app->params, NULL, &meta, NULL, err, errlen);
	if (rc == 0) {
		GKeyFile *kf = g_key_file_new();
		GError *ge = NULL;
		char group[32];
		snprintf(group, sizeof group, "track %d", i + 1);
		if (g_key_file_load_from_file(kf, a->path, G_KEY_FILE_KEEP_COMMENTS, &ge)) {
			g_key_file_set_string(kf, group, "session", name);
			g_key_file_remove_key(kf, group, "snapshot", NULL); /* a track has a session= or a snapshot=, not both */
			gsize len;
			char *text = g_key_file_to_data(kf, &len, NULL);
			if (!g_file_set_contents(a->path, text, (gssize)len, &ge))
				rc = -1;
			g_free(text);
		} else {
			rc = -1;
		}
		if (rc)
			snprintf(err, (size_t)errlen, "%s: %s", a->path, ge ? ge->message : "cannot write");
		g_clear_error(&ge);
		g_key_file_free(kf);
	}
	g_free(dir);
	g_free(base);
	g_free(name);
	g_free(spath);
	return rc;
}

static void on_save(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	int i = selected(w);
	char err[1024];
	if (i < 0)
		return;
	if (save_track(w, i, err, sizeof err)) {
		say(w, err, "album-bad");
		return;
	}
	/* read back as `lathe album` will, and keep the selection */
	char *path = g_strdup(w->album->path);
	if (albumwin_open_file(w, path, err, sizeof err) == 0) {
		albumwin_select(w, i);
		char *msg = g_strdup_printf("track %d: the live chain is saved into the album", i + 1);
		say(w, msg, "album-ok");
		g_free(msg);
	}
	g_free(path);
}

/* ---- Render and check ---- */

static void log_line(albumwin *w, const char *line)
{
	GtkTextBuffer *buf = gtk_text_view_get_buffer(GTK_TEXT_VIEW(w->log));
	GtkTextIter end;
	gtk_text_buffer_get_end_iter(buf, &end);
	if (gtk_text_buffer_get_char_count(buf) > 0)
		gtk_text_buffer_insert(buf, &end, "\n", 1);
	gtk_text_buffer_insert(buf, &end, line, -1);
	gtk_text_buffer_get_end_iter(buf, &end);
	GtkTextMark *m = gtk_text_buffer_create_mark(buf, NULL, &end, FALSE);
	gtk_text_view_scroll_mark_onscreen(GTK_TEXT_VIEW(w->log), m);
	gtk_text_buffer_delete_mark(buf, m);
}

static double member_num(JsonObject *o, const char *key, gboolean *ok)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;
	*ok = n && JSON_NODE_HOLDS_VALUE(n);
	return *ok ? json_node_get_double(n) : 0;
}

static void set_num(GtkWidget *l, JsonObject *o, const char *key, const char *fmt)
{
	gboolean ok;
	double v = member_num(o, key, &ok);
	char t[32] = "—";
	if (ok)
		snprintf(t, sizeof t, fmt, v);
	gtk_label_set_text(GTK_LABEL(l), t);
}

/* The QC report's figures into the table: 0, or -1 with the reason in err. */
static int show_qc(albumwin *w, const char *json, char *err, int errlen)
{
	JsonParser *jp = json_parser_new();
	GError *ge = NULL;
	int rc = -1;
	if (!json_parser_load_from_file(jp, json, &ge)) {
		snprintf(err, (size_t)errlen, "%s: %s", json, ge->message);
		g_error_free(ge);
		g_object_unref(jp);
		return -1;
	}
	JsonNode *root = json_parser_get_root(jp);
	JsonObject *ro = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonArray *tracks = ro && json_object_has_member(ro, "tracks") ? json_object_get_array_member(ro, "tracks") : NULL;
	if (!tracks) {
		snprintf(err, (size_t)errlen, "%s: no \"tracks\" in the report", json);
		goto out;
	}
	for (guint k = 0; k < json_array_get_length(tracks); k++) {
		JsonObject *t = json_array_get_object_element(tracks, k);
		gboolean ok;
		int i = (int)member_num(t, "number", &ok) - 1;
		if (!ok || !w->album || i < 0 || i >= w->album->n || !w->cells[i][0])
			continue;
		JsonObject *r = json_object_has_member(t, "report") ? json_object_get_object_member(t, "report") : NULL;
		set_num(w->cells[i][AW_LUFS], r, "integrated_lufs", "%.1f");
		set_num(w->cells[i][AW_TP], r, "true_peak_dbtp", "%.2f");
		set_num(w->cells[i][AW_LRA], r, "loudness_range_lu", "%.1f");
		set_num(w->cells[i][AW_PLR], r, "plr_db", "%.1f");
		/* codec preview: the worst codec that clips after encoding, with the headroom it needs */
		JsonArray *cp = json_object_has_member(t, "codec_preview") ? json_object_get_array_member(t, "codec_preview") : NULL;
		int n = cp ? (int)json_array_get_length(cp) : 0, flagged = 0;
		double need = 0;
		const char *worst = NULL;
		GString *names = g_string_new("");
		for (int c = 0; c < n; c++) {
			JsonObject *co = json_array_get_object_element(cp, (guint)c);
			const char *name = json_object_get_string_member_with_default(co, "codec", "?");
			g_string_append_printf(names, "%s%s %.2f dBTP", c ? ", " : "", name,
			                       json_object_get_double_member_with_default(co, "true_peak_dbtp", 0));
			if (json_object_get_boolean_member_with_default(co, "clips", FALSE)) {
				flagged++;
				double h = json_object_get_double_member_with_default(co, "headroom_needed_db", 0);
				if (!worst || h > need)
					need = h, worst = name;
			}
		}
		char text[64];
		GtkWidget *l = w->cells[i][AW_CODEC];
		if (!n)
			snprintf(text, sizeof text, "—");
		else if (flagged)
			snprintf(text, sizeof text, "CLIPS (%s): lower %.2f dB", worst, need);
		else
			snprintf(text, sizeof text, "ok (%d codec%s)", n, n == 1 ? "" : "s");
		gtk_label_set_text(GTK_LABEL(l), text);
		set_class(l, !n ? NULL : flagged ? "album-warn" : "album-ok");
		gtk_widget_set_tooltip_text(l, names->str);
		g_string_free(names, TRUE);
	}
	JsonObject *ao = json_object_has_member(ro, "album") ? json_object_get_object_member(ro, "album") : NULL;
	JsonObject *ar = ao && json_object_has_member(ao, "report") ? json_object_get_object_member(ao, "report") : NULL;
	gboolean ok1, ok2, ok3;
	double il = member_num(ar, "integrated_lufs", &ok1), tp = member_num(ar, "true_peak_dbtp", &ok2),
	       sp = member_num(ao, "spread_lu", &ok3);
	char *s = g_strdup_printf("QC (%s): album %.1f LUFS, true peak %.2f dBTP, spread between tracks %.1f LU", json, il, tp, sp);
	gtk_label_set_text(GTK_LABEL(w->qc_summary), ok1 && ok2 && ok3 ? s : "");
	g_free(s);
	rc = 0;
out:
	g_object_unref(jp);
	return rc;
}

static void render_finished(albumwin *w);

typedef struct {
	albumwin *w;
	GDataInputStream *in;
	gboolean is_stderr;
} line_reader;

static void read_next(line_reader *r);

static void on_line(GObject *src, GAsyncResult *res, gpointer ud)
{
	line_reader *r = ud;
	char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, NULL, NULL);
	albumwin *w = r->w;
	if (line) {
		char *valid = g_utf8_make_valid(line, -1);
		g_strchomp(valid);
		if (w->window && *valid) {
			log_line(w, valid);
			/* the one-line error is the last "lathe: ..." that is not a progress line */
			if (r->is_stderr && g_str_has_prefix(valid, "lathe: ") && !g_str_has_prefix(valid, "lathe: [")) {
				g_free(w->proc_error);
				w->proc_error = g_strdup(valid);
			}
		}
		g_free(valid);
		g_free(line);
		read_next(r);
		return;
	}
	g_object_unref(r->in);
	g_free(r);
	render_finished(w);
}

static void read_next(line_reader *r) { g_data_input_stream_read_line_async(r->in, G_PRIORITY_DEFAULT, NULL, on_line, r); }

static void read_lines(albumwin *w, GInputStream *s, gboolean is_stderr)
{
	line_reader *r = g_new0(line_reader, 1);
	r->w = w;
	r->in = g_data_input_stream_new(s);
	r->is_stderr = is_stderr;
	read_next(r);
}

static void on_child_exit(GObject *src, GAsyncResult *res, gpointer ud)
{
	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
	render_finished(ud);
}

static void on_confirm(GtkDialog *d, int response, gpointer ud)
{
	albumwin *w = ud;
	gtk_window_destroy(GTK_WINDOW(d));
	w->confirm = NULL;
	if (response == GTK_RESPONSE_ACCEPT && w->window && w->outdir) {
		char *dir = g_strdup(w->outdir);
		albumwin_render(w, dir, TRUE);
		g_free(dir);
	}
}

static void ask_replace(albumwin *w)
{
	GtkWidget *d = gtk_message_dialog_new(GTK_WINDOW(w->window), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
	                                      GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "Replace the delivery in %s?", w->outdir);
	gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", w->proc_error);
	gtk_dialog_add_buttons(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL, "_Replace", GTK_RESPONSE_ACCEPT, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
	g_signal_connect(d, "response", G_CALLBACK(on_confirm), w);
	w->confirm = d;
	gtk_window_present(GTK_WINDOW(d));
}

/* Called three times per render: stdout's end, stderr's end, the exit. */
static void render_finished(albumwin *w)
{
	if (--w->proc_pending > 0)
		return;
	GSubprocess *p = w->proc;
	w->proc = NULL;
	int ok = g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0;
	g_object_unref(p);
	if (w->window) {
		w->render_ok = ok;
		char err[1024] = "";
		if (ok) {
			char *json = g_build_filename(w->outdir, "qc.json", NULL);
			if (show_qc(w, json, err, sizeof err))
				w->render_ok = 0;
			g_free(json);
		} else if (!w->proc_replace && w->proc_error && strstr(w->proc_error, "(use -y to replace it)")) {
			ask_replace(w); /* an earlier delivery is there: -y only when the user says so */
		} else {
			g_strlcpy(err, w->proc_error ? w->proc_error : "lathe album stopped", sizeof err);
		}
		gtk_label_set_text(GTK_LABEL(w->error), err);
		if (w->render_ok)
			say(w, "rendered and checked: the QC figures are in the table", "album-ok");
		w->renders++;
		update_buttons(w);
	}
	aw_unref(w);
}

void albumwin_render(albumwin *w, const char *outdir, gboolean replace)
{
	if (!w->album || w->proc)
		return;
	g_free(w->outdir);
	w->outdir = g_strdup(outdir);
	char *json = g_build_filename(outdir, "qc.json", NULL);
	const char *argv[] = { w->lathe_exe, "album", w->album->path, outdir, "--json", json, replace ? "-y" : NULL, NULL };
	GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_setenv(l, "LATHE_PROGRESS", "1", TRUE); /* the per-track lines, through a pipe */
	GError *ge = NULL;
	GSubprocess *p = g_subprocess_launcher_spawnv(l, argv, &ge);
	g_object_unref(l);
	g_clear_pointer(&w->proc_error, g_free);
	gtk_label_set_text(GTK_LABEL(w->error), "");
	w->render_ok = 0;
	if (!p) {
		g_free(json);
		gtk_label_set_text(GTK_LABEL(w->error), ge->message);
		g_error_free(ge);
		w->renders++;
		return;
	}
	GtkTextBuffer *buf = gtk_text_view_get_buffer(GTK_TEXT_VIEW(w->log));
	gtk_text_buffer_set_text(buf, "", 0);
	char *cmd = g_strjoinv(" ", (char **)argv + 1);
	char *line = g_strdup_printf("$ lathe %s", cmd);
	log_line(w, line);
	g_free(cmd);
	g_free(line);
	g_free(json);
	w->proc = p;
	w->proc_pending = 3;
	w->proc_replace = replace;
	aw_ref(w);
	read_lines(w, g_subprocess_get_stdout_pipe(p), FALSE);
	read_lines(w, g_subprocess_get_stderr_pipe(p), TRUE);
	g_subprocess_wait_async(p, NULL, on_child_exit, w);
	say(w, "rendering the album…", NULL);
	update_buttons(w);
}

static void on_outdir_response(GtkNativeDialog *d, int response, gpointer ud)
{
	albumwin *w = ud;
	char *path = chosen_path(d, response, w);
	if (path)
		albumwin_render(w, path, FALSE);
	g_free(path);
}

static void on_render(GtkButton *b, gpointer ud)
{
	albumwin *w = ud;
	if (w->proc) {
		/* lathe album removes what it made on SIGTERM */
		g_subprocess_send_signal(w->proc, SIGTERM);
		return;
	}
	if (!w->album)
		return;
	GtkFileChooserNative *d = gtk_file_chooser_native_new("Deliver the album into", GTK_WINDOW(w->window),
	                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Render", "_Cancel");
	char *dir = g_path_get_dirname(w->album->path);
	GFile *f = g_file_new_for_path(dir);
	gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(d), f, NULL);
	g_object_unref(f);
	g_free(dir);
	g_signal_connect(d, "response", G_CALLBACK(on_outdir_response), aw_ref(w));
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

/* ---- the window ---- */

static void on_row_selected(GtkListBox *l, GtkListBoxRow *r, gpointer ud) { update_buttons(ud); }

/* A few times a second: the transport follows the player (a track ends by itself). */
static gboolean on_tick(GtkWidget *win, GdkFrameClock *fc, gpointer ud)
{
	albumwin *w = ud;
	gint64 now = gdk_frame_clock_get_frame_time(fc);
	if (now - w->status_us < G_USEC_PER_SEC / 4)
		return G_SOURCE_CONTINUE;
	w->status_us = now;
	player *p = w->app->jack ? lathe_jack_input_player(w->app->jack) : NULL;
	if (p && w->playing >= 0 && !w->loading) {
		if (player_playing(p)) {
			char t[96];
			double pos = player_position(p), len = player_length(p);
			snprintf(t, sizeof t, "playing track %d through the chain: %d:%04.1f / %d:%04.1f", w->playing + 1, (int)pos / 60,
			         pos - 60 * (int)(pos / 60), (int)len / 60, len - 60 * (int)(len / 60));
			say(w, t, "album-ok");
		} else {
			w->playing = -1;
			say(w, "the track ended", NULL);
		}
	}
	update_buttons(w);
	return G_SOURCE_CONTINUE;
}

static void on_destroy(GtkWidget *win, gpointer ud)
{
	albumwin *w = ud;
	w->window = NULL;
	if (w->proc)
		g_subprocess_send_signal(w->proc, SIGTERM);
}

static GtkWidget *button(const char *label, const char *tip, GCallback cb, albumwin *w)
{
	GtkWidget *b = gtk_button_new_with_mnemonic(label);
	gtk_widget_set_tooltip_text(b, tip);
	g_signal_connect(b, "clicked", cb, w);
	return b;
}

static albumwin *albumwin_new(console *c)
{
	static gboolean css_done;
	if (!css_done) {
		GtkCssProvider *prov = gtk_css_provider_new();
		gtk_css_provider_load_from_data(prov, css, -1);
		gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(prov),
		                                           GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
		g_object_unref(prov);
		css_done = TRUE;
	}
	albumwin *w = g_rc_box_new0(albumwin);
	w->console = c;
	w->app = c->app;
	w->lathe_exe = "/proc/self/exe";
	w->playing = -1;
	for (int k = 0; k < AW_COLS; k++)
		w->cols[k] = gtk_size_group_new(GTK_SIZE_GROUP_HORIZONTAL);

	w->window = gtk_window_new();
	gtk_window_set_application(GTK_WINDOW(w->window), c->gapp);
	gtk_window_set_transient_for(GTK_WINDOW(w->window), GTK_WINDOW(c->window));
	gtk_window_set_destroy_with_parent(GTK_WINDOW(w->window), TRUE);
	gtk_window_set_hide_on_close(GTK_WINDOW(w->window), TRUE);
	gtk_window_set_title(GTK_WINDOW(w->window), "lathe — Album");
	gtk_window_set_default_size(GTK_WINDOW(w->window), 1200, 640); /* inside a 1366x768 screen with its panel */
	gtk_widget_add_css_class(w->window, "lathe");
	g_signal_connect_data(w->window, "destroy", G_CALLBACK(on_destroy), aw_ref(w), aw_unref_closure, 0);

	GtkWidget *hb = gtk_header_bar_new();
	w->open_btn = button("_Open album…", "Open a *.lathe-album file", G_CALLBACK(on_open), w);
	gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), w->open_btn);
	w->render_btn = button("Render and check…", "Run lathe album into a folder you choose, then show its QC report",
	                       G_CALLBACK(on_render), w);
	gtk_widget_add_css_class(w->render_btn, "suggested-action");
	gtk_header_bar_pack_end(GTK_HEADER_BAR(hb), w->render_btn);
	gtk_window_set_titlebar(GTK_WINDOW(w->window), hb);

	GtkWidget *body = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_add_css_class(body, "album");
	w->title = gtk_label_new("");
	w->details = gtk_label_new("");
	w->qc_summary = gtk_label_new("");
	GtkWidget *info[] = { w->title, w->details, w->qc_summary };
	const char *cls[] = { "album-title", "album-details", "album-details" };
	for (int i = 0; i < 3; i++) {
		gtk_label_set_xalign(GTK_LABEL(info[i]), 0);
		gtk_label_set_ellipsize(GTK_LABEL(info[i]), PANGO_ELLIPSIZE_MIDDLE);
		gtk_widget_add_css_class(info[i], cls[i]);
		gtk_box_append(GTK_BOX(body), info[i]);
	}

	GtkWidget *head = row_box();
	gtk_widget_set_margin_start(head, 6);
	for (int k = 0; k < AW_COLS; k++)
		gtk_box_append(GTK_BOX(head), cell(w, k, columns[k].head, "album-head"));
	gtk_box_append(GTK_BOX(body), head);
	w->list = gtk_list_box_new();
	gtk_widget_add_css_class(w->list, "album-list");
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(w->list), GTK_SELECTION_SINGLE);
	g_signal_connect(w->list, "row-selected", G_CALLBACK(on_row_selected), w);
	GtkWidget *sc = gtk_scrolled_window_new();
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(sc), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(sc), w->list);
	gtk_widget_set_vexpand(sc, TRUE);
	gtk_widget_set_size_request(sc, -1, 160);
	gtk_box_append(GTK_BOX(body), sc);

	GtkWidget *actions = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	w->load_btn = button("_Load", "Put the selected track's chain into the console (the monitor stays as it is)",
	                     G_CALLBACK(on_load), w);
	w->play_btn = button("_Play", "Play the selected track's mix file through the chain (JACK)", G_CALLBACK(on_play), w);
	w->stop_btn = button("_Stop", "Stop playing", G_CALLBACK(on_stop), w);
	w->save_btn = button("Save to _album", "Save the console's chain as the selected track's session in the album file",
	                     G_CALLBACK(on_save), w);
	GtkWidget *btns[] = { w->load_btn, w->play_btn, w->stop_btn, w->save_btn };
	for (unsigned i = 0; i < G_N_ELEMENTS(btns); i++)
		gtk_box_append(GTK_BOX(actions), btns[i]);
	w->status = gtk_label_new("");
	gtk_label_set_xalign(GTK_LABEL(w->status), 0);
	gtk_label_set_ellipsize(GTK_LABEL(w->status), PANGO_ELLIPSIZE_END);
	gtk_widget_set_hexpand(w->status, TRUE);
	gtk_widget_set_margin_start(w->status, 10);
	gtk_box_append(GTK_BOX(actions), w->status);
	gtk_box_append(GTK_BOX(body), actions);

	GtkWidget *rh = gtk_label_new("RENDER AND CHECK  ·  lathe album ALBUM OUTDIR --json OUTDIR/qc.json");
	gtk_widget_add_css_class(rh, "album-head");
	gtk_label_set_xalign(GTK_LABEL(rh), 0);
	gtk_widget_set_margin_top(rh, 6);
	gtk_box_append(GTK_BOX(body), rh);
	w->error = gtk_label_new("");
	gtk_widget_add_css_class(w->error, "album-bad");
	gtk_label_set_xalign(GTK_LABEL(w->error), 0);
	gtk_label_set_ellipsize(GTK_LABEL(w->error), PANGO_ELLIPSIZE_END);
	gtk_label_set_selectable(GTK_LABEL(w->error), TRUE);
	gtk_box_append(GTK_BOX(body), w->error);
	w->log = gtk_text_view_new();
	gtk_text_view_set_editable(GTK_TEXT_VIEW(w->log), FALSE);
	gtk_text_view_set_cursor_visible(GTK_TEXT_VIEW(w->log), FALSE);
	gtk_text_view_set_monospace(GTK_TEXT_VIEW(w->log), TRUE);
	gtk_widget_add_css_class(w->log, "album-log");
	GtkWidget *lsc = gtk_scrolled_window_new();
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(lsc), w->log);
	gtk_widget_set_size_request(lsc, -1, 130);
	gtk_box_append(GTK_BOX(body), lsc);
	gtk_window_set_child(GTK_WINDOW(w->window), body);
	gtk_widget_add_tick_callback(w->window, on_tick, w, NULL);
	show_album(w);
	return w;
}

albumwin *albumwin_show(console *c)
{
	albumwin *w = g_object_get_data(G_OBJECT(c->window), "albumwin");
	if (!w || !w->window) {
		w = albumwin_new(c);
		g_object_set_data_full(G_OBJECT(c->window), "albumwin", w, (GDestroyNotify)aw_unref);
	}
	gtk_window_present(GTK_WINDOW(w->window));
	return w;
}

static void act_album(GSimpleAction *a, GVariant *v, gpointer ud) { albumwin_show(ud); }

void albumwin_install(console *c)
{
	const GActionEntry entries[] = { { .name = "album", .activate = act_album } };
	g_action_map_add_action_entries(G_ACTION_MAP(c->window), entries, G_N_ELEMENTS(entries), c);
	const char *accels[] = { "<Control><Shift>a", NULL };
	gtk_application_set_accels_for_action(c->gapp, "win.album", accels);
	/* no header button of its own: at 1280 px the header has no room left
	 * (test_console_fit); the sessions menu (recent sessions) carries it */
}
