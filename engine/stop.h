/* lathe — SIGINT, SIGTERM (and, offline, SIGHUP) as one stop request.
 *
 * Offline (render, album): stop_catch() installs handlers that only record
 * the request; the work checks stop_flag() every block, removes what it
 * had half made and returns; stop_exit() then ends the process by the same
 * signal, so a shell loop around lathe stops too
 * (https://www.cons.org/cracauer/sigint.html, "wait and cooperative exit").
 *
 * Live (console, headless, demo): stop_watch_start() blocks the signals in
 * every thread (threads started later, JACK's RT thread among them, inherit
 * the mask, so no signal handler ever runs inside process()) and one watcher
 * thread takes them with sigtimedwait.  During start-up a request sets the
 * flag, which start-up checks between its steps; a step that cannot be
 * interrupted (an open that blocks, a server that does not answer) is not
 * waited for: STOP_GRACE_MS after the request the watcher ends the process
 * itself, with a line naming the step.  Once stop_watch_running() is called
 * a request calls its callback instead (from the watcher thread), and a
 * second request while the first is being honoured ends the process at once.
 *
 * Signals are process-wide, so this module's state is too (one static). */
#ifndef LATHE_STOP_H
#define LATHE_STOP_H

#include <stdatomic.h>
#include <sys/types.h>

#define STOP_GRACE_MS 500

/* Offline: handlers for SIGINT, SIGTERM, SIGHUP that set the flag (no SA_RESTART). */
void stop_catch(void);
/* The flag: the signal number asked for, 0 while none. */
const atomic_int *stop_flag(void);
int stop_requested(void);
/* After cleaning up: end the process by the signal asked for (default action). */
void stop_exit(void) __attribute__((noreturn));
/* "SIGINT", "SIGTERM", ... */
const char *stop_signal_name(int sig);

/* Live: see above.  0, or -1 if the watcher cannot start. */
int stop_watch_start(void);
/* What start-up is doing now ("loading the session"), for the line a forced stop prints. */
void stop_watch_step(const char *what);
/* A child to end (SIGTERM) if the watcher must end the process (`lathe demo`'s private jackd). */
void stop_watch_child(pid_t pid);
/* Start-up is over: from now on a request calls on_stop(user) on the watcher thread. */
void stop_watch_running(void (*on_stop)(void *user), void *user);
/* Stops the watcher (the signals stay blocked; lathe is about to exit). */
void stop_watch_end(void);

#endif
