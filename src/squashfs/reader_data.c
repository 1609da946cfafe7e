/* Squashfs file data on demand (squashfs.rst "Data and fragment blocks"):
 * a node's bytes are its blocks (holes for size 0, stored raw or
 * compressed) and maybe a tail in a fragment block. Decompressed blocks
 * and fragments are kept in a small cache shared by every reader; while
 * readers walk files in order, threads decompress the blocks that follow
 * (the readers read their compressed bytes). Any number of threads may
 * read at once: each read takes a decoder of its own from a pool. */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/reader_impl.h"

#include <libdeflate.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

struct sqfs_dec {
	struct libdeflate_decompressor *def;
	ZSTD_DCtx *zs;
};

struct sqfs_ctx {
	struct sqfs_dec *dec;
	uint8_t *cbuf; /* compressed bytes of a block decoded by the reader */
	/* where the last read left off: block cur_block of file cur_file starts
	 * at cur_off (a pure function of the image, so valid whoever made it),
	 * and a file read in order has its blocks summed once */
	size_t cur_file;
	uint32_t cur_block;
	uint64_t cur_off;
	struct sqfs_ctx *next, *all;
};

/* A decoder for one read: a free one, or a new one (as many as threads
 * ever read at once). */
static struct sqfs_ctx *ctx_get(struct sqfs_rd *r)
{
	struct sqfs_ctx *c;
	pthread_mutex_lock(&r->mu);
	c = r->ctx_free;
	if (c)
		r->ctx_free = c->next;
	pthread_mutex_unlock(&r->mu);
	if (c)
		return c;
	c = xcalloc(1, sizeof *c);
	c->dec = sqfs_dec_create();
	c->cur_file = SIZE_MAX;
	pthread_mutex_lock(&r->mu);
	c->all = r->ctx_all;
	r->ctx_all = c;
	pthread_mutex_unlock(&r->mu);
	return c;
}

static void ctx_put(struct sqfs_rd *r, struct sqfs_ctx *c)
{
	pthread_mutex_lock(&r->mu);
	c->next = r->ctx_free;
	r->ctx_free = c;
	pthread_mutex_unlock(&r->mu);
}

struct sqfs_dec *sqfs_dec_create(void)
{
	return xcalloc(1, sizeof(struct sqfs_dec));
}

void sqfs_dec_destroy(struct sqfs_dec *d)
{
	if (!d)
		return;
	if (d->def)
		libdeflate_free_decompressor(d->def);
	ZSTD_freeDCtx(d->zs);
	free(d);
}

/* liblzma allocates the dictionary a stream's header asks for; squashfs
 * writers use at most the block size (1 MiB), so a header asking for more
 * than this is hostile, not an image to allocate gigabytes for. */
#define SQFS_LZMA_MEMLIMIT (64u << 20)

static ssize_t xz_error(lzma_ret rc, const lzma_stream *s, size_t cap, const char *what)
{
	if (rc == LZMA_MEMLIMIT_ERROR)
		return err_set(ERR_FORMAT, "%s data asks for more than %u MiB of decoder memory", what,
			       SQFS_LZMA_MEMLIMIT >> 20);
	if (rc == LZMA_OK || rc == LZMA_BUF_ERROR)
		return err_set(ERR_FORMAT,
			       s && !s->avail_out ? "%s data inflates to more than %zu bytes"
						  : "%s data is truncated",
			       what, cap);
	return err_set(ERR_FORMAT, "corrupt %s data (liblzma error %d)", what, (int)rc);
}

static ssize_t xz_stream(const void *in, size_t len, void *out, size_t cap)
{
	uint64_t memlimit = SQFS_LZMA_MEMLIMIT;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, len, out, &out_pos, cap);
	if (rc == LZMA_OK)
		return (ssize_t)out_pos;
	if (rc == LZMA_BUF_ERROR && out_pos == cap)
		return err_set(ERR_FORMAT, "xz data inflates to more than %zu bytes", cap);
	return xz_error(rc, NULL, cap, "xz");
}

/* The legacy LZMA container ("lzma_alone": 13-byte header, then the raw
 * stream) that squashfs-tools' lzma compressor writes. */
