/* FAT geometry (the values mkfs.fat 4.2 chooses), boot sector with BPB, FSInfo. */
#include "core/error.h"
#include "core/util.h"
#include "fat/fat_impl.h"

#include <string.h>

/* The standard floppy formats (sizes in KiB): sectors per track, heads,
 * media descriptor (FAT spec "BPB_Media"), sectors per cluster, root
 * entries. 2880K uses 224 root entries, as mkfs.fat does. */
/* clang-format off */
static const struct floppy {
	uint32_t kib;
	uint16_t spt, heads;
	uint8_t media, spc;
	uint16_t root;
} floppies[] = {
	{360, 9, 2, 0xFD, 2, 112},
	{720, 9, 2, 0xF9, 2, 112},
	{1200, 15, 2, 0xF9, 1, 224},
	{1440, 18, 2, 0xF0, 1, 224},
	{2880, 36, 2, 0xF0, 2, 224},
};
/* clang-format on */

const uint32_t fat_floppy_sizes[] = {360 * 1024, 720 * 1024, 1200 * 1024, 1440 * 1024, 2880 * 1024, 0};

static uint32_t align_to(uint32_t v, uint32_t a, bool on)
{
	return on ? (uint32_t)ALIGN_UP(v, a) : v;
}

/* The fake disk geometry mkfs.fat gives an image file, by size. */
static void disk_chs(uint32_t sectors, uint16_t *spt, uint16_t *heads)
{
	/* clang-format off */
	static const struct {
		uint32_t max;
		uint16_t spt, heads;
	} t[] = {
		{4096, 16, 2},     {32768, 32, 2},     {65536, 32, 4},     {262144, 32, 8},
		{524288, 32, 16},  {1032192, 63, 16},  {2064384, 63, 32},  {4128768, 63, 64},
		{8257536, 63, 128},
	};
	/* clang-format on */
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (sectors <= t[i].max) {
			*spt = t[i].spt;
			*heads = t[i].heads;
			return;
		}
	*spt = 63;
	*heads = 255;
}

/* FAT32 sectors per cluster by volume size (FAT spec "FAT Type
 * Determination", the FAT32 table; mkfs.fat uses it too). */
static uint8_t fat32_spc(uint32_t sectors)
{
	if (sectors <= 532480)
		return 1;
	if (sectors <= 16777216)
		return 8;
	if (sectors <= 33554432)
		return 16;
	if (sectors <= 67108864)
		return 32;
	return 64;
}

/* Layout for FAT12/16 with a given cluster size (mkfs.fat's estimate: the
 * FAT is sized for the clusters the rest of the space can hold, then the
 * cluster count recomputed). */
static void layout_1216(struct fat_geom *g, int bits, bool align)
{
	uint32_t fatdata, clust, fatlen;
	uint64_t num;
	g->reserved = (uint16_t)align_to(1, g->spc, align);
	g->root_sectors = DIV_ROUND_UP((uint32_t)g->root_entries * FAT_DIRENT, FAT_SECTOR);
	if (align) {
		g->root_sectors = align_to(g->root_sectors, g->spc, true);
		g->root_entries = (uint16_t)(g->root_sectors * FAT_SECTOR / FAT_DIRENT);
	}
	fatdata = g->sectors - g->reserved - g->root_sectors;
	if (bits == 12) {
		num = (uint64_t)fatdata * FAT_SECTOR + g->nfats * 3;
		clust = (uint32_t)(num / ((uint32_t)g->spc * FAT_SECTOR + g->nfats * 3));
		fatlen = DIV_ROUND_UP(((clust + 2) * 3 + 1) >> 1, FAT_SECTOR);
	} else {
		num = (uint64_t)fatdata * FAT_SECTOR + g->nfats * 4;
		clust = (uint32_t)(num / ((uint32_t)g->spc * FAT_SECTOR + g->nfats * 2));
		fatlen = DIV_ROUND_UP((clust + 2) * 2, FAT_SECTOR);
	}
	fatlen = align_to(fatlen, g->spc, align);
	g->fat_sectors = fatlen;
	g->data_start = g->reserved + g->nfats * fatlen + g->root_sectors;
	g->clusters = g->data_start < g->sectors ? (g->sectors - g->data_start) / g->spc : 0;
	g->bits = bits;
}

