/* Unit tests for the pure logic of mklive-init (the init/ sources, built here for the
 * host): boot parameters, modalias matching, module load order, device
 * probing on image files, and the tar reader's refusal to leave its tree. */
#define TEST_SUITE "init"
#include "test.h"

#include "core/util.h"

#include "../../init/cmdline.c"
#include "../../init/modalias.c"
#include "../../init/persist_why.c"
#include "../../init/probe.c"
#include "../../init/tar.c"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static void skip(const char *what, const char *why)
{
	printf("SKIP: %s/%s (%s)\n", TEST_SUITE, what, why);
}

/* ---- command line -------------------------------------------------------- */
/* ---- why no persistence store was used --------------------------------------- */
TEST(test_persist_missing_says_why)
{
	char notes[512] = "", msg[1024];
	struct probe_info vfat = {PROBE_VFAT, LIVE_PERSIST_LABEL}, other = {PROBE_EXT4, "data"}, none = {0};
	live_persist_missing(notes, msg, sizeof msg);
	CHECK_STR(msg, "no partition labelled mklive-rw and no /mklive-rw.img on a FAT or ext4 partition");
	/* a partition that is not ours is not worth a word */
	live_persist_note(notes, sizeof notes, "sda1", "", 0, &other);
	CHECK_STR(notes, "");
	/* unreadable: said, with its GPT name when it has one */
	live_persist_note(notes, sizeof notes, "sdb2", LIVE_PERSIST_LABEL, EIO, &none);
	live_persist_note(notes, sizeof notes, "sdc1", "", 0, &vfat);
	live_persist_missing(notes, msg, sizeof msg);
	CHECK_STR(msg,
		  "no usable partition labelled mklive-rw: /dev/sdb2 (partition name mklive-rw) cannot be "
		  "read (Input/output error; it may be the store); /dev/sdc1 is labelled mklive-rw but "
		  "holds vfat, not ext4; and no /mklive-rw.img on a FAT or ext4 partition");
}

TEST(test_cmdline_persistence_check)
{
	struct live_opts o;
	live_opts_default(&o);
	CHECK(!o.persistence && !o.check);
	CHECK_EQ(live_cmdline_parse("quiet live.persistence live.check", &o), 0);
	CHECK(o.persistence && o.check);
	CHECK_EQ(live_cmdline_parse("live.persistence=off live.check=0", &o), 0);
	CHECK(!o.persistence && !o.check);
	CHECK_EQ(live_cmdline_parse("live.persistence=maybe", &o), 1);
	CHECK(!o.persistence);
}

TEST(test_cmdline_defaults)
{
	struct live_opts o;
	live_opts_default(&o);
	CHECK_EQ(live_cmdline_parse("BOOT_IMAGE=/boot/vmlinuz ro quiet console=ttyS0", &o), 0);
	CHECK_STR(o.id, "");
	CHECK(!o.toram && !o.shell && !o.debug);
	CHECK_EQ(o.writable, LIVE_OVERLAY);
	CHECK_EQ(o.timeout, 30);
	CHECK_STR(o.init, "/sbin/init");
	CHECK_STR(o.overlay_size, "50%");
}

TEST(test_cmdline_all)
{
	struct live_opts o;
	live_opts_default(&o);
	CHECK_EQ(live_cmdline_parse("quiet live.id=2f1c-99 live.toram live.writable=tgz\n"
				    "live.timeout=5 live.shell live.debug=1 live.init=/bin/sh "
				    "live.overlay_size=512m console=ttyS0\n",
				    &o),
		 0);
	CHECK_STR(o.id, "2f1c-99");
	CHECK(o.toram && o.shell && o.debug);
	CHECK_EQ(o.writable, LIVE_TGZ);
	CHECK_EQ(o.timeout, 5);
	CHECK_STR(o.init, "/bin/sh");
	CHECK_STR(o.overlay_size, "512m");
	/* Later words win; "=0" turns a flag off; quotes group (lib/cmdline.c). */
	CHECK_EQ(live_cmdline_parse("live.toram=0 live.id=\"a b\" \"live.init=/x y\"", &o), 0);
	CHECK(!o.toram);
	CHECK_STR(o.id, "a b");
	CHECK_STR(o.init, "/x y");
}

