/* lathe tests — reference 16x true-peak measurement (see truepeak.h). */
#include "truepeak.h"

#include "engine/dsp/oversample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TP16_BLOCK 1024u

double tp16_linear(const float *x, size_t n)
{
	oversample *os = oversample_new(16, TP16_BLOCK);
	float *in = calloc(TP16_BLOCK, sizeof(float));
	float *hi = calloc(TP16_BLOCK * 16, sizeof(float));
	if (!os || !in || !hi)
		abort();
	/* flush: after the last real sample, feed enough zeros to push it through the filters */
	size_t tail = oversample_up_delay(os) / 16 + 2;
	size_t total = n + tail;
	double peak = 0;
	for (size_t pos = 0; pos < total; pos += TP16_BLOCK) {
		unsigned len = (unsigned)((total - pos) < TP16_BLOCK ? (total - pos) : TP16_BLOCK);
		for (unsigned i = 0; i < len; i++)
			in[i] = (pos + i < n) ? x[pos + i] : 0.0f;
		oversample_up(os, in, hi, len);
		for (unsigned i = 0; i < len * 16; i++) {
			double a = fabs((double)hi[i]);
			if (a > peak)
				peak = a;
		}
	}
	oversample_free(os);
	free(in);
	free(hi);
	return peak;
}

double tp16_dbtp(const float *x, size_t n)
{
	double p = tp16_linear(x, n);
	return p > 0 ? 20 * log10(p) : -INFINITY;
}
