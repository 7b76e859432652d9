/* One probe run: the lab, fakens and sniff as children, the trial loop, the join, the report. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "lab.h"
#include "report.h"
#include "timeutil.h"

#define MS (1000000ULL)
#define SNIFF_STOP_NS (10000ULL * MS)
#define FAKENS_STOP_NS (5000ULL * MS)
#define LOOKUP_SLACK_NS (10000ULL * MS) /* beyond the scenario's latest answer */
/* A trial's place is held until its evidence is complete (docs/probe.md, "When a trial is
 * done"): the lookup has ended, fakens has no answer still due to one of its queries, and
 * SETTLE_NS has passed since both. The settle covers how late fakens sends a due answer
 * under load (late_ns: 2 ms at the 99th percentile, 5.8 ms at most in a default run at
 * -j 8 on 2 cores), the ICMP error that follows a refused answer (fakens reads it from its
 * error queue 0.3 ms after the send at most; on lo and a veth it is made as the answer is
 * delivered), and fakens writing its log once per turn of its loop. TRIAL_TAIL_NS after the
 * scenario's latest answer is the upper bound, as before: a trial whose queries the log
 * does not show (a cache, /etc/hosts) waits that long. */
#define SETTLE_NS (10ULL * MS)
#define TRIAL_TAIL_NS (100ULL * MS)
#define FINAL_TAIL_NS (200ULL * MS) /* at most, after the last trial, before sniff stops */

