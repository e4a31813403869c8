/* lathe — the analysis thread: everything measured from the audio tap
 * (true peak, loudness by libebur128 in histogram mode, LRA, correlation,
 * spectrum, goniometer, loudness history) off the RT thread.  Readers get a
 * consistent snapshot through a seqlock; nobody waits on anybody. */
#ifndef LATHE_ANALYSIS_H
#define LATHE_ANALYSIS_H

#include <stdint.h>
#include "../bus.h"
#include "platforms.h"

typedef struct {
	float peak_db[2];      /* sample peak over the last display period, dBFS */
	float peak_hold_db[2]; /* highest since reset */
	float tp_db[2];        /* true peak over the last display period, dBTP (max of TP and sample peak) */
	float tp_max_db;       /* highest true peak since reset, both channels */
	float rms_db[2];       /* RMS over 300 ms */
	float lufs_m, lufs_s, lufs_i; /* momentary, short-term, integrated (LUFS; -inf as -70 or below) */
	float max_m, max_s;    /* maxima since reset */
	float lra;             /* loudness range, LU */
	float plr;             /* true-peak max minus integrated */
	float correlation;     /* -1..+1 over 300 ms */
	float balance;         /* -1 (all left) .. +1 (all right) */
	uint32_t overs;        /* samples above the limiter ceiling since reset */
	uint32_t tp_overs;     /* true-peak overs since reset */
} meter_side;

typedef struct {
	uint64_t pos;          /* frames analysed */
	uint32_t rate;
	meter_side in, out;    /* chain input (aligned with the master), master out */
	float ref_lufs_s;      /* reference short-term loudness */
	float mb_gr_db[MB_BANDS], lim_gr_db;
	float eq_gain_db[EQ_BANDS]; /* each EQ band's live gain (static + a dynamic band's offset), dB */
	float platform_gain_db[PLAT_COUNT];    /* what each platform would apply to the master (index 0 unused) */
	float platform_tp_after[PLAT_COUNT];
	uint32_t tap_dropped, nonfinite_events;
} meter_snapshot;

typedef struct analysis analysis;

/* Starts the thread (call before the JACK client is activated: it registers
 * its own meter consumer on the bus for gain reduction and overs). */
analysis *analysis_new(lathe_bus *bus, lathe_params *params);
void analysis_free(analysis *a);
/* Sample rate of the audio now in the tap (after a JACK rate change). */
void analysis_set_rate(analysis *a, uint32_t rate);
void analysis_get(analysis *a, meter_snapshot *out);
/* Restart integrated, LRA, maxima and overs (also via /loudness/reset on the bus). */
void analysis_reset(analysis *a);

#define SPECTRUM_BINS 256   /* log-spaced 20 Hz .. 20 kHz, dB */
#define GONIO_POINTS 512    /* recent decimated (side, mid) pairs */
#define HISTORY_LEN (30 * 60 * 10) /* 30 minutes at 10 Hz */

/* Spectra of the chain input and the master (dB per log bin, slope applied). */
void analysis_spectrum(analysis *a, float pre[SPECTRUM_BINS], float post[SPECTRUM_BINS]);
/* Goniometer points: xy[2*i] = side, xy[2*i+1] = mid, newest last; returns the count. */
int analysis_gonio(analysis *a, float *xy, int max_points);
/* Short-term loudness history of the master at 10 Hz, oldest first; returns the count. */
int analysis_history(analysis *a, float *lufs, int max);
/* The same history by absolute index (point 0 is the first 100 ms after
 * start), for clients that fetch only new points: at most max points from
 * index `first` on (or from the oldest still kept, when first is older),
 * oldest first; *first_out gets the index of lufs[0].  Returns the count. */
int analysis_history_from(analysis *a, uint64_t first, float *lufs, int max, uint64_t *first_out);

/* Spectrum tilt in dB/octave around 1 kHz (0, 3 or 4.5: pink noise reads flat at 3). */
void analysis_set_slope(analysis *a, float db_per_octave);
/* /target/learn: the limiter drive (/limiter/gain, dB) that would bring the
 * master's integrated loudness measured so far onto /target/lufs (or the
 * platform's target when /target/platform is not custom): the current drive
 * plus (target - integrated), clamped to the drive's range.  NAN when no
 * integrated loudness has been measured yet (silence or nothing played). */
float analysis_learn_drive(analysis *a);
/* CPU time the analysis thread has used so far, seconds (for benchmarks). */
double analysis_cpu_seconds(analysis *a);

#endif
