/* The UEFI side of the medium (Boot.UEFI): Debian's signed chain (shim,
 * the CD GRUB, MokManager) on an EFI system partition image of its own,
 * /boot/efi.img, which the ISO gives a second El Torito entry (platform
 * 0xEF) and the GPT of the hybrid layout; /.disk/info, by which that GRUB
 * finds the volume; and /boot/grub/grub.cfg, rendered from the same menu
 * as isolinux.cfg. The kernel and the initramfs stay once on ISO 9660,
 * which GRUB reads. The chain and the kernel are checked right after the
 * kernel is found, before the root is compressed. */
#include "boot/efi.h"
#include "boot/grub.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "fat/fat.h"
#include "pipeline/pipeline.h"
#include "version.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* With UEFI yes a missing piece is an error; with auto the medium is
 * made for BIOS only, saying why. */
static int give_up(struct build_ctx *c, int rc)
{
	if (c->uefi == BUILD_UEFI_YES)
		return err_wrap(rc, "UEFI boot (%s yes; --no-uefi or UEFI = no builds for BIOS only)",
				c->plan->uefi_label);
	log_warn("%s; the medium boots on BIOS only (%s auto)", err_msg(), c->plan->uefi_label);
	err_clear();
	c->uefi = BUILD_UEFI_NO;
	return 0;
}

int build_uefi_check(struct build_ctx *c)
{
	struct efi_pe_info pe;
	int rc;
	if (c->uefi == BUILD_UEFI_NO)
		return 0;
	rc = c->kernel.image ? efi_kernel_check_node(c->kernel.image, "the root's kernel", &pe)
			     : efi_kernel_check_path(c->kernel.host_path, &pe);
	if (rc)
		return give_up(c, rc);
	if ((rc = efi_files_find(c->root, NULL, &c->efi)))
		return give_up(c, rc);
	c->efi_found = true;
	log_info("EFI boot chain (shim, GRUB, MokManager: %.1f MB) from %s", (double)c->efi.bytes / 1e6,
		 c->efi.from);
	if (!pe.signed_)
		log_warn("kernel %s has no Authenticode signature: UEFI boots it only with Secure Boot off "
			 "(Debian's linux-image-amd64 is signed)",
			 c->kernel.version);
	return 0;
}

/* /.disk/info: one line naming the medium, as Debian's images carry. */
static char *disk_info(const struct build_ctx *c)
{
	return xasprintf("%s (mklive %s, kernel %s, id %s)\n", c->plan->volume_id.value, MKLIVE_VERSION,
			 c->kernel.version, c->id);
}

int build_uefi_medium(struct build_ctx *c, struct tree *m, const struct menu *menu)
{
	struct tree_img *img = NULL;
	struct tree_node *n;
	struct fat_info info;
	uint64_t size = 0;
	char *path, *text;
	int rc;
	if (c->uefi == BUILD_UEFI_NO)
		return 0;
	path = build_tmp_path(c, "efi.img");
	rc = efi_esp_write(&c->efi, path, NULL, &info);
	if (!rc)
		rc = build_tmp_adopt(c, path, "efi.img", &img, &size);
	free(path);
	if (!rc && !(rc = tree_add_mem_file(m, EFI_IMAGE, "", 0, 0644, &n))) {
		n->size = size;
		tree_node_set_img(n, img, 0, 0);
	}
	tree_img_unref(img);
	if (rc)
		return err_wrap(rc, "the EFI system partition image");
	text = disk_info(c);
	rc = tree_add_mem_file(m, EFI_DISK_INFO, text, strlen(text), 0644, NULL);
	free(text);
	if (rc)
		return rc;
	text = menu_render_grub(menu);
	rc = tree_add_mem_file(m, EFI_GRUB_CFG, text, strlen(text), 0644, NULL);
	free(text);
	if (!rc)
		c->rep->uefi = true, c->rep->esp_bytes = size;
	return rc;
}

int build_uefi_iso_opts(struct build_ctx *c, struct iso_opts *io, bool usb)
{
	int rc;
	if (c->uefi == BUILD_UEFI_NO || !c->rep->uefi)
		return 0;
	/* mkisofs: -eltorito-alt-boot -e boot/efi.img -no-emul-boot
	 * [-isohybrid-gpt-basdat] */
	if ((rc = iso_opts_set(io, "alt-boot", NULL, NULL)) ||
	    (rc = iso_opts_set(io, "efi-boot-image", EFI_IMAGE + 1, NULL)) ||
	    (rc = iso_opts_set(io, "no-emul-boot", NULL, NULL)))
		return rc;
	if (usb && (rc = iso_opts_set(io, "isohybrid-gpt-basdat", NULL, NULL)))
		return rc;
	return 0;
}
