/* Fuzz target: DNS messages and names, parsed, printed and parsed again (lib/dns.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text and wire forms must agree for every name the parser accepts. */
static void check_name(const dns_name_t *n)
{
	char text[DNS_NAME_TEXT];
	int len = dns_name_to_text(n, text, sizeof text);
	if (len < 0 || (size_t)len != strlen(text))
		abort();
	dns_name_t back;
	if (dns_name_from_text(text, &back) != 0 || !dns_name_equal(&back, n))
		abort();
	if (dns_name_label_count(n) != dns_name_label_count(&back))
		abort();
	if (!dns_name_is_under(n, &back))
		abort();
}

/* RFC 1035 4.1.3: every record of every section, with the names inside the rdata of the
 * types that carry them. */
static void walk_records(const uint8_t *data, size_t size)
{
	wire_t w;
	dns_header_t h;
	wire_init(&w, data, size);
	if (dns_parse_header(&w, &h))
		return;
	for (unsigned i = 0; i < h.qdcount && !wire_error(&w); i++) {
		dns_question_t q;
		if (dns_parse_question(&w, &q) == 0)
			check_name(&q.name);
	}
	unsigned rrs = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < rrs && !wire_error(&w); i++) {
		dns_name_t owner;
		if (dns_parse_name(&w, &owner))
			break;
		check_name(&owner);
		uint16_t type = wire_u16(&w);
		wire_skip(&w, 2 + 4);
		uint16_t rdlen = wire_u16(&w);
		size_t rdata_at = w.pos;
		wire_t rd = wire_sub(&w, rdlen);
		if (wire_error(&rd))
			break;
		if (type == DNS_T_NS || type == DNS_T_CNAME || type == DNS_T_PTR ||
		    type == DNS_T_SOA) {
			/* Names in rdata may point anywhere earlier in the whole message. */
			wire_t whole;
			dns_name_t n;
			wire_init(&whole, data, rdata_at + rdlen);
			wire_seek(&whole, rdata_at);
			if (dns_parse_name(&whole, &n) == 0)
				check_name(&n);
			if (whole.pos > rdata_at + rdlen)
				abort();
		}
	}
	if (w.pos > size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dns_msg_t m;
	int rc = dns_parse(data, size, &m);
	if (rc == 0 && m.has_question) {
		check_name(&m.q.name);
		uint8_t buf[512];
		int len = dns_build_query(buf, sizeof buf, m.h.id, &m.q.name, m.q.qtype);
		dns_msg_t again;
		if (len < 0 || dns_parse(buf, (size_t)len, &again) != 0 || !again.has_question ||
		    !dns_name_equal(&again.q.name, &m.q.name) || again.q.qtype != m.q.qtype)
			abort();
	} else if (rc != 0 && size >= DNS_HEADER_LEN) {
		abort();
	}
	walk_records(data, size);

	/* The same bytes as a name in text form. */
	char text[DNS_NAME_TEXT + 1];
	size_t tl = size < DNS_NAME_TEXT ? size : DNS_NAME_TEXT;
	memcpy(text, data, tl);
	text[tl] = '\0';
	dns_name_t n;
	if (dns_name_from_text(text, &n) == 0)
		check_name(&n);
	return 0;
}
