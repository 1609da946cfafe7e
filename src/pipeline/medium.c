/* Stage 6: the medium: its tree (boot loader, kernel, initramfs, root
 * image, id), the boot menu from the plan's entries, and the ISO 9660
 * image with El Torito and isohybrid. */
#include "archive/tgz.h"
#include "boot/bios.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "live/livesys.h"
#include "live/sums.h"
#include "pipeline/livesys.h"
#include "pipeline/pipeline.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void build_ctx_free(struct build_ctx *c)
{
	tree_destroy(c->root);
	tree_destroy(c->medium);
	build_kernel_free(&c->kernel);
	tree_img_unref(c->root_img);
	tree_img_unref(c->initrd_img);
	comp_cache_destroy(c->cache);
	efi_files_free(&c->efi);
	for (size_t i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	memset(c, 0, sizeof *c);
}

/* ---- the medium ---------------------------------------------------------------- */

/* A file of the medium whose bytes come from a node of the root, a host
 * file, or an image. */
static int add_from_node(struct tree *m, const char *path, const struct tree_node *src)
{
	struct tree_node *n;
	int rc = tree_add_mem_file(m, path, "", 0, 0644, &n);
	if (!rc)
		tree_node_share_data(n, src);
	return rc;
}

static int add_from_host(struct tree *m, const char *path, const char *host)
{
	struct tree_scan_opts so = {.follow_links = true};
	return tree_add_path(m, path, host, &so);
}

static int add_from_img(struct tree *m, const char *path, struct tree_img *img, uint64_t size)
{
	struct tree_node *n;
	int rc = tree_add_mem_file(m, path, "", 0, 0644, &n);
	if (!rc) {
		n->size = size;
		tree_node_set_img(n, img, 0, 0);
	}
	return rc;
}

static int add_text(struct tree *m, const char *path, const char *text)
{
	return tree_add_mem_file(m, path, text, strlen(text), 0644, NULL);
}

/* A file named by the configuration: in the root when the path is there,
 * else on the host. */
static int add_named(struct build_ctx *c, struct tree *m, const char *dst, const char *src, const char *label)
{
	const struct tree_node *n = src[0] == '/' ? tree_resolve(c->root, src) : NULL;
	struct stat st;
	if (n && tree_is_reg(n))
		return add_from_node(m, dst, n);
	if (stat(src, &st) < 0)
		return err_sys(errno, "%s: %s: not in the root or on this machine", label, src);
	if (!S_ISREG(st.st_mode))
		return err_set(EINVAL, "%s: %s: not a regular file", label, src);
	return add_from_host(m, dst, src);
}

/* The kernel command line every live entry shares. */
static const char *base_cmdline(struct build_ctx *c)
{
	const struct build_plan *p = c->plan;
	char speed[32] = "";
	if (p->serial)
		snprintf(speed, sizeof speed, " console=ttyS0,%u", p->serial_speed);
	return build_keep(c, xasprintf("live.id=%s%s%s console=tty0%s%s", c->id,
				       p->tgz ? " live.writable=tgz" : "", speed,
				       p->append && *p->append ? " " : "", p->append ? p->append : ""));
}

/* The language choice (Boot.Entries "lang"): an entry per language of
 * live.lang='s table whose locale the build generated (Live.Locale,
 * Live.Locales), grouped so that the menu stays one line longer. */
static int add_lang_entries(struct build_ctx *c, struct menu *menu, const char *base)
{
	size_t ngen;
	char **gen = build_live_locales(c->plan->cfg, &ngen);
	int rc = 0;
	for (size_t i = 0; i < live_nlangs && !rc; i++) {
		const struct live_lang *l = &live_langs[i];
		bool have = false, taken = false;
		for (size_t j = 0; j < ngen; j++)
			have |= !strcmp(gen[j], l->locale);
		for (size_t j = 0; j < c->plan->nentries; j++)
			taken |= !strcmp(c->plan->entries[j].name, l->code);
		if (!have || taken || menu_find(menu, l->code))
			continue;
		struct menu_entry e = {
		    l->code,
		    build_keep(c, xasprintf("%s: %s, keyboard %s, %s", l->code, l->locale, l->xkb, l->tz)),
		    "/boot/vmlinuz",
		    "/boot/initrd.img",
		    build_keep(c, xasprintf("%s quiet live.lang=%s", base, l->code)),
		    false,
		    "Language",
		    false};
		rc = menu_add(menu, &e);
	}
	build_live_locales_free(gen);
	return rc;
}

/* memtest86+ (Boot.Entries "memtest"), from the root's /boot or this
 * machine's: the BIOS build (a 16-bit payload; GRUB on UEFI leaves it out). */
static int add_memtest(struct build_ctx *c, struct tree *m, struct menu *menu)
{
	static const char *const names[] = {"/boot/memtest86+x64.bin", "/boot/memtest86+.bin"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct tree_node *n = tree_resolve(c->root, names[i]);
		struct stat st;
		if ((n && tree_is_reg(n)) || (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))) {
			struct menu_entry e = {"memtest",
					       build_entries[BUILD_ENTRY_MEMTEST].title,
					       "/boot/memtest86+.bin",
					       NULL,
					       NULL,
					       true,
					       NULL,
					       false};
			int rc = add_named(c, m, e.kernel, names[i], "Boot.Entries memtest");
			return rc ? rc : menu_add(menu, &e);
		}
	}
	log_info("no memtest86+ in the root or on this machine (package memtest86+): no memtest entry");
	return 0;
}