static void layout_32(struct fat_geom *g, bool align)
{
	uint32_t fatdata, clust, fatlen;
	g->reserved = (uint16_t)align_to(32, g->spc, align);
	g->root_entries = 0;
	g->root_sectors = 0;
	fatdata = g->sectors - g->reserved;
	clust = (uint32_t)(((uint64_t)fatdata * FAT_SECTOR + g->nfats * 8) /
			   ((uint32_t)g->spc * FAT_SECTOR + g->nfats * 4));
	fatlen = align_to(DIV_ROUND_UP((clust + 2) * 4, FAT_SECTOR), g->spc, align);
	g->fat_sectors = fatlen;
	g->data_start = g->reserved + g->nfats * fatlen;
	g->clusters = g->data_start < g->sectors ? (g->sectors - g->data_start) / g->spc : 0;
	g->bits = 32;
}

static bool fits_type(const struct fat_geom *g, int bits)
{
	switch (bits) {
	case 12:
		return g->clusters >= 1 && g->clusters <= FAT_MAX_CLUST_12;
	case 16:
		return g->clusters >= FAT_MIN_CLUST_16 && g->clusters <= FAT_MAX_CLUST_16;
	default:
		return g->clusters >= FAT_MIN_CLUST_32 && g->clusters <= FAT_MAX_CLUST_32;
	}
}

static uint32_t max_clusters(int bits)
{
	return bits == 12 ? FAT_MAX_CLUST_12 : bits == 16 ? FAT_MAX_CLUST_16 : FAT_MAX_CLUST_32;
}

/* Try one FAT type: grow the cluster size until the count is below the
 * type's maximum (as mkfs.fat does; not when FAT12 is only a candidate),
 * or, when the type was asked for and there are too few clusters, shrink
 * it (where mkfs.fat gives up). */
static bool try_type(struct fat_geom *g, int bits, bool align, bool grow, bool shrink)
{
	bool shrinking = false;
	for (;;) {
		if (bits == 32)
			layout_32(g, align);
		else
			layout_1216(g, bits, align);
		if (fits_type(g, bits))
			return true;
		if (g->clusters > max_clusters(bits)) {
			if (!grow || shrinking || g->spc >= 128)
				return false;
			g->spc = (uint8_t)(g->spc * 2);
			continue;
		}
		if (!shrink || g->floppy || g->spc == 1)
			return false;
		shrinking = true;
		g->spc = (uint8_t)(g->spc / 2);
	}
}

