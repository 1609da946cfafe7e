/* Layout: builds the ISO 9660 hierarchy from the tree (directories deeper
 * than ECMA-119 6.8.2.1 allows stay where they are with Rock Ridge, as
 * xorriso records them, or move into a relocation directory when asked),
 * the Joliet hierarchy, names, inode numbers, and assigns every sector
 * before anything is written. */
#include "iso9660/eltorito.h"
#include "iso9660/iso_impl.h"
#include "iso9660/joliet.h"
#include "part/part.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ISO_MAX_LEVELS 8 /* ECMA-119 6.8.2.1: depth of the directory hierarchy */

static struct iso_node *node_new(struct iso_image *img, struct tree_node *tn, uint8_t kind)
{
	struct iso_node *n = xcalloc(1, sizeof *n);
	n->tn = tn;
	n->kind = kind;
	n->name.bytes = n->name_buf;
	n->name.is_dir = kind == ISO_N_DIR;
	n->jname.is_dir = kind == ISO_N_DIR;
	util_grow(&img->all, &img->allcap, img->nall + 1, sizeof *img->all);
	img->all[img->nall++] = n;
	return n;
}

static void add_kid(struct iso_node *d, struct iso_node *k)
{
	util_grow(&d->kids, &d->kcap, d->nkids + 1, sizeof *d->kids);
	d->kids[d->nkids++] = k;
	k->parent = d;
}

static void add_jkid(struct iso_node *d, struct iso_node *k)
{
	util_grow(&d->jkids, &d->jcap, d->njkids + 1, sizeof *d->jkids);
	d->jkids[d->njkids++] = k;
	k->hparent = d;
}

static struct tree_node *synth_dir(struct iso_image *img, const char *name)
{
	struct tree_node *tn = xcalloc(1, sizeof *tn);
	tn->name = xstrdup(name);
	tn->mode = S_IFDIR | 0555;
	tn->mtime = tn->atime = tn->ctime = img->now;
	tn->nlink = 2;
	tn->parent = img->tree->root;
	return tn;
}

static struct iso_node *get_rr_moved(struct iso_image *img)
{
	if (!img->rr_moved) {
		struct tree_node *tn = synth_dir(img, img->o->reloc_dir);
		if (img->o->rock && strcmp(tn->name, "rr_moved") && strcmp(tn->name, ".rr_moved"))
			log_warn("relocation directory /%s: libarchive (bsdtar) takes only rr_moved or "
				 ".rr_moved for one and refuses the image",
				 tn->name);
		img->synth[0] = tn;
		img->rr_moved = node_new(img, tn, ISO_N_DIR);
		img->rr_moved->is_rr_moved = true;
		img->rr_moved->hparent = img->root;
		add_kid(img->root, img->rr_moved);
	}
	return img->rr_moved;
}

static uint8_t kind_of(const struct tree_node *tn)
{
	if (tree_is_dir(tn))
		return ISO_N_DIR;
	if (tree_is_reg(tn))
		return tn->size ? ISO_N_FILE : ISO_N_OTHER;
	return ISO_N_OTHER;
}

/* A directory that ECMA-119 6.8.2.1 puts too deep (level 9 and more, the
 * root being level 1): with Rock Ridge it stays where it is unless
 * relocation was asked for; without, only relocation can record it. */
static int too_deep(struct iso_image *img, const struct tree_node *c, bool *relocate)
{
	const struct iso_opts *o = img->o;
	char *p;
	int rc = 0;
	*relocate = o->reloc_dir && !o->no_reloc;
	if (o->rock && !*relocate)
		return 0;
	p = tree_node_path(c);
	if (*relocate && !img->rr_moved && tree_lookup(img->tree, o->reloc_dir))
		rc = err_set(EEXIST,
			     "%s: too deep for ISO 9660, and the relocation directory /%s is a file of the "
			     "tree: name another with -rr_reloc_dir",
			     p, o->reloc_dir);
	else if (!*relocate)
		rc = err_set(ERR_LIMIT,
			     "%s: directory %u levels deep, ISO 9660 allows 8 (ECMA-119 6.8.2.1); use Rock "
			     "Ridge (-R or -r) to record it where it is, or -rr_reloc_dir rr_moved to "
			     "move it",
			     p, tree_node_depth(c) + 1);
	else if (!o->rock && !img->warned_reloc) {
		img->warned_reloc = true;
		log_warn("%s: directory %u levels deep, moved into /%s with the others deeper than 8 "
			 "levels: without Rock Ridge, readers show them there",
			 p, tree_node_depth(c) + 1, o->reloc_dir);
	}
	free(p);
	return rc;
}

