/* Per-client rate limit of fakens: a token bucket per client address in a bounded table. */
#ifndef FAKENS_RATELIMIT_H
#define FAKENS_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

/* Clients tracked at once. A new client takes the least recently seen slot of its set, so
 * memory stays bounded however many addresses send; an evicted client starts afresh with a
 * full bucket. */
#define RATELIMIT_SETS 1024
#define RATELIMIT_WAYS 4

typedef struct ratelimit_slot {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t family;  /* 0: free */
	uint64_t tat_ns;  /* theoretical arrival time of the next query (GCRA) */
	uint64_t seen_ns; /* last query, for eviction */
	uint64_t logged_ns;
	uint64_t dropped; /* since the last log line about this client */
} ratelimit_slot_t;

typedef struct ratelimit {
	uint64_t interval_ns;  /* 1 s / rate; 0: no limit */
	uint64_t tolerance_ns; /* (burst - 1) intervals: how far ahead a client may run */
	uint64_t dropped;      /* all clients, since start */
	ratelimit_slot_t slot[RATELIMIT_SETS][RATELIMIT_WAYS];
} ratelimit_t;

enum ratelimit_verdict {
	RATELIMIT_PASS = 0,
	RATELIMIT_DROP = 1, /* over the limit: drop silently */
	RATELIMIT_DROP_LOG =
	    2, /* over the limit, and the client was not logged in the last second */
};

/* rate queries per second per client address, burst at once after a quiet spell (at least
 * 1; 0 means rate). rate 0 turns the limit off. */
void ratelimit_init(ratelimit_t *r, unsigned rate, unsigned burst);

/* Counts one query from client at now_ns (CLOCK_MONOTONIC). On RATELIMIT_DROP_LOG,
 * *dropped (when not NULL) is the number of this client's queries dropped since its last
 * log line, this one included, and the count starts again. */
enum ratelimit_verdict ratelimit_check(ratelimit_t *r, const struct sockaddr *client,
				       uint64_t now_ns, uint64_t *dropped);

/* "500/s" or "500/s,1000" or "500" or "500,1000" into rate and burst (burst 0 when not
 * given). 0, SP_ESYNTAX or SP_ERANGE (rate or burst above 10000000). */
int ratelimit_parse(const char *text, unsigned *rate, unsigned *burst);

#endif
