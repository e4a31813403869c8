/* The Open Stage Control layout (osc/layouts/lathe-open-stage-control.json)
 * checked against Open Stage Control 1.x's loader, as described in
 * ../shared/reference/open-stage-control-format.md ("ref §N" below).
 *
 * The property tables, allowed values and rules here are typed from that
 * reference, not from the generator (osc/osc_layout.c): the validator
 * parses the committed file with json-glib and knows nothing of how it was
 * written.  What lathe sends back comes from lathe's own tables: the registry
 * (every parameter is echoed as one float in natural units, DESIGN.md "OSC"),
 * the meter list and the action list of the OSC server.
 *
 * The committed file must also be what the generator prints now;
 * regenerate with  LATHE_REGEN_OSC_DOCS=1 ./build/tests/test_osc_layout */
#include <check.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "osc/osc_layout.h"
#include "tests/support/generated.h"
#include "tests/support/check_main.h"

#define LAYOUT "osc/layouts/lathe-open-stage-control.json"

/* ---- the reference's tables ---- */

/* ref §6: every widget type of 1.x */
static const char *const all_types[] = {
	"button", "switch", "dropdown", "menu", "input", "textarea", "file", "panel", "folder", "root", "tab",
	"modal", "clone", "fragment", "matrix", "keyboard", "patchbay", "patchbaynode", "image", "svg", "html",
	"frame", "plot", "eq", "visualizer", "led", "text", "xy", "rgb", "multixy", "canvas", "fader", "knob",
	"encoder", "range", "script", "variable", NULL,
};

/* ref §4: properties every widget has */
static const char *const common_props[] = {
	"lock", "visible", "interaction", "type", "id", "comments", "left", "top", "width", "height", "expand",
	"colorText", "colorWidget", "colorStroke", "colorFill", "alphaStroke", "alphaFillOff", "alphaFillOn",
	"lineWidth", "borderRadius", "padding", "html", "css", "value", "default", "linkId", "address",
	"preArgs", "typeTags", "decimals", "target", "ignoreDefaults", "bypass", "onCreate", "onValue", NULL,
};

/* ref §5 panel */
static const char *const panel_props[] = {
	"layout", "justify", "gridTemplate", "contain", "scroll", "innerPadding", "tabsPosition", "traversing",
	"colorBg", "variables", "widgets", "tabs", NULL,
};

typedef struct {
	const char *type;
	int panel;                   /* has the panel properties */
	const char *const *extra;    /* properties added to common (+ panel) */
	const char *const *removed;  /* properties taken away */
} type_props;

static const char *const root_extra[] = { "hideMenu", "onPreload", NULL };
static const char *const root_removed[] = { "left", "top", "expand", "colorFill", "colorStroke", "alphaStroke",
	"alphaFillOff", "lineWidth", NULL };
static const char *const tab_extra[] = { "label", NULL };
static const char *const tab_removed[] = { "left", "top", "width", "height", "expand", "colorStroke", "alphaStroke",
	"alphaFillOff", "alphaFillOn", "lineWidth", NULL };
static const char *const button_extra[] = { "mode", "on", "off", "label", "colorTextOn", "vertical", "wrap",
	"doubleTap", "decoupled", NULL };
static const char *const fader_extra[] = { "range", "design", "horizontal", "knobSize", "colorKnob", "pips", "dashed",
	"gradient", "snap", "spring", "doubleTap", "logScale", "sensitivity", "steps", "origin", "onTouch", NULL };
static const char *const knob_extra[] = { "design", "mode", "angle", "range", "steps", "logScale", "sensitivity",
	"spring", "doubleTap", "origin", "colorKnob", "pips", "dashed", "onTouch", NULL };
static const char *const dropdown_extra[] = { "values", "label", "align", "icon", NULL };
static const char *const text_extra[] = { "vertical", "wrap", "align", NULL };
static const char *const text_removed[] = { "typeTags", "ignoreDefaults", NULL };
static const char *const input_extra[] = { "align", "asYouType", "numeric", "validation", "maxLength", "unit", NULL };
static const char *const script_extra[] = { "onKeyboard", "keyBinding", "keyRepeat", "keyType", NULL };
static const char *const script_removed[] = { "left", "top", "width", "height", "expand", "colorText", "colorWidget",
	"colorStroke", "colorFill", "alphaStroke", "alphaFillOff", "alphaFillOn", "lineWidth", "borderRadius",
	"padding", "html", "css", "visible", "interaction", NULL };

/* The types whose property tables the reference gives in full; the
 * layout must use no other (an unknown one would not be checkable). */
static const type_props tables[] = {
	{ "root", 1, root_extra, root_removed },
	{ "tab", 1, tab_extra, tab_removed },
	{ "panel", 1, NULL, NULL },
	{ "button", 0, button_extra, NULL },
	{ "fader", 0, fader_extra, NULL },
	{ "knob", 0, knob_extra, NULL },
	{ "dropdown", 0, dropdown_extra, NULL },
	{ "text", 0, text_extra, text_removed },
	{ "input", 0, input_extra, NULL },
	{ "script", 0, script_extra, script_removed },
};

