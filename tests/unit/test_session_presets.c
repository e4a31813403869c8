/* Factory presets: every one is listed, says what it is for, loads, and does what its name promises. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions/presets.h"
#include "sessions/session_file.h"
#include "tests/support/check_main.h"

static char *preset_dir(void)
{
	const char *src = getenv("LATHE_SRC");
	return g_build_filename(src && *src ? src : ".", "sessions", "presets", NULL);
}

static lathe_params *load(const char *name)
{
	char *dir = preset_dir();
	char *dirs[] = { dir, NULL };
	char *path = presets_find(dirs, name);
	ck_assert_msg(path != NULL, "preset %s not found in %s", name, dir);
	lathe_params *p = params_new();
	char err[512];
	ck_assert_msg(session_load_file(p, path, NULL, err, sizeof err) == 0, "%s", err);
	g_free(path);
	g_free(dir);
	return p;
}

START_TEST(every_preset_lists_and_loads)
{
	static const char *const want[] = { "apple_music", "gentle_glue", "loud_modern", "neutral",
	                                    "spoken_word", "streaming", "vinyl_premaster" };
	char *dir = preset_dir();
	char *dirs[] = { dir, NULL };
	preset_info *l;
	int n = presets_list(dirs, &l);
	ck_assert_int_eq(n, 7);
	for (int i = 0; i < n; i++) {
		ck_assert_str_eq(l[i].name, want[i]); /* sorted by name */
		ck_assert_msg(strlen(l[i].comment) > 20, "%s: no comment= saying what it is for", l[i].name);
		gchar *text;
		ck_assert(g_file_get_contents(l[i].path, &text, NULL, NULL));
		ck_assert_msg(text[0] == '#', "%s: no comment line at the top", l[i].name);
		g_free(text);
		lathe_params *p = params_new();
		char err[512];
		ck_assert_msg(session_load_file(p, l[i].path, NULL, err, sizeof err) == 0, "%s", err);
		params_free(p);
	}
	presets_free(l, n);
	g_free(dir);
}
END_TEST

START_TEST(presets_do_what_they_say)
{
	lathe_params *def = params_new();
	lathe_params *p = load("neutral");
	ck_assert(!memcmp(p->bits, def->bits, sizeof p->bits));
	params_free(p);

	p = load("streaming");
	ck_assert_float_eq(param_get(p, P_TARGET_LUFS), -14);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -1);
	ck_assert(!param_get_bool(p, P_MB_BYPASS));
	ck_assert_float_le(param_get(p, P_MB_RATIO), 2); /* gentle */
	params_free(p);

	p = load("apple_music");
	ck_assert_float_eq(param_get(p, P_TARGET_LUFS), -16);
	ck_assert_int_eq(param_get_int(p, P_TARGET_PLATFORM), PLAT_APPLE);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -1);
	params_free(p);

	p = load("loud_modern");
	ck_assert(!param_get_bool(p, P_SAT_BYPASS)); /* clipper ... */
	ck_assert_int_eq(param_get_int(p, P_SAT_TYPE), SAT_SOFT_CLIP);
	ck_assert(!param_get_bool(p, P_LIM_BYPASS)); /* ... into the limiter */
	ck_assert_float_gt(param_get(p, P_LIM_GAIN), 0);
	params_free(p);

	p = load("gentle_glue");
	ck_assert(!param_get_bool(p, P_MB_BYPASS));
	ck_assert_int_ge(param_get_int(p, P_MB_BANDS), 2);
	params_free(p);

	p = load("vinyl_premaster");
	ck_assert_float_eq(param_get(p, P_IMG_MONO_BELOW), 150);
	ck_assert(param_get_bool(p, P_SAT_BYPASS)); /* no clipper */
	ck_assert_float_lt(param_get(p, P_LIM_CEILING), -1); /* lower ceiling */
	params_free(p);

	p = load("spoken_word");
	ck_assert_int_eq(param_get_int(p, P_EQ_TYPE), EQ_LOW_CUT);
	ck_assert_float_eq(param_get(p, P_TARGET_LUFS), -16);
	params_free(p);
	params_free(def);
}
END_TEST

START_TEST(first_folder_wins_and_default_dirs)
{
	char *tmp = g_dir_make_tmp("lathe-presets-XXXXXX", NULL);
	char *mine = g_build_filename(tmp, "streaming.lathe", NULL);
	ck_assert(g_file_set_contents(mine, "# mine\n[session]\nformat=1\ncomment=my own streaming\n[current]\n", -1, NULL));
	char *dir = preset_dir();
	char *dirs[] = { tmp, dir, NULL };
	preset_info *l;
	int n = presets_list(dirs, &l);
	ck_assert_int_eq(n, 7);
	ck_assert_str_eq(l[5].name, "streaming");
	ck_assert_str_eq(l[5].comment, "my own streaming");
	presets_free(l, n);
	/* the default search path holds the installed folder */
	char **d = presets_dirs();
	bool installed = false;
	for (int i = 0; d[i]; i++)
		installed |= !strcmp(d[i], LATHE_PRESET_DIR);
	ck_assert(installed);
	g_strfreev(d);
	g_unlink(mine);
	g_rmdir(tmp);
	g_free(mine);
	g_free(tmp);
	g_free(dir);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("session_presets");
	TCase *tc = suite_add_case(s, "presets", 60, NULL, NULL);
	tcase_add_test(tc, every_preset_lists_and_loads);
	tcase_add_test(tc, presets_do_what_they_say);
	tcase_add_test(tc, first_folder_wins_and_default_dirs);
	return run_suite(s);
}
