/* Unit tests for src/fat: BPB values against mkfs.fat, long-name checksums
 * and aliases against mtools, FAT12 packing, names, times, MBR, and a
 * small image written and read back record by record. */
#define TEST_SUITE "fat"
#include "test.h"

#include "core/error.h"
#include "core/output.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat.h"
#include "fat/fat_impl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes 11..61 (FAT12/16) or 11..89 (FAT32) of the boot sectors that
 * dosfstools 4.2 (Debian 4.2-1) writes with
 *   mkfs.fat -C -i 12345678 [-F BITS] img SIZE_IN_KIB
 * i.e. the BPB and extended BPB with serial 12345678 and label "NO NAME".
 * Recorded once from that program; the geometry code must match them. */
/* clang-format off */
static const struct {
	const char *name;
	uint64_t bytes;
	int bits;
	const char *bpb;
} mkfs_fat_ref[] = {
	{"360K", 368640, 0, "\x00\x02\x02\x01\x00\x02\x70\x00\xd0\x02\xfd\x02\x00\x09\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"720K", 737280, 0, "\x00\x02\x02\x01\x00\x02\x70\x00\xa0\x05\xf9\x03\x00\x09\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"1200K", 1228800, 0, "\x00\x02\x01\x01\x00\x02\xe0\x00\x60\x09\xf9\x07\x00\x0f\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"1440K", 1474560, 0, "\x00\x02\x01\x01\x00\x02\xe0\x00\x40\x0b\xf0\x09\x00\x12\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"2880K", 2949120, 0, "\x00\x02\x02\x01\x00\x02\xe0\x00\x80\x16\xf0\x09\x00\x24\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"4M", 4194304, 0, "\x00\x02\x04\x01\x00\x02\x00\x02\x00\x20\xf8\x06\x00\x20\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"8M", 8388608, 0, "\x00\x02\x04\x04\x00\x02\x00\x02\x00\x40\xf8\x0c\x00\x20\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
	{"16M", 16777216, 0, "\x00\x02\x04\x04\x00\x02\x00\x02\x00\x80\xf8\x20\x00\x20\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x36\x20\x20\x20"},
	{"64M", 67108864, 0, "\x00\x02\x04\x04\x00\x02\x00\x02\x00\x00\xf8\x80\x00\x20\x00\x08\x00\x00\x00\x00\x00\x00\x00\x02\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x36\x20\x20\x20"},
	{"600M", 629145600, 0, "\x00\x02\x08\x20\x00\x02\x00\x00\x00\x00\xf8\x00\x00\x3f\x00\x20\x00\x00\x00\x00\x00\xd0\xbf\x12\x00\xb0\x04\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x33\x32\x20\x20\x20"},
	{"64M-F32", 67108864, 32, "\x00\x02\x01\x20\x00\x02\x00\x00\x00\x00\xf8\x00\x00\x20\x00\x08\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf1\x03\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x33\x32\x20\x20\x20"},
	{"16M-F12", 16777216, 12, "\x00\x02\x10\x10\x00\x02\x00\x02\x00\x80\xf8\x10\x00\x20\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x29\x78\x56\x34\x12\x4e\x4f\x20\x4e\x41\x4d\x45\x20\x20\x20\x20\x46\x41\x54\x31\x32\x20\x20\x20"},
};
/* clang-format on */

TEST(test_bpb_matches_mkfs_fat)
{
	for (size_t i = 0; i < ARRAY_SIZE(mkfs_fat_ref); i++) {
		struct fat_geom g;
		uint8_t bs[512];
		int rc = fat_geom_compute(mkfs_fat_ref[i].bytes, mkfs_fat_ref[i].bits, false, 0, &g);
		size_t end;
		CHECK_EQ(rc, 0);
		if (rc) {
			fprintf(stderr, "  %s: %s\n", mkfs_fat_ref[i].name, err_msg());
			continue;
		}
		fat_boot_sector(&g, 0x12345678, (const uint8_t *)"NO NAME    ", bs);
		end = g.bits == 32 ? 90 : 62;
		for (size_t b = 11; b < end; b++)
			if (bs[b] != (uint8_t)mkfs_fat_ref[i].bpb[b - 11]) {
				fprintf(stderr, "  %s: boot sector byte %zu is 0x%02x, mkfs.fat has 0x%02x\n",
					mkfs_fat_ref[i].name, b, bs[b], (uint8_t)mkfs_fat_ref[i].bpb[b - 11]);
				test_failed_ = 1;
				break;
			}
		/* the jump skips exactly the BPB; the sector ends in 55 AA */
		CHECK_EQ(bs[0], 0xEB);
		CHECK_EQ(bs[1] + 2, end);
		CHECK_EQ(bs[510], 0x55);
		CHECK_EQ(bs[511], 0xAA);
	}
}

TEST(test_geometry_limits)
{
	struct fat_geom g;
	/* FAT type by cluster count (FAT spec "FAT Type Determination") */
	CHECK_EQ(fat_geom_compute(1474560, 0, false, 0, &g), 0);
	CHECK_EQ(g.bits, 12);
	CHECK(g.floppy);
	CHECK_EQ(g.clusters, 2847);
	CHECK_EQ(g.data_start, 33);
	CHECK_EQ(fat_geom_compute(600u << 20, 0, false, 0, &g), 0);
	CHECK_EQ(g.bits, 32);
	CHECK(g.clusters >= FAT_MIN_CLUST_32);
	/* forced FAT16 on 8M: mkfs.fat refuses; smaller clusters make it valid */
	CHECK_EQ(fat_geom_compute(8u << 20, 16, false, 0, &g), 0);
	CHECK_EQ(g.bits, 16);
	CHECK(g.clusters >= FAT_MIN_CLUST_16 && g.clusters <= FAT_MAX_CLUST_16);
	/* FAT32 needs 65525 clusters */
	CHECK(fat_geom_compute(1474560, 32, false, 0, &g) < 0);
	CHECK(strstr(err_msg(), "too small for FAT32") != NULL);
	CHECK(fat_geom_compute(1000, 0, false, 0, &g) < 0);
	/* partitioned: 64 heads x 32 sectors, hidden sectors = partition start */
	CHECK_EQ(fat_geom_compute(63u << 20, 16, true, FAT_PART_START, &g), 0);
	CHECK_EQ(g.heads, 64);
	CHECK_EQ(g.spt, 32);
	CHECK_EQ(g.hidden, 2048);
	CHECK_EQ(g.media, 0xF8);
	CHECK_EQ(g.drive, 0x80);
}

/* Short names and checksums mtools 4.0.32 wrote for the same long names
 * (mkfs.fat -C img 1440 and mcopy; read back from the directory). */
TEST(test_aliases_and_checksums_match_mtools)
{
	static const struct {
		const char *longname;
		const char *sn;
		uint8_t sum;
	} ref[] = {
	    {"A long name with spaces.txt", "ALONGN~1TXT", 0x42},
	    {"many.dots.in.the.name.tar.gz", "MANYDO~1GZ ", 0x58},
	    {"no_extension_but_long_name", "NO_EXT~1   ", 0x67},
	    {".hidden", "HIDDEN~1   ", 0x4d},
	    {"collision-aaaa-1", "COLLIS~1   ", 0x53},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ref); i++) {
		uint8_t basis[11], sn[11];
		fat_short_basis(ref[i].longname, basis);
		fat_short_tail(basis, 1, sn);
		CHECK_MEM(sn, ref[i].sn, 11);
		CHECK_EQ(fat_lfn_checksum((const uint8_t *)ref[i].sn), ref[i].sum);
	}
	CHECK_EQ(fat_lfn_checksum((const uint8_t *)"COLLIS~2   "), 0x33);
}

