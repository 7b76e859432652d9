/* probe's report: the join of wire and resolver facts, verdicts per cell, table and JSON. */
#define _GNU_SOURCE
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns.h"
#include "err.h"
#include "sp_config.h"
#include "timeutil.h"

static const char NO_QUERIES[] = "no queries seen on the wire";
static const char NO_RESULT[] = "the resolver reported no result";
static const char NO_REASON[] = "sniff gave no reason";

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

int report_init(report_t *r, const char *outdir, size_t nresolvers, size_t nscenarios,
		unsigned trials)
{
	memset(r, 0, sizeof(*r));
	r->trials = trials;
	r->outdir = dup_or_empty(outdir);
	r->resolvers = calloc(nresolvers ? nresolvers : 1, sizeof(*r->resolvers));
	r->scenarios = calloc(nscenarios ? nscenarios : 1, sizeof(*r->scenarios));
	r->ncells = nresolvers * nscenarios;
	r->cells = calloc(r->ncells ? r->ncells : 1, sizeof(*r->cells));
	if (!r->outdir || !r->resolvers || !r->scenarios || !r->cells) {
		r->ncells = 0;
		return SP_ENOMEM;
	}
	r->nresolvers = nresolvers;
	r->nscenarios = nscenarios;
	for (size_t s = 0; s < nscenarios; s++) {
		for (size_t i = 0; i < nresolvers; i++) {
			report_cell_t *c = &r->cells[s * nresolvers + i];
			c->scenario = s;
			c->resolver = i;
			c->trials = calloc(trials ? trials : 1, sizeof(*c->trials));
			if (!c->trials)
				return SP_ENOMEM;
		}
	}
	return 0;
}

int report_set_resolver(report_t *r, size_t i, const char *name, int control,
			const char *description)
{
	report_resolver_t *res = &r->resolvers[i];
	free(res->name);
	free(res->description);
	res->name = dup_or_empty(name);
	res->description = dup_or_empty(description);
	res->control = control;
	return res->name && res->description ? 0 : SP_ENOMEM;
}

int report_set_resolv_options(report_t *r, size_t i, const char *options)
{
	free(r->resolvers[i].resolv_options);
	r->resolvers[i].resolv_options = NULL;
	if (options && options[0] && !(r->resolvers[i].resolv_options = strdup(options)))
		return SP_ENOMEM;
	return 0;
}

int report_set_scenario(report_t *r, size_t i, const char *name, const char *directives,
			const char *description, int provokes_race)
{
	report_scenario_t *s = &r->scenarios[i];
	free(s->name);
	free(s->directives);
	free(s->description);
	s->name = dup_or_empty(name);
	s->directives = dup_or_empty(directives);
	s->description = dup_or_empty(description);
	s->provokes_race = provokes_race;
	return s->name && s->directives && s->description ? 0 : SP_ENOMEM;
}

report_cell_t *report_cell(report_t *r, size_t scenario, size_t resolver)
{
	return &r->cells[scenario * r->nresolvers + resolver];
}

static void wire_clear(report_wire_t *w)
{
	free(w->reason);
	for (size_t i = 0; i < w->n_evidence; i++)
		free(w->evidence[i]);
	free(w->evidence);
	memset(w, 0, sizeof(*w));
}

void report_free(report_t *r)
{
	for (size_t c = 0; r->cells && c < r->ncells; c++) {
		if (!r->cells[c].trials)
			continue;
		for (unsigned k = 0; k < r->trials; k++) {
			wire_clear(&r->cells[c].trials[k].wire);
			free(r->cells[c].trials[k].packets);
			free(r->cells[c].trials[k].lookup.output);
		}
		free(r->cells[c].trials);
	}
	for (size_t i = 0; r->resolvers && i < r->nresolvers; i++) {
		free(r->resolvers[i].name);
		free(r->resolvers[i].description);
		free(r->resolvers[i].resolv_options);
	}
	for (size_t i = 0; r->scenarios && i < r->nscenarios; i++) {
		free(r->scenarios[i].name);
		free(r->scenarios[i].directives);
		free(r->scenarios[i].description);
	}
	free(r->cells);
	free(r->resolvers);
	free(r->scenarios);
	free(r->outdir);
	memset(r, 0, sizeof(*r));
}

/* ---- the join with sniff's JSON lines (schema: docs/sniff.md) ---- */

static int cmp_trial_ptr(const void *a, const void *b)
{
	const report_trial_t *x = *(report_trial_t *const *)a;
	const report_trial_t *y = *(report_trial_t *const *)b;
	return strcasecmp(x->name, y->name);
}

static int cmp_name_trial(const void *key, const void *elem)
{
	const report_trial_t *t = *(report_trial_t *const *)elem;
	return strcasecmp((const char *)key, t->name);
}

static unsigned get_uint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	if (n < 0)
		return 0;
	return n > (json_int_t)UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

static uint64_t get_u64(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	return n < 0 ? 0 : (uint64_t)n;
}

static void get_text(const json_t *o, const char *key, char *out, size_t outlen)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(out, outlen, "%s", s ? s : "");
}

static int parse_verdict(const char *s, enum verdict *v)
{
	static const enum verdict all[] = {VERDICT_CORRECT, VERDICT_RACING, VERDICT_INCONCLUSIVE};
	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, verdict_name(all[i])) == 0) {
			*v = all[i];
			return 0;
		}
	}
	return SP_EFORMAT;
}

/* The facts of the wire that sniff's trial line and report.json's trials give under the
 * same keys. */
static void wire_facts_from_json(report_wire_t *w, const json_t *o)
{
	get_text(o, "client", w->client, sizeof(w->client));
	w->queries = get_uint(o, "queries");
	w->requeries = get_uint(o, "requeries");
	w->answers = get_uint(o, "answers");
	w->sockets = get_uint(o, "sockets");
	w->tcp_queries = get_uint(o, "tcp_queries");
	get_text(o, "first_qtype", w->first_qtype, sizeof(w->first_qtype));
	get_text(o, "second_qtype", w->second_qtype, sizeof(w->second_qtype));
	w->parallel = json_is_true(json_object_get(o, "parallel"));
	const json_t *gap = json_object_get(o, "gap_us");
	w->has_gap = json_is_number(gap);
	w->gap_us = w->has_gap ? json_number_value(gap) : 0;
	w->race = get_uint(o, "race");
	w->late = get_uint(o, "late");
	w->duplicate = get_uint(o, "duplicate");
}

static int fill_wire(report_wire_t *w, const json_t *o, char *why, size_t whylen)
{
	const char *verdict = json_string_value(json_object_get(o, "verdict"));
	enum verdict v;
	if (parse_verdict(verdict, &v) < 0) {
		snprintf(why, whylen, "trial without a known verdict ('%s')",
			 verdict ? verdict : "none");
		return SP_ESYNTAX;
	}
	wire_clear(w);
	w->seen = 1;
	w->verdict = v;
	const char *reason = json_string_value(json_object_get(o, "reason"));
	if (reason && !(w->reason = strdup(reason)))
		return SP_ENOMEM;
	wire_facts_from_json(w, o);

	const json_t *ev = json_object_get(o, "evidence");
	size_t n = json_is_array(ev) ? json_array_size(ev) : 0;
	if (n == 0)
		return 0;
	w->evidence = calloc(n, sizeof(*w->evidence));
	if (!w->evidence)
		return SP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(ev, i);
		const char *text = json_is_string(e)
				       ? json_string_value(e)
				       : json_string_value(json_object_get(e, "text"));
		if (!text)
			continue;
		if (!(w->evidence[w->n_evidence] = strdup(text)))
			return SP_ENOMEM;
		w->n_evidence++;
	}
	return 0;
}

/* One line of sniff's output; 0, SP_ENOMEM, or SP_ESYNTAX with the reason in why. */
static int join_line(report_t *r, report_trial_t **index, size_t nindex, const json_t *o, char *why,
		     size_t whylen)
{
	if (!json_is_object(o)) {
		snprintf(why, whylen, "not a JSON object");
		return SP_ESYNTAX;
	}
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!type) {
		snprintf(why, whylen, "no \"type\" field");
		return SP_ESYNTAX;
	}
	if (strcmp(type, "summary") == 0) {
		r->have_capture = 1;
		r->frames = get_u64(o, "frames");
		r->drops = get_u64(o, "drops");
		r->drops_known = json_is_true(json_object_get(o, "drops_known"));
		return 0;
	}
	if (strcmp(type, "trial") != 0)
		return 0;
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!name) {
		snprintf(why, whylen, "trial without a \"name\"");
		return SP_ESYNTAX;
	}
	report_trial_t **hit =
	    nindex ? bsearch(name, index, nindex, sizeof(*index), cmp_name_trial) : NULL;
	if (!hit)
		return 0; /* not one of this run's names: a stray query on the lab link */
	return fill_wire(&(*hit)->wire, o, why, whylen);
}

report_trial_t **report_name_index(report_t *r, size_t *nindex)
{
	size_t total = r->ncells * r->trials;
	report_trial_t **index = calloc(total ? total : 1, sizeof(*index));
	*nindex = 0;
	if (!index)
		return NULL;
	for (size_t c = 0; c < r->ncells; c++)
		for (unsigned k = 0; k < r->trials; k++)
			if (r->cells[c].trials[k].name[0])
				index[(*nindex)++] = &r->cells[c].trials[k];
	qsort(index, *nindex, sizeof(*index), cmp_trial_ptr);
	return index;
}

report_trial_t *report_index_find(report_trial_t **index, size_t nindex, const char *name)
{
	report_trial_t **hit =
	    nindex ? bsearch(name, index, nindex, sizeof(*index), cmp_name_trial) : NULL;
	return hit ? *hit : NULL;
}

int report_add_packet(report_trial_t *t, const report_packet_t *p)
{
	if (t->npackets >= REPORT_PACKETS_MAX) {
		t->packets_over++;
		return 0;
	}
	if (t->npackets == t->packets_cap) {
		size_t cap = t->packets_cap ? t->packets_cap * 2 : 8;
		report_packet_t *bigger = realloc(t->packets, cap * sizeof(*bigger));
		if (!bigger)
			return SP_ENOMEM;
		t->packets = bigger;
		t->packets_cap = cap;
	}
	t->packets[t->npackets++] = *p;
	return 0;
}

