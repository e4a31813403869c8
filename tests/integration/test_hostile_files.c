/* `lathe render` and `lathe analyze` against broken sound files and careless
 * command lines, as a hostile (or careless) user would try them: the real
 * binary over real files.  Every case must end (no hang), must not crash,
 * must not touch a file it was not asked to write (no data lost), and must
 * exit with the status and the one `lathe:` line the case expects.  The
 * counts (cases / crashes / hangs / data lost / wrong answers) are printed
 * before the verdict, so a run against an older binary measures it too.
 *
 * The broken WAV files are written byte by byte here (RIFF layout from the
 * Microsoft/IBM Multimedia Programming Interface spec, 1991: "RIFF" size
 * "WAVE", "fmt " chunk of 16 bytes, "data" chunk), not with libsndfile, so
 * their header fields can say anything. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

#define HANG_MS 20000 /* every case is a fraction of a second of audio: 20 s is a hang, not load */

static char dir[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/lathe-hostile-%d", (int)getpid());
	mkdir(dir, 0755);
}

static void teardown(void) { rm_tree(dir); }

static void put16(uint8_t *p, unsigned v) { p[0] = v & 255; p[1] = (v >> 8) & 255; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

/* A WAV whose header says channels, rate, bits and data_bytes, followed by
 * `actual` bytes of samples (a 441 Hz-ish square of small amplitude, or NaN
 * for 32-bit float when nan is set). */
static void write_wav(const char *path, unsigned channels, uint32_t rate, unsigned bits, uint32_t data_bytes,
                      size_t actual, int nan)
{
	uint8_t h[44];
	int is_float = bits == 32;
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, is_float ? 3 : 1); /* WAVE_FORMAT_IEEE_FLOAT or PCM */
	put16(h + 22, channels);
	put32(h + 24, rate);
	put32(h + 28, rate * channels * (bits / 8));
	put16(h + 32, channels * (bits / 8));
	put16(h + 34, bits);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data_bytes);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(h, 1, sizeof h, f);
	for (size_t i = 0; i < actual; i += bits / 8) {
		size_t frame = i / ((bits / 8) * (channels ? channels : 1));
		if (is_float) {
			float v = nan ? NAN : ((frame / 50) % 2 ? 0.1f : -0.1f);
			fwrite(&v, 4, 1, f);
		} else {
			int16_t v = (frame / 50) % 2 ? 3000 : -3000;
			fwrite(&v, 2, 1, f);
		}
	}
	fclose(f);
}

/* A good stereo 16-bit file of `frames` frames. */
static void good_wav(const char *path, uint32_t rate, size_t frames)
{
	write_wav(path, 2, rate, 16, (uint32_t)(frames * 4), frames * 4, 0);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(b, 1, n, f);
	fclose(f);
}

/* FNV-1a of a file's bytes and its inode, or 0 when it does not exist:
 * "changed" means data lost (a file replaced by rename, even with the same
 * bytes, was written over). */
static uint64_t file_hash(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st)) {
		if (f)
			fclose(f);
		return 0;
	}
	uint64_t h = 1469598103934665603ull ^ (uint64_t)st.st_ino;
	int c;
	while ((c = fgetc(f)) != EOF)
		h = (h ^ (uint64_t)c) * 1099511628211ull;
	fclose(f);
	return h | 1;
}

typedef enum { R_OK_, R_CRASH, R_HANG } outcome;

/* Runs lathe with the words of args (split at spaces; '%' stands for the
 * case folder), stdout to /dev/null, stderr kept in *err. */
static outcome run(const char *args, int *status, char **err)
{
	char buf[2048], errpath[256];
	const char *src = args;
	size_t o = 0;
	for (; *src && o + 130 < sizeof buf; src++) {
		if (*src == '%')
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", dir);
		else
			buf[o++] = *src;
	}
	buf[o] = 0;
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)fx_lathe_bin();
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 63; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644), nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	outcome out = R_OK_;
	int st = 0;
	for (int waited = 0;; waited += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (waited >= HANG_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			out = R_HANG;
			break;
		}
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (out == R_OK_ && WIFSIGNALED(st))
		out = R_CRASH;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	FILE *f = fopen(errpath, "r");
	size_t n = 0;
	*err = calloc(1, 8192);
	if (f) {
		n = fread(*err, 1, 8191, f);
		fclose(f);
	}
	(*err)[n] = 0;
	return out;
}

