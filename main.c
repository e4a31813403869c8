/* lathe — a real-time mastering console for JACK.
 * main.c: argument parsing and the six modes (console, headless, demo,
 * render, analyze, params); everything else lives in engine/, osc/, gui/,
 * sessions/. */
#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <jack/jack.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <math.h>
#include <locale.h>
#include <gtk/gtk.h>

#include "engine/app.h"
#include "engine/bus.h"
#include "engine/engine.h"
#include "engine/jack.h"
#include "engine/params.h"
#include "engine/render.h"
#include "engine/stop.h"
#include "engine/meter/analysis.h"
#include "engine/meter/report.h"
#include "engine/meter/compare.h"
#include "osc/osc.h"
#include "osc/osc_addr.h"
#include "engine/fileio.h"
#include "gui/gui.h"
#include "sessions/sessions.h"
#include "sessions/album_cli.h"

#define LATHE_VERSION "0.1"

/* Numbers arrive as text and go through cli_number (one parser: GLib's
 * G_OPTION_ARG_DOUBLE takes "nan" and "inf", and its errors would be usage
 * errors, status 2, where a bad value is status 1). */
static struct {
	char *session, *session_dir, *jack_name, *osc_bind, *bits, *json_report, *plot, *target_lufs, *compare, *ref, *play;
	char *osc_port_text, *meter_rate_text;
	char **sets, **osc_allow, **osc_feedback;
	int osc_port, no_osc, connect, json, markdown, osc_markdown, version, play_demo, overwrite, no_dither;
	double meter_rate;
} opt = { .osc_port = 7770, .meter_rate = 20 };

static gboolean on_json(const gchar *name, const gchar *value, gpointer data, GError **error)
{
	(void)name;
	(void)data;
	(void)error;
	opt.json = 1;
	if (value && *value)
		opt.json_report = g_strdup(value);
	return TRUE;
}

/* The modes main() runs (album parses its own options: sessions/album_cli.c). */
enum { M_CONSOLE = 1, M_HEADLESS = 2, M_DEMO = 4, M_RENDER = 8, M_ANALYZE = 16, M_PARAMS = 32 };
#define M_LIVE (M_CONSOLE | M_HEADLESS | M_DEMO)
#define M_ALL (M_LIVE | M_RENDER | M_ANALYZE | M_PARAMS)

static const struct {
	const char *name, *args, *summary;
	unsigned bit;
} modes[] = {
	{ "console", "", "the GTK console with the JACK engine and OSC server (the default mode)", M_CONSOLE },
	{ "headless", "", "engine and OSC server, no GUI, until SIGINT/SIGTERM", M_HEADLESS },
	{ "demo", "", "the console with a demo mix (starts a private JACK server if none runs)", M_DEMO },
	{ "render", "IN OUT", "the chain offline, OUT aligned with IN sample for sample", M_RENDER },
	{ "analyze", "FILE", "loudness and peak report (--compare MASTER: the mix FILE against its master)", M_ANALYZE },
	{ "params", "", "the parameter registry", M_PARAMS },
};

/* THE option table: --help of each mode, the parser and the man page's
 * test (tests/integration/test_cli.c reads the rows between the two marker
 * comments) all come from it.  A new option is one row: its GOption fields
 * and the modes that take it. */
typedef struct {
	GOptionEntry e;
	unsigned modes;
} cli_option;

