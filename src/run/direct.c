/* --append: boot the image's own kernel and initramfs directly (QEMU's
 * -kernel/-initrd), with its default entry's command line plus more
 * parameters, the image still attached as the medium. The files are read
 * out of the image (ISO 9660, or a FAT stick) into the private directory. */
#include "core/error.h"
#include "core/output.h"
#include "core/util.h"
#include "image/image.h"
#include "run/run.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where SYSLINUX's variants look for their configuration. */
static const char *const configs[] = {
    "/boot/isolinux/isolinux.cfg", "/isolinux/isolinux.cfg", "/isolinux.cfg",
    "/boot/syslinux/syslinux.cfg", "/syslinux/syslinux.cfg", "/syslinux.cfg",
};

#define CONFIG_MAX (1u << 20)

static int read_text(void *ctx, const char *path, char **text)
{
	const struct tree *t = ctx;
	const struct tree_node *n = tree_resolve(t, path);
	char *buf;
	int rc;
	if (!n || !tree_is_reg(n))
		return err_set(ENOENT, "%s: not on the medium", path);
	if (n->size > CONFIG_MAX)
		return err_set(ERR_LIMIT, "%s: %llu bytes is not a boot loader configuration", path,
			       (unsigned long long)n->size);
	buf = xmalloc((size_t)n->size + 1);
	if ((rc = tree_node_pread(n, -1, buf, (size_t)n->size, 0)) < 0) {
		free(buf);
		return rc;
	}
	buf[n->size] = 0;
	*text = buf;
	return 0;
}

/* Append the bytes of the medium's file path to out. */
static int copy_out(const struct tree *t, const char *path, struct out_file *out)
{
	const struct tree_node *n = tree_resolve(t, path);
	if (!n || !tree_is_reg(n))
		return err_set(ENOENT, "%s: named by the boot entry but not on the medium", path);
	return tree_node_copy_out(n, -1, out, 0, n->size);
}

int run_direct_prepare(const struct run_opts *o, const char *dir, struct run_direct *d)
{
	struct tree *t = NULL;
	struct tree_node *root = NULL;
	struct image_info info;
	struct run_boot_entry e;
	struct out_file *out = NULL;
	const char *cfg = NULL;
	char *text = NULL;
	int rc;
	memset(d, 0, sizeof *d);
	memset(&e, 0, sizeof e);
	memset(&info, 0, sizeof info);
	if ((rc = image_open(o->image, 0, &t, &root, &info)) < 0)
		return err_wrap(rc, "--append needs the image's kernel");
	for (size_t i = 0; i < ARRAY_SIZE(configs) && !cfg; i++) {
		const struct tree_node *n = tree_resolve(t, configs[i]);
		if (n && tree_is_reg(n))
			cfg = configs[i];
	}
	if (!cfg) {
		rc = err_set(ENOENT,
			     "%s: no isolinux.cfg or syslinux.cfg: --append boots the kernel its default "
			     "entry names",
			     o->image);
		goto out;
	}
	if ((rc = read_text(t, cfg, &text)) < 0 ||
	    (rc = run_isolinux_default(text, cfg, read_text, t, &e)) < 0)
		goto out;
	d->kernel = xasprintf("%s/kernel", dir);
	if ((rc = out_open(&out, d->kernel)) < 0 || (rc = copy_out(t, e.kernel, out)) < 0)
		goto out;
	rc = out_finish(out);
	out = NULL;
	if (rc < 0)
		goto out;
	if (e.ninitrds) {
		/* several initrds: the kernel unpacks concatenated archives */
		d->initrd = xasprintf("%s/initrd", dir);
		if ((rc = out_open(&out, d->initrd)) < 0)
			goto out;
		for (size_t i = 0; i < e.ninitrds && rc == 0; i++)
			rc = copy_out(t, e.initrds[i], out);
		if (rc < 0)
			goto out;
		rc = out_finish(out);
		out = NULL;
		if (rc < 0)
			goto out;
	}
	d->cmdline = xasprintf("%s%s%s", e.append, *e.append && *o->append ? " " : "", o->append);
	d->entry = xstrdup(e.label ? e.label : "");
out:
	out_abort(out);
	if (rc < 0)
		run_direct_free(d);
	run_boot_entry_free(&e);
	free(text);
	image_info_free(&info);
	tree_destroy(t);
	return rc;
}

void run_direct_free(struct run_direct *d)
{
	if (d->kernel)
		unlink(d->kernel);
	if (d->initrd)
		unlink(d->initrd);
	free(d->kernel);
	free(d->initrd);
	free(d->cmdline);
	free(d->entry);
	memset(d, 0, sizeof *d);
}
