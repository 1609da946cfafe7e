/* mklive build: from a root filesystem and a kernel to a bootable live
 * medium, in-process: configuration -> root source -> customisation ->
 * kernel and modules -> compressed root -> initramfs -> boot menu ->
 * medium (ISO 9660, El Torito, isohybrid). */
#ifndef MKLIVE_BUILD_BUILD_H
#define MKLIVE_BUILD_BUILD_H

#include "core/tree.h"
#include "pipeline/config.h"

#include <stdbool.h>
#include <stdint.h>

enum build_stage {
	BUILD_ROOT,
	BUILD_CUSTOMISE,
	BUILD_KERNEL,
	BUILD_ROOT_IMAGE,
	BUILD_INITRD,
	BUILD_MEDIUM,
	BUILD_NSTAGES
};

/* What a build made, for the closing summary (output only: no stage
 * reads it). */
struct build_report {
	double seconds[BUILD_NSTAGES];
	uint64_t kernel_bytes, initrd_bytes;
	uint64_t root_bytes;	 /* the compressed root image */
	uint64_t root_raw_bytes; /* the bytes of the files it holds */
	uint64_t image_bytes;	 /* the medium */
	size_t root_files, modules;
	char kernel_version[128];
	char id[64];
	const char *root_format; /* "squashfs" / "cloop" */
	bool floppy;
	bool uefi;			   /* the medium boots on UEFI too */
	bool usb;			   /* and from a USB stick (isohybrid) */
	uint64_t esp_bytes;		   /* its EFI system partition image */
	uint64_t cache_hits, cache_misses; /* compressed blocks reused / made */
};

/* Run the whole build described by cfg (checked first, so a bad value is
 * reported before any work). Writes the medium atomically; on error nothing
 * is left at the destination. */
int build_run(const struct build_cfg *cfg, struct build_report *rep);

/* ---- pieces of the pipeline (the files of src/pipeline/) --------------------------------- */

struct build_plan; /* plan.h */

/* root.c: read the root source named by Root.Source into t; the data of a
 * compressed tarball is spooled into an unnamed file beside the output. */
int build_root_read(const struct build_plan *p, struct tree *t, char **desc);
/* Refuses an output that is a file of the root source (an existing file
 * of a directory root, but a medium an earlier build wrote there; the
 * tarball or image itself). */
int build_root_check_output(const struct build_plan *p);
/* default_root.c: the embedded default system (Debian's busybox-static). */
int build_default_root(struct tree *t, const char *busybox);
/* custom.c: Overlay=, Remove=, Attr=, Hostname= on the tree. */
int build_customise(const struct build_plan *p, struct tree *t);

/* kernel.c: the kernel and its modules, from the root or the host. */
struct build_kernel {
	char version[128];
	const struct tree_node *image; /* in the root tree, or NULL */
	char *host_path;	       /* the host's kernel when image is NULL */
	bool modules_in_root;	       /* /lib/modules/VERSION is in the root tree */
	char *modules_dir;	       /* the host's module directory otherwise */
	uint64_t size;
};
int build_kernel_find(const struct build_plan *p, const struct tree *root, struct build_kernel *k);
void build_kernel_free(struct build_kernel *k);

#endif
