/* Stage 2: customising the root before it is imaged: Overlay= directories
 * copied on top (owners of the user's own files become root, as
 * live-build's includes.chroot), Remove= patterns, Attr= overrides and
 * Hostname=, as the plan parsed them. */
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/build.h"
#include "pipeline/plan.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct owner {
	uint32_t uid, gid;
};

/* Files the user owns become root's; others (made by root with other
 * owners) keep theirs. */
static void own(struct tree_node *n, void *ctx)
{
	const struct owner *o = ctx;
	if (n->uid == o->uid)
		n->uid = 0;
	if (n->gid == o->gid)
		n->gid = 0;
}

/* Where the overlay and the root disagree on what a path is (a file or
 * link over a directory, a directory over a file or link), the copy is
 * refused, as cp -a refuses it: replacing /bin (a link to usr/bin in most
 * roots) by a directory would lose what is behind it. A Remove= of the
 * root's entry, which runs first, clears the way. */
static int clash(const struct tree *t, const struct tree_node *o, const char *dir, const char *label)
{
	for (size_t i = 0; i < o->nchildren; i++) {
		const struct tree_node *c = o->children[i];
		char *p = tree_node_path(c);
		const struct tree_node *r = tree_lookup(t, p);
		int rc = 0;
		if (r && tree_is_dir(r) != tree_is_dir(c)) {
			char *what = tree_is_lnk(r) ? xasprintf("symbolic link to %s", r->symlink)
						    : xstrdup(tree_is_dir(r) ? "directory" : "file");
			rc =
			    err_set(EEXIST,
				    "%s: Overlay %s: %s is a %s there but a %s in the root: not replaced (as "
				    "cp -a would not); name it in a Remove= to replace it",
				    label, dir, p, tree_is_dir(c) ? "directory" : "file", what);
			free(what);
		}
		free(p);
		if (rc)
			return rc;
		if (r && tree_is_dir(c) && (rc = clash(t, c, dir, label)))
			return rc;
	}
	return 0;
}

static int overlay(struct tree *t, const char *dir, const char *label, const char *output)
{
	struct tree_scan_opts so = {.xattrs = true};
	struct owner o = {(uint32_t)getuid(), (uint32_t)getgid()};
	struct tree *ov = tree_create();
	struct stat st;
	int rc;
	if (stat(dir, &st) < 0)
		rc = err_sys(errno, "%s: Overlay %s", label, dir);
	else if (!S_ISDIR(st.st_mode))
		rc = err_set(ENOTDIR, "%s: Overlay %s: not a directory", label, dir);
	else {
		tree_scan_skip_output(&so, output);
		rc = tree_add_path(ov, "", dir, &so);
	}
	if (rc == 0)
		rc = clash(t, ov->root, dir, label);
	if (rc == 0)
		rc = tree_merge(t, ov, own, &o);
	tree_destroy(ov);
	return rc;
}

struct remove_ctx {
	const char *pattern;
	struct tree_node **hits;
	size_t n, cap;
};

/* The outermost nodes whose path matches: what is under a match goes with it. */
static void find_matches(struct remove_ctx *c, struct tree_node *dir, unsigned depth)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		struct tree_node *n = dir->children[i];
		char *p = tree_node_path(n);
		bool hit = fnmatch(c->pattern, p, 0) == 0;
		free(p);
		if (hit) {
			util_grow(&c->hits, &c->cap, c->n + 1, sizeof *c->hits);
			c->hits[c->n++] = n;
		} else if (tree_is_dir(n) && depth < 4096) {
			find_matches(c, n, depth + 1);
		}
	}
}

static void remove_pattern(struct tree *t, const char *pattern)
{
	struct remove_ctx c = {pattern, NULL, 0, 0};
	find_matches(&c, t->root, 0);
	for (size_t i = 0; i < c.n; i++)
		tree_remove(t, c.hits[i]);
	log_info("Remove %s: %zu entries", pattern, c.n);
	free(c.hits);
}

/* Attr= as the plan parsed it; the path must be in the root. */
static int attr(struct tree *t, const struct plan_attr *a)
{
	struct tree_node *n = tree_lookup(t, a->path);
	if (!n)
		return err_set(ENOENT, "%s: Attr %s: no such file in the root", a->label, a->path);
	if (a->mode >= 0)
		n->mode = (n->mode & 0170000) | (mode_t)a->mode;
	if (a->uid >= 0)
		n->uid = (uint32_t)a->uid;
	if (a->gid >= 0)
		n->gid = (uint32_t)a->gid;
	return 0;
}

int build_customise(const struct build_plan *p, struct tree *t)
{
	int rc = 0;
	/* Remove first: it clears the way for an Overlay entry of another kind */
	for (size_t i = 0; i < p->nremove && !rc; i++)
		remove_pattern(t, p->remove[i].value);
	for (size_t i = 0; i < p->noverlay && !rc; i++)
		rc = overlay(t, p->overlay[i].value, p->overlay[i].label, p->output);
	for (size_t i = 0; i < p->nattr && !rc; i++)
		rc = attr(t, &p->attr[i]);
	if (!rc && p->hostname.value) {
		/* checked by the plan (RFC 1123) */
		char *text = xasprintf("%s\n", p->hostname.value);
		rc = tree_add_mem_file(t, "/etc/hostname", text, strlen(text), 0644, NULL);
		free(text);
	}
	return rc;
}
