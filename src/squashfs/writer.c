/* The squashfs 4.0 writer: numbers the inodes, streams file data through
 * the compression engine, then writes inodes and directories bottom-up
 * (every record refers only to blocks already written), the lookup tables
 * and finally the superblock (squashfs.rst, "Overview" for the layout). */
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define REF_DONE u64[2] /* node field: inode written */

struct sqfs_w {
	struct tree *t;
	const struct sqfs_opts *o;
	struct out_file *out;
	struct comp_ctx *mcc;
	struct sqfs_meta inodes, dirs;
	struct sqfs_ids ids;
	struct sqfs_xattrs xattrs;
	struct sqfs_frags frags;
	uint32_t next_ino, ninodes;
	uint64_t *export_refs;
	struct sqfs_file *files;
	struct sqfs_file **fileps;
	size_t nfiles;
	uint8_t *ibuf;
	size_t ibuf_cap;
	struct sqfs_dirent *ents;
	size_t ents_cap;
	struct sqfs_listing listing;
	struct sqfs_stats st;
};

static int sqfs_comp_id(enum comp_codec c)
{
	const struct sqfs_comp *k = sqfs_comp_by_codec(c);
	return k ? (int)k->id : -1;
}

static int default_level(enum comp_codec c)
{
	switch (c) {
	case COMP_ZLIB:
		return 9; /* mksquashfs's gzip default */
	case COMP_ZSTD:
		return 15; /* mksquashfs's zstd default */
	case COMP_XZ:
		return 6; /* LZMA_PRESET_DEFAULT, as mksquashfs */
	default:
		return 1; /* lz4: the fast compressor; 2..12 = HC */
	}
}

/* ---- inode numbers ---------------------------------------------------------
 * The children of a directory get consecutive numbers, so one directory
 * header covers them; the root is 1. Hard links share their first name's. */
static void number_dir(struct sqfs_w *w, struct tree_node *d)
{
	for (size_t i = 0; i < d->nchildren; i++) {
		struct tree_node *f = d->children[i]->link_first;
		if (!f->u64[0])
			f->u64[0] = ++w->next_ino;
	}
	for (size_t i = 0; i < d->nchildren; i++)
		if (tree_is_dir(d->children[i]))
			number_dir(w, d->children[i]);
}

static int collect_files(struct tree_node *n, void *vctx)
{
	struct sqfs_w *w = vctx;
	if (tree_is_reg(n) && n->link_first == n) {
		struct sqfs_file *f = &w->files[w->nfiles];
		f->node = n;
		f->nblocks = (uint32_t)(n->size / w->o->block_size);
		if (w->o->no_fragments && n->size % w->o->block_size)
			f->nblocks++;
		f->sizes = xcalloc(f->nblocks ? f->nblocks : 1, sizeof *f->sizes);
		n->user = f;
		w->fileps[w->nfiles++] = f;
	}
	return 0;
}

static int count_files(struct tree_node *n, void *vctx)
{
	*(size_t *)vctx += tree_is_reg(n) && n->link_first == n;
	return 0;
}

/* ---- inodes ------------------------------------------------------------------ */
static uint16_t basic_type(const struct tree_node *n)
{
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		return SQFS_DIR;
	case S_IFREG:
		return SQFS_REG;
	case S_IFLNK:
		return SQFS_SYMLINK;
	case S_IFBLK:
		return SQFS_BLKDEV;
	case S_IFCHR:
		return SQFS_CHRDEV;
	case S_IFIFO:
		return SQFS_FIFO;
	default:
		return SQFS_SOCKET;
	}
}

static void ibuf_reserve(struct sqfs_w *w, size_t n)
{
	if (n > w->ibuf_cap) {
		w->ibuf = xrealloc(w->ibuf, n);
		w->ibuf_cap = n;
	}
}

