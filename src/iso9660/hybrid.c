/* The disk side of a hybrid ISO image: the MBR in sector 0 (isohybrid boot
 * code that starts isolinux, and a partition table), the GPT after it with
 * its backup at the image's end, and partitions appended after the ISO
 * volume. The layout of Debian's images, with a GPT that reference tools
 * accept as valid: see docs/mklive-iso.1, DISK LAYOUT. */
#include "iso9660/hybrid.h"
#include "iso9660/eltorito.h"
#include "iso9660/iso_impl.h"

#include "core/error.h"
#include "core/util.h"
#include "part/part.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int iso_hybrid_mbr(uint8_t *mbr, const uint8_t *tmpl, size_t tmpl_len, uint32_t boot_lba,
		   uint64_t image_bytes, uint32_t disk_id, uint32_t efi_lba, uint64_t efi_bytes)
{
	struct part_mbr_entry e[4];
	uint64_t sectors = image_bytes / 512;
	if (tmpl_len < 432 || tmpl_len > 512)
		return err_set(ERR_FORMAT,
			       "isohybrid MBR template: %zu bytes, expected 432 to 512 (isohdpfx.bin)",
			       tmpl_len);
	memset(mbr, 0, 512);
	memset(e, 0, sizeof e);
	memcpy(mbr, tmpl, 432);
	put_le64(mbr + 432, (uint64_t)boot_lba * 4); /* isohdpfx: boot file in 512-byte sectors */
	put_le32(mbr + 440, disk_id);		     /* disk signature */
	/* partition 1: active, from sector 0, the whole image */
	e[0].active = true;
	e[0].type = ISO_HYBRID_PART_TYPE;
	e[0].sectors = (uint32_t)MIN(sectors, (uint64_t)0xFFFFFFFF);
	if (efi_bytes) {
		/* partition 2: the EFI image inside the ISO, not active */
		e[1].type = ISO_HYBRID_EFI_TYPE;
		e[1].start = efi_lba * 4;
		e[1].sectors = (uint32_t)DIV_ROUND_UP(efi_bytes, (uint64_t)512);
	}
	part_mbr_encode(mbr, e, ISO_HYBRID_HEADS, ISO_HYBRID_SECTORS);
	return 0;
}

void iso_disk_free(struct iso_disk *d)
{
	free(d->gpt_primary);
	free(d->gpt_backup);
	d->gpt_primary = d->gpt_backup = NULL;
}

/* The boot entry isohdpfx starts: the first x86 no-emulation entry (a boot
 * floppy may come before it, as in the article's layout). */
static const struct iso_boot_resolved *isolinux_entry(const struct iso_image *img)
{
	for (size_t i = 0; i < img->nboot; i++)
		if (img->boot[i].e->platform != ISO_ET_PLATFORM_EFI && img->boot[i].media == ISO_ET_NOEMUL)
			return &img->boot[i];
	return NULL;
}

/* A boot image that is also a partition: in the GPT when its entry asks
 * (-isohybrid-gpt-basdat) or, for the EFI image, with -efi-boot-part. */
static bool in_gpt(const struct iso_image *img, const struct iso_boot_resolved *b)
{
	if (b->e->appended)
		return false; /* listed as the appended partition it is */
	return b->e->gpt || (img->o->efi_boot_part && b->e->platform == ISO_ET_PLATFORM_EFI);
}

static int free_slot(const struct part_mbr_entry e[4])
{
	for (int i = 0; i < 4; i++)
		if (!e[i].type)
			return i;
	return -1;
}

/* Sector 0 beside a GPT: the protective entry 0xEE from LBA 1 up to the
 * first other partition (a "hybrid MBR" in gdisk's words: entries must not
 * overlap), and the partitions BIOS-era readers should also see: the EFI
 * system partition(s) and the appended partitions not kept to the GPT. */
static int mbr_with_gpt(const struct iso_image *img, struct part_mbr_entry e[4], uint64_t disk_sectors)
{
	const struct iso_opts *o = img->o;
	const struct iso_disk *d = &img->disk;
	uint64_t first_other = disk_sectors;
	int slot;
	if (!o->appended_as_gpt)
		for (int i = 0; i < ISO_MAX_APPEND; i++)
			if (o->append[i].path) {
				e[i].type = o->append[i].mbr_type;
				e[i].start = d->append_lba[i] * 4;
				e[i].sectors = (uint32_t)DIV_ROUND_UP(d->append_size[i], (uint64_t)512);
			}
	/* the protective entry first (slot 1 unless an appended partition has it) */
	if ((slot = free_slot(e)) < 0)
		return err_set(ERR_LIMIT, "the MBR has no slot left for the GPT's protective entry "
					  "(four appended partitions; use -appended_part_as_gpt)");
	e[slot].type = PART_MBR_PROTECTIVE;
	e[slot].active = o->isohybrid_mbr || o->mbr_force_bootable;
	for (size_t i = 0; i < img->nboot; i++) {
		const struct iso_boot_resolved *b = &img->boot[i];
		int s;
		if (!in_gpt(img, b) || b->e->platform != ISO_ET_PLATFORM_EFI || (s = free_slot(e)) < 0)
			continue;
		e[s].type = PART_MBR_EFI;
		e[s].start = b->lba * 4;
		e[s].sectors = (uint32_t)DIV_ROUND_UP(b->size, (uint64_t)512);
	}
	for (int i = 0; i < 4; i++)
		if (e[i].type && i != slot && e[i].start < first_other)
			first_other = e[i].start;
	e[slot].start = 1;
	e[slot].sectors = (uint32_t)MIN(first_other - 1, (uint64_t)0xFFFFFFFF);
	return 0;
}

