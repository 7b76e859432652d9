/* Unit tests for the named-scenario catalogue (lib/scenario.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "scenario.h"
#include "sp_config.h"

#define MS 1000000ULL

static int parse_str(const char *text, scenario_list_t *l, int *line, char *why, size_t wl)
{
	return scenario_parse(text, strlen(text), l, line, why, wl);
}

static void expect_error(const char *text, int err, int line, const char *why_part)
{
	scenario_list_t l;
	int errline = -1;
	char why[256];
	int rc = parse_str(text, &l, &errline, why, sizeof why);
	if (rc != err)
		fail_msg("%s: got %d (%s), want %d", text, rc, why, err);
	assert_int_equal(errline, line);
	if (!strstr(why, why_part))
		fail_msg("reason '%s' lacks '%s'", why, why_part);
	assert_null(l.items);
	assert_int_equal(l.count, 0);
}

static void test_committed_catalogue(void **state)
{
	(void)state;
	scenario_list_t l;
	int line = -1;
	char why[256];
	int rc = scenario_load(SP_DATADIR "/scenarios.conf", &l, &line, why, sizeof why);
	if (rc)
		fail_msg("scenarios.conf line %d: %s", line, why);
	assert_int_equal(line, 0);
	assert_true(l.count >= 8); /* the 8 of issue 2 first, more after them */
	const scenario_t *s = scenario_find(&l, "a-first");
	assert_non_null(s);
	assert_true(s->in_default);
	assert_string_equal(s->spec, "aaaa-d50ms");
	assert_string_equal(s->description, "A at once, AAAA 50 ms later");
	assert_int_equal(s->directives.rule[DIR_Q_AAAA].delay_ns, 50 * MS);
	s = scenario_find(&l, "immediate");
	assert_non_null(s);
	assert_false(s->in_default);
	assert_string_equal(s->spec, "-");
	assert_false(s->directives.rule[DIR_Q_A].delay_set);
	s = scenario_find(&l, "aaaa-lost");
	assert_non_null(s);
	assert_int_equal(s->directives.rule[DIR_Q_AAAA].action, DIR_DROP);
	assert_null(scenario_find(&l, "no-such"));
	scenario_list_free(&l);
	assert_null(l.items);
	assert_int_equal(l.count, 0);
}

static void test_valid_forms(void **state)
{
	(void)state;
	const char *text = "# comment\n"
			   "\n"
			   "   \t\n"
			   "x1\t-\t\"\"\r\n"
			   "late-both a-d1s.aaaa-d2s default \"both # late\"  # trailing comment\n"
			   "z A-NODATA.a-d5ms \"mixed case directives\"";
	scenario_list_t l;
	int line = -1;
	char why[128];
	assert_int_equal(parse_str(text, &l, &line, why, sizeof why), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0].name, "x1");
	assert_string_equal(l.items[0].description, "");
	assert_string_equal(l.items[1].description, "both # late");
	assert_true(l.items[1].in_default);
	assert_int_equal(l.items[1].directives.rule[DIR_Q_AAAA].delay_ns, 2000 * MS);
	assert_int_equal(l.items[2].directives.rule[DIR_Q_A].action, DIR_NODATA);
	assert_string_equal(l.items[2].spec, "A-NODATA.a-d5ms");
	scenario_list_free(&l);

	assert_int_equal(scenario_parse("", 0, &l, &line, why, sizeof why), 0);
	assert_int_equal(l.count, 0);
	/* Not NUL-terminated: only len bytes are read. */
	const char buf[] = {'a', ' ', '-', ' ', '"', 'd', '"', '\n', 'X'};
	assert_int_equal(scenario_parse(buf, sizeof buf - 1, &l, &line, why, sizeof why), 0);
	assert_int_equal(l.count, 1);
	scenario_list_free(&l);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a-first - \"x\"\nb foo \"y\"\n", SP_EDIRECTIVE, 2, "unknown directive 'foo'");
	expect_error("a-first - \"x\"\na-first - \"y\"\n", SP_ESYNTAX, 2,
		     "duplicate scenario 'a-first'");
	expect_error("a aaaa-d5ms\n", SP_ESYNTAX, 1, "missing description");
	expect_error("a aaaa-d5ms default\n", SP_ESYNTAX, 1, "missing description");
	expect_error("a aaaa-d5ms # \"x\"\n", SP_ESYNTAX, 1, "missing description");
	expect_error("a \"x\"\n", SP_ESYNTAX, 1, "missing directives");
	expect_error("a\n", SP_ESYNTAX, 1, "missing directives");
	expect_error("a - fast \"x\"\n", SP_ESYNTAX, 1, "unknown word 'fast'");
	expect_error("a - default default \"x\"\n", SP_ESYNTAX, 1, "'default' given twice");
	expect_error("a - \"x\" default\n", SP_ESYNTAX, 1, "unexpected 'default'");
	expect_error("a - \"x\n", SP_ESYNTAX, 1, "unterminated description");
	expect_error("a - \"x\ty\x01\"\n", SP_ESYNTAX, 1, "control character");
	expect_error("\n\nA-first - \"x\"\n", SP_ESYNTAX, 3, "bad scenario name 'A-first'");
	expect_error("1st - \"x\"\n", SP_ESYNTAX, 1, "bad scenario name");
	expect_error("a_b - \"x\"\n", SP_ESYNTAX, 1, "bad scenario name");
	expect_error("abcdefghijabcdefghijabcdefghijab - \"x\"\n", SP_ESYNTAX, 1,
		     "bad scenario name");
	expect_error("\"x\"\n", SP_ESYNTAX, 1, "missing scenario name");
	expect_error("a a-d5ms.a-d6ms \"x\"\n", SP_ECONFLICT, 1, "conflicting directive 'a-d6ms'");
	expect_error("a a-d31s \"x\"\n", SP_ERANGE, 1, "out of range in 'a-d31s'");
	expect_error("a a-d5 \"x\"\n", SP_EDIRECTIVE, 1, "unknown directive 'a-d5'");
	expect_error("a a-d5ms.t1 \"x\"\n", SP_EDIRECTIVE, 1, "trial label 't1'");
	expect_error("a a-d5ms. \"x\"\n", SP_EDIRECTIVE, 1, "empty label");
}