int report_join_sniff(report_t *r, const char *text, size_t len, char *err, size_t errlen)
{
	size_t nindex;
	report_trial_t **index = report_name_index(r, &nindex);
	if (!index)
		return SP_ENOMEM;

	int rc = 0;
	unsigned lineno = 0;
	size_t pos = 0;
	while (pos < len && rc == 0) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - line) : len - pos;
		pos += linelen + (nl ? 1 : 0);
		lineno++;
		size_t blank = 0;
		while (blank < linelen && strchr(" \t\r", line[blank]))
			blank++;
		if (blank == linelen)
			continue;
		json_error_t je;
		json_t *o = json_loadb(line, linelen, 0, &je);
		char why[200] = "";
		if (!o) {
			snprintf(why, sizeof(why), "not JSON (%s)", je.text);
			rc = SP_ESYNTAX;
		} else {
			rc = join_line(r, index, nindex, o, why, sizeof(why));
			json_decref(o);
		}
		if (rc == SP_ESYNTAX)
			snprintf(err, errlen, "line %u: %s", lineno, why);
	}
	free(index);
	return rc;
}

/* ---- the second witness: fakens's log (docs/fakens.md) ---- */

int report_join_fakens(report_t *r, const char *text, size_t len)
{
	size_t nindex;
	report_trial_t **index = report_name_index(r, &nindex);
	if (!index)
		return SP_ENOMEM;
	for (size_t c = 0; c < r->ncells; c++)
		for (unsigned k = 0; k < r->trials; k++)
			r->cells[c].trials[k].fakens_refused = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - line) : len - pos;
		pos += linelen + (nl ? 1 : 0);
		/* Cheap filter first: the log holds a line per query and answer. */
		if (!memmem(line, linelen, "\"icmp\"", 6))
			continue;
		json_t *o = json_loadb(line, linelen, 0, NULL);
		const char *event = json_string_value(json_object_get(o, "event"));
		const char *name = json_string_value(json_object_get(o, "qname"));
		if (event && name && strcmp(event, "icmp") == 0 && nindex) {
			report_trial_t **hit =
			    bsearch(name, index, nindex, sizeof(*index), cmp_name_trial);
			if (hit)
				(*hit)->fakens_refused++;
		}
		json_decref(o);
	}
	r->have_fakens = 1;
	free(index);
	return 0;
}

static unsigned sniff_refused(const report_trial_t *t)
{
	return t->wire.race + t->wire.late + t->wire.duplicate;
}

size_t report_disagreements(const report_t *r, const report_trial_t **first)
{
	size_t n = 0;
	if (first)
		*first = NULL;
	for (size_t c = 0; r->have_fakens && c < r->ncells; c++) {
		for (unsigned k = 0; k < r->trials; k++) {
			const report_trial_t *t = &r->cells[c].trials[k];
			if (!t->name[0] || sniff_refused(t) == t->fakens_refused)
				continue;
			if (n++ == 0 && first)
				*first = t;
		}
	}
	return n;
}

/* ---- verdicts ---- */

void report_fail(report_t *r, const char *reason)
{
	r->failed = 1;
	r->exit_status = 2;
	snprintf(r->exit_reason, sizeof(r->exit_reason), "%s", reason);
}

static void judge_trial(report_trial_t *t)
{
	if (!t->wire.seen) {
		t->verdict = VERDICT_INCONCLUSIVE;
		t->reason = NO_QUERIES;
	} else if (t->wire.verdict == VERDICT_CORRECT && !t->lookup.done) {
		/* The wire shows no race so far, but without the resolver's return we cannot
		 * tell whether it would have taken the first answer and gone. */
		t->verdict = VERDICT_INCONCLUSIVE;
		t->reason = NO_RESULT;
	} else {
		t->verdict = t->wire.verdict;
		t->reason = t->wire.reason;
		if (t->verdict == VERDICT_INCONCLUSIVE && !t->reason)
			t->reason = NO_REASON;
	}
}

static unsigned cell_run(const report_t *r, const report_cell_t *c)
{
	unsigned n = 0;
	for (unsigned k = 0; k < r->trials; k++)
		n += c->trials[k].name[0] != 0;
	return n;
}

static const char *cell_count(const report_t *r, const report_cell_t *c, char *out, size_t outlen)
{
	unsigned run = cell_run(r, c);
	unsigned n = c->verdict == VERDICT_RACING    ? c->racing
		     : c->verdict == VERDICT_CORRECT ? c->correct
						     : c->inconclusive;
	if (run == 0)
		snprintf(out, outlen, "not run");
	else
		snprintf(out, outlen, "%s %u/%u", verdict_name(c->verdict), n, run);
	return out;
}

static const char *first_reason(const report_t *r, const report_cell_t *c)
{
	for (unsigned k = 0; k < r->trials; k++)
		if (c->trials[k].name[0] && c->trials[k].verdict == VERDICT_INCONCLUSIVE)
			return c->trials[k].reason;
	return "the trials were not run";
}

static void decide_exit(report_t *r)
{
	char count[64];
	const report_cell_t *racing = NULL, *unsure = NULL;
	size_t nracing = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		const report_resolver_t *res = &r->resolvers[c->resolver];
		if (res->control) {
			unsigned run = cell_run(r, c);
			if (!r->scenarios[c->scenario].provokes_race ||
			    (run > 0 && c->racing == run))
				continue;
			r->exit_status = 2;
			snprintf(r->exit_reason, sizeof(r->exit_reason),
				 "the %s control did not race in scenario %s (%u/%u): the lab "
				 "cannot see races, so its other verdicts mean nothing; check the "
				 "capture in %s",
				 res->name, r->scenarios[c->scenario].name, c->racing, run,
				 r->outdir);
			return;
		}
		if (c->verdict == VERDICT_RACING) {
			if (!racing)
				racing = c;
			nracing++;
		} else if (c->verdict == VERDICT_INCONCLUSIVE && !unsure) {
			unsure = c;
		}
	}
	if (racing) {
		r->exit_status = 1;
		int n = snprintf(
		    r->exit_reason, sizeof(r->exit_reason), "%s races in scenario %s (%s)",
		    r->resolvers[racing->resolver].name, r->scenarios[racing->scenario].name,
		    cell_count(r, racing, count, sizeof(count)));
		if (nracing > 1 && n > 0 && (size_t)n < sizeof(r->exit_reason))
			snprintf(r->exit_reason + n, sizeof(r->exit_reason) - (size_t)n,
				 ", and %zu more cell%s race%s", nracing - 1,
				 nracing > 2 ? "s" : "", nracing > 2 ? "" : "s");
		return;
	}
	if (unsure) {
		r->exit_status = 2;
		snprintf(r->exit_reason, sizeof(r->exit_reason),
			 "no verdict for %s in scenario %s (%s: %s); check the capture in %s",
			 r->resolvers[unsure->resolver].name, r->scenarios[unsure->scenario].name,
			 cell_count(r, unsure, count, sizeof(count)), first_reason(r, unsure),
			 r->outdir);
		return;
	}
	r->exit_status = 0;
	snprintf(r->exit_reason, sizeof(r->exit_reason),
		 "every resolver under test is correct in every scenario");
}

void report_finish(report_t *r)
{
	for (size_t i = 0; i < r->ncells; i++) {
		report_cell_t *c = &r->cells[i];
		unsigned run = 0;
		c->racing = c->correct = c->inconclusive = 0;
		for (unsigned k = 0; k < r->trials; k++) {
			report_trial_t *t = &c->trials[k];
			if (!t->name[0])
				continue;
			run++;
			judge_trial(t);
			if (t->verdict == VERDICT_RACING)
				c->racing++;
			else if (t->verdict == VERDICT_CORRECT)
				c->correct++;
			else
				c->inconclusive++;
		}
		if (c->racing > 0)
			c->verdict = VERDICT_RACING;
		else if (run > 0 && c->correct == run)
			c->verdict = VERDICT_CORRECT;
		else
			c->verdict = VERDICT_INCONCLUSIVE;
		report_behaviour(c->trials, r->trials, c->behaviour, sizeof(c->behaviour));
		report_undocumented(r, c, c->undocumented, sizeof(c->undocumented));
	}
	if (!r->failed)
		decide_exit(r);
}

int report_provokes_race(const directives_t *d)
{
	const directive_rule_t *a = &d->rule[DIR_Q_A], *aaaa = &d->rule[DIR_Q_AAAA];
	if (a->action == DIR_DROP || aaaa->action == DIR_DROP)
		return 0;
	uint64_t gap = a->delay_ns > aaaa->delay_ns ? a->delay_ns - aaaa->delay_ns
						    : aaaa->delay_ns - a->delay_ns;
	return gap >= 1000000ULL;
}

/* ---- the behaviour phrase ---- */

typedef int (*same_fn)(const report_trial_t *a, const report_trial_t *b);
typedef int (*use_fn)(const report_trial_t *t);

/* Index of the most common value among the trials use() accepts (the earliest on a tie),
 * or n when it accepts none. Cells hold at most 1000 trials: quadratic is fine. */
static size_t majority(const report_trial_t *t, size_t n, use_fn use, same_fn same)
{
	size_t best = n, best_count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!use(&t[i]))
			continue;
		size_t count = 0;
		for (size_t j = 0; j < n; j++)
			count += use(&t[j]) && same(&t[i], &t[j]);
		if (count > best_count) {
			best = i;
			best_count = count;
		}
	}
	return best;
}

static int used_seen(const report_trial_t *t) { return t->name[0] && t->wire.seen; }

static int used_run(const report_trial_t *t) { return t->name[0] != 0; }

static int same_sockets(const report_trial_t *a, const report_trial_t *b)
{
	return a->wire.sockets == b->wire.sockets;
}

static int same_order(const report_trial_t *a, const report_trial_t *b)
{
	return strcmp(a->wire.first_qtype, b->wire.first_qtype) == 0 &&
	       strcmp(a->wire.second_qtype, b->wire.second_qtype) == 0 &&
	       a->wire.parallel == b->wire.parallel;
}

static int same_tcp(const report_trial_t *a, const report_trial_t *b)
{
	return (a->wire.tcp_queries > 0) == (b->wire.tcp_queries > 0);
}

static int same_requeries(const report_trial_t *a, const report_trial_t *b)
{
	return a->wire.requeries == b->wire.requeries;
}

