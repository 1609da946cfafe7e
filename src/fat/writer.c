/* The FAT writer: names and sizes first, then the geometry that fits, then
 * one sequential pass writing boot sector, FATs, directories and file data
 * (free space stays a hole in the output file). */
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024u * 1024u)

struct writer {
	struct tree *t;
	const struct fat_opts *o;
	struct fat_ent *ents;
	size_t nents;
	struct tree_node **nodes; /* kept nodes in walk order (root first) */
	size_t nnodes;
	uint8_t label[11];
	bool has_label;
	uint64_t data_bytes; /* file bytes, for progress */
};

static struct fat_ent *ent(const struct tree_node *n)
{
	return n->user;
}

static int collect(struct tree_node *n, void *ctx)
{
	struct writer *w = ctx;
	n->user = &w->ents[w->nents++];
	return 0;
}

static int name_dirs(struct tree_node *n, void *ctx)
{
	struct writer *w = ctx;
	if (n->parent && ent(n)->skip)
		return 0;
	w->nodes[w->nnodes++] = n;
	if (tree_is_reg(n))
		w->data_bytes += n->size;
	if (!tree_is_dir(n))
		return 0;
	return fat_dir_names(n, n->parent == NULL, w->has_label);
}

/* Clusters the content needs with a given geometry (FAT12/16 root apart). */
static uint64_t clusters_needed(const struct writer *w, const struct fat_geom *g)
{
	const uint64_t cs = (uint64_t)g->spc * FAT_SECTOR;
	uint64_t n = DIV_ROUND_UP(w->o->reserve, cs);
	for (size_t i = 0; i < w->nnodes; i++) {
		const struct tree_node *nd = w->nodes[i];
		if (tree_is_dir(nd)) {
			if (nd->parent || g->bits == 32)
				n += MAX(1, DIV_ROUND_UP((uint64_t)ent(nd)->entries * FAT_DIRENT, cs));
		} else {
			n += DIV_ROUND_UP(nd->size, cs);
		}
	}
	return n;
}

static const char *size_name(uint64_t bytes)
{
	static char buf[32];
	if (bytes % MIB == 0)
		snprintf(buf, sizeof buf, "%lluM", (unsigned long long)(bytes / MIB));
	else if (bytes % 1024 == 0)
		snprintf(buf, sizeof buf, "%lluK", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, sizeof buf, "%llu-byte", (unsigned long long)bytes);
	return buf;
}

/* Geometry for an image of `size` bytes with a FAT of `bits` (0: chosen by
 * size); 0 if the content fits, else an error saying why, and *root_full
 * set when the reason is the FAT12/16 root directory's fixed size. */
static int try_size(const struct writer *w, uint64_t size, int bits, struct fat_geom *g, uint64_t *fs_bytes,
		    bool *root_full)
{
	const struct fat_opts *o = w->o;
	uint64_t need;
	int rc;
	*root_full = false;
	if (o->partition) {
		uint64_t disk = size / MIB * MIB;
		if (disk < 2 * MIB)
			return err_set(ERR_LIMIT, "a partitioned image needs at least 2M, not %s",
				       size_name(size));
		*fs_bytes = disk - (uint64_t)FAT_PART_START * FAT_SECTOR;
		rc = fat_geom_compute(*fs_bytes, bits, true, FAT_PART_START, g);
	} else {
		*fs_bytes = size;
		rc = fat_geom_compute(size, bits, false, 0, g);
	}
	if (rc)
		return rc;
	if (g->bits != 32 && ent(w->t->root)->entries > g->root_entries) {
		*root_full = true;
		return err_set(ERR_LIMIT,
			       "the root directory needs %u records (a long name takes several), a %s FAT%d "
			       "root holds %u: move files into subdirectories or use FAT32",
			       ent(w->t->root)->entries, size_name(size), g->bits, g->root_entries);
	}
	need = clusters_needed(w, g);
	if (need > g->clusters)
		return err_set(
		    ERR_LIMIT,
		    "the files do not fit: %llu bytes missing on a %s FAT%d image (%llu clusters of "
		    "%u bytes needed, %u free)",
		    (unsigned long long)((need - g->clusters) * g->spc * FAT_SECTOR), size_name(size),
		    g->bits, (unsigned long long)need, (unsigned)g->spc * FAT_SECTOR, g->clusters);
	return 0;
}

