/* Safe extraction: openat/mkdirat/symlinkat/linkat/mknodat relative to
 * directory descriptors opened with O_NOFOLLOW, so a symbolic link in the
 * image (or one left in the target) is never followed, and a name with
 * '/', "." or ".." is refused (the traversal of CVE-2021-40153/41072). */
#include "image/extract.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_CHUNK (1u << 20)

void extract_opts_init(struct extract_opts *o)
{
	o->owners = geteuid() == 0;
	o->xattrs = true;
}

/* Where the first name of each hard-link group went, relative to the
 * target, so later names link to it. */
struct link_slot {
	const struct tree_node *first;
	char *rel;
};

struct ex {
	const struct extract_opts *o;
	struct extract_stats *st;
	const char *target;
	int rootfd;
	char *rel; /* path of the current node relative to the target */
	size_t rel_len, rel_cap;
	struct link_slot *links;
	size_t links_cap, links_n;
	uint8_t *buf;
	bool warned_owner, warned_xattr, warned_dev;
};

static int fail(const struct ex *x, int e, const char *what)
{
	return err_sys(e, "%s/%s: %s", x->target, x->rel, what);
}

static bool safe_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static struct link_slot *link_find(struct ex *x, const struct tree_node *first, bool add)
{
	size_t i;
	if (add && x->links_n * 2 >= x->links_cap) {
		size_t ncap = x->links_cap ? x->links_cap * 2 : 64;
		struct link_slot *nl = xcalloc(ncap, sizeof *nl);
		for (size_t k = 0; k < x->links_cap; k++)
			if (x->links[k].first) {
				size_t j = ((uintptr_t)x->links[k].first >> 4) & (ncap - 1);
				while (nl[j].first)
					j = (j + 1) & (ncap - 1);
				nl[j] = x->links[k];
			}
		free(x->links);
		x->links = nl;
		x->links_cap = ncap;
	}
	if (!x->links_cap)
		return NULL;
	for (i = ((uintptr_t)first >> 4) & (x->links_cap - 1); x->links[i].first;
	     i = (i + 1) & (x->links_cap - 1))
		if (x->links[i].first == first)
			return &x->links[i];
	if (!add)
		return NULL;
	x->links[i].first = first;
	x->links_n++;
	return &x->links[i];
}

/* Open the directory holding rel (relative to the target) one component
 * at a time with O_NOFOLLOW; *base is rel's last component. */
static int open_parent(struct ex *x, const char *rel, const char **base)
{
	int fd = dup(x->rootfd);
	const char *p = rel, *slash;
	while (fd >= 0 && (slash = strchr(p, '/'))) {
		char *comp = xstrndup(p, (size_t)(slash - p));
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(comp);
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

static int copy_data(struct ex *x, const struct tree_node *n, int out)
{
	uint64_t off = 0;
	bool hole = false;
	int rc;
	if (n->src == TREE_SRC_RANGE || n->src == TREE_SRC_PATH) {
		int in = n->src == TREE_SRC_RANGE ? n->src_img->fd : tree_node_open(n);
		loff_t ioff = (loff_t)tree_node_fd_offset(n);
		if (in >= 0) {
			while (off < n->size) {
				ssize_t k = copy_file_range(in, &ioff, out, NULL,
							    (size_t)MIN(n->size - off, (uint64_t)1 << 30), 0);
				if (k <= 0)
					break; /* not supported here, or short: the buffer copy goes on */
				off += (uint64_t)k;
			}
			if (n->src == TREE_SRC_PATH)
				close(in);
		} else if (in < -1) {
			return in;
		}
	}
	while (off < n->size) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)COPY_CHUNK);
		bool zero = true;
		if ((rc = tree_node_pread(n, -1, x->buf, k, off)) < 0)
			return rc;
		for (size_t i = 0; i < k && zero; i += 8) {
			uint64_t w = 0;
			memcpy(&w, x->buf + i, MIN((size_t)8, k - i));
			zero = w == 0;
		}
		if (zero) {
			/* keep holes holes (sparse files of squashfs, zeros of any image) */
			if (lseek(out, (off_t)k, SEEK_CUR) < 0)
				return fail(x, errno, "seek");
			hole = true;
		} else if ((rc = util_write_full(out, x->buf, k)) < 0) {
			return fail(x, -rc, "write");
		}
		off += k;
	}
	if (hole && ftruncate(out, (off_t)n->size) < 0)
		return fail(x, errno, "truncate");
	x->st->bytes += n->size;
	return 0;
}