static int same_returned(const report_trial_t *a, const report_trial_t *b)
{
	const report_lookup_t *x = &a->lookup, *y = &b->lookup;
	if (x->done != y->done || x->timed_out != y->timed_out)
		return 0;
	if (x->timed_out)
		return 1;
	if (x->ok != y->ok)
		return 0;
	return x->ok ? x->families == y->families : strcmp(x->error, y->error) == 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends ", text" (or text when out is empty), truncating silently. */
static void add_part(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_part(char *out, size_t outlen, const char *fmt, ...)
{
	size_t used = strlen(out);
	if (used + 1 >= outlen)
		return;
	if (used) {
		snprintf(out + used, outlen - used, ", ");
		used = strlen(out);
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out + used, outlen - used, fmt, ap);
	va_end(ap);
}

static const char *families_text(unsigned families)
{
	switch (families & (REPORT_FAM_V4 | REPORT_FAM_V6)) {
	case REPORT_FAM_V4 | REPORT_FAM_V6:
		return "A+AAAA";
	case REPORT_FAM_V4:
		return "A only";
	case REPORT_FAM_V6:
		return "AAAA only";
	default:
		return "no address";
	}
}

/* The behaviour phrase; without the time when !with_time, and with the order as "A, AAAA"
 * (which type first, not whether the second waited) when !with_order. */
static const char *describe(const report_trial_t *t, size_t n, int with_order, int with_time,
			    char *out, size_t outlen)
{
	if (outlen == 0)
		return out;
	out[0] = 0;

	size_t i = majority(t, n, used_seen, same_sockets);
	if (i == n) {
		add_part(out, outlen, "no queries seen");
	} else {
		unsigned s = t[i].wire.sockets;
		add_part(out, outlen, "%u socket%s", s, s == 1 ? "" : "s");
		const report_wire_t *w = &t[majority(t, n, used_seen, same_order)].wire;
		if (!w->first_qtype[0])
			add_part(out, outlen, "no query type");
		else if (!w->second_qtype[0])
			add_part(out, outlen, "asked %s only", w->first_qtype);
		else if (!with_order)
			add_part(out, outlen, "%s, %s", w->first_qtype, w->second_qtype);
		else if (w->parallel)
			add_part(out, outlen, "%s+%s parallel", w->first_qtype, w->second_qtype);
		else
			add_part(out, outlen, "%s then %s", w->first_qtype, w->second_qtype);
		if (t[majority(t, n, used_seen, same_tcp)].wire.tcp_queries > 0)
			add_part(out, outlen, "over TCP");
		unsigned rq = t[majority(t, n, used_seen, same_requeries)].wire.requeries;
		if (rq > 0)
			add_part(out, outlen, "%u retr%s", rq, rq == 1 ? "y" : "ies");
	}

	i = majority(t, n, used_run, same_returned);
	if (i < n) {
		const report_lookup_t *l = &t[i].lookup;
		if (!l->done)
			add_part(out, outlen, "no result%s%s%s", l->error[0] ? " (" : "", l->error,
				 l->error[0] ? ")" : "");
		else if (l->timed_out)
			add_part(out, outlen, "timed out");
		else if (l->ok)
			add_part(out, outlen, "returned %s", families_text(l->families));
		else if (l->has_status)
			add_part(out, outlen, "program exited %d (output in report.json)",
				 l->exit_status);
		else
			add_part(out, outlen, "returned an error (%s)",
				 l->error[0] ? l->error : "no text");
	}

	if (!with_time)
		return out;
	uint64_t *el = calloc(n ? n : 1, sizeof(*el));
	size_t ne = 0;
	for (size_t k = 0; el && k < n; k++)
		if (t[k].name[0] && t[k].lookup.done && !t[k].lookup.timed_out)
			el[ne++] = t[k].lookup.elapsed_ns;
	if (ne > 0) {
		char dur[32];
		qsort(el, ne, sizeof(*el), cmp_u64);
		uint64_t med = ne % 2 ? el[ne / 2] : el[ne / 2 - 1] / 2 + el[ne / 2] / 2;
		add_part(out, outlen, "%s", sp_duration_str(med, dur, sizeof(dur)));
	}
	free(el);
	return out;
}

const char *report_behaviour(const report_trial_t *t, size_t n, char *out, size_t outlen)
{
	return describe(t, n, 1, 1, out, outlen);
}

static int same_first(const report_trial_t *a, const report_trial_t *b)
{
	return strcmp(a->wire.first_qtype, b->wire.first_qtype) == 0;
}

/* Whether the wire can tell a client that waits for the first answer from one that does
 * not: only when that answer is not immediate from any server. */
static int order_visible(const report_scenario_t *s, const char *first_qtype)
{
	directives_t d;
	char bad[64];
	uint16_t qtype = strcmp(first_qtype, "A") == 0      ? DNS_T_A
			 : strcmp(first_qtype, "AAAA") == 0 ? DNS_T_AAAA
							    : 0;
	directives_init(&d);
	if (!qtype || directive_parse_text(s->directives, &d, bad, sizeof(bad)) < 0)
		return 0;
	for (int sv = 0; sv <= DIRECTIVE_MAX_SERVERS; sv++) {
		const directive_rule_t *rule = directive_rule_for_server(&d, sv, qtype);
		if (!rule || (rule->action != DIR_DROP && rule->delay_ns < 1000000ULL))
			return 0;
	}
	return 1;
}

const char *report_signature(const report_t *r, const report_cell_t *c, char *out, size_t outlen)
{
	size_t n = r->trials, first = majority(c->trials, n, used_seen, same_first);
	int with_order = first < n && order_visible(&r->scenarios[c->scenario],
						    c->trials[first].wire.first_qtype);
	return describe(c->trials, n, with_order, 0, out, outlen);
}

/* ---- documented behaviour (docs/resolvers.md, "Documented behaviour") ---- */

enum doc_order { DOC_ORDER_UNSAID = 0, DOC_PARALLEL, DOC_SEQUENTIAL };
enum doc_transport {
	DOC_UDP_TC_TCP = 0, /* UDP; TCP after a truncated answer */
	DOC_TCP,            /* every query over TCP */
	DOC_UDP_IGNTC,      /* UDP; a truncated answer is taken as it is */
	DOC_UDP_ONLY,       /* UDP; what happens on truncation is not documented */
};

struct report_doc {
	const char *resolver;
	const char *docs;    /* whose documentation, in the sentence */
	const char *library; /* "glibc", "c-ares", "musl": the version comes from the
				platform */
	enum doc_order order;
	int one_socket; /* both queries from one socket when nothing goes wrong */
	int reopen;     /* a new socket only when an answer went missing */
	enum doc_transport transport;
	int parallel_servers; /* every server at once, first answer taken */
	const char *summary;
};

static const report_doc_t report_docs[] = {
    {"glibc", "resolv.conf(5)", "glibc", DOC_PARALLEL, 1, 0, DOC_UDP_TC_TCP, 0,
     "resolv.conf(5): A and AAAA in parallel (since 2.9) from one socket; timeout:1 "
     "attempts:2 bound each try; RFC 7766: TCP after a truncated answer"},
    {"glibc-single-request", "resolv.conf(5)", "glibc", DOC_SEQUENTIAL, 1, 0, DOC_UDP_TC_TCP, 0,
     "resolv.conf(5) single-request: the A and AAAA requests one after the other"},
    {"glibc-single-request-reopen", "resolv.conf(5)", "glibc", DOC_ORDER_UNSAID, 1, 1,
     DOC_UDP_TC_TCP, 0,
     "resolv.conf(5) single-request-reopen: one socket for A and AAAA; a new socket for "
     "the second request only when the first exchange is not handled correctly"},
    {"glibc-use-vc", "resolv.conf(5)", "glibc", DOC_PARALLEL, 1, 0, DOC_TCP, 0,
     "resolv.conf(5) use-vc: every query over TCP"},
    {"glibc-short", "resolv.conf(5)", "glibc", DOC_PARALLEL, 1, 0, DOC_UDP_TC_TCP, 0,
     "resolv.conf(5) timeout:1 attempts:1: one try of 1 s per server"},
    {"c-ares", "ares_init_options(3)", "c-ares", DOC_ORDER_UNSAID, 0, 0, DOC_UDP_TC_TCP, 0,
     "ares_init_options(3): UDP, TCP only when a UDP answer is truncated; "
     "ARES_OPT_TIMEOUTMS 1000, ARES_OPT_TRIES 2"},
    {"c-ares-usevc", "ares_init_options(3)", "c-ares", DOC_ORDER_UNSAID, 0, 0, DOC_TCP, 0,
     "ares_init_options(3) ARES_FLAG_USEVC: always TCP"},
    {"c-ares-igntc", "ares_init_options(3)", "c-ares", DOC_ORDER_UNSAID, 0, 0, DOC_UDP_IGNTC, 0,
     "ares_init_options(3) ARES_FLAG_IGNTC: a truncated UDP answer is used as it is, no "
     "TCP"},
    {"c-ares-primary", "ares_init_options(3)", "c-ares", DOC_ORDER_UNSAID, 0, 0, DOC_UDP_TC_TCP, 0,
     "ares_init_options(3) ARES_FLAG_PRIMARY: only the first server"},
    {"musl", "documentation (musl wiki, 1.2.4 release notes)", "musl", DOC_ORDER_UNSAID, 0, 0,
     DOC_UDP_ONLY, 1,
     "musl: every nameserver asked at once, the first answer taken; no DNS over TCP "
     "before 1.2.4 (what a truncated answer does is not described)"},
};

const report_doc_t *report_doc_find(const char *resolver)
{
	for (size_t i = 0; resolver && i < sizeof(report_docs) / sizeof(report_docs[0]); i++)
		if (strcmp(report_docs[i].resolver, resolver) == 0)
			return &report_docs[i];
	return NULL;
}

const char *report_doc_summary(const report_doc_t *d) { return d ? d->summary : NULL; }

static int uses_tcp(const report_trial_t *t) { return t->wire.tcp_queries > 0; }

static int uses_udp(const report_trial_t *t) { return t->wire.queries > t->wire.tcp_queries; }

static int used_lookup(const report_trial_t *t) { return t->name[0] && t->lookup.done; }

static int same_udp(const report_trial_t *a, const report_trial_t *b)
{
	return uses_udp(a) == uses_udp(b);
}

/* What the scenario asks of the server, for the checks below. */
typedef struct scen_facts {
	int tc, both_answered, several_servers, plain;
} scen_facts_t;

static scen_facts_t scenario_facts(const report_scenario_t *s)
{
	scen_facts_t f = {0};
	directives_t d;
	char bad[64];
	directives_init(&d);
	if (directive_parse_text(s->directives, &d, bad, sizeof(bad)) < 0)
		return f;
	int answered = 1, slow = 0;
	for (int sv = 0; sv <= DIRECTIVE_MAX_SERVERS; sv++)
		for (int q = 0; q < DIR_Q_COUNT; q++) {
			const directive_rule_t *rule =
			    directive_rule_for_server(&d, sv, q ? DNS_T_AAAA : DNS_T_A);
			f.tc |= rule->tc;
			answered &= rule->action == DIR_ANSWER;
			slow |= rule->delay_ns >= 1000000000ULL || rule->ctloss || rule->decoys;
			if (sv > 0)
				f.several_servers |= directive_rule_is_set(&d.server[sv - 1][q]);
		}
	f.both_answered = answered;
	f.plain = answered && !f.tc && !slow && !f.several_servers;
	return f;
}

/* Appends a clause to a list joined by ", " and a final " and ". */
static void add_clause(char clauses[][160], size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_clause(char clauses[][160], size_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(clauses[*n], 160, fmt, ap);
	va_end(ap);
	(*n)++;
}

const char *report_undocumented(const report_t *r, const report_cell_t *c, char *out, size_t outlen)
{
	const report_resolver_t *res = &r->resolvers[c->resolver];
	const report_doc_t *d = report_doc_find(res->name);
	const report_trial_t *t = c->trials;
	size_t n = r->trials, k;
	char clauses[6][160];
	size_t nc = 0;

	if (outlen)
		out[0] = 0;
	if (!d || res->control || cell_run(r, c) == 0)
		return out;
	scen_facts_t f = scenario_facts(&r->scenarios[c->scenario]);
	size_t seen = majority(t, n, used_seen, same_sockets);
	if (seen == n)
		return out; /* nothing on the wire to compare */

	if (c->verdict == VERDICT_RACING && !(d->parallel_servers && f.several_servers))
		add_clause(clauses, &nc,
			   "took the first answer and closed its socket before the "
			   "other came back (racing %u/%u)",
			   c->racing, cell_run(r, c));
	int tcp = uses_tcp(&t[majority(t, n, used_seen, same_tcp)]);
	int udp = uses_udp(&t[majority(t, n, used_seen, same_udp)]);
	if (d->transport == DOC_TCP && udp)
		add_clause(clauses, &nc, "asked over UDP");
	else if (d->transport == DOC_UDP_TC_TCP && f.tc && !tcp)
		add_clause(clauses, &nc, "never asked over TCP after the truncated answer");
	else if (d->transport != DOC_TCP && !f.tc && tcp)
		add_clause(clauses, &nc, "asked over TCP without a truncated answer");
	else if ((d->transport == DOC_UDP_IGNTC || d->transport == DOC_UDP_ONLY) && tcp)
		add_clause(clauses, &nc, "asked over TCP");
	else if (d->transport == DOC_UDP_ONLY && f.tc)
		add_clause(clauses, &nc, "never asked over TCP after the truncated answer");

	/* A parallel query is proof on the wire; a sequential one only where the first
	 * answer was not immediate (report_signature). */
	const report_wire_t *w = &t[majority(t, n, used_seen, same_order)].wire;
	int any_parallel = 0;
	for (k = 0; k < n; k++)
		any_parallel |= used_seen(&t[k]) && t[k].wire.second_qtype[0] && t[k].wire.parallel;
	if (d->order == DOC_SEQUENTIAL && any_parallel)
		add_clause(clauses, &nc, "sent its second query before the first answer came back");
	else if (d->order == DOC_PARALLEL && w->second_qtype[0] && !w->parallel &&
		 order_visible(&r->scenarios[c->scenario], w->first_qtype))
		add_clause(clauses, &nc, "waited for the %s answer before asking %s",
			   w->first_qtype, w->second_qtype);

	unsigned sockets = t[seen].wire.sockets;
	if (d->one_socket && f.plain && !tcp && sockets > 1)
		add_clause(clauses, &nc, "%s %u sockets although every answer came",
			   d->reopen ? "opened a new socket for the second query, using" : "used",
			   sockets);

	k = majority(t, n, used_lookup, same_returned);
	const report_lookup_t *l = k < n ? &t[k].lookup : NULL;
	int gets_tc = d->transport == DOC_UDP_TC_TCP || d->transport == DOC_TCP;
	if (l && l->timed_out)
		add_clause(clauses, &nc, "did not return before probe killed it at its timeout");
	else if (l && f.both_answered && (!f.tc || gets_tc) &&
		 (l->families & (REPORT_FAM_V4 | REPORT_FAM_V6)) != (REPORT_FAM_V4 | REPORT_FAM_V6))
		add_clause(clauses, &nc, "returned %s",
			   l->ok ? families_text(l->families) : "no address");
	else if (l && d->transport == DOC_UDP_ONLY && f.tc)
		add_clause(clauses, &nc, "returned %s",
			   l->ok ? families_text(l->families) : "no address");
	if (nc == 0)
		return out;

	const report_platform_t *p = &r->platform;
	const char *version = !p->known                           ? ""
			      : strcmp(d->library, "glibc") == 0  ? p->libc_version
			      : strcmp(d->library, "c-ares") == 0 ? p->cares_version
								  : p->musl_version;
	int len;
	if (strcmp(res->name, d->library) == 0)
		len = snprintf(out, outlen, "%s%s%s in %s ", res->name, version[0] ? " " : "",
			       version, r->scenarios[c->scenario].name);
	else
		len = snprintf(out, outlen, "%s (%s%s%s) in %s ", res->name, d->library,
			       version[0] ? " " : "", version, r->scenarios[c->scenario].name);
	for (k = 0; k < nc && len >= 0 && (size_t)len < outlen; k++)
		len += snprintf(out + len, outlen - (size_t)len, "%s%s",
				k == 0        ? ""
				: k + 1 == nc ? " and "
					      : ", ",
				clauses[k]);
	if (len >= 0 && (size_t)len < outlen)
		snprintf(out + len, outlen - (size_t)len, "; %s's %s does not describe this",
			 d->library, d->docs);
	return out;
}

/* ---- the table ---- */

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

int report_colour_wanted(int fd)
{
	const char *no = getenv("NO_COLOR");
	return isatty(fd) && !(no && no[0]);
}

static const char *verdict_colour(enum verdict v)
{
	return v == VERDICT_RACING ? "\033[31m" : v == VERDICT_CORRECT ? "\033[32m" : "\033[33m";
}

int report_print_table(const report_t *r, FILE *f) { return report_print_table_colour(r, f, 0); }

int report_print_table_colour(const report_t *r, FILE *f, int colour)
{
	static const char *const head[3] = {"resolver", "scenario", "verdict"};
	size_t w[3] = {strlen(head[0]), strlen(head[1]), strlen(head[2])};
	char count[64];
	int controls = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		const report_resolver_t *res = &r->resolvers[c->resolver];
		w[0] = max_size(w[0], strlen(res->name) + (res->control ? 1 : 0));
		w[1] = max_size(w[1], strlen(r->scenarios[c->scenario].name));
		w[2] = max_size(w[2], strlen(cell_count(r, c, count, sizeof(count))));
		controls |= res->control;
	}
	errno = 0;
	fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2],
		head[2], "behaviour");
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		const report_resolver_t *res = &r->resolvers[c->resolver];
		char name[REPORT_NAME_MAX];
		snprintf(name, sizeof(name), "%s%s", res->name, res->control ? "*" : "");
		/* The escape codes go around the padded text so that columns stay aligned. */
		fprintf(f, "%-*s  %-*s  %s%-*s%s  %s\n", (int)w[0], name, (int)w[1],
			r->scenarios[c->scenario].name, colour ? verdict_colour(c->verdict) : "",
			(int)w[2], cell_count(r, c, count, sizeof(count)), colour ? "\033[0m" : "",
			c->behaviour);
	}
	if (controls) {
		fprintf(f, "* control: expected to race");
		const char *sep = "; not judged where no race is provoked: ";
		for (size_t s = 0; s < r->nscenarios; s++) {
			if (r->scenarios[s].provokes_race)
				continue;
			fprintf(f, "%s%s", sep, r->scenarios[s].name);
			sep = ", ";
		}
		fputc('\n', f);
	}
	fprintf(f, "\nrun: %s\n", r->outdir);
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		for (unsigned k = 0; k < r->trials; k++) {
			const report_trial_t *t = &c->trials[k];
			if (!t->name[0] || t->verdict != VERDICT_RACING || t->wire.n_evidence == 0)
				continue;
			fprintf(f, "  %s %s: %s\n", r->resolvers[c->resolver].name, t->name,
				t->wire.evidence[0]);
		}
	}
	for (size_t i = 0, any = 0; i < r->ncells; i++) {
		if (!r->cells[i].undocumented[0])
			continue;
		if (!any++)
			fprintf(f, "beyond the resolvers' documentation (docs/resolvers.md):\n");
		fprintf(f, "  %s\n", r->cells[i].undocumented);
	}
	const report_trial_t *t1;
	size_t nd = report_disagreements(r, &t1);
	if (nd > 0)
		fprintf(f,
			"witnesses disagree on refused answers in %zu trial%s, first %s: sniff "
			"saw %u, fakens heard of %u (see fakens.jsonl and the capture)\n",
			nd, nd == 1 ? "" : "s", t1->name, sniff_refused(t1), t1->fakens_refused);
	fprintf(f, "result: %s\n", r->exit_reason);
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* ---- report.json ---- */

