/* The lab: private network and mount namespaces with a dual-stack look and their own resolver
 * files. */
#define _GNU_SOURCE
#include "lab.h"

#include "netlink.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define LAB_LINK "lab0"
#define LAB_PEER "lab0peer"
#define LAB_SRV_LINK "lab0srv" /* two hosts: the servers' end of the link */

/* The lab this process is in: lab_enter builds it, the rest describe it. ns[] are the
 * client's and the servers' network namespaces (two hosts only; -1 otherwise). */
static struct {
	lab_topology_t topology;
	int ns[2];
} lab_now = {LAB_ONE_HOST, {-1, -1}};

/* Where fakens serves: loopback on one host; on two, addresses of the documentation
 * prefixes (RFC 5737, RFC 3849), which no real network routes. */
static const char *const one_host_fakens[] = {
    "--listen",       "127.0.0.1:53@1", "--listen",       "[::1]:53@1", "--listen",
    "127.0.0.2:53@2", "--listen",       "127.0.0.3:53@3", NULL,
};
/* The decoys of "otheraddr" need a second address on the servers' side: fakens's default
 * (127.0.0.254) cannot reach a client on another host. */
static const char *const two_host_fakens[] = {
    "--listen",       "192.0.2.53:53@1", "--listen", "[2001:db8::53]:53@1",
    "--listen",       "192.0.2.54:53@2", "--listen", "192.0.2.55:53@3",
    "--other-source", "192.0.2.254",     NULL,
};
static const char *const two_host_server_addrs[] = {
    "192.0.2.53", "192.0.2.54", "192.0.2.55", "192.0.2.254", "2001:db8::53", NULL,
};

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Small writes to /proc files, which want the whole value in one write. */
static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, text);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int write_record(const char *dir, const char *name, const char *text, char *path,
			size_t pathlen, char *err, size_t errlen)
{
	if ((size_t)snprintf(path, pathlen, "%s/%s", dir, name) >= pathlen)
		return fail(err, errlen, -ENAMETOOLONG,
			    "work directory path '%s' is too long; give a shorter one", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int e = errno;
		return fail(err, errlen, -e,
			    "cannot write %s: %s; give an existing, writable work directory", path,
			    strerror(e));
	}
	/* Resolvers read these as whatever user they run as. */
	int rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, text);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		return fail(err, errlen, rc,
			    "cannot write %s: %s; check the work directory's file system", path,
			    strerror(-rc));
	return 0;
}

/* The bind mount needs a regular file to land on; a dangling link (a stopped
 * systemd-resolved) or a missing file cannot be fixed from inside without touching the
 * host, so the user is told what to do. */
static int check_target(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return fail(err, errlen, -EINVAL,
				    "%s is not a regular file; the lab mounts its own file over "
				    "it, so make it one and run probe again",
				    path);
		return 0;
	}
	int e = errno;
	char link[PATH_MAX];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n >= 0) {
		link[n] = '\0';
		return fail(err, errlen, -e,
			    "%s is a dangling symlink to %s (%s); create the file it points to (or "
			    "start the service that makes it) and run probe again",
			    path, link, strerror(e));
	}
	if (e == ENOENT)
		return fail(err, errlen, -e,
			    "%s does not exist; create it (an empty file will do, the lab mounts "
			    "its own over it in its namespace only) and run probe again",
			    path);
	return fail(err, errlen, -e, "cannot check %s: %s; make it readable and run probe again",
		    path, strerror(e));
}

static int map_ids(uid_t uid, gid_t gid)
{
	char map[64];
	/* Unprivileged writers of gid_map must give up setgroups first (user_namespaces(7)). */
	int rc = write_proc("/proc/self/setgroups", "deny");
	if (rc < 0 && rc != -ENOENT)
		return rc;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if ((rc = write_proc("/proc/self/uid_map", map)) < 0)
		return rc;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return write_proc("/proc/self/gid_map", map);
}

