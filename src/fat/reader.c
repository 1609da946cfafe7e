/* FAT reader: the BPB (at sector 0 or in the first FAT partition of an
 * MBR), the first FAT, and the directory tree with long (VFAT) and 8.3
 * names. Each cluster may belong to one chain only, which finds loops and
 * cross-links; contiguous files are ranges of the image, others a list of
 * cluster runs. References: Microsoft "FAT: General Overview of On-Disk
 * Format" 1.03 ("FAT spec"). */
#include "fat/reader.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DIRENT 32u

struct bpb {
	uint64_t base; /* byte offset of the boot sector in the image */
	int part;      /* MBR partition number (1..4), 0: none */
	uint32_t bps, spc, reserved, nfats, root_entries, total, fatsz, rootclus;
	uint32_t root_sectors, data_start, clusters;
	int bits;
};

static bool bpb_plausible(const uint8_t *b)
{
	uint32_t bps = get_le16(b + 11), spc = b[13];
	/* FAT spec "Boot Sector and BPB": BPB_BytsPerSec, BPB_SecPerClus
	 * powers of two, at least one reserved sector and one FAT */
	return (b[0] == 0xEB || b[0] == 0xE9 || b[0] == 0xE8) &&
	       (bps == 512 || bps == 1024 || bps == 2048 || bps == 4096) && spc && !(spc & (spc - 1)) &&
	       get_le16(b + 14) && b[16] && b[510] == 0x55 && b[511] == 0xAA &&
	       (get_le16(b + 22) || get_le32(b + 36)) && (get_le16(b + 19) || get_le32(b + 32));
}

static bool fat_ptype(uint8_t t)
{
	return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x0B || t == 0x0C || t == 0x0E || t == 0xEF;
}

bool fat_probe(const uint8_t *head, size_t len, uint64_t size)
{
	if (len < 512)
		return false;
	if (bpb_plausible(head))
		return true;
	if (head[510] != 0x55 || head[511] != 0xAA)
		return false;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = head + 446 + 16 * i;
		if ((fat_ptype(e[4]) || e[4] == 0xEE) && get_le32(e + 8) && (e[0] == 0 || e[0] == 0x80))
			return true;
	}
	return false;
}

/* Behind a protective MBR (type 0xEE): the first GPT partition (UEFI 2.10,
 * 5.3) that starts with a FAT boot sector, as an EFI system partition. */
static int gpt_fat(const struct imgsrc *src, const uint8_t *mbr, struct bpb *p)
{
	uint8_t h[512], e[128], bs[512];
	uint64_t lba;
	uint32_t n, esz;
	bool protective = false;
	int rc;
	for (int i = 0; i < 4; i++)
		protective |= mbr[446 + 16 * i + 4] == 0xEE;
	if (!protective || src->size < 1024)
		return 0;
	if ((rc = imgsrc_pread(src, h, sizeof h, 512)) < 0)
		return rc;
	if (memcmp(h, "EFI PART", 8) != 0)
		return 0;
	lba = get_le64(h + 72);
	n = MIN(get_le32(h + 80), 128u); /* the spec's minimum array; FAT is among the first */
	esz = get_le32(h + 84);
	if (esz < 128 || esz > 4096 || lba > src->size / 512)
		return err_set(ERR_FORMAT,
			       "%s: offset 512: corrupt GPT header (entries of %u bytes at sector %llu)",
			       src->name, esz, (unsigned long long)lba);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = lba * 512 + (uint64_t)i * esz, first;
		static const uint8_t zero[16];
		if (at + sizeof e > src->size)
			break;
		if ((rc = imgsrc_pread(src, e, sizeof e, at)) < 0)
			return rc;
		if (!memcmp(e, zero, 16))
			continue;
		first = get_le64(e + 32);
		if (first > src->size / 512 - 1)
			continue;
		if ((rc = imgsrc_pread(src, bs, sizeof bs, first * 512)) < 0)
			return rc;
		if (bpb_plausible(bs)) {
			p->part = (int)i + 1;
			p->base = first * 512;
			return 0;
		}
	}
	return 0;
}

