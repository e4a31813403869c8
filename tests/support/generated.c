/* lathe tests — committed generated files. */
#include "generated.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "fixture.h"

char *gen_read_repo_file(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", fx_src_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

void gen_check_committed(const char *rel, void (*fn)(FILE *))
{
	char *gen = NULL;
	size_t glen = 0, flen = 0;
	FILE *m = open_memstream(&gen, &glen);
	fn(m);
	fclose(m);
	if (getenv("LATHE_REGEN_OSC_DOCS")) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", fx_src_dir(), rel);
		FILE *f = fopen(path, "wb");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fwrite(gen, 1, glen, f);
		fclose(f);
		printf("regenerated %s\n", path);
	}
	char *file = gen_read_repo_file(rel, &flen);
	ck_assert_msg(file != NULL, "%s is missing: regenerate with LATHE_REGEN_OSC_DOCS=1", rel);
	if (flen != glen || memcmp(file, gen, glen)) {
		size_t k = 0, line = 1;
		while (k < flen && k < glen && file[k] == gen[k])
			line += gen[k++] == '\n';
		ck_abort_msg("%s is out of date (first difference at line %zu): regenerate with LATHE_REGEN_OSC_DOCS=1 and commit", rel, line);
	}
	free(gen);
	free(file);
}
