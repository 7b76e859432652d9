/* Unit tests for fakens's error-queue witness (fakens/errqueue.c): parsing a MSG_ERRQUEUE
 * message, and a real port unreachable on loopback read back and matched to its answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "errqueue.h"

static errqueue_t q; /* large: static */

static size_t answer_bytes(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	dns_name_t n;
	assert_int_equal(dns_name_from_text(name, &n), 0);
	int len = dns_build_query(buf, cap, id, &n, qtype);
	assert_true(len > 0);
	buf[2] |= 0x80; /* QR: an answer, as fakens sends */
	return (size_t)len;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &s.sin_addr), 1);
	return s;
}

/* A message as the kernel gives it for an ICMPv4 port unreachable. */
static void make_msg(struct msghdr *mh, uint8_t *ctl, size_t ctlcap, struct sockaddr_in *name,
		     int with_offender, size_t ee_len)
{
	memset(mh, 0, sizeof(*mh));
	memset(ctl, 0, ctlcap);
	mh->msg_name = name;
	mh->msg_namelen = sizeof(*name);
	mh->msg_control = ctl;
	mh->msg_controllen = ctlcap;
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	struct sock_extended_err ee;
	memset(&ee, 0, sizeof(ee));
	ee.ee_errno = ECONNREFUSED;
	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 3;
	ee.ee_code = 3;
	struct sockaddr_in off = sin_of("192.0.2.7", 0);
	size_t len = ee_len + (with_offender ? sizeof(off) : 0);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RECVERR;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), &ee, ee_len < sizeof(ee) ? ee_len : sizeof(ee));
	if (with_offender)
		memcpy(CMSG_DATA(c) + ee_len, &off, sizeof(off));
	mh->msg_controllen = CMSG_SPACE(len);
}

static void test_parse(void **state)
{
	uint8_t ans[512];
	union {
		struct cmsghdr align;
		uint8_t b[256];
	} u;
	struct msghdr mh;
	struct sockaddr_in client = sin_of("127.0.0.1", 41000);
	errqueue_event_t ev;
	size_t n = answer_bytes(ans, sizeof(ans), 0xbeef, "aaaa-d50ms.t000042.lab.test", 28);
	make_msg(&mh, u.b, sizeof(u.b), &client, 1, sizeof(struct sock_extended_err));
	assert_int_equal(errqueue_parse(&mh, ans, n, &ev), 0);
	assert_true(ev.icmp);
	assert_int_equal(ev.ee_errno, ECONNREFUSED);
	assert_int_equal(ev.icmp_type, 3);
	assert_int_equal(ev.icmp_code, 3);
	assert_true(ev.has_offender);
	assert_true(ev.has_client);
	assert_true(ev.has_answer);
	assert_int_equal(ev.answer.h.id, 0xbeef);
	assert_int_equal(ev.answer.q.qtype, 28);

	json_t *o = json_object();
	errqueue_json(&ev, o);
	assert_string_equal(json_string_value(json_object_get(o, "client")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(o, "cport")), 41000);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 0xbeef);
	assert_string_equal(json_string_value(json_object_get(o, "qname")),
			    "aaaa-d50ms.t000042.lab.test");
	assert_string_equal(json_string_value(json_object_get(o, "qtype")), "AAAA");
	assert_int_equal(json_integer_value(json_object_get(o, "icmp_type")), 3);
	assert_string_equal(json_string_value(json_object_get(o, "offender")), "192.0.2.7");
	assert_null(json_object_get(o, "answer_sent_ns_ago")); /* not in the ring */
	json_decref(o);

	/* A quote cut before the header ends: the error is still there, the answer is not. */
	assert_int_equal(errqueue_parse(&mh, ans, 5, &ev), 0);
	assert_false(ev.has_answer);
	assert_int_equal(ev.quoted_len, 5);
	o = json_object();
	errqueue_json(&ev, o);
	assert_null(json_object_get(o, "id"));
	assert_int_equal(json_integer_value(json_object_get(o, "quoted_len")), 5);
	json_decref(o);

	/* No offender address, no destination. */
	make_msg(&mh, u.b, sizeof(u.b), &client, 0, sizeof(struct sock_extended_err));
	mh.msg_namelen = 0;
	assert_int_equal(errqueue_parse(&mh, ans, n, &ev), 0);
	assert_false(ev.has_offender);
	assert_false(ev.has_client);

	/* An extended error cut short is no error at all; nor is a message without one. */
	make_msg(&mh, u.b, sizeof(u.b), &client, 0, 8);
	assert_int_equal(errqueue_parse(&mh, ans, n, &ev), SP_EFORMAT);
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	assert_int_equal(errqueue_parse(&mh, ans, n, &ev), SP_EFORMAT);
}

