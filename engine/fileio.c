/* lathe — opening the files a user names (see fileio.h). */
#include "fileio.h"
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
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
 * runs.  fd 2 is the process's and `lathe album` reads files on several
 * threads at once, so the redirection is counted: the first thread in saves
 * the real stderr, the last one out puts it back (two threads each saving
 * and restoring what they found would leave /dev/null there for good, and
 * every later message lost).  Lines said meanwhile go to the saved one
 * (file_say). */
static pthread_mutex_t mute_lock = PTHREAD_MUTEX_INITIALIZER;
static int mute_depth, real_stderr = -1;

static void mute(void)
{
	pthread_mutex_lock(&mute_lock);
	if (mute_depth++ == 0) {
		fflush(stderr);
		real_stderr = dup(2);
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (real_stderr >= 0 && nul >= 0)
			dup2(nul, 2);
		if (nul >= 0)
			close(nul);
	}
	pthread_mutex_unlock(&mute_lock);
}

static void unmute(void)
{
	pthread_mutex_lock(&mute_lock);
	if (--mute_depth == 0 && real_stderr >= 0) {
		dup2(real_stderr, 2);
		close(real_stderr);
		real_stderr = -1;
	}
	pthread_mutex_unlock(&mute_lock);
}

void file_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	pthread_mutex_lock(&mute_lock);
	fflush(stderr);
	ssize_t w = write(mute_depth && real_stderr >= 0 ? real_stderr : 2, line, (size_t)n);
	(void)w;
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
		snprintf(err, errlen, "cannot open '%s': %s", path, sf_strerror(NULL));
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
