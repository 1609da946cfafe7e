/* Debian's BIOS boot files, from the root being built when it has them
 * installed, else from the host: isolinux.bin with the ldlinux.c32 of the
 * same release (package isolinux, syslinux-common), and the isohybrid MBR
 * code isohdpfx.bin. */
#ifndef MKLIVE_BOOT_BIOS_H
#define MKLIVE_BOOT_BIOS_H

#include "core/tree.h"

struct bios_files {
	/* For each: a node of the root tree, or NULL and a host path. */
	const struct tree_node *isolinux, *ldlinux, *isohdpfx;
	char *isolinux_path, *ldlinux_path, *isohdpfx_path;
	const char *from; /* "the root" or "this machine" */
};

#define BIOS_ISOLINUX_BIN "/usr/lib/ISOLINUX/isolinux.bin"
#define BIOS_ISOHDPFX_BIN "/usr/lib/ISOLINUX/isohdpfx.bin"
#define BIOS_LDLINUX_C32 "/usr/lib/syslinux/modules/bios/ldlinux.c32"

/* root may be NULL. Fails naming the missing Debian packages. */
int bios_files_find(const struct tree *root, struct bios_files *f);
void bios_files_free(struct bios_files *f);

#endif
