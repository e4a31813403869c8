/* lathe — SIGINT/SIGTERM as one stop request (see stop.h). */
#include "stop.h"
#include "thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
	atomic_int sig;              /* the request: its signal, 0 while none */
	atomic_int quit;             /* stop_watch_end */
	_Atomic(const char *) step;  /* what start-up is doing */
	atomic_int child;            /* pid to end with us, 0 none */
	pthread_mutex_t lock;        /* running, on_stop and the hand-over of a request */
	int running;                 /* start-up is over */
	void (*on_stop)(void *);
	void *user;
	sigset_t set;
	pthread_t thread;
	int started;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_signal(int sig)
{
	int none = 0;
	atomic_compare_exchange_strong(&S.sig, &none, sig);
}

void stop_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR and the loop sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

const atomic_int *stop_flag(void) { return &S.sig; }
int stop_requested(void) { return atomic_load(&S.sig); }

const char *stop_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	}
	return "a signal";
}

void stop_exit(void)
{
	int sig = atomic_load(&S.sig);
	if (!sig)
		exit(1);
	/* no fflush(NULL): from the watcher it would wait on the lock of a stream
	 * the main thread may be blocked in; lathe's lines go to unbuffered stderr */
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The end without cleanup: nothing that start-up half made is worth waiting for. */
static void force_exit(const char *why)
{
	const char *step = atomic_load(&S.step);
	fprintf(stderr, "lathe: stopped by %s %s%s%s\n", stop_signal_name(atomic_load(&S.sig)), why,
	        step ? ", while " : "", step ? step : "");
	pid_t child = atomic_load(&S.child);
	if (child > 0)
		kill(child, SIGTERM);
	stop_exit();
}

static void *watch(void *arg)
{
	(void)arg;
	const struct timespec tick = { 0, 20 * 1000000L };
	double asked = 0;
	while (!atomic_load(&S.quit)) {
		int sig = sigtimedwait(&S.set, NULL, &tick);
		if (sig > 0) {
			pthread_mutex_lock(&S.lock);
			int first = atomic_load(&S.sig) == 0, running = S.running;
			if (first) {
				atomic_store(&S.sig, sig);
				asked = now_s();
			}
			pthread_mutex_unlock(&S.lock);
			if (!first && running)
				force_exit("again; not waiting for the shutdown");
			if (first && running)
				S.on_stop(S.user);
		}
		pthread_mutex_lock(&S.lock);
		int late = atomic_load(&S.sig) && !S.running && now_s() - asked > STOP_GRACE_MS / 1000.0;
		pthread_mutex_unlock(&S.lock);
		if (late)
			force_exit("during start-up");
	}
	return NULL;
}

int stop_watch_start(void)
{
	sigemptyset(&S.set);
	sigaddset(&S.set, SIGINT);
	sigaddset(&S.set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &S.set, NULL))
		return -1;
	if (lathe_thread_start(&S.thread, watch, NULL))
		return -1;
	S.started = 1;
	return 0;
}

void stop_watch_step(const char *what) { atomic_store(&S.step, what); }
void stop_watch_child(pid_t pid) { atomic_store(&S.child, (int)pid); }

void stop_watch_running(void (*on_stop)(void *user), void *user)
{
	pthread_mutex_lock(&S.lock);
	S.on_stop = on_stop;
	S.user = user;
	S.running = 1;
	atomic_store(&S.step, NULL);
	pthread_mutex_unlock(&S.lock);
}

void stop_watch_end(void)
{
	if (!S.started)
		return;
	atomic_store(&S.quit, 1);
	pthread_join(S.thread, NULL);
	S.started = 0;
}
