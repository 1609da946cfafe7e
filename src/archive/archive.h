/* Reading tar and cpio archives (plain or gzip/bzip2/xz/lzma/zstd/lz4
 * compressed, through libarchive) into a tree: owners, modes, times,
 * devices, hard links and extended attributes (file capabilities included)
 * come from the archive, so no privilege is needed to build an image from
 * one. File data is not copied where it lies as it is in the archive: nodes
 * of an uncompressed archive take their bytes from the archive itself, at
 * their offset; those of a compressed archive (and sparse entries) from one
 * unnamed spool file, written once while the archive is decompressed. */
#ifndef MKLIVE_ARCHIVE_ARCHIVE_H
#define MKLIVE_ARCHIVE_ARCHIVE_H

#include "core/imgsrc.h"
#include "core/tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits that keep a hostile archive from taking unbounded memory: every
 * entry costs a tree node, and the other limits are the kernel's. */
#define TAR_MAX_ENTRIES (8u << 20)
#define TAR_PATH_MAX 4095	  /* bytes of a path, as PATH_MAX less the NUL */
#define TAR_NAME_MAX 255	  /* bytes of one path component (NAME_MAX) */
#define TAR_XATTR_VALUE_MAX 65536 /* XATTR_SIZE_MAX */
#define TAR_XATTR_NAMES_MAX 65536 /* XATTR_LIST_MAX: a node's names with their NULs */

struct tar_read_opts {
	/* Directory of the spool file holding the data of compressed
	 * archives (an O_TMPFILE, gone when the last node using it is):
	 * NULL for $TMPDIR, else /tmp. */
	const char *spool_dir;
	uint64_t max_entries; /* 0: TAR_MAX_ENTRIES */
	bool no_data;	      /* metadata only: files get no data source (listing, info) */
};

struct tar_read_stats {
	char format[64];   /* "GNU tar format", "ASCII cpio (SVR4 with no CRC)" ... */
	char filter[32];   /* "none", "gzip", "xz", "zstd" ... (the outermost) */
	unsigned segments; /* concatenated cpio archives read (an initramfs has several) */
	uint64_t entries;  /* headers read (the root "./" included) */
	uint64_t files, dirs, symlinks, hardlinks, devices, fifos, sockets;
	uint64_t data_bytes;	/* of regular files, each hard-link group once */
	uint64_t in_place;	/* of that, read in place from the archive */
	uint64_t spooled;	/* of that, written to the spool file */
	uint64_t stream_bytes;	/* of the (decompressed) archive stream */
	uint64_t archive_bytes; /* of the archive as stored */
};

void tar_read_opts_init(struct tar_read_opts *o);
/* Add every entry of the archive at path under t's root (a "./" entry sets
 * the root's own attributes). Leading '/' are stripped as tar does; a path
 * with a ".." component is refused with an error naming the entry. Later
 * entries replace earlier ones of the same name. o may be NULL. */
int tar_read_path(const char *path, struct tree *t, const struct tar_read_opts *o);
/* The same from an image source (a host file or another image's node).
 * st may be NULL. */
int tar_read_src(const struct imgsrc *src, struct tree *t, const struct tar_read_opts *o,
		 struct tar_read_stats *st);

/* The image-reader contract of core/imgsrc.h. tar_* recognise tar archives
 * (ustar, pax, GNU, v7), cpio_* cpio archives (newc, crc, odc, binary),
 * plain or compressed; both read either kind. */
bool tar_probe(const uint8_t *head, size_t len, uint64_t size);
int tar_read(const struct imgsrc *src, struct tree *t);
int tar_info(const struct imgsrc *src, struct imgsrc_info *info);
bool cpio_probe(const uint8_t *head, size_t len, uint64_t size);
int cpio_read(const struct imgsrc *src, struct tree *t);
int cpio_info(const struct imgsrc *src, struct imgsrc_info *info);

#endif
