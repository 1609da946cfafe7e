/* Rock Ridge: SUSP 1.12 (SP, CE, ER) and RRIP 1.12 (PX with serial
 * numbers, PN, SL, NM, TF, CL, PL, RE) entries of directory records, and
 * their placement in the record or in continuation areas (SUSP 5.1). */
#include "iso9660/iso_impl.h"

#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CE_LEN 28 /* SUSP 5.1: "CE" entry length */

/* RRIP 1991A extension reference, as Linux, libarchive and cdrtools expect. */
static const char er_id[] = "RRIP_1991A";
static const char er_des[] =
    "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
static const char er_src[] = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER "
			     "IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

struct sbuf {
	uint8_t **p;
	size_t *cap;
	size_t len;
};

static uint8_t *entry(struct sbuf *b, const char sig[2], size_t len)
{
	uint8_t *e;
	util_grow(b->p, b->cap, b->len + len, 1);
	e = *b->p + b->len;
	memset(e, 0, len);
	e[0] = (uint8_t)sig[0]; /* SUSP 4.1: signature word */
	e[1] = (uint8_t)sig[1];
	e[2] = (uint8_t)len; /* length of the entry */
	e[3] = 1;	     /* system use entry version */
	b->len += len;
	return e;
}

uint32_t iso_rr_mode(const struct iso_image *img, const struct tree_node *tn)
{
	uint32_t m = tn->mode;
	if (!img->o->rationalize)
		return m;
	/* mkisofs -r: everything readable, executable for all if for anyone,
	 * directories searchable, no write or set-id/sticky bits; symbolic
	 * links too (0777 becomes 0555, as genisoimage and xorriso record). */
	m |= 0444;
	if ((m & S_IFMT) == S_IFDIR || (m & 0111))
		m |= 0111;
	m &= ~(uint32_t)07222;
	return m;
}

static void add_px(struct sbuf *b, const struct iso_image *img, const struct iso_node *n,
		   const struct tree_node *tn)
{
	uint8_t *e = entry(b, "PX", 44); /* RRIP 4.1.1 (1.12: with serial number) */
	iso_put_733(e + 4, iso_rr_mode(img, tn));
	iso_put_733(e + 12, n->nlink);
	iso_put_733(e + 20, img->o->rationalize ? 0 : tn->uid);
	iso_put_733(e + 28, img->o->rationalize ? 0 : tn->gid);
	iso_put_733(e + 36, n->ino);
}

static void add_tf(struct sbuf *b, const struct iso_image *img, const struct tree_node *tn)
{
	uint8_t *e = entry(b, "TF", 5 + 3 * 7); /* RRIP 4.1.6 */
	/* Reading a tree updates its access times and copying it new change
	 * times, so with SOURCE_DATE_EPOCH both are recorded as the
	 * modification time: the image depends on contents and mtimes only. */
	bool repro = img->reproducible;
	e[4] = 0x02 | 0x04 | 0x08; /* modify, access, attributes; short form */
	iso_put_dr_date(e + 5, tn->mtime);
	iso_put_dr_date(e + 12, repro ? tn->mtime : tn->atime);
	iso_put_dr_date(e + 19, repro ? tn->mtime : tn->ctime);
}

static void add_pn(struct sbuf *b, const struct tree_node *tn)
{
	/* RRIP 4.1.2: the device number's high and low 32-bit words, as
	 * genisoimage and libisofs write them (and libarchive reads them);
	 * Linux decodes small numbers from the low word alone. */
	uint8_t *e = entry(b, "PN", 20);
	iso_put_733(e + 4, (uint32_t)(tn->rdev >> 32));
	iso_put_733(e + 12, (uint32_t)tn->rdev);
}

/* RRIP 4.1.4: NM, split into entries of at most 255 bytes (flag CONTINUE),
 * the first holding at most first bytes of the name. */
static void add_nm(struct sbuf *b, const char *name, size_t first)
{
	size_t len = strlen(name), max = MIN(first, (size_t)250);
	do {
		size_t k = MIN(len, max);
		uint8_t *e;
		/* a piece ends between UTF-8 sequences: a reader that shows only
		 * the first (libcdio) shows whole characters */
		while (k < len && k > 4 && ((unsigned char)name[k] & 0xC0) == 0x80)
			k--;
		e = entry(b, "NM", 5 + k);
		e[4] = len > k ? 0x01 : 0;
		memcpy(e + 5, name, k);
		name += k;
		len -= k;
		max = 250;
	} while (len);
}

/* Append one component record to the current SL entry (which starts at
 * *eoff in the buffer) and keep its length byte up to date. */
