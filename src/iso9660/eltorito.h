/* Internal to src/iso9660: El Torito 1.0: boot record volume descriptor, boot catalog and the
 * isolinux boot-info-table. */
#ifndef MKLIVE_ISO9660_ELTORITO_H
#define MKLIVE_ISO9660_ELTORITO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISO_ET_PLATFORM_X86 0x00
#define ISO_ET_PLATFORM_EFI 0xEF
/* Boot media types (El Torito 2.2, offset 1 of an entry). */
#define ISO_ET_NOEMUL 0
#define ISO_ET_FLOPPY_12 1
#define ISO_ET_FLOPPY_144 2
#define ISO_ET_FLOPPY_288 3
#define ISO_ET_HARDDISK 4
#define ISO_ET_MAX_ENTRIES 31

struct iso_et_entry {
	uint8_t platform;
	bool bootable;
	uint8_t media;
	uint16_t load_seg;
	uint8_t sys_type;
	uint16_t count; /* 512-byte sectors loaded */
	uint32_t lba;	/* first sector of the image (2048-byte units) */
};

/* Boot record volume descriptor (El Torito 2.0) pointing at the catalog. */
void iso_et_boot_record(uint8_t *p, uint32_t catalog_lba);
/* The 2048-byte boot catalog: validation entry for entries[0]'s platform,
 * default entry, then one section (header + entry) per further entry. */
int iso_et_catalog(uint8_t *p, const struct iso_et_entry *e, size_t n);
/* Media type of a floppy image by its size, or -1 if none matches. */
int iso_et_floppy_media(uint64_t size);
/* Boot-info-table (56 bytes at offset 8 of the boot file): the primary
 * volume descriptor's sector, the file's sector and length, and the sum of
 * its 32-bit little-endian words from offset 64 to the end. */
void iso_et_info_table(uint8_t *p56, uint32_t pvd_lba, uint32_t file_lba, uint32_t file_len,
		       uint32_t checksum);
/* Add the words of buf (a part of the file starting at file offset off, a
 * multiple of 4) to a boot-info-table checksum; bytes before 64 are skipped. */
uint32_t iso_et_checksum(uint32_t sum, const uint8_t *buf, size_t len, uint64_t off);

struct iso_image;
/* Check and resolve the boot entries of the options against the image. */
int iso_eltorito_resolve(struct iso_image *img);

#endif