static void test_nul_and_long_lines(void **state)
{
	(void)state;
	scenario_list_t l;
	int line;
	char why[128];
	const char nul[] = "a - \"x\"\nb -\0 \"y\"\n";
	assert_int_equal(scenario_parse(nul, sizeof nul - 1, &l, &line, why, sizeof why),
			 SP_ESYNTAX);
	assert_int_equal(line, 2);
	assert_non_null(strstr(why, "NUL"));

	size_t n = 5000;
	char *big = malloc(n + 16);
	assert_non_null(big);
	memcpy(big, "a - \"", 5);
	memset(big + 5, 'x', n - 6);
	big[n - 1] = '"';
	big[n] = '\0';
	assert_int_equal(parse_str(big, &l, &line, why, sizeof why), SP_ESYNTAX);
	assert_int_equal(line, 1);
	assert_non_null(strstr(why, "longer than"));
	/* 4096 bytes exactly is still a line. */
	big[4095] = '"';
	big[4096] = '\0';
	assert_int_equal(parse_str(big, &l, &line, why, sizeof why), 0);
	assert_int_equal(l.count, 1);
	scenario_list_free(&l);
	free(big);
}

static void test_many_scenarios(void **state)
{
	(void)state;
	size_t cap = 1100 * 24;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t o = 0;
	for (int i = 0; i < 1025; i++)
		o += (size_t)snprintf(text + o, cap - o, "s%d - \"\"\n", i);
	scenario_list_t l;
	int line;
	char why[128];
	/* The 1025th is one too many. */
	assert_int_equal(scenario_parse(text, o, &l, &line, why, sizeof why), SP_ESYNTAX);
	assert_int_equal(line, 1025);
	o -= strlen("s1024 - \"\"\n");
	assert_int_equal(scenario_parse(text, o, &l, &line, why, sizeof why), 0);
	assert_int_equal(l.count, 1024);
	assert_non_null(scenario_find(&l, "s1023"));
	scenario_list_free(&l);
	free(text);
}

static void test_load_errors(void **state)
{
	(void)state;
	scenario_list_t l;
	int line = -1;
	char why[128];
	int rc = scenario_load("/nonexistent/scenarios.conf", &l, &line, why, sizeof why);
	assert_true(rc < 0 && rc > -1000);
	assert_int_equal(line, 0);
	assert_string_equal(why, "No such file or directory");
	assert_int_equal(l.count, 0);
	/* A directory opens but does not read. */
	rc = scenario_load("/", &l, &line, why, sizeof why);
	assert_true(rc < 0);
	assert_int_equal(l.count, 0);
	assert_null(scenario_find(NULL, "a"));
	scenario_list_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_committed_catalogue),
	    cmocka_unit_test(test_valid_forms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_nul_and_long_lines),
	    cmocka_unit_test(test_many_scenarios),
	    cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
