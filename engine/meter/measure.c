/* lathe — one measuring point (see measure.h). */
#include "measure.h"
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float lufs_or_floor(double v)
{
	return isfinite(v) && v > MEASURE_FLOOR_DB ? (float)v : MEASURE_FLOOR_DB;
}

static int make_ebu(measure *m)
{
	if (m->ebu)
		ebur128_destroy(&m->ebu);
	m->ebu = NULL;
	if (!(m->what & MEASURE_LOUDNESS))
		return 0;
	/* Histogram mode: integrated and LRA from 0.1 dB bins in constant memory
	 * however long the programme (libebur128 docs).  Never
	 * ebur128_set_max_window: broken in 1.2.6. */
	int mode = EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_HISTOGRAM;
	/* (S mode makes libebur128 keep 3 s of K-weighted audio, which
	 * ebur128_loudness_window needs for our 10 ms hop queries) */
	m->ebu = ebur128_init(m->channels, m->rate, mode);
	return m->ebu ? 0 : -1;
}

measure *measure_new(unsigned rate, unsigned channels, int what)
{
	if (channels < 1 || channels > MEASURE_MAX_CH || rate < 8000 || rate > MEASURE_MAX_RATE)
		return NULL;
	measure *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->channels = channels;
	m->what = what;
	m->ceiling_lin = powf(10.0f, -1.0f / 20.0f);
	m->scratch = calloc((size_t)(MEASURE_MAX_RATE / 100) * channels, sizeof(float));
	if (!m->scratch)
		goto fail;
	/* true-peak meters only where peaks are read (about 390 kB each: FFT buffers) */
	for (unsigned c = 0; c < channels && (what & MEASURE_PEAKS); c++)
		if (!(m->tp[c] = truepeak_new(rate)))
			goto fail;
	if (measure_set_rate(m, rate) < 0)
		goto fail;
	return m;
fail:
	measure_free(m);
	return NULL;
}

void measure_free(measure *m)
{
	if (!m)
		return;
	if (m->ebu)
		ebur128_destroy(&m->ebu);
	for (unsigned c = 0; c < MEASURE_MAX_CH; c++)
		truepeak_free(m->tp[c]);
	free(m->scratch);
	free(m);
}

int measure_set_rate(measure *m, unsigned rate)
{
	if (rate < 8000 || rate > MEASURE_MAX_RATE)
		return -1;
	m->rate = rate;
	m->hop = rate / 100;
	for (unsigned c = 0; c < m->channels; c++)
		if (m->tp[c] && truepeak_set_rate(m->tp[c], rate) < 0)
			return -1;
	return measure_reset(m);
}

int measure_reset(measure *m)
{
	int r = make_ebu(m);
	for (unsigned c = 0; c < m->channels; c++) {
		if (m->tp[c])
			truepeak_reset(m->tp[c]);
		m->peak_lin[c] = m->tp_lin[c] = m->peak_max_lin[c] = m->tp_max_lin[c] = 0;
	}
	m->fill = 0;
	m->hop_count = 0;
	memset(m->hop_energy, 0, sizeof m->hop_energy);
	m->energy_pos = 0;
	memset(m->ring_ll, 0, sizeof m->ring_ll);
	memset(m->ring_rr, 0, sizeof m->ring_rr);
	memset(m->ring_lr, 0, sizeof m->ring_lr);
	m->ring_pos = 0;
	m->acc_ll = m->acc_rr = m->acc_lr = 0;
	m->over_active = 0;
	m->frames = 0;
	m->lufs_m = m->lufs_s = m->max_m = m->max_s = MEASURE_FLOOR_DB;
	m->rms_db[0] = m->rms_db[1] = MEASURE_FLOOR_DB;
	m->correlation = 0;
	m->balance = 0;
	m->corr_min = 1;
	m->tp_overs = 0;
	return r;
}

void measure_set_ceiling_db(measure *m, float dbtp) { m->ceiling_lin = powf(10.0f, dbtp / 20.0f); }