static int add_builtin_entries(struct build_ctx *c, struct tree *m, struct menu *menu, const char *base)
{
	const struct build_plan *p = c->plan;
	int rc;
	for (size_t i = 0; i < p->nbuiltin; i++) {
		const struct build_entry_def *d = &build_entries[p->builtin[i]];
		if (p->builtin[i] == BUILD_ENTRY_LANG)
			rc = add_lang_entries(c, menu, base);
		else if (p->builtin[i] == BUILD_ENTRY_MEMTEST)
			rc = add_memtest(c, m, menu);
		else if (p->builtin[i] == BUILD_ENTRY_FWSETUP) {
			struct menu_entry e = {d->label, d->title, NULL, NULL, NULL, false, NULL, true};
			rc = menu_add(menu, &e);
		} else {
			struct menu_entry e = {d->label,
					       d->title,
					       "/boot/vmlinuz",
					       "/boot/initrd.img",
					       build_keep(c, xasprintf("%s%s", base, d->extra)),
					       false,
					       NULL,
					       false};
			rc = menu_add(menu, &e);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* [Entry LABEL] sections: their own kernel (then on the medium under
 * /boot/entries/LABEL/), or the live kernel with their own parameters. */
static int add_user_entries(struct build_ctx *c, struct tree *m, struct menu *menu, const char *base)
{
	int rc;
	for (size_t i = 0; i < c->plan->nentries; i++) {
		const struct plan_entry *pe = &c->plan->entries[i];
		struct menu_entry e = {pe->name, pe->title, "/boot/vmlinuz", "/boot/initrd.img", NULL, false,
				       NULL,	 false};
		if (pe->kernel.value) {
			e.kernel = build_keep(c, xasprintf("/boot/entries/%s/kernel", pe->name));
			e.initrd = NULL;
			if ((rc = add_named(c, m, e.kernel, pe->kernel.value, pe->kernel.label)))
				return rc;
			if (pe->initrd.value) {
				e.initrd = build_keep(c, xasprintf("/boot/entries/%s/initrd", pe->name));
				if ((rc = add_named(c, m, e.initrd, pe->initrd.value, pe->initrd.label)))
					return rc;
			}
			e.append = pe->append;
			e.linux16 = !e.initrd && strstr(pe->kernel.value, "memtest") != NULL;
		} else {
			e.append =
			    build_keep(c, xasprintf("%s%s%s", base, *pe->append ? " " : "", pe->append));
		}
		if ((rc = menu_add(menu, &e)))
			return err_wrap(rc, "%s", pe->label);
	}
	return 0;
}

static int add_help(struct build_ctx *c, struct tree *m, struct menu *menu)
{
	int rc;
	for (size_t i = 0; i < c->plan->nhelp; i++) {
		const struct plan_help *h = &c->plan->help[i];
		char *dst = xasprintf("/boot/isolinux/f%d.txt", h->key);
		rc = add_named(c, m, dst, h->file, h->label);
		free(dst);
		if (rc)
			return rc;
		menu->help[menu->nhelp++] =
		    (struct menu_help){h->key, build_keep(c, xasprintf("f%d.txt", h->key)),
				       h->title ? build_keep(c, xstrdup(h->title)) : NULL};
	}
	return 0;
}

static int build_menu(struct build_ctx *c, struct tree *m, struct menu *menu)
{
	const struct build_plan *p = c->plan;
	const char *base = base_cmdline(c);
	int rc;
	menu_init(menu);
	menu->serial = p->serial;
	menu->serial_speed = p->serial_speed;
	/* SYSLINUX: TIMEOUT 0 waits for ever; a timeout of 0 s boots at once */
	menu->timeout_ds = p->timeout ? p->timeout * 10 : 1;
	if ((rc = add_builtin_entries(c, m, menu, base)) || (rc = add_user_entries(c, m, menu, base)) ||
	    (rc = add_help(c, m, menu)))
		return rc;
	/* the plan checked that Default names an entry */
	menu->default_entry = (size_t)(menu_find(menu, p->default_entry) - menu->entries);
	if (p->display.value) {
		if ((rc = add_named(c, m, "/boot/isolinux/boot.txt", p->display.value, p->display.label)))
			return rc;
	} else {
		char *d = menu_render_display(menu, p->volume_id.value);
		rc = add_text(m, "/boot/isolinux/boot.txt", d);
		free(d);
		if (rc)
			return rc;
	}
	menu->display = "boot.txt";
	return 0;
}

static int add_bios(struct build_ctx *c, struct tree *m, struct bios_files *bf)
{
	int rc = bios_files_find(c->root, bf);
	if (rc)
		return rc;
	log_info("isolinux from %s", bf->from);
	if (bf->isolinux)
		rc = add_from_node(m, "/boot/isolinux/isolinux.bin", bf->isolinux);
	else
		rc = add_from_host(m, "/boot/isolinux/isolinux.bin", bf->isolinux_path);
	if (rc)
		return rc;
	if (bf->ldlinux)
		return add_from_node(m, "/boot/isolinux/ldlinux.c32", bf->ldlinux);
	return add_from_host(m, "/boot/isolinux/ldlinux.c32", bf->ldlinux_path);
}

/* The isohybrid MBR template's bytes, from the root or the host. */
static int hybrid_template(const struct bios_files *bf, uint8_t **data, size_t *len)
{
	if (!bf->isohdpfx)
		return util_read_file(bf->isohdpfx_path, data, len);
	int fd = tree_node_open(bf->isohdpfx), rc;
	if (fd < -1)
		return fd;
	*len = (size_t)MIN(bf->isohdpfx->size, 4096);
	*data = xmalloc(*len + 1);
	rc = tree_node_pread(bf->isohdpfx, fd, *data, *len, 0);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The tar of the writable paths, for live.tgz (mklive-init(7)). */
static int add_root_tgz(struct build_ctx *c, struct tree *m)
{
	char *tmp = build_tmp_path(c, "root_fs.tgz");
	struct tree_img *img = NULL;
	uint64_t size = 0;
	int rc = tgz_write_paths(c->root, c->plan->writable_paths, c->plan->nwritable_paths, tmp, &size);
	if (!rc)
		rc = build_tmp_adopt(c, tmp, "root_fs.tgz", &img, &size);
	if (!rc)
		rc = add_from_img(m, "/live/root_fs.tgz", img, size);
	tree_img_unref(img);
	free(tmp);
	return rc;
}

/* /live: the root image, the build id, and what mklive-init reads beside
 * them (readahead boundary, package manifest, writable-paths tar). */
static int add_live_files(struct build_ctx *c, struct tree *m)
{
	char *text = xasprintf("/live/root.%s", c->plan->root_writer->name);
	int rc = add_from_img(m, text, c->root_img, c->root_size);
	free(text);
	if (rc)
		return rc;
	text = xasprintf("%s\n", c->id);
	rc = add_text(m, "/live/mklive.id", text);
	free(text);
	if (rc)
		return rc;
	if (c->root_boot_end) {
		/* live.readahead: mklive-init reads the boot set ahead (mklive-init(7)) */
		text = xasprintf("%llu\n", (unsigned long long)c->root_boot_end);
		rc = add_text(m, "/live/root.readahead", text);
		free(text);
		if (rc)
			return rc;
	}
	if ((rc = build_live_manifest(c->root, &text)))
		return rc;
	if (text) {
		rc = add_text(m, "/live/filesystem.packages", text);
		free(text);
		if (rc)
			return rc;
	}
	return c->plan->tgz ? add_root_tgz(c, m) : 0;
}

/* The ISO 9660 options: extensions, ids, the El Torito entries and, for
 * USB, the isohybrid MBR (*mbr is set to the caller-freed template). */
static int medium_iso_opts(struct build_ctx *c, const struct bios_files *bf, bool floppy, struct iso_opts *io,
			   uint8_t **mbr)
{
	size_t mbr_len = 0;
	int rc;

	iso_opts_init(io);
	if ((rc = iso_opts_set(io, "rational-rock", NULL, NULL)) ||
	    (rc = iso_opts_set(io, "joliet", NULL, NULL)) ||
	    (rc = iso_opts_set(io, "level", c->root_size >= (4ull << 30) ? "3" : "1", NULL)) ||
	    (rc = build_plan_iso_ids(c->plan, io)))
		return rc;
	/* With the floppy, it is the default entry (the article's layout) and
	 * isolinux the next; the isohybrid MBR still starts isolinux. */
	if (floppy && ((rc = iso_opts_set(io, "boot-image", "boot/boot.img", NULL)) ||
		       (rc = iso_opts_set(io, "alt-boot", NULL, NULL))))
		return rc;
	if ((rc = iso_opts_set(io, "boot-image", "boot/isolinux/isolinux.bin", NULL)) ||
	    (rc = iso_opts_set(io, "no-emul-boot", NULL, NULL)) ||
	    (rc = iso_opts_set(io, "boot-load-size", "4", NULL)) ||
	    (rc = iso_opts_set(io, "boot-info-table", NULL, NULL)) ||
	    (rc = iso_opts_set(io, "catalog", "boot/isolinux/boot.cat", NULL)) ||
	    (rc = build_uefi_iso_opts(c, io, c->plan->usb)))
		return rc;
	if (c->plan->usb) {
		if ((rc = hybrid_template(bf, mbr, &mbr_len)))
			return rc;
		if ((rc = iso_opts_set(io, "isohybrid-mbr",
				       bf->isohdpfx_path ? bf->isohdpfx_path : BIOS_ISOHDPFX_BIN, NULL)))
			return rc;
		io->isohybrid_mbr_data = *mbr;
		io->isohybrid_mbr_len = mbr_len;
		c->rep->usb = true;
	}
	return iso_opts_check(io);
}

int build_medium(struct build_ctx *c, const char *out)
{
	struct tree *m = tree_create();
	struct bios_files bf;
	struct menu menu;
	struct iso_opts io;
	struct iso_stats st;
	uint8_t *mbr = NULL;
	char *text;
	size_t sums_len = 0;
	bool floppy = false;
	int rc;

	memset(&bf, 0, sizeof bf);
	if ((rc = add_bios(c, m, &bf)))
		goto out;
	rc = c->kernel.image ? add_from_node(m, "/boot/vmlinuz", c->kernel.image)
			     : add_from_host(m, "/boot/vmlinuz", c->kernel.host_path);
	if (rc || (rc = add_from_img(m, "/boot/initrd.img", c->initrd_img, c->initrd_size)) ||
	    (rc = add_live_files(c, m)))
		goto out;
	if ((rc = build_menu(c, m, &menu)))
		goto out;
	text = menu_render_syslinux(&menu);
	rc = add_text(m, "/boot/isolinux/isolinux.cfg", text);
	free(text);
	if (rc || (rc = build_floppy(c, m, &menu, &floppy)) || (rc = build_uefi_medium(c, m, &menu)) ||
	    (rc = build_loopback_cfg(c, m, &menu)))
		goto out;
	/* last: every file of the medium, for live.check and mklive check,
	 * but isolinux.bin, which gets its boot-info-table as it is written */
	static const char *const patched[] = {"boot/isolinux/isolinux.bin", NULL};
	if ((rc = live_sums_make(m, patched, &text, &sums_len)) == 0) {
		rc = tree_add_mem_file(m, "/" LIVE_SUMS_PATH, text, sums_len, 0644, NULL);
		free(text);
	}
	if (rc || (rc = tree_finalize(m)))
		goto out;
	c->rep->floppy = floppy;

	if ((rc = medium_iso_opts(c, &bf, floppy, &io, &mbr)))
		goto out;
	rc = iso_write(m, &io, out, &st);
	if (!rc) {
		c->rep->image_bytes = st.image_size;
		/* the netboot tree takes its files and menu from here */
		c->medium = m;
		c->menu = menu;
		m = NULL;
	}
out:
	free(mbr);
	bios_files_free(&bf);
	tree_destroy(m);
	return rc;
}
