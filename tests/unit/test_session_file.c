/* Session files: bit-exact round trip, every refusal with FILE:LINE, atomic saves. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"
#include "tests/support/check_main.h"

static char *tmpdir;

static void setup(void)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-sessfile-XXXXXX", NULL);
	ck_assert_ptr_nonnull(tmpdir);
}

static void rm_rf(const char *dir)
{
	rm_tree(dir);
}

static void teardown(void)
{
	rm_rf(tmpdir);
	g_free(tmpdir);
}

static uint32_t bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

/* A random in-range value on the parameter's own terms. */
static float random_value(int id, GRand *r)
{
	const param_info *pi = param_info_get(id);
	if (pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE || pi->step > 0)
		return (float)g_rand_int_range(r, (gint32)pi->min, (gint32)pi->max + 1);
	switch (g_rand_int_range(r, 0, 8)) {
	case 0: return pi->min;
	case 1: return pi->max;
	case 2: return nextafterf(pi->max, pi->min);
	default: break;
	}
	double u = g_rand_double(r);
	if (pi->curve == CURVE_LOG)
		return (float)(pi->min * pow(pi->max / pi->min, u));
	return (float)(pi->min + u * (pi->max - pi->min));
}

static void randomize(lathe_params *p, GRand *r)
{
	for (int i = 0; i < P_COUNT; i++) {
		float applied;
		ck_assert_int_eq(param_set(p, i, random_value(i, r), &applied), PARAM_OK);
	}
}

static char *write_text(const char *name, const char *text, gssize len)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	ck_assert(g_file_set_contents(path, text, len, NULL));
	return path;
}

START_TEST(round_trip_every_parameter_bit_exact)
{
	GRand *r = g_rand_new_with_seed(1234);
	char err[1024];
	for (int round = 0; round < 25; round++) {
		lathe_params *a = params_new(), *b = params_new();
		snapshot_bank *sa = g_new(snapshot_bank, 1), *sb = g_new(snapshot_bank, 1);
		snapshot_bank_init(sa);
		randomize(a, r);
		snapshot_store(sa, 1, a); /* B */
		randomize(a, r);
		snapshot_store(sa, 3, a); /* D */
		randomize(a, r);
		if (round == 0) /* the smallest positive float where 0 is allowed: a denormal must survive too */
			param_set(a, P_IMG_MONO_BELOW, 1.4e-45f, NULL);
		char *path = g_build_filename(tmpdir, "rt.lathe", NULL);
		session_meta m = { .name = "round trip", .comment = "a comment; with = and # in it" };
		ck_assert_int_eq(session_file_write(path, a, sa, &m, NULL, err, sizeof err), 0);
		session_meta mb;
		ck_assert_msg(session_file_read(path, b, sb, &mb, NULL, err, sizeof err) == 0, "%s", err);
		for (int i = 0; i < P_COUNT; i++) {
			ck_assert_msg(bits(param_get(a, i)) == bits(param_get(b, i)), "round %d %s: wrote %.9g read %.9g", round,
			              param_info_get(i)->path, param_get(a, i), param_get(b, i));
			ck_assert_uint_eq(bits(sa->value[1][i]), bits(sb->value[1][i]));
			ck_assert_uint_eq(bits(sa->value[3][i]), bits(sb->value[3][i]));
		}
		ck_assert(sb->stored[1] && sb->stored[3] && !sb->stored[0] && !sb->stored[2]);
		ck_assert_int_eq(sb->active, 3);
		ck_assert_str_eq(mb.comment, m.comment);
		ck_assert_str_eq(mb.name, "round trip");
		if (round == 0)
			ck_assert_uint_eq(bits(param_get(b, P_IMG_MONO_BELOW)), bits(1.4e-45f));
		g_free(path);
		g_free(sa);
		g_free(sb);
		params_free(a);
		params_free(b);
	}
	g_rand_free(r);
}
END_TEST

