/* cloop header encoding and recognition (cloop.h of the cloop sources:
 * 128-byte preamble, big-endian 32-bit block size and block count). */
#include "cloop/cloop.h"

#include "core/util.h"

#include <string.h>

/* The preamble Debian's create_compressed_fs (cloop-utils 3.14) writes: a
 * shell script that mounts the image when run, with the format signature
 * at offset 0x0b. Byte-identical, zero-padded to 128 bytes. */
static const char preamble_v2[] = "#!/bin/sh\n"
				  "#V2.0 Format\n"
				  "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
				  "exit $?\n";
static const char preamble_v4[] = "#!/bin/sh\n"
				  "#V4.0 Format\n"
				  "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
				  "exit $?\n";
/* Leading bytes of a header-last image: no signature at 0x0b, so readers
 * (which try the start of the file first) look for the header at the end. */
static const char lead_v4[] = "#!/bin/sh\n"
			      "# cloop V4.0, header and index at the end\n"
			      "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
			      "exit $?\n";
_Static_assert(sizeof preamble_v2 <= CLOOP_PREAMBLE_SIZE, "preamble fits the headroom");
_Static_assert(sizeof preamble_v4 <= CLOOP_PREAMBLE_SIZE, "preamble fits the headroom");
_Static_assert(sizeof lead_v4 <= CLOOP_V4_LEAD_SIZE, "lead fits");
_Static_assert(CLOOP_HEAD_SIZE == CLOOP_PREAMBLE_SIZE + 8, "struct cloop_head is 136 bytes");

void cloop_head_encode(uint8_t head[CLOOP_HEAD_SIZE], enum cloop_version v, uint32_t block_size,
		       uint32_t num_blocks)
{
	const char *p = v == CLOOP_V2 ? preamble_v2 : preamble_v4;
	memset(head, 0, CLOOP_HEAD_SIZE);
	memcpy(head, p, strlen(p));
	put_be32(head + 128, block_size); /* cloop_head.block_size, network order */
	put_be32(head + 132, num_blocks); /* cloop_head.num_blocks, network order */
}

int cloop_head_version(const uint8_t *head)
{
	if (memcmp(head + CLOOP_SIG_OFFSET, "V4.0", 4) == 0)
		return 4;
	if (memcmp(head + CLOOP_SIG_OFFSET, "V2.0", 4) == 0)
		return 2;
	return 0;
}

void cloop_v4_lead_encode(uint8_t lead[CLOOP_V4_LEAD_SIZE])
{
	memset(lead, 0, CLOOP_V4_LEAD_SIZE);
	memcpy(lead, lead_v4, strlen(lead_v4));
}

const char *cloop_method_name(enum cloop_method m)
{
	static const char *names[] = {"zlib", "none", "xz", "lz4", "lzo"};
	return (unsigned)m < CLOOP_M_COUNT ? names[m] : "unknown";
}
