/* The file-tree model: nodes, sorted insertion, lookup, walks, hard-link
 * groups and time clamping; see tree.h. Directory scanning is in scan.c. */
#include "core/tree.h"
#include "core/error.h"
#include "core/output.h"
#include "core/time.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct tree_node *node_new(const char *name, mode_t mode)
{
	struct tree_node *n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->mode = mode;
	n->nlink = 1;
	return n;
}

static void node_clear_data(struct tree_node *n)
{
	free(n->symlink);
	free(n->src_path);
	free(n->src_data);
	tree_img_unref(n->src_img);
	n->src_img = NULL;
	for (size_t i = 0; i < n->nxattrs; i++) {
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
	}
	free(n->xattrs);
	n->symlink = NULL;
	n->src_path = NULL;
	n->src_data = NULL;
	n->xattrs = NULL;
	n->nxattrs = 0;
}

static void node_free(struct tree_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nchildren; i++)
		node_free(n->children[i]);
	free(n->children);
	node_clear_data(n);
	free(n->name);
	free(n);
}

struct tree *tree_create(void)
{
	struct tree *t = xcalloc(1, sizeof *t);
	int64_t now = time_build();
	t->root = node_new("", S_IFDIR | 0755);
	t->root->mtime = t->root->atime = t->root->ctime = now;
	t->nnodes = 1;
	return t;
}

void tree_destroy(struct tree *t)
{
	if (!t)
		return;
	node_free(t->root);
	free(t);
}

/* Binary search among a directory's sorted children. Returns the index of
 * name, or -(insertion point) - 1. */
static ptrdiff_t find_child(const struct tree_node *dir, const char *name)
{
	size_t lo = 0, hi = dir->nchildren;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dir->children[mid]->name, name);
		if (c == 0)
			return (ptrdiff_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ptrdiff_t)lo - 1;
}

struct tree_node *tree_child(const struct tree_node *dir, const char *name)
{
	ptrdiff_t i = find_child(dir, name);
	return i < 0 ? NULL : dir->children[i];
}

static int count_nodes(struct tree_node *n, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

int tree_add_child(struct tree *t, struct tree_node *dir, const char *name, mode_t mode,
		   struct tree_node **out)
{
	ptrdiff_t i;
	struct tree_node *n;
	if (!tree_is_dir(dir))
		return err_set(ENOTDIR, "cannot add %s: parent is not a directory", name);
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set(EINVAL, "invalid file name '%s'", name);
	i = find_child(dir, name);
	if (i >= 0) {
		n = dir->children[i];
		if (S_ISDIR(mode) && tree_is_dir(n)) {
			/* merge: keep children, take new attributes */
			node_clear_data(n);
			n->mode = mode;
			*out = n;
			return 0;
		}
		if (S_ISDIR(mode) != tree_is_dir(n)) {
			char *p = tree_node_path(n);
			int rc = err_set(EEXIST, "%s: a %s cannot replace a %s", p,
					 S_ISDIR(mode) ? "directory" : "file",
					 tree_is_dir(n) ? "directory" : "file");
			free(p);
			return rc;
		}
		node_clear_data(n);
		memset(&n->uid, 0, sizeof *n - offsetof(struct tree_node, uid));
		n->mode = mode;
		n->nlink = 1;
		*out = n;
		return 0;
	}
	n = node_new(name, mode);
	n->parent = dir;
	{
		size_t pos = (size_t)(-i - 1);
		util_grow(&dir->children, &dir->children_cap, dir->nchildren + 1, sizeof *dir->children);
		memmove(dir->children + pos + 1, dir->children + pos,
			(dir->nchildren - pos) * sizeof *dir->children);
		dir->children[pos] = n;
		dir->nchildren++;
	}
	t->nnodes++;
	t->finalized = false;
	*out = n;
	return 0;
}

/* The next component of a path walk: skips slashes, copies the name into
 * comp. 1: a component, 0: the end, -1: a name too long for comp. */
static int next_comp(const char **p, char comp[TREE_COMP_MAX])
{
	size_t len;
	while (**p == '/')
		(*p)++;
	if (!**p)
		return 0;
	len = strcspn(*p, "/");
	if (len >= TREE_COMP_MAX)
		return -1;
	memcpy(comp, *p, len);
	comp[len] = 0;
	*p += len;
	return 1;
}

struct tree_node *tree_lookup(const struct tree *t, const char *path)
{
	struct tree_node *n = t->root;
	const char *p = path;
	char comp[TREE_COMP_MAX];
	int r;
	while ((r = next_comp(&p, comp)) > 0) {
		ptrdiff_t i;
		if (!tree_is_dir(n))
			return NULL;
		if (strcmp(comp, ".") == 0)
			continue;
		if ((i = find_child(n, comp)) < 0)
			return NULL;
		n = n->children[i];
	}
	return r < 0 ? NULL : n;
}

static struct tree_node *resolve_in(const struct tree *t, struct tree_node *cur, const char *path, int *links)
{
	char comp[TREE_COMP_MAX];
	const char *p = path;
	int r;
	if (*p == '/')
		cur = t->root;
	while ((r = next_comp(&p, comp)) > 0) {
		ptrdiff_t i;
		struct tree_node *n;
		if (!tree_is_dir(cur))
			return NULL;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (cur->parent)
				cur = cur->parent;
			continue;
		}
		i = find_child(cur, comp);
		if (i < 0)
			return NULL;
		n = cur->children[i];
		if (tree_is_lnk(n) && n->symlink) {
			if (++*links > 40)
				return NULL;
			n = resolve_in(t, cur, n->symlink, links);
			if (!n)
				return NULL;
		}
		cur = n;
	}
	return r < 0 ? NULL : cur;
}

