/* mklive squashfs: write a squashfs 4.0 image from directories and files,
 * with mksquashfs's option spelling; --info prints a superblock summary. */
#include "squashfs/squashfs.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/format.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmd_squashfs(int argc, char **argv);
extern const char cmd_squashfs_summary[];
const char cmd_squashfs_summary[] = "write a squashfs image (mksquashfs options)";

static void usage(FILE *f)
{
	fprintf(f, "usage: mklive squashfs SOURCE... OUT [options]\n"
		   "       mklive squashfs --info IMAGE\n\n"
		   "Writes a squashfs 4.0 image OUT holding the contents of every SOURCE\n"
		   "directory (merged at the root) or SOURCE file (at /NAME).\n\n"
		   "Options (spelled as mksquashfs spells them):\n"
		   "  -comp gzip|xz|zstd|lz4    compressor (default gzip)\n"
		   "  -b SIZE                   block size, 4K..1M, power of two (default 128K)\n"
		   "  -Xcompression-level N     gzip 1-9 (9), zstd 1-22 (15), xz 0-9 (6), lz4 1-12\n"
		   "  -Xhc                      lz4 high-compression mode\n"
		   "  -processors N             compression threads (default: online CPUs)\n"
		   "  -no-fragments             do not pack file tails into fragment blocks\n"
		   "  -no-duplicates            store files with identical bytes separately\n"
		   "  -no-exports               omit the NFS export table\n"
		   "  -no-xattrs                do not store extended attributes\n"
		   "  -all-root                 make every file owned by root (0:0)\n"
		   "  -force-uid N, -force-gid N   set every file's owner / group\n"
		   "  -noappend                 accepted: an existing OUT is always replaced\n"
		   "  -quiet                    print errors only\n"
		   "  --info IMAGE              print the superblock of an image\n\n"
		   "SOURCE_DATE_EPOCH sets the image time and clamps newer file times.\n");
}

static int info(const char *path)
{
	uint8_t b[SQFS_SUPER_SIZE];
	struct sqfs_super s;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	static const char *comps[] = {"?", "gzip", "lzma", "lzo", "xz", "lz4", "zstd"};
	if (fd < 0)
		return err_sys(errno, "%s", path);
	rc = util_read_full(fd, b, sizeof b, &got);
	close(fd);
	if (rc < 0)
		return err_sys(-rc, "%s", path);
	if (got < sizeof b)
		return err_set(ERR_FORMAT, "%s: too short for a squashfs superblock", path);
	if ((rc = sqfs_super_decode(b, &s)) != 0)
		return err_wrap(rc, "%s", path);
	printf("squashfs %u.%u, %s compression, block size %u\n", s.version_major, s.version_minor,
	       s.compressor < ARRAY_SIZE(comps) ? comps[s.compressor] : "?", s.block_size);
	printf("bytes used: %llu\n", (unsigned long long)s.bytes_used);
	printf("inodes: %u\nfragments: %u\nids: %u\n", s.inode_count, s.frag_count, s.id_count);
	{
		time_t t = (time_t)s.mod_time;
		char tb[64];
		struct tm tm;
		strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
		printf("created: %s (%u)\n", tb, s.mod_time);
	}
	printf("flags: 0x%04x%s%s%s%s%s%s\n", s.flags,
	       s.flags & SQFS_FLAG_NO_FRAGMENTS ? " no-fragments" : "",
	       s.flags & SQFS_FLAG_DUPLICATES ? " duplicates-removed" : "",
	       s.flags & SQFS_FLAG_EXPORTABLE ? " exportable" : "",
	       s.flags & SQFS_FLAG_NO_XATTRS ? " no-xattrs" : "",
	       s.flags & SQFS_FLAG_COMPRESSOR_OPTIONS ? " compressor-options" : "",
	       s.flags & SQFS_FLAG_UNCOMPRESSED_DATA ? " uncompressed-data" : "");
	printf("inode table: %llu\ndirectory table: %llu\nfragment table: %llu\n",
	       (unsigned long long)s.inode_table, (unsigned long long)s.dir_table,
	       (unsigned long long)s.frag_table);
	printf("export table: %lld\nid table: %llu\nxattr id table: %lld\n",
	       s.export_table == SQFS_INVALID_TABLE ? -1LL : (long long)s.export_table,
	       (unsigned long long)s.id_table,
	       s.xattr_id_table == SQFS_INVALID_TABLE ? -1LL : (long long)s.xattr_id_table);
	return 0;
}

static int need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		return err_set(ERR_USAGE, "option %s needs an argument", argv[i]);
	return 0;
}

