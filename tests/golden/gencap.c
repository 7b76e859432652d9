/* gencap: writes deterministic pcap/pcapng captures of DNS races and their look-alikes, for
 * the golden tests and the benchmarks. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dns.h"
#include "wire.h"

static const char usage_text[] =
    "usage: gencap [options] SCENARIO\n"
    "  -o FILE        output (\"-\" = standard output, the default)\n"
    "  -l LINK        null loop ether vlan qinq sll sll2 raw raw4 raw6 ppp chdlc ipnet\n"
    "                 wlan radiotap pppoe mpls (default ether)\n"
    "  -6             IPv6 addresses (default IPv4)\n"
    "  -F FORMAT      pcap or pcapng (default pcap; nanosecond timestamps)\n"
    "  -s SNAPLEN     cut every frame to SNAPLEN bytes (default 65535)\n"
    "  -n PACKETS     for bench: at least this many packets (default 1000000)\n"
    "scenarios:\n"
    "  race late duplicate mixed tcp frag busy icmp-garbage zero-length short-snap\n"
    "  multi-if (pcapng, two Ethernet interfaces) bench\n";

/* ---- output ---- */

enum link {
	L_NULL,
	L_LOOP,
	L_ETHER,
	L_VLAN,
	L_QINQ,
	L_SLL,
	L_SLL2,
	L_RAW,
	L_RAW4,
	L_RAW6,
	L_PPP,
	L_CHDLC,
	L_IPNET,
	L_WLAN,
	L_RADIOTAP,
	L_PPPOE,
	L_MPLS,
	L_N
};
static const struct {
	const char *name;
	int linktype;
} links[L_N] = {
    [L_NULL] = {"null", 0},     [L_LOOP] = {"loop", 108}, [L_ETHER] = {"ether", 1},
    [L_VLAN] = {"vlan", 1},     [L_QINQ] = {"qinq", 1},   [L_SLL] = {"sll", 113},
    [L_SLL2] = {"sll2", 276},   [L_RAW] = {"raw", 101},   [L_RAW4] = {"raw4", 228},
    [L_RAW6] = {"raw6", 229},   [L_PPP] = {"ppp", 9},     [L_CHDLC] = {"chdlc", 104},
    [L_IPNET] = {"ipnet", 226}, [L_WLAN] = {"wlan", 105}, [L_RADIOTAP] = {"radiotap", 127},
    [L_PPPOE] = {"pppoe", 1},   [L_MPLS] = {"mpls", 1},
};

typedef struct out {
	FILE *f;
	int ng; /* pcapng */
	enum link link;
	uint32_t snaplen;
	uint64_t packets;
	int multi; /* pcapng with two interfaces: packets alternate between them */
	int failed;
} out_t;

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void out_bytes(out_t *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		o->failed = 1;
}

/* pcap file header, nanosecond magic (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap). */
static void pcap_header(out_t *o)
{
	uint8_t h[24];
	put_le32(h, 0xa1b23c4d);
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);
	put_le32(h + 12, 0);
	put_le32(h + 16, o->snaplen);
	put_le32(h + 20, (uint32_t)links[o->link].linktype);
	out_bytes(o, h, sizeof h);
}

/* pcapng (RFC draft-ietf-opsawg-pcapng): a Section Header Block and n_if Interface
 * Description Blocks with if_tsresol = 9. */
static void pcapng_header(out_t *o, unsigned n_if)
{
	uint8_t shb[28];
	put_le32(shb, 0x0a0d0d0a);
	put_le32(shb + 4, 28);
	put_le32(shb + 8, 0x1a2b3c4d);
	put_le16(shb + 12, 1);
	put_le16(shb + 14, 0);
	put_le32(shb + 16, 0xffffffff);
	put_le32(shb + 20, 0xffffffff);
	put_le32(shb + 24, 28);
	out_bytes(o, shb, sizeof shb);
	for (unsigned i = 0; i < n_if; i++) {
		uint8_t idb[32];
		put_le32(idb, 1);
		put_le32(idb + 4, 32);
		put_le16(idb + 8, (uint16_t)links[o->link].linktype);
		put_le16(idb + 10, 0);
		put_le32(idb + 12, o->snaplen);
		put_le16(idb + 16, 9); /* if_tsresol */
		put_le16(idb + 18, 1);
		idb[20] = 9;
		idb[21] = idb[22] = idb[23] = 0;
		put_le32(idb + 24, 0); /* opt_endofopt */
		put_le32(idb + 28, 32);
		out_bytes(o, idb, sizeof idb);
	}
}

static void out_frame(out_t *o, uint64_t ts, const uint8_t *p, size_t len)
{
	uint32_t cap = len < o->snaplen ? (uint32_t)len : o->snaplen;
	o->packets++;
	if (!o->ng) {
		uint8_t h[16];
		put_le32(h, (uint32_t)(ts / 1000000000u));
		put_le32(h + 4, (uint32_t)(ts % 1000000000u));
		put_le32(h + 8, cap);
		put_le32(h + 12, (uint32_t)len);
		out_bytes(o, h, sizeof h);
		out_bytes(o, p, cap);
		return;
	}
	uint32_t pad = (4 - cap % 4) % 4, total = 32 + cap + pad;
	uint8_t h[28], tail[8] = {0};
	put_le32(h, 6);
	put_le32(h + 4, total);
	put_le32(h + 8, o->multi ? (uint32_t)((o->packets - 1) % 2) : 0);
	put_le32(h + 12, (uint32_t)(ts >> 32));
	put_le32(h + 16, (uint32_t)ts);
	put_le32(h + 20, cap);
	put_le32(h + 24, (uint32_t)len);
	out_bytes(o, h, sizeof h);
	out_bytes(o, p, cap);
	out_bytes(o, tail, pad);
	put_le32(tail, total);
	out_bytes(o, tail, 4);
}

