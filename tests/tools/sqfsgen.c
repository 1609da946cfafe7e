/* Test tool: writes small hand-made squashfs images, one valid and many
 * hostile (traversal names, directory loops, lengths past the end, huge
 * counts, bad block sizes ...), and prints "NAME|TEXT" for each hostile
 * one: the reader must refuse NAME.sqfs with a message containing TEXT.
 *
 *   sqfsgen DIR
 *
 * Tables are raw metadata blocks and data blocks stored raw, so every
 * field lies where this file puts it. */
#include "core/util.h"
#include "squashfs/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct buf {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	util_grow(&b->b, &b->cap, b->n + n, 1);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put16(struct buf *b, uint16_t v)
{
	uint8_t x[2];
	put_le16(x, v);
	put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t x[4];
	put_le32(x, v);
	put(b, x, 4);
}

static void put64(struct buf *b, uint64_t v)
{
	uint8_t x[8];
	put_le64(x, v);
	put(b, x, 8);
}

/* A metadata stream cut into raw 8 KiB blocks: the reference of stream
 * offset p is (p / 8192 * 8194) << 16 | p % 8192. */
static uint64_t mref(size_t p)
{
	return sqfs_ref((uint64_t)(p / SQFS_META_SIZE) * (SQFS_META_SIZE + 2),
			(uint32_t)(p % SQFS_META_SIZE));
}

static void emit_meta(struct buf *img, const struct buf *s)
{
	for (size_t p = 0; p < s->n || (p == 0 && !s->n); p += SQFS_META_SIZE) {
		size_t k = MIN(s->n - p, (size_t)SQFS_META_SIZE);
		put16(img, (uint16_t)(k | SQFS_META_UNCOMPRESSED));
		put(img, s->b + p, k);
		if (!s->n)
			break;
	}
}

/* The knobs of one image. */
struct knobs {
	const char *name_a;  /* the file's name in the root */
	const char *name_d;  /* the subdirectory's name */
	bool loop;	     /* the subdirectory lists the root directory */
	bool dir_twice;	     /* the root lists the subdirectory twice */
	unsigned chain;	     /* a chain of this many nested directories under d */
	uint16_t uid_idx;    /* of the file */
	uint32_t block_word; /* of the file's one block (0: right) */
	uint64_t blocks_at;  /* of the file (0: right) */
	uint32_t file_size;  /* of the file (0: right) */
	uint16_t type_a;     /* of the file's inode (0: SQFS_REG) */
	uint32_t link_len;   /* of the symlink (0: right) */
	uint32_t listing;    /* file_size of the root listing (0: right) */
	uint32_t count;	     /* of the root's directory header (0: right) */
	bool unsorted;	     /* the root's entries out of order */
	uint32_t frag_count, id_count;
	uint64_t bytes_used_add;
	uint16_t meta_len; /* header of the inode table's first block (0: right) */
	bool root_is_file;
	uint16_t entry_off; /* offset of the file's entry (0: right) */
	uint64_t id_table;  /* (0: right) */
	uint32_t xattr_a;   /* extended file inode with this xattr index (0: basic) */
	uint32_t target;    /* bytes of the symlink's target (0: 1, "a") */
	unsigned links;	    /* more names of the symlink in the root */
};

static void dir_inode(struct buf *s, uint32_t ino, uint32_t start, uint16_t off, uint32_t listing,
		      uint32_t parent)
{
	if (listing > 0xffff) { /* an extended directory: a 32-bit listing size (only the root, last) */
		put16(s, SQFS_LDIR);
		put16(s, 0755);
		put16(s, 0);
		put16(s, 0);
		put32(s, 1600000000);
		put32(s, ino);
		put32(s, 2);
		put32(s, listing);
		put32(s, start);
		put32(s, parent);
		put16(s, 0);
		put16(s, off);
		put32(s, SQFS_NO_XATTR);
		return;
	}
	put16(s, SQFS_DIR);
	put16(s, 0755);
	put16(s, 0);
	put16(s, 0);
	put32(s, 1600000000);
	put32(s, ino);
	put32(s, start);
	put32(s, 2);
	put16(s, (uint16_t)listing);
	put16(s, off);
	put32(s, parent);
}

static void entry(struct buf *d, uint16_t off, uint16_t type, const char *name)
{
	put16(d, off);
	put16(d, 0);
	put16(d, type);
	put16(d, (uint16_t)(strlen(name) - 1));
	put(d, name, strlen(name));
}

