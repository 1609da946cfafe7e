/* Squashfs file data: full blocks through the parallel compression engine,
 * tails packed into fragment blocks, all-zero blocks stored as holes
 * (size 0), and files with identical bytes stored once
 * (squashfs.rst "Data and fragment blocks"). */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAG_FRAG (1ull << 63)
#define TAG_INDEX 0xffffffffull
/* zstd levels from here on (the lazy and optimal parsers) are slow enough
 * that probing for incompressible data pays off */
#define SQFS_PROBE_ZSTD_LEVEL 10
/* Blocks in flight: enough that the workers keep going while the reader
 * is descheduled on a busy machine; 2 x 128 KiB per block. */
#define SQFS_IN_FLIGHT(o) ((size_t)((o)->threads > 0 ? (o)->threads : util_cpu_count()) * 32)

struct data_ctx {
	struct out_file *o;
	struct sqfs_frags *frags;
	const struct sqfs_opts *opts;
	struct comp_engine *eng;
	uint32_t bs;
	struct comp_block *spare; /* taken from the engine, not yet filled */
	/* The fragment blocks being filled: tails the codec can shrink, and
	 * tails it cannot (already compressed files), which are stored as they
	 * are. Each gets its index when its first tail goes in. */
	struct frag_buf {
		uint8_t *buf;
		size_t len;
		uint32_t idx;
	} fr[2];
	struct comp_probe *probe; /* NULL: every tail goes to fr[0] */
	uint32_t nfrags;
	uint8_t *buf, *buf2; /* for hashing and comparing duplicates */
	struct sqfs_file **htab;
	size_t hcap;
	/* blocks submitted and landed; where the boot order's last one ends */
	uint64_t submitted, landed, boot_blocks, boot_end;
};

static int submit(struct data_ctx *c, struct comp_block *b)
{
	c->submitted++;
	return comp_engine_submit(c->eng, b);
}

/* Called in submission order: blocks land in the image one after another,
 * so a file's blocks are contiguous and start where its first one lands. */
