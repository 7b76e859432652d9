/* probe observe: fakens and sniff on a real interface, verdicts per client as other machines look
 * names up; probe lookup. */
#define _GNU_SOURCE
#include "observe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "child.h"
#include "cmdline.h"
#include "directive.h"
#include "dns.h"
#include "err.h"
#include "paths.h"
#include "resolver.h"
#include "scenario.h"
#include "sp_config.h"
#include "timeutil.h"

#define OBS_ZONE "lab.test"
#define OBS_ADDRS_MAX 8
#define OBS_SCEN_MAX 64
#define OBS_STOP_NS (10000ULL * 1000000ULL)
/* A lookup is final once its name has been quiet this long for that client: past the
 * usual retry timers (glibc 5 s, Windows 1 to 4 s), so that a retry stays in its lookup. */
#define OBS_WINDOW "10"
/* Per client address: far above what a resolver sends when someone looks names up, far
 * below a flood; the observer sits on a real network (docs/observe.md). */
#define OBS_RATE "100/s,200"
#define DURATION_MAX (7UL * 86400)
#define NAME_DIRS_MAX 200 /* leaves room for ".tHHMMSS.lab.test" in a 253-byte name */

enum { OPT_SCENARIOS = 256 };

static const char observe_usage[] =
    "Usage: probe observe --interface IFACE --address ADDR [options]\n"
    "Serves the test zone with fakens on ADDR (port 53, UDP and TCP), captures on IFACE\n"
    "with sniff, prints the names to look up, then a verdict per client as machines\n"
    "pointed at ADDR as their DNS server look them up; at SIGINT or SIGTERM (Ctrl-C) it\n"
    "stops and writes the report. For machines that cannot run probe (docs/observe.md).\n"
    "\n"
    "  -i, --interface IFACE    interface to capture on, the one ADDR is on\n"
    "  -a, --address ADDR       address to serve, IPv4 or IPv6, of this host (repeatable,\n"
    "                           at most 8; e.g. one of each family)\n"
    "  -s, --scenario NAME|DIRS scenario from the catalogue, or a directive list such as\n"
    "                           \"aaaa-d20ms\" (repeatable; default: the catalogue's\n"
    "                           default set without the several-server ones)\n"
    "  -o, --out DIR            where to write the report (default results/observe-RUN-ID;\n"
    "                           the directory must not exist yet)\n"
    "  -d, --duration SECONDS   stop by itself after SECONDS (default: run until stopped)\n"
    "      --scenarios FILE     scenario catalogue (default: as for probe)\n"
    "  -q, --quiet              only the names, the final table and errors\n"
    "  -h, --help               this text\n"
    "\n"
    "Needs root (port 53, capture). Answers only names under " OBS_ZONE " (REFUSED\n"
    "otherwise), at most 512 bytes, rate-limited per client (" OBS_RATE ").\n"
    "Exit status: 0 no client raced; 1 a client raced; 2 error, or no lookup of the zone.\n";

static const char lookup_usage[] =
    "Usage: probe lookup [-r RESOLVER] NAME\n"
    "One lookup of NAME by one of probe's resolvers (default glibc; see probe\n"
    "--list-resolvers), with this host's own /etc/resolv.conf, outside any lab: the client\n"
    "side of probe observe on a Linux machine (docs/observe.md). Prints what it returned.\n"
    "\n"
    "  -r, --resolver NAME  resolver (racer, glibc, c-ares, musl, exec:COMMAND ...)\n"
    "  -t, --timeout S      give up after S seconds (default 10, 1..60)\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 it returned an address; 1 it did not; 2 bad usage.\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

/* ---- the scenarios and the names that ask for them ---- */

typedef struct obs_scen {
	const char *name;        /* borrowed: catalogue name or the argument */
	const char *description; /* borrowed */
	char
	    text[DIRECTIVE_TEXT_MAX]; /* canonical directives, "" for none, at most NAME_DIRS_MAX */
	char qname[DNS_NAME_TEXT];
} obs_scen_t;

/* 1 when the scenario has per-server rules ("sN-"): they are about how a client moves
 * between servers, and observe serves one. */
static int several_servers(const directives_t *d)
{
	for (int k = 0; k < DIRECTIVE_MAX_SERVERS; k++)
		for (int q = 0; q < DIR_Q_COUNT; q++)
			if (directive_rule_is_set(&d->server[k][q]))
				return 1;
	return 0;
}

static int add_scenario(const scenario_list_t *list, const char *arg, obs_scen_t *out)
{
	directives_t d;
	const scenario_t *s = arg[0] ? scenario_find(list, arg) : NULL;
	memset(out, 0, sizeof(*out));
	if (s) {
		out->name = s->name;
		out->description = s->description;
		d = s->directives;
	} else {
		char bad[DNS_NAME_TEXT] = "";
		directives_init(&d);
		int rc = arg[0] ? directive_parse_text(arg, &d, bad, sizeof(bad)) : SP_EDIRECTIVE;
		if (rc < 0)
			return cmdline_fail(
			    "unknown scenario '%s' (not in the catalogue, nor a directive list: "
			    "%s%s%s%s); see probe --list-scenarios",
			    arg, sp_strerror(rc), bad[0] ? " '" : "", bad, bad[0] ? "'" : "");
		if (d.has_trial)
			return cmdline_fail(
			    "scenario '%s' names a trial label itself; give only directives", arg);
		out->name = arg;
		out->description = "directives given on the command line";
	}
	if (several_servers(&d))
		return cmdline_fail(
		    "scenario '%s' is about several servers (sN- directives); probe observe "
		    "serves one, so give scenarios without them",
		    arg);
	int len = directive_format(&d, out->text, sizeof(out->text));
	if (len < 0 || len > NAME_DIRS_MAX)
		return cmdline_fail(
		    "scenario '%s' has more directives than fit in a name; split it", arg);
	return 0;
}

