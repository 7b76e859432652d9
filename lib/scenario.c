/* Named scenarios: the catalogue file that maps short names to directive lists. */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define LINE_MAX_BYTES 4096
#define SCENARIO_MAX_COUNT 1024
#define FILE_MAX_BYTES (1024 * 1024)

/* Where the parser stands, and the reason it gives on error. */
struct ctx {
	char *why;
	size_t whylen;
};

static int fail(struct ctx *c, int err, const char *fmt, ...)
{
	if (c->why && c->whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t'; }

/* A word for an error message: cut short and made printable. */
static void show(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t max = dstlen - 1;
	size_t k = len < max ? len : max;
	for (size_t i = 0; i < k; i++) {
		unsigned char ch = (unsigned char)s[i];
		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (len > max && max >= 3)
		memcpy(dst + max - 3, "...", 3);
	dst[k] = '\0';
}

static char *dup_range(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static int valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= SCENARIO_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return 0;
	}
	return 1;
}

static int directive_reason(struct ctx *c, int rc, const char *bad)
{
	switch (rc) {
	case SP_ECONFLICT:
		return fail(c, rc, "conflicting directive '%s'", bad);
	case SP_ERANGE:
		return fail(c, rc, "number out of range in '%s' (delays up to 30 s)", bad);
	case SP_EFORMAT:
		/* The header promises directive errors only; a trial label is not a directive. */
		return fail(c, SP_EDIRECTIVE, "trial label '%s' not allowed in a scenario", bad);
	default:
		if (!bad[0])
			return fail(c, SP_EDIRECTIVE,
				    "empty label (two dots in a row, or a dot at an end)");
		return fail(c, SP_EDIRECTIVE, "unknown directive '%s'", bad);
	}
}

/* One line without its end of line: NAME SPEC [default] "DESCRIPTION". Fills sc (owning
 * spec and description) or returns an error; *blank is set for empty and comment lines. */
static int parse_line(struct ctx *c, const char *s, size_t len, scenario_t *sc, int *blank)
{
	size_t i = 0;
	char word[64];
	*blank = 0;

	for (size_t k = 0; k < len; k++)
		if (s[k] == '\0')
			return fail(c, SP_ESYNTAX, "NUL byte in line");

	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#') {
		*blank = 1;
		return 0;
	}

	/* NAME */
	size_t start = i;
	while (i < len && !is_space(s[i]))
		i++;
	if (s[start] == '"')
		return fail(c, SP_ESYNTAX, "missing scenario name");
	if (!valid_name(s + start, i - start)) {
		show(word, sizeof word, s + start, i - start);
		return fail(c, SP_ESYNTAX,
			    "bad scenario name '%s' (use a-z, 0-9 and '-', start with a letter, "
			    "at most %d characters)",
			    word, SCENARIO_NAME_MAX - 1);
	}
	memcpy(sc->name, s + start, i - start);
	sc->name[i - start] = '\0';

	/* SPEC */
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '"' || s[i] == '#')
		return fail(c, SP_ESYNTAX, "missing directives (write '-' for none)");
	start = i;
	while (i < len && !is_space(s[i]))
		i++;
	sc->spec = dup_range(s + start, i - start);
	if (!sc->spec)
		return fail(c, SP_ENOMEM, "out of memory");
	char bad[DNS_NAME_TEXT];
	int rc = directive_parse_text(sc->spec, &sc->directives, bad, sizeof bad);
	if (rc) {
		show(word, sizeof word, bad, strlen(bad));
		return directive_reason(c, rc, word);
	}

	/* [default] "DESCRIPTION" */
	for (;;) {
		while (i < len && is_space(s[i]))
			i++;
		if (i == len || s[i] == '#')
			return fail(c, SP_ESYNTAX,
				    "missing description (give it in double quotes)");
		if (s[i] == '"')
			break;
		start = i;
		while (i < len && !is_space(s[i]))
			i++;
		if (i - start == 7 && memcmp(s + start, "default", 7) == 0) {
			if (sc->in_default)
				return fail(c, SP_ESYNTAX, "'default' given twice");
			sc->in_default = 1;
			continue;
		}
		show(word, sizeof word, s + start, i - start);
		return fail(c, SP_ESYNTAX,
			    "unknown word '%s' (expected 'default' or a description)", word);
	}
	start = ++i;
	while (i < len && s[i] != '"') {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 && ch != '\t')
			return fail(c, SP_ESYNTAX, "control character in description");
		if (ch == 0x7f)
			return fail(c, SP_ESYNTAX, "control character in description");
		i++;
	}
	if (i == len)
		return fail(c, SP_ESYNTAX, "unterminated description (missing closing '\"')");
	sc->description = dup_range(s + start, i - start);
	if (!sc->description)
		return fail(c, SP_ENOMEM, "out of memory");
	i++;
	while (i < len && is_space(s[i]))
		i++;
	if (i < len && s[i] != '#') {
		start = i;
		while (i < len && !is_space(s[i]))
			i++;
		show(word, sizeof word, s + start, i - start);
		return fail(c, SP_ESYNTAX, "unexpected '%s' after the description", word);
	}
	return 0;
}

