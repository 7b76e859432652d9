/* Pairing of queries, answers and ICMP errors, DNS over TCP, the verdicts of
 * docs/verdicts.md, and the expiry that keeps memory bounded. */
#define _GNU_SOURCE /* mremap */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#include "err.h"

#define NONE UINT32_MAX
#define PROTO_TCP 6
#define PROTO_UDP 17

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_CORRECT:
		return "correct";
	case VERDICT_RACING:
		return "racing";
	case VERDICT_INCONCLUSIVE:
		return "inconclusive";
	}
	return "unknown";
}

const char *refusal_name(enum refusal r)
{
	switch (r) {
	case REFUSAL_RACE:
		return "race";
	case REFUSAL_LATE:
		return "late";
	case REFUSAL_DUPLICATE:
		return "duplicate";
	}
	return "unknown";
}

enum refusal refusal_classify(const refusal_facts_t *f)
{
	if (f->earlier_answer)
		return REFUSAL_DUPLICATE;
	if (f->requeried)
		return REFUSAL_LATE;
	return REFUSAL_RACE;
}

/* The fields records are looked up by; each table compares only the ones in its mask. A
 * question is (trial, qtype): the trial stands for the lower-cased name. */
typedef struct key {
	uint32_t client, server; /* addresses by their index in the analyzer's address table */
	uint16_t cport, sport, id, qtype;
	uint32_t trial;
	uint8_t proto;
} mkey_t;

enum {
	K_CLIENT = 1 << 0,
	K_CPORT = 1 << 1,
	K_SERVER = 1 << 2,
	K_SPORT = 1 << 3,
	K_ID = 1 << 4,
	K_TRIAL = 1 << 5,
	K_QTYPE = 1 << 6,
	K_PROTO = 1 << 7,
};

#define K_SOCKETS (K_CLIENT | K_CPORT | K_SERVER | K_SPORT | K_PROTO)
#define K_MSG (K_SOCKETS | K_ID)
#define K_QUESTION (K_MSG | K_TRIAL | K_QTYPE)
#define K_ASKER (K_CLIENT | K_TRIAL | K_QTYPE)
#define K_SOCK (K_CLIENT | K_CPORT | K_TRIAL)
#define K_TCLIENT (K_CLIENT | K_TRIAL)

/* A record's place in its pool's list of records by last use, oldest first (expiry). */
typedef struct lru {
	uint32_t older, newer; /* record indices, NONE at the ends */
} lru_t;

/* Every record starts with its key and the capture clock of its last use (expiry). Hashes
 * are kept in their low half, as slots keep them: enough to find a record's slot again. */
typedef struct rec {
	mkey_t k;
	uint64_t touch;
	uint32_t hash; /* of k under its table's mask (queries: K_QUESTION; answers: K_SOCKETS) */
	lru_t lru;
} rec_t;

/* One query as the pairing sees it: a (socket pair, ID, question). A resend with all of
 * these equal is the same query sent again. */
typedef struct query {
	mkey_t k;
	uint64_t touch;
	uint32_t hash; /* of k under K_QUESTION */
	lru_t lru;
	uint32_t h_msg;   /* of k under K_MSG */
	unsigned answers; /* answers paired with it so far */
	uint64_t frame;   /* first send */
} query_t;

/* An answer carries what judging its refusal needs, so its query may expire first.
 *
 * An ICMP error finds the answer it quotes among the answers of its socket pair: the a_sock
 * slot of the pair holds the latest, and each answer the one before it (prev), so that the
 * newest first with the quoted ID (and question) is the latest with that key. Answers go in
 * the order they came (their clock is never moved on), so an answer's prev goes before it
 * does, and a prev whose seq is not below the answer's is gone: freed, or used again since.
 * Adding one reads no older record, where a table per key read the one it replaced. */
typedef struct answer {
	mkey_t k; /* trial/qtype NONE/0 when neither the answer nor its query say */
	uint64_t touch;
	uint32_t hash; /* of k under K_SOCKETS */
	lru_t lru;
	uint32_t prev;                     /* the answer before it on its slot, NONE for none */
	uint32_t tc;                       /* its (trial, client) record, NONE without a trial */
	uint32_t evidence;                 /* index into its trial's evidence, NONE if none kept */
	uint8_t paired;                    /* a query in the capture */
	uint8_t earlier_answer, requeried; /* refusal_facts_t, as of its arrival */
	uint8_t refused;
	uint64_t seq; /* order of arrival, from 1; ANSWER_GONE once freed */
	uint64_t query_frame;
	uint64_t frame, ts;
} answer_t;

#define ANSWER_GONE UINT64_MAX

/* Sends of one question (a query type of a trial) by one client address: enough to tell a
 * resend. */
typedef struct ask {
	uint64_t last_frame;
	uint64_t touch; /* kept in a tclient: its last use, gone a window after it */
	uint32_t sends;
	uint16_t qtype;
	uint8_t used;
} ask_t;

/* A (trial, client, port) that sent queries: counts the trial's sockets. */
typedef struct csock {
	uint64_t touch; /* its last use, gone a window after it */
	uint16_t cport;
	uint8_t used;
} csock_t;

/* Asks and sockets beyond those a tclient holds, in tables of their own. */
typedef struct asker {
	mkey_t k; /* client, trial, qtype */
	uint64_t touch;
	uint32_t hash;
	lru_t lru;
	ask_t d;
} asker_t;

typedef struct sock {
	mkey_t k; /* client, cport, trial */
	uint64_t touch;
	uint32_t hash;
	lru_t lru;
} sock_t;

/* The answer a client had taken: for evidence_t.taken_*. */
typedef struct taken {
	int valid;
	uint16_t qtype;
	uint64_t frame, ts;
} taken_t;

/* A (trial, client address): the latest answer it took, and its asks and sockets, the first
 * few of them here so that a query looks up one record rather than three. Each part goes a
 * window after its own last use, as a record of its own would: a part older than that is
 * taken for absent (stale) and used again. The first client of a trial has its part in the
 * trial's record (a trial nearly always has one client: one lookup less per packet); others
 * have records of their own, which go when all of them has. */
#define TC_ASKS 3 /* A, AAAA and one more (HTTPS) */
#define TC_SOCKS 2
typedef struct tcpart {
	uint64_t taken_touch; /* the last answer to it */
	taken_t last;
	ask_t ask[TC_ASKS];
	csock_t sock[TC_SOCKS];
	uint8_t more_asks, more_socks; /* some went to the askers or socks tables */
} tcpart_t;

typedef struct tclient {
	mkey_t k;
	uint64_t touch;
	uint32_t hash;
	lru_t lru;
	tcpart_t d;
} tclient_t;

/* Which tcpart_t: a tclient record's index, or TC_TRIAL with the index of the trial whose
 * first client it is; NONE for none. */
#define TC_TRIAL 0x80000000u

/* One direction of a TCP connection to or from the DNS port (RFC 7766 section 8). */
typedef struct stream {
	mkey_t k; /* client = source, server = destination of the segments */
	uint64_t touch;
	uint32_t hash;
	lru_t lru;
	int has_seq;
	uint32_t next; /* sequence number of the next byte expected */
	uint8_t *buf;  /* a message begun in an earlier segment, its length prefix first */
	size_t len, cap;
} stream_t;

typedef struct trial_rec {
	trial_t t;
	uint64_t touch;
	lru_t lru;
	uint64_t hash;             /* of its name key (and client, per client) */
	const uint8_t *key;        /* folded wire name, inside the block of t.name */
	uint64_t first_seen_frame; /* order key for trials known only from answers */
	uint64_t first_query_frame;
	uint32_t ev_cap;
	unsigned unanswered_done; /* from queries already expired */
	unsigned unanswered_live; /* live queries with no answer yet */
	uint32_t client_ai;       /* t.client's index in the address table, NONE if not known */
	uint32_t first_client;    /* the client (address index) of first, NONE before any */
	uint8_t key_len;
	uint8_t used, done;
	tcpart_t first;
} trial_rec_t;

/* Gap histogram: exact below 16 us, then 8 buckets per power of two up to 2^40 us. */
#define GAP_BUCKETS (16 + 37 * 8)

/* Where the median of a histogram lies: bucket b holds it and below counts the gaps in the
 * buckets before b. A trial finishing moves it a bucket or so, so that finishing one need
 * not walk the whole histogram. */
struct median {
	unsigned b;
	uint32_t below;
};

typedef struct client_rec {
	client_summary_t done, view;
	uint32_t hist_done[GAP_BUCKETS], hist_view[GAP_BUCKETS];
	struct median med_done;
} client_rec_t;

typedef struct slot {
	uint32_t hash; /* low half of the 64-bit hash, enough to skip most compares */
	uint32_t idx1; /* record index + 1; 0 = empty */
} slot_t;

struct pool;

/* Open addressing with linear probing and backward-shift deletion. */
typedef struct table {
	slot_t *slot;
	size_t cap, n;
	int clearing;            /* every record goes: the table is emptied at once afterwards */
	const struct pool *pool; /* records compared by key under the table's mask */
} table_t;

/* Records of one kind, with a free list so expired indices are used again, and a list of
 * the live ones in the order of their last use: the oldest goes first when it has been quiet
 * for the window, and a record used again moves to the end. */
typedef struct pool {
	void *p;
	size_t n, cap, size;
	uint32_t *free; /* fcap entries, at least cap, so that releasing never allocates */
	size_t fcap;
	size_t nfree;
	size_t used;
	uint32_t oldest, newest;   /* the ends of the list by last use, NONE when empty */
	size_t lru_off, touch_off; /* where each record keeps its lru_t and its clock */
	uint64_t *due;             /* the analyzer's: lowered by a list that begins older */
	uint32_t max;              /* records at most */
} pool_t;

struct order {
	uint64_t key;
	uint32_t idx;
};

/* Every address seen, once: keys hold its index, so that they stay small and compare as
 * integers. Never freed, as client summaries are not. */
typedef struct addr_rec {
	sp_addr_t addr;
	uint32_t client; /* its client_rec, NONE until it has a summary */
	uint64_t hash;
} addr_rec_t;

/* Blocks for trial names (text and folded wire form), by size class: one malloc and free
 * per trial cost more than the rest of its start and end, and at the end of a capture the
 * frees come from another thread than the mallocs, which glibc makes slower still. */
#define NAME_CLASS 32
#define NAME_CLASSES ((DNS_NAME_TEXT + DNS_MAXNAME + NAME_CLASS - 1) / NAME_CLASS + 1)
#define NAME_CHUNK (64 * 1024)

typedef struct names {
	void *free[NAME_CLASSES]; /* each block's first bytes point to the next free one */
	void *chunks;             /* each chunk's first bytes point to the one before */
	uint8_t *cur;             /* the unused rest of the newest chunk */
	size_t left;
} names_t;

/* analyzer_prepare reads the settings on the reading thread while the analysing thread
 * writes the rest: sharing a cache line with what is written, every packet would pull that
 * line from the other core and back. */
#define LINE 64

struct analyzer {
	int per_client;
	names_t names __attribute__((aligned(LINE)));
	pool_t queries, answers, askers, socks, tclients, streams, trials, clients, addrs;
	table_t q_question, q_msg; /* queries by question; latest by message key */
	table_t a_sock;            /* latest answer by socket pair (see answer_t) */
	table_t t_name;            /* live trials by name (and client) */
	table_t k_asker, k_sock, k_tclient, k_addr, k_stream;
	struct order *order; /* used trials in order of first query; built by finish */
	size_t order_n, order_cap;
	int order_valid;
	uint64_t window, now;
	uint64_t answer_seq; /* the last answer's seq */
	int started;
	analyzer_trial_cb cb;
	void *cb_ctx;
	analyzer_stats_t stats;
	/* No record is older than this (the oldest of the lists): expiry has nothing to do before
	 * the window has passed it. */
	uint64_t due;
	pool_t *lists[7];   /* the pools that expire, in the order expire sweeps them */
	uint32_t recent[2]; /* the addresses addr_intern gave last, NONE when unset */
	/* A bit per trial record: the trial has evidence. When everything goes at once, only
	 * the answers of those trials have taken answers worth working out. */
	uint64_t *with_ev;
	size_t with_ev_words;
};

#define AT(pl, type, i) (&((type *)(pl)->p)[i])

