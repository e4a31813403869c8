#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#include <pmmintrin.h>
#endif

#include "modules.h"
#include "dsp/dsp_util.h"
#include "dsp/smooth.h"
#include "dsp/eq.h"
#include "dsp/multiband.h"
#include "dsp/limiter.h"
#include "dsp/monitor.h"

/* A delay line as long as the chain's latency: /bypass and the monitor's
 * input source read the chain input through it, so they line up with the
 * master out. */
typedef struct {
	float *buf[2]; /* ring, `len` frames per channel (len = latency + ENGINE_MAX_BLOCK) */
	uint32_t len;  /* ring length */
	uint32_t w;    /* write index */
	uint32_t delay;
} delay2;

struct engine {
	lathe_params *params; /* borrowed: the store every writer talks to */
	lathe_bus *bus;       /* borrowed: meter rings and audio tap, NULL offline */
	double rate;

	/* the chain: one state per row of the module table (modules.c), in its order;
	 * NULL for rows without a stage.  The four below are the same pointers, typed,
	 * for what only they do (meters, the monitor's own process). */
	void *state[LATHE_MODULES_MAX];
	eq *eq;
	multiband *mb;
	limiter *lim;
	monitor *mon;

	smooth trim[LATHE_MODULES_MAX]; /* LATHE_MOD_TRIM rows: linear gain */
	smooth bypass_mix;        /* 0 = chain, 1 = delayed input (the 10 ms bypass crossfade) */
	int trim_samples;         /* ramp length for trims */
	uint32_t latency;         /* sum of module latencies */
	delay2 dry;               /* chain input delayed by `latency` */

	/* per-sub-block scratch, ENGINE_MAX_BLOCK frames each */
	float *wl, *wr;           /* the signal being processed in place */
	float *dl, *dr;           /* delayed input */
	float *zero;              /* silence for a missing reference */
	float *tap;               /* interleaved tap frames */

	uint64_t pos;             /* frames processed */
	uint32_t nonfinite;       /* non-finite input events */
};

void engine_flush_denormals(void)
{
#if defined(__SSE__) || defined(__x86_64__)
	_MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
	_MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}

/* The target of a trim row: unity when bypassed. */
static float trim_target(const lathe_module *m, const lathe_params *p)
{
	return param_get_bool(p, m->bypass_param) ? 1 : db_to_lin(param_get(p, m->gain_param));
}

engine *engine_new(lathe_params *params, lathe_bus *bus, double rate)
{
	if (!engine_rate_supported(rate))
		return NULL;
	engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->params = params;
	e->bus = bus;
	e->rate = rate;
	for (int i = 0; i < lathe_module_count(); i++) {
		const lathe_module *m = lathe_module_get(i);
		if (!m->ops)
			continue;
		if (!(e->state[i] = m->ops->create(rate, ENGINE_MAX_BLOCK)))
			goto fail;
		if (m->ops->latency)
			e->latency += m->ops->latency(e->state[i]);
	}
	e->eq = e->state[lathe_module_index("eq")];
	e->mb = e->state[lathe_module_index("mb")];
	e->lim = e->state[lathe_module_index("limiter")];
	e->mon = e->state[lathe_module_index("monitor")];

	e->dry.delay = e->latency;
	e->dry.len = e->latency + ENGINE_MAX_BLOCK;
	for (int c = 0; c < 2; c++)
		if (!(e->dry.buf[c] = dsp_alloc_floats(e->dry.len)))
			goto fail;
	float **scratch[] = { &e->wl, &e->wr, &e->dl, &e->dr, &e->zero };
	for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
		if (!(*scratch[i] = dsp_alloc_floats(ENGINE_MAX_BLOCK)))
			goto fail;
	if (!(e->tap = dsp_alloc_floats((size_t)ENGINE_MAX_BLOCK * TAP_CHANNELS)))
		goto fail;

	e->trim_samples = smooth_samples(20, rate);
	for (int i = 0; i < lathe_module_count(); i++)
		if (lathe_module_get(i)->kind == LATHE_MOD_TRIM)
			smooth_init(&e->trim[i], trim_target(lathe_module_get(i), params));
	smooth_init(&e->bypass_mix, param_get_bool(params, P_BYPASS) ? 1 : 0);
	return e;
fail:
	engine_free(e);
	return NULL;
}

void engine_free(engine *e)
{
	if (!e)
		return;
	for (int i = 0; i < lathe_module_count(); i++)
		if (e->state[i])
			lathe_module_get(i)->ops->destroy(e->state[i]);
	free(e->dry.buf[0]);
	free(e->dry.buf[1]);
	free(e->wl);
	free(e->wr);
	free(e->dl);
	free(e->dr);
	free(e->zero);
	free(e->tap);
	free(e);
}

