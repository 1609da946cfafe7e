/* isohybrid: an MBR in the ISO's system area, so the same image boots
 * from a disk (USB stick) through syslinux's isohdpfx.bin and isolinux. */
#ifndef MKLIVE_ISO9660_HYBRID_H
#define MKLIVE_ISO9660_HYBRID_H

#include <stddef.h>
#include <stdint.h>

#define ISO_HYBRID_HEADS 64
#define ISO_HYBRID_SECTORS 32
#define ISO_HYBRID_PART_TYPE 0x17 /* what isohybrid and xorriso write */

/* Build the 512-byte MBR: the template's first 432 bytes of boot code, the
 * boot file's 512-byte sector number at 432 (read by isohdpfx), the disk
 * signature at 440, one active partition covering the whole image, 0x55AA.
 * tmpl_len must be 432..512. */
int iso_hybrid_mbr(uint8_t *mbr, const uint8_t *tmpl, size_t tmpl_len, uint32_t boot_lba,
		   uint64_t image_bytes, uint32_t disk_id);

#endif
