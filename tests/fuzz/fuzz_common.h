/* lathe — what the fuzz harnesses share.
 *
 * Each harness (fuzz_osc.c, fuzz_session.c) defines FUZZ_ENTRY, which is
 * LLVMFuzzerTestOneInput unless the includer renames it: the Check suite
 * tests/unit/test_fuzz_corpus.c includes both harnesses in one file (renamed,
 * built with gcc, no libFuzzer) to replay every corpus file in `make check`.
 *
 * A broken invariant prints what broke (and which corpus file, when the
 * replay says) and aborts: libFuzzer saves the input as a crash, Check
 * reports the signal. */
#ifndef LATHE_FUZZ_COMMON_H
#define LATHE_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The corpus file being replayed (set by the Check suite; NULL under libFuzzer). */
static const char *fuzz_input_name;

__attribute__((format(printf, 1, 2), noreturn, unused))
static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz invariant broken%s%s: ", fuzz_input_name ? " on " : "",
		fuzz_input_name ? fuzz_input_name : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#endif
