/* Benchmark capture generator: a pcap of DNS A/AAAA pairs, refused answers and other traffic. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * usage: sniff_gencap PACKETS FILE [CLIENTS]
 * Writes at least PACKETS Ethernet frames (classic pcap, microseconds) and prints on standard
 * output "packets N dns D icmp I trials T racing R": D + I frames match sniff's default
 * filter ("udp port 53 or icmp or icmp6"). Each trial is an A and an AAAA query from one
 * client, on two sockets or one, and both answers; every fourth client races (its AAAA answer
 * draws an ICMP port unreachable), and one trial in 32 of the others gets a duplicate answer
 * that is refused. Between trials: TCP, NTP and ARP frames that the filter passes over.
 * Every eighth client is IPv6. Clients are in 198.18.0.0/15 (RFC 2544's benchmark range) and
 * 2001:db8::/32, the server 198.51.100.53 and 2001:db8::53; nothing is ever sent.
 */

#define SNAP 65535
#define OTHER_PER_TRIAL 4

static FILE *out;
static uint64_t now_us = 1700000000ull * 1000000ull;
static uint64_t n_pkts, n_dns, n_icmp;
static uint8_t frame[2048];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void record(size_t len)
{
	uint32_t hdr[4];

	now_us += 37; /* ~27k packets per second of capture time */
	hdr[0] = (uint32_t)(now_us / 1000000u);
	hdr[1] = (uint32_t)(now_us % 1000000u);
	hdr[2] = (uint32_t)len;
	hdr[3] = (uint32_t)len;
	if (fwrite(hdr, sizeof hdr, 1, out) != 1 || fwrite(frame, len, 1, out) != 1) {
		fprintf(stderr, "sniff_gencap: write failed: %s\n", strerror(errno));
		exit(2);
	}
	n_pkts++;
}

typedef struct host {
	int v6;
	uint8_t a[16];
} host_t;

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IP header for proto at p, payload length plen; returns its length. */
static size_t ip_header(uint8_t *p, const host_t *src, const host_t *dst, uint8_t proto,
			size_t plen)
{
	if (src->v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, (uint16_t)plen);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, src->a, 16);
		memcpy(p + 24, dst->a, 16);
		return 40;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + plen));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src->a, 4);
	memcpy(p + 16, dst->a, 4);
	put16(p + 10, csum(p, 20));
	return 20;
}

static size_t ether(const host_t *h)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
	memcpy(frame, macs, 12);
	put16(frame + 12, h->v6 ? 0x86dd : 0x0800);
	return 14;
}

/* DNS message for name (already in wire form) into p; returns its length. */
static size_t dns(uint8_t *p, uint16_t id, int answer, uint16_t qtype, const uint8_t *qname,
		  size_t qlen)
{
	size_t n = 12;

	put16(p, id);
	put16(p + 2, answer ? 0x8180 : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, answer ? 1 : 0);
	put16(p + 8, 0);
	put16(p + 10, 0);
	memcpy(p + n, qname, qlen);
	n += qlen;
	put16(p + n, qtype);
	put16(p + n + 2, 1);
	n += 4;
	if (answer) {
		size_t rdlen = qtype == 28 ? 16 : 4;
		put16(p + n, 0xc00c);
		put16(p + n + 2, qtype);
		put16(p + n + 4, 1);
		put32(p + n + 6, 300);
		put16(p + n + 10, (uint16_t)rdlen);
		memset(p + n + 12, 0, rdlen);
		p[n + 12] = qtype == 28 ? 0x20 : 192;
		p[n + 13] = qtype == 28 ? 0x01 : 0;
		n += 12 + rdlen;
	}
	return n;
}

/* UDP datagram src:sport -> dst:dport at p with payload already at p + 8. */
static size_t udp(uint8_t *p, uint16_t sport, uint16_t dport, size_t plen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + plen));
	put16(p + 6, 0);
	return 8 + plen;
}

static size_t dns_packet(const host_t *src, const host_t *dst, uint16_t sport, uint16_t dport,
			 uint16_t id, int answer, uint16_t qtype, const uint8_t *qname, size_t qlen)
{
	size_t l2 = ether(src), iplen = src->v6 ? 40 : 20;
	size_t dl = dns(frame + l2 + iplen + 8, id, answer, qtype, qname, qlen);
	size_t ul = udp(frame + l2 + iplen, sport, dport, dl);

	ip_header(frame + l2, src, dst, 17, ul);
	return l2 + iplen + ul;
}

/* The ICMP port unreachable the client sends for the answer now in frame (len bytes). */
static void icmp_for(const host_t *client, const host_t *server, size_t len)
{
	uint8_t quote[1500];
	size_t l2 = 14, iplen = client->v6 ? 40 : 20, qlen = len - l2, il;

	if (qlen > sizeof quote)
		qlen = sizeof quote;
	memcpy(quote, frame + l2, qlen);
	if (client->v6 && qlen > 1232 - 8)
		qlen = 1232 - 8;
	ether(client);
	il = l2 + iplen;
	memset(frame + il, 0, 8);
	frame[il] = client->v6 ? 1 : 3;
	frame[il + 1] = client->v6 ? 4 : 3;
	memcpy(frame + il + 8, quote, qlen);
	ip_header(frame + l2, client, server, client->v6 ? 58 : 1, 8 + qlen);
	if (!client->v6)
		put16(frame + il + 2, csum(frame + il, 8 + qlen));
	record(il + 8 + qlen);
	n_icmp++;
}

