/* mklive cloop: create, extract and inspect cloop compressed images
 * (create_compressed_fs / extract_compressed_fs). */
#include "cloop/cloop.h"
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_cloop(int argc, char **argv);
extern const char cmd_cloop_summary[];
const char cmd_cloop_summary[] = "create, extract and inspect cloop compressed images";

static void usage(FILE *f)
{
	fprintf(f, "usage: mklive cloop create [options] IN|- OUT|-\n"
		   "       mklive cloop create [options] IMAGE BLOCKSIZE   (old form: writes to stdout)\n"
		   "       mklive cloop extract IN|- OUT|-\n"
		   "       mklive cloop info IN\n"
		   "\n"
		   "Compresses a block device image (usually ISO 9660) for the cloop kernel module.\n"
		   "\n"
		   "create options:\n"
		   "  -B, --block-size SIZE   block size, a multiple of 512 (default 64K)\n"
		   "  -c, --compressor NAME   zlib, xz, lz4 or none (default zlib; v2 is zlib only)\n"
		   "  -L, --level N           compression level (zlib 0..12, default 6, which libdeflate\n"
		   "                          makes smaller than zlib's 9; xz 0..9, default 6;\n"
		   "                          lz4 1..12, default 1); -1 and -2 mean the best level\n"
		   "      --format v2|v4      v2.0: header first, read by every cloop tool and qemu-img\n"
		   "                          (default); v4.0: per-block compressor, header at the end\n"
		   "      --raw-blocks        v4: store blocks that do not shrink uncompressed (flag 1);\n"
		   "                          the cloop module 3.14 cannot read such blocks, so by\n"
		   "                          default every block is compressed (-c none: all stored)\n"
		   "  -t, --threads N         compression threads (default: online CPUs)\n"
		   "  -s SIZE                 accepted for create_compressed_fs compatibility (ignored)\n"
		   "  -f FILE                 directory of FILE holds the spool for v2 from stdin\n"
		   "  -q, --quiet             errors only;  -v, --verbose: statistics\n"
		   "  -b, -m, -r              accepted for create_compressed_fs compatibility (no effect)\n"
		   "\n"
		   "Input from stdin may be of any size; v2 then spools compressed blocks to an\n"
		   "unnamed temporary file beside OUT ($TMPDIR when OUT is stdout).\n"
		   "extract writes num_blocks * block_size bytes (the last block is zero-padded).\n");
}

