/* libFuzzer target for the ISO 9660 reader: volume descriptors, directory
 * records, Rock Ridge (continuation areas, NM/SL/PX/PN/TF/CL/RE), Joliet,
 * multi-extent files and the El Torito catalog on arbitrary bytes; then
 * reads of every file's data. Errors are fine; crashes, sanitizer reports,
 * hangs and unbounded allocation are findings. */
#include "fuzz_src.h"
#include "iso9660/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgsrc s;
	struct imgsrc_info info = {0};
	struct tree *t;
	if (!iso_probe(data, size, size) || fuzz_src_open(&s, data, size) < 0) {
		err_clear();
		return 0;
	}
	t = tree_create();
	if (iso_read(&s, t) == 0 && tree_finalize(t) == 0)
		fuzz_read_tree(t);
	err_clear();
	tree_destroy(t);
	if (iso_info(&s, &info) < 0)
		err_clear();
	imgsrc_info_free(&info);
	imgsrc_close(&s);
	return 0;
}
