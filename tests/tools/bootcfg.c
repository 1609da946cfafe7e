/* Test tool: one boot menu (boot/menu.h) from the command line, rendered
 * as isolinux.cfg and grub.cfg, so tests build media whose two loaders
 * offer the same entries, as the build does.
 *
 *   bootcfg [--serial SPEED|--no-serial] [--timeout DS] [--default LABEL]
 *           --entry LABEL 'TITLE' KERNEL INITRD|- 'APPEND' ...
 *           --isolinux FILE --grub FILE
 */
#include "boot/grub.h"
#include "boot/menu.h"
#include "core/error.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct menu m;
	const char *def = NULL, *iso = NULL, *grub = NULL;
	int rc = 0;
	menu_init(&m);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--serial") && i + 1 < argc) {
			m.serial = true;
			m.serial_speed = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(a, "--no-serial")) {
			m.serial = false;
		} else if (!strcmp(a, "--timeout") && i + 1 < argc) {
			m.timeout_ds = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(a, "--default") && i + 1 < argc) {
			def = argv[++i];
		} else if (!strcmp(a, "--isolinux") && i + 1 < argc) {
			iso = argv[++i];
		} else if (!strcmp(a, "--grub") && i + 1 < argc) {
			grub = argv[++i];
		} else if (!strcmp(a, "--entry") && i + 5 < argc) {
			struct menu_entry e = {argv[i + 1], argv[i + 2],
					       argv[i + 3], strcmp(argv[i + 4], "-") ? argv[i + 4] : NULL,
					       argv[i + 5], false,
					       NULL,	    false};
			i += 5;
			if (menu_add(&m, &e)) {
				fprintf(stderr, "bootcfg: %s\n", err_msg());
				return 1;
			}
		} else {
			fprintf(stderr,
				"bootcfg: bad argument %s (see the comment at the top of bootcfg.c)\n", a);
			return 2;
		}
	}
	if (def) {
		const struct menu_entry *e = menu_find(&m, def);
		if (!e) {
			fprintf(stderr, "bootcfg: --default %s: no such entry\n", def);
			return 1;
		}
		m.default_entry = (size_t)(e - m.entries);
	}
	if (iso) {
		char *t = menu_render_syslinux(&m);
		rc |= write_text(iso, t);
		free(t);
	}
	if (grub) {
		char *t = menu_render_grub(&m);
		rc |= write_text(grub, t);
		free(t);
	}
	return rc;
}
