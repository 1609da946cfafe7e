/* mklive cloop: create, extract and inspect cloop compressed images
 * (create_compressed_fs / extract_compressed_fs). */
#include "cloop/cloop.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_cloop(int argc, char **argv);
extern const char cmd_cloop_summary[];
const char cmd_cloop_summary[] = "create, extract and inspect cloop compressed images";

static const char usage_text[] =
    "usage: mklive cloop create [options] IN|- OUT|-\n"
    "       mklive cloop create [options] IMAGE BLOCKSIZE   (old form: writes to stdout)\n"
    "       mklive cloop extract IN|- OUT|-\n"
    "       mklive cloop info IN\n"
    "\n"
    "Compresses a block device image (usually ISO 9660) for the cloop kernel module.\n"
    "\n"
    "create options:\n"
    "  -B, --block-size SIZE   block size, a multiple of 512 (default 64K)\n"
    "  -c, --compressor NAME   zlib, xz, lz4 or none (default zlib; v2 is zlib only)\n"
    "  -L, --level N           compression level (zlib 0..12, default 6, which libdeflate\n"
    "                          makes smaller than zlib's 9; xz 0..9, default 6;\n"
    "                          lz4 1..12, default 1); -1 and -2 mean the best level\n"
    "      --format v2|v4      v2.0: header first, read by every cloop tool and qemu-img\n"
    "                          (default); v4.0: per-block compressor, header at the end\n"
    "      --raw-blocks        v4: store blocks that do not shrink uncompressed (flag 1);\n"
    "                          the cloop module 3.14 cannot read such blocks, so by\n"
    "                          default every block is compressed (-c none: all stored)\n"
    "  -t, --threads N         compression threads (default: online CPUs)\n"
    "  -s SIZE                 accepted for create_compressed_fs compatibility (ignored)\n"
    "  -f FILE                 directory of FILE holds the spool for v2 from stdin\n"
    "  -q, --quiet             errors only;  -v, --verbose: statistics\n"
    "  -b, -m, -r              accepted for create_compressed_fs compatibility (no effect)\n"
    "\n"
    "Input from stdin may be of any size; v2 then spools compressed blocks to an\n"
    "unnamed temporary file beside OUT ($TMPDIR when OUT is stdout).\n"
    "extract writes num_blocks * block_size bytes (the last block is zero-padded).\n";

enum { O_SIZE = 1, O_IGNORED, O_IGNORED_ARG };

/* create's options, with create_compressed_fs's spellings accepted */
static const struct opt create_opts[] = {
    {"B|block-size", 0, OPT_ARG, "block-size", NULL}, {"c|compressor", 0, OPT_ARG, "compressor", NULL},
    {"L|level", 0, OPT_ARG, "level", NULL},	      {"t|threads", 0, OPT_ARG, "threads", NULL},
    {"format", 0, OPT_ARG, "format", NULL},	      {"raw-blocks", 0, OPT_NOARG, "raw-blocks", NULL},
    {"f", 0, OPT_ARG, "spool-beside", NULL},	      {"s", O_SIZE, OPT_ARG, NULL, NULL},
    {"b|m|r", O_IGNORED, OPT_NOARG, NULL, NULL},      {"p|a", O_IGNORED_ARG, OPT_ARG, NULL, NULL},
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},      {NULL, 0, 0, NULL, NULL},
};

/* extract's and info's: only the common ones */
static const struct opt plain_opts[] = {
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static int on_create_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	unsigned long long v;
	if (o->key)
		return cloop_opts_set(vctx, o->key, arg ? arg : o->value, spelled);
	if (o->id == O_SIZE) /* create_compressed_fs's size hint: checked, not needed */
		return opt_size(spelled, arg, &v);
	return 0;
}

