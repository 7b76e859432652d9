/* sniff story: the evidence as pcapng packet comments (-w), and a display filter that shows it. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "pcapng.h"
#include "sniff.h"
#include "sp_config.h"
#include "timeutil.h"

/* Frame numbers listed in the display filter at most; past that, -w's comments show all. */
#define FILTER_FRAMES 200
#define ADDR_TEXT 64

/* One comment for one frame; a frame with several is joined at write time. */
typedef struct note {
	uint64_t frame;
	uint32_t seq; /* keeps the notes of one frame in the order they were made */
	char *text;
} note_t;

/* A trial with evidence: its queries get a comment too, found by name in the second pass. */
typedef struct story_trial {
	char *name;
	enum verdict verdict;
	unsigned race, late, duplicate;
} story_trial_t;

struct story {
	note_t *notes; /* -w only: the comments need every frame of evidence */
	size_t n, cap;
	story_trial_t *trials;
	size_t n_trials, trials_cap;
	uint64_t comments; /* frames given a comment in the -w file */
	char *filter;
	uint64_t filter_frames;        /* distinct frames the filter stands for */
	uint64_t first[FILTER_FRAMES]; /* the lowest of them, sorted: all the filter lists */
	size_t n_first;
};

static int add_note(struct story *st, uint64_t frame, char *text)
{
	if (!text)
		return SP_ENOMEM;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		note_t *n = realloc(st->notes, cap * sizeof *n);
		if (!n) {
			free(text);
			return SP_ENOMEM;
		}
		st->notes = n;
		st->cap = cap;
	}
	st->notes[st->n].frame = frame;
	st->notes[st->n].seq = (uint32_t)st->n;
	st->notes[st->n].text = text;
	st->n++;
	return 0;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *out = NULL;

	va_start(ap, f);
	if (vasprintf(&out, f, ap) < 0)
		out = NULL;
	va_end(ap);
	return out;
}

static void where_str(const evidence_t *e, char *out, size_t len)
{
	char addr[ADDR_TEXT];

	sp_addr_str(&e->client, addr, sizeof addr);
	snprintf(out, len, e->client.family == 6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)e->cport);
}

/* "trial x.lab.test racing" */
static void trial_str(const trial_t *t, char *out, size_t len)
{
	snprintf(out, len, "trial %s %s", t->name ? t->name : "(unnamed)",
		 verdict_name(t->verdict));
}

static int evidence_notes(struct story *st, const trial_t *t, const evidence_t *e)
{
	char qbuf[32], tbuf[32], where[ADDR_TEXT + 8], tr[DNS_NAME_TEXT + 32], dur[32];
	const char *kind = refusal_name(e->kind), *tqt;
	const char *qt = dns_type_name(e->qtype, qbuf, sizeof qbuf);
	int rc;

	where_str(e, where, sizeof where);
	trial_str(t, tr, sizeof tr);
	rc = add_note(st, e->answer_frame,
		      fmt("%s answer refused by %s (ICMP port unreachable in frame %" PRIu64
			  "): %s; %s",
			  qt, where, e->icmp_frame, kind, tr));
	if (rc == 0)
		rc = add_note(st, e->icmp_frame,
			      fmt("ICMP port unreachable for frame %" PRIu64
				  " (%s answer to %s): %s; %s",
				  e->answer_frame, qt, where, kind, tr));
	if (rc == 0 && e->query_frame)
		rc = add_note(st, e->query_frame,
			      fmt("%s query; its answer (frame %" PRIu64 ") was refused: %s; %s",
				  qt, e->answer_frame, kind, tr));
	if (rc == 0 && e->has_taken) {
		tqt = dns_type_name(e->taken_qtype, tbuf, sizeof tbuf);
		rc = add_note(st, e->taken_frame,
			      fmt("taken: %s answer %s before the refused %s (frame %" PRIu64
				  "); %s",
				  tqt, sp_duration_str(e->after_taken_ns, dur, sizeof dur), qt,
				  e->answer_frame, tr));
	}
	return rc;
}

