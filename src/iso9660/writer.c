/* The image writer: lays out, then writes every sector once in order
 * (system area, descriptors, path tables, directories, continuation areas,
 * boot catalog, file data streamed from the sources) and patches the
 * boot-info-tables in place. */
#include "iso9660/eltorito.h"
#include "iso9660/hybrid.h"
#include "iso9660/iso_impl.h"
#include "iso9660/joliet.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_vds(struct iso_image *img, struct out_file *out)
{
	const struct iso_opts *o = img->o;
	uint8_t vd[ISO_BLOCK];
	struct iso_vd v;
	int rc;
	memset(&v, 0, sizeof v);
#define ID(field, s) v.field = (const uint8_t *)(s ? s : ""), v.field##_len = s ? strlen(s) : 0
	v.type = ISO_VD_PRIMARY;
	ID(system_id, o->system_id);
	ID(volume_id, o->volume_id);
	ID(volset_id, o->volset_id);
	ID(publisher_id, o->publisher_id);
	ID(preparer_id, o->preparer_id);
	ID(application_id, o->application_id);
#undef ID
	v.volume_space = img->total - (img->part_view ? img->part_off : 0);
	v.pt_size = img->pt_size;
	v.pt_l = img->pt_l;
	v.pt_m = img->pt_m;
	v.root_extent = img->root->lba;
	v.root_size = (uint32_t)img->root->size;
	v.root_mtime = img->root->tn->mtime;
	v.created = img->now;
	iso_vd_encode(vd, &v);
	if ((rc = out_write(out, vd, sizeof vd)))
		return rc;
	if (img->nboot && !img->part_view) {
		iso_et_boot_record(vd, img->catalog_lba);
		if ((rc = out_write(out, vd, sizeof vd)))
			return rc;
	}
	if (o->joliet) {
		uint8_t sys[64], vol[32], set[128], pub[128], prep[128], app[128];
		v.type = ISO_VD_SUPPLEMENTARY;
		v.joliet = true;
		v.system_id = sys, v.system_id_len = iso_joliet_str(o->system_id, sys, 16);
		v.volume_id = vol, v.volume_id_len = iso_joliet_str(o->volume_id, vol, 16);
		v.volset_id = set, v.volset_id_len = iso_joliet_str(o->volset_id, set, 64);
		v.publisher_id = pub, v.publisher_id_len = iso_joliet_str(o->publisher_id, pub, 64);
		v.preparer_id = prep, v.preparer_id_len = iso_joliet_str(o->preparer_id, prep, 64);
		v.application_id = app, v.application_id_len = iso_joliet_str(o->application_id, app, 64);
		v.pt_size = img->jpt_size;
		v.pt_l = img->jpt_l;
		v.pt_m = img->jpt_m;
		v.root_extent = img->root->jlba;
		v.root_size = img->root->jsize;
		iso_vd_encode(vd, &v);
		if ((rc = out_write(out, vd, sizeof vd)))
			return rc;
	}
	iso_vd_terminator(vd);
	return out_write(out, vd, sizeof vd);
}

static int write_path_tables(struct out_file *out, struct iso_node **dirs, size_t n, uint32_t size,
			     bool joliet)
{
	uint8_t *l = xcalloc(1, ALIGN_UP((size_t)size, ISO_BLOCK) + 1);
	uint8_t *m = xcalloc(1, ALIGN_UP((size_t)size, ISO_BLOCK) + 1);
	size_t pos = 0;
	int rc;
	for (size_t i = 0; i < n; i++) {
		struct iso_node *d = dirs[i];
		if (joliet)
			d->jdirno = (uint32_t)i + 1;
		else
			d->dirno = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct iso_node *d = dirs[i];
		const uint8_t *name = i ? (joliet ? d->jname.bytes : d->name.bytes) : (const uint8_t *)"";
		size_t nl = i ? (joliet ? d->jname.len : d->name.len) : 1;
		struct iso_node *p = i ? (joliet ? d->hparent : d->parent) : d;
		uint16_t pno = (uint16_t)(joliet ? p->jdirno : p->dirno);
		uint32_t ext = joliet ? d->jlba : d->lba;
		iso_pt_encode(l + pos, name, nl, ext, pno, false);
		pos += iso_pt_encode(m + pos, name, nl, ext, pno, true);
	}
	rc = out_write(out, l, ALIGN_UP((size_t)size, ISO_BLOCK));
	if (!rc)
		rc = out_write(out, m, ALIGN_UP((size_t)size, ISO_BLOCK));
	free(l);
	free(m);
	return rc;
}

