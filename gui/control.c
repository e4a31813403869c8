/* lathe — one console control for one registry parameter (see control.h). */
#include "control.h"
#include "trace.h"
#include "meters.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <ctype.h>

/* Knob travel: 270 degrees, from 7:30 to 4:30 like a hardware pot. */
#define KNOB_A0 (0.75 * G_PI)
#define KNOB_A1 (2.25 * G_PI)
/* Drag: 200 px moves the whole range; Shift is ten times finer. */
#define DRAG_PX_FULL 200.0
#define FINE 0.1f
/* Keys and wheel: 1 % of the range per step (Page: 10 %), Shift 0.1 %. */
#define STEP_NORM 0.01f

void gui_short_caption(const param_info *pi, char *buf, int len)
{
	/* the registry's label without what the surrounding panel already says:
	 * "EQ 3 frequency" -> "Frequency", "Band 2 threshold" -> "Threshold",
	 * "Imager crossover 1" -> "Crossover 1", "Monitor level" -> "Level" */
	const char *l = pi->label;
	const char *sp = strchr(l, ' ');
	if (sp && isdigit((unsigned char)sp[1]) && strchr(sp + 1, ' '))
		l = strchr(sp + 1, ' ') + 1;
	else if (!strncmp(l, "Imager ", 7) || !strncmp(l, "Monitor ", 8))
		l = sp + 1;
	snprintf(buf, len, "%s", l);
	buf[0] = (char)toupper((unsigned char)buf[0]);
}

void gui_control_text(const gui_control *c, char *buf, int len)
{
	param_format(c->id, c->shown, buf, len);
}

static gboolean bipolar(const param_info *pi)
{
	return pi->min < 0 && pi->max > 0 && pi->curve != CURVE_LOG;
}

static void knob_draw(GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer ud)
{
	gui_control *c = ud;
	double cx = w / 2.0, cy = h / 2.0;
	double r = MIN(w, h) / 2.0 - 3.0;
	double n = param_to_norm(c->id, c->shown);
	double from = bipolar(c->info) ? param_to_norm(c->id, 0.0f) : 0.0;

	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_line_width(cr, 3.0);
	cairo_set_source_rgb(cr, 0.20, 0.21, 0.24);
	cairo_arc(cr, cx, cy, r, KNOB_A0, KNOB_A1);
	cairo_stroke(cr);

	double lo = MIN(from, n), hi = MAX(from, n);
	if (hi - lo > 0.002) {
		gdk_cairo_set_source_rgba(cr, &c->accent);
		cairo_arc(cr, cx, cy, r, KNOB_A0 + (KNOB_A1 - KNOB_A0) * lo, KNOB_A0 + (KNOB_A1 - KNOB_A0) * hi);
		cairo_stroke(cr);
	}
	/* the cap */
	cairo_arc(cr, cx, cy, r - 5.0, 0, 2 * G_PI);
	cairo_set_source_rgb(cr, 0.15, 0.16, 0.18);
	cairo_fill_preserve(cr);
	cairo_set_line_width(cr, 1.0);
	cairo_set_source_rgb(cr, 0.30, 0.31, 0.35);
	cairo_stroke(cr);
	/* the pointer */
	double a = KNOB_A0 + (KNOB_A1 - KNOB_A0) * n;
	cairo_set_line_width(cr, 2.0);
	cairo_set_source_rgb(cr, 0.92, 0.93, 0.95);
	cairo_move_to(cr, cx + cos(a) * (r - 5.0) * 0.30, cy + sin(a) * (r - 5.0) * 0.30);
	cairo_line_to(cr, cx + cos(a) * (r - 7.0), cy + sin(a) * (r - 7.0));
	cairo_stroke(cr);
	if (gtk_widget_has_focus(GTK_WIDGET(area))) {
		cairo_set_line_width(cr, 1.0);
		gdk_cairo_set_source_rgba(cr, &c->accent);
		cairo_arc(cr, cx, cy, r + 2.0, 0, 2 * G_PI);
		cairo_stroke(cr);
	}
}

