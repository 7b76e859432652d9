/* Fuzz target for the dissector and the pairing behind it: the low nibble of byte 0 picks
 * the link type, the rest is one frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze.h"
#include "dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first eight keep the corpus's old meaning; 147 is a type nobody reads. */
	static const int linktypes[16] = {LT_NULL,
					  LT_ETHERNET,
					  LT_RAW,
					  LT_LOOP,
					  LT_LINUX_SLL,
					  LT_IPV4,
					  LT_IPV6,
					  LT_LINUX_SLL2,
					  LT_PPP,
					  LT_PPP_HDLC,
					  LT_C_HDLC,
					  LT_IEEE802_11,
					  LT_IEEE802_11_RADIOTAP,
					  LT_IPNET,
					  147,
					  LT_ETHERNET};
	static int covered;
	if (!covered) {
		/* Every link type the dissector reads must be reachable from byte 0, also when
		 * one is added (LINKTYPE_ values in use are below 300). */
		for (int t = 0; t < 300; t++) {
			int found = 0;
			for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
				found |= linktypes[i] == t;
			if (dissect_linktype_supported(t) && !found)
				__builtin_trap();
		}
		covered = 1;
	}
	if (size < 1)
		return 0;
	int lt = linktypes[data[0] & 0x0f];
	const dissect_cfg_t cfg = {.dns_port = 53};
	pkt_t p;
	dissect_packet(&cfg, lt, data + 1, size - 1, size - 1, &p);

	char buf[64];
	sp_addr_str(&p.src, buf, sizeof buf);
	sp_addr_str(&p.quote.dst, buf, sizeof buf);
	(void)dissect_skip_name(p.skip);
	if (p.kind == PKT_TCP && p.payload_len) {
		/* Every payload byte must lie inside the frame. */
		volatile uint8_t sum = 0;
		for (size_t i = 0; i < p.payload_len; i++)
			sum ^= p.payload[i];
		(void)sum;
		if (p.payload < data + 1 || p.payload + p.payload_len > data + size)
			__builtin_trap();
	}

	/* sniff's path for files: a frame the selection takes is dissected as dissect_packet
	 * does it. */
	pkt_t sel;
	dissect_packet_select(&cfg, lt, data + 1, size - 1, size - 1, &sel);
	if (sel.selected != PKT_SEL_NO &&
	    (sel.kind != p.kind || sel.skip != p.skip || !sp_addr_equal(&sel.src, &p.src) ||
	     !sp_addr_equal(&sel.dst, &p.dst) || sel.sport != p.sport || sel.dport != p.dport ||
	     sel.payload_len != p.payload_len))
		__builtin_trap();

	analyzer_t *a = analyzer_new();
	if (!a)
		return 0;
	/* The same frame twice: a resent query, a duplicate answer, a second ICMP error. */
	analyzer_add(a, 1, 1000, &p);
	/* Its memory asked for ahead, as sniff's analysing thread does, with tables in use. */
	analyzer_prep_t prep;
	analyzer_prepare(a, &p, &prep);
	analyzer_prefetch(a, &prep);
	analyzer_prefetch_records(a, &prep);
	analyzer_add_prepared(a, 2, 2000, &p, &prep);
	if (p.kind == PKT_TCP && p.payload_len > 1) {
		/* The same bytes again from a fresh stream in two segments, cut where byte 0 says.
		 */
		pkt_t s1 = p, s2 = p;
		size_t cut = 1 + (size_t)(data[0] >> 4) % (p.payload_len - 1);
		s1.sport ^= 1;
		s2.sport ^= 1;
		s1.tcp_flags = TCP_F_SYN;
		s1.payload_len = s1.tcp_len = cut;
		s2.tcp_flags = 0;
		s2.tcp_seq = p.tcp_seq + 1 + (uint32_t)cut;
		s2.payload += cut;
		s2.payload_len -= cut;
		s2.tcp_len = s2.payload_len;
		analyzer_add(a, 3, 3000, &s1);
		analyzer_add(a, 4, 4000, &s2);
	}
	if (p.kind == PKT_DNS) {
		/* A whole exchange around the message: its query, it as the answer twice, and
		 * the client's error quoting it, so the pairing sees the fuzzed fields. */
		pkt_t q = p, ans = p, icmp;
		int is_answer = (p.dns.h.flags & DNS_F_QR) != 0;
		if (is_answer) {
			q.src = p.dst;
			q.dst = p.src;
			q.sport = p.dport;
			q.dport = p.sport;
		} else {
			ans.src = p.dst;
			ans.dst = p.src;
			ans.sport = p.dport;
			ans.dport = p.sport;
		}
		q.dns.h.flags &= (uint16_t)~DNS_F_QR;
		ans.dns.h.flags |= DNS_F_QR;
		memset(&icmp, 0, sizeof icmp);
		icmp.kind = PKT_ICMP_ERROR;
		icmp.port_unreachable = 1;
		icmp.src = ans.dst;
		icmp.dst = ans.src;
		icmp.quote.proto = 17;
		icmp.quote.src = ans.src;
		icmp.quote.dst = ans.dst;
		icmp.quote.sport = ans.sport;
		icmp.quote.dport = ans.dport;
		icmp.quote.has_dns_id = data[0] & 0x10 ? 1 : 0;
		icmp.quote.dns_id = ans.dns.h.id;
		icmp.quote.has_question =
		    icmp.quote.has_dns_id && (data[0] & 0x20) && ans.dns.has_question;
		icmp.quote.q = ans.dns.q;
		analyzer_add(a, 3, 3000, &q);
		analyzer_add(a, 4, 4000, &ans);
		if (data[0] & 0x40)
			analyzer_add(a, 5, 5000, &ans);
		analyzer_add(a, 6, 6000, &icmp);
		analyzer_add(a, 7, 7000, &icmp);
	}
	analyzer_set_drops(a, data[0] >> 7);
	analyzer_finish(a);
	for (size_t i = 0; i < analyzer_trial_count(a); i++) {
		const trial_t *t = analyzer_trial(a, i);
		if (analyzer_find_trial(a, t->name) != t)
			__builtin_trap();
		for (size_t j = 0; j < t->n_evidence; j++)
			sp_addr_str(&t->evidence[j].client, buf, sizeof buf);
	}
	for (size_t i = 0; i < analyzer_client_count(a); i++)
		sp_addr_str(&analyzer_client(a, i)->addr, buf, sizeof buf);
	analyzer_free(a);
	return 0;
}
