/* The boot order of the squashfs writer: files named in a list (one path a
 * line, as `mklive run --record-boot-order` writes it) are stored first,
 * in the list's order, so what a boot reads is one contiguous run at the
 * start of the image instead of reads scattered across it. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

/* Warnings for paths of the list missing from the tree: the first few by
 * name, then a count (a list recorded from an older root may name many). */
#define ORDER_WARN_NAMED 5

int sqfs_order_files(const struct tree *t, const char *list, struct sqfs_file **files, size_t nfiles,
		     size_t *nboot)
{
	uint8_t *data = NULL;
	size_t len = 0, n = 0, line = 0, missing = 0, kept = 0;
	struct sqfs_file **out;
	int rc;
	*nboot = 0;
	if ((rc = util_read_file(list, &data, &len)) != 0)
		return err_wrap(rc, "boot order %s", list);
	out = xcalloc(nfiles ? nfiles : 1, sizeof *out);
	for (size_t i = 0; i < nfiles; i++)
		files[i]->boot = false;
	for (size_t p = 0; p < len;) {
		size_t e = p;
		char *path;
		const struct tree_node *nd;
		while (e < len && data[e] != '\n')
			e++;
		line++;
		/* blanks around a path are kept out, as are comments and empty lines */
		size_t a = p, b = e;
		while (a < b && (data[a] == ' ' || data[a] == '\t'))
			a++;
		while (b > a && (data[b - 1] == ' ' || data[b - 1] == '\t' || data[b - 1] == '\r'))
			b--;
		p = e + 1;
		if (a == b || data[a] == '#')
			continue;
		path = xstrndup((const char *)data + a, b - a);
		nd = tree_resolve(t, path);
		if (!nd || !tree_is_reg(nd)) {
			if (!nd && ++missing <= ORDER_WARN_NAMED)
				log_warn("%s:%zu: %s is not in the root; left out of the boot order", list,
					 line, path);
			free(path);
			continue;
		}
		free(path);
		struct sqfs_file *f = nd->link_first->user;
		if (!f || f->boot)
			continue; /* empty files have no data; a path listed twice keeps its first place */
		f->boot = true;
		out[n++] = f;
	}
	if (missing > ORDER_WARN_NAMED)
		log_warn("%s: %zu more paths are not in the root", list, missing - ORDER_WARN_NAMED);
	/* the files not listed follow in their usual (directory walk) order */
	kept = n;
	for (size_t i = 0; i < nfiles; i++)
		if (!files[i]->boot)
			out[n++] = files[i];
	memcpy(files, out, nfiles * sizeof *files);
	free(out);
	free(data);
	*nboot = kept;
	log_info("boot order %s: %zu files first", list, kept);
	return 0;
}
