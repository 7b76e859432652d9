/* Unit tests for fakens's privilege drop (fakens/privdrop.c). Each drop runs in a child
 * process, which reports by its exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "privdrop.h"

#define SKIPPED 77

/* Runs fn in a child; its exit status. */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int nobody(uid_t *uid, gid_t *gid) { return privdrop_lookup("nobody", uid, gid); }

static void test_lookup(void **state)
{
	uid_t uid = 1;
	gid_t gid = 1;
	assert_int_equal(privdrop_lookup("root", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(privdrop_lookup("no-such-user-stubprobe", &uid, &gid), SP_ENOTFOUND);
	assert_int_equal(privdrop_lookup("", &uid, &gid), SP_ENOTFOUND);
}

static int drop_as_root(void)
{
	uid_t uid;
	gid_t gid;
	char note[256];
	if (geteuid() != 0 || nobody(&uid, &gid) < 0)
		return SKIPPED;
	if (privdrop_apply("nobody", uid, gid, note, sizeof(note)) != 0)
		return 1;
	if (strncmp(note, "dropped to nobody (", 19) != 0)
		return 2;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return 3;
	gid_t groups[8];
	int n = getgroups(8, groups);
	if (n != 1 || groups[0] != gid)
		return 4;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 5;
	return 0;
}

static void test_drop_as_root(void **state)
{
	int rc = in_child(drop_as_root);
	if (rc == SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

static int not_root(void)
{
	uid_t uid;
	gid_t gid;
	char note[256];
	if (nobody(&uid, &gid) < 0)
		return SKIPPED;
	if (geteuid() == 0 && (setgid(gid) < 0 || setuid(uid) < 0))
		return 1;
	if (privdrop_apply("nobody", uid, gid, note, sizeof(note)) != 0)
		return 2;
	return strncmp(note, "kept: not started as root", 25) == 0 ? 0 : 3;
}

static void test_not_root(void **state)
{
	int rc = in_child(not_root);
	if (rc == SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

static int root_user(void)
{
	char note[256];
	if (geteuid() != 0)
		return SKIPPED;
	if (privdrop_apply("root", 0, 0, note, sizeof(note)) != 0)
		return 1;
	if (geteuid() != 0 || strcmp(note, "kept: --user root is root") != 0)
		return 2;
	return 0;
}

static void test_root_user(void **state)
{
	int rc = in_child(root_user);
	if (rc == SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* As under `unshare -U -r`: root inside, setgroups denied, nobody unmapped. */
static int in_user_namespace(void)
{
	uid_t uid, outer_uid = geteuid();
	gid_t gid, outer_gid = getegid();
	char map[64], note[256];
	if (nobody(&uid, &gid) < 0 || unshare(CLONE_NEWUSER) < 0)
		return SKIPPED;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)outer_uid);
	if (write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", map) < 0)
		return 1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)outer_gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return 2;
	if (geteuid() != 0)
		return 3;
	if (privdrop_apply("nobody", uid, gid, note, sizeof(note)) != 0)
		return 4;
	if (strncmp(note, "skipped: setgroups: ", 20) != 0)
		return 5;
	return geteuid() == 0 ? 0 : 6;
}

static void test_user_namespace(void **state)
{
	int rc = in_child(in_user_namespace);
	if (rc == SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),         cmocka_unit_test(test_drop_as_root),
	    cmocka_unit_test(test_not_root),       cmocka_unit_test(test_root_user),
	    cmocka_unit_test(test_user_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
