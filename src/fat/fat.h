/* The FAT writer's library interface: a tree in, a FAT12/16/32 image out
 * (optionally inside an MBR partition), with no mtools and no mounting.
 * Used by `mklive fat`, the boot floppy of the build pipeline and the EFI
 * system partition image. */
#ifndef MKLIVE_FAT_FAT_H
#define MKLIVE_FAT_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tree;
struct out_file;

struct fat_opts {
	/* Bytes of the whole image (MBR and partition included with
	 * `partition`); 0 picks the smallest size that fits: a standard
	 * floppy (360K 720K 1200K 1440K 2880K), else whole MiB. */
	uint64_t size;
	int fat_bits;	   /* 12, 16 or 32; 0 chooses by size as mkfs.fat does */
	const char *label; /* volume label (up to 11 characters); NULL: none */
	bool serial_set;   /* use `serial`; else it is derived from the build time */
	uint32_t serial;
	bool partition;	  /* an MBR with one active partition holding the filesystem */
	uint64_t reserve; /* bytes to leave free (a boot loader installed afterwards) */
	/* Boot code for the MBR (up to 440 bytes, e.g. SYSLINUX's mbr.bin);
	 * length 0: code that prints "not a boot disk". */
	uint8_t mbr_code[440];
	size_t mbr_code_len;
	/* Make it boot with SYSLINUX: fat_syslinux_prepare() before
	 * tree_finalize(), then fat_write() runs the installer on the
	 * finished temporary image before renaming it into place. */
	bool syslinux;
	const char *syslinux_dir; /* for ldlinux.sys and ldlinux.c32; NULL: the root */
	/* Set by fat_opts_set, for fat_opts_check's rules and messages. */
	uint64_t size_given;
	int fat_bits_given;
	struct {
		char size[80], fat[80], label[80];
	} given;
	bool prepared; /* fat_opts_check ran (with syslinux: on the tree before tree_finalize) */
};

/* Defaults: the smallest size that fits, FAT type by size, no label. */
void fat_opts_init(struct fat_opts *o);
/* Set one option by key: size (bytes with K/M/G, or "auto"), fat (12, 16,
 * 32), label, serial (XXXX-XXXX), partition, syslinux, syslinux-dir.
 * Flags take NULL (on) or a boolean word; label names the option in
 * messages. Values are kept by pointer. 0 or ERR_USAGE. */
int fat_opts_set(struct fat_opts *o, const char *key, const char *value, const char *label);
/* Every rule of the options, named as each was given: the size (a
 * non-zero multiple of 512), the FAT type (12, 16, 32), the volume label
 * (11 characters FAT holds). With syslinux it also prepares tree t (which
 * must not be finalized yet: the SYSLINUX files are added to it), so the
 * order SYSLINUX needs is kept by calling this before tree_finalize();
 * fat_write() refuses syslinux options that did not pass here. */
int fat_opts_check(struct fat_opts *o, struct tree *t);

/* What was written. */
struct fat_info {
	uint64_t image_size; /* bytes of the image file */
	uint64_t fs_offset;  /* byte offset of the filesystem (0, or the partition start) */
	uint64_t fs_size;    /* bytes of the filesystem */
	int fat_bits;
	uint32_t cluster_size; /* bytes */
	uint32_t clusters;     /* data clusters */
	uint64_t free_bytes;
	uint32_t serial;
	bool floppy; /* a standard floppy geometry */
};

/* Write the tree as a FAT image to out (appended from its current end,
 * which must be 0). The tree must be finalized; its nodes' `user` and
 * `u64` scratch fields are used. Symlinks are stored as what they point to
 * only if the scan followed them; other special files are skipped with a
 * warning. Fails with a message naming the reason (files that do not fit
 * and by how many bytes, names FAT cannot hold, a full root directory, an
 * unreadable source). info may be NULL. */
int fat_write_out(struct tree *t, const struct fat_opts *o, struct out_file *out, struct fat_info *info);

/* Same, to a file path through an atomic output file; with o->syslinux
 * also runs the SYSLINUX installer before the rename. */
int fat_write(struct tree *t, const struct fat_opts *o, const char *path, struct fat_info *info);

/* For o->syslinux: checks that Debian's SYSLINUX files are here (naming
 * the package that is missing), adds ldlinux.c32 from syslinux-common to
 * the tree (in o->syslinux_dir), keeps room for ldlinux.sys, and with
 * o->partition loads SYSLINUX's MBR code. Call before tree_finalize(). */
int fat_syslinux_prepare(struct tree *t, struct fat_opts *o);

/* Run Debian's SYSLINUX installer (`syslinux --install`, package syslinux)
 * on a FAT image file; fs_offset is the filesystem's byte offset (a
 * partition), dir the directory for ldlinux.sys ("" or NULL: the root).
 * Fails naming the missing package if the installer is not there. */
int fat_syslinux_install(const char *image, uint64_t fs_offset, const char *dir);

/* Where Debian's syslinux-common keeps the BIOS modules and the MBR code. */
#define FAT_SYSLINUX_LDLINUX_C32 "/usr/lib/syslinux/modules/bios/ldlinux.c32"
#define FAT_SYSLINUX_MBR_BIN "/usr/lib/syslinux/mbr/mbr.bin"
/* Free space SYSLINUX's installer needs for ldlinux.sys (about 58 KiB in
 * Debian's 6.04) and a possibly larger ldlinux.c32, with a margin. */
#define FAT_SYSLINUX_RESERVE (80u * 1024)

#endif
