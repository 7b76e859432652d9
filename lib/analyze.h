/* Pairs queries, answers and ICMP errors; classifies refused answers; gives verdicts per
 * trial (query name) and per client address. The model of docs/verdicts.md. */
#ifndef SP_ANALYZE_H
#define SP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "dissect.h"

enum verdict { VERDICT_CORRECT = 0, VERDICT_RACING, VERDICT_INCONCLUSIVE };
enum refusal { REFUSAL_RACE = 0, REFUSAL_LATE, REFUSAL_DUPLICATE };

const char *verdict_name(enum verdict v);   /* "correct", "racing", "inconclusive" */
const char *refusal_name(enum refusal r);   /* "race", "late", "duplicate" */

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

/* One trial: every query with the same name (ASCII case folded). */
typedef struct trial {
	char *name;              /* text form, lower case; owned by the analyzer */
	sp_addr_t client;        /* address of the first query */
	unsigned queries;        /* queries seen (retransmissions included) */
	unsigned requeries;      /* queries repeating a question already asked in this trial */
	unsigned answers;
	unsigned sockets;        /* distinct client (address, port) pairs that sent queries */
	unsigned tcp_queries;
	unsigned race, late, duplicate;
	uint16_t first_qtype;    /* of the first query */
	uint16_t second_qtype;   /* first query of another type, 0 if none */
	int parallel;            /* the second type was asked before any answer came back */
	uint64_t first_query_ts, second_query_ts; /* ns, capture clock */
	uint64_t first_answer_ts, last_answer_ts; /* 0 if none */
	evidence_t *evidence;    /* n_evidence entries, capture order; owned */
	size_t n_evidence;
	enum verdict verdict;
	const char *reason;      /* static text: why inconclusive, or NULL */
} trial_t;

typedef struct client_summary {
	sp_addr_t addr;
	unsigned trials, racing, correct, inconclusive;
	unsigned race, late, duplicate;
	enum verdict verdict; /* racing if any trial races; correct if any is correct; else
				 inconclusive */
} client_summary_t;

typedef struct analyzer_stats {
	uint64_t frames;         /* every frame handed in */
	uint64_t dns;            /* DNS messages */
	uint64_t queries, answers;
	uint64_t icmp_errors;    /* ICMP errors quoting UDP */
	uint64_t icmp_unmatched; /* quoting an answer not in the capture */
	uint64_t skipped;        /* PKT_SKIPPED frames */
	uint64_t answers_unmatched; /* answers to a query not in the capture */
	uint64_t drops;          /* set by analyzer_set_drops */
	int drops_known;
} analyzer_stats_t;

typedef struct analyzer analyzer_t;

/* NULL when out of memory. Free with analyzer_free. */
analyzer_t *analyzer_new(void);
void analyzer_free(analyzer_t *a);
/* Hands in one dissected frame; frames must come in capture order. Returns 0 or
 * SP_ENOMEM. */
int analyzer_add(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p);
/* Packets the capture lost (pcap_stats ps_drop + ps_ifdrop); any drop makes a trial
 * without a race inconclusive. */
void analyzer_set_drops(analyzer_t *a, uint64_t drops);
/* Computes verdicts and client summaries from everything seen so far. May be called again
 * after more packets; pointers from the accessors below are invalidated by the next
 * analyzer_add or analyzer_finish. Returns 0 or SP_ENOMEM. */
int analyzer_finish(analyzer_t *a);

size_t analyzer_trial_count(const analyzer_t *a);
const trial_t *analyzer_trial(const analyzer_t *a, size_t i); /* order of first query */
/* NULL if no trial has that name (case-insensitive). */
const trial_t *analyzer_find_trial(const analyzer_t *a, const char *name);
size_t analyzer_client_count(const analyzer_t *a);
const client_summary_t *analyzer_client(const analyzer_t *a, size_t i); /* first-seen order */
const analyzer_stats_t *analyzer_stats(const analyzer_t *a);

#endif
