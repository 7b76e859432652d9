/* sniff internals: the run's options and state, shared by main, capture and output. */
#ifndef SNIFF_H
#define SNIFF_H

#include <stdint.h>
#include <stdio.h>

#include "analyze.h"
#include "dissect.h"

/* Exit statuses, as the --help text promises them. */
enum { SNIFF_EXIT_CORRECT = 0, SNIFF_EXIT_RACING = 1, SNIFF_EXIT_ERROR = 2 };

/* Skipped frames get a note each up to this many, then only a count at the end. */
#define SNIFF_SKIP_NOTES 10

typedef struct sniff_opts {
	const char *iface;  /* -i: live capture */
	const char *file;   /* -r: offline, "-" = standard input */
	const char *write;  /* -w: pcapng copy of a live capture */
	const char *filter; /* -f, or the default built from the port */
	uint16_t port;      /* -p */
	int json;
	int quiet;
	int ready_fd; /* --ready-fd, -1 when not given */
} sniff_opts_t;

typedef struct sniff {
	sniff_opts_t o;
	analyzer_t *an;
	dissect_cfg_t cfg;
	int linktype;         /* LINKTYPE_ value of the capture */
	uint64_t frames_read; /* frames read from the source, filtered out or not */
	uint64_t skipped;     /* PKT_SKIPPED frames seen */
	int failed;           /* the capture broke off with an error, said on stderr: the results
			       * are still printed, then sniff exits 2 */
} sniff_t;

/* "sniff: note: ..." on standard error unless -q. */
void sniff_note(const sniff_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sniff: ..." on standard error, always: the one line that explains an exit status 2. */
void sniff_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Dissects one frame and hands it to the analyzer. Returns 0, or SP_ENOMEM after it has
 * said so on standard error. */
int sniff_feed(sniff_t *s, uint64_t frame, uint64_t ts_ns, const uint8_t *data, size_t caplen,
	       size_t wirelen);

/* Read the whole source into s->an. Return 0 (s->failed may be set), or -1 after printing
 * why nothing could be read. */
int capture_offline(sniff_t *s);
int capture_live(sniff_t *s);

/* Print the analysis of s->an (analyzer_finish already called). Return 0, or -errno when
 * out could not be written. */
int output_human(const sniff_t *s, FILE *out);
int output_json(const sniff_t *s, FILE *out);

/* racing if any trial races; correct if any is correct; inconclusive otherwise (also when
 * there is no trial at all). The same rule as a client summary's verdict. */
enum verdict output_overall(const analyzer_t *an);

#endif
