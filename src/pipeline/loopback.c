/* /boot/grub/loopback.cfg: the convention by which GRUB menus of
 * multiboot sticks boot an ISO kept as a file (the caller runs `loopback
 * loop FILE`, sets root=(loop) and iso_path=FILE, then `configfile
 * /boot/grub/loopback.cfg`). Rendered from the medium's one menu, every
 * live entry given live.findiso=${iso_path} so that mklive-init looks for
 * that file on the machine's partitions instead of a CD. */
#include "boot/grub.h"
#include "core/util.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

int build_loopback_cfg(struct build_ctx *c, struct tree *m, const struct menu *menu)
{
	struct menu lb = *menu;
	char *text;
	int rc;
	for (size_t i = 0; i < lb.nentries; i++) {
		struct menu_entry *e = &lb.entries[i];
		if (!e->kernel || strcmp(e->kernel, "/boot/vmlinuz") || !e->initrd ||
		    strcmp(e->initrd, "/boot/initrd.img"))
			continue;
		e->append =
		    build_keep(c, xasprintf("%s%slive.findiso=${iso_path}", e->append ? e->append : "",
					    e->append && *e->append ? " " : ""));
	}
	lb.loader_vars = true;
	text = menu_render_grub(&lb);
	rc = tree_add_mem_file(m, "/boot/grub/loopback.cfg", text, strlen(text), 0644, NULL);
	free(text);
	return rc;
}
