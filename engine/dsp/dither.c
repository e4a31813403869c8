/* lathe — TPDF dither with optional noise shaping, the last thing that
 * touches the word length.
 *
 * Quantiser: y = q * round(w + d), q = 2^-(bits-1) (one LSB in float full
 * scale), d = TPDF noise of +-1 LSB peak (the sum of two independent uniform
 * variables of +-q/2).  TPDF makes the first and second moments of the total
 * error independent of the signal (Wannamaker, Lipshitz, Vanderkooy, "A theory
 * of non-subtractive dither", IEEE Trans. SP 2000): no distortion, no noise
 * modulation, at a total error power of q^2/12 (rounding) + 2 q^2/12 (dither)
 * = q^2/4.  The output is k * q with integer k in [-2^(bits-1), 2^(bits-1) - 1],
 * exactly representable in a float, so a file writer at `bits` writes it
 * without further rounding.
 *
 * Noise shaping by error feedback: w = x - sum_k h_k e[n-k], e = y - w (the
 * whole error, dither included).  Then y = x + e - sum h_k e[n-k]: the white
 * error is filtered by 1 - H(z) and pushed where the ear is least sensitive.
 *   lipshitz    5 taps, E-weighted: Lipshitz, Vanderkooy, Wannamaker,
 *               "Minimally audible noise shaping", JAES 39(11), 1991
 *   f_weighted  9 taps, F-weighted: Wannamaker, "Psychoacoustically optimal
 *               noise shaping", JAES 40(7/8), 1992
 * Both were optimised for 44.1 kHz; at 48 kHz the curve moves up by 9 %, which
 * still keeps the noise out of the 2-5 kHz region.  At other rates (88.2 kHz
 * and up) the filter would put its peak well inside the audible band relative
 * to the curve it was designed against (and at 32 kHz into it), so shaping
 * falls back to plain TPDF there.
 */
#include "dither.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define DITHER_TAPS 9 /* the longest shaping filter */
#define DITHER_CHUNK 64 /* dither values drawn ahead, per channel */

static const double lipshitz_e[DITHER_TAPS] = { 2.033, -2.165, 1.959, -1.590, 0.6149, 0, 0, 0, 0 };
static const double wannamaker_f[DITHER_TAPS] = { 2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847 };

struct dither {
	double rate;
	int shaping_ok;          /* rate is 44.1 or 48 kHz: the shaping curves apply */
	int bypass;              /* 1 = samples pass untouched */
	int bits;                /* target word length: 16, 20 or 24 */
	int shape;               /* SHAPE_NONE / SHAPE_LIPSHITZ / SHAPE_F_WEIGHTED as applied */
	double q, inv_q;         /* LSB = 2^-(bits-1) and its inverse */
	double kmin, kmax;       /* integer range of the word: -2^(bits-1) .. 2^(bits-1) - 1 */
	const double *h;         /* shaping filter taps, NULL for plain TPDF */
	double err[2][DITHER_TAPS]; /* past total errors per channel, err[c][0] most recent */
	double err_limit;        /* |e| bound: a clipped sample must not feed a huge error back */
	uint64_t rng[2];         /* xorshift64* states, one stream per channel, fixed seeds: renders are reproducible */
	double tpdf[2][DITHER_CHUNK]; /* the next chunk's dither values per channel (LSB) */
};

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016): 64 good bits per call, three shifts and a multiply. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* TPDF in units of one LSB, in (-1, 1): the two 32-bit halves are the two uniform variables. */
static inline double tpdf_lsb(uint64_t *s)
{
	uint64_t r = rng_next(s);
	double u1 = (double)(uint32_t)r, u2 = (double)(uint32_t)(r >> 32);
	return (u1 + u2 - 4294967295.0) * (1.0 / 4294967296.0);
}

static void set_word(dither *s, int bits_enum, int shape)
{
	int bits = bits_enum == DITHER_24 ? 24 : bits_enum == DITHER_20 ? 20 : 16;
	if (!s->shaping_ok)
		shape = SHAPE_NONE;
	if (bits == s->bits && shape == s->shape)
		return;
	s->bits = bits;
	s->shape = shape;
	s->q = ldexp(1.0, -(bits - 1));
	s->inv_q = ldexp(1.0, bits - 1);
	s->kmax = ldexp(1.0, bits - 1) - 1;
	s->kmin = -ldexp(1.0, bits - 1);
	s->h = shape == SHAPE_LIPSHITZ ? lipshitz_e : shape == SHAPE_F_WEIGHTED ? wannamaker_f : NULL;
	/* normal |e| <= 1.5 LSB (1 LSB dither + 0.5 LSB rounding) */
	s->err_limit = 1.5 * s->q;
	memset(s->err, 0, sizeof s->err);
}

dither *dither_new(double rate, unsigned max_block)
{
	(void)max_block;
	dither *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	s->rate = rate;
	s->shaping_ok = fabs(rate - 44100) < 1 || fabs(rate - 48000) < 1;
	s->bypass = 1;
	s->rng[0] = 0x9E3779B97F4A7C15ULL;
	s->rng[1] = 0xD1B54A32D192ED03ULL;
	s->shape = -1;
	set_word(s, DITHER_16, SHAPE_NONE);
	return s;
}

void dither_free(dither *s) { free(s); }

