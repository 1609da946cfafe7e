/* Partition tables byte by byte: CRC32, GUID byte order and text, MBR
 * entries and the protective entry, GPT headers and arrays (both copies,
 * their CRCs, the checks on the layout), read back by the decoders. */
#define TEST_SUITE "part"
#include "test.h"

#include "core/error.h"
#include "core/util.h"
#include "part/part.h"

TEST(test_crc32)
{
	/* the CRC-32 check value of "123456789" (IEEE 802.3, as zlib's) */
	CHECK_EQ(part_crc32(0, "123456789", 9), 0xCBF43926u);
	CHECK_EQ(part_crc32(part_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

TEST(test_guid)
{
	uint8_t g[16];
	char text[37];
	CHECK_EQ(part_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_ESP, 16);
	/* disk order: the first three fields little-endian */
	CHECK_MEM(g, "\x28\x73\x2a\xc1\x1f\xf8\xd2\x11\xba\x4b\x00\xa0\xc9\x3e\xc9\x3b", 16);
	CHECK_EQ(part_guid_parse("{ebd0a0a2-b9e5-4433-87c0-68b6b72699c7}", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_BASIC_DATA, 16);
	/* xorriso's spelling: the disk bytes in order */
	CHECK_EQ(part_guid_parse("a2a0d0ebe5b9334487c068b6b72699c7", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_BASIC_DATA, 16);
	CHECK_EQ(part_guid_parse("0FC63DAF-8483-4772-8E79-3D69D8477DE4", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_LINUX, 16);
	CHECK_EQ(part_guid_parse("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_LINUX_SWAP, 16);
	CHECK_EQ(part_guid_parse("48465300-0000-11AA-AA11-00306543ECAC", g, NULL), 0);
	CHECK_MEM(g, PART_TYPE_HFSPLUS, 16);
	part_guid_format(PART_TYPE_ESP, text);
	CHECK_STR(text, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
	CHECK(part_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93", g, "--type") < 0);
	CHECK(strstr(err_msg(), "--type") != NULL);
	CHECK(part_guid_parse("C12A7328xF81F-11D2-BA4B-00A0C93EC93B", g, NULL) < 0);
	CHECK(part_guid_parse("g12A7328-F81F-11D2-BA4B-00A0C93EC93B", g, NULL) < 0);
	/* derived GUIDs repeat, differ by index, carry version 4 / RFC 4122 */
	uint8_t a[16], b[16], c[16];
	part_guid_derive(a, 42, 1);
	part_guid_derive(b, 42, 1);
	part_guid_derive(c, 42, 2);
	CHECK_MEM(a, b, 16);
	CHECK(memcmp(a, c, 16) != 0);
	CHECK_EQ(a[7] >> 4, 4);
	CHECK_EQ(a[8] >> 6, 2);
	CHECK(part_type_from_mbr(0xEF) == PART_TYPE_ESP);
	CHECK(part_type_from_mbr(0x83) == PART_TYPE_LINUX);
	CHECK(part_type_from_mbr(0x0C) == PART_TYPE_BASIC_DATA);
	CHECK_STR(part_type_name(PART_TYPE_ESP), "EFI System");
}

TEST(test_mbr)
{
	uint8_t m[512];
	struct part_mbr_entry e[4], r[4];
	memset(m, 0xAB, sizeof m);
	memset(e, 0, sizeof e);
	part_mbr_protective(&e[0], 20480);
	e[0].active = true;
	e[1] = (struct part_mbr_entry){false, 0xEF, 128, 8192};
	part_mbr_encode(m, e, 64, 32);
	CHECK_EQ(m[0], 0xAB); /* the code is left alone */
	CHECK_EQ(m[445], 0xAB);
	CHECK_MEM(m + 446, "\x80\x00\x02\x00\xee\xff\xff\xff\x01\x00\x00\x00\xff\x4f\x00\x00", 16);
	/* 128 = c 0 h 4 s 1; 8319 = c 4 h 3 s 32 (64 x 32 geometry) */
	CHECK_MEM(m + 462, "\x00\x04\x01\x00\xef\x03\x20\x04\x80\x00\x00\x00\x00\x20\x00\x00", 16);
	CHECK_MEM(m + 478, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
	CHECK_EQ(m[510], 0x55);
	CHECK_EQ(m[511], 0xAA);
	CHECK_EQ(part_mbr_decode(m, r), 0);
	CHECK(r[0].active && r[0].type == 0xEE && r[0].start == 1 && r[0].sectors == 20479);
	CHECK(!r[1].active && r[1].type == 0xEF && r[1].start == 128 && r[1].sectors == 8192);
	CHECK_EQ(r[2].type, 0);
	/* CHS clamps past cylinder 1023 */
	memset(e, 0, sizeof e);
	e[0] = (struct part_mbr_entry){false, 0x83, 3000000, 100};
	part_mbr_encode(m, e, 64, 32);
	CHECK_MEM(m + 447, "\x3f\xe0\xff", 3); /* h 63, s 32, c 1023 */
	part_mbr_protective(&e[0], 1ull << 40);
	CHECK_EQ(e[0].sectors, 0xFFFFFFFFu);
	m[511] = 0;
	CHECK(part_mbr_decode(m, r) < 0);
}

TEST(test_gpt)
{
	struct part_gpt g;
	struct part_gpt_entry e[2];
	struct part_gpt_header h, hb;
	uint8_t prim[17 * 1024], back[17 * 1024];
	char name[37];
	memset(e, 0, sizeof e);
	memcpy(e[0].type, PART_TYPE_ESP, 16);
	part_guid_derive(e[0].guid, 7, 1);
	e[0].first = 128, e[0].last = 8319, e[0].name = "EFI system partition";
	memcpy(e[1].type, PART_TYPE_LINUX, 16);
	part_guid_derive(e[1].guid, 7, 2);
	e[1].first = 8320, e[1].last = 9000, e[1].attrs = PART_GPT_ATTR_READ_ONLY,
	e[1].name = "d\xc3\xa9j\xc3\xa0";
	part_gpt_init(&g, 20480);
	part_guid_derive(g.disk_guid, 7, 0);
	g.first_usable = 64;
	g.entries = e;
	g.nentries = 2;
	CHECK_EQ(part_gpt_array_sectors(&g), 32);
	CHECK_EQ(part_gpt_bytes(&g), 33 * 512);
	CHECK_EQ(part_gpt_backup_lba(&g), 20447);
	CHECK(part_gpt_bytes(&g) <= sizeof prim);
	CHECK_EQ(part_gpt_encode(&g, prim, back), 0);
	/* the primary header, field by field (UEFI 5.3.2) */
	CHECK_MEM(prim, "EFI PART\x00\x00\x01\x00\x5c\x00\x00\x00", 16);
	CHECK_EQ(get_le64(prim + 24), 1);
	CHECK_EQ(get_le64(prim + 32), 20479);
	CHECK_EQ(get_le64(prim + 40), 64);
	CHECK_EQ(get_le64(prim + 48), 20446);
	CHECK_EQ(get_le64(prim + 72), 2);
	CHECK_EQ(get_le32(prim + 80), 128);
	CHECK_EQ(get_le32(prim + 84), 128);
	CHECK_EQ(part_gpt_header_decode(prim, &h), 0);
	CHECK_EQ(h.array_lba, 2);
	CHECK_EQ(part_gpt_array_check(&h, prim + 512, 32 * 512), 0);
	struct part_gpt_entry r;
	part_gpt_entry_decode(prim + 512, &h, 0, &r, name);
	CHECK_MEM(r.type, PART_TYPE_ESP, 16);
	CHECK(r.first == 128 && r.last == 8319 && r.attrs == 0);
	CHECK_STR(name, "EFI system partition");
	part_gpt_entry_decode(prim + 512, &h, 1, &r, name);
	CHECK(r.first == 8320 && r.last == 9000 && r.attrs == PART_GPT_ATTR_READ_ONLY);
	CHECK_EQ(get_le16(prim + 512 + 128 + 56 + 2), 0xE9); /* UTF-16LE é */
	CHECK_STR(name, "d?j?");
	part_gpt_entry_decode(prim + 512, &h, 2, &r, name);
	CHECK(part_guid_is_zero(r.type));
	/* the backup: the same array, a header at the last sector pointing back */
	CHECK_MEM(back, prim + 512, 32 * 512);
	CHECK_EQ(part_gpt_header_decode(back + 32 * 512, &hb), 0);
	CHECK_EQ(hb.my_lba, 20479);
	CHECK_EQ(hb.alternate_lba, 1);
	CHECK_EQ(hb.array_lba, 20447);
	CHECK_EQ(hb.array_crc, h.array_crc);
	CHECK_MEM(hb.disk_guid, g.disk_guid, 16);
	/* corruption is caught */
	prim[600] ^= 1;
	CHECK(part_gpt_array_check(&h, prim + 512, 32 * 512) < 0);
	prim[40] ^= 1;
	CHECK(part_gpt_header_decode(prim, &h) < 0);
	CHECK(strstr(err_msg(), "CRC32") != NULL);
	/* layouts that cannot be */
	e[1].first = 8319;
	CHECK(part_gpt_encode(&g, prim, back) < 0);
	CHECK(strstr(err_msg(), "overlap") != NULL);
	e[1].first = 8320, e[1].last = 20447;
	CHECK(part_gpt_encode(&g, prim, back) < 0);
	CHECK(strstr(err_msg(), "outside the usable") != NULL);
	e[1].last = 9000, e[0].first = 63;
	CHECK(part_gpt_encode(&g, prim, back) < 0);
	e[0].first = 128, e[1].name = "a name that is far too long for the thirty-six units";
	CHECK(part_gpt_encode(&g, prim, back) < 0);
	/* an unused slot between partitions stays zero */
	e[1].name = NULL;
	memset(e[0].type, 0, 16);
	CHECK_EQ(part_gpt_encode(&g, prim, back), 0);
	CHECK(part_guid_is_zero(prim + 512));
	CHECK_MEM(prim + 512 + 128, PART_TYPE_LINUX, 16);
	part_gpt_init(&g, 60);
	CHECK(part_gpt_encode(&g, prim, back) < 0);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
