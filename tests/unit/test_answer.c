/* Unit tests for fakens's query handling (fakens/answer.c): replies, their order and delays,
 * EDNS, malformed queries and TCP framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"
#include "err.h"

#define MS 1000000ULL

static dns_name_t zone;
static answer_t a;

static int setup(void **state)
{
	(void)state;
	return dns_name_from_text("lab.test", &zone);
}

/* A query for name/qtype, ID 0x1234, optionally with an OPT record of size edns. */
static size_t query(uint8_t *buf, const char *name, uint16_t qtype, int edns)
{
	dns_name_t n;
	assert_int_equal(dns_name_from_text(name, &n), 0);
	int len = dns_build_query(buf, 512, 0x1234, &n, qtype);
	assert_true(len > 0);
	if (edns) {
		const uint8_t opt[11] = {0, 0, 41, (uint8_t)(edns >> 8), (uint8_t)edns, 0, 0, 0,
					 0, 0, 0};
		memcpy(buf + len, opt, sizeof opt);
		buf[11] = 1;
		len += 11;
	}
	return (size_t)len;
}

static void make(const char *name, uint16_t qtype, int server, enum answer_transport t, int edns)
{
	uint8_t q[600];
	size_t len = query(q, name, qtype, edns);
	answer_ctx_t ctx = {.zone = &zone, .server = server, .transport = t};
	assert_int_equal(answer_make(q, len, &ctx, &a), 0);
}

static int contains(const uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return 1;
	return 0;
}

static dns_msg_t msg(int i)
{
	dns_msg_t m;
	assert_true(i < a.nmsg);
	assert_int_equal(dns_parse(a.msg[i].buf, a.msg[i].len, &m), 0);
	return m;
}

