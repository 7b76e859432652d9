/* Unit tests for the analyzer: hand-built pkt_t sequences for each pattern of docs/verdicts.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"
#include "dns.h"
#include "err.h"

#define MS 1000000ULL
#define SEC (1000 * MS)

/* One client socket talking to one server. */
typedef struct sock {
	sp_addr_t client, server;
	uint16_t cport, sport;
} sock_t;

static sock_t sock4(uint8_t client_last, uint16_t cport)
{
	sock_t s = {.client = {.family = 4, .a = {192, 0, 2, client_last}},
		    .server = {.family = 4, .a = {127, 0, 0, 1}},
		    .cport = cport,
		    .sport = 53};
	return s;
}

static sock_t sock6(uint8_t client_last, uint16_t cport)
{
	sock_t s = {.client = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = client_last}},
		    .server = {.family = 6, .a = {[15] = 1}},
		    .cport = cport,
		    .sport = 53};
	return s;
}

static pkt_t dns(const sock_t *s, int answer, uint16_t id, const char *name, uint16_t qtype)
{
	pkt_t p;
	memset(&p, 0, sizeof p);
	p.kind = PKT_DNS;
	p.proto = 17;
	p.src = answer ? s->server : s->client;
	p.dst = answer ? s->client : s->server;
	p.sport = answer ? s->sport : s->cport;
	p.dport = answer ? s->cport : s->sport;
	p.dns.h.id = id;
	p.dns.h.flags = answer ? DNS_F_QR | DNS_F_RD | DNS_F_RA : DNS_F_RD;
	p.dns.h.qdcount = name ? 1 : 0;
	if (name) {
		p.dns.has_question = 1;
		p.dns.q.qtype = qtype;
		p.dns.q.qclass = DNS_C_IN;
		assert_int_equal(dns_name_from_text(name, &p.dns.q.name), 0);
	}
	return p;
}

static pkt_t query(const sock_t *s, uint16_t id, const char *name, uint16_t qtype)
{
	return dns(s, 0, id, name, qtype);
}

static pkt_t answer(const sock_t *s, uint16_t id, const char *name, uint16_t qtype)
{
	return dns(s, 1, id, name, qtype);
}

enum { Q_PORTS = 0, Q_ID = 1, Q_QUESTION = 2 };

/* The client's ICMP port unreachable quoting an answer, with as much of it as depth says. */
static pkt_t icmp(const sock_t *s, int depth, uint16_t id, const char *name, uint16_t qtype)
{
	pkt_t p;
	memset(&p, 0, sizeof p);
	p.kind = PKT_ICMP_ERROR;
	p.src = s->client;
	p.dst = s->server;
	p.proto = s->client.family == 6 ? 58 : 1;
	p.icmp_type = s->client.family == 6 ? 1 : 3;
	p.icmp_code = s->client.family == 6 ? 4 : 3;
	p.port_unreachable = 1;
	p.quote.src = s->server;
	p.quote.dst = s->client;
	p.quote.proto = 17;
	p.quote.sport = s->sport;
	p.quote.dport = s->cport;
	if (depth >= Q_ID) {
		p.quote.has_dns_id = 1;
		p.quote.dns_id = id;
	}
	if (depth >= Q_QUESTION) {
		p.quote.has_question = 1;
		p.quote.q.qtype = qtype;
		p.quote.q.qclass = DNS_C_IN;
		assert_int_equal(dns_name_from_text(name, &p.quote.q.name), 0);
	}
	return p;
}

/* Feeds packets with consecutive frame numbers starting at 1. */
typedef struct feed {
	analyzer_t *a;
	uint64_t frame;
} feed_t;

static void add(feed_t *f, uint64_t ts, pkt_t p)
{
	assert_int_equal(analyzer_add(f->a, ++f->frame, ts, &p), 0);
}

static int setup(void **state)
{
	feed_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->a = analyzer_new();
	if (!f->a) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	feed_t *f = *state;
	analyzer_free(f->a);
	free(f);
	return 0;
}

static const trial_t *only_trial(feed_t *f)
{
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 1);
	return analyzer_trial(f->a, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_CORRECT), "correct");
	assert_string_equal(verdict_name(VERDICT_RACING), "racing");
	assert_string_equal(verdict_name(VERDICT_INCONCLUSIVE), "inconclusive");
	assert_string_equal(refusal_name(REFUSAL_RACE), "race");
	assert_string_equal(refusal_name(REFUSAL_LATE), "late");
	assert_string_equal(refusal_name(REFUSAL_DUPLICATE), "duplicate");
	/* Duplicate beats late beats race. */
	refusal_facts_t f = {0, 0};
	assert_int_equal(refusal_classify(&f), REFUSAL_RACE);
	f.requeried = 1;
	assert_int_equal(refusal_classify(&f), REFUSAL_LATE);
	f.earlier_answer = 1;
	assert_int_equal(refusal_classify(&f), REFUSAL_DUPLICATE);
	f.requeried = 0;
	assert_int_equal(refusal_classify(&f), REFUSAL_DUPLICATE);
}

/* The puzzle's client: A and AAAA from two sockets, first answer wins, both closed. */
static void racer(feed_t *f, int v6, const char *name)
{
	sock_t a = v6 ? sock6(10, 40000) : sock4(10, 40000);
	sock_t b = v6 ? sock6(10, 40001) : sock4(10, 40001);
	add(f, 0, query(&a, 0x1111, name, DNS_T_A));
	add(f, 10000, query(&b, 0x2222, name, DNS_T_AAAA));
	add(f, 1 * MS, answer(&a, 0x1111, name, DNS_T_A));
	add(f, 51 * MS, answer(&b, 0x2222, name, DNS_T_AAAA));
	add(f, 51 * MS + 30000, icmp(&b, Q_QUESTION, 0x2222, name, DNS_T_AAAA));
}

static void check_racer(feed_t *f, int v6)
{
	const trial_t *t = only_trial(f);
	assert_string_equal(t->name, "r.t1.lab.test");
	assert_int_equal(t->verdict, VERDICT_RACING);
	assert_null(t->reason);
	assert_int_equal(t->queries, 2);
	assert_int_equal(t->requeries, 0);
	assert_int_equal(t->answers, 2);
	assert_int_equal(t->sockets, 2);
	assert_int_equal(t->race, 1);
	assert_int_equal(t->late + t->duplicate, 0);
	assert_int_equal(t->first_qtype, DNS_T_A);
	assert_int_equal(t->second_qtype, DNS_T_AAAA);
	assert_true(t->parallel);
	assert_int_equal(t->first_query_ts, 0);
	assert_int_equal(t->second_query_ts, 10000);
	assert_int_equal(t->first_answer_ts, 1 * MS);
	assert_int_equal(t->last_answer_ts, 51 * MS);
	assert_int_equal(t->client.family, v6 ? 6 : 4);
	assert_int_equal(t->n_evidence, 1);
	const evidence_t *e = &t->evidence[0];
	assert_int_equal(e->kind, REFUSAL_RACE);
	assert_int_equal(e->icmp_frame, 5);
	assert_int_equal(e->answer_frame, 4);
	assert_int_equal(e->query_frame, 2);
	assert_int_equal(e->answer_ts_ns, 51 * MS);
	assert_int_equal(e->icmp_ts_ns, 51 * MS + 30000);
	assert_int_equal(e->qtype, DNS_T_AAAA);
	assert_int_equal(e->cport, 40001);
	assert_true(sp_addr_equal(&e->client, &t->client));
	assert_true(e->has_taken);
	assert_int_equal(e->taken_qtype, DNS_T_A);
	assert_int_equal(e->taken_frame, 3);
	assert_int_equal(e->after_taken_ns, 50 * MS);

	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->frames, 5);
	assert_int_equal(st->dns, 4);
	assert_int_equal(st->queries, 2);
	assert_int_equal(st->answers, 2);
	assert_int_equal(st->icmp_errors, 1);
	assert_int_equal(st->icmp_unmatched, 0);
	assert_int_equal(st->answers_unmatched, 0);

	assert_int_equal(analyzer_client_count(f->a), 1);
	const client_summary_t *c = analyzer_client(f->a, 0);
	assert_int_equal(c->verdict, VERDICT_RACING);
	assert_int_equal(c->trials, 1);
	assert_int_equal(c->racing, 1);
	assert_int_equal(c->race, 1);
	assert_null(analyzer_client(f->a, 1));
}

static void test_racer(void **state)
{
	feed_t *f = *state;
	racer(f, 0, "r.t1.lab.test");
	check_racer(f, 0);
}

static void test_racer_ipv6(void **state)
{
	feed_t *f = *state;
	racer(f, 1, "r.t1.lab.test");
	check_racer(f, 1);
}

static void test_correct(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(20, 41000);
	const char *n = "c.t2.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 1000, query(&s, 2, n, DNS_T_AAAA));
	add(f, 2 * MS, answer(&s, 1, n, DNS_T_A));
	add(f, 52 * MS, answer(&s, 2, n, DNS_T_AAAA));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	assert_null(t->reason);
	assert_int_equal(t->sockets, 1);
	assert_int_equal(t->answers, 2);
	assert_int_equal(t->n_evidence, 0);
	assert_true(t->parallel);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 0);
	assert_int_equal(analyzer_client(f->a, 0)->verdict, VERDICT_CORRECT);
}