/* json_string refuses bytes that are not UTF-8; a scenario file may hold some. */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s ? s : "");
	if (v || !s)
		return v;
	char *copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *jstr_or_null(const char *s) { return s && s[0] ? jstr(s) : json_null(); }

/* Sets key and remembers a failure; set_new takes value even when it fails. */
static void put(json_t *o, const char *key, json_t *value, int *bad)
{
	if (!value || json_object_set_new(o, key, value) != 0)
		*bad = 1;
}

static void push(json_t *a, json_t *value, int *bad)
{
	if (!value || json_array_append_new(a, value) != 0)
		*bad = 1;
}

static json_t *trial_json(const report_trial_t *t, int have_fakens, int *bad)
{
	json_t *o = json_object(), *ret = json_array(), *ev = json_array();
	const report_wire_t *w = &t->wire;
	const report_lookup_t *l = &t->lookup;
	if (!o || !ret || !ev) {
		*bad = 1;
		json_decref(o);
		json_decref(ret);
		json_decref(ev);
		return NULL;
	}
	put(o, "name", jstr(t->name), bad);
	put(o, "verdict", jstr(verdict_name(t->verdict)), bad);
	put(o, "reason", jstr_or_null(t->reason), bad);
	put(o, "client", jstr_or_null(w->client), bad);
	put(o, "queries", json_integer(w->queries), bad);
	put(o, "requeries", json_integer(w->requeries), bad);
	put(o, "answers", json_integer(w->answers), bad);
	put(o, "sockets", json_integer(w->sockets), bad);
	put(o, "tcp_queries", json_integer(w->tcp_queries), bad);
	put(o, "first_qtype", jstr_or_null(w->first_qtype), bad);
	put(o, "second_qtype", jstr_or_null(w->second_qtype), bad);
	put(o, "parallel", w->seen ? json_boolean(w->parallel) : json_null(), bad);
	put(o, "gap_us", w->has_gap ? json_real(w->gap_us) : json_null(), bad);
	put(o, "race", json_integer(w->race), bad);
	put(o, "late", json_integer(w->late), bad);
	put(o, "duplicate", json_integer(w->duplicate), bad);
	put(o, "fakens_refused", have_fakens ? json_integer(t->fakens_refused) : json_null(), bad);
	if (l->done && l->ok) {
		if (l->families & REPORT_FAM_V4)
			push(ret, jstr("A"), bad);
		if (l->families & REPORT_FAM_V6)
			push(ret, jstr("AAAA"), bad);
	}
	put(o, "returned", ret, bad);
	put(o, "error", jstr_or_null(l->error), bad);
	put(o, "timed_out", json_boolean(l->timed_out), bad);
	put(o, "exit_status", l->has_status ? json_integer(l->exit_status) : json_null(), bad);
	put(o, "output", l->has_status && l->output ? jstr(l->output) : json_null(), bad);
	put(o, "elapsed_us",
	    l->done && !l->timed_out ? json_integer((json_int_t)(l->elapsed_ns / 1000))
				     : json_null(),
	    bad);
	for (size_t i = 0; i < w->n_evidence; i++)
		push(ev, jstr(w->evidence[i]), bad);
	put(o, "evidence", ev, bad);
	return o;
}

