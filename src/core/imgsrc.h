/* The bytes an image reader parses: a host file (or block device), or the
 * data of a node of another image (a squashfs inside an ISO, an ISO inside
 * a cloop file), so images nest without unpacking anything. */
#ifndef MKLIVE_CORE_IMGSRC_H
#define MKLIVE_CORE_IMGSRC_H

#include "core/tree.h"

#include <stdbool.h>
#include <stdint.h>

struct imgsrc {
	char *name;    /* for messages: "live.iso" or "live.iso:/live/root.squashfs" */
	uint64_t size; /* bytes */
	struct tree_node
	    *node; /* detached copy of the node whose data this is (own reference on its image) */
};

/* Open a host file or block device for reading. */
int imgsrc_open_path(struct imgsrc *s, const char *path);
/* The data of node n (a regular file of an image or of the host). The
 * source keeps its own reference: n's tree may go away first. name is
 * used in messages (NULL: derived from n). */
int imgsrc_open_node(struct imgsrc *s, const struct tree_node *n, const char *name);
/* Read len bytes at off. Reading past the end is an error that names the
 * image and the offset ("x.iso: offset 123456, 2048 bytes: past the end of
 * the image (100000 bytes)"). */
int imgsrc_pread(const struct imgsrc *s, void *buf, size_t len, uint64_t off);
/* When the bytes are in a host file: its image (fd) and the offset of
 * byte 0 in it, so a reader can give its nodes TREE_SRC_RANGE data read
 * in place. NULL when they must be decoded (cloop, squashfs, FAT chains). */
struct tree_img *imgsrc_host_img(const struct imgsrc *s, uint64_t *base);
void imgsrc_close(struct imgsrc *s); /* accepts a zeroed source */

/* ---- image readers --------------------------------------------------------
 * Each format module X that mklive can read offers
 *
 *   bool X_probe(const uint8_t *head, size_t len, uint64_t size);
 *       head: the first min(size, IMGSRC_PROBE_BYTES) bytes of the image;
 *   int X_read(const struct imgsrc *src, struct tree *t);
 *       adds every file of the image under t's root (owners, modes, times,
 *       links, devices, xattrs as stored; hard links share src_dev/src_ino,
 *       src_dev from the reader's tree_img), with data read on demand:
 *       TREE_SRC_RANGE when the bytes lie as they are in a host file
 *       (imgsrc_host_img), TREE_SRC_IMAGE otherwise; stored_size is set.
 *       src stays the caller's: a reader keeps what it needs with
 *       imgsrc_open_node(&own, src->node, src->name) in its tree_img's priv.
 *       Hostile images: allocation bounded by the image size, no loops
 *       (cycles detected), bounded depth (IMGSRC_MAX_DEPTH), and every
 *       error names the image and the offset;
 *   int X_info(const struct imgsrc *src, struct imgsrc_info *info);
 *       what `mklive info` prints about the image: "key: value" lines. */
#define IMGSRC_PROBE_BYTES (64u * 1024)
#define IMGSRC_MAX_DEPTH 1024

struct imgsrc_info {
	char **lines;
	size_t n, cap;
};
void imgsrc_info_add(struct imgsrc_info *info, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void imgsrc_info_free(struct imgsrc_info *info);

/* A detached node: a copy of n's data description (size, source, image
 * reference) with no name, parent or children, freed by tree_node_free_detached.
 * Image readers' pread callbacks use only a node's size, src, src_off,
 * src_aux, src_img, src_path and src_data, so a detached copy reads the same bytes. */
struct tree_node *tree_node_detach(const struct tree_node *n);
void tree_node_free_detached(struct tree_node *n);

/* File data as runs of an image (ISO 9660 extents, FAT cluster runs): a
 * tree_img (imgsrc_runs_ops, priv a malloc'ed struct imgsrc_runs) whose
 * nodes have src_aux 0 (one run at src_off) or the 1-based index of a run
 * list. Destroying the image closes src and frees the lists. */
struct imgsrc_run_list {
	size_t n;
	uint64_t *off, *len;
};
struct imgsrc_runs {
	struct imgsrc src;
	struct imgsrc_run_list *lists;
	size_t nlists, cap;
};
extern const struct tree_img_ops imgsrc_runs_ops;
/* Keep a copy of a run list; returns its index for tree_node_set_img. */
size_t imgsrc_runs_add(struct imgsrc_runs *d, const uint64_t *off, const uint64_t *len, size_t n);

#endif
