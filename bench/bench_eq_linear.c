/* make bench: the linear-phase EQ's cost per resolution, against minimum phase.
 * RT cost: CPU time of the processing thread (CLOCK_THREAD_CPUTIME_ID; the
 * designer thread is not counted) over 20 s of stereo at 48 kHz, as a
 * real-time factor and as % of one core.  Design cost: wall time from a
 * band change to the new kernel being published (the designer thread). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/params.h"
#include "engine/dsp/eq.h"
#include "engine/dsp/eq_linear.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void curve(lathe_params *p)
{
	const char *sets[] = {
		"/eq/1/type=low_cut", "/eq/1/freq=25", "/eq/1/slope=24", "/eq/2/gain=2", "/eq/3/gain=-1.5", "/eq/4/gain=1",
		"/eq/5/gain=-2", "/eq/6/gain=1.5", "/eq/7/type=high_shelf", "/eq/7/gain=2", "/eq/8/channel=side", "/eq/8/gain=1",
	};
	char err[200];
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (param_set_assignment(p, sets[i], err, sizeof err) < 0)
			fprintf(stderr, "bench: %s\n", err);
}

int main(void)
{
	engine_flush_denormals();
	params_init();
	const double rate = 48000;
	const size_t n = (size_t)(20 * rate);
	float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
	unsigned s = 1;
	for (size_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		l[i] = (float)(((double)(s >> 8) / 16777216.0 * 2 - 1) * 0.2 + 0.3 * sin(2 * M_PI * 55 * i / rate));
		r[i] = l[i] * 0.8f;
	}
	const unsigned blocks[] = { 64, 256 };
	printf("eq_linear at 48 kHz, stereo, 8 bands (one on side: four FIR paths)\n");
	printf("%-8s %6s %8s %9s %6s %9s %9s %10s\n", "mode", "taps", "latency", "ms", "block", "RT x", "% core", "design ms");
	for (int res = -1; res < 4; res++) {
		for (int bi = 0; bi < 2; bi++) {
			unsigned block = blocks[bi];
			lathe_params *p = params_new();
			curve(p);
			if (res >= 0) {
				param_set(p, P_EQ_PHASE, EQ_PHASE_LINEAR, NULL);
				param_set(p, P_EQ_RESOLUTION, (float)res, NULL);
			}
			eq *m = eq_new(rate, block);
			eq_linear *e = eq_linear_new(p, rate, block, eq_latency(m));
			float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
			memcpy(x, l, n * sizeof(float));
			memcpy(y, r, n * sizeof(float));
			double t0 = cpu_now();
			for (size_t done = 0; done + block <= n; done += block) {
				eq_update(m, p);
				eq_linear_process(e, m, x + done, y + done, block);
			}
			double t = cpu_now() - t0, rtf = (n / rate) / t;
			double design = 0;
			if (res >= 0 && bi == 0) {
				/* a band moved: time until the designer has published the new kernel */
				eq_linear_wait(e, 10000);
				param_set(p, P_EQ_GAIN + 2, -2.5f, NULL);
				double w0 = wall_now();
				eq_linear_wait(e, 10000);
				design = (wall_now() - w0) * 1000;
			}
			char dbuf[16] = "-";
			if (design > 0)
				snprintf(dbuf, sizeof dbuf, "%.1f", design);
			printf("%-8s %6u %8u %9.1f %6u %8.0fx %8.2f%% %10s\n", res < 0 ? "minimum" : (const char *[]){ "low", "medium", "high", "max" }[res],
			       res < 0 ? 0 : eq_linear_taps(res), eq_linear_latency(e), eq_linear_latency(e) * 1000.0 / rate, block, rtf,
			       100.0 / rtf, dbuf);
			free(x);
			free(y);
			eq_linear_free(e);
			eq_free(m);
			params_free(p);
		}
	}
	free(l);
	free(r);
	return 0;
}
