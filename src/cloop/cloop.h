/* cloop compressed block device images (the cloop kernel module's format):
 * v2.0 (header first, zlib blocks) and v4.0 (per-block compressor flags,
 * header and index at the end), written through the compression engine. */
#ifndef MKLIVE_CLOOP_H
#define MKLIVE_CLOOP_H

#include "compress/compress.h"

#include <stdbool.h>
#include <stdint.h>

struct out_file;

/* ---- on-disk format (cloop.h of the cloop sources; see format.c) -------- */
#define CLOOP_HEAD_SIZE 136 /* 128-byte preamble + be32 block size + be32 count */
#define CLOOP_PREAMBLE_SIZE 128
#define CLOOP_SIG_OFFSET 0x0b /* "V2.0" / "V4.0" inside the preamble */
#define CLOOP_BLOCK_SIZE_DEFAULT 65536u
#define CLOOP_BLOCK_SIZE_MAX (64u << 20) /* qemu's limit; the module's kmalloc is smaller */

/* v4.0 per-block compressor, the top 4 bits of each index entry. */
enum cloop_method {
	CLOOP_M_ZLIB = 0,
	CLOOP_M_NONE = 1,
	CLOOP_M_XZ = 2,
	CLOOP_M_LZ4 = 3,
	CLOOP_M_LZO = 4, /* read: rejected (no LZO library here) */
	CLOOP_M_COUNT = 5,
};
#define CLOOP_OFFSET_MASK 0x0fffffffffffffffull

enum cloop_version { CLOOP_V2 = 2, CLOOP_V4 = 4 };

/* Encode the 136-byte header. */
void cloop_head_encode(uint8_t head[CLOOP_HEAD_SIZE], enum cloop_version v, uint32_t block_size,
		       uint32_t num_blocks);
/* Recognise a header (or its first 15 bytes); returns 2, 4, or 0. */
int cloop_head_version(const uint8_t *head);
/* The leading bytes of a v4 (header last) image: the module rejects a block
 * at offset 0, and they must not look like a header-first signature. */
#define CLOOP_V4_LEAD_SIZE 128
void cloop_v4_lead_encode(uint8_t lead[CLOOP_V4_LEAD_SIZE]);
static inline uint64_t cloop_index_entry(enum cloop_method m, uint64_t off)
{
	return (uint64_t)m << 60 | (off & CLOOP_OFFSET_MASK);
}
const char *cloop_method_name(enum cloop_method m);

/* ---- writer -------------------------------------------------------------- */
struct cloop_writer_opts {
	enum cloop_version version;
	uint32_t block_size;   /* multiple of 512 */
	struct comp_opts comp; /* v2: zlib only */
	int threads;	       /* <= 0: online CPUs */
	uint64_t input_size;   /* UINT64_MAX: unknown (stdin) */
	const char *spool_dir; /* v2 with unknown size: where compressed blocks wait */
	/* v4: store blocks that do not shrink uncompressed (flag 1). Off by
	 * default: the cloop module 3.14.1.3 (Debian's cloop-src) fails on
	 * every stored block (its uncompress() leaves err = -1 for them). */
	bool raw_blocks;
	struct comp_cache *cache; /* compressed blocks of earlier builds, or NULL */
};

struct cloop_stats {
	uint64_t in_bytes; /* bytes given to the writer */
	uint32_t num_blocks;
	uint64_t blocks_by_method[CLOOP_M_COUNT];
	uint64_t file_size; /* of the image */
};

struct cloop_writer;
int cloop_writer_create(struct cloop_writer **out, struct out_file *o, const struct cloop_writer_opts *opts);
/* Append input bytes. */
int cloop_writer_write(struct cloop_writer *w, const void *buf, size_t n);
/* Append everything read from fd until end of file (name for messages). */
int cloop_writer_write_fd(struct cloop_writer *w, int fd, const char *name);
/* Pad the last block, write index and header. Does not finish the out_file. */
int cloop_writer_finish(struct cloop_writer *w, struct cloop_stats *stats);
void cloop_writer_destroy(struct cloop_writer *w);

