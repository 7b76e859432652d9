/* Pairing of queries, answers and ICMP errors, and the verdicts of docs/verdicts.md. */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define NONE UINT32_MAX

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
 * question is (trial, qtype): the trial is the lower-cased name. */
typedef struct key {
	sp_addr_t client, server;
	uint16_t cport, sport, id, qtype;
	uint32_t trial;
} mkey_t;

enum {
	K_CLIENT = 1 << 0,
	K_CPORT = 1 << 1,
	K_SERVER = 1 << 2,
	K_SPORT = 1 << 3,
	K_ID = 1 << 4,
	K_TRIAL = 1 << 5,
	K_QTYPE = 1 << 6,
};

#define K_SOCKETS (K_CLIENT | K_CPORT | K_SERVER | K_SPORT)
#define K_MSG (K_SOCKETS | K_ID)
#define K_QUESTION (K_MSG | K_TRIAL | K_QTYPE)

/* One query as the pairing sees it: a (socket pair, ID, question). A resend with all of
 * these equal is the same query sent again. */
typedef struct query {
	mkey_t k;
	uint32_t asker;
	uint32_t first_answer; /* NONE until answered */
	uint64_t frame, ts;    /* first send */
} query_t;

typedef struct answer {
	mkey_t k;          /* trial/qtype NONE/0 when neither the answer nor its query say */
	uint32_t query;    /* NONE: no query in the capture */
	uint32_t tc;       /* its (trial, client) record, NONE without a trial */
	uint32_t evidence; /* index into its trial's evidence, NONE if not refused */
	uint64_t frame, ts;
} answer_t;

/* Every send of one question by one client address, in capture order, to find resends
 * between a query and its answer (any port, any ID). */
typedef struct asker {
	mkey_t k; /* client, trial, qtype */
	uint64_t *frames;
	size_t n, cap;
} asker_t;

/* A (trial, client, port) that sent queries: counts the trial's sockets. */
typedef struct sock {
	mkey_t k;
} sock_t;

/* A (trial, client address): the answers it took, for evidence_t.taken_*. */
typedef struct tclient {
	mkey_t k;
	uint32_t last_taken; /* scratch of analyzer_finish */
} tclient_t;

typedef struct trial_rec {
	trial_t t;
	uint64_t first_seen_frame; /* order key for trials known only from answers */
	uint64_t first_query_frame;
	size_t ev_cap;
} trial_rec_t;

typedef struct client_rec {
	mkey_t k; /* first, as in every record find_or_add makes */
	client_summary_t s;
} client_rec_t;

/* Open addressing with linear probing; a slot holds the record's index + 1 (0 = empty) and
 * its hash, so growing never needs the records. No deletion yet: expiry will add it. */
typedef struct slot {
	uint32_t hash; /* low half of the 64-bit hash, enough to skip most compares */
	uint32_t idx1;
} slot_t;

struct table;
typedef int (*eq_fn)(const analyzer_t *a, const struct table *t, uint32_t idx, const void *key);

typedef struct table {
	slot_t *slot;
	size_t cap, n;
	unsigned mask;
	const mkey_t *(*key_of)(const analyzer_t *a, uint32_t idx);
} table_t;

struct order {
	uint64_t key;
	uint32_t idx;
};

/* A growable array of fixed-size records. */
typedef struct vec {
	void *p;
	size_t n, cap, size;
} vec_t;

struct analyzer {
	vec_t queries, answers, askers, socks, tclients, trials, clients;
	table_t q_question, q_msg;         /* queries by question; latest by message key */
	table_t a_question, a_msg, a_sock; /* latest answer by each key */
	table_t t_name;                    /* trials by name */
	table_t k_asker, k_sock, k_tclient, k_client;
	struct order *order; /* trials in order of first query; built by finish */
	size_t order_n, order_cap;
	analyzer_stats_t stats;
};

#define VEC_AT(v, type, i) (&((type *)(v)->p)[i])