/* Put `v` into the widgets without writing it back. */
static void show_value(gui_control *c, float v)
{
	char text[48];
	c->shown = v;
	c->syncing = TRUE;
	param_format(c->id, v, text, sizeof text);
	if (c->knob) {
		gtk_widget_queue_draw(c->knob);
		gtk_accessible_update_property(GTK_ACCESSIBLE(c->knob),
		                               GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double)v,
		                               GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text, -1);
	}
	if (c->entry && !c->editing) {
		GtkEditable *ed = GTK_EDITABLE(c->entry);
		if (strcmp(gtk_editable_get_text(ed), text))
			gtk_editable_set_text(ed, text);
	}
	if (c->dropdown) {
		int k = (int)(v + 0.5f);
		if ((int)gtk_drop_down_get_selected(GTK_DROP_DOWN(c->dropdown)) != k)
			gtk_drop_down_set_selected(GTK_DROP_DOWN(c->dropdown), (guint)k);
	}
	if (c->toggle) {
		gboolean on = v >= 0.5f;
		if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(c->toggle)) != on)
			gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c->toggle), on);
	}
	c->syncing = FALSE;
}

void gui_control_sync(gui_control *c)
{
	uint32_t g = param_gen(c->params, c->id);
	if (g == c->gen)
		return;
	c->gen = g;
	float v = param_get(c->params, c->id);
	if (v != c->shown)
		gui_trace("shown %s %g", c->info->path, v); /* tests time a remote change to the knob */
	show_value(c, v);
}

void gui_control_set(gui_control *c, float value)
{
	if (surface_set(c->surf, c->id, value) < 0)
		return;
	c->gen = param_gen(c->params, c->id);
	show_value(c, param_get(c->params, c->id));
}

void gui_control_set_accent(gui_control *c, const GdkRGBA *rgba)
{
	c->accent = *rgba;
	if (c->knob)
		gtk_widget_queue_draw(c->knob);
}

/* Move along the knob's curve by `dn` of the range; integer parameters move
 * at least one step so a wheel notch always does something. */
static void nudge(gui_control *c, float dn)
{
	if (c->info->step >= 1) {
		float d = dn > 0 ? c->info->step : -c->info->step;
		float span = (c->info->max - c->info->min) / c->info->step;
		if (fabsf(dn) >= 0.1f && span > 20)
			d *= roundf(span / 10);
		gui_control_set(c, c->shown + d);
		return;
	}
	gui_control_set(c, param_from_norm(c->id, param_to_norm(c->id, c->shown) + dn));
}

static void reset_default(gui_control *c) { gui_control_set(c, c->info->def); }

static gboolean shift_held(GtkEventController *ec)
{
	return (gtk_event_controller_get_current_event_state(ec) & GDK_SHIFT_MASK) != 0;
}

static void on_drag_begin(GtkGestureDrag *g, double x, double y, gpointer ud)
{
	gui_control *c = ud;
	c->drag_norm = param_to_norm(c->id, c->shown);
	c->drag_last_y = 0;
	gtk_widget_grab_focus(c->knob);
}

static void on_drag_update(GtkGestureDrag *g, double dx, double dy, gpointer ud)
{
	gui_control *c = ud;
	double delta = dy - c->drag_last_y;
	c->drag_last_y = dy;
	float scale = shift_held(GTK_EVENT_CONTROLLER(g)) ? FINE : 1.0f;
	c->drag_norm -= (float)(delta / DRAG_PX_FULL) * scale;
	c->drag_norm = c->drag_norm < 0 ? 0 : c->drag_norm > 1 ? 1 : c->drag_norm;
	gui_control_set(c, param_from_norm(c->id, c->drag_norm));
}

static gboolean on_scroll(GtkEventControllerScroll *s, double dx, double dy, gpointer ud)
{
	gui_control *c = ud;
	float scale = shift_held(GTK_EVENT_CONTROLLER(s)) ? FINE : 1.0f;
	if (dy != 0)
		nudge(c, (dy < 0 ? STEP_NORM : -STEP_NORM) * scale);
	return TRUE;
}

