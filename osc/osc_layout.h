/* lathe — the Open Stage Control 1.x session generated from the registry,
 * the meter list and the actions (osc/layouts/lathe-open-stage-control.json),
 * and the docs/osc.md sections on setting up tablets (Open Stage Control,
 * TouchOSC).  The format's rules are in ../shared/reference/
 * open-stage-control-format.md (taken from Open Stage Control's source). */
#ifndef LATHE_OSC_LAYOUT_H
#define LATHE_OSC_LAYOUT_H

#include <stdio.h>

/* The session file, as committed in osc/layouts/. */
void osc_write_open_stage_control(FILE *f);

/* The layout's pages: how many, and the index of the one with this id (a module's
 * osc_tab in engine/modules.c), -1 when none has it. */
int osc_layout_tab_count(void);
int osc_layout_tab_index(const char *tab_id);
const char *osc_layout_tab_label(int t); /* "Input / EQ"; NULL out of range */

/* The "Open Stage Control" and "TouchOSC" sections of docs/osc.md. */
void osc_layout_write_markdown(FILE *f);

#endif
