/* The live initramfs: mklive-init as /init, kernel modules with trimmed
 * indexes, an optional busybox shell and extra files, as a cpio newc
 * archive compressed through the block engine. */
#ifndef MKLIVE_LIVE_INITRD_H
#define MKLIVE_LIVE_INITRD_H

#include "compress/compress.h"
#include "core/tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct live_initrd_opts {
	const char *kernel_version; /* NULL: no kernel modules */
	const char *modules_dir;    /* default /lib/modules/VER */
	/* Take the modules (modules_dir, default /lib/modules/VER, inside this
	 * tree) from a root being built rather than from the host: a tarball
	 * or an image read in place. NULL: the host. */
	const struct tree *root;
	const char *profile;		/* "generic" (default) or "minimal", either with "+net" */
	bool net;			/* also the net module set (key "net"; --net, --netboot) */
	const char *const *add_modules; /* names or path patterns */
	size_t nadd_modules;
	const char *const *adds; /* "TARGET=SOURCE" */
	size_t nadds;
	bool shell;
	const char *busybox; /* default /bin/busybox (must be static) */
	const char *id;	     /* written as /mklive.id: the medium to look for */
	struct comp_opts comp;
	const void *init; /* the mklive-init binary (default: the embedded one) */
	size_t init_len;
	bool no_modules;	  /* --no-modules given */
	struct comp_cache *cache; /* compressed results of earlier builds, or NULL */
	size_t mods_cap, adds_cap;
};

struct live_initrd_stats {
	uint64_t cpio_bytes;	 /* the archive before compression */
	uint64_t image_size;	 /* bytes written */
	size_t modules;		 /* kernel modules carried */
	size_t unsigned_modules; /* of them without a signature (warned: not loaded under Secure Boot) */
};

/* Fails (naming busybox-static) unless path is a static 64-bit ELF. */
int live_check_static_elf(const char *path);

/* Defaults: the generic profile, gzip, the embedded mklive-init. */
void live_initrd_opts_init(struct live_initrd_opts *o);
/* Set one option by key: kernel-version, modules-dir, profile (generic,
 * minimal), add-module (repeatable), no-modules, add (TARGET=SOURCE,
 * repeatable), shell, net (the net module set), busybox, id, compress (gzip, zstd, xz, none),
 * level. Flags take NULL (on) or a boolean word; label names the option
 * in messages. Values are kept by pointer. */
int live_initrd_opts_set(struct live_initrd_opts *o, const char *key, const char *value, const char *label);
/* The rules: a kernel version unless no-modules, the level. */
int live_initrd_opts_check(struct live_initrd_opts *o);
void live_initrd_opts_free(struct live_initrd_opts *o);

/* Build the initramfs and write it to path ("-": standard output)
 * atomically. stats may be NULL. */
int live_initrd_write(const struct live_initrd_opts *o, const char *path, struct live_initrd_stats *stats);

#endif