TEST(test_short_names)
{
	uint8_t sn[11], nt, basis[11];
	CHECK(fat_short_exact("README", sn, &nt));
	CHECK_MEM(sn, "README     ", 11);
	CHECK_EQ(nt, 0);
	CHECK(fat_short_exact("readme.txt", sn, &nt));
	CHECK_MEM(sn, "README  TXT", 11);
	CHECK_EQ(nt, 0x18);
	CHECK(fat_short_exact("vmlinuz", sn, &nt));
	CHECK_EQ(nt, 0x08);
	CHECK(fat_short_exact("SYSLINUX.cfg", sn, &nt));
	CHECK_EQ(nt, 0x10);
	CHECK(!fat_short_exact("ReadMe.txt", sn, &nt)); /* mixed case */
	CHECK(!fat_short_exact("toolongname.txt", sn, &nt));
	CHECK(!fat_short_exact("a.b.c", sn, &nt));
	CHECK(!fat_short_exact("a+b", sn, &nt)); /* + only in long names */
	CHECK(!fat_short_exact(".hidden", sn, &nt));
	CHECK(!fat_short_exact("file.text", sn, &nt));
	/* lossy conversion: non-ASCII and +,;=[] become '_' */
	fat_short_basis("grüße.txt", basis);
	CHECK_MEM(basis, "GR__E   TXT", 11);
	fat_short_basis("a+b=c.d", basis);
	CHECK_MEM(basis, "A_B_C   D  ", 11);
	/* the tail shortens the basis so that it fits in 8 */
	fat_short_basis("collision-aaaa-1", basis);
	fat_short_tail(basis, 10, sn);
	CHECK_MEM(sn, "COLLI~10   ", 11);
	fat_short_tail(basis, 123456, sn);
	CHECK_MEM(sn, "C~123456   ", 11);
	fat_short_basis("ab", basis);
	fat_short_tail(basis, 3, sn);
	CHECK_MEM(sn, "AB~3       ", 11);
}

