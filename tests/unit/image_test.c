/* Unit tests of the image layer: remastering through image_open_tree
 * (an image inside an image read in place, an overlay added, new images
 * written from it), re-rooting at a directory, nested spec errors, and
 * the extraction's refusals (names leaving the target, symlinks never
 * followed), hard links, and the writer threads (more files than their
 * queue holds, directory modes and times set after their contents, holes,
 * a writer's error stopping the walk). */
#include "core/error.h"
#include "core/tree.h"
#include "image/extract.h"
#include "image/image.h"
#include "iso9660/iso.h"
#include "squashfs/squashfs.h"
#include "test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_SUITE "image"

static char *tmp;

static char *path(const char *name)
{
	static char p[8][4200];
	static int k;
	k = (k + 1) % 8;
	snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
	return p[k];
}

static void write_iso(struct tree *t, const char *out)
{
	struct iso_opts o;
	iso_opts_init(&o);
	o.rock = o.joliet = true;
	o.level = 3;
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(iso_write(t, &o, out, NULL), 0);
}

static char *node_text(const struct tree_node *n)
{
	char *s = calloc(1, (size_t)n->size + 1);
	if (tree_node_pread(n, -1, s, (size_t)n->size, 0) < 0)
		s[0] = 0;
	return s;
}

/* old.iso holds /live/inner.iso holding /etc/hostname: read it in place,
 * add an overlay, and write a squashfs and an ISO from that tree. */
TEST(test_remaster)
{
	struct tree *inner = tree_create(), *outer = tree_create(), *t = NULL, *back = NULL;
	struct tree_node *n;
	struct image_info info;
	struct sqfs_opts so;
	char *s;
	CHECK_EQ(tree_add_mem_file(inner, "/etc/hostname", "live\n", 5, 0644, &n), 0);
	CHECK_EQ(tree_add_mem_file(inner, "/usr/share/doc/big", "0123456789", 10, 0600, &n), 0);
	write_iso(inner, path("inner.iso"));
	CHECK_EQ(tree_add_path(outer, "/live/inner.iso", path("inner.iso"), NULL), 0);
	write_iso(outer, path("old.iso"));

	memset(&info, 0, sizeof info);
	CHECK_EQ(image_open_tree(path("old.iso:/live/inner.iso"), &t, &info), 0);
	if (!t) {
		fprintf(stderr, "  %s\n", err_msg());
		return;
	}
	CHECK_STR(info.format, "iso9660");
	CHECK(strstr(info.name, "old.iso:/live/inner.iso") != NULL);
	n = tree_lookup(t, "/etc/hostname");
	CHECK(n && n->src == TREE_SRC_RANGE); /* in place: a range of the host file */
	if (n) {
		s = node_text(n);
		CHECK_STR(s, "live\n");
		free(s);
	}
	n = tree_lookup(t, "/usr/share/doc/big");
	CHECK(n && (n->mode & 07777) == 0600);
	/* the overlay, then new images from the mixed tree */
	CHECK_EQ(tree_add_mem_file(t, "/etc/motd", "remastered\n", 11, 0644, &n), 0);
	CHECK_EQ(tree_finalize(t), 0);
	sqfs_opts_init(&so);
	CHECK_EQ(sqfs_write(t, &so, path("new.squashfs"), NULL), 0);
	{
		struct iso_opts o;
		iso_opts_init(&o);
		o.rock = true;
		CHECK_EQ(iso_write(t, &o, path("new.iso"), NULL), 0);
	}
	image_info_free(&info);
	tree_destroy(t);
	CHECK_EQ(image_open_tree(path("new.iso"), &back, NULL), 0);
	if (back) {
		n = tree_lookup(back, "/etc/motd");
		CHECK(n != NULL);
		if (n) {
			s = node_text(n);
			CHECK_STR(s, "remastered\n");
			free(s);
		}
		n = tree_lookup(back, "/etc/hostname");
		CHECK(n != NULL);
		if (n) {
			s = node_text(n);
			CHECK_STR(s, "live\n");
			free(s);
		}
	}
	tree_destroy(back);
	tree_destroy(inner);
	tree_destroy(outer);
}

