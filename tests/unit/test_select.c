/* Unit tests against libpcap as the reference: capfile reads what libpcap reads, and the
 * dissector selects what sniff's default BPF filter passes, plus its listed extension. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capfile.h"
#include "dissect.h"
#include "err.h"
#include "sp_config.h"

#define GOLDEN SP_DATADIR "/../tests/golden/captures"
#define CORPUS SP_DATADIR "/../tests/fuzz/corpus/capture"

/* The capture files of a directory, sorted; returns how many (names freed by caller). */
static size_t list_dir(const char *dir, char ***out, int captures_only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		if (e->d_name[0] == '.')
			continue;
		if (captures_only && (!dot || (strcmp(dot, ".pcap") && strcmp(dot, ".pcapng"))))
			continue;
		v = realloc(v, (n + 1) * sizeof *v);
		assert_non_null(v);
		assert_true(asprintf(&v[n++], "%s/%s", dir, e->d_name) > 0);
	}
	closedir(d);
	*out = v;
	return n;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* capfile's time against what sniff made of libpcap's (sniff_ts_ns): seconds saturate past
 * 2^64 ns, a fraction past a second is cut to its last nanosecond. libpcap reads the 32-bit
 * pcap fields as signed, capfile as the format says (unsigned): a second from 2038 on or a
 * fraction from 2^31 on differ, and are checked as capfile reads them. */
static int same_time(uint64_t ns, const struct timeval *tv)
{
	const uint64_t max_sec = UINT64_MAX / 1000000000u - 1;
	uint64_t sec = (uint64_t)tv->tv_sec, frac = (uint64_t)tv->tv_usec;

	if (tv->tv_sec < 0)
		return ns / 1000000000u >= (1u << 31);
	if (tv->tv_usec < 0)
		frac = 999999999u;
	if (sec > max_sec)
		sec = max_sec;
	if (frac > 999999999u)
		frac = 999999999u;
	return ns == sec * 1000000000u + frac;
}

/* Packets of path as capfile and as libpcap read them, up to where either stops; returns
 * how many agreed. strict: both must stop at the same place, the same way. */
static size_t compare_readers(const char *path, int strict)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p =
	    pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	int fd = open(path, O_RDONLY);
	const char *why;
	capfile_t *c = NULL;
	int rc = capfile_open(&c, fd, &why);
	size_t n = 0;

	if (!p) {
		/* libpcap refuses it: capfile must too, or read it where libpcap 1.10 cannot
		 * (interfaces of several link types are the known case) */
		if (strict)
			assert_int_not_equal(rc, 0);
		capfile_close(c);
		close(fd);
		return 0;
	}
	if (strict)
		assert_int_equal(rc, 0);
	if (rc == 0) {
		for (;;) {
			struct pcap_pkthdr *h;
			const u_char *d;
			capfile_pkt_t k;
			int a = pcap_next_ex(p, &h, &d), b = capfile_next(c, &k);
			if (a != 1 || b != 1) {
				if (strict) {
					/* the end (-2) or an error (-1) for both */
					assert_int_equal(a == -2, b == 0);
				}
				break;
			}
			assert_int_equal(k.caplen, h->caplen);
			assert_int_equal(k.wirelen, h->len);
			assert_memory_equal(k.data, d, h->caplen);
			assert_int_equal(k.linktype, dissect_linktype_from_dlt(pcap_datalink(p)));
			assert_true(same_time(k.ts_ns, &h->ts));
			n++;
		}
	}
	capfile_close(c);
	close(fd);
	pcap_close(p);
	return n;
}

/* Every file of dir compared; golden: strictly (the same end too). Returns the files. */
static size_t compare_dir(const char *dir, int golden)
{
	char **v;
	size_t n = list_dir(dir, &v, golden), total = 0;

	for (size_t i = 0; i < n; i++)
		total += compare_readers(v[i], golden);
	assert_true(total > 1000);
	free_list(v, n);
	return n;
}

static void test_golden_same_packets(void **state)
{
	(void)state;
	assert_true(compare_dir(GOLDEN, 1) > 40);
}

/* Damaged and odd files: the packets libpcap reads before it stops are capfile's too. */
static void test_corpus_same_packets(void **state)
{
	(void)state;
	assert_true(compare_dir(CORPUS, 0) > 100);
}

