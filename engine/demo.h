/* lathe — the demo mix: a deterministic minute of drums, bass and chords,
 * generated in code, and a JACK client that loops it into lathe's inputs. */
#ifndef LATHE_DEMO_H
#define LATHE_DEMO_H

#include <stddef.h>
#include <stdint.h>

/* Interleaved stereo, `*frames` frames at `rate`; caller frees.  Same bytes every time. */
float *demo_render(uint32_t rate, size_t *frames);

typedef struct demo_player demo_player;
/* A JACK client "<lathe>-demo" playing the mix in a loop into `target`:in_L/in_R. */
demo_player *demo_player_new(const char *target_client, char *err, int errlen);
void demo_player_free(demo_player *d);
/* Cycles its process callback has run: the supervisor's proof that the
 * server really runs the client (engine/jack.c, demo_watch). */
uint64_t demo_player_cycles(demo_player *d);

#endif
