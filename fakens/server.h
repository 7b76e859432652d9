/* fakens server: the UDP sockets, the answer schedule and the event log on one libuv loop. */
#ifndef FAKENS_SERVER_H
#define FAKENS_SERVER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dns.h"

#define FAKENS_MAX_LISTEN 64
/* Bounds the memory held by delayed answers (each about 600 bytes). */
#define FAKENS_MAX_PENDING 65536

typedef struct fakens_config {
	struct sockaddr_storage listen[FAKENS_MAX_LISTEN];
	int nlisten;
	dns_name_t zone;
	char zone_text[DNS_NAME_TEXT];
	FILE *log;    /* JSON lines, borrowed; NULL for none */
	int ready_fd; /* -1 for none; closed once the sockets are bound */
	uint64_t spin_ns;
} fakens_config_t;

/* Serves until SIGINT or SIGTERM. Returns the exit status: 0 after a signal, 2 after
 * printing a one-line error (a socket that cannot be bound, ...). */
int fakens_run(const fakens_config_t *cfg);

/* "127.0.0.1:53" or "[::1]:53" into out (at least 64 bytes). */
void fakens_addr_text(const struct sockaddr *sa, char *out, size_t outlen);

#endif
