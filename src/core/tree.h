/* The file-tree model every source produces and every writer consumes.
 * Children are kept sorted by the byte order of their names, so walks are
 * deterministic; no host inode number, readdir order or wall-clock time
 * reaches an output through this model. */
#ifndef MKLIVE_CORE_TREE_H
#define MKLIVE_CORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tree_src {
	TREE_SRC_NONE,	/* no data (directories, empty files made in memory, specials) */
	TREE_SRC_PATH,	/* bytes come from a host file (src_path) */
	TREE_SRC_MEM,	/* bytes held in memory (src_data, owned) */
	TREE_SRC_RANGE, /* size bytes at src_off of src_img's file, read in place */
	TREE_SRC_IMAGE, /* bytes decoded on demand by src_img's reader */
};

/* Where the bytes of nodes read from an image come from: a file opened once
 * (an uncompressed tarball, an ISO 9660 image, a spool file) and, for data
 * that must be decoded (squashfs blocks, cloop, FAT cluster chains), the
 * reader that decodes it. Shared by every node it backs and reference
 * counted: the tree keeps an image open as long as a node needs it. */
struct tree_img;
struct tree_node;
struct tree_img_ops {
	/* Read len bytes at off of node n's data (off + len <= n->size) into
	 * buf; 0 or a negative code with the error set (naming the image and
	 * the offset). Called from one thread at a time, unless concurrent.
	 * It may use only n's size, src_off, src_aux and src_img: a detached
	 * copy of the node (core/imgsrc.h) must read the same bytes. */
	int (*pread)(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off);
	/* Free priv (the last reference is gone). May be NULL. */
	void (*destroy)(struct tree_img *img);
	/* pread may be called from several threads at once, for the same or
	 * different nodes of the image (callers that read in parallel take a
	 * lock of their own around pread otherwise) */
	bool concurrent;
};
struct tree_img {
	const struct tree_img_ops *ops; /* NULL: only TREE_SRC_RANGE nodes */
	int fd;				/* the image file, or -1; closed with the image */
	char *name;			/* for messages */
	uint64_t dev;			/* a device number no host file has: hard-link identity */
	void *priv;			/* the reader's state */
	unsigned refs;
};

/* A new image holding fd (closed when the last reference goes; -1 for
 * none) with one reference, owned by the caller. */
struct tree_img *tree_img_create(int fd, const char *name, const struct tree_img_ops *ops, void *priv);
struct tree_img *tree_img_ref(struct tree_img *img);
void tree_img_unref(struct tree_img *img); /* accepts NULL */
/* Make node n's bytes come from img (takes a reference): TREE_SRC_RANGE at
 * off of img's file when ops is NULL, else TREE_SRC_IMAGE with off and aux
 * kept for the reader. */
void tree_node_set_img(struct tree_node *n, struct tree_img *img, uint64_t off, uint64_t aux);

struct tree_xattr {
	char *name; /* full name with namespace: "user.x", "security.capability" */
	uint8_t *value;
	size_t len;
};

struct tree_node {
	char *name; /* one path component; "" for the root */
	struct tree_node *parent;
	struct tree_node **children; /* directories only; sorted by strcmp(name) */
	size_t nchildren, children_cap;

	mode_t mode; /* st_mode: file type and permission bits */
	uint32_t uid, gid;
	int64_t mtime, atime, ctime; /* seconds */
	uint32_t mtime_ns;
	uint64_t size;		   /* regular files: data bytes; symlinks: target length */
	uint64_t rdev;		   /* block/char devices: makedev(major, minor) */
	char *symlink;		   /* symlink target */
	struct tree_xattr *xattrs; /* sorted by name */
	size_t nxattrs;

	/* Hard links (set by tree_finalize): nodes naming one file share a
	 * link_id > 0 and point to the group's first node in walk order. nlink
	 * is the number of names the file has in this tree (directories:
	 * 2 + number of subdirectories). */
	uint32_t link_id;
	uint32_t nlink;
	struct tree_node *link_first;