TEST(test_cmdline_garbage)
{
	struct live_opts o;
	char longid[400];
	live_opts_default(&o);
	memset(longid, 'x', sizeof longid);
	memcpy(longid, "live.id=", 8);
	longid[sizeof longid - 1] = 0;
	CHECK_EQ(live_cmdline_parse("live.timeout=abc live.timeout=-1 live.writable=foo live.bogus=1 "
				    "live.init=sbin/init live.overlay_size=lots live.toram=maybe live.id=",
				    &o),
		 8);
	CHECK_EQ(o.timeout, 30);
	CHECK_EQ(o.writable, LIVE_OVERLAY);
	CHECK_STR(o.init, "/sbin/init");
	CHECK_STR(o.overlay_size, "50%");
	CHECK(!o.toram);
	CHECK(strstr(o.warnings, "live.bogus") != NULL);
	CHECK(strstr(o.warnings, "live.writable") != NULL);
	live_opts_default(&o);
	CHECK_EQ(live_cmdline_parse(longid, &o), 1);
	CHECK_STR(o.id, "");
	/* Not ours: no warnings. */
	live_opts_default(&o);
	CHECK_EQ(live_cmdline_parse("livecd=1 live=2 init=/bin/sh", &o), 0);
}

/* ---- modules ------------------------------------------------------------- */
/* Lines as they are in Debian 6.1's /lib/modules/VER/modules.*. */
static const char dep_text[] =
    "kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/scsi/scsi_common.ko:\n"
    "kernel/drivers/scsi/sr_mod.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko "
    "kernel/drivers/cdrom/cdrom.ko\n"
    "kernel/drivers/cdrom/cdrom.ko:\n"
    "kernel/drivers/ata/libata.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/ata_piix.ko: kernel/drivers/ata/libata.ko kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/ata_generic.ko: kernel/drivers/ata/libata.ko kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/ahci.ko: kernel/drivers/ata/libahci.ko kernel/drivers/ata/libata.ko "
    "kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/ata/libahci.ko: kernel/drivers/ata/libata.ko kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/drivers/usb/storage/usb-storage.ko: kernel/drivers/scsi/scsi_mod.ko "
    "kernel/drivers/scsi/scsi_common.ko\n"
    "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\n"
    "kernel/fs/jbd2/jbd2.ko:\n"
    "kernel/crypto/crc32c_generic.ko:\n";
static const char alias_text[] = "# Aliases extracted from modules themselves.\n"
				 "alias pci:v00008086d00007010sv*sd*bc*sc*i* ata_piix\n"
				 "alias pci:v*d*sv*sd*bc01sc01i* ata_generic\n"
				 "alias pci:v00008086d*sv*sd*bc01sc01i* ata_generic\n"
				 "alias pci:v*d*sv*sd*bc01sc06i01* ahci\n"
				 "alias pci:v00001B21d00000622sv*sd*bc*sc*i* ahci\n"
				 "alias scsi:t-0x04* sr_mod\n"
				 "alias scsi:t-0x05* sr_mod\n"
				 "alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage\n"
				 "alias crypto-crc32c crc32c_generic\n"
				 "alias fs-ext4 ext4\n";
static const char softdep_text[] = "# Soft dependencies extracted from modules themselves.\n"
				   "softdep ext4 pre: crypto-crc32c\n"
				   "softdep jbd2 pre: crypto-crc32c\n";

static void load_db(struct kmod_db *db)
{
	memset(db, 0, sizeof *db);
	kmod_db_parse_dep(db, dep_text);
	kmod_db_parse_alias(db, alias_text);
	kmod_db_parse_softdep(db, softdep_text);
}

static bool matches(struct kmod_db *db, const char *modalias, const char *module)
{
	int m[16];
	size_t n = kmod_match(db, modalias, m, 16);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(db->mods[m[i]].name, module))
			return true;
	return false;
}

