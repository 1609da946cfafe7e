/* Internal to src/iso9660: ECMA-119 (ISO 9660) on-disk records: volume descriptors, directory
 * records, path table records, dates, both-byte-order numbers. */
#ifndef MKLIVE_ISO9660_ECMA119_H
#define MKLIVE_ISO9660_ECMA119_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISO_BLOCK 2048u
#define ISO_SYSTEM_AREA 16u /* sectors 0..15 (ECMA-119 6.2.1) */
#define ISO_DR_BASE 33u	    /* fixed part of a directory record (9.1) */
#define ISO_DR_MAX 254u	    /* 9.1.1: one length byte, and records have even length */
#define ISO_PT_BASE 8u	    /* fixed part of a path table record (9.4) */
#define ISO_VD_PRIMARY 1
#define ISO_VD_SUPPLEMENTARY 2
#define ISO_VD_BOOT 0
#define ISO_VD_TERMINATOR 255
#define ISO_MAX_EXTENT 0xFFFFF800u /* largest extent that is a whole number of blocks */

/* Directory record flags (9.1.6). */
#define ISO_DR_HIDDEN 0x01
#define ISO_DR_DIR 0x02
#define ISO_DR_MULTI 0x80

/* 7.2.3 / 7.3.3: both-byte-order 16 and 32-bit numbers. */
void iso_put_723(uint8_t *p, uint16_t v);
void iso_put_733(uint8_t *p, uint32_t v);
/* 9.1.5: 7-byte recording date, UTC. */
void iso_put_dr_date(uint8_t *p, int64_t t);
/* 8.4.26.1: 17-byte "YYYYMMDDHHMMSScc" + zone; t < 0 writes the "not
 * specified" form (all digits '0', zone 0). */
void iso_put_vd_date(uint8_t *p, int64_t t);
/* Copy s into a space-padded field of n bytes (8.4.x a/d-character fields). */
void iso_put_strpad(uint8_t *p, size_t n, const char *s);

/* Length of a directory record with a name of name_len bytes and su_len
 * bytes of system use: 33 + name + pad to even + system use (+ pad). */
size_t iso_dr_len(size_t name_len, size_t su_len);

struct iso_dr {
	uint32_t extent;
	uint32_t size;
	int64_t mtime;
	uint8_t flags;
	const uint8_t *name; /* identifier bytes; "\0" for '.', "\1" for '..' */
	size_t name_len;
	const uint8_t *su; /* system use bytes (Rock Ridge) */
	size_t su_len;
};
/* Encode a directory record at p (iso_dr_len bytes); returns its length. */
size_t iso_dr_encode(uint8_t *p, const struct iso_dr *r);

/* Path table record length (9.4) for an identifier of name_len bytes. */
size_t iso_pt_len(size_t name_len);
/* Encode one path table record; big_endian selects the M table (9.4.3). */
size_t iso_pt_encode(uint8_t *p, const uint8_t *name, size_t name_len, uint32_t extent, uint16_t parent,
		     bool big_endian);

/* Fields of a primary (type 1) or supplementary (type 2) volume descriptor.
 * Identifier strings are already encoded (Joliet: UCS-2BE) with their byte
 * length; they are padded with spaces (UCS-2 spaces for Joliet). */
struct iso_vd {
	uint8_t type;
	bool joliet; /* escape sequence %/E (UCS-2 level 3), UCS-2 padding */
	const uint8_t *system_id;
	size_t system_id_len;
	const uint8_t *volume_id;
	size_t volume_id_len;
	const uint8_t *volset_id;
	size_t volset_id_len;
	const uint8_t *publisher_id;
	size_t publisher_id_len;
	const uint8_t *preparer_id;
	size_t preparer_id_len;
	const uint8_t *application_id;
	size_t application_id_len;
	uint32_t volume_space; /* sectors */
	uint32_t pt_size;      /* bytes */
	uint32_t pt_l, pt_m;   /* path table locations */
	uint32_t root_extent, root_size;
	int64_t root_mtime;
	int64_t created; /* creation, modification and effective date */
};
/* Encode a 2048-byte volume descriptor. */
void iso_vd_encode(uint8_t *p, const struct iso_vd *v);
/* Volume descriptor set terminator (8.3). */
void iso_vd_terminator(uint8_t *p);

/* The ECMA-119 9.3 order of file identifiers: name part, then extension,
 * each as if padded with spaces, then version (higher first). */
int iso_name_cmp(const char *a, const char *b);

#endif
