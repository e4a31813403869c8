/* lathe — the Open Stage Control 1.x session, generated from the registry,
 * the meter list and the action table.
 *
 * Every rule below comes from ../shared/reference/open-stage-control-format.md
 * (written from Open Stage Control 1.27's source; "ref §N" below):
 * - "version" >= 1.24.3 with "content" runs no converter (ref §2), so the
 *   widgets must already be in the 1.x form: no toggle/label/meter types, no
 *   label/unit on faders and knobs (ref §6), layouts from
 *   default/vertical/horizontal/grid (ref §5);
 * - every string property is evaluated (@{}, #{}, JS{{}}, OSC{}, VAR{},
 *   IMPORT{}) and then parsed as JSON when it looks like JSON (ref §3), so no
 *   generated string may contain those or look like a number, and captions
 *   are plain text;
 * - feedback matches on the exact address and, for buttons, on a value
 *   deep-equal to on/off (ref §8).  lathe sends every parameter back as one
 *   float in natural units (osc/osc.c, parameter feedback), which arrives as a
 *   JavaScript number: toggles are on 1 / off 0, dropdown values are the enum
 *   indices 0..n-1, faders and knobs span the registry's range;
 * - plain numbers go out as floats; integer parameters get typeTags "i" (ref §7);
 * - loading a session sends nothing, but a script widget's onCreate may start
 *   an interval that sends (ref §9): that renews the /subscribe lease, which
 *   lathe otherwise ends (at most 600 s, osc.c handle_subscribe).
 *
 * The JSON is written by json-glib (escaping, structure); this file decides
 * only what goes in it.  Sizes were tuned by loading the session into the
 * real Open Stage Control (1.29.2, server under node, client in headless
 * chromium at 1366x768) against a running lathe. */
#include "osc_layout.h"
#include "osc_addr.h"
#include "engine/modules.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/params.h"

/* The version written: a 1.x release newer than the last converter (1.24.2, ref §2). */
#define OSC_SESSION_VERSION "1.27.0"
/* /subscribe lease asked by the layout and how often it renews it: three
 * renewals per lease, so one lost datagram never ends the feedback. */
#define LEASE_S 60
#define RENEW_MS 20000
/* Snapshots the layout can recall and store. */
static const char *const snapshot_names[] = { "A", "B", "C", "D" };

/* Heights in pixels (a number is rem, and 1 rem is 1 px at zoom 1, ref §4). */
#define ROW_H 40       /* buttons, dropdowns, inputs */
#define VALUE_H 30     /* value display under a knob or fader */
#define SWITCH_W 170   /* column of buttons and dropdowns in a row: "Oversampling: 4x" fits */
#define STRIP_W 110    /* one knob or fader with its value, in a row */

typedef struct {
	JsonBuilder *b;
} osc_layout;

/* ---- JSON helpers ---- */

static void str(osc_layout *L, const char *name, const char *v)
{
	json_builder_set_member_name(L->b, name);
	json_builder_add_string_value(L->b, v);
}

static void integer(osc_layout *L, const char *name, long v)
{
	json_builder_set_member_name(L->b, name);
	json_builder_add_int_value(L->b, v);
}

static void boolean(osc_layout *L, const char *name, int v)
{
	json_builder_set_member_name(L->b, name);
	json_builder_add_boolean_value(L->b, v != 0);
}

/* A registry float written with the digits it was typed with (-1, 0.71, 22000),
 * not float-to-double noise (0.70999997854232788). */
static double tidy(float v)
{
	char buf[32];
	g_ascii_formatd(buf, sizeof buf, "%.6g", v);
	return g_ascii_strtod(buf, NULL);
}

static void number(osc_layout *L, const char *name, float v)
{
	double d = tidy(v);
	json_builder_set_member_name(L->b, name);
	if (d == floor(d) && fabs(d) < 1e9)
		json_builder_add_int_value(L->b, (gint64)d);
	else
		json_builder_add_double_value(L->b, d);
}

static void begin(osc_layout *L, const char *type, const char *id)
{
	json_builder_begin_object(L->b);
	str(L, "type", type);
	str(L, "id", id);
}

static void end(osc_layout *L) { json_builder_end_object(L->b); }

/* A container: children in "widgets"; width and height in px (0: auto),
 * expand to share the free space of a vertical or horizontal parent.  Containers never send (bypass): a
 * panel's value is its scroll position or tab (ref §5), nothing lathe knows. */
