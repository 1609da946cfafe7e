/* mklive iso: master an ISO 9660 image with mkisofs/genisoimage option
 * spelling. Option parsing and messages only; the format is in src/iso9660. */
#include "iso9660/iso.h"
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
    "  -hide-rr-moved       call the directory of relocated deep directories .rr_moved\n"
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
    "Messages:\n"
    "  -v                   verbose    -quiet  errors only\n"
    "  -input-charset CS, -output-charset CS   accepted; names are UTF-8\n"
    "\n"
    "Environment: SOURCE_DATE_EPOCH sets every date (byte-identical rebuilds).\n"
    "Example (the classic live CD line):\n"
    "  mklive iso -pad -l -r -J -v -V \"My KNOPPIX\" -no-emul-boot -boot-load-size 4 \\\n"
    "    -boot-info-table -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \\\n"
    "    -hide-rr-moved -o knoppix.iso tree/\n";

#define MAX_BOOT 31

enum opt_id {
	O_O,
	O_GRAFT,
	O_EXCL,
	O_FOLLOW,
	O_PAD,
	O_NOPAD,
	O_LEVEL,
	O_L,
	O_RR,
	O_RRR,
	O_J,
	O_HIDERR,
	O_V,
	O_A,
	O_P,
	O_PUB,
	O_SYSID,
	O_VOLSET,
	O_B,
	O_E,
	O_C,
	O_NOEMUL,
	O_HD,
	O_LOADSIZE,
	O_LOADSEG,
	O_INFO,
	O_NOBOOT,
	O_ALT,
	O_HYBRID,
	O_VERBOSE,
	O_QUIET,
	O_CHARSET,
	O_HELP,
};

static const struct {
	const char *name;
	enum opt_id id;
	bool arg;
} opts[] = {
    {"o", O_O, true},
    {"graft-points", O_GRAFT, false},
    {"m", O_EXCL, true},
    {"exclude", O_EXCL, true},
    {"x", O_EXCL, true},
    {"f", O_FOLLOW, false},
    {"follow-links", O_FOLLOW, false},
    {"pad", O_PAD, false},
    {"no-pad", O_NOPAD, false},
    {"iso-level", O_LEVEL, true},
    {"l", O_L, false},
    {"full-iso9660-filenames", O_L, false},
    {"R", O_RR, false},
    {"rock", O_RR, false},
    {"r", O_RRR, false},
    {"rational-rock", O_RRR, false},
    {"J", O_J, false},
    {"joliet", O_J, false},
    {"hide-rr-moved", O_HIDERR, false},
    {"V", O_V, true},
    {"A", O_A, true},
    {"appid", O_A, true},
    {"p", O_P, true},
    {"preparer", O_P, true},
    {"publisher", O_PUB, true},
    {"P", O_PUB, true},
    {"sysid", O_SYSID, true},
    {"volset", O_VOLSET, true},
    {"b", O_B, true},
    {"eltorito-boot", O_B, true},
    {"e", O_E, true},
    {"efi-boot", O_E, true},
    {"c", O_C, true},
    {"eltorito-catalog", O_C, true},
    {"no-emul-boot", O_NOEMUL, false},
    {"hard-disk-boot", O_HD, false},
    {"boot-load-size", O_LOADSIZE, true},
    {"boot-load-seg", O_LOADSEG, true},
    {"boot-info-table", O_INFO, false},
    {"no-boot", O_NOBOOT, false},
    {"eltorito-alt-boot", O_ALT, false},
    {"isohybrid-mbr", O_HYBRID, true},
    {"v", O_VERBOSE, false},
    {"verbose", O_VERBOSE, false},
    {"quiet", O_QUIET, false},
    {"input-charset", O_CHARSET, true},
    {"output-charset", O_CHARSET, true},
    {"h", O_HELP, false},
    {"help", O_HELP, false},
};

