/* mklive build: a bootable live medium from a root filesystem in one
 * command. Options and messages only; the pipeline is in src/pipeline. */
#include "pipeline/build.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "pipeline/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cmd_build(int argc, char **argv);
extern const char cmd_build_summary[];
const char cmd_build_summary[] = "build a bootable live ISO from a root filesystem (mklive.conf)";

static const char usage_text[] =
    "usage: mklive build [-c mklive.conf] [-o live.iso] [options]\n"
    "\n"
    "Builds a bootable live medium (BIOS and UEFI with Secure Boot, CD and USB\n"
    "stick) from a root filesystem: the root compressed (squashfs, or the\n"
    "article's cloop), the kernel and an initramfs that finds the medium, a\n"
    "writable layer in RAM, one boot menu for isolinux and GRUB.\n"
    "Every setting is a key of mklive.conf (see mklive-build(1)); options given\n"
    "here override the file.\n"
    "\n"
    "  -c, --config FILE       read settings from FILE (INI: [Root] [Kernel] [Live]\n"
    "                          [Boot] [Output] [Entry LABEL]); may be repeated\n"
    "  -o, --output FILE       the medium to write (Output.Output, default live.iso)\n"
    "  -r, --root SOURCE       the root (Root.Source): a directory, a tarball (.tar,\n"
    "                          .tar.gz, .tar.xz, .tar.zst), an image (old.iso, or\n"
    "                          old.iso:/live/filesystem.squashfs), debian:SUITE, or\n"
    "                          nothing for the embedded default system (busybox)\n"
    "      --profile NAME      default, or article (cloop root, root_fs.tgz, boot floppy)\n"
    "      --overlay DIR       copy DIR on top of the root (Root.Overlay; repeatable)\n"
    "      --remove GLOB       leave out paths of the root (Root.Remove; repeatable)\n"
    "      --run SCRIPT        run SCRIPT inside the root before imaging (Root.Run)\n"
    "      --hostname NAME     the live system's host name (Root.Hostname)\n"
    "  -k, --kernel FILE       the kernel (default: the root's, else this machine's)\n"
    "      --modules-dir DIR   its modules (default: /lib/modules/VERSION of the root\n"
    "                          or this machine)\n"
    "  -a, --add-module M      also carry module M in the initramfs (a name or a .ko)\n"
    "      --root-format F     squashfs (default) or cloop\n"
    "      --compression C     zstd (default), xz, gzip, lz4 (squashfs); zlib, xz, lz4 (cloop)\n"
    "      --writable W        overlay (default) or tgz\n"
    "      --append ARGS       extra kernel parameters for every entry (Boot.Append)\n"
    "      --timeout S         seconds before the default entry boots (Boot.Timeout)\n"
    "      --serial on|off     the first serial port as a console too (Boot.Serial)\n"
    "      --uefi yes|auto|no  UEFI boot through Debian's signed shim and GRUB\n"
    "                          (Boot.UEFI; yes: fail when they are missing, auto:\n"
    "                          BIOS only then)\n"
    "      --no-uefi           BIOS only (Boot.UEFI=no)\n"
    "      --volume-id ID      the ISO 9660 volume id (Output.VolumeId)\n"
    "      --netboot DIR       also write a network boot tree to DIR (Output.Netboot):\n"
    "                          PXE (lpxelinux), UEFI (shim + network GRUB, Secure\n"
    "                          Boot), iPXE (boot.ipxe); serve it by TFTP and HTTP\n"
    "      --netboot-url URL   where DIR is served by HTTP (Output.NetbootURL), for\n"
    "                          live.fetch=; default: the server that booted the loader\n"
    "      --cache-dir DIR     where debian: roots and compressed blocks are cached\n"
    "      --no-cache          do not use the cache\n"
    "      --set SECTION.KEY=VALUE   any key of mklive.conf (e.g. --set Live.Level=19)\n"
    "      --print-config      print the effective settings and exit\n"
    "  -q, --quiet             errors only;  -v, --verbose: more detail\n"
    "  -h, --help              this help\n"
    "\n"
    "SOURCE_DATE_EPOCH makes two builds of the same inputs byte-identical.\n"
    "Example:  mklive build --root debian:bookworm -c mklive.conf -o live.iso\n";

enum { O_CONFIG = 1, O_SET, O_PRINT, O_NOCACHE, O_NOUEFI };

