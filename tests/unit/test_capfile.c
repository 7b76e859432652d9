/* Unit tests for the capture file reader: crafted pcap and pcapng files, good and damaged. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capfile.h"
#include "err.h"

/* A file being built, in one byte order. */
typedef struct buf {
	uint8_t *b;
	size_t n, cap;
	int le;
} buf_t;

static void put(buf_t *f, const void *p, size_t n)
{
	if (f->n + n > f->cap) {
		f->cap = (f->n + n) * 2;
		f->b = realloc(f->b, f->cap);
		assert_non_null(f->b);
	}
	if (n)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void u8(buf_t *f, uint8_t v) { put(f, &v, 1); }

static void u16(buf_t *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(f->le ? v : v >> 8), (uint8_t)(f->le ? v >> 8 : v)};
	put(f, b, 2);
}

static void u32(buf_t *f, uint32_t v)
{
	if (f->le) {
		u16(f, (uint16_t)v);
		u16(f, (uint16_t)(v >> 16));
	} else {
		u16(f, (uint16_t)(v >> 16));
		u16(f, (uint16_t)v);
	}
}

static void set32(buf_t *f, size_t off, uint32_t v)
{
	buf_t t = {f->b + off, 0, 4, f->le};
	u32(&t, v);
}

static void pad4(buf_t *f)
{
	while (f->n % 4)
		u8(f, 0);
}

static const uint8_t PKT[] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};

/* A capfile over the bytes, through a memory file. */
static capfile_t *open_bytes(const buf_t *f, int *fd, int *rc, const char **why)
{
	capfile_t *c = NULL;
	*fd = memfd_create("cap", 0);
	assert_true(*fd >= 0);
	assert_int_equal(write(*fd, f->b, f->n), (ssize_t)f->n);
	assert_int_equal(lseek(*fd, 0, SEEK_SET), 0);
	*rc = capfile_open(&c, *fd, why);
	return c;
}

static void pcap_hdr(buf_t *f, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
	u32(f, magic);
	u16(f, 2);
	u16(f, 4);
	u32(f, 0);
	u32(f, 0);
	u32(f, snaplen);
	u32(f, linktype);
}

static void pcap_rec(buf_t *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
		     const uint8_t *data)
{
	u32(f, sec);
	u32(f, frac);
	u32(f, caplen);
	u32(f, len);
	put(f, data, caplen);
}

static void check_pcap(int le, uint32_t magic, uint64_t want_ns)
{
	buf_t f = {.le = le};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;

	pcap_hdr(&f, magic, 65535, 0x04000000u | 0x20000000u | 1); /* Ethernet, FCS 4 bytes */
	pcap_rec(&f, 100, 123, sizeof PKT, 60, PKT);
	pcap_rec(&f, 101, 0, 0, 0, NULL);
	capfile_t *c = open_bytes(&f, &fd, &rc, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(capfile_format(c), CAPFILE_PCAP);
	assert_int_equal(capfile_interfaces(c), 1);
	assert_int_equal(capfile_interface(c, 0)->linktype, 1);
	assert_int_equal(capfile_interface(c, 0)->fcs_len, 4);
	assert_int_equal(capfile_interface(c, 0)->snaplen, 65535);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.linktype, 1);
	assert_int_equal(p.ifindex, 0);
	assert_int_equal(p.caplen, sizeof PKT);
	assert_int_equal(p.wirelen, 60);
	assert_memory_equal(p.data, PKT, sizeof PKT);
	assert_true(p.ts_ns == want_ns);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.caplen, 0);
	assert_int_equal(capfile_next(c, &p), 0);
	assert_int_equal(capfile_next(c, &p), 0);
	assert_string_equal(capfile_error(c), "");
	capfile_close(c);
	close(fd);
	free(f.b);
}

static void test_pcap_orders_and_resolutions(void **state)
{
	(void)state;
	check_pcap(1, 0xa1b2c3d4u, 100000123000ull);
	check_pcap(0, 0xa1b2c3d4u, 100000123000ull);
	check_pcap(1, 0xa1b23c4du, 100000000123ull);
	check_pcap(0, 0xa1b23c4du, 100000000123ull);
}

