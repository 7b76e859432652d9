/* probe's report: joins sniff's trials with resolver results, gives a verdict per cell
 * (resolver x scenario), prints the table and writes report.json (docs/probe.md). */
#ifndef PROBE_REPORT_H
#define PROBE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "analyze.h"
#include "directive.h"

/* Same bits as RES_FAM_* of resolver.h, so that this module stands without the resolvers. */
enum { REPORT_FAM_V4 = 1, REPORT_FAM_V6 = 2 };

#define REPORT_NAME_MAX 256

/* What the resolver said about one lookup. */
typedef struct report_lookup {
	int done;           /* the resolver reported a result (0: it could not be run) */
	int ok;             /* at least one address */
	int timed_out;      /* killed after the trial's timeout */
	unsigned families;  /* REPORT_FAM_* */
	unsigned naddrs;
	uint64_t elapsed_ns;
	char error[160];    /* "" when none */
} report_lookup_t;

/* What the wire said about one trial: sniff's "trial" line (docs/sniff.md). */
typedef struct report_wire {
	int seen;                 /* sniff has a line for this name */
	enum verdict verdict;
	char *reason;             /* owned; NULL when sniff gave none */
	char client[64];
	unsigned queries, requeries, answers, sockets, tcp_queries;
	char first_qtype[16];     /* "" when none */
	char second_qtype[16];    /* "" when none */
	int parallel;
	int has_gap;
	double gap_us;
	unsigned race, late, duplicate;
	char **evidence;          /* texts, capture order; owned */
	size_t n_evidence;
} report_wire_t;

typedef struct report_trial {
	char name[REPORT_NAME_MAX]; /* query name, lower case; "" while the trial has not run */
	report_lookup_t lookup;
	report_wire_t wire;
	unsigned fakens_refused;    /* "icmp" events in fakens's log for this name */
	enum verdict verdict;       /* set by report_finish */
	const char *reason;         /* set by report_finish; borrowed (wire.reason or static) */
} report_trial_t;

typedef struct report_cell {
	size_t resolver, scenario;  /* indices into the report's lists */
	report_trial_t *trials;     /* report.trials entries; owned */
	enum verdict verdict;       /* the rest is set by report_finish */
	unsigned racing, correct, inconclusive;
	char behaviour[256];
} report_cell_t;

typedef struct report_resolver {
	char *name;
	int control;                /* expected to race */
	char *description;
} report_resolver_t;

typedef struct report_scenario {
	char *name;
	char *directives;           /* canonical directive text, "" when none */
	char *description;
	int provokes_race;          /* a client that takes the first answer and leaves must
				       draw an ICMP error here; controls are judged only then */
} report_scenario_t;

typedef struct report {
	char run_id[32];            /* yyyymmdd-hhmmss, UTC */
	char started_utc[32];       /* ISO 8601, "...Z" */
	char *outdir;               /* owned */
	unsigned trials;            /* per cell */
	report_resolver_t *resolvers;
	size_t nresolvers;
	report_scenario_t *scenarios;
	size_t nscenarios;
	report_cell_t *cells;       /* scenario-major: cells[s * nresolvers + r] */
	size_t ncells;
	int have_capture;           /* sniff's summary line was read */
	uint64_t frames, drops;
	int drops_known;
	int have_fakens;            /* fakens's log was read: fakens_refused counts are known */
	int failed;                 /* report_fail was called */
	int exit_status;            /* 0, 1, 2: set by report_finish or report_fail */
	char exit_reason[512];
} report_t;

/* Allocates the lists and every cell's trials (all zero); fill the names with
 * report_set_resolver / report_set_scenario. Returns 0 or SP_ENOMEM. Free with
 * report_free, also after a failure. */
int report_init(report_t *r, const char *outdir, size_t nresolvers, size_t nscenarios,
		unsigned trials);
int report_set_resolver(report_t *r, size_t i, const char *name, int control,
			const char *description);
int report_set_scenario(report_t *r, size_t i, const char *name, const char *directives,
			const char *description, int provokes_race);
/* Borrowed pointer, valid until report_free. */
report_cell_t *report_cell(report_t *r, size_t scenario, size_t resolver);
void report_free(report_t *r);

/* Reads sniff's --json output (JSON lines): "trial" lines whose name is a trial of this
 * report fill its wire facts, the "summary" line the capture facts; other names and line
 * types are ignored. Returns 0, SP_ENOMEM, or SP_ESYNTAX with "line N: why" in err. */
int report_join_sniff(report_t *r, const char *text, size_t len, char *err, size_t errlen);

/* Reads fakens's log (JSON lines, docs/fakens.md): each "icmp" event whose qname is a trial
 * of this report counts one refused answer for it, fakens's own witness beside sniff's.
 * Lines that do not parse (a last line cut short) are skipped. Returns 0 or SP_ENOMEM. */
int report_join_fakens(report_t *r, const char *text, size_t len);

/* Trials where sniff's refused answers (race + late + duplicate) and fakens's differ; the
 * first such trial in *first when not NULL. Only once fakens's log was read, else 0. */
size_t report_disagreements(const report_t *r, const report_trial_t **first);

/* Marks the run as failed: exit status 2 with reason (kept by report_finish). */
void report_fail(report_t *r, const char *reason);

/* Gives every trial and cell its verdict and behaviour phrase, and the run its exit status
 * and reason (docs/probe.md, "Exit status"). Trials without a name (not run, e.g. after an
 * interruption) are left out of the counts. */
void report_finish(report_t *r);

/* The table, the run directory and the first evidence of each racing trial, as printed at
 * the end of a run. Returns 0 or -errno of the write. */
int report_print_table(const report_t *r, FILE *f);
/* The report.json object (schema in docs/probe.md); NULL when out of memory. Free with
 * json_decref. */
json_t *report_json(const report_t *r);
/* report.json (schema in docs/probe.md), with JSON_INDENT(2). Returns 0, SP_ENOMEM, or
 * -errno when the file cannot be written. */
int report_write_json(const report_t *r, const char *path);

/* 1 when the directives answer both A and AAAA, one at least 1 ms after the other: then a
 * client that takes the first answer and closes must draw an ICMP error, so a control that
 * does not race shows the lab is blind. Elsewhere (a type dropped, answers at the same
 * moment) a control may rightly not race and is not judged. */
int report_provokes_race(const directives_t *d);

/* One phrase for a set of trials: "2 sockets, A+AAAA parallel, returned A only, 0.4 ms".
 * Majority values over the trials, median elapsed time. Returns out. */
const char *report_behaviour(const report_trial_t *trials, size_t n, char *out, size_t outlen);

#endif
