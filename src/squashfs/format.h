/* Internal to src/squashfs: Squashfs 4.0 on-disk constants and record encoders (little-endian byte
 * arrays; field offsets from the kernel's Documentation/filesystems/
 * squashfs.rst and squashfs-tools-ng doc/format.adoc). */
#ifndef MKLIVE_SQUASHFS_FORMAT_H
#define MKLIVE_SQUASHFS_FORMAT_H

#include "compress/compress.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQFS_MAGIC 0x73717368u /* "hsqs" */
#define SQFS_SUPER_SIZE 96
#define SQFS_META_SIZE 8192		   /* uncompressed bytes per metadata block */
#define SQFS_META_UNCOMPRESSED 0x8000u	   /* metadata block header: stored raw */
#define SQFS_BLOCK_UNCOMPRESSED 0x1000000u /* data block / fragment size word */
#define SQFS_NO_FRAGMENT 0xFFFFFFFFu
#define SQFS_NO_XATTR 0xFFFFFFFFu
#define SQFS_INVALID_TABLE 0xFFFFFFFFFFFFFFFFull
#define SQFS_DIR_MAX_ENTRIES 256 /* per directory header */
#define SQFS_PAD 4096		 /* images end on a 4 KiB boundary */

/* superblock compression ids */
enum {
	SQFS_COMP_GZIP = 1,
	SQFS_COMP_LZMA = 2,
	SQFS_COMP_LZO = 3,
	SQFS_COMP_XZ = 4,
	SQFS_COMP_LZ4 = 5,
	SQFS_COMP_ZSTD = 6
};

/* The compressors by superblock id: the one table of their names (as
 * mksquashfs spells them) and codecs; writable: mklive writes it. */
struct sqfs_comp {
	unsigned id;
	const char *name;
	enum comp_codec codec; /* lzma: COMP_XZ with the lzma flag; lzo: COMP_NONE */
	bool writable;
};
const struct sqfs_comp *sqfs_comp_by_id(unsigned id);
const struct sqfs_comp *sqfs_comp_by_codec(enum comp_codec c); /* writable ones */
/* The name for an id, "unknown" for an id no table has. */
const char *sqfs_comp_name(unsigned id);

/* superblock flags */
enum {
	SQFS_FLAG_UNCOMPRESSED_INODES = 0x0001,
	SQFS_FLAG_UNCOMPRESSED_DATA = 0x0002,
	SQFS_FLAG_UNCOMPRESSED_FRAGMENTS = 0x0008,
	SQFS_FLAG_NO_FRAGMENTS = 0x0010,
	SQFS_FLAG_ALWAYS_FRAGMENTS = 0x0020,
	SQFS_FLAG_DUPLICATES = 0x0040,
	SQFS_FLAG_EXPORTABLE = 0x0080,
	SQFS_FLAG_UNCOMPRESSED_XATTRS = 0x0100,
	SQFS_FLAG_NO_XATTRS = 0x0200,
	SQFS_FLAG_COMPRESSOR_OPTIONS = 0x0400,
	SQFS_FLAG_UNCOMPRESSED_IDS = 0x0800,
};

/* inode types; extended = basic + 7 */
enum {
	SQFS_DIR = 1,
	SQFS_REG,
	SQFS_SYMLINK,
	SQFS_BLKDEV,
	SQFS_CHRDEV,
	SQFS_FIFO,
	SQFS_SOCKET,
	SQFS_LDIR,
	SQFS_LREG,
	SQFS_LSYMLINK,
	SQFS_LBLKDEV,
	SQFS_LCHRDEV,
	SQFS_LFIFO,
	SQFS_LSOCKET,
};

/* xattr key type: namespace, plus a flag for a value stored out of line */
enum { SQFS_XATTR_USER = 0, SQFS_XATTR_TRUSTED = 1, SQFS_XATTR_SECURITY = 2, SQFS_XATTR_OOL = 0x100 };

/* A metadata reference: the start of the metadata block relative to its
 * table (upper 48 bits) and the offset inside the uncompressed block. */
static inline uint64_t sqfs_ref(uint64_t block, uint32_t offset)
{
	return block << 16 | offset;
}

