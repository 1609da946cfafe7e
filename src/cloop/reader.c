/* cloop image reader: finds the header (first or last, as the kernel module
 * does), checks the whole index before any block is read, and decompresses
 * blocks one at a time, each to exactly the block size. */
#include "cloop/cloop.h"

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cloop_reader {
	int fd;
	struct imgsrc src; /* when opened on an image source: the bytes come from there */
	bool use_src;
	char *name;
	struct cloop_info info;
	uint64_t *off; /* num_blocks + 1 offsets, flags removed */
	uint8_t *meth; /* num_blocks methods */
	uint8_t *cbuf;
	size_t cbuf_cap;
};

static int read_at(struct cloop_reader *r, void *buf, size_t n, uint64_t off, const char *what)
{
	size_t got = 0;
	int rc;
	if (r->use_src) {
		if ((rc = imgsrc_pread(&r->src, buf, n, off)) < 0)
			return err_wrap(rc, "reading %s", what);
		return 0;
	}
	rc = util_pread_full(r->fd, buf, n, (off_t)off, &got);
	if (rc < 0)
		return err_sys(rc, "%s: reading %s", r->name, what);
	if (got != n)
		return err_set(ERR_FORMAT, "%s: truncated: %s at offset %llu is cut short", r->name, what,
			       (unsigned long long)off);
	return 0;
}

/* The largest compressed block any writer makes from block_size bytes
 * (stored, or the worst case of the codecs); anything larger is corrupt. */
static uint64_t max_block_len(uint32_t bs)
{
	uint64_t m = bs;
	m = MAX(m, comp_codec_bound(COMP_ZLIB, bs));
	m = MAX(m, comp_codec_bound(COMP_XZ, bs));
	m = MAX(m, comp_codec_bound(COMP_LZ4, bs));
	return m;
}

static int parse(struct cloop_reader *r, uint64_t size)
{
	uint8_t head[CLOOP_HEAD_SIZE], *idx = NULL;
	struct cloop_info *in = &r->info;
	uint64_t idx_len, idx_pos, data_lo, data_hi, maxlen;
	int v, rc;

	in->file_size = size;
	if (size < CLOOP_HEAD_SIZE)
		return err_set(ERR_FORMAT,
			       "%s: truncated or not a cloop image: %llu bytes, less than a %d-byte header",
			       r->name, (unsigned long long)size, CLOOP_HEAD_SIZE);
	if ((rc = read_at(r, head, sizeof head, 0, "the header")) < 0)
		return rc;
	v = cloop_head_version(head);
	in->header_first = v != 0;
	if (!v) {
		if ((rc = read_at(r, head, sizeof head, size - CLOOP_HEAD_SIZE, "the header")) < 0)
			return rc;
		v = cloop_head_version(head);
		if (!v)
			return err_set(
			    ERR_FORMAT,
			    "%s: not a cloop image (no V2.0 or V4.0 signature at the start or the end)",
			    r->name);
	}
	in->version = v;
	in->block_size = get_be32(head + 128);
	in->num_blocks = get_be32(head + 132);
	if (in->block_size == 0 || in->block_size % 512)
		return err_set(ERR_FORMAT, "%s: block size %u is not a multiple of 512", r->name,
			       in->block_size);
	if (in->block_size > CLOOP_BLOCK_SIZE_MAX)
		return err_set(ERR_FORMAT, "%s: block size %u is larger than %u", r->name, in->block_size,
			       CLOOP_BLOCK_SIZE_MAX);
	if (in->num_blocks == UINT32_MAX)
		return err_set(ERR_FORMAT, "%s: block count %u is out of range", r->name, in->num_blocks);

	/* The index (num_blocks + 1 entries) must fit in the file: this bounds
	 * every allocation below by the file size. */
	idx_len = ((uint64_t)in->num_blocks + 1) * 8;
	if (idx_len > size - CLOOP_HEAD_SIZE)
		return err_set(
		    ERR_FORMAT,
		    "%s: truncated or corrupt: %u blocks need a %llu-byte index, the file has %llu bytes",
		    r->name, in->num_blocks, (unsigned long long)idx_len, (unsigned long long)size);
	if (in->header_first) {
		idx_pos = CLOOP_HEAD_SIZE;
		data_lo = idx_pos + idx_len;
		data_hi = size;
	} else {
		idx_pos = size - CLOOP_HEAD_SIZE - idx_len;
		data_lo = 0;
		data_hi = idx_pos;
	}
	idx = xmalloc(idx_len);
	if ((rc = read_at(r, idx, idx_len, idx_pos, "the block index")) < 0)
		goto out;
	r->off = xcalloc((size_t)in->num_blocks + 1, sizeof *r->off);
	r->meth = xcalloc((size_t)in->num_blocks + 1, 1);
	maxlen = max_block_len(in->block_size);
	for (uint64_t i = 0; i <= in->num_blocks; i++) {
		uint64_t e = get_be64(idx + i * 8);
		uint64_t off = v == 4 ? e & CLOOP_OFFSET_MASK : e;
		unsigned m = v == 4 ? (unsigned)(e >> 60) : 0;
		r->off[i] = off;
		if (i == in->num_blocks)
			break;
		r->meth[i] = (uint8_t)m;
		if (m >= CLOOP_M_COUNT) {
			rc = err_set(ERR_FORMAT, "%s: block %llu has unknown compressor flag %u", r->name,
				     (unsigned long long)i, m);
			goto out;
		}
		in->blocks_by_method[m]++;
	}
	for (uint64_t i = 0; i <= in->num_blocks; i++) {
		if (r->off[i] < data_lo || r->off[i] > data_hi) {
			rc = err_set(
			    ERR_FORMAT,
			    "%s: corrupt index: offset %llu of block %llu lies outside the data (%llu..%llu)",
			    r->name, (unsigned long long)r->off[i], (unsigned long long)i,
			    (unsigned long long)data_lo, (unsigned long long)data_hi);
			goto out;
		}
		if (i == 0)
			continue;
		if (r->off[i] < r->off[i - 1]) {
			rc = err_set(ERR_FORMAT,
				     "%s: corrupt index: the offsets decrease at block %llu (%llu < %llu)",
				     r->name, (unsigned long long)i, (unsigned long long)r->off[i],
				     (unsigned long long)r->off[i - 1]);
			goto out;
		}
		if (r->off[i] - r->off[i - 1] > maxlen) {
			rc = err_set(ERR_FORMAT,
				     "%s: corrupt index: block %llu is %llu bytes, more than any compressor "
				     "makes of %u",
				     r->name, (unsigned long long)(i - 1),
				     (unsigned long long)(r->off[i] - r->off[i - 1]), in->block_size);
			goto out;
		}
	}
	in->data_bytes = r->off[in->num_blocks] - r->off[0];
	rc = 0;
out:
	free(idx);
	return rc;
}

