/* Internal to src/iso9660: isohybrid: an MBR in the ISO's system area, so the same image boots
 * from a disk (USB stick) through syslinux's isohdpfx.bin and isolinux. */
#ifndef MKLIVE_ISO9660_HYBRID_H
#define MKLIVE_ISO9660_HYBRID_H

#include <stddef.h>
#include <stdint.h>

#define ISO_HYBRID_HEADS 64
#define ISO_HYBRID_SECTORS 32
#define ISO_HYBRID_PART_TYPE 0x17 /* what isohybrid and xorriso write */
#define ISO_HYBRID_EFI_TYPE 0xEF  /* EFI system partition */

/* Build the 512-byte MBR: the template's first 432 bytes of boot code, the
 * boot file's 512-byte sector number at 432 (read by isohdpfx), the disk
 * signature at 440, one active partition covering the whole image, 0x55AA.
 * tmpl_len must be 432..512. With efi_bytes > 0, a second partition of type
 * 0xEF covers the EFI boot image at sector efi_lba (2048-byte units), as
 * syslinux's isohybrid --uefi makes it, so UEFI firmware boots the disk. */
int iso_hybrid_mbr(uint8_t *mbr, const uint8_t *tmpl, size_t tmpl_len, uint32_t boot_lba,
		   uint64_t image_bytes, uint32_t disk_id, uint32_t efi_lba, uint64_t efi_bytes);

#endif
