/* sniff: DNS capture analyser; command line, the feed from capture to analyzer, exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "pipeline.h"
#include "sniff.h"
#include "sp_config.h"

static const char usage_text[] =
    "usage:\n"
    "  sniff -i IFACE [options]     capture live on IFACE until SIGINT/SIGTERM\n"
    "  sniff -r FILE [options]      read a pcap or pcapng file (\"-\" = standard input)\n"
    "    -w FILE        also write every packet read to FILE as pcapng, with a comment on\n"
    "                   each packet of evidence (live: commented when the capture ends)\n"
    "    -f FILTER      BPF filter (default: DNS over UDP and TCP, ICMP and ICMPv6, also in\n"
    "                   VLAN tags; port from -p)\n"
    "    -p, --port N   DNS port (default 53)\n"
    "        --json     JSON lines on standard output instead of the tables\n"
    "        --window SECONDS  forget a query, answer or trial quiet this long (default\n"
    "                   30; 0 keeps everything: memory then grows with the capture)\n"
    "        --all-trials  list every trial in the table, not only racing, inconclusive\n"
    "                   and refused ones\n"
    "        --per-client  a trial is a name asked by one client address, not a name:\n"
    "                   for many clients asking the same names (probe observe)\n"
    "        --ready-fd N  live: write \"ready\\n\" to descriptor N once capture is active, "
    "close it\n"
    "    -B, --buffer-size KIB  live: kernel capture buffer in KiB (default libpcap's)\n"
    "    -q, --quiet    no progress/notes on standard error\n"
    "    -h, --help / -V, --version\n"
    "  Exit 0 when no trial races, 1 when one does, 2 on error.\n";

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	/* One write per line keeps notes whole when stderr is shared with other programs. */
	char line[1024];
	int n = snprintf(line, sizeof line, "sniff: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void sniff_note(const sniff_t *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o.quiet)
		return;
	va_start(ap, fmt);
	vsay("note: ", fmt, ap);
	va_end(ap);
}

void sniff_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

int sniff_dissect(const sniff_t *s, int linktype, const uint8_t *data, size_t caplen,
		  size_t wirelen, pkt_t *p)
{
	/* A link type the dissector refuses was turned away before the first frame (a later
	 * interface of one had a note), and a malformed frame comes back as PKT_SKIPPED, so the
	 * return value adds nothing here. */
	if (s->select) {
		(void)dissect_packet_select(&s->cfg, linktype, data, caplen, wirelen, p);
		/* Passed over as a BPF filter would: counted as read, never analysed. */
		return p->selected != PKT_SEL_NO;
	}
	(void)dissect_packet(&s->cfg, linktype, data, caplen, wirelen, p);
	return 1;
}

int sniff_analyse(sniff_t *s, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
		  const analyzer_prep_t *prep)
{
	int rc;

	if (p->kind == PKT_SKIPPED) {
		s->skipped++;
		if (s->skipped <= SNIFF_SKIP_NOTES)
			sniff_note(s, "frame %" PRIu64 " skipped (%s)", frame,
				   p->note ? p->note : "not analysable");
	}
	rc = analyzer_add_prepared(s->an, frame, ts_ns, p, prep);
	if (rc < 0) {
		sniff_error("cannot keep frame %" PRIu64 ": %s; analyse a smaller capture "
			    "(split it with editcap -c)",
			    frame, sp_strerror(rc));
		return rc;
	}
	return 0;
}

int sniff_feed(sniff_t *s, uint64_t frame, int linktype, uint64_t ts_ns, const uint8_t *data,
	       size_t caplen, size_t wirelen)
{
	analyzer_prep_t prep;
	pkt_t p;

	if (!sniff_dissect(s, linktype, data, caplen, wirelen, &p))
		return 0;
	analyzer_prepare(s->an, &p, &prep);
	return sniff_analyse(s, frame, ts_ns, &p, &prep);
}

void sniff_default_filter(sniff_t *s, int plain)
{
	char x[96];

	snprintf(x, sizeof x, "udp port %u or tcp port %u or icmp or icmp6", (unsigned)s->o.port,
		 (unsigned)s->o.port);
	/* BPF's udp and tcp look past no VLAN tag. "vlan" moves the offsets of everything
	 * after it, even across "or", so it comes last, with a second "vlan" inside for QinQ;
	 * for the same reason "pppoes" or "mpls" cannot follow it (docs/sniff.md). */
	if (plain)
		snprintf(s->filter, sizeof s->filter, "%s", x);
	else
		snprintf(s->filter, sizeof s->filter, "%s or (vlan and (%s or (vlan and (%s))))", x,
			 x, x);
	s->o.filter = s->filter;
}

