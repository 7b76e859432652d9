/* Named scenarios: short-hands for directive lists, kept as data (data/scenarios.conf). */
#ifndef SP_SCENARIO_H
#define SP_SCENARIO_H

#include <stddef.h>

#include "directive.h"

#define SCENARIO_NAME_MAX 32

typedef struct scenario {
	char name[SCENARIO_NAME_MAX]; /* [a-z0-9-], starts with a letter */
	char *spec;                   /* directive text as written in the file; owned */
	char *description;            /* one line; owned */
	directives_t directives;      /* spec parsed */
	int in_default;               /* 1 when the file marks it for the default matrix */
} scenario_t;

typedef struct scenario_list {
	scenario_t *items; /* owned */
	size_t count;
} scenario_list_t;

/* File format, one scenario a line, '#' starts a comment, blank lines ignored:
 *     NAME  SPEC  [default]  "DESCRIPTION"
 * fields separated by spaces or tabs; SPEC is a directive list ("aaaa-d50ms.a-d0") or "-"
 * for none; the word "default" puts the scenario in probe's default matrix.
 * Parses text (not necessarily NUL-terminated) into out. On error returns SP_ESYNTAX,
 * SP_EDIRECTIVE, SP_ECONFLICT, SP_ERANGE or SP_ENOMEM, sets *errline to the 1-based line
 * and writes a short reason to why (when not NULL); out is then left empty. */
int scenario_parse(const char *text, size_t len, scenario_list_t *out, int *errline, char *why,
		   size_t whylen);
/* Reads and parses a file; a read failure returns -errno with *errline 0. */
int scenario_load(const char *path, scenario_list_t *out, int *errline, char *why, size_t whylen);
/* Borrowed pointer into list, or NULL. */
const scenario_t *scenario_find(const scenario_list_t *list, const char *name);
void scenario_list_free(scenario_list_t *list);

#endif
