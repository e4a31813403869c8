/* lathe — the console fits a 1366x768 laptop screen (2732x1536 at scale 2)
 * in every state, keeps its size when a value changes, and can be made as
 * small as 1280x720.
 *
 * Real parts: a private X server (Xvfb) of exactly that size, a private
 * jackd (dummy backend) with lathe's JACK client and its demo player, the
 * sessions module, and the console in a real window.  The reference is the
 * X server's own account of the screen and of the window (xwininfo, another
 * program), never the console's constants.  Every page, every EQ band, every
 * value of every menu, and every parameter at its minimum and at its
 * maximum is shown, and the window's width measured each time. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../gui/console.h"
#include "../../gui/albumwin.h"
#include "../../engine/dsp/eq.h"
#include <sndfile.h>
#include <gdk/x11/gdkx.h>
#include "../../engine/jack.h"
#include "../../engine/meter/analysis.h"
#include "../../sessions/sessions.h"
#include "tests/support/check_main.h"
#include "tests/support/gui_env.h"
#include "tests/support/fixture.h"


/* ---- a private X server of a given size ---- */

static pid_t xvfb_start(const char *geometry)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		char fd[16];
		snprintf(fd, sizeof fd, "%d", fds[1]);
		execlp("Xvfb", "Xvfb", "-displayfd", fd, "-screen", "0", geometry, "-nolisten", "tcp", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[32] = "";
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof buf - 1 && (r = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0) {
		n += r;
		if (strchr(buf, '\n'))
			break;
	}
	close(fds[0]);
	ck_assert_msg(n > 0, "Xvfb did not start");
	char disp[40];
	snprintf(disp, sizeof disp, ":%d", atoi(buf));
	setenv("DISPLAY", disp, 1);
	return pid;
}

/* "Width:" and "Height:" as xwininfo reports them for ARGS ("-root", "-id 0x...") */
static void xwininfo_size(const char *args, int *w, int *h)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "xwininfo %s", args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[256];
	*w = *h = -1;
	while (fgets(line, sizeof line, p)) {
		sscanf(line, " Width: %d", w);
		sscanf(line, " Height: %d", h);
	}
	pclose(p);
	ck_assert_int_gt(*w, 0);
	ck_assert_int_gt(*h, 0);
}

/* ---- the console, wired as `lathe console` wires it ---- */

typedef struct {
	fixture fx;
	pid_t xvfb;
	char dir[64];
	lathe_app app;
	sessions *sess;
	GtkApplication *gapp;
	console *c;
	char xid[32];
	int screen_w, screen_h;
	int widest, narrowest, tallest, states;
	char widest_state[96];
	int widest_min;        /* the largest minimum width GTK measured for the window */
	char widest_min_state[96];
	gboolean check_cut;    /* check_nothing_cut in every state (the 1280x720 case) */
	int cut_checked;       /* control placements checked */
	int cut_failed;        /* of them, cut off (outside and not scrollable, or squeezed) */
	char cut_first[256];   /* the first of those */
	int album_w, album_h;  /* the Album window as the X server has it */
} rig;

static void spin_ms(int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_pending(NULL))
			g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
}

