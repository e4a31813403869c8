/* lathe — spectrum (see spectrum.h).
 *
 * Scaling: with a Hann window w, a sine of amplitude A puts
 * sum_k |X_k|^2 (2 / sum w)^2 = A^2 * ENBW into its main lobe, where
 * ENBW = N sum w^2 / (sum w)^2 = 1.5 bins for Hann (Harris, "On the use of
 * windows...", Proc. IEEE 1978, table 1).  So a log bin whose band covers at
 * least three FFT bins (a main lobe) sums the normalised power and divides by 1.5 (energy in
 * the band); one narrower than a main lobe (the bottom octaves) reads the
 * power interpolated at its centre.  Either way a full-scale sine reads 0 dB.
 * Averaging: one-pole on power per FFT frame, 300 ms time constant. */
#include "spectrum.h"
#include "../dsp/dsp_util.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOP (SPECTRUM_FFT / 2)
#define NB (SPECTRUM_FFT / 2 + 1)
#define AVG_S 0.3

struct spectrum {
	unsigned rate;
	int bins;               /* log bins */
	float *win;             /* Hann window, SPECTRUM_FFT */
	float *hist[2];         /* last SPECTRUM_FFT samples per channel, linear (moved down by HOP) */
	unsigned fill;          /* samples in hist */
	float *frame;           /* windowed FFT input */
	fftwf_complex *fx;      /* FFT output */
	fftwf_plan plan;        /* frame -> fx, planned once */
	double *avg;            /* time-averaged normalised power per FFT bin */
	double alpha;           /* one-pole coefficient per FFT frame */
	double norm;            /* (2 / sum w)^2 */
	int *k0, *k1;           /* FFT bin range per log bin (k1 < k0: interpolate at kc) */
	double *kc;             /* fractional FFT bin of each log bin's centre */
	double *hz;             /* log bin centres */
};

spectrum *spectrum_new(unsigned rate, int bins)
{
	dsp_fftw_thread_safe(); /* analyses are built in parallel (lathe album) */
	spectrum *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->bins = bins;
	s->win = fftwf_alloc_real(SPECTRUM_FFT);
	s->frame = fftwf_alloc_real(SPECTRUM_FFT);
	s->fx = fftwf_alloc_complex(NB);
	s->hist[0] = calloc(SPECTRUM_FFT, sizeof(float));
	s->hist[1] = calloc(SPECTRUM_FFT, sizeof(float));
	s->avg = calloc(NB, sizeof(double));
	s->k0 = calloc(bins, sizeof(int));
	s->k1 = calloc(bins, sizeof(int));
	s->kc = calloc(bins, sizeof(double));
	s->hz = calloc(bins, sizeof(double));
	if (!s->win || !s->frame || !s->fx || !s->hist[0] || !s->hist[1] || !s->avg || !s->k0 || !s->k1 || !s->kc || !s->hz) {
		spectrum_free(s);
		return NULL;
	}
	/* FFTW's planner is not thread-safe: plan here (called from one thread at start-up) */
	s->plan = fftwf_plan_dft_r2c_1d(SPECTRUM_FFT, s->frame, s->fx, FFTW_ESTIMATE);
	double sum = 0;
	for (int i = 0; i < SPECTRUM_FFT; i++) {
		s->win[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / SPECTRUM_FFT)); /* periodic Hann */
		sum += s->win[i];
	}
	s->norm = (2 / sum) * (2 / sum);
	spectrum_set_rate(s, rate);
	return s;
}

void spectrum_free(spectrum *s)
{
	if (!s)
		return;
	if (s->plan)
		fftwf_destroy_plan(s->plan);
	fftwf_free(s->win);
	fftwf_free(s->frame);
	fftwf_free(s->fx);
	free(s->hist[0]);
	free(s->hist[1]);
	free(s->avg);
	free(s->k0);
	free(s->k1);
	free(s->kc);
	free(s->hz);
	free(s);
}