int fat_geom_compute(uint64_t fs_bytes, int bits, bool partitioned, uint32_t hidden, struct fat_geom *g)
{
	const struct floppy *fl = NULL;
	uint64_t sectors = fs_bytes / FAT_SECTOR;
	bool align;
	memset(g, 0, sizeof *g);
	if (bits != 0 && bits != 12 && bits != 16 && bits != 32)
		return err_set(EINVAL, "FAT type must be 12, 16 or 32, not %d", bits);
	if (fs_bytes % FAT_SECTOR)
		return err_set(EINVAL, "size %llu is not a multiple of %u bytes",
			       (unsigned long long)fs_bytes, FAT_SECTOR);
	if (sectors > 0xFFFFFFFFu)
		return err_set(ERR_LIMIT, "a FAT filesystem holds at most 2 TiB, not %llu bytes",
			       (unsigned long long)fs_bytes);
	if (sectors < 64)
		return err_set(ERR_LIMIT, "%llu bytes is too small for a FAT filesystem",
			       (unsigned long long)fs_bytes);
	g->nfats = 2;
	g->hidden = hidden;
	if (!partitioned && (bits == 0 || bits == 12))
		for (size_t i = 0; i < ARRAY_SIZE(floppies); i++)
			if ((uint64_t)floppies[i].kib * 1024 == fs_bytes)
				fl = &floppies[i];
	if (fl) {
		g->floppy = true;
		g->sectors = (uint32_t)sectors;
		g->spt = fl->spt;
		g->heads = fl->heads;
		g->media = fl->media;
		g->spc = fl->spc;
		g->root_entries = fl->root;
		g->drive = 0x00;
		if (!try_type(g, 12, false, false, false))
			return err_set(ERR_LIMIT, "no FAT12 layout for %llu bytes",
				       (unsigned long long)fs_bytes);
		return 0;
	}
	g->media = 0xF8;
	g->drive = 0x80;
	if (partitioned) {
		g->spt = FAT_PART_SPT;
		g->heads = FAT_PART_HEADS;
	} else {
		disk_chs((uint32_t)sectors, &g->spt, &g->heads);
	}
	/* mkfs.fat leaves out a partial last track. */
	g->sectors = (uint32_t)(sectors / g->spt * g->spt);
	/* mkfs.fat aligns the FATs and the data area to clusters except on
	 * very small filesystems. */
	align = g->sectors > 8192;
	if (bits == 0)
		bits = g->sectors >= 1048576 ? 32 : 0; /* 512 MiB and up: FAT32 */
	if (bits == 32) {
		g->spc = fat32_spc(g->sectors);
		if (try_type(g, 32, align, true, true))
			return 0;
		return err_set(ERR_LIMIT, "%llu bytes is too small for FAT32 (it needs at least %u clusters)",
			       (unsigned long long)fs_bytes, FAT_MIN_CLUST_32);
	}
	g->spc = 4;
	g->root_entries = 512;
	if (bits == 0 || bits == 12) {
		struct fat_geom t = *g;
		if (try_type(&t, 12, align, bits == 12, bits == 12)) {
			*g = t;
			return 0;
		}
		if (bits == 12)
			return err_set(ERR_LIMIT, "%llu bytes is too large for FAT12",
				       (unsigned long long)fs_bytes);
	}
	if (try_type(g, 16, align, true, bits == 16))
		return 0;
	if (g->clusters > FAT_MAX_CLUST_16)
		return err_set(ERR_LIMIT, "%llu bytes is too large for FAT16 (use FAT32)",
			       (unsigned long long)fs_bytes);
	return err_set(ERR_LIMIT, "%llu bytes is too small for FAT16 (it needs at least %u clusters)",
		       (unsigned long long)fs_bytes, FAT_MIN_CLUST_16);
}

static const char boot_msg[] = "\r\nNot a boot disk: no boot loader is installed on this disk.\r\n"
			       "Press any key to try the next boot device.\r\n";

size_t fat_boot_code(uint8_t *dst, size_t at)
{
	/* Real mode, loaded at 0000:7C00 (or 07C0:0000: only relative jumps
	 * and DS=0 absolute addresses are used, so both work). Prints the
	 * message with INT 10h AH=0Eh (teletype), waits for a key (INT 16h)
	 * and asks the BIOS for the next boot device (INT 19h). */
	/* clang-format off */
	static const uint8_t code[] = {
		0xFA,             /* +0  cli */
		0x31, 0xC0,       /* +1  xor ax,ax */
		0x8E, 0xD8,       /* +3  mov ds,ax */
		0x8E, 0xD0,       /* +5  mov ss,ax */
		0xBC, 0x00, 0x7C, /* +7  mov sp,7C00h */
		0xFB,             /* +10 sti */
		0xFC,             /* +11 cld */
		0xBE, 0x00, 0x00, /* +12 mov si,msg (patched) */
		0xAC,             /* +15 loop: lodsb */
		0x84, 0xC0,       /* +16 test al,al */
		0x74, 0x09,       /* +18 jz done (+29) */
		0xB4, 0x0E,       /* +20 mov ah,0Eh */
		0xBB, 0x07, 0x00, /* +22 mov bx,0007h (page 0, grey) */
		0xCD, 0x10,       /* +25 int 10h */
		0xEB, 0xF2,       /* +27 jmp loop (+15) */
		0x31, 0xC0,       /* +29 done: xor ax,ax */
		0xCD, 0x16,       /* +31 int 16h: wait for a key */
		0xCD, 0x19,       /* +33 int 19h: next boot device */
		0xF4,             /* +35 hlt */
		0xEB, 0xFD,       /* +36 jmp +35 */
	};
	/* clang-format on */
	_Static_assert(sizeof code == 38, "boot code layout");
	memcpy(dst, code, sizeof code);
	put_le16(dst + 13, (uint16_t)(0x7C00 + at + sizeof code));
	memcpy(dst + sizeof code, boot_msg, sizeof boot_msg);
	return sizeof code + sizeof boot_msg;
}