/* Pools and tables grow to hundreds of megabytes on a busy capture, and taking
 * their pages one 4 KiB fault at a time cost the analysis a third of its time: from
 * BIG_BYTES up they are mappings of their own, in 2 MiB pages where the kernel has them. */
#define BIG_BYTES (4u << 20)
#define HUGE_PAGE (2u << 20)

static size_t big_len(size_t n) { return (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1); }

/* p (old bytes, from mem_grow or NULL) made new bytes long, contents kept; NULL when out
 * of memory, p untouched. Memory of a new mapping is zero; of malloc, not. */
static void *mem_grow(void *p, size_t old, size_t new)
{
	if (new < BIG_BYTES)
		return realloc(p, new);
	void *q;
	if (old >= BIG_BYTES) {
		q = mremap(p, big_len(old), big_len(new), MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return NULL;
	} else {
		q = mmap(NULL, big_len(new), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (q == MAP_FAILED)
			return NULL;
		if (old)
			memcpy(q, p, old);
		free(p);
	}
	(void)madvise(q, big_len(new), MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
	return q;
}

static void mem_free(void *p, size_t n)
{
	if (n >= BIG_BYTES)
		munmap(p, big_len(n));
	else
		free(p);
}

static void *names_alloc(names_t *n, size_t size)
{
	size_t c = (size + NAME_CLASS - 1) / NAME_CLASS, bytes = c * NAME_CLASS;
	void *b = n->free[c];
	if (b) {
		memcpy(&n->free[c], b, sizeof(void *));
		return b;
	}
	if (n->left < bytes) {
		/* The chunk's header takes one class's room, so that blocks stay aligned. */
		uint8_t *chunk = malloc(NAME_CHUNK);
		if (!chunk)
			return NULL;
		memcpy(chunk, &n->chunks, sizeof(void *));
		n->chunks = chunk;
		n->cur = chunk + NAME_CLASS;
		n->left = NAME_CHUNK - NAME_CLASS;
	}
	b = n->cur;
	n->cur += bytes;
	n->left -= bytes;
	return b;
}

static void names_free(names_t *n, void *b, size_t size)
{
	size_t c = (size + NAME_CLASS - 1) / NAME_CLASS;
	memcpy(b, &n->free[c], sizeof(void *));
	n->free[c] = b;
}

static void names_clear(names_t *n)
{
	while (n->chunks) {
		void *next;
		memcpy(&next, n->chunks, sizeof next);
		free(n->chunks);
		n->chunks = next;
	}
	memset(n, 0, sizeof *n);
}

static rec_t *rec_at(const pool_t *pl, uint32_t i)
{
	return (rec_t *)(void *)((char *)pl->p + (size_t)i * pl->size);
}

static int pool_alloc(pool_t *pl, uint32_t *idx)
{
	if (pl->nfree) {
		*idx = pl->free[--pl->nfree];
	} else {
		if (pl->n >= pl->max)
			return SP_ENOMEM;
		if (pl->n == pl->cap) {
			size_t cap = pl->cap ? pl->cap * 2 : 16;
			void *p = mem_grow(pl->p, pl->cap * pl->size, cap * pl->size);
			if (!p)
				return SP_ENOMEM;
			pl->p = p;
			pl->cap = cap;
		}
		if (pl->fcap < pl->cap) {
			uint32_t *f = mem_grow(pl->free, pl->fcap * sizeof *f, pl->cap * sizeof *f);
			if (!f)
				return SP_ENOMEM;
			pl->free = f;
			pl->fcap = pl->cap;
		}
		*idx = (uint32_t)pl->n++;
	}
	memset(rec_at(pl, *idx), 0, pl->size);
	pl->used++;
	return 0;
}

static void pool_release(pool_t *pl, uint32_t idx)
{
	pl->free[pl->nfree++] = idx;
	pl->used--;
}

static inline lru_t *lru_of(const pool_t *pl, uint32_t i)
{
	return (lru_t *)(void *)((char *)pl->p + (size_t)i * pl->size + pl->lru_off);
}

static inline uint64_t touch_of(const pool_t *pl, uint32_t i)
{
	return *(const uint64_t *)(const void *)((const char *)pl->p + (size_t)i * pl->size +
						 pl->touch_off);
}

/* Puts record i, its clock just set, at the newest end of its pool's list. */
static inline void lru_append(pool_t *pl, uint32_t i)
{
	lru_t *l = lru_of(pl, i);
	l->older = pl->newest;
	l->newer = NONE;
	if (pl->newest != NONE) {
		lru_of(pl, pl->newest)->newer = i;
	} else {
		pl->oldest = i;
		uint64_t t = touch_of(pl, i);
		if (t < *pl->due)
			*pl->due = t;
	}
	pl->newest = i;
}

/* The oldest record moving on leaves a later clock at the front: due, a lower bound of the
 * fronts, stays one. */
static inline void lru_unlink(pool_t *pl, uint32_t i)
{
	lru_t *l = lru_of(pl, i);
	if (l->older != NONE)
		lru_of(pl, l->older)->newer = l->newer;
	else
		pl->oldest = l->newer;
	if (l->newer != NONE)
		lru_of(pl, l->newer)->older = l->older;
	else
		pl->newest = l->older;
}

/* Record i is used again: its clock goes to now and it goes to the newest end. */
static inline void lru_used(pool_t *pl, uint32_t i, uint64_t now)
{
	*(uint64_t *)(void *)((char *)pl->p + (size_t)i * pl->size + pl->touch_off) = now;
	if (pl->newest == i)
		return;
	lru_unlink(pl, i);
	lru_append(pl, i);
}

/* Word-at-a-time mixing: a key is hashed for every table a packet touches, so the
 * per-byte loop of FNV cost more than the lookups it serves. */
static inline uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t mix_addr(uint64_t h, const sp_addr_t *a)
{
	if (a->family == 4) {
		uint32_t v;
		memcpy(&v, a->a, sizeof v);
		return mix64(h, (uint64_t)v << 8 | 4);
	}
	if (a->family == 6)
		return mix64(mix64(h, load64(a->a) ^ 6), load64(a->a + 8));
	return mix64(h, a->family);
}

/* Tables index by the low bits, so every hash goes through a finalizer that spreads all
 * bits down (MurmurHash3 fmix64). */
static inline uint64_t finish_hash(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ULL

/* What a key hashes its address and trial fields by: the hashes of the addresses and of the
 * trial's name key, not their indices, so that a reading thread can hash the keys of a
 * packet from the packet alone (analyzer_prepare). Equal indices mean equal addresses and
 * names, so equal keys still hash alike. */
typedef struct hin {
	uint64_t hc, hs, ht;
} hin_t;

/* Inline everywhere: each call site's mask is a constant, so only its fields are read. */
static inline __attribute__((always_inline)) uint64_t hash_key(const hin_t *in, const mkey_t *k,
							       unsigned mask)
{
	uint64_t h = HASH_SEED ^ mask;
	/* A field outside the mask counts as zero. */
	h = mix64(h, (mask & K_CLIENT) ? in->hc : 0);
	h = mix64(h, (mask & K_SERVER) ? in->hs : 0);
	uint64_t v = 0;
	if (mask & K_CPORT)
		v |= k->cport;
	if (mask & K_SPORT)
		v |= (uint64_t)k->sport << 16;
	if (mask & K_ID)
		v |= (uint64_t)k->id << 32;
	if (mask & K_QTYPE)
		v |= (uint64_t)k->qtype << 48;
	h = mix64(h, v);
	v = 0;
	if (mask & K_TRIAL)
		v ^= in->ht;
	if (mask & K_PROTO)
		v ^= k->proto;
	h = mix64(h, v);
	return finish_hash(h);
}

/* sp_addr_equal, inline: every table compare makes one or two. */
static inline int addr_equal(const sp_addr_t *x, const sp_addr_t *y)
{
	if (x->family != y->family)
		return 0;
	if (x->family == 4)
		return memcmp(x->a, y->a, 4) == 0;
	if (x->family == 6)
		return memcmp(x->a, y->a, 16) == 0;
	return 1;
}

static inline __attribute__((always_inline)) int key_equal(const mkey_t *x, const mkey_t *y,
							   unsigned mask)
{
	if ((mask & K_CLIENT) && x->client != y->client)
		return 0;
	if ((mask & K_CPORT) && x->cport != y->cport)
		return 0;
	if ((mask & K_SERVER) && x->server != y->server)
		return 0;
	if ((mask & K_SPORT) && x->sport != y->sport)
		return 0;
	if ((mask & K_ID) && x->id != y->id)
		return 0;
	if ((mask & K_TRIAL) && x->trial != y->trial)
		return 0;
	if ((mask & K_QTYPE) && x->qtype != y->qtype)
		return 0;
	if ((mask & K_PROTO) && x->proto != y->proto)
		return 0;
	return 1;
}

static __attribute__((noinline)) int table_grow(table_t *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, bytes = cap * sizeof(slot_t);
	slot_t *s = mem_grow(NULL, 0, bytes);
	if (!s)
		return SP_ENOMEM;
	/* The rehash below reads each slot before writing it: a fresh page would be taken
	 * twice, first as the zero page. A mapping of its own is zero: its pages are taken
	 * writable at once, without writing them; malloc's memory is cleared. */
	if (bytes < BIG_BYTES || madvise(s, big_len(bytes), MADV_POPULATE_WRITE) != 0)
		memset(s, 0, bytes);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].idx1)
			continue;
		size_t j = (size_t)t->slot[i].hash & (cap - 1);
		while (s[j].idx1)
			j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	mem_free(t->slot, t->cap * sizeof *s);
	t->slot = s;
	t->cap = cap;
	return 0;
}

/* The slot holding a record equal to k under mask (the table's), or NULL. */
static inline __attribute__((always_inline)) slot_t *table_find(const table_t *t, uint64_t hash,
								const mkey_t *k, unsigned mask)
{
	if (!t->cap)
		return NULL;
	for (size_t j = (size_t)hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1)
			return NULL;
		if (s->hash == (uint32_t)hash &&
		    key_equal(&rec_at(t->pool, s->idx1 - 1)->k, k, mask))
			return s;
	}
}

/* Makes room for one more record, so that the add after it cannot fail. */
static inline int table_reserve(table_t *t)
{
	if ((t->n + 1) * 2 > t->cap)
		return table_grow(t);
	return 0;
}

/* Adds a record known not to be in the table yet (room reserved). */
static void table_put(table_t *t, uint64_t hash, uint32_t idx)
{
	size_t j = (size_t)hash & (t->cap - 1);
	while (t->slot[j].idx1)
		j = (j + 1) & (t->cap - 1);
	t->slot[j].hash = (uint32_t)hash;
	t->slot[j].idx1 = idx + 1;
	t->n++;
}

/* Backward-shift deletion: later entries of the probe run move up so that every lookup
 * still finds them without tombstones. */
static void table_del(table_t *t, slot_t *s)
{
	size_t mask = t->cap - 1, i = (size_t)(s - t->slot), k = i;
	for (;;) {
		k = (k + 1) & mask;
		if (!t->slot[k].idx1)
			break;
		size_t home = (size_t)t->slot[k].hash & mask;
		/* It may fill the hole only if the hole lies on its probe path. */
		if (((k - home) & mask) < ((k - i) & mask))
			continue;
		t->slot[i] = t->slot[k];
		i = k;
	}
	t->slot[i].idx1 = 0;
	t->slot[i].hash = 0;
	t->n--;
}

static inline __attribute__((always_inline)) uint32_t lookup(const table_t *t, uint64_t h,
							     const mkey_t *k, unsigned mask)
{
	slot_t *s = table_find(t, h, k, mask);
	return s ? s->idx1 - 1 : NONE;
}

/* The tables outgrow the caches: a packet asks for the slots it will need before it
 * reads any, so that their misses overlap. */
static inline void table_prefetch(const table_t *t, uint64_t h)
{
	if (t->cap)
		__builtin_prefetch(&t->slot[(size_t)h & (t->cap - 1)]);
}

/* Points the entry for k at idx, adding it if needed ("the latest record with this key"). */
static inline __attribute__((always_inline)) int set_latest(table_t *t, uint64_t h, const mkey_t *k,
							    unsigned mask, uint32_t idx)
{
	slot_t *s = table_find(t, h, k, mask);
	if (s) {
		s->idx1 = idx + 1;
		return 0;
	}
	int rc = table_reserve(t);
	if (rc)
		return rc;
	table_put(t, h, idx);
	return 0;
}

/* The a_sock slot of hash h, or the empty slot that ends its probe run. Slots are told
 * apart by their hash alone: answers of two pairs whose hashes agree share a slot, and
 * answer_find tells them apart by their keys. t->cap must not be 0. */
static slot_t *answer_slot(const table_t *t, uint64_t h)
{
	for (size_t j = (size_t)h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1 || s->hash == (uint32_t)h)
			return s;
	}
}

