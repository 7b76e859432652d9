/* Unit tests for the bounds-checked cursor and buffer (lib/wire.c) and error names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "wire.h"

static const uint8_t sample[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

static void test_reads_in_network_order(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, sample, sizeof sample);
	assert_int_equal(wire_u8(&w), 0x01);
	assert_int_equal(wire_u16(&w), 0x0203);
	assert_int_equal(wire_u32(&w), 0x04050607u);
	assert_int_equal(wire_left(&w), 1);
	assert_int_equal(wire_error(&w), 0);
}

static void test_error_is_sticky(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, sample, 3);
	assert_int_equal(wire_u16(&w), 0x0102);
	assert_int_equal(wire_u16(&w), 0); /* only one byte left */
	assert_int_equal(wire_error(&w), SP_ETRUNC);
	assert_int_equal(w.pos, 2);
	/* Later reads that would fit still return zero and do not move. */
	assert_int_equal(wire_u8(&w), 0);
	assert_int_equal(w.pos, 2);
	assert_null(wire_ptr(&w, 0));
	assert_int_equal(wire_left(&w), 0);
	/* The first error wins. */
	wire_fail(&w, SP_EFORMAT);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
}

static void test_bytes_zero_filled_on_error(void **state)
{
	(void)state;
	wire_t w;
	uint8_t out[4];
	memset(out, 0xAA, sizeof out);
	wire_init(&w, sample, 3);
	wire_bytes(&w, out, 4);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0);
	wire_init(&w, sample, sizeof sample);
	wire_bytes(&w, out, 4);
	assert_memory_equal(out, sample, 4);
}

static void test_ptr_skip_seek(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, sample, sizeof sample);
	const uint8_t *p = wire_ptr(&w, 2);
	assert_ptr_equal(p, sample);
	wire_skip(&w, 3);
	assert_int_equal(wire_u8(&w), 0x06);
	wire_seek(&w, 0);
	assert_int_equal(wire_u8(&w), 0x01);
	wire_seek(&w, sizeof sample); /* the end itself is a valid position */
	assert_int_equal(wire_error(&w), 0);
	assert_int_equal(wire_left(&w), 0);
	wire_seek(&w, sizeof sample + 1);
	assert_int_equal(wire_error(&w), SP_ETRUNC);

	wire_init(&w, sample, sizeof sample);
	wire_skip(&w, 9);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
	assert_int_equal(w.pos, 0);
	wire_init(&w, sample, sizeof sample);
	assert_null(wire_ptr(&w, SIZE_MAX));
	assert_int_equal(wire_error(&w), SP_ETRUNC);
}

static void test_sub_narrows(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, sample, sizeof sample);
	wire_skip(&w, 1);
	wire_t s = wire_sub(&w, 3);
	assert_int_equal(wire_error(&s), 0);
	assert_int_equal(wire_left(&s), 3);
	assert_int_equal(w.pos, 4);
	assert_int_equal(wire_u16(&s), 0x0203);
	assert_int_equal(wire_u16(&s), 0); /* past the child's end, though the parent has more */
	assert_int_equal(wire_error(&s), SP_ETRUNC);
	assert_int_equal(wire_error(&w), 0); /* the child's failure stays in the child */
	assert_int_equal(wire_u8(&w), 0x05);

	wire_t bad = wire_sub(&w, 4); /* 3 left */
	assert_int_equal(wire_error(&bad), SP_ETRUNC);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
	assert_int_equal(wire_left(&bad), 0);
	assert_int_equal(wire_u8(&bad), 0);
}

static void test_sub_of_failed_parent(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, sample, sizeof sample);
	wire_fail(&w, SP_EFORMAT);
	wire_t s = wire_sub(&w, 1);
	assert_int_equal(wire_error(&s), SP_EFORMAT);
	assert_int_equal(wire_u8(&s), 0);
}

static void test_empty_and_null(void **state)
{
	(void)state;
	wire_t w;
	wire_init(&w, NULL, 10);
	assert_int_equal(wire_left(&w), 0);
	assert_int_equal(wire_u8(&w), 0);
	assert_int_equal(wire_error(&w), SP_ETRUNC);
}

static void test_wbuf_writes(void **state)
{
	(void)state;
	uint8_t buf[16];
	wbuf_t b;
	wbuf_init(&b, buf, sizeof buf);
	wbuf_u8(&b, 0x01);
	wbuf_u16(&b, 0x0203);
	wbuf_u32(&b, 0x04050607u);
	wbuf_bytes(&b, "\x08", 1);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(buf, sample, 8);
	wbuf_put_u16_at(&b, 1, 0xBEEF);
	assert_int_equal(buf[1], 0xBE);
	assert_int_equal(buf[2], 0xEF);
	assert_int_equal(b.len, 8);
}

static void test_wbuf_nospace_sticky(void **state)
{
	(void)state;
	uint8_t buf[4];
	wbuf_t b;
	wbuf_init(&b, buf, sizeof buf);
	wbuf_u16(&b, 1);
	wbuf_u32(&b, 2);
	assert_int_equal(b.err, SP_ENOSPACE);
	assert_int_equal(b.len, 2);
	wbuf_u8(&b, 3); /* would fit, but the buffer has failed */
	assert_int_equal(b.len, 2);

	wbuf_init(&b, buf, sizeof buf);
	wbuf_bytes(&b, sample, 5);
	assert_int_equal(b.err, SP_ENOSPACE);
	assert_int_equal(b.len, 0);
}

static void test_wbuf_patch_bounds(void **state)
{
	(void)state;
	uint8_t buf[8];
	wbuf_t b;
	wbuf_init(&b, buf, sizeof buf);
	wbuf_u16(&b, 0);
	wbuf_u8(&b, 0);
	wbuf_put_u16_at(&b, 1, 7); /* bytes 1..2 written: fine */
	assert_int_equal(b.err, 0);
	wbuf_put_u16_at(&b, 2, 7); /* byte 3 not written yet */
	assert_int_equal(b.err, SP_ENOSPACE);

	wbuf_init(&b, buf, sizeof buf);
	wbuf_put_u16_at(&b, SIZE_MAX, 1);
	assert_int_equal(b.err, SP_ENOSPACE);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(sp_strerror(SP_ETRUNC), "input truncated");
	assert_string_equal(sp_strerror(0), "success");
	assert_string_equal(sp_strerror(-2), "No such file or directory");
	assert_non_null(sp_strerror(-999999));
	assert_non_null(sp_strerror(12345));
	for (int e = SP_ESYNTAX; e <= SP_ETRUNC; e++)
		assert_string_not_equal(sp_strerror(e), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_in_network_order),
	    cmocka_unit_test(test_error_is_sticky),
	    cmocka_unit_test(test_bytes_zero_filled_on_error),
	    cmocka_unit_test(test_ptr_skip_seek),
	    cmocka_unit_test(test_sub_narrows),
	    cmocka_unit_test(test_sub_of_failed_parent),
	    cmocka_unit_test(test_empty_and_null),
	    cmocka_unit_test(test_wbuf_writes),
	    cmocka_unit_test(test_wbuf_nospace_sticky),
	    cmocka_unit_test(test_wbuf_patch_bounds),
	    cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