/* The scenario text of a name under the zone: its directives in canonical form, whatever
 * its trial label. 0, or -1 when the name is outside the zone or its labels are not
 * directives (fakens refused it). */
static int name_directives(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), z = strlen(OBS_ZONE);
	char left[DNS_NAME_TEXT];
	directives_t d;
	if (n == z && strcasecmp(name, OBS_ZONE) == 0) {
		snprintf(out, outlen, "%s", "");
		return 0;
	}
	if (n <= z + 1 || name[n - z - 1] != '.' || strcasecmp(name + n - z, OBS_ZONE) != 0 ||
	    n - z - 1 >= sizeof(left))
		return -1;
	memcpy(left, name, n - z - 1);
	left[n - z - 1] = '\0';
	/* The trial label, rightmost when there is one (docs/directives.md): "t" 1*12DIGIT. */
	char *last = strrchr(left, '.');
	last = last ? last + 1 : left;
	size_t digits = last[0] ? strspn(last + 1, "0123456789") : 0;
	if ((last[0] == 't' || last[0] == 'T') && digits >= 1 && digits <= 12 && !last[1 + digits])
		last[last == left ? 0 : -1] = '\0';
	directives_init(&d);
	if (directive_parse_text(left, &d, NULL, 0) < 0 || directive_format(&d, out, outlen) < 0)
		return -1;
	return 0;
}

/* ---- what the wire said, gathered from sniff's JSON lines ---- */

typedef struct obs_cell {
	char client[64];
	char scenario[NAME_DIRS_MAX + 3]; /* a given scenario's name, or "(DIRECTIVES)" */
	const char *directives;           /* the given scenario's text, else NULL */
	size_t client_idx, scen_idx, seq; /* table order: client first seen, scenario as
					     given (others after), then first lookup */
	unsigned racing, correct, inconclusive;
	char behaviour[160]; /* of the latest lookup with the cell's verdict */
	char evidence[320];  /* the first race's sentence */
} obs_cell_t;

typedef struct obs_client {
	char addr[64];
	unsigned trials, racing, correct, inconclusive, other_names;
} obs_client_t;

typedef struct observe {
	const char *iface, *out, *run_id, *started;
	const char *addrs[OBS_ADDRS_MAX];
	size_t naddrs;
	obs_scen_t *scen;
	size_t nscen;
	char label[16];
	int quiet;
	json_t *trials;  /* sniff's trial lines for names of the zone, with "scenario" added */
	json_t *summary; /* sniff's summary line, NULL until it comes */
	obs_cell_t *cells;
	size_t ncells, cells_cap;
	obs_client_t *clients;
	size_t nclients, clients_cap;
	int sniff_log;    /* sniff.jsonl, every line as it came */
	int trial_header; /* the lookups' header line is out */
} observe_t;

static obs_client_t *client_get(observe_t *o, const char *addr)
{
	for (size_t i = 0; i < o->nclients; i++)
		if (strcmp(o->clients[i].addr, addr) == 0)
			return &o->clients[i];
	if (o->nclients == o->clients_cap) {
		size_t cap = o->clients_cap ? o->clients_cap * 2 : 16;
		obs_client_t *c = realloc(o->clients, cap * sizeof(*c));
		if (!c)
			return NULL;
		o->clients = c;
		o->clients_cap = cap;
	}
	obs_client_t *c = &o->clients[o->nclients++];
	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	return c;
}

static obs_cell_t *cell_get(observe_t *o, size_t client_idx, const char *client,
			    const char *scenario, size_t scen_idx, const char *directives)
{
	for (size_t i = 0; i < o->ncells; i++)
		if (strcmp(o->cells[i].client, client) == 0 &&
		    strcmp(o->cells[i].scenario, scenario) == 0)
			return &o->cells[i];
	if (o->ncells == o->cells_cap) {
		size_t cap = o->cells_cap ? o->cells_cap * 2 : 32;
		obs_cell_t *c = realloc(o->cells, cap * sizeof(*c));
		if (!c)
			return NULL;
		o->cells = c;
		o->cells_cap = cap;
	}
	obs_cell_t *c = &o->cells[o->ncells++];
	memset(c, 0, sizeof(*c));
	snprintf(c->client, sizeof(c->client), "%s", client);
	snprintf(c->scenario, sizeof(c->scenario), "%s", scenario);
	c->directives = directives;
	c->client_idx = client_idx;
	c->scen_idx = scen_idx;
	c->seq = o->ncells - 1;
	return c;
}

static unsigned jint(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 && v < 0x7fffffff ? (unsigned)v : 0;
}

