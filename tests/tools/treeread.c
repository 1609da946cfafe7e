/* Test and benchmark tool: read an image or archive with mklive's readers
 * into a tree, then list it, extract it (a minimal extractor: data, modes,
 * owners as root, times, links, devices, xattrs) or write it again as a
 * squashfs image.
 *
 *   treeread dump IMAGE             one line per node, in walk order
 *   treeread extract IMAGE DIR      DIR must not exist
 *   treeread squashfs IMAGE OUT [gzip|xz|zstd|lz4 [BLOCK-SIZE]]
 *   treeread cat IMAGE PATH
 *   treeread readall IMAGE        read every file's data (the reader's cost)
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
#include <pthread.h>
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

/* ---- extraction ----------------------------------------------------------------
 * Relative to directory descriptors (one path component per call), with
 * the metadata set on descriptors, never following a link. umask is 0, so
 * files are created with their final permissions; only set-id bits, which
 * chown clears, need a chmod afterwards. */

struct xctx {
	int root;
	bool as_root;
};

#define XBUF (1u << 20)

static bool all_zero(const uint8_t *p, size_t n)
{
	/* the first byte zero and every byte equal to the next: libc's memcmp is fast */
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

static int xattrs_path(const struct tree_node *n, int dfd, bool as_root)
{
	for (size_t i = 0; i < n->nxattrs; i++) {
		char *full = xasprintf("/proc/self/fd/%d/%s", dfd, n->name);
		int r = lsetxattr(full, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0),
		    e = errno;
		free(full);
		if (r < 0 && (as_root || strncmp(n->xattrs[i].name, "user.", 5) == 0))
			return err_sys(e, "%s: setxattr %s", n->name, n->xattrs[i].name);
	}
	return 0;
}

/* owner, xattrs, mode, times of an open file or directory */
static int meta_fd(struct xctx *x, const struct tree_node *n, int fd, bool created_with_mode)
{
	struct timespec ts[2] = {{n->atime, 0}, {n->mtime, (long)n->mtime_ns}};
	if (x->as_root && fchown(fd, n->uid, n->gid) < 0)
		return err_sys(errno, "%s: chown", n->name);
	for (size_t i = 0; i < n->nxattrs; i++)
		if (fsetxattr(fd, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) < 0 &&
		    (x->as_root || strncmp(n->xattrs[i].name, "user.", 5) == 0))
			return err_sys(errno, "%s: setxattr %s", n->name, n->xattrs[i].name);
	if ((!created_with_mode || (n->mode & 06000)) && fchmod(fd, n->mode & 07777) < 0)
		return err_sys(errno, "%s: chmod", n->name);
	if (futimens(fd, ts) < 0)
		return err_sys(errno, "%s: utimens", n->name);
	return 0;
}

static int meta_at(struct xctx *x, const struct tree_node *n, int dfd)
{
	struct timespec ts[2] = {{n->atime, 0}, {n->mtime, (long)n->mtime_ns}};
	int rc;
	if (x->as_root && fchownat(dfd, n->name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(errno, "%s: chown", n->name);
	if ((rc = xattrs_path(n, dfd, x->as_root)) != 0)
		return rc;
	if (!tree_is_lnk(n) && (n->mode & 06000) && fchmodat(dfd, n->name, n->mode & 07777, 0) < 0)
		return err_sys(errno, "%s: chmod", n->name);
	if (utimensat(dfd, n->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(errno, "%s: utimens", n->name);
	return 0;
}

/* Regular files are written by XTHREADS threads (creating and writing
 * files is most of an extraction's time); the walk makes directories,
 * links and devices, and queues files with a reference on their
 * directory's descriptor. Reads of the tree are serialised (tree.h: a
 * node's image is read from one thread at a time). Hard links and
 * directory metadata come last, when every file exists. */
#define XTHREADS 2
#define XQUEUE 256

struct xdir {
	int fd;
	unsigned refs; /* under the queue lock */
};

struct xjob {
	struct tree_node *n;
	struct xdir *d;
};

struct xpool {
	struct xctx *x;
	pthread_mutex_t mu, rd;
	pthread_cond_t cv;
	struct xjob q[XQUEUE];
	size_t head, len;
	bool done;
	int rc;
	char *msg;
};

static void xdir_put(struct xpool *p, struct xdir *d)
{
	pthread_mutex_lock(&p->mu);
	if (--d->refs == 0) {
		close(d->fd);
		free(d);
	}
	pthread_mutex_unlock(&p->mu);
}

static void fail(struct xpool *p, int rc)
{
	pthread_mutex_lock(&p->mu);
	if (!p->rc) {
		p->rc = rc;
		p->msg = xstrdup(err_msg());
	}
	pthread_mutex_unlock(&p->mu);
}

static int write_file(struct xpool *p, struct tree_node *n, int dfd, uint8_t *buf)
{
	uint64_t off = 0;
	bool hole_at_end = false;
	int fd, rc = 0;
	fd = openat(dfd, n->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, n->mode & 0777);
	if (fd < 0)
		return err_sys(errno, "%s", n->name);
	while (off < n->size && !rc) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)XBUF);
		pthread_mutex_lock(&p->rd);
		rc = tree_node_pread(n, -1, buf, k, off);
		pthread_mutex_unlock(&p->rd);
		if (rc)
			break;
		hole_at_end = all_zero(buf, k);
		if (!hole_at_end && pwrite(fd, buf, k, (off_t)off) != (ssize_t)k)
			rc = err_sys(errno, "%s: write", n->name);
		off += k;
	}
	if (!rc && hole_at_end && ftruncate(fd, (off_t)n->size) < 0)
		rc = err_sys(errno, "%s: truncate", n->name);
	if (!rc)
		rc = meta_fd(p->x, n, fd, true);
	close(fd);
	return rc;
}

static void *xworker(void *arg)
{
	struct xpool *p = arg;
	uint8_t *buf = xmalloc(XBUF);
	for (;;) {
		struct xjob j;
		int rc;
		pthread_mutex_lock(&p->mu);
		while (!p->len && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->len) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		j = p->q[p->head];
		p->head = (p->head + 1) % XQUEUE;
		p->len--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (!p->rc && (rc = write_file(p, j.n, j.d->fd, buf)) != 0)
			fail(p, rc);
		xdir_put(p, j.d);
	}
	free(buf);
	return NULL;
}

static int walk_dir(struct xpool *p, struct tree_node *d, struct xdir *xd)
{
	for (size_t i = 0; i < d->nchildren && !p->rc; i++) {
		struct tree_node *n = d->children[i];
		int rc = 0, fd;
		if (n->link_first != n)
			continue; /* hard links: once every file is there */
		switch (n->mode & S_IFMT) {
		case S_IFDIR:
			if (mkdirat(xd->fd, n->name, 0700) < 0)
				return err_sys(errno, "%s", n->name);
			fd = openat(xd->fd, n->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return err_sys(errno, "%s", n->name);
			{
				struct xdir *sub = xcalloc(1, sizeof *sub);
				sub->fd = fd;
				sub->refs = 1;
				rc = walk_dir(p, n, sub);
				xdir_put(p, sub);
			}
			break;
		case S_IFREG:
			pthread_mutex_lock(&p->mu);
			while (p->len == XQUEUE)
				pthread_cond_wait(&p->cv, &p->mu);
			xd->refs++;
			p->q[(p->head + p->len++) % XQUEUE] = (struct xjob){n, xd};
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			break;
		case S_IFLNK:
			if (symlinkat(n->symlink, xd->fd, n->name) < 0)
				return err_sys(errno, "%s", n->name);
			rc = meta_at(p->x, n, xd->fd);
			break;
		default:
			if (mknodat(xd->fd, n->name, n->mode, (dev_t)n->rdev) < 0)
				return err_sys(errno, "%s", n->name);
			rc = meta_at(p->x, n, xd->fd);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int link_pass(struct tree_node *n, void *ctx)
{
	struct xctx *x = ctx;
	char *f, *p;
	int rc = 0;
	if (tree_is_dir(n) || n->link_first == n)
		return 0;
	f = tree_node_path(n->link_first);
	p = tree_node_path(n);
	if (linkat(x->root, f + 1, x->root, p + 1, 0) < 0)
		rc = err_sys(errno, "%s: link to %s", p, f);
	free(f);
	free(p);
	return rc;
}

/* directory metadata, deepest first (a read-only directory last) */
static int dir_pass(struct xctx *x, struct tree_node *d, int fd)
{
	for (size_t i = 0; i < d->nchildren; i++) {
		struct tree_node *c = d->children[i];
		int cfd, rc;
		if (!tree_is_dir(c))
			continue;
		cfd = openat(fd, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			return err_sys(errno, "%s", c->name);
		rc = dir_pass(x, c, cfd);
		close(cfd);
		if (rc)
			return rc;
	}
	return meta_fd(x, d, fd, false);
}

static int extract(struct tree *t, const char *dir)
{
	struct xctx x = {.as_root = geteuid() == 0};
	struct xpool p = {.x = &x};
	pthread_t th[8];
	struct xdir *top;
	const char *w = getenv("TREEREAD_WRITERS");
	int rc, nth = 0, want = w ? atoi(w) : XTHREADS;
	umask(0);
	if (mkdir(dir, 0700) < 0)
		return err_sys(errno, "%s", dir);
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0)
		return err_sys(errno, "%s", dir);
	pthread_mutex_init(&p.mu, NULL);
	pthread_mutex_init(&p.rd, NULL);
	pthread_cond_init(&p.cv, NULL);
	for (int i = 0; i < MAX(1, MIN(want, 8)); i++)
		if (pthread_create(&th[nth], NULL, xworker, &p) == 0)
			nth++;
	top = xcalloc(1, sizeof *top);
	top->fd = dup(x.root);
	top->refs = 1;
	rc = walk_dir(&p, t->root, top);
	xdir_put(&p, top);
	pthread_mutex_lock(&p.mu);
	p.done = true;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (!rc && p.rc) {
		err_copy(p.rc, p.msg);
		rc = p.rc;
	}
	if (!rc)
		rc = tree_walk(t->root, link_pass, NULL, &x);
	if (!rc)
		rc = dir_pass(&x, t->root, x.root);
	free(p.msg);
	close(x.root);
	return rc;
}

/* every file's bytes read and dropped: the reader's own cost */
static int read_all(struct tree_node *n, void *ctx)
{
	static uint8_t buf[1u << 20];
	(void)ctx;
	if (!tree_is_reg(n) || n->link_first != n)
		return 0;
	for (uint64_t off = 0; off < n->size;) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)sizeof buf);
		int rc = tree_node_pread(n, -1, buf, k, off);
		if (rc)
			return rc;
		off += k;
	}
	return 0;
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
		else if (!strcmp(argv[1], "readall"))
			rc = tree_walk(t->root, read_all, NULL, NULL);
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
