/* Squashfs superblock and compressor-options records (squashfs.rst
 * "Superblock", "Compression options"). */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/format.h"

#include <string.h>

void sqfs_super_encode(uint8_t out[SQFS_SUPER_SIZE], const struct sqfs_super *s)
{
	memset(out, 0, SQFS_SUPER_SIZE);
	put_le32(out + 0, SQFS_MAGIC);
	put_le32(out + 4, s->inode_count);
	put_le32(out + 8, s->mod_time); /* mkfs time */
	put_le32(out + 12, s->block_size);
	put_le32(out + 16, s->frag_count);
	put_le16(out + 20, s->compressor);
	put_le16(out + 22, s->block_log); /* log2(block_size), checked by the kernel */
	put_le16(out + 24, s->flags);
	put_le16(out + 26, s->id_count);
	put_le16(out + 28, 4); /* version 4.0 */
	put_le16(out + 30, 0);
	put_le64(out + 32, s->root_inode);
	put_le64(out + 40, s->bytes_used); /* unpadded image size */
	put_le64(out + 48, s->id_table);
	put_le64(out + 56, s->xattr_id_table);
	put_le64(out + 64, s->inode_table);
	put_le64(out + 72, s->dir_table);
	put_le64(out + 80, s->frag_table);
	put_le64(out + 88, s->export_table);
}
_Static_assert(SQFS_SUPER_SIZE == 96, "squashfs superblock is 96 bytes");

int sqfs_super_decode(const uint8_t in[SQFS_SUPER_SIZE], struct sqfs_super *s)
{
	if (get_le32(in) != SQFS_MAGIC)
		return err_set(ERR_FORMAT, "not a squashfs image (bad magic)");
	s->inode_count = get_le32(in + 4);
	s->mod_time = get_le32(in + 8);
	s->block_size = get_le32(in + 12);
	s->frag_count = get_le32(in + 16);
	s->compressor = get_le16(in + 20);
	s->block_log = get_le16(in + 22);
	s->flags = get_le16(in + 24);
	s->id_count = get_le16(in + 26);
	s->version_major = get_le16(in + 28);
	s->version_minor = get_le16(in + 30);
	s->root_inode = get_le64(in + 32);
	s->bytes_used = get_le64(in + 40);
	s->id_table = get_le64(in + 48);
	s->xattr_id_table = get_le64(in + 56);
	s->inode_table = get_le64(in + 64);
	s->dir_table = get_le64(in + 72);
	s->frag_table = get_le64(in + 80);
	s->export_table = get_le64(in + 88);
	if (s->version_major != 4 || s->version_minor != 0)
		return err_set(ERR_FORMAT, "squashfs version %u.%u is not supported (only 4.0)",
			       s->version_major, s->version_minor);
	/* block_log is checked before it is used as a shift: 4 KiB..1 MiB
	 * blocks, log 12..20, and the two must agree (the kernel's rule). */
	if (s->block_log < 12 || s->block_log > 20 || s->block_size != (1u << s->block_log))
		return err_set(ERR_FORMAT, "bad squashfs block size %u (log %u): 4K to 1M, a power of two",
			       s->block_size, s->block_log);
	return 0;
}

/* Written only where mksquashfs writes them, so that both tools produce the
 * same kind of image: gzip and zstd when the level differs from the
 * default (9, 15), always for lz4 (the kernel refuses lz4 images without
 * them), never for xz (dictionary = block size, no BCJ filter, which is the
 * default the kernel assumes). */
size_t sqfs_comp_opts_encode(uint8_t out[8], int sqfs_comp, int level, uint32_t block_size)
{
	memset(out, 0, 8);
	switch (sqfs_comp) {
	case SQFS_COMP_GZIP:
		if (level == 9)
			return 0;
		put_le32(out, (uint32_t)level); /* compression_level */
		put_le16(out + 4, 15);		/* window_size */
		put_le16(out + 6, 0);		/* strategies: none selected */
		return 8;
	case SQFS_COMP_ZSTD:
		if (level == 15)
			return 0;
		put_le32(out, (uint32_t)level);
		return 4;
	case SQFS_COMP_LZ4:
		put_le32(out, 1);	       /* version: LZ4_LEGACY */
		put_le32(out + 4, level >= 2); /* flags: LZ4_HC */
		return 8;
	default:
		(void)block_size;
		return 0;
	}
}

static const struct sqfs_comp comps[] = {
    {SQFS_COMP_GZIP, "gzip", COMP_ZLIB, true}, {SQFS_COMP_LZMA, "lzma", COMP_XZ, false},
    {SQFS_COMP_LZO, "lzo", COMP_NONE, false},  {SQFS_COMP_XZ, "xz", COMP_XZ, true},
    {SQFS_COMP_LZ4, "lz4", COMP_LZ4, true},    {SQFS_COMP_ZSTD, "zstd", COMP_ZSTD, true},
};

const struct sqfs_comp *sqfs_comp_by_id(unsigned id)
{
	for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++)
		if (comps[i].id == id)
			return &comps[i];
	return NULL;
}

const struct sqfs_comp *sqfs_comp_by_codec(enum comp_codec c)
{
	for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++)
		if (comps[i].writable && comps[i].codec == c)
			return &comps[i];
	return NULL;
}

const char *sqfs_comp_name(unsigned id)
{
	const struct sqfs_comp *c = sqfs_comp_by_id(id);
	return c ? c->name : "unknown";
}
