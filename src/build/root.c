/* The root source of a build, told apart by what Root.Source is: a
 * directory, a tarball, an image mklive reads (remastering), debian:SUITE
 * (made by mmdebstrap), or nothing (the embedded default system). */
#include "archive/archive.h"
#include "build/build.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_dir(const char *dir, struct tree *t)
{
	struct tree_scan_opts so = {.xattrs = true, .quiet_sockets = false};
	return tree_add_path(t, "", dir, &so);
}

/* The first bytes of a file, to tell what it is. */
static int head_of(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return err_sys(errno, "%s", path);
	rc = util_read_full(fd, buf, cap, len);
	close(fd);
	return rc < 0 ? err_sys(-rc, "%s", path) : 0;
}

static int read_tarball(const char *path, const char *spool_dir, struct tree *t, char **desc)
{
	struct tar_read_opts o;
	struct tar_read_stats st;
	struct imgsrc src;
	int rc;
	tar_read_opts_init(&o);
	o.spool_dir = spool_dir;
	if ((rc = imgsrc_open_path(&src, path)))
		return rc;
	rc = tar_read_src(&src, t, &o, &st);
	imgsrc_close(&src);
	if (rc)
		return rc;
	*desc = xasprintf("tarball %s (%s, %s; %llu files, %.1f MB read in place, %.1f MB spooled)", path,
			  st.format, st.filter, (unsigned long long)st.files, (double)st.in_place / 1e6,
			  (double)st.spooled / 1e6);
	return 0;
}

int build_root_read(const struct build_cfg *cfg, const char *spool_dir, struct tree *t, char **desc)
{
	const char *label, *src = build_cfg_get(cfg, CFG_SOURCE, &label);
	uint8_t head[IMGSRC_PROBE_BYTES];
	size_t len = 0;
	struct stat st;
	int rc;
	if (!src || !*src) {
		*desc = xstrdup("the embedded default system (busybox)");
		return build_default_root(t, NULL);
	}
	if (!strncmp(src, "debian:", 7))
		return err_set(ENOTSUP, "%s: Root.Source %s: debian: sources are not available in this build",
			       label, src);
	if (stat(src, &st) < 0)
		return err_sys(errno, "%s: Root.Source %s", label, src);
	if (S_ISDIR(st.st_mode)) {
		*desc = xasprintf("directory %s", src);
		return read_dir(src, t);
	}
	if ((rc = head_of(src, head, sizeof head, &len)))
		return rc;
	if (tar_probe(head, len, (uint64_t)st.st_size) || cpio_probe(head, len, (uint64_t)st.st_size))
		return read_tarball(src, spool_dir, t, desc);
	return err_set(
	    ERR_FORMAT,
	    "%s: Root.Source %s: not a directory, a tarball (tar, .tar.gz, .tar.xz, .tar.zst) or an image "
	    "mklive reads",
	    label, src);
}