START_TEST(public_load_save_and_connections)
{
	lathe_params *a = params_new(), *b = params_new();
	param_set_text(a, P_EQ_TYPE + 2, "high_shelf", NULL);
	param_set(a, P_EQ_FREQ + 2, 4321.5f, NULL);
	param_set(a, P_MB_BYPASS, 0, NULL);
	const char *conns = "lathe:in_L\tplayer:out_1\nlathe:in_L\tother:out\nlathe:out_R\tsystem:playback_2\n";
	char *path = g_build_filename(tmpdir, "pub.lathe", NULL);
	char err[512];
	ck_assert_int_eq(session_save_file(a, path, conns, err, sizeof err), 0);
	gchar *text;
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	/* enums and toggles by name, floats %.9g, format first */
	ck_assert_ptr_nonnull(strstr(text, "\n/eq/3/type=high_shelf\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n/eq/3/freq=4321.5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n/mb/bypass=off\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n/eq/2/slope=12\n"));
	ck_assert_ptr_nonnull(strstr(text, "[session]\nformat=1\n"));
	g_free(text);
	char *back = NULL;
	ck_assert_msg(session_load_file(b, path, &back, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(back, conns);
	ck_assert_int_eq(param_get_int(b, P_EQ_TYPE + 2), EQ_HIGH_SHELF);
	ck_assert_float_eq(param_get(b, P_EQ_FREQ + 2), 4321.5f);
	free(back);
	g_free(path);
	params_free(a);
	params_free(b);
}
END_TEST

START_TEST(partial_groups_take_defaults_and_numbers_for_enums)
{
	const char *t = "[session]\nformat=1\n[current]\n/eq/1/type=2\n/eq/1/bypass=1\n  /input/gain = -3.5  \n"
	                "/eq/2/type = LOW_CUT\n";
	char *path = write_text("partial.lathe", t, -1);
	lathe_params *p = params_new();
	param_set(p, P_LIM_CEILING, -6, NULL); /* not in the file: must go back to its default */
	char err[512];
	ck_assert_msg(session_load_file(p, path, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE), EQ_HIGH_SHELF);
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE + 1), EQ_LOW_CUT);
	ck_assert(param_get_bool(p, P_EQ_BAND_BYPASS));
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), -3.5f);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), param_info_get(P_LIM_CEILING)->def);
	/* written on Windows: CRLF line ends load the same */
	char *crlf = write_text("crlf.lathe", "[session]\r\nformat=1\r\n[current]\r\n/eq/2/type=notch\r\n/input/gain=-2\r\n", -1);
	ck_assert_msg(session_load_file(p, crlf, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE + 1), EQ_NOTCH);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), -2);
	g_free(crlf);
	params_free(p);
	g_free(path);
}
END_TEST

/* Load `text`; it must be refused with "PATH:LINE: " and a reason containing `why`,
 * and the store must be exactly as before (bits and generation). */
static void expect_refusal(const char *text, gssize len, int line, const char *why)
{
	static int n;
	char name[32];
	snprintf(name, sizeof name, "bad%d.lathe", n++);
	char *path = write_text(name, text, len);
	lathe_params *p = params_new();
	param_set(p, P_INPUT_GAIN, 2.25f, NULL);
	lathe_params *before = params_new();
	params_copy(before, p);
	uint32_t gen = params_generation(p);
	char err[1024] = "";
	char *conns = (char *)"untouched";
	ck_assert_int_eq(session_load_file(p, path, &conns, err, sizeof err), -1);
	ck_assert_str_eq(conns, "untouched");
	char prefix[512];
	if (line > 0) {
		snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
		ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "expected '%s...', got '%s'", prefix, err);
	} else {
		snprintf(prefix, sizeof prefix, "%s:", path);
		ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "expected '%s...', got '%s'", prefix, err);
		int l = atoi(err + strlen(prefix));
		ck_assert_msg(l >= 1, "no line number in '%s'", err);
	}
	if (why)
		ck_assert_msg(strstr(err, why) != NULL, "expected '%s' in '%s'", why, err);
	ck_assert_uint_eq(params_generation(p), gen);
	ck_assert(!memcmp(p->bits, before->bits, sizeof p->bits));
	params_free(p);
	params_free(before);
	g_free(path);
}