static const char *jtext(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

/* How the client asked, from a trial line: "2 sockets, A+AAAA parallel, 1 repeat, TCP". */
static void trial_behaviour(const json_t *t, char *out, size_t outlen)
{
	unsigned sockets = jint(t, "sockets"), requeries = jint(t, "requeries");
	unsigned queries = jint(t, "queries"), tcp = jint(t, "tcp_queries");
	const char *first = jtext(t, "first_qtype", NULL), *second = jtext(t, "second_qtype", NULL);
	size_t n = 0;
	if (!first) {
		snprintf(out, outlen, "no queries seen");
		return;
	}
	n += (size_t)snprintf(out + n, outlen - n, "%u socket%s, ", sockets,
			      sockets == 1 ? "" : "s");
	if (n < outlen && second)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s%s", first,
				      json_is_true(json_object_get(t, "parallel")) ? "+" : " then ",
				      second);
	else if (n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, "%s only", first);
	if (n < outlen && second && json_is_true(json_object_get(t, "parallel")))
		n += (size_t)snprintf(out + n, outlen - n, " parallel");
	if (n < outlen && requeries)
		n += (size_t)snprintf(out + n, outlen - n, ", %u repeat%s", requeries,
				      requeries == 1 ? "" : "s");
	if (n < outlen && tcp)
		snprintf(out + n, outlen - n, ", %s", tcp == queries ? "TCP" : "UDP and TCP");
}

static const char *verdict_of(unsigned racing, unsigned correct)
{
	return racing ? "racing" : correct ? "correct" : "inconclusive";
}

/* A finished lookup: counted in its client's cell and printed at once. */
static int take_trial(observe_t *o, json_t *t)
{
	const char *name = jtext(t, "name", ""), *client = jtext(t, "client", "?");
	const char *verdict = jtext(t, "verdict", "inconclusive");
	obs_client_t *cl = client_get(o, client);
	char dirs[DIRECTIVE_TEXT_MAX], scen[NAME_DIRS_MAX + 3];
	if (!cl)
		return SP_ENOMEM;
	if (name_directives(name, dirs, sizeof(dirs)) < 0) {
		/* The client's own background lookups (update checks, search domains ...) that
		 * fakens refused: counted, not judged. */
		cl->other_names++;
		return 0;
	}
	const obs_scen_t *known = NULL;
	size_t si = 0;
	for (; si < o->nscen && !known; si++)
		if (strcmp(o->scen[si].text, dirs) == 0)
			known = &o->scen[si];
	snprintf(scen, sizeof(scen), known ? "%.*s" : "(%.*s)", NAME_DIRS_MAX,
		 known ? known->name : dirs);
	obs_cell_t *c = cell_get(o, (size_t)(cl - o->clients), client, scen,
				 known ? si - 1 : o->nscen, known ? known->text : NULL);
	if (!c)
		return SP_ENOMEM;
	char beh[160];
	trial_behaviour(t, beh, sizeof(beh));
	cl->trials++;
	if (strcmp(verdict, "racing") == 0) {
		cl->racing++;
		c->racing++;
	} else if (strcmp(verdict, "correct") == 0) {
		cl->correct++;
		c->correct++;
	} else {
		cl->inconclusive++;
		c->inconclusive++;
	}
	if (strcmp(verdict, verdict_of(c->racing, c->correct)) == 0)
		snprintf(c->behaviour, sizeof(c->behaviour), "%s", beh);
	const json_t *ev = json_array_get(json_object_get(t, "evidence"), 0);
	if (!c->evidence[0] && strcmp(verdict, "racing") == 0 && ev)
		snprintf(c->evidence, sizeof(c->evidence), "%s", jtext(ev, "text", ""));

	json_t *copy = json_deep_copy(t);
	if (!copy || json_object_set_new(copy, "scenario", json_string(scen)) < 0 ||
	    json_object_set_new(copy, "behaviour", json_string(beh)) < 0) {
		json_decref(copy);
		return SP_ENOMEM;
	}
	if (json_array_append_new(o->trials, copy) < 0)
		return SP_ENOMEM;

	/* --quiet: only the names, the final table and errors (probe observe --help). */
	if (o->quiet)
		return 0;
	if (!o->trial_header) {
		printf("%-16s %-16s %-13s %-36s %s\n", "client", "scenario", "lookup", "behaviour",
		       "name");
		o->trial_header = 1;
	}
	printf("%-16s %-16s %-13s %-36s %s\n", client, scen, verdict, beh, name);
	if (strcmp(verdict, "inconclusive") == 0)
		printf("  inconclusive: %s\n", jtext(t, "reason", "no reason given"));
	size_t nev = json_array_size(json_object_get(t, "evidence"));
	for (size_t i = 0; i < nev && i < 4; i++)
		printf("  %s\n",
		       jtext(json_array_get(json_object_get(t, "evidence"), i), "text", ""));
	fflush(stdout);
	return 0;
}

