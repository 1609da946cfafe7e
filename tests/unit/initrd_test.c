/* Unit tests for the initramfs builder: cpio newc records byte by byte,
 * and kernel-module selection (closure, trimmed indexes). */
#define TEST_SUITE "initrd"
#include "test.h"

#include "archive/cpio.h"
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "live/kmod.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

TEST(test_cpio_header)
{
	uint8_t h[CPIO_HEADER_SIZE];
	struct cpio_hdr f = {.ino = 1,
			     .mode = 0100644,
			     .nlink = 1,
			     .mtime = 1700000000,
			     .filesize = 5,
			     .rdevmajor = 5,
			     .rdevminor = 1,
			     .namesize = 5};
	cpio_encode_header(h, &f);
	/* cpio(5) "New ASCII Format": magic, then 13 fields of 8 hex digits. */
	CHECK_MEM(h,
		  "070701"
		  "00000001"  /* ino */
		  "000081A4"  /* mode 0100644 */
		  "00000000"  /* uid */
		  "00000000"  /* gid */
		  "00000001"  /* nlink */
		  "6553F100"  /* mtime 1700000000 */
		  "00000005"  /* filesize */
		  "00000000"  /* devmajor */
		  "00000000"  /* devminor */
		  "00000005"  /* rdevmajor */
		  "00000001"  /* rdevminor */
		  "00000005"  /* namesize, NUL included */
		  "00000000", /* check */
		  CPIO_HEADER_SIZE);
}

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static int mem_sink(void *ctx, const void *buf, size_t n)
{
	struct membuf *m = ctx;
	util_grow(&m->p, &m->cap, m->len + n, 1);
	memcpy(m->p + m->len, buf, n);
	m->len += n;
	return 0;
}

TEST(test_cpio_tree)
{
	struct tree *t = tree_create();
	struct tree_node *n, *dir;
	struct cpio_writer *w;
	struct membuf m = {0};
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK_EQ(tree_add_mem_file(t, "/init", "hello", 5, 0755, NULL), 0);
	CHECK_EQ(tree_mkdir_p(t, "/dev", &dir), 0);
	CHECK_EQ(tree_add_child(t, dir, "console", S_IFCHR | 0600, &n), 0);
	n->rdev = makedev(5, 1);
	CHECK_EQ(tree_add_child(t, dir, "sh", S_IFLNK | 0777, &n), 0);
	n->symlink = xstrdup("../init");
	n->size = 7;
	CHECK_EQ(tree_finalize(t), 0);
	cpio_writer_create(&w, mem_sink, &m);
	CHECK_EQ(cpio_write_tree(w, t), 0);
	CHECK_EQ(cpio_writer_finish(w), 0);
	CHECK_EQ(cpio_writer_bytes(w), m.len);
	CHECK_EQ(m.len % 512, 0);
	/* Sorted walk: dev, dev/console, dev/sh, init, then the trailer. */
	size_t off = 0;
	CHECK_MEM(m.p + off,
		  "070701"
		  "00000001"
		  "000041ED",
		  22);				  /* dev: ino 1, dir 0755 */
	CHECK_MEM(m.p + off + 94, "00000004", 8); /* namesize "dev\0" */
	CHECK_MEM(m.p + off + 110, "dev\0", 4);
	off += 116; /* 110 + 4, padded to 116 */
	CHECK_MEM(m.p + off,
		  "070701"
		  "00000002"
		  "00002180",
		  22); /* console: char 0600 */
	CHECK_MEM(m.p + off + 78,
		  "00000005"
		  "00000001",
		  16); /* rdev 5:1 */
	CHECK_MEM(m.p + off + 110, "dev/console\0", 12);
	off += 124; /* 110 + 12 = 122 -> 124 */
	CHECK_MEM(m.p + off + 6,
		  "00000003"
		  "0000A1FF",
		  16);				  /* symlink 0777 */
	CHECK_MEM(m.p + off + 54, "00000007", 8); /* target length */
	CHECK_MEM(m.p + off + 110, "dev/sh\0", 7);
	CHECK_MEM(m.p + off + 120, "../init", 7); /* 110 + 7 -> 120 */
	off += 128;
	CHECK_MEM(m.p + off + 6,
		  "00000004"
		  "000081ED",
		  16);
	CHECK_MEM(m.p + off + 46,
		  "6553F100"
		  "00000005",
		  16); /* mtime clamped, size 5 */
	CHECK_MEM(m.p + off + 110, "init\0", 5);
	CHECK_MEM(m.p + off + 116, "hello\0\0\0", 8); /* name 115 -> 116; data padded to 124 */
	off += 124;
	CHECK_MEM(m.p + off,
		  "070701"
		  "00000000",
		  14);
	CHECK_MEM(m.p + off + 110, "TRAILER!!!\0", 11);
	for (size_t i = off + 121; i < m.len; i++)
		if (m.p[i]) {
			CHECK(!"padding after the trailer is zero");
			break;
		}
	cpio_writer_destroy(w);
	tree_destroy(t);
	free(m.p);
}

