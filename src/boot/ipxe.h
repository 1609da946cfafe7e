/* boot.ipxe, an iPXE script rendered from the same boot menu as
 * isolinux.cfg and grub.cfg (boot/menu.h), for machines that chain-load
 * iPXE: a `menu` with one `item` per entry, `choose` with the menu's
 * default and timeout, and per entry `kernel` + `initrd` + `boot`. Paths
 * stay as the menu gives them ("/boot/vmlinuz"): iPXE resolves them
 * against the script's own URI, so the kernel comes by TFTP when the
 * script did and by HTTP when it did.
 *
 *     char *s = menu_render_ipxe(&menu, "mklive live system");
 *     tree_add_mem_file(netboot, "/boot.ipxe", s, strlen(s), 0644, NULL);
 *     free(s);
 */
#ifndef MKLIVE_BOOT_IPXE_H
#define MKLIVE_BOOT_IPXE_H

#include "boot/menu.h"

/* The script (malloc'ed). iPXE expands ${NAME} in every command, so a
 * command line with ${next-server} reaches the kernel as the address;
 * other characters need no quoting (words are split at blanks, as the
 * kernel splits them). The initramfs is given the name initrd.img and
 * the kernel initrd=initrd.img, which iPXE's EFI build needs to hand it
 * over. linux16 entries (16-bit BIOS payloads) are left out with a
 * comment. heading may be NULL. */
char *menu_render_ipxe(const struct menu *m, const char *heading);

#endif