static int choose_size(const struct writer *w, struct fat_geom *g, uint64_t *size, uint64_t *fs_bytes)
{
	const struct fat_opts *o = w->o;
	uint64_t m, est = o->reserve;
	int bits = o->fat_bits;
	bool root_full;
	if (o->size)
		return try_size(w, *size = o->size, bits, g, fs_bytes, &root_full);
	if (!o->partition && (bits == 0 || bits == 12))
		for (const uint32_t *s = fat_floppy_sizes; *s; s++)
			if (try_size(w, *size = *s, bits, g, fs_bytes, &root_full) == 0)
				return 0;
	/* Whole MiB from an estimate of the content upwards. */
	for (size_t i = 0; i < w->nnodes; i++)
		est += tree_is_dir(w->nodes[i]) ? (uint64_t)ent(w->nodes[i])->entries * FAT_DIRENT
						: w->nodes[i]->size;
	m = MAX(1, est / MIB) + (o->partition ? 1 : 0);
	for (; m <= (uint64_t)2 * 1024 * 1024; m += MAX(1, m / 64)) {
		if (try_size(w, *size = m * MIB, bits, g, fs_bytes, &root_full) == 0)
			return 0;
		/* The FAT12/16 root holds 512 records at any size: when it is
		 * what fails, only FAT32 (whose root is a cluster chain) can
		 * do, from its smallest size up (about 33M), not from 512M. */
		if (root_full && bits == 0) {
			bits = 32;
			if (try_size(w, *size = m * MIB, bits, g, fs_bytes, &root_full) == 0)
				return 0;
		}
	}
	return err_set(ERR_LIMIT, "the files do not fit in any FAT image");
}

int fat_label_parse(const char *s, uint8_t out[11])
{
	size_t n = strlen(s);
	if (n > 11)
		return err_set(EINVAL, "volume label \"%s\" is longer than 11 characters", s);
	memset(out, ' ', 11);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
		      strchr("!#$%&'()-@^_`{}~", c)) ||
		    !c)
			return err_set(
			    EINVAL,
			    "volume label \"%s\": FAT labels hold A-Z, 0-9, spaces and !#$%%&'()-@^_`{}~", s);
		out[i] = c;
	}
	if (n == 0 || out[0] == ' ')
		return err_set(EINVAL, "volume label \"%s\" must not be empty or start with a space", s);
	return 0;
}

/* A serial number that depends only on the build time (SOURCE_DATE_EPOCH),
 * the size and the label: reproducible, yet different between images. */
static uint32_t derive_serial(uint64_t size, const uint8_t label[11])
{
	uint64_t h = (uint64_t)time_build() * 0x9E3779B97F4A7C15ull ^ size;
	for (int i = 0; i < 11; i++)
		h = (h ^ label[i]) * 0x100000001B3ull;
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 29;
	return (uint32_t)h;
}

static int write_file_data(struct out_file *out, const struct tree_node *n, uint64_t cs)
{
	int rc = 0;
	if (n->size == 0)
		return 0;
	{
		int fd = tree_node_open(n);
		if (fd < -1)
			return fd;
		rc = tree_node_copy_out(n, fd, out, 0, n->size);
		if (fd >= 0)
			close(fd);
	}
	if (!rc)
		rc = out_zero(out, ALIGN_UP(n->size, cs) - n->size);
	if (!rc)
		progress_add(n->size);
	return rc;
}

