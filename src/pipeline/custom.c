/* Customising the root before it is imaged: Overlay= directories copied on
 * top (owners of the user's own files become root, as live-build's
 * includes.chroot), Remove= patterns, Attr= overrides and Hostname=. */
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/build.h"

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

static int remove_pattern(struct tree *t, const char *pattern, const char *label)
{
	struct remove_ctx c = {pattern, NULL, 0, 0};
	if (pattern[0] != '/')
		return err_set(ERR_USAGE, "%s: Remove %s: patterns start with / (a path in the root)", label,
			       pattern);
	find_matches(&c, t->root, 0);
	for (size_t i = 0; i < c.n; i++)
		tree_remove(t, c.hits[i]);
	log_info("Remove %s: %zu entries", pattern, c.n);
	free(c.hits);
	return 0;
}

static int attr(struct tree *t, const char *spec, const char *label)
{
	char path[4096], mode[32], uid[32], gid[32], extra[8];
	struct tree_node *n;
	unsigned long v;
	char *end;
	if (sscanf(spec, "%4095s %31s %31s %31s %7s", path, mode, uid, gid, extra) != 4)
		return err_set(ERR_USAGE, "%s: Attr %s: expected PATH MODE UID GID (- keeps a field)", label,
			       spec);
	n = tree_lookup(t, path);
	if (!n)
		return err_set(ENOENT, "%s: Attr %s: no such file in the root", label, path);
	if (strcmp(mode, "-")) {
		v = strtoul(mode, &end, 8);
		if (*end || v > 07777)
			return err_set(ERR_USAGE, "%s: Attr %s: mode '%s' is not octal (e.g. 4755)", label,
				       path, mode);
		n->mode = (n->mode & 0170000) | (mode_t)v;
	}
	if (strcmp(uid, "-")) {
		v = strtoul(uid, &end, 10);
		if (*end || v > UINT32_MAX)
			return err_set(ERR_USAGE, "%s: Attr %s: uid '%s' is not a number", label, path, uid);
		n->uid = (uint32_t)v;
	}
	if (strcmp(gid, "-")) {
		v = strtoul(gid, &end, 10);
		if (*end || v > UINT32_MAX)
			return err_set(ERR_USAGE, "%s: Attr %s: gid '%s' is not a number", label, path, gid);
		n->gid = (uint32_t)v;
	}
	return 0;
}

static int hostname(struct tree *t, const char *name, const char *label)
{
	char *text;
	int rc;
	if (!*name || strlen(name) > 63 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(name))
		return err_set(ERR_USAGE, "%s: Hostname %s: letters, digits, '-' and '.' only, 63 at most",
			       label, name);
	text = xasprintf("%s\n", name);
	rc = tree_add_mem_file(t, "/etc/hostname", text, strlen(text), 0644, NULL);
	free(text);
	return rc;
}

int build_customise(const struct build_cfg *cfg, struct tree *t)
{
	const struct cfg_val *v;
	const char *label, *h;
	size_t n;
	int rc = 0;
	/* Remove first: it clears the way for an Overlay entry of another kind */
	v = build_cfg_list(cfg, CFG_REMOVE, &n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = remove_pattern(t, v[i].value, v[i].label);
	v = build_cfg_list(cfg, CFG_OVERLAY, &n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = overlay(t, v[i].value, v[i].label, build_cfg_get(cfg, CFG_OUTPUT, NULL));
	v = build_cfg_list(cfg, CFG_ATTR, &n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = attr(t, v[i].value, v[i].label);
	if (!rc && (h = build_cfg_get(cfg, CFG_HOSTNAME, &label)) && *h)
		rc = hostname(t, h, label);
	return rc;
}
