/* Query to replies for fakens: classification, EDNS, directives and the encoded messages. */
#include "answer.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "wire.h"

static const uint8_t doc_a[4] = {192, 0, 2, 10};
static const uint8_t doc_aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
/* Decoys carry other addresses, so what a client returns shows whether it took one. */
static const uint8_t decoy_a[4] = {192, 0, 2, 66};
static const uint8_t decoy_aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0,    0,    0,    0,    0, 0, 0, 0x66};

#define RUNT_LEN 11
/* RFC 6891 9: BADVERS is extended rcode 16, its upper 8 bits go in the OPT TTL. */
#define EDNS_BADVERS 16
#define EDNS_DO 0x8000

/* What one reply says; encode() turns it into bytes. */
struct reply {
	uint16_t id;
	uint16_t qtype;    /* of the question written */
	unsigned rcode;    /* 0..15, or EDNS_BADVERS */
	int aa_ra;         /* AA and RA set (fakens is the zone's authority) */
	int tc;            /* header and question only, TC set */
	const uint8_t *rr; /* address record of qtype, or NULL */
	int soa;           /* the zone's SOA in authority */
	const char *txt;   /* a TXT record in additional naming why, or NULL */
	int question;      /* echo the question (0 for FORMERR) */
};

/* Header flags of a reply: QR, the query's opcode and RD echoed (RFC 1035 4.1.1). */
static uint16_t reply_flags(uint16_t qflags, const struct reply *r)
{
	uint16_t f = DNS_F_QR | (uint16_t)(qflags & (0xf << 11)) | (uint16_t)(qflags & DNS_F_RD);
	if (r->aa_ra)
		f |= DNS_F_AA | DNS_F_RA;
	if (r->tc)
		f |= DNS_F_TC;
	return (uint16_t)(f | (r->rcode & 0xf));
}

/* RFC 6891 6.1.2: root owner, class = our payload size, TTL = extended rcode, version 0
 * and the DO bit echoed (RFC 3225 3). */
static void put_opt(dns_builder_t *b, const answer_t *a, unsigned rcode)
{
	wbuf_u8(&b->w, 0);
	wbuf_u16(&b->w, DNS_T_OPT);
	wbuf_u16(&b->w, ANSWER_EDNS_SIZE);
	wbuf_u32(&b->w, ((uint32_t)(rcode >> 4) << 24) | (a->edns_do ? EDNS_DO : 0));
	wbuf_u16(&b->w, 0);
	b->count[3]++;
}

/* The size a UDP reply may have: 512, or what the client's OPT advertises (RFC 6891 6.2.5,
 * values under 512 count as 512), never more than fakens sends at all. */
static size_t reply_limit(const answer_t *a, enum answer_transport t)
{
	size_t lim = 512;
	if (t == ANSWER_UDP && a->has_edns && a->edns_size > lim)
		lim = a->edns_size;
	return lim < ANSWER_MAX_LEN ? lim : ANSWER_MAX_LEN;
}

static int encode(const answer_t *a, const dns_name_t *zone, const struct reply *r, size_t limit,
		  answer_msg_t *m)
{
	dns_builder_t b;
	dns_builder_init(&b, m->buf, limit);
	dns_put_header(&b, r->id, reply_flags(a->q.h.flags, r));
	dns_question_t q = a->q.q;
	q.qtype = r->qtype;
	if (r->question)
		dns_put_question(&b, &q);
	m->ancount = 0;
	if (!r->tc && r->rr) {
		int v4 = r->qtype == DNS_T_A;
		dns_put_rr(&b, DNS_S_ANSWER, NULL, r->qtype, 0, r->rr, v4 ? 4 : 16);
		m->ancount = 1;
	}
	if (!r->tc && r->soa)
		dns_put_soa(&b, DNS_S_AUTHORITY, zone, 0);
	if (!r->tc && r->txt) {
		/* One character-string (RFC 1035 3.3.14), cut to what the reply has room for,
		 * so the reason never pushes the reply over the limit. */
		uint8_t rd[256];
		size_t tl = strlen(r->txt);
		size_t used = b.w.len + 2 + 10 + 1 + (a->has_edns ? 11 : 0);
		size_t room = limit > used ? limit - used : 0;
		if (tl > 255)
			tl = 255;
		if (tl > room)
			tl = room;
		rd[0] = (uint8_t)tl;
		memcpy(rd + 1, r->txt, tl);
		dns_put_rr(&b, DNS_S_ADDITIONAL, NULL, DNS_T_TXT, 0, rd, (uint16_t)(tl + 1));
	}
	if (a->has_edns)
		put_opt(&b, a, r->rcode);
	m->rcode = r->rcode;
	int n = dns_finish(&b);
	if (n == SP_ENOSPACE && !r->tc) {
		/* Only a very long name gets here; RFC 2181 9: say so with TC. */
		struct reply t = *r;
		t.tc = 1;
		return encode(a, zone, &t, limit, m);
	}
	if (n < 0)
		return n;
	m->len = (size_t)n;
	return 0;
}

