/* The sessions object on a lathe_app: actions, autosave timing and restore,
 * snapshot fades through the GLib main loop, undo, dirty state. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utime.h>

#include "sessions/sessions.h"
#include "sessions/autosave.h"
#include "tests/support/check_main.h"

static char *tmpdir, *state_dir, *sess_dir;

static void setup(void)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-sessapp-XXXXXX", NULL);
	state_dir = g_build_filename(tmpdir, "state", NULL);
	sess_dir = g_build_filename(tmpdir, "sessions", NULL);
}

static void teardown(void)
{
	rm_tree(tmpdir);
	g_free(tmpdir);
	g_free(state_dir);
	g_free(sess_dir);
}

static uint32_t bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

/* Run the default main context for ms milliseconds. */
static void run_for(int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(2000);
	}
}

static sessions *start(lathe_app *app, lathe_params *p, const char *session_file)
{
	memset(app, 0, sizeof *app);
	app->params = p;
	sessions_opts o = { .session_file = session_file, .session_dir = sess_dir, .autosave = 1, .state_dir = state_dir };
	char err[1024];
	sessions *s = sessions_new(app, &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

START_TEST(autosave_clock_bound)
{
	/* A change every 100 ms for 10 s, polls every 250 ms: the oldest unsaved
	 * change is never older than 2 s when a save happens, and a single change
	 * is saved within 2 polls. */
	autosave_clock c;
	autosave_clock_init(&c, 0);
	uint32_t counter = 0;
	int64_t oldest_unsaved = -1, worst = 0, t_change = 0;
	int saves = 0;
	for (int64_t t = 0; t <= 10000000; t += 50000) {
		if (t % 100000 == 0) {
			counter++;
			if (oldest_unsaved < 0)
				oldest_unsaved = t;
		}
		if (t % AUTOSAVE_POLL_US == 0 && autosave_poll(&c, counter, t)) {
			if (t - oldest_unsaved > worst)
				worst = t - oldest_unsaved;
			autosave_done(&c, counter);
			oldest_unsaved = -1;
			saves++;
		}
	}
	printf("autosave under continuous changes: %d saves in 10 s, oldest unsaved change %.2f s\n", saves, worst / 1e6);
	ck_assert_int_le(worst, 2000000);
	ck_assert_int_ge(saves, 5);
	/* one change just after a poll: saved at the second poll after it (quiet), 0.5 s at most */
	autosave_clock_init(&c, 100);
	t_change = 20000000 + 1000;
	int64_t saved_at = -1;
	for (int64_t t = 20000000; t < 23000000 && saved_at < 0; t += AUTOSAVE_POLL_US)
		if (autosave_poll(&c, t >= t_change ? 101 : 100, t))
			saved_at = t;
	ck_assert_int_le(saved_at - t_change, 2 * AUTOSAVE_POLL_US);
	ck_assert_int_gt(saved_at, t_change);
}
END_TEST

START_TEST(autosave_within_two_seconds_and_restored)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	const char *auto_path = sessions_autosave_path(s);
	ck_assert(!g_file_test(auto_path, G_FILE_TEST_EXISTS));
	ck_assert_str_eq(sessions_restored_note(s), ""); /* nothing restored: the status bar says nothing */
	/* keep moving one control for 3 s: an autosave must appear within 2 s of the first move */
	gint64 t0 = g_get_monotonic_time(), first_seen = -1;
	for (int k = 0; k < 150; k++) {
		param_set(p, P_INPUT_GAIN, -10 + k * 0.1f, NULL);
		run_for(20);
		if (first_seen < 0 && g_file_test(auto_path, G_FILE_TEST_EXISTS))
			first_seen = g_get_monotonic_time();
	}
	/* the 2 s bound is autosave_clock_bound's, on simulated time; on the wall clock of a
	 * loaded machine it is printed, and waited for up to ten times */
	while (first_seen < 0 && g_get_monotonic_time() - t0 < 20000000) {
		run_for(20);
		if (g_file_test(auto_path, G_FILE_TEST_EXISTS))
			first_seen = g_get_monotonic_time();
	}
	ck_assert(first_seen > 0);
	printf("autosave: first file %.3f s after the first of continuous changes\n", (first_seen - t0) / 1e6);
	/* one last change, then quiet: saved within 2 s (measured) */
	param_set(p, P_EQ_FREQ + 4, 1234.5f, NULL);
	gint64 t1 = g_get_monotonic_time(), t_saved = -1;
	while (g_get_monotonic_time() - t1 < 20000000 && t_saved < 0) {
		run_for(10);
		lathe_params *q = params_new();
		char err[512];
		if (session_load_file(q, auto_path, NULL, err, sizeof err) == 0 &&
		    bits(param_get(q, P_EQ_FREQ + 4)) == bits(1234.5f))
			t_saved = g_get_monotonic_time();
		params_free(q);
	}
	ck_assert(t_saved > 0);
	printf("autosave: a single change on disk after %.3f s\n", (t_saved - t1) / 1e6);
	/* a snapshot store is saved too */
	char err[512];
	ck_assert_int_eq(app.actions.snapshot_store(&app, "C", err, sizeof err), 0);
	run_for(700);
	lathe_params *state_before = params_new();
	params_copy(state_before, p);
	/* simulate a crash: no sessions_free, start over from a fresh store */
	lathe_app app2;
	lathe_params *p2 = params_new();
	sessions *s2 = start(&app2, p2, NULL);
	ck_assert(!memcmp(p2->bits, state_before->bits, sizeof p2->bits));
	/* the console's status bar says where the state came from, and how old it is */
	ck_assert_msg(g_str_has_prefix(sessions_restored_note(s2), "Restored the autosave autosave.lathe from 20"), "%s",
	              sessions_restored_note(s2));
	sessions_state st;
	sessions_get_state(s2, &st);
	ck_assert(st.stored[2] && !st.stored[0]);
	ck_assert_str_eq(st.name, "untitled");
	sessions_free(s2);
	sessions_free(s);
	params_free(p);
	params_free(p2);
	params_free(state_before);
}
END_TEST

/* Dirty means "differs from the file": undo (or redo) back to the values last
 * saved reads clean although the store's counter moved on; a snapshot store
 * is a change the values do not show, and stays dirty. */
START_TEST(undo_to_saved_state_is_clean)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	char err[1024];
	sessions_state st;
	param_set(p, P_LIM_CEILING, -2.5f, NULL);
	run_for(100);
	ck_assert_int_eq(app.actions.session_save(&app, "song", err, sizeof err), 0);
	run_for(700); /* the save is not merged into the next step */
	param_set(p, P_LIM_CEILING, -4, NULL);
	run_for(700);
	sessions_get_state(s, &st);
	ck_assert(st.dirty);
	ck_assert_int_eq(app.actions.undo(&app), 0);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -2.5f);
	sessions_get_state(s, &st);
	ck_assert_msg(!st.dirty, "undo back to the saved values still reads unsaved");
	ck_assert_int_eq(app.actions.redo(&app), 0);
	sessions_get_state(s, &st);
	ck_assert(st.dirty);
	/* two changes, two undos: clean only at the saved state */
	run_for(700);
	param_set(p, P_INPUT_GAIN, 2, NULL);
	run_for(700);
	ck_assert_int_eq(app.actions.undo(&app), 0);
	sessions_get_state(s, &st);
	ck_assert(st.dirty); /* ceiling still -4 */
	ck_assert_int_eq(app.actions.undo(&app), 0);
	sessions_get_state(s, &st);
	ck_assert(!st.dirty);
	/* a snapshot store is not undone: dirty stays */
	ck_assert_int_eq(app.actions.snapshot_store(&app, "A", err, sizeof err), 0);
	sessions_get_state(s, &st);
	ck_assert(st.dirty);
	sessions_free(s);
	params_free(p);
}
END_TEST

