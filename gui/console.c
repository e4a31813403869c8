/* lathe — the console window (see console.h). */
#include "console.h"
#include "albumwin.h"
#include "trace.h"
#include "../engine/modules.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The chain strip's sections, from the module table (engine/modules.c: id, title and the
 * line under each section's name, in console_page order).  Filled before main() so the
 * code below reads them as plain arrays; tests/unit/test_modules.c checks that the table
 * has exactly CONSOLE_SECTIONS pages. */
static const char *section_module[CONSOLE_SECTIONS], *section_title[CONSOLE_SECTIONS], *section_about[CONSOLE_SECTIONS];
__attribute__((constructor)) static void sections_from_modules(void)
{
	for (int s = 0; s < CONSOLE_SECTIONS; s++) {
		const lathe_module *m = lathe_module_console_page(s + 1);
		section_module[s] = m ? m->id : "";
		section_title[s] = m ? m->title : "";
		section_about[s] = m ? m->about : "";
	}
}
static const char *const snapshot_names[4] = { "A", "B", "C", "D" };

#define STATUS_US (G_USEC_PER_SEC / 2)
#define MSG_US (6 * G_USEC_PER_SEC)
/* off-screen controls follow the store at most this often (on-screen ones every frame) */
#define HIDDEN_SYNC_US (G_USEC_PER_SEC / 4)

static const char css[] =
	"window.lathe { background: #101215; color: #d8dce3; }\n"
	"window.lathe headerbar { background: #16191d; border-bottom: 1px solid #262a31; min-height: 38px; box-shadow: none; }\n"
	".title-main { font-weight: bold; font-size: 13px; }\n"
	".title-sub { font-size: 10px; color: #7d8591; }\n"
	".strip { background: #14171b; border-bottom: 1px solid #262a31; padding: 5px 6px; }\n"
	".card { background: #1b1e23; border-radius: 6px; border: 1px solid #2a2e35; padding: 2px; }\n"
	".card.selected { border-color: #4fb3ff; background: #1d2531; }\n"
	".card.off .section-name { color: #6b717b; }\n"
	".section-name { font-weight: bold; padding: 2px 5px; min-height: 22px; background: none; border: none; box-shadow: none; }\n"
	".section-name:checked { background: none; color: #ffffff; }\n"
	".flow { color: #4a505a; font-size: 12px; }\n"
	".page { padding: 10px 12px; }\n"
	".band { background: #171a1e; border: 1px solid #262a31; border-radius: 6px; padding: 6px; }\n"
	".band-title { font-weight: bold; font-size: 11px; color: #aeb4be; }\n"
	".panel-title { font-size: 10px; font-weight: bold; color: #7d8591; letter-spacing: 1px; }\n"
	".control .caption { font-size: 10px; color: #8b93a0; }\n"
	".control entry.value { min-height: 18px; padding: 0 2px; font-size: 11px; background: #0d0f12; border: 1px solid #2a2e35; color: #e8ebf0; }\n"
	".control dropdown button { min-height: 22px; padding: 1px 6px; font-size: 11px; }\n"
	".control button.toggle { min-height: 20px; padding: 1px 8px; font-size: 11px; }\n"
	".control button.toggle:checked { background: #2b6cb0; color: #ffffff; }\n"
	".control button.bypass:checked { background: #b7791f; color: #101215; }\n"
	".card .control button.bypass { min-height: 16px; padding: 0 5px; font-size: 9px; }\n"
	"button.master-bypass:checked, .master .control button.bypass:checked { background: #e03131; color: #ffffff; }\n"
	".snap { min-width: 26px; padding: 2px 4px; font-weight: bold; }\n"
	".snap.stored { color: #ffffff; border-bottom: 2px solid #4fb3ff; }\n"
	".snap.current { background: #2b6cb0; color: #ffffff; }\n"
	".store:checked { background: #e8590c; color: #ffffff; }\n"
	".meter-column { background: #16191d; border-left: 1px solid #262a31; padding: 6px; }\n"
	".bottom { background: #14171b; border-top: 1px solid #262a31; padding: 6px 8px; }\n"
	".monitor { background: #171a1e; border: 1px solid #262a31; border-radius: 6px; padding: 6px; }\n"
	".statusbar { background: #0b0d10; border-top: 1px solid #262a31; padding: 3px 10px; font-size: 11px; color: #9aa1ac; }\n"
	".hear { padding: 0 8px; border-left: 1px solid #262a31; }\n"
	".hear-caption { font-size: 9px; color: #7d8591; letter-spacing: 1px; }\n"
	".hear-source { font-weight: bold; font-size: 13px; }\n"
	".hear-source.master { color: #38c98a; } .hear-source.input { color: #f0b429; } .hear-source.reference { color: #4fb3ff; }\n"
	".ok { color: #38c98a; } .bad { color: #ff5a52; } .warn { color: #f0b429; }\n";

/* ---- small helpers ---- */

static void set_action_enabled(console *c, const char *name, gboolean on)
{
	GAction *a = g_action_map_lookup_action(G_ACTION_MAP(c->window), name);
	if (a)
		g_simple_action_set_enabled(G_SIMPLE_ACTION(a), on);
}

void console_message(console *c, const char *text, gboolean error)
{
	gui_trace("message %s %s", error ? "error" : "ok", text);
	gtk_label_set_text(GTK_LABEL(c->st_msg), text);
	/* the whole line, should the status bar have to cut it */
	gtk_widget_set_tooltip_text(c->st_msg, text);
	gtk_widget_remove_css_class(c->st_msg, "bad");
	gtk_widget_remove_css_class(c->st_msg, "ok");
	gtk_widget_add_css_class(c->st_msg, error ? "bad" : "ok");
	c->msg_until_us = g_get_monotonic_time() + MSG_US;
}

static gui_control *add_control(console *c, int id, const char *caption, gboolean compact)
{
	gui_control *ctl = gui_control_new(c->surf, id, caption, compact);
	c->controls[id] = ctl;
	return ctl;
}

static GtkWidget *label_with(const char *text, const char *cls)
{
	GtkWidget *l = gtk_label_new(text);
	gtk_widget_add_css_class(l, cls);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	return l;
}

/* "/eq/3/freq": a per-band parameter (number in the middle) */
static gboolean is_band_param(const param_info *pi)
{
	const char *s = strchr(pi->path + 1, '/');
	return s && g_ascii_isdigit(s[1]) && strchr(s + 1, '/');
}

static gboolean is_bypass(const param_info *pi) { return g_str_has_suffix(pi->path, "/bypass"); }

/* A row of controls of one module: knobs first, then menus, then switches
 * (the order the eye reads: what you turn, what you choose, what you switch). */
static GtkWidget *controls_row(console *c, int *ids, int n, gboolean compact)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10);
	GtkWidget *toggles = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	gtk_widget_set_valign(toggles, GTK_ALIGN_CENTER);
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < n; i++) {
			const param_info *pi = param_info_get(ids[i]);
			int kind = pi->curve == CURVE_TOGGLE ? 2 : pi->curve == CURVE_ENUM ? 1 : 0;
			if (kind != pass)
				continue;
			gui_control *ctl = add_control(c, ids[i], NULL, compact);
			gtk_box_append(GTK_BOX(kind == 2 ? toggles : row), ctl->root);
			if (kind == 1)
				gtk_widget_set_valign(ctl->root, GTK_ALIGN_START);
		}
	if (gtk_widget_get_first_child(toggles))
		gtk_box_append(GTK_BOX(row), toggles);
	else
		g_object_ref_sink(toggles), g_object_unref(toggles);
	return row;
}

/* ---- section pages ---- */

static void on_eq_band_button(GtkToggleButton *b, gpointer ud)
{
	console *c = ud;
	if (!gtk_toggle_button_get_active(b))
		return;
	for (int i = 0; i < EQ_BANDS; i++)
		if (GTK_WIDGET(b) == c->eq_band_btn[i]) {
			char name[16];
			snprintf(name, sizeof name, "%d", i + 1);
			gtk_stack_set_visible_child_name(GTK_STACK(c->eq_band_stack), name);
		}
}

static void on_eq_node(int band, void *ud)
{
	console *c = ud;
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->eq_band_btn[band]), TRUE);
}

static GtkWidget *eq_page(console *c)
{
	GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	c->eq = eq_view_new(c->surf);
	c->eq->on_select = on_eq_node;
	c->eq->select_ud = c;
	gtk_box_append(GTK_BOX(page), c->eq->area);

	GtkWidget *tabs = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
	gtk_box_append(GTK_BOX(tabs), label_with("BAND", "panel-title"));
	c->eq_band_stack = gtk_stack_new();
	gtk_stack_set_transition_type(GTK_STACK(c->eq_band_stack), GTK_STACK_TRANSITION_TYPE_NONE);
	GtkCssProvider *prov = gtk_css_provider_new();
	GString *bcss = g_string_new("");
	for (int b = 0; b < EQ_BANDS; b++) {
		GdkRGBA col;
		eq_band_color(b, &col);
		char *hex = gdk_rgba_to_string(&col);
		g_string_append_printf(bcss, ".band%d { color: %s; font-weight: bold; } .band%d:checked { background: alpha(%s, 0.25); color: %s; }\n",
		                       b + 1, hex, b + 1, hex, hex);
		g_free(hex);
		char name[16];
		snprintf(name, sizeof name, "%d", b + 1);
		GtkWidget *btn = gtk_toggle_button_new_with_label(name);
		char cls[24];
		snprintf(cls, sizeof cls, "band%d", b + 1);
		gtk_widget_add_css_class(btn, cls);
		if (b)
			gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(btn), GTK_TOGGLE_BUTTON(c->eq_band_btn[0]));
		char acc[24];
		snprintf(acc, sizeof acc, "EQ band %d", b + 1);
		gtk_accessible_update_property(GTK_ACCESSIBLE(btn), GTK_ACCESSIBLE_PROPERTY_LABEL, acc, -1);
		g_signal_connect(btn, "toggled", G_CALLBACK(on_eq_band_button), c);
		c->eq_band_btn[b] = btn;
		gtk_box_append(GTK_BOX(tabs), btn);

		/* this band's rows: every /eq/<b>/... parameter, from the registry; the
		 * dynamic ones (/eq/<b>/dynamic .. release) in a second row, so the
		 * page keeps the width of a 1366 px screen */
		GtkWidget *rows = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
		for (int dynrow = 0; dynrow < 2; dynrow++) {
			int ids[16], n = 0;
			for (int id = 0; id < P_COUNT && n < 16; id++) {
				const param_info *pi = param_info_get(id);
				int dyn = id >= P_EQ_DYNAMIC && id < P_EQ_RELEASE + EQ_BANDS;
				if (!strcmp(pi->module, "eq") && is_band_param(pi) && pi->instance == b + 1 && dyn == dynrow)
					ids[n++] = id;
			}
			GtkWidget *row = controls_row(c, ids, n, FALSE);
			for (int i = 0; i < n; i++)
				if (c->controls[ids[i]] && c->controls[ids[i]]->knob)
					gui_control_set_accent(c->controls[ids[i]], &col);
			gtk_box_append(GTK_BOX(rows), row);
		}
		gtk_widget_add_css_class(rows, "band");
		gtk_stack_add_named(GTK_STACK(c->eq_band_stack), rows, name);
	}
	gtk_css_provider_load_from_data(prov, bcss->str, -1);
	gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(prov),
	                                           GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
	g_object_unref(prov);
	g_string_free(bcss, TRUE);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->eq_band_btn[0]), TRUE);
	/* the hint as a tooltip: the row's width goes to the EQ's phase and resolution */
	gtk_widget_set_tooltip_text(tabs, "each band: its node in the graph, or these controls");
	/* the EQ's own settings that are not per band (phase, FIR resolution), from the registry */
	int gids[8], gn = 0;
	for (int id = 0; id < P_COUNT && gn < 8; id++) {
		const param_info *pi = param_info_get(id);
		if (!strcmp(pi->module, "eq") && !is_band_param(pi) && !is_bypass(pi))
			gids[gn++] = id;
	}
	if (gn)
		gtk_box_append(GTK_BOX(tabs), controls_row(c, gids, gn, TRUE));
	gtk_box_append(GTK_BOX(page), tabs);
	gtk_box_append(GTK_BOX(page), c->eq_band_stack);
	return page;
}

