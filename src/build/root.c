/* The root source of a build, told apart by what Root.Source is: a
 * directory, a tarball, an image mklive reads (remastering), debian:SUITE
 * (made by mmdebstrap), or nothing (the embedded default system). */
#include "build/build.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int read_dir(const char *dir, struct tree *t)
{
	struct tree_scan_opts so = {.xattrs = true, .quiet_sockets = false};
	return tree_add_path(t, "", dir, &so);
}

int build_root_read(const struct build_cfg *cfg, struct tree *t, char **desc)
{
	const char *label, *src = build_cfg_get(cfg, CFG_SOURCE, &label);
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
	rc = err_set(ENOTSUP,
		     "%s: Root.Source %s: not a directory (tarballs and images are read in later builds)",
		     label, src);
	return rc;
}