static int note_cmp(const void *x, const void *y)
{
	const note_t *a = x, *b = y;

	if (a->frame != b->frame)
		return a->frame < b->frame ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int trial_cmp(const void *x, const void *y)
{
	return strcmp(((const story_trial_t *)x)->name, ((const story_trial_t *)y)->name);
}

/* Appends text to the growing filter string; SP_ENOMEM leaves *f as it was. */
static int append(char **f, size_t *len, size_t *cap, const char *text)
{
	size_t tl = strlen(text);

	if (*len + tl + 1 > *cap) {
		size_t c = *cap;
		char *g;
		while (*len + tl + 1 > c)
			c *= 2;
		g = realloc(*f, c);
		if (!g)
			return SP_ENOMEM;
		*f = g;
		*cap = c;
	}
	memcpy(*f + *len, text, tl + 1);
	*len += tl;
	return 0;
}

/* One more distinct frame of evidence: counted, and kept when it is among the lowest. Frames
 * of different trials never coincide (each query, answer and ICMP error belongs to one
 * trial), so a trial's frames made distinct are distinct overall. */
static void frames_add(struct story *st, uint64_t frame)
{
	size_t lo = 0, hi = st->n_first;

	st->filter_frames++;
	if (st->n_first == FILTER_FRAMES && frame > st->first[FILTER_FRAMES - 1])
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (st->first[mid] < frame)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n_first && st->first[lo] == frame) {
		st->filter_frames--;
		return;
	}
	if (st->n_first < FILTER_FRAMES)
		st->n_first++;
	memmove(&st->first[lo + 1], &st->first[lo], (st->n_first - 1 - lo) * sizeof st->first[0]);
	st->first[lo] = frame;
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* "frame.number in {3..5, 9}": consecutive frames as ranges, the first FILTER_FRAMES
 * distinct frames only. */
static int build_filter(struct story *st)
{
	size_t i, j, len = 0, cap = 256, nu = st->n_first;
	const uint64_t *u = st->first;
	char *f = malloc(cap), item[48];
	int rc;

	if (!f)
		return SP_ENOMEM;
	f[0] = '\0';
	rc = append(&f, &len, &cap, "frame.number in {");
	for (i = 0; i < nu && rc == 0; i = j) {
		for (j = i + 1; j < nu && u[j] == u[j - 1] + 1; j++)
			;
		if (j - i == 1)
			snprintf(item, sizeof item, "%s%" PRIu64, i ? ", " : "", u[i]);
		else
			snprintf(item, sizeof item, "%s%" PRIu64 "..%" PRIu64, i ? ", " : "", u[i],
				 u[j - 1]);
		rc = append(&f, &len, &cap, item);
	}
	if (rc == 0)
		rc = append(&f, &len, &cap, "}");
	if (rc) {
		free(f);
		return rc;
	}
	free(st->filter);
	st->filter = f;
	return 0;
}

static int trial_frames(struct story *st, const trial_t *t)
{
	uint64_t *u = malloc(t->n_evidence * 4 * sizeof *u);
	size_t k, n = 0;

	if (!u)
		return SP_ENOMEM;
	for (k = 0; k < t->n_evidence; k++) {
		const evidence_t *e = &t->evidence[k];
		u[n++] = e->answer_frame;
		u[n++] = e->icmp_frame;
		if (e->query_frame)
			u[n++] = e->query_frame;
		if (e->has_taken)
			u[n++] = e->taken_frame;
	}
	qsort(u, n, sizeof *u, u64_cmp);
	for (k = 0; k < n; k++)
		if (k == 0 || u[k] != u[k - 1])
			frames_add(st, u[k]);
	free(u);
	return 0;
}

int story_trial(sniff_t *s, const trial_t *t)
{
	struct story *st = s->story;
	story_trial_t *x;
	size_t k;
	int rc;

	if (!st && !(st = s->story = calloc(1, sizeof *st)))
		return SP_ENOMEM;
	if (!t->n_evidence)
		return 0;
	if ((rc = trial_frames(st, t)) < 0)
		return rc;
	/* Comments are for -w only: without it nothing grows with the capture's length. */
	if (!s->o.write)
		return 0;
	for (k = 0; k < t->n_evidence; k++)
		if ((rc = evidence_notes(st, t, &t->evidence[k])) < 0)
			return rc;
	if (!t->name)
		return 0;
	if (st->n_trials == st->trials_cap) {
		size_t cap = st->trials_cap ? st->trials_cap * 2 : 16;
		story_trial_t *n = realloc(st->trials, cap * sizeof *n);
		if (!n)
			return SP_ENOMEM;
		st->trials = n;
		st->trials_cap = cap;
	}
	x = &st->trials[st->n_trials];
	if (!(x->name = strdup(t->name)))
		return SP_ENOMEM;
	st->n_trials++;
	x->verdict = t->verdict;
	x->race = t->race;
	x->late = t->late;
	x->duplicate = t->duplicate;
	return 0;
}

int story_done(sniff_t *s)
{
	struct story *st = s->story;

	if (!st && !(st = s->story = calloc(1, sizeof *st)))
		return SP_ENOMEM;
	if (st->n_trials > 1)
		qsort(st->trials, st->n_trials, sizeof *st->trials, trial_cmp);
	if (st->n > 1)
		qsort(st->notes, st->n, sizeof *st->notes, note_cmp);
	return st->filter_frames ? build_filter(st) : 0;
}

void story_free(sniff_t *s)
{
	struct story *st = s->story;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++)
		free(st->notes[i].text);
	for (i = 0; i < st->n_trials; i++)
		free(st->trials[i].name);
	free(st->notes);
	free(st->trials);
	free(st->filter);
	free(st);
	s->story = NULL;
}

