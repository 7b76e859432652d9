/* fakens server loop: receives queries over UDP and TCP, sends answers at their due nanosecond,
 * logs events. */
#include "server.h"

#include <errno.h>
#include <jansson.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "answer.h"
#include "caps.h"
#include "cli.h"
#include "err.h"
#include "errqueue.h"
#include "privdrop.h"
#include "ratelimit.h"
#include "sched.h"
#include "sp_config.h"
#include "timeutil.h"

/* A query that arrives while an answer is being waited for is served first when the answer
 * is more than this far off: serving it (parse, send, no log) takes 10-20 us. */
#define QUIET_NS 25000u
/* TCP bounds (RFC 7766 6.2.3, 6.2.4): what one client can make fakens hold. */
#define TCP_MAX_CONNS 256
#define TCP_MAX_PENDING 64        /* answers waiting per connection */
#define TCP_MAX_WRITE_QUEUE 65536 /* bytes a client leaves unread before it is dropped */
#define TCP_BACKLOG 128

#ifndef MSG_PROBE /* Linux's, not in glibc's headers */
#define MSG_PROBE 0x10
#endif

struct server;

struct listener {
	uv_udp_t udp;
	struct server *srv;
	int fd;
	int stamps; /* 1 when the kernel keeps a receive time for this socket */
	int server; /* number for "sN-" directives, 0: none */
	int alt_fd; /* same address, another port (otherport decoys); -1 when none */
	uv_tcp_t tcp;
	int tcp_open;
	char label[64];
};

/* One TCP connection. Freed when both handles are closed and no answer refers to it. */
struct conn {
	uv_tcp_t h;
	uv_timer_t idle;
	struct server *srv;
	struct listener *l;
	struct conn *prev, *next; /* open connections */
	struct sockaddr_storage peer;
	int closing, eof, handles;
	unsigned npending;
	uint64_t nqueries;
	size_t rlen;
	uint8_t rbuf[2 + ANSWER_TCP_MAX_QUERY];
};

struct tcp_write {
	uv_write_t req;
	uint8_t buf[];
};

/* A delayed answer: everything needed to send it and, afterwards, to log it. */
struct pending {
	struct pending *next; /* in the sent list, waiting to be logged */
	struct listener *l;
	struct conn *conn; /* TCP: the connection; NULL for UDP */
	int tcp;
	enum answer_via via;
	const char *extra; /* answer_msg_t.extra */
	struct sockaddr_storage to;
	uint64_t due_ns, sent_ns, delay_ns;
	uint64_t send_ns; /* time spent in the send call */
	int err;          /* 0, or the uv error of the send */
	int warmed;
	int queued; /* try_send said EAGAIN: handed to uv_udp_send */
	unsigned rcode;
	uint16_t ancount;
	size_t len;
	uint8_t buf[ANSWER_MAX_LEN];
};

struct send_req {
	uv_udp_send_t req;
	size_t len;
	uint8_t buf[];
};

struct server {
	uv_loop_t loop;
	const fakens_config_t *cfg;
	struct listener l[FAKENS_MAX_LISTEN];
	struct pollfd pfd[FAKENS_MAX_LISTEN]; /* the listeners, for the check during a spin */
	int nl;
	int other_fd[2]; /* otheraddr decoys, IPv4 and IPv6; -1 when none */
	struct conn *conns;
	int nconns;
	uv_poll_t poll;
	int tfd;
	int poll_open;
	uint64_t armed_ns; /* when the timerfd fires next; 0 when disarmed */
	uv_signal_t sig[2];
	int nsig;
	sched_t q;
	struct pending *sent_head, *sent_tail;
	int stopping;
	int log_failed;
	uv_prepare_t flush; /* writes the log out each time before the loop waits */
	int flush_open;
	answer_t ans; /* one at a time: the loop is single-threaded */
	errqueue_t eq;
	ratelimit_t rl;
	uint64_t n_icmp;
	char priv[256]; /* what became of root privileges, for the start event */
	uint64_t n_queries, n_answers, n_drops, n_refused, n_bad, n_ignored, n_send_errors;
	uint64_t n_tcp;
};

void fakens_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "?";
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(s6, ip, sizeof(ip));
		snprintf(out, outlen, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		uv_ip4_name(s4, ip, sizeof(ip));
		snprintf(out, outlen, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
	}
}

static socklen_t addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* ---- log ---- */

static void drain_due(struct server *s);

static json_t *ev_new(const char *event)
{
	json_t *o = json_object();
	json_object_set_new(o, "ts_us", json_integer((json_int_t)(sp_real_ns() / 1000)));
	json_object_set_new(o, "event", json_string(event));
	return o;
}

static void ev_mono(json_t *o, uint64_t mono_ns)
{
	json_object_set_new(o, "mono_ns", json_integer((json_int_t)mono_ns));
}

