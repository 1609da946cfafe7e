/* Internal interfaces between the parts of the squashfs reader: image and
 * tables (reader.c), metadata blocks (reader_meta.c), inodes and
 * directories (reader_dir.c), xattrs (reader_xattr.c) and file data with
 * its caches and decompression threads (reader_data.c). */
#ifndef MKLIVE_SQUASHFS_READER_IMPL_H
#define MKLIVE_SQUASHFS_READER_IMPL_H

#include "compress/compress.h"
#include "squashfs/format.h"
#include "squashfs/reader.h"

#include <pthread.h>

/* One file's data: its block list lives in the reader's pool of size
 * words (the inode's own encoding: bit 24 stored raw, the low 24 bits the
 * size on disk, 0 a hole). */
struct sqfs_rfile {
	uint64_t blocks_start; /* image offset of block 0 */
	uint64_t size;
	uint64_t disk_bytes; /* of its blocks */
	uint32_t first;	     /* its first word in the pool */
	uint32_t nblocks;
	uint32_t frag; /* SQFS_NO_FRAGMENT or the fragment index */
	uint32_t frag_off;
};

struct sqfs_frag {
	uint64_t start;
	uint32_t size_word;
	uint64_t used; /* tail bytes of files in it (for stored sizes) */
};

#define SQFS_MCACHE 32 /* decompressed metadata blocks kept */
struct sqfs_mblock {
	uint64_t off;  /* image offset of its header */
	uint64_t next; /* image offset of the next block */
	uint64_t stamp;
	uint32_t len; /* decompressed bytes */
	bool valid;
	uint8_t *data; /* SQFS_META_SIZE bytes, allocated on first use */
};

/* Per-thread decompressor state (reused: the libraries' contexts cost
 * more to set up than a small block takes to decode). */
struct sqfs_dec;
/* A reader's decoder, compressed-block buffer and block cursor, taken for
 * one read (reader_data.c). */
struct sqfs_ctx;
/* Streams of sequential reads followed by read-ahead at once: a few
 * writers walking files in order, or one reader comparing two files. */
#define SQFS_RA_STREAMS 4

/* A decompressed data block or fragment block, in the cache. */
enum { SLOT_FREE, SLOT_PENDING, SLOT_READY, SLOT_FAILED };
struct sqfs_slot {
	uint64_t key; /* image offset of a data block; fragment index | SQFS_KEY_FRAG */
	uint64_t stamp;
	int state;
	bool queued; /* on the job queue, not yet taken by a thread */
	unsigned pins;
	uint32_t len;  /* decompressed */
	uint32_t want; /* decompressed length expected (0: up to the block size) */
	uint8_t *buf;  /* block_size bytes */
	uint8_t *cin;  /* the compressed bytes of a queued job */
	uint32_t clen;
	int err;
	char *msg;
	struct sqfs_slot *next_job;
	struct sqfs_slot *hnext; /* the next slot in its hash bucket */
	bool hashed;		 /* in the bucket of key */
};
#define SQFS_KEY_FRAG (1ull << 63)

struct sqfs_rd {
	struct imgsrc src; /* own reference to the image's bytes */
	struct sqfs_super sb;
	enum comp_codec codec;
	bool lzma;    /* the legacy LZMA (lzma_alone) container */
	uint64_t end; /* bytes_used: nothing lies beyond */

	uint32_t *ids;
	struct sqfs_frag *frags;
	uint64_t xattr_kv;  /* start of the key/value blocks */
	uint8_t *xattr_ids; /* 16-byte records */
	uint32_t nxattr_ids;

	struct sqfs_mblock *mc; /* SQFS_MCACHE entries */
	uint64_t mstamp;

	struct sqfs_rfile *files;
	size_t nfiles, files_cap;
	uint32_t *pool;
	size_t npool, pool_cap, pool_max;
	uint64_t nodes, nodes_max;
	uint64_t bytes, bytes_max; /* symlink targets and xattrs given to nodes */
	struct tree_img *img;

	/* file data: the cache, decompression threads, and what readers
	 * decode with (any number of threads read at once) */
	pthread_mutex_t mu;
	pthread_cond_t job_cv, done_cv;
	struct sqfs_slot *slots;
	size_t nslots;
	uint64_t dstamp;
	struct sqfs_slot *jobs, *jobs_tail;
	pthread_t *workers;
	int nworkers, want_workers;
	bool started, stop;
	struct sqfs_dec *dec;	   /* metadata's (read by one thread, before any data) */
	struct sqfs_ctx *ctx_free; /* readers' decoders not in use (under mu) */
	struct sqfs_ctx *ctx_all;  /* every one made, freed with the reader */
	/* reads of a source that is itself decoded by a reader that takes one
	 * caller at a time (a squashfs inside a cloop layer) */
	bool src_serial;
	pthread_mutex_t src_mu;
	/* slots by key: the cache is looked up for every block read and queued */
	struct sqfs_slot **hash;
	unsigned hash_bits;
	/* read-ahead, under ra_mu (a reader that finds it held goes on without
	 * reading ahead): the streams of reads in file order being followed,
	 * each a high-water mark: the walk position (file, block, its image
	 * offset) up to which blocks were queued, and its index in the walk
	 * (ra_walk[fi] + block: every file has a position per block and one
	 * for its fragment), so each read queues only the blocks new to its
	 * window */
	pthread_mutex_t ra_mu;
	uint64_t *ra_walk; /* nfiles + 1 entries, made when threads start */
	struct sqfs_ra {
		bool valid;
		size_t file;
		uint32_t block;
		uint64_t at, seq, stamp;
	} ra[SQFS_RA_STREAMS];
	uint64_t ra_stamp;
};

/* reader.c */
int sqfs_rd_error(const struct sqfs_rd *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sqfs_rd_pread(struct sqfs_rd *r, void *buf, size_t len, uint64_t off, const char *what);
void sqfs_rd_free(struct sqfs_rd *r);

/* reader_meta.c: a metadata stream of the table at `table`, from the block
 * at table + *blk, offset *off in it; both advance past the bytes read. */
int sqfs_meta_read(struct sqfs_rd *r, uint64_t table, uint64_t *blk, uint32_t *off, void *buf, size_t len,
		   const char *what);
/* A lookup table (ids, fragments, xattr ids): count entries of esize
 * bytes in metadata blocks listed by u64 locations at idx. */
int sqfs_lookup_read(struct sqfs_rd *r, uint64_t idx, uint64_t count, size_t esize, uint8_t **out,
		     const char *what);

/* reader_dir.c: the whole directory tree into t. */
int sqfs_dir_read(struct sqfs_rd *r, struct tree *t);

/* reader_xattr.c: the attribute set idx onto n (of the inode at inode_at). */
int sqfs_xattr_load(struct sqfs_rd *r, struct tree_node *n, uint32_t idx, uint64_t inode_at);

/* reader_data.c */
extern const struct tree_img_ops sqfs_img_ops;
int sqfs_data_init(struct sqfs_rd *r, int threads);
void sqfs_data_free(struct sqfs_rd *r);
/* Decompress in[0..len) into out (cap bytes); the decompressed length. */
struct sqfs_dec *sqfs_dec_create(void);
void sqfs_dec_destroy(struct sqfs_dec *d);
ssize_t sqfs_decompress(struct sqfs_rd *r, struct sqfs_dec *d, const void *in, size_t len, void *out,
			size_t cap);

#endif
