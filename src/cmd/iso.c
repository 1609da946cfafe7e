/* mklive iso: master an ISO 9660 image with mkisofs/genisoimage option
 * spelling. Option parsing and messages only; the format is in src/iso9660. */
#include "iso9660/iso.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cmd_iso(int argc, char **argv);
extern const char cmd_iso_summary[];
const char cmd_iso_summary[] = "master an ISO 9660 image (mkisofs/genisoimage options)";

static const char usage_text[] =
    "usage: mklive iso [options] -o FILE PATHSPEC...\n"
    "\n"
    "Master an ISO 9660 image from directories and files, as mkisofs,\n"
    "genisoimage and 'xorriso -as mkisofs' do (same option spelling).\n"
    "\n"
    "Output and contents:\n"
    "  -o FILE              the image to write (required)\n"
    "  -graft-points        PATHSPEC may be TARGET=SOURCE (target path in the image)\n"
    "  -m GLOB, -exclude GLOB, -x GLOB\n"
    "                       leave out files whose name or path matches GLOB\n"
    "  -f, -follow-links    store what symbolic links point to\n"
    "  -pad                 add 150 zero sectors at the end (-no-pad: do not)\n"
    "Names and extensions:\n"
    "  -iso-level N         1 (8.3 names, default), 2 (31 characters),\n"
    "                       3 (31 characters, files of 4 GiB and more)\n"
    "  -l                   allow 31-character ISO 9660 names at level 1\n"
    "  -R, -rock            Rock Ridge: POSIX names, modes, owners, links, devices\n"
    "  -r, -rational-rock   Rock Ridge with uid/gid 0 and readable, non-writable modes\n"
    "  -J, -joliet          Joliet: Unicode names (64 characters) for Windows\n"
    "  -D, -disable-deep-relocation\n"
    "                       record directories deeper than 8 levels where they are\n"
    "                       (the default with Rock Ridge, as in xorriso)\n"
    "  -rr_reloc_dir NAME   move them into /NAME instead (hidden from Rock Ridge readers)\n"
    "  -hide-rr-moved       the same as -rr_reloc_dir .rr_moved\n"
    "Volume identity:\n"
    "  -V ID                volume id (32 characters; default CDROM)\n"
    "  -A ID                application id        -p ID  data preparer id\n"
    "  -publisher ID, -P ID publisher id          -sysid ID  system id (default LINUX)\n"
    "  -volset ID           volume set id\n"
    "El Torito boot (options after -b/-e apply to that entry):\n"
    "  -b FILE              boot image (path inside the image), x86 BIOS\n"
    "  -e FILE              EFI boot image (platform 0xEF, no emulation)\n"
    "  -c FILE              boot catalog path inside the image\n"
    "  -no-emul-boot        load the image as is (isolinux.bin)\n"
    "  -hard-disk-boot      hard disk emulation (image with an MBR and one partition)\n"
    "                       (default: floppy emulation, 1.2/1.44/2.88 MB image)\n"
    "  -boot-load-size N    512-byte sectors to load (no emulation)\n"
    "  -boot-load-seg SEG   load segment (default 0x7C0)\n"
    "  -boot-info-table     patch the boot-info-table into the image's copy\n"
    "  -no-boot             entry present but not bootable\n"
    "  -eltorito-alt-boot   start a further boot entry\n"
    "  -isohybrid-mbr FILE  MBR template (isohdpfx.bin): the image also boots as a disk\n"
    "Disk layout (USB sticks; see mklive-iso(1), DISK LAYOUT):\n"
    "  -isohybrid-gpt-basdat  list the current boot image in a GPT (the EFI image as\n"
    "                       the EFI system partition); backup GPT at the end\n"
    "  -isohybrid-apm-hfsplus  accepted and ignored (no Apple Partition Map)\n"
    "  -append_partition N TYPE FILE  FILE after the image as partition N (1..4),\n"
    "                       TYPE an MBR type (0xef) or a GPT type GUID\n"
    "  -appended_part_as_gpt  appended partitions in the GPT (a protective MBR)\n"
    "  -efi-boot-part --efi-boot-image  the EFI boot image is the GPT's ESP\n"
    "  -e --interval:appended_partition_N:all::  boot UEFI from appended partition N\n"
    "  -partition_offset N  the ISO volume also as a partition from block N (16)\n"
    "  --mbr-force-bootable an active MBR entry even without -isohybrid-mbr\n"
    "Messages:\n"
    "  -v                   verbose    -quiet, -q  errors only\n"
    "  -input-charset CS, -output-charset CS   accepted; names are UTF-8\n"
    "\n"
    "Environment: SOURCE_DATE_EPOCH sets every date (byte-identical rebuilds).\n"
    "Example (the classic live CD line):\n"
    "  mklive iso -pad -l -r -J -v -V \"My KNOPPIX\" -no-emul-boot -boot-load-size 4 \\\n"
    "    -boot-info-table -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \\\n"
    "    -hide-rr-moved -o knoppix.iso tree/\n";

enum {
	O_OUT = 1,
	O_GRAFT,
	O_EXCL,
	O_FOLLOW,
	O_CHARSET,
};