/* One case: how to make its files, the command, what must hold after. */
typedef struct {
	const char *name;
	const char *args;      /* '%' is the case folder */
	int want_status;
	const char *want_err;  /* a word the one stderr line must hold (NULL: no stderr at all) */
	const char *keep;      /* a file that must come out unchanged ('%' as above), or NULL */
	const char *absent;    /* a file that must not exist afterwards, or NULL */
} hostile_case;

static char *expand(const char *s)
{
	char *out = malloc(strlen(s) + 256);
	size_t o = 0;
	for (; *s; s++) {
		if (*s == '%')
			o += (size_t)sprintf(out + o, "%s", dir);
		else
			out[o++] = *s;
	}
	out[o] = 0;
	return out;
}

/* The files every case may use (made fresh before each case). */
static void make_files(void)
{
	char p[256];
#define P(name) (snprintf(p, sizeof p, "%s/%s", dir, name), p)
	good_wav(P("in.wav"), 48000, 4800);
	write_bytes(P("empty.wav"), "", 0);
	write_bytes(P("text.wav"), "this is not a sound file\n", 25);
	{
		/* an MPEG frame sync and noise: libsndfile hands it to libmpg123 */
		uint8_t b[3000];
		uint32_t s = 1;
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (uint8_t)((s = s * 1664525u + 1013904223u) >> 24);
		b[0] = 0xff, b[1] = 0xfb, b[2] = 0x90, b[3] = 0x00;
		write_bytes(P("mpeg.wav"), b, sizeof b);
	}
	{
		uint8_t h[30];
		FILE *f = fopen(P("in.wav"), "rb");
		ck_assert_int_eq(fread(h, 1, sizeof h, f), sizeof h);
		fclose(f);
		write_bytes(P("trunchdr.wav"), h, sizeof h);
	}
	write_wav(P("ch0.wav"), 0, 48000, 16, 4800, 4800, 0);
	write_wav(P("mono.wav"), 1, 48000, 16, 9600, 9600, 0);
	write_wav(P("ch8.wav"), 8, 48000, 16, 8 * 2 * 4800, 8 * 2 * 4800, 0);
	write_wav(P("ch60000.wav"), 60000, 48000, 16, 120000, 120000, 0);
	write_wav(P("frames0.wav"), 2, 48000, 16, 0, 0, 0);
	write_wav(P("hugedata.wav"), 2, 48000, 16, 0x7ffffff0u, 19200, 0);
	write_wav(P("truncdata.wav"), 2, 48000, 16, 192000, 19200, 0);
	write_wav(P("rate1.wav"), 2, 1, 16, 400, 400, 0);
	write_wav(P("rate100.wav"), 2, 100, 16, 400, 400, 0);
	write_wav(P("rate384k.wav"), 2, 384000, 16, 153600, 153600, 0);
	write_wav(P("rate2g.wav"), 2, 2000000000u, 16, 19200, 19200, 0);
	write_wav(P("rate0.wav"), 2, 0, 16, 19200, 19200, 0);
	write_wav(P("rate22k.wav"), 2, 22050, 16, 8820, 8820, 0);
	write_wav(P("rate192k.wav"), 2, 192000, 16, 76800, 76800, 0);
	write_wav(P("nan.wav"), 2, 48000, 32, 48000 * 8 / 10, 48000 * 8 / 10, 1);
	unlink(P("fifo.wav"));
	ck_assert_int_eq(mkfifo(P("fifo.wav"), 0644), 0);
	mkdir(P("adir.wav"), 0755);
	mkdir(P("sub"), 0755);
	char in[256];
	snprintf(in, sizeof in, "%s/in.wav", dir);
	unlink(P("link.wav"));
	ck_assert_int_eq(link(in, P("link.wav")), 0);
	unlink(P("sym.wav"));
	ck_assert_int_eq(symlink("in.wav", P("sym.wav")), 0);
	good_wav(P("existing.wav"), 48000, 480);
#undef P
}

