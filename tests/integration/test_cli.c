/* The command line as a user runs it: the real binary, real files, a real
 * jackd.  Dither by default at 16/24 bits, progress and summary lines,
 * analyze --json=FILE, per-mode --help against the one option table and the
 * man page, numbers with '.' in a ',' locale, params --osc-markdown, and the
 * xrun summary (a bounded number of lines under induced xruns).
 *
 * References: the dither test's reference is TPDF theory (a rectangular
 * rounding error of variance 1/12 LSB^2 plus triangular dither of 1/6 LSB^2:
 * 1/4 LSB^2, independent of the signal: Lipshitz, Wannamaker, Vanderkooy,
 * "Quantization and Dither: A Theoretical Survey", JAES 40(5), 1992), the
 * sine is the test's own; the option table is read from main.c's text, the
 * help from the binary, the man page from docs/lathe.1. */
#include <check.h>
#include <jack/jack.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static char dir[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/lathe-cli-%d", (int)getpid());
	mkdir(dir, 0755);
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd)) {
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t k = fread(s, 1, (size_t)n, f);
	s[k] = 0;
	fclose(f);
	return s;
}

/* Runs `ENV lathe ARGS` with stdout and stderr into files; exit status. */
static int run(const char *env, const char *args, char **out, char **err)
{
	char cmd[2048], of[200], ef[200];
	snprintf(of, sizeof of, "%s/stdout.txt", dir);
	snprintf(ef, sizeof ef, "%s/stderr.txt", dir);
	snprintf(cmd, sizeof cmd, "%s %s %s >%s 2>%s", env ? env : "", fx_lathe_bin(), args, of, ef);
	int rc = system(cmd);
	if (out)
		*out = slurp(of);
	if (err)
		*err = slurp(ef);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void write_float(const char *path, const float *x, int frames, int sub)
{
	SF_INFO info = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | sub };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	sf_writef_float(sf, x, frames);
	sf_close(sf);
}

static float *read_float(const char *path, SF_INFO *info)
{
	memset(info, 0, sizeof *info);
	SNDFILE *sf = sf_open(path, SFM_READ, info);
	ck_assert_msg(sf != NULL, "cannot open %s", path);
	float *x = malloc((size_t)info->frames * info->channels * sizeof(float));
	sf_readf_float(sf, x, info->frames);
	sf_close(sf);
	return x;
}

/* Deterministic noise at amp, 48 kHz stereo, exact at 16 bits. */
static void write_noise(const char *path, int frames, int sub, float amp)
{
	float *x = malloc((size_t)frames * 2 * sizeof(float));
	unsigned s = 4242;
	for (int i = 0; i < 2 * frames; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = (float)(nearbyint(amp * ((float)(s >> 8) / 16777216.0f * 2 - 1) * 32768.0) / 32768.0);
	}
	write_float(path, x, frames, sub);
	free(x);
}

