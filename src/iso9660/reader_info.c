/* ISO 9660 reader: what `mklive info` says of an image: the volume
 * descriptors, the extensions in use (Rock Ridge, Joliet), and the
 * El Torito boot catalog's entries with the files they boot. */
#include "iso9660/reader.h"
#include "iso9660/reader_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CATALOG_MAX_SECTORS 16u /* 1024 entries: more than any firmware looks at */

static void field(struct imgsrc_info *info, const char *key, const uint8_t *p, size_t n)
{
	char s[256];
	size_t k = MIN(n, sizeof s - 1);
	for (size_t i = 0; i < k; i++)
		s[i] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : p[i] ? '?' : ' ';
	while (k && s[k - 1] == ' ')
		k--;
	s[k] = 0;
	if (k)
		imgsrc_info_add(info, "%s: %s", key, s);
}

static void date(struct imgsrc_info *info, const char *key, const uint8_t *p)
{
	char s[32];
	time_t t;
	struct tm tm;
	if (p[0] < '1' || p[0] > '9')
		return; /* 8.4.26.1: "not specified" */
	t = (time_t)iso_date17(p);
	if (gmtime_r(&t, &tm)) {
		strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm);
		imgsrc_info_add(info, "%s: %s", key, s);
	}
}

struct find_lba {
	uint64_t off, base;
	char *path;
};

static int find_pre(struct tree_node *n, void *vctx)
{
	struct find_lba *f = vctx;
	uint64_t off;
	if (!tree_is_reg(n) || n->src_aux || (n->src != TREE_SRC_RANGE && n->src != TREE_SRC_IMAGE))
		return 0;
	off = n->src == TREE_SRC_RANGE ? n->src_off - f->base : n->src_off;
	if (off == f->off) {
		f->path = tree_node_path(n);
		return 1;
	}
	return 0;
}

static const char *platform(uint8_t p)
{
	switch (p) {
	case 0:
		return "x86 (BIOS)";
	case 1:
		return "PowerPC";
	case 2:
		return "Mac";
	case 0xEF:
		return "EFI";
	default:
		return "unknown";
	}
}

static void boot_entry(struct imgsrc_info *info, unsigned k, const uint8_t *e, uint8_t plat, struct tree *t,
		       uint64_t base)
{
	static const char *media[] = {"no emulation", "1.2M floppy", "1.44M floppy", "2.88M floppy",
				      "hard disk"};
	struct find_lba f = {(uint64_t)get_le32(e + 8) * ISO_BLOCK, base, NULL};
	if (t)
		tree_walk(t->root, find_pre, NULL, &f);
	/* El Torito 1.0, 2.2 / 2.4: indicator, media, load segment, system
	 * type, sector count (512-byte), load RBA */
	imgsrc_info_add(info, "boot entry %u: %s, %s, %s, load segment 0x%x, %u sectors, at sector %u%s%s", k,
			platform(plat), e[0] == 0x88 ? "bootable" : "not bootable",
			(e[1] & 15) < 5 ? media[e[1] & 15] : "unknown media", get_le16(e + 2),
			get_le16(e + 6), get_le32(e + 8), f.path ? ": " : "", f.path ? f.path : "");
	free(f.path);
}

