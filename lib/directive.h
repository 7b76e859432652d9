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

enum directive_action {
	DIR_ANSWER = 0, /* the documentation address (default) */
	DIR_DROP,       /* no answer at all */
	DIR_NODATA,     /* NOERROR, no answer, SOA in authority */
	DIR_SERVFAIL,   /* rcode SERVFAIL */
};

typedef struct directive_rule {
	uint64_t delay_ns;            /* 0 = answer at once */
	enum directive_action action;
	unsigned delay_set : 1;       /* given explicitly (for conflict detection and format) */
	unsigned action_set : 1;
} directive_rule_t;

typedef struct directives {
	directive_rule_t rule[DIR_Q_COUNT];
	int has_trial;
	uint64_t trial;
} directives_t;

void directives_init(directives_t *d);

/* One label, e.g. "aaaa-d50ms", "a-drop", "aaaa-nodata", "a-servfail", "t000042"
 * (ASCII case-insensitive). Delays: "d0", "d<N>us", "d<N>ms", "d<N>s" with N decimal,
 * at most DIRECTIVE_MAX_DELAY_NS. Errors: SP_EDIRECTIVE (unknown), SP_ERANGE (delay too
 * long / number too big), SP_ECONFLICT (same setting twice, or drop together with a delay),
 * SP_EFORMAT (trial label after directives were closed, see below). */
int directive_parse_label(const char *label, size_t len, directives_t *d);

/* All labels of name left of zone. The trial label, when present, must be the rightmost
 * of them; every label left of it must be a directive. name must be under zone
 * (SP_EFORMAT otherwise). On error the offending label (text form) is copied to bad when
 * bad is not NULL. */
int directive_parse_name(const dns_name_t *name, const dns_name_t *zone, directives_t *d,
			 char *bad, size_t badlen);

/* A dot-separated directive list without trial or zone ("aaaa-d50ms.a-d0"); "" and "-"
 * mean no directives. Same errors and bad-label reporting as directive_parse_name. */
int directive_parse_text(const char *spec, directives_t *d, char *bad, size_t badlen);

/* Canonical text of the directives (no trial label), "" when none; e.g. "a-d50ms.aaaa-drop".
 * Returns the length or SP_ENOSPACE. */
int directive_format(const directives_t *d, char *out, size_t outlen);

/* The latest moment, relative to the query, at which fakens will send anything. */
uint64_t directive_max_delay_ns(const directives_t *d);

/* The rule for a query type, or NULL for types other than A and AAAA. */
const directive_rule_t *directive_rule_for(const directives_t *d, uint16_t qtype);

#endif
