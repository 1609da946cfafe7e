/* The one boot menu definition of a live medium, rendered into every boot
 * loader's configuration (isolinux.cfg for BIOS, grub.cfg for UEFI), so
 * both offer the same entries with the same kernel command lines, timeout,
 * serial console and help screens. */
#ifndef MKLIVE_BOOT_MENU_H
#define MKLIVE_BOOT_MENU_H

#include <stdbool.h>
#include <stddef.h>

#define MENU_MAX_ENTRIES 64
#define MENU_MAX_HELP 10 /* F1..F10 */

struct menu_entry {
	const char *label;  /* short name typed at the boot prompt: "live" */
	const char *title;  /* one line for people: "Live system" */
	const char *kernel; /* path on the medium: "/boot/vmlinuz" */
	const char *initrd; /* path on the medium, or NULL (e.g. memtest86+) */
	/* The whole kernel command line (the medium's base parameters and
	 * the entry's own), or NULL for a kernel that takes none. */
	const char *append;
	bool linux16; /* a 16-bit payload for GRUB (memtest86+'s .bin): linux16 */
	/* Entries of one group (the language choice) are a submenu titled
	 * group in GRUB, and one line listing their labels in the isolinux
	 * screen, so that the menu stays short. NULL: a top-level entry. */
	const char *group;
	bool fwsetup; /* "UEFI firmware settings": GRUB's fwsetup; no kernel, not on isolinux */
};

struct menu_help {
	int key;	   /* 1..10: F1..F10 */
	const char *file;  /* its name on the medium, beside the loader's config */
	const char *title; /* "F1: boot options" */
};

struct menu {
	struct menu_entry entries[MENU_MAX_ENTRIES];
	size_t nentries;
	size_t default_entry; /* index into entries */
	unsigned timeout_ds;  /* tenths of a second before the default boots; 0: wait */
	bool serial;	      /* also listen and print on the first serial port */
	unsigned serial_speed;
	const char *display; /* text shown before the prompt (its name on the medium), or NULL */
	struct menu_help help[MENU_MAX_HELP];
	size_t nhelp;
};

void menu_init(struct menu *m);
/* Add an entry (strings are kept by pointer). ERR_LIMIT past MENU_MAX_ENTRIES,
 * ERR_USAGE for a label that is empty, has spaces, or is used already. */
int menu_add(struct menu *m, const struct menu_entry *e);
const struct menu_entry *menu_find(const struct menu *m, const char *label);

/* isolinux.cfg / syslinux.cfg text (malloc'ed): SERIAL, DEFAULT, TIMEOUT,
 * PROMPT, DISPLAY and F-key help, one LABEL per entry. Paths are used as
 * given (isolinux reads them from ISO 9660, SYSLINUX from FAT). */
char *menu_render_syslinux(const struct menu *m);
/* The text of a default DISPLAY screen listing the entries (malloc'ed). */
char *menu_render_display(const struct menu *m, const char *heading);

#endif