static int write_dir(struct out_file *out, const struct writer *w, const struct tree_node *n, size_t bytes)
{
	uint8_t *buf = xcalloc(1, bytes);
	int rc;
	fat_dir_encode(n, n->parent == NULL, w->has_label ? w->label : NULL, buf);
	rc = out_write(out, buf, bytes);
	free(buf);
	return rc;
}

static uint8_t part_type(const struct fat_geom *g)
{
	if (g->bits == 12)
		return 0x01;
	if (g->bits == 16)
		return g->sectors < 65536 ? 0x04 : 0x06;
	return 0x0C; /* FAT32 with LBA */
}

static int write_image(struct out_file *out, struct writer *w, const struct fat_geom *g, uint64_t size,
		       uint64_t fs_bytes, uint32_t serial, struct fat_alloc *a)
{
	const uint64_t cs = (uint64_t)g->spc * FAT_SECTOR;
	const uint64_t base = out_tell(out);
	const uint64_t fsb = base + (w->o->partition ? (uint64_t)FAT_PART_START * FAT_SECTOR : 0);
	uint8_t sec[FAT_SECTOR], *fat = NULL;
	size_t fatlen;
	int rc;
	const uint8_t *vlabel = w->has_label ? w->label : (const uint8_t *)"NO NAME    ";

	if (w->o->partition) {
		fat_mbr(sec, w->o->mbr_code_len ? w->o->mbr_code : NULL, w->o->mbr_code_len, serial,
			part_type(g), FAT_PART_START, (uint32_t)(fs_bytes / FAT_SECTOR));
		if ((rc = out_write(out, sec, sizeof sec)) ||
		    (rc = out_zero(out, (uint64_t)FAT_PART_START * FAT_SECTOR - FAT_SECTOR)))
			return rc;
	}
	/* Reserved region: boot sector; on FAT32 also FSInfo (sector 1) and
	 * the backup boot sector and FSInfo (sectors 6 and 7). */
	fat_boot_sector(g, serial, vlabel, sec);
	if ((rc = out_write(out, sec, sizeof sec)))
		return rc;
	if (g->bits == 32) {
		uint8_t info[FAT_SECTOR], bs[FAT_SECTOR];
		uint32_t freec = g->clusters - (a->next - 2);
		memcpy(bs, sec, sizeof bs);
		fat_fsinfo(freec, a->next <= g->clusters + 1 ? a->next : 0xFFFFFFFF, info);
		if ((rc = out_write(out, info, sizeof info)) || (rc = out_zero(out, 4 * FAT_SECTOR)) ||
		    (rc = out_write(out, bs, sizeof bs)) || (rc = out_write(out, info, sizeof info)))
			return rc;
	}
	if ((rc = out_pad_to(out, fsb + (uint64_t)g->reserved * FAT_SECTOR)))
		return rc;
	fat_table_encode(g, a, &fat, &fatlen);
	for (unsigned i = 0; i < g->nfats; i++) {
		rc = out_write(out, fat, fatlen);
		if (!rc)
			rc = out_zero(out, (uint64_t)g->fat_sectors * FAT_SECTOR - fatlen);
		if (rc)
			break;
	}
	free(fat);
	if (rc)
		return rc;
	if (g->bits != 32 && (rc = write_dir(out, w, w->t->root, (size_t)g->root_sectors * FAT_SECTOR)))
		return rc;
	/* Data area, in allocation order (the walk order). */
	progress_begin("writing FAT image", w->data_bytes);
	for (size_t i = 0; i < w->nnodes && !rc; i++) {
		const struct tree_node *n = w->nodes[i];
		if (!ent(n)->nclust)
			continue;
		if (tree_is_dir(n))
			rc = write_dir(out, w, n, (size_t)(ent(n)->nclust * cs));
		else
			rc = write_file_data(out, n, cs);
	}
	progress_end();
	if (rc)
		return rc;
	if ((rc = out_pad_to(out, fsb + fs_bytes)))
		return rc;
	return out_pad_to(out, base + size);
}