/* Makes answer idx the latest of the a_sock slot of hash h and returns the one it follows
 * there, NONE for none. Room must have been reserved. */
static uint32_t answer_push(table_t *t, uint64_t h, uint32_t idx)
{
	slot_t *s = answer_slot(t, h);
	uint32_t prev = s->idx1 ? s->idx1 - 1 : NONE;
	if (!s->idx1) {
		s->hash = (uint32_t)h;
		t->n++;
	}
	s->idx1 = idx + 1;
	return prev;
}

/* An ICMP error follows the answer it quotes within moments, so the answer is nearly always
 * the latest of its socket pair or close to it. A pair that carried thousands of answers in
 * the window (one socket kept for every query, or a flood) is looked through this far and no
 * further, so that a capture of such errors costs time in proportion to its length. */
#define ANSWER_WALK 256

/* The latest live answer whose key is k under mask (K_SOCKETS and more): the first of the
 * slot's answers, newest first, with that key, among the ANSWER_WALK latest. h: k's hash
 * under K_SOCKETS. */
static uint32_t answer_find(const analyzer_t *a, uint64_t h, const mkey_t *k, unsigned mask)
{
	if (!a->a_sock.cap)
		return NONE;
	const slot_t *s = answer_slot(&a->a_sock, h);
	if (!s->idx1)
		return NONE;
	uint32_t i = s->idx1 - 1;
	for (int n = 0; n < ANSWER_WALK; n++) {
		const answer_t *an = AT(&a->answers, answer_t, i);
		if (key_equal(&an->k, k, mask))
			return i;
		uint32_t p = an->prev;
		if (p == NONE || AT(&a->answers, answer_t, p)->seq >= an->seq)
			return NONE;
		i = p;
	}
	return NONE;
}

/* Removes the entry for idx's key (hash h) if it still points at idx. Only the slot of
 * that key can point at idx, and it lies on the probe run from h's home: no key compare. */
static void unset(table_t *t, uint64_t h, uint32_t idx)
{
	if (!t->cap || t->clearing)
		return;
	for (size_t j = (size_t)h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1)
			return;
		if (s->idx1 == idx + 1) {
			table_del(t, s);
			return;
		}
	}
}

/* Empties a table whose records all went (clearing), giving back its memory. */
static void table_drop(table_t *t)
{
	mem_free(t->slot, t->cap * sizeof *t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
	t->clearing = 0;
}

/* mask: the key fields of the table, which every lookup passes as a constant. */
static void table_init(table_t *t, unsigned mask, const pool_t *pool)
{
	(void)mask;
	memset(t, 0, sizeof *t);
	t->pool = pool;
}

static void pool_init(pool_t *pl, size_t size, size_t lru_off, size_t touch_off)
{
	memset(pl, 0, sizeof *pl);
	pl->size = size;
	pl->lru_off = lru_off;
	pl->touch_off = touch_off;
	pl->oldest = pl->newest = NONE;
	pl->max = NONE - 1;
}

#define POOL_INIT(pl, type) pool_init(pl, sizeof(type), offsetof(type, lru), offsetof(type, touch))

analyzer_t *analyzer_new(void)
{
	analyzer_t *a = aligned_alloc(LINE, sizeof *a); /* a multiple of LINE, as aligned */
	if (!a)
		return NULL;
	memset(a, 0, sizeof *a);
	POOL_INIT(&a->queries, query_t);
	POOL_INIT(&a->answers, answer_t);
	POOL_INIT(&a->askers, asker_t);
	POOL_INIT(&a->socks, sock_t);
	POOL_INIT(&a->tclients, tclient_t);
	POOL_INIT(&a->streams, stream_t);
	POOL_INIT(&a->trials, trial_rec_t);
	a->trials.max = a->tclients.max = TC_TRIAL;         /* an index below it, for tcpart refs */
	pool_init(&a->clients, sizeof(client_rec_t), 0, 0); /* never expire */
	pool_t *all[] = {&a->queries, &a->answers, &a->askers,  &a->socks, &a->tclients,
			 &a->streams, &a->trials,  &a->clients, &a->addrs};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		all[i]->due = &a->due;
	table_init(&a->q_question, K_QUESTION, &a->queries);
	table_init(&a->q_msg, K_MSG, &a->queries);
	table_init(&a->a_sock, K_SOCKETS, &a->answers);
	table_init(&a->t_name, 0, NULL);
	table_init(&a->k_asker, K_ASKER, &a->askers);
	table_init(&a->k_sock, K_SOCK, &a->socks);
	table_init(&a->k_tclient, K_TCLIENT, &a->tclients);
	pool_init(&a->addrs, sizeof(addr_rec_t), 0, 0);
	table_init(&a->k_addr, 0, NULL);
	table_init(&a->k_stream, K_SOCKETS, &a->streams);
	a->window = ANALYZER_WINDOW_DEFAULT_NS;
	pool_t *lists[] = {&a->answers,  &a->queries, &a->askers, &a->socks,
			   &a->tclients, &a->streams, &a->trials};
	memcpy(a->lists, lists, sizeof lists);
	a->due = UINT64_MAX;
	a->recent[0] = a->recent[1] = NONE;
	return a;
}

static trial_rec_t *trial_at(const analyzer_t *a, uint32_t i)
{
	return AT(&a->trials, trial_rec_t, i);
}

void analyzer_free(analyzer_t *a)
{
	if (!a)
		return;
	/* Trials that finished through the callback gave theirs back: after a flush, none
	 * is left to look at. */
	for (size_t i = 0; i < a->trials.n && a->trials.used; i++) {
		trial_rec_t *tr = trial_at(a, (uint32_t)i);
		free(tr->t.evidence);
	}
	names_clear(&a->names);
	for (size_t i = 0; i < a->streams.n; i++)
		free(AT(&a->streams, stream_t, i)->buf);
	pool_t *pools[] = {&a->queries, &a->answers, &a->askers,  &a->socks, &a->tclients,
			   &a->streams, &a->trials,  &a->clients, &a->addrs};
	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		mem_free(pools[i]->p, pools[i]->cap * pools[i]->size);
		mem_free(pools[i]->free, pools[i]->fcap * sizeof *pools[i]->free);
	}
	table_t *tabs[] = {&a->q_question, &a->q_msg,     &a->a_sock, &a->t_name,  &a->k_asker,
			   &a->k_sock,     &a->k_tclient, &a->k_addr, &a->k_stream};
	for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++)
		mem_free(tabs[i]->slot, tabs[i]->cap * sizeof *tabs[i]->slot);
	free(a->order);
	free(a->with_ev);
	free(a);
}

void analyzer_set_drops(analyzer_t *a, uint64_t drops)
{
	a->stats.drops = drops;
	a->stats.drops_known = 1;
}

void analyzer_set_window(analyzer_t *a, uint64_t window_ns) { a->window = window_ns; }

void analyzer_set_per_client(analyzer_t *a, int on)
{
	if (!a->started)
		a->per_client = on != 0;
}

void analyzer_set_trial_cb(analyzer_t *a, analyzer_trial_cb cb, void *ctx)
{
	a->cb = cb;
	a->cb_ctx = ctx;
}

/* ---- clients ---- */

static unsigned gap_bucket(uint64_t gap_ns)
{
	uint64_t us = gap_ns / 1000;
	if (us < 16)
		return (unsigned)us;
	unsigned e = 63 - (unsigned)__builtin_clzll(us);
	if (e > 40)
		return GAP_BUCKETS - 1;
	return 16 + (e - 4) * 8 + (unsigned)((us >> (e - 3)) & 7);
}

/* The middle of a bucket, in ns. */
static uint64_t gap_value(unsigned b)
{
	if (b < 16)
		return (uint64_t)b * 1000;
	unsigned e = (b - 16) / 8 + 4, m = (b - 16) % 8;
	uint64_t lo = (uint64_t)(8 + m) << (e - 3);
	return (lo + (1ULL << (e - 3)) / 2) * 1000;
}

static void gap_median(client_summary_t *c, const uint32_t *hist)
{
	c->gap_median_ns = 0;
	if (!c->gaps)
		return;
	uint64_t rank = (c->gaps - 1) / 2, seen = 0;
	for (unsigned b = 0; b < GAP_BUCKETS; b++) {
		seen += hist[b];
		if (seen > rank) {
			uint64_t v = gap_value(b);
			/* A bucket's middle can lie outside what was seen. */
			c->gap_median_ns = v < c->gap_min_ns   ? c->gap_min_ns
					   : v > c->gap_max_ns ? c->gap_max_ns
							       : v;
			return;
		}
	}
}

/* The median's bucket after a gap went into bucket x (c->gaps counts it already): the same
 * bucket gap_median finds, the first whose running count passes the rank. */
static void median_step(const client_summary_t *c, const uint32_t *hist, struct median *m,
			unsigned x)
{
	uint64_t rank = (c->gaps - 1) / 2;
	if (c->gaps > 1 && x < m->b)
		m->below++;
	else if (c->gaps == 1)
		m->b = m->below = 0;
	while (m->below > rank)
		m->below -= hist[--m->b];
	while (m->below + hist[m->b] <= rank)
		m->below += hist[m->b++];
}

static uint64_t median_value(const client_summary_t *c, const struct median *m)
{
	if (!c->gaps)
		return 0;
	uint64_t v = gap_value(m->b);
	return v < c->gap_min_ns ? c->gap_min_ns : v > c->gap_max_ns ? c->gap_max_ns : v;
}

/* med: NULL, or the median of c's histogram kept up to date (c->gap_median_ns with it). */
static void client_add(client_summary_t *c, uint32_t *hist, struct median *med, const trial_t *t)
{
	c->trials++;
	c->race += t->race;
	c->late += t->late;
	c->duplicate += t->duplicate;
	if (t->verdict == VERDICT_RACING)
		c->racing++;
	else if (t->verdict == VERDICT_CORRECT)
		c->correct++;
	else
		c->inconclusive++;
	c->verdict = c->racing    ? VERDICT_RACING
		     : c->correct ? VERDICT_CORRECT
				  : VERDICT_INCONCLUSIVE;
	c->queries += t->queries;
	c->requeries += t->requeries;
	c->answers += t->answers;
	c->tcp_queries += t->tcp_queries;
	c->unanswered += t->unanswered;
	c->truncated += t->truncated;
	c->errors += t->errors;
	if (!t->queries)
		return;
	if (t->sockets <= 1)
		c->one_socket++;
	else if (t->sockets == 2)
		c->two_sockets++;
	else
		c->more_sockets++;
	if (t->tcp_queries == 0)
		c->udp_only++;
	else if (t->tcp_queries == t->queries)
		c->tcp_only++;
	else
		c->udp_and_tcp++;
	if (!t->second_qtype) {
		c->single_type++;
		return;
	}
	if (t->first_qtype == DNS_T_A && t->second_qtype == DNS_T_AAAA)
		c->a_first++;
	else if (t->first_qtype == DNS_T_AAAA && t->second_qtype == DNS_T_A)
		c->aaaa_first++;
	if (t->parallel)
		c->parallel++;
	else
		c->sequential++;
	uint64_t gap =
	    t->second_query_ts > t->first_query_ts ? t->second_query_ts - t->first_query_ts : 0;
	if (!c->gaps || gap < c->gap_min_ns)
		c->gap_min_ns = gap;
	if (!c->gaps || gap > c->gap_max_ns)
		c->gap_max_ns = gap;
	c->gaps++;
	unsigned b = gap_bucket(gap);
	hist[b]++;
	if (med) {
		median_step(c, hist, med, b);
		c->gap_median_ns = median_value(c, med);
	}
}

static const sp_addr_t *addr_at(const analyzer_t *a, uint32_t i)
{
	return &AT(&a->addrs, addr_rec_t, i)->addr;
}

