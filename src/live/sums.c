/* /live/SHA256SUMS: made from a medium tree, checked against one. */
#include "live/sums.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUMS_CHUNK (1u << 20)

struct file_ref {
	char *path; /* relative to the root: "boot/vmlinuz" */
	const struct tree_node *n;
};

struct collect {
	struct file_ref *v;
	size_t n, cap;
	uint64_t bytes;
	const char *const *skip;
};

static int collect_one(struct tree_node *n, void *vctx)
{
	struct collect *c = vctx;
	if (!tree_is_reg(n))
		return 0;
	char *p = tree_node_path(n);
	bool skip = !strcmp(p + 1, LIVE_SUMS_PATH);
	for (const char *const *k = c->skip; k && *k && !skip; k++)
		skip = !strcmp(p + 1, *k);
	if (skip) {
		free(p);
		return 0;
	}
	util_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
	c->v[c->n].path = xstrdup(p + 1);
	c->v[c->n].n = n;
	c->n++;
	c->bytes += n->size;
	free(p);
	return 0;
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct file_ref *)a)->path, ((const struct file_ref *)b)->path);
}

/* SHA-256 of a node's data, read in SUMS_CHUNK pieces. */
static int hash_node(const struct tree_node *n, uint8_t *buf, uint8_t d[SHA256_DIGEST])
{
	struct sha256 s;
	int fd = tree_node_open(n), rc = 0;
	if (fd < -1)
		return fd;
	sha256_init(&s);
	for (uint64_t off = 0; off < n->size;) {
		size_t k = (size_t)MIN((uint64_t)SUMS_CHUNK, n->size - off);
		if ((rc = tree_node_pread(n, fd, buf, k, off)) < 0)
			break;
		sha256_update(&s, buf, k);
		progress_add(k);
		off += k;
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		sha256_final(&s, d);
	return rc;
}

int live_sums_make(const struct tree *m, const char *const *skip, char **text, size_t *len)
{
	struct collect c = {0};
	c.skip = skip;
	uint8_t *buf = NULL;
	char *out = NULL;
	size_t olen = 0, ocap = 0;
	int rc = tree_walk(m->root, collect_one, NULL, &c);
	if (rc < 0)
		goto out;
	qsort(c.v, c.n, sizeof *c.v, cmp_ref);
	buf = xmalloc(SUMS_CHUNK);
	progress_begin("checksums", c.bytes);
	for (size_t i = 0; i < c.n; i++) {
		uint8_t d[SHA256_DIGEST];
		if ((rc = hash_node(c.v[i].n, buf, d)) < 0) {
			rc = err_wrap(rc, "SHA256SUMS: /%s", c.v[i].path);
			break;
		}
		util_grow(&out, &ocap, olen + 70 + 2 * strlen(c.v[i].path), 1);
		olen += sha256sum_format_line(d, c.v[i].path, out + olen);
	}
	progress_end();
	if (rc == 0) {
		util_grow(&out, &ocap, olen + 1, 1);
		out[olen] = 0;
		*text = out;
		*len = olen;
		out = NULL;
	}
out:
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].path);
	free(c.v);
	free(buf);
	free(out);
	return rc;
}

static void mark_bad(struct live_sums_result *r, const char *path, const char *why)
{
	if (!r->bad) {
		snprintf(r->first, sizeof r->first, "%s", path);
		snprintf(r->why, sizeof r->why, "%s", why);
	}
	r->bad++;
	log_warn("/%s: %s", path, why);
}

/* The files a medium may carry without a line: the list itself, and the
 * files the ISO writer makes or patches as it writes the image (the El
 * Torito catalog, isolinux.bin's boot-info-table). */
static const char *const unlisted_ok[] = {"boot/isolinux/isolinux.bin", "boot/isolinux/boot.cat", NULL};

static int cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;
	return x < y ? -1 : x > y;
}

/* Every regular file of m that no line names (seen: the nodes the lines
 * named, sorted) is a bad file. */