/* Root: "a" (a 5-byte file), "d/" (with "b", or a chain), "l" -> "a". */
static struct buf build(const struct knobs *k)
{
	struct buf img = {0}, in = {0}, dt = {0};
	struct sqfs_super s = {0};
	uint8_t super[SQFS_SUPER_SIZE];
	const char *na = k->name_a ? k->name_a : "a", *nd = k->name_d ? k->name_d : "d";
	size_t ia, il, ib, id, iroot, *ichain = NULL, droot, dd, *dchain = NULL;
	uint64_t data_at = SQFS_SUPER_SIZE, inode_at, dir_at, id_at, idx_at;
	unsigned n = k->chain;
	put(&img, (uint8_t[SQFS_SUPER_SIZE]){0}, SQFS_SUPER_SIZE);
	put(&img, "hello", 5); /* the file's one block, stored raw */

	/* listings first (their positions go into the inodes): the chain's,
	 * d's, the root's; entry offsets refer to the inode stream below */
	/* inodes: file a, symlink l, file b, chain dirs..., d, root */
	ia = 0;
	il = ia + (k->xattr_a ? 60 : 36);
	ib = il + 24 + (k->target ? k->target : 1);
	ichain = xcalloc(n + 1, sizeof *ichain);
	{
		size_t p = ib + 36;
		for (unsigned i = 0; i < n; i++, p += 32)
			ichain[i] = p;
		id = p;
		iroot = id + 32;
	}
	/* directory table: chain listings (innermost first), d, root */
	dchain = xcalloc(n + 1, sizeof *dchain);
	for (unsigned i = n; i-- > 0;) {
		dchain[i] = dt.n;
		if (i + 1 < n) {
			char nm[16];
			snprintf(nm, sizeof nm, "c%u", i + 1);
			put32(&dt, 0);
			put32(&dt, (uint32_t)(mref(ichain[i + 1]) >> 16));
			put32(&dt, 10 + i);
			entry(&dt, (uint16_t)(mref(ichain[i + 1]) & 0xffff), SQFS_DIR, nm);
		}
	}
	dd = dt.n;
	put32(&dt, 0);
	if (k->loop) {
		put32(&dt, (uint32_t)(mref(iroot) >> 16));
		put32(&dt, 1);
		entry(&dt, (uint16_t)(mref(iroot) & 0xffff), SQFS_DIR, "up");
	} else if (n) {
		put32(&dt, (uint32_t)(mref(ichain[0]) >> 16));
		put32(&dt, 10);
		entry(&dt, (uint16_t)(mref(ichain[0]) & 0xffff), SQFS_DIR, "c0");
	} else {
		put32(&dt, (uint32_t)(mref(ib) >> 16));
		put32(&dt, 4);
		entry(&dt, (uint16_t)(mref(ib) & 0xffff), SQFS_REG, "b");
	}
	droot = dt.n;
	{
		/* sorted: a, d, (e), l */
		unsigned cap = 4 + k->links, ne = 0;
		const char **names = xcalloc(cap, sizeof *names);
		size_t *refs = xcalloc(cap, sizeof *refs);
		uint16_t *types = xcalloc(cap, sizeof *types);
		char(*extra)[16] = xcalloc(k->links + 1, sizeof *extra);
		names[ne] = na, refs[ne] = ia, types[ne++] = SQFS_REG;
		names[ne] = nd, refs[ne] = id, types[ne++] = SQFS_DIR;
		if (k->dir_twice)
			names[ne] = "e", refs[ne] = id, types[ne++] = SQFS_DIR;
		names[ne] = "l", refs[ne] = il, types[ne++] = SQFS_SYMLINK;
		for (unsigned i = 0; i < k->links; i++) {
			snprintf(extra[i], sizeof extra[i], "n%06u", i);
			names[ne] = extra[i], refs[ne] = il, types[ne++] = SQFS_SYMLINK;
		}
		if (k->unsorted) {
			const char *t = names[0];
			names[0] = names[ne - 1];
			names[ne - 1] = t;
		}
		/* one header per run of entries whose inodes share a block */
		for (unsigned i = 0; i < ne;) {
			uint64_t blk = mref(refs[i]) >> 16;
			unsigned j = i;
			while (j < ne && j - i < SQFS_DIR_MAX_ENTRIES && mref(refs[j]) >> 16 == blk)
				j++;
			put32(&dt, k->count ? k->count : j - i - 1);
			put32(&dt, (uint32_t)blk);
			put32(&dt, 1);
			for (; i < j; i++)
				entry(&dt,
				      k->entry_off && i == 0 ? k->entry_off
							     : (uint16_t)(mref(refs[i]) & 0xffff),
				      types[i], names[i]);
		}
		free(names);
		free(refs);
		free(types);
		free(extra);
	}

