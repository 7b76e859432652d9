/* DNS wire codec: header, names, questions and a small message builder. */
#include "dns.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

/* Compression pointers a name may follow; real messages need a handful. */
#define DNS_MAX_JUMPS 64

static uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* A dns_name_t may come from a caller rather than the parser: check its shape before
 * walking it, so a bad one is an error and not a read past wire[len]. */
static int name_valid(const dns_name_t *n)
{
	if (!n || n->len < 1)
		return 0;
	size_t i = 0;
	while (i < n->len) {
		uint8_t l = n->wire[i];
		if (l == 0)
			return i + 1 == n->len;
		if (l > DNS_MAXLABEL || (size_t)l + 1 > (size_t)n->len - i)
			return 0;
		i += (size_t)l + 1;
	}
	return 0;
}

static void name_set_root(dns_name_t *n)
{
	n->len = 1;
	n->wire[0] = 0;
}

/* RFC 1035 4.1.1, from the 12 bytes of a whole header. */
static inline void header_from(const uint8_t *p, dns_header_t *h)
{
	h->id = (uint16_t)(p[0] << 8 | p[1]);
	h->flags = (uint16_t)(p[2] << 8 | p[3]);
	h->qdcount = (uint16_t)(p[4] << 8 | p[5]);
	h->ancount = (uint16_t)(p[6] << 8 | p[7]);
	h->nscount = (uint16_t)(p[8] << 8 | p[9]);
	h->arcount = (uint16_t)(p[10] << 8 | p[11]);
}

/* RFC 1035 4.1.1. */
int dns_parse_header(wire_t *w, dns_header_t *h)
{
	if (wire_left(w) >= DNS_HEADER_LEN) {
		header_from(wire_ptr(w, DNS_HEADER_LEN), h);
		return 0;
	}
	/* A short header still gives the fields it holds whole. */
	h->id = wire_u16(w);
	h->flags = wire_u16(w);
	h->qdcount = wire_u16(w);
	h->ancount = wire_u16(w);
	h->nscount = wire_u16(w);
	h->arcount = wire_u16(w);
	return wire_error(w);
}

/* RFC 1035 4.1.4 (message compression), with the limits c-ares and Knot apply: a pointer
 * must go strictly before the start of the run of labels it ends, which makes every jump
 * land earlier than the last and so rules out loops; jumps are capped as well. A run of
 * labels is checked label by label and then copied at once. */
int dns_parse_name(wire_t *w, dns_name_t *out)
{
	if (w->err) {
		name_set_root(out);
		return w->err;
	}

	const uint8_t *base = w->base;
	size_t len = w->len;
	size_t pos = w->pos;
	size_t run_start = pos; /* where the current run of labels began */
	size_t resume = 0;      /* cursor position after the name, once a pointer was taken */
	int jumped = 0;
	unsigned jumps = 0;
	size_t n = 0; /* bytes of out->wire filled by earlier runs */
	int err;

	for (;;) {
		size_t from = pos;
		/* A label may end at most here and leave room for the root label. */
		size_t room = from + (DNS_MAXNAME - 1 - n);
		uint8_t c;
		for (;;) {
			if (pos >= len) {
				err = SP_ETRUNC;
				goto fail;
			}
			c = base[pos];
			if (c == 0 || c > DNS_MAXLABEL)
				break;
			size_t end = pos + 1 + c;
			if (end > len || end > room) {
				err = end > len ? SP_ETRUNC : SP_ENAMELEN;
				goto fail;
			}
			pos = end;
		}
		if (pos > from) {
			memcpy(out->wire + n, base + from, pos - from);
			n += pos - from;
		}
		if (c == 0) {
			out->wire[n++] = 0;
			pos++;
			break;
		}
		if ((c & 0xC0) != 0xC0) {
			/* 01 (extended label, RFC 6891 obsoleted it) and 10 (reserved). */
			err = SP_EFORMAT;
			goto fail;
		}
		if (len - pos < 2) {
			err = SP_ETRUNC;
			goto fail;
		}
		size_t target = (size_t)(c & 0x3F) << 8 | base[pos + 1];
		if (target >= run_start || ++jumps > DNS_MAX_JUMPS) {
			err = SP_ELOOP;
			goto fail;
		}
		if (!jumped) {
			resume = pos + 2;
			jumped = 1;
		}
		pos = run_start = target;
	}

	out->len = (uint8_t)n;
	w->pos = jumped ? resume : pos;
	return 0;
fail:
	name_set_root(out);
	wire_fail(w, err);
	return err;
}

