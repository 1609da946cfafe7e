/* Unit tests for the squashfs reader (src/squashfs/reader*.c): trees
 * written by mklive's writer (every codec, block sizes, with and without
 * fragments) read back node by node and byte by byte, also at random
 * offsets, in the orders readers walk files, and with or without
 * decompression threads; damaged images;
 * the inputs the fuzzer found. */
#define TEST_SUITE "sqfsread"
#include "test.h"

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/reader.h"
#include "squashfs/squashfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tmp;
static uint64_t rng = 88172645463325252ull;
static uint8_t next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)rng;
}

static struct tree_node *mem(struct tree *t, const char *path, size_t len, int kind, mode_t perm)
{
	uint8_t *d = xmalloc(len ? len : 1);
	struct tree_node *n = NULL;
	for (size_t i = 0; i < len; i++)
		d[i] = kind == 0 ? next_byte() : kind == 1 ? (uint8_t)("compressible "[i % 13]) : 0;
	CHECK_EQ(tree_add_mem_file(t, path, d, len, perm, &n), 0);
	free(d);
	n->mtime = 1600000000 + (int64_t)len;
	return n;
}

static struct tree_node *special(struct tree *t, const char *dir, const char *name, mode_t mode)
{
	struct tree_node *d = NULL, *n = NULL;
	CHECK_EQ(tree_mkdir_p(t, dir, &d), 0);
	CHECK_EQ(tree_add_child(t, d, name, mode, &n), 0);
	n->mtime = 1500000000;
	return n;
}

static struct tree *source_tree(uint32_t bs)
{
	struct tree *t = tree_create();
	struct tree_node *n;
	static const uint8_t cap[20] = {1, 0, 0, 2, 0, 0x20};
	uint8_t bigx[3000];
	size_t sizes[] = {0, 1, bs - 1, bs, bs + 1, 3 * bs + 7, 200000};
	for (size_t i = 0; i < sizeof bigx; i++)
		bigx[i] = next_byte();
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char p[64];
		snprintf(p, sizeof p, "sizes/s%zu", sizes[i]);
		n = mem(t, p, sizes[i], 0, 0644);
		n->uid = (uint32_t)i;
		n->gid = 1000 + (uint32_t)i;
	}
	mem(t, "text/compressible", 100000, 1, 0600);
	mem(t, "text/zeros", 5 * bs + 17, 2, 0644); /* blocks of zeros: holes */
	n = mem(t, "bin/su", 5000, 0, 04755);
	tree_set_xattr(n, "security.capability", cap, sizeof cap);
	tree_set_xattr(n, "user.comment", "hello", 5);
	tree_set_xattr(n, "trusted.t", "", 0);
	n = mem(t, "bin/big1", 10, 0, 0755);
	tree_set_xattr(n, "user.big", bigx, sizeof bigx);
	n = mem(t, "bin/big2", 11, 0, 0755);
	tree_set_xattr(n, "user.big", bigx, sizeof bigx);
	/* a hard link pair: one identity */
	n = mem(t, "links/one", 7000, 0, 0644);
	n->src_dev = 77;
	n->src_ino = 5;
	n = tree_lookup(t, "links/one");
	{
		struct tree_node *d = tree_lookup(t, "links"), *m = NULL;
		CHECK_EQ(tree_add_child(t, d, "two", n->mode, &m), 0);
		m->size = n->size;
		m->src = TREE_SRC_MEM;
		m->src_data = xmalloc(n->size);
		memcpy(m->src_data, n->src_data, n->size);
		m->mtime = n->mtime;
		m->src_dev = 77;
		m->src_ino = 5;
	}
	n = special(t, "links", "sym", S_IFLNK | 0777);
	n->symlink = xstrdup("../sizes/s1");
	n->size = strlen(n->symlink);
	tree_set_xattr(n, "trusted.on-link", "x", 1);
	n = special(t, "dev", "null", S_IFCHR | 0666);
	n->rdev = makedev(1, 3);
	n = special(t, "dev", "big", S_IFBLK | 0600);
	n->rdev = makedev(300, 70000);
	special(t, "dev", "fifo", S_IFIFO | 0644);
	special(t, "dev", "sock", S_IFSOCK | 0755);
	n = tree_lookup(t, "dev");
	tree_set_xattr(n, "user.dir", "d", 1);
	n->uid = 33;
	return t;
}

