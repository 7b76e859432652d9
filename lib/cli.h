/* Small pieces the programs share at their edges: option numbers and the readiness pipe. */
#ifndef SP_CLI_H
#define SP_CLI_H

#include <stddef.h>

/* A decimal option value: digits only (no sign, no spaces, nothing after), at most max.
 * Returns 0, SP_ESYNTAX (not a number) or SP_ERANGE (above max). */
int sp_parse_uint(const char *text, unsigned long max, unsigned long *out);

/* Tells a harness waiting on fd that the program is ready: writes "ready\n" and closes fd
 * (closed on failure too). Returns 0 or -errno (-EIO for a short write). */
int sp_ready_signal(int fd);

struct option;

/* What was wrong with the option getopt_long just refused, as "option '--x' needs a value",
 * "option '--x' takes no value", "option '--li' is ambiguous (--listen, --list-scenarios)" or
 * "unknown option '-x'", into out (always terminated). c is what getopt_long returned (':'
 * or '?', with ':' first in optstring and opterr 0), arg is argv[optind - 1], opts the table
 * given to getopt_long, opt its optopt. */
void sp_option_error(char *out, size_t outlen, const struct option *opts, int c, int opt,
		     const char *arg);

#endif
