/* Internals of the FAT writer shared by its files and the unit tests:
 * geometry and boot sector, FAT tables, names and directory entries, MBR.
 * References: Microsoft "FAT: General Overview of On-Disk Format" 1.03
 * (cited as "FAT spec" with its section names). */
#ifndef MKLIVE_FAT_FAT_IMPL_H
#define MKLIVE_FAT_FAT_IMPL_H

#include "fat/fat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tree_node;

#define FAT_SECTOR 512u
#define FAT_DIRENT 32u

/* Cluster-count limits (FAT spec "FAT Type Determination": FAT12 below
 * 4085 clusters, FAT16 below 65525). Counts right at a boundary are
 * avoided, as dosfstools does, because some drivers get them wrong. */
#define FAT_MAX_CLUST_12 4084u
#define FAT_MIN_CLUST_16 4087u
#define FAT_MAX_CLUST_16 65524u
#define FAT_MIN_CLUST_32 65525u
#define FAT_MAX_CLUST_32 0x0FFFFFF5u

/* ---- geometry.c: BPB values, boot sector, FSInfo ---- */
struct fat_geom {
	int bits;	   /* 12, 16, 32 */
	uint32_t sectors;  /* BPB total sectors */
	uint8_t spc;	   /* sectors per cluster */
	uint16_t reserved; /* reserved sectors (boot sector...) */
	uint8_t nfats;
	uint16_t root_entries; /* 0 on FAT32 */
	uint32_t fat_sectors;  /* per FAT */
	uint8_t media;
	uint16_t spt, heads;
	uint32_t hidden; /* sectors before the filesystem (partition start) */
	uint8_t drive;	 /* BIOS drive number: 0x00 floppy, 0x80 disk */
	bool floppy;
	uint32_t root_sectors; /* FAT12/16 fixed root directory */
	uint32_t data_start;   /* first sector of cluster 2 */
	uint32_t clusters;     /* data clusters */
};

/* Compute the geometry for a filesystem of fs_bytes. bits 0 chooses as
 * mkfs.fat 4.2 does. partitioned: inside an MBR partition starting at
 * sector `hidden` (disk geometry 64 heads x 32 sectors). Fails (ERR_LIMIT,
 * message) if no valid FAT of that kind fits. */
int fat_geom_compute(uint64_t fs_bytes, int bits, bool partitioned, uint32_t hidden, struct fat_geom *g);
/* The standard floppy sizes in bytes, ascending, 0-terminated. */
extern const uint32_t fat_floppy_sizes[];
/* Encode the boot sector (512 bytes): jump, OEM name, BPB, extended BPB
 * with serial and label (11 bytes, space padded), and boot code that
 * prints "not a boot disk". */
void fat_boot_sector(const struct fat_geom *g, uint32_t serial, const uint8_t label[11], uint8_t out[512]);
/* FAT32 FSInfo sector. */
void fat_fsinfo(uint32_t free_count, uint32_t next_free, uint8_t out[512]);
/* x86 real-mode code that prints the "not a boot disk" message when loaded
 * at 0x7C00 with its first byte at offset `at` of the sector; returns its
 * length (fits in 420 bytes). */
size_t fat_boot_code(uint8_t *dst, size_t at);

/* ---- table.c: cluster allocation and FAT encoding ---- */
/* Clusters are handed out contiguously from cluster 2 in the order the
 * writer lays files out, so a chain is a run [first, first + n) and the FAT
 * is known from the runs' ends. */
struct fat_alloc {
	uint32_t next;	/* next free cluster */
	uint32_t limit; /* 2 + number of data clusters */
	uint8_t *ends;	/* bit per cluster: last cluster of a chain */
	size_t ends_cap;
};
void fat_alloc_init(struct fat_alloc *a, uint32_t clusters);
void fat_alloc_free(struct fat_alloc *a);
/* Allocate a chain of n > 0 clusters; returns its first cluster, or 0 if
 * the filesystem is full. */
uint32_t fat_alloc_chain(struct fat_alloc *a, uint32_t n);
/* Encode one FAT: entries 0 and 1, then the chains. *len is the used part
 * rounded up to a sector (the rest of the FAT is zero). */
void fat_table_encode(const struct fat_geom *g, const struct fat_alloc *a, uint8_t **buf, size_t *len);
/* Read entry k of an encoded FAT (for tests). */
uint32_t fat_table_get(int bits, const uint8_t *fat, uint32_t k);

/* ---- dir.c: names, 8.3 aliases, long-name entries, directory records ---- */
/* Checks a name against what a VFAT long name can hold: no control
 * characters, none of "*\/:<>?\|, no trailing dot or space, valid UTF-8,
 * at most 255 UTF-16 units. Sets an error naming `path`. */
int fat_name_check(const char *name, const char *path);
/* A volume label as FAT stores it (11 bytes, upper case, space-padded). */
int fat_label_parse(const char *s, uint8_t out[11]);
/* UTF-8 to UTF-16; returns the number of units, or -1 if invalid or
 * longer than max. */
int fat_utf16(const char *s, uint16_t *out, size_t max);
/* FAT spec "Long Directory Entries": checksum of an 11-byte short name. */
uint8_t fat_lfn_checksum(const uint8_t sn[11]);
/* If name is a plain 8.3 name (valid short characters, each part one
 * case), fill sn and the NT case flags (0x08 lower base, 0x10 lower
 * extension) and return true: no long name is needed. */
bool fat_short_exact(const char *name, uint8_t sn[11], uint8_t *ntcase);
/* FAT spec "Basis-Name Generation": the basis short name of a long name. */
void fat_short_basis(const char *name, uint8_t sn[11]);
/* Numeric tail "~n" on a basis name (n >= 1). */
void fat_short_tail(const uint8_t basis[11], unsigned n, uint8_t out[11]);
/* Encode a FAT date and time (UTC; clamped to 1980..2107). */
void fat_time_encode(int64_t t, uint32_t ns, uint16_t *date, uint16_t *time, uint8_t *tenths);

/* Per-node layout data the writer keeps in tree_node.user. */
struct fat_ent {
	uint8_t sn[11];
	uint8_t ntcase;
	uint8_t nlfn;	  /* long-name entries before the short one */
	bool skip;	  /* not stored (special file) */
	uint32_t entries; /* directories: number of 32-byte records */
	uint32_t first;	  /* first cluster (0: none) */
	uint32_t nclust;
};
/* Give every child of dir (their tree_node.user is a struct fat_ent) its
 * short name and long-name entry count, checking names, case-insensitive
 * duplicates and the per-directory limit; sets the directory's record
 * count. label: the root's volume label record (NULL: none). */
int fat_dir_names(struct tree_node *dir, bool is_root, bool has_label);
/* Encode a directory's records into buf (entries * 32 bytes). */
void fat_dir_encode(const struct tree_node *dir, bool is_root, const uint8_t *label, uint8_t *buf);

/* ---- mbr.c ---- */
/* MBR with one active partition of type `type` from LBA start, count
 * sectors, CHS with 64 heads x 32 sectors. code: up to 440 bytes (NULL: a
 * "not a boot disk" message). */
void fat_mbr(uint8_t out[512], const uint8_t *code, size_t code_len, uint32_t disk_id, uint8_t type,
	     uint32_t start, uint32_t count);
#define FAT_PART_HEADS 64u
#define FAT_PART_SPT 32u
#define FAT_PART_START 2048u /* 1 MiB: one cylinder of 64 x 32 */

#endif
