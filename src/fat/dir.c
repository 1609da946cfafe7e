/* Names and directories: VFAT long names, unique 8.3 aliases, and the
 * 32-byte directory records (FAT spec "Directory Structure", "Long
 * Directory Entries", "Basis-Name Generation", "Numeric-Tail Generation"). */
#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FAT_ATTR_READ_ONLY 0x01
#define FAT_ATTR_VOLUME_ID 0x08
#define FAT_ATTR_DIRECTORY 0x10
#define FAT_ATTR_ARCHIVE 0x20
#define FAT_ATTR_LONG_NAME 0x0F
#define FAT_MAX_DIR_ENTRIES 65536u /* FAT spec: a directory is at most 2 MiB */
#define FAT_LFN_CHARS 13

int fat_utf16(const char *s, uint16_t *out, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;
	while (*p) {
		uint32_t c;
		int more;
		if (*p < 0x80) {
			c = *p;
			more = 0;
		} else if ((*p & 0xE0) == 0xC0) {
			c = *p & 0x1F;
			more = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			c = *p & 0x0F;
			more = 2;
		} else if ((*p & 0xF8) == 0xF0) {
			c = *p & 0x07;
			more = 3;
		} else {
			return -1;
		}
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return -1;
			c = c << 6 | (*p & 0x3F);
		}
		/* reject overlong forms, surrogates and values past U+10FFFF */
		if ((more == 1 && c < 0x80) || (more == 2 && c < 0x800) || (more == 3 && c < 0x10000) ||
		    (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
			return -1;
		if (c >= 0x10000) {
			if (n + 2 > max)
				return -1;
			c -= 0x10000;
			if (out) {
				out[n] = (uint16_t)(0xD800 | (c >> 10));
				out[n + 1] = (uint16_t)(0xDC00 | (c & 0x3FF));
			}
			n += 2;
		} else {
			if (n + 1 > max)
				return -1;
			if (out)
				out[n] = (uint16_t)c;
			n++;
		}
	}
	return (int)n;
}

int fat_name_check(const char *name, const char *path)
{
	size_t len = strlen(name);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return err_set(EINVAL, "%s: FAT cannot hold a name with control character 0x%02X",
				       path, *p);
		if (strchr("\"*/:<>?\\|", *p))
			return err_set(EINVAL, "%s: FAT cannot hold a name with the character '%c'", path,
				       *p);
	}
	if (len == 0)
		return err_set(EINVAL, "%s: empty name", path);
	if (name[len - 1] == '.' || name[len - 1] == ' ')
		return err_set(EINVAL, "%s: FAT cannot hold a name ending in a %s", path,
			       name[len - 1] == '.' ? "dot" : "space");
	if (fat_utf16(name, NULL, 255) < 0)
		return err_set(EINVAL, "%s: the name is not valid UTF-8 or longer than 255 UTF-16 characters",
			       path);
	return 0;
}

uint8_t fat_lfn_checksum(const uint8_t sn[11])
{
	/* FAT spec "Long Directory Entries": rotate right, then add. */
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sn[i]);
	return sum;
}

/* Characters a short name may hold besides A-Z and 0-9 (FAT spec
 * "Directory Structure", DIR_Name). */
static bool short_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr("!#$%&'()-@^_`{}~", c));
}

static unsigned char ascii_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* One part of an exact 8.3 name: returns 0 invalid, 1 upper, 2 lower
 * (case-less parts count as upper). */
static int exact_part(const char *s, size_t n, size_t max)
{
	bool lower = false, upper = false;
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			lower = true;
		else if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (!short_char(c))
			return 0;
	}
	if (lower && upper)
		return 0;
	return lower ? 2 : 1;
}

bool fat_short_exact(const char *name, uint8_t sn[11], uint8_t *ntcase)
{
	const char *dot = strchr(name, '.');
	size_t blen = dot ? (size_t)(dot - name) : strlen(name);
	int b, e = 1;
	b = exact_part(name, blen, 8);
	if (!b)
		return false;
	if (dot) {
		if (strchr(dot + 1, '.'))
			return false;
		e = exact_part(dot + 1, strlen(dot + 1), 3);
		if (!e)
			return false;
	}
	memset(sn, ' ', 11);
	for (size_t i = 0; i < blen; i++)
		sn[i] = ascii_upper((unsigned char)name[i]);
	if (dot)
		for (size_t i = 0; dot[1 + i]; i++)
			sn[8 + i] = ascii_upper((unsigned char)dot[1 + i]);
	/* 0xE5 marks a free record; a first byte of 0xE5 is stored as 0x05.
	 * (Cannot happen here: only ASCII is accepted.) */
	/* NT case flags (DIR_NTRes): Windows NT and Linux show such a name in
	 * lower case without a long-name record. */
	*ntcase = (uint8_t)((b == 2 ? 0x08 : 0) | (e == 2 ? 0x10 : 0));
	return true;
}