/* hash_key for a key of records already made: its addresses and trial are known by index. */
static inline __attribute__((always_inline)) uint64_t key_hash(const analyzer_t *a, const mkey_t *k,
							       unsigned mask)
{
	hin_t in = {0, 0, 0};
	if (mask & K_CLIENT)
		in.hc = AT(&a->addrs, addr_rec_t, k->client)->hash;
	if (mask & K_SERVER)
		in.hs = AT(&a->addrs, addr_rec_t, k->server)->hash;
	if (mask & K_TRIAL)
		in.ht = trial_at(a, k->trial)->hash;
	return hash_key(&in, k, mask);
}

/* The index of address x, NONE if it was never seen. */
static uint32_t addr_find(const analyzer_t *a, const sp_addr_t *x, uint64_t h)
{
	const table_t *t = &a->k_addr;
	if (!t->cap)
		return NONE;
	for (size_t j = (size_t)h & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		const slot_t *s = &t->slot[j];
		if (!s->idx1)
			return NONE;
		if (s->hash == (uint32_t)h && addr_equal(addr_at(a, s->idx1 - 1), x))
			return s->idx1 - 1;
	}
}

static uint64_t addr_hash(const sp_addr_t *x) { return finish_hash(mix_addr(HASH_SEED, x)); }

/* h: addr_hash(x). */
static int addr_intern(analyzer_t *a, const sp_addr_t *x, uint64_t h, uint32_t *out)
{
	/* A capture is mostly a few servers and their clients: the last two addresses answer
	 * most lookups (a query's server, then its answer's client) without hashing. */
	for (int i = 0; i < 2; i++) {
		uint32_t r = a->recent[i];
		if (r != NONE && addr_equal(addr_at(a, r), x)) {
			*out = r;
			return 0;
		}
	}
	*out = addr_find(a, x, h);
	if (*out != NONE) {
		a->recent[1] = a->recent[0];
		a->recent[0] = *out;
		return 0;
	}
	int rc = table_reserve(&a->k_addr);
	if (rc == 0)
		rc = pool_alloc(&a->addrs, out);
	if (rc)
		return rc;
	addr_rec_t *r = AT(&a->addrs, addr_rec_t, *out);
	r->addr = *x;
	r->client = NONE;
	r->hash = h;
	table_put(&a->k_addr, h, *out);
	a->recent[1] = a->recent[0];
	a->recent[0] = *out;
	return 0;
}

static int client_get(analyzer_t *a, const sp_addr_t *addr, uint32_t *out)
{
	uint32_t ai;
	int rc = addr_intern(a, addr, addr_hash(addr), &ai);
	if (rc)
		return rc;
	addr_rec_t *r = AT(&a->addrs, addr_rec_t, ai);
	if (r->client != NONE) {
		*out = r->client;
		return 0;
	}
	rc = pool_alloc(&a->clients, out);
	if (rc)
		return rc;
	client_rec_t *c = AT(&a->clients, client_rec_t, *out);
	c->done.addr = c->view.addr = *addr;
	AT(&a->addrs, addr_rec_t, ai)->client = *out;
	return 0;
}

/* client_get for a trial's client, by its address index when the trial knows it. */
static int trial_client(analyzer_t *a, const struct trial_rec *tr, uint32_t *out);

/* ---- trials ---- */

/* A trial is keyed by its name's wire form with ASCII folded to lower case: the text form
 * (dns_name_to_text) is a one-to-one function of it, so both tell the same trials apart,
 * and the text is made only when a trial is created. */
typedef analyzer_prep_t name_key_t;

/* analyzer_prep_t.kind: which keys its hashes are of (analyzer_prepare). */
enum { PREP_NONE, PREP_QUERY, PREP_ANSWER, PREP_ICMP, PREP_TCP };

/* ASCII upper case to lower case in eight bytes at once; other bytes (label lengths are at
 * most 63, below 'A') are left alone. */
static inline uint64_t fold_word(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t low7 = x & ~high;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');     /* top bit: low7 >= 'A' */
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1); /* top bit: low7 > 'Z' */
	return x | (ge_a & ~gt_z & ~x & high) >> 2;
}

/* Checks the shape as dns_name_to_text does, so a name it refuses pairs with nothing. */
static void name_key(const analyzer_t *a, const dns_name_t *n, const sp_addr_t *client,
		     name_key_t *k)
{
	k->len = 0;
	size_t len = n->len, i = 0;
	if (len < 1 || len > DNS_MAXNAME)
		return;
	for (;;) {
		uint8_t l = n->wire[i];
		if (l == 0) {
			if (i + 1 != len)
				return;
			break;
		}
		if (l > DNS_MAXLABEL || (size_t)l + 1 > len - i)
			return;
		i += (size_t)l + 1;
		if (i >= len)
			return;
	}
	/* Words are read from the name itself: copied first and read back in words, the copy's
	 * bytes reached the loads through the store buffer, which stalls on every word. */
	uint64_t h = HASH_SEED ^ len;
	for (i = 0; i < len; i += 8) {
		uint64_t w;
		size_t left = len - i;
		if (left >= 8) {
			w = load64(n->wire + i);
		} else if (i + 8 <= sizeof n->wire && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
			w = load64(n->wire + i) & ((1ull << (8 * left)) - 1); /* zero padded */
		} else {
			w = 0;
			memcpy(&w, n->wire + i, left);
		}
		w = fold_word(w);
		memcpy(k->b + i, &w, sizeof w);
		h = mix64(h, w);
	}
	if (a->per_client)
		h = mix_addr(h, client);
	k->hash = finish_hash(h);
	k->len = (uint8_t)len;
}

/* The text form of a name from its folded key: dns_name_to_text's, made directly for the
 * names nearly every capture holds (letters, digits, '-' and '_'); others go through it. */
/* The key in text form, as dns_name_to_text makes it of the name (which folds ASCII case
 * too): here directly for the names nearly every capture holds (letters, digits, '-' and
 * '_'), through it for others. The name's own bytes are not needed: sniff's analysing thread
 * is not given them. */
static int key_text_slow(const name_key_t *k, char *out, size_t outlen)
{
	dns_name_t n;
	n.len = k->len;
	memcpy(n.wire, k->b, k->len);
	return dns_name_to_text(&n, out, outlen);
}

static int name_text(const name_key_t *k, char *out, size_t outlen)
{
	size_t o = 0, i = 0;
	if (k->len <= 1 || k->len > outlen)
		return key_text_slow(k, out, outlen);
	for (;;) {
		uint8_t l = k->b[i++];
		if (l == 0)
			break;
		for (uint8_t j = 0; j < l; j++) {
			uint8_t c = k->b[i++];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return key_text_slow(k, out, outlen);
			out[o++] = (char)c;
		}
		out[o++] = '.';
	}
	if (o == 0) /* the root alone, which len > 1 rules out */
		return key_text_slow(k, out, outlen);
	/* "a.b." without its last dot: at most len - 1 bytes with the NUL, room checked above. */
	out[--o] = '\0';
	return (int)o;
}

static slot_t *trial_find(const analyzer_t *a, const name_key_t *k, const sp_addr_t *client)
{
	const table_t *t = &a->t_name;
	if (!t->cap)
		return NULL;
	for (size_t j = (size_t)k->hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1)
			return NULL;
		if (s->hash != (uint32_t)k->hash)
			continue;
		const trial_rec_t *tr = trial_at(a, s->idx1 - 1);
		if (tr->hash == k->hash && tr->key_len == k->len &&
		    memcmp(tr->key, k->b, k->len) == 0 &&
		    (!a->per_client || sp_addr_equal(&tr->t.client, client)))
			return s;
	}
}

/* Takes a finished trial out of the name table: the slot that points at it, found from
 * its hash without comparing names. */
static void trial_unlist(analyzer_t *a, uint32_t ti)
{
	table_t *t = &a->t_name;
	if (!t->cap || t->clearing)
		return;
	const trial_rec_t *tr = trial_at(a, ti);
	for (size_t j = (size_t)tr->hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1)
			return;
		if (s->idx1 == ti + 1) {
			table_del(t, s);
			return;
		}
	}
}

/* The live trial of a question's name (asked by or answered to client), NONE if there is
 * none (and create is 0). */
static int trial_get(analyzer_t *a, const name_key_t *nk, int create, uint64_t frame, uint64_t ts,
		     const sp_addr_t *client, uint32_t *out)
{
	*out = NONE;
	if (!nk->len)
		return 0; /* cannot happen for a parsed name; such a question pairs with nothing */
	slot_t *s = trial_find(a, nk, client);
	if (s) {
		*out = s->idx1 - 1;
		return 0;
	}
	if (!create)
		return 0;
	char text[DNS_NAME_TEXT];
	int tl = name_text(nk, text, sizeof text);
	if (tl < 0)
		return 0;
	int rc = table_reserve(&a->t_name);
	if (rc)
		return rc;
	/* One block: the text, then the folded wire form the table compares. */
	char *copy = names_alloc(&a->names, (size_t)tl + 1 + nk->len);
	if (!copy)
		return SP_ENOMEM;
	memcpy(copy, text, (size_t)tl + 1);
	memcpy(copy + tl + 1, nk->b, nk->len);
	uint32_t idx;
	rc = pool_alloc(&a->trials, &idx);
	if (rc) {
		names_free(&a->names, copy, (size_t)tl + 1 + nk->len);
		return rc;
	}
	if (idx / 64 < a->with_ev_words)
		a->with_ev[idx / 64] &= ~(1ull << (idx % 64));
	trial_rec_t *tr = trial_at(a, idx);
	tr->t.name = copy;
	tr->key = (const uint8_t *)copy + tl + 1;
	tr->key_len = nk->len;
	tr->t.client = *client;
	tr->client_ai = NONE;
	tr->first_client = NONE;
	tr->used = 1;
	tr->hash = nk->hash;
	tr->touch = a->now;
	lru_append(&a->trials, idx);
	tr->t.last_ts = ts;
	tr->first_seen_frame = frame;
	table_put(&a->t_name, nk->hash, idx);
	a->order_valid = 0;
	*out = idx;
	return 0;
}

static int trial_client(analyzer_t *a, const trial_rec_t *tr, uint32_t *out)
{
	if (tr->client_ai != NONE) {
		uint32_t ci = AT(&a->addrs, addr_rec_t, tr->client_ai)->client;
		if (ci != NONE) {
			*out = ci;
			return 0;
		}
	}
	return client_get(a, &tr->t.client, out);
}

static void trial_touch(analyzer_t *a, uint32_t ti, uint64_t ts)
{
	trial_rec_t *tr = trial_at(a, ti);
	lru_used(&a->trials, ti, a->now);
	if (ts > tr->t.last_ts)
		tr->t.last_ts = ts;
}

static void trial_verdict(const analyzer_t *a, trial_t *t)
{
	t->reason = NULL;
	if (t->race > 0) {
		t->verdict = VERDICT_RACING;
	} else if (t->queries == 0) {
		t->verdict = VERDICT_INCONCLUSIVE;
		t->reason = "no queries seen";
	} else if (t->answers == 0) {
		/* Nothing was answered, so nothing could be refused: the wire cannot tell. */
		t->verdict = VERDICT_INCONCLUSIVE;
		t->reason = "no answers seen";
	} else if (a->stats.drops > 0) {
		t->verdict = VERDICT_INCONCLUSIVE;
		t->reason = "the capture dropped packets";
	} else {
		t->verdict = VERDICT_CORRECT;
	}
}

/* Finds the record with key k in t (its pool), or adds one; *fresh says which. Every new
 * record goes at the newest end of its pool.s list. */
static inline __attribute__((always_inline)) int find_or_add(analyzer_t *a, table_t *t, pool_t *pl,
							     uint64_t h, const mkey_t *k,
							     unsigned mask, uint32_t *idx,
							     int *fresh)
{
	slot_t *s = table_find(t, h, k, mask);
	*fresh = 0;
	if (s) {
		*idx = s->idx1 - 1;
		lru_used(pl, *idx, a->now);
		return 0;
	}
	int rc = table_reserve(t);
	if (rc == 0)
		rc = pool_alloc(pl, idx);
	if (rc)
		return rc;
	rec_t *r = rec_at(pl, *idx);
	r->k = *k;
	r->touch = a->now;
	r->hash = h;
	lru_append(pl, *idx);
	table_put(t, h, *idx);
	*fresh = 1;
	return 0;
}

