/* Internal to src/image: Partition tables (MBR, GPT) of an image, decoded for `mklive info`. */
#ifndef MKLIVE_IMAGE_PART_H
#define MKLIVE_IMAGE_PART_H

#include "core/imgsrc.h"

/* Adds "mbr partition N: ..." and "gpt ..." lines when src has them. */
void image_part_info(const struct imgsrc *src, struct imgsrc_info *info);

#endif
