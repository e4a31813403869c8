/* `lathe album`: the real binary over generated songs.  References are
 * independent of the writer: the CUE sheet is read by cdrdao and cuetools
 * (when installed) and by this file's own parser, FLAC tags by metaflac, the
 * DDP fileset against the DDP 2.00 record layout and the CD-TEXT pack rules
 * (CRC-16 x^16+x^12+x^5+1 inverted) as written out here, checksums by md5sum. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static char dir[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/lathe-album-test-%d", (int)getpid());
	mkdir(dir, 0755);
}

static void teardown(void) { rm_tree(dir); }

#define path(...) path_in(dir, __VA_ARGS__)

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A "song": a chord with a slow tremolo and a little noise, 24-bit. */
static void write_song(const char *p, int rate, double seconds, double f0, double amp, unsigned seed)
{
	SF_INFO info = { .samplerate = rate, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	int n = (int)(seconds * rate);
	float *x = malloc((size_t)n * 2 * sizeof(float));
	for (int i = 0; i < n; i++) {
		double t = (double)i / rate, env = 0.6 + 0.4 * sin(2 * M_PI * 0.5 * t);
		seed = seed * 1664525u + 1013904223u;
		double noise = ((double)(seed >> 8) / 16777216.0 - 0.5) * 0.05;
		double l = sin(2 * M_PI * f0 * t) + 0.5 * sin(2 * M_PI * f0 * 1.5 * t) + noise;
		double r = sin(2 * M_PI * f0 * t + 0.3) + 0.5 * sin(2 * M_PI * f0 * 1.25 * t) - noise;
		x[2 * i] = (float)(amp * env * l / 1.6);
		x[2 * i + 1] = (float)(amp * env * r / 1.6);
	}
	sf_writef_float(sf, x, n);
	sf_close(sf);
	free(x);
}

static int lathe(const char *args, char **err_out, char **out_out)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", fx_lathe_bin(), args, path("stdout.txt"), path("stderr.txt"));
	int rc = system(cmd);
	if (err_out) {
		snprintf(cmd, sizeof cmd, "cat %s", path("stderr.txt"));
		*err_out = fx_run(cmd);
	}
	if (out_out) {
		snprintf(cmd, sizeof cmd, "cat %s", path("stdout.txt"));
		*out_out = fx_run(cmd);
	}
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static short *read_shorts(const char *p, sf_count_t *frames, int *rate)
{
	SF_INFO info;
	memset(&info, 0, sizeof info);
	SNDFILE *sf = sf_open(p, SFM_READ, &info);
	ck_assert_msg(sf != NULL, "cannot open %s", p);
	ck_assert_int_eq(info.channels, 2);
	short *x = malloc((size_t)info.frames * 2 * sizeof(short) + 4);
	ck_assert_int_eq(sf_readf_short(sf, x, info.frames), info.frames);
	sf_close(sf);
	*frames = info.frames;
	if (rate)
		*rate = info.samplerate;
	return x;
}

static unsigned char *read_bytes(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", p);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int have(const char *tool)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* ---- the album every test starts from: a gap, a crossfade, a segue ---- */

static const char *titles[] = { "First Light", "Second Wind", "Third Rail" };
static const char *isrcs[] = { "GBXYZ2600001", "GBXYZ2600002", "GBXYZ2600003" };

static void make_album(const char *name, const char *album_extra, int rate)
{
	write_song(path("one.wav"), rate, 7.0, 220, 0.30, 1);
	write_song(path("two.wav"), rate, 6.0, 330, 0.15, 2);
	write_song(path("three.wav"), 48000, 8.0, 262, 0.25, 3); /* another rate: converted */
	write_song(path("four.wav"), rate, 6.5, 196, 0.20, 4);
	char text[2048];
	snprintf(text, sizeof text,
	         "# a test album\n[album]\nformat=1\ntitle=Night Drive\nperformer=The Examples\nupc=036000291452\n"
	         "genre=Electronic\ndate=2026\n%s\n"
	         "[track 1]\nfile=one.wav\ntitle=%s\nisrc=GB-XYZ-26-00001\nfade_in=0.2\n\n"
	         "[track 2]\nfile=two.wav\ntitle=%s\nisrc=GB-XYZ-26-00002\ngap=1.5\ngain_db=-1\n\n"
	         "[track 3]\nfile=three.wav\ntitle=%s\nisrc=GBXYZ2600003\ncrossfade=2\nfade_curve=sine\n\n"
	         "[track 4]\nfile=four.wav\ntitle=Coda\ncrossfade=1.5\nindex=0.8\nfade_out=1\n",
	         album_extra, titles[0], titles[1], titles[2]);
	write_text(path("%s", name), text);
}

/* CUE INDEX lines: frames of track t's INDEX 00 (or -1) and 01. */
static int parse_cue(const char *cue, long i00[], long i01[])
{
	FILE *f = fopen(cue, "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	int t = -1;
	while (fgets(line, sizeof line, f)) {
		int n, m, s, fr;
		if (sscanf(line, " TRACK %d AUDIO", &n) == 1) {
			t = n - 1;
			i00[t] = -1;
		} else if (sscanf(line, " INDEX %d %d:%d:%d", &n, &m, &s, &fr) == 4) {
			ck_assert(fr < 75 && s < 60);
			(n == 0 ? i00 : i01)[t] = (m * 60 + s) * 75 + fr;
		}
	}
	fclose(f);
	return t + 1;
}

static uint16_t crc_ccitt_ref(const unsigned char *p, int n)
{
	/* bitwise, MSB first, the CD-TEXT pack check word (Red Book CD-TEXT annex): complemented */
	unsigned c = 0;
	for (int i = 0; i < n; i++)
		for (int b = 7; b >= 0; b--) {
			unsigned in = (p[i] >> b) & 1, top = (c >> 15) & 1;
			c = (c << 1) & 0xffff;
			if (in ^ top)
				c ^= 0x1021;
		}
	return (uint16_t)(~c & 0xffff);
}

static long msf_field(const unsigned char *r, int at)
{
	int m = (r[at] - '0') * 10 + r[at + 1] - '0', s = (r[at + 2] - '0') * 10 + r[at + 3] - '0',
	    f = (r[at + 4] - '0') * 10 + r[at + 5] - '0';
	return (m * 60 + s) * 75 + f;
}

START_TEST(album_delivers_everything)
{
	make_album("a.lathe-album", "", 44100);
	char args[1024], *err, *out;
	snprintf(args, sizeof args, "album %s %s --rate 44100 --bits 16 --json %s", path("a.lathe-album"), path("out"),
	         path("report.json"));
	int rc = lathe(args, &err, &out);
	ck_assert_msg(rc == 0, "lathe album failed: %s", err);
	printf("%s", out);
	free(err);
	free(out);
	char *left = fx_run("ls -a /tmp | true");
	free(left);
	snprintf(args, sizeof args, "ls -a %s | grep -c lathe-album || true", path("out"));
	char *n = fx_run(args);
	ck_assert_int_eq(atoi(n), 0);
	free(n);

	/* the CUE as this test reads it: positions in CD frames */
	long i00[99], i01[99];
	int ntr = parse_cue(path("out/album.cue"), i00, i01);
	ck_assert_int_eq(ntr, 4);
	ck_assert_int_eq(i01[0], 0);
	ck_assert_msg(i00[1] >= 0 && i01[1] - i00[1] >= 112 && i01[1] - i00[1] <= 114, "track 2's pregap is the 1.5-s gap");
	ck_assert_int_eq(i00[2], -1); /* a crossfade: no pregap */

	/* files concatenate to the CD image sample for sample, each starting at its INDEX 01 */
	sf_count_t cd_frames;
	int rate;
	short *cd = read_shorts(path("out/album.wav"), &cd_frames, &rate);
	ck_assert_int_eq(rate, 44100);
	ck_assert_int_eq(cd_frames % 588, 0);
	const char *names[] = { "01 First Light", "02 Second Wind", "03 Third Rail", "04 Coda" };
	for (int ext = 0; ext < 2; ext++) {
		sf_count_t pos = 0;
		for (int t = 0; t < 4; t++) {
			char f[200];
			snprintf(f, sizeof f, "out/%s.%s", names[t], ext ? "wav" : "flac");
			sf_count_t fr;
			short *x = read_shorts(path("%s", f), &fr, NULL);
			ck_assert_msg(pos == i01[t] * 588, "%s starts at sample %ld, its INDEX 01 at %ld", f, (long)pos, i01[t] * 588);
			ck_assert_int_le(pos + fr, cd_frames);
			ck_assert_msg(memcmp(x, cd + 2 * pos, (size_t)fr * 4) == 0, "%s differs from the CD image", f);
			pos += fr;
			free(x);
		}
		ck_assert_int_eq(pos, cd_frames);
	}

	/* cdrdao and cuetools read the same positions */
	if (have("cdrdao")) {
		snprintf(args, sizeof args, "cd %s && cdrdao show-toc album.cue 2>&1", path("out"));
		char *toc = fx_run(args);
		int t = 0;
		for (char *p = toc; (p = strstr(p, "START ")); p++) {
			long fr = strtol(strchr(p, '(') + 1, NULL, 10);
			ck_assert_msg(t < 4 && fr == i01[t], "cdrdao: track %d starts at %ld, CUE says %ld", t + 1, fr, i01[t]);
			t++;
		}
		ck_assert_int_eq(t, 4);
		ck_assert_ptr_nonnull(strstr(toc, "CATALOG NUMBER: 0036000291452"));
		ck_assert_ptr_nonnull(strstr(toc, "ISRC GB XYZ 26 00002"));
		printf("cdrdao show-toc: 4 tracks, starts as the CUE, catalog and ISRC read\n");
		free(toc);
	}
	if (have("cuebreakpoints") && have("cueprint")) {
		snprintf(args, sizeof args, "cuebreakpoints %s", path("out/album.cue"));
		char *bp = fx_run(args), *p = bp;
		for (int t = 1; t < 4; t++) {
			int m, s, f;
			ck_assert_int_eq(sscanf(p, "%d:%d.%d", &m, &s, &f), 3);
			ck_assert_int_eq((m * 60 + s) * 75 + f, i01[t]);
			p = strchr(p, '\n') + 1;
		}
		free(bp);
		snprintf(args, sizeof args, "cueprint -t '%%n %%t %%i\\n' %s", path("out/album.cue"));
		char *pr = fx_run(args);
		ck_assert_msg(strstr(pr, "2 Second Wind GBXYZ2600002") != NULL, "cueprint: %s", pr);
		free(pr);
		printf("cuebreakpoints/cueprint: breakpoints and titles agree\n");
	}

	/* FLAC tags by metaflac */
	if (have("metaflac")) {
		snprintf(args, sizeof args, "metaflac --export-tags-to=- '%s'", path("out/02 Second Wind.flac"));
		char *tags = fx_run(args);
		const char *want[] = { "TITLE=Second Wind", "ARTIST=The Examples", "ALBUM=Night Drive", "TRACKNUMBER=2",
			               "TRACKTOTAL=4", "ISRC=GBXYZ2600002", "DATE=2026", "GENRE=Electronic" };
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			ck_assert_msg(strcasestr(tags, want[i]) != NULL, "metaflac: no %s in\n%s", want[i], tags);
		free(tags);
	}
	/* WAV: RIFF INFO and bext through libsndfile */
	{
		SF_INFO info = { 0 };
		SNDFILE *sf = sf_open(path("out/03 Third Rail.wav"), SFM_READ, &info);
		ck_assert_ptr_nonnull(sf);
		ck_assert_str_eq(sf_get_string(sf, SF_STR_TITLE), "Third Rail");
		ck_assert_str_eq(sf_get_string(sf, SF_STR_ARTIST), "The Examples");
		ck_assert_str_eq(sf_get_string(sf, SF_STR_ALBUM), "Night Drive");
		SF_BROADCAST_INFO b;
		ck_assert_int_eq(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b), SF_TRUE);
		ck_assert_ptr_nonnull(strstr(b.description, "ISRC=GBXYZ2600003"));
		ck_assert_int_eq((long)b.time_reference_low, i01[2] * 588);
		sf_close(sf);
	}

	/* DDP 2.00 */
	size_t len;
	unsigned char *id = read_bytes(path("out/DDP/DDPID"), &len);
	ck_assert_int_eq(len, 128);
	ck_assert(memcmp(id, "DDP 2.00", 8) == 0);
	ck_assert(memcmp(id + 8, "0036000291452", 13) == 0);
	free(id);
	unsigned char *ms = read_bytes(path("out/DDP/DDPMS"), &len);
	ck_assert_int_eq(len % 128, 0);
	int found_main = 0, found_pq = 0, found_text = 0;
	for (size_t k = 0; k < len; k += 128) {
		unsigned char *r = ms + k;
		ck_assert(memcmp(r, "VVVM", 4) == 0);
		char dsi[18] = { 0 };
		memcpy(dsi, r + 74, 17);
		for (int i = 16; i >= 0 && dsi[i] == ' '; i--)
			dsi[i] = 0;
		if (!memcmp(r + 4, "D0", 2)) {
			found_main = 1;
			ck_assert(memcmp(r + 38, "DA", 2) == 0);
			ck_assert_str_eq(dsi, "IMAGE.DAT");
			char dsl[9] = { 0 };
			memcpy(dsl, r + 14, 8);
			ck_assert_int_eq(atol(dsl), cd_frames / 588);
		} else if (!memcmp(r + 30, "PQ DESCR", 8)) {
			found_pq = 1;
			ck_assert_str_eq(dsi, "PQDESCR");
		} else if (!memcmp(r + 30, "CDTEXT", 6)) {
			found_text = 1;
			ck_assert_str_eq(dsi, "CDTEXT.BIN");
		}
	}
	ck_assert(found_main && found_pq && found_text);
	free(ms);
	/* the image: big-endian 16-bit, the CD image's samples */
	unsigned char *img = read_bytes(path("out/DDP/IMAGE.DAT"), &len);
	ck_assert_int_eq(len, (size_t)cd_frames * 4);
	for (size_t i = 0; i < (size_t)cd_frames * 2; i++) {
		short v = (short)((img[2 * i] << 8) | img[2 * i + 1]);
		if (v != cd[i])
			ck_abort_msg("IMAGE.DAT sample %zu is %d, the CD image's %d", i, v, cd[i]);
	}
	free(img);
	/* PQ: absolute time, the 2-s pregap included, agrees with the CUE */
	unsigned char *pq = read_bytes(path("out/DDP/PQDESCR"), &len);
	ck_assert_int_eq(len % 64, 0);
	int idx01 = 0, leadout = 0;
	for (size_t k = 0; k < len; k += 64) {
		unsigned char *r = pq + k;
		ck_assert(memcmp(r, "VVVS", 4) == 0);
		long at = msf_field(r, 10);
		if (!memcmp(r + 4, "AA", 2)) {
			leadout = 1;
			ck_assert_int_eq(at - 150, cd_frames / 588);
			continue;
		}
		int trk = (r[4] - '0') * 10 + r[5] - '0', idx = (r[6] - '0') * 10 + r[7] - '0';
		if (trk == 1 && idx == 0)
			ck_assert_int_eq(at, 0);
		else if (idx == 0)
			ck_assert_int_eq(at - 150, i00[trk - 1]);
		else {
			ck_assert_int_eq(at - 150, i01[trk - 1]);
			if (trk <= 3)
				ck_assert(memcmp(r + 20, isrcs[trk - 1], 12) == 0);
			idx01++;
		}
	}
	ck_assert_int_eq(idx01, 4);
	ck_assert(leadout);
	free(pq);
	/* CD-TEXT: every pack's CRC, the titles reassembled */
	unsigned char *tx = read_bytes(path("out/DDP/CDTEXT.BIN"), &len);
	ck_assert_int_eq(len % 18, 0);
	char text80[1024] = { 0 };
	size_t tn = 0;
	for (size_t k = 0; k < len; k += 18) {
		unsigned char *p = tx + k;
		ck_assert_int_eq(p[2], (int)(k / 18)); /* sequence numbers */
		uint16_t c = crc_ccitt_ref(p, 16);
		ck_assert_msg(p[16] == c >> 8 && p[17] == (c & 0xff), "CD-TEXT pack %zu: bad CRC", k / 18);
		if (p[0] == 0x80) {
			memcpy(text80 + tn, p + 4, 12);
			tn += 12;
		}
	}
	/* album title then the tracks', NUL-separated */
	const char *s = text80;
	ck_assert_str_eq(s, "Night Drive");
	for (int t = 0; t < 3; t++) {
		s += strlen(s) + 1;
		ck_assert_str_eq(s, titles[t]);
	}
	free(tx);
	snprintf(args, sizeof args, "cd %s && md5sum -c --quiet CHECKSUM.MD5", path("out/DDP"));
	ck_assert_int_eq(system(args), 0);
	free(cd);

	/* the report: gaps and overlaps as delivered */
	char *rep;
	snprintf(args, sizeof args, "cat %s", path("report.json"));
	rep = fx_run(args);
	ck_assert_ptr_nonnull(strstr(rep, "\"gap_s\": 1.5"));
	ck_assert_ptr_nonnull(strstr(rep, "\"gap_s\": -2.0"));
	ck_assert_ptr_nonnull(strstr(rep, "\"mono_loss_lu\""));
	ck_assert_ptr_nonnull(strstr(rep, "\"codec_preview\""));
	free(rep);
}
END_TEST

/* loudness=album: one gain for all; a cut goes after the chain, so every
 * sample of every track scales by the same factor. */
START_TEST(album_loudness_keeps_relative_levels)
{
	make_album("plain.lathe-album", "", 44100);
	make_album("norm.lathe-album", "loudness=album\ntarget_lufs=-32", 44100);
	char args[1024], *err;
	snprintf(args, sizeof args, "album %s %s --formats wav --bits 32f --no-codec-preview", path("plain.lathe-album"),
	         path("plain"));
	ck_assert_int_eq(lathe(args, &err, NULL), 0);
	free(err);
	snprintf(args, sizeof args, "album %s %s --formats wav --bits 32f --no-codec-preview --json %s",
	         path("norm.lathe-album"), path("norm"), path("norm.json"));
	ck_assert_int_eq(lathe(args, &err, NULL), 0);
	free(err);
	const char *names[] = { "01 First Light", "02 Second Wind", "03 Third Rail", "04 Coda" };
	double ratio = 0;
	for (int t = 0; t < 4; t++) {
		SF_INFO a = { 0 }, b = { 0 };
		SNDFILE *fa = sf_open(path("plain/%s.wav", names[t]), SFM_READ, &a);
		SNDFILE *fb = sf_open(path("norm/%s.wav", names[t]), SFM_READ, &b);
		ck_assert(fa && fb);
		ck_assert_int_eq(a.frames, b.frames);
		float *x = malloc((size_t)a.frames * 2 * sizeof(float)), *y = malloc((size_t)a.frames * 2 * sizeof(float));
		sf_readf_float(fa, x, a.frames);
		sf_readf_float(fb, y, b.frames);
		for (sf_count_t i = 0; i < 2 * a.frames; i++) {
			if (fabsf(x[i]) < 1e-3f)
				continue;
			double r = (double)y[i] / x[i];
			if (ratio == 0)
				ratio = r;
			ck_assert_msg(fabs(r / ratio - 1) < 1e-5, "track %d sample %ld: ratio %.7f, elsewhere %.7f", t + 1, (long)i,
			              r, ratio);
		}
		sf_close(fa);
		sf_close(fb);
		free(x);
		free(y);
	}
	ck_assert(ratio > 0 && ratio < 1);
	char *rep = fx_run("true");
	free(rep);
	snprintf(args, sizeof args, "grep -m1 -A1 '\"report\"' %s | grep integrated_lufs", path("norm.json"));
	rep = fx_run(args);
	double lufs = atof(strchr(rep, ':') + 1);
	expect_near(lufs, -32, 0.1, "album integrated (LUFS)", 28);
	printf("  one gain of %.2f dB for every track\n", 20 * log10(ratio));
	free(rep);
}
END_TEST

static void expect_bad(const char *text, const char *want, int status)
{
	write_text(path("bad.lathe-album"), text);
	char args[600], *err;
	snprintf(args, sizeof args, "album %s %s", path("bad.lathe-album"), path("badout"));
	int rc = lathe(args, &err, NULL);
	ck_assert_msg(rc == status, "exit %d (want %d) for: %s", rc, status, err);
	ck_assert_msg(strstr(err, want) != NULL, "stderr '%s' lacks '%s'", err, want);
	ck_assert_msg(strncmp(err, "lathe: ", 7) == 0 && strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	free(err);
	ck_assert_int_ne(access(path("badout/01 A.flac"), F_OK), 0);
}

START_TEST(bad_album_files)
{
	write_song(path("one.wav"), 44100, 5, 220, 0.3, 1);
	const char *head = "[album]\nformat=1\ntitle=X\n";
	char t[1024];
	expect_bad("[album]\ntitle=X\n", "bad.lathe-album:1: not a lathe album: no format=", 1);
	expect_bad("[album]\nformat=9\n[track 1]\nfile=one.wav\n", "bad.lathe-album:2: format=9", 1);
	snprintf(t, sizeof t, "%supc=036000291453\n[track 1]\nfile=one.wav\n", head);
	expect_bad(t, "bad.lathe-album:4: upc '036000291453': check digit", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\ntitle=A\nisrc=GB-XYZ-26-0001\n", head);
	expect_bad(t, "bad.lathe-album:7: isrc 'GB-XYZ-26-0001'", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\ntitle=A\n\n[track 3]\nfile=one.wav\n", head);
	expect_bad(t, "bad.lathe-album:8: [track 3]: tracks are numbered", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\ntitel=A\n", head);
	expect_bad(t, "bad.lathe-album:6: unknown key 'titel'", 1);
	snprintf(t, sizeof t, "%s[track 1]\ntitle=A\n", head);
	expect_bad(t, "bad.lathe-album:4: [track 1] has no file=", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\nfade_out=soon\n", head);
	expect_bad(t, "bad.lathe-album:6: fade_out=soon: not a number", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\n[track 2]\nfile=one.wav\ngap=1\ncrossfade=2\n", head);
	expect_bad(t, "bad.lathe-album:9: a track has a gap or a crossfade", 1);
	snprintf(t, sizeof t, "%sloudness=album\n[track 1]\nfile=one.wav\n", head);
	expect_bad(t, "bad.lathe-album:4: loudness= needs target_lufs=", 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=missing.wav\n", head);
	expect_bad(t, "bad.lathe-album:4: cannot open", 1);
	snprintf(t, sizeof t, "%sthis is not a key file\n", head);
	expect_bad(t, "bad.lathe-album:4: not a key=value line", 1);
	/* Red Book: a 2-s track cannot go on a CD */
	write_song(path("short.wav"), 44100, 2, 220, 0.3, 1);
	snprintf(t, sizeof t, "%s[track 1]\nfile=one.wav\ntitle=A\n[track 2]\nfile=short.wav\ntitle=B\n", head);
	write_text(path("bad.lathe-album"), t);
	char args[600], *err;
	snprintf(args, sizeof args, "album %s %s --formats flac,cd --no-codec-preview", path("bad.lathe-album"), path("badout"));
	ck_assert_int_eq(lathe(args, &err, NULL), 1);
	ck_assert_msg(strstr(err, "bad.lathe-album:7: track 2 'B' is 00:02:00 long") != NULL, "%s", err);
	free(err);
	ck_assert_int_ne(access(path("badout/01 A.flac"), F_OK), 0);
	/* without cd/ddp it is only a warning */
	snprintf(args, sizeof args, "album %s %s --formats flac --no-codec-preview", path("bad.lathe-album"), path("badout"));
	ck_assert_int_eq(lathe(args, &err, NULL), 0);
	free(err);
	/* usage */
	ck_assert_int_eq(lathe("album", NULL, NULL), 2);
	snprintf(args, sizeof args, "album %s %s --formats mp4", path("bad.lathe-album"), path("x"));
	ck_assert_int_eq(lathe(args, NULL, NULL), 2);
	snprintf(args, sizeof args, "album %s %s --rate 44000", path("bad.lathe-album"), path("x"));
	ck_assert_int_eq(lathe(args, NULL, NULL), 2);
}
END_TEST

/* A master limited to 0 dBTP: MP3 and Opus overshoot when decoded. */
START_TEST(codec_preview_flags_clipping)
{
	write_song(path("hot.wav"), 44100, 6, 180, 0.5, 9);
	write_text(path("hot.lathe"), "[session]\nformat=1\n[current]\n/limiter/ceiling=0\n");
	write_text(path("hot.lathe-album"), "[album]\nformat=1\ntitle=Hot\nsession=hot.lathe\nloudness=track\ntarget_lufs=-5\n"
	                                    "[track 1]\nfile=hot.wav\ntitle=Loud\n");
	char args[600], *err, *out;
	snprintf(args, sizeof args, "album %s %s --formats wav --json %s", path("hot.lathe-album"), path("hot"),
	         path("hot.json"));
	ck_assert_int_eq(lathe(args, &err, &out), 0);
	printf("%s", out);
	ck_assert_msg(strstr(out, "clips after") != NULL, "no codec warning in:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "lower it by"));
	free(out);
	free(err);
	snprintf(args, sizeof args, "grep -c '\"clips\": true' %s", path("hot.json"));
	out = fx_run(args);
	ck_assert_int_ge(atoi(out), 1);
	free(out);
}
END_TEST

START_TEST(overwrite_and_signals)
{
	write_song(path("one.wav"), 44100, 5, 220, 0.3, 1);
	write_text(path("a.lathe-album"), "[album]\nformat=1\ntitle=X\n[track 1]\nfile=one.wav\ntitle=A\n");
	char args[600], *err;
	snprintf(args, sizeof args, "album %s %s --formats flac --no-codec-preview", path("a.lathe-album"), path("o"));
	ck_assert_int_eq(lathe(args, NULL, NULL), 0);
	ck_assert_int_eq(lathe(args, &err, NULL), 1);
	ck_assert_msg(strstr(err, "exists (use -y") != NULL, "%s", err);
	free(err);
	strcat(args, " -y");
	ck_assert_int_eq(lathe(args, NULL, NULL), 0);
	/* an output that is an input is refused even with -y */
	write_text(path("b.lathe-album"), "[album]\nformat=1\ntitle=X\n[track 1]\nfile=o/01 A.flac\ntitle=A\n");
	snprintf(args, sizeof args, "album %s %s --formats flac --no-codec-preview -y", path("b.lathe-album"), path("o"));
	ck_assert_int_eq(lathe(args, &err, NULL), 1);
	ck_assert_msg(strstr(err, "is one of the album's inputs") != NULL, "%s", err);
	free(err);

	/* SIGINT in the middle: nothing is left in OUTDIR */
	write_song(path("long.wav"), 44100, 120, 220, 0.3, 5);
	write_text(path("c.lathe-album"), "[album]\nformat=1\ntitle=X\nloudness=track\ntarget_lufs=-14\n"
	                                  "[track 1]\nfile=long.wav\ntitle=A\n[track 2]\nfile=long.wav\ntitle=B\n");
	for (int sig = 0; sig < 2; sig++) {
		mkdir(path("sig"), 0755);
		pid_t pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", 1);
			dup2(fd, 1);
			dup2(fd, 2);
			execl(fx_lathe_bin(), "lathe", "album", path("c.lathe-album"), path("sig"), (char *)NULL);
			_exit(127);
		}
		usleep(700000);
		kill(pid, sig ? SIGTERM : SIGINT);
		int st;
		waitpid(pid, &st, 0);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
		snprintf(args, sizeof args, "ls -A %s | wc -l", path("sig"));
		char *n = fx_run(args);
		ck_assert_msg(atoi(n) == 0, "%s left files after a signal", path("sig"));
		free(n);
	}
}
END_TEST

/* analyze MIX --compare MASTER: the figures of both, and the picture */
START_TEST(analyze_compare_mix_and_master)
{
	write_song(path("mix.wav"), 44100, 6, 220, 0.2, 3);
	char args[600], *out;
	snprintf(args, sizeof args, "render %s %s --target-lufs -12", path("mix.wav"), path("master.wav"));
	ck_assert_int_eq(lathe(args, NULL, NULL), 0);
	snprintf(args, sizeof args, "analyze %s --compare %s --json --plot %s", path("mix.wav"), path("master.wav"),
	         path("cmp.png"));
	ck_assert_int_eq(lathe(args, NULL, &out), 0);
	char *g = strstr(out, "\"loudness_gain_lu\":");
	ck_assert_ptr_nonnull(g);
	double gain = atof(g + 20);
	free(out);
	/* the same figure from two separate analyses */
	double lufs[2];
	for (int k = 0; k < 2; k++) {
		snprintf(args, sizeof args, "analyze %s --json", path(k ? "master.wav" : "mix.wav"));
		ck_assert_int_eq(lathe(args, NULL, &out), 0);
		lufs[k] = atof(strstr(out, "\"integrated_lufs\":") + 18);
		free(out);
	}
	expect_near(gain, lufs[1] - lufs[0], 0.011, "loudness gain (LU)", 28);
	ck_assert_int_gt(gain, 5);
	/* a PNG 1400 px wide (IHDR width, big-endian, at byte 16) */
	size_t len;
	unsigned char *png = read_bytes(path("cmp.png"), &len);
	ck_assert(len > 24 && !memcmp(png + 1, "PNG", 3));
	ck_assert_int_eq((png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19], 1400);
	free(png);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("album");
	TCase *tc = suite_add_case(s, "album", 300, setup, teardown);
	tcase_add_test(tc, album_delivers_everything);
	tcase_add_test(tc, album_loudness_keeps_relative_levels);
	tcase_add_test(tc, bad_album_files);
	tcase_add_test(tc, codec_preview_flags_clipping);
	tcase_add_test(tc, overwrite_and_signals);
	tcase_add_test(tc, analyze_compare_mix_and_master);
	return run_suite(s);
}