/* Allocates a record that no table finds by its own key (answers go in several tables, set
 * by the caller), used now. */
static int add_rec(analyzer_t *a, pool_t *pl, uint32_t *idx)
{
	int rc = pool_alloc(pl, idx);
	if (rc)
		return rc;
	rec_at(pl, *idx)->touch = a->now;
	lru_append(pl, *idx);
	return 0;
}

/* ---- a client's part of a trial (tclient_t) ---- */

/* Whether a part last used at touch is gone: what expire would have done to it as a record
 * of its own before this packet. */
static inline int stale(const analyzer_t *a, uint64_t touch)
{
	return a->window && a->now > a->window && touch < a->now - a->window;
}

static tcpart_t *tc_part(const analyzer_t *a, uint32_t ref)
{
	return ref & TC_TRIAL ? &trial_at(a, ref & ~TC_TRIAL)->first
			      : &AT(&a->tclients, tclient_t, ref)->d;
}

/* The part of k's (client, trial) in *ref, made if there is none: 0 or SP_ENOMEM. */
static int tc_get(analyzer_t *a, const mkey_t *k, uint32_t *ref)
{
	trial_rec_t *tr = trial_at(a, k->trial);
	if (tr->first_client == NONE)
		tr->first_client = k->client; /* its part is zero, as the record was made */
	if (tr->first_client == k->client) {
		*ref = TC_TRIAL | k->trial;
		return 0;
	}
	int fresh;
	return find_or_add(a, &a->k_tclient, &a->tclients, key_hash(a, k, K_TCLIENT), k, K_TCLIENT,
			   ref, &fresh);
}

/* The live ask of k's (client, trial, qtype) in tc, NULL if none; *ai is its
 * index in the askers table, NONE when tc holds it. Keys of the askers and socks tables are
 * hashed here, when some went there: rarely, so the reading thread does not. */
static ask_t *ask_lookup(const analyzer_t *a, tcpart_t *tc, const mkey_t *k, uint32_t *ai)
{
	*ai = NONE;
	for (int i = 0; i < TC_ASKS; i++) {
		ask_t *as = &tc->ask[i];
		if (as->used && as->qtype == k->qtype && !stale(a, as->touch))
			return as;
	}
	if (tc->more_asks)
		*ai = lookup(&a->k_asker, key_hash(a, k, K_ASKER), k, K_ASKER);
	return *ai != NONE ? &AT(&a->askers, asker_t, *ai)->d : NULL;
}

static const ask_t *ask_find(const analyzer_t *a, tcpart_t *tc, const mkey_t *k)
{
	uint32_t ai;
	return ask_lookup(a, tc, k, &ai);
}

/* The ask of k in tc, used now; made if there is none. 0 or SP_ENOMEM. */
static int ask_get(analyzer_t *a, tcpart_t *tc, const mkey_t *k, ask_t **out)
{
	uint32_t ai;
	ask_t *as = ask_lookup(a, tc, k, &ai);
	if (as && ai != NONE)
		lru_used(&a->askers, ai, a->now);
	if (!as) {
		for (int i = 0; i < TC_ASKS && !as; i++)
			if (!tc->ask[i].used || stale(a, tc->ask[i].touch))
				as = &tc->ask[i];
		if (!as) {
			int fresh;
			int rc = find_or_add(a, &a->k_asker, &a->askers, key_hash(a, k, K_ASKER), k,
					     K_ASKER, &ai, &fresh);
			if (rc)
				return rc;
			tc->more_asks = 1;
			as = &AT(&a->askers, asker_t, ai)->d;
		}
		memset(as, 0, sizeof *as);
		as->used = 1;
		as->qtype = k->qtype;
	}
	as->touch = a->now;
	*out = as;
	return 0;
}

/* k's (client, cport) in tc, used now; *fresh when it was not there (a socket new to the
 * trial). 0 or SP_ENOMEM. */
static int sock_get(analyzer_t *a, tcpart_t *tc, const mkey_t *k, int *fresh)
{
	*fresh = 0;
	for (int i = 0; i < TC_SOCKS; i++) {
		csock_t *cs = &tc->sock[i];
		if (cs->used && cs->cport == k->cport && !stale(a, cs->touch)) {
			cs->touch = a->now;
			return 0;
		}
	}
	if (tc->more_socks) {
		slot_t *sl = table_find(&a->k_sock, key_hash(a, k, K_SOCK), k, K_SOCK);
		if (sl) {
			lru_used(&a->socks, sl->idx1 - 1, a->now);
			return 0;
		}
	}
	*fresh = 1;
	for (int i = 0; i < TC_SOCKS; i++) {
		csock_t *cs = &tc->sock[i];
		if (!cs->used || stale(a, cs->touch)) {
			cs->used = 1;
			cs->cport = k->cport;
			cs->touch = a->now;
			return 0;
		}
	}
	uint32_t si;
	int made;
	int rc =
	    find_or_add(a, &a->k_sock, &a->socks, key_hash(a, k, K_SOCK), k, K_SOCK, &si, &made);
	if (rc == 0)
		tc->more_socks = 1;
	return rc;
}

/* ---- packets ---- */

/* The client asked a question again: an answer to it refused earlier was not one the
 * client raced past but one it gave up on (a socket closed to retry, say over TCP after a
 * truncated answer), so a race recorded for it becomes late (docs/verdicts.md). */
static void relabel_races_late(trial_t *t, const sp_addr_t *client, uint16_t qtype, uint64_t frame)
{
	for (size_t i = 0; i < t->n_evidence; i++) {
		evidence_t *e = &t->evidence[i];
		if (e->kind == REFUSAL_RACE && e->qtype == qtype && e->query_frame < frame &&
		    sp_addr_equal(&e->client, client)) {
			e->kind = REFUSAL_LATE;
			t->race--;
			t->late++;
		}
	}
}

static int add_query(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p,
		     const name_key_t *nk)
{
	a->stats.queries++;
	if (!p->dns.has_question)
		return 0; /* no name, no trial: nothing can be said about it */
	uint32_t ti;
	int rc = trial_get(a, nk, 1, frame, ts, &p->src, &ti);
	if (rc || ti == NONE)
		return rc;

	mkey_t k = {.cport = p->sport,
		    .sport = p->dport,
		    .id = p->dns.h.id,
		    .qtype = p->dns.q.qtype,
		    .trial = ti,
		    .proto = p->proto};
	if ((rc = addr_intern(a, &p->src, nk->hc, &k.client)) != 0 ||
	    (rc = addr_intern(a, &p->dst, nk->hs, &k.server)) != 0)
		return rc;
	/* A trial means a name key: analyzer_prepare hashed this query's keys. */
	uint64_t h_q = nk->h[2], h_msg = nk->h[3];
	table_prefetch(&a->q_question, h_q);
	table_prefetch(&a->q_msg, h_msg);

	uint32_t tci;
	ask_t *as;
	int sock_fresh, fresh;
	rc = tc_get(a, &k, &tci);
	if (rc == 0)
		rc = ask_get(a, tc_part(a, tci), &k, &as);
	if (rc == 0)
		rc = sock_get(a, tc_part(a, tci), &k, &sock_fresh);
	if (rc)
		return rc;

	uint32_t qi = lookup(&a->q_question, h_q, &k, K_QUESTION);
	if (qi == NONE) {
		rc = table_reserve(&a->q_msg);
		if (rc == 0)
			rc = find_or_add(a, &a->q_question, &a->queries, h_q, &k, K_QUESTION, &qi,
					 &fresh);
		if (rc)
			return rc;
		set_latest(&a->q_msg, h_msg, &k, K_MSG, qi); /* room reserved: cannot fail */
		trial_at(a, ti)->unanswered_live++;
		query_t *q = AT(&a->queries, query_t, qi);
		q->h_msg = h_msg;
		q->frame = frame;
	}

	/* Nothing below can fail, so a failed call leaves the counts as they were. */
	trial_rec_t *tr = trial_at(a, ti);
	trial_t *t = &tr->t;
	trial_touch(a, ti, ts);
	t->queries++;
	if (as->sends > 0) {
		t->requeries++;
		relabel_races_late(t, &p->src, k.qtype, frame);
	}
	as->sends++;
	as->last_frame = frame;
	if (sock_fresh)
		t->sockets++;
	if (p->proto == PROTO_TCP)
		t->tcp_queries++;
	if (t->queries == 1) {
		t->client = p->src;
		tr->client_ai = k.client;
		t->first_qtype = k.qtype;
		t->first_query_ts = ts;
		tr->first_query_frame = frame;
		a->order_valid = 0;
	} else if (t->second_qtype == 0 && k.qtype != t->first_qtype) {
		t->second_qtype = k.qtype;
		t->second_query_ts = ts;
		t->parallel = t->answers == 0;
	}
	return 0;
}

static int add_answer(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p,
		      const name_key_t *nk)
{
	a->stats.answers++;
	mkey_t k = {.cport = p->dport,
		    .sport = p->sport,
		    .id = p->dns.h.id,
		    .trial = NONE,
		    .proto = p->proto};
	int rc;
	if ((rc = addr_intern(a, &p->dst, nk->hc, &k.client)) != 0 ||
	    (rc = addr_intern(a, &p->src, nk->hs, &k.server)) != 0)
		return rc;
	/* The socket key (and without a question the message key) does not involve the trial:
	 * known from the start. The question key was hashed with the trial of the answer's
	 * name. */
	uint64_t h_sock = nk->h[1];
	table_prefetch(&a->a_sock, h_sock);
	uint32_t ti = NONE, qi = NONE;
	if (p->dns.has_question) {
		rc = trial_get(a, nk, 0, frame, ts, &p->dst, &ti);
		if (rc)
			return rc;
		k.trial = ti;
		k.qtype = p->dns.q.qtype;
		if (ti != NONE)
			qi = lookup(&a->q_question, nk->h[2], &k, K_QUESTION);
	} else {
		qi = lookup(&a->q_msg, nk->h[0], &k, K_MSG);
	}
	if (qi != NONE) {
		const query_t *q = AT(&a->queries, query_t, qi);
		k.trial = q->k.trial;
		k.qtype = q->k.qtype;
		ti = k.trial;
	} else if (p->dns.has_question && ti == NONE) {
		rc = trial_get(a, nk, 1, frame, ts, &p->dst, &ti);
		if (rc)
			return rc;
		k.trial = ti;
		if (ti != NONE) {
			trial_rec_t *tr = trial_at(a, ti);
			if (tr->client_ai == NONE && addr_equal(&tr->t.client, &p->dst))
				tr->client_ai = k.client;
		}
	}

	uint32_t tci = NONE;
	if (ti != NONE) {
		rc = tc_get(a, &k, &tci);
		if (rc)
			return rc;
		/* The answer it took a window ago or more is gone, as its record would be. */
		tcpart_t *tc = tc_part(a, tci);
		if (stale(a, tc->taken_touch))
			memset(&tc->last, 0, sizeof tc->last);
		tc->taken_touch = a->now;
	}
	rc = table_reserve(&a->a_sock);
	uint32_t ai;
	if (rc == 0)
		rc = add_rec(a, &a->answers, &ai);
	if (rc)
		return rc;
	answer_t *an = AT(&a->answers, answer_t, ai);
	an->k = k;
	an->touch = a->now;
	an->hash = (uint32_t)h_sock;
	an->seq = ++a->answer_seq;
	an->tc = tci;
	an->evidence = NONE;
	an->frame = frame;
	an->ts = ts;
	an->prev = answer_push(&a->a_sock, h_sock, ai); /* room was reserved */

	if (qi == NONE) {
		a->stats.answers_unmatched++;
	} else {
		query_t *q = AT(&a->queries, query_t, qi);
		/* The query's ask lives as long as the query: same client, trial and type. */
		tcpart_t *tc = tc_part(a, tci);
		const ask_t *as = ask_find(a, tc, &k);
		an->paired = 1;
		an->query_frame = q->frame;
		an->earlier_answer = q->answers > 0;
		/* Every send of the question so far came before this answer. */
		an->requeried = as && as->last_frame > q->frame;
		if (q->answers++ == 0)
			trial_at(a, q->k.trial)->unanswered_live--;
	}
	if (ti != NONE) {
		trial_t *t = &trial_at(a, ti)->t;
		trial_touch(a, ti, ts);
		if (t->answers++ == 0)
			t->first_answer_ts = ts;
		t->last_answer_ts = ts;
		if (p->dns.h.flags & DNS_F_TC)
			t->truncated++;
		if (DNS_RCODE(p->dns.h.flags) != DNS_R_NOERROR)
			t->errors++;
	}
	return 0;
}