/* Next character of a long name for the basis: upper-cased ASCII, '_' for
 * anything a short name cannot hold (one per non-ASCII character). */
static unsigned char basis_char(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	unsigned char c = *p++;
	if (c >= 0x80)
		while ((*p & 0xC0) == 0x80)
			p++;
	*pp = p;
	if (c >= 0x80)
		return '_';
	c = ascii_upper(c);
	return short_char(c) || c == '.' || c == ' ' ? c : '_';
}

void fat_short_basis(const char *name, uint8_t sn[11])
{
	const unsigned char *p = (const unsigned char *)name;
	const char *last_dot;
	size_t bl = 0;
	memset(sn, ' ', 11);
	while (*p == '.' || *p == ' ') /* strip leading periods and spaces */
		p++;
	last_dot = strrchr((const char *)p, '.');
	/* Primary portion: up to 8 characters before the last period,
	 * without spaces and periods. */
	while (*p && (const char *)p != last_dot) {
		unsigned char c = basis_char(&p);
		if (c == ' ' || c == '.')
			continue;
		if (bl < 8)
			sn[bl++] = c;
	}
	if (bl == 0)
		sn[bl++] = '_';
	if (last_dot) {
		size_t el = 0;
		p = (const unsigned char *)last_dot + 1;
		while (*p && el < 3) {
			unsigned char c = basis_char(&p);
			if (c == ' ' || c == '.')
				continue;
			sn[8 + el++] = c;
		}
	}
}

void fat_short_tail(const uint8_t basis[11], unsigned n, uint8_t out[11])
{
	char tail[12];
	int tl = snprintf(tail, sizeof tail, "~%u", n);
	size_t bl = 0;
	memcpy(out, basis, 11);
	while (bl < 8 && basis[bl] != ' ')
		bl++;
	if (bl + (size_t)tl > 8)
		bl = 8 - (size_t)tl;
	memcpy(out + bl, tail, (size_t)tl);
	for (size_t i = bl + (size_t)tl; i < 8; i++)
		out[i] = ' ';
}

void fat_time_encode(int64_t t, uint32_t ns, uint16_t *date, uint16_t *time_, uint8_t *tenths)
{
	struct tm tm;
	time_t tt;
	/* FAT dates run from 1980-01-01 to 2107-12-31 (years 0..127 past
	 * 1980); times have 2-second resolution plus a 10 ms field. */
	if (t < 315532800)
		t = 315532800, ns = 0;
	if (t > 4354819199LL)
		t = 4354819199LL, ns = 0;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	*date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	*time_ = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	if (tenths)
		*tenths = (uint8_t)((tm.tm_sec % 2) * 100 + ns / 10000000u);
}

/* ---- a small set of 11-byte short names, with a tail hint per basis ---- */
struct nameset {
	uint8_t (*keys)[11];
	uint32_t *vals; /* for hints: the last tail number used */
	bool *used;
	size_t cap;
};

static void set_init(struct nameset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < n * 2 + 1)
		s->cap *= 2;
	s->keys = xcalloc(s->cap, 11);
	s->vals = xcalloc(s->cap, sizeof *s->vals);
	s->used = xcalloc(s->cap, sizeof *s->used);
}

static void set_free(struct nameset *s)
{
	free(s->keys);
	free(s->vals);
	free(s->used);
}

/* Slot of key: where it is, or the free slot where it would go. The set is
 * sized so that it never fills. */
static size_t set_slot(const struct nameset *s, const uint8_t k[11])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;
	for (int j = 0; j < 11; j++)
		h = (h ^ k[j]) * 16777619u;
	i = h & (s->cap - 1);
	while (s->used[i] && memcmp(s->keys[i], k, 11) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void set_put(struct nameset *s, const uint8_t k[11], uint32_t v)
{
	size_t i = set_slot(s, k);
	s->used[i] = true;
	memcpy(s->keys[i], k, 11);
	s->vals[i] = v;
}

/* An 8.3 name once upper-cased: only the case keeps it from being one. */
static bool fits_83_any_case(const char *name)
{
	char up[13];
	uint8_t sn[11], nt;
	size_t n = strlen(name);
	if (n > 12)
		return false;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)ascii_upper((unsigned char)name[i]);
	return fat_short_exact(up, sn, &nt);
}

static int fold_cmp(const void *a, const void *b)
{
	const struct tree_node *x = *(struct tree_node *const *)a, *y = *(struct tree_node *const *)b;
	return strcasecmp(x->name, y->name);
}

