/* Unit tests for src/squashfs: superblock, inode, directory and table
 * records byte by byte (offsets from squashfs.rst), listing headers and
 * index, metadata blocks, and whole images written from memory trees. */
#define TEST_SUITE "squashfs"
#include "test.h"

#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tmp;

TEST(test_superblock)
{
	struct sqfs_super s = {0}, d;
	uint8_t b[96];
	static const uint8_t want[96] = {
	    0x68, 0x73, 0x71, 0x73,			    /* magic "hsqs" */
	    0x05, 0x00, 0x00, 0x00,			    /* inode_count 5 */
	    0x00, 0xf1, 0x53, 0x5f,			    /* mod_time 1599336704 */
	    0x00, 0x00, 0x02, 0x00,			    /* block_size 131072 */
	    0x02, 0x00, 0x00, 0x00,			    /* frag_count 2 */
	    0x01, 0x00,					    /* compressor gzip */
	    0x11, 0x00,					    /* block_log 17 */
	    0xc0, 0x00,					    /* flags DUPLICATES|EXPORTABLE */
	    0x03, 0x00,					    /* id_count 3 */
	    0x04, 0x00, 0x00, 0x00,			    /* version 4.0 */
	    0x20, 0x01, 0x10, 0,    0,	  0,	0,    0,    /* root inode ref */
	    0x00, 0x30, 0,    0,    0,	  0,	0,    0,    /* bytes_used 0x3000 */
	    0xf0, 0x2f, 0,    0,    0,	  0,	0,    0,    /* id table */
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* no xattrs */
	    0x00, 0x10, 0,    0,    0,	  0,	0,    0,    /* inode table */
	    0x00, 0x20, 0,    0,    0,	  0,	0,    0,    /* directory table */
	    0x00, 0x28, 0,    0,    0,	  0,	0,    0,    /* fragment table */
	    0x00, 0x2c, 0,    0,    0,	  0,	0,    0,    /* export table */
	};
	s.inode_count = 5;
	s.mod_time = 0x5f53f100;
	s.block_size = 131072;
	s.frag_count = 2;
	s.compressor = SQFS_COMP_GZIP;
	s.block_log = 17;
	s.flags = SQFS_FLAG_DUPLICATES | SQFS_FLAG_EXPORTABLE;
	s.id_count = 3;
	s.root_inode = sqfs_ref(0x10, 0x120);
	s.bytes_used = 0x3000;
	s.id_table = 0x2ff0;
	s.xattr_id_table = SQFS_INVALID_TABLE;
	s.inode_table = 0x1000;
	s.dir_table = 0x2000;
	s.frag_table = 0x2800;
	s.export_table = 0x2c00;
	sqfs_super_encode(b, &s);
	CHECK_MEM(b, want, 96);
	CHECK_EQ(sqfs_super_decode(b, &d), 0);
	CHECK_EQ(d.root_inode, s.root_inode);
	CHECK_EQ(d.block_size, 131072);
	CHECK_EQ(d.flags, s.flags);
	b[0] = 'x';
	CHECK(sqfs_super_decode(b, &d) < 0);
	CHECK(strstr(err_msg(), "magic") != NULL);
	b[0] = 0x68;
	b[22] = 16; /* block_log disagrees with block_size */
	CHECK(sqfs_super_decode(b, &d) < 0);
	/* a block_log no shift can take is refused before it is used (UBSan
	 * in the sanitizer build reports the shift otherwise) */
	for (unsigned log = 0; log < 70000; log += log < 40 ? 1 : 997) {
		put_le16(b + 22, (uint16_t)log);
		CHECK_EQ(sqfs_super_decode(b, &d) == 0, log == 17);
	}
	put_le16(b + 22, 71);
	CHECK(sqfs_super_decode(b, &d) < 0);
	CHECK(strstr(err_msg(), "log 71") != NULL);
}

TEST(test_comp_opts)
{
	uint8_t b[8];
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_GZIP, 9, 131072), 0);
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_GZIP, 5, 131072), 8);
	CHECK_MEM(b, "\x05\0\0\0\x0f\0\0\0", 8); /* level 5, window 15, strategies 0 */
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_XZ, 6, 131072), 0);
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_ZSTD, 15, 131072), 0);
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_ZSTD, 19, 131072), 4);
	CHECK_MEM(b, "\x13\0\0\0", 4);
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_LZ4, 1, 131072), 8);
	CHECK_MEM(b, "\x01\0\0\0\0\0\0\0", 8); /* LZ4_LEGACY, no HC */
	CHECK_EQ(sqfs_comp_opts_encode(b, SQFS_COMP_LZ4, 9, 131072), 8);
	CHECK_MEM(b, "\x01\0\0\0\x01\0\0\0", 8);
}