static int mark_evidence(analyzer_t *a, uint32_t ti)
{
	size_t w = ti / 64;
	if (w >= a->with_ev_words) {
		size_t n = a->with_ev_words ? a->with_ev_words : 64;
		while (n <= w)
			n *= 2;
		uint64_t *p = realloc(a->with_ev, n * sizeof *p);
		if (!p)
			return SP_ENOMEM;
		memset(p + a->with_ev_words, 0, (n - a->with_ev_words) * sizeof *p);
		a->with_ev = p;
		a->with_ev_words = n;
	}
	a->with_ev[w] |= 1ull << (ti % 64);
	return 0;
}

/* nk: the key of the quoted question's name (len 0 without one). */
static int add_icmp(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p,
		    const name_key_t *nk)
{
	a->stats.icmp_errors++;
	const pkt_quote_t *qt = &p->quote;
	if (!p->port_unreachable || qt->proto != PROTO_UDP)
		return 0;
	/* The quote is the answer itself: server -> client. */
	mkey_t k = {.client = addr_find(a, &qt->dst, nk->hc),
		    .cport = qt->dport,
		    .server = addr_find(a, &qt->src, nk->hs),
		    .sport = qt->sport,
		    .id = qt->dns_id,
		    .trial = NONE,
		    .proto = PROTO_UDP};
	uint32_t ai = NONE;
	if (k.client == NONE || k.server == NONE) {
		/* An address never seen in a DNS message: no answer can be the one quoted. */
		a->stats.icmp_unmatched++;
		return 0;
	}
	if (qt->has_dns_id && qt->has_question) {
		int rc = trial_get(a, nk, 0, frame, ts, &qt->dst, &k.trial);
		if (rc)
			return rc;
		k.qtype = qt->q.qtype;
		if (k.trial != NONE)
			ai = answer_find(a, nk->h[0], &k, K_QUESTION);
	} else {
		ai = answer_find(a, nk->h[0], &k, qt->has_dns_id ? K_MSG : K_SOCKETS);
	}
	answer_t *an = ai != NONE ? AT(&a->answers, answer_t, ai) : NULL;
	if (!an || !an->paired || an->k.trial == NONE) {
		/* Without the answer's query there is nothing to judge the refusal against. */
		a->stats.icmp_unmatched++;
		return 0;
	}
	if (an->refused)
		return 0; /* a second error for the same answer adds nothing */

	/* Asked again since the answer's query, before or after the answer came. */
	/* The answer's client, trial and type: found by its question, those of the quote. */
	const ask_t *as = NULL;
	if (an->tc != NONE) {
		as = ask_find(a, tc_part(a, an->tc), &an->k);
	}
	int requeried = an->requeried || (as && as->last_frame > an->query_frame);
	refusal_facts_t f = {.earlier_answer = an->earlier_answer, .requeried = requeried};
	enum refusal kind = refusal_classify(&f);
	trial_rec_t *tr = trial_at(a, an->k.trial);
	trial_t *t = &tr->t;
	if (t->n_evidence < ANALYZER_EVIDENCE_MAX) {
		if (t->n_evidence == tr->ev_cap) {
			size_t cap = tr->ev_cap ? tr->ev_cap * 2 : 1; /* most trials have one */
			evidence_t *e = realloc(t->evidence, cap * sizeof *e);
			if (!e)
				return SP_ENOMEM;
			t->evidence = e;
			tr->ev_cap = (uint32_t)cap; /* at most 1024: ANALYZER_EVIDENCE_MAX */
		}
		int rc = t->n_evidence ? 0 : mark_evidence(a, an->k.trial);
		if (rc)
			return rc;
		evidence_t *e = &t->evidence[t->n_evidence];
		memset(e, 0, sizeof *e);
		e->kind = kind;
		e->icmp_frame = frame;
		e->answer_frame = an->frame;
		e->query_frame = an->query_frame;
		e->icmp_ts_ns = ts;
		e->answer_ts_ns = an->ts;
		e->qtype = an->k.qtype;
		e->client = *addr_at(a, an->k.client);
		e->cport = an->k.cport;
		an->evidence = (uint32_t)t->n_evidence++;
	} else {
		t->evidence_omitted++;
	}
	an->refused = 1;
	trial_touch(a, an->k.trial, ts);
	switch (kind) {
	case REFUSAL_RACE:
		t->race++;
		break;
	case REFUSAL_LATE:
		t->late++;
		break;
	case REFUSAL_DUPLICATE:
		t->duplicate++;
		break;
	}
	return 0;
}

/* The name key of a DNS message's question (its client: the source of a query, the
 * destination of an answer); len 0 without a question. */
static void dns_name_key(const analyzer_t *a, const pkt_t *p, name_key_t *nk)
{
	nk->len = 0;
	if (p->dns.has_question)
		name_key(a, &p->dns.q.name, p->dns.h.flags & DNS_F_QR ? &p->dst : &p->src, nk);
}

/* nk: the message's name key when the caller made it already, else NULL. */
static int add_dns(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p, const name_key_t *nk)
{
	name_key_t own;
	if (!nk) {
		analyzer_prepare(a, p, &own);
		nk = &own;
	}
	a->stats.dns++;
	if (p->dns.h.flags & DNS_F_QR)
		return add_answer(a, frame, ts, p, nk);
	return add_query(a, frame, ts, p, nk);
}

/* ---- DNS over TCP (RFC 7766 section 8; RFC 9293 section 3.4 for sequence numbers) ---- */

static int stream_room(stream_t *st, size_t need)
{
	if (need <= st->cap)
		return 0;
	size_t cap = st->cap ? st->cap : 512;
	while (cap < need)
		cap *= 2;
	uint8_t *b = realloc(st->buf, cap);
	if (!b)
		return SP_ENOMEM;
	st->buf = b;
	st->cap = cap;
	return 0;
}

/* One whole message; 1 when it is too short to be DNS, so the stream is not followed. */
static int tcp_message(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *seg,
		       const uint8_t *msg, size_t n, int *bad)
{
	pkt_t m;
	memset(&m, 0, sizeof m);
	if (dns_parse(msg, n, &m.dns) != 0) {
		a->stats.tcp_bad++;
		*bad = 1;
		return 0;
	}
	m.kind = PKT_DNS;
	m.src = seg->src;
	m.dst = seg->dst;
	m.proto = PROTO_TCP;
	m.sport = seg->sport;
	m.dport = seg->dport;
	a->stats.tcp_messages++;
	return add_dns(a, frame, ts, &m, NULL);
}

/* Reads length-prefixed messages from in-order stream bytes. */
static int stream_feed(analyzer_t *a, uint32_t si, uint64_t frame, uint64_t ts, const pkt_t *seg,
		       const uint8_t *data, size_t n)
{
	int rc, bad = 0;
	for (;;) {
		stream_t *st = AT(&a->streams, stream_t, si);
		if (st->len == 0) {
			/* The common case: whole messages in this segment, read in place. */
			while (n >= 2) {
				size_t m = (size_t)data[0] << 8 | data[1];
				if (n < 2 + m)
					break;
				rc = tcp_message(a, frame, ts, seg, data + 2, m, &bad);
				st = AT(&a->streams, stream_t, si); /* the pools may have moved */
				if (rc || bad) {
					st->has_seq = 0;
					return rc;
				}
				data += 2 + m;
				n -= 2 + m;
			}
			if (n == 0)
				return 0;
			if ((rc = stream_room(st, n)) != 0)
				return rc;
			memcpy(st->buf, data, n);
			st->len = n;
			return 0;
		}
		if (st->len < 2) {
			/* The length prefix itself was split. */
			size_t take = n < 2 - st->len ? n : 2 - st->len;
			if ((rc = stream_room(st, 2)) != 0)
				return rc;
			memcpy(st->buf + st->len, data, take);
			st->len += take;
			data += take;
			n -= take;
			if (st->len < 2)
				return 0;
		}
		size_t want = 2 + ((size_t)st->buf[0] << 8 | st->buf[1]);
		size_t take = want - st->len < n ? want - st->len : n;
		if ((rc = stream_room(st, st->len + take)) != 0)
			return rc;
		memcpy(st->buf + st->len, data, take);
		st->len += take;
		data += take;
		n -= take;
		if (st->len < want)
			return 0; /* all of this segment is in the buffer */
		st->len = 0;
		/* The buffer is read before anything can touch it: messages never add streams. */
		rc = tcp_message(a, frame, ts, seg, st->buf + 2, want - 2, &bad);
		st = AT(&a->streams, stream_t, si);
		if (rc || bad) {
			st->has_seq = 0;
			return rc;
		}
	}
}

static int add_tcp(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p,
		   const analyzer_prep_t *prep)
{
	a->stats.tcp_segments++;
	mkey_t k = {.cport = p->sport, .sport = p->dport, .proto = PROTO_TCP};
	uint32_t si;
	int fresh, rc;
	if ((rc = addr_intern(a, &p->src, prep->hc, &k.client)) != 0 ||
	    (rc = addr_intern(a, &p->dst, prep->hs, &k.server)) != 0)
		return rc;
	rc = find_or_add(a, &a->k_stream, &a->streams, prep->h[0], &k, K_SOCKETS, &si, &fresh);
	if (rc)
		return rc;
	stream_t *st = AT(&a->streams, stream_t, si);
	uint32_t seq = p->tcp_seq;
	if (p->tcp_flags & TCP_F_RST) {
		st->has_seq = 0;
		st->len = 0;
		return 0;
	}
	if (p->tcp_flags & TCP_F_SYN) {
		/* The SYN takes one sequence number; data on it (TCP Fast Open) follows. */
		st->has_seq = 1;
		st->len = 0;
		seq++;
		st->next = seq;
	}
	const uint8_t *data = p->payload;
	size_t n = p->payload ? p->payload_len : 0, wire = p->tcp_len;
	if (wire < n)
		wire = n;
	if (wire == 0)
		return 0;
	if (!st->has_seq) {
		/* Joined mid-stream (the capture began late, or after a gap): DNS clients write
		 * whole messages, so a segment most likely starts one. */
		st->has_seq = 1;
		st->next = seq;
		st->len = 0;
	}
	int32_t d = (int32_t)(seq - st->next);
	if (d < 0) {
		size_t old = (size_t)(-(int64_t)d);
		if (old >= wire) {
			a->stats.tcp_retransmits++;
			return 0;
		}
		/* Overlaps what was read: only the new bytes count. A segment the snap length
		 * cut to nothing has no bytes, nor a pointer to move. */
		size_t cut = old < n ? old : n;
		if (cut) {
			data += cut;
			n -= cut;
		}
		wire -= old;
		seq = st->next;
	} else if (d > 0) {
		/* A segment is missing: what was buffered can never complete. */
		a->stats.tcp_gaps++;
		st->len = 0;
	}
	st->next = seq + (uint32_t)wire;
	rc = n ? stream_feed(a, si, frame, ts, p, data, n) : 0;
	if (rc)
		return rc;
	if (n < wire) {
		/* The snap length cut the segment: the stream goes on from a new message. */
		st = AT(&a->streams, stream_t, si);
		a->stats.tcp_gaps++;
		st->len = 0;
	}
	return 0;
}

/* ---- expiry ---- */

/* Evidence "taken" fields of a refused answer from its client's latest taken answer; and
 * a taken answer becomes the latest. Answers must come in capture order. */
static void taken_step(analyzer_t *a, const answer_t *an, taken_t *last)
{
	if (!an->refused) {
		if (an->paired) {
			last->valid = 1;
			last->qtype = an->k.qtype;
			last->frame = an->frame;
			last->ts = an->ts;
		}
		return;
	}
	if (an->evidence == NONE)
		return;
	evidence_t *e = &trial_at(a, an->k.trial)->t.evidence[an->evidence];
	e->has_taken = last->valid;
	e->taken_qtype = last->valid ? last->qtype : 0;
	e->taken_frame = last->valid ? last->frame : 0;
	e->after_taken_ns = last->valid && an->ts > last->ts ? an->ts - last->ts : 0;
}

