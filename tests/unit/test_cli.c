/* Tests for the option-number parser and the readiness pipe. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static const struct option opts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"list-scenarios", no_argument, NULL, 300},
    {"no-tcp", no_argument, NULL, 301},
    {"zone", required_argument, NULL, 'z'},
    {NULL, 0, NULL, 0},
};

/* Runs getopt_long as the programs do over "prog" and up to 3 arguments, and returns the
 * message for the first refusal ("" when there is none). */
static const char *first_error(char *buf, size_t len, const char *a1, const char *a2)
{
	char args[2][64], *argv[4] = {args[0], NULL, NULL, NULL};
	int c, argc = 1;
	char prog[] = "prog";
	argv[0] = prog;
	snprintf(args[0], sizeof args[0], "%s", a1);
	argv[argc++] = args[0];
	if (a2) {
		snprintf(args[1], sizeof args[1], "%s", a2);
		argv[argc++] = args[1];
	}
	optind = 0; /* 0, not 1: glibc starts afresh */
	opterr = 0;
	buf[0] = '\0';
	while ((c = getopt_long(argc, argv, ":l:z:q", opts, NULL)) != -1) {
		if (c == ':' || c == '?') {
			sp_option_error(buf, len, opts, c, optopt, argv[optind - 1]);
			break;
		}
	}
	return buf;
}

#define FIRST_ERROR(a1) first_error(buf, sizeof buf, a1, NULL)

static void test_option_error(void **state)
{
	char buf[200];
	assert_string_equal(FIRST_ERROR("--bogus"), "unknown option '--bogus'");
	assert_string_equal(FIRST_ERROR("--bogus=3"), "unknown option '--bogus'");
	assert_string_equal(FIRST_ERROR("-x"), "unknown option '-x'");
	assert_string_equal(FIRST_ERROR("-qx"), "unknown option '-x'");
	/* The bad letter first in its cluster: argv[optind - 1] is the argument before. */
	assert_string_equal(first_error(buf, sizeof buf, "-q", "-xq"), "unknown option '-x'");
	assert_string_equal(FIRST_ERROR("-l"), "option '-l' needs a value");
	assert_string_equal(FIRST_ERROR("-ql"), "option '-l' needs a value");
	assert_string_equal(FIRST_ERROR("--zone"), "option '--zone' needs a value");
	assert_string_equal(FIRST_ERROR("--zo"), "option '--zo' needs a value");
	assert_string_equal(FIRST_ERROR("--no-tcp=1"), "option '--no-tcp' takes no value");
	assert_string_equal(FIRST_ERROR("--no=1"), "option '--no-tcp' takes no value");
	assert_string_equal(FIRST_ERROR("--lis"),
			    "option '--lis' is ambiguous (--listen, --list-scenarios)");
	/* Too small a buffer: cut, still terminated. */
	char small[12];
	sp_option_error(small, sizeof small, opts, '?', 0, "--lis");
	assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_uint),
	    cmocka_unit_test(test_ready_signal),
	    cmocka_unit_test(test_ready_signal_errors),
	    cmocka_unit_test(test_option_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