static void panel_open(osc_layout *L, const char *id, const char *layout, const char *caption, int width, int height, int expand)
{
	begin(L, "panel", id);
	str(L, "layout", layout);
	if (caption)
		str(L, "html", caption);
	if (width)
		integer(L, "width", width);
	if (height)
		integer(L, "height", height);
	if (expand)
		boolean(L, "expand", 1);
	boolean(L, "bypass", 1);
}

/* After panel_open and any further properties: the children follow. */
static void panel_kids(osc_layout *L)
{
	json_builder_set_member_name(L->b, "widgets");
	json_builder_begin_array(L->b);
}

static void panel_begin(osc_layout *L, const char *id, const char *layout, const char *caption, int width, int height, int expand)
{
	panel_open(L, id, layout, caption, width, height, expand);
	panel_kids(L);
}

static void panel_end(osc_layout *L)
{
	json_builder_end_array(L->b);
	end(L);
}

/* "/eq/3/freq" -> "eq_3_freq" (+ suffix): ids unique and plain. */
static void make_id(char *buf, size_t len, const char *path, const char *suffix)
{
	g_strlcpy(buf, path[0] == '/' ? path + 1 : path, len);
	g_strlcat(buf, suffix, len);
	for (char *p = buf; *p; p++)
		if (*p == '/' || *p == '.' || *p == '-')
			*p = '_';
}

static int decimals_of(const param_info *pi)
{
	if (pi->step >= 1)
		return 0;
	if (pi->min > 0 && pi->min < 1)
		return 3; /* Q 0.1 .. 18, attack 0.1 ms: fine values near the bottom of a log range */
	return 2;
}

/* ---- parameters ---- */

/* "EQ 3 frequency" in the band-3 column -> "Frequency"; "Crossover 1" stays. */
static void caption_of(const param_info *pi, int in_group, char *buf, size_t len)
{
	const char *s = pi->label;
	if (in_group && pi->instance > 0) {
		const char *sp = strchr(s, ' ');
		char num[16];
		snprintf(num, sizeof num, "%d ", pi->instance);
		if (sp && !strncmp(sp + 1, num, strlen(num)) && sp[1 + strlen(num)])
			s = sp + 1 + strlen(num);
	}
	snprintf(buf, len, "%s", s);
	buf[0] = (char)g_ascii_toupper(buf[0]);
}

/* A widget on a parameter: id from the path (suffix for the second widget
 * of the same parameter), the address, "i" when lathe takes integers. */
static void param_begin(osc_layout *L, const char *type, const param_info *pi, const char *suffix, int integral)
{
	char id[80];
	make_id(id, sizeof id, pi->path, suffix);
	begin(L, type, id);
	str(L, "address", pi->path);
	if (integral)
		str(L, "typeTags", "i");
}

static int is_switch(const param_info *pi) { return pi->curve == CURVE_TOGGLE || pi->curve == CURVE_ENUM; }

/* Toggles: a toggle button; lathe sends 0.0 / 1.0 back, which equals on/off. */
static void toggle_widget(osc_layout *L, const param_info *pi, const char *caption)
{
	param_begin(L, "button", pi, "", 1);
	str(L, "mode", "toggle");
	integer(L, "on", 1);
	integer(L, "off", 0);
	number(L, "default", pi->def);
	str(L, "label", caption);
	integer(L, "height", ROW_H);
	end(L);
}

/* Enums: a dropdown over the indices (lathe sends the index back as a float:
 * strict === against a number matches).  The labels/values form keeps names
 * such as "16" in order (ref §6, dropdown).  The label shows the caption and
 * the chosen name through %key (the default label shows the value, i.e. the
 * index, and a fixed label would hide the choice). */
static void enum_widget(osc_layout *L, const param_info *pi, const char *caption)
{
	param_begin(L, "dropdown", pi, "", 1);
	json_builder_set_member_name(L->b, "values");
	json_builder_begin_object(L->b);
	json_builder_set_member_name(L->b, "labels");
	json_builder_begin_array(L->b);
	for (int k = 0; k < pi->n_enums; k++) {
		/* A name that is a number ("16", "24") would be parsed to one (ref §3:
		 * nested strings are resolved too).  A no-break space after it is
		 * not JSON whitespace, so the label stays the text it shows. */
		char label[64];
		snprintf(label, sizeof label, "%s%s", pi->enums[k],
			g_ascii_isdigit(pi->enums[k][0]) && !strpbrk(pi->enums[k], "abcdefghijklmnopqrstuvwxyz") ? "\u00a0" : "");
		json_builder_add_string_value(L->b, label);
	}
	json_builder_end_array(L->b);
	json_builder_set_member_name(L->b, "values");
	json_builder_begin_array(L->b);
	for (int k = 0; k < pi->n_enums; k++)
		json_builder_add_int_value(L->b, k);
	json_builder_end_array(L->b);
	json_builder_end_object(L->b);
	char label[96];
	snprintf(label, sizeof label, "%s: %%key", caption);
	str(L, "label", label);
	boolean(L, "icon", 0); /* the arrow takes room the caption needs in a band column */
	number(L, "default", pi->def);
	integer(L, "height", ROW_H);
	end(L);
}

