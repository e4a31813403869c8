/* `lathe headless` under NSM: a small NSM server written here with liblo
 * (Debian has no nsmd) starts it with NSM_URL; it must announce with the
 * right capabilities, wait for open, create and save <prefix>.lathe, report
 * dirty and clean, and quit at once on SIGTERM. */
#include <check.h>
#include <glib.h>
#include <lo/lo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"

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
static lo_server srv;

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

static int wait_for(const char *path, const char *arg0, int from, int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	do {
		for (int k = from; k < n_got; k++)
			if (!strcmp(got[k].path, path) && (!arg0 || !strcmp(got[k].s[0], arg0)))
				return k;
		lo_server_recv_noblock(srv, 20);
	} while (g_get_monotonic_time() < end);
	return -1;
}

START_TEST(lathe_under_nsm)
{
	params_init();
	const char *bin = getenv("LATHE_BIN") && *getenv("LATHE_BIN") ? getenv("LATHE_BIN") : "./lathe";
	char *tmp = g_dir_make_tmp("lathe-nsmi-XXXXXX", NULL);
	srv = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	lo_server_add_method(srv, NULL, NULL, on_any, NULL);
	char *url = lo_server_get_url(srv);
	char *state = g_build_filename(tmp, "state", NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("NSM_URL", url, 1);
		setenv("XDG_STATE_HOME", state, 1);
		char server[64];
		snprintf(server, sizeof server, "lathe-none-%d", (int)getppid());
		setenv("JACK_DEFAULT_SERVER", server, 1);
		setenv("JACK_NO_START_SERVER", "1", 1);
		execl(bin, bin, "headless", "--no-osc", "--set", "/eq/4/gain=2", (char *)NULL);
		_exit(127);
	}
	int k = wait_for("/nsm/server/announce", NULL, 0, 10000);
	ck_assert_msg(k >= 0, "no announce");
	ck_assert_str_eq(got[k].types, "sssiii");
	ck_assert_str_eq(got[k].s[0], "lathe");
	ck_assert_str_eq(got[k].s[1], ":switch:dirty:optional-gui:");
	ck_assert_int_eq(got[k].i[3], 1);
	ck_assert_int_eq(got[k].i[5], pid);
	lo_address client = lo_address_new_from_url(got[k].src_url);
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/reply", "ssss", "/nsm/server/announce", "hi", "test-nsmd", ":");
	char *prefix = g_build_filename(tmp, "lathe.nXYZW", NULL);
	int from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/open", "sss", prefix, "lathe", "lathe.nXYZW");
	ck_assert_msg(wait_for("/reply", "/nsm/client/open", from, 10000) >= 0, "no reply to open");
	char *file = g_strconcat(prefix, ".lathe", NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	/* --set after the open is a change: dirty */
	ck_assert_msg(wait_for("/nsm/client/is_dirty", NULL, from, 3000) >= 0, "no is_dirty");
	from = n_got;
	lo_send_from(client, srv, LO_TT_IMMEDIATE, "/nsm/client/save", "");
	ck_assert_msg(wait_for("/reply", "/nsm/client/save", from, 5000) >= 0, "no reply to save");
	ck_assert_msg(wait_for("/nsm/client/is_clean", NULL, from, 3000) >= 0, "no is_clean");
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
	lo_server_free(srv);
	for (int i = 0; i < n_got; i++)
		free(got[i].src_url);
	char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	g_free(cmd);
	g_free(tmp); g_free(state); g_free(prefix); g_free(file);
	free(url);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nsm");
	TCase *tc = tcase_create("nsm");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lathe_under_nsm);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
