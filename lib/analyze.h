/* Pairs queries, answers and ICMP errors; follows DNS over TCP; classifies refused answers;
 * gives verdicts per trial (query name) and per client address, in bounded memory. The model
 * of docs/verdicts.md. */
#ifndef SP_ANALYZE_H
#define SP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "dissect.h"

enum verdict { VERDICT_CORRECT = 0, VERDICT_RACING, VERDICT_INCONCLUSIVE };
enum refusal { REFUSAL_RACE = 0, REFUSAL_LATE, REFUSAL_DUPLICATE };

const char *verdict_name(enum verdict v); /* "correct", "racing", "inconclusive" */
const char *refusal_name(enum refusal r); /* "race", "late", "duplicate" */

/* What the wire says about one answer that drew an ICMP port unreachable. */
typedef struct refusal_facts {
	int earlier_answer; /* an earlier answer to the same query (5-tuple, ID, question) */
	int requeried;      /* the client sent the same question again (any socket, any ID)
			       after this query and before this answer */
} refusal_facts_t;

/* docs/verdicts.md: duplicate beats late beats race. */
enum refusal refusal_classify(const refusal_facts_t *f);

/* One refused answer and where it stands in the capture (frames count from 1). */
typedef struct evidence {
	enum refusal kind;
	uint64_t icmp_frame, answer_frame, query_frame;
	uint64_t icmp_ts_ns, answer_ts_ns;
	uint16_t qtype;
	sp_addr_t client;
	uint16_t cport;
	/* The answer the client had taken before this one was refused: the latest answer of
	 * the same trial to the same client that drew no ICMP error. */
	int has_taken;
	uint16_t taken_qtype;
	uint64_t taken_frame;
	uint64_t after_taken_ns; /* answer_ts - taken answer's ts */
} evidence_t;

/* One trial: every query with the same name (ASCII case folded) until the name has been
 * quiet for the window (analyzer_set_window); by client too with analyzer_set_per_client. */
typedef struct trial {
	char *name;         /* text form, lower case; owned by the analyzer */
	sp_addr_t client;   /* address of the first query */
	unsigned queries;   /* queries seen (retransmissions included) */
	unsigned requeries; /* queries repeating a question already asked in this trial */
	unsigned answers;
	unsigned sockets; /* distinct client (address, port) pairs that sent queries */
	unsigned tcp_queries;
	unsigned race, late, duplicate;
	uint16_t first_qtype;  /* of the first query */
	uint16_t second_qtype; /* first query of another type, 0 if none */
	int parallel;          /* the second type was asked before any answer came back */
	uint64_t first_query_ts, second_query_ts; /* ns, capture clock */
	uint64_t first_answer_ts, last_answer_ts; /* 0 if none */
	evidence_t *evidence;                     /* n_evidence entries, capture order; owned */
	size_t n_evidence;
	enum verdict verdict;
	const char *reason; /* static text: why inconclusive, or NULL */
	/* Added with bounded memory and TCP: */
	unsigned unanswered;       /* queries no answer paired with (within the window) */
	unsigned truncated;        /* answers with TC set */
	unsigned errors;           /* answers with an rcode other than NOERROR */
	unsigned evidence_omitted; /* refusals counted above but beyond ANALYZER_EVIDENCE_MAX */
	uint64_t last_ts;          /* ns of the trial's latest packet */
	int finished;              /* finalised by the window: verdict and counts are final */
} trial_t;

/* Evidence entries kept per trial; a trial refused more often still counts every one. */
#define ANALYZER_EVIDENCE_MAX 1000

typedef struct client_summary {
	sp_addr_t addr;
	unsigned trials, racing, correct, inconclusive;
	unsigned race, late, duplicate;
	enum verdict verdict; /* racing if any trial races; correct if any is correct; else
				 inconclusive */
	/* How it sends them: totals over its trials ... */
	unsigned queries, requeries, answers, tcp_queries, unanswered, truncated, errors;
	/* ... and its trials that sent queries, counted by behaviour: */
	unsigned one_socket, two_sockets, more_sockets; /* sockets used (trial_t.sockets) */
	unsigned a_first, aaaa_first;  /* asked A and AAAA (either as the second type): which
					  came first */
	unsigned parallel, sequential; /* asked a second type: before any answer, or after */
	unsigned single_type;          /* asked one query type only */
	unsigned udp_only, tcp_only, udp_and_tcp;
	/* Gap from the first query to the second type's first query, over the trials with a
	 * second type (gaps of them); the median is exact below 16 us and within 1/8 above. */
	unsigned gaps;
	uint64_t gap_min_ns, gap_median_ns, gap_max_ns;
} client_summary_t;

typedef struct analyzer_stats {
	uint64_t frames; /* every frame handed in */
	uint64_t dns;    /* DNS messages */
	uint64_t queries, answers;
	uint64_t icmp_errors;       /* ICMP errors quoting UDP */
	uint64_t icmp_unmatched;    /* quoting an answer not in the capture */
	uint64_t skipped;           /* PKT_SKIPPED frames */
	uint64_t answers_unmatched; /* answers to a query not in the capture */
	uint64_t drops;             /* set by analyzer_set_drops */
	int drops_known;
	uint64_t skipped_by[PKT_SKIP_N]; /* skipped frames by pkt_t.skip (dissect_skip_name) */
	uint64_t tcp_segments;           /* PKT_TCP frames */
	uint64_t tcp_messages;    /* DNS messages read from TCP streams (counted in dns too) */
	uint64_t tcp_retransmits; /* segments holding only bytes already read: ignored */
	uint64_t tcp_gaps;        /* streams that lost bytes (a missing segment, a cut snap
				     length): read again from the next segment as a new message */
	uint64_t tcp_bad;         /* length prefixes too short for a DNS header: stream reset */
	uint64_t expired_queries, expired_answers; /* finalised and freed by the window */
	uint64_t finished_trials;                  /* finalised by the window or analyzer_flush */
	uint64_t freed_trials;                     /* ... and freed after the trial callback */
	uint64_t live_trials; /* trials not finalised yet (as of the last call) */
} analyzer_stats_t;

