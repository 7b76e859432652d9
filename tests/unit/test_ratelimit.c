/* Unit tests for fakens's per-client rate limit (fakens/ratelimit.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "ratelimit.h"

#define MS 1000000ull

static ratelimit_t rl; /* large: static */

static struct sockaddr_storage v4(uint32_t host_order)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(host_order);
	s4->sin_port = htons(4000);
	return ss;
}

static enum ratelimit_verdict check(const struct sockaddr_storage *ss, uint64_t now,
				    uint64_t *dropped)
{
	return ratelimit_check(&rl, (const struct sockaddr *)ss, now, dropped);
}

static void test_off(void **state)
{
	ratelimit_init(&rl, 0, 0);
	struct sockaddr_storage a = v4(0x7f000001);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(check(&a, 1000, NULL), RATELIMIT_PASS);
	assert_int_equal(rl.dropped, 0);
}

static void test_burst_then_rate(void **state)
{
	uint64_t dropped = 0, t = 5000 * MS;
	ratelimit_init(&rl, 10, 5); /* one query per 100 ms, 5 at once */
	struct sockaddr_storage a = v4(0x7f000001);
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(&a, t, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&a, t, &dropped), RATELIMIT_DROP_LOG);
	assert_int_equal(dropped, 1);
	/* Logged at most once a second: the next drops are silent, but counted. */
	assert_int_equal(check(&a, t + 1, NULL), RATELIMIT_DROP);
	assert_int_equal(check(&a, t + 2, NULL), RATELIMIT_DROP);
	assert_int_equal(rl.dropped, 3);
	/* The bucket refills at the rate: one token per 100 ms. */
	assert_int_equal(check(&a, t + 100 * MS, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&a, t + 100 * MS, NULL), RATELIMIT_DROP);
	/* A second later the next drop is logged again, with the silent ones counted. */
	assert_int_equal(check(&a, t + 1000 * MS, NULL), RATELIMIT_PASS);
	uint64_t t2 = t + 1000 * MS;
	int pass = 0;
	enum ratelimit_verdict v;
	while ((v = check(&a, t2, &dropped)) == RATELIMIT_PASS)
		pass++;
	assert_true(pass <= 5);
	assert_int_equal(v, RATELIMIT_DROP_LOG);
	assert_int_equal(dropped, 4); /* three silent ones before, and this one */
	/* After a quiet spell the whole burst is back, no more. */
	uint64_t t3 = t2 + 60000 * MS;
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(&a, t3, NULL), RATELIMIT_PASS);
	assert_int_not_equal(check(&a, t3, NULL), RATELIMIT_PASS);
}

/* Times that step back (kernel stamps converted across clocks) neither wrap into a second
 * log nor refill the bucket. */
static void test_time_steps_back(void **state)
{
	uint64_t dropped = 0, t = 5000 * MS;
	ratelimit_init(&rl, 2, 3);
	struct sockaddr_storage a = v4(0x7f000001);
	for (int i = 0; i < 3; i++)
		assert_int_equal(check(&a, t, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&a, t, &dropped), RATELIMIT_DROP_LOG);
	assert_int_equal(check(&a, t - 5000, NULL), RATELIMIT_DROP);
	assert_int_equal(check(&a, t - 1 * MS, NULL), RATELIMIT_DROP);
	assert_int_equal(check(&a, t + 1, NULL), RATELIMIT_DROP);
	assert_int_equal(rl.dropped, 4);
	/* A second after the log, the next drop is logged with the silent ones. */
	uint64_t t2 = t + 1000 * MS;
	while (check(&a, t2, &dropped) == RATELIMIT_PASS)
		;
	assert_int_equal(dropped, 4);
}

static void test_clients_apart(void **state)
{
	uint64_t t = 1000 * MS;
	ratelimit_init(&rl, 1, 1);
	struct sockaddr_storage a = v4(0x7f000001), b = v4(0x7f000002), c6;
	memset(&c6, 0, sizeof(c6));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c6;
	s6->sin6_family = AF_INET6;
	s6->sin6_addr.s6_addr[15] = 1;
	assert_int_equal(check(&a, t, NULL), RATELIMIT_PASS);
	assert_int_not_equal(check(&a, t, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&b, t, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&c6, t, NULL), RATELIMIT_PASS);
	assert_int_not_equal(check(&c6, t, NULL), RATELIMIT_PASS);
	/* Another port of the same address is the same client. */
	struct sockaddr_storage a2 = a;
	((struct sockaddr_in *)&a2)->sin_port = htons(5000);
	assert_int_not_equal(check(&a2, t, NULL), RATELIMIT_PASS);
	/* Not an IP address: not limited. */
	struct sockaddr_storage other;
	memset(&other, 0, sizeof(other));
	other.ss_family = AF_UNIX;
	assert_int_equal(check(&other, t, NULL), RATELIMIT_PASS);
	assert_int_equal(check(&other, t, NULL), RATELIMIT_PASS);
}

/* Many addresses fill the bounded table: the old client's slot is reused, and it starts
 * afresh. */
static void test_bounded_table(void **state)
{
	uint64_t t = 1000 * MS;
	ratelimit_init(&rl, 1, 1);
	struct sockaddr_storage a = v4(0x7f000001);
	assert_int_equal(check(&a, t, NULL), RATELIMIT_PASS);
	assert_int_not_equal(check(&a, t, NULL), RATELIMIT_PASS);
	for (uint32_t i = 0; i < 50000; i++) {
		struct sockaddr_storage x = v4(0x0a000000u + i);
		assert_int_equal(check(&x, t + 1 + i, NULL), RATELIMIT_PASS);
	}
	assert_int_equal(check(&a, t + 50001, NULL), RATELIMIT_PASS);
}

static void test_parse(void **state)
{
	unsigned rate = 9, burst = 9;
	assert_int_equal(ratelimit_parse("500/s", &rate, &burst), 0);
	assert_int_equal(rate, 500);
	assert_int_equal(burst, 0);
	assert_int_equal(ratelimit_parse("500/s,1000", &rate, &burst), 0);
	assert_int_equal(burst, 1000);
	assert_int_equal(ratelimit_parse("20,3", &rate, &burst), 0);
	assert_int_equal(rate, 20);
	assert_int_equal(burst, 3);
	assert_int_equal(ratelimit_parse("0", &rate, &burst), 0);
	assert_int_equal(rate, 0);
	assert_int_equal(ratelimit_parse("", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("/s", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("fast", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("10,", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("10/m", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("-1", &rate, &burst), SP_ESYNTAX);
	assert_int_equal(ratelimit_parse("20000000", &rate, &burst), SP_ERANGE);
	assert_int_equal(ratelimit_parse("10,20000000", &rate, &burst), SP_ERANGE);
	char longtext[200];
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(ratelimit_parse(longtext, &rate, &burst), SP_ESYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_off),           cmocka_unit_test(test_burst_then_rate),
	    cmocka_unit_test(test_clients_apart), cmocka_unit_test(test_bounded_table),
	    cmocka_unit_test(test_parse),         cmocka_unit_test(test_time_steps_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
