/* sniff capture sources: a pcap/pcapng file read to its end by capfile, or libpcap live on a libuv
 * loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <pcap/pcap.h>
#include <uv.h>

#include "capfile.h"
#include "caps.h"
#include "cli.h"
#include "err.h"
#include "pcapng.h"
#include "pipeline.h"
#include "sniff.h"
#include "sp_config.h"

#define SNIFF_SNAPLEN 65535

/* A file may hold any 64-bit time; saturate rather than wrap so that order survives. */
uint64_t sniff_ts_ns(const struct timeval *tv, int nano)
{
	const uint64_t max_sec = UINT64_MAX / 1000000000u - 1;
	uint64_t sec, frac;

	if (tv->tv_sec < 0)
		return 0;
	sec = (uint64_t)tv->tv_sec;
	if (sec > max_sec)
		sec = max_sec;
	frac = tv->tv_usec < 0 ? 0 : (uint64_t)tv->tv_usec;
	if (!nano)
		frac *= 1000;
	if (frac > 999999999u)
		frac = 999999999u;
	return sec * 1000000000u + frac;
}

/* pcap_open_dead takes DLT_ values; files hold LINKTYPE_ ones, equal but for a few (libpcap's
 * linktype_to_dlt). */
static int dlt_of(int linktype)
{
	switch (linktype) {
	case 100:
		return DLT_ATM_RFC1483;
	case 101:
		return DLT_RAW;
	case 102:
		return DLT_SLIP_BSDOS;
	case 103:
		return DLT_PPP_BSDOS;
	default:
		return linktype;
	}
}

/* what: "capture 'x.pcap'" or "interface 'eth0'"; dlt names the link type as libpcap does. */
static int check_linktype(sniff_t *s, int linktype, int dlt, const char *what)
{
	const char *name;
	char list[512];
	size_t n = 0;
	int lt;

	s->linktype = linktype;
	if (dissect_linktype_supported(s->linktype))
		return 0;
	name = pcap_datalink_val_to_name(dlt);
	/* The list comes from the dissector, so it stays true as link types are added; LINKTYPE_
	 * values in use are below 300. */
	list[0] = '\0';
	for (lt = 0; lt < 300 && n < sizeof list; lt++) {
		int k;

		if (!dissect_linktype_supported(lt))
			continue;
		k = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
			     dissect_linktype_name(lt));
		n += k > 0 ? (size_t)k : 0;
	}
	sniff_error("%s has link type %s (%d), which sniff does not read; give a capture with "
		    "one of: %s (live, -i any gives Linux cooked)",
		    what, name ? name : "unknown", dlt, list);
	return -1;
}

static int compile_filter(sniff_t *s, pcap_t *p, struct bpf_program *prog)
{
	if (pcap_compile(p, prog, s->o.filter, 1, PCAP_NETMASK_UNKNOWN) == 0)
		return 0;
	/* "vlan" compiles only for link types that can carry a tag (Ethernet and a few
	 * others); on the rest the default filter goes on without its VLAN part. */
	if (s->o.default_filter) {
		sniff_default_filter(s, 1);
		s->o.default_filter = 0;
		if (pcap_compile(p, prog, s->o.filter, 1, PCAP_NETMASK_UNKNOWN) == 0)
			return 0;
	}
	sniff_error("bad filter '%s': %s; give a BPF expression as tcpdump takes it with -f",
		    s->o.filter, pcap_geterr(p));
	return -1;
}

/* Once the capture is open, sniff needs no privilege to read it; what it keeps is for -w
 * alone: the annotated copy is made beside that file at the end, which may be where only
 * root's override of file permissions reaches (sudo sniff -w ~user/x.pcapng). The bounding
 * set goes too, so that root could not get the rest back by executing a program. */
static int give_up_privileges(const sniff_t *s)
{
	uint64_t keep = s->o.write ? CAPS_BIT(CAP_DAC_OVERRIDE) : 0;
	int rc = caps_limit(keep, geteuid() == 0 || getuid() == 0);

	if (rc < 0) {
		sniff_error("cannot give up privileges once the capture is open: %s; run sniff as "
			    "root or with only CAP_NET_RAW and CAP_NET_ADMIN",
			    sp_strerror(rc));
		return -1;
	}
	return 0;
}

