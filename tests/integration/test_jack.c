/* Integration: a real private jackd (dummy backend), a real `lathe headless`,
 * audio played through its ports and measured.  The measured takes run with
 * the server in freewheel (fx_client_offline): no xrun of a loaded machine
 * can touch them; waits poll up to FX_DEADLINE_MS. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/fixture.h"
#include "tests/support/check_main.h"

static fixture fx;

static void setup(void)
{
	memset(&fx, 0, sizeof fx);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
}

static void teardown(void)
{
	fx_lathe_stop(&fx);
	fx_jackd_stop(&fx, SIGTERM);
}

static const char *const no_osc[] = { "--no-osc", NULL };

START_TEST(eight_ports_exist)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	char *out = fx_run("jack_lsp lt");
	const char *want[] = { "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R", "lt:monitor_L", "lt:monitor_R", "lt:ref_L", "lt:ref_R" };
	for (int i = 0; i < 8; i++)
		ck_assert_msg(strstr(out, want[i]), "port %s missing in:\n%s", want[i], out);
	free(out);
}
END_TEST

START_TEST(latency_is_reported_to_jack)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	/* lathe logs the latency and JACK publishes it once its latency callback ran: poll */
	int lat = 0, ok = 0;
	char *out = NULL;
	char want[80];
	for (int t = 0; !ok && t < FX_DEADLINE_MS; t += 50) {
		lat = fx_logged_latency(&fx, 0);
		free(out);
		out = fx_run("jack_lsp -l lt:out_L");
		snprintf(want, sizeof want, "port capture latency = [ %d %d ]", lat, lat);
		ok = lat > 0 && strstr(out, want);
		if (!ok)
			usleep(50000);
	}
	ck_assert_msg(ok, "expected '%s' in:\n%s", want, out);
	free(out);
	out = fx_run("jack_lsp -l lt:in_L");
	snprintf(want, sizeof want, "port playback latency = [ %d %d ]", lat, lat);
	ck_assert_msg(strstr(out, want), "expected '%s' in:\n%s", want, out);
	free(out);
	printf("chain latency reported to JACK: %d frames\n", lat);
}
END_TEST

START_TEST(tone_passes_within_0_1_db)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	fx_client *c = fx_client_new("player", "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R");
	ck_assert_ptr_nonnull(c);
	fx_client_offline(c, 1);
	/* 1 kHz at -20 dBFS: a whole number of periods in the loop (48 samples) */
	double l, r;
	ck_assert_int_eq(fx_sine_measure(c, 48000, 48000, &l, &r), 0);
	printf("tone -20.00 dBFS in, out L %.3f dB, R %.3f dB\n", l, r);
	ck_assert_msg(fabs(l + 20) < 0.1 && fabs(r + 20) < 0.1, "out %.3f / %.3f dB, want -20 +-0.1", l, r);
	fx_client_free(c);
}
END_TEST

START_TEST(reconnects_after_server_restart)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	fx_client *c = fx_client_new("player", "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R");
	ck_assert_ptr_nonnull(c);
	/* lathe reads its connections back 300 ms after they last changed (engine/jack.c),
	 * from a thread that polls every 50 ms; nothing outside shows when it did */
	usleep(3000000);
	fx_jackd_stop(&fx, SIGKILL); /* a crash: every client loses the server at once */
	fx_client_free(c);
	usleep(500000);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
	/* the player comes back, as a DAW would after the restart */
	c = fx_client_new("player", NULL, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(c);
	fx_client_offline(c, 1);
	static const char *const pairs[] = { "lt:in_L", "player:out_L", "lt:in_R", "player:out_R", "lt:out_L", "player:in_L",
		"lt:out_R", "player:in_R", NULL };
	int ms = fx_wait_connected(pairs, FX_DEADLINE_MS);
	printf("reconnected with connections restored after %d ms\n", ms);
	ck_assert_msg(ms >= 0, "connections not restored within %d s", FX_DEADLINE_MS / 1000);
	/* and the audio path works again */
	double l;
	ck_assert_int_eq(fx_sine_measure(c, 48000, 24000, &l, NULL), 0);
	ck_assert(fabs(l + 20) < 0.1);
	fx_client_free(c);
}
END_TEST

