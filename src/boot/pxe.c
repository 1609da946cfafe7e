/* Finding Debian's network boot loaders in the root or on the host; see pxe.h. */
#include "boot/pxe.h"
#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *src, *name, *package;
} sets[2][PXE_MAX_FILES] = {
    [PXE_BIOS] = {{PXE_LPXELINUX, "lpxelinux.0", "pxelinux"},
		  {PXE_LDLINUX, "ldlinux.c32", "syslinux-common"},
		  {NULL, NULL, NULL}},
    [PXE_UEFI] = {{PXE_SHIM, "bootx64.efi", "shim-signed"},
		  {PXE_GRUBNET, "grubx64.efi", "grub-efi-amd64-signed"},
		  {PXE_MM, "mmx64.efi", "shim-signed"}},
};

void pxe_files_free(struct pxe_files *f)
{
	for (size_t i = 0; i < PXE_MAX_FILES; i++)
		free(f->path[i]);
	memset(f, 0, sizeof *f);
}

int pxe_files_find(const struct tree *root, enum pxe_kind kind, struct pxe_files *f)
{
	size_t n = 0;
	memset(f, 0, sizeof *f);
	while (n < PXE_MAX_FILES && sets[kind][n].src)
		n++;
	f->n = n;
	for (size_t i = 0; i < n; i++)
		f->name[i] = sets[kind][i].name;
	if (root) {
		size_t found = 0;
		for (size_t i = 0; i < n; i++) {
			const struct tree_node *x = tree_resolve(root, sets[kind][i].src);
			if (x && tree_is_reg(x) && x->size)
				f->node[found++] = x;
		}
		if (found == n) {
			f->from = "the root";
			return 0;
		}
		memset(f->node, 0, sizeof f->node);
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		const char *p = sets[kind][i].src;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || access(p, R_OK)) {
			int rc =
			    err_set(ENOENT, "%s: not found in %s (Debian package %s, for %s network boot)", p,
				    root ? "the root or on this machine" : "this machine",
				    sets[kind][i].package, kind == PXE_BIOS ? "BIOS (PXE)" : "UEFI");
			pxe_files_free(f);
			return rc;
		}
		f->path[i] = xstrdup(p);
	}
	f->from = "this machine";
	return 0;
}
