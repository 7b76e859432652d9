/* The lab: private network and mount namespaces with a dual-stack look and their own resolver
 * files. */
#ifndef SP_PROBE_LAB_H
#define SP_PROBE_LAB_H

#include <stddef.h>

/* Where the servers live (docs/lab.md). One host: fakens, sniff and the resolvers share one
 * network namespace and meet on lo. Two hosts: the resolvers in one namespace, fakens and
 * sniff in a second, joined by a veth pair, so that answers and ICMP errors cross a link
 * with Ethernet framing as they do between machines. */
typedef enum lab_topology { LAB_ONE_HOST = 0, LAB_TWO_HOST } lab_topology_t;

typedef struct lab_config {
	const char *workdir;        /* existing directory for the generated resolv.conf and
				       nsswitch.conf (they stay there as a record) */
	const char *resolv_options; /* "single-request timeout:1" or NULL: an options line */
	lab_topology_t topology;    /* LAB_ONE_HOST when left zero */
} lab_config_t;

/* Moves the calling process into new network and mount namespaces and builds the lab
 * there (docs/lab.md); with LAB_TWO_HOST also the servers' network namespace and the link
 * to it, and the process ends up on the client side. When not root it first enters a new
 * user namespace, where the kernel allows that. Returns 0, or a negative code with a
 * one-sentence message in err saying what is wrong and what to do (e.g. "cannot create a
 * network namespace: Operation not permitted; run probe as root"). On failure after the
 * namespaces were entered the process stays in them with a half-built lab: the caller
 * should exit. Single-threaded callers only (unshare, setns). A process builds one lab:
 * the functions below describe the one it is in. */
int lab_enter(const lab_config_t *cfg, char *err, size_t errlen);

/* The side of the lab a process forked next is born in. */
typedef enum lab_side { LAB_CLIENT = 0, LAB_SERVER } lab_side_t;

/* Moves the calling process to one side of the lab's network: children forked afterwards
 * (fakens and sniff on the server side, the resolvers on the client side) stay there. In
 * the one-host lab both sides are the same namespace and nothing happens. Returns 0 or a
 * negative code with a message in err. */
int lab_enter_side(lab_side_t side, char *err, size_t errlen);

/* The lab's server addresses: fakens serves server N (1..LAB_SERVERS) on the N-th IPv4
 * address (127.0.0.N on one host, 192.0.2.(52+N) on two), server 1 also on one IPv6
 * address ([::1], [2001:db8::53]). */
#define LAB_SERVERS 3

/* The i-th of the arguments that place fakens in this lab ("--listen", "127.0.0.1:53@1",
 * ...), NULL past the last. */
const char *lab_fakens_arg(size_t i);

/* The interface sniff captures on: "lo" on one host, the servers' end of the link on two. */
const char *lab_capture_interface(void);

/* "one-host" or "two-host". */
const char *lab_topology_name(lab_topology_t t);
/* LAB_ONE_HOST or LAB_TWO_HOST for those names; -1 for any other. */
int lab_topology_parse(const char *name);

/* Writes WORKDIR/resolv-TAG.conf (TAG: name with every character other than letters,
 * digits, '-' and '.' made '_', at most 48 of them) with nservers nameserver lines (the
 * lab's servers 1 .. N, 1..LAB_SERVERS) and, when given, one options line; the path in
 * path. One file per resolver and server count, so that lookups running side by side each
 * mount their own (resolver_run). Returns 0 or a negative code with a message in err. */
int lab_resolv_conf(const char *workdir, const char *name, const char *options, unsigned nservers,
		    char *path, size_t pathlen, char *err, size_t errlen);

#endif
