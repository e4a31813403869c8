/* lathe — the 8-band analog-matched EQ: the RT module.
 *
 * The band designs are in eq_design.c, the steady path (all sections in one
 * vector pass) in eq_cascade.c, the response the console draws in eq_response.c.
 *
 * Rate: below 88.2 kHz the bands run at twice the audio rate (oversample.c:
 * half-band up, sections designed for 2 fs, half-band down; flat within 0.001 dB
 * to 20 kHz).  A matched section can only follow its prototype while the
 * band's features stay well below its Nyquist; at 1x a 16 kHz notch or a 20 kHz
 * shelf was 2-5 dB off, at 2x every type stays within 0.25 dB to 20 kHz (the
 * fits also spend one condition on 20 kHz instead of the unheard Nyquist: fit6,
 * notch candidates).  Latency: the oversampler's round trip (73 frames at 44.1
 * and 48 kHz), 0 at 88.2/96 kHz.  When bypassed or no band acts the output is
 * the input delayed by that latency, bit for bit, with 10 ms crossfades; per
 * channel, so a left-only band leaves the right channel exact.
 *
 * Mid/side convention for the whole project:
 *   M = (L + R) / 2,  S = (L - R) / 2,  and back  L = M + S,  R = M - S.
 */
#include "eq.h"
#include "dsp_util.h"
#include "eq_cascade.h"
#include "eq_design.h"
#include "eq_dynamic.h"
#include "biquad.h"
#include "oversample.h"
#include "smooth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EQ_UPDATE_INTERVAL 16 /* samples between coefficient updates while a parameter glides */
#define EQ_FADE_MS 10.0f    /* bypass and band on/off/type-change crossfade */
#define EQ_PRIME_EXTRA 16   /* history beyond 2 x latency kept to prime the oversampler */
/* A dynamic band is redesigned when its gain offset moved by more than this
 * since the last design: a settled band (steady tone, or nothing above the
 * threshold) keeps constant coefficients and costs no designs. */
#define EQ_DYN_TOL_DB 1e-4
/* A section left at unit response by a glide to 0 dB (see band_design) is
 * dropped once its state is below this: dropping it steps the output by at
 * most its s1, here -180 dBFS. */
#define EQ_DRAIN_EPS 1e-9

enum { DOM_LR, DOM_MS, DOM_ANY };

/* ---------------------------------------------------------------- the module -- */

typedef struct {
	/* applied discrete settings (what the sections implement) */
	int type, slope, channel;
	/* discrete settings asked for; differing from the applied ones means the band
	 * is ducking (mix gliding to 0) so the switch happens while it is silent */
	int want_type, want_slope, want_channel;
	int want_on;            /* !band bypass */
	smooth oct_freq;        /* frequency, smoothed in octaves so sweeps sound even */
	smooth gain_db;         /* gain in dB (linear in dB = even loudness glide) */
	smooth oct_q;           /* Q, smoothed in octaves */
	smooth mix;             /* 0 = band out, 1 = band in; per-sample crossfade */
	int dirty;              /* coefficients must be recomputed at the next chunk */
	int nsec;               /* sections in use; 0 = identity, the band is skipped */
	int ndes;               /* sections of the design (<= nsec): those beyond it have unit
	                         * response (b = a) and run only until their state has decayed */
	int idle;               /* state did not follow the signal: clear it before the next use */
	int st_domain;          /* DOM_LR or DOM_MS: the basis a stereo band's state is in */
	int jump;               /* next design applies at once (after a switch while silent) */
	biquad_coef sec[EQ_MAX_SECTIONS];    /* coefficients in effect (at the end of the last chunk) */
	biquad_coef tgt[EQ_MAX_SECTIONS];    /* during a glide: coefficients at the end of this chunk */
	int nrun;               /* sections to run in this chunk (max of before/after a glide step) */
	int interp;             /* this chunk moves sec -> tgt linearly, sample by sample */
	biquad_state st[EQ_MAX_SECTIONS][2]; /* [section][0 = L or M, 1 = R or S] */
	/* dynamic band (eq_dynamic.c): runs on the chunk path, its gain the static
	 * gain plus the detector's offset, redesigned every chunk it moves */
	int want_dyn;           /* /eq/N/dynamic on, band on, and a type with a gain */
	int dyn_active;         /* want_dyn, or an offset still returning to 0 after it went off */
	smooth thr_db, range_db; /* threshold and range, glided like the gain */
	float ratio, attack_ms, release_ms;
	double delta_applied;   /* the offset the sections were last designed for, dB */
	eq_dyn dyn;             /* detector state and the current offset */
} eq_band;