static int inode_header(struct sqfs_w *w, const struct tree_node *n, struct sqfs_inode_hdr *h,
			uint32_t *xattr)
{
	uint32_t uid = n->uid, gid = n->gid;
	int rc;
	if (w->o->all_root)
		uid = gid = 0;
	if (w->o->force_uid >= 0)
		uid = (uint32_t)w->o->force_uid;
	if (w->o->force_gid >= 0)
		gid = (uint32_t)w->o->force_gid;
	memset(h, 0, sizeof *h);
	h->type = basic_type(n);
	h->mode = (uint16_t)(n->mode & 07777);
	if ((rc = sqfs_ids_get(&w->ids, uid, &h->uid_idx)) != 0 ||
	    (rc = sqfs_ids_get(&w->ids, gid, &h->gid_idx)) != 0) {
		char *p = tree_node_path(n);
		rc = err_wrap(rc, "%s", p);
		free(p);
		return rc;
	}
	h->mtime = n->mtime < 0 ? 0 : n->mtime > UINT32_MAX ? UINT32_MAX : (uint32_t)n->mtime;
	h->ino = (uint32_t)n->u64[0];
	*xattr = SQFS_NO_XATTR;
	if (!w->o->no_xattrs && n->nxattrs)
		return sqfs_xattrs_add(&w->xattrs, n, xattr);
	return 0;
}

static int emit_inode(struct sqfs_w *w, struct tree_node *n, size_t len)
{
	n->u64[1] = sqfs_meta_ref(&w->inodes);
	n->REF_DONE = 1;
	w->export_refs[n->u64[0] - 1] = n->u64[1];
	return sqfs_meta_append(&w->inodes, w->ibuf, len);
}

static int write_leaf_inode(struct sqfs_w *w, struct tree_node *n)
{
	struct sqfs_inode_hdr h;
	uint32_t xattr;
	size_t len;
	int rc = inode_header(w, n, &h, &xattr);
	bool xt = xattr != SQFS_NO_XATTR;
	if (rc)
		return rc;
	switch (h.type) {
	case SQFS_REG: {
		struct sqfs_file *f = n->user, *src = f->dup_of ? f->dup_of : f;
		struct sqfs_file_inode fi = {
		    .blocks_start = src->blocks_start,
		    .file_size = n->size,
		    .sparse = src->sparse,
		    .nlink = n->nlink,
		    .fragment = src->frag_idx,
		    .frag_offset = src->frag_idx == SQFS_NO_FRAGMENT ? 0 : src->frag_off,
		    .xattr = xattr,
		    .nblocks = src->nblocks,
		    .block_sizes = src->sizes,
		};
		bool ext = xt || n->nlink > 1 || fi.sparse || fi.blocks_start > UINT32_MAX ||
			   fi.file_size > UINT32_MAX;
		if (f->dup_of)
			w->st.duplicates++;
		w->st.files++;
		ibuf_reserve(w, sqfs_file_inode_size(&fi, true));
		len = sqfs_file_inode_encode(w->ibuf, &h, &fi, ext);
		break;
	}
	/* the basic forms of the other types carry a link count: only xattrs
	 * need the extended ones */
	case SQFS_SYMLINK: {
		size_t tl = n->symlink ? strlen(n->symlink) : 0;
		ibuf_reserve(w, 28 + tl);
		len = sqfs_symlink_inode_encode(w->ibuf, &h, n->nlink, n->symlink ? n->symlink : "", tl,
						xattr, xt);
		break;
	}
	case SQFS_BLKDEV:
	case SQFS_CHRDEV:
		ibuf_reserve(w, 28);
		len = sqfs_dev_inode_encode(w->ibuf, &h, n->nlink,
					    sqfs_encode_rdev(major(n->rdev), minor(n->rdev)), xattr, xt);
		break;
	default:
		ibuf_reserve(w, 24);
		len = sqfs_ipc_inode_encode(w->ibuf, &h, n->nlink, xattr, xt);
		break;
	}
	return emit_inode(w, n, len);
}