/* Mirror the host directory d (ISO level `level`) into the ISO hierarchy. */
static int build_dir(struct iso_image *img, struct iso_node *d, unsigned level)
{
	struct tree_node *t = d->tn;
	int rc;
	for (size_t i = 0; i < t->nchildren; i++) {
		struct tree_node *c = t->children[i];
		struct iso_node *n = node_new(img, c, kind_of(c));
		c->user = n;
		/* Joliet has no symbolic links, devices or FIFOs: xorriso leaves
		 * them out rather than show them as empty files. */
		if (tree_is_dir(c) || tree_is_reg(c))
			add_jkid(d, n);
		bool relocate = false;
		if (n->kind != ISO_N_DIR) {
			add_kid(d, n);
			continue;
		}
		if (level + 1 > ISO_MAX_LEVELS && (rc = too_deep(img, c, &relocate)))
			return rc;
		if (relocate) {
			/* RRIP 4.1.5: the directory moves to rr_moved; a placeholder
			 * file with CL stays here, the moved one carries RE and PL. */
			struct iso_node *ph = node_new(img, c, ISO_N_PLACEHOLDER), *mv = get_rr_moved(img);
			ph->name.is_dir = false;
			ph->reloc = n;
			n->reloc = ph;
			add_kid(d, ph);
			add_kid(mv, n);
			rc = build_dir(img, n, 3);
		} else {
			add_kid(d, n);
			rc = build_dir(img, n, level + 1);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_iso(const void *a, const void *b)
{
	const struct iso_node *x = *(const struct iso_node *const *)a;
	const struct iso_node *y = *(const struct iso_node *const *)b;
	return iso_name_cmp((const char *)x->name.bytes, (const char *)y->name.bytes);
}

static int cmp_joliet(const void *a, const void *b)
{
	const struct iso_node *x = *(const struct iso_node *const *)a;
	const struct iso_node *y = *(const struct iso_node *const *)b;
	return iso_joliet_cmp(x->jname.bytes, x->jname.len, y->jname.bytes, y->jname.len);
}

static void name_dir(struct iso_image *img, struct iso_node *d)
{
	struct iso_name **names = xmalloc((d->nkids + 1) * sizeof *names);
	for (size_t i = 0; i < d->nkids; i++) {
		struct iso_node *k = d->kids[i];
		k->name.len =
		    (uint8_t)iso_name_mangle(k->tn->name, k->kind == ISO_N_DIR, &img->rules, k->name_buf);
		names[i] = &k->name;
	}
	iso_names_uniquify(names, d->nkids, false, &img->rules);
	for (size_t i = 0; i < d->nkids; i++)
		d->kids[i]->name_buf[d->kids[i]->name.len] = 0;
	if (d->nkids)
		qsort(d->kids, d->nkids, sizeof *d->kids, cmp_iso);
	if (img->o->joliet && d->njkids) {
		names = xrealloc(names, d->njkids * sizeof *names);
		for (size_t i = 0; i < d->njkids; i++) {
			struct iso_node *k = d->jkids[i];
			k->jname.bytes = xmalloc(ISO_JOLIET_NAME_MAX + 8);
			k->jname.len =
			    (uint8_t)iso_name_joliet(k->tn->name, k->kind == ISO_N_DIR, k->jname.bytes);
			names[i] = &k->jname;
		}
		iso_names_uniquify(names, d->njkids, true, &img->rules);
		qsort(d->jkids, d->njkids, sizeof *d->jkids, cmp_joliet);
	}
	free(names);
}

/* Directories breadth first, children in sorted order: the path table
 * order of ECMA-119 9.4 (level, parent number, identifier). */
static void list_dirs(struct iso_image *img, bool joliet, struct iso_node ***out, size_t *nout)
{
	size_t n = 0, cap = 16;
	struct iso_node **list = xmalloc(cap * sizeof *list);
	list[n++] = img->root;
	for (size_t i = 0; i < n; i++) {
		struct iso_node *d = list[i];
		struct iso_node **kids = joliet ? d->jkids : d->kids;
		size_t nk = joliet ? d->njkids : d->nkids;
		for (size_t k = 0; k < nk; k++)
			if (kids[k]->kind == ISO_N_DIR) {
				util_grow(&list, &cap, n + 1, sizeof *list);
				list[n++] = kids[k];
			}
	}
	*out = list;
	*nout = n;
}

/* The order of directory extents: depth first, the relocation directory's
 * subtree right after the root. libarchive reads directories in extent
 * order and can join a relocated directory that sits inside another
 * relocated one only while the outer one is not yet joined, that is, before
 * it reads the directory holding the outer placeholder; readers that follow
 * CL directly (Linux, libisofs) do not mind. The path tables keep the
 * ECMA-119 9.4 order. */
static void order_dirs(struct iso_image *img, struct iso_node *d, size_t *n)
{
	img->dir_order[(*n)++] = d;
	if (d == img->root && img->rr_moved)
		order_dirs(img, img->rr_moved, n);
	for (size_t i = 0; i < d->nkids; i++)
		if (d->kids[i]->kind == ISO_N_DIR && !d->kids[i]->is_rr_moved)
			order_dirs(img, d->kids[i], n);
}

/* Serial numbers and data order: host walk order, hard links share. */
static void number_nodes(struct iso_image *img, struct iso_node *d, size_t *fcap)
{
	for (size_t i = 0; i < d->tn->nchildren; i++) {
		struct iso_node *n = d->tn->children[i]->user;
		if (n->kind == ISO_N_CATALOG)
			continue;
		n->nlink = n->tn->nlink ? n->tn->nlink : 1;
		if (n->tn->link_first != n->tn && n->tn->link_first && n->tn->link_first->user) {
			n->ino = ((struct iso_node *)n->tn->link_first->user)->ino;
		} else {
			n->ino = img->next_ino++;
			if (n->kind == ISO_N_FILE) {
				util_grow(&img->files, fcap, img->nfiles + 1, sizeof *img->files);
				img->files[img->nfiles++] = n;
			}
		}
		if (n->kind == ISO_N_DIR)
			number_nodes(img, n, fcap);
	}
}

uint32_t iso_node_sections(const struct iso_node *n)
{
	if (n->kind != ISO_N_FILE || n->size <= 0xFFFFFFFFull)
		return 1;
	return (uint32_t)DIV_ROUND_UP(n->size, (uint64_t)ISO_MAX_EXTENT);
}

static const struct iso_node *data_owner(const struct iso_node *n)
{
	if (n->kind == ISO_N_FILE && n->tn->link_first && n->tn->link_first->user)
		return n->tn->link_first->user;
	return n;
}

/* Append one record at *pos in a directory extent (records never cross a
 * sector boundary, 6.8.1.1). */
static void rec_put(uint8_t *buf, uint64_t *pos, const struct iso_dr *r)
{
	size_t len = iso_dr_len(r->name_len, r->su_len);
	if (*pos % ISO_BLOCK + len > ISO_BLOCK)
		*pos = ALIGN_UP(*pos, (uint64_t)ISO_BLOCK);
	if (buf)
		iso_dr_encode(buf + *pos, r);
	*pos += len;
}

uint64_t iso_dir_emit(struct iso_image *img, struct iso_node *d, bool joliet, uint8_t *buf)
{
	uint8_t su[ISO_DR_MAX + 2];
	uint64_t pos = 0;
	struct iso_node **kids = joliet ? d->jkids : d->kids;
	size_t nk = joliet ? d->njkids : d->nkids;
	struct iso_dr r;
	bool rr = img->o->rock && !joliet;
	struct iso_node *par = joliet ? (d == img->root ? d : d->hparent) : (d == img->root ? d : d->parent);

	/* "." and ".." (6.8.2.2) */
	memset(&r, 0, sizeof r);
	r.extent = joliet ? d->jlba : d->lba;
	r.size = joliet ? d->jsize : (uint32_t)d->size;
	r.mtime = d->tn->mtime;
	r.flags = ISO_DR_DIR;
	r.name = (const uint8_t *)"\0";
	r.name_len = 1;
	r.su = su;
	r.su_len = rr ? iso_rr_record(img, d, ISO_RR_SELF, ISO_DR_MAX - iso_dr_len(1, 0), su) : 0;
	rec_put(buf, &pos, &r);
	r.extent = joliet ? par->jlba : par->lba;
	r.size = joliet ? par->jsize : (uint32_t)par->size;
	r.mtime = par->tn->mtime;
	r.name = (const uint8_t *)"\1";
	r.su_len = rr ? iso_rr_record(img, d, ISO_RR_PARENT, ISO_DR_MAX - iso_dr_len(1, 0), su) : 0;
	rec_put(buf, &pos, &r);

	for (size_t i = 0; i < nk; i++) {
		struct iso_node *k = kids[i];
		const struct iso_node *own = data_owner(k);
		uint32_t nsec = iso_node_sections(own);
		size_t su_len = 0;
		memset(&r, 0, sizeof r);
		r.mtime = k->tn->mtime;
		r.name = joliet ? k->jname.bytes : k->name.bytes;
		r.name_len = joliet ? k->jname.len : k->name.len;
		if (rr)
			su_len =
			    iso_rr_record(img, k, ISO_RR_ENTRY, ISO_DR_MAX - iso_dr_len(r.name_len, 0), su);
		r.su = su;
		r.su_len = su_len;
		switch (k->kind) {
		case ISO_N_DIR:
			r.flags |= ISO_DR_DIR;
			r.extent = joliet ? k->jlba : k->lba;
			r.size = joliet ? k->jsize : (uint32_t)k->size;
			break;
		case ISO_N_PLACEHOLDER:
			r.extent = k->reloc->lba;
			r.size = 0;
			break;
		case ISO_N_CATALOG:
			r.extent = img->catalog_lba;
			r.size = ISO_BLOCK;
			break;
		case ISO_N_FILE: {
			uint64_t left = own->size;
			for (uint32_t s = 0; s < nsec; s++) {
				uint32_t part =
				    (uint32_t)MIN(left, (uint64_t)(nsec > 1 ? ISO_MAX_EXTENT : 0xFFFFFFFFu));
				r.extent = own->lba + (uint32_t)((uint64_t)s * (ISO_MAX_EXTENT / ISO_BLOCK));
				r.size = part;
				r.flags = s + 1 < nsec ? ISO_DR_MULTI : 0;
				rec_put(buf, &pos, &r);
				left -= part;
			}
			continue;
		}
		default:
			r.extent = 0;
			r.size = 0;
			break;
		}
		rec_put(buf, &pos, &r);
	}
	return ALIGN_UP(pos, (uint64_t)ISO_BLOCK);
}

static int add_catalog(struct iso_image *img)
{
	const char *path = img->o->catalog;
	struct tree_node *tn = tree_lookup(img->tree, path);
	struct iso_node *dir, *n;
	char *slash;
	if (tn) {
		if (!tree_is_reg(tn))
			return err_set(EINVAL,
				       "boot catalog %s: exists in the tree and is not a regular file", path);
		/* mkisofs semantics: an existing file of that name becomes the catalog */
		n = tn->user;
		n->kind = ISO_N_CATALOG;
		img->catalog = n;
		return 0;
	}
	{
		char *dpath = xstrdup(path);
		struct tree_node *dt;
		slash = strrchr(dpath, '/');
		if (slash)
			*slash = 0;
		dt = tree_lookup(img->tree, slash ? dpath : "");
		if (!dt || !tree_is_dir(dt)) {
			int rc = err_set(ENOENT, "boot catalog %s: directory %s is not in the tree", path,
					 slash ? dpath : "/");
			free(dpath);
			return rc;
		}
		free(dpath);
		dir = dt->user;
	}
	tn = xcalloc(1, sizeof *tn);
	slash = strrchr(path, '/');
	tn->name = xstrdup(slash ? slash + 1 : path);
	tn->mode = S_IFREG | 0444;
	tn->mtime = tn->atime = tn->ctime = img->now;
	tn->nlink = 1;
	tn->size = ISO_BLOCK;
	tn->parent = dir->tn;
	img->synth[1] = tn;
	n = node_new(img, tn, ISO_N_CATALOG);
	add_kid(dir, n);
	add_jkid(dir, n);
	img->catalog = n;
	return 0;
}

static uint32_t sectors(uint64_t bytes)
{
	return (uint32_t)DIV_ROUND_UP(bytes, (uint64_t)ISO_BLOCK);
}

int iso_layout(struct iso_image *img)
{
	size_t fcap = 0;
	uint32_t lba;
	int rc;
	img->rules.level = img->o->level;
	img->rules.long_names = img->o->long_names;
	img->root = node_new(img, img->tree->root, ISO_N_DIR);
	img->tree->root->user = img->root;
	if ((rc = build_dir(img, img->root, 1)))
		return rc;
	if (img->o->nboot) {
		if (!img->o->catalog)
			return err_set(ERR_USAGE, "El Torito boot needs a boot catalog path (-c)");
		rc = add_catalog(img);
		if (rc)
			return rc;
	}
	/* names (ISO and Joliet) */
	list_dirs(img, false, &img->dirs, &img->ndirs);
	for (size_t i = 0; i < img->ndirs; i++)
		name_dir(img, img->dirs[i]);
	free(img->dirs);
	list_dirs(img, false, &img->dirs, &img->ndirs);
	if (img->o->joliet)
		list_dirs(img, true, &img->jdirs, &img->njdirs);
	{
		size_t n = 0;
		img->dir_order = xmalloc(img->ndirs * sizeof *img->dir_order);
		order_dirs(img, img->root, &n);
	}
	if (img->ndirs > 0xFFFF)
		return err_set(ERR_LIMIT, "%zu directories: a path table holds at most 65535", img->ndirs);

	/* serial numbers, link counts, data order */
	img->next_ino = 1;
	img->root->ino = img->next_ino++;
	img->root->nlink = img->root->tn->nlink;
	if (img->rr_moved) {
		/* rr_moved is a subdirectory of the root, hidden or not: its ".."
		 * is one more link of the root (genisoimage counts it too) */
		img->root->nlink++;
		img->rr_moved->ino = img->next_ino++;
		img->rr_moved->nlink = 2;
		for (size_t i = 0; i < img->rr_moved->nkids; i++)
			img->rr_moved->nlink++;
	}
	if (img->catalog) {
		img->catalog->ino = img->next_ino++;
		img->catalog->nlink = 1;
	}
	number_nodes(img, img->root, &fcap);
	for (size_t i = 0; i < img->nall; i++) {
		struct iso_node *n = img->all[i];
		if (n->kind == ISO_N_FILE) {
			n->size = n->tn->size;
			if (n->size > 0xFFFFFFFFull && img->o->level < 3)
				return err_set(ERR_LIMIT,
					       "%s: %llu bytes; files of 4 GiB and more need -iso-level 3",
					       n->tn->src_path ? n->tn->src_path : n->tn->name,
					       (unsigned long long)n->size);
		}
		if (n->kind == ISO_N_PLACEHOLDER) {
			n->ino = n->reloc->ino;
			n->nlink = n->reloc->nlink;
		}
	}
	if (img->o->nboot) {
		rc = iso_eltorito_resolve(img);
		if (rc)
			return rc;
	}

	/* sectors: system area, descriptors, path tables */
	lba = ISO_SYSTEM_AREA;
	img->pvd_lba = lba++;
	if (img->nboot)
		img->br_lba = lba++;
	if (img->o->joliet)
		img->svd_lba = lba++;
	img->term_lba = lba++;
	img->part_off = img->o->partition_offset;
	if (img->part_off) {
		/* the partition's descriptors at its block 16 (no boot record:
		 * El Torito is read from the image's start) */
		img->pvd_alt = img->part_off + ISO_SYSTEM_AREA;
		lba = MAX(lba, img->pvd_alt + 2 + (img->o->joliet ? 1 : 0));
	}
	img->pt_size = 0;
	for (size_t i = 0; i < img->ndirs; i++)
		img->pt_size += (uint32_t)iso_pt_len(i ? img->dirs[i]->name.len : 1);
	img->pt_l = lba;
	lba += sectors(img->pt_size);
	img->pt_m = lba;
	lba += sectors(img->pt_size);
	if (img->o->joliet) {
		img->jpt_size = 0;
		for (size_t i = 0; i < img->njdirs; i++)
			img->jpt_size += (uint32_t)iso_pt_len(i ? img->jdirs[i]->jname.len : 1);
		img->jpt_l = lba;
		lba += sectors(img->jpt_size);
		img->jpt_m = lba;
		lba += sectors(img->jpt_size);
	}
	/* ISO directories: sizes measured in write order, so continuation
	 * areas are reserved exactly as the writer will fill them */
	img->ce_cur_sector = img->ce_cur_off = 0;
	img->ce_sectors = 0;
	for (size_t i = 0; i < img->ndirs; i++) {
		struct iso_node *d = img->dir_order[i];
		d->size = iso_dir_emit(img, d, false, NULL);
		d->lba = lba;
		lba += sectors(d->size);
	}
	img->ce_lba = lba;
	lba += img->ce_sectors;
	for (size_t i = 0; i < img->njdirs; i++) {
		struct iso_node *d = img->jdirs[i];
		d->jsize = (uint32_t)iso_dir_emit(img, d, true, NULL);
		d->jlba = lba;
		lba += sectors(d->jsize);
	}
	if (img->part_off) {
		/* the partition's copies: the same sizes, other numbers */
		uint32_t P = img->part_off;
		img->pt_l_alt = lba - P;
		lba += sectors(img->pt_size);
		img->pt_m_alt = lba - P;
		lba += sectors(img->pt_size);
		if (img->o->joliet) {
			img->jpt_l_alt = lba - P;
			lba += sectors(img->jpt_size);
			img->jpt_m_alt = lba - P;
			lba += sectors(img->jpt_size);
		}
		for (size_t i = 0; i < img->ndirs; i++) {
			struct iso_node *d = img->dir_order[i];
			d->lba_alt = lba - P;
			lba += sectors(d->size);
		}
		img->ce_lba_alt = lba - P;
		lba += img->ce_sectors;
		for (size_t i = 0; i < img->njdirs; i++) {
			struct iso_node *d = img->jdirs[i];
			d->jlba_alt = lba - P;
			lba += sectors(d->jsize);
		}
	}
	if (img->catalog)
		img->catalog_lba = lba++;
	img->catalog_alt = img->catalog_lba - img->part_off;
	img->data_lba = lba;
	img->data_bytes = 0;
	for (size_t i = 0; i < img->nfiles; i++) {
		struct iso_node *f = img->files[i];
		uint64_t next = (uint64_t)lba + sectors(f->size);
		if (next > 0xFFFFFFFFull)
			return err_set(ERR_LIMIT, "the image would exceed 2^32 sectors (8 TiB)");
		f->lba = lba;
		lba = (uint32_t)next;
		img->data_bytes += f->size;
	}
	img->data_end = lba;
	if (img->o->pad)
		lba += 150; /* mkisofs -pad: 300 KiB of zeros for drives that read ahead */
	if (iso_opts_gpt(img->o)) {
		bool appended = false;
		for (size_t i = 0; i < ISO_MAX_APPEND; i++)
			appended |= img->o->append[i].path != NULL;
		/* the backup GPT ends the image: in the volume's tail when
		 * nothing is appended after it (as xorriso places it) */
		if (!appended) {
			img->gpt_tail = (uint32_t)DIV_ROUND_UP(
			    (1 + PART_GPT_NENTRIES * PART_GPT_ENTRY_SIZE / PART_SECTOR) * PART_SECTOR,
			    ISO_BLOCK);
			lba += img->gpt_tail;
		}
	}
	if (img->o->isohybrid_mbr || iso_opts_gpt(img->o))
		lba = (uint32_t)ALIGN_UP((uint64_t)lba,
					 (uint64_t)(1u << 20) / ISO_BLOCK); /* whole 1 MiB cylinders */
	img->total = lba;
	return 0;
}

static void swap32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;
	*a = *b;
	*b = t;
}

void iso_partition_view(struct iso_image *img)
{
	uint32_t P = img->part_off;
	img->part_view = !img->part_view;
	for (size_t i = 0; i < img->ndirs; i++)
		swap32(&img->dirs[i]->lba, &img->dirs[i]->lba_alt);
	for (size_t i = 0; i < img->njdirs; i++)
		swap32(&img->jdirs[i]->jlba, &img->jdirs[i]->jlba_alt);
	for (size_t i = 0; i < img->nfiles; i++)
		img->files[i]->lba = img->part_view ? img->files[i]->lba - P : img->files[i]->lba + P;
	swap32(&img->pt_l, &img->pt_l_alt);
	swap32(&img->pt_m, &img->pt_m_alt);
	swap32(&img->jpt_l, &img->jpt_l_alt);
	swap32(&img->jpt_m, &img->jpt_m_alt);
	swap32(&img->ce_lba, &img->ce_lba_alt);
	swap32(&img->catalog_lba, &img->catalog_alt);
}

void iso_image_free(struct iso_image *img)
{
	for (size_t i = 0; i < img->nall; i++) {
		struct iso_node *n = img->all[i];
		if (n->tn && n->tn->user == n)
			n->tn->user = NULL;
		free(n->kids);
		free(n->jkids);
		free(n->jname.bytes);
		free(n);
	}
	for (size_t i = 0; i < ARRAY_SIZE(img->synth); i++)
		if (img->synth[i]) {
			free(img->synth[i]->name);
			free(img->synth[i]);
		}
	free(img->all);
	free(img->dirs);
	free(img->dir_order);
	free(img->jdirs);
	free(img->files);
	free(img->boot);
	free(img->ce_data);
	free(img->su);
	free(img->su2);
}