int cloop_reader_open(struct cloop_reader **out, int fd, uint64_t size, const char *name)
{
	struct cloop_reader *r = xcalloc(1, sizeof *r);
	int rc;
	*out = NULL;
	r->fd = fd;
	r->name = xstrdup(name);
	rc = parse(r, size);
	if (rc < 0) {
		cloop_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int cloop_reader_open_src(struct cloop_reader **out, const struct imgsrc *src)
{
	struct cloop_reader *r = xcalloc(1, sizeof *r);
	int rc;
	*out = NULL;
	r->fd = -1;
	r->name = xstrdup(src->name);
	if ((rc = imgsrc_open_node(&r->src, src->node, src->name)) < 0) {
		cloop_reader_close(r);
		return rc;
	}
	r->use_src = true;
	rc = parse(r, src->size);
	if (rc < 0) {
		cloop_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

const struct cloop_info *cloop_reader_info(const struct cloop_reader *r)
{
	return &r->info;
}

int cloop_reader_read_block(struct cloop_reader *r, uint32_t i, uint8_t *buf)
{
	static const enum comp_codec codec_of[] = {COMP_ZLIB, COMP_NONE, COMP_XZ, COMP_LZ4};
	uint32_t bs = r->info.block_size;
	uint64_t len;
	ssize_t got;
	int rc;
	if (i >= r->info.num_blocks)
		return err_set(EINVAL, "%s: block %u does not exist (%u blocks)", r->name, i,
			       r->info.num_blocks);
	len = r->off[i + 1] - r->off[i]; /* bounded by max_block_len in parse */
	if (r->meth[i] == CLOOP_M_LZO)
		return err_set(ERR_FORMAT, "%s: block %u is LZO-compressed, which mklive does not read",
			       r->name, i);
	if (r->meth[i] == CLOOP_M_NONE && len != bs)
		return err_set(ERR_FORMAT, "%s: stored block %u is %llu bytes, expected %u", r->name, i,
			       (unsigned long long)len, bs);
	if (len > r->cbuf_cap) {
		free(r->cbuf);
		r->cbuf = xmalloc((size_t)len);
		r->cbuf_cap = (size_t)len;
	}
	if ((rc = read_at(r, r->cbuf, (size_t)len, r->off[i], "a data block")) < 0)
		return rc;
	got = comp_decompress(codec_of[r->meth[i]], r->cbuf, (size_t)len, buf, bs);
	if (got < 0)
		return err_wrap((int)got, "%s: block %u", r->name, i);
	if ((uint64_t)got != bs)
		return err_set(ERR_FORMAT, "%s: block %u inflates to %zd bytes, expected %u", r->name, i, got,
			       bs);
	return 0;
}

void cloop_reader_close(struct cloop_reader *r)
{
	if (!r)
		return;
	imgsrc_close(&r->src);
	free(r->name);
	free(r->off);
	free(r->meth);
	free(r->cbuf);
	free(r);
}

int cloop_extract(struct cloop_reader *r, struct out_file *o)
{
	const struct cloop_info *in = cloop_reader_info(r);
	uint8_t *buf = xmalloc(in->block_size);
	int rc = 0;
	progress_begin("extracting", (uint64_t)in->num_blocks * in->block_size);
	for (uint32_t i = 0; i < in->num_blocks && rc == 0; i++) {
		if ((rc = cloop_reader_read_block(r, i, buf)) < 0 ||
		    (rc = out_write(o, buf, in->block_size)) < 0)
			break;
		progress_add(in->block_size);
	}
	progress_end();
	free(buf);
	return rc;
}
