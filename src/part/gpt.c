/* The GUID Partition Table (UEFI 2.10 5.3): header and entry array, the
 * primary copy from LBA 1 and the backup copy ending in the disk's last
 * sector, with the CRC32s over both; and the reading side for readers. */
#include "part/part.h"

#include "core/error.h"
#include "core/util.h"

#include <libdeflate.h>
#include <string.h>

#define GPT_HEADER_SIZE 92u
#define GPT_REVISION 0x00010000u

uint32_t part_crc32(uint32_t crc, const void *buf, size_t len)
{
	return libdeflate_crc32(crc, buf, len);
}

void part_gpt_init(struct part_gpt *g, uint64_t sectors)
{
	memset(g, 0, sizeof *g);
	g->sectors = sectors;
	g->array_entries = PART_GPT_NENTRIES;
}

uint64_t part_gpt_array_sectors(const struct part_gpt *g)
{
	uint32_t n = g->array_entries ? g->array_entries : PART_GPT_NENTRIES;
	return DIV_ROUND_UP((uint64_t)n * PART_GPT_ENTRY_SIZE, PART_SECTOR);
}

size_t part_gpt_bytes(const struct part_gpt *g)
{
	return (size_t)(1 + part_gpt_array_sectors(g)) * PART_SECTOR;
}

uint64_t part_gpt_backup_lba(const struct part_gpt *g)
{
	return g->sectors - 1 - part_gpt_array_sectors(g);
}

static uint64_t first_usable(const struct part_gpt *g)
{
	return g->first_usable ? g->first_usable : 2 + part_gpt_array_sectors(g);
}

static uint64_t last_usable(const struct part_gpt *g)
{
	return g->last_usable ? g->last_usable : part_gpt_backup_lba(g) - 1;
}

/* UTF-8 name to the 36 UTF-16LE code units of an entry (5.3.3): code
 * points past U+FFFF are refused, as are names that do not fit. */
static int put_name(uint8_t *p, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = 0;
	while (s && *s) {
		uint32_t c = *s++;
		int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		if (more == 3 || (c >= 0x80 && c < 0xC0))
			return -1;
		c &= more ? 0x3F >> more : 0x7F;
		for (int k = 0; k < more; k++) {
			if ((*s & 0xC0) != 0x80)
				return -1;
			c = c << 6 | (*s++ & 0x3F);
		}
		if (n == 36)
			return -1;
		put_le16(p + 2 * n++, (uint16_t)c);
	}
	return 0;
}

static void put_header(uint8_t *sec, const struct part_gpt *g, uint64_t my, uint64_t alt, uint64_t array,
		       uint32_t array_crc)
{
	memset(sec, 0, PART_SECTOR);
	memcpy(sec, "EFI PART", 8);		 /* 0: signature */
	put_le32(sec + 8, GPT_REVISION);	 /* 8: revision 1.0 */
	put_le32(sec + 12, GPT_HEADER_SIZE);	 /* 12: header size */
	put_le64(sec + 24, my);			 /* 24: MyLBA */
	put_le64(sec + 32, alt);		 /* 32: AlternateLBA */
	put_le64(sec + 40, first_usable(g));	 /* 40: FirstUsableLBA */
	put_le64(sec + 48, last_usable(g));	 /* 48: LastUsableLBA */
	memcpy(sec + 56, g->disk_guid, 16);	 /* 56: DiskGUID */
	put_le64(sec + 72, array);		 /* 72: PartitionEntryLBA */
	put_le32(sec + 80, g->array_entries);	 /* 80: NumberOfPartitionEntries */
	put_le32(sec + 84, PART_GPT_ENTRY_SIZE); /* 84: SizeOfPartitionEntry */
	put_le32(sec + 88, array_crc);		 /* 88: PartitionEntryArrayCRC32 */
	/* 16: HeaderCRC32 over the header's 92 bytes with the field zero */
	put_le32(sec + 16, part_crc32(0, sec, GPT_HEADER_SIZE));
}