/* One line of sniff's --json output (docs/sniff.md). */
static int take_line(observe_t *o, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		fprintf(stderr,
			"probe: sniff said something that is not JSON (%s); it is kept in "
			"%s/sniff.jsonl\n",
			jerr.text, o->out);
		return 0;
	}
	const char *type = jtext(j, "type", "");
	int rc = 0;
	if (strcmp(type, "trial") == 0) {
		rc = take_trial(o, j);
	} else if (strcmp(type, "client_update") == 0 && !o->quiet) {
		/* sniff's own live line, over every name the client asked */
		printf("live: %s %s (racing %u/%u lookups, race/late/dup %u/%u/%u)%s\n",
		       jtext(j, "client", "?"), jtext(j, "verdict", "?"), jint(j, "racing"),
		       jint(j, "trials"), jint(j, "race"), jint(j, "late"), jint(j, "duplicate"),
		       json_is_true(json_object_get(j, "incomplete"))
			   ? "; evidence may be incomplete (the capture dropped packets)"
			   : "");
		fflush(stdout);
	} else if (strcmp(type, "summary") == 0) {
		json_decref(o->summary);
		o->summary = json_incref(j);
	}
	json_decref(j);
	return rc;
}

/* ---- the children ---- */

/* Starts a server and waits for its ready line; -1 after saying why not. */
static int start_child(child_t *c, char *const argv[], int out_fd)
{
	char err[512];
	if (child_start(c, argv[0], argv, out_fd, CHILD_DEFAULT_SIGNALS, &stop_signal, err,
			sizeof(err)) < 0) {
		cmdline_fail("%s", err);
		return -1;
	}
	return 0;
}

/* ---- the report ---- */

static int cell_order(const void *a, const void *b)
{
	const obs_cell_t *x = a, *y = b;
	if (x->client_idx != y->client_idx)
		return x->client_idx < y->client_idx ? -1 : 1;
	if (x->scen_idx != y->scen_idx)
		return x->scen_idx < y->scen_idx ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int write_table(const observe_t *o, FILE *f)
{
	size_t wc = strlen("client"), ws = strlen("scenario");
	for (size_t i = 0; i < o->ncells; i++) {
		if (strlen(o->cells[i].client) > wc)
			wc = strlen(o->cells[i].client);
		if (strlen(o->cells[i].scenario) > ws)
			ws = strlen(o->cells[i].scenario);
	}
	fprintf(f, "%-*s  %-*s  %-14s  %s\n", (int)wc, "client", (int)ws, "scenario", "verdict",
		"behaviour");
	for (size_t i = 0; i < o->ncells; i++) {
		const obs_cell_t *c = &o->cells[i];
		unsigned n = c->racing + c->correct + c->inconclusive;
		char count[48];
		snprintf(count, sizeof(count), "%s %u/%u", verdict_of(c->racing, c->correct),
			 c->racing    ? c->racing
			 : c->correct ? c->correct
				      : c->inconclusive,
			 n);
		fprintf(f, "%-*s  %-*s  %-14s  %s\n", (int)wc, c->client, (int)ws, c->scenario,
			count, c->behaviour);
	}
	if (o->ncells == 0)
		fprintf(f, "(no client looked up a name of the zone)\n");
	for (size_t i = 0; i < o->nclients; i++)
		if (o->clients[i].other_names)
			fprintf(f,
				"%s also asked %u name%s that fakens refused (outside the zone, "
				"or not directives): not judged\n",
				o->clients[i].addr, o->clients[i].other_names,
				o->clients[i].other_names == 1 ? "" : "s");
	for (size_t i = 0; i < o->ncells; i++)
		if (o->cells[i].evidence[0])
			fprintf(f, "  %s %s: %s\n", o->cells[i].client, o->cells[i].scenario,
				o->cells[i].evidence);
	return ferror(f) ? -EIO : 0;
}

static json_t *report_json_of(const observe_t *o, int status, const char *result)
{
	char stopped[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stopped, sizeof(stopped), "%Y-%m-%dT%H:%M:%SZ", &tm);

	json_t *addrs = json_array(), *scen = json_array(), *clients = json_array();
	json_t *cells = json_array();
	for (size_t i = 0; i < o->naddrs; i++)
		json_array_append_new(addrs, json_string(o->addrs[i]));
	for (size_t i = 0; i < o->nscen; i++)
		json_array_append_new(scen,
				      json_pack("{s:s, s:s, s:s, s:s}", "name", o->scen[i].name,
						"directives", o->scen[i].text, "description",
						o->scen[i].description, "qname", o->scen[i].qname));
	for (size_t i = 0; i < o->nclients; i++) {
		const obs_client_t *c = &o->clients[i];
		json_array_append_new(
		    clients,
		    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "client", c->addr, "verdict",
			      c->trials ? verdict_of(c->racing, c->correct) : "inconclusive",
			      "trials", (json_int_t)c->trials, "racing", (json_int_t)c->racing,
			      "correct", (json_int_t)c->correct, "inconclusive",
			      (json_int_t)c->inconclusive, "other_names",
			      (json_int_t)c->other_names));
	}
	for (size_t i = 0; i < o->ncells; i++) {
		const obs_cell_t *c = &o->cells[i];
		json_array_append_new(
		    cells,
		    json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:s}", "client", c->client,
			      "scenario", c->scenario, "directives",
			      c->directives ? json_string(c->directives) : json_null(), "verdict",
			      verdict_of(c->racing, c->correct), "racing", (json_int_t)c->racing,
			      "correct", (json_int_t)c->correct, "inconclusive",
			      (json_int_t)c->inconclusive, "behaviour", c->behaviour));
	}
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:O, s:O, s:i, "
	    "s:s}",
	    "kind", "observe", "run_id", o->run_id, "started_utc", o->started, "stopped_utc",
	    stopped, "interface", o->iface, "addresses", addrs, "zone", OBS_ZONE, "label", o->label,
	    "scenarios", scen, "clients", clients, "cells", cells, "trials", o->trials, "capture",
	    o->summary ? o->summary : json_null(), "exit_status", status, "result", result);
}