static ssize_t lzma_alone(const void *in, size_t len, void *out, size_t cap)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret rc = lzma_alone_decoder(&s, SQFS_LZMA_MEMLIMIT);
	ssize_t got;
	if (rc != LZMA_OK)
		return err_set(ENOMEM, "lzma: cannot start a decoder");
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	rc = lzma_code(&s, LZMA_FINISH);
	got = (ssize_t)(cap - s.avail_out);
	lzma_end(&s);
	if (rc == LZMA_STREAM_END)
		return got;
	return xz_error(rc, &s, cap, "lzma");
}

ssize_t sqfs_decompress(struct sqfs_rd *r, struct sqfs_dec *d, const void *in, size_t len, void *out,
			size_t cap)
{
	switch (r->codec) {
	case COMP_ZLIB: {
		size_t got = 0;
		enum libdeflate_result lr;
		if (!d->def && !(d->def = libdeflate_alloc_decompressor()))
			return err_set(ENOMEM, "libdeflate: cannot allocate a decompressor");
		lr = libdeflate_zlib_decompress(d->def, in, len, out, cap, &got);
		if (lr == LIBDEFLATE_SUCCESS)
			return (ssize_t)got;
		return err_set(ERR_FORMAT,
			       lr == LIBDEFLATE_INSUFFICIENT_SPACE
				   ? "gzip data inflates to more than %zu bytes"
				   : "corrupt gzip data (block of %zu bytes)",
			       lr == LIBDEFLATE_INSUFFICIENT_SPACE ? cap : len);
	}
	case COMP_ZSTD: {
		size_t got;
		if (!d->zs && !(d->zs = ZSTD_createDCtx()))
			return err_set(ENOMEM, "zstd: cannot allocate a decompressor");
		got = ZSTD_decompressDCtx(d->zs, out, cap, in, len);
		if (!ZSTD_isError(got))
			return (ssize_t)got;
		if (ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall)
			return err_set(ERR_FORMAT, "zstd data inflates to more than %zu bytes", cap);
		return err_set(ERR_FORMAT, "corrupt zstd data: %s", ZSTD_getErrorName(got));
	}
	case COMP_XZ:
		return r->lzma ? lzma_alone(in, len, out, cap) : xz_stream(in, len, out, cap);
	default:
		return comp_decompress(r->codec, in, len, out, cap);
	}
}

/* ---- the cache and its threads ----------------------------------------------- */

/* Take slot s off the job queue (the lock held). */
static void dequeue(struct sqfs_rd *r, struct sqfs_slot *s)
{
	struct sqfs_slot **pp = &r->jobs, *prev = NULL;
	while (*pp && *pp != s) {
		prev = *pp;
		pp = &(*pp)->next_job;
	}
	if (!*pp)
		return;
	*pp = s->next_job;
	if (r->jobs_tail == s)
		r->jobs_tail = prev;
	s->next_job = NULL;
	s->queued = false;
}

static void *worker(void *arg)
{
	struct sqfs_rd *r = arg;
	struct sqfs_dec *d = sqfs_dec_create();
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct sqfs_slot *s;
		ssize_t got;
		uint32_t cap;
		while (!r->jobs && !r->stop)
			pthread_cond_wait(&r->job_cv, &r->mu);
		if (r->stop)
			break;
		s = r->jobs;
		dequeue(r, s);
		cap = s->want ? s->want : r->sb.block_size;
		pthread_mutex_unlock(&r->mu);
		got = sqfs_decompress(r, d, s->cin, s->clen, s->buf, cap);
		if (got >= 0 && s->want && (uint32_t)got != s->want)
			got = err_set(ERR_FORMAT, "a data block inflates to %zd bytes, not %u", got, s->want);
		pthread_mutex_lock(&r->mu);
		if (got < 0) {
			s->err = (int)got;
			free(s->msg);
			s->msg = xstrdup(err_msg());
			s->state = SLOT_FAILED;
		} else {
			s->len = (uint32_t)got;
			s->state = SLOT_READY;
		}
		pthread_cond_broadcast(&r->done_cv);
	}
	pthread_mutex_unlock(&r->mu);
	sqfs_dec_destroy(d);
	return NULL;
}

static unsigned window(const struct sqfs_rd *r)
{
	/* blocks decoded ahead: enough to keep every thread busy through a run
	 * of small files the reader takes long to write: 8 MiB (measured with
	 * bench/extract.sh: 1 MiB left the threads idle) */
	unsigned w = MAX(4u * (unsigned)r->want_workers + 4, (8u << 20) / r->sb.block_size);
	return r->want_workers > 0 ? MIN(w, 256u) : 0;
}