struct eq {
	double rate;         /* the audio rate */
	int factor;          /* 2 below 88.2 kHz (the bands run at 2 rate), else 1 */
	double irate;        /* rate * factor: where the sections are designed and run */
	unsigned max_block;  /* audio-rate frames per call */
	unsigned lat;        /* oversampler round trip, audio-rate frames (0 at factor 1) */
	int interval;        /* internal samples between coefficient updates while gliding */
	int ramp_samples;    /* glide time of freq/gain/q (the registry's smooth_ms), internal samples */
	int fade_samples;    /* band on/off/type-change crossfade, internal samples */
	int out_fade;        /* wet/dry crossfade at the output, audio-rate samples */
	smooth mix[2];       /* output crossfade per channel, audio rate: 0 = delayed input, 1 = the bands */
	int running[2];      /* the wet path (oversampler, bands) ran for this channel in the last block */
	unsigned warm[2];    /* after a resume: audio-rate samples the wet path runs unheard first */
	int fresh;           /* no update yet: the first parameters apply at once, without glides */
	eq_band band[EQ_BANDS];
	eq_probes probes;    /* where candidate designs are compared, for irate */
	oversample *os[2];   /* L and R (factor 2 only): up, bands, down */
	float *work[2];      /* L/R at irate, factor * max_block each */
	float *hist[2];      /* input history (hist_len) followed by the block: the delay line of the dry path */
	unsigned hist_len;   /* 2 lat + EQ_PRIME_EXTRA: enough past input to prime the oversampler */
	float *dry[2];       /* the delayed input of this block, max_block each */
	float *band_dry[2];  /* input copy of one band during its crossfade, factor * max_block */
	eq_cascade *cascade;  /* the steady path: EQ_BANDS * EQ_MAX_SECTIONS sections, factor * max_block frames */
};
eq *eq_new(double rate, unsigned max_block)
{
	if (max_block == 0)
		return NULL;
	eq *s = dsp_calloc(sizeof *s);
	if (!s)
		return NULL;
	s->rate = rate;
	s->factor = eq_factor(rate);
	s->irate = rate * s->factor;
	s->max_block = max_block;
	s->interval = EQ_UPDATE_INTERVAL * s->factor;
	const param_info *pi = param_info_get(P_EQ_FREQ);
	s->ramp_samples = smooth_samples(pi && pi->smooth_ms > 0 ? pi->smooth_ms : 30, s->irate);
	s->fade_samples = smooth_samples(EQ_FADE_MS, s->irate);
	s->out_fade = smooth_samples(EQ_FADE_MS, rate);
	unsigned nw = max_block * (unsigned)s->factor;
	int ok = 1;
	for (int c = 0; c < 2; c++) {
		if (s->factor > 1) {
			s->os[c] = oversample_new(s->factor, max_block);
			ok = ok && s->os[c];
		}
	}
	if (ok && s->factor > 1)
		s->lat = oversample_latency(s->os[0]);
	s->hist_len = s->factor > 1 ? 2 * s->lat + EQ_PRIME_EXTRA : 0;
	for (int c = 0; c < 2 && ok; c++) {
		s->work[c] = dsp_alloc_floats(nw);
		s->hist[c] = dsp_alloc_floats(s->hist_len + max_block);
		s->dry[c] = dsp_alloc_floats(max_block);
		s->band_dry[c] = dsp_alloc_floats(nw);
		ok = s->work[c] && s->hist[c] && s->dry[c] && s->band_dry[c];
	}
	if (ok)
		ok = (s->cascade = eq_cascade_new(EQ_BANDS * EQ_MAX_SECTIONS, nw)) != NULL;
	if (!ok) {
		eq_free(s);
		return NULL;
	}
	/* touch the oversampler's buffers too (they are calloc'ed; run them once) */
	if (s->factor > 1)
		for (int c = 0; c < 2; c++) {
			oversample_up(s->os[c], s->dry[c], s->work[c], max_block);
			oversample_down(s->os[c], s->work[c], s->dry[c], max_block);
			oversample_reset(s->os[c]);
			memset(s->work[c], 0, nw * sizeof(float));
			memset(s->dry[c], 0, max_block * sizeof(float));
		}
	smooth_init(&s->mix[0], 0);
	smooth_init(&s->mix[1], 0);
	s->fresh = 1;
	eq_probes_init(&s->probes, s->irate);
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		const param_info *fi = param_info_get(P_EQ_FREQ + b), *qi = param_info_get(P_EQ_Q + b);
		bd->type = bd->want_type = EQ_BELL;
		bd->want_on = 1;
		smooth_init(&bd->oct_freq, log2f(fi ? fi->def : 1000));
		smooth_init(&bd->gain_db, 0);
		smooth_init(&bd->oct_q, log2f(qi ? qi->def : 0.707f));
		smooth_init(&bd->mix, 1);
		smooth_init(&bd->thr_db, -24);
		smooth_init(&bd->range_db, 0);
		bd->ratio = 2;
		bd->attack_ms = 10;
		bd->release_ms = 150;
		eq_dyn_reset(&bd->dyn);
		bd->dirty = 1;
		bd->idle = 1;
	}
	return s;
}

