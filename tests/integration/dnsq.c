/* Test client: sends several queries for one name at once, from one UDP socket or pipelined
 * on one TCP connection, and prints each answer in the order it arrives, one line each, so
 * tests can check fakens's answers, flags and order without timing anything. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
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
	} types[] = {{"A", DNS_T_A},        {"AAAA", DNS_T_AAAA}, {"MX", DNS_T_MX},
		     {"TXT", DNS_T_TXT},    {"SOA", DNS_T_SOA},   {"NS", DNS_T_NS},
		     {"HTTPS", DNS_T_HTTPS}};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(s, types[i].name) == 0) {
			*out = types[i].type;
			return 0;
		}
	return -1;
}

/* Prints "QTYPE id=N rcode=R flags=qr,aa,.. an=N ns=N [addr=...] [txt=..] [opt=..]" for one
 * answer; "noquestion" instead of the type when it has none, "malformed" when it is not DNS. */
static void print_answer(const uint8_t *buf, size_t len, const char *from)
{
	dns_msg_t m;
	char tb[16], rb[16];
	if (from)
		printf("from=%s ", from);
	if (dns_parse(buf, len, &m) != 0) {
		printf("malformed len=%zu\n", len);
		return;
	}
	if (!m.has_question) {
		printf("noquestion id=%u rcode=%s qd=%u\n", m.h.id,
		       dns_rcode_name(DNS_RCODE(m.h.flags), rb, sizeof rb), m.h.qdcount);
		return;
	}
	printf("%s id=%u rcode=%s flags=", dns_type_name(m.q.qtype, tb, sizeof tb), m.h.id,
	       dns_rcode_name(DNS_RCODE(m.h.flags), rb, sizeof rb));
	const struct {
		uint16_t bit;
		const char *name;
	} flags[] = {{DNS_F_QR, "qr"},
		     {DNS_F_AA, "aa"},
		     {DNS_F_TC, "tc"},
		     {DNS_F_RD, "rd"},
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
	unsigned total = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < total && !wire_error(&w); i++) {
		dns_name_t owner;
		if (dns_parse_name(&w, &owner) != 0)
			break;
		uint16_t type = wire_u16(&w);
		uint16_t cls = wire_u16(&w);
		uint32_t ttl = wire_u32(&w);
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
		else if (type == DNS_T_TXT && rdlen >= 1 && rd[0] < rdlen)
			printf(" txt=\"%.*s\"", (int)rd[0], (const char *)rd + 1);
		else if (type == DNS_T_OPT)
			printf(" opt=%u%s%s", cls, (ttl >> 24) ? " ercode=" : "",
			       (ttl >> 24) ? ((ttl >> 24) == 1 ? "BADVERS" : "other") : "");
	}
	printf("\n");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: dnsq [-t TIMEOUT_MS] [-a] [-u] [-T] [-k] [-e SIZE] ADDR PORT NAME TYPE "
	    "[TYPE...]\n"
	    "       dnsq [-t TIMEOUT_MS] [-a] [-T] -R HEX ADDR PORT\n"
	    "  -a  print every message until the timeout (duplicates, decoys)\n"
	    "  -u  unconnected UDP socket: also see answers from other sources (from=)\n"
	    "  -T  TCP: queries length-prefixed and pipelined on one connection\n"
	    "  -e  add an EDNS OPT record advertising SIZE\n"
	    "  -R  send these bytes as they are (over TCP, the caller writes the prefix)\n"
	    "  -k  UDP: send the first query from a socket of its own and close it at once, as a\n"
	    "      racing client does, so that its answer draws an ICMP port unreachable\n");
	exit(2);
}

/* Reads whole messages from a TCP stream: returns the length of the next one, 0 when the
 * peer closed, -1 on timeout or error. */
static int tcp_read(int fd, uint8_t *buf, size_t cap, size_t *have, uint64_t deadline)
{
	for (;;) {
		if (*have >= 2) {
			size_t n = ((size_t)buf[0] << 8) | buf[1];
			if (*have >= n + 2)
				return (int)n + 2;
		}
		uint64_t now = sp_mono_ns();
		if (now >= deadline)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1) <= 0)
			continue;
		ssize_t r = recv(fd, buf + *have, cap - *have, 0);
		if (r == 0)
			return 0;
		if (r < 0)
			return -1;
		*have += (size_t)r;
	}
}