struct tree_node *tree_resolve(const struct tree *t, const char *path)
{
	int links = 0;
	return resolve_in(t, t->root, path, &links);
}

int tree_mkdir_p(struct tree *t, const char *path, struct tree_node **out)
{
	struct tree_node *n = t->root;
	const char *p = path;
	int64_t now = time_build();
	char comp[TREE_COMP_MAX];
	int r;
	while ((r = next_comp(&p, comp)) > 0) {
		ptrdiff_t i;
		if (strcmp(comp, ".") == 0)
			continue;
		i = find_child(n, comp);
		if (i >= 0) {
			n = n->children[i];
			if (!tree_is_dir(n))
				return err_set(ENOTDIR, "%s: %s is not a directory", path, comp);
		} else {
			struct tree_node *d;
			int rc = tree_add_child(t, n, comp, S_IFDIR | 0755, &d);
			if (rc)
				return rc;
			d->mtime = d->atime = d->ctime = now;
			n = d;
		}
	}
	if (r < 0)
		return err_set(ENAMETOOLONG, "%s: name too long", path);
	*out = n;
	return 0;
}

static int split_parent(struct tree *t, const char *path, struct tree_node **dir, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *d;
	int rc;
	if (slash && slash[1] == 0)
		return err_set(EINVAL, "%s: a file path cannot end in '/'", path);
	d = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
	rc = tree_mkdir_p(t, d, dir);
	free(d);
	*base = slash ? slash + 1 : path;
	return rc;
}

int tree_add_mem_file(struct tree *t, const char *path, const void *data, size_t len, mode_t perm,
		      struct tree_node **out)
{
	struct tree_node *dir, *n;
	const char *base = path;
	int rc = split_parent(t, path, &dir, &base);
	if (rc)
		return rc;
	rc = tree_add_child(t, dir, base, S_IFREG | (perm & 07777), &n);
	if (rc)
		return rc;
	n->mtime = n->atime = n->ctime = time_build();
	n->size = len;
	if (len) {
		n->src = TREE_SRC_MEM;
		n->src_data = xmalloc(len);
		memcpy(n->src_data, data, len);
	}
	if (out)
		*out = n;
	return 0;
}