void eq_free(eq *s)
{
	if (!s)
		return;
	for (int c = 0; c < 2; c++) {
		oversample_free(s->os[c]);
		free(s->work[c]);
		free(s->hist[c]);
		free(s->dry[c]);
		free(s->band_dry[c]);
	}
	eq_cascade_free(s->cascade);
	free(s);
}

/* Constant: the oversampler's round trip at factor 2, 0 at factor 1; the dry
 * path (neutral or bypassed) is delayed by the same amount. */
unsigned eq_latency(const eq *s) { return s->lat; }

void eq_reset(eq *s)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		s->band[b].idle = 1;
		double delta = s->band[b].dyn.delta_db;
		eq_dyn_reset(&s->band[b].dyn);
		s->band[b].dyn.delta_db = delta; /* the gain returns from where it is, not with a jump */
	}
	/* the wet path restarts (primed from the history) at the next block */
	s->running[0] = s->running[1] = 0;
	for (int c = 0; c < 2; c++)
		memset(s->hist[c], 0, (s->hist_len + s->max_block) * sizeof(float));
}

static void apply_discrete(eq_band *bd)
{
	bd->type = bd->want_type;
	bd->slope = bd->want_slope;
	bd->channel = bd->want_channel;
	bd->dirty = 1;
	bd->idle = 1;
	bd->jump = 1;
}

/* Does this band change the signal at its target settings (or on its way there)?
 * Bells, shelves and tilt at 0 dB are exactly identity (design_band gives no section). */
static int band_audible(const eq_band *bd)
{
	if (smooth_active(&bd->mix) || smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) ||
	    smooth_active(&bd->oct_q))
		return 1;
	if (bd->dyn_active && (bd->dyn.delta_db != 0 || bd->range_db.target != 0.0f || smooth_active(&bd->range_db)))
		return 1;
	if (!bd->want_on)
		return 0;
	switch (bd->want_type) {
	case EQ_LOW_CUT:
	case EQ_HIGH_CUT:
	case EQ_NOTCH:
		return 1;
	default:
		return bd->gain_db.target != 0.0f;
	}
}

void eq_update(eq *s, const lathe_params *p)
{
	int on = !param_get_bool(p, P_EQ_BYPASS);
	/* fully out (bypassed or neutral), nothing is heard from the bands; and before
	 * the first block there is nothing to glide from: settings jump */
	int parked = s->fresh || (!smooth_active(&s->mix[0]) && s->mix[0].cur == 0.0f &&
	                          !smooth_active(&s->mix[1]) && s->mix[1].cur == 0.0f);
	int ramp = parked ? 0 : s->ramp_samples;
	int fade = parked ? 0 : s->fade_samples;
	int audible[2] = { 0, 0 };
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		float f = param_get(p, P_EQ_FREQ + b), q = param_get(p, P_EQ_Q + b);
		smooth_set(&bd->oct_freq, log2f(f > 1 ? f : 1), ramp);
		smooth_set(&bd->gain_db, param_get(p, P_EQ_GAIN + b), ramp);
		smooth_set(&bd->oct_q, log2f(q > 0.01f ? q : 0.01f), ramp);
		bd->want_type = param_get_int(p, P_EQ_TYPE + b);
		bd->want_slope = param_get_int(p, P_EQ_SLOPE + b);
		bd->want_channel = param_get_int(p, P_EQ_CHANNEL + b);
		bd->want_on = !param_get_bool(p, P_EQ_BAND_BYPASS + b);
		int change = bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel;
		if (change && (fade == 0 || (!smooth_active(&bd->mix) && bd->mix.cur == 0.0f))) {
			apply_discrete(bd); /* silent now: switch at once */
			change = 0;
		}
		smooth_set(&bd->mix, change ? 0.0f : (bd->want_on ? 1.0f : 0.0f), fade);
		int t = bd->want_type;
		bd->want_dyn = bd->want_on && param_get_bool(p, P_EQ_DYNAMIC + b) &&
		               (t == EQ_BELL || t == EQ_LOW_SHELF || t == EQ_HIGH_SHELF || t == EQ_TILT);
		if (bd->want_dyn) {
			smooth_set(&bd->thr_db, param_get(p, P_EQ_THRESHOLD + b), bd->dyn_active ? ramp : 0);
			smooth_set(&bd->range_db, param_get(p, P_EQ_RANGE + b), bd->dyn_active ? ramp : 0);
			bd->ratio = param_get(p, P_EQ_RATIO + b);
			bd->attack_ms = param_get(p, P_EQ_ATTACK + b);
			bd->release_ms = param_get(p, P_EQ_RELEASE + b);
		}
		bd->dyn_active = bd->want_dyn || bd->dyn.delta_db != 0 || bd->delta_applied != 0;
		if (band_audible(bd)) {
			/* a left (right) band, before and after a channel switch, leaves the
			 * other channel alone: that one stays on the exact dry path */
			int c0 = bd->channel, c1 = bd->want_channel;
			audible[0] |= c0 != CH_RIGHT || c1 != CH_RIGHT;
			audible[1] |= c0 != CH_LEFT || c1 != CH_LEFT;
		}
	}
	/* The output crossfades between the bands (wet) and the input delayed by the
	 * latency (dry).  Dry whenever bypassed or no band acts: then the signal
	 * passes bit-exact, without the oversampler's (tiny) passband ripple and the
	 * roll-off it has between 20 kHz and the audio Nyquist. */
	for (int c = 0; c < 2; c++)
		smooth_set(&s->mix[c], on && audible[c] ? 1.0f : 0.0f, s->fresh ? 0 : s->out_fade);
	s->fresh = 0;
}

