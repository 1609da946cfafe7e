/* ISO 9660 mastering as a library: options and the one call that writes an
 * image from a tree (ECMA-119 + Rock Ridge + Joliet + El Torito + isohybrid).
 * `mklive iso` only parses mkisofs-style options into struct iso_opts. */
#ifndef MKLIVE_ISO9660_ISO_H
#define MKLIVE_ISO9660_ISO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tree.h"

enum iso_emul {
	ISO_EMUL_FLOPPY = 0, /* mkisofs default: 1.2/1.44/2.88 MB picked by size */
	ISO_EMUL_NONE,	     /* -no-emul-boot */
	ISO_EMUL_HARDDISK,   /* -hard-disk-boot */
};

/* One El Torito boot entry (-b or -e, with the options that follow it
 * until -eltorito-alt-boot). */
struct iso_boot_entry {
	const char *image; /* path of the boot image inside the tree */
	enum iso_emul emul;
	uint8_t platform;   /* 0 = 80x86 (-b), 0xEF = EFI (-e) */
	uint16_t load_seg;  /* -boot-load-seg; 0 = BIOS default 0x7C0 */
	uint32_t load_size; /* -boot-load-size in 512-byte sectors; 0 = whole file */
	bool info_table;    /* -boot-info-table: patch the image copy */
	bool no_boot;	    /* -no-boot: entry present but not bootable */
	/* -isohybrid-gpt-basdat after -b/-e: the image is also a partition
	 * of the GPT (and of the MBR beside the protective entry): the EFI
	 * system partition for an EFI image, basic data for others. */
	bool gpt;
	/* -e --interval:appended_partition_N:all:: : the boot image is
	 * appended partition N (1..4) rather than a file of the tree. */
	int appended;
};

#define ISO_MAX_APPEND 4 /* -append_partition 1..4: the MBR's slots */

/* -append_partition N TYPE FILE: FILE is written after the ISO volume as
 * partition N of the MBR (and of the GPT when there is one). */
struct iso_append_part {
	char *path;	      /* host file (owned; iso_opts_free), NULL: slot unused */
	uint8_t mbr_type;     /* MBR type byte */
	uint8_t gpt_type[16]; /* GPT type GUID, given or from the MBR type */
};

#define ISO_MAX_BOOT 31 /* entries of one boot catalog (eltorito.h) */

struct iso_opts {
	int level;	  /* -iso-level 1..3 (3: files > 4 GiB in several extents) */
	bool long_names;  /* -l: 31-character ISO names */
	bool rock;	  /* -R or -r: Rock Ridge */
	bool rationalize; /* -r: uid/gid 0, modes made readable, no write bits */
	bool joliet;	  /* -J */
	bool pad;	  /* -pad: 150 zero sectors at the end */
	/* Directories deeper than ECMA-119's 8 levels: with Rock Ridge they
	 * are recorded where they are (xorriso's -D, the default). reloc_dir
	 * (-rr_reloc_dir NAME; -hide-rr-moved: ".rr_moved") moves them into
	 * /NAME instead, hidden from Rock Ridge readers; no_reloc (-D)
	 * overrides it. Without Rock Ridge, deep directories need reloc_dir. */
	const char *reloc_dir;
	bool no_reloc;
	const char *volume_id, *application_id, *preparer_id, *publisher_id, *system_id, *volset_id;
	const char *catalog; /* -c: path of the boot catalog inside the tree */
	struct iso_boot_entry boot[ISO_MAX_BOOT];
	size_t nboot;
	const char *isohybrid_mbr;	   /* host path of an MBR template (isohdpfx.bin) */
	const uint8_t *isohybrid_mbr_data; /* or the template's bytes (then the path names it) */
	size_t isohybrid_mbr_len;
	/* Disk layout beside isohybrid (hybrid.c). A GPT is written when a
	 * boot entry asks for it (gpt), with efi_boot_part, or with
	 * appended_as_gpt: the primary copy in the system area after the
	 * MBR, the backup at the end of the image, the MBR then protective
	 * (type 0xEE) beside the partitions it also lists. */
	struct iso_append_part append[ISO_MAX_APPEND];
	bool appended_as_gpt;	   /* -appended_part_as_gpt: appended partitions in the GPT only */
	bool efi_boot_part;	   /* -efi-boot-part --efi-boot-image: the EFI image is the GPT's ESP */
	bool mbr_force_bootable;   /* --mbr-force-bootable: an active MBR entry even without isohybrid */
	uint32_t partition_offset; /* -partition_offset N: the ISO also as a partition from block N */
	/* Image dates; < 0 means time_build() (SOURCE_DATE_EPOCH or now). */
	int64_t build_time;