static void scenario_clear(scenario_t *sc)
{
	free(sc->spec);
	free(sc->description);
	memset(sc, 0, sizeof *sc);
}

int scenario_parse(const char *text, size_t len, scenario_list_t *out, int *errline, char *why,
		   size_t whylen)
{
	struct ctx c = {why, whylen};
	size_t cap = 0;
	size_t pos = 0;
	int line = 0;
	int rc = 0;

	out->items = NULL;
	out->count = 0;
	if (errline)
		*errline = 0;
	if (why && whylen)
		why[0] = '\0';
	if (!text)
		len = 0;

	while (pos < len) {
		line++;
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - s) : len - pos;
		pos += ll + (nl ? 1 : 0);
		if (ll > LINE_MAX_BYTES) {
			rc = fail(&c, SP_ESYNTAX, "line longer than %d bytes", LINE_MAX_BYTES);
			goto fail;
		}
		if (ll && s[ll - 1] == '\r')
			ll--;

		scenario_t sc;
		int blank;
		memset(&sc, 0, sizeof sc);
		rc = parse_line(&c, s, ll, &sc, &blank);
		if (rc) {
			scenario_clear(&sc);
			goto fail;
		}
		if (blank)
			continue;
		if (scenario_find(out, sc.name)) {
			rc = fail(&c, SP_ESYNTAX, "duplicate scenario '%s'", sc.name);
			scenario_clear(&sc);
			goto fail;
		}
		if (out->count == SCENARIO_MAX_COUNT) {
			rc = fail(&c, SP_ESYNTAX, "more than %d scenarios", SCENARIO_MAX_COUNT);
			scenario_clear(&sc);
			goto fail;
		}
		if (out->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			scenario_t *n = realloc(out->items, ncap * sizeof *n);
			if (!n) {
				rc = fail(&c, SP_ENOMEM, "out of memory");
				scenario_clear(&sc);
				goto fail;
			}
			out->items = n;
			cap = ncap;
		}
		out->items[out->count++] = sc;
	}
	return 0;

fail:
	if (errline)
		*errline = line;
	scenario_list_free(out);
	return rc;
}

int scenario_load(const char *path, scenario_list_t *out, int *errline, char *why, size_t whylen)
{
	out->items = NULL;
	out->count = 0;
	if (errline)
		*errline = 0;
	if (why && whylen)
		why[0] = '\0';

	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		if (why && whylen)
			snprintf(why, whylen, "%s", strerror(e));
		return -e;
	}
	char *buf = malloc(FILE_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return SP_ENOMEM;
	}
	size_t n = fread(buf, 1, FILE_MAX_BYTES + 1, f);
	int rerr = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (rerr || n > FILE_MAX_BYTES) {
		free(buf);
		rerr = rerr ? rerr : EFBIG;
		if (why && whylen)
			snprintf(why, whylen, "%s", strerror(rerr));
		return -rerr;
	}
	int rc = scenario_parse(buf, n, out, errline, why, whylen);
	free(buf);
	return rc;
}

const scenario_t *scenario_find(const scenario_list_t *list, const char *name)
{
	if (!list || !name)
		return NULL;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0)
			return &list->items[i];
	return NULL;
}

void scenario_list_free(scenario_list_t *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		scenario_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
