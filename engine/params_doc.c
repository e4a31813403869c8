/* lathe — the registry written out for people and tools (`lathe params`). */
#include "params.h"

#include <json-glib/json-glib.h>

const char *param_curve_name(param_curve c)
{
	static const char *const names[] = { "linear", "log", "dB", "enum", "toggle" };
	return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

static void range_text(const param_info *pi, char *buf, size_t len)
{
	if (pi->curve == CURVE_ENUM) {
		buf[0] = 0;
		for (int k = 0; k < pi->n_enums; k++)
			g_strlcat(buf, k ? ", " : "", len), g_strlcat(buf, pi->enums[k], len);
	} else if (pi->curve == CURVE_TOGGLE) {
		g_strlcpy(buf, "0 / 1", len);
	} else {
		g_snprintf(buf, len, "%g .. %g", pi->min, pi->max);
	}
}

void params_write_text(FILE *f)
{
	params_init();
	fprintf(f, "%-24s %-6s %-18s %-10s %s\n", "PATH", "UNIT", "RANGE", "DEFAULT", "LABEL");
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		char range[160], def[32];
		range_text(pi, range, sizeof range);
		param_format(i, pi->def, def, sizeof def);
		fprintf(f, "%-24s %-6s %-18s %-10s %s\n", pi->path, pi->unit, range, def, pi->label);
	}
}

int params_write_json(FILE *f)
{
	params_init();
	JsonBuilder *b = json_builder_new();
	json_builder_begin_array(b);
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "path");
		json_builder_add_string_value(b, pi->path);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, pi->label);
		json_builder_set_member_name(b, "unit");
		json_builder_add_string_value(b, pi->unit);
		json_builder_set_member_name(b, "min");
		json_builder_add_double_value(b, pi->min);
		json_builder_set_member_name(b, "max");
		json_builder_add_double_value(b, pi->max);
		json_builder_set_member_name(b, "default");
		json_builder_add_double_value(b, pi->def);
		json_builder_set_member_name(b, "curve");
		json_builder_add_string_value(b, param_curve_name(pi->curve));
		if (pi->step > 0) {
			json_builder_set_member_name(b, "step");
			json_builder_add_double_value(b, pi->step);
		}
		if (pi->curve == CURVE_ENUM) {
			json_builder_set_member_name(b, "enum");
			json_builder_begin_array(b);
			for (int k = 0; k < pi->n_enums; k++)
				json_builder_add_string_value(b, pi->enums[k]);
			json_builder_end_array(b);
		}
		json_builder_set_member_name(b, "help");
		json_builder_add_string_value(b, pi->help ? pi->help : "");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	JsonGenerator *g = json_generator_new();
	json_generator_set_pretty(g, TRUE);
	JsonNode *root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	gchar *text = json_generator_to_data(g, NULL);
	int rc = fputs(text, f) < 0 ? -1 : 0;
	fputc('\n', f);
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return rc;
}

void params_write_markdown(FILE *f)
{
	params_init();
	fprintf(f, "| path | label | unit | range | default | curve |\n|---|---|---|---|---|---|\n");
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		char range[160], def[32];
		range_text(pi, range, sizeof range);
		param_format(i, pi->def, def, sizeof def);
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s |\n", pi->path, pi->label, pi->unit, range, def, param_curve_name(pi->curve));
	}
}
