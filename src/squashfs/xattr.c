/* The squashfs xattr tables (squashfs.rst "Extended attributes"): key/value
 * pairs in metadata blocks, one 16-byte id record per distinct attribute
 * set, and a header locating both. Identical sets share one id. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

struct sqfs_xset {
	uint8_t *bytes; /* the encoded pairs */
	size_t len;
	uint32_t hash;
};

static const struct {
	const char *prefix;
	uint16_t type;
} prefixes[] = {
    {"user.", SQFS_XATTR_USER},
    {"trusted.", SQFS_XATTR_TRUSTED},
    {"security.", SQFS_XATTR_SECURITY},
};

static int xattr_prefix(const char *name, size_t *plen)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (util_has_prefix(name, prefixes[i].prefix)) {
			*plen = strlen(prefixes[i].prefix);
			return prefixes[i].type;
		}
	return -1;
}

size_t sqfs_xattr_encoded_size(const char *name, size_t len)
{
	size_t plen;
	if (xattr_prefix(name, &plen) < 0)
		return 0;
	return 4 + strlen(name) - plen + 4 + len;
}

/* Key: type u16 @0 (namespace), name_size u16 @2, name without its prefix;
 * value: value_size u32, value. */
size_t sqfs_xattr_encode(uint8_t *out, const char *name, const uint8_t *value, size_t len)
{
	size_t plen, nlen;
	int type = xattr_prefix(name, &plen);
	if (type < 0)
		return 0;
	nlen = strlen(name) - plen;
	put_le16(out, (uint16_t)type);
	put_le16(out + 2, (uint16_t)nlen);
	memcpy(out + 4, name + plen, nlen);
	put_le32(out + 4 + nlen, (uint32_t)len);
	if (len)
		memcpy(out + 8 + nlen, value, len);
	return 8 + nlen + len;
}

void sqfs_xattrs_init(struct sqfs_xattrs *x, struct comp_ctx *cc)
{
	memset(x, 0, sizeof *x);
	sqfs_meta_init(&x->kv, cc);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void sets_rehash(struct sqfs_xattrs *x)
{
	size_t n = x->nslots ? x->nslots * 2 : 64;
	free(x->slots);
	x->slots = xcalloc(n, sizeof *x->slots);
	x->nslots = n;
	for (size_t i = 0; i < x->nsets; i++) {
		size_t h = x->sets[i].hash & (n - 1);
		while (x->slots[h])
			h = (h + 1) & (n - 1);
		x->slots[h] = (uint32_t)i + 1;
	}
}

int sqfs_xattrs_add(struct sqfs_xattrs *x, const struct tree_node *n, uint32_t *id)
{
	size_t len = 0, count = 0, h;
	uint32_t hash;
	uint64_t ref;
	int rc;
	*id = SQFS_NO_XATTR;
	for (size_t i = 0; i < n->nxattrs; i++) {
		size_t s = sqfs_xattr_encoded_size(n->xattrs[i].name, n->xattrs[i].len);
		if (!s) {
			char *p = tree_node_path(n);
			log_warn("%s: xattr %s skipped: squashfs stores only the user, trusted and security "
				 "namespaces",
				 p, n->xattrs[i].name);
			free(p);
			continue;
		}
		if (n->xattrs[i].len > UINT32_MAX || strlen(n->xattrs[i].name) > 0xffff) {
			char *p = tree_node_path(n);
			rc = err_set(ERR_LIMIT, "%s: xattr %s is too large for squashfs", p,
				     n->xattrs[i].name);
			free(p);
			return rc;
		}
		util_grow(&x->tmp, &x->tmp_cap, len + s, 1);
		len +=
		    sqfs_xattr_encode(x->tmp + len, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len);
		count++;
	}
	if (!count)
		return 0;
	hash = fnv1a(x->tmp, len);
	if ((x->nsets + 1) * 2 > x->nslots)
		sets_rehash(x);
	h = hash & (x->nslots - 1);
	while (x->slots[h]) {
		struct sqfs_xset *s = &x->sets[x->slots[h] - 1];
		if (s->hash == hash && s->len == len && memcmp(s->bytes, x->tmp, len) == 0) {
			*id = x->slots[h] - 1;
			return 0;
		}
		h = (h + 1) & (x->nslots - 1);
	}
	/* a new set: its pairs go to the key/value table, its record to the id table */
	ref = sqfs_meta_ref(&x->kv);
	rc = sqfs_meta_append(&x->kv, x->tmp, len);
	if (rc)
		return rc;
	x->sets = xreallocarray(x->sets, x->nsets + 1, sizeof *x->sets);
	x->sets[x->nsets].bytes = xmalloc(len);
	memcpy(x->sets[x->nsets].bytes, x->tmp, len);
	x->sets[x->nsets].len = len;
	x->sets[x->nsets].hash = hash;
	x->slots[h] = (uint32_t)x->nsets + 1;
	/* id record: xattr ref u64 @0, count u32 @8, size u32 @12 (bytes of the pairs) */
	util_grow(&x->idtab, &x->idcap, (x->nids + 1) * 16, 1);
	put_le64(x->idtab + 16 * x->nids, ref);
	put_le32(x->idtab + 16 * x->nids + 8, (uint32_t)count);
	put_le32(x->idtab + 16 * x->nids + 12, (uint32_t)len);
	*id = (uint32_t)x->nids++;
	x->nsets++;
	return 0;
}

/* Layout: key/value blocks at X; id records in metadata blocks; then the
 * header xattr_table_start u64 (= X), xattr_ids u32, unused u32, followed
 * by the u64 locations of the id record blocks. */
int sqfs_xattrs_write(struct sqfs_xattrs *x, struct out_file *o, struct comp_ctx *cc, uint64_t *start)
{
	uint64_t kv_start = out_tell(o), idx_start;
	struct sqfs_meta m;
	uint8_t hdr[16];
	uint8_t *locs = NULL;
	int rc;
	if (!x->nids) {
		*start = SQFS_INVALID_TABLE;
		return 0;
	}
	rc = sqfs_meta_flush(&x->kv);
	if (!rc)
		rc = out_write(o, x->kv.out, x->kv.out_len);
	if (rc)
		return rc;
	sqfs_meta_init(&m, cc);
	idx_start = out_tell(o);
	rc = sqfs_meta_append(&m, x->idtab, 16 * x->nids);
	if (!rc)
		rc = sqfs_meta_flush(&m);
	if (!rc)
		rc = out_write(o, m.out, m.out_len);
	if (!rc) {
		*start = out_tell(o);
		put_le64(hdr, kv_start);
		put_le32(hdr + 8, (uint32_t)x->nids);
		put_le32(hdr + 12, 0);
		locs = xmalloc(8 * m.nstarts);
		for (size_t i = 0; i < m.nstarts; i++)
			put_le64(locs + 8 * i, idx_start + m.starts[i]);
		rc = out_write(o, hdr, sizeof hdr);
		if (!rc)
			rc = out_write(o, locs, 8 * m.nstarts);
	}
	free(locs);
	sqfs_meta_free(&m);
	return rc;
}

void sqfs_xattrs_free(struct sqfs_xattrs *x)
{
	for (size_t i = 0; i < x->nsets; i++)
		free(x->sets[i].bytes);
	free(x->sets);
	free(x->slots);
	free(x->idtab);
	free(x->tmp);
	sqfs_meta_free(&x->kv);
	memset(x, 0, sizeof *x);
}