static void warn_once(bool *flag, const char *fmt, const char *a, const char *b)
{
	if (*flag)
		return;
	*flag = true;
	log_warn(fmt, a, b);
}

/* Owner, mode, xattrs and times of the object open as fd (files, dirs). */
static int finish_fd(struct ex *x, const struct tree_node *n, int fd)
{
	struct timespec ts[2];
	if (x->o->owners && fchown(fd, n->uid, n->gid) < 0) {
		if (errno != EPERM)
			return fail(x, errno, "chown");
		warn_once(&x->warned_owner, "%s/%s: owners not restored (not permitted)", x->target, x->rel);
	}
	if (fchmod(fd, n->mode & 07777) < 0)
		return fail(x, errno, "chmod");
	if (x->o->xattrs)
		for (size_t i = 0; i < n->nxattrs; i++)
			if (fsetxattr(fd, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) < 0) {
				if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
					return fail(x, errno, n->xattrs[i].name);
				x->st->skipped++;
				warn_once(&x->warned_xattr,
					  "%s/%s: extended attributes not restored (not supported or not "
					  "permitted)",
					  x->target, x->rel);
			}
	ts[0].tv_sec = (time_t)n->atime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = (time_t)n->mtime;
	ts[1].tv_nsec = n->mtime_ns;
	if (futimens(fd, ts) < 0)
		return fail(x, errno, "set times");
	return 0;
}

/* Owner and times of an object that has no descriptor (symlinks, devices). */
static int finish_at(struct ex *x, const struct tree_node *n, int dirfd, const char *name)
{
	struct timespec ts[2] = {{(time_t)n->atime, 0}, {(time_t)n->mtime, n->mtime_ns}};
	if (x->o->owners && fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != EPERM)
			return fail(x, errno, "chown");
		warn_once(&x->warned_owner, "%s/%s: owners not restored (not permitted)", x->target, x->rel);
	}
	if (!S_ISLNK(n->mode) && x->o->xattrs && n->nxattrs) {
		/* through an O_PATH descriptor of the node itself (never a link) */
		int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd >= 0) {
			char p[64];
			snprintf(p, sizeof p, "/proc/self/fd/%d", pfd);
			for (size_t i = 0; i < n->nxattrs; i++)
				if (setxattr(p, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) <
				    0)
					x->st->skipped++;
			close(pfd);
		}
	}
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(x, errno, "set times");
	return 0;
}

static int extract_node(struct ex *x, const struct tree_node *n, int dirfd, unsigned depth);

/* Remove what stands at name, unless it is a directory and n is one too. */
static int clear_name(struct ex *x, const struct tree_node *n, int dirfd, const char *name, bool *is_dir)
{
	struct stat st;
	*is_dir = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(x, errno, "stat");
	if (S_ISDIR(st.st_mode)) {
		if (tree_is_dir(n)) {
			*is_dir = true;
			return 0;
		}
		return err_set(EEXIST, "%s/%s: a directory is in the way of a file", x->target, x->rel);
	}
	if (unlinkat(dirfd, name, 0) < 0)
		return fail(x, errno, "remove the old file");
	return 0;
}