TEST(test_modalias_match)
{
	struct kmod_db db;
	char name[64];
	load_db(&db);
	CHECK_EQ(db.nmods, 13);
	CHECK_EQ(db.naliases, 10);
	kmod_name("kernel/drivers/usb/storage/usb-storage.ko", name, sizeof name);
	CHECK_STR(name, "usb_storage");
	kmod_name("kernel/fs/ext4/ext4.ko.xz", name, sizeof name);
	CHECK_STR(name, "ext4");
	/* QEMU's PIIX3 IDE controller: the id alias and the class aliases. */
	const char *piix = "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80";
	CHECK(matches(&db, piix, "ata_piix"));
	CHECK(matches(&db, piix, "ata_generic"));
	CHECK(!matches(&db, piix, "ahci"));
	int m[16];
	CHECK_EQ(kmod_match(&db, piix, m, 16), 2); /* ata_generic matched twice, counted once */
	/* QEMU's ICH9 AHCI (class 01 06 01). */
	CHECK(matches(&db, "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01", "ahci"));
	CHECK(!matches(&db, "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i00", "ahci"));
	CHECK(matches(&db, "scsi:t-0x05", "sr_mod"));
	CHECK(!matches(&db, "scsi:t-0x00", "sr_mod"));
	CHECK(matches(&db, "usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00", "usb_storage"));
	CHECK(!matches(&db, "usb:v46F4p0001d0000dc00dsc00dp00ic03isc01ip01in00", "usb_storage"));
	CHECK_EQ(kmod_match(&db, "acpi:PNP0303:", m, 16), 0);
	kmod_db_free(&db);
}

/* The installed kernel's whole modules.alias, when there is one. */
TEST(test_modalias_real)
{
	char path[300];
	struct kmod_db db;
	uint8_t *t;
	size_t n;
	FILE *p = popen("ls -d /lib/modules/*/modules.alias 2>/dev/null | head -n 1", "r");
	if (!p || !fgets(path, sizeof path, p)) {
		if (p)
			pclose(p);
		skip("test_modalias_real", "no /lib/modules/*/modules.alias");
		return;
	}
	pclose(p);
	path[strcspn(path, "\n")] = 0;
	CHECK_EQ(util_read_file(path, &t, &n), 0);
	memset(&db, 0, sizeof db);
	/* Only aliases: modules are named by the alias lines. */
	kmod_db_parse_alias(&db, (char *)t);
	free(t);
	CHECK(db.naliases > 1000);
	size_t hits = 0;
	for (size_t i = 0; i < db.naliases; i++)
		if (kmod_alias_match(&db.aliases[i], "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80"))
			hits += !strcmp(db.aliases[i].module, "ata_piix") ||
				!strcmp(db.aliases[i].module, "ata_generic");
	CHECK(hits >= 2);
	hits = 0;
	for (size_t i = 0; i < db.naliases; i++)
		if (kmod_alias_match(&db.aliases[i], "virtio:d00000002v00001AF4"))
			hits += !strcmp(db.aliases[i].module, "virtio_blk");
	CHECK_EQ(hits, 1);
	kmod_db_free(&db);
}

TEST(test_load_order)
{
	struct kmod_db db;
	int order[32];
	size_t n;
	load_db(&db);
	/* modules.dep lists dependencies so that the last is loaded first. */
	n = kmod_load_order(&db, kmod_db_find(&db, "sr_mod"), order, 0, 32);
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK_STR(db.mods[order[0]].name, "cdrom");
		CHECK_STR(db.mods[order[1]].name, "scsi_common");
		CHECK_STR(db.mods[order[2]].name, "scsi_mod");
		CHECK_STR(db.mods[order[3]].name, "sr_mod");
	}
	/* Already planned modules are not repeated. */
	n = kmod_load_order(&db, kmod_db_find(&db, "ahci"), order, 0, 32);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK_STR(db.mods[order[0]].name, "libata");
		CHECK_STR(db.mods[order[1]].name, "libahci");
		CHECK_STR(db.mods[order[2]].name, "ahci");
	}
	/* softdep pre: through an alias (crypto-crc32c -> crc32c_generic). */
	n = kmod_load_order(&db, kmod_db_find(&db, "ext4"), order, 0, 32);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK_STR(db.mods[order[0]].name, "crc32c_generic");
		CHECK_STR(db.mods[order[1]].name, "jbd2");
		CHECK_STR(db.mods[order[2]].name, "ext4");
	}
	CHECK_EQ(kmod_db_find(&db, "usb-storage"), kmod_db_find(&db, "usb_storage"));
	CHECK_EQ(kmod_db_find(&db, "nope"), -1);
	kmod_db_free(&db);
}

/* ---- probing --------------------------------------------------------------- */
static int sh(const char *cmd)
{
	char full[2048];
	snprintf(full, sizeof full, "cd '%s' && { %s ; } >/dev/null 2>&1", tmp, cmd);
	return system(full);
}

