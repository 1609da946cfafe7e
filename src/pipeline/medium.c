/* The build's plan (every writer's options from the settings, checked
 * before any work), the compressed root, the initramfs, and the medium:
 * its tree (boot loader, kernel, initramfs, root image, id), the boot menu
 * and the ISO 9660 image with El Torito and isohybrid. */
#include "pipeline/medium.h"
#include "archive/tgz.h"
#include "boot/bios.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "live/sums.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *keep(struct build_ctx *c, char *s)
{
	util_grow(&c->strings, &c->strings_cap, c->nstrings + 1, sizeof *c->strings);
	c->strings[c->nstrings++] = s;
	return s;
}

const char *build_keep(struct build_ctx *c, char *s)
{
	return keep(c, s);
}

void build_ctx_free(struct build_ctx *c)
{
	tree_destroy(c->root);
	tree_destroy(c->medium);
	build_kernel_free(&c->kernel);
	tree_img_unref(c->root_img);
	tree_img_unref(c->initrd_img);
	cloop_opts_free(&c->cloop);
	comp_cache_destroy(c->cache);
	live_initrd_opts_free(&c->initrd);
	efi_files_free(&c->efi);
	for (size_t i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->busybox);
	free(c->outdir);
	memset(c, 0, sizeof *c);
}

/* ---- the plan ----------------------------------------------------------------- */

static int plan_root_format(struct build_ctx *c)
{
	const struct build_cfg *cfg = c->cfg;
	const char *flabel, *fmt = build_cfg_get(cfg, CFG_ROOT_FORMAT, &flabel);
	const char *clabel, *comp = build_cfg_get(cfg, CFG_COMPRESSION, &clabel);
	const char *llabel, *level = build_cfg_get(cfg, CFG_LEVEL, &llabel);
	const char *blabel, *bs = build_cfg_get(cfg, CFG_BLOCK_SIZE, &blabel);
	const char *tlabel, *threads = build_cfg_get(cfg, CFG_THREADS, &tlabel);
	int rc = 0;
	c->cloop_root = !strcasecmp(fmt, "cloop");
	if (!c->cloop_root) {
		sqfs_opts_init(&c->sqfs);
		rc = sqfs_opts_set(&c->sqfs, "comp", !strcasecmp(comp, "zlib") ? "gzip" : comp, clabel);
		if (!rc && level)
			rc = sqfs_opts_set(&c->sqfs, "Xcompression-level", level, llabel);
		if (!rc && bs)
			rc = sqfs_opts_set(&c->sqfs, "b", bs, blabel);
		if (!rc && threads)
			rc = sqfs_opts_set(&c->sqfs, "processors", threads, tlabel);
		if (!rc && (rc = sqfs_opts_check(&c->sqfs)))
			rc = err_wrap(rc, "%s", clabel);
		return rc;
	}
	cloop_opts_init(&c->cloop);
	if (!strcasecmp(comp, "zstd"))
		return err_set(ERR_USAGE,
			       "%s: Compression zstd: cloop has zlib, xz, lz4 (RootFormat cloop, %s)", clabel,
			       flabel);
	rc = cloop_opts_set(&c->cloop, "compressor", !strcasecmp(comp, "gzip") ? "zlib" : comp, clabel);
	if (!rc && level)
		rc = cloop_opts_set(&c->cloop, "level", level, llabel);
	if (!rc && bs)
		rc = cloop_opts_set(&c->cloop, "block-size", bs, blabel);
	if (!rc && threads)
		rc = cloop_opts_set(&c->cloop, "threads", threads, tlabel);
	if (!rc && (rc = cloop_opts_check(&c->cloop)))
		rc = err_wrap(rc, "%s", clabel);
	return rc;
}

