/* lathe — the GTK4 console: the entry points main.c calls. */
#ifndef LATHE_GUI_H
#define LATHE_GUI_H

#include "../engine/app.h"

/* Register the console's meter ring on app->bus (stored in app->gui_meter).
 * Call before the JACK client is activated; gui_run calls it if nobody did. */
void gui_prepare(lathe_app *app);

/* Runs a GtkApplication "org.lathe.Console" (G_APPLICATION_NON_UNIQUE) with
 * the console window; returns the exit status.  With LATHE_SCREENSHOT=FILE in
 * the environment, it writes the window to FILE (PNG) after 3 s (or
 * LATHE_SCREENSHOT_DELAY seconds) and quits; with LATHE_GUI_STATS set it
 * prints the frames drawn per second on exit. */
int gui_run(lathe_app *app, int argc, char **argv);

/* `lathe console --remote HOST[:PORT]` (issue 17): the console attached over
 * OSC to a lathe elsewhere, no local engine, no JACK.  gui_remote_option is
 * the option's GOptionArgFunc (checks and keeps HOST and PORT, default 7770);
 * gui_remote_wanted says whether it was given; gui_run_remote runs the
 * console until its window closes: 0, or 1 when the engine was refused (a
 * mismatch) or unreachable. */
#include <glib.h>
gboolean gui_remote_option(const char *name, const char *value, gpointer data, GError **error);
int gui_remote_wanted(void);
int gui_run_remote(const char *argv0);

#endif
