/* Unit tests for the shared option layer (src/cmd/opt.c) and the format
 * modules' option setters that the command line and mklive.conf share. */
#define TEST_SUITE "opt"
#include "test.h"

#include "core/tree.h"

#include "cloop/cloop.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "fat/fat.h"
#include "iso9660/iso.h"
#include "live/initrd.h"
#include "squashfs/squashfs.h"

enum { A = 1, B, C, D };

struct seen {
	char log[512];
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct seen *s = vctx;
	size_t n = strlen(s->log);
	snprintf(s->log + n, sizeof s->log - n, "[%d %s %s]", o->id, spelled, arg ? arg : "-");
	return 0;
}

static const struct opt table[] = {
    {"a|alpha", A, OPT_NOARG, NULL, NULL},
    {"b|beta", B, OPT_ARG, NULL, NULL},
    {"c", C, OPT_NOARG, NULL, NULL},
    {"long-only", D, OPT_ARG, NULL, NULL},
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static int parse(enum opt_style st, bool stop, struct seen *s, char ***ops, size_t *n, int argc, char **argv)
{
	const struct opt_cmd c = {"mklive t", st, table, "usage text\n", on_opt, stop};
	memset(s, 0, sizeof *s);
	return opt_parse(&c, argc, argv, s, ops, n);
}

TEST(test_gnu)
{
	char *argv[] = {"t", "-ac", "x",	   "-bVAL", "--beta=2", "--alpha", "-b",
			"3", "y",   "--long-only", "L",	    "--",	"-a"};
	struct seen s;
	char **ops;
	size_t n;
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 13, argv), 0);
	CHECK_STR(s.log, "[1 -a -][3 -c -][2 -b VAL][2 --beta 2][1 --alpha -][2 -b 3][4 --long-only L]");
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK_STR(ops[0], "x");
		CHECK_STR(ops[1], "y");
		CHECK_STR(ops[2], "-a");
		CHECK(ops[3] == NULL);
	}
	free(ops);
}

TEST(test_gnu_errors)
{
	char *unknown[] = {"t", "-z"}, *missing[] = {"t", "x", "-b"}, *novalue[] = {"t", "--alpha=1"},
	     *longshort[] = {"t", "-long-only", "v"}, *shortlong[] = {"t", "--a"};
	struct seen s;
	char **ops;
	size_t n;
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 2, unknown), -ERR_USAGE);
	CHECK(strstr(err_msg(), "unknown option -z (see 'mklive t --help')") != NULL);
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 3, missing), -ERR_USAGE);
	CHECK(strstr(err_msg(), "option -b needs an argument") != NULL);
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 2, novalue), -ERR_USAGE);
	CHECK(strstr(err_msg(), "--alpha takes no value") != NULL);
	/* GNU: one dash means short letters, so -long-only is -l... */
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 3, longshort), -ERR_USAGE);
	CHECK(strstr(err_msg(), "unknown option -l") != NULL);
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 2, shortlong), -ERR_USAGE);
	CHECK(ops == NULL);
}

TEST(test_single_dash)
{
	char *argv[] = {"t", "-alpha", "-b", "V", "--long-only", "L", "-long-only=M", "op", "-c"};
	struct seen s;
	char **ops;
	size_t n;
	CHECK_EQ(parse(OPT_SINGLE_DASH, false, &s, &ops, &n, 9, argv), 0);
	CHECK_STR(s.log, "[1 -alpha -][2 -b V][4 --long-only L][4 -long-only M][3 -c -]");
	CHECK_EQ(n, 1);
	free(ops);
	/* no combined short options in this style */
	char *comb[] = {"t", "-ac"};
	CHECK_EQ(parse(OPT_SINGLE_DASH, false, &s, &ops, &n, 2, comb), -ERR_USAGE);
	CHECK(strstr(err_msg(), "unknown option -ac") != NULL);
}

TEST(test_stop_and_help)
{
	char *argv[] = {"t", "-a", "sub", "-b", "x"}, *help[] = {"t", "-qh", "-z"};
	struct seen s;
	char **ops;
	size_t n;
	CHECK_EQ(parse(OPT_GNU, true, &s, &ops, &n, 5, argv), 0);
	CHECK_STR(s.log, "[1 -a -]");
	CHECK_EQ(n, 3);
	free(ops);
	/* --help stops parsing (the unknown -z after it is never looked at) */
	CHECK_EQ(parse(OPT_GNU, false, &s, &ops, &n, 3, help), 1);
	CHECK_EQ(log_level(), 0);
	log_set_level(1);
}

