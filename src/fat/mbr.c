/* The MBR partition wrapper: one active partition holding the filesystem,
 * for hard disks, USB sticks and El Torito hard-disk emulation. */
#include "core/util.h"
#include "fat/fat_impl.h"
#include "part/part.h"

#include <string.h>

void fat_mbr(uint8_t out[512], const uint8_t *code, size_t code_len, uint32_t disk_id, uint8_t type,
	     uint32_t start, uint32_t count)
{
	uint8_t *pe = out + 446; /* first of four 16-byte partition entries */
	memset(out, 0, 512);
	if (code && code_len)
		memcpy(out, code, MIN(code_len, (size_t)440));
	else
		fat_boot_code(out, 0);
	put_le32(out + 440, disk_id);			       /* disk signature */
	pe[0] = 0x80;					       /* active (bootable) */
	part_chs(pe + 1, start, FAT_PART_HEADS, FAT_PART_SPT); /* first sector, CHS */
	pe[4] = type;
	part_chs(pe + 5, start + count - 1, FAT_PART_HEADS, FAT_PART_SPT); /* last sector, CHS */
	put_le32(pe + 8, start);					   /* first sector, LBA */
	put_le32(pe + 12, count);					   /* sectors */
	out[510] = 0x55;
	out[511] = 0xAA;
}
