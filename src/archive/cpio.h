/* cpio "newc" (SVR4 portable ASCII, magic 070701) writer: the format the
 * Linux kernel unpacks as an initramfs. Deterministic: entries in tree walk
 * order (sorted), inode numbers assigned from 1 in that order, owners root,
 * times as clamped by tree_finalize (SOURCE_DATE_EPOCH). */
#ifndef MKLIVE_ARCHIVE_CPIO_H
#define MKLIVE_ARCHIVE_CPIO_H

#include "core/tree.h"

#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110

/* The fields of one newc header, in their on-disk order. */
struct cpio_hdr {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

/* Encode a header: "070701" then 13 fields of 8 upper-case hex digits. */
void cpio_encode_header(uint8_t out[CPIO_HEADER_SIZE], const struct cpio_hdr *h);

/* Where the archive bytes go (an output file, a compressor...). Returns 0
 * or a negative error with the message set. */
typedef int (*cpio_sink_fn)(void *ctx, const void *buf, size_t n);

struct cpio_writer;
int cpio_writer_create(struct cpio_writer **out, cpio_sink_fn sink, void *ctx);
void cpio_writer_destroy(struct cpio_writer *w);
/* One entry: name without a leading '/', data of h->filesize bytes from
 * data (or NULL for none). namesize and the padding are filled in. */
int cpio_write_entry(struct cpio_writer *w, struct cpio_hdr *h, const char *name, const void *data);
/* Every node of a finalized tree except the root, in walk order. Hard
 * links share an inode number and carry the data on their first name
 * (what the kernel's unpacker expects); owners are forced to root. */
int cpio_write_tree(struct cpio_writer *w, struct tree *t);
/* The TRAILER!!! entry, then zeros up to a multiple of 512 bytes. */
int cpio_writer_finish(struct cpio_writer *w);
uint64_t cpio_writer_bytes(const struct cpio_writer *w);

#endif
