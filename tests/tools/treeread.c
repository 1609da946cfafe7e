/* Test and benchmark tool: read an image or archive with mklive's readers
 * into a tree, then list it, extract it (a minimal extractor: data, modes,
 * owners as root, times, links, devices, xattrs) or write it again as a
 * squashfs image.
 *
 *   treeread dump IMAGE             one line per node, in walk order
 *   treeread extract IMAGE DIR      DIR must not exist
 *   treeread squashfs IMAGE OUT [gzip|xz|zstd|lz4 [BLOCK-SIZE]]
 *   treeread cat IMAGE PATH
 */
#include "archive/archive.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/reader.h"
#include "squashfs/squashfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int read_image(const char *path, struct tree **out)
{
	struct imgsrc s;
	uint8_t head[IMGSRC_PROBE_BYTES];
	size_t hl;
	struct tree *t;
	int rc = imgsrc_open_path(&s, path);
	if (rc)
		return rc;
	hl = (size_t)MIN(s.size, (uint64_t)sizeof head);
	if ((rc = imgsrc_pread(&s, head, hl, 0)) != 0)
		goto out;
	t = tree_create();
	if (sqfs_probe(head, hl, s.size)) {
		struct sqfs_read_opts o;
		const char *th = getenv("TREEREAD_THREADS");
		sqfs_read_opts_init(&o);
		o.threads = th ? atoi(th) : 0;
		rc = sqfs_read_src(&s, t, &o);
	} else if (tar_probe(head, hl, s.size) || cpio_probe(head, hl, s.size))
		rc = tar_read(&s, t);
	else
		rc = err_set(ERR_FORMAT, "%s: no reader recognises it", path);
	if (!rc)
		rc = tree_finalize(t);
	if (rc)
		tree_destroy(t);
	else
		*out = t;
out:
	imgsrc_close(&s);
	return rc;
}

static const char *type_of(const struct tree_node *n)
{
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		return "d";
	case S_IFREG:
		return "f";
	case S_IFLNK:
		return "l";
	case S_IFCHR:
		return "c";
	case S_IFBLK:
		return "b";
	case S_IFIFO:
		return "p";
	case S_IFSOCK:
		return "s";
	}
	return "?";
}

static int dump_node(struct tree_node *n, void *ctx)
{
	char *p = tree_node_path(n);
	(void)ctx;
	printf("%s|%s|%o|%u|%u|%lld.%09u|%llu|%s|", p, type_of(n), (unsigned)(n->mode & 07777), n->uid,
	       n->gid, (long long)n->mtime, n->mtime_ns, (unsigned long long)n->size,
	       n->symlink ? n->symlink : "");
	if (S_ISCHR(n->mode) || S_ISBLK(n->mode))
		printf("%u:%u", major(n->rdev), minor(n->rdev));
	printf("|%u", n->nlink);
	if (n->link_first != n) {
		char *f = tree_node_path(n->link_first);
		printf("@%s", f);
		free(f);
	}
	printf("|");
	for (size_t i = 0; i < n->nxattrs; i++) {
		printf("%s%s=", i ? "," : "", n->xattrs[i].name);
		for (size_t j = 0; j < n->xattrs[i].len; j++)
			printf("%02x", n->xattrs[i].value[j]);
	}
	printf("|%s|%llu\n",
	       n->src == TREE_SRC_RANGE	  ? "range"
	       : n->src == TREE_SRC_IMAGE ? "image"
	       : n->src == TREE_SRC_NONE  ? "none"
					  : "other",
	       (unsigned long long)n->stored_size);
	free(p);
	return 0;
}

/* ---- extraction ---------------------------------------------------------------- */

struct xctx {
	int root;
	bool as_root;
	uint8_t *buf;
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int write_data(struct xctx *x, const struct tree_node *n, int fd, const char *path)
{
	uint64_t off = 0;
	int src = tree_node_open(n);
	int rc = 0;
	if (src < -1)
		return src;
	while (off < n->size && !rc) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)(1u << 20));
		if ((rc = tree_node_pread(n, src, x->buf, k, off)) != 0)
			break;
		if (!all_zero(x->buf, k) && pwrite(fd, x->buf, k, (off_t)off) != (ssize_t)k)
			rc = err_sys(errno, "%s", path);
		off += k;
	}
	if (!rc && ftruncate(fd, (off_t)n->size) < 0)
		rc = err_sys(errno, "%s", path);
	if (src >= 0)
		close(src);
	return rc;
}

