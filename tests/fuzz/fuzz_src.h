/* Fuzz targets' image source: the input bytes as the data of a node held
 * in memory, so every reader runs on them as on the data of an image. */
#ifndef MKLIVE_FUZZ_SRC_H
#define MKLIVE_FUZZ_SRC_H

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/tree.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The input bytes, read through an image reader's callback (no copy per
 * opened source, as the readers open their own sources of the same node). */
static const uint8_t *fuzz_data;
static int fuzz_pread(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off)
{
	(void)img;
	if (len)
		memcpy(buf, fuzz_data + n->src_off + off, len);
	return 0;
}
static const struct tree_img_ops fuzz_ops = {.pread = fuzz_pread, .destroy = NULL};

static inline int fuzz_src_open(struct imgsrc *s, const uint8_t *data, size_t size)
{
	struct tree_node n;
	struct tree_img *img = tree_img_create(-1, "fuzz", &fuzz_ops, NULL);
	int rc;
	memset(&n, 0, sizeof n);
	n.name = (char *)"";
	n.mode = S_IFREG | 0444;
	n.size = size;
	fuzz_data = data;
	tree_node_set_img(&n, img, 0, 0);
	tree_img_unref(img);
	rc = imgsrc_open_node(s, &n, "fuzz");
	tree_img_unref(n.src_img);
	return rc;
}

/* Read a bounded part of the files of t (the first 4 KiB and the last
 * byte of at most 32 files), as cat/extract would: every data path
 * (ranges, extent lists, decoded blocks) runs without copying megabytes
 * per input. */
struct fuzz_walk {
	unsigned files;
	uint8_t buf[4096];
};
static inline int fuzz_read_pre(struct tree_node *n, void *vctx)
{
	struct fuzz_walk *w = vctx;
	if (!tree_is_reg(n) || !n->size)
		return 0;
	if (++w->files > 32)
		return 1;
	size_t k = n->size < sizeof w->buf ? (size_t)n->size : sizeof w->buf;
	if (tree_node_pread(n, -1, w->buf, k, 0) < 0)
		err_clear();
	if (n->size > k && tree_node_pread(n, -1, w->buf, 1, n->size - 1) < 0)
		err_clear();
	return 0;
}
static inline void fuzz_read_tree(struct tree *t)
{
	static struct fuzz_walk w;
	w.files = 0;
	tree_walk(t->root, fuzz_read_pre, NULL, &w);
}

#endif
