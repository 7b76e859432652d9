/* Unit tests for probe's report (probe/report.c): the join with sniff's JSON lines, verdicts
 * per cell, exit status, behaviour phrase, table (plain and in colour), report.json,
 * summary.md, junit.xml and report.html with its ladder diagrams; the signature that probe
 * diff compares, the documented-behaviour sentence, the platform's host facts, and the
 * diff itself (probe/diff.c, probe/platform.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "err.h"
#include "report.h"

#define MS 1000000ULL

static const char RACE_TEXT[] = "frame 6: AAAA answer (frame 5) to 127.0.0.1:41000 refused "
				"(port unreachable) 50.0 ms after the A answer was taken";

/* A run of two resolvers (racer control, glibc) x one scenario, two trials each. */
static void make(report_t *r, int provokes)
{
	assert_int_equal(report_init(r, "/tmp/run-x", 2, 1, 2), 0);
	assert_int_equal(report_set_resolver(r, 0, "racer", 1, "control"), 0);
	assert_int_equal(report_set_resolver(r, 1, "glibc", 0, "getaddrinfo"), 0);
	assert_int_equal(report_set_scenario(r, 0, "a-first", "aaaa-d50ms", "A first", provokes),
			 0);
	unsigned n = 0;
	for (size_t res = 0; res < 2; res++) {
		report_cell_t *c = report_cell(r, 0, res);
		for (unsigned k = 0; k < 2; k++) {
			report_trial_t *t = &c->trials[k];
			snprintf(t->name, sizeof(t->name), "aaaa-d50ms.t%06u.lab.test", ++n);
			t->lookup.done = 1;
			t->lookup.ok = 1;
			t->lookup.families =
			    res == 0 ? REPORT_FAM_V4 : REPORT_FAM_V4 | REPORT_FAM_V6;
			t->lookup.elapsed_ns = res == 0 ? 400000 : 50 * MS + k * MS;
		}
	}
}

static const char *trial_line(char *buf, size_t len, unsigned n, const char *verdict,
			      unsigned sockets, int race)
{
	snprintf(
	    buf, len,
	    "{\"type\":\"trial\",\"name\":\"AAAA-D50MS.t%06u.lab.test\",\"client\":\"127.0.0.1\","
	    "\"verdict\":\"%s\",\"reason\":null,\"queries\":2,\"requeries\":0,\"answers\":2,"
	    "\"sockets\":%u,\"tcp_queries\":0,\"first_qtype\":\"A\",\"second_qtype\":\"AAAA\","
	    "\"parallel\":true,\"gap_us\":12.5,\"race\":%d,\"late\":0,\"duplicate\":0,"
	    "\"evidence\":[%s%s%s]}\n",
	    n, verdict, sockets, race, race ? "{\"kind\":\"race\",\"text\":\"" : "",
	    race ? RACE_TEXT : "", race ? "\"}" : "");
	return buf;
}

/* sniff output for the run made by make(): racer races in both trials, glibc as given. */
static char *sniff_text(const char *glibc_verdict, int glibc_race, int skip_last)
{
	static char text[8192];
	char line[1024];
	text[0] = 0;
	strcat(text, trial_line(line, sizeof(line), 1, "racing", 2, 1));
	strcat(text, trial_line(line, sizeof(line), 2, "racing", 2, 1));
	strcat(text, "\n");
	strcat(text, trial_line(line, sizeof(line), 3, glibc_verdict, 1, glibc_race));
	if (!skip_last)
		strcat(text, trial_line(line, sizeof(line), 4, glibc_verdict, 1, glibc_race));
	/* A stray name on the lab link is no trial of the run. */
	strcat(text, trial_line(line, sizeof(line), 99, "racing", 2, 1));
	strcat(text, "{\"type\":\"client\",\"client\":\"127.0.0.1\",\"verdict\":\"racing\"}\n");
	strcat(text, "{\"type\":\"summary\",\"source\":\"lo\",\"frames\":42,\"drops\":0,"
		     "\"drops_known\":true}\n");
	return text;
}

static void join_ok(report_t *r, const char *text)
{
	char err[256] = "";
	int rc = report_join_sniff(r, text, strlen(text), err, sizeof(err));
	if (rc != 0)
		fail_msg("join failed: %d %s", rc, err);
	report_finish(r);
}

static void test_all_correct(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 0));
	const report_cell_t *racer = report_cell(&r, 0, 0), *glibc = report_cell(&r, 0, 1);
	assert_int_equal(racer->verdict, VERDICT_RACING);
	assert_int_equal(racer->racing, 2);
	assert_int_equal(glibc->verdict, VERDICT_CORRECT);
	assert_int_equal(glibc->correct, 2);
	assert_true(glibc->trials[0].wire.seen);
	assert_string_equal(racer->trials[0].wire.evidence[0], RACE_TEXT);
	assert_string_equal(racer->behaviour,
			    "2 sockets, A+AAAA parallel, returned A only, 0.4 ms");
	/* median of 50 ms and 51 ms */
	assert_string_equal(glibc->behaviour,
			    "1 socket, A+AAAA parallel, returned A+AAAA, 50.5 ms");
	assert_int_equal(r.exit_status, 0);
	assert_true(r.have_capture);
	assert_int_equal(r.frames, 42);
	report_free(&r);
}

static void test_resolver_racing(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("racing", 1, 0));
	assert_int_equal(report_cell(&r, 0, 1)->verdict, VERDICT_RACING);
	assert_int_equal(r.exit_status, 1);
	assert_non_null(strstr(r.exit_reason, "glibc races in scenario a-first (racing 2/2)"));
	report_free(&r);

	/* One racing trial makes the cell racing, whatever the others say. */
	char text[4096], line[1024];
	make(&r, 1);
	snprintf(text, sizeof(text), "%s", sniff_text("racing", 1, 1));
	strcat(text, trial_line(line, sizeof(line), 4, "inconclusive", 1, 0));
	join_ok(&r, text);
	assert_int_equal(report_cell(&r, 0, 1)->verdict, VERDICT_RACING);
	assert_int_equal(report_cell(&r, 0, 1)->inconclusive, 1);
	assert_int_equal(r.exit_status, 1);
	assert_non_null(strstr(r.exit_reason, "(racing 1/2)"));
	report_free(&r);
}