/* RFC 1035 4.1.2. */
int dns_parse_question(wire_t *w, dns_question_t *q)
{
	int rc = dns_parse_name(w, &q->name);
	if (rc)
		return rc;
	q->qtype = wire_u16(w);
	q->qclass = wire_u16(w);
	return wire_error(w);
}

int dns_parse(const uint8_t *buf, size_t len, dns_msg_t *m)
{
	/* Each field set rather than the whole message cleared: the name buffer past its
	 * length is never read. */
	m->has_question = 0;
	m->qerr = 0;
	name_set_root(&m->q.name);
	m->q.qtype = m->q.qclass = 0;
	if (!buf || len < DNS_HEADER_LEN) {
		memset(&m->h, 0, sizeof m->h);
		return SP_ETRUNC;
	}
	wire_t w = {.base = buf, .len = len, .pos = 0, .err = 0};
	header_from(wire_ptr(&w, DNS_HEADER_LEN), &m->h); /* there: len was checked */
	if (m->h.qdcount >= 1) {
		int rc = dns_parse_question(&w, &m->q);
		if (rc == 0) {
			m->has_question = 1;
		} else {
			m->qerr = rc;
			name_set_root(&m->q.name);
			m->q.qtype = m->q.qclass = 0;
		}
	}
	return 0;
}

/* RFC 1035 5.1 (master file text), restricted so that the output is safe to print. */
int dns_name_to_text(const dns_name_t *n, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return SP_ENOSPACE;
	out[0] = '\0';
	if (!name_valid(n))
		return SP_EFORMAT;
	size_t o = 0;
	if (n->len == 1) {
		if (outlen < 2)
			return SP_ENOSPACE;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	size_t i = 0;
	while (n->wire[i] != 0) {
		uint8_t l = n->wire[i];
		if (i != 0) {
			if (o + 1 >= outlen)
				goto nospace;
			out[o++] = '.';
		}
		for (size_t k = 1; k <= l; k++) {
			uint8_t c = ascii_lower(n->wire[i + k]);
			char tmp[5];
			size_t tl;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_') {
				tmp[0] = (char)c;
				tl = 1;
			} else if (c == '.') {
				tmp[0] = '\\';
				tmp[1] = '.';
				tl = 2;
			} else {
				tmp[0] = '\\';
				tmp[1] = (char)('0' + c / 100);
				tmp[2] = (char)('0' + c / 10 % 10);
				tmp[3] = (char)('0' + c % 10);
				tl = 4;
			}
			if (o + tl >= outlen)
				goto nospace;
			memcpy(out + o, tmp, tl);
			o += tl;
		}
		i += (size_t)l + 1;
	}
	out[o] = '\0';
	return (int)o;
nospace:
	out[0] = '\0';
	return SP_ENOSPACE;
}

/* RFC 1035 5.1: "\DDD" is a byte in decimal, "\X" is X itself. Unescaped bytes must be
 * printable ASCII other than space, so that a name typed on a command line or in a file is
 * what it looks like. */
