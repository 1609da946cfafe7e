/* Squashfs extended attributes (squashfs.rst "Extended attributes"): an
 * inode's xattr index selects a 16-byte id record (reference to the first
 * key, count, size), whose key/value pairs are read from the key/value
 * metadata blocks; a value stored out of line is a reference to the value
 * elsewhere in those blocks (mksquashfs shares large identical values). */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/reader_impl.h"

#include <stdlib.h>
#include <string.h>

#define XATTR_VALUE_MAX 65536 /* XATTR_SIZE_MAX: the kernel sets no larger one */
#define XATTR_NAMES_MAX 65536 /* XATTR_LIST_MAX */

static const char *const ns_prefix[] = {"user.", "trusted.", "security."};

static int kv_read(struct sqfs_rd *r, uint64_t *blk, uint32_t *off, void *buf, size_t len)
{
	return sqfs_meta_read(r, r->xattr_kv, blk, off, buf, len, "xattr table");
}

static void xa_free(struct tree_xattr_slot *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].x.name);
		free(v[i].x.value);
	}
	free(v);
}

int sqfs_xattr_load(struct sqfs_rd *r, struct tree_node *n, uint32_t idx, uint64_t inode_at)
{
	const uint8_t *rec;
	uint64_t ref, blk, at;
	uint32_t count, off, names = 0;
	struct tree_xattr_slot *v = NULL;
	size_t nv = 0;
	int rc = 0;
	if (idx >= r->nxattr_ids)
		return sqfs_rd_error(r, inode_at, "an inode's xattr index %u of %u", idx, r->nxattr_ids);
	rec = r->xattr_ids + (size_t)idx * 16;
	ref = get_le64(rec);
	count = get_le32(rec + 8);
	blk = ref >> 16;
	off = (uint32_t)(ref & 0xffff);
	at = r->xattr_kv + blk;
	if (count > XATTR_NAMES_MAX / 2 || off >= SQFS_META_SIZE)
		return sqfs_rd_error(r, at, "xattr set %u: %u attributes at offset %u", idx, count, off);
	v = xcalloc(count ? count : 1, sizeof *v);
	for (uint32_t i = 0; i < count && !rc; i++) {
		uint8_t h[4], vs[4], name[256];
		unsigned type, nlen;
		uint32_t vlen;
		if ((rc = kv_read(r, &blk, &off, h, 4)) != 0)
			break;
		type = get_le16(h);
		nlen = get_le16(h + 2);
		if ((type & 0xff) >= ARRAY_SIZE(ns_prefix) || (type & ~0x1ffu) || !nlen || nlen > 255) {
			rc = sqfs_rd_error(r, at, "xattr set %u: a key of type 0x%x and %u bytes", idx, type,
					   nlen);
			break;
		}
		if ((rc = kv_read(r, &blk, &off, name, nlen)) != 0 ||
		    (rc = kv_read(r, &blk, &off, vs, 4)) != 0)
			break;
		vlen = get_le32(vs);
		if (type & SQFS_XATTR_OOL) {
			/* the value is elsewhere: a u64 reference to its size and bytes */
			uint8_t vr[8];
			uint64_t vref, vblk;
			uint32_t voff;
			if (vlen != 8) {
				rc = sqfs_rd_error(
				    r, at, "xattr set %u: an out-of-line reference of %u bytes", idx, vlen);
				break;
			}
			if ((rc = kv_read(r, &blk, &off, vr, 8)) != 0)
				break;
			vref = get_le64(vr);
			vblk = vref >> 16;
			voff = (uint32_t)(vref & 0xffff);
			if (voff >= SQFS_META_SIZE || (rc = kv_read(r, &vblk, &voff, vs, 4)) != 0) {
				rc = rc ? rc
					: sqfs_rd_error(r, at, "xattr set %u: a value reference 0x%llx", idx,
							(unsigned long long)vref);
				break;
			}
			vlen = get_le32(vs);
			if (vlen > XATTR_VALUE_MAX) {
				rc = sqfs_rd_error(r, at, "xattr set %u: a value of %u bytes", idx, vlen);
				break;
			}
			v[nv].x.value = xmalloc(vlen ? vlen : 1);
			rc = kv_read(r, &vblk, &voff, v[nv].x.value, vlen);
		} else {
			if (vlen > XATTR_VALUE_MAX) {
				rc = sqfs_rd_error(r, at, "xattr set %u: a value of %u bytes", idx, vlen);
				break;
			}
			v[nv].x.value = xmalloc(vlen ? vlen : 1);
			rc = kv_read(r, &blk, &off, v[nv].x.value, vlen);
		}
		v[nv].x.len = vlen;
		if (!rc && (r->bytes += vlen + nlen) > r->bytes_max)
			rc = sqfs_rd_error(
			    r, at, "xattrs and symbolic links larger than an image of %llu bytes can hold",
			    (unsigned long long)r->end);
		v[nv].x.name = xasprintf("%s%.*s", ns_prefix[type & 0xff], (int)nlen, (const char *)name);
		v[nv].order = nv;
		names += (uint32_t)strlen(v[nv].x.name) + 1;
		nv++;
		if (!rc && (strlen(v[nv - 1].x.name) != strlen(ns_prefix[type & 0xff]) + nlen ||
			    names > XATTR_NAMES_MAX))
			rc = sqfs_rd_error(r, at, "xattr set %u: %s", idx,
					   names > XATTR_NAMES_MAX ? "names longer than 64 KiB in all"
								   : "a NUL in a name");
	}
	if (rc) {
		xa_free(v, nv);
		return rc;
	}
	tree_node_take_xattrs(n, v, nv);
	free(v);
	return 0;
}