void tree_node_share_data(struct tree_node *dst, const struct tree_node *src)
{
	free(dst->src_path);
	free(dst->src_data);
	tree_img_unref(dst->src_img);
	dst->src_path = src->src_path ? xstrdup(src->src_path) : NULL;
	dst->src_data = NULL;
	dst->src_img = tree_img_ref(src->src_img);
	if (src->src == TREE_SRC_MEM && src->size) {
		dst->src_data = xmalloc((size_t)src->size);
		memcpy(dst->src_data, src->src_data, (size_t)src->size);
	}
	dst->src = src->src;
	dst->src_off = src->src_off;
	dst->src_aux = src->src_aux;
	dst->size = src->size;
	dst->stored_size = src->stored_size;
}

void tree_remove(struct tree *t, struct tree_node *n)
{
	struct tree_node *p = n->parent;
	size_t count = 0;
	if (!p)
		return;
	for (size_t i = 0; i < p->nchildren; i++)
		if (p->children[i] == n) {
			memmove(p->children + i, p->children + i + 1,
				(p->nchildren - i - 1) * sizeof *p->children);
			p->nchildren--;
			break;
		}
	tree_walk(n, count_nodes, NULL, &count);
	t->nnodes -= count;
	t->finalized = false;
	node_free(n);
}

void tree_node_copy_stat(struct tree_node *d, const struct tree_node *s)
{
	d->mode = s->mode;
	d->uid = s->uid;
	d->gid = s->gid;
	d->mtime = s->mtime;
	d->mtime_ns = s->mtime_ns;
	d->atime = s->atime;
	d->ctime = s->ctime;
	d->rdev = s->rdev;
	d->src_dev = s->src_dev;
	d->src_ino = s->src_ino;
}

static void copy_attrs(struct tree_node *d, const struct tree_node *s)
{
	tree_node_copy_stat(d, s);
	if (s->symlink) {
		free(d->symlink);
		d->symlink = xstrdup(s->symlink);
		d->size = s->size;
	}
	for (size_t i = 0; i < s->nxattrs; i++)
		tree_set_xattr(d, s->xattrs[i].name, s->xattrs[i].value, s->xattrs[i].len);
	if (tree_is_reg(s))
		tree_node_share_data(d, s);
}

static int merge_into(struct tree *t, struct tree_node *dst, const struct tree_node *src,
		      void (*adjust)(struct tree_node *n, void *ctx), void *ctx, unsigned depth)
{
	if (depth > 4096)
		return err_set(ERR_LIMIT, "directories nested too deeply to merge");
	for (size_t i = 0; i < src->nchildren; i++) {
		const struct tree_node *s = src->children[i];
		struct tree_node *d;
		int rc = tree_add_child(t, dst, s->name, s->mode, &d);
		if (rc == -EEXIST) {
			/* a file replaces a directory or the other way round */
			ptrdiff_t k = find_child(dst, s->name);
			err_clear();
			tree_remove(t, dst->children[k]);
			rc = tree_add_child(t, dst, s->name, s->mode, &d);
		}
		if (rc)
			return rc;
		copy_attrs(d, s);
		if (adjust)
			adjust(d, ctx);
		if (tree_is_dir(s) && (rc = merge_into(t, d, s, adjust, ctx, depth + 1)))
			return rc;
	}
	return 0;
}

int tree_merge(struct tree *dst, const struct tree *src, void (*adjust)(struct tree_node *n, void *ctx),
	       void *ctx)
{
	return merge_into(dst, dst->root, src->root, adjust, ctx, 0);
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_xattr *)a)->name, ((const struct tree_xattr *)b)->name);
}