static int enter_namespaces(char *err, size_t errlen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) == 0)
		return 0;
	int e = errno;
	if (e != EPERM)
		return fail(err, errlen, -e,
			    "cannot create a network namespace: %s; run probe single-threaded on a "
			    "kernel with network namespaces (CONFIG_NET_NS)",
			    strerror(e));
	/* Not privileged: a user namespace made in the same call owns the other two, and
	 * inside it this process may configure them. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0) {
		int ue = errno;
		return fail(
		    err, errlen, -e,
		    "cannot create a network namespace: %s, and no user namespace to make one in "
		    "(%s); run probe as root, or allow unprivileged user namespaces (sysctl "
		    "user.max_user_namespaces, kernel.unprivileged_userns_clone where it exists)",
		    strerror(e), strerror(ue));
	}
	int rc = map_ids(uid, gid);
	if (rc < 0)
		return fail(
		    err, errlen, rc,
		    "cannot map user %u into the lab's user namespace: %s; run probe as root",
		    (unsigned)uid, strerror(-rc));
	return 0;
}

static int nl_fail(char *err, size_t errlen, int rc, const nl_sock_t *nl, const char *what,
		   const char *todo)
{
	return fail(err, errlen, rc, "cannot %s: %s%s%s%s; %s", what, strerror(-rc),
		    nl->ext_msg[0] ? " (kernel: " : "", nl->ext_msg, nl->ext_msg[0] ? ")" : "",
		    todo);
}

static int up_by_name(nl_sock_t *nl, const char *name, char *err, size_t errlen)
{
	unsigned idx = if_nametoindex(name);
	if (!idx) {
		int e = errno;
		return fail(
		    err, errlen, -e,
		    "cannot find interface %s in the lab: %s; report this as a bug in probe's lab",
		    name, strerror(e));
	}
	int rc = nl_link_up(nl, (int)idx);
	if (rc < 0) {
		char what[64];
		snprintf(what, sizeof(what), "bring %s up", name);
		return nl_fail(err, errlen, rc, nl, what, "report this as a bug in probe's lab");
	}
	return (int)idx;
}

/* One address with the lab's prefix length (/24, /64); IPv6 with NODAD, since a tentative
 * address is invisible to AI_ADDRCONFIG and cannot be bound, for a second or more. */
static int add_addr(nl_sock_t *nl, int idx, const char *ifname, const char *text, char *err,
		    size_t errlen)
{
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	unsigned char a[16];
	if (inet_pton(family, text, a) != 1)
		return fail(err, errlen, -EINVAL,
			    "bad lab address %s; report this as a bug in probe's lab", text);
	int rc = nl_addr_add(nl, idx, family, a, family == AF_INET6 ? 64 : 24,
			     family == AF_INET6 ? IFA_F_NODAD : 0);
	if (rc < 0) {
		char what[96];
		snprintf(what, sizeof(what), "add %s/%u to %s", text, family == AF_INET6 ? 64 : 24,
			 ifname);
		return nl_fail(err, errlen, rc, nl, what,
			       family == AF_INET6 ? "the lab needs IPv6: check that it is not "
						    "disabled (ipv6.disable=1, disable_ipv6)"
						  : "report this as a bug in probe's lab");
	}
	return 0;
}

/* The client's look: both families on an up link, and default routes through it. */
static int client_addresses(nl_sock_t *nl, int idx, char *err, size_t errlen)
{
	int rc;
	if ((rc = add_addr(nl, idx, LAB_LINK, "192.0.2.1", err, errlen)) < 0 ||
	    (rc = add_addr(nl, idx, LAB_LINK, "2001:db8::1", err, errlen)) < 0)
		return rc;
	if ((rc = nl_route_add_default(nl, AF_INET, idx)) < 0)
		return nl_fail(err, errlen, rc, nl, "add the default IPv4 route via " LAB_LINK,
			       "report this as a bug in probe's lab");
	if ((rc = nl_route_add_default(nl, AF_INET6, idx)) < 0)
		return nl_fail(err, errlen, rc, nl, "add the default IPv6 route via " LAB_LINK,
			       "report this as a bug in probe's lab");
	return 0;
}

