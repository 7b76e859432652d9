/* Unit tests for the packet dissector: hand-built frames of every link type and layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include <cmocka.h>

#include "dissect.h"
#include "dns.h"
#include "err.h"

static const dissect_cfg_t cfg = {.dns_port = 53};

static const uint8_t CLIENT4[4] = {192, 0, 2, 10};
static const uint8_t SERVER4[4] = {127, 0, 0, 1};
static const uint8_t CLIENT6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t SERVER6[16] = {[15] = 1};

/* A frame being built: bytes appended in order, lengths patched afterwards. */
typedef struct frame {
	uint8_t b[2048];
	size_t n;
} frame_t;

static void put(frame_t *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof f->b);
	if (n) /* memcpy with a NULL source is undefined even for 0 bytes */
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(frame_t *f, uint8_t v) { put(f, &v, 1); }

static void put16(frame_t *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(f, b, 2);
}

static void put32(frame_t *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void patch16(frame_t *f, size_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* DNS messages for question qtype of name. */
static size_t dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	dns_name_t n;
	assert_int_equal(dns_name_from_text(name, &n), 0);
	int len = dns_build_query(buf, cap, id, &n, qtype);
	assert_true(len > 0);
	return (size_t)len;
}

static size_t dns_answer(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	dns_builder_t b;
	dns_question_t q = {.qtype = qtype, .qclass = DNS_C_IN};
	assert_int_equal(dns_name_from_text(name, &q.name), 0);
	dns_builder_init(&b, buf, cap);
	dns_put_header(&b, id, DNS_F_QR | DNS_F_RD | DNS_F_RA);
	dns_put_question(&b, &q);
	static const uint8_t a4[4] = {192, 0, 2, 1};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	if (qtype == DNS_T_AAAA)
		dns_put_rr(&b, DNS_S_ANSWER, NULL, qtype, 60, a6, 16);
	else
		dns_put_rr(&b, DNS_S_ANSWER, NULL, qtype, 60, a4, 4);
	int len = dns_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

/* UDP datagram: header and payload. */
static void udp(frame_t *f, uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + n));
	put16(f, 0);
	put(f, p, n);
}

/* IPv4 header (no options) around what body() appends. */
static size_t ip4_begin(frame_t *f, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			uint16_t frag)
{
	size_t at = f->n;
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 0); /* total length, patched */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	return at;
}

static void ip4_end(frame_t *f, size_t at) { patch16(f, at + 2, (uint16_t)(f->n - at)); }

/* IPv6 header; ext adds a hop-by-hop and a destination options header before proto. */
static size_t ip6_begin(frame_t *f, const uint8_t *src, const uint8_t *dst, uint8_t proto, int ext)
{
	size_t at = f->n;
	put32(f, 0x60000000);
	put16(f, 0); /* payload length, patched */
	put8(f, ext ? 0 : proto);
	put8(f, 64);
	put(f, src, 16);
	put(f, dst, 16);
	if (ext) {
		/* hop-by-hop, 8 bytes: PadN */
		put8(f, 60);
		put8(f, 0);
		put8(f, 1);
		put8(f, 4);
		put32(f, 0);
		/* destination options, 16 bytes */
		put8(f, proto);
		put8(f, 1);
		put8(f, 1);
		put8(f, 12);
		for (int i = 0; i < 12; i++)
			put8(f, 0);
	}
	return at;
}

static void ip6_end(frame_t *f, size_t at) { patch16(f, at + 4, (uint16_t)(f->n - at - 40)); }

/* A DNS query from the client as an IP packet. */
static void ip_query(frame_t *f, int v6, uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t m[512];
	size_t n = dns_query(m, sizeof m, id, name, qtype);
	if (v6) {
		size_t at = ip6_begin(f, CLIENT6, SERVER6, 17, 0);
		udp(f, 40000, 53, m, n);
		ip6_end(f, at);
	} else {
		size_t at = ip4_begin(f, CLIENT4, SERVER4, 17, 0);
		udp(f, 40000, 53, m, n);
		ip4_end(f, at);
	}
}

static void eth_header(frame_t *f, const uint16_t *tags, size_t ntags, uint16_t type)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	put(f, macs, sizeof macs);
	for (size_t i = 0; i < ntags; i++) {
		put16(f, tags[i]);
		put16(f, (uint16_t)(100 + i)); /* TCI: VLAN id */
	}
	put16(f, type);
}

static void run(int linktype, const frame_t *f, pkt_t *p)
{
	/* An exact-size copy, so that a read past the end is caught by the sanitizers. */
	uint8_t *copy = malloc(f->n ? f->n : 1);
	assert_non_null(copy);
	memcpy(copy, f->b, f->n);
	assert_int_equal(dissect_packet(&cfg, linktype, copy, f->n, f->n, p), 0);
	free(copy);
}

static void check_query(const pkt_t *p, int v6, uint16_t id, const char *name, uint16_t qtype)
{
	assert_int_equal(p->kind, PKT_DNS);
	assert_int_equal(p->proto, 17);
	assert_int_equal(p->src.family, v6 ? 6 : 4);
	assert_memory_equal(p->src.a, v6 ? CLIENT6 : CLIENT4, v6 ? 16 : 4);
	assert_memory_equal(p->dst.a, v6 ? SERVER6 : SERVER4, v6 ? 16 : 4);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 53);
	assert_int_equal(p->dns.h.id, id);
	assert_int_equal(p->dns.h.flags & DNS_F_QR, 0);
	assert_true(p->dns.has_question);
	assert_int_equal(p->dns.q.qtype, qtype);
	char text[DNS_NAME_TEXT];
	assert_true(dns_name_to_text(&p->dns.q.name, text, sizeof text) > 0);
	assert_string_equal(text, name);
}

