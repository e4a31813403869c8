/* lathe — stereo imager: overall and per-band width, mono bass, balance.
 *
 * Mid/side convention of the whole project: M = (L+R)/2, S = (L-R)/2,
 * L = M+S, R = M-S.  Width w scales S (S *= w/100): 0 = mono, 100 =
 * unchanged, 200 = side doubled.
 *
 * Two paths:
 *  - direct: no filters.  S *= overall width.  With width 100, balance 0 and
 *    nothing else to do, the module returns without touching the samples.
 *  - filtered, needed by per-band widths and mono bass:
 *      S -> LR8 split at mono_below -> low * mono_gain + high      (mono bass)
 *        -> LR4 3-band split at crossover/1..2 -> sum of band * band width
 *      M -> the all-passes of both splits, so M stays in phase with S
 *    The sums of the splits are all-passes (crossover.h): with every width
 *    100 and mono off, the filtered path is the direct path through one
 *    common all-pass; nothing in the image changes.  Mono bass removes the
 *    side below the split: there L = R = M.  It uses LR8 (48 dB/oct) rather
 *    than LR4: the side at a third of the split frequency must drop by more
 *    than 40 dB, and LR4 gives only 20 log10(1 + 3^4) = 38.2 dB there; LR8
 *    gives 76 dB, and its sum is an all-pass too.
 *  The two paths are crossfaded (20 ms) when the filtered one starts or
 *  ends being needed.
 *
 * Balance b = balance/100 in [-1, 1] (the "attenuate the far side" law of a
 * stereo balance control, no boost, unity at centre):
 *     gain_L = 1 - max(b, 0),   gain_R = 1 + min(b, 0)
 * so +50 % leaves R alone and puts L at 0.5 (-6.02 dB); +100 % silences L.
 *
 * Latency 0.  /imager/bypass crossfades (10 ms) and is exact when done.
 */
#include "imager.h"
#include "crossover.h"
#include "smooth.h"
#include "dsp_util.h"

#include <stdlib.h>
#include <string.h>

#define IMG_CHUNK XO_CHUNK
#define BYPASS_MS 10.0f
#define PATH_FADE_MS 20.0f
#define MONO_ORDER 8 /* see above: LR8 for the mono split */

struct imager {
	double rate;
	crossover bands_xo;   /* 3 width bands of S (channel 0; its all-pass path carries M) */
	crossover mono_xo;    /* 2-band LR8 split of S at mono_below (all-pass path carries M) */
	smooth width;         /* overall width, 0..2 */
	smooth band_width[IMG_BANDS]; /* per band, 0..2 */
	smooth mono_gain;     /* gain of the side below mono_below: 1 = off, 0 = mono */
	smooth filt;          /* 0 = direct path, 1 = filtered path */
	smooth gain_l, gain_r;/* balance */
	smooth mix;           /* 0 = bypassed, 1 = processed */
	int filt_cold;        /* filtered path was idle: clear its state before it runs again */
	int param_ramp, bypass_ramp, path_ramp, xo_ramp;
	float m[IMG_CHUNK], s[IMG_CHUNK], sf[IMG_CHUNK], mf[IMG_CHUNK]; /* chunk scratch */
	float lo[IMG_CHUNK], hi[IMG_CHUNK];
	float band[IMG_BANDS][IMG_CHUNK];
};

imager *imager_new(double rate, unsigned max_block)
{
	(void)max_block; /* works in chunks of IMG_CHUNK */
	imager *im = calloc(1, sizeof *im);
	if (!im)
		return NULL;
	memset(im, 0, sizeof *im);
	im->rate = rate;
	params_init();
	im->param_ramp = smooth_samples(param_info_get(P_IMG_WIDTH)->smooth_ms, rate);
	im->bypass_ramp = smooth_samples(BYPASS_MS, rate);
	im->path_ramp = smooth_samples(PATH_FADE_MS, rate);
	im->xo_ramp = smooth_samples(param_info_get(P_IMG_XOVER)->smooth_ms, rate);
	float hz[IMG_XOVERS];
	for (int k = 0; k < IMG_XOVERS; k++)
		hz[k] = param_info_get(P_IMG_XOVER + k)->def;
	crossover_init(&im->bands_xo, rate, IMG_BANDS, 4, hz);
	float mono_hz = 120; /* until mono_below is first set */
	crossover_init(&im->mono_xo, rate, 2, MONO_ORDER, &mono_hz);
	smooth_init(&im->width, param_info_get(P_IMG_WIDTH)->def * 0.01f);
	for (int b = 0; b < IMG_BANDS; b++)
		smooth_init(&im->band_width[b], param_info_get(P_IMG_BAND_WIDTH + b)->def * 0.01f);
	smooth_init(&im->mono_gain, 1.0f);
	smooth_init(&im->filt, 0.0f);
	smooth_init(&im->gain_l, 1.0f);
	smooth_init(&im->gain_r, 1.0f);
	smooth_init(&im->mix, param_info_get(P_IMG_BYPASS)->def >= 0.5f ? 0.0f : 1.0f);
	im->filt_cold = 1;
	return im;
}

void imager_free(imager *im) { free(im); }

unsigned imager_latency(const imager *im)
{
	(void)im;
	return 0;
}

void imager_reset(imager *im)
{
	crossover_reset(&im->bands_xo);
	crossover_reset(&im->mono_xo);
}

