/* lathe — the one second-order section kernel, shared by EQ, crossovers,
 * imager and monitor filters.
 *
 * Transposed direct form II in double precision state: at 48 kHz a 20 Hz
 * section has poles within 1e-3 of the unit circle, where float TDF-II
 * would add audible noise and drift (Wilson, "Filter topologies", JAES 1993).
 * Coefficients are normalised (a0 = 1):
 *   y = b0 x + s1;  s1 = b1 x - a1 y + s2;  s2 = b2 x - a2 y
 */
#ifndef LATHE_BIQUAD_H
#define LATHE_BIQUAD_H

typedef struct {
	double b0, b1, b2, a1, a2;
} biquad_coef;

typedef struct {
	double s1, s2;
} biquad_state;

static inline void biquad_identity(biquad_coef *c)
{
	c->b0 = 1;
	c->b1 = c->b2 = c->a1 = c->a2 = 0;
}

static inline float biquad_tick(const biquad_coef *c, biquad_state *s, float x)
{
	double y = c->b0 * x + s->s1;
	s->s1 = c->b1 * x - c->a1 * y + s->s2;
	s->s2 = c->b2 * x - c->a2 * y;
	return (float)y;
}

/* One section over a buffer in place. */
void biquad_run(const biquad_coef *c, biquad_state *s, float *x, unsigned n);
/* One section, same coefficients, on both channels (state[0] left, state[1] right). */
void biquad_run2(const biquad_coef *c, biquad_state st[2], float *l, float *r, unsigned n);

/* One section whose coefficients glide linearly from c0 to c1 over the n
 * samples (reaching c1 at the last): coefficient updates every few samples
 * without a zipper.  Every point between two stable (a1, a2) is stable: the
 * stability triangle is convex. */
void biquad_run_ramp(const biquad_coef *c0, const biquad_coef *c1, biquad_state *s, float *x, unsigned n);

/* Magnitude of the response at frequency f (Hz) for rate fs, for tests and the console's curve. */
double biquad_mag(const biquad_coef *c, double f, double fs);

/* Designs by bilinear transform with prewarping (RBJ cookbook forms):
 * Butterworth-style second-order low/high pass with quality q, and all pass. */
void biquad_lowpass(biquad_coef *c, double f, double q, double fs);
void biquad_highpass(biquad_coef *c, double f, double q, double fs);
void biquad_allpass(biquad_coef *c, double f, double q, double fs);
/* First-order sections expressed as biquads (b2 = a2 = 0). */
void biquad_lowpass1(biquad_coef *c, double f, double fs);
void biquad_highpass1(biquad_coef *c, double f, double fs);

#endif
