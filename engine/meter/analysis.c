/* lathe — the analysis thread (see analysis.h).
 *
 * One pthread polls two rings every 5 ms: the audio tap (TAP_CHANNELS
 * interleaved floats per frame: chain input L/R aligned with the master,
 * master L/R, reference L/R) and its own meter ring (gain reduction, overs,
 * non-finite events).  The input and the master each go through a `measure`
 * (the same code as `lathe analyze`), the reference through a loudness-only
 * one; both spectra, the goniometer and the 10 Hz short-term history are
 * kept here.  Every 50 ms of wall time (20 Hz, also when no audio flows) it
 * publishes a meter_snapshot through a seqlock and writes the monitor's
 * loudness-match and platform gains into the bus.
 *
 * Readers: analysis_get (seqlock: copy, retry if the writer was inside);
 * spectrum, goniometer and history (a mutex: both sides are non-RT). */
#include "analysis.h"
#include "measure.h"
#include "spectrum.h"
#include "../thread.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_NS 5000000L         /* 5 ms between ring polls */
#define PUBLISH_S 0.05           /* snapshot every 50 ms */
#define CHUNK 1024               /* tap frames read at once */
#define MATCH_GATE_LUFS (-60.0f) /* below this no loudness match is learnt */
#define MATCH_TAU_S 3.0          /* the match gains glide with this time constant */
#define MATCH_MAX_DB 24.0f

struct analysis {
	lathe_bus *bus;             /* borrowed */
	lathe_params *params;       /* borrowed */
	jack_ringbuffer_t *meter_rb;/* our meter consumer on the bus (the bus owns it) */
	pthread_t thread;
	int started;                /* thread was created */
	_Atomic int running;        /* cleared by analysis_free */
	_Atomic uint32_t want_rate; /* rate requested by analysis_set_rate, applied by the thread */
	_Atomic uint32_t resets;    /* bumped by analysis_reset */
	_Atomic float slope;        /* spectrum tilt, dB/octave */

	/* thread-private state */
	uint32_t rate;
	uint32_t seen_bus_resets, seen_resets;
	measure *in, *out, *ref;    /* chain input, master, reference (loudness only) */
	spectrum *sp_in, *sp_out;
	float *buf;                 /* CHUNK tap frames */
	uint64_t pos;               /* frames analysed since start */
	uint64_t pub_pos;           /* pos at the previous publish: the match gains glide in audio time */
	unsigned hist_phase;        /* frames into the current 100 ms history step */
	uint32_t overs;             /* master samples above the ceiling since reset (from meter frames) */
	float lim_gr, mb_gr[MB_BANDS]; /* highest gain reduction since the last publish */
	float eq_gain[EQ_BANDS];       /* the EQ bands' live gains in the latest frame */
	uint32_t nonfinite;
	unsigned gonio_decim, gonio_phase; /* keep every gonio_decim-th frame (about 12 kHz) */
	float match_in, match_ref;  /* smoothed loudness-match gains, dB */
	struct timespec last_pub;

	/* shared with readers under `lock` */
	pthread_mutex_t lock;
	float gonio[2 * GONIO_POINTS]; /* ring of (side, mid) */
	int gonio_pos, gonio_count;
	float *history;             /* HISTORY_LEN short-term values, a ring */
	int hist_pos, hist_count;
	uint64_t hist_total;        /* points ever written: the absolute index of the next one */

	/* the snapshot, behind a seqlock: odd while being written */
	_Atomic uint32_t seq;
	meter_snapshot snap;
};

static double now_s(const struct timespec *t) { return t->tv_sec + t->tv_nsec * 1e-9; }

static int configure(analysis *a, uint32_t rate)
{
	a->rate = rate;
	if (measure_set_rate(a->in, rate) < 0 || measure_set_rate(a->out, rate) < 0 || measure_set_rate(a->ref, rate) < 0)
		return -1;
	spectrum_set_rate(a->sp_in, rate);
	spectrum_set_rate(a->sp_out, rate);
	a->gonio_decim = rate / 12000 ? rate / 12000 : 1;
	a->gonio_phase = 0;
	a->hist_phase = 0;
	return 0;
}

static void reset_measures(analysis *a)
{
	measure_reset(a->in);
	measure_reset(a->out);
	measure_reset(a->ref);
	a->overs = 0;
}