START_TEST(refusals_name_file_and_line)
{
	const char *head = "# test\n[session]\nformat=1\n[current]\n/input/gain=1\n";
	char t[1024];
	snprintf(t, sizeof t, "%s/eq/3/freq=abc\n", head);
	expect_refusal(t, -1, 6, "'abc' is not a number");
	snprintf(t, sizeof t, "%s/eq/3/freq=nan\n", head);
	expect_refusal(t, -1, 6, "not a finite number");
	snprintf(t, sizeof t, "%s/eq/3/freq=inf\n", head);
	expect_refusal(t, -1, 6, "not a finite number");
	snprintf(t, sizeof t, "%s/eq/3/freq=22001\n", head);
	expect_refusal(t, -1, 6, "out of range (10 to 22000 Hz)");
	snprintf(t, sizeof t, "%s/eq/3/gain=-18.5\n", head);
	expect_refusal(t, -1, 6, "out of range");
	snprintf(t, sizeof t, "%s/eq/3/type=wobble\n", head);
	expect_refusal(t, -1, 6, "is not one of: bell, low_shelf");
	snprintf(t, sizeof t, "%s/eq/3/type=7\n", head);
	expect_refusal(t, -1, 6, "out of range");
	snprintf(t, sizeof t, "%s/mb/bands=2.5\n", head);
	expect_refusal(t, -1, 6, "not a whole number");
	snprintf(t, sizeof t, "%s/eq/3/bypass=maybe\n", head);
	expect_refusal(t, -1, 6, "not on or off");
	snprintf(t, sizeof t, "%s/eq/3/freq=\n", head);
	expect_refusal(t, -1, 6, "empty value");
	snprintf(t, sizeof t, "%s/eq/9/freq=100\n", head);
	expect_refusal(t, -1, 6, "unknown parameter path '/eq/9/freq'");
	snprintf(t, sizeof t, "%s\n\n/input/gain=2\n", head);
	expect_refusal(t, -1, 8, "appears twice in [current] (first on line 5)");
	snprintf(t, sizeof t, "%s[E]\n/input/gain=2\n", head);
	expect_refusal(t, -1, 6, "unknown group [E]");
	snprintf(t, sizeof t, "%sthis is not a key\n", head);
	expect_refusal(t, -1, 6, "not a key=value line");
	snprintf(t, sizeof t, "%s[broken\n", head);
	expect_refusal(t, -1, 6, "bad group header");
	/* a snapshot group is checked just the same */
	snprintf(t, sizeof t, "%s[B]\n/limiter/ceiling=3\n", head);
	expect_refusal(t, -1, 7, "out of range");
	/* key before any group */
	expect_refusal("/input/gain=1\n[session]\nformat=1\n", -1, 1, "before any [group]");
	/* newer and unknown formats */
	expect_refusal("[session]\nname=x\nformat=2\n[current]\n[Z]\n", -1, 3, "newer than this lathe reads");
	expect_refusal("[session]\nformat=one\n[current]\n", -1, 2, "not a number");
	expect_refusal("[session]\nname=x\n[current]\n", -1, 1, "no format=");
	expect_refusal("[current]\n/input/gain=1\n", -1, 1, "no [session] group");
	expect_refusal("[session]\nformat=1\nwho=me\n[current]\n", -1, 3, "unknown key 'who'");
	expect_refusal("[session]\nformat=1\n", -1, 2, "no [current] group");
	expect_refusal("", 0, 1, "empty file");
	/* NUL byte and non-UTF-8 on line 3 */
	expect_refusal("[session]\nformat=1\n[cur\0rent]\n", 27, 3, "NUL byte");
	expect_refusal("[session]\nformat=1\n/x=\xff\xfe\n", -1, 3, "not UTF-8");
}
END_TEST

START_TEST(random_bytes_refused_with_a_line)
{
	GRand *r = g_rand_new_with_seed(77);
	for (int k = 0; k < 50; k++) {
		int len = g_rand_int_range(r, 1, 4096);
		char *b = g_malloc(len);
		for (int i = 0; i < len; i++)
			b[i] = (char)g_rand_int_range(r, 0, 256);
		expect_refusal(b, len, 0, NULL);
		g_free(b);
	}
	g_rand_free(r);
}
END_TEST

