/* probe: the lab harness's command line; checks everything before the run touches anything. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "err.h"
#include "observe.h"
#include "paths.h"
#include "report.h"
#include "resolver.h"
#include "run.h"
#include "scenario.h"
#include "sp_config.h"

#define TRIALS_DEFAULT 5
#define TRIALS_MAX 1000
#define JOBS_DEFAULT 8 /* docs/probe.md, "Parallel trials": clients still get a core at once */
#define JOBS_MAX 64
#define TRIAL_COUNTER_MAX 999999u /* the six digits of tNNNNNN */

enum { OPT_SCENARIOS = 256, OPT_LIST_SCENARIOS, OPT_LIST_RESOLVERS, OPT_TOPOLOGY, OPT_BASELINE };

static const char usage[] =
    "Usage: probe [run] [options]\n"
    "       probe diff OLD NEW      (probe diff --help)\n"
    "       probe observe -i IFACE -a ADDR  (test other machines: probe observe --help)\n"
    "       probe lookup [-r RESOLVER] NAME (one lookup here: probe lookup --help)\n"
    "Tests DNS stub resolvers on the wire, in a lab of network and mount namespaces of\n"
    "its own: a resolver that takes the first of two parallel answers and closes its\n"
    "socket(s) is racing; one that waits for both is correct.\n"
    "\n"
    "  -r, --resolver NAME      resolver to test (repeatable; default all: see\n"
    "                           --list-resolvers), or exec:COMMAND, e.g.\n"
    "                           'exec:getent ahosts {name}'\n"
    "  -s, --scenario NAME|DIRS scenario from the catalogue, or a directive list such as\n"
    "                           \"aaaa-d20ms\" (repeatable; default: the catalogue's default\n"
    "                           set)\n"
    "  -n, --trials N           trials per resolver and scenario (default 5, 1..1000)\n"
    "  -j, --jobs N             trials in flight at once (default 8, 1..64); the verdicts\n"
    "                           are those of a sequential run (-j 1)\n"
    "  -o, --out DIR            where to write the run (default results/RUN-ID, RUN-ID =\n"
    "                           UTC time yyyymmdd-hhmmss; the directory must not exist yet)\n"
    "      --topology one-host|two-host  where fakens and sniff live: in the resolvers'\n"
    "                           network namespace (default), or in a second one joined to\n"
    "                           theirs by a veth link (docs/lab.md)\n"
    "      --scenarios FILE     scenario catalogue (default:\n"
    "                           $STUBPROBE_DATADIR/scenarios.conf, else the installed\n"
    "                           " SP_REL_DATADIR "/scenarios.conf relative to probe's\n"
    "                           directory, or data/scenarios.conf of the source tree\n"
    "                           when probe runs from the build tree)\n"
    "      --baseline FILE      after the run, list the cells whose verdict or behaviour\n"
    "                           differs from FILE (a report.json or run directory, e.g.\n"
    "                           results/baselines/debian12); also in DIR/diff.txt\n"
    "      --list-scenarios     print the catalogue and exit 0 (no root needed)\n"
    "      --list-resolvers     print the resolvers and exit 0 (no root needed)\n"
    "  -q, --quiet              no progress on standard error\n"
    "  -h, --help               this text\n"
    "  -V, --version            the version (" SP_VERSION ")\n"
    "\n"
    "fakens and sniff are run from probe's own directory (STUBPROBE_BINDIR overrides).\n"
    "Exit status: 0 every resolver under test (controls excluded) is correct in every\n"
    "scenario; 1 one is racing; 2 error, a control that did not race, or no verdict.\n"
    "See docs/probe.md.\n";