/* Post-order: subdirectories first, then this directory's other inodes,
 * its listing, and its own inode, so every reference is to a block whose
 * compressed position is already known. */
static int write_dir(struct sqfs_w *w, struct tree_node *d, uint32_t parent_ino)
{
	struct sqfs_inode_hdr h;
	struct sqfs_dir_inode di;
	struct sqfs_listing *l = &w->listing;
	uint32_t xattr, *istart = NULL;
	uint64_t ref;
	size_t done = 0, len;
	int rc;
	for (size_t i = 0; i < d->nchildren; i++)
		if (tree_is_dir(d->children[i]) &&
		    (rc = write_dir(w, d->children[i], (uint32_t)d->u64[0])) != 0)
			return rc;
	for (size_t i = 0; i < d->nchildren; i++) {
		struct tree_node *f = d->children[i]->link_first;
		if (!tree_is_dir(f) && !f->REF_DONE && (rc = write_leaf_inode(w, f)) != 0)
			return rc;
	}
	util_grow(&w->ents, &w->ents_cap, d->nchildren + 1, sizeof *w->ents);
	for (size_t i = 0; i < d->nchildren; i++) {
		struct tree_node *c = d->children[i], *f = c->link_first;
		w->ents[i].name = c->name;
		w->ents[i].len = strlen(c->name);
		if (w->ents[i].len > 256) {
			char *p = tree_node_path(c);
			rc = err_set(ERR_LIMIT, "%s: name longer than 256 bytes", p);
			free(p);
			return rc;
		}
		w->ents[i].inode_ref = f->u64[1];
		w->ents[i].ino = (uint32_t)f->u64[0];
		w->ents[i].type = basic_type(c);
	}
	sqfs_listing_build(l, w->ents, d->nchildren);

	/* the listing goes into the directory table; each indexed header's
	 * block is known once the bytes before it are in */
	ref = sqfs_meta_ref(&w->dirs);
	istart = xcalloc(l->nindex ? l->nindex : 1, sizeof *istart);
	for (size_t k = 0; k < l->nindex; k++) {
		if ((rc = sqfs_meta_append(&w->dirs, l->buf + done, l->index[k].pos - done)) != 0)
			goto out;
		done = l->index[k].pos;
		istart[k] = (uint32_t)(sqfs_meta_ref(&w->dirs) >> 16);
	}
	if ((rc = sqfs_meta_append(&w->dirs, l->buf + done, l->len - done)) != 0)
		goto out;

	if ((rc = inode_header(w, d, &h, &xattr)) != 0)
		goto out;
	memset(&di, 0, sizeof di);
	di.start_block = (uint32_t)(ref >> 16);
	di.offset = (uint16_t)(ref & 0xffff);
	di.nlink = d->nlink;
	di.file_size = (uint32_t)(l->len + 3); /* "." and ".." are implied */
	di.parent_ino = parent_ino;
	di.xattr = xattr;
	di.index_count = (uint16_t)l->nindex;
	{
		/* mksquashfs also uses the extended form past 256 entries; doing
		 * the same keeps sqfsdiff quiet between the two tools' images */
		bool ext = l->nindex > 0 || di.file_size > 0xffff || xattr != SQFS_NO_XATTR ||
			   d->nchildren > SQFS_DIR_MAX_ENTRIES;
		size_t need = 40;
		for (size_t k = 0; k < l->nindex; k++)
			need += SQFS_DIR_INDEX_SIZE + w->ents[l->index[k].entry].len;
		ibuf_reserve(w, need);
		len = sqfs_dir_inode_encode(w->ibuf, &h, &di, ext);
		for (size_t k = 0; k < l->nindex; k++) {
			const struct sqfs_dirent *e = &w->ents[l->index[k].entry];
			len +=
			    sqfs_dir_index_encode(w->ibuf + len, l->index[k].pos, istart[k], e->name, e->len);
		}
	}
	rc = emit_inode(w, d, len);
out:
	free(istart);
	return rc;
}