static int check_coverage(const struct tree *m, const struct tree_node **seen, size_t nseen,
			  struct live_sums_result *r)
{
	struct collect c = {0};
	c.skip = unlisted_ok;
	int rc = tree_walk(m->root, collect_one, NULL, &c);
	if (rc == 0) {
		qsort(c.v, c.n, sizeof *c.v, cmp_ref);
		for (size_t i = 0; i < c.n; i++)
			if (!bsearch(&c.v[i].n, seen, nseen, sizeof *seen, cmp_ptr)) {
				r->files++;
				mark_bad(r, c.v[i].path, "not listed in " LIVE_SUMS_PATH);
			}
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].path);
	free(c.v);
	return rc;
}

int live_sums_check(const struct tree *m, const char *text, size_t len, struct live_sums_result *r)
{
	char name[4096];
	uint8_t want[SHA256_DIGEST], got[SHA256_DIGEST], *buf;
	uint64_t total = 0;
	size_t lineno = 0, nseen = 0, cap = 0;
	const struct tree_node **seen = NULL;
	int rc = 0;
	memset(r, 0, sizeof *r);
	/* First pass: the format, and the bytes to read for the meter. */
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		if (l && sha256sum_parse_line(text + i, l, want, name, sizeof name) < 0)
			return err_set(ERR_FORMAT, "%s:%zu: not a line of sha256sum (HEX  PATH)",
				       LIVE_SUMS_PATH, lineno);
		if (l) {
			const struct tree_node *n = tree_lookup(m, name);
			if (n && tree_is_reg(n))
				total += n->size;
		}
		i += l + 1;
	}
	if (!lineno)
		return err_set(ERR_FORMAT, "%s is empty", LIVE_SUMS_PATH);
	buf = xmalloc(SUMS_CHUNK);
	progress_begin("checking", total);
	lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		if (l) {
			sha256sum_parse_line(text + i, l, want, name, sizeof name);
			const struct tree_node *n = tree_lookup(m, name);
			bool twice = false;
			for (size_t k = 0; n && k < nseen && !twice; k++)
				twice = seen[k] == n;
			r->files++;
			if (n && !twice) {
				util_grow(&seen, &cap, nseen + 1, sizeof *seen);
				seen[nseen++] = n;
			}
			if (!n)
				mark_bad(r, name, "missing");
			else if (twice) {
				char why[64];
				snprintf(why, sizeof why, "listed twice (again on line %zu)", lineno);
				mark_bad(r, name, why);
			} else if (!tree_is_reg(n))
				mark_bad(r, name, "not a regular file");
			else if ((rc = hash_node(n, buf, got)) < 0) {
				rc = err_wrap(rc, "/%s", name);
				break;
			} else {
				r->bytes += n->size;
				if (memcmp(want, got, sizeof got))
					mark_bad(r, name, "differs (damaged)");
			}
		}
		i += l + 1;
	}
	progress_end();
	free(buf);
	if (rc == 0) {
		qsort(seen, nseen, sizeof *seen, cmp_ptr);
		rc = check_coverage(m, seen, nseen, r);
	}
	free(seen);
	return rc;
}

int live_sums_verify(const struct tree *m, const char *name, struct live_sums_result *r)
{
	const struct tree_node *n = tree_lookup(m, LIVE_SUMS_PATH);
	char *text;
	int fd, rc;
	if (!n || !tree_is_reg(n) || n->size > (64u << 20))
		return err_set(ENOENT,
			       "%s: no /%s, so no checksums to check against (a medium made by mklive "
			       "build has them)",
			       name, LIVE_SUMS_PATH);
	text = xmalloc((size_t)n->size + 1);
	/* a directory's nodes are host files: they need their descriptor */
	if ((fd = tree_node_open(n)) < -1) {
		free(text);
		return fd;
	}
	rc = tree_node_pread(n, fd, text, (size_t)n->size, 0);
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		text[n->size] = 0;
		rc = live_sums_check(m, text, (size_t)n->size, r);
	}
	free(text);
	return rc;
}