static int vec_push(vec_t *v, uint32_t *idx)
{
	if (v->n >= NONE - 1)
		return SP_ENOMEM;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->p, cap * v->size);
		if (!p)
			return SP_ENOMEM;
		v->p = p;
		v->cap = cap;
	}
	memset((char *)v->p + v->n * v->size, 0, v->size);
	*idx = (uint32_t)v->n++;
	return 0;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL; /* FNV-1a */
	}
	return h;
}

static uint64_t mix_addr(uint64_t h, const sp_addr_t *a)
{
	h = mix(h, &a->family, 1);
	return mix(h, a->a, a->family == 4 ? 4 : a->family == 6 ? 16 : 0);
}

/* FNV's low bits depend only on the low bits of its input: tables index by the low bits,
 * so every hash goes through a finalizer that spreads all bits down (MurmurHash3 fmix64). */
static uint64_t finish_hash(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const mkey_t *k, unsigned mask)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	if (mask & K_CLIENT)
		h = mix_addr(h, &k->client);
	if (mask & K_CPORT)
		h = mix(h, &k->cport, sizeof k->cport);
	if (mask & K_SERVER)
		h = mix_addr(h, &k->server);
	if (mask & K_SPORT)
		h = mix(h, &k->sport, sizeof k->sport);
	if (mask & K_ID)
		h = mix(h, &k->id, sizeof k->id);
	if (mask & K_TRIAL)
		h = mix(h, &k->trial, sizeof k->trial);
	if (mask & K_QTYPE)
		h = mix(h, &k->qtype, sizeof k->qtype);
	return finish_hash(h);
}

static int key_equal(const mkey_t *x, const mkey_t *y, unsigned mask)
{
	if ((mask & K_CLIENT) && !sp_addr_equal(&x->client, &y->client))
		return 0;
	if ((mask & K_CPORT) && x->cport != y->cport)
		return 0;
	if ((mask & K_SERVER) && !sp_addr_equal(&x->server, &y->server))
		return 0;
	if ((mask & K_SPORT) && x->sport != y->sport)
		return 0;
	if ((mask & K_ID) && x->id != y->id)
		return 0;
	if ((mask & K_TRIAL) && x->trial != y->trial)
		return 0;
	if ((mask & K_QTYPE) && x->qtype != y->qtype)
		return 0;
	return 1;
}

static uint64_t name_hash(const char *s)
{
	return finish_hash(mix(0xcbf29ce484222325ULL, s, strlen(s)));
}

static int table_grow(table_t *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	slot_t *s = calloc(cap, sizeof *s);
	if (!s)
		return SP_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].idx1)
			continue;
		size_t j = (size_t)t->slot[i].hash & (cap - 1);
		while (s[j].idx1)
			j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->cap = cap;
	return 0;
}

/* The slot holding a record equal to key, or NULL. Tables with a key_of compare keys under
 * their mask; the trial table compares names. */
static slot_t *table_find(const analyzer_t *a, const table_t *t, uint64_t hash, const mkey_t *k,
			  const char *name)
{
	if (!t->cap)
		return NULL;
	for (size_t j = (size_t)hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		slot_t *s = &t->slot[j];
		if (!s->idx1)
			return NULL;
		if (s->hash != (uint32_t)hash)
			continue;
		uint32_t idx = s->idx1 - 1;
		if (name) {
			const trial_rec_t *tr = VEC_AT(&a->trials, const trial_rec_t, idx);
			if (strcmp(tr->t.name, name) == 0)
				return s;
		} else if (key_equal(t->key_of(a, idx), k, t->mask)) {
			return s;
		}
	}
}

