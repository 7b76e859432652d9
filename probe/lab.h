/* The lab: private network and mount namespaces with a dual-stack look and their own resolver files. */
#ifndef SP_PROBE_LAB_H
#define SP_PROBE_LAB_H

#include <stddef.h>

typedef struct lab_config {
	const char *workdir;        /* existing directory for the generated resolv.conf and
	                               nsswitch.conf (they stay there as a record) */
	const char *resolv_options; /* "single-request timeout:1" or NULL: an options line */
} lab_config_t;

/* Moves the calling process into new network and mount namespaces and builds the lab
 * there (docs/lab.md). When not root it first enters a new user namespace, where the
 * kernel allows that. Returns 0, or a negative code with a one-sentence message in err
 * saying what is wrong and what to do (e.g. "cannot create a network namespace: Operation
 * not permitted; run probe as root"). On failure after the namespaces were entered the
 * process stays in them with a half-built lab: the caller should exit. Single-threaded
 * callers only (unshare). */
int lab_enter(const lab_config_t *cfg, char *err, size_t errlen);

/* The lab's server addresses: fakens serves server N (1..LAB_SERVERS) on 127.0.0.N:53,
 * server 1 also on [::1]:53. lo holds all of 127.0.0.0/8, so nothing is configured. */
#define LAB_SERVERS 3

/* Writes WORKDIR/resolv-TAG.conf (TAG: name with every character other than letters,
 * digits, '-' and '.' made '_', at most 48 of them) with nservers nameserver lines
 * (127.0.0.1 .. 127.0.0.N, 1..LAB_SERVERS) and, when given, one options line; the path in
 * path. One file per resolver and server count, so that lookups running side by side each
 * mount their own (resolver_run). Returns 0 or a negative code with a message in err. */
int lab_resolv_conf(const char *workdir, const char *name, const char *options,
		    unsigned nservers, char *path, size_t pathlen, char *err, size_t errlen);

#endif
