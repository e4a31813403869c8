/* lathe — fuzz harness for the session parser (session_text_read).
 *
 * Input: the bytes of a session file.  Either the file is refused, with a
 * "FILE:LINE: reason" message, and none of the outputs is touched; or it is
 * accepted, and every value of [current] and of every stored snapshot is
 * finite, inside its parameter's range, whole where the parameter is, and
 * survives a write/read round trip bit for bit.  ASan/UBSan/LSan (under
 * libFuzzer) catch the rest; GLib warnings and criticals abort too.
 *
 *   make fuzz                  (clang, libFuzzer; see tests/fuzz/README.md)
 *   build-fuzz/fuzz/fuzz_session tests/fuzz/corpus/session   (replay / fuzz by hand)
 */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sessions/session_file.h"
#include "tests/fuzz/fuzz_common.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define SESSION_FZ_NAME "fuzz.lathe"

static uint32_t session_fz_bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

static void session_fz_check_value(const char *where, int id, float v)
{
	const param_info *pi = param_info_get(id);
	if (!isfinite(v))
		fuzz_fail("session accepted: %s %s = %g is not finite", where, pi->path, v);
	if (v < pi->min || v > pi->max)
		fuzz_fail("session accepted: %s %s = %g is outside %g..%g", where, pi->path, v, pi->min, pi->max);
	if ((pi->step >= 1 || pi->curve == CURVE_ENUM || pi->curve == CURVE_TOGGLE) && v != floorf(v))
		fuzz_fail("session accepted: %s %s = %g is not a whole number", where, pi->path, v);
	if (pi->curve == CURVE_ENUM && (v < 0 || v >= pi->n_enums))
		fuzz_fail("session accepted: %s %s = %g is not an enum index", where, pi->path, v);
}

/* "FILE:LINE: reason": the name we gave, a line number >= 1, a reason. */
static void session_fz_check_refusal(const char *err)
{
	size_t nl = strlen(SESSION_FZ_NAME);
	if (strncmp(err, SESSION_FZ_NAME ":", nl + 1) != 0)
		fuzz_fail("session refused without a \"" SESSION_FZ_NAME ":LINE:\" prefix: \"%s\"", err);
	const char *p = err + nl + 1;
	char *end;
	long line = strtol(p, &end, 10);
	if (end == p || line < 1 || end[0] != ':' || end[1] != ' ' || !end[2])
		fuzz_fail("session refused without a line number and reason: \"%s\"", err);
}

static void session_fz_fatal_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	fuzz_fail("GLib %s from %s: %s", (level & G_LOG_LEVEL_CRITICAL) ? "critical" : "warning",
		domain ? domain : "?", message);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);
