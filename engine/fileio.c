/* lathe — opening the files a user names (see fileio.h). */
#include "fileio.h"
#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int file_open_regular(const char *path, struct stat *st_out, char *err, int errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot open '%s': %s, not a regular file", path, kind_of(st.st_mode));
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st_out)
		*st_out = st;
	return fd;
}

/* The folder holding path and its last name (dirname/basename work on copies). */
static int parent_of(const char *path, struct stat *dir_st, char *base, size_t baselen)
{
	char *a = strdup(path), *b = strdup(path);
	int rc = -1;
	if (a && b) {
		rc = stat(dirname(a), dir_st);
		snprintf(base, baselen, "%s", basename(b));
	}
	free(a);
	free(b);
	return rc;
}

int file_same(const char *a, const char *b)
{
	struct stat sa, sb;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if (ea && eb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea != eb)
		return 0;
	char na[4096], nb[4096];
	if (parent_of(a, &sa, na, sizeof na) || parent_of(b, &sb, nb, sizeof nb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && !strcmp(na, nb);
}

int file_check_output(const char *path, const char *what, const struct stat *in_st, int overwrite, char *err,
                      int errlen)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0; /* does not exist (yet): where it goes is checked when it is created */
	if (in_st && st.st_dev == in_st->st_dev && st.st_ino == in_st->st_ino) {
		snprintf(err, errlen, "%s '%s' is the same file as the input: lathe never writes over its input", what, path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s '%s' is %s, not a regular file", what, path, kind_of(st.st_mode));
		return -1;
	}
	if (!overwrite) {
		snprintf(err, errlen, "%s '%s' exists; replace it with -y (--overwrite)", what, path);
		return -1;
	}
	return 0;
}

/* Library notes off stderr: fd 2 points at /dev/null while a libsndfile call
 * runs.  fd 2 is the process's: threads that open files at once (an album's
 * tracks render in parallel) share one muting, counted under a lock, so the
 * last one out restores the real stderr (each saving and restoring its own
 * would leave fd 2 on /dev/null for good when two overlap).  A line another
 * thread prints meanwhile is lost, so this is for the offline modes. */
static pthread_mutex_t mute_lock = PTHREAD_MUTEX_INITIALIZER;
static int mute_depth, mute_saved = -1;

static void mute(void)
{
	pthread_mutex_lock(&mute_lock);
	if (mute_depth++ == 0) {
		fflush(stderr);
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		mute_saved = nul >= 0 ? dup(2) : -1;
		if (mute_saved >= 0)
			dup2(nul, 2);
		if (nul >= 0)
			close(nul);
	}
	pthread_mutex_unlock(&mute_lock);
}

static void unmute(void)
{
	pthread_mutex_lock(&mute_lock);
	if (--mute_depth == 0 && mute_saved >= 0) {
		dup2(mute_saved, 2);
		close(mute_saved);
		mute_saved = -1;
	}
	pthread_mutex_unlock(&mute_lock);
}

SNDFILE *file_open_sound(const char *path, SF_INFO *info, int max_channels, struct stat *st, char *err, int errlen)
{
	memset(info, 0, sizeof *info);
	int fd = file_open_regular(path, st, err, errlen);
	if (fd < 0)
		return NULL;
	mute();
	SNDFILE *sf = sf_open_fd(fd, SFM_READ, info, 1);
	unmute();
	if (!sf) {
		/* libsndfile 1.2 answers a file its MPEG probe gave up on with "File does
		 * not exist or is not a regular file (possibly a pipe?)": we know better */
		const char *why = sf_strerror(NULL);
		if (strstr(why, "regular file"))
			why = "not a sound file lathe can read";
		snprintf(err, errlen, "cannot open '%s': %s", path, why);
		return NULL; /* sf_open_fd closed fd (close_desc) */
	}
	if (!engine_rate_supported(info->samplerate)) {
		snprintf(err, errlen, "'%s': %d Hz; lathe works at " ENGINE_RATE_RANGE, path, info->samplerate);
		sf_close(sf);
		return NULL;
	}
	if (info->channels < 1 || info->channels > max_channels) {
		if (max_channels == 2)
			snprintf(err, errlen, "'%s': %d channels; lathe masters mono or stereo files", path, info->channels);
		else
			snprintf(err, errlen, "'%s': %d channels; lathe reads 1 to %d", path, info->channels, max_channels);
		sf_close(sf);
		return NULL;
	}
	return sf;
}

sf_count_t file_read_sound(SNDFILE *sf, float *buf, sf_count_t frames)
{
	mute();
	sf_count_t got = sf_readf_float(sf, buf, frames);
	unmute();
	return got;
}