int main(int argc, char **argv)
{
	int timeout_ms = 2000, all = 0, unconnected = 0, tcp = 0, edns = 0, closed_first = 0;
	const char *raw = NULL;
	int c;
	while ((c = getopt(argc, argv, "t:auTke:R:")) != -1) {
		switch (c) {
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'a':
			all = 1;
			break;
		case 'u':
			unconnected = 1;
			break;
		case 'T':
			tcp = 1;
			break;
		case 'k':
			closed_first = 1;
			break;
		case 'e':
			edns = atoi(optarg);
			break;
		case 'R':
			raw = optarg;
			break;
		default:
			usage();
		}
	}
	int argi = optind;
	if (argc - argi < (raw ? 2 : 4))
		usage();
	const char *addr = argv[argi];
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
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0 || ((tcp || !unconnected) && connect(fd, (struct sockaddr *)&ss, sslen) != 0)) {
		fprintf(stderr, "dnsq: socket: %s\n", strerror(errno));
		return 2;
	}

	/* Every query, in order, in one buffer (each with its prefix over TCP). */
	static uint8_t out[65536];
	size_t olen = 0;
	int nq = 0, nq_closed = 0;
	if (raw) {
		size_t hl = strlen(raw);
		for (size_t i = 0; i + 1 < hl + 1 && olen < sizeof out; i += 2) {
			if (hexval(raw[i]) < 0 || hexval(raw[i + 1]) < 0) {
				fprintf(stderr, "dnsq: bad hex '%s'\n", raw);
				return 2;
			}
			out[olen++] = (uint8_t)(hexval(raw[i]) << 4 | hexval(raw[i + 1]));
		}
		nq = 1;
	} else {
		dns_name_t qname;
		if (dns_name_from_text(argv[argi + 2], &qname) != 0) {
			fprintf(stderr, "dnsq: bad name '%s'\n", argv[argi + 2]);
			return 2;
		}
		nq = argc - argi - 3;
		for (int i = 0; i < nq; i++) {
			uint16_t qtype;
			if (parse_type(argv[argi + 3 + i], &qtype) != 0) {
				fprintf(stderr, "dnsq: unknown type '%s'\n", argv[argi + 3 + i]);
				return 2;
			}
			uint8_t *q = out + olen + (tcp ? 2 : 0);
			int len = dns_build_query(q, 512, (uint16_t)(0x1000 + i), &qname, qtype);
			if (len < 0)
				return 2;
			if (edns) {
				/* RFC 6891 6.1.2: root owner, class = size, TTL 0, no options. */
				static const uint8_t opt[11] = {0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0};
				memcpy(q + len, opt, sizeof opt);
				q[len + 3] = (uint8_t)(edns >> 8);
				q[len + 4] = (uint8_t)edns;
				q[11] = 1; /* arcount */
				len += (int)sizeof opt;
			}
			if (tcp) {
				out[olen] = (uint8_t)(len >> 8);
				out[olen + 1] = (uint8_t)len;
				olen += 2;
			}
			if (!tcp && closed_first && i == 0) {
				int kfd = socket(ss.ss_family, SOCK_DGRAM, 0);
				ssize_t r = kfd < 0 ? -1
						    : sendto(kfd, q, (size_t)len, 0,
							     (struct sockaddr *)&ss, sslen);
				if (kfd >= 0)
					close(kfd);
				if (r != len) {
					fprintf(stderr, "dnsq: cannot send query\n");
					return 2;
				}
				nq_closed = 1; /* no answer will be read for it */
			} else if (!tcp) {
				ssize_t r = unconnected ? sendto(fd, q, (size_t)len, 0,
								 (struct sockaddr *)&ss, sslen)
							: send(fd, q, (size_t)len, 0);
				if (r != len) {
					fprintf(stderr, "dnsq: cannot send query\n");
					return 2;
				}
			}
			olen += (size_t)(tcp ? len : 0);
		}
	}
	if (tcp || raw) {
		ssize_t r = unconnected && !tcp
				? sendto(fd, out, olen, 0, (struct sockaddr *)&ss, sslen)
				: send(fd, out, olen, 0);
		if (r != (ssize_t)olen) {
			fprintf(stderr, "dnsq: cannot send: %s\n", strerror(errno));
			return 2;
		}
	}

	uint64_t deadline = sp_mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int got = 0;
	static uint8_t buf[65536 + 2];
	size_t have = 0;
	while (all || got < nq - nq_closed) {
		if (tcp) {
			int n = tcp_read(fd, buf, sizeof buf, &have, deadline);
			if (n == 0) {
				printf("closed\n");
				break;
			}
			if (n < 0)
				break;
			print_answer(buf + 2, (size_t)n - 2, NULL);
			memmove(buf, buf + n, have - (size_t)n);
			have -= (size_t)n;
			got++;
			continue;
		}
		uint64_t now = sp_mono_ns();
		if (now >= deadline)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		char ftext[INET6_ADDRSTRLEN + 8] = "";
		if (unconnected) {
			char ip[INET6_ADDRSTRLEN] = "?";
			unsigned fport = 0;
			if (from.ss_family == AF_INET6) {
				const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;
				inet_ntop(AF_INET6, &f6->sin6_addr, ip, sizeof ip);
				fport = ntohs(f6->sin6_port);
			} else {
				const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;
				inet_ntop(AF_INET, &f4->sin_addr, ip, sizeof ip);
				fport = ntohs(f4->sin_port);
			}
			if (fport != (unsigned)port || strcmp(ip, addr) != 0)
				snprintf(ftext, sizeof ftext, "%s:%u", ip, fport);
		}
		print_answer(buf, (size_t)n, ftext[0] ? ftext : NULL);
		got++;
	}
	if (got < nq - nq_closed)
		printf("unanswered=%d\n", nq - nq_closed - got);
	close(fd);
	return 0;
}
