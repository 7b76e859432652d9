/* Unit tests for the DNS wire codec (lib/dns.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "err.h"

static dns_name_t name_of(const char *text)
{
	dns_name_t n;
	assert_int_equal(dns_name_from_text(text, &n), 0);
	return n;
}

static void text_of(const dns_name_t *n, char *out, size_t outlen)
{
	assert_true(dns_name_to_text(n, out, outlen) >= 0);
}

/* A 12-byte header with qdcount 1 and the rest zero, as a base for hand-made messages. */
static size_t header(uint8_t *m)
{
	static const uint8_t h[DNS_HEADER_LEN] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(m, h, sizeof h);
	return sizeof h;
}

static int parse_at(const uint8_t *m, size_t len, size_t at, dns_name_t *n, size_t *end)
{
	wire_t w;
	wire_init(&w, m, len);
	wire_seek(&w, at);
	int rc = dns_parse_name(&w, n);
	if (end)
		*end = w.pos;
	if (rc)
		assert_int_equal(wire_error(&w), rc);
	return rc;
}

static void test_query_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[512];
	dns_name_t qn = name_of("www.Example.lab.test");
	int len = dns_build_query(buf, sizeof buf, 0xBEEF, &qn, DNS_T_AAAA);
	assert_int_equal(len, 12 + qn.len + 4);

	dns_msg_t m;
	assert_int_equal(dns_parse(buf, (size_t)len, &m), 0);
	assert_int_equal(m.h.id, 0xBEEF);
	assert_int_equal(m.h.flags, DNS_F_RD);
	assert_int_equal(m.h.qdcount, 1);
	assert_int_equal(m.h.ancount + m.h.nscount + m.h.arcount, 0);
	assert_true(m.has_question);
	assert_int_equal(m.qerr, 0);
	assert_int_equal(m.q.qtype, DNS_T_AAAA);
	assert_int_equal(m.q.qclass, DNS_C_IN);
	assert_true(dns_name_equal(&m.q.name, &qn));
	/* Case as received. */
	assert_memory_equal(m.q.name.wire, qn.wire, qn.len);
	char text[DNS_NAME_TEXT];
	text_of(&m.q.name, text, sizeof text);
	assert_string_equal(text, "www.example.lab.test");
}

/* dns_parse sets every field whatever the message held before: into a message filled
 * with 0xa5 it gives what it gives into a zeroed one. */
static void check_parse_into_dirty(const uint8_t *buf, size_t l)
{
	dns_msg_t clean, dirty;
	memset(&clean, 0, sizeof clean);
	memset(&dirty, 0xa5, sizeof dirty);
	int rc = dns_parse(buf, l, &clean);
	assert_int_equal(dns_parse(buf, l, &dirty), rc);
	assert_memory_equal(&clean.h, &dirty.h, sizeof clean.h);
	assert_int_equal(clean.has_question, dirty.has_question);
	assert_int_equal(clean.qerr, dirty.qerr);
	assert_int_equal(clean.q.qtype, dirty.q.qtype);
	assert_int_equal(clean.q.qclass, dirty.q.qclass);
	assert_int_equal(clean.q.name.len, dirty.q.name.len);
	assert_memory_equal(clean.q.name.wire, dirty.q.name.wire, clean.q.name.len);
	if (!dirty.has_question) {
		/* the root, and no type or class, when the question did not parse */
		assert_int_equal(dirty.q.name.len, 1);
		assert_int_equal(dirty.q.name.wire[0], 0);
		assert_int_equal(dirty.q.qtype, 0);
		assert_int_equal(dirty.q.qclass, 0);
	}
	if (l < DNS_HEADER_LEN) {
		static const dns_header_t zero;
		assert_memory_equal(&dirty.h, &zero, sizeof zero);
		assert_int_equal(dirty.qerr, 0);
	}
}