int part_gpt_encode(const struct part_gpt *g, uint8_t *primary, uint8_t *backup)
{
	uint64_t asec = part_gpt_array_sectors(g), fu = first_usable(g), lu = last_usable(g);
	size_t abytes = (size_t)asec * PART_SECTOR;
	uint8_t *array = primary + PART_SECTOR;
	if (!g->array_entries || g->array_entries % 4)
		return err_set(ERR_LIMIT,
			       "GPT: %u entries; the array holds a multiple of 4 (one sector each)",
			       g->array_entries);
	if (g->sectors < 2 * (1 + asec) + 2 || fu < 2 + asec || lu >= part_gpt_backup_lba(g) || fu > lu)
		return err_set(
		    ERR_LIMIT,
		    "GPT: a disk of %llu sectors cannot hold both copies and usable LBAs %llu..%llu",
		    (unsigned long long)g->sectors, (unsigned long long)fu, (unsigned long long)lu);
	if (g->nentries > g->array_entries)
		return err_set(ERR_LIMIT, "GPT: %zu partitions; the array holds %u", g->nentries,
			       g->array_entries);
	memset(array, 0, abytes);
	for (size_t i = 0; i < g->nentries; i++) {
		const struct part_gpt_entry *e = &g->entries[i];
		uint8_t *p = array + i * PART_GPT_ENTRY_SIZE;
		if (part_guid_is_zero(e->type))
			continue; /* an unused slot: all zeros */
		if (e->first > e->last || e->first < fu || e->last > lu)
			return err_set(
			    ERR_LIMIT,
			    "GPT partition %zu (%s): LBAs %llu..%llu are outside the usable %llu..%llu",
			    i + 1, e->name ? e->name : part_type_name(e->type), (unsigned long long)e->first,
			    (unsigned long long)e->last, (unsigned long long)fu, (unsigned long long)lu);
		for (size_t j = 0; j < i; j++)
			if (!part_guid_is_zero(g->entries[j].type) && e->first <= g->entries[j].last &&
			    g->entries[j].first <= e->last)
				return err_set(
				    ERR_LIMIT,
				    "GPT partitions %zu and %zu overlap (LBAs %llu..%llu, %llu..%llu)", j + 1,
				    i + 1, (unsigned long long)g->entries[j].first,
				    (unsigned long long)g->entries[j].last, (unsigned long long)e->first,
				    (unsigned long long)e->last);
		memcpy(p, e->type, 16);	       /* 0: PartitionTypeGUID */
		memcpy(p + 16, e->guid, 16);   /* 16: UniquePartitionGUID */
		put_le64(p + 32, e->first);    /* 32: StartingLBA */
		put_le64(p + 40, e->last);     /* 40: EndingLBA (inclusive) */
		put_le64(p + 48, e->attrs);    /* 48: Attributes */
		if (put_name(p + 56, e->name)) /* 56: PartitionName, 36 UTF-16LE */
			return err_set(ERR_LIMIT,
				       "GPT partition %zu: name \"%s\" does not fit 36 UTF-16 units", i + 1,
				       e->name);
	}
	uint32_t crc = part_crc32(0, array, (size_t)g->array_entries * PART_GPT_ENTRY_SIZE);
	uint64_t last = g->sectors - 1, bk = part_gpt_backup_lba(g);
	put_header(primary, g, 1, last, 2, crc);
	memcpy(backup, array, abytes);
	put_header(backup + abytes, g, last, 1, bk, crc);
	return 0;
}

int part_gpt_header_decode(const uint8_t sec[512], struct part_gpt_header *h)
{
	uint8_t tmp[GPT_HEADER_SIZE];
	uint32_t size = get_le32(sec + 12);
	if (memcmp(sec, "EFI PART", 8))
		return err_set(ERR_FORMAT, "no GPT header signature \"EFI PART\"");
	if (get_le32(sec + 8) != GPT_REVISION)
		return err_set(ERR_FORMAT, "GPT header revision 0x%08x, expected 0x00010000",
			       get_le32(sec + 8));
	if (size < GPT_HEADER_SIZE || size > PART_SECTOR)
		return err_set(ERR_FORMAT, "GPT header size %u: expected 92..512", size);
	memcpy(tmp, sec, GPT_HEADER_SIZE);
	put_le32(tmp + 16, 0);
	uint32_t crc = part_crc32(0, tmp, GPT_HEADER_SIZE);
	if (size > GPT_HEADER_SIZE)
		crc = part_crc32(crc, sec + GPT_HEADER_SIZE, size - GPT_HEADER_SIZE);
	if (crc != get_le32(sec + 16))
		return err_set(ERR_FORMAT, "GPT header CRC32 0x%08x, computed 0x%08x", get_le32(sec + 16),
			       crc);
	h->my_lba = get_le64(sec + 24);
	h->alternate_lba = get_le64(sec + 32);
	h->first_usable = get_le64(sec + 40);
	h->last_usable = get_le64(sec + 48);
	memcpy(h->disk_guid, sec + 56, 16);
	h->array_lba = get_le64(sec + 72);
	h->nentries = get_le32(sec + 80);
	h->entry_size = get_le32(sec + 84);
	h->array_crc = get_le32(sec + 88);
	if (h->entry_size < PART_GPT_ENTRY_SIZE || h->entry_size % 8 || h->entry_size > 4096)
		return err_set(ERR_FORMAT, "GPT entry size %u: expected a multiple of 8 from 128",
			       h->entry_size);
	if (h->nentries > 65536)
		return err_set(ERR_FORMAT, "GPT: %u entries is more than a reader accepts", h->nentries);
	return 0;
}

int part_gpt_array_check(const struct part_gpt_header *h, const uint8_t *array, size_t len)
{
	size_t need = (size_t)h->nentries * h->entry_size;
	if (len < need)
		return err_set(ERR_FORMAT, "GPT entry array: %zu bytes of %zu", len, need);
	uint32_t crc = part_crc32(0, array, need);
	if (crc != h->array_crc)
		return err_set(ERR_FORMAT, "GPT entry array CRC32 0x%08x, computed 0x%08x", h->array_crc,
			       crc);
	return 0;
}

void part_gpt_entry_decode(const uint8_t *array, const struct part_gpt_header *h, size_t i,
			   struct part_gpt_entry *e, char name_out[37])
{
	const uint8_t *p = array + i * h->entry_size;
	size_t n = 0;
	memcpy(e->type, p, 16);
	memcpy(e->guid, p + 16, 16);
	e->first = get_le64(p + 32);
	e->last = get_le64(p + 40);
	e->attrs = get_le64(p + 48);
	for (; n < 36; n++) {
		uint16_t c = get_le16(p + 56 + 2 * n);
		if (!c)
			break;
		name_out[n] = c < 0x80 ? (char)c : '?';
	}
	name_out[n] = 0;
	e->name = name_out;
}