/* ---- superblock (super.c) ------------------------------------------------- */
struct sqfs_super {
	uint32_t inode_count, mod_time, block_size, frag_count;
	uint16_t compressor, block_log, flags, id_count, version_major, version_minor;
	uint64_t root_inode, bytes_used, id_table, xattr_id_table, inode_table, dir_table, frag_table,
	    export_table;
};
void sqfs_super_encode(uint8_t out[SQFS_SUPER_SIZE], const struct sqfs_super *s);
/* 0, or ERR_FORMAT with a message if the bytes are not a squashfs 4.0 superblock. */
int sqfs_super_decode(const uint8_t in[SQFS_SUPER_SIZE], struct sqfs_super *s);
/* Compressor options record (squashfs.rst "Compression options") for the
 * codec, level and block size; returns its length (0: none is written). */
size_t sqfs_comp_opts_encode(uint8_t out[8], int sqfs_comp, int level, uint32_t block_size);

/* ---- inodes (inode.c) ------------------------------------------------------
 * Every inode starts with a 16-byte header; the encoders write the whole
 * record into out (sized by the caller from the *_size helpers) and return
 * its length. */
#define SQFS_INODE_HEADER_SIZE 16
struct sqfs_inode_hdr {
	uint16_t type, mode, uid_idx, gid_idx;
	uint32_t mtime, ino;
};
void sqfs_inode_hdr_encode(uint8_t out[16], const struct sqfs_inode_hdr *h);

struct sqfs_dir_inode {
	uint32_t start_block; /* of the listing, relative to the directory table */
	uint16_t offset;      /* inside that block */
	uint32_t nlink, file_size, parent_ino, xattr;
	uint16_t index_count; /* index entries follow an extended inode */
};
size_t sqfs_dir_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, const struct sqfs_dir_inode *d,
			     bool extended);

struct sqfs_file_inode {
	uint64_t blocks_start, file_size, sparse;
	uint32_t nlink, fragment, frag_offset, xattr;
	uint32_t nblocks;
	const uint32_t *block_sizes;
};
size_t sqfs_file_inode_size(const struct sqfs_file_inode *f, bool extended);
size_t sqfs_file_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, const struct sqfs_file_inode *f,
			      bool extended);

size_t sqfs_symlink_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, const char *target,
				 size_t len, uint32_t xattr, bool extended);
/* Devices (type SQFS_BLKDEV/CHRDEV in h), fifos and sockets. */
size_t sqfs_dev_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, uint32_t rdev,
			     uint32_t xattr, bool extended);
size_t sqfs_ipc_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, uint32_t xattr,
			     bool extended);
/* The kernel's new_encode_dev layout: minor low byte, major, minor high bits. */
uint32_t sqfs_encode_rdev(uint32_t major, uint32_t minor);

/* ---- directory records (dir.c) ------------------------------------------ */
#define SQFS_DIR_HEADER_SIZE 12
#define SQFS_DIR_ENTRY_SIZE 8  /* + name */
#define SQFS_DIR_INDEX_SIZE 12 /* + name */
void sqfs_dir_header_encode(uint8_t out[12], uint32_t count, uint32_t start_block, uint32_t ino);
size_t sqfs_dir_entry_encode(uint8_t *out, uint16_t offset, int16_t ino_delta, uint16_t type,
			     const char *name, size_t len);
size_t sqfs_dir_index_encode(uint8_t *out, uint32_t index, uint32_t start_block, const char *name,
			     size_t len);

/* ---- decoding (the reader) ------------------------------------------------ */
/* The inverse of sqfs_encode_rdev. */
static inline void sqfs_decode_rdev(uint32_t rdev, uint32_t *major, uint32_t *minor)
{
	*major = (rdev >> 8) & 0xfff;
	*minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}
/* A metadata block header: stored length and whether it is stored raw. */
static inline uint32_t sqfs_meta_hdr_len(uint16_t h)
{
	return h & 0x7fffu;
}
static inline bool sqfs_meta_hdr_raw(uint16_t h)
{
	return (h & SQFS_META_UNCOMPRESSED) != 0;
}
/* A data block or fragment size word: bytes on disk, stored raw or not. */
static inline uint32_t sqfs_block_len(uint32_t w)
{
	return w & (SQFS_BLOCK_UNCOMPRESSED - 1);
}
static inline bool sqfs_block_raw(uint32_t w)
{
	return (w & SQFS_BLOCK_UNCOMPRESSED) != 0;
}
/* Basic type of an inode type (extended = basic + 7). */
static inline unsigned sqfs_basic_type(unsigned type)
{
	return type > SQFS_SOCKET ? type - 7 : type;
}

#endif
