/* fakens server loop: receives queries, sends answers at their due nanosecond, logs events. */
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
#include <unistd.h>
#include <uv.h>

#include "answer.h"
#include "cli.h"
#include "err.h"
#include "sched.h"
#include "sp_config.h"
#include "timeutil.h"

/* A query that arrives while an answer is being waited for is served first when the answer
 * is more than this far off: serving it (parse, send, no log) takes 10-20 us. */
#define QUIET_NS 25000u

#ifndef MSG_PROBE /* Linux's, not in glibc's headers */
#define MSG_PROBE 0x10
#endif

struct server;

struct listener {
	uv_udp_t udp;
	struct server *srv;
	int fd;
	int stamps; /* 1 when the kernel keeps a receive time for this socket */
	char label[64];
};

/* A delayed answer: everything needed to send it and, afterwards, to log it. */
struct pending {
	struct pending *next; /* in the sent list, waiting to be logged */
	struct listener *l;
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
	answer_t ans; /* one at a time: the loop is single-threaded */
	uint64_t n_queries, n_answers, n_drops, n_refused, n_bad, n_ignored, n_send_errors;
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
		if (fflush(f) != 0 && !s->log_failed) {
			s->log_failed = 1;
			fprintf(stderr,
				"fakens: cannot write the log: %s; still serving, but "
				"events are being lost\n",
				strerror(errno));
		}
	}
	json_decref(o);
}

static void log_answer(struct server *s, const struct listener *l, const struct sockaddr *to,
		       const uint8_t *buf, size_t len, uint64_t due_ns, uint64_t sent_ns,
		       uint64_t delay_ns, uint64_t send_ns, int err, int queued, unsigned rcode,
		       uint16_t ancount)
{
	dns_msg_t m;
	json_t *o = ev_new(err ? "send_error" : "answer");
	ev_mono(o, sent_ns);
	ev_client(o, to);
	json_object_set_new(o, "server", json_string(l->label));
	if (dns_parse(buf, len, &m) == 0)
		ev_question(o, &m);
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

/* 0 when sent or queued (*queued says which), else a uv error. */
static int send_now(struct listener *l, const struct sockaddr *to, const uint8_t *buf, size_t len,
		    int *queued)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)len);
	*queued = 0;
	int r = uv_udp_try_send(&l->udp, &b, 1, to);
	if (r >= 0)
		return 0;
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
 * kernel's send path is cold, and warming it before the spin takes about 6 us off the
 * answer's lateness on the wire (docs/fakens.md). */
static void warm_send_path(const struct pending *p)
{
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
		p->err =
		    send_now(p->l, (const struct sockaddr *)&p->to, p->buf, p->len, &p->queued);
		p->send_ns = sp_mono_ns() - p->sent_ns;
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
			   p->ancount);
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
		      const answer_t *a, uint64_t rx)
{
	json_t *o = ev_new("query");
	ev_mono(o, rx);
	json_object_set_new(o, "transport", json_string("udp"));
	ev_client(o, from);
	json_object_set_new(o, "server", json_string(l->label));
	ev_question(o, &a->q);
	if (DNS_OPCODE(a->q.h.flags) != 0)
		json_object_set_new(o, "opcode", json_integer(DNS_OPCODE(a->q.h.flags)));
	if (a->has_dir) {
		char d[512];
		if (directive_format(&a->dir, d, sizeof(d)) >= 0)
			json_object_set_new(o, "directives", json_string(d));
		if (a->dir.has_trial)
			json_object_set_new(o, "trial", json_integer((json_int_t)a->dir.trial));
	}
	emit(s, o);
}

static void log_reason(struct server *s, const char *event, const struct listener *l,
		       const struct sockaddr *from, const answer_t *a, size_t len)
{
	json_t *o = ev_new(event);
	ev_client(o, from);
	json_object_set_new(o, "server", json_string(l->label));
	if (a->kind == ANSWER_BAD)
		json_object_set_new(o, "len", json_integer((json_int_t)len));
	else
		ev_question(o, &a->q);
	json_object_set_new(o, "reason", json_string(a->reason));
	emit(s, o);
}