static void ev_client(json_t *o, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(s6, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		uv_ip4_name(s4, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	}
	json_object_set_new(o, "client", json_string(ip));
	json_object_set_new(o, "cport", json_integer(port));
}

/* id, qname, qtype of a message this server parsed (a query) or built (an answer). */
static void ev_question(json_t *o, const dns_msg_t *m)
{
	json_object_set_new(o, "id", json_integer(m->h.id));
	if (!m->has_question)
		return;
	char name[DNS_NAME_TEXT], tbuf[16];
	if (dns_name_to_text(&m->q.name, name, sizeof(name)) >= 0)
		json_object_set_new(o, "qname", json_string(name));
	json_object_set_new(o, "qtype", json_string(dns_type_name(m->q.qtype, tbuf, sizeof(tbuf))));
}

static void ev_rcode(json_t *o, unsigned rcode)
{
	char buf[16];
	json_object_set_new(o, "rcode", json_string(dns_rcode_name(rcode, buf, sizeof(buf))));
}

/* Writes one line. Sends whatever falls due first, so a log write never holds an answer. */
static void emit(struct server *s, json_t *o)
{
	if (!s->stopping)
		drain_due(s);
	FILE *f = s->cfg->log;
	if (f) {
		char *line = json_dumps(o, JSON_COMPACT);
		if (line) {
			fputs(line, f);
			fputc('\n', f);
			free(line);
		}
	}
	json_decref(o);
}

/* Once per turn of the loop, not per line: a write per line halved the query rate
 * (docs/bench.md), and the log is still written out before fakens waits. */
static void flush_log(uv_prepare_t *h)
{
	struct server *s = h->data;
	FILE *f = s->cfg->log;
	if (f && fflush(f) != 0 && !s->log_failed) {
		s->log_failed = 1;
		fprintf(stderr,
			"fakens: cannot write the log: %s; still serving, but events are being "
			"lost\n",
			strerror(errno));
	}
}

static void log_answer(struct server *s, const struct listener *l, const struct sockaddr *to,
		       const uint8_t *buf, size_t len, uint64_t due_ns, uint64_t sent_ns,
		       uint64_t delay_ns, uint64_t send_ns, int err, int queued, unsigned rcode,
		       uint16_t ancount, int tcp, const char *extra)
{
	dns_msg_t m;
	if (!s->cfg->log)
		return; /* building the line costs more than answering */
	json_t *o = ev_new(err ? "send_error" : "answer");
	ev_mono(o, sent_ns);
	json_object_set_new(o, "transport", json_string(tcp ? "tcp" : "udp"));
	ev_client(o, to);
	json_object_set_new(o, "server", json_string(l->label));
	if (extra)
		json_object_set_new(o, "extra", json_string(extra));
	if (dns_parse(buf, len, &m) == 0) {
		ev_question(o, &m);
		if (m.h.flags & DNS_F_TC)
			json_object_set_new(o, "tc", json_true());
	} else {
		json_object_set_new(o, "len", json_integer((json_int_t)len));
	}
	ev_rcode(o, rcode);
	json_object_set_new(o, "ancount", json_integer(ancount));
	json_object_set_new(o, "delay_us", json_integer((json_int_t)(delay_ns / 1000)));
	json_object_set_new(o, "late_ns", json_integer((json_int_t)(sent_ns - due_ns)));
	json_object_set_new(o, "send_ns", json_integer((json_int_t)send_ns));
	if (queued)
		json_object_set_new(o, "queued", json_true());
	if (err)
		json_object_set_new(o, "error", json_string(uv_strerror(err)));
	emit(s, o);
}

/* ---- sending ---- */

static void on_sent(uv_udp_send_t *req, int status)
{
	struct send_req *sr = (struct send_req *)req;
	struct listener *l = req->handle->data;
	if (status < 0 && status != UV_ECANCELED) {
		l->srv->n_send_errors++;
		json_t *o = ev_new("send_error");
		json_object_set_new(o, "server", json_string(l->label));
		json_object_set_new(o, "error", json_string(uv_strerror(status)));
		emit(l->srv, o);
	}
	free(sr);
}

static int drain_errqueue(struct server *s, struct listener *l);

/* 0 when sent or queued (*queued says which), else a uv error. */
static int send_now(struct listener *l, const struct sockaddr *to, const uint8_t *buf, size_t len,
		    int *queued)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)len);
	*queued = 0;
	uint64_t t0 = sp_mono_ns(); /* on loopback the ICMP error comes back inside the send */
	int r = uv_udp_try_send(&l->udp, &b, 1, to);
	if (r < 0 &&
	    errqueue_send_retry(r)) { /* it reported an earlier ICMP error, not this send */
		/* The send cleared the socket error but not the queue entry behind it: read it
		 * now, or epoll keeps reporting the socket with nothing for recv to return. */
		drain_errqueue(l->srv, l);
		r = uv_udp_try_send(&l->udp, &b, 1, to);
	}
	if (r >= 0) {
		errqueue_note_sent(&l->srv->eq, to, buf, len, t0);
		return 0;
	}
	if (r != UV_EAGAIN)
		return r;
	struct send_req *sr = malloc(sizeof(*sr) + len);
	if (!sr)
		return UV_ENOMEM;
	memcpy(sr->buf, buf, len);
	sr->len = len;
	b = uv_buf_init((char *)sr->buf, (unsigned)len);
	r = uv_udp_send(&sr->req, &l->udp, &b, 1, to, on_sent);
	if (r < 0) {
		free(sr);
		return r;
	}
	*queued = 1;
	return 0;
}

static void conn_close(struct conn *c, const char *reason);
static void conn_release(struct conn *c);

static void on_tcp_written(uv_write_t *req, int status)
{
	free(req); /* the struct tcp_write: req is its first member */
}

/* One length-prefixed message (RFC 1035 4.2.2) onto the connection; libuv writes at once
 * when nothing is queued before it. */
static int tcp_send(struct conn *c, const uint8_t *buf, size_t len)
{
	if (c->closing)
		return UV_ECANCELED;
	struct tcp_write *w = malloc(sizeof(*w) + len + 2);
	if (!w)
		return UV_ENOMEM;
	w->buf[0] = (uint8_t)(len >> 8);
	w->buf[1] = (uint8_t)len;
	memcpy(w->buf + 2, buf, len);
	uv_buf_t b = uv_buf_init((char *)w->buf, (unsigned)len + 2);
	int r = uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_tcp_written);
	if (r < 0) {
		free(w);
		return r;
	}
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) > TCP_MAX_WRITE_QUEUE)
		conn_close(c, "client does not read its answers");
	return 0;
}

