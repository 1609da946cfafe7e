/* root_fs.tgz: subtrees of a tree as tar (libarchive, pax restricted) and
 * gzip (libdeflate); see tgz.h. */
#include "archive/tgz.h"
#include "compress/compress.h"
#include "core/error.h"
#include "core/output.h"
#include "core/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static la_ssize_t on_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct membuf *m = ctx;
	util_grow(&m->p, &m->cap, m->len + n, 1);
	memcpy(m->p + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

static int la_fail(struct archive *a, const char *what)
{
	return err_set(ERR_FORMAT, "root_fs.tgz: %s: %s", what, archive_error_string(a));
}

struct walk {
	struct archive *a;
	struct archive_entry *e;
	uint8_t *buf;
	char **first; /* per hard-link group: the path written with the data */
	int rc;
};

static int add_node(struct tree_node *n, void *vctx)
{
	struct walk *w = vctx;
	char *path = tree_node_path(n), *first = NULL;
	int fd = -1, rc = 0;
	archive_entry_clear(w->e);
	archive_entry_set_pathname(w->e, path + 1);
	archive_entry_set_mode(w->e, n->mode);
	archive_entry_set_uid(w->e, n->uid);
	archive_entry_set_gid(w->e, n->gid);
	archive_entry_set_mtime(w->e, n->mtime, 0);
	for (size_t i = 0; i < n->nxattrs; i++)
		archive_entry_xattr_add_entry(w->e, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len);
	if (tree_is_lnk(n)) {
		archive_entry_set_symlink(w->e, n->symlink);
	} else if (S_ISCHR(n->mode) || S_ISBLK(n->mode)) {
		archive_entry_set_rdevmajor(w->e, major(n->rdev));
		archive_entry_set_rdevminor(w->e, minor(n->rdev));
	} else if (tree_is_reg(n) && n->link_id && w->first[n->link_id]) {
		/* the group's first name inside the archive carries the data */
		first = xstrdup(w->first[n->link_id]);
		archive_entry_set_hardlink(w->e, first + 1);
		archive_entry_set_size(w->e, 0);
	} else if (tree_is_reg(n)) {
		if (n->link_id)
			w->first[n->link_id] = xstrdup(path);
		archive_entry_set_size(w->e, (la_int64_t)n->size);
	}
	if (archive_write_header(w->a, w->e) != ARCHIVE_OK) {
		rc = la_fail(w->a, path);
		goto out;
	}
	if (tree_is_reg(n) && !first && n->size) {
		if ((fd = tree_node_open(n)) < -1) {
			rc = fd;
			goto out;
		}
		for (uint64_t off = 0; off < n->size && !rc;) {
			size_t k = (size_t)MIN(n->size - off, 1u << 20);
			if ((rc = tree_node_pread(n, fd, w->buf, k, off)) == 0 &&
			    archive_write_data(w->a, w->buf, k) != (la_ssize_t)k)
				rc = la_fail(w->a, path);
			off += k;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(first);
	free(path);
	w->rc = rc;
	return rc;
}

int tgz_write_paths(const struct tree *t, const char *const *paths, size_t npaths, const char *out_path,
		    uint64_t *bytes)
{
	struct membuf m = {0};
	struct walk w = {0};
	struct comp_opts co = {.codec = COMP_GZIP, .level = 9};
	struct comp_ctx *cc = NULL;
	struct out_file *o = NULL;
	uint8_t *gz = NULL;
	ssize_t n;
	int rc = 0;

	w.a = archive_write_new();
	w.e = archive_entry_new();
	w.buf = xmalloc(1 << 20);
	w.first = xcalloc((size_t)t->nlinkgroups + 1, sizeof *w.first);
	if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
	    archive_write_open(w.a, &m, NULL, on_write, NULL) != ARCHIVE_OK) {
		rc = la_fail(w.a, "cannot start the archive");
		goto out;
	}
	for (size_t i = 0; i < npaths && !rc; i++) {
		struct tree_node *d = tree_lookup(t, paths[i]);
		if (d)
			rc = tree_walk(d, add_node, NULL, &w);
	}
	if (!rc && archive_write_close(w.a) != ARCHIVE_OK)
		rc = la_fail(w.a, "finishing the archive");
	if (rc)
		goto out;
	if ((rc = comp_ctx_create(&cc, &co)) < 0)
		goto out;
	gz = xmalloc(comp_bound(cc, m.len));
	n = comp_compress(cc, m.p, m.len, gz, comp_bound(cc, m.len));
	if (n <= 0) {
		rc = n < 0 ? (int)n : err_set(ERR_LIMIT, "root_fs.tgz: gzip output exceeds its bound");
		goto out;
	}
	if ((rc = out_open(&o, out_path)) < 0 || (rc = out_write(o, gz, (size_t)n)) < 0)
		goto out;
	rc = out_finish(o);
	o = NULL;
	if (rc == 0 && bytes)
		*bytes = (uint64_t)n;
out:
	out_abort(o);
	comp_ctx_destroy(cc);
	free(gz);
	free(m.p);
	free(w.buf);
	for (size_t i = 0; i <= t->nlinkgroups; i++)
		free(w.first[i]);
	free(w.first);
	archive_entry_free(w.e);
	archive_write_free(w.a);
	return rc;
}