/* Adds a record known not to be in the table yet. */
static int table_add(table_t *t, uint64_t hash, uint32_t idx)
{
	if ((t->n + 1) * 2 > t->cap) {
		int rc = table_grow(t);
		if (rc)
			return rc;
	}
	size_t j = (size_t)hash & (t->cap - 1);
	while (t->slot[j].idx1)
		j = (j + 1) & (t->cap - 1);
	t->slot[j].hash = (uint32_t)hash;
	t->slot[j].idx1 = idx + 1;
	t->n++;
	return 0;
}

static uint32_t lookup(const analyzer_t *a, const table_t *t, const mkey_t *k)
{
	slot_t *s = table_find(a, t, key_hash(k, t->mask), k, NULL);
	return s ? s->idx1 - 1 : NONE;
}

/* Points the entry for k at idx, adding it if needed ("the latest record with this key"). */
static int set_latest(analyzer_t *a, table_t *t, const mkey_t *k, uint32_t idx)
{
	uint64_t h = key_hash(k, t->mask);
	slot_t *s = table_find(a, t, h, k, NULL);
	if (s) {
		s->idx1 = idx + 1;
		return 0;
	}
	return table_add(t, h, idx);
}

static void table_clear(table_t *t)
{
	if (t->slot)
		memset(t->slot, 0, t->cap * sizeof *t->slot);
	t->n = 0;
}

static const mkey_t *query_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->queries, const query_t, i)->k;
}
static const mkey_t *answer_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->answers, const answer_t, i)->k;
}
static const mkey_t *asker_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->askers, const asker_t, i)->k;
}
static const mkey_t *sock_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->socks, const sock_t, i)->k;
}
static const mkey_t *tclient_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->tclients, const tclient_t, i)->k;
}
static const mkey_t *client_key(const analyzer_t *a, uint32_t i)
{
	return &VEC_AT(&a->clients, const client_rec_t, i)->k;
}

static void table_init(table_t *t, unsigned mask,
		       const mkey_t *(*key_of)(const analyzer_t *, uint32_t))
{
	memset(t, 0, sizeof *t);
	t->mask = mask;
	t->key_of = key_of;
}

analyzer_t *analyzer_new(void)
{
	analyzer_t *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->queries.size = sizeof(query_t);
	a->answers.size = sizeof(answer_t);
	a->askers.size = sizeof(asker_t);
	a->socks.size = sizeof(sock_t);
	a->tclients.size = sizeof(tclient_t);
	a->trials.size = sizeof(trial_rec_t);
	a->clients.size = sizeof(client_rec_t);
	table_init(&a->q_question, K_QUESTION, query_key);
	table_init(&a->q_msg, K_MSG, query_key);
	table_init(&a->a_question, K_QUESTION, answer_key);
	table_init(&a->a_msg, K_MSG, answer_key);
	table_init(&a->a_sock, K_SOCKETS, answer_key);
	table_init(&a->t_name, 0, NULL);
	table_init(&a->k_asker, K_CLIENT | K_TRIAL | K_QTYPE, asker_key);
	table_init(&a->k_sock, K_CLIENT | K_CPORT | K_TRIAL, sock_key);
	table_init(&a->k_tclient, K_CLIENT | K_TRIAL, tclient_key);
	table_init(&a->k_client, K_CLIENT, client_key);
	return a;
}

void analyzer_free(analyzer_t *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->askers.n; i++)
		free(VEC_AT(&a->askers, asker_t, i)->frames);
	for (size_t i = 0; i < a->trials.n; i++) {
		trial_rec_t *tr = VEC_AT(&a->trials, trial_rec_t, i);
		free(tr->t.name);
		free(tr->t.evidence);
	}
	vec_t *vecs[] = {&a->queries,  &a->answers, &a->askers, &a->socks,
			 &a->tclients, &a->trials,  &a->clients};
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
		free(vecs[i]->p);
	table_t *tabs[] = {&a->q_question, &a->q_msg,   &a->a_question, &a->a_msg,
			   &a->a_sock,     &a->t_name,  &a->k_asker,    &a->k_sock,
			   &a->k_tclient,  &a->k_client};
	for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++)
		free(tabs[i]->slot);
	free(a->order);
	free(a);
}

