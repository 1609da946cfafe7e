/* root_fs.tgz, the article's writable files: chosen top-level directories
 * of a tree as a POSIX tar archive (written with libarchive), gzip
 * compressed (libdeflate) as one member, in tree walk order, so the output
 * is the same for the same tree. */
#ifndef MKLIVE_ARCHIVE_TGZ_H
#define MKLIVE_ARCHIVE_TGZ_H

#include "core/tree.h"

#include <stddef.h>
#include <stdint.h>

/* Write the subtrees at paths ("/etc", ...; missing ones are skipped) of a
 * finalized tree to out_path atomically. *bytes: the size written. */
int tgz_write_paths(const struct tree *t, const char *const *paths, size_t npaths, const char *out_path,
		    uint64_t *bytes);

#endif
