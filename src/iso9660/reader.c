/* ISO 9660 reader: the volume descriptors and directory hierarchy of an
 * image (Rock Ridge when present, else Joliet, else plain ECMA-119) read
 * into a tree whose file data stays in the image, read in place. */
#include "iso9660/reader.h"
#include "iso9660/reader_impl.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool iso_probe(const uint8_t *head, size_t len, uint64_t size)
{
	/* ECMA-119 8.1: the first volume descriptor is at sector 16 */
	return len >= 16 * ISO_BLOCK + 7 && size >= 17 * ISO_BLOCK &&
	       memcmp(head + 16 * ISO_BLOCK + 1, "CD001", 5) == 0;
}

/* ---- records and dates ------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* proleptic Gregorian calendar, days since 1970-01-01 */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t civil(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, int gmtoff)
{
	if (mo < 1 || mo > 12)
		mo = 1;
	if (d < 1 || d > 31)
		d = 1;
	return days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s -
	       (int64_t)gmtoff * 15 * 60;
}

int64_t iso_date7(const uint8_t *p)
{
	/* 9.1.5: years since 1900, month, day, hour, minute, second, and the
	 * offset from GMT in 15-minute units (signed) */
	return civil(1900 + p[0], p[1], p[2], p[3], p[4], p[5], (int8_t)p[6]);
}

static unsigned digits(const uint8_t *p, int n)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (p[i] >= '0' && p[i] <= '9' ? (unsigned)(p[i] - '0') : 0);
	return v;
}

int64_t iso_date17(const uint8_t *p)
{
	/* 8.4.26.1: "YYYYMMDDHHMMSScc" and the zone */
	unsigned y = digits(p, 4);
	if (y == 0)
		return 0;
	return civil(y, digits(p + 4, 2), digits(p + 6, 2), digits(p + 8, 2), digits(p + 10, 2),
		     digits(p + 12, 2), (int8_t)p[16]);
}

int iso_rec_parse(const uint8_t *p, size_t avail, struct iso_rec *r)
{
	size_t su;
	if (avail < ISO_DR_BASE + 1 || p[0] < ISO_DR_BASE + 1 || p[0] > avail)
		return -1;
	r->len = p[0];
	r->extent = get_le32(p + 2);
	r->size = get_le32(p + 10);
	r->mtime = iso_date7(p + 18);
	r->flags = p[25];
	r->name_len = p[32];
	if ((size_t)ISO_DR_BASE + r->name_len > r->len)
		return -1;
	r->name = p + 33;
	su = ISO_DR_BASE + r->name_len + !(r->name_len & 1);
	r->su = p + su;
	r->su_len = su < r->len ? r->len - su : 0;
	if (su > r->len)
		r->su = p + r->len;
	/* file unit size and interleave gap (9.1.7, 9.1.8) */
	if (p[26] || p[27])
		return -2;
	return 0;
}

int iso_rd_volume(const struct imgsrc *src, struct iso_vol *v)
{
	uint8_t b[ISO_BLOCK];
	int rc;
	memset(v, 0, sizeof *v);
	for (uint32_t s = ISO_SYSTEM_AREA;; s++) {
		if ((uint64_t)(s + 1) * ISO_BLOCK > src->size)
			return err_set(ERR_FORMAT,
				       "%s: offset %llu: the volume descriptor set has no terminator before "
				       "the end of the image",
				       src->name, (unsigned long long)s * ISO_BLOCK);
		if ((rc = imgsrc_pread(src, b, ISO_BLOCK, (uint64_t)s * ISO_BLOCK)) < 0)
			return rc;
		if (memcmp(b + 1, "CD001", 5) != 0)
			return err_set(
			    ERR_FORMAT,
			    "%s: offset %llu: not a volume descriptor (no CD001), and no terminator "
			    "before it",
			    src->name, (unsigned long long)s * ISO_BLOCK);
		v->ndesc++;
		if (b[0] == ISO_VD_TERMINATOR)
			break;
		if (b[0] == ISO_VD_PRIMARY && !v->pvd_block) {
			v->pvd_block = s;
			v->space = get_le32(b + 80);
			memcpy(v->root, b + 156, 34);
		} else if (b[0] == ISO_VD_SUPPLEMENTARY && !v->svd_block && b[88] == '%' && b[89] == '/' &&
			   (b[90] == '@' || b[90] == 'C' || b[90] == 'E')) {
			/* Joliet: escape sequences of UCS-2 levels 1..3 (8.5.6) */
			v->svd_block = s;
			v->joliet_level = b[90] == '@' ? 1 : b[90] == 'C' ? 2 : 3;
			memcpy(v->jroot, b + 156, 34);
		} else if (b[0] == ISO_VD_BOOT && !v->boot_block &&
			   memcmp(b + 7, "EL TORITO SPECIFICATION", 23) == 0) {
			v->boot_block = s;
			v->catalog = get_le32(b + 0x47); /* El Torito 2.0, boot record volume descriptor */
		}
	}
	if (!v->pvd_block)
		return err_set(ERR_FORMAT, "%s: no primary volume descriptor", src->name);
	return 0;
}