/* ---- packets ---- */

typedef struct addr {
	int v6;
	uint8_t a[16];
} addr_t;

typedef struct gen {
	out_t *o;
	int v6;
	uint64_t ts; /* ns */
	uint16_t ipid;
} gen_t;

static addr_t client_addr(const gen_t *g, unsigned n)
{
	addr_t a = {.v6 = g->v6};
	if (g->v6) {
		static const uint8_t p[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0};
		memcpy(a.a, p, 8);
		a.a[14] = (uint8_t)(n >> 8);
		a.a[15] = (uint8_t)(10 + n);
	} else {
		a.a[0] = 192;
		a.a[1] = 0;
		a.a[2] = (uint8_t)(2 + (n + 10) / 250);
		a.a[3] = (uint8_t)(10 + n % 240);
	}
	return a;
}

static addr_t server_addr(const gen_t *g)
{
	addr_t a = {.v6 = g->v6};
	if (g->v6) {
		static const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x53, [15] = 0x53};
		memcpy(a.a, s, 16);
	} else {
		static const uint8_t s[4] = {198, 51, 100, 53};
		memcpy(a.a, s, 4);
	}
	return a;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* RFC 768 / RFC 8200 section 8.1 pseudo-header sum. */
static uint32_t pseudo(const addr_t *src, const addr_t *dst, uint8_t proto, size_t len)
{
	size_t n = src->v6 ? 16 : 4;
	uint32_t s = sum16(src->a, n, 0);
	s = sum16(dst->a, n, s);
	return s + proto + (uint32_t)len;
}

enum { FRAME_MAX = 70000 };

/* The link layer around an IP packet. */
static void emit_ip(gen_t *g, const uint8_t *ip, size_t n)
{
	static uint8_t f[FRAME_MAX + 64];
	size_t h = 0;
	int v6 = n && (ip[0] >> 4) == 6;
	uint16_t etype = v6 ? 0x86dd : 0x0800;
	static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a},
			     mac_b[6] = {0x02, 0, 0, 0, 0, 0x53};
	switch (g->o->link) {
	case L_NULL:
		put_le32(f, v6 ? 24 : 2);
		h = 4;
		break;
	case L_LOOP:
		f[0] = f[1] = f[2] = 0;
		f[3] = v6 ? 24 : 2;
		h = 4;
		break;
	case L_ETHER:
	case L_VLAN:
	case L_QINQ:
	case L_PPPOE:
	case L_MPLS:
		memcpy(f, mac_b, 6);
		memcpy(f + 6, mac_a, 6);
		h = 12;
		if (g->o->link == L_QINQ) {
			f[h++] = 0x88, f[h++] = 0xa8, f[h++] = 0x00, f[h++] = 0x64;
		}
		if (g->o->link == L_QINQ || g->o->link == L_VLAN) {
			f[h++] = 0x81, f[h++] = 0x00, f[h++] = 0x00, f[h++] = 0x0a;
		}
		if (g->o->link == L_PPPOE) {
			f[h++] = 0x88, f[h++] = 0x64;
			f[h++] = 0x11, f[h++] = 0x00, f[h++] = 0x00, f[h++] = 0x01;
			f[h++] = (uint8_t)((n + 2) >> 8), f[h++] = (uint8_t)(n + 2);
			f[h++] = 0x00, f[h++] = v6 ? 0x57 : 0x21;
			break;
		}
		if (g->o->link == L_MPLS) {
			f[h++] = 0x88, f[h++] = 0x47;
			f[h++] = 0x00, f[h++] = 0x01, f[h++] = 0x00, f[h++] = 0x40; /* label 16 */
			f[h++] = 0x00, f[h++] = 0x02, f[h++] = 0x01,
			f[h++] = 0x40; /* label 32, S */
			break;
		}
		f[h++] = (uint8_t)(etype >> 8), f[h++] = (uint8_t)etype;
		break;
	case L_SLL:
		memset(f, 0, 16);
		f[3] = 1; /* ARPHRD_ETHER */
		f[5] = 6; /* address length */
		memcpy(f + 6, mac_a, 6);
		f[14] = (uint8_t)(etype >> 8), f[15] = (uint8_t)etype;
		h = 16;
		break;
	case L_SLL2:
		memset(f, 0, 20);
		f[0] = (uint8_t)(etype >> 8), f[1] = (uint8_t)etype;
		f[7] = 2;  /* ifindex */
		f[9] = 1;  /* ARPHRD_ETHER */
		f[11] = 6; /* address length */
		memcpy(f + 12, mac_a, 6);
		h = 20;
		break;
	case L_RAW:
	case L_RAW4:
	case L_RAW6:
		break;
	case L_PPP:
		f[0] = 0xff, f[1] = 0x03, f[2] = 0x00, f[3] = v6 ? 0x57 : 0x21;
		h = 4;
		break;
	case L_CHDLC:
		f[0] = 0x0f, f[1] = 0x00, f[2] = (uint8_t)(etype >> 8), f[3] = (uint8_t)etype;
		h = 4;
		break;
	case L_IPNET:
		memset(f, 0, 24);
		f[0] = 2;
		f[1] = v6 ? 26 : 2;
		put_le32(f + 4, 0);
		f[7] = (uint8_t)n; /* pktlen, big-endian */
		f[6] = (uint8_t)(n >> 8);
		f[11] = 2; /* ifindex */
		h = 24;
		break;
	case L_RADIOTAP:
		f[0] = 0, f[1] = 0;
		put_le16(f + 2, 8);
		put_le32(f + 4, 0); /* no fields */
		h = 8;
		/* fall through */
	case L_WLAN:
		/* data frame from the station to the AP (To DS), then RFC 1042 LLC/SNAP */
		f[h++] = 0x08, f[h++] = 0x01, f[h++] = 0, f[h++] = 0;
		memcpy(f + h, mac_b, 6), h += 6;
		memcpy(f + h, mac_a, 6), h += 6;
		memcpy(f + h, mac_b, 6), h += 6;
		f[h++] = 0x10, f[h++] = 0x00;
		f[h++] = 0xaa, f[h++] = 0xaa, f[h++] = 0x03, f[h++] = 0, f[h++] = 0, f[h++] = 0;
		f[h++] = (uint8_t)(etype >> 8), f[h++] = (uint8_t)etype;
		break;
	case L_N:
		break;
	}
	memcpy(f + h, ip, n);
	out_frame(g->o, g->ts, f, h + n);
}

