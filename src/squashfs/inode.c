/* Squashfs inode records: the common header and the basic and extended
 * forms of every file type (squashfs.rst "Inodes"). */
#include "core/util.h"
#include "squashfs/format.h"

#include <string.h>

void sqfs_inode_hdr_encode(uint8_t out[16], const struct sqfs_inode_hdr *h)
{
	put_le16(out + 0, h->type);
	put_le16(out + 2, h->mode & 07777); /* permissions only; the type is in the inode type */
	put_le16(out + 4, h->uid_idx);	    /* index into the id table */
	put_le16(out + 6, h->gid_idx);
	put_le32(out + 8, h->mtime);
	put_le32(out + 12, h->ino); /* 1 .. inode_count */
}

/* Basic directory (32 bytes): start_block u32 @16, nlink u32 @20,
 * file_size u16 @24, offset u16 @26, parent u32 @28.
 * Extended (40 bytes + index): nlink u32 @16, file_size u32 @20,
 * start_block u32 @24, parent u32 @28, index_count u16 @32, offset u16 @34,
 * xattr u32 @36. file_size counts the listing plus 3 (for "." and ".."). */
size_t sqfs_dir_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, const struct sqfs_dir_inode *d,
			     bool extended)
{
	h->type = extended ? SQFS_LDIR : SQFS_DIR;
	sqfs_inode_hdr_encode(out, h);
	if (!extended) {
		put_le32(out + 16, d->start_block);
		put_le32(out + 20, d->nlink);
		put_le16(out + 24, (uint16_t)d->file_size);
		put_le16(out + 26, d->offset);
		put_le32(out + 28, d->parent_ino);
		return 32;
	}
	put_le32(out + 16, d->nlink);
	put_le32(out + 20, d->file_size);
	put_le32(out + 24, d->start_block);
	put_le32(out + 28, d->parent_ino);
	put_le16(out + 32, d->index_count);
	put_le16(out + 34, d->offset);
	put_le32(out + 36, d->xattr);
	return 40;
}

size_t sqfs_file_inode_size(const struct sqfs_file_inode *f, bool extended)
{
	return (extended ? 56 : 32) + 4 * (size_t)f->nblocks;
}

/* Basic file (32 bytes + blocks): blocks_start u32 @16, fragment u32 @20,
 * offset u32 @24, file_size u32 @28. Extended (56 bytes + blocks):
 * blocks_start u64 @16, file_size u64 @24, sparse u64 @32, nlink u32 @40,
 * fragment u32 @44, offset u32 @48, xattr u32 @52. Then one u32 size word
 * per full block (and for the tail when it is not in a fragment). */
size_t sqfs_file_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, const struct sqfs_file_inode *f,
			      bool extended)
{
	size_t p;
	h->type = extended ? SQFS_LREG : SQFS_REG;
	sqfs_inode_hdr_encode(out, h);
	if (!extended) {
		put_le32(out + 16, (uint32_t)f->blocks_start);
		put_le32(out + 20, f->fragment);
		put_le32(out + 24, f->frag_offset);
		put_le32(out + 28, (uint32_t)f->file_size);
		p = 32;
	} else {
		put_le64(out + 16, f->blocks_start);
		put_le64(out + 24, f->file_size);
		put_le64(out + 32, f->sparse);
		put_le32(out + 40, f->nlink);
		put_le32(out + 44, f->fragment);
		put_le32(out + 48, f->frag_offset);
		put_le32(out + 52, f->xattr);
		p = 56;
	}
	for (uint32_t i = 0; i < f->nblocks; i++, p += 4)
		put_le32(out + p, f->block_sizes[i]);
	return p;
}

/* Symlink: nlink u32 @16, target_size u32 @20, target @24; the extended
 * form appends xattr u32 after the target. */
size_t sqfs_symlink_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, const char *target,
				 size_t len, uint32_t xattr, bool extended)
{
	h->type = extended ? SQFS_LSYMLINK : SQFS_SYMLINK;
	sqfs_inode_hdr_encode(out, h);
	put_le32(out + 16, nlink);
	put_le32(out + 20, (uint32_t)len);
	memcpy(out + 24, target, len);
	if (!extended)
		return 24 + len;
	put_le32(out + 24 + len, xattr);
	return 28 + len;
}

/* Devices: nlink u32 @16, rdev u32 @20 (+ xattr u32 @24 extended). */
size_t sqfs_dev_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, uint32_t rdev,
			     uint32_t xattr, bool extended)
{
	if (extended && h->type < SQFS_LDIR)
		h->type += 7;
	sqfs_inode_hdr_encode(out, h);
	put_le32(out + 16, nlink);
	put_le32(out + 20, rdev);
	if (!extended)
		return 24;
	put_le32(out + 24, xattr);
	return 28;
}

/* Fifos and sockets: nlink u32 @16 (+ xattr u32 @20 extended). */
size_t sqfs_ipc_inode_encode(uint8_t *out, struct sqfs_inode_hdr *h, uint32_t nlink, uint32_t xattr,
			     bool extended)
{
	if (extended && h->type < SQFS_LDIR)
		h->type += 7;
	sqfs_inode_hdr_encode(out, h);
	put_le32(out + 16, nlink);
	if (!extended)
		return 20;
	put_le32(out + 20, xattr);
	return 24;
}

uint32_t sqfs_encode_rdev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major & 0xfff) << 8 | (minor & ~0xffu) << 12;
}
