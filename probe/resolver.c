/* Resolvers under test: the registry, glibc's getaddrinfo, and the child-process runner. */
#define _GNU_SOURCE
#include "resolver.h"

#include "caps.h"
#include "child.h"
#include "err.h"
#include "lookup.h"
#include "timeutil.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int glibc_lookup(const resolver_t *self, const char *qname, resolver_result_t *out);

/* Every variant but glibc-short waits 1 s for an answer and tries twice: the options that
 * change how A and AAAA go out do not depend on it, and a lost answer then costs 2 s, not
 * glibc's default 10 s (docs/resolvers.md, "Timeouts"). */
#define GLIBC_WAIT "timeout:1 attempts:2"

static const resolver_t builtin[] = {
    {"glibc", 0,
     "glibc getaddrinfo (AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG), resolv.conf without behaviour "
     "options",
     glibc_lookup, GLIBC_WAIT, 0, NULL},
    {"glibc-single-request", 0,
     "glibc getaddrinfo, options single-request: A, then AAAA after its answer, one socket",
     glibc_lookup, "single-request " GLIBC_WAIT, 0, NULL},
    {"glibc-single-request-reopen", 0,
     "glibc getaddrinfo, options single-request-reopen: when an answer goes missing, the next "
     "query from a new socket",
     glibc_lookup, "single-request-reopen " GLIBC_WAIT, 0, NULL},
    {"glibc-use-vc", 0, "glibc getaddrinfo, options use-vc: both queries over TCP", glibc_lookup,
     "use-vc " GLIBC_WAIT, 0, NULL},
    {"glibc-short", 0, "glibc getaddrinfo, options timeout:1 attempts:1: one try per server",
     glibc_lookup, "timeout:1 attempts:1", 0, NULL},
    {"c-ares", 0,
     "c-ares ares_getaddrinfo (AF_UNSPEC) on a libuv loop through its socket callbacks; 1 s "
     "timeout, 2 tries",
     cares_lookup, NULL, 0, NULL},
    {"c-ares-usevc", 0, "c-ares with ARES_FLAG_USEVC: every query over TCP", cares_lookup, NULL,
     ARES_FLAG_USEVC, NULL},
    {"c-ares-igntc", 0,
     "c-ares with ARES_FLAG_IGNTC: a truncated UDP answer is taken as it is, no TCP retry",
     cares_lookup, NULL, ARES_FLAG_IGNTC, NULL},
    {"c-ares-primary", 0, "c-ares with ARES_FLAG_PRIMARY: only the first nameserver is asked",
     cares_lookup, NULL, ARES_FLAG_PRIMARY, NULL},
    {"musl", 0, "musl getaddrinfo (AF_UNSPEC) in a static helper built with musl-gcc", musl_lookup,
     GLIBC_WAIT, 0, NULL},
    {"racer", 1,
     "the puzzle's client: A and AAAA from two sockets at once, first answer wins, both closed",
     racer_lookup, NULL, 0, NULL},
};

/* exec: resolvers made from the command line, for the life of the process. */
static resolver_t exec_pool[RESOLVER_EXEC_MAX];
static size_t exec_used;
static char helper_dir[4096];

size_t resolver_count(void) { return sizeof(builtin) / sizeof(builtin[0]); }

const resolver_t *resolver_at(size_t i) { return i < resolver_count() ? &builtin[i] : NULL; }

const resolver_t *resolver_find(const char *name)
{
	for (size_t i = 0; name && i < resolver_count(); i++)
		if (strcmp(builtin[i].name, name) == 0)
			return &builtin[i];
	if (!name || strncmp(name, "exec:", 5) != 0 || !name[5 + strspn(name + 5, " \t")])
		return NULL;
	for (size_t i = 0; i < exec_used; i++)
		if (strcmp(exec_pool[i].name, name) == 0)
			return &exec_pool[i];
	if (exec_used >= RESOLVER_EXEC_MAX)
		return NULL;
	resolver_t *r = &exec_pool[exec_used++];
	r->name = name;
	r->control = 0;
	r->description = "a program run through /bin/sh -c, {name} replaced by the query name";
	r->lookup = exec_lookup;
	r->resolv_options = GLIBC_WAIT;
	r->flags = 0;
	r->command = name + 5;
	return r;
}

void resolver_set_helper_dir(const char *dir)
{
	snprintf(helper_dir, sizeof(helper_dir), "%s", dir ? dir : "");
}

const char *resolver_helper_dir(void) { return helper_dir; }