/* ---- create ------------------------------------------------------------- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int do_create(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"block-size", required_argument, NULL, 'B'}, {"compressor", required_argument, NULL, 'c'},
	    {"level", required_argument, NULL, 'L'},	  {"threads", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'F'},	  {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},	  {"help", no_argument, NULL, 'h'},
	    {"raw-blocks", no_argument, NULL, 'R'},	  {NULL, 0, NULL, 0},
	};
	struct cloop_writer_opts wo = {
	    .version = CLOOP_V2,
	    .block_size = CLOOP_BLOCK_SIZE_DEFAULT,
	    .comp = {.codec = COMP_ZLIB, .level = -1, .xz_check = 1 /* CRC32: the kernel's xz checks it */},
	    .threads = 0,
	    .input_size = UINT64_MAX,
	};
	struct cloop_writer *w = NULL;
	struct out_file *o = NULL;
	struct cloop_stats st;
	const char *in_path, *out_path;
	char *spool_dir = NULL;
	bool format_set = false, best = false;
	uint64_t v;
	int opt, rc = 0, fd = -1, level = -1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+B:c:L:t:s:f:qvbmrhp:a:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'B':
			if ((rc = util_parse_size(optarg, &v, "-B")) < 0)
				goto out;
			if (v == 0 || v % 512 || v > CLOOP_BLOCK_SIZE_MAX) {
				rc = err_set(ERR_USAGE,
					     "-B %s: the block size must be a multiple of 512 up to %u",
					     optarg, CLOOP_BLOCK_SIZE_MAX);
				goto out;
			}
			wo.block_size = (uint32_t)v;
			break;
		case 'c':
			if ((rc = comp_codec_parse(optarg, &wo.comp.codec)) < 0)
				goto out;
			break;
		case 'L':
			if (!strcmp(optarg, "-1") || !strcmp(optarg, "-2")) {
				best = true; /* create_compressed_fs: 7zip / try all = the best we have */
				break;
			}
			if ((rc = util_parse_uint(optarg, 0, 99, &v, "-L")) < 0)
				goto out;
			level = (int)v;
			break;
		case 't':
			if ((rc = util_parse_uint(optarg, 1, 1024, &v, "-t")) < 0)
				goto out;
			wo.threads = (int)v;
			break;
		case 'F':
			if (!strcmp(optarg, "v2") || !strcmp(optarg, "2"))
				wo.version = CLOOP_V2;
			else if (!strcmp(optarg, "v4") || !strcmp(optarg, "4"))
				wo.version = CLOOP_V4;
			else {
				rc = err_set(ERR_USAGE, "--format %s: expected v2 or v4", optarg);
				goto out;
			}
			format_set = true;
			break;
		case 's':
			if ((rc = util_parse_size(optarg, &v, "-s")) < 0)
				goto out;
			break;
		case 'f': {
			const char *slash = strrchr(optarg, '/');
			free(spool_dir);
			spool_dir = slash ? xstrndup(optarg, (size_t)(slash - optarg + (slash == optarg)))
					  : xstrdup(".");
			break;
		}
		case 'R':
			wo.raw_blocks = true;
			break;
		case 'q':
			log_set_level(0);
			break;
		case 'v':
			log_set_level(2);
			break;
		case 'b':
		case 'm':
		case 'r':
		case 'p':
		case 'a':
			break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			rc = err_set(ERR_USAGE, "see 'mklive cloop --help'");
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 2 && all_digits(argv[1])) {
		/* create_compressed_fs IMAGE BLOCKSIZE > OUT (cloop 2.x) */
		if ((rc = util_parse_uint(argv[1], 512, CLOOP_BLOCK_SIZE_MAX, &v, "block size")) < 0)
			goto out;
		if (v % 512) {
			rc = err_set(ERR_USAGE, "block size %s is not a multiple of 512", argv[1]);
			goto out;
		}
		wo.block_size = (uint32_t)v;
		in_path = argv[0];
		out_path = "-";
	} else if (argc == 2) {
		in_path = argv[0];
		out_path = argv[1];
	} else {
		rc = err_set(ERR_USAGE, "create needs IN and OUT (see 'mklive cloop --help')");
		goto out;
	}
	if ((wo.comp.codec != COMP_ZLIB || wo.raw_blocks) && !format_set)
		wo.version = CLOOP_V4; /* other compressors and stored blocks exist only in v4 */
	if (wo.raw_blocks && wo.version == CLOOP_V2) {
		rc = err_set(ERR_USAGE, "--raw-blocks needs --format v4 (v2 has only zlib blocks)");
		goto out;
	}
	if (best)
		level = wo.comp.codec == COMP_XZ ? 9 : wo.comp.codec == COMP_NONE ? -1 : 12;
	if (wo.comp.codec == COMP_NONE)
		level = -1;
	wo.comp.level = level;
	if ((rc = comp_level_check(wo.comp.codec, level)) < 0)
		goto out;
	wo.spool_dir = spool_dir;

	if (!strcmp(in_path, "-")) {
		struct stat sb;
		fd = STDIN_FILENO;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && lseek(fd, 0, SEEK_CUR) == 0)
			wo.input_size = (uint64_t)sb.st_size;
	} else {
		struct stat sb;
		fd = open(in_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = err_sys(errno, "%s: cannot open", in_path);
			goto out;
		}
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
			wo.input_size = (uint64_t)sb.st_size;
		else if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rc = err_set(EISDIR, "%s: is a directory", in_path);
			goto out;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if ((rc = out_open(&o, out_path)) < 0)
		goto out;
	if ((rc = cloop_writer_create(&w, o, &wo)) < 0)
		goto out;
	progress_begin("compressing", wo.input_size == UINT64_MAX ? 0 : wo.input_size);
	rc = cloop_writer_write_fd(w, fd, !strcmp(in_path, "-") ? "standard input" : in_path);
	if (rc == 0)
		rc = cloop_writer_finish(w, &st);
	progress_end();
	if (rc < 0)
		goto out;
	cloop_writer_destroy(w);
	w = NULL;
	rc = out_finish(o);
	o = NULL;
	if (rc < 0)
		goto out;
	log_info("cloop V%d.0, %u blocks of %u bytes, %s level %d: %llu -> %llu bytes (%.1f%%); "
		 "blocks: %llu %s, %llu stored",
		 (int)wo.version, st.num_blocks, wo.block_size, comp_codec_name(wo.comp.codec),
		 wo.comp.level == -1 ? comp_level_default(wo.comp.codec) : wo.comp.level,
		 (unsigned long long)st.in_bytes, (unsigned long long)st.file_size,
		 st.in_bytes ? 100.0 * (double)st.file_size / (double)st.in_bytes : 0.0,
		 (unsigned long long)(st.num_blocks - st.blocks_by_method[CLOOP_M_NONE]),
		 comp_codec_name(wo.comp.codec), (unsigned long long)st.blocks_by_method[CLOOP_M_NONE]);
out:
	cloop_writer_destroy(w);
	out_abort(o);
	if (fd > STDIN_FILENO)
		close(fd);
	free(spool_dir);
	return rc;
}

/* ---- extract / info ------------------------------------------------------ */

/* Open IN for reading; "-" that is not a seekable file is copied to an
 * unnamed temporary file first (a v4 header sits at the end). */
