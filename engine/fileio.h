/* lathe — opening the files a user names (sound files, reports, sessions)
 * so that none can hang lathe or be written over by mistake.  Not for the RT
 * thread. */
#ifndef LATHE_FILEIO_H
#define LATHE_FILEIO_H

#include <sndfile.h>
#include <sys/stat.h>

/* Opens path read-only if it is a regular file.  A FIFO, a device, a socket
 * or a directory is refused without blocking: open(2) with O_NONBLOCK
 * returns at once for a FIFO without a writer (POSIX open(), O_NONBLOCK), and
 * fstat then tells what it is; the descriptor is switched back to blocking
 * for the reads.  Returns the descriptor (O_CLOEXEC), or -1 with
 * "cannot open 'PATH': reason" in err.  st, when not NULL, gets the fstat of
 * the open file (its size, for a caller that caps what it reads). */
int file_open_regular(const char *path, struct stat *st, char *err, int errlen);

/* 1 when a and b are the same file: the same device and inode once both
 * exist (hard links, symbolic links, "./" and ".." spellings), or, while one
 * does not exist yet, the same folder (device and inode) and the same last
 * name.  0 otherwise. */
int file_same(const char *a, const char *b);

/* May path be written as an output?  Refused (-1, a one-line reason in err
 * naming what: "OUT", "REPORT"...) when it is the same file as in_st's, when
 * it exists and overwrite is not set (say -y), or when it exists and is not
 * a regular file (a folder, /dev/full) whatever overwrite says. */
int file_check_output(const char *path, const char *what, const struct stat *in_st, int overwrite, char *err,
                      int errlen);

/* A sound file for reading through libsndfile: file_open_regular, then
 * sf_open_fd with the library's own notes kept off stderr (libmpg123 prints
 * "Note: ..." lines while it probes a file that is not MPEG), then the
 * rate checked against ENGINE_RATE_MIN..MAX and channels against
 * 1..max_channels.  NULL with a one-line reason naming the file in err.  st
 * (may be NULL) as for file_open_regular. */
SNDFILE *file_open_sound(const char *path, SF_INFO *info, int max_channels, struct stat *st, char *err, int errlen);

/* sf_readf_float with library notes kept off stderr (see file_open_sound). */
sf_count_t file_read_sound(SNDFILE *sf, float *buf, sf_count_t frames);

/* A message on stderr from any thread, also while another thread keeps
 * library notes off it (the line goes to the real stderr, whole). */
void file_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
