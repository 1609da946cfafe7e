/* libFuzzer target for cloop as an image layer: header (first or last),
 * index and blocks decoded on demand through the block cache, and the
 * image inside (usually ISO 9660) probed and read through it, as
 * `mklive ls x.cloop` does. */
#include "cloop/cloop.h"
#include "fuzz_src.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgsrc s;
	struct imgsrc_info info = {0};
	struct image_info ii;
	struct tree *t = NULL;
	size_t tail = size < IMGSRC_TAIL_BYTES ? size : IMGSRC_TAIL_BYTES;
	if ((!cloop_probe(data, size, size) && !cloop_probe_tail(data + size - tail, tail, size)) ||
	    fuzz_src_open(&s, data, size) < 0) {
		err_clear();
		return 0;
	}
	memset(&ii, 0, sizeof ii);
	if (image_read_src(&s, &t, &ii) == 0)
		fuzz_read_tree(t);
	err_clear();
	tree_destroy(t);
	if (cloop_info(&s, &info) < 0)
		err_clear();
	imgsrc_info_free(&info);
	imgsrc_close(&s);
	return 0;
}