/* M = (L + R) / 2, S = (L - R) / 2 (in place: l becomes M, r becomes S). */
static void to_ms(float *l, float *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		float m = 0.5f * (l[i] + r[i]), sd = 0.5f * (l[i] - r[i]);
		l[i] = m;
		r[i] = sd;
	}
}

/* L = M + S, R = M - S. */
static void to_lr(float *m, float *sd, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		float l = m[i] + sd[i], r = m[i] - sd[i];
		m[i] = l;
		sd[i] = r;
	}
}

/* A stereo band applies the same linear filter to both channels, so its state
 * transforms between L/R and M/S exactly like the signals do. */
static void state_to_domain(eq_band *bd, int dom)
{
	if (bd->st_domain == dom)
		return;
	for (int k = 0; k < EQ_MAX_SECTIONS; k++) {
		biquad_state *a = &bd->st[k][0], *c = &bd->st[k][1];
		double s1a = a->s1, s2a = a->s2, s1c = c->s1, s2c = c->s2;
		double h = dom == DOM_MS ? 0.5 : 1.0;
		a->s1 = h * (s1a + s1c);
		a->s2 = h * (s2a + s2c);
		c->s1 = h * (s1a - s1c);
		c->s2 = h * (s2a - s2c);
	}
	bd->st_domain = dom;
	eq_dyn_to_domain(&bd->dyn, dom == DOM_MS);
}

static int band_domain(int channel)
{
	switch (channel) {
	case CH_MID:
	case CH_SIDE:
		return DOM_MS;
	case CH_LEFT:
	case CH_RIGHT:
		return DOM_LR;
	default:
		return DOM_ANY;
	}
}

static int band_ramping(const eq_band *bd)
{
	return smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) || smooth_active(&bd->oct_q);
}


/* Run one band's sections on x0 (and x1 when both), crossfading with its input
 * while its mix glides.  Both channels share the mix ramp. */
static void band_run(eq *s, eq_band *bd, float *x0, float *x1, int ch0, unsigned n)
{
	int fading = smooth_active(&bd->mix) || bd->mix.cur != 1.0f;
	if (fading) {
		if (x0)
			memcpy(s->band_dry[0], x0, n * sizeof(float));
		if (x1)
			memcpy(s->band_dry[1], x1, n * sizeof(float));
	}
	for (int k = 0; k < bd->nrun; k++) {
		if (bd->interp) {
			biquad_run_ramp(&bd->sec[k], &bd->tgt[k], &bd->st[k][x1 ? 0 : ch0], x0, n);
			if (x1)
				biquad_run_ramp(&bd->sec[k], &bd->tgt[k], &bd->st[k][1], x1, n);
		} else if (x0 && x1) {
			biquad_run2(&bd->sec[k], bd->st[k], x0, x1, n);
		} else {
			biquad_run(&bd->sec[k], &bd->st[k][ch0], x0, n);
		}
	}
	if (!fading)
		return;
	for (unsigned i = 0; i < n; i++) {
		float m = smooth_next(&bd->mix);
		x0[i] = dsp_mix_in(s->band_dry[0][i], x0[i], m);
		if (x1)
			x1[i] = dsp_mix_in(s->band_dry[1][i], x1[i], m);
	}
}