const char *resolver_unavailable(const resolver_t *r)
{
	if (!r || r->lookup != musl_lookup)
		return NULL;
	char path[sizeof(helper_dir) + 16];
	snprintf(path, sizeof(path), "%s/musl-gai", helper_dir);
	if (access(path, X_OK) == 0)
		return NULL;
	return "the musl helper (musl-gai) was not built: install musl-tools and rebuild";
}

void resolver_add_family(resolver_result_t *out, int family)
{
	if (family == AF_INET)
		out->families |= RES_FAM_V4;
	else if (family == AF_INET6)
		out->families |= RES_FAM_V6;
	else
		return;
	out->naddrs++;
	out->ok = 1;
}

int resolver_first_nameserver(struct sockaddr_storage *ss, socklen_t *len)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return -errno;
	char line[512];
	int rc = SP_ENOTFOUND;
	while (rc == SP_ENOTFOUND && fgets(line, sizeof(line), f)) {
		char *save = NULL;
		const char *key = strtok_r(line, " \t\r\n", &save);
		char *addr = key ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!key || !addr || strcmp(key, "nameserver") != 0)
			continue;
		memset(ss, 0, sizeof(*ss));
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		char *scope = strchr(addr, '%');
		if (scope)
			*scope++ = '\0';
		if (!scope && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons(53);
			*len = sizeof(*sin);
			rc = 0;
		} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(53);
			if (scope) {
				unsigned idx = if_nametoindex(scope);
				sin6->sin6_scope_id =
				    idx ? idx : (unsigned)strtoul(scope, NULL, 10);
			}
			*len = sizeof(*sin6);
			rc = 0;
		}
		/* glibc skips lines it cannot parse, and so do we. */
	}
	fclose(f);
	return rc;
}

/* The hints a typical application passes: any family, one entry per address (no
 * SOCK_DGRAM/SOCK_RAW duplicates), and only families the host has addresses for. */
static int glibc_lookup(const resolver_t *self, const char *qname, resolver_result_t *out)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	uint64_t t0 = sp_mono_ns();
	int rc = getaddrinfo(qname, NULL, &hints, &res);
	int e = errno;
	out->elapsed_ns = sp_mono_ns() - t0;
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			snprintf(out->error, sizeof(out->error), "%s: %s", gai_strerror(rc),
				 strerror(e));
		else
			snprintf(out->error, sizeof(out->error), "%s", gai_strerror(rc));
		return 0;
	}
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
		resolver_add_family(out, ai->ai_family);
	freeaddrinfo(res);
	if (!out->ok)
		snprintf(out->error, sizeof(out->error), "no address returned");
	return 0;
}

/* Runs argv with its standard output (and error, when both_out) on a pipe, keeps the first
 * RESOLVER_OUTPUT_MAX bytes in out->output, drains the rest, and waits for it. The program
 * dies with this child, which dies with probe. Returns 0 with its status in
 * out->exit_status, or -errno. */