/* Any other module: its global parameters in one row, then one framed
 * column per band (multiband, imager). */
static GtkWidget *about_label(int section)
{
	GtkWidget *l = label_with(section_about[section], "title-sub");
	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	return l;
}

static GtkWidget *module_page(console *c, const char *module)
{
	GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	for (int sec = 0; sec < CONSOLE_SECTIONS; sec++)
		if (!strcmp(section_module[sec], module))
			gtk_box_append(GTK_BOX(page), about_label(sec));
	int ids[64], n = 0, max_band = 0;
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		if (strcmp(pi->module, module) || (is_bypass(pi) && !is_band_param(pi)))
			continue;
		if (is_band_param(pi)) {
			max_band = MAX(max_band, pi->instance);
			continue;
		}
		ids[n++] = id;
	}
	if (n)
		gtk_box_append(GTK_BOX(page), controls_row(c, ids, n, FALSE));
	if (max_band) {
		GtkWidget *bands = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
		gtk_box_set_homogeneous(GTK_BOX(bands), TRUE);
		for (int b = 1; b <= max_band; b++) {
			GtkWidget *col = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
			gtk_widget_add_css_class(col, "band");
			char t[32];
			snprintf(t, sizeof t, "BAND %d", b);
			GtkWidget *title = label_with(t, "band-title");
			/* its text follows the crossovers: a fixed size request keeps
			 * those changes from re-laying out the window */
			gtk_label_set_width_chars(GTK_LABEL(title), 26);
			gtk_label_set_max_width_chars(GTK_LABEL(title), 26);
			gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_END);
			if (!strcmp(module, "mb") && b <= MB_BANDS)
				c->mb_band_title[b - 1] = title;
			if (!strcmp(module, "imager") && b <= IMG_BANDS)
				c->img_band_title[b - 1] = title;
			gtk_box_append(GTK_BOX(col), title);
			GtkWidget *grid = gtk_grid_new();
			gtk_grid_set_column_spacing(GTK_GRID(grid), 8);
			gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
			GtkWidget *toggles = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
			int k = 0;
			for (int id = 0; id < P_COUNT; id++) {
				const param_info *pi = param_info_get(id);
				if (strcmp(pi->module, module) || !is_band_param(pi) || pi->instance != b)
					continue;
				gui_control *ctl = add_control(c, id, NULL, FALSE);
				if (pi->curve == CURVE_TOGGLE) {
					gtk_box_append(GTK_BOX(toggles), ctl->root);
				} else {
					gtk_grid_attach(GTK_GRID(grid), ctl->root, k % 3, k / 3, 1, 1);
					k++;
				}
			}
			gtk_box_append(GTK_BOX(col), grid);
			gtk_box_append(GTK_BOX(col), toggles);
			gtk_box_append(GTK_BOX(bands), col);
		}
		gtk_box_append(GTK_BOX(page), bands);
	}
	return page;
}

/* Band titles with their frequency range, from the crossover parameters. */
static void band_range(char *buf, int len, int b, int nbands, const lathe_params *p, int xover_id)
{
	char lo[24], hi[24];
	if (b > 0)
		param_format(xover_id + b - 1, param_get(p, xover_id + b - 1), lo, sizeof lo);
	if (b < nbands - 1)
		param_format(xover_id + b, param_get(p, xover_id + b), hi, sizeof hi);
	if (nbands <= 1)
		snprintf(buf, len, "BAND %d · full range", b + 1);
	else if (b == 0)
		snprintf(buf, len, "BAND %d · below %s", b + 1, hi);
	else if (b == nbands - 1)
		snprintf(buf, len, "BAND %d · above %s", b + 1, lo);
	else
		snprintf(buf, len, "BAND %d · %s – %s", b + 1, lo, hi);
}

static void update_band_titles(console *c)
{
	const lathe_params *p = c->surf->params;
	int nb = param_get_int(p, P_MB_BANDS);
	char t[64];
	for (int b = 0; b < MB_BANDS && c->mb_band_title[b]; b++) {
		if (b < nb)
			band_range(t, sizeof t, b, nb, p, P_MB_XOVER);
		else
			snprintf(t, sizeof t, "BAND %d · off (Bands = %d)", b + 1, nb);
		gtk_label_set_text(GTK_LABEL(c->mb_band_title[b]), t);
		gtk_widget_set_sensitive(gtk_widget_get_parent(c->mb_band_title[b]), b < nb);
	}
	for (int b = 0; b < IMG_BANDS && c->img_band_title[b]; b++) {
		band_range(t, sizeof t, b, IMG_BANDS, p, P_IMG_XOVER);
		gtk_label_set_text(GTK_LABEL(c->img_band_title[b]), t);
	}
}

/* ---- chain strip ---- */

static void update_cards(console *c)
{
	for (int s = 0; s < CONSOLE_SECTIONS; s++) {
		gboolean off = c->section_bypass[s] >= 0 && param_get_bool(c->surf->params, c->section_bypass[s]);
		if (off)
			gtk_widget_add_css_class(c->section_card[s], "off");
		else
			gtk_widget_remove_css_class(c->section_card[s], "off");
	}
}

/* The header's "what the monitors play": the source, and whether the level is
 * matched to the master (an unmatched A/B mostly compares loudness). */
static void update_hear(console *c)
{
	static const char *const names[] = { "MASTER", "INPUT", "REFERENCE" };
	static const char *const cls[] = { "master", "input", "reference" };
	int src = CLAMP(param_get_int(c->surf->params, P_MON_SOURCE), 0, 2);
	gboolean matched = src != MON_SRC_MASTER && param_get_bool(c->surf->params, P_MON_MATCH);
	/* at most 16 characters, the caption's fixed width ("MONITOR · MATCHED"
	 * was shown as "MONITOR · MAT…") */
	const char *cap = src == MON_SRC_MASTER ? "MONITOR" : matched ? "MATCHED LEVEL" : "UNMATCHED LEVEL";
	if (strcmp(gtk_label_get_text(GTK_LABEL(c->hear)), names[src])) {
		gtk_label_set_text(GTK_LABEL(c->hear), names[src]);
		for (int i = 0; i < 3; i++)
			if (i == src)
				gtk_widget_add_css_class(c->hear, cls[i]);
			else
				gtk_widget_remove_css_class(c->hear, cls[i]);
	}
	if (strcmp(gtk_label_get_text(GTK_LABEL(c->hear_caption)), cap))
		gtk_label_set_text(GTK_LABEL(c->hear_caption), cap);
}

static void on_section(GtkToggleButton *b, gpointer ud)
{
	console *c = ud;
	for (int s = 0; s < CONSOLE_SECTIONS; s++) {
		if (GTK_WIDGET(b) != c->section_btn[s])
			continue;
		if (gtk_toggle_button_get_active(b)) {
			gtk_stack_set_visible_child_name(GTK_STACK(c->stack), section_module[s]);
			gtk_widget_add_css_class(c->section_card[s], "selected");
		} else {
			gtk_widget_remove_css_class(c->section_card[s], "selected");
		}
	}
}

static void snapshot_mark(console *c)
{
	for (int i = 0; i < 4; i++) {
		if (i == c->snapshot)
			gtk_widget_add_css_class(c->snap_btn[i], "current");
		else
			gtk_widget_remove_css_class(c->snap_btn[i], "current");
	}
}

static GtkWidget *chain_strip(console *c)
{
	GtkWidget *strip = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 1);
	gtk_widget_add_css_class(strip, "strip");
	for (int s = 0; s < CONSOLE_SECTIONS; s++) {
		char path[32];
		snprintf(path, sizeof path, "/%s/bypass", section_module[s]);
		c->section_bypass[s] = param_find(path);
		GtkWidget *card = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
		gtk_widget_add_css_class(card, "card");
		GtkWidget *btn = gtk_toggle_button_new_with_label(section_title[s]);
		gtk_widget_add_css_class(btn, "section-name");
		gtk_widget_set_tooltip_text(btn, "Show this section's controls");
		if (s)
			gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(btn), GTK_TOGGLE_BUTTON(c->section_btn[0]));
		g_signal_connect(btn, "toggled", G_CALLBACK(on_section), c);
		gtk_box_append(GTK_BOX(card), btn);
		if (c->section_bypass[s] >= 0) {
			gui_control *byp = add_control(c, c->section_bypass[s], "bypass", FALSE);
			gtk_widget_set_valign(byp->root, GTK_ALIGN_CENTER);
			gtk_box_append(GTK_BOX(card), byp->root);
		}
		c->section_btn[s] = btn;
		c->section_card[s] = card;
		gtk_box_append(GTK_BOX(strip), card);
		if (s < CONSOLE_SECTIONS - 1) {
			GtkWidget *arrow = gtk_label_new("›");
			gtk_widget_add_css_class(arrow, "flow");
			gtk_box_append(GTK_BOX(strip), arrow);
		}
	}
	return strip;
}

/* ---- session and snapshots ---- */

/* TRUE when the surface reports the session (the sessions module runs); else
 * the console keeps its own record of the last save (tests' plain actions). */