static int xattr_slot_cmp(const void *a, const void *b)
{
	const struct tree_xattr_slot *x = a, *y = b;
	int c = strcmp(x->x.name, y->x.name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

void tree_node_clear_xattrs(struct tree_node *node)
{
	for (size_t i = 0; i < node->nxattrs; i++) {
		free(node->xattrs[i].name);
		free(node->xattrs[i].value);
	}
	free(node->xattrs);
	node->xattrs = NULL;
	node->nxattrs = 0;
}

void tree_node_take_xattrs(struct tree_node *node, struct tree_xattr_slot *v, size_t n)
{
	size_t k = 0;
	tree_node_clear_xattrs(node);
	if (!n)
		return;
	qsort(v, n, sizeof *v, xattr_slot_cmp);
	node->xattrs = xcalloc(n, sizeof *node->xattrs);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(v[i].x.name, v[i + 1].x.name) == 0) {
			free(v[i].x.name);
			free(v[i].x.value);
			continue;
		}
		node->xattrs[k++] = v[i].x;
	}
	node->nxattrs = k;
}

void tree_set_xattr(struct tree_node *n, const char *name, const void *value, size_t len)
{
	struct tree_xattr *x = NULL;
	for (size_t i = 0; i < n->nxattrs; i++)
		if (strcmp(n->xattrs[i].name, name) == 0)
			x = &n->xattrs[i];
	if (!x) {
		n->xattrs = xreallocarray(n->xattrs, n->nxattrs + 1, sizeof *n->xattrs);
		x = &n->xattrs[n->nxattrs++];
		x->name = xstrdup(name);
	} else
		free(x->value);
	x->value = xmalloc(len);
	memcpy(x->value, value, len);
	x->len = len;
	qsort(n->xattrs, n->nxattrs, sizeof *n->xattrs, xattr_cmp);
}

int tree_walk(struct tree_node *n, tree_visit_fn pre, tree_visit_fn post, void *ctx)
{
	int rc;
	if (pre && (rc = pre(n, ctx)) != 0)
		return rc;
	for (size_t i = 0; i < n->nchildren; i++)
		if ((rc = tree_walk(n->children[i], pre, post, ctx)) != 0)
			return rc;
	if (post && (rc = post(n, ctx)) != 0)
		return rc;
	return 0;
}

char *tree_node_path(const struct tree_node *n)
{
	size_t len = 0, pos;
	char *s;
	for (const struct tree_node *p = n; p->parent; p = p->parent)
		len += strlen(p->name) + 1;
	if (!len)
		return xstrdup("/");
	s = xmalloc(len + 1);
	pos = len;
	s[pos] = 0;
	for (const struct tree_node *p = n; p->parent; p = p->parent) {
		size_t l = strlen(p->name);
		pos -= l;
		memcpy(s + pos, p->name, l);
		s[--pos] = '/';
	}
	return s;
}

unsigned tree_node_depth(const struct tree_node *n)
{
	unsigned d = 0;
	for (; n->parent; n = n->parent)
		d++;
	return d;
}

/* ---- finalize: hard-link groups, link counts, time clamping ---------------- */

struct link_map {
	struct tree_node **slots;
	size_t cap;
	uint32_t next_id;
};

static size_t link_hash(uint64_t dev, uint64_t ino, size_t cap)
{
	uint64_t h = dev * 0x9E3779B97F4A7C15ull ^ ino * 0xC2B2AE3D27D4EB4Full;
	h ^= h >> 29;
	return (size_t)(h & (cap - 1));
}

struct finalize_ctx {
	struct link_map map;
	int64_t epoch;
	int has_epoch;
};

