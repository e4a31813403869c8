/* lathe — `_osc._udp` over Avahi (osc_announce.h).
 *
 * Follows avahi's own example, client-publish-service.c: publish when the
 * client is running, reset on a server name collision, pick an alternative
 * service name on a service collision.  Avahi's threaded poll runs the
 * callbacks on its own thread; nothing here is touched by another thread
 * except through avahi_threaded_poll_lock in osc_announce_free. */
#include "osc_announce.h"

#include <arpa/inet.h>
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERVICE_TYPE "_osc._udp"

struct osc_announce {
	AvahiThreadedPoll *poll;
	AvahiClient *client;
	AvahiEntryGroup *group;
	char *name;                 /* service name, avahi-allocated (alternatives replace it) */
	int port;
	AvahiIfIndex ifindex;
};

static void publish(osc_announce *a, AvahiClient *c);

static void group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ud)
{
	osc_announce *a = ud;
	if (state == AVAHI_ENTRY_GROUP_ESTABLISHED) {
		fprintf(stderr, "lathe: OSC announced over Avahi as '%s' (%s, port %d)\n", a->name, SERVICE_TYPE, a->port);
	} else if (state == AVAHI_ENTRY_GROUP_COLLISION) {
		char *n = avahi_alternative_service_name(a->name);
		avahi_free(a->name);
		a->name = n;
		avahi_entry_group_reset(g);
		publish(a, avahi_entry_group_get_client(g));
	} else if (state == AVAHI_ENTRY_GROUP_FAILURE) {
		fprintf(stderr, "lathe: OSC not announced over Avahi: %s\n",
			avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
	}
}

static void publish(osc_announce *a, AvahiClient *c)
{
	if (!a->group && !(a->group = avahi_entry_group_new(c, group_cb, a))) {
		fprintf(stderr, "lathe: OSC not announced over Avahi: %s\n", avahi_strerror(avahi_client_errno(c)));
		return;
	}
	if (!avahi_entry_group_is_empty(a->group))
		return;
	int rc = avahi_entry_group_add_service(a->group, a->ifindex, AVAHI_PROTO_INET, 0, a->name, SERVICE_TYPE, NULL, NULL,
	                                       (uint16_t)a->port, NULL);
	if (rc == AVAHI_ERR_COLLISION) {
		group_cb(a->group, AVAHI_ENTRY_GROUP_COLLISION, a);
		return;
	}
	if (rc < 0 || (rc = avahi_entry_group_commit(a->group)) < 0)
		fprintf(stderr, "lathe: OSC not announced over Avahi: %s\n", avahi_strerror(rc));
}

static void client_cb(AvahiClient *c, AvahiClientState state, void *ud)
{
	osc_announce *a = ud;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		publish(a, c);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		if (a->group)
			avahi_entry_group_reset(a->group);
		break;
	case AVAHI_CLIENT_FAILURE:
		fprintf(stderr, "lathe: OSC no longer announced over Avahi: %s\n", avahi_strerror(avahi_client_errno(c)));
		break;
	case AVAHI_CLIENT_CONNECTING:
		break;
	}
}

/* The index of the interface that holds addr; AVAHI_IF_UNSPEC for INADDR_ANY or when none does. */
static AvahiIfIndex interface_of(struct in_addr addr)
{
	if (addr.s_addr == htonl(INADDR_ANY))
		return AVAHI_IF_UNSPEC;
	struct ifaddrs *list = NULL, *i;
	AvahiIfIndex idx = AVAHI_IF_UNSPEC;
	if (getifaddrs(&list) != 0)
		return idx;
	for (i = list; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr.s_addr) {
			idx = (AvahiIfIndex)if_nametoindex(i->ifa_name);
			break;
		}
	freeifaddrs(list);
	return idx ? idx : AVAHI_IF_UNSPEC;
}

osc_announce *osc_announce_new(struct in_addr bound, int port)
{
	osc_announce *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->port = port;
	a->ifindex = interface_of(bound);
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	char name[128];
	snprintf(name, sizeof name, "lathe on %s", *host ? host : "this host");
	a->name = avahi_strdup(name);
	a->poll = avahi_threaded_poll_new();
	if (!a->poll || !a->name) {
		fprintf(stderr, "lathe: OSC not announced over Avahi: out of memory\n");
		osc_announce_free(a);
		return NULL;
	}
	int err = 0;
	/* NO_FAIL: without a daemon, wait for one instead of failing */
	a->client = avahi_client_new(avahi_threaded_poll_get(a->poll), AVAHI_CLIENT_NO_FAIL, client_cb, a, &err);
	if (!a->client) {
		fprintf(stderr, "lathe: OSC not announced over Avahi: %s (start avahi-daemon, or give clients this host's address"
		                " and port %d)\n", avahi_strerror(err), port);
		osc_announce_free(a);
		return NULL;
	}
	if (avahi_client_get_state(a->client) == AVAHI_CLIENT_CONNECTING)
		fprintf(stderr, "lathe: no Avahi daemon running: OSC not announced yet (clients need the address and port %d;"
		                " it will be once avahi-daemon starts)\n", port);
	if (avahi_threaded_poll_start(a->poll) < 0) {
		fprintf(stderr, "lathe: OSC not announced over Avahi: cannot start its thread\n");
		osc_announce_free(a);
		return NULL;
	}
	return a;
}

void osc_announce_free(osc_announce *a)
{
	if (!a)
		return;
	if (a->poll)
		avahi_threaded_poll_stop(a->poll);
	if (a->client)
		avahi_client_free(a->client); /* frees the group too */
	if (a->poll)
		avahi_threaded_poll_free(a->poll);
	avahi_free(a->name);
	free(a);
}
