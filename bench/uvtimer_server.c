/* Reference for the timing bench: a DNS server that delays answers with plain libuv timers.
 * It answers A and AAAA for any name, after the delay that a "a-d<N><unit>" or
 * "aaaa-d<N><unit>" label of the name asks for (as fakens does), using uv_timer_start, whose
 * resolution is one millisecond: the delay is rounded to the nearest millisecond and counted
 * from the loop's cached time, as an ordinary libuv program would do it. Built by
 * bench/fakens_timing.py against the project's library:
 *
 *     uvtimer_server PORT
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "dns.h"

struct pending {
	uv_timer_t timer;
	struct sockaddr_storage to;
	size_t len;
	uint8_t buf[512];
};

static uv_udp_t udp;
static char rxbuf[65536];

/* The delay in microseconds that label asks for qtype ("aaaa-d250us"), or -1. */
static long label_delay_us(const char *label, size_t len, uint16_t qtype)
{
	const char *want = qtype == DNS_T_A ? "a-d" : "aaaa-d";
	size_t wl = strlen(want);
	if (len <= wl || strncmp(label, want, wl) != 0)
		return -1;
	char num[32];
	size_t n = len - wl;
	if (n >= sizeof(num))
		return -1;
	memcpy(num, label + wl, n);
	num[n] = '\0';
	char *end;
	long v = strtol(num, &end, 10);
	if (end == num || v < 0)
		return -1;
	if (strcmp(end, "us") == 0)
		return v;
	if (strcmp(end, "ms") == 0)
		return v * 1000;
	if (strcmp(end, "s") == 0)
		return v * 1000000;
	return *end ? -1 : v * 1000;
}

static long name_delay_us(const char *text, uint16_t qtype)
{
	long d = 0;
	const char *p = text;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		long v = label_delay_us(p, len, qtype);
		if (v >= 0)
			d = v;
		p += len + (dot ? 1 : 0);
	}
	return d;
}

static void on_closed(uv_handle_t *h) { free(h->data); }

static void send_answer(struct pending *p)
{
	uv_buf_t b = uv_buf_init((char *)p->buf, (unsigned)p->len);
	uv_udp_try_send(&udp, &b, 1, (const struct sockaddr *)&p->to);
}

static void on_timer(uv_timer_t *t)
{
	struct pending *p = t->data;
	send_answer(p);
	uv_close((uv_handle_t *)t, on_closed);
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	dns_msg_t m;
	char text[DNS_NAME_TEXT];
	if (nread <= 0 || !from || dns_parse((const uint8_t *)buf->base, (size_t)nread, &m) < 0 ||
	    !m.has_question || (m.h.flags & DNS_F_QR) ||
	    dns_name_to_text(&m.q.name, text, sizeof(text)) < 0)
		return;
	struct pending *p = malloc(sizeof(*p));
	if (!p)
		return;
	memcpy(&p->to, from,
	       from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	dns_builder_t b;
	dns_builder_init(&b, p->buf, sizeof(p->buf));
	dns_put_header(&b, m.h.id, DNS_F_QR | DNS_F_AA | DNS_F_RA | (m.h.flags & DNS_F_RD));
	dns_put_question(&b, &m.q);
	static const uint8_t a[4] = {192, 0, 2, 10};
	static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
	if (m.q.qtype == DNS_T_A)
		dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_A, 0, a, sizeof(a));
	else if (m.q.qtype == DNS_T_AAAA)
		dns_put_rr(&b, DNS_S_ANSWER, NULL, DNS_T_AAAA, 0, aaaa, sizeof(aaaa));
	int len = dns_finish(&b);
	if (len < 0) {
		free(p);
		return;
	}
	p->len = (size_t)len;
	long us = name_delay_us(text, m.q.qtype);
	if (us == 0) {
		send_answer(p);
		free(p);
		return;
	}
	uv_timer_init(h->loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, on_timer, (uint64_t)((us + 500) / 1000), 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	*buf = uv_buf_init(rxbuf, sizeof(rxbuf));
}

static void on_signal(uv_signal_t *s, int signum) { uv_stop(s->loop); }

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	uv_signal_t sig;
	if (argc != 2 || uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr) != 0) {
		fprintf(stderr, "usage: uvtimer_server PORT (serves 127.0.0.1:PORT)\n");
		return 2;
	}
	uv_loop_t *loop = uv_default_loop();
	uv_udp_init(loop, &udp);
	int r = uv_udp_bind(&udp, (const struct sockaddr *)&addr, 0);
	if (r == 0)
		r = uv_udp_recv_start(&udp, on_alloc, on_recv);
	if (r < 0) {
		fprintf(stderr, "uvtimer_server: cannot serve 127.0.0.1:%s: %s\n", argv[1],
			uv_strerror(r));
		return 2;
	}
	uv_signal_init(loop, &sig);
	uv_signal_start(&sig, on_signal, SIGTERM);
	puts("ready");
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