START_TEST(truncated_files_refused_at_the_cut)
{
	lathe_params *a = params_new();
	GRand *r = g_rand_new_with_seed(5);
	randomize(a, r);
	snapshot_bank *sa = g_new(snapshot_bank, 1);
	snapshot_bank_init(sa);
	snapshot_store(sa, 0, a);
	size_t len;
	char *text = session_text_write(a, sa, NULL, "lathe:in_L\tx:y\n", &len);
	char err[1024];
	lathe_params *b = params_new();
	ck_assert_msg(session_text_read(text, len, "full", b, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
	int refused = 0;
	for (size_t cut = 1; cut < len; cut += 7) {
		params_reset(b);
		uint32_t gen = params_generation(b);
		int rc = session_text_read(text, cut, "cut", b, NULL, NULL, NULL, err, sizeof err);
		ck_assert_msg(rc == -1, "a file cut at byte %zu of %zu loaded", cut, len);
		int newlines = 0;
		for (size_t i = 0; i < cut; i++)
			newlines += text[i] == '\n';
		int line = atoi(err + 4);
		ck_assert_msg(strncmp(err, "cut:", 4) == 0 && line >= 1, "%s", err);
		if (text[cut - 1] != '\n') /* cut inside a line: that line is named */
			ck_assert_msg(line == newlines + 1 && strstr(err, "truncated"), "cut %zu: %s", cut, err);
		ck_assert_uint_eq(params_generation(b), gen);
		refused++;
	}
	ck_assert_int_eq(refused, (int)((len - 1 + 6) / 7)); /* every cut refused */
	ck_assert_uint_gt(len, 4000);
	g_free(text);
	g_free(sa);
	g_rand_free(r);
	params_free(a);
	params_free(b);
}
END_TEST

START_TEST(names_never_escape_the_folder)
{
	const char *bad[] = { "", "../x", "a/b", "/etc/passwd", ".hidden", "..", "a..b", "x\\y", "tab\there", NULL };
	char err[256];
	for (int i = 0; bad[i]; i++) {
		ck_assert_msg(session_name_check(bad[i], err, sizeof err) == -1, "'%s' accepted", bad[i]);
		ck_assert_ptr_null(session_name_path("/tmp/s", bad[i], err, sizeof err));
	}
	char *p = session_name_path("/tmp/s", "My master", err, sizeof err);
	ck_assert_str_eq(p, "/tmp/s/My master.lathe");
	g_free(p);
	p = session_name_path("/tmp/s", "take2.lathe", err, sizeof err);
	ck_assert_str_eq(p, "/tmp/s/take2.lathe");
	g_free(p);
}
END_TEST

static void assert_old_file_kept(const char *path, const char *dir)
{
	gchar *c = NULL;
	ck_assert(g_file_get_contents(path, &c, NULL, NULL));
	ck_assert_str_eq(c, "OLD\n");
	g_free(c);
	/* no temporary file left behind */
	GDir *d = g_dir_open(dir, 0, NULL);
	int n = 0;
	while (g_dir_read_name(d))
		n++;
	g_dir_close(d);
	ck_assert_int_eq(n, 1);
}

/* Tests run as root, so a read-only folder would not stop a write.  Three
 * failures root cannot override: a temporary name longer than NAME_MAX, a
 * file-size limit (EFBIG: what a full disk looks like to write()), and a
 * folder that is a file. */
START_TEST(failed_saves_keep_the_old_file)
{
	lathe_params *p = params_new();
	char err[2048];

	/* 1: the target's name is 250 bytes (legal) but target + ".XXXXXX" is not */
	char *dir1 = g_build_filename(tmpdir, "long", NULL);
	g_mkdir(dir1, 0755);
	char name[251];
	memset(name, 'n', 250);
	name[250] = 0;
	char *path1 = g_build_filename(dir1, name, NULL);
	FILE *f = fopen(path1, "w");
	ck_assert_ptr_nonnull(f);
	fputs("OLD\n", f);
	fclose(f);
	ck_assert_int_eq(session_save_file(p, path1, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "cannot save") && strstr(err, name), "%s", err);
	assert_old_file_kept(path1, dir1);

	/* 2: RLIMIT_FSIZE below the session's size, in a child process */
	char *dir2 = g_build_filename(tmpdir, "full", NULL);
	g_mkdir(dir2, 0755);
	char *path2 = g_build_filename(dir2, "s.lathe", NULL);
	ck_assert(g_file_set_contents(path2, "OLD\n", -1, NULL));
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 1024, 1024 };
		setrlimit(RLIMIT_FSIZE, &rl);
		char e[1024];
		int rc = session_save_file(p, path2, NULL, e, sizeof e);
		_exit(rc == -1 && strstr(e, "cannot save") ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_old_file_kept(path2, dir2);
	/* and without the limit the same save works */
	ck_assert_msg(session_save_file(p, path2, NULL, err, sizeof err) == 0, "%s", err);

	/* 3: the folder is a regular file */
	char *notdir = g_build_filename(tmpdir, "plainfile", NULL);
	ck_assert(g_file_set_contents(notdir, "x", -1, NULL));
	char *path3 = g_build_filename(notdir, "s.lathe", NULL);
	ck_assert_int_eq(session_save_file(p, path3, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, path3) != NULL, "%s", err);

	g_free(dir1); g_free(path1); g_free(dir2); g_free(path2); g_free(notdir); g_free(path3);
	params_free(p);
}
END_TEST

/* Reads path with session_file_read in a child process, so a read that
 * blocks or runs away cannot take the suite down with it; the child's
 * verdict comes back through a pipe.  Returns the error text ("" when the
 * file loaded), or NULL when the child had not finished after 10 s (a
 * refusal by type or size takes microseconds; 10 s is a hang, not a load). */
static char *read_in_child(const char *path)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		lathe_params *p = params_new();
		char err[1024] = "";
		if (session_file_read(path, p, NULL, NULL, NULL, err, sizeof err) == 0)
			err[0] = 0;
		ssize_t w = write(fds[1], err, strlen(err) + 1);
		_exit(w > 0 ? 0 : 1);
	}
	close(fds[1]);
	int status = 0, done = 0;
	for (int t = 0; t < 1000 && !done; t++) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		if (!done)
			g_usleep(10000);
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fds[0]);
		return NULL;
	}
	char buf[1024] = "";
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = 0;
	return g_strdup(buf);
}