TEST(test_name_checks)
{
	CHECK_EQ(fat_name_check("ok name (1).txt", "/x"), 0);
	CHECK_EQ(fat_name_check("日本語", "/x"), 0);
	CHECK(fat_name_check("a:b", "/dir/a:b") < 0);
	CHECK(strstr(err_msg(), "/dir/a:b") != NULL);
	CHECK(fat_name_check("what?", "/x") < 0);
	CHECK(fat_name_check("tab\there", "/x") < 0);
	CHECK(strstr(err_msg(), "control character 0x09") != NULL);
	CHECK(fat_name_check("trailing.", "/x") < 0);
	CHECK(fat_name_check("trailing ", "/x") < 0);
	CHECK(fat_name_check("bad\xff", "/x") < 0);
	{
		char longn[300];
		memset(longn, 'n', sizeof longn);
		longn[255] = 0;
		CHECK_EQ(fat_name_check(longn, "/x"), 0);
		longn[255] = 'n';
		longn[256] = 0;
		CHECK(fat_name_check(longn, "/x") < 0);
	}
}

TEST(test_utf16)
{
	uint16_t u[8];
	CHECK_EQ(fat_utf16("aé日", u, 8), 3);
	CHECK_EQ(u[0], 'a');
	CHECK_EQ(u[1], 0xE9);
	CHECK_EQ(u[2], 0x65E5);
	CHECK_EQ(fat_utf16("\xf0\x9f\x98\x80", u, 8), 2); /* U+1F600 as a surrogate pair */
	CHECK_EQ(u[0], 0xD83D);
	CHECK_EQ(u[1], 0xDE00);
	CHECK_EQ(fat_utf16("\xc0\xaf", u, 8), -1);     /* overlong */
	CHECK_EQ(fat_utf16("\xed\xa0\x80", u, 8), -1); /* a surrogate */
}

TEST(test_fat12_packing)
{
	struct fat_geom g;
	struct fat_alloc a;
	uint8_t *fat;
	size_t len;
	CHECK_EQ(fat_geom_compute(1474560, 0, false, 0, &g), 0);
	fat_alloc_init(&a, g.clusters);
	CHECK_EQ(fat_alloc_chain(&a, 3), 2);
	CHECK_EQ(fat_alloc_chain(&a, 1), 5);
	CHECK_EQ(fat_alloc_chain(&a, 2), 6);
	CHECK_EQ(fat_alloc_chain(&a, 5000), 0); /* does not fit */
	fat_table_encode(&g, &a, &fat, &len);
	CHECK_EQ(len, 512);
	/* F0 FF FF: media byte, then entry 1 = EOC (as mkfs.fat writes) */
	CHECK_MEM(fat, "\xf0\xff\xff", 3);
	CHECK_EQ(fat_table_get(12, fat, 2), 3);
	CHECK_EQ(fat_table_get(12, fat, 3), 4);
	CHECK_EQ(fat_table_get(12, fat, 4), 0xFFF);
	CHECK_EQ(fat_table_get(12, fat, 5), 0xFFF);
	CHECK_EQ(fat_table_get(12, fat, 6), 7);
	CHECK_EQ(fat_table_get(12, fat, 7), 0xFFF);
	CHECK_EQ(fat_table_get(12, fat, 8), 0);
	/* entries 2,3 packed: 03 40 00 */
	CHECK_MEM(fat + 3, "\x03\x40\x00", 3);
	free(fat);
	fat_alloc_free(&a);
}