static void test_rcodes_and_flags(void **state)
{
	(void)state;
	make("aaaa-nxdomain.t1.lab.test", DNS_T_AAAA, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_SEND);
	dns_msg_t m = msg(0);
	assert_int_equal(DNS_RCODE(m.h.flags), DNS_R_NXDOMAIN);
	assert_int_equal(m.h.nscount, 1);
	assert_true(m.h.flags & DNS_F_AA);
	make("aaaa-lame.lab.test", DNS_T_AAAA, 0, ANSWER_UDP, 0);
	m = msg(0);
	assert_int_equal(DNS_RCODE(m.h.flags), DNS_R_NOERROR);
	assert_false(m.h.flags & (DNS_F_AA | DNS_F_RA));
	assert_int_equal(m.h.ancount + m.h.nscount, 0);
	make("a-notimp.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(DNS_RCODE(msg(0).h.flags), DNS_R_NOTIMP);
	make("a-refused.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_SEND);
	assert_int_equal(DNS_RCODE(msg(0).h.flags), DNS_R_REFUSED);
}

static void test_truncation(void **state)
{
	(void)state;
	make("aaaa-tc.lab.test", DNS_T_AAAA, 0, ANSWER_UDP, 0);
	dns_msg_t m = msg(0);
	assert_true(m.h.flags & DNS_F_TC);
	assert_int_equal(m.h.ancount, 0);
	assert_true(a.tc);
	make("aaaa-tc.lab.test", DNS_T_AAAA, 0, ANSWER_TCP, 0);
	m = msg(0);
	assert_false(m.h.flags & DNS_F_TC);
	assert_int_equal(m.h.ancount, 1);
	make("aaaa-tc.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_false(msg(0).h.flags & DNS_F_TC);
}

static void test_decoys_and_duplicates(void **state)
{
	(void)state;
	make("a-runt.a-badid.a-wrongq.a-otherport.a-otheraddr.a-dup2.a-d5ms.lab.test", DNS_T_A, 0,
	     ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_SEND);
	assert_int_equal(a.nmsg, 8);
	static const char *const want[] = {"runt",      "badid", "wrongq",    "otherport",
					   "otheraddr", NULL,    "duplicate", "duplicate"};
	for (int i = 0; i < a.nmsg; i++) {
		if (want[i])
			assert_string_equal(a.msg[i].extra, want[i]);
		else
			assert_null(a.msg[i].extra);
		assert_int_equal(a.msg[i].delay_ns, 5 * MS);
	}
	assert_int_equal(a.msg[0].len, 11);
	assert_int_not_equal(msg(1).h.id, 0x1234);
	assert_int_equal(msg(2).h.id, 0x1234);
	assert_int_equal(msg(2).q.qtype, DNS_T_AAAA);
	assert_int_equal(a.msg[3].via, ANSWER_VIA_OTHER_PORT);
	assert_int_equal(a.msg[4].via, ANSWER_VIA_OTHER_ADDR);
	assert_memory_equal(a.msg[6].buf, a.msg[5].buf, a.msg[5].len);

	/* Over TCP there is one source: no decoys from elsewhere. */
	make("a-otherport.a-otheraddr.lab.test", DNS_T_A, 0, ANSWER_TCP, 0);
	assert_int_equal(a.nmsg, 1);
	assert_null(a.msg[0].extra);

	make("a-dup1after.aaaa-d20ms.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.nmsg, 2);
	assert_int_equal(a.msg[0].delay_ns, 0);
	assert_int_equal(a.msg[1].delay_ns, 20 * MS + DIRECTIVE_DUP_AFTER_GAP_NS);

	make("a-drop.a-badid.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_SEND);
	assert_int_equal(a.nmsg, 1);
	make("a-drop.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_DROP);
	assert_int_equal(a.nmsg, 0);
}

static void test_servers_and_ctloss(void **state)
{
	(void)state;
	make("s2-a-nxdomain.lab.test", DNS_T_A, 2, ANSWER_UDP, 0);
	assert_int_equal(DNS_RCODE(msg(0).h.flags), DNS_R_NXDOMAIN);
	make("s2-a-nxdomain.lab.test", DNS_T_A, 1, ANSWER_UDP, 0);
	assert_int_equal(DNS_RCODE(msg(0).h.flags), DNS_R_NOERROR);
	make("s2-a-nxdomain.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(DNS_RCODE(msg(0).h.flags), DNS_R_NOERROR);
	make("aaaa-ctloss.lab.test", DNS_T_AAAA, 0, ANSWER_UDP, 0);
	assert_true(a.ctloss);
	make("aaaa-ctloss.lab.test", DNS_T_AAAA, 0, ANSWER_TCP, 0);
	assert_false(a.ctloss);
	make("aaaa-ctloss.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_false(a.ctloss);
}

static void test_refused_names_the_label(void **state)
{
	(void)state;
	make("frob.t1.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_REFUSED);
	assert_string_equal(a.reason, "unknown directive 'frob'");
	dns_msg_t m = msg(0);
	assert_int_equal(DNS_RCODE(m.h.flags), DNS_R_REFUSED);
	assert_int_equal(m.h.arcount, 1);
	assert_true(contains(a.msg[0].buf, a.msg[0].len, "unknown directive 'frob'"));
	make("www.example.org", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_int_equal(a.kind, ANSWER_REFUSED);
	assert_int_equal(msg(0).h.arcount, 0);
	/* The longest name with a bad label still fits in 512 bytes, TXT cut to fit. */
	char name[300];
	snprintf(name, sizeof name, "%.63s.%.63s.%.63s.%.50s.lab.test",
		 "x123456789012345678901234567890123456789012345678901234567890123",
		 "y123456789012345678901234567890123456789012345678901234567890123",
		 "z123456789012345678901234567890123456789012345678901234567890123",
		 "w1234567890123456789012345678901234567890123456789");
	make(name, DNS_T_A, 0, ANSWER_UDP, 1232);
	assert_int_equal(a.kind, ANSWER_REFUSED);
	assert_true(a.msg[0].len <= ANSWER_MAX_LEN);
	assert_int_equal(msg(0).h.arcount, 2);
}

static void test_edns(void **state)
{
	(void)state;
	make("t1.lab.test", DNS_T_A, 0, ANSWER_UDP, 4096);
	assert_true(a.has_edns);
	assert_int_equal(a.edns_size, 4096);
	assert_int_equal(msg(0).h.arcount, 1);
	make("t1.lab.test", DNS_T_A, 0, ANSWER_UDP, 100);
	assert_int_equal(a.edns_size, 512);
	make("t1.lab.test", DNS_T_A, 0, ANSWER_UDP, 0);
	assert_false(a.has_edns);
	assert_int_equal(msg(0).h.arcount, 0);

	/* Two OPT records: FORMERR. */
	uint8_t q[600];
	size_t len = query(q, "t1.lab.test", DNS_T_A, 1232);
	memcpy(q + len, q + len - 11, 11);
	q[11] = 2;
	answer_ctx_t ctx = {.zone = &zone, .transport = ANSWER_UDP};
	assert_int_equal(answer_make(q, len + 11, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_FORMERR);
	assert_string_equal(a.reason, "two OPT records");
	/* Version 1: BADVERS, extended rcode 1 in the OPT TTL. */
	len = query(q, "t1.lab.test", DNS_T_A, 1232);
	q[len - 5] = 1;
	assert_int_equal(answer_make(q, len, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_SEND);
	assert_int_equal(a.rcode, 16);
	assert_int_equal(a.msg[0].buf[a.msg[0].len - 6], 1);
	/* An OPT record announced but cut short: FORMERR. */
	len = query(q, "t1.lab.test", DNS_T_A, 1232);
	assert_int_equal(answer_make(q, len - 3, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_FORMERR);
}

static void test_malformed(void **state)
{
	(void)state;
	answer_ctx_t ctx = {.zone = &zone, .transport = ANSWER_UDP};
	assert_int_equal(answer_make((const uint8_t *)"", 0, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_BAD);
	assert_string_equal(a.reason, "empty message");
	assert_int_equal(a.nmsg, 0);
	static const uint8_t qd0[12] = {0x12, 0x34, 1, 0};
	assert_int_equal(answer_make(qd0, 11, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_BAD);
	assert_int_equal(answer_make(qd0, 12, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_FORMERR);
	dns_msg_t m = msg(0);
	assert_int_equal(m.h.id, 0x1234);
	assert_int_equal(m.h.qdcount, 0);
	assert_int_equal(DNS_RCODE(m.h.flags), DNS_R_FORMERR);
	static const uint8_t loop[18] = {0x12, 0x34, 1, 0,    0,    1, 0, 0, 0,
					 0,    0,    0, 0xc0, 0x0c, 0, 1, 0, 1};
	assert_int_equal(answer_make(loop, sizeof loop, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_FORMERR);
	uint8_t q[600];
	size_t len = query(q, "t1.lab.test", DNS_T_A, 0);
	q[5] = 2;
	assert_int_equal(answer_make(q, len, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_FORMERR);
	assert_string_equal(a.reason, "qdcount 2, expected 1");
	q[5] = 1;
	q[2] |= 0x80;
	assert_int_equal(answer_make(q, len, &ctx, &a), 0);
	assert_int_equal(a.kind, ANSWER_IGNORE);
}

static void test_tcp_frame(void **state)
{
	(void)state;
	size_t n = 99;
	static const uint8_t two[] = {0, 3, 'a', 'b', 'c', 0, 1, 'x'};
	assert_int_equal(answer_tcp_frame(two, 0, 100, &n), 0);
	assert_int_equal(answer_tcp_frame(two, 1, 100, &n), 0);
	assert_int_equal(answer_tcp_frame(two, 4, 100, &n), 0);
	assert_int_equal(answer_tcp_frame(two, 5, 100, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(answer_tcp_frame(two + 5, 3, 100, &n), 1);
	assert_int_equal(n, 1);
	static const uint8_t big[] = {0xff, 0xff};
	assert_int_equal(answer_tcp_frame(big, 2, ANSWER_TCP_MAX_QUERY, &n), SP_ERANGE);
	static const uint8_t zero[] = {0, 0};
	assert_int_equal(answer_tcp_frame(zero, 2, 100, &n), 1);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rcodes_and_flags),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_decoys_and_duplicates),
	    cmocka_unit_test(test_servers_and_ctloss),
	    cmocka_unit_test(test_refused_names_the_label),
	    cmocka_unit_test(test_edns),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_tcp_frame),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
