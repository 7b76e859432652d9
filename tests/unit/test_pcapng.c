/* Unit tests for the pcapng writer: read back with libpcap and with a block walker. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capfile.h"
#include "err.h"
#include "pcapng.h"

static const uint8_t PKT1[] = {0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
static const uint8_t PKT2[] = {0x60, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t PKT3[] = {0x45, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint64_t TS[3] = {1700000000123456789ULL, 1700000000123456790ULL,
			       1700000005000000001ULL};
static const char COMMENT[] = "refused answer: race (AAAA 50.0 ms after A) \xc3\xa9";

typedef struct file {
	char path[64];
	uint8_t *b;
	size_t n;
} file_t;

static int setup(void **state)
{
	file_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->path, sizeof f->path, "/tmp/test_pcapng.XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0) {
		free(f);
		return -1;
	}
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	file_t *f = *state;
	unlink(f->path);
	free(f->b);
	free(f);
	return 0;
}

static void write_three(const char *path, const char *ifname)
{
	pcapng_writer_t *w = NULL;
	assert_int_equal(pcapng_open(&w, path, 101, 262144, ifname, "stubprobe test"), 0);
	assert_non_null(w);
	assert_int_equal(pcapng_write(w, TS[0], PKT1, sizeof PKT1, sizeof PKT1, NULL), 0);
	assert_int_equal(pcapng_write(w, TS[1], PKT2, sizeof PKT2, 1500, COMMENT), 0);
	assert_int_equal(pcapng_flush(w), 0);
	assert_int_equal(pcapng_write(w, TS[2], PKT3, sizeof PKT3, sizeof PKT3, NULL), 0);
	assert_int_equal(pcapng_close(w), 0);
}

static void slurp(file_t *f)
{
	FILE *fp = fopen(f->path, "rb");
	assert_non_null(fp);
	free(f->b);
	f->b = malloc(1 << 20);
	assert_non_null(f->b);
	f->n = fread(f->b, 1, 1 << 20, fp);
	fclose(fp);
}

static void test_libpcap_reads_it(void **state)
{
	file_t *f = *state;
	write_three(f->path, "lab0");
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p =
	    pcap_open_offline_with_tstamp_precision(f->path, PCAP_TSTAMP_PRECISION_NANO, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), 12); /* DLT_RAW for LINKTYPE_RAW */
	assert_int_equal(pcap_snapshot(p), 262144);
	const uint8_t *pkts[3] = {PKT1, PKT2, PKT3};
	const size_t lens[3] = {sizeof PKT1, sizeof PKT2, sizeof PKT3};
	const size_t orig[3] = {sizeof PKT1, 1500, sizeof PKT3};
	for (int i = 0; i < 3; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->caplen, lens[i]);
		assert_int_equal(h->len, orig[i]);
		assert_memory_equal(data, pkts[i], lens[i]);
		assert_int_equal((uint64_t)h->ts.tv_sec, TS[i] / 1000000000ULL);
		assert_int_equal((uint64_t)h->ts.tv_usec, TS[i] % 1000000000ULL);
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

/* A bounds-checked walk over the blocks, in the host order the writer uses. */
static uint32_t rd32(const file_t *f, size_t off)
{
	assert_true(off + 4 <= f->n);
	uint32_t v;
	memcpy(&v, f->b + off, 4);
	return v;
}

static uint16_t rd16(const file_t *f, size_t off)
{
	assert_true(off + 2 <= f->n);
	uint16_t v;
	memcpy(&v, f->b + off, 2);
	return v;
}

