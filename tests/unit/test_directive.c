/* Unit tests for directive labels and names (lib/directive.c), and delay text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "directive.h"
#include "err.h"
#include "timeutil.h"

#define MS 1000000ULL

static dns_name_t zone;

static int setup(void **state)
{
	(void)state;
	return dns_name_from_text("lab.test", &zone);
}

static int parse(const char *text, directives_t *d, char *bad, size_t badlen)
{
	dns_name_t n;
	assert_int_equal(dns_name_from_text(text, &n), 0);
	return directive_parse_name(&n, &zone, d, bad, badlen);
}

static void expect_ok(const char *text, directives_t *d)
{
	char bad[64];
	int rc = parse(text, d, bad, sizeof bad);
	if (rc != 0)
		fail_msg("'%s': %s (label '%s')", text, sp_strerror(rc), bad);
}

static void expect_err(const char *text, int err, const char *label)
{
	directives_t d;
	char bad[64] = "unset";
	int rc = parse(text, &d, bad, sizeof bad);
	if (rc != err)
		fail_msg("'%s' gave %d (%s), not %d", text, rc, sp_strerror(rc), err);
	if (label)
		assert_string_equal(bad, label);
	/* Nothing half-parsed is left behind. */
	assert_false(d.has_trial);
	assert_false(d.rule[DIR_Q_A].delay_set || d.rule[DIR_Q_AAAA].action_set);
}

