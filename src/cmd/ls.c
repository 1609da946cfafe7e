/* mklive ls: list the files of an image (ISO 9660, squashfs, cloop, FAT,
 * tar, cpio), also inside nested images, without unpacking anything. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/util.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

int cmd_ls(int argc, char **argv);
extern const char cmd_ls_summary[];
const char cmd_ls_summary[] = "list the files of an image (ISO, squashfs, cloop, FAT, tar, cpio)";

static const char usage_text[] =
    "usage: mklive ls [-l] [-R] IMAGE[:PATH[:PATH...]]\n"
    "\n"
    "Lists a directory of an image, read in place. PATH is a path inside IMAGE;\n"
    "a PATH naming an image file followed by ':' goes into that image\n"
    "(live.iso:/live/root.squashfs:/etc). A cloop file is listed as the file\n"
    "system it holds.\n"
    "\n"
    "  -l, --long        mode, links, owner, group (numbers), size, time, name\n"
    "  -R, --recursive   every file below PATH, one full path a line\n"
    "  -d, --directory   PATH itself, not its contents\n"
    "  -q, --quiet       errors only;  -v, --verbose: more detail\n"
    "  -h, --help        this help\n";

enum { O_LONG = 1, O_REC, O_DIR };

static const struct opt opts[] = {
    {"l|long", O_LONG, OPT_NOARG, NULL, NULL},
    {"R|recursive", O_REC, OPT_NOARG, NULL, NULL},
    {"d|directory", O_DIR, OPT_NOARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	bool lng, rec, dir;
	FILE *f;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	if (o->id == O_LONG)
		c->lng = true;
	else if (o->id == O_REC)
		c->rec = true;
	else if (o->id == O_DIR)
		c->dir = true;
	return 0;
}

static void mode_string(mode_t m, char s[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	s[0] = types[(m >> 12) & 15];
	for (int i = 0; i < 9; i++)
		s[1 + i] = (m & (0400u >> i)) ? "rwxrwxrwx"[i] : '-';
	if (m & S_ISUID)
		s[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		s[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		s[9] = (m & S_IXOTH) ? 't' : 'T';
	s[10] = 0;
}

static void print(struct ctx *c, const struct tree_node *n, const char *name)
{
	if (c->lng) {
		char m[11], when[32];
		time_t t = (time_t)n->mtime;
		struct tm tm;
		mode_string(n->mode, m);
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		else
			snprintf(when, sizeof when, "%lld", (long long)n->mtime);
		if ((n->mode & S_IFMT) == S_IFCHR || (n->mode & S_IFMT) == S_IFBLK)
			fprintf(c->f, "%s %3u %5u %5u %5u, %5u %s %s", m, n->nlink, n->uid, n->gid,
				major((dev_t)n->rdev), minor((dev_t)n->rdev), when, name);
		else
			fprintf(c->f, "%s %3u %5u %5u %12llu %s %s", m, n->nlink, n->uid, n->gid,
				(unsigned long long)n->size, when, name);
		if (n->symlink)
			fprintf(c->f, " -> %s", n->symlink);
		fputc('\n', c->f);
	} else {
		fprintf(c->f, "%s\n", name);
	}
}

static int walk(struct ctx *c, const struct tree_node *n, char **path, size_t *cap, size_t len)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct tree_node *ch = n->children[i];
		size_t nl = strlen(ch->name), k = len;
		util_grow(path, cap, len + nl + 2, 1);
		if (!(len == 1 && (*path)[0] == '/'))
			(*path)[k++] = '/';
		memcpy(*path + k, ch->name, nl + 1);
		print(c, ch, *path);
		if (tree_is_dir(ch))
			walk(c, ch, path, cap, k + nl);
		(*path)[len] = 0;
	}
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive ls", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c = {false, false, false, stdout};
	struct image_info info;
	struct tree *t = NULL;
	struct tree_node *n;
	char **ops = NULL;
	size_t nops = 0;
	int rc;

	memset(&info, 0, sizeof info);
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 1, 1, "IMAGE[:PATH]")))
		goto out;
	if ((rc = image_open(ops[0], 0, &t, &n, &info)) < 0)
		goto out;
	if (c.dir || !tree_is_dir(n)) {
		print(&c, n, info.path);
	} else if (c.rec) {
		size_t cap = strlen(info.path) + 256;
		char *path = xmalloc(cap);
		strcpy(path, info.path);
		walk(&c, n, &path, &cap, strlen(path));
		free(path);
	} else {
		for (size_t i = 0; i < n->nchildren; i++)
			print(&c, n->children[i], n->children[i]->name);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = err_sys(errno, "standard output");
out:
	image_info_free(&info);
	tree_destroy(t);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
