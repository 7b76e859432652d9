/* Packet dissector: one function per layer, each reading a wire_t narrowed to that layer. */
#include "dissect.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"

/* The cursor's reads are wire.h's inline ones. What is left and a layer of its own are wanted
 * at every layer, so they are inline here too; anything but the common case goes to wire.c. */
static inline size_t avail(const wire_t *w)
{
	return w->err || w->pos > w->len ? 0 : w->len - w->pos;
}

/* The next n bytes without moving the cursor; NULL (and no error) if fewer remain. */
static inline const uint8_t *peek(const wire_t *w, size_t n)
{
	return avail(w) >= n ? w->base + w->pos : NULL;
}

static inline wire_t layer(wire_t *w, size_t n)
{
	const uint8_t *p = wire_take(w, n);
	if (!p)
		return wire_sub(w, n); /* the empty child that carries the error */
	return (wire_t){.base = p, .len = n, .pos = 0, .err = 0};
}

static inline unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88A8
#define ETHERTYPE_QINQ_OLD 0x9100 /* outer tag before 802.1ad had a type (libpcap's "vlan") */
#define ETHERTYPE_PPPOE 0x8864
#define ETHERTYPE_MPLS 0x8847

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

/* IPv6 extension headers that precede the transport header (RFC 8200 section 4). */
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_DSTOPTS 60

int dissect_linktype_from_dlt(int dlt)
{
	switch (dlt) {
	case 12: /* DLT_RAW on most systems */
	case 14: /* DLT_RAW on OpenBSD */
		return LT_RAW;
	default:
		/* Every other DLT_ value this dissector reads equals its LINKTYPE_ value. */
		return dlt;
	}
}

int dissect_linktype_supported(int linktype)
{
	switch (linktype) {
	case LT_NULL:
	case LT_ETHERNET:
	case LT_RAW:
	case LT_LOOP:
	case LT_LINUX_SLL:
	case LT_IPV4:
	case LT_IPV6:
	case LT_LINUX_SLL2:
	case LT_PPP:
	case LT_PPP_HDLC:
	case LT_C_HDLC:
	case LT_IEEE802_11:
	case LT_IEEE802_11_RADIOTAP:
	case LT_IPNET:
		return 1;
	default:
		return 0;
	}
}

const char *dissect_linktype_name(int linktype)
{
	switch (linktype) {
	case LT_NULL:
		return "BSD loopback";
	case LT_ETHERNET:
		return "Ethernet";
	case LT_RAW:
		return "raw IP";
	case LT_LOOP:
		return "OpenBSD loopback";
	case LT_LINUX_SLL:
		return "Linux cooked v1";
	case LT_IPV4:
		return "raw IPv4";
	case LT_IPV6:
		return "raw IPv6";
	case LT_LINUX_SLL2:
		return "Linux cooked v2";
	case LT_PPP:
		return "PPP";
	case LT_PPP_HDLC:
		return "PPP in HDLC framing";
	case LT_C_HDLC:
		return "Cisco HDLC";
	case LT_IEEE802_11:
		return "802.11";
	case LT_IEEE802_11_RADIOTAP:
		return "802.11 with radiotap";
	case LT_IPNET:
		return "Solaris ipnet";
	default:
		return "unknown";
	}
}

int sp_sockaddr_split(const struct sockaddr *sa, uint16_t *family, uint16_t *port, uint8_t addr[16])
{
	uint16_t p;
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in s4;
		memcpy(&s4, sa, sizeof(s4));
		memcpy(addr, &s4.sin_addr, 4);
		p = ntohs(s4.sin_port);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 s6;
		memcpy(&s6, sa, sizeof(s6));
		memcpy(addr, &s6.sin6_addr, 16);
		p = ntohs(s6.sin6_port);
	} else {
		return SP_EFORMAT;
	}
	*family = sa->sa_family;
	if (port)
		*port = p;
	return 0;
}

const char *sp_addr_str(const sp_addr_t *a, char *out, size_t outlen)
{
	if (outlen == 0)
		return out;
	out[0] = '\0';
	if (a->family == 4) {
		if (!inet_ntop(AF_INET, a->a, out, (socklen_t)outlen))
			out[0] = '\0';
	} else if (a->family == 6) {
		if (!inet_ntop(AF_INET6, a->a, out, (socklen_t)outlen))
			out[0] = '\0';
	} else {
		snprintf(out, outlen, "-");
	}
	return out;
}

int sp_addr_equal(const sp_addr_t *x, const sp_addr_t *y)
{
	if (x->family != y->family)
		return 0;
	size_t n = x->family == 4 ? 4 : x->family == 6 ? 16 : 0;
	return memcmp(x->a, y->a, n) == 0;
}

static int skip(pkt_t *out, enum pkt_skip why, const char *note)
{
	out->kind = PKT_SKIPPED;
	out->skip = why;
	out->note = note;
	return 0;
}

const char *dissect_skip_name(enum pkt_skip r)
{
	switch (r) {
	case SKIP_NONE:
		return "none";
	case SKIP_NOT_IP:
		return "not IP";
	case SKIP_FRAGMENT:
		return "fragment";
	case SKIP_TRUNCATED:
		return "truncated";
	case SKIP_MALFORMED:
		return "malformed";
	case SKIP_DNS:
		return "DNS too short";
	case SKIP_ICMP_QUOTE:
		return "ICMP quote unreadable";
	case SKIP_LINKTYPE:
		return "unsupported link type";
	case SKIP_ENCRYPTED:
		return "encrypted";
	case PKT_SKIP_N:
		break;
	}
	return "unknown";
}

