/* mklive initrd: the live initramfs (mklive-init + kernel modules) as a
 * compressed cpio archive. */
#include "live/initrd.h"
#include "compress/compress.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "live/init_blob.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_initrd(int argc, char **argv);
extern const char cmd_initrd_summary[];
const char cmd_initrd_summary[] = "build the live initramfs (mklive-init + kernel modules)";

static void usage(FILE *f)
{
	fprintf(f, "usage: mklive initrd -o OUT --kernel-version VER [options]\n"
		   "\n"
		   "Builds the initramfs of a live medium: mklive-init as /init (finds the medium\n"
		   "by its /live/mklive.id, mounts the compressed root with a writable layer and\n"
		   "switches to it) and the kernel modules booting needs, as a cpio newc archive.\n"
		   "\n"
		   "  -o, --output OUT          the initramfs to write ('-': standard output)\n"
		   "  -k, --kernel-version VER  modules from /lib/modules/VER (required unless\n"
		   "                            --no-modules); must equal the kernel's 'uname -r'\n"
		   "  -m, --modules-dir DIR     read the modules from DIR instead of /lib/modules/VER\n"
		   "  -p, --profile NAME        generic (default): CD, USB, SATA/AHCI/IDE, NVMe, virtio,\n"
		   "                            SCSI, SD; minimal: what QEMU's default machines need\n"
		   "  -a, --add-module NAME     also carry this module: a name, a path pattern such as\n"
		   "                            'kernel/drivers/net/*.ko', or a .ko file from elsewhere\n"
		   "                            (e.g. cloop.ko built from cloop-src); repeatable\n"
		   "      --no-modules          carry no kernel modules (drivers built into the kernel)\n"
		   "      --add TARGET=SOURCE   add a file or directory (mkisofs graft syntax); repeatable\n"
		   "      --shell               add busybox (static, from busybox-static) as /bin/sh:\n"
		   "                            a rescue shell when booting fails, and for live.shell\n"
		   "      --busybox PATH        the static busybox to use (default /bin/busybox)\n"
		   "      --id ID               the medium id to look for (written as /mklive.id;\n"
		   "                            the boot parameter live.id= overrides it)\n"
		   "  -c, --compress NAME       gzip (default), zstd, xz or none\n"
		   "  -L, --level N             compression level (default: the codec's)\n"
		   "  -q, --quiet               errors only;  -v, --verbose: what was added\n"
		   "\n"
		   "SOURCE_DATE_EPOCH makes the output identical from run to run.\n"
		   "Boot parameters of mklive-init: see mklive-init(7).\n");
}

int cmd_initrd(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"kernel-version", required_argument, NULL, 'k'},
	    {"modules-dir", required_argument, NULL, 'm'},
	    {"profile", required_argument, NULL, 'p'},
	    {"add-module", required_argument, NULL, 'a'},
	    {"no-modules", no_argument, NULL, 'N'},
	    {"add", required_argument, NULL, 'A'},
	    {"shell", no_argument, NULL, 'S'},
	    {"busybox", required_argument, NULL, 'B'},
	    {"id", required_argument, NULL, 'I'},
	    {"compress", required_argument, NULL, 'c'},
	    {"level", required_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct live_initrd_opts o = {.comp = {.codec = COMP_GZIP, .level = -1}};
	const char **mods = NULL, **adds = NULL;
	size_t nmods = 0, nadds = 0, mcap = 0, acap = 0;
	bool no_modules = false;
	uint64_t v;
	int c, rc = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:k:m:p:a:c:L:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.output = optarg;
			break;
		case 'k':
			o.kernel_version = optarg;
			break;
		case 'm':
			o.modules_dir = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "generic") && strcmp(optarg, "minimal")) {
				rc = err_set(ERR_USAGE, "--profile %s: expected generic or minimal", optarg);
				goto out;
			}
			o.profile = optarg;
			break;
		case 'a':
			util_grow(&mods, &mcap, nmods + 1, sizeof *mods);
			mods[nmods++] = optarg;
			break;
		case 'N':
			no_modules = true;
			break;
		case 'A':
			util_grow(&adds, &acap, nadds + 1, sizeof *adds);
			adds[nadds++] = optarg;
			break;
		case 'S':
			o.shell = true;
			break;
		case 'B':
			o.busybox = optarg;
			break;
		case 'I':
			if (!*optarg || strlen(optarg) > 100 || strpbrk(optarg, " \t\n\"")) {
				rc = err_set(ERR_USAGE, "--id '%s': 1 to 100 characters, no spaces or quotes",
					     optarg);
				goto out;
			}
			o.id = optarg;
			break;
		case 'c': {
			enum comp_codec codec;
			if (comp_codec_parse(optarg, &codec) < 0 ||
			    (codec != COMP_GZIP && codec != COMP_ZSTD && codec != COMP_XZ &&
			     codec != COMP_NONE)) {
				rc = err_set(ERR_USAGE, "--compress %s: expected gzip, zstd, xz or none",
					     optarg);
				goto out;
			}
			o.comp.codec = codec;
			break;
		}
		case 'L':
			if ((rc = util_parse_uint(optarg, 0, 22, &v, "--level")) < 0)
				goto out;
			o.comp.level = (int)v;
			break;
		case 'q':
			log_set_level(0);
			break;
		case 'v':
			log_set_level(2);
			break;
		case 'h':
			usage(stdout);
			goto done;
		default:
			usage(stderr);
			rc = err_set(ERR_USAGE, "bad option (see --help)");
			goto out;
		}
	}
	if (optind < argc) {
		rc = err_set(ERR_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
		goto out;
	}
	if (!o.output) {
		rc = err_set(ERR_USAGE, "no output file (-o OUT)");
		goto out;
	}
	if (!o.kernel_version && !no_modules) {
		rc = err_set(ERR_USAGE, "--kernel-version VER is required (or --no-modules)");
		goto out;
	}
	if (no_modules)
		o.kernel_version = NULL;
	if ((rc = comp_level_check(o.comp.codec, o.comp.level)) < 0)
		goto out;
	o.add_modules = mods;
	o.nadd_modules = nmods;
	o.adds = adds;
	o.nadds = nadds;
	o.init = mklive_init_blob;
	o.init_len = live_init_blob_size();
	rc = live_initrd_build(&o);
out:
	if (rc < 0)
		log_error_current();
done:
	free(mods);
	free(adds);
	return rc < 0 ? 1 : 0;
}
