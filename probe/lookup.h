/* The lookup functions behind the resolver registry, and what they share. */
#ifndef SP_PROBE_LOOKUP_H
#define SP_PROBE_LOOKUP_H

#include <sys/socket.h>

#include "resolver.h"

int cares_lookup(const resolver_t *self, const char *qname, resolver_result_t *out);
int racer_lookup(const resolver_t *self, const char *qname, resolver_result_t *out);
int musl_lookup(const resolver_t *self, const char *qname, resolver_result_t *out);
int exec_lookup(const resolver_t *self, const char *qname, resolver_result_t *out);

/* The helper directory given to resolver_set_helper_dir, "" when none. */
const char *resolver_helper_dir(void);

/* The first "nameserver" line of /etc/resolv.conf (the lab's), with port 53. Returns 0,
 * SP_ENOTFOUND when there is none, or -errno when the file cannot be read. */
int resolver_first_nameserver(struct sockaddr_storage *ss, socklen_t *len);
/* Adds an address family seen in a result. */
void resolver_add_family(resolver_result_t *out, int family);

#endif
