/* The UEFI pieces that need no firmware: the lookup of Debian's signed
 * chain (and its message naming the packages), the ESP tree, PE headers
 * (EFI stub, signature) on Debian's own kernel and on bytes made here,
 * grub.cfg from a boot menu, module signatures, and mklive-init's reading
 * of the SecureBoot variable and its wording. */
#define TEST_SUITE "uefi"
#include "test.h"

#include "boot/efi.h"
#include "boot/grub.h"
#include "boot/menu.h"
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "live/modsig.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* mklive-init's firmware.c, with the PID 1 helpers it calls stubbed */
#include "../../init/pid1.h"
void live_say(const char *fmt, ...)
{
	(void)fmt;
}
void live_step(const char *fmt, ...)
{
	(void)fmt;
}
int live_read_file(const char *path, uint8_t **data, size_t *len)
{
	(void)path, (void)data, (void)len;
	return -ENOENT;
}
void live_mkdirs(const char *path)
{
	(void)path;
}
int live_load_module(const char *name, const char *params)
{
	(void)name, (void)params;
	return -ENOENT;
}
#include "../../init/firmware.c"

static char *tmp;

static void skip(const char *what, const char *why)
{
	printf("SKIP: %s/%s (%s)\n", TEST_SUITE, what, why);
}

static void put(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n);
	close(fd);
}

/* A fake host with only some of the three files below it. */
TEST(test_files_missing)
{
	struct efi_files f;
	char *pre = xasprintf("%s/host", tmp), *d = xasprintf("%s/usr/lib/shim", pre);
	char *cmd = xasprintf("mkdir -p '%s' '%s/usr/lib/grub/x86_64-efi-signed'", d, pre);
	CHECK_EQ(system(cmd), 0);
	free(cmd);
	CHECK(efi_files_find(NULL, pre, &f) < 0);
	CHECK(strstr(err_msg(), "shimx64.efi.signed") && strstr(err_msg(), "package shim-signed"));
	efi_files_free(&f);
	char *p = xasprintf("%s/shimx64.efi.signed", d);
	put(p, "MZshim", 6);
	free(p);
	p = xasprintf("%s/mmx64.efi.signed", d);
	put(p, "MZmm", 4);
	free(p);
	CHECK(efi_files_find(NULL, pre, &f) < 0);
	CHECK(strstr(err_msg(), "gcdx64.efi.signed") && strstr(err_msg(), "grub-efi-amd64-signed"));
	efi_files_free(&f);
	p = xasprintf("%s/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed", pre);
	put(p, "MZgrub!", 7);
	free(p);
	CHECK_EQ(efi_files_find(NULL, pre, &f), 0);
	CHECK_STR(f.from, "this machine");
	CHECK_EQ(f.bytes, 6 + 7 + 4);
	/* the ESP tree: the three under EFI/boot, at the build time, 0644 */
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	struct tree *t = tree_create();
	CHECK_EQ(efi_esp_tree(&f, t), 0);
	const struct tree_node *b = tree_lookup(t, "EFI/boot/bootx64.efi"),
			       *g = tree_lookup(t, "EFI/boot/grubx64.efi"),
			       *m = tree_lookup(t, "EFI/boot/mmx64.efi");
	CHECK(b && g && m);
	if (b && g && m) {
		CHECK_EQ(b->size, 6);
		CHECK_EQ(g->size, 7);
		CHECK_EQ(m->size, 4);
		CHECK_EQ(b->mode, S_IFREG | 0644);
		CHECK_EQ(b->mtime, 1700000000);
		CHECK_EQ(tree_lookup(t, "EFI")->mtime, 1700000000);
	}
	CHECK_EQ(t->nnodes, 6); /* root, EFI, boot and the three */
	tree_destroy(t);
	efi_files_free(&f);
	free(pre);
	free(d);
}

