/* lathe — the album file (*.lathe-album) and the plan it describes.
 *
 * A GLib key file like a session (DESIGN.md, "Sessions"):
 *
 *   [album]
 *   format=1                      <- refused when missing or newer
 *   title=Night Drive
 *   performer=The Examples
 *   upc=036000291452              <- UPC-A (12 digits) or EAN-13, check digit verified
 *   genre=Electronic
 *   date=2026
 *   session=master.lathe          <- the chain for every track (optional)
 *   loudness=album                <- album | track (optional: without it the gains stay as set)
 *   target_lufs=-14               <- required with loudness=
 *   [track 1]                     <- tracks in order, numbered from 1 without holes
 *   file=mixes/one.wav            <- paths are relative to the album file
 *   title=One
 *   performer=...                 <- default: the album's
 *   isrc=GB-XXX-26-00001          <- CC-XXX-YY-NNNNN (hyphens optional), validated
 *   session=other.lathe           <- the track's own chain, or
 *   snapshot=B                    <- a snapshot (A-D) of the album's session
 *   gain_db=-1.5                  <- level the engineer sets (into the chain, before the limiter)
 *   start=0.5  end=181.2          <- trim of the mix, seconds
 *   fade_in=0  fade_out=3         <- seconds, on the master (after the limiter)
 *   fade_curve=sine               <- linear | sine (equal power) | log (exponential in dB) | scurve
 *   gap=2                         <- silence before the track, seconds (the CD pregap), or
 *   crossfade=4                   <- overlap with the previous track, seconds
 *   index=1.5                     <- INDEX 01 this far into the track (default 0); inside
 *                                    a crossfade this makes a segue
 *
 * Every error is "FILE:LINE: reason" (GKeyFile gives no line numbers, so
 * the text is also scanned line by line).  Unknown keys are refused: a typo
 * in a delivery must not pass silently.
 *
 * The chain of a track is loaded by the caller's album_chain_fn (the engine
 * knows no session files: DESIGN.md's dependency rule), so the sessions
 * layer passes its loader in.  Not RT code. */
#ifndef LATHE_ALBUM_H
#define LATHE_ALBUM_H

#include <stddef.h>
#include "params.h"

#define ALBUM_FORMAT 1
#define ALBUM_EXT ".lathe-album"
#define ALBUM_MAX_TRACKS 99 /* Red Book: track numbers 01..99 */

enum { FADE_LINEAR, FADE_SINE, FADE_LOG, FADE_SCURVE };
enum { LOUDNESS_NONE, LOUDNESS_TRACK, LOUDNESS_ALBUM };

typedef struct {
	char *file;            /* resolved against the album's folder */
	char *title, *performer, *isrc; /* isrc normalised to 12 characters, "" when none */
	lathe_params *chain;   /* the track's chain (owned) */
	double gain_db;
	double start, end;     /* trim (s); end < 0: to the end of the mix */
	double fade_in, fade_out;
	int fade_curve;
	double gap;            /* silence before (s) */
	double crossfade;      /* overlap with the previous track (s); 0 none */
	double index;          /* INDEX 01 offset into the track (s) */
	int line;              /* line of the [track N] header, for errors found later */
} album_track;

typedef struct {
	char *path;            /* the album file */
	char *title, *performer, *upc, *genre, *date; /* "" when absent; upc as 13 digits (EAN-13) */
	char *session;         /* resolved path or NULL */
	int loudness;          /* LOUDNESS_* */
	double target_lufs;
	int n;
	album_track *tracks;
} album;

/* Loads the chain of a track: session (resolved path or NULL) and snapshot
 * ("A".."D" or NULL) into p.  0, or -1 with a one-line reason in err. */
typedef int (*album_chain_fn)(lathe_params *p, const char *session, const char *snapshot, char *err, int errlen);

/* Parses and validates the album file; chains are loaded with load.
 * Returns NULL with "FILE:LINE: reason" in err. */
album *album_load(const char *path, album_chain_fn load, char *err, int errlen);
album *album_parse(const char *text, size_t len, const char *path, album_chain_fn load, char *err, int errlen);
void album_free(album *a);

/* Code checks (also used by the tests' bad-file cases through album_parse).
 * upc: 12 (UPC-A) or 13 (EAN-13) digits, GS1 mod-10 check digit; out gets 13 digits.
 * isrc: ISO 3901 CC-XXX-YY-NNNNN, hyphens optional; out gets the 12 characters.
 * Both return 0, or -1 with the reason in err. */
int album_check_upc(const char *s, char out[14], char *err, int errlen);
int album_check_isrc(const char *s, char out[13], char *err, int errlen);

/* Gain (linear) of a fade at position t in 0..1 (0 silent, 1 full), for the curve. */
double album_fade_gain(int curve, double t);

#endif
