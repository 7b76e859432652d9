/* Minimal rtnetlink client: links, addresses and default routes in the current network namespace.
 */
#ifndef SP_PROBE_NETLINK_H
#define SP_PROBE_NETLINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct nl_sock {
	int fd;
	uint32_t seq;
	/* The kernel's own words for the last failed request ("Unknown device type"), or "";
	 * it often says more than the errno. */
	char ext_msg[128];
} nl_sock_t;

/* All functions return 0 or -errno as the kernel reported it. */
int nl_open(nl_sock_t *s);
void nl_close(nl_sock_t *s);

/* Creates link name of kind ("dummy", "veth"). For "veth", peer names the other end, which
 * stays in this namespace; otherwise peer must be NULL. */
int nl_link_add(nl_sock_t *s, const char *name, const char *kind, const char *peer);
int nl_link_up(nl_sock_t *s, int ifindex);
/* Moves link ifindex into the network namespace that netns_fd (an open /proc/PID/ns/net)
 * refers to; it keeps its name and loses its addresses there. */
int nl_link_set_netns(nl_sock_t *s, int ifindex, int netns_fd);
/* Adds addr (4 bytes for AF_INET, 16 for AF_INET6) with prefixlen; flags are IFA_F_*
 * (IFA_F_NODAD makes an IPv6 address usable at once). */
int nl_addr_add(nl_sock_t *s, int ifindex, int family, const void *addr, unsigned prefixlen,
		uint32_t flags);
/* A default route of family through ifindex, with no gateway (on-link). */
int nl_route_add_default(nl_sock_t *s, int family, int ifindex);

#endif