static int build_network(nl_sock_t *nl, char *err, size_t errlen)
{
	int rc = up_by_name(nl, "lo", err, errlen);
	if (rc < 0)
		return rc;

	/* dummy is the natural choice (no peer, always has carrier); kernels built without it
	 * get a veth pair whose both ends stay in the lab, which looks the same to a resolver. */
	int veth = 0;
	rc = nl_link_add(nl, LAB_LINK, "dummy", NULL);
	if (rc == -EOPNOTSUPP) {
		veth = 1;
		rc = nl_link_add(nl, LAB_LINK, "veth", LAB_PEER);
	}
	if (rc < 0)
		return nl_fail(
		    err, errlen, rc, nl, "create the lab interface " LAB_LINK,
		    "the kernel needs dummy or veth interfaces (CONFIG_DUMMY or CONFIG_VETH)");
	int idx = up_by_name(nl, LAB_LINK, err, errlen);
	if (idx < 0)
		return idx;
	if (veth && (rc = up_by_name(nl, LAB_PEER, err, errlen)) < 0)
		return rc;

	return client_addresses(nl, idx, err, errlen);
}

/* Per-namespace sysctls. /proc/sys/net shows the namespace of the process that opens it. */
static int set_sysctls(char *err, size_t errlen, int before_links)
{
	static const char *const early[] = {
	    /* A host that disables IPv6 by default would hand that to new interfaces. */
	    "/proc/sys/net/ipv6/conf/all/disable_ipv6",
	    "/proc/sys/net/ipv6/conf/default/disable_ipv6",
	    /* Every up link also gets a link-local address, tentative for a second while
	     * duplicate address detection runs (the lab's global ones skip it: NODAD); on
	     * the two-host link nothing can be duplicate, so none waits. */
	    "/proc/sys/net/ipv6/conf/all/accept_dad",
	    "/proc/sys/net/ipv6/conf/default/accept_dad",
	    NULL,
	};
	static const char *const late[] = {
	    /* A rate limit would swallow the very port unreachables the lab looks for;
	     * loopback is exempt, a veth link between two namespaces is not. */
	    "/proc/sys/net/ipv4/icmp_ratelimit",
	    "/proc/sys/net/ipv6/icmp/ratelimit",
	    NULL,
	};
	if (before_links && access("/proc/sys/net/ipv6", F_OK) != 0)
		return fail(err, errlen, -EAFNOSUPPORT,
			    "IPv6 is disabled in this kernel and the lab needs it to look "
			    "dual-stack; boot without ipv6.disable=1");
	for (const char *const *p = before_links ? early : late; *p; p++) {
		int rc = write_proc(*p, "0");
		if (rc < 0)
			return fail(err, errlen, rc,
				    "cannot set %s to 0 in the lab: %s; run probe as root", *p,
				    strerror(-rc));
	}
	return 0;
}

static int open_netns(int *fd, const char *which, char *err, size_t errlen)
{
	*fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int e = errno;
		return fail(
		    err, errlen, -e,
		    "cannot open the %s network namespace (/proc/self/ns/net): %s; mount /proc",
		    which, strerror(e));
	}
	return 0;
}

static int switch_netns(lab_side_t side, char *err, size_t errlen)
{
	if (setns(lab_now.ns[side], CLONE_NEWNET) < 0) {
		int e = errno;
		return fail(err, errlen, -e,
			    "cannot move to the lab's %s side: %s; run probe as root",
			    side == LAB_SERVER ? "server" : "client", strerror(e));
	}
	return 0;
}

/* The servers' side, entered from the client's (which is current): a namespace of its own
 * with lo up and the same sysctls. Leaves the process there. */
