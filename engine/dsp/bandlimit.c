/* lathe — linear-phase band limit below Nyquist (see bandlimit.h).
 *
 * Design: ideal low-pass with cutoff fc = (fp + fs_) / 2 = 0.4875 (in cycles per sample),
 * h[t] = 2 fc sinc(2 fc t) w(t / M), w Kaiser with beta = 0.1102 (A - 8.7), A = 80 dB;
 * length from Kaiser's formula N - 1 = (A - 7.95) / (2.285 * 2 pi * (fs_ - fp)) with
 * fp = 0.48, fs_ = 0.495: 337 taps (M = 168; 3.8 ms at 44.1 kHz).  Ripple and stopband
 * are both delta = 10^(-A/20) = 1e-4: 0.0009 dB in the passband.  The taps are rescaled to
 * sum to 1 (DC exact).  Folded: 168 multiplies + the centre per sample
 * (oversample_fir_pairs, the half-band stages' kernel).
 */
#include "bandlimit.h"
#include "oversample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BL_PASS 0.48
#define BL_STOP 0.495
#define BL_ATTEN_DB 80.0

struct bandlimit {
	int m;            /* half length: delay in samples */
	float *g;         /* g[j] = h[j], j < m (h[2m - j] the same); centre h[m] apart */
	float centre;
	float *buf;       /* history (2m samples) followed by the block */
	float *acc;
	unsigned max_block;
};

bandlimit *bandlimit_new(unsigned max_block)
{
	if (max_block == 0)
		return NULL;
	bandlimit *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	int n = (int)ceil((BL_ATTEN_DB - 7.95) / (2.285 * 2 * M_PI * (BL_STOP - BL_PASS))) + 1;
	b->m = n / 2;
	b->max_block = max_block;
	b->g = calloc((size_t)b->m, sizeof(float));
	b->buf = calloc(2 * (size_t)b->m + max_block, sizeof(float));
	b->acc = calloc(max_block, sizeof(float));
	double *h = calloc((size_t)b->m + 1, sizeof(double));
	if (!b->g || !b->buf || !b->acc || !h) {
		free(h);
		bandlimit_free(b);
		return NULL;
	}
	const double fc = (BL_PASS + BL_STOP) / 2, beta = 0.1102 * (BL_ATTEN_DB - 8.7);
	double sum = 0;
	for (int j = 0; j <= b->m; j++) {
		int t = j - b->m;
		double ideal = t ? sin(2 * M_PI * fc * t) / (M_PI * t) : 2 * fc;
		double r = (double)t / b->m;
		h[j] = ideal * oversample_kaiser(beta, r);
		sum += j < b->m ? 2 * h[j] : h[j];
	}
	for (int j = 0; j < b->m; j++)
		b->g[j] = (float)(h[j] / sum);
	b->centre = (float)(h[b->m] / sum);
	free(h);
	return b;
}

void bandlimit_free(bandlimit *b)
{
	if (!b)
		return;
	free(b->g);
	free(b->buf);
	free(b->acc);
	free(b);
}

unsigned bandlimit_delay(const bandlimit *b) { return (unsigned)b->m; }

void bandlimit_reset(bandlimit *b) { memset(b->buf, 0, (2 * (size_t)b->m + b->max_block) * sizeof(float)); }

void bandlimit_process(bandlimit *b, float *x, unsigned n, const float *mix)
{
	const unsigned h = 2 * (unsigned)b->m;
	float *cur = b->buf + h;
	memcpy(cur, x, n * sizeof(float));
	const float *mid = cur - b->m;
	int any = 0;
	for (unsigned t = 0; mix && t < n; t++)
		any |= mix[t] != 0.0f;
	if (any) {
		for (unsigned t = 0; t < n; t++)
			b->acc[t] = b->centre * mid[t];
		oversample_fir_pairs(b->g, b->m, (int)h, cur, b->acc, 1.0f, n);
		for (unsigned t = 0; t < n; t++)
			x[t] = mid[t] + mix[t] * (b->acc[t] - mid[t]);
	} else {
		memcpy(x, mid, n * sizeof(float));
	}
	memmove(b->buf, b->buf + n, h * sizeof(float));
}
