/* Linkwitz-Riley crossover: flat sum, LR4 band shapes, ordering, glides, state remix. */
#include <check.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp/crossover.h"
#include "engine/dsp/biquad.h"
#include "tests/support/check_main.h"

#define N_IR 65536

/* Run n samples of channel ch through the split the way owners do: chunks of XO_CHUNK. */
static void split_run(crossover *xo, int ch, const float *x, float *band[XO_MAX_BANDS], unsigned n)
{
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < XO_CHUNK ? n - done : XO_CHUNK;
		crossover_advance(xo, k);
		float *b[XO_MAX_BANDS];
		for (int i = 0; i < XO_MAX_BANDS; i++)
			b[i] = band[i] + done;
		crossover_split(xo, ch, x + done, b, k);
		done += k;
	}
}

/* Magnitude spectrum (dB) of a length-N_IR response, bins 0..N_IR/2. */
static void spectrum_db(const float *h, double *db)
{
	float *in = fftwf_alloc_real(N_IR);
	fftwf_complex *out = fftwf_alloc_complex(N_IR / 2 + 1);
	fftwf_plan p = fftwf_plan_dft_r2c_1d(N_IR, in, out, FFTW_ESTIMATE);
	memcpy(in, h, N_IR * sizeof(float));
	fftwf_execute(p);
	for (int k = 0; k <= N_IR / 2; k++) {
		double re = out[k][0], im = out[k][1];
		db[k] = 10 * log10(re * re + im * im + 1e-300);
	}
	fftwf_destroy_plan(p);
	fftwf_free(in);
	fftwf_free(out);
}

typedef struct {
	float *x, *band[XO_MAX_BANDS], *sum;
	double *db;
} bufs;

static bufs bufs_new(void)
{
	bufs b;
	b.x = calloc(N_IR, sizeof(float));
	for (int i = 0; i < XO_MAX_BANDS; i++)
		b.band[i] = calloc(N_IR, sizeof(float));
	b.sum = calloc(N_IR, sizeof(float));
	b.db = calloc(N_IR / 2 + 1, sizeof(double));
	return b;
}

static void bufs_free(bufs *b)
{
	free(b->x);
	for (int i = 0; i < XO_MAX_BANDS; i++)
		free(b->band[i]);
	free(b->sum);
	free(b->db);
}

/* Impulse response of the band sum; returns the largest |dB| from 10 Hz to 0.49 fs. */
static double sum_ripple(double rate, int bands, int order, const float *hz, bufs *b)
{
	crossover xo;
	crossover_init(&xo, rate, bands, order, hz);
	memset(b->x, 0, N_IR * sizeof(float));
	b->x[0] = 1;
	split_run(&xo, 0, b->x, b->band, N_IR);
	for (int i = 0; i < N_IR; i++) {
		double s = 0;
		for (int k = 0; k < bands; k++)
			s += b->band[k][i];
		b->sum[i] = (float)s;
	}
	spectrum_db(b->sum, b->db);
	double worst = 0;
	int k0 = (int)ceil(10.0 * N_IR / rate), k1 = (int)(0.49 * N_IR);
	for (int k = k0; k <= k1; k++)
		if (fabs(b->db[k]) > worst)
			worst = fabs(b->db[k]);
	return worst;
}

START_TEST(sum_is_flat)
{
	static const double rates[] = { 44100, 48000, 96000 };
	static const float sets[][3] = { { 120, 1000, 6000 }, { 25, 300, 15000 }, { 80, 400, 2500 }, { 700, 1200, 19000 } };
	bufs b = bufs_new();
	for (int order = 4; order <= 8; order += 4)
		for (int bands = 2; bands <= 4; bands++) {
			double worst = 0;
			for (size_t r = 0; r < 3; r++)
				for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
					double w = sum_ripple(rates[r], bands, order, sets[s], &b);
					ck_assert_msg(w < 0.05, "LR%d bands %d rate %.0f set %zu: ripple %.6f dB", order, bands, rates[r], s, w);
					if (w > worst)
						worst = w;
				}
			printf("crossover: LR%d %d bands, sum ripple max %.2e dB (10 Hz..0.49 fs, 3 rates, 4 frequency sets)\n", order,
			       bands, worst);
		}
	bufs_free(&b);
}
END_TEST

