/* Safe extraction: openat/mkdirat/symlinkat/linkat/mknodat relative to
 * directory descriptors opened with O_NOFOLLOW, so a symbolic link in the
 * image (or one left in the target) is never followed, and a name with
 * '/', "." or ".." is refused (the traversal of CVE-2021-40153/41072).
 * The walk (directories, links, devices, every check) runs in order on
 * the calling thread; regular files are written by a few writer threads,
 * since creating and filling files is most of an extraction's time. */
#include "image/extract.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_CHUNK (1u << 20)
#define QUEUE_LEN 256 /* files waiting for a writer */

void extract_opts_init(struct extract_opts *o)
{
	o->owners = geteuid() == 0;
	o->xattrs = true;
	o->threads = 0;
}

/* Where the first name of each hard-link group went, relative to the
 * target, so later names link to it once a writer has made it. */
struct link_slot {
	const struct tree_node *first;
	char *rel;
	bool done; /* the file exists (under the pool lock) */
};

/* A directory being filled. Its descriptor stays open, and its metadata
 * waits, until the walk has left it and every file queued in it is
 * written: the last reference sets owner, mode and times (after its
 * contents, which would change its times and may need its write bit). */
struct xdir {
	int fd;
	unsigned refs;		   /* the walk's and one per queued file; under the lock */
	const struct tree_node *n; /* NULL for the target itself (left as it is) */
	char *rel;		   /* relative to the target; "" for the target */
	/* Made here in a plain directory (for the target: neither set-group-id
	 * nor with a default ACL), so what is made in it gets this process's
	 * ids and exactly the mode asked for, which need not be set again. */
	bool plain;
};

struct job {
	const struct tree_node *n;
	struct xdir *d;
	struct link_slot *link; /* when n is the first of a hard-link group */
};

struct ex {
	const struct extract_opts *o;
	struct extract_stats *st;
	const char *target;
	int rootfd;
	uid_t uid;
	gid_t gid;
	char *rel; /* path of the walk's current node relative to the target */
	size_t rel_len, rel_cap;
	struct link_slot **links;
	size_t links_cap, links_n;
	/* the writers; rd serialises reads of image-decoded data whose reader
	 * is not concurrent (tree.h: its pread is called from one thread at a
	 * time) */
	pthread_mutex_t mu, rd;
	pthread_cond_t work_cv, main_cv;
	struct job q[QUEUE_LEN];
	size_t qhead, qlen;
	bool closing, walk_waits;
	atomic_bool failed;
	int rc; /* the first error, with its message */
	char *msg;
	pthread_t *th;
	int nth;
	uint8_t *buf; /* for files written on the walk's thread (no writer could start) */
	bool warned_owner, warned_xattr, warned_dev;
};

static int fail_at(const struct ex *x, const char *rel, const char *name, int e, const char *what)
{
	return err_sys(e, "%s/%s%s%s: %s", x->target, rel, *rel && name ? "/" : "", name ? name : "", what);
}

static int fail(const struct ex *x, int e, const char *what)
{
	return fail_at(x, x->rel, NULL, e, what);
}

/* Record the first error (the current thread's) and stop everyone. */
static int pool_fail(struct ex *x, int rc)
{
	pthread_mutex_lock(&x->mu);
	if (!x->rc) {
		x->rc = rc;
		x->msg = xstrdup(err_msg());
		atomic_store(&x->failed, true);
	}
	pthread_cond_broadcast(&x->main_cv);
	pthread_mutex_unlock(&x->mu);
	return rc;
}

static int stopped(void)
{
	return err_set(ECANCELED, "stopped by an earlier error");
}

