/* The racer control: A and AAAA from two sockets at once, the first answer wins, both sockets
 * closed. */
#define _GNU_SOURCE
#include "dns.h"
#include "err.h"
#include "lookup.h"
#include "timeutil.h"
#include "wire.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define RACER_WAIT_MS 5000

/* RFC 1035 4.1.3: walks the answer section and counts the addresses of qtype, checking
 * that A rdata is 4 bytes and AAAA 16. Owners are not compared: a CNAME chain is fine. */
static unsigned count_addresses(const uint8_t *buf, size_t len, uint16_t qtype)
{
	wire_t w;
	dns_header_t h;
	wire_init(&w, buf, len);
	if (dns_parse_header(&w, &h) < 0)
		return 0;
	for (unsigned i = 0; i < h.qdcount && !wire_error(&w); i++) {
		dns_question_t q;
		if (dns_parse_question(&w, &q) < 0)
			return 0;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < h.ancount && !wire_error(&w); i++) {
		dns_name_t owner;
		if (dns_parse_name(&w, &owner) < 0)
			break;
		uint16_t type = wire_u16(&w);
		uint16_t klass = wire_u16(&w);
		(void)wire_u32(&w);
		uint16_t rdlen = wire_u16(&w);
		wire_skip(&w, rdlen);
		if (wire_error(&w))
			break;
		if (klass == DNS_C_IN && type == qtype && rdlen == (qtype == DNS_T_A ? 4 : 16))
			n++;
	}
	return n;
}

typedef struct racer_query {
	int fd;
	uint16_t id;
	uint16_t qtype;
	int family; /* of the addresses asked for */
} racer_query_t;

/* 1 when buf answers q: a response with q's ID and the same question. */
static int is_answer(const uint8_t *buf, size_t len, const racer_query_t *q, const dns_name_t *name)
{
	dns_msg_t m;
	if (dns_parse(buf, len, &m) < 0)
		return 0;
	return (m.h.flags & DNS_F_QR) && m.h.id == q->id && m.has_question &&
	       m.q.qtype == q->qtype && m.q.qclass == DNS_C_IN && dns_name_equal(&m.q.name, name);
}

int racer_lookup(const resolver_t *self, const char *qname, resolver_result_t *out)
{
	dns_name_t name;
	int rc = dns_name_from_text(qname, &name);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "not a valid name: %s", sp_strerror(rc));
		return rc;
	}
	struct sockaddr_storage ns;
	socklen_t nslen;
	if ((rc = resolver_first_nameserver(&ns, &nslen)) < 0) {
		snprintf(out->error, sizeof(out->error), "no nameserver in /etc/resolv.conf: %s",
			 sp_strerror(rc));
		return rc;
	}
	uint16_t ids[2];
	if (getrandom(ids, sizeof(ids), 0) != (ssize_t)sizeof(ids)) {
		rc = -errno;
		snprintf(out->error, sizeof(out->error), "no random IDs: %s", strerror(errno));
		return rc;
	}
	if (ids[1] == ids[0])
		ids[1] ^= 0x5a5a;
	racer_query_t q[2] = {
	    {-1, ids[0], DNS_T_A, AF_INET},
	    {-1, ids[1], DNS_T_AAAA, AF_INET6},
	};
	uint8_t pkt[2][DNS_HEADER_LEN + DNS_MAXNAME + 4];
	int plen[2];
	for (int i = 0; i < 2; i++) {
		plen[i] = dns_build_query(pkt[i], sizeof(pkt[i]), q[i].id, &name, q[i].qtype);
		if (plen[i] < 0) {
			snprintf(out->error, sizeof(out->error), "cannot build the query: %s",
				 sp_strerror(plen[i]));
			return plen[i];
		}
	}

	uint64_t t0 = sp_mono_ns();
	/* Connected sockets: the kernel then drops datagrams from anyone but the server. */
	for (int i = 0; i < 2; i++) {
		q[i].fd = socket(ns.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (q[i].fd < 0 || connect(q[i].fd, (struct sockaddr *)&ns, nslen) < 0) {
			rc = -errno;
			snprintf(out->error, sizeof(out->error),
				 "cannot open a socket to the nameserver: %s", strerror(errno));
			goto done;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (send(q[i].fd, pkt[i], (size_t)plen[i], 0) < 0) {
			rc = -errno;
			snprintf(out->error, sizeof(out->error), "cannot send the query: %s",
				 strerror(errno));
			goto done;
		}
	}

	struct pollfd pfd[2] = {{.fd = q[0].fd, .events = POLLIN},
				{.fd = q[1].fd, .events = POLLIN}};
	const racer_query_t *won = NULL;
	uint8_t buf[4096];
	ssize_t blen = 0;
	int refused = 0;
	while (!won) {
		uint64_t spent_ms = (sp_mono_ns() - t0) / 1000000u;
		if (spent_ms >= RACER_WAIT_MS)
			break;
		int n = poll(pfd, 2, (int)(RACER_WAIT_MS - spent_ms));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (int i = 0; i < 2 && !won; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			blen = recv(q[i].fd, buf, sizeof(buf), 0);
			if (blen < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				/* ECONNREFUSED: nobody listens on the server's port. */
				refused = errno;
				pfd[i].fd = -1;
				continue;
			}
			if (is_answer(buf, (size_t)blen, &q[i], &name))
				won = &q[i];
		}
		if (pfd[0].fd < 0 && pfd[1].fd < 0)
			break;
	}
	/* The point of the control: both sockets go at once, whatever is still on its way. */
	close(q[0].fd);
	close(q[1].fd);
	q[0].fd = q[1].fd = -1;
	out->elapsed_ns = sp_mono_ns() - t0;

	if (!won) {
		snprintf(out->error, sizeof(out->error), "%s",
			 refused ? strerror(refused) : "timed out");
		return 0;
	}
	dns_msg_t m;
	dns_parse(buf, (size_t)blen, &m);
	unsigned rcode = DNS_RCODE(m.h.flags);
	if (rcode != DNS_R_NOERROR) {
		char tmp[16];
		snprintf(out->error, sizeof(out->error), "first answer (%s) was %s",
			 won->qtype == DNS_T_A ? "A" : "AAAA",
			 dns_rcode_name(rcode, tmp, sizeof(tmp)));
		return 0;
	}
	unsigned n = count_addresses(buf, (size_t)blen, won->qtype);
	for (unsigned i = 0; i < n; i++)
		resolver_add_family(out, won->family);
	if (!n)
		snprintf(out->error, sizeof(out->error), "first answer (%s) had no address",
			 won->qtype == DNS_T_A ? "A" : "AAAA");
	return 0;
done:
	for (int i = 0; i < 2; i++)
		if (q[i].fd >= 0)
			close(q[i].fd);
	out->elapsed_ns = sp_mono_ns() - t0;
	return rc;
}