static int plan_initrd(struct build_ctx *c)
{
	const struct build_cfg *cfg = c->cfg;
	const char *label, *v;
	const struct cfg_val *mods;
	size_t n;
	int rc;
	live_initrd_opts_init(&c->initrd);
	v = build_cfg_get(cfg, CFG_MODULE_PROFILE, &label);
	if ((rc = live_initrd_opts_set(&c->initrd, "profile", v, label)))
		return rc;
	v = build_cfg_get(cfg, CFG_INITRD_COMPRESSION, &label);
	if ((rc = live_initrd_opts_set(&c->initrd, "compress", v, label)))
		return rc;
	mods = build_cfg_list(cfg, CFG_ADD_MODULE, &n);
	for (size_t i = 0; i < n; i++)
		if ((rc = live_initrd_opts_set(&c->initrd, "add-module", mods[i].value, mods[i].label)))
			return rc;
	v = build_cfg_get(cfg, CFG_RESCUE_SHELL, &label);
	if (strcasecmp(v, "no")) {
		rc = live_check_static_elf("/bin/busybox");
		if (rc == 0) {
			c->busybox = xstrdup("/bin/busybox");
		} else if (!strcasecmp(v, "yes")) {
			return err_wrap(rc, "%s: RescueShell yes", label);
		} else {
			err_clear();
			log_info("no static busybox on this machine (busybox-static): the initramfs has no "
				 "rescue shell");
		}
	}
	return 0;
}

int build_plan(struct build_ctx *c)
{
	const struct build_cfg *cfg = c->cfg;
	const char *label, *v;
	const struct cfg_val *paths;
	size_t n;
	int rc;
	if ((rc = plan_root_format(c)) || (rc = plan_initrd(c)) || (rc = build_root_check(cfg)))
		return rc;
	v = build_cfg_get(cfg, CFG_WRITABLE, &label);
	c->tgz = !strcasecmp(v, "tgz");
	paths = build_cfg_list(cfg, CFG_WRITABLE_PATHS, &n);
	for (size_t i = 0; c->tgz && i < n; i++)
		if (paths[i].value[0] != '/' || !paths[i].value[1] || strchr(paths[i].value + 1, '/'))
			return err_set(
			    ERR_USAGE,
			    "%s: WritablePaths %s: root_fs.tgz holds top-level directories (/etc, /var...)",
			    paths[i].label, paths[i].value);
	v = build_cfg_get(cfg, CFG_VOLUME_ID, &label);
	if (strlen(v) > 32)
		return err_set(ERR_USAGE, "%s: VolumeId \"%s\" is %zu characters; at most 32 fit", label, v,
			       strlen(v));
	if ((rc = build_uefi_plan(c)) || (rc = build_netboot_plan(c)))
		return rc;
	c->base_append = build_cfg_get(cfg, CFG_APPEND, NULL);
	if (build_cfg_bool(cfg, CFG_CACHE)) {
		char *dir = build_cache_dir(cfg);
		util_parse_size(build_cfg_get(cfg, CFG_CACHE_SIZE, NULL), &c->cache_max, "CacheSize");
		if (dir && comp_cache_create(&c->cache, dir) < 0) {
			log_warn("no block cache: %s", err_msg());
			err_clear();
		}
		free(dir);
		c->sqfs.cache = c->cache;
		c->cloop.w.cache = c->cache;
		c->initrd.cache = c->cache;
	}
	return 0;
}

/* ---- the compressed root -------------------------------------------------------- */

int build_root_image(struct build_ctx *c)
{
	char *path, *iso = NULL;
	int rc;
	c->rep->root_format = c->cloop_root ? "cloop" : "squashfs";
	path = build_tmp_path(c, c->cloop_root ? "root.cloop" : "root.squashfs");
	if (!c->cloop_root) {
		rc = sqfs_write(c->root, &c->sqfs, path, NULL);
	} else {
		/* the article: an ISO 9660 (Rock Ridge, owners and modes as they
		 * are) inside cloop */
		struct iso_opts io;
		iso_opts_init(&io);
		io.level = 3;
		io.rock = true;
		io.volume_id = "MKLIVE_ROOT";
		io.application_id = "MKLIVE " MKLIVE_VERSION;
		iso = build_tmp_path(c, "root.iso");
		rc = iso_write(c->root, &io, iso, NULL);
		if (!rc)
			rc = cloop_write(iso, &c->cloop, path, NULL);
		unlink(iso);
	}
	if (!rc)
		rc = build_tmp_adopt(c, path, c->cloop_root ? "root.cloop" : "root.squashfs", &c->root_img,
				     &c->root_size);
	free(path);
	free(iso);
	return rc;
}

/* ---- the initramfs ------------------------------------------------------------- */

/* Does a modules.dep (of the root or the host) list a cloop module? */
static bool have_cloop(const struct build_ctx *c)
{
	const struct cfg_val *v;
	size_t n;
	v = build_cfg_list(c->cfg, CFG_ADD_MODULE, &n);
	for (size_t i = 0; i < n; i++) {
		const char *b = strrchr(v[i].value, '/');
		if (!strncmp(b ? b + 1 : v[i].value, "cloop", 5))
			return true;
	}
	return false;
}

