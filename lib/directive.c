/* Directives: the behaviour a query name asks of fakens, parsed from and formatted to labels. */
#include "directive.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define NS_PER_US 1000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

static const char *const qtype_text[DIR_Q_COUNT] = {"a", "aaaa"};

void directives_init(directives_t *d) { memset(d, 0, sizeof *d); }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c; }

/* Case-insensitive: does s[0..len) equal the lower-case word w? */
static int word_is(const char *s, size_t len, const char *w)
{
	size_t wl = strlen(w);
	if (len != wl)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (lower(s[i]) != w[i])
			return 0;
	return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* "t" + 1..DIRECTIVE_TRIAL_DIGITS digits. Returns 1 and the number, 0 when the label is not
 * trial-shaped, SP_ERANGE when it is but has too many digits. */
static int trial_label(const char *s, size_t len, uint64_t *trial)
{
	if (len < 2 || lower(s[0]) != 't')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_digit(s[i]))
			return 0;
	if (len - 1 > DIRECTIVE_TRIAL_DIGITS)
		return SP_ERANGE;
	uint64_t v = 0;
	for (size_t i = 1; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*trial = v;
	return 1;
}

/* "d0" | "d" N ("us" | "ms" | "s"), N decimal digits only. The digits are read with a cap
 * so that any length of input stays in range of uint64_t. */
static int parse_delay(const char *s, size_t len, uint64_t *ns)
{
	if (len < 2 || lower(s[0]) != 'd')
		return SP_EDIRECTIVE;
	size_t i = 1;
	uint64_t n = 0;
	int big = 0;
	while (i < len && is_digit(s[i])) {
		if (n > DIRECTIVE_MAX_DELAY_NS)
			big = 1;
		else
			n = n * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 1)
		return SP_EDIRECTIVE;
	const char *unit = s + i;
	size_t ul = len - i;
	uint64_t mult;
	if (ul == 0) {
		/* Only zero needs no unit. */
		if (big || n != 0 || i != 2)
			return SP_EDIRECTIVE;
		mult = 0;
	} else if (word_is(unit, ul, "us")) {
		mult = NS_PER_US;
	} else if (word_is(unit, ul, "ms")) {
		mult = NS_PER_MS;
	} else if (word_is(unit, ul, "s")) {
		mult = NS_PER_S;
	} else {
		return SP_EDIRECTIVE;
	}
	if (big || (mult && n > DIRECTIVE_MAX_DELAY_NS / mult))
		return SP_ERANGE;
	*ns = n * mult;
	return 0;
}

/* "dup" [N] ["after"], N one digit 1..DIRECTIVE_MAX_DUPS; "dup" alone is one copy. */
static int parse_dup(const char *s, size_t len, uint8_t *n, int *after)
{
	if (len < 3 || !word_is(s, 3, "dup"))
		return SP_EDIRECTIVE;
	size_t i = 3;
	unsigned v = 1;
	if (i < len && is_digit(s[i])) {
		size_t j = i;
		while (j < len && is_digit(s[j]))
			j++;
		/* More than one digit (dup10, dup01) is out of range, not unknown. */
		if (j - i != 1 || s[i] == '0') {
			size_t rest = len - j;
			if (rest == 0 || word_is(s + j, rest, "after"))
				return SP_ERANGE;
			return SP_EDIRECTIVE;
		}
		v = (unsigned)(s[i] - '0');
		i = j;
	}
	*after = 0;
	if (i < len) {
		if (!word_is(s + i, len - i, "after"))
			return SP_EDIRECTIVE;
		*after = 1;
	}
	*n = (uint8_t)v;
	return 0;
}

static const struct {
	const char *word;
	enum directive_action action;
} action_words[] = {
    {"drop", DIR_DROP},     {"nodata", DIR_NODATA},     {"servfail", DIR_SERVFAIL},
    {"lame", DIR_LAME},     {"nxdomain", DIR_NXDOMAIN}, {"refused", DIR_REFUSED},
    {"notimp", DIR_NOTIMP},
};

static const struct {
	const char *word;
	uint8_t bit;
} decoy_words[] = {
    {"badid", DIR_DECOY_BADID},         {"wrongq", DIR_DECOY_WRONGQ},
    {"runt", DIR_DECOY_RUNT},           {"otherport", DIR_DECOY_OTHERPORT},
    {"otheraddr", DIR_DECOY_OTHERADDR},
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A drop sends nothing, so nothing that shapes or repeats the answer can go with it;
 * decoys can (they are sent instead of nothing). */
static int drop_conflicts(const directive_rule_t *r)
{
	return r->action_set && r->action == DIR_DROP &&
	       (r->delay_set || r->tc || r->dups || r->ctloss);
}

/* action, one word, applied to r. */
static int apply_action(const char *act, size_t al, directive_rule_t *r)
{
	for (size_t i = 0; i < N_ELEM(action_words); i++) {
		if (!word_is(act, al, action_words[i].word))
			continue;
		if (r->action_set)
			return SP_ECONFLICT;
		r->action = action_words[i].action;
		r->action_set = 1;
		return drop_conflicts(r) ? SP_ECONFLICT : 0;
	}
	for (size_t i = 0; i < N_ELEM(decoy_words); i++) {
		if (!word_is(act, al, decoy_words[i].word))
			continue;
		if (r->decoys & decoy_words[i].bit)
			return SP_ECONFLICT;
		r->decoys |= decoy_words[i].bit;
		return 0;
	}
	if (word_is(act, al, "tc") || word_is(act, al, "ctloss")) {
		int tc = word_is(act, al, "tc");
		if (tc ? r->tc : r->ctloss)
			return SP_ECONFLICT;
		if (tc)
			r->tc = 1;
		else
			r->ctloss = 1;
		return drop_conflicts(r) ? SP_ECONFLICT : 0;
	}
	uint8_t n;
	int after;
	int rc = parse_dup(act, al, &n, &after);
	if (rc == 0) {
		if (r->dups)
			return SP_ECONFLICT;
		r->dups = n;
		r->dup_after = (unsigned)after;
		return drop_conflicts(r) ? SP_ECONFLICT : 0;
	}
	if (rc != SP_EDIRECTIVE)
		return rc;

	uint64_t ns = 0;
	rc = parse_delay(act, al, &ns);
	if (rc)
		return rc;
	if (r->delay_set)
		return SP_ECONFLICT;
	r->delay_ns = ns;
	r->delay_set = 1;
	return drop_conflicts(r) ? SP_ECONFLICT : 0;
}

/* ["s" 1-9 "-"] qtype "-" action, one label. The rule is changed only when the label is
 * accepted whole. */
static int parse_rule(const char *s, size_t len, directives_t *d)
{
	int server = 0;
	if (len >= 3 && lower(s[0]) == 's' && is_digit(s[1])) {
		size_t j = 1;
		while (j < len && is_digit(s[j]))
			j++;
		if (j < len && s[j] == '-') {
			if (j != 2 || s[1] == '0')
				return SP_ERANGE; /* s0-, s10-, s01- */
			server = s[1] - '0';
			s += 3;
			len -= 3;
		}
	}
	size_t dash = 0;
	while (dash < len && s[dash] != '-')
		dash++;
	if (dash == len)
		return SP_EDIRECTIVE;
	int q;
	if (word_is(s, dash, "a"))
		q = DIR_Q_A;
	else if (word_is(s, dash, "aaaa"))
		q = DIR_Q_AAAA;
	else
		return SP_EDIRECTIVE;

	directive_rule_t *r = server ? &d->server[server - 1][q] : &d->rule[q];
	directive_rule_t tmp = *r;
	int rc = apply_action(s + dash + 1, len - dash - 1, &tmp);
	if (rc == 0)
		*r = tmp;
	return rc;
}

int directive_parse_label(const char *label, size_t len, directives_t *d)
{
	if (!label || len == 0 || len > DNS_MAXLABEL)
		return SP_EDIRECTIVE;
	uint64_t trial = 0;
	int t = trial_label(label, len, &trial);
	if (t < 0)
		return t;
	/* The trial label closes the list: nothing may follow it. */
	if (d->has_trial)
		return SP_EFORMAT;
	if (t == 1) {
		d->has_trial = 1;
		d->trial = trial;
		return 0;
	}
	return parse_rule(label, len, d);
}

/* The label as text for an error message, escaped like a name. */
static void copy_bad(char *bad, size_t badlen, const uint8_t *label, size_t len)
{
	if (!bad || badlen == 0)
		return;
	dns_name_t n;
	if (len > DNS_MAXLABEL) {
		/* Longer than any label in a name; show what fits. */
		size_t k = len < badlen - 1 ? len : badlen - 1;
		for (size_t i = 0; i < k; i++)
			bad[i] = (label[i] >= 0x21 && label[i] < 0x7f) ? (char)label[i] : '?';
		bad[k] = '\0';
		return;
	}
	n.wire[0] = (uint8_t)len;
	if (len)
		memcpy(n.wire + 1, label, len);
	n.wire[len + 1] = 0;
	n.len = (uint8_t)(len + 2);
	char text[DNS_NAME_TEXT];
	if (len == 0 || dns_name_to_text(&n, text, sizeof text) < 0)
		text[0] = '\0';
	snprintf(bad, badlen, "%s", text);
}

int directive_parse_name(const dns_name_t *name, const dns_name_t *zone, directives_t *d, char *bad,
			 size_t badlen)
{
	directives_init(d);
	if (bad && badlen)
		bad[0] = '\0';
	if (!dns_name_is_under(name, zone)) {
		if (bad && badlen && dns_name_to_text(name, bad, badlen) < 0)
			bad[0] = '\0';
		return SP_EFORMAT;
	}
	int k = dns_name_label_count(name) - dns_name_label_count(zone);
	size_t off = 0;
	for (int i = 0; i < k; i++) {
		const char *label = (const char *)name->wire + off + 1;
		size_t len = name->wire[off];
		uint64_t trial;
		int rc = trial_label(label, len, &trial);
		if (rc == 1 && i != k - 1)
			rc = SP_EFORMAT; /* a trial label must be the rightmost */
		else
			rc = directive_parse_label(label, len, d);
		if (rc) {
			copy_bad(bad, badlen, name->wire + off + 1, len);
			directives_init(d);
			return rc;
		}
		off += len + 1;
	}
	return 0;
}

int directive_parse_text(const char *spec, directives_t *d, char *bad, size_t badlen)
{
	directives_init(d);
	if (bad && badlen)
		bad[0] = '\0';
	if (!spec || spec[0] == '\0' || strcmp(spec, "-") == 0)
		return 0;
	const char *p = spec;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		uint64_t trial;
		int rc = trial_label(p, len, &trial);
		if (rc == 1)
			rc = SP_EFORMAT; /* a list of directives names no trial */
		else if (rc == 0)
			rc = directive_parse_label(p, len, d);
		if (rc) {
			copy_bad(bad, badlen, (const uint8_t *)p, len);
			directives_init(d);
			return rc;
		}
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

static void format_delay(char *buf, size_t buflen, uint64_t ns)
{
	/* Sub-microsecond parts cannot be written; round to the nearest microsecond. */
	uint64_t us = (ns + NS_PER_US / 2) / NS_PER_US;
	if (us == 0)
		snprintf(buf, buflen, "d0");
	else if (us % 1000000 == 0)
		snprintf(buf, buflen, "d%" PRIu64 "s", us / 1000000);
	else if (us % 1000 == 0)
		snprintf(buf, buflen, "d%" PRIu64 "ms", us / 1000);
	else
		snprintf(buf, buflen, "d%" PRIu64 "us", us);
}

/* Appends "[sN-]qtype-word" and a dot before it when something precedes. */
static int append(char *out, size_t outlen, size_t *o, int server, int q, const char *word)
{
	char part[48];
	char pre[16] = "";
	if (server)
		snprintf(pre, sizeof pre, "s%d-", server);
	int pl = snprintf(part, sizeof part, "%s%s-%s", pre, qtype_text[q], word);
	size_t need = (size_t)pl + (*o ? 1 : 0);
	if (*o + need >= outlen)
		return SP_ENOSPACE;
	if (*o)
		out[(*o)++] = '.';
	memcpy(out + *o, part, (size_t)pl);
	*o += (size_t)pl;
	out[*o] = '\0';
	return 0;
}

static int format_rule(const directive_rule_t *r, int server, int q, char *out, size_t outlen,
		       size_t *o)
{
	int rc = 0;
	if (r->action != DIR_ANSWER && (unsigned)r->action < DIR_ACTION_COUNT) {
		for (size_t i = 0; i < N_ELEM(action_words); i++)
			if (action_words[i].action == r->action)
				rc = append(out, outlen, o, server, q, action_words[i].word);
	}
	if (!rc && (r->delay_set || r->delay_ns)) {
		char delay[24];
		format_delay(delay, sizeof delay, r->delay_ns);
		rc = append(out, outlen, o, server, q, delay);
	}
	if (!rc && r->tc)
		rc = append(out, outlen, o, server, q, "tc");
	if (!rc && r->dups) {
		char dup[16];
		snprintf(dup, sizeof dup, "dup%u%s", (unsigned)r->dups,
			 r->dup_after ? "after" : "");
		rc = append(out, outlen, o, server, q, dup);
	}
	for (size_t i = 0; !rc && i < N_ELEM(decoy_words); i++)
		if (r->decoys & decoy_words[i].bit)
			rc = append(out, outlen, o, server, q, decoy_words[i].word);
	if (!rc && r->ctloss)
		rc = append(out, outlen, o, server, q, "ctloss");
	return rc;
}

int directive_format(const directives_t *d, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return SP_ENOSPACE;
	size_t o = 0;
	out[0] = '\0';
	for (int sv = 0; sv <= DIRECTIVE_MAX_SERVERS; sv++) {
		for (int q = 0; q < DIR_Q_COUNT; q++) {
			const directive_rule_t *r = sv ? &d->server[sv - 1][q] : &d->rule[q];
			if (format_rule(r, sv, q, out, outlen, &o) < 0) {
				out[0] = '\0';
				return SP_ENOSPACE;
			}
		}
	}
	return (int)o;
}

int directive_rule_is_set(const directive_rule_t *r)
{
	return r->delay_set || r->action_set || r->delay_ns || r->action != DIR_ANSWER || r->tc ||
	       r->dups || r->decoys || r->ctloss;
}

const directive_rule_t *directive_rule_for(const directives_t *d, uint16_t qtype)
{
	if (qtype == DNS_T_A)
		return &d->rule[DIR_Q_A];
	if (qtype == DNS_T_AAAA)
		return &d->rule[DIR_Q_AAAA];
	return NULL;
}

static const directive_rule_t *rule_q(const directives_t *d, int server, int q)
{
	if (server >= 1 && server <= DIRECTIVE_MAX_SERVERS &&
	    directive_rule_is_set(&d->server[server - 1][q]))
		return &d->server[server - 1][q];
	return &d->rule[q];
}

const directive_rule_t *directive_rule_for_server(const directives_t *d, int server, uint16_t qtype)
{
	if (qtype == DNS_T_A)
		return rule_q(d, server, DIR_Q_A);
	if (qtype == DNS_T_AAAA)
		return rule_q(d, server, DIR_Q_AAAA);
	return NULL;
}

/* When the answer for q leaves, when it is sent at all (0 for a drop: nothing waits). */
static uint64_t answer_at(const directive_rule_t *r)
{
	return r->action == DIR_DROP ? 0 : r->delay_ns;
}

static uint64_t dup_at(const directives_t *d, int server, int q)
{
	const directive_rule_t *r = rule_q(d, server, q);
	if (!r->dup_after)
		return answer_at(r);
	uint64_t own = answer_at(r), other = answer_at(rule_q(d, server, 1 - q));
	return (own > other ? own : other) + DIRECTIVE_DUP_AFTER_GAP_NS;
}

uint64_t directive_dup_delay_ns(const directives_t *d, int server, uint16_t qtype)
{
	if (qtype == DNS_T_A)
		return dup_at(d, server, DIR_Q_A);
	if (qtype == DNS_T_AAAA)
		return dup_at(d, server, DIR_Q_AAAA);
	return 0;
}

uint64_t directive_max_delay_ns(const directives_t *d)
{
	uint64_t max = 0;
	for (int sv = 0; sv <= DIRECTIVE_MAX_SERVERS; sv++)
		for (int q = 0; q < DIR_Q_COUNT; q++) {
			const directive_rule_t *r = rule_q(d, sv, q);
			uint64_t t = answer_at(r);
			if (r->dups && dup_at(d, sv, q) > t)
				t = dup_at(d, sv, q);
			if (t > max)
				max = t;
		}
	return max;
}
