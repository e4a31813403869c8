/* `lathe render`: the real binary over real files. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/fixture.h"
#include "tests/support/check_main.h"

static char dir[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/lathe-render-%d", (int)getpid());
	mkdir(dir, 0755);
}

static void teardown(void)
{
	rm_tree(dir);
}

/* Deterministic noise, peaks below -6 dBFS, as a stereo file of the given subformat. */
static void write_noise(const char *path, int rate, int frames, int sub, float amp)
{
	SF_INFO info = { .samplerate = rate, .channels = 2, .format = SF_FORMAT_WAV | sub };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	float *x = malloc((size_t)frames * 2 * sizeof(float));
	unsigned s = 12345;
	for (int i = 0; i < 2 * frames; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = amp * ((float)(s >> 8) / 16777216.0f * 2 - 1);
	}
	if (sub != SF_FORMAT_FLOAT) {
		/* exact values of the word length, as a real file holds */
		double q = sub == SF_FORMAT_PCM_16 ? 32768.0 : 8388608.0;
		for (int i = 0; i < 2 * frames; i++)
			x[i] = (float)(nearbyint(x[i] * q) / q);
	}
	sf_command(sf, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
	if (sub == SF_FORMAT_FLOAT)
		sf_writef_float(sf, x, frames);
	else {
		int *iv = malloc((size_t)frames * 2 * sizeof(int));
		int shift = sub == SF_FORMAT_PCM_16 ? 16 : 8;
		double q = sub == SF_FORMAT_PCM_16 ? 32768.0 : 8388608.0;
		for (int i = 0; i < 2 * frames; i++)
			iv[i] = (int)nearbyint(x[i] * q) * (1 << shift);
		sf_writef_int(sf, iv, frames);
		free(iv);
	}
	sf_close(sf);
	free(x);
}

static float *read_all(const char *path, SF_INFO *info)
{
	memset(info, 0, sizeof *info);
	SNDFILE *sf = sf_open(path, SFM_READ, info);
	ck_assert_msg(sf != NULL, "cannot open %s", path);
	float *x = malloc((size_t)info->frames * info->channels * sizeof(float));
	sf_readf_float(sf, x, info->frames);
	sf_close(sf);
	return x;
}

static int lathe(const char *args, char **err_out)
{
	char cmd[1024], errf[200];
	snprintf(errf, sizeof errf, "%s/stderr.txt", dir);
	snprintf(cmd, sizeof cmd, "%s %s 2>%s", fx_lathe_bin(), args, errf);
	int rc = system(cmd);
	if (err_out) {
		snprintf(cmd, sizeof cmd, "cat %s", errf);
		*err_out = fx_run(cmd);
	}
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Writes noise (48 kHz) to DIR/in<tag>.wav, renders it to DIR/out<tag>.wav
 * with the extra options, reads both back (*x, *y) and checks the lengths match. */
static void render_noise(const char *tag, int frames, int sub, float amp, const char *opts, float **x, SF_INFO *a,
                         float **y, SF_INFO *b)
{
	char in[200], out[200], args[600];
	snprintf(in, sizeof in, "%s/in%s.wav", dir, tag);
	snprintf(out, sizeof out, "%s/out%s.wav", dir, tag);
	write_noise(in, 48000, frames, sub, amp);
	snprintf(args, sizeof args, "render %s %s%s", in, out, opts);
	ck_assert_int_eq(lathe(args, NULL), 0);
	*x = read_all(in, a);
	*y = read_all(out, b);
	ck_assert_int_eq(a->frames, b->frames);
}

START_TEST(bypass_is_bit_exact)
{
	const int subs[] = { SF_FORMAT_PCM_16, SF_FORMAT_PCM_24, SF_FORMAT_FLOAT };
	for (int k = 0; k < 3; k++) {
		char tag[16];
		snprintf(tag, sizeof tag, "%d", k);
		SF_INFO a, b;
		float *x, *y;
		render_noise(tag, 48000 + 123, subs[k], 0.9f, " --set /bypass=1", &x, &a, &y, &b);
		ck_assert_int_eq(b.format & SF_FORMAT_SUBMASK, subs[k]);
		ck_assert_int_eq(memcmp(x, y, (size_t)a.frames * 2 * sizeof(float)), 0);
		free(x);
		free(y);
	}
}
END_TEST

START_TEST(defaults_are_neutral_and_aligned)
{
	/* noise with peaks at -12 dBFS: far below the limiter's -1 dBTP ceiling */
	SF_INFO a, b;
	float *x, *y;
	render_noise("", 96000, SF_FORMAT_FLOAT, 0.25f, "", &x, &a, &y, &b);
	double worst = 0;
	for (sf_count_t i = 0; i < 2 * a.frames; i++)
		worst = fmax(worst, fabs((double)x[i] - y[i]));
	printf("defaults: largest difference out-in %.2e (%.1f dBFS), same length %lld frames\n", worst, 20 * log10(worst + 1e-30),
	       (long long)a.frames);
	ck_assert_msg(worst < 1e-4, "defaults changed the signal by %g", worst);
	free(x);
	free(y);
}
END_TEST

START_TEST(mono_and_lengths)
{
	char in[200], out[200], args[600];
	snprintf(in, sizeof in, "%s/mono.wav", dir);
	snprintf(out, sizeof out, "%s/out.flac", dir);
	SF_INFO info = { .samplerate = 44100, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	SNDFILE *sf = sf_open(in, SFM_WRITE, &info);
	short s[777] = { 0 };
	sf_write_short(sf, s, 777);
	sf_close(sf);
	snprintf(args, sizeof args, "render %s %s --bits 16", in, out);
	ck_assert_int_eq(lathe(args, NULL), 0);
	SF_INFO b;
	float *y = read_all(out, &b);
	ck_assert_int_eq(b.frames, 777);
	ck_assert_int_eq(b.channels, 2);
	ck_assert_int_eq(b.samplerate, 44100);
	ck_assert_int_eq(b.format & SF_FORMAT_TYPEMASK, SF_FORMAT_FLAC);
	free(y);
}
END_TEST

/* Runs lathe with the arguments (printf format) and checks it refuses with one
 * line that names must_contain. */
static void expect_refusal(const char *must_contain, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect_refusal(const char *must_contain, const char *fmt, ...)
{
	char args[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	char *err = NULL;
	int rc = lathe(args, &err);
	ck_assert_msg(rc == 1 || rc == 2, "'%s' exited %d", args, rc);
	ck_assert_msg(strncmp(err, "lathe: ", 7) == 0, "error starts with 'lathe: ': %s", err);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
	ck_assert_msg(strstr(err, must_contain), "'%s' does not name '%s'", err, must_contain);
	free(err);
}

START_TEST(bad_input_one_line_and_no_output)
{
	char in[200], out[200], bogus[200];
	snprintf(in, sizeof in, "%s/in.wav", dir);
	snprintf(out, sizeof out, "%s/out.wav", dir);
	snprintf(bogus, sizeof bogus, "%s/notsound.wav", dir);
	write_noise(in, 48000, 4800, SF_FORMAT_PCM_16, 0.1f);
	FILE *f = fopen(bogus, "w");
	fputs("this is not a sound file\n", f);
	fclose(f);

	expect_refusal("missing.wav", "render %s/missing.wav %s", dir, out);
	expect_refusal("notsound.wav", "render %s %s", bogus, out);
	expect_refusal("out.mp3", "render %s %s/out.mp3", in, dir);
	expect_refusal("/eq/12/gain", "render %s %s --set /eq/12/gain=3", in, out);
	expect_refusal("/limiter/ceiling", "render %s %s --set /limiter/ceiling=loud", in, out);
	expect_refusal("12", "render %s %s --bits 12", in, out);
	expect_refusal("out.wav", "render %s %s/no/such/dir/out.wav", in, dir);
	ck_assert_int_ne(access(out, F_OK), 0);
	/* no temporary files left behind */
	char cmd[300];
	snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp || true", dir);
	char *n = fx_run(cmd);
	ck_assert_int_eq(atoi(n), 0);
	free(n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = suite_add_case(s, "render", 120, setup, teardown);
	tcase_add_test(tc, bypass_is_bit_exact);
	tcase_add_test(tc, defaults_are_neutral_and_aligned);
	tcase_add_test(tc, mono_and_lengths);
	tcase_add_test(tc, bad_input_one_line_and_no_output);
	return run_suite(s);
}
