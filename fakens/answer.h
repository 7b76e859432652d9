/* What fakens does with one query: parse it, apply the name's directives and encode every
 * message to send for it, each with its delay (no I/O, no clock). */
#ifndef FAKENS_ANSWER_H
#define FAKENS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "directive.h"
#include "dns.h"

/* Classic UDP limit: fakens never sends more, over UDP or TCP, so it cannot amplify. */
#define ANSWER_MAX_LEN 512
/* fakens's own EDNS UDP payload size, advertised in the OPT record of its answers. */
#define ANSWER_EDNS_SIZE 1232
/* The longest query fakens reads from a TCP length prefix; a longer one closes the
 * connection (no DNS query needs more; it bounds what one client can make fakens hold). */
#define ANSWER_TCP_MAX_QUERY 4096
/* Decoys first, the answer, then the duplicates. */
#define ANSWER_MAX_MSGS (5 + 1 + DIRECTIVE_MAX_DUPS)

enum answer_transport { ANSWER_UDP = 0, ANSWER_TCP = 1 };

typedef struct answer_ctx {
	const dns_name_t *zone; /* borrowed */
	int server;             /* 1-based number of the listen address (for "sN-"), 0: none */
	enum answer_transport transport;
} answer_ctx_t;

enum answer_kind {
	ANSWER_BAD = 0, /* under 12 bytes: nothing to echo, dropped, logged as bad_query */
	ANSWER_IGNORE,  /* a response (QR set): dropped, logged as ignored */
	ANSWER_DROP,    /* the name asked for no answer */
	ANSWER_REFUSED, /* outside the zone or a bad directive: REFUSED is sent (msg[0]) */
	ANSWER_FORMERR, /* a header but no usable question: FORMERR is sent (msg[0]) */
	ANSWER_SEND,    /* the messages msg[0..nmsg) are sent, each after its delay */
};

/* Where a message leaves from. */
enum answer_via {
	ANSWER_VIA_LISTENER = 0, /* the socket or connection the query came on */
	ANSWER_VIA_OTHER_PORT,   /* the listener's address, another port */
	ANSWER_VIA_OTHER_ADDR,   /* another address of the host (--other-source) */
};

typedef struct answer_msg {
	uint64_t delay_ns; /* after the query arrived; non-decreasing along msg[] */
	enum answer_via via;
	const char *extra; /* NULL for the answer itself, else "duplicate", "badid", "wrongq",
			    * "runt", "otherport" or "otheraddr" (static strings) */
	unsigned rcode;
	uint16_t ancount;
	size_t len;
	uint8_t buf[ANSWER_MAX_LEN];
} answer_msg_t;

typedef struct answer {
	enum answer_kind kind;
	char reason[320]; /* why, for BAD, IGNORE, DROP, REFUSED and FORMERR */
	dns_msg_t q;      /* the query; q.has_question says whether its question parsed */
	directives_t dir; /* valid when has_dir */
	int has_dir;
	/* EDNS (RFC 6891) of the query: has_edns when it had one OPT record. */
	int has_edns;
	uint16_t edns_size; /* the client's UDP payload size, raised to 512 */
	unsigned edns_version;
	int edns_do;
	int ctloss; /* UDP: the server drops the query while its 5-tuple holds a pending answer */
	uint64_t delay_ns; /* of the answer itself */
	unsigned rcode;    /* of the answer itself (or of the REFUSED / FORMERR reply) */
	uint16_t ancount;
	int tc; /* the answer itself was truncated */
	int nmsg;
	answer_msg_t msg[ANSWER_MAX_MSGS];
} answer_t;

/* Decides and encodes the replies to one query (a UDP datagram, or one TCP message without
 * its length prefix). Returns 0 (the decision is in a->kind) or a negative code when a reply
 * could not be encoded (a bug, not bad input). */
int answer_make(const uint8_t *pkt, size_t len, const answer_ctx_t *ctx, answer_t *a);

/* RFC 1035 4.2.2 / RFC 7766 8: the framing of a TCP stream. Looks at the bytes buffered so
 * far: returns 1 when a whole message is there (*msglen set; it starts at buf + 2), 0 when
 * more bytes are needed, SP_ERANGE when the length prefix announces more than max (the
 * connection must be closed: there is no way to skip it safely). */
int answer_tcp_frame(const uint8_t *buf, size_t len, size_t max, size_t *msglen);

#endif