static void expect_read_refused(const char *path, const char *why)
{
	char *err = read_in_child(path);
	ck_assert_msg(err != NULL, "reading %s did not return within 10 s", path);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, why), "%s: expected '%s' in '%s'", path, why, err);
	g_free(err);
}

START_TEST(non_regular_and_huge_files_refused_without_reading)
{
	/* a FIFO nobody writes to: open() would block forever */
	char *fifo = g_build_filename(tmpdir, "fifo.lathe", NULL);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	expect_read_refused(fifo, "a FIFO, not a regular file");
	/* the same behind a symbolic link */
	char *link = g_build_filename(tmpdir, "link.lathe", NULL);
	ck_assert_int_eq(symlink(fifo, link), 0);
	expect_read_refused(link, "a FIFO, not a regular file");
	/* endless devices and folders */
	expect_read_refused("/dev/zero", "a character device, not a regular file");
	expect_read_refused("/dev/urandom", "a character device, not a regular file");
	expect_read_refused(tmpdir, "a folder, not a regular file");
	/* a regular file past the limit (sparse: nothing to read) is refused by its size */
	char *big = g_build_filename(tmpdir, "big.lathe", NULL);
	FILE *f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), (off_t)8 << 30), 0); /* 8 GiB */
	fclose(f);
	expect_read_refused(big, "8589934592 bytes, too large to be a lathe session");
	char *missing = g_build_filename(tmpdir, "missing.lathe", NULL);
	expect_read_refused(missing, "cannot read: No such file or directory");
	/* and a good file still loads through the same path */
	char *good = write_text("good.lathe", "[session]\nformat=1\n[current]\n/input/gain=1\n", -1);
	char *err = read_in_child(good);
	ck_assert_msg(err && !*err, "good file: %s", err ? err : "hung");
	g_free(err);
	g_free(fifo); g_free(link); g_free(big); g_free(missing); g_free(good);
}
END_TEST