const char *story_filter(const sniff_t *s, uint64_t *frames)
{
	const struct story *st = s->story;

	*frames = st ? st->filter_frames : 0;
	return st ? st->filter : NULL;
}

int story_listed_all(const sniff_t *s)
{
	return !s->story || s->story->filter_frames <= FILTER_FRAMES;
}

uint64_t story_comments(const sniff_t *s) { return s->story ? s->story->comments : 0; }

int story_has_notes(const sniff_t *s) { return s->story && s->story->n > 0; }

/* The comment for a query frame that no evidence named: a query of a trial with evidence
 * (with select, one the default filter takes). */
static char *query_note(const struct story *st, const dissect_cfg_t *cfg, int select,
			const capfile_pkt_t *pk)
{
	char name[DNS_NAME_TEXT], qt[32];
	story_trial_t key, *t;
	pkt_t p;

	if (!st->n_trials)
		return NULL;
	if (select)
		(void)dissect_packet_select(cfg, pk->linktype, pk->data, pk->caplen, pk->wirelen,
					    &p);
	else
		(void)dissect_packet(cfg, pk->linktype, pk->data, pk->caplen, pk->wirelen, &p);
	if ((select && p.selected == PKT_SEL_NO) || p.kind != PKT_DNS ||
	    (p.dns.h.flags & DNS_F_QR) || !p.dns.has_question)
		return NULL;
	if (dns_name_to_text(&p.dns.q.name, name, sizeof name) < 0)
		return NULL;
	key.name = name;
	t = bsearch(&key, st->trials, st->n_trials, sizeof *st->trials, trial_cmp);
	if (!t)
		return NULL;
	return fmt("%s query of trial %s %s (race/late/duplicate %u/%u/%u)",
		   dns_type_name(p.dns.q.qtype, qt, sizeof qt), t->name, verdict_name(t->verdict),
		   t->race, t->late, t->duplicate);
}

/* The notes of one frame joined, or NULL when it has none; *i moves past them. */
static char *frame_note(const struct story *st, size_t *i, uint64_t frame)
{
	size_t j, len = 0;
	char *out, *p;

	while (*i < st->n && st->notes[*i].frame < frame)
		(*i)++;
	if (*i >= st->n || st->notes[*i].frame != frame)
		return NULL;
	for (j = *i; j < st->n && st->notes[j].frame == frame; j++)
		len += strlen(st->notes[j].text) + 3;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	p = out;
	for (j = *i; j < st->n && st->notes[j].frame == frame; j++) {
		size_t l = strlen(st->notes[j].text);
		if (p != out) {
			memcpy(p, " | ", 3);
			p += 3;
		}
		memcpy(p, st->notes[j].text, l);
		p += l;
	}
	*p = '\0';
	*i = j;
	return out;
}

/* Frames without a note of their own that the display filter shows too. */
static int more_frames(struct story *st, const uint64_t *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		frames_add(st, frames[i]);
	return build_filter(st);
}

/* mkstemp makes its file 0600: the copy gets the mode of the file it replaces, or what
 * creating dst would give (0666 less the umask). A mode that cannot be set leaves 0600,
 * which is safe. */
static void take_mode(int fd, const char *dst)
{
	struct stat st;
	mode_t mode;

	if (stat(dst, &st) == 0) {
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);

		umask(mask);
		mode = 0666 & ~mask;
	}
	(void)fchmod(fd, mode);
}