static int data_sink(struct comp_block *b, void *vctx)
{
	struct data_ctx *c = vctx;
	/* the engine compresses with room for the codec's bound (faster for
	 * zstd and lz4 than a tight limit); what does not shrink is stored raw */
	bool raw = b->raw || b->out_len >= b->in_len;
	const uint8_t *bytes = raw ? b->in : b->out;
	size_t len = raw ? b->in_len : b->out_len;
	uint32_t word = (uint32_t)len | (raw ? SQFS_BLOCK_UNCOMPRESSED : 0);
	struct sqfs_file *f = b->user;
	uint32_t i = (uint32_t)(b->tag & TAG_INDEX);
	int rc;
	if (b->tag & TAG_FRAG) {
		sqfs_frags_set(c->frags, (uint32_t)(b->tag & TAG_INDEX), out_tell(c->o), word);
		rc = out_write(c->o, bytes, len);
		goto landed;
	}
	if (!f->started) {
		/* holes before the first stored block take no room */
		f->blocks_start = out_tell(c->o);
		f->started = true;
	}
	f->sizes[i] = word;
	rc = out_write(c->o, bytes, len);
landed:
	if (++c->landed == c->boot_blocks)
		c->boot_end = out_tell(c->o);
	return rc;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8); /* one load; no aliasing of the byte buffer */
		if (w)
			return false;
	}
	for (; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* An fd on the node's bytes, -1 when they are not in a host file, or an
 * error < -1. */
static int node_fd(const struct tree_node *n)
{
	return tree_node_open(n);
}

static int check_unchanged(const struct tree_node *n, int fd)
{
	struct stat st;
	if (fd < 0 || n->src != TREE_SRC_PATH)
		return 0;
	if (fstat(fd, &st) < 0)
		return err_sys(errno, "%s", n->src_path);
	if ((uint64_t)st.st_size != n->size)
		return err_set(ERR_CHANGED,
			       "%s: file changed while the image was built (was %llu bytes, now %llu)",
			       n->src_path, (unsigned long long)n->size, (unsigned long long)st.st_size);
	return 0;
}

static int flush_fragment(struct data_ctx *c, int k)
{
	struct frag_buf *fb = &c->fr[k];
	struct comp_block *b;
	int rc;
	if (!fb->len)
		return 0;
	rc = comp_engine_get(c->eng, &b);
	if (rc)
		return rc;
	memcpy(b->in, fb->buf, fb->len);
	b->in_len = fb->len;
	b->tag = TAG_FRAG | fb->idx;
	b->user = NULL;
	b->store = k == 1;
	fb->len = 0;
	return submit(c, b);
}

/* Tail packing: several small files share one fragment block. */
static int add_tail(struct data_ctx *c, struct sqfs_file *f, int fd, uint64_t off, size_t tail)
{
	struct frag_buf *fb;
	int rc = tree_node_pread(f->node, fd, c->buf, tail, off);
	int k = 0;
	if (rc)
		return rc;
	if (c->probe && comp_probe_incompressible(c->probe, c->buf, tail))
		k = 1;
	fb = &c->fr[k];
	if (fb->len + tail > c->bs && (rc = flush_fragment(c, k)) != 0)
		return rc;
	if (!fb->len)
		fb->idx = c->nfrags++;
	f->frag_idx = fb->idx;
	f->frag_off = (uint32_t)fb->len;
	memcpy(fb->buf + fb->len, c->buf, tail);
	fb->len += tail;
	return 0;
}

/* Where the next data of a host file starts at or after off (size if only
 * a hole follows); off when the file system cannot tell. */
/* Offset of the node's next byte of data at or after off (size: none),
 * from the holes of its host file. */
static uint64_t next_data(const struct tree_node *n, int fd, uint64_t off, uint64_t size)
{
	uint64_t base = tree_node_fd_offset(n);
	off_t d;
	if (fd < 0)
		return off;
	d = lseek(fd, (off_t)(base + off), SEEK_DATA);
	if (d < 0)
		return errno == ENXIO ? size : off;
	return (uint64_t)d < base + off ? off : MIN((uint64_t)d - base, size);
}

static int write_file(struct data_ctx *c, struct sqfs_file *f)
{
	const struct tree_node *n = f->node;
	uint64_t size = n->size, off = 0;
	uint32_t nfull = (uint32_t)(size / c->bs);
	size_t tail = (size_t)(size % c->bs);
	bool holes = false;
	int fd, rc = 0;
	fd = node_fd(n);
	if (fd < -1)
		return fd;
	for (uint32_t i = 0; i < f->nblocks; i++) {
		struct comp_block *b;
		size_t len = i < nfull ? c->bs : tail;
		/* Holes of the source and blocks of zeros become holes of the
		 * image (size 0) without going through the engine; a held
		 * block is reused for the next one. */
		if (next_data(n, fd, off, size) >= off + len) {
			f->sizes[i] = 0;
			f->sparse += len;
			holes = true;
			off += len;
			progress_add(len);
			continue;
		}
		if (!c->spare && (rc = comp_engine_get(c->eng, &c->spare)) != 0)
			goto out;
		b = c->spare;
		rc = tree_node_pread(n, fd, b->in, len, off);
		if (rc)
			goto out; /* the engine reclaims the unsubmitted block */
		off += len;
		progress_add(len);
		if (all_zero(b->in, len)) {
			f->sizes[i] = 0;
			f->sparse += len;
			continue;
		}
		c->spare = NULL;
		b->in_len = len;
		b->user = f;
		b->tag = i;
		rc = submit(c, b);
		if (rc)
			goto out;
	}
	if (f->nblocks <= nfull && tail) {
		if ((rc = add_tail(c, f, fd, off, tail)) != 0)
			goto out;
		progress_add(tail);
	}
	/* The inode's count of bytes left out is informational (the kernel
	 * ignores it); like mksquashfs, count it only for a file that is sparse
	 * in its source, so a file of written zeros keeps a basic inode. */
	if (!holes)
		f->sparse = 0;
	rc = check_unchanged(n, fd);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The end of the boot set: its tails do not share a fragment block with
 * later files (that block would land after all of their data), and the
 * offset where its last block lands is noted. */
static int boot_boundary(struct data_ctx *c)
{
	int rc;
	if ((rc = flush_fragment(c, 0)) != 0 || (rc = flush_fragment(c, 1)) != 0)
		return rc;
	c->boot_blocks = c->submitted;
	if (c->landed == c->boot_blocks)
		c->boot_end = out_tell(c->o);
	return 0;
}

/* ---- duplicates ------------------------------------------------------------
 * Only files whose size another file shares are read ahead and hashed
 * (CRC-32 and Adler-32); equal hashes are confirmed byte by byte. */
static int hash_file(struct data_ctx *c, struct sqfs_file *f)
{
	const struct tree_node *n = f->node;
	uint32_t crc = 0, adler = 1;
	int fd = node_fd(n), rc = 0;
	if (fd < -1)
		return fd;
	for (uint64_t off = 0; off < n->size;) {
		size_t len = (size_t)MIN((uint64_t)c->bs, n->size - off);
		if ((rc = tree_node_pread(n, fd, c->buf, len, off)) != 0)
			break;
		crc = libdeflate_crc32(crc, c->buf, len);
		adler = libdeflate_adler32(adler, c->buf, len);
		off += len;
	}
	if (fd >= 0)
		close(fd);
	f->crc = crc;
	f->adler = adler;
	f->hashed = true;
	return rc;
}

static int same_bytes(struct data_ctx *c, const struct tree_node *a, const struct tree_node *b, bool *same)
{
	int fa = node_fd(a), fb, rc = 0;
	*same = false;
	if (fa < -1)
		return fa;
	fb = node_fd(b);
	if (fb < -1) {
		if (fa >= 0)
			close(fa);
		return fb;
	}
	*same = true;
	for (uint64_t off = 0; off < a->size;) {
		size_t len = (size_t)MIN((uint64_t)c->bs, a->size - off);
		if ((rc = tree_node_pread(a, fa, c->buf, len, off)) != 0 ||
		    (rc = tree_node_pread(b, fb, c->buf2, len, off)) != 0)
			break;
		if (memcmp(c->buf, c->buf2, len) != 0) {
			*same = false;
			break;
		}
		off += len;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return rc;
}

static size_t file_hash(const struct sqfs_file *f, size_t cap)
{
	uint64_t h = f->node->size * 0x9E3779B97F4A7C15ull ^ ((uint64_t)f->crc << 32 | f->adler);
	h ^= h >> 31;
	return (size_t)(h & (cap - 1));
}

static int cmp_size(const void *a, const void *b)
{
	uint64_t x = (*(struct sqfs_file *const *)a)->node->size;
	uint64_t y = (*(struct sqfs_file *const *)b)->node->size;
	return x < y ? -1 : x > y;
}

/* Returns the earlier file with the same bytes, or NULL (then f is
 * remembered as a candidate for later files). */
static int find_duplicate(struct data_ctx *c, struct sqfs_file *f, struct sqfs_file **dup)
{
	size_t h;
	int rc;
	*dup = NULL;
	if ((rc = hash_file(c, f)) != 0)
		return rc;
	h = file_hash(f, c->hcap);
	while (c->htab[h]) {
		struct sqfs_file *g = c->htab[h];
		if (g->node->size == f->node->size && g->crc == f->crc && g->adler == f->adler) {
			bool same;
			if ((rc = same_bytes(c, g->node, f->node, &same)) != 0)
				return rc;
			if (same) {
				*dup = g;
				return 0;
			}
		}
		h = (h + 1) & (c->hcap - 1);
	}
	c->htab[h] = f;
	return 0;
}

int sqfs_data_write(struct out_file *o, const struct sqfs_opts *opts, const struct comp_opts *co,
		    struct sqfs_file **files, size_t nfiles, size_t nboot, struct sqfs_frags *frags,
		    uint32_t *nfrags, uint64_t *boot_end)
{
	struct data_ctx c;
	struct sqfs_file **by_size = NULL;
	bool *grouped = NULL;
	uint64_t total = 0;
	int rc;
	memset(&c, 0, sizeof c);
	c.o = o;
	c.frags = frags;
	c.opts = opts;
	c.bs = opts->block_size;
	c.fr[0].buf = xmalloc(c.bs);
	c.fr[1].buf = xmalloc(c.bs);
	c.buf = xmalloc(c.bs);
	c.buf2 = xmalloc(c.bs);

	/* which files share their size with another (duplicate candidates) */
	grouped = xcalloc(nfiles ? nfiles : 1, sizeof *grouped);
	if (!opts->no_duplicates && nfiles) {
		by_size = xmalloc(nfiles * sizeof *by_size);
		for (size_t i = 0; i < nfiles; i++) {
			files[i]->frag_idx = (uint32_t)i; /* temporarily: position in files[] */
			by_size[i] = files[i];
		}
		qsort(by_size, nfiles, sizeof *by_size, cmp_size);
		for (size_t i = 0; i < nfiles;) {
			size_t j = i + 1;
			while (j < nfiles && by_size[j]->node->size == by_size[i]->node->size)
				j++;
			if (j - i > 1 && by_size[i]->node->size > 0)
				for (size_t k = i; k < j; k++)
					grouped[by_size[k]->frag_idx] = true;
			i = j;
		}
		free(by_size);
		c.hcap = 64;
		while (c.hcap < nfiles * 2)
			c.hcap *= 2;
		c.htab = xcalloc(c.hcap, sizeof *c.htab);
	}
	for (size_t i = 0; i < nfiles; i++) {
		files[i]->frag_idx = SQFS_NO_FRAGMENT;
		total += files[i]->node->size;
	}

	rc = comp_engine_create(&c.eng, co, opts->threads, c.bs, SQFS_IN_FLIGHT(opts), data_sink, &c);
	if (rc)
		goto out;
	comp_engine_set_raw_threshold(c.eng, COMP_NEVER_RAW);
	if (opts->cache)
		comp_engine_set_cache(c.eng, opts->cache);
	/* The slow codecs (xz, zstd's higher levels) cost far more on data
	 * they cannot shrink than a probe does: such blocks and tails are
	 * stored as they are without going through them. */
	if (co->codec == COMP_XZ || (co->codec == COMP_ZSTD && co->level >= SQFS_PROBE_ZSTD_LEVEL)) {
		if ((rc = comp_engine_set_probe(c.eng)) != 0 || (rc = comp_probe_create(&c.probe)) != 0)
			goto out;
	}
	progress_begin("squashfs", total);
	for (size_t i = 0; i < nfiles && !rc; i++) {
		struct sqfs_file *f = files[i];
		if (!f->node->size) {
			if (i + 1 == nboot)
				rc = boot_boundary(&c);
			continue;
		}
		if (grouped[i]) {
			struct sqfs_file *d;
			if ((rc = find_duplicate(&c, f, &d)) != 0)
				break;
			if (d) {
				f->dup_of = d;
				progress_add(f->node->size);
				if (i + 1 == nboot)
					rc = boot_boundary(&c);
				continue;
			}
		}
		rc = write_file(&c, f);
		if (!rc && i + 1 == nboot)
			rc = boot_boundary(&c);
	}
	if (!rc)
		rc = flush_fragment(&c, 0);
	if (!rc)
		rc = flush_fragment(&c, 1);
	if (!rc)
		rc = comp_engine_finish(c.eng);
	else
		comp_engine_finish(c.eng);
	progress_end();
	*nfrags = c.nfrags;
	*boot_end = c.boot_end;
out:
	comp_engine_destroy(c.eng);
	free(grouped);
	free(c.htab);
	free(c.fr[0].buf);
	free(c.fr[1].buf);
	comp_probe_destroy(c.probe);
	free(c.buf);
	free(c.buf2);
	return rc;
}
