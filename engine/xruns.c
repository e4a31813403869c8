/* xruns: see xruns.h.  The window is a ring of one-second samples of the
 * total: the count of the last 10 s is total now minus total 10 s ago (the
 * oldest sample when lathe has run less than that: the count since start). */
#include "xruns.h"

#include <math.h>
#include <stdio.h>

void xruns_count(xruns *x) { atomic_fetch_add_explicit(&x->total, 1, memory_order_relaxed); }

uint32_t xruns_total(const xruns *x) { return atomic_load_explicit(&x->total, memory_order_relaxed); }

uint32_t xruns_recent(const xruns *x) { return atomic_load_explicit(&x->recent, memory_order_relaxed); }

static void window(xruns *x, double now, uint32_t total)
{
	long sec = (long)floor(now);
	if (!x->slots_used) {
		for (int i = 0; i < XRUNS_SLOTS; i++)
			x->slot[i].sec = -1;
		x->slots_used = 1;
	}
	int k = (int)(sec % XRUNS_SLOTS);
	if (x->slot[k].sec != sec) {
		x->slot[k].sec = sec;
		x->slot[k].total = total;
	}
	/* the sample XRUNS_WINDOW_S seconds back, or the oldest within the window */
	uint32_t base = total;
	for (long s = sec - XRUNS_WINDOW_S; s <= sec; s++) {
		int i = (int)(((s % XRUNS_SLOTS) + XRUNS_SLOTS) % XRUNS_SLOTS);
		if (s >= 0 && x->slot[i].sec == s) {
			base = x->slot[i].total;
			break;
		}
	}
	atomic_store_explicit(&x->recent, total - base, memory_order_relaxed);
}

static void say(xruns *x, double now, uint32_t total, const char *all, char *line, size_t len)
{
	snprintf(line, len, "lathe: xruns: %u%s (%u in the last %d s)", total, all, xruns_recent(x), XRUNS_WINDOW_S);
	x->said_any = 1;
	x->said = total;
	x->said_at = now;
}

int xruns_poll(xruns *x, double now, char *line, size_t len)
{
	uint32_t total = xruns_total(x);
	window(x, now, total);
	if (total == (x->said_any ? x->said : 0))
		return 0;
	if (x->said_any && now - x->said_at < XRUNS_SAY_EVERY_S)
		return 0;
	say(x, now, total, "", line, len);
	return 1;
}

int xruns_final(xruns *x, double now, char *line, size_t len)
{
	uint32_t total = xruns_total(x);
	window(x, now, total);
	if (total == (x->said_any ? x->said : 0))
		return 0;
	say(x, now, total, " in all", line, len);
	return 1;
}
