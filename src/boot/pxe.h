/* Debian's network boot loaders, from the root being built when it has
 * them installed, else from the host (as boot/bios.h and boot/efi.h find
 * the CD's): for BIOS, lpxelinux.0 (package pxelinux: PXELINUX with
 * lwIP, which also loads http:// paths when the firmware's PXE stack has
 * no HTTP) and the ldlinux.c32 of the same release (syslinux-common); for
 * UEFI, shim (shim-signed), the signed network GRUB grubnetx64.efi.signed
 * (grub-efi-amd64-signed) and MokManager. Each set is taken whole from
 * one place, since its pieces must come from one release. */
#ifndef MKLIVE_BOOT_PXE_H
#define MKLIVE_BOOT_PXE_H

#include "core/tree.h"

#define PXE_LPXELINUX "/usr/lib/PXELINUX/lpxelinux.0"
#define PXE_LDLINUX "/usr/lib/syslinux/modules/bios/ldlinux.c32"
#define PXE_SHIM "/usr/lib/shim/shimx64.efi.signed"
#define PXE_MM "/usr/lib/shim/mmx64.efi.signed"
#define PXE_GRUBNET "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"

/* The network GRUB's built-in prefix, read from its "mods" section
 * (OBJ_TYPE_PREFIX): it reads $prefix/grub.cfg from the TFTP server that
 * booted it, so the tree holds grub/grub.cfg. Debian's
 * grubnetx64-installer.efi.signed has /debian-installer/amd64/grub. */
#define PXE_GRUBNET_PREFIX "grub"

enum pxe_kind { PXE_BIOS, PXE_UEFI };
#define PXE_MAX_FILES 3

struct pxe_files {
	size_t n;
	/* each: a node of the root, or NULL and a host path */
	const struct tree_node *node[PXE_MAX_FILES];
	char *path[PXE_MAX_FILES];
	const char *name[PXE_MAX_FILES]; /* its name in the netboot tree */
	const char *from;		 /* "the root" or "this machine" */
};

/* BIOS: lpxelinux.0, ldlinux.c32. UEFI: bootx64.efi (shim), grubx64.efi
 * (the network GRUB, under the name shim loads next to itself),
 * mmx64.efi. Fails naming the missing file and its Debian package. root
 * may be NULL; f is always initialised (pxe_files_free). */
int pxe_files_find(const struct tree *root, enum pxe_kind kind, struct pxe_files *f);
void pxe_files_free(struct pxe_files *f);

#endif
