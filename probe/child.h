/* Child processes of probe: fakens and sniff started with a ready pipe, and the forks of the
 * resolver runner. */
#ifndef SP_PROBE_CHILD_H
#define SP_PROBE_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An argument vector of owned copies: execv wants char *, the literals are const. v is
 * NULL-terminated; bad is set when an argument did not fit or memory ran out. */
typedef struct argvec {
	char *v[40];
	size_t n;
	int bad;
} argvec_t;

void argvec_add(argvec_t *a, const char *s);
/* Frees the copies; a is empty (and usable) again, bad kept. */
void argvec_free(argvec_t *a);

typedef struct child {
	const char *name; /* "fakens", "sniff": for messages */
	pid_t pid;        /* 0 when not started or once reaped */
	int status;       /* waitpid's status once reaped */
} child_t;

/* A pipe in p (both ends close-on-exec), then fork. The child is sent deathsig when probe
 * dies, and ends at once (status 127) when probe is already gone. Returns the pid in the
 * parent, 0 in the child, or -errno with no pipe left open. */
pid_t child_fork(int p[2], int deathsig);

/* child_start's flags. */
enum {
	/* SIGINT, SIGTERM and SIGHUP back to their defaults in the child before exec. */
	CHILD_DEFAULT_SIGNALS = 1,
};

/* Starts path with argv (NULL-terminated) and waits up to 5 s for "ready\n" on its fd 3;
 * out_fd (when >= 0) becomes its standard output. The child has its own process group, so
 * that a Ctrl-C on the terminal reaches probe alone, which then stops the children in
 * order; it dies with probe (SIGTERM). While *stop (when not NULL) is 0 the wait goes on.
 * Returns 0 with c->pid set, or -1 with one sentence in err (the child is then reaped or
 * still in c->pid for child_stop). */
int child_start(child_t *c, const char *path, char *const argv[], int out_fd, unsigned flags,
		const volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Waits up to timeout_ns for the child to end: 0 with its status in c->status and c->pid
 * 0 (also when it was not running), or -ETIMEDOUT. */
int child_reap(child_t *c, uint64_t timeout_ns);
/* Sends sig and waits up to timeout_ns; a child that outlives it is killed (SIGKILL) and
 * -ETIMEDOUT returned. 0 when it ended, or was not running. */
int child_stop(child_t *c, int sig, uint64_t timeout_ns);
/* "exited with status 1", "was killed by signal 9 (Killed)", for a message. */
void child_describe_status(int status, char *out, size_t outlen);

/* SIGINT, SIGTERM and SIGHUP to handler, without SA_RESTART: waits return EINTR, so that
 * the loop that waits sees the flag the handler sets. */
void child_catch_signals(void (*handler)(int));

#endif