void spectrum_set_rate(spectrum *s, unsigned rate)
{
	s->rate = rate;
	s->alpha = 1 - exp(-(double)HOP / (AVG_S * rate));
	double per_bin = (double)rate / SPECTRUM_FFT;
	for (int b = 0; b < s->bins; b++) {
		double f = SPECTRUM_LO_HZ * pow(SPECTRUM_HI_HZ / SPECTRUM_LO_HZ, (double)b / (s->bins - 1));
		s->hz[b] = f;
		s->kc[b] = f / per_bin;
		/* 1/3 octave around the centre: f * 2^(-1/6) .. f * 2^(1/6) */
		s->k0[b] = (int)ceil(f * pow(2, -1.0 / 6) / per_bin);
		s->k1[b] = (int)floor(f * pow(2, 1.0 / 6) / per_bin);
		if (s->k1[b] > NB - 1)
			s->k1[b] = NB - 1;
	}
	spectrum_reset(s);
}

void spectrum_reset(spectrum *s)
{
	memset(s->hist[0], 0, SPECTRUM_FFT * sizeof(float));
	memset(s->hist[1], 0, SPECTRUM_FFT * sizeof(float));
	memset(s->avg, 0, NB * sizeof(double));
	s->fill = 0;
}

static void frame_done(spectrum *s)
{
	static const double half = 0.5; /* the two channels are averaged */
	double *p = s->avg;
	double tmp;
	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < SPECTRUM_FFT; i++)
			s->frame[i] = s->hist[c][i] * s->win[i];
		fftwf_execute(s->plan);
		for (int k = 0; k < NB; k++) {
			tmp = ((double)s->fx[k][0] * s->fx[k][0] + (double)s->fx[k][1] * s->fx[k][1]) * s->norm * half;
			/* first channel starts the new frame's term, second adds to it */
			if (c == 0)
				p[k] -= s->alpha * p[k];
			p[k] += s->alpha * tmp;
		}
	}
	memmove(s->hist[0], s->hist[0] + HOP, (SPECTRUM_FFT - HOP) * sizeof(float));
	memmove(s->hist[1], s->hist[1] + HOP, (SPECTRUM_FFT - HOP) * sizeof(float));
	s->fill = SPECTRUM_FFT - HOP;
}

void spectrum_add(spectrum *s, const float *x, size_t frames, size_t stride)
{
	while (frames > 0) {
		size_t k = SPECTRUM_FFT - s->fill;
		if (k > frames)
			k = frames;
		for (size_t i = 0; i < k; i++) {
			s->hist[0][s->fill + i] = x[i * stride];
			s->hist[1][s->fill + i] = x[i * stride + 1];
		}
		s->fill += (unsigned)k;
		x += k * stride;
		frames -= k;
		if (s->fill == SPECTRUM_FFT)
			frame_done(s);
	}
}

double spectrum_bin_hz(const spectrum *s, int bin) { return s->hz[bin]; }

void spectrum_get(const spectrum *s, float *out, float slope_db_oct)
{
	const double enbw = 1.5;
	for (int b = 0; b < s->bins; b++) {
		double pw;
		if (s->kc[b] >= NB - 1) {
			out[b] = SPECTRUM_FLOOR_DB;
			continue;
		}
		if (s->k1[b] - s->k0[b] + 1 >= 3) {
			/* the band holds a whole Hann main lobe: its energy */
			pw = 0;
			for (int k = s->k0[b]; k <= s->k1[b]; k++)
				pw += s->avg[k];
			pw /= enbw;
		} else {
			/* narrower than a lobe (below ~80 Hz at 48 kHz): the power at the
			 * centre, scaled up to the band's width once that passes ENBW, so
			 * a sine reads its level and noise joins the wide bands smoothly */
			int k = (int)s->kc[b];
			double fr = s->kc[b] - k;
			double width = s->kc[b] * (pow(2, 1.0 / 6) - pow(2, -1.0 / 6));
			pw = (s->avg[k] * (1 - fr) + s->avg[k + 1] * fr) * (width > enbw ? width / enbw : 1);
		}
		double db = pw > 1e-15 ? 10 * log10(pw) : SPECTRUM_FLOOR_DB;
		db += slope_db_oct * log2(s->hz[b] / 1000.0);
		out[b] = db < SPECTRUM_FLOOR_DB ? SPECTRUM_FLOOR_DB : (float)db;
	}
}
