/* The netboot tree (Output.Netboot): a directory a TFTP and HTTP server
 * serve as it is, written after the medium from the medium's own files
 * (kernel, initramfs, root image, help screens) and its one boot menu,
 * each live entry given live.fetch= pointing at the root image:
 *
 *   lpxelinux.0 ldlinux.c32 pxelinux.cfg/default      BIOS (PXE)
 *   bootx64.efi grubx64.efi mmx64.efi grub/grub.cfg    UEFI: shim, the signed
 *                                                      network GRUB (prefix /grub)
 *   boot.ipxe                                          iPXE
 *   boot/vmlinuz boot/initrd.img live/root.squashfs    as on the medium
 *   live/mklive.id live/SHA256SUMS
 *
 * With Output.NetbootURL the entries fetch from that address; without, the
 * address comes from the loader: GRUB's $net_default_server, iPXE's
 * ${next-server}, and for pxelinux (which has no variables) a path that
 * mklive-init completes with the boot server pxelinux names in ip= (its
 * SYSAPPEND 1). The tree is written beside DIR and renamed into place: a
 * failed build leaves no half tree. */
#include "boot/grub.h"
#include "boot/ipxe.h"
#include "boot/pxe.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "image/extract.h"
#include "live/sums.h"
#include "pipeline/pipeline.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file that marks a directory as a netboot tree mklive wrote, so a
 * later build may replace it (and nothing else). */
#define NETBOOT_MARK "live/mklive.id"

/* ---- the plan ------------------------------------------------------------------ */

/* Output.NetbootURL: http://HOST[:PORT][/PATH], kept without a trailing
 * slash. mklive-init speaks plain HTTP only. */
static int check_url(const char *url, const char *label)
{
	const char *host = url + 7;
	if (strncasecmp(url, "http://", 7))
		return err_set(ERR_USAGE, "%s: NetbootURL %s: expected http://HOST[:PORT][/PATH]%s", label,
			       url,
			       strncasecmp(url, "https://", 8) ? ""
							       : " (mklive-init fetches by plain HTTP; the "
								 "image is checked against SHA256SUMS)");
	if (!*host || *host == '/' || *host == ':')
		return err_set(ERR_USAGE, "%s: NetbootURL %s: no host", label, url);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("\"'\\`<>{}|^", *p))
			return err_set(ERR_USAGE,
				       "%s: NetbootURL %s: character '%c' cannot be carried on a kernel "
				       "command line (percent-encode it)",
				       label, url, *p);
	return 0;
}

/* DIR may be made: missing, an empty directory, or a tree an earlier
 * build wrote (replaced whole). Anything else is the user's. */
static int check_dir(const char *dir, const char *label)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	bool empty = true;
	char *mark;
	if (lstat(dir, &st) < 0) {
		char *parent, *slash;
		if (errno != ENOENT)
			return err_sys(errno, "%s: Netboot %s", label, dir);
		parent = xstrdup(dir);
		slash = strrchr(parent, '/');
		if (slash)
			slash[slash == parent] = 0;
		int rc = 0;
		if (access(slash ? parent : ".", W_OK) < 0)
			rc = err_sys(errno, "%s: Netboot %s: cannot write in %s", label, dir,
				     slash ? parent : ".");
		free(parent);
		return rc;
	}
	if (!S_ISDIR(st.st_mode))
		return err_set(ERR_USAGE, "%s: Netboot %s: exists and is not a directory", label, dir);
	if (!(d = opendir(dir)))
		return err_sys(errno, "%s: Netboot %s", label, dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	if (empty)
		return 0;
	mark = util_path_join(dir, NETBOOT_MARK);
	bool ours = access(mark, F_OK) == 0;
	free(mark);
	mark = util_path_join(dir, "pxelinux.cfg");
	ours = ours && access(mark, F_OK) == 0;
	free(mark);
	if (!ours)
		return err_set(ERR_USAGE,
			       "%s: Netboot %s: the directory holds files that are not a netboot tree "
			       "mklive wrote; name an empty or new directory",
			       label, dir);
	return 0;
}

