/* Sources for the tree model: host directory scans and mkisofs-style graft
 * points. Entries are read with lstat (stat with follow_links), sorted by
 * name, and merged into the tree; see tree.h. */
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static bool excluded(const char *name, const char *src, const struct tree_scan_opts *o)
{
	for (size_t i = 0; o && i < o->nexcludes; i++) {
		const char *pat = o->excludes[i];
		if (fnmatch(pat, name, 0) == 0 || fnmatch(pat, src, 0) == 0)
			return true;
	}
	return false;
}

static int read_xattrs(struct tree_node *n, const char *path, bool follow)
{
	ssize_t len = follow ? listxattr(path, NULL, 0) : llistxattr(path, NULL, 0);
	char *names, *p;
	if (len < 0) {
		if (errno == ENOTSUP || errno == ENOSYS)
			return 0;
		return err_sys(errno, "%s: cannot list extended attributes", path);
	}
	if (len == 0)
		return 0;
	names = xmalloc((size_t)len);
	len = follow ? listxattr(path, names, (size_t)len) : llistxattr(path, names, (size_t)len);
	if (len < 0) {
		int e = errno;
		free(names);
		return err_sys(e, "%s: cannot list extended attributes", path);
	}
	for (p = names; p < names + len; p += strlen(p) + 1) {
		ssize_t vl = follow ? getxattr(path, p, NULL, 0) : lgetxattr(path, p, NULL, 0);
		uint8_t *v;
		if (vl < 0) {
			int e = errno;
			free(names);
			return err_sys(e, "%s: cannot read extended attribute %s", path, p);
		}
		v = xmalloc((size_t)vl + 1);
		vl = follow ? getxattr(path, p, v, (size_t)vl) : lgetxattr(path, p, v, (size_t)vl);
		if (vl < 0) {
			int e = errno;
			free(v);
			free(names);
			return err_sys(e, "%s: cannot read extended attribute %s", path, p);
		}
		tree_set_xattr(n, p, v, (size_t)vl);
		free(v);
	}
	free(names);
	return 0;
}

/* Fill a node's attributes from a stat of its source. */
static int fill_node(struct tree_node *n, const char *src, const struct stat *st,
		     const struct tree_scan_opts *o)
{
	n->mode = st->st_mode;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->mtime = st->st_mtim.tv_sec;
	n->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	n->atime = st->st_atim.tv_sec;
	n->ctime = st->st_ctim.tv_sec;
	n->size = 0;
	if (S_ISREG(st->st_mode)) {
		n->size = (uint64_t)st->st_size;
		n->src = n->size ? TREE_SRC_PATH : TREE_SRC_NONE;
		n->src_path = xstrdup(src);
		if (st->st_nlink > 1) {
			n->src_dev = st->st_dev;
			n->src_ino = st->st_ino;
		}
	} else if (S_ISLNK(st->st_mode)) {
		char *buf = xmalloc((size_t)st->st_size + 2);
		ssize_t l = readlink(src, buf, (size_t)st->st_size + 1);
		if (l < 0) {
			int e = errno;
			free(buf);
			return err_sys(e, "%s: cannot read symbolic link", src);
		}
		if ((size_t)l > (size_t)st->st_size) {
			free(buf);
			return err_set(ERR_CHANGED, "%s: symbolic link changed while being read", src);
		}
		buf[l] = 0;
		n->symlink = buf;
		n->size = (uint64_t)l;
		if (st->st_nlink > 1) { /* a hard link to the symlink itself */
			n->src_dev = st->st_dev;
			n->src_ino = st->st_ino;
		}
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		n->rdev = st->st_rdev;
		if (st->st_nlink > 1) {
			n->src_dev = st->st_dev;
			n->src_ino = st->st_ino;
		}
	} else if (S_ISFIFO(st->st_mode)) {
		if (st->st_nlink > 1) {
			n->src_dev = st->st_dev;
			n->src_ino = st->st_ino;
		}
	}
	if (o && o->xattrs)
		return read_xattrs(n, src, o->follow_links);
	return 0;
}