int build_initrd(struct build_ctx *c)
{
	struct live_initrd_stats st;
	char *path;
	int rc;
	c->initrd.kernel_version = c->kernel.version;
	c->initrd.id = c->rep->id;
	if (c->kernel.modules_in_root)
		c->initrd.root = c->root;
	else
		c->initrd.modules_dir = c->kernel.modules_dir;
	if (c->busybox) {
		c->initrd.shell = true;
		c->initrd.busybox = c->busybox;
	}
	if (c->cloop_root && !have_cloop(c)) {
		/* Debian ships the cloop module only as source (cloop-src) */
		rc = live_initrd_opts_set(&c->initrd, "add-module", "cloop", NULL);
		if (rc)
			return rc;
	}
	if ((rc = live_initrd_opts_check(&c->initrd)))
		return rc;
	path = build_tmp_path(c, "initrd.img");
	rc = live_initrd_write(&c->initrd, path, &st);
	if (rc && c->cloop_root && strstr(err_msg(), "cloop"))
		rc = err_wrap(
		    rc,
		    "RootFormat cloop needs the cloop module, which Debian ships as source only: build "
		    "it from cloop-src for kernel %s and give it as Kernel.AddModule=/path/cloop.ko "
		    "(see mklive-build(1))",
		    c->kernel.version);
	if (!rc)
		rc = build_tmp_adopt(c, path, "initrd.img", &c->initrd_img, &c->initrd_size);
	free(path);
	c->rep->initrd_bytes = c->initrd_size;
	c->rep->modules = st.modules;
	return rc;
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
	bool serial = build_cfg_bool(c->cfg, CFG_SERIAL);
	const char *speed = build_cfg_get(c->cfg, CFG_SERIAL_SPEED, NULL);
	char *s =
	    xasprintf("live.id=%s%s%s%s console=tty0%s%s%s", c->rep->id, c->tgz ? " live.writable=tgz" : "",
		      serial ? " console=ttyS0," : "", serial ? speed : "",
		      c->base_append && *c->base_append ? " " : "", c->base_append ? c->base_append : "", "");
	return keep(c, s);
}

static int add_builtin_entries(struct build_ctx *c, struct menu *menu, const char *base)
{
	static const struct {
		const char *label, *title, *extra;
		bool needs_shell; /* left out when the initramfs has no shell */
	} builtin[] = {
	    {"live", "Live system", " quiet", false},
	    {"toram", "Live system, copied to RAM first", " quiet live.toram", false},
	    {"persist", "Live system with persistence (changes kept on the stick)", " quiet live.persistence",
	     false},
	    {"check", "Check the medium for damage, then boot", " quiet live.check", false},
	    {"debug", "Live system with every boot message (debug)", " live.debug", false},
	    {"shell", "Rescue shell in the initramfs, before the root is mounted", " live.shell", true},
	};
	const struct cfg_val *v;
	size_t n;
	int rc;
	v = build_cfg_list(c->cfg, CFG_ENTRIES, &n);
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < ARRAY_SIZE(builtin); k++)
			if (!strcmp(v[i].value, builtin[k].label))
				break;
		if (k == ARRAY_SIZE(builtin)) {
			char names[128] = "";
			for (size_t j = 0; j < ARRAY_SIZE(builtin); j++)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
					 j ? ", " : "", builtin[j].label);
			return err_set(ERR_USAGE, "%s: Entries %s: not a built-in entry (%s)", v[i].label,
				       v[i].value, names);
		}
		if (builtin[k].needs_shell && !c->busybox) {
			log_info("no rescue shell in the initramfs: leaving out the '%s' entry",
				 builtin[k].label);
			continue;
		}
		struct menu_entry e = {builtin[k].label,
				       builtin[k].title,
				       "/boot/vmlinuz",
				       "/boot/initrd.img",
				       keep(c, xasprintf("%s%s", base, builtin[k].extra)),
				       false};
		if ((rc = menu_add(menu, &e)))
			return err_wrap(rc, "%s", v[i].label);
	}
	return 0;
}

/* [Entry LABEL] sections: their own kernel (then on the medium under
 * /boot/entries/LABEL/), or the live kernel with their own parameters. */
