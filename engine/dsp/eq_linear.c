/* lathe — linear-phase EQ mode: the minimum-phase EQ's magnitude as a symmetric FIR.
 *
 * Design (designer thread, non-RT).  The magnitude of every band comes from
 * eq_band_response_db() (eq.h: the very coefficients the minimum-phase path
 * runs), sampled on a log grid of EQL_GRID points from 1 Hz to Nyquist and
 * interpolated linearly in dB onto the FFT bins (grid step 1/290 octave at
 * 48 kHz: well below any band's width at the registry's Q <= 18).  Bands act
 * on stereo, mid, side, left or right, in band order as in eq.c, so per bin
 * the EQ is a real 2x2 matrix from (L, R) in to (L, R) out: a stereo band is
 * h I, a left band diag(h, 1), a mid band (M' = h M with M = (L+R)/2,
 * S = (L-R)/2, L = M+S, R = M-S) is [[(h+1)/2, (h-1)/2], [(h-1)/2, (h+1)/2]].
 * Each of the four entries that is not identically zero becomes a kernel
 * (one per path that needs one: stereo-only EQs use the two diagonal ones).
 * A real, even spectrum on an Nd = 2 (taps + 1) grid is a zero-phase impulse
 * response (inverse real FFT, FFTW); it is cut to `taps` (odd) samples
 * centred on (taps - 1) / 2, which makes it symmetric (exactly linear
 * phase, group delay (taps - 1) / 2 at every frequency), and Kaiser-windowed
 * (beta EQL_KAISER_BETA; Kaiser 1974, Oppenheim & Schafer 7.5.3) to trade
 * ripple against how low the response holds (the window's main lobe smears
 * the response over about (beta / pi) fs / taps Hz).
 *
 * Convolution (RT).  Uniformly partitioned overlap-save (Wefers, "Partitioned
 * convolution algorithms for real-time auralization", 2015, ch. 5): the
 * kernel is cut into P partitions of B = EQL_PARTITION frames, each
 * zero-padded to 2B and transformed once; every B input frames one forward
 * FFT of the last 2B input frames goes into a frequency-domain delay line,
 * the output block is IFFT(sum_p X[j-p] K[p]), last B samples.  An input and
 * an output FIFO of B frames make the FIR independent of JACK's period at a
 * cost of B frames of latency, hence latency = (taps - 1) / 2 + B.  A new
 * kernel is adopted at a partition boundary: that one block is computed with
 * both kernels and crossfaded (raised cosine over B frames), so moving a band
 * never clicks.  The two kernel slots are handed over with two atomics:
 * `ready` (designer -> RT: slot 1-active holds a new kernel) and `active`
 * (changed by the RT thread only while ready is 1, so the designer never
 * writes a slot that is in use).
 *
 * Mode changes.  The output is one of three sources: MIN0 (the minimum-phase
 * EQ, in place: minimum mode is today's, bit for bit), MIND(d) (its output
 * delayed by d through a ring, which puts it on the linear timeline) or LIN
 * (the FIR).  Going to linear: crossfade MIN0 -> MIND(L - min_latency) (the
 * latency changes here, reported at once), the FIR starts from silence, and
 * once it has seen taps + B frames, crossfade MIND -> LIN, which are on the
 * same timeline.  Going back or changing resolution runs the same steps the
 * other way.  Every crossfade is EQL_FADE_MS long (raised cosine).
 */
#include "eq_linear.h"
#include "eq_response.h"
#include "../thread.h"
#include "dsp_util.h"

#include <fftw3.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define B EQL_PARTITION
#define NBIN (B + 1)
#define EQL_RES 4
#define EQL_MAX_TAPS 32767
#define EQL_MAX_PARTS ((EQL_MAX_TAPS + B - 1) / B)
#define EQL_GRID 4096
#define EQL_KAISER_BETA 6.0
#define EQL_FADE_MS 20.0
#define EQL_POLL_MS 5
/* the EQ rows a design depends on: /eq/bypass .. /eq/resolution */
#define EQL_FIRST P_EQ_BYPASS
#define EQL_NPAR (P_EQ_RESOLUTION + 1 - P_EQ_BYPASS)

