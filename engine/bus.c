#include "bus.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

lathe_bus *bus_new(double tap_seconds)
{
	lathe_bus *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	size_t bytes = (size_t)(tap_seconds * 96000.0) * TAP_CHANNELS * sizeof(float);
	b->tap = jack_ringbuffer_create(bytes);
	if (!b->tap) {
		free(b);
		return NULL;
	}
	jack_ringbuffer_mlock(b->tap);
	/* touch every page so the RT thread never faults them in */
	memset(b->tap->buf, 0, b->tap->size);
	return b;
}

void bus_free(lathe_bus *b)
{
	if (!b)
		return;
	for (int i = 0; i < BUS_MAX_CONSUMERS; i++)
		if (b->meter[i])
			jack_ringbuffer_free(b->meter[i]);
	jack_ringbuffer_free(b->tap);
	free(b);
}

jack_ringbuffer_t *bus_add_meter_consumer(lathe_bus *b)
{
	int n = atomic_load(&b->n_meter);
	if (n >= BUS_MAX_CONSUMERS)
		return NULL;
	/* 2048 frames: at 64-frame blocks and 48 kHz that is 2.7 s of slack for a stalled reader */
	jack_ringbuffer_t *rb = jack_ringbuffer_create(2048 * sizeof(meter_frame));
	if (!rb)
		return NULL;
	jack_ringbuffer_mlock(rb);
	memset(rb->buf, 0, rb->size);
	b->meter[n] = rb;
	atomic_store(&b->n_meter, n + 1);
	return rb;
}

int bus_read(jack_ringbuffer_t *rb, meter_frame *out)
{
	if (jack_ringbuffer_read_space(rb) < sizeof *out)
		return 0;
	jack_ringbuffer_read(rb, (char *)out, sizeof *out);
	return 1;
}

int bus_wait_tap_room(lathe_bus *b, uint32_t frames, int max_ms)
{
	size_t bytes = (size_t)frames * TAP_CHANNELS * sizeof(float);
	const struct timespec ms = { 0, 1000000 };
	for (int i = 0; jack_ringbuffer_write_space(b->tap) < bytes; i++) {
		if (i >= max_ms)
			return 0;
		nanosleep(&ms, NULL);
	}
	return 1;
}