int build_plan_netboot(const struct build_cfg *cfg, struct build_plan *p)
{
	const char *label, *dir = build_cfg_get(cfg, CFG_NETBOOT, &label);
	const char *ulabel, *url = build_cfg_get(cfg, CFG_NETBOOT_URL, &ulabel);
	const char *profile = build_cfg_get(cfg, CFG_MODULE_PROFILE, NULL);
	int rc;
	if (!dir || !*dir) {
		if (url && *url)
			return err_set(ERR_USAGE, "%s: NetbootURL without a netboot tree (--netboot DIR)",
				       ulabel);
		return 0;
	}
	if (url && *url && (rc = check_url(url, ulabel)))
		return rc;
	if (p->tgz)
		return err_set(ERR_USAGE,
			       "%s: Netboot: live.fetch brings the root image alone, not root_fs.tgz "
			       "(Live.Writable tgz); use Writable overlay",
			       label);
	if ((rc = check_dir(dir, label)))
		return rc;
	/* the initramfs needs the network drivers (ModuleProfile PROFILE+net):
	 * one initramfs serves the medium and the tree */
	if (!strstr(profile, "+net")) {
		const char *net = !strcasecmp(profile, "minimal") ? "minimal+net" : "generic+net";
		if ((rc = live_initrd_opts_set(&p->initrd, "profile", net, label)))
			return rc;
	}
	p->netboot_dir = dir;
	p->netboot_label = label;
	if (url && *url) {
		size_t n = strlen(url);
		while (n > 8 && url[n - 1] == '/')
			n--;
		p->netboot_url = xstrndup(url, n);
	}
	return 0;
}

/* ---- the tree ------------------------------------------------------------------- */

/* A file of the medium at the same path (or another) in the tree. */
static int take(struct build_ctx *c, struct tree *nb, const char *from, const char *to)
{
	const struct tree_node *src = tree_lookup(c->medium, from);
	struct tree_node *n;
	int rc;
	if (!src || !tree_is_reg(src))
		return err_set(ENOENT, "%s: not on the medium", from);
	if (tree_lookup(nb, to))
		return 0;
	if ((rc = tree_add_mem_file(nb, to, "", 0, 0644, &n)))
		return rc;
	tree_node_share_data(n, src);
	return 0;
}

static int add_loaders(struct build_ctx *c, struct tree *nb, enum pxe_kind kind)
{
	struct pxe_files f;
	int rc = pxe_files_find(c->root, kind, &f);
	if (rc)
		return err_wrap(rc, "the netboot tree");
	log_info("%s network boot loaders from %s", kind == PXE_BIOS ? "BIOS" : "UEFI", f.from);
	for (size_t i = 0; i < f.n && !rc; i++) {
		struct tree_node *n;
		char *to = xasprintf("/%s", f.name[i]);
		if (f.node[i]) {
			if (!(rc = tree_add_mem_file(nb, to, "", 0, 0644, &n)))
				tree_node_share_data(n, f.node[i]);
		} else {
			struct tree_scan_opts so = {.follow_links = true};
			if (!(rc = tree_add_path(nb, to, f.path[i], &so)) && (n = tree_lookup(nb, to)))
				n->mode = S_IFREG | 0644;
		}
		free(to);
	}
	pxe_files_free(&f);
	return rc;
}

/* The medium's menu with live.fetch=FETCH on every live entry (those that
 * boot the live kernel and initramfs); the rest as they are. */
static void netboot_menu(struct build_ctx *c, const char *fetch, struct menu *m)
{
	*m = c->menu;
	for (size_t i = 0; i < m->nentries; i++) {
		struct menu_entry *e = &m->entries[i];
		if (!e->kernel || strcmp(e->kernel, "/boot/vmlinuz") || !e->initrd ||
		    strcmp(e->initrd, "/boot/initrd.img"))
			continue;
		e->append = build_keep(c, xasprintf("%s%slive.fetch=%s", e->append ? e->append : "",
						    e->append && *e->append ? " " : "", fetch));
	}
}

static int add_text(struct tree *t, const char *path, char *text)
{
	int rc = tree_add_mem_file(t, path, text, strlen(text), 0644, NULL);
	free(text);
	return rc;
}