/* IPv4 or IPv6 header before a transport payload; frag (IPv4: flags+offset word; IPv6:
 * fragment header offset word, 0xffff = none) lets the fragment scenario cut packets. */
static size_t ip_wrap(gen_t *g, uint8_t *buf, const addr_t *src, const addr_t *dst, uint8_t proto,
		      const uint8_t *payload, size_t n, int frag, uint8_t frag_next)
{
	if (!src->v6) {
		uint8_t *h = buf;
		h[0] = 0x45, h[1] = 0;
		h[2] = (uint8_t)((20 + n) >> 8), h[3] = (uint8_t)(20 + n);
		g->ipid++;
		h[4] = (uint8_t)(g->ipid >> 8), h[5] = (uint8_t)g->ipid;
		h[6] = frag < 0 ? 0x40 : (uint8_t)(frag >> 8);
		h[7] = frag < 0 ? 0 : (uint8_t)frag;
		h[8] = 64, h[9] = proto, h[10] = h[11] = 0;
		memcpy(h + 12, src->a, 4);
		memcpy(h + 16, dst->a, 4);
		uint16_t c = fold(sum16(h, 20, 0));
		h[10] = (uint8_t)(c >> 8), h[11] = (uint8_t)c;
		memcpy(h + 20, payload, n);
		return 20 + n;
	}
	size_t ext = frag >= 0 ? 8 : 0;
	uint8_t *h = buf;
	h[0] = 0x60, h[1] = h[2] = h[3] = 0;
	h[4] = (uint8_t)((ext + n) >> 8), h[5] = (uint8_t)(ext + n);
	h[6] = frag >= 0 ? 44 : proto, h[7] = 64;
	memcpy(h + 8, src->a, 16);
	memcpy(h + 24, dst->a, 16);
	if (ext) {
		h[40] = frag_next, h[41] = 0;
		h[42] = (uint8_t)(frag >> 8), h[43] = (uint8_t)frag;
		h[44] = 0, h[45] = 0, h[46] = 0x12, h[47] = 0x34;
	}
	memcpy(h + 40 + ext, payload, n);
	return 40 + ext + n;
}

static size_t udp_wrap(uint8_t *buf, const addr_t *src, const addr_t *dst, uint16_t sport,
		       uint16_t dport, const uint8_t *p, size_t n)
{
	size_t len = 8 + n;
	buf[0] = (uint8_t)(sport >> 8), buf[1] = (uint8_t)sport;
	buf[2] = (uint8_t)(dport >> 8), buf[3] = (uint8_t)dport;
	buf[4] = (uint8_t)(len >> 8), buf[5] = (uint8_t)len;
	buf[6] = buf[7] = 0;
	memcpy(buf + 8, p, n);
	uint16_t c = fold(sum16(buf, len, pseudo(src, dst, 17, len)));
	if (c == 0)
		c = 0xffff;
	buf[6] = (uint8_t)(c >> 8), buf[7] = (uint8_t)c;
	return len;
}

static void send_udp(gen_t *g, const addr_t *src, const addr_t *dst, uint16_t sport, uint16_t dport,
		     const uint8_t *p, size_t n)
{
	static uint8_t u[FRAME_MAX], ip[FRAME_MAX];
	size_t ul = udp_wrap(u, src, dst, sport, dport, p, n);
	size_t il = ip_wrap(g, ip, src, dst, 17, u, ul, -1, 0);
	emit_ip(g, ip, il);
}

