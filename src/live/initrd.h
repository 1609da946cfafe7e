/* The live initramfs: mklive-init as /init, kernel modules with trimmed
 * indexes, an optional busybox shell and extra files, as a cpio newc
 * archive compressed through the block engine. */
#ifndef MKLIVE_LIVE_INITRD_H
#define MKLIVE_LIVE_INITRD_H

#include "compress/compress.h"

#include <stdbool.h>
#include <stddef.h>

struct live_initrd_opts {
	const char *output;
	const char *kernel_version;	/* NULL: no kernel modules */
	const char *modules_dir;	/* default /lib/modules/VER */
	const char *profile;		/* "generic" (default) or "minimal" */
	const char *const *add_modules; /* names or path patterns */
	size_t nadd_modules;
	const char *const *adds; /* "TARGET=SOURCE" */
	size_t nadds;
	bool shell;
	const char *busybox; /* default /bin/busybox (must be static) */
	const char *id;	     /* written as /mklive.id: the medium to look for */
	struct comp_opts comp;
	const void *init; /* the mklive-init binary */
	size_t init_len;
};

int live_initrd_build(const struct live_initrd_opts *o);

#endif