/* Kuznetzov's records are 8 bytes longer; version 2.2 swaps caplen and len. */
static void test_pcap_old_variants(void **state)
{
	buf_t f = {.le = 1};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;

	(void)state;
	pcap_hdr(&f, 0xa1b2cd34u, 100, 101);
	u32(&f, 1), u32(&f, 2), u32(&f, sizeof PKT), u32(&f, sizeof PKT);
	u32(&f, 7), u32(&f, 0); /* ifindex, protocol, type, pad */
	put(&f, PKT, sizeof PKT);
	capfile_t *c = open_bytes(&f, &fd, &rc, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_memory_equal(p.data, PKT, sizeof PKT);
	assert_int_equal(capfile_next(c, &p), 0);
	capfile_close(c);
	close(fd);

	f.n = 0;
	pcap_hdr(&f, 0xa1b2c3d4u, 100, 101);
	f.b[6] = 2;                                               /* version 2.2 */
	u32(&f, 1), u32(&f, 0), u32(&f, 60), u32(&f, sizeof PKT); /* len before caplen then */
	put(&f, PKT, sizeof PKT);
	c = open_bytes(&f, &fd, &rc, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.caplen, sizeof PKT);
	assert_int_equal(p.wirelen, 60);
	capfile_close(c);
	close(fd);
	free(f.b);
}

/* A record longer than the snap length is cut to it, as libpcap does; one longer than any
 * capture can hold is damage. */
static void test_pcap_lengths(void **state)
{
	buf_t f = {.le = 1};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;

	(void)state;
	pcap_hdr(&f, 0xa1b2c3d4u, 8, 101);
	pcap_rec(&f, 1, 0, sizeof PKT, sizeof PKT, PKT);
	pcap_rec(&f, 2, 0, 0, 0, NULL);
	u32(&f, 3), u32(&f, 0), u32(&f, CAPFILE_MAX_SNAPLEN + 1), u32(&f, 100);
	capfile_t *c = open_bytes(&f, &fd, &rc, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(capfile_interface(c, 0)->snaplen, 8);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.caplen, 8);
	assert_memory_equal(p.data, PKT, 8);
	assert_int_equal(capfile_next(c, &p), 1); /* the rest of the first was passed over */
	assert_int_equal(p.ts_ns, 2000000000ull);
	assert_int_equal(capfile_next(c, &p), SP_EFORMAT);
	assert_int_equal(capfile_error_packet(c), 3);
	assert_non_null(strstr(capfile_error(c), "longer than any capture"));
	assert_int_equal(capfile_next(c, &p), SP_EFORMAT); /* and stays so */
	capfile_close(c);
	close(fd);
	free(f.b);
}

/* Cut in a record header, in packet data; a zero snap length means the maximum. */
static void test_pcap_truncated(void **state)
{
	buf_t f = {.le = 0};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;
	size_t whole;

	(void)state;
	pcap_hdr(&f, 0xa1b2c3d4u, 0, 101);
	pcap_rec(&f, 1, 0, sizeof PKT, sizeof PKT, PKT);
	whole = f.n;
	pcap_rec(&f, 1, 0, sizeof PKT, sizeof PKT, PKT);
	for (size_t cut = whole + 1; cut < f.n; cut += 7) {
		buf_t g = {f.b, cut, cut, 0};
		capfile_t *c = open_bytes(&g, &fd, &rc, &why);
		assert_int_equal(rc, 0);
		assert_int_equal(capfile_interface(c, 0)->snaplen, CAPFILE_MAX_SNAPLEN);
		assert_int_equal(capfile_next(c, &p), 1);
		assert_int_equal(capfile_next(c, &p), SP_ETRUNC);
		assert_int_equal(capfile_error_packet(c), 2);
		capfile_close(c);
		close(fd);
	}
	free(f.b);
}

static void test_bad_headers(void **state)
{
	static const char *const texts[] = {"", "ab", "GARBAGE!GARBAGE!GARBAGE!GARBAGE!",
					    "\xd4\xc3\xb2\xa1\x02\x00"};
	const char *why;
	int fd, rc;

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		buf_t f = {(uint8_t *)(uintptr_t)texts[i], strlen(texts[i]), 0, 0};
		capfile_t *c = open_bytes(&f, &fd, &rc, &why);
		assert_null(c);
		assert_true(rc == SP_EFORMAT || rc == SP_ETRUNC);
		assert_true(why[0] != '\0');
		close(fd);
	}
	/* version 1.0: archaic; 3.0: unknown */
	buf_t f = {.le = 1};
	pcap_hdr(&f, 0xa1b2c3d4u, 100, 1);
	f.b[4] = 1;
	capfile_t *c = open_bytes(&f, &fd, &rc, &why);
	assert_null(c);
	assert_int_equal(rc, SP_EFORMAT);
	assert_non_null(strstr(why, "archaic"));
	close(fd);
	f.b[4] = 3;
	c = open_bytes(&f, &fd, &rc, &why);
	assert_int_equal(rc, SP_EFORMAT);
	close(fd);
	free(f.b);
}

