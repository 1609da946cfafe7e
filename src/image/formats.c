/* The image formats mklive reads, in probe order: one line per format. A
 * format whose magic is at a fixed place comes before the ones that guess
 * from looser signs (FAT boot sectors, archives). */
#include "image/image.h"

#include "archive/archive.h"
#include "cloop/cloop.h"
#include "fat/reader.h"
#include "iso9660/reader.h"
#include "squashfs/reader.h"

const struct image_format image_formats[] = {
    /* name      probe        read      info        layer        probe_tail */
    {"iso9660", iso_probe, iso_read, iso_info, NULL, NULL},
    {"squashfs", sqfs_probe, sqfs_read, sqfs_info, NULL, NULL},
    {"cloop", cloop_probe, NULL, cloop_info, cloop_layer, cloop_probe_tail},
    {"fat", fat_probe, fat_read, fat_info, NULL, NULL},
    {"cpio", cpio_probe, cpio_read, cpio_info, NULL, NULL},
    {"tar", tar_probe, tar_read, tar_info, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
