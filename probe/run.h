/* One probe run: the lab, fakens and sniff, the trial loop, the join and the report. */
#ifndef PROBE_RUN_H
#define PROBE_RUN_H

#include <limits.h>
#include <stddef.h>

#include "directive.h"
#include "lab.h"
#include "resolver.h"

#define RUN_DIRECTIVES_MAX 200 /* leaves room for ".tNNNNNN.lab.test" in a 253-byte name */

typedef struct run_scenario {
	const char *name;        /* borrowed: catalogue name or the argument itself */
	const char *description; /* borrowed */
	directives_t directives;
	char text[RUN_DIRECTIVES_MAX]; /* directive_format of directives, "" when none */
	int provokes_race;             /* see report_provokes_race */
} run_scenario_t;

typedef struct run_config {
	const char *outdir;      /* must not exist yet; run_probe creates it */
	const char *run_id;      /* yyyymmdd-hhmmss */
	const char *started_utc; /* yyyy-mm-ddThh:mm:ssZ */
	const char *bindir;      /* where fakens and sniff are */
	const resolver_t *const *resolvers;
	size_t nresolvers;
	const run_scenario_t *scenarios;
	size_t nscenarios;
	unsigned trials;
	unsigned jobs; /* trials in flight at once, >= 1 */
	int quiet;
	const char *baseline;    /* a report.json or run directory to compare with, or NULL */
	lab_topology_t topology; /* LAB_ONE_HOST (zero) or LAB_TWO_HOST */
} run_config_t;

/* Everything after the command line has been checked: creates the run directory, enters
 * the lab, starts fakens and sniff, runs the trials, writes the report. Prints errors (one
 * line on standard error) and the table itself. Returns the exit status: 0 every resolver
 * under test correct, 1 one racing, 2 error or no verdict. Enters namespaces: call once,
 * from a single-threaded process. */
int run_probe(const run_config_t *cfg);

#endif
