/* Codecs behind one interface (libdeflate, liblzma, libzstd, liblz4) and a
 * parallel, ordered block-compression engine shared by cloop, squashfs, the
 * initramfs and tarballs. */
#ifndef MKLIVE_COMPRESS_H
#define MKLIVE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum comp_codec {
	COMP_NONE,
	COMP_DEFLATE,	/* raw deflate (RFC 1951) */
	COMP_ZLIB,	/* zlib container (RFC 1950): cloop, squashfs "gzip" */
	COMP_GZIP,	/* gzip member (RFC 1952): initramfs, .tgz */
	COMP_XZ,	/* .xz stream (liblzma) */
	COMP_ZSTD,	/* zstd frame */
	COMP_LZ4,	/* LZ4 block (no frame): squashfs, cloop */
	COMP_LZ4_FRAME, /* LZ4 frame: initramfs ("lz4 -l" legacy is not used) */
};

struct comp_opts {
	enum comp_codec codec;
	int level;	       /* -1: the codec's default */
	uint32_t xz_dict_size; /* 0: default for the level */
	int xz_check;	       /* lzma_check value; 0 = none, default CRC32 for squashfs */
	bool xz_extreme;
	bool xz_x86_bcj; /* x86 BCJ filter before LZMA2 */
};

/* "gzip"/"zlib"/"deflate"/"xz"/"zstd"/"lz4"/"none" -> codec. */
int comp_codec_parse(const char *name, enum comp_codec *out);
const char *comp_codec_name(enum comp_codec c);
int comp_level_default(enum comp_codec c);
int comp_level_check(enum comp_codec c, int level); /* 0 or error naming the range */

/* Per-thread compressor state. */
struct comp_ctx;
int comp_ctx_create(struct comp_ctx **out, const struct comp_opts *o);
void comp_ctx_destroy(struct comp_ctx *c);
/* Worst-case compressed size for in_len bytes. */
size_t comp_bound(const struct comp_ctx *c, size_t in_len);
size_t comp_codec_bound(enum comp_codec codec, size_t in_len);
/* Compress in[0..in_len) into out. Returns the compressed length, 0 if the
 * result would not fit in out_cap (the caller stores the block raw), or a
 * negative error. */
ssize_t comp_compress(struct comp_ctx *c, const void *in, size_t in_len, void *out, size_t out_cap);
/* Decompress a whole block; returns the decompressed length (at most
 * out_cap; more output than out_cap is an ERR_FORMAT error), or a negative
 * error with a message. */
ssize_t comp_decompress(enum comp_codec codec, const void *in, size_t in_len, void *out, size_t out_cap);

/* A probe for bytes that no codec can shrink (already compressed data): a
 * cheap order-0 entropy gate, then a zstd level 1 trial that must fail to
 * make them any smaller. A pure function of the bytes (deterministic);
 * inputs shorter than COMP_PROBE_MIN are never called incompressible. One
 * probe per thread. */
#define COMP_PROBE_MIN 512
struct comp_probe;
int comp_probe_create(struct comp_probe **out);
void comp_probe_destroy(struct comp_probe *p);
bool comp_probe_incompressible(struct comp_probe *p, const void *in, size_t n);

/* ---- a cache of compressed blocks ------------------------------------------
 * Rebuilding an image after a small change recompresses only what changed:
 * results are kept under DIR/blocks/, keyed by the block's bytes (CRC-64
 * and CRC-32 of the content, its length) and everything that decides the
 * output: codec, level and parameters, the libraries' versions, and the
 * caller's size cap. Each entry carries a SHA-256 of its flag and bytes,
 * checked over the whole file, and a hit is decompressed and compared with
 * the block before it is used, so a cached result is exactly what
 * compressing would give, and an image is byte-identical with or without
 * the cache.
 * Thread-safe; the size on disk is bounded by comp_cache_prune(). */
struct comp_cache;
/* dir is created if needed. */
int comp_cache_create(struct comp_cache **out, const char *dir);
void comp_cache_destroy(struct comp_cache *c);
/* Look a block up: 1 and its result (*raw: stored as it is; else
 * out[0..*out_len)) on a verified hit, 0 on a miss. scratch holds in_len
 * bytes (for the comparison). cap is the caller's limit on the result. */
