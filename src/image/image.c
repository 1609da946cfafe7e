/* Opening images: probing the registered formats, reading through layers,
 * and resolving nested IMAGE:PATH:PATH specs into the tree of the
 * innermost image. */
#include "image/image.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int decode_threads;

void image_set_decode_threads(int n)
{
	decode_threads = n;
}

int image_decode_threads(void)
{
	return decode_threads;
}

int image_probe(const struct imgsrc *src, const struct image_format **fmt)
{
	size_t len = (size_t)MIN(src->size, (uint64_t)IMGSRC_PROBE_BYTES);
	uint8_t *head = xmalloc(len ? len : 1);
	int rc;
	*fmt = NULL;
	if ((rc = imgsrc_pread(src, head, len, 0)) < 0)
		goto out;
	for (const struct image_format *f = image_formats; f->name; f++)
		if (f->probe(head, len, src->size)) {
			*fmt = f;
			goto out;
		}
	/* headers at the end (cloop V4.0) */
	len = (size_t)MIN(src->size, (uint64_t)IMGSRC_TAIL_BYTES);
	if ((rc = imgsrc_pread(src, head, len, src->size - len)) < 0)
		goto out;
	for (const struct image_format *f = image_formats; f->name; f++)
		if (f->probe_tail && f->probe_tail(head, len, src->size)) {
			*fmt = f;
			goto out;
		}
out:
	free(head);
	return rc;
}

void image_info_free(struct image_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->path);
	memset(info, 0, sizeof *info);
}

static int not_an_image(const struct imgsrc *src)
{
	return err_set(ERR_FORMAT,
		       "%s: not an image mklive reads (ISO 9660, squashfs, cloop, FAT, tar, cpio)",
		       src->name);
}

int image_read_src(const struct imgsrc *src, struct tree **out, struct image_info *info)
{
	struct imgsrc layers[IMAGE_MAX_NEST];
	const struct imgsrc *s = src;
	const struct image_format *fmt;
	struct tree *t = NULL;
	size_t nl = 0;
	int rc;

	*out = NULL;
	if (info) {
		info->format = NULL;
		info->nlayers = 0;
		info->stored_size = src->size;
	}
	for (;;) {
		struct tree_node *dev;
		if ((rc = image_probe(s, &fmt)) < 0)
			goto out;
		if (!fmt) {
			rc = nl ? err_set(ERR_FORMAT, "%s: the %s image holds no file system mklive reads",
					  s->name,
					  info && info->nlayers ? info->layers[info->nlayers - 1] : "layered")
				: not_an_image(s);
			goto out;
		}
		if (!fmt->layer)
			break;
		if (nl == IMAGE_MAX_NEST) {
			rc = err_set(ERR_LIMIT, "%s: more than %d layers", src->name, IMAGE_MAX_NEST);
			goto out;
		}
		if ((rc = fmt->layer(s, &dev)) < 0)
			goto out;
		rc = imgsrc_open_node(&layers[nl], dev, s->name);
		tree_node_free_detached(dev);
		if (rc < 0)
			goto out;
		s = &layers[nl++];
		if (info && info->nlayers < IMAGE_MAX_NEST)
			info->layers[info->nlayers++] = fmt->name;
	}
	t = tree_create();
	if ((rc = fmt->read(s, t)) < 0)
		goto out;
	if ((rc = tree_finalize(t)) < 0)
		goto out;
	if (info) {
		info->format = fmt->name;
		info->size = s->size;
	}
	*out = t;
	t = NULL;
out:
	tree_destroy(t);
	while (nl)
		imgsrc_close(&layers[--nl]);
	return rc;
}

/* The host part of a spec: all of it when it exists, else the longest
 * prefix ending before a ':' that exists and is not a directory. */