/* A decoy from a socket of its own: plain sendto, nothing is ever read there. */
static int send_from(int fd, const struct sockaddr *to, const uint8_t *buf, size_t len)
{
	if (fd < 0)
		return UV_EADDRNOTAVAIL;
	if (sendto(fd, buf, len, MSG_DONTWAIT, to, addr_len(to)) < 0)
		return -errno;
	return 0;
}

/* Sends one message of a query by the way it asks for. */
static int send_msg(struct server *s, struct listener *l, struct conn *c, enum answer_via via,
		    const struct sockaddr *to, const uint8_t *buf, size_t len, int *queued)
{
	*queued = 0;
	if (c)
		return tcp_send(c, buf, len);
	if (via == ANSWER_VIA_OTHER_PORT)
		return send_from(l->alt_fd, to, buf, len);
	if (via == ANSWER_VIA_OTHER_ADDR)
		return send_from(s->other_fd[to->sa_family == AF_INET6], to, buf, len);
	return send_now(l, to, buf, len, queued);
}

static void rearm(struct server *s)
{
	uint64_t due, at = 0;
	if (sched_peek(&s->q, &due, NULL))
		at = sched_wake_ns(due, s->cfg->spin_ns);
	if (at == s->armed_ns)
		return;
	if (sched_timer_arm(s->tfd, at) == 0)
		s->armed_ns = at;
}

/* A send that stops after the route lookup (MSG_PROBE emits nothing): after a long idle the
 * kernel's send path is cold, and warming it before the spin took about 6 us off the
 * answer's median lateness on the wire at 50 ms delays. */
static void warm_send_path(const struct pending *p)
{
	if (p->tcp)
		return;
	const struct sockaddr *to = (const struct sockaddr *)&p->to;
	ssize_t r = sendto(p->l->fd, p->buf, p->len, MSG_PROBE | MSG_DONTWAIT, to, addr_len(to));
	(void)r;
}

/* Asked on every turn of a spin while the answer is more than QUIET_NS off. It gives the
 * CPU to whatever else is runnable here first: a client that shares this CPU must be able to
 * send its next query, or the spin would change the very behaviour under test. Then it
 * stops the spin when a datagram waits on any socket: the loop reads it, and the spin
 * resumes after. */
static int query_waiting(void *arg)
{
	struct server *s = arg;
	sched_yield();
	return poll(s->pfd, (nfds_t)s->nl, 0) > 0;
}

/* Sends every answer due within the spin window, each at its nanosecond, in due order;
 * they are logged later, from the sent list. A query that comes in meanwhile interrupts the
 * wait, since its own answer may be due first: the timerfd is set to fire at once and the
 * loop serves the query before coming back. */
static void drain_due(struct server *s)
{
	for (;;) {
		uint64_t due;
		void *v;
		if (!sched_peek(&s->q, &due, &v) || due > sp_mono_ns() + s->cfg->spin_ns)
			break;
		struct pending *p = v;
		if (!p->warmed) {
			warm_send_path(p);
			p->warmed = 1;
		}
		uint64_t now = sched_spin_until(due, QUIET_NS, query_waiting, s);
		if (now == 0) {
			if (sched_timer_arm(s->tfd, 1) == 0)
				s->armed_ns = 1;
			return;
		}
		sched_pop(&s->q, NULL);
		p->sent_ns = now;
		p->err = send_msg(s, p->l, p->conn, p->via, (const struct sockaddr *)&p->to, p->buf,
				  p->len, &p->queued);
		p->send_ns = sp_mono_ns() - p->sent_ns;
		if (p->conn) {
			struct conn *c = p->conn;
			p->conn = NULL;
			c->npending--;
			conn_release(c);
		}
		p->next = NULL;
		if (s->sent_tail)
			s->sent_tail->next = p;
		else
			s->sent_head = p;
		s->sent_tail = p;
	}
	rearm(s);
}

static void flush_sent(struct server *s)
{
	while (s->sent_head) {
		struct pending *p = s->sent_head;
		s->sent_head = p->next;
		if (!s->sent_head)
			s->sent_tail = NULL;
		if (p->err)
			s->n_send_errors++;
		else
			s->n_answers++;
		log_answer(s, p->l, (const struct sockaddr *)&p->to, p->buf, p->len, p->due_ns,
			   p->sent_ns, p->delay_ns, p->send_ns, p->err, p->queued, p->rcode,
			   p->ancount, p->tcp, p->extra);
		free(p);
	}
}

static void on_timer(uv_poll_t *h, int status, int events)
{
	struct server *s = h->data;
	sched_timer_ack(s->tfd);
	s->armed_ns = 0; /* one-shot: it is disarmed now */
	drain_due(s);
	flush_sent(s);
}

/* ---- receiving ---- */

/* When the datagram arrived, from the socket's kernel timestamp (CLOCK_REALTIME, carried
 * over to CLOCK_MONOTONIC), so the wake-up latency of the loop does not add to the delay. */
static uint64_t recv_time(const struct listener *l)
{
	struct timespec ts;
	int ok = l->stamps && ioctl(l->fd, SIOCGSTAMPNS, &ts) == 0;
	/* Read back to back so that their offset carries the stamp across clocks. */
	uint64_t mono_now = sp_mono_ns(), real_now = sp_real_ns();
	if (!ok)
		return mono_now;
	uint64_t stamp = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (stamp > real_now || real_now - stamp > 1000000000u || real_now - stamp > mono_now)
		return mono_now; /* clock stepped or a stale stamp */
	return mono_now - (real_now - stamp);
}