static int run_program(char *const argv[], int both_out, resolver_result_t *out)
{
	int p[2];
	pid_t pid = child_fork(p, SIGKILL);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		if (both_out)
			dup2(p[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(p[1], "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char sink[4096];
	for (;;) {
		size_t room = sizeof(out->output) - out->output_len;
		char *dst = room ? out->output + out->output_len : sink;
		ssize_t n = read(p[0], dst, room ? room : sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			out->output_len += (size_t)n;
	}
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	out->has_status = 1;
	out->exit_status = WIFEXITED(status)     ? WEXITSTATUS(status)
			   : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
						 : 255;
	return 0;
}

/* The helper's one line (probe/musl/musl_gai.c): families, address count, its own timing
 * of the call, the error text. Anything else is a broken helper. */
static int parse_musl_line(const char *text, size_t len, resolver_result_t *out)
{
	char line[256], fams[16], *err;
	size_t n = strcspn(text, "\n");
	if (n >= len || n >= sizeof(line))
		return -1;
	memcpy(line, text, n);
	line[n] = '\0';
	unsigned naddrs;
	unsigned long long elapsed;
	int off = -1;
	if (sscanf(line, "families=%15s naddrs=%u elapsed_ns=%llu error=%n", fams, &naddrs,
		   &elapsed, &off) != 3 ||
	    off < 0)
		return -1;
	err = line + off;
	out->elapsed_ns = elapsed;
	if (strcmp(fams, "-") != 0) {
		if (strcmp(fams, "A") == 0 || strcmp(fams, "A,AAAA") == 0)
			out->families |= RES_FAM_V4;
		if (strcmp(fams, "AAAA") == 0 || strcmp(fams, "A,AAAA") == 0)
			out->families |= RES_FAM_V6;
		if (!out->families)
			return -1;
		out->naddrs = naddrs;
		out->ok = 1;
	}
	if (strcmp(err, "-") != 0)
		snprintf(out->error, sizeof(out->error), "%s", err);
	else if (!out->ok)
		snprintf(out->error, sizeof(out->error), "no address returned");
	return 0;
}

int musl_lookup(const resolver_t *self, const char *qname, resolver_result_t *out)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/musl-gai", resolver_helper_dir());
	char *argv[] = {path, (char *)(uintptr_t)qname, NULL};
	int rc = run_program(argv, 0, out);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "cannot run musl-gai: %s", strerror(-rc));
		return rc;
	}
	int ok = out->exit_status == 0 && parse_musl_line(out->output, out->output_len, out) == 0;
	/* The helper's line is parsed, not kept: only exec: resolvers report output. */
	out->has_status = 0;
	out->output_len = 0;
	if (!ok) {
		snprintf(out->error, sizeof(out->error),
			 "musl-gai gave no result line (exit status %d)", out->exit_status);
		return SP_EFORMAT;
	}
	return 0;
}

/* The command with every "{name}" replaced; probe's names are letters, digits, '-' and
 * '.', so they need no quoting for the shell. */
static int expand_command(const char *cmd, const char *qname, char *buf, size_t buflen)
{
	size_t n = 0, ql = strlen(qname);
	for (const char *c = cmd; *c;) {
		const char *piece = c;
		size_t len = 1;
		if (strncmp(c, "{name}", 6) == 0) {
			piece = qname;
			len = ql;
			c += 6;
		} else {
			c++;
		}
		if (n + len >= buflen)
			return -E2BIG;
		memcpy(buf + n, piece, len);
		n += len;
	}
	buf[n] = '\0';
	return 0;
}

int exec_lookup(const resolver_t *self, const char *qname, resolver_result_t *out)
{
	char cmd[8192];
	if (expand_command(self->command, qname, cmd, sizeof(cmd)) < 0) {
		snprintf(out->error, sizeof(out->error), "the command is too long once expanded");
		return -E2BIG;
	}
	char *argv[] = {(char *)(uintptr_t) "/bin/sh", (char *)(uintptr_t) "-c", cmd, NULL};
	uint64_t t0 = sp_mono_ns();
	int rc = run_program(argv, 1, out);
	out->elapsed_ns = sp_mono_ns() - t0;
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "cannot run /bin/sh: %s", strerror(-rc));
		return rc;
	}
	/* What it returned is in its output, which probe does not parse: the wire judges. */
	snprintf(out->error, sizeof(out->error), "exit status %d, see output", out->exit_status);
	return 0;
}

/* A mount namespace of the child's own, so that its resolv.conf is seen by this lookup
 * alone; the lab's mounts are already private, and this one is too. */
static int mount_resolv(const char *path, resolver_result_t *out)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
		int e = errno;
		snprintf(out->error, sizeof(out->error),
			 "cannot mount %s over /etc/resolv.conf: %s", path, strerror(e));
		return -e;
	}
	/* Read-only is a nicety (the lab's record stays as written); a remount that the
	 * kernel refuses in a user namespace does not change what the resolver reads. */
	mount(NULL, "/etc/resolv.conf", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	return 0;
}

