/* make bench: real-time factor of each module and of the whole chain, every
 * module active, stereo, at 44.1/48/96 kHz and blocks of 64 and 256 frames.
 * Real-time factor = seconds of audio processed per second of CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so other load on the machine counts less). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/params.h"
#include "engine/modules.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Every module doing real work: the settings a loud modern master uses. */
static void activate_all(lathe_params *p)
{
	const char *sets[] = {
		"/eq/1/type=low_cut", "/eq/1/freq=25", "/eq/1/slope=24", "/eq/2/gain=2", "/eq/3/gain=-1.5", "/eq/4/gain=1",
		"/eq/5/gain=-2", "/eq/6/gain=1.5", "/eq/7/type=high_shelf", "/eq/7/gain=2", "/eq/8/channel=side", "/eq/8/gain=1",
		"/mb/bypass=0", "/mb/bands=4", "/mb/1/threshold=-24", "/mb/2/threshold=-24", "/mb/3/threshold=-24", "/mb/4/threshold=-24",
		"/imager/width=115", "/imager/2/width=130", "/imager/mono_below=120",
		"/saturate/bypass=0", "/saturate/drive=6", "/saturate/oversampling=4x",
		"/limiter/gain=8", "/dither/bypass=0", "/dither/shape=lipshitz",
	};
	char err[200];
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (param_set_assignment(p, sets[i], err, sizeof err) < 0)
			fprintf(stderr, "bench: %s\n", err);
}

static void fill_music(float *l, float *r, size_t n, double rate)
{
	unsigned s = 1;
	for (size_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		double nz = ((double)(s >> 8) / 16777216.0 * 2 - 1) * 0.2;
		double t = i / rate;
		l[i] = (float)(0.4 * sin(2 * M_PI * 55 * t) * (0.5 + 0.5 * sin(2 * M_PI * 2 * t)) + nz);
		r[i] = (float)(0.4 * sin(2 * M_PI * 82.5 * t) + nz * 0.8);
	}
}

/* One stage of the chain alone (a LATHE_MOD_DSP row of engine/modules.c), through the
 * same ops the engine calls. */
static double bench_module(const lathe_module *mod, lathe_params *p, double rate, unsigned block, float *l, float *r, size_t n)
{
	void *m = mod->ops->create(rate, block);
	double t0 = cpu_now();
	for (size_t done = 0; done + block <= n; done += block) {
		mod->ops->update(m, p);
		mod->ops->process(m, l + done, r + done, block);
	}
	double t = cpu_now() - t0;
	mod->ops->destroy(m);
	return (n / rate) / t;
}

int main(void)
{
	engine_flush_denormals();
	lathe_params *p = params_new();
	activate_all(p);
	const double rates[] = { 44100, 48000, 96000 };
	const unsigned blocks[] = { 64, 256 };
	const double seconds = 20;
	printf("%-10s %7s %6s %10s\n", "module", "rate", "block", "realtime");
	for (int ri = 0; ri < 3; ri++) {
		double rate = rates[ri];
		size_t n = (size_t)(seconds * rate);
		float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
		float *ol = malloc(n * sizeof(float)), *or_ = malloc(n * sizeof(float));
		for (int bi = 0; bi < 2; bi++) {
			unsigned block = blocks[bi];
			for (int k = 0; k < lathe_module_count(); k++) {
				const lathe_module *mod = lathe_module_get(k);
				if (mod->kind != LATHE_MOD_DSP)
					continue;
				fill_music(l, r, n, rate);
				printf("%-10s %7.0f %6u %9.0fx\n", mod->id, rate, block, bench_module(mod, p, rate, block, l, r, n));
			}
			fill_music(l, r, n, rate);
			engine *e = engine_new(p, NULL, rate);
			double t0 = cpu_now();
			for (size_t done = 0; done + block <= n; done += block)
				engine_process(e, l + done, r + done, NULL, NULL, ol + done, or_ + done, NULL, NULL, block);
			double t = cpu_now() - t0;
			printf("%-10s %7.0f %6u %9.0fx   (latency %u frames)\n", "chain", rate, block, seconds / t, engine_latency(e));
			engine_free(e);
		}
		free(l);
		free(r);
		free(ol);
		free(or_);
	}
	params_free(p);
	return 0;
}