static void test_sequential(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(21, 41000);
	const char *n = "s.t2.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 2 * MS, answer(&s, 1, n, DNS_T_A));
	add(f, 3 * MS, query(&s, 2, n, DNS_T_AAAA));
	add(f, 4 * MS, answer(&s, 2, n, DNS_T_AAAA));
	const trial_t *t = only_trial(f);
	assert_false(t->parallel);
	assert_int_equal(t->second_qtype, DNS_T_AAAA);
	assert_int_equal(t->second_query_ts, 3 * MS);
}

/* The client re-sent the question before the answer came: the refused answer is late. */
static void test_late(void **state)
{
	feed_t *f = *state;
	sock_t a = sock4(30, 42000), b = sock4(30, 42001);
	const char *n = "l.t3.lab.test";
	add(f, 0, query(&a, 7, n, DNS_T_AAAA));          /* 1 */
	add(f, 1000 * MS, query(&b, 8, n, DNS_T_AAAA));  /* 2: resend, new socket */
	add(f, 1001 * MS, answer(&b, 8, n, DNS_T_AAAA)); /* 3: taken */
	add(f, 1500 * MS, answer(&a, 7, n, DNS_T_AAAA)); /* 4: to the closed socket */
	add(f, 1500 * MS + 1, icmp(&a, Q_QUESTION, 7, n, DNS_T_AAAA));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->queries, 2);
	assert_int_equal(t->requeries, 1);
	assert_int_equal(t->sockets, 2);
	assert_int_equal(t->late, 1);
	assert_int_equal(t->race, 0);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	assert_int_equal(t->n_evidence, 1);
	assert_int_equal(t->evidence[0].kind, REFUSAL_LATE);
	assert_int_equal(t->evidence[0].query_frame, 1);
	assert_int_equal(t->evidence[0].answer_frame, 4);
	assert_true(t->evidence[0].has_taken);
	assert_int_equal(t->evidence[0].taken_frame, 3);
	assert_int_equal(t->evidence[0].after_taken_ns, 499 * MS);
}

/* The question asked again after its answer reached a closed socket, but before the ICMP
 * error was seen: the client gave up on that query, so the refusal is late. */
static void test_requery_before_icmp_is_late(void **state)
{
	feed_t *f = *state;
	sock_t a = sock4(31, 42000);
	const char *n = "l2.t3.lab.test";
	add(f, 0, query(&a, 7, n, DNS_T_AAAA));
	add(f, 5 * MS, answer(&a, 7, n, DNS_T_AAAA));
	add(f, 6 * MS, query(&a, 9, n, DNS_T_AAAA));
	add(f, 7 * MS, icmp(&a, Q_ID, 7, NULL, 0));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->race, 0);
	assert_int_equal(t->late, 1);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	assert_int_equal(t->evidence[0].kind, REFUSAL_LATE);
	assert_false(t->evidence[0].has_taken);
}

/* glibc on a truncated A: it closes its UDP socket at the TC answer, the AAAA answer in
 * flight is refused, then both are asked again over TCP. The re-ask after the refusal
 * turns the race into late (the asker key leaves out socket and transport, so another UDP
 * socket stands in for the TCP connection); a client that never asks again stays racing. */
static void test_requery_after_icmp_turns_race_late(void **state)
{
	feed_t *f = *state;
	sock_t u = sock4(32, 43000), t4 = sock4(32, 43001), r = sock4(33, 43002);
	const char *n = "tc.t4.lab.test", *m = "tc.t5.lab.test";
	add(f, 0, query(&u, 1, n, DNS_T_A));
	add(f, 0, query(&u, 2, n, DNS_T_AAAA));
	add(f, 1 * MS, answer(&u, 1, n, DNS_T_A));
	add(f, 1 * MS, answer(&u, 2, n, DNS_T_AAAA));
	add(f, 1 * MS + 10, icmp(&u, Q_ID, 2, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_find_trial(f->a, n)->race, 1); /* so far, a race */
	add(f, 2 * MS, query(&t4, 3, n, DNS_T_A));
	add(f, 2 * MS, query(&t4, 4, n, DNS_T_AAAA));
	/* Another client refuses the same way and never asks again. */
	add(f, 3 * MS, query(&r, 5, m, DNS_T_A));
	add(f, 3 * MS, query(&r, 6, m, DNS_T_AAAA));
	add(f, 4 * MS, answer(&r, 5, m, DNS_T_A));
	add(f, 4 * MS, answer(&r, 6, m, DNS_T_AAAA));
	add(f, 4 * MS + 10, icmp(&r, Q_ID, 6, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	const trial_t *t = analyzer_find_trial(f->a, n);
	assert_int_equal(t->race, 0);
	assert_int_equal(t->late, 1);
	assert_int_equal(t->evidence[0].kind, REFUSAL_LATE);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	assert_int_equal(analyzer_find_trial(f->a, m)->verdict, VERDICT_RACING);
}

/* Two answers to one query; the second drew the error. */
static void test_duplicate(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(40, 43000);
	const char *n = "d.t4.lab.test";
	add(f, 0, query(&s, 5, n, DNS_T_A));
	add(f, 1 * MS, answer(&s, 5, n, DNS_T_A));
	add(f, 3 * MS, answer(&s, 5, n, DNS_T_A));
	add(f, 3 * MS + 5, icmp(&s, Q_QUESTION, 5, n, DNS_T_A));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->duplicate, 1);
	assert_int_equal(t->race + t->late, 0);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	const evidence_t *e = &t->evidence[0];
	assert_int_equal(e->kind, REFUSAL_DUPLICATE);
	assert_int_equal(e->answer_frame, 3);
	assert_true(e->has_taken);
	assert_int_equal(e->taken_frame, 2);
	assert_int_equal(e->taken_qtype, DNS_T_A);
	assert_int_equal(e->after_taken_ns, 2 * MS);
	assert_int_equal(analyzer_stats(f->a)->answers, 2);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 0);

	/* A second error quoting the same answer adds nothing. */
	add(f, 3 * MS + 6, icmp(&s, Q_QUESTION, 5, n, DNS_T_A));
	t = only_trial(f);
	assert_int_equal(t->n_evidence, 1);
	assert_int_equal(t->duplicate, 1);
}

static void test_icmp_unknown_answer(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(50, 44000), other = sock4(51, 44001);
	const char *n = "u.t5.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 1 * MS, answer(&s, 1, n, DNS_T_A));
	/* Wrong ID, other socket, other question, nothing at all. */
	add(f, 2 * MS, icmp(&s, Q_ID, 2, NULL, 0));
	add(f, 2 * MS, icmp(&other, Q_PORTS, 0, NULL, 0));
	add(f, 2 * MS, icmp(&s, Q_QUESTION, 1, n, DNS_T_AAAA));
	add(f, 2 * MS, icmp(&s, Q_QUESTION, 1, "nope.lab.test", DNS_T_A));
	/* An error that is not port unreachable is counted but not paired. */
	pkt_t host = icmp(&s, Q_QUESTION, 1, n, DNS_T_A);
	host.port_unreachable = 0;
	host.icmp_code = 1;
	add(f, 2 * MS, host);
	/* An answer with no query (wrong ID), refused: nothing to judge it against. */
	add(f, 3 * MS, answer(&s, 99, n, DNS_T_A));
	add(f, 3 * MS, icmp(&s, Q_ID, 99, NULL, 0));

	const trial_t *t = only_trial(f);
	assert_int_equal(t->n_evidence, 0);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->icmp_errors, 6);
	assert_int_equal(st->icmp_unmatched, 5);
	assert_int_equal(st->answers_unmatched, 1);
}