static int check_opts(const struct sqfs_opts *o)
{
	if (o->block_size < 4096 || o->block_size > (1u << 20) || (o->block_size & (o->block_size - 1)))
		return err_set(ERR_USAGE, "block size %u: must be a power of two from 4K to 1M",
			       o->block_size);
	if (sqfs_comp_id(o->codec) < 0)
		return err_set(ERR_USAGE, "compressor %s cannot be used in squashfs",
			       comp_codec_name(o->codec));
	return 0;
}

static int write_image(struct sqfs_w *w, const char *path)
{
	const struct sqfs_opts *o = w->o;
	struct comp_opts co;
	struct sqfs_super sb;
	uint8_t sbuf[SQFS_SUPER_SIZE], copts[2 + 8];
	size_t clen;
	uint32_t nfrags = 0;
	int level = o->level >= 0 ? o->level : default_level(o->codec), rc;

	memset(&co, 0, sizeof co);
	co.codec = o->codec;
	co.level = level;
	co.xz_dict_size = o->block_size; /* dictionary = block size, as the kernel assumes */
	co.xz_check = LZMA_CHECK_CRC32;	 /* the kernel's xz decoder checks CRC32 only */
	if ((rc = comp_level_check(o->codec, level)) != 0 || (rc = comp_ctx_create(&w->mcc, &co)) != 0)
		return rc;
	sqfs_meta_init(&w->inodes, w->mcc);
	sqfs_meta_init(&w->dirs, w->mcc);
	sqfs_ids_init(&w->ids);
	sqfs_xattrs_init(&w->xattrs, w->mcc);

	/* inode numbers, the files to store */
	w->t->root->u64[0] = w->next_ino = 1;
	number_dir(w, w->t->root);
	w->ninodes = w->next_ino;
	w->export_refs = xcalloc(w->ninodes, sizeof *w->export_refs);
	tree_walk(w->t->root, count_files, NULL, &w->nfiles);
	w->files = xcalloc(w->nfiles ? w->nfiles : 1, sizeof *w->files);
	w->fileps = xcalloc(w->nfiles ? w->nfiles : 1, sizeof *w->fileps);
	w->nfiles = 0;
	tree_walk(w->t->root, collect_files, NULL, w);

	if ((rc = out_open(&w->out, path)) != 0)
		return rc;
	/* superblock placeholder, then the compressor options as a raw metadata block */
	memset(sbuf, 0, sizeof sbuf);
	if ((rc = out_write(w->out, sbuf, sizeof sbuf)) != 0)
		return rc;
	clen = sqfs_comp_opts_encode(copts + 2, sqfs_comp_id(o->codec), level, o->block_size);
	if (clen) {
		put_le16(copts, (uint16_t)(clen | SQFS_META_UNCOMPRESSED));
		if ((rc = out_write(w->out, copts, 2 + clen)) != 0)
			return rc;
	}

	rc = sqfs_data_write(w->out, o, &co, w->fileps, w->nfiles, &w->frags, &nfrags);
	if (rc)
		return rc;

	rc = write_dir(w, w->t->root, w->ninodes + 1);
	if (!rc)
		rc = sqfs_meta_flush(&w->inodes);
	if (!rc)
		rc = sqfs_meta_flush(&w->dirs);
	if (rc)
		return rc;

	memset(&sb, 0, sizeof sb);
	sb.inode_count = w->ninodes;
	{
		int64_t now = time_build();
		sb.mod_time = now < 0 ? 0 : now > UINT32_MAX ? UINT32_MAX : (uint32_t)now;
	}
	sb.block_size = o->block_size;
	sb.frag_count = nfrags;
	sb.compressor = (uint16_t)sqfs_comp_id(o->codec);
	for (sb.block_log = 0; (1u << sb.block_log) < o->block_size; sb.block_log++)
		;
	sb.flags = (uint16_t)((clen ? SQFS_FLAG_COMPRESSOR_OPTIONS : 0) |
			      (o->no_fragments ? SQFS_FLAG_NO_FRAGMENTS : 0) |
			      (o->no_duplicates ? 0 : SQFS_FLAG_DUPLICATES) |
			      (o->no_exports ? 0 : SQFS_FLAG_EXPORTABLE) |
			      (w->xattrs.nids ? 0 : SQFS_FLAG_NO_XATTRS));
	sb.root_inode = w->t->root->u64[1];
	sb.inode_table = out_tell(w->out);
	if ((rc = out_write(w->out, w->inodes.out, w->inodes.out_len)) != 0)
		return rc;
	sb.dir_table = out_tell(w->out);
	if ((rc = out_write(w->out, w->dirs.out, w->dirs.out_len)) != 0)
		return rc;
	/* the order the kernel's sanity checks expect: fragment, export, id, xattr */
	if ((rc = sqfs_frags_write(&w->frags, w->out, w->mcc, &sb.frag_table)) != 0)
		return rc;
	sb.export_table = SQFS_INVALID_TABLE;
	if (!o->no_exports &&
	    (rc = sqfs_export_write(w->export_refs, w->ninodes, w->out, w->mcc, &sb.export_table)) != 0)
		return rc;
	if ((rc = sqfs_ids_write(&w->ids, w->out, w->mcc, &sb.id_table)) != 0)
		return rc;
	sb.id_count = (uint16_t)w->ids.n;
	if ((rc = sqfs_xattrs_write(&w->xattrs, w->out, w->mcc, &sb.xattr_id_table)) != 0)
		return rc;
	sb.bytes_used = out_tell(w->out);
	if ((rc = out_pad_to(w->out, ALIGN_UP(sb.bytes_used, SQFS_PAD))) != 0)
		return rc;
	sqfs_super_encode(sbuf, &sb);
	if ((rc = out_write_at(w->out, 0, sbuf, sizeof sbuf)) != 0)
		return rc;
	w->st.bytes_used = sb.bytes_used;
	w->st.inodes = sb.inode_count;
	w->st.fragments = nfrags;
	w->st.ids = sb.id_count;
	w->st.xattr_ids = (uint32_t)w->xattrs.nids;
	rc = out_finish(w->out);
	w->out = NULL;
	return rc;
}

