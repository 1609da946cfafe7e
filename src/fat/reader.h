/* The FAT12/16/32 reader (also inside an MBR partition): long and 8.3
 * names read into a tree (core/imgsrc.h has the contract), and what
 * `mklive info` says of the file system. */
#ifndef MKLIVE_FAT_READER_H
#define MKLIVE_FAT_READER_H

#include "core/imgsrc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool fat_probe(const uint8_t *head, size_t len, uint64_t size);
int fat_read(const struct imgsrc *src, struct tree *t);
int fat_info(const struct imgsrc *src, struct imgsrc_info *info);

#endif
