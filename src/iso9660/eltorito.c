/* El Torito: boot record (spec 2.0), boot catalog (2.1-2.4: validation
 * entry, initial/default entry, section headers and entries), emulation
 * checks, and the boot-info-table that isolinux reads to find itself. */
#include "iso9660/eltorito.h"
#include "iso9660/iso_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void iso_et_boot_record(uint8_t *p, uint32_t catalog_lba)
{
	static const char id[] = "EL TORITO SPECIFICATION";
	memset(p, 0, ISO_BLOCK);
	p[0] = ISO_VD_BOOT;		  /* boot record indicator */
	memcpy(p + 1, "CD001", 5);	  /* ISO-9660 identifier */
	p[6] = 1;			  /* descriptor version */
	memcpy(p + 7, id, sizeof id - 1); /* 7-38: boot system identifier, zero padded */
	put_le32(p + 0x47, catalog_lba);  /* 0x47: absolute pointer to the boot catalog */
}

static void put_entry(uint8_t *p, const struct iso_et_entry *e)
{
	memset(p, 0, 32);
	p[0] = e->bootable ? 0x88 : 0x00; /* boot indicator */
	p[1] = e->media;		  /* boot media type */
	put_le16(p + 2, e->load_seg);	  /* load segment; 0 = 0x7C0 */
	p[4] = e->sys_type;		  /* system type (partition type for hard disk) */
	p[5] = 0;
	put_le16(p + 6, e->count); /* sector count (virtual 512-byte sectors) */
	put_le32(p + 8, e->lba);   /* load RBA */
				   /* 12-31: selection criteria type 0, unused */
}

int iso_et_catalog(uint8_t *p, const struct iso_et_entry *e, size_t n)
{
	uint32_t sum = 0;
	size_t off;
	if (!n || n > ISO_ET_MAX_ENTRIES)
		return err_set(ERR_LIMIT, "%zu boot entries: the catalog holds 1 to %d", n,
			       ISO_ET_MAX_ENTRIES);
	memset(p, 0, ISO_BLOCK);
	/* 2.1 validation entry */
	p[0] = 0x01;	      /* header id */
	p[1] = e[0].platform; /* platform id */
	/* 4-27 id string: empty; 28-29 checksum; 30-31 key bytes */
	p[30] = 0x55;
	p[31] = 0xAA;
	for (int i = 0; i < 32; i += 2)
		sum += get_le16(p + i);
	put_le16(p + 28, (uint16_t)(0x10000 - (sum & 0xFFFF)));
	/* 2.2 initial/default entry */
	put_entry(p + 32, &e[0]);
	off = 64;
	/* 2.3/2.4: one section per further entry; 0x91 marks the last header */
	for (size_t i = 1; i < n; i++) {
		p[off] = i + 1 == n ? 0x91 : 0x90; /* header indicator */
		p[off + 1] = e[i].platform;	   /* platform id */
		put_le16(p + off + 2, 1);	   /* entries in this section */
		put_entry(p + off + 32, &e[i]);
		off += 64;
	}
	return 0;
}

int iso_et_floppy_media(uint64_t size)
{
	switch (size) {
	case 1228800:
		return ISO_ET_FLOPPY_12;
	case 1474560:
		return ISO_ET_FLOPPY_144;
	case 2949120:
		return ISO_ET_FLOPPY_288;
	default:
		return -1;
	}
}

void iso_et_info_table(uint8_t *p, uint32_t pvd_lba, uint32_t file_lba, uint32_t file_len, uint32_t checksum)
{
	memset(p, 0, 56);
	put_le32(p + 0, pvd_lba);   /* bi_pvd */
	put_le32(p + 4, file_lba);  /* bi_file */
	put_le32(p + 8, file_len);  /* bi_length */
	put_le32(p + 12, checksum); /* bi_csum; 16-55 reserved */
}

uint32_t iso_et_checksum(uint32_t sum, const uint8_t *buf, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len; i += 4) {
		uint8_t w[4] = {0, 0, 0, 0};
		if (off + i < 64)
			continue;
		memcpy(w, buf + i, MIN((size_t)4, len - i));
		sum += get_le32(w);
	}
	return sum;
}

