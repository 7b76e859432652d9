/* Child processes of probe: fakens and sniff started with a ready pipe, and the forks of the
 * resolver runner. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

#define MS (1000000ULL)
#define READY_TIMEOUT_NS (5000ULL * MS)

void argvec_add(argvec_t *a, const char *s)
{
	if (a->n + 1 >= sizeof(a->v) / sizeof(a->v[0]) || !(a->v[a->n] = strdup(s))) {
		a->bad = 1;
		return;
	}
	a->v[++a->n] = NULL;
}

void argvec_free(argvec_t *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

pid_t child_fork(int p[2], int deathsig)
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	/* The parent may have died before the death signal was asked for: then none comes. */
	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, deathsig) < 0 || getppid() != parent))
		_exit(127);
	return pid;
}

/* Starts path with argv; its fd 3 is the write end of a pipe whose read end goes to
 * *ready_fd, and out_fd (when >= 0) becomes its standard output. Returns the pid or
 * -errno. */
static pid_t spawn(const char *path, char *const argv[], int out_fd, unsigned flags, int *ready_fd)
{
	int p[2];
	pid_t pid = child_fork(p, SIGTERM);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (flags & CHILD_DEFAULT_SIGNALS) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
		}
		setpgid(0, 0);
		/* Move both out of the way first: either may already sit on 1 or 3. */
		int w = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
		int o = out_fd >= 0 ? fcntl(out_fd, F_DUPFD_CLOEXEC, 10) : -1;
		if (w < 0 || (out_fd >= 0 && o < 0) || dup2(w, 3) < 0 ||
		    (o >= 0 && dup2(o, STDOUT_FILENO) < 0))
			_exit(127);
		execv(path, argv);
		dprintf(3, "exec %d\n", errno);
		_exit(127);
	}
	close(p[1]);
	*ready_fd = p[0];
	return pid;
}

int child_reap(child_t *c, uint64_t timeout_ns)
{
	uint64_t deadline = sp_mono_ns() + timeout_ns;
	while (c->pid > 0) {
		pid_t got = waitpid(c->pid, &c->status, WNOHANG);
		if (got == c->pid || (got < 0 && errno == ECHILD)) {
			c->pid = 0;
			return 0;
		}
		if (sp_mono_ns() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int child_stop(child_t *c, int sig, uint64_t timeout_ns)
{
	if (c->pid <= 0)
		return 0;
	kill(c->pid, sig);
	if (child_reap(c, timeout_ns) == 0)
		return 0;
	kill(c->pid, SIGKILL);
	child_reap(c, 1000 * MS);
	return -ETIMEDOUT;
}

void child_describe_status(int status, char *out, size_t outlen)
{
	if (WIFEXITED(status))
		snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, outlen, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, outlen, "stopped (status 0x%x)", (unsigned)status);
}

/* Reads the child's ready pipe until "ready\n" (0), or says what went wrong (-1). */
static int wait_ready(child_t *c, int fd, const char *path, const volatile sig_atomic_t *stop,
		      char *err, size_t errlen)
{
	char buf[64];
	size_t have = 0;
	uint64_t deadline = sp_mono_ns() + READY_TIMEOUT_NS;
	int rc = -1;

	for (;;) {
		uint64_t now = sp_mono_ns();
		if (stop && *stop) {
			snprintf(err, errlen, "interrupted while starting %s", c->name);
			break;
		}
		if (now >= deadline) {
			snprintf(err, errlen,
				 "%s did not say it was ready within 5 s; see its message above",
				 c->name);
			break;
		}
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, (int)((deadline - now) / MS) + 1) <= 0)
			continue;
		ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got > 0) {
			have += (size_t)got;
			buf[have] = 0;
			if (strstr(buf, "ready\n")) {
				rc = 0;
				break;
			}
			if (have < sizeof(buf) - 1)
				continue;
		}
		buf[have] = 0;
		int e = 0;
		if (sscanf(buf, "exec %d", &e) == 1) {
			snprintf(
			    err, errlen,
			    "cannot start %s '%s': %s; build it, or set STUBPROBE_BINDIR to the "
			    "directory that holds it",
			    c->name, path, strerror(e));
		} else if (child_reap(c, 1000 * MS) == 0) {
			char how[96];
			child_describe_status(c->status, how, sizeof(how));
			snprintf(err, errlen, "%s %s before it was ready; see its message above",
				 c->name, how);
		} else {
			snprintf(err, errlen,
				 "%s closed its ready pipe without saying ready; see its message "
				 "above",
				 c->name);
		}
		break;
	}
	close(fd);
	return rc;
}

int child_start(child_t *c, const char *path, char *const argv[], int out_fd, unsigned flags,
		const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	int fd = -1;
	pid_t pid = spawn(path, argv, out_fd, flags, &fd);
	if (pid < 0) {
		snprintf(err, errlen, "cannot start %s: %s", c->name, strerror((int)-pid));
		return -1;
	}
	c->pid = pid;
	return wait_ready(c, fd, path, stop, err, errlen);
}

void child_catch_signals(void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