/* ---- file data ------------------------------------------------------------- */

/* Files whose extents are not one run of the image (multi-extent files
 * with gaps), and every file of an image that is itself decoded (an ISO
 * inside a cloop file): read through the image source. */

/* ---- the hierarchy ---------------------------------------------------------- */

enum rd_mode { RD_PLAIN, RD_ROCK, RD_JOLIET };

struct rd {
	const struct imgsrc *src;
	struct tree *t;
	enum rd_mode mode;
	struct rr_ctx rr;
	struct tree_img *img; /* data_ops */
	struct imgsrc_runs *data;
	struct tree_img *host; /* the host file, for in-place ranges (or NULL) */
	uint64_t base;
	uint64_t dir_budget; /* directory bytes left to read: no more than the image has */
	uint32_t *seen;	     /* directory extents read (open addressing, 0 = free) */
	size_t seen_cap, seen_n;
	/* one multi-extent file being collected */
	uint64_t *m_off, *m_len;
	size_t m_n, m_cap;
};

static int seen_add(struct rd *r, uint32_t extent)
{
	uint32_t key = extent + 1;
	size_t i;
	if (r->seen_n * 2 >= r->seen_cap) {
		size_t ncap = r->seen_cap ? r->seen_cap * 2 : 256;
		uint32_t *ns = xcalloc(ncap, sizeof *ns);
		for (size_t k = 0; k < r->seen_cap; k++)
			if (r->seen[k]) {
				size_t j = (r->seen[k] * 2654435761u) & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = r->seen[k];
			}
		free(r->seen);
		r->seen = ns;
		r->seen_cap = ncap;
	}
	for (i = (key * 2654435761u) & (r->seen_cap - 1); r->seen[i]; i = (i + 1) & (r->seen_cap - 1))
		if (r->seen[i] == key)
			return 1;
	r->seen[i] = key;
	r->seen_n++;
	return 0;
}

static struct tree_node *child_named(const struct tree_node *dir, const char *name)
{
	size_t lo = 0, hi = dir->nchildren;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(dir->children[mid]->name, name);
		if (c == 0)
			return dir->children[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* UCS-2 / UTF-16 big endian (Joliet) to UTF-8. */
static size_t ucs2_to_utf8(const uint8_t *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t c = (uint32_t)s[i] << 8 | s[i + 1];
		if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
			uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];
			if (lo >= 0xDC00 && lo < 0xE000) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		if (k + 4 >= cap)
			break;
		k += util_utf8_put(out + k, c);
	}
	out[k] = 0;
	return k;
}

/* The name of a record without Rock Ridge: Joliet UCS-2, or an ECMA-119
 * identifier with its version (";1") and an empty extension's '.' cut. */
static void plain_name(const struct rd *r, const struct iso_rec *rec, bool dir, char *out, size_t cap)
{
	size_t k;
	if (r->mode == RD_JOLIET) {
		k = ucs2_to_utf8(rec->name, rec->name_len, out, cap);
	} else {
		k = MIN((size_t)rec->name_len, cap - 1);
		memcpy(out, rec->name, k);
		out[k] = 0;
	}
	if (!dir) {
		char *semi = strrchr(out, ';');
		if (semi) {
			*semi = 0;
			k = (size_t)(semi - out);
		}
		if (r->mode == RD_PLAIN && k > 1 && out[k - 1] == '.')
			out[--k] = 0;
	}
}

static int bad(const struct rd *r, uint64_t off, const char *what, const char *path)
{
	return err_set(ERR_FORMAT, "%s: offset %llu: %s%s%s", r->src->name, (unsigned long long)off, what,
		       path ? ": " : "", path ? path : "");
}