/* Something this user may not make or set: counted (count), and said once. */
static void skip(struct ex *x, bool *warned, bool count, const char *rel, const char *name, const char *what)
{
	pthread_mutex_lock(&x->mu);
	if (count)
		x->st->skipped++;
	if (warned && !*warned) {
		*warned = true;
		log_warn("%s/%s%s%s: %s", x->target, rel, *rel && name ? "/" : "", name ? name : "", what);
	}
	pthread_mutex_unlock(&x->mu);
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
		struct link_slot **nl = xcalloc(ncap, sizeof *nl);
		for (size_t k = 0; k < x->links_cap; k++)
			if (x->links[k]) {
				size_t j = ((uintptr_t)x->links[k]->first >> 4) & (ncap - 1);
				while (nl[j])
					j = (j + 1) & (ncap - 1);
				nl[j] = x->links[k];
			}
		free(x->links);
		x->links = nl;
		x->links_cap = ncap;
	}
	if (!x->links_cap)
		return NULL;
	for (i = ((uintptr_t)first >> 4) & (x->links_cap - 1); x->links[i]; i = (i + 1) & (x->links_cap - 1))
		if (x->links[i]->first == first)
			return x->links[i];
	if (!add)
		return NULL;
	x->links[i] = xcalloc(1, sizeof **x->links);
	x->links[i]->first = first;
	x->links_n++;
	return x->links[i];
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

/* pwrite of all n bytes (0 or -errno), retrying short writes */
static int pwrite_full(int fd, const uint8_t *buf, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pwrite(fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ENOSPC;
		buf += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	/* the first byte zero and each byte equal to the next (memcmp is fast) */
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

/* The data of n into out (a new, empty file). */
static int copy_data(struct ex *x, const struct tree_node *n, int out, uint8_t *buf, const char *rel)
{
	uint64_t off = 0;
	/* readers that take one caller at a time are read under rd */
	bool hole = false, locked = n->src == TREE_SRC_IMAGE && !n->src_img->ops->concurrent;
	int in = -1, rc = 0;
	if (n->src == TREE_SRC_RANGE || n->src == TREE_SRC_PATH) {
		loff_t ioff = (loff_t)tree_node_fd_offset(n), ooff = 0;
		in = n->src == TREE_SRC_RANGE ? n->src_img->fd : tree_node_open(n);
		if (in < -1)
			return in;
		while (in >= 0 && off < n->size) {
			ssize_t k = copy_file_range(in, &ioff, out, &ooff,
						    (size_t)MIN(n->size - off, (uint64_t)1 << 30), 0);
			if (k <= 0)
				break; /* not supported here, or short: the buffer copy goes on */
			off += (uint64_t)k;
		}
		if (n->src == TREE_SRC_RANGE)
			in = -1; /* tree_node_pread reads the image's own descriptor */
	}
	while (off < n->size && !rc) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)COPY_CHUNK);
		if (atomic_load_explicit(&x->failed, memory_order_relaxed)) {
			rc = stopped();
			break;
		}
		if (locked)
			pthread_mutex_lock(&x->rd);
		rc = tree_node_pread(n, in, buf, k, off);
		if (locked)
			pthread_mutex_unlock(&x->rd);
		if (rc < 0) {
			rc = err_wrap(rc, "%s/%s%s%s", x->target, rel, *rel ? "/" : "", n->name);
			break;
		}
		/* keep holes holes (sparse files of squashfs, zeros of any image):
		 * a chunk of zeros is not written, and a file ending in one is
		 * given its size */
		hole = all_zero(buf, k);
		if (!hole && (rc = pwrite_full(out, buf, k, off)) < 0)
			rc = fail_at(x, rel, n->name, -rc, "write");
		off += k;
	}
	if (in >= 0)
		close(in);
	if (rc < 0)
		return rc;
	if (hole && ftruncate(out, (off_t)n->size) < 0)
		return fail_at(x, rel, n->name, errno, "truncate");
	return 0;
}

/* Owner, mode, xattrs and times of the object open as fd (files, dirs).
 * plain: made in a plain directory (struct xdir) with the mode made. */