static int open_img(const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", tmp, name);
	return open(p, O_RDONLY);
}

TEST(test_probe_iso)
{
	struct probe_info pi;
	char buf[64];
	if (sh("command -v genisoimage")) {
		skip("test_probe_iso", "needs genisoimage");
		return;
	}
	CHECK_EQ(sh("mkdir -p iso/live iso/other && printf 'abc-123\\n' > iso/live/mklive.id && "
		    "echo x > iso/other/file.txt && genisoimage -quiet -R -J -V MKLIVE_TEST -o t.iso iso"),
		 0);
	int fd = open_img("t.iso");
	CHECK(fd >= 0);
	CHECK_EQ(probe_fd(fd, &pi), 0);
	CHECK_EQ(pi.type, PROBE_ISO9660);
	CHECK_STR(pi.label, "MKLIVE_TEST");
	CHECK_STR(probe_fstype(pi.type), "iso9660");
	ssize_t n = probe_iso_read(fd, "live/mklive.id", buf, sizeof buf);
	CHECK_EQ(n, 8);
	CHECK(n == 8 && !memcmp(buf, "abc-123\n", 8));
	CHECK_EQ(probe_iso_read(fd, "live/missing.id", buf, sizeof buf), -ENOENT);
	CHECK_EQ(probe_iso_read(fd, "nolive/mklive.id", buf, sizeof buf), -ENOENT);
	CHECK_EQ(probe_iso_read(fd, "live", buf, sizeof buf), -EISDIR);
	CHECK_EQ(probe_iso_read(fd, "other/file.txt", buf, sizeof buf), 2);
	close(fd);
	/* Without Rock Ridge/Joliet (plain ECMA-119 names "MKLIVE.ID;1"). */
	CHECK_EQ(sh("genisoimage -quiet -o plain.iso iso"), 0);
	fd = open_img("plain.iso");
	CHECK_EQ(probe_iso_read(fd, "live/mklive.id", buf, sizeof buf), 8);
	close(fd);
	/* A file that is not ISO 9660 at all. */
	CHECK_EQ(sh("head -c 65536 /dev/zero > zero.img"), 0);
	fd = open_img("zero.img");
	CHECK_EQ(probe_fd(fd, &pi), 0);
	CHECK_EQ(pi.type, PROBE_NONE);
	CHECK_EQ(probe_iso_read(fd, "live/mklive.id", buf, sizeof buf), -EINVAL);
	close(fd);
}

TEST(test_probe_fat_ext4)
{
	struct probe_info pi;
	int fd;
	if (sh("command -v mkfs.fat")) {
		skip("test_probe_fat", "needs mkfs.fat (dosfstools)");
	} else {
		CHECK_EQ(sh("mkfs.fat -C -n LIVESTICK f16.img 8192"), 0);
		fd = open_img("f16.img");
		CHECK_EQ(probe_fd(fd, &pi), 0);
		CHECK_EQ(pi.type, PROBE_VFAT);
		CHECK_STR(pi.label, "LIVESTICK");
		close(fd);
		CHECK_EQ(sh("mkfs.fat -C -F 32 -n BIG f32.img 66000"), 0);
		fd = open_img("f32.img");
		CHECK_EQ(probe_fd(fd, &pi), 0);
		CHECK_EQ(pi.type, PROBE_VFAT);
		CHECK_STR(pi.label, "BIG");
		close(fd);
	}
	if (sh("command -v mkfs.ext4")) {
		skip("test_probe_ext4", "needs mkfs.ext4 (e2fsprogs)");
	} else {
		CHECK_EQ(sh("head -c 4194304 /dev/zero > e.img && mkfs.ext4 -q -F -L rootlabel e.img"), 0);
		fd = open_img("e.img");
		CHECK_EQ(probe_fd(fd, &pi), 0);
		CHECK_EQ(pi.type, PROBE_EXT4);
		CHECK_STR(pi.label, "rootlabel");
		close(fd);
	}
	/* An MBR with no filesystem behind it, and a short file. */
	CHECK_EQ(sh("head -c 4096 /dev/zero > mbr.img && printf '\\125\\252' | dd of=mbr.img bs=1 seek=510 "
		    "conv=notrunc && printf abc > short.img"),
		 0);
	fd = open_img("mbr.img");
	CHECK_EQ(probe_fd(fd, &pi), 0);
	CHECK_EQ(pi.type, PROBE_MBR);
	close(fd);
	fd = open_img("short.img");
	CHECK_EQ(probe_fd(fd, &pi), 0);
	CHECK_EQ(pi.type, PROBE_NONE);
	close(fd);
}