void dither_update(dither *s, const lathe_params *p)
{
	/* switching dither on/off or the word length cannot be crossfaded
	 * meaningfully: the difference is noise at the LSB level, so it switches at
	 * a block boundary */
	s->bypass = param_get_bool(p, P_DITHER_BYPASS);
	set_word(s, param_get_int(p, P_DITHER_BITS), param_get_int(p, P_DITHER_SHAPE));
}

/* Both channels side by side in the two lanes of a double vector (GCC/Clang vector
 * extension; SSE2 / NEON).  The error feedback is a recursion through the quantiser, so
 * its latency, not its arithmetic, sets the pace: two channels overlap, the states stay in
 * registers (no per-sample memmove), the rounding is an add/subtract pair instead of a
 * nearbyint call, and the dither values of a chunk are drawn beforehand (two streams,
 * one per channel: no dependence between the channels' sequences).
 * Rounding: for |v| < 2^51, (v + 1.5 * 2^52) - 1.5 * 2^52 is v rounded to an integer in the
 * current rounding mode (the sum's ulp is 1), exactly what nearbyint(v) gives; larger |v|
 * (a sample beyond 2^27 full scale at 24 bits) is clamped to kmin/kmax either way.
 * Feedback sum: the oldest error first, the newest last, so that only one multiply and one
 * add lie between the previous error and the next quantiser input (the older terms are
 * summed meanwhile).  Same taps as before; the order of the additions differs, by at most
 * a few ulp of the sum (< 1e-15 LSB), which moves a rounding decision practically never. */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2dl __attribute__((vector_size(16)));

/* x < lo ? lo : x > hi ? hi : x, lane by lane (a NaN passes through, as in the scalar form).
 * SSE2 maxpd/minpd return their second operand when unordered, so (lo, x) keeps x: one
 * instruction each instead of compare-and-select (this is on the feedback recursion). */
static inline v2d clamp2(v2d x, v2d lo, v2d hi)
{
#ifdef __SSE2__
	return (v2d)_mm_min_pd((__m128d)hi, _mm_max_pd((__m128d)lo, (__m128d)x));
#else
	x = (v2d)((((v2dl)lo) & (x < lo)) | (((v2dl)x) & ~(x < lo)));
	return (v2d)((((v2dl)hi) & (x > hi)) | (((v2dl)x) & ~(x > hi)));
#endif
}

static void draw_tpdf(dither *s, unsigned n)
{
	uint64_t s0 = s->rng[0], s1 = s->rng[1];
	for (unsigned i = 0; i < n; i++) {
		s->tpdf[0][i] = tpdf_lsb(&s0);
		s->tpdf[1][i] = tpdf_lsb(&s1);
	}
	s->rng[0] = s0;
	s->rng[1] = s1;
}

static void run_pair(dither *s, float *l, float *r, unsigned n)
{
	const double magic = 6755399441055744.0; /* 1.5 * 2^52 */
	const v2d q = { s->q, s->q }, inv_q = { s->inv_q, s->inv_q }, kmin = { s->kmin, s->kmin }, kmax = { s->kmax, s->kmax };
	const v2d mg = { magic, magic };
	const double *h = s->h;
	const double *d0 = s->tpdf[0], *d1 = s->tpdf[1];
	if (!h) {
		for (unsigned i = 0; i < n; i++) {
			v2d w = { l[i], r[i] }, d = { d0[i], d1[i] };
			v2d k = clamp2((w * inv_q + d + mg) - mg, kmin, kmax);
			v2d y = k * q;
			l[i] = (float)y[0];
			r[i] = (float)y[1];
		}
		return;
	}
	/* The recursion in units of one LSB: x/q, the errors and the feedback scaled by
	 * 1/q = 2^(bits-1), a power of two, so every product, sum and difference is the one
	 * above scaled exactly (no overflow or subnormal at these sizes): the same result, with
	 * the two scalings out of the recursion's path. */
	v2d hv[DITHER_TAPS], e[DITHER_TAPS];
	const v2d lim_lsb = (v2d){ s->err_limit, s->err_limit } * inv_q;
	for (int t = 0; t < DITHER_TAPS; t++) {
		hv[t] = (v2d){ h[t], h[t] };
		e[t] = (v2d){ s->err[0][t], s->err[1][t] } * inv_q;
	}
	for (unsigned i = 0; i < n; i++) {
		v2d fb = hv[DITHER_TAPS - 1] * e[DITHER_TAPS - 1];
		for (int t = DITHER_TAPS - 2; t >= 0; t--)
			fb += hv[t] * e[t];
		v2d w = (v2d){ l[i], r[i] } * inv_q - fb, d = { d0[i], d1[i] };
		v2d k = clamp2((w + d + mg) - mg, kmin, kmax);
		v2d y = k * q;
		l[i] = (float)y[0];
		r[i] = (float)y[1];
		for (int t = DITHER_TAPS - 1; t > 0; t--)
			e[t] = e[t - 1];
		e[0] = clamp2(k - w, -lim_lsb, lim_lsb);
	}
	for (int t = 0; t < DITHER_TAPS; t++) {
		s->err[0][t] = e[t][0] * s->q;
		s->err[1][t] = e[t][1] * s->q;
	}
}

void dither_process(dither *s, float *l, float *r, unsigned n)
{
	if (s->bypass)
		return;
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < DITHER_CHUNK ? n - done : DITHER_CHUNK;
		draw_tpdf(s, k);
		run_pair(s, l + done, r + done, k);
		done += k;
	}
}

unsigned dither_latency(const dither *s) { (void)s; return 0; }

void dither_reset(dither *s) { memset(s->err, 0, sizeof s->err); }