static struct sqfs_inode_hdr hdr(void)
{
	struct sqfs_inode_hdr h = {0};
	h.mode = 040755;
	h.uid_idx = 1;
	h.gid_idx = 2;
	h.mtime = 1600000000; /* 0x5f5e1000 */
	h.ino = 7;
	return h;
}

#define HDR(type) type, 0, 0xed, 0x01, 1, 0, 2, 0, 0x00, 0x10, 0x5e, 0x5f, 7, 0, 0, 0

TEST(test_dir_inodes)
{
	uint8_t b[64];
	struct sqfs_inode_hdr h = hdr();
	struct sqfs_dir_inode d = {.start_block = 0x1234,
				   .offset = 0x56,
				   .nlink = 3,
				   .file_size = 40,
				   .parent_ino = 9,
				   .xattr = 4,
				   .index_count = 2};
	static const uint8_t basic[32] = {HDR(1), 0x34, 0x12, 0, 0, 3, 0, 0, 0, 40, 0, 0x56, 0, 9, 0, 0, 0};
	static const uint8_t ext[40] = {HDR(8), 3, 0, 0, 0, 40, 0,    0, 0, 0x34, 0x12, 0, 0,
					9,	0, 0, 0, 2, 0,	0x56, 0, 4, 0,	  0,	0};
	CHECK_EQ(sqfs_dir_inode_encode(b, &h, &d, false), 32);
	CHECK_MEM(b, basic, 32);
	CHECK_EQ(sqfs_dir_inode_encode(b, &h, &d, true), 40);
	CHECK_MEM(b, ext, 40);
}

TEST(test_file_inodes)
{
	uint8_t b[128];
	struct sqfs_inode_hdr h = hdr();
	uint32_t sizes[2] = {0x1000123, 0};
	struct sqfs_file_inode f = {.blocks_start = 0x60,
				    .file_size = 0x40010,
				    .sparse = 0x20000,
				    .nlink = 2,
				    .fragment = 1,
				    .frag_offset = 0x30,
				    .xattr = SQFS_NO_XATTR,
				    .nblocks = 2,
				    .block_sizes = sizes};
	static const uint8_t basic[40] = {HDR(2), 0x60, 0, 0, 0,    1,	  0, 0, 0, 0x30, 0, 0, 0,
					  0x10,	  0,	4, 0, 0x23, 0x01, 0, 1, 0, 0,	 0, 0};
	static const uint8_t ext[64] = {HDR(9), 0x60, 0,    0,	  0, 0, 0, 0,	 0, 0x10, 0, 4,	   0,
					0,	0,    0,    0,	  0, 0, 2, 0,	 0, 0,	  0, 0,	   2,
					0,	0,    0,    1,	  0, 0, 0, 0x30, 0, 0,	  0, 0xff, 0xff,
					0xff,	0xff, 0x23, 0x01, 0, 1, 0, 0,	 0, 0};
	h.mode = 0100644;
	h.mode = 0755; /* only permission bits are stored */
	CHECK_EQ(sqfs_file_inode_size(&f, false), 40);
	CHECK_EQ(sqfs_file_inode_encode(b, &h, &f, false), 40);
	CHECK_MEM(b, basic, 40);
	CHECK_EQ(sqfs_file_inode_size(&f, true), 64);
	CHECK_EQ(sqfs_file_inode_encode(b, &h, &f, true), 64);
	CHECK_MEM(b, ext, 64);
}

