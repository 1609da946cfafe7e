/* Internal interfaces between the parts of the tar/cpio reader: the
 * libarchive driver and data placement (tar_read.c) and the entry-to-node
 * translation (tar_entry.c). */
#ifndef MKLIVE_ARCHIVE_TAR_IMPL_H
#define MKLIVE_ARCHIVE_TAR_IMPL_H

#include "archive/archive.h"

struct archive;
struct archive_entry;

/* The unnamed file holding the data that cannot be used in place. */
struct tar_spool {
	int fd; /* -1 until the first spooled byte */
	struct tree_img *img;
	uint64_t end;  /* bytes handed out */
	uint8_t *wbuf; /* pending bytes for woff.. */
	size_t wlen;
	uint64_t woff;
};

/* The names of one hard-linked file (src_ino = index + 1). */
struct tar_group {
	struct tree_node **v;
	size_t n, cap;
};

struct tar_rd {
	const struct imgsrc *src;
	struct tree *t;
	struct tar_read_opts o;
	struct tar_read_stats *st;
	struct archive *a;

	/* input: the buffer last handed to libarchive */
	uint8_t *buf;
	size_t buf_len;
	uint64_t buf_off; /* offset of buf[0] in src */
	uint64_t pos;	  /* next offset the read callback reads */
	uint64_t seg_start;
	int in_err; /* error of the read callback (message set) */
	bool plain; /* the current archive is not compressed: data in place */

	struct tree_img *img; /* the archive's bytes: RANGE of a host file, or IMAGE through src */
	uint64_t base;	      /* offset of src's byte 0 in img's file (RANGE) */
	struct tar_spool sp;
	uint64_t *est; /* spool offsets of files from a compressed stream */
	size_t nest, est_cap;

	struct tar_group *groups;
	size_t ngroups, groups_cap;

	uint64_t copied; /* xattr and link-target bytes hard links copy */

	char *last_dir; /* parent of the previous entry, and its node */
	struct tree_node *last_dir_node;
	const char *cur; /* the entry being read, for messages */
};

/* tar_read.c: make the current entry's data (size bytes, read through
 * libarchive) node n's source: in place, or spooled. */
int tar_data_read(struct tar_rd *r, struct tree_node *n, uint64_t size);
/* An error of libarchive (or of the read callback) with the archive name,
 * the stream offset and the entry being read. */
int tar_la_error(struct tar_rd *r);

/* tar_entry.c: add one entry to the tree. */
int tar_entry_add(struct tar_rd *r, struct archive_entry *e);
/* A name for messages: control characters as \ooo (malloc'ed). */
char *tar_quote(const char *s);
void tar_groups_free(struct tar_rd *r);

#endif
