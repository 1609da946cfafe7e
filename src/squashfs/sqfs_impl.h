/* Internal interfaces between the parts of the squashfs writer. */
#ifndef MKLIVE_SQUASHFS_IMPL_H
#define MKLIVE_SQUASHFS_IMPL_H

#include "compress/compress.h"
#include "core/output.h"
#include "core/tree.h"
#include "squashfs/format.h"
#include "squashfs/squashfs.h"

/* ---- metadata blocks (meta.c) ---------------------------------------------
 * A table written as a stream of 8 KiB metadata blocks, each compressed
 * (or kept raw when that does not shrink it) behind a 2-byte header. The
 * table is kept in memory until its place in the image is known. Blocks are
 * compressed as soon as they fill, because later records refer to the
 * compressed start of the block that holds an earlier one. */
struct sqfs_meta {
	struct comp_ctx *cc; /* NULL: every block stored raw */
	uint8_t blk[SQFS_META_SIZE];
	size_t blen;
	uint8_t *out; /* finished blocks, headers included */
	size_t out_len, out_cap;
	uint8_t *cbuf;
	size_t cbuf_cap;
	uint64_t *starts; /* start of each finished block, relative to the table */
	size_t nstarts, starts_cap;
};
void sqfs_meta_init(struct sqfs_meta *m, struct comp_ctx *cc);
int sqfs_meta_append(struct sqfs_meta *m, const void *p, size_t n);
/* Reference of the next byte appended: block start << 16 | offset. */
static inline uint64_t sqfs_meta_ref(const struct sqfs_meta *m)
{
	return sqfs_ref(m->out_len, (uint32_t)m->blen);
}
/* Store the last, partial block. */
int sqfs_meta_flush(struct sqfs_meta *m);
void sqfs_meta_free(struct sqfs_meta *m);
/* Write a lookup table (fragment, export, id, xattr id): the entries in
 * metadata blocks, then the u64 locations of those blocks; *index_start is
 * where that location array begins (what the superblock points to). */
int sqfs_lookup_table_write(struct out_file *o, struct comp_ctx *cc, const uint8_t *data, size_t len,
			    uint64_t *index_start);

/* ---- directory listings (dir.c) ------------------------------------------ */
struct sqfs_dirent {
	const char *name;
	size_t len;
	uint64_t inode_ref; /* where the child's inode is in the inode table */
	uint32_t ino;
	uint16_t type; /* basic inode type */
};
struct sqfs_dir_index_pos {
	uint32_t pos; /* byte offset of the indexed header in the listing */
	size_t entry; /* the first entry under it */
};
struct sqfs_listing {
	uint8_t *buf;
	size_t len, cap;
	struct sqfs_dir_index_pos *index;
	size_t nindex, index_cap;
};
void sqfs_listing_build(struct sqfs_listing *l, const struct sqfs_dirent *e, size_t n);
void sqfs_listing_free(struct sqfs_listing *l);

/* ---- id table (id.c) --------------------------------------------------------- */
struct sqfs_ids {
	uint32_t *ids; /* in order of first use */
	size_t n, cap;
	uint32_t *slots; /* hash of index + 1 */
	size_t nslots;
};
void sqfs_ids_init(struct sqfs_ids *t);
/* Index of id, adding it; ERR_LIMIT past 65536 distinct ids. */
int sqfs_ids_get(struct sqfs_ids *t, uint32_t id, uint16_t *idx);
int sqfs_ids_write(struct sqfs_ids *t, struct out_file *o, struct comp_ctx *cc, uint64_t *start);
void sqfs_ids_free(struct sqfs_ids *t);

/* ---- xattr table (xattr.c) ---------------------------------------------- */
struct sqfs_xattrs {
	struct sqfs_meta kv; /* keys and values */
	uint8_t *idtab;	     /* 16-byte xattr id records */
	size_t nids, idcap;
	struct sqfs_xset *sets; /* known sets, for sharing one id */
	size_t nsets;
	uint32_t *slots;
	size_t nslots;
	uint8_t *tmp;
	size_t tmp_cap;
};
void sqfs_xattrs_init(struct sqfs_xattrs *x, struct comp_ctx *cc);
/* The xattr id of a node's attribute set (SQFS_NO_XATTR if it has none
 * that squashfs can store; other namespaces are skipped with a warning). */
int sqfs_xattrs_add(struct sqfs_xattrs *x, const struct tree_node *n, uint32_t *id);
/* Write the key/value blocks, the id records and the id table header;
 * *start is what the superblock's xattr_id_table_start holds. */
int sqfs_xattrs_write(struct sqfs_xattrs *x, struct out_file *o, struct comp_ctx *cc, uint64_t *start);
void sqfs_xattrs_free(struct sqfs_xattrs *x);
/* Encode one key/value pair; returns its length, 0 for an unsupported namespace. */
size_t sqfs_xattr_encode(uint8_t *out, const char *name, const uint8_t *value, size_t len);
size_t sqfs_xattr_encoded_size(const char *name, size_t len);

/* ---- fragment table (fragment.c) ------------------------------------------ */
struct sqfs_frags {
	uint8_t *tab; /* 16-byte entries: start u64, size u32, unused u32 */
	size_t n, cap;
};
void sqfs_frags_set(struct sqfs_frags *f, uint32_t idx, uint64_t start, uint32_t size_word);
int sqfs_frags_write(struct sqfs_frags *f, struct out_file *o, struct comp_ctx *cc, uint64_t *start);
void sqfs_frags_free(struct sqfs_frags *f);

/* ---- export table (export.c) ---------------------------------------------- */
int sqfs_export_write(const uint64_t *refs, uint32_t ninodes, struct out_file *o, struct comp_ctx *cc,
		      uint64_t *start);

/* ---- data blocks (data.c) ------------------------------------------------- */
struct sqfs_file {
	struct tree_node *node;
	uint64_t blocks_start, sparse;
	uint32_t *sizes;
	uint32_t nblocks;
	uint32_t frag_idx, frag_off;
	struct sqfs_file *dup_of; /* same bytes as an earlier file: share its blocks */
	uint32_t crc, adler;
	bool hashed;
	bool started; /* its first stored block has reached the image */
	bool boot;    /* named in the boot order */
};
struct sqfs_data;
/* Write the bytes of every file in files[] (in order) through the engine.
 * The tails of the first nboot files (the boot order) fill fragment
 * blocks of their own, written before any other file's data; *boot_end
 * is the image offset where that run ends (0 without a boot order). */
int sqfs_data_write(struct out_file *o, const struct sqfs_opts *opts, const struct comp_opts *co,
		    struct sqfs_file **files, size_t nfiles, size_t nboot, struct sqfs_frags *frags,
		    uint32_t *nfrags, uint64_t *boot_end);

/* ---- boot order (order.c) ---------------------------------------------------
 * Move the files named in the list file (one path a line; # comments) to
 * the front of files[], in the list's order; *nboot is how many. Paths
 * missing from the tree are warnings. Nodes' user must point to their
 * sqfs_file. */
int sqfs_order_files(const struct tree *t, const char *list, struct sqfs_file **files, size_t nfiles,
		     size_t *nboot);

#endif
