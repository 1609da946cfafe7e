/* Codec names, levels and the dispatch from the generic interface to the
 * per-library codec files. */
#include "compress/codec_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum comp_codec codec;
} codec_names[] = {
    {"none", COMP_NONE}, {"deflate", COMP_DEFLATE}, {"zlib", COMP_ZLIB}, {"gzip", COMP_GZIP},
    {"xz", COMP_XZ},	 {"zstd", COMP_ZSTD},	    {"lz4", COMP_LZ4},	 {"lz4-frame", COMP_LZ4_FRAME},
};

int comp_codec_parse(const char *name, enum comp_codec *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(codec_names); i++)
		if (strcmp(name, codec_names[i].name) == 0) {
			*out = codec_names[i].codec;
			return 0;
		}
	return err_set(ERR_USAGE,
		       "unknown compressor '%s' (known: none, deflate, zlib, gzip, xz, zstd, lz4, lz4-frame)",
		       name);
}

const char *comp_codec_name(enum comp_codec c)
{
	for (size_t i = 0; i < ARRAY_SIZE(codec_names); i++)
		if (codec_names[i].codec == c)
			return codec_names[i].name;
	return "unknown";
}

/* The libraries' own defaults: libdeflate 6, xz preset 6, zstd 3, LZ4 fast. */
int comp_level_default(enum comp_codec c)
{
	switch (c) {
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		return 6;
	case COMP_XZ:
		return 6;
	case COMP_ZSTD:
		return 3;
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		return 1;
	case COMP_NONE:
		break;
	}
	return 0;
}

static void level_range(enum comp_codec c, int *lo, int *hi)
{
	switch (c) {
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		*lo = 0, *hi = 12;
		return; /* libdeflate's range */
	case COMP_XZ:
		*lo = 0, *hi = 9;
		return;
	case COMP_ZSTD:
		*lo = 1, *hi = 22;
		return;
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		*lo = 1, *hi = 12;
		return; /* 1 fast, 2..12 HC */
	case COMP_NONE:
		break;
	}
	*lo = 0, *hi = 0;
}

int comp_level_check(enum comp_codec c, int level)
{
	int lo, hi;
	if (level == -1)
		return 0;
	level_range(c, &lo, &hi);
	if (level < lo || level > hi) {
		if (c == COMP_NONE)
			return err_set(ERR_USAGE, "compressor none takes no level (got %d)", level);
		return err_set(ERR_USAGE, "compression level %d is out of range for %s (%d..%d)", level,
			       comp_codec_name(c), lo, hi);
	}
	return 0;
}

int comp_ctx_create(struct comp_ctx **out, const struct comp_opts *o)
{
	struct comp_ctx *c;
	int rc = comp_level_check(o->codec, o->level);
	*out = NULL;
	if (rc < 0)
		return rc;
	c = xcalloc(1, sizeof *c);
	c->o = *o;
	if (c->o.level == -1)
		c->o.level = comp_level_default(o->codec);
	switch (o->codec) {
	case COMP_NONE:
		rc = 0;
		break;
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		rc = comp_deflate_init(c);
		break;
	case COMP_XZ:
		rc = comp_xz_init(c);
		break;
	case COMP_ZSTD:
		rc = comp_zstd_init(c);
		break;
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		rc = comp_lz4_init(c);
		break;
	default:
		rc = err_set(ERR_USAGE, "unknown compressor number %d", (int)o->codec);
	}
	if (rc < 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void comp_ctx_destroy(struct comp_ctx *c)
{
	if (!c)
		return;
	switch (c->o.codec) {
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		comp_deflate_fini(c);
		break;
	case COMP_XZ:
		comp_xz_fini(c);
		break;
	case COMP_ZSTD:
		comp_zstd_fini(c);
		break;
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		comp_lz4_fini(c);
		break;
	case COMP_NONE:
		break;
	}
	free(c);
}

size_t comp_codec_bound(enum comp_codec codec, size_t n)
{
	switch (codec) {
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		return comp_deflate_bound(codec, n);
	case COMP_XZ:
		return comp_xz_bound(n);
	case COMP_ZSTD:
		return comp_zstd_bound(n);
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		return comp_lz4_bound(codec, n);
	case COMP_NONE:
		break;
	}
	return n;
}

size_t comp_bound(const struct comp_ctx *c, size_t in_len)
{
	return comp_codec_bound(c->o.codec, in_len);
}

ssize_t comp_compress(struct comp_ctx *c, const void *in, size_t in_len, void *out, size_t out_cap)
{
	switch (c->o.codec) {
	case COMP_NONE:
		if (in_len > out_cap)
			return 0;
		if (in_len)
			memcpy(out, in, in_len);
		return (ssize_t)in_len;
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		return comp_deflate_compress(c, in, in_len, out, out_cap);
	case COMP_XZ:
		return comp_xz_compress(c, in, in_len, out, out_cap);
	case COMP_ZSTD:
		return comp_zstd_compress(c, in, in_len, out, out_cap);
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		return comp_lz4_compress(c, in, in_len, out, out_cap);
	}
	return err_set(ERR_USAGE, "unknown compressor number %d", (int)c->o.codec);
}

ssize_t comp_decompress(enum comp_codec codec, const void *in, size_t in_len, void *out, size_t out_cap)
{
	switch (codec) {
	case COMP_NONE:
		if (in_len > out_cap)
			return err_set(ERR_FORMAT, "stored block of %zu bytes exceeds %zu", in_len, out_cap);
		if (in_len)
			memcpy(out, in, in_len);
		return (ssize_t)in_len;
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP:
		return comp_deflate_decompress(codec, in, in_len, out, out_cap);
	case COMP_XZ:
		return comp_xz_decompress(in, in_len, out, out_cap);
	case COMP_ZSTD:
		return comp_zstd_decompress(in, in_len, out, out_cap);
	case COMP_LZ4:
	case COMP_LZ4_FRAME:
		return comp_lz4_decompress(codec, in, in_len, out, out_cap);
	}
	return err_set(ERR_USAGE, "unknown compressor number %d", (int)codec);
}