static int split_host(const char *spec, char **host, const char **rest)
{
	struct stat st;
	const char *best = NULL;
	if (stat(spec, &st) == 0) {
		*host = xstrdup(spec);
		*rest = NULL;
		return 0;
	}
	for (const char *c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
		char *p = xstrndup(spec, (size_t)(c - spec));
		if (*p && stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			best = c;
		free(p);
	}
	if (!best) {
		const char *c = strchr(spec, ':');
		char *p = c ? xstrndup(spec, (size_t)(c - spec)) : xstrdup(spec);
		int rc = err_sys(ENOENT, "%s", p);
		free(p);
		return rc;
	}
	*host = xstrndup(spec, (size_t)(best - spec));
	*rest = best + 1;
	return 0;
}

/* Read the regular file n of the image named name as an image. */
static int descend(struct tree **t, const struct tree_node *n, const char *name, struct image_info *info)
{
	struct imgsrc s;
	struct tree *t2;
	int rc = imgsrc_open_node(&s, n, name);
	if (rc < 0)
		return rc;
	rc = image_read_src(&s, &t2, info);
	imgsrc_close(&s);
	if (rc < 0)
		return rc;
	tree_destroy(*t);
	*t = t2;
	free(info->name);
	info->name = xstrdup(name);
	return 0;
}

static bool is_image(const struct tree_node *n, const char *name)
{
	const struct image_format *fmt = NULL;
	struct imgsrc s;
	if (!tree_is_reg(n) || imgsrc_open_node(&s, n, name) < 0) {
		err_clear();
		return false;
	}
	if (image_probe(&s, &fmt) < 0)
		err_clear();
	imgsrc_close(&s);
	return fmt != NULL;
}

int image_open(const char *spec, unsigned flags, struct tree **tp, struct tree_node **node,
	       struct image_info *infop)
{
	struct image_info own, *info = infop ? infop : &own;
	struct imgsrc hs;
	struct tree *t = NULL;
	struct tree_node *n = NULL;
	char *host = NULL;
	const char *rest = NULL;
	unsigned nest = 0;
	int rc;

	memset(info, 0, sizeof *info);
	*tp = NULL;
	*node = NULL;
	if ((rc = split_host(spec, &host, &rest)) < 0)
		return rc;
	rc = imgsrc_open_path(&hs, host);
	if (rc < 0)
		goto out;
	rc = image_read_src(&hs, &t, info);
	imgsrc_close(&hs);
	if (rc < 0)
		goto out;
	info->name = host;
	host = NULL;
	while (rest && *rest) {
		bool found = false;
		for (const char *c = strchr(rest, ':'); c; c = strchr(c + 1, ':')) {
			char *p = xstrndup(rest, (size_t)(c - rest));
			const struct tree_node *f = tree_lookup(t, p);
			if (f && tree_is_reg(f)) {
				char *name = xasprintf("%s:%s", info->name, p);
				if (++nest > IMAGE_MAX_NEST)
					rc = err_set(ERR_LIMIT, "%s: more than %d nested images", spec,
						     IMAGE_MAX_NEST);
				else
					rc = descend(&t, f, name, info);
				free(name);
				free(p);
				if (rc < 0)
					goto out;
				rest = c + 1;
				found = true;
				break;
			}
			free(p);
		}
		if (!found)
			break;
	}
	n = rest && *rest ? tree_lookup(t, rest) : t->root;
	if (!n) {
		rc = err_set(ENOENT, "%s: no file %s in %s", spec, rest, info->name);
		goto out;
	}
	if ((flags & IMAGE_DESCEND) && n != t->root && tree_is_reg(n)) {
		char *name = xasprintf("%s:%s", info->name, rest);
		if (is_image(n, name)) {
			rc = descend(&t, n, name, info);
			free(name);
			if (rc < 0)
				goto out;
			n = t->root;
			rest = NULL;
		} else {
			free(name);
		}
	}
	info->path = xstrdup(rest && *rest ? rest : "/");
	*tp = t;
	*node = n;
	t = NULL;
	rc = 0;
out:
	free(host);
	tree_destroy(t);
	if (rc < 0 || info == &own)
		image_info_free(info);
	return rc;
}

/* The directory from's children and attributes become the (empty) root
 * of to; from is left empty. */
static void move_root(struct tree_node *from, struct tree *to)
{
	struct tree_node *r = to->root;
	r->mode = from->mode;
	r->uid = from->uid;
	r->gid = from->gid;
	r->mtime = from->mtime;
	r->mtime_ns = from->mtime_ns;
	r->atime = from->atime;
	r->ctime = from->ctime;
	for (size_t i = 0; i < from->nxattrs; i++)
		tree_set_xattr(r, from->xattrs[i].name, from->xattrs[i].value, from->xattrs[i].len);
	r->children = from->children;
	r->nchildren = from->nchildren;
	r->children_cap = from->children_cap;
	for (size_t i = 0; i < from->nchildren; i++)
		from->children[i]->parent = r;
	from->children = NULL;
	from->nchildren = from->children_cap = 0;
	to->finalized = false;
}

int image_open_tree(const char *spec, struct tree **out, struct image_info *info)
{
	struct tree *t, *nt;
	struct tree_node *n;
	int rc = image_open(spec, IMAGE_DESCEND, &t, &n, info);
	*out = NULL;
	if (rc < 0)
		return rc;
	if (n == t->root) {
		*out = t;
		return 0;
	}
	if (!tree_is_dir(n)) {
		char *p = tree_node_path(n);
		rc = err_set(ENOTDIR, "%s: %s is neither a directory nor an image mklive reads", spec, p);
		free(p);
		tree_destroy(t);
		if (info)
			image_info_free(info);
		return rc;
	}
	nt = tree_create();
	move_root(n, nt);
	tree_destroy(t);
	if ((rc = tree_finalize(nt)) < 0) {
		tree_destroy(nt);
		return rc;
	}
	*out = nt;
	return 0;
}

int image_read_into(const char *spec, struct tree *t, struct image_info *info)
{
	struct tree *it;
	int rc;
	if (t->root->nchildren)
		return err_set(EINVAL, "%s: internal error: the tree to read into is not empty", spec);
	if ((rc = image_open_tree(spec, &it, info)) < 0)
		return rc;
	move_root(it->root, t);
	tree_destroy(it);
	return tree_finalize(t);
}
