/* probe diff: what changed between two runs (or a run and a baseline), cell by cell. */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

static double log_choose(unsigned n, unsigned k)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1);
}

double report_fisher_p(unsigned a, unsigned b, unsigned c, unsigned d)
{
	unsigned r1 = a + b, r2 = c + d, c1 = a + c, n = r1 + r2;
	if (n == 0)
		return 1.0;
	/* Every table with the same margins, as likely as the observed one or less. */
	double base = log_choose(n, c1);
	double observed = log_choose(r1, a) + log_choose(r2, c) - base;
	unsigned lo = c1 > r2 ? c1 - r2 : 0, hi = c1 < r1 ? c1 : r1;
	double p = 0;
	for (unsigned x = lo; x <= hi; x++) {
		double lp = log_choose(r1, x) + log_choose(r2, c1 - x) - base;
		if (lp <= observed + 1e-7)
			p += exp(lp);
	}
	return p > 1.0 ? 1.0 : p;
}

static unsigned cell_total(const report_cell_t *c)
{
	return c->racing + c->correct + c->inconclusive;
}

/* The verdict the counts give by the rules of report_finish. */
static enum verdict counted_verdict(const report_cell_t *c)
{
	if (c->racing > 0)
		return VERDICT_RACING;
	if (cell_total(c) > 0 && c->correct == cell_total(c))
		return VERDICT_CORRECT;
	return VERDICT_INCONCLUSIVE;
}

static const char *count_text(const report_cell_t *c, char *out, size_t outlen)
{
	unsigned n = c->verdict == VERDICT_RACING    ? c->racing
		     : c->verdict == VERDICT_CORRECT ? c->correct
						     : c->inconclusive;
	snprintf(out, outlen, "%s %u/%u", verdict_name(c->verdict), n, cell_total(c));
	return out;
}

static int cell_ran(const report_t *r, const report_cell_t *c)
{
	for (unsigned k = 0; k < r->trials; k++)
		if (c->trials[k].name[0])
			return 1;
	return 0;
}

static const report_cell_t *find_cell(const report_t *r, const char *resolver, const char *scenario)
{
	for (size_t i = 0; i < r->ncells; i++) {
		const report_cell_t *c = &r->cells[i];
		if (strcmp(r->resolvers[c->resolver].name, resolver) == 0 &&
		    strcmp(r->scenarios[c->scenario].name, scenario) == 0)
			return cell_ran(r, c) ? c : NULL;
	}
	return NULL;
}

static const char *platform_label(const report_t *r, char *out, size_t outlen)
{
	const report_platform_t *p = &r->platform;
	if (!p->known)
		snprintf(out, outlen, "run %s, platform not recorded", r->run_id);
	else
		snprintf(out, outlen, "run %s, %s, %s, %s %s, c-ares %s, musl %s", r->run_id,
			 p->os[0] ? p->os : "unknown OS", p->kernel, p->libc, p->libc_version,
			 p->cares_version, p->musl_version[0] ? p->musl_version : "none");
	return out;
}

