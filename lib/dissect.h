/* Packet dissector: link layer, IPv4/IPv6, UDP DNS, TCP segments of the DNS port and
 * ICMP/ICMPv6 errors with their quote. */
#ifndef SP_DISSECT_H
#define SP_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* Link types, by their LINKTYPE_ numbers as stored in pcap/pcapng files. libpcap hands
 * DLT_ values to callers; dissect_linktype_from_dlt() maps the few that differ. */
enum dissect_linktype {
	LT_NULL = 0,                  /* BSD loopback, 4-byte family in host order of the writer */
	LT_ETHERNET = 1,              /* with 802.1Q / 802.1ad tags */
	LT_PPP = 9,                   /* PPP, with or without the HDLC-like 0xff 0x03 framing */
	LT_PPP_HDLC = 50,             /* PPP in HDLC-like framing (DLT_PPP_SERIAL) */
	LT_RAW = 101,                 /* raw IPv4 or IPv6 */
	LT_C_HDLC = 104,              /* Cisco HDLC */
	LT_IEEE802_11 = 105,          /* 802.11 data frames with LLC/SNAP, unencrypted */
	LT_LOOP = 108,                /* OpenBSD loopback, 4-byte family in network order */
	LT_LINUX_SLL = 113,           /* Linux cooked v1 */
	LT_IEEE802_11_RADIOTAP = 127, /* radiotap header, then 802.11 */
	LT_IPNET = 226,               /* Solaris ipnet */
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276, /* Linux cooked v2 */
};
/* Ethernet also carries IP inside PPPoE sessions (0x8864) and under MPLS labels (0x8847).
 *
 * Several interfaces in one pcapng: dissect_packet takes the link type per packet, and
 * lib/capfile.h reads each packet with the link type of its own interface, so a file whose
 * interfaces differ in link type (Ethernet and Linux cooked, say) is read whole. (libpcap
 * 1.10 refuses such files: "an interface has a type N different from the type of the first
 * interface".) */

int dissect_linktype_from_dlt(int dlt);
/* 1 when the dissector reads this LINKTYPE_ value. */
int dissect_linktype_supported(int linktype);
/* "Ethernet", "Linux cooked v2" ...; "unknown" otherwise. */
const char *dissect_linktype_name(int linktype);

typedef struct sp_addr {
	uint8_t family; /* 4 or 6; 0 = unset */
	uint8_t a[16];  /* IPv4 in the first 4 bytes */
} sp_addr_t;

/* "192.0.2.1", "2001:db8::1"; returns out. */
const char *sp_addr_str(const sp_addr_t *a, char *out, size_t outlen);
int sp_addr_equal(const sp_addr_t *x, const sp_addr_t *y);
struct sockaddr;
/* The family (AF_INET or AF_INET6), port and address (IPv4 in the first 4 bytes, the rest
 * zero) of a socket address, as fixed-size keys for tables; 0, or SP_EFORMAT for another
 * family. port may be NULL. */
int sp_sockaddr_split(const struct sockaddr *sa, uint16_t *family, uint16_t *port,
		      uint8_t addr[16]);

enum pkt_kind {
	PKT_OTHER = 0,  /* IP but nothing this project looks at (other ports, ICMP echo...) */
	PKT_DNS,        /* UDP to or from the DNS port with at least a DNS header */
	PKT_ICMP_ERROR, /* ICMP/ICMPv6 destination unreachable quoting a UDP packet */
	PKT_SKIPPED,    /* not analysable: reason in skip and note (fragment, truncated...) */
	PKT_TCP,        /* TCP segment to or from the DNS port: the analyzer follows the stream */
};

/* Why a frame was skipped, for counting; the note says it in more detail. */
enum pkt_skip {
	SKIP_NONE = 0,
	SKIP_NOT_IP,     /* the link layer carries something else (ARP, LLDP ...) */
	SKIP_FRAGMENT,   /* IPv4 or IPv6 fragment */
	SKIP_TRUNCATED,  /* a header is cut short (snap length, damaged frame, zero length) */
	SKIP_MALFORMED,  /* a header holds a value its RFC does not allow */
	SKIP_DNS,        /* DNS port, but too short for a DNS header */
	SKIP_ICMP_QUOTE, /* an ICMP error whose quote cannot be read */
	SKIP_LINKTYPE,   /* link type the dissector does not read */
	SKIP_ENCRYPTED,  /* 802.11 frame with the protected bit: payload not readable */
	PKT_SKIP_N
};
/* "fragment", "truncated", ...: a short noun phrase; "unknown" out of range. */
const char *dissect_skip_name(enum pkt_skip r);

