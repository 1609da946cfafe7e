/* Partition tables as byte encoders and decoders: the MBR (four primary
 * entries) and the GUID Partition Table of UEFI 2.10 section 5.3, with its
 * CRC32s, primary and backup copies. Used by the ISO hybrid layout (an
 * ESP inside the ISO image), the persistence partition of a USB stick and
 * the readers that describe an image. Sectors are 512 bytes throughout.
 *
 * Typical use (a disk of `sectors` sectors with one ESP):
 *
 *     struct part_gpt g;
 *     struct part_gpt_entry e = {.first = 2048, .last = 2048 + 8191, .name = "ESP"};
 *     memcpy(e.type, PART_TYPE_ESP, 16);
 *     part_guid_derive(e.guid, seed, 1);
 *     part_gpt_init(&g, sectors);
 *     part_guid_derive(g.disk_guid, seed, 0);
 *     g.entries = &e, g.nentries = 1;
 *     uint8_t *prim = xmalloc(part_gpt_bytes(&g)), *back = xmalloc(part_gpt_bytes(&g));
 *     if (part_gpt_encode(&g, prim, back) == 0)
 *         write prim at byte 512 (LBA 1) and back at byte part_gpt_backup_lba(&g) * 512;
 *     with a protective MBR in sector 0: part_mbr_protective(&m, sectors) + part_mbr_encode.
 */
#ifndef MKLIVE_PART_PART_H
#define MKLIVE_PART_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PART_SECTOR 512u

/* CRC-32 of IEEE 802.3 (as zlib's crc32), the one GPT uses (UEFI 5.3.2):
 * start with crc = 0, feed pieces in order. */
uint32_t part_crc32(uint32_t crc, const void *buf, size_t len);

/* ---- GUIDs ------------------------------------------------------------- */
/* GUIDs are kept as the 16 bytes stored on disk: the first three fields
 * little-endian, the last two as written (UEFI appendix A). */
extern const uint8_t PART_TYPE_ESP[16];	       /* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
extern const uint8_t PART_TYPE_BASIC_DATA[16]; /* EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 */
extern const uint8_t PART_TYPE_LINUX[16];      /* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 */
extern const uint8_t PART_TYPE_LINUX_SWAP[16]; /* 0657FD6D-A4AB-43C4-84E5-0933C84B4F4F */
extern const uint8_t PART_TYPE_HFSPLUS[16];    /* 48465300-0000-11AA-AA11-00306543ECAC */

/* Parse "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" (any case, braces allowed)
 * or the 32 hex digits of the on-disk bytes in order (xorriso's
 * "a2a0d0ebe5b9334487c068b6b72699c7" spelling). 0, or ERR_USAGE with the
 * message set naming `what`. */
int part_guid_parse(const char *text, uint8_t out[16], const char *what);
/* The canonical text form (36 characters and a NUL). */
void part_guid_format(const uint8_t g[16], char out[37]);
/* A GUID from a seed and an index (version 4 and RFC 4122 variant bits
 * set), so that images built from the same inputs repeat byte for byte. */
void part_guid_derive(uint8_t out[16], uint64_t seed, unsigned index);
bool part_guid_is_zero(const uint8_t g[16]);
/* The GPT partition type that stands for an MBR type byte: 0xEF the ESP,
 * 0x83 Linux, 0x82 Linux swap, 0xAF HFS+, anything else basic data. */
const uint8_t *part_type_from_mbr(uint8_t mbr_type);
/* A short name of a GPT type for messages ("EFI System", "Linux", ...). */
const char *part_type_name(const uint8_t type[16]);

/* ---- MBR (sector 0) ------------------------------------------------------ */
#define PART_MBR_PROTECTIVE 0xEE /* GPT protective partition (UEFI 5.2.3) */
#define PART_MBR_EFI 0xEF	 /* EFI system partition in an MBR */

struct part_mbr_entry {
	bool active;	/* boot indicator 0x80 */
	uint8_t type;	/* 0: an unused slot */
	uint32_t start; /* first sector (LBA) */
	uint32_t sectors;
};

/* The CHS triple of an MBR entry for an LBA with a heads x sectors-per-
 * track geometry; past cylinder 1023 the largest address CHS holds, as the
 * LBA fields then rule (UEFI 5.2.1). */