TEST(test_iso_opts)
{
	struct iso_opts o;
	iso_opts_init(&o);
	/* setters parse, iso_opts_check holds the rule and names the label */
	CHECK_EQ(iso_opts_set(&o, "level", "4", "Level"), 0);
	CHECK_EQ(iso_opts_check(&o), -ERR_USAGE);
	CHECK(strstr(err_msg(), "Level 4: must be 1, 2 or 3") != NULL);
	CHECK_EQ(iso_opts_set(&o, "volume-id", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "mk.conf:3: VolumeId"),
		 0);
	CHECK_EQ(iso_opts_set(&o, "level", "3", "-iso-level"), 0);
	CHECK_EQ(iso_opts_check(&o), -ERR_USAGE);
	CHECK(strstr(err_msg(),
		     "mk.conf:3: VolumeId: volume id \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\" is 33") != NULL);
	CHECK_EQ(iso_opts_set(&o, "volume-id", "LIVE", "-V"), 0);
	CHECK_EQ(o.level, 3);
	CHECK_EQ(iso_opts_set(&o, "boot-image", "/boot/isolinux.bin", NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "no-emul-boot", NULL, NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "alt-boot", NULL, NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "efi-boot-image", "boot/efi.img", NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "pad", "no", NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "joliet", "maybe", "Joliet"), -ERR_USAGE);
	CHECK_EQ(iso_opts_check(&o), 0);
	CHECK_EQ(o.nboot, 2);
	CHECK_STR(o.boot[0].image, "boot/isolinux.bin");
	CHECK_EQ(o.boot[1].platform, 0xEF);
	CHECK_STR(o.catalog, "boot.catalog");
	CHECK(!o.pad);
	iso_opts_init(&o);
	CHECK_EQ(iso_opts_set(&o, "boot-load-size", "4", NULL), 0);
	CHECK_EQ(iso_opts_check(&o), -ERR_USAGE);
	iso_opts_init(&o);
	CHECK_EQ(iso_opts_set(&o, "boot-image", "b", NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "no-emul-boot", NULL, NULL), 0);
	CHECK_EQ(iso_opts_set(&o, "hard-disk-boot", NULL, NULL), 0);
	CHECK_EQ(iso_opts_check(&o), -ERR_USAGE);
	CHECK(strstr(err_msg(), "conflict") != NULL);
}

TEST(test_sqfs_opts)
{
	struct sqfs_opts o;
	sqfs_opts_init(&o);
	CHECK_EQ(sqfs_opts_set(&o, "comp", "zstd", NULL), 0);
	CHECK_EQ(sqfs_opts_set(&o, "b", "1M", NULL), 0);
	CHECK_EQ(o.block_size, 1 << 20);
	/* the setter parses; sqfs_opts_check holds the rule, named as given */
	CHECK_EQ(sqfs_opts_set(&o, "b", "3K", "-b"), 0);
	CHECK_EQ(sqfs_opts_check(&o), -ERR_USAGE);
	CHECK(strstr(err_msg(), "-b 3072: the block size must be a power of two") != NULL);
	CHECK_EQ(sqfs_opts_set(&o, "b", "1M", NULL), 0);
	CHECK_EQ(sqfs_opts_set(&o, "Xcompression-level", "19", NULL), 0);
	CHECK_EQ(sqfs_opts_check(&o), 0);
	CHECK_EQ(sqfs_opts_set(&o, "Xhc", NULL, NULL), 0);
	CHECK_EQ(sqfs_opts_check(&o), -ERR_USAGE); /* -Xhc with zstd */
	sqfs_opts_init(&o);
	CHECK_EQ(sqfs_opts_set(&o, "comp", "lz4", NULL), 0);
	CHECK_EQ(sqfs_opts_set(&o, "Xhc", "yes", NULL), 0);
	CHECK_EQ(sqfs_opts_check(&o), 0);
	CHECK_EQ(o.level, 9);
	sqfs_opts_init(&o);
	CHECK_EQ(sqfs_opts_set(&o, "Xcompression-level", "10", NULL), 0);
	CHECK_EQ(sqfs_opts_check(&o), -ERR_USAGE); /* gzip 1..9 */
}

