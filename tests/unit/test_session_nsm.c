/* NSM client against a small NSM server written here with liblo (Debian has
 * no nsmd): announce and its capabilities, open (create and load), save,
 * dirty/clean, optional GUI, an open that fails. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <lo/lo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sessions/sessions.h"

/* liblo hands out arguments that are not aligned for the lo_arg union
 * (UBSan flags a member access): read them through char pointers. */
static const char *lo_str(lo_arg *a) { return (const char *)a; }
static int lo_int(lo_arg *a)
{
	int32_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

typedef struct {
	char path[64];
	char types[16];
	char s[6][512];
	int i[6];
	char *src_url;
} msg;

static msg got[256];
static int n_got;

static int on_any(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	if (n_got >= 256)
		return 0;
	msg *g = &got[n_got++];
	memset(g, 0, sizeof *g);
	snprintf(g->path, sizeof g->path, "%s", path);
	snprintf(g->types, sizeof g->types, "%s", types);
	for (int k = 0; k < argc && k < 6; k++) {
		if (types[k] == 's')
			snprintf(g->s[k], sizeof g->s[k], "%s", lo_str(argv[k]));
		else if (types[k] == 'i')
			g->i[k] = lo_int(argv[k]);
	}
	g->src_url = lo_address_get_url(lo_message_get_source(m));
	return 0;
}

static lo_server srv;
static char *tmpdir;

/* Run our server and the client's main context for ms. */
static void pump(int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		lo_server_recv_noblock(srv, 2);
	}
}

/* Index of the first message with this path (and first string arg) at or after from, or -1. */
static int find(const char *path, const char *arg0, int from)
{
	for (int k = from; k < n_got; k++)
		if (!strcmp(got[k].path, path) && (!arg0 || !strcmp(got[k].s[0], arg0)))
			return k;
	return -1;
}

static int wait_for(const char *path, const char *arg0, int from, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		int k = find(path, arg0, from);
		if (k >= 0)
			return k;
		pump(20);
	}
	return find(path, arg0, from);
}

static int shows, hides;
static void show(void *ctx) { shows++; }
static void hide(void *ctx) { hides++; }