static int evidence_marked(const analyzer_t *a, uint32_t ti)
{
	size_t w = ti / 64;
	return w < a->with_ev_words && (a->with_ev[w] >> (ti % 64) & 1);
}

static void expire_answer(analyzer_t *a, uint32_t i)
{
	answer_t *an = AT(&a->answers, answer_t, i);
	/* Everything going, a client's taken answer serves only refusals of its trial after
	 * this answer: without any, its part is not read. */
	if (an->tc != NONE && (!a->a_sock.clearing || evidence_marked(a, an->k.trial)))
		taken_step(a, an, &tc_part(a, an->tc)->last);
	unset(&a->a_sock, an->hash, i);
	an->seq = ANSWER_GONE;
	a->stats.expired_answers++;
	pool_release(&a->answers, i);
}

static void expire_query(analyzer_t *a, uint32_t i)
{
	query_t *q = AT(&a->queries, query_t, i);
	if (!q->answers) {
		trial_rec_t *tr = trial_at(a, q->k.trial);
		tr->unanswered_done++;
		tr->unanswered_live--;
	}
	unset(&a->q_question, q->hash, i);
	unset(&a->q_msg, q->h_msg, i);
	a->stats.expired_queries++;
	pool_release(&a->queries, i);
}

static void expire_keyed(table_t *t, pool_t *pl, uint32_t i)
{
	unset(t, rec_at(pl, i)->hash, i);
	pool_release(pl, i);
}

/* Expiring a record touches its record and its table slots, all cold by then (a window
 * ago): the records a few places further in the list are asked for ahead, then their
 * slots, so those misses overlap with the work on this one. */
#define AHEAD_REC 8
#define AHEAD_SLOTS 4

static void ahead_answer(const analyzer_t *a, uint32_t i)
{
	const answer_t *an = AT(&a->answers, answer_t, i);
	table_prefetch(&a->a_sock, an->hash);
	if (an->tc != NONE)
		__builtin_prefetch(&tc_part(a, an->tc)->last);
}

static void ahead_query(const analyzer_t *a, uint32_t i)
{
	const query_t *q = AT(&a->queries, query_t, i);
	table_prefetch(&a->q_question, q->hash);
	table_prefetch(&a->q_msg, q->h_msg);
}

static void ahead_keyed(const table_t *t, const pool_t *pl, uint32_t i)
{
	table_prefetch(t, rec_at(pl, i)->hash);
}

static void ahead_asker(const analyzer_t *a, uint32_t i)
{
	ahead_keyed(&a->k_asker, &a->askers, i);
}
static void ahead_sock(const analyzer_t *a, uint32_t i) { ahead_keyed(&a->k_sock, &a->socks, i); }
static void ahead_tclient(const analyzer_t *a, uint32_t i)
{
	ahead_keyed(&a->k_tclient, &a->tclients, i);
}
static void ahead_stream(const analyzer_t *a, uint32_t i)
{
	ahead_keyed(&a->k_stream, &a->streams, i);
}
/* A finishing trial leaves the name table and adds to its client's summary. */
static void ahead_trial(const analyzer_t *a, uint32_t i)
{
	const trial_rec_t *tr = trial_at(a, i);
	if (!a->t_name.clearing)
		table_prefetch(&a->t_name, tr->hash);
	if (tr->client_ai != NONE) {
		uint32_t ci = AT(&a->addrs, addr_rec_t, tr->client_ai)->client;
		if (ci != NONE)
			__builtin_prefetch(&AT(&a->clients, client_rec_t, ci)->done);
	}
}

/* Walks a pool's list ahead of a loop that takes its oldest record each time: one cursor
 * asks for the records AHEAD_REC places on, the one behind it (on records already fetched)
 * for the memory they point at (its ahead function; none when NULL). */
struct walk {
	uint32_t rec_c, slot_c; /* the cursors */
	unsigned rec_d, slot_d; /* their places after the oldest */
};

static void prefetch_rec(const pool_t *pl, uint32_t i)
{
	const char *r = (const char *)rec_at(pl, i);
	for (size_t o = 0; o < pl->size; o += 64)
		__builtin_prefetch(r + o);
	__builtin_prefetch(r + pl->size - 1);
}

/* Before the oldest record i leaves the list. */
static void walk_step(const analyzer_t *a, const pool_t *pl, struct walk *w, uint32_t i,
		      void (*ahead)(const analyzer_t *, uint32_t))
{
	uint32_t n;
	if (w->rec_d == 0)
		w->rec_c = i;
	while (w->rec_d < AHEAD_REC && (n = lru_of(pl, w->rec_c)->newer) != NONE) {
		w->rec_c = n;
		w->rec_d++;
		prefetch_rec(pl, n);
	}
	if (!ahead)
		return;
	if (w->slot_d == 0)
		w->slot_c = i;
	while (w->slot_d < AHEAD_SLOTS && (n = lru_of(pl, w->slot_c)->newer) != NONE) {
		w->slot_c = n;
		w->slot_d++;
		ahead(a, n);
	}
}

/* After it left: the cursors are a place nearer the oldest. */
static void walk_next(struct walk *w)
{
	if (w->rec_d)
		w->rec_d--;
	if (w->slot_d)
		w->slot_d--;
}

/* Expires a pool's records quiet since before cutoff (all: every one), oldest first. */
static void sweep(analyzer_t *a, pool_t *pl, uint64_t cutoff, int all,
		  void (*expire)(analyzer_t *, uint32_t),
		  void (*ahead)(const analyzer_t *, uint32_t))
{
	struct walk w = {NONE, NONE, 0, 0};
	uint32_t i;
	while ((i = pl->oldest) != NONE) {
		if (!all && touch_of(pl, i) >= cutoff)
			break;
		/* Everything going, the tables are emptied whole: their slots are not read. */
		walk_step(a, pl, &w, i, all ? NULL : ahead);
		lru_unlink(pl, i);
		expire(a, i);
		walk_next(&w);
	}
}

static void expire_asker(analyzer_t *a, uint32_t i) { expire_keyed(&a->k_asker, &a->askers, i); }
static void expire_sock(analyzer_t *a, uint32_t i) { expire_keyed(&a->k_sock, &a->socks, i); }
static void expire_tclient(analyzer_t *a, uint32_t i)
{
	expire_keyed(&a->k_tclient, &a->tclients, i);
}
static void expire_stream(analyzer_t *a, uint32_t i)
{
	stream_t *st = AT(&a->streams, stream_t, i);
	free(st->buf);
	st->buf = NULL;
	expire_keyed(&a->k_stream, &a->streams, i);
}

/* A trial whose queries and answers have all expired: its verdict is final. */
static int finish_trial(analyzer_t *a, uint32_t ti)
{
	trial_rec_t *tr = trial_at(a, ti);
	uint32_t ci;
	int rc = trial_client(a, tr, &ci);
	if (rc)
		return rc;
	lru_unlink(&a->trials, ti);
	tr = trial_at(a, ti);
	trial_t *t = &tr->t;
	t->unanswered = tr->unanswered_done + tr->unanswered_live;
	trial_verdict(a, t);
	t->finished = 1;
	tr->done = 1;
	trial_unlist(a, ti);
	client_rec_t *c = AT(&a->clients, client_rec_t, ci);
	client_add(&c->done, c->hist_done, &c->med_done, t);
	a->stats.finished_trials++;
	if (!a->cb)
		return 0;
	a->cb(t, &c->done, a->cb_ctx);
	tr = trial_at(a, ti);
	names_free(&a->names, tr->t.name,
		   (size_t)(tr->key - (const uint8_t *)tr->t.name) + tr->key_len);
	free(tr->t.evidence);
	tr->t.name = NULL;
	tr->t.evidence = NULL;
	tr->used = 0;
	a->order_valid = 0;
	a->stats.freed_trials++;
	pool_release(&a->trials, ti);
	return 0;
}

static int expire(analyzer_t *a, int all)
{
	uint64_t cutoff = a->now > a->window ? a->now - a->window : 0;
	if (!all && (!a->window || cutoff == 0 || cutoff <= a->due)) {
		/* Nothing is old enough yet (or nothing ever is): most packets stop here. */
		a->stats.live_trials =
		    a->trials.used - (a->stats.finished_trials - a->stats.freed_trials);
		return 0;
	}
	/* Everything goes (the end of a capture): the record tables are emptied in one pass
	 * each rather than entry by entry. The record sweeps cannot fail. */
	table_t *records[] = {&a->q_question, &a->q_msg,     &a->a_sock,  &a->k_asker,
			      &a->k_sock,     &a->k_tclient, &a->k_stream};
	for (size_t k = 0; all && k < sizeof records / sizeof records[0]; k++)
		records[k]->clearing = 1;
	/* Answers first, in capture order (the taken answer of each refusal), then what they
	 * point at; trials last, when nothing of theirs is left (a trial's clock is that of its
	 * latest record). */
	sweep(a, &a->answers, cutoff, all, expire_answer, ahead_answer);
	if (all) {
		/* Nothing follows from the end of a query, asker, socket or taken-answer record
		 * but its slots (a trial counts its unanswered queries as it goes), and the tables
		 * are emptied below: the pools are emptied whole. */
		a->stats.expired_queries += a->queries.used;
		pool_t *quiet[] = {&a->queries, &a->askers, &a->socks, &a->tclients};
		for (size_t k = 0; k < sizeof quiet / sizeof quiet[0]; k++) {
			quiet[k]->n = quiet[k]->nfree = quiet[k]->used = 0;
			quiet[k]->oldest = quiet[k]->newest = NONE;
		}
	}
	sweep(a, &a->queries, cutoff, all, expire_query, ahead_query);
	sweep(a, &a->askers, cutoff, all, expire_asker, ahead_asker);
	sweep(a, &a->socks, cutoff, all, expire_sock, ahead_sock);
	sweep(a, &a->tclients, cutoff, all, expire_tclient, ahead_tclient);
	sweep(a, &a->streams, cutoff, all, expire_stream, ahead_stream);
	/* Emptied by giving their memory back, which costs less than clearing it: they grow
	 * again if packets follow. */
	for (size_t k = 0; all && k < sizeof records / sizeof records[0]; k++)
		table_drop(records[k]);
	uint32_t i;
	int rc = 0;
	struct walk w = {NONE, NONE, 0, 0};
	a->t_name.clearing = all;
	while (rc == 0 && (i = a->trials.oldest) != NONE) {
		if (!all && trial_at(a, i)->touch >= cutoff)
			break;
		walk_step(a, &a->trials, &w, i, ahead_trial);
		rc = finish_trial(a, i);
		walk_next(&w);
	}
	if (all && rc == 0) {
		table_drop(&a->t_name); /* the finished trials stayed in it */
	} else if (all) {
		/* A trial could not finish: the ones left are listed again, in the room they
		 * had. */
		table_t *t = &a->t_name;
		memset(t->slot, 0, t->cap * sizeof *t->slot);
		t->n = 0;
		t->clearing = 0;
		for (i = a->trials.oldest; i != NONE; i = lru_of(&a->trials, i)->newer)
			table_put(t, trial_at(a, i)->hash, i);
	}
	a->stats.live_trials = a->trials.used - (a->stats.finished_trials - a->stats.freed_trials);
	a->due = UINT64_MAX;
	for (size_t k = 0; k < sizeof a->lists / sizeof a->lists[0]; k++) {
		const pool_t *pl = a->lists[k];
		if (pl->oldest != NONE && touch_of(pl, pl->oldest) < a->due)
			a->due = touch_of(pl, pl->oldest);
	}
	return rc;
}

static void clock_to(analyzer_t *a, uint64_t ts)
{
	if (ts > a->now)
		a->now = ts;
}

int analyzer_advance(analyzer_t *a, uint64_t now_ns)
{
	clock_to(a, now_ns);
	return expire(a, 0);
}

int analyzer_flush(analyzer_t *a) { return expire(a, 1); }