static int write_read(struct tree *src, const struct sqfs_opts *so, int threads, struct tree **out,
		      char **img)
{
	struct sqfs_read_opts ro;
	struct imgsrc s;
	int rc;
	*img = xasprintf("%s/rt-%d-%u-%d.sqfs", tmp, (int)so->codec, so->block_size, so->no_fragments);
	*out = tree_create();
	if ((rc = tree_finalize(src)) != 0 || (rc = sqfs_write(src, so, *img, NULL)) != 0)
		return rc;
	if ((rc = imgsrc_open_path(&s, *img)) != 0)
		return rc;
	sqfs_read_opts_init(&ro);
	ro.threads = threads;
	rc = sqfs_read_src(&s, *out, &ro);
	imgsrc_close(&s);
	return rc ? rc : tree_finalize(*out);
}

struct cmp {
	struct tree *other;
	int bad;
	bool quiet;
	uint8_t *a, *b;
};

static bool same_data(const struct tree_node *x, const struct tree_node *y, uint8_t *a, uint8_t *b)
{
	if (x->size != y->size)
		return false;
	if (!x->size)
		return true;
	if (tree_node_pread(x, -1, a, (size_t)x->size, 0) || tree_node_pread(y, -1, b, (size_t)y->size, 0))
		return false;
	if (memcmp(a, b, (size_t)x->size))
		return false;
	/* partial reads at odd places: inside blocks, across blocks, the tail */
	for (int i = 0; i < 20; i++) {
		uint64_t off = (rng = rng * 6364136223846793005ull + 1) % x->size,
			 len = (rng >> 20) % (x->size - off + 1);
		if (tree_node_pread(y, -1, b, (size_t)len, off) || memcmp(a + off, b, (size_t)len))
			return false;
	}
	return true;
}

static int compare_node(struct tree_node *x, void *ctx)
{
	struct cmp *c = ctx;
	char *p = tree_node_path(x);
	struct tree_node *y = tree_lookup(c->other, p);
	bool ok = y && x->mode == y->mode && x->uid == y->uid && x->gid == y->gid && x->mtime == y->mtime &&
		  x->nlink == y->nlink && x->nxattrs == y->nxattrs && x->rdev == y->rdev &&
		  !x->symlink == !y->symlink && (!x->symlink || !strcmp(x->symlink, y->symlink));
	for (size_t i = 0; ok && i < x->nxattrs; i++)
		ok = !strcmp(x->xattrs[i].name, y->xattrs[i].name) && x->xattrs[i].len == y->xattrs[i].len &&
		     !memcmp(x->xattrs[i].value, y->xattrs[i].value, x->xattrs[i].len);
	if (ok && tree_is_reg(x))
		ok = same_data(x, y, c->a, c->b) && (x->size == 0 || y->src == TREE_SRC_IMAGE);
	if (ok && x->link_first != x) {
		char *f = tree_node_path(x->link_first), *g = tree_node_path(y->link_first);
		ok = !strcmp(f, g);
		free(f);
		free(g);
	}
	if (!ok) {
		if (!c->quiet)
			fprintf(stderr, "  %s differs\n", p);
		c->bad++;
	}
	free(p);
	return 0;
}

