/* Unit tests for src/core: tree model, scanning, output files, helpers. */
#define TEST_SUITE "core"
#include "test.h"

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/output.h"
#include "core/time.h"
#include "core/tree.h"
#include "core/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tmp;

static void write_file(const char *rel, const char *data)
{
	char *p = util_path_join(tmp, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
	free(p);
}

TEST(test_encoders)
{
	uint8_t b[8];
	put_le32(b, 0x11223344);
	CHECK_MEM(b, "\x44\x33\x22\x11", 4);
	put_be32(b, 0x11223344);
	CHECK_MEM(b, "\x11\x22\x33\x44", 4);
	put_le64(b, 0x0102030405060708ull);
	CHECK_EQ(get_le64(b), 0x0102030405060708ull);
	put_be64(b, 0x0102030405060708ull);
	CHECK_EQ(get_be64(b), 0x0102030405060708ull);
	CHECK_EQ(get_be16((const uint8_t *)"\x12\x34"), 0x1234);
}

TEST(test_parse_size)
{
	uint64_t v = 0;
	CHECK_EQ(util_parse_size("1440K", &v, "size"), 0);
	CHECK_EQ(v, 1474560);
	CHECK_EQ(util_parse_size("64M", &v, "size"), 0);
	CHECK_EQ(v, 64ull << 20);
	CHECK_EQ(util_parse_size("4096", &v, "size"), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(util_parse_size("2GiB", &v, "size"), 0);
	CHECK_EQ(v, 2ull << 30);
	CHECK(util_parse_size("12Q", &v, "size") < 0);
	CHECK(strstr(err_msg(), "12Q") != NULL);
	CHECK(util_parse_size("", &v, "size") < 0);
	CHECK(util_parse_size("99999999999999999999T", &v, "size") < 0);
}

TEST(test_tree_sorted_insert)
{
	struct tree *t = tree_create();
	struct tree_node *n;
	const char *names[] = {"zeta", "alpha", "Beta", "beta", "a.b", "_x"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("/d/%s", names[i]);
		CHECK_EQ(tree_add_mem_file(t, p, "x", 1, 0644, NULL), 0);
		free(p);
	}
	n = tree_lookup(t, "/d");
	CHECK(n && tree_is_dir(n));
	CHECK_EQ(n->nchildren, 6);
	for (size_t i = 1; i < n->nchildren; i++)
		CHECK(strcmp(n->children[i - 1]->name, n->children[i]->name) < 0);
	CHECK_STR(n->children[0]->name, "Beta"); /* byte order: upper case first */
	CHECK(tree_lookup(t, "d/alpha") != NULL);
	CHECK(tree_lookup(t, "/d/missing") == NULL);
	CHECK(tree_lookup(t, "/d/alpha/x") == NULL);
	/* a file cannot become a directory */
	CHECK(tree_mkdir_p(t, "/d/alpha/sub", &n) < 0);
	tree_destroy(t);
}

TEST(test_tree_scan)
{
	struct tree *t = tree_create();
	struct tree_node *n;
	char *d = util_path_join(tmp, "src"), *p, *q;
	mkdir(d, 0755);
	p = util_path_join(d, "sub");
	mkdir(p, 0700);
	free(p);
	write_file("src/b.txt", "hello");
	write_file("src/sub/a.txt", "abc");
	p = util_path_join(d, "b.txt");
	q = util_path_join(d, "hard");
	CHECK_EQ(link(p, q), 0);
	free(q);
	q = util_path_join(d, "link");
	CHECK_EQ(symlink("../outside/target", q), 0);
	{
		/* a hard link to the symlink itself: one file with two names */
		char *r = util_path_join(d, "link2");
		CHECK_EQ(linkat(AT_FDCWD, q, AT_FDCWD, r, 0), 0);
		free(r);
	}
	free(q);
	q = util_path_join(d, "fifo");
	CHECK_EQ(mkfifo(q, 0600), 0);
	free(q);
	free(p);

	CHECK_EQ(tree_add_path(t, "", d, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	n = tree_lookup(t, "/b.txt");
	CHECK(n && tree_is_reg(n) && n->size == 5);
	CHECK(n && n->link_id > 0 && n->nlink == 2);
	{
		struct tree_node *h = tree_lookup(t, "/hard");
		CHECK(h && h->link_id == n->link_id && h->link_first == n);
	}
	n = tree_lookup(t, "/link");
	CHECK(n && tree_is_lnk(n));
	CHECK_STR(n ? n->symlink : NULL, "../outside/target");
	CHECK(n && n->link_id > 0 && n->nlink == 2);
	CHECK(n && tree_lookup(t, "/link2") && tree_lookup(t, "/link2")->link_first == n);
	n = tree_lookup(t, "/fifo");
	CHECK(n && S_ISFIFO(n->mode));
	n = tree_lookup(t, "/sub");
	CHECK(n && (n->mode & 0777) == 0700 && n->nlink == 2);
	CHECK_EQ(t->root->nlink, 3);
	{
		char *path = tree_node_path(tree_lookup(t, "/sub/a.txt"));
		CHECK_STR(path, "/sub/a.txt");
		free(path);
	}
	/* graft: target=source file, and a directory placed under a new name */
	{
		char *spec = xasprintf("boot/x.txt=%s/sub/a.txt", d);
		CHECK_EQ(tree_add_graft(t, spec, NULL), 0);
		free(spec);
		spec = xasprintf("copy=%s/sub", d);
		CHECK_EQ(tree_add_graft(t, spec, NULL), 0);
		free(spec);
		CHECK(tree_lookup(t, "/boot/x.txt") && tree_lookup(t, "/boot/x.txt")->size == 3);
		CHECK(tree_lookup(t, "/copy/a.txt") != NULL);
	}
	/* missing source names the path */
	CHECK(tree_add_path(t, "", "/nonexistent/dir", NULL) == -ENOENT);
	CHECK(strstr(err_msg(), "/nonexistent/dir") != NULL);
	tree_destroy(t);
	free(d);
}

TEST(test_tree_epoch_clamp)
{
	struct tree *t;
	struct tree_node *n;
	setenv("SOURCE_DATE_EPOCH", "1000000", 1);
	t = tree_create();
	CHECK_EQ(tree_add_mem_file(t, "/f", "x", 1, 0644, &n), 0);
	n->mtime = 2000000;
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(n->mtime, 1000000);
	CHECK_EQ(t->root->mtime, 1000000);
	tree_destroy(t);
	setenv("SOURCE_DATE_EPOCH", "12x", 1);
	t = tree_create();
	CHECK(tree_finalize(t) < 0);
	CHECK(strstr(err_msg(), "SOURCE_DATE_EPOCH") != NULL);
	tree_destroy(t);
	unsetenv("SOURCE_DATE_EPOCH");
}

TEST(test_output_atomic)
{
	struct out_file *o;
	char *dest = util_path_join(tmp, "out.img");
	uint8_t buf[16];
	struct stat st;
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK_EQ(out_write(o, "hello", 5), 0);
	CHECK_EQ(out_zero(o, 100000), 0);
	CHECK_EQ(out_write(o, "tail", 4), 0);
	CHECK_EQ(out_write_at(o, 1, "EL", 2), 0);
	CHECK_EQ(out_tell(o), 100009);
	CHECK(stat(dest, &st) < 0); /* nothing at the destination yet */
	CHECK_EQ(out_read_at(o, 0, buf, 5), 0);
	CHECK_MEM(buf, "hELlo", 5);
	CHECK_EQ(out_finish(o), 0);
	CHECK(stat(dest, &st) == 0 && st.st_size == 100009);
	{
		int fd = open(dest, O_RDONLY);
		CHECK(pread(fd, buf, 4, 100005) == 4);
		CHECK_MEM(buf, "tail", 4);
		CHECK(pread(fd, buf, 4, 50000) == 4);
		CHECK_MEM(buf, "\0\0\0\0", 4);
		close(fd);
	}
	/* util_read_file reads files larger than its 64 KiB step */
	{
		uint8_t *data;
		size_t len;
		CHECK_EQ(util_read_file(dest, &data, &len), 0);
		CHECK_EQ(len, 100009);
		if (len == 100009)
			CHECK_MEM(data + 100005, "tail", 4);
		free(data);
	}
	/* out_sync: the temporary file holds everything, at its full size */
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK_EQ(out_write(o, "abc", 3), 0);
	CHECK_EQ(out_zero(o, 5000), 0);
	CHECK_EQ(out_sync(o), 0);
	CHECK(out_temp_path(o) != NULL);
	CHECK(stat(out_temp_path(o), &st) == 0 && st.st_size == 5003);
	out_abort(o);
	/* abort leaves nothing, and an existing file is untouched */
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK_EQ(out_write(o, "x", 1), 0);
	out_abort(o);
	CHECK(stat(dest, &st) == 0 && st.st_size == 100009);
	/* write_at past the end is refused */
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK(out_write_at(o, 10, "x", 1) < 0);
	out_abort(o);
	free(dest);
	/* a missing directory is a clear error */
	CHECK(out_open(&o, "/nonexistent-dir/x.iso") < 0);
	CHECK(strstr(err_msg(), "/nonexistent-dir/x.iso") != NULL);
}

TEST(test_output_copy_fd)
{
	struct out_file *o;
	char *src = util_path_join(tmp, "big.src"), *dest = util_path_join(tmp, "big.out");
	size_t n = 300000;
	uint8_t *data = xmalloc(n), *back = xmalloc(n);
	int fd;
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	fd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, data, n) == (ssize_t)n);
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK_EQ(out_write(o, "ab", 2), 0);
	CHECK_EQ(out_copy_fd(o, fd, 0, n, src), 0);
	CHECK_EQ(out_copy_fd(o, fd, 10, 100, src), 0);
	/* the source is shorter than claimed: ERR_CHANGED naming it */
	CHECK_EQ(out_copy_fd(o, fd, n - 10, 100000, src), -ERR_CHANGED);
	CHECK(strstr(err_msg(), "big.src") != NULL);
	out_abort(o);
	CHECK_EQ(out_open(&o, dest), 0);
	CHECK_EQ(out_write(o, "ab", 2), 0);
	CHECK_EQ(out_copy_fd(o, fd, 0, n, src), 0);
	CHECK_EQ(out_finish(o), 0);
	close(fd);
	fd = open(dest, O_RDONLY);
	CHECK(pread(fd, back, n, 2) == (ssize_t)n);
	CHECK_MEM(back, data, n);
	close(fd);
	free(data);
	free(back);
	free(src);
	free(dest);
}

/* util_read_file on a file larger than its first read chunk: all bytes,
 * and a NUL after them. */
TEST(test_read_file)
{
	size_t n = 200000, len = 0;
	char *big = xmalloc(n + 1);
	uint8_t *data = NULL;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = 0;
	write_file("big.txt", big);
	char *p = util_path_join(tmp, "big.txt");
	CHECK_EQ(util_read_file(p, &data, &len), 0);
	CHECK_EQ(len, n);
	if (data && len == n) {
		CHECK_MEM(data, big, n);
		CHECK_EQ(data[n], 0);
	}
	free(data);
	free(p);
	free(big);
}

/* Image-backed nodes: a range of a shared file read in place, and bytes a
 * reader decodes; both readable and copyable, the image freed once. */
static int img_destroyed;
static int xor_pread(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off)
{
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((off + i) ^ n->src_aux);
	return 0;
}
static void xor_destroy(struct tree_img *img)
{
	img_destroyed++;
}
TEST(test_tree_img_sources)
{
	static const struct tree_img_ops xor_ops = {.pread = xor_pread, .destroy = xor_destroy};
	struct tree *t = tree_create();
	struct tree_node *r = NULL, *x = NULL;
	struct tree_img *file, *dec;
	struct out_file *o = NULL;
	char *p = util_path_join(tmp, "img.bin"), *q = util_path_join(tmp, "img.out");
	uint8_t buf[64], want[64];
	uint8_t *data = NULL;
	size_t len = 0;
	int fd;
	write_file("img.bin", "0123456789abcdefghij");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	file = tree_img_create(fd, p, NULL, NULL);
	dec = tree_img_create(-1, "dec", &xor_ops, NULL);
	CHECK(file->dev != dec->dev && (file->dev >> 63));
	CHECK_EQ(tree_add_mem_file(t, "r", "", 0, 0644, &r), 0);
	CHECK_EQ(tree_add_mem_file(t, "x", "", 0, 0644, &x), 0);
	r->size = 5;
	tree_node_set_img(r, file, 10, 0);
	x->size = 40;
	tree_node_set_img(x, dec, 0, 0x5a);
	tree_img_unref(file);
	tree_img_unref(dec);
	CHECK_EQ(r->src, TREE_SRC_RANGE);
	CHECK_EQ(x->src, TREE_SRC_IMAGE);
	CHECK(tree_node_has_fd(r) && !tree_node_has_fd(x));
	CHECK_EQ(tree_node_pread(r, -1, buf, 5, 0), 0);
	CHECK_MEM(buf, "abcde", 5);
	CHECK(tree_node_pread(r, -1, buf, 2, 4) < 0); /* past the node's end */
	CHECK_EQ(tree_node_open(x), -1);
	fd = tree_node_open(r);
	CHECK(fd >= 0);
	CHECK_EQ(out_open(&o, q), 0);
	CHECK_EQ(tree_node_copy_out(r, fd, o, 1, 4), 0);
	CHECK_EQ(tree_node_copy_out(x, -1, o, 0, 40), 0);
	CHECK_EQ(out_finish(o), 0);
	close(fd);
	CHECK_EQ(util_read_file(q, &data, &len), 0);
	CHECK_EQ(len, 44);
	for (int i = 0; i < 40; i++)
		want[i] = (uint8_t)(i ^ 0x5a);
	if (len == 44) {
		CHECK_MEM(data, "bcde", 4);
		CHECK_MEM(data + 4, want, 40);
	}
	{
		char *s = tree_node_src_name(x);
		CHECK_STR(s, "dec:/x");
		free(s);
	}
	CHECK_EQ(img_destroyed, 0);
	tree_destroy(t);
	CHECK_EQ(img_destroyed, 1);
	free(data);
	free(p);
	free(q);
}

/* An image source over a host file, and over a node of that "image". */
TEST(test_imgsrc)
{
	struct imgsrc a, b;
	struct tree *t = tree_create();
	struct tree_node *n = NULL;
	struct tree_img *img;
	uint64_t base = 99;
	char buf[8];
	char *p = util_path_join(tmp, "src.bin");
	write_file("src.bin", "0123456789ABCDEF");
	CHECK_EQ(imgsrc_open_path(&a, p), 0);
	CHECK_EQ(a.size, 16);
	CHECK_EQ(imgsrc_pread(&a, buf, 4, 12), 0);
	CHECK_MEM(buf, "CDEF", 4);
	CHECK(imgsrc_pread(&a, buf, 4, 13) < 0);
	CHECK(strstr(err_msg(), "offset 13") != NULL);
	CHECK(imgsrc_host_img(&a, &base) != NULL);
	CHECK_EQ(base, 0);
	/* a 6-byte file at offset 4 of that image */
	CHECK_EQ(tree_add_mem_file(t, "inner", "", 0, 0644, &n), 0);
	n->size = 6;
	tree_node_set_img(n, imgsrc_host_img(&a, &base), 4, 0);
	CHECK_EQ(imgsrc_open_node(&b, n, NULL), 0);
	tree_destroy(t);
	imgsrc_close(&a); /* b keeps the file open */
	{
		char *want = xasprintf("%s:/inner", p);
		CHECK_STR(b.name, want);
		free(want);
	}
	CHECK_EQ(imgsrc_pread(&b, buf, 6, 0), 0);
	CHECK_MEM(buf, "456789", 6);
	img = imgsrc_host_img(&b, &base);
	CHECK(img != NULL);
	CHECK_EQ(base, 4);
	CHECK(imgsrc_pread(&b, buf, 1, 6) < 0);
	imgsrc_close(&b);
	free(p);
}

/* Entries of tmp/sub whose name holds "mklive-" (named temporary files). */
static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strstr(e->d_name, "mklive-") != NULL;
	closedir(d);
	return n;
}

TEST(test_output_destinations)
{
	char *dir = util_path_join(tmp, "dest"), *real, *link, *nul, *fifo;
	struct out_file *o;
	struct stat st;
	int fd;
	mkdir(dir, 0755);
	real = util_path_join(dir, "real.img");
	link = util_path_join(dir, "link.img");
	nul = util_path_join(dir, "null");
	fifo = util_path_join(dir, "fifo");
	/* no named file while writing (O_TMPFILE), one name only when handed
	 * to another program */
	CHECK_EQ(out_open(&o, real), 0);
	CHECK_EQ(out_write(o, "abc", 3), 0);
	CHECK(out_can_seek(o));
	CHECK_EQ(count_temps(dir), 0);
	CHECK(out_temp_path(o) == NULL);
	CHECK_EQ(out_sync(o), 0);
	CHECK(out_temp_path(o) != NULL);
	CHECK_EQ(count_temps(dir), 1);
	CHECK_EQ(out_finish(o), 0);
	CHECK_EQ(count_temps(dir), 0);
	CHECK(stat(real, &st) == 0 && st.st_size == 3);
	/* a replaced file keeps its mode */
	CHECK_EQ(chmod(real, 0640), 0);
	CHECK_EQ(out_open(&o, real), 0);
	CHECK_EQ(out_write(o, "abcd", 4), 0);
	CHECK_EQ(out_finish(o), 0);
	CHECK(stat(real, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_size == 4);
	/* a symbolic link is written through, and stays a link */
	CHECK_EQ(symlink("real.img", link), 0);
	CHECK_EQ(out_open(&o, link), 0);
	CHECK_EQ(out_write(o, "12345", 5), 0);
	CHECK_EQ(out_finish(o), 0);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat(real, &st) == 0 && st.st_size == 5 && (st.st_mode & 07777) == 0640);
	/* an input that is the destination itself is refused */
	fd = open(real, O_RDONLY);
	CHECK_EQ(out_open(&o, link), 0);
	CHECK(out_check_not_input(o, fd, "the input") < 0);
	CHECK(strstr(err_msg(), "is the input the input itself") != NULL);
	out_abort(o);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK_EQ(out_open(&o, real), 0);
	CHECK_EQ(out_check_not_input(o, fd, dir), 0);
	out_abort(o);
	close(fd);
	CHECK(stat(real, &st) == 0 && st.st_size == 5);
	/* a link loop is an error, not a hang */
	{
		char *a = util_path_join(dir, "loop-a"), *b = util_path_join(dir, "loop-b");
		CHECK_EQ(symlink("loop-b", a), 0);
		CHECK_EQ(symlink("loop-a", b), 0);
		CHECK(out_open(&o, a) < 0);
		CHECK(strstr(err_msg(), "symbolic links") != NULL);
		free(a);
		free(b);
	}
	/* a character device is written in place: holes become writes */
	if (geteuid() == 0 && mknod(nul, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		CHECK_EQ(out_open(&o, nul), 0);
		CHECK(out_can_seek(o));
		CHECK_EQ(out_write(o, "x", 1), 0);
		CHECK_EQ(out_zero(o, 1 << 20), 0);
		CHECK_EQ(out_write_at(o, 0, "y", 1), 0);
		CHECK_EQ(out_finish(o), 0);
		CHECK(stat(nul, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
		CHECK_EQ(count_temps(dir), 0);
	}
	/* a FIFO is a stream: appends only */
	if (mkfifo(fifo, 0644) == 0) {
		int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
		char buf[8] = {0};
		CHECK_EQ(out_open(&o, fifo), 0);
		CHECK(!out_can_seek(o));
		CHECK_EQ(out_write(o, "pipe", 4), 0);
		CHECK(out_write_at(o, 0, "P", 1) < 0);
		CHECK(strstr(err_msg(), "must seek back") != NULL);
		CHECK_EQ(out_finish(o), 0);
		CHECK(read(rfd, buf, sizeof buf) == 4 && !memcmp(buf, "pipe", 4));
		close(rfd);
		CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	}
	free(real);
	free(link);
	free(nul);
	free(fifo);
	free(dir);
}

TEST(test_scan_skip_and_cycles)
{
	char *dir = util_path_join(tmp, "cyc"), *out, *sub, *up;
	struct tree_scan_opts so;
	struct tree *t;
	struct tree_node *n;
	mkdir(dir, 0755);
	sub = util_path_join(dir, "sub");
	mkdir(sub, 0755);
	out = util_path_join(dir, "out.img");
	up = util_path_join(sub, "up");
	write_file("cyc/out.img", "old image");
	write_file("cyc/sub/f", "f");
	CHECK_EQ(symlink("..", up), 0);
	memset(&so, 0, sizeof so);
	so.follow_links = true;
	tree_scan_skip_output(&so, out);
	CHECK(so.skip_ino != 0);
	t = tree_create();
	CHECK_EQ(tree_add_path(t, "", dir, &so), 0);
	CHECK(tree_lookup(t, "/out.img") == NULL); /* the output is left out */
	CHECK((n = tree_lookup(t, "/sub/f")) != NULL && tree_is_reg(n));
	/* the link to an ancestor is stored as the link, not followed */
	CHECK((n = tree_lookup(t, "/sub/up")) != NULL && tree_is_lnk(n) && !strcmp(n->symlink, ".."));
	CHECK_EQ(t->nnodes, 4);
	tree_destroy(t);
	/* naming the output as a source is refused */
	t = tree_create();
	CHECK(tree_add_path(t, "x", out, &so) < 0);
	CHECK(strstr(err_msg(), "is the output itself") != NULL);
	tree_destroy(t);
	/* no output file yet: nothing to skip */
	tree_scan_skip_output(&so, sub);
	CHECK_EQ(so.skip_ino, 0);
	free(up);
	free(sub);
	free(out);
	free(dir);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