static int on_plain_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int do_create(int argc, char **argv, const char *prog)
{
	const struct opt_cmd cmd = {prog, OPT_GNU, create_opts, usage_text, on_create_opt, false};
	struct cloop_opts co;
	struct cloop_stats st;
	const char *in_path, *out_path;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	cloop_opts_init(&co);
	if ((rc = opt_parse(&cmd, argc, argv, &co, &ops, &nops)))
		goto out;
	if (nops == 2 && all_digits(ops[1])) {
		/* create_compressed_fs IMAGE BLOCKSIZE > OUT (cloop 2.x) */
		if ((rc = cloop_opts_set(&co, "block-size", ops[1], "block size")) < 0)
			goto out;
		in_path = ops[0];
		out_path = "-";
	} else if (nops == 2) {
		in_path = ops[0];
		out_path = ops[1];
	} else {
		rc = opt_operands(&cmd, ops, nops, 2, 2, "IN and OUT");
		goto out;
	}
	if ((rc = cloop_opts_check(&co)) < 0)
		goto out;
	if ((rc = cloop_write(in_path, &co, out_path, &st)) < 0)
		goto out;
	log_info("cloop V%d.0, %u blocks of %u bytes, %s level %d: %llu -> %llu bytes (%.1f%%); "
		 "blocks: %llu %s, %llu stored",
		 (int)co.w.version, st.num_blocks, co.w.block_size, comp_codec_name(co.w.comp.codec),
		 co.w.comp.level == -1 ? comp_level_default(co.w.comp.codec) : co.w.comp.level,
		 (unsigned long long)st.in_bytes, (unsigned long long)st.file_size,
		 st.in_bytes ? 100.0 * (double)st.file_size / (double)st.in_bytes : 0.0,
		 (unsigned long long)(st.num_blocks - st.blocks_by_method[CLOOP_M_NONE]),
		 comp_codec_name(co.w.comp.codec), (unsigned long long)st.blocks_by_method[CLOOP_M_NONE]);
out:
	cloop_opts_free(&co);
	free(ops);
	return rc;
}

/* ---- extract / info ------------------------------------------------------ */

/* Parse extract's or info's options; n operands are expected. */
static int plain_args(int argc, char **argv, const char *what, size_t n, char ***ops)
{
	const struct opt_cmd cmd = {"mklive cloop", OPT_GNU, plain_opts, usage_text, on_plain_opt, false};
	size_t nops = 0;
	int rc = opt_parse(&cmd, argc, argv, NULL, ops, &nops);
	if (rc)
		return rc;
	if ((rc = opt_operands(&cmd, *ops, nops, n, n, n == 2 ? "IN and OUT" : "IN"))) {
		free(*ops);
		*ops = NULL;
		return rc;
	}
	return 0;
}

static int do_extract(int argc, char **argv)
{
	struct cloop_reader *r = NULL;
	struct out_file *o = NULL;
	uint64_t size;
	char **ops = NULL;
	int rc, fd = -1;
	if ((rc = plain_args(argc, argv, "extract", 2, &ops)))
		return rc;
	if ((rc = cloop_input_open(ops[0], true, &fd, &size)) < 0)
		goto out;
	if ((rc = cloop_reader_open(&r, fd, size, ops[0])) < 0)
		goto out;
	if ((rc = out_open(&o, ops[1])) < 0 || (rc = out_check_not_input(o, fd, ops[0])) < 0)
		goto out;
	if ((rc = cloop_extract(r, o)) == 0) {
		rc = out_finish(o);
		o = NULL;
	}
out:
	out_abort(o);
	cloop_reader_close(r);
	if (fd >= 0)
		close(fd);
	free(ops);
	return rc;
}

static int do_info(int argc, char **argv)
{
	struct cloop_reader *r = NULL;
	struct imgsrc_info info = {0};
	uint64_t size;
	char **ops = NULL;
	int rc, fd = -1;
	if ((rc = plain_args(argc, argv, "info", 1, &ops)))
		return rc;
	if ((rc = cloop_input_open(ops[0], true, &fd, &size)) < 0)
		goto out;
	if ((rc = cloop_reader_open(&r, fd, size, ops[0])) < 0)
		goto out;
	cloop_info_lines(cloop_reader_info(r), &info);
	for (size_t i = 0; i < info.n; i++)
		printf("%s\n", info.lines[i]);
	if (fflush(stdout) != 0)
		rc = err_sys(errno, "standard output");
out:
	imgsrc_info_free(&info);
	cloop_reader_close(r);
	if (fd >= 0)
		close(fd);
	free(ops);
	return rc;
}

int cmd_cloop(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;
	if (!sub) {
		fputs(usage_text, stderr);
		return opt_exit(err_set(ERR_USAGE, "no subcommand: create, extract or info"));
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(sub, "create"))
		rc = do_create(argc - 1, argv + 1, "mklive cloop create");
	else if (!strcmp(sub, "extract"))
		rc = do_extract(argc - 1, argv + 1);
	else if (!strcmp(sub, "info"))
		rc = do_info(argc - 1, argv + 1);
	else if (sub[0] == '-' || access(sub, F_OK) == 0)
		rc = do_create(argc, argv, "mklive cloop"); /* create_compressed_fs spelling */
	else
		rc = err_set(
		    ERR_USAGE,
		    "unknown subcommand '%s': expected create, extract or info (see 'mklive cloop --help')",
		    sub);
	return rc == 1 ? 0 : opt_exit(rc);
}