static gboolean sess(console *c) { return (c->surf->caps & SURFACE_HAS_SESSIONS) != 0; }

static void mark_saved(console *c)
{
	c->saved_gen = params_generation(c->surf->params);
}

/* Title: session name and an unsaved marker; buttons: snapshots that hold
 * something, the current one, undo/redo.  From sessions_get_state when the
 * sessions module runs, else from our own record of the last save. */
static void update_title(console *c)
{
	surface_session st;
	memset(&st, 0, sizeof st);
	st.active_snapshot = c->snapshot;
	st.undo_steps = st.redo_steps = 1;
	if (sess(c)) {
		c->surf->ops->session_state(c->surf, &st);
	} else {
		st.dirty = params_generation(c->surf->params) != c->saved_gen;
		g_strlcpy(st.path, c->session_path, sizeof st.path);
		char *base = c->session_path[0] ? g_path_get_basename(c->session_path) : g_strdup("untitled");
		char *dot = g_str_has_suffix(base, ".lathe") ? strrchr(base, '.') : NULL;
		if (dot)
			*dot = 0;
		g_strlcpy(st.name, base, sizeof st.name);
		g_free(base);
	}
	char *t = g_strdup_printf("%s%s", st.name[0] ? st.name : "untitled", st.dirty ? " •" : "");
	if (strcmp(gtk_label_get_text(GTK_LABEL(c->title)), t)) {
		gtk_label_set_text(GTK_LABEL(c->title), t);
		gui_trace("title %s", t);
		char *wt = g_strdup_printf("%s — lathe", t);
		gtk_window_set_title(GTK_WINDOW(c->window), wt);
		g_free(wt);
	}
	const char *sub = st.path[0] ? st.path : st.dirty ? "not saved yet" : "lathe mastering console";
	/* the home folder as "~": the end of the path is what the narrow label keeps */
	char tilde[sizeof st.path + 2];
	const char *home = g_get_home_dir();
	size_t hl = home ? strlen(home) : 0;
	if (st.path[0] && hl > 1 && !strncmp(st.path, home, hl) && st.path[hl] == '/') {
		snprintf(tilde, sizeof tilde, "~%s", st.path + hl);
		sub = tilde;
	}
	if (strcmp(gtk_label_get_text(GTK_LABEL(c->subtitle)), sub))
		gtk_label_set_text(GTK_LABEL(c->subtitle), sub);
	g_strlcpy(c->session_path, st.path, sizeof c->session_path);
	c->dirty_shown = st.dirty;
	if (sess(c)) {
		c->snapshot = st.active_snapshot;
		for (int i = 0; i < 4; i++) {
			gboolean has = st.stored[i];
			if (has != gtk_widget_has_css_class(c->snap_btn[i], "stored")) {
				if (has)
					gtk_widget_add_css_class(c->snap_btn[i], "stored");
				else
					gtk_widget_remove_css_class(c->snap_btn[i], "stored");
			}
		}
		GAction *u = g_action_map_lookup_action(G_ACTION_MAP(c->window), "undo");
		GAction *r = g_action_map_lookup_action(G_ACTION_MAP(c->window), "redo");
		g_simple_action_set_enabled(G_SIMPLE_ACTION(u), st.undo_steps > 0);
		g_simple_action_set_enabled(G_SIMPLE_ACTION(r), st.redo_steps > 0);
		/* under NSM the session manager owns the files: no dialogs */
		GAction *o = g_action_map_lookup_action(G_ACTION_MAP(c->window), "open");
		GAction *sa = g_action_map_lookup_action(G_ACTION_MAP(c->window), "save-as");
		g_simple_action_set_enabled(G_SIMPLE_ACTION(o), !st.nsm);
		g_simple_action_set_enabled(G_SIMPLE_ACTION(sa), !st.nsm);
	}
	snapshot_mark(c);
	g_free(t);
}

static void do_load(console *c, const char *path)
{
	char err[256] = "";
	int rc;
	if (!(c->surf->caps & SURFACE_CAN_LOAD))
		return;
	rc = c->surf->ops->session_open(c->surf, path, err, sizeof err);
	if (rc < 0) {
		console_message(c, err[0] ? err : "could not open the session", TRUE);
		return;
	}
	if (rc == SURFACE_SENT) /* the engine answers; its /done or /error shows in the status bar */
		return;
	g_strlcpy(c->session_path, path, sizeof c->session_path);
	mark_saved(c);
	update_title(c);
	console_message(c, "session opened", FALSE);
}

static int do_save(console *c, const char *path)
{
	char err[256] = "";
	int rc;
	if (!(c->surf->caps & SURFACE_CAN_SAVE))
		return SURFACE_FAILED;
	rc = c->surf->ops->session_save(c->surf, path, err, sizeof err);
	if (rc < 0) {
		console_message(c, err[0] ? err : "could not save the session", TRUE);
		return rc;
	}
	if (rc == SURFACE_SENT)
		return rc;
	g_strlcpy(c->session_path, path, sizeof c->session_path);
	mark_saved(c);
	update_title(c);
	console_message(c, "session saved", FALSE);
	return rc;
}

static gboolean close_idle(gpointer ud)
{
	console *c = ud;
	c->close_idle = 0;
	c->close_confirmed = TRUE;
	gtk_window_close(GTK_WINDOW(c->window));
	return G_SOURCE_REMOVE;
}

/* Close once the dialog that asked is gone: closing inside its "response"
 * would free the window before the dialog lets go of it (its dispose
 * unsets its transient parent). */
static void close_now(console *c)
{
	if (!c->close_idle)
		c->close_idle = g_idle_add(close_idle, c);
}

static void on_file_response(GtkNativeDialog *d, int response, gpointer ud)
{
	console *c = ud;
	gboolean saving = gtk_file_chooser_get_action(GTK_FILE_CHOOSER(d)) == GTK_FILE_CHOOSER_ACTION_SAVE;
	gboolean close_after = saving && c->close_after_save, saved = FALSE;
	c->close_after_save = FALSE; /* a cancelled Save as… keeps the window */
	if (response == GTK_RESPONSE_ACCEPT) {
		GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		char *path = f ? g_file_get_path(f) : NULL;
		if (path) {
			if (saving && !g_str_has_suffix(path, ".lathe")) {
				char *p2 = g_strconcat(path, ".lathe", NULL);
				g_free(path);
				path = p2;
			}
			if (saving)
				saved = do_save(c, path) == SURFACE_DONE;
			else
				do_load(c, path);
		}
		g_free(path);
		if (f)
			g_object_unref(f);
	}
	g_object_unref(d);
	if (close_after && saved)
		close_now(c);
}

static void file_dialog(console *c, gboolean save)
{
	GtkFileChooserNative *d = gtk_file_chooser_native_new(save ? "Save session" : "Open session", GTK_WINDOW(c->window),
	                                                      save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
	                                                      save ? "_Save" : "_Open", "_Cancel");
	GtkFileFilter *flt = gtk_file_filter_new();
	gtk_file_filter_set_name(flt, "lathe sessions (*.lathe)");
	gtk_file_filter_add_pattern(flt, "*.lathe");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), flt);
	g_object_unref(flt);
	if (c->surf->session_dir) {
		GFile *dir = g_file_new_for_path(c->surf->session_dir);
		gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(d), dir, NULL);
		g_object_unref(dir);
	}
	if (save)
		gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(d), "master.lathe");
	g_signal_connect(d, "response", G_CALLBACK(on_file_response), c);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

static void act_open(GSimpleAction *a, GVariant *v, gpointer ud) { file_dialog(ud, FALSE); }
static void act_save_as(GSimpleAction *a, GVariant *v, gpointer ud) { file_dialog(ud, TRUE); }
static void act_save(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	if (c->session_path[0])
		do_save(c, c->session_path);
	else
		file_dialog(c, TRUE);
}
static void act_open_recent(GSimpleAction *a, GVariant *v, gpointer ud) { do_load(ud, g_variant_get_string(v, NULL)); }

/* ---- closing with unsaved changes ---- */

/* Whether closing would leave changes that no session file holds.  A remote
 * console never asks: the engine, its state and its autosave live on where
 * it runs and closing the console loses nothing (save there with Ctrl+S
 * before closing if you want a file).  Under NSM the session manager saves. */
static gboolean close_would_lose(console *c)
{
	if (!c->surf->local || !(c->surf->caps & SURFACE_CAN_SAVE))
		return FALSE;
	if (sess(c)) {
		surface_session st;
		memset(&st, 0, sizeof st);
		c->surf->ops->session_state(c->surf, &st);
		return st.dirty && !st.nsm;
	}
	return params_generation(c->surf->params) != c->saved_gen;
}

static void on_close_response(GtkDialog *d, int response, gpointer ud)
{
	console *c = ud;
	gtk_window_destroy(GTK_WINDOW(d));
	c->close_dialog = NULL;
	gui_trace("close-dialog %s", response == GTK_RESPONSE_ACCEPT ? "save" : response == GTK_RESPONSE_REJECT ? "discard" : "cancel");
	if (response == GTK_RESPONSE_REJECT) {
		close_now(c);
	} else if (response == GTK_RESPONSE_ACCEPT) {
		if (!c->session_path[0] && (c->surf->caps & SURFACE_CAN_FILES)) {
			c->close_after_save = TRUE; /* on_file_response closes once the file is written */
			file_dialog(c, TRUE);
		} else if (do_save(c, c->session_path) == SURFACE_DONE) {
			close_now(c);
		} /* else the save failed: its message is in the status bar, the window stays */
	}
}

/* The window's close button, Ctrl+Q and win.quit: with unsaved changes ask
 * Save / Discard / Cancel (GTK 4.8: GtkMessageDialog; GtkAlertDialog is 4.10). */
static gboolean on_close_request(GtkWindow *w, gpointer ud)
{
	console *c = ud;
	if (c->close_confirmed || !close_would_lose(c))
		return FALSE;
	if (c->close_dialog) {
		gtk_window_present(GTK_WINDOW(c->close_dialog));
		return TRUE;
	}
	char *name = c->session_path[0] ? g_path_get_basename(c->session_path) : g_strdup("untitled");
	GtkWidget *d = gtk_message_dialog_new(w, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_QUESTION,
	                                      GTK_BUTTONS_NONE, "Save the changes to %s before closing?", name);
	g_free(name);
	gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s",
	    "Discard closes without writing the session file. The autosave still holds these settings: "
	    "the next start without --session brings them back, marked unsaved.");
	gtk_dialog_add_buttons(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL, "_Discard", GTK_RESPONSE_REJECT,
	                       c->session_path[0] ? "_Save" : "_Save as…", GTK_RESPONSE_ACCEPT, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_ACCEPT);
	gtk_window_set_title(GTK_WINDOW(d), "Unsaved changes");
	g_signal_connect(d, "response", G_CALLBACK(on_close_response), c);
	c->close_dialog = d;
	gtk_widget_show(d);
	gui_trace("close-dialog shown");
	return TRUE;
}

