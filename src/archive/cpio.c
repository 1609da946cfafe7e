/* cpio newc writer for initramfs images (see cpio.h). */
#include "archive/cpio.h"

#include "core/error.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct cpio_writer {
	cpio_sink_fn sink;
	void *ctx;
	uint64_t bytes;
	uint32_t next_ino;
	uint8_t *buf; /* file data staging */
};

#define CPIO_CHUNK (1u << 20)

void cpio_encode_header(uint8_t out[CPIO_HEADER_SIZE], const struct cpio_hdr *h)
{
	/* newc header (cpio(5)): c_magic[6] "070701", then c_ino, c_mode,
	 * c_uid, c_gid, c_nlink, c_mtime, c_filesize, c_devmajor, c_devminor,
	 * c_rdevmajor, c_rdevminor, c_namesize, c_check, each 8 hex digits. */
	const uint32_t f[13] = {h->ino,	      h->mode,	   h->uid,	h->gid,	     h->nlink,
				h->mtime,     h->filesize, h->devmajor, h->devminor, h->rdevmajor,
				h->rdevminor, h->namesize, h->check};
	static const char hex[] = "0123456789ABCDEF";
	memcpy(out, "070701", 6);
	for (int i = 0; i < 13; i++)
		for (int d = 0; d < 8; d++)
			out[6 + i * 8 + d] = (uint8_t)hex[(f[i] >> (28 - 4 * d)) & 0xf];
}
_Static_assert(6 + 13 * 8 == CPIO_HEADER_SIZE, "newc header is 110 bytes");

static int emit(struct cpio_writer *w, const void *p, size_t n)
{
	int rc = n ? w->sink(w->ctx, p, n) : 0;
	if (rc == 0)
		w->bytes += n;
	return rc;
}

/* The header plus name and the data are each padded to 4 bytes. */
static int pad4(struct cpio_writer *w)
{
	static const uint8_t z[4];
	return emit(w, z, (size_t)((4 - (w->bytes & 3)) & 3));
}

int cpio_writer_create(struct cpio_writer **out, cpio_sink_fn sink, void *ctx)
{
	struct cpio_writer *w = xcalloc(1, sizeof *w);
	w->sink = sink;
	w->ctx = ctx;
	w->next_ino = 1;
	*out = w;
	return 0;
}

void cpio_writer_destroy(struct cpio_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

uint64_t cpio_writer_bytes(const struct cpio_writer *w)
{
	return w->bytes;
}

static int write_header(struct cpio_writer *w, struct cpio_hdr *h, const char *name)
{
	uint8_t hb[CPIO_HEADER_SIZE];
	size_t nl = strlen(name) + 1;
	int rc;
	h->namesize = (uint32_t)nl;
	cpio_encode_header(hb, h);
	if ((rc = emit(w, hb, sizeof hb)) < 0 || (rc = emit(w, name, nl)) < 0)
		return rc;
	return pad4(w);
}

int cpio_write_entry(struct cpio_writer *w, struct cpio_hdr *h, const char *name, const void *data)
{
	int rc = write_header(w, h, name);
	if (rc < 0)
		return rc;
	if (h->filesize && (rc = emit(w, data, h->filesize)) < 0)
		return rc;
	return pad4(w);
}

struct tree_ctx {
	struct cpio_writer *w;
};

static int visit(struct tree_node *n, void *ctxp)
{
	struct tree_ctx *c = ctxp;
	struct cpio_writer *w = c->w;
	struct cpio_hdr h = {0};
	char *path;
	int rc = 0, fd = -1;
	if (!n->parent)
		return 0; /* the root is the initramfs itself */
	if (n->size > UINT32_MAX)
		return err_set(ERR_LIMIT, "%s: %llu bytes; cpio newc holds at most 4 GiB - 1 per file",
			       n->src_path ? n->src_path : n->name, (unsigned long long)n->size);
	path = tree_node_path(n);
	/* Inode numbers: one per file, shared by a hard-link group. */
	if (n->link_id && n->link_first != n) {
		h.ino = (uint32_t)n->link_first->u64[0];
	} else {
		h.ino = w->next_ino++;
		n->u64[0] = h.ino;
	}
	h.mode = (uint32_t)n->mode;
	h.uid = 0;
	h.gid = 0;
	h.nlink = n->nlink ? n->nlink : 1;
	h.mtime = n->mtime < 0 ? 0 : n->mtime > UINT32_MAX ? UINT32_MAX : (uint32_t)n->mtime;
	if (S_ISCHR(n->mode) || S_ISBLK(n->mode)) {
		h.rdevmajor = major(n->rdev);
		h.rdevminor = minor(n->rdev);
	}
	if (tree_is_lnk(n)) {
		h.filesize = (uint32_t)strlen(n->symlink);
		rc = cpio_write_entry(w, &h, path + 1, n->symlink);
		goto out;
	}
	if (!tree_is_reg(n) || (n->link_id && n->link_first != n)) {
		rc = cpio_write_entry(w, &h, path + 1, NULL);
		goto out;
	}
	h.filesize = (uint32_t)n->size;
	if ((rc = write_header(w, &h, path + 1)) < 0)
		goto out;
	if ((fd = tree_node_open(n)) < -1) {
		rc = fd;
		goto out;
	}
	if (!w->buf)
		w->buf = xmalloc(CPIO_CHUNK);
	for (uint64_t off = 0; off < n->size;) {
		size_t len = (size_t)MIN(n->size - off, CPIO_CHUNK);
		if ((rc = tree_node_pread(n, fd, w->buf, len, off)) < 0 || (rc = emit(w, w->buf, len)) < 0)
			goto out;
		off += len;
	}
	rc = pad4(w);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int cpio_write_tree(struct cpio_writer *w, struct tree *t)
{
	struct tree_ctx c = {w};
	return tree_walk(t->root, visit, NULL, &c);
}

int cpio_writer_finish(struct cpio_writer *w)
{
	struct cpio_hdr h = {0};
	static const uint8_t z[512];
	int rc;
	h.nlink = 1;
	if ((rc = cpio_write_entry(w, &h, "TRAILER!!!", NULL)) < 0)
		return rc;
	return emit(w, z, (size_t)((512 - (w->bytes & 511)) & 511));
}
