/* The module table (engine/modules.c): complete and consistent with the registry,
 * the console, the layout's pages, the README, and the order the engine runs.
 * The chain order is checked against the prose of engine.h and README.md, and the
 * engine against a chain built here by hand from the modules' own functions (not
 * the table), in engine.h's order. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine.h"
#include "engine/modules.h"
#include "engine/params.h"
#include "engine/dsp/eq.h"
#include "engine/dsp/multiband.h"
#include "engine/dsp/imager.h"
#include "engine/dsp/saturate.h"
#include "engine/dsp/limiter.h"
#include "engine/dsp/dither.h"
#include "gui/console.h"
#include "osc/osc_layout.h"
#include "tests/support/check_main.h"

START_TEST(every_registry_prefix_has_one_row)
{
	params_init();
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		int rows = 0;
		for (int k = 0; k < lathe_module_count(); k++)
			rows += !strcmp(lathe_module_get(k)->id, pi->module);
		ck_assert_msg(rows == 1, "%s: module '%s' has %d rows in engine/modules.c", pi->path, pi->module, rows);
	}
	/* and every row owns registry rows: no row for a module that is gone */
	for (int k = 0; k < lathe_module_count(); k++) {
		const lathe_module *m = lathe_module_get(k);
		int params = 0;
		for (int i = 0; i < params_count(); i++)
			params += !strcmp(param_info_get(i)->module, m->id);
		ck_assert_msg(params > 0, "module row '%s' has no parameter in the registry", m->id);
		ck_assert_ptr_eq(lathe_module_find(m->id), m);
		ck_assert_int_eq(lathe_module_index(m->id), k);
	}
	ck_assert_ptr_null(lathe_module_find("nonesuch"));
	ck_assert_ptr_null(lathe_module_get(lathe_module_count()));
	ck_assert_int_le(lathe_module_count(), LATHE_MODULES_MAX);
}
END_TEST

START_TEST(every_row_has_title_about_page_and_kind)
{
	for (int k = 0; k < lathe_module_count(); k++) {
		const lathe_module *m = lathe_module_get(k);
		ck_assert_msg(m->title && m->title[0], "%s: no title", m->id);
		ck_assert_msg(m->about && strlen(m->about) > 10, "%s: no one-line about", m->id);
		ck_assert_msg(!strchr(m->about, '\n') && !strchr(m->about, '|'), "%s: about is one line, no table pipes", m->id);
		ck_assert_msg(osc_layout_tab_index(m->osc_tab) >= 0, "%s: OSC page '%s' is not a page of osc_layout.c", m->id,
		              m->osc_tab ? m->osc_tab : "(null)");
		switch (m->kind) {
		case LATHE_MOD_DSP:
			ck_assert_msg(m->ops && m->ops->create && m->ops->destroy && m->ops->update && m->ops->process &&
			              m->ops->latency && m->ops->reset, "%s: a DSP row needs every op", m->id);
			break;
		case LATHE_MOD_MONITOR:
			ck_assert_msg(m->ops && m->ops->create && m->ops->destroy && m->ops->update && m->ops->reset &&
			              !m->ops->process && !m->ops->latency, "%s: the monitor row has its life cycle, no process", m->id);
			break;
		case LATHE_MOD_TRIM: {
			char gain[64], bypass[64];
			snprintf(gain, sizeof gain, "/%s/gain", m->id);
			snprintf(bypass, sizeof bypass, "/%s/bypass", m->id);
			ck_assert_msg(!m->ops, "%s: a trim has no ops", m->id);
			ck_assert_int_eq(m->gain_param, param_find(gain));
			ck_assert_int_eq(m->bypass_param, param_find(bypass));
			ck_assert_str_eq(param_info_get(m->gain_param)->unit, "dB");
			break;
		}
		case LATHE_MOD_CONTROL:
			ck_assert_msg(!m->ops, "%s: a control row has no ops", m->id);
			break;
		default:
			ck_abort_msg("%s: kind %d", m->id, (int)m->kind);
		}
		if (m->kind != LATHE_MOD_TRIM)
			ck_assert_msg(m->gain_param == -1 && m->bypass_param == -1, "%s: trim ids on a non-trim row", m->id);
	}
}
END_TEST

/* The console strip: pages 1..CONSOLE_SECTIONS, each once, each a module with a bypass
 * (the strip's switch is /ID/bypass) and an audio stage. */