static void test_missing_trial_inconclusive(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 1));
	const report_cell_t *glibc = report_cell(&r, 0, 1);
	assert_int_equal(glibc->verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(glibc->correct, 1);
	assert_int_equal(glibc->inconclusive, 1);
	assert_string_equal(glibc->trials[1].reason, "no queries seen on the wire");
	assert_int_equal(r.exit_status, 2);
	assert_non_null(strstr(r.exit_reason, "inconclusive 1/2"));
	assert_non_null(strstr(r.exit_reason, "no queries seen on the wire"));
	report_free(&r);
}

static void test_no_result_is_inconclusive(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	report_cell(&r, 0, 1)->trials[0].lookup.done = 0;
	join_ok(&r, sniff_text("correct", 0, 0));
	assert_int_equal(report_cell(&r, 0, 1)->trials[0].verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(r.exit_status, 2);
	report_free(&r);
}

static void test_control_not_racing(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	char text[4096], line[1024];
	snprintf(text, sizeof(text), "%s", trial_line(line, sizeof(line), 1, "correct", 2, 0));
	strcat(text, trial_line(line, sizeof(line), 2, "racing", 2, 1));
	strcat(text, trial_line(line, sizeof(line), 3, "correct", 1, 0));
	strcat(text, trial_line(line, sizeof(line), 4, "correct", 1, 0));
	join_ok(&r, text);
	assert_int_equal(r.exit_status, 2);
	assert_non_null(strstr(r.exit_reason, "the racer control did not race in scenario a-first "
					      "(1/2): the lab cannot see races"));
	assert_non_null(strstr(r.exit_reason, "/tmp/run-x"));
	report_free(&r);

	/* Where the scenario provokes no race the control is not held to it. */
	make(&r, 0);
	join_ok(&r, text);
	assert_int_equal(r.exit_status, 0);
	report_free(&r);
}

static void provokes(const char *spec, int want)
{
	directives_t d;
	directives_init(&d);
	assert_int_equal(directive_parse_text(spec, &d, NULL, 0), 0);
	if (report_provokes_race(&d) != want)
		fail_msg("'%s': want %d", spec, want);
}

static void test_provokes_race(void **state)
{
	(void)state;
	provokes("aaaa-d50ms", 1);
	provokes("a-d50ms", 1);
	provokes("a-d1ms", 1);
	provokes("aaaa-servfail.aaaa-d20ms", 1);
	provokes("-", 0);
	provokes("a-d999us", 0);
	provokes("a-d20ms.aaaa-d20ms", 0);
	provokes("aaaa-drop", 0);
	provokes("a-drop.aaaa-d50ms", 0);
}

static void test_fail_is_kept(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	report_fail(&r, "interrupted after 1 of 4 trials");
	join_ok(&r, sniff_text("correct", 0, 0));
	assert_int_equal(r.exit_status, 2);
	assert_string_equal(r.exit_reason, "interrupted after 1 of 4 trials");
	report_free(&r);
}

static void test_trials_not_run(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	report_cell(&r, 0, 1)->trials[1].name[0] = 0;
	join_ok(&r, sniff_text("correct", 0, 0));
	const report_cell_t *glibc = report_cell(&r, 0, 1);
	assert_int_equal(glibc->verdict, VERDICT_CORRECT);
	assert_int_equal(glibc->correct, 1);
	report_cell(&r, 0, 1)->trials[0].name[0] = 0;
	report_finish(&r);
	assert_int_equal(glibc->verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(r.exit_status, 2);
	report_free(&r);
}

static void expect_join_error(const char *text, const char *why)
{
	report_t r;
	char err[256] = "";
	make(&r, 1);
	assert_int_equal(report_join_sniff(&r, text, strlen(text), err, sizeof(err)), SP_ESYNTAX);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
	report_free(&r);
}

static void test_join_errors(void **state)
{
	(void)state;
	expect_join_error("{\"type\":\"client\"}\n{not json\n", "line 2: not JSON");
	expect_join_error("[1,2]\n", "line 1: not a JSON object");
	expect_join_error("{\"name\":\"x\"}\n", "line 1: no \"type\"");
	expect_join_error("{\"type\":\"trial\"}", "line 1: trial without a \"name\"");
	expect_join_error("\n\n{\"type\":\"trial\",\"name\":\"aaaa-d50ms.t000001.lab.test\","
			  "\"verdict\":\"maybe\"}",
			  "line 3: trial without a known verdict ('maybe')");
}

static void test_join_tolerates_odd_fields(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	/* Wrong types and negative counts read as absent; no trailing newline. */
	const char *text = "{\"type\":\"trial\",\"name\":\"aaaa-d50ms.t000003.lab.test\","
			   "\"verdict\":\"inconclusive\",\"queries\":-4,\"sockets\":\"two\","
			   "\"first_qtype\":7,\"evidence\":\"none\",\"gap_us\":null}";
	join_ok(&r, text);
	const report_trial_t *t = &report_cell(&r, 0, 1)->trials[0];
	assert_true(t->wire.seen);
	assert_int_equal(t->wire.queries, 0);
	assert_int_equal(t->wire.sockets, 0);
	assert_string_equal(t->wire.first_qtype, "");
	assert_false(t->wire.has_gap);
	assert_string_equal(t->reason, "sniff gave no reason");
	assert_false(r.have_capture);
	report_free(&r);
}

static void test_behaviour_majority(void **state)
{
	(void)state;
	report_trial_t t[4];
	char out[256];
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 4; i++) {
		snprintf(t[i].name, sizeof(t[i].name), "t%d", i);
		t[i].wire.seen = 1;
		t[i].wire.sockets = i == 0 ? 1 : 2;
		strcpy(t[i].wire.first_qtype, "AAAA");
		strcpy(t[i].wire.second_qtype, i == 3 ? "" : "A");
		t[i].wire.tcp_queries = i >= 2;
		t[i].wire.requeries = 1;
		t[i].lookup.done = 1;
		t[i].lookup.ok = i != 1;
		t[i].lookup.families = REPORT_FAM_V6;
		t[i].lookup.elapsed_ns = (uint64_t)(i + 1) * MS;
	}
	report_behaviour(t, 4, out, sizeof(out));
	/* ties go to the earliest trial: TCP 2 of 4 -> not TCP; elapsed median of 1..4 ms */
	assert_string_equal(out, "2 sockets, AAAA then A, 1 retry, returned AAAA only, 2.5 ms");

	t[0].lookup.timed_out = t[1].lookup.timed_out = t[2].lookup.timed_out = 1;
	t[0].wire.tcp_queries = 1;
	report_behaviour(t, 4, out, sizeof(out));
	assert_string_equal(out, "2 sockets, AAAA then A, over TCP, 1 retry, timed out, 4.0 ms");

	for (int i = 0; i < 4; i++)
		t[i].wire.seen = 0;
	t[0].lookup.timed_out = t[1].lookup.timed_out = t[2].lookup.timed_out = 0;
	t[1].lookup.ok = 0;
	t[0].lookup.ok = 0;
	t[2].lookup.ok = 0;
	strcpy(t[0].lookup.error, "Name or service not known");
	strcpy(t[1].lookup.error, "Name or service not known");
	report_behaviour(t, 4, out, sizeof(out));
	assert_string_equal(
	    out, "no queries seen, returned an error (Name or service not known), 2.5 ms");

	report_behaviour(t, 0, out, sizeof(out));
	assert_string_equal(out, "no queries seen");
	/* A short buffer truncates but stays a string. */
	report_behaviour(t, 4, out, 8);
	assert_int_equal(strlen(out), 7);
}

static void test_table(void **state)
{
	(void)state;
	report_t r;
	char *buf = NULL;
	size_t len = 0;
	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 0));
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_print_table(&r, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "resolver  scenario  verdict      behaviour\n"));
	assert_non_null(strstr(buf, "racer*    a-first   racing 2/2   2 sockets"));
	assert_non_null(strstr(buf, "glibc     a-first   correct 2/2  1 socket"));
	assert_non_null(strstr(buf, "* control: expected to race\n"));
	assert_non_null(strstr(buf, "\nrun: /tmp/run-x\n"));
	assert_non_null(strstr(buf, "  racer aaaa-d50ms.t000002.lab.test: frame 6: AAAA answer"));
	assert_non_null(strstr(buf, "result: every resolver under test is correct"));
	free(buf);
	report_free(&r);
}

