/* Query to answer for fakens: classification, directives and the encoded reply. */
#include "answer.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

static const uint8_t doc_a[4] = {192, 0, 2, 10};
static const uint8_t doc_aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

/* Header flags of a reply: QR, the query's opcode and RD echoed (RFC 1035 4.1.1). */
static uint16_t reply_flags(uint16_t qflags, unsigned rcode, int authoritative)
{
	uint16_t f = DNS_F_QR | (uint16_t)(qflags & (0xf << 11)) | (uint16_t)(qflags & DNS_F_RD);
	if (authoritative)
		f |= DNS_F_AA | DNS_F_RA;
	return (uint16_t)(f | (rcode & 0xf));
}

/* Header and question only, with TC when what followed did not fit. */
static int encode_bare(answer_t *a, uint16_t flags)
{
	dns_builder_t b;
	dns_builder_init(&b, a->buf, sizeof(a->buf));
	dns_put_header(&b, a->q.h.id, flags);
	if (a->q.has_question)
		dns_put_question(&b, &a->q.q);
	int n = dns_finish(&b);
	if (n < 0)
		return n;
	a->len = (size_t)n;
	return 0;
}

static int encode(answer_t *a, const dns_name_t *zone, unsigned rcode, int authoritative,
		  uint16_t rrtype, int soa)
{
	uint16_t flags = reply_flags(a->q.h.flags, rcode, authoritative);
	dns_builder_t b;
	dns_builder_init(&b, a->buf, sizeof(a->buf));
	dns_put_header(&b, a->q.h.id, flags);
	dns_put_question(&b, &a->q.q);
	a->ancount = 0;
	if (rrtype == DNS_T_A) {
		dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_A, 0, doc_a, sizeof(doc_a));
		a->ancount = 1;
	} else if (rrtype == DNS_T_AAAA) {
		dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_AAAA, 0, doc_aaaa, sizeof(doc_aaaa));
		a->ancount = 1;
	}
	if (soa)
		dns_put_soa(&b, DNS_S_AUTHORITY, zone, 0);
	a->rcode = rcode;
	int n = dns_finish(&b);
	if (n == SP_ENOSPACE) {
		/* Only a very long zone name gets here; RFC 2181 9: say so with TC. */
		a->ancount = 0;
		return encode_bare(a, (uint16_t)(flags | DNS_F_TC));
	}
	if (n < 0)
		return n;
	a->len = (size_t)n;
	return 0;
}

static int refuse(answer_t *a)
{
	a->kind = ANSWER_REFUSED;
	a->rcode = DNS_R_REFUSED;
	a->ancount = 0;
	return encode_bare(a, reply_flags(a->q.h.flags, DNS_R_REFUSED, 0));
}

int answer_make(const uint8_t *pkt, size_t len, const dns_name_t *zone, answer_t *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = ANSWER_BAD;
	if (dns_parse(pkt, len, &a->q) < 0) {
		snprintf(a->reason, sizeof(a->reason), "short datagram (%zu bytes)", len);
		return 0;
	}
	if (a->q.h.flags & DNS_F_QR) {
		a->kind = ANSWER_IGNORE;
		snprintf(a->reason, sizeof(a->reason), "QR set (a response, not a query)");
		return 0;
	}
	if (a->q.h.qdcount != 1) {
		snprintf(a->reason, sizeof(a->reason), "qdcount %u, expected 1",
			 (unsigned)a->q.h.qdcount);
		a->q.has_question = 0;
		return 0;
	}
	if (!a->q.has_question) {
		snprintf(a->reason, sizeof(a->reason), "bad question: %s", sp_strerror(a->q.qerr));
		return 0;
	}

	if (DNS_OPCODE(a->q.h.flags) != 0) {
		a->kind = ANSWER_SEND;
		a->rcode = DNS_R_NOTIMP;
		return encode_bare(a, reply_flags(a->q.h.flags, DNS_R_NOTIMP, 0));
	}
	if (a->q.q.qclass != DNS_C_IN) {
		snprintf(a->reason, sizeof(a->reason), "class %u", (unsigned)a->q.q.qclass);
		return refuse(a);
	}
	if (!dns_name_is_under(&a->q.q.name, zone)) {
		snprintf(a->reason, sizeof(a->reason), "outside zone");
		return refuse(a);
	}

	char bad[DNS_MAXLABEL * 4 + 1] = "";
	directives_init(&a->dir);
	int err = directive_parse_name(&a->q.q.name, zone, &a->dir, bad, sizeof(bad));
	if (err == SP_EDIRECTIVE) {
		snprintf(a->reason, sizeof(a->reason), "unknown directive '%s'", bad);
		return refuse(a);
	}
	if (err < 0) {
		snprintf(a->reason, sizeof(a->reason), "bad directive '%s': %s", bad,
			 sp_strerror(err));
		return refuse(a);
	}
	a->has_dir = 1;

	const directive_rule_t *r = directive_rule_for(&a->dir, a->q.q.qtype);
	a->kind = ANSWER_SEND;
	if (!r) /* types other than A and AAAA: NODATA, at once */
		return encode(a, zone, DNS_R_NOERROR, 1, 0, 1);
	a->delay_ns = r->delay_ns;
	switch (r->action) {
	case DIR_DROP:
		a->kind = ANSWER_DROP;
		snprintf(a->reason, sizeof(a->reason), "directive");
		return 0;
	case DIR_NODATA:
		return encode(a, zone, DNS_R_NOERROR, 1, 0, 1);
	case DIR_SERVFAIL:
		return encode(a, zone, DNS_R_SERVFAIL, 1, 0, 0);
	case DIR_ANSWER:
		break;
	}
	return encode(a, zone, DNS_R_NOERROR, 1, a->q.q.qtype, 0);
}