/* The rest of the cursor as its own layer. */
static inline wire_t rest(wire_t *w) { return layer(w, avail(w)); }

/* Narrows to a length a header announces, or to what was captured when the capture is
 * shorter (snap length). */
static inline wire_t narrow(wire_t *w, size_t announced)
{
	size_t left = avail(w);
	return layer(w, announced < left ? announced : left);
}

/* Where the IP header ends: the transport protocol and the cursor over its bytes. */
typedef struct ip_info {
	sp_addr_t src, dst;
	uint8_t proto;
	const char *skip; /* set when the packet cannot be followed further */
	int truncated;    /* ... because the header is cut short */
	int fragment;     /* ... because it is a fragment without the transport header */
	wire_t payload;
	size_t wire_len; /* payload bytes the header announces (may exceed what was captured) */
} ip_info_t;

static enum pkt_skip ip_reason(const ip_info_t *ip)
{
	if (ip->fragment)
		return SKIP_FRAGMENT;
	if (ip->truncated)
		return SKIP_TRUNCATED;
	return SKIP_MALFORMED;
}

/* The bytes past an IPv4 address stay zero: the analyzer keys addresses by all of them. */
static inline void addr_set(sp_addr_t *a, uint8_t family, const uint8_t *p)
{
	a->family = family;
	if (family == 4) {
		memcpy(a->a, p, 4);
		memset(a->a + 4, 0, 12);
	} else {
		memcpy(a->a, p, 16);
	}
}

/* A header that cannot be read whole reports nothing of itself (no half-read addresses). */
static void ip_unread(ip_info_t *ip, const char *why, int truncated)
{
	memset(&ip->src, 0, sizeof ip->src);
	memset(&ip->dst, 0, sizeof ip->dst);
	ip->proto = 0;
	ip->skip = why;
	ip->truncated = truncated;
}

/* RFC 791 section 3.1. */
static inline void ipv4_header(wire_t *w, ip_info_t *ip, int quoted)
{
	const uint8_t *h = wire_ptr(w, 20);
	if (!h) {
		ip_unread(ip, "truncated IPv4 header", 1);
		return;
	}
	/* version and header length, type of service, total length, identification, flags
	 * and fragment offset, time to live, protocol, checksum, addresses */
	size_t hl = (size_t)(h[0] & 0x0f) * 4;
	unsigned total = be16(h + 2), frag = be16(h + 6);
	ip->proto = h[9];
	addr_set(&ip->src, 4, h + 12);
	addr_set(&ip->dst, 4, h + 16);
	if ((h[0] >> 4) != 4 || hl < 20) {
		ip->skip = "bad IPv4 header length";
		return;
	}
	if (hl > 20)
		wire_skip(w, hl - 20); /* options */
	if (wire_error(w)) {
		ip->skip = "truncated IPv4 options";
		ip->truncated = 1;
		return;
	}
	if ((frag & 0x1fff) != 0 || (!quoted && (frag & 0x2000) != 0)) {
		/* Only the first fragment holds the UDP header; reassembly is not worth it for
		 * DNS, whose answers here are small. A quoted first fragment still names the
		 * answer, so a quote keeps it. */
		ip->skip = "IPv4 fragment";
		ip->fragment = 1;
		return;
	}
	if (total < hl) {
		if (!quoted) {
			ip->skip = "bad IPv4 total length";
			return;
		}
		/* Some stacks rewrite the quoted header; the quote's own length is what counts. */
		ip->payload = rest(w);
		ip->wire_len = avail(&ip->payload);
		return;
	}
	ip->wire_len = total - hl;
	ip->payload = narrow(w, total - hl);
}

/* RFC 8200 sections 3 and 4. */
static void ipv6_header(wire_t *w, ip_info_t *ip, int quoted)
{
	const uint8_t *h = wire_ptr(w, 40);
	if (!h) {
		ip_unread(ip, "truncated IPv6 header", 1);
		return;
	}
	/* version, traffic class and flow label, payload length, next header, hop limit,
	 * addresses */
	unsigned plen = be16(h + 4);
	uint8_t next = h[6];
	addr_set(&ip->src, 6, h + 8);
	addr_set(&ip->dst, 6, h + 24);
	if ((h[0] >> 4) != 6) {
		ip->proto = 0;
		ip->skip = "bad IPv6 version";
		return;
	}
	wire_t p = narrow(w, plen);
	size_t ext = 0;
	/* Each extension header takes at least 8 bytes, so the walk ends with the packet. */
	for (;;) {
		if (next == IP6_HOPOPTS || next == IP6_ROUTING || next == IP6_DSTOPTS) {
			uint8_t nh = wire_u8(&p);
			uint8_t len8 = wire_u8(&p);
			wire_skip(&p, (size_t)len8 * 8 + 6);
			if (wire_error(&p)) {
				ip->proto = next;
				ip->skip = "truncated IPv6 extension header";
				ip->truncated = 1;
				return;
			}
			ext += (size_t)len8 * 8 + 8;
			next = nh;
			continue;
		}
		if (next == IP6_FRAGMENT) {
			uint8_t nh = wire_u8(&p);
			wire_skip(&p, 1);
			uint16_t off = wire_u16(&p);
			wire_skip(&p, 4); /* identification */
			if (wire_error(&p)) {
				ip->proto = next;
				ip->skip = "truncated IPv6 extension header";
				ip->truncated = 1;
				return;
			}
			if (!quoted || (off & 0xfff8) != 0) {
				ip->proto = next;
				ip->skip = "IPv6 fragment";
				ip->fragment = 1;
				return;
			}
			ext += 8;
			next = nh;
			continue;
		}
		break;
	}
	ip->proto = next;
	ip->payload = rest(&p);
	ip->wire_len = plen > ext ? (size_t)plen - ext : 0;
}

