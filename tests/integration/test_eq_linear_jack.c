/* Integration: the linear-phase EQ on a real private jackd (dummy backend)
 * and a real `lathe headless`, switched over real UDP OSC.  The latency JACK
 * reports on lathe's ports follows /eq/phase and /eq/resolution, and an
 * impulse played through the ports comes out exactly that much later (the
 * takes run in freewheel: no xrun can shift them). */
#include <check.h>
#include <lo/lo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/params.h"
#include "engine/dsp/eq.h"
#include "engine/dsp/eq_linear.h"
#include "tests/support/fixture.h"
#include "tests/support/check_main.h"

static fixture fx;
static int osc_port;

static void setup(void)
{
	memset(&fx, 0, sizeof fx);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
	osc_port = 21000 + getpid() % 20000;
}

static void teardown(void)
{
	fx_lathe_stop(&fx);
	fx_jackd_stop(&fx, SIGTERM);
}

/* The capture latency JACK reports on lt:out_L (min of the range), -1 if none. */
static int port_latency(void)
{
	char *out = fx_run("jack_lsp -l lt:out_L");
	int lo = -1, hi = -1;
	const char *at = out ? strstr(out, "port capture latency = [") : NULL;
	if (at)
		sscanf(at, "port capture latency = [ %d %d ]", &lo, &hi);
	free(out);
	return lo == hi ? lo : -1;
}

/* Polls until the port latency is want (up to FX_DEADLINE_MS); the ms it took or -1. */
static int wait_latency(int want)
{
	for (int t = 0; t < FX_DEADLINE_MS; t += 20) {
		if (port_latency() == want)
			return t;
		usleep(20000);
	}
	return -1;
}

static void osc_set(const char *path, float v)
{
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port);
	lo_address a = lo_address_new("127.0.0.1", port);
	ck_assert_int_ge(lo_send(a, path, "f", v), 0);
	lo_address_free(a);
}

/* Frames from an impulse played into lt:in_L/R to its peak at lt:out_L/R.
 * The player lives only for the take: connected both ways it closes a loop
 * (player -> lathe -> player) over which JACK, for a client without a latency
 * callback, adds the latencies up again at every recomputation. */
static long impulse_delay(void)
{
	fx_client *c = fx_client_new("player", "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R");
	ck_assert_ptr_nonnull(c);
	fx_client_offline(c, 1);
	const size_t n = 48000 * 2, at = 4800;
	float *pl = calloc(n, sizeof(float)), *pr = calloc(n, sizeof(float));
	float *rl = calloc(n, sizeof(float)), *rr = calloc(n, sizeof(float));
	pl[at] = pr[at] = 0.5f;
	ck_assert_int_eq(fx_client_run(c, pl, pr, n, rl, rr, n), 0);
	size_t best = 0;
	for (size_t i = 0; i < n; i++)
		if (fabsf(rl[i]) > fabsf(rl[best]))
			best = i;
	float peak = rl[best];
	free(pl);
	free(pr);
	free(rl);
	free(rr);
	fx_client_free(c);
	ck_assert_float_gt(peak, 0.45f);
	return (long)best - (long)at;
}

START_TEST(latency_follows_phase_and_impulse_agrees)
{
	char port[16];
	snprintf(port, sizeof port, "%d", osc_port);
	const char *const args[] = { "--osc-port", port, NULL };
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", args), 0);
	int lat0 = 0;
	for (int t = 0; lat0 <= 0 && t < FX_DEADLINE_MS; t += 50) { /* lathe logs it once connected */
		lat0 = fx_logged_latency(&fx, 0);
		if (lat0 <= 0)
			usleep(50000);
	}
	ck_assert_int_gt(lat0, 0);
	ck_assert_int_ge(wait_latency(lat0), 0);
	long d0 = impulse_delay();
	/* the loop player -> lathe -> player: JACK may add one period where it breaks the cycle */
	long loop = d0 - lat0;
	fflush(stdout);
	printf("minimum phase: JACK reports %d frames, impulse delayed %ld (loop adds %ld)\n", lat0, d0, loop);
	ck_assert(loop == 0 || loop == 256);

	eq *m = eq_new(48000, 256);
	int eq_min = (int)eq_latency(m);
	eq_free(m);
	const int res[] = { EQ_RES_HIGH, EQ_RES_LOW, EQ_RES_MAX };
	osc_set("/eq/phase", EQ_PHASE_LINEAR);
	for (int i = 0; i < 3; i++) {
		osc_set("/eq/resolution", (float)res[i]);
		int want = lat0 - eq_min + (int)eq_linear_res_latency(res[i]);
		int ms = wait_latency(want);
		fflush(stdout);
		printf("linear, resolution %d: JACK reports %d frames after %d ms (want %d)\n", res[i], port_latency(), ms, want);
		ck_assert_int_ge(ms, 0);
		usleep(1000000); /* the crossfades onto the FIR take 0.1-0.4 s after the latency changed */
		long d = impulse_delay();
		printf("  impulse delayed %ld frames = reported + %ld\n", d, d - want);
		ck_assert_int_eq(d - want, loop);
	}
	osc_set("/eq/phase", EQ_PHASE_MINIMUM);
	int ms = wait_latency(lat0);
	printf("minimum again: JACK reports %d frames after %d ms\n", port_latency(), ms);
	ck_assert_int_ge(ms, 0);
	usleep(300000);
	ck_assert_int_eq(impulse_delay() - lat0, loop);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eq_linear_jack");
	TCase *tc = suite_add_case(s, "jack", 240, setup, teardown);
	tcase_add_test(tc, latency_follows_phase_and_impulse_agrees);
	return run_suite(s);
}