/* fakens's log as the second witness: "icmp" events counted per trial, compared with sniff. */
static void test_fakens_witness(void **state)
{
	(void)state;
	report_t r;
	char *buf = NULL;
	size_t len = 0;
	const report_trial_t *first = NULL;
	static const char icmp1[] =
	    "{\"event\":\"icmp\",\"client\":\"127.0.0.1\",\"cport\":41000,\"id\":2,"
	    "\"qname\":\"aaaa-d50ms.t000001.lab.test\",\"qtype\":\"AAAA\",\"icmp_type\":3,"
	    "\"icmp_code\":3}\n";
	static const char icmp2[] =
	    "{\"event\":\"icmp\",\"qname\":\"aaaa-d50ms.t000002.lab.test\"}\n";
	static const char noise[] =
	    "{\"event\":\"start\",\"zone\":\"lab.test\"}\n"
	    "{\"event\":\"answer\",\"qname\":\"aaaa-d50ms.t000003.lab.test\"}\n"
	    "{\"event\":\"icmp\",\"qname\":\"aaaa-d50ms.t000099.lab.test\"}\n"
	    "{\"event\":\"icmp\",\"id\":7}\n"
	    "not json at all, \"icmp\"\n"
	    "{\"event\":\"icmp\",\"qname\":\"aaaa-d50ms.t0000";

	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 0));
	/* Without fakens's log there is nothing to compare. */
	assert_int_equal(report_disagreements(&r, &first), 0);
	assert_null(first);
	json_t *o = report_json(&r);
	json_t *t0 = json_array_get(
	    json_object_get(json_array_get(json_object_get(o, "cells"), 0), "trials"), 0);
	assert_true(json_is_null(json_object_get(t0, "fakens_refused")));
	json_decref(o);

	char text[2048];
	snprintf(text, sizeof(text), "%s%s%s", icmp1, icmp2, noise);
	assert_int_equal(report_join_fakens(&r, text, strlen(text)), 0);
	report_finish(&r);
	assert_true(r.have_fakens);
	assert_int_equal(report_cell(&r, 0, 0)->trials[0].fakens_refused, 1);
	assert_int_equal(report_cell(&r, 0, 0)->trials[1].fakens_refused, 1);
	assert_int_equal(report_cell(&r, 0, 1)->trials[0].fakens_refused, 0);
	assert_int_equal(report_disagreements(&r, &first), 0);
	o = report_json(&r);
	t0 = json_array_get(
	    json_object_get(json_array_get(json_object_get(o, "cells"), 0), "trials"), 0);
	assert_int_equal(json_integer_value(json_object_get(t0, "fakens_refused")), 1);
	json_decref(o);
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_print_table(&r, f), 0);
	fclose(f);
	assert_null(strstr(buf, "disagree"));
	free(buf);
	buf = NULL;

	/* fakens did not hear of the second race, and heard of one sniff did not see; joining
	 * again starts the counts afresh. */
	snprintf(text, sizeof(text), "%s%s", icmp1,
		 "{\"event\":\"icmp\",\"qname\":\"aaaa-d50ms.t000004.lab.test\"}\n");
	assert_int_equal(report_join_fakens(&r, text, strlen(text)), 0);
	report_finish(&r);
	assert_int_equal(report_cell(&r, 0, 0)->trials[0].fakens_refused, 1);
	assert_int_equal(report_disagreements(&r, &first), 2);
	assert_ptr_equal(first, &report_cell(&r, 0, 0)->trials[1]);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_print_table(&r, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "witnesses disagree on refused answers in 2 trials, first "
				    "aaaa-d50ms.t000002.lab.test: sniff saw 1, fakens heard of 0"));
	free(buf);
	report_free(&r);
}