/* Design for the values at the END of this chunk (gain_db: the static gain,
 * plus a dynamic band's offset), glide there within it. */
static void band_design(eq *s, eq_band *bd, double gain_db)
{
	int nt = eq_design_band(bd->tgt, bd->type, exp2(bd->oct_freq.cur), gain_db, exp2(bd->oct_q.cur),
	                        bd->slope, s->irate, &s->probes);
	if (bd->jump || bd->idle) {
		memcpy(bd->sec, bd->tgt, sizeof bd->sec);
		bd->nsec = bd->nrun = bd->ndes = nt;
		bd->idle = 1;
	} else {
		/* A band at 0 dB has no sections.  Gliding to (from) there, a section
		 * glides to (from) the unit-response section with its own poles,
		 * b = a: with the poles fixed, interpolating the numerator crossfades
		 * the response itself linearly across the chunk.  Gliding to the
		 * identity (1, 0, 0, 0, 0) instead moved a bell's poles from near the
		 * unit circle to 0 within one chunk: at 150 Hz, Q 0.707 the last
		 * -0.1 dB (a 0.0029 sine on a 0.25 one) vanished within a sample or
		 * two, a kink at the glide's end 10 x, at Q 4 28 x, the smooth glide's
		 * own second difference (test_glide_as_smooth_as_its_shape).  A
		 * section that arrived at unit response keeps its state, the ringing
		 * of the last steps, and runs until that has decayed (band_drain). */
		for (int k = bd->nsec; k < nt; k++) {
			bd->sec[k] = (biquad_coef){ 1, bd->tgt[k].a1, bd->tgt[k].a2, bd->tgt[k].a1, bd->tgt[k].a2 };
			memset(bd->st[k], 0, sizeof bd->st[k]);
		}
		for (int k = nt; k < bd->nsec; k++)
			bd->tgt[k] = (biquad_coef){ 1, bd->sec[k].a1, bd->sec[k].a2, bd->sec[k].a1, bd->sec[k].a2 };
		bd->nrun = nt > bd->nsec ? nt : bd->nsec;
		bd->interp = 1;
		bd->nsec = bd->nrun;
		bd->ndes = nt;
	}
	bd->jump = 0;
	bd->dirty = smooth_active(&bd->oct_freq) || smooth_active(&bd->gain_db) || smooth_active(&bd->oct_q);
}

/* Sections at unit response beyond the design (a glide ended at 0 dB) are
 * dropped once their state is below EQ_DRAIN_EPS, or at once when the state
 * is cleared anyway (idle): from then the band is exactly identity again. */
static void band_drain(eq_band *bd)
{
	if (bd->nsec == bd->ndes)
		return;
	if (!bd->idle)
		for (int k = bd->ndes; k < bd->nsec; k++)
			for (int c = 0; c < 2; c++)
				if (fabs(bd->st[k][c].s1) > EQ_DRAIN_EPS || fabs(bd->st[k][c].s2) > EQ_DRAIN_EPS)
					return;
	bd->nsec = bd->ndes;
}

/* One chunk of a dynamic band: the detector listens to the band's input (in
 * the band's domain, on its channel), the offset follows, and the sections
 * are redesigned for static gain + offset whenever the offset moved; the
 * coefficients glide linearly to the new design across the chunk
 * (biquad_run_ramp), so a moving gain has no steps and a settled one has
 * constant coefficients: no zipper. */