void analyzer_prepare(const analyzer_t *a, const pkt_t *p, analyzer_prep_t *prep)
{
	const pkt_quote_t *qt = &p->quote;
	mkey_t k;
	hin_t in;

	prep->len = 0;
	prep->kind = PREP_NONE;
	memset(prep->h, 0, sizeof prep->h); /* those the kind does not need stay 0 */
	memset(&k, 0, sizeof k);
	switch (p->kind) {
	case PKT_DNS:
		dns_name_key(a, p, prep);
		k.id = p->dns.h.id;
		k.qtype = p->dns.has_question ? p->dns.q.qtype : 0;
		k.proto = p->proto;
		if (p->dns.h.flags & DNS_F_QR) {
			/* The keys add_answer looks up, as it makes them. */
			in = (hin_t){addr_hash(&p->dst), addr_hash(&p->src), prep->hash};
			k.cport = p->dport;
			k.sport = p->sport;
			prep->kind = PREP_ANSWER;
			/* By message only without a question: the query is found by it. */
			prep->h[0] = p->dns.has_question ? 0 : hash_key(&in, &k, K_MSG);
			prep->h[1] = hash_key(&in, &k, K_SOCKETS);
			prep->h[2] = prep->len ? hash_key(&in, &k, K_QUESTION) : 0;
		} else {
			in = (hin_t){addr_hash(&p->src), addr_hash(&p->dst), prep->hash};
			k.cport = p->sport;
			k.sport = p->dport;
			prep->kind = PREP_QUERY;
			prep->h[2] = hash_key(&in, &k, K_QUESTION);
			prep->h[3] = hash_key(&in, &k, K_MSG);
		}
		break;
	case PKT_ICMP_ERROR:
		if (qt->has_question)
			name_key(a, &qt->q.name, &qt->dst, prep);
		if (!p->port_unreachable || qt->proto != PROTO_UDP)
			return;
		/* The quote is the answer: server -> client. */
		in = (hin_t){addr_hash(&qt->dst), addr_hash(&qt->src), prep->hash};
		k.cport = qt->dport;
		k.sport = qt->sport;
		k.id = qt->dns_id;
		k.qtype = qt->has_question ? qt->q.qtype : 0;
		k.proto = PROTO_UDP;
		prep->kind = PREP_ICMP;
		/* The answers of the socket pair are looked through (answer_find). */
		prep->h[0] = hash_key(&in, &k, K_SOCKETS);
		break;
	case PKT_TCP:
		in = (hin_t){addr_hash(&p->src), addr_hash(&p->dst), 0};
		k.cport = p->sport;
		k.sport = p->dport;
		k.proto = PROTO_TCP;
		prep->kind = PREP_TCP;
		prep->h[0] = hash_key(&in, &k, K_SOCKETS);
		break;
	default:
		return;
	}
	prep->hc = in.hc;
	prep->hs = in.hs;
}

/* The index of the record in the home slot of hash h when that slot holds one with h's
 * hash (after table_prefetch, the record a lookup will most likely compare), else NONE. */
static inline uint32_t home_idx(const table_t *t, uint64_t h)
{
	if (!t->cap)
		return NONE;
	const slot_t *s = &t->slot[(size_t)h & (t->cap - 1)];
	return s->idx1 && s->hash == (uint32_t)h ? s->idx1 - 1 : NONE;
}

static inline void rec_prefetch(const table_t *t, uint64_t h)
{
	uint32_t i = home_idx(t, h);
	if (i != NONE)
		__builtin_prefetch(rec_at(t->pool, i));
}

static inline void trial_prefetch(const analyzer_t *a, uint64_t h)
{
	uint32_t i = home_idx(&a->t_name, h);
	/* All of it: a packet reads its counters, its key and its first client's part. */
	if (i != NONE)
		prefetch_rec(&a->trials, i);
}

/* The table slots the frame of prep will look up (those analyzer_add reaches on its usual
 * path), in out; returns how many. */
struct slot_ref {
	const table_t *t;
	uint64_t h;
};
#define PREP_SLOTS 7

static size_t prep_slots(const analyzer_t *a, const analyzer_prep_t *prep, struct slot_ref *out)
{
	size_t n = 0;
#define SLOT(table, hash) (out[n++] = (struct slot_ref){table, hash})
	switch (prep->kind) {
	case PREP_QUERY:
		if (!prep->len)
			break;
		SLOT(&a->t_name, prep->hash);
		SLOT(&a->q_question, prep->h[2]);
		SLOT(&a->q_msg, prep->h[3]);
		break;
	case PREP_ANSWER:
		/* With the latest answer of its socket pair, whose record it does not read. */
		SLOT(&a->a_sock, prep->h[1]);
		if (!prep->len)
			break;
		SLOT(&a->t_name, prep->hash);
		SLOT(&a->q_question, prep->h[2]);
		break;
	case PREP_ICMP:
		SLOT(&a->k_addr, prep->hc);
		SLOT(&a->a_sock, prep->h[0]);
		if (prep->len)
			SLOT(&a->t_name, prep->hash);
		break;
	case PREP_TCP:
		SLOT(&a->k_stream, prep->h[0]);
		break;
	}
#undef SLOT
	return n;
}

void analyzer_prefetch_records(const analyzer_t *a, const analyzer_prep_t *prep)
{
	struct slot_ref r[PREP_SLOTS];
	size_t n = prep_slots(a, prep, r);
	for (size_t i = 0; i < n; i++) {
		if (r[i].t == &a->t_name)
			trial_prefetch(a, r[i].h);
		else if (r[i].t == &a->a_sock && prep->kind == PREP_ANSWER)
			continue;      /* an answer does not read the one before it */
		else if (r[i].t->pool) /* the address table has records of its own kind */
			rec_prefetch(r[i].t, r[i].h);
	}
}

void analyzer_prefetch(const analyzer_t *a, const analyzer_prep_t *prep)
{
	struct slot_ref r[PREP_SLOTS];
	size_t n = prep_slots(a, prep, r);
	for (size_t i = 0; i < n; i++)
		table_prefetch(r[i].t, r[i].h);
}

int analyzer_add_prepared(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
			  const analyzer_prep_t *nk)
{
	a->started = 1;
	a->stats.frames++;
	clock_to(a, ts_ns);
	/* The trial's slot is asked for before expiry runs, so the two overlap. */
	if (nk->len)
		table_prefetch(&a->t_name, nk->hash);
	int rc = expire(a, 0);
	if (rc)
		return rc;
	switch (p->kind) {
	case PKT_DNS:
		return add_dns(a, frame, ts_ns, p, nk);
	case PKT_ICMP_ERROR:
		return add_icmp(a, frame, ts_ns, p, nk);
	case PKT_TCP:
		return add_tcp(a, frame, ts_ns, p, nk);
	case PKT_SKIPPED:
		a->stats.skipped++;
		a->stats.skipped_by[p->skip < PKT_SKIP_N ? p->skip : SKIP_MALFORMED]++;
		return 0;
	case PKT_OTHER:
		return 0;
	}
	return 0;
}

int analyzer_add(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p)
{
	name_key_t nk;
	analyzer_prepare(a, p, &nk);
	return analyzer_add_prepared(a, frame, ts_ns, p, &nk);
}

/* ---- results ---- */

static uint64_t order_key(const trial_rec_t *tr)
{
	return tr->t.queries ? tr->first_query_frame : tr->first_seen_frame;
}

static int order_cmp(const void *x, const void *y)
{
	const struct order *i = x, *j = y;
	if (i->key != j->key)
		return i->key < j->key ? -1 : 1;
	return i->idx < j->idx ? -1 : i->idx > j->idx;
}

static int build_order(analyzer_t *a)
{
	size_t n = a->trials.used;
	if (n > a->order_cap) {
		struct order *o = realloc(a->order, n * sizeof *o);
		if (!o)
			return SP_ENOMEM;
		a->order = o;
		a->order_cap = n;
	}
	size_t k = 0;
	for (size_t i = 0; i < a->trials.n && k < n; i++) {
		const trial_rec_t *tr = trial_at(a, (uint32_t)i);
		if (!tr->used)
			continue;
		a->order[k].idx = (uint32_t)i;
		a->order[k].key = order_key(tr);
		k++;
	}
	if (k > 1)
		qsort(a->order, k, sizeof *a->order, order_cmp);
	a->order_n = k;
	a->order_valid = 1;
	return 0;
}

int analyzer_finish(analyzer_t *a)
{
	int rc = build_order(a);
	if (rc)
		return rc;

	/* Live trials as they stand: unanswered queries so far, and the taken answers. */
	for (size_t i = 0; i < a->order_n; i++) {
		trial_rec_t *tr = trial_at(a, a->order[i].idx);
		if (!tr->done)
			tr->t.unanswered = tr->unanswered_done + tr->unanswered_live;
	}
	/* A pass over the live answers as expiry would make it, on copies of the taken answers:
	 * the records stay as they are for the packets that may follow. The answers' list is in
	 * capture order: they are never used again. */
	size_t n_tc = a->tclients.n, n_taken = a->answers.used ? n_tc + a->trials.n : 0;
	taken_t *taken = NULL;
	uint8_t *have = NULL; /* taken[x] copied yet: only the parts of live answers are read */
	if (n_taken) {
		taken = malloc(n_taken * sizeof *taken);
		have = calloc(n_taken, 1);
		if (!taken || !have) {
			free(taken);
			free(have);
			return SP_ENOMEM;
		}
	}
	for (uint32_t ai = a->answers.oldest; ai != NONE; ai = lru_of(&a->answers, ai)->newer) {
		const answer_t *an = AT(&a->answers, answer_t, ai);
		if (an->tc == NONE)
			continue;
		size_t x = an->tc & TC_TRIAL ? n_tc + (an->tc & ~TC_TRIAL) : an->tc;
		if (!have[x]) {
			taken[x] = tc_part(a, an->tc)->last;
			have[x] = 1;
		}
		taken_step(a, an, &taken[x]);
	}
	free(taken);
	free(have);

	for (size_t i = 0; i < a->clients.n; i++) {
		client_rec_t *c = AT(&a->clients, client_rec_t, i);
		c->view = c->done;
		memcpy(c->hist_view, c->hist_done, sizeof c->hist_view);
	}
	for (size_t i = 0; i < a->order_n; i++) {
		trial_rec_t *tr = trial_at(a, a->order[i].idx);
		if (tr->done)
			continue; /* counted in its client's summary when it finished */
		trial_verdict(a, &tr->t);
		uint32_t ci;
		rc = trial_client(a, tr, &ci);
		if (rc)
			return rc;
		client_rec_t *c = AT(&a->clients, client_rec_t, ci);
		client_add(&c->view, c->hist_view, NULL, &tr->t);
	}
	for (size_t i = 0; i < a->clients.n; i++) {
		client_rec_t *c = AT(&a->clients, client_rec_t, i);
		gap_median(&c->view, c->hist_view);
	}
	a->stats.live_trials = a->trials.used - (a->stats.finished_trials - a->stats.freed_trials);
	return 0;
}

size_t analyzer_trial_count(const analyzer_t *a) { return a->trials.used; }

const trial_t *analyzer_trial(const analyzer_t *a, size_t i)
{
	if (i >= a->trials.used)
		return NULL;
	if (a->order_valid && a->order_n == a->trials.used)
		return &trial_at(a, a->order[i].idx)->t;
	/* Before analyzer_finish has ordered them: creation order, skipping freed records. */
	for (size_t j = 0, k = 0; j < a->trials.n; j++) {
		const trial_rec_t *tr = trial_at(a, (uint32_t)j);
		if (tr->used && k++ == i)
			return &tr->t;
	}
	return NULL;
}

const trial_t *analyzer_find_trial(const analyzer_t *a, const char *name)
{
	char text[DNS_NAME_TEXT];
	size_t len = strlen(name);
	if (len >= sizeof text)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		text[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	text[len] = '\0';
	/* A lookup for people and tests, not the packet path: a scan is enough. */
	size_t n = analyzer_trial_count(a);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			/* "name." as users write it; the text form has no trailing dot (but may end
			 * in an escaped one, "\.", which the first pass finds). */
			if (len < 2 || text[len - 1] != '.')
				break;
			text[len - 1] = '\0';
		}
		for (size_t i = 0; i < n; i++) {
			const trial_t *t = analyzer_trial(a, i);
			if (t && strcmp(t->name, text) == 0)
				return t;
		}
	}
	return NULL;
}

size_t analyzer_client_count(const analyzer_t *a) { return a->clients.n; }

const client_summary_t *analyzer_client(const analyzer_t *a, size_t i)
{
	if (i >= a->clients.n)
		return NULL;
	return &AT(&a->clients, const client_rec_t, i)->view;
}

const analyzer_stats_t *analyzer_stats(const analyzer_t *a) { return &a->stats; }