START_TEST(named_sessions_dirty_recent_and_refusals)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	char err[1024];
	sessions_state st;
	/* names only */
	const char *bad[] = { "../evil", "a/b", ".x", "", NULL };
	for (int i = 0; bad[i]; i++) {
		ck_assert_int_eq(app.actions.session_save(&app, bad[i], err, sizeof err), -1);
		ck_assert_int_eq(app.actions.session_load(&app, bad[i], err, sizeof err), -1);
	}
	ck_assert_int_eq(app.actions.session_save(&app, NULL, err, sizeof err), -1); /* untitled: needs a name */
	param_set(p, P_LIM_CEILING, -2.5f, NULL);
	run_for(100);
	sessions_get_state(s, &st);
	ck_assert(st.dirty);
	ck_assert_int_eq(app.actions.session_save(&app, "mix one", err, sizeof err), 0);
	char *file = g_build_filename(sess_dir, "mix one.lathe", NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	sessions_get_state(s, &st);
	ck_assert(!st.dirty);
	ck_assert_str_eq(st.name, "mix one");
	ck_assert_str_eq(st.path, file);
	char **recent = sessions_recent(s);
	ck_assert_str_eq(recent[0], file);
	g_strfreev(recent);
	/* change, then load it back: values return, clean again */
	param_set(p, P_LIM_CEILING, -6, NULL);
	param_set(p, P_INPUT_GAIN, 3, NULL);
	run_for(100);
	ck_assert_int_eq(app.actions.session_load(&app, "mix one", err, sizeof err), 0);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -2.5f);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 0);
	sessions_get_state(s, &st);
	ck_assert(!st.dirty);
	/* the load is one undo step: undo brings back what was there before it */
	run_for(700);
	ck_assert_int_eq(app.actions.undo(&app), 0);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -6);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 3);
	/* a broken session by name: FILE:LINE, nothing changes */
	char *broken = g_build_filename(sess_dir, "broken.lathe", NULL);
	ck_assert(g_file_set_contents(broken, "[session]\nformat=1\n[current]\n/limiter/ceiling=loud\n", -1, NULL));
	uint32_t gen = params_generation(p);
	ck_assert_int_eq(app.actions.session_load(&app, "broken", err, sizeof err), -1);
	char want[1024];
	snprintf(want, sizeof want, "%s:4: bad value for /limiter/ceiling", broken);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	ck_assert_uint_eq(params_generation(p), gen);
	/* save without a name goes to the current file */
	param_set(p, P_OUTPUT_GAIN, -1.25f, NULL);
	ck_assert_int_eq(app.actions.session_save(&app, NULL, err, sizeof err), 0);
	lathe_params *q = params_new();
	ck_assert_int_eq(session_load_file(q, file, NULL, err, sizeof err), 0);
	ck_assert_float_eq(param_get(q, P_OUTPUT_GAIN), -1.25f);
	/* a later start with --session comes back with the same state */
	sessions_free(s);
	lathe_params *p3 = params_new();
	lathe_app app3;
	sessions *s3 = start(&app3, p3, file);
	ck_assert(!memcmp(p3->bits, q->bits, sizeof q->bits));
	sessions_get_state(s3, &st);
	ck_assert(!st.dirty);
	sessions_free(s3);
	/* and --session with a broken file fails sessions_new with FILE:LINE */
	sessions_opts o = { .session_file = broken, .session_dir = sess_dir, .autosave = 1, .state_dir = state_dir };
	ck_assert_ptr_null(sessions_new(&app3, &o, err, sizeof err));
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	params_free(q);
	params_free(p);
	params_free(p3);
	g_free(file);
	g_free(broken);
}
END_TEST

