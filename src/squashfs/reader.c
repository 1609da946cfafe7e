/* The squashfs reader (see reader.h): superblock, compressor and its
 * options, the id, fragment and xattr tables, each checked against the
 * image before anything it describes is used; then the directory tree. */
#include "squashfs/reader.h"

#include "core/error.h"
#include "core/util.h"
#include "squashfs/reader_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sqfs_read_opts_init(struct sqfs_read_opts *o)
{
	memset(o, 0, sizeof *o);
}

int sqfs_rd_error(const struct sqfs_rd *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	char *m;
	int rc;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = err_set(ERR_FORMAT, "%s: offset %llu: %s", r->src.name, (unsigned long long)off, m);
	free(m);
	return rc;
}

int sqfs_rd_pread(struct sqfs_rd *r, void *buf, size_t len, uint64_t off, const char *what)
{
	int rc;
	if (off > r->end || len > r->end - off)
		return sqfs_rd_error(r, off, "%s of %zu bytes passes the end of the image (%llu bytes used)",
				     what, len, (unsigned long long)r->end);
	if (!r->src_serial)
		return imgsrc_pread(&r->src, buf, len, off); /* a host file's pread, or a concurrent reader */
	pthread_mutex_lock(&r->src_mu);
	rc = imgsrc_pread(&r->src, buf, len, off);
	pthread_mutex_unlock(&r->src_mu);
	return rc;
}

static void mc_free(struct sqfs_rd *r)
{
	for (int i = 0; r->mc && i < SQFS_MCACHE; i++)
		free(r->mc[i].data);
	free(r->mc);
	r->mc = NULL;
}

void sqfs_rd_free(struct sqfs_rd *r)
{
	if (!r)
		return;
	sqfs_data_free(r);
	sqfs_dec_destroy(r->dec);
	pthread_mutex_destroy(&r->src_mu);
	free(r->ids);
	free(r->frags);
	free(r->xattr_ids);
	mc_free(r);
	free(r->files);
	free(r->pool);
	imgsrc_close(&r->src);
	free(r);
}

/* Compressor options (squashfs.rst "Compression options"): a metadata
 * block after the superblock. Decoding needs none of them, but an lz4
 * image must use the format version squashfs-tools writes. */
static int comp_options(struct sqfs_rd *r, char *desc, size_t dlen)
{
	uint8_t o[16] = {0};
	uint64_t blk = 0;
	uint32_t off = 0, n;
	int rc;
	*desc = 0;
	if (!(r->sb.flags & SQFS_FLAG_COMPRESSOR_OPTIONS))
		return 0;
	n = r->sb.compressor == SQFS_COMP_ZSTD ? 4 : r->sb.compressor == SQFS_COMP_LZMA ? 0 : 8;
	if (!n)
		return 0;
	if ((rc = sqfs_meta_read(r, SQFS_SUPER_SIZE, &blk, &off, o, n, "compressor options")) != 0)
		return rc;
	switch (r->sb.compressor) {
	case SQFS_COMP_GZIP:
		snprintf(desc, dlen, "level %u, window %u", get_le32(o), get_le16(o + 4));
		break;
	case SQFS_COMP_XZ:
		snprintf(desc, dlen, "dictionary %u, filters 0x%x", get_le32(o), get_le32(o + 4));
		break;
	case SQFS_COMP_ZSTD:
		snprintf(desc, dlen, "level %u", get_le32(o));
		break;
	case SQFS_COMP_LZ4:
		if (get_le32(o) != 1)
			return sqfs_rd_error(r, SQFS_SUPER_SIZE, "lz4 format version %u (only 1 is known)",
					     get_le32(o));
		snprintf(desc, dlen, "%s", get_le32(o + 4) & 1 ? "high compression" : "default");
		break;
	}
	return 0;
}

