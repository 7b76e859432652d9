/* What probe's commands (run, observe, lookup) share at their edges: the one-line error, the
 * refused option, whole-number values, the run's name. */
#ifndef SP_PROBE_CMDLINE_H
#define SP_PROBE_CMDLINE_H

#include <time.h>

struct option;

/* "probe: " and the sentence on standard error, one line. Returns 2, the exit status of a
 * bad command line or an error. */
int cmdline_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The option getopt_long just refused (c is what it returned, with ':' first in the
 * optstring and opterr 0), as cmdline_fail's line ending in "; see HELP". Returns 2. */
int cmdline_option_error(const struct option *opts, int c, char **argv, const char *help);

/* 0 and the value in *out when text is a whole number from 1 to max, else -1. */
int cmdline_count(const char *text, unsigned long max, unsigned long *out);

/* A run's name and start, from the clock now. */
typedef struct cmdline_stamp {
	struct tm tm;         /* UTC */
	char run_id[32];      /* yyyymmdd-hhmmss */
	char started_utc[32]; /* yyyy-mm-ddThh:mm:ssZ */
} cmdline_stamp_t;

void cmdline_stamp(cmdline_stamp_t *s);

#endif