/* ---- pcapng ---- */

static void shb(buf_t *f, uint16_t minor)
{
	size_t at = f->n;
	u32(f, 0x0A0D0D0Au);
	u32(f, 0);
	u32(f, 0x1A2B3C4Du);
	u16(f, 1);
	u16(f, minor);
	u32(f, 0xffffffffu), u32(f, 0xffffffffu);
	u16(f, 4), u16(f, 3), put(f, "abc", 3), pad4(f); /* shb_userappl */
	u32(f, 0);
	set32(f, at + 4, (uint32_t)(f->n - at + 4));
	u32(f, (uint32_t)(f->n - at + 4));
}

/* tsresol < 0: none given; offset: if_tsoffset when not 0. */
static void idb(buf_t *f, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t offset)
{
	size_t at = f->n;
	u32(f, 1);
	u32(f, 0);
	u16(f, linktype);
	u16(f, 0);
	u32(f, snaplen);
	u16(f, 2), u16(f, 4), put(f, "eth0", 4); /* if_name */
	if (tsresol >= 0)
		u16(f, 9), u16(f, 1), u8(f, (uint8_t)tsresol), pad4(f);
	if (offset) {
		u16(f, 14), u16(f, 8);
		if (f->le)
			u32(f, (uint32_t)offset), u32(f, (uint32_t)((uint64_t)offset >> 32));
		else
			u32(f, (uint32_t)((uint64_t)offset >> 32)), u32(f, (uint32_t)offset);
	}
	u32(f, 0);
	set32(f, at + 4, (uint32_t)(f->n - at + 4));
	u32(f, (uint32_t)(f->n - at + 4));
}

static void epb(buf_t *f, uint32_t type, uint32_t ifid, uint64_t ts, const uint8_t *d,
		uint32_t caplen, uint32_t len)
{
	size_t at = f->n;
	u32(f, type);
	u32(f, 0);
	if (type == 2)
		u16(f, (uint16_t)ifid), u16(f, 0);
	else
		u32(f, ifid);
	u32(f, (uint32_t)(ts >> 32));
	u32(f, (uint32_t)ts);
	u32(f, caplen);
	u32(f, len);
	put(f, d, caplen);
	pad4(f);
	u16(f, 1), u16(f, 2), put(f, "hi", 2), pad4(f), u32(f, 0); /* opt_comment */
	set32(f, at + 4, (uint32_t)(f->n - at + 4));
	u32(f, (uint32_t)(f->n - at + 4));
}

static void spb(buf_t *f, const uint8_t *d, uint32_t len, uint32_t stored)
{
	size_t at = f->n;
	u32(f, 3);
	u32(f, 0);
	u32(f, len);
	put(f, d, stored);
	pad4(f);
	set32(f, at + 4, (uint32_t)(f->n - at + 4));
	u32(f, (uint32_t)(f->n - at + 4));
}

static void other_block(buf_t *f, uint32_t type, size_t body)
{
	u32(f, type);
	u32(f, (uint32_t)(12 + body));
	for (size_t i = 0; i < body; i++)
		u8(f, (uint8_t)i);
	u32(f, (uint32_t)(12 + body));
}

/* Two sections in opposite byte orders; interfaces of different link types and time
 * resolutions; EPB, SPB, obsolete Packet Block, blocks of unknown types in between. */