static void test_json(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	strcpy(r.run_id, "20260101-000000");
	report_cell(&r, 0, 1)->trials[1].lookup.ok = 0;
	strcpy(report_cell(&r, 0, 1)->trials[1].lookup.error, "Name or service not known");
	join_ok(&r, sniff_text("correct", 0, 1));
	json_t *o = report_json(&r);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "tool")), "stubprobe");
	assert_string_equal(json_string_value(json_object_get(o, "run_id")), "20260101-000000");
	assert_int_equal(json_integer_value(json_object_get(o, "trials")), 2);
	/* not made by a run: no topology recorded */
	assert_true(json_is_null(json_object_get(o, "topology")));
	assert_int_equal(json_integer_value(json_object_get(o, "exit_status")), 2);
	json_t *cells = json_object_get(o, "cells");
	assert_int_equal(json_array_size(cells), 2);
	json_t *racer = json_array_get(cells, 0), *glibc = json_array_get(cells, 1);
	assert_true(json_is_true(json_object_get(racer, "control")));
	assert_string_equal(json_string_value(json_object_get(racer, "count")), "racing 2/2");
	json_t *t0 = json_array_get(json_object_get(racer, "trials"), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t0, "returned"), 0)),
			    "A");
	assert_true(json_is_null(json_object_get(t0, "error")));
	assert_int_equal(json_integer_value(json_object_get(t0, "elapsed_us")), 400);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t0, "evidence"), 0)),
			    RACE_TEXT);
	json_t *t1 = json_array_get(json_object_get(glibc, "trials"), 1);
	assert_string_equal(json_string_value(json_object_get(t1, "verdict")), "inconclusive");
	assert_string_equal(json_string_value(json_object_get(t1, "error")),
			    "Name or service not known");
	assert_int_equal(json_array_size(json_object_get(t1, "returned")), 0);
	assert_true(json_is_null(json_object_get(t1, "first_qtype")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "capture"), "frames")), 42);
	json_decref(o);

	char path[] = "/tmp/test_report.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(report_write_json(&r, path), 0);
	json_error_t je;
	json_t *back = json_load_file(path, 0, &je);
	assert_non_null(back);
	assert_int_equal(json_integer_value(json_object_get(back, "exit_status")), 2);
	json_decref(back);
	unlink(path);
	assert_true(report_write_json(&r, "/nonexistent-dir/report.json") < 0);
	report_free(&r);
}

/* ---- summary.md, junit.xml, report.html and the colour table ---- */

/* Runs a writer into memory; the text is NUL-terminated, free it. */
static char *capture_out(int (*write)(const report_t *, FILE *), const report_t *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(write(r, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *xml_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_put_xml(in, f);
	fclose(f);
	return buf;
}

static void test_escape(void **state)
{
	(void)state;
	char *x = xml_of("a<b>&\"'\x01\tc\n");
	assert_string_equal(x, "a&lt;b&gt;&amp;&quot;&#39;\tc\n");
	free(x);
	/* well-formed UTF-8 passes, anything else becomes '?' (a cut sequence at the end too) */
	x = xml_of("caf\xc3\xa9 \xff\xc3( \xed\xa0\x80 \xe2\x82");
	assert_string_equal(x, "caf\xc3\xa9 ?"
			       "?( ?"
			       "?? ?"
			       "?");
	free(x);
	x = xml_of(NULL);
	assert_string_equal(x, "");
	free(x);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_put_md("a|b\\c\n<x>&", f);
	fclose(f);
	assert_string_equal(buf, "a\\|b\\\\c &lt;x&gt;&amp;");
	free(buf);
	/* quotes and UTF-8 stay as they are; \r and \t are spaces, other control bytes go */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_put_md("q\"'\r\t\001caf\xc3\xa9", f);
	fclose(f);
	assert_string_equal(buf, "q\"'  caf\xc3\xa9");
	free(buf);
}

static int table_colour(const report_t *r, FILE *f) { return report_print_table_colour(r, f, 1); }

static void test_colour(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("racing", 1, 0));
	char *plain = capture_out(report_print_table, &r);
	char *col = capture_out(table_colour, &r);
	assert_null(strchr(plain, '\033'));
	assert_non_null(strstr(col, "\033[31mracing 2/2\033[0m"));
	/* The codes do not move the columns: stripped, the two tables are the same. */
	char *p = col, *q = col;
	while (*p) {
		if (*p == '\033') {
			while (*p && *p != 'm')
				p++;
			if (*p)
				p++;
			continue;
		}
		*q++ = *p++;
	}
	*q = 0;
	assert_string_equal(col, plain);
	free(plain);
	free(col);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	unsetenv("NO_COLOR");
	assert_int_equal(report_colour_wanted(fds[1]), 0); /* a pipe is no terminal */
	close(fds[0]);
	close(fds[1]);
	int tty = open("/dev/tty", O_WRONLY);
	if (tty >= 0) {
		assert_int_equal(report_colour_wanted(tty), 1);
		setenv("NO_COLOR", "1", 1);
		assert_int_equal(report_colour_wanted(tty), 0);
		setenv("NO_COLOR", "", 1);
		assert_int_equal(report_colour_wanted(tty), 1);
		unsetenv("NO_COLOR");
		close(tty);
	}
	report_free(&r);
}

static void test_markdown(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	assert_int_equal(report_set_resolver(&r, 1, "glibc", 0, "getaddrinfo | pipe"), 0);
	join_ok(&r, sniff_text("racing", 1, 0));
	char *md = capture_out(report_write_markdown, &r);
	assert_non_null(strstr(md, "# stubprobe run "));
	assert_non_null(strstr(md, "(exit status 1)"));
	assert_non_null(strstr(md, "| racer\\* | a-first | racing 2/2 | 2 sockets"));
	assert_non_null(strstr(md, "| glibc | a-first | racing 2/2 |"));
	assert_non_null(strstr(md, "| a-first | `aaaa-d50ms` | yes | A first |"));
	assert_non_null(strstr(md, "getaddrinfo \\| pipe"));
	assert_non_null(strstr(md, RACE_TEXT));
	/* every table row has as many cells as its head */
	assert_int_equal(count_of(md, "| racing 2/2 |"), 2);
	assert_null(strstr(md, "lab topology"));
	free(md);
	/* the lab's topology among the platform lines */
	strcpy(r.topology, "two-host");
	md = capture_out(report_write_markdown, &r);
	assert_non_null(strstr(md, "## Platform\n\n- lab topology: two-host (docs/lab.md)\n"));
	free(md);
	report_free(&r);
}

static void test_junit(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("racing", 1, 0));
	char *x = capture_out(report_write_junit, &r);
	assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	assert_non_null(strstr(x, "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(x, "name=\"racer (control)\""));
	assert_non_null(strstr(x, "<failure type=\"racing\" message=\"frame 6: AAAA answer"));
	assert_int_equal(count_of(x, "<testcase"), 2);
	assert_int_equal(count_of(x, "<failure"), 1); /* the control racing is no failure */
	free(x);
	report_free(&r);

	/* glibc inconclusive (the last trial not seen): an error, with the reason. */
	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 1));
	x = capture_out(report_write_junit, &r);
	assert_non_null(strstr(x, "<error type=\"inconclusive\" message=\"inconclusive 1/2: no "
				  "queries seen on the wire\"/>"));
	assert_null(strstr(x, "<failure"));
	free(x);
	report_free(&r);

	/* a control that does not race where a race is provoked fails */
	make(&r, 1);
	join_ok(&r, "");
	x = capture_out(report_write_junit, &r);
	assert_non_null(strstr(x, "<failure type=\"control\""));
	free(x);
	report_free(&r);
}