/* The value of option code in [off, end), or NULL; *len gets its length. */
static const uint8_t *find_opt(const file_t *f, size_t off, size_t end, uint16_t code,
			       uint16_t *len)
{
	while (off + 4 <= end) {
		uint16_t c = rd16(f, off), l = rd16(f, off + 2);
		if (c == 0)
			return NULL;
		assert_true(off + 4 + l <= end);
		if (c == code) {
			*len = l;
			return f->b + off + 4;
		}
		off += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

static void test_blocks(void **state)
{
	file_t *f = *state;
	write_three(f->path, "lab0");
	slurp(f);
	size_t off = 0;
	int shb = 0, idb = 0, epb = 0, comments = 0;
	uint16_t len;
	const uint8_t *v;
	while (off < f->n) {
		uint32_t type = rd32(f, off), total = rd32(f, off + 4);
		assert_int_equal(total % 4, 0);
		assert_true(total >= 12 && off + total <= f->n);
		assert_int_equal(rd32(f, off + total - 4), total); /* trailing length */
		size_t end = off + total - 4;
		switch (type) {
		case 0x0A0D0D0A:
			shb++;
			assert_int_equal(rd32(f, off + 8), 0x1A2B3C4D);
			assert_int_equal(rd16(f, off + 12), 1);
			assert_int_equal(rd16(f, off + 14), 0);
			assert_int_equal(rd32(f, off + 16), 0xffffffff);
			assert_int_equal(rd32(f, off + 20), 0xffffffff);
			v = find_opt(f, off + 24, end, 4, &len);
			assert_non_null(v);
			assert_int_equal(len, strlen("stubprobe test"));
			assert_memory_equal(v, "stubprobe test", len);
			break;
		case 1:
			idb++;
			assert_int_equal(rd16(f, off + 8), 101);
			assert_int_equal(rd32(f, off + 12), 262144);
			v = find_opt(f, off + 16, end, 9, &len);
			assert_non_null(v);
			assert_int_equal(len, 1);
			assert_int_equal(v[0], 9);
			v = find_opt(f, off + 16, end, 2, &len);
			assert_non_null(v);
			assert_memory_equal(v, "lab0", 4);
			break;
		case 6: {
			uint32_t caplen = rd32(f, off + 20);
			uint64_t ts = (uint64_t)rd32(f, off + 12) << 32 | rd32(f, off + 16);
			assert_int_equal(ts, TS[epb]);
			size_t opts = off + 28 + ((caplen + 3u) & ~3u);
			assert_true(opts <= end);
			v = find_opt(f, opts, end, 1, &len);
			if (v) {
				comments++;
				assert_int_equal(epb, 1);
				assert_int_equal(len, strlen(COMMENT));
				assert_memory_equal(v, COMMENT, len);
			}
			epb++;
			break;
		}
		default:
			fail_msg("unexpected block type %u", type);
		}
		off += total;
	}
	assert_int_equal(off, f->n);
	assert_int_equal(shb, 1);
	assert_int_equal(idb, 1);
	assert_int_equal(epb, 3);
	assert_int_equal(comments, 1);
}

static void test_no_ifname_no_app(void **state)
{
	file_t *f = *state;
	pcapng_writer_t *w;
	assert_int_equal(pcapng_open(&w, f->path, 1, 65535, NULL, NULL), 0);
	assert_int_equal(pcapng_write(w, 0, NULL, 0, 0, ""), 0);
	assert_int_equal(pcapng_close(w), 0);
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(f->path, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), 1);
	struct pcap_pkthdr *h;
	const u_char *data;
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->caplen, 0);
	pcap_close(p);
}

/* Comments too long for an option are cut, never in the middle of a UTF-8 sequence. */
static void test_long_comment(void **state)
{
	file_t *f = *state;
	size_t n = 70001;
	char *c = malloc(n + 1);
	assert_non_null(c);
	c[0] = 'x'; /* shifts the sequences so the cut point falls inside one */
	for (size_t i = 1; i < n; i += 2) {
		c[i] = (char)0xc3; /* U+00E9 */
		c[i + 1] = (char)0xa9;
	}
	c[n] = '\0';
	pcapng_writer_t *w;
	assert_int_equal(pcapng_open(&w, f->path, 101, 65535, NULL, NULL), 0);
	assert_int_equal(pcapng_write(w, 1, PKT1, sizeof PKT1, sizeof PKT1, c), 0);
	assert_int_equal(pcapng_close(w), 0);
	free(c);
	slurp(f);
	/* SHB (28 + 4) and IDB (20 + 8 + 4) come first. */
	size_t epb = 32 + 32;
	assert_int_equal(rd32(f, epb), 6);
	size_t opts = epb + 28 + ((sizeof PKT1 + 3u) & ~3u);
	uint16_t len;
	const uint8_t *v = find_opt(f, opts, epb + rd32(f, epb + 4) - 4, 1, &len);
	assert_non_null(v);
	assert_true(len <= 65532 && len > 65000);
	assert_int_equal(len % 2, 1); /* 'x' then whole two-byte sequences */
	assert_int_equal(v[len - 1], 0xa9);
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(f->path, err);
	assert_non_null(p);
	pcap_close(p);
}

