/* Streaming pcap and pcapng reader: one reused buffer filled by read(2), records parsed in place.
 */
#include "capfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "wire.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_OPB 0x00000002u /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

/* Linktypes whose packets libpcap lets be longer than CAPFILE_MAX_SNAPLEN. */
#define LT_DBUS 231
#define LT_USBPCAP 249
#define LT_EBHSCR 279

/* libpcap takes a section header longer than this for damage; so does this reader. */
#define SHB_MAX (1u << 20)

typedef struct iface {
	capfile_if_t pub;
	uint64_t tsresol; /* units per second */
	int64_t tsoffset; /* seconds added to every timestamp */
} iface_t;

struct capfile {
	int fd;
	enum capfile_format format;
	uint8_t *buf;
	size_t cap, pos, end; /* unread bytes are buf[pos..end) */
	int eof;
	int le; /* the current section (or the pcap file) is little-endian */
	/* pcap */
	size_t rec_len;   /* record header: 16, or 24 in Kuznetzov's patched format */
	int lengths_swap; /* 1 swapped, 2 maybe (version 2.3), as libpcap */
	int nano;         /* pcap timestamps hold nanoseconds */
	size_t max_block; /* pcapng: longest block accepted */
	iface_t *ifs;     /* every interface of the file, in order */
	uint32_t n_ifs, ifs_cap;
	uint32_t sec_first; /* index of the current section's first interface */
	uint64_t packets;   /* packets returned */
	int err;
	const char *why;
	uint64_t err_packet;
};

static size_t max_snaplen(int linktype)
{
	switch (linktype) {
	case LT_DBUS:
		return 128u << 20;
	case LT_EBHSCR:
		return 8u << 20;
	case LT_USBPCAP:
		return 1u << 20;
	default:
		return CAPFILE_MAX_SNAPLEN;
	}
}

/* libpcap's pcap_adjust_snapshot: a zero or larger-than-possible snap length means "all". */
static uint32_t adjust_snaplen(int linktype, uint32_t snaplen)
{
	size_t max = max_snaplen(linktype);
	return snaplen == 0 || snaplen > max ? (uint32_t)max : snaplen;
}

static uint16_t get16(const uint8_t *p, int le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p, int le)
{
	if (le)
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int host_le(void)
{
	const uint16_t one = 1;
	uint8_t b[2];
	memcpy(b, &one, sizeof b);
	return b[0] == 1;
}

/* Makes n unread bytes available at buf+pos: 1 when they are, 0 when the file ends first,
 * or a negative code. Reads as much as fits each time, so a large file costs few calls. */
static int fill_more(capfile_t *c, size_t n);

static inline int fill(capfile_t *c, size_t n)
{
	return c->end - c->pos >= n ? 1 : fill_more(c, n);
}

static __attribute__((noinline)) int fill_more(capfile_t *c, size_t n)
{
	if (n > c->cap) {
		uint8_t *b = realloc(c->buf, n);
		if (!b)
			return SP_ENOMEM;
		c->buf = b;
		c->cap = n;
	}
	if (c->pos + n > c->cap || c->pos == c->end) {
		memmove(c->buf, c->buf + c->pos, c->end - c->pos);
		c->end -= c->pos;
		c->pos = 0;
	}
	while (c->end - c->pos < n && !c->eof) {
		ssize_t r = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno ? -errno : -EIO;
		}
		if (r == 0)
			c->eof = 1;
		c->end += (size_t)r;
	}
	return c->end - c->pos >= n;
}

static int fail(capfile_t *c, int err, const char *why)
{
	c->err = err;
	c->why = why;
	c->err_packet = c->packets + 1;
	return err;
}

static int read_failed(capfile_t *c, int rc)
{
	return fail(c, rc, rc == SP_ENOMEM ? "out of memory" : "cannot read the file");
}

/* A fill that ran out of file is a record cut short; a failed read says its own errno. */
static int need(capfile_t *c, size_t n, const char *why)
{
	int rc = fill(c, n);
	if (rc == 1)
		return 0;
	return rc == 0 ? fail(c, SP_ETRUNC, why) : read_failed(c, rc);
}

static uint64_t ns_from(uint64_t sec, uint64_t frac_ns)
{
	/* Past this the nanoseconds would not fit: saturate, so that order survives. */
	const uint64_t max_sec = UINT64_MAX / 1000000000u - 1;
	if (sec > max_sec)
		sec = max_sec;
	if (frac_ns > 999999999u)
		frac_ns = 999999999u;
	return sec * 1000000000u + frac_ns;
}