/* ref §8: addresses the client takes as commands */
static const char *const reserved[] = { "/EDIT", "/GET", "/SET", "/NOTIFY", "/LOG", "/TABS", "/SCRIPT", "/RELOAD", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; list && list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

static const type_props *table_of(const char *type)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (!strcmp(tables[i].type, type))
			return &tables[i];
	return NULL;
}

static int prop_allowed(const type_props *t, const char *name)
{
	if (in_list(t->removed, name))
		return 0;
	return in_list(common_props, name) || (t->panel && in_list(panel_props, name)) || in_list(t->extra, name);
}

/* ---- what one walk of the file collects ---- */

typedef struct {
	GHashTable *ids;             /* every id seen */
	int controls[P_COUNT];       /* widgets that set a parameter (button, dropdown, fader, knob) */
	int displays[P_COUNT];       /* inputs showing a parameter */
	int meters[64];              /* widgets fed by a meter */
	int widgets;
	int recall[8], store[8];     /* snapshot buttons for A.. */
	int undo, redo, learn, loudness_reset, renews;
	char where[256];             /* the widget being checked, for messages */
	int errors;                  /* rules broken */
	int quiet;                   /* count only (the sessions made to fail) */
} walk_state;

/* A broken rule: counted and printed (the first 30), and the walk goes on,
 * so one run lists what is wrong and a test can expect a bad file to fail. */