int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static int ready;
	static lathe_params *cur, *before;
	static snapshot_bank *snaps, *snaps_before;
	if (!ready) {
		params_init();
		cur = params_new();
		before = params_new();
		snaps = g_new0(snapshot_bank, 1);
		snaps_before = g_new0(snapshot_bank, 1);
		g_log_set_default_handler(session_fz_fatal_log, NULL);
		g_log_set_handler("GLib", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL, session_fz_fatal_log, NULL);
		ready = 1;
	}
	/* Outputs hold a recognisable state: a refusal must leave it as it was. */
	params_reset(cur);
	param_set(cur, P_INPUT_GAIN, 3.25f, NULL);
	params_copy(before, cur);
	memset(snaps, 0xa5, sizeof *snaps);
	memcpy(snaps_before, snaps, sizeof *snaps);
	session_meta meta, meta_before;
	memset(&meta, 0x5a, sizeof meta);
	memcpy(&meta_before, &meta, sizeof meta);
	char conn_sentinel;
	char *conns = &conn_sentinel;
	char err[512] = "";

	/* The parser gets the bytes exactly, without a terminating NUL. */
	char *text = g_malloc(size ? size : 1);
	memcpy(text, data, size);
	int rc = session_text_read(text, size, SESSION_FZ_NAME, cur, snaps, &meta, &conns, err, sizeof err);
	g_free(text);

	if (rc != 0) {
		if (rc != -1)
			fuzz_fail("session_text_read returned %d", rc);
		session_fz_check_refusal(err);
		for (int id = 0; id < P_COUNT; id++)
			if (session_fz_bits(param_get(cur, id)) != session_fz_bits(param_get(before, id)))
				fuzz_fail("session refused (\"%s\") but %s changed", err, param_info_get(id)->path);
		if (memcmp(snaps, snaps_before, sizeof *snaps))
			fuzz_fail("session refused (\"%s\") but the snapshots changed", err);
		if (memcmp(&meta, &meta_before, sizeof meta))
			fuzz_fail("session refused (\"%s\") but the metadata changed", err);
		if (conns != &conn_sentinel)
			fuzz_fail("session refused (\"%s\") but connections were written", err);
		return 0;
	}

	/* Accepted. */
	for (int id = 0; id < P_COUNT; id++)
		session_fz_check_value("[current]", id, param_get(cur, id));
	if (snaps->active < -1 || snaps->active >= SNAPSHOT_SLOTS)
		fuzz_fail("session accepted with active snapshot %d", snaps->active);
	if (snaps->fading)
		fuzz_fail("session accepted with a fade in progress");
	for (int s = 0; s < SNAPSHOT_SLOTS; s++) {
		if (!snaps->stored[s])
			continue;
		char where[16];
		snprintf(where, sizeof where, "[%s]", snapshot_name(s));
		for (int id = 0; id < P_COUNT; id++)
			session_fz_check_value(where, id, snaps->value[s][id]);
	}
	if (!memchr(meta.name, 0, sizeof meta.name) || !memchr(meta.comment, 0, sizeof meta.comment) ||
	    !memchr(meta.date, 0, sizeof meta.date) || !memchr(meta.version, 0, sizeof meta.version) ||
	    !memchr(meta.file, 0, sizeof meta.file))
		fuzz_fail("session accepted with an unterminated metadata string");
	if (conns == &conn_sentinel)
		fuzz_fail("session accepted but connections left unset");

	/* What was accepted saves, and the save reads back to the same values. */
	size_t len = 0;
	char *again = session_text_write(cur, snaps, &meta, conns, &len);
	lathe_params *cur2 = params_new();
	snapshot_bank *snaps2 = g_new0(snapshot_bank, 1);
	char *conns2 = NULL;
	err[0] = 0;
	if (session_text_read(again, len, SESSION_FZ_NAME, cur2, snaps2, NULL, &conns2, err, sizeof err) != 0)
		fuzz_fail("an accepted session, written back, is refused: \"%s\"", err);
	for (int id = 0; id < P_COUNT; id++)
		if (session_fz_bits(param_get(cur2, id)) != session_fz_bits(param_get(cur, id)))
			fuzz_fail("round trip changed [current] %s: %.9g -> %.9g", param_info_get(id)->path,
				param_get(cur, id), param_get(cur2, id));
	for (int s = 0; s < SNAPSHOT_SLOTS; s++) {
		if (snaps2->stored[s] != snaps->stored[s])
			fuzz_fail("round trip changed whether snapshot %s is stored", snapshot_name(s));
		for (int id = 0; snaps->stored[s] && id < P_COUNT; id++)
			if (session_fz_bits(snaps2->value[s][id]) != session_fz_bits(snaps->value[s][id]))
				fuzz_fail("round trip changed [%s] %s", snapshot_name(s), param_info_get(id)->path);
	}
	if (snaps2->active != snaps->active)
		fuzz_fail("round trip changed the active snapshot %d -> %d", snaps->active, snaps2->active);
	free(conns2);
	g_free(snaps2);
	params_free(cur2);
	g_free(again);
	free(conns);
	return 0;
}