TEST(test_other_inodes)
{
	uint8_t b[64];
	struct sqfs_inode_hdr h = hdr();
	static const uint8_t sym[28] = {HDR(3), 1, 0, 0, 0, 4, 0, 0, 0, 'a', '/', 'b', 'c'};
	static const uint8_t lsym[32] = {HDR(10), 2, 0, 0, 0, 4, 0, 0, 0, 'a', '/', 'b', 'c', 5, 0, 0, 0};
	static const uint8_t chr[24] = {HDR(5), 1, 0, 0, 0, 0x03, 0x01, 0, 0};
	static const uint8_t lblk[28] = {HDR(11), 1, 0, 0, 0, 0x07, 0x07, 0, 0, 0, 0, 0, 0};
	static const uint8_t fifo[20] = {HDR(6), 1, 0, 0, 0};
	static const uint8_t lsock[24] = {HDR(14), 1, 0, 0, 0, 3, 0, 0, 0};
	h.mode = 0755;
	CHECK_EQ(sqfs_symlink_inode_encode(b, &h, 1, "a/bc", 4, SQFS_NO_XATTR, false), 28);
	CHECK_MEM(b, sym, 28);
	CHECK_EQ(sqfs_symlink_inode_encode(b, &h, 2, "a/bc", 4, 5, true), 32);
	CHECK_MEM(b, lsym, 32);
	h.type = SQFS_CHRDEV;
	CHECK_EQ(sqfs_dev_inode_encode(b, &h, 1, sqfs_encode_rdev(1, 3), SQFS_NO_XATTR, false), 24);
	CHECK_MEM(b, chr, 24);
	h.type = SQFS_BLKDEV;
	CHECK_EQ(sqfs_dev_inode_encode(b, &h, 1, sqfs_encode_rdev(7, 7), 0, true), 28);
	CHECK_MEM(b, lblk, 28);
	h.type = SQFS_FIFO;
	CHECK_EQ(sqfs_ipc_inode_encode(b, &h, 1, SQFS_NO_XATTR, false), 20);
	CHECK_MEM(b, fifo, 20);
	h.type = SQFS_SOCKET;
	CHECK_EQ(sqfs_ipc_inode_encode(b, &h, 1, 3, true), 24);
	CHECK_MEM(b, lsock, 24);
	/* the kernel's new_encode_dev: minor 70000 = 0x11170, major 300 = 0x12c */
	CHECK_EQ(sqfs_encode_rdev(300, 70000), 0x70 | 0x12c << 8 | 0x11100 << 12);
	CHECK_EQ(sqfs_encode_rdev(major(makedev(300, 70000)), minor(makedev(300, 70000))), 0x11112c70);
}

TEST(test_dir_records)
{
	uint8_t b[64];
	sqfs_dir_header_encode(b, 3, 0x2040, 100);
	CHECK_MEM(b, "\x02\0\0\0\x40\x20\0\0\x64\0\0\0", 12);
	CHECK_EQ(sqfs_dir_entry_encode(b, 0x1f0, -2, SQFS_SYMLINK, "lnk", 3), 11);
	CHECK_MEM(b, "\xf0\x01\xfe\xff\x03\0\x02\0lnk", 11);
	CHECK_EQ(sqfs_dir_index_encode(b, 8200, 0x1ff2, "name", 4), 16);
	CHECK_MEM(b, "\x08\x20\0\0\xf2\x1f\0\0\x03\0\0\0name", 16);
}

TEST(test_listing)
{
	struct sqfs_listing l = {0};
	struct sqfs_dirent e[600];
	char names[600][40];
	/* three entries in one inode block: one header */
	for (int i = 0; i < 3; i++) {
		snprintf(names[i], sizeof names[i], "f%d", i);
		e[i] = (struct sqfs_dirent){names[i], 2, sqfs_ref(0x100, (uint32_t)(32 * i)),
					    (uint32_t)(10 + i), SQFS_REG};
	}
	sqfs_listing_build(&l, e, 3);
	CHECK_EQ(l.len, 12 + 3 * 10);
	CHECK_EQ(get_le32(l.buf), 2);		     /* count - 1 */
	CHECK_EQ(get_le32(l.buf + 4), 0x100);	     /* inode block */
	CHECK_EQ(get_le32(l.buf + 8), 10);	     /* base inode number */
	CHECK_EQ(get_le16(l.buf + 12 + 10 + 0), 32); /* second entry offset */
	CHECK_EQ(get_le16(l.buf + 12 + 10 + 2), 1);  /* inode delta */
	CHECK_EQ(l.nindex, 0);
	/* an inode in another block starts a new header */
	e[2].inode_ref = sqfs_ref(0x300, 4);
	sqfs_listing_build(&l, e, 3);
	CHECK_EQ(l.len, 2 * 12 + 3 * 10);
	CHECK_EQ(get_le32(l.buf), 1);
	CHECK_EQ(get_le32(l.buf + 12 + 20 + 4), 0x300);
	CHECK_EQ(get_le32(l.buf + 12 + 20 + 8), 12);
	/* 300 entries: 256 per header at most */
	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof names[i], "n%03d", i);
		e[i] =
		    (struct sqfs_dirent){names[i], 4, sqfs_ref(0, (uint32_t)i), (uint32_t)(2 + i), SQFS_REG};
	}
	sqfs_listing_build(&l, e, 300);
	CHECK_EQ(get_le32(l.buf), 255);
	CHECK_EQ(get_le32(l.buf + 12 + 256 * 12), 43);
	CHECK_EQ(get_le32(l.buf + 12 + 256 * 12 + 8), 2 + 256);
	/* long names: the listing passes 8 KiB, so headers get indexed */
	for (int i = 0; i < 600; i++) {
		snprintf(names[i], sizeof names[i], "a-long-name-to-fill-blocks-%05d", i);
		e[i] = (struct sqfs_dirent){names[i], strlen(names[i]), sqfs_ref(0, 0), (uint32_t)(2 + i),
					    SQFS_REG};
	}
	sqfs_listing_build(&l, e, 600);
	CHECK(l.nindex >= 2);
	for (size_t k = 0; k < l.nindex; k++) {
		/* each index points at a header whose base is its first entry */
		CHECK_EQ(get_le32(l.buf + l.index[k].pos + 8), e[l.index[k].entry].ino);
		CHECK(l.index[k].pos - (k ? l.index[k - 1].pos : 0) <= SQFS_META_SIZE);
	}
	sqfs_listing_free(&l);
}