static int check_range(const struct rd *r, uint64_t extent, uint64_t len, uint64_t rec_off, const char *what)
{
	uint64_t pos = extent * ISO_BLOCK;
	if (pos > r->src->size || len > r->src->size - pos)
		return err_set(
		    ERR_FORMAT,
		    "%s: offset %llu: %s of %llu bytes at offset %llu lies past the end of the image "
		    "(%llu bytes)",
		    r->src->name, (unsigned long long)rec_off, what, (unsigned long long)len,
		    (unsigned long long)pos, (unsigned long long)r->src->size);
	return 0;
}

static int read_dir(struct rd *r, struct tree_node *dir, uint32_t extent, uint32_t size, unsigned depth,
		    uint64_t rec_off);

static void set_attrs(struct tree_node *n, const struct rr_attrs *a, int64_t rec_mtime, bool is_dir)
{
	if (a->has_px) {
		n->mode = (n->mode & S_IFMT) | (a->mode & 07777);
		n->uid = a->uid;
		n->gid = a->gid;
	} else {
		n->mode = (n->mode & S_IFMT) | (is_dir ? 0755 : 0644);
	}
	n->mtime = a->has_mtime ? a->mtime : rec_mtime;
	n->atime = a->has_atime ? a->atime : n->mtime;
	n->ctime = a->has_ctime ? a->ctime : n->mtime;
}

/* The directory record at (p, rec_off) of the directory extent, and the
 * multi-extent parts collected before it (r->m_*), as one file. */
