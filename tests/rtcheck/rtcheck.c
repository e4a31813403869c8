/* rtcheck — an LD_PRELOAD interposer that proves lathe's RT rules.
 *
 * It wraps jack_set_process_callback so every process() call runs inside a
 * trampoline that marks the thread as "in process".  While marked, calls to
 * malloc, calloc, realloc, free, pthread_mutex_lock, the printf family,
 * write, usleep and nanosleep are violations: counted, and the first one's
 * name is kept.  After the callback returns the trampoline reports and
 * aborts, so the test sees lathe die.  At exit a summary line is printed.
 *
 * Only the thread inside process() is judged: the same calls elsewhere
 * (GUI, OSC, supervisor) are fine.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <jack/jack.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static __thread int in_process;           /* this thread is inside process() */
static _Atomic unsigned long violations;  /* RT-rule breaks seen */
static _Atomic unsigned long cycles;      /* process() calls checked */
static const char *_Atomic first_bad;     /* name of the first forbidden call */

typedef int (*process_fn)(jack_nframes_t, void *);
static process_fn real_process[16];
static void *real_arg[16];
static _Atomic int n_clients;

static void flag(const char *what)
{
	if (!in_process)
		return;
	if (atomic_fetch_add(&violations, 1) == 0)
		atomic_store(&first_bad, what);
}

/* Raw write: no libc buffering, no recursion into our own write(). */
static void say(const char *s) { syscall(SYS_write, 2, s, strlen(s)); }

#define TRAMPOLINE(k)                                                              \
	static int tramp##k(jack_nframes_t n, void *arg)                               \
	{                                                                              \
		(void)arg;                                                                 \
		in_process = 1;                                                            \
		int rc = real_process[k](n, real_arg[k]);                                  \
		in_process = 0;                                                            \
		atomic_fetch_add(&cycles, 1);                                              \
		if (atomic_load(&violations)) {                                            \
			say("rtcheck: RT violation: ");                                        \
			say(atomic_load(&first_bad));                                          \
			say("() called inside the JACK process callback\n");                  \
			abort();                                                               \
		}                                                                          \
		return rc;                                                                 \
	}
TRAMPOLINE(0) TRAMPOLINE(1) TRAMPOLINE(2) TRAMPOLINE(3) TRAMPOLINE(4) TRAMPOLINE(5) TRAMPOLINE(6) TRAMPOLINE(7)
TRAMPOLINE(8) TRAMPOLINE(9) TRAMPOLINE(10) TRAMPOLINE(11) TRAMPOLINE(12) TRAMPOLINE(13) TRAMPOLINE(14) TRAMPOLINE(15)
static process_fn tramps[16] = { tramp0, tramp1, tramp2, tramp3, tramp4, tramp5, tramp6, tramp7,
                                 tramp8, tramp9, tramp10, tramp11, tramp12, tramp13, tramp14, tramp15 };

int jack_set_process_callback(jack_client_t *c, JackProcessCallback cb, void *arg)
{
	static int (*real)(jack_client_t *, JackProcessCallback, void *);
	if (!real)
		real = (int (*)(jack_client_t *, JackProcessCallback, void *))dlsym(RTLD_NEXT, "jack_set_process_callback");
	int k = atomic_fetch_add(&n_clients, 1);
	if (k >= 16)
		return real(c, cb, arg);
	real_process[k] = cb;
	real_arg[k] = arg;
	return real(c, tramps[k], NULL);
}

/* --- the forbidden calls --- */
#define REAL(name) static __typeof__(&name) real_##name; if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

/* dlsym itself may call calloc before real_calloc is known: serve that from a static pool. */
static char pool[4096];
static size_t pool_used;
static int in_dlsym;

void *malloc(size_t n)
{
	flag("malloc");
	REAL(malloc);
	return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	static void *(*real_calloc)(size_t, size_t);
	if (!real_calloc) {
		if (in_dlsym) {
			void *p = pool + pool_used;
			pool_used += (a * b + 15) & ~(size_t)15;
			return p;
		}
		in_dlsym = 1;
		real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
		in_dlsym = 0;
	}
	flag("calloc");
	return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	flag("realloc");
	REAL(realloc);
	return real_realloc(p, n);
}

void free(void *p)
{
	if ((char *)p >= pool && (char *)p < pool + sizeof pool)
		return;
	flag("free");
	REAL(free);
	real_free(p);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	flag("pthread_mutex_lock");
	REAL(pthread_mutex_lock);
	return real_pthread_mutex_lock(m);
}

ssize_t write(int fd, const void *b, size_t n)
{
	flag("write");
	REAL(write);
	return real_write(fd, b, n);
}

int usleep(useconds_t us)
{
	flag("usleep");
	REAL(usleep);
	return real_usleep(us);
}

int nanosleep(const struct timespec *a, struct timespec *b)
{
	flag("nanosleep");
	REAL(nanosleep);
	return real_nanosleep(a, b);
}

int printf(const char *fmt, ...)
{
	flag("printf");
	va_list ap;
	va_start(ap, fmt);
	int r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	flag("fprintf");
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	flag("vfprintf");
	REAL(vfprintf);
	return real_vfprintf(f, fmt, ap);
}

int vprintf(const char *fmt, va_list ap)
{
	flag("vprintf");
	REAL(vprintf);
	return real_vprintf(fmt, ap);
}

int puts(const char *s)
{
	flag("puts");
	REAL(puts);
	return real_puts(s);
}

int snprintf(char *s, size_t n, const char *fmt, ...)
{
	flag("snprintf");
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((destructor)) static void report(void)
{
	char line[160];
	int k = 0;
	unsigned long c = atomic_load(&cycles), v = atomic_load(&violations);
	/* format by hand: we are the printf interposer */
	const char *head = "rtcheck: ";
	for (const char *p = head; *p; p++)
		line[k++] = *p;
	char num[32];
	int d = 0;
	do {
		num[d++] = (char)('0' + c % 10);
		c /= 10;
	} while (c);
	while (d)
		line[k++] = num[--d];
	const char *mid = " process cycles checked, ";
	for (const char *p = mid; *p; p++)
		line[k++] = *p;
	do {
		num[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d)
		line[k++] = num[--d];
	const char *tail = " violations\n";
	for (const char *p = tail; *p; p++)
		line[k++] = *p;
	line[k] = 0;
	say(line);
}