void fat_boot_sector(const struct fat_geom *g, uint32_t serial, const uint8_t label[11], uint8_t out[512])
{
	const bool f32 = g->bits == 32;
	const size_t ext = f32 ? 64 : 36; /* extended BPB: FAT spec offsets 36 vs 64 */
	const size_t code_at = f32 ? 90 : 62;
	memset(out, 0, 512);
	/* BS_jmpBoot: EB xx 90, a short jump over the BPB to the code. */
	out[0] = 0xEB;
	out[1] = (uint8_t)(code_at - 2);
	out[2] = 0x90;
	memcpy(out + 3, "MKLIVE  ", 8);	     /* 3 BS_OEMName */
	put_le16(out + 11, FAT_SECTOR);	     /* 11 BPB_BytsPerSec */
	out[13] = g->spc;		     /* 13 BPB_SecPerClus */
	put_le16(out + 14, g->reserved);     /* 14 BPB_RsvdSecCnt */
	out[16] = g->nfats;		     /* 16 BPB_NumFATs */
	put_le16(out + 17, g->root_entries); /* 17 BPB_RootEntCnt */
	if (g->sectors < 65536)
		put_le16(out + 19, (uint16_t)g->sectors); /* 19 BPB_TotSec16 */
	else
		put_le32(out + 32, g->sectors); /* 32 BPB_TotSec32 */
	out[21] = g->media;			/* 21 BPB_Media */
	if (!f32)
		put_le16(out + 22, (uint16_t)g->fat_sectors); /* 22 BPB_FATSz16 */
	put_le16(out + 24, g->spt);			      /* 24 BPB_SecPerTrk */
	put_le16(out + 26, g->heads);			      /* 26 BPB_NumHeads */
	put_le32(out + 28, g->hidden);			      /* 28 BPB_HiddSec */
	if (f32) {
		put_le32(out + 36, g->fat_sectors); /* 36 BPB_FATSz32 */
		put_le16(out + 40, 0);		    /* 40 BPB_ExtFlags: FATs mirrored */
		put_le16(out + 42, 0);		    /* 42 BPB_FSVer 0.0 */
		put_le32(out + 44, 2);		    /* 44 BPB_RootClus */
		put_le16(out + 48, 1);		    /* 48 BPB_FSInfo */
		put_le16(out + 50, 6);		    /* 50 BPB_BkBootSec */
	}
	out[ext + 0] = g->drive;	  /* BS_DrvNum */
	out[ext + 2] = 0x29;		  /* BS_BootSig: the next three fields exist */
	put_le32(out + ext + 3, serial);  /* BS_VolID */
	memcpy(out + ext + 7, label, 11); /* BS_VolLab */
	memcpy(out + ext + 18, g->bits == 12 ? "FAT12   " : g->bits == 16 ? "FAT16   " : "FAT32   ", 8);
	fat_boot_code(out + code_at, code_at);
	out[510] = 0x55;
	out[511] = 0xAA;
}

void fat_fsinfo(uint32_t free_count, uint32_t next_free, uint8_t out[512])
{
	/* FAT spec "FAT32 FSInfo Sector Structure" */
	memset(out, 0, 512);
	put_le32(out + 0, 0x41615252);	 /* FSI_LeadSig */
	put_le32(out + 484, 0x61417272); /* FSI_StrucSig */
	put_le32(out + 488, free_count); /* FSI_Free_Count */
	put_le32(out + 492, next_free);	 /* FSI_Nxt_Free */
	put_le32(out + 508, 0xAA550000); /* FSI_TrailSig */
}
