/* Safe extraction of a tree (read from an image) into a host directory:
 * every file is made relative to the target's descriptor, nothing is
 * ever followed through a symbolic link, and names that could leave the
 * target are refused. */
#ifndef MKLIVE_IMAGE_EXTRACT_H
#define MKLIVE_IMAGE_EXTRACT_H

#include "core/tree.h"

#include <stdbool.h>
#include <stdint.h>

struct extract_opts {
	bool owners; /* restore uid/gid (default: when running as root) */
	bool xattrs; /* restore extended attributes (default on) */
	/* threads writing regular files, while the walk makes directories,
	 * links and devices in order: 0 for EXTRACT_THREADS */
	int threads;
};
#define EXTRACT_THREADS 2 /* measured with bench/extract.sh on ext4 and tmpfs */
#define EXTRACT_MAX_THREADS 64
void extract_opts_init(struct extract_opts *o);

struct extract_stats {
	uint64_t files, dirs, symlinks, hardlinks, specials, bytes;
	uint64_t skipped; /* devices or xattrs this user may not make (warned) */
};

/* Extract from (a directory: its contents; anything else: itself, under
 * its name) into the directory dir, which is created when missing. The
 * tree must be finalized (hard links). Existing non-directories of the
 * same name are replaced; an existing directory is merged into. */
int image_extract(const struct tree_node *from, const char *dir, const struct extract_opts *o,
		  struct extract_stats *st);

#endif
