/* A DAW exports through lathe with JACK in freewheel mode (jack_freewheel):
 * the graph runs as fast as it can, with no deadline.  The master must be
 * exactly what real time would give, every frame of it must reach the meters
 * (the export's loudness report), and freewheeling is no xrun.
 *
 * The reference is the input itself: with the factory chain and a signal
 * below the ceiling, lathe passes its input through unchanged but for the
 * chain's latency (DESIGN.md, "Defaults are neutral"), so the recorded master
 * must equal the played noise delayed by a constant, sample for sample. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

static fixture fx;

static void setup(void)
{
	memset(&fx, 0, sizeof fx);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
	const char *args[] = { "--no-osc", NULL };
	ck_assert_int_eq(fx_lathe_start(&fx, "fw", args), 0);
}

static void teardown(void)
{
	if (fx.lathe > 0)
		fx_lathe_stop(&fx);
	fx_jackd_stop(&fx, SIGTERM);
}

static int log_count(const char *what)
{
	FILE *f = fopen(fx.log, "r");
	if (!f)
		return 0;
	char line[512];
	int k = 0;
	while (fgets(line, sizeof line, f))
		k += strstr(line, what) != NULL;
	fclose(f);
	return k;
}

START_TEST(freewheel_export_is_exact_and_complete)
{
	const size_t n = 48000 * 40; /* 40 s: forty times the analysis ring */
	float *pl = malloc(n * sizeof *pl), *pr = malloc(n * sizeof *pr);
	float *rl = calloc(n, sizeof *rl), *rr = calloc(n, sizeof *rr);
	ck_assert(pl && pr && rl && rr);
	/* xorshift32 noise at -20 dBFS peak: far below the -1 dBTP ceiling */
	uint32_t x = 0x9e3779b9u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		pl[i] = 0.1f * ((float)(x >> 8) / 8388608.0f - 1.0f);
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		pr[i] = 0.1f * ((float)(x >> 8) / 8388608.0f - 1.0f);
	}
	fx_client *c = fx_client_new("fwrec", "fw:in_L", "fw:in_R", "fw:out_L", "fw:out_R");
	ck_assert_ptr_nonnull(c);
	int xruns_before = log_count("lathe: xruns:");
	char *o = fx_run("jack_freewheel y 2>&1");
	free(o);
	int rc = fx_client_run(c, pl, pr, n, rl, rr, n);
	o = fx_run("jack_freewheel n 2>&1");
	free(o);
	ck_assert_int_eq(rc, 0);

	/* the delay: where the first 64 played samples stand in the recording */
	size_t d = 0;
	int found = 0;
	for (; d < 8192 && !found; d++) {
		found = 1;
		for (size_t k = 0; k < 64 && found; k++)
			found = rl[d + k] == pl[k] && rr[d + k] == pr[k];
	}
	ck_assert_msg(found, "the played noise is not in the recorded master (first 8192 frames)");
	d--;
	size_t bad = 0, first_bad = 0;
	for (size_t i = 0; i + d < n; i++)
		if (rl[i + d] != pl[i] || rr[i + d] != pr[i]) {
			if (!bad)
				first_bad = i;
			bad++;
		}
	printf("  freewheel: %zu s of audio, delay %zu frames, %zu frames differ\n", n / 48000, d, bad);
	ck_assert_msg(bad == 0, "freewheeling, the master differs from the input at %zu frames (first at %zu)", bad, first_bad);

	fx_client_free(c);
	ck_assert_int_eq(fx_lathe_stop(&fx), 0);
	fx.lathe = 0;
	int xruns_after = log_count("lathe: xruns:");
	printf("  xrun reports during the export (informative): %d\n", xruns_after - xruns_before);
	ck_assert_msg(log_count("meters missed") == 0, "the analysis dropped frames of the export (see %s)", fx.log);
	free(pl), free(pr), free(rl), free(rr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("freewheel");
	TCase *t = suite_add_case(s, "freewheel", 180, setup, teardown);
	tcase_add_test(t, freewheel_export_is_exact_and_complete);
	return run_suite(s);
}
