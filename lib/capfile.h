/* Streaming reader of pcap and pcapng capture files from a descriptor (file or pipe). */
#ifndef SP_CAPFILE_H
#define SP_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

/* Formats: classic pcap (microsecond 0xa1b2c3d4, nanosecond 0xa1b23c4d and Alexey
 * Kuznetzov's patched 0xa1b2cd34, either byte order, versions 2.0 to 2.4 and 543.0) and
 * pcapng (draft-ietf-opsawg-pcapng, versions 1.0 and 1.2, several sections, each in its own
 * byte order). Other magics (Navtel 0xa12b3c4d, pcap 1.x ...) are refused as not a capture.
 *
 * Memory stays bounded: the file is read with read(2) into one buffer of CAPFILE_BUF bytes
 * that is reused; a block longer than the buffer grows it, up to CAPFILE_MAX_BLOCK. The
 * buffer is small enough to stay in a core's cache between the copy into it and the parsing
 * of its records: with 2 MiB, each read pushed the records out before they were read. */
#define CAPFILE_BUF (256u << 10)
/* Longest pcapng block read (as libpcap: a 262144-byte packet plus 128 KiB of options; a
 * link type whose packets may be longer raises it as libpcap does, see capfile.c). */
#define CAPFILE_MAX_BLOCK (16u << 20)
/* Longest packet a pcap record or pcapng block may announce for the common link types, as
 * libpcap's max_snaplen_for_dlt: a longer one is damage ("bogus" length), not a packet. */
#define CAPFILE_MAX_SNAPLEN 262144u

enum capfile_format { CAPFILE_PCAP = 1, CAPFILE_PCAPNG = 2 };

/* One interface: a pcap file has exactly one; a pcapng file one per Interface Description
 * Block, numbered across sections in file order. */
typedef struct capfile_if {
	int linktype;     /* LINKTYPE_ value (the FCS bits of a pcap header taken off) */
	uint32_t snaplen; /* as libpcap adjusts it: 0 or absurd values become the maximum */
	int fcs_len;      /* pcap: bytes of FCS the header says each packet ends with, -1 unknown */
	int swapped;      /* written in the other byte order than this host's */
} capfile_if_t;

typedef struct capfile_pkt {
	uint32_t ifindex;    /* interface in capfile_interface() numbering */
	int linktype;        /* that interface's */
	uint64_t ts_ns;      /* capture time, saturating: before 1970 is 0, past 2^64 ns the top */
	uint32_t caplen;     /* bytes at data */
	uint32_t wirelen;    /* bytes on the wire (may be less than caplen in a damaged file) */
	const uint8_t *data; /* borrowed: valid until the next capfile_next or capfile_close */
} capfile_pkt_t;

typedef struct capfile capfile_t;

/* Reads the file header (pcapng: up to the first Interface Description Block, as libpcap
 * does). Returns 0 with *out set (free with capfile_close), or a negative code with *why
 * a static reason ("unknown file format", "truncated pcap file header" ...): SP_EFORMAT
 * when the bytes are no capture, SP_ETRUNC when the header is cut short, SP_ENOMEM, or
 * -errno of read(2). fd stays the caller's (not closed), and is read sequentially only. */
int capfile_open(capfile_t **out, int fd, const char **why);

/* The next packet: 1 with *p filled, 0 at the clean end of the file, or a negative code
 * (SP_ETRUNC: the file ends in the middle of a record or block; SP_EFORMAT: damage such as
 * a bad block length; SP_ENOMEM; -errno) with capfile_error() saying why and where. After
 * an error every call returns it again. */
int capfile_next(capfile_t *c, capfile_pkt_t *p);

/* The reason of the last error (static text, "" when none), and the number of the packet
 * it stopped at (1 for the first packet of the file). */
const char *capfile_error(const capfile_t *c);
uint64_t capfile_error_packet(const capfile_t *c);

enum capfile_format capfile_format(const capfile_t *c);
/* Interfaces seen so far (a pcapng file may add some later); i < capfile_interfaces(). */
uint32_t capfile_interfaces(const capfile_t *c);
const capfile_if_t *capfile_interface(const capfile_t *c, uint32_t i);

/* Frees c; the descriptor stays open. NULL is a no-op. */
void capfile_close(capfile_t *c);

#endif