static lathe_params *watched;
static float trace_freq[1000], trace_gain[1000];
static int trace_n;
static gboolean sample(gpointer ud)
{
	if (trace_n < 1000) {
		trace_freq[trace_n] = param_get(watched, P_EQ_FREQ + 1);
		trace_gain[trace_n] = param_get(watched, P_EQ_GAIN + 1);
		trace_n++;
	}
	return G_SOURCE_CONTINUE;
}

START_TEST(snapshot_recall_fades_through_the_main_loop)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	char err[512];
	ck_assert_int_eq(app.actions.snapshot_recall(&app, "A", err, sizeof err), -1); /* empty */
	ck_assert_int_eq(app.actions.snapshot_store(&app, "E", err, sizeof err), -1);
	param_set(p, P_EQ_FREQ + 1, 60, NULL);
	param_set(p, P_EQ_GAIN + 1, -4, NULL);
	param_set(p, P_EQ_TYPE + 1, EQ_LOW_SHELF, NULL);
	ck_assert_int_eq(app.actions.snapshot_store(&app, "A", err, sizeof err), 0);
	param_set(p, P_EQ_FREQ + 1, 6000, NULL);
	param_set(p, P_EQ_GAIN + 1, 8, NULL);
	param_set(p, P_EQ_TYPE + 1, EQ_HIGH_SHELF, NULL);
	ck_assert_int_eq(app.actions.snapshot_store(&app, "b", err, sizeof err), 0);
	param_set(p, P_SNAPSHOT_FADE, 300, NULL);
	run_for(700); /* the moves above are one undo step, closed */
	watched = p;
	trace_n = 0;
	guint id = g_timeout_add(3, sample, NULL);
	gint64 t0 = g_get_monotonic_time();
	ck_assert_int_eq(app.actions.snapshot_recall(&app, "A", err, sizeof err), 0);
	sessions_state st;
	do {
		run_for(5);
		sessions_get_state(s, &st);
	} while (st.fading && g_get_monotonic_time() - t0 < 30000000);
	gint64 took = g_get_monotonic_time() - t0;
	g_source_remove(id);
	printf("snapshot recall 300 ms: ended after %.3f s, %d samples of the store\n", took / 1e6, trace_n);
	ck_assert_int_ge(took, 290000);
	ck_assert_int_le(took, 10000000); /* a survival deadline: 300 ms idle */
	int distinct = 0;
	for (int i = 1; i < trace_n; i++) {
		ck_assert(trace_freq[i] <= trace_freq[i - 1] && trace_gain[i] <= trace_gain[i - 1]);
		distinct += trace_freq[i] != trace_freq[i - 1];
	}
	ck_assert_int_ge(distinct, 3); /* it glided, it did not jump (30 steps of 10 ms idle; a starved main loop takes fewer) */
	ck_assert_float_eq(param_get(p, P_EQ_FREQ + 1), 60);
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE + 1), EQ_LOW_SHELF);
	ck_assert_int_eq(st.active_snapshot, 0);
	/* the whole recall is one undo step */
	run_for(700);
	ck_assert_int_eq(app.actions.undo(&app), 0);
	ck_assert_float_eq(param_get(p, P_EQ_FREQ + 1), 6000);
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE + 1), EQ_HIGH_SHELF);
	ck_assert_int_eq(app.actions.redo(&app), 0);
	ck_assert_float_eq(param_get(p, P_EQ_FREQ + 1), 60);
	/* snapshots go into the session file and come back */
	ck_assert_int_eq(app.actions.session_save(&app, "snaps", err, sizeof err), 0);
	sessions_free(s);
	lathe_params *p2 = params_new();
	lathe_app app2;
	char *file = g_build_filename(sess_dir, "snaps.lathe", NULL);
	sessions *s2 = start(&app2, p2, file);
	sessions_get_state(s2, &st);
	ck_assert(st.stored[0] && st.stored[1] && !st.stored[2]);
	param_set(p2, P_SNAPSHOT_FADE, 0, NULL);
	ck_assert_int_eq(app2.actions.snapshot_recall(&app2, "B", err, sizeof err), 0);
	ck_assert_float_eq(param_get(p2, P_EQ_FREQ + 1), 6000); /* fade 0: at once */
	sessions_free(s2);
	g_free(file);
	params_free(p);
	params_free(p2);
}
END_TEST

