/* Partition tables for `mklive info`: the MBR's four primary entries and
 * a GPT (UEFI 2.10, 5.3) behind a protective MBR, as isohybrid images and
 * disk images carry them, and an Apple partition map (xorriso's
 * -isohybrid-apm-hfsplus, as live-build's hybrid ISOs have). Decoding only; the header's and the entries'
 * counts are bounded before anything is read. */
#include "image/part.h"

#include "core/error.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GPT_MAX_ENTRIES 1024u
#define APM_MAX_ENTRIES 63u

static void guid_str(const uint8_t *g, char out[37])
{
	/* the first three fields are little-endian (UEFI 2.10, appendix A) */
	snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", get_le32(g), get_le16(g + 4),
		 get_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *guid_name(const char *s)
{
	static const struct {
		const char *guid, *name;
	} known[] = {
	    {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system"},
	    {"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "basic data"},
	    {"0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux file system"},
	    {"21686148-6449-6E6F-744E-656564454649", "BIOS boot"},
	    {"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap"},
	    {"4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(known[i].guid, s))
			return known[i].name;
	return NULL;
}

static void gpt(const struct imgsrc *src, struct imgsrc_info *info)
{
	uint8_t h[512], *ents = NULL;
	uint64_t lba, first, last;
	uint32_t n, esz;
	char g[37];
	if (src->size < 1024 || imgsrc_pread(src, h, sizeof h, 512) < 0 || memcmp(h, "EFI PART", 8) != 0) {
		err_clear();
		return;
	}
	lba = get_le64(h + 72);
	n = get_le32(h + 80);
	esz = get_le32(h + 84);
	first = get_le64(h + 40);
	last = get_le64(h + 48);
	guid_str(h + 56, g);
	imgsrc_info_add(info,
			"gpt: disk %s, usable sectors %llu..%llu, %u entries of %u bytes at sector %llu", g,
			(unsigned long long)first, (unsigned long long)last, n, esz, (unsigned long long)lba);
	if (esz < 128 || esz > 4096 || esz % 8 || n > GPT_MAX_ENTRIES || lba > src->size / 512 ||
	    (uint64_t)n * esz > src->size - lba * 512) {
		imgsrc_info_add(info, "gpt: the entry array is out of range (not decoded)");
		return;
	}
	ents = xmalloc((size_t)n * esz + 1);
	if (imgsrc_pread(src, ents, (size_t)n * esz, lba * 512) < 0) {
		err_clear();
		free(ents);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = ents + (size_t)i * esz;
		char name[72 * 2 + 1];
		size_t k = 0;
		const char *tn;
		static const uint8_t zero[16];
		if (!memcmp(e, zero, 16))
			continue;
		for (int c = 0; c < 36; c++) {
			uint16_t u = get_le16(e + 56 + 2 * c);
			if (!u)
				break;
			name[k++] = u >= 32 && u < 127 ? (char)u : '?';
		}
		name[k] = 0;
		guid_str(e, g);
		tn = guid_name(g);
		imgsrc_info_add(info, "gpt partition %u: %s, sectors %llu..%llu%s%s%s", i + 1, tn ? tn : g,
				(unsigned long long)get_le64(e + 32), (unsigned long long)get_le64(e + 40),
				k ? ", name '" : "", name, k ? "'" : "");
	}
	free(ents);
}

/* A fixed-size, NUL-padded name of an APM entry, printable. */
static void apm_str(const uint8_t *p, size_t n, char *out)
{
	size_t i = 0;
	for (; i < n && p[i]; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = 0;
}

/* Apple partition map (Inside Macintosh: Devices, "Partition Map"): the
 * driver descriptor "ER" and the block size in block 0, one "PM" entry a
 * block from block 1, the first entry's map size saying how many. */
static void apm(const struct imgsrc *src, const uint8_t *s, struct imgsrc_info *info)
{
	uint32_t bs = get_be16(s + 2), n = 0;
	uint8_t e[512];
	if (s[0] != 'E' || s[1] != 'R' || (bs != 512 && bs != 1024 && bs != 2048 && bs != 4096))
		return;
	for (uint32_t i = 1; i <= APM_MAX_ENTRIES && (uint64_t)(i + 1) * bs <= src->size; i++) {
		char name[33], type[33];
		if (imgsrc_pread(src, e, sizeof e, (uint64_t)i * bs) < 0) {
			err_clear();
			break;
		}
		if (e[0] != 'P' || e[1] != 'M')
			break;
		if (i == 1) {
			n = MIN(get_be32(e + 4), APM_MAX_ENTRIES);
			imgsrc_info_add(info, "apm: Apple partition map, %u entries, block size %u", n, bs);
		}
		if (i > n)
			break;
		uint32_t start = get_be32(e + 8), count = get_be32(e + 12);
		apm_str(e + 16, 32, name);
		apm_str(e + 48, 32, type);
		imgsrc_info_add(info, "apm partition %u: %s '%s', blocks %u..%llu (%llu bytes)", i, type,
				name, start, (unsigned long long)start + count - (count ? 1 : 0),
				(unsigned long long)count * bs);
	}
}

void image_part_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	uint8_t s[512];
	bool any = false;
	if (src->size < 512 || imgsrc_pread(src, s, sizeof s, 0) < 0) {
		err_clear();
		return;
	}
	apm(src, s, info);
	if (s[510] != 0x55 || s[511] != 0xAA)
		return;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = s + 446 + 16 * i;
		uint32_t start = get_le32(e + 8), count = get_le32(e + 12);
		if (!e[4] || !count || (e[0] != 0 && e[0] != 0x80))
			continue;
		any = true;
		imgsrc_info_add(
		    info, "mbr partition %d: type 0x%02x%s, start sector %u, %u sectors (%llu bytes)", i + 1,
		    e[4], e[0] == 0x80 ? ", active" : "", start, count, (unsigned long long)count * 512);
	}
	if (any)
		gpt(src, info);
}