static void cannot_read(const char *shown, int err)
{
	sniff_error("cannot read capture %s: %s; give a pcap or pcapng file with -r", shown,
		    strerror(err));
}

static int same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* -f on a file: the expression compiled for each link type the file holds, as tcpdump -r
 * would compile it for a file of that link type alone. */
struct sniff_bpf {
	int linktype;
	uint32_t snaplen;
	struct bpf_program prog;
};

struct sniff_filters {
	struct sniff_bpf *v;
	size_t n, cap, last;
};

static struct sniff_bpf *filter_for(sniff_t *s, int linktype, uint32_t snaplen)
{
	struct sniff_filters *f = s->filters;
	struct sniff_bpf *b;
	pcap_t *dead;
	size_t i;

	if (!f && !(f = s->filters = calloc(1, sizeof *f)))
		goto nomem;
	if (f->n && f->v[f->last].linktype == linktype && f->v[f->last].snaplen == snaplen)
		return &f->v[f->last];
	for (i = 0; i < f->n; i++)
		if (f->v[i].linktype == linktype && f->v[i].snaplen == snaplen)
			return &f->v[f->last = i];
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct sniff_bpf *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			goto nomem;
		f->v = v;
		f->cap = cap;
	}
	dead = pcap_open_dead_with_tstamp_precision(dlt_of(linktype), (int)snaplen,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (!dead)
		goto nomem;
	b = &f->v[f->n];
	if (pcap_compile(dead, &b->prog, s->o.filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		sniff_error("bad filter '%s' for link type %s: %s; give a BPF expression as "
			    "tcpdump takes it with -f",
			    s->o.filter, dissect_linktype_name(linktype), pcap_geterr(dead));
		pcap_close(dead);
		return NULL;
	}
	pcap_close(dead);
	b->linktype = linktype;
	b->snaplen = snaplen;
	f->last = f->n++;
	return b;
nomem:
	sniff_error("out of memory for the filter; free some memory and retry");
	return NULL;
}

int sniff_filter_pass(sniff_t *s, const capfile_pkt_t *p, uint32_t snaplen)
{
	struct sniff_bpf *b = filter_for(s, p->linktype, snaplen);
	struct pcap_pkthdr h;

	if (!b)
		return -1;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(p->ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(p->ts_ns % 1000000000u);
	h.caplen = p->caplen;
	h.len = p->wirelen;
	return pcap_offline_filter(&b->prog, &h, p->data) != 0;
}

void sniff_filters_free(sniff_t *s)
{
	struct sniff_filters *f = s->filters;
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		pcap_freecode(&f->v[i].prog);
	free(f->v);
	free(f);
	s->filters = NULL;
}

int sniff_copy_interfaces(pcapng_writer_t *w, const capfile_t *c, uint32_t upto, const char *ifname)
{
	while (pcapng_interfaces(w) <= upto) {
		uint32_t i = pcapng_interfaces(w);
		const capfile_if_t *f = capfile_interface(c, i);
		int rc;

		if (!f)
			return -EINVAL;
		rc = pcapng_add_interface(w, f->linktype, f->snaplen, i == 0 ? ifname : NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Standard input cannot be read twice: the second pass of -w reads this copy instead. */
static int open_spool(sniff_t *s, const capfile_t *c, pcapng_writer_t **w)
{
	int fd, rc;

	if (asprintf(&s->spool, "%s.stdin-XXXXXX", s->o.write) < 0) {
		s->spool = NULL;
		sniff_error("out of memory before reading anything; free some memory and retry");
		return -1;
	}
	fd = mkstemp(s->spool);
	if (fd < 0) {
		sniff_error("cannot write capture file '%s': %s; give a writable path with -w",
			    s->o.write, strerror(errno));
		free(s->spool);
		s->spool = NULL;
		return -1;
	}
	close(fd);
	rc = pcapng_create(w, s->spool, "sniff " SP_VERSION);
	if (rc == 0 && (rc = sniff_copy_interfaces(*w, c, 0, NULL)) < 0) {
		pcapng_close(*w);
		*w = NULL;
	}
	if (rc < 0) {
		sniff_error("cannot write capture file '%s': %s; give a writable path with -w",
			    s->o.write, sp_strerror(rc));
		unlink(s->spool);
		free(s->spool);
		s->spool = NULL;
		return -1;
	}
	return 0;
}

/* Opens the file (or takes standard input) and reads its header; NULL after saying why. */
static capfile_t *open_capture(sniff_t *s, const char *shown, int *fd_out)
{
	int from_stdin = strcmp(s->o.file, "-") == 0;
	int fd = from_stdin ? STDIN_FILENO : open(s->o.file, O_RDONLY | O_CLOEXEC);
	const char *why = "";
	struct stat st;
	capfile_t *c;
	int rc;

	*fd_out = -1;
	if (fd < 0) {
		cannot_read(shown, errno);
		return NULL;
	}
	/* A directory opens for reading; reading it is what fails. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = EISDIR;
		goto fail_errno;
	}
	if (s->o.write && !from_stdin && same_file(fd, s->o.write)) {
		close(fd);
		sniff_error("-w '%s' is the capture being read; give another path for the "
			    "annotated copy",
			    s->o.write);
		return NULL;
	}
	if (give_up_privileges(s) < 0) {
		if (!from_stdin)
			close(fd);
		return NULL;
	}
	rc = capfile_open(&c, fd, &why);
	if (rc == SP_ENOMEM) {
		sniff_error("out of memory before reading anything; free some memory and retry");
		if (!from_stdin)
			close(fd);
		return NULL;
	}
	if (rc < 0 && rc > -1000) {
		rc = -rc;
		goto fail_errno;
	}
	if (rc < 0) {
		if (!from_stdin)
			close(fd);
		sniff_error("%s is not a pcap or pcapng file (%s); give a pcap or pcapng file with "
			    "-r",
			    from_stdin ? "standard input" : shown, why);
		return NULL;
	}
	*fd_out = from_stdin ? -1 : fd;
	return c;
fail_errno:
	if (!from_stdin)
		close(fd);
	cannot_read(shown, rc);
	return NULL;
}

/* An interface of a pcapng file met for the first time: one of a link type sniff does not
 * read has its frames passed over, with a word about it. */
static void new_interfaces(sniff_t *s, const capfile_t *c, uint32_t *seen)
{
	uint32_t n = capfile_interfaces(c);

	for (; *seen < n; (*seen)++) {
		const capfile_if_t *f = capfile_interface(c, *seen);
		const char *name = pcap_datalink_val_to_name(dlt_of(f->linktype));

		if (!dissect_linktype_supported(f->linktype))
			sniff_note(s,
				   "interface %" PRIu32 " of capture '%s' has link type %s (%d), "
				   "which sniff does not read; its frames are passed over",
				   *seen, s->o.file, name ? name : "unknown", f->linktype);
	}
}

int capture_offline(sniff_t *s)
{
	char shown[1100];
	int from_stdin = strcmp(s->o.file, "-") == 0;
	pcapng_writer_t *spool = NULL;
	capfile_pkt_t pk;
	uint32_t seen = 1;
	pipeline_t *pl = NULL;
	capfile_t *c;
	int fd, rc, ret = 0;

	if (from_stdin)
		snprintf(shown, sizeof shown, "on standard input");
	else
		snprintf(shown, sizeof shown, "'%s'", s->o.file);
	c = open_capture(s, shown, &fd);
	if (!c)
		return -1;
	snprintf(shown, sizeof shown, "capture '%s'", s->o.file);
	if (check_linktype(s, capfile_interface(c, 0)->linktype,
			   dlt_of(capfile_interface(c, 0)->linktype),
			   from_stdin ? "the capture on standard input" : shown) < 0 ||
	    (s->o.user_filter &&
	     !filter_for(s, capfile_interface(c, 0)->linktype, capfile_interface(c, 0)->snaplen)) ||
	    (from_stdin && s->o.write && open_spool(s, c, &spool) < 0)) {
		capfile_close(c);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Without -f the dissector selects what the default filter would (dissect.h). */
	s->select = !s->o.user_filter;
	/* Reading and dissecting here, analysing on a second thread; if that thread cannot be
	 * had, all of it here, only slower. Before this thread says anything, the analysis
	 * catches up (pipeline_sync), so that notes keep the order of the frames. */
	if (pipeline_start(&pl, s) < 0)
		pl = NULL;
	s->pipe = pl;
	for (;;) {
		uint64_t frame, next;
		analyzer_prep_t prep;
		pkt_t p;

		rc = capfile_next(c, &pk);
		if (rc == 1) {
			/* Frames keep their place in the file even when the filter passes them
			 * over, so that frame N here is frame N in Wireshark. */
			frame = ++s->frames_read;
			if (pk.ifindex >= seen) {
				if (pl)
					pipeline_sync(pl);
				new_interfaces(s, c, &seen);
			}
			if (spool &&
			    ((rc = sniff_copy_interfaces(spool, c, pk.ifindex, NULL)) < 0 ||
			     (rc = pcapng_write_on(spool, pk.ifindex, pk.ts_ns, pk.data, pk.caplen,
						   pk.wirelen, NULL)) < 0)) {
				if (pl)
					pipeline_sync(pl);
				sniff_error("cannot keep standard input in '%s' for -w: %s; free "
					    "some space or give a file with -r",
					    s->spool, sp_strerror(rc));
				ret = -1;
				break;
			}
			if (s->o.user_filter) {
				/* Its filter is made at the first frame of an interface, after the
				 * sync above, and may fail with a message. */
				rc = sniff_filter_pass(s, &pk,
						       capfile_interface(c, pk.ifindex)->snaplen);
				if (rc < 0) {
					ret = -1;
					break;
				}
				if (!rc)
					continue;
			}
			if (!sniff_dissect(s, pk.linktype, pk.data, pk.caplen, pk.wirelen, &p))
				continue;
			analyzer_prepare(s->an, &p, &prep);
			rc = pl ? pipeline_push(pl, frame, pk.ts_ns, &p, &prep)
				: sniff_analyse(s, frame, pk.ts_ns, &p, &prep);
			if (rc < 0) {
				ret = -1;
				break;
			}
			continue;
		}
		if (rc == 0)
			break;
		if (pl)
			pipeline_sync(pl);
		next = capfile_error_packet(c);
		if (rc == SP_ETRUNC)
			sniff_note(s,
				   "capture ends in the middle of packet %" PRIu64
				   "; analysed the %" PRIu64 " %s before it",
				   next, next - 1, next == 2 ? "packet" : "packets");
		else
			sniff_note(s,
				   "capture is damaged at packet %" PRIu64 " (%s%s%s); analysed "
				   "the %" PRIu64 " %s before it",
				   next, capfile_error(c), rc > -1000 ? ": " : "",
				   rc > -1000 ? strerror(-rc) : "", next - 1,
				   next == 2 ? "packet" : "packets");
		break;
	}
	/* On an error nothing more is printed: the trials still open stay so. */
	if (pl && pipeline_finish(pl, ret == 0) < 0)
		ret = -1;
	s->pipe = NULL;
	capfile_close(c);
	if (fd >= 0)
		close(fd);
	if (spool && (rc = pcapng_close(spool)) < 0 && ret == 0) {
		sniff_error("cannot keep standard input in '%s' for -w: %s; free some space or "
			    "give a file with -r",
			    s->spool, sp_strerror(rc));
		ret = -1;
	}
	return ret;
}

/* A live capture and the libuv handles that drive it; handles are embedded and closed before
 * capture_live returns. */
struct live {
	sniff_t *s;
	pcap_t *p;
	pcapng_writer_t *w;
	int nano;
	int stopping;
	int fatal;  /* memory ran out: nothing worth printing */
	int made_w; /* -w did not exist before: a capture that never starts removes it */
	uv_loop_t loop;
	uv_poll_t poll;
	uv_signal_t sigint, sigterm;
	uv_timer_t flush, tick;
	int have_poll, have_sigint, have_sigterm, have_flush, have_tick;
};

static void live_stop(struct live *l)
{
	if (l->stopping)
		return;
	l->stopping = 1;
	if (l->have_poll)
		uv_close((uv_handle_t *)&l->poll, NULL);
	if (l->have_sigint)
		uv_close((uv_handle_t *)&l->sigint, NULL);
	if (l->have_sigterm)
		uv_close((uv_handle_t *)&l->sigterm, NULL);
	if (l->have_flush)
		uv_close((uv_handle_t *)&l->flush, NULL);
	if (l->have_tick)
		uv_close((uv_handle_t *)&l->tick, NULL);
}

/* Drops so far: the kernel's count goes on growing, and a verdict formed after a drop must
 * say its evidence may be incomplete. */
static void live_drops(struct live *l, int quiet_fail)
{
	struct pcap_stat st;

	if (pcap_stats(l->p, &st) == 0)
		analyzer_set_drops(l->s->an, (uint64_t)st.ps_drop + st.ps_ifdrop);
	else if (!quiet_fail)
		sniff_note(l->s, "cannot read the drop count of '%s' (%s); drops count as unknown",
			   l->s->o.iface, pcap_geterr(l->p));
}

/* Once a second: the capture clock moves on without packets, so that trials on a quiet link
 * finish (their lines go out through the callback); then the verdicts so far, and a line
 * for each client whose verdict changed. The window holds a trial open for seconds, so the
 * provisional view over the open trials is what shows a verdict as it forms (correct, then
 * racing when the ICMP error of a late answer comes); finished trials are not in it again,
 * so this stays cheap however long the capture runs. */
static void on_tick(uv_timer_t *h)
{
	struct live *l = h->data;
	struct timespec now;
	int rc = 0;

	live_drops(l, 1);
	if (clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec >= 0)
		rc = analyzer_advance(l->s->an,
				      (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
	if (rc == 0 && l->s->out_rc < 0)
		rc = l->s->out_rc;
	if (rc == 0)
		rc = analyzer_finish(l->s->an);
	if (rc == 0)
		rc = output_live_updates(l->s, stdout);
	if (rc == SP_ENOMEM) {
		sniff_error("cannot keep the analysis of '%s': %s; capture for a shorter time",
			    l->s->o.iface, sp_strerror(rc));
		l->fatal = 1;
		pcap_breakloop(l->p);
		live_stop(l);
	} else if (rc < 0) {
		sniff_error("cannot write the verdicts to standard output: %s", sp_strerror(rc));
		l->s->failed = 1;
		live_stop(l);
	}
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live *l = (struct live *)user;
	uint64_t frame, ts;
	int rc;

	if (l->stopping)
		return;
	/* Numbered in capture order, which is also the order of the -w file, so that
	 * reading that file back gives the same frame numbers. */
	frame = ++l->s->frames_read;
	ts = sniff_ts_ns(&h->ts, l->nano);
	if (l->w) {
		rc = pcapng_write(l->w, ts, data, h->caplen, h->len, NULL);
		if (rc < 0) {
			sniff_error("cannot write capture file '%s' at frame %" PRIu64
				    ": %s; free some space or give another path with -w",
				    l->s->o.write, frame, sp_strerror(rc));
			l->s->failed = 1;
			pcap_breakloop(l->p);
			live_stop(l);
			return;
		}
	}
	if (sniff_feed(l->s, frame, l->s->linktype, ts, data, h->caplen, h->len) < 0) {
		l->fatal = 1;
		pcap_breakloop(l->p);
		live_stop(l);
	}
}

/* Returns what pcap_dispatch returned; on an error it has already said so and stopped. */
static int live_dispatch(struct live *l)
{
	int n = pcap_dispatch(l->p, -1, on_packet, (u_char *)l);

	if (n < 0 && n != PCAP_ERROR_BREAK && !l->stopping) {
		sniff_error("capture on '%s' broke off: %s; the results cover the %" PRIu64
			    " frames before it",
			    l->s->o.iface, pcap_geterr(l->p), l->s->frames_read);
		l->s->failed = 1;
		live_stop(l);
	}
	return n;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct live *l = h->data;

	if (status < 0) {
		/* libpcap knows better than "bad file descriptor" what happened (an interface
		 * that went away, say) and says so from a read. */
		if (live_dispatch(l) < 0 || l->stopping)
			return;
		sniff_error("capture on '%s' broke off: %s; the results cover the %" PRIu64
			    " frames before it",
			    l->s->o.iface, uv_strerror(status), l->s->frames_read);
		l->s->failed = 1;
		live_stop(l);
		return;
	}
	live_dispatch(l);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct live *l = h->data;
	int i;

	/* The kernel has queued what was captured before the signal; take all of it, with a
	 * bound in case traffic keeps coming faster than it is read. */
	for (i = 0; i < 10000 && !l->stopping; i++)
		if (live_dispatch(l) <= 0)
			break;
	sniff_note(l->s, "%s: capture stopped after %" PRIu64 " frame%s",
		   signum == SIGINT ? "SIGINT" : "SIGTERM", l->s->frames_read,
		   l->s->frames_read == 1 ? "" : "s");
	live_stop(l);
}

static void on_flush(uv_timer_t *h)
{
	struct live *l = h->data;
	int rc = pcapng_flush(l->w);

	if (rc < 0) {
		sniff_error("cannot write capture file '%s': %s; free some space or give another "
			    "path with -w",
			    l->s->o.write, sp_strerror(rc));
		l->s->failed = 1;
		live_stop(l);
	}
}

static void say_ready(const sniff_t *s)
{
	int rc = sp_ready_signal(s->o.ready_fd);
	if (rc < 0)
		sniff_note(s, "cannot write to --ready-fd %d: %s; capturing anyway", s->o.ready_fd,
			   sp_strerror(rc));
}

/* On a loopback interface every packet passes the capture twice, going out and coming in.
 * libpcap hands over the incoming copy alone, but the kernel queues both and counts a drop
 * for each copy that does not fit, so pcap_stats would report up to twice the packets lost.
 * Left out in the kernel (PACKET_IGNORE_OUTGOING, Linux 4.20), the outgoing copies cost
 * nothing and the drop count is the packets lost. Only on loopback: elsewhere the outgoing
 * packets are the only copy. */
static void ignore_outgoing_on_lo(sniff_t *s, pcap_t *p, const char *ifname)
{
	struct ifreq ifr;
	int one = 1, fd = pcap_get_selectable_fd(p);
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int lo = 0;

	if (sk >= 0 && strlen(ifname) < sizeof ifr.ifr_name) {
		memset(&ifr, 0, sizeof ifr);
		memcpy(ifr.ifr_name, ifname, strlen(ifname));
		lo = ioctl(sk, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
	}
	if (sk >= 0)
		close(sk);
	if (lo && fd >= 0 &&
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
		sniff_note(s,
			   "capture on '%s': the kernel counts drops of both copies of each "
			   "packet on loopback (%s): the drop count may be up to twice the "
			   "packets lost",
			   ifname, strerror(errno));
}

static int live_open(sniff_t *s, struct live *l)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char what[300];
	const char *ifname = s->o.iface;
	struct bpf_program prog;
	int rc;

	l->p = pcap_create(ifname, errbuf);
	if (!l->p) {
		sniff_error("cannot capture on '%s': %s; check the interface with 'ip link'",
			    ifname, errbuf);
		return -1;
	}
	pcap_set_snaplen(l->p, SNIFF_SNAPLEN);
	/* Packets must reach the analyzer (and -w) as they come, not when a buffer fills. */
	pcap_set_immediate_mode(l->p, 1);
	if (s->o.buffer_kib)
		pcap_set_buffer_size(l->p, (int)s->o.buffer_kib * 1024);
	if (pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO) != 0)
		pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(l->p);
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		sniff_error("no interface '%s' here for -i; list interfaces with 'ip link'",
			    ifname);
		return -1;
	}
	if (rc == PCAP_ERROR_PERM_DENIED) {
		sniff_error("cannot capture on '%s': permission denied; capture needs root or "
			    "CAP_NET_RAW",
			    ifname);
		return -1;
	}
	if (rc == PCAP_ERROR_IFACE_NOT_UP) {
		sniff_error("interface '%s' is down; bring it up with 'ip link set %s up'", ifname,
			    ifname);
		return -1;
	}
	if (rc < 0) {
		const char *why = pcap_geterr(l->p);
		sniff_error("cannot capture on '%s': %s; check the interface with 'ip link'",
			    ifname, why && *why ? why : pcap_statustostr(rc));
		return -1;
	}
	if (rc > 0) {
		const char *why = pcap_geterr(l->p);
		sniff_note(s, "capture on '%s': %s", ifname,
			   why && *why ? why : pcap_statustostr(rc));
	}
	ignore_outgoing_on_lo(s, l->p, ifname);
	l->nano = pcap_get_tstamp_precision(l->p) == PCAP_TSTAMP_PRECISION_NANO;
	snprintf(what, sizeof what, "interface '%s'", ifname);
	if (check_linktype(s, dissect_linktype_from_dlt(pcap_datalink(l->p)), pcap_datalink(l->p),
			   what) < 0 ||
	    compile_filter(s, l->p, &prog) < 0)
		return -1;
	rc = pcap_setfilter(l->p, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		sniff_error("cannot set filter '%s' on '%s': %s; try a simpler -f expression",
			    s->o.filter, ifname, pcap_geterr(l->p));
		return -1;
	}
	if (pcap_setnonblock(l->p, 1, errbuf) < 0) {
		sniff_error("cannot capture on '%s': %s; check the interface with 'ip link'",
			    ifname, errbuf);
		return -1;
	}
	if (s->o.write) {
		struct stat st;

		l->made_w = lstat(s->o.write, &st) < 0 && errno == ENOENT;
		rc = pcapng_open(&l->w, s->o.write, s->linktype, (uint32_t)pcap_snapshot(l->p),
				 ifname, "sniff " SP_VERSION);
		if (rc < 0) {
			sniff_error("cannot write capture file '%s': %s; give a writable path "
				    "with -w",
				    s->o.write, sp_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static int live_handles(struct live *l)
{
	int fd = pcap_get_selectable_fd(l->p);
	int rc;

	if (fd < 0) {
		sniff_error("cannot capture on '%s': libpcap gives no descriptor to wait on; "
			    "capture on a Linux interface",
			    l->s->o.iface);
		return -1;
	}
	rc = uv_poll_init(&l->loop, &l->poll, fd);
	if (rc == 0) {
		l->have_poll = 1;
		l->poll.data = l;
		rc = uv_poll_start(&l->poll, UV_READABLE, on_readable);
	}
	if (rc == 0 && (rc = uv_signal_init(&l->loop, &l->sigint)) == 0) {
		l->have_sigint = 1;
		l->sigint.data = l;
		rc = uv_signal_start(&l->sigint, on_signal, SIGINT);
	}
	if (rc == 0 && (rc = uv_signal_init(&l->loop, &l->sigterm)) == 0) {
		l->have_sigterm = 1;
		l->sigterm.data = l;
		rc = uv_signal_start(&l->sigterm, on_signal, SIGTERM);
	}
	if (rc == 0 && l->w && (rc = uv_timer_init(&l->loop, &l->flush)) == 0) {
		l->have_flush = 1;
		l->flush.data = l;
		/* What was captured is on disk within a second, even if sniff is killed. */
		rc = uv_timer_start(&l->flush, on_flush, 1000, 1000);
	}
	if (rc == 0 && (rc = uv_timer_init(&l->loop, &l->tick)) == 0) {
		l->have_tick = 1;
		l->tick.data = l;
		rc = uv_timer_start(&l->tick, on_tick, 1000, 1000);
	}
	if (rc < 0) {
		sniff_error("cannot watch the capture on '%s': %s; retry, or report this",
			    l->s->o.iface, uv_strerror(rc));
		return -1;
	}
	return 0;
}

int capture_live(sniff_t *s)
{
	struct live l;
	int rc, ret = 0, have_loop = 0;

	memset(&l, 0, sizeof l);
	l.s = s;
	if (live_open(s, &l) < 0 || give_up_privileges(s) < 0)
		goto fail;
	rc = uv_loop_init(&l.loop);
	if (rc < 0) {
		sniff_error("cannot start the event loop: %s; retry, or report this",
			    uv_strerror(rc));
		goto fail;
	}
	have_loop = 1;
	if (live_handles(&l) < 0)
		goto fail;
	if (s->o.ready_fd >= 0)
		say_ready(s);
	sniff_note(s, "capturing on '%s' (filter: %s); stop with Ctrl-C or SIGTERM", s->o.iface,
		   s->o.filter);
	uv_run(&l.loop, UV_RUN_DEFAULT);

	live_drops(&l, 0);
	rc = pcapng_close(l.w);
	l.w = NULL;
	if (rc < 0 && s->o.write && !s->failed) { /* a failed flush already said why */
		sniff_error("cannot finish capture file '%s': %s; free some space or give another "
			    "path with -w",
			    s->o.write, sp_strerror(rc));
		s->failed = 1;
	}
	if (l.fatal)
		ret = -1;
	goto out;
fail:
	ret = -1;
	live_stop(&l);
	if (have_loop)
		uv_run(&l.loop, UV_RUN_DEFAULT);
	if (l.w && l.made_w)
		unlink(s->o.write);
out:
	if (have_loop)
		uv_loop_close(&l.loop);
	pcapng_close(l.w);
	if (l.p)
		pcap_close(l.p);
	return ret;
}