/* A hard-disk image: its MBR must hold exactly one partition, whose type
 * goes into the catalog's system type (El Torito 2.2). */
static int read_hd_type(const struct tree_node *tn, const char *path, uint8_t *type)
{
	uint8_t mbr[512];
	int fd = -1, rc, used = 0;
	if (tn->size < 512)
		return err_set(ERR_FORMAT, "boot image %s: %llu bytes, a hard-disk image needs an MBR", path,
			       (unsigned long long)tn->size);
	fd = tree_node_open(tn);
	if (fd < -1)
		return fd;
	rc = tree_node_pread(tn, fd, mbr, sizeof mbr, 0);
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	if (mbr[510] != 0x55 || mbr[511] != 0xAA)
		return err_set(ERR_FORMAT,
			       "boot image %s: no MBR signature 0x55AA at byte 510 (-hard-disk-boot)", path);
	for (int i = 0; i < 4; i++)
		if (mbr[446 + 16 * i + 4]) {
			used++;
			*type = mbr[446 + 16 * i + 4];
		}
	if (used != 1)
		return err_set(ERR_FORMAT,
			       "boot image %s: the MBR has %d partitions; -hard-disk-boot needs exactly one",
			       path, used);
	return 0;
}

/* The sector count of an EFI entry, as UEFI reads it: "the size of the
 * EFI system partition", and 0 or 1 "the space from the beginning of the
 * no emulation image to the end of the CD-ROM" (UEFI 2.10 13.3.2.1).
 * El Torito counts 512-byte virtual sectors, which is what xorriso writes
 * and what spec-minded firmware reads; EDK2 (OVMF) multiplies the count by
 * 2048 bytes instead, which only makes its partition larger than the
 * image, harmless since FAT reads no further than its own size. Past
 * 65535 sectors (32 MiB less 512 bytes) the count is 0, as libisofs also
 * writes for platform 0xEF: to the end of the volume, which holds the
 * image when it is a file of the volume (in_volume), and not when it is a
 * partition appended after it. A -boot-load-size that does not cover the
 * image would show UEFI a truncated filesystem. */
static int efi_count(const struct iso_boot_entry *e, uint64_t size, bool in_volume, uint16_t *count)
{
	uint64_t sectors = DIV_ROUND_UP(size, 512);
	if (e->load_size) {
		if ((uint64_t)e->load_size * 512 < size)
			return err_set(ERR_LIMIT,
				       "EFI boot image %s: -boot-load-size %u describes %llu of its %llu "
				       "bytes, and UEFI reads the count as the size of the EFI system "
				       "partition; leave -boot-load-size out for -e",
				       e->image, e->load_size, (unsigned long long)e->load_size * 512,
				       (unsigned long long)size);
		*count = (uint16_t)e->load_size;
		return 0;
	}
	if (sectors <= 0xFFFF) {
		*count = (uint16_t)sectors;
		return 0;
	}
	if (!in_volume)
		return err_set(ERR_LIMIT,
			       "EFI boot image %s: %llu bytes; an El Torito entry describes at most "
			       "65535 sectors (33553920 bytes) of an image outside the ISO volume (a count "
			       "of 0 means \"to the end of the volume\"); make it smaller or put it in the "
			       "image tree",
			       e->image, (unsigned long long)size);
	*count = 0;
	return 0;
}

/* -e --interval:appended_partition_N:all:: : the partition's file. */
static int resolve_appended(struct iso_image *img, struct iso_boot_resolved *b)
{
	const struct iso_boot_entry *e = b->e;
	const char *path = img->o->append[e->appended - 1].path;
	struct stat st;
	if (e->info_table)
		return err_set(ERR_USAGE, "boot image %s: an appended partition gets no boot-info-table",
			       e->image);
	if (!path)
		return err_set(ERR_USAGE, "boot image %s: there is no -append_partition %d", e->image,
			       e->appended);
	if (stat(path, &st) < 0)
		return err_sys(errno, "appended partition %d: %s", e->appended, path);
	if (!S_ISREG(st.st_mode) || !st.st_size)
		return err_set(EINVAL, "appended partition %d: %s is not a regular file with data",
			       e->appended, path);
	b->size = (uint64_t)st.st_size;
	b->media = ISO_ET_NOEMUL;
	return efi_count(e, b->size, false, &b->count);
}

