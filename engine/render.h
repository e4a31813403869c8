/* lathe — offline render: the same engine_process() as JACK, over files. */
#ifndef LATHE_RENDER_H
#define LATHE_RENDER_H

#include <stddef.h>
#include "params.h"

typedef struct {
	const char *in, *out;
	const char *bits;        /* "16", "24", "32f" or NULL (as the input, else 24) */
	int has_target;          /* --target-lufs given */
	double target_lufs;
	const char *json;        /* report file or NULL */
	int progress;            /* print progress on stderr */
} render_opts;

/* Renders IN to OUT through the chain set up in p (p may be changed by
 * --target-lufs: the drive it chose stays in p).  OUT is written to a
 * temporary file in the same folder and renamed, so a failure leaves no
 * partial OUT.  Returns 0, or -1 with a one-line reason in err. */
int render_file(lathe_params *p, const render_opts *o, char *err, int errlen);

/* Reads a whole sound file as interleaved stereo float (mono duplicated).
 * Returns NULL with a reason in err. */
float *render_read_stereo(const char *path, size_t *frames, int *rate, int *subformat, char *err, int errlen);

/* Runs the chain over interleaved stereo, latency removed: out has the same length. */
int render_buffer(lathe_params *p, int rate, const float *in, float *out, size_t frames, int progress);

/* --target-lufs over a buffer: sets the drive in p (limiter gain for boosts,
 * input trim for cuts) so the chain's output lands on target. */
int render_find_drive(lathe_params *p, int rate, const float *in, size_t frames, double target, char *err, int errlen);

/* Float to left-justified 32-bit PCM at `bits` (16 or 24) by our own
 * rounding, scale 2^(bits-1) both ways (see file_sink): what every writer uses. */
void render_to_pcm(const float *x, int *iv, size_t samples, int bits);

#endif