/* The value under a knob or fader: an input on the same address, so it shows
 * lathe's value with its unit and takes a typed one (ref §6, input). */
static void value_input(osc_layout *L, const param_info *pi, int integral)
{
	param_begin(L, "input", pi, "_value", integral);
	str(L, "unit", pi->unit);
	integer(L, "decimals", decimals_of(pi));
	number(L, "default", pi->def);
	integer(L, "height", VALUE_H);
	end(L);
}

/* Continuous and integer parameters: a fader for levels (dB outside the bands),
 * a knob for the rest, the caption in html, the value with its unit below. */
static void strip_widget(osc_layout *L, const param_info *pi, const char *caption)
{
	char strip[90];
	make_id(strip, sizeof strip, pi->path, "_strip");
	panel_begin(L, strip, "vertical", NULL, STRIP_W, 0, 1);
	int integral = pi->step >= 1;
	param_begin(L, pi->curve == CURVE_DB && pi->instance == 0 ? "fader" : "knob", pi, "", integral);
	json_builder_set_member_name(L->b, "range");
	json_builder_begin_object(L->b);
	number(L, "min", pi->min);
	number(L, "max", pi->max);
	json_builder_end_object(L->b);
	if (pi->curve == CURVE_LOG && pi->min > 0)
		boolean(L, "logScale", 1);
	if (integral && pi->max - pi->min <= 32) {
		/* only the integers of the range: feedback and touch both snap to them */
		json_builder_set_member_name(L->b, "steps");
		json_builder_begin_array(L->b);
		for (int v = (int)pi->min; v <= (int)pi->max; v++)
			json_builder_add_int_value(L->b, v);
		json_builder_end_array(L->b);
	}
	integer(L, "decimals", decimals_of(pi));
	number(L, "default", pi->def);
	boolean(L, "doubleTap", 1); /* double tap: back to the default, sent */
	str(L, "html", caption);
	boolean(L, "expand", 1);
	end(L);
	value_input(L, pi, integral);
	panel_end(L);
}

/* ---- actions ---- */

/* A tap button for an action: sends on once per press (ref §6, button). */
static void action_button(osc_layout *L, const char *id, const char *label, const char *path, const char *arg)
{
	begin(L, "button", id);
	str(L, "address", path);
	str(L, "mode", "tap");
	if (arg) {
		str(L, "on", arg);
		str(L, "typeTags", "s");
	} else {
		/* lathe takes a nonzero number as a press (osc.c trigger) */
		integer(L, "on", 1);
		str(L, "typeTags", "i");
	}
	integer(L, "off", 0);
	str(L, "label", label);
	integer(L, "height", ROW_H);
	end(L);
}

/* ---- modules ---- */

/* A module's panel title: its row in the module table (engine/modules.c). */
static const char *title_of(const char *module)
{
	const lathe_module *m = lathe_module_find(module);
	return m ? m->title : module;
}

/* "/mb/2/ratio" -> "/mb/2"; "/mb/bands" -> "/mb" (the module itself). */
static void group_of(const param_info *pi, char *buf, size_t len)
{
	snprintf(buf, len, "%s", pi->path);
	char *slash = strrchr(buf, '/');
	if (slash && slash != buf)
		*slash = 0;
	else
		snprintf(buf, len, "/%s", pi->module);
}

static int in_module(const param_info *pi, const char *module) { return !strcmp(pi->module, module); }

/* Actions that belong to a module: shown with its switches. */
static const struct { const char *group, *id, *label, *path; } module_actions[] = {
	{ "/target", "target_learn", "Learn", "/target/learn" },
};

/* Height of a column of n buttons and dropdowns, and of its panel. */
#define SWITCHES_H(n) ((n) * (ROW_H + 8) + 8)

static void count_group(const char *module, const char *group, int *n_switch, int *n_enum, int *n_strip)
{
	*n_switch = *n_enum = *n_strip = 0;
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		char g[64];
		group_of(pi, g, sizeof g);
		if (!in_module(pi, module) || strcmp(g, group))
			continue;
		(*(is_switch(pi) ? n_switch : n_strip))++;
		*n_enum += pi->curve == CURVE_ENUM;
	}
	for (size_t a = 0; a < sizeof module_actions / sizeof module_actions[0]; a++)
		*n_switch += !strcmp(module_actions[a].group, group);
}

