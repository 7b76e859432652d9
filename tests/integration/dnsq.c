/* Test client: sends several queries for one name from one UDP socket at once and prints
 * each answer in the order it arrives, one line each, so tests can check fakens's answers,
 * flags and order without timing anything. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "err.h"
#include "timeutil.h"
#include "wire.h"

static int parse_type(const char *s, uint16_t *out)
{
	static const struct {
		const char *name;
		uint16_t type;
	} types[] = {{"A", DNS_T_A}, {"AAAA", DNS_T_AAAA}, {"MX", DNS_T_MX}, {"TXT", DNS_T_TXT},
		     {"SOA", DNS_T_SOA}, {"NS", DNS_T_NS}, {"HTTPS", DNS_T_HTTPS}};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(s, types[i].name) == 0) {
			*out = types[i].type;
			return 0;
		}
	return -1;
}

/* Prints "QTYPE rcode=R flags=qr,aa,.. an=N ns=N [addr=...]" for one answer. */
static void print_answer(const uint8_t *buf, size_t len)
{
	dns_msg_t m;
	char tb[16], rb[16];
	if (dns_parse(buf, len, &m) != 0 || !m.has_question) {
		printf("malformed len=%zu\n", len);
		return;
	}
	printf("%s id=%u rcode=%s flags=", dns_type_name(m.q.qtype, tb, sizeof tb), m.h.id,
	       dns_rcode_name(DNS_RCODE(m.h.flags), rb, sizeof rb));
	const struct {
		uint16_t bit;
		const char *name;
	} flags[] = {{DNS_F_QR, "qr"}, {DNS_F_AA, "aa"}, {DNS_F_TC, "tc"}, {DNS_F_RD, "rd"},
		     {DNS_F_RA, "ra"}};
	int first = 1;
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (m.h.flags & flags[i].bit) {
			printf("%s%s", first ? "" : ",", flags[i].name);
			first = 0;
		}
	printf(" an=%u ns=%u", m.h.ancount, m.h.nscount);

	/* Walk the answer and authority sections to show addresses and the SOA's owner. */
	wire_t w;
	wire_init(&w, buf, len);
	dns_header_t h;
	dns_question_t q;
	dns_parse_header(&w, &h);
	dns_parse_question(&w, &q);
	for (unsigned i = 0; i < (unsigned)h.ancount + h.nscount && !wire_error(&w); i++) {
		dns_name_t owner;
		if (dns_parse_name(&w, &owner) != 0)
			break;
		uint16_t type = wire_u16(&w);
		wire_u16(&w);
		wire_u32(&w);
		uint16_t rdlen = wire_u16(&w);
		const uint8_t *rd = wire_ptr(&w, rdlen);
		if (!rd)
			break;
		char text[INET6_ADDRSTRLEN];
		char name[DNS_NAME_TEXT];
		if (type == DNS_T_A && rdlen == 4)
			printf(" addr=%s", inet_ntop(AF_INET, rd, text, sizeof text));
		else if (type == DNS_T_AAAA && rdlen == 16)
			printf(" addr=%s", inet_ntop(AF_INET6, rd, text, sizeof text));
		else if (type == DNS_T_SOA && dns_name_to_text(&owner, name, sizeof name) >= 0)
			printf(" soa=%s", name);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	int timeout_ms = 2000;
	int argi = 1;
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		timeout_ms = atoi(argv[2]);
		argi = 3;
	}
	if (argc - argi < 4) {
		fprintf(stderr, "usage: dnsq [-t TIMEOUT_MS] ADDR PORT NAME TYPE [TYPE...]\n");
		return 2;
	}
	const char *addr = argv[argi], *name = argv[argi + 2];
	int port = atoi(argv[argi + 1]);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sslen;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sslen = sizeof *s4;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sslen = sizeof *s6;
	} else {
		fprintf(stderr, "dnsq: bad address '%s'\n", addr);
		return 2;
	}
	dns_name_t qname;
	if (dns_name_from_text(name, &qname) != 0) {
		fprintf(stderr, "dnsq: bad name '%s'\n", name);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
		fprintf(stderr, "dnsq: socket: %s\n", strerror(errno));
		return 2;
	}
	int nq = argc - argi - 3;
	for (int i = 0; i < nq; i++) {
		uint16_t qtype;
		if (parse_type(argv[argi + 3 + i], &qtype) != 0) {
			fprintf(stderr, "dnsq: unknown type '%s'\n", argv[argi + 3 + i]);
			return 2;
		}
		uint8_t q[512];
		int len = dns_build_query(q, sizeof q, (uint16_t)(0x1000 + i), &qname, qtype);
		if (len < 0 || send(fd, q, (size_t)len, 0) != len) {
			fprintf(stderr, "dnsq: cannot send query\n");
			return 2;
		}
	}
	uint64_t deadline = sp_mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int got = 0;
	while (got < nq) {
		uint64_t now = sp_mono_ns();
		if (now >= deadline)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r <= 0)
			continue;
		uint8_t buf[65536];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			continue;
		print_answer(buf, (size_t)n);
		got++;
	}
	if (got < nq)
		printf("unanswered=%d\n", nq - got);
	close(fd);
	return 0;
}
