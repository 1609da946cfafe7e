/* Internals shared by the ISO 9660 reader's files: the volume found by
 * the descriptor scan, directory record fields, and Rock Ridge attributes. */
#ifndef MKLIVE_ISO9660_READER_IMPL_H
#define MKLIVE_ISO9660_READER_IMPL_H

#include "core/imgsrc.h"
#include "iso9660/ecma119.h"

#include <stdbool.h>
#include <stdint.h>

/* Whole-image bounds against hostile input: a file name or a symlink
 * target longer than any Linux file system keeps, a chain of continuation
 * areas longer than any writer makes. */
#define ISO_RD_NAME_MAX 1024u
#define ISO_RD_LINK_MAX 4096u
#define ISO_RD_CE_HOPS 64u

struct iso_vol {
	uint32_t pvd_block;  /* primary volume descriptor */
	uint32_t svd_block;  /* Joliet supplementary descriptor, or 0 */
	int joliet_level;    /* 1..3 (escape %/@, %/C, %/E), 0: none */
	uint32_t boot_block; /* El Torito boot record, or 0 */
	uint32_t catalog;    /* boot catalog sector (from the boot record) */
	uint32_t space;	     /* volume space size, sectors (8.4.8) */
	uint8_t root[34];    /* the PVD's root directory record (8.4.18) */
	uint8_t jroot[34];   /* the SVD's */
	unsigned ndesc;
};

/* Scan the volume descriptor set (ECMA-119 8.1, from sector 16 to the
 * terminator). */
int iso_rd_volume(const struct imgsrc *src, struct iso_vol *v);

/* One directory record's fixed fields (ECMA-119 9.1). */
struct iso_rec {
	uint8_t len;
	uint32_t extent;
	uint32_t size;
	int64_t mtime;
	uint8_t flags;
	const uint8_t *name;
	uint8_t name_len;
	const uint8_t *su; /* system use area (9.1.13) */
	size_t su_len;
};
/* Decode the record at p (avail bytes left in its sector). */
int iso_rec_parse(const uint8_t *p, size_t avail, struct iso_rec *r);
/* 9.1.5 seven-byte date and 8.4.26.1 seventeen-byte date to Unix time. */
int64_t iso_date7(const uint8_t *p);
int64_t iso_date17(const uint8_t *p);

/* Rock Ridge (RRIP 1.10/1.12) and SUSP (1.10/1.12) attributes of a record. */
struct rr_attrs {
	bool any; /* some RRIP entry was seen */
	bool has_px, has_pn, has_tf, has_nm, has_sl;
	bool cl, re, pl, sf, zf;
	uint32_t mode, nlink, uid, gid, ino;
	bool has_ino;
	uint64_t rdev;
	int64_t mtime, atime, ctime;
	bool has_mtime, has_atime, has_ctime;
	uint32_t cl_extent; /* CL: where the relocated directory is */
	char name[ISO_RD_NAME_MAX + 1];
	size_t name_len;
	bool nm_current, nm_parent; /* NM flags 2 and 4: not a name */
	char *link;		    /* SL target (malloc'ed) */
	size_t link_len;
	bool sp;	  /* SP found (root '.' only) */
	unsigned sp_skip; /* its LEN_SKP */
	char er_id[256];  /* first ER extension identifier */
};

/* The state reading the system use areas needs across records. */
struct rr_ctx {
	const struct imgsrc *src;
	uint64_t ce_budget; /* continuation bytes left to read (bounded by the image) */
	unsigned skip;	    /* SP LEN_SKP */
};

/* Parse the system use area of a record (following CE continuation areas);
 * rec_off is the record's image offset for messages. */
int rr_parse(struct rr_ctx *c, const uint8_t *su, size_t su_len, uint64_t rec_off, struct rr_attrs *a);
void rr_attrs_free(struct rr_attrs *a);

#endif
