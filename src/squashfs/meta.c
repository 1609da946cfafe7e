/* Squashfs metadata blocks (squashfs.rst "Metadata blocks") and the lookup
 * tables built from them (fragment, export, id, xattr id). */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

void sqfs_meta_init(struct sqfs_meta *m, struct comp_ctx *cc)
{
	memset(m, 0, sizeof *m);
	m->cc = cc;
}

static void out_reserve(struct sqfs_meta *m, size_t more)
{
	if (m->out_len + more > m->out_cap) {
		size_t cap = m->out_cap ? m->out_cap : 16384;
		while (cap < m->out_len + more)
			cap *= 2;
		m->out = xrealloc(m->out, cap);
		m->out_cap = cap;
	}
}

/* Header u16: bit 15 set = stored raw; low 15 bits = stored length. */
static int meta_emit(struct sqfs_meta *m)
{
	ssize_t c = 0;
	if (!m->blen)
		return 0;
	util_grow(&m->starts, &m->starts_cap, m->nstarts + 1, sizeof *m->starts);
	m->starts[m->nstarts++] = m->out_len;
	out_reserve(m, 2 + SQFS_META_SIZE);
	if (m->cc) {
		size_t cap = comp_bound(m->cc, SQFS_META_SIZE);
		if (!m->cbuf) {
			m->cbuf = xmalloc(cap);
			m->cbuf_cap = cap;
		}
		c = comp_compress(m->cc, m->blk, m->blen, m->cbuf, m->cbuf_cap);
		if (c < 0)
			return (int)c;
		if ((size_t)c >= m->blen)
			c = 0; /* only a result shorter than the input is worth keeping */
	}
	if (c > 0) {
		put_le16(m->out + m->out_len, (uint16_t)c);
		memcpy(m->out + m->out_len + 2, m->cbuf, (size_t)c);
		m->out_len += 2 + (size_t)c;
	} else {
		put_le16(m->out + m->out_len, (uint16_t)(m->blen | SQFS_META_UNCOMPRESSED));
		memcpy(m->out + m->out_len + 2, m->blk, m->blen);
		m->out_len += 2 + m->blen;
	}
	m->blen = 0;
	return 0;
}

int sqfs_meta_append(struct sqfs_meta *m, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n) {
		size_t k = MIN(n, SQFS_META_SIZE - m->blen);
		memcpy(m->blk + m->blen, s, k);
		m->blen += k;
		s += k;
		n -= k;
		/* emit eagerly, so a reference taken now points at the next block */
		if (m->blen == SQFS_META_SIZE) {
			int rc = meta_emit(m);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int sqfs_meta_flush(struct sqfs_meta *m)
{
	return meta_emit(m);
}

void sqfs_meta_free(struct sqfs_meta *m)
{
	free(m->out);
	free(m->cbuf);
	free(m->starts);
	memset(m, 0, sizeof *m);
}

/* Lookup tables: entries packed into metadata blocks (entry sizes divide
 * 8 KiB, so none spans two blocks), then one u64 absolute location per
 * block, stored raw. The kernel checks that each table's location array
 * ends where the next table starts, so they are written back to back. */
int sqfs_lookup_table_write(struct out_file *o, struct comp_ctx *cc, const uint8_t *data, size_t len,
			    uint64_t *index_start)
{
	struct sqfs_meta m;
	uint64_t base = out_tell(o);
	uint8_t *idx = NULL;
	int rc;
	sqfs_meta_init(&m, cc);
	rc = sqfs_meta_append(&m, data, len);
	if (!rc)
		rc = sqfs_meta_flush(&m);
	if (!rc)
		rc = out_write(o, m.out, m.out_len);
	if (!rc) {
		idx = xmalloc(8 * (m.nstarts ? m.nstarts : 1));
		for (size_t i = 0; i < m.nstarts; i++)
			put_le64(idx + 8 * i, base + m.starts[i]);
		*index_start = out_tell(o);
		rc = out_write(o, idx, 8 * m.nstarts);
	}
	free(idx);
	sqfs_meta_free(&m);
	return rc;
}
