/* The lab: private network and mount namespaces with a dual-stack look and their own resolver files. */
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
		return fail(err, errlen, -e, "cannot write %s: %s; give an existing, writable work directory",
			    path, strerror(e));
	}
	/* Resolvers read these as whatever user they run as. */
	int rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, text);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		return fail(err, errlen, rc, "cannot write %s: %s; check the work directory's file system",
			    path, strerror(-rc));
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
				    "%s is not a regular file; the lab mounts its own file over it, so make it one and run probe again",
				    path);
		return 0;
	}
	int e = errno;
	char link[PATH_MAX];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n >= 0) {
		link[n] = '\0';
		return fail(err, errlen, -e,
			    "%s is a dangling symlink to %s (%s); create the file it points to (or start the service that makes it) and run probe again",
			    path, link, strerror(e));
	}
	if (e == ENOENT)
		return fail(err, errlen, -e,
			    "%s does not exist; create it (an empty file will do, the lab mounts its own over it in its namespace only) and run probe again",
			    path);
	return fail(err, errlen, -e, "cannot check %s: %s; make it readable and run probe again", path,
		    strerror(e));
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
			    "cannot create a network namespace: %s; run probe single-threaded on a kernel with network namespaces (CONFIG_NET_NS)",
			    strerror(e));
	/* Not privileged: a user namespace made in the same call owns the other two, and
	 * inside it this process may configure them. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0) {
		int ue = errno;
		return fail(err, errlen, -e,
			    "cannot create a network namespace: %s, and no user namespace to make one in (%s); run probe as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone where it exists)",
			    strerror(e), strerror(ue));
	}
	int rc = map_ids(uid, gid);
	if (rc < 0)
		return fail(err, errlen, rc,
			    "cannot map user %u into the lab's user namespace: %s; run probe as root",
			    (unsigned)uid, strerror(-rc));
	return 0;
}

static int nl_fail(char *err, size_t errlen, int rc, const nl_sock_t *nl, const char *what,
		   const char *todo)
{
	return fail(err, errlen, rc, "cannot %s: %s%s%s%s; %s", what, strerror(-rc),
		    nl->ext_msg[0] ? " (kernel: " : "", nl->ext_msg, nl->ext_msg[0] ? ")" : "", todo);
}

static int up_by_name(nl_sock_t *nl, const char *name, char *err, size_t errlen)
{
	unsigned idx = if_nametoindex(name);
	if (!idx) {
		int e = errno;
		return fail(err, errlen, -e, "cannot find interface %s in the lab: %s; report this as a bug in probe's lab",
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
		return nl_fail(err, errlen, rc, nl, "create the lab interface " LAB_LINK,
			       "the kernel needs dummy or veth interfaces (CONFIG_DUMMY or CONFIG_VETH)");
	int idx = up_by_name(nl, LAB_LINK, err, errlen);
	if (idx < 0)
		return idx;
	if (veth && (rc = up_by_name(nl, LAB_PEER, err, errlen)) < 0)
		return rc;

	struct in_addr v4;
	struct in6_addr v6;
	inet_pton(AF_INET, "192.0.2.1", &v4);
	inet_pton(AF_INET6, "2001:db8::1", &v6);
	if ((rc = nl_addr_add(nl, idx, AF_INET, &v4, 24, 0)) < 0)
		return nl_fail(err, errlen, rc, nl, "add 192.0.2.1/24 to " LAB_LINK,
			       "report this as a bug in probe's lab");
	/* NODAD: a tentative address is invisible to AI_ADDRCONFIG for a second or more. */
	if ((rc = nl_addr_add(nl, idx, AF_INET6, &v6, 64, IFA_F_NODAD)) < 0)
		return nl_fail(err, errlen, rc, nl, "add 2001:db8::1/64 to " LAB_LINK,
			       "the lab needs IPv6: check that it is not disabled (ipv6.disable=1, disable_ipv6)");
	if ((rc = nl_route_add_default(nl, AF_INET, idx)) < 0)
		return nl_fail(err, errlen, rc, nl, "add the default IPv4 route via " LAB_LINK,
			       "report this as a bug in probe's lab");
	if ((rc = nl_route_add_default(nl, AF_INET6, idx)) < 0)
		return nl_fail(err, errlen, rc, nl, "add the default IPv6 route via " LAB_LINK,
			       "report this as a bug in probe's lab");
	return 0;
}