static int write_outputs(observe_t *o, int status, const char *result)
{
	char path[PATHS_MAX + 32];
	int rc = 0;
	snprintf(path, sizeof(path), "%s/table.txt", o->out);
	FILE *f = fopen(path, "w");
	if (!f || write_table(o, f) < 0)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		cmdline_fail("cannot write '%s': %s; check the space and permissions there", path,
			     strerror(errno));
		return -1;
	}
	json_t *j = report_json_of(o, status, result);
	snprintf(path, sizeof(path), "%s/report.json", o->out);
	if (!j || json_dump_file(j, path, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0) {
		cmdline_fail("cannot write '%s'; check the space and permissions there", path);
		rc = -1;
	}
	json_decref(j);
	return rc;
}

/* ---- the session ---- */

static int make_outdir(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return cmdline_fail("out of memory");
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			free(p);
			return cmdline_fail(
			    "cannot create directory '%s': %s; give another place with --out", path,
			    strerror(e));
		}
		*s = '/';
	}
	int rc = mkdir(p, 0755) < 0 ? errno : 0;
	free(p);
	if (rc == EEXIST)
		return cmdline_fail("the directory '%s' already exists; give a new one with --out",
				    path);
	if (rc)
		return cmdline_fail("cannot create the directory '%s': %s; give another with --out",
				    path, strerror(rc));
	return 0;
}

/* Feeds every whole line in buf to take_line and sniff.jsonl; keeps a partial last line. */
static int drain_lines(observe_t *o, char *buf, size_t *have)
{
	size_t start = 0;
	for (;;) {
		char *nl = memchr(buf + start, '\n', *have - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (buf + start));
		if (o->sniff_log >= 0 && write(o->sniff_log, buf + start, len + 1) < 0) {
			/* the live view goes on; the loss shows in the file */
		}
		int rc = take_line(o, buf + start, len);
		if (rc < 0)
			return rc;
		start += len + 1;
	}
	memmove(buf, buf + start, *have - start);
	*have -= start;
	return 0;
}