/* Each band's measured response against the analytic product of its sections:
 * band k = HP2(f1)^2..HP2(f_k)^2 * LP2(f_{k+1})^2 * AP(f_{k+2})..; |AP| = 1. */
START_TEST(band_shapes_match_lr4)
{
	const double rate = 48000;
	const float hz[3] = { 150, 1500, 8000 };
	bufs b = bufs_new();
	crossover xo;
	crossover_init(&xo, rate, 4, 4, hz);
	b.x[0] = 1;
	split_run(&xo, 0, b.x, b.band, N_IR);
	double worst = 0;
	for (int band = 0; band < 4; band++) {
		spectrum_db(b.band[band], b.db);
		for (int k = (int)(20.0 * N_IR / rate); k < (int)(0.45 * N_IR); k += 37) {
			double f = k * rate / N_IR, mag = 1;
			for (int s = 0; s < 3; s++) {
				biquad_coef c;
				if (s < band) {
					biquad_highpass(&c, hz[s], M_SQRT1_2, rate);
					mag *= pow(biquad_mag(&c, f, rate), 2);
				} else if (s == band) {
					biquad_lowpass(&c, hz[s], M_SQRT1_2, rate);
					mag *= pow(biquad_mag(&c, f, rate), 2);
				}
			}
			double want = 20 * log10(mag);
			if (want < -70)
				continue; /* float rounding of the impulse response dominates below this */
			double err = fabs(b.db[k] - want);
			ck_assert_msg(err < 0.01, "band %d at %.1f Hz: %.4f dB, expected %.4f", band, f, b.db[k], want);
			if (err > worst)
				worst = err;
		}
	}
	/* at each crossover both neighbours are -6.02 dB (LR4: |LP2|^2 = Q^2 = 1/2) */
	for (int s = 0; s < 3; s++) {
		double f = hz[s];
		biquad_coef lp, hp;
		biquad_lowpass(&lp, f, M_SQRT1_2, rate);
		biquad_highpass(&hp, f, M_SQRT1_2, rate);
		ck_assert(fabs(20 * log10(pow(biquad_mag(&lp, f, rate), 2)) + 6.0206) < 1e-3);
		ck_assert(fabs(20 * log10(pow(biquad_mag(&hp, f, rate), 2)) + 6.0206) < 1e-3);
	}
	printf("crossover: band shapes vs analytic LR4 max error %.2e dB\n", worst);
	bufs_free(&b);
}
END_TEST

/* LR8: low = (B4 low pass)^2, B4 = sections with Q 0.5412 and 1.3066; 48 dB/octave. */
START_TEST(lr8_shape)
{
	const double rate = 48000, fc = 150;
	const float hz[1] = { 150 };
	bufs b = bufs_new();
	crossover xo;
	crossover_init(&xo, rate, 2, 8, hz);
	b.x[0] = 1;
	split_run(&xo, 0, b.x, b.band, N_IR);
	double worst = 0;
	for (int band = 0; band < 2; band++) {
		spectrum_db(b.band[band], b.db);
		for (int k = 2; k < (int)(0.45 * N_IR); k += 11) {
			double f = k * rate / N_IR, mag = 1;
			static const double q[2] = { 0.54119610014619698, 1.3065629648763766 };
			for (int s = 0; s < 2; s++) {
				biquad_coef c;
				if (band)
					biquad_highpass(&c, fc, q[s], rate);
				else
					biquad_lowpass(&c, fc, q[s], rate);
				mag *= pow(biquad_mag(&c, f, rate), 2);
			}
			double want = 20 * log10(mag);
			if (want < -70)
				continue;
			double err = fabs(b.db[k] - want);
			ck_assert_msg(err < 0.01, "LR8 band %d at %.1f Hz: %.4f dB, expected %.4f", band, f, b.db[k], want);
			worst = fmax(worst, err);
		}
	}
	printf("crossover: LR8 band shapes vs analytic max error %.2e dB\n", worst);
	bufs_free(&b);
}
END_TEST

