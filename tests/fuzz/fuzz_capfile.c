/* Fuzz target for the capture file reader: any bytes as a pcap or pcapng file, read to the
 * end or the first damage, every packet's bytes touched and dissected. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capfile.h"
#include "dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	const dissect_cfg_t cfg = {.dns_port = 53};
	capfile_t *c;
	capfile_pkt_t p;
	const char *why;
	unsigned sum = 0;
	uint64_t n = 0;
	int rc;

	if (fd < 0 && (fd = memfd_create("capfile", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (capfile_open(&c, fd, &why) < 0) {
		if (!why || !why[0])
			__builtin_trap(); /* every refusal says why */
		return 0;
	}
	while ((rc = capfile_next(c, &p)) == 1) {
		pkt_t k;
		n++;
		if (p.ifindex >= capfile_interfaces(c) ||
		    capfile_interface(c, p.ifindex)->linktype != p.linktype)
			__builtin_trap();
		for (uint32_t i = 0; i < p.caplen; i++)
			sum += p.data[i];
		dissect_packet_select(&cfg, p.linktype, p.data, p.caplen, p.wirelen, &k);
	}
	/* An error names the packet after the last one read, and stays. */
	if (rc < 0 &&
	    (capfile_error_packet(c) != n + 1 || !capfile_error(c)[0] || capfile_next(c, &p) != rc))
		__builtin_trap();
	capfile_close(c);
	return (int)(sum & 0);
}