static int clear_user(struct tree_node *n, void *ctx)
{
	n->user = NULL;
	return 0;
}

int fat_write_out(struct tree *t, const struct fat_opts *o, struct out_file *out, struct fat_info *info)
{
	struct writer w;
	struct fat_geom g;
	struct fat_alloc a;
	uint64_t size = 0, fs_bytes = 0;
	uint32_t serial;
	int rc;

	memset(&w, 0, sizeof w);
	memset(&a, 0, sizeof a);
	w.t = t;
	w.o = o;
	if (!t->finalized && (rc = tree_finalize(t)))
		return rc;
	if (o->label && *o->label) {
		if ((rc = fat_label_parse(o->label, w.label)))
			return rc;
		w.has_label = true;
	} else {
		memcpy(w.label, "NO NAME    ", 11);
	}
	w.ents = xcalloc(t->nnodes + 1, sizeof *w.ents);
	w.nodes = xcalloc(t->nnodes + 1, sizeof *w.nodes);
	tree_walk(t->root, collect, NULL, &w);
	if ((rc = tree_walk(t->root, name_dirs, NULL, &w)))
		goto out;
	if ((rc = choose_size(&w, &g, &size, &fs_bytes)))
		goto out;
	/* Allocate clusters in walk order: a directory, then what is in it. */
	fat_alloc_init(&a, g.clusters);
	for (size_t i = 0; i < w.nnodes; i++) {
		struct tree_node *n = w.nodes[i];
		const uint64_t cs = (uint64_t)g.spc * FAT_SECTOR;
		uint64_t nc;
		if (tree_is_dir(n))
			nc = n->parent || g.bits == 32
				 ? MAX(1, DIV_ROUND_UP((uint64_t)ent(n)->entries * FAT_DIRENT, cs))
				 : 0;
		else
			nc = DIV_ROUND_UP(n->size, cs);
		if (!nc)
			continue;
		ent(n)->nclust = (uint32_t)nc;
		ent(n)->first = fat_alloc_chain(&a, (uint32_t)nc);
		if (!ent(n)->first) { /* cannot happen: try_size counted these */
			rc = err_set(ERR_LIMIT, "internal error: cluster allocation overflow");
			goto out;
		}
	}
	serial = o->serial_set ? o->serial : derive_serial(size, w.label);
	if ((rc = write_image(out, &w, &g, size, fs_bytes, serial, &a)))
		goto out;
	if (info) {
		memset(info, 0, sizeof *info);
		info->image_size = size;
		info->fs_offset = o->partition ? (uint64_t)FAT_PART_START * FAT_SECTOR : 0;
		info->fs_size = fs_bytes;
		info->fat_bits = g.bits;
		info->cluster_size = (uint32_t)g.spc * FAT_SECTOR;
		info->clusters = g.clusters;
		info->free_bytes = (uint64_t)(g.clusters - (a.next - 2)) * g.spc * FAT_SECTOR;
		info->serial = serial;
		info->floppy = g.floppy;
	}
out:
	tree_walk(t->root, clear_user, NULL, NULL); /* the ents are freed below */
	fat_alloc_free(&a);
	free(w.ents);
	free(w.nodes);
	return rc;
}

int fat_write(struct tree *t, const struct fat_opts *o, const char *path, struct fat_info *info)
{
	struct out_file *out;
	int rc;
	if (o->syslinux && !o->prepared)
		return err_set(
		    EINVAL, "internal error: SYSLINUX options need fat_opts_check() before tree_finalize()");
	if ((rc = out_open(&out, path)))
		return rc;
	struct fat_info local;
	if (!info)
		info = &local;
	rc = fat_write_out(t, o, out, info);
	if (!rc && o->syslinux) {
		rc = out_sync(out);
		if (!rc)
			rc = fat_syslinux_install(out_temp_path(out), info->fs_offset, o->syslinux_dir);
	}
	if (rc) {
		out_abort(out);
		return rc;
	}
	return out_finish(out);
}