static void on_knob_click(GtkGestureClick *g, int n_press, double x, double y, gpointer ud)
{
	gui_control *c = ud;
	GdkModifierType st = gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(g));
	if (n_press == 2 || (n_press == 1 && (st & GDK_CONTROL_MASK)))
		reset_default(c);
}

static gboolean on_knob_key(GtkEventControllerKey *k, guint keyval, guint code, GdkModifierType st, gpointer ud)
{
	gui_control *c = ud;
	float scale = (st & GDK_SHIFT_MASK) ? FINE : 1.0f;
	switch (keyval) {
	case GDK_KEY_Up: case GDK_KEY_Right: case GDK_KEY_KP_Add: case GDK_KEY_plus:
		nudge(c, STEP_NORM * scale); return TRUE;
	case GDK_KEY_Down: case GDK_KEY_Left: case GDK_KEY_KP_Subtract: case GDK_KEY_minus:
		nudge(c, -STEP_NORM * scale); return TRUE;
	case GDK_KEY_Page_Up: nudge(c, 10 * STEP_NORM * scale); return TRUE;
	case GDK_KEY_Page_Down: nudge(c, -10 * STEP_NORM * scale); return TRUE;
	case GDK_KEY_Home: gui_control_set(c, c->info->min); return TRUE;
	case GDK_KEY_End: gui_control_set(c, c->info->max); return TRUE;
	case GDK_KEY_Delete: case GDK_KEY_BackSpace: reset_default(c); return TRUE;
	default: return FALSE;
	}
}

static void on_knob_focus(GtkEventControllerFocus *f, gpointer ud)
{
	gtk_widget_queue_draw(((gui_control *)ud)->knob);
}

/* "2.5k", "2500 Hz", "-3 dB" -> number in natural units. */
static gboolean parse_value(const char *s, float *out)
{
	char *end;
	double d = g_ascii_strtod(s, &end);
	if (end == s || !isfinite(d))
		return FALSE;
	while (*end == ' ')
		end++;
	if (*end == 'k' || *end == 'K')
		d *= 1000.0;
	*out = (float)d;
	return TRUE;
}

static void on_entry_activate(GtkEntry *e, gpointer ud)
{
	gui_control *c = ud;
	float v;
	if (parse_value(gtk_editable_get_text(GTK_EDITABLE(e)), &v))
		gui_control_set(c, v);
	/* hand focus back so the field shows the stored (clamped, formatted) value */
	c->editing = FALSE;
	gtk_widget_grab_focus(c->knob);
	show_value(c, c->shown);
}

static void on_entry_leave(GtkEventControllerFocus *f, gpointer ud)
{
	gui_control *c = ud;
	c->editing = FALSE;
	show_value(c, c->shown);
}

static void on_entry_enter(GtkEventControllerFocus *f, gpointer ud) { ((gui_control *)ud)->editing = TRUE; }

static void on_dropdown(GObject *o, GParamSpec *ps, gpointer ud)
{
	gui_control *c = ud;
	if (c->syncing)
		return;
	gui_control_set(c, (float)gtk_drop_down_get_selected(GTK_DROP_DOWN(o)));
}

static void on_toggled(GtkToggleButton *b, gpointer ud)
{
	gui_control *c = ud;
	if (c->syncing)
		return;
	gui_control_set(c, gtk_toggle_button_get_active(b) ? 1.0f : 0.0f);
}

/* The console syncs only on-screen controls every frame: catch up on what
 * changed while this one was on a hidden page, before it is drawn. */
static void on_map(GtkWidget *w, gpointer ud) { gui_control_sync(ud); }

static void act_copy(GSimpleAction *a, GVariant *v, gpointer ud)
{
	gui_control *c = ud;
	gdk_clipboard_set_text(gtk_widget_get_clipboard(c->root), c->info->path);
}

static void act_reset(GSimpleAction *a, GVariant *v, gpointer ud) { reset_default(ud); }