static void add_ladder(report_trial_t *t)
{
	static const report_packet_t p[] = {
	    {REPORT_PKT_QUERY, 1000 * MS, 1, 41000, 0, 1, 7, 0, 0, "127.0.0.1:53"},
	    {REPORT_PKT_QUERY, 1000 * MS + 20000, 2, 41001, 0, 28, 8, 0, 0, "127.0.0.1:53"},
	    {REPORT_PKT_ANSWER, 1000 * MS + 90000, 3, 41000, 0, 1, 7, 0, 0, "127.0.0.1:53"},
	    {REPORT_PKT_ANSWER, 1050 * MS, 4, 41001, 0, 28, 8, 0, 0, "127.0.0.1:53"},
	    {REPORT_PKT_ICMP, 1050 * MS + 30000, 5, 41001, 0, 28, 8, 0, 0, "127.0.0.1:53"},
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		assert_int_equal(report_add_packet(t, &p[i]), 0);
}

static void test_html(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	assert_int_equal(report_set_scenario(&r, 0, "x<script>", "aaaa-d50ms", "A first", 1), 0);
	join_ok(&r, sniff_text("correct", 0, 0));
	add_ladder(&report_cell(&r, 0, 0)->trials[0]);
	/* a second trial asks another server: a column of its own */
	report_packet_t other = {REPORT_PKT_QUERY, 0, 9, 42000, 1, 1, 9, 0, 0, "[::1]:53"};
	assert_int_equal(report_add_packet(&report_cell(&r, 0, 0)->trials[1], &other), 0);
	r.have_packets = 1;
	char *h = capture_out(report_write_html, &r);
	assert_non_null(strstr(h, "<!DOCTYPE html>"));
	assert_null(strstr(h, "<script"));
	assert_non_null(strstr(h, "x&lt;script&gt;"));
	assert_null(strstr(h, "src=")); /* nothing from elsewhere */
	/* two racing trials of the racer, one example of glibc's correct behaviour */
	assert_int_equal(count_of(h, "<svg"), 3);
	assert_int_equal(count_of(h, "</svg>"), 3);
	/* the trial with packets: 2 queries, 2 answers, an ICMP error as arrows */
	assert_int_equal(count_of(h, "class=\"q\" marker-end"), 3);
	assert_non_null(strstr(h, "server [::1]:53"));
	assert_non_null(strstr(h, "client :42000 TCP"));
	assert_non_null(strstr(h, "A? id 9 (TCP)"));
	assert_int_equal(count_of(h, "class=\"a\" marker-end"), 2);
	assert_int_equal(count_of(h, "class=\"icmp\" marker-end"), 1);
	assert_non_null(strstr(h, "client :41000 UDP"));
	assert_non_null(strstr(h, "client :41001 UDP"));
	assert_non_null(strstr(h, "server 127.0.0.1:53"));
	assert_non_null(strstr(h, "AAAA? id 8"));
	assert_non_null(strstr(h, "ICMP port unreachable: AAAA answer refused"));
	assert_non_null(strstr(h, "+49.9 ms")); /* the delay before the late answer */
	assert_non_null(strstr(h, "no packet of this trial in the capture"));
	free(h);
	report_free(&r);
}

static void test_packets(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	size_t n;
	report_trial_t **index = report_name_index(&r, &n);
	assert_non_null(index);
	assert_int_equal(n, 4);
	report_trial_t *t = report_index_find(index, n, "AAAA-D50MS.T000003.LAB.TEST");
	assert_ptr_equal(t, &report_cell(&r, 0, 1)->trials[0]);
	assert_null(report_index_find(index, n, "aaaa-d50ms.t000099.lab.test"));
	free(index);
	report_packet_t p = {REPORT_PKT_QUERY, 0, 1, 53000, 0, 1, 1, 0, 0, "127.0.0.1:53"};
	for (size_t i = 0; i < REPORT_PACKETS_MAX + 5; i++)
		assert_int_equal(report_add_packet(t, &p), 0);
	assert_int_equal(t->npackets, REPORT_PACKETS_MAX);
	assert_int_equal(t->packets_over, 5);
	report_free(&r);
}

static void test_write_files(void **state)
{
	(void)state;
	report_t r;
	make(&r, 1);
	join_ok(&r, sniff_text("correct", 0, 0));
	char err[256] = "";
	assert_true(report_write_files(&r, "/nonexistent-dir", err, sizeof(err)) < 0);
	assert_string_equal(err, "/nonexistent-dir/summary.md");
	char dir[] = "/tmp/test_report.XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_write_files(&r, dir, err, sizeof(err)), 0);
	static const char *const files[] = {"summary.md", "junit.xml", "report.html"};
	for (size_t i = 0; i < 3; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_int_equal(access(path, R_OK), 0);
		unlink(path);
	}
	rmdir(dir);
	report_free(&r);
}

/* ---- signature, documented behaviour, platform, diff ---- */

/* Two trials of one cell, both asked A then AAAA from one socket and got both back; the
 * first parallel when parallel is set. */
static void two_trials(report_trial_t *t, int parallel)
{
	for (int k = 0; k < 2; k++) {
		report_trial_t *x = &t[k];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "t%06d.lab.test", k + 1);
		x->wire.seen = 1;
		x->wire.sockets = 1;
		x->wire.queries = 2;
		x->wire.answers = 2;
		strcpy(x->wire.first_qtype, "A");
		strcpy(x->wire.second_qtype, "AAAA");
		x->wire.parallel = parallel && k == 0;
		x->lookup.done = x->lookup.ok = 1;
		x->lookup.families = REPORT_FAM_V4 | REPORT_FAM_V6;
		x->lookup.elapsed_ns = (uint64_t)(k + 1) * MS;
	}
}

