/* Internal to src/iso9660: Joliet: UCS-2 file identifiers and the supplementary volume descriptor's
 * identifiers (the Joliet directories are laid out by layout.c). */
#ifndef MKLIVE_ISO9660_JOLIET_H
#define MKLIVE_ISO9660_JOLIET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Joliet file identifier of a host name (UTF-8): UCS-2BE, at most 64
 * characters, ";1" after file names; out gets ISO_JOLIET_NAME_MAX bytes. */
size_t iso_name_joliet(const char *name, bool is_dir, uint8_t *out);
/* Compare UCS-2BE identifiers (byte order = code unit order). */
int iso_joliet_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

/* UTF-8 string to UCS-2BE (BMP only, others become '_'), at most
 * max_chars characters. Returns the byte length. */
size_t iso_joliet_str(const char *s, uint8_t *out, size_t max_chars);

#endif