static int build_server_side(char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;
		return fail(err, errlen, -e,
			    "cannot create the servers' network namespace: %s; run probe as root",
			    strerror(e));
	}
	int rc = open_netns(&lab_now.ns[LAB_SERVER], "servers'", err, errlen);
	if (rc < 0 || (rc = set_sysctls(err, errlen, 1)) < 0 ||
	    (rc = set_sysctls(err, errlen, 0)) < 0)
		return rc;
	nl_sock_t nl;
	if ((rc = nl_open(&nl)) < 0)
		return fail(err, errlen, rc,
			    "cannot open an rtnetlink socket in the lab: %s; run probe as root",
			    strerror(-rc));
	rc = up_by_name(&nl, "lo", err, errlen);
	nl_close(&nl);
	return rc < 0 ? rc : 0;
}

/* Two hosts: a veth pair made on the client's side, its other end moved to the servers'.
 * Netlink sockets belong to the namespace they were opened in, hence one per side. */
static int build_two_host(char *err, size_t errlen)
{
	int rc = open_netns(&lab_now.ns[LAB_CLIENT], "client's", err, errlen);
	if (rc < 0 || (rc = build_server_side(err, errlen)) < 0 ||
	    (rc = switch_netns(LAB_CLIENT, err, errlen)) < 0)
		return rc;

	nl_sock_t nl;
	if ((rc = nl_open(&nl)) < 0)
		return fail(err, errlen, rc,
			    "cannot open an rtnetlink socket in the lab: %s; run probe as root",
			    strerror(-rc));
	int idx = 0;
	if ((rc = up_by_name(&nl, "lo", err, errlen)) < 0)
		goto out;
	if ((rc = nl_link_add(&nl, LAB_LINK, "veth", LAB_SRV_LINK)) < 0) {
		rc = nl_fail(err, errlen, rc, &nl, "create the lab link " LAB_LINK "/" LAB_SRV_LINK,
			     "the two-host lab needs veth interfaces (CONFIG_VETH)");
		goto out;
	}
	unsigned peer = if_nametoindex(LAB_SRV_LINK);
	if (!peer) {
		rc = fail(err, errlen, -errno,
			  "cannot find %s in the lab: %s; report this as a bug in probe's lab",
			  LAB_SRV_LINK, strerror(errno));
		goto out;
	}
	if ((rc = nl_link_set_netns(&nl, (int)peer, lab_now.ns[LAB_SERVER])) < 0) {
		rc = nl_fail(err, errlen, rc, &nl, "move " LAB_SRV_LINK " to the servers' side",
			     "run probe as root");
		goto out;
	}
	if ((idx = up_by_name(&nl, LAB_LINK, err, errlen)) < 0) {
		rc = idx;
		goto out;
	}
	rc = client_addresses(&nl, idx, err, errlen);
out:
	nl_close(&nl);
	if (rc < 0 || (rc = switch_netns(LAB_SERVER, err, errlen)) < 0)
		return rc;

	if ((rc = nl_open(&nl)) < 0)
		return fail(err, errlen, rc,
			    "cannot open an rtnetlink socket in the lab: %s; run probe as root",
			    strerror(-rc));
	if ((idx = up_by_name(&nl, LAB_SRV_LINK, err, errlen)) < 0)
		rc = idx;
	for (size_t i = 0; rc >= 0 && two_host_server_addrs[i]; i++)
		rc = add_addr(&nl, idx, LAB_SRV_LINK, two_host_server_addrs[i], err, errlen);
	nl_close(&nl);
	if (rc < 0)
		return rc;
	return switch_netns(LAB_CLIENT, err, errlen);
}

int lab_enter_side(lab_side_t side, char *err, size_t errlen)
{
	if (lab_now.topology != LAB_TWO_HOST)
		return 0;
	return switch_netns(side, err, errlen);
}

const char *lab_fakens_arg(size_t i)
{
	const char *const *args =
	    lab_now.topology == LAB_TWO_HOST ? two_host_fakens : one_host_fakens;
	for (size_t k = 0; k < i; k++)
		if (!args[k])
			return NULL;
	return args[i];
}

const char *lab_capture_interface(void)
{
	return lab_now.topology == LAB_TWO_HOST ? LAB_SRV_LINK : "lo";
}

const char *lab_topology_name(lab_topology_t t)
{
	return t == LAB_TWO_HOST ? "two-host" : "one-host";
}

