#include "player.h"
#include "fileio.h"
#include "resample.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
	float *lr;        /* interleaved stereo at `rate` */
	uint64_t frames;
	uint32_t rate;
} track;

struct player {
	_Atomic(track *) cur;     /* what plays; swapped by player_load */
	_Atomic(track *) in_use;  /* RT: the track one process() reads, NULL between blocks */
	_Atomic uint64_t pos;     /* RT writes: next frame to play; others read */
	_Atomic int64_t seek_to;  /* frame asked for by player_seek, -1 none */
	_Atomic int playing, loop;
	/* the loaded file's path, for the transport's display: written by the
	 * loader and read by the console or OSC thread, never by process(), so
	 * a mutex is fine here (player_path) */
	pthread_mutex_t path_lock;
	char path[1024];
};

player *player_new(void)
{
	player *p = calloc(1, sizeof *p);
	if (p) {
		atomic_store(&p->seek_to, -1);
		atomic_store(&p->loop, 1);
		pthread_mutex_init(&p->path_lock, NULL);
	}
	return p;
}

static void track_free(track *t)
{
	if (t) {
		free(t->lr);
		free(t);
	}
}

void player_free(player *p)
{
	if (!p)
		return;
	track_free(atomic_load(&p->cur));
	pthread_mutex_destroy(&p->path_lock);
	free(p);
}

int player_load(player *p, const char *path, uint32_t rate, char *err, int errlen)
{
	SF_INFO info;
	memset(&info, 0, sizeof info);
	SNDFILE *sf = file_open_sound(path, &info, 2, NULL, err, errlen);
	if (!sf)
		return -1;
	size_t frames = (size_t)info.frames;
	float *raw = malloc((frames ? frames : 1) * (size_t)info.channels * sizeof *raw);
	float *lr = raw ? malloc((frames ? frames : 1) * 2 * sizeof *lr) : NULL;
	if (!lr) {
		free(raw);
		sf_close(sf);
		snprintf(err, (size_t)errlen, "'%s': out of memory (%zu frames)", path, frames);
		return -1;
	}
	frames = (size_t)file_read_sound(sf, raw, (sf_count_t)frames);
	sf_close(sf);
	for (size_t i = 0; i < frames; i++) {
		lr[2 * i] = raw[i * (size_t)info.channels];
		lr[2 * i + 1] = raw[i * (size_t)info.channels + (info.channels > 1)];
	}
	free(raw);
	if (info.samplerate != (int)rate) {
		size_t out_frames = 0;
		float *rs = resample_stereo(lr, frames, info.samplerate, (int)rate, &out_frames);
		free(lr);
		if (!rs) {
			snprintf(err, (size_t)errlen, "'%s': cannot convert %d Hz to %u Hz", path, info.samplerate, rate);
			return -1;
		}
		lr = rs;
		frames = out_frames;
	}
	track *t = malloc(sizeof *t);
	if (!t) {
		free(lr);
		snprintf(err, (size_t)errlen, "'%s': out of memory", path);
		return -1;
	}
	t->lr = lr;
	t->frames = frames;
	t->rate = rate;
	atomic_store(&p->seek_to, 0);
	track *old = atomic_exchange(&p->cur, t);
	/* process() re-checks cur after announcing in_use, so once in_use is
	 * not the old track no block can still read it (a block is < 200 ms) */
	const struct timespec ms = { 0, 1000000 };
	for (int i = 0; i < 5000 && old && atomic_load(&p->in_use) == old; i++)
		nanosleep(&ms, NULL);
	if (atomic_load(&p->in_use) != old)
		track_free(old);
	/* else leaked on purpose: a process() stuck for 5 s reads it still */
	pthread_mutex_lock(&p->path_lock);
	snprintf(p->path, sizeof p->path, "%s", path);
	pthread_mutex_unlock(&p->path_lock);
	return 0;
}

void player_path(player *p, char *out, int len)
{
	pthread_mutex_lock(&p->path_lock);
	snprintf(out, (size_t)len, "%s", p->path);
	pthread_mutex_unlock(&p->path_lock);
}

void player_play(player *p, int on) { atomic_store(&p->playing, !!on); }
void player_set_loop(player *p, int on) { atomic_store(&p->loop, !!on); }
int player_playing(const player *p) { return atomic_load(&p->playing); }

void player_seek(player *p, double seconds)
{
	track *t = atomic_load(&p->cur);
	double r = t ? t->rate : 48000;
	atomic_store(&p->seek_to, seconds > 0 ? (int64_t)(seconds * r + 0.5) : 0);
}

double player_position(const player *p)
{
	track *t = atomic_load(&((player *)p)->cur);
	/* a seek not yet taken (the RT side takes it with the next block it
	 * plays: jack.c skips a stopped player) is where it will play from */
	int64_t seek = atomic_load(&((player *)p)->seek_to);
	uint64_t pos = seek >= 0 ? (uint64_t)seek : atomic_load(&((player *)p)->pos);
	return t && t->rate ? (double)pos / t->rate : 0;
}

double player_length(const player *p)
{
	track *t = atomic_load(&((player *)p)->cur);
	return t && t->rate ? (double)t->frames / t->rate : 0;
}

void player_process(player *p, float *l, float *r, uint32_t n, uint32_t rate)
{
	track *t;
	do { /* announce, then confirm: see player_load */
		t = atomic_load(&p->cur);
		atomic_store(&p->in_use, t);
	} while (t != atomic_load(&p->cur));
	int64_t seek = atomic_exchange(&p->seek_to, -1);
	uint64_t pos = atomic_load_explicit(&p->pos, memory_order_relaxed);
	if (seek >= 0)
		pos = (uint64_t)seek;
	if (t && t->frames && t->rate == rate && atomic_load(&p->playing)) {
		int loop = atomic_load(&p->loop);
		const float *x = t->lr;
		for (uint32_t i = 0; i < n; i++) {
			if (pos >= t->frames) {
				if (!loop) {
					atomic_store(&p->playing, 0);
					break;
				}
				pos = 0;
			}
			l[i] += x[2 * pos];
			r[i] += x[2 * pos + 1];
			pos++;
		}
	}
	atomic_store_explicit(&p->pos, pos, memory_order_relaxed);
	atomic_store(&p->in_use, NULL);
}