START_TEST(order_and_limits)
{
	crossover xo;
	const float messy[3] = { 1000, 500, 600 };
	crossover_init(&xo, 48000, 4, 4, messy);
	ck_assert_float_eq(crossover_freq(&xo, 0), 1000);
	ck_assert(fabsf(crossover_freq(&xo, 1) - 1000 * XO_MIN_RATIO) < 0.01f);
	ck_assert(fabsf(crossover_freq(&xo, 2) - 1000 * XO_MIN_RATIO * XO_MIN_RATIO) < 0.01f);

	const float high[3] = { 20000, 20000, 20000 };
	crossover_init(&xo, 44100, 4, 4, high);
	ck_assert(fabsf(crossover_freq(&xo, 2) - 0.45f * 44100) < 0.01f);
	ck_assert(fabsf(crossover_freq(&xo, 1) - 0.45f * 44100 / XO_MIN_RATIO) < 0.01f);
	ck_assert(fabsf(crossover_freq(&xo, 0) - 0.45f * 44100 / XO_MIN_RATIO / XO_MIN_RATIO) < 0.01f);

	const float low[3] = { 1, 2, 3 };
	crossover_init(&xo, 44100, 4, 4, low);
	ck_assert_float_eq(crossover_freq(&xo, 0), XO_FMIN);
	for (int k = 0; k < 2; k++)
		ck_assert(crossover_freq(&xo, k + 1) >= crossover_freq(&xo, k) * XO_MIN_RATIO * 0.9999f);

	/* a glide that would cross a neighbour stays ordered at every chunk */
	const float a[3] = { 100, 1000, 5000 };
	crossover_init(&xo, 48000, 4, 4, a);
	const float b[3] = { 3000, 1000, 5000 }; /* f1 asked above f2: becomes 3000, 4243, 6000 */
	crossover_set_freqs(&xo, b, 4800);
	for (int i = 0; i < 400; i++) { /* 4.9 octaves: the glide is stretched to 2.45 x 4800 samples */
		crossover_advance(&xo, XO_CHUNK);
		for (int k = 0; k < 2; k++)
			ck_assert(crossover_freq(&xo, k + 1) >= crossover_freq(&xo, k) * XO_MIN_RATIO * 0.9999f);
	}
	ck_assert_float_eq(crossover_freq(&xo, 0), 3000);
}
END_TEST

/* A glide recomputes coefficients every chunk along log2 f, ends exactly on the
 * target, and a sine through the band sum keeps its level while it happens. */