TEST(test_roundtrip)
{
	static const enum comp_codec codecs[] = {COMP_ZLIB, COMP_XZ, COMP_ZSTD, COMP_LZ4};
	static const uint32_t sizes[] = {4096, 131072};
	for (size_t c = 0; c < ARRAY_SIZE(codecs); c++)
		for (size_t b = 0; b < ARRAY_SIZE(sizes); b++) {
			int nf = (int)((c + b) % 2); /* fragments on and off, each codec both ways */
			struct tree *src = source_tree(sizes[b]), *back = NULL;
			struct sqfs_opts so;
			struct cmp cmp = {0};
			char *img;
			sqfs_opts_init(&so);
			so.codec = codecs[c];
			so.block_size = sizes[b];
			so.no_fragments = nf;
			so.threads = 1;
			CHECK_EQ(write_read(src, &so, c % 2 ? -1 : 2, &back, &img), 0);
			cmp.other = back;
			cmp.a = xmalloc(1 << 20);
			cmp.b = xmalloc(1 << 20);
			tree_walk(src->root, compare_node, NULL, &cmp);
			CHECK_EQ(cmp.bad, 0);
			CHECK_EQ(back->nnodes, src->nnodes);
			{
				struct tree_node *z = tree_lookup(back, "sizes/s200000");
				struct tree_node *t = tree_lookup(back, "text/compressible");
				/* random bytes take their size; text takes far less */
				CHECK(z && z->stored_size >= 200000 && z->stored_size < 201000);
				CHECK(t && t->stored_size > 0 && t->stored_size < 20000);
			}
			free(cmp.a);
			free(cmp.b);
			tree_destroy(src);
			tree_destroy(back); /* after the tree, the image's threads end */
			unlink(img);
			free(img);
		}
}

/* A file read backwards and in pieces the read-ahead does not expect. */
TEST(test_random_reads)
{
	struct tree *src = tree_create(), *back = NULL;
	struct sqfs_opts so;
	struct tree_node *a, *b;
	uint8_t *x = xmalloc(2 << 20), *y = xmalloc(2 << 20);
	char *img;
	a = mem(src, "f", (2 << 20) - 3, 0, 0644);
	mem(src, "g", 3333, 1, 0644);
	sqfs_opts_init(&so);
	so.codec = COMP_ZSTD;
	so.block_size = 65536;
	CHECK_EQ(write_read(src, &so, 2, &back, &img), 0);
	b = tree_lookup(back, "f");
	CHECK(b != NULL);
	if (b) {
		CHECK_EQ(tree_node_pread(a, -1, x, (size_t)a->size, 0), 0);
		for (int64_t off = (int64_t)a->size - 70000; off > 0; off -= 50001) {
			CHECK_EQ(tree_node_pread(b, -1, y, 70000, (uint64_t)off), 0);
			CHECK_MEM(y, x + off, 70000);
		}
		for (int i = 0; i < 300; i++) {
			uint64_t off = (rng = rng * 6364136223846793005ull + 1) % a->size;
			size_t len = (size_t)MIN((rng >> 30) % 200000, a->size - off);
			CHECK_EQ(tree_node_pread(b, -1, y, len, off), 0);
			CHECK_MEM(y, x + off, len);
		}
	}
	tree_destroy(src);
	tree_destroy(back);
	free(x);
	free(y);
	unlink(img);
	free(img);
}

/* Many files read in the orders a reader takes: the walk (the read-ahead
 * runs in front of it), two files at a time as extraction's writers do,
 * backwards, and skipping ahead (each jump moves the read-ahead's
 * high-water mark); every byte as written. */
#define NWALK 300
static void check_file(struct tree *src, struct tree *back, int i, uint8_t *x, uint8_t *y, uint64_t from,
		       uint64_t to)
{
	char name[32];
	struct tree_node *a, *b;
	snprintf(name, sizeof name, "m/f%04d", i);
	a = tree_lookup(src, name);
	b = tree_lookup(back, name);
	CHECK(a && b && a->size == b->size);
	if (!a || !b || a->size != b->size)
		return;
	to = MIN(to, a->size);
	if (from >= to)
		return;
	CHECK_EQ(tree_node_pread(a, -1, x, (size_t)(to - from), from), 0);
	CHECK_EQ(tree_node_pread(b, -1, y, (size_t)(to - from), from), 0);
	CHECK_MEM(y, x, (size_t)(to - from));
}

