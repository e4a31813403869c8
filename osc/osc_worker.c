/* lathe — the OSC server's helper thread for blocking calls (osc_worker.h).
 *
 * Hand-written rather than a GThreadPool: the pool's threads get the default
 * 8 MB stack, which mlockall pins (engine/thread.h), and a pool cannot be
 * left behind safely while its task is stuck in open() on a FIFO; here the
 * thread owns the struct once it is abandoned and frees it on its way out. */
#include "osc_worker.h"
#include "engine/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { W_IDLE, W_QUEUED, W_RUNNING, W_DONE };

struct osc_worker {
	lathe_app *app;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state;                  /* W_*, under lock */
	int quit;                   /* osc_worker_free asked the thread to end */
	int abandoned;              /* the thread frees the struct when it ends */
	int exited;                 /* the thread is past its last use of the struct but the free */
	osc_worker_fn fn;
	char name[256];
	osc_worker_result res;
	int pipe[2];                /* a byte per finished job wakes the server's poll */
	pthread_t thread;
};

static void destroy(osc_worker *w)
{
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void *worker_main(void *arg)
{
	osc_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->quit && w->state != W_QUEUED)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->quit)
			break;
		w->state = W_RUNNING;
		osc_worker_fn fn = w->fn;
		char name[sizeof w->name], err[sizeof w->res.err] = "failed";
		memcpy(name, w->name, sizeof name);
		pthread_mutex_unlock(&w->lock);
		int rc = fn(w->app, name, err, (int)sizeof err);
		pthread_mutex_lock(&w->lock);
		w->res.rc = rc;
		memcpy(w->res.err, err, sizeof err);
		w->state = W_DONE;
		char c = 'd';
		if (write(w->pipe[1], &c, 1) != 1) { /* non-blocking pipe full: a byte is already there */ }
	}
	int abandoned = w->abandoned;
	w->exited = 1;
	pthread_mutex_unlock(&w->lock);
	if (abandoned)
		destroy(w);
	return NULL;
}

osc_worker *osc_worker_new(lathe_app *app)
{
	osc_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->app = app;
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (lathe_thread_start(&w->thread, worker_main, w) != 0) {
		destroy(w);
		return NULL;
	}
	return w;
}

int osc_worker_fd(const osc_worker *w) { return w->pipe[0]; }

int osc_worker_submit(osc_worker *w, osc_worker_fn fn, const char *name, const void *tag, size_t taglen)
{
	if (taglen > sizeof w->res.tag)
		return -1;
	pthread_mutex_lock(&w->lock);
	int rc = -1;
	if (w->state == W_IDLE) {
		w->fn = fn;
		snprintf(w->name, sizeof w->name, "%s", name);
		memset(&w->res, 0, sizeof w->res);
		memcpy(w->res.tag, tag, taglen);
		w->state = W_QUEUED;
		pthread_cond_signal(&w->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int osc_worker_take(osc_worker *w, osc_worker_result *out)
{
	char c[16];
	while (read(w->pipe[0], c, sizeof c) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	int got = w->state == W_DONE;
	if (got) {
		*out = w->res;
		w->state = W_IDLE;
	}
	pthread_mutex_unlock(&w->lock);
	return got;
}

void osc_worker_free(osc_worker *w, int wait_ms)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(w->thread, NULL, &until) == 0) {
		destroy(w);
		return;
	}
	/* still inside fn (a file that never opens): leave it the struct */
	pthread_mutex_lock(&w->lock);
	int exited = w->exited;
	if (!exited)
		w->abandoned = 1;
	pthread_mutex_unlock(&w->lock);
	if (exited) {
		pthread_join(w->thread, NULL);
		destroy(w);
	} else {
		pthread_detach(w->thread);
	}
}