static void test_drops_and_no_queries(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(60, 45000), r = sock4(61, 45001), r2 = sock4(61, 45002);
	add(f, 0, query(&s, 1, "ok.t6.lab.test", DNS_T_A));
	add(f, 1 * MS, answer(&s, 1, "ok.t6.lab.test", DNS_T_A));
	/* A trial known only from its answer. */
	add(f, 2 * MS, answer(&s, 3, "gone.t6.lab.test", DNS_T_A));
	/* A race survives drops. */
	add(f, 3 * MS, query(&r, 4, "race.t6.lab.test", DNS_T_A));
	add(f, 3 * MS, query(&r2, 5, "race.t6.lab.test", DNS_T_AAAA));
	add(f, 4 * MS, answer(&r, 4, "race.t6.lab.test", DNS_T_A));
	add(f, 5 * MS, answer(&r2, 5, "race.t6.lab.test", DNS_T_AAAA));
	add(f, 5 * MS, icmp(&r2, Q_ID, 5, NULL, 0));

	assert_int_equal(analyzer_finish(f->a), 0);
	const trial_t *ok = analyzer_find_trial(f->a, "ok.t6.lab.test");
	const trial_t *gone = analyzer_find_trial(f->a, "gone.t6.lab.test");
	const trial_t *race = analyzer_find_trial(f->a, "race.t6.lab.test");
	assert_non_null(ok);
	assert_non_null(gone);
	assert_non_null(race);
	assert_int_equal(ok->verdict, VERDICT_CORRECT);
	assert_int_equal(gone->verdict, VERDICT_INCONCLUSIVE);
	assert_string_equal(gone->reason, "no queries seen");
	assert_int_equal(gone->answers, 1);
	assert_int_equal(race->verdict, VERDICT_RACING);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 1);
	/* Trials in order of first query; the one without queries by its first packet. */
	assert_ptr_equal(analyzer_trial(f->a, 0), ok);
	assert_ptr_equal(analyzer_trial(f->a, 1), gone);
	assert_ptr_equal(analyzer_trial(f->a, 2), race);
	assert_null(analyzer_trial(f->a, 3));

	analyzer_set_drops(f->a, 3);
	assert_int_equal(analyzer_finish(f->a), 0);
	ok = analyzer_find_trial(f->a, "ok.t6.lab.test");
	race = analyzer_find_trial(f->a, "race.t6.lab.test");
	assert_int_equal(ok->verdict, VERDICT_INCONCLUSIVE);
	assert_string_equal(ok->reason, "the capture dropped packets");
	assert_int_equal(race->verdict, VERDICT_RACING);
	assert_int_equal(analyzer_stats(f->a)->drops, 3);
	assert_true(analyzer_stats(f->a)->drops_known);
}

/* Queries nobody answered: nothing could be refused, so the wire cannot tell. */
static void test_no_answers(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(62, 46000);
	add(f, 0, query(&s, 1, "quiet.t7.lab.test", DNS_T_A));
	add(f, 0, query(&s, 2, "quiet.t7.lab.test", DNS_T_AAAA));
	add(f, 1 * MS, query(&s, 3, "half.t7.lab.test", DNS_T_A));
	add(f, 1 * MS, query(&s, 4, "half.t7.lab.test", DNS_T_AAAA));
	add(f, 2 * MS, answer(&s, 3, "half.t7.lab.test", DNS_T_A));

	assert_int_equal(analyzer_finish(f->a), 0);
	const trial_t *quiet = analyzer_find_trial(f->a, "quiet.t7.lab.test");
	const trial_t *half = analyzer_find_trial(f->a, "half.t7.lab.test");
	assert_non_null(quiet);
	assert_non_null(half);
	assert_int_equal(quiet->verdict, VERDICT_INCONCLUSIVE);
	assert_string_equal(quiet->reason, "no answers seen");
	assert_int_equal(half->verdict, VERDICT_CORRECT);
	assert_null(half->reason);
}

static void test_client_summaries(void **state)
{
	feed_t *f = *state;
	uint64_t ts = 0;
	char name[64];
	/* Client 70: three correct trials, then a racing one. Client 71: correct only.
	 * Client 72: only an answer without its query. */
	for (int i = 0; i < 3; i++) {
		sock_t s = sock4(70, (uint16_t)(46000 + i));
		snprintf(name, sizeof name, "c.t%d.lab.test", i);
		add(f, ts += MS, query(&s, (uint16_t)i, name, DNS_T_A));
		add(f, ts += MS, query(&s, (uint16_t)(i + 100), name, DNS_T_AAAA));
		add(f, ts += MS, answer(&s, (uint16_t)i, name, DNS_T_A));
		add(f, ts += MS, answer(&s, (uint16_t)(i + 100), name, DNS_T_AAAA));
		sock_t o = sock4(71, (uint16_t)(47000 + i));
		snprintf(name, sizeof name, "o.t%d.lab.test", i);
		add(f, ts += MS, query(&o, 1, name, DNS_T_A));
		add(f, ts += MS, answer(&o, 1, name, DNS_T_A));
	}
	racer(f, 0, "r.t9.lab.test"); /* client 192.0.2.10 */
	sock_t z = sock4(72, 48000);
	add(f, ts += MS, answer(&z, 1, "z.t9.lab.test", DNS_T_A));

	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 8);
	assert_int_equal(analyzer_client_count(f->a), 4);
	const client_summary_t *c70 = analyzer_client(f->a, 0);
	const client_summary_t *c71 = analyzer_client(f->a, 1);
	const client_summary_t *c10 = analyzer_client(f->a, 2);
	const client_summary_t *c72 = analyzer_client(f->a, 3);
	assert_int_equal(c70->addr.a[3], 70);
	assert_int_equal(c70->trials, 3);
	assert_int_equal(c70->correct, 3);
	assert_int_equal(c70->verdict, VERDICT_CORRECT);
	assert_int_equal(c71->addr.a[3], 71);
	assert_int_equal(c71->trials, 3);
	assert_int_equal(c10->addr.a[3], 10);
	assert_int_equal(c10->verdict, VERDICT_RACING);
	assert_int_equal(c10->racing, 1);
	assert_int_equal(c10->race, 1);
	assert_int_equal(c72->addr.a[3], 72);
	assert_int_equal(c72->verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(c72->inconclusive, 1);

	/* One client both racing and correct is racing. */
	sock_t a = sock4(70, 49000), b = sock4(70, 49001);
	add(f, ts += MS, query(&a, 1, "r2.t9.lab.test", DNS_T_A));
	add(f, ts += MS, query(&b, 2, "r2.t9.lab.test", DNS_T_AAAA));
	add(f, ts += MS, answer(&b, 2, "r2.t9.lab.test", DNS_T_AAAA));
	add(f, ts += MS, answer(&a, 1, "r2.t9.lab.test", DNS_T_A));
	add(f, ts += MS, icmp(&a, Q_PORTS, 0, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	c70 = analyzer_client(f->a, 0);
	assert_int_equal(c70->trials, 4);
	assert_int_equal(c70->racing, 1);
	assert_int_equal(c70->correct, 3);
	assert_int_equal(c70->verdict, VERDICT_RACING);
	const trial_t *r2 = analyzer_find_trial(f->a, "r2.t9.lab.test");
	assert_int_equal(r2->evidence[0].taken_qtype, DNS_T_AAAA);
	assert_int_equal(r2->first_qtype, DNS_T_A);
}

/* 0x20 mixed case: the same trial, and answers pair with their queries. */
static void test_case_folding(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(80, 50000);
	add(f, 0, query(&s, 1, "MiXeD.T10.lab.TEST", DNS_T_A));
	add(f, 1, query(&s, 2, "mixed.t10.LAB.test", DNS_T_AAAA));
	add(f, 2, answer(&s, 1, "MiXeD.T10.lab.TEST", DNS_T_A));
	add(f, 3, answer(&s, 2, "MIXED.T10.LAB.TEST", DNS_T_AAAA));
	add(f, 4, icmp(&s, Q_QUESTION, 2, "mIxEd.t10.lab.test", DNS_T_AAAA));
	const trial_t *t = only_trial(f);
	assert_string_equal(t->name, "mixed.t10.lab.test");
	assert_int_equal(t->queries, 2);
	assert_int_equal(t->answers, 2);
	assert_int_equal(t->n_evidence, 1);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 0);
	assert_ptr_equal(analyzer_find_trial(f->a, "MIXED.T10.LAB.TEST"), t);
	assert_ptr_equal(analyzer_find_trial(f->a, "mixed.t10.lab.test."), t);
	assert_null(analyzer_find_trial(f->a, "mixed.t11.lab.test"));
	assert_null(analyzer_find_trial(f->a, ""));
}

/* Quotes without the DNS ID (RFC 792 minimum) pair with the latest answer on the socket. */
static void test_quote_without_id(void **state)
{
	feed_t *f = *state;
	sock_t a = sock4(90, 51000), b = sock4(90, 51001);
	const char *n = "q.t11.lab.test";
	add(f, 0, query(&a, 1, n, DNS_T_A));
	add(f, 0, query(&b, 2, n, DNS_T_AAAA));
	add(f, 1 * MS, answer(&b, 2, n, DNS_T_AAAA));
	add(f, 9 * MS, answer(&a, 1, n, DNS_T_A));
	add(f, 9 * MS, icmp(&a, Q_PORTS, 0, NULL, 0));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->race, 1);
	assert_int_equal(t->evidence[0].qtype, DNS_T_A);
	assert_int_equal(t->evidence[0].taken_qtype, DNS_T_AAAA);
	assert_int_equal(t->evidence[0].after_taken_ns, 8 * MS);
}

/* An ICMP error finds the answer it quotes among all the live answers of its socket pair,
 * not only the latest; and not among answers that expired, even where their records were
 * used again since. */