static void on_context(GtkGestureClick *g, int n, double x, double y, gpointer ud)
{
	gui_control *c = ud;
	if (!c->menu) {
		GMenu *m = g_menu_new();
		g_menu_append(m, "Copy OSC address", "ctl.copy-osc");
		g_menu_append(m, "Reset to default", "ctl.reset");
		c->menu = gtk_popover_menu_new_from_model(G_MENU_MODEL(m));
		g_object_unref(m);
		gtk_widget_set_parent(c->menu, c->root);
		gtk_popover_set_has_arrow(GTK_POPOVER(c->menu), FALSE);
	}
	GtkWidget *w = gtk_event_controller_get_widget(GTK_EVENT_CONTROLLER(g));
	double rx = x, ry = y;
	gtk_widget_translate_coordinates(w, c->root, x, y, &rx, &ry);
	gtk_popover_set_pointing_to(GTK_POPOVER(c->menu), &(GdkRectangle){ (int)rx, (int)ry, 1, 1 });
	gtk_popover_popup(GTK_POPOVER(c->menu));
	gtk_gesture_set_state(GTK_GESTURE(g), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* The selected choice in the button: a label of a fixed size, as wide as the
 * longest choice (chars), whatever it shows, so a change of selection (from
 * OSC, too) never changes the window's layout.  A label's size follows its
 * text unless it may ellipsize: then width_chars..max_width_chars bound it,
 * and one character of slack keeps wide letters from being cut. */
static void dropdown_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer chars)
{
	GtkWidget *l = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	int n = GPOINTER_TO_INT(chars);
	if (n > 0) {
		gtk_label_set_width_chars(GTK_LABEL(l), n + 1);
		gtk_label_set_max_width_chars(GTK_LABEL(l), n + 1);
		gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_END);
	}
	gtk_list_item_set_child(item, l);
}

static void dropdown_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer ud)
{
	GtkStringObject *s = gtk_list_item_get_item(item);
	gtk_label_set_text(GTK_LABEL(gtk_list_item_get_child(item)), s ? gtk_string_object_get_string(s) : "");
}

/* Registry names whose first-letter capital would misspell them ("Rms",
 * "Youtube", "Apple music", "Mid side", "F weighted" in the menus). */