int dns_name_from_text(const char *text, dns_name_t *out)
{
	name_set_root(out);
	if (!text || !*text)
		return SP_EFORMAT;
	if (strcmp(text, ".") == 0)
		return 0;

	uint8_t buf[DNS_MAXNAME];
	size_t n = 0;      /* bytes used in buf */
	size_t lenpos = 0; /* offset of the current label's length byte */
	size_t llen = 0;
	const char *p = text;

	buf[n++] = 0;
	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '\0' || c == '.') {
			if (llen == 0)
				return SP_EFORMAT; /* empty label; a trailing dot ends the loop
						      below */
			buf[lenpos] = (uint8_t)llen;
			if (c == '\0' || p[1] == '\0')
				break;
			if (n >= DNS_MAXNAME)
				return SP_ENAMELEN;
			lenpos = n;
			buf[n++] = 0;
			llen = 0;
			p++;
			continue;
		}
		uint8_t byte;
		if (c == '\\') {
			unsigned char e = (unsigned char)p[1];
			if (e >= '0' && e <= '9') {
				if (!(p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9'))
					return SP_EFORMAT;
				unsigned v = (unsigned)(e - '0') * 100 +
					     (unsigned)(p[2] - '0') * 10 + (unsigned)(p[3] - '0');
				if (v > 255)
					return SP_EFORMAT;
				byte = (uint8_t)v;
				p += 4;
			} else if (e > 0x20 && e < 0x7f) {
				byte = e;
				p += 2;
			} else {
				return SP_EFORMAT;
			}
		} else if (c > 0x20 && c < 0x7f) {
			byte = c;
			p++;
		} else {
			return SP_EFORMAT;
		}
		if (llen == DNS_MAXLABEL)
			return SP_ENAMELEN;
		if (n >= DNS_MAXNAME)
			return SP_ENAMELEN;
		buf[n++] = byte;
		llen++;
	}
	/* The root label. */
	if (n >= DNS_MAXNAME)
		return SP_ENAMELEN;
	buf[n++] = 0;
	out->len = (uint8_t)n;
	memcpy(out->wire, buf, n);
	return 0;
}

static int wire_equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

int dns_name_equal(const dns_name_t *a, const dns_name_t *b)
{
	if (!name_valid(a) || !name_valid(b) || a->len != b->len)
		return 0;
	/* Length bytes are at most 63, below 'A', so lower-casing leaves them alone. */
	return wire_equal_nocase(a->wire, b->wire, a->len);
}

int dns_name_is_under(const dns_name_t *n, const dns_name_t *zone)
{
	if (!name_valid(n) || !name_valid(zone) || zone->len > n->len)
		return 0;
	size_t i = 0;
	for (;;) {
		if ((size_t)n->len - i == zone->len)
			return wire_equal_nocase(n->wire + i, zone->wire, zone->len);
		if (n->wire[i] == 0)
			return 0;
		i += (size_t)n->wire[i] + 1;
		if ((size_t)n->len - i < zone->len)
			return 0;
	}
}

int dns_name_label_count(const dns_name_t *n)
{
	if (!name_valid(n))
		return 0;
	int count = 0;
	for (size_t i = 0; n->wire[i] != 0; i += (size_t)n->wire[i] + 1)
		count++;
	return count;
}

const char *dns_type_name(uint16_t type, char *buf, size_t buflen)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_NS:
		return "NS";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_SOA:
		return "SOA";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_SRV:
		return "SRV";
	case DNS_T_OPT:
		return "OPT";
	case 64:
		return "SVCB";
	case DNS_T_HTTPS:
		return "HTTPS";
	case DNS_T_ANY:
		return "ANY";
	}
	if (!buf || buflen == 0)
		return "TYPE?";
	snprintf(buf, buflen, "TYPE%u", (unsigned)type);
	return buf;
}

const char *dns_rcode_name(unsigned rcode, char *buf, size_t buflen)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
	};
	if (rcode < sizeof names / sizeof names[0])
		return names[rcode];
	if (!buf || buflen == 0)
		return "RCODE?";
	snprintf(buf, buflen, "RCODE%u", rcode);
	return buf;
}

static void builder_fail(dns_builder_t *b, int err)
{
	if (b->w.err == 0)
		b->w.err = err;
}

void dns_builder_init(dns_builder_t *b, uint8_t *buf, size_t cap)
{
	wbuf_init(&b->w, buf, cap);
	memset(b->count, 0, sizeof b->count);
}

/* RFC 1035 4.1.1; the counts are written as zero and patched by dns_finish. */
void dns_put_header(dns_builder_t *b, uint16_t id, uint16_t flags)
{
	if (b->w.len != 0)
		builder_fail(b, SP_EFORMAT);
	wbuf_u16(&b->w, id);
	wbuf_u16(&b->w, flags);
	for (int i = 0; i < 4; i++)
		wbuf_u16(&b->w, 0);
}

static void put_name(dns_builder_t *b, const dns_name_t *n)
{
	if (!name_valid(n)) {
		builder_fail(b, SP_EFORMAT);
		return;
	}
	wbuf_bytes(&b->w, n->wire, n->len);
}

