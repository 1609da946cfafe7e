/* Internal to src/pipeline: The build's working state, shared by the stages of src/pipeline/: the
 * plan (every setting typed and checked before any work, plan.h), the
 * root tree, the kernel, the medium id and the intermediate images. */
#ifndef MKLIVE_PIPELINE_PIPELINE_H
#define MKLIVE_PIPELINE_PIPELINE_H

#include "boot/efi.h"
#include "boot/menu.h"
#include "cloop/cloop.h"
#include "iso9660/iso.h"
#include "live/initrd.h"
#include "pipeline/build.h"
#include "pipeline/plan.h"
#include "squashfs/squashfs.h"

struct build_ctx {
	/* every setting, typed and checked; the stages only complete the
	 * writers' options in it with what they find (the kernel version,
	 * the medium id, the block cache) */
	struct build_plan *plan;
	struct build_report *rep; /* output only: what the build made */

	enum build_uefi uefi; /* the plan's; NO once auto found a piece missing */
	struct efi_files efi; /* the signed chain, when efi_found */
	bool efi_found;
	char id[64]; /* the medium id: Live.Id or derived from the root image */

	struct tree *root;
	struct build_kernel kernel;
	enum build_stage stage;
	double t0;

	struct tree_img *root_img; /* unlinked temporary files */
	uint64_t root_size;
	struct tree_img *initrd_img;
	uint64_t initrd_size;

	struct comp_cache *cache; /* compressed blocks of earlier builds, or NULL */

	char **strings; /* owned by the context (menu texts) */
	size_t nstrings, strings_cap;
};

/* The stages after the root is read and customised, one file each:
 * rootimg.c, initrd.c, medium.c (with the menu and the ISO options). */
int build_root_image(struct build_ctx *c);
int build_initrd(struct build_ctx *c);
int build_medium(struct build_ctx *c, const char *out);
void build_ctx_free(struct build_ctx *c);
/* floppy.c: the boot floppy, added to the medium as /boot/boot.img when
 * Boot.BootFloppy asks for it and it fits; *made says whether it did. */
int build_floppy(struct build_ctx *c, struct tree *m, const struct menu *menu, bool *made);

/* uefi.c: the chain and the kernel's EFI stub
 * checked once the kernel is known; efi.img, /.disk/info and grub.cfg on
 * the medium; the EFI El Torito entry and the GPT in the ISO options. */
int build_uefi_check(struct build_ctx *c);
int build_uefi_medium(struct build_ctx *c, struct tree *m, const struct menu *menu);
int build_uefi_iso_opts(struct build_ctx *c, struct iso_opts *io, bool usb);

/* pipeline.c: temporary files beside the output, and adopting one as an
 * open, unlinked image (nothing left behind whatever happens next). */
char *build_tmp_path(struct build_ctx *c, const char *name);
int build_tmp_adopt(struct build_ctx *c, const char *path, const char *name, struct tree_img **img,
		    uint64_t *size);

#endif