static void test_valid_names(void **state)
{
	(void)state;
	directives_t d;

	expect_ok("aaaa-d50ms.t000042.lab.test", &d);
	assert_true(d.has_trial);
	assert_int_equal(d.trial, 42);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 50 * MS);
	assert_true(d.rule[DIR_Q_AAAA].delay_set);
	assert_int_equal(d.rule[DIR_Q_AAAA].action, DIR_ANSWER);
	assert_false(d.rule[DIR_Q_A].delay_set);

	expect_ok("a-d20ms.aaaa-d0.t43.lab.test", &d);
	assert_int_equal(d.trial, 43);
	assert_int_equal(d.rule[DIR_Q_A].delay_ns, 20 * MS);
	assert_true(d.rule[DIR_Q_AAAA].delay_set);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 0);

	expect_ok("t7.lab.test", &d);
	assert_true(d.has_trial);
	assert_int_equal(d.trial, 7);

	expect_ok("lab.test", &d);
	assert_false(d.has_trial);
	assert_int_equal(directive_max_delay_ns(&d), 0);

	expect_ok("aaaa-servfail.a-d5ms.t45.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_AAAA].action, DIR_SERVFAIL);
	assert_int_equal(d.rule[DIR_Q_A].delay_ns, 5 * MS);
	assert_int_equal(d.trial, 45);

	expect_ok("aaaa-d250us.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 250000);
	assert_false(d.has_trial);

	expect_ok("a-nodata.a-d5ms.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].action, DIR_NODATA);
	assert_int_equal(d.rule[DIR_Q_A].delay_ns, 5 * MS);

	expect_ok("AAAA-D2S.A-DROP.T999999999999.Lab.Test", &d);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 2000 * MS);
	assert_int_equal(d.rule[DIR_Q_A].action, DIR_DROP);
	assert_int_equal(d.trial, 999999999999ULL);

	expect_ok("a-d30s.aaaa-d30000000us.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].delay_ns, DIRECTIVE_MAX_DELAY_NS);
	assert_int_equal(directive_max_delay_ns(&d), DIRECTIVE_MAX_DELAY_NS);

	expect_ok("a-d0ms.aaaa-d007ms.lab.test", &d);
	assert_true(d.rule[DIR_Q_A].delay_set);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 7 * MS);
}

static void test_invalid_names(void **state)
{
	(void)state;
	expect_err("foo.t1.lab.test", SP_EDIRECTIVE, "foo");
	expect_err("t1.aaaa-d5ms.lab.test", SP_EFORMAT, "t1");
	expect_err("a-d5ms.a-d6ms.lab.test", SP_ECONFLICT, "a-d6ms");
	expect_err("a-d31s.lab.test", SP_ERANGE, "a-d31s");
	expect_err("a-d5.lab.test", SP_EDIRECTIVE, "a-d5");
	expect_err("a-d5ms.t1.t2.lab.test", SP_EFORMAT, "t1");
	expect_err("a-drop.a-d5ms.lab.test", SP_ECONFLICT, "a-d5ms");
	expect_err("a-d0.a-drop.lab.test", SP_ECONFLICT, "a-drop");
	expect_err("a-nodata.a-servfail.lab.test", SP_ECONFLICT, "a-servfail");
	expect_err("a-drop.a-drop.lab.test", SP_ECONFLICT, "a-drop");
	expect_err("a-d30000001us.lab.test", SP_ERANGE, "a-d30000001us");
	expect_err("a-d99999999999999999999999999s.lab.test", SP_ERANGE, NULL);
	expect_err("a-d18446744073709551616us.lab.test", SP_ERANGE, NULL);
	expect_err("a-d+5ms.lab.test", SP_EDIRECTIVE, "a-d\\0435ms");
	expect_err("a-d-5ms.lab.test", SP_EDIRECTIVE, "a-d-5ms");
	expect_err("a-d5ns.lab.test", SP_EDIRECTIVE, "a-d5ns");
	expect_err("a-d00.lab.test", SP_EDIRECTIVE, "a-d00");
	expect_err("a-dms.lab.test", SP_EDIRECTIVE, "a-dms");
	expect_err("a-d.lab.test", SP_EDIRECTIVE, "a-d");
	expect_err("a-.lab.test", SP_EDIRECTIVE, "a-");
	expect_err("mx-d5ms.lab.test", SP_EDIRECTIVE, "mx-d5ms");
	expect_err("aaaa.lab.test", SP_EDIRECTIVE, "aaaa");
	expect_err("t.lab.test", SP_EDIRECTIVE, "t");
	expect_err("t1x.lab.test", SP_EDIRECTIVE, "t1x");
	expect_err("t1234567890123.lab.test", SP_ERANGE, "t1234567890123");
	expect_err("a\\.d5ms.lab.test", SP_EDIRECTIVE, "a\\.d5ms");
	expect_err("a-d5ms\\000.lab.test", SP_EDIRECTIVE, "a-d5ms\\000");
}

static void test_not_under_zone(void **state)
{
	(void)state;
	directives_t d;
	char bad[64];
	assert_int_equal(parse("a-d5ms.example.org", &d, bad, sizeof bad), SP_EFORMAT);
	assert_string_equal(bad, "a-d5ms.example.org");
	assert_int_equal(parse("test", &d, NULL, 0), SP_EFORMAT);
}

static void test_bad_label_buffer_small(void **state)
{
	(void)state;
	directives_t d;
	char bad[4];
	assert_int_equal(parse("foobar.lab.test", &d, bad, sizeof bad), SP_EDIRECTIVE);
	assert_string_equal(bad, "foo");
	assert_int_equal(parse("foobar.lab.test", &d, NULL, 0), SP_EDIRECTIVE);
}

static void test_parse_label(void **state)
{
	(void)state;
	directives_t d;
	directives_init(&d);
	assert_int_equal(directive_parse_label("aaaa-d50ms", 10, &d), 0);
	/* len counts, not the NUL: "a-drop" cut to "a-dr". */
	assert_int_equal(directive_parse_label("a-drop", 4, &d), SP_EDIRECTIVE);
	assert_int_equal(directive_parse_label("t000042", 7, &d), 0);
	assert_int_equal(d.trial, 42);
	/* The trial label closes the list. */
	assert_int_equal(directive_parse_label("t1", 2, &d), SP_EFORMAT);
	assert_int_equal(directive_parse_label("a-d0", 4, &d), SP_EFORMAT);
	assert_int_equal(directive_parse_label("", 0, &d), SP_EDIRECTIVE);
	char longl[80];
	memset(longl, 'a', sizeof longl);
	assert_int_equal(directive_parse_label(longl, sizeof longl, &d), SP_EDIRECTIVE);
}

static void test_parse_text(void **state)
{
	(void)state;
	directives_t d;
	char bad[64];
	assert_int_equal(directive_parse_text("aaaa-d50ms.a-d0", &d, bad, sizeof bad), 0);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 50 * MS);
	assert_true(d.rule[DIR_Q_A].delay_set);
	assert_int_equal(directive_parse_text("-", &d, bad, sizeof bad), 0);
	assert_false(d.rule[DIR_Q_AAAA].delay_set);
	assert_int_equal(directive_parse_text("", &d, bad, sizeof bad), 0);
	assert_int_equal(directive_parse_text("a-d5ms..a-d0", &d, bad, sizeof bad), SP_EDIRECTIVE);
	assert_string_equal(bad, "");
	assert_int_equal(directive_parse_text("a-d5ms.", &d, bad, sizeof bad), SP_EDIRECTIVE);
	assert_int_equal(directive_parse_text("a-d5ms.t1", &d, bad, sizeof bad), SP_EFORMAT);
	assert_string_equal(bad, "t1");
	assert_int_equal(directive_parse_text("aaaa-nodata.bogus", &d, bad, sizeof bad),
			 SP_EDIRECTIVE);
	assert_string_equal(bad, "bogus");
	assert_false(d.rule[DIR_Q_AAAA].action_set);
}