static const struct opt opts[] = {
    {"c|config", O_CONFIG, OPT_ARG, NULL, NULL},
    {"o|output", 0, OPT_ARG, "Output.Output", NULL},
    {"r|root", 0, OPT_ARG, "Root.Source", NULL},
    {"profile", 0, OPT_ARG, "Output.Profile", NULL},
    {"overlay", 0, OPT_ARG, "Root.Overlay", NULL},
    {"remove", 0, OPT_ARG, "Root.Remove", NULL},
    {"run", 0, OPT_ARG, "Root.Run", NULL},
    {"hostname", 0, OPT_ARG, "Root.Hostname", NULL},
    {"k|kernel", 0, OPT_ARG, "Kernel.Kernel", NULL},
    {"modules-dir", 0, OPT_ARG, "Kernel.ModulesDir", NULL},
    {"a|add-module", 0, OPT_ARG, "Kernel.AddModule", NULL},
    {"root-format", 0, OPT_ARG, "Live.RootFormat", NULL},
    {"compression", 0, OPT_ARG, "Live.Compression", NULL},
    {"writable", 0, OPT_ARG, "Live.Writable", NULL},
    {"append", 0, OPT_ARG, "Boot.Append", NULL},
    {"timeout", 0, OPT_ARG, "Boot.Timeout", NULL},
    {"serial", 0, OPT_ARG, "Boot.Serial", NULL},
    {"uefi", 0, OPT_ARG, "Boot.UEFI", NULL},
    {"no-uefi", O_NOUEFI, OPT_NOARG, NULL, NULL},
    {"volume-id", 0, OPT_ARG, "Output.VolumeId", NULL},
    {"netboot", 0, OPT_ARG, "Output.Netboot", NULL},
    {"netboot-url", 0, OPT_ARG, "Output.NetbootURL", NULL},
    {"cache-dir", 0, OPT_ARG, "Output.CacheDir", NULL},
    {"no-cache", O_NOCACHE, OPT_NOARG, NULL, NULL},
    {"set", O_SET, OPT_ARG, NULL, NULL},
    {"print-config", O_PRINT, OPT_NOARG, NULL, NULL},
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

/* The command line is applied after every configuration file, whatever
 * the order of the options: keep its assignments until then. */
struct assignment {
	char *key, *value, *label;
};

struct ctx {
	struct build_cfg cfg;
	const char **configs;
	size_t nconfigs, configs_cap;
	struct assignment *set;
	size_t nset, set_cap;
	bool print;
	/* list keys replace the file's list once, then append */
	char **replaced;
	size_t nreplaced, replaced_cap;
};

static void push_set(struct ctx *c, const char *key, const char *value, const char *label)
{
	util_grow(&c->set, &c->set_cap, c->nset + 1, sizeof *c->set);
	c->set[c->nset++] = (struct assignment){xstrdup(key), xstrdup(value), xstrdup(label)};
}

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key) {
		push_set(c, o->key, arg, spelled);
		return 0;
	}
	switch (o->id) {
	case O_CONFIG:
		util_grow(&c->configs, &c->configs_cap, c->nconfigs + 1, sizeof *c->configs);
		c->configs[c->nconfigs++] = arg;
		break;
	case O_SET: {
		const char *eq = strchr(arg, '=');
		char *key, *label;
		if (!eq || eq == arg)
			return err_set(ERR_USAGE, "--set %s: expected SECTION.KEY=VALUE", arg);
		key = xstrndup(arg, (size_t)(eq - arg));
		label = xasprintf("--set %s", key);
		push_set(c, key, eq + 1, label);
		free(key);
		free(label);
		break;
	}
	case O_PRINT:
		c->print = true;
		break;
	case O_NOCACHE:
		push_set(c, "Output.Cache", "no", spelled);
		break;
	case O_NOUEFI:
		push_set(c, "Boot.UEFI", "no", spelled);
		break;
	}
	return 0;
}

static bool replaced_once(struct ctx *c, const char *key)
{
	for (size_t i = 0; i < c->nreplaced; i++)
		if (!strcasecmp(c->replaced[i], key))
			return true;
	util_grow(&c->replaced, &c->replaced_cap, c->nreplaced + 1, sizeof *c->replaced);
	c->replaced[c->nreplaced++] = xstrdup(key);
	return false;
}

int cmd_build(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive build", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c;
	struct build_report rep;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&c, 0, sizeof c);
	build_cfg_init(&c.cfg);
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if (nops) {
		rc = err_set(ERR_USAGE,
			     "unexpected argument '%s': the root is given with --root (see --help)", ops[0]);
		goto out;
	}
	for (size_t i = 0; i < c.nconfigs && !rc; i++)
		rc = build_cfg_load(&c.cfg, c.configs[i]);
	for (size_t i = 0; i < c.nset && !rc; i++)
		rc = build_cfg_set(&c.cfg, c.set[i].key, c.set[i].value, c.set[i].label,
				   !replaced_once(&c, c.set[i].key));
	if (rc)
		goto out;
	if (c.print) {
		char *text = build_cfg_dump(&c.cfg);
		fputs(text, stdout);
		free(text);
		goto out;
	}
	rc = build_run(&c.cfg, &rep);
out:
	for (size_t i = 0; i < c.nset; i++) {
		free(c.set[i].key);
		free(c.set[i].value);
		free(c.set[i].label);
	}
	for (size_t i = 0; i < c.nreplaced; i++)
		free(c.replaced[i]);
	free(c.replaced);
	free(c.set);
	free(c.configs);
	free(ops);
	build_cfg_free(&c.cfg);
	return rc == 1 ? 0 : opt_exit(rc);
}
