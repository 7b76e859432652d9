/* Minimal pcapng writer: one section, its interfaces, nanosecond timestamps, packet comments. */
#ifndef SP_PCAPNG_H
#define SP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcapng_writer pcapng_writer_t;

/* Creates path (truncating), writes the Section Header Block (shb_userappl = app) and one
 * Interface Description Block (linktype as LINKTYPE_ value, snaplen, if_tsresol = 9,
 * if_name = ifname when not NULL). Returns 0 or -errno / SP_ENOMEM; *out set on success;
 * free with pcapng_close. */
int pcapng_open(pcapng_writer_t **out, const char *path, int linktype, uint32_t snaplen,
		const char *ifname, const char *app);
/* The same without an interface: add each with pcapng_add_interface before its packets. */
int pcapng_create(pcapng_writer_t **out, const char *path, const char *app);
/* One more Interface Description Block (as pcapng_open's); returns its index (0 for the
 * first), or -errno / SP_ENOMEM / -EINVAL for a linktype outside 0..65535. */
int pcapng_add_interface(pcapng_writer_t *w, int linktype, uint32_t snaplen, const char *ifname);
/* Interfaces added so far. */
uint32_t pcapng_interfaces(const pcapng_writer_t *w);
/* One Enhanced Packet Block on interface 0; comment (opt_comment, UTF-8) when not NULL. */
int pcapng_write(pcapng_writer_t *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		 uint32_t origlen, const char *comment);
/* The same on interface ifindex (-EINVAL when it was not added). */
int pcapng_write_on(pcapng_writer_t *w, uint32_t ifindex, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t origlen, const char *comment);
/* Pushes buffered blocks to the file so a crash later loses nothing written before. */
int pcapng_flush(pcapng_writer_t *w);
/* Flushes, closes and frees; returns the first error met, if any. NULL is a no-op. */
int pcapng_close(pcapng_writer_t *w);

#endif