static int finalize_pre(struct tree_node *n, void *vctx)
{
	struct finalize_ctx *c = vctx;
	if (c->has_epoch) {
		if (n->mtime > c->epoch) {
			n->mtime = c->epoch;
			n->mtime_ns = 0;
		}
		if (n->atime > c->epoch)
			n->atime = c->epoch;
		if (n->ctime > c->epoch)
			n->ctime = c->epoch;
	}
	n->link_first = n;
	n->link_id = 0;
	if (tree_is_dir(n)) {
		uint32_t sub = 0;
		for (size_t i = 0; i < n->nchildren; i++)
			sub += tree_is_dir(n->children[i]);
		n->nlink = 2 + sub;
		return 0;
	}
	n->nlink = 1;
	if (n->src_ino) {
		size_t i = link_hash(n->src_dev, n->src_ino, c->map.cap);
		while (c->map.slots[i]) {
			struct tree_node *f = c->map.slots[i];
			if (f->src_dev == n->src_dev && f->src_ino == n->src_ino) {
				if (!f->link_id)
					f->link_id = ++c->map.next_id;
				n->link_id = f->link_id;
				n->link_first = f;
				f->nlink++;
				return 0;
			}
			i = (i + 1) & (c->map.cap - 1);
		}
		c->map.slots[i] = n;
	}
	return 0;
}

static int finalize_nlink(struct tree_node *n, void *vctx)
{
	if (n->link_first != n)
		n->nlink = n->link_first->nlink;
	return 0;
}

int tree_finalize(struct tree *t)
{
	struct finalize_ctx c;
	size_t count = 0;
	int rc;
	memset(&c, 0, sizeof c);
	rc = time_source_date_epoch(&c.epoch);
	if (rc < 0)
		return rc;
	c.has_epoch = rc == 1;
	tree_walk(t->root, count_nodes, NULL, &count);
	t->nnodes = count;
	c.map.cap = 16;
	while (c.map.cap < count * 2)
		c.map.cap *= 2;
	c.map.slots = xcalloc(c.map.cap, sizeof *c.map.slots);
	tree_walk(t->root, finalize_pre, NULL, &c);
	tree_walk(t->root, finalize_nlink, NULL, &c);
	t->nlinkgroups = c.map.next_id;
	free(c.map.slots);
	t->finalized = true;
	return 0;
}

/* ---- data access ------------------------------------------------------------ */

int tree_node_open(const struct tree_node *n)
{
	struct stat st;
	int fd;
	if (n->src == TREE_SRC_RANGE) {
		fd = fcntl(n->src_img->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return err_sys(errno == EPERM ? EACCES : errno, "%s", n->src_img->name);
		return fd;
	}
	if (n->src != TREE_SRC_PATH)
		return -1;
	fd = open(n->src_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) /* -1 means "no host file": EPERM must not look like it */
		return err_sys(errno == EPERM ? EACCES : errno, "%s", n->src_path);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return err_sys(e == EPERM ? EACCES : e, "%s", n->src_path);
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != n->size) {
		close(fd);
		return err_set(ERR_CHANGED,
			       "%s: file changed while the image was built (was %llu bytes, now %llu)",
			       n->src_path, (unsigned long long)n->size, (unsigned long long)st.st_size);
	}
	return fd;
}

char *tree_node_src_name(const struct tree_node *n)
{
	char *p, *s;
	if (n->src == TREE_SRC_PATH && n->src_path)
		return xstrdup(n->src_path);
	p = tree_node_path(n);
	if (!n->src_img)
		return p;
	s = xasprintf("%s:%s", n->src_img->name, p);
	free(p);
	return s;
}

int tree_node_pread(const struct tree_node *n, int fd, void *buf, size_t len, uint64_t off)
{
	size_t got;
	int rc;
	if (off + len > n->size || off + len < off) {
		char *p = tree_node_path(n);
		rc = err_set(EINVAL, "%s: internal error: read past end", p);
		free(p);
		return rc;
	}
	switch (n->src) {
	case TREE_SRC_MEM:
		memcpy(buf, n->src_data + off, len);
		return 0;
	case TREE_SRC_NONE:
		memset(buf, 0, len);
		return 0;
	case TREE_SRC_IMAGE:
		return n->src_img->ops->pread(n->src_img, n, buf, len, off);
	case TREE_SRC_RANGE:
		if (fd < 0)
			fd = n->src_img->fd;
		off += n->src_off;
		break;
	case TREE_SRC_PATH:
		break;
	}
	rc = util_pread_full(fd, buf, len, (off_t)off, &got);
	if (rc < 0 || got < len) {
		char *name = tree_node_src_name(n);
		if (rc < 0)
			rc = err_sys(-rc, "%s: read failed", name);
		else
			rc = err_set(n->src == TREE_SRC_PATH ? ERR_CHANGED : ERR_FORMAT,
				     n->src == TREE_SRC_PATH ? "%s: file shrank while being read"
							     : "%s: data ends before its recorded size",
				     name);
		free(name);
		return rc;
	}
	return 0;
}