static void act_quit(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	gtk_window_close(GTK_WINDOW(c->window)); /* through on_close_request */
}

static void act_undo(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	if ((c->surf->caps & SURFACE_CAN_UNDO) && c->surf->ops->undo(c->surf, 0) < 0)
		console_message(c, "nothing to undo", FALSE);
}
static void act_redo(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	if ((c->surf->caps & SURFACE_CAN_UNDO) && c->surf->ops->undo(c->surf, 1) < 0)
		console_message(c, "nothing to redo", FALSE);
}

static void act_snapshot(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	const char *name = g_variant_get_string(v, NULL);
	gboolean store = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(c->store_btn));
	char err[256] = "", msg[300];
	if (!(c->surf->caps & (store ? SURFACE_CAN_SNAP_STORE : SURFACE_CAN_SNAP_RECALL)))
		return;
	int rc = c->surf->ops->snapshot(c->surf, name, store, err, sizeof err);
	if (rc < 0) {
		/* the reason may name the snapshot already ("snapshot A is empty: store it first") */
		if (strstr(err, "snapshot"))
			g_strlcpy(msg, err, sizeof msg);
		else
			snprintf(msg, sizeof msg, "snapshot %s: %s", name, err[0] ? err : "failed");
		console_message(c, msg, TRUE);
	} else {
		snprintf(msg, sizeof msg, store ? "stored the current settings as snapshot %s" : "recalled snapshot %s", name);
		if (rc == SURFACE_DONE) /* a sent one is confirmed by the engine's /done */
			console_message(c, msg, FALSE);
		c->snapshot = name[0] - 'A';
		snapshot_mark(c);
	}
	if (store)
		gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->store_btn), FALSE);
}

static GMenuModel *recent_menu(console *c)
{
	GMenu *m = g_menu_new();
	char **recent = c->surf->ops->recent(c->surf);
	int n = 0;
	for (int i = 0; recent && recent[i] && n < 10; i++, n++) {
		char *base = g_path_get_basename(recent[i]);
		GMenuItem *it = g_menu_item_new(base, NULL);
		g_menu_item_set_action_and_target_value(it, "win.open-recent", g_variant_new_string(recent[i]));
		g_menu_append_item(m, it);
		g_object_unref(it);
		g_free(base);
	}
	g_strfreev(recent);
	if (!n)
		g_menu_append(m, "No recent sessions", "win.none");
	/* Save as and the Album window (albumwin.h): in this menu, the header has
	 * no room for their buttons at 1280 px (with a "Save as…" button there the
	 * session's name was squeezed to "…") */
	GMenu *album = g_menu_new();
	g_menu_append(album, "Save as…", "win.save-as"); /* GTK shows the shortcut beside it */
	g_menu_append(album, "Album…", "win.album");
	g_menu_append_section(m, NULL, G_MENU_MODEL(album));
	g_object_unref(album);
	return G_MENU_MODEL(m);
}

/* A menu label shows text as it is: GTK reads "_" as a mnemonic mark, so
 * every underscore is doubled ("apple_music", not "applemusic"). */
static char *menu_text(const char *text)
{
	GString *g = g_string_new("");
	for (const char *p = text; *p; p++) {
		if (*p == '_')
			g_string_append_c(g, '_');
		g_string_append_c(g, *p);
	}
	return g_string_free(g, FALSE);
}

/* Where the user's own presets live (listed by presets_list too). */
static char *user_presets_dir(void) { return g_build_filename(g_get_user_data_dir(), "lathe", "presets", NULL); }

/* Presets: the factory ones (sessions/presets, or where make install put
 * them), then the user's own, each with its one-line description; then
 * "save the current sound as a preset".  A preset replaces the sound, keeps
 * the session's name, snapshots and ports. */
GMenuModel *console_presets_menu(console *c)
{
	GMenu *m = g_menu_new(), *factory = g_menu_new(), *yours = g_menu_new();
	char *mine = user_presets_dir();
	surface_preset *list = NULL;
	int n = surface_presets(&list);
	for (int i = 0; i < n; i++) {
		char *name = menu_text(list[i].name), *about = menu_text(list[i].comment ? list[i].comment : "");
		/* the description on its own line, short enough for a menu */
		if (g_utf8_strlen(about, -1) > 64) {
			char *cut = g_utf8_offset_to_pointer(about, 63);
			strcpy(cut, "…");
		}
		char *label = about[0] ? g_strdup_printf("%s\n%s", name, about) : g_strdup(name);
		GMenuItem *it = g_menu_item_new(label, NULL);
		g_menu_item_set_action_and_target_value(it, "win.load-preset", g_variant_new_string(list[i].path));
		g_menu_append_item(g_str_has_prefix(list[i].path, mine) ? yours : factory, it);
		g_object_unref(it);
		g_free(label);
		g_free(name);
		g_free(about);
	}
	surface_presets_free(list, n);
	g_free(mine);
	if (!n)
		g_menu_append(factory, "No presets found", "win.none");
	g_menu_append_section(m, "Factory presets", G_MENU_MODEL(factory));
	if (g_menu_model_get_n_items(G_MENU_MODEL(yours)))
		g_menu_append_section(m, "Your presets", G_MENU_MODEL(yours));
	GMenu *save = g_menu_new();
	g_menu_append(save, "Save the current sound as a preset…", "win.save-preset");
	g_menu_append_section(m, NULL, G_MENU_MODEL(save));
	g_object_unref(factory);
	g_object_unref(yours);
	g_object_unref(save);
	(void)c;
	return G_MENU_MODEL(m);
}

int console_save_preset(console *c, const char *name, const char *comment, char *err, int errlen)
{
	char *dir = user_presets_dir();
	char *path = NULL;
	int rc = -1;
	if (g_mkdir_with_parents(dir, 0755) != 0)
		snprintf(err, errlen, "cannot create %s", dir);
	else
		rc = surface_save_preset(c->surf, dir, name, comment, &path, err, errlen);
	char msg[700];
	if (rc == 0)
		snprintf(msg, sizeof msg, "preset %s saved (%s)", name, path);
	else
		snprintf(msg, sizeof msg, "preset %s: %s", name, err);
	console_message(c, msg, rc != 0);
	g_free(path);
	g_free(dir);
	return rc;
}

/* The name (and description) of a new preset: a small window, Enter saves. */
typedef struct { console *c; GtkWidget *win, *name, *about; } preset_dialog;

static void on_preset_save(GtkWidget *w, gpointer ud)
{
	preset_dialog *d = ud;
	char err[512] = "";
	const char *name = gtk_editable_get_text(GTK_EDITABLE(d->name));
	if (console_save_preset(d->c, name, gtk_editable_get_text(GTK_EDITABLE(d->about)), err, sizeof err) == 0)
		gtk_window_destroy(GTK_WINDOW(d->win));
}

static void act_save_preset(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	preset_dialog *d = g_new0(preset_dialog, 1);
	d->c = c;
	d->win = gtk_window_new();
	g_object_set_data_full(G_OBJECT(d->win), "dialog", d, g_free);
	gtk_window_set_title(GTK_WINDOW(d->win), "Save as a preset");
	gtk_window_set_transient_for(GTK_WINDOW(d->win), GTK_WINDOW(c->window));
	gtk_window_set_modal(GTK_WINDOW(d->win), TRUE);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_add_css_class(box, "page");
	gtk_box_append(GTK_BOX(box), label_with("Name (listed under Your presets)", "title-sub"));
	d->name = gtk_entry_new();
	gtk_editable_set_text(GTK_EDITABLE(d->name), "my_master");
	gtk_box_append(GTK_BOX(box), d->name);
	gtk_box_append(GTK_BOX(box), label_with("One line on what it is for", "title-sub"));
	d->about = gtk_entry_new();
	gtk_editable_set_width_chars(GTK_EDITABLE(d->about), 48);
	gtk_box_append(GTK_BOX(box), d->about);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	gtk_widget_set_halign(buttons, GTK_ALIGN_END);
	GtkWidget *cancel = gtk_button_new_with_label("Cancel"), *ok = gtk_button_new_with_label("Save preset");
	g_signal_connect_swapped(cancel, "clicked", G_CALLBACK(gtk_window_destroy), d->win);
	g_signal_connect(ok, "clicked", G_CALLBACK(on_preset_save), d);
	g_signal_connect(d->name, "activate", G_CALLBACK(on_preset_save), d);
	g_signal_connect(d->about, "activate", G_CALLBACK(on_preset_save), d);
	gtk_box_append(GTK_BOX(buttons), cancel);
	gtk_box_append(GTK_BOX(buttons), ok);
	gtk_box_append(GTK_BOX(box), buttons);
	gtk_window_set_child(GTK_WINDOW(d->win), box);
	gtk_window_present(GTK_WINDOW(d->win));
}

static void on_presets_popup(GtkMenuButton *b, gpointer ud)
{
	GMenuModel *m = console_presets_menu(ud);
	gtk_menu_button_set_menu_model(b, m);
	g_object_unref(m);
}

static void act_load_preset(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	const char *path = g_variant_get_string(v, NULL);
	char err[512] = "", msg[600];
	if (c->surf->ops->load_preset(c->surf, path, err, sizeof err) < 0) {
		snprintf(msg, sizeof msg, "preset: %s", err[0] ? err : "sessions are not available");
		console_message(c, msg, TRUE);
		return;
	}
	char *base = g_path_get_basename(path);
	char *dot = strrchr(base, '.');
	if (dot)
		*dot = 0;
	snprintf(msg, sizeof msg, "preset %s loaded; Learn sets the drive for its target", base);
	console_message(c, msg, FALSE);
	g_free(base);
}

static void on_recent_popup(GtkMenuButton *b, gpointer ud)
{
	GMenuModel *m = recent_menu(ud);
	gtk_menu_button_set_menu_model(b, m);
	g_object_unref(m);
}

/* ---- monitor shortcuts ---- */

static void toggle_param(console *c, int id)
{
	float v = param_get_bool(c->surf->params, id) ? 0.0f : 1.0f;
	surface_set(c->surf, id, v);
}

