/* Carrying an overlayfs upper directory into a tree: what Run= scripts
 * changed on top of a directory root, as new and changed files, deletions
 * (whiteouts) and opaque directories; see sandbox.h. */
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "pipeline/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The overlay's bookkeeping, never part of the root: trusted.overlay.* (a
 * mount by root) and user.overlay.* (the userxattr variant). */
static bool overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static const struct tree_xattr *find_xattr(const struct tree_node *n, const char *suffix)
{
	char a[64], b[64];
	snprintf(a, sizeof a, "trusted.overlay.%s", suffix);
	snprintf(b, sizeof b, "user.overlay.%s", suffix);
	for (size_t i = 0; i < n->nxattrs; i++)
		if (!strcmp(n->xattrs[i].name, a) || !strcmp(n->xattrs[i].name, b))
			return &n->xattrs[i];
	return NULL;
}

/* A whiteout: the classic character device 0/0, or (kernels from 6.7) a
 * regular empty file marked with an overlay.whiteout attribute. */
static bool is_whiteout(const struct tree_node *n)
{
	if ((n->mode & S_IFMT) == S_IFCHR && n->rdev == makedev(0, 0))
		return true;
	return tree_is_reg(n) && n->size == 0 && find_xattr(n, "whiteout");
}

static bool is_opaque(const struct tree_node *n)
{
	const struct tree_xattr *x = find_xattr(n, "opaque");
	return tree_is_dir(n) && x && x->len >= 1 && x->value[0] == 'y';
}

/* d takes s's attributes and bytes; its own extended attributes go, as
 * the upper file is the whole file now. */
static void take(struct tree_node *d, const struct tree_node *s)
{
	tree_node_copy_stat(d, s);
	free(d->symlink);
	d->symlink = s->symlink ? xstrdup(s->symlink) : NULL;
	if (!tree_is_dir(s))
		d->size = s->size;
	tree_node_clear_xattrs(d);
	for (size_t i = 0; i < s->nxattrs; i++)
		if (!overlay_xattr(s->xattrs[i].name))
			tree_set_xattr(d, s->xattrs[i].name, s->xattrs[i].value, s->xattrs[i].len);
	if (tree_is_reg(s))
		tree_node_share_data(d, s);
}

static int apply_dir(struct tree *t, struct tree_node *dst, const struct tree_node *up, unsigned depth)
{
	if (depth > 4096)
		return err_set(ERR_LIMIT, "directories nested too deeply in the scripts' changes");
	for (size_t i = 0; i < up->nchildren; i++) {
		const struct tree_node *s = up->children[i];
		struct tree_node *d = tree_child(dst, s->name);
		int rc;
		if (is_whiteout(s)) {
			if (d)
				tree_remove(t, d);
			continue;
		}
		/* an opaque directory hides everything the root had there; a
		 * file over a directory (or the other way) replaces it */
		if (d && (is_opaque(s) || tree_is_dir(s) != tree_is_dir(d)))
			tree_remove(t, d);
		if ((rc = tree_add_child(t, dst, s->name, s->mode, &d)))
			return rc;
		take(d, s);
		if (tree_is_dir(s) && (rc = apply_dir(t, d, s, depth + 1)))
			return rc;
	}
	return 0;
}

int sandbox_apply_upper(const char *upper_dir, struct tree *t)
{
	struct tree_scan_opts so = {.xattrs = true, .quiet_sockets = true};
	struct tree *up = tree_create();
	int rc = tree_add_path(up, "", upper_dir, &so);
	if (!rc)
		rc = apply_dir(t, t->root, up->root, 0);
	tree_destroy(up);
	return rc ? err_wrap(rc, "carrying the Run= scripts' changes from %s", upper_dir) : 0;
}