void part_chs(uint8_t p[3], uint64_t lba, unsigned heads, unsigned spt);
/* Fill the four partition entries (offset 446), their CHS fields from a
 * heads x sectors-per-track geometry (clamped at cylinder 1023), and the
 * 0x55AA signature; bytes 0..445 (boot code, disk signature) are left as
 * they are. */
void part_mbr_encode(uint8_t mbr[512], const struct part_mbr_entry e[4], unsigned heads, unsigned spt);
/* Read the four entries. ERR_FORMAT without the 0x55AA signature. */
int part_mbr_decode(const uint8_t mbr[512], struct part_mbr_entry e[4]);
/* The protective entry for a GPT disk of `sectors` sectors: type 0xEE
 * from LBA 1 over the disk (0xFFFFFFFF when larger), not active. */
void part_mbr_protective(struct part_mbr_entry *e, uint64_t sectors);
/* Boot code that gives the BIOS back the boot (int 18h) for an MBR with
 * no code of its own: 5 bytes. */
extern const uint8_t PART_MBR_NOBOOT_CODE[5];

/* ---- GPT ----------------------------------------------------------------- */
#define PART_GPT_ENTRY_SIZE 128u
#define PART_GPT_NENTRIES 128u /* the usual array: 16 KiB, 32 sectors */
#define PART_GPT_ATTR_REQUIRED (1ull << 0)
#define PART_GPT_ATTR_NO_BLOCK_IO (1ull << 1)
#define PART_GPT_ATTR_LEGACY_BOOT (1ull << 2)
#define PART_GPT_ATTR_READ_ONLY (1ull << 60) /* basic data attribute */

struct part_gpt_entry {
	uint8_t type[16];     /* partition type GUID; all zeros: an unused slot */
	uint8_t guid[16];     /* unique partition GUID */
	uint64_t first, last; /* LBAs, inclusive */
	uint64_t attrs;
	const char *name; /* ASCII/UTF-8, up to 36 UTF-16 code units; NULL: none */
};

struct part_gpt {
	uint8_t disk_guid[16];
	uint64_t sectors;	/* size of the disk */
	uint32_t array_entries; /* entries in the array (default 128) */
	uint64_t first_usable;	/* default: right after the primary array */
	uint64_t last_usable;	/* default: right before the backup array */
	const struct part_gpt_entry *entries;
	size_t nentries;
};

/* Defaults for a disk of `sectors` sectors: 128 entries, usable LBAs
 * 34 .. sectors-34, no partitions, a zero disk GUID (set one). */
void part_gpt_init(struct part_gpt *g, uint64_t sectors);
/* Sectors of the entry array, and bytes of each copy (header + array). */
uint64_t part_gpt_array_sectors(const struct part_gpt *g);
size_t part_gpt_bytes(const struct part_gpt *g);
/* Where the backup copy starts (its array; the header is the last sector). */
uint64_t part_gpt_backup_lba(const struct part_gpt *g);
/* Check the layout (usable range inside the disk and clear of both
 * copies, every partition inside it, none overlapping, at most
 * array_entries, names that fit) and encode both copies: primary =
 * header (LBA 1) then the array (LBA 2...); backup = the array then the
 * header (the disk's last sector). Each buffer holds part_gpt_bytes().
 * 0, or ERR_FORMAT / ERR_LIMIT naming the partition that does not fit. */
int part_gpt_encode(const struct part_gpt *g, uint8_t *primary, uint8_t *backup);

/* A header read back (UEFI 5.3.2), for readers. */
struct part_gpt_header {
	uint64_t my_lba, alternate_lba, first_usable, last_usable, array_lba;
	uint32_t nentries, entry_size, array_crc;
	uint8_t disk_guid[16];
};
/* Decode and check a header sector: signature "EFI PART", revision 1.0,
 * header size, header CRC. 0 or ERR_FORMAT naming what is wrong. */
int part_gpt_header_decode(const uint8_t sector[512], struct part_gpt_header *h);
/* Check the array's CRC against the header and decode entry i (a zero
 * type GUID is an unused entry). name_out gets up to 36 characters
 * (non-ASCII code units as '?'). */
int part_gpt_array_check(const struct part_gpt_header *h, const uint8_t *array, size_t len);
void part_gpt_entry_decode(const uint8_t *array, const struct part_gpt_header *h, size_t i,
			   struct part_gpt_entry *e, char name_out[37]);

#endif