static iface_t *add_iface(capfile_t *c)
{
	if (c->n_ifs == c->ifs_cap) {
		uint32_t cap = c->ifs_cap ? c->ifs_cap * 2 : 4;
		iface_t *n;
		if (cap < c->ifs_cap || cap > (1u << 24))
			return NULL; /* more interfaces than any real capture has */
		n = realloc(c->ifs, cap * sizeof *n);
		if (!n)
			return NULL;
		c->ifs = n;
		c->ifs_cap = cap;
	}
	memset(&c->ifs[c->n_ifs], 0, sizeof c->ifs[0]);
	return &c->ifs[c->n_ifs++];
}

/* pcap file header, https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap section 4, with
 * libpcap's versions and Kuznetzov's patched records. */
static int pcap_header(capfile_t *c, uint32_t magic_be, const char **why)
{
	wire_t w;
	const uint8_t *h;
	uint32_t magic, snaplen, lt_word;
	uint16_t major, minor;
	iface_t *f;
	int rc;

	magic = magic_be;
	c->le = 0;
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS && magic != PCAP_MAGIC_KUZNETZOV) {
		magic = __builtin_bswap32(magic);
		c->le = 1;
	}
	rc = fill(c, 24);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*why = "truncated pcap file header";
		return SP_ETRUNC;
	}
	wire_init(&w, c->buf + c->pos, 24);
	h = wire_ptr(&w, 24);
	if (!h)
		return SP_ETRUNC;
	major = get16(h + 4, c->le);
	minor = get16(h + 6, c->le);
	snaplen = get32(h + 16, c->le);
	lt_word = get32(h + 20, c->le);
	if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0))) {
		*why = major < 2 ? "archaic pcap savefile format"
				 : "unsupported pcap savefile version";
		return SP_EFORMAT;
	}
	c->pos += 24;
	c->format = CAPFILE_PCAP;
	c->nano = magic == PCAP_MAGIC_NS;
	c->rec_len = magic == PCAP_MAGIC_KUZNETZOV ? 24 : 16;
	c->lengths_swap = major == 543 || minor < 3 ? 1 : minor == 3 ? 2 : 0;
	f = add_iface(c);
	if (!f)
		return SP_ENOMEM;
	/* The top six bits are not the link type: bit 26 says the low three of them hold
	 * the FCS length in 16-bit words (libpcap's LT_LINKTYPE and LT_FCS_LENGTH). */
	f->pub.linktype = (int)(lt_word & 0x03FFFFFFu);
	f->pub.fcs_len = (lt_word & 0x04000000u) ? (int)((lt_word >> 28) * 2) : -1;
	f->pub.snaplen = adjust_snaplen(f->pub.linktype, snaplen);
	if (c->rec_len == 24 && f->pub.linktype == 1)
		f->pub.snaplen =
		    f->pub.snaplen <= 0x7fffffff - 14 ? f->pub.snaplen + 14 : 0x7fffffff;
	f->pub.swapped = c->le != host_le();
	return 0;
}

/* One pcap record (draft-ietf-opsawg-pcap section 5). */
static int pcap_next(capfile_t *c, capfile_pkt_t *p)
{
	const iface_t *f = &c->ifs[0];
	wire_t w;
	const uint8_t *h, *data;
	uint32_t sec, frac, caplen, len, keep;
	int rc = fill(c, c->rec_len);

	if (rc < 0)
		return read_failed(c, rc);
	if (rc == 0) {
		if (c->end == c->pos)
			return 0;
		return fail(c, SP_ETRUNC, "truncated packet record header");
	}
	wire_init(&w, c->buf + c->pos, c->end - c->pos);
	h = wire_ptr(&w, c->rec_len);
	if (!h)
		return fail(c, SP_ETRUNC, "truncated packet record header");
	sec = get32(h, c->le);
	frac = get32(h + 4, c->le);
	caplen = get32(h + 8, c->le);
	len = get32(h + 12, c->le);
	if (c->lengths_swap == 1 || (c->lengths_swap == 2 && caplen > len)) {
		uint32_t t = caplen;
		caplen = len;
		len = t;
	}
	if (caplen > max_snaplen(f->pub.linktype))
		return fail(c, SP_EFORMAT, "a packet record longer than any capture can have");
	/* Longer than the file's snap length but not absurd: libpcap keeps the snap length's
	 * worth and passes over the rest, and so does this reader. */
	keep = caplen > f->pub.snaplen ? f->pub.snaplen : caplen;
	if ((rc = need(c, c->rec_len + caplen, "truncated packet data")) < 0)
		return rc;
	wire_init(&w, c->buf + c->pos, c->rec_len + caplen);
	wire_skip(&w, c->rec_len);
	data = wire_ptr(&w, keep);
	if (!data && keep)
		return fail(c, SP_ETRUNC, "truncated packet data");
	c->pos += c->rec_len + caplen;
	p->ifindex = 0;
	p->linktype = f->pub.linktype;
	p->ts_ns = ns_from(sec, c->nano ? frac : (uint64_t)frac * 1000u);
	p->caplen = keep;
	p->wirelen = len;
	p->data = data;
	c->packets++;
	return 1;
}

