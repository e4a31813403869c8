/* lathe — the EQ's steady path: all sections of all bands, sample by sample.
 *
 * With nothing gliding or fading, every active section runs in one loop over
 * the samples, both channels in the two lanes of a vector (GCC/Clang vector
 * extension): a mono band (mid, side, left, right) has identity coefficients
 * in its other lane, which pass that lane exactly (y = 1 x + 0).  Running the
 * cascade per sample rather than per section lets the CPU overlap the sections'
 * recursions (each is a ~12-cycle dependency chain per sample, but they are
 * independent of each other), which section-by-section loops cannot. */
#include "eq_cascade.h"
#include "dsp_util.h"

#include <stdlib.h>
#include <string.h>

typedef double v2d __attribute__((vector_size(16)));

typedef struct cascade_op_s {
	v2d b0, b1, b2, a1, a2, s1, s2;
	int pre;            /* EQ_PRE_*: domain change before this section */
	biquad_state *st[2]; /* where the lanes' state lives in the band */
} cascade_op;

static v2d lanes(double x0, double x1)
{
	v2d v = { x0, x1 };
	return v;
}

#define CASCADE_GROUP 4   /* sections per pass: 4 x 2 state vectors stay in SSE registers */

/* One TDF-II section step on both lanes (the per-section arithmetic of the steady path). */
#define SECTION_STEP(o, x, s1, s2)                         \
	do {                                                   \
		v2d y_ = (o)->b0 * (x) + (s1);                     \
		(s1) = (o)->b1 * (x) - (o)->a1 * y_ + (s2);        \
		(s2) = (o)->b2 * (x) - (o)->a2 * y_;               \
		(x) = y_;                                          \
	} while (0)

/* g (1..CASCADE_GROUP) consecutive sections over the block xb, in place. */
static void cascade_group(cascade_op *o, int g, v2d *xb, unsigned n)
{
	v2d p1 = o[0].s1, p2 = o[0].s2, q1 = { 0, 0 }, q2 = q1, r1 = q1, r2 = q1, t1 = q1, t2 = q1;
	switch (g) {
	case 1:
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			xb[i] = x;
		}
		break;
	case 2:
		q1 = o[1].s1, q2 = o[1].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			xb[i] = x;
		}
		break;
	case 3:
		q1 = o[1].s1, q2 = o[1].s2, r1 = o[2].s1, r2 = o[2].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			SECTION_STEP(&o[2], x, r1, r2);
			xb[i] = x;
		}
		break;
	default:
		q1 = o[1].s1, q2 = o[1].s2, r1 = o[2].s1, r2 = o[2].s2, t1 = o[3].s1, t2 = o[3].s2;
		for (unsigned i = 0; i < n; i++) {
			v2d x = xb[i];
			SECTION_STEP(&o[0], x, p1, p2);
			SECTION_STEP(&o[1], x, q1, q2);
			SECTION_STEP(&o[2], x, r1, r2);
			SECTION_STEP(&o[3], x, t1, t2);
			xb[i] = x;
		}
		break;
	}
	o[0].s1 = p1, o[0].s2 = p2;
	if (g > 1)
		o[1].s1 = q1, o[1].s2 = q2;
	if (g > 2)
		o[2].s1 = r1, o[2].s2 = r2;
	if (g > 3)
		o[3].s1 = t1, o[3].s2 = t2;
}


struct eq_cascade {
	cascade_op *ops;   /* max_ops sections in chain order */
	unsigned max_ops;
	int nops;          /* in the current list */
	v2d *xb;           /* max_frames L/R samples between section groups */
};

/* zeroed and touched here (dsp_calloc), not in the RT thread; 64-byte aligned */
eq_cascade *eq_cascade_new(unsigned max_ops, unsigned max_frames)
{
	eq_cascade *c = dsp_calloc(sizeof *c);
	if (!c)
		return NULL;
	c->max_ops = max_ops;
	c->ops = dsp_calloc((max_ops ? max_ops : 1) * sizeof *c->ops);
	c->xb = dsp_calloc((max_frames ? max_frames : 1) * sizeof *c->xb);
	if (!c->ops || !c->xb) {
		eq_cascade_free(c);
		return NULL;
	}
	return c;
}

void eq_cascade_free(eq_cascade *c)
{
	if (!c)
		return;
	free(c->ops);
	free(c->xb);
	free(c);
}

void eq_cascade_begin(eq_cascade *c) { c->nops = 0; }

void eq_cascade_add(eq_cascade *c, const biquad_coef *sec, biquad_state st[2], int which, int pre)
{
	if ((unsigned)c->nops >= c->max_ops)
		return;
	cascade_op *o = &c->ops[c->nops++];
	int both = which == EQ_LANES_BOTH, lane = which == EQ_LANE_1 ? 1 : 0;
	biquad_coef id;
	biquad_identity(&id);
	const biquad_coef *c0 = both || lane == 0 ? sec : &id, *c1 = both || lane == 1 ? sec : &id;
	o->b0 = lanes(c0->b0, c1->b0);
	o->b1 = lanes(c0->b1, c1->b1);
	o->b2 = lanes(c0->b2, c1->b2);
	o->a1 = lanes(c0->a1, c1->a1);
	o->a2 = lanes(c0->a2, c1->a2);
	/* a mono section keeps its state in st[its lane]; the identity lane's is 0 */
	o->st[0] = both || lane == 0 ? &st[0] : NULL;
	o->st[1] = both || lane == 1 ? &st[1] : NULL;
	o->s1 = lanes(o->st[0] ? o->st[0]->s1 : 0, o->st[1] ? o->st[1]->s1 : 0);
	o->s2 = lanes(o->st[0] ? o->st[0]->s2 : 0, o->st[1] ? o->st[1]->s2 : 0);
	o->pre = pre;
}

void eq_cascade_run(eq_cascade *c, float *l, float *r, unsigned n, int end_ms)
{
	cascade_op *ops = c->ops;
	int nops = c->nops;
	const v2d half = { 0.5, 0.5 };
	v2d *xb = c->xb;
	for (unsigned i = 0; i < n; i++)
		xb[i] = (v2d){ l[i], r[i] };
	/* Groups of up to CASCADE_GROUP sections per pass over the block, their states in
	 * registers; a domain change starts a new group.  Each sample meets the same operations
	 * in the same order as a per-sample walk of the whole list (bit for bit), with no
	 * per-section branch or state load/store. */
	for (int k = 0; k < nops;) {
		if (ops[k].pre) {
			const int to_ms = ops[k].pre == EQ_PRE_TO_MS; /* M = (L + R) / 2, S = (L - R) / 2; back: L = M + S, R = M - S */
			for (unsigned i = 0; i < n; i++) {
				v2d x = xb[i];
				x = (v2d){ x[0] + x[1], x[0] - x[1] };
				xb[i] = to_ms ? half * x : x;
			}
		}
		int g = 1;
		while (g < CASCADE_GROUP && k + g < nops && !ops[k + g].pre)
			g++;
		cascade_group(&ops[k], g, xb, n);
		k += g;
	}
	for (unsigned i = 0; i < n; i++) {
		v2d x = xb[i];
		if (end_ms)
			x = (v2d){ x[0] + x[1], x[0] - x[1] };
		l[i] = (float)x[0];
		r[i] = (float)x[1];
	}
	for (int k = 0; k < nops; k++)
		for (int ch = 0; ch < 2; ch++)
			if (ops[k].st[ch]) {
				ops[k].st[ch]->s1 = ops[k].s1[ch];
				ops[k].st[ch]->s2 = ops[k].s2[ch];
			}
}
