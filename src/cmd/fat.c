/* mklive fat: FAT12/16/32 images and SYSLINUX boot floppies from files. */
#include "fat/fat.h"
#include "boot/efi.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_fat(int argc, char **argv);
extern const char cmd_fat_summary[];
const char cmd_fat_summary[] = "make a FAT image or SYSLINUX boot floppy (mformat + mcopy + syslinux)";

static const char usage_text[] =
    "usage: mklive fat -o IMG [options] SOURCE...\n"
    "       mklive fat -o IMG --esp [--esp-root DIR] [options] [SOURCE...]\n"
    "\n"
    "Writes a FAT12/16/32 filesystem image holding SOURCE (files, directories,\n"
    "or TARGET=SOURCE grafts as in mkisofs), without mtools and without mounting.\n"
    "\n"
    "  -o, --output IMG      the image file to write\n"
    "  -s, --size SIZE       1200K, 1440K, 2880K (standard floppies, also 360K, 720K),\n"
    "                        any SIZE (K/M/G suffixes), or auto (default): the smallest\n"
    "                        floppy that fits, else the smallest whole MiB\n"
    "  -F, --fat 12|16|32    FAT type (default: by size, as mkfs.fat chooses)\n"
    "  -n, --label NAME      volume label (up to 11 characters)\n"
    "      --serial HEX      volume serial number (XXXX-XXXX or 8 hex digits; default:\n"
    "                        derived from SOURCE_DATE_EPOCH, the size and the label)\n"
    "      --partition       a hard-disk image: an MBR with one active partition\n"
    "      --syslinux        make it boot with SYSLINUX: adds ldlinux.c32 (Debian package\n"
    "                        syslinux-common) and runs `syslinux --install` (package\n"
    "                        syslinux) on the image before it is put in place\n"
    "      --syslinux-dir DIR   directory for ldlinux.sys and ldlinux.c32 (default /)\n"
    "      --esp             an EFI system partition with Debian's signed boot chain:\n"
    "                        EFI/boot/bootx64.efi (shimx64.efi.signed, package\n"
    "                        shim-signed), grubx64.efi (gcdx64.efi.signed, package\n"
    "                        grub-efi-amd64-signed), mmx64.efi; label ESP by default\n"
    "      --esp-root DIR    take them from the root DIR when it has all three\n"
    "                        (else from this machine)\n"
    "  -q, --quiet           errors only\n"
    "  -v, --verbose         say what was written\n"
    "  -h, --help            this help\n"
    "\n"
    "Without --syslinux the boot sector prints a \"not a boot disk\" message.\n"
    "File times are clamped to SOURCE_DATE_EPOCH when it is set.\n";

enum { O_OUT = 1, O_ESP, O_ESP_ROOT };

static const struct opt opts[] = {
    {"o|output", O_OUT, OPT_ARG, NULL, NULL},
    {"s|size", 0, OPT_ARG, "size", NULL},
    {"F|fat", 0, OPT_ARG, "fat", NULL},
    {"n|label", 0, OPT_ARG, "label", NULL},
    {"serial", 0, OPT_ARG, "serial", NULL},
    {"partition", 0, OPT_NOARG, "partition", NULL},
    {"syslinux", 0, OPT_NOARG, "syslinux", NULL},
    {"syslinux-dir", 0, OPT_ARG, "syslinux-dir", NULL},
    {"esp", O_ESP, OPT_NOARG, NULL, NULL},
    {"esp-root", O_ESP_ROOT, OPT_ARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	struct fat_opts fat;
	const char *output;
	bool esp;
	const char *esp_root;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key)
		return fat_opts_set(&c->fat, o->key, arg ? arg : o->value, spelled);
	switch (o->id) {
	case O_OUT:
		c->output = arg;
		break;
	case O_ESP_ROOT:
		c->esp_root = arg;
		/* fall through */
	case O_ESP:
		c->esp = true;
		break;
	}
	return 0;
}

int cmd_fat(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive fat", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c;
	struct fat_info info;
	struct tree_scan_opts so;
	struct tree *t = NULL;
	struct efi_files ef;
	char **srcs = NULL;
	size_t nsrcs = 0;
	int rc;

	memset(&c, 0, sizeof c);
	memset(&ef, 0, sizeof ef);
	fat_opts_init(&c.fat);
	memset(&so, 0, sizeof so);
	/* FAT has no symlinks: store what they point to, as mcopy does. */
	so.follow_links = true;
	if ((rc = opt_parse(&cmd, argc, argv, &c, &srcs, &nsrcs)))
		goto out;
	if (!c.output) {
		rc = err_set(ERR_USAGE, "no output: give -o IMG (see mklive fat --help)");
		goto out;
	}
	if (!nsrcs && !c.esp) {
		rc = opt_operands(&cmd, srcs, nsrcs, 1, SIZE_MAX, "SOURCE... (or --esp)");
		goto out;
	}
	if (strcmp(c.output, "-") == 0) {
		rc = err_set(ERR_USAGE, "-o -: a FAT image cannot be written to standard output");
		goto out;
	}
	tree_scan_skip_output(&so, c.output);
	t = tree_create();
	if (c.esp) {
		if ((rc = efi_files_find_dir(c.esp_root, &ef)) || (rc = efi_esp_tree(&ef, t)))
			goto out;
		log_info("EFI boot chain from %s", ef.from);
		efi_esp_opts(&c.fat);
	}
	for (size_t i = 0; i < nsrcs; i++)
		if ((rc = tree_add_graft(t, srcs[i], &so)))
			goto out;
	if ((rc = fat_opts_check(&c.fat, t)))
		goto out;
	if ((rc = tree_finalize(t)))
		goto out;
	if ((rc = fat_write(t, &c.fat, c.output, &info)))
		goto out;
	log_info("%s: %llu bytes, FAT%d%s, %u clusters of %u bytes, %llu bytes free", c.output,
		 (unsigned long long)info.image_size, info.fat_bits,
		 c.fat.partition ? " in an MBR partition" : "", info.clusters, info.cluster_size,
		 (unsigned long long)info.free_bytes);
out:
	tree_destroy(t);
	efi_files_free(&ef);
	free(srcs);
	return rc == 1 ? 0 : opt_exit(rc);
}
