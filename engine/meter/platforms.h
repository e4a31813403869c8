/* lathe — streaming platforms' loudness normalisation, one table for
 * analyze, the monitor's platform preview, the console and OSC. */
#ifndef LATHE_PLATFORMS_H
#define LATHE_PLATFORMS_H

#include "../params.h"

typedef struct {
	const char *id;      /* "spotify": the enum name in /monitor/platform and /target/platform */
	const char *name;    /* "Spotify" */
	float target_lufs;   /* -14 */
	int turns_up;        /* 1: raises quiet tracks too (Spotify: only up to 1 dB TP headroom) */
	float up_tp_limit;   /* with turns_up: the true peak the gain may not push past (dBTP) */
} platform_info;

/* Indexed by PLAT_SPOTIFY ... PLAT_DEEZER (index 0 is "none"). */
const platform_info *platform_get(int idx);

/* Gain (dB) the platform would apply to a track of this integrated loudness
 * and true peak, and the true peak after it. */
float platform_gain_db(const platform_info *p, float integrated_lufs, float true_peak_dbtp, float *tp_after);

#endif