TEST(test_reroot_and_errors)
{
	struct tree *t = NULL;
	struct tree_node *n;
	struct image_info info;
	CHECK_EQ(image_open_tree(path("old.iso:/live"), &t, NULL), 0);
	CHECK(t && tree_lookup(t, "/inner.iso") && t->root->nchildren == 1);
	tree_destroy(t);
	t = NULL;
	CHECK(image_open_tree(path("old.iso:/nope"), &t, NULL) < 0 && strstr(err_msg(), "no file /nope"));
	CHECK(image_open_tree(path("missing.iso"), &t, NULL) < 0 && strstr(err_msg(), "missing.iso"));
	/* a spec ending in ':' goes into the image; without, the file is named */
	CHECK_EQ(image_open(path("old.iso:/live/inner.iso"), 0, &t, &n, &info), 0);
	CHECK(n && tree_is_reg(n));
	image_info_free(&info);
	tree_destroy(t);
	CHECK_EQ(image_open(path("old.iso:/live/inner.iso:"), 0, &t, &n, &info), 0);
	CHECK(n && n == t->root && tree_lookup(t, "/etc/hostname"));
	image_info_free(&info);
	tree_destroy(t);
	err_clear();
}

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

TEST(test_extract_refuses)
{
	struct tree *t = tree_create();
	struct tree_node *n, *l;
	struct extract_opts o;
	struct extract_stats st;
	extract_opts_init(&o);
	mkdir(path("outside"), 0755);
	/* a name that a hostile reader let through */
	CHECK_EQ(tree_add_mem_file(t, "/d/evil", "x", 1, 0644, &n), 0);
	free(n->name);
	n->name = strdup("..");
	CHECK(image_extract(t->root, path("t1"), &o, &st) < 0 && strstr(err_msg(), "unsafe file name"));
	free(n->name);
	n->name = strdup("a/../../outside/evil");
	CHECK(image_extract(t->root, path("t1"), &o, &st) < 0 && strstr(err_msg(), "unsafe file name"));
	CHECK(!exists(path("outside/evil")));
	tree_destroy(t);

	/* a symlink out of the target, then (a second image) a file and a
	 * directory of the same names: neither is written through the link */
	t = tree_create();
	CHECK_EQ(tree_add_child(t, t->root, "x", S_IFLNK | 0777, &l), 0);
	l->symlink = strdup("../outside");
	l->size = strlen(l->symlink);
	CHECK_EQ(tree_add_child(t, t->root, "y", S_IFLNK | 0777, &l), 0);
	l->symlink = strdup("../outside");
	l->size = strlen(l->symlink);
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(image_extract(t->root, path("t2"), &o, &st), 0);
	CHECK_EQ(st.symlinks, 2);
	tree_destroy(t);
	t = tree_create();
	CHECK_EQ(tree_add_mem_file(t, "/x", "inside\n", 7, 0644, &n), 0);
	CHECK_EQ(tree_add_mem_file(t, "/y/file", "inside\n", 7, 0644, &n), 0);
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(image_extract(t->root, path("t2"), &o, &st), 0);
	{
		struct stat sb;
		CHECK(lstat(path("t2/x"), &sb) == 0 && S_ISREG(sb.st_mode));
		CHECK(lstat(path("t2/y"), &sb) == 0 && S_ISDIR(sb.st_mode));
		CHECK(!exists(path("outside/x")) && !exists(path("outside/file")));
	}
	tree_destroy(t);
}

TEST(test_extract_hardlinks)
{
	struct tree *t = tree_create();
	struct tree_node *a, *b;
	struct extract_opts o;
	struct extract_stats st;
	struct stat sa, sb;
	extract_opts_init(&o);
	CHECK_EQ(tree_add_mem_file(t, "/a/one", "same\n", 5, 0640, &a), 0);
	CHECK_EQ(tree_add_mem_file(t, "/b/two", "same\n", 5, 0640, &b), 0);
	a->src_dev = b->src_dev = 1ull << 63;
	a->src_ino = b->src_ino = 42;
	a->mtime = b->mtime = 1500000000;
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(image_extract(t->root, path("t3"), &o, &st), 0);
	CHECK_EQ(st.hardlinks, 1);
	CHECK(stat(path("t3/a/one"), &sa) == 0 && stat(path("t3/b/two"), &sb) == 0);
	CHECK(sa.st_ino == sb.st_ino && sa.st_nlink == 2 && (sa.st_mode & 07777) == 0640);
	CHECK_EQ(sa.st_mtime, 1500000000);
	tree_destroy(t);
}