static void act_bypass(GSimpleAction *a, GVariant *v, gpointer ud) { toggle_param(ud, P_BYPASS); }
static void act_mono(GSimpleAction *a, GVariant *v, gpointer ud) { toggle_param(ud, P_MON_MONO); }
static void act_dim(GSimpleAction *a, GVariant *v, gpointer ud) { toggle_param(ud, P_MON_DIM); }
static void act_ab(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	/* A/B: master <-> (loudness-matched) input; /monitor/match is left as it is */
	int src = param_get_int(c->surf->params, P_MON_SOURCE);
	surface_set(c->surf, P_MON_SOURCE, src == MON_SRC_MASTER ? MON_SRC_INPUT : MON_SRC_MASTER);
}
static void act_solo_side(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	int s = param_get_int(c->surf->params, P_MON_SOLO);
	surface_set(c->surf, P_MON_SOLO, s == SOLO_SIDE ? SOLO_OFF : SOLO_SIDE);
}
static void act_reset_meters(GSimpleAction *a, GVariant *v, gpointer ud) { meter_bridge_reset(((console *)ud)->meters); }

static const char shortcuts_ui[] =
	"<interface><object class='GtkShortcutsWindow' id='w'><property name='modal'>1</property>"
	"<child><object class='GtkShortcutsSection'><property name='section-name'>console</property>"
	"<child><object class='GtkShortcutsGroup'><property name='title'>Monitoring</property>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>space</property><property name='title'>A/B: master or loudness-matched input</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>b</property><property name='title'>Bypass the whole chain</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>m</property><property name='title'>Mono</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>d</property><property name='title'>Dim</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>s</property><property name='title'>Solo side</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>1 2 3 4</property><property name='title'>Recall snapshot A, B, C, D (Store lit: store)</property></object></child>"
	"</object></child>"
	"<child><object class='GtkShortcutsGroup'><property name='title'>Session</property>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;o</property><property name='title'>Open</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;s</property><property name='title'>Save</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;&lt;shift&gt;s</property><property name='title'>Save as</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;z</property><property name='title'>Undo</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;&lt;shift&gt;z</property><property name='title'>Redo</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;q</property><property name='title'>Close (asks to save unsaved changes)</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>&lt;ctrl&gt;&lt;shift&gt;a</property><property name='title'>Album window</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>F1</property><property name='title'>This window</property></object></child>"
	"</object></child>"
	"<child><object class='GtkShortcutsGroup'><property name='title'>Controls</property>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>Up Down</property><property name='title'>Step a focused knob (Shift: fine)</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>Page_Up Page_Down</property><property name='title'>Step by 10 %</property></object></child>"
	"<child><object class='GtkShortcutsShortcut'><property name='accelerator'>Delete</property><property name='title'>Reset a focused knob (or double-click, Ctrl+click)</property></object></child>"
	"</object></child>"
	"</object></child></object></interface>";

static void act_shortcuts(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	if (!c->shortcuts) {
		GtkBuilder *b = gtk_builder_new_from_string(shortcuts_ui, -1);
		c->shortcuts = GTK_WIDGET(gtk_builder_get_object(b, "w"));
		gtk_window_set_transient_for(GTK_WINDOW(c->shortcuts), GTK_WINDOW(c->window));
		gtk_window_set_hide_on_close(GTK_WINDOW(c->shortcuts), TRUE);
		g_object_unref(b);
	}
	gtk_window_present(GTK_WINDOW(c->shortcuts));
}

gboolean console_handle_key(console *c, guint keyval, GdkModifierType state)
{
	if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK))
		return FALSE;
	const char *action = NULL;
	guint k = gdk_keyval_to_lower(keyval);
	if ((k >= GDK_KEY_1 && k <= GDK_KEY_4) || (k >= GDK_KEY_KP_1 && k <= GDK_KEY_KP_4)) {
		/* 1-4 recall snapshots A-D (with Store lit: store) */
		int slot = k >= GDK_KEY_KP_1 ? (int)(k - GDK_KEY_KP_1) : (int)(k - GDK_KEY_1);
		g_action_group_activate_action(G_ACTION_GROUP(c->window), "snapshot", g_variant_new_string(snapshot_names[slot]));
		return TRUE;
	}
	switch (k) {
	case GDK_KEY_space: action = "ab"; break;
	case GDK_KEY_b: action = "bypass"; break;
	case GDK_KEY_m: action = "mono"; break;
	case GDK_KEY_d: action = "dim"; break;
	case GDK_KEY_s: action = "solo-side"; break;
	case GDK_KEY_F1: action = "shortcuts"; break;
	default: return FALSE;
	}
	g_action_group_activate_action(G_ACTION_GROUP(c->window), action, NULL);
	return TRUE;
}

static gboolean on_key(GtkEventControllerKey *k, guint keyval, guint code, GdkModifierType state, gpointer ud)
{
	console *c = ud;
	/* typing into a value field: the letters are text, not shortcuts */
	GtkWidget *focus = gtk_root_get_focus(GTK_ROOT(c->window));
	if (focus && (GTK_IS_TEXT(focus) || GTK_IS_EDITABLE(focus)))
		return FALSE;
	return console_handle_key(c, keyval, state);
}

/* ---- status bar ---- */

static void set_status(GtkWidget *l, const char *text, const char *cls)
{
	if (strcmp(gtk_label_get_text(GTK_LABEL(l)), text))
		gtk_label_set_text(GTK_LABEL(l), text);
	static const char *const all[] = { "ok", "bad", "warn" };
	for (int i = 0; i < 3; i++) {
		gboolean want = cls && !strcmp(cls, all[i]);
		if (want != gtk_widget_has_css_class(l, all[i])) {
			if (want)
				gtk_widget_add_css_class(l, all[i]);
			else
				gtk_widget_remove_css_class(l, all[i]);
		}
	}
}

/* The link to a remote engine changed: say so; the window stays.  When the
 * engine comes back the surface has read its whole state again (every
 * control follows on the next tick), and the title asks anew. */
static void on_link_changed(console *c, int link)
{
	int was = c->link_shown;
	c->link_shown = link;
	if (link == SURFACE_GONE) {
		console_message(c, "the engine is gone: keeping the window, reconnecting", TRUE);
		gtk_widget_add_css_class(c->window, "engine-gone");
	} else if (link == SURFACE_CONNECTED) {
		gtk_widget_remove_css_class(c->window, "engine-gone");
		console_message(c, was == SURFACE_GONE ? "the engine is back: re-synchronised" : "connected to the engine", FALSE);
		update_title(c);
	} else if (link == SURFACE_MISMATCH) {
		surface_status ss;
		c->surf->ops->status(c->surf, &ss);
		console_message(c, ss.engine, TRUE);
		GtkWidget *d = gtk_message_dialog_new(GTK_WINDOW(c->window), GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_ERROR,
		                                      GTK_BUTTONS_CLOSE, "This engine is not this console's lathe");
		gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", ss.engine);
		g_signal_connect(d, "response", G_CALLBACK(gtk_window_destroy), NULL);
		gtk_widget_show(d);
		gui_trace("dialog %s", ss.engine);
	}
}

static void update_ref(console *c);

static void update_status(console *c, gint64 now)
{
	char t[160];
	surface_status ss;
	c->surf->ops->status(c->surf, &ss);
	set_status(c->st_jack, ss.engine, ss.engine_class);
	if (ss.rate) /* the local JACK's, or a remote engine's /meter/rate */
		c->eq->rate = ss.rate;
	if (ss.have_jack) {
		double rate = ss.rate ? ss.rate : 48000;
		snprintf(t, sizeof t, "%.1f kHz · %u frames (%.1f ms)", ss.rate / 1000.0, ss.buffer_size, 1000.0 * ss.buffer_size / rate);
		set_status(c->st_rate, ss.jack_connected ? t : "— kHz", NULL);
		snprintf(t, sizeof t, "DSP %.1f %%", ss.dsp_load);
		set_status(c->st_dsp, t, ss.dsp_load > 70 ? "bad" : ss.dsp_load > 40 ? "warn" : NULL);
		snprintf(t, sizeof t, "xruns %u", ss.xruns);
		set_status(c->st_xruns, t, ss.xruns ? "warn" : NULL);
		snprintf(t, sizeof t, "latency %u frames (%.2f ms)", ss.latency, 1000.0 * ss.latency / rate);
		set_status(c->st_latency, t, NULL);
	}
	set_status(c->st_osc, ss.osc, ss.osc_class);
	char msg[300];
	int err = 0;
	while (c->surf->ops->take_message(c->surf, msg, sizeof msg, &err) > 0) /* answers of sent actions */
		console_message(c, msg, err);
	update_ref(c);
	if ((int)ss.link != c->link_shown)
		on_link_changed(c, ss.link);
	snprintf(t, sizeof t, "%.0f fps", c->fps);
	set_status(c->st_fps, t, NULL);
	if (c->msg_until_us && now / 1 > 0 && g_get_monotonic_time() > c->msg_until_us) {
		c->msg_until_us = 0;
		set_status(c->st_msg, "", NULL);
	}
}

/* ---- the tick: everything that moves, once per displayed frame ---- */