TEST(test_time_encode)
{
	uint16_t d, t;
	uint8_t tenths;
	/* 2020-09-13 12:26:41 UTC (1600000001) + 0.5 s */
	fat_time_encode(1600000001, 500000000, &d, &t, &tenths);
	CHECK_EQ(d, (40 << 9) | (9 << 5) | 13);
	CHECK_EQ(t, (12 << 11) | (26 << 5) | 20);
	CHECK_EQ(tenths, 150);
	fat_time_encode(0, 0, &d, &t, &tenths); /* before 1980: clamped */
	CHECK_EQ(d, (0 << 9) | (1 << 5) | 1);
	CHECK_EQ(t, 0);
}

TEST(test_mbr)
{
	uint8_t m[512];
	fat_mbr(m, NULL, 0, 0xA1B2C3D4, 0x06, 2048, 129024);
	CHECK_EQ(get_le32(m + 440), 0xA1B2C3D4);
	CHECK_EQ(m[446], 0x80);
	CHECK_MEM(m + 447, "\x00\x01\x01", 3); /* CHS of LBA 2048: cyl 1 head 0 sector 1 */
	CHECK_EQ(m[450], 0x06);
	/* last LBA 131071: cylinder 63, head 63, sector 32 */
	CHECK_MEM(m + 451, "\x3f\x20\x3f", 3);
	CHECK_EQ(get_le32(m + 454), 2048);
	CHECK_EQ(get_le32(m + 458), 129024);
	CHECK_EQ(m[510], 0x55);
	CHECK_EQ(m[511], 0xAA);
	CHECK(memmem(m, 440, "Not a boot disk", 15) != NULL);
}