static void test_quote_finds_older_answer(void **state)
{
	feed_t *f = *state;
	analyzer_set_window(f->a, 1 * SEC);
	sock_t s = sock4(93, 54000);
	add(f, 0, query(&s, 1, "a.t14.lab.test", DNS_T_A));
	add(f, 0, answer(&s, 1, "a.t14.lab.test", DNS_T_A)); /* frame 2: expires at 1.3 s */
	add(f, 600 * MS, query(&s, 2, "b.t14.lab.test", DNS_T_A));
	add(f, 600 * MS, answer(&s, 2, "b.t14.lab.test", DNS_T_A)); /* frame 4 */
	add(f, 700 * MS, query(&s, 3, "b.t14.lab.test", DNS_T_AAAA));
	add(f, 700 * MS, answer(&s, 3, "b.t14.lab.test", DNS_T_AAAA)); /* frame 6 */
	/* Two answers back, by ID alone and by question. */
	add(f, 800 * MS, icmp(&s, Q_ID, 2, NULL, 0));
	add(f, 800 * MS, icmp(&s, Q_QUESTION, 3, "b.t14.lab.test", DNS_T_AAAA));
	/* The first answer has gone; a new one on the same socket pair takes its record. */
	add(f, 1300 * MS, query(&s, 7, "c.t14.lab.test", DNS_T_A));
	add(f, 1300 * MS, answer(&s, 7, "c.t14.lab.test", DNS_T_A)); /* frame 10 */
	add(f, 1300 * MS, icmp(&s, Q_ID, 1, NULL, 0));
	add(f, 1300 * MS, icmp(&s, Q_PORTS, 0, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 3);
	const trial_t *b = analyzer_trial(f->a, 1), *c = analyzer_trial(f->a, 2);
	assert_string_equal(b->name, "b.t14.lab.test");
	assert_int_equal(b->n_evidence, 2);
	assert_int_equal(b->evidence[0].answer_frame, 4);
	assert_int_equal(b->evidence[1].answer_frame, 6);
	assert_int_equal(b->evidence[1].icmp_frame, 8);
	assert_int_equal(c->n_evidence, 1);
	assert_int_equal(c->evidence[0].answer_frame, 10);
	assert_int_equal(c->evidence[0].icmp_frame, 12);
	assert_int_equal(analyzer_trial(f->a, 0)->n_evidence, 0);
	assert_int_equal(analyzer_stats(f->a)->icmp_unmatched, 1);
	assert_int_equal(analyzer_stats(f->a)->expired_answers, 1);
}

/* A quote is looked for among the 256 latest answers of its socket pair, not further: a
 * pair of thousands of answers costs each ICMP error a bounded walk. */
static void test_quote_walk_bounded(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(94, 55000);
	const char *n = "d.t15.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 0, answer(&s, 1, n, DNS_T_A));
	for (uint16_t id = 2; id <= 256; id++)
		add(f, MS, answer(&s, id, NULL, 0)); /* no query: unmatched */
	add(f, 2 * MS, icmp(&s, Q_ID, 1, NULL, 0));  /* the 256th latest: found */
	add(f, 3 * MS, answer(&s, 257, NULL, 0));
	add(f, 4 * MS, icmp(&s, Q_ID, 1, NULL, 0)); /* the 257th: not looked at */
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->icmp_errors, 2);
	assert_int_equal(st->icmp_unmatched, 1);
	const trial_t *t = only_trial(f);
	assert_int_equal(t->race + t->late + t->duplicate, 1);
	assert_int_equal(t->evidence[0].icmp_frame, 258);
}

enum { TRY_PORTS = 60000 };

/* The client socket tried i-th by colliding_socks: 192.0.2.1 port 1024 first. */
static sock_t tried_sock(uint32_t i)
{
	return sock4((uint8_t)(1 + i / TRY_PORTS), (uint16_t)(1024 + i % TRY_PORTS));
}

/* Two client sockets of 192.0.2.0/24 whose socket pairs (to 127.0.0.1:53) hash alike in
 * the 32 bits an answer slot keeps, found by trying ports in turn: the hash of an ICMP
 * error's prep is its quoted socket pair's (analyzer_prepare). */
static void colliding_socks(const analyzer_t *a, sock_t *x, sock_t *y)
{
	enum { BITS = 20 };
	const size_t mask = ((size_t)1 << BITS) - 1;
	uint64_t *seen = calloc(mask + 1, sizeof *seen); /* hash << 32 | try + 1 */
	assert_non_null(seen);
	for (uint32_t i = 0;; i++) {
		/* Half a million tries find a pair with odds of one in 10^12 against. */
		assert_true(i < 500000);
		sock_t s = tried_sock(i);
		pkt_t p = icmp(&s, Q_PORTS, 0, NULL, 0);
		analyzer_prep_t prep;
		analyzer_prepare(a, &p, &prep);
		uint32_t h = (uint32_t)prep.h[0];
		size_t j = h & mask;
		for (; seen[j]; j = (j + 1) & mask) {
			if ((uint32_t)(seen[j] >> 32) != h)
				continue;
			*x = tried_sock((uint32_t)seen[j] - 1);
			*y = s;
			free(seen);
			return;
		}
		seen[j] = (uint64_t)h << 32 | (i + 1);
	}
}

/* Socket pairs whose hashes agree share an answer slot, newest answer first: an error
 * finds its own pair's answer behind the other's by comparing keys, and the bound of 256
 * answers looked through counts both pairs' answers. */
static void test_socket_pairs_share_slot(void **state)
{
	feed_t *f = *state;
	sock_t x, y;
	colliding_socks(f->a, &x, &y); /* two different sockets: each try is another */
	const char *n = "x.t40.lab.test", *m = "y.t40.lab.test";
	add(f, 0, query(&x, 1, n, DNS_T_A));
	add(f, 0, query(&y, 1, m, DNS_T_A));
	add(f, MS, answer(&x, 1, n, DNS_T_A));
	add(f, MS, answer(&y, 1, m, DNS_T_A));
	add(f, 2 * MS, icmp(&x, Q_ID, 1, NULL, 0)); /* x's answer, behind y's of the same ID */
	for (uint16_t id = 2; id <= 256; id++)
		add(f, 3 * MS, answer(&y, id, NULL, 0)); /* no query: unmatched */
	add(f, 4 * MS, icmp(&y, Q_ID, 1, NULL, 0));      /* y's first answer, the 256th latest */
	/* x's answer is now the 257th latest of the slot: on a slot of its own it would be the
	 * latest. That it is not found shows that the two pairs do share the slot. */
	add(f, 5 * MS, icmp(&x, Q_ID, 1, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->icmp_errors, 3);
	assert_int_equal(st->icmp_unmatched, 1);
	const trial_t *tx = analyzer_find_trial(f->a, n), *ty = analyzer_find_trial(f->a, m);
	assert_non_null(tx);
	assert_non_null(ty);
	assert_int_equal(tx->n_evidence, 1);
	assert_int_equal(tx->evidence[0].icmp_frame, 5);
	assert_int_equal(tx->evidence[0].answer_frame, 3);
	assert_int_equal(tx->evidence[0].cport, x.cport);
	assert_int_equal(ty->n_evidence, 1);
	assert_int_equal(ty->evidence[0].icmp_frame, 261);
	assert_int_equal(ty->evidence[0].answer_frame, 4);
	assert_int_equal(ty->evidence[0].cport, y.cport);
}

/* Answers without a question pair by socket and ID. */
static void test_answer_without_question(void **state)
{
	feed_t *f = *state;
	sock_t s = sock6(91, 52000);
	const char *n = "n.t12.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 1, query(&s, 2, n, DNS_T_AAAA));
	add(f, 2, answer(&s, 2, NULL, 0));
	add(f, 3, answer(&s, 3, NULL, 0)); /* no such ID: unmatched, no trial */
	add(f, 4, answer(&s, 1, n, DNS_T_A));
	add(f, 5, icmp(&s, Q_ID, 1, NULL, 0));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->answers, 2);
	assert_int_equal(t->race, 1);
	assert_int_equal(t->evidence[0].taken_qtype, DNS_T_AAAA);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 1);
}

/* The same question sent twice from the same socket with the same ID: one query, resent. */
static void test_same_socket_resend(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(92, 53000);
	const char *n = "x.t13.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A));
	add(f, 1000 * MS, query(&s, 1, n, DNS_T_A));
	add(f, 1001 * MS, answer(&s, 1, n, DNS_T_A));
	add(f, 1002 * MS, answer(&s, 1, n, DNS_T_A));
	add(f, 1002 * MS, icmp(&s, Q_QUESTION, 1, n, DNS_T_A));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->queries, 2);
	assert_int_equal(t->requeries, 1);
	assert_int_equal(t->sockets, 1);
	assert_int_equal(t->duplicate, 1);
	assert_int_equal(t->evidence[0].query_frame, 1);
}

static void test_other_kinds_and_queries_without_question(void **state)
{
	feed_t *f = *state;
	pkt_t p;
	memset(&p, 0, sizeof p);
	p.kind = PKT_SKIPPED;
	p.note = "IPv4 fragment";
	add(f, 0, p);
	p.kind = PKT_OTHER;
	add(f, 0, p);
	sock_t s = sock4(93, 54000);
	add(f, 0, query(&s, 1, NULL, 0));
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 0);
	assert_int_equal(analyzer_client_count(f->a), 0);
	assert_null(analyzer_trial(f->a, 0));
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->frames, 3);
	assert_int_equal(st->skipped, 1);
	assert_int_equal(st->queries, 1);
	assert_int_equal(st->dns, 1);
	assert_false(st->drops_known);
	analyzer_free(NULL);
}