int lab_topology_parse(const char *name)
{
	if (name && strcmp(name, "one-host") == 0)
		return LAB_ONE_HOST;
	if (name && strcmp(name, "two-host") == 0)
		return LAB_TWO_HOST;
	return -1;
}

/* Server n's IPv4 address, as resolv.conf names it. */
static void server_v4(unsigned n, char *out, size_t outlen)
{
	if (lab_now.topology == LAB_TWO_HOST)
		snprintf(out, outlen, "192.0.2.%u", 52 + n);
	else
		snprintf(out, outlen, "127.0.0.%u", n);
}

/* Read-only so that a resolver under test cannot rewrite the lab's record. A remount must
 * repeat the locks the source mount already has (nosuid, nodev ...) or the kernel refuses
 * it inside a user namespace. */
static int bind_file(const char *src, const char *dst, char *err, size_t errlen)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		int e = errno;
		return fail(err, errlen, -e,
			    "cannot mount %s over %s in the lab: %s; run probe as root", src, dst,
			    strerror(e));
	}
	struct statvfs sv;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	if (statvfs(dst, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
		if (sv.f_flag & ST_NOATIME)
			flags |= MS_NOATIME;
		if (sv.f_flag & ST_NODIRATIME)
			flags |= MS_NODIRATIME;
		if (sv.f_flag & ST_RELATIME)
			flags |= MS_RELATIME;
	}
	if (mount(NULL, dst, NULL, flags, NULL) < 0) {
		int e = errno;
		return fail(err, errlen, -e,
			    "cannot make the lab's %s read-only: %s; run probe as root", dst,
			    strerror(e));
	}
	return 0;
}

/* glibc asks nscd before reading resolv.conf; a host nscd would answer from its cache and
 * the lab would see no queries. An empty tmpfs hides its socket in this namespace only. */
