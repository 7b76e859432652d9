/* Bounds-checked byte cursor and output buffer with a sticky error. */
#include "wire.h"

#include <string.h>

#include "err.h"

void wire_fail(wire_t *w, int err)
{
	if (w->err == 0)
		w->err = err ? err : SP_EFORMAT;
}

size_t wire_left(const wire_t *w)
{
	/* A failed cursor has nothing left, so loops over "while bytes remain" stop. */
	if (w->err || w->pos > w->len)
		return 0;
	return w->len - w->pos;
}

const uint8_t *wire_take_fail(wire_t *w, size_t n)
{
	(void)n; /* wire_take found fewer than n bytes, or an earlier error */
	if (w->err == 0)
		wire_fail(w, SP_ETRUNC);
	return NULL;
}

void wire_bytes(wire_t *w, void *out, size_t n)
{
	const uint8_t *p = wire_take(w, n);
	if (n == 0)
		return;
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void wire_seek(wire_t *w, size_t pos)
{
	if (w->err)
		return;
	if (pos > w->len) {
		wire_fail(w, SP_ETRUNC);
		return;
	}
	w->pos = pos;
}

wire_t wire_sub(wire_t *w, size_t n)
{
	wire_t sub;
	size_t at = w->pos;
	const uint8_t *p = wire_take(w, n);
	if (p) {
		wire_init(&sub, p, n);
		return sub;
	}
	/* An empty child that carries the parent's error. */
	sub.base = w->base ? w->base + (at <= w->len ? at : w->len) : NULL;
	sub.len = 0;
	sub.pos = 0;
	sub.err = w->err;
	return sub;
}

void wbuf_init(wbuf_t *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->len = 0;
	b->err = 0;
}

/* Reserves n bytes or fails the buffer. */
static uint8_t *reserve(wbuf_t *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > b->cap - b->len) {
		b->err = SP_ENOSPACE;
		return NULL;
	}
	uint8_t *p = b->buf + b->len;
	b->len += n;
	return p;
}

void wbuf_u8(wbuf_t *b, uint8_t v)
{
	uint8_t *p = reserve(b, 1);
	if (p)
		p[0] = v;
}

void wbuf_u16(wbuf_t *b, uint16_t v)
{
	uint8_t *p = reserve(b, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void wbuf_u32(wbuf_t *b, uint32_t v)
{
	uint8_t *p = reserve(b, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

void wbuf_bytes(wbuf_t *b, const void *p, size_t n)
{
	uint8_t *d = reserve(b, n);
	if (d && n)
		memcpy(d, p, n);
}

void wbuf_put_u16_at(wbuf_t *b, size_t off, uint16_t v)
{
	if (b->err)
		return;
	/* Only bytes already written may be patched; anything else is a caller bug that must
	 * not turn into a write past the data. */
	if (off > b->len || b->len - off < 2) {
		b->err = SP_ENOSPACE;
		return;
	}
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}
