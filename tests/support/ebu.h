/* lathe tests — the official EBU loudness test set, kept beside the clone
 * in ../shared/ebu-loudness-test-set. */
#ifndef LATHE_EBU_H
#define LATHE_EBU_H

#include <stddef.h>

/* Full path of one of its files, looked for from $LATHE_SRC, ., .. and ../..; 1 when found. */
int ebu_path(char *buf, size_t len, const char *file);
/* Reads the file whole as interleaved stereo float (*frames frames); asserts
 * it is found and opens and, when rate > 0, that it has that rate and two channels. */
float *ebu_load(const char *file, size_t *frames, int rate);

#endif
