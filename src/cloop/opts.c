/* The options of the cloop writer, its input (files, devices, pipes) and
 * the one call that compresses an image file, shared by `mklive cloop` and
 * the build pipeline. */
#include "cloop/cloop.h"
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

void cloop_opts_init(struct cloop_opts *o)
{
	memset(o, 0, sizeof *o);
	o->w.version = CLOOP_V2;
	o->w.block_size = CLOOP_BLOCK_SIZE_DEFAULT;
	o->w.comp.codec = COMP_ZLIB;
	o->w.comp.level = -1;
	o->w.comp.xz_check = 1; /* CRC32: the kernel's xz decoder checks it */
	o->w.input_size = UINT64_MAX;
	o->level = -1;
}

void cloop_opts_free(struct cloop_opts *o)
{
	free(o->spool_dir);
	o->spool_dir = NULL;
	o->w.spool_dir = NULL;
}

int cloop_opts_set(struct cloop_opts *o, const char *key, const char *value, const char *label)
{
	uint64_t v;
	int rc;
	if (!label)
		label = key;
	if (!strcmp(key, "raw-blocks")) {
		bool on = true;
		if (value && (rc = util_parse_bool(value, &on, label)))
			return rc;
		o->w.raw_blocks = on;
		return 0;
	}
	if (!value)
		return err_set(ERR_USAGE, "%s needs a value", label);
	if (!strcmp(key, "block-size")) {
		if ((rc = util_parse_size(value, &v, label)) < 0)
			return rc;
		o->block_size = v;
		snprintf(o->block_size_label, sizeof o->block_size_label, "%s", label);
	} else if (!strcmp(key, "compressor")) {
		if ((rc = comp_codec_parse(value, &o->w.comp.codec)) < 0)
			return err_wrap(rc, "%s", label);
	} else if (!strcmp(key, "level")) {
		if (!strcmp(value, "-1") || !strcmp(value, "-2")) {
			o->best = true; /* create_compressed_fs: 7zip / try all = the best we have */
			return 0;
		}
		if ((rc = util_parse_uint(value, 0, 99, &v, label)) < 0)
			return rc;
		o->level = (int)v;
		o->best = false;
	} else if (!strcmp(key, "threads")) {
		if ((rc = util_parse_uint(value, 1, 1024, &v, label)) < 0)
			return rc;
		o->w.threads = (int)v;
	} else if (!strcmp(key, "format")) {
		if (!strcmp(value, "v2") || !strcmp(value, "2"))
			o->w.version = CLOOP_V2;
		else if (!strcmp(value, "v4") || !strcmp(value, "4"))
			o->w.version = CLOOP_V4;
		else
			return err_set(ERR_USAGE, "%s %s: expected v2 or v4", label, value);
		o->format_set = true;
	} else if (!strcmp(key, "spool-beside")) {
		const char *slash = strrchr(value, '/');
		free(o->spool_dir);
		o->spool_dir =
		    slash ? xstrndup(value, (size_t)(slash - value + (slash == value))) : xstrdup(".");
	} else {
		return err_set(ERR_USAGE, "%s: not a cloop option", label);
	}
	return 0;
}

int cloop_opts_check(struct cloop_opts *o)
{
	int level = o->level;
	if (o->block_size_label[0]) {
		if (!o->block_size || o->block_size % 512 || o->block_size > CLOOP_BLOCK_SIZE_MAX)
			return err_set(
			    ERR_USAGE, "%s %llu: the block size must be a multiple of 512 up to %u",
			    o->block_size_label, (unsigned long long)o->block_size, CLOOP_BLOCK_SIZE_MAX);
		o->w.block_size = (uint32_t)o->block_size;
	}
	if ((o->w.comp.codec != COMP_ZLIB || o->w.raw_blocks) && !o->format_set)
		o->w.version = CLOOP_V4; /* other compressors and stored blocks exist only in v4 */
	if (o->w.comp.codec != COMP_ZLIB && o->w.version == CLOOP_V2)
		return err_set(ERR_USAGE, "--format v2 holds only zlib blocks (use --format v4 for %s)",
			       comp_codec_name(o->w.comp.codec));
	if (o->w.raw_blocks && o->w.version == CLOOP_V2)
		return err_set(ERR_USAGE, "--raw-blocks needs --format v4 (v2 has only zlib blocks)");
	if (o->best)
		level = o->w.comp.codec == COMP_XZ ? 9 : o->w.comp.codec == COMP_NONE ? -1 : 12;
	if (o->w.comp.codec == COMP_NONE)
		level = -1;
	o->w.comp.level = level;
	o->w.spool_dir = o->spool_dir;
	return comp_level_check(o->w.comp.codec, level);
}

