/* One tar/cpio entry (as libarchive decoded it) into one tree node: the
 * path made safe, attributes, extended attributes, hard links. */
#include "archive/tar_impl.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

char *tar_quote(const char *s)
{
	size_t n = strlen(s);
	char *o = xmalloc(n * 4 + 1), *p = o;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			*p++ = '\\';
			*p++ = (char)('0' + (c >> 6));
			*p++ = (char)('0' + ((c >> 3) & 7));
			*p++ = (char)('0' + (c & 7));
		} else
			*p++ = (char)c;
	}
	*p = 0;
	return o;
}

static int entry_error(struct tar_rd *r, int code, const char *what)
{
	char *q = tar_quote(r->cur ? r->cur : "");
	int rc = err_set(code, "%s: entry '%s': %s", r->src->name, q, what);
	free(q);
	return rc;
}

/* The tree path of an archive name: leading '/' and "." components go, as
 * tar strips them; "" is the root. A ".." component could reach outside
 * the root and is refused. */
static int norm_path(struct tar_rd *r, const char *in, char **out)
{
	char *o = xmalloc(strlen(in) + 1);
	size_t ol = 0;
	const char *p = in;
	*out = NULL;
	while (*p) {
		const char *e;
		size_t cl;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		cl = (size_t)(e - p);
		if (cl == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			char *q = tar_quote(in);
			int rc = err_set(ERR_FORMAT,
					 "%s: entry '%s': a path with a '..' component could leave the root, "
					 "refusing it",
					 r->src->name, q);
			free(q);
			free(o);
			return rc;
		}
		if (cl > TAR_NAME_MAX) {
			char *q = tar_quote(in);
			int rc = err_set(ERR_FORMAT, "%s: entry '%s': a name of %zu bytes (more than %d)",
					 r->src->name, q, cl, TAR_NAME_MAX);
			free(q);
			free(o);
			return rc;
		}
		if (ol)
			o[ol++] = '/';
		memcpy(o + ol, p, cl);
		ol += cl;
		p = e;
	}
	o[ol] = 0;
	if (ol > TAR_PATH_MAX) {
		free(o);
		return entry_error(r, ERR_FORMAT, "path longer than 4095 bytes");
	}
	*out = o;
	return 0;
}

static int parent_dir(struct tar_rd *r, const char *path, size_t len, struct tree_node **out)
{
	char *d;
	int rc;
	/* Archives list a directory's entries together: one lookup for all. */
	if (r->last_dir && strlen(r->last_dir) == len && memcmp(r->last_dir, path, len) == 0) {
		*out = r->last_dir_node;
		return 0;
	}
	d = xstrndup(path, len);
	rc = tree_mkdir_p(r->t, d, out);
	if (rc) {
		free(d);
		return err_wrap(rc, "%s", r->src->name);
	}
	free(r->last_dir);
	r->last_dir = d;
	r->last_dir_node = *out;
	return 0;
}

/* Extended attributes (pax SCHILY.xattr.* and LIBARCHIVE.xattr.* records:
 * security.capability, security.selinux, user.* ...), sorted once; of a
 * name given twice the last value counts. */
static int set_xattrs(struct tar_rd *r, struct tree_node *n, struct archive_entry *e)
{
	const char *name;
	const void *val;
	size_t len, names = 0, cnt = 0, cap = 0;
	struct tree_xattr_slot *v = NULL;
	int rc = 0;
	tree_node_clear_xattrs(n);
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		size_t nl = name ? strlen(name) : 0;
		if (!nl || nl > 255 || !strchr(name, '.')) {
			char *q = tar_quote(r->cur), *qn = tar_quote(name ? name : "");
			log_warn("%s: entry '%s': skipping the extended attribute '%s' (not a valid name)",
				 r->src->name, q, qn);
			free(q);
			free(qn);
			continue;
		}
		names += nl + 1;
		if (len > TAR_XATTR_VALUE_MAX || names > TAR_XATTR_NAMES_MAX) {
			rc = entry_error(r, ERR_LIMIT,
					 len > TAR_XATTR_VALUE_MAX
					     ? "an extended attribute value larger than 64 KiB"
					     : "extended attribute names larger than 64 KiB");
			break;
		}
		util_grow(&v, &cap, cnt + 1, sizeof *v);
		v[cnt].x.name = xstrdup(name);
		v[cnt].x.value = xmalloc(len ? len : 1);
		memcpy(v[cnt].x.value, val, len);
		v[cnt].x.len = len;
		v[cnt].order = cnt;
		cnt++;
	}
	if (rc == 0 && cnt) {
		tree_node_take_xattrs(n, v, cnt);
		cnt = 0;
	}
	for (size_t i = 0; i < cnt; i++) {
		free(v[i].x.name);
		free(v[i].x.value);
	}
	free(v);
	return rc;
}