/* Sector 0 without a GPT: isohybrid's one active partition over the ISO
 * volume (from -partition_offset, if given), the EFI image as partition 2
 * as `isohybrid --uefi` makes it, and the appended partitions in their
 * slots. */
static int mbr_alone(const struct iso_image *img, struct part_mbr_entry e[4])
{
	const struct iso_opts *o = img->o;
	const struct iso_disk *d = &img->disk;
	uint64_t start = (uint64_t)o->partition_offset * 4, end = (uint64_t)img->total * 4;
	e[0].active = o->isohybrid_mbr || o->mbr_force_bootable;
	e[0].type = ISO_HYBRID_PART_TYPE;
	e[0].start = (uint32_t)start;
	e[0].sectors = (uint32_t)MIN(end - start, (uint64_t)0xFFFFFFFF);
	for (int i = 0; i < ISO_MAX_APPEND; i++) {
		if (!o->append[i].path)
			continue;
		if (i == 0)
			return err_set(ERR_USAGE, "-append_partition 1: partition 1 of the MBR is the ISO "
						  "image (append as 2..4, or use -appended_part_as_gpt)");
		e[i].type = o->append[i].mbr_type;
		e[i].start = d->append_lba[i] * 4;
		e[i].sectors = (uint32_t)DIV_ROUND_UP(d->append_size[i], (uint64_t)512);
	}
	if (o->isohybrid_mbr && !e[1].type)
		for (size_t i = 0; i < img->nboot; i++)
			if (img->boot[i].e->platform == ISO_ET_PLATFORM_EFI && !img->boot[i].e->appended) {
				e[1].type = ISO_HYBRID_EFI_TYPE;
				e[1].start = img->boot[i].lba * 4;
				e[1].sectors = (uint32_t)DIV_ROUND_UP(img->boot[i].size, (uint64_t)512);
				break;
			}
	return 0;
}

/* The GPT: the boot images it lists, the ISO volume as a partition with
 * -partition_offset (when no boot image inside it is listed, which it
 * would overlap), and appended partition N in entry N, as xorriso numbers
 * them. Its usable area starts after the ISO system area (sector 64),
 * which holds the MBR and the primary copy. */
static int gpt_plan(struct iso_image *img, uint64_t disk_sectors, uint64_t seed)
{
	const struct iso_opts *o = img->o;
	struct iso_disk *d = &img->disk;
	struct part_gpt_entry ent[PART_GPT_NENTRIES];
	struct part_gpt g;
	size_t n = ISO_MAX_APPEND, inside = 0;
	int rc;
	memset(ent, 0, sizeof ent);
	for (int i = 0; i < ISO_MAX_APPEND; i++) {
		struct part_gpt_entry *p = &ent[i];
		if (!o->append[i].path)
			continue;
		memcpy(p->type, o->append[i].gpt_type, 16);
		p->first = (uint64_t)d->append_lba[i] * 4;
		p->last = p->first + DIV_ROUND_UP(d->append_size[i], (uint64_t)512) - 1;
		p->name = !memcmp(p->type, PART_TYPE_ESP, 16) ? "EFI system partition" : "Appended";
	}
	for (size_t i = 0; i < img->nboot; i++) {
		const struct iso_boot_resolved *b = &img->boot[i];
		struct part_gpt_entry *p;
		if (!in_gpt(img, b))
			continue;
		/* the first free entry at or after the appended ones' range */
		while (n < ARRAY_SIZE(ent) && !part_guid_is_zero(ent[n].type))
			n++;
		p = &ent[n++];
		bool efi = b->e->platform == ISO_ET_PLATFORM_EFI;
		memcpy(p->type, efi ? PART_TYPE_ESP : PART_TYPE_BASIC_DATA, 16);
		p->first = (uint64_t)b->lba * 4;
		p->last = p->first + DIV_ROUND_UP(b->size, (uint64_t)512) - 1;
		p->attrs = efi ? 0 : PART_GPT_ATTR_READ_ONLY;
		p->name = efi ? "EFI system partition" : "boot image";
		inside++;
	}
	/* entries in front of the appended ones fill from entry 1 */
	for (size_t i = ISO_MAX_APPEND, to = 0; i < n; i++) {
		while (to < ISO_MAX_APPEND && !part_guid_is_zero(ent[to].type))
			to++;
		if (to >= ISO_MAX_APPEND)
			break;
		ent[to] = ent[i];
		memset(&ent[i], 0, sizeof ent[i]);
	}
	if (o->partition_offset && !inside) {
		struct part_gpt_entry *p = &ent[0];
		if (!part_guid_is_zero(p->type))
			return err_set(ERR_USAGE, "-partition_offset: GPT entry 1 is the ISO volume, and "
						  "-append_partition 1 also asks for it");
		memcpy(p->type, PART_TYPE_BASIC_DATA, 16);
		p->first = (uint64_t)o->partition_offset * 4;
		p->last = (uint64_t)(img->total - img->gpt_tail) * 4 - 1;
		p->attrs = PART_GPT_ATTR_READ_ONLY;
		p->name = "ISO9660";
	}
	for (size_t i = 0; i < ARRAY_SIZE(ent); i++)
		if (!part_guid_is_zero(ent[i].type))
			part_guid_derive(ent[i].guid, seed, 1 + (unsigned)i);
	part_gpt_init(&g, disk_sectors);
	part_guid_derive(g.disk_guid, seed, 0);
	g.first_usable = (uint64_t)ISO_SYSTEM_AREA * (ISO_BLOCK / 512);
	g.entries = ent;
	g.nentries = ARRAY_SIZE(ent);
	d->gpt_bytes = part_gpt_bytes(&g);
	d->gpt_primary = xcalloc(1, d->gpt_bytes);
	d->gpt_backup = xcalloc(1, d->gpt_bytes);
	d->gpt_backup_off = part_gpt_backup_lba(&g) * 512;
	if ((rc = part_gpt_encode(&g, d->gpt_primary, d->gpt_backup)))
		return err_wrap(rc, "the image's GPT");
	return 0;
}

