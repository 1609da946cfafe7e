/* GUIDs of the GUID Partition Table: the on-disk byte order (UEFI 2.10
 * appendix A: Data1..Data3 little-endian, Data4 as written), text forms,
 * the partition types mklive writes, and reproducible unique GUIDs. */
#include "part/part.h"

#include "core/error.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>

/* UEFI 5.3.3 table 5.7 */
const uint8_t PART_TYPE_ESP[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
				   0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};
/* Microsoft basic data: what xorriso's -isohybrid-gpt-basdat writes */
const uint8_t PART_TYPE_BASIC_DATA[16] = {0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
					  0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
/* the Discoverable Partitions Specification's "Linux filesystem data" */
const uint8_t PART_TYPE_LINUX[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
				     0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};
const uint8_t PART_TYPE_LINUX_SWAP[16] = {0x6D, 0xFD, 0x57, 0x06, 0xAB, 0xA4, 0xC4, 0x43,
					  0x84, 0xE5, 0x09, 0x33, 0xC8, 0x4B, 0x4F, 0x4F};
const uint8_t PART_TYPE_HFSPLUS[16] = {0x00, 0x53, 0x46, 0x48, 0x00, 0x00, 0xAA, 0x11,
				       0xAA, 0x11, 0x00, 0x30, 0x65, 0x43, 0xEC, 0xAC};

int part_guid_parse(const char *text, uint8_t out[16], const char *what)
{
	uint8_t b[16];
	size_t n = 0, len = strlen(text);
	const char *p = text;
	bool dashed;
	if (len >= 2 && p[0] == '{' && p[len - 1] == '}')
		p++, len -= 2;
	dashed = len == 36;
	if (len != 36 && len != 32)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (p[i] != '-')
				goto bad;
			continue;
		}
		int hi = util_hexval((unsigned char)p[i]),
		    lo = i + 1 < len ? util_hexval((unsigned char)p[i + 1]) : -1;
		if (hi < 0 || lo < 0 || n == 16)
			goto bad;
		b[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	if (n != 16)
		goto bad;
	if (dashed) {
		/* text order is big-endian per field; disk order swaps the first three */
		out[0] = b[3], out[1] = b[2], out[2] = b[1], out[3] = b[0];
		out[4] = b[5], out[5] = b[4];
		out[6] = b[7], out[7] = b[6];
		memcpy(out + 8, b + 8, 8);
	} else {
		memcpy(out, b, 16);
	}
	return 0;
bad:
	return err_set(ERR_USAGE, "%s %s: not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX or 32 hex digits)",
		       what ? what : "GUID", text);
}

void part_guid_format(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", get_le32(g), get_le16(g + 4),
		 get_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void part_guid_derive(uint8_t out[16], uint64_t seed, unsigned index)
{
	uint64_t s = seed ^ ((uint64_t)index * 0xD1B54A32D192ED03ull);
	put_le64(out, splitmix(&s));
	put_le64(out + 8, splitmix(&s));
	out[7] = (uint8_t)((out[7] & 0x0F) | 0x40); /* version 4 (high nibble of Data3) */
	out[8] = (uint8_t)((out[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}

bool part_guid_is_zero(const uint8_t g[16])
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

const uint8_t *part_type_from_mbr(uint8_t mbr_type)
{
	switch (mbr_type) {
	case 0xEF:
		return PART_TYPE_ESP;
	case 0x83:
		return PART_TYPE_LINUX;
	case 0x82:
		return PART_TYPE_LINUX_SWAP;
	case 0xAF:
		return PART_TYPE_HFSPLUS;
	default:
		return PART_TYPE_BASIC_DATA;
	}
}

const char *part_type_name(const uint8_t type[16])
{
	static const struct {
		const uint8_t *g;
		const char *name;
	} names[] = {
	    {PART_TYPE_ESP, "EFI System"},	   {PART_TYPE_BASIC_DATA, "Microsoft basic data"},
	    {PART_TYPE_LINUX, "Linux filesystem"}, {PART_TYPE_LINUX_SWAP, "Linux swap"},
	    {PART_TYPE_HFSPLUS, "Apple HFS/HFS+"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!memcmp(names[i].g, type, 16))
			return names[i].name;
	return part_guid_is_zero(type) ? "unused" : "other";
}
