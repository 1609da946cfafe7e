/* grub.cfg for UEFI, rendered from the same boot menu as isolinux.cfg
 * (boot/menu.h): the same entries in the same order with the same kernel
 * command lines, default, timeout and serial console. Debian's signed CD
 * GRUB (gcdx64.efi.signed) reads it from /boot/grub/grub.cfg of the ISO
 * 9660 volume it finds by /.disk/info (see boot/efi.h), and reads the
 * kernel and initrd from there too.
 *
 *     char *cfg = menu_render_grub(&menu);
 *     tree_add_mem_file(medium, EFI_GRUB_CFG, cfg, strlen(cfg), 0644, NULL);
 *     free(cfg);
 */
#ifndef MKLIVE_BOOT_GRUB_H
#define MKLIVE_BOOT_GRUB_H

#include "boot/menu.h"

/* The text of grub.cfg (malloc'ed):
 *  - serial: `serial --unit=0 --speed=S` and both terminals (console and
 *    serial) for input and output, as isolinux's SERIAL 0 S;
 *  - timeout: SYSLINUX tenths of a second in whole seconds, rounded; 0
 *    (wait for a choice) becomes GRUB's -1;
 *  - default: the default entry's label, each entry having --id=LABEL;
 *  - entries: `linux KERNEL APPEND` and `initrd INITRD`, strings quoted
 *    for GRUB's shell-like parser; video set up (all_video, gfxpayload
 *    keep) so the kernel gets the firmware's framebuffer for tty0.
 * Entries with linux16 (a 16-bit BIOS payload such as memtest86+'s .bin)
 * cannot run on UEFI and are left out with a comment, as are the F-key
 * help screens, which have no GRUB counterpart. */
char *menu_render_grub(const struct menu *m);

#endif