TEST(test_walk_orders)
{
	struct tree *src = tree_create(), *back = NULL;
	struct sqfs_opts so;
	uint8_t *x = xmalloc(64 << 10), *y = xmalloc(64 << 10);
	char *img, name[32];
	for (int i = 0; i < NWALK; i++) {
		snprintf(name, sizeof name, "m/f%04d", i);
		/* empty files, tails alone, whole blocks, blocks and a tail */
		mem(src, name, i % 5 == 0 ? 0 : (size_t)(i * 97 % 13000), i % 3 ? 0 : 1, 0644);
	}
	sqfs_opts_init(&so);
	so.codec = COMP_ZSTD;
	so.block_size = 4096;
	CHECK_EQ(write_read(src, &so, 2, &back, &img), 0);
	for (int i = 0; i < NWALK; i++)
		check_file(src, back, i, x, y, 0, UINT64_MAX);
	for (int i = 0; i + 1 < NWALK; i += 2) {
		check_file(src, back, i, x, y, 0, 5000);
		check_file(src, back, i + 1, x, y, 0, 5000);
		check_file(src, back, i, x, y, 5000, UINT64_MAX);
		check_file(src, back, i + 1, x, y, 5000, UINT64_MAX);
	}
	for (int i = NWALK - 1; i >= 0; i--)
		check_file(src, back, i, x, y, 0, UINT64_MAX);
	for (int i = 0; i < NWALK; i += 37)
		check_file(src, back, i, x, y, 0, UINT64_MAX);
	tree_destroy(src);
	tree_destroy(back);
	free(x);
	free(y);
	unlink(img);
	free(img);
}

static int read_path(const char *path, struct tree **t)
{
	struct imgsrc s;
	int rc = imgsrc_open_path(&s, path);
	*t = tree_create();
	if (rc)
		return rc;
	rc = sqfs_read(&s, *t);
	imgsrc_close(&s);
	return rc;
}

static void patch(const char *path, off_t off, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, b, n, off) == (ssize_t)n);
	close(fd);
}

/* Damaged images made from a good one: a clear error naming the image
 * and an offset, never a crash. */
TEST(test_damaged)
{
	struct tree *src = source_tree(4096), *t = NULL;
	struct sqfs_opts so;
	char *img = xasprintf("%s/damaged.sqfs", tmp), *copy = xasprintf("%s/damaged-copy.sqfs", tmp);
	uint8_t *orig = NULL, b8[8];
	size_t len = 0;
	sqfs_opts_init(&so);
	so.codec = COMP_ZLIB;
	so.block_size = 4096;
	CHECK_EQ(tree_finalize(src), 0);
	CHECK_EQ(sqfs_write(src, &so, img, NULL), 0);
	CHECK_EQ(util_read_file(img, &orig, &len), 0);
	struct {
		off_t off;
		uint64_t v;
		size_t n;
		const char *want;
	} cases[] = {
	    {40, 1ull << 40, 8, "truncated"},		 /* bytes_used */
	    {48, 1ull << 40, 8, "id table"},		 /* id table */
	    {16, 0xfffffff0u, 4, "fragments in"},	 /* fragment count */
	    {64, 1ull << 40, 8, "past the end"},	 /* inode table */
	    {32, 0xffff, 8, "inode"},			 /* root inode reference */
	    {26, 0, 2, "owner index"},			 /* id count 0 */
	    {20, 3, 2, "LZO"},				 /* compressor */
	    {20, 9, 2, "unknown squashfs compressor 9"}, /* compressor */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int rc;
		CHECK(fd >= 0 && write(fd, orig, len) == (ssize_t)len);
		close(fd);
		put_le64(b8, cases[i].v);
		patch(copy, cases[i].off, b8, cases[i].n);
		rc = read_path(copy, &t);
		tree_destroy(t);
		if (rc >= 0 || !strstr(err_msg(), cases[i].want) || !strstr(err_msg(), "damaged-copy.sqfs")) {
			fprintf(stderr, "  case %zu: rc %d, '%s'\n", i, rc, err_msg());
			test_failed_ = 1;
		}
	}
	/* every 97th byte of the tables flipped: errors or a tree, no crash */
	for (size_t at = 96; at < len; at += 97) {
		int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0 && write(fd, orig, len) == (ssize_t)len);
		close(fd);
		b8[0] = (uint8_t)(orig[at] ^ 0x5a);
		patch(copy, (off_t)at, b8, 1);
		if (read_path(copy, &t) == 0 && tree_finalize(t) == 0) {
			struct cmp c = {
			    .other = t, .quiet = true, .a = xmalloc(1 << 20), .b = xmalloc(1 << 20)};
			tree_walk(t->root, compare_node, NULL, &c); /* reads every file */
			free(c.a);
			free(c.b);
		}
		err_clear();
		tree_destroy(t);
	}
	tree_destroy(src);
	free(orig);
	unlink(copy);
	free(img);
	free(copy);
}