static int set_attrs(struct tar_rd *r, struct tree_node *n, struct archive_entry *e)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	long ns = archive_entry_mtime_nsec(e);
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
		return entry_error(r, ERR_FORMAT, "owner or group out of range");
	n->uid = (uint32_t)uid;
	n->gid = (uint32_t)gid;
	n->mtime = archive_entry_mtime(e);
	n->mtime_ns = ns >= 0 && ns < 1000000000 ? (uint32_t)ns : 0;
	n->atime = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : n->mtime;
	n->ctime = archive_entry_ctime_is_set(e) ? archive_entry_ctime(e) : n->mtime;
	return set_xattrs(r, n, e);
}

static struct tar_group *group_of(struct tar_rd *r, const struct tree_node *n)
{
	if (n->src_dev != r->img->dev || !n->src_ino || n->src_ino > r->ngroups)
		return NULL;
	return &r->groups[n->src_ino - 1];
}

static void group_add(struct tar_group *g, struct tree_node *n)
{
	util_grow(&g->v, &g->cap, g->n + 1, sizeof *g->v);
	g->v[g->n++] = n;
}

void tar_groups_free(struct tar_rd *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].v);
	free(r->groups);
	r->groups = NULL;
	r->ngroups = r->groups_cap = 0;
}

/* Make d name the same data as s. */
static void share_data(struct tree_node *d, const struct tree_node *s)
{
	d->size = s->size;
	d->stored_size = s->stored_size;
	if (s->src_img)
		tree_node_set_img(d, s->src_img, s->src_off, s->src_aux);
	else {
		tree_img_unref(d->src_img);
		d->src_img = NULL;
		d->src = TREE_SRC_NONE;
	}
}

/* A hard link: a new name for a file already read. In cpio archives the
 * data comes with the last name (newc) or with every one, so an entry with
 * data gives it to every name of the file. */
static int add_link(struct tar_rd *r, struct archive_entry *e, struct tree_node *dir, const char *base,
		    const char *path, const char *hl)
{
	struct tree_node *tgt, *n;
	struct tar_group *g;
	char *tpath;
	la_int64_t size = archive_entry_size(e);
	int rc = norm_path(r, hl, &tpath);
	if (rc)
		return rc;
	if (strcmp(tpath, path) == 0) {
		/* tar records a file given twice as a link to itself: the
		 * earlier entry stands. With no earlier file of that name the
		 * entry names nothing. */
		const struct tree_node *prev = tree_lookup(r->t, tpath);
		char *q = tar_quote(r->cur);
		free(tpath);
		if (!prev || tree_is_dir(prev))
			rc =
			    err_set(ERR_FORMAT,
				    "%s: entry '%s' is a hard link to itself, and no file of that name is in "
				    "the archive before it",
				    r->src->name, q);
		else
			log_warn("%s: entry '%s' is a hard link to itself (a file given twice to tar); the "
				 "earlier entry is kept",
				 r->src->name, q);
		free(q);
		return rc;
	}
	tgt = tree_lookup(r->t, tpath);
	if (!tgt || tree_is_dir(tgt)) {
		char *q = tar_quote(r->cur), *qt = tar_quote(hl);
		rc = err_set(
		    ERR_FORMAT,
		    tgt ? "%s: entry '%s' is a hard link to the directory '%s'"
			: "%s: entry '%s' is a hard link to '%s', which is not in the archive before it",
		    r->src->name, q, qt);
		free(q);
		free(qt);
		free(tpath);
		return rc;
	}
	free(tpath);
	{
		/* a million links to one file with 64 KiB of xattrs would copy
		 * them a million times: bounded by the archive's stream */
		uint64_t c = tgt->symlink ? strlen(tgt->symlink) : 0;
		for (size_t i = 0; i < tgt->nxattrs; i++)
			c += tgt->xattrs[i].len + strlen(tgt->xattrs[i].name);
		r->copied += c;
		if (r->copied > 16 * (r->src->size + r->seg_start + (uint64_t)archive_filter_bytes(r->a, 0)) +
				    (64u << 20))
			return entry_error(r, ERR_LIMIT,
					   "hard links copy more xattrs than the archive could hold");
	}
	if (!tgt->src_ino) {
		util_grow(&r->groups, &r->groups_cap, r->ngroups + 1, sizeof *r->groups);
		memset(&r->groups[r->ngroups], 0, sizeof *r->groups);
		group_add(&r->groups[r->ngroups], tgt);
		tgt->src_dev = r->img->dev;
		tgt->src_ino = ++r->ngroups;
	}
	rc = tree_add_child(r->t, dir, base, tgt->mode, &n);
	if (rc)
		return err_wrap(rc, "%s", r->src->name);
	n->uid = tgt->uid;
	n->gid = tgt->gid;
	n->mtime = tgt->mtime;
	n->mtime_ns = tgt->mtime_ns;
	n->atime = tgt->atime;
	n->ctime = tgt->ctime;
	n->rdev = tgt->rdev;
	if (tgt->symlink)
		n->symlink = xstrdup(tgt->symlink);
	for (size_t i = 0; i < tgt->nxattrs; i++)
		tree_set_xattr(n, tgt->xattrs[i].name, tgt->xattrs[i].value, tgt->xattrs[i].len);
	share_data(n, tgt);
	n->src_dev = tgt->src_dev;
	n->src_ino = tgt->src_ino;
	g = group_of(r, tgt);
	if (g)
		group_add(g, n);
	if (r->st)
		r->st->hardlinks++;
	if (!tree_is_reg(tgt) || size <= 0)
		return 0;
	if ((rc = tar_data_read(r, n, (uint64_t)size)) != 0)
		return rc;
	if (r->st)
		r->st->data_bytes += (uint64_t)size;
	if (!g) {
		share_data(tgt, n);
		return 0;
	}
	for (size_t i = 0; i < g->n; i++) /* names since replaced by other files are passed over */
		if (g->v[i] != n && g->v[i]->src_dev == n->src_dev && g->v[i]->src_ino == n->src_ino)
			share_data(g->v[i], n);
	return 0;
}

