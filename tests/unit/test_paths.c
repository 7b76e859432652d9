/* Unit tests for the run-time paths (lib/paths.c): build tree, install tree, overrides. */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "paths.h"
#include "sp_config.h"

static void unset_all(void)
{
	unsetenv("STUBPROBE_DATADIR");
	unsetenv("STUBPROBE_BINDIR");
	unsetenv("STUBPROBE_LIBEXECDIR");
}

static int setup(void **state)
{
	unset_all();
	return 0;
}

static void expect_join(const char *dir, const char *rel, const char *want)
{
	char out[PATHS_MAX];
	assert_int_equal(paths_join(dir, rel, out, sizeof out), 0);
	if (strcmp(out, want) != 0)
		fail_msg("join('%s', '%s') = '%s', want '%s'", dir, rel, out, want);
}

static void test_join(void **state)
{
	expect_join("/usr/bin", "../share/stubprobe", "/usr/share/stubprobe");
	expect_join("/usr/bin", "../libexec/stubprobe", "/usr/libexec/stubprobe");
	expect_join("/opt/sp/bin/", "./../share//stubprobe/", "/opt/sp/share/stubprobe");
	expect_join("/bin", "../..", "/");
	expect_join("/", "../share", "/share");
	expect_join("/usr/bin", "/etc/stubprobe", "/etc/stubprobe");
	expect_join("bin", "../share", "share");
	expect_join("bin", "../..", "..");
	expect_join("../bin", "../../share", "../../share");
	expect_join("a", "..", ".");
}

static void test_join_no_space(void **state)
{
	char out[16];
	assert_int_equal(paths_join("/usr/bin", "../share/stubprobe", out, sizeof out),
			 SP_ENOSPACE);
	char exact[sizeof("/usr/share")];
	assert_int_equal(paths_join("/usr/bin", "../share", exact, sizeof exact), 0);
	assert_string_equal(exact, "/usr/share");
	assert_int_equal(paths_join("/usr/bin", "../share", exact, sizeof exact - 1), SP_ENOSPACE);
}

/* The unit tests are built into the build tree's bin/, as the programs are. */
static void test_self_dir_is_build_bindir(void **state)
{
	char self[PATHS_MAX];
	assert_int_equal(paths_self_dir(self, sizeof self), 0);
	assert_true(paths_is_build_bindir(self));
	assert_true(paths_is_build_bindir(SP_BUILD_BINDIR));
	assert_false(paths_is_build_bindir("/usr/bin"));
	assert_false(paths_is_build_bindir("/nonexistent/bin"));
	assert_false(paths_is_build_bindir(NULL));
}