void analyzer_set_drops(analyzer_t *a, uint64_t drops)
{
	a->stats.drops = drops;
	a->stats.drops_known = 1;
}

static trial_rec_t *trial_at(const analyzer_t *a, uint32_t i)
{
	return VEC_AT(&a->trials, trial_rec_t, i);
}

/* The trial of a question's name, NONE if there is none (and create is 0). */
static int trial_get(analyzer_t *a, const dns_name_t *name, int create, uint64_t frame,
		     const sp_addr_t *client, uint32_t *out)
{
	char text[DNS_NAME_TEXT];
	*out = NONE;
	if (dns_name_to_text(name, text, sizeof text) < 0)
		return 0; /* cannot happen for a parsed name; such a question pairs with nothing */
	uint64_t h = name_hash(text);
	slot_t *s = table_find(a, &a->t_name, h, NULL, text);
	if (s) {
		*out = s->idx1 - 1;
		return 0;
	}
	if (!create)
		return 0;
	char *copy = strdup(text);
	if (!copy)
		return SP_ENOMEM;
	uint32_t idx;
	int rc = vec_push(&a->trials, &idx);
	if (rc) {
		free(copy);
		return rc;
	}
	rc = table_add(&a->t_name, h, idx);
	if (rc) {
		a->trials.n--;
		free(copy);
		return rc;
	}
	trial_rec_t *tr = trial_at(a, idx);
	tr->t.name = copy;
	tr->t.client = *client;
	tr->first_seen_frame = frame;
	*out = idx;
	return 0;
}

/* Finds the record with key k in t, or adds one made by push; *fresh says which. */
static int find_or_add(analyzer_t *a, table_t *t, vec_t *v, const mkey_t *k, uint32_t *idx,
		       int *fresh)
{
	uint64_t h = key_hash(k, t->mask);
	slot_t *s = table_find(a, t, h, k, NULL);
	*fresh = 0;
	if (s) {
		*idx = s->idx1 - 1;
		return 0;
	}
	int rc = vec_push(v, idx);
	if (rc)
		return rc;
	/* Every record type starts with its key. */
	memcpy((char *)v->p + (size_t)*idx * v->size, k, sizeof *k);
	rc = table_add(t, h, *idx);
	if (rc) {
		v->n--;
		return rc;
	}
	*fresh = 1;
	return 0;
}

static int add_query(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p)
{
	a->stats.queries++;
	if (!p->dns.has_question)
		return 0; /* no name, no trial: nothing can be said about it */
	uint32_t ti;
	int rc = trial_get(a, &p->dns.q.name, 1, frame, &p->src, &ti);
	if (rc || ti == NONE)
		return rc;

	mkey_t k = {.client = p->src,
		    .cport = p->sport,
		    .server = p->dst,
		    .sport = p->dport,
		    .id = p->dns.h.id,
		    .qtype = p->dns.q.qtype,
		    .trial = ti};

	uint32_t ai, si;
	int fresh, sock_fresh;
	rc = find_or_add(a, &a->k_asker, &a->askers, &k, &ai, &fresh);
	if (rc)
		return rc;
	asker_t *as = VEC_AT(&a->askers, asker_t, ai);
	if (as->n == as->cap) {
		size_t cap = as->cap ? as->cap * 2 : 4;
		uint64_t *f = realloc(as->frames, cap * sizeof *f);
		if (!f)
			return SP_ENOMEM;
		as->frames = f;
		as->cap = cap;
	}
	rc = find_or_add(a, &a->k_sock, &a->socks, &k, &si, &sock_fresh);
	if (rc)
		return rc;

	uint32_t qi = lookup(a, &a->q_question, &k);
	if (qi == NONE) {
		rc = find_or_add(a, &a->q_question, &a->queries, &k, &qi, &fresh);
		if (rc == 0)
			rc = set_latest(a, &a->q_msg, &k, qi);
		if (rc)
			return rc;
		query_t *q = VEC_AT(&a->queries, query_t, qi);
		q->asker = ai;
		q->first_answer = NONE;
		q->frame = frame;
		q->ts = ts;
	}

	/* Nothing below can fail, so a failed call leaves the counts as they were. */
	trial_rec_t *tr = trial_at(a, ti);
	trial_t *t = &tr->t;
	t->queries++;
	if (as->n > 0)
		t->requeries++;
	as->frames[as->n++] = frame;
	if (sock_fresh)
		t->sockets++;
	if (p->proto == 6)
		t->tcp_queries++;
	if (t->queries == 1) {
		t->client = p->src;
		t->first_qtype = k.qtype;
		t->first_query_ts = ts;
		tr->first_query_frame = frame;
	} else if (t->second_qtype == 0 && k.qtype != t->first_qtype) {
		t->second_qtype = k.qtype;
		t->second_query_ts = ts;
		t->parallel = t->answers == 0;
	}
	return 0;
}

