/* libFuzzer target for the squashfs reader (src/squashfs/reader*.c):
 * arbitrary bytes as an image, probed, described (info), read into a tree
 * (with decompression threads for some inputs) and a bounded amount of
 * every file's data read back. */
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct budget {
	uint8_t *buf;
	uint64_t left;
};

static int read_node(struct tree_node *n, void *ctx)
{
	struct budget *b = ctx;
	uint64_t off = 0;
	if (!tree_is_reg(n) || n->src == TREE_SRC_NONE)
		return 0;
	/* a sparse file may claim terabytes: read its start and its end */
	while (off < n->size && b->left) {
		size_t k = (size_t)MIN(MIN(n->size - off, (uint64_t)65536), b->left);
		if (tree_node_pread(n, -1, b->buf, k, off) < 0)
			return 0; /* the next file may still read */
		b->left -= k;
		off = off + k < 65536 || n->size < 131072 ? off + k : MAX(off + k, n->size - 65536);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct imgsrc s;
	char path[64];
	int fd;
	if (!once) {
		once = 1;
		log_set_level(0);
	}
	fd = memfd_create("squashfs-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (imgsrc_open_path(&s, path) == 0) {
			struct tree *t = tree_create();
			struct sqfs_read_opts o;
			struct imgsrc_info info = {0};
			struct budget b = {malloc(65536), 4u << 20};
			if (sqfs_probe(data, size, size) && size > 96 && (data[96] & 3) == 0)
				(void)sqfs_info(&s, &info);
			imgsrc_info_free(&info);
			sqfs_read_opts_init(&o);
			o.threads = size && (data[size - 1] & 1) ? 1 : -1;
			if (sqfs_read_src(&s, t, &o) == 0 && tree_finalize(t) == 0)
				tree_walk(t->root, read_node, NULL, &b);
			tree_destroy(t);
			free(b.buf);
			imgsrc_close(&s);
		}
	}
	err_clear();
	close(fd);
	return 0;
}