static void test_linktype_tables(void **state)
{
	(void)state;
	assert_int_equal(dissect_linktype_from_dlt(12), LT_RAW);
	assert_int_equal(dissect_linktype_from_dlt(14), LT_RAW);
	assert_int_equal(dissect_linktype_from_dlt(1), LT_ETHERNET);
	assert_int_equal(dissect_linktype_from_dlt(0), LT_NULL);
	assert_int_equal(dissect_linktype_from_dlt(113), LT_LINUX_SLL);
	assert_int_equal(dissect_linktype_from_dlt(276), LT_LINUX_SLL2);
	assert_int_equal(dissect_linktype_from_dlt(228), LT_IPV4);
	int yes[] = {0, 1, 9, 50, 101, 104, 105, 108, 113, 127, 226, 228, 229, 276};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		assert_true(dissect_linktype_supported(yes[i]));
		assert_string_not_equal(dissect_linktype_name(yes[i]), "unknown");
	}
	assert_false(dissect_linktype_supported(147)); /* LINKTYPE_USER0 */
	assert_false(dissect_linktype_supported(-1));
	assert_string_equal(dissect_linktype_name(147), "unknown");
	assert_string_equal(dissect_linktype_name(LT_IEEE802_11_RADIOTAP), "802.11 with radiotap");
	assert_string_equal(dissect_skip_name(SKIP_FRAGMENT), "fragment");
	assert_string_equal(dissect_skip_name(SKIP_TRUNCATED), "truncated");
	assert_string_equal(dissect_skip_name(PKT_SKIP_N), "unknown");
	for (int r = SKIP_NONE; r < PKT_SKIP_N; r++)
		assert_string_not_equal(dissect_skip_name((enum pkt_skip)r), "unknown");
	assert_string_equal(dissect_linktype_name(LT_ETHERNET), "Ethernet");
	assert_string_equal(dissect_linktype_name(LT_LINUX_SLL2), "Linux cooked v2");
}

static void test_addr(void **state)
{
	(void)state;
	char s[64];
	sp_addr_t a = {.family = 4}, b = {.family = 6}, c = {0};
	memcpy(a.a, CLIENT4, 4);
	memcpy(b.a, CLIENT6, 16);
	assert_string_equal(sp_addr_str(&a, s, sizeof s), "192.0.2.10");
	assert_string_equal(sp_addr_str(&b, s, sizeof s), "2001:db8::10");
	assert_string_equal(sp_addr_str(&c, s, sizeof s), "-");
	/* Too small a buffer gives an empty string, never a partial address. */
	assert_string_equal(sp_addr_str(&b, s, 5), "");
	sp_addr_t a2 = a;
	a2.a[8] = 0xff; /* beyond the 4 bytes of IPv4: ignored */
	assert_true(sp_addr_equal(&a, &a2));
	a2.a[3] = 11;
	assert_false(sp_addr_equal(&a, &a2));
	assert_false(sp_addr_equal(&a, &b));
	assert_true(sp_addr_equal(&c, &c));
}