/* One resolver x one scenario of two trials, judged correct by the wire. */
static void one_cell(report_t *r, const char *resolver, const char *scen, const char *dirs,
		     int parallel)
{
	assert_int_equal(report_init(r, "/tmp/run-y", 1, 1, 2), 0);
	assert_int_equal(report_set_resolver(r, 0, resolver, 0, "under test"), 0);
	assert_int_equal(report_set_scenario(r, 0, scen, dirs, "", 0), 0);
	two_trials(report_cell(r, 0, 0)->trials, parallel);
	report_finish(r);
}

static void test_signature(void **state)
{
	(void)state;
	report_t r;
	char sig[256];
	/* A is asked first and answered at once: parallel or not is not on the wire. */
	one_cell(&r, "glibc", "a-first", "aaaa-d50ms", 0);
	assert_string_equal(report_cell(&r, 0, 0)->behaviour,
			    "1 socket, A then AAAA, returned A+AAAA, 1.5 ms");
	assert_string_equal(report_signature(&r, report_cell(&r, 0, 0), sig, sizeof(sig)),
			    "1 socket, A, AAAA, returned A+AAAA");
	report_free(&r);
	/* A's answer is 50 ms late everywhere: the wire shows whether AAAA waited for it. */
	one_cell(&r, "glibc", "aaaa-first", "a-d50ms", 0);
	assert_string_equal(report_signature(&r, report_cell(&r, 0, 0), sig, sizeof(sig)),
			    "1 socket, A then AAAA, returned A+AAAA");
	report_free(&r);
	/* ... but not when one server answers it at once. */
	one_cell(&r, "glibc", "x", "s1-a-d2s.s1-aaaa-d2s", 0);
	assert_string_equal(report_signature(&r, report_cell(&r, 0, 0), sig, sizeof(sig)),
			    "1 socket, A, AAAA, returned A+AAAA");
	report_free(&r);
}

static void test_undocumented(void **state)
{
	(void)state;
	report_t r;
	const report_cell_t *c;

	assert_null(report_doc_find("racer"));
	assert_non_null(strstr(report_doc_summary(report_doc_find("glibc-use-vc")), "TCP"));

	/* As documented: nothing to say. */
	one_cell(&r, "glibc", "a-first", "aaaa-d50ms", 1);
	assert_string_equal(report_cell(&r, 0, 0)->undocumented, "");
	report_free(&r);

	/* single-request documents one query after the other: a parallel trial is proof. */
	one_cell(&r, "glibc-single-request", "a-first", "aaaa-d50ms", 1);
	c = report_cell(&r, 0, 0);
	assert_non_null(strstr(c->undocumented,
			       "glibc-single-request (glibc) in a-first sent "
			       "its second query before the first answer came back"));
	assert_non_null(strstr(c->undocumented, "glibc's resolv.conf(5) does not describe this"));
	report_free(&r);

	/* glibc waiting for a late A answer before asking AAAA is not what resolv.conf(5)
	 * says; with an immediate first answer the wire could not tell, so no sentence. */
	one_cell(&r, "glibc", "aaaa-first", "a-d50ms", 0);
	assert_non_null(strstr(report_cell(&r, 0, 0)->undocumented,
			       "waited for the A answer before asking AAAA"));
	report_free(&r);
	one_cell(&r, "glibc", "a-first", "aaaa-d50ms", 0);
	assert_string_equal(report_cell(&r, 0, 0)->undocumented, "");
	report_free(&r);

	/* musl on a truncated A: no TCP, one family back; the version from the platform. */
	assert_int_equal(report_init(&r, "/tmp/run-y", 1, 1, 2), 0);
	assert_int_equal(report_set_resolver(&r, 0, "musl", 0, ""), 0);
	assert_int_equal(report_set_scenario(&r, 0, "tc-a", "a-tc", "", 0), 0);
	r.platform.known = 1;
	strcpy(r.platform.musl_version, "1.2.3");
	two_trials(report_cell(&r, 0, 0)->trials, 1);
	for (int k = 0; k < 2; k++)
		report_cell(&r, 0, 0)->trials[k].lookup.families = REPORT_FAM_V6;
	report_finish(&r);
	assert_string_equal(
	    report_cell(&r, 0, 0)->undocumented,
	    "musl 1.2.3 in tc-a never asked over TCP after the truncated answer and "
	    "returned AAAA only; musl's documentation (musl wiki, 1.2.4 release "
	    "notes) does not describe this");
	report_free(&r);

	/* Racing: undocumented for glibc; musl asking every server at once is documented. */
	one_cell(&r, "glibc", "a-first", "aaaa-d50ms", 1);
	c = report_cell(&r, 0, 0);
	report_cell(&r, 0, 0)->trials[0].wire.verdict = VERDICT_RACING;
	report_cell(&r, 0, 0)->trials[0].wire.race = 1;
	report_finish(&r);
	assert_non_null(strstr(c->undocumented, "took the first answer and closed its socket"));
	report_free(&r);
	one_cell(&r, "musl", "ns1-slow", "s1-a-d2s.s1-aaaa-d2s", 1);
	report_cell(&r, 0, 0)->trials[0].wire.verdict = VERDICT_RACING;
	report_finish(&r);
	assert_int_equal(report_cell(&r, 0, 0)->verdict, VERDICT_RACING);
	assert_string_equal(report_cell(&r, 0, 0)->undocumented, "");
	report_free(&r);

	/* use-vc documents TCP: UDP queries and a lookup that never returned are said. */
	one_cell(&r, "glibc-use-vc", "aaaa-lost", "aaaa-drop", 1);
	for (int k = 0; k < 2; k++)
		report_cell(&r, 0, 0)->trials[k].lookup.timed_out = 1;
	report_finish(&r);
	assert_non_null(strstr(report_cell(&r, 0, 0)->undocumented,
			       "asked over UDP and did not return before probe killed it"));
	report_free(&r);
}