static int add_user_entries(struct build_ctx *c, struct tree *m, struct menu *menu, const char *base)
{
	int rc;
	for (size_t i = 0; i < c->cfg->nentries; i++) {
		const struct cfg_entry *ce = &c->cfg->entries[i];
		const struct cfg_list *title = &ce->vals[CFG_E_TITLE], *kern = &ce->vals[CFG_E_KERNEL],
				      *ird = &ce->vals[CFG_E_INITRD], *app = &ce->vals[CFG_E_APPEND];
		const char *append = app->n ? app->v[app->n - 1].value : "";
		struct menu_entry e = {ce->name,
				       title->n ? title->v[title->n - 1].value : ce->name,
				       "/boot/vmlinuz",
				       "/boot/initrd.img",
				       NULL,
				       false};
		if (kern->n) {
			e.kernel = keep(c, xasprintf("/boot/entries/%s/kernel", ce->name));
			e.initrd = NULL;
			if ((rc = add_named(c, m, e.kernel, kern->v[kern->n - 1].value,
					    kern->v[kern->n - 1].label)))
				return rc;
			if (ird->n) {
				e.initrd = keep(c, xasprintf("/boot/entries/%s/initrd", ce->name));
				if ((rc = add_named(c, m, e.initrd, ird->v[ird->n - 1].value,
						    ird->v[ird->n - 1].label)))
					return rc;
			}
			e.append = append;
			e.linux16 = !e.initrd && strstr(kern->v[kern->n - 1].value, "memtest") != NULL;
		} else {
			e.append = keep(c, xasprintf("%s%s%s", base, *append ? " " : "", append));
		}
		if ((rc = menu_add(menu, &e)))
			return err_wrap(rc, "%s", ce->label);
	}
	return 0;
}

static int add_help(struct build_ctx *c, struct tree *m, struct menu *menu)
{
	const struct cfg_val *v;
	size_t n;
	int rc;
	v = build_cfg_list(c->cfg, CFG_HELP, &n);
	for (size_t i = 0; i < n; i++) {
		char key[8], file[4096];
		int title = 0, fk = 0;
		if (sscanf(v[i].value, "%7s %4095s %n", key, file, &title) < 2 ||
		    (key[0] != 'F' && key[0] != 'f') || (fk = atoi(key + 1)) < 1 || fk > 10 ||
		    menu->nhelp >= MENU_MAX_HELP)
			return err_set(ERR_USAGE, "%s: Help %s: expected F1..F10 FILE [TITLE]", v[i].label,
				       v[i].value);
		char *dst = xasprintf("/boot/isolinux/f%d.txt", fk);
		rc = add_named(c, m, dst, file, v[i].label);
		free(dst);
		if (rc)
			return rc;
		menu->help[menu->nhelp++] =
		    (struct menu_help){fk, keep(c, xasprintf("f%d.txt", fk)),
				       title ? keep(c, xstrdup(v[i].value + title)) : NULL};
	}
	return 0;
}