static const unsigned taps_of[EQL_RES] = { 4095, 8191, 16383, 32767 };

unsigned eq_linear_taps(int res) { return res >= 0 && res < EQL_RES ? taps_of[res] : 0; }
unsigned eq_linear_res_latency(int res) { return res >= 0 && res < EQL_RES ? (taps_of[res] - 1) / 2 + B : 0; }

enum { SRC_MIN0, SRC_MIND, SRC_LIN };
typedef struct { int type; unsigned d; } source;

typedef struct {
	fftwf_complex *k[4]; /* [out * 2 + in], EQL_MAX_PARTS x NBIN each, scaled by 1/(2B) */
	int used[4];         /* entry not identically zero */
	int res;             /* resolution it was designed for */
} kslot;

struct eq_linear {
	lathe_params *p; /* borrowed */
	double rate;
	unsigned max_block, lat_min;

	/* convolution (RT) */
	float *fin[2];           /* last 2B input frames per channel, as the FFT sees them */
	float *ybuf[2];          /* B output frames being played out */
	unsigned qpos;           /* frames into the current partition */
	fftwf_complex *fdl[2];   /* frequency-domain delay line, EQL_MAX_PARTS x NBIN */
	unsigned head;           /* newest partition in fdl */
	float *tbuf;             /* 2B */
	fftwf_complex *fbuf, *acc; /* NBIN */
	fftwf_plan fwd, inv;
	float *yold;             /* B, the old kernel's block during a kernel crossfade */
	kslot slot[2];
	_Atomic int active, ready, redesign;
	int kfade;               /* adopt the ready kernel at the next partition, crossfaded */
	int conv_res;            /* resolution the FIR runs at, -1 = stopped */
	unsigned parts;          /* partitions of conv_res */
	unsigned prime;          /* frames since the FIR started (saturates) */

	/* sources and crossfades (RT) */
	source cur, fa, fb;
	int fading;
	unsigned fpos, flen;
	float *mring[2];         /* minimum-phase output history */
	unsigned mlen, mw;
	float *xin[2], *ylin[2], *sa[2], *sb[2]; /* max_block scratch */
	_Atomic unsigned latency;

	/* designer (non-RT) */
	pthread_t th;
	int th_ok;
	_Atomic int quit;
	_Atomic uint32_t idle_gen;  /* store generation the designer has caught up with */
	lathe_params *snap;         /* its private copy of the EQ rows */
	uint32_t last[EQL_NPAR];    /* rows of the last kernel designed */
	int have_last;
	double *grid_db;            /* EQ_BANDS x EQL_GRID */
	double *H[4];               /* Nd/2 + 1 */
	double *dspec, *dtime;      /* Nd max */
	fftw_plan dplan[EQL_RES];
	float *kt; fftwf_complex *kf; fftwf_plan kplan;
	double *win;                /* taps */
};

/* ---------------------------------------------------------------- design -- */

static double bessel_i0(double x)
{
	double sum = 1, term = 1, q = x * x / 4;
	for (int k = 1; k < 60 && term > 1e-17 * sum; k++) {
		term *= q / ((double)k * k);
		sum += term;
	}
	return sum;
}

static void copy_rows(lathe_params *dst, const lathe_params *src)
{
	for (int i = 0; i < EQL_NPAR; i++)
		atomic_store_explicit(&dst->bits[EQL_FIRST + i],
		                      atomic_load_explicit(&((lathe_params *)src)->bits[EQL_FIRST + i], memory_order_relaxed),
		                      memory_order_relaxed);
}