static const char *default_filter(int vlan)
{
	static const char x[] = "udp port 53 or tcp port 53 or icmp or icmp6";
	static char f[512];
	if (!vlan)
		return x;
	snprintf(f, sizeof f, "%s or (vlan and (%s or (vlan and (%s))))", x, x, x);
	return f;
}

/* sniff's default filter as it compiled it for a link type: with its "vlan" part where
 * that compiles. */
static void compile_default(int dlt, struct bpf_program *prog)
{
	pcap_t *d = pcap_open_dead(dlt, 262144);
	assert_non_null(d);
	if (pcap_compile(d, prog, default_filter(1), 1, PCAP_NETMASK_UNKNOWN) < 0)
		assert_int_equal(pcap_compile(d, prog, default_filter(0), 1, PCAP_NETMASK_UNKNOWN),
				 0);
	pcap_close(d);
}

static int dlt_of(int linktype) { return linktype == LT_RAW ? DLT_RAW : linktype; }

typedef struct counts {
	size_t frames, bpf, ext;
} counts_t;

/* One frame: the dissector's selection against BPF's verdict. Returns PKT_SEL_*. */
static int check_frame(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		       counts_t *n)
{
	static struct bpf_program progs[300];
	static int have[300];
	const dissect_cfg_t cfg = {.dns_port = 53};
	struct pcap_pkthdr h;
	pkt_t p;
	int pass;

	assert_true(linktype >= 0 && linktype < 300);
	if (!have[linktype]) {
		compile_default(dlt_of(linktype), &progs[linktype]);
		have[linktype] = 1;
	}
	memset(&h, 0, sizeof h);
	h.caplen = caplen;
	h.len = wirelen;
	pass = pcap_offline_filter(&progs[linktype], &h, data) != 0;
	dissect_packet_select(&cfg, linktype, data, caplen, wirelen, &p);
	n->frames++;
	if (pass) {
		n->bpf++;
		assert_int_equal(p.selected, PKT_SEL_BPF);
	} else {
		assert_int_not_equal(p.selected, PKT_SEL_BPF);
		if (p.selected == PKT_SEL_EXT)
			n->ext++;
	}
	return p.selected;
}

/* Every frame of a file; the frames taken by the extension only, counted. */
static counts_t check_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	const char *why;
	capfile_t *c;
	capfile_pkt_t k;
	counts_t n = {0, 0, 0};

	if (capfile_open(&c, fd, &why) == 0) {
		while (capfile_next(c, &k) == 1)
			if (dissect_linktype_supported(k.linktype))
				check_frame(k.linktype, k.data, k.caplen, k.wirelen, &n);
		capfile_close(c);
	}
	close(fd);
	return n;
}

/* The golden captures: the same frames as BPF, except DNS and ICMP inside PPPoE and under
 * MPLS, and IPv6 behind the BSDs' loopback family (24), which only the extension takes. */
static void test_golden_selection(void **state)
{
	char **v;
	size_t n = list_dir(GOLDEN, &v, 1);
	counts_t all = {0, 0, 0};

	(void)state;
	for (size_t i = 0; i < n; i++) {
		counts_t c = check_file(v[i]);
		int encap = strstr(v[i], "pppoe") || strstr(v[i], "mpls") ||
			    strstr(v[i], "null-v6") || strstr(v[i], "loop-v6");
		if (encap) {
			assert_int_equal(c.bpf, 0); /* BPF's default cannot see inside */
			assert_true(c.ext > 0);
		} else {
			assert_int_equal(c.ext, 0);
		}
		all.frames += c.frames;
		all.bpf += c.bpf;
		all.ext += c.ext;
	}
	assert_true(all.bpf > 1000 && all.frames > all.bpf + all.ext);
	free_list(v, n);
}

/* The fuzz corpus of the capture path: odd frames of every link type. The extension may
 * take some that BPF does not; none that BPF takes goes untaken, and the reverse. */
static void test_corpus_selection(void **state)
{
	char **v;
	size_t n = list_dir(CORPUS, &v, 0), frames = 0, bpf = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		counts_t c = check_file(v[i]);
		frames += c.frames;
		bpf += c.bpf;
	}
	assert_true(frames > 1000 && bpf > 100);
	free_list(v, n);
}

/* Frames with every byte of their headers bent, and every cut: the BPF part must agree
 * with BPF frame by frame. The seeds are frames of every link type from the golden
 * captures; the generator is fixed, so a failure repeats. */