START_TEST(nsm_exchange)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-nsm-XXXXXX", NULL);
	srv = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	ck_assert_ptr_nonnull(srv);
	lo_server_add_method(srv, NULL, NULL, on_any, NULL);
	char *url = lo_server_get_url(srv);
	char err[1024];

	/* 1. announce */
	nsm_client *n = nsm_client_new(url, "lathe", "lathe", err, sizeof err);
	ck_assert_msg(n != NULL, "%s", err);
	int k = wait_for("/nsm/server/announce", NULL, 0, 2000);
	ck_assert_int_ge(k, 0);
	ck_assert_str_eq(got[k].types, "sssiii");
	ck_assert_str_eq(got[k].s[0], "lathe");
	ck_assert_str_eq(got[k].s[1], ":switch:dirty:optional-gui:");
	ck_assert_str_eq(got[k].s[2], "lathe");
	ck_assert_int_eq(got[k].i[3], 1); /* API 1.x */
	ck_assert_int_eq(got[k].i[5], getpid());
	lo_address client = lo_address_new_from_url(got[k].src_url);
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/reply", "ssss", "/nsm/server/announce", "welcome", "test-nsmd",
	             ":server-control:");

	/* 2. open a new session: the client id comes before any sessions object (main needs it for JACK) */
	char *prefix = g_build_filename(tmpdir, "song", "lathe.nABCD", NULL);
	char *songdir = g_build_filename(tmpdir, "song", NULL);
	g_mkdir(songdir, 0755);
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix, "lathe", "lathe.nABCD");
	ck_assert_int_eq(nsm_client_wait_open(n, 2000), 0);
	ck_assert(nsm_client_announced(n));
	ck_assert_str_eq(nsm_client_server_name(n), "test-nsmd");
	ck_assert_str_eq(nsm_client_id(n), "lathe.nABCD");
	ck_assert_str_eq(nsm_client_path(n), prefix);
	ck_assert_int_eq(find("/reply", "/nsm/client/open", 0), -1); /* not answered until the session is in place */

	lathe_params *p = params_new();
	param_set(p, P_INPUT_GAIN, 5, NULL); /* a new NSM session starts from the factory state */
	lathe_app app = { .params = p };
	char *state = g_build_filename(tmpdir, "state", NULL);
	sessions_opts o = { .autosave = 1, .state_dir = state, .nsm = n };
	sessions *s = sessions_new(&app, &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	nsm_client_set_gui_hooks(n, show, hide, NULL);
	int from = n_got;
	k = wait_for("/reply", "/nsm/client/open", 0, 2000);
	ck_assert_int_ge(k, 0);
	char *file = g_strconcat(prefix, ".lathe", NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 0);
	ck_assert_int_ge(wait_for("/nsm/client/is_clean", NULL, 0, 1000), 0);
	sessions_state st;
	sessions_get_state(s, &st);
	ck_assert(st.nsm);
	ck_assert_str_eq(st.path, file);

	/* 3. a change makes it dirty */
	from = n_got;
	param_set(p, P_LIM_CEILING, -2.75f, NULL);
	k = wait_for("/nsm/client/is_dirty", NULL, from, 1000);
	ck_assert_int_ge(k, 0);

	/* 4. save writes the file and makes it clean */
	from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/save", "");
	ck_assert_int_ge(wait_for("/reply", "/nsm/client/save", from, 2000), 0);
	ck_assert_int_ge(wait_for("/nsm/client/is_clean", NULL, from, 1000), 0);
	lathe_params *q = params_new();
	ck_assert_msg(session_load_file(q, file, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_float_eq(param_get(q, P_LIM_CEILING), -2.75f);

	/* 5. optional GUI */
	from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/show_optional_gui", "");
	ck_assert_int_ge(wait_for("/nsm/client/gui_is_shown", NULL, from, 1000), 0);
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/hide_optional_gui", "");
	ck_assert_int_ge(wait_for("/nsm/client/gui_is_hidden", NULL, from, 1000), 0);
	ck_assert_int_eq(shows, 1);
	ck_assert_int_eq(hides, 1);

	/* 6. switch: open another existing session, it is loaded */
	char *prefix2 = g_build_filename(tmpdir, "other", NULL);
	char *file2 = g_strconcat(prefix2, ".lathe", NULL);
	param_set(q, P_OUTPUT_GAIN, -4.5f, NULL);
	ck_assert_int_eq(session_save_file(q, file2, NULL, err, sizeof err), 0);
	from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix2, "lathe", "lathe.nABCD");
	ck_assert_int_ge(wait_for("/reply", "/nsm/client/open", from, 2000), 0);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -4.5f);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -2.75f);

	/* 7. an open of a broken file is refused with /error, the state stays */
	char *prefix3 = g_build_filename(tmpdir, "broken", NULL);
	char *file3 = g_strconcat(prefix3, ".lathe", NULL);
	ck_assert(g_file_set_contents(file3, "[session]\nformat=9\n[current]\n", -1, NULL));
	from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix3, "lathe", "lathe.nABCD");
	k = wait_for("/error", "/nsm/client/open", from, 2000);
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(got[k].i[1], NSM_ERR_BAD_PROJECT);
	ck_assert_msg(strstr(got[k].s[2], ":2: session format 9 is newer") != NULL, "%s", got[k].s[2]);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -4.5f);

	sessions_free(s);
	nsm_client_free(n);
	lo_address_free(client);
	lo_server_free(srv);
	for (int i = 0; i < n_got; i++)
		free(got[i].src_url);
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	g_free(cmd);
	params_free(p);
	params_free(q);
	free(url);
	g_free(prefix); g_free(songdir); g_free(state); g_free(file);
	g_free(prefix2); g_free(file2); g_free(prefix3); g_free(file3); g_free(tmpdir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_nsm");
	TCase *tc = tcase_create("nsm");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nsm_exchange);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