static void log_query(struct server *s, const struct listener *l, const struct sockaddr *from,
		      const answer_t *a, uint64_t rx, int tcp)
{
	if (!s->cfg->log)
		return;
	json_t *o = ev_new("query");
	ev_mono(o, rx);
	json_object_set_new(o, "transport", json_string(tcp ? "tcp" : "udp"));
	ev_client(o, from);
	json_object_set_new(o, "server", json_string(l->label));
	ev_question(o, &a->q);
	if (DNS_OPCODE(a->q.h.flags) != 0)
		json_object_set_new(o, "opcode", json_integer(DNS_OPCODE(a->q.h.flags)));
	if (a->has_edns)
		json_object_set_new(o, "edns_size", json_integer(a->edns_size));
	if (a->has_dir) {
		static char d[DIRECTIVE_TEXT_MAX];
		if (directive_format(&a->dir, d, sizeof(d)) >= 0)
			json_object_set_new(o, "directives", json_string(d));
		if (a->dir.has_trial)
			json_object_set_new(o, "trial", json_integer((json_int_t)a->dir.trial));
	}
	emit(s, o);
}

static void log_reason(struct server *s, const char *event, const struct listener *l,
		       const struct sockaddr *from, const answer_t *a, size_t len, int tcp)
{
	json_t *o = ev_new(event);
	json_object_set_new(o, "transport", json_string(tcp ? "tcp" : "udp"));
	ev_client(o, from);
	json_object_set_new(o, "server", json_string(l->label));
	if (a->kind == ANSWER_BAD)
		json_object_set_new(o, "len", json_integer((json_int_t)len));
	else
		ev_question(o, &a->q);
	if (a->kind == ANSWER_FORMERR)
		ev_rcode(o, DNS_R_FORMERR);
	json_object_set_new(o, "reason", json_string(a->reason));
	emit(s, o);
}