/* A full hop is in scratch: loudness, then the 300 ms windows. */
static void end_hop(measure *m)
{
	unsigned n = m->fill;
	if (m->ebu) {
		ebur128_add_frames_float(m->ebu, m->scratch, n);
		/* The K-weighted, channel-weighted mean square of this 10 ms hop
		 * (libebur128's own filter and weights), kept in a 3 s ring:
		 * momentary = mean of the last 40 hops (400 ms), short-term = mean of
		 * all 300 (3 s), per BS.1770-4 / Tech 3341, refreshed every 10 ms.
		 * Summing 300 numbers per hop instead of asking libebur128 for a 3 s
		 * window (288 000 samples at 48 kHz) each time keeps the cost flat. */
		double lk;
		double e = 0;
		if (ebur128_loudness_window(m->ebu, 10, &lk) == EBUR128_SUCCESS && isfinite(lk))
			e = pow(10.0, (lk + 0.691) / 10.0);
		m->hop_energy[m->energy_pos] = e;
		m->energy_pos = (m->energy_pos + 1) % MEASURE_S_HOPS;
		double sm = 0, ss = 0;
		for (int i = 0; i < MEASURE_S_HOPS; i++) {
			int j = (m->energy_pos - 1 - i + MEASURE_S_HOPS) % MEASURE_S_HOPS;
			ss += m->hop_energy[j];
			if (i == MEASURE_M_HOPS - 1)
				sm = ss;
		}
		m->lufs_m = sm > 0 ? lufs_or_floor(-0.691 + 10 * log10(sm / MEASURE_M_HOPS)) : MEASURE_FLOOR_DB;
		m->lufs_s = ss > 0 ? lufs_or_floor(-0.691 + 10 * log10(ss / MEASURE_S_HOPS)) : MEASURE_FLOOR_DB;
		if (m->lufs_m > m->max_m)
			m->max_m = m->lufs_m;
		if (m->lufs_s > m->max_s)
			m->max_s = m->lufs_s;
	}
	m->ring_ll[m->ring_pos] = m->acc_ll;
	m->ring_rr[m->ring_pos] = m->acc_rr;
	m->ring_lr[m->ring_pos] = m->acc_lr;
	m->ring_pos = (m->ring_pos + 1) % MEASURE_WIN_HOPS;
	m->acc_ll = m->acc_rr = m->acc_lr = 0;
	double ll = 0, rr = 0, lr = 0;
	for (int i = 0; i < MEASURE_WIN_HOPS; i++) {
		ll += m->ring_ll[i];
		rr += m->ring_rr[i];
		lr += m->ring_lr[i];
	}
	double win = (double)m->hop * MEASURE_WIN_HOPS;
	m->rms_db[0] = ll > 0 ? fmaxf(MEASURE_FLOOR_DB, (float)(10 * log10(ll / win))) : MEASURE_FLOOR_DB;
	m->rms_db[1] = rr > 0 ? fmaxf(MEASURE_FLOOR_DB, (float)(10 * log10(rr / win))) : MEASURE_FLOOR_DB;
	/* silence (both below -120 dBFS) reads 0: no correlation to show */
	double e = ll * rr;
	m->correlation = e > 1e-24 * win * win ? (float)(lr / sqrt(e)) : 0.0f;
	m->balance = ll + rr > 1e-12 * win ? (float)((rr - ll) / (rr + ll)) : 0.0f;
	double gate = win * 1e-6; /* -60 dBFS mean square */
	if (m->channels >= 2 && ll > gate && rr > gate && m->correlation < m->corr_min)
		m->corr_min = m->correlation;
	m->hop_count++;
	m->fill = 0;
}