static void dynamic_chunk(eq *s, eq_band *bd, float *l, float *r, unsigned n, int *dom)
{
	smooth_skip(&bd->oct_freq, (int)n);
	smooth_skip(&bd->gain_db, (int)n);
	smooth_skip(&bd->oct_q, (int)n);
	smooth_skip(&bd->thr_db, (int)n);
	smooth_skip(&bd->range_db, (int)n);
	int need = band_domain(bd->channel);
	if (need != DOM_ANY && need != *dom) {
		if (need == DOM_MS)
			to_ms(l, r, n);
		else
			to_lr(l, r, n);
		*dom = need;
	}
	int idle = bd->idle;
	if (idle) { /* the detector's filter starts from silence with the sections' */
		memset(bd->dyn.st, 0, sizeof bd->dyn.st);
		bd->dyn.yprev[0] = bd->dyn.yprev[1] = 0;
		bd->dyn.ms = *dom == DOM_MS;
	}
	float *x0 = l, *x1 = NULL;
	int ch0 = 0;
	switch (bd->channel) {
	case CH_MID:
	case CH_LEFT:
		break;
	case CH_SIDE:
	case CH_RIGHT:
		x0 = r;
		ch0 = 1;
		break;
	default:
		if (!idle)
			state_to_domain(bd, *dom);
		x1 = r;
		break;
	}
	if (bd->want_dyn) {
		eq_dyn_tune(&bd->dyn, exp2(bd->oct_freq.cur), exp2(bd->oct_q.cur), s->irate);
		double lvl = eq_dyn_detect(&bd->dyn, x0, x1, n, x1 && *dom == DOM_MS);
		eq_dyn_step(&bd->dyn, lvl, bd->thr_db.cur, bd->ratio, bd->range_db.cur, bd->attack_ms, bd->release_ms, n,
		            s->irate);
	} else {
		/* dynamic went off: the offset returns to 0 with the fade time, then the
		 * band is a static one again, designed exactly at its static gain */
		bd->dyn.delta_db *= exp(-(double)n / s->fade_samples);
		if (fabs(bd->dyn.delta_db) < EQ_DYN_TOL_DB) {
			bd->dyn.delta_db = 0;
			bd->dirty = 1;
		}
	}
	double delta = bd->dyn.delta_db;
	bd->interp = 0;
	if (band_ramping(bd) || bd->dirty || fabs(delta - bd->delta_applied) > EQ_DYN_TOL_DB) {
		band_design(s, bd, bd->gain_db.cur + delta);
		bd->delta_applied = delta;
	} else {
		bd->nrun = bd->nsec;
	}
	if (bd->idle) {
		memset(bd->st, 0, sizeof bd->st);
		bd->st_domain = *dom;
		bd->dyn.ms = *dom == DOM_MS;
		bd->idle = 0;
	}
	int silent = !smooth_active(&bd->mix) && bd->mix.cur == 0.0f;
	if (bd->nrun == 0 || silent) {
		smooth_skip(&bd->mix, (int)n);
		if (silent)
			bd->idle = 1;
	} else {
		band_run(s, bd, x0, x1, ch0, n);
	}
	if (bd->interp)
		memcpy(bd->sec, bd->tgt, sizeof bd->sec);
	bd->interp = 0;
	band_drain(bd);
}

/* One chunk over which every band's coefficients are constant. */
static void process_chunk(eq *s, float *l, float *r, unsigned n)
{
	int dom = DOM_LR;
	for (int b = 0; b < EQ_BANDS; b++) {
		eq_band *bd = &s->band[b];
		/* the duck reached silence: switch type/slope/channel now */
		if (!smooth_active(&bd->mix) && bd->mix.cur == 0.0f &&
		    (bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel)) {
			apply_discrete(bd);
			smooth_set(&bd->mix, bd->want_on ? 1.0f : 0.0f, s->fade_samples);
		}
		if (bd->dyn_active) {
			dynamic_chunk(s, bd, l, r, n, &dom);
			continue;
		}
		bd->interp = 0;
		if (band_ramping(bd) || bd->dirty) {
			smooth_skip(&bd->oct_freq, (int)n);
			smooth_skip(&bd->gain_db, (int)n);
			smooth_skip(&bd->oct_q, (int)n);
			band_design(s, bd, bd->gain_db.cur);
		} else {
			bd->nrun = bd->nsec;
		}

		int silent = !smooth_active(&bd->mix) && bd->mix.cur == 0.0f;
		if (bd->nrun == 0 || silent) {
			smooth_skip(&bd->mix, (int)n);
			bd->idle = 1;
			if (bd->interp)
				memcpy(bd->sec, bd->tgt, sizeof bd->sec);
			bd->interp = 0;
			band_drain(bd);
			continue;
		}
		int need = band_domain(bd->channel);
		if (need != DOM_ANY && need != dom) {
			if (need == DOM_MS)
				to_ms(l, r, n);
			else
				to_lr(l, r, n);
			dom = need;
		}
		if (bd->idle) {
			memset(bd->st, 0, sizeof bd->st);
			bd->st_domain = dom;
			bd->idle = 0;
		}
		switch (bd->channel) {
		case CH_MID:
		case CH_LEFT:
			band_run(s, bd, l, NULL, 0, n);
			break;
		case CH_SIDE:
		case CH_RIGHT:
			band_run(s, bd, r, NULL, 1, n);
			break;
		default:
			state_to_domain(bd, dom);
			band_run(s, bd, l, r, 0, n);
			break;
		}
		if (bd->interp)
			memcpy(bd->sec, bd->tgt, sizeof bd->sec);
		band_drain(bd);
	}
	if (dom == DOM_MS)
		to_lr(l, r, n);
}