void imager_update(imager *im, const lathe_params *p)
{
	smooth_set(&im->mix, param_get_bool(p, P_IMG_BYPASS) ? 0.0f : 1.0f, im->bypass_ramp);
	smooth_set(&im->width, param_get(p, P_IMG_WIDTH) * 0.01f, im->param_ramp);
	int need_filter = 0;
	for (int b = 0; b < IMG_BANDS; b++) {
		float w = param_get(p, P_IMG_BAND_WIDTH + b) * 0.01f;
		smooth_set(&im->band_width[b], w, im->param_ramp);
		need_filter |= w != 1.0f || smooth_active(&im->band_width[b]) || im->band_width[b].cur != 1.0f;
	}
	float hz[IMG_XOVERS];
	for (int k = 0; k < IMG_XOVERS; k++)
		hz[k] = param_get(p, P_IMG_XOVER + k);
	int xo_ramp = im->xo_ramp;
	crossover_set_freqs(&im->bands_xo, hz, im->filt_cold ? 0 : xo_ramp);

	float mono = param_get(p, P_IMG_MONO_BELOW);
	if (mono > 0) {
		/* glide while the split is in use; jump when it comes on from off */
		int on = !smooth_active(&im->mono_gain) && im->mono_gain.cur == 1.0f;
		crossover_set_freqs(&im->mono_xo, &mono, (on || im->filt_cold) ? 0 : xo_ramp);
	}
	smooth_set(&im->mono_gain, mono > 0 ? 0.0f : 1.0f, im->param_ramp);
	need_filter |= mono > 0 || smooth_active(&im->mono_gain) || im->mono_gain.cur != 1.0f;
	smooth_set(&im->filt, need_filter ? 1.0f : 0.0f, im->path_ramp);

	float b = param_get(p, P_IMG_BALANCE) * 0.01f;
	smooth_set(&im->gain_l, b > 0 ? 1.0f - b : 1.0f, im->param_ramp);
	smooth_set(&im->gain_r, b < 0 ? 1.0f + b : 1.0f, im->param_ramp);
}

static int steady_at(const smooth *s, float v) { return !smooth_active(s) && s->cur == v; }

void imager_process(imager *im, float *l, float *r, unsigned n)
{
	if (steady_at(&im->mix, 0.0f))
		return; /* bypassed: untouched */
	int filt_idle = steady_at(&im->filt, 0.0f);
	if (filt_idle && steady_at(&im->width, 1.0f) && steady_at(&im->gain_l, 1.0f) && steady_at(&im->gain_r, 1.0f) &&
	    steady_at(&im->mix, 1.0f)) {
		im->filt_cold = 1;
		return; /* neutral: transparent, untouched */
	}
	if (filt_idle) {
		im->filt_cold = 1;
	} else if (im->filt_cold) {
		imager_reset(im);
		im->filt_cold = 0;
	}

	for (unsigned done = 0; done < n;) {
		unsigned k = n - done < IMG_CHUNK ? n - done : IMG_CHUNK;
		float *cl = l + done, *cr = r + done, *m = im->m, *s = im->s;
		for (unsigned i = 0; i < k; i++) {
			m[i] = 0.5f * (cl[i] + cr[i]);
			s[i] = 0.5f * (cl[i] - cr[i]);
		}
		if (!filt_idle) {
			float *mf = im->mf, *sf = im->sf;
			crossover_advance(&im->mono_xo, k);
			crossover_advance(&im->bands_xo, k);
			/* side: mono bass split, then the width bands; the mid goes through the same
			 * all-passes as the side's splits, in a spare lane of each split */
			memcpy(mf, m, k * sizeof(float));
			float *mono_bands[XO_MAX_BANDS] = { im->lo, im->hi, NULL, NULL };
			crossover_split_allpass(&im->mono_xo, 0, s, mono_bands, mf, k);
			for (unsigned i = 0; i < k; i++)
				sf[i] = smooth_next(&im->mono_gain) * im->lo[i] + im->hi[i];
			float *wb[XO_MAX_BANDS] = { im->band[0], im->band[1], im->band[2], NULL };
			crossover_split_allpass(&im->bands_xo, 0, sf, wb, mf, k);
			for (unsigned i = 0; i < k; i++) {
				float w0 = smooth_next(&im->band_width[0]), w1 = smooth_next(&im->band_width[1]);
				float w2 = smooth_next(&im->band_width[2]);
				sf[i] = w0 * im->band[0][i] + w1 * im->band[1][i] + w2 * im->band[2][i];
			}
			/* crossfade from the direct path */
			for (unsigned i = 0; i < k; i++) {
				float f = smooth_next(&im->filt);
				m[i] += f * (mf[i] - m[i]);
				s[i] += f * (sf[i] - s[i]);
			}
		} else {
			for (int b = 0; b < IMG_BANDS; b++)
				smooth_skip(&im->band_width[b], (int)k);
			smooth_skip(&im->mono_gain, (int)k);
		}
		int full = steady_at(&im->mix, 1.0f);
		for (unsigned i = 0; i < k; i++) {
			float w = smooth_next(&im->width), gl = smooth_next(&im->gain_l), gr = smooth_next(&im->gain_r);
			float sw = s[i] * w;
			float ol = gl * (m[i] + sw), or_ = gr * (m[i] - sw);
			if (full) {
				cl[i] = ol;
				cr[i] = or_;
			} else {
				float x = smooth_next(&im->mix);
				cl[i] = dsp_mix_in(cl[i], ol, x);
				cr[i] = dsp_mix_in(cr[i], or_, x);
			}
		}
		done += k;
	}
}