static volatile sig_atomic_t interrupted;
static int progress_open; /* a progress line without its newline is on the terminal */
static child_t fakens = {"fakens", 0, 0};
static child_t sniff = {"sniff", 0, 0};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void end_progress(void)
{
	if (progress_open) {
		fputs("\r\033[K", stderr);
		progress_open = 0;
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;
	end_progress();
	fputs("probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void progress(const run_config_t *cfg, unsigned n, unsigned total, const char *res,
		     const char *scen, int first_of_cell)
{
	if (cfg->quiet)
		return;
	if (isatty(STDERR_FILENO)) {
		/* A bar, the counts and an ETA from the mean time of the trials done so far. */
		static uint64_t t0;
		char bar[21], eta[32] = "";
		unsigned done = n - 1, fill = total ? (unsigned)(20ULL * done / total) : 0;
		if (done == 0)
			t0 = sp_mono_ns();
		for (unsigned i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[20] = 0;
		if (done > 0) {
			uint64_t left = (sp_mono_ns() - t0) / done * (total - done) / 1000000000ULL;
			snprintf(eta, sizeof(eta), " ETA %u:%02u", (unsigned)(left / 60),
				 (unsigned)(left % 60));
		}
		fprintf(stderr, "\r[%s] %u/%u%s %s %s\033[K", bar, n, total, eta, res, scen);
		progress_open = 1;
	} else if (first_of_cell) {
		fprintf(stderr, "[%u/%u] %s %s\n", n, total, res, scen);
	}
	fflush(stderr);
}

/* mkdir -p of the parents; the leaf must be new, so that a run never mixes with another.
 * *made gets the outermost directory this made (free it): everything under it is the run's. */
static int make_outdir(const char *path, char **made)
{
	char *p = strdup(path);
	if (!p) {
		say("out of memory");
		return -1;
	}
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = 0;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		int mk = mkdir(p, 0755);
		if (mk == 0 && !*made)
			*made = strdup(p);
		if (mk < 0 && errno != EEXIST) {
			say("cannot create directory '%s' for the run: %s; give another place with "
			    "--out",
			    p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0755);
	if (rc == 0 && !*made)
		*made = strdup(p);
	if (rc < 0 && errno == EEXIST)
		say("the run directory '%s' already exists; give a new one with --out", p);
	else if (rc < 0)
		say("cannot create the run directory '%s': %s; give another with --out", p,
		    strerror(errno));
	free(p);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* A run that fails before its first trial leaves nothing behind: the directories it made and
 * what its lab and servers wrote in them. */
static void remove_outdir(const char *made)
{
	if (made)
		nftw(made, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {(time_t)(deadline_ns / 1000000000ULL),
			      (long)(deadline_ns % 1000000000ULL)};
	while (!interrupted) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (rc == 0)
			return 0;
		if (rc != EINTR)
			return -rc;
	}
	return -EINTR;
}

/* Starts a server and waits for its ready line; -1 after saying why not. */
static int start_child(child_t *c, const char *path, argvec_t *args, int out_fd)
{
	char err[512];
	if (args->bad) {
		say("out of memory");
		return -1;
	}
	if (child_start(c, path, args->v, out_fd, 0, &interrupted, err, sizeof(err)) < 0) {
		say("%s", err);
		return -1;
	}
	return 0;
}

static void kill_children(void)
{
	child_stop(&sniff, SIGTERM, 2000 * MS);
	child_stop(&fakens, SIGTERM, 2000 * MS);
}

static char *join_path(const char *dir, const char *file)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

/* The whole file in a NUL-terminated buffer (free it), or NULL with errno set. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (ferror(f)) {
			int e = errno;
			free(buf);
			fclose(f);
			errno = e;
			return NULL;
		}
		if (feof(f))
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger)
			free(buf);
		buf = bigger;
		cap *= 2;
	}
	fclose(f);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static void fill_lookup(report_lookup_t *l, int rc, const resolver_result_t *res)
{
	l->done = rc == 0;
	l->ok = res->ok;
	l->timed_out = res->timed_out;
	l->families = (res->families & RES_FAM_V4 ? REPORT_FAM_V4 : 0) |
		      (res->families & RES_FAM_V6 ? REPORT_FAM_V6 : 0);
	l->naddrs = res->naddrs;
	l->elapsed_ns = res->elapsed_ns;
	l->has_status = res->has_status;
	l->exit_status = res->exit_status;
	if (res->has_status)
		l->output = strndup(res->output, sizeof(res->output));
	if (res->error[0])
		snprintf(l->error, sizeof(l->error), "%.*s", (int)sizeof(res->error), res->error);
	else if (rc < 0)
		snprintf(l->error, sizeof(l->error), "%s", sp_strerror(rc));
	else if (res->timed_out)
		snprintf(l->error, sizeof(l->error), "timed out");
}

/* Scenarios with server directives (sN-) get every lab server in resolv.conf, so that a
 * resolver can move on from one; the others one, as on a host with a single resolver. */
static unsigned scenario_servers(const directives_t *d)
{
	for (int k = 0; k < DIRECTIVE_MAX_SERVERS; k++)
		for (int q = 0; q < DIR_Q_COUNT; q++)
			if (directive_rule_is_set(&d->server[k][q]))
				return LAB_SERVERS;
	return 1;
}

/* fakens's log read as it grows: when each trial's latest query reached fakens, found by
 * the trial number fakens parsed from the name (its "trial" field, docs/fakens.md), so that
 * a trial can end once no answer to it is still due. */
typedef struct witness {
	int fd;    /* -1: no log to read; every trial waits its whole tail */
	char *buf; /* what was read and is not yet a whole line */
	size_t len, cap;
	uint64_t *last_query; /* mono_ns by trial number - 1; 0 = none seen */
	const char **names;   /* the trial's query name by trial number - 1; borrowed */
	unsigned total;
} witness_t;

static void witness_close(witness_t *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w->last_query);
	free(w->names);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

/* Without the log (it cannot be opened, memory runs out) trials just keep their fixed
 * tail: the verdicts never depend on it. */
static void witness_open(witness_t *w, const char *path, unsigned total)
{
	memset(w, 0, sizeof(*w));
	w->total = total;
	w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	w->cap = 65536;
	w->buf = malloc(w->cap);
	w->last_query = calloc(total ? total : 1, sizeof(*w->last_query));
	w->names = calloc(total ? total : 1, sizeof(*w->names));
	if (w->fd < 0 || !w->buf || !w->last_query || !w->names)
		witness_close(w);
}

static void witness_line(witness_t *w, const char *line, size_t len)
{
	static const char key[] = "\"event\":\"query\"";
	if (!memmem(line, len, key, sizeof(key) - 1))
		return;
	json_t *o = json_loadb(line, len, 0, NULL);
	const json_t *trial = json_object_get(o, "trial"), *mono = json_object_get(o, "mono_ns");
	const char *qname = json_string_value(json_object_get(o, "qname"));
	json_int_t n = json_is_integer(trial) ? json_integer_value(trial) : 0;
	json_int_t t = json_is_integer(mono) ? json_integer_value(mono) : 0;
	if (n >= 1 && n <= (json_int_t)w->total && t > 0 && qname && w->names[n - 1] &&
	    strcasecmp(qname, w->names[n - 1]) == 0 && (uint64_t)t > w->last_query[n - 1])
		w->last_query[n - 1] = (uint64_t)t;
	json_decref(o);
}

/* Takes in whatever fakens has written since the last call. */
static void witness_read(witness_t *w)
{
	while (w->fd >= 0) {
		/* Whole lines are taken below, so a full buffer is one line longer than any
		 * fakens writes: drop it. */
		if (w->len == w->cap)
			w->len = 0;
		ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		w->len += (size_t)got;
		size_t pos = 0;
		for (char *nl; (nl = memchr(w->buf + pos, '\n', w->len - pos));) {
			witness_line(w, w->buf + pos, (size_t)(nl - (w->buf + pos)));
			pos = (size_t)(nl - w->buf) + 1;
		}
		memmove(w->buf, w->buf + pos, w->len - pos);
		w->len -= pos;
	}
}

/* One trial of the matrix, in the order of a sequential run: its number n names it. */
typedef struct trial_ref {
	size_t s, i;
	unsigned k;
} trial_ref_t;

/* A place for one trial in flight: busy from the lookup's start until both the lookup has
 * ended and the trial's evidence is complete, so that --jobs bounds whole trials. */
typedef struct slot {
	int busy, lookup_done;
	unsigned n;         /* 1-based trial number */
	uint64_t max_delay; /* the scenario's latest answer after a query */
	uint64_t tail_cap;  /* start + max_delay + TRIAL_TAIL_NS: the longest a trial waits */
	uint64_t lookup_end;
	resolver_job_t job;
} slot_t;

static void slot_finish_lookup(slot_t *sl, report_trial_t *t)
{
	resolver_result_t out;
	int rc = resolver_finish(&sl->job, &out);
	fill_lookup(&t->lookup, rc, &out);
	sl->lookup_done = 1;
	sl->lookup_end = sp_mono_ns(); /* the child is reaped: its sockets are closed */
}

/* When a trial whose lookup has ended may give up its place: SETTLE_NS after both the
 * lookup's end and the latest answer still due to one of its queries (as fakens's log
 * shows them), at most its fixed tail, never before the lookup's end. */
static uint64_t slot_release_at(const slot_t *sl, const witness_t *w)
{
	uint64_t q = w->fd >= 0 ? w->last_query[sl->n - 1] : 0;
	uint64_t at = sl->tail_cap;
	if (q > 0) {
		uint64_t due = q + sl->max_delay;
		uint64_t done = (due > sl->lookup_end ? due : sl->lookup_end) + SETTLE_NS;
		at = done < at ? done : at;
	}
	return at > sl->lookup_end ? at : sl->lookup_end;
}

/* The trial loop: up to cfg->jobs trials at once, started in the order of a sequential run
 * (scenario, resolver, trial), each named up front by its number, so that fakens and sniff
 * keep them apart by name alone. Returns the number of trials started (fewer when
 * interrupted). */
static unsigned run_trials(const run_config_t *cfg, report_t *rep, witness_t *wit)
{
	size_t ncells = cfg->nscenarios * cfg->nresolvers;
	unsigned total = (unsigned)ncells * cfg->trials, next = 0, active = 0;
	unsigned jobs = cfg->jobs ? cfg->jobs : 1;
	if (jobs > total)
		jobs = total ? total : 1;
	char(*resolv)[PATH_MAX] = calloc(ncells ? ncells : 1, sizeof(*resolv));
	trial_ref_t *refs = calloc(total ? total : 1, sizeof(*refs));
	slot_t *slots = calloc(jobs, sizeof(*slots));
	struct pollfd *pfd = calloc(jobs, sizeof(*pfd));
	int *pslot = calloc(jobs, sizeof(*pslot));
	if (!resolv || !refs || !slots || !pfd || !pslot) {
		say("out of memory");
		goto out;
	}
	/* Every resolv.conf exists before the first lookup: none is rewritten under a
	 * running one. */
	for (size_t s = 0, n = 0; s < cfg->nscenarios; s++) {
		const run_scenario_t *sc = &cfg->scenarios[s];
		for (size_t i = 0; i < cfg->nresolvers; i++) {
			const resolver_t *res = cfg->resolvers[i];
			char err[512];
			if (lab_resolv_conf(cfg->outdir, res->name, res->resolv_options,
					    scenario_servers(&sc->directives),
					    resolv[s * cfg->nresolvers + i], PATH_MAX, err,
					    sizeof(err)) < 0) {
				say("%s", err);
				goto out;
			}
			report_cell_t *cell = report_cell(rep, s, i);
			for (unsigned k = 0; k < cfg->trials; k++, n++) {
				refs[n] = (trial_ref_t){s, i, k};
				snprintf(cell->trials[k].name, sizeof(cell->trials[k].name),
					 "%s%st%06u.lab.test", sc->text, sc->text[0] ? "." : "",
					 (unsigned)n + 1);
				if (wit->fd >= 0)
					wit->names[n] = cell->trials[k].name;
			}
		}
	}

	while (next < total || active > 0) {
		while (!interrupted && active < jobs && next < total) {
			const trial_ref_t *ref = &refs[next];
			const run_scenario_t *sc = &cfg->scenarios[ref->s];
			const resolver_t *res = cfg->resolvers[ref->i];
			report_trial_t *t = &report_cell(rep, ref->s, ref->i)->trials[ref->k];
			uint64_t max_delay = directive_max_delay_ns(&sc->directives);
			slot_t *sl = NULL;
			for (unsigned j = 0; j < jobs && !sl; j++)
				if (!slots[j].busy)
					sl = &slots[j];
			next++;
			progress(cfg, next, total, res->name, sc->name, ref->k == 0);
			memset(sl, 0, sizeof(*sl));
			sl->busy = 1;
			sl->n = next;
			sl->max_delay = max_delay;
			sl->tail_cap = sp_mono_ns() + max_delay + TRIAL_TAIL_NS;
			active++;
			if (resolver_start(res, t->name, resolv[ref->s * cfg->nresolvers + ref->i],
					   max_delay + LOOKUP_SLACK_NS, &sl->job) < 0)
				slot_finish_lookup(sl, t);
		}
		if (interrupted) {
			/* Lookups in flight are killed and recorded as such; no new ones. */
			for (unsigned j = 0; j < jobs; j++)
				if (slots[j].busy && !slots[j].lookup_done) {
					const trial_ref_t *ref = &refs[slots[j].n - 1];
					slot_finish_lookup(
					    &slots[j],
					    &report_cell(rep, ref->s, ref->i)->trials[ref->k]);
				}
			break;
		}

		/* Sleep until a pipe speaks, a lookup's deadline, or the earliest moment a trial
		 * may end by what the log shows now; the log is read again on waking. */
		witness_read(wit);
		uint64_t now = sp_mono_ns(), wake = UINT64_MAX;
		nfds_t np = 0;
		for (unsigned j = 0; j < jobs; j++) {
			slot_t *sl = &slots[j];
			if (!sl->busy)
				continue;
			if (sl->lookup_done) {
				uint64_t at = slot_release_at(sl, wit);
				wake = at < wake ? at : wake;
				continue;
			}
			wake = sl->job.deadline < wake ? sl->job.deadline : wake;
			pfd[np] = (struct pollfd){sl->job.fd, POLLIN, 0};
			pslot[np++] = (int)j;
		}
		uint64_t left = wake > now ? wake - now : 0;
		struct timespec ts = {(time_t)(left / 1000000000ULL), (long)(left % 1000000000ULL)};
		if (ppoll(pfd, np, wake == UINT64_MAX ? NULL : &ts, NULL) < 0 && errno != EINTR) {
			say("cannot wait for the resolvers: %s", strerror(errno));
			interrupted = 1; /* stops the run the way a signal does, lookups reaped */
			continue;
		}

		now = sp_mono_ns();
		witness_read(wit);
		for (unsigned j = 0; j < jobs; j++) {
			slot_t *sl = &slots[j];
			if (!sl->busy)
				continue;
			if (!sl->lookup_done && resolver_poll(&sl->job, now)) {
				const trial_ref_t *ref = &refs[sl->n - 1];
				slot_finish_lookup(
				    sl, &report_cell(rep, ref->s, ref->i)->trials[ref->k]);
			}
			if (sl->lookup_done && sp_mono_ns() >= slot_release_at(sl, wit)) {
				sl->busy = 0;
				active--;
			}
		}
	}
	/* Before sniff stops: SETTLE_NS after the last answer any trial is still due, by
	 * what the log shows, at most FINAL_TAIL_NS. */
	for (uint64_t end = sp_mono_ns(), limit = end + FINAL_TAIL_NS; !interrupted;) {
		uint64_t at = end + SETTLE_NS;
		witness_read(wit);
		for (unsigned n = 0; wit->fd >= 0 && n < next; n++) {
			uint64_t q = wit->last_query[n];
			uint64_t due =
			    q + directive_max_delay_ns(&cfg->scenarios[refs[n].s].directives) +
			    SETTLE_NS;
			if (q > 0 && due > at)
				at = due;
		}
		if (wit->fd < 0 || at > limit)
			at = limit;
		if (sp_mono_ns() >= at || sleep_until(at) < 0)
			break;
	}
out:
	free(resolv);
	free(refs);
	free(slots);
	free(pfd);
	free(pslot);
	return next;
}

static int fill_names(const run_config_t *cfg, report_t *rep)
{
	int rc = 0;
	snprintf(rep->run_id, sizeof(rep->run_id), "%s", cfg->run_id);
	snprintf(rep->started_utc, sizeof(rep->started_utc), "%s", cfg->started_utc);
	snprintf(rep->topology, sizeof(rep->topology), "%s", lab_topology_name(cfg->topology));
	for (size_t i = 0; i < cfg->nresolvers && rc == 0; i++) {
		rc =
		    report_set_resolver(rep, i, cfg->resolvers[i]->name, cfg->resolvers[i]->control,
					cfg->resolvers[i]->description);
		if (rc == 0)
			rc = report_set_resolv_options(rep, i, cfg->resolvers[i]->resolv_options);
	}
	for (size_t i = 0; i < cfg->nscenarios && rc == 0; i++)
		rc = report_set_scenario(rep, i, cfg->scenarios[i].name, cfg->scenarios[i].text,
					 cfg->scenarios[i].description,
					 cfg->scenarios[i].provokes_race);
	return rc;
}

/* Stops sniff then fakens; a failure makes the run fail but the files stay. */
static void stop_servers(const run_config_t *cfg, report_t *rep)
{
	char how[96], why[512];
	if (sniff.pid > 0) {
		if (child_stop(&sniff, SIGINT, SNIFF_STOP_NS) < 0) {
			snprintf(why, sizeof(why),
				 "sniff did not stop within 10 s of SIGINT and was killed; its "
				 "verdicts in %s/sniff.jsonl are incomplete",
				 cfg->outdir);
			report_fail(rep, why);
		} else if (!WIFEXITED(sniff.status) || WEXITSTATUS(sniff.status) > 1) {
			child_describe_status(sniff.status, how, sizeof(how));
			snprintf(why, sizeof(why),
				 "sniff %s%s; the capture is in %s/capture.pcapng", how,
				 WIFEXITED(sniff.status) ? "; see its message above" : "",
				 cfg->outdir);
			report_fail(rep, why);
		}
	}
	if (fakens.pid > 0) {
		int rc = child_stop(&fakens, SIGTERM, FAKENS_STOP_NS);
		if (!rep->failed &&
		    (rc < 0 || !WIFEXITED(fakens.status) || WEXITSTATUS(fakens.status) != 0)) {
			if (rc < 0)
				snprintf(how, sizeof(how), "did not stop within 5 s of SIGTERM");
			else
				child_describe_status(fakens.status, how, sizeof(how));
			snprintf(why, sizeof(why), "fakens %s; see %s/fakens.jsonl", how,
				 cfg->outdir);
			report_fail(rep, why);
		}
	}
}

static int write_outputs(const run_config_t *cfg, report_t *rep)
{
	int status = 0;
	char *table = join_path(cfg->outdir, "table.txt");
	char *json = join_path(cfg->outdir, "report.json");
	if (!table || !json) {
		say("out of memory");
		status = 2;
		goto out;
	}
	end_progress();
	report_print_table_colour(rep, stdout, report_colour_wanted(STDOUT_FILENO));
	FILE *f = fopen(table, "w");
	int rc = f ? report_print_table(rep, f) : -errno;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		say("cannot write '%s': %s; check the space and permissions there", table,
		    sp_strerror(rc));
		status = 2;
	}
	rc = report_write_json(rep, json);
	if (rc < 0) {
		say("cannot write '%s': %s; check the space and permissions there", json,
		    sp_strerror(rc));
		status = 2;
	}
	char bad[4096];
	rc = report_write_files(rep, cfg->outdir, bad, sizeof(bad));
	if (rc < 0) {
		say("cannot write '%s': %s; check the space and permissions there", bad,
		    sp_strerror(rc));
		status = 2;
	}
out:
	free(table);
	free(json);
	return status;
}

/* --baseline: the differences on standard output and in DIR/diff.txt; they do not change
 * the exit status (probe diff gives one). */
static void compare_baseline(const run_config_t *cfg, const report_t *rep)
{
	report_t base;
	char err[512];
	if (report_load(&base, cfg->baseline, err, sizeof(err)) < 0) {
		say("cannot compare with the baseline: %s", err);
		report_free(&base);
		return;
	}
	char *path = join_path(cfg->outdir, "diff.txt");
	FILE *f = path ? fopen(path, "w") : NULL;
	printf("\ncompared with the baseline %s:\n", cfg->baseline);
	report_diff(&base, rep, cfg->baseline, cfg->outdir, stdout, NULL);
	if (f)
		report_diff(&base, rep, cfg->baseline, cfg->outdir, f, NULL);
	if (!f || fclose(f) != 0)
		say("cannot write '%s': %s", path ? path : "diff.txt", strerror(errno));
	free(path);
	report_free(&base);
}

int run_probe(const run_config_t *cfg)
{
	report_t rep;
	char err[512];
	int status = 2, out_fd = -1;
	char *log = NULL, *cap = NULL, *sjson = NULL, *fakens_bin = NULL, *sniff_bin = NULL;
	char *text = NULL;
	argvec_t args = {.n = 0};
	witness_t wit = {.fd = -1};
	int rc;
	char *made = NULL; /* the outermost directory this run made, NULL if none */
	int made_keep = 0; /* trials ran: even a failed or interrupted run is kept */

	child_catch_signals(on_signal);

	if (report_init(&rep, cfg->outdir, cfg->nresolvers, cfg->nscenarios, cfg->trials) < 0 ||
	    fill_names(cfg, &rep) < 0) {
		say("out of memory");
		goto out;
	}
	log = join_path(cfg->outdir, "fakens.jsonl");
	cap = join_path(cfg->outdir, "capture.pcapng");
	sjson = join_path(cfg->outdir, "sniff.jsonl");
	fakens_bin = join_path(cfg->bindir, "fakens");
	sniff_bin = join_path(cfg->bindir, "sniff");
	if (!log || !cap || !sjson || !fakens_bin || !sniff_bin) {
		say("out of memory");
		goto out;
	}
	if (make_outdir(cfg->outdir, &made) < 0)
		goto out;
	/* The host's own /etc, before the lab mounts its files over it. */
	report_platform_collect(&rep.platform);

	lab_config_t lab = {cfg->outdir, NULL, cfg->topology};
	/* fakens and sniff are born on the servers' side, the resolvers on the client's (one
	 * namespace on one host). */
	if (lab_enter(&lab, err, sizeof(err)) < 0 ||
	    lab_enter_side(LAB_SERVER, err, sizeof(err)) < 0) {
		say("%s", err);
		goto out;
	}

	argvec_add(&args, fakens_bin);
	for (size_t i = 0; lab_fakens_arg(i); i++)
		argvec_add(&args, lab_fakens_arg(i));
	argvec_add(&args, "--log");
	argvec_add(&args, log);
	argvec_add(&args, "--ready-fd");
	argvec_add(&args, "3");
	/* The rate limit guards a server others can reach (observe mode); in the lab every
	 * client is probe's own, and at high --jobs its queries from one address pass
	 * fakens's default 1000/s, whose drops would read as lost answers. */
	argvec_add(&args, "--rate-limit");
	argvec_add(&args, "0");
	/* fakens's default idle close (10 s) would race the lookup timeout (latest answer +
	 * 10 s) for a client waiting on TCP for an answer that never comes (glibc use-vc in
	 * aaaa-lost): one timer, probe's, must end such a lookup. Delays are at most 30 s. */
	argvec_add(&args, "--tcp-idle-ms");
	argvec_add(&args, "60000");
	rc = start_child(&fakens, fakens_bin, &args, -1);
	argvec_free(&args);
	if (rc < 0)
		goto out;
	witness_open(&wit, log, (unsigned)(cfg->nscenarios * cfg->nresolvers) * cfg->trials);

	out_fd = open(sjson, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		say("cannot create '%s': %s; check the run directory", sjson, strerror(errno));
		goto out;
	}
	argvec_add(&args, sniff_bin);
	argvec_add(&args, "-i");
	argvec_add(&args, lab_capture_interface());
	argvec_add(&args, "-w");
	argvec_add(&args, cap);
	argvec_add(&args, "--json");
	argvec_add(&args, "--ready-fd");
	argvec_add(&args, "3");
	/* In immediate mode each ring slot holds one frame of lo's 64 KiB MTU: libpcap's
	 * 2 MiB is 32 packets, which a burst of parallel trials overflows while sniff waits
	 * for a core. 32 MiB is 512. */
	argvec_add(&args, "-B");
	argvec_add(&args, "32768");
	argvec_add(&args, "-q");
	rc = start_child(&sniff, sniff_bin, &args, out_fd);
	argvec_free(&args);
	if (rc < 0)
		goto out;
	close(out_fd);
	out_fd = -1;
	if (lab_enter_side(LAB_CLIENT, err, sizeof(err)) < 0) {
		say("%s", err);
		goto out;
	}

	unsigned total = (unsigned)(cfg->nscenarios * cfg->nresolvers) * cfg->trials;
	made_keep = 1;
	unsigned done = run_trials(cfg, &rep, &wit);
	end_progress();
	stop_servers(cfg, &rep);
	if (interrupted && !rep.failed) {
		snprintf(err, sizeof(err),
			 "interrupted after %u of %u trials; the partial run is in %s", done, total,
			 cfg->outdir);
		report_fail(&rep, err);
	}

	size_t len = 0;
	text = slurp(sjson, &len);
	if (!text) {
		snprintf(err, sizeof(err), "cannot read sniff's verdicts '%s': %s", sjson,
			 strerror(errno));
		report_fail(&rep, err);
	} else {
		char why[256];
		rc = report_join_sniff(&rep, text, len, why, sizeof(why));
		if (rc < 0 && !rep.failed) {
			snprintf(err, sizeof(err), "sniff's verdicts '%s' do not parse: %s", sjson,
				 rc == SP_ESYNTAX ? why : sp_strerror(rc));
			report_fail(&rep, err);
		}
	}
	/* fakens's error queue is the second witness of refused answers; without its log the
	 * report just lacks the comparison. */
	free(text);
	text = slurp(log, &len);
	if (!text || report_join_fakens(&rep, text, len) < 0)
		say("cannot read fakens's log '%s' for its ICMP errors: %s; the report has no "
		    "second witness",
		    log, text ? "out of memory" : strerror(errno));
	/* The ladder diagrams need every packet's time and port: sniff's JSON has counts. */
	if (report_join_capture(&rep, cap, err, sizeof(err)) < 0)
		say("cannot read the capture '%s' for the diagrams: %s; report.html has none", cap,
		    err);
	report_finish(&rep);
	status = write_outputs(cfg, &rep);
	if (status == 0)
		status = rep.exit_status;
	if (rep.exit_status == 2)
		say("%s", rep.exit_reason);
	if (cfg->baseline)
		compare_baseline(cfg, &rep);

out:
	kill_children();
	if (!made_keep)
		remove_outdir(made);
	free(made);
	witness_close(&wit);
	if (out_fd >= 0)
		close(out_fd);
	report_free(&rep);
	free(text);
	free(log);
	free(cap);
	free(sjson);
	free(fakens_bin);
	free(sniff_bin);
	return status;
}