/* Sets src, dst, proto and skip (with truncated and fragment); payload and wire_len only
 * when skip is NULL. */
static inline void ip_header(wire_t *w, ip_info_t *ip, int quoted)
{
	const uint8_t *v = peek(w, 1);
	ip->skip = NULL;
	ip->truncated = ip->fragment = 0;
	if (!v)
		ip_unread(ip, "truncated IP header", 1);
	else if ((v[0] >> 4) == 4)
		ipv4_header(w, ip, quoted);
	else if ((v[0] >> 4) == 6)
		ipv6_header(w, ip, quoted);
	else
		ip_unread(ip, "not IPv4 or IPv6", 0);
}

/* RFC 768. */
static int udp(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	const uint8_t *h = avail(w) >= 8 ? wire_ptr(w, 8) : NULL;
	if (!h) {
		/* The ports that were captured are still reported. */
		out->sport = wire_u16(w);
		out->dport = wire_u16(w);
		wire_skip(w, 4); /* length, checksum */
		return skip(out, SKIP_TRUNCATED, "truncated UDP header");
	}
	/* source port, destination port, length, checksum */
	out->sport = (uint16_t)be16(h);
	out->dport = (uint16_t)be16(h + 2);
	size_t len = be16(h + 4);
	if (out->sport != cfg->dns_port && out->dport != cfg->dns_port)
		return len < 8 ? skip(out, SKIP_MALFORMED, "bad UDP length") : 0;
	out->selected = PKT_SEL_EXT; /* counts only where BPF's form did not reach */
	if (len < 8)
		return skip(out, SKIP_MALFORMED, "bad UDP length");
	size_t n = avail(w);
	if (len - 8 < n)
		n = len - 8;
	const uint8_t *msg = n >= DNS_HEADER_LEN ? wire_ptr(w, n) : NULL;
	if (!msg || dns_parse(msg, n, &out->dns) != 0)
		return skip(out, SKIP_DNS, "DNS message shorter than its header");
	out->kind = PKT_DNS;
	return 0;
}

/* RFC 9293 section 3.1. Only segments of the DNS port are handed on; RFC 7766 section 8
 * (two-byte length before each message) is the analyzer's, which has the stream. */
static int tcp(const dissect_cfg_t *cfg, wire_t *w, size_t wire_len, pkt_t *out)
{
	out->sport = wire_u16(w);
	out->dport = wire_u16(w);
	out->tcp_seq = wire_u32(w);
	wire_skip(w, 4); /* acknowledgment number */
	uint8_t off = wire_u8(w);
	out->tcp_flags = wire_u8(w);
	wire_skip(w, 6); /* window, checksum, urgent pointer */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated TCP header");
	if (out->sport == cfg->dns_port || out->dport == cfg->dns_port)
		out->selected = PKT_SEL_EXT; /* counts only where BPF's form did not reach */
	size_t hl = (size_t)(off >> 4) * 4;
	if (hl < 20)
		return skip(out, SKIP_MALFORMED, "bad TCP header length");
	if (out->sport != cfg->dns_port && out->dport != cfg->dns_port)
		return 0;
	wire_skip(w, hl - 20); /* options */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated TCP options");
	size_t n = avail(w);
	out->payload = n ? wire_ptr(w, n) : NULL;
	out->payload_len = out->payload ? n : 0;
	out->tcp_len = wire_len > hl ? wire_len - hl : 0;
	if (out->tcp_len < out->payload_len)
		out->tcp_len = out->payload_len; /* the IP length lied; what is there is there */
	out->kind = PKT_TCP;
	return 0;
}

/* RFC 1035 4.1.1 and 4.1.2: the quoted message's first question, when the quote holds it
 * whole; otherwise q->q stays as it was cleared. */
static void quote_question(const uint8_t *msg, size_t n, pkt_quote_t *q)
{
	wire_t w = {.base = msg, .len = msg ? n : 0, .pos = 0, .err = 0};
	dns_header_t h;
	if (dns_parse_header(&w, &h) != 0 || h.qdcount < 1)
		return;
	if (dns_parse_question(&w, &q->q) != 0) {
		q->q.name.len = 0;
		q->q.qtype = q->q.qclass = 0;
		return;
	}
	q->has_question = 1;
}

/* The packet an ICMP error quotes: RFC 792 (IP header + at least 64 bits of the datagram),
 * RFC 1812 4.3.2.3 and RFC 4443 section 3.1 (as much as fits, often the whole answer). */
