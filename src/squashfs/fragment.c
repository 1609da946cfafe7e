/* The squashfs fragment table: where each fragment block (the packed tails
 * of small files) is stored (squashfs.rst "Fragment table"). */
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>
#include <string.h>

#define SQFS_FRAG_ENTRY_SIZE 16

/* Entry: start u64 @0 (absolute), size u32 @8 (bit 24: stored raw), unused u32 @12. */
void sqfs_frags_set(struct sqfs_frags *f, uint32_t idx, uint64_t start, uint32_t size_word)
{
	if (idx >= f->n) {
		util_grow(&f->tab, &f->cap, (size_t)(idx + 1) * SQFS_FRAG_ENTRY_SIZE, 1);
		memset(f->tab + f->n * SQFS_FRAG_ENTRY_SIZE, 0, (idx + 1 - f->n) * SQFS_FRAG_ENTRY_SIZE);
		f->n = idx + 1;
	}
	put_le64(f->tab + (size_t)idx * SQFS_FRAG_ENTRY_SIZE, start);
	put_le32(f->tab + (size_t)idx * SQFS_FRAG_ENTRY_SIZE + 8, size_word);
	put_le32(f->tab + (size_t)idx * SQFS_FRAG_ENTRY_SIZE + 12, 0);
}

int sqfs_frags_write(struct sqfs_frags *f, struct out_file *o, struct comp_ctx *cc, uint64_t *start)
{
	if (!f->n) {
		*start = out_tell(o);
		return 0;
	}
	return sqfs_lookup_table_write(o, cc, f->tab, f->n * SQFS_FRAG_ENTRY_SIZE, start);
}

void sqfs_frags_free(struct sqfs_frags *f)
{
	free(f->tab);
	memset(f, 0, sizeof *f);
}
