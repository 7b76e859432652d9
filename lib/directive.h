/* Directives: the behaviour a query name asks of fakens ("aaaa-d50ms.t000042.lab.test"). */
#ifndef SP_DIRECTIVE_H
#define SP_DIRECTIVE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* The longest delay a directive may ask for: bounds how long fakens holds an answer. */
#define DIRECTIVE_MAX_DELAY_NS (30ULL * 1000000000ULL)
/* Trial labels are "t" followed by 1..12 decimal digits. */
#define DIRECTIVE_TRIAL_DIGITS 12

enum directive_qtype { DIR_Q_A = 0, DIR_Q_AAAA = 1, DIR_Q_COUNT = 2 };

/* Servers "s1-" .. "s9-": fakens numbers its listen addresses (docs/directives.md). */
#define DIRECTIVE_MAX_SERVERS 9
/* At most this many duplicates of one answer ("aaaa-dup9"). */
#define DIRECTIVE_MAX_DUPS 9
/* Duplicates "after" the other type's answer leave this long after the later of the two
 * delays: a margin that no scheduling jitter between the two queries can cross. */
#define DIRECTIVE_DUP_AFTER_GAP_NS (10ULL * 1000000ULL)
/* Room for the canonical text of any directive set directive_parse_* accepts. */
#define DIRECTIVE_TEXT_MAX 8192

enum directive_action {
	DIR_ANSWER = 0, /* the documentation address (default) */
	DIR_DROP,       /* no answer at all */
	DIR_NODATA,     /* NOERROR, no answer, SOA in authority, AA and RA set */
	DIR_SERVFAIL,   /* rcode SERVFAIL */
	DIR_LAME,       /* NODATA with AA and RA clear (a lame server's referral-less reply) */
	DIR_NXDOMAIN,   /* rcode NXDOMAIN, SOA in authority */
	DIR_REFUSED,    /* rcode REFUSED */
	DIR_NOTIMP,     /* rcode NOTIMP */
	DIR_ACTION_COUNT
};

/* Decoys: messages sent just before the real answer, each carrying other documentation
 * addresses (192.0.2.66, 2001:db8::66) so that what a client returns shows whether it
 * took one. A correct client ignores them all. */
enum directive_decoy {
	DIR_DECOY_BADID = 1 << 0,     /* the answer with another ID */
	DIR_DECOY_WRONGQ = 1 << 1,    /* an answer to the other qtype, carrying this query's ID */
	DIR_DECOY_RUNT = 1 << 2,      /* the first 11 bytes of an answer (no whole header) */
	DIR_DECOY_OTHERPORT = 1 << 3, /* the answer from another source port */
	DIR_DECOY_OTHERADDR = 1 << 4, /* the answer from another source address */
	DIR_DECOY_ALL = (1 << 5) - 1
};

typedef struct directive_rule {
	uint64_t delay_ns; /* 0 = answer at once */
	enum directive_action action;
	unsigned delay_set : 1; /* given explicitly (for conflict detection and format) */
	unsigned action_set : 1;
	unsigned tc : 1;        /* UDP: empty answer with TC; TCP: the full answer */
	unsigned dup_after : 1; /* duplicates after the other qtype's answer */
	unsigned ctloss : 1;    /* UDP: dropped while the 5-tuple holds a pending answer */
	uint8_t dups;           /* 0..DIRECTIVE_MAX_DUPS extra copies of the answer */
	uint8_t decoys;         /* DIR_DECOY_* bits */
} directive_rule_t;

typedef struct directives {
	directive_rule_t rule[DIR_Q_COUNT]; /* every server */
	/* "sN-" rules, index N-1: for a qtype they replace rule[] on server N alone. */
	directive_rule_t server[DIRECTIVE_MAX_SERVERS][DIR_Q_COUNT];
	int has_trial;
	uint64_t trial;
} directives_t;

void directives_init(directives_t *d);

/* One label (ASCII case-insensitive), the grammar of docs/directives.md:
 *     [ "s" 1-9 "-" ] qtype "-" action  |  "t" 1*12DIGIT
 * qtype "a" or "aaaa"; action a delay ("d0", "d<N>us", "d<N>ms", "d<N>s", at most
 * DIRECTIVE_MAX_DELAY_NS), "drop", "nodata", "lame", "nxdomain", "servfail", "refused",
 * "notimp", "tc", "dup[N]" / "dup[N]after" (N 1..9), "badid", "wrongq", "runt",
 * "otherport", "otheraddr" or "ctloss". Errors: SP_EDIRECTIVE (unknown), SP_ERANGE (delay
 * too long, number too big, server or count out of range), SP_ECONFLICT (same setting
 * twice, two actions, or drop together with a delay, tc, dup or ctloss), SP_EFORMAT (trial
 * label after directives were closed, see below). */
int directive_parse_label(const char *label, size_t len, directives_t *d);

/* All labels of name left of zone. The trial label, when present, must be the rightmost
 * of them; every label left of it must be a directive. name must be under zone
 * (SP_EFORMAT otherwise). On error the offending label (text form) is copied to bad when
 * bad is not NULL. */
int directive_parse_name(const dns_name_t *name, const dns_name_t *zone, directives_t *d, char *bad,
			 size_t badlen);

/* A dot-separated directive list without trial or zone ("aaaa-d50ms.a-d0"); "" and "-"
 * mean no directives. Same errors and bad-label reporting as directive_parse_name. */
int directive_parse_text(const char *spec, directives_t *d, char *bad, size_t badlen);

/* Canonical text of the directives (no trial label), "" when none; e.g. "a-d50ms.aaaa-drop".
 * Scopes in order (every server, then s1 .. s9), in each A then AAAA, per type: action,
 * delay, tc, dup, decoys, ctloss. Returns the length or SP_ENOSPACE; DIRECTIVE_TEXT_MAX
 * bytes are always enough. */
int directive_format(const directives_t *d, char *out, size_t outlen);

/* The latest moment, relative to the query, at which fakens will send anything: at most
 * DIRECTIVE_MAX_DELAY_NS, plus DIRECTIVE_DUP_AFTER_GAP_NS when copies come "after". */
uint64_t directive_max_delay_ns(const directives_t *d);

/* The rule for a query type, or NULL for types other than A and AAAA. */
const directive_rule_t *directive_rule_for(const directives_t *d, uint16_t qtype);

/* The rule that server (1-based; 0 for "no number") applies to qtype: its own "sN-" rule
 * for that type when it has one, else the rule for every server. NULL for other types. */
const directive_rule_t *directive_rule_for_server(const directives_t *d, int server,
						  uint16_t qtype);

/* 1 when the rule asks for anything at all (any field set). */
int directive_rule_is_set(const directive_rule_t *r);

/* When the duplicates of the rule for qtype are due, relative to the query: right after the
 * answer, or DIRECTIVE_DUP_AFTER_GAP_NS after the later of both types' answers. */
uint64_t directive_dup_delay_ns(const directives_t *d, int server, uint16_t qtype);

#endif