static const struct opt opts[] = {
    {"o", O_OUT, OPT_ARG, NULL, NULL},
    {"graft-points", O_GRAFT, OPT_NOARG, NULL, NULL},
    {"m|exclude|x", O_EXCL, OPT_ARG, NULL, NULL},
    {"f|follow-links", O_FOLLOW, OPT_NOARG, NULL, NULL},
    {"input-charset|output-charset", O_CHARSET, OPT_ARG, NULL, NULL},
    {"pad", 0, OPT_NOARG, "pad", NULL},
    {"no-pad", 0, OPT_NOARG, "pad", "0"},
    {"iso-level", 0, OPT_ARG, "level", NULL},
    {"l|full-iso9660-filenames", 0, OPT_NOARG, "long-names", NULL},
    {"R|rock", 0, OPT_NOARG, "rock", NULL},
    {"r|rational-rock", 0, OPT_NOARG, "rational-rock", NULL},
    {"J|joliet", 0, OPT_NOARG, "joliet", NULL},
    {"hide-rr-moved", 0, OPT_NOARG, "hide-rr-moved", NULL},
    {"rr_reloc_dir", 0, OPT_ARG, "rr-reloc-dir", NULL},
    {"D|disable-deep-relocation", 0, OPT_NOARG, "disable-deep-relocation", NULL},
    {"V", 0, OPT_ARG, "volume-id", NULL},
    {"A|appid", 0, OPT_ARG, "application-id", NULL},
    {"p|preparer", 0, OPT_ARG, "preparer-id", NULL},
    {"publisher|P", 0, OPT_ARG, "publisher-id", NULL},
    {"sysid", 0, OPT_ARG, "system-id", NULL},
    {"volset", 0, OPT_ARG, "volset-id", NULL},
    {"b|eltorito-boot", 0, OPT_ARG, "boot-image", NULL},
    {"e|efi-boot", 0, OPT_ARG, "efi-boot-image", NULL},
    {"c|eltorito-catalog", 0, OPT_ARG, "catalog", NULL},
    {"no-emul-boot", 0, OPT_NOARG, "no-emul-boot", NULL},
    {"hard-disk-boot", 0, OPT_NOARG, "hard-disk-boot", NULL},
    {"boot-load-size", 0, OPT_ARG, "boot-load-size", NULL},
    {"boot-load-seg", 0, OPT_ARG, "boot-load-seg", NULL},
    {"boot-info-table", 0, OPT_NOARG, "boot-info-table", NULL},
    {"no-boot", 0, OPT_NOARG, "no-boot", NULL},
    {"eltorito-alt-boot", 0, OPT_NOARG, "alt-boot", NULL},
    {"isohybrid-mbr", 0, OPT_ARG, "isohybrid-mbr", NULL},
    {"isohybrid-gpt-basdat", 0, OPT_NOARG, "isohybrid-gpt-basdat", NULL},
    {"isohybrid-apm-hfsplus", 0, OPT_NOARG, "isohybrid-apm-hfsplus", NULL},
    {"append_partition", 0, OPT_ARG3, "append-partition", NULL},
    {"appended_part_as_gpt", 0, OPT_NOARG, "appended-part-as-gpt", NULL},
    {"efi-boot-part", 0, OPT_ARG, "efi-boot-part", NULL},
    {"mbr-force-bootable", 0, OPT_NOARG, "mbr-force-bootable", NULL},
    {"partition_offset", 0, OPT_ARG, "partition-offset", NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	struct iso_opts iso;
	struct tree_scan_opts scan;
	const char *out_path;
	const char **excl;
	size_t nexcl, excl_cap;
	bool graft;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key)
		return iso_opts_set(&c->iso, o->key, arg ? arg : o->value, spelled);
	switch (o->id) {
	case O_OUT:
		c->out_path = arg;
		break;
	case O_GRAFT:
		c->graft = true;
		break;
	case O_EXCL:
		util_grow(&c->excl, &c->excl_cap, c->nexcl + 1, sizeof *c->excl);
		c->excl[c->nexcl++] = arg;
		break;
	case O_FOLLOW:
		c->scan.follow_links = true;
		break;
	case O_CHARSET: /* names are UTF-8 */
		break;
	}
	return 0;
}

static int add_source(struct tree *t, const char *spec, bool graft, const struct tree_scan_opts *so)
{
	struct stat st;
	const char *base;
	if (graft)
		return tree_add_graft(t, spec, so);
	if ((so->follow_links ? stat(spec, &st) : lstat(spec, &st)) < 0)
		return err_sys(errno, "%s", spec);
	if (S_ISDIR(st.st_mode))
		return tree_add_path(t, "", spec, so);
	base = strrchr(spec, '/');
	return tree_add_path(t, base ? base + 1 : spec, spec, so);
}

int cmd_iso(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive iso", OPT_SINGLE_DASH, opts, usage_text, on_opt, false};
	struct ctx c;
	struct tree *t = NULL;
	char **specs = NULL;
	size_t nspecs = 0;
	int rc;

	memset(&c, 0, sizeof c);
	iso_opts_init(&c.iso);
	log_set_level(1);
	rc = opt_parse(&cmd, argc, argv, &c, &specs, &nspecs);
	if (rc)
		goto out;
	if (!c.out_path) {
		rc = err_set(ERR_USAGE, "no output file: use -o FILE (see 'mklive iso --help')");
		goto out;
	}
	if (!nspecs) {
		rc = err_set(ERR_USAGE, "nothing to put in the image: give at least one directory or file");
		goto out;
	}
	if ((rc = iso_opts_check(&c.iso)))
		goto out;
	c.scan.excludes = c.excl;
	c.scan.nexcludes = c.nexcl;
	tree_scan_skip_output(&c.scan, c.out_path);
	t = tree_create();
	for (size_t i = 0; i < nspecs; i++)
		if ((rc = add_source(t, specs[i], c.graft, &c.scan)))
			goto out;
	if ((rc = tree_finalize(t)))
		goto out;
	log_info("%zu files and directories", t->nnodes);
	rc = iso_write(t, &c.iso, c.out_path, NULL);
	if (!rc)
		log_info("wrote %s", c.out_path);
out:
	tree_destroy(t);
	iso_opts_free(&c.iso);
	free(specs);
	free(c.excl);
	return rc == 1 ? 0 : opt_exit(rc);
}
