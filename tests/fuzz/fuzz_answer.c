/* Fuzz target: fakens's handling of one datagram (parse, directives, encode the reply). The
 * reply it encodes must itself parse, answer the question asked and fit in 512 bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "answer.h"
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dns_name_t zone;
	if (zone.len == 0 && dns_name_from_text("lab.test", &zone) != 0)
		abort();
	answer_t a;
	if (answer_make(data, size, &zone, &a) != 0)
		abort(); /* encoding failed: a bug, never bad input */
	if (a.kind == ANSWER_SEND || a.kind == ANSWER_REFUSED) {
		if (a.len == 0 || a.len > ANSWER_MAX_LEN)
			abort();
		dns_msg_t m;
		if (dns_parse(a.buf, a.len, &m) != 0 || !(m.h.flags & DNS_F_QR))
			abort();
		if (a.q.has_question &&
		    (!m.has_question || !dns_name_equal(&m.q.name, &a.q.q.name) ||
		     m.q.qtype != a.q.q.qtype || m.h.id != a.q.h.id))
			abort();
	}
	return 0;
}
