/* Adding the persistence partition to the image's partition tables: the
 * MBR (the isohybrid one, or a protective or hybrid MBR in front of a GPT)
 * and the GPT with its backup at the end of the disk (UEFI 2.10, 5.3). */
#include "part/part.h"
#include "usb/usb.h"

#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define SECTOR 512u /* hybrid images are laid out for 512-byte sectors */

/* "Linux filesystem data" 0FC63DAF-8483-4772-8E79-3D69D8477DE4, in the
 * GPT's mixed-endian byte order (UEFI 2.10 appendix A). */
static const uint8_t linux_fs_guid[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
					  0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};

static int rd(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got;
	int rc = util_pread_full(fd, buf, n, (off_t)off, &got);
	if (rc < 0)
		return err_sys(-rc, "reading the partition table at byte %llu", (unsigned long long)off);
	if (got < n)
		memset((uint8_t *)buf + got, 0, n - got);
	return 0;
}

static int wr(int fd, const void *buf, size_t n, uint64_t off)
{
	int rc;
	if (lseek(fd, (off_t)off, SEEK_SET) < 0 || (rc = util_write_full(fd, buf, n)) < 0)
		return err_sys(errno, "writing the partition table at byte %llu", (unsigned long long)off);
	return 0;
}

/* ---- MBR ------------------------------------------------------------- */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* An MBR partition entry (16 bytes at 446 + 16 * i): status, CHS first,
 * type at 4, CHS last, LBA first at 8, sector count at 12. */
static int mbr_add(uint8_t *mbr, uint64_t dev_sectors, uint64_t lba, uint64_t n, struct usb_table_result *r)
{
	int slot = -1, ee = -1, others = 0;
	unsigned heads = 255, spt = 63;
	if (lba + n > 0xFFFFFFFFull)
		return err_set(ERR_LIMIT,
			       "the persistence partition would end past 2 TiB, which an MBR cannot "
			       "describe");
	for (int i = 0; i < 4; i++) {
		uint8_t *e = mbr + 446 + 16 * i;
		uint32_t s = get_le32(e + 8), c = get_le32(e + 12);
		if (e[4] == 0 && c == 0) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (e[4] == 0xEE) {
			ee = i;
			continue;
		}
		others++;
		if (overlaps(s, c, lba, n))
			return err_set(
			    EINVAL,
			    "MBR partition %d (sectors %u..%u) overlaps the place for the persistence "
			    "partition (from sector %llu)",
			    i + 1, s, s + c - 1, (unsigned long long)lba);
		/* the geometry the image was made with (isohybrid: 64 x 32) */
		unsigned eh = e[5], es = e[6] & 63;
		if (i == 0 && es)
			heads = eh + 1, spt = es;
	}
	if (ee >= 0 && !others) {
		/* Protective MBR (UEFI 5.2.3): one 0xEE entry over the disk;
		 * the GPT carries the partition. Grow it with the disk. */
		uint8_t *e = mbr + 446 + 16 * ee;
		uint64_t cnt = MIN(dev_sectors - 1, 0xFFFFFFFFull);
		put_le32(e + 12, (uint32_t)cnt);
		part_chs(e + 5, cnt, 255, 63);
		r->mbr_slot = 0;
		return 0;
	}
	if (slot < 0)
		return err_set(ERR_LIMIT,
			       "the MBR has no free entry for the persistence partition (all 4 used)");
	uint8_t *e = mbr + 446 + 16 * slot;
	memset(e, 0, 16);
	part_chs(e + 1, lba, heads, spt);
	e[4] = 0x83; /* Linux */
	part_chs(e + 5, lba + n - 1, heads, spt);
	put_le32(e + 8, (uint32_t)lba);
	put_le32(e + 12, (uint32_t)n);
	r->mbr_slot = slot + 1;
	return 0;
}

/* ---- GPT ------------------------------------------------------------- */
/* Header (UEFI 2.10 table 5-5): "EFI PART" at 0, revision 8, header size
 * 12, header CRC32 16, MyLBA 24, AlternateLBA 32, FirstUsableLBA 40,
 * LastUsableLBA 48, DiskGUID 56, PartitionEntryLBA 72, number of entries
 * 80, entry size 84, entry array CRC32 88. Entry (table 5-6): type GUID 0,
 * unique GUID 16, StartingLBA 32, EndingLBA 40 (inclusive), attributes
 * 48, name (UTF-16LE, 36 units) 56. */
static uint32_t crc32(const void *p, size_t n)
{
	return libdeflate_crc32(0, p, n);
}

