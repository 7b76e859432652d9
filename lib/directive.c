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

void directives_init(directives_t *d)
{
	memset(d, 0, sizeof *d);
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

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

/* qtype "-" action, one label. */
static int parse_rule(const char *s, size_t len, directives_t *d)
{
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

	const char *act = s + dash + 1;
	size_t al = len - dash - 1;
	directive_rule_t *r = &d->rule[q];
	enum directive_action a;
	if (word_is(act, al, "drop")) {
		a = DIR_DROP;
	} else if (word_is(act, al, "nodata")) {
		a = DIR_NODATA;
	} else if (word_is(act, al, "servfail")) {
		a = DIR_SERVFAIL;
	} else {
		uint64_t ns = 0;
		int rc = parse_delay(act, al, &ns);
		if (rc)
			return rc;
		/* A delayed drop means nothing: nothing is sent either way. */
		if (r->delay_set || (r->action_set && r->action == DIR_DROP))
			return SP_ECONFLICT;
		r->delay_ns = ns;
		r->delay_set = 1;
		return 0;
	}
	if (r->action_set || (a == DIR_DROP && r->delay_set))
		return SP_ECONFLICT;
	r->action = a;
	r->action_set = 1;
	return 0;
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

int directive_parse_name(const dns_name_t *name, const dns_name_t *zone, directives_t *d,
			 char *bad, size_t badlen)
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

int directive_format(const directives_t *d, char *out, size_t outlen)
{
	static const char *const action_text[] = {
		[DIR_ANSWER] = NULL, [DIR_DROP] = "drop", [DIR_NODATA] = "nodata",
		[DIR_SERVFAIL] = "servfail",
	};
	if (!out || outlen == 0)
		return SP_ENOSPACE;
	size_t o = 0;
	out[0] = '\0';
	for (int q = 0; q < DIR_Q_COUNT; q++) {
		const directive_rule_t *r = &d->rule[q];
		char parts[2][32];
		int np = 0;
		if ((unsigned)r->action <= DIR_SERVFAIL && action_text[r->action])
			snprintf(parts[np++], sizeof parts[0], "%s-%s", qtype_text[q],
				 action_text[r->action]);
		if (r->delay_set || r->delay_ns) {
			char delay[24];
			format_delay(delay, sizeof delay, r->delay_ns);
			snprintf(parts[np++], sizeof parts[0], "%s-%s", qtype_text[q], delay);
		}
		for (int i = 0; i < np; i++) {
			size_t pl = strlen(parts[i]);
			size_t need = pl + (o ? 1 : 0);
			if (o + need >= outlen) {
				out[0] = '\0';
				return SP_ENOSPACE;
			}
			if (o)
				out[o++] = '.';
			memcpy(out + o, parts[i], pl);
			o += pl;
			out[o] = '\0';
		}
	}
	return (int)o;
}

uint64_t directive_max_delay_ns(const directives_t *d)
{
	uint64_t max = 0;
	for (int q = 0; q < DIR_Q_COUNT; q++)
		if (d->rule[q].action != DIR_DROP && d->rule[q].delay_ns > max)
			max = d->rule[q].delay_ns;
	return max;
}

const directive_rule_t *directive_rule_for(const directives_t *d, uint16_t qtype)
{
	if (qtype == DNS_T_A)
		return &d->rule[DIR_Q_A];
	if (qtype == DNS_T_AAAA)
		return &d->rule[DIR_Q_AAAA];
	return NULL;
}