int sqfs_data_init(struct sqfs_rd *r, int threads)
{
	if (threads == 0)
		threads = util_cpu_count();
	r->want_workers = threads < 0 ? 0 : MIN(threads, 64);
	r->nslots = 2 * (size_t)window(r) + 4;
	r->slots = xcalloc(r->nslots, sizeof *r->slots);
	for (r->hash_bits = 4; ((size_t)1 << r->hash_bits) < 2 * r->nslots;)
		r->hash_bits++;
	r->hash = xcalloc((size_t)1 << r->hash_bits, sizeof *r->hash);
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->ra_mu, NULL);
	pthread_cond_init(&r->job_cv, NULL);
	pthread_cond_init(&r->done_cv, NULL);
	return 0;
}

void sqfs_data_free(struct sqfs_rd *r)
{
	if (!r->slots)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->job_cv);
	pthread_mutex_unlock(&r->mu);
	for (int i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i], NULL);
	free(r->workers);
	for (size_t i = 0; i < r->nslots; i++) {
		free(r->slots[i].buf);
		free(r->slots[i].cin);
		free(r->slots[i].msg);
	}
	free(r->slots);
	r->slots = NULL;
	while (r->ctx_all) {
		struct sqfs_ctx *c = r->ctx_all;
		r->ctx_all = c->all;
		sqfs_dec_destroy(c->dec);
		free(c->cbuf);
		free(c);
	}
	free(r->hash);
	free(r->ra_walk);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->ra_mu);
	pthread_cond_destroy(&r->job_cv);
	pthread_cond_destroy(&r->done_cv);
}

/* The bucket of key: a multiplicative hash, as block offsets share their
 * low bits less than their high ones. */
static struct sqfs_slot **bucket(const struct sqfs_rd *r, uint64_t key)
{
	return &r->hash[(size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - r->hash_bits))];
}

/* The slot holding key (free slots stay in their bucket until reused, and
 * no two live slots share a key: a slot is taken only after a lookup
 * failed, under the same hold of the lock). */
static struct sqfs_slot *slot_find(struct sqfs_rd *r, uint64_t key)
{
	for (struct sqfs_slot *s = *bucket(r, key); s; s = s->hnext)
		if (s->state != SLOT_FREE && s->key == key)
			return s;
	return NULL;
}

/* The least recently used slot that no one waits on or reads (NULL if
 * none), made PENDING for key. Called with the lock held. */
static struct sqfs_slot *slot_take(struct sqfs_rd *r, uint64_t key)
{
	struct sqfs_slot *v = NULL;
	for (size_t i = 0; i < r->nslots; i++) {
		struct sqfs_slot *s = &r->slots[i];
		if (s->state == SLOT_PENDING || s->pins)
			continue;
		if (s->state == SLOT_FREE) {
			v = s;
			break;
		}
		if (!v || s->stamp < v->stamp)
			v = s;
	}
	if (!v)
		return NULL;
	if (!v->buf)
		v->buf = xmalloc(r->sb.block_size);
	if (v->hashed) {
		struct sqfs_slot **pp = bucket(r, v->key);
		while (*pp != v)
			pp = &(*pp)->hnext;
		*pp = v->hnext;
	}
	v->key = key;
	v->hnext = *bucket(r, key);
	*bucket(r, key) = v;
	v->hashed = true;
	v->state = SLOT_PENDING;
	v->stamp = ++r->dstamp;
	v->len = 0;
	return v;
}

static int slot_error(struct sqfs_rd *r, struct sqfs_slot *s, uint64_t at)
{
	err_copy(s->err, s->msg);
	return err_wrap(s->err, "%s: offset %llu", r->src.name, (unsigned long long)at);
}

/* Where block b of file fi starts in the image (c's cursor follows
 * sequential reads, so a file's blocks are summed once). */
static uint64_t block_at(const struct sqfs_rd *r, struct sqfs_ctx *c, size_t fi, uint32_t b)
{
	const struct sqfs_rfile *f = &r->files[fi];
	if (c->cur_file != fi || c->cur_block > b) {
		c->cur_file = fi;
		c->cur_block = 0;
		c->cur_off = f->blocks_start;
	}
	while (c->cur_block < b)
		c->cur_off += sqfs_block_len(r->pool[f->first + c->cur_block++]);
	return c->cur_off;
}

