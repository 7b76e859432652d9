/* Bounds-checked byte cursor (reader) and buffer (writer) for untrusted wire data. */
#ifndef SP_WIRE_H
#define SP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Reader. The error is sticky: after the first failed read every later read is a no-op
 * returning zero, so a parser reads a run of fields and checks wire_error() once.
 * base/len stay the whole message so that DNS compression pointers can be followed. */
typedef struct wire {
	const uint8_t *base; /* borrowed; must outlive the cursor */
	size_t len;          /* bytes readable from base */
	size_t pos;          /* next byte to read */
	int err;             /* 0 or SP_E* */
} wire_t;

/* Inline, as the reads below: every packet makes several cursors. */
static inline void wire_init(wire_t *w, const uint8_t *buf, size_t len)
{
	w->base = buf;
	w->len = buf ? len : 0;
	w->pos = 0;
	w->err = 0;
}

/* The out-of-line half of wire_take: sets the sticky error, returns NULL. */
const uint8_t *wire_take_fail(wire_t *w, size_t n);

/* The single place that checks a read: either n bytes are there or the cursor fails. Inline,
 * since every packet makes dozens of reads and nearly all of them succeed. */
static inline const uint8_t *wire_take(wire_t *w, size_t n)
{
	if (__builtin_expect(!w->err && w->pos <= w->len && n <= w->len - w->pos, 1)) {
		const uint8_t *p = w->base + w->pos;
		w->pos += n;
		return p;
	}
	return wire_take_fail(w, n);
}

static inline uint8_t wire_u8(wire_t *w)
{
	const uint8_t *p = wire_take(w, 1);
	return p ? p[0] : 0;
}

/* network byte order */
static inline uint16_t wire_u16(wire_t *w)
{
	const uint8_t *p = wire_take(w, 2);
	return p ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

/* network byte order */
static inline uint32_t wire_u32(wire_t *w)
{
	const uint8_t *p = wire_take(w, 4);
	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void wire_bytes(wire_t *w, void *out, size_t n); /* out zero-filled on error */

/* Borrows the next n bytes and advances; NULL (and sticky SP_ETRUNC) if fewer remain. */
static inline const uint8_t *wire_ptr(wire_t *w, size_t n) { return wire_take(w, n); }

static inline void wire_skip(wire_t *w, size_t n) { (void)wire_take(w, n); }
/* Moves to absolute offset pos (SP_ETRUNC past the end). */
void wire_seek(wire_t *w, size_t pos);
size_t wire_left(const wire_t *w);
/* A cursor over the next n bytes only (a layer narrowed to its own length, e.g. an IP
 * packet to its total length); the parent advances past them. On error the child carries
 * the error too. */
wire_t wire_sub(wire_t *w, size_t n);
/* Sets the sticky error (first one wins), for parsers that find a bad value. */
void wire_fail(wire_t *w, int err);
static inline int wire_error(const wire_t *w) { return w->err; }

/* Writer with the same sticky-error discipline (SP_ENOSPACE). */
typedef struct wbuf {
	uint8_t *buf; /* borrowed */
	size_t cap;
	size_t len;
	int err;
} wbuf_t;

void wbuf_init(wbuf_t *b, uint8_t *buf, size_t cap);
void wbuf_u8(wbuf_t *b, uint8_t v);
void wbuf_u16(wbuf_t *b, uint16_t v);
void wbuf_u32(wbuf_t *b, uint32_t v);
void wbuf_bytes(wbuf_t *b, const void *p, size_t n);
/* Overwrites 2 bytes at an earlier offset (length and count fields). */
void wbuf_put_u16_at(wbuf_t *b, size_t off, uint16_t v);

#endif
