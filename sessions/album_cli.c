/* lathe — `lathe album` (see album_cli.h).
 *
 * Everything is written into a private folder inside OUTDIR
 * (.lathe-album-PID) and renamed into place only when all of it is done: a
 * failure or SIGINT/SIGTERM removes the folder and OUTDIR keeps what it had.
 * The signals are taken by a thread of their own (sigwait), which holds the
 * write lock while it removes the folder, so no file is being created as it
 * goes; then lathe exits at once (status 1) without waiting for the renders. */
#include "album_cli.h"
#include "session_file.h"
#include "snapshot.h"
#include "engine/album.h"
#include "engine/cdimage.h"
#include "engine/ddp.h"
#include "engine/qc.h"
#include "engine/sequence.h"
#include "engine/trackfile.h"

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { F_FLAC = 1, F_WAV = 2, F_CD = 4, F_DDP = 8 };

static struct {
	char *formats, *bits, *json;
	int rate, overwrite, jobs, no_codecs;
} o;

static GOptionEntry entries[] = {
	{ "formats", 0, 0, G_OPTION_ARG_STRING, &o.formats, "What to deliver (default flac,wav,cd,ddp)", "LIST" },
	{ "bits", 0, 0, G_OPTION_ARG_STRING, &o.bits, "Word length of the per-track files (default 24)", "16|24|32f" },
	{ "rate", 0, 0, G_OPTION_ARG_INT, &o.rate, "Sample rate of the per-track files (default: the first mix's)", "R" },
	{ "json", 0, 0, G_OPTION_ARG_FILENAME, &o.json, "Write the QC report as JSON to REPORT", "REPORT" },
	{ "overwrite", 'y', 0, G_OPTION_ARG_NONE, &o.overwrite, "Replace existing outputs", NULL },
	{ "jobs", 'j', 0, G_OPTION_ARG_INT, &o.jobs, "Tracks rendered at once (default: one per core)", "N" },
	{ "no-codec-preview", 0, 0, G_OPTION_ARG_NONE, &o.no_codecs, "Skip the MP3/Opus encode-decode check", NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* ---- the album's chains ---- */

int album_load_chain(lathe_params *p, const char *session, const char *snapshot, char *err, int errlen)
{
	snapshot_bank *b = snapshot ? calloc(1, sizeof *b) : NULL;
	if (session_file_read(session, p, b, NULL, NULL, err, errlen)) {
		free(b);
		return -1;
	}
	if (snapshot) {
		int slot = snapshot_slot(snapshot);
		if (slot < 0 || !b->stored[slot]) {
			snprintf(err, (size_t)errlen, "snapshot=%s: '%s' has no snapshot %s", snapshot, session, snapshot);
			free(b);
			return -1;
		}
		for (int id = 0; id < P_COUNT; id++)
			if (snapshot_param_recalled(id))
				param_set(p, id, b->value[slot][id], NULL);
		free(b);
	}
	return 0;
}

/* ---- stopping ---- */

static volatile sig_atomic_t stop_flag;
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static char *tmp_dir;

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = g_build_filename(dir, e->d_name, NULL);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
		g_free(p);
	}
	closedir(d);
	rmdir(dir);
}

