/* sniff -r on two threads: frames go from the reading thread to the analysing one in
 * batches, so that the lock is taken once per batch rather than once per frame. */
#define _GNU_SOURCE
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define BATCH 256
/* Enough batches in flight that neither side waits on the other's bursts: a TCP frame or a
 * finishing trial takes the analysing thread longer than most frames. */
#define BATCHES 8
/* How many packets ahead the analysing thread asks for the memory of (analyzer_prefetch). */
#define AHEAD 8

/* bench/sniff_speed.sh builds a sniff_readonly in which the analysing thread only takes the
 * batches and gives them back: what reading alone costs, the least any analysis can add to. */
#ifdef SP_BENCH_READ_ONLY
#define ANALYSE 0
#else
#define ANALYSE 1
#endif

/* Each entry crosses to the other core line by line: on lines of their own, the first of
 * an entry holds all of a DNS packet's header the analysis reads (up to has_question), and
 * the times share the line of the prep's hashes, so that a DNS packet is four lines: this
 * first, the question's type, the hashes and the name key. */
struct ent {
	pkt_t p; /* a TCP payload points to a copy owned by the entry */
	uint64_t frame, ts;
	analyzer_prep_t prep;
} __attribute__((aligned(SNIFF_LINE)));

struct batch {
	size_t n;
	struct ent e[BATCH];
};

/* Finished trials on their way from the analysing thread to the reading one, which prints
 * them: copies laid end to end, each a struct held, then its name and evidence. */
struct held {
	size_t size; /* of the whole copy, a multiple of 8 */
	trial_t t;
};

/* Where a copy's evidence begins, after its name of name bytes (NUL included). */
static size_t held_evidence(size_t name) { return (sizeof(struct held) + name + 7) / 8 * 8; }

struct trials {
	char *p;
	size_t len, cap;
};

/* Hand the analysing thread's copies over once they pass this many bytes (at the end of a
 * capture, where no batch ends to hand them over with). */
#define HAND_OVER (64 * 1024)

struct pipeline {
	sniff_t *s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled; /* a batch was queued, or the reader is done */
	pthread_cond_t freed;  /* a batch was analysed */
	struct batch *all[BATCHES];
	struct batch *queue[BATCHES]; /* analysed in order from head */
	size_t head, queued;
	struct batch *spare[BATCHES];
	size_t nspare;
	struct batch *cur;        /* being filled by the reader, NULL if none */
	int done;                 /* the reader will queue nothing more */
	int busy;                 /* the analysing thread holds a batch */
	int rc;                   /* the analysing thread's first error */
	int flush;                /* at the end, the analysing thread finishes every trial */
	int flushed;              /* ... and has done so */
	pthread_cond_t printable; /* trials were handed over, or flushed was set */
	int trials_rc;            /* copying a trial failed (SP_ENOMEM) */
	struct trials ready;      /* handed over, for the reader to print */
	/* Each thread's own, written for every trial it copies or prints while the other does
	 * the same: a cache line each, or every trial would pull the other's line across. */
	struct {
		struct trials made; /* the analysing thread's, not handed over yet */
		int flushing;       /* it is finishing every trial */
	} __attribute__((aligned(SNIFF_LINE))) analysing;
	struct trials printing
	    __attribute__((aligned(SNIFF_LINE))); /* the reader's, being printed */
};

