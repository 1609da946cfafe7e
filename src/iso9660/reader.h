/* The ISO 9660 reader: Rock Ridge, Joliet and plain ECMA-119 images read
 * into a tree (core/imgsrc.h has the contract), and what `mklive info`
 * says of them (volume descriptors, El Torito boot catalog). */
#ifndef MKLIVE_ISO9660_READER_H
#define MKLIVE_ISO9660_READER_H

#include "core/imgsrc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool iso_probe(const uint8_t *head, size_t len, uint64_t size);
int iso_read(const struct imgsrc *src, struct tree *t);
int iso_info(const struct imgsrc *src, struct imgsrc_info *info);

#endif