static struct fat_ent *ent(const struct tree_node *n)
{
	return n->user;
}

int fat_dir_names(struct tree_node *dir, bool is_root, bool has_label)
{
	struct fat_ent *de = ent(dir);
	struct tree_node **sorted;
	struct nameset used, hints;
	size_t nkept = 0;
	uint64_t entries = is_root ? (has_label ? 1 : 0) : 2; /* label, or "." and ".." */
	int rc = 0;

	for (size_t i = 0; i < dir->nchildren; i++) {
		struct tree_node *c = dir->children[i];
		char *path;
		if (!tree_is_dir(c) && !tree_is_reg(c)) {
			path = tree_node_path(c);
			log_warn("%s: FAT holds only files and directories; skipped", path);
			free(path);
			ent(c)->skip = true;
			continue;
		}
		path = tree_node_path(c);
		rc = fat_name_check(c->name, path);
		if (!rc && tree_is_reg(c) && c->size > 0xFFFFFFFFu)
			rc = err_set(ERR_LIMIT, "%s: %llu bytes; a FAT file holds at most 4 GiB - 1", path,
				     (unsigned long long)c->size);
		free(path);
		if (rc)
			return rc;
		nkept++;
	}
	/* FAT compares names without regard to case: two names that differ
	 * only in case would hide one another. */
	sorted = xcalloc(nkept ? nkept : 1, sizeof *sorted);
	nkept = 0;
	for (size_t i = 0; i < dir->nchildren; i++)
		if (!ent(dir->children[i])->skip)
			sorted[nkept++] = dir->children[i];
	qsort(sorted, nkept, sizeof *sorted, fold_cmp);
	for (size_t i = 1; i < nkept; i++)
		if (strcasecmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
			char *a = tree_node_path(sorted[i - 1]), *b = tree_node_path(sorted[i]);
			rc = err_set(EEXIST, "%s and %s: FAT cannot hold two names that differ only in case",
				     a, b);
			free(a);
			free(b);
			free(sorted);
			return rc;
		}
	free(sorted);

	set_init(&used, nkept);
	set_init(&hints, nkept);
	/* First the names that are short names already: they keep them.
	 * (Entries start zeroed; sn[0] != 0 marks a name given.) */
	for (size_t i = 0; i < dir->nchildren; i++) {
		struct fat_ent *e = ent(dir->children[i]);
		if (e->skip)
			continue;
		if (fat_short_exact(dir->children[i]->name, e->sn, &e->ntcase)) {
			e->nlfn = 0;
			set_put(&used, e->sn, 0);
			entries += 1;
		}
	}
	/* Then aliases "BASIS~N" for the others, N the lowest free number
	 * (counting on from the last one given to the same basis). */
	for (size_t i = 0; i < dir->nchildren; i++) {
		struct tree_node *c = dir->children[i];
		struct fat_ent *e = ent(c);
		uint8_t basis[11];
		size_t hs;
		unsigned n;
		int units;
		if (e->skip || e->sn[0]) /* skipped, or an exact short name (above) */
			continue;
		fat_short_basis(c->name, basis);
		e->ntcase = 0;
		units = fat_utf16(c->name, NULL, 255);
		e->nlfn = (uint8_t)DIV_ROUND_UP((unsigned)units, FAT_LFN_CHARS);
		entries += 1 + e->nlfn;
		/* A name that is an 8.3 name but for its mixed case ("Makefile")
		 * gets the basis itself, without a numeric tail, if it is free
		 * (FAT spec "Numeric-Tail Generation": the tail is added only
		 * when the conversion lost something). */
		if (fits_83_any_case(c->name) && !used.used[set_slot(&used, basis)]) {
			memcpy(e->sn, basis, 11);
			set_put(&used, e->sn, 0);
			continue;
		}
		hs = set_slot(&hints, basis);
		n = hints.used[hs] ? hints.vals[hs] + 1 : 1;
		for (;; n++) {
			if (n > 999999) {
				char *path = tree_node_path(c);
				rc = err_set(ERR_LIMIT, "%s: no free 8.3 alias left", path);
				free(path);
				goto out;
			}
			fat_short_tail(basis, n, e->sn);
			if (!used.used[set_slot(&used, e->sn)])
				break;
		}
		set_put(&used, e->sn, 0);
		set_put(&hints, basis, n);
	}
	if (entries > FAT_MAX_DIR_ENTRIES) {
		char *path = tree_node_path(dir);
		rc = err_set(ERR_LIMIT, "%s: %llu directory records; a FAT directory holds at most %u", path,
			     (unsigned long long)entries, FAT_MAX_DIR_ENTRIES);
		free(path);
		goto out;
	}
	de->entries = (uint32_t)entries;
out:
	set_free(&used);
	set_free(&hints);
	return rc;
}