/* Moves the analysing thread's copies to ready. Called with the lock held. */
static void hand_over(pipeline_t *pl)
{
	if (!pl->analysing.made.len)
		return;
	if (!pl->ready.len) {
		struct trials t = pl->ready;
		pl->ready = pl->analysing.made;
		pl->analysing.made = t;
	} else {
		if (pl->ready.cap - pl->ready.len < pl->analysing.made.len) {
			/* Doubled, so that a reader slow to print costs few copies and few calls
			 * to the kernel, on a thread that must not wait. */
			size_t cap = pl->ready.cap * 2;
			if (cap < pl->ready.len + pl->analysing.made.len)
				cap = pl->ready.len + pl->analysing.made.len;
			char *q = realloc(pl->ready.p, cap);
			if (!q) {
				/* Lost, and said so: the run ends with an error. */
				pl->trials_rc = SP_ENOMEM;
				pl->analysing.made.len = 0;
				return;
			}
			pl->ready.p = q;
			pl->ready.cap = cap;
		}
		memcpy(pl->ready.p + pl->ready.len, pl->analysing.made.p, pl->analysing.made.len);
		pl->ready.len += pl->analysing.made.len;
	}
	pl->analysing.made.len = 0;
	pthread_cond_signal(&pl->printable);
}

int pipeline_trial(pipeline_t *pl, const trial_t *t)
{
	size_t name = t->name ? strlen(t->name) + 1 : 0;
	size_t ev = t->n_evidence * sizeof *t->evidence;
	size_t size = (held_evidence(name) + ev + 7) / 8 * 8;
	struct trials *m = &pl->analysing.made;
	struct held *h;

	if (m->cap - m->len < size) {
		size_t cap = m->cap ? m->cap : HAND_OVER;
		char *q;

		while (cap - m->len < size)
			cap *= 2;
		if (!(q = realloc(m->p, cap))) {
			pthread_mutex_lock(&pl->mu);
			pl->trials_rc = SP_ENOMEM;
			pthread_mutex_unlock(&pl->mu);
			return SP_ENOMEM;
		}
		m->p = q;
		m->cap = cap;
	}
	h = (struct held *)(void *)(m->p + m->len);
	h->size = size;
	h->t = *t;
	if (name)
		memcpy(h + 1, t->name, name);
	if (ev)
		memcpy((char *)h + held_evidence(name), t->evidence, ev);
	m->len += size;
	if (pl->analysing.flushing && m->len >= HAND_OVER) {
		pthread_mutex_lock(&pl->mu);
		hand_over(pl);
		pthread_mutex_unlock(&pl->mu);
	}
	return 0;
}

/* Prints the trials handed over so far, in the order they finished. Called without the
 * lock, by the reader only. */
static void print_ready(pipeline_t *pl)
{
	struct trials t;
	size_t at;
	int rc;

	pthread_mutex_lock(&pl->mu);
	t = pl->printing;
	pl->printing = pl->ready;
	pl->ready = t;
	if (pl->trials_rc && !pl->s->out_rc)
		pl->s->out_rc = pl->trials_rc;
	pthread_mutex_unlock(&pl->mu);
	for (at = 0; at < pl->printing.len;
	     at += ((struct held *)(void *)(pl->printing.p + at))->size) {
		struct held *h = (struct held *)(void *)(pl->printing.p + at);
		size_t name = h->t.name ? strlen((char *)(h + 1)) + 1 : 0;

		if (h->t.name)
			h->t.name = (char *)(h + 1);
		h->t.evidence = h->t.n_evidence
				    ? (evidence_t *)(void *)((char *)h + held_evidence(name))
				    : NULL;
		if (pl->s->out_rc < 0)
			continue;
		rc = story_trial(pl->s, &h->t);
		if (rc == 0)
			rc = output_trial(pl->s, &h->t, stdout);
		if (rc < 0)
			pl->s->out_rc = rc;
	}
	pl->printing.len = 0;
}

static void release(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->e[i].p.kind == PKT_TCP)
			free((void *)(uintptr_t)b->e[i].p.payload);
	b->n = 0;
}

