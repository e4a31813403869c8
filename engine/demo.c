/* The demo mix: 120 BPM, Am-F-C-G, 30 bars (60 s), loops seamlessly.
 * Kick: sine with a pitch sweep 150->45 Hz; snare: tone plus filtered noise;
 * hats: high-passed noise; bass: filtered saw on the roots; pad: detuned saws
 * through a one-pole low pass, spread in stereo.  A fixed-seed PRNG makes it
 * the same every time, so tests can rely on it. */
#include "demo.h"

#include <jack/jack.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng(uint32_t *s)
{
	/* xorshift32 (Marsaglia 2003) */
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}
static float noise(uint32_t *s) { return (float)rng(s) / 2147483648.0f - 1.0f; }

static double note_hz(int midi) { return 440.0 * pow(2.0, (midi - 69) / 12.0); }

/* a naive saw is fine here: it is a demo source, and the pad's low pass tames aliasing */
static float saw(double phase) { return (float)(2.0 * (phase - floor(phase)) - 1.0); }

float *demo_render(uint32_t rate, size_t *frames)
{
	const double bpm = 120, beat = 60.0 / bpm;
	const int bars = 30;
	size_t n = (size_t)(bars * 4 * beat * rate);
	float *out = calloc(n * 2, sizeof(float));
	if (!out)
		return NULL;
	static const int roots[4] = { 45, 41, 48, 43 };          /* A2 F2 C3 G2 */
	static const int chord[4][3] = { { 57, 60, 64 }, { 57, 60, 65 }, { 55, 60, 64 }, { 55, 59, 62 } };
	uint32_t seed = 0x1a7e5eed;
	double pad_lp[2] = { 0, 0 }, bass_lp = 0, hat_hp_x = 0, hat_hp_y = 0, sn_bp = 0;
	double lp_pad = 1 - exp(-2 * M_PI * 1800.0 / rate);
	double lp_bass = 1 - exp(-2 * M_PI * 400.0 / rate);
	double hp = exp(-2 * M_PI * 7000.0 / rate);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / rate;
		double beats = t / beat;
		int bar = (int)(beats / 4);
		int ch = bar % 4;
		double tb = fmod(t, beat);               /* time since the beat */
		int b = (int)beats % 4;
		double t8 = fmod(t, beat / 2);           /* time since the eighth */
		/* kick on 1 and 3, and the "and" of 4 every other bar */
		double kick = 0;
		if (b == 0 || b == 2) {
			kick = sin(2 * M_PI * (45 * tb + 105 * (1 - exp(-tb * 30)) / 30)) * exp(-tb * 7) * 0.9;
		}
		/* snare on 2 and 4 */
		double snare = 0;
		float nz = noise(&seed);
		if (b == 1 || b == 3) {
			sn_bp += 0.35 * (nz - sn_bp);
			snare = (sin(2 * M_PI * 190 * tb) * exp(-tb * 25) * 0.4 + sn_bp * exp(-tb * 18) * 0.9) * 0.7;
		}
		/* hats on eighths, open on the last one */
		double hx = noise(&seed);
		hat_hp_y = hp * (hat_hp_y + hx - hat_hp_x);
		hat_hp_x = hx;
		double hat = hat_hp_y * exp(-t8 * ((int)(beats * 2) % 8 == 7 ? 8 : 40)) * 0.25;
		/* bass: eighth notes on the root, an octave jump on the off-beats */
		int bn = roots[ch] + (((int)(beats * 2) % 2) ? 12 : 0);
		double bph = note_hz(bn) * t;
		double braw = saw(bph) * exp(-t8 * 4);
		bass_lp += lp_bass * (braw - bass_lp);
		double bass = bass_lp * 0.55;
		/* pad: three detuned saws per ear, swelling each bar */
		double env = 0.5 + 0.5 * sin(M_PI * fmod(t, 4 * beat) / (4 * beat));
		double pl = 0, pr = 0;
		for (int k = 0; k < 3; k++) {
			double f = note_hz(chord[ch][k]);
			pl += saw(f * 1.003 * t + k * 0.13);
			pr += saw(f * 0.997 * t + k * 0.31);
		}
		pad_lp[0] += lp_pad * (pl - pad_lp[0]);
		pad_lp[1] += lp_pad * (pr - pad_lp[1]);
		double pad_l = pad_lp[0] * env * 0.09, pad_r = pad_lp[1] * env * 0.09;
		double mono = kick + snare + bass;
		out[2 * i] = (float)((mono + hat * 0.8 + pad_l) * 0.5);
		out[2 * i + 1] = (float)((mono + hat * 1.2 + pad_r) * 0.5);
	}
	/* fade the first and last 5 ms so the loop joins without a click */
	size_t f = rate / 200;
	for (size_t i = 0; i < f; i++) {
		float g = (float)i / (float)f;
		out[2 * i] *= g;
		out[2 * i + 1] *= g;
		out[2 * (n - 1 - i)] *= g;
		out[2 * (n - 1 - i) + 1] *= g;
	}
	*frames = n;
	return out;
}

struct demo_player {
	jack_client_t *client;
	jack_port_t *out[2];
	float *mix;       /* interleaved stereo */
	size_t frames;    /* length of the loop */
	size_t pos;       /* RT: next frame to play */
	_Atomic uint64_t cycles; /* RT counts, the supervisor reads */
};

static int demo_process(jack_nframes_t n, void *arg)
{
	demo_player *d = arg;
	float *l = jack_port_get_buffer(d->out[0], n), *r = jack_port_get_buffer(d->out[1], n);
	for (jack_nframes_t i = 0; i < n; i++) {
		l[i] = d->mix[2 * d->pos];
		r[i] = d->mix[2 * d->pos + 1];
		if (++d->pos == d->frames)
			d->pos = 0;
	}
	atomic_fetch_add_explicit(&d->cycles, 1, memory_order_relaxed);
	return 0;
}

uint64_t demo_player_cycles(demo_player *d)
{
	return atomic_load_explicit(&d->cycles, memory_order_relaxed);
}

demo_player *demo_player_new(const char *target, char *err, int errlen)
{
	demo_player *d = calloc(1, sizeof *d);
	char name[80];
	snprintf(name, sizeof name, "%s-demo", target);
	jack_status_t st;
	d->client = jack_client_open(name, JackNoStartServer, &st);
	if (!d->client) {
		snprintf(err, errlen, "demo: cannot open a JACK client (status 0x%x)", (unsigned)st);
		free(d);
		return NULL;
	}
	d->mix = demo_render(jack_get_sample_rate(d->client), &d->frames);
	d->out[0] = jack_port_register(d->client, "out_L", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	d->out[1] = jack_port_register(d->client, "out_R", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	if (!d->mix || !d->out[0] || !d->out[1]) {
		snprintf(err, errlen, "demo: cannot set up the player");
		demo_player_free(d);
		return NULL;
	}
	jack_set_process_callback(d->client, demo_process, d);
	if (jack_activate(d->client)) {
		snprintf(err, errlen, "demo: cannot activate the player");
		demo_player_free(d);
		return NULL;
	}
	char a[160], b[160];
	const char *me = jack_get_client_name(d->client);
	for (int c = 0; c < 2; c++) {
		snprintf(a, sizeof a, "%s:out_%c", me, c ? 'R' : 'L');
		snprintf(b, sizeof b, "%s:in_%c", target, c ? 'R' : 'L');
		jack_connect(d->client, a, b);
	}
	return d;
}

void demo_player_free(demo_player *d)
{
	if (!d)
		return;
	if (d->client)
		jack_client_close(d->client);
	free(d->mix);
	free(d);
}