static void test_truncated_at_every_byte(void **state)
{
	(void)state;
	uint8_t buf[512];
	dns_name_t qn = name_of("a-d20ms.aaaa-d0.t43.lab.test");
	int len = dns_build_query(buf, sizeof buf, 7, &qn, DNS_T_A);
	assert_true(len > 12);
	for (size_t l = 0; l <= (size_t)len; l++) {
		dns_msg_t m;
		/* An exact copy, so that a read past l would be a read past the object. */
		uint8_t copy[512];
		memcpy(copy, buf, l);
		int rc = dns_parse(copy, l, &m);
		check_parse_into_dirty(copy, l);
		if (l < DNS_HEADER_LEN) {
			assert_int_equal(rc, SP_ETRUNC);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(m.h.id, 7);
		if (l < (size_t)len) {
			assert_false(m.has_question);
			assert_int_equal(m.qerr, SP_ETRUNC);
		} else {
			assert_true(m.has_question);
		}
	}
}

static void test_no_question(void **state)
{
	(void)state;
	uint8_t m[DNS_HEADER_LEN] = {0, 1, 0x81, 0x83, 0, 0, 0, 0, 0, 0, 0, 0};
	dns_msg_t msg;
	assert_int_equal(dns_parse(m, sizeof m, &msg), 0);
	assert_false(msg.has_question);
	assert_int_equal(msg.qerr, 0);
	assert_int_equal(DNS_RCODE(msg.h.flags), DNS_R_NXDOMAIN);
	assert_true(msg.h.flags & DNS_F_QR);
	assert_int_equal(dns_parse(NULL, 0, &msg), SP_ETRUNC);
}

static void test_pointer_follows_back(void **state)
{
	(void)state;
	uint8_t m[64];
	size_t n = header(m);
	/* 12: "lab.test" */
	memcpy(m + n, "\3lab\4test\0", 10);
	n += 10;
	/* 22: "b" + pointer to 12, then a trailing byte */
	memcpy(m + n, "\1b\xC0\x0C\x99", 5);
	n += 5;
	dns_name_t name;
	size_t end;
	assert_int_equal(parse_at(m, n, 22, &name, &end), 0);
	assert_int_equal(end, 26); /* right after the pointer, not where the jump ended */
	char text[DNS_NAME_TEXT];
	text_of(&name, text, sizeof text);
	assert_string_equal(text, "b.lab.test");
	/* A pointer into the middle of an earlier name. */
	memcpy(m + n, "\xC0\x10", 2); /* 27: -> 16, "test" */
	assert_int_equal(parse_at(m, n + 2, 27, &name, &end), 0);
	text_of(&name, text, sizeof text);
	assert_string_equal(text, "test");
	assert_int_equal(end, 29);
}

static void test_self_pointer(void **state)
{
	(void)state;
	uint8_t m[32];
	size_t n = header(m);
	memcpy(m + n, "\xC0\x0C", 2);
	dns_name_t name;
	assert_int_equal(parse_at(m, n + 2, 12, &name, NULL), SP_ELOOP);
	/* A label, then a pointer back to the start of that same name. */
	memcpy(m + n, "\1a\xC0\x0C", 4);
	assert_int_equal(parse_at(m, n + 4, 12, &name, NULL), SP_ELOOP);
	assert_int_equal(name.len, 1); /* left as the root on error */
}

static void test_forward_pointer(void **state)
{
	(void)state;
	uint8_t m[32];
	size_t n = header(m);
	memcpy(m + n, "\xC0\x0E\0", 3); /* 12 -> 14, where a valid root label waits */
	dns_name_t name;
	assert_int_equal(parse_at(m, n + 3, 12, &name, NULL), SP_ELOOP);
}

static void test_pointers_at_each_other(void **state)
{
	(void)state;
	uint8_t m[32];
	size_t n = header(m);
	memcpy(m + n, "\xC0\x0E\xC0\x0C", 4); /* 12 -> 14, 14 -> 12 */
	dns_name_t name;
	assert_int_equal(parse_at(m, n + 4, 12, &name, NULL), SP_ELOOP);
	assert_int_equal(parse_at(m, n + 4, 14, &name, NULL), SP_ELOOP);
}

/* A root label at 12, then a chain of pointers each pointing at the one before it. */
static size_t pointer_chain(uint8_t *m, unsigned pointers, size_t *last)
{
	size_t n = header(m);
	m[n++] = 0;
	size_t prev = 12;
	for (unsigned i = 0; i < pointers; i++) {
		m[n] = (uint8_t)(0xC0 | prev >> 8);
		m[n + 1] = (uint8_t)prev;
		prev = n;
		n += 2;
	}
	*last = prev;
	return n;
}

static void test_jump_limit(void **state)
{
	(void)state;
	uint8_t m[512];
	size_t last;
	dns_name_t name;
	size_t n = pointer_chain(m, 64, &last);
	size_t end;
	assert_int_equal(parse_at(m, n, last, &name, &end), 0);
	assert_int_equal(name.len, 1);
	assert_int_equal(end, last + 2);
	n = pointer_chain(m, 65, &last);
	assert_int_equal(parse_at(m, n, last, &name, NULL), SP_ELOOP);
}

static void test_label_types(void **state)
{
	(void)state;
	uint8_t m[32];
	size_t n = header(m);
	dns_name_t name;
	m[n] = 0x41;
	assert_int_equal(parse_at(m, n + 1, 12, &name, NULL), SP_EFORMAT);
	m[n] = 0x80;
	assert_int_equal(parse_at(m, n + 1, 12, &name, NULL), SP_EFORMAT);
	/* A pointer cut after its first byte. */
	m[n] = 0xC0;
	assert_int_equal(parse_at(m, n + 1, 12, &name, NULL), SP_ETRUNC);
}

/* A name of labels of the given lengths at offset 12, uncompressed. */
static size_t long_name(uint8_t *m, const unsigned *labels, size_t count)
{
	size_t n = header(m);
	for (size_t i = 0; i < count; i++) {
		m[n++] = (uint8_t)labels[i];
		memset(m + n, 'x', labels[i]);
		n += labels[i];
	}
	m[n++] = 0;
	return n;
}

static void test_name_length_limits(void **state)
{
	(void)state;
	uint8_t m[1024];
	dns_name_t name;
	static const unsigned l255[] = {63, 63, 63, 61}; /* 64*3 + 62 + 1 = 255 */
	static const unsigned l256[] = {63, 63, 63, 62};
	static const unsigned l320[] = {63, 63, 63, 63, 63};
	size_t n = long_name(m, l255, 4);
	assert_int_equal(parse_at(m, n, 12, &name, NULL), 0);
	assert_int_equal(name.len, 255);
	n = long_name(m, l256, 4);
	assert_int_equal(parse_at(m, n, 12, &name, NULL), SP_ENAMELEN);
	n = long_name(m, l320, 5);
	assert_int_equal(parse_at(m, n, 12, &name, NULL), SP_ENAMELEN);

	/* Over the limit only once a pointer adds the suffix. */
	n = long_name(m, l255, 4);
	size_t at = n;
	m[n++] = 1;
	m[n++] = 'y';
	m[n++] = 0xC0;
	m[n++] = 12;
	assert_int_equal(parse_at(m, n, at, &name, NULL), SP_ENAMELEN);
}

/* A header cut short still gives its whole fields; a whole one moves the cursor past it. */
static void test_header_short_and_whole(void **state)
{
	(void)state;
	static const uint8_t m[13] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 3, 0, 4, 0x99};
	dns_header_t h;
	wire_t w;
	wire_init(&w, m, 5);
	memset(&h, 0xa5, sizeof h);
	assert_int_equal(dns_parse_header(&w, &h), SP_ETRUNC);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.flags, 0x8180);
	assert_int_equal(h.qdcount, 0);
	assert_int_equal(h.ancount + h.nscount + h.arcount, 0);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
	wire_init(&w, m, sizeof m);
	assert_int_equal(dns_parse_header(&w, &h), 0);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 2);
	assert_int_equal(h.nscount, 3);
	assert_int_equal(h.arcount, 4);
	assert_int_equal(w.pos, DNS_HEADER_LEN);
	/* A cursor that failed before reads nothing. */
	wire_fail(&w, SP_EFORMAT);
	assert_int_equal(dns_parse_header(&w, &h), SP_EFORMAT);
	assert_int_equal(h.id, 0);
}