static int hide_nscd(char *err, size_t errlen)
{
	static const char *const dirs[] = {"/run/nscd", "/var/run/nscd"};
	struct stat seen = {0};
	int have_seen = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;
		if (stat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (have_seen && st.st_dev == seen.st_dev && st.st_ino == seen.st_ino)
			continue; /* /var/run is usually a link to /run */
		if (mount("tmpfs", dirs[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0755,size=64k") < 0) {
			int e = errno;
			return fail(
			    err, errlen, -e,
			    "cannot hide the host's nscd at %s: %s; stop nscd or run probe as root",
			    dirs[i], strerror(e));
		}
		seen = st;
		have_seen = 1;
	}
	return 0;
}

int lab_resolv_conf(const char *workdir, const char *name, const char *options, unsigned nservers,
		    char *path, size_t pathlen, char *err, size_t errlen)
{
	if (!workdir || !name || nservers < 1 || nservers > LAB_SERVERS)
		return fail(err, errlen, -EINVAL,
			    "bad resolv.conf request; report this as a bug in probe");
	if (options && strpbrk(options, "\r\n"))
		return fail(err, errlen, -EINVAL,
			    "resolver options span more than one line; give them as one line");
	char file[80] = "resolv-", text[512];
	size_t n = strlen(file);
	for (const char *c = name; *c && n < 7 + 48; c++)
		file[n++] = (isalnum((unsigned char)*c) || *c == '-' || *c == '.') ? *c : '_';
	if (nservers > 1)
		n += (size_t)snprintf(file + n, sizeof(file) - n, "-%uns", nservers);
	snprintf(file + n, sizeof(file) - n, ".conf");
	int len = snprintf(text, sizeof(text),
			   "# resolv.conf of a stubprobe lab for %.64s, mounted over "
			   "/etc/resolv.conf for its lookups only\n",
			   name);
	for (unsigned i = 1; i <= nservers && len > 0 && (size_t)len < sizeof(text); i++) {
		char addr[32];
		server_v4(i, addr, sizeof(addr));
		len += snprintf(text + len, sizeof(text) - (size_t)len, "nameserver %s\n", addr);
	}
	if (len > 0 && (size_t)len < sizeof(text) && options && options[0])
		len += snprintf(text + len, sizeof(text) - (size_t)len, "options %s\n", options);
	if (len < 0 || (size_t)len >= sizeof(text))
		return fail(err, errlen, -E2BIG, "resolver options are too long; give fewer");
	return write_record(workdir, file, text, path, pathlen, err, errlen);
}

int lab_enter(const lab_config_t *cfg, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!cfg || !cfg->workdir || !cfg->workdir[0])
		return fail(err, errlen, -EINVAL,
			    "no work directory given for the lab's files; give one");
	const char *opts = cfg->resolv_options;
	if (opts && strpbrk(opts, "\r\n"))
		return fail(err, errlen, -EINVAL,
			    "resolver options span more than one line; give them as one line");

	if (cfg->topology != LAB_ONE_HOST && cfg->topology != LAB_TWO_HOST)
		return fail(err, errlen, -EINVAL,
			    "unknown lab topology; give one-host or two-host");
	lab_now.topology = cfg->topology;

	char resolv[PATH_MAX], nss[PATH_MAX], text[512], ns1[32];
	server_v4(1, ns1, sizeof(ns1));
	if ((size_t)snprintf(
		text, sizeof(text),
		"# resolv.conf of a stubprobe lab, mounted over /etc/resolv.conf in the lab only\n"
		"nameserver %s\n%s%s%s",
		ns1, opts && opts[0] ? "options " : "", opts && opts[0] ? opts : "",
		opts && opts[0] ? "\n" : "") >= sizeof(text))
		return fail(err, errlen, -E2BIG, "resolver options are too long; give fewer");
	int rc =
	    write_record(cfg->workdir, "resolv.conf", text, resolv, sizeof(resolv), err, errlen);
	if (rc < 0)
		return rc;
	/* Only "files" for the databases a resolver touches on the side (user names), so no
	 * host NSS module (sss, systemd, ldap) can stall or answer a lookup. */
	rc = write_record(
	    cfg->workdir, "nsswitch.conf",
	    "# nsswitch.conf of a stubprobe lab, mounted over /etc/nsswitch.conf in the lab only\n"
	    "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
	    nss, sizeof(nss), err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = check_target("/etc/resolv.conf", err, errlen)) < 0 ||
	    (rc = check_target("/etc/nsswitch.conf", err, errlen)) < 0)
		return rc;

	if ((rc = enter_namespaces(err, errlen)) < 0)
		return rc;
	/* From here on nothing may reach the host: mounts stop propagating back. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		int e = errno;
		/* EINVAL: "/" is not a mount point, as inside a plain chroot. */
		if (e == EINVAL)
			return fail(
			    err, errlen, -e,
			    "cannot make the lab's mounts private: / is not a mount point "
			    "(a chroot?); run probe on the machine's own root or in a container "
			    "with a mount namespace of its own");
		return fail(err, errlen, -e,
			    "cannot make the lab's mounts private: %s; run probe as root",
			    strerror(e));
	}
	if ((rc = set_sysctls(err, errlen, 1)) < 0)
		return rc;

	if (cfg->topology == LAB_TWO_HOST) {
		if ((rc = build_two_host(err, errlen)) < 0)
			return rc;
	} else {
		nl_sock_t nl;
		if ((rc = nl_open(&nl)) < 0)
			return fail(
			    err, errlen, rc,
			    "cannot open an rtnetlink socket in the lab: %s; run probe as root",
			    strerror(-rc));
		rc = build_network(&nl, err, errlen);
		nl_close(&nl);
		if (rc < 0)
			return rc;
	}

	if ((rc = set_sysctls(err, errlen, 0)) < 0 ||
	    (rc = bind_file(resolv, "/etc/resolv.conf", err, errlen)) < 0 ||
	    (rc = bind_file(nss, "/etc/nsswitch.conf", err, errlen)) < 0 ||
	    (rc = hide_nscd(err, errlen)) < 0)
		return rc;
	return 0;
}
