/* Internal to src/iso9660: File identifiers: ECMA-119 levels 1-3 name mangling (d-characters, 8.3 or
 * 31 characters, version ";1") and deterministic uniqueness within a
 * directory (for Joliet names too, made in joliet.c). */
#ifndef MKLIVE_ISO9660_NAMES_H
#define MKLIVE_ISO9660_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISO_NAME_MAX 40 /* bytes: 31 characters + ";1" and slack */
#define ISO_JOLIET_MAX_CHARS 64
#define ISO_JOLIET_NAME_MAX 132 /* bytes: (64 + ";1") UCS-2BE */

struct iso_name_rules {
	int level;	 /* 1..3 */
	bool long_names; /* -l */
};

/* An identifier as bytes (ASCII d-characters, or UCS-2BE for Joliet). */
struct iso_name {
	uint8_t *bytes;
	uint8_t len;
	bool is_dir;
};

/* ECMA-119 7.5/7.6: map a host name (UTF-8) to d-characters, upper case,
 * "NAME.EXT;1" for files and "NAME" for directories; out gets at most
 * ISO_NAME_MAX bytes. Returns the length. */
size_t iso_name_mangle(const char *name, bool is_dir, const struct iso_name_rules *r, uint8_t *out);

/* Make the n names of one directory unique, in place. Names are given in the
 * order of the host names; the first of equal names keeps its identifier,
 * later ones get the smallest free numbered variant (digits replace the end
 * of the name part). joliet selects UCS-2 variants. */
void iso_names_uniquify(struct iso_name **names, size_t n, bool joliet, const struct iso_name_rules *r);

#endif
