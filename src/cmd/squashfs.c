/* mklive squashfs: write a squashfs 4.0 image from directories and files,
 * with mksquashfs's option spelling; --info describes an image. */
#include "squashfs/squashfs.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/reader.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmd_squashfs(int argc, char **argv);
extern const char cmd_squashfs_summary[];
const char cmd_squashfs_summary[] = "write a squashfs image (mksquashfs options)";

static const char usage_text[] =
    "usage: mklive squashfs SOURCE... OUT [options]\n"
    "       mklive squashfs --info IMAGE\n\n"
    "Writes a squashfs 4.0 image OUT holding the contents of every SOURCE\n"
    "directory (merged at the root) or SOURCE file (at /NAME).\n\n"
    "Options (spelled as mksquashfs spells them):\n"
    "  -comp gzip|xz|zstd|lz4    compressor (default gzip)\n"
    "  -b SIZE                   block size, 4K..1M, power of two (default 128K)\n"
    "  -Xcompression-level N     gzip 1-9 (9), zstd 1-22 (15), xz 0-9 (6), lz4 1-12\n"
    "  -Xhc                      lz4 high-compression mode\n"
    "  -processors N             compression threads (default: online CPUs)\n"
    "  -no-fragments             do not pack file tails into fragment blocks\n"
    "  -no-duplicates            store files with identical bytes separately\n"
    "  -no-exports               omit the NFS export table\n"
    "  -no-xattrs                do not store extended attributes\n"
    "  -all-root                 make every file owned by root (0:0)\n"
    "  -force-uid N, -force-gid N   set every file's owner / group\n"
    "  -boot-order FILE          store the files FILE lists (one path a line, as\n"
    "                            mklive run --record-boot-order writes) first, in\n"
    "                            that order; paths not in the tree are warnings\n"
    "  -noappend                 accepted: an existing OUT is always replaced\n"
    "  -quiet, -q                print errors only;  -verbose, -v: more detail\n"
    "  --info IMAGE              describe an image: superblock, entries, ratio\n\n"
    "SOURCE_DATE_EPOCH sets the image time and clamps newer file times.\n";

/* --info: what `mklive info` says of the format (squashfs/reader.c). */
static int info(const char *path)
{
	struct imgsrc src;
	struct imgsrc_info lines = {0};
	int rc = imgsrc_open_path(&src, path);
	if (rc < 0)
		return rc;
	rc = sqfs_info(&src, &lines);
	for (size_t i = 0; rc == 0 && i < lines.n; i++)
		printf("%s\n", lines.lines[i]);
	if (rc == 0 && fflush(stdout) != 0)
		rc = err_sys(errno, "standard output");
	imgsrc_info_free(&lines);
	imgsrc_close(&src);
	return rc;
}

enum { O_INFO = 1, O_NOAPPEND };

static const struct opt opts[] = {
    {"comp", 0, OPT_ARG, "comp", NULL},
    {"b", 0, OPT_ARG, "b", NULL},
    {"Xcompression-level", 0, OPT_ARG, "Xcompression-level", NULL},
    {"Xhc", 0, OPT_NOARG, "Xhc", NULL},
    {"processors", 0, OPT_ARG, "processors", NULL},
    {"no-fragments", 0, OPT_NOARG, "no-fragments", NULL},
    {"no-duplicates", 0, OPT_NOARG, "no-duplicates", NULL},
    {"no-xattrs", 0, OPT_NOARG, "no-xattrs", NULL},
    {"no-exports", 0, OPT_NOARG, "no-exports", NULL},
    {"all-root", 0, OPT_NOARG, "all-root", NULL},
    {"force-uid", 0, OPT_ARG, "force-uid", NULL},
    {"force-gid", 0, OPT_ARG, "force-gid", NULL},
    {"boot-order", 0, OPT_ARG, "boot-order", NULL},
    {"noappend", O_NOAPPEND, OPT_NOARG, NULL, NULL},
    {"info", O_INFO, OPT_ARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	struct sqfs_opts sq;
	const char *info;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->key)
		return sqfs_opts_set(&c->sq, o->key, arg ? arg : o->value, spelled);
	if (o->id == O_INFO)
		c->info = arg;
	return 0; /* -noappend: an existing image is always replaced */
}

int cmd_squashfs(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive squashfs", OPT_SINGLE_DASH, opts,
					   usage_text,	      on_opt,	       false};
	struct ctx ctx;
	struct tree_scan_opts so;
	struct tree *t = NULL;
	char **pos = NULL;
	size_t npos = 0;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	sqfs_opts_init(&ctx.sq);
	memset(&so, 0, sizeof so);
	rc = opt_parse(&cmd, argc, argv, &ctx, &pos, &npos);
	if (rc == 0 && ctx.info) {
		rc = npos ? err_set(ERR_USAGE, "--info takes one IMAGE and nothing else") : info(ctx.info);
	} else if (rc == 0) {
		rc = opt_operands(&cmd, pos, npos, 2, SIZE_MAX, "SOURCE... and OUT");
		if (!rc)
			rc = sqfs_opts_check(&ctx.sq);
		if (!rc) {
			so.xattrs = !ctx.sq.no_xattrs;
			tree_scan_skip_output(&so, pos[npos - 1]);
			t = tree_create();
			for (size_t i = 0; i + 1 < npos && !rc; i++)
				rc = tree_add_graft(t, pos[i], &so);
			if (!rc)
				rc = tree_finalize(t);
			if (!rc)
				rc = sqfs_write(t, &ctx.sq, pos[npos - 1], NULL);
		}
	}
	tree_destroy(t);
	free(pos);
	return rc == 1 ? 0 : opt_exit(rc);
}
