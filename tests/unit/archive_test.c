/* Unit tests for the tar/cpio reader (src/archive/tar_*.c): archives made
 * with libarchive's writers (and mklive's cpio writer) read back into a
 * tree field by field; data found in place at its offset, or spooled;
 * sparse entries; hard links in tar and in newc cpio; concatenated cpio
 * archives; archives inside other images; hostile input. */
#define TEST_SUITE "archive"
#include "test.h"

#include "archive/archive.h"
#include "archive/cpio.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tmp;
/* cap_net_raw+ep, as Debian's iputils-ping carries it */
static const uint8_t cap[20] = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static struct archive *aw_open(const char *path, int format, int filter)
{
	struct archive *a = archive_write_new();
	CHECK_EQ(archive_write_set_format(a, format), ARCHIVE_OK);
	if (filter)
		CHECK_EQ(archive_write_add_filter(a, filter), ARCHIVE_OK);
	CHECK_EQ(archive_write_open_filename(a, path), ARCHIVE_OK);
	return a;
}

static struct archive_entry *ent(const char *path, mode_t mode, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 1600000000, 123456789);
	return e;
}

static void aw_add(struct archive *a, struct archive_entry *e, const void *data, size_t len)
{
	CHECK_EQ(archive_write_header(a, e), ARCHIVE_OK);
	if (len)
		CHECK_EQ(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void aw_close(struct archive *a)
{
	CHECK_EQ(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* The tree of test_tar_attrs in an archive of the given format/filter. */
static void make_rich(const char *path, int format, int filter)
{
	struct archive *a = aw_open(path, format, filter);
	struct archive_entry *e;
	static const char big_fill = 'q';
	uint8_t *big = xmalloc(300000);
	memset(big, big_fill, 300000);
	big[0] = 'B';
	big[299999] = 'E';
	e = ent("./", S_IFDIR | 0700, 0);
	archive_entry_set_uid(e, 5);
	aw_add(a, e, NULL, 0);
	aw_add(a, ent("./etc", S_IFDIR | 0755, 0), NULL, 0);
	aw_add(a, ent("./etc/passwd", S_IFREG | 0644, 11), "root:x:0:0\n", 11);
	e = ent("./usr/bin/su", S_IFREG | 04755, 300000);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	aw_add(a, e, big, 300000);
	e = ent("./usr/bin/su2", S_IFREG | 04755, 0);
	archive_entry_set_hardlink(e, "./usr/bin/su");
	aw_add(a, e, NULL, 0);
	e = ent("./bin/ping", S_IFREG | 0755, 4);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof cap);
	archive_entry_xattr_add_entry(e, "user.comment", "hello", 5);
	aw_add(a, e, "ping", 4);
	e = ent("./bin/sh", S_IFLNK | 0777, 0);
	archive_entry_set_symlink(e, "dash");
	aw_add(a, e, NULL, 0);
	e = ent("./dev/null", S_IFCHR | 0666, 0);
	archive_entry_set_rdevmajor(e, 1);
	archive_entry_set_rdevminor(e, 3);
	aw_add(a, e, NULL, 0);
	e = ent("./dev/loop7", S_IFBLK | 0660, 0);
	archive_entry_set_rdevmajor(e, 7);
	archive_entry_set_rdevminor(e, 7);
	archive_entry_set_gid(e, 6);
	aw_add(a, e, NULL, 0);
	aw_add(a, ent("./run/fifo", S_IFIFO | 0600, 0), NULL, 0);
	aw_add(a, ent("/abs/file", S_IFREG | 0600, 3), "abs", 3);
	aw_add(a, ent("empty", S_IFREG | 0644, 0), NULL, 0);
	aw_close(a);
	free(big);
}

static int read_file_tree(const char *path, struct tree **t, struct tar_read_stats *st)
{
	struct imgsrc s;
	int rc = imgsrc_open_path(&s, path);
	*t = tree_create();
	if (rc)
		return rc;
	rc = tar_read_src(&s, *t, NULL, st);
	imgsrc_close(&s);
	if (!rc)
		rc = tree_finalize(*t);
	return rc;
}

static bool node_data_is(const struct tree_node *n, const void *want, size_t len)
{
	uint8_t *b = xmalloc(len + 1);
	bool ok = n->size == len && tree_node_pread(n, -1, b, len, 0) == 0 && memcmp(b, want, len) == 0;
	free(b);
	return ok;
}

enum { IN_PLACE, SPOOLED, NESTED };
static void check_rich(struct tree *t, int how)
{
	bool in_place = how == IN_PLACE;
	struct tree_node *n;
	CHECK_EQ(t->root->mode, S_IFDIR | 0700);
	CHECK_EQ(t->root->uid, 5);
	n = tree_lookup(t, "etc/passwd");
	CHECK(n != NULL);
	if (!n)
		return;
	CHECK_EQ(n->mode, S_IFREG | 0644);
	CHECK_EQ(n->mtime, 1600000000);
	CHECK(node_data_is(n, "root:x:0:0\n", 11));
	CHECK_EQ(n->src, how == NESTED ? TREE_SRC_IMAGE : TREE_SRC_RANGE);
	if (how != SPOOLED)
		CHECK_EQ(n->stored_size, 11);
	n = tree_lookup(t, "usr/bin/su");
	CHECK(n && n->mode == (S_IFREG | 04755) && n->size == 300000 && n->nlink == 2);
	if (n) {
		uint8_t b[2];
		CHECK_EQ(tree_node_pread(n, -1, b, 1, 0), 0);
		CHECK_EQ(tree_node_pread(n, -1, b + 1, 1, 299999), 0);
		CHECK_MEM(b, "BE", 2);
		if (in_place) {
			/* the bytes at src_off of the archive file are the file's */
			uint8_t c;
			CHECK_EQ(n->src, TREE_SRC_RANGE);
			CHECK_EQ(pread(n->src_img->fd, &c, 1, (off_t)n->src_off), 1);
			CHECK_EQ(c, 'B');
			CHECK_EQ(n->src_off % 512, 0);
			CHECK_EQ(n->stored_size, 300000);
		} else if (how == SPOOLED)
			CHECK(n->stored_size > 0 && n->stored_size < 300000);
		else
			CHECK_EQ(n->stored_size, 300000);
	}
	{
		struct tree_node *s2 = tree_lookup(t, "usr/bin/su2");
		CHECK(s2 && n && s2->link_id && s2->link_id == n->link_id && s2->nlink == 2);
		CHECK(s2 && s2->size == 300000 && s2->mode == (S_IFREG | 04755));
	}
	n = tree_lookup(t, "bin/ping");
	CHECK(n && n->uid == 1234 && n->gid == 5678 && n->nxattrs == 2);
	if (n && n->nxattrs == 2) {
		CHECK_STR(n->xattrs[0].name, "security.capability");
		CHECK_EQ(n->xattrs[0].len, sizeof cap);
		CHECK_MEM(n->xattrs[0].value, cap, sizeof cap);
		CHECK_STR(n->xattrs[1].name, "user.comment");
		CHECK(node_data_is(n, "ping", 4));
		CHECK_EQ(n->mtime_ns, 123456789);
	}
	n = tree_lookup(t, "bin/sh");
	CHECK(n && tree_is_lnk(n) && n->size == 4);
	if (n)
		CHECK_STR(n->symlink, "dash");
	n = tree_lookup(t, "dev/null");
	CHECK(n && S_ISCHR(n->mode) && n->rdev == makedev(1, 3) && (n->mode & 07777) == 0666);
	n = tree_lookup(t, "dev/loop7");
	CHECK(n && S_ISBLK(n->mode) && n->rdev == makedev(7, 7) && n->gid == 6);
	n = tree_lookup(t, "run/fifo");
	CHECK(n && S_ISFIFO(n->mode));
	n = tree_lookup(t, "abs/file"); /* the leading '/' is stripped */
	CHECK(n && node_data_is(n, "abs", 3));
	n = tree_lookup(t, "empty");
	CHECK(n && n->size == 0 && n->src == TREE_SRC_NONE);
	n = tree_lookup(t, "usr"); /* made for its children */
	CHECK(n && tree_is_dir(n) && n->mode == (S_IFDIR | 0755));
}

TEST(test_tar_attrs)
{
	static const int formats[] = {ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, ARCHIVE_FORMAT_TAR_GNUTAR};
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		char *p = xasprintf("%s/rich%zu.tar", tmp, i);
		struct tree *t;
		struct tar_read_stats st;
		make_rich(p, formats[i], 0);
		CHECK_EQ(read_file_tree(p, &t, &st), 0);
		if (formats[i] == ARCHIVE_FORMAT_TAR_GNUTAR) {
			/* GNU tar headers carry no xattrs and whole seconds */
			struct tree_node *n = tree_lookup(t, "bin/ping");
			CHECK(n && n->nxattrs == 0);
		} else
			check_rich(t, IN_PLACE);
		CHECK_EQ(st.files, 5);
		CHECK_EQ(st.hardlinks, 1);
		CHECK_EQ(st.devices, 2);
		CHECK_EQ(st.in_place, 300000 + 11 + 4 + 3);
		CHECK_EQ(st.spooled, 0);
		CHECK_STR(st.filter, "none");
		tree_destroy(t);
		free(p);
	}
}

TEST(test_tar_compressed)
{
	static const int filters[] = {ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_XZ, ARCHIVE_FILTER_ZSTD};
	static const char *names[] = {"gzip", "xz", "zstd"};
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		char *p = xasprintf("%s/rich.tar.%zu", tmp, i);
		struct tree *t;
		struct tar_read_stats st;
		make_rich(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, filters[i]);
		CHECK_EQ(read_file_tree(p, &t, &st), 0);
		check_rich(t, SPOOLED);
		CHECK_STR(st.filter, names[i]);
		CHECK_EQ(st.in_place, 0);
		CHECK_EQ(st.spooled, 300000 + 11 + 4 + 3);
		{
			/* one spool file for every node */
			struct tree_node *a = tree_lookup(t, "etc/passwd"), *b = tree_lookup(t, "bin/ping");
			CHECK(a && b && a->src_img == b->src_img);
		}
		tree_destroy(t);
		free(p);
	}
}

/* A sparse entry (pax GNU.sparse 1.0) cannot be used in place: it is
 * spooled, holes read as zeros and stay holes in the spool file. */
TEST(test_tar_sparse)
{
	char *p = xasprintf("%s/sparse.tar", tmp);
	struct archive *a = aw_open(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
	struct archive_entry *e = ent("sparse", S_IFREG | 0644, 4 << 20);
	uint8_t *d = xcalloc(1, 4 << 20), *b = xmalloc(4 << 20);
	struct tree *t;
	struct tree_node *n;
	memset(d, 'A', 8192);
	memset(d + (4 << 20) - 100, 'Z', 100);
	archive_entry_sparse_add_entry(e, 0, 8192);
	archive_entry_sparse_add_entry(e, (4 << 20) - 100, 100);
	CHECK_EQ(archive_write_header(a, e), ARCHIVE_OK);
	/* libarchive's writer takes the whole file and stores the listed runs */
	CHECK_EQ(archive_write_data(a, d, 4 << 20), 4 << 20);
	archive_entry_free(e);
	aw_add(a, ent("after", S_IFREG | 0644, 5), "after", 5);
	aw_close(a);
	CHECK_EQ(read_file_tree(p, &t, NULL), 0);
	n = tree_lookup(t, "sparse");
	CHECK(n && n->size == (4 << 20));
	if (n && n->size == (4 << 20)) {
		CHECK_EQ(tree_node_pread(n, -1, b, 4 << 20, 0), 0);
		CHECK_MEM(b, d, 4 << 20);
		CHECK_EQ(n->stored_size, 8192 + 100);
		if (n->src == TREE_SRC_RANGE) {
			off_t h = lseek(n->src_img->fd, (off_t)n->src_off, SEEK_HOLE);
			CHECK(h >= 0 && (uint64_t)h < n->src_off + (4 << 20) - 100);
		}
	}
	n = tree_lookup(t, "after");
	CHECK(n && node_data_is(n, "after", 5));
	tree_destroy(t);
	free(d);
	free(b);
	free(p);
}

/* newc as GNU cpio writes hard links: the data comes with the last name;
 * and as mklive's writer does: with the first. */
TEST(test_cpio_links)
{
	char *p = xasprintf("%s/links.cpio", tmp);
	struct archive *a = aw_open(p, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, 0);
	struct archive_entry *e;
	struct tree *t;
	struct tree_node *x, *y, *z;
	static const char *names[] = {"a/x", "b/y", "z"};
	for (int i = 0; i < 3; i++) {
		e = ent(names[i], S_IFREG | 0640, i == 2 ? 5 : 0);
		archive_entry_set_ino(e, 77);
		archive_entry_set_nlink(e, 3);
		aw_add(a, e, "hello", i == 2 ? 5 : 0);
	}
	aw_close(a);
	CHECK_EQ(read_file_tree(p, &t, NULL), 0);
	x = tree_lookup(t, "a/x");
	y = tree_lookup(t, "b/y");
	z = tree_lookup(t, "z");
	CHECK(x && y && z);
	if (x && y && z) {
		CHECK(node_data_is(x, "hello", 5) && node_data_is(y, "hello", 5) &&
		      node_data_is(z, "hello", 5));
		CHECK(x->link_id && x->link_id == y->link_id && y->link_id == z->link_id);
		CHECK_EQ(z->nlink, 3);
	}
	tree_destroy(t);
	free(p);
}

struct mem {
	uint8_t *b;
	size_t n, cap;
};
static int mem_sink(void *ctx, const void *buf, size_t n)
{
	struct mem *m = ctx;
	util_grow(&m->b, &m->cap, m->n + n, 1);
	memcpy(m->b + m->n, buf, n);
	m->n += n;
	return 0;
}

static void mem_cpio(struct mem *m, const char *const *names, const char *const *data, size_t k)
{
	struct cpio_writer *w;
	CHECK_EQ(cpio_writer_create(&w, mem_sink, m), 0);
	for (size_t i = 0; i < k; i++) {
		struct cpio_hdr h = {.ino = (uint32_t)i + 1,
				     .mode = S_IFREG | 0644,
				     .nlink = 1,
				     .mtime = 1600000000,
				     .filesize = (uint32_t)strlen(data[i])};
		CHECK_EQ(cpio_write_entry(w, &h, names[i], data[i]), 0);
	}
	CHECK_EQ(cpio_writer_finish(w), 0);
	cpio_writer_destroy(w);
}

/* An initramfs: archives one after the other (zero padding between), the
 * later one's files replacing the earlier one's. */
TEST(test_cpio_concat)
{
	static const char *n1[] = {"x", "kernel/x86/microcode/GenuineIntel.bin"}, *d1[] = {"1", "ucode"};
	static const char *n2[] = {"y", "x"}, *d2[] = {"2", "3"};
	struct mem m = {0};
	char *p = xasprintf("%s/concat.cpio", tmp);
	struct tree *t;
	struct tar_read_stats st;
	struct tree_node *n;
	int fd;
	mem_cpio(&m, n1, d1, 2);
	util_grow(&m.b, &m.cap, m.n + 1024, 1);
	memset(m.b + m.n, 0, 1024);
	m.n += 1024;
	mem_cpio(&m, n2, d2, 2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ(write(fd, m.b, m.n), (ssize_t)m.n);
	close(fd);
	CHECK_EQ(read_file_tree(p, &t, &st), 0);
	CHECK_EQ(st.segments, 2);
	n = tree_lookup(t, "x");
	CHECK(n && node_data_is(n, "3", 1));
	n = tree_lookup(t, "y");
	CHECK(n && node_data_is(n, "2", 1) && n->src == TREE_SRC_RANGE);
	n = tree_lookup(t, "kernel/x86/microcode/GenuineIntel.bin");
	CHECK(n && node_data_is(n, "ucode", 5));
	tree_destroy(t);
	free(m.b);
	free(p);
}

/* An archive inside another image: data is read through that image. */
TEST(test_nested)
{
	char *p = xasprintf("%s/rich-nested.tar", tmp);
	uint8_t *data = NULL;
	size_t len = 0;
	struct tree *outer = tree_create(), *t = tree_create();
	struct tree_node *n = NULL;
	struct imgsrc s;
	make_rich(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
	CHECK_EQ(util_read_file(p, &data, &len), 0);
	CHECK_EQ(tree_add_mem_file(outer, "live/root.tar", data, len, 0644, &n), 0);
	CHECK_EQ(imgsrc_open_node(&s, n, "outer.img:/live/root.tar"), 0);
	tree_destroy(outer);
	CHECK_EQ(tar_read_src(&s, t, NULL, NULL), 0);
	imgsrc_close(&s);
	CHECK_EQ(tree_finalize(t), 0);
	check_rich(t, NESTED);
	n = tree_lookup(t, "etc/passwd");
	CHECK(n && n->src == TREE_SRC_IMAGE && n->stored_size == 11);
	if (n) {
		char *name = tree_node_src_name(n);
		CHECK_STR(name, "outer.img:/live/root.tar:/etc/passwd");
		free(name);
	}
	tree_destroy(t);
	free(data);
	free(p);
}

static int read_expect_fail(const char *path, const char *text)
{
	struct tree *t;
	int rc = read_file_tree(path, &t, NULL);
	tree_destroy(t);
	if (rc >= 0 || !strstr(err_msg(), text)) {
		fprintf(stderr, "  %s: rc %d, message '%s', expected '%s'\n", path, rc, err_msg(), text);
		return 1;
	}
	return 0;
}

static void one_entry_tar(const char *path, const char *name, const char *hardlink)
{
	struct archive *a = aw_open(path, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
	struct archive_entry *e;
	aw_add(a, ent("dir/", S_IFDIR | 0755, 0), NULL, 0);
	e = ent(name, S_IFREG | 0644, hardlink ? 0 : 2);
	if (hardlink)
		archive_entry_set_hardlink(e, hardlink);
	aw_add(a, e, "hi", hardlink ? 0 : 2);
	aw_close(a);
}

TEST(test_hostile)
{
	char *p = xasprintf("%s/bad.tar", tmp);
	uint8_t junk[4096];
	struct tree *t;
	int fd;
	one_entry_tar(p, "../etc/passwd", NULL);
	CHECK_EQ(read_expect_fail(p, "entry '../etc/passwd': a path with a '..' component"), 0);
	one_entry_tar(p, "a/b/../../../x", NULL);
	CHECK_EQ(read_expect_fail(p, "'a/b/../../../x'"), 0);
	one_entry_tar(p, "x", "missing");
	CHECK_EQ(read_expect_fail(p, "hard link to 'missing', which is not in the archive"), 0);
	one_entry_tar(p, "x", "dir");
	CHECK_EQ(read_expect_fail(p, "hard link to the directory 'dir'"), 0);
	one_entry_tar(p, "x", "../y");
	CHECK_EQ(read_expect_fail(p, "'..' component"), 0);
	{
		char name[300];
		memset(name, 'n', 299);
		name[299] = 0;
		one_entry_tar(p, name, NULL);
		CHECK_EQ(read_expect_fail(p, "a name of 299 bytes"), 0);
	}
	one_entry_tar(p, "a\x1b[2Jb", NULL); /* control characters are shown escaped */
	CHECK_EQ(read_file_tree(p, &t, NULL), 0);
	CHECK(tree_lookup(t, "a\x1b[2Jb") != NULL);
	tree_destroy(t);
	/* cut short in the middle of a file's data */
	make_rich(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
	CHECK_EQ(truncate(p, 100000), 0);
	CHECK_EQ(read_expect_fail(p, "entry './usr/bin/su'"), 0);
	CHECK_EQ(read_expect_fail(p, "offset "), 0);
	/* not an archive */
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	CHECK_EQ(read_expect_fail(p, "not a tar or cpio archive"), 0);
	/* a broken gzip stream */
	make_rich(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, ARCHIVE_FILTER_GZIP);
	fd = open(p, O_WRONLY);
	CHECK_EQ(pwrite(fd, junk, 64, 200), 64);
	close(fd);
	{
		struct tree *t2;
		CHECK(read_file_tree(p, &t2, NULL) < 0);
		CHECK(strstr(err_msg(), "bad.tar") != NULL);
		tree_destroy(t2);
	}
	/* the entry limit */
	{
		struct tar_read_opts o;
		struct imgsrc s;
		make_rich(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
		tar_read_opts_init(&o);
		o.max_entries = 4;
		CHECK_EQ(imgsrc_open_path(&s, p), 0);
		t = tree_create();
		CHECK(tar_read_src(&s, t, &o, NULL) < 0);
		CHECK(strstr(err_msg(), "more than 4 entries") != NULL);
		tree_destroy(t);
		imgsrc_close(&s);
	}
	free(p);
}

TEST(test_xattr_limit)
{
	char *p = xasprintf("%s/xattr.tar", tmp);
	struct archive *a = aw_open(p, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, 0);
	struct archive_entry *e = ent("f", S_IFREG | 0644, 0);
	uint8_t *v = xcalloc(1, 70000);
	archive_entry_xattr_add_entry(e, "user.big", v, 70000);
	aw_add(a, e, NULL, 0);
	aw_close(a);
	CHECK_EQ(read_expect_fail(p, "larger than 64 KiB"), 0);
	free(v);
	free(p);
}

TEST(test_probe_info)
{
	char *tp = xasprintf("%s/rich-probe.tar.gz", tmp), *cp = xasprintf("%s/links.cpio", tmp);
	uint8_t head[IMGSRC_PROBE_BYTES], zeros[65536] = {0};
	struct imgsrc s;
	struct imgsrc_info info = {0};
	size_t hl;
	make_rich(tp, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, ARCHIVE_FILTER_GZIP);
	CHECK_EQ(imgsrc_open_path(&s, tp), 0);
	hl = (size_t)MIN(s.size, sizeof head);
	CHECK_EQ(imgsrc_pread(&s, head, hl, 0), 0);
	CHECK(tar_probe(head, hl, s.size));
	CHECK(!cpio_probe(head, hl, s.size));
	CHECK_EQ(tar_info(&s, &info), 0);
	CHECK(info.n >= 5);
	if (info.n >= 5) {
		CHECK_STR(info.lines[1], "compression: gzip");
		CHECK(strstr(info.lines[0], "pax") != NULL);
		CHECK(strstr(info.lines[3], "files: 5,") != NULL);
	}
	imgsrc_info_free(&info);
	imgsrc_close(&s);
	CHECK_EQ(imgsrc_open_path(&s, cp), 0); /* made by test_cpio_links */
	hl = (size_t)MIN(s.size, sizeof head);
	CHECK_EQ(imgsrc_pread(&s, head, hl, 0), 0);
	CHECK(cpio_probe(head, hl, s.size));
	CHECK(!tar_probe(head, hl, s.size));
	imgsrc_close(&s);
	/* an ISO 9660 image starts with 32 KiB of zeros: an "empty tar" is no tar */
	CHECK(!tar_probe(zeros, sizeof zeros, 1 << 20));
	CHECK(!cpio_probe(zeros, sizeof zeros, 1 << 20));
	free(tp);
	free(cp);
}

/* Inputs the fuzzer (tests/fuzz/tar_fuzz.c) found crashing, kept in its
 * corpus as regress-*; the whole corpus is read without a crash (ASan build) and
 * either fails with a message naming the archive or gives a tree. */
TEST(test_fuzz_regressions)
{
	const char *td = getenv("TESTS_DIR");
	char *dir;
	DIR *d;
	struct dirent *de;
	int n = 0;
	if (!td) {
		printf("SKIP: archive/test_fuzz_regressions (TESTS_DIR not set)\n");
		return;
	}
	dir = xasprintf("%s/fuzz/corpus/tar_fuzz", td);
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		char *p;
		struct tree *t;
		int rc;
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		rc = read_file_tree(p, &t, NULL);
		if (rc < 0)
			CHECK(strstr(err_msg(), de->d_name) != NULL);
		tree_destroy(t);
		free(p);
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n > 0);
	free(dir);
}

int main(void)
{
	tmp = test_tmpdir();
	log_set_level(0);
	RUN_ALL();
	TEST_EXIT();
}