/* Many trials and clients: every answer pairs, every race is found (the tables grow). */
static void test_many(void **state)
{
	feed_t *f = *state;
	char name[64];
	const unsigned n = 20000;
	for (unsigned i = 0; i < n; i++) {
		sock_t a = sock4((uint8_t)(i % 200), (uint16_t)(1024 + i % 50000));
		sock_t b = a;
		b.cport++;
		snprintf(name, sizeof name, "m.t%u.lab.test", i);
		uint64_t ts = (uint64_t)i * 100 * MS;
		add(f, ts, query(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts, query(&b, (uint16_t)~i, name, DNS_T_AAAA));
		add(f, ts + MS, answer(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts + 2 * MS, answer(&b, (uint16_t)~i, name, DNS_T_AAAA));
		if (i % 2)
			add(f, ts + 2 * MS, icmp(&b, Q_QUESTION, (uint16_t)~i, name, DNS_T_AAAA));
	}
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), n);
	assert_int_equal(analyzer_client_count(f->a), 200);
	unsigned racing = 0;
	for (unsigned i = 0; i < n; i++) {
		const trial_t *t = analyzer_trial(f->a, i);
		snprintf(name, sizeof name, "m.t%u.lab.test", i);
		assert_string_equal(t->name, name);
		racing += t->verdict == VERDICT_RACING;
	}
	assert_int_equal(racing, n / 2);
	assert_int_equal(analyzer_stats(f->a)->answers_unmatched, 0);
	assert_int_equal(analyzer_stats(f->a)->icmp_unmatched, 0);
}

/* ---- DNS over TCP ---- */

/* A TCP segment of s (from the client when !answer) carrying data. */
static pkt_t seg(const sock_t *s, int from_server, uint32_t seq, uint8_t flags, const uint8_t *data,
		 size_t n)
{
	pkt_t p;
	memset(&p, 0, sizeof p);
	p.kind = PKT_TCP;
	p.proto = 6;
	p.src = from_server ? s->server : s->client;
	p.dst = from_server ? s->client : s->server;
	p.sport = from_server ? s->sport : s->cport;
	p.dport = from_server ? s->cport : s->sport;
	p.tcp_seq = seq;
	p.tcp_flags = flags;
	p.payload = n ? data : NULL;
	p.payload_len = n;
	p.tcp_len = n;
	return p;
}

/* A length-prefixed DNS message at buf; returns its length with the prefix. */
static size_t tcp_msg(uint8_t *buf, int is_answer, uint16_t id, const char *name, uint16_t qtype)
{
	size_t n;
	if (is_answer) {
		dns_builder_t b;
		dns_question_t q = {.qtype = qtype, .qclass = DNS_C_IN};
		assert_int_equal(dns_name_from_text(name, &q.name), 0);
		dns_builder_init(&b, buf + 2, 510);
		dns_put_header(&b, id, DNS_F_QR | DNS_F_RD | DNS_F_RA);
		dns_put_question(&b, &q);
		int len = dns_finish(&b);
		assert_true(len > 0);
		n = (size_t)len;
	} else {
		dns_name_t dn;
		assert_int_equal(dns_name_from_text(name, &dn), 0);
		int len = dns_build_query(buf + 2, 510, id, &dn, qtype);
		assert_true(len > 0);
		n = (size_t)len;
	}
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	return n + 2;
}

static void test_tcp_stream(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(80, 50000);
	const char *name = "tc.t1.lab.test";
	uint8_t q[512], a[1024];
	size_t qn = tcp_msg(q, 0, 1, name, DNS_T_A);
	add(f, 0, seg(&s, 0, 99, TCP_F_SYN, NULL, 0));
	add(f, 1, seg(&s, 1, 499, TCP_F_SYN | TCP_F_ACK, NULL, 0));
	/* The length prefix alone, then the message, then the message again (retransmitted). */
	add(f, 2, seg(&s, 0, 100, TCP_F_ACK, q, 2));
	add(f, 3, seg(&s, 0, 102, TCP_F_ACK, q + 2, qn - 2));
	add(f, 4, seg(&s, 0, 102, TCP_F_ACK, q + 2, qn - 2));
	/* A and AAAA answers in three segments, cut inside the first message. */
	size_t an = tcp_msg(a, 1, 1, name, DNS_T_A);
	an += tcp_msg(a + an, 1, 1, name, DNS_T_AAAA); /* answers a query never sent */
	add(f, 5, seg(&s, 1, 500, TCP_F_ACK, a, 7));
	add(f, 6, seg(&s, 1, 507, TCP_F_ACK, a + 7, 20));
	add(f, 7, seg(&s, 1, 527, TCP_F_ACK | TCP_F_FIN, a + 27, an - 27));

	const trial_t *t = only_trial(f);
	assert_int_equal(t->queries, 1);
	assert_int_equal(t->tcp_queries, 1);
	assert_int_equal(t->answers, 2);
	assert_int_equal(t->unanswered, 0);
	assert_int_equal(t->verdict, VERDICT_CORRECT);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->tcp_segments, 8);
	assert_int_equal(st->tcp_messages, 3);
	assert_int_equal(st->tcp_retransmits, 1);
	assert_int_equal(st->tcp_gaps, 0);
	assert_int_equal(st->queries, 1);
	assert_int_equal(st->answers, 2);
	assert_int_equal(st->answers_unmatched, 1);
	const client_summary_t *c = analyzer_client(f->a, 0);
	assert_int_equal(c->tcp_only, 1);
	assert_int_equal(c->tcp_queries, 1);
}

static void test_tcp_gaps(void **state)
{
	feed_t *f = *state;
	sock_t s = sock4(81, 50001);
	const char *name = "gap.t1.lab.test";
	uint8_t buf[1024];
	size_t n1 = tcp_msg(buf, 0, 1, name, DNS_T_A);
	size_t n2 = tcp_msg(buf + n1, 0, 2, name, DNS_T_AAAA);
	/* Joined mid-stream: the first segment is taken as a message start. Half a message,
	 * then a segment after a hole: the half is dropped, the next message read. */
	add(f, 0, seg(&s, 0, 1000, TCP_F_ACK, buf, n1 / 2));
	add(f, 1, seg(&s, 0, (uint32_t)(1000 + n1 + 50), TCP_F_ACK, buf + n1, n2));
	/* Overlap: old bytes and new ones in one segment; only the new ones count. */
	size_t n3 = tcp_msg(buf + n1 + n2, 0, 3, name, DNS_T_HTTPS);
	uint32_t next = (uint32_t)(1000 + n1 + 50 + n2);
	add(f, 2, seg(&s, 0, next - 4, TCP_F_ACK, buf + n1 + n2 - 4, n3 + 4));
	next += (uint32_t)n3;
	/* A length too short for DNS: the stream is dropped until the next segment. */
	static const uint8_t bad[6] = {0, 3, 1, 2, 3, 0};
	add(f, 3, seg(&s, 0, next, TCP_F_ACK, bad, sizeof bad));
	next += sizeof bad;
	size_t n4 = tcp_msg(buf, 0, 4, name, DNS_T_MX);
	add(f, 4, seg(&s, 0, next, TCP_F_ACK, buf, n4));
	next += (uint32_t)n4;
	/* A segment the snap length cut: what is there is lost with it, the stream goes on. */
	size_t n5 = tcp_msg(buf, 0, 5, name, DNS_T_TXT);
	pkt_t cut = seg(&s, 0, next, TCP_F_ACK, buf, n5 - 3);
	cut.tcp_len = n5;
	add(f, 5, cut);
	next += (uint32_t)n5;
	size_t n6 = tcp_msg(buf, 0, 6, name, DNS_T_SRV);
	add(f, 6, seg(&s, 0, next, TCP_F_ACK, buf, n6));
	/* RST forgets the stream; a sequence number far away is then a fresh start. */
	add(f, 7, seg(&s, 0, next, TCP_F_RST, NULL, 0));
	size_t n7 = tcp_msg(buf, 0, 7, name, DNS_T_NS);
	add(f, 8, seg(&s, 0, 77, TCP_F_ACK, buf, n7));
	/* Sequence numbers wrap. */
	sock_t w = sock4(81, 50002);
	size_t n8 = tcp_msg(buf, 0, 8, name, DNS_T_PTR);
	add(f, 9, seg(&w, 0, 0xfffffffe, TCP_F_ACK, buf, 5));
	add(f, 10, seg(&w, 0, 3, TCP_F_ACK, buf + 5, n8 - 5));
	/* A segment the snap length cut to nothing, overlapping bytes already read: no bytes
	 * at all (no payload pointer either), one more gap. */
	pkt_t none = seg(&w, 0, (uint32_t)(3 + n8 - 5 - 2), TCP_F_ACK, NULL, 0);
	none.tcp_len = 6;
	add(f, 11, none);

	const trial_t *t = only_trial(f);
	/* AAAA (2), HTTPS (3), MX (4), SRV (6), NS (7), PTR (8); A (1) and TXT (5) were cut. */
	assert_int_equal(t->queries, 6);
	assert_int_equal(t->tcp_queries, 6);
	assert_int_equal(t->first_qtype, DNS_T_AAAA);
	assert_int_equal(t->unanswered, 6);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->tcp_messages, 6);
	assert_int_equal(st->tcp_gaps, 3);
	assert_int_equal(st->tcp_bad, 1);
	assert_int_equal(st->tcp_retransmits, 0);
}

