/* lathe — writes the OSC seed corpus, the OSC libFuzzer dictionary and the
 * generated session seeds (a complete file as lathe writes it).  The
 * hand-written session seeds come from gen_session_seeds.sh.
 *
 *   gen OSC_CORPUS_DIR OSC_DICT SESSION_CORPUS_DIR      (see tests/fuzz/README.md)
 *
 * Seeds: valid messages (liblo's lo_message_serialise) for parameters of
 * every curve, their /norm twins and the actions, with every argument type
 * the server handles (f d i h T F s S, none) and a few it refuses (b m c N I
 * t), bundles (liblo's lo_bundle_serialise), a nested bundle and a future
 * time tag.  The dictionary: every registry path and its /norm twin, the
 * actions, enum names, type tag strings and OSC framing. */
#include <glib.h>
#include <lo/lo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "osc/osc_addr.h"
#include "sessions/session_file.h"

static const char *out_dir;
static int n_seeds;

static void put(const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/seed-%02d-%s", out_dir, n_seeds++, name);
	for (char *p = path + strlen(out_dir) + 1; *p; p++)
		if (*p == '/')
			*p = '_';
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void put_msg(const char *name, const char *path, lo_message m)
{
	size_t len = 0;
	void *data = lo_message_serialise(m, path, NULL, &len);
	put(name, data, len);
	free(data);
	lo_message_free(m);
}

static lo_message msg_f(float v) { lo_message m = lo_message_new(); lo_message_add_float(m, v); return m; }
static lo_message msg_i(int v) { lo_message m = lo_message_new(); lo_message_add_int32(m, v); return m; }
static lo_message msg_s(const char *v) { lo_message m = lo_message_new(); lo_message_add_string(m, v); return m; }

static void put_bundle(const char *name, lo_timetag tt, const char **paths, lo_message *msgs, int n)
{
	lo_bundle b = lo_bundle_new(tt);
	for (int i = 0; i < n; i++)
		lo_bundle_add_message(b, paths[i], msgs[i]);
	size_t len = 0;
	void *data = lo_bundle_serialise(b, NULL, &len);
	put(name, data, len);
	free(data);
	lo_bundle_free_recursive(b);
}

static void put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

/* depth bundles, each the only element of the one around it, around one
 * message; OSC 1.0 framing written by hand (liblo's serialiser recurses). */
static void put_nested(const char *name, int depth, const char *path, lo_message m)
{
	size_t mlen = 0;
	void *mdata = lo_message_serialise(m, path, NULL, &mlen);
	size_t len = (size_t)depth * 20 + mlen;
	char *buf = malloc(len);
	memcpy(buf + len - mlen, mdata, mlen);
	size_t pos = len - mlen, inner = mlen;
	for (int k = 0; k < depth; k++) {
		pos -= 20;
		memcpy(buf + pos, "#bundle\0\0\0\0\0\0\0\0\1", 16);
		put_be32(buf + pos + 16, (uint32_t)inner);
		inner += 20;
	}
	put(name, buf, len);
	free(buf);
	free(mdata);
	lo_message_free(m);
}

/* One bundle around one message whose element size says `size`, cut or padded to len bytes. */
static void put_lying(const char *name, uint32_t size, long len_delta)
{
	size_t mlen = 0;
	lo_message m = msg_f(-9);
	void *mdata = lo_message_serialise(m, "/input/gain", NULL, &mlen);
	char buf[128] = "#bundle\0\0\0\0\0\0\0\0\1";
	put_be32(buf + 16, size);
	memcpy(buf + 20, mdata, mlen);
	put(name, buf, (size_t)((long)(20 + mlen) + len_delta));
	free(mdata);
	lo_message_free(m);
}

static void dict_str(FILE *d, const char *s)
{
	fputc('"', d);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '"' || *p == '\\')
			fprintf(d, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(d, "\\x%02x", *p);
		else
			fputc(*p, d);
	fputs("\"\n", d);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s OSC_CORPUS_DIR OSC_DICT SESSION_CORPUS_DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	params_init();

	/* one message per parameter curve, in natural units and /norm */
	const int ids[] = { P_INPUT_GAIN, P_EQ_FREQ + 2, P_EQ_TYPE + 2, P_EQ_BAND_BYPASS, P_MB_RATIO + 1, P_DITHER_BITS,
	                    P_LIM_CEILING, P_MON_SOURCE, P_BYPASS, P_SNAPSHOT_FADE };
	for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
		const param_info *pi = param_info_get(ids[k]);
		char norm[80];
		snprintf(norm, sizeof norm, "/norm%s", pi->path);
		char qname[80];
		snprintf(qname, sizeof qname, "query%s", pi->path);
		put_msg(pi->path, pi->path, msg_f(pi->def));
		put_msg(norm, norm, msg_f(0.5f));
		put_msg(qname, pi->path, lo_message_new());
		if (pi->curve == CURVE_ENUM)
			put_msg("enum-name", pi->path, msg_s(pi->enums[pi->n_enums - 1]));
		if (pi->curve == CURVE_TOGGLE) {
			lo_message m = lo_message_new();
			lo_message_add_true(m);
			put_msg("toggle-T", pi->path, m);
		}
	}
	/* every argument type on one parameter */
	lo_message m;
	m = lo_message_new(); lo_message_add_double(m, 1e300); put_msg("double-huge", "/input/gain", m);
	m = lo_message_new(); lo_message_add_int64(m, -5); put_msg("int64", "/eq/1/gain", m);
	put_msg("int32", "/dither/bits", msg_i(20));
	put_msg("out-of-range", "/limiter/ceiling", msg_f(40.0f));
	put_msg("nan", "/input/gain", msg_f(__builtin_nanf("")));
	put_msg("norm-out-of-range", "/norm/eq/1/freq", msg_f(-3.0f));
	m = lo_message_new(); lo_message_add_symbol(m, "tube"); put_msg("symbol", "/saturate/type", m);
	put_msg("string-number", "/input/gain", msg_s(" -3.5 "));
	put_msg("string-bad", "/eq/2/type", msg_s("wobble"));
	m = lo_message_new(); lo_message_add_false(m); put_msg("F-not-toggle", "/input/gain", m);
	m = lo_message_new(); lo_message_add_float(m, 1); lo_message_add_float(m, 2); put_msg("two-args", "/input/gain", m);
	m = lo_message_new(); lo_message_add_char(m, 'x'); put_msg("char", "/input/gain", m);
	m = lo_message_new(); lo_message_add_nil(m); put_msg("nil", "/input/gain", m);
	m = lo_message_new(); lo_message_add_infinitum(m); put_msg("inf", "/input/gain", m);
	m = lo_message_new(); { uint8_t midi[4] = { 0x90, 60, 100, 0 }; lo_message_add_midi(m, midi); } put_msg("midi", "/input/gain", m);
	m = lo_message_new(); { lo_blob b = lo_blob_new(5, "abcde"); lo_message_add_blob(m, b); lo_blob_free(b); } put_msg("blob", "/eq/1/type", m);
	m = lo_message_new(); lo_message_add_timetag(m, LO_TT_IMMEDIATE); put_msg("timetag", "/eq/1/q", m);
	put_msg("unknown", "/nothing/here", msg_f(1));
	/* actions */
	put_msg("ping", "/ping", lo_message_new());
	put_msg("params", "/params", lo_message_new());
	put_msg("subscribe", "/subscribe", msg_i(30));
	put_msg("subscribe-f", "/subscribe", msg_f(0.25f));
	put_msg("unsubscribe", "/unsubscribe", lo_message_new());
	put_msg("session-save", "/session/save", msg_s("A-master"));
	put_msg("session-load-path", "/session/load", msg_s("../etc/passwd"));
	put_msg("snapshot-store", "/snapshot/store", msg_s("A"));
	put_msg("snapshot-recall", "/snapshot/recall", msg_s("B"));
	put_msg("undo", "/undo", lo_message_new());
	put_msg("redo", "/redo", msg_i(1));
	put_msg("loudness-reset", "/loudness/reset", msg_f(1));
	m = lo_message_new(); lo_message_add_false(m); put_msg("target-learn-F", "/target/learn", m);
	/* bundles */
	{
		const char *paths[] = { "/eq/3/freq", "/eq/3/gain", "/norm/eq/3/q", "/eq/3/type", "/ping" };
		lo_message msgs[] = { msg_f(2500), msg_f(-4.5f), msg_f(0.3f), msg_s("high_shelf"), lo_message_new() };
		put_bundle("bundle", LO_TT_IMMEDIATE, paths, msgs, 5);
	}
	{
		lo_timetag future = { 0xffffff00u, 0 };
		const char *paths[] = { "/limiter/release" };
		lo_message msgs[] = { msg_f(120) };
		put_bundle("bundle-future", future, paths, msgs, 1);
	}
	{
		/* a bundle inside a bundle */
		lo_bundle outer = lo_bundle_new(LO_TT_IMMEDIATE), inner = lo_bundle_new(LO_TT_IMMEDIATE);
		lo_bundle_add_message(inner, "/imager/width", msg_f(130));
		lo_bundle_add_message(outer, "/saturate/drive", msg_f(6));
		lo_bundle_add_bundle(outer, inner);
		size_t len = 0;
		void *data = lo_bundle_serialise(outer, NULL, &len);
		put("bundle-nested", data, len);
		free(data);
		lo_bundle_free_recursive(outer);
	}
	/* a message without a type tag string (OSC 1.0 allows old senders to omit it) */
	put("no-typetag", "/ping\0\0\0", 8);
	/* hostile framing (issue 11): 3,000 nested bundles (60 kB) crashed the server
	 * in liblo's recursive dispatch; 8 levels are served, 9 and more refused;
	 * element sizes that lie; a bundle cut inside its header */
	put_nested("bundle-depth-8", 8, "/eq/2/gain", msg_f(2));
	put_nested("bundle-depth-9", 9, "/eq/2/gain", msg_f(2));
	put_nested("bundle-depth-3000", 3000, "/eq/2/gain", msg_f(2));
	put_nested("bundle-depth-3250", 3250, "/ping", lo_message_new());
	put_lying("bundle-size-huge", 0xffffffffu, 0);
	put_lying("bundle-size-past-end", 24, 0);
	put_lying("bundle-size-unaligned", 15, 0);
	put_lying("bundle-size-zero", 0, 0);
	put_lying("bundle-size-zero-at-end", 20, 4);
	put_lying("bundle-cut-in-header", 16, -24);

	/* the dictionary */
	FILE *d = fopen(argv[2], "w");
	if (!d) {
		perror(argv[2]);
		return 1;
	}
	fprintf(d, "# OSC dictionary for fuzz_osc, written by tests/fuzz/gen_seeds.c\n");
	for (int id = 0; id < params_count(); id++) {
		const param_info *pi = param_info_get(id);
		char norm[80];
		snprintf(norm, sizeof norm, "/norm%s", pi->path);
		dict_str(d, pi->path);
		dict_str(d, norm);
		if (id == 0 || pi->enums != param_info_get(id - 1)->enums)
			for (int k = 0; k < pi->n_enums; k++)
				dict_str(d, pi->enums[k]);
	}
	for (int i = 0; i < osc_action_count(); i++)
		dict_str(d, osc_action_get(i)->path);
	const char *extra[] = { "#bundle", ",f", ",i", ",d", ",h", ",s", ",S", ",T", ",F", ",N", ",I", ",b", ",m", ",t",
	                        ",c", ",ff", ",si", ",", "/norm", "on", "off", "true", "..", "/" };
	for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
		dict_str(d, extra[k]);
	fclose(d);
	printf("%d seeds in %s\n", n_seeds, out_dir);

	/* sessions as lathe writes them: everything changed from the defaults,
	 * two snapshots, connections, metadata with characters that need escapes */
	lathe_params *cur = params_new();
	for (int id = 0; id < P_COUNT; id++) {
		const param_info *pi = param_info_get(id);
		param_set(cur, id, pi->curve == CURVE_LOG ? pi->min * 1.37f : pi->min + (pi->max - pi->min) * 0.3f, NULL);
	}
	static snapshot_bank snaps;
	snapshot_bank_init(&snaps);
	snapshot_store(&snaps, 0, cur);
	params_reset(cur);
	param_set(cur, P_INPUT_GAIN, -2.5f, NULL);
	snapshot_store(&snaps, 3, cur);
	snaps.active = 3;
	session_meta meta = { .name = "full [test]", .comment = "tab\there, newline\nthere, \\ and \xc3\xa9", .date = "2026-01-02T03:04:05Z",
	                      .version = "0.1", .file = "/tmp/some where/x.lathe" };
	const char *conns = "lathe:in_L\tsystem:capture_1\nlathe:in_L\tplayer:out;1\nlathe:out_R\tsystem:playback_2\n";
	out_dir = argv[3];
	n_seeds = 0;
	size_t len;
	char *text = session_text_write(cur, &snaps, &meta, conns, &len);
	put("written-snapshots.lathe", text, len);
	g_free(text);
	text = session_text_write(cur, NULL, NULL, NULL, &len);
	put("written-plain.lathe", text, len);
	g_free(text);
	params_free(cur);
	return 0;
}
