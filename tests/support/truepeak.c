/* lathe tests — the reference true-peak measurement (see truepeak.h).
 *
 * Kernel: s(t) = sinc(t) w(t / C), w the Kaiser window with beta = 0.1102 (A - 8.7) for
 * A = 150 dB (Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed., eq. 7.62),
 * C = 2048 base samples each side.  Sampled on the 16x grid it is an interpolation filter
 * of K = 16 * 2C + 1 taps whose every 16th tap is the unit impulse (s(k) = [k == 0]), so
 * the input samples pass through exactly.  Transition width by Kaiser's formula (eq. 7.63):
 * dw = (A - 7.95) / (2.285 (K - 1)) = 9.5e-4 rad per 16x sample, i.e. 0.0024 fs centred
 * on fs/2: passband to 0.4988 fs, stopband from 0.5012 fs.
 *
 * Convolution: the input zero-stuffed to 16x, overlap-add with FFTs of NF = 2^18 points
 * (segments of L = NF - K + 1 = 12288 x 16 samples), double precision throughout. */
#include "truepeak.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UP 16
#define HALF 2048                      /* C: kernel support each side, base samples */
#define K_TAPS (UP * 2 * HALF + 1)     /* 65537 */
#define NF (1 << 18)                   /* FFT length at 16x */
#define SEG (NF - K_TAPS + 1)          /* 196608 = 12288 x 16: new 16x samples per segment */
#define ATTEN_DB 150.0

static double *kern_time;              /* FFT work buffer, NF real */
static fftw_complex *kern_spec;        /* spectrum of the kernel, NF/2 + 1 */
static fftw_complex *work_spec;
static fftw_plan plan_fwd, plan_inv;

static double bessel_i0(double x)
{
	double sum = 1, term = 1, q = x * x / 4;
	for (int k = 1; k < 500; k++) {
		term *= q / ((double)k * k);
		sum += term;
		if (term < sum * 1e-18)
			break;
	}
	return sum;
}

static void setup(void)
{
	if (kern_spec)
		return;
	kern_time = fftw_malloc(sizeof(double) * NF);
	kern_spec = fftw_malloc(sizeof(fftw_complex) * (NF / 2 + 1));
	work_spec = fftw_malloc(sizeof(fftw_complex) * (NF / 2 + 1));
	if (!kern_time || !kern_spec || !work_spec)
		abort();
	plan_fwd = fftw_plan_dft_r2c_1d(NF, kern_time, work_spec, FFTW_ESTIMATE);
	plan_inv = fftw_plan_dft_c2r_1d(NF, work_spec, kern_time, FFTW_ESTIMATE);
	const double beta = 0.1102 * (ATTEN_DB - 8.7), i0b = bessel_i0(beta);
	memset(kern_time, 0, sizeof(double) * NF);
	for (int j = 0; j < K_TAPS; j++) {
		int m = j - UP * HALF;            /* 16x samples from the centre */
		double t = (double)m / UP;        /* base samples */
		double sinc = m == 0 ? 1.0 : sin(M_PI * t) / (M_PI * t);
		double r = (double)m / (UP * HALF);
		kern_time[j] = sinc * bessel_i0(beta * sqrt(fmax(0.0, 1 - r * r))) / i0b;
	}
	fftw_execute(plan_fwd);
	/* the inverse FFT is unnormalised: fold 1 / NF into the kernel */
	for (int i = 0; i <= NF / 2; i++) {
		kern_spec[i][0] = work_spec[i][0] / NF;
		kern_spec[i][1] = work_spec[i][1] / NF;
	}
}

/* Running maximum of |y| over a stream of 16x samples, each local maximum refined by the
 * vertex of the parabola through it and its two neighbours. */
typedef struct {
	double a, b;   /* the previous two |y| */
	double peak;
} peak_finder;

static void peak_push(peak_finder *pf, const double *y, size_t m)
{
	double a = pf->a, b = pf->b, peak = pf->peak;
	for (size_t i = 0; i < m; i++) {
		double c = fabs(y[i]);
		if (b >= a && b >= c) {
			double den = 2 * b - a - c;
			double v = den > 0 ? b + (a - c) * (a - c) / (8 * den) : b;
			peak = v > peak ? v : peak;
		}
		peak = c > peak ? c : peak;
		a = b;
		b = c;
	}
	pf->a = a, pf->b = b, pf->peak = peak;
}

double tp_ideal_linear_stride(const float *x, size_t n, size_t stride)
{
	setup();
	/* acc: the overlap-add accumulator; its first SEG samples are final after each segment */
	double *acc = calloc(NF, sizeof(double));
	if (!acc)
		abort();
	peak_finder pf = { 0, 0, 0 };
	const size_t seg_base = SEG / UP;
	for (size_t pos = 0; pos < n; pos += seg_base) {
		size_t len = n - pos < seg_base ? n - pos : seg_base;
		memset(kern_time, 0, sizeof(double) * NF);
		for (size_t i = 0; i < len; i++)
			kern_time[i * UP] = x[(pos + i) * stride];
		fftw_execute(plan_fwd);
		for (int i = 0; i <= NF / 2; i++) {
			double re = work_spec[i][0] * kern_spec[i][0] - work_spec[i][1] * kern_spec[i][1];
			double im = work_spec[i][0] * kern_spec[i][1] + work_spec[i][1] * kern_spec[i][0];
			work_spec[i][0] = re;
			work_spec[i][1] = im;
		}
		fftw_execute(plan_inv);
		for (int i = 0; i < NF; i++)
			acc[i] += kern_time[i];
		peak_push(&pf, acc, SEG);
		memmove(acc, acc + SEG, sizeof(double) * (NF - SEG));
		memset(acc + (NF - SEG), 0, sizeof(double) * SEG);
	}
	/* the tail: the last K - 1 samples of the full convolution, then one zero so a maximum
	 * on the very last sample is refined too */
	acc[K_TAPS - 1] = 0;
	peak_push(&pf, acc, K_TAPS);
	free(acc);
	return pf.peak;
}

double tp_ideal_linear(const float *x, size_t n) { return tp_ideal_linear_stride(x, n, 1); }

double tp_ideal_dbtp(const float *x, size_t n)
{
	double p = tp_ideal_linear(x, n);
	return p > 0 ? 20 * log10(p) : -INFINITY;
}
