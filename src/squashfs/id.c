/* The squashfs id table: every distinct uid and gid once, as u32, in order
 * of first use; inodes refer to them by 16-bit index (squashfs.rst "Id table"). */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

#define SQFS_MAX_IDS 65535

void sqfs_ids_init(struct sqfs_ids *t)
{
	memset(t, 0, sizeof *t);
}

static size_t id_hash(uint32_t id, size_t nslots)
{
	return (size_t)((id * 0x9E3779B1u) & (nslots - 1));
}

static void ids_rehash(struct sqfs_ids *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 64;
	free(t->slots);
	t->slots = xcalloc(n, sizeof *t->slots);
	t->nslots = n;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = id_hash(t->ids[i], n);
		while (t->slots[h])
			h = (h + 1) & (n - 1);
		t->slots[h] = (uint32_t)i + 1;
	}
}

int sqfs_ids_get(struct sqfs_ids *t, uint32_t id, uint16_t *idx)
{
	size_t h;
	if ((t->n + 1) * 2 > t->nslots)
		ids_rehash(t);
	h = id_hash(id, t->nslots);
	while (t->slots[h]) {
		uint32_t i = t->slots[h] - 1;
		if (t->ids[i] == id) {
			*idx = (uint16_t)i;
			return 0;
		}
		h = (h + 1) & (t->nslots - 1);
	}
	if (t->n >= SQFS_MAX_IDS)
		return err_set(ERR_LIMIT, "more than %d distinct uids and gids (squashfs stores at most %d)",
			       SQFS_MAX_IDS, SQFS_MAX_IDS);
	util_grow(&t->ids, &t->cap, t->n + 1, sizeof *t->ids);
	t->ids[t->n] = id;
	t->slots[h] = (uint32_t)t->n + 1;
	*idx = (uint16_t)t->n++;
	return 0;
}

int sqfs_ids_write(struct sqfs_ids *t, struct out_file *o, struct comp_ctx *cc, uint64_t *start)
{
	uint8_t *b = xmalloc(4 * (t->n ? t->n : 1));
	int rc;
	for (size_t i = 0; i < t->n; i++)
		put_le32(b + 4 * i, t->ids[i]);
	rc = sqfs_lookup_table_write(o, cc, b, 4 * t->n, start);
	free(b);
	return rc;
}

void sqfs_ids_free(struct sqfs_ids *t)
{
	free(t->ids);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