static void roundtrip(const char *in, const char *canonical)
{
	directives_t d, back;
	char out[256], bad[64];
	int rc = directive_parse_text(in, &d, bad, sizeof bad);
	if (rc)
		fail_msg("'%s': %s at '%s'", in, sp_strerror(rc), bad);
	int len = directive_format(&d, out, sizeof out);
	assert_int_equal(len, (int)strlen(canonical));
	assert_string_equal(out, canonical);
	assert_int_equal(directive_parse_text(out, &back, bad, sizeof bad), 0);
	assert_memory_equal(back.rule, d.rule, sizeof d.rule);
	assert_memory_equal(back.server, d.server, sizeof d.server);
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	roundtrip("", "");
	roundtrip("aaaa-d50ms", "aaaa-d50ms");
	roundtrip("aaaa-d0.a-d20ms", "a-d20ms.aaaa-d0");
	roundtrip("a-d5ms.a-nodata", "a-nodata.a-d5ms");
	roundtrip("aaaa-servfail.a-d5ms", "a-d5ms.aaaa-servfail");
	roundtrip("aaaa-d250us", "aaaa-d250us");
	roundtrip("a-d2000ms", "a-d2s");
	roundtrip("a-d1500ms", "a-d1500ms");
	roundtrip("a-d0ms", "a-d0");
	roundtrip("a-d3000us.aaaa-drop", "a-d3ms.aaaa-drop");
	roundtrip("A-D30S.AAAA-NODATA.AAAA-D1US", "a-d30s.aaaa-nodata.aaaa-d1us");
}

