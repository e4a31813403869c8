/* lathe — when to autosave (see autosave.h). */
#include "autosave.h"

void autosave_clock_init(autosave_clock *c, uint32_t counter)
{
	c->saved = c->last = counter;
	c->pending = false;
	c->first_change_us = 0;
}

bool autosave_poll(autosave_clock *c, uint32_t counter, int64_t now_us)
{
	bool moving = counter != c->last;
	c->last = counter;
	if (counter == c->saved) {
		c->pending = false; /* changed and changed back: the file already holds this */
		return false;
	}
	if (!c->pending) {
		c->pending = true;
		c->first_change_us = now_us;
	}
	return !moving || now_us - c->first_change_us >= AUTOSAVE_MAX_WAIT_US;
}

void autosave_done(autosave_clock *c, uint32_t counter)
{
	c->saved = c->last = counter;
	c->pending = false;
}