static int set_meta(struct xctx *x, const struct tree_node *n, const char *rel)
{
	struct timespec ts[2] = {{n->atime, 0}, {n->mtime, n->mtime_ns}};
	if (x->as_root && fchownat(x->root, rel, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(errno, "%s: chown", rel);
	for (size_t i = 0; i < n->nxattrs; i++) {
		char *full = xasprintf("/proc/self/fd/%d/%s", x->root, rel);
		int r = lsetxattr(full, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0);
		int e = errno;
		free(full);
		if (r < 0 && (x->as_root || strncmp(n->xattrs[i].name, "user.", 5) == 0))
			return err_sys(e, "%s: setxattr %s", rel, n->xattrs[i].name);
	}
	if (!tree_is_lnk(n) && fchmodat(x->root, rel, n->mode & 07777, 0) < 0)
		return err_sys(errno, "%s: chmod", rel);
	if (utimensat(x->root, rel, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(errno, "%s: utimensat", rel);
	return 0;
}

static int extract_pre(struct tree_node *n, void *ctx)
{
	struct xctx *x = ctx;
	char *p = tree_node_path(n), *rel = p + 1;
	int rc = 0, fd;
	if (!n->parent) {
		free(p);
		return 0;
	}
	if (n->link_first != n) {
		char *f = tree_node_path(n->link_first);
		if (linkat(x->root, f + 1, x->root, rel, 0) < 0)
			rc = err_sys(errno, "%s: link to %s", rel, f);
		free(f);
		free(p);
		return rc;
	}
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(x->root, rel, 0700) < 0)
			rc = err_sys(errno, "%s", rel);
		break;
	case S_IFREG:
		fd = openat(x->root, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = err_sys(errno, "%s", rel);
			break;
		}
		rc = write_data(x, n, fd, rel);
		close(fd);
		break;
	case S_IFLNK:
		if (symlinkat(n->symlink, x->root, rel) < 0)
			rc = err_sys(errno, "%s", rel);
		break;
	default:
		if (mknodat(x->root, rel, n->mode & S_IFMT, (dev_t)n->rdev) < 0)
			rc = err_sys(errno, "%s", rel);
		break;
	}
	if (!rc && !tree_is_dir(n))
		rc = set_meta(x, n, rel);
	free(p);
	return rc;
}

static int extract_post(struct tree_node *n, void *ctx)
{
	struct xctx *x = ctx;
	char *p;
	int rc;
	if (!tree_is_dir(n))
		return 0;
	p = tree_node_path(n);
	rc = set_meta(x, n, n->parent ? p + 1 : ".");
	free(p);
	return rc;
}

static int extract(struct tree *t, const char *dir)
{
	struct xctx x = {.as_root = geteuid() == 0};
	int rc;
	if (mkdir(dir, 0700) < 0)
		return err_sys(errno, "%s", dir);
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0)
		return err_sys(errno, "%s", dir);
	x.buf = xmalloc(1u << 20);
	rc = tree_walk(t->root, extract_pre, extract_post, &x);
	free(x.buf);
	close(x.root);
	return rc;
}

static int cat(struct tree *t, const char *path)
{
	struct tree_node *n = tree_lookup(t, path);
	uint8_t *buf;
	uint64_t off = 0;
	int fd, rc = 0;
	if (!n || !tree_is_reg(n))
		return err_set(ENOENT, "%s: no such file", path);
	if ((fd = tree_node_open(n)) < -1)
		return fd;
	buf = xmalloc(1u << 20);
	while (off < n->size && !rc) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)(1u << 20));
		if ((rc = tree_node_pread(n, fd, buf, k, off)) == 0 && fwrite(buf, 1, k, stdout) != k)
			rc = err_sys(EIO, "stdout");
		off += k;
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct tree *t = NULL;
	int rc;
	log_set_prog("treeread");
	if (argc < 3) {
		fprintf(stderr, "usage: treeread dump|extract|squashfs|cat IMAGE [ARG]\n");
		return 2;
	}
	rc = read_image(argv[2], &t);
	if (!rc) {
		if (!strcmp(argv[1], "dump"))
			rc = tree_walk(t->root, dump_node, NULL, NULL);
		else if (!strcmp(argv[1], "extract") && argc == 4)
			rc = extract(t, argv[3]);
		else if (!strcmp(argv[1], "cat") && argc == 4)
			rc = cat(t, argv[3]);
		else if (!strcmp(argv[1], "squashfs") && argc >= 4) {
			struct sqfs_opts o;
			sqfs_opts_init(&o);
			if (argc > 4)
				rc = sqfs_codec_parse(argv[4], &o.codec);
			if (!rc && argc > 5)
				o.block_size = (uint32_t)strtoul(argv[5], NULL, 0);
			if (!rc)
				rc = sqfs_write(t, &o, argv[3], NULL);
		} else {
			fprintf(stderr, "treeread: bad arguments\n");
			rc = -EINVAL;
		}
	}
	tree_destroy(t);
	if (rc) {
		log_error_current();
		return 1;
	}
	return 0;
}
