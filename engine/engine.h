/* lathe — the chain.
 *
 * input trim -> EQ -> multiband -> imager -> saturation -> limiter ->
 * output trim -> dither -> master out.  Output trim sits before dither:
 * dither must be the last thing that touches the word length.
 *
 * One engine exists per sample rate.  engine_process() is the whole RT path:
 * JACK's process callback and the offline renderer both call it, so a render
 * is the live chain sample for sample.  Latency is the sum of the modules'
 * (each constant), so it never changes with bypass; /bypass outputs the input
 * delayed by that latency, bit-exact once its 10 ms crossfade has ended.
 */
#ifndef LATHE_ENGINE_H
#define LATHE_ENGINE_H

#include <stdint.h>
#include "params.h"
#include "bus.h"

/* The sample rates lathe runs at, live (JACK) and offline (render, analyze):
 * decided here once.  22.05 kHz is the lowest rate at which the chain's
 * audible band (20 Hz .. 0.45 fs, see eq.c and crossover.c) still holds the
 * EQ and crossover ranges of the registry with room; 192 kHz is the highest
 * rate the meters take (MEASURE_MAX_RATE, report.c checks the two agree)
 * and the highest of the studio rates.  tests/unit/test_rate_range.c runs
 * every module and meter at both ends. */
#define ENGINE_RATE_MIN 22050
#define ENGINE_RATE_MAX 192000
#define ENGINE_RATE_RANGE "22050-192000 Hz"
static inline int engine_rate_supported(double rate) { return rate >= ENGINE_RATE_MIN && rate <= ENGINE_RATE_MAX; }

/* Longest sub-block the modules see; longer host blocks are cut into these. */
#define ENGINE_MAX_BLOCK 512

typedef struct engine engine;

/* Non-RT.  params and bus are borrowed (bus may be NULL: no meters, no tap).
 * NULL when out of memory or the rate is not engine_rate_supported(). */
engine *engine_new(lathe_params *params, lathe_bus *bus, double rate);
void engine_free(engine *e);

/* RT.  Any n.  in/ref may alias nothing; ref may be NULL (silence), mon may be NULL. */
void engine_process(engine *e, const float *in_l, const float *in_r,
                    const float *ref_l, const float *ref_r,
                    float *out_l, float *out_r, float *mon_l, float *mon_r, uint32_t n);

uint32_t engine_latency(const engine *e);
double engine_rate(const engine *e);
/* Clear every module's state (RT-safe). */
void engine_reset(engine *e);

/* Flush denormals to zero on this thread (SSE FTZ/DAZ; no-op elsewhere). */
void engine_flush_denormals(void);

#endif
