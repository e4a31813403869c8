/* lathe — mix against master (`lathe analyze MIX --compare MASTER [--json]
 * [--plot PNG]`): the comparison a mastering engineer shows.  Both files are
 * measured with the same report meter as `lathe analyze`; the table puts the
 * mix's figures beside the master's with the differences (loudness gain, PLR
 * change, width change: side-to-mid energy in dB), and the plot draws the
 * two waveforms one above the other on the same scale, each with its
 * short-term loudness, and below them the long-term spectra overlaid (the
 * console's spectrum: Hann-windowed FFTs averaged over the whole file, in
 * 1/3-octave-wide log bins).  Not RT code. */
#ifndef LATHE_COMPARE_H
#define LATHE_COMPARE_H

/* 0, or 1 with a one-line reason in err. */
int analyze_compare(const char *mix, const char *master, int json, const char *plot_png, char *err, int errlen);

#endif
