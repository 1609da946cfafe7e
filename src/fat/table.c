/* Cluster allocation and the File Allocation Table itself (FAT12/16/32). */
#include "core/util.h"
#include "fat/fat_impl.h"

#include <stdlib.h>
#include <string.h>

void fat_alloc_init(struct fat_alloc *a, uint32_t clusters)
{
	memset(a, 0, sizeof *a);
	a->next = 2; /* FAT spec: clusters 0 and 1 are reserved, data starts at 2 */
	a->limit = clusters + 2;
}

void fat_alloc_free(struct fat_alloc *a)
{
	free(a->ends);
	a->ends = NULL;
}

uint32_t fat_alloc_chain(struct fat_alloc *a, uint32_t n)
{
	uint32_t first = a->next, last;
	if (n == 0 || n > a->limit - a->next)
		return 0;
	last = first + n - 1;
	if ((size_t)last / 8 >= a->ends_cap) {
		size_t old = a->ends_cap;
		util_grow(&a->ends, &a->ends_cap, (size_t)last / 8 + 1, 1);
		memset(a->ends + old, 0, a->ends_cap - old);
	}
	a->ends[last / 8] |= (uint8_t)(1u << (last % 8));
	a->next = last + 1;
	return first;
}

static void put_entry(int bits, uint8_t *fat, uint32_t k, uint32_t v)
{
	if (bits == 32) {
		put_le32(fat + 4 * (size_t)k, v & 0x0FFFFFFF); /* the top 4 bits are reserved */
	} else if (bits == 16) {
		put_le16(fat + 2 * (size_t)k, (uint16_t)v);
	} else {
		/* FAT12: entry k occupies 12 bits at byte k*3/2; odd entries use
		 * the high nibble of the first byte (FAT spec "FAT12"). */
		uint8_t *p = fat + (size_t)k * 3 / 2;
		if (k & 1) {
			p[0] = (uint8_t)((p[0] & 0x0F) | (v << 4));
			p[1] = (uint8_t)(v >> 4);
		} else {
			p[0] = (uint8_t)v;
			p[1] = (uint8_t)((p[1] & 0xF0) | ((v >> 8) & 0x0F));
		}
	}
}

uint32_t fat_table_get(int bits, const uint8_t *fat, uint32_t k)
{
	if (bits == 32)
		return get_le32(fat + 4 * (size_t)k) & 0x0FFFFFFF;
	if (bits == 16)
		return get_le16(fat + 2 * (size_t)k);
	{
		const uint8_t *p = fat + (size_t)k * 3 / 2;
		uint16_t v = get_le16(p);
		return k & 1 ? v >> 4 : v & 0x0FFF;
	}
}

void fat_table_encode(const struct fat_geom *g, const struct fat_alloc *a, uint8_t **buf, size_t *len)
{
	const int bits = g->bits;
	const uint32_t eoc = bits == 12 ? 0xFFF : bits == 16 ? 0xFFFF : 0x0FFFFFFF;
	size_t bytes = bits == 12 ? ((size_t)a->next * 3 + 1) / 2 : (size_t)a->next * (size_t)bits / 8;
	size_t n = ALIGN_UP(bytes, FAT_SECTOR);
	uint8_t *fat;
	if (n > (size_t)g->fat_sectors * FAT_SECTOR)
		n = (size_t)g->fat_sectors * FAT_SECTOR;
	fat = xcalloc(1, n + 4);
	/* Entry 0 holds the media byte in its low 8 bits, all other bits set;
	 * entry 1 is an end-of-chain mark (on FAT16/32 its top bits also say
	 * "cleanly unmounted, no I/O errors"). */
	put_entry(bits, fat, 0, (eoc & ~0xFFu) | g->media);
	put_entry(bits, fat, 1, eoc);
	for (uint32_t k = 2; k < a->next; k++) {
		bool end = a->ends[k / 8] & (1u << (k % 8));
		put_entry(bits, fat, k, end ? eoc : k + 1);
	}
	*buf = fat;
	*len = n;
}