static int do_stat(const char *path, struct stat *st, const struct tree_scan_opts *o)
{
	if (o && o->follow_links) {
		if (stat(path, st) == 0)
			return 0;
		if (errno != ENOENT && errno != ELOOP)
			return -errno;
		/* dangling link: keep the link itself */
	}
	return lstat(path, st) == 0 ? 0 : -errno;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories being scanned, innermost first. A directory met again
 * below itself (a followed symbolic link to an ancestor, a bind mount)
 * would be copied into itself without end. */
struct ancestor {
	uint64_t dev, ino;
	const char *src;
	const struct ancestor *up;
};

static const struct ancestor *find_ancestor(const struct ancestor *a, const struct stat *st)
{
	for (; a; a = a->up)
		if (a->dev == (uint64_t)st->st_dev && a->ino == (uint64_t)st->st_ino)
			return a;
	return NULL;
}

static int scan_dir(struct tree *t, struct tree_node *dir, const char *src, const struct tree_scan_opts *o,
		    unsigned depth, const struct ancestor *up);

static int add_entry(struct tree *t, struct tree_node *dir, const char *name, const char *src,
		     const struct tree_scan_opts *o, unsigned depth, const struct ancestor *up)
{
	struct stat st;
	struct tree_node *n;
	int rc = do_stat(src, &st, o);
	if (rc < 0) {
		if (rc == -ENOENT)
			return err_sys(ENOENT, "%s: vanished while being scanned", src);
		return err_sys(-rc, "%s", src);
	}
	if (S_ISSOCK(st.st_mode)) {
		if (!o || !o->quiet_sockets)
			log_warn("%s: skipping socket", src);
		return 0;
	}
	if (o && o->skip_ino && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == o->skip_dev &&
	    (uint64_t)st.st_ino == o->skip_ino)
		return 0; /* the output being written */
	if (S_ISDIR(st.st_mode)) {
		const struct ancestor *a = find_ancestor(up, &st);
		if (a) {
			/* As xorriso does: the link itself is stored. */
			if (lstat(src, &st) < 0)
				return err_sys(errno, "%s", src);
			if (!S_ISLNK(st.st_mode)) {
				log_warn(
				    "%s: is the directory %s again (reached through a followed link or a "
				    "bind mount); left out",
				    src, a->src);
				return 0;
			}
			log_warn("%s: a symbolic link to its ancestor %s; stored as a link, not followed",
				 src, a->src);
		}
	}
	rc = tree_add_child(t, dir, name, st.st_mode, &n);
	if (rc)
		return err_wrap(rc, "%s", src);
	rc = fill_node(n, src, &st, o);
	if (rc)
		return rc;
	if (S_ISDIR(st.st_mode)) {
		struct ancestor self = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, src, up};
		if (depth > 4096)
			return err_set(ELOOP, "%s: directories nested too deeply (a symbolic link loop?)",
				       src);
		return scan_dir(t, n, src, o, depth + 1, &self);
	}
	return 0;
}

