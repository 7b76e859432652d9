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
/* Enough batches in flight that neither side waits on the other's bursts: a TCP frame or
 * a trial's output line takes the analysing thread longer than most. */
#define BATCHES 8
/* How many packets ahead the analysing thread asks for the memory of (analyzer_prefetch). */
#define AHEAD 8

struct ent {
	uint64_t frame, ts;
	pkt_t p; /* a TCP payload points to a copy owned by the entry */
	analyzer_prep_t prep;
};

struct batch {
	size_t n;
	struct ent e[BATCH];
};

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
	struct batch *cur; /* being filled by the reader, NULL if none */
	int done;          /* the reader will queue nothing more */
	int busy;          /* the analysing thread holds a batch */
	int rc;            /* the analysing thread's first error */
};

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
		for (size_t i = 0; i < b->n && rc == 0; i++) {
			/* The tables' slots for a packet a few ahead are fetched while this one
			 * is analysed. */
			if (i + AHEAD < b->n)
				analyzer_prefetch(pl->s->an, &b->e[i + AHEAD].prep);
			if (i + AHEAD / 2 < b->n)
				analyzer_prefetch_records(pl->s->an, &b->e[i + AHEAD / 2].prep);
			rc = sniff_analyse(pl->s, b->e[i].frame, b->e[i].ts, &b->e[i].p,
					   &b->e[i].prep);
		}
		release(b);
		pthread_mutex_lock(&pl->mu);
		if (rc && !pl->rc)
			pl->rc = rc;
		pl->spare[pl->nspare++] = b;
		pl->busy = 0;
		pthread_cond_broadcast(&pl->freed);
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

static void destroy(pipeline_t *pl)
{
	for (size_t i = 0; i < BATCHES; i++)
		free(pl->all[i]);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->filled);
	pthread_cond_destroy(&pl->freed);
	free(pl);
}

int pipeline_start(pipeline_t **out, sniff_t *s)
{
	pipeline_t *pl = calloc(1, sizeof *pl);
	int rc;

	*out = NULL;
	if (!pl)
		return SP_ENOMEM;
	pl->s = s;
	for (size_t i = 0; i < BATCHES; i++) {
		pl->all[i] = malloc(sizeof *pl->all[i]);
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
	}
	e = &pl->cur->e[pl->cur->n];
	e->frame = frame;
	e->ts = ts_ns;
	e->p = *p;
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
	return rc;
}

int pipeline_finish(pipeline_t *pl)
{
	int rc;

	pthread_mutex_lock(&pl->mu);
	submit(pl);
	pl->done = 1;
	pthread_cond_signal(&pl->filled);
	pthread_mutex_unlock(&pl->mu);
	pthread_join(pl->thread, NULL);
	rc = pl->rc;
	destroy(pl);
	return rc;
}