static int add_entry(struct rd *r, struct tree_node *dir, const struct iso_rec *rec, uint64_t rec_off,
		     unsigned depth)
{
	struct rr_attrs *a = xcalloc(1, sizeof *a);
	struct tree_node *n = NULL, *old;
	char *name = xmalloc(ISO_RD_NAME_MAX + 1);
	bool is_dir = rec->flags & ISO_DR_DIR;
	uint32_t sub_extent = rec->extent, sub_size = rec->size;
	mode_t type;
	int rc = 0;

	if (r->mode == RD_ROCK && (rc = rr_parse(&r->rr, rec->su, rec->su_len, rec_off, a)) < 0)
		goto out;
	if (a->re)
		goto out; /* RRIP 4.1.5.3: relocated; shown where its CL placeholder is */
	if (a->has_nm && !a->nm_current && !a->nm_parent) {
		memcpy(name, a->name, a->name_len + 1);
		if (strlen(name) != a->name_len) {
			rc = bad(r, rec_off, "Rock Ridge name holds a NUL byte", NULL);
			goto out;
		}
	} else {
		plain_name(r, rec, is_dir, name, ISO_RD_NAME_MAX + 1);
	}
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		rc = err_set(ERR_FORMAT, "%s: offset %llu: unsafe file name '%s' in a directory record",
			     r->src->name, (unsigned long long)rec_off, name);
		goto out;
	}
	if (a->zf) {
		rc = bad(r, rec_off, "zisofs-compressed file (ZF), which mklive does not decode", name);
		goto out;
	}
	if (a->sf) {
		rc = bad(r, rec_off, "Rock Ridge sparse file (SF), which mklive does not read", name);
		goto out;
	}
	if (a->cl) {
		/* RRIP 4.1.5.1: a placeholder file for a directory moved to
		 * rr_moved; its own '.' record gives the size. */
		uint8_t first[ISO_BLOCK];
		struct iso_rec dot;
		if ((rc = check_range(r, a->cl_extent, ISO_BLOCK, rec_off, "relocated directory")) < 0)
			goto out;
		if ((rc = imgsrc_pread(r->src, first, ISO_BLOCK, (uint64_t)a->cl_extent * ISO_BLOCK)) < 0)
			goto out;
		if (iso_rec_parse(first, ISO_BLOCK, &dot) < 0 || dot.name_len != 1 || dot.name[0] != 0) {
			rc = bad(r, rec_off, "Rock Ridge CL does not point at a directory", name);
			goto out;
		}
		is_dir = true;
		sub_extent = a->cl_extent;
		sub_size = dot.size;
	}
	if (is_dir)
		type = S_IFDIR;
	else if (a->has_px && (a->mode & S_IFMT) && (a->mode & S_IFMT) != S_IFDIR)
		type = a->mode & S_IFMT;
	else if (a->has_px && (a->mode & S_IFMT) == S_IFDIR) {
		rc = bad(r, rec_off, "Rock Ridge says directory, the record says file", name);
		goto out;
	} else
		type = a->has_sl ? S_IFLNK : S_IFREG;

	old = child_named(dir, name);
	if (old) {
		if (r->mode == RD_PLAIN && !is_dir)
			goto out; /* an older version of the same file (9.3: higher versions first) */
		char *p = tree_node_path(dir);
		rc = err_set(ERR_FORMAT, "%s: offset %llu: a second entry named '%s' in directory %s",
			     r->src->name, (unsigned long long)rec_off, name, p);
		free(p);
		goto out;
	}
	if ((rc = tree_add_child(r->t, dir, name, type | 0644, &n)) < 0)
		goto out;
	set_attrs(n, a, rec->mtime, is_dir);

	if (S_ISLNK(type)) {
		if (!a->link || !a->link_len) {
			rc = bad(r, rec_off, "symbolic link without a target (no Rock Ridge SL)", name);
			goto out;
		}
		n->symlink = a->link;
		n->size = a->link_len;
		a->link = NULL;
	} else if (S_ISCHR(type) || S_ISBLK(type)) {
		n->rdev = a->rdev;
	} else if (S_ISREG(type)) {
		uint64_t total = 0;
		bool contiguous = true;
		util_grow(&r->m_off, &r->m_cap, r->m_n + 1, sizeof *r->m_off);
		r->m_len = xreallocarray(r->m_len, r->m_cap, sizeof *r->m_len);
		r->m_off[r->m_n] = (uint64_t)rec->extent * ISO_BLOCK;
		r->m_len[r->m_n] = rec->size;
		r->m_n++;
		for (size_t i = 0; i < r->m_n; i++) {
			if (r->m_len[i]) {
				char *what = xasprintf("the data of '%s'", name);
				rc = check_range(r, r->m_off[i] / ISO_BLOCK, r->m_len[i], rec_off, what);
				free(what);
				if (rc < 0)
					goto out;
			}
			total += r->m_len[i];
			if (i + 1 < r->m_n &&
			    (r->m_off[i] + r->m_len[i] != r->m_off[i + 1] || r->m_len[i] % ISO_BLOCK))
				contiguous = false;
		}
		n->size = total;
		n->stored_size = 0;
		for (size_t i = 0; i < r->m_n; i++)
			n->stored_size += ALIGN_UP(r->m_len[i], (uint64_t)ISO_BLOCK);
		if (total && contiguous && r->host)
			tree_node_set_img(n, r->host, r->base + r->m_off[0], 0);
		else if (total && contiguous)
			tree_node_set_img(n, r->img, r->m_off[0], 0);
		else if (total) {
			tree_node_set_img(n, r->img, 0, imgsrc_runs_add(r->data, r->m_off, r->m_len, r->m_n));
		}
		/* Hard links: RRIP 1.12 PX serial numbers, else (genisoimage) one
		 * extent shared by names whose link count says so. */
		if (a->has_px && a->nlink > 1) {
			n->src_dev = r->img->dev;
			if (a->has_ino && a->ino)
				n->src_ino = 1ull << 40 | a->ino;
			else if (total)
				n->src_ino = 2ull << 40 | rec->extent;
		}
	}
	if (is_dir) {
		rr_attrs_free(a);
		free(a);
		a = NULL;
		if (depth + 1 > IMGSRC_MAX_DEPTH) {
			rc = bad(r, rec_off, "directories nested deeper than 1024 levels", name);
			goto out;
		}
		rc = read_dir(r, n, sub_extent, sub_size, depth + 1, rec_off);
	}
out:
	r->m_n = 0;
	if (a) {
		rr_attrs_free(a);
		free(a);
	}
	free(name);
	return rc;
}

/* Whether every entry of a directory is relocated (RE): rr_moved then
 * holds nothing a reader should see. */
