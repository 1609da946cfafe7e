/* LZ4 blocks (squashfs, cloop) and LZ4 frames (initramfs) through liblz4:
 * level 1 is the fast compressor, 2..12 the high-compression one. */
#include "compress/codec_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <lz4.h>
#include <lz4frame.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <string.h>

int comp_lz4_init(struct comp_ctx *c)
{
	if (c->o.codec == COMP_LZ4) /* reusable state instead of one per call */
		c->state = xmalloc((size_t)(c->o.level >= 2 ? LZ4_sizeofStateHC() : LZ4_sizeofState()));
	return 0;
}

void comp_lz4_free(struct comp_ctx *c)
{
	free(c->state);
	c->state = NULL;
}

static LZ4F_preferences_t frame_prefs(int level)
{
	LZ4F_preferences_t p;
	memset(&p, 0, sizeof p);
	p.compressionLevel = level;
	p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	return p;
}

size_t comp_lz4_bound(enum comp_codec codec, size_t n)
{
	if (codec == COMP_LZ4_FRAME) {
		LZ4F_preferences_t p = frame_prefs(1);
		return LZ4F_compressFrameBound(n, &p);
	}
	if (n > LZ4_MAX_INPUT_SIZE)
		return n + n / 255 + 16; /* too large anyway; compress fails with a message */
	return (size_t)LZ4_compressBound((int)n);
}

ssize_t comp_lz4_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap)
{
	int r, icap = cap > INT32_MAX ? INT32_MAX : (int)cap;
	if (c->o.codec == COMP_LZ4_FRAME) {
		LZ4F_preferences_t p = frame_prefs(c->o.level);
		size_t fr = LZ4F_compressFrame(out, cap, in, n, &p);
		if (LZ4F_isError(fr))
			return 0; /* the only failure with valid arguments: output too small */
		return (ssize_t)fr;
	}
	if (n > LZ4_MAX_INPUT_SIZE)
		return err_set(ERR_LIMIT, "lz4: a block of %zu bytes is too large", n);
	if (c->o.level >= 2)
		r = LZ4_compress_HC_extStateHC(c->state, in, out, (int)n, icap, c->o.level);
	else
		r = LZ4_compress_fast_extState(c->state, in, out, (int)n, icap, 1);
	return r > 0 ? r : 0;
}

static ssize_t frame_decompress(const void *in, size_t n, void *out, size_t cap)
{
	LZ4F_dctx *d;
	size_t in_pos = 0, out_pos = 0, r = 1;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return err_set(ENOMEM, "lz4: cannot allocate a decompression context");
	while (in_pos < n && r != 0) {
		size_t src = n - in_pos, dst = cap - out_pos;
		r = LZ4F_decompress(d, (uint8_t *)out + out_pos, &dst, (const uint8_t *)in + in_pos, &src,
				    NULL);
		if (LZ4F_isError(r)) {
			LZ4F_freeDecompressionContext(d);
			return err_set(ERR_FORMAT, "corrupt lz4 frame: %s", LZ4F_getErrorName(r));
		}
		in_pos += src;
		out_pos += dst;
		if (r != 0 && src == 0 && dst == 0)
			break; /* no progress: output full */
	}
	LZ4F_freeDecompressionContext(d);
	if (r != 0 && out_pos == cap)
		return err_set(ERR_FORMAT, "lz4 frame inflates to more than %zu bytes", cap);
	if (r != 0)
		return err_set(ERR_FORMAT, "lz4 frame is truncated");
	return (ssize_t)out_pos;
}

ssize_t comp_lz4_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	int r;
	if (codec == COMP_LZ4_FRAME)
		return frame_decompress(in, n, out, cap);
	if (n > INT32_MAX || cap > INT32_MAX)
		return err_set(ERR_LIMIT, "lz4: a block of %zu bytes is too large", n > cap ? n : cap);
	r = LZ4_decompress_safe(in, out, (int)n, (int)cap);
	if (r < 0)
		return err_set(ERR_FORMAT, "corrupt lz4 block (or it inflates to more than %zu bytes)", cap);
	return r;
}
