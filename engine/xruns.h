/* lathe — xruns counted on the RT side, said on the terminal in a few lines.
 *
 * A loaded machine can miss hundreds of deadlines a minute (640 lines in 3
 * minutes of one stderr line per xrun): JACK's xrun callback only counts
 * (xruns_count: one atomic add), and a non-RT thread (the JACK supervisor,
 * every 50 ms) calls xruns_poll, which says the first xrun at once and then
 * at most one line per XRUNS_SAY_EVERY_S:
 *     lathe: xruns: TOTAL (N in the last 10 s)
 * It also keeps the count of the last XRUNS_WINDOW_S for the console's
 * status bar ("xruns 37 · 4/10 s").  A zeroed struct is ready to use. */
#ifndef LATHE_XRUNS_H
#define LATHE_XRUNS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define XRUNS_SAY_EVERY_S 5
#define XRUNS_WINDOW_S 10
#define XRUNS_SLOTS 16            /* one per second, > XRUNS_WINDOW_S */

typedef struct {
	_Atomic uint32_t total;       /* RT: every xrun (the callback's only write) */
	_Atomic uint32_t recent;      /* in the last XRUNS_WINDOW_S, as of the last poll (any thread reads) */
	/* the polling thread's own */
	int said_any;                 /* a line was said */
	uint32_t said;                /* TOTAL of the last line */
	double said_at;               /* when (the poll's clock, s) */
	struct {
		long sec;                 /* whole second of the sample, -1 none */
		uint32_t total;           /* total at the first poll of that second */
	} slot[XRUNS_SLOTS];
	int slots_used;               /* 0 until the first poll: slots are then initialised */
} xruns;

/* RT-safe: one relaxed atomic add. */
void xruns_count(xruns *x);
uint32_t xruns_total(const xruns *x);
/* The count of the last XRUNS_WINDOW_S as of the last poll. */
uint32_t xruns_recent(const xruns *x);

/* Non-RT, one thread, often (every 50 ms): updates the window at `now`
 * (seconds on a monotonic clock) and returns 1 with the line in `line`
 * (no newline) when one is due: the first xrun at once, later ones at most
 * one line per XRUNS_SAY_EVERY_S. */
int xruns_poll(xruns *x, double now, char *line, size_t len);

/* At the end: 1 with a line when xruns happened since the last one said
 * (the total is then always right on the terminal), whatever the time since:
 *     lathe: xruns: TOTAL in all (N in the last 10 s) */
int xruns_final(xruns *x, double now, char *line, size_t len);

#endif
