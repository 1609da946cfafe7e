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
	TREE_SRC_NONE, /* no data (directories, empty files made in memory, specials) */
	TREE_SRC_PATH, /* bytes come from a host file (src_path) */
	TREE_SRC_MEM,  /* bytes held in memory (src_data, owned) */
};

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
};

struct tree *tree_create(void);
void tree_destroy(struct tree *t);

/* Find a node by path ("/a/b", "a/b", "" or "/" for the root). */
struct tree_node *tree_lookup(const struct tree *t, const char *path);
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

/* Open the bytes of a regular file for reading. For TREE_SRC_PATH the file
 * is checked to still be a regular file of the recorded size (ERR_CHANGED
 * otherwise). Returns an fd >= 0 or a negative error. Not for TREE_SRC_MEM. */
int tree_node_open(const struct tree_node *n);
/* Read len bytes at off of a node's data, whatever its source, into buf.
 * fd is from tree_node_open (or -1 for memory/none). */
int tree_node_pread(const struct tree_node *n, int fd, void *buf, size_t len, uint64_t off);

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
