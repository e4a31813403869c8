/* lathe — GTK include for the console: pins the API to GTK 4.8 (Debian 12),
 * so a call that needs a newer GTK is a compile error, not a surprise on
 * the user's machine.  Every gui/ file includes this instead of <gtk/gtk.h>. */
#ifndef LATHE_GTK48_H
#define LATHE_GTK48_H

#define GDK_VERSION_MIN_REQUIRED GDK_VERSION_4_8
#define GDK_VERSION_MAX_ALLOWED GDK_VERSION_4_8
#include <gtk/gtk.h>

#endif
