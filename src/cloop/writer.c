/* cloop image writer: input bytes are cut into fixed blocks, compressed on
 * the engine's threads, and laid out as v2.0 (header, index, blocks) or
 * v4.0 (lead, blocks, index, header) in one pass over the input. */
#include "cloop/cloop.h"

#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum wmode {
	W_V4,	       /* blocks stream out; index and header follow them */
	W_V2_RESERVED, /* size known, output seekable: index space reserved, patched at the end */
	W_V2_SPOOL,    /* size unknown: blocks wait in a spool file until the index is known */
};

struct cloop_writer {
	struct cloop_writer_opts opts;
	struct out_file *out;
	enum wmode mode;
	struct comp_engine *engine;
	struct comp_block *cur; /* block being filled */

	/* Per block: offset relative to the start of the data, and method. */
	uint64_t *rel;
	uint8_t *meth;
	size_t idx_cap;
	uint32_t nblocks;  /* blocks that reached the sink */
	uint64_t nsubmit;  /* blocks submitted */
	uint64_t data_len; /* compressed bytes so far */
	uint64_t data_start;
	uint32_t expect_blocks; /* W_V2_RESERVED */

	int spool_fd;
	uint64_t in_bytes;
	struct cloop_stats stats;
};

static enum cloop_method method_of(enum comp_codec c)
{
	switch (c) {
	case COMP_XZ:
		return CLOOP_M_XZ;
	case COMP_LZ4:
		return CLOOP_M_LZ4;
	case COMP_NONE:
		return CLOOP_M_NONE;
	default:
		return CLOOP_M_ZLIB;
	}
}

/* Unnamed spool file in dir: gone by itself when closed or on a crash. */
static int spool_open(const char *dir, int *fd_out)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char *tmpl = util_path_join(dir, ".cloop-spool-XXXXXX");
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
		free(tmpl);
	}
	if (fd < 0)
		return err_sys(errno, "%s: cannot create a spool file for the compressed blocks", dir);
	*fd_out = fd;
	return 0;
}

/* The sink: runs on the producer's thread, in block order. */
static int sink(struct comp_block *b, void *ctx)
{
	struct cloop_writer *w = ctx;
	enum cloop_method m = b->raw ? CLOOP_M_NONE : method_of(w->opts.comp.codec);
	int rc;
	if (w->nblocks == UINT32_MAX)
		return err_set(ERR_LIMIT, "the input needs more than %u blocks of %u bytes (cloop's limit)",
			       UINT32_MAX - 1, w->opts.block_size);
	util_grow(&w->rel, &w->idx_cap, (size_t)w->nblocks + 2, sizeof *w->rel);
	w->meth = xrealloc(w->meth, w->idx_cap);
	w->rel[w->nblocks] = w->data_len;
	w->meth[w->nblocks] = (uint8_t)m;
	if (w->mode == W_V2_SPOOL) {
		rc = util_write_full(w->spool_fd, b->out, b->out_len);
		if (rc < 0)
			return err_sys(rc, "spool file for %s: write failed", out_path(w->out));
	} else {
		rc = out_write(w->out, b->out, b->out_len);
		if (rc < 0)
			return rc;
	}
	w->data_len += b->out_len;
	w->nblocks++;
	w->stats.blocks_by_method[m]++;
	progress_add(b->in_len);
	return 0;
}