static void test_platform_host(void **state)
{
	(void)state;
	report_platform_t p;
	memset(&p, 0, sizeof(p));
	report_platform_host(&p, "# comment\npasswd: files\nhosts:   files dns # local\n",
			     "nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions single-request "
			     "timeout:2\n",
			     0);
	assert_string_equal(p.nsswitch_hosts, "files dns");
	assert_string_equal(p.nameservers, "10.0.0.1 10.0.0.2");
	assert_string_equal(p.host_options, "single-request timeout:2");
	assert_string_equal(p.local_stub, "");
	assert_non_null(strstr(p.routes, "straight to 10.0.0.1 10.0.0.2"));
	assert_non_null(strstr(p.routes, "make glibc-single-request the glibc row"));

	report_platform_host(&p, "hosts: files resolve [!UNAVAIL=return] dns\n",
			     "nameserver 127.0.0.53\noptions edns0 trust-ad\n", 1);
	assert_string_equal(p.local_stub, "127.0.0.53");
	assert_true(p.nscd_running);
	assert_non_null(strstr(p.routes, "systemd-resolved (nss-resolve) before dns"));
	assert_non_null(strstr(p.routes, "nscd is running"));
	assert_non_null(strstr(p.routes, "local stub (127.0.0.53)"));
	assert_non_null(strstr(p.routes, "make glibc the glibc row"));

	report_platform_host(&p, "hosts: files mdns4_minimal\n", NULL, 0);
	assert_non_null(strstr(p.routes, "has no dns source"));
	assert_non_null(strstr(p.routes, "/etc/resolv.conf could not be read"));
	report_platform_host(&p, NULL, "", 0);
	assert_non_null(strstr(p.routes, "nsswitch.conf could not be read"));
	assert_non_null(strstr(p.routes, "names no nameserver"));

	json_t *o = report_platform_json(&p);
	assert_non_null(o);
	assert_true(json_is_null(json_object_get(o, "os")));
	assert_true(json_is_array(json_object_get(json_object_get(o, "host"), "nameservers")));
	json_decref(o);
}

static void test_fisher(void **state)
{
	(void)state;
	assert_true(fabs(report_fisher_p(5, 0, 0, 5) - 2.0 / 252) < 1e-9);
	assert_true(fabs(report_fisher_p(4, 1, 0, 5) - 10.0 / 210) < 1e-9);
	assert_true(fabs(report_fisher_p(0, 5, 0, 5) - 1.0) < 1e-9);
	assert_true(fabs(report_fisher_p(0, 0, 0, 0) - 1.0) < 1e-9);
	/* symmetric in its rows */
	assert_true(fabs(report_fisher_p(1, 4, 3, 2) - report_fisher_p(3, 2, 1, 4)) < 1e-12);
}

/* make()'s run judged, written as report.json and read back with report_from_json. */
static void judged_copy(report_t *r, report_t *copy, const char *edit_resolver, const char *verdict)
{
	make(r, 1);
	strcpy(r->run_id, "20260101-000000");
	join_ok(r, sniff_text("correct", 0, 0));
	json_t *o = report_json(r);
	assert_non_null(o);
	json_t *cells = json_object_get(o, "cells");
	for (size_t i = 0; edit_resolver && i < json_array_size(cells); i++) {
		json_t *c = json_array_get(cells, i);
		if (strcmp(json_string_value(json_object_get(c, "resolver")), edit_resolver) == 0)
			json_object_set_new(c, "verdict", json_string(verdict));
	}
	char err[256] = "";
	int rc = report_from_json(copy, o, err, sizeof(err));
	if (rc != 0)
		fail_msg("report_from_json: %d %s", rc, err);
	json_decref(o);
}

static char *diff_out(const report_t *a, const report_t *b, report_diff_counts_t *k)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	assert_int_equal(report_diff(a, b, "old.json", "new.json", f, k), 0);
	fclose(f);
	return buf;
}

