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

static const char usage_head[] =
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
    "                          [Boot] [Output] [Entry LABEL]); may be repeated\n";

static const char usage_tail[] =
    "      --set SECTION.KEY=VALUE   any key of mklive.conf (e.g. --set Live.Level=19),\n"
    "                          or of the root's format (--set squashfs.b=1M)\n"
    "      --print-config      print the effective settings and exit\n"
    "  -q, --quiet             errors only;  -v, --verbose: more detail\n"
    "  -h, --help              this help\n"
    "\n"
    "SOURCE_DATE_EPOCH makes two builds of the same inputs byte-identical.\n"
    "Example:  mklive build --root debian:bookworm -c mklive.conf -o live.iso\n";

enum { O_CONFIG = 1, O_SET, O_PRINT };

/* The command's own options; the settings' spellings are added from the
 * table of mklive.conf's keys (pipeline/config.c). */
static const struct opt own_opts[] = {
    {"c|config", O_CONFIG, OPT_ARG, NULL, NULL},       {"set", O_SET, OPT_ARG, NULL, NULL},
    {"print-config", O_PRINT, OPT_NOARG, NULL, NULL},  {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL}, {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
};

/* One usage line: "  -o, --output FILE       help", continued lines
 * indented under the help. */
static void usage_line(struct strbuf *b, const struct build_cfg_option *o, const char *key)
{
	char spell[64];
	const char *bar = strchr(o->names, '|'), *h = o->help, *nl;
	size_t n;
	if (bar)
		n = (size_t)snprintf(spell, sizeof spell, "-%.*s, --%s", (int)(bar - o->names), o->names,
				     bar + 1);
	else
		n = (size_t)snprintf(spell, sizeof spell, "    --%s", o->names);
	if (o->arg)
		n += (size_t)snprintf(spell + n, sizeof spell - n, " %s", o->arg);
	strbuf_addf(b, "  %-24s%s", spell, n >= 24 ? "\n                          " : "");
	for (bool first = true; h; first = false, h = nl ? nl + 1 : NULL) {
		nl = strchr(h, '\n');
		strbuf_addf(b, "%s%.*s", first ? "" : "\n                          ",
			    (int)(nl ? nl - h : (long)strlen(h)), h);
	}
	strbuf_addf(b, " (%s%s%s)\n", key, o->value ? "=" : "", o->value ? o->value : "");
}

static void make_table(struct opt **opts, char **usage)
{
	struct strbuf b = {0};
	size_t n = 0;
	const struct build_cfg_option *o;
	while (build_cfg_option(n))
		n++;
	*opts = xcalloc(n + ARRAY_SIZE(own_opts) + 1, sizeof **opts);
	strbuf_addf(&b, "%s", usage_head);
	for (size_t i = 0; (o = build_cfg_option(i)); i++) {
		(*opts)[i] = (struct opt){o->names, 0, o->arg ? OPT_ARG : OPT_NOARG, o->key, o->value};
		usage_line(&b, o, o->key);
	}
	memcpy(*opts + n, own_opts, sizeof own_opts);
	strbuf_addf(&b, "%s", usage_tail);
	*usage = b.s;
}

struct ctx {
	struct build_cfg cfg;
	const char **configs;
	size_t nconfigs, configs_cap;
	bool print;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key) {
		build_cfg_arg(&c->cfg, o->key, o->arg == OPT_NOARG ? o->value : arg, spelled);
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
		build_cfg_arg(&c->cfg, key, eq + 1, label);
		free(key);
		free(label);
		break;
	}
	case O_PRINT:
		c->print = true;
		break;
	}
	return 0;
}

int cmd_build(int argc, char **argv)
{
	struct opt *opts;
	char *usage;
	struct ctx c;
	struct build_report rep;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&c, 0, sizeof c);
	build_cfg_init(&c.cfg);
	make_table(&opts, &usage);
	struct opt_cmd cmd = {"mklive build", OPT_GNU, opts, usage, on_opt, false};
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if (nops) {
		rc = err_set(
		    ERR_USAGE,
		    "unexpected operand '%s': the root is given with --root (see 'mklive build --help')",
		    ops[0]);
		goto out;
	}
	for (size_t i = 0; i < c.nconfigs && !rc; i++)
		rc = build_cfg_load(&c.cfg, c.configs[i]);
	if (rc || (rc = build_cfg_apply_args(&c.cfg)))
		goto out;
	if (c.print) {
		char *text = build_cfg_dump(&c.cfg);
		fputs(text, stdout);
		free(text);
		goto out;
	}
	rc = build_run(&c.cfg, &rep);
out:
	free(c.configs);
	free(opts);
	free(usage);
	free(ops);
	build_cfg_free(&c.cfg);
	return rc == 1 ? 0 : opt_exit(rc);
}