/* Queue the decompression of one block or fragment (key) unless cached.
 * Returns false when no slot is free. */
static bool queue(struct sqfs_rd *r, uint64_t key, uint64_t at, uint32_t word, uint32_t want)
{
	struct sqfs_slot *s;
	uint32_t clen = sqfs_block_len(word);
	pthread_mutex_lock(&r->mu);
	if (slot_find(r, key)) {
		pthread_mutex_unlock(&r->mu);
		return true;
	}
	s = slot_take(r, key);
	pthread_mutex_unlock(&r->mu);
	if (!s)
		return false;
	if (!s->cin)
		s->cin = xmalloc(r->sb.block_size);
	s->clen = clen;
	s->want = want;
	if (sqfs_rd_pread(r, s->cin, clen, at, "a data block") != 0) {
		err_clear(); /* the reader meets it again when it gets there */
		pthread_mutex_lock(&r->mu);
		s->state = SLOT_FREE;
		pthread_cond_broadcast(&r->done_cv); /* a reader may wait for it */
		pthread_mutex_unlock(&r->mu);
		return false;
	}
	pthread_mutex_lock(&r->mu);
	s->next_job = NULL;
	s->queued = true;
	if (r->jobs_tail)
		r->jobs_tail->next_job = s;
	else
		r->jobs = s;
	r->jobs_tail = s;
	pthread_cond_signal(&r->job_cv);
	/* a reader that came for it while its bytes were read may decode it */
	pthread_cond_broadcast(&r->done_cv);
	pthread_mutex_unlock(&r->mu);
	return true;
}

static void start_workers(struct sqfs_rd *r)
{
	r->started = true;
	r->workers = xcalloc((size_t)r->want_workers, sizeof *r->workers);
	for (int i = 0; i < r->want_workers; i++) {
		if (pthread_create(&r->workers[i], NULL, worker, r) != 0)
			break;
		r->nworkers++;
	}
}

/* A file's positions in the walk of read-ahead: its blocks, its fragment. */
static uint64_t walk_len(const struct sqfs_rfile *f)
{
	return (uint64_t)f->nblocks + (f->frag != SQFS_NO_FRAGMENT);
}

/* The read-ahead stream a read at walk position pos continues: one whose
 * mark lies in its window [pos, end] (the furthest ahead), else the least
 * recently used, started again at pos. */
static struct sqfs_ra *ra_stream(struct sqfs_rd *r, struct sqfs_ctx *c, size_t fi, uint32_t b, uint64_t pos,
				 uint64_t end)
{
	struct sqfs_ra *m = NULL, *old = &r->ra[0];
	for (int i = 0; i < SQFS_RA_STREAMS; i++) {
		struct sqfs_ra *x = &r->ra[i];
		if (x->valid && x->seq >= pos && x->seq <= end && (!m || x->seq > m->seq))
			m = x;
		if (!x->valid || (old->valid && x->stamp < old->stamp))
			old = x;
	}
	if (!m) {
		m = old;
		m->valid = true;
		m->file = fi;
		m->block = b;
		m->at = block_at(r, c, fi, MIN(b, r->files[fi].nblocks));
		m->seq = pos;
	}
	m->stamp = ++r->ra_stamp;
	return m;
}

/* Read ahead: the compressed blocks (and fragments) that follow block b
 * of file fi in file order, the order of a walk of the tree. The window is
 * the next window() positions; those before the stream's high-water mark
 * were queued by an earlier call, so a reader moving forward queues only
 * the new ones (a reader that jumped past the mark or far behind it starts
 * a stream where it is). Skipped while another reader reads ahead: it
 * queues for its own stream, and this one's next block tries again. */
