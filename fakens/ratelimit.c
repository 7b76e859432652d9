/* Per-client token buckets (GCRA form: one time stamp per client) in a set-associative table. */
#include "ratelimit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dissect.h"
#include "err.h"

#define NS 1000000000ull
#define RATE_MAX 10000000ul
#define LOG_EVERY_NS NS

void ratelimit_init(ratelimit_t *r, unsigned rate, unsigned burst)
{
	memset(r, 0, sizeof(*r));
	if (rate == 0)
		return;
	if (burst == 0)
		burst = rate;
	r->interval_ns = NS / rate;
	if (r->interval_ns == 0)
		r->interval_ns = 1;
	r->tolerance_ns = (uint64_t)(burst - 1) * r->interval_ns;
}

/* FNV-1a: spreads addresses over the sets; not keyed, as the table only bounds memory. */
static size_t set_of(uint16_t family, const uint8_t addr[16])
{
	uint32_t h = 2166136261u ^ family;
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h % RATELIMIT_SETS;
}

enum ratelimit_verdict ratelimit_check(ratelimit_t *r, const struct sockaddr *client,
				       uint64_t now_ns, uint64_t *dropped)
{
	uint16_t family;
	uint8_t addr[16];
	if (r->interval_ns == 0 || sp_sockaddr_split(client, &family, NULL, addr) < 0)
		return RATELIMIT_PASS;
	ratelimit_slot_t *set = r->slot[set_of(family, addr)], *s = NULL, *victim = NULL;
	for (int i = 0; i < RATELIMIT_WAYS && !s; i++) {
		ratelimit_slot_t *c = &set[i];
		if (c->family == family && memcmp(c->addr, addr, 16) == 0)
			s = c;
		else if (!victim ||
			 (victim->family != 0 && (c->family == 0 || c->seen_ns < victim->seen_ns)))
			victim = c; /* a free slot, else the least recently seen */
	}
	if (!s) {
		s = victim;
		memset(s, 0, sizeof(*s));
		s->family = family;
		memcpy(s->addr, addr, 16);
		s->tat_ns = now_ns;
	}
	/* A datagram's time comes from its kernel stamp carried across clocks, and a reader
	 * preempted between the two clock reads makes it step back a little. Unchecked, the
	 * unsigned gaps below would wrap and log a second drop within the same second. */
	if (now_ns < s->seen_ns)
		now_ns = s->seen_ns;
	s->seen_ns = now_ns;
	uint64_t tat = s->tat_ns > now_ns ? s->tat_ns : now_ns;
	if (tat - now_ns <= r->tolerance_ns) {
		s->tat_ns = tat + r->interval_ns;
		return RATELIMIT_PASS;
	}
	r->dropped++;
	s->dropped++;
	if (s->logged_ns != 0 && now_ns - s->logged_ns < LOG_EVERY_NS)
		return RATELIMIT_DROP;
	s->logged_ns = now_ns ? now_ns : 1;
	if (dropped)
		*dropped = s->dropped;
	s->dropped = 0;
	return RATELIMIT_DROP_LOG;
}

int ratelimit_parse(const char *text, unsigned *rate, unsigned *burst)
{
	char buf[64];
	unsigned long r = 0, b = 0;
	if (strlen(text) >= sizeof(buf))
		return SP_ESYNTAX;
	strcpy(buf, text);
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
	size_t n = strlen(buf);
	if (n > 2 && strcmp(buf + n - 2, "/s") == 0)
		buf[n - 2] = '\0';
	int rc = sp_parse_uint(buf, RATE_MAX, &r);
	if (rc == 0 && comma)
		rc = sp_parse_uint(comma + 1, RATE_MAX, &b);
	if (rc < 0)
		return rc;
	*rate = (unsigned)r;
	*burst = (unsigned)b;
	return 0;
}