TEST(test_meta_blocks)
{
	struct sqfs_meta m;
	uint8_t data[9000];
	memset(data, 0xab, sizeof data);
	sqfs_meta_init(&m, NULL);
	CHECK_EQ(sqfs_meta_ref(&m), 0);
	CHECK_EQ(sqfs_meta_append(&m, data, 8192), 0);
	/* a full block is stored at once: references now point past it */
	CHECK_EQ(m.out_len, 8194);
	CHECK_EQ(get_le16(m.out), 0x8000 | 8192); /* raw: no compressor */
	CHECK_EQ(sqfs_meta_ref(&m), sqfs_ref(8194, 0));
	CHECK_EQ(sqfs_meta_append(&m, data, 100), 0);
	CHECK_EQ(sqfs_meta_ref(&m), sqfs_ref(8194, 100));
	CHECK_EQ(sqfs_meta_flush(&m), 0);
	CHECK_EQ(get_le16(m.out + 8194), 0x8000 | 100);
	CHECK_EQ(m.nstarts, 2);
	sqfs_meta_free(&m);
	{
		struct comp_opts co = {.codec = COMP_ZLIB, .level = 9};
		struct comp_ctx *cc;
		CHECK_EQ(comp_ctx_create(&cc, &co), 0);
		sqfs_meta_init(&m, cc);
		CHECK_EQ(sqfs_meta_append(&m, data, 8192), 0);
		CHECK(m.out_len < 200);
		CHECK_EQ(get_le16(m.out) & 0x8000, 0); /* compressed */
		CHECK_EQ(get_le16(m.out), m.out_len - 2);
		sqfs_meta_free(&m);
		comp_ctx_destroy(cc);
	}
}

TEST(test_ids)
{
	struct sqfs_ids t;
	uint16_t idx = 0;
	int rc = 0;
	sqfs_ids_init(&t);
	CHECK_EQ(sqfs_ids_get(&t, 1000, &idx), 0);
	CHECK_EQ(idx, 0);
	CHECK_EQ(sqfs_ids_get(&t, 0, &idx), 0);
	CHECK_EQ(idx, 1);
	CHECK_EQ(sqfs_ids_get(&t, 1000, &idx), 0);
	CHECK_EQ(idx, 0);
	for (uint32_t i = 1; i < 70000 && !rc; i++)
		rc = sqfs_ids_get(&t, 100000 + i, &idx);
	CHECK(rc < 0);
	CHECK(strstr(err_msg(), "distinct uids and gids") != NULL);
	CHECK_EQ(t.n, 65535);
	sqfs_ids_free(&t);
}