/* Per-entry flags, to report conflicts (-no-emul-boot with -hard-disk-boot). */
struct entry_flags {
	bool noemul, hd, any;
};

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
	struct iso_opts o;
	struct iso_boot_entry boot[MAX_BOOT];
	struct entry_flags bf[MAX_BOOT];
	size_t cur = 0;
	const char *out_path = NULL;
	const char **specs = xcalloc((size_t)argc + 1, sizeof *specs);
	const char **excl = xcalloc((size_t)argc + 1, sizeof *excl);
	size_t nspecs = 0, nexcl = 0;
	bool graft = false, opts_done = false;
	struct tree_scan_opts so;
	struct tree *t = NULL;
	uint64_t v;
	int rc = 0;

	iso_opts_init(&o);
	memset(boot, 0, sizeof boot);
	memset(bf, 0, sizeof bf);
	memset(&so, 0, sizeof so);
	log_set_level(1);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *arg = NULL;
		size_t k;
		if (opts_done || a[0] != '-' || !a[1]) {
			specs[nspecs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		name = a + 1 + (a[1] == '-'); /* -opt and --opt alike */
		for (k = 0; k < ARRAY_SIZE(opts); k++)
			if (!strcmp(opts[k].name, name))
				break;
		if (k == ARRAY_SIZE(opts)) {
			rc = err_set(ERR_USAGE, "unknown option %s (see 'mklive iso --help')", a);
			goto out;
		}
		if (opts[k].arg) {
			if (i + 1 >= argc) {
				rc = err_set(ERR_USAGE, "option %s needs an argument", a);
				goto out;
			}
			arg = argv[++i];
		}
		switch (opts[k].id) {
		case O_HELP:
			fputs(usage_text, stdout);
			goto out;
		case O_O:
			out_path = arg;
			break;
		case O_GRAFT:
			graft = true;
			break;
		case O_EXCL:
			excl[nexcl++] = arg;
			break;
		case O_FOLLOW:
			so.follow_links = true;
			break;
		case O_PAD:
			o.pad = true;
			break;
		case O_NOPAD:
			o.pad = false;
			break;
		case O_LEVEL:
			if ((rc = util_parse_uint(arg, 1, 3, &v, "-iso-level")))
				goto out;
			o.level = (int)v;
			break;
		case O_L:
			o.long_names = true;
			break;
		case O_RR:
			o.rock = true;
			break;
		case O_RRR:
			o.rock = o.rationalize = true;
			break;
		case O_J:
			o.joliet = true;
			break;
		case O_HIDERR:
			o.hide_rr_moved = true;
			break;
		case O_V:
			o.volume_id = arg;
			break;
		case O_A:
			o.application_id = arg;
			break;
		case O_P:
			o.preparer_id = arg;
			break;
		case O_PUB:
			o.publisher_id = arg;
			break;
		case O_SYSID:
			o.system_id = arg;
			break;
		case O_VOLSET:
			o.volset_id = arg;
			break;
		case O_C:
			o.catalog = arg;
			break;
		case O_HYBRID:
			o.isohybrid_mbr = arg;
			break;
		case O_VERBOSE:
			log_set_level(2);
			break;
		case O_QUIET:
			log_set_level(0);
			break;
		case O_CHARSET:
			break;
		case O_ALT:
			if (!boot[cur].image) {
				rc = err_set(ERR_USAGE,
					     "-eltorito-alt-boot: the boot entry before it has no -b or -e");
				goto out;
			}
			if (++cur >= MAX_BOOT) {
				rc = err_set(ERR_USAGE, "too many boot entries (at most %d)", MAX_BOOT);
				goto out;
			}
			break;
		case O_B:
		case O_E:
			if (boot[cur].image) {
				rc = err_set(
				    ERR_USAGE,
				    "%s %s: this boot entry already has %s (use -eltorito-alt-boot first)", a,
				    arg, boot[cur].image);
				goto out;
			}
			boot[cur].image = arg;
			while (*boot[cur].image == '/')
				boot[cur].image++;
			if (opts[k].id == O_E) {
				boot[cur].platform = 0xEF;
				boot[cur].emul = ISO_EMUL_NONE;
				bf[cur].noemul = true;
			}
			bf[cur].any = true;
			break;
		case O_NOEMUL:
			boot[cur].emul = ISO_EMUL_NONE;
			bf[cur].noemul = bf[cur].any = true;
			break;
		case O_HD:
			boot[cur].emul = ISO_EMUL_HARDDISK;
			bf[cur].hd = bf[cur].any = true;
			break;
		case O_LOADSIZE:
			if ((rc = util_parse_uint(arg, 1, 0xFFFF, &v, "-boot-load-size")))
				goto out;
			boot[cur].load_size = (uint32_t)v;
			bf[cur].any = true;
			break;
		case O_LOADSEG:
			if ((rc = util_parse_uint(arg, 0, 0xFFFF, &v, "-boot-load-seg")))
				goto out;
			boot[cur].load_seg = (uint16_t)v;
			bf[cur].any = true;
			break;
		case O_INFO:
			boot[cur].info_table = bf[cur].any = true;
			break;
		case O_NOBOOT:
			boot[cur].no_boot = bf[cur].any = true;
			break;
		}
	}
	if (!out_path) {
		rc = err_set(ERR_USAGE, "no output file: use -o FILE (see 'mklive iso --help')");
		goto out;
	}
	if (!nspecs) {
		rc = err_set(ERR_USAGE, "nothing to put in the image: give at least one directory or file");
		goto out;
	}
	for (size_t i = 0; i <= cur; i++) {
		if (bf[i].noemul && bf[i].hd) {
			rc = err_set(ERR_USAGE, "boot entry %s: -no-emul-boot and -hard-disk-boot conflict",
				     boot[i].image ? boot[i].image : "(none)");
			goto out;
		}
		if (bf[i].any && !boot[i].image) {
			rc = err_set(ERR_USAGE,
				     "boot options given without a boot image (-b FILE or -e FILE)");
			goto out;
		}
	}
	o.boot = boot;
	o.nboot = boot[0].image ? cur + 1 : 0;
	if (o.catalog)
		while (*o.catalog == '/')
			o.catalog++;
	if (o.catalog && !o.nboot) {
		rc = err_set(ERR_USAGE, "-c %s given without a boot image (-b or -e)", o.catalog);
		goto out;
	}
	if (o.nboot && !o.catalog)
		o.catalog = "boot.catalog";
	if (!o.application_id)
		o.application_id = "MKLIVE " MKLIVE_VERSION;
	so.excludes = excl;
	so.nexcludes = nexcl;
	t = tree_create();
	for (size_t i = 0; i < nspecs; i++)
		if ((rc = add_source(t, specs[i], graft, &so)))
			goto out;
	if ((rc = tree_finalize(t)))
		goto out;
	log_info("%zu files and directories", t->nnodes);
	rc = iso_write(t, &o, out_path);
	if (!rc)
		log_info("wrote %s", out_path);
out:
	if (rc)
		log_error_current();
	tree_destroy(t);
	free(specs);
	free(excl);
	return rc ? 1 : 0;
}