/* ---- tar ----------------------------------------------------------------- */
struct tarbuf {
	uint8_t *p;
	size_t len;
};

static void tar_add(struct tarbuf *t, const char *name, char type, const char *link, const char *data)
{
	size_t dl = data ? strlen(data) : 0, pad = (dl + 511) / 512 * 512;
	uint8_t *h;
	unsigned sum = 0;
	t->p = realloc(t->p, t->len + 512 + pad);
	h = t->p + t->len;
	memset(h, 0, 512 + pad);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)dl);
	snprintf((char *)h + 136, 12, "%011o", 1700000000u);
	h[156] = (uint8_t)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	if (dl)
		memcpy(h + 512, data, dl);
	t->len += 512 + pad;
}

static void tar_end(struct tarbuf *t)
{
	t->p = realloc(t->p, t->len + 1024);
	memset(t->p + t->len, 0, 1024);
	t->len += 1024;
}

/* Extract into a fresh directory under tmp; returns the result. */
static int extract(struct tarbuf *t, const char *dir, char *err)
{
	char p[512];
	uint64_t nf;
	snprintf(p, sizeof p, "%s/%s", tmp, dir);
	mkdir(p, 0755);
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	int rc = tar_extract(t->p, t->len, fd, err, 512, &nf);
	close(fd);
	return rc;
}

static bool exists(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	return lstat(p, &st) == 0;
}

TEST(test_tar_good)
{
	struct tarbuf t = {0};
	char err[512] = "", p[512], buf[64];
	tar_add(&t, "./etc/", '5', NULL, NULL);
	tar_add(&t, "./etc/hostname", '0', NULL, "live\n");
	tar_add(&t, "./etc/localtime", '2', "/usr/share/zoneinfo/UTC", NULL);
	tar_add(&t, "./etc/ln", '2', "../etc/hostname", NULL);
	tar_add(&t, "./etc/hard", '1', "./etc/hostname", NULL);
	tar_add(&t, "var/log/deep/file", '0', NULL, "x"); /* parents created */
	tar_end(&t);
	CHECK_EQ(extract(&t, "good", err), 0);
	CHECK_STR(err, "");
	snprintf(p, sizeof p, "%s/good/etc/hostname", tmp);
	int fd = open(p, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 5 && !memcmp(buf, "live\n", 5));
	close(fd);
	struct stat a, b;
	snprintf(p, sizeof p, "%s/good/etc/hard", tmp);
	CHECK(stat(p, &a) == 0);
	snprintf(p, sizeof p, "%s/good/etc/hostname", tmp);
	CHECK(stat(p, &b) == 0 && a.st_ino == b.st_ino);
	CHECK_EQ(b.st_mtime, 1700000000);
	CHECK_EQ(b.st_mode & 07777, 0644);
	snprintf(p, sizeof p, "%s/good/etc/localtime", tmp);
	ssize_t n = readlink(p, buf, sizeof buf);
	CHECK(n == 23 && !memcmp(buf, "/usr/share/zoneinfo/UTC", 23));
	CHECK(exists("good/var/log/deep/file"));
	free(t.p);
}

static void expect_refused(const char *what, struct tarbuf *t, const char *dir, const char *text)
{
	char err[512] = "";
	if (extract(t, dir, err) != -1 || !strstr(err, text)) {
		fprintf(stderr, "  %s: expected refusal with '%s', got '%s'\n", what, text, err);
		test_failed_ = 1;
	}
	free(t->p);
	memset(t, 0, sizeof *t);
}

