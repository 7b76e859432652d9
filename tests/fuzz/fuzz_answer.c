/* Fuzz target: fakens's handling of queries (parse, EDNS, directives, encode the replies),
 * as one UDP datagram and as a TCP stream of length-prefixed messages. Every reply must
 * parse (runts aside), fit in 512 bytes and, unless it is a decoy, answer the question
 * asked with the query's ID. */
#include <stdint.h>
#include <stdlib.h>

#include "answer.h"
#include "dns.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, const answer_ctx_t *ctx)
{
	static answer_t a; /* large: keep it off the stack */
	if (answer_make(data, size, ctx, &a) != 0)
		abort(); /* encoding failed: a bug, never bad input */
	int sends = a.kind == ANSWER_SEND || a.kind == ANSWER_REFUSED || a.kind == ANSWER_FORMERR;
	if (!sends && a.nmsg != 0)
		abort();
	if (a.nmsg < 0 || a.nmsg > ANSWER_MAX_MSGS || (a.kind != ANSWER_SEND && a.nmsg > 1))
		abort();
	for (int i = 0; i < a.nmsg; i++) {
		const answer_msg_t *m = &a.msg[i];
		if (m->len == 0 || m->len > ANSWER_MAX_LEN)
			abort();
		if (i > 0 && m->delay_ns < a.msg[i - 1].delay_ns)
			abort();
		if (m->delay_ns > DIRECTIVE_MAX_DELAY_NS + DIRECTIVE_DUP_AFTER_GAP_NS)
			abort();
		if (ctx->transport == ANSWER_TCP && m->via != ANSWER_VIA_LISTENER)
			abort();
		dns_msg_t r;
		int runt = m->extra && m->extra[0] == 'r';
		if (runt) {
			if (m->len >= DNS_HEADER_LEN)
				abort();
			continue;
		}
		if (dns_parse(m->buf, m->len, &r) != 0 || !(r.h.flags & DNS_F_QR))
			abort();
		if (a.kind == ANSWER_FORMERR) {
			if (r.h.qdcount != 0 || r.h.id != a.q.h.id ||
			    DNS_RCODE(r.h.flags) != DNS_R_FORMERR)
				abort();
			continue; /* FORMERR echoes the header only */
		}
		if (m->extra && m->extra[0] != 'd')
			continue; /* decoys carry another ID or question on purpose */
		if (a.q.has_question &&
		    (!r.has_question || !dns_name_equal(&r.q.name, &a.q.q.name) ||
		     r.q.qtype != a.q.q.qtype || r.h.id != a.q.h.id))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dns_name_t zone;
	if (zone.len == 0 && dns_name_from_text("lab.test", &zone) != 0)
		abort();
	answer_ctx_t ctx = {.zone = &zone, .server = 0, .transport = ANSWER_UDP};
	check(data, size, &ctx);
	ctx.server = 2;
	check(data, size, &ctx);

	/* The same bytes as a TCP stream: each whole message in turn, as fakens reads them. */
	ctx.transport = ANSWER_TCP;
	size_t off = 0, n = 0;
	for (;;) {
		int rc = answer_tcp_frame(data + off, size - off, ANSWER_TCP_MAX_QUERY, &n);
		if (rc < 0) {
			if (rc != SP_ERANGE)
				abort();
			break;
		}
		if (rc == 0)
			break;
		if (n > ANSWER_TCP_MAX_QUERY || off + 2 + n > size)
			abort();
		check(data + off + 2, n, &ctx);
		off += 2 + n;
	}
	return 0;
}
