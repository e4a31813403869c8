/* lathe — an album's master: every track through its chain, levelled,
 * faded and laid out on one timeline with its gaps and crossfades.
 *
 * Per track (in parallel, one worker thread per core): the mix is read,
 * converted to the album rate (resample.h), trimmed (start/end), and
 * rendered with render_buffer() -- the same engine path as `lathe render` --
 * with gain_db added to /input/gain (the level goes in before the limiter,
 * so the ceiling holds).  loudness=track: render_find_drive() sets the drive
 * for target_lufs, exactly as --target-lufs.  Then fade_in/fade_out on the
 * master (after the limiter: a fade only lowers the level).
 *
 * loudness=album: the integrated loudness of the whole timeline is measured;
 * a cut is applied after the chain, one factor for every track, which keeps
 * the relative levels exactly (and the ceiling, since it only lowers); a
 * boost must go in before the limiter to keep the ceiling, so it is added
 * to every track's drive and the tracks are rendered again (secant steps,
 * like render's --target-lufs); relative levels then hold wherever the
 * limiter does not act harder on one song than on another.
 *
 * Layout (positions in frames of the album rate, on CD frame boundaries:
 * rate / 75 frames, 588 at 44.1 kHz, so the CD image's INDEX 01 positions are
 * exact after conversion): track 1 starts at 0; a gap puts silence before a
 * track (INDEX 00 at the start of the silence, INDEX 01 at the song); a
 * crossfade starts the track before the previous one ends, fading the
 * previous out and this one in over the overlap (the track's curve, unless
 * its own fade is longer); INDEX 01 lies `index` seconds into the track:
 * inside the overlap, that is a segue.  Track N's file holds the timeline
 * from its INDEX 01 to the next track's INDEX 01 (the gaps go with the track
 * before, as gapless players and CD rippers do), so the files concatenate to
 * the timeline sample for sample.  The end is padded to a whole CD frame.
 * Not RT code. */
#ifndef LATHE_SEQUENCE_H
#define LATHE_SEQUENCE_H

#include <signal.h>
#include <stddef.h>
#include "album.h"

typedef struct {
	size_t start;          /* first frame of the song on the timeline */
	size_t length;         /* frames of its master */
	size_t index00;        /* pregap start (== index01 when none) */
	size_t index01;        /* track start (CD INDEX 01, the file's first frame) */
	size_t file_end;       /* one past the file's last frame: next index01, or the end */
	float *mix;            /* the trimmed mix at the album rate (interleaved stereo), for QC's comparison */
	float *master;         /* while rendering: the track's master (fades applied, before post_gain_db);
	                          NULL once sequence_render returns (the timeline holds it) */
	double drive_db, input_gain_db; /* where the chain's /limiter/gain and /input/gain ended up */
	double post_gain_db;   /* album-normalisation cut after the chain (0 when none) */
	double render_s;       /* wall time of this track's render */
} seq_track;

typedef struct {
	int rate;              /* album rate */
	size_t cd_frame;       /* rate / 75: one CD frame in frames of this rate */
	size_t frames;         /* timeline length */
	float *lr;             /* the timeline, interleaved stereo */
	int n;
	seq_track *t;
	double album_lufs;     /* integrated loudness of the timeline */
	double wall_s;         /* wall time of all renders */
} sequence;

typedef struct {
	int rate;              /* 0: the first mix's rate */
	int jobs;              /* worker threads (>= 1) */
	int progress;          /* per-track and overall progress on stderr */
	volatile sig_atomic_t *stop; /* set by a signal: give up as soon as possible (may be NULL) */
} seq_opts;

/* 0, or -1 with a one-line reason in err ("FILE:LINE: ..." for a track's problem). */
int sequence_render(sequence *s, const album *a, const seq_opts *o, char *err, int errlen);
void sequence_free(sequence *s);

#endif
