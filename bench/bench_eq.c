/* make bench: the cost of the EQ's dynamic bands.  Real-time factor (seconds
 * of audio per second of thread CPU time) of the EQ alone, stereo, 48 kHz,
 * blocks of 64 frames, on 20 s of a "mix" whose level swells at 3 Hz (so a
 * dynamic band's gain keeps moving):
 *   8 static bands; the same with one band dynamic at rest (threshold above
 *   the signal: no gain change, but the band leaves the vector steady path);
 *   one band moving; seven bands moving. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/params.h"
#include "engine/dsp/eq.h"

#define RATE 48000.0
#define BLOCK 64
#define SECONDS 20

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill_mix(float *l, float *r, size_t n)
{
	unsigned s = 7;
	for (size_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		double nz = ((double)(s >> 8) / 16777216.0 * 2 - 1) * 0.25;
		double t = i / RATE, swell = 0.55 + 0.45 * sin(2 * M_PI * 3 * t);
		double tones = 0.3 * sin(2 * M_PI * 60 * t) + 0.2 * sin(2 * M_PI * 440 * t) + 0.1 * sin(2 * M_PI * 3300 * t);
		l[i] = (float)(swell * (tones + nz));
		r[i] = (float)(swell * (0.9 * tones - 0.7 * nz));
	}
}

/* Fraction of blocks in which band 4's live gain changed, last run. */
static double moving;

static double run(lathe_params *p, const float *l0, const float *r0, float *l, float *r, size_t n, float live[EQ_BANDS][2])
{
	float prev = NAN;
	size_t changed = 0, blocks = 0;
	eq *e = eq_new(RATE, BLOCK);
	memcpy(l, l0, n * sizeof *l);
	memcpy(r, r0, n * sizeof *r);
	for (int b = 0; b < EQ_BANDS; b++)
		live[b][0] = 1e9f, live[b][1] = -1e9f;
	double cpu = 0;
	for (size_t done = 0; done + BLOCK <= n; done += BLOCK) {
		double t0 = cpu_now();
		eq_update(e, p);
		eq_process(e, l + done, r + done, BLOCK);
		cpu += cpu_now() - t0;
		float g[EQ_BANDS];
		eq_live_gain_db(e, g);
		changed += g[3] != prev;
		blocks++;
		prev = g[3];
		for (int b = 0; b < EQ_BANDS; b++) {
			live[b][0] = g[b] < live[b][0] ? g[b] : live[b][0];
			live[b][1] = g[b] > live[b][1] ? g[b] : live[b][1];
		}
	}
	eq_free(e);
	moving = (double)changed / (double)blocks;
	return (n / RATE) / cpu;
}

static void set(lathe_params *p, const char *a)
{
	char err[200];
	if (param_set_assignment(p, a, err, sizeof err) < 0)
		fprintf(stderr, "bench_eq: %s\n", err);
}

static void dynamic(lathe_params *p, int band, float threshold)
{
	char a[64];
	snprintf(a, sizeof a, "/eq/%d/dynamic=on", band);
	set(p, a);
	snprintf(a, sizeof a, "/eq/%d/threshold=%g", band, threshold);
	set(p, a);
	snprintf(a, sizeof a, "/eq/%d/range=-12", band);
	set(p, a);
	snprintf(a, sizeof a, "/eq/%d/ratio=3", band);
	set(p, a);
	snprintf(a, sizeof a, "/eq/%d/attack=5", band);
	set(p, a);
	snprintf(a, sizeof a, "/eq/%d/release=60", band);
	set(p, a);
}

int main(void)
{
	engine_flush_denormals();
	params_init();
	size_t n = (size_t)(RATE * SECONDS);
	float *l0 = malloc(n * sizeof *l0), *r0 = malloc(n * sizeof *r0), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
	if (!l0 || !r0 || !l || !r)
		return 1;
	fill_mix(l0, r0, n);
	lathe_params *p = params_new();
	static const float gains[EQ_BANDS] = { 2, -1.5f, 1, -2, 1.5f, 2, -1, 1 };
	for (int b = 0; b < EQ_BANDS; b++) {
		char a[64];
		snprintf(a, sizeof a, "/eq/%d/gain=%g", b + 1, gains[b]);
		set(p, a);
	}
	float live[EQ_BANDS][2];
	double st = run(p, l0, r0, l, r, n, live);
	printf("bench_eq: 48 kHz, %d frames: 8 static bands %.0fx real time\n", BLOCK, st);
	dynamic(p, 4, 0);
	double rest = run(p, l0, r0, l, r, n, live);
	printf("bench_eq: 1 dynamic band at rest (threshold 0 dB) %.0fx (gain %.2f..%.2f dB, moving in %.0f %% of the blocks)\n",
	       rest, live[3][0], live[3][1], 100 * moving);
	dynamic(p, 4, -30);
	double one = run(p, l0, r0, l, r, n, live);
	printf("bench_eq: 1 dynamic band moving %.0fx (gain %.2f..%.2f dB, moving in %.0f %% of the blocks)\n", one,
	       live[3][0], live[3][1], 100 * moving);
	for (int b = 1; b <= 7; b++)
		dynamic(p, b, -30);
	double seven = run(p, l0, r0, l, r, n, live);
	printf("bench_eq: 7 dynamic bands moving %.0fx (band 1 gain %.2f..%.2f dB, band 7 %.2f..%.2f dB, band 4 moving in %.0f %% "
	       "of the blocks)\n", seven, live[0][0], live[0][1], live[6][0], live[6][1], 100 * moving);
	params_free(p);
	free(l0);
	free(r0);
	free(l);
	free(r);
	return 0;
}
