/* libFuzzer target for the cloop reader: header, index and block checks on
 * arbitrary bytes (v2 and v4, header first or last). */
#include "cloop/cloop.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cloop_reader *r = NULL;
	int fd = memfd_create("cloop-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && cloop_reader_open(&r, fd, size, "fuzz") == 0) {
		const struct cloop_info *in = cloop_reader_info(r);
		/* Decompress a bounded number of blocks of a bounded size. */
		if (in->block_size <= (1u << 20)) {
			uint8_t *buf = malloc(in->block_size);
			for (uint32_t i = 0; buf && i < in->num_blocks && i < 64; i++)
				if (cloop_reader_read_block(r, i, buf) < 0)
					break;
			free(buf);
		}
		cloop_reader_close(r);
	}
	err_clear();
	close(fd);
	return 0;
}
