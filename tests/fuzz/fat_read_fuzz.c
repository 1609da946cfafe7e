/* libFuzzer target for the FAT reader: BPB (also behind an MBR), the FAT
 * (12/16/32-bit entries), cluster chains (loops, cross-links, chains out
 * of range), VFAT long names and 8.3 names on arbitrary bytes; then reads
 * of every file's data. */
#include "fat/reader.h"
#include "fuzz_src.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgsrc s;
	struct imgsrc_info info = {0};
	struct tree *t;
	if (!fat_probe(data, size, size) || fuzz_src_open(&s, data, size) < 0) {
		err_clear();
		return 0;
	}
	t = tree_create();
	if (fat_read(&s, t) == 0 && tree_finalize(t) == 0)
		fuzz_read_tree(t);
	err_clear();
	tree_destroy(t);
	if (fat_info(&s, &info) < 0)
		err_clear();
	imgsrc_info_free(&info);
	imgsrc_close(&s);
	return 0;
}