static int eltorito(const struct imgsrc *src, const struct iso_vol *v, struct imgsrc_info *info,
		    struct tree *t)
{
	uint8_t *cat;
	uint64_t base = 0, pos = (uint64_t)v->catalog * ISO_BLOCK;
	size_t len;
	unsigned k = 1;
	uint16_t sum = 0;
	int rc;
	imgsrc_host_img(src, &base);
	if (pos >= src->size)
		return err_set(ERR_FORMAT,
			       "%s: offset %llu: the El Torito boot catalog (sector %u) lies past the "
			       "end of the image",
			       src->name, (unsigned long long)v->boot_block * ISO_BLOCK + 0x47, v->catalog);
	len = (size_t)MIN(src->size - pos, (uint64_t)CATALOG_MAX_SECTORS * ISO_BLOCK);
	if (len < 64)
		return err_set(ERR_FORMAT, "%s: offset %llu: the El Torito boot catalog is cut short",
			       src->name, (unsigned long long)pos);
	cat = xmalloc(len);
	if ((rc = imgsrc_pread(src, cat, len, pos)) < 0)
		goto out;
	/* 2.1: the validation entry, whose 16-bit words sum to zero */
	for (int i = 0; i < 32; i += 2)
		sum = (uint16_t)(sum + get_le16(cat + i));
	if (cat[0] != 1 || cat[30] != 0x55 || cat[31] != 0xAA || sum) {
		rc = err_set(ERR_FORMAT, "%s: offset %llu: the El Torito validation entry is corrupt",
			     src->name, (unsigned long long)pos);
		goto out;
	}
	imgsrc_info_add(info, "boot catalog: sector %u", v->catalog);
	field(info, "boot catalog id", cat + 4, 24);
	boot_entry(info, k++, cat + 32, cat[1], t, base);
	/* 2.3: section headers (0x90 more follow, 0x91 the last) and entries */
	for (size_t p = 64; p + 32 <= len;) {
		uint8_t hdr = cat[p], plat = cat[p + 1];
		unsigned n = get_le16(cat + p + 2);
		if (hdr != 0x90 && hdr != 0x91)
			break;
		p += 32;
		for (unsigned i = 0; i < n && p + 32 <= len; p += 32) {
			if (cat[p] == 0x44)
				continue; /* 2.5: extension of the entry before */
			boot_entry(info, k++, cat + p, plat, t, base);
			i++;
		}
		if (hdr == 0x91)
			break;
	}
out:
	free(cat);
	return rc;
}

int iso_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	struct iso_vol v;
	struct tree *t;
	uint8_t b[ISO_BLOCK];
	int rc;
	if ((rc = iso_rd_volume(src, &v)) < 0)
		return rc;
	if ((rc = imgsrc_pread(src, b, ISO_BLOCK, (uint64_t)v.pvd_block * ISO_BLOCK)) < 0)
		return rc;
	imgsrc_info_add(info, "volume descriptors: %u (primary at sector %u%s%s)", v.ndesc, v.pvd_block,
			v.boot_block ? ", El Torito boot record" : "", v.svd_block ? ", Joliet" : "");
	/* ECMA-119 8.4: the primary volume descriptor's fields */
	field(info, "system id", b + 8, 32);
	field(info, "volume id", b + 40, 32);
	imgsrc_info_add(info, "volume space: %u sectors (%llu bytes)", v.space,
			(unsigned long long)v.space * ISO_BLOCK);
	field(info, "volume set id", b + 190, 128);
	field(info, "publisher", b + 318, 128);
	field(info, "preparer", b + 446, 128);
	field(info, "application", b + 574, 128);
	date(info, "created", b + 813);
	date(info, "modified", b + 830);
	if (v.space && (uint64_t)v.space * ISO_BLOCK > src->size)
		imgsrc_info_add(info, "warning: the image is %llu bytes, shorter than its volume space",
				(unsigned long long)src->size);
	if (v.svd_block)
		imgsrc_info_add(info, "joliet: level %d (sector %u)", v.joliet_level, v.svd_block);
	{
		struct iso_rec root, dot;
		uint8_t first[ISO_BLOCK];
		if (iso_rec_parse(v.root, sizeof v.root, &root) == 0 &&
		    imgsrc_pread(src, first, ISO_BLOCK, (uint64_t)root.extent * ISO_BLOCK) == 0 &&
		    iso_rec_parse(first, ISO_BLOCK, &dot) == 0) {
			struct rr_ctx c = {src, src->size, 0};
			struct rr_attrs a;
			memset(&a, 0, sizeof a);
			if (rr_parse(&c, dot.su, dot.su_len, (uint64_t)root.extent * ISO_BLOCK, &a) == 0 &&
			    a.sp)
				imgsrc_info_add(info, "rock ridge: yes%s%s%s", a.er_id[0] ? " (" : "",
						a.er_id, a.er_id[0] ? ")" : "");
			else
				imgsrc_info_add(info, "rock ridge: no");
			rr_attrs_free(&a);
		}
		err_clear();
	}
	if (v.boot_block) {
		t = tree_create();
		if (iso_read(src, t) < 0) {
			err_clear();
			tree_destroy(t);
			t = NULL;
		}
		rc = eltorito(src, &v, info, t);
		tree_destroy(t);
	}
	return rc;
}
