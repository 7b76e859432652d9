/* sniff internals: the run's options and state, shared by main, capture and output. */
#ifndef SNIFF_H
#define SNIFF_H

#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "analyze.h"
#include "capfile.h"
#include "dissect.h"
#include "pcapng.h"

/* Exit statuses, as the --help text promises them. */
enum { SNIFF_EXIT_CORRECT = 0, SNIFF_EXIT_RACING = 1, SNIFF_EXIT_ERROR = 2 };

/* Skipped frames get a note each up to this many, then only a count at the end. */
#define SNIFF_SKIP_NOTES 10

typedef struct sniff_opts {
	const char *iface;  /* -i: live capture */
	const char *file;   /* -r: offline, "-" = standard input */
	const char *write;  /* -w: annotated pcapng copy of what was read */
	const char *filter; /* -f, or the default built from the port */
	int user_filter;    /* -f given: BPF decides; else, offline, the dissector selects */
	uint16_t port;      /* -p */
	int json;
	int quiet;
	int ready_fd;        /* --ready-fd, -1 when not given */
	unsigned buffer_kib; /* -B: live capture buffer, 0 = libpcap's default */
	uint64_t window_ns;  /* --window: expiry of analysis state, 0 = keep everything */
	int all_trials;      /* --all-trials: the human table lists correct trials too */
	int per_client;      /* --per-client: trials keyed by (client address, name) */
	int default_filter;  /* no -f: the filter may fall back to one without "vlan" */
} sniff_opts_t;

struct story;

/* sniff -r runs on two threads (pipeline.c): what one thread writes for every frame or
 * trial sits on cache lines of its own, away from what the other reads for every frame, or
 * each such write would pull the other's line across. */
#define SNIFF_LINE 64

typedef struct sniff {
	/* Set before the threads start (or while they are in step), read by both: */
	sniff_opts_t o;
	analyzer_t *an;
	dissect_cfg_t cfg;
	int linktype;        /* LINKTYPE_ value of the capture (a file's first interface) */
	char *spool;         /* -r - with -w: the frames read, kept for the second pass */
	struct story *story; /* the evidence as comments; story_trial */
	char filter[512];    /* the default filter, as compiled (see sniff_default_filter) */
	struct sniff_filters *filters; /* -f on a file: compiled per link type */
	int select; /* a file without -f: the dissector selects as the default filter would */
	/* sniff -r on two threads: the trial callback hands its trials to the reading thread
	 * (pipeline_trial); NULL when one thread does everything. */
	struct pipeline *pipe;

	/* Written by the reading thread: */
	/* frames read from the source, filtered out or not */
	uint64_t frames_read __attribute__((aligned(SNIFF_LINE)));
	int failed;      /* the capture broke off with an error, said on stderr: the results
			  * are still printed, then sniff exits 2 */
	int annotated;   /* the -w file was written with its comments */
	int header_done; /* human: the trial table's header is out */
	int out_rc;      /* first error of the callback's output (-errno, SP_ENOMEM) */

	/* Written by the analysing thread: */
	uint64_t skipped __attribute__((aligned(SNIFF_LINE))); /* PKT_SKIPPED frames seen */
	/* Finished trials, counted as they pass through the analyzer's callback (which frees
	 * them): the overall verdict and the human table's footnote rest on these. */
	uint64_t trials, racing, correct, inconclusive, unlisted;
} sniff_t;

/* The default filter: DNS over UDP and TCP on the port, ICMP errors, and the same inside
 * VLAN tags; plain != 0 leaves out the VLAN part (link types where "vlan" does not compile). */
void sniff_default_filter(sniff_t *s, int plain);

/* The analyzer's finished-trial callback (ctx is the sniff_t): the trial's line goes out
 * at once and the trial is freed after it, so memory stays bounded by the window. */
void sniff_on_trial(const trial_t *t, const client_summary_t *c, void *ctx);

/* Capture time in nanoseconds; nano says tv_usec holds nanoseconds. */
uint64_t sniff_ts_ns(const struct timeval *tv, int nano);