START_TEST(parser_trivia)
{
	char err[1024];
	lathe_params *p = params_new();
	/* a UTF-8 byte order mark, as Notepad writes it, is not part of the first line */
	char *bom = write_text("bom.lathe", "\xEF\xBB\xBF[session]\nformat=1\n[current]\n/input/gain=1.5\n", -1);
	ck_assert_msg(session_load_file(p, bom, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 1.5f);
	/* a BOM alone is an empty file; one in the middle is refused on its line */
	expect_refusal("\xEF\xBB\xBF", 3, 1, "empty file");
	expect_refusal("[session]\nformat=1\n\xEF\xBB\xBF[current]\n", -1, 3, "not a key=value line");
	/* a format too large for any integer is reported as written, not as LONG_MAX */
	expect_refusal("[session]\nformat=99999999999999999999\n[current]\n", -1, 2,
	               "session format 99999999999999999999 is newer than this lathe reads");
	expect_refusal("[session]\nformat=0x1\n[current]\n", -1, 2, "format '0x1' is not a number");
	expect_refusal("[session]\nformat=+1\n[current]\n", -1, 2, "format '+1' is not a number");
	expect_refusal("[session]\nformat=0\n[current]\n", -1, 2, "unknown session format 0");
	/* a line added by hand to a saved file (keys= now one short) is named as
	 * itself when it is wrong, not as the count mismatch it also causes */
	expect_refusal("[session]\nformat=1\nkeys=1\n[current]\n/eq/9/freq=100\n/input/gain=1\n", -1, 5,
	               "unknown parameter path '/eq/9/freq'");
	expect_refusal("[session]\nformat=1\nkeys=1\n[current]\n/eq/3/freq=0x40\n/input/gain=1\n", -1, 5,
	               "'0x40' is not a number");
	/* the count itself: digits only */
	expect_refusal("[session]\nformat=1\nkeys=+1\n[current]\n/input/gain=1\n", -1, 3, "keys '+1' is not a count");
	expect_refusal("[session]\nformat=1\nkeys=99999999999999999999\n[current]\n/input/gain=1\n", -1, 3, "not a count");
	expect_refusal("[session]\nformat=1\nkeys=3\n[current]\n/input/gain=1\n", -1, 5, "keys= on line 3 says 3");
	/* hex, words and C99 hex floats are not numbers */
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=0x4\n", -1, 4, "'0x4' is not a number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=0x1p2\n", -1, 4, "'0x1p2' is not a number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=1e\n", -1, 4, "'1e' is not a number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=1,5\n", -1, 4, "'1,5' is not a number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=-infinity\n", -1, 4, "not a finite number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=1e999\n", -1, 4, "not a finite number");
	expect_refusal("[session]\nformat=1\n[current]\n/input/gain=1e30\n", -1, 4, "1e30 is out of range (-24 to 24 dB)");
	g_free(bom);
	params_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_file");
	TCase *tc = suite_add_case(s, "file", 60, setup, teardown);
	tcase_add_test(tc, round_trip_every_parameter_bit_exact);
	tcase_add_test(tc, public_load_save_and_connections);
	tcase_add_test(tc, partial_groups_take_defaults_and_numbers_for_enums);
	tcase_add_test(tc, refusals_name_file_and_line);
	tcase_add_test(tc, random_bytes_refused_with_a_line);
	tcase_add_test(tc, truncated_files_refused_at_the_cut);
	tcase_add_test(tc, names_never_escape_the_folder);
	tcase_add_test(tc, failed_saves_keep_the_old_file);
	tcase_add_test(tc, non_regular_and_huge_files_refused_without_reading);
	tcase_add_test(tc, parser_trivia);
	return run_suite(s);
}