/* Rows the switches of a group take: two per row in a band column when they
 * are all buttons (short labels), one per row otherwise. */
static int switch_rows(int vertical, int n_switch, int n_enum)
{
	return vertical && n_switch > 2 && !n_enum ? (n_switch + 1) / 2 : n_switch;
}

/* The parameters of one group: switches (and the group's actions) in one
 * column or a two-column grid, then the knobs and faders (in two columns
 * when a band has more than four). */
static void write_group_body(osc_layout *L, const char *module, const char *group, int vertical, int in_group)
{
	char id[96];
	int n = params_count(), n_switch, n_enum, n_strip;
	count_group(module, group, &n_switch, &n_enum, &n_strip);
	if (n_switch) {
		int rows = switch_rows(vertical, n_switch, n_enum);
		make_id(id, sizeof id, group, "_switches");
		panel_open(L, id, rows < n_switch ? "grid" : "vertical", NULL, vertical ? 0 : SWITCH_W, SWITCHES_H(rows), 0);
		if (rows < n_switch)
			integer(L, "gridTemplate", 2);
		panel_kids(L);
		for (int i = 0; i < n; i++) {
			const param_info *pi = param_info_get(i);
			char g[64], cap[64];
			group_of(pi, g, sizeof g);
			if (!in_module(pi, module) || strcmp(g, group) || !is_switch(pi))
				continue;
			caption_of(pi, in_group, cap, sizeof cap);
			if (pi->curve == CURVE_TOGGLE)
				toggle_widget(L, pi, cap);
			else
				enum_widget(L, pi, cap);
		}
		for (size_t a = 0; a < sizeof module_actions / sizeof module_actions[0]; a++)
			if (!strcmp(module_actions[a].group, group))
				action_button(L, module_actions[a].id, module_actions[a].label, module_actions[a].path, NULL);
		panel_end(L);
	}
	int split = vertical && n_strip > 4;
	for (int half = 0; half < (split ? 2 : 1); half++) {
		if (split) {
			if (half == 0) {
				make_id(id, sizeof id, group, "_knobs");
				panel_begin(L, id, "horizontal", NULL, 0, 0, 1);
			}
			make_id(id, sizeof id, group, half ? "_knobs_2" : "_knobs_1");
			panel_begin(L, id, "vertical", NULL, 0, 0, 1);
		}
		int k = 0;
		for (int i = 0; i < n; i++) {
			const param_info *pi = param_info_get(i);
			char g[64], cap[64];
			group_of(pi, g, sizeof g);
			if (!in_module(pi, module) || strcmp(g, group) || is_switch(pi))
				continue;
			int mine = !split || (half == 0 ? k < (n_strip + 1) / 2 : k >= (n_strip + 1) / 2);
			k++;
			if (!mine)
				continue;
			caption_of(pi, in_group, cap, sizeof cap);
			strip_widget(L, pi, cap);
		}
		if (split) {
			panel_end(L);
			if (half == 1)
				panel_end(L);
		}
	}
}

/* The caption of a group column: "Band 3", "Crossovers". */
static void group_caption(const char *module, const char *group, char *buf, size_t len)
{
	const char *last = strrchr(group, '/') + 1;
	if (g_ascii_isdigit(*last))
		snprintf(buf, len, "%s %s", !strcmp(module, "eq") ? "EQ" : "Band", last);
	else
		snprintf(buf, len, "%c%ss", g_ascii_toupper(*last), last + 1);
}