	enum tree_src src;
	char *src_path;
	uint8_t *src_data;
	uint64_t src_dev, src_ino; /* identity on the host, for hard-link detection */
	struct tree_img *src_img;  /* TREE_SRC_RANGE, TREE_SRC_IMAGE (one reference) */
	uint64_t src_off, src_aux; /* where in the image; the reader's own use */
	uint64_t stored_size;	   /* bytes its data takes in the image it was read from (0: unknown) */

	/* Free for the writer that walks the tree (extent, inode number...). */
	void *user;
	uint64_t u64[4];
};

struct tree {
	struct tree_node *root;
	size_t nnodes; /* all nodes, root included */
	uint32_t nlinkgroups;
	void *links; /* (dev, ino) -> node map used while adding */
	bool finalized;
};

struct tree_scan_opts {
	bool follow_links;	     /* stat() instead of lstat(): store what links point to */
	bool xattrs;		     /* read extended attributes */
	const char *const *excludes; /* fnmatch patterns on the name or the source path */
	size_t nexcludes;
	bool quiet_sockets; /* do not warn about skipped sockets */
	/* A host file left out wherever a scan meets it (skip_ino 0: none):
	 * the command's own output inside a source, as mksquashfs leaves out
	 * its destination. Set by tree_scan_skip_output(). */
	uint64_t skip_dev, skip_ino;
};

struct tree *tree_create(void);
void tree_destroy(struct tree *t);

/* Find a node by path ("/a/b", "a/b", "" or "/" for the root). */
struct tree_node *tree_lookup(const struct tree *t, const char *path);
/* The child of dir called name (one component), or NULL. */
struct tree_node *tree_child(const struct tree_node *dir, const char *name);
/* Path components longer than this are not looked up. */
#define TREE_COMP_MAX 4096
/* Find a node by path inside the tree, following symbolic links in the
 * tree (absolute targets relative to its root, as in a chroot); NULL when
 * a component is missing or more than 40 links are followed. */
struct tree_node *tree_resolve(const struct tree *t, const char *path);
/* Create the directories of path as needed (mode 0755, uid/gid 0, build
 * time) and return the last one; fails if a component is not a directory. */
int tree_mkdir_p(struct tree *t, const char *path, struct tree_node **out);
/* Add a node named name under dir (dir must be a directory). An existing
 * node of the same name is replaced (a directory only by a directory, whose
 * children are then merged). The returned node is zeroed but for name,
 * parent and mode; the caller fills the rest. */
int tree_add_child(struct tree *t, struct tree_node *dir, const char *name, mode_t mode,
		   struct tree_node **out);
/* Add a regular file whose bytes are in memory (copied). */
int tree_add_mem_file(struct tree *t, const char *path, const void *data, size_t len, mode_t perm,
		      struct tree_node **out);
/* Remove a node (and what is under it) from the tree; not the root. */
void tree_remove(struct tree *t, struct tree_node *n);
/* Copy every node under src's root on top of dst (at the same paths; dst's
 * root keeps its attributes): files replace files, directories merge and
 * take src's attributes; data is shared, not copied. The callback, if not NULL, may adjust each copied node.
 */
int tree_merge(struct tree *dst, const struct tree *src, void (*adjust)(struct tree_node *n, void *ctx),
	       void *ctx);
/* Make dst's bytes those of src (a regular file of this or another tree):
 * the same host path, memory copy, or image reference; size too. */
void tree_node_share_data(struct tree_node *dst, const struct tree_node *src);
/* Copy src's file type, permissions, owner, times, device number and host
 * identity (dev, ino) to dst; not its name, data, target or attributes. */
void tree_node_copy_stat(struct tree_node *dst, const struct tree_node *src);
/* Drop every extended attribute of a node. */
void tree_node_clear_xattrs(struct tree_node *node);
/* Extended attributes as a reader collects them, each with its place in
 * the source. */
struct tree_xattr_slot {
	struct tree_xattr x;
	size_t order;
};
/* Make v (n of them) the node's attributes, replacing any: sorted by name,
 * of a name given twice the last one kept. The names and values are
 * taken over (or freed); v itself stays the caller's. */