uint32_t engine_latency(const engine *e) { return e->latency; }
double engine_rate(const engine *e) { return e->rate; }

void engine_reset(engine *e)
{
	for (int i = 0; i < lathe_module_count(); i++)
		if (e->state[i])
			lathe_module_get(i)->ops->reset(e->state[i]);
	memset(e->dry.buf[0], 0, e->dry.len * sizeof(float));
	memset(e->dry.buf[1], 0, e->dry.len * sizeof(float));
}

/* Write n input frames into the dry delay and read them back `delay` frames late. */
static void delay_run(delay2 *d, const float *il, const float *ir, float *ol, float *or_, uint32_t n)
{
	uint32_t w = d->w, len = d->len;
	uint32_t r = (w + len - d->delay) % len;
	for (uint32_t i = 0; i < n; i++) {
		d->buf[0][w] = il[i];
		d->buf[1][w] = ir[i];
		ol[i] = d->buf[0][r];
		or_[i] = d->buf[1][r];
		if (++w == len)
			w = 0;
		if (++r == len)
			r = 0;
	}
	d->w = w;
}

/* Non-finite check without a branch per sample: x - x is 0 for finite x, NaN otherwise. */
static int all_finite(const float *a, const float *b, uint32_t n)
{
	float acc = 0;
	for (uint32_t i = 0; i < n; i++)
		acc += (a[i] - a[i]) + (b[i] - b[i]);
	return acc == 0;
}

static void gain_run(smooth *g, float *l, float *r, uint32_t n)
{
	if (!smooth_active(g)) {
		float k = g->cur;
		if (k == 1.0f)
			return;
		for (uint32_t i = 0; i < n; i++) {
			l[i] *= k;
			r[i] *= k;
		}
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		float k = smooth_next(g);
		l[i] *= k;
		r[i] *= k;
	}
}

static void peak_ms(const float *x, uint32_t n, float *peak, float *ms)
{
	float p = *peak, s = 0;
	for (uint32_t i = 0; i < n; i++) {
		float a = fabsf(x[i]);
		p = a > p ? a : p;
		s += x[i] * x[i];
	}
	*peak = p;
	*ms = n ? s / (float)n : 0;
}

