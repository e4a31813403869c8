/* `lathe headless` under NSM: a small NSM server written here with liblo
 * (Debian has no nsmd) starts it with NSM_URL; it must announce with the
 * right capabilities, wait for open, create and save <prefix>.lathe, report
 * dirty and clean, and quit at once on SIGTERM. */
#include <check.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"
#include "tests/support/check_main.h"
#include "tests/support/nsm_server.h"

START_TEST(lathe_under_nsm)
{
	params_init();
	const char *bin = getenv("LATHE_BIN") && *getenv("LATHE_BIN") ? getenv("LATHE_BIN") : "./lathe";
	char *tmp = g_dir_make_tmp("lathe-nsmi-XXXXXX", NULL);
	nsm_server *ns = nsm_server_new();
	ck_assert_ptr_nonnull(ns);
	char *state = g_build_filename(tmp, "state", NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("NSM_URL", ns->url, 1);
		setenv("XDG_STATE_HOME", state, 1);
		char server[64];
		snprintf(server, sizeof server, "lathe-none-%d", (int)getppid());
		setenv("JACK_DEFAULT_SERVER", server, 1);
		setenv("JACK_NO_START_SERVER", "1", 1);
		execl(bin, bin, "headless", "--no-osc", "--set", "/eq/4/gain=2", (char *)NULL);
		_exit(127);
	}
	int k = nsm_server_wait(ns, "/nsm/server/announce", NULL, 0, 10000);
	ck_assert_msg(k >= 0, "no announce");
	ck_assert_str_eq(ns->got[k].types, "sssiii");
	ck_assert_str_eq(ns->got[k].s[0], "lathe");
	ck_assert_str_eq(ns->got[k].s[1], ":switch:dirty:optional-gui:");
	ck_assert_int_eq(ns->got[k].i[3], 1);
	ck_assert_int_eq(ns->got[k].i[5], pid);
	lo_address client = lo_address_new_from_url(ns->got[k].src_url);
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/reply", "ssss", "/nsm/server/announce", "hi", "test-nsmd", ":");
	char *prefix = g_build_filename(tmp, "lathe.nXYZW", NULL);
	int from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix, "lathe", "lathe.nXYZW");
	ck_assert_msg(nsm_server_wait(ns, "/reply", "/nsm/client/open", from, 10000) >= 0, "no reply to open");
	char *file = g_strconcat(prefix, ".lathe", NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	/* --set after the open is a change: dirty */
	ck_assert_msg(nsm_server_wait(ns, "/nsm/client/is_dirty", NULL, from, 3000) >= 0, "no is_dirty");
	from = ns->n_got;
	lo_send_from(client, ns->lo, LO_TT_IMMEDIATE, "/nsm/client/save", "");
	ck_assert_msg(nsm_server_wait(ns, "/reply", "/nsm/client/save", from, 5000) >= 0, "no reply to save");
	ck_assert_msg(nsm_server_wait(ns, "/nsm/client/is_clean", NULL, from, 3000) >= 0, "no is_clean");
	lathe_params *p = params_new();
	char err[1024];
	ck_assert_msg(session_load_file(p, file, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_float_eq(param_get(p, P_EQ_GAIN + 3), 2);
	/* SIGTERM: gone at once */
	gint64 t0 = g_get_monotonic_time();
	kill(pid, SIGTERM);
	int st = 0, done = 0;
	while (g_get_monotonic_time() - t0 < 3000000 && !(done = waitpid(pid, &st, WNOHANG) == pid))
		g_usleep(5000);
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	printf("nsm: lathe exited %.3f s after SIGTERM\n", (g_get_monotonic_time() - t0) / 1e6);
	ck_assert(done && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_le(g_get_monotonic_time() - t0, 1000000);
	params_free(p);
	lo_address_free(client);
	nsm_server_free(ns);
	rm_tree(tmp);
	g_free(tmp); g_free(state); g_free(prefix); g_free(file);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nsm");
	TCase *tc = suite_add_case(s, "nsm", 60, NULL, NULL);
	tcase_add_test(tc, lathe_under_nsm);
	return run_suite(s);
}
