/* lathe — quality control of an album delivery: the report every release
 * gets, per track and for the album, measured on what is delivered (the
 * quantised files' samples).
 *
 * Loudness, LRA, maxima, true peak, PLR, correlation and the platform table
 * come from the same report meter as `lathe analyze` (meter/report.h); the
 * rest is measured here:
 *   - mono compatibility: integrated loudness of (L+R)/2 on both channels
 *     minus the stereo loudness (0 for a centred mono source, -3 LU for
 *     uncorrelated channels, far below for anti-phase);
 *   - DC offset per channel (mean, dBFS);
 *   - clipping: runs of 3 or more consecutive samples at full scale (the
 *     largest code of the word), the count most plant QC tools report;
 *   - head and tail silence: below -90 dBFS (under 16-bit dither);
 *   - codec preview: the track encoded and decoded again, MP3 at 320 kbps
 *     (LAME through libsndfile) and Opus at 160 kbps (libopus through
 *     libsndfile; Opus runs at 48 kHz, so the track is converted first),
 *     with the decoded true peak and the samples beyond full scale, the way
 *     Apple's afclip checks AAC.  A track that would clip is flagged with the
 *     headroom it needs.  AAC is left out: Debian's libavcodec would be a
 *     second audio I/O stack beside libsndfile for one more figure, and MP3
 *     and Opus already show the same inter-sample overshoot of a lossy codec;
 *   - mix against master: the mix's loudness, PLR and width (side to mid
 *     energy, dB) beside the master's.
 * Not RT code. */
#ifndef LATHE_QC_H
#define LATHE_QC_H

#include <stdio.h>
#include "album.h"
#include "sequence.h"
#include "meter/report.h"

enum { QC_MP3, QC_OPUS, QC_CODECS };

typedef struct {
	const char *name;        /* "mp3 320k", "opus 160k" */
	int ok;                  /* the encoder was there */
	double true_peak_dbtp;   /* after decoding */
	unsigned long overs;     /* decoded samples beyond full scale */
	double headroom_db;      /* to lower the track by so the decode stays under 0 dBFS (0: clean) */
} qc_codec;

typedef struct {
	loudness_report r;
	double mono_loss_lu;
	double dc_dbfs[2];
	unsigned long clip_runs;
	double head_silence_s, tail_silence_s;
	double gap_s;            /* silence before (negative: overlap with the previous) */
	double start_s, length_s;
	qc_codec codec[QC_CODECS];
	loudness_report mix;     /* the mix, for mix against master */
	double width_db, mix_width_db;
} qc_track;

typedef struct {
	int n;
	qc_track *t;
	loudness_report album;
	double spread_lu;        /* loudest minus quietest track (integrated) */
	int bits, rate;
	struct {
		const char *name;
		double album_gain_db, album_tp_after; /* album normalisation: one gain for every track */
	} plat[REPORT_PLATFORMS];
	int flagged;             /* tracks that clip after encoding */
} qc_report;

/* Measures the delivered timeline `lr` (the sequence's layout, quantised to
 * `bits`), `jobs` tracks at a time; tmpdir holds the codec preview's scratch files (removed).  codecs:
 * run the codec preview. */
int qc_measure(qc_report *q, const album *a, const sequence *s, const float *lr, int bits, int codecs, int jobs,
               const char *tmpdir, char *err, int errlen);
void qc_free(qc_report *q);
void qc_json(const qc_report *q, const album *a, FILE *f);
void qc_print(const qc_report *q, const album *a, FILE *f);

#endif