START_TEST(presets_load_as_one_step)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	const char *src = getenv("LATHE_SRC");
	char *path = g_build_filename(src && *src ? src : ".", "sessions", "presets", "vinyl_premaster.lathe", NULL);
	char err[512];
	ck_assert_msg(sessions_load_preset(s, path, err, sizeof err) == 0, "%s", err);
	ck_assert_float_eq(param_get(p, P_IMG_MONO_BELOW), 150);
	run_for(700);
	ck_assert_int_eq(app.actions.undo(&app), 0);
	ck_assert_float_eq(param_get(p, P_IMG_MONO_BELOW), 0);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -1);
	sessions_free(s);
	params_free(p);
	g_free(path);
}
END_TEST

/* The OSC server calls the actions from its own thread while the main
 * context runs the watcher and fade timers. */
static gpointer osc_like_thread(gpointer ud)
{
	lathe_app *app = ud;
	char err[512];
	for (int k = 0; k < 150; k++) {
		param_set(app->params, P_INPUT_GAIN, (float)(k % 20) - 10, NULL);
		app->actions.snapshot_store(app, (k & 1) ? "A" : "B", err, sizeof err);
		app->actions.snapshot_recall(app, (k & 1) ? "B" : "A", err, sizeof err);
		if (k % 7 == 0)
			app->actions.undo(app);
		if (k % 11 == 0)
			app->actions.redo(app);
		if (k % 50 == 0)
			app->actions.session_save(app, "threaded", err, sizeof err);
		g_usleep(2000);
	}
	return NULL;
}