static void write_module(osc_layout *L, const char *module)
{
	char id[96], top[64];
	snprintf(top, sizeof top, "/%s", module);
	/* the groups other than the module itself, in registry order */
	char groups[16][64];
	int n_groups = 0, n_top = 0;
	for (int i = 0; i < params_count(); i++) {
		const param_info *pi = param_info_get(i);
		if (!in_module(pi, module))
			continue;
		char g[64];
		group_of(pi, g, sizeof g);
		if (!strcmp(g, top)) {
			n_top += is_switch(pi) ? 0 : 1;
			continue;
		}
		int known = 0;
		for (int k = 0; k < n_groups; k++)
			known |= !strcmp(groups[k], g);
		if (!known && n_groups < 16)
			snprintf(groups[n_groups++], sizeof groups[0], "%s", g);
	}
	make_id(id, sizeof id, module, "_module");
	int has_switches = 0;
	for (int i = 0; i < params_count(); i++)
		has_switches |= in_module(param_info_get(i), module) && is_switch(param_info_get(i));
	/* a module with band columns shares the page; a small one takes what it needs */
	panel_begin(L, id, "vertical", title_of(module),
		n_groups ? 0 : n_top * STRIP_W + (has_switches ? SWITCH_W : 0) + 16, 0, n_groups > 0);
	/* above band columns, the module's own row takes only the height it needs */
	int n_switch, n_enum, n_strip;
	count_group(module, top, &n_switch, &n_enum, &n_strip);
	int main_h = SWITCHES_H(n_switch) > (n_strip ? 180 : 0) ? SWITCHES_H(n_switch) : 180;
	make_id(id, sizeof id, module, "_main");
	panel_begin(L, id, "horizontal", NULL, 0, n_groups ? main_h + 16 : 0, !n_groups);
	write_group_body(L, module, top, 0, 0);
	panel_end(L);
	if (n_groups) {
		make_id(id, sizeof id, module, "_groups");
		panel_begin(L, id, "horizontal", NULL, 0, 0, 1);
		for (int k = 0; k < n_groups; k++) {
			char cap[64];
			group_caption(module, groups[k], cap, sizeof cap);
			make_id(id, sizeof id, groups[k], "_group");
			panel_begin(L, id, "vertical", cap, 0, 0, 1);
			write_group_body(L, module, groups[k], 1, 1);
			panel_end(L);
		}
		panel_end(L);
	}
	panel_end(L);
}

/* ---- the master page: actions and meters ---- */

static void write_snapshots(osc_layout *L)
{
	const char *verbs[2][3] = { { "recall", "Recall", "/snapshot/recall" }, { "store", "Store", "/snapshot/store" } };
	panel_begin(L, "snapshots", "vertical", "Snapshots", 4 * 70 + 16, 0, 0);
	for (int v = 0; v < 2; v++) {
		char row[32];
		snprintf(row, sizeof row, "snapshot_%s", verbs[v][0]);
		panel_begin(L, row, "horizontal", NULL, 0, ROW_H + 8, 0);
		for (size_t k = 0; k < sizeof snapshot_names / sizeof snapshot_names[0]; k++) {
			char id[48], label[48];
			snprintf(id, sizeof id, "snapshot_%s_%c", verbs[v][0], g_ascii_tolower(snapshot_names[k][0]));
			snprintf(label, sizeof label, "%s %s", verbs[v][1], snapshot_names[k]);
			action_button(L, id, label, verbs[v][2], snapshot_names[k]);
		}
		panel_end(L);
	}
	/* the crossfade time of a recall lives with the snapshots */
	write_group_body(L, "snapshot", "/snapshot", 1, 0);
	panel_end(L);
}

/* Named sessions: an input sends what is typed, as a string whatever it looks like. */
static void session_input(osc_layout *L, const char *id, const char *caption, const char *path)
{
	begin(L, "input", id);
	str(L, "address", path);
	str(L, "typeTags", "s");
	str(L, "html", caption);
	integer(L, "height", ROW_H + 30);
	end(L);
}

/* Last reply to this tablet: /done s and /error ss come back to the sender. */
static void status_text(osc_layout *L, const char *id, const char *caption, const char *path)
{
	begin(L, "text", id);
	str(L, "address", path);
	str(L, "html", caption);
	str(L, "align", "left");
	boolean(L, "wrap", 1);
	integer(L, "height", ROW_H + 30);
	end(L);
}

/* The subscription: a script widget whose onCreate subscribes at once and
 * renews the lease on an interval (ref §9: an interval started in onCreate
 * may send).  send() goes to the server's --send targets: lathe.  lathe
 * answers the port the request came from, Open Stage Control's one socket
 * (ref §8), so no --osc-feedback is needed. */
static void write_subscription(osc_layout *L)
{
	char script[512];
	snprintf(script, sizeof script,
		"// lathe ends a subscription when its lease runs out: ask for %d s and renew every %d s.\n"
		"send('/subscribe', %d)\n"
		"setInterval(function () { send('/subscribe', %d) }, %d)\n",
		LEASE_S, RENEW_MS / 1000, LEASE_S, LEASE_S, RENEW_MS);
	begin(L, "script", "subscription");
	str(L, "address", "/subscribe");
	str(L, "typeTags", "i");
	str(L, "onCreate", script);
	end(L);
}