TEST(test_extract_writers)
{
	struct tree *t = tree_create();
	struct tree_node *n, *d, *first = NULL, *last = NULL;
	struct extract_opts o;
	struct extract_stats st;
	struct stat sb, sl;
	static uint8_t sparse[3u << 20]; /* zeros but its last byte: two holes */
	char p[64], buf[16];
	int fd;
	extract_opts_init(&o);
	o.threads = 3;
	/* 600 files in 30 directories, more than the writers' queue holds */
	for (int i = 0; i < 600; i++) {
		snprintf(p, sizeof p, "/d%02d/f%03d", i % 30, i);
		snprintf(buf, sizeof buf, "%d\n", i);
		CHECK_EQ(tree_add_mem_file(t, p, buf, strlen(buf), 0444, &n), 0);
		n->mtime = 1400000000 + i;
		if (i == 0)
			first = n;
	}
	/* a hard link right after its first name: the walk waits for a writer */
	CHECK_EQ(tree_add_mem_file(t, "/d00/f000x", "0\n", 2, 0444, &last), 0);
	first->src_dev = last->src_dev = 1ull << 63;
	first->src_ino = last->src_ino = 1ull << 40;
	sparse[sizeof sparse - 1] = 1;
	CHECK_EQ(tree_add_mem_file(t, "/d00/sparse", sparse, sizeof sparse, 04755, &n), 0);
	d = tree_lookup(t, "/d05");
	d->mode = S_IFDIR | 0555; /* read-only: set after its files are in */
	d->mtime = 1300000000;
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(image_extract(t->root, path("t4"), &o, &st), 0);
	CHECK_EQ(st.files, 601); /* and the sparse one */
	CHECK_EQ(st.hardlinks, 1);
	CHECK_EQ(st.dirs, 30);
	CHECK(stat(path("t4/d05/f005"), &sb) == 0 && (sb.st_mode & 07777) == 0444 &&
	      sb.st_mtime == 1400000005);
	CHECK(stat(path("t4/d05"), &sb) == 0 && (sb.st_mode & 07777) == 0555 && sb.st_mtime == 1300000000);
	CHECK(stat(path("t4/d00/f000"), &sb) == 0 && stat(path("t4/d00/f000x"), &sl) == 0);
	CHECK(sb.st_ino == sl.st_ino && sb.st_nlink == 2);
	CHECK(stat(path("t4/d00/sparse"), &sb) == 0 && sb.st_size == (off_t)sizeof sparse &&
	      (sb.st_mode & 07777) == 04755 && sb.st_blocks * 512 < (off_t)sizeof sparse);
	fd = open(path("t4/d00/sparse"), O_RDONLY);
	CHECK(fd >= 0 && pread(fd, buf, 1, (off_t)sizeof sparse - 1) == 1 && buf[0] == 1);
	if (fd >= 0)
		close(fd);
	chmod(path("t4/d05"), 0755);

	/* a directory in the way of a file, met by a writer: the extraction
	 * fails naming it, and the walk stops */
	mkdir(path("t5"), 0755);
	mkdir(path("t5/d03"), 0755);
	mkdir(path("t5/d03/f003"), 0755);
	CHECK(image_extract(t->root, path("t5"), &o, &st) < 0 && strstr(err_msg(), "t5/d03/f003") &&
	      strstr(err_msg(), "a directory is in the way"));
	tree_destroy(t);
}

int main(void)
{
	tmp = test_tmpdir();
	unsetenv("SOURCE_DATE_EPOCH");
	RUN_ALL();
	TEST_EXIT();
}
