/* cloop as an image layer: the decompressed block device of a cloop file
 * is offered as a node whose bytes are decoded on demand (a few blocks
 * cached), so the image inside it (ISO 9660) is read without unpacking. */
#include "cloop/cloop.h"

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_BLOCKS 8

struct layer {
	struct cloop_reader *r;
	uint32_t bs;
	uint8_t *buf[CACHE_BLOCKS];
	uint32_t blk[CACHE_BLOCKS];
	uint64_t used[CACHE_BLOCKS]; /* 0: empty; else last use */
	uint64_t clock;
};

bool cloop_probe(const uint8_t *head, size_t len, uint64_t size)
{
	static const char lead[] = "#!/bin/sh\n# cloop V4.0";
	if (len < CLOOP_HEAD_SIZE || size < CLOOP_HEAD_SIZE)
		return false;
	return cloop_head_version(head) != 0 || memcmp(head, lead, sizeof lead - 1) == 0;
}

bool cloop_probe_tail(const uint8_t *tail, size_t len, uint64_t size)
{
	return len >= CLOOP_HEAD_SIZE && size >= CLOOP_HEAD_SIZE &&
	       cloop_head_version(tail + len - CLOOP_HEAD_SIZE) != 0;
}

void cloop_info_lines(const struct cloop_info *in, struct imgsrc_info *info)
{
	uint64_t raw = (uint64_t)in->num_blocks * in->block_size;
	char by[256] = "";
	size_t n = 0;
	imgsrc_info_add(info, "cloop: V%d.0, header %s", (int)in->version,
			in->header_first ? "first" : "last");
	imgsrc_info_add(info, "block size: %u", in->block_size);
	imgsrc_info_add(info, "blocks: %u", in->num_blocks);
	imgsrc_info_add(info, "uncompressed size: %llu", (unsigned long long)raw);
	imgsrc_info_add(info, "image size: %llu", (unsigned long long)in->file_size);
	imgsrc_info_add(info, "compressed data: %llu", (unsigned long long)in->data_bytes);
	for (int m = 0; m < CLOOP_M_COUNT; m++)
		if (in->blocks_by_method[m] && n < sizeof by)
			n += (size_t)snprintf(by + n, sizeof by - n, " %s %llu",
					      cloop_method_name((enum cloop_method)m),
					      (unsigned long long)in->blocks_by_method[m]);
	imgsrc_info_add(info, "blocks by compressor:%s", n ? by : " (none)");
	if (raw)
		imgsrc_info_add(info, "ratio: %.2f%% (image size / uncompressed size)",
				100.0 * (double)in->file_size / (double)raw);
	else
		imgsrc_info_add(info, "ratio: -");
}

int cloop_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	struct cloop_reader *r;
	int rc = cloop_reader_open_src(&r, src);
	if (rc < 0)
		return rc;
	cloop_info_lines(cloop_reader_info(r), info);
	cloop_reader_close(r);
	return 0;
}

static int layer_pread(struct tree_img *img, const struct tree_node *n, void *out, size_t len, uint64_t off)
{
	struct layer *l = img->priv;
	uint8_t *p = out;
	while (len) {
		uint32_t b = (uint32_t)(off / l->bs), in = (uint32_t)(off % l->bs);
		size_t k = MIN((size_t)(l->bs - in), len);
		int slot = -1, victim = 0, rc;
		for (int i = 0; i < CACHE_BLOCKS; i++) {
			if (l->used[i] && l->blk[i] == b)
				slot = i;
			if (l->used[i] < l->used[victim])
				victim = i;
		}
		if (slot < 0) {
			slot = victim;
			if (!l->buf[slot])
				l->buf[slot] = xmalloc(l->bs);
			l->used[slot] = 0;
			if ((rc = cloop_reader_read_block(l->r, b, l->buf[slot])) < 0)
				return rc;
			l->blk[slot] = b;
		}
		l->used[slot] = ++l->clock;
		memcpy(p, l->buf[slot] + in, k);
		p += k;
		off += k;
		len -= k;
	}
	return 0;
}

static void layer_destroy(struct tree_img *img)
{
	struct layer *l = img->priv;
	cloop_reader_close(l->r);
	for (int i = 0; i < CACHE_BLOCKS; i++)
		free(l->buf[i]);
	free(l);
}

static const struct tree_img_ops layer_ops = {.pread = layer_pread, .destroy = layer_destroy};

int cloop_layer(const struct imgsrc *src, struct tree_node **dev)
{
	struct layer *l = xcalloc(1, sizeof *l);
	struct tree_img *img;
	struct tree_node *n;
	int rc = cloop_reader_open_src(&l->r, src);
	if (rc < 0) {
		free(l);
		return rc;
	}
	l->bs = cloop_reader_info(l->r)->block_size;
	img = tree_img_create(-1, src->name, &layer_ops, l);
	n = xcalloc(1, sizeof *n);
	n->name = xstrdup("");
	n->mode = S_IFREG | 0444;
	n->size = (uint64_t)cloop_reader_info(l->r)->num_blocks * l->bs;
	n->stored_size = src->size;
	tree_node_set_img(n, img, 0, 0);
	tree_img_unref(img);
	*dev = n;
	return 0;
}