static void read_ahead(struct sqfs_rd *r, struct sqfs_ctx *c, size_t fi, uint32_t b)
{
	unsigned w = window(r), steps = 0;
	uint32_t bs = r->sb.block_size;
	uint64_t at, pos, end;
	struct sqfs_ra *m;
	if (!w || pthread_mutex_trylock(&r->ra_mu) != 0)
		return;
	if (!r->started)
		start_workers(r);
	if (!r->nworkers || fi >= r->nfiles)
		goto out;
	if (!r->ra_walk) {
		r->ra_walk = xmalloc((r->nfiles + 1) * sizeof *r->ra_walk);
		r->ra_walk[0] = 0;
		for (size_t i = 0; i < r->nfiles; i++)
			r->ra_walk[i + 1] = r->ra_walk[i] + walk_len(&r->files[i]);
	}
	b = (uint32_t)MIN((uint64_t)b, walk_len(&r->files[fi]));
	pos = r->ra_walk[fi] + b;
	end = pos + w;
	m = ra_stream(r, c, fi, b, pos, end);
	fi = m->file;
	b = m->block;
	at = m->at;
	pos = m->seq;
	/* steps: a run of empty files costs no more than a window per call */
	while (pos < end && fi < r->nfiles && steps++ < 8 * w) {
		const struct sqfs_rfile *f = &r->files[fi];
		if (b < f->nblocks) {
			uint32_t word = r->pool[f->first + b];
			if (sqfs_block_len(word) && !sqfs_block_raw(word) &&
			    !queue(r, at, at, word, (uint32_t)MIN((uint64_t)bs, f->size - (uint64_t)b * bs)))
				break; /* no free slot: the next call tries again */
			at += sqfs_block_len(word);
			b++;
			pos++;
		} else if (b == f->nblocks && f->frag != SQFS_NO_FRAGMENT) {
			const struct sqfs_frag *fr = &r->frags[f->frag];
			if (!sqfs_block_raw(fr->size_word) &&
			    !queue(r, SQFS_KEY_FRAG | f->frag, fr->start, fr->size_word, 0))
				break;
			b++;
			pos++;
		} else if (++fi < r->nfiles) {
			b = 0;
			at = r->files[fi].blocks_start;
		}
	}
	m->file = fi;
	m->block = b;
	m->at = at;
	m->seq = pos;
out:
	pthread_mutex_unlock(&r->ra_mu);
}

/* Bytes [bo, bo + k) of the decompressed block key into p, decoded with
 * c if no thread has it. whole: the caller wants the whole block and p can
 * take it. */
static int get_block(struct sqfs_rd *r, struct sqfs_ctx *c, uint64_t key, uint64_t at, uint32_t word,
		     uint32_t want, uint8_t *p, uint32_t bo, size_t k)
{
	uint32_t clen = sqfs_block_len(word), cap = want ? want : r->sb.block_size;
	struct sqfs_slot *s;
	uint8_t *dst, *tmp = NULL;
	ssize_t got = 0;
	bool direct = bo == 0 && want && k == want;
	int rc;
	const uint8_t *cin = NULL;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		s = slot_find(r, key);
		if (!s || s->state != SLOT_PENDING)
			break;
		if (s->queued) {
			/* queued, not started: decoded here, where it is wanted (no
			 * copy when whole, and the caller's cache keeps it); the slot
			 * stays PENDING, so nothing reuses its cin, and readers of the
			 * same block wait for it */
			dequeue(r, s);
			cin = s->cin;
			goto decode;
		}
		/* a thread decodes it, or a reader reads its bytes to queue it */
		pthread_cond_wait(&r->done_cv, &r->mu);
	}
	if (s) {
		if (s->state == SLOT_FAILED) {
			rc = slot_error(r, s, at);
			s->state = SLOT_FREE;
			pthread_mutex_unlock(&r->mu);
			return rc;
		}
		s->pins++;
		s->stamp = ++r->dstamp;
		pthread_mutex_unlock(&r->mu);
		rc = bo + k <= s->len ? 0
				      : sqfs_rd_error(r, at, "a %s of %u bytes has no bytes %u..%zu",
						      key & SQFS_KEY_FRAG ? "fragment block" : "data block",
						      s->len, bo, bo + k);
		if (!rc)
			memcpy(p, s->buf + bo, k);
		pthread_mutex_lock(&r->mu);
		s->pins--;
		pthread_mutex_unlock(&r->mu);
		return rc;
	}
	/* a whole block goes straight to the caller, anything else through the
	 * cache (the slot, PENDING, makes other readers of it wait) */
	s = direct ? NULL : slot_take(r, key);
