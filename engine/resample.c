/* lathe — sample-rate conversion (see resample.h). */
#include "resample.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

float *resample_stereo(const float *in, size_t frames, int from, int to, size_t *out_frames)
{
	size_t want = (size_t)llround((double)frames * to / from);
	float *out = calloc(want ? want * 2 : 2, sizeof(float));
	if (!out)
		return NULL;
	if (from == to) {
		memcpy(out, in, frames * 2 * sizeof(float));
		*out_frames = frames;
		return out;
	}
	/* soxr_oneshot flushes the filter's tail, so the output is the whole
	 * converted signal, aligned at time 0 (soxr compensates its delay). */
	soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
	size_t done = 0;
	soxr_error_t e = soxr_oneshot(from, to, 2, in, frames, NULL, out, want, &done, &io, &q, NULL);
	if (e) {
		free(out);
		return NULL;
	}
	*out_frames = want; /* a frame short at the very end reads as silence (calloc) */
	return out;
}