START_TEST(console_pages_one_each)
{
	int seen[CONSOLE_SECTIONS + 1] = { 0 };
	for (int k = 0; k < lathe_module_count(); k++) {
		const lathe_module *m = lathe_module_get(k);
		ck_assert_msg(m->console_page >= 0 && m->console_page <= CONSOLE_SECTIONS, "%s: page %d", m->id, m->console_page);
		if (!m->console_page)
			continue;
		seen[m->console_page]++;
		char bypass[64];
		snprintf(bypass, sizeof bypass, "/%s/bypass", m->id);
		ck_assert_msg(param_find(bypass) >= 0, "%s: a console section without %s", m->id, bypass);
		ck_assert_msg(m->kind == LATHE_MOD_DSP || m->kind == LATHE_MOD_TRIM, "%s: a page for a module without audio", m->id);
		ck_assert_ptr_eq(lathe_module_console_page(m->console_page), m);
	}
	for (int s = 1; s <= CONSOLE_SECTIONS; s++)
		ck_assert_msg(seen[s] == 1, "console page %d is on %d rows", s, seen[s]);
	ck_assert_ptr_null(lathe_module_console_page(0));
	ck_assert_ptr_null(lathe_module_console_page(CONSOLE_SECTIONS + 1));
}
END_TEST

/* The meters flag: the modules whose gain reduction reaches the bridge (meter_frame's
 * mb_gr and lim_gr, /meter/gr/...): the multiband and the limiter, nothing else. */
START_TEST(meters_flag)
{
	for (int k = 0; k < lathe_module_count(); k++) {
		const lathe_module *m = lathe_module_get(k);
		int want = !strcmp(m->id, "mb") || !strcmp(m->id, "limiter");
		ck_assert_msg(m->meters == want, "%s: meters %d", m->id, m->meters);
	}
}
END_TEST

/* Text of a file of the source tree (LATHE_SRC), in a static buffer. */
static const char *source_text(const char *rel)
{
	static char text[1 << 17];
	const char *src = getenv("LATHE_SRC");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set LATHE_SRC)", path);
	size_t len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = 0;
	return text;
}

/* The audio stages (trims and DSP rows), in table order, are named in this order (by
 * title, any case) between `from` and "master out" in the file; the prose chain of
 * engine.h and of the README, so a stage added or moved in the table shows up there. */
static void stages_named_in_order(const char *rel, const char *from)
{
	const char *at = strstr(source_text(rel), from);
	ck_assert_msg(at != NULL, "%s: no '%s'", rel, from);
	const char *end = strstr(at, "master out");
	ck_assert_msg(end != NULL, "%s: no 'master out' after '%s'", rel, from);
	int stages = 0;
	for (int k = 0; k < lathe_module_count(); k++) {
		const lathe_module *m = lathe_module_get(k);
		if (m->kind != LATHE_MOD_DSP && m->kind != LATHE_MOD_TRIM)
			continue;
		const char *hit = strcasestr(at, m->title);
		ck_assert_msg(hit && hit < end, "%s's chain lacks '%s' after the stage before it", rel, m->title);
		at = hit + strlen(m->title);
		stages++;
	}
	/* and names no more stages than the table has: one arrow between two of them */
	int arrows = 0;
	const char *arrow = strstr(rel, ".md") ? "→" : "->";
	for (const char *q = strstr(source_text(rel), from); q && (q = strstr(q, arrow)) && q < end; q += strlen(arrow))
		arrows++;
	ck_assert_msg(arrows == stages, "%s: %d arrows before 'master out' for %d stages", rel, arrows, stages);
}

START_TEST(chain_order_is_the_documented_one)
{
	stages_named_in_order("engine/engine.h", "input trim");
	/* the monitor runs after the master (it takes the master out) */
	int monitor = -1, last_stage = -1;
	for (int k = 0; k < lathe_module_count(); k++) {
		lathe_module_kind kind = lathe_module_get(k)->kind;
		if (kind == LATHE_MOD_MONITOR)
			monitor = k;
		if (kind == LATHE_MOD_DSP || kind == LATHE_MOD_TRIM)
			last_stage = k;
	}
	ck_assert_int_gt(monitor, last_stage);
}
END_TEST

START_TEST(readme_lists_the_chain_in_order) { stages_named_in_order("README.md", "## The chain"); }
END_TEST

/* The engine against the chain built by hand in engine.h's order, every module doing
 * work: the same output bit for bit, and the summed latency.  The trims are +20 and
 * -20 dB so their gains are literals here (10 and 0.1f), not the engine's dB helper. */
#define RATE 48000
#define BLOCK 256
#define N (BLOCK * 100)

static void gain(float *x, size_t n, float k)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= k;
}