static int scan_dir(struct tree *t, struct tree_node *dir, const char *src, const struct tree_scan_opts *o,
		    unsigned depth, const struct ancestor *up)
{
	DIR *d = opendir(src);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (!d)
		return err_sys(errno, "%s: cannot read directory", src);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		util_grow(&names, &cap, n + 1, sizeof *names);
		names[n++] = xstrdup(e->d_name);
		errno = 0;
	}
	if (errno) {
		rc = err_sys(errno, "%s: cannot read directory", src);
		closedir(d);
		goto out;
	}
	closedir(d);
	/* Sorted order makes hard-link groups and warnings deterministic and
	 * lets tree_add_child append at the end of a fresh directory. */
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && !rc; i++) {
		char *path = util_path_join(src, names[i]);
		if (!excluded(names[i], path, o))
			rc = add_entry(t, dir, names[i], path, o, depth, up);
		free(path);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int tree_add_path(struct tree *t, const char *target, const char *source, const struct tree_scan_opts *o)
{
	struct stat st;
	struct tree_node *n;
	int rc = do_stat(source, &st, o);
	if (rc < 0)
		return err_sys(-rc, "%s", source);
	if (S_ISDIR(st.st_mode)) {
		rc = tree_mkdir_p(t, target, &n);
		if (rc)
			return rc;
		rc = fill_node(n, source, &st, o);
		if (rc)
			return rc;
		{
			struct ancestor self = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, source, NULL};
			return scan_dir(t, n, source, o, 0, &self);
		}
	}
	if (S_ISSOCK(st.st_mode))
		return err_set(EINVAL, "%s: is a socket", source);
	if (o && o->skip_ino && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == o->skip_dev &&
	    (uint64_t)st.st_ino == o->skip_ino)
		return err_set(EINVAL, "%s: is the output itself; writing it would destroy this source",
			       source);
	{
		const char *slash;
		char *dirpart;
		struct tree_node *dir;
		while (*target == '/')
			target++;
		if (!*target)
			return err_set(EINVAL, "%s: a file cannot become the root directory", source);
		slash = strrchr(target, '/');
		dirpart = slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup("");
		rc = tree_mkdir_p(t, dirpart, &dir);
		free(dirpart);
		if (rc)
			return rc;
		rc = tree_add_child(t, dir, slash ? slash + 1 : target, st.st_mode, &n);
		if (rc)
			return err_wrap(rc, "%s", source);
		return fill_node(n, source, &st, o);
	}
}

void tree_scan_skip_output(struct tree_scan_opts *o, const char *path)
{
	struct stat st;
	o->skip_dev = o->skip_ino = 0;
	/* stat follows links, as the output writes through them (output.h) */
	if (path && strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		o->skip_dev = (uint64_t)st.st_dev;
		o->skip_ino = (uint64_t)st.st_ino;
	}
}

int tree_add_graft(struct tree *t, const char *spec, const struct tree_scan_opts *o)
{
	/* Find the first unescaped '='. */
	char *target = xmalloc(strlen(spec) + 1), *source;
	size_t tl = 0;
	const char *p = spec;
	int rc;
	for (; *p; p++) {
		if (p[0] == '\\' && p[1] == '=') {
			target[tl++] = '=';
			p++;
			continue;
		}
		if (*p == '=')
			break;
		target[tl++] = *p;
	}
	target[tl] = 0;
	if (!*p) {
		/* plain path: a directory's contents at the root, a file by its name */
		struct stat st;
		const char *base = NULL;
		source = target;
		rc = do_stat(source, &st, o);
		if (rc < 0) {
			rc = err_sys(-rc, "%s", source);
			free(target);
			return rc;
		}
		if (S_ISDIR(st.st_mode))
			rc = tree_add_path(t, "", source, o);
		else {
			base = strrchr(source, '/');
			rc = tree_add_path(t, base ? base + 1 : source, source, o);
		}
		free(target);
		return rc;
	}
	source = xstrdup(p + 1);
	if (tl && target[tl - 1] == '/') {
		/* target is a directory: place the source in it under its own name,
		 * or merge its contents if it is a directory. */
		struct stat st;
		rc = do_stat(source, &st, o);
		if (rc < 0)
			rc = err_sys(-rc, "%s", source);
		else if (S_ISDIR(st.st_mode))
			rc = tree_add_path(t, target, source, o);
		else {
			const char *base = strrchr(source, '/');
			char *dst = util_path_join(target, base ? base + 1 : source);
			rc = tree_add_path(t, dst, source, o);
			free(dst);
		}
	} else
		rc = tree_add_path(t, target, source, o);
	free(target);
	free(source);
	return rc;
}