TEST(test_cloop_opts)
{
	struct cloop_opts o;
	cloop_opts_init(&o);
	CHECK_EQ(cloop_opts_set(&o, "compressor", "xz", NULL), 0);
	CHECK_EQ(cloop_opts_set(&o, "level", "-2", NULL), 0);
	CHECK_EQ(cloop_opts_check(&o), 0);
	CHECK_EQ(o.w.version, CLOOP_V4); /* xz exists only in v4 */
	CHECK_EQ(o.w.comp.level, 9);
	cloop_opts_init(&o);
	/* the setter parses; the rule is cloop_opts_check's, named as given */
	CHECK_EQ(cloop_opts_set(&o, "block-size", "1000", "mk.conf:4: BlockSize"), 0);
	CHECK_EQ(cloop_opts_check(&o), -ERR_USAGE);
	CHECK(strstr(err_msg(), "mk.conf:4: BlockSize 1000: the block size must be a multiple of 512") !=
	      NULL);
	CHECK_EQ(cloop_opts_set(&o, "block-size", "64K", "-B"), 0);
	CHECK_EQ(cloop_opts_set(&o, "format", "v2", NULL), 0);
	CHECK_EQ(cloop_opts_set(&o, "compressor", "lz4", NULL), 0);
	CHECK_EQ(cloop_opts_check(&o), -ERR_USAGE);
	cloop_opts_free(&o);
}

TEST(test_fat_initrd_opts)
{
	struct fat_opts f;
	struct live_initrd_opts l;
	fat_opts_init(&f);
	CHECK_EQ(fat_opts_set(&f, "size", "1440K", NULL), 0);
	CHECK_EQ(f.size, 1474560);
	CHECK_EQ(fat_opts_set(&f, "serial", "1234-ABCD", NULL), 0);
	CHECK_EQ(f.serial, 0x1234ABCD);
	{
		/* the setters parse; fat_opts_check holds the rules */
		struct tree *t = tree_create();
		CHECK_EQ(fat_opts_check(&f, t), 0);
		CHECK_EQ(fat_opts_set(&f, "size", "1000", "-C"), 0);
		CHECK_EQ(fat_opts_check(&f, t), -ERR_USAGE);
		CHECK(strstr(err_msg(), "-C 1000: must be a non-zero multiple of 512") != NULL);
		CHECK_EQ(fat_opts_set(&f, "size", "1440K", NULL), 0);
		CHECK_EQ(fat_opts_set(&f, "fat", "24", "-F"), 0);
		CHECK_EQ(fat_opts_check(&f, t), -ERR_USAGE);
		CHECK(strstr(err_msg(), "-F 24: must be 12, 16 or 32") != NULL);
		CHECK_EQ(fat_opts_set(&f, "fat", "12", "-F"), 0);
		CHECK_EQ(fat_opts_set(&f, "label", "TWELVE CHARS", "-n"), 0);
		CHECK_EQ(fat_opts_check(&f, t), -EINVAL);
		CHECK(strstr(err_msg(), "-n: volume label \"TWELVE CHARS\" is longer than 11") != NULL);
		CHECK_EQ(fat_opts_set(&f, "label", "ESP", "-n"), 0);
		CHECK_EQ(fat_opts_check(&f, t), 0);
		/* SYSLINUX after tree_finalize: the order is refused */
		CHECK_EQ(fat_opts_set(&f, "syslinux", NULL, NULL), 0);
		CHECK_EQ(tree_finalize(t), 0);
		CHECK(fat_opts_check(&f, t) < 0);
		tree_destroy(t);
	}
	live_initrd_opts_init(&l);
	CHECK_EQ(live_initrd_opts_check(&l), -ERR_USAGE); /* no kernel version */
	CHECK_EQ(live_initrd_opts_set(&l, "add-module", "cloop", NULL), 0);
	CHECK_EQ(live_initrd_opts_set(&l, "add-module", "loop", NULL), 0);
	CHECK_EQ(l.nadd_modules, 2);
	CHECK_EQ(live_initrd_opts_set(&l, "no-modules", NULL, NULL), 0);
	CHECK_EQ(live_initrd_opts_set(&l, "compress", "lz4", NULL), -ERR_USAGE);
	CHECK_EQ(live_initrd_opts_check(&l), 0);
	live_initrd_opts_free(&l);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