static json_t *cell_json(const report_t *r, const report_cell_t *c, int *bad)
{
	json_t *o = json_object(), *trials = json_array();
	char count[64];
	if (!o || !trials) {
		*bad = 1;
		json_decref(o);
		json_decref(trials);
		return NULL;
	}
	const report_resolver_t *res = &r->resolvers[c->resolver];
	put(o, "resolver", jstr(res->name), bad);
	put(o, "scenario", jstr(r->scenarios[c->scenario].name), bad);
	put(o, "control", json_boolean(res->control), bad);
	put(o, "verdict", jstr(verdict_name(c->verdict)), bad);
	put(o, "count", jstr(cell_count(r, c, count, sizeof(count))), bad);
	put(o, "racing", json_integer(c->racing), bad);
	put(o, "correct", json_integer(c->correct), bad);
	put(o, "inconclusive", json_integer(c->inconclusive), bad);
	put(o, "behaviour", jstr(c->behaviour), bad);
	char sig[256];
	put(o, "signature", jstr(report_signature(r, c, sig, sizeof(sig))), bad);
	put(o, "undocumented", jstr_or_null(c->undocumented), bad);
	for (unsigned k = 0; k < r->trials; k++)
		if (c->trials[k].name[0])
			push(trials, trial_json(&c->trials[k], r->have_fakens, bad), bad);
	put(o, "trials", trials, bad);
	return o;
}