static void test_build_tree(void **state)
{
	char out[PATHS_MAX];
	assert_int_equal(paths_datadir_from(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, SP_DATADIR);
	assert_int_equal(paths_datadir(out, sizeof out), 0);
	assert_string_equal(out, SP_DATADIR);
	assert_int_equal(paths_bindir_from(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, SP_BUILD_BINDIR);
	assert_int_equal(paths_helperdir(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, SP_BUILD_BINDIR);
	char self[PATHS_MAX], bindir[PATHS_MAX];
	assert_int_equal(paths_self_dir(self, sizeof self), 0);
	assert_int_equal(paths_bindir(bindir, sizeof bindir), 0);
	assert_string_equal(bindir, self);
}

static void mkdir_p(const char *path)
{
	char buf[PATHS_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	assert_int_equal(mkdir(buf, 0755), 0);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* An installed tree in a temporary prefix: everything relative to its bin/, as configured
 * (../share/stubprobe and ../libexec/stubprobe by default). */
static void test_install_tree(void **state)
{
	char prefix[] = "/tmp/sp-paths.XXXXXX";
	assert_non_null(mkdtemp(prefix));
	char bin[PATHS_MAX], libexec[PATHS_MAX], want[PATHS_MAX], out[PATHS_MAX];
	snprintf(bin, sizeof bin, "%s/bin", prefix);
	mkdir_p(bin);

	assert_int_equal(paths_join(bin, SP_REL_DATADIR, want, sizeof want), 0);
	assert_int_equal(paths_datadir_from(bin, out, sizeof out), 0);
	assert_string_equal(out, want);
	assert_int_equal(paths_bindir_from(bin, out, sizeof out), 0);
	assert_string_equal(out, bin);

	/* No helper directory yet: the helpers beside the programs, as in a copied bin/. */
	assert_int_equal(paths_helperdir(bin, out, sizeof out), 0);
	assert_string_equal(out, bin);
	assert_int_equal(paths_join(bin, SP_REL_LIBEXECDIR, libexec, sizeof libexec), 0);
	mkdir_p(libexec);
	assert_int_equal(paths_helperdir(bin, out, sizeof out), 0);
	assert_string_equal(out, libexec);

	assert_int_equal(nftw(prefix, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_unknown_self_dir(void **state)
{
	char out[PATHS_MAX];
	assert_int_equal(paths_datadir_from(NULL, out, sizeof out), 0);
	assert_string_equal(out, SP_INSTALL_DATADIR);
	assert_int_equal(paths_bindir_from(NULL, out, sizeof out), 0);
	assert_string_equal(out, SP_INSTALL_BINDIR);
}

static void test_env_overrides(void **state)
{
	char out[PATHS_MAX];
	setenv("STUBPROBE_DATADIR", "/srv/data", 1);
	setenv("STUBPROBE_BINDIR", "/srv/bin", 1);
	setenv("STUBPROBE_LIBEXECDIR", "/srv/helpers", 1);
	assert_int_equal(paths_datadir_from(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, "/srv/data");
	assert_int_equal(paths_datadir_from("/usr/bin", out, sizeof out), 0);
	assert_string_equal(out, "/srv/data");
	assert_int_equal(paths_bindir_from("/usr/bin", out, sizeof out), 0);
	assert_string_equal(out, "/srv/bin");
	assert_int_equal(paths_helperdir(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, "/srv/helpers");

	/* Empty means unset, as a shell's VAR= would. */
	setenv("STUBPROBE_DATADIR", "", 1);
	setenv("STUBPROBE_BINDIR", "", 1);
	setenv("STUBPROBE_LIBEXECDIR", "", 1);
	char want[PATHS_MAX];
	assert_int_equal(paths_join("/usr/bin", SP_REL_DATADIR, want, sizeof want), 0);
	assert_int_equal(paths_datadir_from("/usr/bin", out, sizeof out), 0);
	assert_string_equal(out, want);
	assert_int_equal(paths_bindir_from("/usr/bin", out, sizeof out), 0);
	assert_string_equal(out, "/usr/bin");
	assert_int_equal(paths_helperdir(SP_BUILD_BINDIR, out, sizeof out), 0);
	assert_string_equal(out, SP_BUILD_BINDIR);
	unset_all();
}

static void test_no_space(void **state)
{
	char small[4];
	assert_int_equal(paths_datadir_from(SP_BUILD_BINDIR, small, sizeof small), SP_ENOSPACE);
	assert_int_equal(paths_bindir_from("/usr/bin", small, sizeof small), SP_ENOSPACE);
	assert_int_equal(paths_helperdir(SP_BUILD_BINDIR, small, sizeof small), SP_ENOSPACE);
	assert_int_equal(paths_self_dir(small, sizeof small), SP_ENOSPACE);
	setenv("STUBPROBE_DATADIR", "/a/long/directory", 1);
	assert_int_equal(paths_datadir_from(NULL, small, sizeof small), SP_ENOSPACE);
	unset_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_join, setup),
	    cmocka_unit_test_setup(test_join_no_space, setup),
	    cmocka_unit_test_setup(test_self_dir_is_build_bindir, setup),
	    cmocka_unit_test_setup(test_build_tree, setup),
	    cmocka_unit_test_setup(test_install_tree, setup),
	    cmocka_unit_test_setup(test_unknown_self_dir, setup),
	    cmocka_unit_test_setup(test_env_overrides, setup),
	    cmocka_unit_test_setup(test_no_space, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