static int fill(struct build_ctx *c, struct tree *nb)
{
	const char *url = c->plan->netboot_url;
	char *root = (char *)build_keep(c, xasprintf("live/root.%s", c->plan->root_writer->name));
	struct menu m;
	char *fetch;
	int rc;
	if ((rc = take(c, nb, "/boot/vmlinuz", "/boot/vmlinuz")) ||
	    (rc = take(c, nb, "/boot/initrd.img", "/boot/initrd.img")) || (rc = take(c, nb, root, root)) ||
	    (rc = take(c, nb, "/live/mklive.id", "/live/mklive.id")))
		return rc;
	/* user entries' own kernels, and the help screens beside the config
	 * (pxelinux reads relative names from the directory of lpxelinux.0) */
	for (size_t i = 0; i < c->menu.nentries; i++) {
		const struct menu_entry *e = &c->menu.entries[i];
		if (!e->kernel) /* GRUB's fwsetup: no file */
			continue;
		if ((rc = take(c, nb, e->kernel, e->kernel)) ||
		    (e->initrd && (rc = take(c, nb, e->initrd, e->initrd))))
			return rc;
	}
	if (c->menu.display && tree_lookup(c->medium, "/boot/isolinux/boot.txt") &&
	    (rc = take(c, nb, "/boot/isolinux/boot.txt", "/boot.txt")))
		return rc;
	for (size_t i = 0; i < c->menu.nhelp; i++) {
		char *from = xasprintf("/boot/isolinux/%s", c->menu.help[i].file),
		     *to = xasprintf("/%s", c->menu.help[i].file);
		rc = take(c, nb, from, to);
		free(from);
		free(to);
		if (rc)
			return rc;
	}

	/* BIOS: pxelinux has no variables; SYSAPPEND 1 gives the kernel
	 * ip=CLIENT:SERVER:GATEWAY:NETMASK, 2 BOOTIF=MAC of the NIC that booted */
	if ((rc = add_loaders(c, nb, PXE_BIOS)))
		return rc;
	fetch = url ? xasprintf("%s/%s", url, root) : xasprintf("/%s", root);
	netboot_menu(c, build_keep(c, fetch), &m);
	m.sysappend = url ? 2 : 3;
	if ((rc = add_text(nb, "/pxelinux.cfg/default", menu_render_syslinux(&m))))
		return rc;

	/* UEFI: shim loads grubx64.efi from its own TFTP directory; that GRUB
	 * reads $prefix/grub.cfg from the server that booted it */
	if (c->rep->uefi) {
		if ((rc = add_loaders(c, nb, PXE_UEFI)))
			return rc;
		fetch =
		    url ? xasprintf("%s/%s", url, root) : xasprintf("http://${net_default_server}/%s", root);
		netboot_menu(c, build_keep(c, fetch), &m);
		m.loader_vars = true;
		if ((rc = add_text(nb, "/" PXE_GRUBNET_PREFIX "/grub.cfg", menu_render_grub(&m))))
			return rc;
	}

	/* iPXE: ${next-server} is the DHCP server's siaddr, the TFTP server */
	fetch = url ? xasprintf("%s/%s", url, root) : xasprintf("http://${next-server}/%s", root);
	netboot_menu(c, build_keep(c, fetch), &m);
	m.loader_vars = true;
	return add_text(nb, "/boot.ipxe", menu_render_ipxe(&m, c->plan->volume_id.value));
}

static int sum_bytes(struct tree_node *n, void *ctx)
{
	if (tree_is_reg(n))
		*(uint64_t *)ctx += n->size;
	return 0;
}

/* Put the finished tree at dir: a new name is renamed into place; an
 * earlier tree is swapped with it atomically, then removed. */
static int place(const char *tmp, const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		if (rename(tmp, dir) < 0)
			return err_sys(errno, "%s", dir);
		return 0;
	}
	if (rmdir(dir) == 0) {
		if (rename(tmp, dir) < 0)
			return err_sys(errno, "%s", dir);
		return 0;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) < 0)
		return err_sys(errno, "%s: replacing the earlier netboot tree", dir);
	util_remove_tree(tmp); /* now the earlier tree */
	return 0;
}

int build_netboot(struct build_ctx *c)
{
	struct tree *nb = tree_create();
	struct extract_opts eo;
	struct extract_stats es;
	char *sums = NULL, *tmp = NULL, *slash;
	size_t len = 0;
	int rc;
	if ((rc = fill(c, nb)))
		goto out;
	/* last: every file of the tree, as the medium's own list */
	if ((rc = live_sums_make(nb, NULL, &sums, &len)) ||
	    (rc = tree_add_mem_file(nb, "/" LIVE_SUMS_PATH, sums, len, 0644, NULL)) ||
	    (rc = tree_finalize(nb)))
		goto out;
	slash = strrchr(c->plan->netboot_dir, '/');
	tmp = slash ? xasprintf("%.*s/.%s.mklive-build-%ld", (int)(slash - c->plan->netboot_dir),
				c->plan->netboot_dir, slash + 1, (long)getpid())
		    : xasprintf(".%s.mklive-build-%ld", c->plan->netboot_dir, (long)getpid());
	util_remove_tree(tmp);
	extract_opts_init(&eo);
	eo.owners = false;
	eo.xattrs = false;
	if ((rc = image_extract(nb->root, tmp, &eo, &es)) == 0)
		rc = place(tmp, c->plan->netboot_dir);
	if (rc) {
		rc = err_wrap(rc, "writing the netboot tree %s", c->plan->netboot_dir);
		util_remove_tree(tmp);
		goto out;
	}
	tree_walk(nb->root, sum_bytes, NULL, &c->rep->netboot_bytes);
	c->rep->netboot_files = es.files;
out:
	free(sums);
	free(tmp);
	tree_destroy(nb);
	return rc;
}