int tar_entry_add(struct tar_rd *r, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *hl, *slash, *base;
	mode_t type = archive_entry_filetype(e);
	struct tree_node *dir, *n;
	char *path = NULL;
	int rc;
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	r->cur = raw;
	if (!raw || !*raw)
		return entry_error(r, ERR_FORMAT, "an entry without a name");
	if ((rc = norm_path(r, raw, &path)) != 0)
		return rc;
	hl = archive_entry_hardlink(e);
	if (hl && type == AE_IFDIR)
		hl = NULL; /* libarchive's cpio reader pairs directories by inode number too */
	if (!*path) {
		free(path);
		if (hl || type != AE_IFDIR)
			return entry_error(r, ERR_FORMAT, "names the root, but is not a directory");
		n = r->t->root;
		n->mode = S_IFDIR | (archive_entry_perm(e) & 07777);
		if (r->st)
			r->st->dirs++;
		return set_attrs(r, n, e);
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	rc = parent_dir(r, path, slash ? (size_t)(slash - path) : 0, &dir);
	if (rc)
		goto out;
	if (hl) {
		rc = add_link(r, e, dir, base, path, hl);
		goto out;
	}
	switch (type) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
	case AE_IFSOCK:
		break;
	default:
		rc = entry_error(r, ERR_FORMAT, "an unknown file type");
		goto out;
	}
	rc = tree_add_child(r->t, dir, base, type | (archive_entry_perm(e) & 07777), &n);
	if (rc) {
		rc = err_wrap(rc, "%s", r->src->name);
		goto out;
	}
	if ((rc = set_attrs(r, n, e)) != 0)
		goto out;
	switch (type) {
	case AE_IFREG: {
		la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
		if (size < 0) {
			rc = entry_error(r, ERR_FORMAT, "a negative size");
			goto out;
		}
		if (r->st) {
			r->st->files++;
			r->st->data_bytes += (uint64_t)size;
		}
		rc = tar_data_read(r, n, (uint64_t)size);
		break;
	}
	case AE_IFDIR:
		if (r->st)
			r->st->dirs++;
		break;
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target)
			target = archive_entry_symlink_utf8(e);
		if (!target || !*target) {
			rc = entry_error(r, ERR_FORMAT, "a symbolic link without a target");
			goto out;
		}
		if (strlen(target) > TAR_PATH_MAX) {
			rc = entry_error(r, ERR_FORMAT, "a symbolic link target longer than 4095 bytes");
			goto out;
		}
		n->symlink = xstrdup(target);
		n->size = strlen(target);
		if (r->st)
			r->st->symlinks++;
		break;
	}
	case AE_IFCHR:
	case AE_IFBLK:
		n->rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		if (r->st)
			r->st->devices++;
		break;
	case AE_IFIFO:
		if (r->st)
			r->st->fifos++;
		break;
	default:
		if (r->st)
			r->st->sockets++;
		break;
	}
out:
	free(path);
	return rc;
}
