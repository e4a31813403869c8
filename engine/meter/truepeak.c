/* lathe — true-peak meter (ITU-R BS.1770-4 Annex 2; see truepeak.h).
 *
 * BS.1770-4 Annex 2 upsamples by 4 with a 48-tap filter; its under-read of a sine is
 * 1 - cos(pi f / (4 fs)) on the bare grid (0.47 dB at 20 kHz / 48 kHz), and a filter flat
 * only to 20 kHz is blind above.  The 8x half-band meter this replaces was flat to
 * 0.495 fs and still read full-band noise 0.31 dB low (clipped programme 0.11 dB, onsets
 * at 0.49 fs 0.12 dB): the last half percent below Nyquist carries real peaks.  Here
 * (Annex 2 allows any interpolator at least as good):
 *
 *   - 4x interpolation by a Kaiser-windowed sinc, cutoff fs/2, 2 x 1536 base samples of
 *     support (12289 taps at 4x), beta 9.62 for 96 dB (Oppenheim & Schafer, "Discrete-Time
 *     Signal Processing", 3rd ed., eqs. 7.62-7.63): transition 0.0020 fs wide centred on
 *     fs/2, i.e. flat to 0.499 fs, images below -96 dB from 0.501 fs.  Every 4th tap is
 *     sinc(k) = 0 (k != 0), so the input samples pass through unchanged.  The support
 *     matters: near fs/2 a peak sums samples from far away (the sinc's tails fall as 1/t);
 *     measured against the ideal reference (test_meter), full-band white noise read
 *     -0.085 dB with 768 samples each side (transition 0.004 fs), -0.039 with 1024 at
 *     beta 7.75, -0.0055..+0.0008 with this design.
 *     Run by FFT overlap-save (FFTW, float): an 8192-point forward transform of the base
 *     rate signal, whose spectrum repeated 4 times is the spectrum of the zero-stuffed
 *     signal (only the bins below 0.51 fs are kept: the kernel is below -96 dB above),
 *     times the kernel's spectrum, one 32768-point inverse: 5120 new samples per block.
 *     The plans are made once per process, in a constructor (single-threaded, before
 *     main: FFTW's planner is not thread-safe and engine/meter/spectrum.c plans too), and
 *     run with fftwf_execute_dft_* on each meter's own aligned arrays (thread-safe).
 *   - Crest refinement: at 4x a tone at 0.49 fs is sampled every 0.77 rad, so the bare
 *     grid reads up to 0.66 dB low.  At every local maximum of |y| on the 4x grid the two
 *     half-sample points beside it are interpolated (8-tap Lagrange, coefficients
 *     (1225, -245, 49, -5) / 2048: the 4x signal fills only a quarter of its band, where
 *     this interpolator is within 0.0012 dB), and the vertex of the parabola through the
 *     largest of the three 8x points and its neighbours is taken (Smith & Serra, "PARSHL",
 *     1987: within 0.0044 dB at 8x for 0.49 fs).
 *
 * Constant latency: the reading of each base sample is kept in a ring (the largest |y| of
 * its four 4x samples, refined crests, and the sample itself) and read TP_DELAY samples
 * after it is fed: the filter's half support (1536) + one block (5120).  A block's last
 * base sample is finished by the next block (its crests need 4x look-ahead), which the
 * delay covers: the newest sample read, fed + k - 1 - TP_DELAY, is at most
 * blocks TP_BLK - TP_HALF - 2, the last one a finished block has written. */
#include "truepeak.h"
#include "../dsp/vec.h"
#include "../dsp/dsp_util.h"

#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TP_UP 4
#define TP_HALF 1536                      /* kernel support each side, base samples */
#define TP_M 8192                         /* base-rate FFT length */
#define TP_N (TP_UP * TP_M)               /* 32768: 4x FFT length */
#define TP_BLK (TP_M - 2 * TP_HALF)       /* 5120 new base samples per block */
#define TP_KMAX (TP_M * 51 / 100)         /* last 4x bin kept: 0.51 fs (bin TP_M / 2 = fs/2) */
#define TP_BETA 9.62                      /* Kaiser beta: 0.1102 (96 - 8.7) */
#define TP_DELAY (TP_HALF + TP_BLK)       /* 6656 */
#define TP_RING 16384                     /* > TP_DELAY + TP_BLK: the unread span */
#define TP_CARRY 8                        /* 4x samples kept from the previous block */

_Static_assert(TP_RING >= TP_DELAY + TP_BLK + 1, "the ring holds every unread reading");
_Static_assert((TP_RING & (TP_RING - 1)) == 0, "ring size is a power of two");

struct truepeak {
	float *xb;              /* base-rate input: 2 TP_HALF of history, then the block */
	fftwf_complex *xs;      /* its spectrum, TP_M / 2 + 1 bins */
	fftwf_complex *ys;      /* the 4x spectrum, TP_N / 2 + 1 bins */
	float *y;               /* the 4x signal, TP_N; valid from 4 TP_HALF for 4 TP_BLK */
	float *aw;              /* |w| (see run_block), 4 TP_BLK + TP_CARRY */
	float rb[TP_BLK + 1];   /* reading of each base sample of a block, [1, TP_BLK] */
	unsigned fill;          /* samples in xb */
	uint64_t fed;           /* samples fed since reset */
	uint64_t blocks;        /* blocks run since reset */
	float carry[TP_CARRY];  /* the last 4x samples of the previous block */
	float ring[TP_RING];    /* reading of base sample t at (t + TP_DELAY) % TP_RING */
};