START_TEST(actions_from_another_thread)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	param_set(p, P_SNAPSHOT_FADE, 20, NULL);
	GThread *t = g_thread_new("osc", osc_like_thread, &app);
	gint64 t0 = g_get_monotonic_time();
	while (g_get_monotonic_time() - t0 < 5000000) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
		if (g_get_monotonic_time() - t0 > 1500000)
			break;
	}
	g_thread_join(t);
	run_for(200);
	/* still coherent: a final store/recall with no fade lands exactly */
	char err[512];
	param_set(p, P_SNAPSHOT_FADE, 0, NULL);
	param_set(p, P_OUTPUT_GAIN, -3.5f, NULL);
	ck_assert_int_eq(app.actions.snapshot_store(&app, "D", err, sizeof err), 0);
	param_set(p, P_OUTPUT_GAIN, 2, NULL);
	ck_assert_int_eq(app.actions.snapshot_recall(&app, "D", err, sizeof err), 0);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -3.5f);
	char *file = g_build_filename(sess_dir, "threaded.lathe", NULL);
	lathe_params *q = params_new();
	ck_assert_msg(session_load_file(q, file, NULL, err, sizeof err) == 0, "%s", err);
	sessions_free(s);
	params_free(q);
	params_free(p);
	g_free(file);
}
END_TEST


/* The status a remote console reads (app->actions.status, OSC /session/state):
 * name, dirty, the lit and stored snapshots, undo steps and the folder's
 * sessions newest first, published by the 50 ms tick. */
START_TEST(status_for_remote_consoles)
{
	lathe_app app;
	lathe_params *p = params_new();
	sessions *s = start(&app, p, NULL);
	char err[1024];
	ck_assert_ptr_nonnull(app.actions.status);
	ck_assert_int_eq(app.actions.session_save(&app, "older", err, sizeof err), 0);
	ck_assert_int_eq(app.actions.session_save(&app, "newer", err, sizeof err), 0);
	/* mtimes a second apart whatever the file system's resolution */
	char *older = g_build_filename(sess_dir, "older.lathe", NULL), *newer = g_build_filename(sess_dir, "newer.lathe", NULL);
	struct utimbuf t1 = { 1000000000, 1000000000 }, t2 = { 1000000001, 1000000001 };
	ck_assert_int_eq(utime(older, &t1), 0);
	ck_assert_int_eq(utime(newer, &t2), 0);
	char *notes = g_build_filename(sess_dir, "notes.txt", NULL);
	ck_assert_int_eq(g_file_set_contents(notes, "x", 1, NULL), TRUE);
	g_free(notes);
	ck_assert_int_eq(app.actions.snapshot_store(&app, "B", err, sizeof err), 0);
	sessions_tick(s, g_get_monotonic_time() + 10 * G_USEC_PER_SEC); /* past the 2 s folder rescan */
	lathe_session_status st;
	ck_assert_int_eq(app.actions.status(&app, &st), 0);
	ck_assert_str_eq(st.name, "newer");
	ck_assert_int_eq(st.n_names, 2);
	ck_assert_str_eq(st.names[0], "newer");
	ck_assert_str_eq(st.names[1], "older");
	ck_assert_uint_eq(st.stored, 1u << 1);
	ck_assert_int_eq(st.active_snapshot, 1);
	param_set(p, P_INPUT_GAIN, 2, NULL);
	run_for(200);
	ck_assert_int_eq(app.actions.status(&app, &st), 0);
	ck_assert_int_eq(st.active_snapshot, -1);
	ck_assert_int_eq(st.dirty, 1);
	ck_assert_int_ge(st.undo_steps, 1);
	g_free(older);
	g_free(newer);
	sessions_free(s);
	params_free(p);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("session_app");
	TCase *tc = suite_add_case(su, "app", 60, setup, teardown);
	tcase_add_test(tc, autosave_clock_bound);
	tcase_add_test(tc, autosave_within_two_seconds_and_restored);
	tcase_add_test(tc, named_sessions_dirty_recent_and_refusals);
	tcase_add_test(tc, undo_to_saved_state_is_clean);
	tcase_add_test(tc, snapshot_recall_fades_through_the_main_loop);
	tcase_add_test(tc, presets_load_as_one_step);
	tcase_add_test(tc, actions_from_another_thread);
	tcase_add_test(tc, status_for_remote_consoles);
	return run_suite(su);
}