static void other_traffic(const host_t *c, const host_t *s, unsigned i)
{
	size_t l2 = ether(c), iplen = c->v6 ? 40 : 20;

	switch (i % OTHER_PER_TRIAL) {
	case 0:
	case 1: /* a TCP segment of an HTTPS connection */
		memset(frame + l2 + iplen, 0, 20 + 100);
		put16(frame + l2 + iplen, (uint16_t)(40000 + i % 20000));
		put16(frame + l2 + iplen + 2, 443);
		frame[l2 + iplen + 12] = 0x50;
		frame[l2 + iplen + 13] = 0x18;
		put16(frame + l2 + iplen + 14, 0xffff);
		ip_header(frame + l2, c, s, 6, 120);
		record(l2 + iplen + 120);
		break;
	case 2: /* NTP */
		memset(frame + l2 + iplen + 8, 0, 48);
		frame[l2 + iplen + 8] = 0x23;
		udp(frame + l2 + iplen, 123, 123, 48);
		ip_header(frame + l2, c, s, 17, 56);
		record(l2 + iplen + 56);
		break;
	default: /* ARP request */
		memset(frame, 0xff, 6);
		put16(frame + 12, 0x0806);
		memset(frame + 14, 0, 28);
		put16(frame + 14, 1);
		put16(frame + 16, 0x0800);
		frame[18] = 6;
		frame[19] = 4;
		put16(frame + 20, 1);
		record(14 + 28);
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long long want, trials = 0, racing = 0;
	unsigned clients = 1000, i;
	host_t server4 = {0, {198, 51, 100, 53}}, server6 = {1, {0x20, 0x01, 0x0d, 0xb8}};

	if (argc < 3 || argc > 4 || (want = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: sniff_gencap PACKETS FILE [CLIENTS]\n");
		return 2;
	}
	if (argc == 4 && (clients = (unsigned)strtoul(argv[3], NULL, 10)) == 0) {
		fprintf(stderr, "sniff_gencap: CLIENTS must be a positive number\n");
		return 2;
	}
	server6.a[15] = 0x53;
	out = fopen(argv[2], "wb");
	if (!out) {
		fprintf(stderr, "sniff_gencap: cannot create '%s': %s\n", argv[2], strerror(errno));
		return 2;
	}
	{
		uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, SNAP, 1};
		fwrite(gh, sizeof gh, 1, out);
	}
	while (n_pkts < want) {
		unsigned c = (unsigned)(trials % clients);
		host_t cl = {0, {198, 18, 0, 0}};
		const host_t *sv = &server4;
		uint8_t qname[64];
		size_t qlen, len;
		uint16_t p1 = (uint16_t)(20000 + (trials * 2) % 40000), p2 = p1 + 1;
		uint16_t id = (uint16_t)(trials * 7);
		int races = c % 4 == 0, dup = !races && trials % 32 == 5, one_socket = c % 3 == 1;

		if (c % 8 == 7) {
			cl.v6 = 1;
			memcpy(cl.a, server6.a, 4);
			put16(cl.a + 12, (uint16_t)(c >> 16));
			put16(cl.a + 14, (uint16_t)c);
			sv = &server6;
		} else {
			cl.a[1] = (uint8_t)(18 + ((c >> 16) & 1));
			cl.a[2] = (uint8_t)(c >> 8);
			cl.a[3] = (uint8_t)c;
		}
		if (one_socket)
			p2 = p1;
		/* "t0000042.bench.example" in wire form */
		qname[0] = 8;
		snprintf((char *)qname + 1, 10, "t%07llu", trials % 10000000ull);
		memcpy(qname + 9,
		       "\x05"
		       "bench"
		       "\x07"
		       "example",
		       14);
		qname[23] = 0;
		qlen = 24;

		record(dns_packet(&cl, sv, p1, 53, id, 0, 1, qname, qlen));
		record(dns_packet(&cl, sv, p2, 53, (uint16_t)(id + 1), 0, 28, qname, qlen));
		record(dns_packet(sv, &cl, 53, p1, id, 1, 1, qname, qlen));
		len = dns_packet(sv, &cl, 53, p2, (uint16_t)(id + 1), 1, 28, qname, qlen);
		record(len);
		n_dns += 4;
		if (races) {
			icmp_for(&cl, sv, len);
			racing++;
		} else if (dup) {
			len = dns_packet(sv, &cl, 53, p2, (uint16_t)(id + 1), 1, 28, qname, qlen);
			record(len);
			n_dns++;
			icmp_for(&cl, sv, len);
		}
		for (i = 0; i < OTHER_PER_TRIAL; i++)
			other_traffic(&cl, sv, (unsigned)trials + i);
		trials++;
	}
	if (fclose(out) != 0) {
		fprintf(stderr, "sniff_gencap: write failed: %s\n", strerror(errno));
		return 2;
	}
	printf("packets %llu dns %llu icmp %llu trials %llu racing %llu\n",
	       (unsigned long long)n_pkts, (unsigned long long)n_dns, (unsigned long long)n_icmp,
	       trials, racing);
	return 0;
}