static rig *rig_start(const char *geometry, const char *scale)
{
	rig *r = g_new0(rig, 1);
	r->xvfb = xvfb_start(geometry);
	setenv("GDK_SCALE", scale, 1);
	setenv("GDK_BACKEND", "x11", 1); /* the window is measured as an X window */
	gui_test_env();
	xwininfo_size("-root", &r->screen_w, &r->screen_h);
	ck_assert_int_eq(fx_jackd_start(&r->fx, 48000, 256), 0);
	g_strlcpy(r->dir, "/tmp/lathe-fit-XXXXXX", sizeof r->dir);
	ck_assert_ptr_nonnull(g_mkdtemp(r->dir));
	params_init();
	r->app.params = params_new();
	r->app.bus = bus_new(0.5);
	r->app.analysis = analysis_new(r->app.bus, r->app.params);
	r->app.gui_meter = bus_add_meter_consumer(r->app.bus);
	jack_opts jo = { .name = "lathe-fit", .play_demo = 1 };
	r->app.jack = lathe_jack_new(r->app.params, r->app.bus, &jo);
	ck_assert_ptr_nonnull(r->app.jack);
	sessions_opts so = { .session_dir = r->dir, .state_dir = r->dir };
	char err[256];
	r->sess = sessions_new(&r->app, &so, err, sizeof err);
	ck_assert_msg(r->sess != NULL, "%s", err);
	r->app.osc_port = 7770;
	r->app.osc_bind = "127.0.0.1";
	r->gapp = gtk_application_new("org.lathe.FitTest", G_APPLICATION_NON_UNIQUE);
	ck_assert(g_application_register(G_APPLICATION(r->gapp), NULL, NULL));
	r->c = console_new(r->gapp, &r->app);
	gtk_window_present(GTK_WINDOW(r->c->window));
	spin_ms(1500);
	GdkSurface *s = gtk_native_get_surface(GTK_NATIVE(r->c->window));
	ck_assert(GDK_IS_X11_SURFACE(s));
	snprintf(r->xid, sizeof r->xid, "-id 0x%lx", (unsigned long)gdk_x11_surface_get_xid(s));
	r->narrowest = 1 << 30;
	/* wait for the demo mix to reach the meters: long numbers are part of every state */
	jack_status js;
	for (int i = 0; i < 50; i++) {
		lathe_jack_status(r->app.jack, &js);
		if (js.connected)
			break;
		spin_ms(100);
	}
	ck_assert(js.connected);
	spin_ms(1000);
	return r;
}

static void rig_stop(rig *r)
{
	gtk_window_destroy(GTK_WINDOW(r->c->window));
	spin_ms(50);
	sessions_free(r->sess);
	lathe_jack_free(r->app.jack);
	analysis_free(r->app.analysis);
	g_object_unref(r->gapp);
	bus_free(r->app.bus);
	params_free(r->app.params);
	fx_jackd_stop(&r->fx, SIGTERM);
	kill(r->xvfb, SIGTERM);
	waitpid(r->xvfb, NULL, 0);
	char *cmd = g_strdup_printf("rm -rf %s", r->dir);
	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
	g_free(r);
}

/* Let a few frames pass (the change shown, the window re-laid out), then ask
 * the X server how big the window is. */
