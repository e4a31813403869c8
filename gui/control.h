/* lathe — one console control for one registry parameter.
 *
 * Built from the parameter's row alone: continuous parameters get a knob
 * with a caption and an editable value field, enums a GtkDropDown, toggles a
 * GtkToggleButton.  Every control: tooltip with help text and OSC address,
 * a context menu with "Copy OSC address" and "Reset", an accessible label,
 * keyboard operation.  The store is the only truth: the GUI writes with
 * param_set() and shows what the store holds (gui_control_sync), so changes
 * from OSC, sessions or snapshots appear the same way as our own.
 */
#ifndef LATHE_GUI_CONTROL_H
#define LATHE_GUI_CONTROL_H

#include "gtk48.h"
#include "surface.h"

typedef struct gui_control {
	int id;                    /* registry id */
	const param_info *info;    /* its row */
	lathe_surface *surf;       /* what it controls (borrowed): writes go through it */
	lathe_params *params;      /* surf->params: the values shown */
	GtkWidget *root;           /* what the layout packs; owns this struct */
	GtkWidget *knob;           /* continuous: GtkDrawingArea drawn as a knob */
	GtkWidget *entry;          /* continuous: value field (type a value + Enter) */
	GtkWidget *dropdown;       /* enum */
	GtkWidget *toggle;         /* toggle */
	GtkWidget *menu;           /* context menu popover, made on first right click */
	float shown;               /* value the widgets show now */
	uint32_t gen;              /* param_gen() when `shown` was taken */
	gboolean syncing;          /* TRUE while we set widgets from the store: their
	                              "changed" signals must not write back (no feedback loop) */
	gboolean editing;          /* TRUE while the value field has the keyboard focus: leave its text alone */
	float drag_norm;           /* knob position (0..1) when the drag began */
	double drag_last_y;        /* last drag offset, for fine (Shift) steps relative to it */
	GdkRGBA accent;            /* knob arc colour */
} gui_control;

/* caption: short text shown with the control (NULL: the short caption from
 * the path).  compact: one line (caption, small knob, value) instead of a
 * column (caption over knob over value). */
gui_control *gui_control_new(lathe_surface *surf, int id, const char *caption, gboolean compact);
/* Show the store's value if it changed since the last sync; cheap when it did not. */
void gui_control_sync(gui_control *c);
/* Write a value through the registry (clamped) and show it. */
void gui_control_set(gui_control *c, float value);
/* The value as the control shows it ("-1.00 dBTP", "bell", "on"). */
void gui_control_text(const gui_control *c, char *buf, int len);
void gui_control_set_accent(gui_control *c, const GdkRGBA *rgba);

/* Short caption from a path: "/eq/3/freq" -> "Freq", "/mb/crossover/2" -> the label. */
void gui_short_caption(const param_info *pi, char *buf, int len);

#endif
