/* lathe — shared DSP helpers (see dsp_util.h). */
#include "dsp_util.h"

#include <fftw3.h>
#include <pthread.h>

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

double db_to_lin_d(double db) { return pow(10.0, db / 20.0); }

float db_to_lin(float db) { return (float)db_to_lin_d((double)db); }

double lin_to_db(double x) { return 20.0 * log10(x); }

unsigned pow2_above(unsigned n)
{
	unsigned p = 1;
	while (p <= n)
		p <<= 1;
	return p;
}

#define DSP_ALIGN 64

void *dsp_calloc(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - DSP_ALIGN)
		return NULL;
	size_t bytes = (n + DSP_ALIGN - 1) / DSP_ALIGN * DSP_ALIGN; /* aligned_alloc wants a multiple */
	void *p = aligned_alloc(DSP_ALIGN, bytes);
	if (p)
		memset(p, 0, bytes); /* writes every page: no first-touch fault later in the RT thread */
	return p;
}

float *dsp_alloc_floats(size_t n)
{
	if (n > SIZE_MAX / sizeof(float))
		return NULL;
	return dsp_calloc((n ? n : 1) * sizeof(float));
}

/* FFTW's planner, fftwf_destroy_plan included, is not thread-safe (FFTW 3.3
 * manual, 5.4 "Thread safety"), and engines are built in parallel (lathe album
 * renders its tracks on every core; each engine plans its linear-phase EQ, in
 * float and in double, and its spectrum): two plans made at once corrupted the heap ("double free" in
 * fftwf_mkapiplan).  fftwf_make_planner_thread_safe (FFTW >= 3.3.5, in
 * libfftw3f_threads, and its double twin) puts FFTW's own lock around every planner call; call this
 * before planning.  Executing a plan needs no lock. */
static pthread_once_t fftw_once = PTHREAD_ONCE_INIT;
static void fftw_make_safe(void)
{
	fftwf_make_planner_thread_safe();
	fftw_make_planner_thread_safe(); /* the linear-phase EQ designs in double */
}
void dsp_fftw_thread_safe(void) { pthread_once(&fftw_once, fftw_make_safe); }
