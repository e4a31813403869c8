/* lathe tests — files committed in the repository that a generator writes
 * (docs/osc.md, the Open Stage Control layout): read them, and fail when they
 * are out of date. */
#ifndef LATHE_GENERATED_H
#define LATHE_GENERATED_H

#include <stddef.h>
#include <stdio.h>

/* The file REL of the repository (under fx_src_dir()), NUL-terminated; NULL when missing. Free it. */
char *gen_read_repo_file(const char *rel, size_t *len);

/* Fails the test when REL differs from what fn prints now, naming the first
 * different line.  With LATHE_REGEN_OSC_DOCS set it writes REL first. */
void gen_check_committed(const char *rel, void (*fn)(FILE *));

#endif
