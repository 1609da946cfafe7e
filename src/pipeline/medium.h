/* The build's working state, shared by the stages of src/pipeline/: the
 * settings turned into each writer's options (checked before any work),
 * the root tree, the kernel, and the intermediate images. */
#ifndef MKLIVE_BUILD_MEDIUM_H
#define MKLIVE_BUILD_MEDIUM_H

#include "boot/efi.h"
#include "boot/menu.h"
#include "cloop/cloop.h"
#include "iso9660/iso.h"
#include "live/initrd.h"
#include "pipeline/build.h"
#include "squashfs/squashfs.h"

enum build_uefi { BUILD_UEFI_NO, BUILD_UEFI_AUTO, BUILD_UEFI_YES };

struct build_ctx {
	const struct build_cfg *cfg;
	struct build_report *rep;
	char *outdir;

	/* the plan: every writer's options, from the settings */
	bool cloop_root; /* RootFormat=cloop: ISO 9660 inside cloop */
	bool tgz;	 /* Writable=tgz: root_fs.tgz */
	struct sqfs_opts sqfs;
	struct cloop_opts cloop;
	struct live_initrd_opts initrd;
	char *busybox;		 /* the rescue shell's busybox, or NULL */
	const char *base_append; /* extra kernel parameters (Boot.Append) */
	enum build_uefi uefi;	 /* Boot.UEFI; NO once auto found a piece missing */
	const char *uefi_label;
	struct efi_files efi; /* the signed chain, when efi_found */
	bool efi_found;

	struct tree *root;
	struct build_kernel kernel;
	enum build_stage stage;
	double t0;

	struct tree_img *root_img; /* unlinked temporary files */
	uint64_t root_size;
	struct tree_img *initrd_img;
	uint64_t initrd_size;

	struct comp_cache *cache; /* compressed blocks of earlier builds, or NULL */
	uint64_t cache_max;

	struct tree *medium;		       /* the medium's tree, kept for the netboot tree */
	struct menu menu;		       /* its boot menu */
	const char *netboot_dir, *netboot_url; /* Output.Netboot, NetbootURL (or NULL) */

	char **strings; /* owned by the context (menu texts) */
	size_t nstrings, strings_cap;
};

/* medium.c */
int build_plan(struct build_ctx *c);
int build_root_image(struct build_ctx *c);
int build_initrd(struct build_ctx *c);
int build_medium(struct build_ctx *c, const char *out);
void build_ctx_free(struct build_ctx *c);
/* floppy.c: the boot floppy, added to the medium as /boot/boot.img when
 * Boot.BootFloppy asks for it and it fits; *made says whether it did. */
int build_floppy(struct build_ctx *c, struct tree *m, const struct menu *menu, bool *made);

/* uefi.c: Boot.UEFI in the plan; the chain and the kernel's EFI stub
 * checked once the kernel is known; efi.img, /.disk/info and grub.cfg on
 * the medium; the EFI El Torito entry and the GPT in the ISO options. */
int build_uefi_plan(struct build_ctx *c);
int build_uefi_check(struct build_ctx *c);
int build_uefi_medium(struct build_ctx *c, struct tree *m, const struct menu *menu);
int build_uefi_iso_opts(struct build_ctx *c, struct iso_opts *io, bool usb);

/* netboot.c: Output.Netboot and NetbootURL checked in the plan (and the
 * network drivers added to the initramfs); the netboot tree written from
 * the medium's files and menu. */
int build_netboot_plan(struct build_ctx *c);
int build_netboot(struct build_ctx *c);
/* loopback.c: /boot/grub/loopback.cfg on the medium (GRUB's convention
 * for booting an ISO file: the caller sets iso_path and root=(loop)). */
int build_loopback_cfg(struct build_ctx *c, struct tree *m, const struct menu *menu);
/* medium.c: a string the context frees at the end. */
const char *build_keep(struct build_ctx *c, char *s);

/* pipeline.c: temporary files beside the output, and adopting one as an
 * open, unlinked image (nothing left behind whatever happens next). */
char *build_tmp_path(struct build_ctx *c, const char *name);
int build_tmp_adopt(struct build_ctx *c, const char *path, const char *name, struct tree_img **img,
		    uint64_t *size);

#endif