static int build_menu(struct build_ctx *c, struct tree *m, struct menu *menu)
{
	const char *label, *v, *base = base_cmdline(c);
	const struct menu_entry *def;
	uint64_t t;
	int rc;
	menu_init(menu);
	menu->serial = build_cfg_bool(c->cfg, CFG_SERIAL);
	util_parse_uint(build_cfg_get(c->cfg, CFG_SERIAL_SPEED, NULL), 300, 921600, &t, "SerialSpeed");
	menu->serial_speed = (unsigned)t;
	util_parse_uint(build_cfg_get(c->cfg, CFG_TIMEOUT, NULL), 0, 3600, &t, "Timeout");
	/* SYSLINUX: TIMEOUT 0 waits for ever; a timeout of 0 s boots at once */
	menu->timeout_ds = t ? (unsigned)t * 10 : 1;
	if ((rc = add_builtin_entries(c, menu, base)) || (rc = add_user_entries(c, m, menu, base)) ||
	    (rc = add_help(c, m, menu)))
		return rc;
	if (!menu->nentries)
		return err_set(ERR_USAGE, "the boot menu has no entries (Boot.Entries and [Entry] sections)");
	v = build_cfg_get(c->cfg, CFG_DEFAULT, &label);
	if (!(def = menu_find(menu, v)))
		return err_set(ERR_USAGE, "%s: Default %s: no such menu entry",
			       label ? label : "Boot.Default", v);
	menu->default_entry = (size_t)(def - menu->entries);
	v = build_cfg_get(c->cfg, CFG_DISPLAY, &label);
	if (v) {
		if ((rc = add_named(c, m, "/boot/isolinux/boot.txt", v, label)))
			return rc;
	} else {
		char *d = menu_render_display(menu, build_cfg_get(c->cfg, CFG_VOLUME_ID, NULL));
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

int build_medium(struct build_ctx *c, const char *out)
{
	struct tree *m = tree_create();
	struct bios_files bf;
	struct menu menu;
	struct iso_opts io;
	struct iso_stats st;
	uint8_t *mbr = NULL;
	size_t mbr_len = 0;
	char *text;
	size_t sums_len = 0;
	bool floppy = false;
	int rc;

	memset(&bf, 0, sizeof bf);
	if ((rc = add_bios(c, m, &bf)))
		goto out;
	rc = c->kernel.image ? add_from_node(m, "/boot/vmlinuz", c->kernel.image)
			     : add_from_host(m, "/boot/vmlinuz", c->kernel.host_path);
	if (rc || (rc = add_from_img(m, "/boot/initrd.img", c->initrd_img, c->initrd_size)))
		goto out;
	if ((rc = add_from_img(m, c->cloop_root ? "/live/root.cloop" : "/live/root.squashfs", c->root_img,
			       c->root_size)))
		goto out;
	text = xasprintf("%s\n", c->rep->id);
	rc = add_text(m, "/live/mklive.id", text);
	free(text);
	if (rc)
		goto out;
	if (c->tgz) {
		const struct cfg_val *v;
		size_t n;
		const char **paths;
		char *tmp = build_tmp_path(c, "root_fs.tgz");
		struct tree_img *img = NULL;
		uint64_t size = 0;
		v = build_cfg_list(c->cfg, CFG_WRITABLE_PATHS, &n);
		paths = xcalloc(n + 1, sizeof *paths);
		for (size_t i = 0; i < n; i++)
			paths[i] = v[i].value;
		rc = tgz_write_paths(c->root, paths, n, tmp, &size);
		free(paths);
		if (!rc)
			rc = build_tmp_adopt(c, tmp, "root_fs.tgz", &img, &size);
		if (!rc)
			rc = add_from_img(m, "/live/root_fs.tgz", img, size);
		tree_img_unref(img);
		free(tmp);
		if (rc)
			goto out;
	}
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

	iso_opts_init(&io);
	io.rock = io.rationalize = io.joliet = true;
	io.level = c->root_size >= (4ull << 30) ? 3 : 1;
	io.volume_id = build_cfg_get(c->cfg, CFG_VOLUME_ID, NULL);
	io.publisher_id = build_cfg_get(c->cfg, CFG_PUBLISHER, NULL);
	io.preparer_id = build_cfg_get(c->cfg, CFG_PREPARER, NULL);
	io.application_id = build_cfg_get(c->cfg, CFG_APPLICATION, NULL);
	/* With the floppy, it is the default entry (the article's layout) and
	 * isolinux the next; the isohybrid MBR still starts isolinux. */
	if (floppy && ((rc = iso_opts_set(&io, "boot-image", "boot/boot.img", NULL)) ||
		       (rc = iso_opts_set(&io, "alt-boot", NULL, NULL))))
		goto out;
	if ((rc = iso_opts_set(&io, "boot-image", "boot/isolinux/isolinux.bin", NULL)) ||
	    (rc = iso_opts_set(&io, "no-emul-boot", NULL, NULL)) ||
	    (rc = iso_opts_set(&io, "boot-load-size", "4", NULL)) ||
	    (rc = iso_opts_set(&io, "boot-info-table", NULL, NULL)) ||
	    (rc = iso_opts_set(&io, "catalog", "boot/isolinux/boot.cat", NULL)) ||
	    (rc = build_uefi_iso_opts(c, &io, build_cfg_bool(c->cfg, CFG_USB))))
		goto out;
	if (build_cfg_bool(c->cfg, CFG_USB)) {
		if ((rc = hybrid_template(&bf, &mbr, &mbr_len)))
			goto out;
		io.isohybrid_mbr = bf.isohdpfx_path ? bf.isohdpfx_path : BIOS_ISOHDPFX_BIN;
		io.isohybrid_mbr_data = mbr;
		io.isohybrid_mbr_len = mbr_len;
		c->rep->usb = true;
	}
	if ((rc = iso_opts_check(&io)))
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