static void write_actions(osc_layout *L)
{
	panel_begin(L, "actions", "vertical", "Edit", 2 * 110 + 16, 0, 0);
	panel_begin(L, "undo_redo", "horizontal", NULL, 0, ROW_H + 8, 0);
	action_button(L, "undo", "Undo", "/undo", NULL);
	action_button(L, "redo", "Redo", "/redo", NULL);
	panel_end(L);
	action_button(L, "loudness_reset", "Reset loudness", "/loudness/reset", NULL);
	begin(L, "button", "subscribe_now");
	str(L, "address", "/subscribe");
	str(L, "mode", "tap");
	integer(L, "on", LEASE_S);
	integer(L, "off", 0);
	str(L, "typeTags", "i");
	str(L, "label", "Resubscribe");
	integer(L, "height", ROW_H);
	end(L);
	session_input(L, "session_save", "Save session as", "/session/save");
	session_input(L, "session_load", "Load session", "/session/load");
	panel_end(L);
	panel_begin(L, "status", "vertical", "Replies", 0, 0, 1);
	status_text(L, "status_done", "Done", "/done");
	status_text(L, "status_error", "Error", "/error");
	write_subscription(L);
	panel_end(L);
}

/* The reference player (issue 13) on the Monitor page: play, stop, load a
 * file of the session folder by name, and its state (playing, position,
 * length) as lathe pushes it to subscribers. */
static void write_reference(osc_layout *L)
{
	panel_begin(L, "reference", "vertical", "Reference", 2 * 110 + 16, 0, 0);
	panel_begin(L, "ref_transport", "horizontal", NULL, 0, ROW_H + 8, 0);
	action_button(L, "ref_play", "Play", "/monitor/ref/play", NULL);
	action_button(L, "ref_stop", "Stop", "/monitor/ref/stop", NULL);
	panel_end(L);
	session_input(L, "ref_load", "Load reference (a file in the session folder)", "/monitor/ref/load");
	status_text(L, "ref_state", "Playing · position s · length s", "/monitor/ref/state");
	panel_end(L);
}

/* Short captions for meter columns, by the address's last component. */
static const struct { const char *last, *caption; } meter_captions[] = {
	{ "peak", "Peak" }, { "true_peak", "True pk" }, { "lufs_m", "M" }, { "lufs_s", "S" },
	{ "lufs_i", "I" }, { "lra", "LRA" }, { "plr", "PLR" }, { "correlation", "Corr" },
	{ "limiter", "Limiter" }, { "peak_l", "Peak L" }, { "peak_r", "Peak R" }, { "true_peak_l", "TP L" },
	{ "true_peak_r", "TP R" }, { "rate", "Rate" },
};

static void write_meter(osc_layout *L, int i)
{
	const osc_meter_info *m = osc_meter_get(i);
	const char *last = strrchr(m->path, '/') + 1;
	char caption[64], id[80], strip[90];
	snprintf(caption, sizeof caption, "%s", m->label);
	for (size_t k = 0; k < sizeof meter_captions / sizeof meter_captions[0]; k++)
		if (!strcmp(meter_captions[k].last, last))
			snprintf(caption, sizeof caption, "%s", meter_captions[k].caption);
	if (g_ascii_isdigit(*last))
		snprintf(caption, sizeof caption, "Band %s", last);
	int eq_gain = !strncmp(m->path, "/meter/eq/", 10); /* /meter/eq/N/gain */
	if (eq_gain)
		snprintf(caption, sizeof caption, "Band %d", atoi(m->path + 10));
	const char *plat = strstr(m->path, "/platform/");
	if (plat) /* "/meter/platform/spotify/gain": "spotify<br>gain" */
		snprintf(caption, sizeof caption, "%.*s<br>%s", (int)(last - 1 - (plat + 10)), plat + 10,
			!strcmp(last, "gain") ? "gain" : "TP");
	/* the unit on a second line: a meter column is too narrow for "-70.0 LUFS" */
	if (*m->unit) {
		size_t l = strlen(caption);
		snprintf(caption + l, sizeof caption - l, "<br>%s", m->unit);
	}
	make_id(id, sizeof id, m->path, "");
	make_id(strip, sizeof strip, m->path, "_strip");
	panel_begin(L, strip, "vertical", NULL, 0, 0, 1);
	begin(L, "fader", id);
	str(L, "address", m->path);
	boolean(L, "interaction", 0); /* a meter: lathe moves it, a touch must not send */
	str(L, "design", "compact");
	json_builder_set_member_name(L->b, "range");
	json_builder_begin_object(L->b);
	number(L, "min", m->min);
	number(L, "max", m->max);
	json_builder_end_object(L->b);
	if (m->min < 0 && m->max > 0 && (!*m->unit || eq_gain))
		integer(L, "origin", 0); /* correlation, EQ gain: the bar grows from 0 */
	number(L, "default", m->min);
	integer(L, "decimals", m->quantum < 0.1f ? 2 : 1);
	str(L, "html", caption);
	boolean(L, "expand", 1);
	end(L);
	/* the number; a text widget never sends (ref §6, text) */
	make_id(id, sizeof id, m->path, "_value");
	begin(L, "text", id);
	str(L, "address", m->path);
	integer(L, "decimals", m->quantum < 0.1f ? 2 : 1);
	number(L, "default", m->min);
	integer(L, "height", VALUE_H);
	end(L);
	panel_end(L);
}

