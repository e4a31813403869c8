/* lathe — when to autosave.
 *
 * Polled every AUTOSAVE_POLL_US with a change counter (the store's generation
 * plus the sessions module's own count of snapshot stores).  A save is due
 * once changes have stopped for one poll (quiet), or AUTOSAVE_MAX_WAIT_US
 * after the first unsaved change was seen while changes keep coming.  A
 * change made just after a poll is seen one poll later, so the bound on the
 * age of the autosave is AUTOSAVE_POLL_US + AUTOSAVE_MAX_WAIT_US = 2 s: a
 * crash or kill -9 loses at most the last two seconds.
 *
 * The file itself is written by sessions.c (atomically, like every save).
 * Not RT code; time is passed in (µs).
 */
#ifndef LATHE_AUTOSAVE_H
#define LATHE_AUTOSAVE_H

#include <stdbool.h>
#include <stdint.h>

#define AUTOSAVE_POLL_US 250000
#define AUTOSAVE_MAX_WAIT_US 1750000

typedef struct {
	uint32_t saved;          /* counter value in the last autosave */
	uint32_t last;           /* counter value at the previous poll */
	bool pending;            /* counter differs from `saved` */
	int64_t first_change_us; /* poll time at which the pending change was first seen */
} autosave_clock;

void autosave_clock_init(autosave_clock *c, uint32_t counter);
/* True when a save is due now; the caller saves then calls autosave_done. */
bool autosave_poll(autosave_clock *c, uint32_t counter, int64_t now_us);
void autosave_done(autosave_clock *c, uint32_t counter);

#endif