static int extract_children(struct ex *x, const struct tree_node *dir, int fd, unsigned depth)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct tree_node *c = dir->children[i];
		size_t nl = strlen(c->name), old = x->rel_len;
		int rc;
		util_grow(&x->rel, &x->rel_cap, old + nl + 2, 1);
		if (old)
			x->rel[x->rel_len++] = '/';
		memcpy(x->rel + x->rel_len, c->name, nl + 1);
		x->rel_len += nl;
		rc = extract_node(x, c, fd, depth + 1);
		x->rel_len = old;
		x->rel[old] = 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int extract_node(struct ex *x, const struct tree_node *n, int dirfd, unsigned depth)
{
	const char *name = n->name;
	mode_t type = n->mode & S_IFMT;
	bool is_dir;
	int rc, fd = -1;

	if (!safe_name(name) || strlen(name) > 255)
		return err_set(ERR_FORMAT, "%s: unsafe file name '%s' in the image: refused", x->target,
			       name);
	if (depth > 4096)
		return err_set(ERR_LIMIT, "%s/%s: directories nested too deep", x->target, x->rel);
	if ((rc = clear_name(x, n, dirfd, name, &is_dir)) < 0)
		return rc;
	switch (type) {
	case S_IFDIR:
		if (!is_dir && mkdirat(dirfd, name, 0700) < 0)
			return fail(x, errno, "mkdir");
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return fail(x, errno, "open directory");
		rc = extract_children(x, n, fd, depth);
		if (rc == 0)
			rc = finish_fd(x, n, fd);
		close(fd);
		x->st->dirs++;
		return rc;
	case S_IFREG:
		if (n->link_first && n->link_first != n) {
			struct link_slot *s = link_find(x, n->link_first, false);
			if (s) {
				const char *base;
				int pfd = open_parent(x, s->rel, &base);
				if (pfd < 0)
					return fail(x, errno, "open the directory of its hard link");
				rc = linkat(pfd, base, dirfd, name, 0);
				close(pfd);
				if (rc < 0)
					return fail(x, errno, "hard link");
				x->st->hardlinks++;
				return 0;
			}
		}
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(x, errno, "create");
		rc = copy_data(x, n, fd);
		if (rc == 0)
			rc = finish_fd(x, n, fd);
		if (close(fd) < 0 && rc == 0)
			rc = fail(x, errno, "close");
		if (rc == 0 && n->link_first && n->link_first->link_id)
			link_find(x, n->link_first, true)->rel = xstrdup(x->rel);
		x->st->files++;
		return rc;
	case S_IFLNK:
		/* the target is data: stored as it is, never followed here */
		if (!n->symlink)
			return err_set(ERR_FORMAT, "%s/%s: symbolic link without a target", x->target,
				       x->rel);
		if (symlinkat(n->symlink, dirfd, name) < 0)
			return fail(x, errno, "symlink");
		x->st->symlinks++;
		return finish_at(x, n, dirfd, name);
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (mknodat(dirfd, name, type | (n->mode & 0777), (dev_t)n->rdev) < 0) {
			if (errno == EPERM && (type == S_IFCHR || type == S_IFBLK)) {
				x->st->skipped++;
				warn_once(&x->warned_dev, "%s/%s: device nodes not made (not permitted)",
					  x->target, x->rel);
				return 0;
			}
			return fail(x, errno, "mknod");
		}
		x->st->specials++;
		if ((rc = finish_at(x, n, dirfd, name)) < 0)
			return rc;
		if (n->mode & 07000) {
			/* set-id bits on a special file: after chown, which clears them */
			char p[64];
			int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (pfd >= 0) {
				snprintf(p, sizeof p, "/proc/self/fd/%d", pfd);
				chmod(p, n->mode & 07777);
				close(pfd);
			}
		}
		return 0;
	default:
		return err_set(ERR_FORMAT, "%s/%s: unknown file type 0%o", x->target, x->rel, (unsigned)type);
	}
}

int image_extract(const struct tree_node *from, const char *dir, const struct extract_opts *o,
		  struct extract_stats *st)
{
	struct ex x;
	mode_t mask;
	int rc;
	memset(&x, 0, sizeof x);
	memset(st, 0, sizeof *st);
	x.o = o;
	x.st = st;
	x.target = dir;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(errno, "%s: cannot create the target directory", dir);
	x.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.rootfd < 0)
		return err_sys(errno, "%s: cannot open the target directory", dir);
	x.buf = xmalloc(COPY_CHUNK);
	x.rel = xstrdup("");
	x.rel_cap = 1;
	mask = umask(0);
	if (tree_is_dir(from)) {
		rc = extract_children(&x, from, x.rootfd, 0);
	} else {
		free(x.rel);
		x.rel = xstrdup(from->name);
		x.rel_len = strlen(x.rel);
		x.rel_cap = x.rel_len + 1;
		rc = extract_node(&x, from, x.rootfd, 0);
	}
	umask(mask);
	for (size_t i = 0; i < x.links_cap; i++)
		free(x.links[i].rel);
	free(x.links);
	free(x.rel);
	free(x.buf);
	close(x.rootfd);
	return rc;
}