json_t *report_json(const report_t *r)
{
	int bad = 0;
	json_t *o = json_object(), *res = json_array(), *sc = json_array(), *cells = json_array(),
	       *cap = json_object();
	if (!o || !res || !sc || !cells || !cap) {
		json_decref(o);
		json_decref(res);
		json_decref(sc);
		json_decref(cells);
		json_decref(cap);
		return NULL;
	}
	put(o, "tool", jstr("stubprobe"), &bad);
	put(o, "version", jstr(SP_VERSION), &bad);
	put(o, "run_id", jstr(r->run_id), &bad);
	put(o, "started_utc", jstr(r->started_utc), &bad);
	put(o, "trials", json_integer(r->trials), &bad);
	put(o, "topology", jstr_or_null(r->topology), &bad);
	for (size_t i = 0; i < r->nresolvers; i++) {
		json_t *e = json_object();
		if (e) {
			put(e, "name", jstr(r->resolvers[i].name), &bad);
			put(e, "control", json_boolean(r->resolvers[i].control), &bad);
			put(e, "description", jstr(r->resolvers[i].description), &bad);
			put(e, "resolv_options", jstr_or_null(r->resolvers[i].resolv_options),
			    &bad);
			put(e, "documented",
			    jstr_or_null(report_doc_summary(report_doc_find(r->resolvers[i].name))),
			    &bad);
		}
		push(res, e, &bad);
	}
	put(o, "resolvers", res, &bad);
	for (size_t i = 0; i < r->nscenarios; i++) {
		json_t *e = json_object();
		if (e) {
			put(e, "name", jstr(r->scenarios[i].name), &bad);
			put(e, "directives", jstr(r->scenarios[i].directives), &bad);
			put(e, "description", jstr(r->scenarios[i].description), &bad);
		}
		push(sc, e, &bad);
	}
	put(o, "scenarios", sc, &bad);
	for (size_t i = 0; i < r->ncells; i++)
		push(cells, cell_json(r, &r->cells[i], &bad), &bad);
	put(o, "cells", cells, &bad);
	put(cap, "file", jstr("capture.pcapng"), &bad);
	put(cap, "frames", r->have_capture ? json_integer((json_int_t)r->frames) : json_null(),
	    &bad);
	put(cap, "drops",
	    r->have_capture && r->drops_known ? json_integer((json_int_t)r->drops) : json_null(),
	    &bad);
	put(o, "capture", cap, &bad);
	put(o, "platform", r->platform.known ? report_platform_json(&r->platform) : json_null(),
	    &bad);
	put(o, "exit_status", json_integer(r->exit_status), &bad);
	put(o, "exit_reason", jstr(r->exit_reason), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int report_write_json(const report_t *r, const char *path)
{
	json_t *o = report_json(r);
	if (!o)
		return SP_ENOMEM;
	errno = 0;
	int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(o);
	if (rc != 0)
		return errno ? -errno : -EIO;
	FILE *f = fopen(path, "a");
	if (!f)
		return -errno;
	int failed = fputc('\n', f) == EOF;
	failed |= fclose(f) != 0;
	return failed ? (errno ? -errno : -EIO) : 0;
}

/* ---- reading report.json back (probe diff) ---- */

static const char *jtext(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static unsigned juint(const json_t *o, const char *key) { return get_uint(o, key); }

static void copy_text(char *out, size_t outlen, const char *s)
{
	snprintf(out, outlen, "%s", s ? s : "");
}

static void platform_from_json(report_platform_t *p, const json_t *o)
{
	const json_t *h = json_object_get(o, "host");
	memset(p, 0, sizeof(*p));
	if (!json_is_object(o))
		return;
	p->known = 1;
	copy_text(p->os, sizeof(p->os), jtext(o, "os"));
	copy_text(p->kernel, sizeof(p->kernel), jtext(o, "kernel"));
	copy_text(p->kernel_version, sizeof(p->kernel_version), jtext(o, "kernel_version"));
	copy_text(p->machine, sizeof(p->machine), jtext(o, "machine"));
	copy_text(p->libc, sizeof(p->libc), jtext(o, "libc"));
	copy_text(p->libc_version, sizeof(p->libc_version), jtext(o, "libc_version"));
	copy_text(p->cares_version, sizeof(p->cares_version), jtext(o, "c_ares_version"));
	copy_text(p->musl_version, sizeof(p->musl_version), jtext(o, "musl_version"));
	copy_text(p->nsswitch_hosts, sizeof(p->nsswitch_hosts), jtext(h, "nsswitch_hosts"));
	copy_text(p->local_stub, sizeof(p->local_stub), jtext(h, "local_stub"));
	copy_text(p->routes, sizeof(p->routes), jtext(h, "routes"));
	p->nscd_running = json_is_true(json_object_get(h, "nscd_running"));
	static const struct {
		const char *key;
		size_t off;
	} lists[] = {{"nameservers", offsetof(report_platform_t, nameservers)},
		     {"options", offsetof(report_platform_t, host_options)}};
	for (size_t i = 0; i < 2; i++) {
		char *out = (char *)p + lists[i].off;
		const json_t *a = json_object_get(h, lists[i].key);
		for (size_t k = 0; k < json_array_size(a); k++) {
			const char *w = json_string_value(json_array_get(a, k));
			size_t used = strlen(out);
			if (w && used + strlen(w) + 2 < 256)
				snprintf(out + used, 256 - used, "%s%s", used ? " " : "", w);
		}
	}
}

static void trial_from_json(report_trial_t *t, const json_t *o)
{
	report_wire_t *w = &t->wire;
	report_lookup_t *l = &t->lookup;
	enum verdict v = VERDICT_INCONCLUSIVE;
	copy_text(t->name, sizeof(t->name), jtext(o, "name"));
	parse_verdict(jtext(o, "verdict"), &v);
	t->verdict = v;
	const json_t *parallel = json_object_get(o, "parallel");
	w->seen = json_is_boolean(parallel);
	w->verdict = v;
	wire_facts_from_json(w, o);
	t->fakens_refused = juint(o, "fakens_refused");
	const json_t *elapsed = json_object_get(o, "elapsed_us"),
		     *ret = json_object_get(o, "returned");
	l->timed_out = json_is_true(json_object_get(o, "timed_out"));
	l->done = l->timed_out || json_is_integer(elapsed);
	l->elapsed_ns = json_is_integer(elapsed) ? (uint64_t)json_integer_value(elapsed) * 1000 : 0;
	for (size_t i = 0; i < json_array_size(ret); i++) {
		const char *f = json_string_value(json_array_get(ret, i));
		l->families |= f && strcmp(f, "A") == 0      ? REPORT_FAM_V4
			       : f && strcmp(f, "AAAA") == 0 ? REPORT_FAM_V6
							     : 0;
	}
	l->ok = l->families != 0;
	copy_text(l->error, sizeof(l->error), jtext(o, "error"));
	const json_t *status = json_object_get(o, "exit_status");
	l->has_status = json_is_integer(status);
	l->exit_status = l->has_status ? (int)json_integer_value(status) : 0;
}

static ssize_t name_index(const json_t *list, const char *name)
{
	for (size_t i = 0; name && i < json_array_size(list); i++)
		if (jtext(json_array_get(list, i), "name") &&
		    strcmp(jtext(json_array_get(list, i), "name"), name) == 0)
			return (ssize_t)i;
	return -1;
}

int report_from_json(report_t *r, const json_t *o, char *err, size_t errlen)
{
	const json_t *res = json_object_get(o, "resolvers"), *sc = json_object_get(o, "scenarios"),
		     *cells = json_object_get(o, "cells");
	memset(r, 0, sizeof(*r));
	if (!json_is_object(o) || !json_is_array(res) || !json_is_array(sc) ||
	    !json_is_array(cells)) {
		snprintf(err, errlen,
			 "not a stubprobe report (no resolvers, scenarios and cells "
			 "arrays)");
		return SP_EFORMAT;
	}
	unsigned trials = juint(o, "trials");
	for (size_t i = 0; i < json_array_size(cells); i++) {
		size_t n = json_array_size(json_object_get(json_array_get(cells, i), "trials"));
		trials = n > trials ? (unsigned)n : trials;
	}
	int rc = report_init(r, "", json_array_size(res), json_array_size(sc), trials);
	for (size_t i = 0; rc == 0 && i < r->nresolvers; i++) {
		const json_t *e = json_array_get(res, i);
		if (!jtext(e, "name")) {
			snprintf(err, errlen, "resolver %zu has no name", i + 1);
			return SP_EFORMAT;
		}
		rc = report_set_resolver(r, i, jtext(e, "name"),
					 json_is_true(json_object_get(e, "control")),
					 jtext(e, "description"));
		if (rc == 0)
			rc = report_set_resolv_options(r, i, jtext(e, "resolv_options"));
	}
	for (size_t i = 0; rc == 0 && i < r->nscenarios; i++) {
		const json_t *e = json_array_get(sc, i);
		const char *dirs = jtext(e, "directives");
		directives_t d;
		char bad[64];
		directives_init(&d);
		if (!jtext(e, "name") || !dirs ||
		    directive_parse_text(dirs, &d, bad, sizeof(bad)) < 0) {
			snprintf(err, errlen, "scenario %zu has no name or no valid directives",
				 i + 1);
			return SP_EFORMAT;
		}
		rc = report_set_scenario(r, i, jtext(e, "name"), dirs, jtext(e, "description"),
					 report_provokes_race(&d));
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *e = json_array_get(cells, i);
		ssize_t ri = name_index(res, jtext(e, "resolver"));
		ssize_t si = name_index(sc, jtext(e, "scenario"));
		enum verdict v;
		if (ri < 0 || si < 0 || parse_verdict(jtext(e, "verdict"), &v) < 0) {
			snprintf(err, errlen,
				 "cell %zu names no listed resolver and scenario, or has no known "
				 "verdict",
				 i + 1);
			return SP_EFORMAT;
		}
		report_cell_t *c = report_cell(r, (size_t)si, (size_t)ri);
		c->verdict = v;
		c->racing = juint(e, "racing");
		c->correct = juint(e, "correct");
		c->inconclusive = juint(e, "inconclusive");
		copy_text(c->behaviour, sizeof(c->behaviour), jtext(e, "behaviour"));
		const json_t *tr = json_object_get(e, "trials");
		for (size_t k = 0; k < json_array_size(tr) && k < trials; k++)
			trial_from_json(&c->trials[k], json_array_get(tr, k));
	}
	copy_text(r->run_id, sizeof(r->run_id), jtext(o, "run_id"));
	copy_text(r->started_utc, sizeof(r->started_utc), jtext(o, "started_utc"));
	copy_text(r->topology, sizeof(r->topology), jtext(o, "topology"));
	const json_t *cap = json_object_get(o, "capture");
	r->have_capture = json_is_integer(json_object_get(cap, "frames"));
	r->frames = get_u64(cap, "frames");
	r->drops_known = json_is_integer(json_object_get(cap, "drops"));
	r->drops = get_u64(cap, "drops");
	platform_from_json(&r->platform, json_object_get(o, "platform"));
	r->exit_status = (int)juint(o, "exit_status");
	copy_text(r->exit_reason, sizeof(r->exit_reason), jtext(o, "exit_reason"));
	return 0;
}

/* ---- escaping for XML, HTML and Markdown ---- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || (s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The entity of a character that XML and HTML give a meaning to, else NULL. */
static const char *xml_entity(unsigned char ch)
{
	switch (ch) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

void report_put_xml(const char *s, FILE *f)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x80) {
			/* Text from resolvers and scenario files may not be UTF-8; XML must be. */
			size_t n = utf8_len((const unsigned char *)s);
			if (n == 0) {
				fputc('?', f);
			} else {
				fwrite(s, 1, n, f);
				s += n - 1;
			}
		} else if (xml_entity(ch)) {
			fputs(xml_entity(ch), f);
		} else if (ch >= 0x20 || ch == '\t' || ch == '\n') {
			fputc(ch, f);
		}
	}
}

void report_put_md(const char *s, FILE *f)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '|' || ch == '\\') {
			fputc('\\', f);
			fputc(ch, f);
		} else if (ch == '<' || ch == '>' || ch == '&') {
			fputs(xml_entity(ch), f);
		} else if (ch == '\n' || ch == '\r' || ch == '\t') {
			fputc(' ', f);
		} else if (ch >= 0x20) {
			fputc(ch, f);
		}
	}
}

static int stream_status(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

static const report_trial_t *first_racing(const report_t *r, const report_cell_t *c)
{
	for (unsigned k = 0; k < r->trials; k++)
		if (c->trials[k].name[0] && c->trials[k].verdict == VERDICT_RACING)
			return &c->trials[k];
	return NULL;
}

/* ---- summary.md ---- */

int report_write_markdown(const report_t *r, FILE *f)
{
	char count[64];
	errno = 0;
	fprintf(f, "# stubprobe run ");
	report_put_md(r->run_id, f);
	fprintf(f, "\n\n**Result:** ");
	report_put_md(r->exit_reason, f);
	fprintf(f, " (exit status %d)\n\n", r->exit_status);
	fprintf(f, "- version: stubprobe %s\n- started: ", SP_VERSION);
	report_put_md(r->started_utc, f);
	fprintf(f, "\n- trials per cell: %u\n- capture: capture.pcapng", r->trials);
	if (r->have_capture) {
		fprintf(f, ", %llu frames", (unsigned long long)r->frames);
		if (r->drops_known)
			fprintf(f, ", %llu dropped", (unsigned long long)r->drops);
	}
	fputs("\n", f);
	if (r->platform.known || r->topology[0])
		fputs("\n## Platform\n\n", f);
	if (r->platform.known)
		report_platform_markdown(&r->platform, f);
	if (r->topology[0]) {
		fputs("- lab topology: ", f);
		report_put_md(r->topology, f);
		fputs(" (docs/lab.md)\n", f);
	}
	fprintf(f, "\n## Resolvers\n\n| resolver | control | resolv.conf options | description |\n"
		   "|---|---|---|---|\n");
	for (size_t i = 0; i < r->nresolvers; i++) {
		fputs("| ", f);
		report_put_md(r->resolvers[i].name, f);
		fprintf(f, " | %s | ", r->resolvers[i].control ? "yes: expected to race" : "no");
		report_put_md(
		    r->resolvers[i].resolv_options ? r->resolvers[i].resolv_options : "(none)", f);
		fputs(" | ", f);
		report_put_md(r->resolvers[i].description, f);
		fputs(" |\n", f);
	}
	fprintf(f, "\n## Scenarios\n\n| scenario | directives | provokes a race | description |\n"
		   "|---|---|---|---|\n");
	for (size_t i = 0; i < r->nscenarios; i++) {
		fputs("| ", f);
		report_put_md(r->scenarios[i].name, f);
		fputs(" | `", f);
		/* Directive text is [a-z0-9.-]: nothing to escape inside the code span. */
		report_put_md(r->scenarios[i].directives[0] ? r->scenarios[i].directives : "(none)",
			      f);
		fprintf(f, "` | %s | ", r->scenarios[i].provokes_race ? "yes" : "no");
		report_put_md(r->scenarios[i].description, f);
		fputs(" |\n", f);
	}
	fprintf(f, "\n## Verdicts\n\n| resolver | scenario | verdict | behaviour |\n"
		   "|---|---|---|---|\n");
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		const report_resolver_t *res = &r->resolvers[c->resolver];
		fputs("| ", f);
		report_put_md(res->name, f);
		fputs(res->control ? "\\*" : "", f);
		fputs(" | ", f);
		report_put_md(r->scenarios[c->scenario].name, f);
		fputs(" | ", f);
		report_put_md(cell_count(r, c, count, sizeof(count)), f);
		fputs(" | ", f);
		report_put_md(c->behaviour, f);
		fputs(" |\n", f);
	}
	fputs("\n\\* control: expected to race\n", f);
	for (size_t i = 0, any = 0; i < r->ncells; i++) {
		if (!r->cells[i].undocumented[0])
			continue;
		if (!any++)
			fputs("\n## Beyond the resolvers' documentation\n\n"
			      "What each resolver's own documentation says it does is in "
			      "docs/resolvers.md (and report.json, `resolvers[].documented`).\n\n",
			      f);
		fputs("- ", f);
		report_put_md(r->cells[i].undocumented, f);
		fputc('\n', f);
	}
	int any = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		for (unsigned k = 0; k < r->trials; k++) {
			const report_trial_t *t = &c->trials[k];
			if (!t->name[0] || t->verdict == VERDICT_CORRECT)
				continue;
			if (!any++)
				fputs("\n## Evidence and reasons\n\n", f);
			fputs("- ", f);
			report_put_md(r->resolvers[c->resolver].name, f);
			fputs(" `", f);
			report_put_md(t->name, f);
			fprintf(f, "` %s: ", verdict_name(t->verdict));
			report_put_md(t->verdict == VERDICT_RACING && t->wire.n_evidence
					  ? t->wire.evidence[0]
				      : t->reason ? t->reason
						  : "",
				      f);
			fputc('\n', f);
		}
	}
	const report_trial_t *t1;
	size_t nd = report_disagreements(r, &t1);
	if (nd > 0) {
		fprintf(f, "\nThe witnesses disagree on refused answers in %zu trial%s, first `",
			nd, nd == 1 ? "" : "s");
		report_put_md(t1->name, f);
		fprintf(f, "`: sniff saw %u, fakens heard of %u.\n", sniff_refused(t1),
			t1->fakens_refused);
	}
	fputs("\nFiles: report.json, junit.xml, report.html, capture.pcapng, sniff.jsonl, "
	      "fakens.jsonl, table.txt.\n",
	      f);
	return stream_status(f);
}