static int rd_open(const struct imgsrc *src, const struct sqfs_read_opts *o, struct sqfs_rd **out)
{
	struct sqfs_rd *r = xcalloc(1, sizeof *r);
	uint8_t sb[SQFS_SUPER_SIZE];
	char desc[64];
	int rc;
	*out = NULL;
	if ((rc = imgsrc_open_node(&r->src, src->node, src->name)) != 0) {
		free(r);
		return rc;
	}
	/* data is read from several threads at once (tree.h) */
	pthread_mutex_init(&r->src_mu, NULL);
	r->src_serial = r->src.node->src == TREE_SRC_IMAGE &&
			!(r->src.node->src_img->ops && r->src.node->src_img->ops->concurrent);
	r->end = src->size;
	r->dec = sqfs_dec_create();
	r->mc = xcalloc(SQFS_MCACHE, sizeof *r->mc);
	if (src->size < SQFS_SUPER_SIZE) {
		rc = err_set(ERR_FORMAT, "%s: %llu bytes, too short for a squashfs superblock", src->name,
			     (unsigned long long)src->size);
		goto fail;
	}
	if ((rc = imgsrc_pread(&r->src, sb, sizeof sb, 0)) != 0)
		goto fail;
	if ((rc = sqfs_super_decode(sb, &r->sb)) != 0) {
		rc = err_wrap(rc, "%s", src->name);
		goto fail;
	}
	if (r->sb.bytes_used < SQFS_SUPER_SIZE || r->sb.bytes_used > src->size) {
		rc = sqfs_rd_error(r, 40,
				   "truncated: the superblock says %llu bytes are used, the image has %llu",
				   (unsigned long long)r->sb.bytes_used, (unsigned long long)src->size);
		goto fail;
	}
	r->end = r->sb.bytes_used;
	sqfs_data_init(r, o ? o->threads : 0);
	if (!sqfs_comp_by_id(r->sb.compressor)) {
		rc = err_set(ERR_FORMAT, "%s: unknown squashfs compressor %u", src->name, r->sb.compressor);
		goto fail;
	}
	if (r->sb.compressor == SQFS_COMP_LZO) {
		rc = err_set(ERR_FORMAT,
			     "%s: LZO-compressed squashfs is not supported (mklive has no LZO decoder); "
			     "convert it with unsquashfs and mksquashfs -comp xz",
			     src->name);
		goto fail;
	}
	r->codec = sqfs_comp_by_id(r->sb.compressor)->codec;
	r->lzma = r->sb.compressor == SQFS_COMP_LZMA;
	if ((rc = comp_options(r, desc, sizeof desc)) != 0)
		goto fail;
	if (r->sb.inode_table >= r->end || r->sb.dir_table >= r->end || r->sb.root_inode >> 16 >= r->end) {
		rc = sqfs_rd_error(
		    r, 0, "the inode table (%llu), directory table (%llu) or root inode lie past the end",
		    (unsigned long long)r->sb.inode_table, (unsigned long long)r->sb.dir_table);
		goto fail;
	}
	/* ids: at most 65536 of 4 bytes */
	if ((rc = sqfs_lookup_read(r, r->sb.id_table, r->sb.id_count, 4, (uint8_t **)&r->ids, "id table")) !=
	    0)
		goto fail;
	for (uint32_t i = 0; i < r->sb.id_count; i++)
		r->ids[i] = get_le32((uint8_t *)&r->ids[i]);
	/* fragments: each takes a byte of the image at least */
	if (r->sb.frag_count) {
		uint8_t *ft;
		if (r->sb.frag_count > r->end) {
			rc = sqfs_rd_error(r, r->sb.frag_table, "%u fragments in %llu bytes",
					   r->sb.frag_count, (unsigned long long)r->end);
			goto fail;
		}
		if ((rc = sqfs_lookup_read(r, r->sb.frag_table, r->sb.frag_count, 16, &ft,
					   "fragment table")) != 0)
			goto fail;
		r->frags = xcalloc(r->sb.frag_count, sizeof *r->frags);
		for (uint32_t i = 0; i < r->sb.frag_count && !rc; i++) {
			struct sqfs_frag *f = &r->frags[i];
			uint32_t len;
			f->start = get_le64(ft + 16 * i);
			f->size_word = get_le32(ft + 16 * i + 8);
			len = sqfs_block_len(f->size_word);
			if (!len || len > r->sb.block_size || (f->size_word & ~0x1ffffffu) ||
			    f->start > r->end || len > r->end - f->start)
				rc = sqfs_rd_error(r, r->sb.frag_table, "fragment %u: %u bytes at %llu", i,
						   len, (unsigned long long)f->start);
		}
		free(ft);
		if (rc)
			goto fail;
	}
	/* xattr ids: a 16-byte header (key/value start, count), then the index */
	if (r->sb.xattr_id_table != SQFS_INVALID_TABLE && !(r->sb.flags & SQFS_FLAG_NO_XATTRS)) {
		uint8_t h[16];
		if ((rc = sqfs_rd_pread(r, h, 16, r->sb.xattr_id_table, "xattr id table")) != 0)
			goto fail;
		r->xattr_kv = get_le64(h);
		r->nxattr_ids = get_le32(h + 8);
		if (r->xattr_kv >= r->end || r->nxattr_ids > r->end) {
			rc = sqfs_rd_error(r, r->sb.xattr_id_table, "xattr table at %llu with %u ids",
					   (unsigned long long)r->xattr_kv, r->nxattr_ids);
			goto fail;
		}
		if ((rc = sqfs_lookup_read(r, r->sb.xattr_id_table + 16, r->nxattr_ids, 16, &r->xattr_ids,
					   "xattr id table")) != 0)
			goto fail;
	}
	/* what the tree may take: a node and a block-list word per byte of image, about */
	r->nodes_max = r->end + 65536;
	r->pool_max = r->end + (1u << 20);
	/* one inode may be named many times: what its names copy is bounded too */
	r->bytes_max = 16 * r->end + (64u << 20);
	*out = r;
	return 0;
fail:
	sqfs_rd_free(r);
	return rc;
}

