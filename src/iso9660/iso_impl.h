/* Internal model of one ISO image being mastered: the ISO 9660 hierarchy
 * (after Rock Ridge relocation), the Joliet hierarchy, and every location
 * decided by the layout before a byte is written. */
#ifndef MKLIVE_ISO9660_ISO_IMPL_H
#define MKLIVE_ISO9660_ISO_IMPL_H

#include "core/output.h"
#include "core/tree.h"
#include "iso9660/ecma119.h"
#include "iso9660/iso.h"
#include "iso9660/names.h"

enum iso_node_kind {
	ISO_N_DIR,
	ISO_N_FILE,	   /* regular file with data */
	ISO_N_OTHER,	   /* symlink, device, fifo, socket: no data */
	ISO_N_PLACEHOLDER, /* RRIP 4.1.5.1: stands where a relocated directory was */
	ISO_N_CATALOG,	   /* the El Torito boot catalog */
};

struct iso_node {
	struct tree_node *tn;	  /* attributes and data (placeholder: the directory's) */
	struct iso_node *parent;  /* ISO 9660 hierarchy */
	struct iso_node *hparent; /* host hierarchy (Joliet, RRIP PL) */
	struct iso_node **kids;	  /* ISO 9660 children, sorted (9.3) */
	size_t nkids, kcap;
	struct iso_node **jkids; /* Joliet children, sorted */
	size_t njkids, jcap;
	struct iso_node *reloc; /* placeholder <-> relocated directory */
	struct iso_name name;	/* ISO 9660 identifier (NUL-terminated bytes) */
	struct iso_name jname;	/* Joliet identifier (UCS-2BE) */
	uint8_t name_buf[ISO_NAME_MAX + 1];
	uint32_t lba;	      /* file data or ISO directory extent */
	uint64_t size;	      /* file data or ISO directory bytes */
	uint32_t jlba, jsize; /* Joliet directory extent */
	/* -partition_offset: a directory's copy in the partition's tree, as
	 * the partition numbers it (iso_partition_view swaps them in) */
	uint32_t lba_alt, jlba_alt;
	uint32_t ino;	/* RRIP PX file serial number */
	uint32_t dirno; /* path table number (ISO or Joliet hierarchy) */
	uint32_t jdirno;
	uint32_t nlink; /* PX links (directories: in the ISO hierarchy) */
	uint8_t kind;
	bool is_rr_moved;
};

struct iso_boot_resolved {
	const struct iso_boot_entry *e;
	struct iso_node *node; /* NULL for an appended partition */
	uint8_t media;	       /* catalog media type (El Torito 2.2) */
	uint8_t sys_type;      /* hard disk: partition type */
	uint16_t count;	       /* sector count in the catalog */
	uint32_t lba;	       /* first sector of the image (set once laid out) */
	uint64_t size;	       /* bytes of the image */
};

/* The disk side of the image (hybrid.c): sector 0, the GPT's two copies
 * and the partitions appended after the ISO volume. */
struct iso_disk {
	bool mbr; /* sector 0 holds an MBR */
	bool gpt; /* a GPT follows it */
	uint8_t sector0[512];
	uint8_t *gpt_primary;		     /* LBA 1 on (header + entry array) */
	uint8_t *gpt_backup;		     /* the entry array + header, ending the image */
	size_t gpt_bytes;		     /* of each copy */
	uint64_t gpt_backup_off;	     /* byte offset of the backup copy */
	uint32_t append_lba[ISO_MAX_APPEND]; /* 2048-byte blocks; 0: slot unused */
	uint64_t append_size[ISO_MAX_APPEND];
	uint64_t bytes; /* the whole image file */
};