static int band_acts(const lathe_params *q, int b)
{
	if (param_get_bool(q, P_EQ_BAND_BYPASS + b))
		return 0;
	int t = param_get_int(q, P_EQ_TYPE + b);
	if ((t == EQ_BELL || t == EQ_LOW_SHELF || t == EQ_HIGH_SHELF || t == EQ_TILT) && param_get(q, P_EQ_GAIN + b) == 0)
		return 0;
	return 1;
}

/* Design the kernel for the rows in s->snap into slot `si`. */
static void design(eq_linear *s, int si)
{
	const lathe_params *q = s->snap;
	int res = param_get_int(q, P_EQ_RESOLUTION);
	unsigned T = taps_of[res], Nd = 2 * (T + 1), nb = Nd / 2 + 1, c = (T - 1) / 2;
	kslot *ks = &s->slot[si];
	double fmin = 1, fmax = s->rate / 2, lspan = log(fmax / fmin);
	int acts[EQ_BANDS];
	for (int b = 0; b < EQ_BANDS; b++) {
		acts[b] = !param_get_bool(q, P_EQ_BYPASS) && band_acts(q, b);
		if (acts[b])
			for (int g = 0; g < EQL_GRID; g++)
				s->grid_db[b * EQL_GRID + g] =
				    eq_band_response_db(q, s->rate, b, fmin * exp(lspan * g / (EQL_GRID - 1)));
	}
	for (unsigned k = 0; k < nb; k++) {
		double m[4] = { 1, 0, 0, 1 }; /* (L, R) -> (L, R), row-major [out][in] */
		double f = (double)k * s->rate / Nd;
		double u = f > fmin ? log(f / fmin) / lspan * (EQL_GRID - 1) : 0;
		int g0 = (int)u;
		if (g0 >= EQL_GRID - 1)
			g0 = EQL_GRID - 2;
		double fr = u - g0;
		for (int b = 0; b < EQ_BANDS; b++) {
			if (!acts[b])
				continue;
			const double *gd = s->grid_db + b * EQL_GRID;
			double h = pow(10, (gd[g0] + fr * (gd[g0 + 1] - gd[g0])) / 20);
			double a[4];
			switch (param_get_int(q, P_EQ_CHANNEL + b)) {
			case CH_MID: a[0] = a[3] = (h + 1) / 2; a[1] = a[2] = (h - 1) / 2; break;
			case CH_SIDE: a[0] = a[3] = (1 + h) / 2; a[1] = a[2] = (1 - h) / 2; break;
			case CH_LEFT: a[0] = h; a[1] = a[2] = 0; a[3] = 1; break;
			case CH_RIGHT: a[0] = 1; a[1] = a[2] = 0; a[3] = h; break;
			default: a[0] = a[3] = h; a[1] = a[2] = 0; break;
			}
			double r[4] = { a[0] * m[0] + a[1] * m[2], a[0] * m[1] + a[1] * m[3],
			                a[2] * m[0] + a[3] * m[2], a[2] * m[1] + a[3] * m[3] };
			memcpy(m, r, sizeof m);
		}
		for (int j = 0; j < 4; j++)
			s->H[j][k] = m[j];
	}
	unsigned parts = (T + B - 1) / B;
	for (int j = 0; j < 4; j++) {
		int used = j == 0 || j == 3;
		for (unsigned k = 0; k < nb && !used; k++)
			used = fabs(s->H[j][k]) > 1e-12;
		ks->used[j] = used;
		if (!used)
			continue;
		/* zero-phase: a real spectrum, as FFTW's half-complex input */
		fftw_complex *sp = (fftw_complex *)s->dspec;
		for (unsigned k = 0; k < nb; k++) {
			sp[k][0] = s->H[j][k];
			sp[k][1] = 0;
		}
		fftw_execute(s->dplan[res]);
		for (unsigned pi = 0; pi < parts; pi++) {
			for (unsigned i = 0; i < 2 * B; i++) {
				unsigned n = pi * B + i;
				float v = 0;
				if (i < B && n < T) {
					long idx = (long)n - (long)c; /* -c .. c */
					v = (float)(s->dtime[(idx + (long)Nd) % (long)Nd] / Nd * s->win[n] / (2.0 * B));
				}
				s->kt[i] = v;
			}
			fftwf_execute(s->kplan);
			memcpy(ks->k[j] + (size_t)pi * NBIN, s->kf, NBIN * sizeof(fftwf_complex));
		}
	}
	ks->res = res;
}