static void handle_query(struct server *s, struct listener *l, const uint8_t *pkt, size_t len,
			 const struct sockaddr *from)
{
	uint64_t rx = recv_time(l);
	answer_t *a = &s->ans;
	int err = answer_make(pkt, len, &s->cfg->zone, a);
	if (err < 0) {
		json_t *o = ev_new("error");
		ev_client(o, from);
		json_object_set_new(o, "reason", json_string(sp_strerror(err)));
		emit(s, o);
		return;
	}
	if (a->kind == ANSWER_BAD) {
		s->n_bad++;
		log_reason(s, "bad_query", l, from, a, len);
		return;
	}
	if (a->kind == ANSWER_IGNORE) {
		s->n_ignored++;
		log_reason(s, "ignored", l, from, a, len);
		return;
	}
	s->n_queries++;

	int now = a->kind == ANSWER_REFUSED || (a->kind == ANSWER_SEND && a->delay_ns == 0);
	uint64_t sent_ns = 0, send_ns = 0;
	int serr = 0, queued = 0;
	if (now) {
		sent_ns = sp_mono_ns();
		serr = send_now(l, from, a->buf, a->len, &queued);
		send_ns = sp_mono_ns() - sent_ns;
	} else if (a->kind == ANSWER_SEND) {
		struct pending *p = malloc(sizeof(*p));
		int perr = p ? 0 : SP_ENOMEM;
		if (p) {
			memset(p, 0, offsetof(struct pending, buf));
			p->l = l;
			memcpy(&p->to, from, addr_len(from));
			p->delay_ns = a->delay_ns;
			p->due_ns = rx + a->delay_ns;
			p->rcode = a->rcode;
			p->ancount = a->ancount;
			p->len = a->len;
			memcpy(p->buf, a->buf, a->len);
			perr = sched_push(&s->q, p->due_ns, p);
			if (perr < 0)
				free(p);
		}
		if (perr < 0) {
			a->kind = ANSWER_DROP;
			snprintf(a->reason, sizeof(a->reason), "%s",
				 perr == SP_ENOSPACE ? "too many pending answers"
						     : sp_strerror(perr));
		}
		drain_due(s);
	}

	log_query(s, l, from, a, rx);
	if (a->kind == ANSWER_DROP) {
		s->n_drops++;
		log_reason(s, "drop", l, from, a, len);
	} else if (a->kind == ANSWER_REFUSED) {
		s->n_refused++;
		json_t *o = ev_new("refused");
		ev_mono(o, sent_ns);
		ev_client(o, from);
		json_object_set_new(o, "server", json_string(l->label));
		ev_question(o, &a->q);
		json_object_set_new(o, "reason", json_string(a->reason));
		if (serr)
			json_object_set_new(o, "error", json_string(uv_strerror(serr)));
		emit(s, o);
	} else if (now) {
		if (serr)
			s->n_send_errors++;
		else
			s->n_answers++;
		log_answer(s, l, from, a->buf, a->len, rx, sent_ns, 0, send_ns, serr, queued,
			   a->rcode, a->ancount);
	}
	flush_sent(s);
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
	if (s->stopping || (nread == 0 && !from))
		return;
	if (nread < 0) {
		json_t *o = ev_new("recv_error");
		json_object_set_new(o, "server", json_string(l->label));
		json_object_set_new(o, "error", json_string(uv_strerror((int)nread)));
		emit(s, o);
		return;
	}
	handle_query(s, l, (const uint8_t *)buf->base, (size_t)nread, from);
}

/* ---- start and stop ---- */

static void close_all(struct server *s)
{
	for (int i = 0; i < s->nl; i++)
		if (!uv_is_closing((uv_handle_t *)&s->l[i].udp))
			uv_close((uv_handle_t *)&s->l[i].udp, NULL);
	if (s->poll_open && !uv_is_closing((uv_handle_t *)&s->poll))
		uv_close((uv_handle_t *)&s->poll, NULL);
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

static int open_listener(struct server *s, const struct sockaddr *sa)
{
	struct listener *l = &s->l[s->nl];
	char want[64];
	fakens_addr_text(sa, want, sizeof(want));
	memset(l, 0, sizeof(*l));
	l->srv = s;
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
	r = uv_udp_recv_start(&l->udp, on_alloc, on_recv);
	if (r < 0) {
		fprintf(stderr, "fakens: cannot receive on %s: %s; %s\n", l->label, uv_strerror(r),
			bind_hint(r));
		return -1;
	}
	return 0;
}

static int start(struct server *s)
{
	for (int i = 0; i < s->cfg->nlisten; i++)
		if (open_listener(s, (const struct sockaddr *)&s->cfg->listen[i]) < 0)
			return -1;

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

	json_t *o = ev_new("start");
	json_object_set_new(o, "version", json_string(SP_VERSION));
	json_object_set_new(o, "zone", json_string(s->cfg->zone_text));
	json_t *ls = json_array();
	for (int i = 0; i < s->nl; i++)
		json_array_append_new(ls, json_string(s->l[i].label));
	json_object_set_new(o, "listen", ls);
	json_object_set_new(o, "spin_us", json_integer((json_int_t)(s->cfg->spin_ns / 1000)));
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
	sched_init(&s->q, FAKENS_MAX_PENDING);
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
	return status;
}