/* Write a small tree and check records of the result directly. */
TEST(test_write_small_image)
{
	char *dir = test_tmpdir();
	char *img = util_path_join(dir, "t.img");
	struct tree *t = tree_create();
	struct fat_opts o;
	struct fat_info info;
	uint8_t *data;
	size_t len;
	const uint8_t *root;
	memset(&o, 0, sizeof o);
	o.label = "mklive";
	o.serial_set = true;
	o.serial = 0xCAFEF00D;
	CHECK_EQ(tree_add_mem_file(t, "/readme.txt", "hello", 5, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/A long name.txt", "x", 1, 0444, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/sub/inner", "y", 1, 0644, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(fat_write(t, &o, img, &info), 0);
	CHECK_EQ(info.image_size, 368640); /* auto: the smallest floppy */
	CHECK_EQ(info.fat_bits, 12);
	CHECK_EQ(util_read_file(img, &data, &len), 0);
	CHECK_EQ(len, 368640);
	CHECK_EQ(get_le32(data + 39), 0xCAFEF00D);
	CHECK_MEM(data + 43, "MKLIVE     ", 11);
	/* root directory at sector 1 + 2 * 2 */
	root = data + 5 * 512;
	CHECK_MEM(root, "MKLIVE     ", 11);
	CHECK_EQ(root[11], 0x08); /* volume label */
	/* "A long name.txt" (15 characters): two long-name records, last
	 * part first, then ALONGN~1TXT, read-only */
	CHECK_EQ(root[32], 0x42);
	CHECK_EQ(root[32 + 11], 0x0F);
	CHECK_EQ(root[64], 0x01);
	CHECK_EQ(root[32 + 13], fat_lfn_checksum(root + 96));
	CHECK_EQ(root[64 + 13], fat_lfn_checksum(root + 96));
	CHECK_EQ(get_le16(root + 32 + 1), 'x'); /* characters 14 and 15 */
	CHECK_EQ(get_le16(root + 32 + 3), 't');
	CHECK_EQ(get_le16(root + 32 + 5), 0x0000); /* terminator, */
	CHECK_EQ(get_le16(root + 32 + 7), 0xFFFF); /* then padding */
	CHECK_EQ(get_le16(root + 64 + 1), 'A');
	CHECK_MEM(root + 96, "ALONGN~1TXT", 11);
	CHECK_EQ(root[96 + 11], 0x21);
	CHECK_MEM(root + 128, "README  TXT", 11);
	CHECK_EQ(root[128 + 12], 0x18);
	CHECK_EQ(get_le32(root + 128 + 28), 5);
	CHECK_MEM(root + 160, "SUB        ", 11);
	CHECK_EQ(root[160 + 11], 0x10);
	free(data);
	tree_destroy(t);
	free(img);
}

/* Aliases within one directory: unique, "~N" counting on per basis, and
 * no tail for a mixed-case 8.3 name whose basis is free. */
TEST(test_dir_aliases)
{
	struct tree *t = tree_create();
	struct fat_ent ents[16];
	size_t k = 0;
	struct tree_node *root;
	static const char *const names[] = {"Makefile",	     "MAKEFI~1",   "collision-a-1", "collision-a-2",
					    "Collision-B-3", "ReadMe.txt", "readme.TXT"};
	static const char *const want[] = {"MAKEFILE   ", "MAKEFI~1   ", "COLLIS~2   ", "COLLIS~3   ",
					   "COLLIS~1   ", "README  TXT", "README~1TXT"};
	memset(ents, 0, sizeof ents);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char p[64];
		snprintf(p, sizeof p, "/%s", names[i]);
		CHECK_EQ(tree_add_mem_file(t, p, "", 0, 0644, NULL), 0);
	}
	root = t->root;
	root->user = &ents[k++];
	for (size_t i = 0; i < root->nchildren; i++)
		root->children[i]->user = &ents[k++];
	/* ReadMe.txt and readme.TXT differ only in case: refused */
	CHECK(fat_dir_names(root, true, false) < 0);
	CHECK(strstr(err_msg(), "differ only in case") != NULL);
	tree_destroy(t);

	t = tree_create();
	memset(ents, 0, sizeof ents);
	k = 0;
	for (size_t i = 0; i + 1 < ARRAY_SIZE(names); i++) {
		char p[64];
		snprintf(p, sizeof p, "/%s", names[i]);
		CHECK_EQ(tree_add_mem_file(t, p, "", 0, 0644, NULL), 0);
	}
	root = t->root;
	root->user = &ents[k++];
	for (size_t i = 0; i < root->nchildren; i++)
		root->children[i]->user = &ents[k++];
	CHECK_EQ(fat_dir_names(root, true, false), 0);
	for (size_t i = 0; i < root->nchildren; i++) {
		struct tree_node *c = root->children[i];
		const struct fat_ent *e = c->user;
		for (size_t j = 0; j + 1 < ARRAY_SIZE(names); j++)
			if (strcmp(c->name, names[j]) == 0) {
				if (memcmp(e->sn, want[j], 11) != 0) {
					fprintf(stderr, "  %s: alias \"%.11s\", expected \"%s\"\n", c->name,
						(const char *)e->sn, want[j]);
					test_failed_ = 1;
				}
			}
	}
	/* (children are in byte order: "Collision-B-3" comes first and gets ~1)
	 * Makefile: 1 long-name record + short; MAKEFI~1: short only; three
	 * 13-character names: 1 + short each; ReadMe.txt: 1 + short */
	CHECK_EQ(((struct fat_ent *)root->user)->entries, 2 + 1 + 3 * 2 + 2);
	tree_destroy(t);
}

TEST(test_write_errors)
{
	char *dir = test_tmpdir();
	char *img = util_path_join(dir, "e.img");
	struct fat_opts o;
	struct stat st;
	struct tree *t;
	static uint8_t big[400000];
	memset(&o, 0, sizeof o);
	/* too large for a fixed floppy: says how many bytes are missing */
	t = tree_create();
	CHECK_EQ(tree_add_mem_file(t, "/big", big, sizeof big, 0644, NULL), 0);
	o.size = 368640;
	CHECK(fat_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), "bytes missing") != NULL);
	CHECK(stat(img, &st) < 0);
	tree_destroy(t);
	/* names that differ only in case */
	t = tree_create();
	CHECK_EQ(tree_add_mem_file(t, "/Upper.txt", "a", 1, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/UPPER.TXT", "b", 1, 0644, NULL), 0);
	o.size = 0;
	CHECK(fat_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), "differ only in case") != NULL);
	tree_destroy(t);
	/* more root records than a floppy root directory holds */
	t = tree_create();
	for (int i = 0; i < 113; i++) {
		char p[32];
		snprintf(p, sizeof p, "/F%d", i);
		CHECK_EQ(tree_add_mem_file(t, p, "", 0, 0644, NULL), 0);
	}
	o.size = 368640;
	CHECK(fat_write(t, &o, img, NULL) < 0);
	CHECK(strstr(err_msg(), "root directory needs 113 records") != NULL);
	CHECK(stat(img, &st) < 0);
	tree_destroy(t);
	free(img);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