static void test_diff(void **state)
{
	(void)state;
	report_t r, copy;
	report_diff_counts_t k;

	/* A report and its own report.json: the same in every cell. */
	judged_copy(&r, &copy, NULL, NULL);
	assert_string_equal(copy.resolvers[1].name, "glibc");
	assert_int_equal(report_cell(&copy, 0, 1)->correct, 2);
	assert_string_equal(report_cell(&copy, 0, 1)->trials[0].wire.first_qtype, "A");
	char *out = diff_out(&r, &copy, &k);
	assert_int_equal(k.compared, 2);
	assert_int_equal(k.changed, 0);
	assert_non_null(strstr(out, "result: 0 of 2 cells changed"));
	assert_null(strstr(out, "topology"));
	report_free(&copy);

	/* The topology goes through report.json; a different one is a note, not a change. */
	report_free(&r);
	make(&r, 1);
	strcpy(r.topology, "one-host");
	join_ok(&r, sniff_text("correct", 0, 0));
	json_t *tj = report_json(&r);
	assert_non_null(tj);
	assert_string_equal(json_string_value(json_object_get(tj, "topology")), "one-host");
	json_object_set_new(tj, "topology", json_string("two-host"));
	assert_int_equal(report_from_json(&copy, tj, NULL, 0), 0);
	json_decref(tj);
	assert_string_equal(copy.topology, "two-host");
	out = diff_out(&r, &copy, &k);
	assert_non_null(strstr(out, "note      topology: one-host -> two-host (docs/lab.md)\n"));
	assert_int_equal(k.changed, 0);
	assert_non_null(strstr(out, "result: 0 of 2 cells changed"));
	copy.topology[0] = 0; /* a report.json from before the field */
	out = diff_out(&r, &copy, &k);
	assert_non_null(strstr(out, "note      topology: one-host -> not recorded"));
	report_free(&copy);

	/* One cell's verdict edited: caught and named, although its counts say otherwise. */
	report_free(&r);
	judged_copy(&r, &copy, "glibc", "racing");
	out = diff_out(&r, &copy, &k);
	assert_int_equal(k.changed, 1);
	assert_non_null(strstr(out, "changed   glibc a-first: verdict correct 2/2 -> racing 0/2"));

	/* Racing in one trial of two against none: chance, not a change. */
	report_cell(&copy, 0, 1)->verdict = VERDICT_RACING;
	report_cell(&copy, 0, 1)->racing = 1;
	report_cell(&copy, 0, 1)->correct = 1;
	out = diff_out(&r, &copy, &k);
	assert_int_equal(k.changed, 0);
	assert_int_equal(k.chance, 1);
	assert_non_null(strstr(out, "chance    glibc a-first: correct 2/2 -> racing 1/2"));

	/* Another behaviour: what the lookup returned. */
	report_cell(&copy, 0, 1)->verdict = VERDICT_CORRECT;
	report_cell(&copy, 0, 1)->racing = 0;
	report_cell(&copy, 0, 1)->correct = 2;
	for (int t = 0; t < 2; t++)
		report_cell(&copy, 0, 1)->trials[t].lookup.families = REPORT_FAM_V4;
	out = diff_out(&r, &copy, &k);
	assert_int_equal(k.changed, 1);
	assert_non_null(strstr(out, "changed   glibc a-first: behaviour \"1 socket, A, AAAA, "
				    "returned A+AAAA\" -> \"1 socket, A, AAAA, returned A only\""));

	/* A cell the new run did not have is listed, not counted. */
	for (int t = 0; t < 2; t++)
		report_cell(&copy, 0, 1)->trials[t].name[0] = 0;
	out = diff_out(&r, &copy, &k);
	assert_int_equal(k.changed, 0);
	assert_int_equal(k.only_old, 1);
	assert_non_null(strstr(out, "only old  glibc a-first"));
	report_free(&copy);
	report_free(&r);

	/* A control where no race is provoked is not judged: listed, not counted. */
	make(&r, 0);
	join_ok(&r, sniff_text("correct", 0, 0));
	json_t *o = report_json(&r);
	assert_int_equal(report_from_json(&copy, o, NULL, 0), 0);
	json_decref(o);
	report_cell(&copy, 0, 0)->verdict = VERDICT_CORRECT;
	report_cell(&copy, 0, 0)->racing = 0;
	report_cell(&copy, 0, 0)->correct = 2;
	for (int t = 0; t < 2; t++)
		report_cell(&copy, 0, 0)->trials[t].lookup.families = REPORT_FAM_V6;
	out = diff_out(&r, &copy, &k);
	assert_int_equal(k.changed, 0);
	assert_int_equal(k.unjudged, 1);
	assert_non_null(strstr(out, "unjudged  racer a-first: racing 2/2 -> correct 2/2"));
	report_free(&copy);
	report_free(&r);

	/* Not a report. */
	json_t *bad = json_pack("{s:s}", "tool", "x");
	char err[256];
	assert_int_equal(report_from_json(&copy, bad, err, sizeof(err)), SP_EFORMAT);
	assert_non_null(strstr(err, "not a stubprobe report"));
	report_free(&copy);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_correct),
	    cmocka_unit_test(test_resolver_racing),
	    cmocka_unit_test(test_missing_trial_inconclusive),
	    cmocka_unit_test(test_no_result_is_inconclusive),
	    cmocka_unit_test(test_control_not_racing),
	    cmocka_unit_test(test_provokes_race),
	    cmocka_unit_test(test_fail_is_kept),
	    cmocka_unit_test(test_trials_not_run),
	    cmocka_unit_test(test_join_errors),
	    cmocka_unit_test(test_join_tolerates_odd_fields),
	    cmocka_unit_test(test_behaviour_majority),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_fakens_witness),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_colour),
	    cmocka_unit_test(test_markdown),
	    cmocka_unit_test(test_junit),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_packets),
	    cmocka_unit_test(test_write_files),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_undocumented),
	    cmocka_unit_test(test_platform_host),
	    cmocka_unit_test(test_fisher),
	    cmocka_unit_test(test_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
