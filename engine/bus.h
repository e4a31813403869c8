/* lathe — what flows out of the RT thread: meter frames and the audio tap.
 *
 * The bus outlives any one engine (a sample-rate change builds a new engine,
 * the GUI and OSC keep their rings).  Consumers register before the JACK
 * client is activated; the RT thread writes, never waits: a full ring drops
 * the frame and counts the drop.
 */
#ifndef LATHE_BUS_H
#define LATHE_BUS_H

#include <jack/ringbuffer.h>
#include <stdatomic.h>
#include <stdint.h>
#include "params.h"

#define BUS_MAX_CONSUMERS 4
#define TAP_CHANNELS 6 /* chain input L/R, master out L/R, reference L/R */

/* One per processed block (at most ENGINE_MAX_BLOCK frames). */
typedef struct {
	uint64_t pos;            /* frames processed before this block */
	uint32_t n;              /* frames in this block */
	uint32_t rate;           /* sample rate */
	float in_peak[2];        /* sample peak (linear) of the chain input */
	float out_peak[2];       /* sample peak (linear) of the master out */
	float in_ms[2];          /* mean square of the chain input */
	float out_ms[2];         /* mean square of the master out */
	float mon_peak[2];       /* sample peak of the monitor outputs */
	float mb_gr[MB_BANDS];   /* multiband gain reduction, dB >= 0 */
	float lim_gr;            /* limiter gain reduction, dB >= 0 */
	float eq_gain[EQ_BANDS]; /* each EQ band's live gain, dB (a dynamic band's moves) */
	uint32_t overs;          /* master-out samples above the limiter ceiling in this block */
	uint32_t nonfinite;      /* non-finite input events so far */
	uint32_t latency;        /* chain latency in frames */
} meter_frame;

typedef struct lathe_bus {
	jack_ringbuffer_t *meter[BUS_MAX_CONSUMERS]; /* meter_frame records */
	_Atomic int n_meter;
	jack_ringbuffer_t *tap;                      /* interleaved float frames, TAP_CHANNELS each */
	_Atomic uint32_t meter_dropped, tap_dropped; /* frames the RT side could not write */
	_Atomic uint32_t nonfinite_events;          /* blocks silenced for NaN/Inf input */
	_Atomic uint32_t reset_requests;             /* bumped by /loudness/reset for the analysis thread */
	/* Set by the analysis thread, read by the RT thread each block (monitor section). */
	_Atomic float match_input_db;                /* gain that brings the input to the master's loudness */
	_Atomic float match_ref_db;                  /* same for the reference */
	_Atomic float platform_db;                   /* gain the previewed platform would apply to the master */
} lathe_bus;

lathe_bus *bus_new(double tap_seconds_at_96k);
void bus_free(lathe_bus *b);
/* Register a meter consumer (before activation); returns its ring, or NULL when full. */
jack_ringbuffer_t *bus_add_meter_consumer(lathe_bus *b);
/* Read the oldest frame; returns 1 if one was read. */
int bus_read(jack_ringbuffer_t *rb, meter_frame *out);
/* Waits up to max_ms for room for `frames` tap frames; 1 when there is room.
 * Only for JACK's freewheel mode, where process() runs on a thread without a
 * deadline and as fast as it can: there the analysis must see every frame
 * (a DAW's export through lathe), so the engine waits for it rather than
 * drop.  Never call it on a real-time thread. */
int bus_wait_tap_room(lathe_bus *b, uint32_t frames, int max_ms);

#endif