int iso_eltorito_resolve(struct iso_image *img)
{
	const struct iso_opts *o = img->o;
	if (o->nboot > ISO_ET_MAX_ENTRIES)
		return err_set(ERR_LIMIT, "%zu boot entries: the catalog holds at most %d", o->nboot,
			       ISO_ET_MAX_ENTRIES);
	img->boot = xcalloc(o->nboot, sizeof *img->boot);
	img->nboot = o->nboot;
	for (size_t i = 0; i < o->nboot; i++) {
		const struct iso_boot_entry *e = &o->boot[i];
		struct iso_boot_resolved *b = &img->boot[i];
		struct tree_node *tn;
		uint64_t size;
		int rc;
		b->e = e;
		if (!e->image)
			return err_set(ERR_USAGE, "boot entry %zu has no boot image (-b or -e)", i + 1);
		if (e->appended) {
			if ((rc = resolve_appended(img, b)))
				return rc;
			continue;
		}
		tn = tree_lookup(img->tree, e->image);
		if (!tn)
			return err_set(ENOENT, "boot image %s: not in the image tree", e->image);
		if (!tree_is_reg(tn))
			return err_set(EINVAL, "boot image %s: not a regular file", e->image);
		b->node = tn->user;
		b->size = size = tn->size;
		if (!size || b->node->kind != ISO_N_FILE)
			return err_set(EINVAL, "boot image %s: is empty", e->image);
		if (e->info_table && size < 64)
			return err_set(
			    EINVAL, "boot image %s: %llu bytes, too small for a boot-info-table (64 bytes)",
			    e->image, (unsigned long long)size);
		if (e->load_size && e->emul != ISO_EMUL_NONE)
			return err_set(ERR_USAGE,
				       "boot image %s: -boot-load-size applies only to -no-emul-boot",
				       e->image);
		switch (e->emul) {
		case ISO_EMUL_NONE:
			b->media = ISO_ET_NOEMUL;
			if (e->platform == ISO_ET_PLATFORM_EFI) {
				if ((rc = efi_count(e, size, true, &b->count)))
					return rc;
			} else {
				b->count = e->load_size
					       ? (uint16_t)e->load_size
					       : (uint16_t)MIN(DIV_ROUND_UP(size, 512), (uint64_t)0xFFFF);
			}
			break;
		case ISO_EMUL_FLOPPY: {
			int m = iso_et_floppy_media(size);
			if (m < 0)
				return err_set(
				    EINVAL,
				    "boot image %s is %llu bytes; floppy emulation needs exactly 1228800 "
				    "(1.2 MB), 1474560 (1.44 MB) or 2949120 (2.88 MB) bytes "
				    "(or use -no-emul-boot / -hard-disk-boot)",
				    e->image, (unsigned long long)size);
			b->media = (uint8_t)m;
			b->count = 1;
			break;
		}
		case ISO_EMUL_HARDDISK: {
			if ((rc = read_hd_type(tn, e->image, &b->sys_type)))
				return rc;
			b->media = ISO_ET_HARDDISK;
			b->count = 1;
			break;
		}
		}
	}
	if (o->isohybrid_mbr) {
		/* the MBR code starts isolinux: an x86 no-emulation entry (a
		 * boot floppy may come before it) */
		bool found = false;
		for (size_t i = 0; i < img->nboot && !found; i++)
			found = img->boot[i].media == ISO_ET_NOEMUL &&
				img->boot[i].e->platform == ISO_ET_PLATFORM_X86;
		if (!found)
			return err_set(
			    ERR_USAGE,
			    "-isohybrid-mbr needs a boot entry -b with -no-emul-boot (isolinux.bin)");
	}
	return 0;
}
