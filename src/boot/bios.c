/* Finding Debian's BIOS boot files in the root or on the host; see bios.h. */
#include "boot/bios.h"
#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bios_files_find(const struct tree *root, struct bios_files *f)
{
	memset(f, 0, sizeof *f);
	if (root) {
		const struct tree_node *i = tree_resolve(root, BIOS_ISOLINUX_BIN),
				       *l = tree_resolve(root, BIOS_LDLINUX_C32),
				       *h = tree_resolve(root, BIOS_ISOHDPFX_BIN);
		/* isolinux.bin and ldlinux.c32 must come from one release */
		if (i && l && h && tree_is_reg(i) && tree_is_reg(l) && tree_is_reg(h)) {
			f->isolinux = i;
			f->ldlinux = l;
			f->isohdpfx = h;
			f->from = "the root";
			return 0;
		}
	}
	if (access(BIOS_ISOLINUX_BIN, R_OK) || access(BIOS_ISOHDPFX_BIN, R_OK))
		return err_set(ENOENT,
			       "%s: not found in the root or on this machine (Debian package isolinux)",
			       access(BIOS_ISOLINUX_BIN, R_OK) ? BIOS_ISOLINUX_BIN : BIOS_ISOHDPFX_BIN);
	if (access(BIOS_LDLINUX_C32, R_OK))
		return err_set(
		    ENOENT, "%s: not found in the root or on this machine (Debian package syslinux-common)",
		    BIOS_LDLINUX_C32);
	f->isolinux_path = xstrdup(BIOS_ISOLINUX_BIN);
	f->ldlinux_path = xstrdup(BIOS_LDLINUX_C32);
	f->isohdpfx_path = xstrdup(BIOS_ISOHDPFX_BIN);
	f->from = "this machine";
	return 0;
}

void bios_files_free(struct bios_files *f)
{
	free(f->isolinux_path);
	free(f->ldlinux_path);
	free(f->isohdpfx_path);
	memset(f, 0, sizeof *f);
}