static answer_msg_t *add_msg(answer_t *a, uint64_t delay_ns, const char *extra)
{
	answer_msg_t *m = &a->msg[a->nmsg++];
	m->delay_ns = delay_ns;
	m->via = ANSWER_VIA_LISTENER;
	m->extra = extra;
	m->len = 0;
	return m;
}

/* REFUSED or NOTIMP as fakens's reply to the query itself (not a directive): QR only. */
static int reply_error(answer_t *a, const answer_ctx_t *ctx, enum answer_kind kind, unsigned rcode,
		       const char *txt)
{
	a->kind = kind;
	a->rcode = rcode;
	a->ancount = 0;
	a->nmsg = 0;
	struct reply r = {.id = a->q.h.id,
			  .qtype = a->q.q.qtype,
			  .rcode = rcode,
			  .txt = txt,
			  .question = kind != ANSWER_FORMERR && a->q.has_question};
	return encode(a, ctx->zone, &r, reply_limit(a, ctx->transport), add_msg(a, 0, NULL));
}

/* RFC 6891 6.1.1: walks every record after the first question and keeps the OPT record's
 * fields. 0, or a reason for FORMERR in a->reason. */
static int read_edns(answer_t *a, const uint8_t *pkt, size_t len)
{
	wire_t w;
	wire_init(&w, pkt, len);
	dns_header_t h;
	dns_question_t q;
	dns_parse_header(&w, &h);
	dns_parse_question(&w, &q);
	unsigned total = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < total; i++) {
		dns_name_t owner;
		int rc = dns_parse_name(&w, &owner);
		uint16_t type = wire_u16(&w);
		uint16_t cls = wire_u16(&w);
		uint32_t ttl = wire_u32(&w);
		uint16_t rdlen = wire_u16(&w);
		wire_skip(&w, rdlen);
		if (rc == 0 && wire_error(&w))
			rc = wire_error(&w);
		if (rc) {
			snprintf(a->reason, sizeof(a->reason),
				 "bad record %u after the question: %s", i + 1, sp_strerror(rc));
			return -1;
		}
		if (type != DNS_T_OPT)
			continue;
		if (i < (unsigned)h.ancount + h.nscount || owner.len != 1 || a->has_edns) {
			snprintf(a->reason, sizeof(a->reason), "%s",
				 a->has_edns ? "two OPT records"
					     : "OPT record outside the additional section or not "
					       "owned by the root");
			return -1;
		}
		a->has_edns = 1;
		a->edns_size = cls < 512 ? 512 : cls;
		a->edns_version = (ttl >> 16) & 0xff;
		a->edns_do = (ttl & EDNS_DO) != 0;
	}
	return 0;
}