int cloop_writer_create(struct cloop_writer **out, struct out_file *o, const struct cloop_writer_opts *opts)
{
	struct cloop_writer *w;
	int rc;
	*out = NULL;
	if (opts->block_size == 0 || opts->block_size % 512 || opts->block_size > CLOOP_BLOCK_SIZE_MAX)
		return err_set(ERR_USAGE, "block size %u: cloop needs a multiple of 512 up to %u",
			       opts->block_size, CLOOP_BLOCK_SIZE_MAX);
	if (opts->version == CLOOP_V2 && opts->comp.codec != COMP_ZLIB)
		return err_set(ERR_USAGE, "cloop v2 images hold only zlib blocks (not %s); use --format v4",
			       comp_codec_name(opts->comp.codec));
	if (opts->version == CLOOP_V4 && opts->comp.codec != COMP_ZLIB && opts->comp.codec != COMP_XZ &&
	    opts->comp.codec != COMP_LZ4 && opts->comp.codec != COMP_NONE)
		return err_set(ERR_USAGE, "cloop v4 blocks are zlib, xz, lz4 or none (not %s)",
			       comp_codec_name(opts->comp.codec));
	if (opts->input_size != UINT64_MAX && DIV_ROUND_UP(opts->input_size, opts->block_size) >= UINT32_MAX)
		return err_set(ERR_LIMIT, "%llu bytes need more than %u blocks of %u bytes (cloop's limit)",
			       (unsigned long long)opts->input_size, UINT32_MAX - 1, opts->block_size);

	w = xcalloc(1, sizeof *w);
	w->opts = *opts;
	w->out = o;
	w->spool_fd = -1;
	if (opts->version == CLOOP_V4)
		w->mode = W_V4;
	else if (opts->input_size != UINT64_MAX && out_can_seek(o))
		w->mode = W_V2_RESERVED;
	else
		w->mode = W_V2_SPOOL;

	{
		/* 16 blocks per thread in flight (a slow writer or a busy machine
		 * then rarely stalls the workers), fewer for huge blocks: about
		 * 512 MiB of buffers (input + output per block) at most. */
		size_t threads = opts->threads > 0 ? (size_t)opts->threads : (size_t)util_cpu_count();
		size_t inflight = 16 * threads, budget = ((size_t)512 << 20) / (2 * (size_t)opts->block_size);
		if (inflight > budget)
			inflight = MAX(budget, threads + 1);
		rc = comp_engine_create(&w->engine, &opts->comp, opts->threads, opts->block_size, inflight,
					sink, w);
	}
	if (rc < 0)
		goto fail;
	/* v2 has no stored blocks, and the cloop module (3.14.1.3) cannot read
	 * v4 stored blocks: unless asked, every block goes through the codec,
	 * incompressible ones too (a few bytes larger than stored). */
	if (opts->comp.codec != COMP_NONE && (opts->version == CLOOP_V2 || !opts->raw_blocks))
		comp_engine_set_raw_threshold(w->engine, COMP_NEVER_RAW);
	if (opts->cache)
		comp_engine_set_cache(w->engine, opts->cache);

	if (w->mode == W_V4) {
		uint8_t lead[CLOOP_V4_LEAD_SIZE];
		cloop_v4_lead_encode(lead);
		w->data_start = CLOOP_V4_LEAD_SIZE;
		rc = out_write(o, lead, sizeof lead);
	} else if (w->mode == W_V2_RESERVED) {
		uint8_t head[CLOOP_HEAD_SIZE];
		w->expect_blocks = (uint32_t)DIV_ROUND_UP(opts->input_size, opts->block_size);
		w->data_start = CLOOP_HEAD_SIZE + ((uint64_t)w->expect_blocks + 1) * 8;
		cloop_head_encode(head, CLOOP_V2, opts->block_size, w->expect_blocks);
		rc = out_write(o, head, sizeof head);
		if (rc == 0)
			rc = out_zero(o, ((uint64_t)w->expect_blocks + 1) * 8);
	} else {
		const char *dir = opts->spool_dir;
		char *tmp = NULL;
		if (!dir) {
			const char *p = out_path(o), *slash = strrchr(p, '/');
			if (strcmp(p, "-") == 0)
				dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
			else if (slash)
				dir = tmp = xstrndup(p, (size_t)(slash - p + (slash == p)));
			else
				dir = ".";
		}
		rc = spool_open(dir, &w->spool_fd);
		free(tmp);
	}
	if (rc < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	cloop_writer_destroy(w);
	return rc;
}

static int submit_cur(struct cloop_writer *w)
{
	struct comp_block *b = w->cur;
	w->cur = NULL;
	w->nsubmit++;
	return comp_engine_submit(w->engine, b);
}

int cloop_writer_write(struct cloop_writer *w, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		size_t k;
		int rc;
		if (!w->cur && (rc = comp_engine_get(w->engine, &w->cur)) < 0)
			return rc;
		k = MIN(n, w->opts.block_size - w->cur->in_len);
		memcpy(w->cur->in + w->cur->in_len, p, k);
		w->cur->in_len += k;
		w->in_bytes += k;
		p += k;
		n -= k;
		if (w->cur->in_len == w->opts.block_size && (rc = submit_cur(w)) < 0)
			return rc;
	}
	return 0;
}