static void test_raw_ip(void **state)
{
	(void)state;
	frame_t f = {0};
	pkt_t p;
	ip_query(&f, 0, 0x1111, "a.t1.lab.test", DNS_T_A);
	run(LT_RAW, &f, &p);
	check_query(&p, 0, 0x1111, "a.t1.lab.test", DNS_T_A);
	run(LT_IPV4, &f, &p);
	check_query(&p, 0, 0x1111, "a.t1.lab.test", DNS_T_A);

	frame_t g = {0};
	ip_query(&g, 1, 0x2222, "b.t1.lab.test", DNS_T_AAAA);
	run(LT_RAW, &g, &p);
	check_query(&p, 1, 0x2222, "b.t1.lab.test", DNS_T_AAAA);
	run(LT_IPV6, &g, &p);
	check_query(&p, 1, 0x2222, "b.t1.lab.test", DNS_T_AAAA);

	/* Neither version 4 nor 6. */
	g.b[0] = 0x50;
	run(LT_RAW, &g, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_non_null(p.note);
}

static void test_null_and_loop(void **state)
{
	(void)state;
	pkt_t p;
	/* The family in either byte order: the file does not say the writer's. */
	const uint32_t v4[] = {0x02000000, 0x00000002};
	for (size_t i = 0; i < 2; i++) {
		frame_t f = {0};
		put32(&f, v4[i]);
		ip_query(&f, 0, 7, "x.t2.lab.test", DNS_T_A);
		run(LT_NULL, &f, &p);
		check_query(&p, 0, 7, "x.t2.lab.test", DNS_T_A);
	}
	const uint32_t v6[] = {24, 28, 30, 24u << 24, 28u << 24, 30u << 24};
	for (size_t i = 0; i < 6; i++) {
		frame_t f = {0};
		put32(&f, v6[i]);
		ip_query(&f, 1, 8, "x.t2.lab.test", DNS_T_AAAA);
		run(LT_NULL, &f, &p);
		check_query(&p, 1, 8, "x.t2.lab.test", DNS_T_AAAA);
	}
	frame_t f = {0};
	put32(&f, 7); /* not an IP family */
	ip_query(&f, 0, 7, "x.t2.lab.test", DNS_T_A);
	run(LT_NULL, &f, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "not IP");

	/* LOOP: network order only. */
	frame_t g = {0};
	put32(&g, 2);
	ip_query(&g, 0, 9, "y.t2.lab.test", DNS_T_A);
	run(LT_LOOP, &g, &p);
	check_query(&p, 0, 9, "y.t2.lab.test", DNS_T_A);
	patch16(&g, 0, 0x0200);
	patch16(&g, 2, 0);
	run(LT_LOOP, &g, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	frame_t h = {0};
	put32(&h, 30);
	ip_query(&h, 1, 10, "y.t2.lab.test", DNS_T_AAAA);
	run(LT_LOOP, &h, &p);
	check_query(&p, 1, 10, "y.t2.lab.test", DNS_T_AAAA);
}

static void test_ethernet_and_vlans(void **state)
{
	(void)state;
	pkt_t p;
	const uint16_t tags[] = {0x88A8, 0x8100, 0x8100};
	for (size_t ntags = 0; ntags <= 3; ntags++) {
		frame_t f = {0};
		eth_header(&f, tags, ntags, 0x0800);
		ip_query(&f, 0, (uint16_t)(100 + ntags), "e.t3.lab.test", DNS_T_A);
		run(LT_ETHERNET, &f, &p);
		check_query(&p, 0, (uint16_t)(100 + ntags), "e.t3.lab.test", DNS_T_A);

		frame_t g = {0};
		eth_header(&g, tags + 1, ntags > 2 ? 2 : ntags, 0x86DD);
		ip_query(&g, 1, 200, "e.t3.lab.test", DNS_T_AAAA);
		run(LT_ETHERNET, &g, &p);
		check_query(&p, 1, 200, "e.t3.lab.test", DNS_T_AAAA);
	}
	/* ARP is not IP. */
	frame_t a = {0};
	eth_header(&a, NULL, 0, 0x0806);
	for (int i = 0; i < 28; i++)
		put8(&a, 0);
	run(LT_ETHERNET, &a, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "not IP");

	/* Ethernet pads short frames: the IP total length, not the frame, bounds the packet. */
	frame_t pad = {0};
	eth_header(&pad, NULL, 0, 0x0800);
	ip_query(&pad, 0, 300, "p.t3.lab.test", DNS_T_A);
	for (int i = 0; i < 20; i++)
		put8(&pad, 0xee);
	run(LT_ETHERNET, &pad, &p);
	check_query(&p, 0, 300, "p.t3.lab.test", DNS_T_A);
}

static void test_linux_cooked(void **state)
{
	(void)state;
	pkt_t p;
	frame_t f = {0};
	put16(&f, 0); /* packet type: to us */
	put16(&f, 1); /* ARPHRD_ETHER */
	put16(&f, 6); /* address length */
	for (int i = 0; i < 8; i++)
		put8(&f, (uint8_t)i);
	put16(&f, 0x0800);
	ip_query(&f, 0, 11, "c.t4.lab.test", DNS_T_A);
	run(LT_LINUX_SLL, &f, &p);
	check_query(&p, 0, 11, "c.t4.lab.test", DNS_T_A);

	frame_t g = {0};
	put16(&g, 0x86DD); /* protocol */
	put16(&g, 0);      /* reserved */
	put32(&g, 3);      /* ifindex */
	put16(&g, 772);    /* ARPHRD_LOOPBACK */
	put8(&g, 4);       /* outgoing */
	put8(&g, 0);
	for (int i = 0; i < 8; i++)
		put8(&g, 0);
	ip_query(&g, 1, 12, "c.t4.lab.test", DNS_T_AAAA);
	run(LT_LINUX_SLL2, &g, &p);
	check_query(&p, 1, 12, "c.t4.lab.test", DNS_T_AAAA);

	patch16(&g, 0, 0x0806);
	run(LT_LINUX_SLL2, &g, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
}

static void test_unsupported_linktype(void **state)
{
	(void)state;
	frame_t f = {0};
	pkt_t p;
	ip_query(&f, 0, 1, "u.lab.test", DNS_T_A);
	assert_int_equal(dissect_packet(&cfg, 147, f.b, f.n, f.n, &p), SP_EUNSUPPORTED);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_int_equal(p.skip, SKIP_LINKTYPE);
	assert_non_null(p.note);
	/* No bytes at all is a truncated frame, not a crash. */
	assert_int_equal(dissect_packet(&cfg, LT_ETHERNET, NULL, 0, 0, &p), 0);
	assert_int_equal(p.kind, PKT_SKIPPED);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	uint8_t m[512];
	size_t n = dns_query(m, sizeof m, 0x4242, "x6.t5.lab.test", DNS_T_AAAA);
	frame_t f = {0};
	size_t at = ip6_begin(&f, CLIENT6, SERVER6, 17, 1);
	udp(&f, 40000, 53, m, n);
	ip6_end(&f, at);
	pkt_t p;
	run(LT_IPV6, &f, &p);
	check_query(&p, 1, 0x4242, "x6.t5.lab.test", DNS_T_AAAA);

	/* The destination options header announcing more than is there. */
	f.b[40 + 8 + 1] = 200;
	run(LT_IPV6, &f, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "truncated IPv6 extension header");
}

static void test_fragments(void **state)
{
	(void)state;
	uint8_t m[512];
	size_t n = dns_query(m, sizeof m, 5, "f.t6.lab.test", DNS_T_A);
	const uint16_t frags[] = {0x2000 /* MF */, 0x0010 /* offset 128 */, 0x2010};
	pkt_t p;
	for (size_t i = 0; i < 3; i++) {
		frame_t f = {0};
		size_t at = ip4_begin(&f, CLIENT4, SERVER4, 17, frags[i]);
		udp(&f, 40000, 53, m, n);
		ip4_end(&f, at);
		run(LT_RAW, &f, &p);
		assert_int_equal(p.kind, PKT_SKIPPED);
		assert_string_equal(p.note, "IPv4 fragment");
		assert_int_equal(p.src.family, 4); /* addresses are still filled */
	}
	/* DF alone is not a fragment. */
	frame_t d = {0};
	size_t at = ip4_begin(&d, CLIENT4, SERVER4, 17, 0x4000);
	udp(&d, 40000, 53, m, n);
	ip4_end(&d, at);
	run(LT_RAW, &d, &p);
	assert_int_equal(p.kind, PKT_DNS);

	frame_t g = {0};
	at = ip6_begin(&g, CLIENT6, SERVER6, 44, 0);
	put8(&g, 17);
	put8(&g, 0);
	put16(&g, 0x0001); /* offset 0, M set */
	put32(&g, 0xabcdef);
	udp(&g, 40000, 53, m, n);
	ip6_end(&g, at);
	run(LT_IPV6, &g, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "IPv6 fragment");
}

static void test_bad_ip_headers(void **state)
{
	(void)state;
	pkt_t p;
	frame_t f = {0};
	ip_query(&f, 0, 1, "h.t7.lab.test", DNS_T_A);
	f.b[0] = 0x44; /* IHL 4 */
	run(LT_RAW, &f, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "bad IPv4 header length");

	frame_t g = {0};
	ip_query(&g, 0, 1, "h.t7.lab.test", DNS_T_A);
	patch16(&g, 2, 19); /* total length below the header */
	run(LT_RAW, &g, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);

	/* IPv4 options are skipped by IHL. */
	uint8_t m[512];
	size_t n = dns_query(m, sizeof m, 77, "o.t7.lab.test", DNS_T_A);
	frame_t o = {0};
	size_t at = ip4_begin(&o, CLIENT4, SERVER4, 17, 0);
	o.b[at] = 0x46;
	put32(&o, 0x01010100); /* NOP NOP NOP EOL */
	udp(&o, 40000, 53, m, n);
	ip4_end(&o, at);
	run(LT_RAW, &o, &p);
	check_query(&p, 0, 77, "o.t7.lab.test", DNS_T_A);

	/* The IP total length cuts the DNS message below its header: narrowing works. */
	frame_t s = {0};
	ip_query(&s, 0, 1, "h.t7.lab.test", DNS_T_A);
	patch16(&s, 2, 20 + 8 + 11);
	run(LT_RAW, &s, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	/* ... and so does the UDP length. */
	frame_t u = {0};
	ip_query(&u, 0, 1, "h.t7.lab.test", DNS_T_A);
	patch16(&u, 20 + 4, 8 + 11);
	run(LT_RAW, &u, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	patch16(&u, 20 + 4, 7);
	run(LT_RAW, &u, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "bad UDP length");
}

static void test_ports(void **state)
{
	(void)state;
	uint8_t m[512];
	size_t n = dns_query(m, sizeof m, 3, "q.t8.lab.test", DNS_T_A);
	pkt_t p;
	frame_t f = {0};
	size_t at = ip4_begin(&f, CLIENT4, SERVER4, 17, 0);
	udp(&f, 40000, 5353, m, n);
	ip4_end(&f, at);
	run(LT_RAW, &f, &p);
	assert_int_equal(p.kind, PKT_OTHER);
	assert_int_equal(p.dport, 5353);
	dissect_cfg_t other = {.dns_port = 5353};
	assert_int_equal(dissect_packet(&other, LT_RAW, f.b, f.n, f.n, &p), 0);
	assert_int_equal(p.kind, PKT_DNS);

	/* An answer comes from the DNS port. */
	uint8_t ans[512];
	size_t an = dns_answer(ans, sizeof ans, 3, "q.t8.lab.test", DNS_T_A);
	frame_t g = {0};
	at = ip4_begin(&g, SERVER4, CLIENT4, 17, 0);
	udp(&g, 53, 40000, ans, an);
	ip4_end(&g, at);
	run(LT_RAW, &g, &p);
	assert_int_equal(p.kind, PKT_DNS);
	assert_true(p.dns.h.flags & DNS_F_QR);
	assert_int_equal(p.sport, 53);

	/* TCP on the DNS port: the segment, for the analyzer to follow. */
	frame_t t = {0};
	at = ip4_begin(&t, CLIENT4, SERVER4, 6, 0);
	put16(&t, 40001);
	put16(&t, 53);
	put32(&t, 0x01020304); /* sequence number */
	put32(&t, 0);
	put8(&t, 5 << 4);
	put8(&t, TCP_F_ACK | TCP_F_FIN);
	for (int i = 0; i < 6; i++)
		put8(&t, 0);
	ip4_end(&t, at);
	run(LT_RAW, &t, &p);
	assert_int_equal(p.kind, PKT_TCP);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 40001);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.tcp_seq, 0x01020304);
	assert_int_equal(p.tcp_flags, TCP_F_ACK | TCP_F_FIN);
	assert_null(p.payload);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.tcp_len, 0);
	/* Another port is not followed. */
	patch16(&t, 22, 443);
	run(LT_RAW, &t, &p);
	assert_int_equal(p.kind, PKT_OTHER);
	patch16(&t, 22, 53);
	/* A data offset below 5 words is malformed. */
	t.b[32] = 4 << 4;
	run(LT_RAW, &t, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_int_equal(p.skip, SKIP_MALFORMED);
	t.b[32] = 5 << 4;
	t.n = 22;
	patch16(&t, 2, 22);
	run(LT_RAW, &t, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "truncated TCP header");
	assert_int_equal(p.skip, SKIP_TRUNCATED);
}

/* A TCP segment from the client with payload n bytes of data, in an IPv4 or IPv6 packet. */
static void tcp_segment(frame_t *f, int v6, uint32_t seq, uint8_t flags, const uint8_t *data,
			size_t n, int options)
{
	size_t at =
	    v6 ? ip6_begin(f, CLIENT6, SERVER6, 6, 1) : ip4_begin(f, CLIENT4, SERVER4, 6, 0);
	put16(f, 40003);
	put16(f, 53);
	put32(f, seq);
	put32(f, 0);
	put8(f, (uint8_t)((options ? 8 : 5) << 4));
	put8(f, flags);
	put16(f, 1024);
	put32(f, 0);
	if (options)
		for (int i = 0; i < 12; i++)
			put8(f, 1); /* NOP */
	put(f, data, n);
	if (v6)
		ip6_end(f, at);
	else
		ip4_end(f, at);
}

static void test_tcp_payload(void **state)
{
	(void)state;
	uint8_t m[514];
	size_t n = dns_query(m + 2, sizeof m - 2, 7, "tcp.t1.lab.test", DNS_T_AAAA);
	m[0] = (uint8_t)(n >> 8);
	m[1] = (uint8_t)n;
	for (int v6 = 0; v6 <= 1; v6++) {
		frame_t f = {0};
		pkt_t p;
		tcp_segment(&f, v6, 1000, TCP_F_ACK, m, n + 2, v6);
		run(LT_RAW, &f, &p);
		assert_int_equal(p.kind, PKT_TCP);
		assert_int_equal(p.tcp_seq, 1000);
		assert_int_equal(p.payload_len, n + 2);
		assert_int_equal(p.tcp_len, n + 2);
		assert_memory_equal(p.payload, m, n + 2);
		/* A snap length that cuts the segment: fewer bytes captured than sent. */
		uint8_t *copy = malloc(f.n - 5);
		assert_non_null(copy);
		memcpy(copy, f.b, f.n - 5);
		assert_int_equal(dissect_packet(&cfg, LT_RAW, copy, f.n - 5, f.n, &p), 0);
		assert_int_equal(p.kind, PKT_TCP);
		assert_int_equal(p.payload_len, n + 2 - 5);
		assert_int_equal(p.tcp_len, n + 2);
		free(copy);
		/* Options cut short. */
		frame_t g = {0};
		tcp_segment(&g, v6, 1, TCP_F_SYN, NULL, 0, 1);
		g.n -= 4;
		if (v6)
			patch16(&g, 4, (uint16_t)(g.n - 40));
		else
			patch16(&g, 2, (uint16_t)g.n);
		run(LT_RAW, &g, &p);
		assert_int_equal(p.kind, PKT_SKIPPED);
		assert_string_equal(p.note, "truncated TCP options");
	}
}

/* The link layers added for other captures: each around the same query. */
static void test_more_linktypes(void **state)
{
	(void)state;
	for (int v6 = 0; v6 <= 1; v6++) {
		frame_t ip = {0};
		pkt_t p;
		ip_query(&ip, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		uint16_t ppp_proto = v6 ? 0x0057 : 0x0021;
		uint16_t etype = v6 ? 0x86dd : 0x0800;

		frame_t f = {0}; /* PPP with HDLC-like framing */
		put8(&f, 0xff), put8(&f, 0x03), put16(&f, ppp_proto), put(&f, ip.b, ip.n);
		run(LT_PPP, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		run(LT_PPP_HDLC, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		f.n = 0; /* bare PPP, protocol field compressed to one byte */
		put8(&f, (uint8_t)ppp_proto), put(&f, ip.b, ip.n);
		run(LT_PPP, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		f.n = 0; /* PPP carrying something else (LCP) */
		put16(&f, 0xc021), put(&f, ip.b, ip.n);
		run(LT_PPP, &f, &p);
		assert_int_equal(p.skip, SKIP_NOT_IP);

		f.n = 0; /* Cisco HDLC */
		put8(&f, 0x0f), put8(&f, 0), put16(&f, etype), put(&f, ip.b, ip.n);
		run(LT_C_HDLC, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);

		f.n = 0; /* ipnet */
		put8(&f, 2), put8(&f, v6 ? 26 : 2);
		for (int i = 0; i < 22; i++)
			put8(&f, 0);
		put(&f, ip.b, ip.n);
		run(LT_IPNET, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		f.b[1] = 7;
		run(LT_IPNET, &f, &p);
		assert_int_equal(p.skip, SKIP_NOT_IP);

		f.n = 0; /* PPPoE session in Ethernet */
		eth_header(&f, NULL, 0, 0x8864);
		put8(&f, 0x11), put8(&f, 0), put16(&f, 1), put16(&f, (uint16_t)(ip.n + 2));
		put16(&f, ppp_proto), put(&f, ip.b, ip.n);
		run(LT_ETHERNET, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);

		f.n = 0; /* two MPLS labels in Ethernet */
		eth_header(&f, NULL, 0, 0x8847);
		put32(&f, 0x00010040), put32(&f, 0x00020140), put(&f, ip.b, ip.n);
		run(LT_ETHERNET, &f, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		f.n = 14 + 4; /* a stack without its bottom */
		run(LT_ETHERNET, &f, &p);
		assert_int_equal(p.skip, SKIP_TRUNCATED);

		/* 802.11 QoS data frame, both DS bits (four addresses), radiotap in front. */
		frame_t w = {0};
		put8(&w, 0), put8(&w, 0), put8(&w, 12), put8(&w, 0); /* radiotap, 12 bytes */
		put32(&w, 0x02000000); /* present: flags (little-endian bit 1) */
		put8(&w, 0x10), put8(&w, 0), put8(&w, 0), put8(&w, 0); /* flags: FCS at end */
		size_t wlan = w.n;
		put8(&w, 0x88), put8(&w, 0x03), put16(&w, 0);
		for (int i = 0; i < 18; i++)
			put8(&w, (uint8_t)i);
		put16(&w, 0x1000);
		for (int i = 0; i < 6; i++)
			put8(&w, 0xa0); /* fourth address */
		put16(&w, 0);           /* QoS */
		static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0, 0, 0};
		put(&w, snap, 6), put16(&w, etype), put(&w, ip.b, ip.n);
		put32(&w, 0xdeadbeef); /* FCS */
		run(LT_IEEE802_11_RADIOTAP, &w, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		frame_t bare = {0};
		put(&bare, w.b + wlan, w.n - wlan);
		run(LT_IEEE802_11, &bare, &p);
		check_query(&p, v6, 0x55, "l.t1.lab.test", DNS_T_A);
		bare.b[1] |= 0x40; /* protected */
		run(LT_IEEE802_11, &bare, &p);
		assert_int_equal(p.skip, SKIP_ENCRYPTED);
		bare.b[1] &= 0x3f;
		bare.b[0] = 0x80; /* a beacon: management */
		run(LT_IEEE802_11, &bare, &p);
		assert_int_equal(p.skip, SKIP_NOT_IP);
		w.b[0] = 1; /* radiotap version 1 does not exist */
		run(LT_IEEE802_11_RADIOTAP, &w, &p);
		assert_int_equal(p.skip, SKIP_MALFORMED);
		w.b[0] = 0;
		w.b[2] = 0xff; /* longer than the frame */
		run(LT_IEEE802_11_RADIOTAP, &w, &p);
		assert_int_equal(p.skip, SKIP_TRUNCATED);
	}
	/* Every new link type with too few bytes is a truncated frame. */
	int lts[] = {LT_PPP, LT_C_HDLC, LT_IPNET, LT_IEEE802_11, LT_IEEE802_11_RADIOTAP};
	for (size_t i = 0; i < sizeof lts / sizeof lts[0]; i++) {
		frame_t z = {0};
		pkt_t p;
		if (lts[i] != LT_PPP)
			put8(&z, 0xfe); /* PPP: one odd byte is a whole protocol field */
		run(lts[i], &z, &p);
		assert_int_equal(p.kind, PKT_SKIPPED);
		assert_int_equal(p.skip, SKIP_TRUNCATED);
	}
}

/* An ICMP(v6) error quoting the first qlen bytes of an answer (server -> client). */
static void icmp_error(frame_t *f, int v6, uint8_t type, uint8_t code, size_t qlen)
{
	uint8_t ans[512];
	size_t an = dns_answer(ans, sizeof ans, 0xbeef, "www.T9.Lab.Test", DNS_T_AAAA);
	frame_t inner = {0};
	size_t at;
	if (v6) {
		at = ip6_begin(&inner, SERVER6, CLIENT6, 17, 0);
		udp(&inner, 53, 40002, ans, an);
		ip6_end(&inner, at);
	} else {
		at = ip4_begin(&inner, SERVER4, CLIENT4, 17, 0);
		udp(&inner, 53, 40002, ans, an);
		ip4_end(&inner, at);
	}
	if (qlen > inner.n)
		qlen = inner.n;
	size_t outer =
	    v6 ? ip6_begin(f, CLIENT6, SERVER6, 58, 0) : ip4_begin(f, CLIENT4, SERVER4, 1, 0);
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0);
	put(f, inner.b, qlen);
	if (v6)
		ip6_end(f, outer);
	else
		ip4_end(f, outer);
}

static void check_quote(const pkt_t *p, int v6, int id, int question)
{
	assert_int_equal(p->kind, PKT_ICMP_ERROR);
	assert_true(p->port_unreachable);
	assert_int_equal(p->quote.proto, 17);
	assert_memory_equal(p->quote.src.a, v6 ? SERVER6 : SERVER4, v6 ? 16 : 4);
	assert_memory_equal(p->quote.dst.a, v6 ? CLIENT6 : CLIENT4, v6 ? 16 : 4);
	assert_int_equal(p->quote.sport, 53);
	assert_int_equal(p->quote.dport, 40002);
	assert_int_equal(p->quote.has_dns_id, id);
	if (id)
		assert_int_equal(p->quote.dns_id, 0xbeef);
	assert_int_equal(p->quote.has_question, question);
	if (question) {
		char text[DNS_NAME_TEXT];
		assert_true(dns_name_to_text(&p->quote.q.name, text, sizeof text) > 0);
		assert_string_equal(text, "www.t9.lab.test");
		assert_int_equal(p->quote.q.qtype, DNS_T_AAAA);
	}
}

static void test_icmp4_port_unreachable(void **state)
{
	(void)state;
	pkt_t p;
	frame_t f = {0};
	icmp_error(&f, 0, 3, 3, 9999);
	run(LT_RAW, &f, &p);
	check_quote(&p, 0, 1, 1);
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);

	/* RFC 792's minimum: IP header and 8 bytes, no DNS ID. */
	frame_t g = {0};
	icmp_error(&g, 0, 3, 3, 28);
	run(LT_RAW, &g, &p);
	check_quote(&p, 0, 0, 0);

	frame_t h = {0};
	icmp_error(&h, 0, 3, 3, 30);
	run(LT_RAW, &h, &p);
	check_quote(&p, 0, 1, 0);

	frame_t s = {0};
	icmp_error(&s, 0, 3, 3, 27);
	run(LT_RAW, &s, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "ICMP error quotes too little");

	/* Host unreachable quoting UDP: an ICMP error, not a port unreachable. */
	frame_t u = {0};
	icmp_error(&u, 0, 3, 1, 9999);
	run(LT_RAW, &u, &p);
	assert_int_equal(p.kind, PKT_ICMP_ERROR);
	assert_false(p.port_unreachable);

	/* Echo request. */
	frame_t e = {0};
	icmp_error(&e, 0, 8, 0, 0);
	run(LT_RAW, &e, &p);
	assert_int_equal(p.kind, PKT_OTHER);

	/* An error quoting TCP is not about DNS over UDP. */
	frame_t t = {0};
	icmp_error(&t, 0, 3, 3, 9999);
	t.b[20 + 8 + 9] = 6;
	run(LT_RAW, &t, &p);
	assert_int_equal(p.kind, PKT_OTHER);

	/* ICMP header cut. */
	frame_t c = {0};
	icmp_error(&c, 0, 3, 3, 0);
	c.n = 24;
	patch16(&c, 2, 24);
	run(LT_RAW, &c, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "truncated ICMP header");
}

static void test_icmp6_port_unreachable(void **state)
{
	(void)state;
	pkt_t p;
	frame_t f = {0};
	icmp_error(&f, 1, 1, 4, 9999);
	run(LT_RAW, &f, &p);
	check_quote(&p, 1, 1, 1);
	assert_int_equal(p.proto, 58);

	frame_t g = {0};
	icmp_error(&g, 1, 1, 4, 48);
	run(LT_RAW, &g, &p);
	check_quote(&p, 1, 0, 0);

	frame_t h = {0};
	icmp_error(&h, 1, 1, 4, 51);
	run(LT_RAW, &h, &p);
	check_quote(&p, 1, 1, 0);

	frame_t s = {0};
	icmp_error(&s, 1, 1, 4, 47);
	run(LT_RAW, &s, &p);
	assert_int_equal(p.kind, PKT_SKIPPED);
	assert_string_equal(p.note, "ICMP error quotes too little");

	frame_t a = {0};
	icmp_error(&a, 1, 1, 3, 9999); /* address unreachable */
	run(LT_RAW, &a, &p);
	assert_int_equal(p.kind, PKT_ICMP_ERROR);
	assert_false(p.port_unreachable);

	frame_t e = {0};
	icmp_error(&e, 1, 128, 0, 0); /* echo request */
	run(LT_RAW, &e, &p);
	assert_int_equal(p.kind, PKT_OTHER);
}

/* Every prefix of a valid frame: never a crash, and a kind that fits what is left. */
static void truncate_all(int linktype, const frame_t *f, size_t dns_at)
{
	for (size_t len = 0; len <= f->n; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, f->b, len);
		pkt_t p;
		assert_int_equal(dissect_packet(&cfg, linktype, copy, len, f->n, &p), 0);
		free(copy);
		if (len < dns_at + DNS_HEADER_LEN) {
			assert_int_equal(p.kind, PKT_SKIPPED);
			assert_non_null(p.note);
		} else {
			assert_int_equal(p.kind, PKT_DNS);
			assert_int_equal(p.dns.has_question, len == f->n);
		}
	}
}

static void test_truncation(void **state)
{
	(void)state;
	frame_t e = {0};
	const uint16_t tags[] = {0x8100};
	eth_header(&e, tags, 1, 0x0800);
	ip_query(&e, 0, 1, "t.t10.lab.test", DNS_T_A);
	truncate_all(LT_ETHERNET, &e, 18 + 20 + 8);

	frame_t s = {0};
	put16(&s, 0x86DD);
	for (int i = 0; i < 18; i++)
		put8(&s, 0);
	ip_query(&s, 1, 1, "t.t10.lab.test", DNS_T_AAAA);
	truncate_all(LT_LINUX_SLL2, &s, 20 + 40 + 8);

	frame_t n = {0};
	put32(&n, 0x02000000);
	ip_query(&n, 0, 1, "t.t10.lab.test", DNS_T_A);
	truncate_all(LT_NULL, &n, 4 + 20 + 8);

	/* ICMP errors cut at every length: a quote, too little, or a truncated header. */
	for (int v6 = 0; v6 <= 1; v6++) {
		frame_t f = {0};
		icmp_error(&f, v6, v6 ? 1 : 3, v6 ? 4 : 3, 9999);
		size_t inner_udp = (v6 ? 40 : 20) + 8 + (v6 ? 40 : 20) + 8;
		for (size_t len = 0; len <= f.n; len++) {
			uint8_t *copy = malloc(len ? len : 1);
			assert_non_null(copy);
			memcpy(copy, f.b, len);
			pkt_t p;
			assert_int_equal(dissect_packet(&cfg, LT_RAW, copy, len, f.n, &p), 0);
			free(copy);
			if (len < inner_udp) {
				assert_int_equal(p.kind, PKT_SKIPPED);
			} else {
				assert_int_equal(p.kind, PKT_ICMP_ERROR);
				assert_int_equal(p.quote.has_dns_id, len >= inner_udp + 2);
				/* 12 header bytes, 17 of "www.T9.Lab.Test", type and class */
				assert_int_equal(p.quote.has_question, len >= inner_udp + 33);
			}
		}
	}
}

static void test_sockaddr_split(void **state)
{
	uint16_t family = 0, port = 0;
	uint8_t addr[16];
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(5353)};
	inet_pton(AF_INET, "192.0.2.7", &s4.sin_addr);
	assert_int_equal(sp_sockaddr_split((struct sockaddr *)&s4, &family, &port, addr), 0);
	assert_int_equal(family, AF_INET);
	assert_int_equal(port, 5353);
	const uint8_t want4[16] = {192, 0, 2, 7};
	assert_memory_equal(addr, want4, 16); /* the rest zeroed: usable as a table key */

	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
	inet_pton(AF_INET6, "2001:db8::10", &s6.sin6_addr);
	assert_int_equal(sp_sockaddr_split((struct sockaddr *)&s6, &family, NULL, addr), 0);
	assert_int_equal(family, AF_INET6);
	assert_memory_equal(addr, &s6.sin6_addr, 16);

	struct sockaddr_un su = {.sun_family = AF_UNIX};
	assert_int_equal(sp_sockaddr_split((struct sockaddr *)&su, &family, &port, addr),
			 SP_EFORMAT);
}

/* Every field a caller may read, compared; the name buffers as far as their length says. */
static void assert_same_name(const dns_name_t *a, const dns_name_t *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->wire, b->wire, a->len);
}

static void assert_same_question(const dns_question_t *a, const dns_question_t *b)
{
	assert_same_name(&a->name, &b->name);
	assert_int_equal(a->qtype, b->qtype);
	assert_int_equal(a->qclass, b->qclass);
}

static void assert_same_addr(const sp_addr_t *a, const sp_addr_t *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->a, b->a, sizeof a->a); /* the analyzer keys by all 16 */
}

static void assert_same_pkt(const pkt_t *a, const pkt_t *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->skip, b->skip);
	assert_ptr_equal(a->note, b->note);
	assert_same_addr(&a->src, &b->src);
	assert_same_addr(&a->dst, &b->dst);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_memory_equal(&a->dns.h, &b->dns.h, sizeof a->dns.h);
	assert_int_equal(a->dns.has_question, b->dns.has_question);
	assert_int_equal(a->dns.qerr, b->dns.qerr);
	assert_same_question(&a->dns.q, &b->dns.q);
	assert_int_equal(a->icmp_type, b->icmp_type);
	assert_int_equal(a->icmp_code, b->icmp_code);
	assert_int_equal(a->port_unreachable, b->port_unreachable);
	assert_same_addr(&a->quote.src, &b->quote.src);
	assert_same_addr(&a->quote.dst, &b->quote.dst);
	assert_int_equal(a->quote.proto, b->quote.proto);
	assert_int_equal(a->quote.sport, b->quote.sport);
	assert_int_equal(a->quote.dport, b->quote.dport);
	assert_int_equal(a->quote.has_dns_id, b->quote.has_dns_id);
	assert_int_equal(a->quote.dns_id, b->quote.dns_id);
	assert_int_equal(a->quote.has_question, b->quote.has_question);
	assert_same_question(&a->quote.q, &b->quote.q);
	assert_int_equal(a->tcp_seq, b->tcp_seq);
	assert_int_equal(a->tcp_flags, b->tcp_flags);
	assert_ptr_equal(a->payload, b->payload);
	assert_int_equal(a->payload_len, b->payload_len);
	assert_int_equal(a->tcp_len, b->tcp_len);
}

/* One frame dissected into a pkt_t that holds fill in every byte beforehand. */
static int dissect_filled(int select, int linktype, const uint8_t *data, size_t n, int fill,
			  pkt_t *p)
{
	memset(p, fill, sizeof *p);
	if (select)
		return dissect_packet_select(&cfg, linktype, data, n, n, p);
	return dissect_packet(&cfg, linktype, data, n, n, p);
}

/* The same frame through both entry points, into clean and dirty output: whatever out held
 * before, dissect_packet sets every field, and dissect_packet_select gives what
 * dissect_packet gives for a frame it takes. */
static void check_both_ways(int linktype, const frame_t *f, int want_sel)
{
	uint8_t *copy = malloc(f->n ? f->n : 1);
	pkt_t clean, dirty, sel;
	int rc;
	assert_non_null(copy);
	memcpy(copy, f->b, f->n);
	rc = dissect_filled(0, linktype, copy, f->n, 0, &clean);
	assert_int_equal(dissect_filled(0, linktype, copy, f->n, 0xa5, &dirty), rc);
	assert_same_pkt(&clean, &dirty);
	assert_int_equal(clean.selected, PKT_SEL_NO);
	assert_int_equal(dirty.selected, PKT_SEL_NO);
	if (clean.dns.has_question || clean.quote.has_question) {
		/* a name that fills its buffer only as far as its length, as a fresh parse */
		const dns_name_t *n =
		    clean.dns.has_question ? &clean.dns.q.name : &clean.quote.q.name;
		assert_true(n->len >= 1 && n->wire[n->len - 1] == 0);
	}
	for (int fill = 0; fill <= 0xff; fill += 0xff) {
		int src = dissect_filled(1, linktype, copy, f->n, fill, &sel);
		assert_int_equal(sel.selected, want_sel);
		if (want_sel == PKT_SEL_NO) {
			assert_int_equal(src, linktype == 147 ? SP_EUNSUPPORTED : 0);
			assert_int_equal(sel.skip, linktype == 147 ? SKIP_LINKTYPE : SKIP_NONE);
			continue;
		}
		assert_int_equal(src, rc);
		assert_same_pkt(&sel, &clean);
	}
	free(copy);
}

static void test_output_whatever_it_held(void **state)
{
	(void)state;
	const uint16_t tags[] = {0x8100, 0x88A8, 0x8100};
	for (int v6 = 0; v6 <= 1; v6++) {
		frame_t ip = {0}, f;
		ip_query(&ip, v6, 0x77, "w.t5.lab.test", v6 ? DNS_T_AAAA : DNS_T_A);
		for (size_t ntags = 0; ntags <= 3; ntags++) {
			memset(&f, 0, sizeof f);
			eth_header(&f, tags, ntags, v6 ? 0x86DD : 0x0800);
			put(&f, ip.b, ip.n);
			/* a third tag is past BPF's "vlan and vlan": the extension's */
			check_both_ways(LT_ETHERNET, &f, ntags < 3 ? PKT_SEL_BPF : PKT_SEL_EXT);
		}
		memset(&f, 0, sizeof f); /* Linux cooked v1 */
		put16(&f, 0), put16(&f, 1), put16(&f, 6), put32(&f, 0x02000000), put32(&f, 0);
		put16(&f, v6 ? 0x86DD : 0x0800), put(&f, ip.b, ip.n);
		check_both_ways(LT_LINUX_SLL, &f, PKT_SEL_BPF);
		memset(&f, 0, sizeof f); /* Linux cooked v2 */
		put16(&f, v6 ? 0x86DD : 0x0800), put16(&f, 0), put32(&f, 2), put16(&f, 1);
		put8(&f, 0), put8(&f, 6), put32(&f, 0x02000000), put32(&f, 0), put(&f, ip.b, ip.n);
		check_both_ways(LT_LINUX_SLL2, &f, PKT_SEL_BPF);
		memset(&f, 0, sizeof f); /* Cisco HDLC */
		put8(&f, 0x0f), put8(&f, 0), put16(&f, v6 ? 0x86DD : 0x0800), put(&f, ip.b, ip.n);
		check_both_ways(LT_C_HDLC, &f, PKT_SEL_BPF);
		memset(&f, 0, sizeof f); /* BSD loopback in this host's order, then the other */
		uint32_t fam = htonl(v6 ? 10 : 2);
		put32(&f, fam), put(&f, ip.b, ip.n);
		check_both_ways(LT_NULL, &f, PKT_SEL_BPF);
		patch16(&f, 0, 0), patch16(&f, 2, v6 ? 10 : 2);
		/* network order: BPF's only on a big-endian host */
		check_both_ways(LT_NULL, &f, htonl(1) == 1 ? PKT_SEL_BPF : PKT_SEL_EXT);
		memset(&f, 0, sizeof f); /* OpenBSD loopback */
		put32(&f, v6 ? 24 : 2), put(&f, ip.b, ip.n);
		check_both_ways(LT_LOOP, &f, v6 ? PKT_SEL_EXT : PKT_SEL_BPF);
		memset(&f, 0, sizeof f); /* Solaris ipnet */
		put8(&f, 1), put8(&f, v6 ? 26 : 2);
		for (int i = 0; i < 22; i++)
			put8(&f, 0);
		put(&f, ip.b, ip.n);
		check_both_ways(LT_IPNET, &f, PKT_SEL_BPF);
		memset(&f, 0, sizeof f); /* PPP: framed, then bare */
		put8(&f, 0xff), put8(&f, 0x03), put16(&f, v6 ? 0x0057 : 0x0021),
		    put(&f, ip.b, ip.n);
		check_both_ways(LT_PPP, &f, PKT_SEL_BPF);
		memset(&f, 0, sizeof f);
		put16(&f, v6 ? 0x0057 : 0x0021), put(&f, ip.b, ip.n);
		check_both_ways(LT_PPP, &f, PKT_SEL_EXT);
		check_both_ways(LT_RAW, &ip, PKT_SEL_BPF);
		check_both_ways(v6 ? LT_IPV6 : LT_IPV4, &ip, PKT_SEL_BPF);
		/* Raw IPv4 given as raw IPv6 is the dissector's to judge; the other way round,
		 * BPF reads byte 9 (in the source address, 0x01) as ICMP and takes it. */
		check_both_ways(v6 ? LT_IPV4 : LT_IPV6, &ip, v6 ? PKT_SEL_BPF : PKT_SEL_EXT);

		frame_t e = {0}; /* ICMP errors: with the question, with the ID only, too short */
		icmp_error(&e, v6, v6 ? 1 : 3, v6 ? 4 : 3, 9999);
		check_both_ways(LT_RAW, &e, PKT_SEL_BPF);
		memset(&e, 0, sizeof e);
		icmp_error(&e, v6, v6 ? 1 : 3, v6 ? 4 : 3, v6 ? 50 : 30);
		check_both_ways(LT_RAW, &e, PKT_SEL_BPF);
		memset(&e, 0, sizeof e);
		icmp_error(&e, v6, v6 ? 1 : 3, v6 ? 4 : 3, v6 ? 47 : 27);
		check_both_ways(LT_RAW, &e, PKT_SEL_BPF);

		frame_t t = {0}; /* TCP to the DNS port (in IPv6 behind extension headers) */
		uint8_t m[64] = {0, 20};
		tcp_segment(&t, v6, 4242, TCP_F_ACK, m, sizeof m, 1);
		check_both_ways(LT_RAW, &t, v6 ? PKT_SEL_EXT : PKT_SEL_BPF);
	}
	frame_t f = {0};
	eth_header(&f, NULL, 0, 0x0806); /* ARP: passed over */
	for (int i = 0; i < 28; i++)
		put8(&f, 0);
	check_both_ways(LT_ETHERNET, &f, PKT_SEL_NO);
	check_both_ways(147, &f, PKT_SEL_NO); /* a link type nobody reads */
	memset(&f, 0, sizeof f);
	eth_header(&f, NULL, 0, 0x0800); /* an IPv4 header cut short: ICMP is all BPF reads */
	put8(&f, 0x45), put8(&f, 0), put16(&f, 40), put32(&f, 0), put8(&f, 64), put8(&f, 1);
	check_both_ways(LT_ETHERNET, &f, PKT_SEL_BPF);
	f.b[14 + 9] = 17; /* UDP: BPF's port load runs past the frame */
	check_both_ways(LT_ETHERNET, &f, PKT_SEL_NO);
	memset(&f, 0, sizeof f);
	ip_query(&f, 0, 1, "h.t5.lab.test", DNS_T_A);
	f.b[0] = 0x44; /* a header length below 20: BPF finds no port 53 where it looks */
	check_both_ways(LT_RAW, &f, PKT_SEL_NO);
	f.b[9] = 1; /* ICMP, which BPF takes as it is */
	check_both_ways(LT_RAW, &f, PKT_SEL_BPF);
	f.b[0] = 0x45;
	f.b[9] = 50; /* a protocol nobody reads here: the filter passes over it */
	check_both_ways(LT_RAW, &f, PKT_SEL_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_linktype_tables),
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_sockaddr_split),
	    cmocka_unit_test(test_raw_ip),
	    cmocka_unit_test(test_null_and_loop),
	    cmocka_unit_test(test_ethernet_and_vlans),
	    cmocka_unit_test(test_linux_cooked),
	    cmocka_unit_test(test_unsupported_linktype),
	    cmocka_unit_test(test_ipv6_extension_headers),
	    cmocka_unit_test(test_fragments),
	    cmocka_unit_test(test_bad_ip_headers),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_icmp4_port_unreachable),
	    cmocka_unit_test(test_icmp6_port_unreachable),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_tcp_payload),
	    cmocka_unit_test(test_more_linktypes),
	    cmocka_unit_test(test_output_whatever_it_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
