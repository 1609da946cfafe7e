/* The article's boot floppy: a 1.44 MB (or 2.88 MB) SYSLINUX floppy image,
 * made without mounting anything, holding the kernels and initramfs images
 * of the menu entries chosen for it, their syslinux.cfg and help screens.
 * El Torito boots it in floppy emulation. A current distribution kernel
 * alone is bigger than a floppy: with BootFloppy=auto the floppy is left
 * out (saying why), an explicit size that cannot hold it is an error. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "fat/fat.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool chosen(const struct build_ctx *c, const char *label)
{
	const struct build_plan *p = c->plan;
	if (!p->nfloppy_entries)
		return true;
	for (size_t i = 0; i < p->nfloppy_entries; i++)
		if (!strcmp(p->floppy_entries[i], label))
			return true;
	return false;
}

/* Copy a file of the medium tree onto the floppy tree (once: entries
 * share the live kernel). */
static int copy(struct tree *f, const char *dst, struct tree *m, const char *src)
{
	const struct tree_node *s = tree_lookup(m, src);
	struct tree_node *n;
	int rc;
	if (tree_lookup(f, dst))
		return 0;
	if (!s || !tree_is_reg(s))
		return err_set(ENOENT, "internal error: %s is not on the medium", src);
	if ((rc = tree_add_mem_file(f, dst, "", 0, 0644, &n)))
		return rc;
	tree_node_share_data(n, s);
	return 0;
}

static int fill(struct build_ctx *c, struct tree *f, struct tree *m, const struct menu *menu, struct menu *fm)
{
	int rc;
	char *text;
	*fm = *menu;
	fm->nentries = 0;
	fm->default_entry = 0;
	for (size_t i = 0; i < menu->nentries; i++) {
		struct menu_entry e = menu->entries[i];
		size_t nchosen = c->plan->nfloppy_entries;
		if (!chosen(c, e.label) || e.fwsetup)
			continue;
		/* unless FloppyEntries names them, the language choice and the
		 * built-in memtest86+ stay on the medium: a floppy has no room */
		if (!nchosen && (e.group || !strcmp(e.kernel, "/boot/memtest86+.bin")))
			continue;
		if (i == menu->default_entry)
			fm->default_entry = fm->nentries;
		/* the medium's paths without /boot: /vmlinuz, /entries/LABEL/kernel */
		char *k = xstrdup(strncmp(e.kernel, "/boot/", 6) ? e.kernel : e.kernel + 5);
		rc = copy(f, k, m, e.kernel);
		e.kernel = k;
		util_grow(&c->strings, &c->strings_cap, c->nstrings + 1, sizeof *c->strings);
		c->strings[c->nstrings++] = k;
		if (rc)
			return rc;
		if (e.initrd) {
			char *r = xstrdup(strncmp(e.initrd, "/boot/", 6) ? e.initrd : e.initrd + 5);
			rc = copy(f, r, m, e.initrd);
			e.initrd = r;
			util_grow(&c->strings, &c->strings_cap, c->nstrings + 1, sizeof *c->strings);
			c->strings[c->nstrings++] = r;
			if (rc)
				return rc;
		}
		fm->entries[fm->nentries++] = e;
	}
	if (!fm->nentries)
		return err_set(ERR_USAGE, "Boot.FloppyEntries names no entry of the boot menu");
	if (menu->display && (rc = copy(f, "/boot.txt", m, "/boot/isolinux/boot.txt")))
		return rc;
	for (size_t i = 0; i < menu->nhelp; i++) {
		char *src = xasprintf("/boot/isolinux/%s", menu->help[i].file),
		     *dst = xasprintf("/%s", menu->help[i].file);
		rc = copy(f, dst, m, src);
		free(src);
		free(dst);
		if (rc)
			return rc;
	}
	text = menu_render_syslinux(fm);
	rc = tree_add_mem_file(f, "/syslinux.cfg", text, strlen(text), 0644, NULL);
	free(text);
	return rc;
}

int build_floppy(struct build_ctx *c, struct tree *m, const struct menu *menu, bool *made)
{
	const char *label = c->plan->floppy_label;
	bool automatic = c->plan->floppy == PLAN_FLOPPY_AUTO;
	struct tree *f;
	struct fat_opts fo;
	struct menu fm;
	struct tree_img *img = NULL;
	uint64_t size = 0;
	char *tmp;
	int rc;
	*made = false;
	if (c->plan->floppy == PLAN_FLOPPY_NONE)
		return 0;
	f = tree_create();
	fat_opts_init(&fo);
	tmp = build_tmp_path(c, "boot.img");
	if ((rc = fat_opts_set(&fo, "size", c->plan->floppy == PLAN_FLOPPY_2880K ? "2880K" : "1440K",
			       label)) ||
	    (rc = fat_opts_set(&fo, "label", "MKLIVE", NULL)) ||
	    (rc = fat_opts_set(&fo, "syslinux", NULL, NULL)))
		goto out;
	rc = fill(c, f, m, menu, &fm);
	if (!rc)
		rc = fat_opts_check(&fo, f);
	if (!rc)
		rc = tree_finalize(f);
	if (!rc)
		rc = fat_write(f, &fo, tmp, NULL);
	if (rc == -ERR_LIMIT && automatic) {
		log_warn("leaving the boot floppy out (%s): %s", label, err_msg());
		err_clear();
		rc = 0;
	} else if (rc == -ERR_LIMIT) {
		rc = err_wrap(rc,
			      "%s: BootFloppy %s: the kernel and initramfs of the floppy's entries "
			      "(Boot.FloppyEntries) "
			      "must fit",
			      label, c->plan->floppy == PLAN_FLOPPY_2880K ? "2880K" : "1440K");
	} else if (!rc && (rc = build_tmp_adopt(c, tmp, "boot.img", &img, &size)) == 0) {
		struct tree_node *n;
		if ((rc = tree_add_mem_file(m, "/boot/boot.img", "", 0, 0644, &n)) == 0) {
			n->size = size;
			tree_node_set_img(n, img, 0, 0);
			*made = true;
		}
	}
out:
	tree_img_unref(img);
	tree_destroy(f);
	unlink(tmp);
	free(tmp);
	return rc;
}
