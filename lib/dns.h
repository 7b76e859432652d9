/* DNS wire codec: header, names, questions (RFC 1035 section 4) and a small response builder. */
#ifndef SP_DNS_H
#define SP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define DNS_HEADER_LEN 12
#define DNS_MAXNAME 255 /* wire form, including the root label */
#define DNS_MAXLABEL 63
#define DNS_NAME_TEXT 1024 /* enough for any name in text form with \DDD escapes */

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_HTTPS = 65,
	DNS_T_ANY = 255,
};

enum dns_class { DNS_C_IN = 1 };

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
};

/* Header flag bits, as in the 16-bit flags word. */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags)&0xf)

enum dns_section { DNS_S_ANSWER = 0, DNS_S_AUTHORITY = 1, DNS_S_ADDITIONAL = 2 };

typedef struct dns_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
} dns_header_t;

/* A name in uncompressed wire form (length-prefixed labels ending with the root label),
 * case as received. */
typedef struct dns_name {
	uint8_t len; /* bytes used in wire, 1..DNS_MAXNAME */
	uint8_t wire[DNS_MAXNAME];
} dns_name_t;

typedef struct dns_question {
	dns_name_t name;
	uint16_t qtype;
	uint16_t qclass;
} dns_question_t;

/* The parts of a message this project looks at: the header and the first question. */
typedef struct dns_msg {
	dns_header_t h;
	int has_question; /* 1 when qdcount >= 1 and the first question parsed */
	int qerr;         /* why the first question did not parse (0 if it did or qdcount == 0) */
	dns_question_t q;
} dns_msg_t;

/* RFC 1035 4.1.1. */
int dns_parse_header(wire_t *w, dns_header_t *h);
/* RFC 1035 4.1.4: follows compression pointers only strictly backwards, at most 64 jumps,
 * and rejects names over 255 bytes or labels over 63; the cursor ends after the name as it
 * stood in the message (after the first pointer). Label types 01/10 are SP_EFORMAT. */
int dns_parse_name(wire_t *w, dns_name_t *out);
/* RFC 1035 4.1.2. */
int dns_parse_question(wire_t *w, dns_question_t *q);
/* Parses the header and, when qdcount >= 1, the first question. Returns SP_ETRUNC when
 * fewer than 12 bytes are given; a question that does not parse is not an error of the
 * call: m->has_question stays 0 and m->qerr says why (short snap lengths and quoted
 * packets often cut the question). */
int dns_parse(const uint8_t *buf, size_t len, dns_msg_t *m);

/* Text form without the trailing dot ("." for the root), lower-cased, bytes outside
 * [a-z0-9-_] escaped as \DDD and '.' inside a label as "\.". Returns the length or
 * SP_ENOSPACE. */
int dns_name_to_text(const dns_name_t *n, char *out, size_t outlen);
/* Parses a host-style name ("a.b.lab.test", trailing dot optional; "\DDD" and "\." escapes
 * accepted). Rejects empty labels, labels over 63 bytes and names over 255 bytes. */
int dns_name_from_text(const char *text, dns_name_t *out);
/* 1 when n equals zone or lies below it (ASCII case-insensitive), else 0. */
int dns_name_is_under(const dns_name_t *n, const dns_name_t *zone);
/* 1 when both names are equal ignoring ASCII case. */
int dns_name_equal(const dns_name_t *a, const dns_name_t *b);
/* Number of labels, not counting the root. */
int dns_name_label_count(const dns_name_t *n);

/* "A", "AAAA", "TYPE65280" ...; buf is used only for unnamed types. */
const char *dns_type_name(uint16_t type, char *buf, size_t buflen);
/* "NOERROR", "SERVFAIL", "RCODE12" ...; buf is used only for unnamed codes. */
const char *dns_rcode_name(unsigned rcode, char *buf, size_t buflen);

/* Response (or query) builder. Sticky error like wbuf; counts are patched by dns_finish. */
typedef struct dns_builder {
	wbuf_t w;
	uint16_t count[4]; /* qd, an, ns, ar */
} dns_builder_t;

void dns_builder_init(dns_builder_t *b, uint8_t *buf, size_t cap);
void dns_put_header(dns_builder_t *b, uint16_t id, uint16_t flags);
void dns_put_question(dns_builder_t *b, const dns_question_t *q);
/* One resource record. owner NULL means "the first question's name", written as a
 * compression pointer to offset 12 (requires dns_put_question first). */
void dns_put_rr(dns_builder_t *b, enum dns_section s, const dns_name_t *owner, uint16_t type,
		uint32_t ttl, const void *rdata, uint16_t rdlen);
/* SOA for zone: MNAME ns.<zone>, RNAME hostmaster.<zone>, serial 1, refresh 3600, retry 600,
 * expire 86400, minimum = ttl. */
void dns_put_soa(dns_builder_t *b, enum dns_section s, const dns_name_t *zone, uint32_t ttl);
/* Patches the counts; returns the message length or the sticky error. */
int dns_finish(dns_builder_t *b);

/* A standard query (RD set, one question, class IN) into buf; returns length or error. */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const dns_name_t *name, uint16_t qtype);

#endif
