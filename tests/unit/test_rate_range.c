/* The supported rates (engine.h, ENGINE_RATE_MIN..MAX) hold at both ends:
 * the chain is neutral with its defaults, every module acts and stays finite
 * with hard settings (an EQ band asked for above Nyquist included), and the
 * meters read a calibrated tone right.  Outside the range nothing is built.
 *
 * References, independent of the code under test: a 997 Hz sine at -20 dBFS
 * in both channels reads -20 LUFS (EBU Tech 3341, test 1 at -23: BS.1770's
 * K-weighting is 0 dB at 1 kHz by design, and -0.691 cancels the +0.691 dB
 * of the filter there) and its true peak is -20 dBTP; the levels are
 * measured with a Hann-windowed DFT (dsp_testutil). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/meter/report.h"
#include "engine/params.h"
#include "tests/support/check_main.h"
#include "tests/support/dsp_testutil.h"

static const double ends[] = { ENGINE_RATE_MIN, ENGINE_RATE_MAX };

/* Runs 1 s of a stereo sine at f (amp) through a fresh engine with p; returns
 * the output level of the tone (dB re amp) over the second half, and the
 * largest |sample|.  Asserts every output sample is finite. */
static double through_chain(lathe_params *p, double rate, double f, double amp, double *peak)
{
	size_t n = (size_t)rate;
	float *x = sine_alloc(n, amp, f, rate), *ol = calloc(n, sizeof(float)), *or_ = calloc(n, sizeof(float));
	engine *e = engine_new(p, NULL, rate);
	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < n; i += 256) {
		unsigned k = n - i < 256 ? (unsigned)(n - i) : 256;
		engine_process(e, x + i, x + i, NULL, NULL, ol + i, or_ + i, NULL, NULL, k);
	}
	double pk = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(isfinite(ol[i]) && isfinite(or_[i]), "non-finite output at %zu (%.0f Hz)", i, rate);
		pk = fmax(pk, fmax(fabs(ol[i]), fabs(or_[i])));
	}
	double level = 20 * log10(tone_amp(ol + n / 2, n / 2, f, rate) / amp);
	if (peak)
		*peak = pk;
	engine_free(e);
	free(x);
	free(ol);
	free(or_);
	return level;
}

START_TEST(outside_the_range_nothing_is_built)
{
	params_init();
	lathe_params *p = params_fresh();
	const double bad[] = { 0, 1, 100, 8000, ENGINE_RATE_MIN - 1, ENGINE_RATE_MAX + 1, 384000, 2e9 };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		ck_assert_msg(!engine_rate_supported(bad[k]), "%.0f Hz supported", bad[k]);
		ck_assert_msg(engine_new(p, NULL, bad[k]) == NULL, "an engine at %.0f Hz", bad[k]);
	}
	ck_assert(engine_rate_supported(ENGINE_RATE_MIN) && engine_rate_supported(ENGINE_RATE_MAX));
	params_free(p);
}
END_TEST

START_TEST(defaults_are_neutral_at_both_ends)
{
	params_init();
	for (int r = 0; r < 2; r++) {
		double rate = ends[r];
		const double freqs[] = { 100, 997, fmin(0.4 * rate, 16000) };
		for (int k = 0; k < 3; k++) {
			lathe_params *p = params_fresh();
			double db = through_chain(p, rate, freqs[k], 0.1, NULL);
			printf("  %6.0f Hz: %7.1f Hz tone through the defaults: %+.3f dB\n", rate, freqs[k], db);
			ck_assert_msg(fabs(db) < 0.1, "defaults changed a %.0f Hz tone by %.2f dB at %.0f Hz", freqs[k], db, rate);
			params_free(p);
		}
	}
}
END_TEST