START_TEST(glide_is_smooth)
{
	const double rate = 48000;
	const float from[1] = { 500 }, to[1] = { 2000 }; /* 2 octaves: the glide takes the ramp as given */
	crossover xo;
	crossover_init(&xo, rate, 2, 4, from);
	const int n = 48000, ramp = 1440; /* 30 ms */
	float *x = calloc(n, sizeof(float)), *lo = calloc(n, sizeof(float)), *hi = calloc(n, sizeof(float));
	for (int i = 0; i < n; i++)
		x[i] = (float)sin(2 * M_PI * 1000.0 * i / rate);
	float *bands[XO_MAX_BANDS] = { lo, hi, NULL, NULL };
	split_run(&xo, 0, x, bands, 24000); /* settle */
	crossover_set_freqs(&xo, to, ramp);
	/* log-linear: half way (in samples) is the geometric mean */
	crossover_advance(&xo, ramp / 2);
	ck_assert(fabsf(crossover_freq(&xo, 0) - 1000.0f) < 1.0f);
	crossover_init(&xo, rate, 2, 4, from);
	split_run(&xo, 0, x, bands, 24000);
	crossover_set_freqs(&xo, to, ramp);
	int updates = 0;
	float last = crossover_freq(&xo, 0), peak = 0;
	for (int done = 24000; done < n; done += XO_CHUNK) {
		float *b[XO_MAX_BANDS] = { lo + done, hi + done, NULL, NULL };
		crossover_advance(&xo, XO_CHUNK);
		if (crossover_freq(&xo, 0) != last)
			updates++;
		ck_assert(crossover_freq(&xo, 0) >= last);
		last = crossover_freq(&xo, 0);
		crossover_split(&xo, 0, x + done, b, XO_CHUNK);
		for (int i = 0; i < XO_CHUNK; i++) {
			float s = fabsf(lo[done + i] + hi[done + i]);
			peak = s > peak ? s : peak;
		}
	}
	ck_assert_int_eq(updates, ramp / XO_CHUNK);
	ck_assert_float_eq(crossover_freq(&xo, 0), 2000);
	double peak_db = 20 * log10(peak);
	printf("crossover: 500->2000 Hz glide in 30 ms, 1 kHz sine through the sum peaks at %+.3f dB\n", peak_db);
	ck_assert(fabs(peak_db) < 0.5);
	/* settled again: level exact (RMS over 100 whole cycles; a sine's RMS is 1/sqrt2) */
	double ms = 0;
	for (int i = n - 4800; i < n; i++)
		ms += (double)(lo[i] + hi[i]) * (lo[i] + hi[i]);
	double settled_db = 10 * log10(2 * ms / 4800);
	ck_assert_msg(fabs(settled_db) < 0.01, "settled level %.4f dB", settled_db);
	free(x);
	free(lo);
	free(hi);
}
END_TEST

/* The worst glide there is: the whole range downward, through a low sine. */
START_TEST(long_glide_is_bounded)
{
	const double rate = 48000;
	const float from[1] = { 20000 }, to[1] = { 20 };
	crossover xo;
	crossover_init(&xo, rate, 2, 4, from);
	const int n = 96000;
	float *x = calloc(n, sizeof(float)), *lo = calloc(n, sizeof(float)), *hi = calloc(n, sizeof(float));
	for (int i = 0; i < n; i++)
		x[i] = (float)sin(2 * M_PI * 100.0 * i / rate);
	float *bands[XO_MAX_BANDS] = { lo, hi, NULL, NULL };
	split_run(&xo, 0, x, bands, 38400);
	crossover_set_freqs(&xo, to, 1440);
	float *tail[XO_MAX_BANDS] = { lo + 38400, hi + 38400, NULL, NULL };
	split_run(&xo, 0, x + 38400, tail, n - 38400);
	float peak = 0;
	for (int i = 24000; i < n; i++)
		peak = fmaxf(peak, fabsf(lo[i] + hi[i]));
	printf("crossover: 20 kHz -> 20 Hz glide, 100 Hz sine through the sum peaks at %+.3f dB\n", 20 * log10(peak));
	ck_assert(20 * log10(peak) < 2.5);
	ck_assert_float_eq(crossover_freq(&xo, 0), 20);
	free(x);
	free(lo);
	free(hi);
}
END_TEST