static const hostile_case cases[] = {
	/* broken input files */
	{ "empty file", "render %/empty.wav %/out.wav", 1, "empty.wav", NULL, "%/out.wav" },
	{ "text file", "render %/text.wav %/out.wav", 1, "text.wav", NULL, "%/out.wav" },
	{ "MPEG sync and noise (libmpg123 chatter)", "analyze %/mpeg.wav", 1, "mpeg.wav", NULL, NULL },
	{ "MPEG sync and noise, render", "render %/mpeg.wav %/out.wav", 1, "mpeg.wav", NULL, "%/out.wav" },
	{ "truncated header", "render %/trunchdr.wav %/out.wav", 1, "trunchdr.wav", NULL, "%/out.wav" },
	{ "0 channels", "render %/ch0.wav %/out.wav", 1, "ch0.wav", NULL, "%/out.wav" },
	{ "1 channel (fine)", "render %/mono.wav %/out.wav", 0, NULL, NULL, NULL },
	{ "8 channels, render", "render %/ch8.wav %/out.wav", 1, "8 channels", NULL, "%/out.wav" },
	{ "8 channels, analyze (fine)", "analyze %/ch8.wav", 0, NULL, NULL, NULL },
	{ "60000 channels in the header", "analyze %/ch60000.wav", 1, "ch60000.wav", NULL, NULL },
	{ "0 frames, render (an empty OUT)", "render %/frames0.wav %/out.wav", 0, NULL, NULL, NULL },
	{ "0 frames, analyze", "analyze %/frames0.wav", 0, NULL, NULL, NULL },
	{ "huge data size in the header", "render %/hugedata.wav %/out.wav --json=%/r.json", 0, NULL, NULL, NULL },
	{ "data shorter than the header says", "analyze %/truncdata.wav", 0, NULL, NULL, NULL },
	{ "1 Hz, render with a report", "render %/rate1.wav %/out.wav --json=%/r.json", 1, "1 Hz", NULL, "%/out.wav" },
	{ "1 Hz, analyze", "analyze %/rate1.wav", 1, "1 Hz", NULL, NULL },
	{ "100 Hz, render", "render %/rate100.wav %/out.wav", 1, "100 Hz", NULL, "%/out.wav" },
	{ "384 kHz, render with a report", "render %/rate384k.wav %/out.wav --json=%/r.json", 1, "384000 Hz", NULL, "%/out.wav" },
	{ "384 kHz, analyze", "analyze %/rate384k.wav", 1, "384000 Hz", NULL, NULL },
	{ "2 GHz, render", "render %/rate2g.wav %/out.wav", 1, "2000000000 Hz", NULL, "%/out.wav" },
	{ "0 Hz, analyze", "analyze %/rate0.wav", 1, "rate0.wav", NULL, NULL },
	{ "22050 Hz, render with a report (lowest rate)", "render %/rate22k.wav %/out.wav --json=%/r.json", 0, NULL, NULL, NULL },
	{ "192 kHz, render with a report (highest rate)", "render %/rate192k.wav %/out.wav --json=%/r.json", 0, NULL, NULL, NULL },
	{ "all NaN, analyze", "analyze %/nan.wav", 0, "finite", NULL, NULL },
	{ "FIFO, analyze", "analyze %/fifo.wav", 1, "fifo.wav", NULL, NULL },
	{ "FIFO, render", "render %/fifo.wav %/out.wav", 1, "fifo.wav", NULL, "%/out.wav" },
	{ "a directory", "analyze %/adir.wav", 1, "adir.wav", NULL, NULL },
	{ "/dev/zero", "render /dev/zero %/out.wav", 1, "/dev/zero", NULL, "%/out.wav" },
	{ "a file in /proc", "analyze /proc/self/status", 1, "/proc/self/status", NULL, NULL },
	/* where OUT goes */
	{ "OUT in a missing folder", "render %/in.wav %/nodir/out.wav", 1, "out.wav", "%/in.wav", NULL },
	{ "OUT in /proc", "render %/in.wav /proc/lathe-out.wav", 1, "/proc/lathe-out.wav", "%/in.wav", NULL },
	{ "OUT is IN", "render %/in.wav %/in.wav", 1, "same file", "%/in.wav", NULL },
	{ "OUT is IN, -y", "render %/in.wav %/in.wav -y", 1, "same file", "%/in.wav", NULL },
	{ "OUT is IN spelled with ./ and ..", "render %/in.wav %/sub/../././in.wav -y", 1, "same file", "%/in.wav", NULL },
	{ "OUT is a hard link to IN", "render %/in.wav %/link.wav -y", 1, "same file", "%/in.wav", NULL },
	{ "OUT is a symlink to IN", "render %/in.wav %/sym.wav -y", 1, "same file", "%/in.wav", NULL },
	{ "REPORT is IN", "render %/in.wav %/out.wav --json=%/in.wav -y", 1, "same file", "%/in.wav", "%/out.wav" },
	{ "REPORT is OUT", "render %/in.wav %/out.wav --json=%/./out.wav", 1, "same file", "%/in.wav", "%/out.wav" },
	{ "OUT exists", "render %/in.wav %/existing.wav", 1, "-y", "%/existing.wav", NULL },
	{ "OUT exists, -y (replaced)", "render %/in.wav %/existing.wav -y", 0, NULL, "%/in.wav", NULL },
	{ "OUT exists, --overwrite (replaced)", "render %/in.wav %/existing.wav --overwrite", 0, NULL, "%/in.wav", NULL },
	{ "OUT is a directory", "render %/in.wav %/adir.wav -y", 1, "adir.wav", "%/in.wav", NULL },
	{ "OUT is /dev/full", "render %/in.wav /dev/full -y", 1, "/dev/full", "%/in.wav", NULL },
	{ "REPORT in a missing folder: no OUT", "render %/in.wav %/out.wav --json=%/nodir/r.json", 1, "r.json", "%/in.wav", "%/out.wav" },
	/* numbers */
	{ "--target-lufs nan", "render %/in.wav %/out.wav --target-lufs nan", 1, "--target-lufs", "%/in.wav", "%/out.wav" },
	{ "--target-lufs inf", "render %/in.wav %/out.wav --target-lufs -inf", 1, "--target-lufs", "%/in.wav", "%/out.wav" },
};

