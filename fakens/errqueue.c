/* fakens's error-queue witness: ICMP errors for its answers, read back from its own sockets. */
#include "errqueue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <uv.h>

#include "dissect.h"
#include "err.h"
#include "timeutil.h"

/* Room for a 512-byte answer as quoted (ICMPv4 quotes up to 576 bytes in all) and more. */
#define QUOTE_MAX 1280

void errqueue_init(errqueue_t *q) { memset(q, 0, sizeof(*q)); }

int errqueue_enable(int fd, int family)
{
	int on = 1;
	int r = family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on))
				   : setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	return r < 0 ? -errno : 0;
}

int errqueue_send_retry(int err)
{
	/* uv errors are negative errnos on Linux, so one test covers both. */
	return err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -ENETUNREACH ||
	       err == -EHOSTDOWN || err == -EPROTO;
}

void errqueue_note_sent(errqueue_t *q, const struct sockaddr *to, const uint8_t *buf, size_t len,
			uint64_t sent_ns)
{
	dns_msg_t m;
	errqueue_sent_t *e = &q->ring[q->next];
	if (dns_parse(buf, len, &m) < 0 || sp_sockaddr_split(to, &e->family, &e->port, e->addr) < 0)
		return;
	e->id = m.h.id;
	e->qtype = m.has_question ? m.q.qtype : 0;
	e->sent_ns = sent_ns ? sent_ns : 1;
	q->next = (q->next + 1) % ERRQUEUE_RING;
}

/* The newest answer to (client, id, qtype), or 0. */
static uint64_t find_sent(const errqueue_t *q, const errqueue_event_t *ev)
{
	uint16_t family, port;
	uint8_t addr[16];
	if (!ev->has_client || !ev->has_answer ||
	    sp_sockaddr_split((const struct sockaddr *)&ev->client, &family, &port, addr) < 0)
		return 0;
	uint16_t qtype = ev->answer.has_question ? ev->answer.q.qtype : 0;
	for (size_t k = 1; k <= ERRQUEUE_RING; k++) {
		const errqueue_sent_t *e = &q->ring[(q->next + ERRQUEUE_RING - k) % ERRQUEUE_RING];
		if (e->sent_ns == 0)
			break; /* the ring has not wrapped yet: nothing older */
		if (e->id == ev->answer.h.id && e->qtype == qtype && e->port == port &&
		    e->family == family && memcmp(e->addr, addr, 16) == 0)
			return e->sent_ns;
	}
	return 0;
}

/* Copies a socket address of known family out of kernel-supplied bytes; 0 when unknown. */
static int copy_addr(const void *p, size_t len, struct sockaddr_storage *out)
{
	sa_family_t fam;
	if (len < sizeof(fam))
		return 0;
	memcpy(&fam, p, sizeof(fam));
	size_t need = fam == AF_INET    ? sizeof(struct sockaddr_in)
		      : fam == AF_INET6 ? sizeof(struct sockaddr_in6)
					: 0;
	if (need == 0 || len < need)
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(out, p, need);
	return 1;
}

int errqueue_parse(const struct msghdr *mh, const uint8_t *data, size_t datalen,
		   errqueue_event_t *ev)
{
	memset(ev, 0, sizeof(*ev));
	int found = 0;
	/* CMSG_NXTHDR takes a non-const msghdr; it only reads it. */
	struct msghdr *m = (struct msghdr *)(uintptr_t)mh;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		int ours = (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR);
		size_t have = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
		struct sock_extended_err ee;
		if (!ours || have < sizeof(ee))
			continue;
		const uint8_t *p = CMSG_DATA(c);
		memcpy(&ee, p, sizeof(ee));
		ev->origin = ee.ee_origin;
		ev->icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
		ev->ee_errno = (int)ee.ee_errno;
		ev->icmp_type = ee.ee_type;
		ev->icmp_code = ee.ee_code;
		/* The offender address follows the structure (SO_EE_OFFENDER). */
		ev->has_offender = copy_addr(p + sizeof(ee), have - sizeof(ee), &ev->offender);
		found = 1;
	}
	if (!found)
		return SP_EFORMAT;
	if (mh->msg_name && mh->msg_namelen > 0)
		ev->has_client = copy_addr(mh->msg_name, mh->msg_namelen, &ev->client);
	ev->quoted_len = datalen;
	ev->has_answer = dns_parse(data, datalen, &ev->answer) == 0;
	return 0;
}

/* When the error arrived: the socket's kernel stamp of the ICMP packet just read
 * (CLOCK_REALTIME) carried over to CLOCK_MONOTONIC, or now. */
static uint64_t arrival_ns(int fd)
{
	struct timespec ts;
	int ok = ioctl(fd, SIOCGSTAMPNS, &ts) == 0;
	uint64_t mono_now = sp_mono_ns(), real_now = sp_real_ns();
	if (!ok)
		return mono_now;
	uint64_t stamp = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (stamp > real_now || real_now - stamp > 1000000000u || real_now - stamp > mono_now)
		return mono_now;
	return mono_now - (real_now - stamp);
}

int errqueue_read(errqueue_t *q, int fd, errqueue_event_t *ev)
{
	uint8_t data[QUOTE_MAX];
	union {
		struct cmsghdr align;
		uint8_t buf[512];
	} ctl;
	struct sockaddr_storage name;
	struct iovec iov = {data, sizeof(data)};
	struct msghdr mh = {
	    .msg_name = &name,
	    .msg_namelen = sizeof(name),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	size_t len = (size_t)n < sizeof(data) ? (size_t)n : sizeof(data);
	if (errqueue_parse(&mh, data, len, ev) < 0) {
		memset(ev, 0, sizeof(*ev)); /* an entry without an extended error: still read */
		ev->quoted_len = len;
	}
	ev->at_ns = arrival_ns(fd);
	ev->sent_ns = find_sent(q, ev);
	return 1;
}

static void put_addr(json_t *o, const char *key, const char *port_key,
		     const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		uv_ip6_name(s6, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		uv_ip4_name(s4, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	}
	json_object_set_new(o, key, json_string(ip));
	if (port_key)
		json_object_set_new(o, port_key, json_integer(port));
}

void errqueue_json(const errqueue_event_t *ev, json_t *o)
{
	if (ev->has_client)
		put_addr(o, "client", "cport", &ev->client);
	if (ev->has_answer) {
		json_object_set_new(o, "id", json_integer(ev->answer.h.id));
		if (ev->answer.has_question) {
			char name[DNS_NAME_TEXT], tbuf[16];
			if (dns_name_to_text(&ev->answer.q.name, name, sizeof(name)) >= 0)
				json_object_set_new(o, "qname", json_string(name));
			json_object_set_new(
			    o, "qtype",
			    json_string(dns_type_name(ev->answer.q.qtype, tbuf, sizeof(tbuf))));
		}
	}
	if (ev->icmp) {
		json_object_set_new(o, "icmp_type", json_integer(ev->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(ev->icmp_code));
	} else {
		json_object_set_new(o, "origin", json_integer(ev->origin));
	}
	if (ev->has_offender)
		put_addr(o, "offender", NULL, &ev->offender);
	if (ev->ee_errno)
		json_object_set_new(o, "error", json_string(strerror(ev->ee_errno)));
	if (ev->sent_ns && ev->at_ns >= ev->sent_ns)
		json_object_set_new(o, "answer_sent_ns_ago",
				    json_integer((json_int_t)(ev->at_ns - ev->sent_ns)));
	if (!ev->has_answer)
		json_object_set_new(o, "quoted_len", json_integer((json_int_t)ev->quoted_len));
}
