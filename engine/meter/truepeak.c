/* lathe — true-peak meter (ITU-R BS.1770-4 Annex 2; see truepeak.h).
 *
 * BS.1770-4 Annex 2 upsamples by 4 with a 48-tap filter; its under-read of a sine is
 * 1 - cos(pi f / (4 fs)) on the bare grid (0.47 dB at 20 kHz / 48 kHz), and a filter flat
 * only to 20 kHz is blind above (lathe's meter read -1.02 dBTP where an ideal
 * reconstruction of full-band noise reads -0.8).  Here, instead (Annex 2 allows any
 * interpolator at least as good):
 *   - the project's half-band oversampler (engine/dsp/oversample.h) at 8x with its
 *     passband to 0.495 fs and images -60 dB (oversample_new_band): reads within 0.01 dB
 *     up to 0.495 fs; only content in the last 0.5 % below Nyquist is partly missed;
 *   - each local maximum of |y| refined by the vertex of the parabola through it and its
 *     neighbours (Smith & Serra, "PARSHL", 1987): at 8x a sine at 0.49 fs is sampled every
 *     0.385 rad and the vertex is within 0.0044 dB of the crest (the bare grid: 0.16 dB).
 * The refinement runs only on blocks whose raw maximum comes within 0.2 dB of the peak
 * so far (the vertex raises a maximum by at most that much at 8x, 0.16 dB at 0.49 fs):
 * on programme it is skipped for most blocks.
 * Latency: a peak is read oversample_up_delay() / 8 base samples late (181: 3.8 ms at
 * 48 kHz); the meter has no flush, so a stream must be followed by that much silence for
 * a peak in its last milliseconds to count (the tests append it). */
#include "truepeak.h"
#include "../dsp/oversample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TP_BLOCK 256u   /* base-rate samples per oversampler call */
#define TP_FACTOR 8
#define TP_PASS 0.495
#define TP_ATTEN_DB 60.0
#define REFINE_SPAN 1.0233f /* 0.2 dB: blocks whose raw maximum is below peak / this cannot win */

struct truepeak {
	oversample *os;
	float a, b;             /* the last two |high-rate samples| of the previous block */
	float in[TP_BLOCK];     /* one channel gathered from the caller's stride */
	float hi[TP_BLOCK * TP_FACTOR];
};

truepeak *truepeak_new(unsigned rate)
{
	truepeak *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (truepeak_set_rate(t, rate) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void truepeak_free(truepeak *t)
{
	if (!t)
		return;
	oversample_free(t->os);
	free(t);
}

/* The filter is defined relative to the rate: one design serves every rate. */
int truepeak_set_rate(truepeak *t, unsigned rate)
{
	(void)rate;
	if (!t->os && !(t->os = oversample_new_band(TP_FACTOR, TP_BLOCK, TP_PASS, TP_ATTEN_DB)))
		return -1;
	truepeak_reset(t);
	return 0;
}

int truepeak_factor(const truepeak *t) { return oversample_factor(t->os); }

void truepeak_reset(truepeak *t)
{
	oversample_reset(t->os);
	t->a = t->b = 0;
}

/* Largest parabolic vertex over the local maxima of |hi[0..m)|, continuing from (a, b). */
static float refine(truepeak *t, const float *hi, unsigned m, float peak)
{
	float a = t->a, b = t->b;
	for (unsigned i = 0; i < m; i++) {
		float c = fabsf(hi[i]);
		if (b >= a && b >= c) {
			float den = 2 * b - a - c;
			float v = den > 0 ? b + (a - c) * (a - c) / (8 * den) : b;
			peak = v > peak ? v : peak;
		}
		a = b;
		b = c;
	}
	return peak;
}

float truepeak_process(truepeak *t, const float *x, unsigned n, unsigned stride)
{
	float peak = 0;
	while (n > 0) {
		unsigned k = n < TP_BLOCK ? n : TP_BLOCK;
		for (unsigned i = 0; i < k; i++) {
			t->in[i] = x[(size_t)i * stride];
			float a = fabsf(t->in[i]);
			peak = a > peak ? a : peak;
		}
		unsigned m = k * TP_FACTOR;
		oversample_up(t->os, t->in, t->hi, k);
		float raw = 0;
		for (unsigned i = 0; i < m; i++) {
			float a = fabsf(t->hi[i]);
			raw = a > raw ? a : raw;
		}
		peak = raw > peak ? raw : peak;
		if (raw * REFINE_SPAN >= peak)
			peak = refine(t, t->hi, m, peak);
		t->a = fabsf(t->hi[m - 2]);
		t->b = fabsf(t->hi[m - 1]);
		x += (size_t)k * stride;
		n -= k;
	}
	return peak;
}