/* The messages a rule asks for, decoys first, each at its moment. */
static int make_sends(answer_t *a, const answer_ctx_t *ctx, const directive_rule_t *rule)
{
	uint16_t qtype = a->q.q.qtype;
	int v4 = qtype == DNS_T_A;
	size_t limit = reply_limit(a, ctx->transport);
	uint64_t at = rule->action == DIR_DROP ? 0 : rule->delay_ns;
	a->delay_ns = at;

	struct reply decoy = {.id = a->q.h.id,
			      .qtype = qtype,
			      .aa_ra = 1,
			      .rr = v4 ? decoy_a : decoy_aaaa,
			      .question = 1};
	int rc = 0;
	if (rule->decoys & DIR_DECOY_RUNT) {
		answer_msg_t *m = add_msg(a, at, "runt");
		rc = encode(a, ctx->zone, &decoy, limit, m);
		if (m->len > RUNT_LEN)
			m->len = RUNT_LEN;
	}
	if (!rc && (rule->decoys & DIR_DECOY_BADID)) {
		struct reply r = decoy;
		r.id = (uint16_t)(a->q.h.id ^ 0x8000);
		rc = encode(a, ctx->zone, &r, limit, add_msg(a, at, "badid"));
	}
	if (!rc && (rule->decoys & DIR_DECOY_WRONGQ)) {
		struct reply r = decoy;
		r.qtype = v4 ? DNS_T_AAAA : DNS_T_A;
		r.rr = v4 ? decoy_aaaa : decoy_a;
		rc = encode(a, ctx->zone, &r, limit, add_msg(a, at, "wrongq"));
	}
	/* A TCP connection has one source: these cannot be sent there. */
	if (!rc && ctx->transport == ANSWER_UDP && (rule->decoys & DIR_DECOY_OTHERPORT)) {
		answer_msg_t *m = add_msg(a, at, "otherport");
		m->via = ANSWER_VIA_OTHER_PORT;
		rc = encode(a, ctx->zone, &decoy, limit, m);
	}
	if (!rc && ctx->transport == ANSWER_UDP && (rule->decoys & DIR_DECOY_OTHERADDR)) {
		answer_msg_t *m = add_msg(a, at, "otheraddr");
		m->via = ANSWER_VIA_OTHER_ADDR;
		rc = encode(a, ctx->zone, &decoy, limit, m);
	}
	if (rc)
		return rc;
	if (rule->action == DIR_DROP) {
		if (a->nmsg == 0) {
			a->kind = ANSWER_DROP;
			snprintf(a->reason, sizeof(a->reason), "directive");
		}
		return 0;
	}

	struct reply r = {.id = a->q.h.id, .qtype = qtype, .aa_ra = 1, .question = 1};
	switch (rule->action) {
	case DIR_NODATA:
		r.soa = 1;
		break;
	case DIR_LAME:
		r.aa_ra = 0;
		break;
	case DIR_NXDOMAIN:
		r.rcode = DNS_R_NXDOMAIN;
		r.soa = 1;
		break;
	case DIR_SERVFAIL:
		r.rcode = DNS_R_SERVFAIL;
		break;
	case DIR_REFUSED:
		r.rcode = DNS_R_REFUSED;
		r.aa_ra = 0;
		break;
	case DIR_NOTIMP:
		r.rcode = DNS_R_NOTIMP;
		r.aa_ra = 0;
		break;
	default:
		r.rr = v4 ? doc_a : doc_aaaa;
		break;
	}
	r.tc = rule->tc && ctx->transport == ANSWER_UDP;
	answer_msg_t *main_msg = add_msg(a, at, NULL);
	rc = encode(a, ctx->zone, &r, limit, main_msg);
	if (rc)
		return rc;
	a->rcode = main_msg->rcode;
	a->ancount = main_msg->ancount;
	a->tc = (main_msg->len >= 4 && (main_msg->buf[2] & (DNS_F_TC >> 8))) ? 1 : 0;
	uint64_t dup_at = directive_dup_delay_ns(&a->dir, ctx->server, qtype);
	for (unsigned i = 0; i < rule->dups; i++) {
		answer_msg_t *m = add_msg(a, dup_at, "duplicate");
		memcpy(m->buf, main_msg->buf, main_msg->len);
		m->len = main_msg->len;
		m->rcode = main_msg->rcode;
		m->ancount = main_msg->ancount;
	}
	return 0;
}