START_TEST(engine_runs_the_rows_in_chain_order)
{
	engine_flush_denormals();
	lathe_params *p = params_new();
	const char *sets[] = {
		"/input/gain=20", "/output/gain=-20", "/eq/2/gain=3", "/eq/6/gain=-2", "/mb/bypass=0", "/mb/bands=3",
		"/mb/1/threshold=-30", "/mb/2/threshold=-30", "/imager/width=140", "/saturate/bypass=0", "/saturate/drive=9",
		"/limiter/gain=6", "/dither/bypass=0",
	};
	char err[200];
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		ck_assert_msg(param_set_assignment(p, sets[i], err, sizeof err) == 0, "%s: %s", sets[i], err);

	float *l = malloc(N * sizeof(float)), *r = malloc(N * sizeof(float));
	float *ol = malloc(N * sizeof(float)), *or_ = malloc(N * sizeof(float));
	float *hl = malloc(N * sizeof(float)), *hr = malloc(N * sizeof(float));
	unsigned s = 7;
	for (size_t i = 0; i < N; i++) {
		s = s * 1664525u + 1013904223u;
		double nz = ((double)(s >> 8) / 16777216.0 * 2 - 1) * 0.1;
		l[i] = (float)(0.5 * sin(2 * M_PI * 70 * i / RATE) + nz);
		r[i] = (float)(0.4 * sin(2 * M_PI * 330 * i / RATE) - nz);
	}
	memcpy(hl, l, N * sizeof(float));
	memcpy(hr, r, N * sizeof(float));

	engine *e = engine_new(p, NULL, RATE);
	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < N; i += BLOCK)
		engine_process(e, l + i, r + i, NULL, NULL, ol + i, or_ + i, NULL, NULL, BLOCK);

	eq *q = eq_new(RATE, ENGINE_MAX_BLOCK);
	multiband *mb = multiband_new(RATE, ENGINE_MAX_BLOCK);
	imager *im = imager_new(RATE, ENGINE_MAX_BLOCK);
	saturate *sat = saturate_new(RATE, ENGINE_MAX_BLOCK);
	limiter *lim = limiter_new(RATE, ENGINE_MAX_BLOCK);
	dither *d = dither_new(RATE, ENGINE_MAX_BLOCK);
	uint32_t latency = eq_latency(q) + multiband_latency(mb) + imager_latency(im) + saturate_latency(sat) +
	                   limiter_latency(lim) + dither_latency(d);
	ck_assert_uint_eq(engine_latency(e), latency);
	const float k_in = 10.0f, k_out = 0.1f; /* +20 dB and -20 dB: 10^(+-1), one float each whatever formula */
	for (size_t i = 0; i < N; i += BLOCK) {
		float *a = hl + i, *b = hr + i;
		eq_update(q, p);
		multiband_update(mb, p);
		imager_update(im, p);
		saturate_update(sat, p);
		limiter_update(lim, p);
		dither_update(d, p);
		gain(a, BLOCK, k_in);
		gain(b, BLOCK, k_in);
		eq_process(q, a, b, BLOCK);
		multiband_process(mb, a, b, BLOCK);
		imager_process(im, a, b, BLOCK);
		saturate_process(sat, a, b, BLOCK);
		limiter_process(lim, a, b, BLOCK);
		gain(a, BLOCK, k_out);
		gain(b, BLOCK, k_out);
		dither_process(d, a, b, BLOCK);
	}
	double worst = 0, level = 0;
	size_t differ = 0;
	for (size_t i = 0; i < N; i++) {
		differ += (ol[i] != hl[i]) + (or_[i] != hr[i]);
		worst = fmax(worst, fmax(fabs((double)ol[i] - hl[i]), fabs((double)or_[i] - hr[i])));
		level = fmax(level, fabs(ol[i]));
	}
	printf("  engine vs hand-built chain: %zu of %d samples differ, worst by %.3g (%.2f LSB at 24 bit); peak %.3f, latency %u\n",
	       differ, 2 * N, worst, worst * 8388608.0, level, latency);
	ck_assert_msg(level > 0.01, "the chain must pass signal (peak %g)", level);
	ck_assert_msg(differ == 0, "engine differs from engine.h's order in %zu samples, by up to %g", differ, worst);

	eq_free(q);
	multiband_free(mb);
	imager_free(im);
	saturate_free(sat);
	limiter_free(lim);
	dither_free(d);
	engine_free(e);
	params_free(p);
	free(l);
	free(r);
	free(ol);
	free(or_);
	free(hl);
	free(hr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("modules");
	TCase *tc = suite_add_case(s, "table", 60, NULL, NULL);
	tcase_add_test(tc, every_registry_prefix_has_one_row);
	tcase_add_test(tc, every_row_has_title_about_page_and_kind);
	tcase_add_test(tc, console_pages_one_each);
	tcase_add_test(tc, meters_flag);
	tcase_add_test(tc, chain_order_is_the_documented_one);
	tcase_add_test(tc, readme_lists_the_chain_in_order);
	tcase_add_test(tc, engine_runs_the_rows_in_chain_order);
	return run_suite(s);
}
