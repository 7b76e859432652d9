/* Reads a run's capture.pcapng back and gives each trial its packets, for the ladder
 * diagrams: sniff's JSON has counts and evidence, not every packet's time and port. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dissect.h"
#include "dns.h"
#include "err.h"
#include "report.h"

/* The DNS message at the start of a TCP segment (RFC 1035 4.2.2: two-byte length first).
 * A message split over segments is not followed here: sniff's analyzer keeps the stream;
 * the diagram only needs the common case of one message per segment. */
static int tcp_message(const pkt_t *p, dns_msg_t *m)
{
	if (!p->payload || p->payload_len < 2 + 12)
		return -1;
	return dns_parse(p->payload + 2, p->payload_len - 2, m) == 0 ? 0 : -1;
}

static void server_text(const sp_addr_t *a, uint16_t port, char *out, size_t len)
{
	char addr[64];
	sp_addr_str(a, addr, sizeof(addr));
	snprintf(out, len, a->family == 6 ? "[%s]:%u" : "%s:%u", addr, port);
}

static void add(report_trial_t **index, size_t nindex, const dns_question_t *q, report_packet_t *rp,
		int *bad)
{
	char name[REPORT_NAME_MAX];
	if (dns_name_to_text(&q->name, name, sizeof(name)) < 0)
		return;
	report_trial_t *t = report_index_find(index, nindex, name);
	rp->qtype = q->qtype;
	if (t && report_add_packet(t, rp) < 0)
		*bad = 1;
}

int report_join_capture(report_t *r, const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc =
	    pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!pc) {
		snprintf(err, errlen, "%s", perr);
		return SP_EFORMAT;
	}
	size_t nindex;
	report_trial_t **index = report_name_index(r, &nindex);
	if (!index) {
		snprintf(err, errlen, "out of memory");
		pcap_close(pc);
		return SP_ENOMEM;
	}
	int linktype = dissect_linktype_from_dlt(pcap_datalink(pc));
	dissect_cfg_t cfg = {53};
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t frame = 0;
	int bad = 0, rc;
	while (!bad && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		pkt_t p;
		frame++;
		if (dissect_packet(&cfg, linktype, data, h->caplen, h->len, &p) < 0)
			continue;
		report_packet_t rp;
		memset(&rp, 0, sizeof(rp));
		rp.frame = frame;
		rp.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		dns_msg_t tcpm;
		const dns_msg_t *m = NULL;
		if (p.kind == PKT_DNS) {
			m = &p.dns;
		} else if (p.kind == PKT_TCP && tcp_message(&p, &tcpm) == 0) {
			m = &tcpm;
			rp.tcp = 1;
		} else if (p.kind == PKT_ICMP_ERROR && p.port_unreachable && p.quote.has_question) {
			rp.kind = REPORT_PKT_ICMP;
			rp.port = p.quote.dport;
			rp.id = p.quote.has_dns_id ? p.quote.dns_id : 0;
			server_text(&p.quote.src, p.quote.sport, rp.server, sizeof(rp.server));
			add(index, nindex, &p.quote.q, &rp, &bad);
			continue;
		}
		if (!m || !m->has_question)
			continue;
		int answer = (m->h.flags & DNS_F_QR) != 0;
		rp.kind = answer ? REPORT_PKT_ANSWER : REPORT_PKT_QUERY;
		rp.port = answer ? p.dport : p.sport;
		if (answer)
			server_text(&p.src, p.sport, rp.server, sizeof(rp.server));
		else
			server_text(&p.dst, p.dport, rp.server, sizeof(rp.server));
		rp.id = m->h.id;
		rp.rcode = (uint8_t)DNS_RCODE(m->h.flags);
		rp.tc = (m->h.flags & DNS_F_TC) != 0;
		add(index, nindex, &m->q, &rp, &bad);
	}
	free(index);
	if (bad) {
		snprintf(err, errlen, "out of memory");
		pcap_close(pc);
		return SP_ENOMEM;
	}
	if (rc == -1) {
		/* A capture cut short (sniff killed) still gives the packets read so far. */
		snprintf(err, errlen, "%s", pcap_geterr(pc));
	}
	pcap_close(pc);
	r->have_packets = 1;
	return 0;
}
