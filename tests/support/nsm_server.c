#include "tests/support/nsm_server.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* liblo hands out arguments that are not aligned for the lo_arg union
 * (UBSan flags a member access): read them through char pointers. */
static const char *lo_str(lo_arg *a) { return (const char *)a; }
static int lo_int(lo_arg *a)
{
	int32_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

static int on_any(const char *path, const char *types, lo_arg **argv, int argc, lo_message m, void *ud)
{
	nsm_server *ns = ud;
	if (ns->n_got >= NSM_SERVER_MAX_MSGS)
		return 0;
	nsm_msg *g = &ns->got[ns->n_got++];
	memset(g, 0, sizeof *g);
	snprintf(g->path, sizeof g->path, "%s", path);
	snprintf(g->types, sizeof g->types, "%s", types);
	for (int k = 0; k < argc && k < 6; k++) {
		if (types[k] == 's')
			snprintf(g->s[k], sizeof g->s[k], "%s", lo_str(argv[k]));
		else if (types[k] == 'i')
			g->i[k] = lo_int(argv[k]);
	}
	g->src_url = lo_address_get_url(lo_message_get_source(m));
	return 0;
}

nsm_server *nsm_server_new(void)
{
	nsm_server *ns = calloc(1, sizeof *ns);
	ns->lo = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	if (!ns->lo) {
		free(ns);
		return NULL;
	}
	lo_server_add_method(ns->lo, NULL, NULL, on_any, ns);
	ns->url = lo_server_get_url(ns->lo);
	return ns;
}

void nsm_server_free(nsm_server *ns)
{
	if (!ns)
		return;
	lo_server_free(ns->lo);
	for (int i = 0; i < ns->n_got; i++)
		free(ns->got[i].src_url);
	free(ns->url);
	free(ns);
}

void nsm_server_pump(nsm_server *ns, int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		lo_server_recv_noblock(ns->lo, 2);
	}
}

int nsm_server_find(const nsm_server *ns, const char *path, const char *arg0, int from)
{
	for (int k = from; k < ns->n_got; k++)
		if (!strcmp(ns->got[k].path, path) && (!arg0 || !strcmp(ns->got[k].s[0], arg0)))
			return k;
	return -1;
}

int nsm_server_wait(nsm_server *ns, const char *path, const char *arg0, int from, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		int k = nsm_server_find(ns, path, arg0, from);
		if (k >= 0)
			return k;
		nsm_server_pump(ns, 20);
	}
	return nsm_server_find(ns, path, arg0, from);
}