static int parse_bpb(const struct imgsrc *src, struct bpb *p)
{
	uint8_t b[512];
	int rc;
	memset(p, 0, sizeof *p);
	if ((rc = imgsrc_pread(src, b, sizeof b, 0)) < 0)
		return rc;
	if (!bpb_plausible(b)) {
		/* an MBR: the first FAT partition (MBR "partition table") */
		for (int i = 0; i < 4 && !p->part; i++) {
			const uint8_t *e = b + 446 + 16 * i;
			if (fat_ptype(e[4]) && get_le32(e + 8)) {
				p->part = i + 1;
				p->base = (uint64_t)get_le32(e + 8) * 512;
			}
		}
		if (!p->part && (rc = gpt_fat(src, b, p)) < 0)
			return rc;
		if (!p->part)
			return err_set(ERR_FORMAT, "%s: offset 0: no FAT boot sector and no FAT partition",
				       src->name);
		if ((rc = imgsrc_pread(src, b, sizeof b, p->base)) < 0)
			return rc;
		if (!bpb_plausible(b))
			return err_set(ERR_FORMAT, "%s: offset %llu: partition %d holds no FAT boot sector",
				       src->name, (unsigned long long)p->base, p->part);
	}
	p->bps = get_le16(b + 11);
	p->spc = b[13];
	p->reserved = get_le16(b + 14);
	p->nfats = b[16];
	p->root_entries = get_le16(b + 17);
	p->total = get_le16(b + 19) ? get_le16(b + 19) : get_le32(b + 32);
	p->fatsz = get_le16(b + 22) ? get_le16(b + 22) : get_le32(b + 36);
	p->rootclus = get_le32(b + 44);
	p->root_sectors = (p->root_entries * DIRENT + p->bps - 1) / p->bps;
	{
		uint64_t ds = (uint64_t)p->reserved + (uint64_t)p->nfats * p->fatsz + p->root_sectors;
		if (ds >= p->total)
			return err_set(ERR_FORMAT,
				       "%s: offset %llu: the FATs and root directory (%llu sectors) fill "
				       "the whole volume (%u sectors)",
				       src->name, (unsigned long long)p->base, (unsigned long long)ds,
				       p->total);
		p->data_start = (uint32_t)ds;
	}
	p->clusters = (p->total - p->data_start) / p->spc;
	/* FAT spec "FAT Type Determination": by the count of clusters alone */
	p->bits = p->clusters < 4085 ? 12 : p->clusters < 65525 ? 16 : 32;
	if (p->bits == 32 && (p->root_entries || !get_le32(b + 36)))
		return err_set(ERR_FORMAT,
			       "%s: offset %llu: FAT32 by its cluster count, but its BPB is not FAT32's",
			       src->name, (unsigned long long)p->base);
	if (p->base > src->size || (uint64_t)p->total * p->bps > src->size - p->base)
		return err_set(ERR_FORMAT,
			       "%s: offset %llu: the file system (%llu bytes) runs past the end of the "
			       "image (%llu bytes)",
			       src->name, (unsigned long long)p->base, (unsigned long long)p->total * p->bps,
			       (unsigned long long)src->size);
	if ((uint64_t)p->fatsz * p->bps * 8 < ((uint64_t)p->clusters + 2) * (unsigned)p->bits)
		return err_set(ERR_FORMAT, "%s: offset %llu: a FAT of %u sectors cannot hold %u clusters",
			       src->name, (unsigned long long)p->base, p->fatsz, p->clusters);
	return 0;
}

/* ---- file data: runs of clusters ------------------------------------------ */

/* ---- reading -------------------------------------------------------------- */

struct rd {
	const struct imgsrc *src;
	struct tree *t;
	struct bpb b;
	uint32_t *fat;	/* clusters + 2 entries */
	uint8_t *used;	/* a bit per cluster: part of a chain already */
	uint64_t csize; /* bytes per cluster */
	struct tree_img *img, *host;
	struct imgsrc_runs *data;
	uint64_t hbase;
	/* the chain being walked, as runs */
	uint64_t *r_off, *r_len;
	size_t r_n, r_cap;
};

static uint64_t cluster_off(const struct rd *r, uint32_t c)
{
	return r->b.base + ((uint64_t)r->b.data_start + (uint64_t)(c - 2) * r->b.spc) * r->b.bps;
}

static int load_fat(struct rd *r)
{
	uint64_t bytes = (uint64_t)r->b.fatsz * r->b.bps;
	uint64_t n = (uint64_t)r->b.clusters + 2;
	uint8_t *raw = xmalloc((size_t)bytes);
	int rc = imgsrc_pread(r->src, raw, (size_t)bytes, r->b.base + (uint64_t)r->b.reserved * r->b.bps);
	if (rc < 0) {
		free(raw);
		return rc;
	}
	r->fat = xmalloc((size_t)n * sizeof *r->fat);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t v;
		if (r->b.bits == 12) {
			uint16_t w = get_le16(raw + i * 3 / 2);
			v = i & 1 ? w >> 4 : w & 0xFFF;
			if (v >= 0xFF7)
				v |= 0x0FFFF000; /* bad and end marks as FAT32's */
		} else if (r->b.bits == 16) {
			v = get_le16(raw + i * 2);
			if (v >= 0xFFF7)
				v |= 0x0FFF0000;
		} else {
			v = get_le32(raw + i * 4) & 0x0FFFFFFF;
		}
		r->fat[i] = v;
	}
	free(raw);
	r->used = xcalloc((size_t)(n + 7) / 8, 1);
	return 0;
}

