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

#endif