/* Analyse n tap frames. */
static void feed(analysis *a, const float *t, unsigned n)
{
	unsigned step = a->rate / 10; /* history step: 100 ms */
	while (n > 0) {
		unsigned k = step - a->hist_phase;
		if (k > n)
			k = n;
		measure_add(a->in, t + 0, k, TAP_CHANNELS);
		measure_add(a->out, t + 2, k, TAP_CHANNELS);
		measure_add(a->ref, t + 4, k, TAP_CHANNELS);
		pthread_mutex_lock(&a->lock);
		spectrum_add(a->sp_in, t + 0, k, TAP_CHANNELS);
		spectrum_add(a->sp_out, t + 2, k, TAP_CHANNELS);
		for (unsigned i = 0; i < k; i++) {
			if (++a->gonio_phase < a->gonio_decim)
				continue;
			a->gonio_phase = 0;
			float l = t[i * TAP_CHANNELS + 2], r = t[i * TAP_CHANNELS + 3];
			/* 45-degree rotation: side horizontal, mid vertical, lengths kept */
			a->gonio[2 * a->gonio_pos] = (l - r) * (float)M_SQRT1_2;
			a->gonio[2 * a->gonio_pos + 1] = (l + r) * (float)M_SQRT1_2;
			a->gonio_pos = (a->gonio_pos + 1) % GONIO_POINTS;
			if (a->gonio_count < GONIO_POINTS)
				a->gonio_count++;
		}
		a->hist_phase += k;
		if (a->hist_phase >= step) {
			a->hist_phase = 0;
			a->history[a->hist_pos] = a->out->lufs_s;
			a->hist_pos = (a->hist_pos + 1) % HISTORY_LEN;
			if (a->hist_count < HISTORY_LEN)
				a->hist_count++;
			a->hist_total++;
		}
		pthread_mutex_unlock(&a->lock);
		a->pos += k;
		t += (size_t)k * TAP_CHANNELS;
		n -= k;
	}
}

static void fill_side(measure *m, meter_side *s)
{
	float pk[MEASURE_MAX_CH], tp[MEASURE_MAX_CH];
	measure_take_period(m, pk, tp);
	for (int c = 0; c < 2; c++) {
		s->peak_db[c] = measure_db(pk[c]);
		s->peak_hold_db[c] = measure_db(m->peak_max_lin[c]);
		s->tp_db[c] = measure_db(tp[c]);
		s->rms_db[c] = m->rms_db[c];
	}
	s->tp_max_db = measure_tp_max_db(m);
	s->lufs_m = m->lufs_m;
	s->lufs_s = m->lufs_s;
	s->lufs_i = measure_integrated(m);
	s->max_m = m->max_m;
	s->max_s = m->max_s;
	s->lra = measure_lra(m);
	s->plr = s->lufs_i > -70 ? s->tp_max_db - s->lufs_i : 0;
	s->correlation = m->correlation;
	s->balance = m->balance;
	s->overs = 0;
	s->tp_overs = m->tp_overs;
}

/* One-pole glide of a match gain towards (master - other) while both are above the gate. */
static float glide_match(float cur, float master_s, float other_s, double dt)
{
	if (master_s <= MATCH_GATE_LUFS || other_s <= MATCH_GATE_LUFS)
		return cur;
	float target = master_s - other_s;
	target = target > MATCH_MAX_DB ? MATCH_MAX_DB : target < -MATCH_MAX_DB ? -MATCH_MAX_DB : target;
	return cur + (float)((1 - exp(-dt / MATCH_TAU_S)) * (target - cur));
}