/* The options of a block (pcapng section 3.5): code, length, value padded to 4 bytes. */
static int idb_options(capfile_t *c, wire_t *w, iface_t *f)
{
	int saw_resol = 0, saw_offset = 0;

	while (wire_left(w) > 0) {
		const uint8_t *h = wire_ptr(w, 4), *v;
		uint16_t code, len;
		if (!h)
			return fail(c, SP_EFORMAT, "interface description block too short");
		code = get16(h, c->le);
		len = get16(h + 2, c->le);
		v = wire_ptr(w, ((size_t)len + 3) & ~(size_t)3);
		if (!v)
			return fail(c, SP_EFORMAT, "interface description option too long");
		if (code == OPT_ENDOFOPT)
			break;
		if (code == OPT_IF_TSRESOL) {
			unsigned r, i;
			if (len != 1 || saw_resol)
				return fail(c, SP_EFORMAT, "bad if_tsresol option");
			saw_resol = 1;
			r = v[0] & 0x7f;
			/* Beyond these the units per second do not fit in 64 bits. */
			if ((v[0] & 0x80) ? r > 63 : r > 19)
				return fail(c, SP_EFORMAT, "if_tsresol finer than 64 bits hold");
			if (v[0] & 0x80) {
				f->tsresol = (uint64_t)1 << r;
			} else {
				f->tsresol = 1;
				for (i = 0; i < r; i++)
					f->tsresol *= 10;
			}
		} else if (code == OPT_IF_TSOFFSET) {
			uint64_t hi, lo;
			if (len != 8 || saw_offset)
				return fail(c, SP_EFORMAT, "bad if_tsoffset option");
			saw_offset = 1;
			hi = get32(v + (c->le ? 4 : 0), c->le);
			lo = get32(v + (c->le ? 0 : 4), c->le);
			f->tsoffset = (int64_t)(hi << 32 | lo);
		}
	}
	return 0;
}

/* Interface Description Block, pcapng section 4.2. */
static int idb(capfile_t *c, wire_t *w)
{
	const uint8_t *h = wire_ptr(w, 8);
	iface_t *f;
	size_t blk;

	if (!h)
		return fail(c, SP_EFORMAT, "interface description block too short");
	f = add_iface(c);
	if (!f)
		return fail(c, SP_ENOMEM, "out of memory");
	f->pub.linktype = get16(h, c->le);
	f->pub.snaplen = adjust_snaplen(f->pub.linktype, get32(h + 4, c->le));
	f->pub.fcs_len = -1;
	f->pub.swapped = c->le != host_le();
	f->tsresol = 1000000; /* microseconds unless if_tsresol says otherwise */
	/* A link type with longer packets may have longer blocks, as in libpcap. */
	blk = 8 + 20 + max_snaplen(f->pub.linktype) + 131072 + 4;
	if (blk > c->max_block)
		c->max_block = blk;
	return idb_options(c, w, f);
}

/* Section Header Block, pcapng section 4.1. At the head of the buffer: its length is read in
 * the byte order its byte-order magic gives. */
static int shb(capfile_t *c, int at_open, uint32_t *len)
{
	wire_t w;
	const uint8_t *h;
	int rc = fill(c, 16);
	uint16_t major, minor;

	if (rc < 0)
		return read_failed(c, rc);
	if (rc == 0)
		return fail(c, SP_ETRUNC, "truncated section header block");
	wire_init(&w, c->buf + c->pos, 16);
	h = wire_ptr(&w, 16);
	if (!h)
		return fail(c, SP_ETRUNC, "truncated section header block");
	if (get32(h + 8, 0) == BYTE_ORDER_MAGIC)
		c->le = 0;
	else if (get32(h + 8, 1) == BYTE_ORDER_MAGIC)
		c->le = 1;
	else
		return fail(c, SP_EFORMAT, "section header block with a bad byte-order magic");
	*len = get32(h + 4, c->le);
	major = get16(h + 12, c->le);
	minor = get16(h + 14, c->le);
	if (*len < 28 || *len > SHB_MAX || *len % 4)
		return fail(c, SP_EFORMAT, "section header block with a bad length");
	/* At the start libpcap reads versions 1.0 and 1.2 (1.2 as 1.0); later sections only
	 * need major version 1. */
	if (major != 1 || (at_open && minor != 0 && minor != 2))
		return fail(c, SP_EFORMAT, "unsupported pcapng version");
	c->sec_first = c->n_ifs;
	return 0;
}

