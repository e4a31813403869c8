/* lathe — streaming platforms' loudness normalisation (see platforms.h).
 *
 * Targets and rules, as the services document them (checked 2024-2025):
 *  - Spotify: -14 LUFS integrated (BS.1770).  Loud tracks are turned down;
 *    quiet tracks are turned up, but only until the true peak reaches
 *    -1 dBTP: "positive gain ... we leave 1 dB headroom" (Spotify for
 *    Artists, "Loudness normalization", setting "Normal").
 *  - Apple Music: Sound Check at -16 LUFS (Apple, "Apple Digital Masters",
 *    2022: Sound Check measures BS.1770 loudness).  Sound Check turns
 *    tracks down and up; turning up stops where the peaks would clip.  Apple
 *    does not publish the headroom it keeps; measurements of the service
 *    (Shepherd/MeterPlugs, loudnesspenalty.com) show positive gain limited to
 *    a true peak of -1 dBTP, which is what we model.
 *  - YouTube: -14 LUFS, turns loud tracks down only (YouTube "stats for
 *    nerds" content loudness; no positive gain).
 *  - Amazon Music: -14 LUFS, down only.
 *  - Tidal: -14 LUFS, down only (Tidal normalises, never raises).
 *  - Deezer: -15 LUFS, down only.
 */
#include "platforms.h"

#include <stddef.h>

static const platform_info table[PLAT_COUNT] = {
	[PLAT_NONE] = { "off", "None", 0, 0, 0 },
	[PLAT_SPOTIFY] = { "spotify", "Spotify", -14, 1, -1 },
	[PLAT_APPLE] = { "apple_music", "Apple Music", -16, 1, -1 },
	[PLAT_YOUTUBE] = { "youtube", "YouTube", -14, 0, 0 },
	[PLAT_AMAZON] = { "amazon", "Amazon Music", -14, 0, 0 },
	[PLAT_TIDAL] = { "tidal", "Tidal", -14, 0, 0 },
	[PLAT_DEEZER] = { "deezer", "Deezer", -15, 0, 0 },
};

const platform_info *platform_get(int idx)
{
	if (idx < 0 || idx >= PLAT_COUNT)
		return NULL;
	return &table[idx];
}

float platform_gain_db(const platform_info *p, float integrated_lufs, float true_peak_dbtp, float *tp_after)
{
	float gain = 0;
	/* silence or nothing measured yet (below the -70 LUFS absolute gate): nothing to normalise */
	if (p && p != &table[PLAT_NONE] && integrated_lufs > -70.0f) {
		gain = p->target_lufs - integrated_lufs;
		if (gain > 0) {
			if (!p->turns_up)
				gain = 0;
			else if (true_peak_dbtp + gain > p->up_tp_limit)
				/* up only as far as the peaks allow, never down for a quiet track */
				gain = p->up_tp_limit - true_peak_dbtp > 0 ? p->up_tp_limit - true_peak_dbtp : 0;
		}
	}
	if (tp_after)
		*tp_after = true_peak_dbtp + gain;
	return gain;
}
