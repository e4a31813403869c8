/* `make install` as a packager runs it (DESTDIR, PREFIX=/usr), judged by the
 * tools GNOME and Debian judge it with: appstreamcli for the AppStream
 * metainfo, desktop-file-validate for the desktop entry.  The three names
 * must agree with the GtkApplication id, or the shell shows a generic icon
 * and software centres cannot find the application. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/support/fixture.h"

#define APP_ID "org.lathe.Console"

static char dest[256];

static int have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void installed(const char *rel, char *path, size_t len)
{
	snprintf(path, len, "%s/usr/%s", dest, rel);
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0 && S_ISREG(st.st_mode), "make install did not write %s", path);
}

static void setup(void)
{
	snprintf(dest, sizeof dest, "/tmp/lathe-install-%d", (int)getpid());
	rm_tree(dest);
	char cmd[2048];
	/* B = LATHE_BIN's build folder: install copies the binary this suite tests
	 * (make asan's, say) and builds nothing */
	char bdir[512];
	snprintf(bdir, sizeof bdir, "%s", fx_lathe_bin());
	char *slash = strrchr(bdir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(bdir, sizeof bdir, "build");
	snprintf(cmd, sizeof cmd, "make -s -C '%s' install B='%s' DESTDIR='%s' PREFIX=/usr >%s.log 2>&1", fx_src_dir(), bdir, dest, dest);
	int rc = system(cmd);
	ck_assert_msg(rc == 0, "make install failed (see %s.log)", dest);
}

static void teardown(void)
{
	rm_tree(dest);
	char log[300];
	snprintf(log, sizeof log, "%s.log", dest);
	unlink(log);
}

START_TEST(files_land_where_the_desktop_looks)
{
	char p[512];
	installed("bin/lathe", p, sizeof p);
	ck_assert_msg(access(p, X_OK) == 0, "%s is not executable", p);
	installed("share/man/man1/lathe.1", p, sizeof p);
	installed("share/applications/" APP_ID ".desktop", p, sizeof p);
	installed("share/metainfo/" APP_ID ".metainfo.xml", p, sizeof p);
	installed("share/icons/hicolor/scalable/apps/" APP_ID ".svg", p, sizeof p);
	installed("share/lathe/presets/streaming.lathe", p, sizeof p);
}
END_TEST

/* The desktop entry names the icon and the metainfo names the desktop
 * entry, each by the application id the console registers with GTK. */
START_TEST(names_agree_with_the_application_id)
{
	char p[512], line[512];
	snprintf(p, sizeof p, "%s/gui/gui.c", fx_src_dir());
	FILE *f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	int found = 0;
	while (fgets(line, sizeof line, f))
		found |= strstr(line, "gtk_application_new(\"" APP_ID "\"") != NULL;
	fclose(f);
	ck_assert_msg(found, "gui/gui.c does not register the application as %s", APP_ID);

	installed("share/applications/" APP_ID ".desktop", p, sizeof p);
	f = fopen(p, "r");
	int icon = 0;
	while (fgets(line, sizeof line, f))
		icon |= !strcmp(line, "Icon=" APP_ID "\n");
	fclose(f);
	ck_assert_msg(icon, "the desktop entry's Icon= is not %s", APP_ID);

	installed("share/metainfo/" APP_ID ".metainfo.xml", p, sizeof p);
	f = fopen(p, "r");
	int launch = 0;
	while (fgets(line, sizeof line, f))
		launch |= strstr(line, "<launchable type=\"desktop-id\">" APP_ID ".desktop</launchable>") != NULL;
	fclose(f);
	ck_assert_msg(launch, "the metainfo does not launch %s.desktop", APP_ID);
}
END_TEST

START_TEST(validators_accept_them)
{
	char p[512], cmd[1100];
	if (have("appstreamcli")) {
		installed("share/metainfo/" APP_ID ".metainfo.xml", p, sizeof p);
		snprintf(cmd, sizeof cmd, "appstreamcli validate --no-net '%s'", p);
		ck_assert_msg(system(cmd) == 0, "appstreamcli validate refuses %s", p);
	} else
		printf("  appstreamcli not installed: metainfo not validated\n");
	if (have("desktop-file-validate")) {
		installed("share/applications/" APP_ID ".desktop", p, sizeof p);
		snprintf(cmd, sizeof cmd, "desktop-file-validate '%s'", p);
		ck_assert_msg(system(cmd) == 0, "desktop-file-validate refuses %s", p);
	} else
		printf("  desktop-file-validate not installed: desktop entry not validated\n");
	if (have("rsvg-convert")) {
		installed("share/icons/hicolor/scalable/apps/" APP_ID ".svg", p, sizeof p);
		snprintf(cmd, sizeof cmd, "rsvg-convert -w 48 -h 48 '%s' -o /dev/null", p);
		ck_assert_msg(system(cmd) == 0, "rsvg-convert cannot draw %s", p);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("install");
	/* one install for the three checks: an unchecked fixture runs once, in the parent */
	TCase *t = suite_add_case(s, "install", 120, NULL, NULL);
	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_add_test(t, files_land_where_the_desktop_looks);
	tcase_add_test(t, names_agree_with_the_application_id);
	tcase_add_test(t, validators_accept_them);
	return run_suite(s);
}