/* The next whole block at buf+pos, its type and a cursor over its body (between the length
 * and the trailing length copy); 0 at the clean end of the file. */
static int block(capfile_t *c, int at_open, uint32_t *type, wire_t *body)
{
	wire_t w;
	const uint8_t *h, *t;
	uint32_t len;
	int rc = fill(c, 8);

	if (rc < 0)
		return read_failed(c, rc);
	if (rc == 0) {
		if (c->end == c->pos)
			return 0;
		return fail(c, SP_ETRUNC, "truncated block header");
	}
	wire_init(&w, c->buf + c->pos, 8);
	h = wire_ptr(&w, 8);
	if (!h)
		return fail(c, SP_ETRUNC, "truncated block header");
	*type = get32(h, c->le);
	if (*type == BT_SHB) {
		if ((rc = shb(c, at_open, &len)) < 0)
			return rc;
	} else {
		len = get32(h + 4, c->le);
		if (len < 12 || len % 4)
			return fail(c, SP_EFORMAT, "block with a bad length");
		if (len > c->max_block)
			return fail(c, SP_EFORMAT, "block longer than any capture can have");
	}
	if ((rc = need(c, len, "truncated block")) < 0)
		return rc;
	wire_init(&w, c->buf + c->pos, len);
	wire_skip(&w, 8);
	*body = wire_sub(&w, len - 12);
	t = wire_ptr(&w, 4);
	if (!t || wire_error(body))
		return fail(c, SP_ETRUNC, "truncated block");
	if (get32(t, c->le) != len)
		return fail(c, SP_EFORMAT, "block lengths at its start and end differ");
	c->pos += len;
	return 1;
}

static int pcapng_open_section(capfile_t *c, const char **why)
{
	uint32_t type;
	wire_t body;
	int rc;

	c->format = CAPFILE_PCAPNG;
	c->max_block = CAPFILE_MAX_BLOCK;
	/* libpcap needs the first interface before it hands out packets; so does sniff, to
	 * check the link type before reading on. */
	for (;;) {
		rc = block(c, c->n_ifs == 0 && c->packets == 0 && c->pos == 0, &type, &body);
		if (rc == 0) {
			*why = "the capture file has no interface description block";
			return SP_EFORMAT;
		}
		if (rc < 0) {
			*why = c->why;
			return rc;
		}
		if (type == BT_IDB) {
			rc = idb(c, &body);
			*why = c->why;
			return rc;
		}
		if (type == BT_EPB || type == BT_SPB || type == BT_OPB) {
			*why = "the capture file has a packet before any interface description";
			return SP_EFORMAT;
		}
	}
}

static const iface_t *section_iface(capfile_t *c, uint32_t id, uint32_t *global)
{
	if (id >= c->n_ifs - c->sec_first)
		return NULL;
	*global = c->sec_first + id;
	return &c->ifs[*global];
}