int cloop_writer_write_fd(struct cloop_writer *w, int fd, const char *name)
{
	for (;;) {
		ssize_t r;
		int rc;
		if (!w->cur && (rc = comp_engine_get(w->engine, &w->cur)) < 0)
			return rc;
		r = read(fd, w->cur->in + w->cur->in_len, w->opts.block_size - w->cur->in_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(errno, "%s: read failed", name);
		}
		if (r == 0)
			return 0;
		w->cur->in_len += (size_t)r;
		w->in_bytes += (uint64_t)r;
		if (w->cur->in_len == w->opts.block_size && (rc = submit_cur(w)) < 0)
			return rc;
	}
}

static uint8_t *encode_index(struct cloop_writer *w, uint64_t base)
{
	uint8_t *idx = xmalloc(((size_t)w->nblocks + 1) * 8);
	for (uint32_t i = 0; i <= w->nblocks; i++) {
		uint64_t off = base + (i < w->nblocks ? w->rel[i] : w->data_len);
		/* v2: plain offsets; v4: compressor in the top 4 bits (the end
		 * entry carries 0). */
		uint64_t e = w->opts.version == CLOOP_V4 && i < w->nblocks
				 ? cloop_index_entry((enum cloop_method)w->meth[i], off)
				 : off;
		put_be64(idx + (size_t)i * 8, e);
	}
	return idx;
}

int cloop_writer_finish(struct cloop_writer *w, struct cloop_stats *stats)
{
	uint8_t head[CLOOP_HEAD_SIZE], *idx;
	size_t idx_len;
	int rc = 0;
	if (w->cur && w->cur->in_len) {
		/* The last block is zero-padded to the full block size. */
		memset(w->cur->in + w->cur->in_len, 0, w->opts.block_size - w->cur->in_len);
		w->cur->in_len = w->opts.block_size;
		rc = submit_cur(w);
	}
	if (rc == 0)
		rc = comp_engine_finish(w->engine);
	if (rc < 0)
		return rc;
	if (w->opts.input_size != UINT64_MAX && w->in_bytes != w->opts.input_size)
		return err_set(ERR_CHANGED,
			       "the input was %llu bytes, expected %llu: it changed while being read",
			       (unsigned long long)w->in_bytes, (unsigned long long)w->opts.input_size);
	util_grow(&w->rel, &w->idx_cap, (size_t)w->nblocks + 1, sizeof *w->rel);
	idx_len = ((size_t)w->nblocks + 1) * 8;

	switch (w->mode) {
	case W_V4:
		idx = encode_index(w, w->data_start);
		cloop_head_encode(head, CLOOP_V4, w->opts.block_size, w->nblocks);
		rc = out_write(w->out, idx, idx_len);
		if (rc == 0)
			rc = out_write(w->out, head, sizeof head);
		break;
	case W_V2_RESERVED:
		idx = encode_index(w, w->data_start);
		rc = out_write_at(w->out, CLOOP_HEAD_SIZE, idx, idx_len);
		break;
	default: /* W_V2_SPOOL */
		w->data_start = CLOOP_HEAD_SIZE + idx_len;
		idx = encode_index(w, w->data_start);
		cloop_head_encode(head, CLOOP_V2, w->opts.block_size, w->nblocks);
		rc = out_write(w->out, head, sizeof head);
		if (rc == 0)
			rc = out_write(w->out, idx, idx_len);
		if (rc == 0)
			rc = out_copy_fd(w->out, w->spool_fd, 0, w->data_len, "cloop spool file");
		break;
	}
	free(idx);
	if (rc < 0)
		return rc;
	w->stats.in_bytes = w->in_bytes;
	w->stats.num_blocks = w->nblocks;
	w->stats.file_size = out_tell(w->out);
	if (stats)
		*stats = w->stats;
	return 0;
}

void cloop_writer_destroy(struct cloop_writer *w)
{
	if (!w)
		return;
	comp_engine_destroy(w->engine);
	if (w->spool_fd >= 0)
		close(w->spool_fd);
	free(w->rel);
	free(w->meth);
	free(w);
}