static int add_answer(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p)
{
	a->stats.answers++;
	mkey_t k = {.client = p->dst,
		    .cport = p->dport,
		    .server = p->src,
		    .sport = p->sport,
		    .id = p->dns.h.id,
		    .trial = NONE};
	uint32_t ti = NONE, qi = NONE;
	int rc;
	if (p->dns.has_question) {
		rc = trial_get(a, &p->dns.q.name, 0, frame, &p->dst, &ti);
		if (rc)
			return rc;
		k.trial = ti;
		k.qtype = p->dns.q.qtype;
		if (ti != NONE)
			qi = lookup(a, &a->q_question, &k);
	} else {
		qi = lookup(a, &a->q_msg, &k);
	}
	if (qi != NONE) {
		const query_t *q = VEC_AT(&a->queries, query_t, qi);
		k.trial = ti = q->k.trial;
		k.qtype = q->k.qtype;
	} else if (p->dns.has_question && ti == NONE) {
		rc = trial_get(a, &p->dns.q.name, 1, frame, &p->dst, &ti);
		if (rc)
			return rc;
		k.trial = ti;
	}

	uint32_t tci = NONE;
	if (ti != NONE) {
		int fresh;
		rc = find_or_add(a, &a->k_tclient, &a->tclients, &k, &tci, &fresh);
		if (rc)
			return rc;
	}
	uint32_t ai;
	rc = vec_push(&a->answers, &ai);
	if (rc)
		return rc;
	answer_t *an = VEC_AT(&a->answers, answer_t, ai);
	an->k = k;
	an->query = qi;
	an->tc = tci;
	an->evidence = NONE;
	an->frame = frame;
	an->ts = ts;
	if (ti != NONE)
		rc = set_latest(a, &a->a_question, &k, ai);
	if (rc == 0)
		rc = set_latest(a, &a->a_msg, &k, ai);
	if (rc == 0)
		rc = set_latest(a, &a->a_sock, &k, ai);
	if (rc)
		return rc; /* the answer stays recorded, reachable by the tables that took it */

	if (qi == NONE) {
		a->stats.answers_unmatched++;
	} else {
		query_t *q = VEC_AT(&a->queries, query_t, qi);
		if (q->first_answer == NONE)
			q->first_answer = ai;
	}
	if (ti != NONE) {
		trial_t *t = &trial_at(a, ti)->t;
		if (t->answers++ == 0)
			t->first_answer_ts = ts;
		t->last_answer_ts = ts;
	}
	return 0;
}

