/* `lathe render IN OUT --session F` equals `lathe render IN OUT --set ...` with
 * the same values, sample for sample (32-bit float output compared bit for bit). */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessions/session_file.h"
#include "tests/support/check_main.h"

static char *tmpdir, *in_wav;

static const char *lathe_bin(void)
{
	const char *b = getenv("LATHE_BIN");
	return b && *b ? b : "./lathe";
}

/* 3 s of stereo test signal: a 55 Hz sine on the left, decorrelated noise and a 3 kHz burst. */
static void make_input(const char *path)
{
	SF_INFO fi = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &fi);
	ck_assert_ptr_nonnull(f);
	int n = 3 * 48000;
	float *buf = g_new(float, 2 * n);
	GRand *r = g_rand_new_with_seed(9);
	for (int i = 0; i < n; i++) {
		double t = i / 48000.0;
		double burst = (i / 12000) % 2 ? 0.4 * sin(2 * M_PI * 3000 * t) : 0;
		buf[2 * i] = (float)(0.5 * sin(2 * M_PI * 55 * t) + 0.1 * g_rand_double_range(r, -1, 1) + burst);
		buf[2 * i + 1] = (float)(0.3 * sin(2 * M_PI * 110 * t) + 0.1 * g_rand_double_range(r, -1, 1) + burst);
	}
	ck_assert_int_eq(sf_writef_float(f, buf, n), n);
	sf_close(f);
	g_free(buf);
	g_rand_free(r);
}

static void setup(void)
{
	params_init();
	tmpdir = g_dir_make_tmp("lathe-sessrender-XXXXXX", NULL);
	in_wav = g_build_filename(tmpdir, "in.wav", NULL);
	make_input(in_wav);
}

static void teardown(void)
{
	rm_tree(tmpdir);
	g_free(tmpdir);
	g_free(in_wav);
}

