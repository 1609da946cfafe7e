/* The MBR partition wrapper: one active partition holding the filesystem,
 * for hard disks, USB sticks and El Torito hard-disk emulation. */
#include "core/util.h"
#include "fat/fat_priv.h"

#include <string.h>

/* CHS address of an LBA with the wrapper's 64 x 32 geometry, clamped to
 * the largest address CHS can express (the LBA fields then rule). */
static void chs(uint8_t out[3], uint32_t lba)
{
	uint32_t c = lba / (FAT_PART_HEADS * FAT_PART_SPT);
	uint32_t h = (lba / FAT_PART_SPT) % FAT_PART_HEADS;
	uint32_t s = lba % FAT_PART_SPT + 1;
	if (c > 1023) {
		c = 1023;
		h = FAT_PART_HEADS - 1;
		s = FAT_PART_SPT;
	}
	out[0] = (uint8_t)h;
	out[1] = (uint8_t)(s | ((c >> 2) & 0xC0)); /* sector in bits 0-5, cylinder bits 8-9 in 6-7 */
	out[2] = (uint8_t)c;
}

void fat_mbr(uint8_t out[512], const uint8_t *code, size_t code_len, uint32_t disk_id, uint8_t type,
	     uint32_t start, uint32_t count)
{
	uint8_t *pe = out + 446; /* first of four 16-byte partition entries */
	memset(out, 0, 512);
	if (code && code_len)
		memcpy(out, code, MIN(code_len, (size_t)440));
	else
		fat_boot_code(out, 0);
	put_le32(out + 440, disk_id); /* disk signature */
	pe[0] = 0x80;		      /* active (bootable) */
	chs(pe + 1, start);	      /* first sector, CHS */
	pe[4] = type;
	chs(pe + 5, start + count - 1); /* last sector, CHS */
	put_le32(pe + 8, start);	/* first sector, LBA */
	put_le32(pe + 12, count);	/* sectors */
	out[510] = 0x55;
	out[511] = 0xAA;
}
