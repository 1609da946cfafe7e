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
	uint64_t root_boot_end; /* BootOrder: where the boot set ends in the root image, else 0 */
	struct tree_img *initrd_img;
	uint64_t initrd_size;

	struct comp_cache *cache; /* compressed blocks of earlier builds, or NULL */
	uint64_t cache_max;

	char **strings; /* owned by the context (menu texts) */
	size_t nstrings, strings_cap;
};

/* medium.c */
int build_plan(struct build_ctx *c);
int build_root_image(struct build_ctx *c);
int build_initrd(struct build_ctx *c);
int build_medium(struct build_ctx *c, const char *out);
/* bootorder.c: boot image once in QEMU and write the files its root's
 * boot read, in order, to list (Live.BootOrder auto). */
int build_boot_order_record(struct build_ctx *c, const char *image, const char *list);
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

/* pipeline.c: temporary files beside the output, and adopting one as an
 * open, unlinked image (nothing left behind whatever happens next). */
char *build_tmp_path(struct build_ctx *c, const char *name);
int build_tmp_adopt(struct build_ctx *c, const char *path, const char *name, struct tree_img **img,
		    uint64_t *size);

#endif