int answer_make(const uint8_t *pkt, size_t len, const answer_ctx_t *ctx, answer_t *a)
{
	memset(a, 0, offsetof(answer_t, msg));
	a->kind = ANSWER_BAD;
	if (dns_parse(pkt, len, &a->q) < 0) {
		if (len == 0)
			snprintf(a->reason, sizeof(a->reason), "empty message");
		else
			snprintf(a->reason, sizeof(a->reason), "short message (%zu bytes)", len);
		return 0;
	}
	if (a->q.h.flags & DNS_F_QR) {
		a->kind = ANSWER_IGNORE;
		snprintf(a->reason, sizeof(a->reason), "QR set (a response, not a query)");
		return 0;
	}
	/* RFC 9619: exactly one question; anything else is a format error. */
	if (a->q.h.qdcount != 1) {
		snprintf(a->reason, sizeof(a->reason), "qdcount %u, expected 1",
			 (unsigned)a->q.h.qdcount);
		a->q.has_question = 0;
		return reply_error(a, ctx, ANSWER_FORMERR, DNS_R_FORMERR, NULL);
	}
	if (!a->q.has_question) {
		snprintf(a->reason, sizeof(a->reason), "bad question: %s", sp_strerror(a->q.qerr));
		return reply_error(a, ctx, ANSWER_FORMERR, DNS_R_FORMERR, NULL);
	}
	if (read_edns(a, pkt, len) < 0) {
		a->has_edns = 0;
		return reply_error(a, ctx, ANSWER_FORMERR, DNS_R_FORMERR, NULL);
	}

	if (DNS_OPCODE(a->q.h.flags) != 0)
		return reply_error(a, ctx, ANSWER_SEND, DNS_R_NOTIMP, NULL);
	if (a->has_edns && a->edns_version != 0) /* RFC 6891 6.1.3 */
		return reply_error(a, ctx, ANSWER_SEND, EDNS_BADVERS, NULL);
	if (a->q.q.qclass != DNS_C_IN) {
		snprintf(a->reason, sizeof(a->reason), "class %u", (unsigned)a->q.q.qclass);
		return reply_error(a, ctx, ANSWER_REFUSED, DNS_R_REFUSED, NULL);
	}
	if (!dns_name_is_under(&a->q.q.name, ctx->zone)) {
		snprintf(a->reason, sizeof(a->reason), "outside zone");
		return reply_error(a, ctx, ANSWER_REFUSED, DNS_R_REFUSED, NULL);
	}

	char bad[DNS_MAXLABEL * 4 + 1] = "";
	directives_init(&a->dir);
	int err = directive_parse_name(&a->q.q.name, ctx->zone, &a->dir, bad, sizeof(bad));
	if (err == SP_EDIRECTIVE)
		snprintf(a->reason, sizeof(a->reason), "unknown directive '%s'", bad);
	else if (err < 0)
		snprintf(a->reason, sizeof(a->reason), "bad directive '%s': %s", bad,
			 sp_strerror(err));
	if (err < 0)
		return reply_error(a, ctx, ANSWER_REFUSED, DNS_R_REFUSED, a->reason);
	a->has_dir = 1;

	const directive_rule_t *r = directive_rule_for_server(&a->dir, ctx->server, a->q.q.qtype);
	a->kind = ANSWER_SEND;
	if (!r) { /* types other than A and AAAA: NODATA, at once */
		struct reply nd = {
		    .id = a->q.h.id, .qtype = a->q.q.qtype, .aa_ra = 1, .soa = 1, .question = 1};
		answer_msg_t *m = add_msg(a, 0, NULL);
		int rc = encode(a, ctx->zone, &nd, reply_limit(a, ctx->transport), m);
		a->rcode = m->rcode;
		return rc;
	}
	a->ctloss = r->ctloss && ctx->transport == ANSWER_UDP;
	return make_sends(a, ctx, r);
}

int answer_tcp_frame(const uint8_t *buf, size_t len, size_t max, size_t *msglen)
{
	wire_t w;
	wire_init(&w, buf, len);
	size_t n = wire_u16(&w);
	if (wire_error(&w))
		return 0;
	if (n > max)
		return SP_ERANGE;
	if (wire_left(&w) < n)
		return 0;
	*msglen = n;
	return 1;
}