static void measure(rig *r, const char *state)
{
	spin_ms(60);
	int w, h;
	xwininfo_size(r->xid, &w, &h);
	r->states++;
	if (w > r->widest) {
		r->widest = w;
		g_strlcpy(r->widest_state, state, sizeof r->widest_state);
	}
	r->narrowest = MIN(r->narrowest, w);
	r->tallest = MAX(r->tallest, h);
	/* what the window needs (its minimum, GTK's own measure): the margin left to the screen's edge */
	int min_w;
	gtk_widget_measure(r->c->window, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
	if (min_w > r->widest_min) {
		r->widest_min = min_w;
		g_strlcpy(r->widest_min_state, state, sizeof r->widest_min_state);
	}
	if (getenv("LATHE_FIT_VERBOSE"))
		printf("  %-40s %dx%d\n", state, w, h);
	/* LATHE_FIT_SHOTS=DIR: the screen as the X server has it, once per page, for looking at */
	const char *shots = getenv("LATHE_FIT_SHOTS");
	if (shots && !strncmp(state, "page ", 5) && !strchr(state + 5, ' ')) {
		char *cmd = g_strdup_printf("import -window root '%s/%s-%s.png'", shots, getenv("GDK_SCALE"), state + 5);
		ck_assert_int_eq(system(cmd), 0);
		g_free(cmd);
	}
}

/* LATHE_FIT_DUMP=DEPTH: who asks for how much width (for whoever fixes a failure) */
static void dump_widths(GtkWidget *w, int depth, int max)
{
	int min, nat;
	gtk_widget_measure(w, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
	printf("%*s%s%s%s min %d nat %d alloc %d\n", 2 * depth, "", G_OBJECT_TYPE_NAME(w),
	       gtk_widget_get_css_classes(w)[0] ? "." : "", gtk_widget_get_css_classes(w)[0] ? gtk_widget_get_css_classes(w)[0] : "",
	       min, nat, gtk_widget_get_width(w));
	if (depth < max)
		for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
			dump_widths(c, depth + 1, max);
}

/* "Usable, nothing cut off": every control on screen (the page's, the
 * monitor's, the target's) lies inside the window, or inside a scrolled
 * window that can bring it into view.  Bounds are GTK's (where it placed the
 * control); the window's size is the X server's (measure). */
static void check_nothing_cut(rig *r, const char *state)
{
	/* in the surface's coordinates: the window widget sits inside it at the
	 * surface transform (its client-side decoration's margin) */
	GdkSurface *surf = gtk_native_get_surface(GTK_NATIVE(r->c->window));
	int ww = gdk_surface_get_width(surf), wh = gdk_surface_get_height(surf);
	double sx, sy;
	gtk_native_get_surface_transform(GTK_NATIVE(r->c->window), &sx, &sy);
	/* the session's name in the header is whole ("untitled •"; the path under it may shorten) */
	r->cut_checked++;
	if (pango_layout_is_ellipsized(gtk_label_get_layout(GTK_LABEL(r->c->title))) && !r->cut_failed++)
		snprintf(r->cut_first, sizeof r->cut_first, "%s: the title \"%s\" is shortened to %d px", state,
		         gtk_label_get_text(GTK_LABEL(r->c->title)), gtk_widget_get_width(r->c->title));
	for (int id = 0; id < P_COUNT; id++) {
		gui_control *gc = r->c->controls[id];
		if (!gc || !gtk_widget_get_mapped(gc->root))
			continue;
		graphene_rect_t b;
		ck_assert(gtk_widget_compute_bounds(gc->root, r->c->window, &b));
		b.origin.x += (float)sx;
		b.origin.y += (float)sy;
		gboolean inside = b.origin.x >= -0.5 && b.origin.y >= -0.5 && b.origin.x + b.size.width <= ww + 0.5 &&
		                  b.origin.y + b.size.height <= wh + 0.5;
		GtkWidget *scroller = gtk_widget_get_ancestor(gc->root, GTK_TYPE_SCROLLED_WINDOW);
		char why[256] = "";
		if (!inside && !scroller)
			snprintf(why, sizeof why, "%s: %s's control at %.0f,%.0f %.0fx%.0f is outside the %dx%d window and not in a scroller",
			         state, param_info_get(id)->path, b.origin.x, b.origin.y, b.size.width, b.size.height, ww, wh);
		/* and no control is squeezed below the width it asks for (GTK then clips it) */
		int min;
		gtk_widget_measure(gc->root, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
		min -= gtk_widget_get_margin_start(gc->root) + gtk_widget_get_margin_end(gc->root); /* measure counts them, the width not */
		if (!why[0] && gtk_widget_get_width(gc->root) < min)
			snprintf(why, sizeof why, "%s: %s's control %d px wide, needs %d", state, param_info_get(id)->path,
			         gtk_widget_get_width(gc->root), min);
		r->cut_checked++;
		if (why[0]) {
			if (!r->cut_failed++)
				g_strlcpy(r->cut_first, why, sizeof r->cut_first);
			if (getenv("LATHE_FIT_VERBOSE"))
				printf("  cut: %s\n", why);
		}
	}
}

/* ---- the Album window, with an album of long names ---- */

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void put_wav(const char *path, double secs)
{
	SF_INFO si = { .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
	ck_assert_ptr_nonnull(sf);
	static float buf[2 * 4800];
	for (int i = 0; i < 4800; i++)
		buf[2 * i] = buf[2 * i + 1] = 0.25f * (float)sin(2 * G_PI * 440.0 * i / 48000.0);
	for (double t = 0; t < secs; t += 0.1)
		sf_writef_float(sf, buf, 4800);
	sf_close(sf);
}

/* Opens the Album window (the console's win.album, as Ctrl+Shift+A does) on
 * an album whose names are long, selects each track, and measures the
 * window each time. */
static void walk_album(rig *r)
{
	char path[160], wav1[160], wav2[160];
	snprintf(wav1, sizeof wav1, "%s/an_unusually_long_mix_file_name_for_the_opening_track_v12_final.wav", r->dir);
	snprintf(wav2, sizeof wav2, "%s/two.wav", r->dir);
	put_wav(wav1, 1.0);
	put_wav(wav2, 1.0);
	snprintf(path, sizeof path, "%s/fit.lathe-album", r->dir);
	char *text = g_strdup_printf(
	        "[album]\nformat=1\ntitle=A Very Long Album Title That Goes On And On (Deluxe Anniversary Remaster)\n"
	        "performer=The Orchestra and Chorus of the Extremely Long Ensemble Name\nupc=036000291452\n\n"
	        "[track 1]\nfile=%s\ntitle=The First Song Has a Title Long Enough to Wrap Twice Over in Any Table\n"
	        "isrc=GB-XYZ-26-00001\n\n[track 2]\nfile=%s\ntitle=Closer\nisrc=GBXYZ2600002\ngap=1.5\ngain_db=-1\n",
	        wav1, wav2);
	put_file(path, text);
	g_free(text);
	g_action_group_activate_action(G_ACTION_GROUP(r->c->window), "album", NULL);
	spin_ms(500);
	albumwin *w = g_object_get_data(G_OBJECT(r->c->window), "albumwin");
	ck_assert_ptr_nonnull(w);
	char err[512];
	ck_assert_msg(albumwin_open_file(w, path, err, sizeof err) == 0, "%s", err);
	GdkSurface *s = gtk_native_get_surface(GTK_NATIVE(w->window));
	ck_assert(GDK_IS_X11_SURFACE(s));
	char xid[32];
	snprintf(xid, sizeof xid, "-id 0x%lx", (unsigned long)gdk_x11_surface_get_xid(s));
	for (int t = -1; t < 2; t++) {
		if (t >= 0)
			albumwin_select(w, t);
		spin_ms(300);
		int aw, ah;
		xwininfo_size(xid, &aw, &ah);
		r->album_w = MAX(r->album_w, aw);
		r->album_h = MAX(r->album_h, ah);
		r->states++;
		if (getenv("LATHE_FIT_VERBOSE"))
			printf("  album window, track %d selected        %dx%d\n", t + 1, aw, ah);
	}
	const char *shots = getenv("LATHE_FIT_SHOTS");
	if (shots) {
		char *cmd = g_strdup_printf("import -window root '%s/%s-album.png'", shots, getenv("GDK_SCALE"));
		ck_assert_int_eq(system(cmd), 0);
		g_free(cmd);
	}
	printf("%s screen %dx%d: Album window at most %dx%d\n", getenv("GDK_SCALE"), r->screen_w, r->screen_h, r->album_w, r->album_h);
	ck_assert_msg(r->album_w <= r->screen_w && r->album_h <= r->screen_h, "Album window %dx%d on a %dx%d screen",
	              r->album_w, r->album_h, r->screen_w, r->screen_h);
	gtk_window_close(GTK_WINDOW(w->window));
	spin_ms(100);
}

static void show_section(rig *r, int sec)
{
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(r->c->section_btn[sec]), TRUE);
}

/* The page (index in the section stack) a parameter's control is on, -1
 * when it is outside the pages (always shown). */
static int section_of(const rig *r, int id)
{
	GtkWidget *w = r->c->controls[id]->root;
	while (w && gtk_widget_get_parent(w) != r->c->stack)
		w = gtk_widget_get_parent(w);
	if (!w)
		return -1;
	GListModel *pages = G_LIST_MODEL(gtk_stack_get_pages(GTK_STACK(r->c->stack)));
	int found = -1;
	for (guint i = 0; i < g_list_model_get_n_items(pages) && found < 0; i++) {
		GtkStackPage *pg = g_list_model_get_item(pages, i);
		if (gtk_stack_page_get_child(pg) == w)
			found = (int)i;
		g_object_unref(pg);
	}
	g_object_unref(pages);
	return found;
}

/* Every state: each page; on it, each value of each menu it shows (EQ: with
 * the band selected); menus outside the pages (monitor, target) on every
 * page; then every parameter at its minimum, at its maximum. */
static void walk_states(rig *r)
{
	lathe_params *p = r->app.params;
	char state[96];
	measure(r, "start");
	for (int sec = 0; sec < CONSOLE_SECTIONS; sec++) {
		show_section(r, sec);
		snprintf(state, sizeof state, "page %d", sec);
		measure(r, state);
		if (r->check_cut)
			check_nothing_cut(r, state);
		for (int id = 0; id < P_COUNT; id++) {
			const param_info *pi = param_info_get(id);
			int on = section_of(r, id);
			if ((pi->curve != CURVE_ENUM && pi->curve != CURVE_TOGGLE) || (on >= 0 && on != sec))
				continue;
			if (!strcmp(pi->module, "eq") && pi->instance > 0)
				gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(r->c->eq_band_btn[pi->instance - 1]), TRUE);
			float was = param_get(p, id);
			/* a toggle's two values too: the monitor's Dim, Mute, Mono... light up and relabel */
			int n = pi->curve == CURVE_ENUM ? pi->n_enums : 2;
			for (int v = 0; v < n; v++) {
				param_set(p, id, (float)v, NULL);
				snprintf(state, sizeof state, "page %d %s=%s", sec, pi->path,
				         pi->curve == CURVE_ENUM ? pi->enums[v] : v ? "on" : "off");
				measure(r, state);
				if (r->check_cut)
					check_nothing_cut(r, state);
			}
			param_set(p, id, was, NULL);
		}
	}
	for (int ext = 0; ext < 2; ext++) {
		for (int id = 0; id < P_COUNT; id++) {
			const param_info *pi = param_info_get(id);
			param_set(p, id, ext ? pi->max : pi->min, NULL);
		}
		for (int sec = 0; sec < CONSOLE_SECTIONS; sec++) {
			show_section(r, sec);
			snprintf(state, sizeof state, "every parameter at its %s, page %d", ext ? "maximum" : "minimum", sec);
			measure(r, state);
			if (r->check_cut)
				check_nothing_cut(r, state);
		}
	}
	for (int id = 0; id < P_COUNT; id++)
		param_set(p, id, param_info_get(id)->def, NULL);
	/* a long status message and a long session path */
	console_message(r->c, "preset loudmodern_streaming_master_with_a_very_long_name loaded (press Learn, or set the limiter drive, to reach its target)", FALSE);
	measure(r, "long status message");
	if (getenv("LATHE_FIT_DUMP"))
		dump_widths(r->c->window, 0, atoi(getenv("LATHE_FIT_DUMP")));
	printf("%s screen %dx%d: %d states, window %d..%d px wide (widest: %s), at most %d px high; "
	       "its minimum width at most %d px (%s)\n",
	       getenv("GDK_SCALE"), r->screen_w, r->screen_h, r->states, r->narrowest, r->widest, r->widest_state, r->tallest,
	       r->widest_min, r->widest_min_state);
	fflush(stdout);
}

static void check_fits(rig *r)
{
	ck_assert_msg(r->widest <= r->screen_w, "window %d px wide on a %d px screen (%s)", r->widest, r->screen_w, r->widest_state);
	ck_assert_msg(r->tallest <= r->screen_h, "window %d px high on a %d px screen", r->tallest, r->screen_h);
	ck_assert_msg(r->narrowest == r->widest, "the window's width changed with the values: %d..%d px (widest: %s)",
	              r->narrowest, r->widest, r->widest_state);
}

START_TEST(test_fits_1366x768)
{
	rig *r = rig_start("1366x768x24", "1");
	walk_states(r);
	check_fits(r);
	walk_album(r);
	rig_stop(r);
}
END_TEST

START_TEST(test_fits_2732x1536_at_scale_2)
{
	rig *r = rig_start("2732x1536x24", "2");
	walk_states(r);
	check_fits(r);
	walk_album(r);
	rig_stop(r);
}
END_TEST

/* Made smaller, down to 1280x720: the window takes that size and keeps it
 * in every state (what does not fit scrolls), every page still shown. */
START_TEST(test_usable_at_1280x720)
{
	rig *r = rig_start("1366x768x24", "1");
	gtk_window_set_default_size(GTK_WINDOW(r->c->window), 1280, 720);
	spin_ms(500);
	setenv("GDK_SCALE", "1 (1280x720)", 1); /* names the screenshots and the summary */
	r->check_cut = TRUE;
	walk_states(r);
	check_fits(r);
	ck_assert_int_eq(r->widest, 1280);
	ck_assert_int_eq(r->tallest, 720);
	printf("1280x720: %d control placements checked, %d cut off\n", r->cut_checked, r->cut_failed);
	ck_assert_int_gt(r->cut_checked, 0);
	ck_assert_msg(r->cut_failed == 0, "%d cut off, the first: %s", r->cut_failed, r->cut_first);
	rig_stop(r);
}
END_TEST

/* The EQ graph draws every band: band 8 (and others after a burst of
 * changes) was left out of the curve once.  Reference: the EQ module's own
 * response, eq_response_db (engine/dsp/eq.c), at the view's frequencies. */
START_TEST(test_eq_view_draws_every_band)
{
	rig *r = rig_start("1366x768x24", "1");
	show_section(r, 1);
	lathe_params *p = r->app.params;
	/* a burst: every band changed at once, more than the view recomputes per frame */
	static const float gains[EQ_BANDS] = { 2, -3, 4, -2, 3, -4, 2, 6 };
	for (int b = 0; b < EQ_BANDS; b++) {
		param_set(p, P_EQ_TYPE + b, b == EQ_BANDS - 1 ? 2 /* high_shelf */ : 0 /* bell */, NULL);
		param_set(p, P_EQ_GAIN + b, gains[b], NULL);
	}
	spin_ms(1500);
	eq_view *v = r->c->eq;
	ck_assert_int_gt(v->curve_n, 100);
	double worst = 0;
	int worst_i = 0;
	for (int i = 0; i < v->curve_n; i++) {
		/* the view's point i: EQ_CURVE_STEP px apart on a log axis of 20 Hz..20 kHz
		 * over the plot's width (the area less its 34 + 10 px side margins, eqview.c) */
		double pw = gtk_widget_get_width(v->area) - 44.0;
		double f = 20.0 * pow(1000.0, i * EQ_CURVE_STEP / pw);
		double e = fabs(v->curve[i] - eq_response_db(p, v->rate, f));
		if (e > worst) {
			worst = e;
			worst_i = i;
		}
	}
	printf("EQ view: %d points, worst %.3f dB from the EQ's response (point %d)\n", v->curve_n, worst, worst_i);
	ck_assert_msg(worst < 0.3, "the EQ graph is %.2f dB off the EQ's response at point %d of %d", worst, worst_i, v->curve_n);
	rig_stop(r);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("console_fit");
	/* one case each, so CK_RUN_CASE can pick one */
	tcase_add_test(suite_add_case(s, "screen_1366x768", 240, NULL, NULL), test_fits_1366x768);
	tcase_add_test(suite_add_case(s, "screen_2732x1536_scale_2", 240, NULL, NULL), test_fits_2732x1536_at_scale_2);
	tcase_add_test(suite_add_case(s, "smaller_1280x720", 120, NULL, NULL), test_usable_at_1280x720);
	tcase_add_test(suite_add_case(s, "eq_view_every_band", 60, NULL, NULL), test_eq_view_draws_every_band);
	return run_suite(s);
}