#define N_CASES (sizeof cases / sizeof cases[0])

START_TEST(hostile_files)
{
	int crashes = 0, hangs = 0, lost = 0, wrong = 0;
	for (size_t k = 0; k < N_CASES; k++) {
		const hostile_case *c = &cases[k];
		make_files();
		char *keep = c->keep ? expand(c->keep) : NULL, *absent = c->absent ? expand(c->absent) : NULL;
		/* every file of the folder but the outputs is input: none may change */
		char in_path[256];
		snprintf(in_path, sizeof in_path, "%s/in.wav", dir);
		uint64_t h_keep = keep ? file_hash(keep) : 0, h_in = file_hash(in_path);
		int status;
		char *err;
		outcome o = run(c->args, &status, &err);
		const char *verdict = "ok";
		if (o == R_CRASH) {
			crashes++;
			verdict = "CRASH";
		} else if (o == R_HANG) {
			hangs++;
			verdict = "HANG";
		} else {
			int data_lost = (keep && file_hash(keep) != h_keep) || file_hash(in_path) != h_in;
			size_t len = strlen(err);
			int one_line = len > 7 && !strncmp(err, "lathe: ", 7) && strchr(err, '\n') == err + len - 1;
			int err_ok = c->want_err ? one_line && strstr(err, c->want_err) != NULL : len == 0;
			int absent_ok = !absent || access(absent, F_OK) != 0;
			if (data_lost) {
				lost++;
				verdict = "DATA LOST";
			} else if (status != c->want_status || !err_ok || !absent_ok) {
				wrong++;
				verdict = status != c->want_status ? "wrong status" : !err_ok ? "wrong message" : "left a file";
			}
		}
		char *nl = strchr(err, '\n');
		printf("  %-46s exit %3d  %-13s %.*s%s\n", c->name, status, verdict, nl ? (int)(nl - err) : (int)strlen(err), err,
		       nl && nl[1] ? " [more lines]" : "");
		fflush(stdout);
		/* no temporary file survives any case */
		char cmd[300];
		snprintf(cmd, sizeof cmd, "ls -a %s | grep -c tmp- || true", dir);
		char *n = fx_run(cmd);
		if (atoi(n) != 0) {
			printf("  %-46s left a temporary file\n", c->name);
			wrong++;
			snprintf(cmd, sizeof cmd, "rm -f %s/*tmp-*", dir);
			free(fx_run(cmd));
		}
		free(n);
		char outp[256];
		snprintf(outp, sizeof outp, "%s/out.wav", dir);
		unlink(outp);
		snprintf(outp, sizeof outp, "%s/r.json", dir);
		unlink(outp);
		free(err);
		free(keep);
		free(absent);
	}
	printf("hostile files: %zu cases, %d crashes, %d hangs, %d data lost, %d wrong answers\n", N_CASES, crashes, hangs, lost,
	       wrong);
	fflush(stdout);
	ck_assert_int_eq(crashes, 0);
	ck_assert_int_eq(hangs, 0);
	ck_assert_int_eq(lost, 0);
	ck_assert_int_eq(wrong, 0);
}
END_TEST