static int run(GPtrArray *args)
{
	g_ptr_array_add(args, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execv(lathe_bin(), (char *const *)args->pdata);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static float *read_wav(const char *path, sf_count_t *frames)
{
	SF_INFO fi = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &fi);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(fi.channels, 2);
	float *b = g_new(float, 2 * fi.frames);
	ck_assert_int_eq(sf_readf_float(f, b, fi.frames), fi.frames);
	sf_close(f);
	*frames = fi.frames;
	return b;
}

/* Render with --set of `sets`, and with a session saved from the same sets; compare. */
static void compare(char **sets, int n, const char *tag)
{
	lathe_params *p = params_new();
	char err[1024];
	for (int i = 0; i < n; i++)
		ck_assert_msg(param_set_assignment(p, sets[i], err, sizeof err) >= 0, "%s", err);
	char *sess = g_strdup_printf("%s/%s.lathe", tmpdir, tag);
	ck_assert_int_eq(session_save_file(p, sess, NULL, err, sizeof err), 0);
	char *out_set = g_strdup_printf("%s/%s-set.wav", tmpdir, tag);
	char *out_sess = g_strdup_printf("%s/%s-session.wav", tmpdir, tag);
	char *out_plain = g_strdup_printf("%s/%s-plain.wav", tmpdir, tag);

	GPtrArray *a = g_ptr_array_new();
	g_ptr_array_add(a, (char *)lathe_bin());
	g_ptr_array_add(a, "render");
	g_ptr_array_add(a, in_wav);
	g_ptr_array_add(a, out_set);
	g_ptr_array_add(a, "--bits");
	g_ptr_array_add(a, "32f");
	for (int i = 0; i < n; i++) {
		g_ptr_array_add(a, "--set");
		g_ptr_array_add(a, sets[i]);
	}
	ck_assert_int_eq(run(a), 0);
	g_ptr_array_free(a, TRUE);

	const char *b[] = { lathe_bin(), "render", in_wav, out_sess, "--bits", "32f", "--session", sess };
	a = g_ptr_array_new();
	for (size_t i = 0; i < G_N_ELEMENTS(b); i++)
		g_ptr_array_add(a, (char *)b[i]);
	ck_assert_int_eq(run(a), 0);
	g_ptr_array_free(a, TRUE);

	const char *c[] = { lathe_bin(), "render", in_wav, out_plain, "--bits", "32f" };
	a = g_ptr_array_new();
	for (size_t i = 0; i < G_N_ELEMENTS(c); i++)
		g_ptr_array_add(a, (char *)c[i]);
	ck_assert_int_eq(run(a), 0);
	g_ptr_array_free(a, TRUE);

	sf_count_t n1, n2, n3;
	float *x = read_wav(out_set, &n1), *y = read_wav(out_sess, &n2), *z = read_wav(out_plain, &n3);
	ck_assert_int_eq(n1, 3 * 48000);
	ck_assert_int_eq(n1, n2);
	long differ = 0, differ_plain = 0;
	double max_plain = 0;
	for (sf_count_t i = 0; i < 2 * n1; i++) {
		differ += memcmp(&x[i], &y[i], sizeof(float)) != 0;
		differ_plain += x[i] != z[i];
		max_plain = fmax(max_plain, fabs((double)x[i] - z[i]));
	}
	printf("render %s: %ld of %ld samples differ between --set and --session; %ld differ from a plain render "
	       "(max %.3g)\n", tag, differ, (long)(2 * n1), differ_plain, max_plain);
	ck_assert_int_eq(differ, 0);
	ck_assert_int_gt(differ_plain, n1); /* the settings did something */
	g_free(x); g_free(y); g_free(z);
	g_free(sess); g_free(out_set); g_free(out_sess); g_free(out_plain);
	params_free(p);
}

START_TEST(session_equals_set_typical)
{
	char *sets[] = { "/eq/3/gain=4.5", "/eq/3/freq=250", "/eq/3/q=1.3", "/eq/1/type=low_cut", "/eq/1/freq=35",
	                 "/eq/8/type=high_shelf", "/eq/8/gain=-2.25", "/mb/bypass=off", "/mb/bands=3",
	                 "/mb/1/threshold=-30", "/mb/1/ratio=3", "/imager/width=130", "/imager/mono_below=120",
	                 "/saturate/bypass=off", "/saturate/drive=6", "/limiter/gain=4", "/limiter/ceiling=-1.5",
	                 "/input/gain=1.7" };
	compare(sets, G_N_ELEMENTS(sets), "typical");
}
END_TEST

START_TEST(session_equals_set_every_parameter_random)
{
	GRand *r = g_rand_new_with_seed(2026);
	GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < P_COUNT; i++) {
		const param_info *pi = param_info_get(i);
		double v;
		if (pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE || pi->step > 0)
			v = g_rand_int_range(r, (gint32)pi->min, (gint32)pi->max + 1);
		else if (pi->curve == CURVE_LOG)
			v = pi->min * pow(pi->max / pi->min, g_rand_double(r));
		else
			v = g_rand_double_range(r, pi->min, pi->max);
		/* the chain must run (not /bypass) and stay deterministic (no dither noise) */
		if (i == P_BYPASS || i == P_LIM_BYPASS)
			v = 0;
		if (i == P_DITHER_BYPASS || i == P_MON_CAL_SIGNAL)
			v = i == P_DITHER_BYPASS;
		g_ptr_array_add(sets, g_strdup_printf("%s=%.9g", pi->path, (double)(float)v));
	}
	compare((char **)sets->pdata, (int)sets->len, "random");
	g_ptr_array_free(sets, TRUE);
	g_rand_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_render");
	TCase *tc = suite_add_case(s, "render", 60, setup, teardown);
	tcase_add_test(tc, session_equals_set_typical);
	tcase_add_test(tc, session_equals_set_every_parameter_random);
	return run_suite(s);
}