static int open_input(const char *path, int *fd_out, uint64_t *size)
{
	struct stat sb;
	int fd;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(errno, "%s: cannot open", path);
	} else {
		fd = dup(STDIN_FILENO);
		if (fd < 0)
			return err_sys(errno, "standard input");
	}
	if (fstat(fd, &sb) < 0) {
		int e = errno;
		close(fd);
		return err_sys(e, "%s", path);
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return err_set(EISDIR, "%s: is a directory", path);
	}
	if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
		const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		int t = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		uint8_t *buf;
		uint64_t n = 0;
		if (t < 0) {
			int e = errno;
			close(fd);
			return err_sys(e, "%s: cannot create a temporary file", dir);
		}
		buf = xmalloc(1 << 20);
		for (;;) {
			size_t got = 0;
			int rc = util_read_full(fd, buf, 1 << 20, &got);
			if (rc == 0 && got)
				rc = util_write_full(t, buf, got);
			if (rc < 0) {
				free(buf);
				close(fd);
				close(t);
				return err_sys(rc, "%s: copying to a temporary file", path);
			}
			n += got;
			if (got < (1 << 20))
				break;
		}
		free(buf);
		close(fd);
		*fd_out = t;
		*size = n;
		return 0;
	}
	if (S_ISBLK(sb.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);
		*size = end > 0 ? (uint64_t)end : 0;
	} else {
		*size = (uint64_t)sb.st_size;
	}
	*fd_out = fd;
	return 0;
}

static int do_extract(int argc, char **argv)
{
	struct cloop_reader *r = NULL;
	struct out_file *o = NULL;
	const struct cloop_info *in;
	uint8_t *buf = NULL;
	uint64_t size;
	int rc, fd = -1;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 3)
		return err_set(ERR_USAGE, "extract needs IN and OUT (see 'mklive cloop --help')");
	if ((rc = open_input(argv[1], &fd, &size)) < 0)
		return rc;
	if ((rc = cloop_reader_open(&r, fd, size, argv[1])) < 0)
		goto out;
	in = cloop_reader_info(r);
	if ((rc = out_open(&o, argv[2])) < 0)
		goto out;
	buf = xmalloc(in->block_size);
	progress_begin("extracting", (uint64_t)in->num_blocks * in->block_size);
	for (uint32_t i = 0; i < in->num_blocks; i++) {
		if ((rc = cloop_reader_read_block(r, i, buf)) < 0)
			break;
		if ((rc = out_write(o, buf, in->block_size)) < 0)
			break;
		progress_add(in->block_size);
	}
	progress_end();
	if (rc == 0) {
		rc = out_finish(o);
		o = NULL;
	}
out:
	out_abort(o);
	free(buf);
	cloop_reader_close(r);
	close(fd);
	return rc;
}

static int do_info(int argc, char **argv)
{
	struct cloop_reader *r = NULL;
	const struct cloop_info *in;
	uint64_t size, raw;
	int rc, fd = -1;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2)
		return err_set(ERR_USAGE, "info needs IN (see 'mklive cloop --help')");
	if ((rc = open_input(argv[1], &fd, &size)) < 0)
		return rc;
	if ((rc = cloop_reader_open(&r, fd, size, argv[1])) < 0)
		goto out;
	in = cloop_reader_info(r);
	raw = (uint64_t)in->num_blocks * in->block_size;
	printf("format: cloop V%d.0, header %s\n", (int)in->version, in->header_first ? "first" : "last");
	printf("block size: %u\n", in->block_size);
	printf("blocks: %u\n", in->num_blocks);
	printf("uncompressed size: %llu\n", (unsigned long long)raw);
	printf("image size: %llu\n", (unsigned long long)in->file_size);
	printf("compressed data: %llu\n", (unsigned long long)in->data_bytes);
	printf("blocks by compressor:");
	for (int m = 0; m < CLOOP_M_COUNT; m++)
		if (in->blocks_by_method[m])
			printf(" %s %llu", cloop_method_name((enum cloop_method)m),
			       (unsigned long long)in->blocks_by_method[m]);
	printf("%s\n", in->num_blocks ? "" : " (none)");
	if (raw)
		printf("ratio: %.2f%% (image size / uncompressed size)\n",
		       100.0 * (double)in->file_size / (double)raw);
	else
		printf("ratio: -\n");
	if (fflush(stdout) != 0)
		rc = err_sys(errno, "standard output");
out:
	cloop_reader_close(r);
	close(fd);
	return rc;
}

int cmd_cloop(int argc, char **argv)
{
	int rc;
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "create"))
		rc = do_create(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "extract"))
		rc = do_extract(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "info"))
		rc = do_info(argc - 1, argv + 1);
	else
		rc = do_create(argc, argv); /* create_compressed_fs spelling: options and files only */
	if (rc < 0) {
		log_error_current();
		return 1;
	}
	return 0;
}