/* Shared by every meter, read-only after the constructor. */
static fftwf_plan plan_fwd, plan_inv;
static float kern[TP_KMAX + 1];   /* the kernel's spectrum (real: it is symmetric) / TP_N */
static int ready;

static double bessel_i0(double x)
{
	double sum = 1, term = 1, q = x * x / 4;
	for (int k = 1; k < 500; k++) {
		term *= q / ((double)k * k);
		sum += term;
		if (term < sum * 1e-17)
			break;
	}
	return sum;
}

__attribute__((constructor)) static void truepeak_init(void)
{
	dsp_fftw_thread_safe();
	float *t = fftwf_alloc_real(TP_N), *xb = fftwf_alloc_real(TP_M);
	fftwf_complex *s = fftwf_alloc_complex(TP_N / 2 + 1), *xs = fftwf_alloc_complex(TP_M / 2 + 1);
	if (!t || !xb || !s || !xs)
		goto out;
	fftwf_plan pk = fftwf_plan_dft_r2c_1d(TP_N, t, s, FFTW_ESTIMATE);
	plan_fwd = fftwf_plan_dft_r2c_1d(TP_M, xb, xs, FFTW_ESTIMATE);
	plan_inv = fftwf_plan_dft_c2r_1d(TP_N, s, t, FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
	if (!pk || !plan_fwd || !plan_inv)
		goto out;
	/* the kernel centred on index 0, circularly */
	memset(t, 0, sizeof(float) * TP_N);
	const double i0b = bessel_i0(TP_BETA);
	for (int m = -TP_UP * TP_HALF; m <= TP_UP * TP_HALF; m++) {
		double x = (double)m / TP_UP, r = (double)m / (TP_UP * TP_HALF);
		double sinc = m == 0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
		t[(m + TP_N) % TP_N] = (float)(sinc * bessel_i0(TP_BETA * sqrt(fmax(0.0, 1 - r * r))) / i0b);
	}
	fftwf_execute(pk);
	fftwf_destroy_plan(pk);
	for (int k = 0; k <= TP_KMAX; k++)
		kern[k] = s[k][0] / TP_N; /* the inverse is unnormalised */
	ready = 1;
out:
	fftwf_free(t);
	fftwf_free(xb);
	fftwf_free(s);
	fftwf_free(xs);
}

truepeak *truepeak_new(unsigned rate)
{
	if (!ready)
		return NULL;
	truepeak *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->xb = fftwf_alloc_real(TP_M);
	t->xs = fftwf_alloc_complex(TP_M / 2 + 1);
	t->ys = fftwf_alloc_complex(TP_N / 2 + 1);
	t->y = fftwf_alloc_real(TP_N);
	t->aw = fftwf_alloc_real(TP_UP * TP_BLK + TP_CARRY);
	if (!t->xb || !t->xs || !t->ys || !t->y || !t->aw || truepeak_set_rate(t, rate) < 0) {
		truepeak_free(t);
		return NULL;
	}
	return t;
}

void truepeak_free(truepeak *t)
{
	if (!t)
		return;
	fftwf_free(t->xb);
	fftwf_free(t->xs);
	fftwf_free(t->ys);
	fftwf_free(t->y);
	fftwf_free(t->aw);
	free(t);
}

/* The filter is defined relative to the rate: one design serves every rate. */
int truepeak_set_rate(truepeak *t, unsigned rate)
{
	(void)rate;
	truepeak_reset(t);
	return 0;
}

int truepeak_factor(const truepeak *t) { (void)t; return TP_UP; }

unsigned truepeak_latency(const truepeak *t) { (void)t; return TP_DELAY; }

void truepeak_reset(truepeak *t)
{
	memset(t->xb, 0, sizeof(float) * TP_M);
	t->fill = 2 * TP_HALF;
	t->fed = 0;
	t->blocks = 0;
	memset(t->carry, 0, sizeof t->carry);
	memset(t->ring, 0, sizeof t->ring);
	/* the bins above TP_KMAX stay 0: the inverse is planned to preserve its input */
	memset(t->ys, 0, sizeof(fftwf_complex) * (TP_N / 2 + 1));
}

/* The 4x signal half a sample after w[j] (8-tap Lagrange, exact for cubics and beyond;
 * within 0.0012 dB to 0.1255 cycles per 4x sample, i.e. 0.502 fs). */
static inline float half_after(const float *w, int j)
{
	return (1225.0f / 2048) * (w[j] + w[j + 1]) - (245.0f / 2048) * (w[j - 1] + w[j + 2])
	       + (49.0f / 2048) * (w[j - 2] + w[j + 3]) - (5.0f / 2048) * (w[j - 3] + w[j + 4]);
}

/* Vertex of the parabola through (-1, a), (0, b), (1, c), b the largest. */
static inline float vertex(float a, float b, float c)
{
	float den = 2 * b - a - c;
	return den > 0 ? b + (a - c) * (a - c) / (8 * den) : b;
}

/* The crest around the local maximum w[j] of |w|, refined at 8x. */
static float crest(const float *w, int j)
{
	float p[5] = { fabsf(w[j - 1]), fabsf(half_after(w, j - 1)), fabsf(w[j]),
	               fabsf(half_after(w, j)), fabsf(w[j + 1]) };
	int c = 1;
	for (int i = 2; i <= 3; i++)
		if (p[i] > p[c])
			c = i;
	float v = vertex(p[c - 1], p[c], p[c + 1]);
	return v > p[c] ? v : p[c];
}

/* aw = |w| over the whole block with its carry, rb[b] = max |w[4b .. 4b + 3]|: branch-free
 * loops gcc vectorises. */
LATHE_WIDE static void raw_maxima(const float *restrict w, float *restrict aw, float *restrict rb)
{
	for (int j = 0; j < TP_UP * TP_BLK + TP_CARRY; j++)
		aw[j] = fabsf(w[j]);
	for (int b = 1; b <= TP_BLK; b++) {
		float r0 = aw[4 * b] > aw[4 * b + 1] ? aw[4 * b] : aw[4 * b + 1];
		float r1 = aw[4 * b + 2] > aw[4 * b + 3] ? aw[4 * b + 2] : aw[4 * b + 3];
		rb[b] = r0 > r1 ? r0 : r1;
	}
}

static void run_block(truepeak *t)
{
	fftwf_execute_dft_r2c(plan_fwd, t->xb, t->xs);
	/* the zero-stuffed signal's spectrum is xs repeated every TP_M bins (conjugated
	 * above TP_M / 2); the kernel keeps only bins below 0.51 fs */
	fftwf_complex *ys = t->ys;
	for (int k = 0; k <= TP_KMAX; k++) {
		float re, im;
		if (k <= TP_M / 2)
			re = t->xs[k][0], im = t->xs[k][1];
		else
			re = t->xs[TP_M - k][0], im = -t->xs[TP_M - k][1];
		ys[k][0] = re * kern[k];
		ys[k][1] = im * kern[k];
	}
	fftwf_execute_dft_c2r(plan_inv, ys, t->y);

	/* w: the previous block's last TP_CARRY 4x samples, then this block's 4 TP_BLK valid
	 * ones; w[j] for j in [4, 4 TP_BLK + 4) is read here with 4 neighbours each side */
	float *w = t->y + TP_UP * TP_HALF - TP_CARRY;
	memcpy(w, t->carry, sizeof t->carry);
	/* base sample of w[4b .. 4b + 3]: t0 - 2 + b, t0 the first of this block */
	int64_t u0 = (int64_t)t->blocks * TP_BLK - TP_HALF - 2 + TP_DELAY;
	raw_maxima(w, t->aw, t->rb);
	/* every local maximum of |w|, refined (about one per base sample on noise) */
	const float *aw = t->aw;
	for (int j = 4; j < TP_UP * TP_BLK + 4; j++)
		if (aw[j] >= aw[j - 1] && aw[j] > aw[j + 1]) {
			float v = crest(w, j);
			t->rb[j >> 2] = v > t->rb[j >> 2] ? v : t->rb[j >> 2];
		}
	for (int b = 1; b <= TP_BLK; b++) {
		float *slot = &t->ring[(uint64_t)(u0 + b) & (TP_RING - 1)];
		*slot = t->rb[b] > *slot ? t->rb[b] : *slot;
	}
	memcpy(t->carry, w + TP_UP * TP_BLK, sizeof t->carry);
	memmove(t->xb, t->xb + TP_BLK, sizeof(float) * 2 * TP_HALF);
	t->fill = 2 * TP_HALF;
	t->blocks++;
}

float truepeak_process(truepeak *t, const float *x, unsigned n, unsigned stride)
{
	float peak = 0;
	while (n > 0) {
		unsigned k = TP_M - t->fill;
		k = n < k ? n : k;
		for (unsigned i = 0; i < k; i++) {
			float v = x[(size_t)i * stride];
			t->xb[t->fill + i] = v;
			/* the sample itself: the reading never falls below it */
			t->ring[(t->fed + i + TP_DELAY) & (TP_RING - 1)] = fabsf(v);
		}
		t->fill += k;
		if (t->fill == TP_M)
			run_block(t);
		for (unsigned i = 0; i < k; i++) {
			float *slot = &t->ring[(t->fed + i) & (TP_RING - 1)];
			peak = *slot > peak ? *slot : peak;
			*slot = 0;
		}
		t->fed += k;
		x += (size_t)k * stride;
		n -= k;
	}
	return peak;
}

float truepeak_flush(truepeak *t)
{
	static const float zeros[512];
	float peak = 0;
	for (unsigned left = TP_DELAY; left > 0;) {
		unsigned k = left < 512 ? left : 512;
		float p = truepeak_process(t, zeros, k, 1);
		peak = p > peak ? p : peak;
		left -= k;
	}
	return peak;
}