static void platform_changes(const report_t *o, const report_t *n, FILE *f)
{
	if (!o->platform.known || !n->platform.known)
		return;
	static const struct {
		const char *what;
		size_t off;
	} fields[] = {
	    {"OS", offsetof(report_platform_t, os)},
	    {"kernel", offsetof(report_platform_t, kernel)},
	    {"libc", offsetof(report_platform_t, libc)},
	    {"libc version", offsetof(report_platform_t, libc_version)},
	    {"c-ares version", offsetof(report_platform_t, cares_version)},
	    {"musl version", offsetof(report_platform_t, musl_version)},
	    {"host's nsswitch hosts line", offsetof(report_platform_t, nsswitch_hosts)},
	    {"host's nameservers", offsetof(report_platform_t, nameservers)},
	    {"host's resolv.conf options", offsetof(report_platform_t, host_options)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *a = (const char *)&o->platform + fields[i].off;
		const char *b = (const char *)&n->platform + fields[i].off;
		if (strcmp(a, b) != 0)
			fprintf(f, "platform  %s: '%s' -> '%s'\n", fields[i].what, a, b);
	}
	if (o->platform.nscd_running != n->platform.nscd_running)
		fprintf(f, "platform  nscd: %s -> %s\n",
			o->platform.nscd_running ? "running" : "not running",
			n->platform.nscd_running ? "running" : "not running");
}

int report_diff(const report_t *o, const report_t *n, const char *old_name, const char *new_name,
		FILE *f, report_diff_counts_t *counts)
{
	char label[512], a[64], b[64], sa[256], sb[256];
	report_diff_counts_t k = {0};

	errno = 0;
	fprintf(f, "old: %s (%s)\n", old_name, platform_label(o, label, sizeof(label)));
	fprintf(f, "new: %s (%s)\n", new_name, platform_label(n, label, sizeof(label)));
	/* A note, not a change: the cells are compared as always; the line says why some
	 * may differ (where the servers sit, docs/lab.md). */
	if (strcmp(o->topology, n->topology) != 0)
		fprintf(f, "note      topology: %s -> %s (docs/lab.md)\n",
			o->topology[0] ? o->topology : "not recorded",
			n->topology[0] ? n->topology : "not recorded");
	for (size_t i = 0; i < o->ncells; i++) {
		const report_cell_t *co = &o->cells[i];
		const char *res = o->resolvers[co->resolver].name;
		const char *scen = o->scenarios[co->scenario].name;
		if (!cell_ran(o, co))
			continue;
		const report_cell_t *cn = find_cell(n, res, scen);
		if (!cn) {
			k.only_old++;
			fprintf(f, "only old  %s %s: %s (not in the new report)\n", res, scen,
				count_text(co, a, sizeof(a)));
			continue;
		}
		k.compared++;
		const char *dold = o->scenarios[co->scenario].directives;
		const char *dnew = n->scenarios[cn->scenario].directives;
		if (strcmp(dold, dnew) != 0)
			fprintf(
			    f, "note      %s %s: the scenario's directives differ ('%s' -> '%s')\n",
			    res, scen, dold, dnew);
		int changed = 0;
		/* A control is judged only where a race is provoked (docs/probe.md,
		 * "Controls"); elsewhere whether it races, and what it returns, rest on which
		 * of two immediate answers comes first. */
		if ((o->resolvers[co->resolver].control || n->resolvers[cn->resolver].control) &&
		    (!o->scenarios[co->scenario].provokes_race ||
		     !n->scenarios[cn->scenario].provokes_race)) {
			if (co->verdict != cn->verdict) {
				k.unjudged++;
				fprintf(f,
					"unjudged  %s %s: %s -> %s (a control where no race is "
					"provoked, not counted)\n",
					res, scen, count_text(co, a, sizeof(a)),
					count_text(cn, b, sizeof(b)));
			}
			continue;
		}
		if (co->verdict != cn->verdict) {
			/* Racing in some trials and in none can both come from one resolver when
			 * the outcome rests on which of two answers arrives first; only a
			 * difference beyond chance counts. A verdict its counts do not give is
			 * taken as it stands. */
			int pair =
			    (co->verdict == VERDICT_RACING && cn->verdict == VERDICT_CORRECT) ||
			    (co->verdict == VERDICT_CORRECT && cn->verdict == VERDICT_RACING);
			int consistent = counted_verdict(co) == co->verdict &&
					 counted_verdict(cn) == cn->verdict;
			double p = report_fisher_p(co->racing, cell_total(co) - co->racing,
						   cn->racing, cell_total(cn) - cn->racing);
			if (pair && consistent && p >= REPORT_DIFF_ALPHA) {
				k.chance++;
				fprintf(f,
					"chance    %s %s: %s -> %s (Fisher's exact test p = %.3g, "
					"not counted)\n",
					res, scen, count_text(co, a, sizeof(a)),
					count_text(cn, b, sizeof(b)), p);
			} else {
				changed = 1;
				fprintf(f, "changed   %s %s: verdict %s -> %s", res, scen,
					count_text(co, a, sizeof(a)), count_text(cn, b, sizeof(b)));
				if (pair && consistent)
					fprintf(f, " (Fisher's exact test p = %.3g)", p);
				fputc('\n', f);
			}
		}
		report_signature(o, co, sa, sizeof(sa));
		report_signature(n, cn, sb, sizeof(sb));
		if (strcmp(sa, sb) != 0) {
			changed = 1;
			fprintf(f, "changed   %s %s: behaviour \"%s\" -> \"%s\"\n", res, scen, sa,
				sb);
		}
		k.changed += (size_t)changed;
	}
	for (size_t i = 0; i < n->ncells; i++) {
		const report_cell_t *cn = &n->cells[i];
		const char *res = n->resolvers[cn->resolver].name;
		const char *scen = n->scenarios[cn->scenario].name;
		if (cell_ran(n, cn) && !find_cell(o, res, scen)) {
			k.only_new++;
			fprintf(f, "only new  %s %s: %s (not in the old report)\n", res, scen,
				count_text(cn, b, sizeof(b)));
		}
	}
	platform_changes(o, n, f);
	fprintf(f, "result: %zu of %zu cells changed", k.changed, k.compared);
	if (k.chance)
		fprintf(f, "; %zu differ%s by no more than chance", k.chance,
			k.chance == 1 ? "s" : "");
	if (k.unjudged)
		fprintf(f, "; %zu control%s not judged", k.unjudged, k.unjudged == 1 ? "" : "s");
	if (k.only_old || k.only_new)
		fprintf(f, "; %zu only in the old report, %zu only in the new", k.only_old,
			k.only_new);
	fputc('\n', f);
	if (counts)
		*counts = k;
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

int report_load(report_t *r, const char *path, char *err, size_t errlen)
{
	char file[4096], why[256] = "";
	struct stat st;
	memset(r, 0, sizeof(*r));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/report.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	json_error_t je;
	json_t *o = json_load_file(file, 0, &je);
	if (!o) {
		if (access(file, R_OK) != 0)
			snprintf(err, errlen,
				 "cannot read '%s': %s; give a report.json or a run "
				 "directory",
				 file, strerror(errno));
		else
			snprintf(err, errlen,
				 "'%s' is not JSON (line %d: %s); give a report.json or a run "
				 "directory",
				 file, je.line, je.text);
		return SP_EFORMAT;
	}
	int rc = report_from_json(r, o, why, sizeof(why));
	json_decref(o);
	if (rc == SP_ENOMEM)
		snprintf(err, errlen, "out of memory reading '%s'", file);
	else if (rc < 0)
		snprintf(err, errlen,
			 "'%s' is not a stubprobe report.json: %s; give one that probe wrote", file,
			 why);
	return rc;
}

static const char diff_usage[] =
    "Usage: probe diff OLD NEW\n"
    "Lists the cells (resolver x scenario) whose verdict or behaviour differs between two\n"
    "runs. OLD and NEW are report.json files or run directories (a baseline such as\n"
    "results/baselines/debian12). A change between racing and correct counts only when\n"
    "Fisher's exact test on the racing trials gives p < 0.01; the behaviour compared is the\n"
    "report's signature (the phrase without its time; docs/probe.md, \"Comparing runs\").\n"
    "\n"
    "  -h, --help               this text\n"
    "\n"
    "Exit status: 0 no cell changed, 1 a cell changed, 2 error.\n";

int report_diff_main(int argc, char **argv)
{
	const char *path[2] = {NULL, NULL};
	size_t np = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(diff_usage, stdout);
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
			fprintf(stderr,
				"probe: unknown option '%s' for diff; see probe diff --help\n",
				argv[i]);
			return 2;
		}
		if (strcmp(argv[i], "--") == 0)
			continue;
		if (np == 2) {
			fprintf(stderr,
				"probe: diff takes two reports, OLD and NEW; '%s' is a third\n",
				argv[i]);
			return 2;
		}
		path[np++] = argv[i];
	}
	if (np < 2) {
		fprintf(stderr, "probe: diff needs two reports: probe diff OLD NEW (report.json "
				"files or run directories)\n");
		return 2;
	}
	report_t r[2];
	char err[512];
	int status = 2;
	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < 2; i++) {
		if (report_load(&r[i], path[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "probe: %s\n", err);
			goto out;
		}
	}
	report_diff_counts_t k;
	if (report_diff(&r[0], &r[1], path[0], path[1], stdout, &k) < 0) {
		fprintf(stderr, "probe: cannot write the differences: %s\n", strerror(errno));
		goto out;
	}
	status = k.changed > 0 ? 1 : 0;
out:
	report_free(&r[0]);
	report_free(&r[1]);
	return status;
}