static void run_block(engine *e, const float *in_l, const float *in_r, const float *ref_l, const float *ref_r,
                      float *out_l, float *out_r, float *mon_l, float *mon_r, uint32_t n)
{
	const lathe_params *p = e->params;
	meter_frame mf;
	memset(&mf, 0, sizeof mf);
	mf.pos = e->pos;
	mf.n = n;
	mf.rate = (uint32_t)e->rate;
	mf.latency = e->latency;

	int finite = all_finite(in_l, in_r, n);
	if (!finite) {
		/* NaN/Inf at the input: reset every state, silence this block, count it. */
		e->nonfinite++;
		if (e->bus)
			atomic_fetch_add_explicit(&e->bus->nonfinite_events, 1, memory_order_relaxed);
		engine_reset(e);
		memset(e->wl, 0, n * sizeof(float));
		memset(e->wr, 0, n * sizeof(float));
	} else {
		memcpy(e->wl, in_l, n * sizeof(float));
		memcpy(e->wr, in_r, n * sizeof(float));
	}
	peak_ms(e->wl, n, &mf.in_peak[0], &mf.in_ms[0]);
	peak_ms(e->wr, n, &mf.in_peak[1], &mf.in_ms[1]);
	delay_run(&e->dry, e->wl, e->wr, e->dl, e->dr, n);

	/* parameters: read once per block */
	smooth_set(&e->bypass_mix, param_get_bool(p, P_BYPASS) ? 1 : 0, smooth_samples(10, e->rate));
	for (int i = 0; i < lathe_module_count(); i++) {
		const lathe_module *m = lathe_module_get(i);
		if (m->kind == LATHE_MOD_TRIM)
			smooth_set(&e->trim[i], trim_target(m, p), e->trim_samples);
		else if (e->state[i])
			m->ops->update(e->state[i], p);
	}
	if (e->bus)
		monitor_set_match(e->mon, atomic_load_explicit(&e->bus->match_input_db, memory_order_relaxed),
		                  atomic_load_explicit(&e->bus->match_ref_db, memory_order_relaxed));
	if (e->bus)
		monitor_set_platform_gain(e->mon, atomic_load_explicit(&e->bus->platform_db, memory_order_relaxed));

	/* the chain, in place on wl/wr */
	for (int i = 0; i < lathe_module_count(); i++) {
		const lathe_module *m = lathe_module_get(i);
		if (m->kind == LATHE_MOD_TRIM)
			gain_run(&e->trim[i], e->wl, e->wr, n);
		else if (m->kind == LATHE_MOD_DSP)
			m->ops->process(e->state[i], e->wl, e->wr, n);
	}

	/* /bypass: crossfade to the delayed input; exact once the fade is over */
	if (!smooth_active(&e->bypass_mix) && e->bypass_mix.cur == 1.0f) {
		memcpy(out_l, e->dl, n * sizeof(float));
		memcpy(out_r, e->dr, n * sizeof(float));
	} else if (!smooth_active(&e->bypass_mix) && e->bypass_mix.cur == 0.0f) {
		memcpy(out_l, e->wl, n * sizeof(float));
		memcpy(out_r, e->wr, n * sizeof(float));
	} else {
		for (uint32_t i = 0; i < n; i++) {
			float m = smooth_next(&e->bypass_mix);
			out_l[i] = dsp_mix_in(e->wl[i], e->dl[i], m);
			out_r[i] = dsp_mix_in(e->wr[i], e->dr[i], m);
		}
	}

	/* a module gone wrong must not reach the converters either */
	if (!all_finite(out_l, out_r, n)) {
		e->nonfinite++;
		if (e->bus)
			atomic_fetch_add_explicit(&e->bus->nonfinite_events, 1, memory_order_relaxed);
		engine_reset(e);
		memset(out_l, 0, n * sizeof(float));
		memset(out_r, 0, n * sizeof(float));
	}

	peak_ms(out_l, n, &mf.out_peak[0], &mf.out_ms[0]);
	peak_ms(out_r, n, &mf.out_peak[1], &mf.out_ms[1]);
	float ceil_lin = db_to_lin(param_get(p, P_LIM_CEILING));
	for (uint32_t i = 0; i < n; i++)
		mf.overs += (fabsf(out_l[i]) > ceil_lin) + (fabsf(out_r[i]) > ceil_lin);

	const float *rl = ref_l ? ref_l : e->zero, *rr = ref_r ? ref_r : e->zero;
	if (mon_l && mon_r) {
		monitor_process(e->mon, out_l, out_r, e->dl, e->dr, rl, rr, mon_l, mon_r, n);
		float dummy;
		peak_ms(mon_l, n, &mf.mon_peak[0], &dummy);
		peak_ms(mon_r, n, &mf.mon_peak[1], &dummy);
	}

	if (e->bus) {
		multiband_gr_db(e->mb, mf.mb_gr);
		mf.lim_gr = limiter_gr_db(e->lim);
		eq_live_gain_db(e->eq, mf.eq_gain);
		mf.nonfinite = e->nonfinite;
		int nc = atomic_load_explicit(&e->bus->n_meter, memory_order_acquire);
		for (int c = 0; c < nc; c++) {
			if (jack_ringbuffer_write_space(e->bus->meter[c]) >= sizeof mf)
				jack_ringbuffer_write(e->bus->meter[c], (const char *)&mf, sizeof mf);
			else
				atomic_fetch_add_explicit(&e->bus->meter_dropped, 1, memory_order_relaxed);
		}
		/* audio tap: the chain input aligned with the master, the master, the reference */
		float *t = e->tap;
		for (uint32_t i = 0; i < n; i++, t += TAP_CHANNELS) {
			t[0] = e->dl[i];
			t[1] = e->dr[i];
			t[2] = out_l[i];
			t[3] = out_r[i];
			t[4] = rl[i];
			t[5] = rr[i];
		}
		size_t bytes = (size_t)n * TAP_CHANNELS * sizeof(float);
		if (jack_ringbuffer_write_space(e->bus->tap) >= bytes)
			jack_ringbuffer_write(e->bus->tap, (const char *)e->tap, bytes);
		else
			atomic_fetch_add_explicit(&e->bus->tap_dropped, n, memory_order_relaxed);
	}
	e->pos += n;
}

void engine_process(engine *e, const float *in_l, const float *in_r, const float *ref_l, const float *ref_r,
                    float *out_l, float *out_r, float *mon_l, float *mon_r, uint32_t n)
{
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < ENGINE_MAX_BLOCK ? n - done : ENGINE_MAX_BLOCK;
		run_block(e, in_l + done, in_r + done, ref_l ? ref_l + done : NULL, ref_r ? ref_r + done : NULL,
		          out_l + done, out_r + done, mon_l ? mon_l + done : NULL, mon_r ? mon_r + done : NULL, k);
		done += k;
	}
}
