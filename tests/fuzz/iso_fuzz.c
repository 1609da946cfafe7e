/* libFuzzer target for the ISO 9660 writer: a tree of arbitrary names,
 * symlink targets, depths and sizes (from the input bytes) is mastered with
 * Rock Ridge, Joliet and a level chosen by the input. Any crash, sanitizer
 * report, or "internal error" (a layout the writer could not replay) is a
 * finding; format limits are fine. */
#include "core/error.h"
#include "core/tree.h"
#include "iso9660/iso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n;
};

static int take(struct in *in)
{
	if (!in->n)
		return -1;
	in->n--;
	return *in->p++;
}

/* A name of up to 255 bytes without '/' and NUL (and not "." or ".."). */
static int take_name(struct in *in, char *out)
{
	int len = take(in), k = 0;
	if (len <= 0)
		return -1;
	for (int i = 0; i < len; i++) {
		int c = take(in);
		if (c < 0)
			break;
		out[k++] = (char)(c == '/' || c == 0 ? '_' : c);
	}
	out[k] = 0;
	if (!k || !strcmp(out, ".") || !strcmp(out, ".."))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct tree *t = tree_create();
	struct tree_node *dirs[64];
	size_t ndirs = 1;
	struct iso_opts o;
	char path[64], name[256], target[1024];
	int flags = take(&in), rc;
	dirs[0] = t->root;
	iso_opts_init(&o);
	if (flags < 0)
		flags = 0;
	o.level = 1 + (flags & 3) % 3;
	o.long_names = flags & 4;
	o.rock = !(flags & 8);
	o.rationalize = flags & 16;
	o.joliet = !(flags & 32);
	o.reloc_dir = flags & 64 ? (flags & 128 ? ".rr_moved" : "rr_moved") : NULL;
	o.build_time = 1700000000;
	for (int e = 0; e < 200 && in.n; e++) {
		int kind = take(&in), where = take(&in);
		struct tree_node *dir, *n = NULL;
		if (kind < 0 || where < 0 || take_name(&in, name) < 0)
			break;
		dir = dirs[(size_t)where % ndirs];
		switch (kind % 4) {
		case 0: /* directory (deep chains come from picking the newest) */
			if (tree_add_child(t, dir, name, S_IFDIR | 0755, &n) == 0 && ndirs < 64 &&
			    tree_is_dir(n))
				dirs[ndirs++] = n;
			break;
		case 1: { /* file of 0..2 KiB from the input */
			size_t len = (size_t)(kind / 4) * 8;
			if (tree_add_child(t, dir, name, S_IFREG | 0644, &n) == 0) {
				n->src = TREE_SRC_MEM;
				n->size = len;
				n->src_data = calloc(1, len + 1);
			}
			break;
		}
		case 2: { /* symbolic link with a target from the input */
			int tl = take(&in), k = 0;
			for (int i = 0; i < tl * 4 && in.n; i++) {
				int c = take(&in);
				target[k++] = (char)(c == 0 ? '/' : c);
			}
			target[k] = 0;
			if (tree_add_child(t, dir, name, S_IFLNK | 0777, &n) == 0) {
				n->symlink = strdup(target);
				n->size = (uint64_t)k;
			}
			break;
		}
		default: /* a device node */
			if (tree_add_child(t, dir, name, S_IFCHR | 0600, &n) == 0)
				n->rdev = (uint64_t)kind << 8 | (uint64_t)where;
			break;
		}
	}
	if (tree_finalize(t) == 0) {
		snprintf(path, sizeof path, "/dev/shm/mklive-iso-fuzz-%d.iso", (int)getpid());
		rc = iso_write(t, &o, path, NULL);
		if (rc < 0 && strstr(err_msg(), "internal error")) {
			fprintf(stderr, "%s\n", err_msg());
			abort();
		}
		unlink(path);
	}
	err_clear();
	tree_destroy(t);
	return 0;
}