static void *analyse(void *arg)
{
	pipeline_t *pl = arg;
	struct batch *b;
	int rc = 0;

	pthread_mutex_lock(&pl->mu);
	for (;;) {
		while (!pl->queued && !pl->done)
			pthread_cond_wait(&pl->filled, &pl->mu);
		if (!pl->queued)
			break;
		b = pl->queue[pl->head];
		pl->head = (pl->head + 1) % BATCHES;
		pl->queued--;
		pl->busy = 1;
		pthread_mutex_unlock(&pl->mu);
		/* After an error the rest is only released: the reader stops at its next push. */
		for (size_t i = 0; ANALYSE && i < b->n && rc == 0; i++) {
			/* The tables' slots for a packet a few ahead are fetched while this one
			 * is analysed. */
			if (i + 2 * AHEAD < b->n) {
				/* The entry itself first: written on the other core. */
				const struct ent *x = &b->e[i + 2 * AHEAD];
				__builtin_prefetch(&x->p);
				__builtin_prefetch(&x->p.dns.q.qtype);
				__builtin_prefetch(&x->prep);
				__builtin_prefetch(x->prep.b);
			}
			if (i + AHEAD < b->n) {
				const struct ent *x = &b->e[i + AHEAD];
				/* The quote's question and the TCP fields lie further in. */
				if (x->p.kind == PKT_ICMP_ERROR || x->p.kind == PKT_TCP)
					__builtin_prefetch(&x->p.quote.q.qtype);
				analyzer_prefetch(pl->s->an, &x->prep);
			}
			if (i + AHEAD / 2 < b->n)
				analyzer_prefetch_records(pl->s->an, &b->e[i + AHEAD / 2].prep);
			rc = sniff_analyse(pl->s, b->e[i].frame, b->e[i].ts, &b->e[i].p,
					   &b->e[i].prep);
		}
		release(b);
		pthread_mutex_lock(&pl->mu);
		hand_over(pl);
		if (rc && !pl->rc)
			pl->rc = rc;
		pl->spare[pl->nspare++] = b;
		pl->busy = 0;
		pthread_cond_broadcast(&pl->freed);
	}
	if (pl->flush && !pl->rc) {
		/* The trials still open finish here, while the reader prints those before them;
		 * a failure is left for the caller's own analyzer_flush to meet and report. */
		pl->analysing.flushing = 1;
		pthread_mutex_unlock(&pl->mu);
		(void)analyzer_flush(pl->s->an);
		pthread_mutex_lock(&pl->mu);
	}
	hand_over(pl);
	pl->flushed = 1;
	pthread_cond_signal(&pl->printable);
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

static void destroy(pipeline_t *pl)
{
	for (size_t i = 0; i < BATCHES; i++)
		free(pl->all[i]);
	free(pl->analysing.made.p);
	free(pl->ready.p);
	free(pl->printing.p);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->filled);
	pthread_cond_destroy(&pl->freed);
	pthread_cond_destroy(&pl->printable);
	free(pl);
}

int pipeline_start(pipeline_t **out, sniff_t *s)
{
	pipeline_t *pl =
	    aligned_alloc(SNIFF_LINE, sizeof *pl); /* a multiple of SNIFF_LINE, as aligned */
	int rc;

	*out = NULL;
	if (!pl)
		return SP_ENOMEM;
	memset(pl, 0, sizeof *pl);
	pl->s = s;
	for (size_t i = 0; i < BATCHES; i++) {
		pl->all[i] = aligned_alloc(SNIFF_LINE, sizeof *pl->all[i]);
		if (!pl->all[i]) {
			while (i--)
				free(pl->all[i]);
			free(pl);
			return SP_ENOMEM;
		}
		pl->all[i]->n = 0;
		pl->spare[pl->nspare++] = pl->all[i];
	}
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->filled, NULL);
	pthread_cond_init(&pl->freed, NULL);
	pthread_cond_init(&pl->printable, NULL);
	rc = pthread_create(&pl->thread, NULL, analyse, pl);
	if (rc) {
		destroy(pl);
		return -rc;
	}
	*out = pl;
	return 0;
}