/* ---- junit.xml ---- */

static void junit_attr(FILE *f, const char *key, const char *value)
{
	fprintf(f, " %s=\"", key);
	report_put_xml(value, f);
	fputc('"', f);
}

/* What a cell is for CI: 0 passed, 'f' failure, 'e' error, 's' skipped (not run). */
static int junit_outcome(const report_t *r, const report_cell_t *c)
{
	unsigned run = cell_run(r, c);
	if (run == 0)
		return 's';
	if (r->resolvers[c->resolver].control) {
		if (!r->scenarios[c->scenario].provokes_race || c->racing == run)
			return 0;
		return 'f';
	}
	if (c->verdict == VERDICT_RACING)
		return 'f';
	return c->verdict == VERDICT_CORRECT ? 0 : 'e';
}

int report_write_junit(const report_t *r, FILE *f)
{
	unsigned n[4] = {0}; /* tests, failures, errors, skipped */
	for (size_t i = 0; i < r->ncells; i++) {
		int o = junit_outcome(r, &r->cells[i]);
		n[0]++;
		n[1] += o == 'f';
		n[2] += o == 'e';
		n[3] += o == 's';
	}
	errno = 0;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	junit_attr(f, "name", "stubprobe");
	fprintf(f, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", n[0], n[1],
		n[2], n[3]);
	for (size_t s = 0; s < r->nscenarios; s++) {
		unsigned m[4] = {0};
		for (size_t i = 0; i < r->nresolvers; i++) {
			int o = junit_outcome(r, &r->cells[s * r->nresolvers + i]);
			m[0]++;
			m[1] += o == 'f';
			m[2] += o == 'e';
			m[3] += o == 's';
		}
		fputs("  <testsuite", f);
		junit_attr(f, "name", r->scenarios[s].name);
		fprintf(f, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\"", m[0], m[1],
			m[2], m[3]);
		junit_attr(f, "timestamp", r->started_utc);
		fputs(">\n", f);
		for (size_t i = 0; i < r->nresolvers; i++) {
			const report_cell_t *c = &r->cells[s * r->nresolvers + i];
			const report_resolver_t *res = &r->resolvers[c->resolver];
			char name[REPORT_NAME_MAX + 16], count[64], msg[600];
			snprintf(name, sizeof(name), "%s%s", res->name,
				 res->control ? " (control)" : "");
			cell_count(r, c, count, sizeof(count));
			fputs("    <testcase", f);
			junit_attr(f, "classname", r->scenarios[s].name);
			junit_attr(f, "name", name);
			fputs(">\n", f);
			int o = junit_outcome(r, c);
			const report_trial_t *t = first_racing(r, c);
			if (o == 'f' && !res->control) {
				fputs("      <failure type=\"racing\"", f);
				junit_attr(f, "message",
					   t && t->wire.n_evidence ? t->wire.evidence[0] : count);
				fputs(">", f);
				for (unsigned k = 0; k < r->trials; k++) {
					const report_trial_t *x = &c->trials[k];
					if (!x->name[0] || x->verdict != VERDICT_RACING)
						continue;
					for (size_t e = 0; e < x->wire.n_evidence; e++) {
						report_put_xml(x->name, f);
						fputs(": ", f);
						report_put_xml(x->wire.evidence[e], f);
						fputc('\n', f);
					}
				}
				fputs("</failure>\n", f);
			} else if (o == 'f') {
				snprintf(
				    msg, sizeof(msg),
				    "the control did not race (%u/%u) where a race was provoked: "
				    "the lab cannot see races",
				    c->racing, cell_run(r, c));
				fputs("      <failure type=\"control\"", f);
				junit_attr(f, "message", msg);
				fputs("/>\n", f);
			} else if (o == 'e') {
				snprintf(msg, sizeof(msg), "%s: %s", count, first_reason(r, c));
				fputs("      <error type=\"inconclusive\"", f);
				junit_attr(f, "message", msg);
				fputs("/>\n", f);
			} else if (o == 's') {
				fputs("      <skipped message=\"not run\"/>\n", f);
			}
			fputs("      <system-out>", f);
			report_put_xml(count, f);
			fputs(": ", f);
			report_put_xml(c->behaviour, f);
			fputs("</system-out>\n    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return stream_status(f);
}

/* ---- report.html and its ladder diagrams ---- */

#define LADDER_TOP 70   /* below the column heads */
#define LADDER_ROW 46   /* one packet per row: time flows down, evenly */
#define LADDER_LEFT 150 /* the time labels */
#define LADDER_COL 230
#define LADDER_SOCKETS 8 /* client columns drawn; more sockets share the last */
#define LADDER_SERVERS 4 /* server columns drawn; more share the last */

static const char *const ladder_kind[3] = {"q", "a", "icmp"};
static const char *const ladder_colour[3] = {"#1f5fbf", "#1b8a3a", "#c62828"};

static const char *ladder_type(uint16_t qtype, char *buf, size_t len)
{
	return dns_type_name(qtype, buf, len);
}

/* The client sockets of a trial, in order of first appearance: (tcp, port) pairs. */
static size_t ladder_column(uint32_t *cols, size_t *ncols, const report_packet_t *p)
{
	uint32_t key = (uint32_t)p->port | (p->tcp ? 0x10000u : 0);
	for (size_t i = 0; i < *ncols; i++)
		if (cols[i] == key)
			return i;
	if (*ncols < LADDER_SOCKETS)
		cols[(*ncols)++] = key;
	return *ncols - 1;
}

static void ladder_label(const report_packet_t *p, char *out, size_t len)
{
	char tybuf[16], rc[16];
	const char *ty = ladder_type(p->qtype, tybuf, sizeof(tybuf));
	switch (p->kind) {
	case REPORT_PKT_QUERY:
		snprintf(out, len, "%s? id %u%s", ty, p->id, p->tcp ? " (TCP)" : "");
		break;
	case REPORT_PKT_ANSWER:
		snprintf(out, len, "%s answer %s%s id %u", ty,
			 dns_rcode_name(p->rcode, rc, sizeof(rc)), p->tc ? " TC" : "", p->id);
		break;
	default:
		snprintf(out, len, "ICMP port unreachable: %s answer refused", ty);
	}
}

int report_ladder_svg(const report_t *r, const report_cell_t *c, const report_trial_t *t, FILE *f)
{
	uint32_t cols[LADDER_SOCKETS];
	size_t ncols = 0, n = t->npackets;
	size_t *col = calloc(n ? n : 1, sizeof(*col));
	if (!col)
		return SP_ENOMEM;
	/* Server columns after the client's, one per address and port seen (several servers,
	 * an answer from another port), so that a resolver moving on shows as such. */
	const char *servers[LADDER_SERVERS];
	size_t nservers = 0;
	for (size_t i = 0; i < n; i++) {
		col[i] = ladder_column(cols, &ncols, &t->packets[i]);
		size_t k = 0;
		while (k < nservers && strcmp(servers[k], t->packets[i].server) != 0)
			k++;
		if (k == nservers && nservers < LADDER_SERVERS)
			servers[nservers++] = t->packets[i].server;
		col[i] |= (k < nservers ? k : nservers - 1) << 8;
	}
	if (nservers == 0)
		servers[nservers++] = "";
	size_t server = ncols ? ncols : 1;
	int width = LADDER_LEFT + (int)(server + nservers) * LADDER_COL + 20;
	int height = LADDER_TOP + (int)(n ? n : 1) * LADDER_ROW + 30;
	errno = 0;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n<title>",
		width, height, width, height);
	report_put_xml(r->resolvers[c->resolver].name, f);
	fputs(" ", f);
	report_put_xml(t->name, f);
	fputs("</title>\n", f);
	/* One arrowhead per colour (context-stroke is too new to count on), with the trial's
	 * name in its id: ids must stay unique in a page of many diagrams. */
	char uid[REPORT_NAME_MAX];
	size_t u = 0;
	for (const char *q = t->name; *q && u + 1 < sizeof(uid); q++)
		uid[u++] = (isalnum((unsigned char)*q) || *q == '-') ? *q : '_';
	uid[u] = 0;
	fputs("<defs>", f);
	for (size_t i = 0; i < 3; i++)
		fprintf(f,
			"<marker id=\"ah-%s-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
			"markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 "
			"L10,5 L0,10 z\" fill=\"%s\"/></marker>",
			ladder_kind[i], uid, ladder_colour[i]);
	fputs("</defs>\n", f);
	fputs("<text x=\"10\" y=\"30\" class=\"head\">time</text>\n", f);
	for (size_t i = 0; i < server + nservers; i++) {
		int x = LADDER_LEFT + (int)i * LADDER_COL + LADDER_COL / 2;
		fprintf(f, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" class=\"head\">", x);
		if (i >= server) {
			fputs("server ", f);
			report_put_xml(servers[i - server], f);
		} else if (i < ncols)
			fprintf(f, "client :%u %s", cols[i] & 0xffff,
				cols[i] > 0xffff ? "TCP" : "UDP");
		else
			fputs("client", f);
		if (i < ncols && i == LADDER_SOCKETS - 1)
			fputs(" (and later sockets)", f);
		fprintf(f,
			"</text>\n<line x1=\"%d\" y1=\"42\" x2=\"%d\" y2=\"%d\" class=\"life\"/>\n",
			x, x, height - 10);
	}
	uint64_t t0 = n ? t->packets[0].ts_ns : 0, prev = t0;
	for (size_t i = 0; i < n; i++) {
		const report_packet_t *p = &t->packets[i];
		int y = LADDER_TOP + (int)i * LADDER_ROW;
		int xc = LADDER_LEFT + (int)(col[i] & 0xff) * LADDER_COL + LADDER_COL / 2;
		int xs = LADDER_LEFT + (int)(server + (col[i] >> 8)) * LADDER_COL + LADDER_COL / 2;
		int from = p->kind == REPORT_PKT_ANSWER ? xs : xc;
		int to = p->kind == REPORT_PKT_ANSWER ? xc : xs;
		char label[96], at[32], gap[32];
		const char *cls = ladder_kind[p->kind <= REPORT_PKT_ICMP ? p->kind : 2];
		uint64_t ts = p->ts_ns > t0 ? p->ts_ns - t0 : 0;
		uint64_t d = p->ts_ns > prev ? p->ts_ns - prev : 0;
		prev = p->ts_ns > prev ? p->ts_ns : prev;
		ladder_label(p, label, sizeof(label));
		fprintf(f, "<text x=\"10\" y=\"%d\" class=\"t\">%s</text>", y + 12,
			sp_duration_str(ts, at, sizeof(at)));
		if (i > 0)
			fprintf(f, "<text x=\"10\" y=\"%d\" class=\"gap\">+%s</text>", y - 4,
				sp_duration_str(d, gap, sizeof(gap)));
		fprintf(f,
			"\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\" "
			"marker-end=\"url(#ah-%s-%s)\"/>\n",
			from, y, to, y + 14, cls, cls, uid);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"l %s\">",
			(from + to) / 2, y - 2, cls);
		report_put_xml(label, f);
		fprintf(f, " <tspan class=\"fr\">frame %u</tspan></text>\n", p->frame);
	}
	if (n == 0)
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" class=\"l\">no packet of this trial in the "
			"capture</text>\n",
			LADDER_LEFT, LADDER_TOP + 12);
	fputs("</svg>\n", f);
	free(col);
	return stream_status(f);
}