START_TEST(every_module_acts_at_both_ends)
{
	params_init();
	for (int r = 0; r < 2; r++) {
		double rate = ends[r];
		/* the EQ alone: +6 dB bell at 997 Hz reads +6 */
		lathe_params *p = params_fresh();
		set_param_path(p, "/eq/3/freq", 997);
		set_param_path(p, "/eq/3/gain", 6);
		double eq_db = through_chain(p, rate, 997, 0.05, NULL);
		params_free(p);
		/* everything at once, hard: an EQ band at 22 kHz (above Nyquist at 22.05 kHz),
		 * every multiband band compressing, wide image, saturation, 12 dB into the limiter */
		p = params_fresh();
		set_param_path(p, "/eq/3/freq", 22000);
		set_param_path(p, "/eq/3/gain", 18);
		set_param_path(p, "/eq/5/freq", 30);
		set_param_path(p, "/eq/5/gain", 12);
		set_param_path(p, "/mb/bypass", 0);
		set_param_path(p, "/mb/1/threshold", -40);
		set_param_path(p, "/mb/2/threshold", -40);
		set_param_path(p, "/mb/3/threshold", -40);
		set_param_path(p, "/imager/bypass", 0);
		set_param_path(p, "/imager/1/width", 200);
		set_param_path(p, "/saturate/bypass", 0);
		set_param_path(p, "/saturate/drive", 24);
		set_param_path(p, "/limiter/gain", 12);
		double peak;
		double all_db = through_chain(p, rate, 997, 0.5, &peak);
		params_free(p);
		printf("  %6.0f Hz: EQ +6 dB reads %+.2f dB; every module hard: tone %+.1f dB, peak %.3f (ceiling -1 dBTP = 0.891)\n",
		       rate, eq_db, all_db, peak);
		ck_assert_msg(fabs(eq_db - 6) < 0.3, "EQ +6 dB read %.2f dB at %.0f Hz", eq_db, rate);
		ck_assert_msg(peak <= 0.9 && peak > 0.5, "the limiter held %.3f at %.0f Hz", peak, rate);
	}
}
END_TEST

START_TEST(meters_read_right_at_both_ends)
{
	for (int r = 0; r < 2; r++) {
		double rate = ends[r];
		size_t n = (size_t)rate * 5;
		float *mono = sine_alloc(n, pow(10, -20 / 20.0), 997, rate), *x = malloc(2 * n * sizeof(float));
		for (size_t i = 0; i < n; i++)
			x[2 * i] = x[2 * i + 1] = mono[i];
		report_meter *m = report_new((int)rate, 2);
		ck_assert_ptr_nonnull(m);
		report_add(m, x, n);
		loudness_report rep;
		report_finish(m, &rep);
		printf("  %6.0f Hz: -20 dBFS 997 Hz reads %.2f LUFS, %.2f dBTP\n", rate, rep.integrated_lufs, rep.true_peak_dbtp);
		ck_assert_msg(fabs(rep.integrated_lufs + 20) < 0.2, "%.2f LUFS at %.0f Hz", rep.integrated_lufs, rate);
		ck_assert_msg(fabs(rep.true_peak_dbtp + 20) < 0.3, "%.2f dBTP at %.0f Hz", rep.true_peak_dbtp, rate);
		ck_assert_int_eq(rep.sample_rate, (int)rate);
		report_free(m);
		free(mono);
		free(x);
	}
}
END_TEST

START_TEST(non_finite_samples_are_counted_and_measured_as_silence)
{
	/* half a 997 Hz sine, half NaN: the NaN must not poison what follows it */
	double rate = 48000;
	size_t n = (size_t)rate * 6;
	float *mono = sine_alloc(n, pow(10, -20 / 20.0), 997, rate), *x = malloc(2 * n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		x[2 * i] = x[2 * i + 1] = i < n / 4 ? NAN : mono[i];
	x[2 * (n / 2)] = INFINITY;
	report_meter *m = report_new((int)rate, 2);
	report_add(m, x, n);
	loudness_report rep;
	report_finish(m, &rep);
	printf("  %llu of %llu samples non-finite; the rest reads %.2f LUFS, %.2f dBTP\n", (unsigned long long)rep.non_finite,
	       (unsigned long long)rep.samples, rep.integrated_lufs, rep.true_peak_dbtp);
	ck_assert_uint_eq(rep.non_finite, 2 * (n / 4) + 1);
	ck_assert_uint_eq(rep.samples, 2 * n);
	ck_assert_msg(fabs(rep.integrated_lufs + 20) < 0.2, "%.2f LUFS", rep.integrated_lufs);
	ck_assert_msg(fabs(rep.true_peak_dbtp + 20) < 0.3, "%.2f dBTP", rep.true_peak_dbtp);
	report_free(m);
	free(mono);
	free(x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rate_range");
	TCase *tc = suite_add_case(s, "rates", 120, NULL, NULL);
	tcase_add_test(tc, outside_the_range_nothing_is_built);
	tcase_add_test(tc, defaults_are_neutral_at_both_ends);
	tcase_add_test(tc, every_module_acts_at_both_ends);
	tcase_add_test(tc, meters_read_right_at_both_ends);
	tcase_add_test(tc, non_finite_samples_are_counted_and_measured_as_silence);
	return run_suite(s);
}