static void make_window(eq_linear *s, unsigned T)
{
	double i0b = bessel_i0(EQL_KAISER_BETA);
	for (unsigned n = 0; n < T; n++) {
		double x = 2.0 * n / (T - 1) - 1;
		s->win[n] = bessel_i0(EQL_KAISER_BETA * sqrt(fmax(0, 1 - x * x))) / i0b;
	}
}

/* One look at the store: design if linear and the EQ rows changed. */
static void designer_step(eq_linear *s)
{
	uint32_t gen = params_generation(s->p);
	if (param_get_int(s->p, P_EQ_PHASE) != EQ_PHASE_LINEAR) {
		atomic_store_explicit(&s->idle_gen, gen, memory_order_release);
		return;
	}
	if (atomic_load_explicit(&s->ready, memory_order_acquire))
		return; /* the RT thread has not taken the last one yet */
	copy_rows(s->snap, s->p);
	uint32_t now[EQL_NPAR];
	for (int i = 0; i < EQL_NPAR; i++)
		now[i] = atomic_load_explicit(&s->snap->bits[EQL_FIRST + i], memory_order_relaxed);
	int redo = atomic_exchange(&s->redesign, 0);
	if (!redo && s->have_last && !memcmp(now, s->last, sizeof now)) {
		atomic_store_explicit(&s->idle_gen, gen, memory_order_release);
		return;
	}
	int res = param_get_int(s->snap, P_EQ_RESOLUTION);
	make_window(s, taps_of[res]);
	int si = 1 - atomic_load_explicit(&s->active, memory_order_acquire);
	design(s, si);
	memcpy(s->last, now, sizeof now);
	s->have_last = 1;
	atomic_store_explicit(&s->ready, 1, memory_order_release);
	atomic_store_explicit(&s->idle_gen, gen, memory_order_release);
}