int sqfs_read_src(const struct imgsrc *src, struct tree *t, const struct sqfs_read_opts *o)
{
	struct sqfs_rd *r;
	int rc = rd_open(src, o, &r);
	if (rc)
		return rc;
	r->img = tree_img_create(-1, src->name, &sqfs_img_ops, r);
	rc = sqfs_dir_read(r, t);
	/* the data needs no metadata: the block lists and tables are kept */
	mc_free(r);
	tree_img_unref(r->img); /* the nodes hold it */
	return rc;
}

bool sqfs_probe(const uint8_t *head, size_t len, uint64_t size)
{
	struct sqfs_super s;
	bool ok;
	if (len < SQFS_SUPER_SIZE || get_le32(head) != SQFS_MAGIC)
		return false;
	(void)size; /* a truncated image is still one: reading it says so */
	ok = sqfs_super_decode(head, &s) == 0;
	err_clear();
	return ok;
}

int sqfs_read(const struct imgsrc *src, struct tree *t)
{
	return sqfs_read_src(src, t, NULL);
}

struct counts {
	const struct tree_img *img;
	uint64_t files, dirs, links, other, data, stored;
};

static int count_node(struct tree_node *n, void *ctx)
{
	struct counts *c = ctx;
	if (tree_is_dir(n))
		c->dirs++;
	else if (tree_is_reg(n)) {
		c->files++;
		if (n->link_first == n) {
			c->data += n->size;
			c->stored += n->stored_size;
		}
	} else if (tree_is_lnk(n))
		c->links++;
	else
		c->other++;
	return 0;
}

int sqfs_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	struct sqfs_read_opts o = {.threads = -1};
	struct sqfs_rd *r;
	struct tree *t;
	struct counts c = {0};
	char desc[64], tb[64], tables[256];
	struct tm tm;
	time_t when;
	int rc = rd_open(src, &o, &r);
	if (rc)
		return rc;
	comp_options(r, desc, sizeof desc);
	imgsrc_info_add(info, "squashfs version: %u.%u", r->sb.version_major, r->sb.version_minor);
	imgsrc_info_add(info, "compression: %s%s%s%s", sqfs_comp_name(r->sb.compressor), *desc ? " (" : "",
			desc, *desc ? ")" : "");
	imgsrc_info_add(info, "block size: %u", r->sb.block_size);
	imgsrc_info_add(info, "bytes used: %llu (image %llu)", (unsigned long long)r->sb.bytes_used,
			(unsigned long long)src->size);
	imgsrc_info_add(info, "inodes: %u, fragments: %u, ids: %u, xattr sets: %u", r->sb.inode_count,
			r->sb.frag_count, r->sb.id_count, r->nxattr_ids);
	when = (time_t)r->sb.mod_time;
	strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&when, &tm));
	imgsrc_info_add(info, "created: %s", tb);
	imgsrc_info_add(info, "flags: 0x%04x%s%s%s%s%s%s", r->sb.flags,
			r->sb.flags & SQFS_FLAG_NO_FRAGMENTS ? " no-fragments" : "",
			r->sb.flags & SQFS_FLAG_DUPLICATES ? " duplicates-removed" : "",
			r->sb.flags & SQFS_FLAG_EXPORTABLE ? " exportable" : "",
			r->sb.flags & SQFS_FLAG_NO_XATTRS ? " no-xattrs" : "",
			r->sb.flags & SQFS_FLAG_COMPRESSOR_OPTIONS ? " compressor-options" : "",
			r->sb.flags & SQFS_FLAG_UNCOMPRESSED_DATA ? " uncompressed-data" : "");
	/* the superblock's table offsets, -1 for a table the image has not */
	snprintf(tables, sizeof tables,
		 "tables: inode %llu, directory %llu, fragment %lld, export %lld, id %llu, xattr id %lld",
		 (unsigned long long)r->sb.inode_table, (unsigned long long)r->sb.dir_table,
		 r->sb.frag_table == SQFS_INVALID_TABLE ? -1LL : (long long)r->sb.frag_table,
		 r->sb.export_table == SQFS_INVALID_TABLE ? -1LL : (long long)r->sb.export_table,
		 (unsigned long long)r->sb.id_table,
		 r->sb.xattr_id_table == SQFS_INVALID_TABLE ? -1LL : (long long)r->sb.xattr_id_table);
	sqfs_rd_free(r);
	t = tree_create();
	rc = sqfs_read_src(src, t, &o);
	if (!rc)
		rc = tree_finalize(t);
	if (!rc) {
		tree_walk(t->root, count_node, NULL, &c);
		imgsrc_info_add(info, "entries: %llu files, %llu directories, %llu symlinks, %llu other",
				(unsigned long long)c.files, (unsigned long long)c.dirs,
				(unsigned long long)c.links, (unsigned long long)c.other);
		imgsrc_info_add(info, "data: %llu bytes, stored in %llu", (unsigned long long)c.data,
				(unsigned long long)c.stored);
		if (src->size)
			imgsrc_info_add(info, "ratio: %.2f", (double)c.data / (double)src->size);
		imgsrc_info_add(info, "%s", tables);
	}
	tree_destroy(t);
	return rc;
}