static void test_pcapng_sections_and_interfaces(void **state)
{
	buf_t a = {.le = 1}, b = {.le = 0};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;

	(void)state;
	shb(&a, 0);
	other_block(&a, 0x0BAD, 8); /* before the first IDB: passed over */
	idb(&a, 1, 0, -1, 0);       /* Ethernet, microseconds, snap length "all" */
	idb(&a, 276, 100, 9, 0);    /* Linux cooked v2, nanoseconds */
	epb(&a, 6, 0, 1500000000123456ull, PKT, sizeof PKT, 60);
	other_block(&a, 5, 4); /* interface statistics */
	epb(&a, 6, 1, 1500000000123456789ull, PKT, 10, sizeof PKT);
	spb(&a, PKT, sizeof PKT, sizeof PKT);
	epb(&a, 2, 1, 5, PKT, 4, 4);
	shb(&b, 2);
	idb(&b, 101, 65535, 0x80 | 10, -10); /* raw IP, 2^-10 s, 10 s back */
	idb(&b, 113, 65535, 3, 7);           /* Linux cooked v1, milliseconds, 7 s on */
	epb(&b, 6, 0, (20ull << 10) | 512, PKT, sizeof PKT, sizeof PKT);
	epb(&b, 6, 1, 1234, PKT, sizeof PKT, sizeof PKT);
	epb(&b, 6, 0, 1ull << 10, PKT, 1, 1); /* before the epoch with the offset: 0 */
	put(&a, b.b, b.n);
	capfile_t *c = open_bytes(&a, &fd, &rc, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(capfile_format(c), CAPFILE_PCAPNG);
	assert_int_equal(capfile_interfaces(c), 1); /* read as far as the first */
	assert_int_equal(capfile_interface(c, 0)->snaplen, CAPFILE_MAX_SNAPLEN);

	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 0);
	assert_int_equal(p.linktype, 1);
	assert_true(p.ts_ns == 1500000000123456000ull);
	assert_int_equal(p.caplen, sizeof PKT);
	assert_int_equal(p.wirelen, 60);
	assert_memory_equal(p.data, PKT, sizeof PKT);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 1);
	assert_int_equal(p.linktype, 276);
	assert_true(p.ts_ns == 1500000000123456789ull);
	assert_int_equal(p.caplen, 10);
	assert_int_equal(capfile_next(c, &p), 1); /* SPB: the section's first interface */
	assert_int_equal(p.ifindex, 0);
	assert_int_equal(p.caplen, sizeof PKT);
	assert_int_equal(p.ts_ns, 0);
	assert_int_equal(capfile_next(c, &p), 1); /* obsolete Packet Block */
	assert_int_equal(p.ifindex, 1);
	assert_int_equal(p.caplen, 4);
	assert_true(p.ts_ns == 5);

	assert_int_equal(capfile_next(c, &p), 1); /* second section, big-endian */
	assert_int_equal(capfile_interfaces(c), 4);
	assert_int_equal(p.ifindex, 2);
	assert_int_equal(p.linktype, 101);
	assert_true(p.ts_ns == 10500000000ull); /* 20.5 s less 10 */
	assert_true(capfile_interface(c, 2)->swapped != capfile_interface(c, 0)->swapped);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 3);
	assert_int_equal(p.linktype, 113);
	assert_true(p.ts_ns == 8234000000ull); /* 1.234 s plus 7 */
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 0);
	assert_int_equal(capfile_next(c, &p), 0);
	capfile_close(c);
	close(fd);
	free(a.b);
	free(b.b);
}

/* A good file, then one damage at a time: each is reported at the right packet. */
static void test_pcapng_damage(void **state)
{
	buf_t f = {.le = 1};
	capfile_pkt_t p;
	const char *why;
	int fd, rc;
	size_t last;

	(void)state;
	shb(&f, 0);
	idb(&f, 1, 100, 6, 0);
	epb(&f, 6, 0, 1, PKT, sizeof PKT, sizeof PKT);
	last = f.n;
	epb(&f, 6, 0, 2, PKT, sizeof PKT, sizeof PKT);
	size_t end = f.n;

	static const struct {
		size_t off; /* from the start of the last block */
		uint32_t v;
		int rc;
		const char *why;
	} cases[] = {
	    {4, 0, SP_EFORMAT, "bad length"},         /* zero length */
	    {4, 13, SP_EFORMAT, "bad length"},        /* not a multiple of 4 */
	    {4, 0x7ffffffc, SP_EFORMAT, "longer"},    /* absurd */
	    {4, 0x1000, SP_ETRUNC, "truncated"},      /* past the end of the file */
	    {8, 3, SP_EFORMAT, "no description"},     /* an interface never described */
	    {20, 200, SP_EFORMAT, "snap length"},     /* caplen past the snap length */
	    {20, 90, SP_EFORMAT, "longer than its"},  /* caplen past the block */
	    {0x7fff, 0, SP_EFORMAT, "start and end"}, /* trailing length copy */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_t g = {malloc(end), end, end, 1};
		memcpy(g.b, f.b, end);
		set32(&g, cases[i].off == 0x7fff ? end - 4 : last + cases[i].off, cases[i].v);
		capfile_t *c = open_bytes(&g, &fd, &rc, &why);
		assert_int_equal(rc, 0);
		assert_int_equal(capfile_next(c, &p), 1);
		rc = capfile_next(c, &p);
		if (rc != cases[i].rc || !strstr(capfile_error(c), cases[i].why))
			fail_msg("case %zu: %d '%s'", i, rc, capfile_error(c));
		assert_int_equal(capfile_error_packet(c), 2);
		capfile_close(c);
		close(fd);
		free(g.b);
	}
	/* Cut anywhere in the last block: it ends in the middle of packet 2. */
	for (size_t cut = last + 1; cut < end; cut += 3) {
		buf_t g = {f.b, cut, cut, 1};
		capfile_t *c = open_bytes(&g, &fd, &rc, &why);
		assert_int_equal(capfile_next(c, &p), 1);
		assert_int_equal(capfile_next(c, &p), SP_ETRUNC);
		capfile_close(c);
		close(fd);
	}
	free(f.b);
}

