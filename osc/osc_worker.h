/* lathe — one helper thread that runs the OSC server's blocking calls (session
 * save and load: file opens, fsync, rename) so the server thread, which
 * serves every client, never waits on a file.  Issue 11: `/session/load` of
 * a FIFO blocked open() and with it every client until a writer came.
 *
 * One job at a time: a second submit while one runs is refused (the caller
 * answers "busy").  The server thread polls osc_worker_fd(); when it is
 * readable, osc_worker_take() hands back the finished job with its result
 * and the caller's reply tag (who asked, where to answer). */
#ifndef LATHE_OSC_WORKER_H
#define LATHE_OSC_WORKER_H

#include <stddef.h>
#include "engine/app.h"

#define OSC_WORKER_TAG_MAX 256

typedef int (*osc_worker_fn)(lathe_app *app, const char *name, char *err, int errlen);

typedef struct {
	int rc;                          /* what fn returned */
	char err[256];                   /* its reason when rc != 0 */
	char tag[OSC_WORKER_TAG_MAX];    /* the caller's bytes, as submitted */
} osc_worker_result;

typedef struct osc_worker osc_worker;

/* NULL when the thread cannot start. */
osc_worker *osc_worker_new(lathe_app *app);
/* Readable (POLLIN) when a result waits. */
int osc_worker_fd(const osc_worker *w);
/* 0 queued; -1 busy (a job runs or its result was not taken yet). */
int osc_worker_submit(osc_worker *w, osc_worker_fn fn, const char *name, const void *tag, size_t taglen);
/* 1 and *out filled when a result was waiting, else 0. */
int osc_worker_take(osc_worker *w, osc_worker_result *out);
/* Stops the thread.  A job still blocked after wait_ms is abandoned: the
 * thread is detached and frees the worker itself when (if) the call returns. */
void osc_worker_free(osc_worker *w, int wait_ms);

#endif
