/* The squashfs export table (NFS): the inode reference of every inode
 * number, so a file handle can be turned back into an inode (squashfs.rst
 * "Export table"). */
#include "core/util.h"
#include "squashfs/sqfs_impl.h"

#include <stdlib.h>

/* refs[i] is the reference of inode number i + 1; stored as u64 each. */
int sqfs_export_write(const uint64_t *refs, uint32_t ninodes, struct out_file *o, struct comp_ctx *cc,
		      uint64_t *start)
{
	uint8_t *b = xmalloc(8 * (size_t)(ninodes ? ninodes : 1));
	int rc;
	for (uint32_t i = 0; i < ninodes; i++)
		put_le64(b + 8 * (size_t)i, refs[i]);
	rc = sqfs_lookup_table_write(o, cc, b, 8 * (size_t)ninodes, start);
	free(b);
	return rc;
}