/* ---- bounded memory ---- */

typedef struct seen {
	unsigned trials, racing;
	char last[64];
	unsigned client_trials;
} seen_t;

static void on_trial(const trial_t *t, const client_summary_t *c, void *ctx)
{
	seen_t *s = ctx;
	s->trials++;
	s->racing += t->verdict == VERDICT_RACING;
	assert_true(t->finished);
	snprintf(s->last, sizeof s->last, "%s", t->name);
	s->client_trials = c->trials;
	if (t->verdict == VERDICT_RACING) {
		/* The taken answer is known once the answers have expired. */
		assert_int_equal(t->n_evidence, 1);
		assert_true(t->evidence[0].has_taken);
		assert_int_equal(t->evidence[0].taken_qtype, DNS_T_A);
	}
}

/* The summary a callback gets keeps its gap median up to date as trials finish: it must be
 * the median analyzer_finish computes over the same trials from the whole histogram. */
static void on_trial_median(const trial_t *t, const client_summary_t *c, void *ctx)
{
	(void)t;
	*(uint64_t *)ctx = c->gap_median_ns;
}

static void test_window_median(void **state)
{
	feed_t *f = *state;
	uint64_t median = UINT64_MAX;
	/* Gaps that go up and down across buckets, some equal, some far apart. */
	static const uint64_t gaps_us[] = {5,   900, 3,  40000, 17, 17, 250, 2,   9000, 64,
					   100, 1,   33, 700,   15, 16, 123, 456, 7,    80000};
	analyzer_set_window(f->a, 1 * SEC);
	analyzer_set_trial_cb(f->a, on_trial_median, &median);
	sock_t s = sock4(10, 41000);
	for (size_t i = 0; i <= sizeof gaps_us / sizeof gaps_us[0]; i++) {
		char name[32];
		uint64_t at = (uint64_t)i * 2 * SEC;
		snprintf(name, sizeof name, "m%zu.lab.test", i);
		/* This query finishes the trial before it: only that one has a gap. */
		add(f, at, query(&s, (uint16_t)(2 * i), name, DNS_T_A));
		if (i > 0) {
			assert_int_equal(analyzer_finish(f->a), 0);
			const client_summary_t *c = analyzer_client(f->a, 0);
			assert_int_equal(c->gaps, i);
			assert_int_equal(median, c->gap_median_ns);
		}
		if (i < sizeof gaps_us / sizeof gaps_us[0])
			add(f, at + gaps_us[i] * 1000,
			    query(&s, (uint16_t)(2 * i + 1), name, DNS_T_AAAA));
	}
}

/* A trial finishes once it has been quiet for the window, counted from its last packet,
 * even when later trials began before that packet; and trials finish in the order they went
 * quiet, at the end of a capture too. */
typedef struct order_seen {
	unsigned n;
	char names[8][32];
} order_seen_t;

static void on_trial_order(const trial_t *t, const client_summary_t *c, void *ctx)
{
	order_seen_t *o = ctx;
	(void)c;
	if (o->n < 8)
		snprintf(o->names[o->n], sizeof o->names[0], "%s", t->name);
	o->n++;
}

static void test_window_from_last_packet(void **state)
{
	feed_t *f = *state;
	order_seen_t seen = {0};
	analyzer_set_window(f->a, 1 * SEC);
	analyzer_set_trial_cb(f->a, on_trial_order, &seen);
	sock_t s = sock4(10, 42000);
	add(f, 0, query(&s, 1, "a.w.lab.test", DNS_T_A));
	add(f, 300 * MS, query(&s, 2, "b.w.lab.test", DNS_T_A));
	add(f, 500 * MS, answer(&s, 1, "a.w.lab.test", DNS_T_A)); /* a: last packet at 0.5 s */
	add(f, 800 * MS, query(&s, 3, "c.w.lab.test", DNS_T_A));
	/* At 1.4 s: b (0.3 s) has been quiet for more than the window, a (0.5 s) not yet. */
	assert_int_equal(analyzer_advance(f->a, 1400 * MS), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.names[0], "b.w.lab.test");
	/* At 1.6 s a goes, though c began before its answer and is still open. */
	assert_int_equal(analyzer_advance(f->a, 1600 * MS), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.names[1], "a.w.lab.test");
	/* At the end, the open trials finish in the order they went quiet: e (asked at 1.7 s)
	 * before d (asked at 1.65 s, asked again at 1.75 s), c first of all. */
	add(f, 1650 * MS, query(&s, 4, "d.w.lab.test", DNS_T_A));
	add(f, 1700 * MS, query(&s, 5, "e.w.lab.test", DNS_T_A));
	add(f, 1750 * MS, query(&s, 4, "d.w.lab.test", DNS_T_A));
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(seen.n, 5);
	assert_string_equal(seen.names[2], "c.w.lab.test");
	assert_string_equal(seen.names[3], "e.w.lab.test");
	assert_string_equal(seen.names[4], "d.w.lab.test");
}

/* Enough trials for pools and tables to pass the size where they become mappings of their
 * own (4 MiB), grow there, and are given back at the end: the pairing and the taken answers
 * come out as with a few. */
static void test_large_state(void **state)
{
	feed_t *f = *state;
	seen_t seen = {0};
	analyzer_set_trial_cb(f->a, on_trial, &seen);
	char name[64];
	const unsigned n = 150000;
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = (uint64_t)i * 100000; /* 10,000 trials a second: all in the window */
		sock_t a = sock4((uint8_t)(i % 200), (uint16_t)(1024 + i % 60000)), b = a;
		b.cport++;
		snprintf(name, sizeof name, "l%u.big.lab.test", i);
		add(f, ts, query(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts, query(&b, (uint16_t)~i, name, DNS_T_AAAA));
		add(f, ts + 10000, answer(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts + 20000, answer(&b, (uint16_t)~i, name, DNS_T_AAAA));
		if (i % 4 == 0)
			add(f, ts + 30000, icmp(&b, Q_QUESTION, (uint16_t)~i, name, DNS_T_AAAA));
	}
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->live_trials, n);
	assert_int_equal(st->answers_unmatched, 0);
	assert_int_equal(st->icmp_unmatched, 0);
	assert_int_equal(seen.trials, 0);
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(seen.trials, n);
	assert_int_equal(seen.racing, n / 4);
	assert_int_equal(st->expired_queries, 2 * n);
	assert_int_equal(st->expired_answers, 2 * n);
	/* The tables given back grow again for what follows. */
	sock_t s = sock4(7, 50000);
	add(f, 20 * SEC, query(&s, 1, "after.big.lab.test", DNS_T_A));
	add(f, 20 * SEC + MS, answer(&s, 1, "after.big.lab.test", DNS_T_A));
	add(f, 20 * SEC + 2 * MS, icmp(&s, Q_QUESTION, 1, "after.big.lab.test", DNS_T_A));
	assert_int_equal(st->answers_unmatched, 0);
	assert_int_equal(st->icmp_unmatched, 0);
}

/* A trial finished at the end of a capture counts as unanswered both the queries that
 * expired without an answer and those still open then; the analyzer works on after it. */
typedef struct counts_seen {
	unsigned n, unanswered[4], answers[4];
} counts_seen_t;

static void on_trial_counts(const trial_t *t, const client_summary_t *c, void *ctx)
{
	counts_seen_t *o = ctx;
	(void)c;
	if (o->n < 4) {
		o->unanswered[o->n] = t->unanswered;
		o->answers[o->n] = t->answers;
	}
	o->n++;
}

static void test_flush_unanswered(void **state)
{
	feed_t *f = *state;
	counts_seen_t seen = {0};
	analyzer_set_window(f->a, 1 * SEC);
	analyzer_set_trial_cb(f->a, on_trial_counts, &seen);
	sock_t s = sock4(10, 45000);
	const char *n = "u.w.lab.test";
	add(f, 0, query(&s, 1, n, DNS_T_A)); /* never answered: expires at 1 s */
	add(f, 800 * MS, query(&s, 2, n, DNS_T_AAAA));
	add(f, 810 * MS, answer(&s, 2, n, DNS_T_AAAA));
	add(f, 1500 * MS, query(&s, 3, n, DNS_T_HTTPS)); /* never answered, open at the end */
	assert_int_equal(analyzer_stats(f->a)->expired_queries, 1);
	assert_int_equal(seen.n, 0);
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.unanswered[0], 2);
	assert_int_equal(seen.answers[0], 1);
	assert_int_equal(analyzer_stats(f->a)->expired_queries, 3);
	assert_int_equal(analyzer_stats(f->a)->expired_answers, 1);
	/* Packets after the flush pair as before it. */
	add(f, 2 * SEC, query(&s, 4, n, DNS_T_A));
	add(f, 2 * SEC + MS, answer(&s, 4, n, DNS_T_A));
	add(f, 2 * SEC + 2 * MS, icmp(&s, Q_QUESTION, 4, n, DNS_T_A));
	assert_int_equal(analyzer_stats(f->a)->icmp_unmatched, 0);
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.unanswered[1], 0);
	assert_int_equal(seen.answers[1], 1);
}

