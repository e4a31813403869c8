/* lathe — a file player for the reference path: a mastering engineer's
 * reference track, or a mix, played from a file without another JACK client.
 *
 * player_load decodes the whole file (libsndfile, through file_open_sound:
 * regular files only, library notes kept off stderr) and converts its rate
 * to the engine's with libsoxr (resample.h) in the calling, non-RT thread;
 * the RT thread only reads that buffer.  A load swaps buffers without a lock:
 * the RT side announces the buffer it uses (in_use) and re-checks the
 * current one, so the loader frees the old buffer only once no process()
 * can still be reading it.  Mono files play on both channels.
 *
 * RT: player_process adds the file into l/r (the reference ports' signal and
 * the file are summed), reads its transport requests once per block, loops
 * at the end when loop is on. */
#ifndef LATHE_PLAYER_H
#define LATHE_PLAYER_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct player player;

player *player_new(void);
void player_free(player *p);
/* Non-RT: loads path at `rate` Hz (the engine's).  0, or -1 with a one-line
 * reason naming the file in err; the playing file is kept on failure. */
int player_load(player *p, const char *path, uint32_t rate, char *err, int errlen);
/* Any thread: transport. */
void player_play(player *p, int on);
void player_set_loop(player *p, int on);
void player_seek(player *p, double seconds);
/* Any thread: what plays.  Seconds; 0 when nothing is loaded. */
double player_position(const player *p);
double player_length(const player *p);
int player_playing(const player *p);
/* Non-RT: the loaded file's path as given to player_load ("" when none). */
void player_path(player *p, char *out, int len);
/* RT: adds the next n frames of the file into l and r (nothing when stopped,
 * empty, or loaded for another rate than `rate`). */
void player_process(player *p, float *l, float *r, uint32_t n, uint32_t rate);

#endif
