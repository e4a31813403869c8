/* lathe — the CD image of an album: 44.1 kHz / 16 bits, its CUE sheet, and
 * the Red Book checks.
 *
 * Red Book (IEC 60908) as a plant checks it: at most 99 tracks, each at
 * least 4 s (INDEX 01 to the next track's INDEX 00), the program at most
 * 79:57 (what a 80-minute blank holds with the lead-out), a 2-s pause before
 * track 1, every index on a frame of 588 samples (1/75 s).  The 2-s first
 * pregap is not in the image: it is LBA -150..-1, which the recorder writes
 * before LBA 0 (cdrdao adds it to every disc), so the CUE's track 1 starts
 * at INDEX 01 00:00:00 and the DDP's PQ shows it as 00:00:00 to 00:02:00.
 *
 * The CUE sheet follows the CDRWIN format as cdrdao and cuetools read it:
 * CATALOG (13 digits), PERFORMER, TITLE, REM GENRE/DATE, one FILE (the
 * image, WAVE), TRACK nn AUDIO with TITLE, PERFORMER, ISRC, INDEX 00 where a
 * track has a pregap, INDEX 01, positions as mm:ss:ff.  Not RT code. */
#ifndef LATHE_CDIMAGE_H
#define LATHE_CDIMAGE_H

#include <stddef.h>
#include "album.h"
#include "sequence.h"

#define CD_RATE 44100
#define CD_FRAME 588            /* samples per CD frame (sector): 44100 / 75 */
#define CD_FPS 75
#define CD_PREGAP_FRAMES 150    /* the 2-s pause before track 1 */
#define CD_MAX_FRAMES ((79 * 60 + 57) * CD_FPS)
#define CD_MIN_TRACK_FRAMES (4 * CD_FPS)

typedef struct {
	float *lr;              /* the image, interleaved stereo on the 16-bit grid */
	size_t samples;         /* frames of 44.1 kHz audio: sectors * 588 */
	size_t sectors;
	int n;
	size_t index00[ALBUM_MAX_TRACKS], index01[ALBUM_MAX_TRACKS]; /* in sectors from the image start */
} cdimage;

/* Red Book checks on the sequence (before anything is written).  Returns the
 * number of violations, each reported in err (the first) and printed as a
 * "lathe: FILE:LINE: ..." line on stderr when `print`. */
int cdimage_check(const album *a, const sequence *s, int print, char *err, int errlen);

/* Converts the timeline to 44.1 kHz (libsoxr) and dithers it to 16 bits.
 * same16: the timeline already quantised to 16 bits, or NULL: when the album
 * is at 44.1 kHz it becomes the image as it is, so the per-track files and
 * the CD are the same samples. */
int cdimage_make(cdimage *c, const sequence *s, const float *same16, char *err, int errlen);
void cdimage_free(cdimage *c);

/* The image as a WAV file and its CUE sheet naming it (wav_name: a file name
 * in the same folder). */
int cdimage_write_wav(const cdimage *c, const char *path, char *err, int errlen);
int cdimage_write_cue(const cdimage *c, const album *a, const char *path, const char *wav_name, char *err, int errlen);

/* "mm:ss:ff" of a sector count. */
void cdimage_msf(size_t sectors, char out[16]);

#endif
