/* Fuzz target: scenario catalogue files (lib/scenario.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scenario_list_t l;
	int line = -1;
	char why[128];
	int rc = scenario_parse((const char *)data, size, &l, &line, why, sizeof why);
	if (rc != 0) {
		if (l.items || l.count || line < 1 || strlen(why) == 0)
			abort();
		return 0;
	}
	if (line != 0)
		abort();
	for (size_t i = 0; i < l.count; i++) {
		const scenario_t *s = &l.items[i];
		if (scenario_find(&l, s->name) != s || strlen(s->name) >= SCENARIO_NAME_MAX)
			abort();
		if (!s->spec || !s->description || strchr(s->description, '"'))
			abort();
		directives_t d;
		if (directive_parse_text(s->spec, &d, NULL, 0) != 0)
			abort();
		for (int q = 0; q < DIR_Q_COUNT; q++)
			if (d.rule[q].delay_ns != s->directives.rule[q].delay_ns ||
			    d.rule[q].action != s->directives.rule[q].action ||
			    d.rule[q].delay_set != s->directives.rule[q].delay_set ||
			    d.rule[q].action_set != s->directives.rule[q].action_set)
				abort();
		if (s->directives.has_trial)
			abort();
	}
	scenario_list_free(&l);
	return 0;
}