static int finish_fd(struct ex *x, const struct tree_node *n, int fd, const char *rel, const char *name,
		     bool plain, mode_t made)
{
	struct timespec ts[2];
	bool chown_it = x->o->owners && !(plain && n->uid == x->uid && n->gid == x->gid);
	if (chown_it && fchown(fd, n->uid, n->gid) < 0) {
		if (errno != EPERM)
			return fail_at(x, rel, name, errno, "chown");
		skip(x, &x->warned_owner, false, rel, name, "owners not restored (not permitted)");
	}
	/* after chown, which clears set-id bits */
	if ((chown_it || !plain || made != (n->mode & 07777)) && fchmod(fd, n->mode & 07777) < 0)
		return fail_at(x, rel, name, errno, "chmod");
	if (x->o->xattrs)
		for (size_t i = 0; i < n->nxattrs; i++)
			if (fsetxattr(fd, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) < 0) {
				if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
					return fail_at(x, rel, name, errno, n->xattrs[i].name);
				skip(x, &x->warned_xattr, true, rel, name,
				     "extended attributes not restored (not supported or not permitted)");
			}
	ts[0].tv_sec = (time_t)n->atime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = (time_t)n->mtime;
	ts[1].tv_nsec = n->mtime_ns;
	if (futimens(fd, ts) < 0)
		return fail_at(x, rel, name, errno, "set times");
	return 0;
}

/* Owner and times of an object that has no descriptor (symlinks, devices),
 * made by the walk (x->rel names it) in a directory that may be plain. */
static int finish_at(struct ex *x, const struct tree_node *n, int dirfd, const char *name, bool plain)
{
	struct timespec ts[2] = {{(time_t)n->atime, 0}, {(time_t)n->mtime, n->mtime_ns}};
	if (x->o->owners && !(plain && n->uid == x->uid && n->gid == x->gid) &&
	    fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != EPERM)
			return fail(x, errno, "chown");
		skip(x, &x->warned_owner, false, x->rel, NULL, "owners not restored (not permitted)");
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
					skip(x, NULL, true, x->rel, NULL, NULL);
			close(pfd);
		}
	}
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(x, errno, "set times");
	return 0;
}

/* Remove what stands at name (creating n there said EEXIST), unless it
 * is a directory and n is one too (*is_dir: merge into it). */
static int clear_name(struct ex *x, const struct tree_node *n, int dirfd, const char *name, const char *rel,
		      const char *mname, bool *is_dir)
{
	struct stat st;
	*is_dir = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail_at(x, rel, mname, errno, "stat");
	if (S_ISDIR(st.st_mode)) {
		if (tree_is_dir(n)) {
			*is_dir = true;
			return 0;
		}
		return err_set(EEXIST, "%s/%s%s%s: a directory is in the way of a file", x->target, rel,
			       *rel && mname ? "/" : "", mname ? mname : "");
	}
	if (unlinkat(dirfd, name, 0) < 0)
		return fail_at(x, rel, mname, errno, "remove the old file");
	return 0;
}

/* ---- the writers ----------------------------------------------------------------- */

static void dir_put(struct ex *x, struct xdir *d)
{
	bool last;
	pthread_mutex_lock(&x->mu);
	last = --d->refs == 0;
	pthread_mutex_unlock(&x->mu);
	if (!last)
		return;
	if (d->n && !atomic_load(&x->failed)) {
		int rc = finish_fd(x, d->n, d->fd, d->rel, NULL, d->plain, 0700);
		if (rc < 0)
			pool_fail(x, rc);
	}
	close(d->fd);
	free(d->rel);
	free(d);
}

/* Create a regular file where the walk left it and write it. */
static int write_file(struct ex *x, const struct job *j, uint8_t *buf)
{
	const struct tree_node *n = j->n;
	const char *rel = j->d->rel;
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	/* made with its final mode when nothing would change it afterwards;
	 * otherwise private until its owner and mode are set */
	bool ids = !x->o->owners || (n->uid == x->uid && n->gid == x->gid);
	mode_t made = j->d->plain && ids && !(n->mode & 07000) ? n->mode & 0777 : 0600;
	int fd, rc;
	fd = openat(j->d->fd, n->name, flags, made);
	if (fd < 0 && errno == EEXIST) {
		bool is_dir;
		if ((rc = clear_name(x, n, j->d->fd, n->name, rel, n->name, &is_dir)) < 0)
			return rc;
		fd = openat(j->d->fd, n->name, flags, made);
	}
	if (fd < 0)
		return fail_at(x, rel, n->name, errno, "create");
	rc = copy_data(x, n, fd, buf, rel);
	if (rc == 0)
		rc = finish_fd(x, n, fd, rel, n->name, j->d->plain, made);
	if (close(fd) < 0 && rc == 0)
		rc = fail_at(x, rel, n->name, errno, "close");
	return rc;
}