/* ---- steady state: all sections of all bands in one vector pass (eq_cascade.c) ---- */

/* Can this chunk take the steady path?  Every band settled: no glide, no fade,
 * no pending switch, no section draining, state already live (not idle). */
static int steady(const eq *s)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		const eq_band *bd = &s->band[b];
		if (band_ramping(bd) || bd->dirty || bd->dyn_active || smooth_active(&bd->mix) || bd->nsec != bd->ndes ||
		    bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel)
			return 0;
		if (bd->nsec > 0 && bd->mix.cur != 0.0f && (bd->mix.cur != 1.0f || bd->idle))
			return 0;
	}
	return 1;
}

/* Bands b0 .. b1-1 (all settled) in one vector pass; l, r in L/R before and after. */
static void process_steady(eq *s, float *l, float *r, unsigned n, int b0, int b1)
{
	int dom = DOM_LR;
	eq_cascade_begin(s->cascade);
	for (int b = b0; b < b1; b++) {
		eq_band *bd = &s->band[b];
		if (bd->nsec == 0 || bd->mix.cur == 0.0f)
			continue;
		int need = band_domain(bd->channel), pre = EQ_PRE_NONE;
		if (need != DOM_ANY && need != dom) {
			pre = need == DOM_MS ? EQ_PRE_TO_MS : EQ_PRE_TO_LR;
			dom = need;
		}
		if (need == DOM_ANY)
			state_to_domain(bd, dom);
		int lanes = need == DOM_ANY ? EQ_LANES_BOTH
		            : bd->channel == CH_SIDE || bd->channel == CH_RIGHT ? EQ_LANE_1 : EQ_LANE_0;
		for (int k = 0; k < bd->nsec; k++)
			eq_cascade_add(s->cascade, &bd->sec[k], bd->st[k], lanes, k == 0 ? pre : EQ_PRE_NONE);
	}
	eq_cascade_run(s->cascade, l, r, n, dom == DOM_MS);
}

/* Settled but for dynamic bands: every other band could take the steady
 * path, and no dynamic band has a type, slope or channel switch pending. */
static int steady_but_dynamic(const eq *s)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		const eq_band *bd = &s->band[b];
		if (bd->want_type != bd->type || bd->want_slope != bd->slope || bd->want_channel != bd->channel)
			return 0;
		if (bd->dyn_active)
			continue;
		if (band_ramping(bd) || bd->dirty || smooth_active(&bd->mix) || bd->nsec != bd->ndes)
			return 0;
		if (bd->nsec > 0 && bd->mix.cur != 0.0f && (bd->mix.cur != 1.0f || bd->idle))
			return 0;
	}
	return 1;
}

/* Dynamic bands among settled ones: the bands are in series, so each can run
 * over the whole block in turn.  Runs of static bands keep the vector path
 * (eq_cascade.c); a dynamic band runs its control chunks (s->interval) over
 * the block on its own.  (With one dynamic band at rest, 8 bands at 48 kHz /
 * 64 frames: 229x real time on the chunk path for all, see bench_eq.) */
static void process_mixed(eq *s, float *l, float *r, unsigned n)
{
	int dom = DOM_LR;
	unsigned iv = (unsigned)s->interval;
	for (int b = 0; b < EQ_BANDS;) {
		eq_band *bd = &s->band[b];
		if (!bd->dyn_active) {
			int e = b;
			while (e < EQ_BANDS && !s->band[e].dyn_active)
				e++;
			if (dom == DOM_MS) {
				to_lr(l, r, n);
				dom = DOM_LR;
			}
			process_steady(s, l, r, n, b, e);
			b = e;
			continue;
		}
		int need = band_domain(bd->channel);
		if (need != DOM_ANY && need != dom) { /* the whole block, before the chunks */
			if (need == DOM_MS)
				to_ms(l, r, n);
			else
				to_lr(l, r, n);
			dom = need;
		}
		for (unsigned i = 0; i < n; i += iv) {
			unsigned k = n - i < iv ? n - i : iv;
			dynamic_chunk(s, bd, l + i, r + i, k, &dom);
		}
		b++;
	}
	if (dom == DOM_MS)
		to_lr(l, r, n);
}

