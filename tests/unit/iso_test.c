/* ISO 9660 records byte by byte: volume descriptors, directory records,
 * path tables, names, El Torito catalog, boot-info-table, isohybrid MBR. */
#define TEST_SUITE "iso"
#include "test.h"

#include "core/util.h"
#include "iso9660/ecma119.h"
#include "iso9660/eltorito.h"
#include "iso9660/hybrid.h"
#include "iso9660/joliet.h"
#include "iso9660/names.h"

TEST(test_both_endian)
{
	uint8_t b[8];
	iso_put_733(b, 0x12345678);
	CHECK_MEM(b, "\x78\x56\x34\x12\x12\x34\x56\x78", 8);
	iso_put_723(b, 0x0800);
	CHECK_MEM(b, "\x00\x08\x08\x00", 4);
}

TEST(test_dates)
{
	uint8_t d[17];
	iso_put_dr_date(d, 1600000000); /* 2020-09-13 12:26:40 UTC */
	CHECK_MEM(d, "\x78\x09\x0d\x0c\x1a\x28\x00", 7);
	iso_put_vd_date(d, 1600000000);
	CHECK_MEM(d, "2020091312264000\0", 17);
	iso_put_vd_date(d, -1);
	CHECK_MEM(d, "0000000000000000\0", 17);
	/* 9.1.5 holds the years 1900..2155 (one byte after 1900): 2155 is
	 * recorded, later dates are clamped to its last second instead of
	 * wrapping around to 1900..1903 */
	iso_put_dr_date(d, 5869583999LL); /* 2155-12-31 23:59:59 */
	CHECK_MEM(d, "\xff\x0c\x1f\x17\x3b\x3b\x00", 7);
	iso_put_dr_date(d, 5838048000LL); /* 2155-01-01 00:00:00 */
	CHECK_MEM(d, "\xff\x01\x01\x00\x00\x00\x00", 7);
	iso_put_dr_date(d, 5869584000LL); /* 2156-01-01 00:00:00 */
	CHECK_MEM(d, "\xff\x0c\x1f\x17\x3b\x3b\x00", 7);
	iso_put_dr_date(d, 7258118400LL); /* 2200-01-01 00:00:00 */
	CHECK_MEM(d, "\xff\x0c\x1f\x17\x3b\x3b\x00", 7);
	iso_put_dr_date(d, -2208988801LL); /* 1899-12-31 23:59:59: the first second */
	CHECK_MEM(d, "\x00\x01\x01\x00\x00\x00\x00", 7);
}

TEST(test_dir_record)
{
	uint8_t r[64];
	struct iso_dr dr = {.extent = 0x1234,
			    .size = 2048,
			    .mtime = 1600000000,
			    .flags = ISO_DR_DIR,
			    .name = (const uint8_t *)"ABC.;1",
			    .name_len = 6};
	size_t len = iso_dr_encode(r, &dr);
	CHECK_EQ(len, 40); /* 33 + 6 + 1 pad */
	CHECK_EQ(r[0], 40);
	CHECK_EQ(r[1], 0);
	CHECK_MEM(r + 2, "\x34\x12\x00\x00\x00\x00\x12\x34", 8);
	CHECK_MEM(r + 10, "\x00\x08\x00\x00\x00\x00\x08\x00", 8);
	CHECK_EQ(r[18], 120);
	CHECK_EQ(r[25], 2);
	CHECK_MEM(r + 28, "\x01\x00\x00\x01", 4);
	CHECK_EQ(r[32], 6);
	CHECK_MEM(r + 33, "ABC.;1", 6);
	CHECK_EQ(r[39], 0);
	CHECK_EQ(iso_dr_len(1, 0), 34);
	CHECK_EQ(iso_dr_len(1, 7), 42); /* 34 + 7, padded to even */
	CHECK_EQ(iso_dr_len(2, 0), 36);
	/* the longest record: its length must fit one byte and be even */
	for (size_t n = 1; n <= 37; n++)
		CHECK(iso_dr_len(n, ISO_DR_MAX - iso_dr_len(n, 0)) <= 254);
}

