/* fakens's own witness of refused answers: IP_RECVERR / IPV6_RECVERR on its UDP sockets, the
 * socket error queue read back, and a ring of recent answers to match each error with. */
#ifndef FAKENS_ERRQUEUE_H
#define FAKENS_ERRQUEUE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"

/* Answers remembered for matching: at lab rates that covers minutes, and an ICMP error
 * comes back within milliseconds of its answer. */
#define ERRQUEUE_RING 4096

typedef struct errqueue_sent {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t family, port, id, qtype;
	uint64_t sent_ns; /* CLOCK_MONOTONIC; 0 for an empty slot */
} errqueue_sent_t;

typedef struct errqueue {
	errqueue_sent_t ring[ERRQUEUE_RING];
	size_t next;
} errqueue_t;

/* One entry of a socket's error queue. */
typedef struct errqueue_event {
	int icmp;     /* 1 when an ICMP or ICMPv6 error caused it (SO_EE_ORIGIN_ICMP/ICMP6) */
	int origin;   /* SO_EE_ORIGIN_* */
	int ee_errno; /* ECONNREFUSED for a port unreachable */
	uint8_t icmp_type, icmp_code;
	int has_offender; /* the host that sent the ICMP error */
	struct sockaddr_storage offender;
	int has_client; /* where the refused datagram was going: the client */
	struct sockaddr_storage client;
	int has_answer; /* the quoted datagram parsed as DNS: answer.h, answer.q when has_question
			 */
	dns_msg_t answer;
	size_t quoted_len; /* bytes of the refused datagram the error carried */
	uint64_t at_ns; /* CLOCK_MONOTONIC arrival of the error (kernel stamp when there is one) */
	uint64_t sent_ns; /* when that answer was sent, from the ring; 0 when not found */
} errqueue_event_t;

void errqueue_init(errqueue_t *q);

/* Turns on IP_RECVERR (AF_INET) or IPV6_RECVERR (AF_INET6) on a UDP socket. 0 or -errno.
 * Side effect the sender must handle: the next send after an ICMP error fails once with
 * that error (ECONNREFUSED ...); see errqueue_send_retry. */
int errqueue_enable(int fd, int family);

/* 1 when a failed send (uv error or -errno) only reported an earlier ICMP error and should be
 * made again at once; the kernel clears the error as it reports it. */
int errqueue_send_retry(int err);

/* Remembers an answer just sent (fakens's own bytes; ID and question are read from them). */
void errqueue_note_sent(errqueue_t *q, const struct sockaddr *to, const uint8_t *buf, size_t len,
			uint64_t sent_ns);

/* Fills ev from one MSG_ERRQUEUE message: msg_name (the refused datagram's destination),
 * its control messages and data (the quoted datagram). ev->at_ns and ev->sent_ns are left
 * 0. Returns 0, or SP_EFORMAT when it carries no extended error. */
int errqueue_parse(const struct msghdr *mh, const uint8_t *data, size_t datalen,
		   errqueue_event_t *ev);

/* Reads one entry of fd's error queue into ev, with its arrival time and, when the answer
 * is in the ring, its send time. Returns 1, 0 when the queue is empty, or -errno. */
int errqueue_read(errqueue_t *q, int fd, errqueue_event_t *ev);

/* Adds the event's fields to a log object: client, cport, id, qname, qtype, icmp_type,
 * icmp_code, offender, answer_sent_ns_ago (docs/fakens.md). Fields unknown are left out. */
void errqueue_json(const errqueue_event_t *ev, json_t *o);

#endif
