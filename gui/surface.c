/* lathe — what both surfaces share: presets on this computer
 * (see surface.h). */
#include "surface.h"
#include "../sessions/presets.h"
#include "../sessions/session_file.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

void surface_free(lathe_surface *s)
{
	if (s && s->ops->free)
		s->ops->free(s);
}

int surface_presets(surface_preset **out)
{
	preset_info *list = NULL;
	int n = presets_list(NULL, &list);
	*out = n > 0 ? g_new0(surface_preset, n) : NULL;
	for (int i = 0; i < n; i++) {
		(*out)[i].name = g_strdup(list[i].name);
		(*out)[i].comment = g_strdup(list[i].comment);
		(*out)[i].path = g_strdup(list[i].path);
	}
	presets_free(list, n);
	return n > 0 ? n : 0;
}

void surface_presets_free(surface_preset *list, int n)
{
	for (int i = 0; i < n; i++) {
		g_free(list[i].name);
		g_free(list[i].comment);
		g_free(list[i].path);
	}
	g_free(list);
}

int surface_save_preset(lathe_surface *s, const char *dir, const char *name, const char *comment, char **path,
                        char *err, int errlen)
{
	*path = session_name_path(dir, name, err, errlen);
	if (!*path)
		return -1;
	/* the state only: no snapshots, no connections (a preset is a sound, not a session) */
	session_meta meta;
	memset(&meta, 0, sizeof meta);
	g_strlcpy(meta.name, name, sizeof meta.name);
	g_strlcpy(meta.comment, comment && *comment ? comment : "your preset", sizeof meta.comment);
	return session_file_write(*path, s->params, NULL, &meta, NULL, err, errlen);
}
