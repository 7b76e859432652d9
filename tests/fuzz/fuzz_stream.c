/* Fuzz target for DNS over TCP in the analyzer (stream state, reassembly, expiry): the input
 * is a run of segments, each a control byte, a length byte and that many payload bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze.h"
#include "dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_trial(const trial_t *t, const client_summary_t *c, void *ctx)
{
	unsigned *n = ctx;
	if (!t->finished || !t->name || c->trials == 0)
		__builtin_trap();
	(*n)++;
}

/* Control byte: 0x01 from the server; 0x02 SYN; 0x04 RST; 0x08 FIN; 0x10 the next byte
 * moves the sequence number (signed); 0x20 the snap length cut 3 bytes; 0x40 two seconds
 * pass (the window is one); 0x80 a second connection. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	analyzer_t *a = analyzer_new();
	if (!a)
		return 0;
	unsigned finished = 0;
	analyzer_set_window(a, 1000000000ULL);
	analyzer_set_trial_cb(a, on_trial, &finished);
	const sp_addr_t client = {.family = 4, .a = {192, 0, 2, 10}};
	const sp_addr_t server = {.family = 4, .a = {127, 0, 0, 1}};
	uint32_t seq[2][2] = {{1000, 5000}, {9000, 7000}};
	uint64_t ts = 1, frame = 0;
	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos], len = data[pos + 1];
		pos += 2;
		int dir = ctl & 1, conn = ctl >> 7;
		if (ctl & 0x10) {
			if (pos >= size)
				break;
			seq[conn][dir] += (uint32_t)(int32_t)(int8_t)data[pos++];
		}
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		pkt_t p;
		memset(&p, 0, sizeof p);
		p.kind = PKT_TCP;
		p.proto = 6;
		p.src = dir ? server : client;
		p.dst = dir ? client : server;
		p.sport = dir ? 53 : (uint16_t)(40000 + conn);
		p.dport = dir ? (uint16_t)(40000 + conn) : 53;
		p.tcp_seq = seq[conn][dir];
		p.tcp_flags = (uint8_t)(((ctl & 2) ? TCP_F_SYN : 0) | ((ctl & 4) ? TCP_F_RST : 0) |
					((ctl & 8) ? TCP_F_FIN : 0));
		p.payload = len ? data + pos : NULL;
		p.payload_len = len;
		p.tcp_len = len + ((ctl & 0x20) ? 3u : 0u);
		if (ctl & 0x40)
			ts += 2000000000ULL;
		ts += 1000;
		if (analyzer_add(a, ++frame, ts, &p) != 0)
			break;
		seq[conn][dir] += (uint32_t)p.tcp_len + ((ctl & 2) ? 1u : 0u);
		pos += len;
	}
	analyzer_finish(a);
	for (size_t i = 0; i < analyzer_trial_count(a); i++)
		if (!analyzer_trial(a, i)->name)
			__builtin_trap();
	analyzer_flush(a);
	analyzer_finish(a);
	if (analyzer_trial_count(a) != 0)
		__builtin_trap();
	analyzer_free(a);
	return 0;
}