static void send_tcp(gen_t *g, const addr_t *src, const addr_t *dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *p, size_t n)
{
	static uint8_t t[FRAME_MAX], ip[FRAME_MAX];
	size_t len = 20 + n;
	memset(t, 0, 20);
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 5 << 4;
	t[13] = flags;
	t[14] = 0xff, t[15] = 0xff;
	if (n) /* memcpy with a NULL source is undefined even for 0 bytes */
		memcpy(t + 20, p, n);
	uint16_t c = fold(sum16(t, len, pseudo(src, dst, 6, len)));
	t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
	size_t il = ip_wrap(g, ip, src, dst, 6, t, len, -1, 0);
	emit_ip(g, ip, il);
}

/* An ICMP/ICMPv6 error from the client quoting quote_len bytes of the packet in ip. */
static void send_icmp(gen_t *g, const addr_t *client, const addr_t *server, uint8_t type,
		      uint8_t code, const uint8_t *quote, size_t quote_len)
{
	static uint8_t m[FRAME_MAX], ip[FRAME_MAX];
	size_t len = 8 + quote_len;
	memset(m, 0, 8);
	m[0] = type, m[1] = code;
	memcpy(m + 8, quote, quote_len);
	uint32_t s = client->v6 ? pseudo(client, server, 58, len) : 0;
	uint16_t c = fold(sum16(m, len, s));
	m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
	size_t il = ip_wrap(g, ip, client, server, client->v6 ? 58 : 1, m, len, -1, 0);
	emit_ip(g, ip, il);
}

static size_t build_query(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype)
{
	dns_name_t n;
	if (dns_name_from_text(name, &n) != 0)
		return 0;
	int len = dns_build_query(buf, 512, id, &n, qtype);
	return len > 0 ? (size_t)len : 0;
}

static size_t build_answer(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype,
			   unsigned rcode, int tc)
{
	dns_builder_t b;
	dns_question_t q = {.qtype = qtype, .qclass = DNS_C_IN};
	if (dns_name_from_text(name, &q.name) != 0)
		return 0;
	dns_builder_init(&b, buf, 512);
	dns_put_header(&b, id,
		       (uint16_t)(DNS_F_QR | DNS_F_RD | DNS_F_RA | (tc ? DNS_F_TC : 0) | rcode));
	dns_put_question(&b, &q);
	static const uint8_t a4[4] = {192, 0, 2, 1};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	if (rcode == 0 && !tc) {
		if (qtype == DNS_T_AAAA)
			dns_put_rr(&b, DNS_S_ANSWER, NULL, qtype, 60, a6, 16);
		else if (qtype == DNS_T_A)
			dns_put_rr(&b, DNS_S_ANSWER, NULL, qtype, 60, a4, 4);
	}
	int len = dns_finish(&b);
	return len > 0 ? (size_t)len : 0;
}

/* One client socket talking to the server. */
typedef struct sock {
	addr_t c, s;
	uint16_t cport;
} sock_t;

static sock_t sock_of(const gen_t *g, unsigned client, uint16_t cport)
{
	sock_t k = {client_addr(g, client), server_addr(g), cport};
	return k;
}

static void at(gen_t *g, uint64_t base, uint64_t us) { g->ts = base + us * 1000; }

static void query(gen_t *g, const sock_t *k, uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t m[512];
	size_t n = build_query(m, id, name, qtype);
	send_udp(g, &k->c, &k->s, k->cport, 53, m, n);
}

static void answer_rc(gen_t *g, const sock_t *k, uint16_t id, const char *name, uint16_t qtype,
		      unsigned rcode, int tc)
{
	uint8_t m[512];
	size_t n = build_answer(m, id, name, qtype, rcode, tc);
	send_udp(g, &k->s, &k->c, 53, k->cport, m, n);
}

static void answer(gen_t *g, const sock_t *k, uint16_t id, const char *name, uint16_t qtype)
{
	answer_rc(g, k, id, name, qtype, 0, 0);
}

/* The client's port unreachable for the answer (id, name, qtype) on k, quoting quote_max
 * bytes of it at most (the whole answer when 0). */
static void refuse(gen_t *g, const sock_t *k, uint16_t id, const char *name, uint16_t qtype,
		   size_t quote_max)
{
	static uint8_t m[512], u[FRAME_MAX], ip[FRAME_MAX];
	size_t n = build_answer(m, id, name, qtype, 0, 0);
	size_t ul = udp_wrap(u, &k->s, &k->c, 53, k->cport, m, n);
	gen_t quiet = *g;
	size_t il = ip_wrap(&quiet, ip, &k->s, &k->c, 17, u, ul, -1, 0);
	if (quote_max && il > quote_max)
		il = quote_max;
	send_icmp(g, &k->c, &k->s, k->c.v6 ? 1 : 3, k->c.v6 ? 4 : 3, ip, il);
}

/* ---- scenarios ---- */

#define BASE_NS 1700000000000000000ULL