static const cli_option options[] = {
	/* options: begin */
	{ { "session", 0, 0, G_OPTION_ARG_FILENAME, &opt.session, "Load a session file", "FILE" }, M_LIVE | M_RENDER },
	{ { "session-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.session_dir, "Folder of named sessions (default $XDG_DATA_HOME/lathe/sessions)", "DIR" }, M_LIVE },
	{ { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.sets, "Set a parameter (repeatable; see 'lathe params')", "PATH=VALUE" }, M_LIVE | M_RENDER },
	{ { "jack-name", 0, 0, G_OPTION_ARG_STRING, &opt.jack_name, "JACK client name (default lathe)", "NAME" }, M_LIVE },
	{ { "connect", 0, 0, G_OPTION_ARG_NONE, &opt.connect, "Connect the monitor outputs to the system playback ports", NULL }, M_LIVE },
	{ { "osc-port", 0, 0, G_OPTION_ARG_STRING, &opt.osc_port_text, "OSC UDP port (default 7770)", "N" }, M_LIVE },
	{ { "osc-bind", 0, 0, G_OPTION_ARG_STRING, &opt.osc_bind, "Address OSC listens on (default 127.0.0.1)", "ADDR" }, M_LIVE },
	{ { "osc-allow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.osc_allow, "Serve OSC clients in this network (repeatable)", "CIDR" }, M_LIVE },
	{ { "osc-feedback", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.osc_feedback, "Permanent feedback client (repeatable)", "HOST:PORT" }, M_LIVE },
	{ { "meter-rate", 0, 0, G_OPTION_ARG_STRING, &opt.meter_rate_text, "OSC meter bundles per second (default 20)", "HZ" }, M_LIVE },
	{ { "no-osc", 0, 0, G_OPTION_ARG_NONE, &opt.no_osc, "No OSC server", NULL }, M_LIVE },
	{ { "ref", 0, 0, G_OPTION_ARG_FILENAME, &opt.ref, "Play this file (looped) into the reference path", "FILE" }, M_LIVE },
	{ { "play", 0, 0, G_OPTION_ARG_FILENAME, &opt.play, "Play this file (looped) into the mix input, through the chain", "FILE" }, M_LIVE },
	{ { "play-demo", 0, 0, G_OPTION_ARG_NONE, &opt.play_demo, "Play the demo mix into the inputs", NULL }, M_CONSOLE | M_HEADLESS },
	{ { "remote", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)gui_remote_option, "console: attach to the lathe engine at HOST (OSC, default port 7770); no local engine or JACK", "HOST[:PORT]" }, M_CONSOLE },
	{ { "bits", 0, 0, G_OPTION_ARG_STRING, &opt.bits, "OUT's word length (default: IN's when 16, 24 or 32f, else 24; FLAC: 24 for float IN); 16 and 24 are dithered (TPDF) unless --no-dither", "16|24|32f" }, M_RENDER },
	{ { "no-dither", 0, 0, G_OPTION_ARG_NONE, &opt.no_dither, "Do not dither a 16- or 24-bit OUT (truncation distortion below 1 LSB)", NULL }, M_RENDER },
	{ { "target-lufs", 0, 0, G_OPTION_ARG_STRING, &opt.target_lufs, "Set the drive so OUT's integrated loudness lands on L", "L" }, M_RENDER },
	{ { "json", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer)on_json, "JSON: render and analyze write a report to FILE (analyze without FILE: stdout), params prints the registry", "[FILE]" }, M_RENDER | M_ANALYZE | M_PARAMS },
	{ { "overwrite", 'y', 0, G_OPTION_ARG_NONE, &opt.overwrite, "Replace an existing OUT or report", NULL }, M_RENDER | M_ANALYZE },
	{ { "plot", 0, 0, G_OPTION_ARG_FILENAME, &opt.plot, "Draw loudness over time into a PNG", "PNG" }, M_ANALYZE },
	{ { "compare", 0, 0, G_OPTION_ARG_FILENAME, &opt.compare, "Compare the mix FILE against this master", "MASTER" }, M_ANALYZE },
	{ { "markdown", 0, 0, G_OPTION_ARG_NONE, &opt.markdown, "The registry as a Markdown table", NULL }, M_PARAMS },
	{ { "osc-markdown", 0, 0, G_OPTION_ARG_NONE, &opt.osc_markdown, "The OSC reference (docs/osc.md)", NULL }, M_PARAMS },
	{ { "version", 0, 0, G_OPTION_ARG_NONE, &opt.version, "Print the version", NULL }, M_ALL },
	/* options: end */
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static const cli_option *find_option(const char *arg)
{
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const GOptionEntry *e = &options[i].e;
		if (arg[1] == '-') {
			size_t n = strcspn(arg + 2, "=");
			if (strlen(e->long_name) == n && !strncmp(arg + 2, e->long_name, n))
				return &options[i];
		} else if (e->short_name && arg[1] == e->short_name && !arg[2])
			return &options[i];
	}
	return NULL;
}

static int is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "-?") || !strcmp(arg, "--help-all");
}

/* The mode named on the command line (its first word that is neither an
 * option nor an option's value), or NULL.  An option that mode does not take
 * is a usage error, said here in one line (status 2). */