static void sl_comp(struct sbuf *b, size_t eoff, uint8_t flags, const char *text, size_t len)
{
	util_grow(b->p, b->cap, b->len + 2 + len, 1);
	(*b->p)[b->len] = flags;
	(*b->p)[b->len + 1] = (uint8_t)len;
	if (len)
		memcpy(*b->p + b->len + 2, text, len);
	b->len += 2 + len;
	(*b->p)[eoff + 2] = (uint8_t)(b->len - eoff);
}

static size_t sl_new(struct sbuf *b, size_t eoff)
{
	if (eoff != (size_t)-1)
		(*b->p)[eoff + 4] |= 0x01; /* this SL entry continues in the next */
	entry(b, "SL", 5);
	return b->len - 5;
}

/* RRIP 4.1.3: SL, a symbolic link as component records (8 = root); entries
 * of at most 255 bytes chained with the entry flag CONTINUE. Readers
 * disagree on whether an entry boundary separates two components (Linux
 * inserts '/', libarchive does not), so a boundary always falls inside a
 * component continued with flag 1, possibly by an empty piece. "." and ".."
 * are written as text, which every reader takes literally. The first entry
 * takes at most first bytes (at least 16), the others 255. */
static void add_sl(struct sbuf *b, const char *target, size_t first)
{
	size_t eoff = sl_new(b, (size_t)-1), lim = MIN(first, (size_t)255);
	const char *p = target;
	if (*p == '/') {
		sl_comp(b, eoff, 0x08, NULL, 0);
		if (!*++p)
			return;
	}
	/* Every '/' separates two components, so "a//b" and a trailing '/'
	 * keep their empty components and come back unchanged. */
	for (;;) {
		const char *end = strchr(p, '/');
		size_t left = end ? (size_t)(end - p) : strlen(p);
		bool more = end != NULL;
		for (;;) {
			size_t used = b->len - eoff;
			size_t take = MIN(left, lim - used - 2);
			if (take < left || (more && used + 2 + take + 2 > lim)) {
				sl_comp(b, eoff, 0x01, p, take); /* continues in the next entry */
				p += take;
				left -= take;
				eoff = sl_new(b, eoff);
				lim = 255;
				if (!left) {
					sl_comp(b, eoff, 0, NULL, 0);
					break;
				}
				continue;
			}
			sl_comp(b, eoff, 0, p, take);
			p += take;
			break;
		}
		if (!end)
			break;
		p = end + 1;
	}
}

static void add_pointer(struct sbuf *b, const char sig[2], uint32_t lba)
{
	uint8_t *e = entry(b, sig, 12); /* RRIP 4.1.5.1 CL / 4.1.5.2 PL */
	iso_put_733(e + 4, lba);
}

static void add_er(struct sbuf *b)
{
	size_t li = strlen(er_id), ld = strlen(er_des), ls = strlen(er_src);
	uint8_t *e = entry(b, "ER", 8 + li + ld + ls); /* SUSP 5.5 */
	e[4] = (uint8_t)li;
	e[5] = (uint8_t)ld;
	e[6] = (uint8_t)ls;
	e[7] = 1; /* extension version */
	memcpy(e + 8, er_id, li);
	memcpy(e + 8 + li, er_des, ld);
	memcpy(e + 8 + li + ld, er_src, ls);
}

/* Reserve a continuation area of len bytes (never across a block). */
static void ce_alloc(struct iso_image *img, size_t len, uint32_t *lba, uint32_t *off)
{
	if (img->ce_cur_off + len > ISO_BLOCK) {
		img->ce_cur_sector++;
		img->ce_cur_off = 0;
	}
	*lba = img->ce_lba + img->ce_cur_sector;
	*off = img->ce_cur_off;
	img->ce_cur_off += (uint32_t)len;
	if (img->ce_sectors < img->ce_cur_sector + 1)
		img->ce_sectors = img->ce_cur_sector + 1;
}

static void put_ce(uint8_t *p, uint32_t lba, uint32_t off, uint32_t len)
{
	memset(p, 0, CE_LEN);
	p[0] = 'C';
	p[1] = 'E';
	p[2] = CE_LEN;
	p[3] = 1;
	iso_put_733(p + 4, lba);  /* block location of continuation area */
	iso_put_733(p + 12, off); /* offset */
	iso_put_733(p + 20, len); /* length */
}

/* How many whole entries from e[pos..len) fit in room bytes, keeping
 * CE_LEN free if not all of them fit. Returns the byte count taken. */
static size_t take_entries(const uint8_t *e, size_t pos, size_t len, size_t room, bool *all)
{
	size_t t = 0;
	if (len - pos <= room) {
		*all = true;
		return len - pos;
	}
	*all = false;
	while (pos + t < len && t + e[pos + t + 2] + CE_LEN <= room)
		t += e[pos + t + 2];
	return t;
}