static void note(walk_state *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(walk_state *w, const char *fmt, ...)
{
	if (++w->errors > 30 || w->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "  layout: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
#define EXPECT(w, cond, ...) do { if (!(cond)) note(w, __VA_ARGS__); } while (0)

/* ---- value checks ---- */

/* ref §3: a string property is searched for these and they are evaluated */
static const char *const evaluated[] = { "@{", "#{", "JS{", "OSC{", "VAR{", "IMPORT{", NULL };

/* ref §3 (utils.js isJSON): a string whose first character is one of these is
 * tried as JSON, and taken as the parsed value when that works. */
static int parsed_as_json(const char *s)
{
	if (!*s || !strchr(" \t\n+-eE{([0123456789tfn\"", s[0]))
		return 0;
	JsonParser *p = json_parser_new();
	int ok = json_parser_load_from_data(p, s, -1, NULL);
	g_object_unref(p);
	return ok;
}

/* Every string in a property (nested strings too: objects are resolved
 * member by member, ref §3), except the script hooks, which are JavaScript. */
static void check_strings(walk_state *w, const char *prop, JsonNode *n)
{
	if (!strncmp(prop, "on", 2) && g_ascii_isupper(prop[2]))
		return;
	if (!strcmp(prop, "tabs") || !strcmp(prop, "widgets"))
		return; /* the children are walked one by one */
	if (JSON_NODE_HOLDS_OBJECT(n)) {
		JsonObject *o = json_node_get_object(n);
		GList *m = json_object_get_members(o);
		for (GList *l = m; l; l = l->next)
			check_strings(w, prop, json_object_get_member(o, l->data));
		g_list_free(m);
	} else if (JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);
		for (guint i = 0; i < json_array_get_length(a); i++)
			check_strings(w, prop, json_array_get_element(a, i));
	} else if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING) {
		const char *s = json_node_get_string(n);
		for (int i = 0; evaluated[i]; i++)
			EXPECT(w, !strstr(s, evaluated[i]), "%s: %s \"%s\" would be evaluated (%s)", w->where, prop, s, evaluated[i]);
		/* the label is exempt from JSON parsing except "false" (ref §3) */
		if (strcmp(prop, "label") || !strcmp(s, "false"))
			EXPECT(w, !parsed_as_json(s), "%s: %s \"%s\" would be parsed as JSON", w->where, prop, s);
	}
}

static int is_number(JsonObject *o, const char *name)
{
	if (!json_object_has_member(o, name))
		return 0;
	JsonNode *n = json_object_get_member(o, name);
	if (!JSON_NODE_HOLDS_VALUE(n))
		return 0;
	GType t = json_node_get_value_type(n);
	return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static const char *get_str(JsonObject *o, const char *name)
{
	if (!json_object_has_member(o, name))
		return NULL;
	JsonNode *n = json_object_get_member(o, name);
	return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : NULL;
}

static int get_bool(JsonObject *o, const char *name, int def)
{
	if (!json_object_has_member(o, name))
		return def;
	JsonNode *n = json_object_get_member(o, name);
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return -1; /* neither: a check comparing with 0 or 1 fails */
	return json_node_get_boolean(n);
}

static void check_choice(walk_state *w, JsonObject *o, const char *prop, const char *const *allowed)
{
	const char *v = get_str(o, prop);
	if (!json_object_has_member(o, prop))
		return;
	EXPECT(w, v && in_list(allowed, v), "%s: %s is not one of the allowed values", w->where, prop);
}

/* ref §7: type letters, one per argument; ints need "i" */
static void check_type_tags(walk_state *w, JsonObject *o)
{
	const char *t = get_str(o, "typeTags");
	if (!json_object_has_member(o, "typeTags"))
		return;
	EXPECT(w, t != NULL, "%s: typeTags is not a string", w->where);
	for (const char *p = t; *p; p++)
		EXPECT(w, strchr("bhtdscrmifTFNI", *p), "%s: typeTags letter '%c' unknown", w->where, *p);
}

/* The layout's range against the one lathe uses (ref §6 fader: min/max keys, numbers). */
static void check_range(walk_state *w, JsonObject *o, float min, float max)
{
	JsonObject *r = json_object_has_member(o, "range") ? json_object_get_object_member(o, "range") : NULL;
	if (!r || !is_number(r, "min") || !is_number(r, "max")) {
		note(w, "%s: range needs numeric min and max (the default is 0..1)", w->where);
		return;
	}
	EXPECT(w, json_object_get_size(r) == 2, "%s: range has breakpoints lathe does not have", w->where);
	double lo = json_object_get_double_member(r, "min"), hi = json_object_get_double_member(r, "max");
	EXPECT(w, fabs(lo - min) <= 1e-4 * (1 + fabs(min)) && fabs(hi - max) <= 1e-4 * (1 + fabs(max)),
		"%s: range %g..%g, lathe's is %g..%g", w->where, lo, hi, min, max);
	if (get_bool(o, "logScale", 0))
		EXPECT(w, lo > 0, "%s: logScale over a range that starts at %g", w->where, lo);
	if (json_object_has_member(o, "default")) {
		EXPECT(w, is_number(o, "default"), "%s: default is not a number", w->where);
		double d = json_object_get_double_member(o, "default");
		EXPECT(w, d >= fmin(lo, hi) - 1e-6 && d <= fmax(lo, hi) + 1e-6, "%s: default outside the range", w->where);
	}
	if (json_object_has_member(o, "steps")) {
		JsonArray *a = json_object_get_array_member(o, "steps");
		EXPECT(w, a != NULL, "%s: steps", w->where);
		for (guint i = 0; a && i < json_array_get_length(a); i++) {
			double v = json_array_get_double_element(a, i);
			EXPECT(w, v >= lo && v <= hi, "%s: step %g outside the range", w->where, v);
		}
	}
}

static int integral_param(const param_info *pi)
{
	return pi->curve == CURVE_TOGGLE || pi->curve == CURVE_ENUM || pi->step >= 1;
}

/* A widget on a parameter address: lathe echoes every value as one float in
 * natural units (DESIGN.md "OSC"), which Open Stage Control hands to the
 * widget as a JavaScript number (ref §8). */
static void check_param_widget(walk_state *w, JsonObject *o, const char *type, int id)
{
	const param_info *pi = param_info_get(id);
	const char *tags = get_str(o, "typeTags");
	JsonNode *pre = json_object_get_member(o, "preArgs");
	EXPECT(w, !pre || (JSON_NODE_HOLDS_ARRAY(pre) && json_array_get_length(json_node_get_array(pre)) == 0) ||
	          (JSON_NODE_HOLDS_VALUE(pre) && json_node_get_value_type(pre) == G_TYPE_STRING && !*json_node_get_string(pre)),
		"%s: preArgs: lathe's one-argument feedback never matches (ref §8)", w->where);
	if (strcmp(type, "text")) {
		/* what it sends: "i" for integer values (a plain number goes out as f, ref §7) */
		if (integral_param(pi))
			EXPECT(w, tags && !strcmp(tags, "i"), "%s: %s takes integers: typeTags \"i\"", w->where, pi->path);
		else
			EXPECT(w, !tags || !strcmp(tags, "f"), "%s: %s takes a float", w->where, pi->path);
	}
	if (!strcmp(type, "button")) {
		EXPECT(w, pi->curve == CURVE_TOGGLE, "%s: a button on %s, which is not a toggle", w->where, pi->path);
		const char *mode = get_str(o, "mode");
		EXPECT(w, mode && !strcmp(mode, "toggle"), "%s: a toggle parameter needs mode toggle", w->where);
		/* feedback must deep-equal on or off, type included (ref §8): numbers 1 and 0 */
		EXPECT(w, is_number(o, "on") && json_object_get_double_member(o, "on") == 1 &&
		              is_number(o, "off") && json_object_get_double_member(o, "off") == 0,
			"%s: on/off must be the numbers 1/0 that lathe sends back", w->where);
		w->controls[id]++;
	} else if (!strcmp(type, "dropdown")) {
		EXPECT(w, pi->curve == CURVE_ENUM, "%s: a dropdown on %s, which is not an enum", w->where, pi->path);
		/* ref §6 dropdown: the labels/values form, values === what lathe sends (the index) */
		JsonNode *vn = json_object_get_member(o, "values");
		JsonObject *v = vn && JSON_NODE_HOLDS_OBJECT(vn) ? json_node_get_object(vn) : NULL;
		JsonNode *ln = v ? json_object_get_member(v, "labels") : NULL, *nn = v ? json_object_get_member(v, "values") : NULL;
		JsonArray *labels = ln && JSON_NODE_HOLDS_ARRAY(ln) ? json_node_get_array(ln) : NULL;
		JsonArray *vals = nn && JSON_NODE_HOLDS_ARRAY(nn) ? json_node_get_array(nn) : NULL;
		if (!v || json_object_get_size(v) != 2 || !labels || !vals ||
		    json_array_get_length(labels) != json_array_get_length(vals) || (int)json_array_get_length(vals) != pi->n_enums) {
			note(w, "%s: values must be {labels, values} with one entry per name of %s", w->where, pi->path);
			return;
		}
		for (int k = 0; k < pi->n_enums; k++) {
			JsonNode *n = json_array_get_element(vals, (guint)k);
			EXPECT(w, JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 && json_node_get_int(n) == k,
				"%s: value %d must be the integer %d", w->where, k, k);
			const char *l0 = json_array_get_string_element(labels, (guint)k);
			char *label = g_strstrip(g_strdup(l0 ? l0 : ""));
			/* a trailing no-break space may keep a number-like name a string */
			char *nb = strstr(label, "\xc2\xa0");
			if (nb && !nb[2])
				*nb = 0;
			EXPECT(w, !strcmp(label, pi->enums[k]), "%s: label %d is '%s', lathe calls it '%s'", w->where, k, label, pi->enums[k]);
			g_free(label);
		}
		/* "auto" shows the value, i.e. the index: the name needs %key (ref §6) */
		const char *label = get_str(o, "label");
		EXPECT(w, label && strstr(label, "%key"), "%s: the dropdown would show the index, not the name", w->where);
		w->controls[id]++;
	} else if (!strcmp(type, "fader") || !strcmp(type, "knob")) {
		EXPECT(w, pi->curve != CURVE_ENUM && pi->curve != CURVE_TOGGLE, "%s: a %s on %s", w->where, type, pi->path);
		check_range(w, o, pi->min, pi->max);
		EXPECT(w, get_str(o, "html") && *get_str(o, "html"), "%s: no caption", w->where);
		w->controls[id]++;
	} else if (!strcmp(type, "input")) {
		const char *unit = get_str(o, "unit");
		EXPECT(w, unit && !strcmp(unit, pi->unit), "%s: unit '%s', lathe's is '%s'", w->where, unit ? unit : "", pi->unit);
		w->displays[id]++;
	} else {
		note(w, "%s: a %s cannot show or set %s", w->where, type, pi->path);
	}
}

/* A widget on a meter address: floats, sent by lathe to subscribers. */
static void check_meter_widget(walk_state *w, JsonObject *o, const char *type, int i)
{
	const osc_meter_info *m = osc_meter_get(i);
	if (!strcmp(type, "fader") || !strcmp(type, "knob")) {
		EXPECT(w, !get_bool(o, "interaction", 1), "%s: a meter must not take touches (it would send)", w->where);
		check_range(w, o, m->min, m->max);
	} else if (!strcmp(type, "input")) {
		EXPECT(w, !get_bool(o, "interaction", 1), "%s: a meter value must not be editable", w->where);
	} else {
		EXPECT(w, !strcmp(type, "text"), "%s: a %s cannot show a meter", w->where, type);
	}
	w->meters[i]++;
}

/* "send('/subscribe', 60)" and "setInterval(..., 20000)" in a script */
static void check_renewal(walk_state *w, const char *script)
{
	const char *s = strstr(script, "send('/subscribe', ");
	if (!s)
		s = strstr(script, "send(\"/subscribe\", ");
	if (!s) {
		note(w, "%s: the script does not send /subscribe", w->where);
		return;
	}
	double lease = strtod(s + strlen("send('/subscribe', "), NULL);
	const char *iv = strstr(script, "setInterval(");
	if (!iv) {
		note(w, "%s: nothing renews the subscription", w->where);
		return;
	}
	const char *close = strrchr(iv, ')');
	const char *comma = close;
	while (comma > iv && *comma != ',')
		comma--;
	double ms = strtod(comma + 1, NULL);
	/* lathe allows 1..600 s (osc.c handle_subscribe); renew at least twice per lease */
	EXPECT(w, lease >= 1 && lease <= 600, "%s: lease %g s", w->where, lease);
	EXPECT(w, ms > 0 && ms <= lease * 1000 / 2, "%s: renews every %g ms for a %g s lease", w->where, ms, lease);
	if (!w->quiet)
		printf("subscription: %g s lease renewed every %g s\n", lease, ms / 1000);
	w->renews++;
}

/* Action addresses: nothing comes back on them, so buttons tap (a toggle
 * would wait for feedback that never comes). */
static void check_action_widget(walk_state *w, JsonObject *o, const char *type, const char *addr)
{
	int known = 0;
	for (int i = 0; i < osc_action_count(); i++)
		known |= !strcmp(osc_action_get(i)->path, addr);
	/* replies and pushed state (docs/osc.md: /monitor/ref/state fff comes to subscribers) */
	int reply = !strcmp(addr, "/done") || !strcmp(addr, "/error") || !strcmp(addr, "/monitor/ref/state");
	EXPECT(w, known || reply, "%s: address %s is neither a parameter, a meter nor an action of lathe", w->where, addr);
	if (reply) {
		EXPECT(w, !strcmp(type, "text"), "%s: replies are shown in text widgets", w->where);
		return;
	}
	const char *tags = get_str(o, "typeTags");
	int named = !strcmp(addr, "/session/save") || !strcmp(addr, "/session/load") ||
	            !strcmp(addr, "/snapshot/store") || !strcmp(addr, "/snapshot/recall") || !strcmp(addr, "/monitor/ref/load");
	if (!strcmp(type, "script")) {
		EXPECT(w, !strcmp(addr, "/subscribe"), "%s: a script on %s", w->where, addr);
		check_renewal(w, get_str(o, "onCreate") ? get_str(o, "onCreate") : "");
		return;
	}
	if (!strcmp(type, "input")) {
		/* a typed name must go out as a string, even "123" (ref §6 input parses JSON) */
		EXPECT(w, named && tags && !strcmp(tags, "s"), "%s: an input on %s needs typeTags \"s\"", w->where, addr);
		return;
	}
	EXPECT(w, !strcmp(type, "button"), "%s: a %s on action %s", w->where, type, addr);
	const char *mode = get_str(o, "mode");
	EXPECT(w, mode && (!strcmp(mode, "tap") || !strcmp(mode, "push")), "%s: action buttons tap", w->where);
	if (named) {
		const char *on = get_str(o, "on");
		EXPECT(w, on && *on && tags && !strcmp(tags, "s"), "%s: %s takes a name (string)", w->where, addr);
		int k = on ? on[0] - 'A' : -1;
		if (on && !on[1] && k >= 0 && k < 8) {
			if (!strcmp(addr, "/snapshot/recall"))
				w->recall[k]++;
			if (!strcmp(addr, "/snapshot/store"))
				w->store[k]++;
		}
	} else {
		/* lathe takes no argument or one nonzero number as a press (docs/osc.md) */
		EXPECT(w, is_number(o, "on") && json_object_get_double_member(o, "on") != 0, "%s: on must be a nonzero number", w->where);
		EXPECT(w, tags && !strcmp(tags, "i"), "%s: typeTags \"i\"", w->where);
	}
	w->undo += !strcmp(addr, "/undo");
	w->redo += !strcmp(addr, "/redo");
	w->learn += !strcmp(addr, "/target/learn");
	w->loudness_reset += !strcmp(addr, "/loudness/reset");
}

/* ---- the walk ---- */

static void walk(walk_state *w, JsonObject *o, const char *parent_type, int in_tabs)
{
	const char *type = get_str(o, "type");
	const char *id = get_str(o, "id");
	snprintf(w->where, sizeof w->where, "widget '%s' (%s)", id ? id : "?", type ? type : "?");
	/* ref §3: a missing or unknown type becomes a fader, without a word */
	if (!type || !in_list(all_types, type)) {
		note(w, "%s: no type or one that does not exist in 1.x (it would be a fader)", w->where);
		return;
	}
	const type_props *t = table_of(type);
	if (!t) {
		note(w, "%s: type %s has no property table in the reference", w->where, type);
		return;
	}
	/* ref §3: every entry of tabs is forced to tab; ref §5: root only at the top */
	EXPECT(w, !in_tabs || !strcmp(type, "tab"), "%s: in a tabs array", w->where);
	EXPECT(w, in_tabs || strcmp(type, "tab"), "%s: a tab outside tabs", w->where);
	EXPECT(w, !parent_type || strcmp(type, "root"), "%s: root below the top", w->where);

	/* every property allowed for its type (unknown ones are deleted silently, ref §3) */
	GList *members = json_object_get_members(o);
	for (GList *l = members; l; l = l->next) {
		const char *name = l->data;
		EXPECT(w, name[0] != '_', "%s: property %s starts with _ (deleted)", w->where, name);
		EXPECT(w, prop_allowed(t, name), "%s: property '%s' does not exist for %s", w->where, name, type);
		check_strings(w, name, json_object_get_member(o, name));
	}
	g_list_free(members);

	/* ref §11.4: unique explicit ids, "root" only for the root */
	if (!id || !*id || !strcmp(id, "auto")) {
		note(w, "%s: no explicit id", w->where);
	} else {
		EXPECT(w, !g_hash_table_contains(w->ids, id), "%s: id used twice (the two would be clones)", w->where);
		EXPECT(w, strcmp(id, "root") || !strcmp(type, "root"), "%s: id root", w->where);
		g_hash_table_add(w->ids, g_strdup(id));
	}

	/* allowed values (ref §5, §6) */
	static const char *const layouts[] = { "default", "vertical", "horizontal", "grid", NULL };
	static const char *const justify[] = { "start", "end", "center", "space-around", "space-between", NULL };
	static const char *const tabs_pos[] = { "top", "bottom", "left", "right", NULL };
	static const char *const button_modes[] = { "toggle", "push", "tap", "momentary", NULL };
	static const char *const fader_designs[] = { "default", "round", "compact", NULL };
	static const char *const knob_designs[] = { "default", "solid", "line", NULL };
	static const char *const knob_modes[] = { "vertical", "circular", "snap", "snap-alt", NULL };
	static const char *const lr_align[] = { "center", "left", "right", NULL };
	static const char *const text_align[] = { "center", "left", "right", "top", "bottom", "left top", "left bottom",
		"right top", "right bottom", NULL };
	static const char *const key_types[] = { "keydown", "keyup", "both", NULL };
	if (t->panel) {
		check_choice(w, o, "layout", layouts);
		check_choice(w, o, "justify", justify);
		check_choice(w, o, "tabsPosition", tabs_pos);
		JsonArray *tabs = json_object_has_member(o, "tabs") ? json_object_get_array_member(o, "tabs") : NULL;
		JsonArray *kids = json_object_has_member(o, "widgets") ? json_object_get_array_member(o, "widgets") : NULL;
		/* ref §5: gridTemplate is a number of columns or a CSS grid-template */
		if (json_object_has_member(o, "gridTemplate"))
			EXPECT(w, get_str(o, "gridTemplate") || (is_number(o, "gridTemplate") && json_object_get_double_member(o, "gridTemplate") >= 1),
				"%s: gridTemplate", w->where);
		/* ref §5: with both, only tabs is built */
		EXPECT(w, !(tabs && kids && json_array_get_length(tabs) && json_array_get_length(kids)),
			"%s: both tabs and widgets", w->where);
	}
	if (!strcmp(type, "button")) {
		check_choice(w, o, "mode", button_modes);
		JsonNode *on = json_object_get_member(o, "on"), *off = json_object_get_member(o, "off");
		if (on && off) {
			char *a = json_to_string(on, FALSE), *b = json_to_string(off, FALSE);
			EXPECT(w, strcmp(a, b), "%s: on equals off", w->where);
			g_free(a);
			g_free(b);
		}
	}
	if (!strcmp(type, "fader"))
		check_choice(w, o, "design", fader_designs);
	if (!strcmp(type, "knob")) {
		check_choice(w, o, "design", knob_designs);
		check_choice(w, o, "mode", knob_modes);
	}
	if (!strcmp(type, "dropdown") || !strcmp(type, "input"))
		check_choice(w, o, "align", lr_align);
	if (!strcmp(type, "text"))
		check_choice(w, o, "align", text_align);
	if (!strcmp(type, "script"))
		check_choice(w, o, "keyType", key_types);
	if (json_object_has_member(o, "decimals")) {
		EXPECT(w, is_number(o, "decimals"), "%s: decimals", w->where);
		gint64 d = json_object_get_int_member(o, "decimals");
		EXPECT(w, d >= 0 && d <= 20, "%s: decimals %lld", w->where, (long long)d);
	}
	if (json_object_has_member(o, "expand")) {
		JsonNode *n = json_object_get_member(o, "expand");
		GType et = json_node_get_value_type(n);
		EXPECT(w, et == G_TYPE_BOOLEAN || et == G_TYPE_INT64 || et == G_TYPE_DOUBLE, "%s: expand", w->where);
		/* expand only acts in a vertical or horizontal parent (ref §4) */
		EXPECT(w, parent_type != NULL, "%s: expand at the top", w->where);
	}
	/* geometry: "auto", a CSS string or a number of px (ref §4); a non-auto
	 * left/top takes the widget out of the vertical/horizontal flow */
	for (const char *const *g = (const char *const[]){ "width", "height", "left", "top", NULL }; *g; g++) {
		if (!json_object_has_member(o, *g))
			continue;
		const char *gs = get_str(o, *g);
		EXPECT(w, gs || (is_number(o, *g) && json_object_get_double_member(o, *g) >= 0), "%s: %s", w->where, *g);
		EXPECT(w, (strcmp(*g, "left") && strcmp(*g, "top")) || (gs && !strcmp(gs, "auto")),
			"%s: absolute position in a flowing layout", w->where);
	}
	check_type_tags(w, o);

	/* addresses and what lathe sends on them */
	const char *addr = get_str(o, "address");
	if (json_object_has_member(o, "address")) {
		EXPECT(w, addr && addr[0] == '/', "%s: address must start with / (ref §4)", w->where);
		EXPECT(w, !in_list(reserved, addr), "%s: %s is a client command (ref §8)", w->where, addr);
	}
	if (addr && strcmp(type, "root") && strcmp(type, "tab") && strcmp(type, "panel")) {
		w->widgets++;
		int pid = param_find(addr);
		int mid = -1;
		for (int i = 0; i < osc_meter_count(); i++)
			if (!strcmp(osc_meter_get(i)->path, addr))
				mid = i;
		if (pid >= 0)
			check_param_widget(w, o, type, pid);
		else if (mid >= 0)
			check_meter_widget(w, o, type, mid);
		else
			check_action_widget(w, o, type, addr);
	} else if (strcmp(type, "root") && strcmp(type, "tab") && strcmp(type, "panel")) {
		/* "auto" is "/" + id: a widget that is not on an address of lathe's must not send */
		EXPECT(w, !strcmp(type, "text") || get_bool(o, "bypass", 0), "%s: no address", w->where);
	} else {
		/* containers: a tab change or a scroll must not reach lathe as "/<id>" */
		EXPECT(w, get_bool(o, "bypass", 0), "%s: a container that sends its value", w->where);
	}

	const char *kids[] = { "tabs", "widgets" };
	for (int k = 0; k < 2; k++) {
		if (!json_object_has_member(o, kids[k]))
			continue;
		JsonNode *an = json_object_get_member(o, kids[k]);
		if (!JSON_NODE_HOLDS_ARRAY(an)) {
			note(w, "%s: %s is not an array", w->where, kids[k]);
			continue;
		}
		JsonArray *a = json_node_get_array(an);
		for (guint j = 0; j < json_array_get_length(a); j++) {
			JsonNode *n = json_array_get_element(a, j);
			if (!JSON_NODE_HOLDS_OBJECT(n)) {
				note(w, "widget %s: %s[%u] is not a widget", id, kids[k], j);
				continue;
			}
			walk(w, json_node_get_object(n), type, k == 0);
		}
	}
}

/* ref §2: "version" a valid semver newer than the last converter, 1.24.2 */
static void check_version(walk_state *w, const char *v)
{
	if (!v) {
		note(w, "no version: the file would be read as 0.x (one fader)");
		return;
	}
	while (*v == ' ' || *v == 'v')
		v++;
	int a, b, c, n = 0;
	EXPECT(w, sscanf(v, "%d.%d.%d%n", &a, &b, &c, &n) == 3 && (v[n] == 0 || v[n] == '-' || v[n] == '+'),
		"version '%s' is not semver (the loader throws)", v);
	EXPECT(w, n && a == 1 && (b > 24 || (b == 24 && c >= 3)), "version %s runs the 0.x/1.x converters", v);
}

/* Validates a whole session file; returns the walk (errors counted). */
static walk_state *validate(const char *js, size_t len, int quiet)
{
	walk_state *w = calloc(1, sizeof *w);
	w->quiet = quiet;
	w->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* ref §1: strict JSON in UTF-8 */
	JsonParser *p = json_parser_new_immutable();
	GError *e = NULL;
	if (!g_utf8_validate(js, (gssize)len, NULL) || !json_parser_load_from_data(p, js, (gssize)len, &e) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		note(w, "not a JSON object in UTF-8: %s", e ? e->message : "");
		g_clear_error(&e);
		g_object_unref(p);
		return w;
	}
	JsonObject *top = json_node_get_object(json_parser_get_root(p));
	check_version(w, get_str(top, "version"));
	JsonNode *content = json_object_get_member(top, "content");
	if (!content || !JSON_NODE_HOLDS_OBJECT(content)) {
		note(w, "no content object (ref §1)");
	} else {
		JsonObject *root = json_node_get_object(content);
		const char *type = get_str(root, "type");
		EXPECT(w, type && !strcmp(type, "root"), "content.type must be root");
		walk(w, root, NULL, 0);
	}
	g_object_unref(p);
	return w;
}

static void walk_free(walk_state *w)
{
	g_hash_table_destroy(w->ids);
	free(w);
}

START_TEST(layout_passes_the_reference)
{
	size_t len;
	char *js = gen_read_repo_file(LAYOUT, &len);
	ck_assert_msg(js != NULL, "%s is missing", LAYOUT);
	walk_state *w = validate(js, len, 0);
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		EXPECT(w, w->controls[id] == 1, "%s has %d controls", pi->path, w->controls[id]);
		if (pi->curve != CURVE_ENUM && pi->curve != CURVE_TOGGLE)
			EXPECT(w, w->displays[id] == 1, "%s has %d value displays (with unit)", pi->path, w->displays[id]);
	}
	for (int i = 0; i < osc_meter_count(); i++)
		EXPECT(w, w->meters[i] >= 1, "%s is not shown", osc_meter_get(i)->path);
	for (int k = 0; k < 4; k++)
		EXPECT(w, w->recall[k] == 1 && w->store[k] == 1, "snapshot %c: %d recall, %d store buttons", 'A' + k, w->recall[k], w->store[k]);
	EXPECT(w, w->undo == 1 && w->redo == 1, "undo/redo buttons");
	EXPECT(w, w->learn == 1, "Learn button");
	EXPECT(w, w->loudness_reset == 1, "loudness reset button");
	EXPECT(w, w->renews == 1, "one script renews the subscription");
	printf("layout: %u ids, %d widgets on lathe addresses, %d rules broken\n", g_hash_table_size(w->ids), w->widgets, w->errors);
	ck_assert_msg(w->errors == 0, "%s breaks %d rules of the reference (listed above)", LAYOUT, w->errors);
	walk_free(w);
	free(js);
}
END_TEST

/* The validator catches what it is for: each of these small sessions breaks
 * one rule the old generator broke (or one the reference warns about). */
START_TEST(validator_refuses_bad_sessions)
{
#define SESSION(widgets) "{\"version\":\"1.27.0\",\"content\":{\"type\":\"root\",\"id\":\"root\",\"bypass\":true," \
	"\"tabs\":[{\"type\":\"tab\",\"id\":\"t\",\"bypass\":true,\"layout\":\"vertical\",\"widgets\":[" widgets "]}]}}"
	static const char *const bad[] = {
		/* the 0.x toggle type (a 0..1 fader in 1.x) */
		SESSION("{\"type\":\"toggle\",\"id\":\"bypass\",\"address\":\"/bypass\",\"typeTags\":\"i\"}"),
		/* label and unit on a fader (deleted by the parser) */
		SESSION("{\"type\":\"fader\",\"id\":\"g\",\"address\":\"/input/gain\",\"label\":\"Gain\",\"unit\":\"dB\",\"html\":\"Gain\",\"range\":{\"min\":-24,\"max\":24}}"),
		/* layout flex */
		"{\"version\":\"1.27.0\",\"content\":{\"type\":\"root\",\"id\":\"root\",\"bypass\":true,\"tabs\":[{\"type\":\"tab\",\"id\":\"t\",\"bypass\":true,\"layout\":\"flex\"}]}}",
		/* version 1.26.2 is fine, but "1.0" is not semver */
		"{\"version\":\"1.0\",\"content\":{\"type\":\"root\",\"id\":\"root\",\"bypass\":true}}",
		/* no version: read as 0.x */
		"{\"content\":{\"type\":\"root\",\"id\":\"root\",\"bypass\":true}}",
		/* a toggle whose on is true: lathe sends 1.0, which is not deep-equal to true */
		SESSION("{\"type\":\"button\",\"id\":\"b\",\"address\":\"/bypass\",\"mode\":\"toggle\",\"on\":true,\"off\":false,\"typeTags\":\"i\"}"),
		/* a toggle parameter on a tap button */
		SESSION("{\"type\":\"button\",\"id\":\"b\",\"address\":\"/bypass\",\"mode\":\"tap\",\"on\":1,\"off\":0,\"typeTags\":\"i\"}"),
		/* a dropdown in the object form, showing the index */
		SESSION("{\"type\":\"dropdown\",\"id\":\"d\",\"address\":\"/dither/bits\",\"typeTags\":\"i\",\"values\":{\"16\":0,\"20\":1,\"24\":2}}"),
		/* an enum sent as a float */
		SESSION("{\"type\":\"dropdown\",\"id\":\"d\",\"address\":\"/mb/mode\",\"label\":\"%key\",\"values\":{\"labels\":[\"stereo\",\"mid_side\"],\"values\":[0,1]}}"),
		/* a range other than lathe's */
		SESSION("{\"type\":\"knob\",\"id\":\"k\",\"address\":\"/eq/1/freq\",\"html\":\"F\",\"range\":{\"min\":20,\"max\":20000}}"),
		/* two widgets with one id */
		SESSION("{\"type\":\"text\",\"id\":\"x\"},{\"type\":\"text\",\"id\":\"x\"}"),
		/* a string that is evaluated */
		SESSION("{\"type\":\"text\",\"id\":\"x\",\"html\":\"@{this.id}\"}"),
		/* a string parsed as JSON */
		SESSION("{\"type\":\"text\",\"id\":\"x\",\"html\":\"100\"}"),
		/* an address lathe does not have */
		SESSION("{\"type\":\"button\",\"id\":\"b\",\"address\":\"/limiter/bypas\",\"mode\":\"tap\",\"on\":1,\"typeTags\":\"i\"}"),
		/* a meter that takes touches */
		SESSION("{\"type\":\"fader\",\"id\":\"m\",\"address\":\"/meter/out/peak\",\"range\":{\"min\":-70,\"max\":6}}"),
		/* a subscription renewed too rarely */
		SESSION("{\"type\":\"script\",\"id\":\"s\",\"address\":\"/subscribe\",\"typeTags\":\"i\",\"onCreate\":\"send('/subscribe', 60)\\nsetInterval(function () { send('/subscribe', 60) }, 60000)\"}"),
		/* a panel that would send /p */
		SESSION("{\"type\":\"panel\",\"id\":\"p\",\"layout\":\"vertical\"}"),
		/* tabs and widgets in one container */
		"{\"version\":\"1.27.0\",\"content\":{\"type\":\"root\",\"id\":\"root\",\"bypass\":true,\"widgets\":[{\"type\":\"text\",\"id\":\"x\"}],"
		"\"tabs\":[{\"type\":\"tab\",\"id\":\"t\",\"bypass\":true}]}}",
	};
#undef SESSION
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		walk_state *w = validate(bad[i], strlen(bad[i]), 1);
		ck_assert_msg(w->errors > 0, "bad session %zu passed the validator: %s", i, bad[i]);
		walk_free(w);
	}
	printf("the validator refused all %zu bad sessions\n", sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST(layout_up_to_date)
{
	gen_check_committed(LAYOUT, osc_write_open_stage_control);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("osc_layout");
	TCase *t = suite_add_case(s, "open_stage_control", 60, NULL, NULL);
	/* regenerate (when asked) before the file is validated */
	tcase_add_test(t, layout_up_to_date);
	tcase_add_test(t, layout_passes_the_reference);
	tcase_add_test(t, validator_refuses_bad_sessions);
	return run_suite(s);
}