/* The puzzle: A and AAAA from two sockets, A answered first, AAAA refused. */
static void racer(gen_t *g, uint64_t t0, unsigned client, unsigned trial, uint16_t port)
{
	char name[64];
	snprintf(name, sizeof name, "aaaa-d50ms.t%06u.lab.test", trial);
	sock_t a = sock_of(g, client, port), b = sock_of(g, client, (uint16_t)(port + 1));
	uint16_t id = (uint16_t)(trial * 2 + 0x100);
	at(g, t0, 0), query(g, &a, id, name, DNS_T_A);
	at(g, t0, 12), query(g, &b, (uint16_t)(id + 1), name, DNS_T_AAAA);
	at(g, t0, 900), answer(g, &a, id, name, DNS_T_A);
	at(g, t0, 50900), answer(g, &b, (uint16_t)(id + 1), name, DNS_T_AAAA);
	at(g, t0, 50940), refuse(g, &b, (uint16_t)(id + 1), name, DNS_T_AAAA, 0);
}

/* A client that waits for both answers on one socket. */
static void waiter(gen_t *g, uint64_t t0, unsigned client, unsigned trial, uint16_t port)
{
	char name[64];
	snprintf(name, sizeof name, "aaaa-d50ms.t%06u.lab.test", trial);
	sock_t a = sock_of(g, client, port);
	uint16_t id = (uint16_t)(trial * 2 + 0x100);
	at(g, t0, 0), query(g, &a, id, name, DNS_T_A);
	at(g, t0, 20), query(g, &a, (uint16_t)(id + 1), name, DNS_T_AAAA);
	at(g, t0, 800), answer(g, &a, id, name, DNS_T_A);
	at(g, t0, 50800), answer(g, &a, (uint16_t)(id + 1), name, DNS_T_AAAA);
}

static void sc_race(gen_t *g) { racer(g, BASE_NS, 0, 1, 40000); }

/* docs/verdicts.md: the old socket's answer after a retransmission from a new one. */
static void sc_late(gen_t *g)
{
	const char *name = "aaaa-d1500ms.t000002.lab.test";
	sock_t a = sock_of(g, 0, 42000), b = sock_of(g, 0, 42001);
	uint64_t t0 = BASE_NS;
	at(g, t0, 0), query(g, &a, 7, name, DNS_T_AAAA);
	at(g, t0, 1000000), query(g, &b, 8, name, DNS_T_AAAA);
	at(g, t0, 1001000), answer(g, &b, 8, name, DNS_T_AAAA);
	at(g, t0, 1500000), answer(g, &a, 7, name, DNS_T_AAAA);
	at(g, t0, 1500030), refuse(g, &a, 7, name, DNS_T_AAAA, 0);
}

/* A second answer to a query already answered. */
static void sc_duplicate(gen_t *g)
{
	const char *name = "a-dup3ms.t000003.lab.test";
	sock_t a = sock_of(g, 0, 43000);
	uint64_t t0 = BASE_NS;
	at(g, t0, 0), query(g, &a, 5, name, DNS_T_A);
	at(g, t0, 1000), answer(g, &a, 5, name, DNS_T_A);
	at(g, t0, 3000), answer(g, &a, 5, name, DNS_T_A);
	at(g, t0, 3030), refuse(g, &a, 5, name, DNS_T_A, 0);
}

/* One racing and one correct trial: the case each link type is checked with. */
static void sc_mixed(gen_t *g)
{
	racer(g, BASE_NS, 0, 10, 40000);
	waiter(g, BASE_NS + 200000000ULL, 0, 11, 40010);
}

static void put_len(uint8_t *b, size_t n)
{
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
}

/* RFC 7766: a truncated UDP answer, then the same question over TCP with the length prefix
 * in its own segment; a retransmitted segment; two queries in one segment and their
 * answers across three; a connection that loses a segment. */