int tree_node_copy_out(const struct tree_node *n, int fd, struct out_file *out, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, base = tree_node_fd_offset(n);
	char *name;
	int rc = 0;
	if (end > n->size || end < off)
		return tree_node_pread(n, fd, NULL, (size_t)len, off); /* reports it */
	if (n->src == TREE_SRC_MEM)
		return out_write(out, n->src_data + off, (size_t)len);
	if (n->src == TREE_SRC_NONE)
		return out_zero(out, len);
	if (fd < 0 && n->src == TREE_SRC_RANGE)
		fd = n->src_img->fd;
	if (fd < 0) {
		size_t chunk = (size_t)MIN(len, 1u << 20);
		uint8_t *buf = chunk ? xmalloc(chunk) : NULL;
		while (off < end && !rc) {
			size_t k = (size_t)MIN(end - off, chunk);
			if ((rc = tree_node_pread(n, -1, buf, k, off)) == 0)
				rc = out_write(out, buf, k);
			off += k;
		}
		free(buf);
		return rc;
	}
	name = tree_node_src_name(n);
	while (off < end && !rc) {
		bool sparse = n->size >= (1u << 20);
		off_t data = sparse ? lseek(fd, (off_t)(base + off), SEEK_DATA) : (off_t)(base + off);
		off_t hole;
		uint64_t d, h;
		if (data < 0)
			data = errno == ENXIO ? (off_t)(base + end) : (off_t)(base + off);
		d = (uint64_t)data < base + off ? off : MIN((uint64_t)data - base, end);
		if (d > off) {
			rc = out_zero(out, d - off);
			off = d;
			continue;
		}
		hole = sparse ? lseek(fd, (off_t)(base + off), SEEK_HOLE) : (off_t)(base + end);
		h = hole < 0 || (uint64_t)hole <= base + off ? end : MIN((uint64_t)hole - base, end);
		rc = out_copy_fd(out, fd, base + off, h - off, name);
		off = h;
	}
	free(name);
	return rc;
}

/* ---- images as data sources ------------------------------------------------ */

struct tree_img *tree_img_create(int fd, const char *name, const struct tree_img_ops *ops, void *priv)
{
	static uint64_t next_dev; /* synthetic devices: top bit set, unlike any st_dev */
	struct tree_img *img = xcalloc(1, sizeof *img);
	img->ops = ops;
	img->fd = fd;
	img->name = xstrdup(name ? name : "(image)");
	img->priv = priv;
	img->refs = 1;
	img->dev = (1ull << 63) | __atomic_add_fetch(&next_dev, 1, __ATOMIC_RELAXED);
	return img;
}

struct tree_img *tree_img_ref(struct tree_img *img)
{
	if (img)
		img->refs++;
	return img;
}

void tree_img_unref(struct tree_img *img)
{
	if (!img || --img->refs)
		return;
	if (img->ops && img->ops->destroy)
		img->ops->destroy(img);
	if (img->fd >= 0)
		close(img->fd);
	free(img->name);
	free(img);
}

void tree_node_set_img(struct tree_node *n, struct tree_img *img, uint64_t off, uint64_t aux)
{
	struct tree_img *old = n->src_img;
	n->src_img = tree_img_ref(img);
	tree_img_unref(old);
	n->src = img->ops ? TREE_SRC_IMAGE : TREE_SRC_RANGE;
	n->src_off = off;
	n->src_aux = aux;
}