/* What makes a pcapng file no capture: a broken section header, no interface before the
 * first packet or at all, a bad if_tsresol. */
static void test_pcapng_bad_starts(void **state)
{
	const char *why;
	int fd, rc;
	capfile_t *c;

	(void)state;
	for (int k = 0; k < 6; k++) {
		buf_t f = {.le = 0};
		shb(&f, 0);
		if (k == 0)
			set32(&f, 4, 0x7fffff00u); /* absurd section length */
		if (k == 1)
			f.b[8] = 0x55; /* byte-order magic */
		if (k == 2)
			f.b[15] = 1; /* version 1.1 */
		if (k == 3)
			epb(&f, 6, 0, 0, PKT, 4, 4); /* a packet before any interface */
		if (k == 4)
			idb(&f, 1, 0, 20, 0); /* 10^-20 s does not fit */
		/* k == 5: an interface never comes */
		c = open_bytes(&f, &fd, &rc, &why);
		assert_null(c);
		if (rc != SP_EFORMAT)
			fail_msg("case %d: %d '%s'", k, rc, why);
		assert_true(why[0] != '\0');
		close(fd);
		free(f.b);
	}
}

/* A pipe: read as it comes, in pieces, and a block bigger than the buffer grows it. */
static void test_pipe_and_big_block(void **state)
{
	buf_t f = {.le = 1};
	capfile_pkt_t p;
	const char *why;
	int fds[2], rc, n = 0;
	pid_t pid;
	capfile_t *c;

	(void)state;
	shb(&f, 0);
	idb(&f, 1, 0, 9, 0);
	other_block(&f, 0x0BAD, CAPFILE_BUF + 4096); /* longer than the buffer */
	for (int i = 0; i < 20000; i++)
		epb(&f, 6, 0, (uint64_t)i, PKT, sizeof PKT, sizeof PKT);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < f.n;) {
			size_t chunk = f.n - off < 1000 ? f.n - off : 1000;
			ssize_t w = write(fds[1], f.b + off, chunk);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	rc = capfile_open(&c, fds[0], &why);
	assert_int_equal(rc, 0);
	while ((rc = capfile_next(c, &p)) == 1) {
		assert_true(p.ts_ns == (uint64_t)n);
		assert_memory_equal(p.data, PKT, sizeof PKT);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 20000);
	capfile_close(c);
	close(fds[0]);
	waitpid(pid, NULL, 0);
	free(f.b);
}

static void test_read_error(void **state)
{
	const char *why;
	capfile_t *c = NULL;
	int fd = memfd_create("x", 0);

	(void)state;
	close(fd); /* a descriptor that no longer reads */
	assert_int_equal(capfile_open(&c, fd, &why), -EBADF);
	assert_null(c);
	capfile_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcap_orders_and_resolutions),
	    cmocka_unit_test(test_pcap_old_variants),
	    cmocka_unit_test(test_pcap_lengths),
	    cmocka_unit_test(test_pcap_truncated),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_pcapng_sections_and_interfaces),
	    cmocka_unit_test(test_pcapng_damage),
	    cmocka_unit_test(test_pcapng_bad_starts),
	    cmocka_unit_test(test_pipe_and_big_block),
	    cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
