/* lathe tests — real parts: a private jackd (dummy backend), a real
 * `lathe headless` process, and a small JACK client that plays into lathe's
 * inputs and records its outputs. */
#ifndef LATHE_FIXTURE_H
#define LATHE_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>
#include <jack/jack.h>

typedef struct {
	char server[64];   /* private server name, exported as JACK_DEFAULT_SERVER */
	pid_t jackd;
	pid_t lathe;
	char lathe_name[64];
	char log[256];     /* lathe's stderr goes here */
	char home[128];    /* XDG state/data folders of this lathe: no autosave of the user's leaks in */
	int rate, period;
	int realtime;      /* start jackd with -R -P 70 instead of --no-realtime */
} fixture;

/* How long a test waits for something that normally takes well under a second
 * (a server or lathe starting or stopping, a port or connection appearing, a
 * reply): a survival deadline, not a measure.  The machine may be loaded (CI on
 * two shared cores), so it is generous, and every wait polls: it ends as soon
 * as the thing happened. */
#define FX_DEADLINE_MS 30000

/* Path of the lathe binary under test ($LATHE_BIN, else ./lathe). */
const char *fx_lathe_bin(void);
/* A UDP port on 127.0.0.1 that was free a moment ago (for --osc-port). */
int fx_free_udp_port(void);
/* Repository root ($LATHE_SRC, else "."). */
const char *fx_src_dir(void);

/* 1 when this process may use SCHED_FIFO (root, or rtprio in limits): then a
 * realtime dummy jackd keeps time and an xrun means a client was late. */
int fx_realtime_allowed(void);

/* Starts `jackd --no-realtime -n <name> -d dummy -r rate -p period` and waits for it. 0 ok.
 * The name is the first free of lathe-test-0..5 unless f->server is set: JACK
 * keeps a registry of 8 servers in /dev/shm, a server killed with SIGKILL stays
 * in it, and jackd reclaims only a dead entry of its own name, so a few fixed
 * names keep the registry from filling up (tests/run.sh clears it when no
 * jackd runs at all).  With f->realtime, -R -P 70 instead of --no-realtime. */
int fx_jackd_start(fixture *f, int rate, int period);
/* Stops it: sig = SIGTERM for a clean stop, SIGKILL to simulate a crash. */
void fx_jackd_stop(fixture *f, int sig);

/* Starts `lathe headless --jack-name NAME <args...>` (args NULL-terminated) and
 * waits (up to FX_DEADLINE_MS) for NAME:out_L to appear (when jackd runs).  0 ok.
 * XDG_STATE_HOME and XDG_DATA_HOME point into a fresh folder (f->home) unless
 * the caller set f->home first, so no autosave from elsewhere is restored. */
int fx_lathe_start(fixture *f, const char *name, const char *const *args);
/* SIGTERM, wait up to FX_DEADLINE_MS; returns lathe's exit status or -1 if it had to be killed. */
int fx_lathe_stop(fixture *f);
/* Waits until a port exists (poll, up to ms); 0 when it does. */
int fx_wait_port(const char *port, int ms);
/* 1 when port a is connected to port b (jack_lsp -c a). */
int fx_connected(const char *a, const char *b);
/* Waits (poll, up to ms) until every pair pairs[2k] -> pairs[2k+1] (NULL-terminated)
 * is connected; the milliseconds it took, or -1. */
int fx_wait_connected(const char *const *pairs, int ms);
/* Runs a command with the server env; returns its stdout (caller frees). */
char *fx_run(const char *cmd);

/* A JACK client that plays two buffers into lathe:in_L/R and records
 * lathe:out_L/R (or other ports) at the same time. */
typedef struct fx_client fx_client;
fx_client *fx_client_new(const char *name, const char *play_l, const char *play_r, const char *rec_l, const char *rec_r);
/* Plays n frames (looping if the buffers are shorter: pass len) and records n frames; blocks.
 * In real time unless fx_client_offline(c, 1) was called. */
int fx_client_run(fx_client *c, const float *pl, const float *pr, size_t len, float *rl, float *rr, size_t n);
/* on = 1: every later fx_client_run of c runs with the server in freewheel
 * mode, so that no xrun can touch the take: JACK runs each cycle only when the
 * last one is complete, as fast as the clients go, with no deadline to miss.
 * The same clients, ports and engine as in real time; only the clock differs.
 * A test that judges a waveform or a level records this way. */
void fx_client_offline(fx_client *c, int on);
void fx_client_free(fx_client *c);

/* Freewheel for any client: fx_freewheel_watch (before jack_activate) keeps
 * *state at 1 while the server freewheels, 0 otherwise; fx_freewheel asks the
 * server to start (on = 1) or stop freewheeling and waits until *state says so
 * (up to FX_DEADLINE_MS); 0 ok.  The cycles of a freewheel begin only after the
 * real-time driver stopped, but a cycle broken just before can still be in a
 * client's pipeline: a take starts FX_FREEWHEEL_FLUSH cycles into the freewheel. */
#define FX_FREEWHEEL_FLUSH 32
void fx_freewheel_watch(jack_client_t *c, _Atomic int *state);
int fx_freewheel(jack_client_t *c, _Atomic int *state, int on);

/* Level in dB of a steady sine (RMS relative to a full-scale sine) over x[a..b). */
double fx_sine_db(const float *x, size_t a, size_t b);

/* Plays 1 kHz at -20 dBFS (a loop of rate/10 frames) into both outputs of c
 * for n frames and measures what it records over the second half with
 * fx_sine_db: *l_db and *r_db (either may be NULL).  fx_client_run's result. */
int fx_sine_measure(fx_client *c, int rate, size_t n, double *l_db, double *r_db);

/* Waits (poll, up to ms) until this lathe's log holds text; 0 when it does.
 * lathe reconfigures for a new rate from a thread of its own, at its pace: a
 * test that measures right after a server restart waits for lathe to say so. */
int fx_wait_log(const fixture *f, const char *text, int ms);

/* The chain's latency as this lathe logged it ("latency N frames" in f->log):
 * the first such line, or the last when last is set; 0 when there is none. */
int fx_logged_latency(const fixture *f, int last);

#endif