static void run_job(struct ex *x, const struct job *j, uint8_t *buf)
{
	int rc;
	if (atomic_load(&x->failed)) {
		dir_put(x, j->d);
		return;
	}
	if ((rc = write_file(x, j, buf)) < 0) {
		pool_fail(x, rc);
	} else {
		pthread_mutex_lock(&x->mu);
		x->st->files++;
		x->st->bytes += j->n->size;
		if (j->link) {
			j->link->done = true;
			pthread_cond_broadcast(&x->main_cv);
		}
		pthread_mutex_unlock(&x->mu);
	}
	dir_put(x, j->d);
}

static void *writer(void *arg)
{
	struct ex *x = arg;
	uint8_t *buf = xmalloc(COPY_CHUNK);
	for (;;) {
		struct job j;
		pthread_mutex_lock(&x->mu);
		while (!x->qlen && !x->closing)
			pthread_cond_wait(&x->work_cv, &x->mu);
		if (!x->qlen) {
			pthread_mutex_unlock(&x->mu);
			break;
		}
		j = x->q[x->qhead];
		x->qhead = (x->qhead + 1) % QUEUE_LEN;
		if (--x->qlen == QUEUE_LEN / 2 && x->walk_waits)
			pthread_cond_broadcast(&x->main_cv);
		pthread_mutex_unlock(&x->mu);
		run_job(x, &j, buf);
	}
	free(buf);
	return NULL;
}

/* Hand regular file n (in directory d) to a writer; the queue is bounded,
 * so the walk waits when the writers are behind. */
static void queue_file(struct ex *x, const struct tree_node *n, struct xdir *d, struct link_slot *link)
{
	struct job j = {n, d, link};
	pthread_mutex_lock(&x->mu);
	d->refs++;
	if (!x->nth) {
		pthread_mutex_unlock(&x->mu);
		run_job(x, &j, x->buf);
		return;
	}
	if (x->qlen == QUEUE_LEN) {
		/* until half of it is written: one wake-up for many files */
		x->walk_waits = true;
		while (x->qlen > QUEUE_LEN / 2 && !x->rc)
			pthread_cond_wait(&x->main_cv, &x->mu);
		x->walk_waits = false;
	}
	if (x->rc) {
		d->refs--; /* the walk still holds one */
		pthread_mutex_unlock(&x->mu);
		return;
	}
	x->q[(x->qhead + x->qlen++) % QUEUE_LEN] = j;
	pthread_cond_signal(&x->work_cv);
	pthread_mutex_unlock(&x->mu);
}

/* ---- the walk -------------------------------------------------------------------- */

static int extract_node(struct ex *x, const struct tree_node *n, struct xdir *d, unsigned depth);

static int extract_children(struct ex *x, const struct tree_node *dir, struct xdir *d, unsigned depth)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct tree_node *c = dir->children[i];
		size_t nl = strlen(c->name), old = x->rel_len;
		int rc;
		if (atomic_load(&x->failed))
			return stopped();
		util_grow(&x->rel, &x->rel_cap, old + nl + 2, 1);
		if (old)
			x->rel[x->rel_len++] = '/';
		memcpy(x->rel + x->rel_len, c->name, nl + 1);
		x->rel_len += nl;
		rc = extract_node(x, c, d, depth + 1);
		x->rel_len = old;
		x->rel[old] = 0;
		if (rc < 0)
			return pool_fail(x, rc);
	}
	return 0;
}