static int udp_socket(struct sockaddr_in *bound)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	struct sockaddr_in any = sin_of("127.0.0.1", 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&any, sizeof(any)), 0);
	socklen_t len = sizeof(*bound);
	assert_int_equal(getsockname(fd, (struct sockaddr *)bound, &len), 0);
	return fd;
}

/* Sends an answer to a port nobody listens on and waits for the error to be queued. */
static void refused_answer(int fd, const struct sockaddr_in *to, uint16_t id, uint16_t qtype)
{
	uint8_t ans[512];
	size_t n = answer_bytes(ans, sizeof(ans), id, "aaaa-d50ms.t000001.lab.test", qtype);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	assert_int_equal(sendto(fd, ans, n, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)n);
	errqueue_note_sent(&q, (const struct sockaddr *)to, ans, n, t0);
	struct pollfd p = {.fd = fd, .events = 0};
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(p.revents & POLLERR);
}

static void test_loopback(void **state)
{
	errqueue_init(&q);
	struct sockaddr_in me, gone;
	int fd = udp_socket(&me);
	int g = udp_socket(&gone);
	close(g);
	assert_int_equal(errqueue_enable(fd, AF_INET), 0);

	errqueue_event_t ev;
	assert_int_equal(errqueue_read(&q, fd, &ev), 0); /* nothing yet */
	refused_answer(fd, &gone, 0x1234, 28);

	/* The pending error fails the next send once, whatever its destination. */
	uint8_t x = 0;
	ssize_t r = sendto(fd, &x, 1, 0, (const struct sockaddr *)&me, sizeof(me));
	assert_int_equal(r, -1);
	assert_true(errqueue_send_retry(-errno));
	assert_int_equal(sendto(fd, &x, 1, 0, (const struct sockaddr *)&me, sizeof(me)), 1);

	assert_int_equal(errqueue_read(&q, fd, &ev), 1);
	assert_true(ev.icmp);
	assert_int_equal(ev.icmp_type, 3);
	assert_int_equal(ev.icmp_code, 3);
	assert_int_equal(ev.ee_errno, ECONNREFUSED);
	assert_true(ev.has_client);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ev.client)->sin_port), ntohs(gone.sin_port));
	assert_true(ev.has_answer);
	assert_int_equal(ev.answer.h.id, 0x1234);
	assert_int_equal(ev.answer.q.qtype, 28);
	assert_true(ev.sent_ns > 0);
	assert_true(ev.at_ns >= ev.sent_ns);
	assert_int_equal(errqueue_read(&q, fd, &ev), 0);

	/* An answer pushed out of the ring by newer ones has no send time any more. */
	refused_answer(fd, &gone, 0x4321, 1);
	uint8_t other[512];
	size_t n = answer_bytes(other, sizeof(other), 7, "t2.lab.test", 1);
	for (int i = 0; i < ERRQUEUE_RING; i++)
		errqueue_note_sent(&q, (const struct sockaddr *)&me, other, n, 5);
	assert_int_equal(errqueue_read(&q, fd, &ev), 1);
	assert_int_equal(ev.answer.h.id, 0x4321);
	assert_int_equal(ev.sent_ns, 0);
	/* The retry is only for errors an ICMP message leaves behind. */
	assert_false(errqueue_send_retry(-EAGAIN));
	assert_false(errqueue_send_retry(-EMSGSIZE));
	assert_int_equal(errqueue_read(&q, -1, &ev), -EBADF);
	assert_int_equal(errqueue_enable(-1, AF_INET6), -EBADF);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
