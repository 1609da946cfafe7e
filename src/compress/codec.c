/* Codec names, levels and the dispatch from the generic interface to the
 * per-library codec files. */
#include "compress/codec_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* Every codec's name, level range and default (the libraries' own:
 * libdeflate 6, xz preset 6, zstd 3, LZ4 fast), and its family's
 * functions: the one place that knows them. */
static ssize_t none_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap)
{
	if (n > cap)
		return 0;
	if (n)
		memcpy(out, in, n);
	return (ssize_t)n;
}

static ssize_t none_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	if (n > cap)
		return err_set(ERR_FORMAT, "stored block of %zu bytes exceeds %zu", n, cap);
	if (n)
		memcpy(out, in, n);
	return (ssize_t)n;
}

static const struct codec_def {
	const char *name;
	int lo, hi, def; /* levels */
	int (*init)(struct comp_ctx *c);
	void (*fini)(struct comp_ctx *c);
	size_t (*bound)(enum comp_codec codec, size_t n);
	ssize_t (*compress)(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap);
	ssize_t (*decompress)(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap);
} codecs[] = {
#define DEFLATE                                                                                              \
	comp_deflate_init, comp_deflate_fini, comp_deflate_bound, comp_deflate_compress,                     \
	    comp_deflate_decompress
#define LZ4 comp_lz4_init, comp_lz4_fini, comp_lz4_bound, comp_lz4_compress, comp_lz4_decompress
    [COMP_NONE] = {"none", 0, 0, 0, NULL, NULL, NULL, none_compress, none_decompress},
    [COMP_DEFLATE] = {"deflate", 0, 12, 6, DEFLATE},
    [COMP_ZLIB] = {"zlib", 0, 12, 6, DEFLATE},
    [COMP_GZIP] = {"gzip", 0, 12, 6, DEFLATE},
    [COMP_XZ] = {"xz", 0, 9, 6, comp_xz_init, comp_xz_fini, comp_xz_bound, comp_xz_compress,
		 comp_xz_decompress},
    [COMP_ZSTD] = {"zstd", 1, 22, 3, comp_zstd_init, comp_zstd_fini, comp_zstd_bound, comp_zstd_compress,
		   comp_zstd_decompress},
    [COMP_LZ4] = {"lz4", 1, 12, 1, LZ4}, /* 1 fast, 2..12 HC */
    [COMP_LZ4_FRAME] = {"lz4-frame", 1, 12, 1, LZ4},
#undef DEFLATE
#undef LZ4
};

static const struct codec_def *def_of(enum comp_codec c)
{
	return (unsigned)c < ARRAY_SIZE(codecs) ? &codecs[c] : NULL;
}

int comp_codec_parse(const char *name, enum comp_codec *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++)
		if (strcmp(name, codecs[i].name) == 0) {
			*out = (enum comp_codec)i;
			return 0;
		}
	return err_set(ERR_USAGE,
		       "unknown compressor '%s' (known: none, deflate, zlib, gzip, xz, zstd, lz4, lz4-frame)",
		       name);
}

const char *comp_codec_name(enum comp_codec c)
{
	return def_of(c) ? def_of(c)->name : "unknown";
}

int comp_level_default(enum comp_codec c)
{
	return def_of(c) ? def_of(c)->def : 0;
}

static void level_range(enum comp_codec c, int *lo, int *hi)
{
	*lo = def_of(c) ? def_of(c)->lo : 0;
	*hi = def_of(c) ? def_of(c)->hi : 0;
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
	if (!def_of(o->codec))
		rc = err_set(ERR_USAGE, "unknown compressor number %d", (int)o->codec);
	else if (def_of(o->codec)->init)
		rc = def_of(o->codec)->init(c);
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
	if (def_of(c->o.codec) && def_of(c->o.codec)->fini)
		def_of(c->o.codec)->fini(c);
	free(c);
}

size_t comp_codec_bound(enum comp_codec codec, size_t n)
{
	return def_of(codec) && def_of(codec)->bound ? def_of(codec)->bound(codec, n) : n;
}

size_t comp_bound(const struct comp_ctx *c, size_t in_len)
{
	return comp_codec_bound(c->o.codec, in_len);
}

ssize_t comp_compress(struct comp_ctx *c, const void *in, size_t in_len, void *out, size_t out_cap)
{
	if (!def_of(c->o.codec))
		return err_set(ERR_USAGE, "unknown compressor number %d", (int)c->o.codec);
	return def_of(c->o.codec)->compress(c, in, in_len, out, out_cap);
}

ssize_t comp_decompress(enum comp_codec codec, const void *in, size_t in_len, void *out, size_t out_cap)
{
	if (!def_of(codec))
		return err_set(ERR_USAGE, "unknown compressor number %d", (int)codec);
	return def_of(codec)->decompress(codec, in, in_len, out, out_cap);
}