/* Many query types and sockets for one client and name, some of them unused for longer
 * than the window while the trial goes on: each question and socket is forgotten a window
 * after its own last use, however many there are. */
static void test_many_types_and_sockets(void **state)
{
	feed_t *f = *state;
	const char *n = "many.lab.test";
	analyzer_set_window(f->a, 1 * SEC);
	sock_t p1 = sock4(10, 44001), p2 = sock4(10, 44002), p3 = sock4(10, 44003);
	add(f, 0, query(&p1, 1, n, DNS_T_A));
	add(f, 1, query(&p2, 2, n, DNS_T_AAAA));
	add(f, 2, query(&p3, 3, n, DNS_T_HTTPS));
	add(f, 500 * MS, query(&p3, 4, n, DNS_T_MX));
	add(f, 500 * MS + 1, query(&p3, 5, n, DNS_T_TXT));
	add(f, 600 * MS, query(&p3, 5, n, DNS_T_TXT)); /* the TXT query sent again */
	/* Its answer comes after the resend and is refused: late. */
	add(f, 700 * MS, answer(&p3, 5, n, DNS_T_TXT));
	add(f, 710 * MS, icmp(&p3, Q_QUESTION, 5, n, DNS_T_TXT));
	add(f, 720 * MS, answer(&p3, 4, n, DNS_T_MX));
	/* At 1.2 s the A question (last asked at 0 s) is forgotten: asking it is no repeat. p3
	 * was last used at 0.6 s: still known. */
	add(f, 1200 * MS, query(&p3, 6, n, DNS_T_A));
	/* At 1.3 s p1 (last used at 0 s) is a new socket, and A a repeat of 1.2 s. */
	add(f, 1300 * MS, query(&p1, 7, n, DNS_T_A));
	/* MX was asked at 0.5 s only: forgotten at 1.6 s; TXT (0.6 s) too. */
	add(f, 1650 * MS, query(&p2, 8, n, DNS_T_MX));
	add(f, 1660 * MS, query(&p2, 9, n, DNS_T_TXT));
	add(f, 1670 * MS, query(&p2, 9, n, DNS_T_TXT)); /* a repeat */
	assert_int_equal(analyzer_finish(f->a), 0);
	const trial_t *t = analyzer_find_trial(f->a, n);
	assert_non_null(t);
	assert_int_equal(t->queries, 11);
	assert_int_equal(t->requeries, 3); /* TXT at 0.6 s, A at 1.3 s, TXT at 1.67 s */
	assert_int_equal(t->sockets, 5);   /* p1, p2, p3, then p1 and p2 again after the window */
	assert_int_equal(t->late, 1);
	assert_int_equal(t->race, 0);
	assert_int_equal(t->answers, 2);
}

static void test_window_callback(void **state)
{
	feed_t *f = *state;
	seen_t seen = {0};
	analyzer_set_window(f->a, 1 * SEC);
	analyzer_set_trial_cb(f->a, on_trial, &seen);
	racer(f, 0, "r.t1.lab.test");
	assert_int_equal(seen.trials, 0);
	/* 0.5 s later: still live, the ICMP error pairs. Then 3 s later: finished. */
	sock_t s = sock4(10, 40000);
	add(f, 2 * SEC, query(&s, 9, "other.t2.lab.test", DNS_T_A));
	assert_int_equal(seen.trials, 1);
	assert_int_equal(seen.racing, 1);
	assert_string_equal(seen.last, "r.t1.lab.test");
	assert_int_equal(seen.client_trials, 1);
	/* An ICMP error for the finished trial's answer finds nothing to pair with. */
	sock_t b = sock4(10, 40001);
	add(f, 2 * SEC + 1, icmp(&b, Q_QUESTION, 0x2222, "r.t1.lab.test", DNS_T_AAAA));
	assert_int_equal(analyzer_stats(f->a)->icmp_unmatched, 1);
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 1); /* other.t2, still live */
	assert_null(analyzer_find_trial(f->a, "r.t1.lab.test"));
	const client_summary_t *c = analyzer_client(f->a, 0);
	assert_int_equal(c->trials, 2);
	assert_int_equal(c->racing, 1);
	assert_int_equal(c->verdict, VERDICT_RACING);
	/* Advancing the clock finishes the live trial without a packet. */
	assert_int_equal(analyzer_advance(f->a, 5 * SEC), 0);
	assert_int_equal(seen.trials, 2);
	assert_string_equal(seen.last, "other.t2.lab.test");
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 0);
	c = analyzer_client(f->a, 0);
	assert_int_equal(c->trials, 2);
	assert_int_equal(c->unanswered, 1);
	assert_int_equal(c->inconclusive, 1);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->finished_trials, 2);
	assert_int_equal(st->freed_trials, 2);
	assert_int_equal(st->live_trials, 0);
	assert_int_equal(st->expired_queries, 3);
	assert_int_equal(st->expired_answers, 2);
}

static void test_window_keeps_trials(void **state)
{
	feed_t *f = *state;
	analyzer_set_window(f->a, 1 * SEC);
	racer(f, 0, "r.t1.lab.test");
	sock_t s = sock4(10, 41000);
	/* The same name long after: a second trial, the first one finished and kept. */
	add(f, 10 * SEC, query(&s, 1, "r.t1.lab.test", DNS_T_A));
	add(f, 10 * SEC + MS, answer(&s, 1, "r.t1.lab.test", DNS_T_A));
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 2);
	const trial_t *t0 = analyzer_trial(f->a, 0), *t1 = analyzer_trial(f->a, 1);
	assert_true(t0->finished);
	assert_int_equal(t0->verdict, VERDICT_RACING);
	assert_true(t0->evidence[0].has_taken);
	assert_int_equal(t0->evidence[0].after_taken_ns, 50 * MS);
	assert_false(t1->finished);
	assert_int_equal(t1->verdict, VERDICT_CORRECT);
	assert_ptr_equal(analyzer_find_trial(f->a, "R.T1.lab.test."), t0);
	/* Drops learnt later do not change a finished trial, only the live one. */
	analyzer_set_drops(f->a, 3);
	assert_int_equal(analyzer_finish(f->a), 0);
	t0 = analyzer_trial(f->a, 0);
	t1 = analyzer_trial(f->a, 1);
	assert_int_equal(t0->verdict, VERDICT_RACING);
	assert_int_equal(t1->verdict, VERDICT_INCONCLUSIVE);
	/* Flush finishes the rest; without a callback they stay listed. */
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 2);
	assert_true(analyzer_trial(f->a, 1)->finished);
	assert_int_equal(analyzer_client(f->a, 0)->trials, 2);
	assert_int_equal(analyzer_client_count(f->a), 1);
}

/* Window 0 keeps everything, however far apart the packets are. */
static void test_window_zero(void **state)
{
	feed_t *f = *state;
	analyzer_set_window(f->a, 0);
	sock_t a = sock4(10, 40000);
	add(f, 0, query(&a, 1, "slow.t1.lab.test", DNS_T_A));
	add(f, 3600 * SEC, answer(&a, 1, "slow.t1.lab.test", DNS_T_A));
	add(f, 3600 * SEC + 1, answer(&a, 1, "slow.t1.lab.test", DNS_T_A));
	add(f, 3600 * SEC + 2, icmp(&a, Q_ID, 1, NULL, 0));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->duplicate, 1);
	assert_false(t->finished);
	assert_int_equal(analyzer_stats(f->a)->expired_queries, 0);
}

/* A long capture through a callback: state stays bounded by the window. */
static void test_window_bounded(void **state)
{
	feed_t *f = *state;
	seen_t seen = {0};
	analyzer_set_window(f->a, 1 * SEC);
	analyzer_set_trial_cb(f->a, on_trial, &seen);
	char name[64];
	uint64_t most_live = 0;
	const unsigned n = 50000;
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = (uint64_t)i * 10 * MS;
		sock_t a = sock4((uint8_t)(i % 50), (uint16_t)(1024 + i % 30000)), b = a;
		b.cport++;
		snprintf(name, sizeof name, "b.t%u.lab.test", i);
		add(f, ts, query(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts, query(&b, (uint16_t)~i, name, DNS_T_AAAA));
		add(f, ts + MS, answer(&a, (uint16_t)i, name, DNS_T_A));
		add(f, ts + 2 * MS, answer(&b, (uint16_t)~i, name, DNS_T_AAAA));
		if (i % 3 == 0)
			add(f, ts + 2 * MS, icmp(&b, Q_QUESTION, (uint16_t)~i, name, DNS_T_AAAA));
		uint64_t live = analyzer_stats(f->a)->live_trials;
		if (live > most_live)
			most_live = live;
	}
	/* 100 trials start per second: at most about two windows of them are live. */
	assert_true(most_live <= 250);
	assert_int_equal(analyzer_flush(f->a), 0);
	assert_int_equal(seen.trials, n);
	assert_int_equal(seen.racing, (n + 2) / 3);
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_client_count(f->a), 50);
	unsigned trials = 0, racing = 0;
	for (size_t i = 0; i < analyzer_client_count(f->a); i++) {
		trials += analyzer_client(f->a, i)->trials;
		racing += analyzer_client(f->a, i)->racing;
	}
	assert_int_equal(trials, n);
	assert_int_equal(racing, (n + 2) / 3);
}