	/* the inode stream, in the order the offsets above assumed */
	put16(&in, k->type_a ? k->type_a : (k->xattr_a ? SQFS_LREG : SQFS_REG));
	put16(&in, 0644);
	put16(&in, k->uid_idx);
	put16(&in, 0);
	put32(&in, 1600000000);
	put32(&in, 3);
	if (k->xattr_a) {
		put64(&in, k->blocks_at ? k->blocks_at : data_at);
		put64(&in, k->file_size ? k->file_size : 5);
		put64(&in, 0);
		put32(&in, 1);
		put32(&in, SQFS_NO_FRAGMENT);
		put32(&in, 0);
		put32(&in, k->xattr_a);
	} else {
		put32(&in, (uint32_t)(k->blocks_at ? k->blocks_at : data_at));
		put32(&in, SQFS_NO_FRAGMENT);
		put32(&in, 0);
		put32(&in, k->file_size ? k->file_size : 5);
	}
	put32(&in, k->block_word ? k->block_word : (5 | SQFS_BLOCK_UNCOMPRESSED));
	/* symlink l -> a */
	put16(&in, SQFS_SYMLINK);
	put16(&in, 0777);
	put16(&in, 0);
	put16(&in, 0);
	put32(&in, 1600000000);
	put32(&in, 5);
	put32(&in, 1);
	put32(&in, k->link_len ? k->link_len : k->target ? k->target : 1);
	if (k->target)
		for (uint32_t i = 0; i < k->target; i++)
			put(&in, "x", 1);
	else
		put(&in, "a", 1);
	/* file b: empty */
	put16(&in, SQFS_REG);
	put16(&in, 0644);
	put16(&in, 0);
	put16(&in, 0);
	put32(&in, 1600000000);
	put32(&in, 4);
	put32(&in, 0);
	put32(&in, SQFS_NO_FRAGMENT);
	put32(&in, 0);
	put32(&in, 0);
	put32(&in, 0); /* padding to the 36 bytes assumed */
	for (unsigned i = 0; i < n; i++) {
		size_t lst = dchain[i], len = 0;
		if (i + 1 < n) {
			char nm[16];
			len = 12 + 8 + (size_t)snprintf(nm, sizeof nm, "c%u", i + 1);
		}
		dir_inode(&in, 10 + i, (uint32_t)(mref(lst) >> 16), (uint16_t)(mref(lst) & 0xffff),
			  (uint32_t)len + 3, 2);
	}
	dir_inode(&in, 2, (uint32_t)(mref(dd) >> 16), (uint16_t)(mref(dd) & 0xffff),
		  (uint32_t)(droot - dd + 3), 1);
	if (k->root_is_file) {
		put16(&in, SQFS_REG);
		put16(&in, 0644);
		put16(&in, 0);
		put16(&in, 0);
		put32(&in, 0);
		put32(&in, 1);
		put32(&in, 0);
		put32(&in, SQFS_NO_FRAGMENT);
		put32(&in, 0);
		put32(&in, 0);
	} else
		dir_inode(&in, 1, (uint32_t)(mref(droot) >> 16), (uint16_t)(mref(droot) & 0xffff),
			  k->listing ? k->listing : (uint32_t)(dt.n - droot + 3), 1);

	inode_at = img.n;
	emit_meta(&img, &in);
	if (k->meta_len)
		put_le16(img.b + inode_at, k->meta_len);
	dir_at = img.n;
	emit_meta(&img, &dt);
	/* id table: one metadata block with id 0, then its location */
	id_at = img.n;
	{
		struct buf ids = {0};
		put32(&ids, 0);
		emit_meta(&img, &ids);
		free(ids.b);
	}
	idx_at = img.n;
	put64(&img, id_at);

