/* probe's report: joins sniff's trials with resolver results, gives a verdict per cell
 * (resolver x scenario), prints the table and writes report.json, summary.md, junit.xml
 * and report.html (docs/probe.md; report.json's schema in docs/report.schema.json). */
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
	int done;          /* the resolver reported a result (0: it could not be run) */
	int ok;            /* at least one address */
	int timed_out;     /* killed after the trial's timeout */
	unsigned families; /* REPORT_FAM_* */
	unsigned naddrs;
	uint64_t elapsed_ns;
	char error[160]; /* "" when none */
	int has_status;  /* a program was run (exec:): exit_status and output are set */
	int exit_status; /* its exit status, or 128 + signal */
	char *output;    /* its output, at most 4 KiB; owned, NULL when none */
} report_lookup_t;

/* What the wire said about one trial: sniff's "trial" line (docs/sniff.md). */
typedef struct report_wire {
	int seen; /* sniff has a line for this name */
	enum verdict verdict;
	char *reason; /* owned; NULL when sniff gave none */
	char client[64];
	unsigned queries, requeries, answers, sockets, tcp_queries;
	char first_qtype[16];  /* "" when none */
	char second_qtype[16]; /* "" when none */
	int parallel;
	int has_gap;
	double gap_us;
	unsigned race, late, duplicate;
	char **evidence; /* texts, capture order; owned */
	size_t n_evidence;
} report_wire_t;

/* One packet of a trial as captured, for its ladder diagram (report_join_capture). */
enum report_pkt_kind { REPORT_PKT_QUERY, REPORT_PKT_ANSWER, REPORT_PKT_ICMP };

typedef struct report_packet {
	enum report_pkt_kind kind;
	uint64_t ts_ns; /* capture time */
	uint32_t frame; /* frame number in capture.pcapng, from 1 */
	uint16_t port;  /* the client's port: a query's source, an answer's destination, the
			   destination of the answer an ICMP error quotes */
	int tcp;
	uint16_t qtype, id;
	uint8_t rcode;
	int tc;          /* answer with the TC bit */
	char server[48]; /* the server's side: "127.0.0.1:53", "[::1]:53" */
} report_packet_t;

typedef struct report_trial {
	char name[REPORT_NAME_MAX]; /* query name, lower case; "" while the trial has not run */
	report_lookup_t lookup;
	report_wire_t wire;
	report_packet_t *packets; /* capture order; owned; report_add_packet */
	size_t npackets, packets_cap;
	size_t packets_over;     /* packets beyond REPORT_PACKETS_MAX, counted only */
	unsigned fakens_refused; /* "icmp" events in fakens's log for this name */
	enum verdict verdict;    /* set by report_finish */
	const char *reason;      /* set by report_finish; borrowed (wire.reason or static) */
} report_trial_t;

typedef struct report_cell {
	size_t resolver, scenario; /* indices into the report's lists */
	report_trial_t *trials;    /* report.trials entries; owned */
	enum verdict verdict;      /* the rest is set by report_finish */
	unsigned racing, correct, inconclusive;
	char behaviour[256];
	char undocumented[512]; /* report_undocumented's sentence, "" when none */
} report_cell_t;

typedef struct report_resolver {
	char *name;
	int control; /* expected to race */
	char *description;
	char *resolv_options; /* the options line of its resolv.conf; NULL for none */
} report_resolver_t;

typedef struct report_scenario {
	char *name;
	char *directives; /* canonical directive text, "" when none */
	char *description;
	int provokes_race; /* a client that takes the first answer and leaves must
			      draw an ICMP error here; controls are judged only then */
} report_scenario_t;

/* The platform a run was made on (probe/platform.c). Read before the lab is entered, so
 * that the host's own /etc is what it describes. Texts are "" when unknown. */
typedef struct report_platform {
	int known;                /* collected (or read from a report.json that has it) */
	char os[128];             /* PRETTY_NAME of /etc/os-release */
	char kernel[64];          /* uname: sysname and release, "Linux 6.1.0-18-amd64" */
	char kernel_version[160]; /* uname version, "#1 SMP PREEMPT_DYNAMIC Debian ..." */
	char machine[32];         /* uname machine, "x86_64" */
	char libc[32];            /* "glibc" */
	char libc_version[32];    /* gnu_get_libc_version(), "2.36" */
	char cares_version[32];   /* ares_version(), "1.18.1" */
	char musl_version[32];    /* musl's dynamic loader says it, "1.2.3"; "" without musl */
	char nsswitch_hosts[256]; /* the host's "hosts:" sources, "files dns"; "" when none */
	char nameservers[256];    /* the host's resolv.conf nameservers, space-separated */
	char host_options[256];   /* the host's resolv.conf options, space-separated */
	char local_stub[64];      /* the first loopback nameserver ("127.0.0.53"), else "" */
	int nscd_running;
	char routes[1024]; /* one paragraph: which lab rows the host's applications
			      meet (report_platform_routes) */
} report_platform_t;