static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return 0;
	if (b->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	const struct sockaddr_in *x = (const struct sockaddr_in *)a;
	const struct sockaddr_in *y = (const struct sockaddr_in *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

/* Conntrack-style loss: does this UDP 5-tuple (client address and port, this socket) still
 * hold an answer that has not left? Only names that ask for it pay for the scan. */
static int tuple_busy(const struct server *s, const struct listener *l, const struct sockaddr *from)
{
	for (size_t i = 0; i < s->q.n; i++) {
		const struct pending *p = s->q.v[i].data;
		if (!p->tcp && p->l == l && same_endpoint(&p->to, from))
			return 1;
	}
	return 0;
}

/* Queues msg[i] of the answer; 0 or a negative code (the heap is full, no memory). */
static int schedule(struct server *s, struct listener *l, struct conn *c, const struct sockaddr *to,
		    const answer_msg_t *m, uint64_t rx)
{
	struct pending *p = malloc(sizeof(*p));
	if (!p)
		return SP_ENOMEM;
	memset(p, 0, offsetof(struct pending, buf));
	p->l = l;
	p->conn = c;
	p->tcp = c != NULL;
	p->via = m->via;
	p->extra = m->extra;
	memcpy(&p->to, to, addr_len(to));
	p->delay_ns = m->delay_ns;
	p->due_ns = rx + m->delay_ns;
	p->rcode = m->rcode;
	p->ancount = m->ancount;
	p->len = m->len;
	memcpy(p->buf, m->buf, m->len);
	int rc = sched_push(&s->q, p->due_ns, p);
	if (rc < 0) {
		free(p);
		return rc;
	}
	if (c)
		c->npending++;
	return 0;
}

/* One query from a datagram (c NULL) or a TCP message (c its connection). */
static void handle_query(struct server *s, struct listener *l, struct conn *c, const uint8_t *pkt,
			 size_t len, const struct sockaddr *from)
{
	uint64_t rx = c ? sp_mono_ns() : recv_time(l), limited;
	answer_t *a = &s->ans;
	int tcp = c != NULL;
	enum ratelimit_verdict rl = ratelimit_check(&s->rl, from, rx, &limited);
	if (rl != RATELIMIT_PASS) {
		if (rl == RATELIMIT_DROP_LOG) {
			json_t *o = ev_new("rate_limited");
			ev_client(o, from);
			json_object_set_new(o, "server", json_string(l->label));
			json_object_set_new(o, "dropped", json_integer((json_int_t)limited));
			emit(s, o);
		}
		return;
	}
	answer_ctx_t ctx = {
	    .zone = &s->cfg->zone, .server = l->server, .transport = tcp ? ANSWER_TCP : ANSWER_UDP};
	int err = answer_make(pkt, len, &ctx, a);
	if (err < 0) {
		json_t *o = ev_new("error");
		ev_client(o, from);
		json_object_set_new(o, "reason", json_string(sp_strerror(err)));
		emit(s, o);
		return;
	}
	if (a->kind == ANSWER_BAD) {
		s->n_bad++;
		log_reason(s, "bad_query", l, from, a, len, tcp);
		return;
	}
	if (a->kind == ANSWER_IGNORE) {
		s->n_ignored++;
		log_reason(s, "ignored", l, from, a, len, tcp);
		return;
	}
	if (a->kind == ANSWER_FORMERR)
		s->n_bad++;
	else
		s->n_queries++;
	if (c)
		c->nqueries++;

	if (a->kind == ANSWER_SEND && a->ctloss && tuple_busy(s, l, from)) {
		a->kind = ANSWER_DROP;
		a->nmsg = 0;
		snprintf(a->reason, sizeof(a->reason),
			 "ctloss: the 5-tuple still holds an unanswered query");
	}
	if (a->kind == ANSWER_SEND && c && c->npending + (unsigned)a->nmsg > TCP_MAX_PENDING) {
		a->kind = ANSWER_DROP;
		a->nmsg = 0;
		snprintf(a->reason, sizeof(a->reason),
			 "too many pending answers on this connection");
	}

	/* Messages due at once leave now, in order; the rest wait in the heap. */
	uint64_t sent_ns[ANSWER_MAX_MSGS] = {0}, send_ns[ANSWER_MAX_MSGS] = {0};
	int serr[ANSWER_MAX_MSGS] = {0}, queued[ANSWER_MAX_MSGS] = {0};
	int nnow = 0, delayed = 0;
	for (int i = 0; i < a->nmsg; i++) {
		const answer_msg_t *m = &a->msg[i];
		if (m->delay_ns == 0 && !delayed) {
			sent_ns[i] = sp_mono_ns();
			serr[i] = send_msg(s, l, c, m->via, from, m->buf, m->len, &queued[i]);
			send_ns[i] = sp_mono_ns() - sent_ns[i];
			nnow = i + 1;
			continue;
		}
		delayed = 1;
		int perr = schedule(s, l, c, from, m, rx);
		if (perr < 0) {
			/* What could not be queued is not sent; what was queued still is. */
			if (i == 0)
				a->kind = ANSWER_DROP;
			a->nmsg = i;
			snprintf(a->reason, sizeof(a->reason), "%s",
				 perr == SP_ENOSPACE ? "too many pending answers"
						     : sp_strerror(perr));
			break;
		}
	}
	if (delayed)
		drain_due(s);

	if (a->kind != ANSWER_FORMERR)
		log_query(s, l, from, a, rx, tcp);
	if (a->kind == ANSWER_DROP) {
		s->n_drops++;
		log_reason(s, "drop", l, from, a, len, tcp);
	} else if (a->kind == ANSWER_REFUSED) {
		s->n_refused++;
		json_t *o = ev_new("refused");
		ev_mono(o, sent_ns[0]);
		json_object_set_new(o, "transport", json_string(tcp ? "tcp" : "udp"));
		ev_client(o, from);
		json_object_set_new(o, "server", json_string(l->label));
		ev_question(o, &a->q);
		json_object_set_new(o, "reason", json_string(a->reason));
		if (serr[0]) {
			json_object_set_new(o, "error", json_string(uv_strerror(serr[0])));
			s->n_send_errors++;
		}
		emit(s, o);
	} else if (a->kind == ANSWER_FORMERR) {
		log_reason(s, "bad_query", l, from, a, len, tcp);
		if (serr[0])
			s->n_send_errors++;
	} else {
		for (int i = 0; i < nnow; i++) {
			const answer_msg_t *m = &a->msg[i];
			if (serr[i])
				s->n_send_errors++;
			else
				s->n_answers++;
			log_answer(s, l, from, m->buf, m->len, rx, sent_ns[i], 0, send_ns[i],
				   serr[i], queued[i], m->rcode, m->ancount, tcp, m->extra);
		}
	}
	flush_sent(s);
}

/* Logs every entry waiting in the socket's error queue; returns how many. */
static int drain_errqueue(struct server *s, struct listener *l)
{
	errqueue_event_t ev;
	int n = 0;
	while (errqueue_read(&s->eq, l->fd, &ev) > 0) {
		n++;
		s->n_icmp += ev.icmp;
		json_t *o = ev_new(ev.icmp ? "icmp" : "errqueue");
		ev_mono(o, ev.at_ns);
		json_object_set_new(o, "server", json_string(l->label));
		errqueue_json(&ev, o);
		emit(s, o);
	}
	return n;
}

static char rxbuf[65536];

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	*buf = uv_buf_init(rxbuf, sizeof(rxbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct listener *l = h->data;
	struct server *s = l->srv;
	if (s->stopping)
		return;
	if (nread == 0 && !from) {
		/* Nothing to read, yet the socket was reported: an error-queue entry whose
		 * socket error an earlier send already consumed. */
		drain_errqueue(s, l);
		return;
	}
	if (nread < 0 && drain_errqueue(s, l) > 0)
		return; /* an ICMP error for an answer (IP_RECVERR), now logged */
	if (nread < 0) {
		json_t *o = ev_new("recv_error");
		json_object_set_new(o, "server", json_string(l->label));
		json_object_set_new(o, "error", json_string(uv_strerror((int)nread)));
		emit(s, o);
		return;
	}
	handle_query(s, l, NULL, (const uint8_t *)buf->base, (size_t)nread, from);
}

/* ---- TCP (RFC 7766): length-prefixed queries, pipelined, each answered when due ---- */

static void log_conn(struct server *s, const char *event, const struct conn *c, const char *reason)
{
	json_t *o = ev_new(event);
	ev_client(o, (const struct sockaddr *)&c->peer);
	json_object_set_new(o, "server", json_string(c->l->label));
	if (reason) {
		json_object_set_new(o, "queries", json_integer((json_int_t)c->nqueries));
		json_object_set_new(o, "reason", json_string(reason));
	}
	emit(s, o);
}

/* Frees the connection once libuv is done with it and no pending answer points to it. */
static void conn_release(struct conn *c)
{
	if (c->handles == 0 && c->npending == 0 && c->closing)
		free(c);
	else if (c->eof && c->npending == 0 && !c->closing)
		conn_close(c, "client closed");
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->handles--;
	conn_release(c);
}

static void conn_close(struct conn *c, const char *reason)
{
	if (c->closing)
		return;
	struct server *s = c->srv;
	c->closing = 1;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	log_conn(s, "tcp_close", c, reason);
	uv_close((uv_handle_t *)&c->h, on_conn_closed);
	uv_close((uv_handle_t *)&c->idle, on_conn_closed);
}

static void on_idle(uv_timer_t *t)
{
	struct conn *c = t->data;
	/* An answer still to come keeps the connection: the client is waiting for it. */
	if (c->npending > 0)
		uv_timer_start(&c->idle, on_idle, c->srv->cfg->tcp_idle_ms, 0);
	else
		conn_close(c, "idle timeout");
}

static void on_conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	*buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(sizeof(c->rbuf) - c->rlen));
}

static void on_conn_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = h->data;
	struct server *s = c->srv;
	if (s->stopping || c->closing)
		return;
	if (nread < 0) {
		if (nread != UV_EOF) {
			conn_close(c, uv_strerror((int)nread));
			return;
		}
		/* A half-close still gets the answers it is owed (RFC 7766 6.2.4). */
		c->eof = 1;
		uv_read_stop(h);
		conn_release(c);
		return;
	}
	c->rlen += (size_t)nread;
	uv_timer_start(&c->idle, on_idle, s->cfg->tcp_idle_ms, 0);
	for (;;) {
		size_t n = 0;
		int rc = answer_tcp_frame(c->rbuf, c->rlen, ANSWER_TCP_MAX_QUERY, &n);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* No way to skip a message this long safely: the stream is lost. */
			wire_t w;
			wire_init(&w, c->rbuf, c->rlen);
			unsigned announced = wire_u16(&w);
			s->n_bad++;
			json_t *o = ev_new("bad_query");
			json_object_set_new(o, "transport", json_string("tcp"));
			ev_client(o, (const struct sockaddr *)&c->peer);
			json_object_set_new(o, "server", json_string(c->l->label));
			json_object_set_new(o, "len", json_integer(announced));
			char why[96];
			snprintf(why, sizeof(why), "TCP length %u over the limit of %d bytes",
				 announced, ANSWER_TCP_MAX_QUERY);
			json_object_set_new(o, "reason", json_string(why));
			emit(s, o);
			conn_close(c, "oversized length");
			return;
		}
		handle_query(s, c->l, c, c->rbuf + 2, n, (const struct sockaddr *)&c->peer);
		if (c->closing)
			return;
		memmove(c->rbuf, c->rbuf + 2 + n, c->rlen - 2 - n);
		c->rlen -= 2 + n;
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	struct server *s = l->srv;
	if (status < 0 || s->stopping)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return; /* the connection waits in the backlog; the next try may have memory */
	c->srv = s;
	c->l = l;
	uv_tcp_init(&s->loop, &c->h);
	uv_timer_init(&s->loop, &c->idle);
	c->h.data = c->idle.data = c;
	c->handles = 2;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	int r = uv_accept(server, (uv_stream_t *)&c->h);
	int plen = sizeof(c->peer);
	if (r == 0)
		r = uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer, &plen);
	if (r < 0) {
		conn_close(c, uv_strerror(r));
		return;
	}
	s->n_tcp++;
	log_conn(s, "tcp_open", c, NULL);
	if (s->nconns > TCP_MAX_CONNS) {
		conn_close(c, "too many connections");
		return;
	}
	uv_tcp_nodelay(&c->h, 1);
	uv_timer_start(&c->idle, on_idle, s->cfg->tcp_idle_ms, 0);
	r = uv_read_start((uv_stream_t *)&c->h, on_conn_alloc, on_conn_read);
	if (r < 0)
		conn_close(c, uv_strerror(r));
}