static int write_dirs(struct iso_image *img, struct out_file *out, bool joliet)
{
	struct iso_node **dirs = joliet ? img->jdirs : img->dir_order;
	size_t n = joliet ? img->njdirs : img->ndirs;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct iso_node *d = dirs[i];
		uint64_t size = joliet ? d->jsize : d->size;
		uint8_t *buf = xcalloc(1, (size_t)size);
		uint64_t got = iso_dir_emit(img, d, joliet, buf);
		if (got != size)
			rc = err_set(EINVAL, "internal error: directory %s changed size (%llu, %llu)",
				     d->tn->name, (unsigned long long)size, (unsigned long long)got);
		else
			rc = out_write(out, buf, (size_t)size);
		free(buf);
	}
	return rc;
}

/* Copy one file's bytes; holes of a sparse source stay holes. */
static int copy_file(struct out_file *out, const struct tree_node *tn)
{
	int fd = tree_node_open(tn), rc;
	if (fd < -1)
		return fd;
	rc = tree_node_copy_out(tn, fd, out, 0, tn->size);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int patch_info_table(struct iso_image *img, struct out_file *out, const struct iso_boot_resolved *b)
{
	uint64_t off = (uint64_t)b->node->lba * ISO_BLOCK, size = b->node->size;
	uint8_t buf[65536], table[56];
	uint32_t sum = 0;
	int rc;
	for (uint64_t p = 0; p < size; p += sizeof buf) {
		size_t k = (size_t)MIN((uint64_t)sizeof buf, size - p);
		rc = out_read_at(out, off + p, buf, k);
		if (rc)
			return rc;
		sum = iso_et_checksum(sum, buf, k, p);
	}
	iso_et_info_table(table, img->pvd_lba, b->node->lba, (uint32_t)size, sum);
	return out_write_at(out, off + 8, table, sizeof table);
}

/* After the volume's data: the backup GPT in the volume's tail, the
 * appended partitions, or the backup GPT after them (hybrid.c planned
 * every offset). */
static int write_disk_tail(struct iso_image *img, struct out_file *out)
{
	const struct iso_disk *d = &img->disk;
	uint64_t vol_end = (uint64_t)img->total * ISO_BLOCK;
	int rc;
	if (d->gpt && d->gpt_backup_off < vol_end &&
	    ((rc = out_pad_to(out, d->gpt_backup_off)) || (rc = out_write(out, d->gpt_backup, d->gpt_bytes))))
		return rc;
	if ((rc = out_pad_to(out, vol_end)))
		return rc;
	for (int i = 0; i < ISO_MAX_APPEND; i++) {
		const char *path = img->o->append[i].path;
		int fd;
		if (!path)
			continue;
		if ((rc = out_pad_to(out, (uint64_t)d->append_lba[i] * ISO_BLOCK)))
			return rc;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_sys(errno, "-append_partition %d: %s", i + 1, path);
		rc = out_copy_fd(out, fd, 0, d->append_size[i], path);
		close(fd);
		if (rc)
			return rc;
		if ((rc = out_pad_to(out, ALIGN_UP(out_tell(out), (uint64_t)ISO_BLOCK))))
			return rc;
	}
	if (d->gpt && d->gpt_backup_off >= vol_end &&
	    ((rc = out_pad_to(out, d->gpt_backup_off)) || (rc = out_write(out, d->gpt_backup, d->gpt_bytes))))
		return rc;
	return out_pad_to(out, d->bytes);
}

/* Path tables, directories and continuation areas of the numbers in
 * use (the image's, or the partition's with -partition_offset). */
static int write_trees(struct iso_image *img, struct out_file *out)
{
	uint64_t at = (uint64_t)(img->pt_l + (img->part_view ? img->part_off : 0)) * ISO_BLOCK;
	uint32_t planned = img->ce_sectors;
	int rc;
	if (out_tell(out) != at)
		return err_set(EINVAL, "internal error: path tables at byte %llu, planned %llu",
			       (unsigned long long)out_tell(out), (unsigned long long)at);
	if ((rc = write_path_tables(out, img->dirs, img->ndirs, img->pt_size, false)))
		return rc;
	if (img->o->joliet && (rc = write_path_tables(out, img->jdirs, img->njdirs, img->jpt_size, true)))
		return rc;
	if (!img->ce_data)
		img->ce_data = xcalloc((size_t)img->ce_sectors + 1, ISO_BLOCK);
	memset(img->ce_data, 0, ((size_t)img->ce_sectors + 1) * ISO_BLOCK);
	img->ce_cur_sector = img->ce_cur_off = 0;
	if ((rc = write_dirs(img, out, false)))
		return rc;
	if (img->ce_sectors != planned)
		return err_set(EINVAL, "internal error: continuation areas changed size");
	if ((rc = out_write(out, img->ce_data, (size_t)img->ce_sectors * ISO_BLOCK)))
		return rc;
	return img->o->joliet ? write_dirs(img, out, true) : 0;
}

static int write_all(struct iso_image *img, struct out_file *out)
{
	uint8_t sector[ISO_BLOCK];
	int rc;
	/* system area (ECMA-119 6.2.1): zeros, or the MBR and the primary GPT */
	if (img->disk.mbr && (rc = out_write(out, img->disk.sector0, 512)))
		return rc;
	if (img->disk.gpt && (rc = out_write(out, img->disk.gpt_primary, img->disk.gpt_bytes)))
		return rc;
	if ((rc = out_pad_to(out, (uint64_t)ISO_SYSTEM_AREA * ISO_BLOCK)))
		return rc;
	if ((rc = write_vds(img, out)))
		return rc;
	if (img->part_off) {
		if ((rc = out_pad_to(out, (uint64_t)img->pvd_alt * ISO_BLOCK)))
			return rc;
		iso_partition_view(img);
		rc = write_vds(img, out);
		iso_partition_view(img);
		if (rc)
			return rc;
	}
	if ((rc = out_pad_to(out, (uint64_t)img->pt_l * ISO_BLOCK)) || (rc = write_trees(img, out)))
		return rc;
	if (img->part_off) {
		iso_partition_view(img);
		rc = write_trees(img, out);
		iso_partition_view(img);
		if (rc)
			return rc;
	}
	if (img->catalog) {
		struct iso_et_entry e[ISO_ET_MAX_ENTRIES];
		for (size_t i = 0; i < img->nboot; i++) {
			const struct iso_boot_resolved *b = &img->boot[i];
			e[i].platform = b->e->platform;
			e[i].bootable = !b->e->no_boot;
			e[i].media = b->media;
			e[i].load_seg = b->e->load_seg;
			e[i].sys_type = b->sys_type;
			e[i].count = b->count;
			e[i].lba = b->lba;
		}
		if ((rc = iso_et_catalog(sector, e, img->nboot)))
			return rc;
		if ((rc = out_write(out, sector, sizeof sector)))
			return rc;
	}
	if (out_tell(out) != (uint64_t)img->data_lba * ISO_BLOCK)
		return err_set(EINVAL, "internal error: data starts at byte %llu, planned %llu",
			       (unsigned long long)out_tell(out),
			       (unsigned long long)img->data_lba * ISO_BLOCK);
	progress_begin("writing image", img->data_bytes);
	for (size_t i = 0; i < img->nfiles; i++) {
		struct iso_node *f = img->files[i];
		if ((rc = copy_file(out, f->tn)))
			break;
		progress_add(f->size);
		if ((rc = out_pad_to(out, ALIGN_UP(out_tell(out), (uint64_t)ISO_BLOCK))))
			break;
	}
	progress_end();
	if (rc)
		return rc;
	for (size_t i = 0; i < img->nboot; i++)
		if (img->boot[i].e->info_table && (rc = patch_info_table(img, out, &img->boot[i])))
			return rc;
	return write_disk_tail(img, out);
}

/* A disk signature derived from the image's identity, so builds repeat. */
static uint32_t disk_id(const struct iso_image *img)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)img->now;
	const char *v = img->o->volume_id ? img->o->volume_id : "";
	for (; *v; v++)
		h = (h ^ (uint8_t)*v) * 1099511628211ull;
	h ^= img->total;
	return (uint32_t)(h ^ h >> 32);
}