START_TEST(connect_option_feeds_the_system_ports)
{
	static const char *const args[] = { "--no-osc", "--connect", NULL };
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", args), 0);
	static const char *const pairs[] = { "lt:monitor_L", "system:playback_1", "lt:monitor_R", "system:playback_2", NULL };
	ck_assert_msg(fx_wait_connected(pairs, FX_DEADLINE_MS) >= 0, "monitor outputs not connected to system:playback_1/2");
}
END_TEST

START_TEST(buffer_size_change_live)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	fx_client *c = fx_client_new("player", "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R");
	ck_assert_ptr_nonnull(c);
	fx_client_offline(c, 1);
	char *o = fx_run("jack_bufsize 1024 2>&1");
	free(o);
	usleep(300000);
	double l;
	ck_assert_int_eq(fx_sine_measure(c, 48000, 24000, &l, NULL), 0);
	printf("after jack_bufsize 1024: tone out %.3f dB\n", l);
	ck_assert(fabs(l + 20) < 0.1);
	o = fx_run("jack_bufsize 64 2>&1");
	free(o);
	usleep(300000);
	ck_assert_int_eq(fx_sine_measure(c, 48000, 24000, &l, NULL), 0);
	ck_assert(fabs(l + 20) < 0.1);
	fx_client_free(c);
}
END_TEST

START_TEST(server_restarted_at_another_rate)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	fx_jackd_stop(&fx, SIGTERM);
	ck_assert_int_eq(fx_jackd_start(&fx, 44100, 512), 0);
	ck_assert_int_eq(fx_wait_port("lt:out_L", FX_DEADLINE_MS), 0);
	ck_assert_msg(fx_wait_log(&fx, "at 44100 Hz", FX_DEADLINE_MS) == 0, "lathe did not say it runs at 44100 Hz");
	fx_client *c = fx_client_new("player", "lt:in_L", "lt:in_R", "lt:out_L", "lt:out_R");
	ck_assert_ptr_nonnull(c);
	fx_client_offline(c, 1);
	double l;
	ck_assert_int_eq(fx_sine_measure(c, 44100, 22050, &l, NULL), 0);
	printf("after a restart at 44.1 kHz: tone out %.3f dB\n", l);
	ck_assert(fabs(l + 20) < 0.1);
	fx_client_free(c);
}
END_TEST

START_TEST(clean_exit_on_sigterm)
{
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	ck_assert_int_eq(fx_lathe_stop(&fx), 0);
}
END_TEST

START_TEST(runs_without_a_server_and_joins_when_one_starts)
{
	fx_jackd_stop(&fx, SIGTERM);
	ck_assert_int_eq(fx_lathe_start(&fx, "lt", no_osc), 0);
	usleep(500000);
	ck_assert_int_eq(fx_jackd_start(&fx, 48000, 256), 0);
	ck_assert_int_eq(fx_wait_port("lt:out_L", FX_DEADLINE_MS), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jack");
	TCase *tc = suite_add_case(s, "jack", 60, setup, teardown);
	tcase_add_test(tc, eight_ports_exist);
	tcase_add_test(tc, latency_is_reported_to_jack);
	tcase_add_test(tc, tone_passes_within_0_1_db);
	tcase_add_test(tc, reconnects_after_server_restart);
	tcase_add_test(tc, connect_option_feeds_the_system_ports);
	tcase_add_test(tc, buffer_size_change_live);
	tcase_add_test(tc, server_restarted_at_another_rate);
	tcase_add_test(tc, clean_exit_on_sigterm);
	tcase_add_test(tc, runs_without_a_server_and_joins_when_one_starts);
	return run_suite(s);
}
