/* lathe — one measuring point: everything the meters read from one audio
 * stream (the chain input, the master, a file).  The same struct serves the
 * live analysis thread and the offline report, so a file and the console
 * read the same numbers.
 *
 * Loudness is libebur128 1.2.6 in histogram mode (momentary, short-term,
 * integrated, LRA per BS.1770-4 / EBU Tech 3341-3342); true peak is our
 * BS.1770-4 Annex 2 meter (truepeak.h); RMS, correlation and balance are
 * rectangular 300 ms windows.  Readings are evaluated on a fixed 10 ms grid
 * of the audio (counted in frames since the last reset), whatever block
 * sizes the caller feeds, so results do not depend on the JACK period.
 *
 * Not for the RT thread: libebur128 is called here, and set_rate/reset
 * re-create its state. */
#ifndef LATHE_MEASURE_H
#define LATHE_MEASURE_H

#include <ebur128.h>
#include <stddef.h>
#include <stdint.h>

#define MEASURE_MAX_CH 8
#define MEASURE_FLOOR_DB (-120.0f) /* what silence (-inf) reads as */
#define MEASURE_WIN_HOPS 30         /* 300 ms of 10 ms hops for RMS and correlation */
#define MEASURE_M_HOPS 40           /* momentary: 400 ms of hops */
#define MEASURE_S_HOPS 300          /* short-term: 3 s of hops */
#define MEASURE_MAX_RATE 192000

enum { MEASURE_LOUDNESS = 1, MEASURE_PEAKS = 2, MEASURE_ALL = 3 };

typedef struct {
	/* configuration */
	unsigned rate;          /* sample rate of what is fed */
	unsigned channels;      /* 1..MEASURE_MAX_CH; RMS/correlation/balance use the first two */
	int what;               /* MEASURE_LOUDNESS and/or MEASURE_PEAKS: the reference only needs loudness */
	unsigned hop;           /* 10 ms in frames: the evaluation grid */
	float ceiling_lin;      /* true peaks above this count as overs (linear; default -1 dBTP) */

	/* machinery */
	ebur128_state *ebu;     /* M|S|I|LRA, histogram mode; re-created on reset and rate change */
	void *tp[MEASURE_MAX_CH];  /* truepeak meters, one per channel */
	float *scratch;         /* one hop of interleaved frames (rate up to MEASURE_MAX_RATE) */
	unsigned fill;          /* frames in scratch for the current hop */
	unsigned hop_count;     /* hops since reset */
	double hop_energy[MEASURE_S_HOPS]; /* K-weighted mean square of each of the last 300 hops (a ring) */
	int energy_pos;         /* next hop_energy slot */
	double ring_ll[MEASURE_WIN_HOPS], ring_rr[MEASURE_WIN_HOPS], ring_lr[MEASURE_WIN_HOPS]; /* per-hop sums of L*L, R*R, L*R */
	int ring_pos;           /* next ring slot */
	double acc_ll, acc_rr, acc_lr; /* sums over the current hop */
	int over_active;        /* inside a run of true peaks above the ceiling: a run counts once */

	/* readings (dB unless said; MEASURE_FLOOR_DB for silence) */
	uint64_t frames;        /* frames since reset */
	float lufs_m, lufs_s;   /* latest momentary and short-term, both every 10 ms */
	float max_m, max_s;     /* maxima since reset */
	float rms_db[2];        /* 300 ms RMS, dBFS (full-scale sine reads -3) */
	float correlation;      /* 300 ms Pearson-style correlation sum(LR)/sqrt(sum LL sum RR), 0 in silence */
	float balance;          /* (P_R - P_L)/(P_R + P_L) over 300 ms: -1 all left .. +1 all right */
	float corr_min;         /* lowest correlation since reset where both channels are above -60 dBFS RMS (1 if none) */
	float peak_lin[MEASURE_MAX_CH];     /* sample peak since the last measure_take_period */
	float tp_lin[MEASURE_MAX_CH];       /* true peak since the last measure_take_period */
	float peak_max_lin[MEASURE_MAX_CH]; /* sample peak since reset */
	float tp_max_lin[MEASURE_MAX_CH];   /* true peak since reset (>= sample peak) */
	uint32_t tp_overs;      /* runs of true peak above ceiling_lin since reset */
} measure;

measure *measure_new(unsigned rate, unsigned channels, int what);
void measure_free(measure *m);
/* New rate: everything restarts. Returns 0, -1 on failure. */
int measure_set_rate(measure *m, unsigned rate);
/* Restart integrated, LRA, maxima, overs (and the short windows). */
int measure_reset(measure *m);
void measure_set_ceiling_db(measure *m, float dbtp);
/* Feed frames: frame i channel c is at x[i * stride + c] (stride >= channels). */
void measure_add(measure *m, const float *x, size_t frames, size_t stride);
/* End of stream: the true peaks still inside the meters' delay (truepeak_latency(), 151 ms
 * at 44.1 kHz) are read, with the ringing after the last sample; a render or analysis
 * calls it before its final readings so the last milliseconds count. */
void measure_flush(measure *m);
/* Integrated loudness and LRA so far (queries the histogram). */
float measure_integrated(const measure *m);
float measure_lra(const measure *m);
/* Highest true peak / sample peak of all channels since reset, dB. */
float measure_tp_max_db(const measure *m);
float measure_peak_max_db(const measure *m);
/* Sample and true peak (linear, per channel) since the previous call, then start a new period. */
void measure_take_period(measure *m, float *peak_lin, float *tp_lin);

static inline float measure_db(double lin) { return lin > 1e-6 ? (float)(20.0 * __builtin_log10(lin)) : MEASURE_FLOOR_DB; }

#endif