struct iso_image {
	const struct iso_opts *o;
	struct tree *tree;
	struct iso_name_rules rules;
	int64_t now;
	bool reproducible; /* SOURCE_DATE_EPOCH is set */
	bool warned_reloc; /* relocation without Rock Ridge was reported */
	struct iso_node *root, *rr_moved, *catalog;
	struct tree_node *synth[2]; /* rr_moved and catalog attributes (owned) */
	struct iso_node **all;	    /* every node, for freeing */
	size_t nall, allcap;
	struct iso_node **dirs;	     /* ISO directories in path table order */
	struct iso_node **dir_order; /* the same in extent order (layout.c) */
	size_t ndirs;
	struct iso_node **jdirs; /* Joliet directories in path table order */
	size_t njdirs;
	struct iso_node **files; /* regular files owning an extent, in data order */
	size_t nfiles;
	struct iso_boot_resolved *boot;
	size_t nboot;
	uint32_t next_ino;

	/* Locations (sectors). */
	uint32_t pvd_lba, br_lba, svd_lba, term_lba;
	uint32_t pt_size, pt_l, pt_m, jpt_size, jpt_l, jpt_m;
	uint32_t ce_lba, ce_sectors;
	uint32_t catalog_lba;
	uint32_t data_lba, data_end; /* file data region */
	uint32_t total;		     /* volume space size */
	uint32_t gpt_tail;	     /* blocks kept at the volume's end for the backup GPT */
	/* -partition_offset P: a second superblock and directory tree in
	 * which block 0 is the image's block P, so the volume also mounts
	 * from the partition starting there (as xorriso makes it). */
	uint32_t part_off;
	bool part_view;	  /* the partition's numbers are swapped in */
	uint32_t pvd_alt; /* absolute: P + 16 */
	uint32_t pt_l_alt, pt_m_alt, jpt_l_alt, jpt_m_alt, ce_lba_alt, catalog_alt;
	struct iso_disk disk;
	uint64_t data_bytes; /* for progress */

	/* Continuation areas: a cursor replayed identically by layout and write. */
	uint32_t ce_cur_sector, ce_cur_off;
	uint8_t *ce_data;  /* write pass only */
	uint8_t *su, *su2; /* scratch for system use entries */
	size_t su_cap, su2_cap;
};

/* layout.c */
int iso_layout(struct iso_image *img);
/* Swap between the image's numbers and the partition's (-partition_offset):
 * directory extents, path tables, continuation areas, file extents and
 * the catalog, all relative to the partition's start. */
void iso_partition_view(struct iso_image *img);
void iso_image_free(struct iso_image *img);
/* Number of directory records (sections) a file needs (level 3 splits). */
uint32_t iso_node_sections(const struct iso_node *n);
/* Encode the records of an ISO (joliet=false) or Joliet directory into buf
 * (NULL: only measure). Returns the directory's size in bytes (whole sectors). */
uint64_t iso_dir_emit(struct iso_image *img, struct iso_node *d, bool joliet, uint8_t *buf);

/* rockridge.c: system use entries of one directory record. */
enum iso_rr_rec { ISO_RR_SELF, ISO_RR_PARENT, ISO_RR_ENTRY };
/* Build the SUSP/RRIP entries of the record of kind rec for node n (for
 * ISO_RR_PARENT n is the directory whose ".." it is), place what fits in
 * avail bytes into out and the rest in continuation areas. Returns the
 * number of bytes placed in out. */
size_t iso_rr_record(struct iso_image *img, struct iso_node *n, enum iso_rr_rec rec, size_t avail,
		     uint8_t *out);
/* Mode, uid and gid as recorded (with -r rationalized, mkisofs rules). */
uint32_t iso_rr_mode(const struct iso_image *img, const struct tree_node *tn);

/* hybrid.c: the MBR, GPT and appended partitions of a laid-out image, and
 * where the boot images lie (boot[].lba). tmpl is the isohybrid MBR
 * template (NULL: none). */
int iso_disk_plan(struct iso_image *img, const uint8_t *tmpl, size_t tmpl_len, uint32_t disk_id,
		  uint64_t seed);
void iso_disk_free(struct iso_disk *d);

/* writer.c helpers */
int iso_write_image(struct iso_image *img, const char *out_path);

#endif