static gboolean on_tick(GtkWidget *w, GdkFrameClock *fc, gpointer ud)
{
	console *c = ud;
	gint64 now = gdk_frame_clock_get_frame_time(fc);
	c->ticks++;
	meter_bridge_tick(c->meters, now);
	eq_view_tick(c->eq, now);
	uint32_t g = params_generation(c->surf->params);
	if (g != c->params_gen) {
		c->params_gen = g;
		/* Controls on screen show a change in this frame.  Those on hidden
		 * pages (other sections, other EQ bands) would only cost a relayout
		 * of the window per change: they catch up when they are mapped (see
		 * gui_control_new) and, for whoever reads them meanwhile, a few
		 * times a second. */
		for (int id = 0; id < P_COUNT; id++)
			if (c->controls[id] && gtk_widget_get_mapped(c->controls[id]->root))
				gui_control_sync(c->controls[id]);
		c->hidden_stale = TRUE;
		update_cards(c);
		update_band_titles(c);
		update_hear(c);
	}
	if (c->hidden_stale && now - c->hidden_sync_us >= HIDDEN_SYNC_US) {
		c->hidden_stale = FALSE;
		c->hidden_sync_us = now;
		for (int id = 0; id < P_COUNT; id++)
			if (c->controls[id])
				gui_control_sync(c->controls[id]);
	}
	if (!sess(c) && (params_generation(c->surf->params) != c->saved_gen) != c->dirty_shown)
		update_title(c);
	if (!c->fps_t0)
		c->fps_t0 = now;
	c->fps_frames++;
	if (now - c->fps_t0 >= G_USEC_PER_SEC) {
		c->fps = c->fps_frames * (double)G_USEC_PER_SEC / (now - c->fps_t0);
		/* LATHE_FPS_LOG: one line a second for bench/bench_console.c, stamped
		 * with CLOCK_MONOTONIC (g_get_monotonic_time) so that another process
		 * can pick the seconds of its own measurement windows */
		if (getenv("LATHE_FPS_LOG"))
			fprintf(stderr, "lathe: fps %d frames in %.3f s at %.3f\n", c->fps_frames,
			        (now - c->fps_t0) / 1e6, g_get_monotonic_time() / 1e6);
		c->fps_frames = 0;
		c->fps_t0 = now;
	}
	if (now - c->status_us >= STATUS_US) {
		c->status_us = now;
		update_status(c, now);
		if (sess(c))
			update_title(c);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- building the window ---- */

static GtkWidget *header(console *c)
{
	GtkWidget *hb = gtk_header_bar_new();
	GtkWidget *tbox = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_set_valign(tbox, GTK_ALIGN_CENTER);
	c->title = gtk_label_new("");
	gtk_widget_add_css_class(c->title, "title-main");
	c->subtitle = gtk_label_new("");
	gtk_widget_add_css_class(c->subtitle, "title-sub");
	gtk_label_set_ellipsize(GTK_LABEL(c->subtitle), PANGO_ELLIPSIZE_START);
	gtk_label_set_ellipsize(GTK_LABEL(c->title), PANGO_ELLIPSIZE_END);
	gtk_box_append(GTK_BOX(tbox), c->title);
	gtk_box_append(GTK_BOX(tbox), c->subtitle);
	/* what the monitors play, where the eye is: Space switches it */
	GtkWidget *hear = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_add_css_class(hear, "hear");
	gtk_widget_set_valign(hear, GTK_ALIGN_CENTER);
	c->hear_caption = label_with("", "hear-caption");
	c->hear = label_with("", "hear-source");
	/* fixed sizes: a switch never re-lays out the header */
	gtk_label_set_width_chars(GTK_LABEL(c->hear), 10);
	gtk_label_set_max_width_chars(GTK_LABEL(c->hear), 10);
	gtk_label_set_ellipsize(GTK_LABEL(c->hear), PANGO_ELLIPSIZE_END);
	gtk_label_set_width_chars(GTK_LABEL(c->hear_caption), 16);
	gtk_label_set_max_width_chars(GTK_LABEL(c->hear_caption), 16);
	gtk_label_set_ellipsize(GTK_LABEL(c->hear_caption), PANGO_ELLIPSIZE_END);
	gtk_box_append(GTK_BOX(hear), c->hear_caption);
	gtk_box_append(GTK_BOX(hear), c->hear);
	gtk_widget_set_tooltip_text(hear, "What the monitors play. Space switches master / input (loudness-matched when Loudness match is on).");
	GtkWidget *center = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10);
	gtk_box_append(GTK_BOX(center), tbox);
	gtk_box_append(GTK_BOX(center), hear);
	gtk_header_bar_set_title_widget(GTK_HEADER_BAR(hb), center);

	static const struct { const char *label, *action, *tip; } left[] = {
		{ "Open…", "win.open", "Open a session (Ctrl+O)" },
		{ "Save", "win.save", "Save the session (Ctrl+S)" },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(left); i++) {
		GtkWidget *b = gtk_button_new_with_label(left[i].label);
		gtk_actionable_set_action_name(GTK_ACTIONABLE(b), left[i].action);
		gtk_widget_set_tooltip_text(b, left[i].tip);
		gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), b);
	}
	GtkWidget *recent = gtk_menu_button_new();
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(recent), "document-open-recent-symbolic");
	gtk_accessible_update_property(GTK_ACCESSIBLE(recent), GTK_ACCESSIBLE_PROPERTY_LABEL, "Recent sessions", -1);
	gtk_widget_set_tooltip_text(recent, "Recently used sessions; Save as (Ctrl+Shift+S); the Album window (Ctrl+Shift+A)");
	gtk_menu_button_set_create_popup_func(GTK_MENU_BUTTON(recent), on_recent_popup, c, NULL);
	gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), recent);
	GtkWidget *presets = gtk_menu_button_new();
	gtk_menu_button_set_label(GTK_MENU_BUTTON(presets), "Presets");
	gtk_widget_set_tooltip_text(presets, "Presets: a starting point for the sound (streaming, loud modern, vinyl premaster...), and your own");
	gtk_menu_button_set_create_popup_func(GTK_MENU_BUTTON(presets), on_presets_popup, c, NULL);
	gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), presets);
	GtkWidget *undo = gtk_button_new_from_icon_name("edit-undo-symbolic");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(undo), "win.undo");
	gtk_widget_set_tooltip_text(undo, "Undo (Ctrl+Z)");
	gtk_accessible_update_property(GTK_ACCESSIBLE(undo), GTK_ACCESSIBLE_PROPERTY_LABEL, "Undo", -1);
	GtkWidget *redo = gtk_button_new_from_icon_name("edit-redo-symbolic");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(redo), "win.redo");
	gtk_widget_set_tooltip_text(redo, "Redo (Ctrl+Shift+Z)");
	gtk_accessible_update_property(GTK_ACCESSIBLE(redo), GTK_ACCESSIBLE_PROPERTY_LABEL, "Redo", -1);
	gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), undo);
	gtk_header_bar_pack_start(GTK_HEADER_BAR(hb), redo);

	GtkWidget *help = gtk_button_new_from_icon_name("help-about-symbolic");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(help), "win.shortcuts");
	gtk_widget_set_tooltip_text(help, "Keyboard shortcuts (F1)");
	gtk_accessible_update_property(GTK_ACCESSIBLE(help), GTK_ACCESSIBLE_PROPERTY_LABEL, "Keyboard shortcuts", -1);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(hb), help);
	gui_control *byp = add_control(c, P_BYPASS, "BYPASS ALL (B)", FALSE);
	gtk_widget_add_css_class(byp->toggle, "master-bypass");
	gtk_widget_set_valign(byp->root, GTK_ALIGN_CENTER);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(hb), byp->root);

	/* snapshots */
	GtkWidget *snaps = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 2);
	gtk_widget_set_valign(snaps, GTK_ALIGN_CENTER);
	/* no "SNAPSHOT" title: the header has no room for it at 1280 px; the
	 * buttons' tooltips and accessible names say what they are */
	for (int i = 0; i < 4; i++) {
		GtkWidget *b = gtk_button_new_with_label(snapshot_names[i]);
		gtk_widget_add_css_class(b, "snap");
		gtk_actionable_set_action_name(GTK_ACTIONABLE(b), "win.snapshot");
		gtk_actionable_set_action_target_value(GTK_ACTIONABLE(b), g_variant_new_string(snapshot_names[i]));
		char tip[128];
		snprintf(tip, sizeof tip, "Snapshot %s: recall it (key %d); with Store lit, store the current settings as %s", snapshot_names[i], i + 1, snapshot_names[i]);
		gtk_widget_set_tooltip_text(b, tip);
		snprintf(tip, sizeof tip, "Snapshot %s", snapshot_names[i]);
		gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
		c->snap_btn[i] = b;
		gtk_box_append(GTK_BOX(snaps), b);
	}
	c->store_btn = gtk_toggle_button_new_with_label("Store");
	gtk_widget_add_css_class(c->store_btn, "store");
	gtk_widget_set_tooltip_text(c->store_btn, "Store mode: the next snapshot button stores instead of recalling");
	gtk_box_append(GTK_BOX(snaps), c->store_btn);
	gtk_widget_set_sensitive(c->store_btn, (c->surf->caps & SURFACE_CAN_SNAP_STORE) != 0);
	gui_control *fade = add_control(c, P_SNAPSHOT_FADE, "fade", TRUE);
	gtk_widget_set_margin_start(fade->root, 6);
	gtk_box_append(GTK_BOX(snaps), fade->root);
	gtk_header_bar_pack_end(GTK_HEADER_BAR(hb), snaps);
	return hb;
}

/* ---- the reference player (issue 13): file, play/stop, position ---- */

static void fmt_time(char *out, size_t n, double sec)
{
	int t = sec > 0 ? (int)sec : 0;
	snprintf(out, n, "%d:%02d", t / 60, t % 60);
}

/* The transport as the player has it; called with the status bar (2 Hz). */
static void update_ref(console *c)
{
	surface_ref r;
	if (!c->ref_play || !c->surf->ops->ref_state(c->surf, &r))
		memset(&r, 0, sizeof r);
	char pos[16], len[16], t[40];
	fmt_time(pos, sizeof pos, r.position);
	fmt_time(len, sizeof len, r.length);
	snprintf(t, sizeof t, "%s / %s", pos, len);
	c->ref_syncing = TRUE;
	if (gui_trace_on() && (strcmp(gtk_label_get_text(GTK_LABEL(c->ref_time)), r.loaded ? t : "—:— / —:—") ||
	                       strcmp(gtk_button_get_label(GTK_BUTTON(c->ref_play)), r.playing ? "■" : "▶")))
		gui_trace("ref shown playing=%d time=%s name=%s", r.playing, r.loaded ? t : "-", r.loaded ? r.name : "-");
	gtk_label_set_text(GTK_LABEL(c->ref_time), r.loaded ? t : "—:— / —:—");
	gtk_label_set_text(GTK_LABEL(c->ref_name), r.loaded ? (r.name[0] ? r.name : "(loaded on the engine)") : "no reference file");
	gtk_widget_set_tooltip_text(c->ref_name, r.loaded && r.name[0] ? r.name : NULL);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->ref_play), r.playing);
	gtk_button_set_label(GTK_BUTTON(c->ref_play), r.playing ? "■" : "▶");
	gtk_widget_set_sensitive(c->ref_play, r.loaded);
	gtk_widget_set_sensitive(c->ref_scale, r.loaded);
	GtkAdjustment *adj = gtk_range_get_adjustment(GTK_RANGE(c->ref_scale));
	gtk_adjustment_set_upper(adj, r.length > 0 ? r.length : 1);
	gtk_adjustment_set_value(adj, r.position);
	c->ref_syncing = FALSE;
}

static void on_ref_play(GtkToggleButton *b, gpointer ud)
{
	console *c = ud;
	if (c->ref_syncing)
		return;
	char err[256] = "", msg[300];
	if (c->surf->ops->ref_play(c->surf, gtk_toggle_button_get_active(b), err, sizeof err) == SURFACE_FAILED) {
		snprintf(msg, sizeof msg, "Reference: %s", err);
		console_message(c, msg, TRUE);
	}
	gui_trace("ref play %d", gtk_toggle_button_get_active(b));
	update_ref(c);
}

/* "change-value" comes from the user only (not from update_ref's set_value) */
static gboolean on_ref_seek(GtkRange *r, GtkScrollType scroll, double value, gpointer ud)
{
	console *c = ud;
	if (!c->ref_syncing)
		c->surf->ops->ref_seek(c->surf, value > 0 ? value : 0);
	return FALSE;
}

