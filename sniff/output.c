/* sniff output: the human tables and the JSON lines (schema in docs/sniff.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "sniff.h"
#include "timeutil.h"

#define ADDR_TEXT 64
#define CELL 128

enum verdict output_overall(const sniff_t *s)
{
	if (s->racing)
		return VERDICT_RACING;
	return s->correct ? VERDICT_CORRECT : VERDICT_INCONCLUSIVE;
}

int output_incomplete(const analyzer_t *an)
{
	const analyzer_stats_t *st = analyzer_stats(an);

	return st->drops_known && st->drops > 0;
}

static const char *qtype_str(uint16_t t, char *buf, size_t len)
{
	return dns_type_name(t, buf, len);
}

/* Text built piece by piece into a fixed buffer, cut at its size as snprintf would: a big
 * capture lists tens of thousands of trials, and parsing printf formats for each of their
 * cells cost more than analysing them. */
struct line {
	char *p;
	size_t len, cap; /* cap counts the NUL */
	int grow;        /* p is malloc'd and grows instead (JSON lines are never cut) */
	int oom;         /* growing failed: the line is incomplete */
};

static void line_init(struct line *l, char *buf, size_t cap)
{
	l->p = buf;
	l->len = 0;
	l->cap = cap;
	l->grow = l->oom = 0;
	if (cap)
		buf[0] = '\0';
}

static int line_room(struct line *l, size_t n)
{
	size_t cap = l->cap ? l->cap : 1024;
	char *p;

	while (cap - l->len <= n)
		cap *= 2;
	if (!(p = realloc(l->p, cap))) {
		l->oom = 1;
		return 0;
	}
	l->p = p;
	l->cap = cap;
	return 1;
}

static void put_mem_slow(struct line *l, const char *s, size_t n);

/* Inline for the usual case, room enough: a listed trial's lines take about fifty. */
static inline __attribute__((always_inline)) void put_mem(struct line *l, const char *s, size_t n)
{
	if (__builtin_expect(n < l->cap - l->len, 1) && l->len < l->cap) {
		memcpy(l->p + l->len, s, n);
		l->len += n;
		l->p[l->len] = '\0';
		return;
	}
	put_mem_slow(l, s, n);
}