static void test_mutated_selection(void **state)
{
	char **v;
	size_t nf = list_dir(GOLDEN, &v, 1);
	uint64_t x = 88172645463325252ull;
	counts_t n = {0, 0, 0};
	uint8_t buf[2048];

	(void)state;
	for (size_t i = 0; i < nf; i++) {
		int fd = open(v[i], O_RDONLY);
		const char *why;
		capfile_t *c;
		capfile_pkt_t k;
		size_t seen = 0;

		assert_int_equal(capfile_open(&c, fd, &why), 0);
		while (capfile_next(c, &k) == 1 && seen++ < 40) {
			if (k.caplen > sizeof buf || !dissect_linktype_supported(k.linktype))
				continue;
			for (int round = 0; round < 60; round++) {
				uint32_t len = k.caplen;
				memcpy(buf, k.data, len);
				for (int m = 0; m < 1 + round % 4; m++) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17;
					size_t at = (size_t)(x % (len < 80 ? len + 1 : 80));
					if (at < len)
						buf[at] = (uint8_t)(x >> 32);
				}
				if (round % 3 == 0)
					len = (uint32_t)((x >> 20) % (len + 1));
				check_frame(k.linktype, buf, len, k.wirelen, &n);
			}
		}
		capfile_close(c);
		close(fd);
	}
	assert_true(n.frames > 20000 && n.bpf > 5000);
	free_list(v, nf);
}

/* Crafted frames for what the extension adds, and for BPF's own corners. */
static const uint8_t UDP53_V4[] = {
    0x45, 0,    0, 28 + 12, 0, 0,  0, 0, 64,   17,   0, 0, 192, 0, 2, 10, 192, 0, 2, 53,
    0x9c, 0x41, 0, 53,      0, 20, 0, 0, 0x12, 0x34, 1, 0, 0,   0, 0, 0,  0,   0, 0, 0};

static size_t ether(uint8_t *f, const uint16_t *types, size_t ntypes, const uint8_t *ip,
		    size_t iplen)
{
	size_t n = 12;
	memset(f, 0x02, 12);
	for (size_t i = 0; i < ntypes; i++) {
		f[n++] = (uint8_t)(types[i] >> 8);
		f[n++] = (uint8_t)types[i];
		if (i + 1 < ntypes &&
		    (types[i] == 0x8100 || types[i] == 0x88a8 || types[i] == 0x9100)) {
			f[n++] = 0;
			f[n++] = 10;
		}
	}
	memcpy(f + n, ip, iplen);
	return n + iplen;
}

