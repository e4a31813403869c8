/* lathe — the delivered files of an album: one FLAC or WAV per track with
 * its metadata, and the quantiser they (and the CD image) share.
 *
 * Metadata goes through libsndfile where it can: FLAC Vorbis comments TITLE,
 * ARTIST, ALBUM, DATE, GENRE, TRACKNUMBER (sf_set_string); WAV a RIFF LIST
 * INFO chunk with the same strings and a BWF bext chunk (EBU Tech 3285 v2:
 * description, originator, date, TimeReference = the track's first frame on
 * the album timeline, the EBU R 128 loudness fields, coding history).
 * libsndfile 1.2 has no Vorbis ISRC or TRACKTOTAL (SF_STR_* stops at GENRE),
 * so those two are appended with libFLAC's metadata interface (level 2
 * chain) after libsndfile has closed the file.  WAV has no standard ISRC
 * field in INFO or bext; it goes into the bext description as "ISRC=...",
 * the convention of Pyramix and WaveLab.  Not RT code. */
#ifndef LATHE_TRACKFILE_H
#define LATHE_TRACKFILE_H

#include <stddef.h>
#include "meter/report.h"

typedef struct {
	const char *title, *artist, *album, *date, *genre, *isrc; /* "" or NULL when none */
	int number, total;
	size_t time_reference;       /* first frame on the album timeline (bext) */
	const loudness_report *loud; /* bext v2 loudness fields, may be NULL */
} track_tags;

/* Quantises interleaved stereo in place to `bits` (16, 20 or 24) with the
 * chain's own TPDF dither module (dsp/dither: one LSB of triangular noise,
 * output exactly on the grid of the word, so the writers round nothing). */
int trackfile_dither(float *lr, size_t frames, int rate, int bits);

/* Writes frames of interleaved stereo (already on the grid of `bits`: 16 or
 * 24; 32 = float, WAV only) to path (.flac or .wav by its name).
 * 0, or -1 with a reason in err. */
int trackfile_write(const char *path, const float *lr, size_t frames, int rate, int bits, const track_tags *tg,
                    char *err, int errlen);

#endif
