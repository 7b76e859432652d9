/* fakens server: the UDP and TCP sockets, the answer schedule and the event log on one libuv
 * loop. */
#ifndef FAKENS_SERVER_H
#define FAKENS_SERVER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "dns.h"

#define FAKENS_MAX_LISTEN 64
/* Bounds the memory held by delayed answers (each about 600 bytes). */
#define FAKENS_MAX_PENDING 65536

typedef struct fakens_config {
	struct sockaddr_storage listen[FAKENS_MAX_LISTEN];
	int listen_server[FAKENS_MAX_LISTEN]; /* number for "sN-" directives (1..9), 0: none */
	int nlisten;
	int tcp;              /* also serve TCP on every listen address */
	uint64_t tcp_idle_ms; /* a TCP connection without queries or answers is closed */
	/* Source of "otheraddr" decoys, [0] IPv4 and [1] IPv6; AF_UNSPEC for none. */
	struct sockaddr_storage other_source[2];
	int other_source_given[2]; /* set with --other-source: failing to bind is an error */
	dns_name_t zone;
	char zone_text[DNS_NAME_TEXT];
	FILE *log;    /* JSON lines, borrowed; NULL for none */
	int ready_fd; /* -1 for none; closed once the sockets are bound */
	uint64_t spin_ns;
	unsigned rate_limit, rate_burst; /* queries/s per client address (0: off); burst */
	const char *user;                /* became after binding when started as root */
	uid_t uid;
	gid_t gid;
} fakens_config_t;

/* Serves until SIGINT or SIGTERM. Returns the exit status: 0 after a signal, 2 after
 * printing a one-line error (a socket that cannot be bound, ...). */
int fakens_run(const fakens_config_t *cfg);

/* "127.0.0.1:53" or "[::1]:53" into out (at least 64 bytes). */
void fakens_addr_text(const struct sockaddr *sa, char *out, size_t outlen);

#endif
