/* The live system's locales, generated at build time with the root's own
 * locale-gen (package locales), so that a boot never waits for it: a
 * mmdebstrap customize hook for debian: roots (debian.c runs the command
 * made here), and for other roots a run inside the parts of the root that
 * locale-gen needs. See livesys.h. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "image/extract.h"
#include "pipeline/chroot.h"
#include "pipeline/livesys.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *build_live_locale_command(char *const *gen)
{
	/* Locale names were checked to hold only [A-Za-z0-9_.@-]: no quoting
	 * is needed. A locale already active in /etc/locale.gen stays; the
	 * others get their SUPPORTED line (charset included). A root without
	 * locale-gen is reported by the build, naming the package. */
	struct strbuf b = {0};
	strbuf_addf(&b, "command -v locale-gen >/dev/null || exit 0; for l in");
	for (size_t i = 0; gen && gen[i]; i++)
		strbuf_addf(&b, " %s", gen[i]);
	strbuf_addf(&b, "; do grep -q \"^$l \" /etc/locale.gen 2>/dev/null || grep \"^$l \" "
			"/usr/share/i18n/SUPPORTED >>/etc/locale.gen || true; done; locale-gen");
	return b.s;
}

/* What locale-gen cannot need: the kernel, its modules and firmware, the
 * documentation, and data of other programs. Everything else (libc, the
 * shell, sed, localedef, /usr/share/i18n, gconv) is extracted. */
static const char *const not_needed[] = {
    "/boot",
    "/usr/lib/modules",
    "/usr/lib/firmware",
    "/lib/modules",
    "/lib/firmware",
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/locale",
    "/usr/share/X11",
    "/usr/share/icons",
    "/usr/share/fonts",
    "/usr/share/zoneinfo",
    "/var/cache",
    "/var/lib/apt",
    "/home",
    "/opt",
    "/srv",
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path) < 0 ? -1 : 0;
}

/* Copy the file at path of sub (the extracted part, with locale-gen's
 * changes carried in) into t, if it is there. */
static int take_back(struct tree *t, const struct tree *sub, const char *path)
{
	char *data;
	size_t len;
	int rc = build_live_read(sub, path, &data, &len);
	if (!rc && data)
		rc = tree_add_mem_file(t, path, data, len, 0644, NULL);
	free(data);
	return rc;
}

int build_live_gen_locales(const struct build_cfg *cfg, struct tree *t, const char *tmpdir)
{
	size_t ngen;
	char **gen = build_live_locales(cfg, &ngen);
	char *dir = NULL, *script = NULL, *cmd = NULL, *text = NULL, *out = NULL;
	struct tree *sub = NULL;
	struct extract_opts eo;
	struct extract_stats est;
	int rc = 0, fd;
	if (!ngen)
		goto done;
	if (geteuid() != 0) {
		rc = err_set(
		    EPERM,
		    "Live.Locales: generating %s inside this root runs its locale-gen chrooted, which "
		    "needs root; run as root, or use a debian:SUITE root (mmdebstrap generates them "
		    "without root)",
		    gen[0]);
		goto done;
	}
	log_note("generating %zu locale%s with the root's locale-gen", ngen, ngen == 1 ? "" : "s");
	sub = tree_create();
	if ((rc = tree_merge(sub, t, NULL, NULL)))
		goto done;
	for (size_t i = 0; i < ARRAY_SIZE(not_needed); i++) {
		struct tree_node *n = tree_lookup(sub, not_needed[i]);
		if (n && tree_is_dir(n))
			tree_remove(sub, n);
	}
	if ((rc = tree_finalize(sub)))
		goto done;
	dir = xasprintf("%s/.mklive-locales-%ld", tmpdir, (long)getpid());
	extract_opts_init(&eo);
	eo.owners = true;
	if ((rc = image_extract(sub->root, dir, &eo, &est)))
		goto done;
	script = xasprintf("%s.sh", dir);
	cmd = build_live_locale_command(gen);
	text = xasprintf("#!/bin/sh\nset -e\n%s\n", cmd);
	fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || util_write_full(fd, text, strlen(text)) < 0) {
		rc = err_sys(errno, "%s", script);
		if (fd >= 0)
			close(fd);
		goto done;
	}
	close(fd);
	rc = build_run_in_root(dir, script, &out);
	if (out && *out)
		log_info("%s", out);
	if (rc) {
		rc = err_wrap(rc, "generating the locales (Live.Locale, Live.Locales)");
		goto done;
	}
	/* the run left the directory as it was (an overlay took the
	 * changes): they come into sub, then the two files into t */
	if ((rc = build_run_apply(dir, sub)) || (rc = take_back(t, sub, "/etc/locale.gen")) ||
	    (rc = take_back(t, sub, "/usr/lib/locale/locale-archive")))
		goto done;
done:
	if (dir)
		nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	if (script)
		unlink(script);
	tree_destroy(sub);
	free(dir), free(script), free(cmd), free(text), free(out);
	build_live_locales_free(gen);
	return rc;
}