static void header_crc(uint8_t *h)
{
	uint32_t hs = get_le32(h + 12);
	put_le32(h + 16, 0);
	put_le32(h + 16, crc32(h, hs));
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

uint64_t usb_gpt_tail(const uint8_t *head, size_t len)
{
	if (len < 2 * SECTOR || memcmp(head + SECTOR, "EFI PART", 8) != 0)
		return 0;
	uint64_t n = (uint64_t)get_le32(head + SECTOR + 80) * get_le32(head + SECTOR + 84);
	if (n > 1024 * 1024)
		n = 128 * 128; /* not valid; usb_table_add refuses it later */
	return (DIV_ROUND_UP(n, SECTOR) + 1) * SECTOR;
}

static int gpt_add(int fd, uint64_t dev_sectors, uint64_t lba, uint64_t n, const char *label,
		   struct usb_table_result *r)
{
	uint8_t h[SECTOR], *ents = NULL;
	int rc;
	if ((rc = rd(fd, h, SECTOR, SECTOR)) < 0)
		return rc;
	if (memcmp(h, "EFI PART", 8) != 0)
		return 0; /* no GPT: the MBR is the only table */
	uint32_t hs = get_le32(h + 12), want = get_le32(h + 16);
	if (hs < 92 || hs > SECTOR)
		return err_set(ERR_FORMAT, "GPT header size %u is not valid", hs);
	put_le32(h + 16, 0);
	if (crc32(h, hs) != want)
		return err_set(ERR_FORMAT, "the image's GPT header has a wrong CRC32; refusing to edit it");
	put_le32(h + 16, want);
	uint64_t entlba = get_le64(h + 72), first = get_le64(h + 40);
	uint32_t nent = get_le32(h + 80), esz = get_le32(h + 84);
	if (esz < 128 || esz % 8 || nent == 0 || nent > 1024 || entlba < 2)
		return err_set(ERR_FORMAT, "GPT with %u entries of %u bytes at LBA %llu is not valid", nent,
			       esz, (unsigned long long)entlba);
	size_t asz = (size_t)nent * esz, secs = DIV_ROUND_UP(asz, SECTOR);
	ents = xcalloc(secs, SECTOR);
	if ((rc = rd(fd, ents, asz, entlba * SECTOR)) < 0)
		goto out;
	if (crc32(ents, asz) != get_le32(h + 88)) {
		rc = err_set(ERR_FORMAT,
			     "the image's GPT partition entries have a wrong CRC32; refusing to edit them");
		goto out;
	}
	uint64_t last = dev_sectors - 1, last_usable = last - secs - 1;
	if (lba < first || lba + n - 1 > last_usable) {
		rc = err_set(EINVAL,
			     "the persistence partition (sectors %llu..%llu) lies outside the GPT's usable "
			     "area (%llu..%llu)",
			     (unsigned long long)lba, (unsigned long long)(lba + n - 1),
			     (unsigned long long)first, (unsigned long long)last_usable);
		goto out;
	}
	int slot = -1;
	for (uint32_t i = 0; i < nent; i++) {
		uint8_t *e = ents + (size_t)i * esz;
		if (is_zero(e, 16)) {
			if (slot < 0)
				slot = (int)i;
			continue;
		}
		uint64_t s = get_le64(e + 32), l = get_le64(e + 40);
		if (l >= s && overlaps(s, l - s + 1, lba, n)) {
			rc = err_set(EINVAL,
				     "GPT partition %u (sectors %llu..%llu) overlaps the place for the "
				     "persistence partition",
				     i + 1, (unsigned long long)s, (unsigned long long)l);
			goto out;
		}
	}
	if (slot < 0) {
		rc = err_set(ERR_LIMIT, "the GPT has no free entry for the persistence partition");
		goto out;
	}
	uint8_t *e = ents + (size_t)slot * esz;
	memset(e, 0, esz);
	memcpy(e, linux_fs_guid, 16);
	if (getrandom(e + 16, 16, 0) != 16) {
		rc = err_sys(errno, "getrandom for the partition GUID");
		goto out;
	}
	e[16 + 7] = (uint8_t)((e[16 + 7] & 0x0F) | 0x40); /* RFC 4122 version 4 (mixed-endian field 3) */
	e[16 + 8] = (uint8_t)((e[16 + 8] & 0x3F) | 0x80);
	put_le64(e + 32, lba);
	put_le64(e + 40, lba + n - 1);
	for (size_t i = 0; label[i] && i < 36; i++)
		put_le16(e + 56 + 2 * i, (uint16_t)(unsigned char)label[i]);
	uint32_t acrc = crc32(ents, asz);
	/* primary: at LBA 1, entries where they were */
	put_le64(h + 32, last);
	put_le64(h + 48, last_usable);
	put_le32(h + 88, acrc);
	header_crc(h);
	if ((rc = wr(fd, ents, asz, entlba * SECTOR)) < 0 || (rc = wr(fd, h, SECTOR, SECTOR)) < 0)
		goto out;
	/* backup: entries just before the disk's last sector, header on it */
	uint8_t b[SECTOR];
	memcpy(b, h, SECTOR);
	put_le64(b + 24, last);
	put_le64(b + 32, 1);
	put_le64(b + 72, last - secs);
	header_crc(b);
	if ((rc = wr(fd, ents, asz, (last - secs) * SECTOR)) < 0 ||
	    (rc = wr(fd, b, SECTOR, last * SECTOR)) < 0)
		goto out;
	r->gpt = true;
	r->gpt_slot = slot + 1;
out:
	free(ents);
	return rc;
}

int usb_table_add(int fd, uint64_t dev_size, uint64_t start, uint64_t len, const char *label,
		  struct usb_table_result *r)
{
	uint8_t mbr[SECTOR];
	int rc;
	memset(r, 0, sizeof *r);
	if (start % SECTOR || len % SECTOR || len == 0 || start + len > dev_size)
		return err_set(
		    EINVAL, "persistence partition at byte %llu, %llu bytes, does not fit a %llu-byte disk",
		    (unsigned long long)start, (unsigned long long)len, (unsigned long long)dev_size);
	if ((rc = rd(fd, mbr, SECTOR, 0)) < 0)
		return rc;
	if (mbr[510] != 0x55 || mbr[511] != 0xAA)
		return err_set(ERR_FORMAT, "the image has no MBR (no 0x55AA signature at byte 510)");
	/* The MBR is edited in memory first and the GPT checked before it is
	 * written: a refusal leaves both tables as they were. */
	if ((rc = mbr_add(mbr, dev_size / SECTOR, start / SECTOR, len / SECTOR, r)) < 0)
		return rc;
	if ((rc = gpt_add(fd, dev_size / SECTOR, start / SECTOR, len / SECTOR, label, r)) < 0)
		return rc;
	return wr(fd, mbr, SECTOR, 0);
}