TEST(test_path_table)
{
	uint8_t l[16], m[16];
	CHECK_EQ(iso_pt_encode(l, (const uint8_t *)"BOOT", 4, 0x20, 1, false), 12);
	CHECK_MEM(l,
		  "\x04\x00\x20\x00\x00\x00\x01\x00"
		  "BOOT",
		  12);
	CHECK_EQ(iso_pt_encode(m, (const uint8_t *)"ABC", 3, 0x20, 2, true), 12);
	CHECK_MEM(m,
		  "\x03\x00\x00\x00\x00\x20\x00\x02"
		  "ABC\0",
		  12);
	CHECK_EQ(iso_pt_len(1), 10);
}

TEST(test_pvd)
{
	static uint8_t p[ISO_BLOCK];
	struct iso_vd v = {
	    .type = ISO_VD_PRIMARY,
	    .system_id = (const uint8_t *)"LINUX",
	    .system_id_len = 5,
	    .volume_id = (const uint8_t *)"My KNOPPIX",
	    .volume_id_len = 10,
	    .volume_space = 1000,
	    .pt_size = 10,
	    .pt_l = 19,
	    .pt_m = 20,
	    .root_extent = 21,
	    .root_size = 2048,
	    .root_mtime = 1600000000,
	    .created = 1600000000,
	};
	iso_vd_encode(p, &v);
	CHECK_MEM(p,
		  "\x01"
		  "CD001"
		  "\x01\x00",
		  8);
	CHECK_MEM(p + 8, "LINUX                           ", 32);
	CHECK_MEM(p + 40, "My KNOPPIX                      ", 32);
	CHECK_MEM(p + 80, "\xe8\x03\x00\x00\x00\x00\x03\xe8", 8);
	CHECK_MEM(p + 120,
		  "\x01\x00\x00\x01"
		  "\x01\x00\x00\x01"
		  "\x00\x08\x08\x00",
		  12);
	CHECK_MEM(p + 132, "\x0a\x00\x00\x00\x00\x00\x00\x0a", 8);
	CHECK_MEM(p + 140,
		  "\x13\x00\x00\x00"
		  "\x00\x00\x00\x00"
		  "\x00\x00\x00\x14"
		  "\x00\x00\x00\x00",
		  16);
	CHECK_EQ(p[156], 34);
	CHECK_MEM(p + 158, "\x15\x00\x00\x00\x00\x00\x00\x15", 8);
	CHECK_EQ(p[156 + 25], ISO_DR_DIR);
	CHECK_EQ(p[156 + 32], 1);
	CHECK_EQ(p[156 + 33], 0);
	CHECK_EQ(p[190], ' ');
	CHECK_MEM(p + 813, "2020091312264000\0", 17);
	CHECK_MEM(p + 847, "0000000000000000\0", 17);
	CHECK_EQ(p[881], 1);
	CHECK_EQ(p[88], 0);
	/* Joliet: escape sequence and UCS-2 padding */
	{
		uint8_t vol[32];
		v.type = ISO_VD_SUPPLEMENTARY;
		v.joliet = true;
		v.volume_id = vol;
		v.volume_id_len = iso_joliet_str("Ab", vol, 16);
		iso_vd_encode(p, &v);
		CHECK_EQ(p[0], 2);
		CHECK_MEM(p + 88, "%/E", 3);
		CHECK_MEM(p + 40, "\0A\0b\0 \0 ", 8);
	}
	iso_vd_terminator(p);
	CHECK_MEM(p,
		  "\xff"
		  "CD001"
		  "\x01",
		  7);
}

static void mangle(const char *in, bool dir, int level, bool l, const char *want)
{
	struct iso_name_rules r = {level, l};
	uint8_t out[ISO_NAME_MAX + 1];
	size_t n = iso_name_mangle(in, dir, &r, out);
	out[n] = 0;
	CHECK_STR((char *)out, want);
}

