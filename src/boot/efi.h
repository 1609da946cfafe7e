/* UEFI boot of a live medium through Debian's signed chain: finding shim,
 * the signed CD GRUB and MokManager (in the root being built, else on the
 * host), the EFI system partition image that holds them, and the checks
 * that a kernel can be started by that GRUB (an EFI stub) and under
 * Secure Boot (an Authenticode signature).
 *
 * The medium then needs, beside /boot/efi.img and its El Torito entry
 * (iso_opts "efi-boot-image"), the files GRUB looks for: /.disk/info
 * (what the signed GRUB searches for when its built-in prefix /boot/grub
 * is not on the ESP) and /boot/grub/grub.cfg (grub.h). The kernel and the
 * initrd stay on ISO 9660 only, which GRUB reads: the ESP holds no kernel.
 *
 *     struct efi_files f;
 *     struct fat_info info;
 *     if (efi_files_find(root_tree, &f) == 0 &&
 *         efi_esp_write(&f, tmp_path, NULL, &info) == 0)
 *         add tmp_path to the medium as /boot/efi.img;
 *     efi_files_free(&f);
 */
#ifndef MKLIVE_BOOT_EFI_H
#define MKLIVE_BOOT_EFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tree;
struct tree_node;
struct fat_opts;
struct fat_info;

/* Where Debian's packages install the signed binaries. */
#define EFI_SHIM_SIGNED "/usr/lib/shim/shimx64.efi.signed"		       /* shim-signed */
#define EFI_MM_SIGNED "/usr/lib/shim/mmx64.efi.signed"			       /* shim-signed */
#define EFI_GRUB_CD_SIGNED "/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed" /* grub-efi-amd64-signed */
/* Their names on the ESP: the removable-media path of UEFI 2.10 3.5.1.1,
 * and the names shim loads from its own directory. */
#define EFI_ESP_BOOT "EFI/boot/bootx64.efi"
#define EFI_ESP_GRUB "EFI/boot/grubx64.efi"
#define EFI_ESP_MM "EFI/boot/mmx64.efi"
/* Files of the ISO 9660 side the signed GRUB reads. */
#define EFI_DISK_INFO "/.disk/info"
#define EFI_GRUB_CFG "/boot/grub/grub.cfg"
#define EFI_IMAGE "/boot/efi.img"

enum { EFI_SHIM, EFI_GRUB, EFI_MM, EFI_NFILES };

struct efi_files {
	/* For each of EFI_SHIM, EFI_GRUB, EFI_MM: a node of the root tree,
	 * or NULL and a host path. */
	const struct tree_node *node[EFI_NFILES];
	char *path[EFI_NFILES];
	const char *from; /* "the root", "ROOT_DIR" or "this machine" */
	struct tree *own; /* the tree efi_files_find_dir() made, or NULL */
	uint64_t bytes;	  /* of the three together */
};

/* Look in root (may be NULL) first, all three from there, else all three
 * from the host below host_prefix (NULL: "/"; tests point it elsewhere).
 * Fails naming the missing file and its Debian package (shim-signed,
 * grub-efi-amd64-signed). f is always initialised (efi_files_free). */
int efi_files_find(const struct tree *root, const char *host_prefix, struct efi_files *f);
/* The same with a root directory on the host (only the three paths are
 * looked at), for `mklive fat --esp-root DIR`. root_dir may be NULL. */
int efi_files_find_dir(const char *root_dir, struct efi_files *f);
void efi_files_free(struct efi_files *f);

/* Add the ESP's files to t: EFI/boot/bootx64.efi (shim), grubx64.efi (the
 * CD GRUB), mmx64.efi (MokManager), with mode 0644 and every time set to
 * the build time (SOURCE_DATE_EPOCH), so the image repeats. Call before
 * tree_finalize(). */
int efi_esp_tree(const struct efi_files *f, struct tree *t);

/* The ESP's FAT options: label "ESP" unless one is given, no SYSLINUX. */
void efi_esp_opts(struct fat_opts *o);
/* Write the ESP image to path (atomically): efi_esp_tree() in a FAT
 * filesystem. o may be NULL: the smallest size that holds the files
 * (auto), FAT type by size, label "ESP", serial from the build time; a
 * caller's o->size and o->fat_bits are kept. info may be NULL. */
int efi_esp_write(const struct efi_files *f, const char *path, const struct fat_opts *o,
		  struct fat_info *info);

/* What a PE header says (PE/COFF spec: "MZ" at 0, "PE\0\0" at the offset
 * at 0x3C, the optional header's certificate table entry). */
struct efi_pe_info {
	bool pe;	  /* an EFI stub / EFI application */
	uint16_t machine; /* 0x8664 for x86-64 */
	bool signed_;	  /* a certificate table (Authenticode) is present */
};
/* Parse the first bytes of a file (at least 512; 4096 covers every Linux
 * kernel). Never fails: pe is false when there is no PE header. */
void efi_pe_parse(const uint8_t *head, size_t len, struct efi_pe_info *info);
/* A kernel GRUB can start on UEFI: fails with ERR_FORMAT ("... has no
 * EFI stub ...") naming `what` otherwise. The node variant reads a node of
 * a tree (an image's kernel), the path variant a host file. info may be
 * NULL; signed_ tells whether Secure Boot firmware can accept it. */
int efi_kernel_check_node(const struct tree_node *n, const char *what, struct efi_pe_info *info);
int efi_kernel_check_path(const char *path, struct efi_pe_info *info);

#endif