static void *signal_thread(void *u)
{
	sigset_t *set = u;
	int sig;
	if (sigwait(set, &sig) != 0)
		return NULL;
	stop_flag = 1;
	pthread_mutex_lock(&io_lock);
	if (tmp_dir)
		rm_tree(tmp_dir);
	fprintf(stderr, "\nlathe: stopped by %s; nothing was written\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	_exit(1);
}

/* ---- outputs ---- */

typedef struct {
	char *tmp, *final;
} output;

static GPtrArray *outputs;

static char *track_name(int i, const char *title, const char *ext)
{
	char *t = g_strdup(title);
	for (char *p = t; *p; p++)
		if (strchr("/\\:*?\"<>|", *p) || (unsigned char)*p < 0x20)
			*p = '_';
	char *n = g_strdup_printf("%02d %s.%s", i + 1, t, ext);
	g_free(t);
	return n;
}

static void add_output(const char *outdir, const char *name)
{
	output *x = g_new0(output, 1);
	x->tmp = g_build_filename(tmp_dir, name, NULL);
	x->final = g_build_filename(outdir, name, NULL);
	g_ptr_array_add(outputs, x);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Refuses an output that exists (without -y) or is one of the inputs. */
static int check_outputs(const album *a)
{
	for (guint k = 0; k < outputs->len; k++) {
		const output *x = g_ptr_array_index(outputs, k);
		int input = same_file(x->final, a->path) || (a->session && same_file(x->final, a->session));
		for (int i = 0; i < a->n && !input; i++)
			input = same_file(x->final, a->tracks[i].file);
		if (input) {
			fprintf(stderr, "lathe: '%s' is one of the album's inputs; lathe album never writes over them\n", x->final);
			return -1;
		}
		if (!o.overwrite && access(x->final, F_OK) == 0) {
			fprintf(stderr, "lathe: '%s' exists (use -y to replace it)\n", x->final);
			return -1;
		}
	}
	return 0;
}

static int move_into_place(void)
{
	for (guint k = 0; k < outputs->len; k++) {
		const output *x = g_ptr_array_index(outputs, k);
		struct stat st;
		if (lstat(x->final, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(x->final); /* the DDP folder, replaced as a whole (-y was checked) */
		if (rename(x->tmp, x->final)) {
			fprintf(stderr, "lathe: cannot write '%s': %s\n", x->final, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int parse_formats(const char *s)
{
	if (!s)
		return F_FLAC | F_WAV | F_CD | F_DDP;
	int f = 0;
	char **v = g_strsplit(s, ",", -1);
	for (int i = 0; v[i]; i++) {
		if (!strcmp(v[i], "flac"))
			f |= F_FLAC;
		else if (!strcmp(v[i], "wav"))
			f |= F_WAV;
		else if (!strcmp(v[i], "cd"))
			f |= F_CD;
		else if (!strcmp(v[i], "ddp"))
			f |= F_DDP;
		else {
			f = -1;
			break;
		}
	}
	g_strfreev(v);
	return f;
}

static int usage(const char *msg)
{
	fprintf(stderr, "lathe: %s (see 'lathe album --help')\n", msg);
	return 2;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int deliver(const album *a, const char *outdir, int formats, int bits);

int album_main(int argc, char **argv)
{
	GOptionContext *ctx = g_option_context_new("ALBUM OUTDIR - render an album (*.lathe-album) to its delivery");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *ge = NULL;
	/* argv[1] is "album": parse from there so --help names the command */
	int ac = argc - 1;
	char **av = argv + 1;
	if (!g_option_context_parse(ctx, &ac, &av, &ge)) {
		fprintf(stderr, "lathe: %s (see 'lathe album --help')\n", ge->message);
		g_error_free(ge);
		g_option_context_free(ctx);
		return 2;
	}
	g_option_context_free(ctx);
	if (ac != 3)
		return usage("album takes ALBUM and OUTDIR");
	int formats = parse_formats(o.formats);
	if (formats <= 0)
		return usage("--formats takes a list of flac, wav, cd, ddp");
	int bits = 24;
	if (o.bits) {
		if (!strcmp(o.bits, "16"))
			bits = 16;
		else if (!strcmp(o.bits, "24"))
			bits = 24;
		else if (!strcmp(o.bits, "32f"))
			bits = 32;
		else
			return usage("--bits takes 16, 24 or 32f");
	}
	if (bits == 32 && (formats & F_FLAC))
		return usage("FLAC cannot hold 32-bit float: --bits 16 or 24, or --formats without flac");
	if (o.rate && (o.rate % 75 || o.rate < 44100 || o.rate > 192000))
		return usage("--rate takes 44100, 48000, 88200, 96000, 176400 or 192000 (a CD frame must be whole samples)");
	if (o.jobs < 0 || o.jobs > 64)
		return usage("--jobs takes 1..64");
	const char *album_path = av[1], *outdir = av[2];

	/* signals to the signal thread only (every thread started later inherits the mask) */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_t sth;
	pthread_create(&sth, NULL, signal_thread, &set);

	char err[1024] = "";
	album *a = album_load(album_path, album_load_chain, err, sizeof err);
	if (!a) {
		fprintf(stderr, "lathe: %s\n", err);
		return 1;
	}
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		fprintf(stderr, "lathe: cannot create '%s': %s\n", outdir, strerror(errno));
		album_free(a);
		return 1;
	}
	int rc = deliver(a, outdir, formats, bits);
	album_free(a);
	return rc;
}

static int deliver(const album *a, const char *outdir, int formats, int bits)
{
	char err[1024] = "";
	char *name = g_strdup_printf(".lathe-album-%d", (int)getpid());
	pthread_mutex_lock(&io_lock);
	tmp_dir = g_build_filename(outdir, name, NULL);
	g_free(name);
	int made = mkdir(tmp_dir, 0755);
	pthread_mutex_unlock(&io_lock);
	if (made) {
		fprintf(stderr, "lathe: cannot write in '%s': %s\n", outdir, strerror(errno));
		return 1;
	}
	outputs = g_ptr_array_new();
	for (int i = 0; i < a->n; i++) {
		for (int f = F_FLAC; f <= F_WAV; f <<= 1)
			if (formats & f) {
				char *n = track_name(i, a->tracks[i].title, f == F_FLAC ? "flac" : "wav");
				add_output(outdir, n);
				g_free(n);
			}
	}
	if (formats & F_CD) {
		add_output(outdir, "album.wav");
		add_output(outdir, "album.cue");
	}
	if (formats & F_DDP)
		add_output(outdir, "DDP");
	int rc = 1;
	sequence s = { 0 };
	cdimage cd = { 0 };
	qc_report q = { 0 };
	float *delivered = NULL;
	if (check_outputs(a))
		goto out;
	if (o.json && access(o.json, F_OK) == 0 && !o.overwrite) {
		fprintf(stderr, "lathe: '%s' exists (use -y to replace it)\n", o.json);
		goto out;
	}

	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	seq_opts so = { .rate = o.rate, .jobs = o.jobs ? o.jobs : (int)(cores > 0 ? cores : 1), .progress = isatty(2) || getenv("LATHE_PROGRESS"),
		        .stop = &stop_flag };
	double t0 = now_s();
	if (sequence_render(&s, a, &so, err, sizeof err)) {
		fprintf(stderr, "lathe: %s\n", err);
		goto out;
	}
	/* Red Book before anything is written: errors for a CD delivery, warnings otherwise */
	int cdout = formats & (F_CD | F_DDP);
	int violations = cdimage_check(a, &s, 1, err, sizeof err);
	if (violations && cdout) {
		fprintf(stderr, "lathe: %d Red Book violation%s: no CD image or DDP can be made\n", violations,
		        violations == 1 ? "" : "s");
		goto out;
	}

	/* the per-track files: the timeline quantised once, then cut at the INDEX 01 positions */
	delivered = malloc(s.frames * 2 * sizeof(float));
	if (!delivered) {
		fprintf(stderr, "lathe: out of memory\n");
		goto out;
	}
	memcpy(delivered, s.lr, s.frames * 2 * sizeof(float));
	if (bits < 32)
		trackfile_dither(delivered, s.frames, s.rate, bits);
	double t_qc = now_s();
	if (qc_measure(&q, a, &s, delivered, bits, !o.no_codecs, so.jobs, tmp_dir, err, sizeof err)) {
		fprintf(stderr, "lathe: %s\n", err);
		goto out;
	}
	double t_files = now_s();
	guint k = 0;
	for (int i = 0; i < a->n; i++) {
		for (int f = F_FLAC; f <= F_WAV; f <<= 1) {
			if (!(formats & f))
				continue;
			const output *x = g_ptr_array_index(outputs, k++);
			track_tags tg = { .title = a->tracks[i].title, .artist = a->tracks[i].performer, .album = a->title,
				          .date = a->date, .genre = a->genre, .isrc = a->tracks[i].isrc, .number = i + 1,
				          .total = a->n, .time_reference = s.t[i].index01, .loud = &q.t[i].r };
			pthread_mutex_lock(&io_lock);
			int w = trackfile_write(x->tmp, delivered + 2 * s.t[i].index01, s.t[i].file_end - s.t[i].index01, s.rate,
			                        bits, &tg, err, sizeof err);
			pthread_mutex_unlock(&io_lock);
			if (w) {
				fprintf(stderr, "lathe: %s\n", err);
				goto out;
			}
		}
	}
	double t_cd = now_s();
	if (cdout) {
		if (cdimage_make(&cd, &s, bits == 16 ? delivered : NULL, err, sizeof err)) {
			fprintf(stderr, "lathe: %s\n", err);
			goto out;
		}
		pthread_mutex_lock(&io_lock);
		int w = 0;
		if (formats & F_CD) {
			const output *wav = g_ptr_array_index(outputs, k++), *cue = g_ptr_array_index(outputs, k++);
			w = cdimage_write_wav(&cd, wav->tmp, err, sizeof err) ||
			    cdimage_write_cue(&cd, a, cue->tmp, "album.wav", err, sizeof err);
		}
		if (!w && (formats & F_DDP)) {
			const output *d = g_ptr_array_index(outputs, k++);
			w = mkdir(d->tmp, 0755) || ddp_write(d->tmp, a, &cd, err, sizeof err);
			if (w && !*err)
				snprintf(err, sizeof err, "cannot create '%s': %s", d->tmp, strerror(errno));
		}
		pthread_mutex_unlock(&io_lock);
		if (w) {
			fprintf(stderr, "lathe: %s\n", err);
			goto out;
		}
	}
	if (o.json) {
		char *base = g_path_get_basename(o.json);
		char *tmp = g_build_filename(tmp_dir, base, NULL);
		g_free(base);
		pthread_mutex_lock(&io_lock);
		FILE *f = fopen(tmp, "w");
		if (f) {
			qc_json(&q, a, f);
			if (fclose(f))
				f = NULL;
		}
		pthread_mutex_unlock(&io_lock);
		if (!f) {
			fprintf(stderr, "lathe: cannot write report '%s': %s\n", o.json, strerror(errno));
			g_free(tmp);
			goto out;
		}
		output *x = g_new0(output, 1);
		x->tmp = tmp;
		x->final = g_strdup(o.json);
		g_ptr_array_add(outputs, x);
	}
	pthread_mutex_lock(&io_lock);
	int moved = move_into_place();
	pthread_mutex_unlock(&io_lock);
	if (moved)
		goto out;
	qc_print(&q, a, stdout);
	if (a->loudness == LOUDNESS_ALBUM)
		printf("album normalisation: %.2f LUFS before quantisation (target %.1f), %+.2f dB after the chain, drive %+.2f dB\n",
		       s.album_lufs, a->target_lufs, s.t[0].post_gain_db, s.t[0].drive_db);
	printf("rendered %d tracks in %.2f s (%d job%s), delivered in %.2f s (QC %.2f s, track files %.2f s, CD/DDP %.2f s)\n",
	       a->n, s.wall_s, so.jobs, so.jobs == 1 ? "" : "s", now_s() - t0, t_files - t_qc, t_cd - t_files, now_s() - t_cd);
	rc = 0;
out:
	pthread_mutex_lock(&io_lock);
	rm_tree(tmp_dir);
	g_free(tmp_dir);
	tmp_dir = NULL;
	pthread_mutex_unlock(&io_lock);
	for (guint i = 0; i < outputs->len; i++) {
		output *x = g_ptr_array_index(outputs, i);
		g_free(x->tmp);
		g_free(x->final);
		g_free(x);
	}
	g_ptr_array_free(outputs, TRUE);
	free(delivered);
	qc_free(&q);
	cdimage_free(&cd);
	sequence_free(&s);
	return rc;
}