static void *designer_main(void *arg)
{
	eq_linear *s = arg;
	while (!atomic_load(&s->quit)) {
		designer_step(s);
		struct timespec ts = { 0, EQL_POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int eq_linear_wait(eq_linear *s, int timeout_ms)
{
	uint32_t want = params_generation(s->p);
	for (int t = 0; t < timeout_ms; t++) {
		if ((int32_t)(atomic_load_explicit(&s->idle_gen, memory_order_acquire) - want) >= 0)
			return 0;
		struct timespec ts = { 0, 1000000L };
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* ------------------------------------------------------------ life cycle -- */

static float *falloc(size_t n)
{
	float *p = fftwf_malloc(n * sizeof(float));
	if (p)
		memset(p, 0, n * sizeof(float));
	return p;
}

static fftwf_complex *calloc_c(size_t n)
{
	fftwf_complex *p = fftwf_malloc(n * sizeof(fftwf_complex));
	if (p)
		memset(p, 0, n * sizeof(fftwf_complex));
	return p;
}

eq_linear *eq_linear_new(lathe_params *p, double rate, unsigned max_block, unsigned min_latency)
{
	dsp_fftw_thread_safe(); /* engines are built in parallel (lathe album) */
	eq_linear *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = p;
	s->rate = rate;
	s->max_block = max_block;
	s->lat_min = min_latency;
	s->conv_res = -1;
	int ok = 1;
	for (int c = 0; c < 2; c++) {
		ok &= !!(s->fin[c] = falloc(2 * B));
		ok &= !!(s->ybuf[c] = falloc(B));
		ok &= !!(s->fdl[c] = calloc_c((size_t)EQL_MAX_PARTS * NBIN));
		ok &= !!(s->xin[c] = falloc(max_block));
		ok &= !!(s->ylin[c] = falloc(max_block));
		ok &= !!(s->sa[c] = falloc(max_block));
		ok &= !!(s->sb[c] = falloc(max_block));
	}
	s->mlen = eq_linear_res_latency(EQ_RES_MAX) + max_block + 1;
	for (int c = 0; c < 2; c++)
		ok &= !!(s->mring[c] = falloc(s->mlen));
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++)
			ok &= !!(s->slot[i].k[j] = calloc_c((size_t)EQL_MAX_PARTS * NBIN));
	ok &= !!(s->tbuf = falloc(2 * B));
	ok &= !!(s->yold = falloc(B));
	ok &= !!(s->fbuf = calloc_c(NBIN));
	ok &= !!(s->acc = calloc_c(NBIN));
	ok &= !!(s->kt = falloc(2 * B));
	ok &= !!(s->kf = calloc_c(NBIN));
	ok &= !!(s->grid_db = calloc((size_t)EQ_BANDS * EQL_GRID, sizeof(double)));
	unsigned ndmax = 2 * (EQL_MAX_TAPS + 1);
	for (int j = 0; j < 4; j++)
		ok &= !!(s->H[j] = calloc(ndmax / 2 + 1, sizeof(double)));
	ok &= !!(s->dspec = fftw_malloc((ndmax / 2 + 1) * sizeof(fftw_complex)));
	ok &= !!(s->dtime = fftw_malloc(ndmax * sizeof(double)));
	ok &= !!(s->win = calloc(EQL_MAX_TAPS, sizeof(double)));
	ok &= !!(s->snap = params_new());
	if (!ok)
		goto fail;
	/* every plan here, once: the planner is neither RT-safe nor thread-safe */
	s->fwd = fftwf_plan_dft_r2c_1d(2 * B, s->tbuf, s->fbuf, FFTW_ESTIMATE);
	s->inv = fftwf_plan_dft_c2r_1d(2 * B, s->acc, s->tbuf, FFTW_ESTIMATE);
	s->kplan = fftwf_plan_dft_r2c_1d(2 * B, s->kt, s->kf, FFTW_ESTIMATE);
	for (int r = 0; r < EQL_RES; r++)
		s->dplan[r] = fftw_plan_dft_c2r_1d((int)(2 * (taps_of[r] + 1)), (fftw_complex *)s->dspec, s->dtime, FFTW_ESTIMATE);
	if (!s->fwd || !s->inv || !s->kplan || !s->dplan[0] || !s->dplan[1] || !s->dplan[2] || !s->dplan[3])
		goto fail;

	s->cur.type = SRC_MIN0;
	s->latency = s->lat_min;
	s->slot[0].res = s->slot[1].res = -1;
	if (param_get_int(p, P_EQ_PHASE) == EQ_PHASE_LINEAR) {
		/* start on the linear timeline with the kernel ready: a render is
		 * deterministic from its first frame (silence before it is the true history) */
		designer_step(s);
		atomic_store(&s->active, 1 - atomic_load(&s->active));
		atomic_store(&s->ready, 0);
		s->conv_res = s->slot[atomic_load(&s->active)].res;
		s->parts = (taps_of[s->conv_res] + B - 1) / B;
		s->prime = UINT32_MAX / 2;
		s->cur.type = SRC_LIN;
		s->latency = eq_linear_res_latency(s->conv_res);
	}
	s->idle_gen = params_generation(p) - 1;
	if (lathe_thread_start(&s->th, designer_main, s))
		goto fail;
	s->th_ok = 1;
	return s;
fail:
	eq_linear_free(s);
	return NULL;
}

void eq_linear_free(eq_linear *s)
{
	if (!s)
		return;
	if (s->th_ok) {
		atomic_store(&s->quit, 1);
		pthread_join(s->th, NULL);
	}
	if (s->fwd) fftwf_destroy_plan(s->fwd);
	if (s->inv) fftwf_destroy_plan(s->inv);
	if (s->kplan) fftwf_destroy_plan(s->kplan);
	for (int r = 0; r < EQL_RES; r++)
		if (s->dplan[r])
			fftw_destroy_plan(s->dplan[r]);
	for (int c = 0; c < 2; c++) {
		fftwf_free(s->fin[c]);
		fftwf_free(s->ybuf[c]);
		fftwf_free(s->fdl[c]);
		fftwf_free(s->xin[c]);
		fftwf_free(s->ylin[c]);
		fftwf_free(s->sa[c]);
		fftwf_free(s->sb[c]);
		fftwf_free(s->mring[c]);
	}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++)
			fftwf_free(s->slot[i].k[j]);
	fftwf_free(s->tbuf);
	fftwf_free(s->yold);
	fftwf_free(s->fbuf);
	fftwf_free(s->acc);
	fftwf_free(s->kt);
	fftwf_free(s->kf);
	free(s->grid_db);
	for (int j = 0; j < 4; j++)
		free(s->H[j]);
	fftw_free(s->dspec);
	fftw_free(s->dtime);
	free(s->win);
	params_free(s->snap);
	free(s);
}

unsigned eq_linear_latency(const eq_linear *s) { return atomic_load_explicit(&((eq_linear *)s)->latency, memory_order_relaxed); }
unsigned eq_linear_max_latency(const eq_linear *s) { return eq_linear_res_latency(EQ_RES_MAX) > s->lat_min ? eq_linear_res_latency(EQ_RES_MAX) : s->lat_min; }

static void conv_clear(eq_linear *s)
{
	for (int c = 0; c < 2; c++) {
		memset(s->fin[c], 0, 2 * B * sizeof(float));
		memset(s->ybuf[c], 0, B * sizeof(float));
		memset(s->fdl[c], 0, (size_t)EQL_MAX_PARTS * NBIN * sizeof(fftwf_complex));
	}
	s->qpos = 0;
	s->head = 0;
	s->prime = 0;
}

void eq_linear_reset(eq_linear *s)
{
	conv_clear(s);
	if (s->cur.type == SRC_LIN && !s->fading)
		s->prime = UINT32_MAX / 2; /* the FIR's history is silence, as is everything else's */
	for (int c = 0; c < 2; c++)
		memset(s->mring[c], 0, s->mlen * sizeof(float));
}

/* ------------------------------------------------------------------- RT -- */

/* Output channel o of the current partition with slot ks into out[B]. */
static void conv_out(eq_linear *s, const kslot *ks, int o, float *out)
{
	memset(s->acc, 0, NBIN * sizeof(fftwf_complex));
	for (int i = 0; i < 2; i++) {
		if (!ks->used[o * 2 + i])
			continue;
		const fftwf_complex *kk = ks->k[o * 2 + i];
		for (unsigned pi = 0; pi < s->parts; pi++) {
			const fftwf_complex *x = s->fdl[i] + (size_t)((s->head + s->parts - pi) % s->parts) * NBIN;
			const fftwf_complex *h = kk + (size_t)pi * NBIN;
			for (unsigned k = 0; k < NBIN; k++) {
				s->acc[k][0] += x[k][0] * h[k][0] - x[k][1] * h[k][1];
				s->acc[k][1] += x[k][0] * h[k][1] + x[k][1] * h[k][0];
			}
		}
	}
	fftwf_execute(s->inv);
	memcpy(out, s->tbuf + B, B * sizeof(float));
}

static void partition(eq_linear *s)
{
	s->head = (s->head + 1) % s->parts;
	for (int c = 0; c < 2; c++) {
		memcpy(s->tbuf, s->fin[c], 2 * B * sizeof(float));
		fftwf_execute(s->fwd);
		memcpy(s->fdl[c] + (size_t)s->head * NBIN, s->fbuf, NBIN * sizeof(fftwf_complex));
		memmove(s->fin[c], s->fin[c] + B, B * sizeof(float));
	}
	int a = atomic_load_explicit(&s->active, memory_order_relaxed);
	for (int o = 0; o < 2; o++) {
		conv_out(s, &s->slot[a], o, s->ybuf[o]);
		if (s->kfade) {
			memcpy(s->yold, s->ybuf[o], B * sizeof(float));
			conv_out(s, &s->slot[1 - a], o, s->ybuf[o]);
			for (unsigned i = 0; i < B; i++) {
				float g = 0.5f - 0.5f * cosf((float)M_PI * (i + 0.5f) / B);
				s->ybuf[o][i] = s->yold[i] + g * (s->ybuf[o][i] - s->yold[i]);
			}
		}
	}
	if (s->kfade) {
		s->kfade = 0;
		atomic_store_explicit(&s->active, 1 - a, memory_order_relaxed);
		atomic_store_explicit(&s->ready, 0, memory_order_release);
	}
}

static void conv_run(eq_linear *s, unsigned n)
{
	for (unsigned i = 0; i < n;) {
		unsigned k = n - i < B - s->qpos ? n - i : B - s->qpos;
		for (int c = 0; c < 2; c++) {
			memcpy(s->fin[c] + B + s->qpos, s->xin[c] + i, k * sizeof(float));
			memcpy(s->ylin[c] + i, s->ybuf[c] + s->qpos, k * sizeof(float));
		}
		s->qpos += k;
		i += k;
		if (s->qpos == B) {
			partition(s);
			s->qpos = 0;
		}
	}
	if (s->prime < UINT32_MAX / 2)
		s->prime += n;
}

static unsigned timeline(const eq_linear *s, source x)
{
	switch (x.type) {
	case SRC_MIND: return s->lat_min + x.d;
	case SRC_LIN: return eq_linear_res_latency(s->conv_res);
	default: return s->lat_min;
	}
}

static source mind_for(const eq_linear *s, int res)
{
	source x = { SRC_MIND, eq_linear_res_latency(res) - s->lat_min };
	return x;
}

/* Source x of this block into o[2]; l, r hold MIN0; the ring was written from w0. */
static void render_source(eq_linear *s, source x, const float *l, const float *r, unsigned w0, float **o, unsigned n)
{
	if (x.type == SRC_MIN0) {
		memcpy(o[0], l, n * sizeof(float));
		memcpy(o[1], r, n * sizeof(float));
	} else if (x.type == SRC_LIN) {
		memcpy(o[0], s->ylin[0], n * sizeof(float));
		memcpy(o[1], s->ylin[1], n * sizeof(float));
	} else {
		unsigned ri = (w0 + s->mlen - x.d) % s->mlen;
		for (unsigned i = 0; i < n; i++) {
			o[0][i] = s->mring[0][ri];
			o[1][i] = s->mring[1][ri];
			if (++ri == s->mlen)
				ri = 0;
		}
	}
}

static int same(source a, source b) { return a.type == b.type && (a.type != SRC_MIND || a.d == b.d); }

static int lin_in_use(const eq_linear *s)
{
	return s->cur.type == SRC_LIN || (s->fading && (s->fa.type == SRC_LIN || s->fb.type == SRC_LIN));
}

static void conv_start(eq_linear *s, int res)
{
	s->conv_res = res;
	if (res >= 0) {
		s->parts = (taps_of[res] + B - 1) / B;
		conv_clear(s);
	}
}

void eq_linear_process(eq_linear *s, eq *min, float *l, float *r, unsigned n)
{
	int req = param_get_int(s->p, P_EQ_PHASE) == EQ_PHASE_LINEAR ? param_get_int(s->p, P_EQ_RESOLUTION) : -1;
	if (req >= EQL_RES)
		req = EQL_RES - 1;

	/* a kernel from the designer */
	if (atomic_load_explicit(&s->ready, memory_order_acquire) && !s->kfade) {
		int a = atomic_load_explicit(&s->active, memory_order_relaxed);
		int kres = s->slot[1 - a].res;
		if (kres != req) {
			atomic_store_explicit(&s->ready, 0, memory_order_release);
			atomic_store_explicit(&s->redesign, 1, memory_order_relaxed);
		} else if (!lin_in_use(s)) {
			atomic_store_explicit(&s->active, 1 - a, memory_order_relaxed);
			atomic_store_explicit(&s->ready, 0, memory_order_release);
		} else if (kres == s->conv_res) {
			s->kfade = 1;
		}
	}

	/* where the output should be heading */
	if (!s->fading) {
		if (s->cur.type != SRC_LIN && s->conv_res != req && !s->kfade)
			conv_start(s, req);
		source want = { SRC_MIN0, 0 };
		if (req >= 0) {
			int a = atomic_load_explicit(&s->active, memory_order_relaxed);
			if (s->conv_res == req && s->prime >= taps_of[req] + B && s->slot[a].res == req)
				want.type = SRC_LIN;
			else
				want = mind_for(s, req);
		}
		if (s->cur.type == SRC_LIN && want.type != SRC_LIN)
			want = mind_for(s, s->conv_res); /* leave the FIR on its own timeline first */
		if (!same(want, s->cur)) {
			s->fa = s->cur;
			s->fb = want;
			s->fading = 1;
			s->fpos = 0;
			s->flen = (unsigned)(EQL_FADE_MS * 0.001 * s->rate);
			atomic_store_explicit(&s->latency, timeline(s, want), memory_order_relaxed);
		}
	}

	int conv = s->conv_res >= 0;
	if (conv)
		for (int c = 0; c < 2; c++)
			memcpy(s->xin[c], c ? r : l, n * sizeof(float));
	eq_process(min, l, r, n);
	unsigned w0 = s->mw;
	for (unsigned i = 0, w = w0; i < n; i++) {
		s->mring[0][w] = l[i];
		s->mring[1][w] = r[i];
		if (++w == s->mlen)
			w = 0;
	}
	s->mw = (w0 + n) % s->mlen;
	if (conv)
		conv_run(s, n);

	if (!s->fading) {
		if (s->cur.type != SRC_MIN0) {
			float *o[2] = { l, r };
			if (s->cur.type == SRC_LIN) {
				memcpy(l, s->ylin[0], n * sizeof(float));
				memcpy(r, s->ylin[1], n * sizeof(float));
			} else {
				render_source(s, s->cur, l, r, w0, s->sa, n);
				memcpy(o[0], s->sa[0], n * sizeof(float));
				memcpy(o[1], s->sa[1], n * sizeof(float));
			}
		}
		return;
	}
	render_source(s, s->fa, l, r, w0, s->sa, n);
	render_source(s, s->fb, l, r, w0, s->sb, n);
	for (unsigned i = 0; i < n; i++) {
		float g = 1;
		if (s->fpos < s->flen) {
			g = 0.5f - 0.5f * cosf((float)M_PI * (s->fpos + 0.5f) / s->flen);
			s->fpos++;
		}
		l[i] = s->sa[0][i] + g * (s->sb[0][i] - s->sa[0][i]);
		r[i] = s->sa[1][i] + g * (s->sb[1][i] - s->sa[1][i]);
	}
	if (s->fpos >= s->flen) {
		s->fading = 0;
		s->cur = s->fb;
		if (s->cur.type == SRC_MIN0 && req < 0)
			s->conv_res = -1; /* back in minimum mode: the FIR stops */
	}
}
