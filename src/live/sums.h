/* /live/SHA256SUMS of a medium: made from the medium's tree (every regular
 * file but itself, sorted by path, in sha256sum's format so that
 * `sha256sum -c live/SHA256SUMS` verifies it from the medium's root), and
 * checked against a tree (a directory scanned, or an image read). */
#ifndef MKLIVE_LIVE_SUMS_H
#define MKLIVE_LIVE_SUMS_H

#include "core/tree.h"

#include <stddef.h>
#include <stdint.h>

#define LIVE_SUMS_PATH "live/SHA256SUMS"

/* The text of /live/SHA256SUMS for the medium tree m (malloc'ed, NUL
 * after *len bytes), leaving out the paths in skip (NULL-terminated, no
 * leading '/', or NULL): files the ISO writer changes as it writes them,
 * such as a boot image that gets a boot-info-table. Reads every regular file through tree_node_pread,
 * with a progress meter. The build adds it last, after every other file
 * is in the tree:
 *     live_sums_make(medium, skip, &text, &len);
 *     tree_add_mem_file(medium, "/" LIVE_SUMS_PATH, text, len, 0644, NULL);
 * and frees text (tree_add_mem_file copies it). */
int live_sums_make(const struct tree *m, const char *const *skip, char **text, size_t *len);

struct live_sums_result {
	uint64_t files;	 /* lines checked */
	uint64_t bytes;	 /* bytes hashed */
	uint64_t bad;	 /* files that differ or are missing */
	char first[512]; /* the first bad file's path, "" when none */
	char why[64];	 /* "differs", "missing", "not a regular file", "listed twice", ... */
};

/* Verify every line of text (a SHA256SUMS file) against the files of m,
 * and that the lines cover the medium: a file named twice, and a regular
 * file no line names, are bad files too. Exceptions, which may be left
 * out: the list itself, boot/isolinux/isolinux.bin (patched with its
 * boot-info-table as the image is written) and boot/isolinux/boot.cat
 * (the El Torito catalog the ISO writer makes).
 * A malformed SHA256SUMS is an error (ERR_FORMAT naming the line); bad
 * files are not errors: they are counted in *r, and a message per bad
 * file goes to the log. Returns 0 or a negative code (read errors). */
int live_sums_check(const struct tree *m, const char *text, size_t len, struct live_sums_result *r);
/* live_sums_check with m's own /live/SHA256SUMS (an error naming the
 * medium, name, when it has none). */
int live_sums_verify(const struct tree *m, const char *name, struct live_sums_result *r);

#endif
