/* Resolvers under test: a registry and a runner that does each lookup in its own child process. */
#ifndef SP_PROBE_RESOLVER_H
#define SP_PROBE_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { RES_FAM_V4 = 1, RES_FAM_V6 = 2 };

#define RESOLVER_OUTPUT_MAX 4096 /* what is kept of an exec: resolver's output */
#define RESOLVER_EXEC_MAX 8      /* exec:COMMAND resolvers one run may name */

typedef struct resolver_result {
	int ok;            /* the lookup returned at least one address */
	char error[128];   /* why not ("Name or service not known", "timed out") */
	unsigned families; /* RES_FAM_* of the returned addresses */
	unsigned naddrs;
	uint64_t elapsed_ns; /* from the call to its return, measured in the child (for a
				timed-out child: until the parent gave up) */
	int timed_out;       /* killed by resolver_run after the timeout */
	int has_status;      /* a program was run (exec:): its status is in exit_status */
	int exit_status;     /* its exit status, or 128 + signal when it was killed */
	size_t output_len;   /* bytes of output kept (standard output and error, in order) */
	char output[RESOLVER_OUTPUT_MAX];
} resolver_result_t;

typedef struct resolver resolver_t;

struct resolver {
	const char *name;        /* "glibc", "glibc-use-vc", "c-ares", "racer", "exec:..." */
	int control;             /* 1: expected to race (racer); a positive control */
	const char *description; /* one line for --list-resolvers */
	/* Runs in the child; fills out (zeroed by the caller) and returns 0, or a negative
	 * code when the lookup could not even be tried (out->error says why). */
	int (*lookup)(const resolver_t *self, const char *qname, resolver_result_t *out);
	const char *resolv_options; /* the options line of its resolv.conf; NULL for none */
	unsigned flags;             /* lookup-specific (ARES_FLAG_* for c-ares) */
	const char *command;        /* exec: the command, "{name}" replaced by the query name */
};

size_t resolver_count(void);
const resolver_t *resolver_at(size_t i); /* NULL when i >= resolver_count() */
/* A built-in name, or "exec:COMMAND" (kept in a pool of RESOLVER_EXEC_MAX; the same text
 * gives the same resolver; name must outlive it). NULL if unknown, when the pool is full
 * or the command is empty. */
const resolver_t *resolver_find(const char *name);

/* Where helper programs (musl-gai) are: probe's own directory. */
void resolver_set_helper_dir(const char *dir);
/* NULL when r can run here, else why not ("the musl helper ... was not built: ..."). */
const char *resolver_unavailable(const resolver_t *r);

/* Forks; the child runs r->lookup(qname) and writes the result back through a pipe, then
 * _exit. With resolv_conf the child first enters a mount namespace of its own and mounts
 * that file over /etc/resolv.conf (read-only), so that lookups with different files never
 * see each other's. The parent waits at most timeout_ns (poll on the pipe), kills the child
 * after it (timed_out = 1, error "timed out", still returns 0), reaps it. Returns 0 or a
 * negative code: -errno when pipe or fork fails, -EPIPE when the child died without a
 * result (then out->error says how it ended). out is always filled. */
int resolver_run(const resolver_t *r, const char *qname, const char *resolv_conf,
		 uint64_t timeout_ns, resolver_result_t *out);

/* resolver_run in three steps, so that a caller can keep many lookups in flight and
 * poll() their pipes together. Owned by the caller; valid from resolver_start to
 * resolver_finish. */
typedef struct resolver_job {
	pid_t pid;         /* the child; 0 once reaped */
	int fd;            /* the read end of its result pipe (non-blocking); poll it for POLLIN */
	uint64_t t0;       /* sp_mono_ns() at the fork */
	uint64_t deadline; /* t0 + timeout_ns: resolver_finish kills the child after it */
	size_t got;        /* bytes of res read so far */
	int eof;           /* the child closed its pipe */
	int start_rc;      /* resolver_start's own failure, kept for resolver_finish */
	resolver_result_t res;
} resolver_job_t;

/* Forks the child as resolver_run does and returns 0; or a negative code (-EINVAL,
 * -errno of pipe or fork) with job->res.error saying why; resolver_finish must be called
 * either way. */
int resolver_start(const resolver_t *r, const char *qname, const char *resolv_conf,
		   uint64_t timeout_ns, resolver_job_t *job);
/* Reads what the child has written, without blocking. 1 when the job is ready for
 * resolver_finish (whole result, child gone, or now_ns past the deadline), else 0. */
int resolver_poll(resolver_job_t *job, uint64_t now_ns);
/* Kills the child if it has not given its whole result, reaps it, and fills out exactly
 * as resolver_run does (same return values; timed_out when the deadline had passed). */
int resolver_finish(resolver_job_t *job, resolver_result_t *out);

#endif
