/* The parallel ordered block engine: worker threads compress fixed blocks,
 * the producer's thread hands the results to the sink in submission order;
 * a fixed pool of blocks bounds memory and throttles a fast producer. */
#include "compress/codec_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { B_FREE, B_FILLING, B_QUEUED, B_WORKING, B_DONE };

struct comp_engine {
	struct comp_opts opts;
	size_t block_size, max_in_flight, cbuf_cap, raw_threshold;
	comp_sink_fn sink;
	void *sink_ctx;

	pthread_mutex_t mu;
	pthread_cond_t cv_work; /* workers: a block was queued, or stop */
	pthread_cond_t cv_done; /* producer: a block finished, or an error */

	struct comp_block **all; /* every allocated block, for destroy */
	size_t nall;
	struct comp_block *free_list;
	/* Submitted blocks in submission order (linked by next); next_work is
	 * the first one no worker has taken yet: the queue is a cursor. */
	struct comp_block *head, *tail, *next_work;
	uint64_t next_seq;
	uint64_t fail_seq; /* test hook: UINT64_MAX = off */

	int err; /* first error (negative) and its message */
	char *errmsg;
	bool stop;

	int nthreads;
	pthread_t *tids;
	struct comp_ctx **ctxs; /* one per worker, and the producer's last */
	int nctxs;
	struct comp_ctx *pctx;	    /* the producer's: compresses while it would wait */
	struct comp_probe **probes; /* NULL, or one per ctx (same index) */
	struct comp_cache *cache;   /* NULL, or where results are kept */
	uint8_t **scratch;	    /* with a cache: one block per ctx, to verify hits */
};

/* Record the first error; the caller holds mu. */
static void set_error_locked(struct comp_engine *e, int rc)
{
	if (e->err)
		return;
	e->err = rc;
	e->errmsg = xstrdup(err_msg());
	pthread_cond_broadcast(&e->cv_done);
	pthread_cond_broadcast(&e->cv_work);
}

/* Re-raise the stored error on the calling thread; the caller holds mu. */
static int report_locked(struct comp_engine *e)
{
	err_copy(e->err, e->errmsg);
	return e->err;
}

static int compress_block(struct comp_engine *e, struct comp_ctx *ctx, struct comp_block *b)
{
	bool never_raw = e->raw_threshold == COMP_NEVER_RAW;
	size_t cap = e->cbuf_cap;
	ssize_t r;

	b->raw = true;
	b->out = b->in;
	b->out_len = b->in_len;
	if (b->seq == e->fail_seq)
		return err_set(EIO, "block %llu: injected codec failure", (unsigned long long)b->seq);
	if (e->opts.codec == COMP_NONE || b->store)
		return 0;
	if (e->probes && comp_probe_incompressible(e->probes[ctx->index], b->in, b->in_len))
		return 0;
	if (!never_raw) {
		size_t t = e->raw_threshold ? MIN(e->raw_threshold, b->in_len) : b->in_len;
		if (t == 0)
			return 0;
		cap = MIN(cap, t - 1); /* a result of t bytes or more is stored raw */
	}
	if (e->cache) {
		size_t len;
		bool raw;
		if (comp_cache_get(e->cache, &e->opts, cap, b->in, b->in_len, b->cbuf, cap, &len, &raw,
				   e->scratch[ctx->index])) {
			if (!raw) {
				b->raw = false;
				b->out = b->cbuf;
				b->out_len = len;
			}
			return 0;
		}
	}
	r = comp_compress(ctx, b->in, b->in_len, b->cbuf, cap);
	if (r < 0)
		return err_wrap((int)r, "compressing block %llu", (unsigned long long)b->seq);
	if (r == 0) {
		if (never_raw)
			return err_set(EIO, "%s: block %llu does not fit in the codec's bound of %zu bytes",
				       comp_codec_name(e->opts.codec), (unsigned long long)b->seq, cap);
		if (e->cache)
			comp_cache_put(e->cache, &e->opts, cap, b->in, b->in_len, NULL, 0, true);
		return 0;
	}
	b->raw = false;
	b->out = b->cbuf;
	b->out_len = (size_t)r;
	if (e->cache)
		comp_cache_put(e->cache, &e->opts, cap, b->in, b->in_len, b->cbuf, (size_t)r, false);
	return 0;
}