/* crossover_allpass() is the band sum; remixed state continues as if the other basis had been used from the start. */
START_TEST(allpass_and_remix)
{
	const double rate = 44100;
	const float hz[3] = { 90, 900, 9000 };
	const int n = 8192, half = 4096;
	crossover a, ref;
	crossover_init(&a, rate, 4, 4, hz);
	crossover_init(&ref, rate, 4, 4, hz);
	float *l = calloc(n, sizeof(float)), *r = calloc(n, sizeof(float)), *m = calloc(n, sizeof(float));
	float *bl[4], *br[4], *bm[4];
	for (int k = 0; k < 4; k++) {
		bl[k] = calloc(n, sizeof(float));
		br[k] = calloc(n, sizeof(float));
		bm[k] = calloc(n, sizeof(float));
	}
	unsigned seed = 1;
	for (int i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		l[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
		r[i] = (float)(0.3 * sin(i * 0.01) + 0.2 * l[i]);
		m[i] = 0.5f * (l[i] + r[i]);
	}
	/* all-pass path == sum of bands */
	float *ap = calloc(n, sizeof(float));
	memcpy(ap, l, n * sizeof(float));
	crossover_allpass(&a, 0, ap, n);
	split_run(&a, 0, l, bl, n);
	double worst = 0;
	for (int i = 0; i < n; i++)
		worst = fmax(worst, fabs(ap[i] - (bl[0][i] + bl[1][i] + bl[2][i] + bl[3][i])));
	ck_assert_msg(worst < 1e-5, "allpass vs band sum %.2e", worst);

	/* L/R for half, then remix state into M/S and continue with M on channel 0 */
	crossover_init(&a, rate, 4, 4, hz);
	split_run(&a, 0, l, bl, half);
	split_run(&a, 1, r, br, half);
	crossover_remix_state(&a, 0.5, 0.5, 0.5, -0.5);
	float *tail[4] = { bl[0] + half, bl[1] + half, bl[2] + half, bl[3] + half };
	split_run(&a, 0, m + half, tail, n - half);
	split_run(&ref, 0, m, bm, n);
	worst = 0;
	for (int k = 0; k < 4; k++)
		for (int i = half; i < n; i++)
			worst = fmax(worst, fabs(bl[k][i] - bm[k][i]));
	ck_assert_msg(worst < 1e-5, "remixed state differs by %.2e", worst);
	for (int k = 0; k < 4; k++) {
		free(bl[k]);
		free(br[k]);
		free(bm[k]);
	}
	free(l);
	free(r);
	free(m);
	free(ap);
}
END_TEST

/* crossover_split2 (both channels in vector lanes) is crossover_split run per channel, bit for bit,
 * for LR4 and LR8, 1-4 bands, across a frequency glide. */
START_TEST(split2_matches_split)
{
	const unsigned n = 4800, chunk = XO_CHUNK;
	float *x0 = malloc(n * sizeof(float)), *x1 = malloc(n * sizeof(float));
	unsigned seed = 3;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		x0[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
		x1[i] = (float)(0.3 * sin(i * 0.02)) - 0.5f * x0[i];
	}
	for (int order = 4; order <= 8; order += 4)
		for (int bands = 1; bands <= XO_MAX_BANDS; bands++) {
			const float hz[XO_MAX_SPLITS] = { 150, 1200, 5000 }, hz2[XO_MAX_SPLITS] = { 90, 3000, 12000 };
			crossover a, b;
			crossover_init(&a, 48000, bands, order, hz);
			crossover_init(&b, 48000, bands, order, hz);
			crossover_set_freqs(&a, hz2, 2400);
			crossover_set_freqs(&b, hz2, 2400);
			float ba[2][XO_MAX_BANDS][XO_CHUNK], bb[2][XO_MAX_BANDS][XO_CHUNK];
			for (unsigned done = 0; done < n; done += chunk) {
				float *pa0[XO_MAX_BANDS], *pa1[XO_MAX_BANDS], *pb0[XO_MAX_BANDS], *pb1[XO_MAX_BANDS];
				for (int k = 0; k < XO_MAX_BANDS; k++) {
					pa0[k] = ba[0][k];
					pa1[k] = ba[1][k];
					pb0[k] = bb[0][k];
					pb1[k] = bb[1][k];
				}
				crossover_advance(&a, chunk);
				crossover_advance(&b, chunk);
				crossover_split(&a, 0, x0 + done, pa0, chunk);
				crossover_split(&a, 1, x1 + done, pa1, chunk);
				crossover_split2(&b, x0 + done, x1 + done, pb0, pb1, chunk);
				for (int ch = 0; ch < 2; ch++)
					for (int k = 0; k < bands; k++)
						ck_assert_msg(memcmp(ba[ch][k], bb[ch][k], chunk * sizeof(float)) == 0,
						              "order %d bands %d ch %d band %d differs at %u", order, bands, ch, k, done);
			}
		}
	free(x0);
	free(x1);
}
END_TEST

/* crossover_split_allpass: the bands are crossover_split's bit for bit; the all-pass buffer is
 * crossover_allpass's (bit for bit for LR4, where the sections run in the same order; within
 * float rounding for LR8, whose two all-pass sections run in the other order). */
START_TEST(split_allpass_matches_split_then_allpass)
{
	const unsigned n = 4800, chunk = XO_CHUNK;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	unsigned seed = 5;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		x[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
		y[i] = (float)(0.4 * sin(i * 0.013)) + 0.3f * x[i];
	}
	for (int order = 4; order <= 8; order += 4)
		for (int bands = 1; bands <= XO_MAX_BANDS; bands++) {
			const float hz[XO_MAX_SPLITS] = { 150, 1200, 5000 }, hz2[XO_MAX_SPLITS] = { 90, 3000, 12000 };
			crossover a, b;
			crossover_init(&a, 44100, bands, order, hz);
			crossover_init(&b, 44100, bands, order, hz);
			crossover_set_freqs(&a, hz2, 2400);
			crossover_set_freqs(&b, hz2, 2400);
			float ba[XO_MAX_BANDS][XO_CHUNK], bb[XO_MAX_BANDS][XO_CHUNK], apa[XO_CHUNK], apb[XO_CHUNK];
			double worst = 0;
			for (unsigned done = 0; done < n; done += chunk) {
				float *pa[XO_MAX_BANDS], *pb[XO_MAX_BANDS];
				for (int k = 0; k < XO_MAX_BANDS; k++) {
					pa[k] = ba[k];
					pb[k] = bb[k];
				}
				memcpy(apa, y + done, sizeof apa);
				memcpy(apb, y + done, sizeof apb);
				crossover_advance(&a, chunk);
				crossover_advance(&b, chunk);
				crossover_split(&a, 1, x + done, pa, chunk);
				crossover_allpass(&a, 1, apa, chunk);
				crossover_split_allpass(&b, 1, x + done, pb, apb, chunk);
				for (int k = 0; k < bands; k++)
					ck_assert_msg(memcmp(ba[k], bb[k], chunk * sizeof(float)) == 0, "order %d bands %d band %d differs at %u", order,
					              bands, k, done);
				for (unsigned i = 0; i < chunk; i++) {
					double d = fabs((double)apa[i] - apb[i]);
					worst = d > worst ? d : worst;
				}
			}
			if (order == 4)
				ck_assert_msg(worst == 0, "LR4 bands %d: all-pass differs by %g", bands, worst);
			else
				ck_assert_msg(worst < 1e-5, "LR8 bands %d: all-pass differs by %g", bands, worst);
		}
	free(x);
	free(y);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crossover");
	TCase *tc = suite_add_case(s, "core", 60, NULL, NULL);
	tcase_add_test(tc, sum_is_flat);
	tcase_add_test(tc, band_shapes_match_lr4);
	tcase_add_test(tc, lr8_shape);
	tcase_add_test(tc, order_and_limits);
	tcase_add_test(tc, glide_is_smooth);
	tcase_add_test(tc, long_glide_is_bounded);
	tcase_add_test(tc, allpass_and_remix);
	tcase_add_test(tc, split2_matches_split);
	tcase_add_test(tc, split_allpass_matches_split_then_allpass);
	return run_suite(s);
}