static void write_meters(osc_layout *L)
{
	static const struct { const char *prefix, *id, *caption; } groups[] = {
		{ "/meter/out/", "meters_out", "Output" },
		{ "/meter/in/", "meters_in", "Input" },
		{ "/meter/gr/", "meters_gr", "Gain reduction" },
		{ "/meter/eq/", "meters_eq", "EQ gain" },
		{ "/meter/platform/", "meters_platform", "Platforms" },
		{ "/meter/rate", "meters_engine", "Engine" },
	};
	panel_begin(L, "meters", "horizontal", NULL, 0, 0, 1);
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		panel_begin(L, groups[g].id, "horizontal", groups[g].caption, 0, 0, 1);
		for (int i = 0; i < osc_meter_count(); i++)
			if (!strncmp(osc_meter_get(i)->path, groups[g].prefix, strlen(groups[g].prefix)))
				write_meter(L, i);
		panel_end(L);
	}
	panel_end(L);
}

/* ---- tabs ---- */

/* Pages of the layout.  Which module goes to which page is the osc_tab of its row in
 * the module table (engine/modules.c); a module without a row (or with a page not
 * listed here) goes to the last page rather than nowhere. */
static const struct { const char *id, *label; } tabs[] = {
	{ "master", "Master" },
	{ "input_eq", "Input / EQ" },
	{ "dynamics", "Dynamics" },
	{ "imager_saturation", "Imager / Saturation" },
	{ "limiter_output", "Limiter / Output" },
	{ "monitor", "Monitor" },
};
#define N_TABS ((int)(sizeof tabs / sizeof tabs[0]))

int osc_layout_tab_count(void) { return N_TABS; }

int osc_layout_tab_index(const char *tab_id)
{
	for (int t = 0; tab_id && t < N_TABS; t++)
		if (!strcmp(tabs[t].id, tab_id))
			return t;
	return -1;
}

const char *osc_layout_tab_label(int t) { return t >= 0 && t < N_TABS ? tabs[t].label : NULL; }

static int tab_of(const char *module)
{
	const lathe_module *m = lathe_module_find(module);
	int t = m ? osc_layout_tab_index(m->osc_tab) : -1;
	return t >= 0 ? t : N_TABS - 1;
}

/* Modules of tab t in registry order, each once. */
static void write_tab_modules(osc_layout *L, int t)
{
	const char *done[32];
	int n_done = 0;
	for (int i = 0; i < params_count(); i++) {
		const char *module = param_info_get(i)->module;
		if (tab_of(module) != t || !strcmp(module, "snapshot"))
			continue;
		int seen = 0;
		for (int k = 0; k < n_done; k++)
			seen |= !strcmp(done[k], module);
		if (seen || n_done == 32)
			continue;
		done[n_done++] = module;
		write_module(L, module);
	}
}

static void write_tab(osc_layout *L, int t)
{
	begin(L, "tab", tabs[t].id);
	str(L, "label", tabs[t].label);
	str(L, "layout", t == 0 ? "vertical" : "horizontal");
	boolean(L, "bypass", 1);
	json_builder_set_member_name(L->b, "widgets");
	json_builder_begin_array(L->b);
	if (t == 0) {
		panel_begin(L, "master_controls", "horizontal", NULL, 0, 330, 0);
		write_tab_modules(L, t);
		write_snapshots(L);
		write_actions(L);
		panel_end(L);
		write_meters(L);
	} else {
		write_tab_modules(L, t);
		if (!strcmp(tabs[t].id, "monitor"))
			write_reference(L);
	}
	json_builder_end_array(L->b);
	end(L);
}

