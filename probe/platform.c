/* The platform a run was made on, and what the host's own resolver configuration routes. */
#define _GNU_SOURCE
#include "report.h"

#include <ares.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <gnu/libc-version.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeutil.h"

#define FILE_MAX 65536 /* more of /etc/resolv.conf or nsswitch.conf than anyone writes */

/* The first FILE_MAX bytes of a file, NUL-terminated (free it); NULL when unreadable. */
static char *read_small(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, FILE_MAX, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* Appends word to a space-separated list in out, silently cut at outlen. */
static void add_word(char *out, size_t outlen, const char *word, size_t len)
{
	size_t used = strlen(out);
	if (used + (used ? 1 : 0) + len + 1 > outlen)
		return;
	snprintf(out + used, outlen - used, "%s%.*s", used ? " " : "", (int)len, word);
}

/* Each line of text in turn, comments (# or ;) cut off; returns the next line or NULL. */
static const char *next_line(const char **pos, size_t *len)
{
	const char *p = *pos;
	if (!p || !*p)
		return NULL;
	const char *nl = strchr(p, '\n');
	size_t l = nl ? (size_t)(nl - p) : strlen(p);
	*pos = nl ? nl + 1 : p + l;
	size_t c = strcspn(p, "#;\n");
	*len = c < l ? c : l;
	return p;
}

/* Words of line[0..len) after skip bytes, each passed to add_word. */
static void add_words(char *out, size_t outlen, const char *line, size_t len, size_t skip)
{
	for (size_t i = skip; i < len;) {
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		size_t start = i;
		while (i < len && !isspace((unsigned char)line[i]))
			i++;
		if (i > start)
			add_word(out, outlen, line + start, i - start);
	}
}

static int has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += wl)
		if ((p == list || p[-1] == ' ') && (p[wl] == 0 || p[wl] == ' ' || p[wl] == ':'))
			return 1;
	return 0;
}

/* Index of a source in the hosts line, counting sources only (not [action] words); -1. */
static int source_at(const char *hosts, const char *name)
{
	int i = 0;
	for (const char *p = hosts; *p;) {
		size_t l = strcspn(p, " ");
		if (p[0] != '[') {
			if (strlen(name) == l && strncmp(p, name, l) == 0)
				return i;
			i++;
		}
		p += l;
		p += strspn(p, " ");
	}
	return -1;
}

static int is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* Appends a sentence to p->routes. */
static void say(report_platform_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(report_platform_t *p, const char *fmt, ...)
{
	size_t used = strlen(p->routes);
	if (used + 2 >= sizeof(p->routes))
		return;
	if (used)
		p->routes[used++] = ' ', p->routes[used] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->routes + used, sizeof(p->routes) - used, fmt, ap);
	va_end(ap);
}

/* The glibc variant whose resolv.conf options match the host's. */
static const char *glibc_row(const char *options)
{
	if (has_word(options, "use-vc"))
		return "glibc-use-vc";
	if (has_word(options, "single-request-reopen"))
		return "glibc-single-request-reopen";
	if (has_word(options, "single-request"))
		return "glibc-single-request";
	return "glibc";
}