static void test_errors(void **state)
{
	(void)state;
	pcapng_writer_t *w = (pcapng_writer_t *)1;
	assert_int_equal(pcapng_open(&w, "/nonexistent-dir/x.pcapng", 1, 65535, NULL, NULL),
			 -ENOENT);
	assert_null(w);
	assert_int_equal(pcapng_open(&w, "/tmp/x.pcapng", 70000, 65535, NULL, NULL), -EINVAL);
	assert_int_equal(pcapng_close(NULL), 0);

	/* A full disk shows at the latest when the buffer goes out. */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(pcapng_open(&w, "/dev/full", 1, 65535, NULL, NULL), 0);
		uint8_t big[4096] = {0};
		int rc = 0;
		for (int i = 0; i < 100 && rc == 0; i++)
			rc = pcapng_write(w, 0, big, sizeof big, sizeof big, NULL);
		assert_int_equal(rc, -ENOSPC);
		/* The error sticks. */
		assert_int_equal(pcapng_write(w, 0, big, 1, 1, NULL), -ENOSPC);
		assert_int_equal(pcapng_flush(w), -ENOSPC);
		assert_int_equal(pcapng_close(w), -ENOSPC);

		assert_int_equal(pcapng_open(&w, "/dev/full", 1, 65535, NULL, NULL), 0);
		assert_int_equal(pcapng_write(w, 0, big, 10, 10, NULL), 0);
		assert_int_equal(pcapng_close(w), -ENOSPC);
	}
}

static void test_bad_arguments(void **state)
{
	file_t *f = *state;
	pcapng_writer_t *w;
	assert_int_equal(pcapng_open(&w, f->path, 1, 65535, NULL, NULL), 0);
	assert_int_equal(pcapng_write(w, 0, NULL, 4, 4, NULL), -EINVAL);
	/* A rejected call does not poison the writer. */
	assert_int_equal(pcapng_write(w, 0, PKT2, sizeof PKT2, sizeof PKT2, NULL), 0);
	assert_int_equal(pcapng_close(w), 0);
}

/* Several interfaces of different link types: each packet keeps its own, as capfile reads
 * it back (libpcap 1.10 refuses such a file). */
static void test_interfaces(void **state)
{
	file_t *f = *state;
	pcapng_writer_t *w;
	capfile_pkt_t p;
	capfile_t *c;
	const char *why;
	FILE *fp;

	assert_int_equal(pcapng_create(&w, f->path, "stubprobe test"), 0);
	assert_int_equal(pcapng_interfaces(w), 0);
	assert_int_equal(pcapng_write_on(w, 0, TS[0], PKT1, sizeof PKT1, sizeof PKT1, NULL),
			 -EINVAL);
	assert_int_equal(pcapng_add_interface(w, 1, 65535, "eth0"), 0);
	assert_int_equal(pcapng_add_interface(w, 276, 128, NULL), 1);
	assert_int_equal(pcapng_add_interface(w, 70000, 128, NULL), -EINVAL);
	assert_int_equal(pcapng_interfaces(w), 2);
	assert_int_equal(pcapng_write_on(w, 1, TS[0], PKT1, sizeof PKT1, 100, COMMENT), 0);
	assert_int_equal(pcapng_write_on(w, 0, TS[1], PKT2, sizeof PKT2, sizeof PKT2, NULL), 0);
	assert_int_equal(pcapng_write(w, TS[2], PKT3, sizeof PKT3, sizeof PKT3, NULL), 0);
	assert_int_equal(pcapng_write_on(w, 2, TS[2], PKT3, sizeof PKT3, sizeof PKT3, NULL),
			 -EINVAL);
	assert_int_equal(pcapng_close(w), 0);

	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	assert_int_equal(capfile_open(&c, fileno(fp), &why), 0);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 1);
	assert_int_equal(p.linktype, 276);
	assert_int_equal(p.wirelen, 100);
	assert_true(p.ts_ns == TS[0]);
	assert_memory_equal(p.data, PKT1, sizeof PKT1);
	assert_int_equal(capfile_interface(c, 1)->snaplen, 128);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 0);
	assert_int_equal(p.linktype, 1);
	assert_int_equal(capfile_next(c, &p), 1);
	assert_int_equal(p.ifindex, 0);
	assert_true(p.ts_ns == TS[2]);
	assert_int_equal(capfile_next(c, &p), 0);
	capfile_close(c);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_libpcap_reads_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_ifname_no_app, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_comment, setup, teardown),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test_setup_teardown(test_interfaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
