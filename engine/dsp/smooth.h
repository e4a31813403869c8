/* lathe — the one parameter smoother: a linear ramp to a new target over a
 * fixed time.  Linear (not exponential) so a ramp ends exactly on its target
 * and a steady value is bit-exact, which bypass and null tests rely on. */
#ifndef LATHE_SMOOTH_H
#define LATHE_SMOOTH_H

typedef struct {
	float cur;    /* value at the next sample */
	float target; /* where the ramp ends */
	float step;   /* added per sample while remain > 0 */
	int remain;   /* samples left in the ramp; 0 = steady at target */
} smooth;

static inline void smooth_init(smooth *s, float v)
{
	s->cur = s->target = v;
	s->step = 0;
	s->remain = 0;
}

/* New target reached after `samples` samples (>= 1).  Calling it again with
 * the same target does not restart the ramp. */
static inline void smooth_set(smooth *s, float target, int samples)
{
	if (target == s->target)
		return;
	s->target = target;
	if (samples < 1) {
		s->cur = target;
		s->remain = 0;
		return;
	}
	s->remain = samples;
	s->step = (target - s->cur) / (float)samples;
}

static inline int smooth_active(const smooth *s) { return s->remain > 0; }

/* Next value; call once per sample. */
static inline float smooth_next(smooth *s)
{
	float v = s->cur;
	if (s->remain > 0) {
		if (--s->remain == 0)
			s->cur = s->target;
		else
			s->cur += s->step;
	}
	return v;
}

/* Advance by n samples at once (for per-block coefficient updates); returns the new current value. */
static inline float smooth_skip(smooth *s, int n)
{
	if (s->remain > 0) {
		if (n >= s->remain) {
			s->remain = 0;
			s->cur = s->target;
		} else {
			s->remain -= n;
			s->cur += s->step * (float)n;
		}
	}
	return s->cur;
}

/* Samples for a smoothing time in ms at a rate. */
static inline int smooth_samples(float ms, double rate) { return (int)(ms * 0.001 * rate + 0.5); }

#endif
