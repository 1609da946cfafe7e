/* Squashfs inodes and directory listings (squashfs.rst "Inode table",
 * "Directory table") into tree nodes: every inode type, basic and
 * extended; hard links (one inode named twice) share one identity and one
 * block list; a directory met twice (a loop, or a directory linked twice)
 * and names that are not file names are refused. */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/reader_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct inode {
	uint64_t ref;
	unsigned type; /* basic */
	uint16_t mode, uid_idx, gid_idx;
	uint32_t mtime, nlink, xattr;
	uint32_t start_block, listing; /* directories */
	uint16_t offset;
	uint64_t blocks_start, size; /* files */
	uint32_t frag, frag_off;
	uint32_t target_size; /* symlinks */
	uint32_t rdev;
	bool ext;
	uint64_t blk; /* where the inode's variable part starts */
	uint32_t off;
};

/* inode reference -> file record + 1 (regular files) or 0 (directories) */
struct refmap {
	uint64_t *keys; /* ref + 1; 0 is empty */
	uint32_t *vals;
	size_t cap, n;
};

static size_t rm_slot(const struct refmap *m, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(h >> 20) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool rm_get(const struct refmap *m, uint64_t ref, uint32_t *val)
{
	size_t i;
	if (!m->cap)
		return false;
	i = rm_slot(m, ref + 1);
	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

static void rm_put(struct refmap *m, uint64_t ref, uint32_t val)
{
	size_t i;
	if ((m->n + 1) * 2 > m->cap) {
		struct refmap g = {0};
		g.cap = m->cap ? m->cap * 2 : 1024;
		g.keys = xcalloc(g.cap, sizeof *g.keys);
		g.vals = xcalloc(g.cap, sizeof *g.vals);
		for (size_t j = 0; j < m->cap; j++)
			if (m->keys[j]) {
				size_t k = rm_slot(&g, m->keys[j]);
				g.keys[k] = m->keys[j];
				g.vals[k] = m->vals[j];
			}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	i = rm_slot(m, ref + 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = ref + 1;
	m->vals[i] = val;
}

static void rm_free(struct refmap *m)
{
	free(m->keys);
	free(m->vals);
}

struct walk {
	struct sqfs_rd *r;
	struct tree *t;
	struct refmap seen;
};

static int iread(struct sqfs_rd *r, struct inode *in, void *buf, size_t len)
{
	return sqfs_meta_read(r, r->sb.inode_table, &in->blk, &in->off, buf, len, "inode table");
}

/* The fixed part of the inode at ref (squashfs.rst "Inode table"). */
static int inode_read(struct sqfs_rd *r, uint64_t ref, struct inode *in)
{
	uint8_t h[SQFS_INODE_HEADER_SIZE], b[40];
	unsigned raw;
	int rc;
	memset(in, 0, sizeof *in);
	in->ref = ref;
	in->blk = ref >> 16;
	in->off = (uint32_t)(ref & 0xffff);
	in->xattr = SQFS_NO_XATTR;
	if (in->off >= SQFS_META_SIZE)
		return sqfs_rd_error(r, r->sb.inode_table + in->blk,
				     "inode reference 0x%llx: offset %u in a block", (unsigned long long)ref,
				     in->off);
	if ((rc = iread(r, in, h, sizeof h)) != 0)
		return rc;
	raw = get_le16(h);
	in->mode = get_le16(h + 2) & 07777;
	in->uid_idx = get_le16(h + 4);
	in->gid_idx = get_le16(h + 6);
	in->mtime = get_le32(h + 8);
	if (raw < SQFS_DIR || raw > SQFS_LSOCKET)
		return sqfs_rd_error(r, r->sb.inode_table + (ref >> 16),
				     "inode 0x%llx has the unknown type %u", (unsigned long long)ref, raw);
	in->type = sqfs_basic_type(raw);
	in->ext = raw > SQFS_SOCKET;
	switch (raw) {
	case SQFS_DIR: /* start u32, nlink u32, file_size u16, offset u16, parent u32 */
		rc = iread(r, in, b, 16);
		in->start_block = get_le32(b);
		in->nlink = get_le32(b + 4);
		in->listing = get_le16(b + 8);
		in->offset = get_le16(b + 10);
		break;
	case SQFS_LDIR: /* nlink, file_size, start, parent u32; index_count, offset u16; xattr u32 */
		rc = iread(r, in, b, 24);
		in->nlink = get_le32(b);
		in->listing = get_le32(b + 4);
		in->start_block = get_le32(b + 8);
		in->offset = get_le16(b + 18);
		in->xattr = get_le32(b + 20);
		break;
	case SQFS_REG: /* blocks_start, fragment, frag_offset, file_size: u32 */
		rc = iread(r, in, b, 16);
		in->blocks_start = get_le32(b);
		in->frag = get_le32(b + 4);
		in->frag_off = get_le32(b + 8);
		in->size = get_le32(b + 12);
		in->nlink = 1;
		break;
	case SQFS_LREG: /* blocks_start, size, sparse u64; nlink, fragment, frag_offset, xattr u32 */
		rc = iread(r, in, b, 40);
		in->blocks_start = get_le64(b);
		in->size = get_le64(b + 8);
		in->nlink = get_le32(b + 24);
		in->frag = get_le32(b + 28);
		in->frag_off = get_le32(b + 32);
		in->xattr = get_le32(b + 36);
		break;
	case SQFS_SYMLINK:
	case SQFS_LSYMLINK: /* nlink, target_size u32, target (then xattr u32) */
		rc = iread(r, in, b, 8);
		in->nlink = get_le32(b);
		in->target_size = get_le32(b + 4);
		break;
	case SQFS_BLKDEV:
	case SQFS_CHRDEV:
	case SQFS_LBLKDEV:
	case SQFS_LCHRDEV: /* nlink, rdev (xattr) u32 */
		rc = iread(r, in, b, raw >= SQFS_LBLKDEV ? 12 : 8);
		in->nlink = get_le32(b);
		in->rdev = get_le32(b + 4);
		if (raw >= SQFS_LBLKDEV)
			in->xattr = get_le32(b + 8);
		break;
	default: /* fifos and sockets: nlink (xattr) u32 */
		rc = iread(r, in, b, raw >= SQFS_LFIFO ? 8 : 4);
		in->nlink = get_le32(b);
		if (raw >= SQFS_LFIFO)
			in->xattr = get_le32(b + 4);
		break;
	}
	return rc;
}

static const mode_t type_mode[] = {0, S_IFDIR, S_IFREG, S_IFLNK, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK};

static int set_attrs(struct sqfs_rd *r, struct tree_node *n, const struct inode *in)
{
	if (in->uid_idx >= r->sb.id_count || in->gid_idx >= r->sb.id_count)
		return sqfs_rd_error(r, r->sb.inode_table + (in->ref >> 16),
				     "inode 0x%llx: owner index %u/%u, the id table has %u entries",
				     (unsigned long long)in->ref, in->uid_idx, in->gid_idx, r->sb.id_count);
	n->mode = type_mode[in->type] | in->mode;
	n->uid = r->ids[in->uid_idx];
	n->gid = r->ids[in->gid_idx];
	n->mtime = n->atime = n->ctime = in->mtime;
	n->mtime_ns = 0;
	if (in->xattr != SQFS_NO_XATTR)
		return sqfs_xattr_load(r, n, in->xattr, r->sb.inode_table + (in->ref >> 16));
	return 0;
}

/* The block list of a regular file into the pool, checked: every block
 * inside the image, no block larger than a block, stored blocks of their
 * exact length, the fragment (if any) in the table and its tail inside
 * the fragment block. */
static int file_record(struct sqfs_rd *r, struct inode *in, uint32_t *idx)
{
	uint32_t bs = r->sb.block_size;
	uint64_t nb, inode_at = r->sb.inode_table + (in->ref >> 16), sum = 0;
	struct sqfs_rfile *f;
	size_t k;
	int rc;
	bool frag = in->frag != SQFS_NO_FRAGMENT;
	nb = frag ? in->size / bs : DIV_ROUND_UP(in->size, bs);
	if (frag) {
		uint64_t tail = in->size % bs;
		if (in->frag >= r->sb.frag_count)
			return sqfs_rd_error(r, inode_at, "inode 0x%llx: fragment %u of %u",
					     (unsigned long long)in->ref, in->frag, r->sb.frag_count);
		if (in->frag_off >= bs || tail > bs - in->frag_off)
			return sqfs_rd_error(
			    r, inode_at, "inode 0x%llx: a %llu-byte tail at %u of a fragment",
			    (unsigned long long)in->ref, (unsigned long long)tail, in->frag_off);
	}
	if (nb > r->pool_max - r->npool)
		return sqfs_rd_error(
		    r, inode_at, "inode 0x%llx: a file of %llu bytes has more blocks than the image can list",
		    (unsigned long long)in->ref, (unsigned long long)in->size);
	util_grow(&r->pool, &r->pool_cap, r->npool + (size_t)nb, sizeof *r->pool);
	for (uint64_t i = 0; i < nb; i += k) {
		uint8_t w[4 * 256];
		k = (size_t)MIN(nb - i, (uint64_t)256);
		if ((rc = iread(r, in, w, k * 4)) != 0)
			return rc;
		for (size_t j = 0; j < k; j++) {
			uint32_t word = get_le32(w + 4 * j), len = sqfs_block_len(word);
			uint64_t blen = MIN((uint64_t)bs, in->size - (i + j) * bs);
			if (len > bs || (sqfs_block_raw(word) && len != blen) || (word & ~0x1ffffffu))
				return sqfs_rd_error(
				    r, inode_at, "inode 0x%llx: block %llu has the size word 0x%x",
				    (unsigned long long)in->ref, (unsigned long long)(i + j), word);
			r->pool[r->npool + i + j] = word;
			sum += len;
		}
	}
	if (in->blocks_start > r->end || sum > r->end - in->blocks_start)
		return sqfs_rd_error(r, inode_at,
				     "inode 0x%llx: %llu bytes of blocks at %llu pass the end (%llu)",
				     (unsigned long long)in->ref, (unsigned long long)sum,
				     (unsigned long long)in->blocks_start, (unsigned long long)r->end);
	util_grow(&r->files, &r->files_cap, r->nfiles + 1, sizeof *r->files);
	f = &r->files[r->nfiles];
	f->blocks_start = in->blocks_start;
	f->size = in->size;
	f->disk_bytes = sum;
	f->first = (uint32_t)r->npool;
	f->nblocks = (uint32_t)nb;
	f->frag = in->frag;
	f->frag_off = in->frag_off;
	if (frag)
		r->frags[in->frag].used += in->size % bs;
	r->npool += (size_t)nb;
	*idx = (uint32_t)r->nfiles++;
	return 0;
}

static int fill(struct walk *w, struct tree_node *n, struct inode *in)
{
	struct sqfs_rd *r = w->r;
	uint64_t at = r->sb.inode_table + (in->ref >> 16);
	uint32_t fi = 0;
	int rc;
	if (in->type != SQFS_SYMLINK && (rc = set_attrs(r, n, in)) != 0)
		return rc;
	n->src_dev = r->img->dev; /* hard links: one inode, named twice */
	n->src_ino = in->ref + 1;
	switch (in->type) {
	case SQFS_REG:
		n->size = in->size;
		if (!rm_get(&w->seen, in->ref, &fi)) {
			if ((rc = file_record(r, in, &fi)) != 0)
				return rc;
			rm_put(&w->seen, in->ref, fi + 1);
		} else if (!fi--)
			return sqfs_rd_error(r, at, "inode 0x%llx is a directory and a file",
					     (unsigned long long)in->ref);
		if (n->size)
			tree_node_set_img(n, r->img, r->files[fi].blocks_start, fi);
		return 0;
	case SQFS_SYMLINK: {
		char *target;
		if (!in->target_size || in->target_size > 4095)
			return sqfs_rd_error(r, at, "inode 0x%llx: a symbolic link target of %u bytes",
					     (unsigned long long)in->ref, in->target_size);
		if ((r->bytes += in->target_size) > r->bytes_max)
			return sqfs_rd_error(
			    r, at, "symbolic links and xattrs larger than an image of %llu bytes can hold",
			    (unsigned long long)r->end);
		target = xmalloc(in->target_size + 1);
		if ((rc = iread(r, in, target, in->target_size)) != 0) {
			free(target);
			return rc;
		}
		target[in->target_size] = 0;
		if (strlen(target) != in->target_size) {
			free(target);
			return sqfs_rd_error(r, at, "inode 0x%llx: a NUL in a symbolic link target",
					     (unsigned long long)in->ref);
		}
		n->symlink = target;
		n->size = in->target_size;
		if (in->ext) { /* its xattr index follows the target */
			uint8_t x[4];
			if ((rc = iread(r, in, x, 4)) != 0)
				return rc;
			in->xattr = get_le32(x);
		}
		return set_attrs(r, n, in);
	}
	case SQFS_BLKDEV:
	case SQFS_CHRDEV: {
		uint32_t ma, mi;
		sqfs_decode_rdev(in->rdev, &ma, &mi);
		n->rdev = makedev(ma, mi);
		return 0;
	}
	default:
		return 0;
	}
}

static bool bad_name(const char *s, size_t len)
{
	return !len || memchr(s, '/', len) || memchr(s, 0, len) || (len == 1 && s[0] == '.') ||
	       (len == 2 && s[0] == '.' && s[1] == '.');
}

static int walk_dir(struct walk *w, struct tree_node *dir, const struct inode *din, unsigned depth);

static int add_entry(struct walk *w, struct tree_node *dir, const char *name, uint64_t ref, unsigned depth,
		     uint64_t at)
{
	struct sqfs_rd *r = w->r;
	struct inode in;
	struct tree_node *n;
	uint32_t v;
	int rc;
	if (++r->nodes > r->nodes_max)
		return sqfs_rd_error(r, at, "more directory entries than an image of %llu bytes can hold",
				     (unsigned long long)r->end);
	if ((rc = inode_read(r, ref, &in)) != 0)
		return rc;
	if (in.type == SQFS_DIR) {
		if (rm_get(&w->seen, ref, &v))
			return sqfs_rd_error(r, at,
					     "directory inode 0x%llx is named twice (a directory loop)",
					     (unsigned long long)ref);
		rm_put(&w->seen, ref, 0);
	}
	rc = tree_add_child(w->t, dir, name, type_mode[in.type] | in.mode, &n);
	if (rc)
		return err_wrap(rc, "%s", r->src.name);
	if ((rc = fill(w, n, &in)) != 0)
		return rc;
	if (in.type == SQFS_DIR)
		return walk_dir(w, n, &in, depth + 1);
	return 0;
}

/* A listing (squashfs.rst "Directory table"): headers (count - 1, inode
 * block, base inode number) each followed by up to 256 entries (offset
 * u16, inode delta s16, type u16, name_size - 1 u16, name), in sorted
 * order, file_size - 3 bytes in all. */
static int walk_dir(struct walk *w, struct tree_node *dir, const struct inode *din, unsigned depth)
{
	struct sqfs_rd *r = w->r;
	uint64_t blk = din->start_block, left;
	uint32_t off = din->offset;
	/* on the heap: this recursion may go IMGSRC_MAX_DEPTH deep on any thread's stack */
	char *name = xmalloc(2 * 257), *prev = name + 257;
	bool first = true;
	int rc = 0;
	if (depth > IMGSRC_MAX_DEPTH) {
		rc = sqfs_rd_error(r, r->sb.dir_table + blk, "directories nested deeper than %d levels",
				   IMGSRC_MAX_DEPTH);
		goto out;
	}
	if (din->listing < 3 && din->listing != 0) {
		rc = sqfs_rd_error(r, r->sb.dir_table + blk, "a directory listing of %u bytes", din->listing);
		goto out;
	}
	left = din->listing ? din->listing - 3 : 0;
	while (left) {
		uint8_t h[SQFS_DIR_HEADER_SIZE];
		uint32_t count, start;
		uint64_t at = r->sb.dir_table + blk;
		if (left < SQFS_DIR_HEADER_SIZE) {
			rc = sqfs_rd_error(r, at, "a directory listing ends inside a header");
			goto out;
		}
		if ((rc = sqfs_meta_read(r, r->sb.dir_table, &blk, &off, h, sizeof h, "directory table")) !=
		    0)
			goto out;
		left -= sizeof h;
		count = get_le32(h) + 1;
		start = get_le32(h + 4);
		if (count > SQFS_DIR_MAX_ENTRIES) {
			rc = sqfs_rd_error(r, at, "a directory header with %u entries", count);
			goto out;
		}
		for (uint32_t i = 0; i < count; i++) {
			uint8_t e[SQFS_DIR_ENTRY_SIZE];
			uint32_t nlen;
			at = r->sb.dir_table + blk;
			if (left < sizeof e) {
				rc = sqfs_rd_error(r, at, "a directory listing ends inside an entry");
				goto out;
			}
			if ((rc = sqfs_meta_read(r, r->sb.dir_table, &blk, &off, e, sizeof e,
						 "directory table")) != 0)
				goto out;
			left -= sizeof e;
			nlen = get_le16(e + 6) + 1u;
			if (nlen > 256 || nlen > left) {
				rc = sqfs_rd_error(r, at, "a directory entry name of %u bytes", nlen);
				goto out;
			}
			if ((rc = sqfs_meta_read(r, r->sb.dir_table, &blk, &off, name, nlen,
						 "directory table")) != 0)
				goto out;
			left -= nlen;
			name[nlen] = 0;
			if (bad_name(name, nlen) || (!first && strcmp(prev, name) >= 0)) {
				char *p = tree_node_path(dir);
				rc = sqfs_rd_error(
				    r, at, "directory %s: the entry '%.*s' %s", p, (int)strnlen(name, nlen),
				    name, bad_name(name, nlen) ? "is not a file name" : "is out of order");
				free(p);
				goto out;
			}
			if (get_le16(e) >= SQFS_META_SIZE) {
				rc = sqfs_rd_error(r, at, "directory entry '%s': inode offset %u", name,
						   get_le16(e));
				goto out;
			}
			if ((rc = add_entry(w, dir, name, sqfs_ref(start, get_le16(e)), depth, at)) != 0)
				goto out;
			memcpy(prev, name, nlen + 1);
			first = false;
		}
	}
out:
	free(name);
	return rc;
}

/* Fragment shares: a fragment block's stored bytes split among its tails. */
static int stored_sizes(struct tree_node *n, void *ctx)
{
	struct sqfs_rd *r = ctx;
	const struct sqfs_rfile *f;
	if (n->src_img != r->img || n->src != TREE_SRC_IMAGE || n->src_aux >= r->nfiles)
		return 0;
	f = &r->files[n->src_aux];
	n->stored_size = f->disk_bytes;
	if (f->frag != SQFS_NO_FRAGMENT) {
		const struct sqfs_frag *fr = &r->frags[f->frag];
		uint64_t tail = f->size % r->sb.block_size;
		if (fr->used)
			n->stored_size += DIV_ROUND_UP(tail * sqfs_block_len(fr->size_word), fr->used);
	}
	return 0;
}

bool sqfs_node_extent(const struct tree_node *n, struct sqfs_extent *e)
{
	const struct sqfs_rd *r;
	const struct sqfs_rfile *f;
	memset(e, 0, sizeof *e);
	e->frag = SQFS_NO_FRAGMENT;
	if (n->src != TREE_SRC_IMAGE || !n->src_img || n->src_img->ops != &sqfs_img_ops)
		return false;
	r = n->src_img->priv;
	if (n->src_aux >= r->nfiles)
		return false;
	f = &r->files[n->src_aux];
	e->start = f->blocks_start;
	e->end = f->blocks_start + f->disk_bytes;
	if (f->frag != SQFS_NO_FRAGMENT) {
		e->frag = f->frag;
		e->frag_start = r->frags[f->frag].start;
		e->frag_end = e->frag_start + sqfs_block_len(r->frags[f->frag].size_word);
		e->frag_raw = sqfs_block_raw(r->frags[f->frag].size_word);
	}
	return true;
}

bool sqfs_node_block(const struct tree_node *n, uint32_t i, uint32_t *word)
{
	const struct sqfs_rd *r;
	const struct sqfs_rfile *f;
	if (n->src != TREE_SRC_IMAGE || !n->src_img || n->src_img->ops != &sqfs_img_ops)
		return false;
	r = n->src_img->priv;
	if (n->src_aux >= r->nfiles || i >= r->files[n->src_aux].nblocks)
		return false;
	f = &r->files[n->src_aux];
	*word = r->pool[f->first + i];
	return true;
}

int sqfs_dir_read(struct sqfs_rd *r, struct tree *t)
{
	struct walk w = {r, t, {0}};
	struct inode root;
	int rc = inode_read(r, r->sb.root_inode, &root);
	if (!rc && root.type != SQFS_DIR)
		rc = sqfs_rd_error(r, r->sb.inode_table + (r->sb.root_inode >> 16),
				   "the root inode is not a directory");
	if (!rc) {
		rm_put(&w.seen, root.ref, 0);
		rc = set_attrs(r, t->root, &root);
	}
	if (!rc)
		rc = walk_dir(&w, t->root, &root, 0);
	if (!rc)
		tree_walk(t->root, stored_sizes, NULL, r);
	rm_free(&w.seen);
	return rc;
}
