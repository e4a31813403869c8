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

#endif
