/* mklive fat: FAT12/16/32 images and SYSLINUX boot floppies from files. */
#include "fat/fat.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_fat(int argc, char **argv);
extern const char cmd_fat_summary[];
const char cmd_fat_summary[] = "make a FAT image or SYSLINUX boot floppy (mformat + mcopy + syslinux)";

static void usage(FILE *f)
{
	fprintf(f, "usage: mklive fat -o IMG [options] SOURCE...\n"
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
		   "  -q, --quiet           errors only\n"
		   "  -v, --verbose         say what was written\n"
		   "  -h, --help            this help\n"
		   "\n"
		   "Without --syslinux the boot sector prints a \"not a boot disk\" message.\n"
		   "File times are clamped to SOURCE_DATE_EPOCH when it is set.\n");
}

static int parse_serial(const char *s, uint32_t *out)
{
	char hex[9];
	size_t n = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '-' && n == 4 && p == s + 4)
			continue;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')) ||
		    n == 8)
			return err_set(ERR_USAGE, "--serial %s: expected 8 hex digits (XXXX-XXXX)", s);
		hex[n++] = *p;
	}
	if (n != 8)
		return err_set(ERR_USAGE, "--serial %s: expected 8 hex digits (XXXX-XXXX)", s);
	hex[8] = 0;
	*out = (uint32_t)strtoul(hex, NULL, 16);
	return 0;
}

int cmd_fat(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'}, {"size", required_argument, NULL, 's'},
	    {"fat", required_argument, NULL, 'F'},    {"label", required_argument, NULL, 'n'},
	    {"serial", required_argument, NULL, 'S'}, {"partition", no_argument, NULL, 'P'},
	    {"syslinux", no_argument, NULL, 'L'},     {"syslinux-dir", required_argument, NULL, 'D'},
	    {"quiet", no_argument, NULL, 'q'},	      {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	struct fat_opts o;
	struct fat_info info;
	struct tree_scan_opts so;
	struct tree *t = NULL;
	const char *output = NULL, *sl_dir = "";
	bool syslinux = false;
	uint64_t v;
	int c, rc = 0;

	memset(&o, 0, sizeof o);
	memset(&so, 0, sizeof so);
	/* FAT has no symlinks: store what they point to, as mcopy does. */
	so.follow_links = true;
	while ((c = getopt_long(argc, argv, "o:s:F:n:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 's':
			if (strcmp(optarg, "auto") == 0) {
				o.size = 0;
			} else if ((rc = util_parse_size(optarg, &v, "--size"))) {
				goto fail;
			} else if (v == 0 || v % 512) {
				rc = err_set(ERR_USAGE, "--size %s: must be a non-zero multiple of 512 bytes",
					     optarg);
				goto fail;
			} else {
				o.size = v;
			}
			break;
		case 'F':
			if ((rc = util_parse_uint(optarg, 12, 32, &v, "--fat")))
				goto fail;
			if (v != 12 && v != 16 && v != 32) {
				rc = err_set(ERR_USAGE, "--fat %s: must be 12, 16 or 32", optarg);
				goto fail;
			}
			o.fat_bits = (int)v;
			break;
		case 'n':
			o.label = optarg;
			break;
		case 'S':
			if ((rc = parse_serial(optarg, &o.serial)))
				goto fail;
			o.serial_set = true;
			break;
		case 'P':
			o.partition = true;
			break;
		case 'L':
			syslinux = true;
			break;
		case 'D':
			sl_dir = optarg;
			break;
		case 'q':
			log_set_level(0);
			break;
		case 'v':
			log_set_level(2);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!output) {
		rc = err_set(ERR_USAGE, "no output: give -o IMG (see mklive fat --help)");
		goto fail;
	}
	if (optind >= argc) {
		rc = err_set(ERR_USAGE, "no SOURCE given (see mklive fat --help)");
		goto fail;
	}
	if (strcmp(output, "-") == 0) {
		rc = err_set(ERR_USAGE, "-o -: a FAT image cannot be written to standard output");
		goto fail;
	}
	t = tree_create();
	for (int i = optind; i < argc; i++)
		if ((rc = tree_add_graft(t, argv[i], &so)))
			goto fail;
	o.syslinux = syslinux;
	o.syslinux_dir = sl_dir;
	if ((rc = fat_syslinux_prepare(t, &o)))
		goto fail;
	if ((rc = tree_finalize(t)))
		goto fail;
	if ((rc = fat_write_file(t, &o, output, &info)))
		goto fail;
	log_info("%s: %llu bytes, FAT%d%s, %u clusters of %u bytes, %llu bytes free", output,
		 (unsigned long long)info.image_size, info.fat_bits,
		 o.partition ? " in an MBR partition" : "", info.clusters, info.cluster_size,
		 (unsigned long long)info.free_bytes);
	tree_destroy(t);
	return 0;
fail:
	tree_destroy(t);
	log_error_current();
	return 1;
}
