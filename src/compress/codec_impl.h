/* Private interface between the codec dispatcher (codec.c) and the
 * per-library codec files (deflate.c, xz.c, zstd.c, lz4.c). */
#ifndef MKLIVE_COMPRESS_CODEC_IMPL_H
#define MKLIVE_COMPRESS_CODEC_IMPL_H

#include "compress/compress.h"

struct comp_ctx {
	struct comp_opts o; /* level resolved (never -1) */
	void *state;	    /* owned by the codec's file */
	int index;	    /* the engine's number for it (its probe) */
};

/* Each codec family: create/destroy per-thread state, bound, compress
 * (0 = does not fit), decompress (negative error with message); codec.c
 * holds the one table that names them per codec. */
int comp_deflate_init(struct comp_ctx *c);
void comp_deflate_fini(struct comp_ctx *c);
size_t comp_deflate_bound(enum comp_codec codec, size_t n);
ssize_t comp_deflate_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap);
ssize_t comp_deflate_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap);

int comp_xz_init(struct comp_ctx *c);
void comp_xz_fini(struct comp_ctx *c);
size_t comp_xz_bound(enum comp_codec codec, size_t n);
ssize_t comp_xz_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap);
ssize_t comp_xz_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap);

int comp_zstd_init(struct comp_ctx *c);
void comp_zstd_fini(struct comp_ctx *c);
size_t comp_zstd_bound(enum comp_codec codec, size_t n);
ssize_t comp_zstd_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap);
ssize_t comp_zstd_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap);

int comp_lz4_init(struct comp_ctx *c);
void comp_lz4_fini(struct comp_ctx *c);
size_t comp_lz4_bound(enum comp_codec codec, size_t n);
ssize_t comp_lz4_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap);
ssize_t comp_lz4_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap);

#endif