/* Inputs the fuzzer (tests/fuzz/squashfs_fuzz.c) found crashing or taking
 * unbounded memory, kept in its corpus as regress-*; the whole corpus is read here. */
TEST(test_fuzz_regressions)
{
	const char *td = getenv("TESTS_DIR");
	char *dir;
	DIR *d;
	struct dirent *de;
	int n = 0;
	if (!td) {
		printf("SKIP: sqfsread/test_fuzz_regressions (TESTS_DIR not set)\n");
		return;
	}
	dir = xasprintf("%s/fuzz/corpus/squashfs_fuzz", td);
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		struct tree *t;
		char *p;
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (read_path(p, &t) < 0)
			CHECK(strstr(err_msg(), de->d_name) != NULL);
		/* a 3 GiB LZMA dictionary is refused, not allocated */
		if (!strcmp(de->d_name, "regress-lzma-dictionary.sqfs"))
			CHECK(strstr(err_msg(), "more than 64 MiB of decoder memory") != NULL);
		tree_destroy(t);
		free(p);
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n > 0);
	free(dir);
}

TEST(test_probe_info)
{
	struct tree *src = source_tree(4096);
	struct sqfs_opts so;
	struct imgsrc s;
	struct imgsrc_info info = {0};
	uint8_t head[4096];
	char *img = xasprintf("%s/info.sqfs", tmp);
	sqfs_opts_init(&so);
	so.codec = COMP_XZ;
	CHECK_EQ(tree_finalize(src), 0);
	CHECK_EQ(sqfs_write(src, &so, img, NULL), 0);
	CHECK_EQ(imgsrc_open_path(&s, img), 0);
	CHECK_EQ(imgsrc_pread(&s, head, sizeof head, 0), 0);
	CHECK(sqfs_probe(head, sizeof head, s.size));
	CHECK(!sqfs_probe(head, 50, s.size));
	CHECK_EQ(sqfs_info(&s, &info), 0);
	CHECK(info.n >= 8);
	if (info.n >= 8) {
		CHECK_STR(info.lines[0], "squashfs version: 4.0");
		CHECK_STR(info.lines[1], "compression: xz");
		CHECK_STR(info.lines[2], "block size: 131072");
		CHECK(strstr(info.lines[7], "entries: 14 files, 6 directories, 1 symlinks, 4 other") != NULL);
	}
	imgsrc_info_free(&info);
	imgsrc_close(&s);
	head[0] = 'x';
	CHECK(!sqfs_probe(head, sizeof head, 4096));
	tree_destroy(src);
	unlink(img);
	free(img);
}

int main(void)
{
	tmp = test_tmpdir();
	log_set_level(0);
	RUN_ALL();
	TEST_EXIT();
}
