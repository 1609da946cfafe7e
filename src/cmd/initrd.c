/* mklive initrd: the live initramfs (mklive-init + kernel modules) as a
 * compressed cpio archive. */
#include "live/initrd.h"
#include "cmd/opt.h"
#include "compress/compress.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "live/init_blob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_initrd(int argc, char **argv);
extern const char cmd_initrd_summary[];
const char cmd_initrd_summary[] = "build the live initramfs (mklive-init + kernel modules)";

static const char usage_text[] =
    "usage: mklive initrd -o OUT --kernel-version VER [options]\n"
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
    "                            SCSI, SD; minimal: what QEMU's default machines need;\n"
    "                            either with +net (generic+net): as with --net\n"
    "      --net                 also the network drivers (Ethernet: PCI, virtual, USB),\n"
    "                            for live.fetch= (booting over the network)\n"
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
    "Boot parameters of mklive-init: see mklive-init(7).\n";

enum { O_OUT = 1 };

static const struct opt opts[] = {
    {"o|output", O_OUT, OPT_ARG, NULL, NULL},
    {"k|kernel-version", 0, OPT_ARG, "kernel-version", NULL},
    {"m|modules-dir", 0, OPT_ARG, "modules-dir", NULL},
    {"p|profile", 0, OPT_ARG, "profile", NULL},
    {"a|add-module", 0, OPT_ARG, "add-module", NULL},
    {"no-modules", 0, OPT_NOARG, "no-modules", NULL},
    {"add", 0, OPT_ARG, "add", NULL},
    {"shell", 0, OPT_NOARG, "shell", NULL},
    {"net", 0, OPT_NOARG, "net", NULL},
    {"busybox", 0, OPT_ARG, "busybox", NULL},
    {"id", 0, OPT_ARG, "id", NULL},
    {"c|compress", 0, OPT_ARG, "compress", NULL},
    {"L|level", 0, OPT_ARG, "level", NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	struct live_initrd_opts o;
	const char *output;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key)
		return live_initrd_opts_set(&c->o, o->key, arg ? arg : o->value, spelled);
	c->output = arg;
	return 0;
}

int cmd_initrd(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive initrd", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&c, 0, sizeof c);
	live_initrd_opts_init(&c.o);
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 0, 0, "no operand")))
		goto out;
	if (!c.output) {
		rc = err_set(ERR_USAGE, "no output file (-o OUT)");
		goto out;
	}
	if ((rc = live_initrd_opts_check(&c.o)) < 0)
		goto out;
	rc = live_initrd_write(&c.o, c.output, NULL);
out:
	live_initrd_opts_free(&c.o);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
