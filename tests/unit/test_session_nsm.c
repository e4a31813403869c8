/* NSM client against a small NSM server written here with liblo (Debian has
 * no nsmd): announce and its capabilities, open (create and load), save,
 * dirty/clean, optional GUI, an open that fails. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sessions/sessions.h"
#include "tests/support/check_main.h"
#include "tests/support/nsm_server.h"

static nsm_server *ns;
static char *tmpdir;

static int shows, hides;
static void show(void *ctx) { shows++; }
static void hide(void *ctx) { hides++; }

START_TEST(nsm_exchange)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-nsm-XXXXXX", NULL);
	ns = nsm_server_new();
	ck_assert_ptr_nonnull(ns);
	char err[1024];

	/* 1. announce */
	nsm_client *n = nsm_client_new(ns->url, "lathe", "lathe", err, sizeof err);
	ck_assert_msg(n != NULL, "%s", err);
	int k = nsm_server_wait(ns, "/nsm/server/announce", NULL, 0, 2000);
	ck_assert_int_ge(k, 0);
	ck_assert_str_eq(ns->got[k].types, "sssiii");
	ck_assert_str_eq(ns->got[k].s[0], "lathe");
	ck_assert_str_eq(ns->got[k].s[1], ":switch:dirty:optional-gui:");
	ck_assert_str_eq(ns->got[k].s[2], "lathe");
	ck_assert_int_eq(ns->got[k].i[3], 1); /* API 1.x */
	ck_assert_int_eq(ns->got[k].i[5], getpid());
	lo_address client = lo_address_new_from_url(ns->got[k].src_url);
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/reply", "ssss", "/nsm/server/announce", "welcome", "test-nsmd",
	             ":server-control:");

	/* 2. open a new session: the client id comes before any sessions object (main needs it for JACK) */
	char *prefix = g_build_filename(tmpdir, "song", "lathe.nABCD", NULL);
	char *songdir = g_build_filename(tmpdir, "song", NULL);
	g_mkdir(songdir, 0755);
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix, "lathe", "lathe.nABCD");
	ck_assert_int_eq(nsm_client_wait_open(n, 2000), 0);
	ck_assert(nsm_client_announced(n));
	ck_assert_str_eq(nsm_client_server_name(n), "test-nsmd");
	ck_assert_str_eq(nsm_client_id(n), "lathe.nABCD");
	ck_assert_str_eq(nsm_client_path(n), prefix);
	ck_assert_int_eq(nsm_server_find(ns, "/reply", "/nsm/client/open", 0), -1); /* not answered until the session is in place */

	lathe_params *p = params_new();
	param_set(p, P_INPUT_GAIN, 5, NULL); /* a new NSM session starts from the factory state */
	lathe_app app = { .params = p };
	char *state = g_build_filename(tmpdir, "state", NULL);
	sessions_opts o = { .autosave = 1, .state_dir = state, .nsm = n };
	sessions *s = sessions_new(&app, &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	nsm_client_set_gui_hooks(n, show, hide, NULL);
	int from = ns->n_got;
	k = nsm_server_wait(ns, "/reply", "/nsm/client/open", 0, 2000);
	ck_assert_int_ge(k, 0);
	char *file = g_strconcat(prefix, ".lathe", NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 0);
	ck_assert_int_ge(nsm_server_wait(ns, "/nsm/client/is_clean", NULL, 0, 1000), 0);
	sessions_state st;
	sessions_get_state(s, &st);
	ck_assert(st.nsm);
	ck_assert_str_eq(st.path, file);

	/* 3. a change makes it dirty */
	from = ns->n_got;
	param_set(p, P_LIM_CEILING, -2.75f, NULL);
	k = nsm_server_wait(ns, "/nsm/client/is_dirty", NULL, from, 1000);
	ck_assert_int_ge(k, 0);

	/* 4. save writes the file and makes it clean */
	from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/save", "");
	ck_assert_int_ge(nsm_server_wait(ns, "/reply", "/nsm/client/save", from, 2000), 0);
	ck_assert_int_ge(nsm_server_wait(ns, "/nsm/client/is_clean", NULL, from, 1000), 0);
	lathe_params *q = params_new();
	ck_assert_msg(session_load_file(q, file, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_float_eq(param_get(q, P_LIM_CEILING), -2.75f);

	/* 5. optional GUI */
	from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/show_optional_gui", "");
	ck_assert_int_ge(nsm_server_wait(ns, "/nsm/client/gui_is_shown", NULL, from, 1000), 0);
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/hide_optional_gui", "");
	ck_assert_int_ge(nsm_server_wait(ns, "/nsm/client/gui_is_hidden", NULL, from, 1000), 0);
	ck_assert_int_eq(shows, 1);
	ck_assert_int_eq(hides, 1);

	/* 6. switch: open another existing session, it is loaded */
	char *prefix2 = g_build_filename(tmpdir, "other", NULL);
	char *file2 = g_strconcat(prefix2, ".lathe", NULL);
	param_set(q, P_OUTPUT_GAIN, -4.5f, NULL);
	ck_assert_int_eq(session_save_file(q, file2, NULL, err, sizeof err), 0);
	from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix2, "lathe", "lathe.nABCD");
	ck_assert_int_ge(nsm_server_wait(ns, "/reply", "/nsm/client/open", from, 2000), 0);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -4.5f);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -2.75f);

	/* 7. an open of a broken file is refused with /error, the state stays */
	char *prefix3 = g_build_filename(tmpdir, "broken", NULL);
	char *file3 = g_strconcat(prefix3, ".lathe", NULL);
	ck_assert(g_file_set_contents(file3, "[session]\nformat=9\n[current]\n", -1, NULL));
	from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix3, "lathe", "lathe.nABCD");
	k = nsm_server_wait(ns, "/error", "/nsm/client/open", from, 2000);
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(ns->got[k].i[1], NSM_ERR_BAD_PROJECT);
	ck_assert_msg(strstr(ns->got[k].s[2], ":2: session format 9 is newer") != NULL, "%s", ns->got[k].s[2]);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), -4.5f);

	sessions_free(s);
	nsm_client_free(n);
	lo_address_free(client);
	nsm_server_free(ns);
	rm_tree(tmpdir);
	params_free(p);
	params_free(q);
	g_free(prefix); g_free(songdir); g_free(state); g_free(file);
	g_free(prefix2); g_free(file2); g_free(prefix3); g_free(file3); g_free(tmpdir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_nsm");
	TCase *tc = suite_add_case(s, "nsm", 60, NULL, NULL);
	tcase_add_test(tc, nsm_exchange);
	return run_suite(s);
}
