/* lathe — starting the non-RT helper threads (JACK supervisor, analysis,
 * OSC) with a modest stack.  The default is 8 MB, and mlockall(MCL_CURRENT),
 * which keeps the RT path from page faults, locks every byte of it: three
 * helper threads would pin 24 MB for nothing.  512 KB is far more than any of
 * them uses (none keeps large arrays on its stack). */
#ifndef LATHE_THREAD_H
#define LATHE_THREAD_H

#include <pthread.h>

#define LATHE_THREAD_STACK (512 * 1024)

static inline int lathe_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	if (pthread_attr_init(&attr))
		return -1;
	pthread_attr_setstacksize(&attr, LATHE_THREAD_STACK);
	int rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

#endif