/* Walk the chain from first; need: bytes wanted (UINT64_MAX: to its
 * end). Leaves the runs in r->r_*. */
static int walk_chain(struct rd *r, uint32_t first, uint64_t need, const char *path, uint64_t *got)
{
	uint32_t c = first;
	uint64_t have = 0;
	r->r_n = 0;
	while (have < need) {
		uint64_t off;
		if (c < 2 || c >= r->b.clusters + 2) {
			if (need == UINT64_MAX && c >= 0x0FFFFFF8 && have)
				break; /* end of chain */
			if (c >= 0x0FFFFFF8)
				return err_set(
				    ERR_FORMAT,
				    "%s: %s: its cluster chain ends after %llu bytes, before its size",
				    r->src->name, path, (unsigned long long)have);
			return err_set(ERR_FORMAT,
				       "%s: offset %llu: %s: cluster chain points at cluster %u, outside "
				       "the %u clusters",
				       r->src->name, (unsigned long long)r->b.base, path, c, r->b.clusters);
		}
		if (r->used[c / 8] & (1u << (c % 8)))
			return err_set(
			    ERR_FORMAT,
			    "%s: offset %llu: %s: cluster %u is reached twice (a cluster chain loop, or "
			    "cross-linked files)",
			    r->src->name, (unsigned long long)cluster_off(r, c), path, c);
		r->used[c / 8] |= (uint8_t)(1u << (c % 8));
		off = cluster_off(r, c);
		if (r->r_n && r->r_off[r->r_n - 1] + r->r_len[r->r_n - 1] == off) {
			r->r_len[r->r_n - 1] += r->csize;
		} else {
			util_grow(&r->r_off, &r->r_cap, r->r_n + 1, sizeof *r->r_off);
			r->r_len = xreallocarray(r->r_len, r->r_cap, sizeof *r->r_len);
			r->r_off[r->r_n] = off;
			r->r_len[r->r_n++] = r->csize;
		}
		have += r->csize;
		c = r->fat[c];
	}
	/* the chain should end here; one that goes back to a cluster already
	 * read is a loop (fsck.fat: "has a cluster loop") */
	if (need != UINT64_MAX && c >= 2 && c < r->b.clusters + 2 && (r->used[c / 8] & (1u << (c % 8))))
		return err_set(ERR_FORMAT,
			       "%s: offset %llu: %s: cluster %u is reached twice (a cluster chain loop, or "
			       "cross-linked files)",
			       r->src->name, (unsigned long long)cluster_off(r, c), path, c);
	*got = have;
	return 0;
}

static int read_dir(struct rd *r, struct tree_node *dir, uint8_t *buf, size_t len, unsigned depth);

/* Read the directory whose clusters start at first (0: FAT12/16 root). */
static int read_dir_at(struct rd *r, struct tree_node *dir, uint32_t first, const char *path, unsigned depth)
{
	uint8_t *buf;
	uint64_t len = 0;
	int rc;
	if (first == 0) {
		len = (uint64_t)r->b.root_sectors * r->b.bps;
		buf = xmalloc((size_t)len + 1);
		rc = imgsrc_pread(r->src, buf, (size_t)len,
				  r->b.base + ((uint64_t)r->b.reserved + (uint64_t)r->b.nfats * r->b.fatsz) *
						  r->b.bps);
	} else {
		if ((rc = walk_chain(r, first, UINT64_MAX, path, &len)) < 0)
			return rc;
		buf = xmalloc((size_t)len + 1);
		for (size_t i = 0, at = 0; i < r->r_n && rc == 0; at += (size_t)r->r_len[i], i++)
			rc = imgsrc_pread(r->src, buf + at, (size_t)r->r_len[i], r->r_off[i]);
	}
	if (rc == 0)
		rc = read_dir(r, dir, buf, (size_t)len, depth);
	free(buf);
	return rc;
}

static int64_t dos_time(uint16_t date, uint16_t time)
{
	/* FAT spec "Date and Time Formats": years from 1980; read as UTC */
	int y = 1980 + (date >> 9), m = (date >> 5) & 15, d = date & 31;
	int64_t days;
	if (m < 1 || m > 12)
		m = 1;
	if (d < 1)
		d = 1;
	{
		int yy = y - (m <= 2);
		int era = yy / 400, yoe = yy - era * 400;
		int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		days = (int64_t)era * 146097 + doe - 719468;
	}
	return days * 86400 + (time >> 11) * 3600 + ((time >> 5) & 63) * 60 + (time & 31) * 2;
}