typedef struct analyzer analyzer_t;

/* NULL when out of memory. Free with analyzer_free. */
analyzer_t *analyzer_new(void);
void analyzer_free(analyzer_t *a);
/* Hands in one dissected frame; frames must come in capture order. Returns 0 or
 * SP_ENOMEM. PKT_TCP payload is copied where a message spans segments, so p's borrowed
 * bytes need to live only for the call. The capture clock is the latest ts_ns seen; a
 * timestamp that goes back counts as that clock for expiry. */
int analyzer_add(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p);

/* The part of analyzer_add that depends on the packet alone: the key of the name its trial
 * goes by and the hashes of the table keys the packet will look up. A reading thread can
 * make it while another adds the packets before this one. */
#define ANALYZER_PREP_HASHES 4
typedef struct analyzer_prep {
	uint8_t len;  /* 0: no name to key a trial by */
	uint8_t kind; /* what the hashes are for (analyze.c); 0: none */
	uint64_t hash;
	uint64_t h[ANALYZER_PREP_HASHES];
	uint64_t hc, hs;            /* of the client's and the server's address */
	uint8_t b[DNS_MAXNAME + 8]; /* the name's wire form, ASCII folded, zero padded; only
				       the first len bytes, rounded up to 8, are read */
} analyzer_prep_t;
/* Reads p and the settings made before the first packet, nothing analyzer_add changes: it
 * may run on another thread at the same time. */
void analyzer_prepare(const analyzer_t *a, const pkt_t *p, analyzer_prep_t *prep);
/* Asks the memory the packet of prep will touch to be fetched, so that a caller that knows
 * the next few packets overlaps their cache misses with the work on this one. Changes
 * nothing; any prep from analyzer_prepare(a, ...) may be given, in any order. */
void analyzer_prefetch(const analyzer_t *a, const analyzer_prep_t *prep);
/* The second step, a few packets after the first: the records those slots point to. */
void analyzer_prefetch_records(const analyzer_t *a, const analyzer_prep_t *prep);
/* analyzer_add, with prep from analyzer_prepare(a, p, prep). */
int analyzer_add_prepared(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
			  const analyzer_prep_t *prep);

/* Bounded memory. Every query, answer and TCP stream is kept for window_ns of capture
 * time after its last use (30 s unless set; 0 keeps everything, as before expiry existed),
 * then finalised into its trial and freed: an ICMP error or answer that comes later pairs
 * with nothing. A trial with no packet for window_ns is finished: its verdict is final and
 * it is added to its client's summary. Set before the first analyzer_add. */
#define ANALYZER_WINDOW_DEFAULT_NS (30ULL * 1000000000ULL)
void analyzer_set_window(analyzer_t *a, uint64_t window_ns);
/* Trials keyed by (client address, name) instead of name alone: for observe mode, where
 * many clients ask the same names. Set before the first analyzer_add. */
void analyzer_set_per_client(analyzer_t *a, int on);

/* Called once for each finished trial, in the order trials finish (of their last packet,
 * at analyzer_flush too). t and c are borrowed for the call only: c is the client's summary
 * over its finished trials, t included (a live caller prints per-client verdicts as they
 * form). Without a callback finished trials are kept (memory grows with the number of
 * trials, not with packets) and listed by analyzer_trial; with one they are freed after the
 * call, so that memory stays bounded by the traffic in one window: a caller that wants every
 * trial prints them here. */
typedef void (*analyzer_trial_cb)(const trial_t *t, const client_summary_t *c, void *ctx);
void analyzer_set_trial_cb(analyzer_t *a, analyzer_trial_cb cb, void *ctx);
/* Moves the capture clock to now_ns without a packet (a live capture on a quiet link), so
 * trials finish on time. Returns 0 or SP_ENOMEM. */
int analyzer_advance(analyzer_t *a, uint64_t now_ns);
/* Finishes every trial now, as at the end of a capture: each goes through the callback
 * (and is freed) or is kept. The analyzer can take more packets after it. Returns 0 or
 * SP_ENOMEM. */
int analyzer_flush(analyzer_t *a);
/* Packets the capture lost (pcap_stats ps_drop + ps_ifdrop); any drop makes a trial
 * without a race inconclusive. */
void analyzer_set_drops(analyzer_t *a, uint64_t drops);
/* Computes verdicts and client summaries from everything seen so far: finished trials as
 * they were finalised, the others as they stand. May be called again after more packets;
 * pointers from the accessors below are invalidated by the next analyzer_add,
 * analyzer_advance, analyzer_flush or analyzer_finish. Returns 0 or SP_ENOMEM. */
int analyzer_finish(analyzer_t *a);

/* The trials kept: not yet finished, and finished ones when there is no callback. */
size_t analyzer_trial_count(const analyzer_t *a);
const trial_t *analyzer_trial(const analyzer_t *a, size_t i); /* order of first query */
/* NULL if no trial has that name (case-insensitive); the first of them in trial order
 * when several have (a name asked again after its trial finished, or per client). */
const trial_t *analyzer_find_trial(const analyzer_t *a, const char *name);
/* Every client ever seen (client summaries are never freed: one per address). */
size_t analyzer_client_count(const analyzer_t *a);
const client_summary_t *analyzer_client(const analyzer_t *a, size_t i); /* first-seen order */
const analyzer_stats_t *analyzer_stats(const analyzer_t *a);

#endif
