/* Resolvers under test: the registry, glibc's getaddrinfo, and the child-process runner. */
#define _GNU_SOURCE
#include "resolver.h"

#include "err.h"
#include "lookup.h"
#include "timeutil.h"

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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int glibc_lookup(const char *qname, resolver_result_t *out);

static const resolver_t resolvers[] = {
	{"glibc", 0, "glibc getaddrinfo (AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG) as the system resolver",
	 glibc_lookup},
	{"c-ares", 0, "c-ares ares_getaddrinfo (AF_UNSPEC) driven on a libuv loop through its socket callbacks",
	 cares_lookup},
	{"racer", 1, "the puzzle's client: A and AAAA from two sockets at once, first answer wins, both closed",
	 racer_lookup},
};

size_t resolver_count(void)
{
	return sizeof(resolvers) / sizeof(resolvers[0]);
}

const resolver_t *resolver_at(size_t i)
{
	return i < resolver_count() ? &resolvers[i] : NULL;
}

const resolver_t *resolver_find(const char *name)
{
	for (size_t i = 0; name && i < resolver_count(); i++)
		if (strcmp(resolvers[i].name, name) == 0)
			return &resolvers[i];
	return NULL;
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
				sin6->sin6_scope_id = idx ? idx : (unsigned)strtoul(scope, NULL, 10);
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
static int glibc_lookup(const char *qname, resolver_result_t *out)
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
			snprintf(out->error, sizeof(out->error), "%s: %s", gai_strerror(rc), strerror(e));
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

/* The child: nothing it does may outlive it or reach the parent except the result. */
static void __attribute__((noreturn)) child_main(const resolver_t *r, const char *qname, int wfd)
{
	/* Dies with the parent rather than linger as an orphan in the lab. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	resolver_result_t res;
	memset(&res, 0, sizeof(res));
	int rc = r->lookup(qname, &res);
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

int resolver_run(const resolver_t *r, const char *qname, uint64_t timeout_ns,
		 resolver_result_t *out)
{
	memset(out, 0, sizeof(*out));
	if (!r || !r->lookup || !qname) {
		snprintf(out->error, sizeof(out->error), "no resolver or name given");
		return -EINVAL;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		snprintf(out->error, sizeof(out->error), "cannot make a pipe: %s", strerror(e));
		return -e;
	}
	uint64_t t0 = sp_mono_ns();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		snprintf(out->error, sizeof(out->error), "cannot fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(r, qname, p[1]);
	}
	close(p[1]);

	resolver_result_t res;
	size_t got = 0;
	int timed_out = 0;
	while (got < sizeof(res)) {
		uint64_t now = sp_mono_ns(), spent = now - t0;
		if (spent >= timeout_ns) {
			timed_out = 1;
			break;
		}
		uint64_t left = timeout_ns - spent;
		struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u),
				      .tv_nsec = (long)(left % 1000000000u)};
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int n = ppoll(&pfd, 1, &ts, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0)
			continue; /* the loop head decides it timed out */
		ssize_t k = read(p[0], (char *)&res + got, sizeof(res) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* EOF: the child is gone */
		got += (size_t)k;
	}
	uint64_t waited = sp_mono_ns() - t0;
	close(p[0]);
	if (got < sizeof(res))
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (got == sizeof(res)) {
		*out = res;
		out->error[sizeof(out->error) - 1] = '\0';
		out->timed_out = 0;
		return 0;
	}
	if (timed_out) {
		out->timed_out = 1;
		out->elapsed_ns = waited;
		snprintf(out->error, sizeof(out->error), "timed out");
		return 0;
	}
	out->elapsed_ns = waited;
	describe_status(status, out->error, sizeof(out->error));
	return -EPIPE;
}
