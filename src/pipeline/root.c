/* The root source of a build, told apart by what Root.Source is: a
 * directory, a tarball, an image mklive reads (remastering), debian:SUITE
 * (made by mmdebstrap), or nothing (the embedded default system). */
#include "archive/archive.h"
#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/util.h"
#include "image/image.h"
#include "pipeline/build.h"
#include "pipeline/chroot.h"
#include "pipeline/debian.h"
#include "pipeline/livesys.h"
#include "pipeline/plan.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A directory root; the medium of an earlier build inside it is left out. */
static int read_dir(const struct build_plan *p, const char *dir, struct tree *t)
{
	struct tree_scan_opts so = {.xattrs = true, .quiet_sockets = false};
	tree_scan_skip_output(&so, p->output);
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

static int read_debian(const struct build_plan *p, const char *src, struct tree *t, char **desc)
{
	struct build_debian d = {0};
	char *tar = NULL, *inner = NULL;
	const char **hooks = xcalloc(p->nrun + 1, sizeof *hooks);
	struct tree_node *n;
	int rc;
	for (size_t i = 0; i < p->nrun; i++)
		hooks[i] = p->run[i].value;
	d.suite = src + 7;
	d.variant = p->variant;
	d.mirror = p->mirror;
	d.components = p->components;
	d.packages = p->packages;
	d.npackages = p->npackages;
	d.hooks = hooks;
	d.nhooks = p->nrun;
	d.cache_dir = p->cache_dir;
	d.locales = build_live_locales(p->cfg, &(size_t){0});
	rc = build_debian_tarball(&d, &tar);
	if (!rc)
		rc = read_tarball(tar, p->outdir, t, &inner);
	if (!rc) {
		*desc = xasprintf("%s, made by mmdebstrap (%s)", src, inner);
		/* mmdebstrap leaves this machine's resolv.conf and host name in
		 * the root: a live system must not carry them (Root.Hostname,
		 * "mklive" by default, writes its own) */
		if ((n = tree_lookup(t, "/etc/resolv.conf")) && !tree_is_dir(n))
			tree_remove(t, n);
		if ((n = tree_lookup(t, "/etc/hostname")) && !tree_is_dir(n))
			tree_remove(t, n);
	}
	free(hooks);
	build_live_locales_free((char **)d.locales);
	free(tar);
	free(inner);
	return rc;
}

/* Run= scripts on a directory root (as root, in a private namespace, on
 * an overlay whose upper layer goes beside the output), then what they
 * changed into the tree read from it. */
static int run_scripts(const struct build_plan *p, const char *dir, struct tree *t)
{
	struct build_run_opts o = {p->outdir, p->run_timeout, p->run_timeout_label};
	const struct plan_str *run = p->run;
	for (size_t i = 0; i < p->nrun; i++) {
		char *out = NULL;
		int rc;
		log_note("running %s inside %s", run[i].value, dir);
		rc = build_run_in_root_opts(dir, run[i].value, &o, &out);
		if (out && *out)
			log_info("%s", out);
		free(out);
		if (rc)
			return err_wrap(rc, "%s", run[i].label);
	}
	return p->nrun ? build_run_apply(dir, t) : 0;
}

/* Whether path is a medium an earlier build wrote (ISO 9660 with mklive's
 * application id): rebuilding it in place inside the root is fine. */
static bool earlier_medium(const char *path)
{
	uint8_t pvd[1024];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return false;
	rc = util_pread_full(fd, pvd, sizeof pvd, 32768, &got);
	close(fd);
	/* the primary volume descriptor: type 1, "CD001", application id at 574 */
	return rc == 0 && got == sizeof pvd && pvd[0] == 1 && !memcmp(pvd + 1, "CD001", 5) &&
	       !memcmp(pvd + 574, "MKLIVE ", 7);
}

/* The output must not overwrite a file of the root source: an existing
 * file inside a directory root, or the tarball or image itself. A new file
 * inside a directory root is fine: the scan leaves it out; so is a medium
 * an earlier build wrote there. */
int build_root_check_output(const struct build_plan *p)
{
	const char *label = p->output_label, *out = p->output, *src = p->source.value,
		   *src_label = p->source.label;
	char root[PATH_MAX], real[PATH_MAX];
	struct stat so, ss;
	size_t n;
	if (!src || !*src || !out || !strcmp(out, "-") || stat(out, &so) < 0 || !realpath(out, real))
		return 0;
	if (stat(src, &ss) < 0) {
		/* old.iso:/live/filesystem.squashfs: the image is old.iso */
		char *img = xstrdup(src), *colon = img;
		int found = 0;
		while (!found && (colon = strchr(colon + 1, ':'))) {
			*colon = 0;
			found = stat(img, &ss) == 0 && S_ISREG(ss.st_mode);
			*colon = ':';
		}
		free(img);
		if (!found)
			return 0;
	}
	if (S_ISDIR(ss.st_mode)) {
		if (!realpath(src, root))
			return 0;
		n = strlen(root);
		if (strncmp(real, root, n) || (real[n] != '/' && n > 1) || earlier_medium(out))
			return 0;
		return err_set(EEXIST,
			       "%s: Output %s is the file %s of the root directory %s (%s): writing the "
			       "medium there would destroy it; write it outside the root, or to a name "
			       "the root does not have",
			       label, out, real + (n > 1 ? n : 0), src, src_label);
	}
	if (so.st_dev == ss.st_dev && so.st_ino == ss.st_ino)
		return err_set(EEXIST,
			       "%s: Output %s is the root source %s itself (%s): writing the medium would "
			       "destroy what it is made from; choose another output",
			       label, out, src, src_label);
	return 0;
}

/* Where live media keep their root image: mklive's, Debian live's and
 * Ubuntu's, Knoppix's cloop, Fedora's, Arch's. */
static const char *const live_roots[] = {
    "/live/root.squashfs", "/live/root.cloop",	   "/live/filesystem.squashfs", "/casper/filesystem.squashfs",
    "/KNOPPIX/KNOPPIX",	   "/LiveOS/squashfs.img", "/arch/x86_64/airootfs.sfs",
};

/* An image mklive reads, in place (remastering): old.iso, or a path inside
 * it naming the root image or a directory. A live medium given as a whole
 * stands for the root it carries. */
static int read_image(const char *spec, struct tree *t, char **desc, const char *label)
{
	struct image_info info;
	struct tree *probe = NULL;
	struct tree_node *node = NULL;
	char *inner = NULL;
	int rc;
	memset(&info, 0, sizeof info);
	if (image_open(spec, 0, &probe, &node, &info) == 0 && !strcmp(info.path, "/"))
		for (size_t i = 0; i < ARRAY_SIZE(live_roots) && !inner; i++) {
			const struct tree_node *n = tree_lookup(probe, live_roots[i]);
			if (n && tree_is_reg(n))
				inner = xasprintf("%s:%s", spec, live_roots[i]);
		}
	err_clear();
	tree_destroy(probe);
	image_info_free(&info);
	if (inner)
		log_info("%s is a live medium: its root is %s", spec, inner);
	rc = image_read_into(inner ? inner : spec, t, &info);
	free(inner);
	if (rc < 0)
		return err_wrap(rc, "%s: Root.Source", label);
	*desc = xasprintf("%s image %s", info.format, info.name);
	image_info_free(&info);
	return 0;
}

int build_root_read(const struct build_plan *p, struct tree *t, char **desc)
{
	const char *label = p->source.label, *src = p->source.value;
	uint8_t head[IMGSRC_PROBE_BYTES];
	size_t len = 0;
	struct stat st;
	int rc;
	if (!src || !*src) {
		*desc = xstrdup("the embedded default system (busybox)");
		return build_default_root(t, NULL);
	}
	if (!strncmp(src, "debian:", 7))
		return read_debian(p, src, t, desc);
	if (stat(src, &st) < 0) {
		if (strchr(src, ':'))
			return read_image(src, t, desc, label); /* old.iso:/live/filesystem.squashfs */
		return err_sys(errno, "%s: Root.Source %s", label, src);
	}
	if (S_ISDIR(st.st_mode)) {
		*desc = xasprintf("directory %s", src);
		if ((rc = read_dir(p, src, t)))
			return rc;
		return run_scripts(p, src, t);
	}
	if ((rc = head_of(src, head, sizeof head, &len)))
		return rc;
	if (tar_probe(head, len, (uint64_t)st.st_size) || cpio_probe(head, len, (uint64_t)st.st_size))
		return read_tarball(src, p->outdir, t, desc);
	if (!S_ISREG(st.st_mode) || len >= 512)
		return read_image(src, t, desc, label);
	return err_set(
	    ERR_FORMAT,
	    "%s: Root.Source %s: not a directory, a tarball (tar, .tar.gz, .tar.xz, .tar.zst) or an image "
	    "mklive reads",
	    label, src);
}
