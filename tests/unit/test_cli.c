/* Tests for the option-number parser and the readiness pipe. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "err.h"

static void test_parse_uint(void **state)
{
	unsigned long v = 99;
	assert_int_equal(sp_parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sp_parse_uint("65535", 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(sp_parse_uint("65536", 65535, &v), SP_ERANGE);
	assert_int_equal(sp_parse_uint("99999999999999999999999", ULONG_MAX, &v), SP_ERANGE);
	v = 7;
	const char *bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sp_parse_uint(bad[i], ULONG_MAX, &v), SP_ESYNTAX);
	assert_int_equal(v, 7); /* untouched on error */
}

static void test_ready_signal(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sp_ready_signal(p[1]), 0);
	char buf[16] = {0};
	assert_int_equal(read(p[0], buf, sizeof buf), 6);
	assert_string_equal(buf, "ready\n");
	/* The write end was closed: the reader sees end of file. */
	assert_int_equal(read(p[0], buf, sizeof buf), 0);
	close(p[0]);
}

static void test_ready_signal_errors(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	/* A descriptor open only for reading cannot carry the signal. */
	assert_int_equal(sp_ready_signal(p[0]), -EBADF);
	assert_int_equal(fcntl(p[0], F_GETFD), -1); /* closed all the same */
	assert_int_equal(sp_ready_signal(-1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_uint),
	    cmocka_unit_test(test_ready_signal),
	    cmocka_unit_test(test_ready_signal_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