static size_t utf16_to_utf8(const uint16_t *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && s[i]; i++) {
		uint32_t c = s[i];
		if (c == 0xFFFF)
			break;
		if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
			i++;
		}
		if (k + 5 > cap)
			break;
		k += util_utf8_put(out + k, c);
	}
	out[k] = 0;
	return k;
}

static const uint16_t cp850[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE,
    0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6,
    0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA,
    0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514,
    0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C,
    0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580, 0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE,
    0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6,
    0x00A7, 0x00F7, 0x00B8, 0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
};

static uint8_t sn_checksum(const uint8_t *sn)
{
	uint8_t s = 0;
	for (int i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + sn[i]);
	return s;
}

static int add_file(struct rd *r, struct tree_node *dir, const uint8_t *e, const char *name, unsigned depth)
{
	uint8_t attr = e[11];
	uint32_t first = (uint32_t)get_le16(e + 20) << 16 | get_le16(e + 26);
	uint32_t size = get_le32(e + 28);
	bool is_dir = attr & 0x10;
	struct tree_node *n;
	char *path;
	int rc;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return err_set(ERR_FORMAT, "%s: unsafe file name '%s' in a directory entry", r->src->name,
			       name);
	if (tree_child(dir, name)) {
		char *p = tree_node_path(dir);
		rc = err_set(ERR_FORMAT, "%s: a second entry named '%s' in directory %s", r->src->name, name,
			     p);
		free(p);
		return rc;
	}
	if ((rc = tree_add_child(r->t, dir, name, (is_dir ? S_IFDIR | 0755 : S_IFREG | 0644), &n)) < 0)
		return rc;
	if (!is_dir && (attr & 0x01))
		n->mode = S_IFREG | 0444;
	n->mtime = dos_time(get_le16(e + 24), get_le16(e + 22));
	n->atime = get_le16(e + 18) ? dos_time(get_le16(e + 18), 0) : n->mtime;
	n->ctime = n->mtime;
	path = tree_node_path(n);
	if (is_dir) {
		if (depth + 1 > IMGSRC_MAX_DEPTH)
			rc = err_set(ERR_FORMAT, "%s: %s: directories nested deeper than %d levels",
				     r->src->name, path, IMGSRC_MAX_DEPTH);
		else if (first == 0)
			rc = err_set(ERR_FORMAT, "%s: %s: a directory without clusters", r->src->name, path);
		else
			rc = read_dir_at(r, n, first, path, depth + 1);
		free(path);
		return rc;
	}
	n->size = size;
	if (size) {
		uint64_t got;
		if ((rc = walk_chain(r, first, size, path, &got)) < 0) {
			free(path);
			return rc;
		}
		n->stored_size = got;
		if (r->r_n == 1 && r->host)
			tree_node_set_img(n, r->host, r->hbase + r->r_off[0], 0);
		else if (r->r_n == 1)
			tree_node_set_img(n, r->img, r->r_off[0], 0);
		else {
			tree_node_set_img(n, r->img, 0, imgsrc_runs_add(r->data, r->r_off, r->r_len, r->r_n));
		}
	}
	free(path);
	return 0;
}