/* A name beside dst for the file being written, so that dst appears only whole. */
static char *temp_beside(const char *dst, int *fd)
{
	char *t = fmt("%s.tmp-XXXXXX", dst);

	if (!t)
		return NULL;
	*fd = mkstemp(t);
	if (*fd < 0) {
		int e = errno;
		free(t);
		errno = e;
		return NULL;
	}
	take_mode(*fd, dst);
	return t;
}

int story_write(sniff_t *s, const char *src, const char *dst)
{
	struct story *st = s->story;
	pcapng_writer_t *w = NULL;
	capfile_pkt_t pk;
	capfile_t *c = NULL;
	uint64_t frame = 0;
	size_t ni = 0;
	const char *why = "";
	char *tmp;
	int fd, in, rc, wrc, ret = -1, filter_failed = 0;
	uint64_t *extra = NULL;
	size_t extra_n = 0, extra_cap;

	in = open(src, O_RDONLY | O_CLOEXEC);
	rc = in < 0 ? -errno : capfile_open(&c, in, &why);
	if (rc < 0) {
		sniff_error("cannot read '%s' again to annotate it (%s); give a file with -r that "
			    "stays in place",
			    src, rc > -1000 ? strerror(-rc) : why);
		if (in >= 0)
			close(in);
		return -1;
	}
	tmp = temp_beside(dst, &fd);
	if (!tmp) {
		sniff_error("cannot write capture file '%s': %s; give a writable path with -w", dst,
			    strerror(errno));
		capfile_close(c);
		close(in);
		return -1;
	}
	close(fd);
	rc = pcapng_create(&w, tmp, "sniff " SP_VERSION);
	if (rc == 0)
		rc = sniff_copy_interfaces(w, c, 0, s->o.iface);
	if (rc < 0) {
		sniff_error("cannot write capture file '%s': %s; give a writable path with -w", dst,
			    sp_strerror(rc));
		goto out;
	}
	/* Queries commented here join the display filter afterwards; one per trial and type
	 * beyond the evidence's own is the usual count, room for four per trial is plenty. */
	extra_cap = st->n_trials * 4;
	extra = extra_cap ? malloc(extra_cap * sizeof *extra) : NULL;
	if (!extra)
		extra_cap = 0;
	st->comments = 0;
	wrc = 0;
	while (wrc == 0 && capfile_next(c, &pk) == 1) {
		char *note;
		int pass = 1;

		/* Every frame, filtered or not, so that frame N stays frame N, on the
		 * interface it came from. */
		frame++;
		note = frame_note(st, &ni, frame);
		if (!note && s->o.user_filter)
			pass = sniff_filter_pass(s, &pk, capfile_interface(c, pk.ifindex)->snaplen);
		if (pass < 0) {
			filter_failed = 1; /* sniff_filter_pass said why */
			break;
		}
		if (!note && pass) {
			/* Without -f, those the default filter takes. */
			note = query_note(st, &s->cfg, !s->o.user_filter, &pk);
			if (note && extra_n < extra_cap)
				extra[extra_n++] = frame;
		}
		if (note)
			st->comments++;
		wrc = sniff_copy_interfaces(w, c, pk.ifindex, s->o.iface);
		if (wrc == 0)
			wrc = pcapng_write_on(w, pk.ifindex, pk.ts_ns, pk.data, pk.caplen,
					      pk.wirelen, note);
		free(note);
	}
	/* The loop ends at the end of the file, or at the damage the first pass met and
	 * noted already. */
	rc = pcapng_close(w);
	w = NULL;
	if (filter_failed)
		goto out;
	if (wrc < 0 || rc < 0) {
		sniff_error("cannot write capture file '%s': %s; free some space or give another "
			    "path with -w",
			    dst, sp_strerror(wrc < 0 ? wrc : rc));
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		sniff_error("cannot put capture file '%s' in place: %s; give a writable path with "
			    "-w",
			    dst, strerror(errno));
		goto out;
	}
	ret = 0;
	if (extra_n && more_frames(st, extra, extra_n) < 0)
		sniff_note(s, "out of memory: the display filter leaves out the queries");
out:
	pcapng_close(w);
	free(extra);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	capfile_close(c);
	close(in);
	return ret;
}