TEST(test_names)
{
	mangle("lowercase.txt", false, 1, false, "LOWERCAS.TXT;1");
	mangle("README", false, 1, false, "README.;1");
	mangle(".hidden", false, 1, false, "_HIDDEN.;1");
	mangle("many.dots.in.the.name.tar.gz", false, 1, false, "MANY_DOT.GZ;1");
	mangle("many.dots.in.the.name.tar.gz", false, 1, true, "MANY_DOTS_IN_THE_NAME_TAR.GZ;1");
	mangle("sub.dir", true, 1, false, "SUB_DIR");
	mangle("grüße.txt", false, 2, false, "GR__E.TXT;1");
	mangle("a-very-long-file-name-that-does-not-fit-in-eight-dot-three.txt", false, 2, false,
	       "A_VERY_LONG_FILE_NAME_THAT_.TXT;1");
	mangle("isolinux.bin", false, 1, false, "ISOLINUX.BIN;1");
	mangle("with space", true, 1, true, "WITH_SPACE");
	{
		/* collisions: the first keeps its name, the others get numbers */
		struct iso_name_rules r = {1, false};
		uint8_t b[3][ISO_JOLIET_NAME_MAX + 8];
		struct iso_name n[3], *p[3];
		const char *src[3] = {"collision-a-1", "collision-a-2", "COLLISION-A-3"};
		for (int i = 0; i < 3; i++) {
			n[i].bytes = b[i];
			n[i].len = (uint8_t)iso_name_mangle(src[i], false, &r, b[i]);
			n[i].is_dir = false;
			p[i] = &n[i];
		}
		iso_names_uniquify(p, 3, false, &r);
		for (int i = 0; i < 3; i++)
			b[i][n[i].len] = 0;
		CHECK_STR((char *)b[0], "COLLISIO.;1");
		CHECK_STR((char *)b[1], "COLLISI1.;1");
		CHECK_STR((char *)b[2], "COLLISI2.;1");
	}
	{
		uint8_t j[ISO_JOLIET_NAME_MAX];
		size_t n = iso_name_joliet("a:é", false, j);
		CHECK_EQ(n, 10);
		CHECK_MEM(j,
			  "\0a\0_\0\xe9\0;\0"
			  "1",
			  10);
	}
}

/* Many equal names: all distinct afterwards, within the 8.3 limit. */
TEST(test_names_many)
{
	enum { N = 3000 };
	struct iso_name_rules r = {1, false};
	static uint8_t b[N][ISO_JOLIET_NAME_MAX + 8];
	static struct iso_name n[N], *p[N];
	for (int i = 0; i < N; i++) {
		char src[64];
		snprintf(src, sizeof src, "averylongprefix-%d.txt", i);
		n[i].bytes = b[i];
		n[i].len = (uint8_t)iso_name_mangle(src, false, &r, b[i]);
		p[i] = &n[i];
	}
	iso_names_uniquify(p, N, false, &r);
	for (int i = 0; i < N; i++) {
		b[i][n[i].len] = 0;
		CHECK(n[i].len <= 14);
		CHECK(strstr((char *)b[i], ".TXT;1") != NULL);
	}
	CHECK_STR((char *)b[0], "AVERYLON.TXT;1");
	CHECK_STR((char *)b[N - 1], "AVER2999.TXT;1");
	for (int i = 1; i < N; i++)
		for (int j = 0; j < i; j += 97) /* sampled pairs; the set makes it exact */
			CHECK(strcmp((char *)b[i], (char *)b[j]) != 0);
}

