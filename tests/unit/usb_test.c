/* Unit tests for SHA-256 (both block functions against FIPS 180-4 vectors
 * and sha256sum), sha256sum's line format, /live/SHA256SUMS of a tree,
 * and the pure parts of mklive write (mountinfo, the partition plan, the
 * MBR and GPT edits, checked by sfdisk and sgdisk). */
#define TEST_SUITE "usb"
#include "test.h"

#include "core/error.h"
#include "core/sha256.h"
#include "core/tree.h"
#include "core/util.h"
#include "live/sums.h"
#include "usb/usb.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char tmp[] = "/tmp/mklive-usb-test-XXXXXX";

static void hex_of(const void *p, size_t n, char out[65])
{
	uint8_t d[32];
	sha256_buf(p, n, d);
	sha256_hex(d, out);
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
TEST(test_vectors)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqr"
	     "smnopqrstnopqrstu",
	     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	char h[65];
	for (int impl = 0; impl < 2; impl++) {
		sha256_force_portable(impl);
		for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
			hex_of(v[i].in, strlen(v[i].in), h);
			CHECK_STR(h, v[i].hex);
		}
		/* one million 'a', fed in odd pieces */
		struct sha256 s;
		uint8_t d[32], a[999];
		memset(a, 'a', sizeof a);
		sha256_init(&s);
		for (size_t n = 0; n < 1000000;) {
			size_t k = MIN(sizeof a - (n % 7), 1000000 - n);
			sha256_update(&s, a, k);
			n += k;
		}
		sha256_final(&s, d);
		sha256_hex(d, h);
		CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
	sha256_force_portable(0);
	printf("INFO: sha256 block function here: %s\n", sha256_impl());
}

/* Random data of many lengths: both block functions agree with sha256sum. */
TEST(test_against_sha256sum)
{
	char path[256], cmd[512], want[65], h1[65], h2[65];
	uint8_t *buf = xmalloc(1 << 20);
	uint32_t x = 12345;
	snprintf(path, sizeof path, "%s/rand", tmp);
	static const size_t lens[] = {1, 55, 56, 63, 64, 65, 119, 120, 1000, 4096, 65537, 1 << 20};
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		for (size_t k = 0; k < lens[i]; k++)
			buf[k] = (uint8_t)((x = x * 1103515245 + 12345) >> 16);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(util_write_full(fd, buf, lens[i]) == 0);
		close(fd);
		snprintf(cmd, sizeof cmd, "sha256sum %s", path);
		FILE *p = popen(cmd, "r");
		CHECK(p && fscanf(p, "%64s", want) == 1);
		if (p)
			pclose(p);
		sha256_force_portable(1);
		hex_of(buf, lens[i], h1);
		sha256_force_portable(0);
		hex_of(buf, lens[i], h2);
		CHECK_STR(h1, want);
		CHECK_STR(h2, want);
	}
	free(buf);
}

/* The line format, as sha256sum writes it for awkward names. */
TEST(test_line_format)
{
	char dir[256], cmd[600], line[512], name[256], out[600];
	uint8_t d[32], d2[32];
	snprintf(dir, sizeof dir, "%s/names", tmp);
	mkdir(dir, 0755);
	static const char *const names[] = {"plain", "a b", "new\nline", "back\\slash"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(util_write_full(fd, names[i], strlen(names[i])) == 0);
		close(fd);
		/* sha256sum's own line for it */
		snprintf(cmd, sizeof cmd, "cd %s && sha256sum -- '%s'", dir, names[i]);
		FILE *f = popen(cmd, "r");
		size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
		if (f)
			pclose(f);
		line[n] = 0;
		CHECK(n > 0 && line[n - 1] == '\n');
		sha256_buf(names[i], strlen(names[i]), d);
		size_t l = sha256sum_format_line(d, names[i], out);
		CHECK_STR(out, line);
		CHECK(sha256sum_parse_line(line, l - 1, d2, name, sizeof name) == 0);
		CHECK_STR(name, names[i]);
		CHECK(memcmp(d, d2, 32) == 0);
	}
	CHECK(sha256sum_parse_line("abc  x", 6, d, name, sizeof name) < 0);
	memset(line, 'a', 64);
	strcpy(line + 64, "  ");
	CHECK(sha256sum_parse_line(line, 66, d, name, sizeof name) < 0); /* no name */
	strcpy(line + 64, "x y");
	CHECK(sha256sum_parse_line(line, 67, d, name, sizeof name) < 0); /* one space */
}

