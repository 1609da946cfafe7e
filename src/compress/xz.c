/* .xz streams through liblzma, with the preset, dictionary size, integrity
 * check and optional x86 BCJ filter of comp_opts. */
#include "compress/codec_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>

/* The stream is kept between blocks: liblzma reuses the encoder's memory
 * when it is re-initialised with the same filter chain, which matters for
 * many small blocks (a level 6 encoder needs ~94 MB of tables). */
struct xz_state {
	lzma_stream strm;
	lzma_options_lzma lzma;
	uint32_t preset_dict;
};

int comp_xz_init(struct comp_ctx *c)
{
	struct xz_state *s = xcalloc(1, sizeof *s);
	lzma_stream init = LZMA_STREAM_INIT;
	uint32_t preset = (uint32_t)c->o.level | (c->o.xz_extreme ? LZMA_PRESET_EXTREME : 0);
	if (lzma_lzma_preset(&s->lzma, preset)) {
		free(s);
		return err_set(ERR_USAGE, "xz: unsupported preset %d", c->o.level);
	}
	if (c->o.xz_check < 0 || c->o.xz_check > LZMA_CHECK_ID_MAX ||
	    !lzma_check_is_supported((lzma_check)c->o.xz_check)) {
		free(s);
		return err_set(ERR_USAGE, "xz: unsupported integrity check %d", c->o.xz_check);
	}
	if (c->o.xz_dict_size) {
		if (c->o.xz_dict_size < LZMA_DICT_SIZE_MIN) {
			free(s);
			return err_set(ERR_USAGE, "xz: dictionary size %u is below the minimum %u",
				       c->o.xz_dict_size, (unsigned)LZMA_DICT_SIZE_MIN);
		}
		s->lzma.dict_size = c->o.xz_dict_size;
	}
	s->preset_dict = s->lzma.dict_size;
	s->strm = init;
	c->state = s;
	return 0;
}

void comp_xz_fini(struct comp_ctx *c)
{
	struct xz_state *s = c->state;
	if (s)
		lzma_end(&s->strm);
	free(s);
	c->state = NULL;
}

size_t comp_xz_bound(enum comp_codec codec, size_t n)
{
	return lzma_stream_buffer_bound(n);
}

ssize_t comp_xz_compress(struct comp_ctx *c, const void *in, size_t n, void *out, size_t cap)
{
	struct xz_state *s = c->state;
	lzma_filter filters[3];
	lzma_ret r;
	int nf = 0;
	/* Without an explicit size, a dictionary larger than the block is
	 * useless and costs memory (also in the kernel's decoder): use the
	 * smallest power of two >= the block, at least 4 KiB. */
	s->lzma.dict_size = s->preset_dict;
	if (!c->o.xz_dict_size) {
		uint32_t d = LZMA_DICT_SIZE_MIN;
		while (d < n && d < s->preset_dict)
			d <<= 1;
		s->lzma.dict_size = MIN(d, s->preset_dict);
	}
	if (c->o.xz_x86_bcj)
		filters[nf++] = (lzma_filter){.id = LZMA_FILTER_X86, .options = NULL};
	filters[nf++] = (lzma_filter){.id = LZMA_FILTER_LZMA2, .options = &s->lzma};
	filters[nf] = (lzma_filter){.id = LZMA_VLI_UNKNOWN, .options = NULL};

	r = lzma_stream_encoder(&s->strm, filters, (lzma_check)c->o.xz_check);
	if (r != LZMA_OK)
		return err_set(r == LZMA_MEM_ERROR ? ENOMEM : ERR_USAGE,
			       "xz: cannot initialise the encoder (liblzma error %d)", (int)r);
	s->strm.next_in = in;
	s->strm.avail_in = n;
	s->strm.next_out = out;
	s->strm.avail_out = cap;
	do
		r = lzma_code(&s->strm, LZMA_FINISH);
	while (r == LZMA_OK && s->strm.avail_out > 0);
	if (r == LZMA_STREAM_END)
		return (ssize_t)(cap - s->strm.avail_out);
	if (r == LZMA_OK || r == LZMA_BUF_ERROR)
		return 0; /* output full: does not fit */
	return err_set(r == LZMA_MEM_ERROR ? ENOMEM : EIO, "xz: compression failed (liblzma error %d)",
		       (int)r);
}

ssize_t comp_xz_decompress(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	uint64_t memlimit = UINT64_MAX;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, n, out, &out_pos, cap);
	switch (r) {
	case LZMA_OK:
		return (ssize_t)out_pos;
	case LZMA_BUF_ERROR:
		if (out_pos == cap)
			return err_set(ERR_FORMAT, "xz data inflates to more than %zu bytes", cap);
		return err_set(ERR_FORMAT, "xz data is truncated");
	case LZMA_MEM_ERROR:
		return err_set(ENOMEM, "xz: out of memory");
	default:
		return err_set(ERR_FORMAT, "corrupt xz data (liblzma error %d)", (int)r);
	}
}