/* Hard links share the inode number; the data travels with the first name
 * (the kernel links later names to it and skips their bodies). */
TEST(test_cpio_hardlinks)
{
	char *dir = test_tmpdir(), path[600], path2[600];
	struct tree *t = tree_create();
	struct cpio_writer *w;
	struct membuf m = {0};
	FILE *f;
	snprintf(path, sizeof path, "%s/a", dir);
	snprintf(path2, sizeof path2, "%s/b", dir);
	f = fopen(path, "w");
	fputs("data", f);
	fclose(f);
	CHECK_EQ(link(path, path2), 0);
	CHECK_EQ(tree_add_path(t, "/x", dir, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	cpio_writer_create(&w, mem_sink, &m);
	CHECK_EQ(cpio_write_tree(w, t), 0);
	/* x (dir), x/a (data), x/b (no data, same ino). */
	size_t off = 112; /* "x\0" */
	CHECK_MEM(m.p + off + 6, "00000002", 8);
	CHECK_MEM(m.p + off + 38, "00000002", 8); /* nlink */
	CHECK_MEM(m.p + off + 54, "00000004", 8); /* size */
	off += 116 + 4;
	CHECK_MEM(m.p + off + 6, "00000002", 8);
	CHECK_MEM(m.p + off + 54, "00000000", 8);
	cpio_writer_destroy(w);
	tree_destroy(t);
	free(m.p);
}

static const char dep_text[] =
    "kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/scsi/scsi_common.ko:\n"
    "kernel/drivers/scsi/sr_mod.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko "
    "kernel/drivers/cdrom/cdrom.ko\n"
    "kernel/drivers/cdrom/cdrom.ko:\n"
    "kernel/drivers/ata/libata.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/ata_piix.ko: kernel/drivers/ata/libata.ko kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/pata/pata_x.ko: kernel/drivers/ata/libata.ko\n"
    "kernel/drivers/usb/storage/usb-storage.ko: kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\n"
    "kernel/fs/jbd2/jbd2.ko:\n"
    "kernel/crypto/crc32c_generic.ko:\n"
    "kernel/net/unrelated.ko:\n";
static const char alias_text[] = "# Aliases extracted from modules themselves.\n"
				 "alias pci:v00008086d00007010sv*sd*bc*sc*i* ata_piix\n"
				 "alias scsi:t-0x05* sr_mod\n"
				 "alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage\n"
				 "alias crypto-crc32c crc32c_generic\n"
				 "alias net-pf-99 unrelated\n";
static const char softdep_text[] = "softdep ext4 pre: crypto-crc32c\n"
				   "softdep unrelated pre: ext4\n";

TEST(test_kmod_closure)
{
	struct kmod_set *s;
	CHECK_EQ(kmod_set_parse(&s, dep_text, alias_text, softdep_text), 0);
	CHECK_EQ(kmod_set_add(s, "sr-mod"), 1);
	CHECK_EQ(kmod_set_add(s, "nonexistent"), 0);
	kmod_set_add_deps(s);
	CHECK_EQ(kmod_set_count(s), 4);
	CHECK_STR(kmod_set_path(s, 0), "kernel/drivers/scsi/scsi_mod.ko");
	CHECK_STR(kmod_set_path(s, 3), "kernel/drivers/cdrom/cdrom.ko");
	CHECK(kmod_set_path(s, 4) == NULL);
	CHECK(kmod_set_has(s, "cdrom") && !kmod_set_has(s, "libata"));
	char *dep = kmod_set_dep_text(s), *alias = kmod_set_alias_text(s), *soft = kmod_set_softdep_text(s);
	CHECK_STR(dep, "kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko\n"
		       "kernel/drivers/scsi/scsi_common.ko:\n"
		       "kernel/drivers/scsi/sr_mod.ko: kernel/drivers/scsi/scsi_mod.ko "
		       "kernel/drivers/scsi/scsi_common.ko kernel/drivers/cdrom/cdrom.ko\n"
		       "kernel/drivers/cdrom/cdrom.ko:\n");
	CHECK_STR(alias, "alias scsi:t-0x05* sr_mod\n");
	CHECK_STR(soft, "");
	free(dep);
	free(alias);
	free(soft);
	/* softdep pre: named through an alias. */
	CHECK_EQ(kmod_set_add(s, "ext4"), 1);
	kmod_set_add_deps(s);
	CHECK(kmod_set_has(s, "jbd2") && kmod_set_has(s, "crc32c_generic"));
	CHECK(!kmod_set_has(s, "unrelated"));
	soft = kmod_set_softdep_text(s);
	CHECK_STR(soft, "softdep ext4 pre: crypto-crc32c\n");
	free(soft);
	kmod_set_destroy(s);
}

TEST(test_kmod_patterns)
{
	struct kmod_set *s;
	CHECK_EQ(kmod_set_parse(&s, dep_text, alias_text, NULL), 0);
	/* '*' does not cross '/': the pata/ subdirectory is not included. */
	CHECK_EQ(kmod_set_add(s, "kernel/drivers/ata/*.ko"), 2);
	CHECK(!kmod_set_has(s, "pata_x"));
	CHECK_EQ(kmod_set_add(s, "kernel/drivers/*.ko"), 0);
	kmod_set_add_deps(s);
	CHECK_EQ(kmod_set_count(s), 4); /* libata, ata_piix, scsi_mod, scsi_common */
	CHECK_EQ(kmod_set_add_profile(s, "huge"), -ERR_USAGE);
	CHECK(strstr(err_msg(), "huge") != NULL);
	CHECK_EQ(kmod_set_add_profile(s, "generic+wifi"), -ERR_USAGE);
	CHECK_EQ(kmod_set_add_profile(s, "+net"), -ERR_USAGE);
	kmod_set_destroy(s);
}

/* The net set: drivers with their dependencies (virtio_net needs
 * net_failover and failover; USB adapters need usbnet, mii). */
TEST(test_kmod_net)
{
	static const char dep[] = "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
				  "kernel/net/core/failover.ko\n"
				  "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
				  "kernel/net/core/failover.ko:\n"
				  "kernel/drivers/net/usb/asix.ko: kernel/drivers/net/usb/usbnet.ko "
				  "kernel/drivers/net/mii.ko\n"
				  "kernel/drivers/net/usb/usbnet.ko: kernel/drivers/net/mii.ko\n"
				  "kernel/drivers/net/mii.ko:\n"
				  "kernel/drivers/net/wireless/foo.ko:\n"
				  "kernel/fs/isofs/isofs.ko:\n";
	struct kmod_set *s;
	CHECK_EQ(kmod_set_parse(&s, dep, NULL, NULL), 0);
	CHECK_EQ(kmod_set_add_profile(s, "minimal"), 0);
	kmod_set_add_deps(s);
	CHECK(!kmod_set_has(s, "virtio_net") && kmod_set_has(s, "isofs"));
	kmod_set_destroy(s);
	CHECK_EQ(kmod_set_parse(&s, dep, NULL, NULL), 0);
	CHECK_EQ(kmod_set_add_profile(s, "minimal+net"), 0);
	kmod_set_add_deps(s);
	CHECK(kmod_set_has(s, "virtio_net") && kmod_set_has(s, "net_failover") &&
	      kmod_set_has(s, "failover"));
	CHECK(kmod_set_has(s, "asix") && kmod_set_has(s, "usbnet") && kmod_set_has(s, "mii"));
	CHECK(!kmod_set_has(s, "foo"));
	kmod_set_destroy(s);
	CHECK_EQ(kmod_set_parse(&s, dep, NULL, NULL), 0);
	kmod_set_add_net(s);
	kmod_set_add_deps(s);
	CHECK_EQ(kmod_set_count(s), 6);
	kmod_set_destroy(s);
}

/* A module from outside the tree (cloop.ko from cloop-src): carried as
 * extra/NAME.ko with its .modinfo dependencies. */
TEST(test_kmod_file)
{
	char *dir = test_tmpdir(), p[600], bad[600];
	static const char ko[] = "\177ELF\2\1\1\0stuff\0license=GPL\0depends=cdrom,scsi_mod\0vermagic=6.1\0";
	static const char ko2[] = "\177ELF\2\1\1\0\0depends=nothere\0";
	struct kmod_set *s;
	FILE *f;
	snprintf(p, sizeof p, "%s/my-mod.ko", dir);
	f = fopen(p, "w");
	fwrite(ko, 1, sizeof ko, f);
	fclose(f);
	snprintf(bad, sizeof bad, "%s/bad.ko", dir);
	f = fopen(bad, "w");
	fwrite(ko2, 1, sizeof ko2, f);
	fclose(f);
	CHECK_EQ(kmod_set_parse(&s, dep_text, alias_text, NULL), 0);
	CHECK_EQ(kmod_set_add_file(s, p), 0);
	kmod_set_add_deps(s);
	CHECK_EQ(kmod_set_count(s), 4); /* my_mod, cdrom, scsi_mod, scsi_common */
	CHECK(kmod_set_has(s, "my_mod") && kmod_set_has(s, "scsi_common"));
	char *dep = kmod_set_dep_text(s);
	CHECK(
	    strstr(dep, "extra/my_mod.ko: kernel/drivers/cdrom/cdrom.ko kernel/drivers/scsi/scsi_mod.ko\n") !=
	    NULL);
	free(dep);
	for (size_t i = 0; i < kmod_set_count(s); i++)
		if (!strcmp(kmod_set_path(s, i), "extra/my_mod.ko"))
			CHECK_STR(kmod_set_source(s, i), p);
		else
			CHECK(kmod_set_source(s, i) == NULL);
	CHECK(kmod_set_add_file(s, bad) < 0);
	CHECK(strstr(err_msg(), "nothere") != NULL);
	CHECK(kmod_set_add_file(s, "/nonexistent.ko") < 0);
	kmod_set_destroy(s);
	/* the module's own name (.modinfo name=), not its file's: a
	 * cloop-6.1.ko is carried as extra/cloop.ko */
	static const char ko3[] = "\177ELF\2\1\1\0\0license=GPL\0depends=\0name=cloop\0vermagic=6.1\0";
	snprintf(p, sizeof p, "%s/cloop-6.1.ko", dir);
	f = fopen(p, "w");
	fwrite(ko3, 1, sizeof ko3, f);
	fclose(f);
	CHECK_EQ(kmod_set_parse(&s, dep_text, alias_text, NULL), 0);
	CHECK_EQ(kmod_set_add_file(s, p), 0);
	kmod_set_add_deps(s);
	CHECK(kmod_set_has(s, "cloop"));
	CHECK(!kmod_set_has(s, "cloop_6"));
	dep = kmod_set_dep_text(s);
	CHECK(strstr(dep, "extra/cloop.ko:\n") != NULL);
	free(dep);
	kmod_set_destroy(s);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
