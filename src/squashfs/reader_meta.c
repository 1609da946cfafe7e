/* Squashfs metadata as the reader sees it (squashfs.rst "Metadata
 * blocks"): streams of 8 KiB blocks, each behind a 2-byte header, read
 * through a small cache of decompressed blocks; and the lookup tables
 * (ids, fragments, xattr ids) that list where their blocks are. */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/reader_impl.h"

#include <stdlib.h>
#include <string.h>

/* The decompressed block whose header is at off (checked to lie inside
 * the image), from the cache or read now. */
static int mblock_get(struct sqfs_rd *r, uint64_t off, const char *what, struct sqfs_mblock **out)
{
	struct sqfs_mblock *victim = NULL;
	uint8_t hdr[2], *cin = NULL;
	uint32_t clen;
	ssize_t got;
	int rc;
	for (int i = 0; i < SQFS_MCACHE; i++) {
		struct sqfs_mblock *m = &r->mc[i];
		if (m->valid && m->off == off) {
			m->stamp = ++r->mstamp;
			*out = m;
			return 0;
		}
		if (!m->valid) {
			if (!victim || victim->valid)
				victim = m;
		} else if (!victim || (victim->valid && m->stamp < victim->stamp))
			victim = m;
	}
	if (off >= r->end || r->end - off < 2)
		return sqfs_rd_error(r, off, "%s: a metadata block outside the image (%llu bytes)", what,
				     (unsigned long long)r->end);
	if ((rc = sqfs_rd_pread(r, hdr, 2, off, what)) != 0)
		return rc;
	clen = sqfs_meta_hdr_len(get_le16(hdr));
	if (clen == 0 || clen > SQFS_META_SIZE || clen > r->end - off - 2)
		return sqfs_rd_error(r, off, "%s: a metadata block of %u bytes %s", what, clen,
				     clen > SQFS_META_SIZE ? "(more than 8192)"
							   : "past the end of the image");
	victim->valid = false;
	if (!victim->data)
		victim->data = xmalloc(SQFS_META_SIZE);
	if (sqfs_meta_hdr_raw(get_le16(hdr))) {
		if ((rc = sqfs_rd_pread(r, victim->data, clen, off + 2, what)) != 0)
			return rc;
		victim->len = clen;
	} else {
		cin = xmalloc(clen);
		if ((rc = sqfs_rd_pread(r, cin, clen, off + 2, what)) != 0) {
			free(cin);
			return rc;
		}
		got = sqfs_decompress(r, r->dec, cin, clen, victim->data, SQFS_META_SIZE);
		free(cin);
		if (got < 0)
			return err_wrap((int)got, "%s: offset %llu: %s", r->src.name, (unsigned long long)off,
					what);
		victim->len = (uint32_t)got;
	}
	victim->off = off;
	victim->next = off + 2 + clen;
	victim->stamp = ++r->mstamp;
	victim->valid = true;
	*out = victim;
	return 0;
}

int sqfs_meta_read(struct sqfs_rd *r, uint64_t table, uint64_t *blk, uint32_t *off, void *buf, size_t len,
		   const char *what)
{
	uint8_t *p = buf;
	/* Every block lies further on than the one before, inside the image:
	 * the chain ends. A block shorter than 8 KiB before the end of a
	 * table is followed on, as the kernel does. */
	while (len) {
		struct sqfs_mblock *m = NULL;
		uint64_t at = table + *blk;
		size_t k;
		int rc;
		if (at < table)
			return sqfs_rd_error(r, table, "%s: a metadata reference past the end", what);
		if ((rc = mblock_get(r, at, what, &m)) != 0)
			return rc;
		if (*off > m->len)
			return sqfs_rd_error(r, at, "%s: offset %u in a metadata block of %u bytes", what,
					     *off, m->len);
		if (*off == m->len) {
			*blk = m->next - table;
			*off = 0;
			continue;
		}
		k = MIN(len, (size_t)(m->len - *off));
		memcpy(p, m->data + *off, k);
		p += k;
		len -= k;
		*off += (uint32_t)k;
		if (*off == m->len && len) {
			*blk = m->next - table;
			*off = 0;
		}
	}
	return 0;
}

int sqfs_lookup_read(struct sqfs_rd *r, uint64_t idx, uint64_t count, size_t esize, uint8_t **out,
		     const char *what)
{
	uint64_t bytes = count * esize, nblk = DIV_ROUND_UP(bytes, SQFS_META_SIZE);
	uint8_t *locs = NULL, *data = NULL;
	int rc = 0;
	*out = NULL;
	if (!count)
		return 0;
	/* the u64 locations must be in the image: this bounds count */
	if (idx >= r->end || nblk > (r->end - idx) / 8)
		return sqfs_rd_error(r, idx,
				     "%s: %llu entries need a %llu-byte index past the end of the image",
				     what, (unsigned long long)count, (unsigned long long)(nblk * 8));
	locs = xmalloc((size_t)nblk * 8);
	if ((rc = sqfs_rd_pread(r, locs, (size_t)nblk * 8, idx, what)) != 0)
		goto out;
	data = xmalloc((size_t)bytes);
	for (uint64_t i = 0; i < nblk; i++) {
		uint64_t at = get_le64(locs + i * 8), blk = 0;
		uint32_t off = 0;
		size_t k = (size_t)MIN((uint64_t)SQFS_META_SIZE, bytes - i * SQFS_META_SIZE);
		if ((rc = sqfs_meta_read(r, at, &blk, &off, data + i * SQFS_META_SIZE, k, what)) != 0)
			goto out;
	}
	*out = data;
	data = NULL;
out:
	free(locs);
	free(data);
	return rc;
}