static int clear_user(struct tree_node *n, void *ctx)
{
	n->user = NULL;
	memset(n->u64, 0, sizeof n->u64);
	return 0;
}

int sqfs_write(struct tree *t, const struct sqfs_opts *o, const char *path, struct sqfs_stats *stats)
{
	struct sqfs_w w;
	int rc;
	if ((rc = check_opts(o)) != 0)
		return rc;
	if (!t->finalized && (rc = tree_finalize(t)) != 0)
		return rc;
	memset(&w, 0, sizeof w);
	w.t = t;
	w.o = o;
	tree_walk(t->root, clear_user, NULL, NULL);
	rc = write_image(&w, path);
	if (w.out)
		out_abort(w.out);
	if (!rc && stats)
		*stats = w.st;
	tree_walk(t->root, clear_user, NULL, NULL);
	for (size_t i = 0; i < w.nfiles; i++)
		free(w.files[i].sizes);
	free(w.files);
	free(w.fileps);
	free(w.export_refs);
	free(w.ibuf);
	free(w.ents);
	sqfs_listing_free(&w.listing);
	sqfs_meta_free(&w.inodes);
	sqfs_meta_free(&w.dirs);
	sqfs_ids_free(&w.ids);
	sqfs_xattrs_free(&w.xattrs);
	sqfs_frags_free(&w.frags);
	comp_ctx_destroy(w.mcc);
	return rc;
}