void report_platform_host(report_platform_t *p, const char *nsswitch, const char *resolv,
			  int nscd_running)
{
	const char *pos, *line;
	size_t len;
	int have_hosts = 0;

	p->nsswitch_hosts[0] = p->nameservers[0] = p->host_options[0] = p->local_stub[0] = 0;
	p->routes[0] = 0;
	p->nscd_running = nscd_running;
	for (pos = nsswitch; !have_hosts && (line = next_line(&pos, &len));) {
		size_t lead = strspn(line, " \t");
		if (len >= lead + 6 && strncmp(line + lead, "hosts:", 6) == 0) {
			add_words(p->nsswitch_hosts, sizeof(p->nsswitch_hosts), line, len,
				  lead + 6);
			have_hosts = 1;
		}
	}
	for (pos = resolv; (line = next_line(&pos, &len));) {
		size_t lead = strspn(line, " \t");
		if (len >= lead + 11 && strncmp(line + lead, "nameserver", 10) == 0 &&
		    isspace((unsigned char)line[lead + 10]))
			add_words(p->nameservers, sizeof(p->nameservers), line, len, lead + 10);
		else if (len >= lead + 8 && strncmp(line + lead, "options", 7) == 0 &&
			 isspace((unsigned char)line[lead + 7]))
			add_words(p->host_options, sizeof(p->host_options), line, len, lead + 7);
	}
	for (const char *ns = p->nameservers; *ns;) {
		size_t l = strcspn(ns, " ");
		char addr[64];
		snprintf(addr, sizeof(addr), "%.*s", (int)l, ns);
		if (is_loopback(addr)) {
			snprintf(p->local_stub, sizeof(p->local_stub), "%s", addr);
			break;
		}
		ns += l;
		ns += strspn(ns, " ");
	}

	/* What a program that calls getaddrinfo on this host meets, in the lab's terms. */
	int dns = source_at(p->nsswitch_hosts, "dns"),
	    resolve = source_at(p->nsswitch_hosts, "resolve");
	if (!nsswitch)
		say(p, "/etc/nsswitch.conf could not be read, so where glibc programs send their "
		       "lookups is not known.");
	else if (!have_hosts)
		say(p, "/etc/nsswitch.conf has no hosts line, so glibc programs use glibc's DNS "
		       "resolver (its default, dns then files).");
	if (have_hosts && dns < 0)
		say(p,
		    "The hosts line (%s) has no dns source: glibc programs do not use glibc's "
		    "DNS resolver, and the glibc rows do not describe their lookups.",
		    p->nsswitch_hosts);
	else if (have_hosts && resolve >= 0 && resolve < dns)
		say(p,
		    "The hosts line (%s) asks systemd-resolved (nss-resolve) before dns: glibc "
		    "programs reach glibc's DNS resolver only when systemd-resolved is not "
		    "running, so the glibc rows describe them only then.",
		    p->nsswitch_hosts);
	if (nscd_running)
		say(p, "nscd is running: glibc programs take its cached answers and it looks "
		       "names up itself with glibc's resolver, so the glibc rows describe nscd's "
		       "lookups on a cache miss.");
	if (p->local_stub[0])
		say(p,
		    "/etc/resolv.conf points at a local stub (%s): glibc's queries go to that "
		    "stub, which asks the network itself; the lab's rows describe the "
		    "application's side of that exchange, not the stub's.",
		    p->local_stub);
	else if (resolv && p->nameservers[0])
		say(p, "/etc/resolv.conf sends queries straight to %s.", p->nameservers);
	else if (resolv)
		say(p, "/etc/resolv.conf names no nameserver (glibc then asks 127.0.0.1).");
	else
		say(p, "/etc/resolv.conf could not be read.");
	if (resolv)
		say(p, "Its options (%s) make %s the glibc row that applies.",
		    p->host_options[0] ? p->host_options : "none", glibc_row(p->host_options));
	say(p, "Programs with a resolver of their own (c-ares, musl, Go) read /etc/resolv.conf "
	       "themselves; nsswitch.conf and nscd do not apply to them.");
}