static void count_up(dns_builder_t *b, unsigned idx)
{
	if (b->w.err)
		return;
	if (b->count[idx] == UINT16_MAX) {
		builder_fail(b, SP_ERANGE);
		return;
	}
	b->count[idx]++;
}

/* RFC 1035 4.1.2. */
void dns_put_question(dns_builder_t *b, const dns_question_t *q)
{
	if (b->w.len < DNS_HEADER_LEN)
		builder_fail(b, SP_EFORMAT);
	put_name(b, &q->name);
	wbuf_u16(&b->w, q->qtype);
	wbuf_u16(&b->w, q->qclass);
	count_up(b, 0);
}

/* RFC 1035 4.1.3. */
void dns_put_rr(dns_builder_t *b, enum dns_section s, const dns_name_t *owner, uint16_t type,
		uint32_t ttl, const void *rdata, uint16_t rdlen)
{
	if ((unsigned)s > DNS_S_ADDITIONAL || (rdlen && !rdata)) {
		builder_fail(b, SP_EFORMAT);
		return;
	}
	if (owner) {
		put_name(b, owner);
	} else {
		/* The pointer is only right when a question sits at offset 12. */
		if (b->count[0] == 0)
			builder_fail(b, SP_EFORMAT);
		wbuf_u16(&b->w, 0xC000 | DNS_HEADER_LEN);
	}
	wbuf_u16(&b->w, type);
	wbuf_u16(&b->w, DNS_C_IN);
	wbuf_u32(&b->w, ttl);
	wbuf_u16(&b->w, rdlen);
	wbuf_bytes(&b->w, rdata, rdlen);
	count_up(b, 1 + (unsigned)s);
}

/* A name "<label>.<zone>" in wire form. */
static void put_prefixed_name(dns_builder_t *b, const char *label, const dns_name_t *zone)
{
	size_t l = strlen(label);
	if ((size_t)zone->len + l + 1 > DNS_MAXNAME) {
		builder_fail(b, SP_ENAMELEN);
		return;
	}
	wbuf_u8(&b->w, (uint8_t)l);
	wbuf_bytes(&b->w, label, l);
	wbuf_bytes(&b->w, zone->wire, zone->len);
}

/* RFC 1035 3.3.13. */
void dns_put_soa(dns_builder_t *b, enum dns_section s, const dns_name_t *zone, uint32_t ttl)
{
	if ((unsigned)s > DNS_S_ADDITIONAL || !name_valid(zone)) {
		builder_fail(b, SP_EFORMAT);
		return;
	}
	put_name(b, zone);
	wbuf_u16(&b->w, DNS_T_SOA);
	wbuf_u16(&b->w, DNS_C_IN);
	wbuf_u32(&b->w, ttl);
	size_t rdlen_at = b->w.len;
	wbuf_u16(&b->w, 0);
	size_t rdata_at = b->w.len;
	put_prefixed_name(b, "ns", zone);
	put_prefixed_name(b, "hostmaster", zone);
	wbuf_u32(&b->w, 1);     /* serial */
	wbuf_u32(&b->w, 3600);  /* refresh */
	wbuf_u32(&b->w, 600);   /* retry */
	wbuf_u32(&b->w, 86400); /* expire */
	wbuf_u32(&b->w, ttl);   /* minimum: the negative-caching TTL (RFC 2308) */
	wbuf_put_u16_at(&b->w, rdlen_at, (uint16_t)(b->w.len - rdata_at));
	count_up(b, 1 + (unsigned)s);
}

int dns_finish(dns_builder_t *b)
{
	if (b->w.err)
		return b->w.err;
	if (b->w.len < DNS_HEADER_LEN)
		return SP_EFORMAT;
	for (int i = 0; i < 4; i++)
		wbuf_put_u16_at(&b->w, 4 + 2 * (size_t)i, b->count[i]);
	if (b->w.err)
		return b->w.err;
	return (int)b->w.len;
}

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const dns_name_t *name, uint16_t qtype)
{
	dns_builder_t b;
	dns_question_t q;
	if (!name_valid(name))
		return SP_EFORMAT;
	q.name = *name;
	q.qtype = qtype;
	q.qclass = DNS_C_IN;
	dns_builder_init(&b, buf, cap);
	dns_put_header(&b, id, DNS_F_RD);
	dns_put_question(&b, &q);
	return dns_finish(&b);
}