/* "sniff: note: ..." on standard error unless -q. */
void sniff_note(const sniff_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sniff: ..." on standard error, always: the one line that explains an exit status 2. */
void sniff_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Dissects one frame of the link type into p; 0 when s->select is set and the default
 * filter passes over it, 1 when the analyzer is to see it. Reads s only, so that it can run
 * on another thread than sniff_analyse. */
int sniff_dissect(const sniff_t *s, int linktype, const uint8_t *data, size_t caplen,
		  size_t wirelen, pkt_t *p);
/* A dissected frame's skip note, then the analyzer (prep from analyzer_prepare). Returns 0,
 * or SP_ENOMEM after it has said so on standard error. */
int sniff_analyse(sniff_t *s, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
		  const analyzer_prep_t *prep);
/* Both: dissects one frame and hands it to the analyzer unless it is passed over. Returns
 * 0, or SP_ENOMEM after it has said so on standard error. */
int sniff_feed(sniff_t *s, uint64_t frame, int linktype, uint64_t ts_ns, const uint8_t *data,
	       size_t caplen, size_t wirelen);

/* -f on a file: 1 when the filter (compiled for the packet's link type and the snap length
 * of its interface, once) passes the packet, 0 when not, -1 after saying why it does not
 * compile. sniff_filters_free frees what it compiled. */
int sniff_filter_pass(sniff_t *s, const capfile_pkt_t *p, uint32_t snaplen);
void sniff_filters_free(sniff_t *s);
/* Adds to w the interfaces of c it lacks, up to and including index upto, so that a packet
 * keeps its interface number and link type; ifname names interface 0. 0 or -errno. */
int sniff_copy_interfaces(pcapng_writer_t *w, const capfile_t *c, uint32_t upto,
			  const char *ifname);

/* Read the whole source into s->an. Return 0 (s->failed may be set), or -1 after printing
 * why nothing could be read. */
int capture_offline(sniff_t *s);
int capture_live(sniff_t *s);

/* The evidence of one finished trial: its frames for the display filter (the first ones
 * only: memory stays bounded) and, with -w, its comments per frame. Returns 0 or
 * SP_ENOMEM; free with story_free in any case. */
int story_trial(sniff_t *s, const trial_t *t);
/* After the last trial: builds the display filter. Returns 0 or SP_ENOMEM. */
int story_done(sniff_t *s);
void story_free(sniff_t *s);
/* Reads src (the capture the analysis came from, every frame in the same order) and writes
 * dst as pcapng with the comments, through a temporary file renamed at the end; queries of
 * trials with evidence get a comment too. Returns 0, or -1 after saying why. */
int story_write(sniff_t *s, const char *src, const char *dst);
/* "frame.number in {...}" or NULL when there is no evidence; *frames = distinct frames it
 * stands for (it lists at most the first 200: story_listed_all). */
const char *story_filter(const sniff_t *s, uint64_t *frames);
int story_listed_all(const sniff_t *s);
uint64_t story_comments(const sniff_t *s);
int story_has_notes(const sniff_t *s);

/* One finished trial: human, its row (racing, inconclusive or with refusals, or any with
 * --all-trials) and evidence; --json, its trial line. Returns 0, -errno or SP_ENOMEM. */
int output_trial(sniff_t *s, const trial_t *t, FILE *out);
/* Whether output_trial prints anything for t: --json, or a trial the table lists (every one
 * with evidence among them). */
int output_listed(const sniff_t *s, const trial_t *t);
/* What follows the trials: the client table (or lines), the display filter and the summary
 * (analyzer_flush and analyzer_finish already called). Return 0, or -errno when out could
 * not be written. */
int output_human(const sniff_t *s, FILE *out);
int output_json(const sniff_t *s, FILE *out);
/* Live: one line per client whose verdict (or the completeness of its evidence) changed
 * since the last call; s->an finished just before. Returns 0 or -errno / SP_ENOMEM. */
int output_live_updates(sniff_t *s, FILE *out);
void output_live_free(void);
/* Verdicts may rest on incomplete evidence: the capture dropped packets. */
int output_incomplete(const analyzer_t *an);

/* racing if any trial races; correct if any is correct; inconclusive otherwise (also when
 * there is no trial at all). The same rule as a client summary's verdict. */
enum verdict output_overall(const sniff_t *s);

#endif