static void sc_tcp(gen_t *g)
{
	const char *name = "aaaa-tc.t000004.lab.test";
	sock_t u = sock_of(g, 0, 44000);
	sock_t t = sock_of(g, 0, 44001);
	uint64_t t0 = BASE_NS;
	uint8_t m[512], seg[1200];
	size_t n;
	at(g, t0, 0), query(g, &u, 9, name, DNS_T_AAAA);
	at(g, t0, 500), answer_rc(g, &u, 9, name, DNS_T_AAAA, 0, 1);
	uint32_t cs = 1000, ss = 5000;
	at(g, t0, 700), send_tcp(g, &t.c, &t.s, t.cport, 53, cs, 0, 0x02, NULL, 0);
	at(g, t0, 720), send_tcp(g, &t.s, &t.c, 53, t.cport, ss, cs + 1, 0x12, NULL, 0);
	at(g, t0, 740), send_tcp(g, &t.c, &t.s, t.cport, 53, cs + 1, ss + 1, 0x10, NULL, 0);
	cs++, ss++;
	n = build_query(m, 10, name, DNS_T_AAAA);
	put_len(seg, n);
	at(g, t0, 760), send_tcp(g, &t.c, &t.s, t.cport, 53, cs, ss, 0x18, seg, 2);
	at(g, t0, 770), send_tcp(g, &t.c, &t.s, t.cport, 53, cs + 2, ss, 0x18, m, n);
	at(g, t0, 780), send_tcp(g, &t.c, &t.s, t.cport, 53, cs + 2, ss, 0x18, m, n); /* again */
	cs += (uint32_t)(2 + n);
	n = build_answer(m, 10, name, DNS_T_AAAA, 0, 0);
	put_len(seg, n);
	memcpy(seg + 2, m, n);
	at(g, t0, 1500), send_tcp(g, &t.s, &t.c, 53, t.cport, ss, cs, 0x18, seg, n + 2);
	ss += (uint32_t)(n + 2);
	at(g, t0, 1600), send_tcp(g, &t.c, &t.s, t.cport, 53, cs, ss, 0x11, NULL, 0);
	at(g, t0, 1620), send_tcp(g, &t.s, &t.c, 53, t.cport, ss, cs + 1, 0x11, NULL, 0);

	/* use-vc: A and AAAA pipelined on one connection, no handshake seen. */
	const char *vc = "use-vc.t000005.lab.test";
	sock_t v = sock_of(g, 0, 44002);
	uint64_t t1 = t0 + 100000000ULL;
	size_t q1 = build_query(m, 11, vc, DNS_T_A);
	put_len(seg, q1);
	memcpy(seg + 2, m, q1);
	size_t q2 = build_query(m, 12, vc, DNS_T_AAAA);
	put_len(seg + 2 + q1, q2);
	memcpy(seg + 4 + q1, m, q2);
	at(g, t1, 0), send_tcp(g, &v.c, &v.s, v.cport, 53, 7000, 9000, 0x18, seg, q1 + q2 + 4);
	size_t a1 = build_answer(m, 11, vc, DNS_T_A, 0, 0);
	put_len(seg, a1);
	memcpy(seg + 2, m, a1);
	size_t a2 = build_answer(m, 12, vc, DNS_T_AAAA, 0, 0);
	put_len(seg + 2 + a1, a2);
	memcpy(seg + 4 + a1, m, a2);
	size_t total = a1 + a2 + 4, cut1 = a1 / 2, cut2 = a1 + 6;
	at(g, t1, 800), send_tcp(g, &v.s, &v.c, 53, v.cport, 9000, 0, 0x18, seg, cut1);
	at(g, t1, 810), send_tcp(g, &v.s, &v.c, 53, v.cport, 9000 + (uint32_t)cut1, 0, 0x18,
				 seg + cut1, cut2 - cut1);
	at(g, t1, 820), send_tcp(g, &v.s, &v.c, 53, v.cport, 9000 + (uint32_t)cut2, 0, 0x18,
				 seg + cut2, total - cut2);

	/* A lost segment: the answer's first half never shows; the stream starts over. */
	const char *lost = "lost.t000006.lab.test";
	sock_t l = sock_of(g, 0, 44003);
	uint64_t t2 = t0 + 200000000ULL;
	n = build_query(m, 13, lost, DNS_T_A);
	put_len(seg, n);
	memcpy(seg + 2, m, n);
	at(g, t2, 0), send_tcp(g, &l.c, &l.s, l.cport, 53, 100, 200, 0x18, seg, n + 2);
	n = build_answer(m, 13, lost, DNS_T_A, 0, 0);
	put_len(seg, n);
	memcpy(seg + 2, m, n);
	at(g, t2, 500),
	    send_tcp(g, &l.s, &l.c, 53, l.cport, 200 + 10, 0, 0x18, seg + 10, n + 2 - 10);
	/* then a whole second query and answer on the same connection */
	n = build_query(m, 14, lost, DNS_T_AAAA);
	put_len(seg, n);
	memcpy(seg + 2, m, n);
	uint32_t cseq = 100 + (uint32_t)n + 2;
	at(g, t2, 900), send_tcp(g, &l.c, &l.s, l.cport, 53, cseq, 200, 0x18, seg, n + 2);
	n = build_answer(m, 14, lost, DNS_T_AAAA, 0, 0);
	put_len(seg, n);
	memcpy(seg + 2, m, n);
	uint32_t sseq = 200 + (uint32_t)(build_answer(m, 13, lost, DNS_T_A, 0, 0) + 2);
	n = build_answer(m, 14, lost, DNS_T_AAAA, 0, 0);
	at(g, t2, 1300), send_tcp(g, &l.s, &l.c, 53, l.cport, sseq, 0, 0x18, seg, n + 2);
}

/* Fragments are counted and skipped; the race beside them is still found. */
static void sc_frag(gen_t *g)
{
	racer(g, BASE_NS, 0, 20, 45000);
	static uint8_t u[FRAME_MAX], ip[FRAME_MAX], m[512];
	sock_t k = sock_of(g, 1, 45010);
	size_t n = build_answer(m, 77, "big.t000021.lab.test", DNS_T_TXT, 0, 0);
	size_t ul = udp_wrap(u, &k.s, &k.c, 53, k.cport, m, n);
	size_t half = (ul / 2) & ~(size_t)7, il;
	at(g, BASE_NS, 200000);
	il = ip_wrap(g, ip, &k.s, &k.c, 17, u, half, g->v6 ? 1 : 0x2000, 17);
	emit_ip(g, ip, il);
	at(g, BASE_NS, 200010);
	il = ip_wrap(g, ip, &k.s, &k.c, 17, u + half, ul - half,
		     g->v6 ? (int)(half & 0xfff8) : (int)(half / 8), 17);
	emit_ip(g, ip, il);
}