static const struct option longopts[] = {
    {"resolver", required_argument, NULL, 'r'},
    {"scenario", required_argument, NULL, 's'},
    {"trials", required_argument, NULL, 'n'},
    {"jobs", required_argument, NULL, 'j'},
    {"out", required_argument, NULL, 'o'},
    {"scenarios", required_argument, NULL, OPT_SCENARIOS},
    {"topology", required_argument, NULL, OPT_TOPOLOGY},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"list-scenarios", no_argument, NULL, OPT_LIST_SCENARIOS},
    {"list-resolvers", no_argument, NULL, OPT_LIST_RESOLVERS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void list_resolvers(void)
{
	size_t w = strlen("resolver");
	for (size_t i = 0; i < resolver_count(); i++)
		if (strlen(resolver_at(i)->name) > w)
			w = strlen(resolver_at(i)->name);
	printf("%-*s  %-7s  %s\n", (int)w, "resolver", "control", "description");
	for (size_t i = 0; i < resolver_count(); i++) {
		const resolver_t *r = resolver_at(i);
		const char *why = resolver_unavailable(r);
		printf("%-*s  %-7s  %s%s%s%s\n", (int)w, r->name, r->control ? "control" : "",
		       r->description, why ? " (skipped: " : "", why ? why : "", why ? ")" : "");
	}
	printf("%-*s  %-7s  %s\n", (int)w, "exec:COMMAND", "",
	       "any program, run with /bin/sh -c, {name} replaced by the query name; exit "
	       "status and output recorded, the wire gives the verdict");
}

static void list_scenarios(const scenario_list_t *list)
{
	size_t wn = strlen("scenario"), wd = strlen("directives");
	for (size_t i = 0; i < list->count; i++) {
		const scenario_t *s = &list->items[i];
		if (strlen(s->name) > wn)
			wn = strlen(s->name);
		if (strlen(s->spec) > wd)
			wd = strlen(s->spec);
	}
	printf("%-*s  %-*s  %-7s  %s\n", (int)wn, "scenario", (int)wd, "directives", "default",
	       "description");
	for (size_t i = 0; i < list->count; i++) {
		const scenario_t *s = &list->items[i];
		printf("%-*s  %-*s  %-7s  %s\n", (int)wn, s->name, (int)wd, s->spec,
		       s->in_default ? "default" : "", s->description);
	}
}

/* Why a scenario argument is not a directive list, in the words of the error message. */
static void directive_why(int rc, const char *bad, char *out, size_t outlen)
{
	if (rc == SP_EDIRECTIVE && !bad[0])
		snprintf(out, outlen, "empty label (two dots in a row, or a dot at an end)");
	else if (rc == SP_EDIRECTIVE)
		snprintf(out, outlen, "unknown directive '%s'", bad);
	else if (bad[0])
		snprintf(out, outlen, "%s in '%s'", sp_strerror(rc), bad);
	else
		snprintf(out, outlen, "%s", sp_strerror(rc));
}

/* A catalogue name, else a directive list. Returns 0, or 2 after printing why not. */
static int resolve_scenario(const scenario_list_t *list, const char *arg, run_scenario_t *out)
{
	/* An empty directive list would pass for a scenario of no directives at all. */
	if (!arg[0])
		return cmdline_fail("bad --scenario '': give a scenario from --list-scenarios or a "
				    "directive list such as aaaa-d20ms");
	const scenario_t *s = scenario_find(list, arg);
	memset(out, 0, sizeof(*out));
	if (s) {
		out->name = s->name;
		out->description = s->description;
		out->directives = s->directives;
	} else {
		char bad[DNS_NAME_TEXT] = "", why[DNS_NAME_TEXT + 128];
		directives_init(&out->directives);
		int rc = directive_parse_text(arg, &out->directives, bad, sizeof(bad));
		if (rc < 0) {
			directive_why(rc, bad, why, sizeof(why));
			return cmdline_fail(
			    "unknown scenario '%s' (not in the catalogue, and '%s' is not a "
			    "directive%s: %s); see --list-scenarios",
			    arg, arg, strchr(arg, '.') ? " list" : "", why);
		}
		out->name = arg;
		out->description = "directives given on the command line";
	}
	out->provokes_race = report_provokes_race(&out->directives);
	int n = directive_format(&out->directives, out->text, sizeof(out->text));
	if (n < 0)
		return cmdline_fail(
		    "scenario '%s' asks for more directives than fit in a query name; "
		    "split it into smaller scenarios",
		    arg);
	if (out->directives.has_trial)
		return cmdline_fail(
		    "scenario '%s' names a trial label itself; probe numbers the trials, "
		    "give only directives",
		    arg);
	return 0;
}

/* Where fakens and sniff are (STUBPROBE_BINDIR, else probe's own directory), and the
 * helpers (lib/paths.h). */
static int find_bindir(char *out, size_t outlen, char *helpers, size_t helperslen)
{
	if (paths_bindir(out, outlen) < 0 || paths_helperdir(out, helpers, helperslen) < 0)
		return cmdline_fail(
		    "the path of probe's directory is too long; set STUBPROBE_BINDIR to "
		    "the directory that holds fakens and sniff");
	return 0;
}

static int check_program(const char *bindir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", bindir, name);
	if (access(path, X_OK) == 0)
		return 0;
	return cmdline_fail(
	    "cannot run %s at '%s': %s; build it (cmake --build BUILD --target %s) or "
	    "set STUBPROBE_BINDIR to the directory that holds it",
	    name, path, strerror(errno), name);
}

/* What main frees on every way out. */
typedef struct cli {
	const char **res_args, **scen_args;
	scenario_list_t list;
	const resolver_t **resolvers;
	run_scenario_t *scen;
} cli_t;

static int probe_main(int argc, char **argv, cli_t *cli)
{
	const char **res_args = cli->res_args = calloc((size_t)argc + 1, sizeof(*res_args));
	const char **scen_args = cli->scen_args = calloc((size_t)argc + 1, sizeof(*scen_args));
	size_t nres_args = 0, nscen_args = 0;
	const char *out = NULL, *catalogue = NULL, *trials_arg = NULL, *jobs_arg = NULL;
	const char *baseline = NULL;
	int quiet = 0, want_list_scen = 0, want_list_res = 0, c, rc, topology = LAB_ONE_HOST;
	unsigned trials = TRIALS_DEFAULT, jobs = JOBS_DEFAULT;

	if (!res_args || !scen_args)
		return cmdline_fail("out of memory");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:s:n:j:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			res_args[nres_args++] = optarg;
			break;
		case 's':
			scen_args[nscen_args++] = optarg;
			break;
		case 'n':
			trials_arg = optarg;
			break;
		case 'j':
			jobs_arg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_SCENARIOS:
			catalogue = optarg;
			break;
		case OPT_TOPOLOGY:
			if ((topology = lab_topology_parse(optarg)) < 0)
				return cmdline_fail(
				    "bad --topology '%s': give one-host or two-host", optarg);
			break;
		case OPT_BASELINE:
			baseline = optarg;
			break;
		case OPT_LIST_SCENARIOS:
			want_list_scen = 1;
			break;
		case OPT_LIST_RESOLVERS:
			want_list_res = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("probe %s\n", SP_VERSION);
			return 0;
		default:
			return cmdline_option_error(longopts, c, argv, "probe --help");
		}
	}
	if (optind < argc)
		return cmdline_fail("unexpected argument '%s'; options only, see probe --help",
				    argv[optind]);
	unsigned long v;
	if (trials_arg && cmdline_count(trials_arg, TRIALS_MAX, &v) < 0)
		return cmdline_fail("bad --trials value '%s': give a whole number from 1 to %d",
				    trials_arg, TRIALS_MAX);
	if (trials_arg)
		trials = (unsigned)v;
	if (jobs_arg && cmdline_count(jobs_arg, JOBS_MAX, &v) < 0)
		return cmdline_fail("bad --jobs value '%s': give a whole number from 1 to %d",
				    jobs_arg, JOBS_MAX);
	if (jobs_arg)
		jobs = (unsigned)v;

	char bindir[PATHS_MAX], helperdir[PATHS_MAX];
	if ((rc = find_bindir(bindir, sizeof(bindir), helperdir, sizeof(helperdir))) != 0)
		return rc;
	resolver_set_helper_dir(helperdir);
	if (want_list_res) {
		list_resolvers();
		if (!want_list_scen)
			return 0;
	}

	char catpath[PATHS_MAX + 32], datadir[PATHS_MAX];
	if (catalogue)
		snprintf(catpath, sizeof(catpath), "%s", catalogue);
	else if (paths_datadir(datadir, sizeof(datadir)) < 0)
		return cmdline_fail(
		    "the data directory's path is too long; give the catalogue with "
		    "--scenarios or set STUBPROBE_DATADIR");
	else
		snprintf(catpath, sizeof(catpath), "%s/scenarios.conf", datadir);
	scenario_list_t *list = &cli->list;
	int errline = 0;
	char why[256] = "";
	rc = scenario_load(catpath, list, &errline, why, sizeof(why));
	if (rc < 0 && errline == 0)
		return cmdline_fail("cannot read the scenario catalogue '%s': %s; give one with "
				    "--scenarios or set STUBPROBE_DATADIR",
				    catpath, sp_strerror(rc));
	if (rc < 0)
		return cmdline_fail(
		    "%s:%d: %s; fix that line of the scenario catalogue (its format is in "
		    "docs/directives.md)",
		    catpath, errline, why[0] ? why : sp_strerror(rc));
	if (want_list_scen) {
		if (want_list_res)
			putchar('\n');
		list_scenarios(list);
		return 0;
	}

	/* Resolvers, in the order given; a name given twice is one resolver. */
	const resolver_t **resolvers = cli->resolvers =
	    calloc(resolver_count() + nres_args + 1, sizeof(*resolvers));
	size_t nres = 0;
	if (!resolvers)
		return cmdline_fail("out of memory");
	for (size_t i = 0; i < nres_args; i++) {
		const resolver_t *r = resolver_find(res_args[i]);
		if (!r && strncmp(res_args[i], "exec:", 5) == 0)
			return cmdline_fail(
			    "bad resolver '%s': give exec: a command (at most %d different "
			    "ones), e.g. 'exec:getent ahosts {name}'",
			    res_args[i], RESOLVER_EXEC_MAX);
		if (!r)
			return cmdline_fail("unknown resolver '%s'; see --list-resolvers",
					    res_args[i]);
		if (resolver_unavailable(r))
			return cmdline_fail("cannot test resolver '%s': %s", r->name,
					    resolver_unavailable(r));
		int dup = 0;
		for (size_t j = 0; j < nres; j++)
			dup |= resolvers[j] == r;
		if (!dup)
			resolvers[nres++] = r;
	}
	/* By default the controls go first: each scenario shows the lab can see a race
	 * before the resolvers under test are judged. */
	for (int pass = 1; nres_args == 0 && pass >= 0; pass--)
		for (size_t i = 0; i < resolver_count(); i++)
			if ((resolver_at(i)->control != 0) == pass) {
				const char *skip = resolver_unavailable(resolver_at(i));
				if (!skip)
					resolvers[nres++] = resolver_at(i);
				else if (!quiet)
					fprintf(stderr, "probe: skipping resolver %s: %s\n",
						resolver_at(i)->name, skip);
			}
	if (nres == 0)
		return cmdline_fail("no resolvers are built in; rebuild probe");

	/* Scenarios, in the order given, or the catalogue's default set. */
	size_t cap = nscen_args ? nscen_args : list->count;
	run_scenario_t *scen = cli->scen = calloc(cap + 1, sizeof(*scen));
	size_t nscen = 0;
	if (!scen)
		return cmdline_fail("out of memory");
	if (nscen_args == 0) {
		for (size_t i = 0; i < list->count; i++)
			if (list->items[i].in_default &&
			    (rc = resolve_scenario(list, list->items[i].name, &scen[nscen++])) != 0)
				return rc;
		if (nscen == 0)
			return cmdline_fail(
			    "the catalogue '%s' marks no scenario as default; name some "
			    "with --scenario",
			    catpath);
	}
	for (size_t i = 0; i < nscen_args; i++) {
		int dup = 0;
		for (size_t j = 0; j < nscen; j++)
			dup |= strcmp(scen[j].name, scen_args[i]) == 0;
		if (!dup && (rc = resolve_scenario(list, scen_args[i], &scen[nscen++])) != 0)
			return rc;
	}
	if ((unsigned long long)nres * nscen * trials > TRIAL_COUNTER_MAX)
		return cmdline_fail(
		    "%zu resolvers x %zu scenarios x %u trials is more than the %u trials "
		    "a run can number; split the run",
		    nres, nscen, trials, TRIAL_COUNTER_MAX);

	/* The run's name is its start time; it also names the default directory. */
	cmdline_stamp_t stamp;
	char outbuf[64];
	cmdline_stamp(&stamp);
	if (!out) {
		snprintf(outbuf, sizeof(outbuf), "results/%s", stamp.run_id);
		out = outbuf;
	}
	if (!out[0])
		return cmdline_fail(
		    "bad --out '': give the path of a directory that does not exist yet");
	struct stat st;
	if (lstat(out, &st) == 0)
		return cmdline_fail(
		    "the run directory '%s' already exists; give a new one with --out", out);

	if ((rc = check_program(bindir, "fakens")) != 0 ||
	    (rc = check_program(bindir, "sniff")) != 0)
		return rc;
	if (baseline) {
		report_t base;
		char berr[512];
		rc = report_load(&base, baseline, berr, sizeof(berr));
		report_free(&base);
		if (rc < 0)
			return cmdline_fail("bad --baseline: %s", berr);
	}

	run_config_t cfg = {
	    .outdir = out,
	    .run_id = stamp.run_id,
	    .started_utc = stamp.started_utc,
	    .bindir = bindir,
	    .resolvers = resolvers,
	    .nresolvers = nres,
	    .scenarios = scen,
	    .nscenarios = nscen,
	    .trials = trials,
	    .jobs = jobs,
	    .quiet = quiet,
	    .baseline = baseline,
	    .topology = (lab_topology_t)topology,
	};
	return run_probe(&cfg);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "diff") == 0)
		return report_diff_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "observe") == 0)
		return observe_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "lookup") == 0)
		return observe_lookup_main(argc - 1, argv + 1);
	/* "probe run [options]" is "probe [options]", and nothing else: "probe run observe"
	 * is a run given a stray word, not observe mode. */
	if (argc > 1 && strcmp(argv[1], "run") == 0) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	cli_t st;
	memset(&st, 0, sizeof(st));
	int rc = probe_main(argc, argv, &st);
	scenario_list_free(&st.list);
	free(st.scen);
	free(st.resolvers);
	free(st.res_args);
	free(st.scen_args);
	return rc;
}