/* Copy everything from fd to an unnamed temporary file. */
static int spool(int fd, const char *name, int *out, uint64_t *size)
{
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int t = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	uint8_t *buf;
	uint64_t n = 0;
	int rc = 0;
	if (t < 0)
		return err_sys(errno, "%s: cannot create a temporary file", dir);
	buf = xmalloc(1 << 20);
	for (;;) {
		size_t got = 0;
		rc = util_read_full(fd, buf, 1 << 20, &got);
		if (rc == 0 && got)
			rc = util_write_full(t, buf, got);
		if (rc < 0) {
			rc = err_sys(-rc, "%s: copying to a temporary file in %s", name, dir);
			break;
		}
		n += got;
		if (got < (1 << 20))
			break;
	}
	free(buf);
	if (rc < 0) {
		close(t);
		return rc;
	}
	*out = t;
	*size = n;
	return 0;
}

int cloop_input_open(const char *path, bool seekable, int *fd_out, uint64_t *size)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	struct stat sb;
	int fd, rc;
	fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "%s: cannot open", name);
	if (fstat(fd, &sb) < 0) {
		rc = err_sys(errno, "%s", name);
		close(fd);
		return rc;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return err_set(EISDIR, "%s: is a directory", name);
	}
	if (S_ISREG(sb.st_mode) && (!is_stdin || lseek(fd, 0, SEEK_CUR) == 0)) {
		*size = (uint64_t)sb.st_size;
	} else if (S_ISBLK(sb.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0) {
			rc = err_sys(errno, "%s: cannot read the device size", name);
			close(fd);
			return rc;
		}
	} else if (seekable) {
		rc = spool(fd, name, fd_out, size);
		close(fd);
		return rc;
	} else {
		*size = UINT64_MAX;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*fd_out = fd;
	return 0;
}

int cloop_write(const char *in_path, const struct cloop_opts *o, const char *out_path,
		struct cloop_stats *stats)
{
	struct cloop_writer_opts wo = o->w;
	struct cloop_writer *w = NULL;
	struct out_file *out = NULL;
	struct cloop_stats st;
	int fd = -1, rc;
	if ((rc = cloop_input_open(in_path, false, &fd, &wo.input_size)) < 0)
		return rc;
	if ((rc = out_open(&out, out_path)) < 0 ||
	    (rc = out_check_not_input(out, fd, !strcmp(in_path, "-") ? "standard input" : in_path)) < 0)
		goto done;
	if ((rc = cloop_writer_create(&w, out, &wo)) < 0)
		goto done;
	progress_begin("compressing", wo.input_size == UINT64_MAX ? 0 : wo.input_size);
	rc = cloop_writer_write_fd(w, fd, !strcmp(in_path, "-") ? "standard input" : in_path);
	if (rc == 0)
		rc = cloop_writer_finish(w, &st);
	progress_end();
	if (rc < 0)
		goto done;
	cloop_writer_destroy(w);
	w = NULL;
	rc = out_finish(out);
	out = NULL;
	if (rc == 0 && stats)
		*stats = st;
done:
	cloop_writer_destroy(w);
	out_abort(out);
	close(fd);
	return rc;
}