static void other_traffic(gen_t *g, unsigned i)
{
	static const uint8_t junk[32] = {1, 2, 3, 4};
	addr_t c = client_addr(g, i), s = server_addr(g);
	switch (i % 4) {
	case 0:
		send_udp(g, &c, &s, (uint16_t)(50000 + i % 1000), 123, junk, sizeof junk); /* NTP */
		break;
	case 1:
		send_tcp(g, &c, &s, (uint16_t)(50000 + i % 1000), 443, 1, 1, 0x10, junk, 20);
		break;
	case 2: {
		uint8_t echo[16] = {0};
		send_icmp(g, &c, &s, g->v6 ? 128 : 8, 0, echo, sizeof echo);
		break;
	}
	default:
		send_udp(g, &s, &c, 53, (uint16_t)(30000 + i % 1000), junk,
			 4); /* runt on port 53 */
		break;
	}
}

/* 40 clients, one in five a racer, with other traffic between. */
static void sc_busy(gen_t *g)
{
	unsigned trial = 100;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned c = 0; c < 40; c++) {
			uint64_t t0 = BASE_NS + (uint64_t)(round * 40 + c) * 2000000ULL;
			uint16_t port = (uint16_t)(20000 + (round * 40 + c) * 2);
			if (c % 5 == 2)
				racer(g, t0, c, trial++, port);
			else
				waiter(g, t0, c, trial++, port);
			at(g, t0, 1500);
			other_traffic(g, c + round);
		}
	}
}

/* ICMP errors whose quotes cannot be read, or hold too little to pair by question; the
 * race with an 8-byte UDP quote (RFC 792's minimum) and one with the DNS ID only. */
static void sc_icmp_garbage(gen_t *g)
{
	sock_t k = sock_of(g, 0, 46000);
	addr_t c = k.c, s = k.s;
	uint64_t t0 = BASE_NS;
	static uint8_t u[FRAME_MAX], ip[FRAME_MAX], m[512];
	uint8_t type = g->v6 ? 1 : 3, code = g->v6 ? 4 : 3;
	at(g, t0, 0), send_icmp(g, &c, &s, type, code, (const uint8_t *)"\x45\x00", 2);
	at(g, t0, 10), send_icmp(g, &c, &s, type, code,
				 (const uint8_t *)"garbage-garbage-garbage-garbage!", 32);
	size_t n = build_answer(m, 1, "x.lab.test", DNS_T_A, 0, 0);
	size_t ul = udp_wrap(u, &s, &c, 53, 46000, m, n);
	size_t il = ip_wrap(g, ip, &s, &c, 17, u, ul, g->v6 ? 8 : 0x10, 17);
	at(g, t0, 20), send_icmp(g, &c, &s, type, code, ip, il); /* quotes a later fragment */
	il = ip_wrap(g, ip, &s, &c, 17, u, ul, -1, 0);
	at(g, t0, 30), send_icmp(g, &c, &s, type, code, ip, g->v6 ? 44 : 24); /* cut in UDP */
	at(g, t0, 40), send_icmp(g, &c, &s, type, code, ip, il); /* its answer is not here */

	const char *name = "quote8.t000030.lab.test";
	sock_t a = sock_of(g, 0, 46010), b = sock_of(g, 0, 46011);
	uint64_t t1 = t0 + 1000000;
	at(g, t1, 0), query(g, &a, 30, name, DNS_T_A);
	at(g, t1, 10), query(g, &b, 31, name, DNS_T_AAAA);
	at(g, t1, 700), answer(g, &b, 31, name, DNS_T_AAAA);
	at(g, t1, 900), answer(g, &a, 30, name, DNS_T_A);
	at(g, t1, 930), refuse(g, &a, 30, name, DNS_T_A, g->v6 ? 48 : 28);

	name = "quoteid.t000031.lab.test";
	sock_t d = sock_of(g, 0, 46020), e = sock_of(g, 0, 46021);
	uint64_t t2 = t0 + 2000000;
	at(g, t2, 0), query(g, &d, 40, name, DNS_T_A);
	at(g, t2, 10), query(g, &e, 41, name, DNS_T_AAAA);
	at(g, t2, 700), answer(g, &d, 40, name, DNS_T_A);
	at(g, t2, 900), answer(g, &e, 41, name, DNS_T_AAAA);
	at(g, t2, 930), refuse(g, &e, 41, name, DNS_T_AAAA, g->v6 ? 50 : 30);
}

/* Frames with no bytes, one byte and a cut link header around an ordinary race. */
static void sc_zero_length(gen_t *g)
{
	static const uint8_t b[1] = {0x45};
	at(g, BASE_NS, 0), out_frame(g->o, g->ts, b, 0);
	at(g, BASE_NS, 1), out_frame(g->o, g->ts, b, 1);
	racer(g, BASE_NS + 1000000, 0, 40, 47000);
	at(g, BASE_NS, 90000), out_frame(g->o, g->ts, b, 0);
}

/* The race under a 96-byte snap length: queries and answers lose their tail, and the ICMP
 * error's quote reaches the DNS ID but not the question. */
