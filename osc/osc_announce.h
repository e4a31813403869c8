/* lathe — the OSC server announced over DNS-SD (Avahi) as `_osc._udp`, so
 * TouchOSC, Open Stage Control and other browsers list the host (issue 12).
 *
 * Only for a LAN bind (osc_new decides).  With no Avahi daemon there is one
 * `lathe: ...` line on stderr and the server runs on unannounced; a daemon
 * that starts later is picked up (AVAHI_CLIENT_NO_FAIL). */
#ifndef LATHE_OSC_ANNOUNCE_H
#define LATHE_OSC_ANNOUNCE_H

#include <netinet/in.h>

typedef struct osc_announce osc_announce;

/* Announces `port` on the interface that holds `bound` (INADDR_ANY: every
 * interface).  NULL only when Avahi cannot even start its thread; the
 * reason is printed either way.  Never fatal for the caller. */
osc_announce *osc_announce_new(struct in_addr bound, int port);
void osc_announce_free(osc_announce *a);

#endif