/* A root tree with all three is preferred; with one missing, the host. */
TEST(test_files_root)
{
	struct efi_files f;
	struct tree *root = tree_create();
	char *pre = xasprintf("%s/host", tmp);
	CHECK_EQ(tree_add_mem_file(root, EFI_SHIM_SIGNED, "MZroot-shim", 11, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(root, EFI_MM_SIGNED, "MZroot-mm", 9, 0644, NULL), 0);
	CHECK_EQ(efi_files_find(root, pre, &f), 0);
	CHECK_STR(f.from, "this machine");
	CHECK(f.node[EFI_SHIM] == NULL && f.path[EFI_SHIM] != NULL);
	efi_files_free(&f);
	CHECK_EQ(tree_add_mem_file(root, EFI_GRUB_CD_SIGNED, "MZroot-grub", 11, 0644, NULL), 0);
	CHECK_EQ(efi_files_find(root, pre, &f), 0);
	CHECK_STR(f.from, "the root");
	CHECK(f.node[EFI_GRUB] == tree_lookup(root, EFI_GRUB_CD_SIGNED));
	efi_files_free(&f);
	CHECK(efi_files_find(root, "/nonexistent", &f) == 0); /* the root's need no host */
	efi_files_free(&f);
	tree_destroy(root);
	free(pre);
}

/* PE headers built here: MZ, e_lfanew, PE\0\0, a PE32+ optional header. */
static size_t make_pe(uint8_t *b, size_t cap, bool sig)
{
	memset(b, 0, cap);
	b[0] = 'M', b[1] = 'Z';
	put_le32(b + 0x3C, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	put_le16(b + 0x84, 0x8664);
	put_le16(b + 0x80 + 20, 240); /* SizeOfOptionalHeader */
	uint8_t *opt = b + 0x80 + 24;
	put_le16(opt, 0x20B);
	put_le32(opt + 108, 16); /* NumberOfRvaAndSizes */
	if (sig) {
		put_le32(opt + 112 + 32, 0x1000);
		put_le32(opt + 112 + 36, 0x800);
	}
	return 0x80 + 24 + 240;
}

TEST(test_pe)
{
	uint8_t b[1024];
	struct efi_pe_info pi;
	size_t n = make_pe(b, sizeof b, false);
	efi_pe_parse(b, n, &pi);
	CHECK(pi.pe && pi.machine == 0x8664 && !pi.signed_);
	make_pe(b, sizeof b, true);
	efi_pe_parse(b, n, &pi);
	CHECK(pi.pe && pi.signed_);
	efi_pe_parse(b, 0xA0, &pi); /* truncated optional header: a PE, signature unknown */
	CHECK(pi.pe && !pi.signed_);
	b[0x81] = 'X';
	efi_pe_parse(b, n, &pi);
	CHECK(!pi.pe);
	put_le32(b + 0x3C, 0xFFFFFFF0u); /* e_lfanew past the end */
	efi_pe_parse(b, n, &pi);
	CHECK(!pi.pe);

	/* a bzImage without the stub: a boot sector, no MZ */
	char *p = xasprintf("%s/nostub", tmp);
	memset(b, 0, sizeof b);
	b[510] = 0x55, b[511] = 0xAA;
	memcpy(b + 0x202, "HdrS", 4);
	put(p, b, sizeof b);
	CHECK(efi_kernel_check_path(p, &pi) < 0);
	CHECK(strstr(err_msg(), "no EFI stub") && strstr(err_msg(), p));
	make_pe(b, sizeof b, false);
	put_le16(b + 0x84, 0x014C); /* i386 */
	put(p, b, sizeof b);
	CHECK(efi_kernel_check_path(p, &pi) < 0);
	CHECK(strstr(err_msg(), "0x014c") != NULL);
	free(p);
	CHECK(efi_kernel_check_path("/nonexistent/vmlinuz", NULL) < 0);

	/* Debian's kernel and shim: EFI stubs, signed */
	DIR *d = opendir("/boot");
	struct dirent *de;
	char *k = NULL;
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "vmlinuz-", 8) && !k)
			k = xasprintf("/boot/%s", de->d_name);
	if (d)
		closedir(d);
	if (k) {
		CHECK_EQ(efi_kernel_check_path(k, &pi), 0);
		CHECK(pi.pe && pi.signed_);
		/* the same through a tree node */
		struct tree *t = tree_create();
		CHECK_EQ(tree_add_path(t, "vmlinuz", k, NULL), 0);
		CHECK_EQ(efi_kernel_check_node(tree_lookup(t, "vmlinuz"), "vmlinuz", &pi), 0);
		CHECK(pi.signed_);
		tree_destroy(t);
		free(k);
	} else {
		skip("pe-debian-kernel", "no /boot/vmlinuz-* (linux-image-amd64)");
	}
	if (access(EFI_SHIM_SIGNED, R_OK) == 0) {
		CHECK_EQ(efi_kernel_check_path(EFI_SHIM_SIGNED, &pi), 0);
		CHECK(pi.signed_);
	}
}

