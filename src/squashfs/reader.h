/* The squashfs 4.0 reader: an image (made by mksquashfs, gensquashfs or
 * mklive) as a tree whose file data is decoded on demand, so an image can
 * be listed, extracted or remastered without unpacking it. Every
 * compressor squashfs-tools writes is read but LZO (no library here). */
#ifndef MKLIVE_SQUASHFS_READER_H
#define MKLIVE_SQUASHFS_READER_H

#include "core/imgsrc.h"
#include "core/tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqfs_read_opts {
	/* Threads that decompress the blocks following the ones read, so a
	 * reader that walks files in order (extraction, re-imaging) gets
	 * them decoded in parallel: 0 for the online CPUs, < 0 for none. */
	int threads;
};
void sqfs_read_opts_init(struct sqfs_read_opts *o);

/* Read the image into t (under its root; the image's root directory gives
 * the root's attributes). Nodes of regular files are TREE_SRC_IMAGE with
 * stored_size set (their compressed blocks plus their share of a fragment
 * block). o may be NULL. */
int sqfs_read_src(const struct imgsrc *src, struct tree *t, const struct sqfs_read_opts *o);

/* Where a regular file's data lies in the squashfs it was read from (by
 * sqfs_read_src or image_open): its blocks [start, end) and the fragment
 * block holding its tail [frag_start, frag_end) (equal when it has none).
 * False for a node whose data is not a squashfs file's. */
struct sqfs_extent {
	uint64_t start, end;
	uint64_t frag_start, frag_end;
	uint32_t frag; /* fragment index, or 0xffffffff */
	bool frag_raw; /* the fragment block is stored uncompressed */
};
bool sqfs_node_extent(const struct tree_node *n, struct sqfs_extent *e);
/* The size word of block i of such a file (the inode's encoding: bit 24
 * set for a block stored uncompressed, the low 24 bits its bytes in the
 * image from the extent's start on, 0 a hole), for tools that decode the
 * blocks themselves (bench/decode_floor.c); false past its last block. */
bool sqfs_node_block(const struct tree_node *n, uint32_t i, uint32_t *word);

/* The image-reader contract of core/imgsrc.h. */
bool sqfs_probe(const uint8_t *head, size_t len, uint64_t size);
int sqfs_read(const struct imgsrc *src, struct tree *t);
int sqfs_info(const struct imgsrc *src, struct imgsrc_info *info);

#endif