void sniff_on_trial(const trial_t *t, const client_summary_t *c, void *ctx)
{
	sniff_t *s = ctx;
	int rc;

	(void)c; /* the client lines come at the end, and live from the timer */
	s->trials++;
	if (t->verdict == VERDICT_RACING)
		s->racing++;
	else if (t->verdict == VERDICT_CORRECT)
		s->correct++;
	else
		s->inconclusive++;
	if (s->pipe) {
		/* The reading thread prints it, and keeps s->out_rc; an unlisted trial is only
		 * counted. */
		if (output_listed(s, t))
			(void)pipeline_trial(s->pipe, t);
		else
			s->unlisted++;
		return;
	}
	if (s->out_rc < 0)
		return;
	rc = story_trial(s, t);
	if (rc == 0)
		rc = output_trial(s, t, stdout);
	/* Live, a reader on a pipe sees each trial when it finishes. */
	if (rc == 0 && s->o.iface && fflush(stdout) != 0)
		rc = errno ? -errno : -EIO;
	if (rc < 0)
		s->out_rc = rc;
}

/* The callback cannot stop the analyzer; the feed stops at the next frame. */
static int output_failed(const sniff_t *s)
{
	if (s->out_rc == SP_ENOMEM)
		sniff_error("cannot keep the evidence: out of memory; analyse a smaller capture "
			    "or leave out -w");
	else
		sniff_error("cannot write the results to standard output: %s",
			    sp_strerror(s->out_rc));
	return s->out_rc;
}

enum { OPT_JSON = 256, OPT_READY_FD, OPT_WINDOW, OPT_ALL_TRIALS, OPT_PER_CLIENT };

static const struct option long_opts[] = {
    {"port", required_argument, NULL, 'p'},
    {"json", no_argument, NULL, OPT_JSON},
    {"ready-fd", required_argument, NULL, OPT_READY_FD},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"all-trials", no_argument, NULL, OPT_ALL_TRIALS},
    {"per-client", no_argument, NULL, OPT_PER_CLIENT},
    {"quiet", no_argument, NULL, 'q'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* -w is written at the end (offline) or once capture runs (live), through a file made
 * beside it: a path that cannot take one must fail now, before any result is printed. */
static int check_writable(const char *path)
{
	struct stat st;
	char *probe;
	int fd;

	if (!path[0]) {
		sniff_error("-w needs a file name; give the path of the pcapng file to write");
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		sniff_error("-w '%s' is a directory; give the path of a file in it", path);
		return -1;
	}
	if (asprintf(&probe, "%s.tmp-XXXXXX", path) < 0) {
		sniff_error("out of memory before reading anything; free some memory and retry");
		return -1;
	}
	fd = mkstemp(probe);
	if (fd < 0) {
		sniff_error("cannot write capture file '%s': %s; give a writable path with -w",
			    path, strerror(errno));
		free(probe);
		return -1;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, sniff_opts_t *o)
{
	int c;
	unsigned long v;

	memset(o, 0, sizeof *o);
	o->port = 53;
	o->ready_fd = -1;
	o->window_ns = ANALYZER_WINDOW_DEFAULT_NS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:r:w:f:p:B:qhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'f':
			o->filter = optarg;
			o->user_filter = 1;
			break;
		case 'p':
			if (sp_parse_uint(optarg, 65535, &v) < 0 || v == 0) {
				sniff_error("bad port '%s' for -p; give a number from 1 to 65535",
					    optarg);
				return SNIFF_EXIT_ERROR;
			}
			o->port = (uint16_t)v;
			break;
		case 'B':
			if (sp_parse_uint(optarg, 1u << 20, &v) < 0 || v == 0) {
				sniff_error(
				    "bad buffer size '%s' for -B; give KiB from 1 to 1048576",
				    optarg);
				return SNIFF_EXIT_ERROR;
			}
			o->buffer_kib = (unsigned)v;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_WINDOW:
			/* A year is far past any DNS exchange; the bound keeps ns in 64 bits. */
			if (sp_parse_uint(optarg, 366UL * 86400, &v) < 0) {
				sniff_error("bad window '%s' for --window; give seconds from 0 to "
					    "31622400 (0 keeps everything)",
					    optarg);
				return SNIFF_EXIT_ERROR;
			}
			o->window_ns = (uint64_t)v * 1000000000ULL;
			break;
		case OPT_ALL_TRIALS:
			o->all_trials = 1;
			break;
		case OPT_PER_CLIENT:
			o->per_client = 1;
			break;
		case OPT_READY_FD:
			if (sp_parse_uint(optarg, 1u << 20, &v) < 0 || v < 3) {
				sniff_error("bad descriptor '%s' for --ready-fd; give an open "
					    "descriptor number above 2",
					    optarg);
				return SNIFF_EXIT_ERROR;
			}
			o->ready_fd = (int)v;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) == 0 ? 0 : SNIFF_EXIT_ERROR;
		case 'V':
			printf("sniff %s\n", SP_VERSION);
			return fflush(stdout) == 0 ? 0 : SNIFF_EXIT_ERROR;
		default: {
			char why[256];
			sp_option_error(why, sizeof why, long_opts, c, optopt, argv[optind - 1]);
			sniff_error("%s; see sniff --help", why);
			return SNIFF_EXIT_ERROR;
		}
		}
	}
	if (optind < argc) {
		sniff_error("unexpected argument '%s'; see sniff --help", argv[optind]);
		return SNIFF_EXIT_ERROR;
	}
	if (!o->iface == !o->file) {
		sniff_error("give either -i IFACE to capture live or -r FILE to read a capture; "
			    "see sniff --help");
		return SNIFF_EXIT_ERROR;
	}
	if (o->buffer_kib && !o->iface) {
		sniff_error("-B sizes a live capture's buffer; use it with -i, not with -r");
		return SNIFF_EXIT_ERROR;
	}
	if (o->write && check_writable(o->write) < 0)
		return SNIFF_EXIT_ERROR;
	if (o->ready_fd >= 0) {
		if (!o->iface) {
			sniff_error("--ready-fd tells when a live capture is running; use it "
				    "with -i, not with -r");
			return SNIFF_EXIT_ERROR;
		}
		if (fcntl(o->ready_fd, F_GETFD) < 0) {
			sniff_error("--ready-fd %d is not an open descriptor; open it for "
				    "writing when starting sniff (e.g. 3>&1 with --ready-fd 3)",
				    o->ready_fd);
			return SNIFF_EXIT_ERROR;
		}
	}
	return -1;
}