TEST(test_catalog)
{
	static uint8_t c[ISO_BLOCK];
	struct iso_et_entry e[2] = {
	    {.platform = 0, .bootable = true, .media = ISO_ET_NOEMUL, .count = 4, .lba = 0x2a},
	    {.platform = 0xEF, .bootable = true, .media = ISO_ET_NOEMUL, .count = 2880, .lba = 0x30},
	};
	uint16_t sum = 0;
	CHECK_EQ(iso_et_catalog(c, e, 1), 0);
	/* validation entry: header 1, platform 0, checksum, 55 AA */
	CHECK_MEM(c, "\x01\x00\x00\x00", 4);
	CHECK_MEM(c + 28, "\xaa\x55\x55\xaa", 4);
	for (int i = 0; i < 32; i += 2)
		sum = (uint16_t)(sum + get_le16(c + i));
	CHECK_EQ(sum, 0);
	/* default entry: bootable, no emulation, segment 0, 4 sectors at 0x2a */
	CHECK_MEM(c + 32, "\x88\x00\x00\x00\x00\x00\x04\x00\x2a\x00\x00\x00", 12);
	CHECK_EQ(c[64], 0);
	CHECK_EQ(iso_et_catalog(c, e, 2), 0);
	CHECK_MEM(c + 64, "\x91\xef\x01\x00", 4);
	CHECK_MEM(c + 96, "\x88\x00\x00\x00\x00\x00\x40\x0b\x30\x00\x00\x00", 12);
	/* floppy and hard disk entries */
	e[0].media = ISO_ET_FLOPPY_144;
	e[0].count = 1;
	e[0].load_seg = 0x7c0;
	e[0].bootable = false;
	iso_et_catalog(c, e, 1);
	CHECK_MEM(c + 32, "\x00\x02\xc0\x07\x00\x00\x01\x00", 8);
	CHECK_EQ(iso_et_floppy_media(1474560), ISO_ET_FLOPPY_144);
	CHECK_EQ(iso_et_floppy_media(1228800), ISO_ET_FLOPPY_12);
	CHECK_EQ(iso_et_floppy_media(2949120), ISO_ET_FLOPPY_288);
	CHECK_EQ(iso_et_floppy_media(1474561), -1);
	iso_et_boot_record(c, 0x21);
	CHECK_MEM(c,
		  "\x00"
		  "CD001"
		  "\x01"
		  "EL TORITO SPECIFICATION\0",
		  31);
	CHECK_MEM(c + 0x47, "\x21\x00\x00\x00", 4);
}

TEST(test_info_table)
{
	uint8_t f[72], t[56];
	uint32_t sum;
	memset(f, 0xee, sizeof f); /* the first 64 bytes do not count */
	put_le32(f + 64, 0x01020304);
	f[68] = 0x05;
	f[69] = 0x06;
	f[70] = 0x07; /* partial last word: zero padded */
	f[71] = 0x00;
	sum = iso_et_checksum(0, f, 71, 0);
	CHECK_EQ(sum, 0x01020304u + 0x00070605u);
	/* chunked over a 64-byte boundary gives the same sum */
	CHECK_EQ(iso_et_checksum(iso_et_checksum(0, f, 64, 0), f + 64, 7, 64), sum);
	iso_et_info_table(t, 16, 0x2a, 72, 0xdeadbeef);
	CHECK_MEM(t, "\x10\x00\x00\x00\x2a\x00\x00\x00\x48\x00\x00\x00\xef\xbe\xad\xde", 16);
	for (int i = 16; i < 56; i++)
		CHECK_EQ(t[i], 0);
}

TEST(test_hybrid)
{
	uint8_t tmpl[512], mbr[512];
	memset(tmpl, 0x90, sizeof tmpl);
	CHECK_EQ(iso_hybrid_mbr(mbr, tmpl, 512, 0x2a, 2u << 20, 0x11223344, 0, 0), 0);
	CHECK_EQ(mbr[431], 0x90);
	CHECK_MEM(mbr + 432, "\xa8\x00\x00\x00\x00\x00\x00\x00", 8);
	CHECK_MEM(mbr + 440, "\x44\x33\x22\x11\x00\x00", 6);
	/* active, CHS 0/0/1, type 0x17, CHS end of 4096 sectors = c1 h63 s32 */
	CHECK_MEM(mbr + 446, "\x80\x00\x01\x00\x17\x3f\x20\x01\x00\x00\x00\x00\x00\x10\x00\x00", 16);
	CHECK_MEM(mbr + 462, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	CHECK_MEM(mbr + 510, "\x55\xaa", 2);
	/* with an EFI image of 1440 KiB at sector 0x30: partition 2, type 0xEF,
	 * from 512-byte sector 0xc0 (CHS 0/6/1) for 2880 sectors (end 0xc0 +
	 * 2879 = 3071: c1 h31 s32) */
	CHECK_EQ(iso_hybrid_mbr(mbr, tmpl, 512, 0x2a, 2u << 20, 0x11223344, 0x30, 1474560), 0);
	CHECK_MEM(mbr + 462, "\x00\x06\x01\x00\xef\x1f\x20\x01\xc0\x00\x00\x00\x40\x0b\x00\x00", 16);
	CHECK_EQ(mbr[446 + 4], 0x17);
	CHECK(iso_hybrid_mbr(mbr, tmpl, 100, 0x2a, 2u << 20, 0, 0, 0) < 0);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