/* ---- start and stop ---- */

static void close_all(struct server *s)
{
	for (int i = 0; i < s->nl; i++) {
		if (!uv_is_closing((uv_handle_t *)&s->l[i].udp))
			uv_close((uv_handle_t *)&s->l[i].udp, NULL);
		if (s->l[i].tcp_open && !uv_is_closing((uv_handle_t *)&s->l[i].tcp))
			uv_close((uv_handle_t *)&s->l[i].tcp, NULL);
	}
	while (s->conns)
		conn_close(s->conns, "fakens stopping");
	if (s->poll_open && !uv_is_closing((uv_handle_t *)&s->poll))
		uv_close((uv_handle_t *)&s->poll, NULL);
	if (s->flush_open && !uv_is_closing((uv_handle_t *)&s->flush)) {
		flush_log(&s->flush);
		uv_close((uv_handle_t *)&s->flush, NULL);
	}
	for (int i = 0; i < s->nsig; i++)
		if (!uv_is_closing((uv_handle_t *)&s->sig[i]))
			uv_close((uv_handle_t *)&s->sig[i], NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct server *s = h->data;
	if (s->stopping)
		return;
	flush_sent(s);
	s->stopping = 1;
	uint64_t discarded = 0;
	void *p;
	while ((p = sched_pop(&s->q, NULL)) != NULL) {
		struct pending *pp = p;
		if (pp->conn)
			pp->conn->npending--;
		free(p);
		discarded++;
	}
	json_t *o = ev_new("stop");
	json_object_set_new(o, "signal", json_string(signum == SIGINT ? "SIGINT" : "SIGTERM"));
	json_object_set_new(o, "queries", json_integer((json_int_t)s->n_queries));
	json_object_set_new(o, "answers", json_integer((json_int_t)s->n_answers));
	json_object_set_new(o, "drops", json_integer((json_int_t)s->n_drops));
	json_object_set_new(o, "refused", json_integer((json_int_t)s->n_refused));
	json_object_set_new(o, "bad_queries", json_integer((json_int_t)s->n_bad));
	json_object_set_new(o, "ignored", json_integer((json_int_t)s->n_ignored));
	json_object_set_new(o, "send_errors", json_integer((json_int_t)s->n_send_errors));
	json_object_set_new(o, "tcp_connections", json_integer((json_int_t)s->n_tcp));
	json_object_set_new(o, "icmp", json_integer((json_int_t)s->n_icmp));
	json_object_set_new(o, "rate_limited", json_integer((json_int_t)s->rl.dropped));
	json_object_set_new(o, "pending_discarded", json_integer((json_int_t)discarded));
	emit(s, o);
	close_all(s);
}

static const char *bind_hint(int err)
{
	switch (err) {
	case UV_EADDRINUSE:
		return "stop the other server or choose another address with --listen";
	case UV_EACCES:
		return "run as root (or with CAP_NET_BIND_SERVICE) or choose a port above 1023 "
		       "with --listen";
	case UV_EADDRNOTAVAIL:
		return "the address is not configured on this host; choose one of its addresses "
		       "with --listen";
	case UV_EAFNOSUPPORT:
		return "this host does not have that address family; choose another address "
		       "with --listen";
	default:
		return "choose another address with --listen";
	}
}

/* A UDP socket bound to addr (port 0 for any), for decoys from another source. Returns the
 * descriptor or -errno. */
static int open_other(const struct sockaddr *addr)
{
	int fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, addr, addr_len(addr)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* TCP on the address and port the UDP socket got, so both transports are one server. */
static int open_tcp(struct server *s, struct listener *l, const struct sockaddr *got)
{
	int r = uv_tcp_init_ex(&s->loop, &l->tcp, got->sa_family);
	if (r == 0) {
		l->tcp_open = 1;
		l->tcp.data = l;
		r = uv_tcp_bind(&l->tcp, got, got->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	}
	if (r == 0)
		r = uv_listen((uv_stream_t *)&l->tcp, TCP_BACKLOG, on_connection);
	if (r < 0) {
		fprintf(stderr, "fakens: cannot listen on TCP %s: %s; %s (or give --no-tcp)\n",
			l->label, uv_strerror(r), bind_hint(r));
		return -1;
	}
	return 0;
}

static int open_listener(struct server *s, const struct sockaddr *sa, int server)
{
	struct listener *l = &s->l[s->nl];
	char want[64];
	fakens_addr_text(sa, want, sizeof(want));
	memset(l, 0, sizeof(*l));
	l->srv = s;
	l->server = server;
	l->alt_fd = -1;
	int r = uv_udp_init_ex(&s->loop, &l->udp, sa->sa_family);
	if (r == 0) {
		s->nl++;
		l->udp.data = l;
		/* Separate v4 and v6 sockets: [::] must not take 0.0.0.0's datagrams. */
		r = uv_udp_bind(&l->udp, sa, sa->sa_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0);
	}
	if (r < 0) {
		fprintf(stderr, "fakens: cannot listen on %s: %s; %s\n", want, strerror(-r),
			bind_hint(r));
		return -1;
	}
	uv_os_fd_t fd;
	uv_fileno((uv_handle_t *)&l->udp, &fd);
	l->fd = fd;
	s->pfd[s->nl - 1] = (struct pollfd){.fd = fd, .events = POLLIN};
	struct sockaddr_storage got;
	int glen = sizeof(got);
	if (uv_udp_getsockname(&l->udp, (struct sockaddr *)&got, &glen) == 0)
		fakens_addr_text((struct sockaddr *)&got, l->label, sizeof(l->label));
	else
		snprintf(l->label, sizeof(l->label), "%s", want);
	/* The first SIOCGSTAMPNS turns the socket's receive timestamps on and fails with
	 * ENOENT (nothing received yet); any other failure means this kernel has none. */
	struct timespec ts;
	l->stamps = ioctl(l->fd, SIOCGSTAMPNS, &ts) == 0 || errno == ENOENT;
	/* Room for bursts: a client with hundreds of queries in flight overflows the default
	 * 208 KiB, and every query dropped there costs it a timeout. FORCE works as root, before
	 * the drop; otherwise the kernel's rmem_max caps it. */
	int rcvbuf = 4 << 20;
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	r = errqueue_enable(l->fd, sa->sa_family);
	if (r < 0) {
		fprintf(stderr, "fakens: cannot turn on ICMP error reports on %s: %s\n", l->label,
			strerror(-r));
		return -1;
	}
	r = uv_udp_recv_start(&l->udp, on_alloc, on_recv);
	if (r < 0) {
		fprintf(stderr, "fakens: cannot receive on %s: %s; %s\n", l->label, uv_strerror(r),
			bind_hint(r));
		return -1;
	}
	struct sockaddr_storage alt = got;
	if (alt.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&alt)->sin6_port = 0;
	else
		((struct sockaddr_in *)&alt)->sin_port = 0;
	l->alt_fd = open_other((const struct sockaddr *)&alt);
	if (l->alt_fd < 0) {
		fprintf(stderr, "fakens: cannot open a second socket on %s: %s\n", l->label,
			strerror(-l->alt_fd));
		return -1;
	}
	if (s->cfg->tcp && open_tcp(s, l, (const struct sockaddr *)&got) < 0)
		return -1;
	return 0;
}

static int start(struct server *s)
{
	for (int i = 0; i < s->cfg->nlisten; i++)
		if (open_listener(s, (const struct sockaddr *)&s->cfg->listen[i],
				  s->cfg->listen_server[i]) < 0)
			return -1;
	for (int f = 0; f < 2; f++) {
		const struct sockaddr *o = (const struct sockaddr *)&s->cfg->other_source[f];
		if (o->sa_family == AF_UNSPEC)
			continue;
		s->other_fd[f] = open_other(o);
		if (s->other_fd[f] < 0 && s->cfg->other_source_given[f]) {
			char t[64];
			fakens_addr_text(o, t, sizeof(t));
			fprintf(stderr,
				"fakens: cannot send from --other-source %s: %s; give an address "
				"of this host\n",
				t, strerror(-s->other_fd[f]));
			return -1;
		}
	}

	s->tfd = sched_timer_open();
	if (s->tfd < 0) {
		fprintf(stderr,
			"fakens: cannot create a timer: %s; this kernel needs timerfd "
			"support (Linux 2.6.25 or later)\n",
			strerror(-s->tfd));
		return -1;
	}
	int r = uv_poll_init(&s->loop, &s->poll, s->tfd);
	if (r == 0) {
		s->poll_open = 1;
		s->poll.data = s;
		r = uv_poll_start(&s->poll, UV_READABLE, on_timer);
	}
	if (r < 0) {
		fprintf(stderr, "fakens: cannot watch the timer: %s\n", uv_strerror(r));
		return -1;
	}

	uv_prepare_init(&s->loop, &s->flush);
	s->flush_open = 1;
	s->flush.data = s;
	uv_prepare_start(&s->flush, flush_log);

	static const int signums[2] = {SIGINT, SIGTERM};
	for (int i = 0; i < 2; i++) {
		uv_signal_init(&s->loop, &s->sig[i]);
		s->nsig++;
		s->sig[i].data = s;
		r = uv_signal_start(&s->sig[i], on_signal, signums[i]);
		if (r < 0) {
			fprintf(stderr, "fakens: cannot catch signals: %s\n", uv_strerror(r));
			return -1;
		}
	}

	/* Every socket is bound by now: root is no longer needed. */
	if (privdrop_apply(s->cfg->user, s->cfg->uid, s->cfg->gid, s->priv, sizeof(s->priv)) < 0) {
		fprintf(stderr,
			"fakens: cannot drop root privileges to user '%s': %s; give another "
			"user with --user\n",
			s->cfg->user, s->priv);
		return -1;
	}
	/* Where root stays (--user root, a user namespace that refuses the drop), or a
	 * non-root fakens was given capabilities, they go now: every socket is bound, and with
	 * them it could still capture in the lab it serves. */
	uint64_t eff = 0, prm = 0, bnd = 0;
	if (caps_get(&eff, &prm, &bnd) < 0 || eff || prm) {
		int rc = caps_drop_all();
		if (rc < 0) {
			fprintf(stderr,
				"fakens: cannot give up capabilities after binding: %s; "
				"run fakens as root or as an ordinary user\n",
				sp_strerror(rc));
			return -1;
		}
		size_t n = strlen(s->priv);
		snprintf(s->priv + n, sizeof(s->priv) - n, "; capabilities dropped");
	}

	json_t *o = ev_new("start");
	json_object_set_new(o, "version", json_string(SP_VERSION));
	json_object_set_new(o, "zone", json_string(s->cfg->zone_text));
	json_t *ls = json_array();
	for (int i = 0; i < s->nl; i++)
		json_array_append_new(ls, json_string(s->l[i].label));
	json_object_set_new(o, "listen", ls);
	json_t *nums = json_array();
	for (int i = 0; i < s->nl; i++)
		json_array_append_new(nums, json_integer(s->l[i].server));
	json_object_set_new(o, "servers", nums);
	json_object_set_new(o, "tcp", json_boolean(s->cfg->tcp));
	json_object_set_new(o, "spin_us", json_integer((json_int_t)(s->cfg->spin_ns / 1000)));
	json_object_set_new(o, "rate_limit", json_integer(s->cfg->rate_limit));
	json_object_set_new(o, "rate_burst", json_integer(s->cfg->rate_burst));
	json_object_set_new(o, "privileges", json_string(s->priv));
	emit(s, o);

	if (s->cfg->ready_fd >= 0) {
		int rc = sp_ready_signal(s->cfg->ready_fd);
		if (rc < 0) {
			fprintf(stderr,
				"fakens: cannot write to --ready-fd %d: %s; pass a descriptor "
				"open for writing\n",
				s->cfg->ready_fd, sp_strerror(rc));
			return -1;
		}
	}
	return 0;
}

int fakens_run(const fakens_config_t *cfg)
{
	static struct server srv; /* large (the answer buffer); one per process */
	struct server *s = &srv;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->tfd = -1;
	s->other_fd[0] = s->other_fd[1] = -1;
	sched_init(&s->q, FAKENS_MAX_PENDING);
	errqueue_init(&s->eq);
	ratelimit_init(&s->rl, cfg->rate_limit, cfg->rate_burst);
	int r = uv_loop_init(&s->loop);
	if (r < 0) {
		fprintf(stderr, "fakens: cannot start the event loop: %s\n", uv_strerror(r));
		return 2;
	}
	int status = 0;
	if (start(s) < 0) {
		status = 2;
		s->stopping = 1;
		close_all(s);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	if (s->tfd >= 0)
		close(s->tfd);
	void *p;
	while ((p = sched_pop(&s->q, NULL)) != NULL)
		free(p);
	sched_free(&s->q);
	for (int i = 0; i < s->nl; i++)
		if (s->l[i].alt_fd >= 0)
			close(s->l[i].alt_fd);
	for (int f = 0; f < 2; f++)
		if (s->other_fd[f] >= 0)
			close(s->other_fd[f]);
	return status;
}