int comp_cache_get(struct comp_cache *c, const struct comp_opts *o, size_t cap, const void *in, size_t in_len,
		   void *out, size_t out_cap, size_t *out_len, bool *raw, void *scratch);
/* Keep a result (raw: the block is stored as it is). Errors are not fatal:
 * a cache that cannot be written only makes the next build slower. */
void comp_cache_put(struct comp_cache *c, const struct comp_opts *o, size_t cap, const void *in,
		    size_t in_len, const void *out, size_t out_len, bool raw);
/* Hits and misses so far. */
void comp_cache_stats(const struct comp_cache *c, uint64_t *hits, uint64_t *misses);
/* Remove the least recently used entries until the cache holds at most
 * max_bytes. */
int comp_cache_prune(struct comp_cache *c, uint64_t max_bytes);

/* ---- the parallel ordered block engine ------------------------------------
 * The producer takes a free block (comp_engine_get: blocks when max_in_flight
 * blocks are in flight, which bounds memory and gives back-pressure), fills
 * in[0..in_len) and tags, and submits it. threads - 1 worker threads
 * compress, and so does the producer whenever it would otherwise wait. The sink
 * is called on the producer's thread (inside get/submit/finish) once per
 * block, strictly in submission order, so it may write to an out_file
 * without locking. Output is identical for any thread count. The first error
 * (from a worker or the sink) stops the pipeline and is returned by every
 * later call, with its message. */
struct comp_block {
	uint8_t *in; /* input buffer of block_size bytes */
	size_t in_len;
	const uint8_t *out; /* in the sink: the bytes to store */
	size_t out_len;
	bool raw;     /* in the sink: compression did not shrink it; out == in */
	bool store;   /* producer: pass it to the sink raw, without compressing */
	uint64_t seq; /* submission number, from 0 */
	uint64_t tag; /* free for the producer */
	void *user;   /* free for the producer */
	/* engine-private */
	uint8_t *cbuf;
	size_t cbuf_cap;
	int state;
	struct comp_block *next;
};

typedef int (*comp_sink_fn)(struct comp_block *b, void *ctx);

struct comp_engine;
/* threads <= 0: online CPUs. max_in_flight 0: 4 per thread. A block that
 * compresses to raw_threshold bytes or more (0: in_len) is passed as raw. */
int comp_engine_create(struct comp_engine **out, const struct comp_opts *o, int threads, size_t block_size,
		       size_t max_in_flight, comp_sink_fn sink, void *ctx);
/* raw_threshold (call before the first comp_engine_get; default 0 = in_len):
 * COMP_NEVER_RAW makes every block pass through the codec (formats such as
 * cloop v2 that have no stored blocks); compression failing to fit in the
 * codec's bound is then an error. */
#define COMP_NEVER_RAW ((size_t)-1)
void comp_engine_set_raw_threshold(struct comp_engine *e, size_t raw_threshold);
/* Probe each block first (comp_probe_incompressible) and pass the ones no
 * codec can shrink as raw without compressing them; call before the first
 * comp_engine_get. Also with COMP_NEVER_RAW: then only these are raw. */
int comp_engine_set_probe(struct comp_engine *e);
/* Look blocks up in a cache before compressing them, and keep the results
 * there (call before the first comp_engine_get; the cache must outlive the
 * engine). */
void comp_engine_set_cache(struct comp_engine *e, struct comp_cache *c);
int comp_engine_get(struct comp_engine *e, struct comp_block **out);
int comp_engine_submit(struct comp_engine *e, struct comp_block *b);
/* Wait for every block to reach the sink; returns 0 or the first error. */
int comp_engine_finish(struct comp_engine *e);
void comp_engine_destroy(struct comp_engine *e);
/* Tests only: the block with submission number seq fails as its codec would. */
void comp_engine_fail_block(struct comp_engine *e, uint64_t seq);

#endif