/* Make n at name in dirfd: a directory (mode 0700 until its contents are
 * in), a symbolic link, a device, or a hard link to lname in lfd. When
 * something stands there, remove it (a directory for a directory: merge
 * into it, *merged) and try again. */
static int make_at(struct ex *x, const struct tree_node *n, int dirfd, const char *name, int lfd,
		   const char *lname, bool *merged, const char *what)
{
	mode_t type = n->mode & S_IFMT;
	int rc;
	*merged = false;
	for (int again = 0;; again++) {
		if (type == S_IFDIR)
			rc = mkdirat(dirfd, name, 0700);
		else if (type == S_IFLNK)
			rc = symlinkat(n->symlink, dirfd, name);
		else if (type == S_IFREG)
			rc = linkat(lfd, lname, dirfd, name, 0);
		else
			rc = mknodat(dirfd, name, type | (n->mode & 0777), (dev_t)n->rdev);
		if (rc == 0 || errno != EEXIST || again)
			return rc < 0 ? fail(x, errno, what) : 0;
		if ((rc = clear_name(x, n, dirfd, name, x->rel, NULL, merged)) < 0 || *merged)
			return rc;
	}
}

static int extract_node(struct ex *x, const struct tree_node *n, struct xdir *d, unsigned depth)
{
	const char *name = n->name;
	mode_t type = n->mode & S_IFMT;
	bool merged;
	int rc, fd;

	if (!safe_name(name) || strlen(name) > 255)
		return err_set(ERR_FORMAT, "%s: unsafe file name '%s' in the image: refused", x->target,
			       name);
	if (depth > 4096)
		return err_set(ERR_LIMIT, "%s/%s: directories nested too deep", x->target, x->rel);
	switch (type) {
	case S_IFDIR: {
		struct xdir *sub;
		if ((rc = make_at(x, n, d->fd, name, -1, NULL, &merged, "mkdir")) < 0)
			return rc;
		fd = openat(d->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return fail(x, errno, "open directory");
		sub = xcalloc(1, sizeof *sub);
		sub->fd = fd;
		sub->refs = 1;
		sub->n = n;
		sub->rel = xstrdup(x->rel);
		sub->plain = d->plain && !merged;
		rc = extract_children(x, n, sub, depth);
		x->st->dirs++;
		dir_put(x, sub); /* its metadata once its files are written */
		return rc;
	}
	case S_IFREG: {
		struct link_slot *s = NULL;
		if (n->link_first && n->link_first != n && (s = link_find(x, n->link_first, false))) {
			const char *base;
			int pfd;
			/* the first name is a writer's: wait until it exists */
			pthread_mutex_lock(&x->mu);
			while (!s->done && !x->rc)
				pthread_cond_wait(&x->main_cv, &x->mu);
			pthread_mutex_unlock(&x->mu);
			if (atomic_load(&x->failed))
				return stopped();
			if ((pfd = open_parent(x, s->rel, &base)) < 0)
				return fail(x, errno, "open the directory of its hard link");
			rc = make_at(x, n, d->fd, name, pfd, base, &merged, "hard link");
			close(pfd);
			if (rc == 0)
				x->st->hardlinks++;
			return rc;
		}
		if (n->link_first && n->link_first->link_id) {
			s = link_find(x, n->link_first, true);
			s->rel = xstrdup(x->rel);
		}
		queue_file(x, n, d, s);
		return 0;
	}
	case S_IFLNK:
		/* the target is data: stored as it is, never followed here */
		if (!n->symlink)
			return err_set(ERR_FORMAT, "%s/%s: symbolic link without a target", x->target,
				       x->rel);
		if ((rc = make_at(x, n, d->fd, name, -1, NULL, &merged, "symlink")) < 0)
			return rc;
		x->st->symlinks++;
		return finish_at(x, n, d->fd, name, d->plain);
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if ((rc = make_at(x, n, d->fd, name, -1, NULL, &merged, "mknod")) < 0) {
			if (rc == -EPERM && (type == S_IFCHR || type == S_IFBLK)) {
				err_clear();
				skip(x, &x->warned_dev, true, x->rel, NULL,
				     "device nodes not made (not permitted)");
				return 0;
			}
			return rc;
		}
		x->st->specials++;
		if ((rc = finish_at(x, n, d->fd, name, d->plain)) < 0)
			return rc;
		if (n->mode & 07000) {
			/* set-id bits on a special file: after chown, which clears them */
			char p[64];
			int pfd = openat(d->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
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

/* Whether what is made in the target gets this process's ids and the
 * mode asked for: not set-group-id, no default ACL. */
static bool plain_dir(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || (st.st_mode & S_ISGID))
		return false;
	return fgetxattr(fd, "system.posix_acl_default", NULL, 0) < 0 &&
	       (errno == ENODATA || errno == ENOTSUP);
}

static void start_writers(struct ex *x)
{
	int want = x->o->threads > 0 ? MIN(x->o->threads, EXTRACT_MAX_THREADS) : EXTRACT_THREADS;
	x->th = xcalloc((size_t)want, sizeof *x->th);
	for (int i = 0; i < want; i++)
		if (pthread_create(&x->th[x->nth], NULL, writer, x) == 0)
			x->nth++;
	if (!x->nth)
		x->buf = xmalloc(COPY_CHUNK); /* no thread: files are written by the walk */
}

static void stop_writers(struct ex *x)
{
	pthread_mutex_lock(&x->mu);
	x->closing = true;
	pthread_cond_broadcast(&x->work_cv);
	pthread_mutex_unlock(&x->mu);
	for (int i = 0; i < x->nth; i++)
		pthread_join(x->th[i], NULL);
	free(x->th);
	free(x->buf);
}

int image_extract(const struct tree_node *from, const char *dir, const struct extract_opts *o,
		  struct extract_stats *st)
{
	struct ex x;
	struct xdir *top;
	mode_t mask;
	int rc;
	memset(&x, 0, sizeof x);
	memset(st, 0, sizeof *st);
	x.o = o;
	x.st = st;
	x.target = dir;
	x.uid = geteuid();
	x.gid = getegid();
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(errno, "%s: cannot create the target directory", dir);
	x.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.rootfd < 0)
		return err_sys(errno, "%s: cannot open the target directory", dir);
	top = xcalloc(1, sizeof *top);
	top->fd = dup(x.rootfd);
	top->refs = 1;
	top->rel = xstrdup("");
	top->plain = plain_dir(x.rootfd);
	if (top->fd < 0) {
		rc = err_sys(errno, "%s: cannot open the target directory", dir);
		free(top->rel);
		free(top);
		close(x.rootfd);
		return rc;
	}
	pthread_mutex_init(&x.mu, NULL);
	pthread_mutex_init(&x.rd, NULL);
	pthread_cond_init(&x.work_cv, NULL);
	pthread_cond_init(&x.main_cv, NULL);
	atomic_init(&x.failed, false);
	x.rel = xstrdup("");
	x.rel_cap = 1;
	mask = umask(0);
	start_writers(&x);
	if (tree_is_dir(from)) {
		rc = extract_children(&x, from, top, 0);
	} else {
		free(x.rel);
		x.rel = xstrdup(from->name);
		x.rel_len = strlen(x.rel);
		x.rel_cap = x.rel_len + 1;
		if ((rc = extract_node(&x, from, top, 0)) < 0)
			pool_fail(&x, rc);
	}
	dir_put(&x, top);
	stop_writers(&x);
	umask(mask);
	rc = x.rc;
	if (rc)
		err_copy(rc, x.msg); /* the first error, maybe a writer's */
	free(x.msg);
	for (size_t i = 0; i < x.links_cap; i++)
		if (x.links[i]) {
			free(x.links[i]->rel);
			free(x.links[i]);
		}
	free(x.links);
	free(x.rel);
	close(x.rootfd);
	pthread_mutex_destroy(&x.mu);
	pthread_mutex_destroy(&x.rd);
	pthread_cond_destroy(&x.work_cv);
	pthread_cond_destroy(&x.main_cv);
	return rc;
}