/* Place entries: what fits inline, the rest in chained continuation areas. */
static size_t place(struct iso_image *img, const uint8_t *e, size_t len, size_t avail, uint8_t *out)
{
	bool all;
	size_t pos = 0, inl = take_entries(e, 0, len, avail, &all);
	uint8_t *ce_slot; /* where the pending CE entry goes */
	if (out)
		memcpy(out, e, inl);
	if (all)
		return inl;
	pos = inl;
	ce_slot = out ? out + inl : NULL;
	inl += CE_LEN;
	while (pos < len) {
		size_t t = take_entries(e, pos, len, ISO_BLOCK, &all);
		size_t area = t + (all ? 0 : CE_LEN);
		uint32_t lba, off;
		uint8_t *dst = NULL;
		ce_alloc(img, area, &lba, &off);
		if (img->ce_data)
			dst = img->ce_data + (size_t)(lba - img->ce_lba) * ISO_BLOCK + off;
		if (ce_slot)
			put_ce(ce_slot, lba, off, (uint32_t)area);
		if (dst)
			memcpy(dst, e + pos, t);
		ce_slot = dst ? dst + t : NULL;
		pos += t;
	}
	return inl;
}

/* SL (symbolic links) and NM of an entry whose first entries may take
 * room bytes (SIZE_MAX: no limit). The name gets what the target leaves,
 * if the target fits whole; otherwise it follows in continuation areas. */
static void add_entries_sized(struct sbuf *b, const struct tree_node *tn, size_t room)
{
	size_t start = b->len, used;
	if (S_ISLNK(tn->mode)) {
		add_sl(b, tn->symlink ? tn->symlink : "", room);
		used = b->len - start;
		if (room != SIZE_MAX)
			room = used <= room && !((*b->p)[start + 4] & 0x01) ? room - used : 0;
	}
	add_nm(b, tn->name, room >= 6 ? room - 5 : SIZE_MAX);
}

size_t iso_rr_record(struct iso_image *img, struct iso_node *n, enum iso_rr_rec rec, size_t avail,
		     uint8_t *out)
{
	struct sbuf b = {&img->su, &img->su_cap, 0};
	struct iso_node *attr = n;
	const struct tree_node *tn;
	if (!img->o->rock)
		return 0;
	if (rec == ISO_RR_PARENT) {
		/* ".." describes the parent in the host hierarchy; a relocated
		 * directory's ".." names rr_moved and carries PL (RRIP 4.1.5.2). */
		attr = n == img->root ? n : n->hparent;
	}
	tn = attr->tn;
	if (rec == ISO_RR_SELF && n == img->root) {
		uint8_t *sp = entry(&b, "SP", 7); /* SUSP 5.3: first entry of the root's "." */
		sp[4] = 0xBE;
		sp[5] = 0xEF;
		sp[6] = 0; /* bytes skipped in each system use area */
	}
	add_px(&b, img, attr, tn);
	add_tf(&b, img, tn);
	if (rec == ISO_RR_ENTRY) {
		size_t nm_off;
		if (S_ISCHR(tn->mode) || S_ISBLK(tn->mode))
			add_pn(&b, tn);
		if (n->kind == ISO_N_PLACEHOLDER)
			add_pointer(&b, "CL", n->reloc->lba);
		else if (n->kind == ISO_N_DIR && (n->reloc || n->is_rr_moved))
			/* RRIP 4.1.5.3; on the relocation directory itself too, as
			 * libisofs marks it: Rock Ridge readers then hide it (Linux
			 * lists no entry with RE), since it is not in the source */
			entry(&b, "RE", 4);
		/* A link target and a name start in the record itself even when
		 * they continue elsewhere (SUSP 5.1), as genisoimage writes them:
		 * readers that ignore continuation areas (libcdio) then still
		 * show their beginnings (and libcdio's iso-info crashes on a link
		 * without SL in the record). The target first, then the name in
		 * what is left of the record. */
		nm_off = b.len;
		add_entries_sized(&b, tn, SIZE_MAX);
		if (b.len > avail && nm_off + CE_LEN + 16 <= avail) {
			b.len = nm_off;
			add_entries_sized(&b, tn, avail - CE_LEN - nm_off);
		}
	}
	if (rec == ISO_RR_PARENT && n->reloc && n->kind == ISO_N_DIR)
		add_pointer(&b, "PL", n->hparent->lba);
	if (rec == ISO_RR_SELF && n == img->root)
		add_er(&b);
	return place(img, img->su, b.len, avail, out);
}
