/* Minimal rtnetlink client (RFC 3549, linux/rtnetlink.h): one request, one ACK at a time. */
#include "netlink.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A request under construction. Our own buffer, so building it through struct pointers is
 * fine; replies from the kernel are read with length checks and memcpy instead. */
typedef struct nl_req {
	union {
		struct nlmsghdr h;
		uint8_t buf[1024];
	} u;
	int err;
} nl_req_t;

static void *req_init(nl_req_t *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&r->u.h);
}

/* Appends len raw bytes at the aligned tail; returns where they went or NULL (sticky). */
static void *req_put(nl_req_t *r, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.h.nlmsg_len);
	if (r->err || len > sizeof(r->u.buf) || off > sizeof(r->u.buf) - len) {
		r->err = -ENOBUFS;
		return NULL;
	}
	uint8_t *p = r->u.buf + off;
	if (data)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	r->u.h.nlmsg_len = (uint32_t)(off + len);
	return p;
}

static struct rtattr *req_attr(nl_req_t *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = req_put(r, NULL, RTA_LENGTH(len));
	if (!rta)
		return NULL;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	return rta;
}

static struct rtattr *req_nest_begin(nl_req_t *r, unsigned short type)
{
	return req_attr(r, type, NULL, 0);
}

static void req_nest_end(nl_req_t *r, struct rtattr *nest)
{
	if (nest && !r->err)
		nest->rta_len = (unsigned short)(r->u.buf + r->u.h.nlmsg_len - (uint8_t *)nest);
}

/* NLMSGERR_ATTR_MSG from the extended ACK's attributes (linux/netlink.h, struct nlattr). */
static void take_ext_msg(nl_sock_t *s, const uint8_t *p, size_t left)
{
	while (left >= sizeof(struct nlattr)) {
		struct nlattr a;
		memcpy(&a, p, sizeof(a));
		size_t alen = a.nla_len;
		if (alen < sizeof(a) || alen > left)
			return;
		if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = alen - sizeof(a);
			if (n > sizeof(s->ext_msg) - 1)
				n = sizeof(s->ext_msg) - 1;
			memcpy(s->ext_msg, p + sizeof(a), n);
			s->ext_msg[n] = '\0';
			s->ext_msg[strcspn(s->ext_msg, "\n")] = '\0';
			return;
		}
		size_t step = NLA_ALIGN(alen) < left ? NLA_ALIGN(alen) : left;
		p += step;
		left -= step;
	}
}

/* Reads until the NLMSG_ERROR answering seq; its error field is 0 (an ACK) or -errno. */
static int wait_ack(nl_sock_t *s, uint32_t seq)
{
	uint8_t buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n =
		    recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (fromlen < sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		size_t len = (size_t)n, off = 0;
		while (len - off >= sizeof(struct nlmsghdr)) {
			struct nlmsghdr h;
			memcpy(&h, buf + off, sizeof(h));
			if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
				return -EBADMSG;
			if (h.nlmsg_seq == seq && h.nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;
				if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
					return -EBADMSG;
				memcpy(&e, buf + off + NLMSG_HDRLEN, sizeof(e));
				if (e.error != 0 && (h.nlmsg_flags & NLM_F_ACK_TLVS)) {
					/* Without NETLINK_CAP_ACK the request is echoed before the
					 * TLVs. */
					size_t tlv = NLMSG_HDRLEN + sizeof(e), echo = 0;
					if (!(h.nlmsg_flags & NLM_F_CAPPED) &&
					    e.msg.nlmsg_len > NLMSG_HDRLEN &&
					    e.msg.nlmsg_len <= h.nlmsg_len)
						echo = NLMSG_ALIGN(e.msg.nlmsg_len - NLMSG_HDRLEN);
					if (echo < h.nlmsg_len && tlv < h.nlmsg_len - echo)
						take_ext_msg(s, buf + off + tlv + echo,
							     h.nlmsg_len - tlv - echo);
				}
				return e.error > 0 ? -e.error : e.error;
			}
			off += NLMSG_ALIGN(h.nlmsg_len);
			if (off > len)
				break;
		}
	}
}

static int req_send(nl_sock_t *s, nl_req_t *r)
{
	if (r->err)
		return r->err;
	s->ext_msg[0] = '\0';
	r->u.h.nlmsg_seq = ++s->seq;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(s->fd, r->u.buf, r->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return wait_ack(s, r->u.h.nlmsg_seq);
}

int nl_open(nl_sock_t *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return -errno;
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	if (bind(s->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		int err = -errno;
		nl_close(s);
		return err;
	}
	/* Best effort: older kernels lack extended ACKs and then we only have the errno. */
	int one = 1;
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* The kernel always answers; the timeout only guards against a wedged socket. */
	struct timeval tv = {.tv_sec = 5};
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

void nl_close(nl_sock_t *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nl_link_add(nl_sock_t *s, const char *name, const char *kind, const char *peer)
{
	if (!name || !kind || strlen(name) >= IFNAMSIZ || (peer && strlen(peer) >= IFNAMSIZ))
		return -EINVAL;
	if ((peer != NULL) != (strcmp(kind, "veth") == 0))
		return -EINVAL;
	nl_req_t r;
	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	struct rtattr *info = req_nest_begin(&r, IFLA_LINKINFO);
	req_attr(&r, IFLA_INFO_KIND, kind, strlen(kind));
	if (peer) {
		/* linux/veth.h: INFO_DATA holds VETH_INFO_PEER, itself an ifinfomsg then IFLA_*. */
		struct rtattr *data = req_nest_begin(&r, IFLA_INFO_DATA);
		struct rtattr *p = req_nest_begin(&r, VETH_INFO_PEER);
		req_put(&r, NULL, sizeof(struct ifinfomsg));
		req_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
		req_nest_end(&r, p);
		req_nest_end(&r, data);
	}
	req_nest_end(&r, info);
	return req_send(s, &r);
}

int nl_link_up(nl_sock_t *s, int ifindex)
{
	nl_req_t r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return req_send(s, &r);
}

int nl_link_set_netns(nl_sock_t *s, int ifindex, int netns_fd)
{
	if (netns_fd < 0)
		return -EBADF;
	nl_req_t r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	uint32_t fd = (uint32_t)netns_fd;
	req_attr(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
	return req_send(s, &r);
}

int nl_addr_add(nl_sock_t *s, int ifindex, int family, const void *addr, unsigned prefixlen,
		uint32_t flags)
{
	size_t alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	if (!alen || prefixlen > alen * 8)
		return -EINVAL;
	nl_req_t r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_flags = (unsigned char)(flags & 0xff);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	/* IPv4 wants IFA_LOCAL (the interface's own address) and IFA_ADDRESS (the peer, the
	 * same on a broadcast link); IPv6 only IFA_ADDRESS. */
	if (family == AF_INET)
		req_attr(&r, IFA_LOCAL, addr, alen);
	req_attr(&r, IFA_ADDRESS, addr, alen);
	/* The 8-bit ifa_flags cannot carry the newer flags; IFA_FLAGS can. */
	req_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	return req_send(s, &r);
}

int nl_route_add_default(nl_sock_t *s, int family, int ifindex)
{
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	nl_req_t r;
	struct rtmsg *rtm = req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	/* No gateway: the route is on-link, which is what "ip route add default dev X" makes. */
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	uint32_t oif = (uint32_t)ifindex;
	req_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return req_send(s, &r);
}