static int serve(observe_t *o, const char *bindir, unsigned long duration)
{
	child_t fakens = {"fakens", 0, 0}, sniff = {"sniff", 0, 0};
	char fakens_bin[PATHS_MAX + 16], sniff_bin[PATHS_MAX + 16], log[PATHS_MAX + 32];
	char cap[PATHS_MAX + 32], slog[PATHS_MAX + 32], filter[1024] = "(";
	char listen[80];
	argvec_t fargv = {.n = 0}, sargv = {.n = 0};
	int status = 2, pipefd[2] = {-1, -1};
	size_t have = 0, cap_buf = 1 << 16;
	char *buf = malloc(cap_buf);
	if (!buf)
		return cmdline_fail("out of memory");

	snprintf(fakens_bin, sizeof(fakens_bin), "%s/fakens", bindir);
	snprintf(sniff_bin, sizeof(sniff_bin), "%s/sniff", bindir);
	snprintf(log, sizeof(log), "%s/fakens.jsonl", o->out);
	snprintf(cap, sizeof(cap), "%s/capture.pcapng", o->out);
	snprintf(slog, sizeof(slog), "%s/sniff.jsonl", o->out);

	argvec_add(&fargv, fakens_bin);
	for (size_t i = 0; i < o->naddrs; i++) {
		/* Every address is server 1: the scenarios for several servers are refused. */
		snprintf(listen, sizeof(listen), strchr(o->addrs[i], ':') ? "[%s]:53@1" : "%s:53@1",
			 o->addrs[i]);
		argvec_add(&fargv, "--listen");
		argvec_add(&fargv, listen);
		size_t fl = strlen(filter);
		snprintf(filter + fl, sizeof(filter) - fl, "%shost %s", i ? " or " : "",
			 o->addrs[i]);
	}
	size_t fl = strlen(filter);
	snprintf(filter + fl, sizeof(filter) - fl,
		 ") and (udp port 53 or tcp port 53 or icmp or icmp6)");
	const char *const ftail[] = {"--zone", OBS_ZONE, "--rate-limit", OBS_RATE,
				     "--log",  log,      "--ready-fd",   "3"};
	for (size_t i = 0; i < sizeof(ftail) / sizeof(ftail[0]); i++)
		argvec_add(&fargv, ftail[i]);
	/* Trials per client, since many clients ask the same names; a bigger kernel buffer
	 * than libpcap's 2 MiB for a busy segment. */
	const char *const sa[] = {
	    sniff_bin, "-i", o->iface, "--json", "--per-client", "--window", OBS_WINDOW,   "-f",
	    filter,    "-w", cap,      "-B",     "8192",         "-q",       "--ready-fd", "3"};
	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		argvec_add(&sargv, sa[i]);
	if (fargv.bad || sargv.bad) {
		cmdline_fail("out of memory");
		goto out;
	}

	o->sniff_log = open(slog, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o->sniff_log < 0) {
		cmdline_fail("cannot create '%s': %s; check the directory", slog, strerror(errno));
		goto out;
	}
	if (start_child(&fakens, fargv.v, -1) < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cmdline_fail("cannot make a pipe for sniff: %s", strerror(errno));
		goto out;
	}
	int rc = start_child(&sniff, sargv.v, pipefd[1]);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (rc < 0)
		goto out;

	printf("probe observe: serving %s on", OBS_ZONE);
	for (size_t i = 0; i < o->naddrs; i++)
		printf("%s %s", i ? "," : "", o->addrs[i]);
	printf(" port 53 (UDP and TCP), capturing on %s\n", o->iface);
	printf("point the client's DNS server at %s, then look up these names (nslookup, ping, a "
	       "browser ...):\n",
	       o->addrs[0]);
	size_t wn = 0;
	for (size_t i = 0; i < o->nscen; i++)
		if (strlen(o->scen[i].name) > wn)
			wn = strlen(o->scen[i].name);
	size_t wq = 0;
	for (size_t i = 0; i < o->nscen; i++)
		if (strlen(o->scen[i].qname) > wq)
			wq = strlen(o->scen[i].qname);
	for (size_t i = 0; i < o->nscen; i++)
		printf("  %-*s  %-*s  %s\n", (int)wn, o->scen[i].name, (int)wq, o->scen[i].qname,
		       o->scen[i].description);
	printf("(to look one up again past a cache, change the digits of %s: any t and 1 to 12 "
	       "digits will do)\n",
	       o->label);
	if (duration)
		printf("stopping by itself after %lu s; ", duration);
	printf("stop with Ctrl-C; the report goes to %s\n", o->out);
	printf("a client's verdict shows within a second (live:), each lookup's once its name has "
	       "been quiet for " OBS_WINDOW " s\n\n");
	fflush(stdout);

	uint64_t deadline = duration ? sp_mono_ns() + duration * 1000000000ULL : 0;
	int eof = 0, stopping = 0;
	uint64_t stop_deadline = 0;
	while (!eof) {
		if (!stopping && (stop_signal || (deadline && sp_mono_ns() >= deadline))) {
			/* sniff finishes every open lookup, prints them and its summary, and exits
			 */
			stopping = 1;
			stop_deadline = sp_mono_ns() + OBS_STOP_NS;
			kill(sniff.pid, SIGINT);
		}
		int timeout = -1;
		uint64_t now = sp_mono_ns();
		if (stopping)
			timeout =
			    now < stop_deadline ? (int)((stop_deadline - now) / 1000000ULL) + 1 : 0;
		else if (deadline)
			timeout = now < deadline ? (int)((deadline - now) / 1000000ULL) + 1 : 0;
		struct pollfd pfd = {pipefd[0], POLLIN, 0};
		int pr = poll(&pfd, 1, timeout);
		if (pr < 0 && errno != EINTR) {
			cmdline_fail("cannot wait for sniff: %s", strerror(errno));
			goto out;
		}
		if (stopping && sp_mono_ns() >= stop_deadline) {
			cmdline_fail(
			    "sniff did not finish within 10 s of SIGINT; the report lacks what it "
			    "had "
			    "not said");
			break;
		}
		if (pr <= 0)
			continue;
		if (have == cap_buf) {
			char *b = realloc(buf, cap_buf * 2);
			if (!b) {
				cmdline_fail("out of memory reading sniff's output");
				goto out;
			}
			buf = b;
			cap_buf *= 2;
		}
		ssize_t got = read(pipefd[0], buf + have, cap_buf - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			eof = 1;
			if (!stopping)
				cmdline_fail("sniff stopped on its own; see its message above");
			break;
		}
		have += (size_t)got;
		if (drain_lines(o, buf, &have) < 0) {
			cmdline_fail("out of memory keeping the lookups");
			goto out;
		}
	}

	char how[64];
	int sniff_ok = child_stop(&sniff, SIGINT, OBS_STOP_NS) == 0 && WIFEXITED(sniff.status) &&
		       WEXITSTATUS(sniff.status) <= 1;
	if (!sniff_ok) {
		child_describe_status(sniff.status, how, sizeof(how));
		cmdline_fail("sniff %s; the capture is in %s", how, cap);
	}
	int fakens_ok = child_stop(&fakens, SIGTERM, OBS_STOP_NS) == 0 &&
			WIFEXITED(fakens.status) && WEXITSTATUS(fakens.status) == 0;
	if (!fakens_ok) {
		child_describe_status(fakens.status, how, sizeof(how));
		cmdline_fail("fakens %s; see %s", how, log);
	}

	unsigned racing = 0, judged = 0;
	for (size_t i = 0; i < o->nclients; i++) {
		racing += o->clients[i].racing > 0;
		judged += o->clients[i].trials > 0;
	}
	char result[256];
	if (!sniff_ok || !fakens_ok || !o->summary) {
		status = 2;
		snprintf(result, sizeof(result),
			 "the capture or the server failed; see the messages "
			 "above and %s",
			 o->out);
	} else if (racing) {
		status = 1;
		snprintf(result, sizeof(result), "%u of %u client%s raced", racing, judged,
			 judged == 1 ? "" : "s");
	} else if (judged) {
		status = 0;
		snprintf(result, sizeof(result), "no client raced (%u client%s)", judged,
			 judged == 1 ? "" : "s");
	} else {
		status = 2;
		snprintf(result, sizeof(result),
			 "no client looked up a name of the zone: no verdict");
	}
	if (o->ncells)
		qsort(o->cells, o->ncells, sizeof(*o->cells), cell_order);
	printf("\n");
	write_table(o, stdout);
	printf("\nreport: %s\nresult: %s\n", o->out, result);
	fflush(stdout);
	if (write_outputs(o, status, result) < 0)
		status = 2;
out:
	child_stop(&sniff, SIGTERM, 2000ULL * 1000000ULL);
	child_stop(&fakens, SIGTERM, 2000ULL * 1000000ULL);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (o->sniff_log >= 0)
		close(o->sniff_log);
	o->sniff_log = -1;
	free(buf);
	argvec_free(&fargv);
	argvec_free(&sargv);
	return status;
}