static void short_record(uint8_t *r, const uint8_t sn[11], uint8_t attr, uint8_t ntcase, uint32_t cluster,
			 uint32_t size, const struct tree_node *t)
{
	uint16_t d, tm;
	uint8_t tenths;
	fat_time_encode(t->mtime, t->mtime_ns, &d, &tm, &tenths);
	memset(r, 0, FAT_DIRENT);
	memcpy(r, sn, 11);			     /* 0 DIR_Name */
	r[11] = attr;				     /* 11 DIR_Attr */
	r[12] = ntcase;				     /* 12 DIR_NTRes */
	r[13] = tenths;				     /* 13 DIR_CrtTimeTenth */
	put_le16(r + 14, tm);			     /* 14 DIR_CrtTime */
	put_le16(r + 16, d);			     /* 16 DIR_CrtDate */
	put_le16(r + 18, d);			     /* 18 DIR_LstAccDate */
	put_le16(r + 20, (uint16_t)(cluster >> 16)); /* 20 DIR_FstClusHI */
	put_le16(r + 22, tm);			     /* 22 DIR_WrtTime */
	put_le16(r + 24, d);			     /* 24 DIR_WrtDate */
	put_le16(r + 26, (uint16_t)cluster);	     /* 26 DIR_FstClusLO */
	put_le32(r + 28, size);			     /* 28 DIR_FileSize */
}

/* The long-name records of one name, in on-disk order (last part first). */
static uint8_t *lfn_records(uint8_t *r, const char *name, const uint8_t sn[11], unsigned nlfn)
{
	/* UTF-16 character positions within a record: LDIR_Name1 (5),
	 * LDIR_Name2 (6), LDIR_Name3 (2). */
	static const uint8_t pos[FAT_LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
	uint16_t u[256];
	int len = fat_utf16(name, u, 255);
	uint8_t sum = fat_lfn_checksum(sn);
	for (unsigned k = nlfn; k >= 1; k--, r += FAT_DIRENT) {
		memset(r, 0, FAT_DIRENT);
		r[0] = (uint8_t)(k | (k == nlfn ? 0x40 : 0)); /* LDIR_Ord; 0x40: the last one */
		r[11] = FAT_ATTR_LONG_NAME;		      /* LDIR_Attr */
		r[13] = sum;				      /* LDIR_Chksum */
		for (int j = 0; j < FAT_LFN_CHARS; j++) {
			int idx = (int)(k - 1) * FAT_LFN_CHARS + j;
			/* after the name: one NUL, then 0xFFFF padding */
			uint16_t v = idx < len ? u[idx] : idx == len ? 0x0000 : 0xFFFF;
			put_le16(r + pos[j], v);
		}
	}
	return r;
}

void fat_dir_encode(const struct tree_node *dir, bool is_root, const uint8_t *label, uint8_t *buf)
{
	const struct fat_ent *de = ent(dir);
	uint8_t *r = buf;
	if (is_root) {
		if (label) {
			short_record(r, label, FAT_ATTR_VOLUME_ID, 0, 0, 0, dir);
			r += FAT_DIRENT;
		}
	} else {
		static const uint8_t dot[11] = ".          ", dotdot[11] = "..         ";
		const struct tree_node *p = dir->parent;
		/* ".." of a directory in the root points to cluster 0 (FAT spec
		 * "FAT Directory Structure"), also on FAT32. */
		uint32_t pc = p && p->parent ? ent(p)->first : 0;
		short_record(r, dot, FAT_ATTR_DIRECTORY, 0, de->first, 0, dir);
		short_record(r + FAT_DIRENT, dotdot, FAT_ATTR_DIRECTORY, 0, pc, 0, p ? p : dir);
		r += 2 * FAT_DIRENT;
	}
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct tree_node *c = dir->children[i];
		const struct fat_ent *e = ent(c);
		uint8_t attr;
		if (e->skip)
			continue;
		if (e->nlfn)
			r = lfn_records(r, c->name, e->sn, e->nlfn);
		if (tree_is_dir(c))
			attr = FAT_ATTR_DIRECTORY;
		else
			attr = (uint8_t)(FAT_ATTR_ARCHIVE | (c->mode & 0200 ? 0 : FAT_ATTR_READ_ONLY));
		short_record(r, e->sn, attr, e->ntcase, e->first, tree_is_dir(c) ? 0 : (uint32_t)c->size, c);
		r += FAT_DIRENT;
	}
}