static int find_mode(int argc, char **argv, int *mode, int *help, int *bad)
{
	*mode = -1;
	*help = *bad = 0;
	const char *first_other = NULL; /* an option no mode has: GLib's parser names it */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1]) {
			if (is_help(a)) {
				*help = 1;
				continue;
			}
			const cli_option *o = find_option(a);
			if (!o) {
				if (!first_other)
					first_other = a;
				continue;
			}
			if (o->e.arg != G_OPTION_ARG_NONE && !(o->e.flags & G_OPTION_FLAG_OPTIONAL_ARG) && !strchr(a, '=') && i + 1 < argc)
				i++; /* its value */
			continue;
		}
		if (*mode < 0) {
			for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
				if (!strcmp(a, modes[m].name))
					*mode = (int)m;
			if (*mode < 0)
				return 0; /* an unknown mode: main() says so */
		}
	}
	unsigned bit = *mode >= 0 ? modes[*mode].bit : *help ? M_ALL : M_CONSOLE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		const cli_option *o = a[0] == '-' && a[1] ? find_option(a) : NULL;
		if (o && !(o->modes & bit)) {
			const char *name = *mode >= 0 ? modes[*mode].name : "console";
			fprintf(stderr, "lathe: %s does not take --%s (see 'lathe %s --help')\n", name, o->e.long_name, name);
			*bad = 1;
			return 0;
		}
		if (o && o->e.arg != G_OPTION_ARG_NONE && !(o->e.flags & G_OPTION_FLAG_OPTIONAL_ARG) && !strchr(a, '=') && i + 1 < argc)
			i++;
	}
	return 0;
}

/* The GOption context of one mode (mode < 0: every option, for 'lathe --help'). */
static GOptionContext *mode_context(int mode, GOptionEntry *entries)
{
	unsigned bit = mode >= 0 ? modes[mode].bit : M_ALL;
	size_t n = 0;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].modes & bit)
			entries[n++] = options[i].e;
	memset(&entries[n], 0, sizeof entries[n]);
	GOptionContext *ctx;
	if (mode >= 0) {
		char *param = g_strdup_printf("%s%s%s", modes[mode].name, *modes[mode].args ? " " : "", modes[mode].args);
		ctx = g_option_context_new(param);
		g_free(param);
		g_option_context_set_summary(ctx, modes[mode].summary);
	} else {
		ctx = g_option_context_new("[MODE] - mastering console for JACK");
		GString *sum = g_string_new("Modes (lathe MODE --help lists a mode's options):\n");
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
			char *head = g_strdup_printf("%s %s", modes[m].name, modes[m].args);
			g_string_append_printf(sum, "  %-18s  %s\n", head, modes[m].summary);
			g_free(head);
		}
		g_string_append(sum, "  album ALBUM OUTDIR  an album delivered: track files, CD image + CUE, DDP, QC (lathe album --help)");
		g_option_context_set_summary(ctx, sum->str);
		g_string_free(sum, TRUE);
	}
	g_option_context_set_description(ctx, "The manual: man lathe (docs/lathe.1). OSC: docs/osc.md.\n");
	g_option_context_add_main_entries(ctx, entries, NULL);
	return ctx;
}

/* Status 2: the command line itself is wrong (unknown mode or option, a
 * missing or extra argument).  A well-formed command with a bad value is a
 * failure, status 1 (README, Options). */
static int usage(const char *msg)
{
	fprintf(stderr, "lathe: %s (see 'lathe --help')\n", msg);
	return 2;
}

/* The command line's one number parser: a finite decimal number (no hex, no
 * "nan"/"inf", nothing after it) within min..max, integral when asked.
 * g_ascii_strtod: a '.' whatever the locale.  0, or -1 with one line said. */