/* What an ICMP error quotes: the leading part of the packet that drew it. */
typedef struct pkt_quote {
	sp_addr_t src, dst; /* of the quoted packet (the answer: server -> client) */
	uint8_t proto;      /* 17 for UDP */
	uint16_t sport, dport;
	int has_dns_id; /* the quote reaches the DNS ID */
	uint16_t dns_id;
	int has_question; /* the quote holds the whole first question */
	dns_question_t q;
} pkt_quote_t;

typedef struct pkt {
	enum pkt_kind kind;
	sp_addr_t src, dst;    /* outer IP */
	uint8_t proto;         /* 6, 17, 1, 58 ... */
	uint16_t sport, dport; /* UDP/TCP ports when proto is UDP/TCP */
	/* PKT_DNS */
	dns_msg_t dns;
	/* PKT_ICMP_ERROR */
	uint8_t icmp_type, icmp_code;
	int port_unreachable; /* ICMPv4 3/3 or ICMPv6 1/4 */
	pkt_quote_t quote;
	/* PKT_SKIPPED: static string saying why ("IPv4 fragment", "truncated IPv6 header") */
	const char *note;
	enum pkt_skip skip; /* PKT_SKIPPED: the reason as a number, SKIP_NONE otherwise */
	/* PKT_TCP (RFC 9293 section 3.1) */
	uint32_t tcp_seq;
	uint8_t tcp_flags;      /* TCP_F_* */
	const uint8_t *payload; /* the segment's data as captured; borrowed from the frame given
				   to dissect_packet, NULL when empty */
	size_t payload_len;     /* bytes captured at payload */
	size_t tcp_len;         /* data bytes on the wire (from the IP length); more than
				   payload_len when the snap length cut the segment */
	/* dissect_packet_select: whether sniff's default filter takes the frame; 0 otherwise */
	uint8_t selected; /* enum pkt_sel */
} pkt_t;

/* The default filter is the BPF expression "udp port P or tcp port P or icmp or icmp6",
 * also behind one or two VLAN tags where libpcap compiles "vlan" (Ethernet, 802.11), as
 * libpcap 1.10 compiles it for the link type: the same offsets, the same checks, and a
 * frame rejected when a load runs past the captured length. Beyond that it takes what BPF's
 * form cannot reach and the dissector reads: IP inside PPPoE or under MPLS labels, behind a
 * third VLAN tag, after IPv6 extension headers, loopback families in the other byte order
 * or of the BSDs, PPP without HDLC framing, 802.11 frames with four addresses. There a frame
 * is taken when the dissector reaches a whole UDP (8 bytes) or TCP (20 bytes) header with
 * the port P on either side, or ICMP in IPv4 or ICMPv6 in IPv6 (docs/sniff.md). */
enum pkt_sel {
	PKT_SEL_NO = 0,  /* the default filter passes over the frame */
	PKT_SEL_BPF = 1, /* the default BPF filter takes it */
	PKT_SEL_EXT = 2, /* BPF's form does not reach it, the dissector's extension takes it */
};

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_ACK 0x10

typedef struct dissect_cfg {
	uint16_t dns_port; /* 53 unless configured */
} dissect_cfg_t;

/* Dissects one captured frame. caplen bytes are present of wirelen on the wire. Every byte
 * is read through a wire_t narrowed layer by layer. Always fills out; returns 0, or
 * SP_EUNSUPPORTED for a link type it does not read (out->kind = PKT_SKIPPED). A malformed or
 * truncated packet is not an error of the call: out->kind = PKT_SKIPPED with a note.
 * A TCP segment to or from the DNS port is PKT_TCP with its payload borrowed from data:
 * messages in a TCP stream can span segments, so only the analyzer (which keeps the
 * stream) reads DNS from it. Other TCP is PKT_OTHER. */
int dissect_packet(const dissect_cfg_t *cfg, int linktype, const uint8_t *data, size_t caplen,
		   size_t wirelen, pkt_t *out);
/* The same, deciding out->selected first (with the port cfg->dns_port) and leaving a frame
 * that the default filter passes over at once, after a few loads: then only kind
 * (PKT_OTHER), skip, note and selected are set. */
int dissect_packet_select(const dissect_cfg_t *cfg, int linktype, const uint8_t *data,
			  size_t caplen, size_t wirelen, pkt_t *out);

#endif