static void *worker_main(void *arg)
{
	struct comp_engine *e = ((void **)arg)[0];
	struct comp_ctx *ctx = ((void **)arg)[1];
	free(arg);
	pthread_mutex_lock(&e->mu);
	for (;;) {
		struct comp_block *b;
		int rc;
		while (!e->stop && (e->err || !e->next_work))
			pthread_cond_wait(&e->cv_work, &e->mu);
		if (e->stop)
			break;
		b = e->next_work;
		e->next_work = b->next;
		b->state = B_WORKING;
		pthread_mutex_unlock(&e->mu);

		rc = compress_block(e, ctx, b);

		pthread_mutex_lock(&e->mu);
		if (rc < 0)
			set_error_locked(e, rc);
		b->state = B_DONE;
		pthread_cond_broadcast(&e->cv_done);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

int comp_engine_create(struct comp_engine **out, const struct comp_opts *o, int threads, size_t block_size,
		       size_t max_in_flight, comp_sink_fn sink, void *ctx)
{
	struct comp_engine *e;
	int rc, n;
	*out = NULL;
	if (block_size == 0 || !sink)
		return err_set(EINVAL, "compression engine: block size 0 or no sink");
	if (threads <= 0)
		threads = util_cpu_count();
	if (max_in_flight == 0)
		max_in_flight = 4 * (size_t)threads;
	e = xcalloc(1, sizeof *e);
	e->opts = *o;
	e->block_size = block_size;
	e->max_in_flight = max_in_flight;
	e->cbuf_cap = o->codec == COMP_NONE ? 1 : comp_codec_bound(o->codec, block_size);
	e->sink = sink;
	e->sink_ctx = ctx;
	e->fail_seq = UINT64_MAX;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv_work, NULL);
	pthread_cond_init(&e->cv_done, NULL);
	e->all = xcalloc(max_in_flight, sizeof *e->all);

	/* N threads: N - 1 workers, and the producer compresses queued blocks
	 * whenever it would otherwise wait, so a handoff never leaves a core
	 * idle (this matters when other jobs share the cores). One thread:
	 * every block is compressed inline on the producer's thread. */
	n = threads - 1;
	e->nctxs = n + 1;
	e->ctxs = xcalloc((size_t)e->nctxs, sizeof *e->ctxs);
	for (int i = 0; i < e->nctxs; i++) {
		rc = comp_ctx_create(&e->ctxs[i], o);
		if (rc < 0) {
			comp_engine_destroy(e);
			return rc;
		}
		e->ctxs[i]->index = i;
	}
	e->pctx = e->ctxs[n];
	e->tids = xcalloc((size_t)(n ? n : 1), sizeof *e->tids);
	for (int i = 0; i < n; i++) {
		void **arg = xmalloc(2 * sizeof *arg);
		arg[0] = e;
		arg[1] = e->ctxs[i];
		rc = pthread_create(&e->tids[i], NULL, worker_main, arg);
		if (rc != 0) {
			free(arg);
			comp_engine_destroy(e);
			return err_sys(rc, "cannot start compression thread %d", i + 1);
		}
		e->nthreads++;
	}
	*out = e;
	return 0;
}

int comp_engine_set_probe(struct comp_engine *e)
{
	if (e->probes || e->opts.codec == COMP_NONE)
		return 0;
	e->probes = xcalloc((size_t)e->nctxs, sizeof *e->probes);
	for (int i = 0; i < e->nctxs; i++) {
		int rc = comp_probe_create(&e->probes[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void comp_engine_set_cache(struct comp_engine *e, struct comp_cache *c)
{
	if (e->opts.codec == COMP_NONE || e->cache)
		return;
	e->cache = c;
	e->scratch = xcalloc((size_t)e->nctxs, sizeof *e->scratch);
	for (int i = 0; i < e->nctxs; i++)
		e->scratch[i] = xmalloc(e->block_size);
}

void comp_engine_set_raw_threshold(struct comp_engine *e, size_t raw_threshold)
{
	e->raw_threshold = raw_threshold;
}

/* Test hook: the block with this submission number fails as if its codec
 * had failed. */
void comp_engine_fail_block(struct comp_engine *e, uint64_t seq)
{
	e->fail_seq = seq;
}

/* The producer takes the oldest queued block and compresses it itself;
 * false if there is none. Called and returns with mu held. */
static bool help_one_locked(struct comp_engine *e)
{
	struct comp_block *b = e->next_work;
	int rc;
	if (!b || e->err)
		return false;
	e->next_work = b->next;
	b->state = B_WORKING;
	pthread_mutex_unlock(&e->mu);
	rc = compress_block(e, e->pctx, b);
	pthread_mutex_lock(&e->mu);
	if (rc < 0)
		set_error_locked(e, rc);
	b->state = B_DONE;
	return true;
}

/* Hand every finished block at the head of the order to the sink (on this,
 * the producer's, thread, without the lock held). */
static int drain(struct comp_engine *e)
{
	for (;;) {
		struct comp_block *b;
		int rc;
		pthread_mutex_lock(&e->mu);
		if (e->err) {
			rc = report_locked(e);
			pthread_mutex_unlock(&e->mu);
			return rc;
		}
		b = e->head;
		if (!b || b->state != B_DONE) {
			pthread_mutex_unlock(&e->mu);
			return 0;
		}
		e->head = b->next;
		if (!e->head)
			e->tail = NULL;
		pthread_mutex_unlock(&e->mu);

		rc = e->sink(b, e->sink_ctx);

		pthread_mutex_lock(&e->mu);
		if (rc < 0)
			set_error_locked(e, rc);
		b->state = B_FREE;
		b->next = e->free_list;
		e->free_list = b;
		pthread_mutex_unlock(&e->mu);
		if (rc < 0)
			return rc;
	}
}

int comp_engine_get(struct comp_engine *e, struct comp_block **out)
{
	struct comp_block *b = NULL;
	*out = NULL;
	for (;;) {
		int rc = drain(e);
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&e->mu);
		if (e->free_list) {
			b = e->free_list;
			e->free_list = b->next;
		} else if (e->nall < e->max_in_flight) {
			b = xcalloc(1, sizeof *b);
			b->in = xmalloc(e->block_size);
			b->cbuf = xmalloc(e->cbuf_cap);
			b->cbuf_cap = e->cbuf_cap;
			e->all[e->nall++] = b;
		} else if (!e->head) {
			pthread_mutex_unlock(&e->mu);
			return err_set(EINVAL, "compression engine: every block is held by the producer");
		} else {
			/* Back-pressure: help, or wait for the oldest block. */
			if (!help_one_locked(e))
				while (!e->err && e->head->state != B_DONE)
					pthread_cond_wait(&e->cv_done, &e->mu);
			pthread_mutex_unlock(&e->mu);
			continue;
		}
		pthread_mutex_unlock(&e->mu);
		break;
	}
	b->in_len = 0;
	b->out = NULL;
	b->out_len = 0;
	b->raw = false;
	b->store = false;
	b->tag = 0;
	b->user = NULL;
	b->next = NULL;
	b->state = B_FILLING;
	*out = b;
	return 0;
}

int comp_engine_submit(struct comp_engine *e, struct comp_block *b)
{
	int rc = 0;
	pthread_mutex_lock(&e->mu);
	if (b->state != B_FILLING)
		rc = err_set(EINVAL, "compression engine: block submitted twice or not from comp_engine_get");
	else if (b->in_len > e->block_size)
		rc = err_set(EINVAL, "compression engine: block of %zu bytes exceeds the block size %zu",
			     b->in_len, e->block_size);
	if (rc < 0 || e->err) {
		if (b->state == B_FILLING) {
			b->state = B_FREE;
			b->next = e->free_list;
			e->free_list = b;
		}
		if (e->err)
			rc = report_locked(e);
		pthread_mutex_unlock(&e->mu);
		return rc;
	}
	b->seq = e->next_seq++;
	b->next = NULL;
	b->state = B_QUEUED;
	if (e->tail)
		e->tail->next = b;
	else
		e->head = b;
	e->tail = b;
	if (e->nthreads) {
		if (!e->next_work)
			e->next_work = b;
		pthread_cond_signal(&e->cv_work);
	}
	pthread_mutex_unlock(&e->mu);

	if (!e->nthreads) {
		rc = compress_block(e, e->pctx, b);
		pthread_mutex_lock(&e->mu);
		if (rc < 0)
			set_error_locked(e, rc);
		b->state = B_DONE;
		pthread_mutex_unlock(&e->mu);
	}
	return drain(e);
}

int comp_engine_finish(struct comp_engine *e)
{
	for (;;) {
		int rc = drain(e);
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&e->mu);
		if (!e->head) {
			pthread_mutex_unlock(&e->mu);
			return 0;
		}
		if (!help_one_locked(e))
			while (!e->err && e->head->state != B_DONE)
				pthread_cond_wait(&e->cv_done, &e->mu);
		pthread_mutex_unlock(&e->mu);
	}
}

void comp_engine_destroy(struct comp_engine *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = true;
	pthread_cond_broadcast(&e->cv_work);
	pthread_mutex_unlock(&e->mu);
	for (int i = 0; i < e->nthreads; i++)
		pthread_join(e->tids[i], NULL);
	for (int i = 0; i < e->nctxs; i++) {
		comp_ctx_destroy(e->ctxs[i]);
		if (e->probes)
			comp_probe_destroy(e->probes[i]);
	}
	free(e->probes);
	if (e->scratch)
		for (int i = 0; i < e->nctxs; i++)
			free(e->scratch[i]);
	free(e->scratch);
	for (size_t i = 0; i < e->nall; i++) {
		free(e->all[i]->in);
		free(e->all[i]->cbuf);
		free(e->all[i]);
	}
	free(e->all);
	free(e->ctxs);
	free(e->tids);
	free(e->errmsg);
	pthread_cond_destroy(&e->cv_work);
	pthread_cond_destroy(&e->cv_done);
	pthread_mutex_destroy(&e->mu);
	free(e);
}