static int cli_number(const char *option, const char *text, double min, double max, int integral, double *out)
{
	const char *t = text;
	if (*t == '+' || *t == '-')
		t++;
	int plain = (g_ascii_isdigit(*t) || (*t == '.' && g_ascii_isdigit(t[1])));
	for (const char *c = t; plain && *c; c++)
		plain = g_ascii_isdigit(*c) || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' || *c == '-';
	char *end = NULL;
	double v = plain ? g_ascii_strtod(text, &end) : NAN;
	if (!plain || *end || !isfinite(v) || v < min || v > max || (integral && v != floor(v))) {
		if (integral)
			fprintf(stderr, "lathe: %s '%s': takes a whole number from %.0f to %.0f\n", option, text, min, max);
		else
			fprintf(stderr, "lathe: %s '%s': takes a number from %g to %g\n", option, text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --session then --set, into the store; errors are one line. */
static int apply_settings(lathe_params *p)
{
	char err[512];
	if (opt.session) {
		if (session_load_file(p, opt.session, NULL, err, sizeof err)) {
			fprintf(stderr, "lathe: %s\n", err);
			return -1;
		}
	}
	for (int i = 0; opt.sets && opt.sets[i]; i++) {
		if (param_set_assignment(p, opt.sets[i], err, sizeof err) < 0) {
			fprintf(stderr, "lathe: %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* ---------------- live modes ---------------- */

typedef struct {
	lathe_app app;
	lathe_jack *jack;
	pid_t jackd;               /* private server started by `lathe demo` */
	char jackd_name[64];
	analysis *an;
	osc_server *osc;
	sessions *sess;
	nsm_client *nsm;
} live;

/* --ref FILE, --play FILE: decoded and converted to the server's rate before
 * audio needs them, then playing, looped.  0, or -1 with one line said. */
static int start_player(player *p, const char *file, const char *option, uint32_t rate, const char *into)
{
	char err[512];
	if (player_load(p, file, rate ? rate : 48000, err, sizeof err)) {
		fprintf(stderr, "lathe: %s: %s\n", option, err);
		return -1;
	}
	player_play(p, 1);
	fprintf(stderr, "lathe: %s '%s' (%.1f s) playing into %s\n", option, file, player_length(p), into);
	return 0;
}

/* After a rate change: the same file again, from where it was (the file
 * loaded now: --ref's, or one loaded since by /monitor/ref/load or the
 * console's Reference… button). */
static void reload_player(player *p, const char *option, uint32_t rate)
{
	char file[1024];
	player_path(p, file, sizeof file);
	if (!file[0] || player_length(p) <= 0)
		return;
	char err[512];
	double at = player_position(p);
	if (player_load(p, file, rate, err, sizeof err))
		fprintf(stderr, "lathe: %s: %s\n", option, err);
	else
		player_seek(p, at);
}

static void on_rate(uint32_t rate, void *user)
{
	live *L = user;
	if (L->an)
		analysis_set_rate(L->an, rate);
	/* the files of --ref and --play were converted for the old rate: convert
	 * them again (on the JACK supervisor's thread, never the RT one) */
	if (L->jack) {
		reload_player(lathe_jack_ref_player(L->jack), "--ref", rate);
		reload_player(lathe_jack_input_player(L->jack), "--play", rate);
	}
}

/* A stop request once start-up is over (stop.h): on_stop runs on the stop
 * watcher's thread and hands over to the main loop; quit_now runs there. */
static GMainLoop *main_loop;

static gboolean quit_now(gpointer unused)
{
	(void)unused;
	if (main_loop && g_main_loop_is_running(main_loop))
		g_main_loop_quit(main_loop);
	GApplication *app = g_application_get_default();
	if (app)
		g_application_quit(app); /* the console ends as when its window is closed */
	return G_SOURCE_REMOVE;
}

static void on_stop(void *unused)
{
	(void)unused;
	g_main_context_invoke(NULL, quit_now, NULL);
}

/* Start-up ends when the main loop first runs: for the console that is
 * after GApplication has registered and built the window in "activate" (a
 * GTK start-up that hangs, on a D-Bus that does not answer, is still a
 * start-up step, not waited for beyond STOP_GRACE_MS).  At G_PRIORITY_DEFAULT,
 * not idle: the meters' redraws must not keep it waiting on a busy machine.
 * A stop asked for before this point is honoured here. */
static gboolean on_started(gpointer unused)
{
	(void)unused;
	stop_watch_running(on_stop, NULL);
	if (stop_requested())
		quit_now(NULL);
	return G_SOURCE_REMOVE;
}

static int jack_server_running(void)
{
	jack_status_t st;
	jack_client_t *c = jack_client_open("lathe-probe", JackNoStartServer, &st);
	if (!c)
		return 0;
	jack_client_close(c);
	return 1;
}

/* Starts `jackd -d BACKEND` under L->jackd_name and waits up to 10 s for it:
 * 0 when it serves, -1 when it could not start or died (a busy or absent card). */
static int try_private_jackd(live *L, const char *backend)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* the server ends with lathe however lathe ends: its cleanup kills it,
		 * but a console whose X server goes away (a closed session; xvfb-run
		 * stopped) exits inside GTK without it, and the server was left running */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		/* lathe blocks SIGINT/SIGTERM (stop.h); exec keeps the mask: jackd gets its own back */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("jackd", "jackd", "--no-realtime", "-n", L->jackd_name, "-d", backend, "-r", "48000", "-p", "256", (char *)NULL);
		_exit(127);
	}
	L->jackd = pid;
	stop_watch_child(pid);
	for (int i = 0; i < 100 && !stop_requested(); i++) {
		if (jack_server_running())
			return 0;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			L->jackd = 0;
			return -1;
		}
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	L->jackd = 0;
	return -1;
}

/* `lathe demo` with no server: start a private one, ALSA when a card exists;
 * when ALSA cannot be opened (the card is busy, or is no playback device),
 * the dummy backend, so the demo still plays and every meter still moves. */
static int start_private_jackd(live *L)
{
	/* A fixed name: a server that died without unregistering is reclaimed by
	 * the next one of the same name.  Never a client's name: jack2 puts a
	 * server's socket and a client's at the same path (/dev/shm/jack_NAME_UID_0),
	 * so a server named "lathe-demo" lost its socket to the demo player
	 * (client "lathe-demo") and no other client could connect to it. */
	snprintf(L->jackd_name, sizeof L->jackd_name, "lathe-server");
	setenv("JACK_DEFAULT_SERVER", L->jackd_name, 1);
	const char *card = getenv("LATHE_DEMO_CARD"); /* tests point it at a card that is not there */
	if (!card)
		card = "/proc/asound/card0";
	if (access(card, F_OK) == 0) {
		if (try_private_jackd(L, "alsa") == 0)
			return 0;
		fprintf(stderr, "lathe: the sound card cannot be opened by JACK's ALSA backend; using the dummy backend (no sound)\n");
	}
	return try_private_jackd(L, "dummy");
}

/* Start-up, step by step: a stop asked for meanwhile (stop.h) is seen
 * between the steps, and a step that blocks is not waited for. */
static int start_live(live *L, const char *mode, int *failed)
{
	int demo = !strcmp(mode, "demo"), headless = !strcmp(mode, "headless");
	char err[512];
	lathe_params *p = L->app.params;
	stop_watch_step("loading the session");
	/* the session's values before audio starts; sessions_new adds snapshots and connections */
	if (apply_settings(p))
		return *failed = 1;
	if (stop_requested())
		return 0;
	if (demo && !jack_server_running()) {
		stop_watch_step("starting a private JACK server");
		if (start_private_jackd(L)) {
			if (stop_requested())
				return 0;
			fprintf(stderr, "lathe: cannot start a private JACK server (is jackd installed? 'make deps')\n");
			return *failed = 1;
		}
		fprintf(stderr, "lathe: started a private JACK server '%s' (pid %d)\n", L->jackd_name, (int)L->jackd);
		opt.connect = 1;
	}
	const char *jack_name = opt.jack_name;
	/* Under NSM the client id is the JACK name: wait for the server's open first. */
	const char *nsm_url = getenv("NSM_URL");
	if (nsm_url && *nsm_url) {
		stop_watch_step("waiting for NSM");
		L->nsm = nsm_client_new(nsm_url, "lathe", "lathe", err, sizeof err);
		if (!L->nsm) {
			fprintf(stderr, "lathe: NSM: %s\n", err);
			return *failed = 1;
		}
		int opened = -1;
		for (int t = 0; t < 100 && opened && !stop_requested(); t++) /* 10 s in 100 ms polls */
			opened = nsm_client_wait_open(L->nsm, 100);
		if (stop_requested())
			return 0;
		if (opened) {
			fprintf(stderr, "lathe: NSM: no /nsm/client/open from %s within 10 s\n", nsm_url);
			return *failed = 1;
		}
		if (!jack_name)
			jack_name = nsm_client_id(L->nsm);
	}
	stop_watch_step("starting the analysis");
	L->an = analysis_new(L->app.bus, p);
	L->app.analysis = L->an;
	if (!headless) {
		stop_watch_step("preparing the console");
		gui_prepare(&L->app);
	}
	if (stop_requested())
		return 0;
	stop_watch_step("connecting to JACK");
	jack_opts jo = { .name = jack_name ? jack_name : "lathe", .connect_system = opt.connect, .verbose = 1,
	                 .play_demo = demo || opt.play_demo, .on_rate = on_rate, .user = L };
	L->jack = lathe_jack_new(p, L->app.bus, &jo);
	L->app.jack = L->jack;
	jack_status js;
	lathe_jack_status(L->jack, &js);
	if (js.refused_rate) {
		fprintf(stderr, "lathe: the JACK server runs at %u Hz; lathe works at " ENGINE_RATE_RANGE "\n", js.refused_rate);
		return *failed = 1;
	}
	if (opt.ref) {
		stop_watch_step("loading the reference track");
		if (start_player(lathe_jack_ref_player(L->jack), opt.ref, "--ref", lathe_jack_rate(L->jack), "the reference path"))
			return *failed = 1;
	}
	if (opt.play) {
		stop_watch_step("loading the file to play");
		if (start_player(lathe_jack_input_player(L->jack), opt.play, "--play", lathe_jack_rate(L->jack), "the mix input"))
			return *failed = 1;
	}
	if (stop_requested())
		return 0;
	/* The session (state, snapshots, connections) or the autosave; then --set wins. */
	stop_watch_step("loading the session");
	sessions_opts so = { .session_file = opt.session, .session_dir = opt.session_dir, .autosave = 1, .nsm = L->nsm };
	L->sess = sessions_new(&L->app, &so, err, sizeof err);
	if (!L->sess) {
		fprintf(stderr, "lathe: %s\n", err);
		return *failed = 1;
	}
	for (int i = 0; opt.sets && opt.sets[i]; i++)
		param_set_assignment(p, opt.sets[i], err, sizeof err);
	if (stop_requested())
		return 0;
	if (!opt.no_osc) {
		stop_watch_step("starting the OSC server");
		osc_opts oo = { .port = opt.osc_port, .bind = opt.osc_bind ? opt.osc_bind : "127.0.0.1",
		                .allow = (const char **)opt.osc_allow, .n_allow = opt.osc_allow ? (int)g_strv_length(opt.osc_allow) : 0,
		                .feedback = (const char **)opt.osc_feedback,
		                .n_feedback = opt.osc_feedback ? (int)g_strv_length(opt.osc_feedback) : 0,
		                .meter_rate = opt.meter_rate, .version = LATHE_VERSION };
		L->osc = osc_new(&L->app, &oo, err, sizeof err);
		if (!L->osc) {
			fprintf(stderr, "lathe: %s\n", err);
			return *failed = 1;
		}
		L->app.osc_port = opt.osc_port;
		L->app.osc_bind = oo.bind;
		L->app.osc_lan = strncmp(oo.bind, "127.", 4) != 0;
	}
	/* Lock what the RT path uses so it is never paged out.  Everything the
	 * engine needs was allocated and touched (memset) before activation, so it
	 * is resident now: MCL_ONFAULT locks resident pages and anything touched
	 * later, instead of pulling every page of every mapped library (GTK's
	 * included, in headless mode) into memory.  No MCL_FUTURE: with a small
	 * RLIMIT_MEMLOCK it makes later allocations fail.  Kernels before 4.4 do
	 * not know MCL_ONFAULT (EINVAL): lock everything there. */
	stop_watch_step("locking memory");
	int locked = mlockall(MCL_CURRENT | MCL_ONFAULT);
	if (locked != 0 && errno == EINVAL)
		locked = mlockall(MCL_CURRENT);
	if (locked != 0 && errno != EPERM && errno != ENOMEM)
		fprintf(stderr, "lathe: mlockall: %s\n", strerror(errno));
	return 0;
}

static int run_live(const char *mode)
{
	int headless = !strcmp(mode, "headless");
	live L;
	memset(&L, 0, sizeof L);
	/* Before anything else: every thread started from here on (JACK's, the
	 * analysis, OSC) inherits SIGINT/SIGTERM blocked; the watcher takes them. */
	if (stop_watch_start()) {
		fprintf(stderr, "lathe: cannot watch for SIGINT/SIGTERM: %s\n", strerror(errno));
		return 1;
	}
	lathe_params *p = params_new();
	/* Half a second of tap at 96 kHz (a power-of-two ring of 2 MB): the
	 * analysis thread drains it every 5 ms, so this is 100 polls of slack. */
	lathe_bus *bus = bus_new(0.5);
	if (!p || !bus) {
		fprintf(stderr, "lathe: out of memory\n");
		return 1;
	}
	L.app.params = p;
	L.app.bus = bus;
	L.app.session_file = opt.session;
	L.app.session_dir = opt.session_dir;
	int failed = 0;
	start_live(&L, mode, &failed);
	main_loop = g_main_loop_new(NULL, FALSE);
	int rc = failed;
	if (!failed && !stop_requested()) {
		stop_watch_step(headless ? "starting the main loop" : "starting the console");
		g_idle_add_full(G_PRIORITY_DEFAULT, on_started, NULL, NULL);
		if (!headless) {
			char *argv0[] = { "lathe", NULL };
			rc = gui_run(&L.app, 1, argv0);
		} else {
			g_main_loop_run(main_loop);
		}
	}
	osc_free(L.osc);
	sessions_free(L.sess);
	nsm_client_free(L.nsm);
	lathe_jack_free(L.jack);
	analysis_free(L.an);
	if (L.jackd > 0) {
		kill(L.jackd, SIGTERM);
		waitpid(L.jackd, NULL, 0);
	}
	stop_watch_end();
	g_main_loop_unref(main_loop);
	main_loop = NULL;
	bus_free(bus);
	params_free(p);
	return rc;
}

/* ---------------- offline modes ---------------- */

static int run_render(int argc, char **argv)
{
	if (argc != 4)
		return usage("render takes IN and OUT");
	if (opt.json && !opt.json_report)
		return usage("render --json takes a report file: --json=REPORT");
	/* Ctrl+C and kill stop the render within a block and leave nothing behind */
	stop_catch();
	render_opts ro = { .in = argv[2], .out = argv[3], .bits = opt.bits, .json = opt.json_report,
	                   .overwrite = opt.overwrite, .stop = stop_flag(), .progress = isatty(2), .say = stdout };
	/* dither: the user's explicit word only (a session file's default bypass=1 is not one) */
	if (opt.no_dither)
		ro.dither = RENDER_DITHER_OFF;
	for (int i = 0; opt.sets && opt.sets[i]; i++) {
		size_t n = strcspn(opt.sets[i], "=");
		if (n == strlen("/dither/bypass") && !strncmp(opt.sets[i], "/dither/bypass", n) && !opt.no_dither)
			ro.dither = RENDER_DITHER_AS_SET;
		if (n == strlen("/dither/bits") && !strncmp(opt.sets[i], "/dither/bits", n))
			ro.dither_bits_set = 1;
	}
	if (opt.target_lufs) {
		if (cli_number("--target-lufs", opt.target_lufs, -70, 0, 0, &ro.target_lufs))
			return 1;
		ro.has_target = 1;
	}
	lathe_params *p = params_new();
	if (!p || apply_settings(p)) {
		params_free(p);
		return 1;
	}
	char err[512] = "";
	int rc = render_file(p, &ro, err, sizeof err);
	params_free(p);
	if (rc && stop_requested()) {
		fprintf(stderr, "lathe: render stopped by %s; '%s' not written\n", stop_signal_name(stop_requested()), ro.out);
		stop_exit();
	}
	if (rc)
		fprintf(stderr, "lathe: %s\n", err);
	return rc ? 1 : 0;
}

/* analyze --json=FILE: the report that goes to stdout, into FILE instead.
 * Written as render writes its report: never over the input, an existing
 * FILE replaced only with -y, into FILE.tmp-PID renamed once complete. */
static int analyze_to(const char *in, const char *report, int (*run)(void *), void *user)
{
	char err[512], *tmp = g_strdup_printf("%s.tmp-%d", report, (int)getpid());
	struct stat in_st;
	int rc = 1, fd = -1, saved = -1;
	if (stat(in, &in_st)) {
		fprintf(stderr, "lathe: cannot open '%s': %s\n", in, strerror(errno));
		goto out;
	}
	if (file_check_output(report, "report", &in_st, opt.overwrite, err, sizeof err)) {
		fprintf(stderr, "lathe: %s\n", err);
		goto out;
	}
	if (opt.compare && file_same(report, opt.compare)) {
		fprintf(stderr, "lathe: report '%s' is the same file as MASTER '%s'\n", report, opt.compare);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		fprintf(stderr, "lathe: cannot write report '%s': %s\n", report, strerror(errno));
		goto out;
	}
	fflush(stdout);
	saved = dup(1);
	if (saved < 0 || dup2(fd, 1) < 0) {
		fprintf(stderr, "lathe: cannot write report '%s': %s\n", report, strerror(errno));
		goto out;
	}
	int failed = run(user);
	int wrote = fflush(stdout) == 0 && !ferror(stdout) && fsync(1) == 0;
	dup2(saved, 1);
	if (failed)
		goto out;
	if (!wrote || close(fd) || rename(tmp, report)) {
		fd = -1;
		fprintf(stderr, "lathe: cannot write report '%s': %s\n", report, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (saved >= 0)
		close(saved);
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	g_free(tmp);
	return rc;
}

static int analyze_run(void *file)
{
	char err[512] = "";
	if (opt.compare ? analyze_compare(file, opt.compare, opt.json, opt.plot, err, sizeof err)
	                : analyze_file(file, opt.json, opt.plot, err, sizeof err)) {
		fprintf(stderr, "lathe: %s\n", err);
		return 1;
	}
	return 0;
}

static int run_analyze(int argc, char **argv)
{
	if (argc != 3)
		return usage("analyze takes one FILE");
	if (opt.json_report)
		return analyze_to(argv[2], opt.json_report, analyze_run, argv[2]);
	return analyze_run(argv[2]);
}

int main(int argc, char **argv)
{
	/* the user's language for messages and dates, but '.' in every number
	 * read and printed (session files, reports, --target-lufs -14.5), and
	 * GTK told not to call setlocale(LC_ALL, "") again at its init */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	gtk_disable_setlocale();
	params_init();
	lathe_jack_quiet();
	/* `lathe album` has options of its own (--formats, --rate, -y): it parses them itself */
	if (argc > 1 && !strcmp(argv[1], "album"))
		return album_main(argc, argv);
	int mode_i, help, bad;
	find_mode(argc, argv, &mode_i, &help, &bad);
	if (bad)
		return 2;
	GOptionEntry entries[N_OPTIONS + 1];
	GOptionContext *ctx = mode_context(mode_i >= 0 || !help ? mode_i : -1, entries);
	if (mode_i < 0 && !help) {
		/* no mode: the console's options */
		g_option_context_free(ctx);
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
			if (modes[m].bit == M_CONSOLE)
				ctx = mode_context((int)m, entries);
	}
	GError *gerr = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		fprintf(stderr, "lathe: %s (see 'lathe --help')\n", gerr->message);
		return 2;
	}
	g_option_context_free(ctx);
	if (opt.version) {
		printf("lathe %s\n", LATHE_VERSION);
		return 0;
	}
	const char *mode = argc > 1 ? argv[1] : "console";
	double v;
	if (opt.osc_port_text) {
		if (cli_number("--osc-port", opt.osc_port_text, 1, 65535, 1, &v))
			return 1;
		opt.osc_port = (int)v;
	}
	if (opt.meter_rate_text) {
		if (cli_number("--meter-rate", opt.meter_rate_text, 0.5, 100, 0, &opt.meter_rate) /* osc.c serves 0.5..100 */)
			return 1;
	}
	if (gui_remote_wanted()) /* the console without a local engine (gui.h); the option table keeps it to the console */
		return argc > 2 ? usage("unexpected arguments after the mode") : gui_run_remote(argv[0]);
	if (!strcmp(mode, "console") || !strcmp(mode, "headless") || !strcmp(mode, "demo")) {
		if (argc > 2)
			return usage("unexpected arguments after the mode");
		return run_live(mode);
	}
	if (!strcmp(mode, "render"))
		return run_render(argc, argv);
	if (!strcmp(mode, "analyze"))
		return run_analyze(argc, argv);
	if (!strcmp(mode, "params")) {
		if (opt.json_report)
			return usage("params --json prints to stdout: no FILE");
		if (opt.osc_markdown) {
			osc_write_markdown(stdout);
			return 0;
		}
		if (opt.json)
			return params_write_json(stdout) ? 1 : 0;
		if (opt.markdown)
			params_write_markdown(stdout);
		else
			params_write_text(stdout);
		return 0;
	}
	fprintf(stderr, "lathe: unknown mode '%s' (see 'lathe --help')\n", mode);
	return 2;
}