/* "[2001:db8::53]" and "2001:db8::53" alike; the text is kept without brackets. */
static int check_address(char *arg)
{
	size_t len = strlen(arg);
	if (len > 2 && arg[0] == '[' && arg[len - 1] == ']') {
		memmove(arg, arg + 1, len - 2);
		arg[len - 2] = '\0';
	}
	unsigned char a[16];
	if (inet_pton(AF_INET, arg, a) == 1 || inet_pton(AF_INET6, arg, a) == 1)
		return 0;
	return cmdline_fail("bad --address '%s': give a numeric IPv4 or IPv6 address of this host, "
			    "such as 192.0.2.53 or 2001:db8::53",
			    arg);
}

int observe_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"address", required_argument, NULL, 'a'},
	    {"scenario", required_argument, NULL, 's'},
	    {"out", required_argument, NULL, 'o'},
	    {"duration", required_argument, NULL, 'd'},
	    {"scenarios", required_argument, NULL, OPT_SCENARIOS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	observe_t o;
	memset(&o, 0, sizeof(o));
	o.sniff_log = -1;
	const char *scen_args[OBS_SCEN_MAX], *catalogue = NULL;
	size_t nscen_args = 0;
	unsigned long duration = 0;
	int c, status = 2;
	scenario_list_t list = {0};

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:a:s:o:d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.iface = optarg;
			break;
		case 'a':
			if (o.naddrs == OBS_ADDRS_MAX)
				return cmdline_fail("at most %d --address options", OBS_ADDRS_MAX);
			if (check_address(optarg) != 0)
				return 2;
			o.addrs[o.naddrs++] = optarg;
			break;
		case 's':
			if (nscen_args == OBS_SCEN_MAX)
				return cmdline_fail("at most %d --scenario options", OBS_SCEN_MAX);
			scen_args[nscen_args++] = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'd':
			if (cmdline_count(optarg, DURATION_MAX, &duration) < 0)
				return cmdline_fail(
				    "bad --duration '%s': give whole seconds from 1 to %lu", optarg,
				    DURATION_MAX);
			break;
		case OPT_SCENARIOS:
			catalogue = optarg;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			fputs(observe_usage, stdout);
			return 0;
		default:
			return cmdline_option_error(opts, c, argv, "probe observe --help");
		}
	}
	if (optind < argc)
		return cmdline_fail("unexpected argument '%s'; see probe observe --help",
				    argv[optind]);
	if (!o.iface || !o.iface[0])
		return cmdline_fail(
		    "give the interface to capture on with --interface (see ip link)");
	if (strlen(o.iface) >= IF_NAMESIZE || !if_nametoindex(o.iface))
		return cmdline_fail(
		    "no interface '%s' here; give one that ip link lists, the one the "
		    "--address is on",
		    o.iface);
	if (o.naddrs == 0)
		return cmdline_fail(
		    "give the address to serve on with --address (one of this host's, on %s)",
		    o.iface);
	if (o.out && !o.out[0])
		return cmdline_fail("--out needs a directory name");

	char bindir[PATHS_MAX], datadir[PATHS_MAX], catpath[PATHS_MAX + 32];
	if (paths_bindir(bindir, sizeof(bindir)) < 0 || paths_datadir(datadir, sizeof(datadir)) < 0)
		return cmdline_fail("cannot find probe's own directory; set STUBPROBE_BINDIR and "
				    "STUBPROBE_DATADIR");
	snprintf(catpath, sizeof(catpath), "%s", catalogue ? catalogue : datadir);
	if (!catalogue)
		snprintf(catpath, sizeof(catpath), "%s/scenarios.conf", datadir);
	int errline = 0;
	char why[256] = "";
	int rc = scenario_load(catpath, &list, &errline, why, sizeof(why));
	if (rc < 0 && errline == 0)
		return cmdline_fail(
		    "cannot read the scenario catalogue '%s': %s; give one with --scenarios "
		    "or set STUBPROBE_DATADIR",
		    catpath, sp_strerror(rc));
	if (rc < 0)
		return cmdline_fail("%s line %d: %s", catpath, errline,
				    why[0] ? why : sp_strerror(rc));

	o.scen = calloc(nscen_args ? nscen_args : list.count ? list.count : 1, sizeof(*o.scen));
	o.trials = json_array();
	if (!o.scen || !o.trials) {
		status = cmdline_fail("out of memory");
		goto out;
	}
	if (nscen_args == 0) {
		for (size_t i = 0; i < list.count; i++) {
			if (!list.items[i].in_default || several_servers(&list.items[i].directives))
				continue;
			if (add_scenario(&list, list.items[i].name, &o.scen[o.nscen]) != 0)
				goto out;
			o.nscen++;
		}
	}
	for (size_t i = 0; i < nscen_args; i++) {
		int dup = 0;
		if (add_scenario(&list, scen_args[i], &o.scen[o.nscen]) != 0)
			goto out;
		for (size_t j = 0; j < o.nscen; j++)
			dup |= strcmp(o.scen[j].text, o.scen[o.nscen].text) == 0;
		if (!dup)
			o.nscen++;
	}
	if (o.nscen == 0) {
		status = cmdline_fail("no scenario to serve; name some with --scenario");
		goto out;
	}

	cmdline_stamp_t stamp;
	char outbuf[64];
	cmdline_stamp(&stamp);
	/* The time of day: names of this session differ from an earlier one's, so that no
	 * cache on the client answers for fakens. */
	strftime(o.label, sizeof(o.label), "t%H%M%S", &stamp.tm);
	o.run_id = stamp.run_id;
	o.started = stamp.started_utc;
	for (size_t i = 0; i < o.nscen; i++)
		snprintf(o.scen[i].qname, sizeof(o.scen[i].qname), "%.200s%s%s." OBS_ZONE,
			 o.scen[i].text, o.scen[i].text[0] ? "." : "", o.label);
	if (!o.out) {
		snprintf(outbuf, sizeof(outbuf), "results/observe-%s", stamp.run_id);
		o.out = outbuf;
	}
	struct stat st;
	if (lstat(o.out, &st) == 0) {
		status = cmdline_fail(
		    "the directory '%s' already exists; give a new one with --out", o.out);
		goto out;
	}
	if (make_outdir(o.out) != 0)
		goto out;

	child_catch_signals(on_signal);
	signal(SIGPIPE, SIG_IGN);
	status = serve(&o, bindir, duration);