static void test_per_client(void **state)
{
	feed_t *f = *state;
	analyzer_set_per_client(f->a, 1);
	sock_t a = sock4(20, 40000), b = sock4(21, 40000);
	add(f, 0, query(&a, 1, "www.example.com", DNS_T_A));
	add(f, 1, query(&b, 1, "www.example.com", DNS_T_A));
	add(f, 2, answer(&b, 1, "www.example.com", DNS_T_A));
	add(f, 3, answer(&a, 1, "www.example.com", DNS_T_A));
	add(f, 4, icmp(&a, Q_QUESTION, 1, "www.example.com", DNS_T_A));
	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_trial_count(f->a), 2);
	const trial_t *ta = analyzer_trial(f->a, 0), *tb = analyzer_trial(f->a, 1);
	assert_int_equal(ta->client.a[3], 20);
	assert_int_equal(tb->client.a[3], 21);
	assert_int_equal(ta->race, 1);
	assert_int_equal(tb->race, 0);
	assert_int_equal(analyzer_client(f->a, 0)->verdict, VERDICT_RACING);
	assert_int_equal(analyzer_client(f->a, 1)->verdict, VERDICT_CORRECT);
}

/* Two clients ask one name (one trial): each has its own questions, sockets and taken
 * answer, the first client's kept with the trial and the second's apart. */
static void test_two_clients_one_name(void **state)
{
	feed_t *f = *state;
	const char *n = "shared.lab.test";
	sock_t a1 = sock4(30, 40000), a2 = sock4(30, 40001);
	sock_t b1 = sock4(31, 40010), b2 = sock4(31, 40011);
	add(f, 0, query(&a1, 1, n, DNS_T_A));
	add(f, 10000, query(&a2, 2, n, DNS_T_AAAA));
	add(f, 1 * MS, answer(&a1, 1, n, DNS_T_A));
	add(f, 2 * MS, answer(&a2, 2, n, DNS_T_AAAA));
	add(f, 2 * MS + 100000, icmp(&a2, Q_QUESTION, 2, n, DNS_T_AAAA));
	/* The second client asks the same questions: not asked again by it. */
	add(f, 5 * MS, query(&b1, 3, n, DNS_T_A));
	add(f, 5 * MS, query(&b2, 4, n, DNS_T_AAAA));
	add(f, 6 * MS, answer(&b2, 4, n, DNS_T_AAAA));
	add(f, 20 * MS, answer(&b1, 3, n, DNS_T_A));
	add(f, 20 * MS + 100000, icmp(&b1, Q_QUESTION, 3, n, DNS_T_A));
	const trial_t *t = only_trial(f);
	assert_int_equal(t->queries, 4);
	assert_int_equal(t->requeries, 0);
	assert_int_equal(t->answers, 4);
	assert_int_equal(t->sockets, 4);
	assert_int_equal(t->race, 2);
	assert_int_equal(t->n_evidence, 2);
	const evidence_t *ea = &t->evidence[0], *eb = &t->evidence[1];
	assert_int_equal(ea->client.a[3], 30);
	assert_true(ea->has_taken);
	assert_int_equal(ea->taken_qtype, DNS_T_A);
	assert_int_equal(ea->after_taken_ns, 1 * MS); /* from the taken answer to the refused one */
	assert_int_equal(eb->client.a[3], 31);
	assert_true(eb->has_taken);
	assert_int_equal(eb->taken_qtype, DNS_T_AAAA);
	assert_int_equal(eb->after_taken_ns, 14 * MS);
	/* The second client asking again is a requery, and makes its race late. */
	add(f, 30 * MS, query(&b1, 5, n, DNS_T_A));
	t = only_trial(f);
	assert_int_equal(t->requeries, 1);
	assert_int_equal(t->race, 1);
	assert_int_equal(t->late, 1);
}

/* How each client sends its questions, summed over its trials. */
static void test_client_behaviour(void **state)
{
	feed_t *f = *state;
	racer(f, 0, "r.t1.lab.test"); /* two sockets, A first, parallel, 10 us gap */
	sock_t s = sock4(10, 41000);
	uint64_t t = SEC;
	add(f, t, query(&s, 1, "w.t2.lab.test", DNS_T_AAAA)); /* one socket, AAAA first */
	add(f, t + MS, answer(&s, 1, "w.t2.lab.test", DNS_T_AAAA));
	add(f, t + 3 * MS, query(&s, 2, "w.t2.lab.test", DNS_T_A)); /* sequential, 3 ms */
	pkt_t tc = answer(&s, 2, "w.t2.lab.test", DNS_T_A);
	tc.dns.h.flags |= DNS_F_TC;
	add(f, t + 4 * MS, tc);
	pkt_t tq = query(&s, 3, "w.t2.lab.test", DNS_T_A);
	tq.proto = 6;
	add(f, t + 5 * MS, tq);
	sock_t u = sock4(10, 42000);
	add(f, 2 * SEC, query(&u, 1, "nx.t3.lab.test", DNS_T_A)); /* single type */
	pkt_t nx = answer(&u, 1, "nx.t3.lab.test", DNS_T_A);
	nx.dns.h.flags |= DNS_R_NXDOMAIN;
	add(f, 2 * SEC + MS, nx);
	sock_t v = sock4(10, 43000), w = sock4(10, 43001), x = sock4(10, 43002);
	add(f, 3 * SEC, query(&v, 1, "m.t4.lab.test", DNS_T_A)); /* three sockets */
	add(f, 3 * SEC + 1000 * 1000, query(&w, 1, "m.t4.lab.test", DNS_T_AAAA));
	add(f, 3 * SEC + 2000 * 1000, query(&x, 1, "m.t4.lab.test", DNS_T_HTTPS));

	assert_int_equal(analyzer_finish(f->a), 0);
	assert_int_equal(analyzer_client_count(f->a), 1);
	const client_summary_t *c = analyzer_client(f->a, 0);
	assert_int_equal(c->trials, 4);
	assert_int_equal(c->queries, 9);
	assert_int_equal(c->tcp_queries, 1);
	assert_int_equal(c->answers, 5);
	assert_int_equal(c->unanswered, 4); /* w's TCP query, m's three */
	assert_int_equal(c->truncated, 1);
	assert_int_equal(c->errors, 1);
	assert_int_equal(c->one_socket, 2);
	assert_int_equal(c->two_sockets, 1);
	assert_int_equal(c->more_sockets, 1);
	assert_int_equal(c->a_first, 2);
	assert_int_equal(c->aaaa_first, 1);
	assert_int_equal(c->parallel, 2);
	assert_int_equal(c->sequential, 1);
	assert_int_equal(c->single_type, 1);
	assert_int_equal(c->udp_only, 3);
	assert_int_equal(c->udp_and_tcp, 1);
	assert_int_equal(c->tcp_only, 0);
	assert_int_equal(c->gaps, 3);
	assert_int_equal(c->gap_min_ns, 10000);
	assert_int_equal(c->gap_max_ns, 3 * MS);
	/* The median of 10 us, 1 ms and 3 ms: 1 ms to within 1/8. */
	assert_true(c->gap_median_ns >= 1 * MS - MS / 8 && c->gap_median_ns <= 1 * MS + MS / 8);
}

static void test_skip_reasons(void **state)
{
	feed_t *f = *state;
	pkt_t p;
	memset(&p, 0, sizeof p);
	p.kind = PKT_SKIPPED;
	p.skip = SKIP_FRAGMENT;
	add(f, 0, p);
	add(f, 1, p);
	p.skip = SKIP_TRUNCATED;
	add(f, 2, p);
	p.skip = (enum pkt_skip)99; /* out of range: counted as malformed */
	add(f, 3, p);
	const analyzer_stats_t *st = analyzer_stats(f->a);
	assert_int_equal(st->skipped, 4);
	assert_int_equal(st->skipped_by[SKIP_FRAGMENT], 2);
	assert_int_equal(st->skipped_by[SKIP_TRUNCATED], 1);
	assert_int_equal(st->skipped_by[SKIP_MALFORMED], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_racer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_racer_ipv6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_correct, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sequential, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requery_before_icmp_is_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requery_after_icmp_turns_race_late, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_unknown_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drops_and_no_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_summaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_case_folding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quote_without_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quote_finds_older_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quote_walk_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_pairs_share_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_answer_without_question, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_socket_resend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_kinds_and_queries_without_question, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_stream, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_gaps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_callback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_types_and_sockets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_from_last_packet, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_unanswered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_median, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_keeps_trials, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_per_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_clients_one_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_behaviour, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_skip_reasons, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