static void process_bands(eq *s, float *l, float *r, unsigned n)
{
	int any_ramp = 0, any_dyn = 0;
	for (int b = 0; b < EQ_BANDS; b++) {
		any_ramp |= band_ramping(&s->band[b]);
		any_dyn |= s->band[b].dyn_active;
	}
	if (!any_ramp && !any_dyn) {
		if (steady(s))
			process_steady(s, l, r, n, 0, EQ_BANDS);
		else
			process_chunk(s, l, r, n);
		return;
	}
	if (!any_ramp && steady_but_dynamic(s)) {
		process_mixed(s, l, r, n);
		return;
	}
	/* gliding: coefficients from the smoothed values every s->interval samples */
	unsigned iv = (unsigned)s->interval;
	for (unsigned i = 0; i < n; i += iv) {
		unsigned k = n - i < iv ? n - i : iv;
		process_chunk(s, l + i, r + i, k);
	}
}

/* Start channel c's wet path again after it was off: band states from silence
 * (they fade in with s->mix), the oversampler's histories refilled from the
 * last hist_len input samples so its output is right from the first sample. */
static void wet_resume(eq *s, int c)
{
	for (int b = 0; b < EQ_BANDS; b++) {
		/* a band on the other channel alone kept running: its state is live */
		int ch = s->band[b].channel;
		if (!((ch == CH_LEFT && c == 1) || (ch == CH_RIGHT && c == 0)))
			s->band[b].idle = 1;
	}
	/* The down-sampler's taps span ~lat samples: until they hold only signal
	 * that went through the (restarted) bands, its output mixes the primed
	 * history with the bands' onset; the centre tap alone makes that a step.
	 * So the wet path runs unheard for lat + 1 samples before the crossfade
	 * starts; the bands' own zero-state onset decays meanwhile too. */
	s->warm[c] = s->lat ? s->lat + 1 : 0;
	if (s->factor == 1)
		return;
	oversample_reset(s->os[c]);
	for (unsigned i = 0; i < s->hist_len; i += s->max_block) {
		unsigned k = s->hist_len - i < s->max_block ? s->hist_len - i : s->max_block;
		oversample_up(s->os[c], s->hist[c] + i, s->work[c], k);
		oversample_down(s->os[c], s->work[c], s->dry[c], k);
	}
}

void eq_process(eq *s, float *l, float *r, unsigned n)
{
	if (n == 0)
		return;
	float *io[2] = { l, r };
	unsigned H = s->hist_len, ni = n * (unsigned)s->factor;
	int wet[2];
	for (int c = 0; c < 2; c++) {
		memcpy(s->hist[c] + H, io[c], n * sizeof(float));
		wet[c] = smooth_active(&s->mix[c]) || s->mix[c].cur != 0.0f;
		if (wet[c] && !s->running[c])
			wet_resume(s, c); /* uses s->dry as scratch: before it is filled */
		s->running[c] = wet[c];
		/* dry path: the input delayed by s->lat (hist is the delay line) */
		memcpy(s->dry[c], s->hist[c] + H - s->lat, n * sizeof(float));
		if (wet[c]) {
			if (s->factor > 1)
				oversample_up(s->os[c], io[c], s->work[c], n);
			else
				memcpy(s->work[c], io[c], n * sizeof(float));
		}
	}
	/* A channel off the wet path is not used by any band (only left or right
	 * bands run, on the other channel): its work buffer is never read. */
	if (wet[0] || wet[1])
		process_bands(s, s->work[0], s->work[1], ni);
	for (int c = 0; c < 2; c++) {
		float *x = io[c], *d = s->dry[c];
		if (!wet[c]) {
			memcpy(x, d, n * sizeof(float));
		} else {
			if (s->factor > 1)
				oversample_down(s->os[c], s->work[c], x, n);
			else
				memcpy(x, s->work[c], n * sizeof(float));
			unsigned w = s->warm[c] < n ? s->warm[c] : n;
			s->warm[c] -= w;
			if (w)
				memcpy(x, d, w * sizeof(float));
			if (smooth_active(&s->mix[c]))
				for (unsigned i = w; i < n; i++) {
					float m = smooth_next(&s->mix[c]);
					x[i] = dsp_mix_in(d[i], x[i], m);
				}
		}
		if (H)
			memmove(s->hist[c], s->hist[c] + n, H * sizeof(float));
	}
}

void eq_live_gain_db(const eq *s, float out[EQ_BANDS])
{
	for (int b = 0; b < EQ_BANDS; b++) {
		const eq_band *bd = &s->band[b];
		int t = bd->type, gain = t == EQ_BELL || t == EQ_LOW_SHELF || t == EQ_HIGH_SHELF || t == EQ_TILT;
		out[b] = !gain || (bd->mix.cur == 0.0f && !smooth_active(&bd->mix))
		         ? 0.0f
		         : (float)(bd->gain_db.cur + (bd->dyn_active ? bd->delta_applied : 0));
	}
}
