/* Image sources: host files and nodes of other images as the bytes a
 * reader parses; see imgsrc.h. */
#include "core/imgsrc.h"
#include "core/error.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

struct tree_node *tree_node_detach(const struct tree_node *n)
{
	struct tree_node *d = xcalloc(1, sizeof *d);
	d->name = xstrdup("");
	d->mode = n->mode;
	d->size = n->size;
	d->src = n->src;
	d->src_off = n->src_off;
	d->src_aux = n->src_aux;
	d->src_img = tree_img_ref(n->src_img);
	d->src_dev = n->src_dev;
	d->src_ino = n->src_ino;
	if (n->src_path)
		d->src_path = xstrdup(n->src_path);
	if (n->src == TREE_SRC_MEM && n->size) {
		d->src_data = xmalloc((size_t)n->size);
		memcpy(d->src_data, n->src_data, (size_t)n->size);
	}
	return d;
}

void tree_node_free_detached(struct tree_node *n)
{
	if (!n)
		return;
	tree_img_unref(n->src_img);
	free(n->src_path);
	free(n->src_data);
	free(n->symlink);
	free(n->name);
	free(n);
}

int imgsrc_open_path(struct imgsrc *s, const char *path)
{
	struct stat st;
	uint64_t size;
	int fd;
	memset(s, 0, sizeof *s);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return err_sys(e, "%s", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(EISDIR, "%s: is a directory, not an image", path);
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			int e = errno;
			close(fd);
			return err_sys(e, "%s: cannot read the device size", path);
		}
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		close(fd);
		return err_set(EINVAL, "%s: not a regular file or block device", path);
	}
	s->name = xstrdup(path);
	s->size = size;
	s->node = xcalloc(1, sizeof *s->node);
	s->node->name = xstrdup("");
	s->node->mode = S_IFREG | 0444;
	s->node->size = size;
	s->node->src_img = tree_img_create(fd, path, NULL, NULL);
	s->node->src = TREE_SRC_RANGE;
	return 0;
}

int imgsrc_open_node(struct imgsrc *s, const struct tree_node *n, const char *name)
{
	memset(s, 0, sizeof *s);
	if (!tree_is_reg(n)) {
		char *p = tree_node_src_name(n);
		int rc = err_set(EINVAL, "%s: not a regular file, so not an image", name ? name : p);
		free(p);
		return rc;
	}
	s->name = name ? xstrdup(name) : tree_node_src_name(n);
	s->size = n->size;
	s->node = tree_node_detach(n);
	return 0;
}

int imgsrc_pread(const struct imgsrc *s, void *buf, size_t len, uint64_t off)
{
	int rc;
	if (off > s->size || len > s->size - off)
		return err_set(ERR_FORMAT,
			       "%s: offset %llu, %zu bytes: past the end of the image (%llu bytes)", s->name,
			       (unsigned long long)off, len, (unsigned long long)s->size);
	rc = tree_node_pread(s->node, -1, buf, len, off);
	if (rc < 0)
		return err_wrap(rc, "%s: offset %llu", s->name, (unsigned long long)off);
	return 0;
}

struct tree_img *imgsrc_host_img(const struct imgsrc *s, uint64_t *base)
{
	if (!s->node || s->node->src != TREE_SRC_RANGE)
		return NULL;
	*base = s->node->src_off;
	return s->node->src_img;
}

void imgsrc_close(struct imgsrc *s)
{
	tree_node_free_detached(s->node);
	free(s->name);
	memset(s, 0, sizeof *s);
}

void imgsrc_info_add(struct imgsrc_info *info, const char *fmt, ...)
{
	va_list ap;
	char *line;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	util_grow(&info->lines, &info->cap, info->n + 1, sizeof *info->lines);
	info->lines[info->n++] = line;
}

void imgsrc_info_free(struct imgsrc_info *info)
{
	for (size_t i = 0; i < info->n; i++)
		free(info->lines[i]);
	free(info->lines);
	memset(info, 0, sizeof *info);
}

/* ---- file data as runs of an image ------------------------------------------ */

static int runs_pread(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off)
{
	struct imgsrc_runs *d = img->priv;
	const struct imgsrc_run_list *l;
	uint8_t *p = buf;
	if (!n->src_aux)
		return imgsrc_pread(&d->src, buf, len, n->src_off + off);
	l = &d->lists[n->src_aux - 1];
	for (size_t i = 0; i < l->n && len; i++) {
		uint64_t k;
		int rc;
		if (off >= l->len[i]) {
			off -= l->len[i];
			continue;
		}
		k = MIN(l->len[i] - off, (uint64_t)len);
		if ((rc = imgsrc_pread(&d->src, p, (size_t)k, l->off[i] + off)) < 0)
			return rc;
		p += k;
		len -= (size_t)k;
		off = 0;
	}
	return 0;
}

static void runs_destroy(struct tree_img *img)
{
	struct imgsrc_runs *d = img->priv;
	for (size_t i = 0; i < d->nlists; i++) {
		free(d->lists[i].off);
		free(d->lists[i].len);
	}
	free(d->lists);
	imgsrc_close(&d->src);
	free(d);
}

const struct tree_img_ops imgsrc_runs_ops = {.pread = runs_pread, .destroy = runs_destroy};

size_t imgsrc_runs_add(struct imgsrc_runs *d, const uint64_t *off, const uint64_t *len, size_t n)
{
	struct imgsrc_run_list *l;
	util_grow(&d->lists, &d->cap, d->nlists + 1, sizeof *d->lists);
	l = &d->lists[d->nlists++];
	l->n = n;
	l->off = xmalloc(n * sizeof *l->off);
	l->len = xmalloc(n * sizeof *l->len);
	memcpy(l->off, off, n * sizeof *l->off);
	memcpy(l->len, len, n * sizeof *l->len);
	return d->nlists;
}
