/* Raw deflate (RFC 1951), zlib (RFC 1950) and gzip (RFC 1952) through
 * libdeflate, which compresses whole buffers faster and smaller than zlib. */
#include "compress/codec_impl.h"

#include "core/error.h"

#include <libdeflate.h>

int comp_deflate_init(struct comp_ctx *c)
{
	c->state = libdeflate_alloc_compressor(c->o.level);
	if (!c->state)
		return err_set(ENOMEM, "libdeflate: cannot allocate a level %d compressor", c->o.level);
	return 0;
}

void comp_deflate_free(struct comp_ctx *c)
{
	libdeflate_free_compressor(c->state);
	c->state = NULL;
}

/* A NULL compressor gives the bound over every level (libdeflate.h). */
size_t comp_deflate_bound(enum comp_codec codec, size_t n)
{
	switch (codec) {
	case COMP_ZLIB:
		return libdeflate_zlib_compress_bound(NULL, n);
	case COMP_GZIP:
		return libdeflate_gzip_compress_bound(NULL, n);
	default:
		return libdeflate_deflate_compress_bound(NULL, n);
	}
}

ssize_t comp_deflate_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap)
{
	size_t r;
	switch (c->o.codec) {
	case COMP_ZLIB:
		r = libdeflate_zlib_compress(c->state, in, n, out, cap);
		break;
	case COMP_GZIP:
		r = libdeflate_gzip_compress(c->state, in, n, out, cap);
		break;
	default:
		r = libdeflate_deflate_compress(c->state, in, n, out, cap);
		break;
	}
	return (ssize_t)r; /* 0: did not fit */
}

ssize_t comp_deflate_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t got = 0;
	enum libdeflate_result r;
	if (!d)
		return err_set(ENOMEM, "libdeflate: cannot allocate a decompressor");
	switch (codec) {
	case COMP_ZLIB:
		r = libdeflate_zlib_decompress(d, in, n, out, cap, &got);
		break;
	case COMP_GZIP:
		r = libdeflate_gzip_decompress(d, in, n, out, cap, &got);
		break;
	default:
		r = libdeflate_deflate_decompress(d, in, n, out, cap, &got);
		break;
	}
	libdeflate_free_decompressor(d);
	switch (r) {
	case LIBDEFLATE_SUCCESS:
		return (ssize_t)got;
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return err_set(ERR_FORMAT, "%s data inflates to more than %zu bytes", comp_codec_name(codec),
			       cap);
	default:
		return err_set(ERR_FORMAT, "corrupt %s data", comp_codec_name(codec));
	}
}
