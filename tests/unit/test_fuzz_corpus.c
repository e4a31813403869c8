/* The fuzz corpora replayed: every file of tests/fuzz/corpus/osc through the
 * OSC harness and every file of tests/fuzz/corpus/session through the session
 * harness, with the harnesses' own invariants (tests/fuzz/fuzz_*.c), built
 * with the ordinary compiler and no libFuzzer.  So what the fuzzer once found
 * (and what got fixed) stays fixed in `make check`, and under `make asan`
 * the replay runs with the sanitizers.  Corpus folder: $LATHE_SRC/tests/fuzz/corpus,
 * else ./tests/fuzz/corpus. */
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ENTRY fuzz_osc_one
#include "tests/fuzz/fuzz_osc.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_session_one
#include "tests/fuzz/fuzz_session.c"
#include "tests/support/check_main.h"
#undef FUZZ_ENTRY

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

static char *corpus_dir(const char *name)
{
	const char *src = getenv("LATHE_SRC");
	return g_strdup_printf("%s/tests/fuzz/corpus/%s", src && *src ? src : ".", name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of the folder, in name order; returns the count. */
static int replay(const char *name, fuzz_entry fn)
{
	char *dir = corpus_dir(name);
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "no corpus folder %s", dir);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			g_ptr_array_add(files, g_strdup(e->d_name));
	closedir(d);
	qsort(files->pdata, files->len, sizeof(char *), cmp_str);
	int n = 0;
	for (guint i = 0; i < files->len; i++) {
		char *path = g_build_filename(dir, files->pdata[i], NULL);
		gchar *data = NULL;
		gsize len = 0;
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			ck_assert_msg(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
			fuzz_input_name = path;
			fn((const uint8_t *)data, len);
			fuzz_input_name = NULL;
			g_free(data);
			n++;
		}
		g_free(path);
	}
	g_ptr_array_unref(files);
	g_free(dir);
	return n;
}

START_TEST(osc_corpus)
{
	int n = replay("osc", fuzz_osc_one);
	ck_assert_int_ge(n, 10);
	/* the server is still there and still dispatches */
	osc_stats st;
	osc_get_stats(osc_fz.server, &st);
	ck_assert_uint_ge(st.packets, (uint64_t)n);
	ck_assert_uint_ge(st.messages, (uint64_t)n);
}
END_TEST

START_TEST(session_corpus)
{
	int n = replay("session", fuzz_session_one);
	ck_assert_int_ge(n, 7); /* at least the factory presets */
}
END_TEST

/* The presets themselves must load under the harness's checks (they are in
 * the corpus too, but the corpus could be re-minimised without them). */
START_TEST(presets_accepted)
{
	const char *src = getenv("LATHE_SRC");
	char *dir = g_strdup_printf("%s/sessions/presets", src && *src ? src : ".");
	GDir *d = g_dir_open(dir, 0, NULL);
	ck_assert_msg(d != NULL, "no %s", dir);
	const char *f;
	int n = 0;
	while ((f = g_dir_read_name(d))) {
		if (!g_str_has_suffix(f, ".lathe"))
			continue;
		char *path = g_build_filename(dir, f, NULL);
		gchar *text;
		gsize len;
		ck_assert(g_file_get_contents(path, &text, &len, NULL));
		lathe_params *p = params_new();
		char err[512];
		ck_assert_msg(session_text_read(text, len, path, p, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
		fuzz_input_name = path;
		fuzz_session_one((const uint8_t *)text, len);
		fuzz_input_name = NULL;
		params_free(p);
		g_free(text);
		g_free(path);
		n++;
	}
	g_dir_close(d);
	g_free(dir);
	ck_assert_int_ge(n, 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fuzz_corpus");
	TCase *tc = suite_add_case(s, "replay", 300, NULL, NULL);
	tcase_add_test(tc, osc_corpus);
	tcase_add_test(tc, session_corpus);
	tcase_add_test(tc, presets_accepted);
	return run_suite(s);
}