/* The child: nothing it does may outlive it or reach the parent except the result. */
static void __attribute__((noreturn))
child_main(const resolver_t *r, const char *qname, const char *resolv_conf, int wfd)
{
	signal(SIGPIPE, SIG_IGN);
	resolver_result_t res;
	memset(&res, 0, sizeof(res));
	int rc = resolv_conf ? mount_resolv(resolv_conf, &res) : 0;
	/* A resolver needs no privilege: least of all capture rights (CAP_NET_RAW) in the
	 * lab it is being watched in. The bounding set goes too, as an exec: command run by
	 * root would otherwise get every capability back. */
	if (rc == 0 && (rc = caps_drop_all()) < 0)
		snprintf(res.error, sizeof(res.error), "cannot give up capabilities: %s",
			 sp_strerror(rc));
	if (rc == 0)
		rc = r->lookup(r, qname, &res);
	if (rc < 0 && !res.error[0])
		snprintf(res.error, sizeof(res.error), "%s", sp_strerror(rc));
	if (rc < 0)
		res.ok = 0;
	const char *p = (const char *)&res;
	size_t left = sizeof(res);
	while (left > 0) {
		ssize_t n = write(wfd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		p += n;
		left -= (size_t)n;
	}
	_exit(0);
}

static void describe_status(int status, char *out, size_t outlen)
{
	if (WIFSIGNALED(status))
		snprintf(out, outlen, "the resolver process died without a result (signal %d: %s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(out, outlen, "the resolver process exited with status %d without a result",
			 WEXITSTATUS(status));
	else
		snprintf(out, outlen, "the resolver process ended without a result");
}

int resolver_start(const resolver_t *r, const char *qname, const char *resolv_conf,
		   uint64_t timeout_ns, resolver_job_t *job)
{
	memset(job, 0, sizeof(*job));
	job->fd = -1;
	job->t0 = sp_mono_ns();
	job->deadline = job->t0 + timeout_ns;
	resolver_result_t *out = &job->res;
	if (!r || !r->lookup || !qname) {
		snprintf(out->error, sizeof(out->error), "no resolver or name given");
		return job->start_rc = -EINVAL;
	}
	/* The child dies with probe rather than linger as an orphan in the lab. */
	int p[2];
	pid_t pid = child_fork(p, SIGKILL);
	if (pid < 0) {
		snprintf(out->error, sizeof(out->error), "cannot start the lookup's process: %s",
			 strerror((int)-pid));
		return job->start_rc = (int)pid;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(r, qname, resolv_conf, p[1]);
	}
	close(p[1]);
	/* Many jobs share one poll loop: a read must never wait for one child. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	job->pid = pid;
	job->fd = p[0];
	return 0;
}

int resolver_poll(resolver_job_t *job, uint64_t now_ns)
{
	if (job->start_rc < 0 || job->fd < 0)
		return 1;
	while (!job->eof && job->got < sizeof(job->res)) {
		ssize_t k =
		    read(job->fd, (char *)&job->res + job->got, sizeof(job->res) - job->got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k <= 0)
			job->eof = 1; /* EOF or a broken pipe: the child is gone */
		else
			job->got += (size_t)k;
	}
	return job->eof || job->got == sizeof(job->res) || now_ns >= job->deadline;
}

int resolver_finish(resolver_job_t *job, resolver_result_t *out)
{
	if (job->start_rc < 0) {
		*out = job->res;
		return job->start_rc;
	}
	memset(out, 0, sizeof(*out));
	/* What arrived since the last poll still counts, even at the deadline. */
	uint64_t now = sp_mono_ns();
	resolver_poll(job, now);
	int complete = job->got == sizeof(job->res);
	if (job->fd >= 0)
		close(job->fd);
	job->fd = -1;
	int status = 0;
	if (job->pid > 0) {
		if (!complete)
			kill(job->pid, SIGKILL);
		while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
			;
		job->pid = 0;
	}
	if (complete) {
		*out = job->res;
		out->error[sizeof(out->error) - 1] = '\0';
		if (out->output_len > sizeof(out->output))
			out->output_len = sizeof(out->output);
		out->timed_out = 0;
		return 0;
	}
	out->elapsed_ns = now - job->t0;
	if (!job->eof && now >= job->deadline) {
		out->timed_out = 1;
		snprintf(out->error, sizeof(out->error), "timed out");
		return 0;
	}
	describe_status(status, out->error, sizeof(out->error));
	return -EPIPE;
}

int resolver_run(const resolver_t *r, const char *qname, const char *resolv_conf,
		 uint64_t timeout_ns, resolver_result_t *out)
{
	resolver_job_t *job = malloc(sizeof(*job));
	if (!job) {
		memset(out, 0, sizeof(*out));
		snprintf(out->error, sizeof(out->error), "out of memory");
		return -ENOMEM;
	}
	if (resolver_start(r, qname, resolv_conf, timeout_ns, job) == 0) {
		for (;;) {
			uint64_t now = sp_mono_ns();
			if (resolver_poll(job, now))
				break;
			uint64_t left = job->deadline - now;
			struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u),
					      .tv_nsec = (long)(left % 1000000000u)};
			struct pollfd pfd = {.fd = job->fd, .events = POLLIN};
			ppoll(&pfd, 1, &ts, NULL);
		}
	}
	int rc = resolver_finish(job, out);
	free(job);
	return rc;
}