TEST(test_grub)
{
	struct menu m;
	menu_init(&m);
	struct menu_entry live = {"live",
				  "Live system",
				  "/boot/vmlinuz",
				  "/boot/initrd.img",
				  "console=ttyS0,115200 live.id=x quiet",
				  false,
				  NULL,
				  false};
	struct menu_entry odd = {"odd", "It's \"odd\"", "/boot/vmlinuz", NULL, "a='b c' $x", false,
				 NULL,	false};
	struct menu_entry mt = {"memtest", "memtest86+", "/boot/memtest", NULL, NULL, true, NULL, false};
	CHECK_EQ(menu_add(&m, &live), 0);
	CHECK_EQ(menu_add(&m, &odd), 0);
	CHECK_EQ(menu_add(&m, &mt), 0);
	m.default_entry = 1;
	m.timeout_ds = 50;
	char *g = menu_render_grub(&m);
	CHECK(strstr(g, "serial --unit=0 --speed=115200\n"));
	CHECK(strstr(g, "terminal_input console serial\nterminal_output console serial\n"));
	CHECK(strstr(g, "set default='odd'\n"));
	CHECK(strstr(g, "set timeout=5\n"));
	CHECK(strstr(g, "menuentry 'Live system' --id='live' {\n"
			"\tlinux '/boot/vmlinuz' console=ttyS0,115200 live.id=x quiet\n"
			"\tinitrd '/boot/initrd.img'\n}\n"));
	/* quotes and $ reach the kernel as isolinux passes them */
	CHECK(strstr(g, "menuentry 'It'\\''s \"odd\"' --id='odd' {\n"
			"\tlinux '/boot/vmlinuz' 'a='\\''b' 'c'\\''' '$x'\n}\n"));
	CHECK(strstr(g, "# memtest: a 16-bit BIOS payload") && !strstr(g, "\tlinux16"));
	free(g);
	m.serial = false;
	m.timeout_ds = 0;
	g = menu_render_grub(&m);
	CHECK(!strstr(g, "serial"));
	CHECK(strstr(g, "set timeout=-1\n"));
	free(g);
}

TEST(test_modsig)
{
	static const char sig[] = "\x01\x02~Module signature appended~\n";
	struct tree *t = tree_create();
	struct tree_node *a, *b, *c;
	enum live_modsig s;
	CHECK_EQ(tree_add_mem_file(t, "a.ko", sig, sizeof sig - 1, 0644, &a), 0);
	CHECK_EQ(tree_add_mem_file(t, "b.ko", "\177ELF unsigned", 13, 0644, &b), 0);
	CHECK_EQ(tree_add_mem_file(t, "c.ko.xz", "xz", 2, 0644, &c), 0);
	CHECK_EQ(live_module_sig(a, &s), 0);
	CHECK_EQ(s, LIVE_MODSIG_SIGNED);
	CHECK_EQ(live_module_sig(b, &s), 0);
	CHECK_EQ(s, LIVE_MODSIG_NONE);
	CHECK_EQ(live_module_sig(c, &s), 0);
	CHECK_EQ(s, LIVE_MODSIG_UNKNOWN);
	tree_destroy(t);
}

TEST(test_firmware)
{
	char line[64], words[64];
	CHECK_EQ(live_secureboot_parse((const uint8_t *)"\x06\0\0\0\x01", 5), 1);
	CHECK_EQ(live_secureboot_parse((const uint8_t *)"\x06\0\0\0\x00", 5), 0);
	CHECK_EQ(live_secureboot_parse((const uint8_t *)"\x06\0\0\0", 4), -1);
	CHECK_EQ(live_secureboot_parse((const uint8_t *)"\x06\0\0\0\x07", 5), -1);
	live_boot_describe(true, 1, line, sizeof line, words, sizeof words);
	CHECK_STR(line, "uefi secureboot=1");
	CHECK_STR(words, "UEFI, Secure Boot on");
	live_boot_describe(true, 0, line, sizeof line, words, sizeof words);
	CHECK_STR(line, "uefi secureboot=0");
	live_boot_describe(true, -1, line, sizeof line, words, sizeof words);
	CHECK_STR(line, "uefi secureboot=unknown");
	live_boot_describe(false, -1, line, sizeof line, words, sizeof words);
	CHECK_STR(line, "bios");
	CHECK_STR(words, "BIOS");
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