static void publish(analysis *a)
{
	meter_snapshot s;
	memset(&s, 0, sizeof s);
	float ceiling = param_get(a->params, P_LIM_CEILING);
	measure_set_ceiling_db(a->in, ceiling);
	measure_set_ceiling_db(a->out, ceiling);
	s.pos = a->pos;
	s.rate = a->rate;
	fill_side(a->in, &s.in);
	fill_side(a->out, &s.out);
	s.out.overs = a->overs;
	s.ref_lufs_s = a->ref->lufs_s;
	memcpy(s.mb_gr_db, a->mb_gr, sizeof s.mb_gr_db);
	memcpy(s.eq_gain_db, a->eq_gain, sizeof s.eq_gain_db);
	s.lim_gr_db = a->lim_gr;
	memset(a->mb_gr, 0, sizeof a->mb_gr);
	a->lim_gr = 0;
	for (int p = 1; p < PLAT_COUNT; p++)
		s.platform_gain_db[p] = platform_gain_db(platform_get(p), s.out.lufs_i, s.out.tp_max_db, &s.platform_tp_after[p]);
	s.tap_dropped = atomic_load_explicit(&a->bus->tap_dropped, memory_order_relaxed);
	s.nonfinite_events = atomic_load_explicit(&a->bus->nonfinite_events, memory_order_relaxed);

	/* the monitor's gains glide in audio time, so they settle the same however
	 * the thread is scheduled (and hold while nothing plays) */
	double dt = a->rate ? (double)(a->pos - a->pub_pos) / a->rate : 0;
	a->pub_pos = a->pos;
	a->match_in = glide_match(a->match_in, s.out.lufs_s, s.in.lufs_s, dt);
	a->match_ref = glide_match(a->match_ref, s.out.lufs_s, s.ref_lufs_s, dt);
	atomic_store_explicit(&a->bus->match_input_db, a->match_in, memory_order_relaxed);
	atomic_store_explicit(&a->bus->match_ref_db, a->match_ref, memory_order_relaxed);
	int plat = param_get_int(a->params, P_MON_PLATFORM);
	float pg = plat > PLAT_NONE && plat < PLAT_COUNT ? s.platform_gain_db[plat] : 0.0f;
	atomic_store_explicit(&a->bus->platform_db, pg, memory_order_relaxed);

	/* seqlock write: odd, data, even */
	uint32_t q = atomic_load_explicit(&a->seq, memory_order_relaxed);
	atomic_store_explicit(&a->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	a->snap = s;
	atomic_store_explicit(&a->seq, q + 2, memory_order_release);
}

static void *thread_main(void *arg)
{
	analysis *a = arg;
	clock_gettime(CLOCK_MONOTONIC, &a->last_pub);
	while (atomic_load(&a->running)) {
		uint32_t r = atomic_exchange(&a->want_rate, 0);
		if (r && r != a->rate)
			configure(a, r);
		uint32_t br = atomic_load(&a->bus->reset_requests), lr = atomic_load(&a->resets);
		if (br != a->seen_bus_resets || lr != a->seen_resets) {
			a->seen_bus_resets = br;
			a->seen_resets = lr;
			reset_measures(a);
		}
		meter_frame mf;
		while (bus_read(a->meter_rb, &mf)) {
			a->overs += mf.overs;
			a->lim_gr = mf.lim_gr > a->lim_gr ? mf.lim_gr : a->lim_gr;
			for (int b = 0; b < MB_BANDS; b++)
				a->mb_gr[b] = mf.mb_gr[b] > a->mb_gr[b] ? mf.mb_gr[b] : a->mb_gr[b];
			a->nonfinite = mf.nonfinite;
			memcpy(a->eq_gain, mf.eq_gain, sizeof a->eq_gain);
		}
		/* drain the tap, but publish at least every 50 ms even when behind */
		struct timespec t;
		for (int rounds = 0; rounds < 64; rounds++) {
			size_t avail = jack_ringbuffer_read_space(a->bus->tap) / (TAP_CHANNELS * sizeof(float));
			if (avail == 0)
				break;
			unsigned n = avail < CHUNK ? (unsigned)avail : CHUNK;
			jack_ringbuffer_read(a->bus->tap, (char *)a->buf, (size_t)n * TAP_CHANNELS * sizeof(float));
			feed(a, a->buf, n);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (now_s(&t) - now_s(&a->last_pub) >= PUBLISH_S) {
			publish(a);
			a->last_pub = t;
		}
		struct timespec nap = { 0, POLL_NS };
		nanosleep(&nap, NULL);
	}
	return NULL;
}

analysis *analysis_new(lathe_bus *bus, lathe_params *params)
{
	analysis *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->bus = bus;
	a->params = params;
	pthread_mutex_init(&a->lock, NULL);
	atomic_init(&a->slope, 0.0f);
	a->rate = 48000;
	a->in = measure_new(a->rate, 2, MEASURE_ALL);
	a->out = measure_new(a->rate, 2, MEASURE_ALL);
	a->ref = measure_new(a->rate, 2, MEASURE_LOUDNESS);
	a->sp_in = spectrum_new(a->rate, SPECTRUM_BINS);
	a->sp_out = spectrum_new(a->rate, SPECTRUM_BINS);
	a->buf = calloc((size_t)CHUNK * TAP_CHANNELS, sizeof(float));
	a->history = calloc(HISTORY_LEN, sizeof(float));
	a->meter_rb = bus_add_meter_consumer(bus);
	if (!a->in || !a->out || !a->ref || !a->sp_in || !a->sp_out || !a->buf || !a->history || !a->meter_rb)
		goto fail;
	configure(a, a->rate);
	a->seen_bus_resets = atomic_load(&bus->reset_requests);
	atomic_store(&a->running, 1);
	/* a first snapshot so readers never see zeros */
	publish(a);
	if (lathe_thread_start(&a->thread, thread_main, a) != 0)
		goto fail;
	a->started = 1;
	return a;
fail:
	analysis_free(a);
	return NULL;
}

void analysis_free(analysis *a)
{
	if (!a)
		return;
	if (a->started) {
		atomic_store(&a->running, 0);
		pthread_join(a->thread, NULL);
	}
	/* said once, at the end: the loudness figures of this run were measured on less than all of it */
	uint32_t missed = a->bus ? atomic_load(&a->bus->tap_dropped) : 0;
	if (missed)
		fprintf(stderr, "lathe: the meters missed %u frames of audio (the analysis thread fell behind)\n", missed);
	measure_free(a->in);
	measure_free(a->out);
	measure_free(a->ref);
	spectrum_free(a->sp_in);
	spectrum_free(a->sp_out);
	free(a->buf);
	free(a->history);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void analysis_set_rate(analysis *a, uint32_t rate)
{
	if (rate >= 8000 && rate <= MEASURE_MAX_RATE)
		atomic_store(&a->want_rate, rate);
}

void analysis_reset(analysis *a) { atomic_fetch_add(&a->resets, 1); }

void analysis_get(analysis *a, meter_snapshot *out)
{
	for (;;) {
		uint32_t q1 = atomic_load_explicit(&a->seq, memory_order_acquire);
		if (q1 & 1) {
			sched_yield();
			continue;
		}
		*out = a->snap;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&a->seq, memory_order_relaxed) == q1)
			return;
	}
}

void analysis_spectrum(analysis *a, float pre[SPECTRUM_BINS], float post[SPECTRUM_BINS])
{
	float slope = atomic_load(&a->slope);
	pthread_mutex_lock(&a->lock);
	if (pre)
		spectrum_get(a->sp_in, pre, slope);
	if (post)
		spectrum_get(a->sp_out, post, slope);
	pthread_mutex_unlock(&a->lock);
}

int analysis_gonio(analysis *a, float *xy, int max_points)
{
	pthread_mutex_lock(&a->lock);
	int n = a->gonio_count < max_points ? a->gonio_count : max_points;
	int start = (a->gonio_pos - n + GONIO_POINTS) % GONIO_POINTS;
	for (int i = 0; i < n; i++) {
		int j = (start + i) % GONIO_POINTS;
		xy[2 * i] = a->gonio[2 * j];
		xy[2 * i + 1] = a->gonio[2 * j + 1];
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

int analysis_history(analysis *a, float *lufs, int max)
{
	pthread_mutex_lock(&a->lock);
	int n = a->hist_count < max ? a->hist_count : max;
	int start = (a->hist_pos - n + HISTORY_LEN) % HISTORY_LEN;
	for (int i = 0; i < n; i++)
		lufs[i] = a->history[(start + i) % HISTORY_LEN];
	pthread_mutex_unlock(&a->lock);
	return n;
}

int analysis_history_from(analysis *a, uint64_t first, float *lufs, int max, uint64_t *first_out)
{
	pthread_mutex_lock(&a->lock);
	uint64_t total = a->hist_total, oldest = total - (uint64_t)a->hist_count;
	if (first < oldest)
		first = oldest;
	if (first > total)
		first = total;
	int n = (int)(total - first < (uint64_t)max ? total - first : (uint64_t)max);
	for (int i = 0; i < n; i++) {
		/* point j sits (total - j) places behind the write position */
		uint64_t back = total - (first + (uint64_t)i);
		lufs[i] = a->history[(a->hist_pos + HISTORY_LEN - (int)back) % HISTORY_LEN];
	}
	pthread_mutex_unlock(&a->lock);
	*first_out = first;
	return n;
}

void analysis_set_slope(analysis *a, float db_per_octave)
{
	if (db_per_octave == db_per_octave)
		atomic_store(&a->slope, db_per_octave);
}

float analysis_learn_drive(analysis *a)
{
	meter_snapshot s;
	analysis_get(a, &s);
	if (s.out.lufs_i <= -70.0f)
		return NAN;
	int plat = param_get_int(a->params, P_TARGET_PLATFORM);
	const platform_info *pi = platform_get(plat);
	float target = plat > PLAT_NONE && pi ? pi->target_lufs : param_get(a->params, P_TARGET_LUFS);
	float drive = param_get(a->params, P_LIM_GAIN) + (target - s.out.lufs_i);
	const param_info *info = param_info_get(P_LIM_GAIN);
	if (drive < info->min)
		drive = info->min;
	if (drive > info->max)
		drive = info->max;
	return drive;
}

double analysis_cpu_seconds(analysis *a)
{
	clockid_t id;
	struct timespec t;
	if (!a->started || pthread_getcpuclockid(a->thread, &id) != 0 || clock_gettime(id, &t) != 0)
		return -1;
	return now_s(&t);
}