void console_ref_load(console *c, const char *path)
{
	char err[256] = "", msg[400];
	int rc = c->surf->ops->ref_load(c->surf, path, err, sizeof err);
	if (rc == SURFACE_FAILED) {
		snprintf(msg, sizeof msg, "Reference: %s", err);
		console_message(c, msg, TRUE);
	} else {
		char *base = g_path_get_basename(path);
		snprintf(msg, sizeof msg, (c->surf->caps & SURFACE_CAN_FILES) ? "Reference: loading %s…"
		                          : "Reference: asking the engine to load %s from its session folder…", base);
		g_free(base);
		console_message(c, msg, FALSE);
	}
	gui_trace("ref load %s rc %d", path, rc);
}

static void on_ref_response(GtkNativeDialog *d, int response, gpointer ud)
{
	console *c = ud;
	if (response == GTK_RESPONSE_ACCEPT) {
		GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		char *path = f ? g_file_get_path(f) : NULL;
		if (path)
			console_ref_load(c, path);
		g_free(path);
		if (f)
			g_object_unref(f);
	}
	g_object_unref(d);
}

static void on_ref_choose(GtkButton *b, gpointer ud)
{
	console *c = ud;
	GtkFileChooserNative *d = gtk_file_chooser_native_new("Reference track", GTK_WINDOW(c->window),
	                                                      GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
	GtkFileFilter *flt = gtk_file_filter_new();
	gtk_file_filter_set_name(flt, "Sound files (WAV, AIFF, FLAC, Ogg)");
	const char *pat[] = { "*.wav", "*.WAV", "*.aif", "*.aiff", "*.AIF", "*.AIFF", "*.flac", "*.FLAC", "*.ogg", "*.oga", "*.opus" };
	for (size_t i = 0; i < G_N_ELEMENTS(pat); i++)
		gtk_file_filter_add_pattern(flt, pat[i]);
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), flt);
	g_object_unref(flt);
	if (!(c->surf->caps & SURFACE_CAN_FILES) && c->surf->session_dir) {
		GFile *dir = g_file_new_for_path(c->surf->session_dir);
		gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(d), dir, NULL);
		g_object_unref(dir);
	}
	g_signal_connect(d, "response", G_CALLBACK(on_ref_response), c);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

/* The transport as window actions ("ref-load PATH", "ref-play 1|0",
 * "ref-seek SECONDS"): what the buttons do, for the trace driver (gui.c). */
static void act_ref_load(GSimpleAction *a, GVariant *v, gpointer ud) { console_ref_load(ud, g_variant_get_string(v, NULL)); }
static void act_ref_play(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->ref_play), atoi(g_variant_get_string(v, NULL)) != 0);
}
static void act_ref_seek(GSimpleAction *a, GVariant *v, gpointer ud)
{
	console *c = ud;
	double sec = g_ascii_strtod(g_variant_get_string(v, NULL), NULL);
	c->surf->ops->ref_seek(c->surf, sec > 0 ? sec : 0);
}

/* One row under the monitor's toggles: Reference…, play/stop, the file's
 * name, the time, a seek scale.  One row and a short name (it ellipsizes)
 * on purpose: the monitor panel shares the bottom row at 1366x768 and every
 * pixel of height it takes is taken from the section page above. */
static GtkWidget *ref_transport(console *c)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
	c->ref_choose = gtk_button_new_with_label("Reference…");
	gtk_widget_set_tooltip_text(c->ref_choose, (c->surf->caps & SURFACE_CAN_FILES)
	    ? "Play a reference track into the reference path (Source: Reference to hear it; loudness-matched with Loudness match)"
	    : "Load a reference track on the engine: only the file's name is sent, the file must be in the engine's session folder");
	g_signal_connect(c->ref_choose, "clicked", G_CALLBACK(on_ref_choose), c);
	c->ref_play = gtk_toggle_button_new_with_label("▶");
	gtk_widget_set_tooltip_text(c->ref_play, "Play / stop the reference track (it loops)");
	g_signal_connect(c->ref_play, "toggled", G_CALLBACK(on_ref_play), c);
	c->ref_name = gtk_label_new("no reference file");
	gtk_label_set_ellipsize(GTK_LABEL(c->ref_name), PANGO_ELLIPSIZE_MIDDLE);
	gtk_label_set_width_chars(GTK_LABEL(c->ref_name), 8);
	gtk_label_set_max_width_chars(GTK_LABEL(c->ref_name), 16);
	gtk_label_set_xalign(GTK_LABEL(c->ref_name), 0);
	c->ref_time = gtk_label_new("—:— / —:—");
	gtk_widget_add_css_class(c->ref_time, "numeric");
	c->ref_scale = gtk_scale_new_with_range(GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.1);
	gtk_scale_set_draw_value(GTK_SCALE(c->ref_scale), FALSE);
	gtk_widget_set_hexpand(c->ref_scale, TRUE);
	gtk_widget_set_size_request(c->ref_scale, 60, -1);
	gtk_widget_set_tooltip_text(c->ref_scale, "Where the reference track plays: drag to move");
	g_signal_connect(c->ref_scale, "change-value", G_CALLBACK(on_ref_seek), c);
	gtk_box_append(GTK_BOX(row), c->ref_choose);
	gtk_box_append(GTK_BOX(row), c->ref_play);
	gtk_box_append(GTK_BOX(row), c->ref_name);
	gtk_box_append(GTK_BOX(row), c->ref_time);
	gtk_box_append(GTK_BOX(row), c->ref_scale);
	return row;
}

static GtkWidget *monitor_panel(console *c)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	gtk_widget_add_css_class(box, "monitor");
	/* the keys in the tooltip: the title must not widen the panel */
	GtkWidget *title = label_with("MONITOR", "panel-title");
	gtk_widget_set_tooltip_text(title, "Keys: Space A/B (master / input) · M mono · D dim · S solo side");
	gtk_box_append(GTK_BOX(box), title);
	GtkWidget *top = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *menus = gtk_grid_new();
	gtk_grid_set_column_spacing(GTK_GRID(menus), 6);
	gtk_grid_set_row_spacing(GTK_GRID(menus), 2);
	GtkWidget *toggles = gtk_flow_box_new();
	gtk_flow_box_set_selection_mode(GTK_FLOW_BOX(toggles), GTK_SELECTION_NONE);
	gtk_flow_box_set_max_children_per_line(GTK_FLOW_BOX(toggles), 8);
	gtk_flow_box_set_min_children_per_line(GTK_FLOW_BOX(toggles), 4);
	gtk_flow_box_set_row_spacing(GTK_FLOW_BOX(toggles), 2);
	gtk_flow_box_set_column_spacing(GTK_FLOW_BOX(toggles), 2);
	int nm_what = 0, nm_how = 0;
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		if (strcmp(pi->module, "monitor"))
			continue;
		if (pi->curve == CURVE_TOGGLE) {
			gui_control *ctl = add_control(c, id, is_bypass(pi) ? "Bypass" : NULL, FALSE);
			gtk_flow_box_append(GTK_FLOW_BOX(toggles), ctl->root);
		} else if (pi->curve == CURVE_ENUM) {
			/* left column what plays (source, platform preview), right how it
			 * is folded (solo, polarity): the two long menus share a column,
			 * which keeps the panel narrow */
			gui_control *ctl = add_control(c, id, id == P_MON_PLATFORM ? "Platform" : NULL, FALSE);
			gboolean what = id == P_MON_SOURCE || id == P_MON_PLATFORM;
			gtk_grid_attach(GTK_GRID(menus), ctl->root, what ? 0 : 1, what ? nm_what++ : nm_how++, 1, 1);
		} else {
			gui_control *ctl = add_control(c, id, NULL, FALSE);
			gtk_box_append(GTK_BOX(top), ctl->root);
		}
	}
	gtk_box_append(GTK_BOX(top), menus);
	gtk_box_append(GTK_BOX(box), top);
	gtk_box_append(GTK_BOX(box), toggles);
	gtk_box_append(GTK_BOX(box), ref_transport(c));
	return box;
}

/* Learn: set the limiter drive so the master lands on the target, from the
 * integrated loudness measured so far (the same as OSC /target/learn). */
static void act_learn(GSimpleAction *a, GVariant *v, gpointer data)
{
	console *c = data;
	float drive = NAN;
	char err[256] = "", emsg[300];
	int rc = c->surf->ops->learn(c->surf, &drive, err, sizeof err);
	if (rc < 0) {
		snprintf(emsg, sizeof emsg, "Learn: %s", err);
		console_message(c, emsg, TRUE);
		return;
	}
	if (rc == SURFACE_SENT) /* the engine sets the drive, resets its loudness and answers */
		return;
	/* The integrated loudness so far was measured at the old drive: start it
	 * again, so "LU to target" tells how the new drive lands, not an average
	 * of both. */
	meter_bridge_reset(c->meters);
	char msg[128];
	snprintf(msg, sizeof msg, "Learn: limiter drive set to %.1f dB; loudness measured again from now", drive);
	console_message(c, msg, FALSE);
}

static GtkWidget *meter_column(console *c)
{
	GtkWidget *col = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_add_css_class(col, "meter-column");
	gtk_widget_set_vexpand(c->meters->levels, TRUE);
	gtk_box_append(GTK_BOX(col), c->meters->levels);
	gtk_box_append(GTK_BOX(col), c->meters->loudness);
	gtk_box_append(GTK_BOX(col), c->meters->scope);
	/* two rows, so the meter column keeps its width (the window must fit 1366 px) */
	GtkWidget *tgt = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	GtkWidget *row1 = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8), *row2 = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	gtk_box_append(GTK_BOX(row1), label_with("TARGET", "panel-title"));
	for (int id = 0; id < P_COUNT; id++)
		if (!strcmp(param_info_get(id)->module, "target")) {
			gui_control *ctl = add_control(c, id, id == P_TARGET_LUFS ? "LUFS" : "platform", TRUE);
			gtk_box_append(GTK_BOX(id == P_TARGET_LUFS ? row1 : row2), ctl->root);
		}
	GtkWidget *learn = gtk_button_new_with_label("Learn");
	gtk_widget_set_tooltip_text(learn, "Set the limiter drive so the master lands on the target (OSC /target/learn)");
	gtk_accessible_update_property(GTK_ACCESSIBLE(learn), GTK_ACCESSIBLE_PROPERTY_LABEL, "Learn the limiter drive for the loudness target", -1);
	gtk_widget_set_valign(learn, GTK_ALIGN_CENTER);
	gtk_actionable_set_action_name(GTK_ACTIONABLE(learn), "win.learn");
	gtk_box_append(GTK_BOX(row1), learn);
	GtkWidget *reset = gtk_button_new_with_label("Reset");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(reset), "win.reset-meters");
	gtk_widget_set_tooltip_text(reset, "Start integrated loudness, LRA, peak maxima and overs again (OSC /loudness/reset)");
	gtk_accessible_update_property(GTK_ACCESSIBLE(reset), GTK_ACCESSIBLE_PROPERTY_LABEL, "Reset loudness and peak meters", -1);
	gtk_widget_set_valign(reset, GTK_ALIGN_CENTER);
	gtk_widget_set_margin_start(reset, 8);
	gtk_box_append(GTK_BOX(row2), reset);
	gtk_box_append(GTK_BOX(tgt), row1);
	gtk_box_append(GTK_BOX(tgt), row2);
	gtk_box_append(GTK_BOX(col), tgt);
	return col;
}