int iso_disk_plan(struct iso_image *img, const uint8_t *tmpl, size_t tmpl_len, uint32_t disk_id,
		  uint64_t seed)
{
	const struct iso_opts *o = img->o;
	struct iso_disk *d = &img->disk;
	struct part_mbr_entry e[4];
	uint64_t pos = img->total, disk_sectors;
	bool appended = false;
	int rc;
	memset(d, 0, sizeof *d);
	memset(e, 0, sizeof e);
	/* partitions after the volume, in whole blocks */
	for (int i = 0; i < ISO_MAX_APPEND; i++) {
		struct stat st;
		const char *path = o->append[i].path;
		if (!path)
			continue;
		if (stat(path, &st) < 0)
			return err_sys(errno, "-append_partition %d: %s", i + 1, path);
		if (!S_ISREG(st.st_mode) || !st.st_size)
			return err_set(EINVAL, "-append_partition %d: %s is not a regular file with data",
				       i + 1, path);
		d->append_lba[i] = (uint32_t)pos;
		d->append_size[i] = (uint64_t)st.st_size;
		pos += DIV_ROUND_UP((uint64_t)st.st_size, ISO_BLOCK);
		if (pos > 0xFFFFFFFFull / 4)
			return err_set(ERR_LIMIT,
				       "-append_partition %d: the image would pass 2 TiB, the "
				       "limit of MBR partition fields",
				       i + 1);
		appended = true;
	}
	for (size_t i = 0; i < img->nboot; i++) {
		struct iso_boot_resolved *b = &img->boot[i];
		b->lba = b->e->appended ? d->append_lba[b->e->appended - 1] : b->node->lba;
	}
	d->gpt = iso_opts_gpt(o);
	/* the backup GPT: in the volume's tail (layout reserved gpt_tail), or
	 * after the appended partitions */
	if (d->gpt && appended)
		pos += DIV_ROUND_UP((1 + PART_GPT_NENTRIES * PART_GPT_ENTRY_SIZE / 512) * 512, ISO_BLOCK);
	disk_sectors = pos * 4;
	d->bytes = pos * ISO_BLOCK;
	d->mbr = tmpl || d->gpt || appended || o->partition_offset || o->mbr_force_bootable;
	if (!d->mbr)
		return 0;
	if (tmpl) {
		const struct iso_boot_resolved *b = isolinux_entry(img);
		if (tmpl_len < 432 || tmpl_len > 512)
			return err_set(
			    ERR_FORMAT,
			    "isohybrid MBR template: %zu bytes, expected 432 to 512 (isohdpfx.bin)",
			    tmpl_len);
		memcpy(d->sector0, tmpl, 432);
		/* isohdpfx: isolinux.bin's first 512-byte sector; with a partition
		 * offset too it is counted from the disk's start */
		put_le64(d->sector0 + 432, (uint64_t)(b ? b->lba : 0) * 4);
	} else {
		memcpy(d->sector0, PART_MBR_NOBOOT_CODE, sizeof PART_MBR_NOBOOT_CODE);
	}
	put_le32(d->sector0 + 440, disk_id); /* disk signature */
	rc = d->gpt ? mbr_with_gpt(img, e, disk_sectors) : mbr_alone(img, e);
	if (rc)
		return rc;
	part_mbr_encode(d->sector0, e, ISO_HYBRID_HEADS, ISO_HYBRID_SECTORS);
	if (d->gpt && (rc = gpt_plan(img, disk_sectors, seed)))
		return rc;
	return 0;
}