/* Queues the batch being filled, if any. Called with the lock held. */
static void submit(pipeline_t *pl)
{
	if (!pl->cur)
		return;
	pl->queue[(pl->head + pl->queued) % BATCHES] = pl->cur;
	pl->queued++;
	pl->cur = NULL;
	pthread_cond_signal(&pl->filled);
}

/* A frame for the analysing thread, without the bytes of its names (two thirds of a pkt_t):
 * the analyzer reads a name only through its key in the analyzer_prep_t, and what crosses
 * to the other core is what costs. */
static void copy_for_analysis(pkt_t *d, const pkt_t *s)
{
	const size_t name = offsetof(pkt_t, dns.q.name.wire),
		     quoted = offsetof(pkt_t, quote.q.name.wire), skip = sizeof s->dns.q.name.wire;

	memcpy(d, s, name);
	memcpy((char *)d + name + skip, (const char *)s + name + skip, quoted - name - skip);
	memcpy((char *)d + quoted + skip, (const char *)s + quoted + skip,
	       sizeof *d - quoted - skip);
}

int pipeline_push(pipeline_t *pl, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
		  const analyzer_prep_t *prep)
{
	struct ent *e;
	int rc;

	if (!pl->cur) {
		pthread_mutex_lock(&pl->mu);
		while (!pl->nspare && !pl->rc)
			pthread_cond_wait(&pl->freed, &pl->mu);
		rc = pl->rc;
		if (!rc)
			pl->cur = pl->spare[--pl->nspare];
		pthread_mutex_unlock(&pl->mu);
		if (rc)
			return rc;
		/* The trials finished meanwhile go out between batches. */
		print_ready(pl);
	}
	e = &pl->cur->e[pl->cur->n];
	e->frame = frame;
	e->ts = ts_ns;
	copy_for_analysis(&e->p, p);
	/* Of the name key, only its bytes are read. */
	memcpy(&e->prep, prep, offsetof(analyzer_prep_t, b));
	memcpy(e->prep.b, prep->b, ((size_t)prep->len + 7) & ~(size_t)7);
	if (p->kind == PKT_TCP) {
		/* The frame's bytes are the reader's, and gone at its next read. */
		uint8_t *copy = NULL;

		if (p->payload && p->payload_len) {
			copy = malloc(p->payload_len);
			if (!copy) {
				sniff_error("cannot keep frame %" PRIu64 ": %s; analyse a smaller "
					    "capture (split it with editcap -c)",
					    frame, sp_strerror(SP_ENOMEM));
				return SP_ENOMEM;
			}
			memcpy(copy, p->payload, p->payload_len);
		}
		e->p.payload = copy;
	}
	if (++pl->cur->n == BATCH) {
		pthread_mutex_lock(&pl->mu);
		submit(pl);
		pthread_mutex_unlock(&pl->mu);
	}
	return 0;
}

int pipeline_sync(pipeline_t *pl)
{
	int rc;

	pthread_mutex_lock(&pl->mu);
	submit(pl);
	while (pl->queued || pl->busy)
		pthread_cond_wait(&pl->freed, &pl->mu);
	rc = pl->rc;
	pthread_mutex_unlock(&pl->mu);
	print_ready(pl);
	return rc;
}

int pipeline_finish(pipeline_t *pl, int flush)
{
	int rc, flushed;

	pthread_mutex_lock(&pl->mu);
	submit(pl);
	pl->done = 1;
	pl->flush = flush;
	pthread_cond_signal(&pl->filled);
	pthread_mutex_unlock(&pl->mu);
	do {
		pthread_mutex_lock(&pl->mu);
		while (!pl->ready.len && !pl->flushed)
			pthread_cond_wait(&pl->printable, &pl->mu);
		flushed = pl->flushed;
		pthread_mutex_unlock(&pl->mu);
		print_ready(pl);
	} while (!flushed);
	pthread_join(pl->thread, NULL);
	rc = pl->rc;
	destroy(pl);
	return rc;
}