/* Status 2 for a command line that is wrong in form, 1 for a well-formed
 * one with a bad value (README, Options), the same in every mode; always
 * one `lathe:` line naming what is wrong. */
static const struct {
	const char *args;
	int want;
	const char *names;
} command_lines[] = {
	{ "frobnicate", 2, "frobnicate" },
	{ "--no-such-option", 2, "--no-such-option" },
	{ "render %/in.wav", 2, "render" },
	{ "render %/in.wav %/out.wav extra", 2, "render" },
	{ "render %/in.wav %/out.wav --json", 2, "--json" },
	{ "analyze", 2, "analyze" },
	{ "analyze a.wav b.wav", 2, "analyze" },
	{ "headless extra", 2, "unexpected" },
	{ "render %/in.wav %/out.wav --bits", 2, "--bits" },
	{ "render %/in.wav %/out.wav --target-lufs nan", 1, "--target-lufs" },
	{ "render %/in.wav %/out.wav --target-lufs inf", 1, "--target-lufs" },
	{ "render %/in.wav %/out.wav --target-lufs 0x10", 1, "--target-lufs" },
	{ "render %/in.wav %/out.wav --target-lufs -14dB", 1, "--target-lufs" },
	{ "render %/in.wav %/out.wav --target-lufs -100", 1, "--target-lufs" },
	{ "render %/in.wav %/out.wav --bits 12", 1, "12" },
	{ "render %/in.wav %/out.wav --set /input/gain=nan", 1, "/input/gain" },
	{ "render %/in.wav %/out.wav --set /input/gain=inf", 1, "/input/gain" },
	{ "render %/in.wav %/out.wav --set /no/such=1", 1, "/no/such" },
	{ "render %/in.wav %/out.wav --set novalue", 1, "novalue" },
	{ "headless --osc-port 0", 1, "--osc-port" },
	{ "headless --osc-port 70000", 1, "--osc-port" },
	{ "headless --osc-port abc", 1, "--osc-port" },
	{ "headless --osc-port 7770.5", 1, "--osc-port" },
	{ "headless --meter-rate nan", 1, "--meter-rate" },
	{ "headless --meter-rate -inf", 1, "--meter-rate" },
	{ "headless --meter-rate 0", 1, "--meter-rate" },
	{ "params --osc-port 0", 2, "--osc-port" }, /* params takes no --osc-port: a usage error */
	{ "analyze %/missing.wav", 1, "missing.wav" },
};

START_TEST(exit_status_is_consistent)
{
	make_files();
	int wrong = 0;
	size_t n = sizeof command_lines / sizeof command_lines[0];
	for (size_t k = 0; k < n; k++) {
		int status;
		char *err;
		outcome o = run(command_lines[k].args, &status, &err);
		size_t len = strlen(err);
		int one_line = len > 7 && !strncmp(err, "lathe: ", 7) && strchr(err, '\n') == err + len - 1;
		int ok = o == R_OK_ && status == command_lines[k].want && one_line && strstr(err, command_lines[k].names);
		wrong += !ok;
		char *nl = strchr(err, '\n');
		printf("  %-56s want %d got %3d %-5s %.*s\n", command_lines[k].args, command_lines[k].want, status, ok ? "ok" : "WRONG",
		       nl ? (int)(nl - err) : (int)len, err);
		free(err);
	}
	printf("command lines: %zu cases, %d wrong\n", n, wrong);
	fflush(stdout);
	ck_assert_int_eq(wrong, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostile_files");
	TCase *tc = suite_add_case(s, "hostile", 0, setup, teardown);
	tcase_set_timeout(tc, 2 * HANG_MS / 1000 + N_CASES * 5);
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, exit_status_is_consistent);
	return run_suite(s);
}
