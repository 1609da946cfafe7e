/* Squashfs directory listings: headers, entries and the directory index of
 * large directories (squashfs.rst "Directories", "Directory index"). */
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

/* Header: count u32 @0 (entries - 1), start u32 @4 (inode metadata block
 * shared by the entries), inode_number u32 @8 (base of the deltas). */
void sqfs_dir_header_encode(uint8_t out[12], uint32_t count, uint32_t start_block, uint32_t ino)
{
	put_le32(out + 0, count - 1);
	put_le32(out + 4, start_block);
	put_le32(out + 8, ino);
}

/* Entry: offset u16 @0 (of the inode in its block), inode_offset s16 @2
 * (delta from the header's inode number), type u16 @4 (basic type),
 * name_size u16 @6 (length - 1), name @8 (no terminator). */
size_t sqfs_dir_entry_encode(uint8_t *out, uint16_t offset, int16_t ino_delta, uint16_t type,
			     const char *name, size_t len)
{
	put_le16(out + 0, offset);
	put_le16(out + 2, (uint16_t)ino_delta);
	put_le16(out + 4, type);
	put_le16(out + 6, (uint16_t)(len - 1));
	memcpy(out + 8, name, len);
	return 8 + len;
}

/* Index entry (after an extended directory inode): index u32 @0 (byte
 * offset of a header in the listing), start u32 @4 (directory-table block
 * holding that header), name_size u32 @8 (length - 1), name @12 (the
 * header's first entry). */
size_t sqfs_dir_index_encode(uint8_t *out, uint32_t index, uint32_t start_block, const char *name, size_t len)
{
	put_le32(out + 0, index);
	put_le32(out + 4, start_block);
	put_le32(out + 8, (uint32_t)(len - 1));
	memcpy(out + 12, name, len);
	return 12 + len;
}

static void listing_reserve(struct sqfs_listing *l, size_t more)
{
	if (l->len + more > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap < l->len + more)
			cap *= 2;
		l->buf = xrealloc(l->buf, cap);
		l->cap = cap;
	}
}

/* A new header starts when 256 entries share one, when the next inode lies
 * in another metadata block, when its number is out of the 16-bit delta
 * range, or when the run since the last indexed header would exceed one
 * metadata block. In the last case the header is also indexed, so the
 * kernel's lookup can skip to the metadata block holding a name. */
void sqfs_listing_build(struct sqfs_listing *l, const struct sqfs_dirent *e, size_t n)
{
	size_t hdr_pos = 0, index_point = 0;
	uint32_t count = 0, base_ino = 0, block = 0;
	bool open = false;
	l->len = 0;
	l->nindex = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t eblock = (uint32_t)(e[i].inode_ref >> 16);
		int64_t delta = (int64_t)e[i].ino - (int64_t)base_ino;
		size_t esize = SQFS_DIR_ENTRY_SIZE + e[i].len;
		bool over = open && l->len + esize - index_point > SQFS_META_SIZE;
		if (!open || count == SQFS_DIR_MAX_ENTRIES || eblock != block || delta > 32767 ||
		    delta < -32768 || over) {
			if (open)
				sqfs_dir_header_encode(l->buf + hdr_pos, count, block, base_ino);
			if (over) {
				util_grow(&l->index, &l->index_cap, l->nindex + 1, sizeof *l->index);
				l->index[l->nindex].pos = (uint32_t)l->len;
				l->index[l->nindex].entry = i;
				l->nindex++;
				index_point = l->len;
			}
			listing_reserve(l, SQFS_DIR_HEADER_SIZE);
			hdr_pos = l->len;
			l->len += SQFS_DIR_HEADER_SIZE;
			count = 0;
			block = eblock;
			base_ino = e[i].ino;
			delta = 0;
			open = true;
		}
		listing_reserve(l, esize);
		l->len += sqfs_dir_entry_encode(l->buf + l->len, (uint16_t)(e[i].inode_ref & 0xffff),
						(int16_t)delta, e[i].type, e[i].name, e[i].len);
		count++;
	}
	if (open)
		sqfs_dir_header_encode(l->buf + hdr_pos, count, block, base_ino);
}

void sqfs_listing_free(struct sqfs_listing *l)
{
	free(l->buf);
	free(l->index);
	memset(l, 0, sizeof *l);
}