void osc_write_open_stage_control(FILE *f)
{
	params_init();
	osc_layout L = { json_builder_new() };
	json_builder_begin_object(L.b);
	str(&L, "version", OSC_SESSION_VERSION);
	str(&L, "createdWith", "Open Stage Control");
	str(&L, "type", "session");
	json_builder_set_member_name(L.b, "content");
	begin(&L, "root", "root");
	str(&L, "comments", "Generated from the lathe parameter registry by osc_write_open_stage_control() (osc/osc_layout.c); do not edit.");
	boolean(&L, "bypass", 1);
	json_builder_set_member_name(L.b, "tabs");
	json_builder_begin_array(L.b);
	for (int t = 0; t < N_TABS; t++)
		write_tab(&L, t);
	json_builder_end_array(L.b);
	end(&L);
	json_builder_end_object(L.b);

	JsonGenerator *g = json_generator_new();
	json_generator_set_pretty(g, TRUE);
	json_generator_set_indent(g, 1);
	JsonNode *root = json_builder_get_root(L.b);
	json_generator_set_root(g, root);
	gchar *text = json_generator_to_data(g, NULL);
	fputs(text, f);
	fputc('\n', f);
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(L.b);
}

/* ---- docs/osc.md ---- */

void osc_layout_write_markdown(FILE *f)
{
	fprintf(f, "\n## Open Stage Control\n\n"
	           "`osc/layouts/lathe-open-stage-control.json` is a session for Open Stage Control 1.x, generated from\n"
	           "the same tables by `osc_write_open_stage_control()` (`osc/osc_layout.c`). Start Open Stage Control\n"
	           "with `--send HOST:7770` (lathe's address and `--osc-port`) and open the session; its `--osc-port`\n"
	           "can be anything. Open Stage Control sends and receives on one UDP socket, so lathe's replies to the\n"
	           "sender reach it: the layout subscribes when it loads and renews the lease (%d s) every %d s by itself\n"
	           "(a script widget), so feedback and meters never stop. No `--osc-feedback` is needed.\n\n"
	           "Pages: **Master** (global bypass, target loudness with Learn, snapshots A-D recall/store and fade,\n"
	           "undo/redo, loudness reset, session save/load, the last `/done` and `/error`, and the meters),\n"
	           "the Monitor page also has the reference player (play, stop, load a file of the session folder),\n",
		LEASE_S, RENEW_MS / 1000);
	/* the other pages with the modules on each, from the module table */
	for (int t = 1; t < N_TABS; t++) {
		fprintf(f, "%s**%s** (", t == 1 ? "" : t == N_TABS - 1 ? " and " : ", ", tabs[t].label);
		int k = 0;
		for (int i = 0; i < lathe_module_count(); i++)
			if (tab_of(lathe_module_get(i)->id) == t)
				fprintf(f, "%s%s", k++ ? ", " : "", lathe_module_get(i)->title);
		fprintf(f, ")");
	}
	fprintf(f, ".\n"
	           "Toggles are toggle buttons, enums dropdowns, levels faders and the rest knobs, each with its value\n"
	           "and unit below (type a value there to set it).\n");
	fprintf(f, "\n## TouchOSC\n\n"
	           "TouchOSC sends from one port and listens on another, and lathe replies to the port a message came\n"
	           "from, so lathe must be told where TouchOSC listens. In TouchOSC's OSC connection:\n\n"
	           "| TouchOSC setting | value |\n| --- | --- |\n"
	           "| Host | the lathe computer's address, the one given to `--osc-bind` (e.g. 192.168.1.20) |\n"
	           "| Send port (outgoing) | lathe's `--osc-port`, 7770 by default |\n"
	           "| Receive port (incoming) | a free port on the tablet, e.g. 9000 |\n\n"
	           "Then either start lathe with `--osc-bind 192.168.1.20 --osc-feedback TABLET:9000` (TABLET is the\n"
	           "tablet's address: a permanent target, no lease, the state is sent at start-up), or, without a\n"
	           "restart, have TouchOSC send `/reply/port 9000` once (replies and feedback for its host then go to\n"
	           "that port) and `/subscribe 600` (the whole state comes back; send it again before the lease ends,\n"
	           "e.g. from a script's timer).\n\n"
	           "Mapping: a fader or rotary to a parameter address with the control's range set to the parameter's\n"
	           "range (the tables above), or to its `/norm` twin with TouchOSC's default 0..1; a toggle button to a\n"
	           "toggle parameter (values 0 and 1); a momentary button to an action (it sends 1 on press, lathe\n"
	           "ignores the 0 of the release); for the named actions (`/snapshot/recall`, `/snapshot/store`) a\n"
	           "button whose message carries the name as a string (`A`); a label to a meter address, or to\n"
	           "`/text` + a parameter address for the value with its unit. Feedback comes on the address and on\n"
	           "its `/norm` twin, so either mapping follows changes made on the console or by another client.\n");
}