/* Enhanced (section 4.3), Simple (4.4) and the obsolete Packet Block (appendix A). */
static int packet_block(capfile_t *c, uint32_t type, wire_t *body, capfile_pkt_t *p)
{
	const iface_t *f;
	const uint8_t *h;
	uint32_t id, caplen, len, global = 0;
	uint64_t t = 0;

	if (type == BT_SPB) {
		h = wire_ptr(body, 4);
		if (!h)
			return fail(c, SP_EFORMAT, "simple packet block too short");
		len = get32(h, c->le);
		f = section_iface(c, 0, &global);
		if (!f)
			return fail(c, SP_EFORMAT, "a packet of an interface with no description");
		/* The block does not say: the packet as far as the snap length and the block
		 * allow. */
		caplen = len < f->pub.snaplen ? len : f->pub.snaplen;
		if (caplen > wire_left(body))
			caplen = (uint32_t)wire_left(body);
	} else {
		h = wire_ptr(body, 20);
		if (!h)
			return fail(c, SP_EFORMAT, "packet block too short");
		id = type == BT_OPB ? get16(h, c->le) : get32(h, c->le);
		t = (uint64_t)get32(h + 4, c->le) << 32 | get32(h + 8, c->le);
		caplen = get32(h + 12, c->le);
		len = get32(h + 16, c->le);
		f = section_iface(c, id, &global);
		if (!f)
			return fail(c, SP_EFORMAT, "a packet of an interface with no description");
		if (caplen > f->pub.snaplen)
			return fail(c, SP_EFORMAT,
				    "a packet longer than its interface's snap length");
	}
	p->data = wire_ptr(body, caplen);
	if (!p->data && caplen)
		return fail(c, SP_EFORMAT, "packet data longer than its block");
	p->ifindex = global;
	p->linktype = f->pub.linktype;
	p->caplen = caplen;
	p->wirelen = len;
	if (type == BT_SPB) {
		p->ts_ns = 0;
	} else {
		uint64_t sec = t / f->tsresol, frac = t % f->tsresol;
		uint64_t frac_ns = (uint64_t)((unsigned __int128)frac * 1000000000u / f->tsresol);
		if (f->tsoffset < 0 && sec < (uint64_t)0 - (uint64_t)f->tsoffset)
			p->ts_ns = 0; /* before 1970 */
		else if (f->tsoffset > 0 && sec > UINT64_MAX - (uint64_t)f->tsoffset)
			p->ts_ns = ns_from(UINT64_MAX, 0);
		else
			p->ts_ns = ns_from(sec + (uint64_t)f->tsoffset, frac_ns);
	}
	c->packets++;
	return 1;
}

static int pcapng_next(capfile_t *c, capfile_pkt_t *p)
{
	uint32_t type;
	wire_t body;
	int rc;

	for (;;) {
		rc = block(c, 0, &type, &body);
		if (rc <= 0)
			return rc;
		switch (type) {
		case BT_EPB:
		case BT_SPB:
		case BT_OPB:
			return packet_block(c, type, &body, p);
		case BT_IDB:
			if ((rc = idb(c, &body)) < 0)
				return rc;
			break;
		default:
			break; /* section headers were taken in block(); the rest is not packets */
		}
	}
}

int capfile_open(capfile_t **out, int fd, const char **why)
{
	capfile_t *c;
	wire_t w;
	uint32_t magic;
	int rc;

	*out = NULL;
	*why = "";
	c = calloc(1, sizeof *c);
	if (!c || !(c->buf = malloc(CAPFILE_BUF))) {
		free(c);
		*why = "out of memory";
		return SP_ENOMEM;
	}
	c->fd = fd;
	c->cap = CAPFILE_BUF;
	rc = fill(c, 4);
	if (rc <= 0) {
		*why = rc < 0 ? "cannot read the file" : "shorter than any file header";
		capfile_close(c);
		return rc < 0 ? rc : SP_EFORMAT;
	}
	wire_init(&w, c->buf, 4);
	magic = wire_u32(&w);
	if (magic == BT_SHB) {
		rc = pcapng_open_section(c, why);
	} else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
		   magic == PCAP_MAGIC_KUZNETZOV || __builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_KUZNETZOV) {
		rc = pcap_header(c, magic, why);
	} else {
		*why = "unknown file format";
		rc = SP_EFORMAT;
	}
	if (rc < 0) {
		if (rc == SP_ENOMEM)
			*why = "out of memory";
		capfile_close(c);
		return rc;
	}
	c->err = 0;
	c->why = "";
	*out = c;
	return 0;
}

int capfile_next(capfile_t *c, capfile_pkt_t *p)
{
	if (c->err)
		return c->err;
	return c->format == CAPFILE_PCAP ? pcap_next(c, p) : pcapng_next(c, p);
}

const char *capfile_error(const capfile_t *c) { return c->why ? c->why : ""; }

uint64_t capfile_error_packet(const capfile_t *c) { return c->err_packet; }

enum capfile_format capfile_format(const capfile_t *c) { return c->format; }

uint32_t capfile_interfaces(const capfile_t *c) { return c->n_ifs; }

const capfile_if_t *capfile_interface(const capfile_t *c, uint32_t i)
{
	return i < c->n_ifs ? &c->ifs[i].pub : NULL;
}

void capfile_close(capfile_t *c)
{
	if (!c)
		return;
	free(c->ifs);
	free(c->buf);
	free(c);
}
