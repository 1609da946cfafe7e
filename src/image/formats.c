/* The image formats mklive reads, in probe order: one line per format. A
 * format whose magic is at a fixed place comes before the ones that guess
 * from looser signs (FAT boot sectors, archives). And the formats a build
 * writes its root image in, one line each. */
#include "image/image.h"

#include "archive/archive.h"
#include "cloop/cloop.h"
#include "fat/reader.h"
#include "iso9660/iso.h"
#include "iso9660/reader.h"
#include "squashfs/reader.h"
#include "squashfs/squashfs.h"
#include "version.h"

#include <strings.h>
#include <unistd.h>

/* squashfs with the decoding threads asked for */
static int sqfs_read_threads(const struct imgsrc *src, struct tree *t)
{
	struct sqfs_read_opts o;
	sqfs_read_opts_init(&o);
	o.threads = image_decode_threads();
	return sqfs_read_src(src, t, &o);
}

const struct image_format image_formats[] = {
    /* name      probe        read      info        layer        probe_tail */
    {"iso9660", iso_probe, iso_read, iso_info, NULL, NULL},
    {"squashfs", sqfs_probe, sqfs_read_threads, sqfs_info, NULL, NULL},
    {"cloop", cloop_probe, NULL, cloop_info, cloop_layer, cloop_probe_tail},
    {"fat", fat_probe, fat_read, fat_info, NULL, NULL},
    {"cpio", cpio_probe, cpio_read, cpio_info, NULL, NULL},
    {"tar", tar_probe, tar_read, tar_info, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- writers ------------------------------------------------------------------- */

static void sqfs_init_(void *o)
{
	sqfs_opts_init(o);
}
static int sqfs_set_(void *o, const char *key, const char *value, const char *label)
{
	return sqfs_opts_set(o, key, value, label);
}
static int sqfs_check_(void *o)
{
	return sqfs_opts_check(o);
}
static void sqfs_free_(void *o) {}
static void sqfs_cache_(void *o, struct comp_cache *cache)
{
	((struct sqfs_opts *)o)->cache = cache;
}
static int sqfs_write_(struct tree *t, const void *o, const char *path, const char *scratch)
{
	return sqfs_write(t, o, path, NULL);
}

static void cloop_init_(void *o)
{
	cloop_opts_init(o);
}
static int cloop_set_(void *o, const char *key, const char *value, const char *label)
{
	return cloop_opts_set(o, key, value, label);
}
static int cloop_check_(void *o)
{
	return cloop_opts_check(o);
}
static void cloop_free_(void *o)
{
	cloop_opts_free(o);
}
static void cloop_cache_(void *o, struct comp_cache *cache)
{
	((struct cloop_opts *)o)->w.cache = cache;
}
/* A tree as cloop holds it: ISO 9660 (Rock Ridge, owners and modes as
 * they are) inside cloop, as Knoppix's. */
static int cloop_write_(struct tree *t, const void *o, const char *path, const char *scratch)
{
	struct iso_opts io;
	int rc;
	iso_opts_init(&io);
	if (!(rc = iso_opts_set(&io, "level", "3", NULL)) && !(rc = iso_opts_set(&io, "rock", NULL, NULL)) &&
	    !(rc = iso_opts_set(&io, "volume-id", "MKLIVE_ROOT", NULL)) &&
	    !(rc = iso_opts_set(&io, "application-id", "MKLIVE " MKLIVE_VERSION, NULL)) &&
	    !(rc = iso_opts_check(&io)) && !(rc = iso_write(t, &io, scratch, NULL)))
		rc = cloop_write(scratch, o, path, NULL);
	unlink(scratch);
	iso_opts_free(&io);
	return rc;
}

const struct image_writer image_writers[] = {
    {"squashfs", "zstd|xz|gzip|lz4", "zlib=gzip", "comp", "Xcompression-level", "b", "processors",
     sizeof(struct sqfs_opts), sqfs_init_, sqfs_set_, sqfs_check_, sqfs_free_, sqfs_cache_, sqfs_write_},
    {"cloop", "zlib|xz|lz4", "gzip=zlib", "compressor", "level", "block-size", "threads",
     sizeof(struct cloop_opts), cloop_init_, cloop_set_, cloop_check_, cloop_free_, cloop_cache_,
     cloop_write_},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct image_writer *image_writer_find(const char *name)
{
	for (const struct image_writer *w = image_writers; w->name; w++)
		if (!strcasecmp(w->name, name))
			return w;
	return NULL;
}