	/* How each checked option was given ("-V", "mk.conf:3: VolumeId"),
	 * for iso_opts_check()'s messages; the key when set as a field. */
	struct {
		char level[80], volume_id[80], application_id[80], preparer_id[80], publisher_id[80],
		    system_id[80], volset_id[80], isohybrid_mbr[80];
	} label; /* copies: a command's spelling may live in a scratch buffer */
	/* Entry that boot options apply to while options are set, and what
	 * each entry was given, for iso_opts_check(). */
	size_t cur;
	struct {
		bool noemul, hd, any;
	} given[ISO_MAX_BOOT];
};

/* What iso_write() wrote. */
struct iso_stats {
	uint64_t image_size; /* bytes */
	uint64_t files, dirs;
};

/* Defaults: level 1, no extensions, volume id "CDROM", system id "LINUX". */
void iso_opts_init(struct iso_opts *o);
/* Free what iso_opts_set copied (appended partition paths). */
void iso_opts_free(struct iso_opts *o);
/* Is a GPT written (some entry's gpt, efi_boot_part or appended_as_gpt)? */
bool iso_opts_gpt(const struct iso_opts *o);
/* Set one option by key, in the order given (boot options apply to the
 * boot entry being described; "alt-boot" starts the next one). Keys, as
 * mkisofs spells the options: level, long-names, rock, rational-rock,
 * joliet, pad, hide-rr-moved, rr-reloc-dir, disable-deep-relocation, volume-id, application-id, preparer-id,
 * publisher-id, system-id, volset-id, catalog, boot-image, efi-boot-image,
 * no-emul-boot, hard-disk-boot, boot-load-size, boot-load-seg,
 * boot-info-table, no-boot, alt-boot, isohybrid-mbr, isohybrid-gpt-basdat,
 * isohybrid-apm-hfsplus (accepted, ignored with a warning), append-partition
 * ("N TYPE FILE": TYPE an MBR type byte like 0xef or a GPT type GUID, FILE
 * the rest of the value), appended-part-as-gpt, efi-boot-part (only
 * "--efi-boot-image"), mbr-force-bootable, partition-offset (2048-byte
 * blocks: 0, or 16 and more). efi-boot-image also takes xorriso's
 * "--interval:appended_partition_N:all::". Flags take NULL (on)
 * or a boolean word. Values are kept by pointer: they must outlive o.
 * label names the option in messages ("-iso-level", "mklive.conf:3: Level").
 * Returns 0 or ERR_USAGE with the message set. */
int iso_opts_set(struct iso_opts *o, const char *key, const char *value, const char *label);
/* Every rule of the options, once all are set, with messages naming the
 * option as it was given: the level, the identifiers' lengths (and no
 * control characters), boot options without a boot image, conflicting
 * emulations, isohybrid without a boot entry; fills in the catalog's
 * default path. iso_write() expects options that passed it. */
int iso_opts_check(struct iso_opts *o);

/* Write the image of tree t to out_path ("-" for stdout is not supported:
 * the writer patches bytes after writing them). The tree must be finalized
 * (tree_finalize). Returns 0 or a negative code with the error set; on error
 * nothing is left at out_path. */
int iso_write(struct tree *t, const struct iso_opts *o, const char *out_path, struct iso_stats *stats);

#endif
