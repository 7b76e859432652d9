/* Fuzz target: directive names and lists, formatted and parsed again (lib/directive.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directive.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rules_equal(const directives_t *a, const directives_t *b)
{
	for (int q = 0; q < DIR_Q_COUNT; q++) {
		const directive_rule_t *x = &a->rule[q], *y = &b->rule[q];
		if (x->delay_ns != y->delay_ns || x->action != y->action ||
		    x->delay_set != y->delay_set || x->action_set != y->action_set)
			return 0;
	}
	return 1;
}

/* parse(format(d)) == d for the rules; the trial is not part of the text. */
static void check_roundtrip(const directives_t *d)
{
	char out[256], bad[64];
	int len = directive_format(d, out, sizeof out);
	if (len < 0 || (size_t)len != strlen(out))
		abort();
	directives_t back;
	if (directive_parse_text(out, &back, bad, sizeof bad) != 0)
		abort();
	if (!rules_equal(&back, d))
		abort();
	if (directive_max_delay_ns(d) > DIRECTIVE_MAX_DELAY_NS + DIRECTIVE_DUP_AFTER_GAP_NS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024];
	size_t tl = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, tl);
	text[tl] = '\0';

	directives_t d;
	char bad[DNS_NAME_TEXT];
	if (directive_parse_text(text, &d, bad, sizeof bad) == 0)
		check_roundtrip(&d);
	else if (strlen(bad) >= sizeof bad)
		abort();

	dns_name_t zone, name;
	if (dns_name_from_text("lab.test", &zone) != 0)
		abort();
	/* As a query name: the input, with the zone appended when it lacks it. */
	if (dns_name_from_text(text, &name) == 0) {
		if (directive_parse_name(&name, &zone, &d, bad, sizeof bad) == 0) {
			check_roundtrip(&d);
			if (d.has_trial && d.trial > 999999999999ULL)
				abort();
		}
		char full[DNS_NAME_TEXT + 16];
		size_t l = strlen(text);
		memcpy(full, text, l);
		const char *suffix = l && text[l - 1] == '.' ? "lab.test" : ".lab.test";
		memcpy(full + l, suffix, strlen(suffix) + 1);
		if (dns_name_from_text(full, &name) == 0 &&
		    directive_parse_name(&name, &zone, &d, bad, sizeof bad) == 0)
			check_roundtrip(&d);
	}

	/* One raw label, NUL bytes and all. */
	directives_init(&d);
	if (directive_parse_label((const char *)data, size, &d) == 0)
		check_roundtrip(&d);
	return 0;
}