/* SHA256SUMS of a tree: what sha256sum -c accepts, and a flipped byte found. */
TEST(test_sums)
{
	char dir[256], cmd[700], p[512];
	struct tree *t = tree_create();
	struct tree_scan_opts so = {0};
	char *text;
	size_t len;
	snprintf(dir, sizeof dir, "%s/medium", tmp);
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s/live %s/boot/isolinux %s/a && echo id >%s/live/mklive.id && head -c 300000 "
		 "/dev/urandom "
		 ">%s/live/root.squashfs && echo k >%s/boot/vmlinuz && echo x >%s/a.txt && echo y >%s/a/b && "
		 "ln -s "
		 "a.txt %s/link",
		 dir, dir, dir, dir, dir, dir, dir, dir, dir);
	CHECK(system(cmd) == 0);
	CHECK(tree_add_path(t, "/", dir, &so) == 0);
	CHECK(live_sums_make(t, NULL, &text, &len) == 0);
	snprintf(p, sizeof p, "%s/" LIVE_SUMS_PATH, dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(util_write_full(fd, text, len) == 0);
	close(fd);
	snprintf(cmd, sizeof cmd, "cd %s && sha256sum --quiet --strict -c live/SHA256SUMS", dir);
	CHECK(system(cmd) == 0);
	/* sorted by path, no SHA256SUMS, no symlink: a.txt before a/b ('.' < '/') */
	CHECK(strstr(text, "  a.txt\n") && strstr(text, "  a/b\n") &&
	      strstr(text, "  a.txt\n") < strstr(text, "  a/b\n"));
	CHECK(!strstr(text, "SHA256SUMS") && !strstr(text, "link"));
	CHECK(strstr(text, "  boot/vmlinuz\n") < strstr(text, "  live/mklive.id\n"));
	struct live_sums_result r;
	CHECK(live_sums_check(t, text, len, &r) == 0);
	CHECK_EQ(r.bad, 0);
	CHECK_EQ(r.files, 5);
	tree_destroy(t);
	/* one byte flipped: named */
	snprintf(cmd, sizeof cmd,
		 "printf 'Z' | dd of=%s/live/root.squashfs bs=1 seek=150000 conv=notrunc status=none", dir);
	CHECK(system(cmd) == 0);
	t = tree_create();
	CHECK(tree_add_path(t, "/", dir, &so) == 0);
	CHECK(live_sums_check(t, text, len, &r) == 0);
	CHECK_EQ(r.bad, 1);
	CHECK_STR(r.first, "live/root.squashfs");
	/* a missing file, and a malformed list */
	struct tree_node *n = tree_lookup(t, "a/b");
	CHECK(n);
	if (n)
		tree_remove(t, n);
	CHECK(live_sums_check(t, text, len, &r) == 0);
	CHECK_EQ(r.bad, 2);
	CHECK(live_sums_check(t, "nonsense\n", 9, &r) == -ERR_FORMAT);
	err_clear();
	free(text);
	tree_destroy(t);
}

TEST(test_mountinfo)
{
	char where[256];
	dev_t devs[2] = {makedev(7, 3), makedev(259, 1)};
	const char *mi = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
			 "30 22 7:3 / /mnt/my\\040stick rw - vfat /dev/loop3 rw\n";
	CHECK(usb_mountinfo_uses(mi, devs, 2, where, sizeof where));
	CHECK_STR(where, "/mnt/my stick");
	CHECK(!usb_mountinfo_uses("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", devs, 2, where, sizeof where));
	CHECK(!usb_mountinfo_uses("garbage\n\n", devs, 2, where, sizeof where));
}