/* Per-namespace sysctls. /proc/sys/net shows the namespace of the process that opens it. */
static int set_sysctls(char *err, size_t errlen, int before_links)
{
	static const char *const early[] = {
		/* A host that disables IPv6 by default would hand that to new interfaces. */
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
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
			    "IPv6 is disabled in this kernel and the lab needs it to look dual-stack; boot without ipv6.disable=1");
	for (const char *const *p = before_links ? early : late; *p; p++) {
		int rc = write_proc(*p, "0");
		if (rc < 0)
			return fail(err, errlen, rc, "cannot set %s to 0 in the lab: %s; run probe as root",
				    *p, strerror(-rc));
	}
	return 0;
}

/* Read-only so that a resolver under test cannot rewrite the lab's record. A remount must
 * repeat the locks the source mount already has (nosuid, nodev ...) or the kernel refuses
 * it inside a user namespace. */
static int bind_file(const char *src, const char *dst, char *err, size_t errlen)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		int e = errno;
		return fail(err, errlen, -e, "cannot mount %s over %s in the lab: %s; run probe as root",
			    src, dst, strerror(e));
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
		return fail(err, errlen, -e, "cannot make the lab's %s read-only: %s; run probe as root",
			    dst, strerror(e));
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
			return fail(err, errlen, -e, "cannot hide the host's nscd at %s: %s; stop nscd or run probe as root",
				    dirs[i], strerror(e));
		}
		seen = st;
		have_seen = 1;
	}
	return 0;
}

int lab_resolv_conf(const char *workdir, const char *name, const char *options,
		    unsigned nservers, char *path, size_t pathlen, char *err, size_t errlen)
{
	if (!workdir || !name || nservers < 1 || nservers > LAB_SERVERS)
		return fail(err, errlen, -EINVAL, "bad resolv.conf request; report this as a bug in probe");
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
			   "# resolv.conf of a stubprobe lab for %.64s, mounted over /etc/resolv.conf for its lookups only\n",
			   name);
	for (unsigned i = 1; i <= nservers && len > 0 && (size_t)len < sizeof(text); i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "nameserver 127.0.0.%u\n", i);
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
		return fail(err, errlen, -EINVAL, "no work directory given for the lab's files; give one");
	const char *opts = cfg->resolv_options;
	if (opts && strpbrk(opts, "\r\n"))
		return fail(err, errlen, -EINVAL,
			    "resolver options span more than one line; give them as one line");

	char resolv[PATH_MAX], nss[PATH_MAX], text[512];
	if ((size_t)snprintf(text, sizeof(text),
			     "# resolv.conf of a stubprobe lab, mounted over /etc/resolv.conf in the lab only\n"
			     "nameserver 127.0.0.1\n%s%s%s",
			     opts && opts[0] ? "options " : "", opts && opts[0] ? opts : "",
			     opts && opts[0] ? "\n" : "") >= sizeof(text))
		return fail(err, errlen, -E2BIG, "resolver options are too long; give fewer");
	int rc = write_record(cfg->workdir, "resolv.conf", text, resolv, sizeof(resolv), err, errlen);
	if (rc < 0)
		return rc;
	/* Only "files" for the databases a resolver touches on the side (user names), so no
	 * host NSS module (sss, systemd, ldap) can stall or answer a lookup. */
	rc = write_record(cfg->workdir, "nsswitch.conf",
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
			return fail(err, errlen, -e,
				    "cannot make the lab's mounts private: / is not a mount point "
				    "(a chroot?); run probe on the machine's own root or in a container "
				    "with a mount namespace of its own");
		return fail(err, errlen, -e, "cannot make the lab's mounts private: %s; run probe as root",
			    strerror(e));
	}
	if ((rc = set_sysctls(err, errlen, 1)) < 0)
		return rc;

	nl_sock_t nl;
	if ((rc = nl_open(&nl)) < 0)
		return fail(err, errlen, rc, "cannot open an rtnetlink socket in the lab: %s; run probe as root",
			    strerror(-rc));
	rc = build_network(&nl, err, errlen);
	nl_close(&nl);
	if (rc < 0)
		return rc;

	if ((rc = set_sysctls(err, errlen, 0)) < 0 ||
	    (rc = bind_file(resolv, "/etc/resolv.conf", err, errlen)) < 0 ||
	    (rc = bind_file(nss, "/etc/nsswitch.conf", err, errlen)) < 0 ||
	    (rc = hide_nscd(err, errlen)) < 0)
		return rc;
	return 0;
}