out:
	scenario_list_free(&list);
	free(o.scen);
	free(o.cells);
	free(o.clients);
	json_decref(o.trials);
	json_decref(o.summary);
	return status;
}

/* ---- probe lookup ---- */

int observe_lookup_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"resolver", required_argument, NULL, 'r'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *rname = "glibc";
	unsigned long timeout = 10;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rname = optarg;
			break;
		case 't':
			if (cmdline_count(optarg, 60, &timeout) < 0)
				return cmdline_fail(
				    "bad --timeout '%s': give whole seconds from 1 to 60", optarg);
			break;
		case 'h':
			fputs(lookup_usage, stdout);
			return 0;
		default:
			return cmdline_option_error(opts, c, argv, "probe lookup --help");
		}
	}
	if (optind != argc - 1)
		return cmdline_fail("give one name to look up; see probe lookup --help");
	const char *name = argv[optind];

	char bindir[PATHS_MAX], helpers[PATHS_MAX];
	if (paths_bindir(bindir, sizeof(bindir)) < 0 ||
	    paths_helperdir(bindir, helpers, sizeof(helpers)) < 0)
		return cmdline_fail("cannot find probe's own directory; set STUBPROBE_BINDIR");
	resolver_set_helper_dir(helpers);
	const resolver_t *r = resolver_find(rname);
	if (!r)
		return cmdline_fail("unknown resolver '%s'; see probe --list-resolvers", rname);
	if (resolver_unavailable(r))
		return cmdline_fail("cannot use resolver '%s': %s", r->name,
				    resolver_unavailable(r));

	resolver_result_t res;
	memset(&res, 0, sizeof(res));
	int rc = resolver_run(r, name, NULL, timeout * 1000000000ULL, &res);
	char took[32];
	sp_duration_str(res.elapsed_ns, took, sizeof(took));
	if (rc < 0 && !res.error[0])
		snprintf(res.error, sizeof(res.error), "%s", sp_strerror(rc));
	if (res.ok) {
		const char *fam = res.families == (RES_FAM_V4 | RES_FAM_V6) ? "A+AAAA"
				  : res.families == RES_FAM_V4              ? "A only"
									    : "AAAA only";
		printf("%s %s: returned %s (%u address%s), %s\n", r->name, name, fam, res.naddrs,
		       res.naddrs == 1 ? "" : "es", took);
	} else {
		printf("%s %s: no address (%s), %s\n", r->name, name,
		       res.error[0] ? res.error : "no reason given", took);
	}
	if (res.has_status && res.output_len)
		printf("%.*s", (int)res.output_len, res.output);
	return res.ok ? 0 : 1;
}
