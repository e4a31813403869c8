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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../gui/console.h"
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
		for (int id = 0; id < P_COUNT; id++) {
			const param_info *pi = param_info_get(id);
			int on = section_of(r, id);
			if (pi->curve != CURVE_ENUM || (on >= 0 && on != sec))
				continue;
			if (!strcmp(pi->module, "eq") && pi->instance > 0)
				gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(r->c->eq_band_btn[pi->instance - 1]), TRUE);
			float was = param_get(p, id);
			for (int v = 0; v < pi->n_enums; v++) {
				param_set(p, id, (float)v, NULL);
				snprintf(state, sizeof state, "page %d %s=%s", sec, pi->path, pi->enums[v]);
				measure(r, state);
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
		}
	}
	for (int id = 0; id < P_COUNT; id++)
		param_set(p, id, param_info_get(id)->def, NULL);
	/* a long status message and a long session path */
	console_message(r->c, "preset loudmodern_streaming_master_with_a_very_long_name loaded (press Learn, or set the limiter drive, to reach its target)", FALSE);
	measure(r, "long status message");
	if (getenv("LATHE_FIT_DUMP"))
		dump_widths(r->c->window, 0, atoi(getenv("LATHE_FIT_DUMP")));
	printf("%s screen %dx%d: %d states, window %d..%d px wide (widest: %s), at most %d px high\n",
	       getenv("GDK_SCALE"), r->screen_w, r->screen_h, r->states, r->narrowest, r->widest, r->widest_state, r->tallest);
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
	rig_stop(r);
}
END_TEST

START_TEST(test_fits_2732x1536_at_scale_2)
{
	rig *r = rig_start("2732x1536x24", "2");
	walk_states(r);
	check_fits(r);
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
	walk_states(r);
	check_fits(r);
	ck_assert_int_eq(r->widest, 1280);
	ck_assert_int_eq(r->tallest, 720);
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
	return run_suite(s);
}
