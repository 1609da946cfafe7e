/* Debian's signed UEFI boot chain: the lookup in the root or on the host,
 * the EFI system partition image, and PE checks of kernels; see efi.h. */
#include "boot/efi.h"

#include "core/error.h"
#include "core/time.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *src, *esp, *package;
} files[EFI_NFILES] = {
    [EFI_SHIM] = {EFI_SHIM_SIGNED, EFI_ESP_BOOT, "shim-signed"},
    [EFI_GRUB] = {EFI_GRUB_CD_SIGNED, EFI_ESP_GRUB, "grub-efi-amd64-signed"},
    [EFI_MM] = {EFI_MM_SIGNED, EFI_ESP_MM, "shim-signed"},
};

void efi_files_free(struct efi_files *f)
{
	for (int i = 0; i < EFI_NFILES; i++)
		free(f->path[i]);
	tree_destroy(f->own);
	memset(f, 0, sizeof *f);
}

/* All three in the root: shim and the GRUB it verifies come from one
 * release, so the root's files are taken together or not at all. */
static bool from_root(const struct tree *root, struct efi_files *f)
{
	const struct tree_node *n[EFI_NFILES];
	uint64_t bytes = 0;
	if (!root)
		return false;
	for (int i = 0; i < EFI_NFILES; i++) {
		n[i] = tree_resolve(root, files[i].src);
		if (!n[i] || !tree_is_reg(n[i]) || !n[i]->size)
			return false;
		bytes += n[i]->size;
	}
	memcpy(f->node, n, sizeof n);
	f->bytes = bytes;
	return true;
}

int efi_files_find(const struct tree *root, const char *host_prefix, struct efi_files *f)
{
	const char *pre = host_prefix && strcmp(host_prefix, "/") ? host_prefix : "";
	memset(f, 0, sizeof *f);
	if (from_root(root, f)) {
		f->from = "the root";
		return 0;
	}
	for (int i = 0; i < EFI_NFILES; i++) {
		struct stat st;
		char *p = xasprintf("%s%s", pre, files[i].src);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || access(p, R_OK)) {
			int rc = err_set(
			    ENOENT,
			    "%s: not found in %s (Debian package %s: the signed UEFI boot chain "
			    "shimx64.efi.signed, mmx64.efi.signed from shim-signed, gcdx64.efi.signed "
			    "from grub-efi-amd64-signed)",
			    files[i].src, root ? "the root or on this machine" : "this machine",
			    files[i].package);
			free(p);
			return rc;
		}
		f->path[i] = p;
		f->bytes += (uint64_t)st.st_size;
	}
	f->from = "this machine";
	return 0;
}

int efi_files_find_dir(const char *root_dir, struct efi_files *f)
{
	struct tree *t = NULL;
	memset(f, 0, sizeof *f);
	if (root_dir) {
		/* a tree of just the three paths, as they are in root_dir */
		t = tree_create();
		for (int i = 0; i < EFI_NFILES; i++) {
			char *p = util_path_join(root_dir, files[i].src);
			struct stat st;
			int rc = 0;
			if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
				rc = tree_add_path(t, files[i].src, p, NULL);
			free(p);
			if (rc) {
				tree_destroy(t);
				return rc;
			}
		}
	}
	int rc = efi_files_find(t, NULL, f);
	f->own = t; /* the nodes found point into it */
	if (!rc && f->node[0])
		f->from = root_dir;
	return rc;
}

/* Mode 0644 and the build time on a file added to the ESP and on its
 * directories, so that no host time reaches the image. */
static void settle(struct tree_node *n, int64_t t)
{
	for (; n && n->parent; n = n->parent) {
		n->mtime = n->atime = n->ctime = t;
		n->mtime_ns = 0;
		n->uid = n->gid = 0;
		if (!S_ISDIR(n->mode))
			n->mode = S_IFREG | 0644;
	}
}