static void sc_short_snap(gen_t *g)
{
	g->o->snaplen = 96;
	racer(g, BASE_NS, 0, 50, 48000);
	waiter(g, BASE_NS + 100000000ULL, 1, 51, 48010);
}

/* Two interfaces with the same link type in one pcapng: the race's packets alternate. */
static void sc_multi_if(gen_t *g)
{
	g->o->multi = 1;
	racer(g, BASE_NS, 0, 60, 49000);
}

/* At least n packets: rounds of 1000 clients, one trial each, every tenth a racer, one in
 * eight trials with a refused duplicate, one in four with other traffic; about 1000 trials
 * per second of capture time, so any window holds the same amount of state. */
static void sc_bench(gen_t *g, uint64_t n)
{
	unsigned trial = 0;
	uint64_t t = BASE_NS;
	while (g->o->packets < n && !g->o->failed) {
		unsigned c = trial % 1000;
		uint16_t port = (uint16_t)(10000 + (trial % 25000) * 2);
		if (trial % 10 == 3) {
			racer(g, t, c, trial, port);
		} else {
			waiter(g, t, c, trial, port);
			if (trial % 8 == 5) {
				char name[64];
				snprintf(name, sizeof name, "aaaa-d50ms.t%06u.lab.test", trial);
				sock_t k = sock_of(g, c, port);
				uint16_t id = (uint16_t)(trial * 2 + 0x100);
				at(g, t, 52000), answer(g, &k, id, name, DNS_T_A);
				at(g, t, 52030), refuse(g, &k, id, name, DNS_T_A, 0);
			}
		}
		if (trial % 4 == 1) {
			at(g, t, 60000);
			other_traffic(g, trial);
		}
		at(g, t, 70000), answer_rc(g, &(sock_t){client_addr(g, c), server_addr(g), 9}, 1,
					   "refused.example", DNS_T_A, DNS_R_REFUSED, 0);
		trial++;
		t += 1000000ULL; /* 1 ms */
	}
}

int main(int argc, char **argv)
{
	out_t o = {.link = L_ETHER, .snaplen = 65535};
	gen_t g = {.o = &o};
	const char *path = "-", *format = "pcap";
	uint64_t n = 1000000;
	unsigned long v;
	int c;
	while ((c = getopt(argc, argv, "o:l:6F:s:n:h")) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'l': {
			int found = 0;
			for (int i = 0; i < L_N; i++)
				if (strcmp(optarg, links[i].name) == 0)
					o.link = (enum link)i, found = 1;
			if (!found) {
				fprintf(stderr, "gencap: unknown link '%s'; see gencap -h\n",
					optarg);
				return 2;
			}
			break;
		}
		case '6':
			g.v6 = 1;
			break;
		case 'F':
			format = optarg;
			break;
		case 's':
			if (sp_parse_uint(optarg, 262144, &v) < 0 || v == 0) {
				fprintf(stderr, "gencap: bad snap length '%s'; give 1 to 262144\n",
					optarg);
				return 2;
			}
			o.snaplen = (uint32_t)v;
			break;
		case 'n':
			if (sp_parse_uint(optarg, 4000000000UL, &v) < 0) {
				fprintf(stderr, "gencap: bad packet count '%s'\n", optarg);
				return 2;
			}
			n = v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *sc = argv[optind];
	if (strcmp(format, "pcap") != 0 && strcmp(format, "pcapng") != 0) {
		fprintf(stderr, "gencap: bad format '%s'; give pcap or pcapng\n", format);
		return 2;
	}
	if (o.link == L_RAW4 && g.v6)
		o.link = L_RAW6;
	if (o.link == L_RAW6)
		g.v6 = 1;
	o.ng = strcmp(format, "pcapng") == 0 || strcmp(sc, "multi-if") == 0;
	if (strcmp(sc, "short-snap") == 0)
		o.snaplen = 96;
	o.f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!o.f) {
		fprintf(stderr, "gencap: cannot create '%s': %s\n", path, strerror(errno));
		return 2;
	}
	if (o.ng)
		pcapng_header(&o, strcmp(sc, "multi-if") == 0 ? 2 : 1);
	else
		pcap_header(&o);

	static const struct {
		const char *name;
		void (*fn)(gen_t *);
	} scenarios[] = {
	    {"race", sc_race},
	    {"late", sc_late},
	    {"duplicate", sc_duplicate},
	    {"mixed", sc_mixed},
	    {"tcp", sc_tcp},
	    {"frag", sc_frag},
	    {"busy", sc_busy},
	    {"icmp-garbage", sc_icmp_garbage},
	    {"zero-length", sc_zero_length},
	    {"short-snap", sc_short_snap},
	    {"multi-if", sc_multi_if},
	};
	int done = 0;
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(sc, scenarios[i].name) == 0)
			scenarios[i].fn(&g), done = 1;
	if (strcmp(sc, "bench") == 0)
		sc_bench(&g, n), done = 1;
	if (!done) {
		fprintf(stderr, "gencap: unknown scenario '%s'; see gencap -h\n", sc);
		if (o.f != stdout)
			fclose(o.f);
		return 2;
	}
	if (fflush(o.f) != 0 || o.failed || (o.f != stdout && fclose(o.f) != 0)) {
		fprintf(stderr, "gencap: cannot write '%s': %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}
