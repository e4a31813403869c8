/* lathe — factory presets (see presets.h). */
#include "presets.h"
#include "session_file.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

static void add_dir(GPtrArray *a, char *dir)
{
	for (guint i = 0; i < a->len; i++)
		if (!strcmp(a->pdata[i], dir)) {
			g_free(dir);
			return;
		}
	g_ptr_array_add(a, dir);
}

char **presets_dirs(void)
{
	GPtrArray *a = g_ptr_array_new();
	const char *env = g_getenv("LATHE_PRESETS");
	if (env && *env)
		add_dir(a, g_strdup(env));
	const char *src = g_getenv("LATHE_SRC");
	if (src && *src)
		add_dir(a, g_build_filename(src, "sessions", "presets", NULL));
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe) {
		char *dir = g_path_get_dirname(exe);
		add_dir(a, g_build_filename(dir, "sessions", "presets", NULL));
		add_dir(a, g_build_filename(dir, "..", "share", "lathe", "presets", NULL));
		g_free(dir);
		g_free(exe);
	}
	add_dir(a, g_build_filename(g_get_user_data_dir(), "lathe", "presets", NULL));
	for (const char *const *d = g_get_system_data_dirs(); *d; d++)
		add_dir(a, g_build_filename(*d, "lathe", "presets", NULL));
	add_dir(a, g_strdup(LATHE_PRESET_DIR));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const preset_info *)a)->name, ((const preset_info *)b)->name);
}

int presets_list(char **dirs, preset_info **out)
{
	char **own = dirs ? NULL : presets_dirs();
	char **d = dirs ? dirs : own;
	GArray *list = g_array_new(FALSE, TRUE, sizeof(preset_info));
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; d[i]; i++) {
		GDir *dir = g_dir_open(d[i], 0, NULL);
		if (!dir)
			continue;
		const char *f;
		while ((f = g_dir_read_name(dir))) {
			if (!g_str_has_suffix(f, SESSION_EXT) || f[0] == '.')
				continue;
			char *name = g_strndup(f, strlen(f) - strlen(SESSION_EXT));
			if (g_hash_table_contains(seen, name)) {
				g_free(name);
				continue;
			}
			g_hash_table_add(seen, g_strdup(name));
			preset_info pi = { name, g_build_filename(d[i], f, NULL), NULL };
			GKeyFile *kf = g_key_file_new();
			if (g_key_file_load_from_file(kf, pi.path, G_KEY_FILE_NONE, NULL))
				pi.comment = g_key_file_get_string(kf, "session", "comment", NULL);
			g_key_file_free(kf);
			if (!pi.comment)
				pi.comment = g_strdup("");
			g_array_append_val(list, pi);
		}
		g_dir_close(dir);
	}
	g_hash_table_destroy(seen);
	g_strfreev(own);
	g_array_sort(list, by_name);
	int n = (int)list->len;
	*out = (preset_info *)g_array_free(list, FALSE);
	return n;
}

void presets_free(preset_info *list, int n)
{
	for (int i = 0; list && i < n; i++) {
		g_free(list[i].name);
		g_free(list[i].path);
		g_free(list[i].comment);
	}
	g_free(list);
}

char *presets_find(char **dirs, const char *name)
{
	preset_info *l;
	int n = presets_list(dirs, &l);
	char *path = NULL;
	for (int i = 0; i < n && !path; i++)
		if (!strcmp(l[i].name, name))
			path = g_strdup(l[i].path);
	presets_free(l, n);
	return path;
}
