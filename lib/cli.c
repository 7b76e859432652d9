/* Option numbers and the readiness pipe shared by fakens, sniff and probe. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

int sp_parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	/* strtoul alone would take "-1", " 7" and "+7". */
	if (text[0] < '0' || text[0] > '9')
		return SP_ESYNTAX;
	errno = 0;
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (*end)
		return SP_ESYNTAX;
	if (errno == ERANGE || v > max)
		return SP_ERANGE;
	*out = v;
	return 0;
}

int sp_ready_signal(int fd)
{
	static const char ready[] = "ready\n";
	ssize_t n;
	do
		n = write(fd, ready, sizeof ready - 1);
	while (n < 0 && errno == EINTR);
	int rc = n < 0 ? -errno : n != (ssize_t)(sizeof ready - 1) ? -EIO : 0;
	close(fd);
	return rc;
}

void sp_option_error(char *out, size_t outlen, const struct option *opts, int c, int opt,
		     const char *arg)
{
	if (!arg || strncmp(arg, "--", 2) != 0 || !arg[2]) {
		/* A short option: arg may be a cluster ("-qZ") or, when the bad letter is not
		 * the cluster's last, the argument before it; opt (getopt's optopt) is the letter
		 * itself. */
		if (c == ':')
			snprintf(out, outlen, "option '-%c' needs a value", opt);
		else
			snprintf(out, outlen, "unknown option '-%c'",
				 opt > 0 && opt < 256 ? opt : '?');
		return;
	}
	const char *name = arg + 2;
	int len = (int)strcspn(name, "=");
	if (c == ':') {
		snprintf(out, outlen, "option '--%.*s' needs a value", len, name);
		return;
	}
	/* getopt_long sets optopt (opt) to the option's value for a value given to a flag, and to 0
	 * for a name it does not know or cannot decide on. */
	size_t n = 0, matches = 0;
	const struct option *exact = NULL;
	for (const struct option *o = opts; o && o->name; o++) {
		if (strncmp(o->name, name, (size_t)len) != 0)
			continue;
		if ((int)strlen(o->name) == len)
			exact = o;
		matches++;
	}
	if (opt != 0 || (exact && name[len] == '=')) {
		const char *full = name;
		int flen = len;
		for (const struct option *o = opts; !exact && o && o->name; o++)
			if (strncmp(o->name, name, (size_t)len) == 0 && o->val == opt) {
				full = o->name;
				flen = (int)strlen(o->name);
			}
		if (exact) {
			full = exact->name;
			flen = len;
		}
		snprintf(out, outlen, "option '--%.*s' takes no value", flen, full);
		return;
	}
	if (matches < 2) {
		snprintf(out, outlen, "unknown option '--%.*s'", len, name);
		return;
	}
	n = (size_t)snprintf(out, outlen, "option '--%.*s' is ambiguous (", len, name);
	const char *sep = "";
	for (const struct option *o = opts; o->name && n < outlen; o++) {
		if (strncmp(o->name, name, (size_t)len) != 0)
			continue;
		n += (size_t)snprintf(out + n, outlen - n, "%s--%s", sep, o->name);
		sep = ", ";
	}
	if (n < outlen)
		snprintf(out + n, outlen - n, ")");
}