static __attribute__((noinline)) void put_mem_slow(struct line *l, const char *s, size_t n)
{
	if (l->grow && l->cap - l->len <= n && !line_room(l, n))
		return;
	if (!l->cap || l->len + 1 >= l->cap)
		return;
	if (n > l->cap - 1 - l->len)
		n = l->cap - 1 - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

/* Inline: most pieces are literals, whose length is then known when compiling. */
static inline __attribute__((always_inline)) void put_str(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void put_u64(struct line *l, uint64_t v)
{
	char d[20];
	size_t n = sizeof d;

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(l, d + n, sizeof d - n);
}

/* Spaces up to column col of the line. */
static void put_pad(struct line *l, size_t col)
{
	static const char spaces[] = "                                ";

	while (l->len < col && l->len + 1 < l->cap) {
		size_t n = col - l->len;
		put_mem(l, spaces, n < sizeof spaces - 1 ? n : sizeof spaces - 1);
	}
}

/* As sp_addr_str; IPv4, nearly every address of a capture, without inet_ntop. */
static void put_addr(struct line *l, const sp_addr_t *a)
{
	char text[ADDR_TEXT];

	if (a->family != 4) {
		put_str(l, sp_addr_str(a, text, sizeof text));
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (i)
			put_mem(l, ".", 1);
		put_u64(l, a->a[i]);
	}
}

/* "192.0.2.1:41000", "[2001:db8::1]:41000". */
static void put_addr_port(struct line *l, const sp_addr_t *a, uint16_t port)
{
	if (a->family == 6)
		put_mem(l, "[", 1);
	put_addr(l, a);
	put_str(l, a->family == 6 ? "]:" : ":");
	put_u64(l, port);
}

/* The one sentence that both outputs give for a refused answer. */
static void evidence_text(const evidence_t *e, char *out, size_t len)
{
	char qt[32], dur[32];
	struct line l;

	line_init(&l, out, len);
	put_str(&l, "frame ");
	put_u64(&l, e->icmp_frame);
	put_str(&l, ": ");
	put_str(&l, qtype_str(e->qtype, qt, sizeof qt));
	put_str(&l, " answer (frame ");
	put_u64(&l, e->answer_frame);
	put_str(&l, ") to ");
	put_addr_port(&l, &e->client, e->cport);
	put_str(&l, " refused (port unreachable)");
	switch (e->kind) {
	case REFUSAL_RACE:
		if (e->has_taken) {
			put_str(&l, " ");
			put_str(&l, sp_duration_str(e->after_taken_ns, dur, sizeof dur));
			put_str(&l, " after the ");
			put_str(&l, qtype_str(e->taken_qtype, qt, sizeof qt));
			put_str(&l, " answer was taken");
		} else {
			put_str(&l, ", no other answer of the trial came before it");
		}
		break;
	case REFUSAL_LATE:
		put_str(&l, ", late: the client had asked again before it came");
		break;
	case REFUSAL_DUPLICATE:
	default:
		put_str(&l, ", a duplicate: an earlier answer to the same query had been taken");
		break;
	}
}

/* "A,AAAA parallel", "AAAA only", with repeats and TCP when there were any. */
static void order_str(const trial_t *t, char *out, size_t len)
{
	char a[32];
	struct line l;

	line_init(&l, out, len);
	if (!t->queries) {
		put_str(&l, "-");
		return;
	}
	put_str(&l, qtype_str(t->first_qtype, a, sizeof a));
	if (t->second_qtype) {
		put_str(&l, ",");
		put_str(&l, qtype_str(t->second_qtype, a, sizeof a));
		put_str(&l, t->parallel ? " parallel" : " sequential");
	} else {
		put_str(&l, " only");
	}
	if (t->requeries) {
		put_str(&l, ", ");
		put_u64(&l, t->requeries);
		put_str(&l, t->requeries == 1 ? " repeat" : " repeats");
	}
	if (t->tcp_queries) {
		put_str(&l, ", ");
		put_u64(&l, t->tcp_queries);
		put_str(&l, " over TCP");
	}
}

/* Tables are printed twice over the same cells: once to size the columns, once for real. */
enum { TC_NAME, TC_CLIENT, TC_VERDICT, TC_QUERIES, TC_ANSWERS, TC_SOCKETS, TC_ORDER, TC_RLD, TC_N };
static const char *const trial_heads[TC_N] = {"TRIAL",   "CLIENT",  "VERDICT", "QUERIES",
					      "ANSWERS", "SOCKETS", "ORDER",   "RACE/LATE/DUP"};

struct trial_row {
	char name[DNS_NAME_TEXT];
	char cell[TC_N - 1][CELL];
};

static const char *trial_cell(const struct trial_row *r, int c)
{
	return c == TC_NAME ? r->name : r->cell[c - 1];
}

static void trial_cells(const trial_t *t, struct trial_row *r)
{
	struct line l;

	line_init(&l, r->name, sizeof r->name);
	put_str(&l, t->name ? t->name : "-");
	line_init(&l, r->cell[TC_CLIENT - 1], CELL);
	put_addr(&l, &t->client);
	line_init(&l, r->cell[TC_VERDICT - 1], CELL);
	put_str(&l, verdict_name(t->verdict));
	line_init(&l, r->cell[TC_QUERIES - 1], CELL);
	put_u64(&l, t->queries);
	line_init(&l, r->cell[TC_ANSWERS - 1], CELL);
	put_u64(&l, t->answers);
	line_init(&l, r->cell[TC_SOCKETS - 1], CELL);
	put_u64(&l, t->sockets);
	order_str(t, r->cell[TC_ORDER - 1], CELL);
	line_init(&l, r->cell[TC_RLD - 1], CELL);
	put_u64(&l, t->race);
	put_str(&l, "/");
	put_u64(&l, t->late);
	put_str(&l, "/");
	put_u64(&l, t->duplicate);
}

/* One row: each cell left aligned in its width and two spaces, as "%-*s  ", the last one
 * as it is; written at once. */
static void print_row(FILE *out, const char *const *cells, const size_t *w, int n)
{
	char buf[DNS_NAME_TEXT + 16 * (CELL + 32)];
	struct line l;
	int c;

	line_init(&l, buf, sizeof buf);
	for (c = 0; c < n; c++) {
		size_t at = l.len;

		put_str(&l, cells[c]);
		if (c == n - 1) {
			put_mem(&l, "\n", 1);
		} else {
			put_pad(&l, at + w[c]);
			put_mem(&l, "  ", 2);
		}
	}
	fwrite(buf, 1, l.len, out);
}

/* Rows go out as trials finish, so the columns have fixed widths (a longer cell pushes the
 * rest of its row): the whole table is never held in memory. */
static const size_t trial_widths[TC_N] = {28, 15, 12, 7, 7, 7, 16, 13};

/* Correct trials without a refused answer are the bulk of a big capture and say nothing
 * the counts do not: they are listed only with --all-trials. */
static int trial_listed(const sniff_t *s, const trial_t *t)
{
	return s->o.all_trials || t->verdict != VERDICT_CORRECT || t->race || t->late ||
	       t->duplicate;
}

int output_listed(const sniff_t *s, const trial_t *t) { return s->o.json || trial_listed(s, t); }

enum { CC_ADDR, CC_VERDICT, CC_RACING, CC_CORRECT, CC_INCONCL, CC_RLD, CC_EVIDENCE, CC_N };
static const char *const client_heads[CC_N] = {
    "CLIENT", "VERDICT", "RACING", "CORRECT", "INCONCLUSIVE", "RACE/LATE/DUP", "EVIDENCE"};

/* Made twice per client (the widths, then the rows), for up to every address of a capture:
 * with the line functions rather than snprintf. */
static void client_cells(const client_summary_t *cs, uint64_t drops, char cell[CC_N][CELL])
{
	struct line l;

	line_init(&l, cell[CC_EVIDENCE], CELL);
	put_str(&l, "may be incomplete (");
	put_u64(&l, drops);
	put_str(&l, " dropped)");
	line_init(&l, cell[CC_ADDR], CELL);
	put_addr(&l, &cs->addr);
	line_init(&l, cell[CC_VERDICT], CELL);
	put_str(&l, verdict_name(cs->verdict));
	line_init(&l, cell[CC_RACING], CELL);
	put_str(&l, "racing ");
	put_u64(&l, cs->racing);
	put_str(&l, "/");
	put_u64(&l, cs->trials);
	line_init(&l, cell[CC_CORRECT], CELL);
	put_u64(&l, cs->correct);
	line_init(&l, cell[CC_INCONCL], CELL);
	put_u64(&l, cs->inconclusive);
	line_init(&l, cell[CC_RLD], CELL);
	put_u64(&l, cs->race);
	put_str(&l, "/");
	put_u64(&l, cs->late);
	put_str(&l, "/");
	put_u64(&l, cs->duplicate);
}

/* A list's parts go ", " apart, from where the list began. */
static void part_sep(struct line *l, size_t from)
{
	if (l->len > from)
		put_str(l, ", ");
}

/* "one socket 4" */
static void part_count(struct line *l, const char *label, unsigned v)
{
	part_sep(l, 0);
	put_str(l, label);
	put_u64(l, v);
}

/* "4 repeated" */
static void part_of(struct line *l, size_t from, unsigned v, const char *label)
{
	part_sep(l, from);
	put_u64(l, v);
	put_str(l, label);
}

/* How a client sends its queries, as counts of its trials: "two sockets 4, A first 4,
 * parallel 4, UDP 4; gap median 1.2 ms (0.8 ms to 2 ms); 8 queries, 8 answers". */
static void sends_text(const client_summary_t *c, char *out, size_t len)
{
	char d[32];
	struct line l;
	size_t from;

	line_init(&l, out, len);
	if (c->one_socket)
		part_count(&l, "one socket ", c->one_socket);
	if (c->two_sockets)
		part_count(&l, "two sockets ", c->two_sockets);
	if (c->more_sockets)
		part_count(&l, "3+ sockets ", c->more_sockets);
	if (c->a_first)
		part_count(&l, "A first ", c->a_first);
	if (c->aaaa_first)
		part_count(&l, "AAAA first ", c->aaaa_first);
	if (c->single_type)
		part_count(&l, "one type only ", c->single_type);
	if (c->parallel)
		part_count(&l, "parallel ", c->parallel);
	if (c->sequential)
		part_count(&l, "sequential ", c->sequential);
	if (c->udp_only)
		part_count(&l, "UDP ", c->udp_only);
	if (c->tcp_only)
		part_count(&l, "TCP ", c->tcp_only);
	if (c->udp_and_tcp)
		part_count(&l, "UDP and TCP ", c->udp_and_tcp);
	if (c->gaps) {
		put_str(&l, "; gap median ");
		put_str(&l, sp_duration_str(c->gap_median_ns, d, sizeof d));
		put_str(&l, " (");
		put_str(&l, sp_duration_str(c->gap_min_ns, d, sizeof d));
		put_str(&l, " to ");
		put_str(&l, sp_duration_str(c->gap_max_ns, d, sizeof d));
		put_str(&l, ")");
	}
	if (l.len)
		put_str(&l, "; ");
	put_u64(&l, c->queries);
	put_str(&l, c->queries == 1 ? " query" : " queries");
	if (c->requeries || c->tcp_queries || c->unanswered) {
		put_str(&l, " (");
		from = l.len;
		if (c->requeries)
			part_of(&l, from, c->requeries, " repeated");
		if (c->tcp_queries)
			part_of(&l, from, c->tcp_queries, " over TCP");
		if (c->unanswered)
			part_of(&l, from, c->unanswered, " unanswered");
		put_str(&l, ")");
	}
	put_str(&l, ", ");
	put_u64(&l, c->answers);
	put_str(&l, c->answers == 1 ? " answer" : " answers");
	if (c->truncated || c->errors) {
		put_str(&l, " (");
		from = l.len;
		if (c->truncated)
			part_of(&l, from, c->truncated, " truncated");
		if (c->errors)
			part_of(&l, from, c->errors, " with an error rcode");
		put_str(&l, ")");
	}
}

static void print_clients(const analyzer_t *an, FILE *out)
{
	size_t i, n = analyzer_client_count(an), w[CC_N];
	char cell[CC_N][CELL];
	const char *cells[CC_N];
	uint64_t drops = analyzer_stats(an)->drops;
	/* The column is there only when it has something to say: drops are capture-wide. */
	int nc = output_incomplete(an) ? CC_N : CC_N - 1;
	int c;

	for (c = 0; c < CC_N; c++) {
		w[c] = strlen(client_heads[c]);
		cells[c] = cell[c];
	}
	for (i = 0; i < n; i++) {
		client_cells(analyzer_client(an, i), drops, cell);
		for (c = 0; c < CC_N; c++)
			if (strlen(cell[c]) > w[c])
				w[c] = strlen(cell[c]);
	}
	print_row(out, client_heads, w, nc);
	for (i = 0; i < n; i++) {
		char sends[512];

		client_cells(analyzer_client(an, i), drops, cell);
		print_row(out, cells, w, nc);
		sends_text(analyzer_client(an, i), sends, sizeof sends);
		fprintf(out, "  sends: %s\n", sends);
	}
}

static int finish_output(FILE *out)
{
	if (ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Where to look in Wireshark: the frames of the evidence, and the -w file's comments. */
static void print_story(const sniff_t *s, FILE *out)
{
	uint64_t frames;
	const char *f = story_filter(s, &frames);

	if (!f)
		return;
	if (story_listed_all(s))
		fprintf(out, "display filter (%" PRIu64 " %s of evidence): %s\n", frames,
			plural(frames, "frame", "frames"), f);
	else
		fprintf(out,
			"display filter (the first 200 of %" PRIu64 " frames of evidence; -w "
			"comments them all): %s\n",
			frames, f);
	if (s->annotated)
		fprintf(out,
			"annotated: %s, %" PRIu64 " %s commented; display filter there: "
			"frame.comment\n",
			s->o.write, story_comments(s),
			plural(story_comments(s), "packet", "packets"));
	fputc('\n', out);
}

int output_human(const sniff_t *s, FILE *out)
{
	const analyzer_stats_t *st = analyzer_stats(s->an);

	errno = 0;
	if (s->trials) {
		if (s->unlisted)
			fprintf(out,
				"%" PRIu64 " correct %s without a refused answer not listed "
				"(--all-trials lists them)\n",
				s->unlisted, plural(s->unlisted, "trial", "trials"));
		fputc('\n', out);
		print_clients(s->an, out);
	} else {
		fprintf(out, "no DNS query seen, so no trial to judge\n");
	}
	fputc('\n', out);
	print_story(s, out);
	fprintf(out, "summary: %s (%s, %s): %" PRIu64 " %s", s->o.iface ? s->o.iface : s->o.file,
		s->o.iface ? "live" : "file", dissect_linktype_name(s->linktype), st->frames,
		plural(st->frames, "frame", "frames"));
	if (s->frames_read != st->frames)
		fprintf(out, " of %" PRIu64 " read", s->frames_read);
	fprintf(out, ", %" PRIu64 " DNS %s (%" PRIu64 " %s, %" PRIu64 " %s", st->dns,
		plural(st->dns, "message", "messages"), st->queries,
		plural(st->queries, "query", "queries"), st->answers,
		plural(st->answers, "answer", "answers"));
	if (st->answers_unmatched)
		fprintf(out, ", %" PRIu64 " without their query", st->answers_unmatched);
	fprintf(out, "), %" PRIu64 " ICMP %s", st->icmp_errors,
		plural(st->icmp_errors, "error", "errors"));
	if (st->icmp_unmatched)
		fprintf(out, " (%" PRIu64 " quoting no answer seen)", st->icmp_unmatched);
	fprintf(out, ", %" PRIu64 " skipped, ", st->skipped);
	if (st->drops_known)
		fprintf(out, "%" PRIu64 " %s", st->drops, plural(st->drops, "drop", "drops"));
	else
		fprintf(out, "drops unknown");
	fprintf(out, "; verdict %s", verdict_name(output_overall(s)));
	if (output_incomplete(s->an))
		fprintf(out, " (evidence may be incomplete: the capture dropped %" PRIu64 " %s)",
			st->drops, plural(st->drops, "packet", "packets"));
	fputc('\n', out);
	return finish_output(out);
}

/* Jansson refuses strings that are not UTF-8; a file name can be anything. */
static json_t *jstr(const char *text)
{
	json_t *j = json_string(text);
	char *copy;
	size_t i;

	if (j)
		return j;
	copy = strdup(text);
	if (!copy)
		return NULL;
	for (i = 0; copy[i]; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *jint(uint64_t v) { return json_integer((json_int_t)v); }

/* Set when a value could not be made: a line missing a key would break the schema, so emit()
 * refuses the whole line instead. */
static int json_failed;

static void set(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		json_failed = 1;
}

/* A JSON string as json_dumps writes it (no ASCII escaping of its own, control characters as
 * \uXXXX). The strings of a trial line are ASCII by construction (names in their escaped
 * text form); a byte above 0x7f would become '?', as jstr makes it. */
static void put_json_str(struct line *l, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;

	put_mem(l, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6];
		size_t n = 2;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			continue;
		put_mem(l, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			if (c >= 0x80) {
				esc[0] = '?';
				n = 1;
				break;
			}
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		put_mem(l, esc, n);
	}
	put_mem(l, run, (size_t)(s - run));
	put_mem(l, "\"", 1);
}

/* ,"key": */
static void put_key(struct line *l, const char *key)
{
	put_mem(l, ",\"", 2);
	put_str(l, key);
	put_mem(l, "\":", 2);
}

/* Microseconds from nanoseconds as json_dumps with JSON_REAL_PRECISION(15) writes
 * json_real(ns / 1000.0): "%.15g", ".0" added to a whole number, no '+' or leading zeros in an
 * exponent. */
static void put_json_us(struct line *l, uint64_t ns)
{
	char buf[64];
	int n;
	char *e;

	/* Below 10^15 ns the value has at most 15 significant digits, which "%.15g" gives back
	 * exactly from the double: the decimal itself, trailing zeros dropped. */
	if (ns < 1000000000000000ULL) {
		unsigned frac = (unsigned)(ns % 1000);

		put_u64(l, ns / 1000);
		if (!frac) {
			put_mem(l, ".0", 2);
			return;
		}
		buf[0] = '.';
		buf[1] = (char)('0' + frac / 100);
		buf[2] = (char)('0' + frac / 10 % 10);
		buf[3] = (char)('0' + frac % 10);
		n = 4;
		while (buf[n - 1] == '0')
			n--;
		put_mem(l, buf, (size_t)n);
		return;
	}
	n = snprintf(buf, sizeof buf, "%.15g", (double)ns / 1000.0);

	if (n < 0 || (size_t)n >= sizeof buf - 3)
		return;
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e'))) {
		char *start = e + 1, *end = start + 1;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - buf) + 1);
			n -= (int)(end - start);
		}
	}
	put_mem(l, buf, (size_t)n);
}

static void put_json_qtype(struct line *l, uint16_t t)
{
	char buf[32];

	if (t)
		put_json_str(l, qtype_str(t, buf, sizeof buf));
	else
		put_str(l, "null");
}

static void put_json_addr(struct line *l, const sp_addr_t *a)
{
	char buf[ADDR_TEXT];
	struct line b;

	line_init(&b, buf, sizeof buf);
	put_addr(&b, a);
	put_json_str(l, buf);
}

static void put_json_evidence(struct line *l, const evidence_t *e)
{
	char text[DNS_NAME_TEXT + 512];

	put_str(l, "{\"kind\":");
	put_json_str(l, refusal_name(e->kind));
	put_key(l, "qtype");
	put_json_qtype(l, e->qtype);
	put_key(l, "client");
	put_json_addr(l, &e->client);
	put_key(l, "cport");
	put_u64(l, e->cport);
	put_key(l, "query_frame");
	put_u64(l, e->query_frame);
	put_key(l, "answer_frame");
	put_u64(l, e->answer_frame);
	put_key(l, "icmp_frame");
	put_u64(l, e->icmp_frame);
	put_key(l, "taken_qtype");
	put_json_qtype(l, e->has_taken ? e->taken_qtype : 0);
	put_key(l, "taken_frame");
	if (e->has_taken)
		put_u64(l, e->taken_frame);
	else
		put_str(l, "null");
	put_key(l, "after_taken_us");
	if (e->has_taken)
		put_json_us(l, e->after_taken_ns);
	else
		put_str(l, "null");
	evidence_text(e, text, sizeof text);
	put_key(l, "text");
	put_json_str(l, text);
	put_mem(l, "}", 1);
}

/* Writes a grown line and frees it; SP_ENOMEM if it could not grow. */
static int line_write(struct line *l, FILE *out)
{
	if (l->oom || !l->p) {
		free(l->p);
		return SP_ENOMEM;
	}
	fwrite(l->p, 1, l->len, out);
	free(l->p);
	return 0;
}

/* A trial's line (docs/sniff.md), written directly rather than through jansson: a big capture
 * has a line for every trial, and building and dumping objects cost more than the analysis.
 * The bytes are json_dumps's (JSON_COMPACT | JSON_REAL_PRECISION(15)) for the same object. */
static int trial_json_line(const trial_t *t, FILE *out)
{
	struct line l = {NULL, 0, 0, 1, 0};
	size_t k;

	put_str(&l, "{\"type\":\"trial\"");
	put_key(&l, "name");
	if (t->name)
		put_json_str(&l, t->name);
	else
		put_str(&l, "null");
	put_key(&l, "client");
	put_json_addr(&l, &t->client);
	put_key(&l, "verdict");
	put_json_str(&l, verdict_name(t->verdict));
	put_key(&l, "reason");
	if (t->reason)
		put_json_str(&l, t->reason);
	else
		put_str(&l, "null");
	put_key(&l, "queries");
	put_u64(&l, t->queries);
	put_key(&l, "requeries");
	put_u64(&l, t->requeries);
	put_key(&l, "answers");
	put_u64(&l, t->answers);
	put_key(&l, "sockets");
	put_u64(&l, t->sockets);
	put_key(&l, "tcp_queries");
	put_u64(&l, t->tcp_queries);
	put_key(&l, "first_qtype");
	put_json_qtype(&l, t->first_qtype);
	put_key(&l, "second_qtype");
	put_json_qtype(&l, t->second_qtype);
	put_key(&l, "parallel");
	put_str(&l, t->second_qtype && t->parallel ? "true" : "false");
	put_key(&l, "gap_us");
	if (t->second_qtype && t->second_query_ts >= t->first_query_ts)
		put_json_us(&l, t->second_query_ts - t->first_query_ts);
	else
		put_str(&l, "null");
	put_key(&l, "race");
	put_u64(&l, t->race);
	put_key(&l, "late");
	put_u64(&l, t->late);
	put_key(&l, "duplicate");
	put_u64(&l, t->duplicate);
	put_key(&l, "evidence");
	put_mem(&l, "[", 1);
	for (k = 0; k < t->n_evidence; k++) {
		if (k)
			put_mem(&l, ",", 1);
		put_json_evidence(&l, &t->evidence[k]);
	}
	put_mem(&l, "]}\n", 3);
	return line_write(&l, out);
}

static void put_key_u64(struct line *l, const char *key, uint64_t v)
{
	put_key(l, key);
	put_u64(l, v);
}

static void put_key_gap(struct line *l, const char *key, const client_summary_t *cs, uint64_t ns)
{
	put_key(l, key);
	if (cs->gaps)
		put_json_us(l, ns);
	else
		put_str(l, "null");
}

/* A client's line (docs/sniff.md), written directly as a trial's is: a capture of many
 * clients ends with a line for each. type is "client", or "client_update" live, which adds
 * the frames read so far (frames not NULL). */
static int client_json_line(const client_summary_t *cs, int incomplete, const char *type,
			    const uint64_t *frames, FILE *out)
{
	struct line l = {NULL, 0, 0, 1, 0};

	put_str(&l, "{\"type\":");
	put_json_str(&l, type);
	put_key(&l, "client");
	put_json_addr(&l, &cs->addr);
	put_key(&l, "verdict");
	put_json_str(&l, verdict_name(cs->verdict));
	put_key_u64(&l, "trials", cs->trials);
	put_key_u64(&l, "racing", cs->racing);
	put_key_u64(&l, "correct", cs->correct);
	put_key_u64(&l, "inconclusive", cs->inconclusive);
	put_key_u64(&l, "race", cs->race);
	put_key_u64(&l, "late", cs->late);
	put_key_u64(&l, "duplicate", cs->duplicate);
	put_key(&l, "incomplete");
	put_str(&l, incomplete ? "true" : "false");
	/* How it sends its queries (docs/sniff.md): totals, then trials by behaviour. */
	put_key_u64(&l, "queries", cs->queries);
	put_key_u64(&l, "requeries", cs->requeries);
	put_key_u64(&l, "answers", cs->answers);
	put_key_u64(&l, "tcp_queries", cs->tcp_queries);
	put_key_u64(&l, "unanswered", cs->unanswered);
	put_key_u64(&l, "truncated", cs->truncated);
	put_key_u64(&l, "errors", cs->errors);
	put_key_u64(&l, "one_socket", cs->one_socket);
	put_key_u64(&l, "two_sockets", cs->two_sockets);
	put_key_u64(&l, "more_sockets", cs->more_sockets);
	put_key_u64(&l, "a_first", cs->a_first);
	put_key_u64(&l, "aaaa_first", cs->aaaa_first);
	put_key_u64(&l, "parallel", cs->parallel);
	put_key_u64(&l, "sequential", cs->sequential);
	put_key_u64(&l, "single_type", cs->single_type);
	put_key_u64(&l, "udp_only", cs->udp_only);
	put_key_u64(&l, "tcp_only", cs->tcp_only);
	put_key_u64(&l, "udp_and_tcp", cs->udp_and_tcp);
	put_key_u64(&l, "gaps", cs->gaps);
	put_key_gap(&l, "gap_min_us", cs, cs->gap_min_ns);
	put_key_gap(&l, "gap_median_us", cs, cs->gap_median_ns);
	put_key_gap(&l, "gap_max_us", cs, cs->gap_max_ns);
	if (frames)
		put_key_u64(&l, "frames", *frames);
	put_mem(&l, "}\n", 2);
	return line_write(&l, out);
}

static json_t *summary_json(const sniff_t *s)
{
	const analyzer_stats_t *st = analyzer_stats(s->an);
	json_t *o = json_object();
	const char *f;
	uint64_t frames;

	if (!o)
		return NULL;
	set(o, "type", jstr("summary"));
	set(o, "source", jstr(s->o.iface ? s->o.iface : s->o.file));
	set(o, "live", json_boolean(s->o.iface != NULL));
	set(o, "linktype", jstr(dissect_linktype_name(s->linktype)));
	set(o, "frames", jint(st->frames));
	set(o, "dns", jint(st->dns));
	set(o, "queries", jint(st->queries));
	set(o, "answers", jint(st->answers));
	set(o, "icmp_errors", jint(st->icmp_errors));
	set(o, "icmp_unmatched", jint(st->icmp_unmatched));
	set(o, "skipped", jint(st->skipped));
	set(o, "answers_unmatched", jint(st->answers_unmatched));
	set(o, "drops", jint(st->drops));
	set(o, "drops_known", json_boolean(st->drops_known));
	set(o, "verdict", jstr(verdict_name(output_overall(s))));
	set(o, "frames_read", jint(s->frames_read));
	set(o, "incomplete", json_boolean(output_incomplete(s->an)));
	f = story_filter(s, &frames);
	set(o, "display_filter", f ? jstr(f) : json_null());
	set(o, "evidence_frames", jint(frames));
	set(o, "annotated", s->annotated ? jstr(s->o.write) : json_null());
	set(o, "comments", jint(story_comments(s)));
	return o;
}

/* Takes o; one line, or SP_ENOMEM. */
static int emit(json_t *o, FILE *out)
{
	char *line;

	if (!o || json_failed) {
		json_decref(o);
		json_failed = 0;
		return SP_ENOMEM;
	}
	line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!line)
		return SP_ENOMEM;
	fputs(line, out);
	fputc('\n', out);
	free(line);
	return 0;
}

int output_trial(sniff_t *s, const trial_t *t, FILE *out)
{
	struct trial_row r;
	const char *cells[TC_N];
	char text[DNS_NAME_TEXT + 512];
	size_t k;
	int c;

	errno = 0;
	if (s->o.json)
		return trial_json_line(t, out) < 0 ? SP_ENOMEM : finish_output(out);
	if (!trial_listed(s, t)) {
		s->unlisted++;
		return 0;
	}
	if (!s->header_done) {
		print_row(out, trial_heads, trial_widths, TC_N);
		s->header_done = 1;
	}
	trial_cells(t, &r);
	for (c = 0; c < TC_N; c++)
		cells[c] = trial_cell(&r, c);
	print_row(out, cells, trial_widths, TC_N);
	if (t->verdict == VERDICT_INCONCLUSIVE && t->reason)
		fprintf(out, "  inconclusive: %s\n", t->reason);
	/* Late and duplicate refusals do not make a trial race, but they are still what the
	 * client did, so every listed trial shows its evidence. */
	/* Each line made in place, indent and newline included, and written at once: a big
	 * capture has tens of thousands of them. */
	for (k = 0; k < t->n_evidence; k++) {
		text[0] = text[1] = ' ';
		evidence_text(&t->evidence[k], text + 2, sizeof text - 3);
		size_t n = strlen(text);
		text[n++] = '\n';
		fwrite(text, 1, n, out);
	}
	if (t->evidence_omitted)
		fprintf(out, "  (%u more refused answers counted, not listed)\n",
			t->evidence_omitted);
	return finish_output(out);
}

int output_json(const sniff_t *s, FILE *out)
{
	size_t i;
	int rc;

	errno = 0;
	for (i = 0; i < analyzer_client_count(s->an); i++)
		if ((rc = client_json_line(analyzer_client(s->an, i), output_incomplete(s->an),
					   "client", NULL, out)) < 0)
			return rc;
	if ((rc = emit(summary_json(s), out)) < 0)
		return rc;
	return finish_output(out);
}

/* What the last live update said of each client, to print only what changed. Open
 * addressing by address; live captures see few clients, the table grows as needed. */
struct seen {
	sp_addr_t addr;
	int used;
	enum verdict verdict;
	int incomplete;
};

static struct seen *seen;
static size_t seen_cap, seen_n;

static size_t addr_hash(const sp_addr_t *a)
{
	size_t h = 1469598103u, i;

	for (i = 0; i < sizeof a->a; i++)
		h = (h ^ a->a[i]) * 16777619u;
	return h ^ a->family;
}

static struct seen *seen_get(const sp_addr_t *a)
{
	size_t i;

	if ((seen_n + 1) * 2 > seen_cap) {
		size_t cap = seen_cap ? seen_cap * 2 : 64, k;
		struct seen *t = calloc(cap, sizeof *t);
		if (!t)
			return NULL;
		for (k = 0; k < seen_cap; k++) {
			if (!seen[k].used)
				continue;
			for (i = addr_hash(&seen[k].addr) & (cap - 1); t[i].used;
			     i = (i + 1) & (cap - 1))
				;
			t[i] = seen[k];
		}
		free(seen);
		seen = t;
		seen_cap = cap;
	}
	for (i = addr_hash(a) & (seen_cap - 1); seen[i].used; i = (i + 1) & (seen_cap - 1))
		if (sp_addr_equal(&seen[i].addr, a))
			return &seen[i];
	seen[i].used = 1;
	seen[i].addr = *a;
	seen[i].verdict = (enum verdict) - 1;
	seen_n++;
	return &seen[i];
}

void output_live_free(void)
{
	free(seen);
	seen = NULL;
	seen_cap = seen_n = 0;
}

int output_live_updates(sniff_t *s, FILE *out)
{
	size_t i, n = analyzer_client_count(s->an);
	int incomplete = output_incomplete(s->an), rc, any = 0;
	uint64_t drops = analyzer_stats(s->an)->drops;

	errno = 0;
	for (i = 0; i < n; i++) {
		const client_summary_t *cs = analyzer_client(s->an, i);
		struct seen *x = seen_get(&cs->addr);
		char addr[ADDR_TEXT];

		if (!x)
			return SP_ENOMEM;
		if (x->verdict == cs->verdict && x->incomplete == incomplete)
			continue;
		x->verdict = cs->verdict;
		x->incomplete = incomplete;
		any = 1;
		if (s->o.json) {
			rc =
			    client_json_line(cs, incomplete, "client_update", &s->frames_read, out);
			if (rc < 0)
				return rc;
			continue;
		}
		fprintf(out, "live: %s %s (racing %u/%u trials, race/late/dup %u/%u/%u)",
			sp_addr_str(&cs->addr, addr, sizeof addr), verdict_name(cs->verdict),
			cs->racing, cs->trials, cs->race, cs->late, cs->duplicate);
		if (incomplete)
			fprintf(out, "; evidence may be incomplete (%" PRIu64 " dropped)", drops);
		fputc('\n', out);
	}
	/* A reader on a pipe sees each line when it forms, not when a buffer fills. */
	if (any && fflush(out) != 0)
		return errno ? -errno : -EIO;
	return finish_output(out);
}
