/* make bench: real-time factor of the meters (engine/meter): the true-peak meter alone
 * (one channel) and a whole measuring point (stereo, loudness + peaks, as the analysis
 * thread and render/analyze reports run it), full-band noise in blocks of 256 frames at
 * 44.1/48/96 kHz.  Real-time factor = seconds of audio per second of thread CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/meter/measure.h"
#include "engine/meter/truepeak.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
	const unsigned rates[] = { 44100, 48000, 96000 };
	const double seconds = 20;
	printf("meter real-time factor (thread CPU), blocks of 256 frames, %.0f s of full-band noise\n", seconds);
	printf("| meter | 44.1k | 48k | 96k |\n| --- | --- | --- | --- |\n");
	double tp_rt[3], ms_rt[3];
	for (int r = 0; r < 3; r++) {
		size_t n = (size_t)(seconds * rates[r]);
		float *x = malloc(n * 2 * sizeof(float));
		if (!x)
			return 1;
		unsigned s = 12345;
		for (size_t i = 0; i < 2 * n; i++) {
			s ^= s << 13, s ^= s >> 17, s ^= s << 5;
			x[i] = 0.5f * ((float)s / 4294967296.0f * 2 - 1);
		}
		truepeak *t = truepeak_new(rates[r]);
		double t0 = cpu_now();
		float sink = 0;
		for (size_t pos = 0; pos < n; pos += 256)
			sink += truepeak_process(t, x + 2 * pos, (unsigned)(n - pos < 256 ? n - pos : 256), 2);
		tp_rt[r] = seconds / (cpu_now() - t0);
		truepeak_free(t);
		measure *m = measure_new(rates[r], 2, MEASURE_ALL);
		t0 = cpu_now();
		for (size_t pos = 0; pos < n; pos += 256)
			measure_add(m, x + 2 * pos, n - pos < 256 ? n - pos : 256, 2);
		ms_rt[r] = seconds / (cpu_now() - t0);
		measure_free(m);
		free(x);
		if (sink < 0)
			return 1;
	}
	printf("| truepeak (1 channel) | %.0fx | %.0fx | %.0fx |\n", tp_rt[0], tp_rt[1], tp_rt[2]);
	printf("| measure (stereo, all) | %.0fx | %.0fx | %.0fx |\n", ms_rt[0], ms_rt[1], ms_rt[2]);
	return 0;
}
