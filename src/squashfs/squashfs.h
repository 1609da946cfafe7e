/* The squashfs 4.0 writer's library interface: options, and one call that
 * writes a finalized tree to an image file (used by `mklive squashfs` and
 * the build pipeline). */
#ifndef MKLIVE_SQUASHFS_H
#define MKLIVE_SQUASHFS_H

#include "compress/compress.h"
#include "core/tree.h"

#include <stdbool.h>
#include <stdint.h>

struct sqfs_opts {
	enum comp_codec codec;	      /* COMP_ZLIB ("gzip"), COMP_XZ, COMP_ZSTD, COMP_LZ4 */
	int level;		      /* -1: the squashfs default (gzip 9, zstd 15, xz 6, lz4 1) */
	uint32_t block_size;	      /* power of two, 4 KiB .. 1 MiB; 0: 128 KiB */
	int threads;		      /* compression threads; <= 0: online CPUs */
	bool no_fragments;	      /* tails get their own (short) block */
	bool no_duplicates;	      /* store identical files separately */
	bool no_xattrs;		      /* drop extended attributes */
	bool no_exports;	      /* omit the NFS export table */
	bool all_root;		      /* every file owned by 0:0 */
	int64_t force_uid, force_gid; /* -1: keep */
	bool lz4_hc;		      /* -Xhc: lz4 high compression (level 9 unless set) */
	struct comp_cache *cache;     /* compressed blocks of earlier builds, or NULL */
	/* how the block size and level were given, for sqfs_opts_check's
	 * messages ("" : not given) */
	uint64_t block_given;
	char block_label[80], level_label[80];
};

struct sqfs_stats {
	uint64_t bytes_used; /* image size before the 4 KiB padding */
	uint32_t inodes, fragments, ids, xattr_ids;
	uint64_t files, duplicates, sparse_blocks;
};

void sqfs_opts_init(struct sqfs_opts *o);
/* Set one option by key (mksquashfs's option names without the dash):
 * comp, b (block size), Xcompression-level, Xhc, processors,
 * no-fragments, no-duplicates, no-xattrs, no-exports, all-root,
 * force-uid, force-gid. Flags take NULL (on) or a boolean word; label
 * names the option in messages. 0 or ERR_USAGE with the message set. */
int sqfs_opts_set(struct sqfs_opts *o, const char *key, const char *value, const char *label);
/* The rules between options: levels each compressor takes, -Xhc only
 * with lz4. */
int sqfs_opts_check(struct sqfs_opts *o);
/* "gzip", "xz", "zstd", "lz4" -> codec (the names mksquashfs uses). */
int sqfs_codec_parse(const char *name, enum comp_codec *out);
/* Write tree (tree_finalize()d) to path atomically. stats may be NULL. */
int sqfs_write(struct tree *t, const struct sqfs_opts *o, const char *path, struct sqfs_stats *stats);

#endif