static void test_issue3_directives(void **state)
{
	(void)state;
	directives_t d;
	expect_ok("a-nxdomain.aaaa-lame.t1.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].action, DIR_NXDOMAIN);
	assert_int_equal(d.rule[DIR_Q_AAAA].action, DIR_LAME);
	expect_ok("a-refused.aaaa-notimp.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].action, DIR_REFUSED);
	assert_int_equal(d.rule[DIR_Q_AAAA].action, DIR_NOTIMP);
	expect_ok("AAAA-TC.aaaa-d5ms.lab.test", &d);
	assert_true(d.rule[DIR_Q_AAAA].tc);
	assert_int_equal(d.rule[DIR_Q_AAAA].delay_ns, 5 * MS);
	expect_ok("a-dup.aaaa-dup9after.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].dups, 1);
	assert_false(d.rule[DIR_Q_A].dup_after);
	assert_int_equal(d.rule[DIR_Q_AAAA].dups, 9);
	assert_true(d.rule[DIR_Q_AAAA].dup_after);
	expect_ok("a-badid.a-wrongq.a-runt.a-otherport.a-otheraddr.lab.test", &d);
	assert_int_equal(d.rule[DIR_Q_A].decoys, DIR_DECOY_ALL);
	expect_ok("a-badid.a-drop.lab.test", &d); /* decoys instead of nothing */
	expect_ok("aaaa-ctloss.a-d5ms.lab.test", &d);
	assert_true(d.rule[DIR_Q_AAAA].ctloss);
	expect_ok("s2-a-nxdomain.s9-aaaa-d1s.a-d5ms.lab.test", &d);
	assert_int_equal(d.server[1][DIR_Q_A].action, DIR_NXDOMAIN);
	assert_int_equal(d.server[8][DIR_Q_AAAA].delay_ns, 1000 * MS);
	assert_false(directive_rule_is_set(&d.server[0][DIR_Q_A]));
	/* A server's rule for a type replaces the rule for every server, on that server only. */
	assert_ptr_equal(directive_rule_for_server(&d, 2, DNS_T_A), &d.server[1][DIR_Q_A]);
	assert_ptr_equal(directive_rule_for_server(&d, 1, DNS_T_A), &d.rule[DIR_Q_A]);
	assert_ptr_equal(directive_rule_for_server(&d, 2, DNS_T_AAAA), &d.rule[DIR_Q_AAAA]);
	assert_ptr_equal(directive_rule_for_server(&d, 0, DNS_T_A), &d.rule[DIR_Q_A]);
	assert_ptr_equal(directive_rule_for_server(&d, 12, DNS_T_A), &d.rule[DIR_Q_A]);
	assert_null(directive_rule_for_server(&d, 2, DNS_T_MX));
	assert_int_equal(directive_max_delay_ns(&d), 1000 * MS);
}

static void test_issue3_invalid(void **state)
{
	(void)state;
	expect_err("a-tc.a-tc.lab.test", SP_ECONFLICT, "a-tc");
	expect_err("a-drop.a-tc.lab.test", SP_ECONFLICT, "a-tc");
	expect_err("a-dup2.a-drop.lab.test", SP_ECONFLICT, "a-drop");
	expect_err("a-ctloss.a-drop.lab.test", SP_ECONFLICT, "a-drop");
	expect_err("a-dup.a-dup2.lab.test", SP_ECONFLICT, "a-dup2");
	expect_err("a-badid.a-badid.lab.test", SP_ECONFLICT, "a-badid");
	expect_err("a-nxdomain.a-lame.lab.test", SP_ECONFLICT, "a-lame");
	expect_err("s2-a-d5ms.s2-a-d6ms.lab.test", SP_ECONFLICT, "s2-a-d6ms");
	expect_err("a-dup10.lab.test", SP_ERANGE, "a-dup10");
	expect_err("a-dup0.lab.test", SP_ERANGE, "a-dup0");
	expect_err("a-dup2later.lab.test", SP_EDIRECTIVE, "a-dup2later");
	expect_err("a-dupafterx.lab.test", SP_EDIRECTIVE, "a-dupafterx");
	expect_err("s0-a-d5ms.lab.test", SP_ERANGE, "s0-a-d5ms");
	expect_err("s10-a-d5ms.lab.test", SP_ERANGE, "s10-a-d5ms");
	expect_err("s2-mx-tc.lab.test", SP_EDIRECTIVE, "s2-mx-tc");
	expect_err("s2-.lab.test", SP_EDIRECTIVE, "s2-");
	expect_err("s2-t1.lab.test", SP_EDIRECTIVE, "s2-t1");
	expect_err("a-lame2.lab.test", SP_EDIRECTIVE, "a-lame2");
	/* A refused label leaves the rule as it was before it. */
	directives_t d;
	directives_init(&d);
	assert_int_equal(directive_parse_label("a-d5ms", 6, &d), 0);
	assert_int_equal(directive_parse_label("a-drop", 6, &d), SP_ECONFLICT);
	assert_false(d.rule[DIR_Q_A].action_set);
	assert_int_equal(d.rule[DIR_Q_A].delay_ns, 5 * MS);
}

static void test_dup_delay(void **state)
{
	(void)state;
	directives_t d;
	assert_int_equal(directive_parse_text("a-dup2.aaaa-d50ms", &d, NULL, 0), 0);
	assert_int_equal(directive_dup_delay_ns(&d, 0, DNS_T_A), 0);
	assert_int_equal(directive_parse_text("a-dup2after.aaaa-d50ms", &d, NULL, 0), 0);
	assert_int_equal(directive_dup_delay_ns(&d, 0, DNS_T_A),
			 50 * MS + DIRECTIVE_DUP_AFTER_GAP_NS);
	assert_int_equal(directive_max_delay_ns(&d), 50 * MS + DIRECTIVE_DUP_AFTER_GAP_NS);
	/* After the other type's answer: a dropped one leaves nothing to wait for. */
	assert_int_equal(directive_parse_text("a-d20ms.a-dup1after.aaaa-drop", &d, NULL, 0), 0);
	assert_int_equal(directive_dup_delay_ns(&d, 0, DNS_T_A),
			 20 * MS + DIRECTIVE_DUP_AFTER_GAP_NS);
	assert_int_equal(directive_dup_delay_ns(&d, 0, DNS_T_MX), 0);
}

static void test_format_roundtrip_issue3(void **state)
{
	(void)state;
	roundtrip("aaaa-tc", "aaaa-tc");
	roundtrip("a-dup.aaaa-d5ms.aaaa-dup3after", "a-dup1.aaaa-d5ms.aaaa-dup3after");
	roundtrip("a-otheraddr.a-runt.a-badid", "a-badid.a-runt.a-otheraddr");
	roundtrip("s2-aaaa-nxdomain.a-d5ms.s1-a-lame", "a-d5ms.s1-a-lame.s2-aaaa-nxdomain");
	roundtrip("aaaa-ctloss.a-d5ms.aaaa-refused.aaaa-tc",
		  "a-d5ms.aaaa-refused.aaaa-tc.aaaa-ctloss");
	roundtrip("S3-A-NOTIMP.a-wrongq", "a-wrongq.s3-a-notimp");
	/* Every setting at once, on every scope, fits DIRECTIVE_TEXT_MAX. */
	directives_t d;
	directives_init(&d);
	for (int sv = 0; sv <= DIRECTIVE_MAX_SERVERS; sv++)
		for (int q = 0; q < DIR_Q_COUNT; q++) {
			directive_rule_t *r = sv ? &d.server[sv - 1][q] : &d.rule[q];
			r->action = DIR_NXDOMAIN;
			r->action_set = r->delay_set = r->tc = r->dup_after = r->ctloss = 1;
			r->delay_ns = 29999999000ULL;
			r->dups = 9;
			r->decoys = DIR_DECOY_ALL;
		}
	static char big[DIRECTIVE_TEXT_MAX];
	int len = directive_format(&d, big, sizeof big);
	assert_true(len > 0);
	directives_t back;
	assert_int_equal(directive_parse_text(big, &back, NULL, 0), 0);
	assert_memory_equal(&back.rule, &d.rule, sizeof d.rule);
	assert_memory_equal(&back.server, &d.server, sizeof d.server);
}

static void test_format_small_buffer(void **state)
{
	(void)state;
	directives_t d;
	char out[64];
	assert_int_equal(directive_parse_text("a-nodata.a-d5ms", &d, NULL, 0), 0);
	int len = directive_format(&d, out, sizeof out);
	assert_int_equal(len, 15);
	for (size_t cap = 0; cap <= (size_t)len; cap++)
		assert_int_equal(directive_format(&d, out, cap), SP_ENOSPACE);
	assert_int_equal(directive_format(&d, out, (size_t)len + 1), len);
}

static void test_rule_for_and_max_delay(void **state)
{
	(void)state;
	directives_t d;
	assert_int_equal(directive_parse_text("a-d20ms.aaaa-d40ms", &d, NULL, 0), 0);
	assert_ptr_equal(directive_rule_for(&d, DNS_T_A), &d.rule[DIR_Q_A]);
	assert_ptr_equal(directive_rule_for(&d, DNS_T_AAAA), &d.rule[DIR_Q_AAAA]);
	assert_null(directive_rule_for(&d, DNS_T_MX));
	assert_int_equal(directive_max_delay_ns(&d), 40 * MS);
	assert_int_equal(directive_parse_text("a-d20ms.aaaa-drop", &d, NULL, 0), 0);
	assert_int_equal(directive_max_delay_ns(&d), 20 * MS);
}

static void expect_duration(uint64_t ns, const char *want)
{
	char buf[32];
	assert_string_equal(sp_duration_str(ns, buf, sizeof buf), want);
}

/* Delays as shown to users (lib/timeutil.c). */
static void test_duration_text(void **state)
{
	(void)state;
	expect_duration(0, "0 us");
	expect_duration(40000, "40 us");
	expect_duration(99400, "99 us");
	expect_duration(99600, "0.1 ms");
	expect_duration(400000, "0.4 ms");
	expect_duration(50300000, "50.3 ms");
	expect_duration(999949999, "999.9 ms");
	expect_duration(999960000, "1.00 s");
	expect_duration(2000000000, "2.00 s");
	expect_duration(2004999999, "2.00 s");
	expect_duration(2005000000, "2.01 s");
	char tiny[4];
	assert_string_equal(sp_duration_str(50300000, tiny, sizeof tiny), "50.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_names),
	    cmocka_unit_test(test_invalid_names),
	    cmocka_unit_test(test_not_under_zone),
	    cmocka_unit_test(test_bad_label_buffer_small),
	    cmocka_unit_test(test_parse_label),
	    cmocka_unit_test(test_parse_text),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_format_small_buffer),
	    cmocka_unit_test(test_rule_for_and_max_delay),
	    cmocka_unit_test(test_duration_text),
	    cmocka_unit_test(test_issue3_directives),
	    cmocka_unit_test(test_issue3_invalid),
	    cmocka_unit_test(test_dup_delay),
	    cmocka_unit_test(test_format_roundtrip_issue3),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