/* ---- options, input and the one-call writer ------------------------------ */
struct cloop_opts {
	struct cloop_writer_opts w; /* what the writer gets, once checked */
	bool format_set;	    /* --format given: no automatic v4 */
	bool best;		    /* -L -1 / -2: the best level of the compressor */
	int level;		    /* -1: the compressor's default */
	char *spool_dir;	    /* owned */
	uint64_t block_size;	    /* as given, checked by cloop_opts_check */
	char block_size_label[80];  /* how it was given ("" : not given) */
};
/* Defaults: v2.0, zlib, 64 KiB blocks, all CPUs. */
void cloop_opts_init(struct cloop_opts *o);
/* Set one option by key: block-size, compressor (zlib, xz, lz4, none),
 * level (a number, or -1/-2: the best), format (v2, v4), raw-blocks,
 * threads, spool-beside (a file whose directory holds the spool). Flags
 * take NULL (on) or a boolean word; label names the option in messages. */
int cloop_opts_set(struct cloop_opts *o, const char *key, const char *value, const char *label);
/* The rules: compressors other than zlib and stored blocks choose v4
 * unless a format was given, v2 holds only zlib, the best level. */
int cloop_opts_check(struct cloop_opts *o);
void cloop_opts_free(struct cloop_opts *o);
/* Open an image to read: a file, a block device, or "-" for standard
 * input. With seekable set, input that cannot seek (a pipe) is first
 * copied to an unnamed temporary file in $TMPDIR (a v4 header sits at the
 * end). *size is UINT64_MAX when unknown (a pipe, seekable not set). */
int cloop_input_open(const char *path, bool seekable, int *fd, uint64_t *size);
/* Compress the image at in_path ("-": standard input) into out_path
 * ("-": standard output). stats may be NULL. */
int cloop_write(const char *in_path, const struct cloop_opts *o, const char *out_path,
		struct cloop_stats *stats);

/* ---- reader -------------------------------------------------------------- */
struct cloop_info {
	enum cloop_version version;
	bool header_first;
	uint32_t block_size;
	uint32_t num_blocks;
	uint64_t file_size;
	uint64_t data_bytes; /* sum of compressed block lengths */
	uint64_t blocks_by_method[CLOOP_M_COUNT];
};

struct cloop_reader;
/* Parse and check header and index of the image in fd (size bytes). */
int cloop_reader_open(struct cloop_reader **out, int fd, uint64_t size, const char *name);
/* The same on an image source (a cloop file inside another image); the
 * reader keeps its own reference to the source. */
struct imgsrc;
int cloop_reader_open_src(struct cloop_reader **out, const struct imgsrc *src);
const struct cloop_info *cloop_reader_info(const struct cloop_reader *r);
/* Decompress block i into buf (block_size bytes); checks the inflated size. */
int cloop_reader_read_block(struct cloop_reader *r, uint32_t i, uint8_t *buf);
void cloop_reader_close(struct cloop_reader *r);
/* Every block, in order, to o (num_blocks * block_size bytes: the last
 * block zero-padded), with a progress meter. Does not finish o. */
int cloop_extract(struct cloop_reader *r, struct out_file *o);
/* What `mklive info` and `mklive cloop info` say of an image: "key:
 * value" lines. */
struct imgsrc_info;
void cloop_info_lines(const struct cloop_info *in, struct imgsrc_info *info);

/* ---- as an image layer (core/imgsrc.h, image/formats.c) -----------------
 * A cloop file is a compressed block device: its decompressed bytes are
 * another image (usually ISO 9660), so the image layer reads through it. */
struct tree_node;
bool cloop_probe(const uint8_t *head, size_t len, uint64_t size);
bool cloop_probe_tail(const uint8_t *tail, size_t len, uint64_t size); /* v4: header at the end */
int cloop_info(const struct imgsrc *src, struct imgsrc_info *info);
/* The decompressed device as a detached node (free it with
 * tree_node_free_detached), its data decoded on demand. */
int cloop_layer(const struct imgsrc *src, struct tree_node **dev);

#endif
