/* lathe — the JACK client: ports, callbacks, latency, shutdown and reconnect.
 *
 * The process callback is the only RT code path: it hands the port buffers to
 * engine_process().  Everything else (sample-rate changes, server loss,
 * reconnection) happens on a supervisor thread that never blocks the RT one.
 */
#ifndef LATHE_JACK_H
#define LATHE_JACK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"
#include "bus.h"
#include "player.h"

typedef struct lathe_jack lathe_jack;

typedef struct {
	const char *name;      /* client name, default "lathe" */
	int connect_system;    /* --connect: monitor_L/R to the system playback ports */
	int verbose;           /* status lines on stderr when something changes */
	int play_demo;         /* a "<name>-demo" client plays the demo mix into in_L/R, rejoining with lathe */
	/* Called (supervisor thread) whenever a server is (re)joined, with its rate. */
	void (*on_rate)(uint32_t rate, void *user);
	void *user;
} jack_opts;

/* Status, readable from any thread. */
typedef struct {
	int connected;         /* 1 while a server is there and we are active */
	uint32_t rate;
	uint32_t buffer_size;
	uint32_t latency;      /* chain latency, frames */
	uint32_t xruns;
	uint32_t xruns_recent; /* of them in the last 10 s (xruns.h) */
	float dsp_load;        /* jack_cpu_load(), percent */
	uint32_t reconnects;
	char client_name[64];  /* actual name (JACK may add a suffix) */
	uint32_t refused_rate; /* the server runs at this rate, outside ENGINE_RATE_MIN..MAX: not joined (0 = none) */
} jack_status;

/* Silence libjack's own messages (it prints a paragraph for every failed
 * open while we poll for a server); lathe says what matters in one line. */
void lathe_jack_quiet(void);

/* Opens the client (JackNoStartServer), registers the 8 ports, activates.
 * Returns NULL only on bad arguments; a missing server is not an error: the
 * supervisor keeps polling and connects when one appears. */
lathe_jack *lathe_jack_new(lathe_params *params, lathe_bus *bus, const jack_opts *opts);
void lathe_jack_free(lathe_jack *j);
void lathe_jack_status(lathe_jack *j, jack_status *out);
/* Connections of our ports ("lathe:in_L" -> "player:out_1"), for sessions:
 * one "ours\ttheirs" line each, newline-separated, caller frees with free(). */
char *lathe_jack_connections(lathe_jack *j);
/* Restore a list produced by lathe_jack_connections (now, and after each reconnect). */
void lathe_jack_set_connections(lathe_jack *j, const char *list);
/* The client name JACK gave (it adds "-01" when the name is taken), or the
 * name asked for while no server runs. */
void lathe_jack_client_name(lathe_jack *j, char *buf, size_t len);
/* Counts changes of the connections (a jack_connect by anyone, a peer's
 * ports gone for good, a list set): an autosave is due when it moves.
 * Read 300 ms after the connections have settled.  0 for j NULL. */
uint32_t lathe_jack_connection_changes(lathe_jack *j);

/* The reference player (player.h): its file is summed into ref_L/ref_R's
 * signal, so the monitor's reference source, loudness match and platform
 * preview apply to it.  Up to JACK_REF_MAX frames a period (JACK's largest
 * buffer size is 8192). */
#define JACK_REF_MAX 8192
player *lathe_jack_ref_player(lathe_jack *j);
/* The input player, the same kind: its file is summed into in_L/in_R's
 * signal before the chain, so a mix plays through the master chain (the
 * console's Album window plays a track's mix with it; --play FILE). */
player *lathe_jack_input_player(lathe_jack *j);
/* The engine's sample rate, 0 while there is no engine (no server). */
uint32_t lathe_jack_rate(lathe_jack *j);

#endif
