/* MBR partition entries (four 16-byte records at offset 446, the 0x55AA
 * signature at 510) and the GPT protective entry (UEFI 2.10 5.2.3). */
#include "part/part.h"

#include "core/error.h"
#include "core/util.h"

#include <string.h>

/* int 18h (let the BIOS try the next device), then halt for ever */
const uint8_t PART_MBR_NOBOOT_CODE[5] = {0xCD, 0x18, 0xF4, 0xEB, 0xFD};

void part_chs(uint8_t p[3], uint64_t lba, unsigned heads, unsigned spt)
{
	uint64_t c = lba / ((uint64_t)heads * spt);
	unsigned h = (unsigned)(lba / spt % heads);
	unsigned s = (unsigned)(lba % spt + 1);
	if (c > 1023) {
		c = 1023;
		h = heads - 1;
		s = spt;
	}
	p[0] = (uint8_t)h;
	p[1] = (uint8_t)(s | ((c >> 2) & 0xC0)); /* sector in bits 0-5, cylinder bits 8-9 in 6-7 */
	p[2] = (uint8_t)c;
}

void part_mbr_encode(uint8_t mbr[512], const struct part_mbr_entry e[4], unsigned heads, unsigned spt)
{
	for (int i = 0; i < 4; i++) {
		uint8_t *p = mbr + 446 + 16 * i;
		memset(p, 0, 16);
		if (!e[i].type)
			continue;
		p[0] = e[i].active ? 0x80 : 0x00; /* boot indicator */
		/* the protective entry's CHS fields are fixed by UEFI 5.2.3:
		 * start 0x000200, end 0xFFFFFF */
		if (e[i].type == PART_MBR_PROTECTIVE) {
			p[1] = 0x00, p[2] = 0x02, p[3] = 0x00;
			p[5] = p[6] = p[7] = 0xFF;
		} else {
			part_chs(p + 1, e[i].start, heads, spt);
			part_chs(p + 5, (uint64_t)e[i].start + (e[i].sectors ? e[i].sectors - 1 : 0), heads,
				 spt);
		}
		p[4] = e[i].type;
		put_le32(p + 8, e[i].start);
		put_le32(p + 12, e[i].sectors);
	}
	mbr[510] = 0x55;
	mbr[511] = 0xAA;
}

int part_mbr_decode(const uint8_t mbr[512], struct part_mbr_entry e[4])
{
	if (mbr[510] != 0x55 || mbr[511] != 0xAA)
		return err_set(ERR_FORMAT, "no MBR signature 0x55AA at byte 510");
	for (int i = 0; i < 4; i++) {
		const uint8_t *p = mbr + 446 + 16 * i;
		e[i].active = p[0] == 0x80;
		e[i].type = p[4];
		e[i].start = get_le32(p + 8);
		e[i].sectors = get_le32(p + 12);
	}
	return 0;
}

void part_mbr_protective(struct part_mbr_entry *e, uint64_t sectors)
{
	memset(e, 0, sizeof *e);
	e->type = PART_MBR_PROTECTIVE;
	e->start = 1;
	e->sectors = sectors - 1 > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)(sectors - 1);
}