int cmd_squashfs(int argc, char **argv)
{
	struct sqfs_opts o;
	struct tree_scan_opts so;
	struct tree *t = NULL;
	const char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	size_t npos = 0;
	bool quiet = false, xhc = false;
	int rc = 0;
	uint64_t v;

	sqfs_opts_init(&o);
	memset(&so, 0, sizeof so);
	so.xattrs = true;
	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "-help")) {
			usage(stdout);
			free(pos);
			return 0;
		} else if (!strcmp(a, "--info")) {
			if ((rc = need_arg(argc, argv, i)) == 0)
				rc = info(argv[++i]);
			free(pos);
			if (rc) {
				log_error_current();
				return 1;
			}
			return 0;
		} else if (!strcmp(a, "-comp")) {
			if ((rc = need_arg(argc, argv, i)) == 0)
				rc = sqfs_codec_parse(argv[++i], &o.codec);
		} else if (!strcmp(a, "-b")) {
			if ((rc = need_arg(argc, argv, i)) == 0 &&
			    (rc = util_parse_size(argv[++i], &v, "block size")) == 0) {
				if (v < 4096 || v > (1u << 20) || (v & (v - 1)))
					rc = err_set(ERR_USAGE,
						     "block size %s: must be a power of two from 4K to 1M",
						     argv[i]);
				o.block_size = (uint32_t)v;
			}
		} else if (!strcmp(a, "-Xcompression-level")) {
			if ((rc = need_arg(argc, argv, i)) == 0 &&
			    (rc = util_parse_uint(argv[++i], 0, 22, &v, "compression level")) == 0)
				o.level = (int)v;
		} else if (!strcmp(a, "-Xhc")) {
			xhc = true;
		} else if (!strcmp(a, "-processors")) {
			if ((rc = need_arg(argc, argv, i)) == 0 &&
			    (rc = util_parse_uint(argv[++i], 1, 1024, &v, "number of processors")) == 0)
				o.threads = (int)v;
		} else if (!strcmp(a, "-force-uid") || !strcmp(a, "-force-gid")) {
			if ((rc = need_arg(argc, argv, i)) == 0 &&
			    (rc = util_parse_uint(argv[i + 1], 0, UINT32_MAX, &v, a + 1)) == 0) {
				if (a[7] == 'u')
					o.force_uid = (int64_t)v;
				else
					o.force_gid = (int64_t)v;
			}
			i++;
		} else if (!strcmp(a, "-no-fragments")) {
			o.no_fragments = true;
		} else if (!strcmp(a, "-no-duplicates")) {
			o.no_duplicates = true;
		} else if (!strcmp(a, "-no-xattrs")) {
			o.no_xattrs = true;
		} else if (!strcmp(a, "-no-exports")) {
			o.no_exports = true;
		} else if (!strcmp(a, "-all-root")) {
			o.all_root = true;
		} else if (!strcmp(a, "-noappend")) {
			/* an existing image is always replaced */
		} else if (!strcmp(a, "-quiet")) {
			quiet = true;
		} else if (a[0] == '-' && a[1]) {
			rc = err_set(ERR_USAGE, "unknown option %s (see --help)", a);
		} else {
			pos[npos++] = a;
		}
	}
	if (!rc && npos < 2)
		rc = err_set(ERR_USAGE, "need at least one SOURCE and the OUT image (see --help)");
	if (!rc && xhc) {
		if (o.codec != COMP_LZ4)
			rc = err_set(ERR_USAGE, "-Xhc is an lz4 option");
		else if (o.level < 0)
			o.level = 9;
	}
	if (!rc && o.level >= 0 && o.codec == COMP_LZ4 && !xhc)
		rc = err_set(ERR_USAGE, "lz4 has no compression level; use -Xhc for high compression");
	if (!rc && o.level >= 0 && o.codec == COMP_ZLIB && (o.level < 1 || o.level > 9))
		rc = err_set(ERR_USAGE, "gzip compression level %d: must be 1 to 9", o.level);
	if (!rc && o.level >= 0 && o.codec == COMP_ZSTD && o.level < 1)
		rc = err_set(ERR_USAGE, "zstd compression level %d: must be 1 to 22", o.level);
	if (!rc && o.level >= 0 && (rc = comp_level_check(o.codec, o.level)) != 0)
		rc = err_wrap(rc, "-Xcompression-level");
	if (quiet)
		log_set_level(0);
	if (!rc) {
		so.xattrs = !o.no_xattrs;
		t = tree_create();
		for (size_t i = 0; i + 1 < npos && !rc; i++)
			rc = tree_add_graft(t, pos[i], &so);
		if (!rc)
			rc = tree_finalize(t);
		if (!rc)
			rc = sqfs_write(t, pos[npos - 1], &o, NULL);
	}
	tree_destroy(t);
	free(pos);
	if (rc) {
		log_error_current();
		return 1;
	}
	return 0;
}
