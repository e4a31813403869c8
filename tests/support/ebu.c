#include "tests/support/ebu.h"

#include <check.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int ebu_path(char *buf, size_t len, const char *file)
{
	const char *src = getenv("LATHE_SRC");
	const char *bases[] = { src, ".", "..", "../.." };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		if (!bases[i])
			continue;
		snprintf(buf, len, "%s/../shared/ebu-loudness-test-set/%s", bases[i], file);
		if (access(buf, R_OK) == 0)
			return 1;
	}
	return 0;
}

float *ebu_load(const char *file, size_t *frames, int rate)
{
	char path[1024];
	ck_assert_msg(ebu_path(path, sizeof path, file), "EBU test file %s not found (LATHE_SRC/../shared)", file);
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	ck_assert_msg(f != NULL, "cannot open %s", path);
	if (rate > 0) {
		ck_assert_int_eq(info.samplerate, rate);
		ck_assert_int_eq(info.channels, 2);
	}
	float *x = malloc((size_t)info.frames * 2 * sizeof(float));
	*frames = (size_t)sf_readf_float(f, x, info.frames);
	sf_close(f);
	return x;
}