TEST(test_plan)
{
	uint64_t s, l;
	CHECK(usb_persist_plan(17825792, 0, 64ull << 20, false, 0, &s, &l) == 0);
	CHECK_EQ(s, 17825792);
	CHECK_EQ(l, 64ull << 20);
	CHECK(usb_persist_plan(17825793, 1ull << 30, 0, true, 33 * 512, &s, &l) == 0);
	CHECK_EQ(s, 18ull << 20);
	CHECK(s + l <= (1ull << 30) - 33 * 512);
	CHECK(usb_persist_plan(17825792, 20ull << 20, 0, true, 0, &s, &l) < 0); /* 3 MiB left */
	CHECK(usb_persist_plan(17825792, 0, 1 << 20, false, 0, &s, &l) < 0);	/* too small */
	err_clear();
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* A GPT disk made by sgdisk (protective MBR): the partition goes into the
 * GPT, the protective MBR grows with the disk, sgdisk finds no problem. */
TEST(test_gpt)
{
	char img[256], cmd[700];
	struct usb_table_result r;
	if (run("command -v sgdisk >/dev/null") != 0) {
		printf("SKIP: usb/gpt (needs sgdisk from the Debian package gdisk)\n");
		return;
	}
	snprintf(img, sizeof img, "%s/gpt.img", tmp);
	snprintf(cmd, sizeof cmd,
		 "truncate -s 20M %s && sgdisk -o -n 1:2048:+8M -t 1:ef00 %s >/dev/null 2>&1", img, img);
	CHECK(run(cmd) == 0);
	/* the stick is larger than the image: the backup moves to its end */
	CHECK(truncate(img, 100 << 20) == 0);
	int fd = open(img, O_RDWR);
	uint8_t head[34 * 512];
	CHECK(pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head);
	uint64_t tail = usb_gpt_tail(head, sizeof head);
	CHECK_EQ(tail, 33 * 512);
	CHECK(usb_table_add(fd, 100 << 20, 20 << 20, 32 << 20, USB_PERSIST_LABEL, &r) == 0);
	close(fd);
	CHECK(r.gpt);
	CHECK_EQ(r.gpt_slot, 2);
	CHECK_EQ(r.mbr_slot, 0);
	snprintf(cmd, sizeof cmd, "sgdisk -v %s | grep -q 'No problems found'", img);
	CHECK(run(cmd) == 0);
	snprintf(cmd, sizeof cmd, "sgdisk -i 2 %s | grep -q \"Partition name: 'mklive-rw'\"", img);
	CHECK(run(cmd) == 0);
	snprintf(cmd, sizeof cmd,
		 "sfdisk -d %s | grep -q 'gpt.img2 : start= *40960, size= *65536, "
		 "type=0FC63DAF-8483-4772-8E79-3D69D8477DE4'",
		 img);
	CHECK(run(cmd) == 0);
	snprintf(cmd, sizeof cmd, "sfdisk -d %s | grep -q 'last-lba: 204766'", img);
	CHECK(run(cmd) == 0);
	/* past the usable area: refused, tables untouched */
	fd = open(img, O_RDWR);
	uint8_t before[512], after[512];
	CHECK(pread(fd, before, 512, 512) == 512);
	CHECK(usb_table_add(fd, 100 << 20, 60 << 20, 40 << 20, USB_PERSIST_LABEL, &r) < 0);
	CHECK(pread(fd, after, 512, 512) == 512);
	CHECK(memcmp(before, after, 512) == 0);
	/* a broken CRC: refused */
	after[60] ^= 1; /* in the disk GUID, under the header CRC */
	CHECK(pwrite(fd, after, 512, 512) == 512);
	CHECK(usb_table_add(fd, 100 << 20, 60 << 20, 8 << 20, USB_PERSIST_LABEL, &r) == -ERR_FORMAT);
	close(fd);
	err_clear();
}

/* An MBR with all four slots used: refused without writing. */
TEST(test_mbr_full)
{
	char img[256], cmd[600];
	struct usb_table_result r;
	snprintf(img, sizeof img, "%s/mbr.img", tmp);
	snprintf(cmd, sizeof cmd,
		 "truncate -s 40M %s && printf 'label: dos\\nsize=4M\\nsize=4M\\nsize=4M\\nsize=4M\\n' | "
		 "sfdisk -q %s",
		 img, img);
	CHECK(run(cmd) == 0);
	int fd = open(img, O_RDWR);
	CHECK(usb_table_add(fd, 40 << 20, 20 << 20, 16 << 20, USB_PERSIST_LABEL, &r) == -ERR_LIMIT);
	close(fd);
	err_clear();
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	RUN_ALL();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	(void)!system(cmd);
	TEST_EXIT();
}