void tree_node_take_xattrs(struct tree_node *node, struct tree_xattr_slot *v, size_t n);
/* Set or replace an extended attribute on a node. */
void tree_set_xattr(struct tree_node *n, const char *name, const void *value, size_t len);

/* Add a host path: a directory's contents are merged into target (which is
 * created as a directory); any other file becomes target itself. */
int tree_add_path(struct tree *t, const char *target, const char *source, const struct tree_scan_opts *o);
/* mkisofs graft semantics: "target=source". A directory source's contents
 * are merged into target (with or without a trailing '/'); a file source
 * becomes target, or target/basename when target ends in '/'. A plain
 * "source" adds a directory's contents at the root, or a file at /basename.
 * "\=" escapes '='. */
int tree_add_graft(struct tree *t, const char *spec, const struct tree_scan_opts *o);
/* Leave the file at path (after symbolic links) out of every scan with o,
 * if it is an existing regular file: call it with the output path before
 * adding sources, so an image written inside a source never packs its
 * previous self. */
void tree_scan_skip_output(struct tree_scan_opts *o, const char *path);

/* Sort-independent final pass: assigns hard-link groups in walk order,
 * counts nlink, clamps times to SOURCE_DATE_EPOCH. Call once after adding. */
int tree_finalize(struct tree *t);

/* Depth-first walk in sorted order. pre is called before a directory's
 * children, post after (either may be NULL). A non-zero return stops the
 * walk and is returned. */
typedef int (*tree_visit_fn)(struct tree_node *n, void *ctx);
int tree_walk(struct tree_node *from, tree_visit_fn pre, tree_visit_fn post, void *ctx);

/* "/a/b" (malloc'ed); the root is "/". */
char *tree_node_path(const struct tree_node *n);
/* Depth of a node: the root is 0. */
unsigned tree_node_depth(const struct tree_node *n);

/* Whether a node's bytes lie in a host file (TREE_SRC_PATH, TREE_SRC_RANGE):
 * tree_node_open() then gives a file descriptor, and byte 0 of the node is
 * at tree_node_fd_offset() in it, so writers can copy kernel-side. */
static inline bool tree_node_has_fd(const struct tree_node *n)
{
	return n->src == TREE_SRC_PATH || n->src == TREE_SRC_RANGE;
}
static inline uint64_t tree_node_fd_offset(const struct tree_node *n)
{
	return n->src == TREE_SRC_RANGE ? n->src_off : 0;
}
/* Open the bytes of a regular file for reading. For TREE_SRC_PATH the file
 * is checked to still be a regular file of the recorded size (ERR_CHANGED
 * otherwise); for TREE_SRC_RANGE the image's descriptor is duplicated.
 * Returns an fd >= 0 (the caller closes it), -1 with no error for nodes
 * that have no host file (memory, none, image readers), or a negative
 * error code < -1. */
int tree_node_open(const struct tree_node *n);
/* Read len bytes at off of a node's data, whatever its source, into buf.
 * fd is from tree_node_open (or -1 for sources without one). */
int tree_node_pread(const struct tree_node *n, int fd, void *buf, size_t len, uint64_t off);
/* Append the node's len bytes at off to out: kernel-side copies from a
 * host file, whose holes stay holes (from 1 MiB files up), otherwise
 * through a buffer. fd is from tree_node_open (or -1). */
struct out_file;
int tree_node_copy_out(const struct tree_node *n, int fd, struct out_file *out, uint64_t off, uint64_t len);
/* Name of a node's source for messages: the host path, or "IMAGE:/path". */
char *tree_node_src_name(const struct tree_node *n);

static inline bool tree_is_dir(const struct tree_node *n)
{
	return (n->mode & 0170000) == 0040000;
}
static inline bool tree_is_reg(const struct tree_node *n)
{
	return (n->mode & 0170000) == 0100000;
}
static inline bool tree_is_lnk(const struct tree_node *n)
{
	return (n->mode & 0170000) == 0120000;
}

#endif
