/* mklive du: what takes the space in an image: stored (compressed) and
 * uncompressed bytes per directory, largest first. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/util.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_du(int argc, char **argv);
extern const char cmd_du_summary[];
const char cmd_du_summary[] = "stored and uncompressed size per directory of an image, largest first";

static const char usage_text[] =
    "usage: mklive du [options] IMAGE[:PATH...]\n"
    "\n"
    "For each directory below PATH (the whole image without one), the bytes\n"
    "its files take in the image (compressed, for squashfs and cloop) and\n"
    "their uncompressed size, largest stored size first: what to remove to\n"
    "fit a 700 MB CD. A PATH naming an image file is looked into\n"
    "(live.iso:/live/filesystem.squashfs). Hard-linked files count once.\n"
    "\n"
    "  -d, --max-depth N   directories at most N levels below PATH (default: all)\n"
    "  -n, --lines N       the N largest only\n"
    "  -a, --all           files too, not only directories\n"
    "  -b, --bytes         sizes in bytes (default: K, M, G with one decimal)\n"
    "  -q, --quiet         errors only;  -v, --verbose: more detail\n"
    "  -h, --help          this help\n";

enum { O_DEPTH = 1, O_LINES, O_ALL, O_BYTES };

static const struct opt opts[] = {
    {"d|max-depth", O_DEPTH, OPT_ARG, NULL, NULL},
    {"n|lines", O_LINES, OPT_ARG, NULL, NULL},
    {"a|all", O_ALL, OPT_NOARG, NULL, NULL},
    {"b|bytes", O_BYTES, OPT_NOARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	unsigned long long depth, lines;
	bool all, bytes;
	struct tree_node **rows;
	size_t nrows, cap;
	unsigned base_depth;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	switch (o->id) {
	case O_DEPTH:
		return opt_uint(spelled, arg, 0, 100000, &c->depth);
	case O_LINES:
		return opt_uint(spelled, arg, 1, 1ull << 40, &c->lines);
	case O_ALL:
		c->all = true;
		return 0;
	case O_BYTES:
		c->bytes = true;
		return 0;
	}
	return 0;
}

/* u64[0]: stored bytes, u64[1]: uncompressed bytes of the subtree */
static int sum_post(struct tree_node *n, void *vctx)
{
	struct ctx *c = vctx;
	if (tree_is_reg(n)) {
		bool first = !n->link_first || n->link_first == n;
		n->u64[0] = first ? (n->stored_size ? n->stored_size : n->size) : 0;
		n->u64[1] = first ? n->size : 0;
	} else if (!tree_is_dir(n)) {
		n->u64[0] = n->u64[1] = 0;
	}
	if (n->parent && n != c->rows[0]) {
		n->parent->u64[0] += n->u64[0];
		n->parent->u64[1] += n->u64[1];
	}
	if ((tree_is_dir(n) || c->all) && tree_node_depth(n) - c->base_depth <= c->depth) {
		util_grow(&c->rows, &c->cap, c->nrows + 1, sizeof *c->rows);
		c->rows[c->nrows++] = n;
	}
	return 0;
}

static int zero_pre(struct tree_node *n, void *vctx)
{
	n->u64[0] = n->u64[1] = 0;
	return 0;
}

static int by_stored(const void *a, const void *b)
{
	const struct tree_node *x = *(struct tree_node *const *)a, *y = *(struct tree_node *const *)b;
	if (x->u64[0] != y->u64[0])
		return x->u64[0] < y->u64[0] ? 1 : -1;
	if (x->u64[1] != y->u64[1])
		return x->u64[1] < y->u64[1] ? 1 : -1;
	return 0;
}

static void human(char *out, size_t n, uint64_t v, bool bytes)
{
	static const char units[] = "KMGTP";
	double d = (double)v;
	int u = -1;
	if (bytes) {
		snprintf(out, n, "%llu", (unsigned long long)v);
		return;
	}
	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, n, "%lluB", (unsigned long long)v);
	else
		snprintf(out, n, "%.1f%c", d, units[u]);
}

int cmd_du(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive du", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c;
	struct image_info info;
	struct tree *t = NULL;
	struct tree_node *n;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&c, 0, sizeof c);
	memset(&info, 0, sizeof info);
	c.depth = ~0ull;
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 1, 1, "IMAGE[:PATH]")))
		goto out;
	if ((rc = image_open(ops[0], IMAGE_DESCEND, &t, &n, &info)) < 0)
		goto out;
	c.base_depth = tree_node_depth(n);
	tree_walk(n, zero_pre, NULL, &c);
	util_grow(&c.rows, &c.cap, 1, sizeof *c.rows);
	c.rows[0] = n; /* the walk's top: its sums go to no parent */
	c.nrows = 0;
	tree_walk(n, NULL, sum_post, &c);
	qsort(c.rows, c.nrows, sizeof *c.rows, by_stored);
	printf("%10s %10s %6s  %s\n", "STORED", "SIZE", "RATIO", info.name);
	for (size_t i = 0; i < c.nrows && (!c.lines || i < c.lines); i++) {
		char a[32], b[32], *p = tree_node_path(c.rows[i]);
		const struct tree_node *r = c.rows[i];
		human(a, sizeof a, r->u64[0], c.bytes);
		human(b, sizeof b, r->u64[1], c.bytes);
		if (r->u64[1])
			printf("%10s %10s %5.1f%%  %s\n", a, b, 100.0 * (double)r->u64[0] / (double)r->u64[1],
			       p);
		else
			printf("%10s %10s %6s  %s\n", a, b, "-", p);
		free(p);
	}
	if (fflush(stdout) != 0)
		rc = err_sys(errno, "standard output");
out:
	free(c.rows);
	image_info_free(&info);
	tree_destroy(t);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