typedef struct report {
	char run_id[32];      /* yyyymmdd-hhmmss, UTC */
	char started_utc[32]; /* ISO 8601, "...Z" */
	char *outdir;         /* owned */
	unsigned trials;      /* per cell */
	char topology[16];    /* the lab's: "one-host" or "two-host" (lab_topology_name);
				 "" when not recorded */
	report_resolver_t *resolvers;
	size_t nresolvers;
	report_scenario_t *scenarios;
	size_t nscenarios;
	report_cell_t *cells; /* scenario-major: cells[s * nresolvers + r] */
	size_t ncells;
	int have_capture; /* sniff's summary line was read */
	uint64_t frames, drops;
	int drops_known;
	int have_fakens;  /* fakens's log was read: fakens_refused counts are known */
	int have_packets; /* capture.pcapng was read: trials' packets are known */
	int failed;       /* report_fail was called */
	int exit_status;  /* 0, 1, 2: set by report_finish or report_fail */
	char exit_reason[512];
	report_platform_t platform;
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
/* The options line of resolver i's resolv.conf (NULL or "" for none); 0 or SP_ENOMEM. */
int report_set_resolv_options(report_t *r, size_t i, const char *options);
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

/* The trials that have a name, sorted for report_index_find; free the array. NULL when out of
 * memory. Invalidated by changes to trial names. */
report_trial_t **report_name_index(report_t *r, size_t *nindex);
/* The trial of that name (ASCII case-insensitive) or NULL; borrowed. */
report_trial_t *report_index_find(report_trial_t **index, size_t nindex, const char *name);
/* Appends a copy of p to the trial's packets; 0 or SP_ENOMEM. At most REPORT_PACKETS_MAX per
 * trial are kept (more are counted, not stored): a resolver retrying for seconds must not
 * make the report grow without bound. */
#define REPORT_PACKETS_MAX 200
int report_add_packet(report_trial_t *t, const report_packet_t *p);
/* Reads capture.pcapng (probe/capture.c) and gives each trial its DNS and ICMP packets, found
 * by the query name (a question, or the question an ICMP error quotes). Returns 0, or a
 * negative code with "why" in err (a file libpcap cannot open). */
int report_join_capture(report_t *r, const char *path, char *err, size_t errlen);

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
/* The same with the verdicts in colour (racing red, correct green, inconclusive yellow) when
 * colour is not 0. */
int report_print_table_colour(const report_t *r, FILE *f, int colour);
/* 1 when fd is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
int report_colour_wanted(int fd);
/* summary.md: the run's facts, the table in Markdown, the evidence and the result. */
int report_write_markdown(const report_t *r, FILE *f);
/* junit.xml: a test suite per scenario, a test case per resolver; racing is a failure,
 * inconclusive an error (docs/probe.md). */
int report_write_junit(const report_t *r, FILE *f);
/* report.html: self-contained (inline CSS and SVG), the table and the ladder diagrams. */
int report_write_html(const report_t *r, FILE *f);
/* One trial's ladder diagram as an <svg> element. */
int report_ladder_svg(const report_t *r, const report_cell_t *c, const report_trial_t *t, FILE *f);
/* s with & < > " ' as XML entities, control bytes other than tab and newline dropped (XML
 * 1.0 has no way to write them), and bytes that are not UTF-8 as '?'. */
void report_put_xml(const char *s, FILE *f);
/* s for a Markdown table cell: | and \ escaped, newlines as spaces, HTML's < > & escaped. */
void report_put_md(const char *s, FILE *f);
/* summary.md, junit.xml and report.html in dir. Returns 0, or the first failure with the file
 * named in err. */
int report_write_files(const report_t *r, const char *dir, char *err, size_t errlen);
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

/* The parts of a cell's behaviour that stay the same from run to run, which `probe diff`
 * compares (docs/probe.md, "Comparing runs"): the behaviour phrase without its time, and
 * with the order of the queries ("A+AAAA parallel", "A then AAAA") only where the scenario
 * delays or drops the answer to the type asked first on every server; elsewhere it is "A,
 * AAAA" (an immediate first answer often reaches the wire between the two queries of a
 * client that sends both at once). Returns out. */
const char *report_signature(const report_t *r, const report_cell_t *c, char *out, size_t outlen);

/* Fills r (report_init'ed inside; free with report_free, also after a failure) from a
 * report.json object: the run's facts, resolvers, scenarios, platform, and every cell
 * with its counts, verdict, behaviour and trials. Returns 0, SP_ENOMEM, or SP_EFORMAT with
 * why in err (a field missing or of the wrong type). */
int report_from_json(report_t *r, const json_t *o, char *err, size_t errlen);

/* What a resolver's own documentation says it does (docs/resolvers.md, "Documented
 * behaviour"); NULL for resolvers without an entry (the racer, exec:). */
typedef struct report_doc report_doc_t;
const report_doc_t *report_doc_find(const char *resolver);
/* One line: "resolv.conf(5): A and AAAA in parallel from one socket; ...". */
const char *report_doc_summary(const report_doc_t *d);
/* One plain sentence when the cell's behaviour differs from what the resolver's
 * documentation describes (e.g. "musl 1.2.3 in tc-a never asked over TCP after the
 * truncated answer and returned AAAA only; its documentation ... does not describe this"),
 * else "". Set in every cell by report_finish. Returns out. */
const char *report_undocumented(const report_t *r, const report_cell_t *c, char *out,
				size_t outlen);

/* ---- platform (probe/platform.c) ---- */

/* Reads the platform and the host's resolver configuration: uname, /etc/os-release,
 * gnu_get_libc_version, ares_version, musl's loader, /etc/nsswitch.conf,
 * /etc/resolv.conf, a running nscd. Call before the lab is entered. Never fails: what
 * cannot be read stays "". */
void report_platform_collect(report_platform_t *p);
/* Parses the host's files given as text (NULL: not readable) into p's host fields and sets
 * p->routes; report_platform_collect calls it, tests call it with made-up files. */
void report_platform_host(report_platform_t *p, const char *nsswitch, const char *resolv,
			  int nscd_running);
/* p as the "platform" object of report.json; NULL when out of memory. */
json_t *report_platform_json(const report_platform_t *p);
/* Markdown lines ("- kernel: ...") for summary.md. */
void report_platform_markdown(const report_platform_t *p, FILE *f);

/* ---- comparing two reports (probe/diff.c) ---- */

/* Two-sided p-value of Fisher's exact test for the 2x2 table [[a, b], [c, d]]. */
double report_fisher_p(unsigned a, unsigned b, unsigned c, unsigned d);
/* Below this p a change between racing and correct counts, else it is chance. */
#define REPORT_DIFF_ALPHA 0.01

typedef struct report_diff_counts {
	size_t compared; /* cells in both reports */
	size_t changed;  /* cells whose verdict or signature changed */
	size_t chance;   /* verdicts that differ by no more than chance (not counted) */
	size_t unjudged; /* controls whose verdict differs where no race is provoked (not
			    counted, their signature not compared) */
	size_t only_old, only_new;
} report_diff_counts_t;

/* Compares the cells of two reports, matched by resolver and scenario name, and prints the
 * changes to f (docs/probe.md, "Comparing runs"): verdicts that differ (a difference
 * between racing and correct only when Fisher's exact test on the racing counts gives
 * p < REPORT_DIFF_ALPHA), signatures that differ, cells in one report only, platform
 * fields that differ. A control in a scenario that provokes no race is not judged: its
 * verdict is listed, not counted, and its signature not compared. old_name and new_name label the
 * two sides. Returns 0 or -errno of the write. */
int report_diff(const report_t *old, const report_t *new_, const char *old_name,
		const char *new_name, FILE *f, report_diff_counts_t *counts);
/* report.json at path, or path/report.json when path is a directory, into r (see
 * report_from_json). Returns 0 or a negative code with a sentence in err. */
int report_load(report_t *r, const char *path, char *err, size_t errlen);
/* `probe diff OLD NEW`: argv[0] is "diff". Returns the exit status: 0 no change, 1 a
 * change, 2 an error (one line on standard error). */
int report_diff_main(int argc, char **argv);

#endif
