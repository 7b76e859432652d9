/* pcapng writer (draft-ietf-opsawg-pcapng): SHB, IDBs, EPBs with comments. */
#include "pcapng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9

/* An option's value is at most 65535 bytes; longer text is cut at a character boundary. */
#define OPT_MAX 65532u

struct pcapng_writer {
	FILE *f;
	char *buf; /* stdio buffer: one write(2) per many packets */
	int err;   /* first error met; later writes are no-ops */
	uint32_t n_ifs;
};

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Blocks are written in host byte order; the SHB's magic tells readers which one it is. */
static void put(pcapng_writer_t *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, w->f) != n)
		w->err = errno ? -errno : -EIO;
}

static void put_u16(pcapng_writer_t *w, uint16_t v) { put(w, &v, sizeof v); }

static void put_u32(pcapng_writer_t *w, uint32_t v) { put(w, &v, sizeof v); }

static void put_pad(pcapng_writer_t *w, size_t n)
{
	static const uint8_t zero[4];
	put(w, zero, pad4(n) - n);
}

static size_t opt_size(size_t len) { return 4 + pad4(len); }

static void put_opt(pcapng_writer_t *w, uint16_t code, const void *val, size_t len)
{
	put_u16(w, code);
	put_u16(w, (uint16_t)len);
	put(w, val, len);
	put_pad(w, len);
}

/* Length of s that fits an option, not splitting a UTF-8 sequence. */
static size_t text_len(const char *s)
{
	size_t n = strlen(s);
	if (n <= OPT_MAX)
		return n;
	n = OPT_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Section Header Block, pcapng section 4.1. */
static void put_shb(pcapng_writer_t *w, const char *app)
{
	size_t applen = app ? text_len(app) : 0;
	size_t opts = (app ? opt_size(applen) : 0) + 4;
	uint32_t total = (uint32_t)(28 + opts);
	put_u32(w, BT_SHB);
	put_u32(w, total);
	put_u32(w, BYTE_ORDER_MAGIC);
	put_u16(w, 1);            /* major */
	put_u16(w, 0);            /* minor */
	int64_t section_len = -1; /* not known in advance */
	put(w, &section_len, sizeof section_len);
	if (app)
		put_opt(w, OPT_SHB_USERAPPL, app, applen);
	put_opt(w, OPT_ENDOFOPT, NULL, 0);
	put_u32(w, total);
}

/* Interface Description Block, pcapng section 4.2. */
static void put_idb(pcapng_writer_t *w, int linktype, uint32_t snaplen, const char *ifname)
{
	size_t namelen = ifname ? text_len(ifname) : 0;
	size_t opts = (ifname ? opt_size(namelen) : 0) + opt_size(1) + 4;
	uint32_t total = (uint32_t)(20 + opts);
	const uint8_t tsresol = 9; /* 10^-9 s: nanoseconds */
	put_u32(w, BT_IDB);
	put_u32(w, total);
	put_u16(w, (uint16_t)linktype);
	put_u16(w, 0); /* reserved */
	put_u32(w, snaplen);
	if (ifname)
		put_opt(w, OPT_IF_NAME, ifname, namelen);
	put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	put_opt(w, OPT_ENDOFOPT, NULL, 0);
	put_u32(w, total);
}

int pcapng_create(pcapng_writer_t **out, const char *path, const char *app)
{
	*out = NULL;
	if (!path)
		return -EINVAL;
	pcapng_writer_t *w = calloc(1, sizeof *w);
	if (!w)
		return SP_ENOMEM;
	w->buf = malloc(BUFSIZ * 16);
	if (!w->buf) {
		free(w);
		return SP_ENOMEM;
	}
	w->f = fopen(path, "wb");
	if (!w->f) {
		int rc = -errno;
		free(w->buf);
		free(w);
		return rc;
	}
	setvbuf(w->f, w->buf, _IOFBF, BUFSIZ * 16);
	put_shb(w, app);
	if (w->err) {
		int rc = w->err;
		pcapng_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

int pcapng_add_interface(pcapng_writer_t *w, int linktype, uint32_t snaplen, const char *ifname)
{
	if (linktype < 0 || linktype > 0xffff)
		return -EINVAL;
	if (w->err)
		return w->err;
	put_idb(w, linktype, snaplen, ifname);
	if (w->err)
		return w->err;
	return (int)w->n_ifs++;
}

uint32_t pcapng_interfaces(const pcapng_writer_t *w) { return w->n_ifs; }

int pcapng_open(pcapng_writer_t **out, const char *path, int linktype, uint32_t snaplen,
		const char *ifname, const char *app)
{
	pcapng_writer_t *w;
	int rc;

	*out = NULL;
	if (!path || linktype < 0 || linktype > 0xffff)
		return -EINVAL;
	if ((rc = pcapng_create(&w, path, app)) < 0)
		return rc;
	if ((rc = pcapng_add_interface(w, linktype, snaplen, ifname)) < 0) {
		pcapng_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Enhanced Packet Block, pcapng section 4.3; opt_comment is section 3.5. */
int pcapng_write_on(pcapng_writer_t *w, uint32_t ifindex, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t origlen, const char *comment)
{
	if (w->err)
		return w->err;
	if ((!data && caplen > 0) || ifindex >= w->n_ifs)
		return -EINVAL;
	size_t clen = comment ? text_len(comment) : 0;
	size_t opts = comment ? opt_size(clen) + 4 : 0;
	size_t total = 32 + pad4(caplen) + opts;
	if (total > UINT32_MAX)
		return -EMSGSIZE;
	put_u32(w, BT_EPB);
	put_u32(w, (uint32_t)total);
	put_u32(w, ifindex);
	put_u32(w, (uint32_t)(ts_ns >> 32));
	put_u32(w, (uint32_t)ts_ns);
	put_u32(w, caplen);
	put_u32(w, origlen);
	put(w, data, caplen);
	put_pad(w, caplen);
	if (comment) {
		put_opt(w, OPT_COMMENT, comment, clen);
		put_opt(w, OPT_ENDOFOPT, NULL, 0);
	}
	put_u32(w, (uint32_t)total);
	return w->err;
}

int pcapng_write(pcapng_writer_t *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		 uint32_t origlen, const char *comment)
{
	return pcapng_write_on(w, 0, ts_ns, data, caplen, origlen, comment);
}

int pcapng_flush(pcapng_writer_t *w)
{
	if (w->err)
		return w->err;
	errno = 0;
	if (fflush(w->f) != 0)
		w->err = errno ? -errno : -EIO;
	return w->err;
}

int pcapng_close(pcapng_writer_t *w)
{
	if (!w)
		return 0;
	int rc = w->err;
	errno = 0;
	if (fclose(w->f) != 0 && rc == 0)
		rc = errno ? -errno : -EIO;
	free(w->buf);
	free(w);
	return rc;
}