static const char *path(const char *name)
{
	static char p[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

/* ---- 1. dither by default ---- */

START_TEST(sub_lsb_sine_is_dithered_at_16_bits)
{
	const int n = 48000 * 2;
	const double lsb = 1.0 / 32768, a = 0.4 * lsb, w = 2 * M_PI * 997.0 / 48000;
	float *x = malloc((size_t)n * 2 * sizeof(float));
	for (int i = 0; i < n; i++)
		x[2 * i] = x[2 * i + 1] = (float)(a * sin(w * i));
	write_float(path("sine.wav"), x, n, SF_FORMAT_FLOAT);
	char args[600], *out, *err;
	snprintf(args, sizeof args, "render %s %s --bits 16", path("sine.wav"), path("d.wav"));
	ck_assert_int_eq(run(NULL, args, &out, &err), 0);
	ck_assert_msg(strstr(out, "lathe: dithered to 16 bits (TPDF)\n"), "stdout: %s", out);
	free(out);
	free(err);
	SF_INFO info;
	float *y = read_float(path("d.wav"), &info);
	ck_assert_int_eq(info.frames, n);
	ck_assert_int_eq(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_16);
	/* skip the first 0.1 s: the chain's smoothers start there */
	double sum = 0, sum2 = 0, ps = 0, pc = 0;
	long nonzero = 0, m = 0;
	for (int i = 4800; i < n; i++) {
		double yl = y[2 * i] / lsb, e = yl - x[2 * i] / lsb;
		nonzero += yl != 0;
		sum += e;
		sum2 += e * e;
		ps += yl * sin(w * i);
		pc += yl * cos(w * i);
		m++;
	}
	double mean = sum / m, var = sum2 / m - mean * mean, amp = 2 * sqrt(ps * ps + pc * pc) / m;
	printf("0.4 LSB sine at 16 bits, dithered: %.3f LSB out (theory 0.400), error variance %.3f LSB^2 (TPDF theory 0.250), "
	       "mean %.4f LSB, %ld of %ld samples not zero\n",
	       amp, var, mean, nonzero, m);
	ck_assert_msg(nonzero > m / 4, "truncated to silence: %ld of %ld not zero", nonzero, m);
	ck_assert_msg(fabs(amp - 0.4) < 0.03, "sine %.3f LSB out of 0.4", amp);
	ck_assert_msg(fabs(var - 0.25) < 0.02, "error variance %.3f LSB^2, TPDF 0.25", var);
	ck_assert_msg(fabs(mean) < 0.02, "error mean %.4f LSB", mean);
	free(y);

	/* --no-dither: what dither is for (0.4 LSB rounds to silence) */
	snprintf(args, sizeof args, "render %s %s --bits 16 --no-dither", path("sine.wav"), path("nd.wav"));
	ck_assert_int_eq(run(NULL, args, &out, NULL), 0);
	ck_assert_msg(strstr(out, "lathe: not dithered (--no-dither)\n"), "stdout: %s", out);
	free(out);
	y = read_float(path("nd.wav"), &info);
	long nz = 0;
	for (int i = 0; i < 2 * n; i++)
		nz += y[i] != 0;
	printf("the same, --no-dither: %ld of %d samples not zero\n", nz, 2 * n);
	ck_assert_int_eq(nz, 0);
	free(y);
	free(x);
}
END_TEST

START_TEST(dither_says_what_it_did)
{
	write_noise(path("in16.wav"), 4800, SF_FORMAT_PCM_16, 0.1f);
	FILE *f = fopen(path("s.lathe"), "w");
	fputs("[session]\nformat=1\n[current]\n/dither/bypass=1\n", f);
	fclose(f);
	static const struct {
		const char *opts, *said;
	} cases[] = {
		{ "", "lathe: dithered to 16 bits (TPDF)" },                  /* OUT inherits IN's 16 bits */
		{ " --bits 24", "lathe: dithered to 24 bits (TPDF)" },
		{ " --bits 32f", "lathe: not dithered (32-bit float output)" },
		{ " --no-dither", "lathe: not dithered (--no-dither)" },
		{ " --set /dither/bypass=1", "lathe: not dithered (/dither/bypass 1)" },
		{ " --set /dither/bypass=0 --set /dither/shape=lipshitz", "lathe: dithered to 16 bits (TPDF, Lipshitz noise shaping)" },
		{ " --session %s", "lathe: dithered to 16 bits (TPDF)" }, /* a session's bypass=1 is not the user's word */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char opts[300], args[800], *out, *err;
		snprintf(opts, sizeof opts, cases[k].opts, path("s.lathe"));
		snprintf(args, sizeof args, "render %s %s -y%s", path("in16.wav"), path("o.wav"), opts);
		int rc = run(NULL, args, &out, &err);
		printf("render%s: %s", opts, out);
		ck_assert_msg(rc == 0, "%s: %d %s", args, rc, err);
		ck_assert_msg(strstr(out, cases[k].said), "'%s' said '%s', not '%s'", opts, out, cases[k].said);
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(help_says_what_bits_defaults_to)
{
	char *out;
	ck_assert_int_eq(run(NULL, "render --help", &out, NULL), 0);
	ck_assert_msg(strstr(out, "--bits") && strstr(out, "default") && strstr(out, "dither"), "%s", out);
	free(out);
	char mp[512];
	snprintf(mp, sizeof mp, "%s/docs/lathe.1", fx_src_dir());
	char *man = slurp(mp);
	ck_assert_msg(strstr(man, "\\-\\-no\\-dither"), "the man page has no --no-dither");
	ck_assert_msg(strstr(man, "TPDF"), "the man page does not say --bits dithers");
	free(man);
}
END_TEST

/* ---- 2. progress and summary ---- */

START_TEST(summary_always_progress_on_a_terminal)
{
	write_noise(path("in.wav"), 48000 * 3, SF_FORMAT_PCM_16, 0.2f);
	char args[600], *out, *err;
	snprintf(args, sizeof args, "render %s %s --target-lufs -16", path("in.wav"), path("o.wav"));
	ck_assert_int_eq(run(NULL, args, &out, &err), 0);
	printf("not a terminal: stdout:\n%sstderr: '%s'\n", out, err);
	ck_assert_msg(!strchr(err, '\r') && !strstr(err, "rendering"), "progress without a terminal: %s", err);
	const char *sum = strstr(out, "lathe: wrote '");
	ck_assert_msg(sum, "no summary: %s", out);
	ck_assert_msg(strstr(sum, "LUFS integrated") && strstr(sum, "dBTP true peak") && strstr(sum, "LRA") &&
	                  strstr(sum, "drive") && strstr(sum, "for -16.0 LUFS"),
	              "summary: %s", sum);
	double lufs = atof(sum + strlen("lathe: wrote '") + strlen(path("o.wav")) + 3);
	ck_assert_msg(fabs(lufs + 16) < 0.3, "summary says %.1f LUFS", lufs);
	free(out);
	free(err);

	/* a terminal: script(1) gives lathe a pty for stdout and stderr */
	char cmd[1200], tf[200];
	snprintf(tf, sizeof tf, "%s/tty.txt", dir);
	snprintf(cmd, sizeof cmd, "script -qec '%s render %s %s -y --target-lufs -16' /dev/null >%s 2>&1 </dev/null",
	         fx_lathe_bin(), path("in.wav"), path("o.wav"), tf);
	ck_assert_int_eq(system(cmd), 0);
	char *t = slurp(tf);
	printf("on a terminal (%zu bytes): the last progress line: ", strlen(t));
	const char *last = strstr(t, "\rlathe: rendering 100%");
	if (last) {
		const char *e = strstr(last + 1, "\033[K");
		printf("%.*s\n", e ? (int)(e - last - 1) : 60, last + 1);
	}
	ck_assert_msg(strstr(t, "\rlathe: finding the drive, pass 1 (at most 10)"), "no search progress: %s", t);
	ck_assert_msg(last && strstr(last, "x real time") && strstr(last, "s left"), "no render progress: %s", t);
	ck_assert_msg(strstr(t, "\r\033[K"), "the progress line is not cleared");
	ck_assert_msg(strstr(t, "lathe: wrote '"), "no summary on a terminal");
	free(t);
}
END_TEST

/* ---- 3. analyze --json=FILE ---- */

START_TEST(analyze_json_file_is_written)
{
	write_noise(path("in.wav"), 48000, SF_FORMAT_PCM_16, 0.2f);
	char args[600], *out, *err;
	snprintf(args, sizeof args, "analyze %s --json=%s", path("in.wav"), path("r.json"));
	ck_assert_int_eq(run(NULL, args, &out, &err), 0);
	ck_assert_msg(!*out, "the report went to stdout: %s", out);
	free(out);
	free(err);
	char *r = slurp(path("r.json"));
	ck_assert_msg(r[0] == '{' && strstr(r, "\"integrated_lufs\"") && strstr(r, "\"true_peak_dbtp\""), "report: %s", r);
	free(r);
	/* an existing report: only with -y; no temporary file left */
	ck_assert_int_eq(run(NULL, args, NULL, &err), 1);
	ck_assert_msg(!strncmp(err, "lathe: ", 7) && strstr(err, "r.json") && strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
	free(err);
	char y[700];
	snprintf(y, sizeof y, "%s -y", args);
	ck_assert_int_eq(run(NULL, y, NULL, NULL), 0);
	snprintf(args, sizeof args, "ls %s | grep -c tmp || true", dir);
	char *n = fx_run(args);
	ck_assert_int_eq(atoi(n), 0);
	free(n);
	/* never over the input */
	snprintf(args, sizeof args, "analyze %s --json=%s -y", path("in.wav"), path("in.wav"));
	ck_assert_int_eq(run(NULL, args, NULL, NULL), 1);
	SF_INFO info;
	free(read_float(path("in.wav"), &info));
	ck_assert_int_eq(info.frames, 48000);
}
END_TEST

/* ---- 4. per-mode help, the man page, the locale ---- */

static const char *const mode_names[] = { "console", "headless", "demo", "render", "analyze", "params" };
enum { N_MODES = 6 };

/* "--NAME" in text, not as the start of a longer option */
static int has_option(const char *text, const char *name)
{
	char want[80];
	snprintf(want, sizeof want, "--%s", name);
	for (const char *p = text; (p = strstr(p, want)); p++) {
		char c = p[strlen(want)];
		if (!(c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 1;
	}
	return 0;
}

START_TEST(every_option_in_its_modes_help_and_the_man_page)
{
	char p[512];
	snprintf(p, sizeof p, "%s/main.c", fx_src_dir());
	char *src = slurp(p);
	char *a = strstr(src, "/* options: begin */"), *b = strstr(src, "/* options: end */");
	ck_assert_msg(a && b && a < b, "main.c has no option table markers");
	*b = 0;
	char *help[N_MODES];
	for (int m = 0; m < N_MODES; m++) {
		char args[100];
		snprintf(args, sizeof args, "%s --help", mode_names[m]);
		ck_assert_int_eq(run(NULL, args, &help[m], NULL), 0);
	}
	snprintf(p, sizeof p, "%s/docs/lathe.1", fx_src_dir());
	char *man = slurp(p);
	/* roff writes '-' as "\-" */
	for (char *r = man, *w = man;; r++) {
		if (r[0] == '\\' && r[1] == '-')
			r++;
		*w++ = *r;
		if (!*r)
			break;
	}
	int count = 0;
	for (char *line = a; (line = strstr(line, "{ { \"")); line++) {
		char name[64];
		ck_assert_int_eq(sscanf(line + 5, "%63[^\"]", name), 1);
		/* the row ends "}, MODES }," */
		char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		char *modes = strstr(line, "}, M_");
		ck_assert_msg(modes && modes < eol, "option --%s: no modes on its line", name);
		char expr[200];
		snprintf(expr, sizeof expr, "%.*s", (int)(eol - modes), modes);
		unsigned mask = 0;
		if (strstr(expr, "M_ALL"))
			mask = 63;
		if (strstr(expr, "M_LIVE"))
			mask |= 7;
		for (int m = 0; m < N_MODES; m++) {
			char tok[32];
			snprintf(tok, sizeof tok, "M_%s", mode_names[m]);
			for (char *c = tok; *c; c++)
				*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
			if (strstr(expr, tok))
				mask |= 1u << m;
		}
		ck_assert_msg(mask, "option --%s names no mode: '%s'", name, expr);
		for (int m = 0; m < N_MODES; m++) {
			int in = has_option(help[m], name), want = (mask >> m) & 1;
			ck_assert_msg(in == want, "'lathe %s --help' %s --%s", mode_names[m], in ? "lists" : "does not list", name);
		}
		ck_assert_msg(has_option(man, name), "the man page does not have --%s", name);
		count++;
	}
	printf("%d options: each in its modes' --help, in no other's, and in the man page\n", count);
	ck_assert_int_ge(count, 20);
	for (int m = 0; m < N_MODES; m++) {
		char want[40];
		snprintf(want, sizeof want, "\n.B %s", mode_names[m]);
		ck_assert_msg(strstr(man, want), "the man page has no mode %s", mode_names[m]);
		free(help[m]);
	}
	const char *must[] = { ".SH FILES", ".SH ENVIRONMENT", ".SH SHORTCUTS", ".SH OSC", "JACK_DEFAULT_SERVER", "NSM_URL",
		               "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "lathe/presets", "autosave.lathe", "album" };
	for (size_t k = 0; k < sizeof must / sizeof must[0]; k++)
		ck_assert_msg(strstr(man, must[k]), "the man page has no '%s'", must[k]);
	/* the console's keys, as gui/console.c defines them */
	const char *keys[] = { "Space", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+O", "Ctrl+Shift+A", "F1",
		               "Page Up", "Delete" };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		ck_assert_msg(strstr(man, keys[k]), "SHORTCUTS has no %s", keys[k]);
	free(man);
	free(src);
	/* an option of another mode: one line, status 2 */
	char *err;
	ck_assert_int_eq(run(NULL, "analyze x.wav --bits 16", NULL, &err), 2);
	ck_assert_msg(!strncmp(err, "lathe: analyze does not take --bits", 35), "%s", err);
	free(err);
}
END_TEST

START_TEST(numbers_use_a_point_in_a_comma_locale)
{
	char loc[200], cmd[600];
	snprintf(loc, sizeof loc, "%s/locale", dir);
	mkdir(loc, 0755);
	snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", loc);
	if (system(cmd) != 0) {
		printf("localedef cannot build de_DE.UTF-8 here: skipped\n");
		return;
	}
	/* the locale does have ',' (or this test proves nothing) */
	setenv("LOCPATH", loc, 1);
	ck_assert_ptr_nonnull(setlocale(LC_NUMERIC, "de_DE.UTF-8"));
	ck_assert_str_eq(localeconv()->decimal_point, ",");
	setlocale(LC_NUMERIC, "C");
	unsetenv("LOCPATH");
	char env[300], args[600], *out, *err;
	snprintf(env, sizeof env, "LOCPATH=%s LC_ALL=de_DE.UTF-8", loc);
	write_noise(path("in.wav"), 48000 * 2, SF_FORMAT_PCM_16, 0.2f);
	snprintf(args, sizeof args, "render %s %s --target-lufs -14.5 --set /eq/1/gain=1.5", path("in.wav"), path("o.wav"));
	int rc = run(env, args, &out, &err);
	printf("LC_ALL=de_DE.UTF-8: %s%s", out, err);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(strstr(out, "for -14.5 LUFS"), "%s", out);
	for (const char *c = out; *c; c++)
		ck_assert_msg(!(c[0] == ',' && c[1] >= '0' && c[1] <= '9'), "a ',' number: %s", out);
	free(out);
	free(err);
	snprintf(args, sizeof args, "analyze %s --json", path("o.wav"));
	ck_assert_int_eq(run(env, args, &out, NULL), 0);
	const char *v = strstr(out, "\"integrated_lufs\": ");
	ck_assert_msg(v && strchr(v, '.') && strchr(v, '.') < strchr(v, '\n'), "%s", out);
	free(out);
}
END_TEST

/* ---- 5. params --osc-markdown ---- */

START_TEST(osc_markdown_prints_docs_osc_md)
{
	char *out, p[512];
	ck_assert_int_eq(run(NULL, "params --osc-markdown", &out, NULL), 0);
	snprintf(p, sizeof p, "%s/docs/osc.md", fx_src_dir());
	char *doc = slurp(p);
	ck_assert_msg(*doc && !strcmp(out, doc), "'lathe params --osc-markdown' differs from docs/osc.md");
	free(out);
	free(doc);
}
END_TEST

/* ---- 6. the xrun summary ---- */

static _Atomic int late;          /* the sleeper's process() sleeps past the deadline every 8th cycle */
static _Atomic int seen;          /* xruns the server told the sleeper of */
static _Atomic unsigned cycles;

static int sleepy_process(jack_nframes_t n, void *arg)
{
	(void)n;
	(void)arg;
	if (atomic_load(&late) && (atomic_fetch_add(&cycles, 1) % 8) == 0)
		usleep(12000); /* a period is 5.3 ms */
	return 0;
}

static int sleepy_xrun(void *arg)
{
	(void)arg;
	atomic_fetch_add(&seen, 1);
	return 0;
}

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

START_TEST(xruns_are_summed_up_not_flooded)
{
	fixture fx;
	memset(&fx, 0, sizeof fx);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
	const char *args[] = { "--no-osc", NULL };
	double t0 = mono_s();
	ck_assert_int_eq(fx_lathe_start(&fx, "xr", args), 0);
	jack_status_t st;
	jack_client_t *c = jack_client_open("sleepy", JackNoStartServer, &st);
	ck_assert_ptr_nonnull(c);
	jack_set_process_callback(c, sleepy_process, NULL);
	jack_set_xrun_callback(c, sleepy_xrun, NULL);
	ck_assert_int_eq(jack_activate(c), 0);
	atomic_store(&late, 1);
	sleep(12);
	atomic_store(&late, 0);
	sleep(6); /* quiet: the last line comes within 5 s */
	int during = atomic_load(&seen);
	ck_assert_int_eq(fx_lathe_stop(&fx), 0);
	double lived = mono_s() - t0;
	jack_deactivate(c);
	jack_client_close(c);
	fx_jackd_stop(&fx, SIGTERM);

	FILE *f = fopen(fx.log, "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	int lines = 0, at_exit = 0;
	unsigned last_total = 0, last_recent = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "lathe: xruns:", 13)) {
			/* the periodic lines, and at most one at exit for xruns since the last (its shutdown can cause one) */
			if (strstr(line, " in all "))
				at_exit++;
			else
				lines++;
			ck_assert_msg(sscanf(line, "lathe: xruns: %u (%u in the last 10 s)", &last_total, &last_recent) == 2 ||
			                  sscanf(line, "lathe: xruns: %u in all (%u in the last 10 s)", &last_total, &last_recent) == 2,
			              "%s", line);
			printf("  %s", line);
			fflush(stdout);
		}
	}
	fclose(f);
	printf("xruns: the server told a client of %d in %.1f s; lathe said %d lines (at most %d) and %d at exit, the last total %u\n",
	       during, lived, lines, 1 + (int)(lived / 5), at_exit, last_total);
	fflush(stdout);
	ck_assert_msg(during >= 10, "only %d xruns induced: the test proves nothing", during);
	ck_assert_int_ge(lines, 1);
	ck_assert_msg(lines <= 1 + (int)(lived / 5), "%d lines in %.1f s", lines, lived);
	ck_assert_int_le(at_exit, 1);
	/* lathe and the sleeper hear of the same xruns (jack2 tells every client) */
	ck_assert_msg(fabs((double)last_total - during) <= fmax(3, 0.1 * during), "lathe says %u, the server told %d", last_total,
	              during);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = suite_add_case(s, "cli", 180, setup, teardown);
	tcase_add_test(tc, sub_lsb_sine_is_dithered_at_16_bits);
	tcase_add_test(tc, dither_says_what_it_did);
	tcase_add_test(tc, help_says_what_bits_defaults_to);
	tcase_add_test(tc, summary_always_progress_on_a_terminal);
	tcase_add_test(tc, analyze_json_file_is_written);
	tcase_add_test(tc, every_option_in_its_modes_help_and_the_man_page);
	tcase_add_test(tc, numbers_use_a_point_in_a_comma_locale);
	tcase_add_test(tc, osc_markdown_prints_docs_osc_md);
	tcase_add_test(tc, xruns_are_summed_up_not_flooded);
	return run_suite(s);
}