static int icmp_quote(wire_t *w, pkt_t *out)
{
	ip_info_t ip;
	ip_header(w, &ip, 1);
	if (ip.skip) {
		if (ip.truncated)
			return skip(out, SKIP_ICMP_QUOTE, "ICMP error quotes too little");
		if (ip.fragment)
			return skip(out, SKIP_ICMP_QUOTE, "ICMP error quotes a fragment");
		return skip(out, SKIP_ICMP_QUOTE, "ICMP error quotes no IP packet");
	}
	if (ip.proto != PROTO_UDP)
		return 0; /* PKT_OTHER: an error about something other than DNS over UDP */
	pkt_quote_t *q = &out->quote;
	q->src = ip.src;
	q->dst = ip.dst;
	q->proto = ip.proto;
	wire_t *u = &ip.payload;
	q->sport = wire_u16(u);
	q->dport = wire_u16(u);
	uint16_t len = wire_u16(u);
	wire_skip(u, 2);
	if (wire_error(u))
		return skip(out, SKIP_ICMP_QUOTE, "ICMP error quotes too little");
	wire_t p = len >= 8 ? narrow(u, (size_t)len - 8) : rest(u);
	size_t n = avail(&p);
	if (n >= 2) {
		wire_t idw = p;
		q->dns_id = wire_u16(&idw);
		q->has_dns_id = 1;
	}
	if (n >= DNS_HEADER_LEN)
		quote_question(wire_ptr(&p, n), n, q);
	out->kind = PKT_ICMP_ERROR;
	return 0;
}

/* RFC 792 (ICMP destination unreachable, type 3; port unreachable is code 3). */
static int icmp4(wire_t *w, pkt_t *out)
{
	out->icmp_type = wire_u8(w);
	out->icmp_code = wire_u8(w);
	wire_skip(w, 6); /* checksum, unused */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated ICMP header");
	if (out->icmp_type != 3)
		return 0;
	out->port_unreachable = out->icmp_code == 3;
	return icmp_quote(w, out);
}

/* RFC 4443 section 3.1 (destination unreachable, type 1; port unreachable is code 4). */
static int icmp6(wire_t *w, pkt_t *out)
{
	out->icmp_type = wire_u8(w);
	out->icmp_code = wire_u8(w);
	wire_skip(w, 6); /* checksum, unused */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated ICMPv6 header");
	if (out->icmp_type != 1)
		return 0;
	out->port_unreachable = out->icmp_code == 4;
	return icmp_quote(w, out);
}

static int ip_packet(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	ip_info_t ip;
	ip_header(w, &ip, 0);
	out->src = ip.src;
	out->dst = ip.dst;
	out->proto = ip.proto;
	if ((ip.proto == PROTO_ICMP && ip.src.family == 4) ||
	    (ip.proto == PROTO_ICMPV6 && ip.src.family == 6))
		out->selected = PKT_SEL_EXT; /* counts only where BPF's form did not reach */
	if (ip.skip)
		return skip(out, ip_reason(&ip), ip.skip);
	wire_t *t = &ip.payload;
	switch (ip.proto) {
	case PROTO_UDP:
		return udp(cfg, t, out);
	case PROTO_TCP:
		return tcp(cfg, t, ip.wire_len, out);
	case PROTO_ICMP:
		return ip.src.family == 4 ? icmp4(t, out) : 0;
	case PROTO_ICMPV6:
		return ip.src.family == 6 ? icmp6(t, out) : 0;
	default:
		return 0;
	}
}

/* RFC 1661 section 2: the protocol field, one byte when compressed (RFC 1661 6.5: an
 * odd first byte ends the field). */
static int ppp_protocol(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	uint16_t proto = wire_u8(w);
	if (!wire_error(w) && !(proto & 1))
		proto = (uint16_t)(proto << 8 | wire_u8(w));
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated PPP header");
	wire_t ipw = rest(w);
	if (proto == PPP_IPV4 || proto == PPP_IPV6)
		return ip_packet(cfg, &ipw, out);
	return skip(out, SKIP_NOT_IP, "not IP");
}

/* RFC 3032 section 2.1: label stack entries until the bottom-of-stack bit; what follows
 * is told by its first nibble, as MPLS does not say. */
static int mpls(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	/* Each entry takes 4 bytes, so the loop ends with the frame. */
	for (;;) {
		uint32_t e = wire_u32(w);
		if (wire_error(w))
			return skip(out, SKIP_TRUNCATED, "truncated MPLS label stack");
		if (e & 0x100)
			break;
	}
	wire_t ipw = rest(w);
	return ip_packet(cfg, &ipw, out);
}

static int by_ethertype(const dissect_cfg_t *cfg, uint16_t type, wire_t *w, pkt_t *out)
{
	if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) {
		wire_t ipw = rest(w);
		return ip_packet(cfg, &ipw, out);
	}
	if (type == ETHERTYPE_PPPOE) {
		/* RFC 2516 section 6: version/type, code, session, length; then PPP. */
		wire_skip(w, 4);
		uint16_t len = wire_u16(w);
		if (wire_error(w))
			return skip(out, SKIP_TRUNCATED, "truncated PPPoE header");
		wire_t pw = narrow(w, len);
		return ppp_protocol(cfg, &pw, out);
	}
	if (type == ETHERTYPE_MPLS)
		return mpls(cfg, w, out);
	return skip(out, SKIP_NOT_IP, "not IP");
}

