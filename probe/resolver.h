/* Resolvers under test: a registry and a runner that does each lookup in its own child process. */
#ifndef SP_PROBE_RESOLVER_H
#define SP_PROBE_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

enum { RES_FAM_V4 = 1, RES_FAM_V6 = 2 };

typedef struct resolver_result {
	int ok;               /* the lookup returned at least one address */
	char error[128];      /* why not ("Name or service not known", "timed out") */
	unsigned families;    /* RES_FAM_* of the returned addresses */
	unsigned naddrs;
	uint64_t elapsed_ns;  /* from the call to its return, measured in the child (for a
	                         timed-out child: until the parent gave up) */
	int timed_out;        /* killed by resolver_run after the timeout */
} resolver_result_t;

typedef struct resolver {
	const char *name;        /* "glibc", "c-ares", "racer" */
	int control;             /* 1: expected to race (racer); a positive control */
	const char *description; /* one line for --list-resolvers */
	/* Runs in the child; fills out (zeroed by the caller) and returns 0, or a negative
	 * code when the lookup could not even be tried (out->error says why). */
	int (*lookup)(const char *qname, resolver_result_t *out);
} resolver_t;

size_t resolver_count(void);
const resolver_t *resolver_at(size_t i);            /* NULL when i >= resolver_count() */
const resolver_t *resolver_find(const char *name);  /* NULL if unknown */

/* Forks; the child runs r->lookup(qname) and writes the result back through a pipe, then
 * _exit. The parent waits at most timeout_ns (poll on the pipe), kills the child after
 * it (timed_out = 1, error "timed out", still returns 0), reaps it. Returns 0 or a negative
 * code: -errno when pipe or fork fails, -EPIPE when the child died without a result (then
 * out->error says how it ended). out is always filled. */
int resolver_run(const resolver_t *r, const char *qname, uint64_t timeout_ns,
		 resolver_result_t *out);

#endif