/* musl's dynamic loader run without arguments says "Version 1.2.3" on standard error. */
static void musl_version(char *out, size_t outlen)
{
	glob_t g;
	out[0] = 0;
	if (glob("/lib/ld-musl-*.so.1", 0, NULL, &g) != 0)
		return;
	int pfd[2];
	if (g.gl_pathc == 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		globfree(&g);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execl(g.gl_pathv[0], g.gl_pathv[0], (char *)NULL);
		_exit(127);
	}
	globfree(&g);
	close(pfd[1]);
	char buf[512];
	size_t have = 0;
	uint64_t deadline = sp_mono_ns() + 1000000000ULL;
	while (pid > 0 && have < sizeof(buf) - 1) {
		uint64_t now = sp_mono_ns();
		struct pollfd q = {pfd[0], POLLIN, 0};
		if (now >= deadline || poll(&q, 1, (int)((deadline - now) / 1000000ULL) + 1) <= 0)
			break;
		ssize_t got = read(pfd[0], buf + have, sizeof(buf) - 1 - have);
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	buf[have] = 0;
	close(pfd[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	const char *v = strstr(buf, "Version ");
	if (v)
		snprintf(out, outlen, "%.*s", (int)strcspn(v + 8, " \r\n"), v + 8);
}

static int nscd_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	while (d && !found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f))
			found = strcmp(comm, "nscd\n") == 0;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

void report_platform_collect(report_platform_t *p)
{
	memset(p, 0, sizeof(*p));
	p->known = 1;
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(p->kernel, sizeof(p->kernel), "%.30s %.32s", u.sysname, u.release);
		snprintf(p->kernel_version, sizeof(p->kernel_version), "%.159s", u.version);
		snprintf(p->machine, sizeof(p->machine), "%.31s", u.machine);
	}
	char *os = read_small("/etc/os-release");
	const char *pos = os, *line;
	size_t len;
	while ((line = next_line(&pos, &len))) {
		if (len > 12 && strncmp(line, "PRETTY_NAME=", 12) == 0) {
			const char *v = line + 12;
			size_t vl = len - 12;
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
				v++, vl -= 2;
			snprintf(p->os, sizeof(p->os), "%.*s", (int)vl, v);
		}
	}
	free(os);
	snprintf(p->libc, sizeof(p->libc), "glibc");
	snprintf(p->libc_version, sizeof(p->libc_version), "%s", gnu_get_libc_version());
	snprintf(p->cares_version, sizeof(p->cares_version), "%s", ares_version(NULL));
	musl_version(p->musl_version, sizeof(p->musl_version));
	char *nss = read_small("/etc/nsswitch.conf"), *resolv = read_small("/etc/resolv.conf");
	report_platform_host(p, nss, resolv, nscd_running());
	free(nss);
	free(resolv);
}

static json_t *text_or_null(const char *s) { return s[0] ? json_string(s) : json_null(); }

static json_t *words(const char *list)
{
	json_t *a = json_array();
	for (const char *p = list; a && *p;) {
		size_t l = strcspn(p, " ");
		json_array_append_new(a, json_stringn(p, l));
		p += l;
		p += strspn(p, " ");
	}
	return a;
}

json_t *report_platform_json(const report_platform_t *p)
{
	/* json_pack steals the references and fails as a whole (NULL) when any is NULL. */
	return json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:b, "
	    "s:o}}",
	    "os", text_or_null(p->os), "kernel", text_or_null(p->kernel), "kernel_version",
	    text_or_null(p->kernel_version), "machine", text_or_null(p->machine), "libc",
	    text_or_null(p->libc), "libc_version", text_or_null(p->libc_version), "c_ares_version",
	    text_or_null(p->cares_version), "musl_version", text_or_null(p->musl_version), "host",
	    "nsswitch_hosts", text_or_null(p->nsswitch_hosts), "nameservers", words(p->nameservers),
	    "options", words(p->host_options), "local_stub", text_or_null(p->local_stub),
	    "nscd_running", p->nscd_running, "routes", text_or_null(p->routes));
}

/* label, then value for Markdown, or dflt when value is "". */
static void md_field(FILE *f, const char *label, const char *value, const char *dflt)
{
	fputs(label, f);
	report_put_md(value[0] ? value : dflt, f);
}

void report_platform_markdown(const report_platform_t *p, FILE *f)
{
	md_field(f, "- OS: ", p->os, "unknown");
	md_field(f, "\n- kernel: ", p->kernel, "unknown");
	md_field(f, " (", p->kernel_version, "unknown");
	md_field(f, ") ", p->machine, "");
	md_field(f, "\n- libraries: ", p->libc, "unknown");
	md_field(f, " ", p->libc_version, "unknown");
	md_field(f, ", c-ares ", p->cares_version, "unknown");
	md_field(f, ", musl ", p->musl_version, "not installed");
	md_field(f, "\n- this host's /etc/nsswitch.conf hosts: ", p->nsswitch_hosts,
		 "(no hosts line)");
	md_field(f, "\n- this host's /etc/resolv.conf: nameservers ", p->nameservers, "(none)");
	md_field(f, "; options ", p->host_options, "(none)");
	md_field(f, "; local stub: ", p->local_stub, "no");
	fprintf(f, "; nscd: %s\n", p->nscd_running ? "running" : "not running");
	md_field(f, "- what applications on this host meet: ", p->routes, "");
	fputc('\n', f);
}
