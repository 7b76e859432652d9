/* What probe's commands (run, observe, lookup) share at their edges. */
#define _GNU_SOURCE
#include "cmdline.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cmdline_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int cmdline_option_error(const struct option *opts, int c, char **argv, const char *help)
{
	char why[256];
	sp_option_error(why, sizeof(why), opts, c, optopt, argv[optind - 1]);
	return cmdline_fail("%s; see %s", why, help);
}

int cmdline_count(const char *text, unsigned long max, unsigned long *out)
{
	unsigned long v;
	if (sp_parse_uint(text, max, &v) != 0 || v < 1)
		return -1;
	*out = v;
	return 0;
}

void cmdline_stamp(cmdline_stamp_t *s)
{
	time_t now = time(NULL);
	gmtime_r(&now, &s->tm);
	strftime(s->run_id, sizeof(s->run_id), "%Y%m%d-%H%M%S", &s->tm);
	strftime(s->started_utc, sizeof(s->started_utc), "%Y-%m-%dT%H:%M:%SZ", &s->tm);
}