void measure_add(measure *m, const float *x, size_t frames, size_t stride)
{
	unsigned ch = m->channels;
	while (frames > 0) {
		unsigned k = m->hop - m->fill;
		if (k > frames)
			k = (unsigned)frames;
		float *dst = m->scratch + (size_t)m->fill * ch;
		if (m->what & MEASURE_PEAKS) {
			float piece_tp = 0; /* true peak of this piece, all channels */
			for (unsigned c = 0; c < ch; c++) {
				float tp = truepeak_process(m->tp[c], x + c, k, (unsigned)stride);
				float sp = 0;
				for (unsigned i = 0; i < k; i++) {
					float a = fabsf(x[i * stride + c]);
					sp = a > sp ? a : sp;
				}
				if (sp > m->peak_lin[c])
					m->peak_lin[c] = sp;
				if (sp > m->peak_max_lin[c])
					m->peak_max_lin[c] = sp;
				if (tp > m->tp_lin[c])
					m->tp_lin[c] = tp;
				if (tp > m->tp_max_lin[c])
					m->tp_max_lin[c] = tp;
				piece_tp = tp > piece_tp ? tp : piece_tp;
			}
			/* an over is a run of pieces (<= 10 ms each) whose true peak
			 * passes the ceiling: counted once when it starts */
			if (piece_tp > m->ceiling_lin) {
				if (!m->over_active)
					m->tp_overs++;
				m->over_active = 1;
			} else {
				m->over_active = 0;
			}
		}
		for (unsigned i = 0; i < k; i++)
			for (unsigned c = 0; c < ch; c++)
				dst[i * ch + c] = x[i * stride + c];
		if (ch >= 2) {
			double ll = 0, rr = 0, lr = 0;
			for (unsigned i = 0; i < k; i++) {
				double l = dst[i * ch], r = dst[i * ch + 1];
				ll += l * l;
				rr += r * r;
				lr += l * r;
			}
			m->acc_ll += ll;
			m->acc_rr += rr;
			m->acc_lr += lr;
		} else {
			double ll = 0;
			for (unsigned i = 0; i < k; i++)
				ll += (double)dst[i] * dst[i];
			m->acc_ll += ll;
			m->acc_rr += ll;
			m->acc_lr += ll;
		}
		m->fill += k;
		m->frames += k;
		x += k * stride;
		frames -= k;
		if (m->fill == m->hop)
			end_hop(m);
	}
}

void measure_flush(measure *m)
{
	if (!(m->what & MEASURE_PEAKS))
		return;
	float piece_tp = 0;
	for (unsigned c = 0; c < m->channels; c++) {
		float tp = truepeak_flush(m->tp[c]);
		if (tp > m->tp_lin[c])
			m->tp_lin[c] = tp;
		if (tp > m->tp_max_lin[c])
			m->tp_max_lin[c] = tp;
		piece_tp = tp > piece_tp ? tp : piece_tp;
	}
	if (piece_tp > m->ceiling_lin && !m->over_active)
		m->tp_overs++;
	m->over_active = 0;
}

float measure_integrated(const measure *m)
{
	double v;
	if (!m->ebu || ebur128_loudness_global(m->ebu, &v) != EBUR128_SUCCESS)
		return MEASURE_FLOOR_DB;
	return lufs_or_floor(v);
}

float measure_lra(const measure *m)
{
	double v;
	if (!m->ebu || ebur128_loudness_range(m->ebu, &v) != EBUR128_SUCCESS || !isfinite(v))
		return 0;
	return (float)v;
}

float measure_tp_max_db(const measure *m)
{
	float p = 0;
	for (unsigned c = 0; c < m->channels; c++)
		p = m->tp_max_lin[c] > p ? m->tp_max_lin[c] : p;
	return measure_db(p);
}

float measure_peak_max_db(const measure *m)
{
	float p = 0;
	for (unsigned c = 0; c < m->channels; c++)
		p = m->peak_max_lin[c] > p ? m->peak_max_lin[c] : p;
	return measure_db(p);
}

void measure_take_period(measure *m, float *peak_lin, float *tp_lin)
{
	for (unsigned c = 0; c < m->channels; c++) {
		if (peak_lin)
			peak_lin[c] = m->peak_lin[c];
		if (tp_lin)
			tp_lin[c] = m->tp_lin[c];
		m->peak_lin[c] = m->tp_lin[c] = 0;
	}
}