	s.inode_count = 10 + n;
	s.mod_time = 1600000000;
	s.block_size = 4096;
	s.block_log = 12;
	s.frag_count = k->frag_count;
	s.compressor = SQFS_COMP_GZIP;
	s.flags = SQFS_FLAG_NO_XATTRS | SQFS_FLAG_NO_FRAGMENTS;
	s.id_count = (uint16_t)(k->id_count ? k->id_count : 1);
	s.root_inode = mref(iroot);
	s.bytes_used = img.n + k->bytes_used_add;
	s.id_table = k->id_table ? k->id_table : idx_at;
	s.xattr_id_table = SQFS_INVALID_TABLE;
	s.inode_table = inode_at;
	s.dir_table = dir_at;
	s.frag_table = k->frag_count ? idx_at : SQFS_INVALID_TABLE;
	s.export_table = SQFS_INVALID_TABLE;
	sqfs_super_encode(super, &s);
	memcpy(img.b, super, SQFS_SUPER_SIZE);
	while (img.n % SQFS_PAD)
		put(&img, "", 1);
	free(in.b);
	free(dt.b);
	free(ichain);
	free(dchain);
	return img;
}

static void write_img(const char *dir, const char *name, const struct knobs *k, const char *want)
{
	struct buf b = build(k);
	char *p = xasprintf("%s/%s.sqfs", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(b.b, 1, b.n, f) != b.n || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	if (want)
		printf("%s|%s\n", name, want);
	free(p);
	free(b.b);
}

int main(int argc, char **argv)
{
	const char *d;
	if (argc != 2) {
		fprintf(stderr, "usage: sqfsgen DIR\n");
		return 2;
	}
	d = argv[1];
	mkdir(d, 0755);
	write_img(d, "valid", &(struct knobs){0}, NULL);
	write_img(d, "valid-chain", &(struct knobs){.chain = 20}, NULL);
	write_img(d, "name-dotdot", &(struct knobs){.name_a = ".."}, "entry '..' is not a file name");
	write_img(d, "name-dot", &(struct knobs){.name_a = "."}, "is not a file name");
	write_img(d, "name-slash", &(struct knobs){.name_a = "a/b"}, "is not a file name");
	write_img(d, "name-abs", &(struct knobs){.name_d = "/etc"}, "is not a file name");
	write_img(d, "dir-loop", &(struct knobs){.loop = true}, "directory loop");
	write_img(d, "dir-twice", &(struct knobs){.dir_twice = true}, "named twice");
	write_img(d, "deep", &(struct knobs){.chain = 1100}, "nested deeper than 1024");
	write_img(d, "uid-index", &(struct knobs){.uid_idx = 7}, "owner index 7");
	write_img(d, "block-past-end", &(struct knobs){.blocks_at = 1u << 30}, "pass the end");
	write_img(d, "block-word", &(struct knobs){.block_word = 5000}, "size word");
	write_img(d, "file-huge", &(struct knobs){.file_size = 0xfffffff0u}, "inode");
	write_img(d, "inode-type", &(struct knobs){.type_a = 99}, "unknown type 99");
	write_img(d, "symlink-long", &(struct knobs){.link_len = 100000}, "symbolic link target of 100000");
	write_img(d, "listing-long", &(struct knobs){.listing = 60000}, "offset");
	write_img(d, "header-count", &(struct knobs){.count = 70000}, "directory header with 70001 entries");
	write_img(d, "unsorted", &(struct knobs){.unsorted = true}, "out of order");
	write_img(d, "frag-count", &(struct knobs){.frag_count = 0xffffffffu}, "fragments");
	write_img(d, "id-count", &(struct knobs){.id_count = 60000}, "id table");
	write_img(d, "bytes-used", &(struct knobs){.bytes_used_add = 1u << 20}, "truncated");
	write_img(d, "meta-len", &(struct knobs){.meta_len = 0x8000 | 9000}, "more than 8192");
	write_img(d, "meta-compressed", &(struct knobs){.meta_len = 200}, "corrupt gzip data");
	write_img(d, "root-file", &(struct knobs){.root_is_file = true}, "root inode is not a directory");
	write_img(d, "entry-offset", &(struct knobs){.entry_off = 9000}, "inode offset 9000");
	write_img(d, "id-table", &(struct knobs){.id_table = 1u << 30}, "past the end");
	write_img(d, "xattr-index", &(struct knobs){.xattr_a = 3}, "xattr index 3 of 0");
	write_img(d, "valid-links", &(struct knobs){.target = 4095, .links = 300}, NULL);
	/* 20000 names of one 4095-byte symlink: 80 MB for a 300 KB image */
	write_img(d, "many-names", &(struct knobs){.target = 4095, .links = 20000}, "larger than an image");
	return 0;
}
