/* lathe — offline render: the same engine_process() as JACK, over files. */
#ifndef LATHE_RENDER_H
#define LATHE_RENDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include "params.h"

/* Dither when OUT holds fewer bits than 32-bit float (render_opts.dither). */
enum {
	RENDER_DITHER_AUTO = 0,  /* on, TPDF at OUT's word length: a session file's bypass=1 is no choice of the user's */
	RENDER_DITHER_OFF,       /* --no-dither */
	RENDER_DITHER_AS_SET,    /* /dither/bypass given with --set: as p holds it */
};

typedef struct {
	const char *in, *out;
	const char *bits;        /* "16", "24", "32f" or NULL (as the input, else 24) */
	int has_target;          /* --target-lufs given */
	double target_lufs;
	const char *json;        /* report file or NULL */
	int overwrite;           /* -y: an existing OUT (and report) may be replaced */
	const atomic_int *stop;  /* may be NULL; once non-zero (a signal handler sets it) the render stops within one block */
	int progress;            /* progress on stderr, one rewritten line (a terminal) */
	int dither;              /* RENDER_DITHER_... */
	int dither_bits_set;     /* /dither/bits given with --set: kept, else OUT's word length */
	FILE *say;               /* the dither line and the summary line go here (stdout); NULL: nowhere */
} render_opts;

/* Renders IN to OUT through the chain set up in p (p may be changed by
 * --target-lufs: the drive it chose stays in p).  OUT and the report are
 * written to temporary files beside them (NAME.tmp-PID), flushed to disk and
 * renamed only once both are complete, so a failure or a stop leaves neither
 * a partial OUT nor a partial report, and an existing one as it was.  OUT is
 * never IN (same device and inode, whatever the spelling) and an existing
 * OUT or report is replaced only with o->overwrite.  Returns 0, or -1 with a
 * one-line reason in err (also when o->stop ended it). */
int render_file(lathe_params *p, const render_opts *o, char *err, int errlen);

/* Reads a whole sound file (file_open_sound's checks) as interleaved stereo
 * float (mono duplicated).  Returns NULL with a reason in err. */
float *render_read_stereo(const char *path, size_t *frames, int *rate, int *subformat, char *err, int errlen);

/* Runs the chain over interleaved stereo, latency removed: out has the same
 * length.  0, or -1 (out of memory, an unsupported rate, or stop set). */
int render_buffer(lathe_params *p, int rate, const float *in, float *out, size_t frames, const atomic_int *stop);

/* --target-lufs over a buffer: sets the drive in p (limiter gain for boosts,
 * input trim for cuts) so the chain's output lands on target. */
int render_find_drive(lathe_params *p, int rate, const float *in, size_t frames, double target, char *err, int errlen);

/* Float to left-justified 32-bit PCM at `bits` (16 or 24) by our own
 * rounding, scale 2^(bits-1) both ways (see file_sink): what every writer uses. */
void render_to_pcm(const float *x, int *iv, size_t samples, int bits);

#endif