TEST(test_tar_escapes)
{
	struct tarbuf t = {0};
	char victim[512];
	/* The target of each escape: tmp/victim must never appear. */
	snprintf(victim, sizeof victim, "%s/victim", tmp);

	tar_add(&t, victim, '0', NULL, "pwned"); /* absolute */
	tar_end(&t);
	expect_refused("absolute", &t, "e1", "absolute path");

	tar_add(&t, "a/../../victim", '0', NULL, "pwned");
	tar_end(&t);
	expect_refused("dotdot", &t, "e2", "\"..\"");

	tar_add(&t, "up", '2', "../victim", NULL); /* a relative link climbing out */
	tar_end(&t);
	expect_refused("symlink-escape", &t, "e3", "points out of the tree");

	tar_add(&t, "a/b/up", '2', "../../../victim", NULL);
	tar_end(&t);
	expect_refused("symlink-escape-deep", &t, "e4", "points out of the tree");

	/* A link to a directory outside, then a file written "through" it: the
	 * link itself is allowed (absolute: it resolves inside the new root
	 * once it is the root), writing through it is not. */
	tar_add(&t, "tmpdir", '2', tmp, NULL);
	tar_add(&t, "tmpdir/victim", '0', NULL, "pwned");
	tar_end(&t);
	expect_refused("through-symlink", &t, "e5", "tmpdir/victim");

	tar_add(&t, "h", '1', "../victim", NULL);
	tar_end(&t);
	expect_refused("hardlink-escape", &t, "e6", "refused");

	tar_add(&t, "file", '0', NULL, "abcdef");
	t.len -= 510; /* truncated inside the data */
	expect_refused("truncated", &t, "e7", "truncated");

	tar_add(&t, "file", '0', NULL, "abc");
	t.p[148] ^= 1; /* bad checksum */
	tar_end(&t);
	expect_refused("checksum", &t, "e8", "checksum");

	tar_add(&t, "file", '0', NULL, "abc"); /* cut at a member boundary */
	expect_refused("no-end", &t, "e9", "truncated");

	tar_add(&t, "file", '0', NULL, "abc");
	t.p[100] = 'x'; /* a mode that is not octal: also a checksum change */
	tar_end(&t);
	expect_refused("garbage", &t, "e10", "corrupt");

	CHECK(!exists("victim"));
	CHECK(exists("e5/tmpdir")); /* the link was made; nothing was written through it */
}

/* A real .tgz from tar(1), pax long names included, through tar_gunzip. */
TEST(test_tar_gnu)
{
	char err[512] = "", p[600];
	uint8_t *gz, *raw;
	size_t gzlen, rawlen;
	uint64_t nf;
	if (sh("command -v tar && command -v gzip")) {
		skip("test_tar_gnu", "needs tar and gzip");
		return;
	}
	const char *longdir = "d1234567890123456789012345678901234567890123456789/"
			      "e1234567890123456789012345678901234567890123456789/"
			      "f1234567890123456789012345678901234567890123456789";
	snprintf(
	    p, sizeof p,
	    "mkdir -p src/%s && echo deep > src/%s/g1234567890123456789012345678901234567890123456789.txt && "
	    "mkdir src/sub && ln -s ../x src/sub/link_ok && echo x > src/x && "
	    "tar -C src --format=pax -cf - . | gzip -9 > a.tgz && cat a.tgz a.tgz > two.tgz",
	    longdir, longdir);
	CHECK_EQ(sh(p), 0);
	snprintf(p, sizeof p, "%s/a.tgz", tmp);
	CHECK_EQ(util_read_file(p, &gz, &gzlen), 0);
	CHECK_EQ(tar_gunzip(gz, gzlen, &raw, &rawlen, err, sizeof err), 0);
	snprintf(p, sizeof p, "%s/gnu", tmp);
	mkdir(p, 0755);
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	CHECK_EQ(tar_extract(raw, rawlen, fd, err, sizeof err, &nf), 0);
	close(fd);
	CHECK_STR(err, "");
	snprintf(p, sizeof p, "gnu/%s/g1234567890123456789012345678901234567890123456789.txt", longdir);
	CHECK(exists(p));
	CHECK(exists("gnu/sub/link_ok"));
	free(raw);
	/* Corrupt gzip: a clear error. */
	gz[gzlen / 2] ^= 0xff;
	CHECK_EQ(tar_gunzip(gz, gzlen, &raw, &rawlen, err, sizeof err), -1);
	CHECK(strstr(err, "gzip") != NULL);
	free(gz);
	/* Two members: both decompressed. */
	snprintf(p, sizeof p, "%s/two.tgz", tmp);
	CHECK_EQ(util_read_file(p, &gz, &gzlen), 0);
	size_t one = rawlen;
	CHECK_EQ(tar_gunzip(gz, gzlen, &raw, &rawlen, err, sizeof err), 0);
	CHECK(rawlen > one);
	free(raw);
	free(gz);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