static int read_dir(struct rd *r, struct tree_node *dir, uint8_t *buf, size_t len, unsigned depth)
{
	uint16_t lfn[20 * 13 + 1];
	int lfn_left = -1; /* long-name entries still expected; -1: none collected */
	uint8_t lfn_sum = 0;
	char name[1024];
	for (size_t pos = 0; pos + DIRENT <= len; pos += DIRENT) {
		uint8_t *e = buf + pos;
		int rc;
		if (e[0] == 0x00)
			break; /* FAT spec "Directory Structure": no more entries */
		if (e[0] == 0xE5) {
			lfn_left = -1;
			continue; /* deleted */
		}
		if ((e[11] & 0x3F) == 0x0F) {
			/* a VFAT long-name entry: ordinal, 13 UCS-2 characters, checksum */
			unsigned ord = e[0] & 0x3F;
			if (ord == 0 || ord > 20) {
				lfn_left = -1;
				continue;
			}
			if (e[0] & 0x40) {
				lfn_left = (int)ord;
				lfn_sum = e[13];
				memset(lfn, 0, sizeof lfn);
			} else if (lfn_left != (int)ord + 1 || e[13] != lfn_sum) {
				lfn_left = -1;
				continue;
			}
			for (int i = 0; i < 13; i++) {
				static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
				lfn[(ord - 1) * 13 + (unsigned)i] = get_le16(e + at[i]);
			}
			lfn_left = (int)ord;
			continue;
		}
		if (e[11] & 0x08) {
			lfn_left = -1;
			continue; /* volume label */
		}
		if (e[0] == '.' && (e[1] == ' ' || (e[1] == '.' && e[2] == ' '))) {
			lfn_left = -1;
			continue;
		}
		if (lfn_left == 1 && lfn_sum == sn_checksum(e)) {
			utf16_to_utf8(lfn, 20 * 13, name, sizeof name);
		} else {
			/* 8.3: space padded, lower-case flags of NTRes bits 3 and 4 (as
			 * Windows NT and Linux read them), 0x05 for a leading 0xE5, and
			 * bytes above 127 in code page 850 (mtools' default) */
			uint16_t sn[13];
			size_t k = 0;
			bool nul = false;
			for (int i = 0; i < 11; i++) {
				uint8_t c = i == 0 && e[0] == 0x05 ? 0xE5 : e[i];
				bool lower = i < 8 ? e[12] & 0x08 : e[12] & 0x10;
				if (i == 8 && e[8] != ' ')
					sn[k++] = '.';
				if (c == ' ')
					continue;
				nul |= c == 0;
				uint16_t u = c >= 0x80 ? cp850[c - 0x80] : c;
				if (lower &&
				    ((u >= 'A' && u <= 'Z') || (u >= 0xC0 && u <= 0xDE && u != 0xD7)))
					u += 32; /* Latin-1 capitals have their small letters 32 above */
				sn[k++] = u;
			}
			utf16_to_utf8(sn, k, name, sizeof name);
			if (nul)
				name[0] = 0; /* refused below */
		}
		lfn_left = -1;
		if ((rc = add_file(r, dir, e, name, depth)) < 0)
			return rc;
	}
	return 0;
}

int fat_read(const struct imgsrc *src, struct tree *t)
{
	struct rd r;
	int rc;
	memset(&r, 0, sizeof r);
	r.src = src;
	r.t = t;
	if ((rc = parse_bpb(src, &r.b)) < 0)
		return rc;
	r.csize = (uint64_t)r.b.spc * r.b.bps;
	if ((rc = load_fat(&r)) < 0)
		goto out;
	r.data = xcalloc(1, sizeof *r.data);
	if ((rc = imgsrc_open_node(&r.data->src, src->node, src->name)) < 0) {
		free(r.data);
		goto out;
	}
	r.img = tree_img_create(-1, src->name, &imgsrc_runs_ops, r.data);
	r.host = imgsrc_host_img(src, &r.hbase);
	t->root->mode = S_IFDIR | 0755;
	rc = read_dir_at(&r, t->root, r.b.bits == 32 ? r.b.rootclus : 0, "/", 0);
out:
	tree_img_unref(r.img);
	free(r.fat);
	free(r.used);
	free(r.r_off);
	free(r.r_len);
	return rc;
}

int fat_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	struct bpb b;
	uint8_t s[512];
	char label[12], oem[9];
	int rc;
	if ((rc = parse_bpb(src, &b)) < 0)
		return rc;
	if ((rc = imgsrc_pread(src, s, sizeof s, b.base)) < 0)
		return rc;
	memcpy(oem, s + 3, 8);
	oem[8] = 0;
	if (b.part)
		imgsrc_info_add(info, "fat: in partition %d at sector %llu", b.part,
				(unsigned long long)b.base / 512);
	imgsrc_info_add(info, "fat: FAT%d, %u clusters of %u bytes, %u sectors of %u bytes", b.bits,
			b.clusters, b.spc * b.bps, b.total, b.bps);
	imgsrc_info_add(info, "oem name: %.8s", oem);
	{
		const uint8_t *ext = b.bits == 32 ? s + 64 : s + 36; /* BS_DrvNum... */
		if (ext[2] == 0x29) {
			memcpy(label, ext + 7, 11);
			label[11] = 0;
			for (int i = 10; i >= 0 && label[i] == ' '; i--)
				label[i] = 0;
			imgsrc_info_add(info, "serial: %04X-%04X", get_le16(ext + 5), get_le16(ext + 3));
			if (label[0])
				imgsrc_info_add(info, "label: %s", label);
		}
	}
	imgsrc_info_add(info, "fats: %u of %u sectors; reserved sectors: %u%s", b.nfats, b.fatsz, b.reserved,
			b.bits == 32 ? "" : "");
	return 0;
}