int efi_esp_tree(const struct efi_files *f, struct tree *t)
{
	int64_t now = time_build();
	for (int i = 0; i < EFI_NFILES; i++) {
		struct tree_node *n = NULL;
		int rc;
		if (f->node[i]) {
			if (!(rc = tree_add_mem_file(t, files[i].esp, "", 0, 0644, &n)))
				tree_node_share_data(n, f->node[i]);
		} else if (f->path[i]) {
			struct tree_scan_opts so = {.follow_links = true};
			if (!(rc = tree_add_path(t, files[i].esp, f->path[i], &so)))
				n = tree_lookup(t, files[i].esp);
		} else {
			rc = err_set(EINVAL, "%s: no file found for it (efi_files_find)", files[i].esp);
		}
		if (rc)
			return err_wrap(rc, "EFI system partition");
		settle(n, now);
	}
	return 0;
}

void efi_esp_opts(struct fat_opts *o)
{
	if (!o->label)
		fat_opts_set(o, "label", "ESP", NULL);
	o->syslinux = false; /* UEFI starts the files, no boot sector */
}

int efi_esp_write(const struct efi_files *f, const char *path, const struct fat_opts *o,
		  struct fat_info *info)
{
	struct fat_opts fo;
	struct tree *t = tree_create();
	int rc;
	if (o)
		fo = *o;
	else
		fat_opts_init(&fo);
	efi_esp_opts(&fo);
	if (!(rc = efi_esp_tree(f, t)) && !(rc = fat_opts_check(&fo, t)) && !(rc = tree_finalize(t)))
		rc = fat_write(t, &fo, path, info);
	tree_destroy(t);
	return rc;
}

/* ---- PE headers (Microsoft PE/COFF specification, sections 2 to 4) ----- */
void efi_pe_parse(const uint8_t *h, size_t len, struct efi_pe_info *info)
{
	memset(info, 0, sizeof *info);
	if (len < 0x40 || h[0] != 'M' || h[1] != 'Z')
		return;
	uint32_t pe = get_le32(h + 0x3C); /* e_lfanew */
	if ((uint64_t)pe + 24 > len || memcmp(h + pe, "PE\0\0", 4))
		return;
	info->pe = true;
	info->machine = get_le16(h + pe + 4); /* COFF header: Machine */
	uint16_t opt_size = get_le16(h + pe + 20);
	const uint8_t *opt = h + pe + 24;
	if (opt_size < 2 || (uint64_t)pe + 24 + opt_size > len)
		return;
	/* the data directories follow the Windows-specific fields: the
	 * certificate table is entry 4 (section 3.4.3, 4.7) */
	size_t dirs, nrva;
	switch (get_le16(opt)) {
	case 0x20B: /* PE32+ */
		nrva = 108, dirs = 112;
		break;
	case 0x10B: /* PE32 */
		nrva = 92, dirs = 96;
		break;
	default:
		return;
	}
	if (opt_size < dirs + 5 * 8 || get_le32(opt + nrva) < 5)
		return;
	info->signed_ = get_le32(opt + dirs + 4 * 8 + 4) != 0; /* its size */
}

static int check_head(const uint8_t *h, size_t len, const char *what, struct efi_pe_info *info)
{
	struct efi_pe_info pi;
	efi_pe_parse(h, len, &pi);
	if (info)
		*info = pi;
	if (!pi.pe)
		return err_set(
		    ERR_FORMAT,
		    "%s: no EFI stub (no PE header: \"MZ\" and \"PE\\0\\0\" at the offset at 0x3C), "
		    "so GRUB cannot start it on UEFI; use a kernel built with CONFIG_EFI_STUB "
		    "(as Debian's linux-image-amd64), or build for BIOS only",
		    what);
	if (pi.machine != 0x8664)
		return err_set(ERR_FORMAT, "%s: a PE image for machine 0x%04x, not x86-64 (0x8664)", what,
			       pi.machine);
	return 0;
}

int efi_kernel_check_node(const struct tree_node *n, const char *what, struct efi_pe_info *info)
{
	uint8_t h[4096];
	size_t len = (size_t)MIN(n->size, (uint64_t)sizeof h);
	int fd = tree_node_open(n), rc;
	if (fd < -1)
		return fd;
	rc = tree_node_pread(n, fd, h, len, 0);
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	return check_head(h, len, what, info);
}

int efi_kernel_check_path(const char *path, struct efi_pe_info *info)
{
	uint8_t h[4096];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return err_sys(errno, "%s", path);
	rc = util_read_full(fd, h, sizeof h, &got);
	close(fd);
	if (rc < 0)
		return err_sys(-rc, "%s", path);
	return check_head(h, got, path, info);
}