static bool all_relocated(struct rd *r, const struct iso_rec *rec, uint64_t rec_off)
{
	uint8_t *buf;
	bool all = true;
	if (check_range(r, rec->extent, rec->size, rec_off, "directory") < 0 || rec->size > r->dir_budget) {
		err_clear();
		return false;
	}
	buf = xmalloc(rec->size ? rec->size : 1);
	if (imgsrc_pread(r->src, buf, rec->size, (uint64_t)rec->extent * ISO_BLOCK) < 0) {
		err_clear();
		free(buf);
		return false;
	}
	for (uint32_t pos = 0; pos < rec->size && all;) {
		uint32_t end = MIN(rec->size, (pos / ISO_BLOCK + 1) * ISO_BLOCK);
		struct iso_rec e;
		struct rr_attrs a;
		if (!buf[pos]) {
			pos = end;
			continue;
		}
		if (iso_rec_parse(buf + pos, end - pos, &e) < 0) {
			all = false;
			break;
		}
		pos += e.len;
		if (e.name_len == 1 && e.name[0] <= 1)
			continue;
		e.su += MIN((size_t)r->rr.skip, e.su_len);
		e.su_len -= MIN((size_t)r->rr.skip, e.su_len);
		memset(&a, 0, sizeof a);
		if (rr_parse(&r->rr, e.su, e.su_len, (uint64_t)rec->extent * ISO_BLOCK + pos, &a) < 0) {
			err_clear();
			all = false;
		}
		all = all && a.re;
		rr_attrs_free(&a);
	}
	free(buf);
	return all;
}

static int read_dir(struct rd *r, struct tree_node *dir, uint32_t extent, uint32_t size, unsigned depth,
		    uint64_t rec_off)
{
	uint64_t dpos = (uint64_t)extent * ISO_BLOCK;
	uint8_t *buf = NULL;
	bool multi = false;
	int rc;
	if ((rc = check_range(r, extent, size, rec_off, "directory")) < 0)
		return rc;
	if (seen_add(r, extent))
		return err_set(ERR_FORMAT,
			       "%s: offset %llu: directory loop: the directory at offset %llu is "
			       "already part of the tree",
			       r->src->name, (unsigned long long)rec_off, (unsigned long long)dpos);
	if (size > r->dir_budget)
		return bad(r, rec_off, "directories add up to more bytes than the image has", NULL);
	r->dir_budget -= size;
	buf = xmalloc(size ? size : 1);
	if ((rc = imgsrc_pread(r->src, buf, size, dpos)) < 0)
		goto out;
	for (uint32_t pos = 0; pos < size;) {
		uint32_t end = MIN(size, (pos / ISO_BLOCK + 1) * ISO_BLOCK);
		uint64_t off = dpos + pos;
		struct iso_rec rec;
		int prc;
		if (!buf[pos]) {
			pos = end; /* 6.8.1.1: records do not cross sectors; zeros pad */
			continue;
		}
		prc = iso_rec_parse(buf + pos, end - pos, &rec);
		if (prc == -2) {
			rc = bad(r, off, "interleaved file (file unit size set), which mklive does not read",
				 NULL);
			goto out;
		}
		if (prc < 0) {
			rc = bad(r, off, "corrupt directory record (its length does not fit its sector)",
				 NULL);
			goto out;
		}
		pos += rec.len;
		if (r->rr.skip && !(depth == 0 && pos == rec.len)) {
			/* SUSP 5.3: LEN_SKP bytes precede the entries of every record but the root's '.' */
			size_t k = MIN((size_t)r->rr.skip, rec.su_len);
			rec.su += k;
			rec.su_len -= k;
		}
		if (rec.name_len == 1 && rec.name[0] == 0) {
			/* '.': the directory's own attributes */
			if (r->mode == RD_ROCK && pos == rec.len) {
				struct rr_attrs a;
				memset(&a, 0, sizeof a);
				if ((rc = rr_parse(&r->rr, rec.su, rec.su_len, off, &a)) < 0) {
					rr_attrs_free(&a);
					goto out;
				}
				if (a.any || depth == 0)
					set_attrs(dir, &a, rec.mtime, true);
				rr_attrs_free(&a);
			} else if (pos == rec.len) {
				dir->mtime = dir->atime = dir->ctime = rec.mtime;
			}
			continue;
		}
		if (rec.name_len == 1 && rec.name[0] == 1)
			continue;
		if (rec.flags & 0x04)
			continue; /* 9.1.6 bit 2: an associated file (a Mac resource fork), not a name */
		if (rec.flags & ISO_DR_MULTI) {
			/* 9.1.6 bit 7: the file goes on in the next record */
			if (rec.flags & ISO_DR_DIR) {
				rc = bad(r, off, "a multi-extent directory", NULL);
				goto out;
			}
			if (r->m_n >= r->src->size / ISO_BLOCK + 1) {
				rc = bad(r, off, "more extents than the image has sectors", NULL);
				goto out;
			}
			util_grow(&r->m_off, &r->m_cap, r->m_n + 1, sizeof *r->m_off);
			r->m_len = xreallocarray(r->m_len, r->m_cap, sizeof *r->m_len);
			r->m_off[r->m_n] = (uint64_t)rec.extent * ISO_BLOCK;
			r->m_len[r->m_n] = rec.size;
			r->m_n++;
			multi = true;
			continue;
		}
		multi = false;
		if (depth == 0 && r->mode == RD_ROCK && (rec.flags & ISO_DR_DIR) &&
		    ((rec.name_len == 8 && !memcmp(rec.name, "RR_MOVED", 8)) ||
		     (rec.name_len == 8 && !memcmp(rec.name, "rr_moved", 8)) ||
		     (rec.name_len == 9 && !memcmp(rec.name, ".rr_moved", 9))) &&
		    all_relocated(r, &rec, off))
			continue;
		if ((rc = add_entry(r, dir, &rec, off, depth)) < 0)
			goto out;
	}
	if (multi) {
		rc = bad(r, dpos + size, "the last file of the directory is cut (multi-extent flag set)",
			 NULL);
		goto out;
	}
	rc = 0;
out:
	r->m_n = 0;
	free(buf);
	return rc;
}

