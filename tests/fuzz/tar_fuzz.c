/* libFuzzer target for the tar/cpio reader (src/archive/tar_*.c, through
 * libarchive): arbitrary bytes as an archive file, read into a tree (in
 * place, spooled or through a nested image source), finalized, and a
 * bounded amount of every file's data read back. */
#include "archive/archive.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"

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
	/* a sparse entry may claim terabytes: read its start and its end */
	while (off < n->size && b->left) {
		size_t k = (size_t)MIN(MIN(n->size - off, (uint64_t)65536), b->left);
		if (tree_node_pread(n, -1, b->buf, k, off) < 0)
			return 1;
		b->left -= k;
		off = off + k < 65536 || n->size < 131072 ? off + k : MAX(off + k, n->size - 65536);
	}
	return 0;
}

static void run(struct imgsrc *s)
{
	struct tree *t = tree_create();
	struct budget b = {malloc(65536), 8u << 20};
	uint8_t head[IMGSRC_PROBE_BYTES];
	size_t hl = (size_t)MIN(s->size, (uint64_t)sizeof head);
	if (imgsrc_pread(s, head, hl, 0) == 0) /* cpio_probe runs the same code */
		(void)tar_probe(head, hl, s->size);
	if (tar_read(s, t) == 0 && tree_finalize(t) == 0)
		tree_walk(t->root, read_node, NULL, &b);
	tree_destroy(t);
	free(b.buf);
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
		if (!getenv("TMPDIR"))
			setenv("TMPDIR", "/dev/shm", 0);
	}
	fd = memfd_create("tar-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (imgsrc_open_path(&s, path) == 0) {
			if (size && (data[size - 1] & 1)) {
				/* the same bytes as a file of another image (no host fd) */
				struct tree *outer = tree_create();
				struct tree_node *n;
				struct imgsrc in;
				if (tree_add_mem_file(outer, "inner.tar", data, size, 0644, &n) == 0 &&
				    imgsrc_open_node(&in, n, "outer:/inner.tar") == 0) {
					tree_destroy(outer);
					outer = NULL;
					run(&in);
					imgsrc_close(&in);
				}
				tree_destroy(outer);
			} else
				run(&s);
			imgsrc_close(&s);
		}
	}
	err_clear();
	close(fd);
	return 0;
}
