/* Tests for giving up capabilities; each case runs in a child, so the test keeps its own. */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "caps.h"

/* Runs fn in a child and returns its exit status (fn's return value), or -1. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int have_root_caps(void)
{
	uint64_t e, p, b;
	return caps_get(&e, &p, &b) == 0 && (e & CAPS_BIT(CAP_SETPCAP)) &&
	       (e & CAPS_BIT(CAP_NET_RAW));
}

static int keep_one(void)
{
	uint64_t e, p, b;
	if (caps_limit(CAPS_BIT(CAP_DAC_OVERRIDE), 0) != 0)
		return 1;
	if (caps_get(&e, &p, &b) != 0)
		return 2;
	if (e != CAPS_BIT(CAP_DAC_OVERRIDE) || p != CAPS_BIT(CAP_DAC_OVERRIDE))
		return 3;
	/* bounding 0: the bounding set is left as it was */
	return (b & CAPS_BIT(CAP_NET_RAW)) ? 0 : 4;
}

static void test_keep_one(void **state)
{
	(void)state;
	if (!have_root_caps())
		skip();
	assert_int_equal(in_child(keep_one), 0);
}

/* CapEff of a program executed after the drop, read from its own /proc/self/status. */
static int exec_gets_nothing(void)
{
	if (caps_limit(0, 1) != 0)
		return 1;
	uint64_t e, p, b;
	if (caps_get(&e, &p, &b) != 0 || e || p || b)
		return 2;
	int fd[2];
	if (pipe(fd) < 0)
		return 3;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	char buf[8192];
	size_t n = 0;
	ssize_t k;
	while (n < sizeof buf - 1 && (k = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	waitpid(pid, NULL, 0);
	/* Root executing a program gets its bounding set back unless that set is empty. */
	if (!strstr(buf, "CapEff:\t0000000000000000") ||
	    !strstr(buf, "CapPrm:\t0000000000000000") || !strstr(buf, "CapBnd:\t0000000000000000"))
		return 4;
	return 0;
}

static void test_exec_gets_nothing(void **state)
{
	(void)state;
	if (!have_root_caps())
		skip();
	assert_int_equal(in_child(exec_gets_nothing), 0);
}

/* keep names what may stay, not what is granted: a dropped capability does not come back. */
static int no_gain(void)
{
	uint64_t e, p, b;
	if (caps_limit(0, 0) != 0 || caps_limit(CAPS_BIT(CAP_NET_RAW), 0) != 0)
		return 1;
	if (caps_get(&e, &p, &b) != 0)
		return 2;
	return e == 0 && p == 0 ? 0 : 3;
}

static void test_no_gain(void **state)
{
	(void)state;
	assert_int_equal(in_child(no_gain), 0);
}

/* Without CAP_SETPCAP the bounding set cannot be emptied: an error, not a silent pass. */
static int bounding_needs_setpcap(void)
{
	if (caps_limit(CAPS_BIT(CAP_NET_RAW), 0) != 0)
		return 1;
	return caps_limit(0, 1) == -EPERM ? 0 : 2;
}

static void test_bounding_needs_setpcap(void **state)
{
	(void)state;
	if (!have_root_caps())
		skip();
	assert_int_equal(in_child(bounding_needs_setpcap), 0);
}

/* Root gives up everything, bounding set included; a process holding nothing (an ordinary
 * user) is left as it is, without the EPERM that emptying the bounding set would draw. */
static int drop_all(void)
{
	uint64_t e, p, b;
	if (caps_drop_all() != 0 || caps_get(&e, &p, &b) != 0 || e || p || b)
		return 1;
	return caps_drop_all() == 0 ? 0 : 2;
}

static void test_drop_all(void **state)
{
	(void)state;
	if (!have_root_caps())
		skip();
	assert_int_equal(in_child(drop_all), 0);
}

static int drop_all_holding_none(void)
{
	uint64_t e, p, b, b0;
	if (caps_limit(0, 0) != 0 || caps_get(&e, &p, &b0) != 0)
		return 1;
	if (caps_drop_all() != 0 || caps_get(&e, &p, &b) != 0)
		return 2;
	return e == 0 && p == 0 && b == b0 ? 0 : 3;
}

static void test_drop_all_holding_none(void **state)
{
	(void)state;
	assert_int_equal(in_child(drop_all_holding_none), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keep_one), cmocka_unit_test(test_exec_gets_nothing),
	    cmocka_unit_test(test_no_gain),  cmocka_unit_test(test_bounding_needs_setpcap),
	    cmocka_unit_test(test_drop_all), cmocka_unit_test(test_drop_all_holding_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
