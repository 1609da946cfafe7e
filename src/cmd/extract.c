/* mklive extract: copy the files of an image (or of a path inside it) into
 * a directory, safely: nothing is written outside the target. */
#include "image/extract.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_extract(int argc, char **argv);
extern const char cmd_extract_summary[];
const char cmd_extract_summary[] =
    "extract the files of an image into a directory (unsquashfs -d, xorriso -extract)";

static const char usage_text[] =
    "usage: mklive extract [options] IMAGE[:PATH[:PATH...]] DIR\n"
    "\n"
    "Extracts a directory of an image (all of it without PATH) into DIR, which\n"
    "is created when missing; a PATH naming a file extracts that file into DIR.\n"
    "A PATH naming an image file followed by ':' extracts that image's files\n"
    "(live.iso:/live/root.squashfs:). Owners (as root), modes, times, symbolic\n"
    "links, hard links, device nodes and extended attributes are restored.\n"
    "\n"
    "Every file is made relative to DIR's descriptor, never through a symbolic\n"
    "link; names with '/', '.', '..' are refused, so a hostile image cannot\n"
    "write outside DIR.\n"
    "\n"
    "      --no-same-owner   do not restore owners (the default when not root)\n"
    "      --same-owner      restore owners (the default as root)\n"
    "      --no-xattrs       do not restore extended attributes\n"
    "  -j, --threads N       threads writing files (default 2), and decoding\n"
    "                        ahead of them (default: one per CPU)\n"
    "  -q, --quiet           errors only\n"
    "  -v, --verbose         say what was extracted\n"
    "  -h, --help            this help\n";

enum { O_NOOWN = 1, O_OWN, O_NOX, O_THREADS };

static const struct opt opts[] = {
    {"no-same-owner", O_NOOWN, OPT_NOARG, NULL, NULL},
    {"same-owner", O_OWN, OPT_NOARG, NULL, NULL},
    {"no-xattrs", O_NOX, OPT_NOARG, NULL, NULL},
    {"j|threads", O_THREADS, OPT_ARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct extract_opts *eo = vctx;
	unsigned long long v;
	int rc;
	if (o->id == O_THREADS) {
		if ((rc = opt_uint(spelled, arg, 1, EXTRACT_MAX_THREADS, &v)) < 0)
			return rc;
		eo->threads = (int)v;
	} else if (o->id == O_NOOWN)
		eo->owners = false;
	else if (o->id == O_OWN)
		eo->owners = true;
	else if (o->id == O_NOX)
		eo->xattrs = false;
	return 0;
}

int cmd_extract(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive extract", OPT_GNU, opts, usage_text, on_opt, false};
	struct extract_opts eo;
	struct extract_stats st;
	struct image_info info;
	struct tree *t = NULL;
	struct tree_node *n;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&info, 0, sizeof info);
	extract_opts_init(&eo);
	if ((rc = opt_parse(&cmd, argc, argv, &eo, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 2, 2, "IMAGE[:PATH] and DIR")))
		goto out;
	if (eo.threads > 0)
		image_set_decode_threads(eo.threads);
	if ((rc = image_open(ops[0], 0, &t, &n, &info)) < 0)
		goto out;
	if ((rc = image_extract(n, ops[1], &eo, &st)) < 0)
		goto out;
	log_info(
	    "%s: %llu files (%llu bytes), %llu directories, %llu symlinks, %llu hard links, %llu special "
	    "files into %s%s",
	    info.name, (unsigned long long)st.files, (unsigned long long)st.bytes,
	    (unsigned long long)st.dirs, (unsigned long long)st.symlinks, (unsigned long long)st.hardlinks,
	    (unsigned long long)st.specials, ops[1],
	    st.skipped ? " (some attributes or devices skipped)" : "");
out:
	image_info_free(&info);
	tree_destroy(t);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
