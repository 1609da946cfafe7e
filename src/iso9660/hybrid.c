/* isohybrid MBR: boot code from a template (isohdpfx.bin), the isolinux
 * boot file location, and a partition table with one active partition
 * from sector 0 over the whole (1 MiB aligned) image, 64 heads x 32
 * sectors geometry as syslinux's isohybrid uses. */
#include "iso9660/hybrid.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* MBR CHS triple for a 512-byte sector number, clamped at 1023/63/254. */
static void put_chs(uint8_t *p, uint64_t lba)
{
	uint64_t c = lba / (ISO_HYBRID_HEADS * ISO_HYBRID_SECTORS);
	unsigned h = (unsigned)(lba / ISO_HYBRID_SECTORS % ISO_HYBRID_HEADS);
	unsigned s = (unsigned)(lba % ISO_HYBRID_SECTORS + 1);
	if (c > 1023) {
		c = 1023;
		h = ISO_HYBRID_HEADS - 1;
		s = ISO_HYBRID_SECTORS;
	}
	p[0] = (uint8_t)h;
	p[1] = (uint8_t)(s | ((c >> 2) & 0xC0));
	p[2] = (uint8_t)c;
}

int iso_hybrid_mbr(uint8_t *mbr, const uint8_t *tmpl, size_t tmpl_len, uint32_t boot_lba,
		   uint64_t image_bytes, uint32_t disk_id, uint32_t efi_lba, uint64_t efi_bytes)
{
	uint64_t sectors = image_bytes / 512;
	uint8_t *pe = mbr + 446;
	if (tmpl_len < 432 || tmpl_len > 512)
		return err_set(ERR_FORMAT,
			       "isohybrid MBR template: %zu bytes, expected 432 to 512 (isohdpfx.bin)",
			       tmpl_len);
	memset(mbr, 0, 512);
	memcpy(mbr, tmpl, 432);
	put_le64(mbr + 432, (uint64_t)boot_lba * 4); /* isohdpfx: boot file in 512-byte sectors */
	put_le32(mbr + 440, disk_id);		     /* disk signature */
	/* partition 1: active, from sector 0, the whole image */
	pe[0] = 0x80;
	put_chs(pe + 1, 0);
	pe[4] = ISO_HYBRID_PART_TYPE;
	put_chs(pe + 5, sectors ? sectors - 1 : 0);
	put_le32(pe + 8, 0);
	put_le32(pe + 12, (uint32_t)MIN(sectors, (uint64_t)0xFFFFFFFF));
	if (efi_bytes) {
		/* partition 2: the EFI image inside the ISO, not active */
		uint64_t start = (uint64_t)efi_lba * 4, count = DIV_ROUND_UP(efi_bytes, (uint64_t)512);
		pe += 16;
		put_chs(pe + 1, start);
		pe[4] = ISO_HYBRID_EFI_TYPE;
		put_chs(pe + 5, start + count - 1);
		put_le32(pe + 8, (uint32_t)start);
		put_le32(pe + 12, (uint32_t)count);
	}
	mbr[510] = 0x55;
	mbr[511] = 0xAA;
	return 0;
}
