/* mklive cat: write a file of an image to standard output. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/util.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_cat(int argc, char **argv);
extern const char cmd_cat_summary[];
const char cmd_cat_summary[] = "write a file of an image to standard output";

static const char usage_text[] = "usage: mklive cat IMAGE:PATH[:PATH...]\n"
				 "\n"
				 "Writes the file PATH of IMAGE to standard output, read in place (also\n"
				 "inside nested images: live.iso:/live/root.squashfs:/etc/hostname).\n"
				 "\n"
				 "  -q, --quiet  errors only;  -v, --verbose: more detail\n"
				 "  -h, --help   this help\n";

static const struct opt opts[] = {
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	return 0;
}

int cmd_cat(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive cat", OPT_GNU, opts, usage_text, on_opt, false};
	struct image_info info;
	struct tree *t = NULL;
	struct tree_node *n;
	char **ops = NULL;
	size_t nops = 0;
	uint8_t *buf = NULL;
	int rc;

	memset(&info, 0, sizeof info);
	if ((rc = opt_parse(&cmd, argc, argv, NULL, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 1, 1, "IMAGE:PATH"))) {
		goto out;
	}
	if ((rc = image_open(ops[0], 0, &t, &n, &info)) < 0)
		goto out;
	if (tree_is_lnk(n)) {
		rc = err_set(EINVAL, "%s: a symbolic link to %s (not followed)", ops[0], n->symlink);
		goto out;
	}
	if (!tree_is_reg(n)) {
		rc = err_set(EINVAL, "%s: not a regular file", ops[0]);
		goto out;
	}
	buf = xmalloc(1u << 20);
	for (uint64_t off = 0; off < n->size;) {
		size_t k = (size_t)MIN(n->size - off, (uint64_t)1 << 20);
		if ((rc = tree_node_pread(n, -1, buf, k, off)) < 0)
			goto out;
		if ((rc = util_write_full(STDOUT_FILENO, buf, k)) < 0) {
			rc = err_sys(-rc, "standard output");
			goto out;
		}
		off += k;
	}
out:
	free(buf);
	image_info_free(&info);
	tree_destroy(t);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