static const char *proper_name(const char *e)
{
	static const char *const names[][2] = {
		{ "rms", "RMS" }, { "mid_side", "Mid/side" }, { "f_weighted", "F-weighted" },
		{ "youtube", "YouTube" }, { "apple_music", "Apple Music" },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		if (!strcmp(e, names[i][0]))
			return names[i][1];
	return NULL;
}

static char **pretty_enums(const param_info *pi)
{
	char **v = g_new0(char *, pi->n_enums + 1);
	const char *last = strrchr(pi->path, '/');
	for (int i = 0; i < pi->n_enums; i++) {
		const char *e = pi->enums[i];
		gboolean digits = isdigit((unsigned char)e[0]);
		if (digits && last && !strcmp(last, "/slope"))
			v[i] = g_strdup_printf("%s dB/oct", e);
		else if (digits && last && !strcmp(last, "/bits"))
			v[i] = g_strdup_printf("%s bit", e);
		else if (last && !strcmp(last, "/meter_scale"))
			v[i] = g_strdup(meter_scale_get(i)->label); /* "EBU +9", "K-14" */
		else if (proper_name(e))
			v[i] = g_strdup(proper_name(e));
		else {
			v[i] = g_strdup(e);
			for (char *p = v[i]; *p; p++)
				if (*p == '_')
					*p = ' ';
			v[i][0] = (char)toupper((unsigned char)v[i][0]);
		}
	}
	return v;
}

gui_control *gui_control_new(lathe_surface *surf, int id, const char *caption, gboolean compact)
{
	gui_control *c = g_new0(gui_control, 1);
	c->id = id;
	c->info = param_info_get(id);
	c->surf = surf;
	c->params = surf->params;
	gdk_rgba_parse(&c->accent, "#4fb3ff");
	char cap[48];
	if (caption)
		snprintf(cap, sizeof cap, "%s", caption);
	else
		gui_short_caption(c->info, cap, sizeof cap);

	char *tip = g_strdup_printf("%s — %s\nOSC: %s  (%s)", c->info->label, c->info->help ? c->info->help : "",
	                            c->info->path, c->info->curve == CURVE_TOGGLE ? "0 or 1" : "right-click to copy");
	c->root = gtk_box_new(compact ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL, compact ? 4 : 1);
	gtk_widget_add_css_class(c->root, "control");
	g_object_set_data_full(G_OBJECT(c->root), "gui-control", c, g_free);
	gtk_widget_set_tooltip_text(c->root, tip);
	g_free(tip);

	GtkWidget *main = NULL;
	if (c->info->curve == CURVE_TOGGLE) {
		c->toggle = gtk_toggle_button_new_with_label(cap);
		gtk_widget_add_css_class(c->toggle, "toggle");
		if (strstr(c->info->path, "bypass"))
			gtk_widget_add_css_class(c->toggle, "bypass");
		g_signal_connect(c->toggle, "toggled", G_CALLBACK(on_toggled), c);
		gtk_box_append(GTK_BOX(c->root), c->toggle);
		main = c->toggle;
	} else {
		GtkWidget *lab = gtk_label_new(cap);
		gtk_widget_add_css_class(lab, "caption");
		if (compact)
			gtk_widget_set_valign(lab, GTK_ALIGN_CENTER);
		if (!compact)
			gtk_label_set_ellipsize(GTK_LABEL(lab), PANGO_ELLIPSIZE_END);
		gtk_box_append(GTK_BOX(c->root), lab);
		if (c->info->curve == CURVE_ENUM) {
			char **names = pretty_enums(c->info);
			c->dropdown = gtk_drop_down_new_from_strings((const char *const *)names);
			/* every choice as wide as the longest, so a change of selection
			 * (from OSC, too) does not change the size and re-lay out the window */
			int longest = 1;
			for (char **n = names; *n; n++)
				longest = MAX(longest, (int)g_utf8_strlen(*n, -1));
			g_strfreev(names);
			GtkListItemFactory *f = gtk_signal_list_item_factory_new();
			g_signal_connect(f, "setup", G_CALLBACK(dropdown_setup), GINT_TO_POINTER(longest));
			g_signal_connect(f, "bind", G_CALLBACK(dropdown_bind), NULL);
			gtk_drop_down_set_factory(GTK_DROP_DOWN(c->dropdown), f);
			g_object_unref(f);
			/* the open list: each choice at its own width */
			f = gtk_signal_list_item_factory_new();
			g_signal_connect(f, "setup", G_CALLBACK(dropdown_setup), GINT_TO_POINTER(0));
			g_signal_connect(f, "bind", G_CALLBACK(dropdown_bind), NULL);
			gtk_drop_down_set_list_factory(GTK_DROP_DOWN(c->dropdown), f);
			g_object_unref(f);
			g_signal_connect(c->dropdown, "notify::selected", G_CALLBACK(on_dropdown), c);
			gtk_widget_set_valign(c->dropdown, GTK_ALIGN_CENTER);
			gtk_box_append(GTK_BOX(c->root), c->dropdown);
			main = c->dropdown;
		} else {
			c->knob = g_object_new(GTK_TYPE_DRAWING_AREA, "accessible-role", GTK_ACCESSIBLE_ROLE_SLIDER, NULL);
			gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(c->knob), compact ? 26 : 38);
			gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(c->knob), compact ? 26 : 38);
			gtk_widget_set_halign(c->knob, GTK_ALIGN_CENTER);
			gtk_widget_set_focusable(c->knob, TRUE);
			gtk_widget_set_focus_on_click(c->knob, TRUE);
			gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(c->knob), knob_draw, c, NULL);
			gtk_accessible_update_property(GTK_ACCESSIBLE(c->knob),
			                               GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, (double)c->info->min,
			                               GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double)c->info->max, -1);

			GtkGesture *drag = gtk_gesture_drag_new();
			g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), c);
			g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), c);
			gtk_widget_add_controller(c->knob, GTK_EVENT_CONTROLLER(drag));
			GtkGesture *click = gtk_gesture_click_new();
			g_signal_connect(click, "pressed", G_CALLBACK(on_knob_click), c);
			gtk_widget_add_controller(c->knob, GTK_EVENT_CONTROLLER(click));
			GtkEventController *scroll = gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
			                                                             GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
			g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), c);
			gtk_widget_add_controller(c->knob, scroll);
			GtkEventController *key = gtk_event_controller_key_new();
			g_signal_connect(key, "key-pressed", G_CALLBACK(on_knob_key), c);
			gtk_widget_add_controller(c->knob, key);
			GtkEventController *focus = gtk_event_controller_focus_new();
			g_signal_connect(focus, "enter", G_CALLBACK(on_knob_focus), c);
			g_signal_connect(focus, "leave", G_CALLBACK(on_knob_focus), c);
			gtk_widget_add_controller(c->knob, focus);
			gtk_box_append(GTK_BOX(c->root), c->knob);

			c->entry = gtk_entry_new();
			/* room for "-14.00 " and the unit ("-14.00 LUFS" is 11 characters) */
			int chars = 7 + (int)strlen(param_info_get(c->id)->unit);
			gtk_editable_set_width_chars(GTK_EDITABLE(c->entry), chars < 8 ? 8 : chars);
			gtk_widget_set_valign(c->entry, GTK_ALIGN_CENTER);
			gtk_editable_set_max_width_chars(GTK_EDITABLE(c->entry), chars < 9 ? 9 : chars);
			gtk_editable_set_alignment(GTK_EDITABLE(c->entry), 0.5f);
			gtk_widget_add_css_class(c->entry, "value");
			g_signal_connect(c->entry, "activate", G_CALLBACK(on_entry_activate), c);
			GtkEventController *ef = gtk_event_controller_focus_new();
			g_signal_connect(ef, "enter", G_CALLBACK(on_entry_enter), c);
			g_signal_connect(ef, "leave", G_CALLBACK(on_entry_leave), c);
			gtk_widget_add_controller(c->entry, ef);
			char elabel[80];
			snprintf(elabel, sizeof elabel, "%s value", c->info->label);
			gtk_accessible_update_property(GTK_ACCESSIBLE(c->entry), GTK_ACCESSIBLE_PROPERTY_LABEL, elabel, -1);
			gtk_box_append(GTK_BOX(c->root), c->entry);
			main = c->knob;
		}
	}
	gtk_accessible_update_property(GTK_ACCESSIBLE(main), GTK_ACCESSIBLE_PROPERTY_LABEL, c->info->label,
	                               GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, c->info->help ? c->info->help : "", -1);

	/* context menu: right click anywhere on the control */
	GSimpleActionGroup *ag = g_simple_action_group_new();
	const GActionEntry entries[] = {
		{ .name = "copy-osc", .activate = act_copy },
		{ .name = "reset", .activate = act_reset },
	};
	g_action_map_add_action_entries(G_ACTION_MAP(ag), entries, G_N_ELEMENTS(entries), c);
	gtk_widget_insert_action_group(c->root, "ctl", G_ACTION_GROUP(ag));
	g_object_unref(ag);
	GtkGesture *ctx = gtk_gesture_click_new();
	gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(ctx), GDK_BUTTON_SECONDARY);
	gtk_event_controller_set_propagation_phase(GTK_EVENT_CONTROLLER(ctx), GTK_PHASE_CAPTURE);
	g_signal_connect(ctx, "pressed", G_CALLBACK(on_context), c);
	gtk_widget_add_controller(c->root, GTK_EVENT_CONTROLLER(ctx));

	g_signal_connect(c->root, "map", G_CALLBACK(on_map), c);

	c->gen = param_gen(c->params, id);
	show_value(c, param_get(c->params, id));
	gui_trace("shown %s %g", c->info->path, c->shown);
	return c;
}