static const char HTML_STYLE[] =
    "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#eee}.racing{background:#f8d0d0}.correct{background:#d4f0d4}"
    ".inconclusive{background:#f8efc0}code{font-size:90%}"
    "section{border-top:1px solid #ccc;margin-top:1.5em}"
    "svg.ladder{display:block;margin:.5em 0;background:#fcfcfc;border:1px solid #ddd}"
    "svg .head{font:bold 13px sans-serif}svg .t{font:12px monospace;fill:#333}"
    "svg .gap{font:11px monospace;fill:#888}svg .l{font:12px sans-serif}"
    "svg .fr{fill:#999;font-size:10px}svg .life{stroke:#aaa;stroke-dasharray:4 4}"
    "svg line.q{stroke:#1f5fbf;stroke-width:2}svg line.a{stroke:#1b8a3a;stroke-width:2}"
    "svg line.icmp{stroke:#c62828;stroke-width:2;stroke-dasharray:6 3}"
    "svg text.q{fill:#1f5fbf}svg text.a{fill:#1b8a3a}svg text.icmp{fill:#c62828}";

#define HTML_LADDERS_MAX 100 /* racing or inconclusive diagrams; the rest are in report.json */

/* The cell's behaviour without its closing time, so that "one example of each correct
 * behaviour" does not take 50.3 ms and 50.4 ms for two behaviours. */
static void behaviour_key(const char *b, char *out, size_t len)
{
	snprintf(out, len, "%s", b);
	char *comma = strrchr(out, ',');
	if (comma && comma[1] == ' ' && comma[2] >= '0' && comma[2] <= '9')
		*comma = 0;
}

static void html_trial(const report_t *r, const report_cell_t *c, const report_trial_t *t, FILE *f)
{
	fprintf(f, "<section class=\"trial\"><h3><span class=\"%s\">%s</span> ",
		verdict_name(t->verdict), verdict_name(t->verdict));
	report_put_xml(r->resolvers[c->resolver].name, f);
	fputs(" in ", f);
	report_put_xml(r->scenarios[c->scenario].name, f);
	fputs(": <code>", f);
	report_put_xml(t->name, f);
	fputs("</code></h3>\n<p>", f);
	report_put_xml(c->behaviour, f);
	if (t->reason) {
		fputs("; ", f);
		report_put_xml(t->reason, f);
	}
	fputs("</p>\n", f);
	report_ladder_svg(r, c, t, f);
	if (t->packets_over)
		fprintf(f, "<p>and %zu more packets (see capture.pcapng)</p>\n", t->packets_over);
	if (t->wire.n_evidence) {
		fputs("<ul class=\"evidence\">\n", f);
		for (size_t e = 0; e < t->wire.n_evidence; e++) {
			fputs("<li>", f);
			report_put_xml(t->wire.evidence[e], f);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fputs("</section>\n", f);
}

int report_write_html(const report_t *r, FILE *f)
{
	char count[64];
	errno = 0;
	fputs(
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n<title>stubprobe "
	    "run ",
	    f);
	report_put_xml(r->run_id, f);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>stubprobe run ", HTML_STYLE);
	report_put_xml(r->run_id, f);
	fputs("</h1>\n<p><strong>", f);
	report_put_xml(r->exit_reason, f);
	fprintf(f, "</strong> (exit status %d)</p>\n<p>stubprobe %s, started ", r->exit_status,
		SP_VERSION);
	report_put_xml(r->started_utc, f);
	fprintf(f, ", %u trial%s per cell", r->trials, r->trials == 1 ? "" : "s");
	if (r->topology[0]) {
		fputs(", lab topology ", f);
		report_put_xml(r->topology, f);
	}
	if (r->have_capture)
		fprintf(f, ", %llu frames captured", (unsigned long long)r->frames);
	if (r->have_capture && r->drops_known)
		fprintf(f, ", %llu dropped", (unsigned long long)r->drops);
	fputs(".</p>\n<table><tr><th>resolver</th><th>scenario</th><th>directives</th>"
	      "<th>verdict</th><th>behaviour</th></tr>\n",
	      f);
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		const report_resolver_t *res = &r->resolvers[c->resolver];
		fputs("<tr><td>", f);
		report_put_xml(res->name, f);
		fputs(res->control ? "*" : "", f);
		fputs("</td><td>", f);
		report_put_xml(r->scenarios[c->scenario].name, f);
		fputs("</td><td><code>", f);
		report_put_xml(r->scenarios[c->scenario].directives, f);
		fprintf(f, "</code></td><td class=\"%s\">", verdict_name(c->verdict));
		report_put_xml(cell_count(r, c, count, sizeof(count)), f);
		fputs("</td><td>", f);
		report_put_xml(c->behaviour, f);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p>* control: expected to race. In the diagrams time flows down, one "
	      "packet a row (the left column gives the time since the trial's first packet and "
	      "the delay since the one before); blue: queries, green: answers, red dashes: ICMP "
	      "errors.</p>\n",
	      f);
	if (!r->have_packets)
		fputs("<p>The capture could not be read: the diagrams have no packets.</p>\n", f);
	size_t nundoc = 0;
	for (size_t i = 0; i < r->ncells; i++)
		nundoc += r->cells[i].undocumented[0] != 0;
	if (nundoc)
		fputs("<h2>Beyond the resolvers' documentation</h2>\n<ul class=\"undocumented\">\n",
		      f);
	for (size_t i = 0; i < r->ncells; i++) {
		if (!r->cells[i].undocumented[0])
			continue;
		fputs("<li>", f);
		report_put_xml(r->cells[i].undocumented, f);
		fputs("</li>\n", f);
	}
	if (nundoc)
		fputs("</ul>\n", f);

	fputs("<h2>Racing and inconclusive trials</h2>\n", f);
	size_t shown = 0, skipped = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		for (unsigned k = 0; k < r->trials; k++) {
			const report_trial_t *t = &c->trials[k];
			if (!t->name[0] || t->verdict == VERDICT_CORRECT)
				continue;
			if (shown++ < HTML_LADDERS_MAX)
				html_trial(r, c, t, f);
			else
				skipped++;
		}
	}
	if (shown == 0)
		fputs("<p>None.</p>\n", f);
	if (skipped)
		fprintf(f, "<p>%zu more not drawn; report.json has them all.</p>\n", skipped);

	fputs("<h2>Correct behaviours, one example each</h2>\n", f);
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		char key[256], other[256];
		if (c->verdict != VERDICT_CORRECT)
			continue;
		behaviour_key(c->behaviour, key, sizeof(key));
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++) {
			behaviour_key(r->cells[j].behaviour, other, sizeof(other));
			seen = r->cells[j].verdict == VERDICT_CORRECT && strcmp(key, other) == 0;
		}
		for (unsigned k = 0; !seen && k < r->trials; k++) {
			if (c->trials[k].name[0] && c->trials[k].verdict == VERDICT_CORRECT) {
				html_trial(r, c, &c->trials[k], f);
				break;
			}
		}
	}
	fputs("</body></html>\n", f);
	return stream_status(f);
}

/* ---- the run directory's other files ---- */

int report_write_files(const report_t *r, const char *dir, char *err, size_t errlen)
{
	static const struct {
		const char *file;
		int (*write)(const report_t *, FILE *);
	} out[] = {{"summary.md", report_write_markdown},
		   {"junit.xml", report_write_junit},
		   {"report.html", report_write_html}};
	int first = 0;
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, out[i].file);
		FILE *f = fopen(path, "w");
		int rc = f ? out[i].write(r, f) : -errno;
		if (f && fclose(f) != 0 && rc == 0)
			rc = -errno;
		if (rc < 0 && first == 0) {
			first = rc;
			snprintf(err, errlen, "%s", path);
		}
	}
	return first;
}
