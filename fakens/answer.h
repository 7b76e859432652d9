/* What fakens does with one datagram: parse the query, apply the name's directives and
 * encode the answer (no I/O, no clock). */
#ifndef FAKENS_ANSWER_H
#define FAKENS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "directive.h"
#include "dns.h"

/* Classic UDP limit: fakens never sends more, so it cannot amplify. */
#define ANSWER_MAX_LEN 512

enum answer_kind {
	ANSWER_BAD = 0, /* does not parse as a query: dropped, logged as bad_query */
	ANSWER_IGNORE,  /* a response (QR set): dropped, logged as ignored */
	ANSWER_DROP,    /* the name asked for no answer */
	ANSWER_REFUSED, /* outside the zone or a bad directive: REFUSED is sent */
	ANSWER_SEND,    /* an answer is sent after delay_ns */
};

typedef struct answer {
	enum answer_kind kind;
	char reason[320]; /* why, for BAD, IGNORE, DROP and REFUSED */
	dns_msg_t q;      /* the query; q.has_question says whether its question parsed */
	directives_t dir; /* valid when has_dir */
	int has_dir;
	uint64_t delay_ns;
	unsigned rcode;
	uint16_t ancount;
	size_t len; /* bytes of buf to send (REFUSED and SEND) */
	uint8_t buf[ANSWER_MAX_LEN];
} answer_t;

/* Decides and encodes the reply to one datagram. Returns 0 (the decision is in a->kind)
 * or a negative code when the reply could not be encoded (a bug, not bad input). */
int answer_make(const uint8_t *pkt, size_t len, const dns_name_t *zone, answer_t *a);

#endif