static void cleanup(sniff_t *s)
{
	if (s->spool) {
		unlink(s->spool);
		free(s->spool);
		s->spool = NULL;
	}
	story_free(s);
	sniff_filters_free(s);
	analyzer_free(s->an);
	output_live_free();
}

/* -w: the frames read again, now with their comments. A live capture's file was written as
 * it came and is replaced by its annotated copy only when there is something to say. */
static void annotate(sniff_t *s)
{
	const char *src = s->spool ? s->spool : s->o.iface ? s->o.write : s->o.file;

	if (s->o.iface && (s->failed || !story_has_notes(s)))
		return;
	if (story_write(s, src, s->o.write) < 0)
		s->failed = 1;
	else
		s->annotated = 1;
}

int main(int argc, char **argv)
{
	sniff_t s;
	int rc, status;

	memset(&s, 0, sizeof s);
	rc = parse_args(argc, argv, &s.o);
	if (rc >= 0)
		return rc;
	if (!s.o.filter) {
		s.o.default_filter = 1;
		sniff_default_filter(&s, 0);
	}
	s.cfg.dns_port = s.o.port;
	/* A reader that went away (probe stopped, `| head`) is a write error to report, not a
	 * reason to die without a word. */
	signal(SIGPIPE, SIG_IGN);

	s.an = analyzer_new();
	if (!s.an) {
		sniff_error("out of memory before reading anything; free some memory and retry");
		return SNIFF_EXIT_ERROR;
	}
	analyzer_set_window(s.an, s.o.window_ns);
	analyzer_set_per_client(s.an, s.o.per_client);
	analyzer_set_trial_cb(s.an, sniff_on_trial, &s);
	rc = s.o.iface ? capture_live(&s) : capture_offline(&s);
	if (rc < 0) {
		/* Nothing worth printing: the capture never started or memory ran out. */
		cleanup(&s);
		return SNIFF_EXIT_ERROR;
	}
	if (s.skipped > SNIFF_SKIP_NOTES)
		sniff_note(&s, "%" PRIu64 " frames skipped in all; the first %d are listed above",
			   s.skipped, SNIFF_SKIP_NOTES);
	/* Every trial still open finishes now, through the callback: its line goes out. */
	rc = analyzer_flush(s.an);
	if (rc == 0 && s.out_rc < 0) {
		output_failed(&s);
		cleanup(&s);
		return SNIFF_EXIT_ERROR;
	}
	if (rc == 0)
		rc = analyzer_finish(s.an);
	if (rc < 0) {
		sniff_error("cannot finish the analysis: %s; analyse a smaller capture",
			    sp_strerror(rc));
		cleanup(&s);
		return SNIFF_EXIT_ERROR;
	}
	if (story_done(&s) < 0) {
		sniff_error("cannot gather the evidence: out of memory; analyse a smaller capture");
		cleanup(&s);
		return SNIFF_EXIT_ERROR;
	}
	if (s.o.write)
		annotate(&s);
	rc = s.o.json ? output_json(&s, stdout) : output_human(&s, stdout);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -errno;
	if (rc < 0) {
		sniff_error("cannot write the results to standard output: %s", sp_strerror(rc));
		cleanup(&s);
		return SNIFF_EXIT_ERROR;
	}
	status = output_overall(&s) == VERDICT_RACING ? SNIFF_EXIT_RACING : SNIFF_EXIT_CORRECT;
	cleanup(&s);
	/* The results are out, but a capture that failed under way must not pass for a clean
	 * run (capture_* said why). */
	return s.failed ? SNIFF_EXIT_ERROR : status;
}
