/* zstd frames through libzstd, one reusable context per thread. */
#include "compress/codec_impl.h"

#include "core/error.h"

#include <zstd.h>
#include <zstd_errors.h>

int comp_zstd_init(struct comp_ctx *c)
{
	c->state = ZSTD_createCCtx();
	if (!c->state)
		return err_set(ENOMEM, "zstd: cannot allocate a compression context");
	return 0;
}

void comp_zstd_fini(struct comp_ctx *c)
{
	ZSTD_freeCCtx(c->state);
	c->state = NULL;
}

size_t comp_zstd_bound(enum comp_codec codec, size_t n)
{
	return ZSTD_compressBound(n);
}

ssize_t comp_zstd_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap)
{
	size_t r = ZSTD_compressCCtx(c->state, out, cap, in, n, c->o.level);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
			return 0;
		return err_set(EIO, "zstd: compression failed: %s", ZSTD_getErrorName(r));
	}
	return (ssize_t)r;
}

ssize_t comp_zstd_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	size_t r = ZSTD_decompress(out, cap, in, n);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
			return err_set(ERR_FORMAT, "zstd data inflates to more than %zu bytes", cap);
		return err_set(ERR_FORMAT, "corrupt zstd data: %s", ZSTD_getErrorName(r));
	}
	return (ssize_t)r;
}