/* Labels before and after a pointer make one name; on any error the name is the root,
 * whatever the buffer held. */
static void test_name_across_pointer(void **state)
{
	(void)state;
	uint8_t m[600];
	size_t n = header(m);
	memcpy(m + n, "\3lab\4test\0", 10); /* 12 */
	n += 10;
	memcpy(m + n, "\1a\2bc\xC0\x0C", 7); /* 22: "a.bc" then -> 12 */
	n += 7;
	dns_name_t name;
	size_t end;
	memset(&name, 0xa5, sizeof name);
	assert_int_equal(parse_at(m, n, 22, &name, &end), 0);
	assert_int_equal(end, 29);
	assert_int_equal(name.len, 15);
	assert_memory_equal(name.wire, "\1a\2bc\3lab\4test\0", 15);
	/* The same name with the pointer cut off, then with a label past the end. */
	memset(&name, 0xa5, sizeof name);
	assert_int_equal(parse_at(m, n - 1, 22, &name, NULL), SP_ETRUNC);
	assert_int_equal(name.len, 1);
	assert_int_equal(name.wire[0], 0);
	m[22] = 9;
	memset(&name, 0xa5, sizeof name);
	assert_int_equal(parse_at(m, n, 22, &name, NULL), SP_ETRUNC);
	assert_int_equal(name.len, 1);
	assert_int_equal(name.wire[0], 0);

	/* A label both past the end of the message and past 255 bytes: truncation is what
	 * the message shows first. */
	static const unsigned l192[] = {63, 63, 63};
	n = long_name(m, l192, 3) - 1; /* without the root label */
	m[n++] = 62;
	memset(m + n, 'y', 10);
	n += 10;
	assert_int_equal(parse_at(m, n, 12, &name, NULL), SP_ETRUNC);
	memset(m + n, 'y', 52);
	m[n + 52] = 0;
	assert_int_equal(parse_at(m, n + 53, 12, &name, NULL), SP_ENAMELEN);
	/* "abc", a label of k bytes, then a pointer to a 241-byte name: 255 bytes at k = 9. */
	static const unsigned l240[] = {63, 63, 63, 47}; /* 64 * 3 + 48 + 1 = 241 */
	n = long_name(m, l240, 4);
	for (unsigned k = 8; k <= 10; k++) {
		size_t e = n;
		m[e++] = 3;
		memcpy(m + e, "abc", 3);
		e += 3;
		m[e++] = (uint8_t)k;
		memset(m + e, 't', k);
		e += k;
		m[e++] = 0xC0;
		m[e++] = 12;
		memset(&name, 0xa5, sizeof name);
		int rc = parse_at(m, e, n, &name, &end);
		if (k == 10) {
			assert_int_equal(rc, SP_ENAMELEN);
			assert_int_equal(name.len, 1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(end, e);
		assert_int_equal(name.len, 4 + k + 1 + 241);
		assert_int_equal(name.wire[4 + k + 1], 63);
		assert_int_equal(name.wire[name.len - 1], 0);
	}
}

static void test_to_text_escapes(void **state)
{
	(void)state;
	dns_name_t n;
	/* "A.b" (one label with a dot), " x", "\xff", "_s-1" */
	static const uint8_t w[] = {3,    'A', '.', 'b', 2,   ' ', 'x', 1,
				    0xff, 4,   '_', 'S', '-', '1', 0};
	memcpy(n.wire, w, sizeof w);
	n.len = sizeof w;
	char text[DNS_NAME_TEXT];
	int len = dns_name_to_text(&n, text, sizeof text);
	assert_string_equal(text, "a\\.b.\\032x.\\255._s-1");
	assert_int_equal(len, (int)strlen(text));
	/* Every buffer too small says so, and the first that fits works. */
	for (size_t cap = 0; cap <= (size_t)len; cap++) {
		char small[64];
		assert_int_equal(dns_name_to_text(&n, small, cap), SP_ENOSPACE);
	}
	char exact[64];
	assert_int_equal(dns_name_to_text(&n, exact, (size_t)len + 1), len);

	dns_name_t root = {.len = 1};
	assert_int_equal(dns_name_to_text(&root, text, sizeof text), 1);
	assert_string_equal(text, ".");
	dns_name_t broken = {.len = 3, .wire = {5, 'a', 0}};
	assert_int_equal(dns_name_to_text(&broken, text, sizeof text), SP_EFORMAT);
}

static void test_from_text_valid(void **state)
{
	(void)state;
	dns_name_t n;
	assert_int_equal(dns_name_from_text("a.b", &n), 0);
	assert_int_equal(n.len, 5);
	assert_memory_equal(n.wire, "\1a\1b\0", 5);
	assert_int_equal(dns_name_from_text("a.b.", &n), 0);
	assert_int_equal(n.len, 5);
	assert_int_equal(dns_name_from_text(".", &n), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(dns_name_label_count(&n), 0);
	assert_int_equal(dns_name_from_text("\\065\\.b.c", &n), 0);
	assert_memory_equal(n.wire, "\3A.b\1c\0", 7);
	assert_int_equal(dns_name_label_count(&n), 2);
	assert_int_equal(dns_name_from_text("x\\\\y", &n), 0);
	assert_memory_equal(n.wire, "\3x\\y\0", 5);
}

static void test_from_text_invalid(void **state)
{
	(void)state;
	dns_name_t n;
	static const char *const bad[] = {
	    "",       "..",  ".a",   "a..b",  "a\\",   "a\\2",        "a\\25",
	    "a\\256", "a b", "a\tb", "a\\ b", "a\x7f", "caf\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = dns_name_from_text(bad[i], &n);
		if (rc != SP_EFORMAT)
			fail_msg("'%s' gave %d", bad[i], rc);
		assert_int_equal(n.len, 1);
	}
	char label[80];
	memset(label, 'x', 63);
	label[63] = '\0';
	assert_int_equal(dns_name_from_text(label, &n), 0);
	memset(label, 'x', 64);
	label[64] = '\0';
	assert_int_equal(dns_name_from_text(label, &n), SP_ENAMELEN);

	/* 127 one-byte labels make 255 bytes; one more byte is too many. */
	char text[512];
	size_t o = 0;
	for (int i = 0; i < 127; i++) {
		text[o++] = 'a';
		text[o++] = '.';
	}
	text[o] = '\0';
	assert_int_equal(dns_name_from_text(text, &n), 0);
	assert_int_equal(n.len, 255);
	text[o++] = 'b';
	text[o] = '\0';
	assert_int_equal(dns_name_from_text(text, &n), SP_ENAMELEN);
}

static void test_text_roundtrip_all_bytes(void **state)
{
	(void)state;
	/* Every byte value once, in labels of up to 50, lower case only (text is lower-cased). */
	dns_name_t n;
	size_t o = 0;
	unsigned b = 0;
	while (b < 256) {
		uint8_t l = 0;
		size_t at = o++;
		while (b < 256 && l < 50) {
			uint8_t c = (uint8_t)b++;
			if (c >= 'A' && c <= 'Z')
				continue;
			n.wire[o++] = c;
			l++;
		}
		n.wire[at] = l;
	}
	n.wire[o++] = 0;
	n.len = (uint8_t)o;
	char text[DNS_NAME_TEXT];
	assert_true(dns_name_to_text(&n, text, sizeof text) > 0);
	dns_name_t back;
	assert_int_equal(dns_name_from_text(text, &back), 0);
	assert_int_equal(back.len, n.len);
	assert_memory_equal(back.wire, n.wire, n.len);
}

static void test_under_and_equal(void **state)
{
	(void)state;
	dns_name_t zone = name_of("lab.test");
	dns_name_t a = name_of("x.t1.LAB.Test");
	dns_name_t z2 = name_of("LAB.TEST.");
	dns_name_t other = name_of("xlab.test");
	dns_name_t parent = name_of("test");
	dns_name_t root = name_of(".");
	assert_true(dns_name_is_under(&a, &zone));
	assert_true(dns_name_is_under(&z2, &zone));
	assert_false(dns_name_is_under(&other, &zone));
	assert_false(dns_name_is_under(&parent, &zone));
	assert_true(dns_name_is_under(&zone, &root));
	assert_true(dns_name_equal(&zone, &z2));
	assert_false(dns_name_equal(&zone, &other));
	assert_int_equal(dns_name_label_count(&a), 4);
	/* A label whose bytes look like the zone's wire form is not the zone. */
	dns_name_t tricky;
	static const uint8_t w[] = {9, 3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0};
	memcpy(tricky.wire, w, sizeof w);
	tricky.len = sizeof w;
	assert_false(dns_name_is_under(&tricky, &zone));
}

static void test_type_and_rcode_names(void **state)
{
	(void)state;
	char buf[16];
	assert_string_equal(dns_type_name(DNS_T_A, buf, sizeof buf), "A");
	assert_string_equal(dns_type_name(DNS_T_AAAA, buf, sizeof buf), "AAAA");
	assert_string_equal(dns_type_name(DNS_T_HTTPS, buf, sizeof buf), "HTTPS");
	assert_string_equal(dns_type_name(65280, buf, sizeof buf), "TYPE65280");
	assert_non_null(dns_type_name(65280, NULL, 0));
	assert_string_equal(dns_rcode_name(DNS_R_SERVFAIL, buf, sizeof buf), "SERVFAIL");
	assert_string_equal(dns_rcode_name(DNS_R_REFUSED, buf, sizeof buf), "REFUSED");
	assert_string_equal(dns_rcode_name(12, buf, sizeof buf), "RCODE12");
}

/* The response fakens sends for an A query with NODATA-style extras, built then parsed. */
static int build_response(uint8_t *buf, size_t cap, const dns_question_t *q, const dns_name_t *zone)
{
	static const uint8_t addr[4] = {192, 0, 2, 1};
	dns_builder_t b;
	dns_builder_init(&b, buf, cap);
	dns_put_header(&b, 0x4242, DNS_F_QR | DNS_F_AA | DNS_F_RD);
	dns_put_question(&b, q);
	dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_A, 30, addr, sizeof addr);
	dns_put_soa(&b, DNS_S_AUTHORITY, zone, 60);
	return dns_finish(&b);
}

static void test_builder_parsed_back(void **state)
{
	(void)state;
	uint8_t buf[512];
	dns_question_t q = {
	    .name = name_of("aaaa-d50ms.t000042.lab.test"), .qtype = DNS_T_A, .qclass = DNS_C_IN};
	dns_name_t zone = name_of("lab.test");
	int len = build_response(buf, sizeof buf, &q, &zone);
	assert_true(len > 0);

	wire_t w;
	dns_header_t h;
	dns_question_t pq;
	dns_name_t owner;
	wire_init(&w, buf, (size_t)len);
	assert_int_equal(dns_parse_header(&w, &h), 0);
	assert_int_equal(h.id, 0x4242);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 1);
	assert_int_equal(h.nscount, 1);
	assert_int_equal(h.arcount, 0);
	assert_int_equal(dns_parse_question(&w, &pq), 0);
	assert_true(dns_name_equal(&pq.name, &q.name));

	/* Answer: the owner is the 0xC00C pointer. */
	size_t at = w.pos;
	assert_int_equal(buf[at], 0xC0);
	assert_int_equal(buf[at + 1], 0x0C);
	assert_int_equal(dns_parse_name(&w, &owner), 0);
	assert_true(dns_name_equal(&owner, &q.name));
	assert_int_equal(wire_u16(&w), DNS_T_A);
	assert_int_equal(wire_u16(&w), DNS_C_IN);
	assert_int_equal(wire_u32(&w), 30);
	assert_int_equal(wire_u16(&w), 4);
	assert_int_equal(wire_u32(&w), 0xC0000201u);

	/* Authority: SOA of the zone. */
	assert_int_equal(dns_parse_name(&w, &owner), 0);
	assert_true(dns_name_equal(&owner, &zone));
	assert_int_equal(wire_u16(&w), DNS_T_SOA);
	assert_int_equal(wire_u16(&w), DNS_C_IN);
	assert_int_equal(wire_u32(&w), 60);
	uint16_t rdlen = wire_u16(&w);
	wire_t rd = wire_sub(&w, rdlen);
	dns_name_t mname, rname;
	char text[DNS_NAME_TEXT];
	/* The names in the rdata are uncompressed, so the rdata parses on its own. */
	assert_int_equal(dns_parse_name(&rd, &mname), 0);
	assert_int_equal(dns_parse_name(&rd, &rname), 0);
	text_of(&mname, text, sizeof text);
	assert_string_equal(text, "ns.lab.test");
	text_of(&rname, text, sizeof text);
	assert_string_equal(text, "hostmaster.lab.test");
	assert_int_equal(wire_u32(&rd), 1);
	assert_int_equal(wire_u32(&rd), 3600);
	assert_int_equal(wire_u32(&rd), 600);
	assert_int_equal(wire_u32(&rd), 86400);
	assert_int_equal(wire_u32(&rd), 60);
	assert_int_equal(wire_left(&rd), 0);
	assert_int_equal(wire_error(&rd), 0);
	assert_int_equal(wire_left(&w), 0);
	assert_int_equal(wire_error(&w), 0);
}

static void test_builder_too_small(void **state)
{
	(void)state;
	uint8_t buf[512];
	dns_question_t q = {.name = name_of("t1.lab.test"), .qtype = DNS_T_A, .qclass = DNS_C_IN};
	dns_name_t zone = name_of("lab.test");
	int full = build_response(buf, sizeof buf, &q, &zone);
	assert_true(full > 0);
	for (size_t cap = 0; cap < (size_t)full; cap++)
		assert_int_equal(build_response(buf, cap, &q, &zone), SP_ENOSPACE);
	assert_int_equal(build_response(buf, (size_t)full, &q, &zone), full);

	int qlen = dns_build_query(buf, sizeof buf, 1, &q.name, DNS_T_A);
	assert_true(qlen > 0);
	for (size_t cap = 0; cap < (size_t)qlen; cap++)
		assert_int_equal(dns_build_query(buf, cap, 1, &q.name, DNS_T_A), SP_ENOSPACE);
}

static void test_builder_misuse(void **state)
{
	(void)state;
	uint8_t buf[512];
	dns_builder_t b;
	/* A pointer to the question with no question written. */
	dns_builder_init(&b, buf, sizeof buf);
	dns_put_header(&b, 1, DNS_F_QR);
	dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_A, 1, "\1\2\3\4", 4);
	assert_int_equal(dns_finish(&b), SP_EFORMAT);
	/* No header. */
	dns_builder_init(&b, buf, sizeof buf);
	assert_int_equal(dns_finish(&b), SP_EFORMAT);
	/* An invalid name. */
	dns_name_t broken = {.len = 2, .wire = {1, 'a'}};
	assert_int_equal(dns_build_query(buf, sizeof buf, 1, &broken, DNS_T_A), SP_EFORMAT);
	/* A zone too long for "hostmaster." in front of it. */
	char text[300];
	size_t o = 0;
	for (int i = 0; i < 124; i++) {
		text[o++] = 'z';
		text[o++] = '.';
	}
	text[o] = '\0';
	dns_name_t zone = name_of(text);
	uint8_t big[2048];
	dns_builder_init(&b, big, sizeof big);
	dns_put_header(&b, 1, DNS_F_QR);
	dns_put_soa(&b, DNS_S_AUTHORITY, &zone, 1);
	assert_int_equal(dns_finish(&b), SP_ENAMELEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_roundtrip),
	    cmocka_unit_test(test_truncated_at_every_byte),
	    cmocka_unit_test(test_no_question),
	    cmocka_unit_test(test_header_short_and_whole),
	    cmocka_unit_test(test_name_across_pointer),
	    cmocka_unit_test(test_pointer_follows_back),
	    cmocka_unit_test(test_self_pointer),
	    cmocka_unit_test(test_forward_pointer),
	    cmocka_unit_test(test_pointers_at_each_other),
	    cmocka_unit_test(test_jump_limit),
	    cmocka_unit_test(test_label_types),
	    cmocka_unit_test(test_name_length_limits),
	    cmocka_unit_test(test_to_text_escapes),
	    cmocka_unit_test(test_from_text_valid),
	    cmocka_unit_test(test_from_text_invalid),
	    cmocka_unit_test(test_text_roundtrip_all_bytes),
	    cmocka_unit_test(test_under_and_equal),
	    cmocka_unit_test(test_type_and_rcode_names),
	    cmocka_unit_test(test_builder_parsed_back),
	    cmocka_unit_test(test_builder_too_small),
	    cmocka_unit_test(test_builder_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
