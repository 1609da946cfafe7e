/* Joliet: the supplementary volume descriptor's UCS-2 identifiers. (Joliet
 * file identifiers are made in names.c; its directories by layout.c.) */
#ifndef MKLIVE_ISO9660_JOLIET_H
#define MKLIVE_ISO9660_JOLIET_H

#include <stddef.h>
#include <stdint.h>

/* UTF-8 string to UCS-2BE (BMP only, others become '_'), at most
 * max_chars characters. Returns the byte length. */
size_t iso_joliet_str(const char *s, uint8_t *out, size_t max_chars);

#endif