/* IEEE 802.3 with IEEE 802.1Q tags (0x8100, and 0x88A8 or the older 0x9100 for the outer tag of
 * 802.1ad). */
static int ethernet(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	wire_skip(w, 12); /* destination, source */
	uint16_t type = wire_u16(w);
	/* Each tag takes 4 bytes, so the loop ends with the frame. */
	while (!wire_error(w) && (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
				  type == ETHERTYPE_QINQ_OLD)) {
		wire_skip(w, 2); /* tag control information */
		type = wire_u16(w);
	}
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated Ethernet header");
	return by_ethertype(cfg, type, w, out);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html */
static int linux_sll(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	wire_skip(w, 14); /* packet type, ARPHRD, address length, address */
	uint16_t proto = wire_u16(w);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated Linux cooked header");
	return by_ethertype(cfg, proto, w, out);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html */
static int linux_sll2(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	uint16_t proto = wire_u16(w);
	wire_skip(w, 18); /* reserved, ifindex, ARPHRD, packet type, address length, address */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated Linux cooked v2 header");
	return by_ethertype(cfg, proto, w, out);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static int family_is_ipv6(uint32_t f)
{
	/* AF_INET6 differs between the BSDs: 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (Darwin);
	 * 10 is Linux's, which libpcap's filters on Linux take for these link types. */
	return f == 24 || f == 28 || f == 30 || f == 10;
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html and LINKTYPE_LOOP.html. */
static int loopback(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out, int any_order)
{
	uint32_t f = wire_u32(w);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated loopback header");
	/* LINKTYPE_NULL holds the family in the writer's byte order, which the file does not
	 * say; the values are small enough that both orders can be tried. */
	uint32_t s = any_order ? bswap32(f) : f;
	wire_t ipw = rest(w);
	if (f == 2 || s == 2 || family_is_ipv6(f) || family_is_ipv6(s))
		return ip_packet(cfg, &ipw, out);
	return skip(out, SKIP_NOT_IP, "not IP");
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_PPP.html: HDLC-like framing (RFC 1662) when
 * the frame starts with 0xff 0x03, else the bare protocol field. */
static int ppp(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	wire_t peek = *w;
	uint8_t addr = wire_u8(&peek), ctrl = wire_u8(&peek);
	if (!wire_error(&peek) && addr == 0xff && ctrl == 0x03)
		wire_skip(w, 2);
	return ppp_protocol(cfg, w, out);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_C_HDLC.html: address, control, Ethernet type. */
static int c_hdlc(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	wire_skip(w, 2);
	uint16_t type = wire_u16(w);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated Cisco HDLC header");
	return by_ethertype(cfg, type, w, out);
}

/* https://www.tcpdump.org/linktypes/LINKTYPE_IPNET.html: a 24-byte header whose family
 * byte says IPv4 (2) or IPv6 (26). */
static int ipnet(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	wire_skip(w, 1); /* version */
	uint8_t family = wire_u8(w);
	wire_skip(w, 22);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated ipnet header");
	wire_t ipw = rest(w);
	if (family == 2 || family == 26)
		return ip_packet(cfg, &ipw, out);
	return skip(out, SKIP_NOT_IP, "not IP");
}

/* IEEE 802.11-2020 section 9.2: data frames only, then the LLC/SNAP header of RFC 1042
 * that names the Ethernet type. A trailing FCS is harmless: IP narrows to its length. */
static int ieee802_11(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	uint8_t fc0 = wire_u8(w), fc1 = wire_u8(w);
	wire_skip(w, 2 + 6 + 6 + 6 + 2); /* duration, three addresses, sequence control */
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated 802.11 header");
	unsigned type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
	if (type != 2 || (subtype & 4))
		return skip(out, SKIP_NOT_IP, "not IP (802.11 frame without data)");
	if ((fc1 & 3) == 3)
		wire_skip(w, 6); /* fourth address, between two access points */
	if (subtype & 8) {
		wire_skip(w, 2); /* QoS control */
		if (fc1 & 0x80)
			wire_skip(w, 4); /* HT control, present in QoS frames with the order bit */
	}
	if (fc1 & 0x40)
		return skip(out, SKIP_ENCRYPTED, "encrypted 802.11 frame");
	uint8_t snap[6];
	wire_bytes(w, snap, sizeof snap);
	uint16_t etype = wire_u16(w);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated 802.11 header");
	static const uint8_t rfc1042[6] = {0xaa, 0xaa, 0x03, 0, 0, 0};
	if (memcmp(snap, rfc1042, sizeof snap) != 0)
		return skip(out, SKIP_NOT_IP, "not IP");
	return by_ethertype(cfg, etype, w, out);
}

/* https://www.radiotap.org/: version, pad, little-endian length of the whole header. */
static int radiotap(const dissect_cfg_t *cfg, wire_t *w, pkt_t *out)
{
	uint8_t version = wire_u8(w);
	wire_skip(w, 1);
	uint16_t len = wire_u8(w);
	len = (uint16_t)(len | wire_u8(w) << 8);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated radiotap header");
	if (version != 0 || len < 8)
		return skip(out, SKIP_MALFORMED, "bad radiotap header");
	wire_skip(w, (size_t)len - 4);
	if (wire_error(w))
		return skip(out, SKIP_TRUNCATED, "truncated radiotap header");
	wire_t f = rest(w);
	return ieee802_11(cfg, &f, out);
}

/* ---- The default filter, decided before dissecting ----
 *
 * What libpcap 1.10 compiles "udp port P or tcp port P or icmp or icmp6" (with its "vlan"
 * part where that compiles) into, for each link type, read as BPF reads: absolute loads
 * from the start of the frame, each of which ends the filter with a reject when it runs
 * past the captured length. Where the dissector would follow the frame along another path
 * (an encapsulation or header the BPF form does not know), the answer is SEL_MAYBE and the
 * dissector's own walk decides (dissect.h, enum pkt_sel). */

/* SEL_LINKTYPE: a link type the dissector does not read, so not one BPF's form takes. */
enum { SEL_NO, SEL_TAKE, SEL_MAYBE, SEL_LINKTYPE };

/* Where a taken frame's IP header starts when the dissector's walk reaches it at the offset
 * BPF loads it from (NO_IP: the walk must start at the link layer). */
#define NO_IP SIZE_MAX

/* BPF's load of n bytes at offset off of the frame, or NULL where BPF would reject. Loads
 * go anywhere in the frame, so this peeks rather than moving a cursor. */
static inline const uint8_t *at(const wire_t *frame, size_t off, size_t n)
{
	return off <= frame->len && n <= frame->len - off ? frame->base + off : NULL;
}

/* "udp port P or tcp port P": the source port first, as BPF accepts on it alone. */
static inline int sel_ports(const wire_t *f, size_t off, uint16_t port)
{
	const uint8_t *s = at(f, off, 2), *d;
	if (!s)
		return SEL_NO;
	if (be16(s) == port)
		return SEL_TAKE;
	d = at(f, off + 2, 2);
	return d && be16(d) == port ? SEL_TAKE : SEL_NO;
}

/* BPF's IPv4 part: the protocol; a UDP or TCP port only in a first fragment, at the offset
 * the header length gives (unchecked, as in BPF); ICMP in any fragment. */
static inline int sel_ip4(const wire_t *f, size_t ip, uint16_t port)
{
	const uint8_t *p = at(f, ip, 10);
	if (!p)
		return SEL_NO;
	if (p[9] == PROTO_ICMP)
		return SEL_TAKE;
	if (p[9] != PROTO_UDP && p[9] != PROTO_TCP)
		return SEL_NO;
	if ((p[6] & 0x1f) || p[7])
		return SEL_NO;
	return sel_ports(f, ip + (size_t)(p[0] & 0x0f) * 4, port);
}

/* BPF's IPv6 part: the fixed header's next header only, ICMPv6 also behind one fragment
 * header. Other extension headers are the dissector's to follow. */
static inline int sel_ip6(const wire_t *f, size_t ip, uint16_t port)
{
	const uint8_t *nh = at(f, ip + 6, 1), *n2;
	if (!nh)
		return SEL_NO;
	switch (nh[0]) {
	case PROTO_UDP:
	case PROTO_TCP:
		return sel_ports(f, ip + 40, port);
	case PROTO_ICMPV6:
		return SEL_TAKE;
	case IP6_FRAGMENT:
		n2 = at(f, ip + 40, 1);
		return n2 && n2[0] == PROTO_ICMPV6 ? SEL_TAKE : SEL_NO;
	case IP6_HOPOPTS:
	case IP6_ROUTING:
	case IP6_DSTOPTS:
		return SEL_MAYBE;
	default:
		return SEL_NO;
	}
}

/* The link layer says which IP version BPF checks; the dissector goes by the version
 * nibble, so a packet of the other version is the dissector's to judge. */
static inline int sel_ip(const wire_t *f, size_t ip, int v6, uint16_t port)
{
	int r = v6 ? sel_ip6(f, ip, port) : sel_ip4(f, ip, port);
	const uint8_t *v;
	if (r != SEL_NO)
		return r;
	v = at(f, ip, 1);
	return v && (v[0] >> 4) == (v6 ? 4 : 6) ? SEL_MAYBE : SEL_NO;
}

/* Loopback families: BPF compares the 4 bytes with AF_INET / AF_INET6 of this host in its
 * byte order (what the bytes hold when the writer's order is this host's); the dissector
 * also takes the other order and the BSDs' AF_INET6. This is for the families BPF does not
 * take. */
static int sel_loopback_other(uint32_t v, int host_order)
{
	uint32_t s = __builtin_bswap32(v);
	if (host_order)
		return v == 2 || s == 2 || family_is_ipv6(v) || family_is_ipv6(s) ? SEL_MAYBE
										  : SEL_NO;
	return family_is_ipv6(v) ? SEL_MAYBE : SEL_NO;
}

/* 802.11 as libpcap's BPF reads it: a data frame, 24 bytes of header (26 in QoS frames),
 * the Ethernet type 6 bytes into the LLC/SNAP header that follows (not checked); radiotap
 * adds its length and, when its flags say so, pads the header to 4 bytes (from the start
 * of the frame, as BPF computes it). Four-address frames and QoS frames with HT control
 * are longer: only the dissector reads those right (*other). SEL_TAKE: go on with the
 * Ethernet type at *type_off. */
static int sel_80211(const wire_t *f, int radiotap, size_t *type_off, int *other)
{
	const uint8_t *p;
	size_t rt = 0, hdr;
	unsigned fc0, fc1 = 0;

	*other = 0;
	if (radiotap) {
		if (!(p = at(f, 2, 2)))
			return SEL_NO;
		rt = (size_t)p[0] | (size_t)p[1] << 8;
	}
	if (!(p = at(f, rt, 1)))
		return SEL_NO;
	fc0 = p[0];
	if ((fc0 & 0x0c) != 0x08)
		return SEL_NO; /* not a data frame */
	hdr = rt + 24 + ((fc0 & 0x80) ? 2 : 0);
	if (radiotap) {
		const uint8_t *present = at(f, 4, 4), *flags;
		if (!present)
			return SEL_NO;
		if ((present[0] & 0x02) && !(present[3] & 0x80)) {
			flags = at(f, (present[0] & 0x01) ? 16 : 8, 1);
			if (!flags)
				return SEL_NO;
			if (flags[0] & 0x20) {
				hdr = (hdr + 3) & ~(size_t)3;
				*other = 1;
			}
		}
	}
	if ((p = at(f, rt + 1, 1)) != NULL) {
		fc1 = p[0];
		if ((fc1 & 3) == 3 || ((fc0 & 0x80) && (fc1 & 0x80)))
			*other = 1;
	}
	*type_off = hdr + 6;
	return SEL_TAKE;
}

/* One pass over the few bytes BPF loads, with one switch on the link type: the link layer
 * gives the IP version BPF checks and where the header starts, then the IP part decides.
 * *ip: where a taken frame's IP header starts when the dissector's walk reaches it at the
 * same offset; NO_IP where the link layer's reading differs (PPP, 802.11). */
static int select_frame(uint16_t port, int linktype, const wire_t *f, size_t *ip)
{
	const uint8_t *p;
	size_t type_off = 0, ip_off = 0;
	int tags = 0, eth = 0, v6 = 0, direct = 1, r;
	int no = SEL_NO; /* the answer where BPF's form rejects: SEL_MAYBE where the dissector
			    reads the link layer otherwise */
	uint32_t v;

	*ip = NO_IP;
	/* The link types are far apart, so the switch is a chain of compares: Ethernet, the
	 * common one, goes first. */
	switch (__builtin_expect(linktype, LT_ETHERNET)) {
	case LT_ETHERNET:
		type_off = 12;
		ip_off = 14;
		tags = 2;
		eth = 1;
		break;
	case LT_LINUX_SLL:
		type_off = 14;
		ip_off = 16;
		break;
	case LT_LINUX_SLL2:
		type_off = 0;
		ip_off = 20;
		break;
	case LT_C_HDLC:
		type_off = 2;
		ip_off = 4;
		break;
	case LT_IEEE802_11:
	case LT_IEEE802_11_RADIOTAP:
		r = sel_80211(f, linktype == LT_IEEE802_11_RADIOTAP, &type_off, &no);
		if (r != SEL_TAKE)
			return r;
		no = no ? SEL_MAYBE : SEL_NO;
		ip_off = type_off + 2;
		tags = 2;
		direct = 0;
		break;
	case LT_NULL:
	case LT_LOOP:
		if (!(p = at(f, 0, 4)))
			return SEL_NO;
		v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (v == (linktype == LT_NULL ? htonl(2) : 2))
			v6 = 0;
		else if (v == (linktype == LT_NULL ? htonl(10) : 10))
			v6 = 1;
		else
			return sel_loopback_other(v, linktype == LT_NULL);
		ip_off = 4;
		goto ip;
	case LT_RAW:
		if (!(p = at(f, 0, 1)))
			return SEL_NO;
		if ((p[0] & 0xf0) != 0x60 && (p[0] & 0xf0) != 0x40)
			return SEL_NO;
		v6 = (p[0] & 0xf0) == 0x60;
		goto ip;
	case LT_IPV4:
	case LT_IPV6:
		v6 = linktype == LT_IPV6;
		goto ip;
	case LT_PPP:
	case LT_PPP_HDLC:
		/* BPF reads the protocol at 2, after the HDLC-like address and control bytes,
		 * whatever they hold. Without them, or with a compressed protocol field, the
		 * dissector's reading differs. */
		if (!(p = at(f, 0, 4)))
			return SEL_NO;
		if (!(p[0] == 0xff && p[1] == 0x03 && !(p[2] & 1)))
			no = SEL_MAYBE;
		if (be16(p + 2) != PPP_IPV4 && be16(p + 2) != PPP_IPV6)
			return no;
		v6 = be16(p + 2) == PPP_IPV6;
		ip_off = 4;
		direct = 0;
		goto ip;
	case LT_IPNET:
		if (!(p = at(f, 1, 1)))
			return SEL_NO;
		if (p[0] != 2 && p[0] != 26)
			return SEL_NO;
		v6 = p[0] == 26;
		ip_off = 24;
		goto ip;
	default:
		return SEL_LINKTYPE;
	}

	/* An Ethernet type at type_off, the network layer at ip_off; tags more VLAN tags for
	 * BPF to follow ("vlan" moves both offsets by 4); eth: the dissector follows any
	 * number. */
	for (;;) {
		if (!(p = at(f, type_off, 2)))
			return no;
		switch (be16(p)) {
		case ETHERTYPE_IPV4:
			v6 = 0;
			goto ip;
		case ETHERTYPE_IPV6:
			v6 = 1;
			goto ip;
		case ETHERTYPE_8021Q:
		case ETHERTYPE_8021AD:
		case ETHERTYPE_QINQ_OLD:
			if (!tags--)
				return eth ? SEL_MAYBE : no;
			type_off += 4;
			ip_off += 4;
			continue;
		case ETHERTYPE_PPPOE:
		case ETHERTYPE_MPLS:
			return SEL_MAYBE;
		default:
			return no;
		}
	}

ip:
	r = sel_ip(f, ip_off, v6, port);
	if (r == SEL_NO)
		return no;
	if (direct)
		*ip = ip_off;
	return r;
}

/* memset of the whole of out, but for the two name buffers past their length byte: most
 * of pkt_t, which nothing reads while the length says 0. */
static void pkt_clear(pkt_t *out)
{
	_Static_assert(offsetof(pkt_t, dns.q.name.wire) < offsetof(pkt_t, dns.q.qtype) &&
			   offsetof(pkt_t, dns.q.qtype) < offsetof(pkt_t, quote.q.name.wire) &&
			   offsetof(pkt_t, quote.q.name.wire) < offsetof(pkt_t, quote.q.qtype),
		       "pkt_t keeps its order");
	unsigned char *b = (unsigned char *)out;
	memset(b, 0, offsetof(pkt_t, dns.q.name.wire));
	memset(b + offsetof(pkt_t, dns.q.qtype), 0,
	       offsetof(pkt_t, quote.q.name.wire) - offsetof(pkt_t, dns.q.qtype));
	memset(b + offsetof(pkt_t, quote.q.qtype), 0, sizeof *out - offsetof(pkt_t, quote.q.qtype));
}

static int dissect_layers(const dissect_cfg_t *cfg, int linktype, wire_t *wp, pkt_t *out);

int dissect_packet(const dissect_cfg_t *cfg, int linktype, const uint8_t *data, size_t caplen,
		   size_t wirelen, pkt_t *out)
{
	wire_t w = {.base = data, .len = data ? caplen : 0, .pos = 0, .err = 0};
	int rc;
	(void)wirelen; /* every layer reads only what was captured */
	pkt_clear(out);
	rc = dissect_layers(cfg, linktype, &w, out);
	out->selected = PKT_SEL_NO; /* only dissect_packet_select decides it */
	return rc;
}

/* A frame the default filter may take. Out of line, so that a frame passed over does not
 * pay for this path's registers. */
static __attribute__((noinline)) int dissect_selected(const dissect_cfg_t *cfg, int linktype,
						      const uint8_t *data, size_t caplen, int sel,
						      size_t ip, pkt_t *out)
{
	wire_t w = {.base = data, .len = data ? caplen : 0, .pos = 0, .err = 0};
	int rc;
	pkt_clear(out);
	if (sel == SEL_TAKE && ip != NO_IP) {
		/* The link layer was read on the way, as the dissector reads it: start at IP. */
		wire_skip(&w, ip);
		wire_t ipw = rest(&w);
		rc = ip_packet(cfg, &ipw, out);
	} else {
		rc = dissect_layers(cfg, linktype, &w, out);
	}
	/* The walk marked what the extension would take; it counts only where BPF's form
	 * could not reach. */
	if (sel == SEL_TAKE)
		out->selected = PKT_SEL_BPF;
	else if (sel == SEL_LINKTYPE)
		out->selected = PKT_SEL_NO;
	return rc;
}

int dissect_packet_select(const dissect_cfg_t *cfg, int linktype, const uint8_t *data,
			  size_t caplen, size_t wirelen, pkt_t *out)
{
	wire_t w = {.base = data, .len = data ? caplen : 0, .pos = 0, .err = 0};
	size_t ip;
	int sel = select_frame(cfg->dns_port, linktype, &w, &ip);
	(void)wirelen; /* every layer reads only what was captured */
	if (sel != SEL_NO)
		return dissect_selected(cfg, linktype, data, caplen, sel, ip, out);
	/* The common case of a busy capture: leave before touching the rest of out. */
	out->kind = PKT_OTHER;
	out->skip = SKIP_NONE;
	out->note = NULL;
	out->selected = PKT_SEL_NO;
	return 0;
}

static int dissect_layers(const dissect_cfg_t *cfg, int linktype, wire_t *wp, pkt_t *out)
{
	wire_t w = *wp;
	switch (linktype) {
	case LT_NULL:
		return loopback(cfg, &w, out, 1);
	case LT_LOOP:
		return loopback(cfg, &w, out, 0);
	case LT_ETHERNET:
		return ethernet(cfg, &w, out);
	case LT_LINUX_SLL:
		return linux_sll(cfg, &w, out);
	case LT_LINUX_SLL2:
		return linux_sll2(cfg, &w, out);
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
		return ip_packet(cfg, &w, out);
	case LT_PPP:
	case LT_PPP_HDLC:
		return ppp(cfg, &w, out);
	case LT_C_HDLC:
		return c_hdlc(cfg, &w, out);
	case LT_IEEE802_11:
		return ieee802_11(cfg, &w, out);
	case LT_IEEE802_11_RADIOTAP:
		return radiotap(cfg, &w, out);
	case LT_IPNET:
		return ipnet(cfg, &w, out);
	default:
		skip(out, SKIP_LINKTYPE, "unsupported link type");
		return SP_EUNSUPPORTED;
	}
}