/* Was the question resent by the same client address between its query and the answer? */
static int resent_between(const asker_t *as, uint64_t after, uint64_t before)
{
	size_t lo = 0, hi = as->n;
	while (lo < hi) { /* first send later than after */
		size_t mid = lo + (hi - lo) / 2;
		if (as->frames[mid] <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < as->n && as->frames[lo] < before;
}

static int add_icmp(analyzer_t *a, uint64_t frame, uint64_t ts, const pkt_t *p)
{
	a->stats.icmp_errors++;
	const pkt_quote_t *qt = &p->quote;
	if (!p->port_unreachable || qt->proto != 17)
		return 0;
	/* The quote is the answer itself: server -> client. */
	mkey_t k = {.client = qt->dst,
		    .cport = qt->dport,
		    .server = qt->src,
		    .sport = qt->sport,
		    .id = qt->dns_id,
		    .trial = NONE};
	uint32_t ai = NONE;
	if (qt->has_dns_id && qt->has_question) {
		int rc = trial_get(a, &qt->q.name, 0, frame, &qt->dst, &k.trial);
		if (rc)
			return rc;
		k.qtype = qt->q.qtype;
		if (k.trial != NONE)
			ai = lookup(a, &a->a_question, &k);
	} else if (qt->has_dns_id) {
		ai = lookup(a, &a->a_msg, &k);
	} else {
		ai = lookup(a, &a->a_sock, &k);
	}
	answer_t *an = ai != NONE ? VEC_AT(&a->answers, answer_t, ai) : NULL;
	if (!an || an->query == NONE || an->k.trial == NONE) {
		/* Without the answer's query there is nothing to judge the refusal against. */
		a->stats.icmp_unmatched++;
		return 0;
	}
	if (an->evidence != NONE)
		return 0; /* a second error for the same answer adds nothing */

	const query_t *q = VEC_AT(&a->queries, query_t, an->query);
	const asker_t *as = VEC_AT(&a->askers, asker_t, q->asker);
	refusal_facts_t f = {
	    .earlier_answer = q->first_answer != ai,
	    .requeried = resent_between(as, q->frame, an->frame),
	};

	trial_rec_t *tr = trial_at(a, an->k.trial);
	trial_t *t = &tr->t;
	if (t->n_evidence == tr->ev_cap) {
		size_t cap = tr->ev_cap ? tr->ev_cap * 2 : 4;
		evidence_t *e = realloc(t->evidence, cap * sizeof *e);
		if (!e)
			return SP_ENOMEM;
		t->evidence = e;
		tr->ev_cap = cap;
	}
	evidence_t *e = &t->evidence[t->n_evidence];
	memset(e, 0, sizeof *e);
	e->kind = refusal_classify(&f);
	e->icmp_frame = frame;
	e->answer_frame = an->frame;
	e->query_frame = q->frame;
	e->icmp_ts_ns = ts;
	e->answer_ts_ns = an->ts;
	e->qtype = q->k.qtype;
	e->client = an->k.client;
	e->cport = an->k.cport;
	an->evidence = (uint32_t)t->n_evidence++;
	switch (e->kind) {
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

int analyzer_add(analyzer_t *a, uint64_t frame, uint64_t ts_ns, const pkt_t *p)
{
	a->stats.frames++;
	switch (p->kind) {
	case PKT_DNS:
		a->stats.dns++;
		if (p->dns.h.flags & DNS_F_QR)
			return add_answer(a, frame, ts_ns, p);
		return add_query(a, frame, ts_ns, p);
	case PKT_ICMP_ERROR:
		return add_icmp(a, frame, ts_ns, p);
	case PKT_SKIPPED:
		a->stats.skipped++;
		return 0;
	case PKT_OTHER:
		return 0;
	}
	return 0;
}

/* For each refused answer, the latest earlier answer of its trial to the same client that
 * was not refused: one pass over the answers in capture order. */
static void fill_taken(analyzer_t *a)
{
	for (size_t i = 0; i < a->tclients.n; i++)
		VEC_AT(&a->tclients, tclient_t, i)->last_taken = NONE;
	for (size_t i = 0; i < a->answers.n; i++) {
		const answer_t *an = VEC_AT(&a->answers, answer_t, i);
		if (an->tc == NONE)
			continue;
		tclient_t *tc = VEC_AT(&a->tclients, tclient_t, an->tc);
		if (an->evidence == NONE) {
			if (an->query != NONE)
				tc->last_taken = (uint32_t)i;
			continue;
		}
		evidence_t *e = &trial_at(a, an->k.trial)->t.evidence[an->evidence];
		e->has_taken = 0;
		e->taken_qtype = 0;
		e->taken_frame = 0;
		e->after_taken_ns = 0;
		if (tc->last_taken == NONE)
			continue;
		const answer_t *tk = VEC_AT(&a->answers, answer_t, tc->last_taken);
		e->has_taken = 1;
		e->taken_qtype = tk->k.qtype;
		e->taken_frame = tk->frame;
		e->after_taken_ns = an->ts > tk->ts ? an->ts - tk->ts : 0;
	}
}

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

int analyzer_finish(analyzer_t *a)
{
	size_t n = a->trials.n;
	a->order_n = 0;
	if (n > a->order_cap) {
		struct order *o = realloc(a->order, n * sizeof *o);
		if (!o)
			return SP_ENOMEM;
		a->order = o;
		a->order_cap = n;
	}
	/* Trials are made at their first query, except those first seen in an answer. */
	for (size_t i = 0; i < n; i++) {
		a->order[i].idx = (uint32_t)i;
		a->order[i].key = order_key(trial_at(a, (uint32_t)i));
	}
	if (n > 1)
		qsort(a->order, n, sizeof *a->order, order_cmp);
	a->order_n = n;

	fill_taken(a);

	a->clients.n = 0;
	table_clear(&a->k_client);
	for (size_t i = 0; i < n; i++) {
		trial_t *t = &trial_at(a, a->order[i].idx)->t;
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

		mkey_t k = {.client = t->client};
		uint32_t ci;
		int fresh;
		int rc = find_or_add(a, &a->k_client, &a->clients, &k, &ci, &fresh);
		if (rc)
			return rc;
		client_rec_t *c = VEC_AT(&a->clients, client_rec_t, ci);
		if (fresh)
			c->s.addr = t->client;
		c->s.trials++;
		c->s.race += t->race;
		c->s.late += t->late;
		c->s.duplicate += t->duplicate;
		if (t->verdict == VERDICT_RACING)
			c->s.racing++;
		else if (t->verdict == VERDICT_CORRECT)
			c->s.correct++;
		else
			c->s.inconclusive++;
		c->s.verdict = c->s.racing    ? VERDICT_RACING
			       : c->s.correct ? VERDICT_CORRECT
					      : VERDICT_INCONCLUSIVE;
	}
	return 0;
}

size_t analyzer_trial_count(const analyzer_t *a) { return a->trials.n; }

const trial_t *analyzer_trial(const analyzer_t *a, size_t i)
{
	if (i >= a->trials.n)
		return NULL;
	/* Before analyzer_finish has ordered every trial, creation order. */
	uint32_t idx = a->order_n == a->trials.n ? a->order[i].idx : (uint32_t)i;
	return &trial_at(a, idx)->t;
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
	slot_t *s = table_find(a, &a->t_name, name_hash(text), NULL, text);
	if (!s && len > 1 && text[len - 1] == '.') {
		/* "name." as users write it; the text form has no trailing dot. */
		text[len - 1] = '\0';
		s = table_find(a, &a->t_name, name_hash(text), NULL, text);
	}
	return s ? &trial_at(a, s->idx1 - 1)->t : NULL;
}

size_t analyzer_client_count(const analyzer_t *a) { return a->clients.n; }

const client_summary_t *analyzer_client(const analyzer_t *a, size_t i)
{
	if (i >= a->clients.n)
		return NULL;
	return &VEC_AT(&a->clients, const client_rec_t, i)->s;
}

const analyzer_stats_t *analyzer_stats(const analyzer_t *a) { return &a->stats; }