/* The seed of the GPT's GUIDs: the same identity as the disk signature,
 * with the volume's size, so rebuilt images repeat byte for byte. */
static uint64_t disk_seed(const struct iso_image *img)
{
	uint64_t h = 0xCBF29CE484222325ull ^ (uint64_t)img->now;
	const char *v = img->o->volume_id ? img->o->volume_id : "";
	for (; *v; v++)
		h = (h ^ (uint8_t)*v) * 0x100000001B3ull;
	return h ^ ((uint64_t)img->total << 20);
}

int iso_write(struct tree *t, const struct iso_opts *o, const char *out_path, struct iso_stats *stats)
{
	struct iso_image img;
	struct out_file *out = NULL;
	uint8_t *tmpl = NULL;
	size_t tmpl_len = 0;
	int rc;
	memset(&img, 0, sizeof img);
	img.o = o;
	img.tree = t;
	/* the options' rules are iso_opts_check's, which the caller runs */
	if (!out_path || !strcmp(out_path, "-"))
		return err_set(ERR_USAGE,
			       "the ISO image needs an output file (-o); standard output is not supported");
	if (!t->finalized && (rc = tree_finalize(t)))
		return rc;
	img.now = o->build_time >= 0 ? o->build_time : time_build();
	img.reproducible = o->build_time >= 0 || time_reproducible();
	rc = iso_layout(&img);
	if (rc)
		goto done;
	if (o->isohybrid_mbr) {
		if (o->isohybrid_mbr_data) {
			tmpl = xmalloc(o->isohybrid_mbr_len + 1);
			memcpy(tmpl, o->isohybrid_mbr_data, o->isohybrid_mbr_len);
			tmpl_len = o->isohybrid_mbr_len;
		} else if ((rc = util_read_file(o->isohybrid_mbr, &tmpl, &tmpl_len))) {
			goto done;
		}
	}
	if ((rc = iso_disk_plan(&img, tmpl, tmpl_len, disk_id(&img), disk_seed(&img)))) {
		if (o->isohybrid_mbr && err_code() == -ERR_FORMAT)
			rc = err_wrap(rc, "%s", o->isohybrid_mbr);
		goto done;
	}
	rc = out_open(&out, out_path);
	if (rc)
		goto done;
	rc = write_all(&img, out);
	if (rc) {
		out_abort(out);
		goto done;
	}
	rc = out_finish(out);
	if (rc == 0 && stats) {
		stats->image_size = img.disk.bytes;
		stats->files = img.nfiles;
		stats->dirs = img.ndirs;
	}
done:
	free(tmpl);
	iso_disk_free(&img.disk);
	iso_image_free(&img);
	return rc;
}
