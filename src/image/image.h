/* Images as sources: format detection over the registered readers, nested
 * paths (live.iso:/live/root.squashfs:/etc/hostname), transparent layers
 * (cloop), and one call that reads IMAGE[:PATH...] into a tree, used by
 * ls/extract/cat/info/du and by the build's `--root old.iso`. */
#ifndef MKLIVE_IMAGE_IMAGE_H
#define MKLIVE_IMAGE_IMAGE_H

#include "core/imgsrc.h"
#include "core/tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One readable format (the table is in formats.c, tried in its order). */
struct image_format {
	const char *name; /* "iso9660", "squashfs", "cloop", "fat", "tar", "cpio" */
	bool (*probe)(const uint8_t *head, size_t len, uint64_t size);
	int (*read)(const struct imgsrc *src, struct tree *t); /* NULL for layers */
	int (*info)(const struct imgsrc *src, struct imgsrc_info *info);
	/* Layers (cloop): the decoded bytes as a detached node holding
	 * another image, probed in turn; NULL for file systems. */
	int (*layer)(const struct imgsrc *src, struct tree_node **dev);
	/* Optional second look at the last IMGSRC_TAIL_BYTES bytes, for
	 * formats whose header can be at the end (cloop V4.0). */
	bool (*probe_tail)(const uint8_t *tail, size_t len, uint64_t size);
};
#define IMGSRC_TAIL_BYTES 512u
extern const struct image_format image_formats[]; /* ends with name == NULL */

struct comp_cache;
/* One format a build writes its root image in (the table is in formats.c,
 * beside the readers'): its options set by key, checked, and the writer. */
struct image_writer {
	const char *name;	  /* "squashfs", "cloop" (Live.RootFormat) */
	const char *comp_names;	  /* the compressors it has: "zstd|xz|gzip|lz4" */
	const char *comp_aliases; /* other names taken for them: "zlib=gzip" */
	/* its option keys for the build's settings Compression, Level,
	 * BlockSize and Threads */
	const char *comp_key, *level_key, *block_key, *threads_key;
	size_t opts_size;
	void (*opts_init)(void *o);
	int (*set)(void *o, const char *key, const char *value, const char *label);
	int (*check)(void *o);
	void (*opts_free)(void *o);
	void (*set_cache)(void *o, struct comp_cache *cache);
	/* Write tree t (finalized) to path; scratch: a path for an
	 * intermediate file beside it (removed again). */
	int (*write)(struct tree *t, const void *o, const char *path, const char *scratch);
};
extern const struct image_writer image_writers[]; /* ends with name == NULL */
/* The writer called name (not case-sensitive), or NULL. */
const struct image_writer *image_writer_find(const char *name);

/* The format of src, or NULL (no error set) when no reader knows it. */
int image_probe(const struct imgsrc *src, const struct image_format **fmt);

#define IMAGE_MAX_NEST 16 /* images inside images (layers included) */

/* What was opened. */
struct image_info {
	char *name;			    /* the innermost image: "live.iso:/live/root.squashfs" */
	const char *format;		    /* its format: "squashfs" */
	const char *layers[IMAGE_MAX_NEST]; /* layers it was read through, outermost first ("cloop") */
	size_t nlayers;
	uint64_t size;	      /* bytes of the innermost image (after its layers) */
	uint64_t stored_size; /* bytes it takes where it is stored (a cloop file's size) */
	char *path;	      /* PATH inside it ("/" when none was given) */
};
void image_info_free(struct image_info *info); /* accepts a zeroed one */

/* Flags for image_open. */
enum {
	/* When PATH names a regular file that is an image, read that image
	 * too (PATH then becomes "/"). A spec ending in ':' always does. */
	IMAGE_DESCEND = 1,
};

/* Open spec = IMAGE[:PATH[:PATH...]]: IMAGE is a host file or block
 * device (the longest prefix up to a ':' that exists), each PATH a path
 * inside the image before it; a PATH naming a regular file followed by
 * ':' is read as an image in turn. On success *t is the innermost image's
 * tree (finalized; data read in place from the images, which stay open
 * as long as a node needs them) and *node what the last PATH names in it
 * (the root without PATH). Errors name the spec part and the reason. */
int image_open(const char *spec, unsigned flags, struct tree **t, struct tree_node **node,
	       struct image_info *info);

/* For the build (`--root old.iso`, `--root old.iso:/live/filesystem.squashfs`):
 * the tree of spec with IMAGE_DESCEND, re-rooted at the directory PATH
 * names. *out is the caller's (tree_destroy); info may be NULL. */
int image_open_tree(const char *spec, struct tree **out, struct image_info *info);

/* The same into t, whose root must be empty (the build's root tree):
 * the image's root becomes t's root. */
int image_read_into(const char *spec, struct tree *t, struct image_info *info);

/* Threads a reader may use to decode file data ahead of the reads
 * (squashfs), for the images opened after: 0 (the default) for one per
 * CPU, < 0 for none. For commands that take a thread count. */
void image_set_decode_threads(int n);
int image_decode_threads(void);

/* Read one source (probing it, through its layers) into a new tree. */
int image_read_src(const struct imgsrc *src, struct tree **out, struct image_info *info);

/* What `mklive info` prints of spec: for each image on the way (the host
 * file, then each layer and nested image), its format lines, partition
 * tables, and a summary of a live medium (kernel, initrd, root image). */
int image_describe(const char *spec, struct imgsrc_info *out);

#endif