decode:
	pthread_mutex_unlock(&r->mu);
	if (!cin) {
		if (!c->cbuf)
			c->cbuf = xmalloc(r->sb.block_size);
		if ((rc = sqfs_rd_pread(r, c->cbuf, clen, at, "a data block")) != 0)
			goto out;
		cin = c->cbuf;
	}
	dst = direct ? p : s ? s->buf : (tmp = xmalloc(r->sb.block_size));
	got = sqfs_decompress(r, c->dec, cin, clen, dst, cap);
	if (got >= 0 && want && (uint32_t)got != want)
		got = err_set(ERR_FORMAT, "a data block inflates to %zd bytes, not %u", got, want);
	if (got < 0) {
		rc = err_wrap((int)got, "%s: offset %llu", r->src.name, (unsigned long long)at);
		goto out;
	}
	rc = 0;
	if (!direct && bo + k > (size_t)got)
		rc = sqfs_rd_error(r, at, "a %s of %zd bytes has no bytes %u..%zu",
				   key & SQFS_KEY_FRAG ? "fragment block" : "data block", got, bo, bo + k);
	else if (!direct)
		memcpy(p, dst + bo, k);
out:
	free(tmp);
	if (s) {
		pthread_mutex_lock(&r->mu);
		/* a stolen block given straight to the caller leaves nothing cached
		 * (readers waiting for it decode it themselves) */
		s->state = rc || direct ? SLOT_FREE : SLOT_READY;
		s->len = rc || direct ? 0 : (uint32_t)got;
		pthread_cond_broadcast(&r->done_cv);
		pthread_mutex_unlock(&r->mu);
	}
	return rc;
}

static int file_pread(struct sqfs_rd *r, struct sqfs_ctx *c, size_t fi, uint8_t *p, size_t len, uint64_t off)
{
	uint32_t bs = r->sb.block_size;
	const struct sqfs_rfile *f = &r->files[fi];
	int rc = 0;
	while (len && !rc) {
		uint64_t bi = off / bs;
		uint32_t bo = (uint32_t)(off % bs);
		size_t k;
		if (bi < f->nblocks) {
			uint32_t word = r->pool[f->first + bi];
			uint32_t blen = (uint32_t)MIN((uint64_t)bs, f->size - bi * bs);
			uint64_t at = block_at(r, c, fi, (uint32_t)bi);
			k = MIN(len, (size_t)(blen - bo));
			if (!sqfs_block_len(word))
				memset(p, 0, k); /* a hole */
			else if (sqfs_block_raw(word))
				rc = sqfs_rd_pread(r, p, k, at + bo, "a data block");
			else
				rc = get_block(r, c, at, at, word, blen, p, bo, k);
			if (!rc && bo + k == blen)
				read_ahead(r, c, fi, (uint32_t)bi + 1);
		} else {
			const struct sqfs_frag *fr;
			uint64_t tail = f->size % bs;
			if (f->frag == SQFS_NO_FRAGMENT)
				return err_set(EINVAL, "%s: internal error: a tail without a fragment",
					       r->src.name);
			fr = &r->frags[f->frag];
			k = MIN(len, (size_t)(tail - bo));
			if (sqfs_block_raw(fr->size_word)) {
				if (f->frag_off + bo + k > sqfs_block_len(fr->size_word))
					return sqfs_rd_error(
					    r, fr->start, "a stored fragment block of %u bytes is too short",
					    sqfs_block_len(fr->size_word));
				rc = sqfs_rd_pread(r, p, k, fr->start + f->frag_off + bo, "a fragment block");
			} else
				rc = get_block(r, c, SQFS_KEY_FRAG | f->frag, fr->start, fr->size_word, 0, p,
					       f->frag_off + bo, k);
			if (!rc && bo + k == tail)
				read_ahead(r, c, fi + 1, 0);
		}
		p += k;
		off += k;
		len -= k;
	}
	return rc;
}

static int data_pread(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off)
{
	struct sqfs_rd *r = img->priv;
	size_t fi = (size_t)n->src_aux;
	struct sqfs_ctx *c;
	int rc;
	if (fi >= r->nfiles || off > r->files[fi].size || len > r->files[fi].size - off)
		return err_set(EINVAL, "%s: internal error: a read outside file %zu", r->src.name, fi);
	c = ctx_get(r);
	rc = file_pread(r, c, fi, buf, len, off);
	ctx_put(r, c);
	return rc;
}

static void data_destroy(struct tree_img *img);

const struct tree_img_ops sqfs_img_ops = {.pread = data_pread, .destroy = data_destroy, .concurrent = true};

static void data_destroy(struct tree_img *img)
{
	sqfs_rd_free(img->priv);
}