int iso_read(const struct imgsrc *src, struct tree *t)
{
	struct rd r;
	struct iso_vol v;
	struct iso_rec root;
	uint8_t first[ISO_BLOCK];
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = iso_rd_volume(src, &v)) < 0)
		return rc;
	r.src = src;
	r.t = t;
	r.rr.src = src;
	r.rr.ce_budget = src->size;
	r.dir_budget = src->size;
	r.data = xcalloc(1, sizeof *r.data);
	if ((rc = imgsrc_open_node(&r.data->src, src->node, src->name)) < 0) {
		free(r.data);
		return rc;
	}
	r.img = tree_img_create(-1, src->name, &imgsrc_runs_ops, r.data);
	r.host = imgsrc_host_img(src, &r.base);

	if (iso_rec_parse(v.root, sizeof v.root, &root) < 0 || !(root.flags & ISO_DR_DIR)) {
		rc = err_set(ERR_FORMAT, "%s: offset %llu: corrupt root directory record", src->name,
			     (unsigned long long)v.pvd_block * ISO_BLOCK + 156);
		goto out;
	}
	/* SUSP 5.3: Rock Ridge is in use when the root's '.' record begins
	 * with SP; its LEN_SKP applies to every other record. */
	if ((rc = check_range(&r, root.extent, ISO_BLOCK, (uint64_t)v.pvd_block * ISO_BLOCK + 156,
			      "root directory")) < 0)
		goto out;
	if ((rc = imgsrc_pread(src, first, ISO_BLOCK, (uint64_t)root.extent * ISO_BLOCK)) < 0)
		goto out;
	{
		struct iso_rec dot;
		if (iso_rec_parse(first, ISO_BLOCK, &dot) == 0 && dot.name_len == 1 && dot.name[0] == 0 &&
		    dot.su_len >= 7 && dot.su[0] == 'S' && dot.su[1] == 'P' && dot.su[4] == 0xBE &&
		    dot.su[5] == 0xEF) {
			r.mode = RD_ROCK;
			r.rr.skip = dot.su[6];
		}
	}
	if (r.mode != RD_ROCK && v.svd_block) {
		r.mode = RD_JOLIET;
		if (iso_rec_parse(v.jroot, sizeof v.jroot, &root) < 0 || !(root.flags & ISO_DR_DIR)) {
			rc = err_set(ERR_FORMAT, "%s: offset %llu: corrupt Joliet root directory record",
				     src->name, (unsigned long long)v.svd_block * ISO_BLOCK + 156);
			goto out;
		}
	}
	t->root->mode = S_IFDIR | 0755;
	rc = read_dir(&r, t->root, root.extent, root.size, 0,
		      (uint64_t)(r.mode == RD_JOLIET ? v.svd_block : v.pvd_block) * ISO_BLOCK + 156);
out:
	tree_img_unref(r.img);
	free(r.seen);
	free(r.m_off);
	free(r.m_len);
	return rc;
}