static void test_crafted_selection(void **state)
{
	uint8_t f[256], ip6[128];
	counts_t n = {0, 0, 0};
	size_t len;

	(void)state;
	/* Plain, one tag, two tags (each TPID BPF's "vlan" knows), and a third tag that only the
	 * dissector follows. */
	len = ether(f, (const uint16_t[]){0x0800}, 1, UDP53_V4, sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 1);
	len = ether(f, (const uint16_t[]){0x9100, 0x8100, 0x0800}, 3, UDP53_V4, sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 1);
	len = ether(f, (const uint16_t[]){0x88a8, 0x8100, 0x8100, 0x0800}, 4, UDP53_V4,
		    sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 2);
	/* Cut in the destination port: BPF takes it on the source port alone when that is 53,
	 * not otherwise. */
	len = ether(f, (const uint16_t[]){0x0800}, 1, UDP53_V4, sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_ETHERNET, f, 14 + 20 + 3, (uint32_t)len, &n), 0);
	f[14 + 20] = 0, f[14 + 21] = 53;
	assert_int_equal(check_frame(LT_ETHERNET, f, 14 + 20 + 2, (uint32_t)len, &n), 1);
	/* Fragments: UDP only in the first, ICMP in any. */
	f[14 + 6] = 0x20;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 1);
	f[14 + 7] = 0x10;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 0);
	f[14 + 9] = 1;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 1);
	/* PPPoE session and MPLS: the extension's. */
	len = ether(f, (const uint16_t[]){0x8864}, 1,
		    (const uint8_t[]){0x11, 0, 0, 1, 0, 42, 0, 0x21}, 8);
	memcpy(f + len, UDP53_V4, sizeof UDP53_V4);
	len += sizeof UDP53_V4;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 2);
	len = ether(f, (const uint16_t[]){0x8847}, 1, (const uint8_t[]){0, 1, 1, 64}, 4);
	memcpy(f + len, UDP53_V4, sizeof UDP53_V4);
	len += sizeof UDP53_V4;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 2);
	/* MPLS carrying TCP to port 443: nothing to take. */
	f[len - sizeof UDP53_V4 + 9] = 6;
	f[len - sizeof UDP53_V4 + 22] = 1, f[len - sizeof UDP53_V4 + 23] = 0xbb;
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 0);
	/* IPv6: UDP 53 after a hop-by-hop header is the extension's; ICMPv6 after a fragment
	 * header is BPF's own. */
	memset(ip6, 0, sizeof ip6);
	ip6[0] = 0x60, ip6[5] = 8 + 8 + 12, ip6[6] = 0, ip6[7] = 64;
	ip6[40] = 17, ip6[41] = 0;
	ip6[48] = 0x9c, ip6[49] = 0x41, ip6[50] = 0, ip6[51] = 53, ip6[53] = 20;
	assert_int_equal(check_frame(LT_RAW, ip6, 40 + 8 + 20, 68, &n), 2);
	ip6[6] = 44, ip6[40] = 58;
	assert_int_equal(check_frame(LT_RAW, ip6, 40 + 8 + 20, 68, &n), 1);
	/* BSD loopback: AF_INET in the writer's (this host's) order is BPF's, in the other
	 * order the extension's; Darwin's AF_INET6 too. */
	memcpy(f + 4, UDP53_V4, sizeof UDP53_V4);
	memcpy(f, &(uint32_t){2}, 4);
	assert_int_equal(check_frame(LT_NULL, f, 4 + sizeof UDP53_V4, 44, &n), 1);
	memcpy(f, &(uint32_t){__builtin_bswap32(2)}, 4);
	assert_int_equal(check_frame(LT_NULL, f, 4 + sizeof UDP53_V4, 44, &n), 2);
	/* PPP without the HDLC address and control bytes. */
	f[0] = 0, f[1] = 0x21;
	memcpy(f + 2, UDP53_V4, sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_PPP, f, 2 + sizeof UDP53_V4, 42, &n), 2);
	/* ARP and a zero-length frame: nothing. */
	len = ether(f, (const uint16_t[]){0x0806}, 1, UDP53_V4, sizeof UDP53_V4);
	assert_int_equal(check_frame(LT_ETHERNET, f, (uint32_t)len, (uint32_t)len, &n), 0);
	assert_int_equal(check_frame(LT_ETHERNET, NULL, 0, 60, &n), 0);
}

/* Another port: the selection follows cfg->dns_port. */
static void test_port(void **state)
{
	uint8_t f[128];
	dissect_cfg_t cfg = {.dns_port = 5353};
	pkt_t p;

	(void)state;
	memcpy(f, UDP53_V4, sizeof UDP53_V4);
	dissect_packet_select(&cfg, LT_RAW, f, sizeof UDP53_V4, sizeof UDP53_V4, &p);
	assert_int_equal(p.selected, PKT_SEL_NO);
	assert_int_equal(p.kind, PKT_OTHER);
	f[22] = 0x14, f[23] = 0xe9; /* destination port 5353 */
	dissect_packet_select(&cfg, LT_RAW, f, sizeof UDP53_V4, sizeof UDP53_V4, &p);
	assert_int_equal(p.selected, PKT_SEL_BPF);
	assert_int_equal(p.kind, PKT_DNS);
	/* Without selection, selected stays 0. */
	dissect_packet(&cfg, LT_RAW, f, sizeof UDP53_V4, sizeof UDP53_V4, &p);
	assert_int_equal(p.selected, PKT_SEL_NO);
	assert_int_equal(p.kind, PKT_DNS);
	/* A link type the dissector does not read is still an error of the call. */
	assert_int_equal(dissect_packet_select(&cfg, 147, f, 20, 20, &p), SP_EUNSUPPORTED);
	assert_int_equal(p.kind, PKT_SKIPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_same_packets),
	    cmocka_unit_test(test_corpus_same_packets),
	    cmocka_unit_test(test_golden_selection),
	    cmocka_unit_test(test_corpus_selection),
	    cmocka_unit_test(test_mutated_selection),
	    cmocka_unit_test(test_crafted_selection),
	    cmocka_unit_test(test_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