TEST(test_xattr_records)
{
	uint8_t b[64];
	CHECK_EQ(sqfs_xattr_encode(b, "security.capability", (const uint8_t *)"\1\2", 2), 8 + 10 + 2);
	CHECK_MEM(b, "\x02\0\x0a\0capability\x02\0\0\0\x01\x02", 20);
	CHECK_EQ(sqfs_xattr_encode(b, "user.a", (const uint8_t *)"", 0), 9);
	CHECK_MEM(b, "\0\0\x01\0a\0\0\0\0", 9);
	CHECK_EQ(sqfs_xattr_encode(b, "trusted.x", (const uint8_t *)"v", 1), 10);
	CHECK_EQ(get_le16(b), 1);
	CHECK_EQ(sqfs_xattr_encode(b, "system.posix_acl_access", (const uint8_t *)"v", 1), 0);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	uint8_t *d = NULL;
	CHECK_EQ(util_read_file(path, &d, len), 0);
	return d;
}

static struct tree *small_tree(void)
{
	struct tree *t = tree_create();
	struct tree_node *n;
	uint8_t big[20000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + i / 100);
	CHECK_EQ(tree_add_mem_file(t, "/a/one", "1", 1, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/a/big", big, sizeof big, 0600, &n), 0);
	n->uid = 1000;
	tree_set_xattr(n, "user.k", "v", 1);
	CHECK_EQ(tree_add_mem_file(t, "/a/big-copy", big, sizeof big, 0600, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/b/zero", NULL, 0, 0644, NULL), 0);
	CHECK_EQ(tree_lookup(t, "/a") != NULL, 1);
	CHECK_EQ(tree_finalize(t), 0);
	return t;
}

TEST(test_write_image)
{
	struct tree *t;
	struct sqfs_opts o;
	struct sqfs_stats st;
	struct sqfs_super s;
	char *p1 = util_path_join(tmp, "a.sqfs"), *p2 = util_path_join(tmp, "b.sqfs");
	uint8_t *d1, *d2;
	size_t l1 = 0, l2 = 0;
	setenv("SOURCE_DATE_EPOCH", "1600000000", 1);
	t = small_tree();
	sqfs_opts_init(&o);
	o.block_size = 4096;
	o.threads = 1;
	CHECK_EQ(sqfs_write(t, &o, p1, &st), 0);
	o.threads = 3;
	CHECK_EQ(sqfs_write(t, &o, p2, NULL), 0);
	d1 = read_all(p1, &l1);
	d2 = read_all(p2, &l2);
	CHECK(d1 && d2);
	if (d1 && d2) {
		CHECK_EQ(l1, l2); /* any thread count: the same bytes */
		CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
		CHECK_EQ(l1 % 4096, 0);
		CHECK_EQ(sqfs_super_decode(d1, &s), 0);
		CHECK_EQ(s.inode_count, 7); /* root, a, b, one, big, big-copy, zero */
		CHECK_EQ(s.mod_time, 1600000000);
		CHECK_EQ(s.block_size, 4096);
		CHECK_EQ(s.block_log, 12);
		CHECK_EQ(s.id_count, 2);
		CHECK_EQ(s.frag_count, 1);
		CHECK_EQ(s.bytes_used, st.bytes_used);
		CHECK(s.bytes_used <= l1 && s.bytes_used > l1 - 4096);
		CHECK(s.xattr_id_table != SQFS_INVALID_TABLE);
		CHECK(s.inode_table < s.dir_table && s.dir_table < s.frag_table);
		CHECK(s.frag_table < s.export_table && s.export_table < s.id_table);
		CHECK(s.id_table < s.xattr_id_table);
		CHECK_EQ(st.duplicates, 1);
		CHECK_EQ(s.flags & SQFS_FLAG_DUPLICATES, SQFS_FLAG_DUPLICATES);
	}
	free(d1);
	free(d2);
	/* a bad block size is refused before anything is written */
	o.block_size = 3000;
	unlink(p2);
	CHECK(sqfs_write(t, &o, p2, NULL) < 0);
	CHECK(access(p2, F_OK) != 0);
	tree_destroy(t);
	free(p1);
	free(p2);
}

/* With xz and zstd, tails that cannot shrink (random bytes here) go to
 * fragment blocks of their own, stored raw (bit 24 of the fragment entry's
 * size), and the rest to compressed ones; gzip keeps one stream. The image
 * is the same for any thread count. */
TEST(test_raw_fragments)
{
	struct tree *t = tree_create();
	struct sqfs_opts o;
	struct sqfs_super s;
	char *p1 = util_path_join(tmp, "f1.sqfs"), *p2 = util_path_join(tmp, "f2.sqfs");
	uint8_t rnd[3000], txt[3000], *d1, *d2;
	size_t l1 = 0, l2 = 0;
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof rnd; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		rnd[i] = (uint8_t)(x >> 24);
		txt[i] = (uint8_t) "squashfs fragment "[i % 18];
	}
	CHECK_EQ(tree_add_mem_file(t, "/r1", rnd, sizeof rnd, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/t1", txt, sizeof txt, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/r2", rnd + 1000, 2000, 0644, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	setenv("SOURCE_DATE_EPOCH", "1600000000", 1);
	enum comp_codec codecs[] = {COMP_XZ, COMP_ZSTD, COMP_ZLIB};
	for (size_t ci = 0; ci < ARRAY_SIZE(codecs); ci++) {
		sqfs_opts_init(&o);
		o.codec = codecs[ci];
		o.block_size = 8192;
		o.threads = 1;
		CHECK_EQ(sqfs_write(t, &o, p1, NULL), 0);
		o.threads = 2;
		CHECK_EQ(sqfs_write(t, &o, p2, NULL), 0);
		d1 = read_all(p1, &l1);
		d2 = read_all(p2, &l2);
		CHECK(d1 && d2 && l1 == l2 && memcmp(d1, d2, l1) == 0);
		if (d1 && sqfs_super_decode(d1, &s) == 0) {
			uint32_t want = codecs[ci] == COMP_ZLIB ? 1 : 2, raw = 0;
			CHECK_EQ(s.frag_count, want);
			/* the fragment table's one metadata block, then its location */
			uint64_t loc = get_le64(d1 + s.frag_table);
			uint16_t h = get_le16(d1 + loc), n = h & 0x7fff;
			uint8_t tab[8192];
			ssize_t tl = n;
			if (h & SQFS_META_UNCOMPRESSED)
				memcpy(tab, d1 + loc + 2, n);
			else
				tl = comp_decompress(codecs[ci], d1 + loc + 2, n, tab, sizeof tab);
			CHECK_EQ(tl, (ssize_t)(16 * want));
			for (uint32_t k = 0; k < want && tl == (ssize_t)(16 * want); k++)
				raw += (get_le32(tab + 16 * k + 8) & SQFS_BLOCK_UNCOMPRESSED) != 0;
			CHECK_EQ(raw, want - 1);
		}
		free(d1);
		free(d2);
	}
	tree_destroy(t);
	free(p1);
	free(p2);
}

static void write_host_file(const char *path, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint8_t buf[4096];
	memset(buf, 'x', sizeof buf);
	CHECK(fd >= 0);
	for (size_t done = 0; done < len; done += sizeof buf)
		CHECK(write(fd, buf, MIN(sizeof buf, len - done)) > 0);
	close(fd);
}

/* A source that changes or vanishes between the scan and the read: an
 * error naming the path, and nothing at the destination. */
TEST(test_changed_source)
{
	char *dir = util_path_join(tmp, "src"), *f = util_path_join(dir, "file");
	char *img = util_path_join(tmp, "changed.sqfs");
	struct tree *t = tree_create();
	struct sqfs_opts o;
	mkdir(dir, 0755);
	write_host_file(f, 10000);
	CHECK_EQ(tree_add_path(t, "/", dir, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	write_host_file(f, 20000);
	sqfs_opts_init(&o);
	CHECK(sqfs_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), f) != NULL);
	CHECK(strstr(err_msg(), "changed") != NULL);
	CHECK(access(img, F_OK) != 0);
	unlink(f);
	CHECK(sqfs_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), f) != NULL);
	CHECK(access(img, F_OK) != 0);
	tree_destroy(t);
	free(dir);
	free(f);
	free(img);
}

/* More distinct owners than the 16-bit id index can name. */
TEST(test_too_many_ids)
{
	char *img = util_path_join(tmp, "ids.sqfs");
	struct tree *t = tree_create();
	struct tree_node *n;
	struct sqfs_opts o;
	for (uint32_t i = 0; i < 33000; i++) {
		char name[32];
		snprintf(name, sizeof name, "/f%u", i);
		CHECK_EQ(tree_add_mem_file(t, name, NULL, 0, 0644, &n), 0);
		n->uid = 100000 + i;
		n->gid = 200000 + i;
	}
	CHECK_EQ(tree_finalize(t), 0);
	sqfs_opts_init(&o);
	CHECK(sqfs_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), "distinct uids and gids") != NULL);
	CHECK(access(img, F_OK) != 0);
	tree_destroy(t);
	free(img);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
