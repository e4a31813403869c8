/* make bench: `lathe album` with every track rendered on one core, then on
 * all of them (wall time; the issue asks for about serial / cores).  Four
 * generated songs of different lengths, the default chain, WAV only and no
 * codec preview, so the figure is the renders' own. */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void song(const char *path, double seconds, double f0)
{
	SF_INFO info = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	int n = (int)(seconds * 48000);
	float *x = malloc((size_t)n * 2 * sizeof(float));
	unsigned s = 7;
	for (int i = 0; i < n; i++) {
		double t = i / 48000.0;
		s = s * 1664525u + 1013904223u;
		double v = 0.3 * sin(2 * M_PI * f0 * t) * (0.6 + 0.4 * sin(2 * M_PI * 2 * t)) + 0.05 * ((s >> 8) / 16777216.0 - 0.5);
		x[2 * i] = (float)v;
		x[2 * i + 1] = (float)(0.9 * v);
	}
	sf_writef_float(sf, x, n);
	sf_close(sf);
	free(x);
}

/* Runs the album with --jobs J; returns the render wall time lathe reports. */
static double run(const char *lathe, const char *dir, int jobs)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s album %s/b.lathe-album %s/out --formats wav --no-codec-preview -y --jobs %d 2>/dev/null",
	         lathe, dir, dir, jobs);
	FILE *p = popen(cmd, "r");
	char line[512];
	double t = -1;
	while (p && fgets(line, sizeof line, p))
		if (!strncmp(line, "rendered ", 9))
			sscanf(strstr(line, " in ") + 4, "%lf", &t);
	if (p)
		pclose(p);
	return t;
}

int main(void)
{
	const char *lathe = getenv("LATHE_BIN") ? getenv("LATHE_BIN") : "./lathe";
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/lathe-bench-album-%d", (int)getpid());
	char path[128];
	snprintf(path, sizeof path, "mkdir -p %s", dir);
	if (system(path))
		return 1;
	const double len[] = { 60, 45, 50, 55 };
	FILE *f;
	snprintf(path, sizeof path, "%s/b.lathe-album", dir);
	f = fopen(path, "w");
	fprintf(f, "[album]\nformat=1\ntitle=Bench\n");
	for (int i = 0; i < 4; i++) {
		char song_path[128];
		snprintf(song_path, sizeof song_path, "%s/s%d.wav", dir, i);
		song(song_path, len[i], 110 * (i + 2));
		fprintf(f, "[track %d]\nfile=s%d.wav\ntitle=S%d\n%s", i + 1, i, i, i ? "gap=1\n" : "");
	}
	fclose(f);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double serial = run(lathe, dir, 1), parallel = run(lathe, dir, (int)cores);
	printf("album 4 tracks (3:30 at 48 kHz): serial %.2f s, %ld jobs %.2f s: %.2fx (ideal %ldx)\n", serial, cores, parallel,
	       parallel > 0 ? serial / parallel : 0, cores);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path))
		return 1;
	return serial > 0 && parallel > 0 ? 0 : 1;
}