static GtkWidget *status_bar(console *c)
{
	GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
	gtk_widget_add_css_class(bar, "statusbar");
	GtkWidget **labels[] = { &c->st_jack, &c->st_rate, &c->st_dsp, &c->st_xruns, &c->st_latency, &c->st_msg, &c->st_osc, &c->st_fps };
	for (unsigned i = 0; i < G_N_ELEMENTS(labels); i++) {
		*labels[i] = gtk_label_new("");
		gtk_label_set_xalign(GTK_LABEL(*labels[i]), 0);
		gtk_label_set_single_line_mode(GTK_LABEL(*labels[i]), TRUE);
		gtk_box_append(GTK_BOX(bar), *labels[i]);
	}
	gtk_widget_set_hexpand(c->st_msg, TRUE);
	gtk_label_set_ellipsize(GTK_LABEL(c->st_msg), PANGO_ELLIPSIZE_END);
	gtk_label_set_width_chars(GTK_LABEL(c->st_fps), 7);
	gtk_label_set_width_chars(GTK_LABEL(c->st_dsp), 10);
	return bar;
}

/* A row that scrolls sideways when the window is made narrower than the row
 * (down to 1280 px); at full size it has its natural width and no scrollbar. */
static GtkWidget *hscroll(GtkWidget *row)
{
	GtkWidget *sc = gtk_scrolled_window_new();
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(sc), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
	gtk_scrolled_window_set_propagate_natural_width(GTK_SCROLLED_WINDOW(sc), TRUE);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(sc), row);
	return sc;
}

static void console_free(gpointer p)
{
	console *c = p;
	if (c->close_idle)
		g_source_remove(c->close_idle);
	meter_bridge_free(c->meters);
	surface_free(c->surf);
	g_free(c);
}

console *console_new(GtkApplication *gapp, struct lathe_app *app) { return console_new_surface(gapp, surface_local_new(app)); }

console *console_new_surface(GtkApplication *gapp, lathe_surface *surf)
{
	params_init();
	if (!g_get_application_name())
		g_set_application_name("lathe");
	console *c = g_new0(console, 1);
	c->surf = surf;
	c->link_shown = surf->local ? SURFACE_LOCAL : SURFACE_CONNECTING;
	c->gapp = gapp;
	c->snapshot = -1;
	if (surf->session_file)
		g_strlcpy(c->session_path, surf->session_file, sizeof c->session_path);

	g_object_set(gtk_settings_get_default(), "gtk-application-prefer-dark-theme", TRUE, NULL);
	GtkCssProvider *prov = gtk_css_provider_new();
	gtk_css_provider_load_from_data(prov, css, -1);
	gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(prov),
	                                           GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(prov);

	c->window = gtk_application_window_new(gapp);
	g_object_set_data_full(G_OBJECT(c->window), "console", c, console_free);
	gtk_widget_add_css_class(c->window, "lathe");
	gtk_window_set_default_size(GTK_WINDOW(c->window), 1366, 768);
	gtk_widget_set_size_request(c->window, 1280, 720);
	g_signal_connect(c->window, "close-request", G_CALLBACK(on_close_request), c);

	const GActionEntry entries[] = {
		{ .name = "open", .activate = act_open },
		{ .name = "save", .activate = act_save },
		{ .name = "save-as", .activate = act_save_as },
		{ .name = "open-recent", .activate = act_open_recent, .parameter_type = "s" },
		{ .name = "load-preset", .activate = act_load_preset, .parameter_type = "s" },
		{ .name = "save-preset", .activate = act_save_preset },
		{ .name = "undo", .activate = act_undo },
		{ .name = "redo", .activate = act_redo },
		{ .name = "snapshot", .activate = act_snapshot, .parameter_type = "s" },
		{ .name = "bypass", .activate = act_bypass },
		{ .name = "ab", .activate = act_ab },
		{ .name = "mono", .activate = act_mono },
		{ .name = "dim", .activate = act_dim },
		{ .name = "solo-side", .activate = act_solo_side },
		{ .name = "reset-meters", .activate = act_reset_meters },
		{ .name = "learn", .activate = act_learn },
		{ .name = "shortcuts", .activate = act_shortcuts },
		{ .name = "ref-load", .activate = act_ref_load, .parameter_type = "s" },
		{ .name = "ref-play", .activate = act_ref_play, .parameter_type = "s" },
		{ .name = "ref-seek", .activate = act_ref_seek, .parameter_type = "s" },
		{ .name = "quit", .activate = act_quit },
		{ .name = "none" },
	};
	g_action_map_add_action_entries(G_ACTION_MAP(c->window), entries, G_N_ELEMENTS(entries), c);
	unsigned caps = surf->caps;
	/* a remote engine's sessions are names in its session folder: no file dialogs here */
	set_action_enabled(c, "open", (caps & SURFACE_CAN_LOAD) && (caps & SURFACE_CAN_FILES));
	set_action_enabled(c, "open-recent", (caps & SURFACE_CAN_LOAD) != 0);
	set_action_enabled(c, "save", (caps & SURFACE_CAN_SAVE) != 0);
	set_action_enabled(c, "save-as", (caps & SURFACE_CAN_SAVE) && (caps & SURFACE_CAN_FILES));
	set_action_enabled(c, "undo", (caps & SURFACE_CAN_UNDO) != 0);
	set_action_enabled(c, "redo", (caps & SURFACE_CAN_UNDO) != 0);
	set_action_enabled(c, "snapshot", (caps & (SURFACE_CAN_SNAP_RECALL | SURFACE_CAN_SNAP_STORE)) != 0);
	set_action_enabled(c, "none", FALSE);
	static const struct { const char *action; const char *accels[3]; } accels[] = {
		{ "win.open", { "<Control>o", NULL } },
		{ "win.save", { "<Control>s", NULL } },
		{ "win.save-as", { "<Control><Shift>s", NULL } },
		{ "win.undo", { "<Control>z", NULL } },
		{ "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
		{ "win.shortcuts", { "F1", NULL } },
		{ "win.quit", { "<Control>q", NULL } },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(accels); i++)
		gtk_application_set_accels_for_action(gapp, accels[i].action, accels[i].accels);
	GtkEventController *keys = gtk_event_controller_key_new();
	gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_CAPTURE);
	g_signal_connect(keys, "key-pressed", G_CALLBACK(on_key), c);
	gtk_widget_add_controller(c->window, keys);

	c->meters = meter_bridge_new(surf);
	gtk_window_set_titlebar(GTK_WINDOW(c->window), header(c));

	/* left: chain strip, the selected section, then monitor / history / platforms */
	GtkWidget *left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_set_hexpand(left, TRUE);
	gtk_box_append(GTK_BOX(left), hscroll(chain_strip(c)));
	c->stack = gtk_stack_new();
	gtk_stack_set_transition_type(GTK_STACK(c->stack), GTK_STACK_TRANSITION_TYPE_NONE);
	for (int s = 0; s < CONSOLE_SECTIONS; s++) {
		GtkWidget *page = s == 1 ? eq_page(c) : module_page(c, section_module[s]);
		gtk_widget_add_css_class(page, "page");
		GtkWidget *sc = gtk_scrolled_window_new();
		gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(sc), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
		gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(sc), page);
		gtk_stack_add_named(GTK_STACK(c->stack), sc, section_module[s]);
	}
	gtk_widget_set_vexpand(c->stack, TRUE);
	gtk_box_append(GTK_BOX(left), c->stack);
	GtkWidget *bottom = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	gtk_widget_add_css_class(bottom, "bottom");
	gtk_box_append(GTK_BOX(bottom), monitor_panel(c));
	gtk_widget_set_hexpand(c->meters->history, TRUE);
	gtk_box_append(GTK_BOX(bottom), c->meters->history);
	gtk_box_append(GTK_BOX(bottom), c->meters->platforms);
	gtk_box_append(GTK_BOX(left), hscroll(bottom));

	GtkWidget *body = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
	gtk_box_append(GTK_BOX(body), left);
	gtk_box_append(GTK_BOX(body), meter_column(c));
	GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_set_vexpand(body, TRUE);
	gtk_box_append(GTK_BOX(outer), body);
	gtk_box_append(GTK_BOX(outer), status_bar(c));
	gtk_window_set_child(GTK_WINDOW(c->window), outer);

	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->section_btn[1]), TRUE);
	update_cards(c);
	update_band_titles(c);
	update_hear(c);
	mark_saved(c);
	c->params_gen = params_generation(surf->params);
	update_title(c);
	update_status(c, 0);
	const char *note = c->surf->ops->restored_note(c->surf);
	if (note && *note) /* say where the state came from, and its age */
		console_message(c, note, FALSE);
	snapshot_mark(c);
	gtk_widget_add_tick_callback(c->window, on_tick, c, NULL);
	if (surf->caps & SURFACE_CAN_ALBUM)
		albumwin_install(c); /* win.album: the Album window (albumwin.h); it renders with the local engine */
	return c;
}

GdkTexture *console_render(console *c)
{
	GtkWidget *w = c->window;
	int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
	if (width <= 0 || height <= 0)
		return NULL;
	GdkPaintable *pt = gtk_widget_paintable_new(w);
	GtkSnapshot *s = gtk_snapshot_new();
	gdk_paintable_snapshot(pt, s, width, height);
	GskRenderNode *node = gtk_snapshot_free_to_node(s);
	g_object_unref(pt);
	if (!node)
		return NULL;
	GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(w));
	GdkTexture *t = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
	gsk_render_node_unref(node);
	return t;
}

int console_save_png(console *c, const char *path)
{
	GdkTexture *t = console_render(c);
	if (!t)
		return -1;
	gboolean ok = gdk_texture_save_to_png(t, path);
	g_object_unref(t);
	return ok ? 0 : -1;
}
